/*
 * drift_eval.c - evaluating a window against the frozen reference: every
 * metric of every feature, thresholds (defaults, then global and
 * per-feature overrides), tiers, severities and the window's verdict. See
 * drift_int.h.
 *
 * Separate from drift_ref.c: a reference is frozen once, windows are judged
 * again and again against it; the two share only the parallel loop and the
 * bin and moment helpers.
 */
#include "drift_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- evaluation ------------------------------------------------------------------------------ */

/* Thresholds of (feature, method): defaults, then global overrides, then the feature's own. */
static void threshold_for(const struct md_drift_opts *o, const char *feature,
                          enum md_drift_method m, double *warn, double *drift)
{
    md_drift_default_threshold(m, warn, drift);
    /* Global entries first, then feature-specific ones, so the specific always wins. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < o->n_thresholds; i++) {
            const struct md_drift_threshold *t = &o->thresholds[i];
            bool global = t->feature[0] == '\0';
            if (t->method != m || (pass == 0) != global)
                continue;
            if (global || !strcmp(t->feature, feature)) {
                *warn = t->warn;
                *drift = t->drift;
            }
        }
    }
}

/* The operator may narrow the methods (md_drift_opts.methods); 0 keeps them all. */
static bool wanted(const struct md_drift_opts *o, enum md_drift_method m)
{
    return !o->methods || (o->methods & md_drift_method_bit(m));
}

/* Tier and severity of one metric. p-value methods vote only while the samples are small. */
static void judge(struct md_drift_metric *mt, enum md_drift_method m, const char *feature,
                  uint64_t nr, uint64_t nc, const struct md_drift_opts *o)
{
    bool is_p = m == MD_DRIFT_KS || m == MD_DRIFT_CHI2;
    threshold_for(o, feature, m, &mt->warn, &mt->drift);
    double x = is_p ? mt->p_value : mt->value;
    uint64_t vote_max = o->p_vote_max ? o->p_vote_max : 10000;
    double en = nr && nc ? (double)nr * (double)nc / ((double)nr + (double)nc) : 0;
    mt->votes = !is_p || en <= (double)vote_max;
    if (isnan(x)) {
        mt->status = MD_DRIFT_STATUS_NA;
        mt->severity = 0;
        return;
    }
    if (is_p) {
        mt->status = x < mt->drift  ? MD_DRIFT_STATUS_DRIFT
                     : x < mt->warn ? MD_DRIFT_STATUS_WARN
                                    : MD_DRIFT_STATUS_OK;
        double s = x > 0 ? log10(x) / log10(mt->drift) : INFINITY;
        mt->severity = fmin(s, 1e6);
    } else {
        mt->status = x >= mt->drift  ? MD_DRIFT_STATUS_DRIFT
                     : x >= mt->warn ? MD_DRIFT_STATUS_WARN
                                     : MD_DRIFT_STATUS_OK;
        mt->severity = fmin(mt->drift > 0 ? x / mt->drift : INFINITY, 1e6);
    }
}

/*
 * The four numeric metrics of one window: KS and W1 from one merge of the sorted
 * samples (or their sketches), PSI and JS on the frozen decile bins.
 */
static void eval_numeric(const struct drift_ref_feature *rf, struct drift_acc *a,
                         const struct md_drift_opts *o, struct md_drift_feature *F)
{
    struct md_drift_metric *m = F->m;
    for (int i = MD_DRIFT_PSI; i <= MD_DRIFT_KS; i++) {
        m[i].present = wanted(o, (enum md_drift_method)i);
        m[i].value = m[i].p_value = NAN;
    }
    F->n_edges = rf->n_edges;
    memcpy(F->edges, rf->edges, sizeof(F->edges));
    memcpy(F->bins_ref, rf->bins, sizeof(F->bins_ref));
    if (rf->valid == 0 || a->valid == 0)
        return;
    double *cv = a->v, *cw = NULL;
    size_t cn = a->nv;
    size_t k = rf->n_edges + 1;
    if (a->sk) {
        cn = drift_sketch_samples(a->sk, &cv, &cw);
        memcpy(F->bins_cur, a->bins, sizeof(F->bins_cur));
        drift_moments_of_sketch(a, &F->mean_cur, &F->std_cur);
        F->sketch = true;
        F->rank_error = a->sk->err / (double)a->sk->n;
    } else {
        if (md_drift_sort(cv, cn))
            md_die_oom();
        drift_bins_of_sorted(cv, cn, rf->edges, rf->n_edges, F->bins_cur);
        md_drift_mean_std(cv, cn, 0, &F->mean_cur, &F->std_cur);
    }
    if (rf->w) {
        F->sketch = true;
        F->rank_error += rf->rank_err;
    }
    /* The merge is the costly part of a window: skipped when neither KS nor W1 is wanted. */
    if (m[MD_DRIFT_KS].present || m[MD_DRIFT_W1].present) {
        double d, w1;
        md_drift_ks_w1(rf->v, rf->w, rf->nv, cv, cw, cn, &d, &w1);
        if (m[MD_DRIFT_KS].present) {
            m[MD_DRIFT_KS].value = d;
            m[MD_DRIFT_KS].p_value = md_drift_ks_p(d, rf->valid, a->valid, &m[MD_DRIFT_KS].exact_p);
        }
        if (m[MD_DRIFT_W1].present)
            m[MD_DRIFT_W1].value = md_drift_w1_norm(w1, rf->std);
    }
    double r[MD_DRIFT_MAX_BINS], c[MD_DRIFT_MAX_BINS];
    if (m[MD_DRIFT_PSI].present) {
        md_drift_shares(F->bins_ref, k, rf->valid, o->smoothing, r);
        md_drift_shares(F->bins_cur, k, a->valid, o->smoothing, c);
        m[MD_DRIFT_PSI].value = md_drift_psi(r, c, k, NULL);
    }
    if (m[MD_DRIFT_JS].present) {
        md_drift_shares(F->bins_ref, k, rf->valid, MD_DRIFT_SMOOTH_NONE, r);
        md_drift_shares(F->bins_cur, k, a->valid, MD_DRIFT_SMOOTH_NONE, c);
        m[MD_DRIFT_JS].value = md_drift_js(r, c, k, 2);
    }
    if (a->sk) {
        free(cv);
        free(cw);
    }
}

struct catrow {
    const char *key;
    uint64_t a, b;
};

/* Categories by total count, most frequent first, for the histogram overlay. */
static int cmp_catrow(const void *pa, const void *pb)
{
    const struct catrow *x = pa, *y = pb;
    uint64_t sx = x->a + x->b, sy = y->a + y->b;
    return (sx < sy) - (sx > sy);
}

/* The union of categories: reference order, then categories the reference never saw. */
static void eval_categorical(const struct drift_ref_feature *rf, struct drift_acc *a,
                             const struct md_drift_opts *o, struct md_drift_feature *F)
{
    struct md_drift_metric *m = F->m;
    m[MD_DRIFT_JS].present = wanted(o, MD_DRIFT_JS);
    m[MD_DRIFT_CHI2].present = wanted(o, MD_DRIFT_CHI2);
    m[MD_DRIFT_JS].value = m[MD_DRIFT_JS].p_value = NAN;
    m[MD_DRIFT_CHI2].value = m[MD_DRIFT_CHI2].p_value = NAN;
    size_t nc = a->cats.map.n, k = rf->n_cats + nc + 1;
    struct catrow *rows = md_xcalloc(k, sizeof(*rows));
    bool *seen = md_xcalloc(nc ? nc : 1, sizeof(*seen));
    size_t n = 0;
    for (size_t i = 0; i < rf->n_cats; i++) {
        uint32_t j = drift_strmap_find(&a->cats.map, rf->cats[i], strlen(rf->cats[i]));
        rows[n++] =
            (struct catrow){rf->cats[i], rf->cat_counts[i], j == DRIFT_NONE ? 0 : a->cats.count[j]};
        if (j != DRIFT_NONE)
            seen[j] = true;
    }
    for (size_t j = 0; j < nc; j++) {
        if (!seen[j]) {
            rows[n++] = (struct catrow){a->cats.map.keys[j], 0, a->cats.count[j]};
            F->n_unseen += a->cats.count[j];
        }
    }
    if (rf->cat_other || a->cats.other)
        rows[n++] = (struct catrow){"(other)", rf->cat_other, a->cats.other};
    if (rf->valid && a->valid) {
        uint64_t *ca = md_xmalloc(n * sizeof(*ca)), *cb = md_xmalloc(n * sizeof(*cb));
        double *pa = md_xmalloc(n * sizeof(*pa)), *pb = md_xmalloc(n * sizeof(*pb));
        for (size_t i = 0; i < n; i++) {
            ca[i] = rows[i].a;
            cb[i] = rows[i].b;
            pa[i] = (double)rows[i].a;
            pb[i] = (double)rows[i].b;
        }
        if (m[MD_DRIFT_JS].present)
            m[MD_DRIFT_JS].value = md_drift_js(pa, pb, n, 2);
        if (m[MD_DRIFT_CHI2].present)
            m[MD_DRIFT_CHI2].df = md_drift_chi2_contingency(
                ca, cb, n, !o->no_yates, &m[MD_DRIFT_CHI2].value, &m[MD_DRIFT_CHI2].p_value);
        free(ca);
        free(cb);
        free(pa);
        free(pb);
    }
    qsort(rows, n, sizeof(*rows), cmp_catrow);
    for (size_t i = 0; i < n; i++) {
        size_t slot = i < MD_DRIFT_TOP_CATS ? i : MD_DRIFT_TOP_CATS;
        if (slot == i)
            F->cats[slot] = md_xstrdup(rows[i].key);
        else if (!F->cats[slot])
            F->cats[slot] = md_xstrdup("(other)");
        F->cats_ref[slot] += rows[i].a;
        F->cats_cur[slot] += rows[i].b;
        F->n_cats = slot + 1;
    }
    free(rows);
    free(seen);
}

int drift_feature_order(const void *pa, const void *pb)
{
    const struct md_drift_feature *a = pa, *b = pb;
    if (a->prediction != b->prediction)
        return a->prediction ? -1 : 1;
    if (a->status != b->status)
        return a->status > b->status ? -1 : 1;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* One feature's result: counts and missing shares, metrics, tiers, and the feature's status. */
static void eval_feature(const struct drift_ref_feature *rf, struct drift_acc *a, uint64_t rows,
                         const struct md_drift_opts *o, struct md_drift_feature *F)
{
    F->name = md_xstrdup(rf->name);
    F->type = rf->type;
    F->prediction = rf->prediction;
    F->n_ref = rf->valid;
    F->n_cur = a->valid;
    F->rows_cur = rows;
    F->invalid_cur = a->invalid;
    F->missing_cur = rows ? (double)(rows - a->valid) / (double)rows : NAN;
    F->missing_ref = rf->rows ? (double)(rf->rows - rf->valid) / (double)rf->rows : NAN;
    F->mean_ref = rf->mean;
    F->std_ref = rf->std;
    F->mean_cur = F->std_cur = NAN;
    if (rf->type == MD_DRIFT_NUMERIC)
        eval_numeric(rf, a, o, F);
    else if (rf->type == MD_DRIFT_CATEGORICAL)
        eval_categorical(rf, a, o, F);
    F->status = MD_DRIFT_STATUS_NA;
    double best = -1;
    for (int i = 0; i < MD_DRIFT_METHOD_COUNT; i++) {
        struct md_drift_metric *mt = &F->m[i];
        if (!mt->present)
            continue;
        judge(mt, (enum md_drift_method)i, F->name, F->n_ref, F->n_cur, o);
        if (!mt->votes || mt->status == MD_DRIFT_STATUS_NA)
            continue;
        /* The primary metric is the worst tier, then the most severe within it. */
        if (mt->status > F->status || (mt->status == F->status && mt->severity > best)) {
            F->status = mt->status;
            F->primary = (enum md_drift_method)i;
            best = mt->severity;
        }
        F->severity = fmax(F->severity, mt->severity);
    }
    /* Nothing voted: show the first present metric, as md_drift_store_latest() picks it. */
    if (F->status == MD_DRIFT_STATUS_NA)
        for (int i = MD_DRIFT_METHOD_COUNT; i-- > 0;)
            if (F->m[i].present)
                F->primary = (enum md_drift_method)i;
}

struct eval_ctx {
    const struct drift_ref *ref;
    struct drift_set *win;
    const struct md_drift_opts *o;
    struct md_drift_window *out;
};

/* drift_par_for() body: evaluate feature i of the window. */
static void eval_one(void *arg, size_t i)
{
    struct eval_ctx *c = arg;
    eval_feature(&c->ref->f[i], &c->win->acc[i], c->win->rows, c->o, &c->out->f[i]);
}

void drift_evaluate(const struct drift_ref *ref, struct drift_set *win,
                    const struct md_drift_opts *o, struct md_drift_window *out)
{
    out->rows_ref = ref->rows;
    out->rows_cur = win->rows;
    out->n = ref->n;
    out->f = md_xcalloc(ref->n ? ref->n : 1, sizeof(*out->f));
    out->n_tested = out->n_drifted = 0;
    struct eval_ctx c = {ref, win, o, out};
    drift_par_for(ref->n, eval_one, &c);
    for (size_t i = 0; i < ref->n; i++) {
        out->n_tested += out->f[i].status != MD_DRIFT_STATUS_NA;
        out->n_drifted += out->f[i].status == MD_DRIFT_STATUS_DRIFT;
    }
    double rule = o->drift_share > 0 ? o->drift_share : 0.5;
    out->drift_share = out->n_tested ? (double)out->n_drifted / (double)out->n_tested : NAN;
    out->dataset_drift = out->n_tested && out->drift_share >= rule;
    qsort(out->f, out->n, sizeof(*out->f), drift_feature_order);
}

void drift_window_release(struct md_drift_window *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->f[i].name);
        for (size_t c = 0; c < w->f[i].n_cats; c++)
            free(w->f[i].cats[c]);
    }
    free(w->f);
    memset(w, 0, sizeof(*w));
}

/*
 * drift_ref.c - accumulating one feature's values, freezing the reference,
 * evaluating a window against it (metrics, thresholds, verdicts) and the
 * JSON report. See drift_int.h for how the drift files fit together.
 *
 * Memory: raw values are kept exactly while the side's budget allows (exact
 * KS and W1, and a sorted reference that is frozen once); past the budget
 * every accumulator of the side switches to the bounded sketch of drift.c
 * and keeps exact bin counts, categories and moments, so PSI, JS and
 * chi-squared stay exact and only KS D and W1 become approximate, with a
 * stated bound.
 */
#include "drift_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonx_int.h"

/* ---- string map ------------------------------------------------------------------------------ */

/* FNV-1a: short keys (column names, categories), no need for anything stronger. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

uint32_t drift_strmap_find(const struct drift_strmap *m, const char *s, size_t len)
{
    if (!m->nslots)
        return DRIFT_NONE;
    size_t mask = m->nslots - 1;
    for (size_t i = hash_bytes(s, len) & mask; m->slots[i]; i = (i + 1) & mask) {
        uint32_t k = m->slots[i] - 1;
        if (m->lens[k] == len && !memcmp(m->keys[k], s, len))
            return k;
    }
    return DRIFT_NONE;
}

/* Double the index; the key arrays always hold nslots / 2 entries, the load-factor limit. */
static void strmap_grow(struct drift_strmap *m)
{
    size_t ns = m->nslots ? m->nslots * 2 : 16;
    free(m->slots);
    m->slots = md_xcalloc(ns, sizeof(*m->slots));
    m->keys = md_xrealloc(m->keys, ns / 2 * sizeof(*m->keys));
    m->lens = md_xrealloc(m->lens, ns / 2 * sizeof(*m->lens));
    m->nslots = ns;
    for (size_t k = 0; k < m->n; k++) {
        size_t i = hash_bytes(m->keys[k], m->lens[k]) & (ns - 1);
        while (m->slots[i])
            i = (i + 1) & (ns - 1);
        m->slots[i] = (uint32_t)k + 1;
    }
}

uint32_t drift_strmap_add(struct drift_strmap *m, const char *s, size_t len)
{
    uint32_t k = drift_strmap_find(m, s, len);
    if (k != DRIFT_NONE)
        return k;
    if ((m->n + 1) * 2 > m->nslots)
        strmap_grow(m);
    char *key = md_xmalloc(len + 1);
    memcpy(key, s, len);
    key[len] = '\0';
    m->keys[m->n] = key;
    m->lens[m->n] = (uint32_t)len;
    size_t i = hash_bytes(s, len) & (m->nslots - 1);
    while (m->slots[i])
        i = (i + 1) & (m->nslots - 1);
    m->slots[i] = (uint32_t)m->n + 1;
    m->bytes += len;
    return (uint32_t)m->n++;
}

void drift_strmap_release(struct drift_strmap *m)
{
    for (size_t k = 0; k < m->n; k++)
        free(m->keys[k]);
    free(m->keys);
    free(m->lens);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* Past the caps a category is counted in `other`: a column of ids must not eat the memory. */
static void cats_add(struct drift_cats *c, const char *s, size_t len)
{
    uint32_t k = drift_strmap_find(&c->map, s, len);
    if (k == DRIFT_NONE) {
        if (c->map.n >= DRIFT_MAX_CATS || c->map.bytes + len > DRIFT_MAX_CAT_BYTES) {
            c->other++;
            return;
        }
        k = drift_strmap_add(&c->map, s, len);
        if ((k & (k - 1)) == 0 || k == 0) /* capacity doubles at powers of two */
            c->count = md_xrealloc(c->count, (k ? 2 * (size_t)k : 1) * sizeof(*c->count));
        c->count[k] = 0;
    }
    c->count[k]++;
}

/* Free the categories and their counts; the struct is reusable afterwards. */
static void cats_release(struct drift_cats *c)
{
    drift_strmap_release(&c->map);
    free(c->count);
    memset(c, 0, sizeof(*c));
}

/* ---- accumulators --------------------------------------------------------------------------- */

void drift_acc_init(struct drift_acc *a, enum md_drift_type forced)
{
    memset(a, 0, sizeof(*a));
    a->type = forced;
    a->forced = forced != MD_DRIFT_TYPE_UNKNOWN;
    a->last_row = UINT64_MAX;
    a->min = INFINITY;
    a->max = -INFINITY;
}

void drift_acc_release(struct drift_acc *a)
{
    free(a->v);
    if (a->sk) {
        drift_sketch_release(a->sk);
        free(a->sk);
    }
    cats_release(&a->cats);
    memset(a, 0, sizeof(*a));
}

void drift_set_release(struct drift_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        drift_acc_release(&s->acc[i]);
    free(s->acc);
    memset(s, 0, sizeof(*s));
}

/* Neumaier step: billions of values in bounded mode must not lose the mean to rounding. */
static inline void nsum(double *s, double *c, double x)
{
    double t = *s + x;
    *c += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}

/* Bounded mode: sketch, exact moments about the first value, and bins on the frozen edges. */
static void acc_sketch_push(struct drift_acc *a, size_t feature, double x, struct drift_feed *fd)
{
    if (a->sk->n == 0)
        a->shift = x;
    drift_sketch_add(a->sk, x);
    double d = x - a->shift;
    nsum(&a->s1, &a->c1, d);
    nsum(&a->s2, &a->c2, d * d);
    a->min = fmin(a->min, x);
    a->max = fmax(a->max, x);
    if (fd->ref) {
        const struct drift_ref_feature *rf = &fd->ref->f[feature];
        a->bins[md_drift_bin_of(rf->edges, rf->n_edges, x)]++;
    }
}

/* Leave exact mode: feed the values kept so far to a new sketch and give their memory back. */
static void acc_to_sketch(struct drift_acc *a, size_t feature, struct drift_feed *fd)
{
    a->sk = md_xcalloc(1, sizeof(*a->sk));
    for (size_t i = 0; i < a->nv; i++)
        acc_sketch_push(a, feature, a->v[i], fd);
    free(a->v);
    fd->budget->used -= a->av * sizeof(double);
    a->v = NULL;
    a->nv = a->av = 0;
}

/* Exact while the side's budget lasts; growth that would pass it (or fail) turns on sketches. */
static void acc_push(struct drift_acc *a, size_t feature, double x, struct drift_feed *fd)
{
    struct drift_budget *b = fd->budget;
    if (!a->sk && a->nv == a->av) {
        size_t na = a->av ? a->av * 2 : 256;
        size_t add = (na - a->av) * sizeof(double);
        double *nv = NULL;
        if (!b->bounded && b->used + add <= b->cap)
            nv = realloc(a->v, na * sizeof(double));
        if (nv) {
            a->v = nv;
            a->av = na;
            b->used += add;
        } else {
            b->bounded = true;
        }
    }
    if (!a->sk && b->bounded)
        acc_to_sketch(a, feature, fd);
    if (a->sk)
        acc_sketch_push(a, feature, x, fd);
    else
        a->v[a->nv++] = x;
}

/* A reference column inferred numeric meets text: it was categorical all along. */
static bool acc_to_categorical(struct drift_acc *a, struct drift_feed *fd)
{
    if (a->sk)
        return false;
    for (size_t i = 0; i < a->nv; i++) {
        char num[40];
        jsonx_fmt_double(num, sizeof(num), a->v[i]);
        cats_add(&a->cats, num, strlen(num));
    }
    free(a->v);
    fd->budget->used -= a->av * sizeof(double);
    a->v = NULL;
    a->nv = a->av = 0;
    a->type = MD_DRIFT_CATEGORICAL;
    return true;
}

/* A categorical value; JSON numbers become their shortest exact text ("3", "0.5"). */
static void acc_add_text(struct drift_acc *a, const struct drift_field *fl)
{
    if (fl->s) {
        cats_add(&a->cats, fl->s, fl->len);
    } else {
        char num[40];
        jsonx_fmt_double(num, sizeof(num), fl->num);
        cats_add(&a->cats, num, strlen(num));
    }
    a->valid++;
}

void drift_acc_add(struct drift_acc *a, size_t feature, const struct drift_field *fl,
                   const char *name, uint64_t line, struct drift_feed *fd)
{
    if (a->type == MD_DRIFT_CATEGORICAL) {
        if (fl->is_num || !drift_is_missing_token(fl->s, fl->len))
            acc_add_text(a, fl);
        return;
    }
    /* Numbers first: the common case, and every missing spelling fails to parse or is NaN. */
    double x = fl->num;
    bool num = fl->is_num || drift_parse_number(fl->s, fl->len, &x);
    if (!num && drift_is_missing_token(fl->s, fl->len))
        return;
    if (num && !isfinite(x))
        return; /* NaN and +-inf are missing values, reported in the missing share */
    if (num) {
        a->type = MD_DRIFT_NUMERIC;
        acc_push(a, feature, x, fd);
        a->valid++;
        return;
    }
    if (a->type == MD_DRIFT_TYPE_UNKNOWN ||
        (!a->forced && !fd->ref && acc_to_categorical(a, fd))) {
        a->type = MD_DRIFT_CATEGORICAL;
        acc_add_text(a, fl);
        return;
    }
    a->invalid++;
    if (a->warned++ < 3) {
        int n = (int)(fl->len > 40 ? 40 : fl->len);
        md_drift_warnings_add(fd->warn, "%s:%llu: column '%s': '%.*s%s' is not a number%s",
                              fd->file, (unsigned long long)line, name, n, fl->s,
                              fl->len > 40 ? "..." : "",
                              a->warned == 3 ? " (further such values not reported)" : "");
    }
}

/* ---- a parallel loop ------------------------------------------------------------------------- */

/*
 * Features are independent: sorting and merging them is spread over the
 * machine's cores (at most 8 threads, each taking the next index), which
 * halves a 10-feature window on two cores. Every callee only allocates and
 * writes its own feature's memory.
 */
struct par {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t n;
    atomic_size_t next;
};

/* Take indices until none is left; the order of completion does not matter. */
static void *par_worker(void *arg)
{
    struct par *p = arg;
    for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
        p->fn(p->ctx, i);
    return NULL;
}

/* Run fn(ctx, 0..n-1) on up to 8 threads; a failed pthread_create only means fewer helpers. */
static void par_for(size_t n, void (*fn)(void *ctx, size_t i), void *ctx)
{
    struct par p = {fn, ctx, n, 0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cpus < 1 ? 1 : cpus > 8 ? 8 : (size_t)cpus;
    nt = nt > n ? n : nt;
    pthread_t t[8];
    size_t started = 0;
    for (size_t k = 1; k < nt; k++) {
        if (pthread_create(&t[started], NULL, par_worker, &p) == 0)
            started++;
    }
    par_worker(&p); /* this thread works too; with no helper it does everything */
    for (size_t k = 0; k < started; k++)
        pthread_join(t[k], NULL);
}

/* ---- the frozen reference -------------------------------------------------------------------- */

/* Values < x in sorted v (lower bound). */
static size_t count_below(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Bin counts of sorted values on `k` edges, from k binary searches. */
static void bins_of_sorted(const double *v, size_t n, const double *edges, size_t k,
                           uint64_t *bins)
{
    size_t prev = 0;
    for (size_t i = 0; i < k; i++) {
        size_t c = count_below(v, n, edges[i]);
        bins[i] = c - prev;
        prev = c;
    }
    bins[k] = n - prev;
}

/* Mean and std (ddof 0) from the shifted sums: exact even when the values are not kept. */
static void moments_of_sketch(const struct drift_acc *a, double *mean, double *std)
{
    double n = (double)a->sk->n, s1 = a->s1 + a->c1, s2 = a->s2 + a->c2;
    double var = (s2 - s1 * s1 / n) / n;
    *mean = a->shift + s1 / n;
    *std = sqrt(var > 0 ? var : 0);
}

struct catc {
    const char *key;
    uint32_t len;
    uint64_t count;
};

/* Most frequent first, then by bytes: a stable, useful order for storage and display. */
static int cmp_catc(const void *pa, const void *pb)
{
    const struct catc *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count < b->count ? 1 : -1;
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Categories as an array (frequent first), the form the store and the evaluation use. */
static void freeze_categorical(struct drift_ref_feature *f, struct drift_acc *a)
{
    size_t n = a->cats.map.n;
    struct catc *v = md_xmalloc((n ? n : 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = (struct catc){a->cats.map.keys[i], a->cats.map.lens[i], a->cats.count[i]};
    qsort(v, n, sizeof(*v), cmp_catc);
    f->cats = md_xmalloc((n ? n : 1) * sizeof(*f->cats));
    f->cat_counts = md_xmalloc((n ? n : 1) * sizeof(*f->cat_counts));
    for (size_t i = 0; i < n; i++) {
        f->cats[i] = md_xmalloc(v[i].len + 1);
        memcpy(f->cats[i], v[i].key, v[i].len + 1);
        f->cat_counts[i] = v[i].count;
    }
    f->n_cats = n;
    f->cat_other = a->cats.other;
    free(v);
}

/* Returns true when bins still need the second pass (bounded mode). */
static bool freeze_numeric(struct drift_ref_feature *f, struct drift_acc *a)
{
    if (!a->sk) {
        if (a->nv && md_drift_sort(a->v, a->nv))
            md_die_oom();
        f->v = a->v ? a->v : md_xmalloc(sizeof(double));
        f->nv = a->nv;
        a->v = NULL;
        md_drift_mean_std(f->v, f->nv, 0, &f->mean, &f->std);
        f->min = f->nv ? f->v[0] : NAN;
        f->max = f->nv ? f->v[f->nv - 1] : NAN;
        f->n_edges = md_drift_decile_edges(f->v, f->nv, f->edges);
        bins_of_sorted(f->v, f->nv, f->edges, f->n_edges, f->bins);
        return false;
    }
    f->nv = drift_sketch_samples(a->sk, &f->v, &f->w);
    f->rank_err = a->sk->n ? a->sk->err / (double)a->sk->n : 0;
    moments_of_sketch(a, &f->mean, &f->std);
    f->min = a->min;
    f->max = a->max;
    f->n_edges = 0;
    for (int i = 1; i <= 9; i++) {
        double e = drift_weighted_quantile(f->v, f->w, f->nv, i / 10.0);
        if (f->n_edges == 0 || e > f->edges[f->n_edges - 1])
            f->edges[f->n_edges++] = e;
    }
    memset(f->bins, 0, sizeof(f->bins));
    return true;
}

struct freeze_ctx {
    struct drift_ref *ref;
    struct drift_set *side;
    atomic_bool second;
};

/* par_for() body: freeze feature i; only its own memory is written. */
static void freeze_one(void *arg, size_t i)
{
    struct freeze_ctx *c = arg;
    struct drift_ref_feature *f = &c->ref->f[i];
    struct drift_acc *a = &c->side->acc[i];
    if (f->type == MD_DRIFT_NUMERIC && freeze_numeric(f, a))
        atomic_store(&c->second, true);
    else if (f->type == MD_DRIFT_CATEGORICAL)
        freeze_categorical(f, a);
}

bool drift_ref_freeze(struct drift_ref *ref, struct drift_set *side, char *const *names,
                      const bool *prediction)
{
    ref->n = side->n;
    ref->rows = side->rows;
    ref->f = md_xcalloc(side->n ? side->n : 1, sizeof(*ref->f));
    for (size_t i = 0; i < side->n; i++) {
        struct drift_ref_feature *f = &ref->f[i];
        struct drift_acc *a = &side->acc[i];
        f->name = md_xstrdup(names[i]);
        f->type = a->valid ? a->type : MD_DRIFT_TYPE_UNKNOWN;
        f->prediction = prediction && prediction[i];
        f->rows = side->rows;
        f->valid = a->valid;
        f->mean = f->std = f->min = f->max = NAN;
    }
    struct freeze_ctx c = {ref, side, false};
    par_for(side->n, freeze_one, &c);
    drift_set_release(side);
    return atomic_load(&c.second);
}

void drift_ref_count(struct drift_ref *ref, size_t feature, double x)
{
    struct drift_ref_feature *f = &ref->f[feature];
    f->bins[md_drift_bin_of(f->edges, f->n_edges, x)]++;
}

void drift_ref_feature_release(struct drift_ref_feature *f)
{
    free(f->name);
    free(f->v);
    free(f->w);
    for (size_t i = 0; i < f->n_cats; i++)
        free(f->cats[i]);
    free(f->cats);
    free(f->cat_counts);
    memset(f, 0, sizeof(*f));
}

void drift_ref_release(struct drift_ref *ref)
{
    for (size_t i = 0; i < ref->n; i++)
        drift_ref_feature_release(&ref->f[i]);
    free(ref->f);
    memset(ref, 0, sizeof(*ref));
}

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
        m[i].present = true;
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
        moments_of_sketch(a, &F->mean_cur, &F->std_cur);
        F->sketch = true;
        F->rank_error = a->sk->err / (double)a->sk->n;
    } else {
        if (md_drift_sort(cv, cn))
            md_die_oom();
        bins_of_sorted(cv, cn, rf->edges, rf->n_edges, F->bins_cur);
        md_drift_mean_std(cv, cn, 0, &F->mean_cur, &F->std_cur);
    }
    if (rf->w) {
        F->sketch = true;
        F->rank_error += rf->rank_err;
    }
    double d, w1;
    md_drift_ks_w1(rf->v, rf->w, rf->nv, cv, cw, cn, &d, &w1);
    m[MD_DRIFT_KS].value = d;
    m[MD_DRIFT_KS].p_value = md_drift_ks_p(d, rf->valid, a->valid, &m[MD_DRIFT_KS].exact_p);
    m[MD_DRIFT_W1].value = md_drift_w1_norm(w1, rf->std);
    double r[MD_DRIFT_MAX_BINS], c[MD_DRIFT_MAX_BINS];
    md_drift_shares(F->bins_ref, k, rf->valid, o->smoothing, r);
    md_drift_shares(F->bins_cur, k, a->valid, o->smoothing, c);
    m[MD_DRIFT_PSI].value = md_drift_psi(r, c, k, NULL);
    md_drift_shares(F->bins_ref, k, rf->valid, MD_DRIFT_SMOOTH_NONE, r);
    md_drift_shares(F->bins_cur, k, a->valid, MD_DRIFT_SMOOTH_NONE, c);
    m[MD_DRIFT_JS].value = md_drift_js(r, c, k, 2);
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
    m[MD_DRIFT_JS].present = m[MD_DRIFT_CHI2].present = true;
    m[MD_DRIFT_JS].value = m[MD_DRIFT_JS].p_value = NAN;
    m[MD_DRIFT_CHI2].value = m[MD_DRIFT_CHI2].p_value = NAN;
    size_t nc = a->cats.map.n, k = rf->n_cats + nc + 1;
    struct catrow *rows = md_xcalloc(k, sizeof(*rows));
    bool *seen = md_xcalloc(nc ? nc : 1, sizeof(*seen));
    size_t n = 0;
    for (size_t i = 0; i < rf->n_cats; i++) {
        uint32_t j = drift_strmap_find(&a->cats.map, rf->cats[i], strlen(rf->cats[i]));
        rows[n++] = (struct catrow){rf->cats[i], rf->cat_counts[i],
                                    j == DRIFT_NONE ? 0 : a->cats.count[j]};
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
        m[MD_DRIFT_JS].value = md_drift_js(pa, pb, n, 2);
        m[MD_DRIFT_CHI2].df = md_drift_chi2_contingency(ca, cb, n, !o->no_yates,
                                                        &m[MD_DRIFT_CHI2].value,
                                                        &m[MD_DRIFT_CHI2].p_value);
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

/* Pin the prediction, then worst status, then severity, then name: a stable reading order. */
static int cmp_feature(const void *pa, const void *pb)
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
}

struct eval_ctx {
    const struct drift_ref *ref;
    struct drift_set *win;
    const struct md_drift_opts *o;
    struct md_drift_window *out;
};

/* par_for() body: evaluate feature i of the window. */
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
    par_for(ref->n, eval_one, &c);
    for (size_t i = 0; i < ref->n; i++) {
        out->n_tested += out->f[i].status != MD_DRIFT_STATUS_NA;
        out->n_drifted += out->f[i].status == MD_DRIFT_STATUS_DRIFT;
    }
    double rule = o->drift_share > 0 ? o->drift_share : 0.5;
    out->drift_share = out->n_tested ? (double)out->n_drifted / (double)out->n_tested : NAN;
    out->dataset_drift = out->n_tested && out->drift_share >= rule;
    qsort(out->f, out->n, sizeof(*out->f), cmp_feature);
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

/* ---- JSON ------------------------------------------------------------------------------------ */

/* A writer that keeps the first buffer failure and ignores everything after it. */
struct jw {
    struct md_buf *b;
    md_status st;
};

/* Append literal JSON text. */
static void jw_raw(struct jw *w, const char *s)
{
    if (!w->st)
        w->st = md_buf_adds(w->b, s);
}

/* A JSON string: quotes, backslashes and control characters escaped (names come from files). */
static void jw_str(struct jw *w, const char *s)
{
    char tmp[8];
    char *clean = NULL;
    if (!drift_utf8_valid(s, strlen(s))) /* JSON "\ud800" escapes can decode to non-UTF-8 */
        s = clean = md_xstrdup_clean(s);
    jw_raw(w, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p && !w->st; p++) {
        if (*p == '"' || *p == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)*p;
            tmp[2] = '\0';
            jw_raw(w, tmp);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
            jw_raw(w, tmp);
        } else {
            w->st = md_buf_add(w->b, p, 1);
        }
    }
    jw_raw(w, "\"");
    free(clean);
}

/* Finite numbers exactly, NaN as null, infinities as strings (JSON has no literal for them). */
static void jw_num(struct jw *w, double v)
{
    char tmp[40];
    if (isnan(v))
        jw_raw(w, "null");
    else if (isinf(v))
        jw_raw(w, v > 0 ? "\"inf\"" : "\"-inf\"");
    else {
        jsonx_fmt_double(tmp, sizeof(tmp), v);
        jw_raw(w, tmp);
    }
}

/* Counts are exact integers in JSON, never rounded through a double. */
static void jw_u64(struct jw *w, uint64_t v)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
    jw_raw(w, tmp);
}

/* An object key, preceded by a comma unless it is the first member. */
static void jw_key(struct jw *w, bool comma, const char *k)
{
    if (comma)
        jw_raw(w, ",");
    jw_str(w, k);
    jw_raw(w, ":");
}

/* The members of one metric object; p-value fields only for the methods that have one. */
static void jw_metric(struct jw *w, const struct md_drift_metric *m, enum md_drift_method id)
{
    jw_key(w, false, "value");
    jw_num(w, m->value);
    if (id == MD_DRIFT_KS || id == MD_DRIFT_CHI2) {
        jw_key(w, true, "p_value");
        jw_num(w, m->p_value);
    }
    if (id == MD_DRIFT_KS) {
        jw_key(w, true, "p_method");
        jw_str(w, m->exact_p ? "exact" : "asymptotic-stephens");
    }
    if (id == MD_DRIFT_CHI2) {
        jw_key(w, true, "df");
        jw_u64(w, (uint64_t)m->df);
    }
    jw_key(w, true, "warn");
    jw_num(w, m->warn);
    jw_key(w, true, "threshold");
    jw_num(w, m->drift);
    jw_key(w, true, "status");
    jw_str(w, md_drift_status_name(m->status));
    jw_key(w, true, "votes");
    jw_raw(w, m->votes ? "true" : "false");
    jw_key(w, true, "severity");
    jw_num(w, m->severity);
}

/* One feature: identity, counts, moments, every metric, and the histogram overlay. */
static void jw_feature(struct jw *w, const struct md_drift_feature *f)
{
    jw_raw(w, "{");
    jw_key(w, false, "feature");
    jw_str(w, f->name);
    jw_key(w, true, "type");
    jw_str(w, md_drift_type_name(f->type));
    jw_key(w, true, "prediction");
    jw_raw(w, f->prediction ? "true" : "false");
    jw_key(w, true, "status");
    jw_str(w, md_drift_status_name(f->status));
    jw_key(w, true, "severity");
    jw_num(w, f->severity);
    jw_key(w, true, "method");
    jw_str(w, f->status == MD_DRIFT_STATUS_NA ? "" : md_drift_method_name(f->primary));
    const char *ukeys[] = {"n_ref", "n_cur", "rows", "invalid"};
    const uint64_t uvals[] = {f->n_ref, f->n_cur, f->rows_cur, f->invalid_cur};
    for (size_t i = 0; i < 4; i++) {
        jw_key(w, true, ukeys[i]);
        jw_u64(w, uvals[i]);
    }
    const char *dkeys[] = {"missing", "missing_ref", "mean_ref", "std_ref", "mean_cur",
                           "std_cur", "rank_error"};
    const double dvals[] = {f->missing_cur, f->missing_ref, f->mean_ref, f->std_ref,
                            f->mean_cur,    f->std_cur,     f->rank_error};
    for (size_t i = 0; i < 7; i++) {
        jw_key(w, true, dkeys[i]);
        jw_num(w, dvals[i]);
    }
    jw_key(w, true, "sketch");
    jw_raw(w, f->sketch ? "true" : "false");
    jw_key(w, true, "metrics");
    jw_raw(w, "{");
    bool first = true;
    for (int i = 0; i < MD_DRIFT_METHOD_COUNT; i++) {
        if (!f->m[i].present)
            continue;
        jw_key(w, !first, md_drift_method_name((enum md_drift_method)i));
        jw_raw(w, "{");
        jw_metric(w, &f->m[i], (enum md_drift_method)i);
        jw_raw(w, "}");
        first = false;
    }
    jw_raw(w, "},\"histogram\":{");
    if (f->type == MD_DRIFT_CATEGORICAL) {
        jw_key(w, false, "categories");
        jw_raw(w, "[");
        for (size_t i = 0; i < f->n_cats; i++) {
            jw_raw(w, i ? "," : "");
            jw_str(w, f->cats[i]);
        }
        jw_raw(w, "],\"unseen\":");
        jw_u64(w, f->n_unseen);
    } else {
        jw_key(w, false, "edges");
        jw_raw(w, "[");
        for (size_t i = 0; i < f->n_edges; i++) {
            jw_raw(w, i ? "," : "");
            jw_num(w, f->edges[i]);
        }
        jw_raw(w, "]");
    }
    size_t nb = f->type == MD_DRIFT_CATEGORICAL ? f->n_cats
                : f->type == MD_DRIFT_NUMERIC   ? f->n_edges + 1
                                                : 0;
    for (int side = 0; side < 2; side++) {
        const uint64_t *v = f->type == MD_DRIFT_CATEGORICAL ? (side ? f->cats_cur : f->cats_ref)
                                                            : (side ? f->bins_cur : f->bins_ref);
        jw_key(w, true, side ? "cur" : "ref");
        jw_raw(w, "[");
        for (size_t i = 0; i < nb; i++) {
            jw_raw(w, i ? "," : "");
            jw_u64(w, v[i]);
        }
        jw_raw(w, "]");
    }
    jw_raw(w, "}}");
}

/* A window's "summary" and "features" members (shared by the top level and "windows"). */
static void jw_window(struct jw *w, const struct md_drift_window *win, double rule, bool dates)
{
    jw_raw(w, "\"summary\":{");
    jw_key(w, false, "features");
    jw_u64(w, win->n);
    jw_key(w, true, "tested");
    jw_u64(w, win->n_tested);
    jw_key(w, true, "drifted");
    jw_u64(w, win->n_drifted);
    jw_key(w, true, "drift_share");
    jw_num(w, win->drift_share);
    jw_key(w, true, "dataset_drift");
    jw_raw(w, win->dataset_drift ? "true" : "false");
    jw_key(w, true, "rule");
    jw_num(w, rule);
    jw_key(w, true, "rows_ref");
    jw_u64(w, win->rows_ref);
    jw_key(w, true, "rows_cur");
    jw_u64(w, win->rows_cur);
    jw_key(w, true, "window_start");
    jw_num(w, dates ? (double)win->start_ms : NAN);
    jw_key(w, true, "window_end");
    jw_num(w, dates ? (double)win->end_ms : NAN);
    jw_raw(w, "},\"features\":[");
    for (size_t i = 0; i < win->n; i++) {
        jw_raw(w, i ? "," : "");
        jw_feature(w, &win->f[i]);
    }
    jw_raw(w, "]");
}

md_status md_drift_run_json(const struct md_drift_run *r, struct md_buf *out)
{
    struct jw w = {out, MD_OK};
    double rule = r->rule > 0 ? r->rule : 0.5;
    jw_raw(&w, "{");
    if (r->n_windows)
        jw_window(&w, &r->w[r->n_windows - 1], rule, true);
    else
        jw_raw(&w, "\"summary\":null,\"features\":[]");
    jw_raw(&w, ",\"windows\":[");
    for (size_t i = 0; i < r->n_windows; i++) {
        jw_raw(&w, i ? ",{" : "{");
        jw_key(&w, false, "start");
        jw_num(&w, (double)r->w[i].start_ms);
        jw_key(&w, true, "end");
        jw_num(&w, (double)r->w[i].end_ms);
        jw_raw(&w, ",");
        jw_window(&w, &r->w[i], rule, true);
        jw_raw(&w, "}");
    }
    jw_raw(&w, "],\"reference\":{\"rows\":");
    jw_u64(&w, r->rows_ref);
    jw_raw(&w, ",\"features\":");
    jw_u64(&w, r->n_ref_features);
    jw_raw(&w, r->ref_cached ? ",\"cached\":true" : ",\"cached\":false");
    jw_raw(&w, r->ref_sketch ? ",\"sketch\":true}" : ",\"sketch\":false}");
    jw_raw(&w, ",\"files\":{\"read\":");
    jw_u64(&w, r->files_read);
    jw_raw(&w, ",\"skipped\":");
    jw_u64(&w, r->files_skipped);
    jw_raw(&w, ",\"failed\":");
    jw_u64(&w, r->files_failed);
    jw_raw(&w, "},\"options\":{\"smoothing\":");
    jw_str(&w, md_drift_smoothing_name(r->smoothing));
    jw_raw(&w, ",\"psi_bins\":\"reference deciles\",\"js_base\":2,\"js_bins\":\"psi bins\"");
    jw_raw(&w, ",\"w1_norm\":\"reference std ddof 0, floor 0.001\",\"yates\":");
    jw_raw(&w, r->yates ? "true}" : "false}");
    jw_raw(&w, ",\"warnings\":[");
    for (size_t i = 0; i < r->warnings.n; i++) {
        jw_raw(&w, i ? "," : "");
        jw_str(&w, r->warnings.msg[i]);
    }
    jw_raw(&w, "],\"warnings_dropped\":");
    jw_u64(&w, r->warnings.dropped);
    const char *tk[] = {"ref_read_ms", "ref_freeze_ms", "cur_read_ms", "eval_ms"};
    const double tv[] = {r->ms_ref_read, r->ms_ref_freeze, r->ms_cur_read, r->ms_eval};
    jw_raw(&w, ",\"timing\":{");
    for (size_t i = 0; i < 4; i++) {
        jw_key(&w, i > 0, tk[i]);
        jw_num(&w, round(tv[i] * 1000) / 1000);
    }
    jw_raw(&w, "}");
    jw_raw(&w, "}\n");
    return w.st;
}

char *drift_metric_options(const struct md_drift_feature *f, enum md_drift_method m,
                           const struct md_drift_run *r)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 16);
    struct jw w = {&b, MD_OK};
    jw_raw(&w, "{");
    jw_key(&w, false, "n_ref");
    jw_u64(&w, f->n_ref);
    jw_key(&w, true, "n_cur");
    jw_u64(&w, f->n_cur);
    if (m == MD_DRIFT_PSI) {
        jw_key(&w, true, "smoothing");
        jw_str(&w, md_drift_smoothing_name(r->smoothing));
    }
    if (m == MD_DRIFT_PSI || (m == MD_DRIFT_JS && f->type == MD_DRIFT_NUMERIC)) {
        jw_raw(&w, ",\"bins\":\"reference deciles\",\"edges\":[");
        for (size_t i = 0; i < f->n_edges; i++) {
            jw_raw(&w, i ? "," : "");
            jw_num(&w, f->edges[i]);
        }
        jw_raw(&w, "]");
    }
    if (m == MD_DRIFT_JS)
        jw_raw(&w, ",\"log_base\":2,\"measure\":\"distance\"");
    if (m == MD_DRIFT_PSI)
        jw_raw(&w, ",\"log_base\":\"e\"");
    if (m == MD_DRIFT_W1)
        jw_raw(&w, ",\"normalised_by\":\"reference std ddof 0, floor 0.001\"");
    if (m == MD_DRIFT_KS) {
        jw_raw(&w, ",\"p_method\":");
        jw_str(&w, f->m[m].exact_p ? "exact" : "asymptotic-stephens");
    }
    if (m == MD_DRIFT_CHI2) {
        jw_raw(&w, ",\"test\":\"2xk contingency\",\"yates\":");
        jw_raw(&w, r->yates ? "true" : "false");
        jw_raw(&w, ",\"df\":");
        jw_u64(&w, (uint64_t)f->m[m].df);
    }
    if (f->sketch) {
        jw_raw(&w, ",\"sketch\":true,\"rank_error\":");
        jw_num(&w, f->rank_error);
    }
    jw_raw(&w, "}");
    char *s = md_buf_detach(&b, NULL);
    return s ? s : md_xstrdup("{}");
}

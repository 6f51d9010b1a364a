/*
 * drift_ref.c - freezing the reference: each feature's accumulator becomes
 * sorted values (or sketch items with weights), decile edges, bins, moments
 * and category counts, one feature per core through drift_par_for(), which
 * the evaluation shares with the bin and moment helpers here. See
 * drift_int.h for how the drift files fit together.
 */
#include "drift_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
void drift_par_for(size_t n, void (*fn)(void *ctx, size_t i), void *ctx)
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
void drift_bins_of_sorted(const double *v, size_t n, const double *edges, size_t k, uint64_t *bins)
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
void drift_moments_of_sketch(const struct drift_acc *a, double *mean, double *std)
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
        drift_bins_of_sorted(f->v, f->nv, f->edges, f->n_edges, f->bins);
        return false;
    }
    f->nv = drift_sketch_samples(a->sk, &f->v, &f->w);
    f->rank_err = a->sk->n ? a->sk->err / (double)a->sk->n : 0;
    drift_moments_of_sketch(a, &f->mean, &f->std);
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

/* drift_par_for() body: freeze feature i; only its own memory is written. */
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
    drift_par_for(side->n, freeze_one, &c);
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

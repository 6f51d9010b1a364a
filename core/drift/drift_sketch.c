/*
 * drift_sketch.c - the bounded quantile sketch a side falls back to beyond
 * its memory budget, and quantiles over its weighted items. See drift_int.h.
 *
 * Separate from drift.c, whose functions are the public statistics on plain
 * arrays; the sketch is private to the drift engine and keeps state.
 */
#include "drift_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- bounded sketch ----------------------------------------------------------------------- */

/*
 * A deterministic merge-and-halve quantile summary (Munro-Paterson / Manku-
 * Rajagopalan-Lindsay). Level h holds items that each stand for 2^h values.
 * When a level reaches 2k items it is sorted and every other item (the offset
 * alternates so errors tend to cancel) moves up one level. One such halving
 * moves any rank estimate by at most the item weight 2^h, so `err`, the sum
 * of the weights of all halvings, bounds the absolute rank error of every
 * query; err / n is the bound reported with KS D.
 */
void drift_sketch_add(struct drift_sketch *s, double x)
{
    if (!s->lvl[0])
        s->lvl[0] = md_xmalloc(2 * DRIFT_SKETCH_K * sizeof(double));
    s->lvl[0][s->len[0]++] = x;
    s->n++;
    if (s->levels == 0)
        s->levels = 1;
    for (size_t h = 0; h + 1 < DRIFT_SKETCH_LEVELS && s->len[h] == 2 * DRIFT_SKETCH_K; h++) {
        double *b = s->lvl[h];
        if (md_drift_sort(b, s->len[h]))
            md_die_oom();
        if (!s->lvl[h + 1])
            s->lvl[h + 1] = md_xmalloc(2 * DRIFT_SKETCH_K * sizeof(double));
        double *up = s->lvl[h + 1] + s->len[h + 1];
        size_t off = s->flip++ & 1;
        for (size_t i = off; i < 2 * DRIFT_SKETCH_K; i += 2)
            *up++ = b[i];
        s->len[h + 1] += DRIFT_SKETCH_K;
        s->len[h] = 0;
        s->err += ldexp(1.0, (int)h);
        if (h + 2 > s->levels)
            s->levels = h + 2;
    }
}

void drift_sketch_release(struct drift_sketch *s)
{
    for (size_t h = 0; h < DRIFT_SKETCH_LEVELS; h++)
        free(s->lvl[h]);
    memset(s, 0, sizeof(*s));
}

struct wpair {
    double v;
    double w;
};

/* Sketch items by value; equal values keep no particular order (their weights add). */
static int cmp_wpair(const void *a, const void *b)
{
    return drift_cmp_double(&((const struct wpair *)a)->v, &((const struct wpair *)b)->v);
}

size_t drift_sketch_samples(const struct drift_sketch *s, double **values, double **weights)
{
    size_t n = 0;
    for (size_t h = 0; h < s->levels; h++)
        n += s->len[h];
    struct wpair *p = md_xmalloc((n ? n : 1) * sizeof(*p));
    size_t k = 0;
    for (size_t h = 0; h < s->levels; h++) {
        for (size_t i = 0; i < s->len[h]; i++) {
            p[k].v = s->lvl[h][i];
            p[k++].w = ldexp(1.0, (int)h);
        }
    }
    qsort(p, n, sizeof(*p), cmp_wpair);
    *values = md_xmalloc((n ? n : 1) * sizeof(double));
    *weights = md_xmalloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        (*values)[i] = p[i].v;
        (*weights)[i] = p[i].w;
    }
    free(p);
    return n;
}

double drift_weighted_quantile(const double *v, const double *w, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double tot = 0;
    for (size_t i = 0; i < n; i++)
        tot += w[i];
    double target = q * tot, cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += w[i];
        if (cum >= target)
            return v[i];
    }
    return v[n - 1];
}

/*
 * health_series.c - what both platforms' health mappers do with the series
 * they build (see mldeck/health.h): put points in time order with the
 * values at one period summed, and compute the whole endpoint's series
 * from its deployments'.
 */
#include "mldeck/health.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_latency(int m)
{
    return m == MD_HEALTH_LATENCY_US || m == MD_HEALTH_P50_US || m == MD_HEALTH_P99_US;
}

struct point {
    int64_t t;
    double v;
};

/* By time. */
static int point_cmp(const void *pa, const void *pb)
{
    const struct point *a = pa;
    const struct point *b = pb;
    return a->t < b->t ? -1 : a->t > b->t;
}

void md_health_series_settle(struct md_health_series *s)
{
    if (s->n < 2)
        return;
    struct point *p = md_xcalloc(s->n, sizeof(*p));
    for (size_t i = 0; i < s->n; i++)
        p[i] = (struct point){s->t[i], s->v[i]};
    qsort(p, s->n, sizeof(*p), point_cmp);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (k > 0 && s->t[k - 1] == p[i].t) {
            s->v[k - 1] =
                isfinite(s->v[k - 1]) ? s->v[k - 1] + (isfinite(p[i].v) ? p[i].v : 0) : p[i].v;
            continue;
        }
        s->t[k] = p[i].t;
        s->v[k] = p[i].v;
        k++;
    }
    s->n = k;
    free(p);
}

struct wpoint {
    int64_t t;
    double v;
    double w; /* weight in a latency average */
};

/* By time, so points of all variants at one period end up side by side. */
static int wpoint_cmp(const void *pa, const void *pb)
{
    const struct wpoint *a = pa;
    const struct wpoint *b = pb;
    return a->t < b->t ? -1 : a->t > b->t;
}

/* Value of series s at time t (binary search; s sorted); NAN when absent. */
static double value_at(const struct md_health_series *s, int64_t t)
{
    size_t lo = 0;
    size_t hi = s != NULL ? s->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->t[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return s != NULL && lo < s->n && s->t[lo] == t ? s->v[lo] : NAN;
}

/* The series of metric m for variant `dep` among the first n of the list; NULL when none. */
static const struct md_health_series *find_series(const struct md_health_list *l, size_t n,
                                                  const char *dep, int m)
{
    for (size_t i = 0; i < n; i++) {
        if ((int)l->v[i].metric == m && strcmp(l->v[i].deployment, dep) == 0)
            return &l->v[i];
    }
    return NULL;
}

void md_health_add_totals(struct md_health_list *l, const char *endpoint)
{
    size_t nvar = l->n;
    for (int m = 0; m < MD_HEALTH_METRIC_COUNT; m++) {
        size_t total = 0;
        bool any = false;
        for (size_t i = 0; i < nvar; i++) {
            if ((int)l->v[i].metric == m) {
                total += l->v[i].n;
                any = true;
            }
        }
        if (!any)
            continue;
        struct wpoint *p = md_xcalloc(total ? total : 1, sizeof(*p));
        size_t k = 0;
        for (size_t i = 0; i < nvar; i++) {
            const struct md_health_series *s = &l->v[i];
            if ((int)s->metric != m)
                continue;
            const struct md_health_series *inv =
                find_series(l, nvar, s->deployment, MD_HEALTH_INVOCATIONS);
            for (size_t j = 0; j < s->n; j++, k++) {
                double wi = is_latency(m) ? value_at(inv, s->t[j]) : 1;
                p[k] = (struct wpoint){s->t[j], s->v[j], isfinite(wi) && wi > 0 ? wi : 1};
            }
        }
        qsort(p, total, sizeof(*p), wpoint_cmp);
        struct md_health_series *agg = md_health_list_push(l);
        agg->endpoint = md_xstrdup_clean(endpoint);
        agg->deployment = md_xstrdup("");
        agg->metric = (enum md_health_metric)m;
        agg->t = md_xcalloc(total ? total : 1, sizeof(*agg->t));
        agg->v = md_xcalloc(total ? total : 1, sizeof(*agg->v));
        for (size_t i = 0; i < total;) {
            int64_t t = p[i].t;
            double sum = 0;
            double wsum = 0;
            for (; i < total && p[i].t == t; i++) {
                if (!isfinite(p[i].v))
                    continue;
                sum += is_latency(m) ? p[i].v * p[i].w : p[i].v;
                wsum += p[i].w;
            }
            agg->t[agg->n] = t;
            agg->v[agg->n] = is_latency(m) ? (wsum > 0 ? sum / wsum : NAN) : sum;
            agg->n++;
        }
        free(p);
    }
}

/*
 * health_judge.c - health series to a verdict with its reason (see
 * mldeck/health.h for the rules). Everything is computed from the series
 * alone, so a verdict is the same in the console, in `get endpoints --json`
 * and in the unit tests.
 */
#include "mldeck/health.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Earlier windows kept for the baseline; a 14-day fetch in 10-minute windows fits. */
#define MAX_WINDOWS 2048

void md_health_limits_default(struct md_health_limits *lim)
{
    *lim = (struct md_health_limits){
        .rate_5xx = {1, 5},
        .rate_4xx = {5, 20},
        .p99_ms = {0, 0},
        .baseline = {2, 4},
        .min_invocations = 10,
        .window_s = 600,
    };
}

const char *md_health_verdict_str(enum md_health_verdict v)
{
    switch (v) {
    case MD_HEALTH_VERDICT_OK:
        return "ok";
    case MD_HEALTH_VERDICT_WARN:
        return "warn";
    case MD_HEALTH_VERDICT_BAD:
        return "bad";
    case MD_HEALTH_VERDICT_UNKNOWN:
        break;
    }
    return "unknown";
}

static const struct md_health_series *find(const struct md_health_list *l, const char *dep,
                                           enum md_health_metric m)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        const struct md_health_series *s = &l->v[i];
        if (s->metric == m && s->deployment != NULL && strcmp(s->deployment, dep) == 0)
            return s;
    }
    return NULL;
}

/* Newest time over the deployment's series: the end of the latest window. */
static bool newest(const struct md_health_list *l, const char *dep, int64_t *t)
{
    bool any = false;
    for (int m = 0; m < MD_HEALTH_METRIC_COUNT; m++) {
        const struct md_health_series *s = find(l, dep, (enum md_health_metric)m);
        for (size_t i = 0; s != NULL && i < s->n; i++) {
            if (isfinite(s->v[i]) && (!any || s->t[i] > *t)) {
                *t = s->t[i];
                any = true;
            }
        }
    }
    return any;
}

/* Window 0 is the latest (ending at `end`, inclusive), 1 the one before, ... */
static long window_of(int64_t t, int64_t end, int64_t len_ms)
{
    return t > end ? -1 : (long)((end - t) / len_ms);
}

/* Sum of series s over window w; *any set when a point was there. */
static double window_sum(const struct md_health_series *s, int64_t end, int64_t len, bool *any)
{
    double sum = 0;
    *any = false;
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        if (isfinite(s->v[i]) && window_of(s->t[i], end, len) == 0) {
            sum += s->v[i];
            *any = true;
        }
    }
    return sum;
}

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), dbl_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The highest period p99 of each window (a window is as bad as its worst
 * period), into hi[w] for w < nwin; NAN where a window has none.
 */
static void window_max(const struct md_health_series *s, int64_t end, int64_t len, double *hi,
                       size_t nwin)
{
    for (size_t w = 0; w < nwin; w++)
        hi[w] = NAN;
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        long w = window_of(s->t[i], end, len);
        if (w < 0 || (size_t)w >= nwin || !isfinite(s->v[i]))
            continue;
        if (!isfinite(hi[w]) || s->v[i] > hi[w])
            hi[w] = s->v[i];
    }
}

/* The median period p50 of the latest window. */
static double window_median(const struct md_health_series *s, int64_t end, int64_t len)
{
    size_t n = 0;
    double *v = md_xcalloc(s != NULL && s->n ? s->n : 1, sizeof(*v));
    for (size_t i = 0; s != NULL && i < s->n; i++)
        if (isfinite(s->v[i]) && window_of(s->t[i], end, len) == 0)
            v[n++] = s->v[i];
    double m = median(v, n);
    free(v);
    return m;
}

/* Keep the worse of the current verdict and `v` with its reason (first of equals wins). */
static void worse(struct md_health_judgement *out, enum md_health_verdict v, const char *reason)
{
    if (v > out->verdict) {
        out->verdict = v;
        snprintf(out->reason, sizeof(out->reason), "%s", reason);
    }
}

static void judge_rate(struct md_health_judgement *out, const char *what, double rate,
                       const double lim[2])
{
    char why[96];
    if (rate > lim[1]) {
        snprintf(why, sizeof(why), "%s %.1f %% > %g %%", what, rate, lim[1]);
        worse(out, MD_HEALTH_VERDICT_BAD, why);
    } else if (rate > lim[0]) {
        snprintf(why, sizeof(why), "%s %.1f %% > %g %%", what, rate, lim[0]);
        worse(out, MD_HEALTH_VERDICT_WARN, why);
    }
}

static void judge_latency(struct md_health_judgement *out, const struct md_health_limits *lim)
{
    char why[96];
    double p99 = out->p99_ms;
    if (!isfinite(p99))
        return;
    for (int k = 1; k >= 0; k--) {
        if (lim->p99_ms[k] > 0 && p99 > lim->p99_ms[k]) {
            snprintf(why, sizeof(why), "p99 %.0f ms > %g ms", p99, lim->p99_ms[k]);
            worse(out, k ? MD_HEALTH_VERDICT_BAD : MD_HEALTH_VERDICT_WARN, why);
            break;
        }
    }
    double base = out->baseline_p99_ms;
    if (!isfinite(base) || base <= 0)
        return;
    for (int k = 1; k >= 0; k--) {
        if (lim->baseline[k] > 0 && p99 > lim->baseline[k] * base) {
            snprintf(why, sizeof(why), "p99 %.0f ms > %gx baseline %.0f ms", p99, lim->baseline[k],
                     base);
            worse(out, k ? MD_HEALTH_VERDICT_BAD : MD_HEALTH_VERDICT_WARN, why);
            break;
        }
    }
}

/* What was seen when nothing is wrong: "5xx 0.0 %, 4xx 0.2 %, p99 21 ms". */
static void seen_text(const struct md_health_judgement *j, bool rates, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    if (rates)
        off += (size_t)snprintf(buf, len, "5xx %.1f %%, 4xx %.1f %%", j->rate_5xx, j->rate_4xx);
    if (isfinite(j->p99_ms) && off < len)
        snprintf(buf + off, len - off, "%sp99 %.0f ms", off ? ", " : "", j->p99_ms);
}

void md_health_judge(const struct md_health_list *l, const char *deployment,
                     const struct md_health_limits *lim, struct md_health_judgement *out)
{
    struct md_health_limits def;
    if (lim == NULL) {
        md_health_limits_default(&def);
        lim = &def;
    }
    *out = (struct md_health_judgement){.verdict = MD_HEALTH_VERDICT_UNKNOWN,
                                        .invocations = NAN,
                                        .rate_5xx = NAN,
                                        .rate_4xx = NAN,
                                        .p50_ms = NAN,
                                        .p99_ms = NAN,
                                        .baseline_p99_ms = NAN};
    const char *dep = deployment != NULL ? deployment : "";
    int64_t end = 0;
    if (!newest(l, dep, &end)) {
        snprintf(out->reason, sizeof(out->reason), "no data");
        return;
    }
    int64_t len = (lim->window_s > 0 ? lim->window_s : 600) * 1000;
    bool have_inv, have4, have5;
    double inv = window_sum(find(l, dep, MD_HEALTH_INVOCATIONS), end, len, &have_inv);
    double e4 = window_sum(find(l, dep, MD_HEALTH_4XX), end, len, &have4);
    double e5 = window_sum(find(l, dep, MD_HEALTH_5XX), end, len, &have5);
    if (have_inv)
        out->invocations = inv;
    bool rates = have_inv && inv >= (double)lim->min_invocations && inv > 0;
    if (rates) {
        out->rate_4xx = e4 / inv * 100;
        out->rate_5xx = e5 / inv * 100;
    }
    const struct md_health_series *p99 = find(l, dep, MD_HEALTH_P99_US);
    int64_t oldest = end;
    for (size_t i = 0; p99 != NULL && i < p99->n; i++)
        oldest = p99->t[i] < oldest ? p99->t[i] : oldest;
    size_t nwin = (size_t)((end - oldest) / len) + 1;
    nwin = nwin > MAX_WINDOWS ? MAX_WINDOWS : nwin;
    double *hi = md_xcalloc(nwin, sizeof(*hi));
    window_max(p99, end, len, hi, nwin);
    out->p99_ms = hi[0] / 1000.0;
    size_t nb = 0;
    for (size_t w = 1; w < nwin; w++)
        if (isfinite(hi[w]))
            hi[nb++] = hi[w];
    if (nb >= 2) /* one earlier window is one sample, not a baseline */
        out->baseline_p99_ms = median(hi, nb) / 1000.0;
    free(hi);
    out->p50_ms = window_median(find(l, dep, MD_HEALTH_P50_US), end, len) / 1000.0;

    if (!rates && !isfinite(out->p99_ms)) {
        if (have_inv)
            snprintf(out->reason, sizeof(out->reason),
                     "%.0f invocations in the last %ld min (< %ld)", inv, lim->window_s / 60,
                     lim->min_invocations);
        else
            snprintf(out->reason, sizeof(out->reason), "no invocations in the last %ld min",
                     lim->window_s / 60);
        return;
    }
    out->verdict = MD_HEALTH_VERDICT_OK;
    seen_text(out, rates, out->reason, sizeof(out->reason));
    if (rates) {
        judge_rate(out, "5xx", out->rate_5xx, lim->rate_5xx);
        judge_rate(out, "4xx", out->rate_4xx, lim->rate_4xx);
    }
    judge_latency(out, lim);
}

void md_health_judge_endpoint(const struct md_health_list *l, const struct md_health_limits *lim,
                              struct md_health_judgement *out)
{
    md_health_judge(l, "", lim, out);
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        const char *dep = l->v[i].deployment;
        if (dep == NULL || !*dep || l->v[i].metric != MD_HEALTH_INVOCATIONS)
            continue;
        struct md_health_judgement d;
        md_health_judge(l, dep, lim, &d);
        if (d.verdict == MD_HEALTH_VERDICT_OK && out->verdict == MD_HEALTH_VERDICT_UNKNOWN) {
            out->verdict = MD_HEALTH_VERDICT_OK; /* a deployment seen is the endpoint seen */
            snprintf(out->reason, sizeof(out->reason), "%s: %s", dep, d.reason);
            continue;
        }
        if (d.verdict <= out->verdict || d.verdict < MD_HEALTH_VERDICT_WARN)
            continue;
        out->verdict = d.verdict;
        char why[sizeof(out->reason)];
        snprintf(why, sizeof(why), "%s: %s", dep, d.reason);
        memcpy(out->reason, why, sizeof(why));
    }
}

/*
 * health.h - health judged, not only shown: the health series of an endpoint
 * (struct md_health_list, mldeck/model.h) turned into a verdict per endpoint
 * and per deployment, with the reason an on-call engineer reads first
 * ("5xx 25.0 % > 5 %").
 *
 * Pure: no I/O, no clock (health_judge.c; health_series.c for the mappers). The latest window is the `window_s` seconds that
 * end at the newest point of the series; the baseline is the median of the
 * same-length windows before it. Checks, worst first wins:
 *   - 5xx and 4xx as % of invocations in the latest window, against the
 *     warn and bad limits (skipped below `min_invocations` invocations);
 *   - p99 latency (ModelLatency + OverheadLatency, in ms: the highest period
 *     p99 of the window) against fixed limits in ms (0: off);
 *   - that p99 against the endpoint's own baseline p99 (ratio limits; needs
 *     at least two earlier windows with latency).
 * Unknown when the latest window has neither enough invocations nor latency.
 */
#ifndef MLDECK_HEALTH_H
#define MLDECK_HEALTH_H

#include "mldeck/model.h"

enum md_health_verdict {
    MD_HEALTH_VERDICT_UNKNOWN = 0, /* no data to judge */
    MD_HEALTH_VERDICT_OK,
    MD_HEALTH_VERDICT_WARN,
    MD_HEALTH_VERDICT_BAD,
};

/* Each pair is {warn, bad}: a value strictly above it is that bad. */
struct md_health_limits {
    double rate_5xx[2];   /* % of invocations; default 1, 5 */
    double rate_4xx[2];   /* % of invocations; default 5, 20 */
    double p99_ms[2];     /* ms; 0 turns the check off (default) */
    double baseline[2];   /* latest p99 / baseline p99; default 2, 4; 0 off */
    long min_invocations; /* fewer in the window: rates are not judged; default 10 */
    long window_s;        /* latest window; default 600 */
};

/* The defaults above (also the config file's, core/config/config_table.c). */
void md_health_limits_default(struct md_health_limits *lim);

struct md_health_judgement {
    enum md_health_verdict verdict;
    /* Why: the worst check ("5xx 25.0 % > 5 %"), or what was seen when ok. */
    char reason[160];
    /* What the latest window held; NAN when unknown. */
    double invocations;
    double rate_5xx, rate_4xx; /* % */
    double p50_ms, p99_ms;
    double baseline_p99_ms;
};

/*
 * Judge one deployment of l ("" for the whole endpoint's own series). l may
 * be NULL (unknown). lim NULL: the defaults.
 */
void md_health_judge(const struct md_health_list *l, const char *deployment,
                     const struct md_health_limits *lim, struct md_health_judgement *out);

/*
 * The whole endpoint: the worst of its own series and of each deployment's,
 * so a bad canary behind a small share is not averaged away. The reason of a
 * deployment names it ("canary: 5xx 25.0 % > 5 %"); the numbers are the
 * endpoint's own.
 */
void md_health_judge_endpoint(const struct md_health_list *l, const struct md_health_limits *lim,
                              struct md_health_judgement *out);

/*
 * Sort a series by time, the values of points at one time summed (the two
 * queries of a SageMaker latency percentile, Azure ML's requests per status
 * class): what a mapper does once all its points are in.
 */
void md_health_series_settle(struct md_health_series *s);
/*
 * Append the whole endpoint's series (deployment "", endpoint `endpoint`),
 * one per metric the deployments of l have: counts add up per period;
 * latencies are averaged weighted by the deployment's invocations in that
 * period (1 when unknown). Call once, after settling every series.
 */
void md_health_add_totals(struct md_health_list *l, const char *endpoint);

/* "ok", "warn", "bad", "unknown". */
const char *md_health_verdict_str(enum md_health_verdict v);

#endif

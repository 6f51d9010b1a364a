/*
 * Unit tests for core/base/health_judge.c: known answers for the verdict and
 * its reason, from series built by hand (one point a minute, an hour long,
 * as the SageMaker backend fetches them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/health.h"
#include "testutil.h"

#define MIN_MS 60000
#define POINTS 60

/* A series of `dep` for metric m: POINTS points a minute apart, value f(i). */
static void add(struct md_health_list *l, const char *dep, enum md_health_metric m,
                double (*f)(size_t i, double a), double a)
{
    struct md_health_series *s = md_health_list_push(l);
    s->endpoint = md_xstrdup("ep");
    s->deployment = md_xstrdup(dep);
    s->metric = m;
    s->t = md_xcalloc(POINTS, sizeof(*s->t));
    s->v = md_xcalloc(POINTS, sizeof(*s->v));
    for (size_t i = 0; i < POINTS; i++) {
        s->t[i] = 1700000000000LL + (int64_t)i * MIN_MS;
        s->v[i] = f(i, a);
    }
    s->n = POINTS;
}

static double flat(size_t i, double a)
{
    (void)i;
    return a;
}

/* a for the last 10 minutes (the latest window), 20 000 us before. */
static double late(size_t i, double a)
{
    return i >= POINTS - 10 ? a : 20000;
}

/* One deployment: 100 calls a minute, e5 and e4 errors a minute, p99 in us. */
static void variant(struct md_health_list *l, const char *dep, double e4, double e5, double p99)
{
    add(l, dep, MD_HEALTH_INVOCATIONS, flat, 100);
    add(l, dep, MD_HEALTH_4XX, flat, e4);
    add(l, dep, MD_HEALTH_5XX, flat, e5);
    add(l, dep, MD_HEALTH_P50_US, flat, 10000);
    add(l, dep, MD_HEALTH_P99_US, flat, p99);
}

static void test_rates_known_answers(void **state)
{
    (void)state;
    struct md_health_list l = {0};
    variant(&l, "", 0, 0, 20000);
    variant(&l, "canary", 0, 25, 20000);
    variant(&l, "warn4", 10, 0, 20000);
    variant(&l, "edge", 0, 1, 20000);
    struct md_health_judgement j;

    md_health_judge(&l, "", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_OK);
    assert_string_equal(j.reason, "5xx 0.0 %, 4xx 0.0 %, p99 20 ms");
    assert_true(fabs(j.invocations - 1000) < 1e-9); /* 10 minutes of 100 */
    assert_true(fabs(j.p50_ms - 10) < 1e-9);
    assert_true(fabs(j.baseline_p99_ms - 20) < 1e-9);

    md_health_judge(&l, "canary", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_BAD);
    assert_string_equal(j.reason, "5xx 25.0 % > 5 %");
    assert_true(fabs(j.rate_5xx - 25) < 1e-9);

    md_health_judge(&l, "warn4", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_WARN);
    assert_string_equal(j.reason, "4xx 10.0 % > 5 %");

    /* exactly at the limit is not over it */
    md_health_judge(&l, "edge", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_OK);

    /* the endpoint is as bad as its worst deployment, named */
    md_health_judge_endpoint(&l, NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_BAD);
    assert_string_equal(j.reason, "canary: 5xx 25.0 % > 5 %");
    assert_true(fabs(j.rate_5xx) < 1e-9); /* the numbers stay the endpoint's own */

    /* configured limits move the verdict */
    struct md_health_limits lim;
    md_health_limits_default(&lim);
    lim.rate_5xx[0] = 30;
    lim.rate_5xx[1] = 50;
    md_health_judge(&l, "canary", &lim, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_OK);
    lim.rate_5xx[0] = 20;
    md_health_judge(&l, "canary", &lim, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_WARN);
    assert_string_equal(j.reason, "5xx 25.0 % > 20 %");
    md_health_list_release(&l);
}

static void test_latency_limits_and_baseline(void **state)
{
    (void)state;
    struct md_health_list l = {0};
    add(&l, "slow", MD_HEALTH_INVOCATIONS, flat, 100);
    add(&l, "slow", MD_HEALTH_P99_US, late, 90000); /* 90 ms now, 20 ms before: 4.5x */
    add(&l, "meh", MD_HEALTH_INVOCATIONS, flat, 100);
    add(&l, "meh", MD_HEALTH_P99_US, late, 50000); /* 2.5x */
    add(&l, "flat", MD_HEALTH_INVOCATIONS, flat, 100);
    add(&l, "flat", MD_HEALTH_P99_US, flat, 700000);
    struct md_health_judgement j;

    md_health_judge(&l, "slow", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_BAD);
    assert_string_equal(j.reason, "p99 90 ms > 4x baseline 20 ms");
    assert_true(fabs(j.p99_ms - 90) < 1e-9);
    assert_true(fabs(j.baseline_p99_ms - 20) < 1e-9);

    md_health_judge(&l, "meh", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_WARN);
    assert_string_equal(j.reason, "p99 50 ms > 2x baseline 20 ms");

    /* 700 ms steady: its own baseline says ok, fixed limits are off by default */
    md_health_judge(&l, "flat", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_OK);
    assert_string_equal(j.reason, "5xx 0.0 %, 4xx 0.0 %, p99 700 ms");

    struct md_health_limits lim;
    md_health_limits_default(&lim);
    lim.p99_ms[0] = 500;
    lim.p99_ms[1] = 2000;
    md_health_judge(&l, "flat", &lim, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_WARN);
    assert_string_equal(j.reason, "p99 700 ms > 500 ms");
    lim.p99_ms[1] = 600;
    md_health_judge(&l, "flat", &lim, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_BAD);
    assert_string_equal(j.reason, "p99 700 ms > 600 ms");

    /* baseline off */
    lim.baseline[0] = lim.baseline[1] = 0;
    md_health_judge(&l, "slow", &lim, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_OK);
    md_health_list_release(&l);
}

static void test_unknown(void **state)
{
    (void)state;
    struct md_health_judgement j;
    md_health_judge(NULL, "", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_UNKNOWN);
    assert_string_equal(j.reason, "no data");
    assert_string_equal(md_health_verdict_str(j.verdict), "unknown");

    struct md_health_list l = {0};
    add(&l, "idle", MD_HEALTH_INVOCATIONS, flat, 0.5); /* 5 calls in 10 minutes */
    add(&l, "idle", MD_HEALTH_5XX, flat, 0.5);
    md_health_judge(&l, "idle", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_UNKNOWN);
    assert_string_equal(j.reason, "5 invocations in the last 10 min (< 10)");
    assert_true(isnan(j.rate_5xx));
    md_health_judge(&l, "absent", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_UNKNOWN);

    /* with no minimum, 5 calls are enough to judge */
    struct md_health_limits lim;
    md_health_limits_default(&lim);
    lim.min_invocations = 0;
    md_health_judge(&l, "idle", &lim, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_BAD);
    assert_string_equal(j.reason, "5xx 100.0 % > 5 %");
    md_health_list_release(&l);
}

/* Only the latest window counts for rates: an old burst of 5xx is history. */
static double old_burst(size_t i, double a)
{
    return i < 30 ? a : 0;
}

static void test_latest_window_only(void **state)
{
    (void)state;
    struct md_health_list l = {0};
    add(&l, "", MD_HEALTH_INVOCATIONS, flat, 100);
    add(&l, "", MD_HEALTH_5XX, old_burst, 50);
    struct md_health_judgement j;
    md_health_judge(&l, "", NULL, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_OK);
    assert_true(fabs(j.rate_5xx) < 1e-9);
    struct md_health_limits lim;
    md_health_limits_default(&lim);
    lim.window_s = 3600; /* the whole hour: 25 % */
    md_health_judge(&l, "", &lim, &j);
    assert_int_equal(j.verdict, MD_HEALTH_VERDICT_BAD);
    assert_string_equal(j.reason, "5xx 25.0 % > 5 %");
    md_health_list_release(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_known_answers),
        cmocka_unit_test(test_latency_limits_and_baseline),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_latest_window_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_drift_eval.c - how a window is judged (core/drift/drift_eval.c through
 * md_drift_run): the warn tier between the warn and drift thresholds, for a
 * distance and for a p-value, and the method selection (md_drift_opts.methods)
 * that decides which metrics exist, vote and are reported.
 *
 * Inputs are small CSV files written to a mkdtemp() directory, with values
 * chosen so every expected number is known in closed form or from scipy
 * (noted where used).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/drift.h"
#include "testutil.h"

static char ref_path[128], cur_path[128];

/*
 * Reference: x = 0..999 (x mod 100 repeated, so deciles are exact), g = a/b
 * half and half. Current: x shifted by +2, g 460 a / 540 b. Then
 *   W1 / std = 2 / 28.866 = 0.06929 (default W1 tiers 0.05 / 0.1: warn);
 *   JS on the decile bins 0.0382, PSI 0.0081, KS D 0.02 with p ~ 1: ok;
 *   chi2 (Yates) 3.046875, p 0.080893 (default p tiers 0.15 / 0.05: warn);
 *   JS of g 0.034005: ok.
 * Values from scipy 1.x (wasserstein_distance, ks_2samp, chi2_contingency,
 * jensenshannon base 2) on the same rows.
 */
static int setup(void **state)
{
    if (tu_tmpdir_setup(state))
        return -1;
    snprintf(ref_path, sizeof(ref_path), "%s/ref.csv", tu_tmpdir);
    snprintf(cur_path, sizeof(cur_path), "%s/cur.csv", tu_tmpdir);
    FILE *r = fopen(ref_path, "w"), *c = fopen(cur_path, "w");
    if (!r || !c)
        return -1;
    fputs("x,g\n", r);
    fputs("x,g\n", c);
    for (int i = 0; i < 1000; i++) {
        fprintf(r, "%d,%s\n", i % 100, i < 500 ? "a" : "b");
        fprintf(c, "%d,%s\n", i % 100 + 2, i < 460 ? "a" : "b");
    }
    fclose(r);
    fclose(c);
    return 0;
}

static const char *currents[1];

static struct md_drift_opts opts(unsigned methods)
{
    currents[0] = cur_path;
    struct md_drift_opts o = {.reference = ref_path,
                              .current = currents,
                              .n_current = 1,
                              .smoothing = MD_DRIFT_SMOOTH_EPS,
                              .methods = methods};
    return o;
}

static void run_ok(const struct md_drift_opts *o, struct md_drift_run *r)
{
    struct md_err err = MD_ERR_INIT;
    if (md_drift_run(o, r, &err) != MD_OK)
        fail_msg("drift run: %s", err.msg);
    assert_int_equal(r->n_windows, 1);
}

/* The run's JSON report, parsed. */
static cJSON *report(const struct md_drift_run *r)
{
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_drift_run_json(r, &b), MD_OK);
    cJSON *j = cJSON_Parse(b.data);
    md_buf_release(&b);
    assert_non_null(j);
    return j;
}

static const cJSON *json_feature(const cJSON *doc, const char *name)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "features"))
    {
        if (!strcmp(cJSON_GetObjectItem(f, "feature")->valuestring, name))
            return f;
    }
    fail_msg("no feature '%s' in the report", name);
    return NULL;
}

static const char *json_str(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItem(obj, a);
    if (b)
        v = cJSON_GetObjectItem(v, b);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* ---- the warn tier -------------------------------------------------------------------------- */

static void test_distance_between_tiers_warns(void **state)
{
    (void)state;
    struct md_drift_opts o = opts(0);
    struct md_drift_run r;
    run_ok(&o, &r);
    const struct md_drift_feature *x = tu_drift_feature(&r.w[0], "x");
    const struct md_drift_metric *w1 = &x->m[MD_DRIFT_W1];
    assert_true(fabs(w1->value - 2.0 / sqrt(9999.0 / 12.0)) < 1e-12);
    assert_true(w1->warn == 0.05 && w1->drift == 0.1); /* the defaults */
    assert_true(w1->value >= w1->warn && w1->value < w1->drift);
    assert_int_equal(w1->status, MD_DRIFT_STATUS_WARN);
    assert_true(w1->severity > 0.5 && w1->severity < 1); /* value / drift */
    /* every other method is below its warn tier: the warn comes from W1 alone */
    for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++)
        if (m != MD_DRIFT_W1 && x->m[m].present)
            assert_int_equal(x->m[m].status, MD_DRIFT_STATUS_OK);
    assert_int_equal(x->status, MD_DRIFT_STATUS_WARN);
    assert_int_equal(x->primary, MD_DRIFT_W1);
    /* a warn is not drift: the window counts no drifted feature */
    assert_int_equal(r.w[0].n_tested, 2);
    assert_int_equal(r.w[0].n_drifted, 0);
    assert_false(r.w[0].dataset_drift);

    cJSON *j = report(&r);
    const cJSON *jx = json_feature(j, "x");
    assert_string_equal(json_str(jx, "status", NULL), "warn");
    assert_string_equal(json_str(jx, "method", NULL), "w1");
    assert_string_equal(json_str(cJSON_GetObjectItem(jx, "metrics"), "w1", "status"), "warn");
    assert_string_equal(json_str(cJSON_GetObjectItem(jx, "metrics"), "psi", "status"), "ok");
    cJSON_Delete(j);
    md_drift_run_release(&r);

    /* the same value under a drift tier it reaches is drift, under a warn tier above it ok */
    struct md_drift_threshold t;
    assert_int_equal(md_drift_threshold_parse("w1=0.03,0.06", &t, NULL), MD_OK);
    o.thresholds = &t;
    o.n_thresholds = 1;
    run_ok(&o, &r);
    assert_int_equal(tu_drift_feature(&r.w[0], "x")->m[MD_DRIFT_W1].status, MD_DRIFT_STATUS_DRIFT);
    md_drift_run_release(&r);
    assert_int_equal(md_drift_threshold_parse("w1=0.08,0.2", &t, NULL), MD_OK);
    run_ok(&o, &r);
    assert_int_equal(tu_drift_feature(&r.w[0], "x")->m[MD_DRIFT_W1].status, MD_DRIFT_STATUS_OK);
    assert_int_equal(tu_drift_feature(&r.w[0], "x")->status, MD_DRIFT_STATUS_OK);
    md_drift_run_release(&r);
}

static void test_p_value_between_tiers_warns(void **state)
{
    (void)state;
    struct md_drift_opts o = opts(0);
    struct md_drift_run r;
    run_ok(&o, &r);
    const struct md_drift_feature *g = tu_drift_feature(&r.w[0], "g");
    const struct md_drift_metric *chi = &g->m[MD_DRIFT_CHI2];
    assert_true(fabs(chi->value - 3.046875) < 1e-9);
    assert_true(fabs(chi->p_value - 0.08089265412686582) < 1e-6);
    assert_true(chi->warn == 0.15 && chi->drift == 0.05);
    assert_true(chi->votes);
    assert_int_equal(chi->status, MD_DRIFT_STATUS_WARN);
    assert_int_equal(g->m[MD_DRIFT_JS].status, MD_DRIFT_STATUS_OK);
    assert_int_equal(g->status, MD_DRIFT_STATUS_WARN);
    assert_int_equal(g->primary, MD_DRIFT_CHI2);

    cJSON *j = report(&r);
    const cJSON *jg = json_feature(j, "g");
    assert_string_equal(json_str(jg, "status", NULL), "warn");
    assert_string_equal(json_str(cJSON_GetObjectItem(jg, "metrics"), "chi2", "status"), "warn");
    cJSON_Delete(j);
    md_drift_run_release(&r);
}

/* ---- the method selection ------------------------------------------------------------------- */

static void test_methods_select_the_metrics(void **state)
{
    (void)state;
    unsigned psi_ks = md_drift_method_bit(MD_DRIFT_PSI) | md_drift_method_bit(MD_DRIFT_KS);
    struct md_drift_opts o = opts(psi_ks);
    struct md_drift_run r, all;
    run_ok(&o, &r);
    assert_int_equal(r.methods, psi_ks);
    const struct md_drift_feature *x = tu_drift_feature(&r.w[0], "x"),
                                  *g = tu_drift_feature(&r.w[0], "g");
    assert_true(x->m[MD_DRIFT_PSI].present && x->m[MD_DRIFT_KS].present);
    assert_false(x->m[MD_DRIFT_W1].present);
    assert_false(x->m[MD_DRIFT_JS].present);
    assert_false(x->m[MD_DRIFT_CHI2].present);
    /* without W1 nothing warns: the selection decides the vote too */
    assert_int_equal(x->status, MD_DRIFT_STATUS_OK);
    /* a categorical feature has neither PSI nor KS: nothing to test */
    for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++)
        assert_false(g->m[m].present);
    assert_int_equal(g->status, MD_DRIFT_STATUS_NA);
    assert_int_equal(r.w[0].n_tested, 1);
    /* what is computed is what a full run computes */
    o.methods = 0;
    run_ok(&o, &all);
    assert_int_equal(all.methods, MD_DRIFT_METHODS_ALL);
    const struct md_drift_feature *xa = tu_drift_feature(&all.w[0], "x");
    assert_true(xa->m[MD_DRIFT_W1].present && xa->m[MD_DRIFT_JS].present);
    assert_true(x->m[MD_DRIFT_PSI].value == xa->m[MD_DRIFT_PSI].value);
    assert_true(x->m[MD_DRIFT_KS].value == xa->m[MD_DRIFT_KS].value);
    assert_true(x->m[MD_DRIFT_KS].p_value == xa->m[MD_DRIFT_KS].p_value);
    assert_int_equal(xa->status, MD_DRIFT_STATUS_WARN);

    /* the report lists the selection and only the selected metrics */
    cJSON *j = report(&r);
    const cJSON *jm = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "options"), "methods");
    assert_int_equal(cJSON_GetArraySize(jm), 2);
    assert_string_equal(cJSON_GetArrayItem(jm, 0)->valuestring, "psi");
    assert_string_equal(cJSON_GetArrayItem(jm, 1)->valuestring, "ks");
    const cJSON *xm = cJSON_GetObjectItem(json_feature(j, "x"), "metrics");
    assert_int_equal(cJSON_GetArraySize(xm), 2);
    assert_non_null(cJSON_GetObjectItem(xm, "psi"));
    assert_non_null(cJSON_GetObjectItem(xm, "ks"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json_feature(j, "g"), "metrics")), 0);
    assert_string_equal(json_str(json_feature(j, "g"), "status", NULL), "n/a");
    cJSON_Delete(j);
    j = report(&all);
    jm = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "options"), "methods");
    assert_int_equal(cJSON_GetArraySize(jm), MD_DRIFT_METHOD_COUNT);
    cJSON_Delete(j);
    md_drift_run_release(&all);
    md_drift_run_release(&r);

    /* categorical methods only: the numeric feature is the untested one now */
    o.methods = md_drift_method_bit(MD_DRIFT_CHI2);
    run_ok(&o, &r);
    x = tu_drift_feature(&r.w[0], "x");
    g = tu_drift_feature(&r.w[0], "g");
    assert_int_equal(x->status, MD_DRIFT_STATUS_NA);
    for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++)
        assert_false(x->m[m].present);
    assert_true(g->m[MD_DRIFT_CHI2].present);
    assert_false(g->m[MD_DRIFT_JS].present);
    assert_int_equal(g->status, MD_DRIFT_STATUS_WARN);
    assert_int_equal(g->primary, MD_DRIFT_CHI2);
    md_drift_run_release(&r);

    /* a method the selection leaves out cannot vote: JS alone judges g, and it is ok */
    o.methods = md_drift_method_bit(MD_DRIFT_JS);
    run_ok(&o, &r);
    g = tu_drift_feature(&r.w[0], "g");
    assert_false(g->m[MD_DRIFT_CHI2].present);
    assert_int_equal(g->status, MD_DRIFT_STATUS_OK);
    assert_int_equal(g->primary, MD_DRIFT_JS);
    md_drift_run_release(&r);
}

static void test_methods_unknown_bits_refused(void **state)
{
    (void)state;
    struct md_drift_opts o = opts(md_drift_method_bit(MD_DRIFT_PSI) | (1u << 7));
    struct md_drift_run r;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_run(&o, &r, &err), MD_ERR_INVALID);
    assert_string_equal(err.msg, "bad methods: 0x80 names no known method");
    assert_int_equal(r.n_windows, 0);
    md_drift_run_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_between_tiers_warns),
        cmocka_unit_test(test_p_value_between_tiers_warns),
        cmocka_unit_test(test_methods_select_the_metrics),
        cmocka_unit_test(test_methods_unknown_bits_refused),
    };
    return cmocka_run_group_tests(tests, setup, tu_tmpdir_teardown);
}

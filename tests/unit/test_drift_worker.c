/*
 * Unit tests for core/drift/drift_worker.c: a drift job on a thread, driven the way
 * the TUI drives it - poll the pipe, read progress, collect - plus a
 * cancelled run that stores nothing, and a configured job.
 * Fixtures are in tests/fixtures/drift/ (MLDECK_SRCDIR when not run from the root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/config.h"
#include "mldeck/drift.h"
#include "mldeck/store.h"
#include "testutil.h"

/* A fixture's path on the heap: the tests free it to show the worker keeps its own copy. */
static char *fix(const char *name)
{
    return md_xstrdup(tu_srcpath("tests/fixtures/drift/%s", name));
}

/* The event loop's part: wait on the fd until the worker says it finished. */
static void wait_finished(md_drift_worker *w, struct md_drift_progress *last, int *wakeups)
{
    struct pollfd pfd = {.fd = md_drift_worker_fd(w), .events = POLLIN};
    for (int i = 0; i < 6000; i++) {
        int n = poll(&pfd, 1, 10000);
        assert_true(n >= 0);
        if (n > 0)
            (*wakeups)++;
        struct md_drift_progress p;
        bool fin = md_drift_worker_poll(w, &p);
        assert_true(p.fraction >= 0 && p.fraction <= 1);
        assert_non_null(p.phase);
        *last = p;
        if (fin)
            return;
    }
    fail_msg("drift worker never finished");
}

static void test_run_and_collect(void **state)
{
    (void)state;
    char *ref = fix("ref_small.csv"), *cur = fix("small.jsonl");
    char *db = md_xasprintf("%s/state.db", tu_tmpdir);
    const char *currents[] = {cur};
    struct md_drift_opts o = {.job = "t1",
                              .reference = ref,
                              .current = currents,
                              .n_current = 1,
                              .smoothing = MD_DRIFT_SMOOTH_EPS,
                              .prediction = "prediction"};
    md_drift_worker *w = NULL;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_worker_start(&w, &o, db, &err), MD_OK);
    /* the options were copied: the caller's may go away now */
    free(ref);
    free(cur);
    struct md_drift_progress p;
    int wakeups = 0;
    wait_finished(w, &p, &wakeups);
    assert_true(wakeups >= 1);
    assert_true(p.finished);
    assert_string_equal(p.phase, "done");
    assert_true(p.fraction == 1.0);
    struct md_drift_run run;
    assert_int_equal(md_drift_worker_collect(w, &run, &err), MD_OK);
    assert_int_equal(run.n_windows, 1);
    assert_int_equal(run.files_read, 1);
    assert_true(run.w[0].rows_cur > 0);
    assert_true(run.w[0].n > 0);
    /* a second collect is refused and gives an empty run */
    struct md_drift_run again;
    struct md_err err2 = MD_ERR_INIT;
    assert_int_equal(md_drift_worker_collect(w, &again, &err2), MD_ERR_INVALID);
    assert_int_equal(again.n_windows, 0);
    md_drift_worker_free(w);

    /* stored as the headless command stores: history readable from the main thread */
    md_store *s = NULL;
    assert_int_equal(md_store_open(&s, db, &err), MD_OK);
    struct md_drift_point *pts = NULL;
    size_t n = 0;
    assert_int_equal(md_drift_store_history(s, "t1", "x1", MD_DRIFT_PSI, 10, &pts, &n, &err),
                     MD_OK);
    assert_int_equal(n, 1);
    for (size_t i = 0; i < run.w[0].n; i++)
        if (!strcmp(run.w[0].f[i].name, "x1"))
            assert_true(pts[0].value == run.w[0].f[i].m[MD_DRIFT_PSI].value);
    free(pts);
    md_store_free(s);
    md_drift_run_release(&run);

    /* run again: the file is remembered, nothing new to read */
    ref = fix("ref_small.csv");
    cur = fix("small.jsonl");
    currents[0] = cur;
    o.reference = ref;
    assert_int_equal(md_drift_worker_start(&w, &o, db, &err), MD_OK);
    wait_finished(w, &p, &wakeups);
    assert_int_equal(md_drift_worker_collect(w, &run, &err), MD_OK);
    assert_int_equal(run.n_windows, 0);
    assert_int_equal(run.files_skipped, 1);
    assert_true(run.ref_cached);
    md_drift_run_release(&run);
    md_drift_worker_free(w);
    free(ref);
    free(cur);
    free(db);
}

/* A reference big enough that the cancel lands while it is read. */
static char *big_csv(void)
{
    char *path = md_xasprintf("%s/big.csv", tu_tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("a,b,c\n", f);
    for (int i = 0; i < 1500000; i++)
        fprintf(f, "%d,%d.5,k%d\n", i % 977, i % 131, i % 7);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_cancel(void **state)
{
    (void)state;
    char *ref = big_csv();
    char *db = md_xasprintf("%s/cancel.db", tu_tmpdir);
    const char *currents[] = {ref};
    struct md_drift_opts o = {.job = "big", .reference = ref, .current = currents, .n_current = 1};
    md_drift_worker *w = NULL;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_worker_start(&w, &o, db, &err), MD_OK);
    md_drift_worker_cancel(w);
    struct md_drift_progress p;
    int wakeups = 0;
    wait_finished(w, &p, &wakeups);
    struct md_drift_run run;
    assert_int_equal(md_drift_worker_collect(w, &run, &err), MD_ERR_CANCELLED);
    assert_int_equal(err.code, MD_ERR_CANCELLED);
    assert_int_equal(run.n_windows, 0);
    md_drift_run_release(&run);
    md_drift_worker_free(w);

    /* nothing stored by a cancelled run */
    md_store *s = NULL;
    assert_int_equal(md_store_open(&s, db, &err), MD_OK);
    struct md_drift_point *pts = NULL;
    size_t n = 9;
    assert_int_equal(md_drift_store_history(s, "big", "a", MD_DRIFT_PSI, 10, &pts, &n, &err),
                     MD_OK);
    assert_int_equal(n, 0);
    free(pts);
    md_store_free(s);

    /* freeing a running worker cancels and joins it */
    assert_int_equal(md_drift_worker_start(&w, &o, NULL, &err), MD_OK);
    md_drift_worker_free(w);
    free(ref);
    free(db);
}

static void test_configured_job(void **state)
{
    (void)state;
    char *ref = fix("ref_small.csv"), *cur = fix("small.jsonl");
    char *yaml = md_xasprintf("contexts:\n"
                              "  - name: a\n"
                              "    backends: [{name: t, url: 'http://h'}]\n"
                              "    drift:\n"
                              "      - name: job\n"
                              "        reference: %s\n"
                              "        current: %s\n"
                              "        categorical: [color]\n"
                              "        prediction: prediction\n"
                              "        thresholds: {psi: '0.01,0.02', 'color:chi2': '0.5'}\n",
                              ref, cur);
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_config_parse(&cfg, "cfg.yaml", yaml, strlen(yaml), &err), MD_OK);
    const struct md_drift_job_conf *job = md_config_drift_job(&cfg.contexts[0], "job");
    assert_non_null(job);
    md_drift_worker *w = NULL;
    assert_int_equal(md_drift_worker_start_job(&w, job, NULL, &err), MD_OK);
    md_config_release(&cfg); /* the worker holds copies */
    struct md_drift_progress p;
    int wakeups = 0;
    wait_finished(w, &p, &wakeups);
    struct md_drift_run run;
    assert_int_equal(md_drift_worker_collect(w, &run, &err), MD_OK);
    assert_int_equal(run.n_windows, 1);
    assert_int_equal(run.smoothing, MD_DRIFT_SMOOTH_EPS);
    const struct md_drift_window *win = &run.w[0];
    bool saw_color = false, saw_pred = false;
    for (size_t i = 0; i < win->n; i++) {
        const struct md_drift_feature *f = &win->f[i];
        if (!strcmp(f->name, "color")) {
            saw_color = true;
            assert_int_equal(f->type, MD_DRIFT_CATEGORICAL);
            assert_true(f->m[MD_DRIFT_CHI2].drift == 0.5);
        }
        if (!strcmp(f->name, "x1"))
            assert_true(f->m[MD_DRIFT_PSI].drift == 0.02);
        saw_pred |= f->prediction;
    }
    assert_true(saw_color);
    assert_true(saw_pred);
    md_drift_run_release(&run);
    md_drift_worker_free(w);
    free(yaml);
    free(ref);
    free(cur);
}

/* Run the job `name` of a parsed config to the end on the worker; *run is the caller's. */
static void run_configured(const char *yaml, const char *name, struct md_drift_run *run)
{
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    if (md_config_parse(&cfg, "cfg.yaml", yaml, strlen(yaml), &err))
        fail_msg("config: %s", err.msg);
    md_drift_worker *w = NULL;
    assert_int_equal(
        md_drift_worker_start_job(&w, md_config_drift_job(&cfg.contexts[0], name), NULL, &err),
        MD_OK);
    md_config_release(&cfg);
    struct md_drift_progress p;
    int wakeups = 0;
    wait_finished(w, &p, &wakeups);
    if (md_drift_worker_collect(w, run, &err))
        fail_msg("run: %s", err.msg);
    md_drift_worker_free(w);
    assert_int_equal(run->n_windows, 1);
}

/*
 * `numeric:` and `methods:` of a configured job reach the engine: a column of
 * integer codes whose reference holds a stray "?" is inferred categorical,
 * and `numeric:` keeps it numeric; `methods:` leaves only the listed metrics.
 */
static void test_configured_numeric_and_methods(void **state)
{
    (void)state;
    const char *ref = tu_tmpfile("codes_ref.csv", "code,color\n1,red\n2,blue\n3,red\n?,blue\n"
                                                  "4,red\n5,blue\n2,red\n3,blue\n");
    const char *cur = tu_tmpfile("codes_cur.csv", "code,color\n4,red\n5,red\n5,blue\n4,red\n");
    char *yaml = md_xasprintf("contexts:\n"
                              "  - name: a\n"
                              "    backends: [{name: t, url: 'http://h'}]\n"
                              "    drift:\n"
                              "      - name: inferred\n"
                              "        reference: %s\n"
                              "        current: %s\n"
                              "      - name: forced\n"
                              "        reference: %s\n"
                              "        current: %s\n"
                              "        numeric: [code]\n"
                              "        methods: [ks, chi2]\n",
                              ref, cur, ref, cur);
    struct md_drift_run run;
    run_configured(yaml, "inferred", &run);
    const struct md_drift_feature *code = tu_drift_feature(&run.w[0], "code");
    assert_int_equal(code->type, MD_DRIFT_CATEGORICAL);
    assert_true(code->m[MD_DRIFT_JS].present && code->m[MD_DRIFT_CHI2].present);
    assert_int_equal(run.methods, MD_DRIFT_METHODS_ALL);
    md_drift_run_release(&run);

    run_configured(yaml, "forced", &run);
    code = tu_drift_feature(&run.w[0], "code");
    assert_int_equal(code->type, MD_DRIFT_NUMERIC);
    assert_int_equal(code->n_ref, 7); /* the "?" is not a number: counted missing */
    assert_true(code->m[MD_DRIFT_KS].present);
    for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++)
        if (m != MD_DRIFT_KS)
            assert_false(code->m[m].present);
    const struct md_drift_feature *color = tu_drift_feature(&run.w[0], "color");
    assert_true(color->m[MD_DRIFT_CHI2].present);
    assert_false(color->m[MD_DRIFT_JS].present);
    assert_int_equal(run.methods,
                     md_drift_method_bit(MD_DRIFT_KS) | md_drift_method_bit(MD_DRIFT_CHI2));
    bool warned = false;
    for (size_t i = 0; i < run.warnings.n; i++)
        warned |= strstr(run.warnings.msg[i], "column 'code': '?' is not a number") != NULL;
    assert_true(warned);
    md_drift_run_release(&run);
    free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_and_collect),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_configured_job),
        cmocka_unit_test(test_configured_numeric_and_methods),
    };
    return cmocka_run_group_tests(tests, tu_tmpdir_setup, tu_tmpdir_teardown);
}

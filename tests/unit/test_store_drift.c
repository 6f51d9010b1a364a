/*
 * test_store_drift.c - drift results read back for the screen: the newest
 * stored window rebuilt as the run produced it (metrics, statuses, order,
 * histograms), a job's worst feature, windows stored before schema v3, the
 * v2 -> v3 migration, and the window BLOB refusing damaged bytes.
 *
 * Data are generated here with a fixed-seed LCG into a mkdtemp() directory:
 * a reference and current rows over two hours, the second hour shifted.
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
#include <unistd.h>

#include <sqlite3.h>

#include "drift/drift_int.h"
#include "mldeck/drift.h"
#include "mldeck/store.h"
#include "store/store_int.h"
#include "testutil.h"

#define T0 1764576000LL /* 2025-12-01 08:00:00 UTC */

/* A fixed-seed generator, so every run of the test sees the same rows. */
static uint64_t rng = 42;
static double uniform(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/*
 * Rows "age,plan,prediction[,ts]": age uniform on [20, 60) + shift, plan from
 * three plans (a fourth, "gold", when shifted), prediction uniform. With
 * `hours` > 0 a ts column spreads the rows over that many hours from T0, and
 * rows of hours >= shift_from get the shift.
 */
static char *write_csv(const char *name, int rows, int hours, int shift_from, double shift)
{
    char *path = md_xasprintf("%s/%s", tu_tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "age,plan,prediction%s\n", hours ? ",ts" : "");
    static const char *const plans[] = {"basic", "pro", "team", "gold"};
    for (int i = 0; i < rows; i++) {
        int hour = hours ? i * hours / rows : 0;
        bool shifted = hours && hour >= shift_from;
        double age = 20 + 40 * uniform() + (shifted ? shift : 0);
        const char *plan = plans[(int)(uniform() * (shifted ? 4 : 3))];
        fprintf(f, "%.3f,%s,%.4f", age, plan, uniform());
        if (hours)
            fprintf(f, ",%lld", T0 + hour * 3600LL + (i % 3000));
        fputc('\n', f);
    }
    fclose(f);
    return path;
}

static md_store *open_store(const char *name)
{
    char *path = md_xasprintf("%s/%s", tu_tmpdir, name);
    md_store *s = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_store_open(&s, path, &err))
        fail_msg("open: %s", err.msg);
    free(path);
    return s;
}

/* One stored run of job "churn": two hourly windows, the second with drift. */
static void run_job(md_store *s, struct md_drift_run *r)
{
    rng = 42;
    char *ref = write_csv("ref.csv", 2000, 0, 0, 0);
    char *cur = write_csv("cur.csv", 2000, 2, 1, 25);
    const char *curv[] = {cur};
    const char *cats[] = {"plan"};
    struct md_drift_opts o;
    memset(&o, 0, sizeof(o));
    o.job = "churn";
    o.reference = ref;
    o.current = curv;
    o.n_current = 1;
    o.categorical = cats;
    o.n_categorical = 1;
    o.prediction = "prediction";
    o.time_column = "ts";
    o.window_ms = 3600 * 1000;
    o.smoothing = MD_DRIFT_SMOOTH_EPS;
    o.store = s;
    struct md_err err = MD_ERR_INIT;
    if (md_drift_run(&o, r, &err))
        fail_msg("drift run: %s", err.msg);
    assert_int_equal(r->n_windows, 2);
    free(ref);
    free(cur);
}

/* Equal doubles, NaN equal to NaN. */
static void same(double a, double b)
{
    if (isnan(a) || isnan(b))
        assert_true(isnan(a) && isnan(b));
    else
        assert_true(a == b);
}

/* The stored window is the run's newest window, field by field. */
static void test_latest_is_the_run(void **state)
{
    (void)state;
    md_store *s = open_store("latest.db");
    struct md_drift_run r;
    run_job(s, &r);
    const struct md_drift_window *want = &r.w[1];
    assert_true(want->n_drifted >= 2); /* the generator's shift shows: age and plan */

    struct md_drift_window w;
    int64_t computed = 0;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_store_latest(s, "churn", &w, &computed, &err), MD_OK);
    assert_true(computed > 0);
    assert_int_equal(w.start_ms, want->start_ms);
    assert_int_equal(w.end_ms, want->end_ms);
    assert_int_equal(w.rows_cur, want->rows_cur);
    assert_int_equal(w.n_tested, want->n_tested);
    assert_int_equal(w.n_drifted, want->n_drifted);
    same(w.drift_share, want->drift_share);
    assert_int_equal(w.dataset_drift, want->dataset_drift);
    assert_int_equal(w.n, want->n);
    for (size_t i = 0; i < w.n; i++) {
        const struct md_drift_feature *a = &w.f[i], *b = &want->f[i];
        assert_string_equal(a->name, b->name); /* same order: prediction, status, severity */
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->prediction, b->prediction);
        assert_int_equal(a->status, b->status);
        assert_int_equal(a->primary, b->primary);
        same(a->severity, b->severity);
        assert_int_equal(a->n_ref, b->n_ref);
        assert_int_equal(a->n_cur, b->n_cur);
        assert_int_equal(a->rows_cur, b->rows_cur);
        same(a->missing_cur, b->missing_cur);
        same(a->mean_ref, b->mean_ref);
        same(a->std_cur, b->std_cur);
        for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++) {
            assert_int_equal(a->m[m].present, b->m[m].present);
            if (!b->m[m].present)
                continue;
            same(a->m[m].value, b->m[m].value);
            same(a->m[m].p_value, b->m[m].p_value);
            same(a->m[m].drift, b->m[m].drift);
            same(a->m[m].severity, b->m[m].severity);
            assert_int_equal(a->m[m].status, b->m[m].status);
            assert_int_equal(a->m[m].df, b->m[m].df);
        }
        assert_int_equal(a->n_edges, b->n_edges);
        if (b->type == MD_DRIFT_NUMERIC) {
            assert_true(b->n_edges > 0);
            assert_memory_equal(a->edges, b->edges, b->n_edges * sizeof(double));
            assert_memory_equal(a->bins_ref, b->bins_ref, (b->n_edges + 1) * sizeof(uint64_t));
            assert_memory_equal(a->bins_cur, b->bins_cur, (b->n_edges + 1) * sizeof(uint64_t));
        }
        assert_int_equal(a->n_cats, b->n_cats);
        for (size_t c = 0; c < b->n_cats; c++) {
            if (b->cats[c])
                assert_string_equal(a->cats[c], b->cats[c]);
            else
                assert_null(a->cats[c]);
            assert_int_equal(a->cats_ref[c], b->cats_ref[c]);
            assert_int_equal(a->cats_cur[c], b->cats_cur[c]);
        }
        assert_int_equal(a->n_unseen, b->n_unseen);
    }
    md_drift_window_release(&w);
    md_drift_window_release(NULL);

    /* a job without results, and a forgotten one */
    assert_int_equal(md_drift_store_latest(s, "other", &w, NULL, &err), MD_ERR_NOT_FOUND);
    assert_int_equal(w.n, 0);
    assert_int_equal(md_drift_store_forget(s, "churn", &err), MD_OK);
    assert_int_equal(md_drift_store_latest(s, "churn", &w, NULL, &err), MD_ERR_NOT_FOUND);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(md_store_db(s), "SELECT count(*) FROM drift_feature", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    assert_int_equal(err.code, MD_OK); /* not found is not an error message */
    md_drift_run_release(&r);
    md_store_free(s);
}

/* The worst feature: the highest tier, then the largest severity. */
static void test_worst(void **state)
{
    (void)state;
    md_store *s = open_store("worst.db");
    struct md_drift_run r;
    run_job(s, &r);
    const struct md_drift_window *w = &r.w[1];
    const struct md_drift_feature *best = NULL;
    for (size_t i = 0; i < w->n; i++)
        if (!w->f[i].prediction &&
            (!best || w->f[i].status > best->status ||
             (w->f[i].status == best->status && w->f[i].severity > best->severity)))
            best = &w->f[i];
    assert_non_null(best);
    assert_int_equal(best->status, MD_DRIFT_STATUS_DRIFT);

    struct md_drift_worst x;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_store_worst(s, "churn", &x, &err), MD_OK);
    assert_string_equal(x.feature, best->name);
    assert_int_equal(x.status, MD_DRIFT_STATUS_DRIFT);
    assert_int_equal(x.method, best->primary);
    same(x.value, best->m[best->primary].value);
    same(x.threshold, best->m[best->primary].drift);
    assert_true(x.severity >= 1);
    assert_int_equal(x.start_ms, w->start_ms);
    assert_int_equal(x.n_drifted, w->n_drifted);
    assert_int_equal(md_drift_store_worst(s, "nope", &x, &err), MD_ERR_NOT_FOUND);
    assert_int_equal(x.status, MD_DRIFT_STATUS_NA);
    md_drift_run_release(&r);
    md_store_free(s);
}

/*
 * A state file written before v3: the migration adds drift_feature, and the
 * windows stored without it come back from drift_result and drift_ref alone
 * (no histogram, severities recomputed by the engine's rule).
 */
static void test_migration_from_v2(void **state)
{
    (void)state;
    md_store *s = open_store("v2.db");
    struct md_drift_run r;
    run_job(s, &r);
    md_store_free(s);

    /* Take the file back to v2 as an older build left it. */
    char *path = md_xasprintf("%s/v2.db", tu_tmpdir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "DROP TABLE drift_feature; DROP TABLE change_event; "
                     "ALTER TABLE history DROP COLUMN last_ms; PRAGMA user_version = 2",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    s = open_store("v2.db");
    assert_int_equal(md_store_schema_version(s), 4);
    assert_int_equal(MD_STORE_SCHEMA_VERSION, 4);
    struct md_drift_window w;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_store_latest(s, "churn", &w, NULL, &err), MD_OK);
    const struct md_drift_window *want = &r.w[1];
    assert_int_equal(w.n, want->n);
    for (size_t i = 0; i < w.n; i++) {
        const struct md_drift_feature *a = &w.f[i], *b = &want->f[i];
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->prediction, b->prediction);
        assert_int_equal(a->status, b->status);
        assert_int_equal(a->primary, b->primary);
        assert_true(fabs(a->severity - b->severity) <= 1e-12 * fmax(1, b->severity));
        assert_int_equal(a->n_edges, 0);
        assert_int_equal(a->n_cats, 0);
    }
    md_drift_window_release(&w);

    /* The next run writes v3 rows again: the histogram is back. */
    md_drift_run_release(&r);
    sqlite3_exec(md_store_db(s), "DELETE FROM drift_file", NULL, NULL, NULL);
    run_job(s, &r);
    assert_int_equal(md_drift_store_latest(s, "churn", &w, NULL, &err), MD_OK);
    bool hist = false;
    for (size_t i = 0; i < w.n; i++)
        hist = hist || w.f[i].n_edges > 0 || w.f[i].n_cats > 0;
    assert_true(hist);
    md_drift_window_release(&w);
    md_drift_run_release(&r);
    md_store_free(s);
    free(path);
}

/* The window BLOB: a round trip keeps every detail; short or foreign bytes are refused. */
static void test_detail_blob(void **state)
{
    (void)state;
    struct md_drift_feature f;
    memset(&f, 0, sizeof(f));
    f.type = MD_DRIFT_CATEGORICAL;
    f.rows_cur = 10;
    f.invalid_cur = 2;
    f.missing_cur = 0.2;
    f.missing_ref = NAN;
    f.mean_ref = f.std_ref = f.mean_cur = f.std_cur = NAN;
    f.m[MD_DRIFT_CHI2].severity = 3.5;
    f.m[MD_DRIFT_CHI2].df = 2;
    f.n_cats = 3;
    char red[] = "red", empty[] = "";
    f.cats[0] = red;
    f.cats[1] = empty;
    f.cats[2] = NULL; /* "(other)" */
    f.cats_ref[0] = 5;
    f.cats_cur[2] = 7;
    f.n_unseen = 4;
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(drift_detail_encode(&f, &b), MD_OK);
    struct md_drift_feature g;
    memset(&g, 0, sizeof(g));
    assert_true(drift_detail_decode(b.data, b.len, &g));
    assert_int_equal(g.rows_cur, 10);
    assert_int_equal(g.invalid_cur, 2);
    same(g.missing_cur, 0.2);
    same(g.missing_ref, NAN);
    same(g.m[MD_DRIFT_CHI2].severity, 3.5);
    assert_int_equal(g.m[MD_DRIFT_CHI2].df, 2);
    assert_int_equal(g.n_cats, 3);
    assert_string_equal(g.cats[0], "red");
    assert_string_equal(g.cats[1], "");
    assert_null(g.cats[2]);
    assert_int_equal(g.cats_ref[0], 5);
    assert_int_equal(g.cats_cur[2], 7);
    assert_int_equal(g.n_unseen, 4);
    for (size_t c = 0; c < g.n_cats; c++)
        free(g.cats[c]);
    for (size_t cut = 0; cut < b.len; cut++) {
        struct md_drift_feature h;
        memset(&h, 0, sizeof(h));
        assert_false(drift_detail_decode(b.data, cut, &h));
        assert_int_equal(h.n_cats, 0);
    }
    b.data[8] ^= 1; /* the version */
    memset(&g, 0, sizeof(g));
    assert_false(drift_detail_decode(b.data, b.len, &g));
    md_buf_release(&b);
}

/* A window evaluated again with fewer methods keeps no row of the methods dropped since. */
static void test_reevaluated_window_replaces_its_results(void **state)
{
    (void)state;
    md_store *s = open_store("reeval.db");
    struct md_drift_run r;
    run_job(s, &r);
    struct md_err err = MD_ERR_INIT;
    struct md_drift_point *pts = NULL;
    size_t n = 0;
    assert_int_equal(md_drift_store_history(s, "churn", "age", MD_DRIFT_KS, 10, &pts, &n, &err),
                     MD_OK);
    assert_int_equal(n, 2);
    free(pts);
    for (size_t i = 0; i < r.w[1].n; i++)
        r.w[1].f[i].m[MD_DRIFT_KS].present = false; /* as with `methods: [psi, w1, js, chi2]` */
    assert_int_equal(drift_store_save_run(s, "churn", &r, NULL, 0, &err), MD_OK);
    assert_int_equal(md_drift_store_history(s, "churn", "age", MD_DRIFT_KS, 10, &pts, &n, &err),
                     MD_OK);
    assert_int_equal(n, 1); /* the untouched window only */
    assert_int_equal(pts[0].start_ms, r.w[0].start_ms);
    free(pts);
    assert_int_equal(md_drift_store_history(s, "churn", "age", MD_DRIFT_PSI, 10, &pts, &n, &err),
                     MD_OK);
    assert_int_equal(n, 2);
    free(pts);
    md_drift_run_release(&r);
    md_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latest_is_the_run),
        cmocka_unit_test(test_worst),
        cmocka_unit_test(test_migration_from_v2),
        cmocka_unit_test(test_detail_blob),
        cmocka_unit_test(test_reevaluated_window_replaces_its_results),
    };
    return cmocka_run_group_tests(tests, tu_tmpdir_setup, tu_tmpdir_teardown);
}

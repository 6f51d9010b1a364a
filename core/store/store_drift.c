/*
 * store_drift.c - drift jobs in the state database (schemas v2 and v3, see
 * the migrations in core/store/store.c): frozen references, window summaries,
 * results, each window's features as the screen shows them (read back by
 * md_drift_store_latest()), and the input files already processed. The
 * BLOB formats are in core/drift/drift_blob.c.
 *
 * Drift calls are few per run (one load, one save of a whole run), so these
 * statements are prepared per call rather than kept on the handle; the
 * per-row work of a save reuses one prepared statement inside a single
 * transaction, so a run is stored completely or not at all.
 */
#include "drift/drift_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

/* ---- statements ------------------------------------------------------------------------------ */

/* The message of every SQLite failure here: what we tried, then SQLite's reason. */
static md_status db_fail(md_store *s, struct md_err *err, const char *what)
{
    return md_err_set(err, MD_ERR_DB, "cannot %s: %s", what, sqlite3_errmsg(md_store_db(s)));
}

/* Prepare on the store's connection; the caller finalises. */
static md_status prepare(md_store *s, const char *sql, sqlite3_stmt **st, const char *what,
                         struct md_err *err)
{
    if (sqlite3_prepare_v2(md_store_db(s), sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(s, err, what);
    return MD_OK;
}

/* Step to completion, reset for the next binding; SQLITE_DONE is success. */
static md_status step_done(md_store *s, sqlite3_stmt *st, const char *what, struct md_err *err)
{
    int rc = sqlite3_step(st);
    md_status ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? MD_OK : db_fail(s, err, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

/* NaN has no SQL spelling: store NULL. */
static void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

/* NULL reads back as NaN ("not applicable"). */
static double column_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Prepare a statement on one job's rows, the job (lent until it is finalised) bound as ?1. */
static md_status prepare_job(md_store *s, const char *sql, const char *job, sqlite3_stmt **st,
                             const char *what, struct md_err *err)
{
    md_status ret = prepare(s, sql, st, what, err);
    if (!ret)
        sqlite3_bind_text(*st, 1, job, -1, SQLITE_STATIC);
    return ret;
}

/* A one-off statement whose only parameter is the job name. */
static md_status exec_job(md_store *s, const char *sql, const char *job, const char *what,
                          struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    md_status ret = prepare_job(s, sql, job, &st, what, err);
    if (!ret)
        ret = step_done(s, st, what, err);
    sqlite3_finalize(st);
    return ret;
}

/* Run a kept statement keyed by one window (?1 the job, ?2 its start), reset for the next. */
static md_status exec_window(md_store *s, sqlite3_stmt *st, const char *job, int64_t start_ms,
                             const char *what, struct md_err *err)
{
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, start_ms);
    return step_done(s, st, what, err);
}

/* End a transaction begun with md_store_begin(): commit after success, else roll back. */
static md_status end_txn(md_store *s, md_status ret, struct md_err *err)
{
    if (!ret)
        return md_store_commit(s, err);
    sqlite3_exec(md_store_db(s), "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

/* Room for element n of a growable array of `size`-byte elements, doubling from `first`. */
static void *grow(void *v, size_t n, size_t *alloc, size_t size, size_t first)
{
    if (n == *alloc) {
        *alloc = *alloc ? *alloc * 2 : first;
        v = md_xrealloc(v, *alloc * size);
    }
    return v;
}

/* The status a stored name spells; n/a for NULL or a name this build does not know. */
static enum md_drift_status status_parse(const char *name)
{
    for (int k = MD_DRIFT_STATUS_NA; k <= MD_DRIFT_STATUS_DRIFT; k++)
        if (name && !strcmp(name, md_drift_status_name((enum md_drift_status)k)))
            return (enum md_drift_status)k;
    return MD_DRIFT_STATUS_NA;
}

/* ---- references ------------------------------------------------------------------------------ */

md_status drift_store_ref_load(md_store *s, const char *job, const char *source,
                               struct drift_ref *out, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof(*out));
    md_status ret = prepare_job(s,
                                "SELECT feature, source, artefact FROM drift_ref WHERE job = ?1 "
                                "ORDER BY ord",
                                job, &st, "read a frozen reference", err);
    if (ret)
        return ret;
    size_t alloc = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(st, 1), source)) {
            ret = MD_ERR_NOT_FOUND; /* frozen from another file or with other options */
            break;
        }
        out->f = grow(out->f, out->n, &alloc, sizeof(*out->f), 16);
        struct drift_ref_feature *f = &out->f[out->n];
        memset(f, 0, sizeof(*f));
        struct md_err derr = MD_ERR_INIT;
        if (drift_ref_feature_decode(sqlite3_column_blob(st, 2),
                                     (size_t)sqlite3_column_bytes(st, 2), f, &derr)) {
            md_log(MD_LOG_WARN, "drift job '%s': %s: freezing the reference again", job, derr.msg);
            ret = MD_ERR_NOT_FOUND;
            break;
        }
        f->name = md_xstrdup((const char *)sqlite3_column_text(st, 0));
        out->rows = f->rows;
        out->n++;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = db_fail(s, err, "read a frozen reference");
    if (!ret && out->n == 0)
        ret = MD_ERR_NOT_FOUND;
    sqlite3_finalize(st);
    if (ret)
        drift_ref_release(out);
    return ret;
}

md_status drift_store_ref_save(md_store *s, const char *job, const char *source,
                               const struct drift_ref *ref, struct md_err *err)
{
    md_status ret = md_store_begin(s, err);
    if (ret)
        return ret;
    /* A different reference makes earlier files worth comparing again. */
    sqlite3_stmt *st = NULL;
    ret = prepare_job(s,
                      "DELETE FROM drift_file WHERE job = ?1 AND NOT EXISTS "
                      "(SELECT 1 FROM drift_ref WHERE job = ?1 AND source = ?2)",
                      job, &st, "save a frozen reference", err);
    if (!ret) {
        sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
        ret = step_done(s, st, "save a frozen reference", err);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!ret)
        ret = exec_job(s, "DELETE FROM drift_ref WHERE job = ?1", job, "save a frozen reference",
                       err);
    if (!ret)
        ret = prepare(s,
                      "INSERT INTO drift_ref(job, feature, ord, type, prediction, n, rows, mean, "
                      "std, source, created_ms, artefact) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                      &st, "save a frozen reference", err);
    struct md_buf b;
    md_buf_init(&b, 0);
    int64_t now = md_now_ms();
    for (size_t i = 0; !ret && i < ref->n; i++) {
        const struct drift_ref_feature *f = &ref->f[i];
        md_buf_reset(&b);
        ret = drift_ref_feature_encode(f, &b);
        if (ret) {
            ret = md_err_set(err, ret, "cannot encode reference column '%s'", f->name);
            break;
        }
        sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        sqlite3_bind_text(st, 4, md_drift_type_name(f->type), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, f->prediction);
        sqlite3_bind_int64(st, 6, (int64_t)f->valid);
        sqlite3_bind_int64(st, 7, (int64_t)f->rows);
        bind_num(st, 8, f->mean);
        bind_num(st, 9, f->std);
        sqlite3_bind_text(st, 10, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, now);
        sqlite3_bind_blob64(st, 12, b.data ? b.data : "", b.len, SQLITE_STATIC);
        ret = step_done(s, st, "save a frozen reference", err);
    }
    md_buf_release(&b);
    sqlite3_finalize(st);
    return end_txn(s, ret, err);
}

/* ---- processed files ------------------------------------------------------------------------- */

void drift_file_recs_free(struct drift_file_rec *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].path);
    free(v);
}

md_status drift_store_files_load(md_store *s, const char *job, struct drift_file_rec **out,
                                 size_t *n, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    md_status ret = prepare_job(s,
                                "SELECT path, size, mtime_ns, rows, ts_min_ms, ts_max_ms "
                                "FROM drift_file WHERE job = ?1",
                                job, &st, "read processed files", err);
    if (ret)
        return ret;
    size_t alloc = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = grow(*out, *n, &alloc, sizeof(**out), 64);
        struct drift_file_rec *r = &(*out)[(*n)++];
        r->path = md_xstrdup0((const char *)sqlite3_column_text(st, 0));
        r->size = sqlite3_column_int64(st, 1);
        r->mtime_ns = sqlite3_column_int64(st, 2);
        r->rows = (uint64_t)sqlite3_column_int64(st, 3);
        r->ts_min = sqlite3_column_int64(st, 4);
        r->ts_max = sqlite3_column_int64(st, 5);
    }
    if (rc != SQLITE_DONE) {
        ret = db_fail(s, err, "read processed files");
        drift_file_recs_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    sqlite3_finalize(st);
    return ret;
}

/* ---- results --------------------------------------------------------------------------------- */

/* The statements of one save, prepared once per run. */
struct save_stmts {
    sqlite3_stmt *window;        /* drift_window */
    sqlite3_stmt *result;        /* drift_result */
    sqlite3_stmt *clear;         /* drift_feature rows of one window */
    sqlite3_stmt *clear_results; /* drift_result rows of one window */
    sqlite3_stmt *feature;       /* drift_feature */
};

/* A window's features as the screen shows them; the window's old rows go first (a feature may
 * have left the reference since). */
static md_status save_features(md_store *s, const struct save_stmts *q, const char *job,
                               const struct md_drift_window *w, int64_t now, struct md_err *err)
{
    md_status ret = exec_window(s, q->clear, job, w->start_ms, "save drift results", err);
    struct md_buf b;
    md_buf_init(&b, 0);
    for (size_t i = 0; !ret && i < w->n; i++) {
        const struct md_drift_feature *f = &w->f[i];
        md_buf_reset(&b);
        ret = drift_detail_encode(f, &b);
        if (ret) {
            ret = md_err_set(err, ret, "cannot encode the result of feature '%s'", f->name);
            break;
        }
        sqlite3_bind_text(q->feature, 1, job, -1, SQLITE_STATIC);
        sqlite3_bind_text(q->feature, 2, f->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q->feature, 3, w->start_ms);
        sqlite3_bind_text(q->feature, 4, md_drift_type_name(f->type), -1, SQLITE_STATIC);
        sqlite3_bind_int(q->feature, 5, f->prediction);
        sqlite3_bind_text(q->feature, 6, md_drift_status_name(f->status), -1, SQLITE_STATIC);
        bind_num(q->feature, 7, f->severity);
        sqlite3_bind_text(q->feature, 8, md_drift_method_name(f->primary), -1, SQLITE_STATIC);
        sqlite3_bind_blob64(q->feature, 9, b.data ? b.data : "", b.len, SQLITE_STATIC);
        sqlite3_bind_int64(q->feature, 10, now);
        ret = step_done(s, q->feature, "save drift results", err);
    }
    md_buf_release(&b);
    return ret;
}

/* One window: its summary row, one result row per feature and method, its features. */
static md_status save_window(md_store *s, const struct save_stmts *q, const char *job,
                             const struct md_drift_window *w, const struct md_drift_run *r,
                             int64_t now, struct md_err *err)
{
    sqlite3_stmt *sw = q->window, *sr = q->result;
    sqlite3_bind_text(sw, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_int64(sw, 2, w->start_ms);
    sqlite3_bind_int64(sw, 3, w->end_ms);
    sqlite3_bind_int64(sw, 4, (int64_t)w->rows_ref);
    sqlite3_bind_int64(sw, 5, (int64_t)w->rows_cur);
    sqlite3_bind_int64(sw, 6, (int64_t)w->n_tested);
    sqlite3_bind_int64(sw, 7, (int64_t)w->n_drifted);
    sqlite3_bind_int(sw, 8, w->dataset_drift);
    sqlite3_bind_int64(sw, 9, now);
    md_status ret = step_done(s, sw, "save drift results", err);
    /* A re-evaluated window replaces all its rows: a method or feature dropped since must not
     * come back from an older evaluation when the window is read again. */
    if (!ret)
        ret = exec_window(s, q->clear_results, job, w->start_ms, "save drift results", err);
    for (size_t i = 0; !ret && i < w->n; i++) {
        const struct md_drift_feature *f = &w->f[i];
        for (int m = 0; !ret && m < MD_DRIFT_METHOD_COUNT; m++) {
            const struct md_drift_metric *mt = &f->m[m];
            if (!mt->present)
                continue;
            char *opts = drift_metric_options(f, (enum md_drift_method)m, r);
            sqlite3_bind_text(sr, 1, job, -1, SQLITE_STATIC);
            sqlite3_bind_text(sr, 2, f->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(sr, 3, w->start_ms);
            sqlite3_bind_int64(sr, 4, w->end_ms);
            sqlite3_bind_text(sr, 5, md_drift_method_name((enum md_drift_method)m), -1,
                              SQLITE_STATIC);
            bind_num(sr, 6, mt->value);
            bind_num(sr, 7, mt->p_value);
            bind_num(sr, 8, mt->warn);
            bind_num(sr, 9, mt->drift);
            sqlite3_bind_text(sr, 10, md_drift_status_name(mt->status), -1, SQLITE_STATIC);
            sqlite3_bind_int(sr, 11, mt->votes);
            sqlite3_bind_int64(sr, 12, (int64_t)f->n_ref);
            sqlite3_bind_int64(sr, 13, (int64_t)f->n_cur);
            bind_num(sr, 14, f->missing_cur);
            sqlite3_bind_text(sr, 15, opts, -1, SQLITE_STATIC);
            sqlite3_bind_int64(sr, 16, now);
            ret = step_done(s, sr, "save drift results", err);
            free(opts);
        }
    }
    if (!ret)
        ret = save_features(s, q, job, w, now, err);
    return ret;
}

md_status drift_store_save_run(md_store *s, const char *job, const struct md_drift_run *r,
                               const struct drift_file_rec *files, size_t n_files,
                               struct md_err *err)
{
    struct save_stmts q = {0};
    sqlite3_stmt *sf = NULL;
    md_status ret = md_store_begin(s, err);
    if (ret)
        return ret;
    ret = prepare(s,
                  "INSERT OR REPLACE INTO drift_window(job, window_start_ms, window_end_ms, "
                  "rows_ref, rows_cur, tested, drifted, dataset_drift, computed_ms) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                  &q.window, "save drift results", err);
    if (!ret)
        ret = prepare(s,
                      "INSERT OR REPLACE INTO drift_result(job, feature, window_start_ms, "
                      "window_end_ms, method, value, p_value, threshold_warn, threshold, status, "
                      "votes, n_ref, n_cur, missing, options, computed_ms) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                      "?16)",
                      &q.result, "save drift results", err);
    if (!ret)
        ret = prepare(s, "DELETE FROM drift_feature WHERE job = ?1 AND window_start_ms = ?2",
                      &q.clear, "save drift results", err);
    if (!ret)
        ret = prepare(s, "DELETE FROM drift_result WHERE job = ?1 AND window_start_ms = ?2",
                      &q.clear_results, "save drift results", err);
    if (!ret)
        ret = prepare(s,
                      "INSERT INTO drift_feature(job, feature, window_start_ms, type, prediction, "
                      "status, severity, primary_method, detail, computed_ms) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                      &q.feature, "save drift results", err);
    if (!ret)
        ret = prepare(s,
                      "INSERT OR REPLACE INTO drift_file(job, path, size, mtime_ns, rows, "
                      "ts_min_ms, ts_max_ms, processed_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      &sf, "remember processed files", err);
    int64_t now = md_now_ms();
    for (size_t i = 0; !ret && i < r->n_windows; i++)
        ret = save_window(s, &q, job, &r->w[i], r, now, err);
    for (size_t i = 0; !ret && i < n_files; i++) {
        const struct drift_file_rec *f = &files[i];
        sqlite3_bind_text(sf, 1, job, -1, SQLITE_STATIC);
        sqlite3_bind_text(sf, 2, f->path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(sf, 3, f->size);
        sqlite3_bind_int64(sf, 4, f->mtime_ns);
        sqlite3_bind_int64(sf, 5, (int64_t)f->rows);
        sqlite3_bind_int64(sf, 6, f->ts_min);
        sqlite3_bind_int64(sf, 7, f->ts_max);
        sqlite3_bind_int64(sf, 8, now);
        ret = step_done(s, sf, "remember processed files", err);
    }
    sqlite3_finalize(q.window);
    sqlite3_finalize(q.result);
    sqlite3_finalize(q.clear);
    sqlite3_finalize(q.clear_results);
    sqlite3_finalize(q.feature);
    sqlite3_finalize(sf);
    return end_txn(s, ret, err);
}

md_status md_drift_store_history(md_store *s, const char *job, const char *feature,
                                 enum md_drift_method m, size_t max, struct md_drift_point **out,
                                 size_t *n, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    md_status ret = prepare_job(s,
                                "SELECT window_start_ms, window_end_ms, value, p_value, threshold, "
                                "status, n_cur FROM drift_result WHERE job = ?1 AND feature = ?2 "
                                "AND method = ?3 ORDER BY window_start_ms DESC LIMIT ?4",
                                job, &st, "read drift history", err);
    if (ret)
        return ret;
    sqlite3_bind_text(st, 2, feature, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, md_drift_method_name(m), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, max > (size_t)1 << 20 ? (int64_t)1 << 20 : (int64_t)max);
    size_t alloc = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = grow(*out, *n, &alloc, sizeof(**out), 32);
        struct md_drift_point *p = &(*out)[(*n)++];
        p->start_ms = sqlite3_column_int64(st, 0);
        p->end_ms = sqlite3_column_int64(st, 1);
        p->value = column_num(st, 2);
        p->p_value = column_num(st, 3);
        p->drift = column_num(st, 4);
        p->status = status_parse((const char *)sqlite3_column_text(st, 5));
        p->n_cur = (uint64_t)sqlite3_column_int64(st, 6);
    }
    if (rc != SQLITE_DONE) {
        ret = db_fail(s, err, "read drift history");
        free(*out);
        *out = NULL;
        *n = 0;
    }
    sqlite3_finalize(st);
    return ret;
}

/* ---- the newest window, rebuilt ----------------------------------------------------------- */

/* More features than a reference can have (DRIFT_MAX_FIELDS) means a damaged file. */
#define LATEST_CAP ((size_t)1 << 17)

static enum md_drift_type type_parse(const char *name)
{
    for (int k = MD_DRIFT_TYPE_UNKNOWN; k <= MD_DRIFT_CATEGORICAL; k++)
        if (name && !strcmp(name, md_drift_type_name((enum md_drift_type)k)))
            return (enum md_drift_type)k;
    return MD_DRIFT_TYPE_UNKNOWN;
}

/* A feature as the loader first meets it: name set, every number n/a. */
static struct md_drift_feature *latest_add(struct md_drift_window *w, size_t *alloc,
                                           const char *name)
{
    w->f = grow(w->f, w->n, alloc, sizeof(*w->f), 16);
    struct md_drift_feature *f = &w->f[w->n++];
    memset(f, 0, sizeof(*f));
    f->name = md_xstrdup0(name);
    f->missing_cur = f->missing_ref = NAN;
    f->mean_ref = f->std_ref = f->mean_cur = f->std_cur = NAN;
    for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++) {
        f->m[m].value = f->m[m].p_value = NAN;
        f->m[m].warn = f->m[m].drift = NAN;
        f->m[m].severity = NAN;
    }
    return f;
}

static int cmp_name(const void *key, const void *elem)
{
    return strcmp(key, ((const struct md_drift_feature *)elem)->name);
}

/*
 * The severity drift_eval.c gives a metric, for windows stored before v3 kept
 * it: the value over the threshold, or log10(p) over log10(threshold).
 */
static double severity_of(const struct md_drift_metric *mt, enum md_drift_method m)
{
    bool is_p = m == MD_DRIFT_KS || m == MD_DRIFT_CHI2;
    double x = is_p ? mt->p_value : mt->value;
    if (isnan(x))
        return 0;
    if (is_p)
        return fmin(x > 0 ? log10(x) / log10(mt->drift) : INFINITY, 1e6);
    return fmin(mt->drift > 0 ? x / mt->drift : INFINITY, 1e6);
}

/* The window row; MD_ERR_NOT_FOUND (no message) when the job has none. */
static md_status latest_window(md_store *s, const char *job, struct md_drift_window *w,
                               int64_t *computed_ms, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    md_status ret = prepare_job(s,
                                "SELECT window_start_ms, window_end_ms, rows_ref, rows_cur, "
                                "tested, drifted, dataset_drift, computed_ms FROM drift_window "
                                "WHERE job = ?1 ORDER BY window_start_ms DESC LIMIT 1",
                                job, &st, "read stored drift results", err);
    if (ret)
        return ret;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        w->start_ms = sqlite3_column_int64(st, 0);
        w->end_ms = sqlite3_column_int64(st, 1);
        w->rows_ref = (uint64_t)sqlite3_column_int64(st, 2);
        w->rows_cur = (uint64_t)sqlite3_column_int64(st, 3);
        w->n_tested = (size_t)sqlite3_column_int64(st, 4);
        w->n_drifted = (size_t)sqlite3_column_int64(st, 5);
        w->dataset_drift = sqlite3_column_int(st, 6) != 0;
        if (computed_ms)
            *computed_ms = sqlite3_column_int64(st, 7);
        w->drift_share = w->n_tested ? (double)w->n_drifted / (double)w->n_tested : NAN;
    } else {
        ret = rc == SQLITE_DONE ? MD_ERR_NOT_FOUND : db_fail(s, err, "read stored drift results");
    }
    sqlite3_finalize(st);
    return ret;
}

/*
 * Schema v3 rows: the window's features with their details, in name order;
 * (*has_detail)[i] says whether feature i's BLOB could be read.
 */
static md_status latest_features(md_store *s, const char *job, struct md_drift_window *w,
                                 size_t *alloc, bool **has_detail, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    md_status ret = prepare_job(s,
                                "SELECT feature, type, prediction, detail FROM drift_feature "
                                "WHERE job = ?1 AND window_start_ms = ?2 ORDER BY feature",
                                job, &st, "read stored drift results", err);
    if (ret)
        return ret;
    sqlite3_bind_int64(st, 2, w->start_ms);
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && w->n < LATEST_CAP) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        struct md_drift_feature *f = latest_add(w, alloc, name);
        if (*alloc > cap) {
            cap = *alloc;
            *has_detail = md_xrealloc(*has_detail, cap * sizeof(**has_detail));
        }
        f->type = type_parse((const char *)sqlite3_column_text(st, 1));
        f->prediction = sqlite3_column_int(st, 2) != 0;
        const void *blob = sqlite3_column_blob(st, 3);
        (*has_detail)[w->n - 1] = drift_detail_decode(blob, (size_t)sqlite3_column_bytes(st, 3), f);
        if (!(*has_detail)[w->n - 1])
            md_log(MD_LOG_WARN, "drift job '%s': stored result of '%s' unreadable: no histogram",
                   job, f->name);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = db_fail(s, err, "read stored drift results");
    sqlite3_finalize(st);
    return ret;
}

/* Type and prediction flag of features saved before v3, from the frozen reference. */
static md_status latest_types(md_store *s, const char *job, struct md_drift_window *w,
                              struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    md_status ret = prepare_job(s, "SELECT feature, type, prediction FROM drift_ref WHERE job = ?1",
                                job, &st, "read stored drift results", err);
    if (ret)
        return ret;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        struct md_drift_feature *f =
            name ? bsearch(name, w->f, w->n, sizeof(*w->f), cmp_name) : NULL;
        if (f) {
            f->type = type_parse((const char *)sqlite3_column_text(st, 1));
            f->prediction = sqlite3_column_int(st, 2) != 0;
        }
    }
    if (rc != SQLITE_DONE)
        ret = db_fail(s, err, "read stored drift results");
    sqlite3_finalize(st);
    return ret;
}

/*
 * The metrics of the window from drift_result, by feature name. With v3
 * rows the feature list is fixed (rows of features no longer evaluated are
 * ignored); without, features are created in name order as they come.
 */
static md_status latest_metrics(md_store *s, const char *job, struct md_drift_window *w,
                                size_t *alloc, bool fixed, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    md_status ret = prepare_job(s,
                                "SELECT feature, method, value, p_value, threshold_warn, "
                                "threshold, status, votes, n_ref, n_cur, missing FROM drift_result "
                                "WHERE job = ?1 AND window_start_ms = ?2 ORDER BY feature",
                                job, &st, "read stored drift results", err);
    if (ret)
        return ret;
    sqlite3_bind_int64(st, 2, w->start_ms);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        enum md_drift_method m;
        if (!name || md_drift_method_parse((const char *)sqlite3_column_text(st, 1), &m))
            continue; /* a method this build does not know */
        struct md_drift_feature *f = NULL;
        if (fixed)
            f = bsearch(name, w->f, w->n, sizeof(*w->f), cmp_name);
        else if (w->n && !strcmp(w->f[w->n - 1].name, name))
            f = &w->f[w->n - 1];
        else if (w->n < LATEST_CAP)
            f = latest_add(w, alloc, name);
        if (!f)
            continue;
        struct md_drift_metric *mt = &f->m[m];
        mt->present = true;
        mt->value = column_num(st, 2);
        mt->p_value = column_num(st, 3);
        mt->warn = column_num(st, 4);
        mt->drift = column_num(st, 5);
        mt->status = status_parse((const char *)sqlite3_column_text(st, 6));
        mt->votes = sqlite3_column_int(st, 7) != 0;
        f->n_ref = (uint64_t)sqlite3_column_int64(st, 8);
        f->n_cur = (uint64_t)sqlite3_column_int64(st, 9);
        f->missing_cur = column_num(st, 10);
    }
    if (rc != SQLITE_DONE)
        ret = db_fail(s, err, "read stored drift results");
    sqlite3_finalize(st);
    return ret;
}

/* Each feature's status, severity and primary metric by drift_eval.c's rule, then its order. */
static void latest_finish(struct md_drift_window *w, const bool *has_detail)
{
    for (size_t i = 0; i < w->n; i++) {
        struct md_drift_feature *f = &w->f[i];
        bool known = has_detail && has_detail[i];
        if (f->type == MD_DRIFT_TYPE_UNKNOWN) /* no reference row: the methods tell */
            f->type = f->m[MD_DRIFT_CHI2].present  ? MD_DRIFT_CATEGORICAL
                      : f->m[MD_DRIFT_PSI].present ? MD_DRIFT_NUMERIC
                                                   : MD_DRIFT_TYPE_UNKNOWN;
        if (!known)
            f->rows_cur = w->rows_cur;
        f->status = MD_DRIFT_STATUS_NA;
        f->severity = 0;
        f->primary = MD_DRIFT_PSI;
        double best = -1;
        for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++) {
            struct md_drift_metric *mt = &f->m[m];
            if (!mt->present)
                continue;
            if (!known || isnan(mt->severity))
                mt->severity = severity_of(mt, (enum md_drift_method)m);
            if (!mt->votes || mt->status == MD_DRIFT_STATUS_NA)
                continue;
            if (mt->status > f->status || (mt->status == f->status && mt->severity > best)) {
                f->status = mt->status;
                f->primary = (enum md_drift_method)m;
                best = mt->severity;
            }
            f->severity = fmax(f->severity, mt->severity);
        }
        if (f->status == MD_DRIFT_STATUS_NA) /* nothing voted: show the first present metric */
            for (int m = MD_DRIFT_METHOD_COUNT; m-- > 0;)
                if (f->m[m].present)
                    f->primary = (enum md_drift_method)m;
    }
    qsort(w->f, w->n, sizeof(*w->f), drift_feature_order); /* as the run read them */
}

md_status md_drift_store_latest(md_store *s, const char *job, struct md_drift_window *out,
                                int64_t *computed_ms, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    out->drift_share = NAN;
    if (computed_ms)
        *computed_ms = 0;
    md_status ret = latest_window(s, job, out, computed_ms, err);
    if (ret)
        return ret;
    size_t alloc = 0;
    bool *has_detail = NULL;
    /* The feature rows, then their metrics; v2 windows have metrics only. */
    ret = latest_features(s, job, out, &alloc, &has_detail, err);
    bool v3 = out->n > 0;
    if (!ret)
        ret = latest_metrics(s, job, out, &alloc, v3, err);
    if (!ret && !v3)
        ret = latest_types(s, job, out, err);
    if (!ret)
        latest_finish(out, has_detail);
    free(has_detail);
    if (ret)
        md_drift_window_release(out);
    return ret;
}

void md_drift_window_release(struct md_drift_window *w)
{
    if (w)
        drift_window_release(w);
}

md_status md_drift_store_worst(md_store *s, const char *job, struct md_drift_worst *out,
                               struct md_err *err)
{
    struct md_drift_window w;
    int64_t computed = 0;
    memset(out, 0, sizeof(*out));
    out->value = out->p_value = out->threshold = out->severity = NAN;
    md_status ret = md_drift_store_latest(s, job, &w, &computed, err);
    if (ret)
        return ret;
    const struct md_drift_feature *best = NULL;
    for (size_t i = 0; i < w.n; i++) {
        const struct md_drift_feature *f = &w.f[i];
        if (f->status == MD_DRIFT_STATUS_NA)
            continue;
        /* The window pins the prediction first; on a tie an input feature says more. */
        if (!best || f->status > best->status ||
            (f->status == best->status &&
             (f->severity > best->severity ||
              (f->severity == best->severity && best->prediction && !f->prediction))))
            best = f;
    }
    out->start_ms = w.start_ms;
    out->end_ms = w.end_ms;
    out->computed_ms = computed;
    out->n_tested = w.n_tested;
    out->n_drifted = w.n_drifted;
    out->status = MD_DRIFT_STATUS_NA;
    if (best) {
        const struct md_drift_metric *m = &best->m[best->primary];
        snprintf(out->feature, sizeof(out->feature), "%s", best->name);
        out->prediction = best->prediction;
        out->method = best->primary;
        out->status = best->status;
        out->value = m->value;
        out->p_value = m->p_value;
        out->threshold = m->drift;
        out->severity = best->severity;
    }
    md_drift_window_release(&w);
    return MD_OK;
}

md_status md_drift_store_forget(md_store *s, const char *job, struct md_err *err)
{
    static const char *const sql[] = {
        "DELETE FROM drift_ref WHERE job = ?1", "DELETE FROM drift_window WHERE job = ?1",
        "DELETE FROM drift_result WHERE job = ?1", "DELETE FROM drift_feature WHERE job = ?1",
        "DELETE FROM drift_file WHERE job = ?1"};
    md_status ret = md_store_begin(s, err);
    for (size_t i = 0; !ret && i < MD_ARRAY_LEN(sql); i++)
        ret = exec_job(s, sql[i], job, "forget a drift job", err);
    return end_txn(s, ret, err);
}

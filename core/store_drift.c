/*
 * store_drift.c - drift jobs in the state database (schema v2, see the
 * migration in core/store.c): frozen references, window summaries, results
 * and the input files already processed, plus the BLOB format of a frozen
 * feature.
 *
 * Drift calls are few per run (one load, one save of a whole run), so these
 * statements are prepared per call rather than kept on the handle; the
 * per-row work of a save reuses one prepared statement inside a single
 * transaction, so a run is stored completely or not at all.
 */
#include "drift_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

/* ---- the artefact BLOB ----------------------------------------------------------------------- */

/* "MDRF", a byte-order probe and a version: a BLOB from another layout is refused, not misread. */
#define BLOB_MAGIC 0x4652444du
#define BLOB_ORDER 0x01020304u
#define BLOB_VERSION 1u

/* Raw bytes into the BLOB under construction. */
static md_status put(struct md_buf *b, const void *p, size_t n)
{
    return md_buf_add(b, p, n);
}

md_status drift_ref_feature_encode(const struct drift_ref_feature *f, struct md_buf *out)
{
    uint32_t head[6] = {BLOB_MAGIC, BLOB_ORDER, BLOB_VERSION, (uint32_t)f->type,
                        (uint32_t)f->prediction, (uint32_t)f->n_edges};
    uint64_t counts[4] = {f->rows, f->valid, (uint64_t)f->nv, (uint64_t)(f->w != NULL)};
    double moments[5] = {f->mean, f->std, f->min, f->max, f->rank_err};
    md_status st = put(out, head, sizeof(head));
    if (!st)
        st = put(out, counts, sizeof(counts));
    if (!st)
        st = put(out, moments, sizeof(moments));
    if (!st)
        st = put(out, f->edges, f->n_edges * sizeof(double));
    if (!st)
        st = put(out, f->bins, (f->n_edges + 1) * sizeof(uint64_t));
    if (!st && f->nv)
        st = put(out, f->v, f->nv * sizeof(double));
    if (!st && f->nv && f->w)
        st = put(out, f->w, f->nv * sizeof(double));
    uint64_t cats[2] = {(uint64_t)f->n_cats, f->cat_other};
    if (!st)
        st = put(out, cats, sizeof(cats));
    for (size_t i = 0; !st && i < f->n_cats; i++) {
        uint32_t len = (uint32_t)strlen(f->cats[i]);
        st = put(out, &len, sizeof(len));
        if (!st)
            st = put(out, f->cats[i], len);
        if (!st)
            st = put(out, &f->cat_counts[i], sizeof(uint64_t));
    }
    return st;
}

/* A bounds-checked cursor: every read fails once the BLOB is exhausted. */
struct cur {
    const unsigned char *p;
    size_t left;
    bool bad;
};

/* Copy n bytes out, or mark the cursor bad: a short BLOB never reads past its end. */
static bool take(struct cur *c, void *dst, size_t n)
{
    if (c->bad || n > c->left) {
        c->bad = true;
        return false;
    }
    if (n)
        memcpy(dst, c->p, n);
    c->p += n;
    c->left -= n;
    return true;
}

md_status drift_ref_feature_decode(const void *p, size_t n, struct drift_ref_feature *f,
                                   struct md_err *err)
{
    struct cur c = {p, n, false};
    uint32_t head[6];
    uint64_t counts[4];
    double moments[5];
    take(&c, head, sizeof(head));
    take(&c, counts, sizeof(counts));
    take(&c, moments, sizeof(moments));
    if (c.bad || head[0] != BLOB_MAGIC || head[1] != BLOB_ORDER || head[2] != BLOB_VERSION ||
        head[3] > MD_DRIFT_CATEGORICAL || head[5] > MD_DRIFT_MAX_EDGES ||
        counts[2] > n / sizeof(double))
        return md_err_set(err, MD_ERR_DB, "frozen reference: unreadable artefact");
    f->type = (enum md_drift_type)head[3];
    f->prediction = head[4] != 0;
    f->n_edges = head[5];
    f->rows = counts[0];
    f->valid = counts[1];
    f->nv = (size_t)counts[2];
    f->mean = moments[0];
    f->std = moments[1];
    f->min = moments[2];
    f->max = moments[3];
    f->rank_err = moments[4];
    take(&c, f->edges, f->n_edges * sizeof(double));
    take(&c, f->bins, (f->n_edges + 1) * sizeof(uint64_t));
    f->v = md_xmalloc((f->nv ? f->nv : 1) * sizeof(double));
    take(&c, f->v, f->nv * sizeof(double));
    if (counts[3]) {
        f->w = md_xmalloc((f->nv ? f->nv : 1) * sizeof(double));
        take(&c, f->w, f->nv * sizeof(double));
    }
    uint64_t cats[2] = {0, 0};
    take(&c, cats, sizeof(cats));
    if (cats[0] > c.left / 12) /* each category costs at least 12 bytes */
        c.bad = true;
    f->cat_other = cats[1];
    if (!c.bad) {
        f->cats = md_xcalloc(cats[0] ? cats[0] : 1, sizeof(*f->cats));
        f->cat_counts = md_xcalloc(cats[0] ? cats[0] : 1, sizeof(*f->cat_counts));
    }
    for (uint64_t i = 0; !c.bad && i < cats[0]; i++) {
        uint32_t len = 0;
        if (!take(&c, &len, sizeof(len)) || len > c.left)
            break;
        char *s = md_xmalloc((size_t)len + 1);
        take(&c, s, len);
        s[len] = '\0';
        f->cats[f->n_cats] = s;
        take(&c, &f->cat_counts[f->n_cats++], sizeof(uint64_t));
    }
    if (c.bad || c.left) {
        drift_ref_feature_release(f);
        return md_err_set(err, MD_ERR_DB, "frozen reference: unreadable artefact");
    }
    return MD_OK;
}

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

/* A one-off statement whose only parameter is the job name. */
static md_status exec_job(md_store *s, const char *sql, const char *job, const char *what,
                          struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    md_status ret = prepare(s, sql, &st, what, err);
    if (!ret) {
        sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
        ret = step_done(s, st, what, err);
    }
    sqlite3_finalize(st);
    return ret;
}

/* ---- references ------------------------------------------------------------------------------ */

md_status drift_store_ref_load(md_store *s, const char *job, const char *source,
                               struct drift_ref *out, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof(*out));
    md_status ret = prepare(s,
                            "SELECT feature, source, artefact FROM drift_ref WHERE job = ?1 "
                            "ORDER BY ord",
                            &st, "read a frozen reference", err);
    if (ret)
        return ret;
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    size_t alloc = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(st, 1), source)) {
            ret = MD_ERR_NOT_FOUND; /* frozen from another file or with other options */
            break;
        }
        if (out->n == alloc) {
            alloc = alloc ? alloc * 2 : 16;
            out->f = md_xrealloc(out->f, alloc * sizeof(*out->f));
        }
        struct drift_ref_feature *f = &out->f[out->n];
        memset(f, 0, sizeof(*f));
        struct md_err derr = MD_ERR_INIT;
        if (drift_ref_feature_decode(sqlite3_column_blob(st, 2),
                                     (size_t)sqlite3_column_bytes(st, 2), f, &derr)) {
            md_log(MD_LOG_WARN, "drift job '%s': %s: freezing the reference again", job,
                   derr.msg);
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
    ret = prepare(s,
                  "DELETE FROM drift_file WHERE job = ?1 AND NOT EXISTS "
                  "(SELECT 1 FROM drift_ref WHERE job = ?1 AND source = ?2)",
                  &st, "save a frozen reference", err);
    if (!ret) {
        sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
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
    if (!ret)
        return md_store_commit(s, err);
    sqlite3_exec(md_store_db(s), "ROLLBACK", NULL, NULL, NULL);
    return ret;
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
    md_status ret = prepare(s,
                            "SELECT path, size, mtime_ns, rows, ts_min_ms, ts_max_ms "
                            "FROM drift_file WHERE job = ?1",
                            &st, "read processed files", err);
    if (ret)
        return ret;
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    size_t alloc = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            *out = md_xrealloc(*out, alloc * sizeof(**out));
        }
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

/* One window: its summary row, then one result row per feature and method. */
static md_status save_window(md_store *s, sqlite3_stmt *sw, sqlite3_stmt *sr, const char *job,
                             const struct md_drift_window *w, const struct md_drift_run *r,
                             int64_t now, struct md_err *err)
{
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
    return ret;
}

md_status drift_store_save_run(md_store *s, const char *job, const struct md_drift_run *r,
                               const struct drift_file_rec *files, size_t n_files,
                               struct md_err *err)
{
    sqlite3_stmt *sw = NULL, *sr = NULL, *sf = NULL;
    md_status ret = md_store_begin(s, err);
    if (ret)
        return ret;
    ret = prepare(s,
                  "INSERT OR REPLACE INTO drift_window(job, window_start_ms, window_end_ms, "
                  "rows_ref, rows_cur, tested, drifted, dataset_drift, computed_ms) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                  &sw, "save drift results", err);
    if (!ret)
        ret = prepare(s,
                      "INSERT OR REPLACE INTO drift_result(job, feature, window_start_ms, "
                      "window_end_ms, method, value, p_value, threshold_warn, threshold, status, "
                      "votes, n_ref, n_cur, missing, options, computed_ms) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                      "?16)",
                      &sr, "save drift results", err);
    if (!ret)
        ret = prepare(s,
                      "INSERT OR REPLACE INTO drift_file(job, path, size, mtime_ns, rows, "
                      "ts_min_ms, ts_max_ms, processed_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      &sf, "remember processed files", err);
    int64_t now = md_now_ms();
    for (size_t i = 0; !ret && i < r->n_windows; i++)
        ret = save_window(s, sw, sr, job, &r->w[i], r, now, err);
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
    sqlite3_finalize(sw);
    sqlite3_finalize(sr);
    sqlite3_finalize(sf);
    if (!ret)
        return md_store_commit(s, err);
    sqlite3_exec(md_store_db(s), "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

md_status md_drift_store_history(md_store *s, const char *job, const char *feature,
                                 enum md_drift_method m, size_t max, struct md_drift_point **out,
                                 size_t *n, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    md_status ret = prepare(s,
                            "SELECT window_start_ms, window_end_ms, value, p_value, threshold, "
                            "status, n_cur FROM drift_result WHERE job = ?1 AND feature = ?2 "
                            "AND method = ?3 ORDER BY window_start_ms DESC LIMIT ?4",
                            &st, "read drift history", err);
    if (ret)
        return ret;
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, feature, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, md_drift_method_name(m), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, max > (size_t)1 << 20 ? (int64_t)1 << 20 : (int64_t)max);
    size_t alloc = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == alloc) {
            alloc = alloc ? alloc * 2 : 32;
            *out = md_xrealloc(*out, alloc * sizeof(**out));
        }
        struct md_drift_point *p = &(*out)[(*n)++];
        p->start_ms = sqlite3_column_int64(st, 0);
        p->end_ms = sqlite3_column_int64(st, 1);
        p->value = column_num(st, 2);
        p->p_value = column_num(st, 3);
        p->drift = column_num(st, 4);
        const char *status = (const char *)sqlite3_column_text(st, 5);
        p->status = MD_DRIFT_STATUS_NA;
        for (int k = MD_DRIFT_STATUS_NA; k <= MD_DRIFT_STATUS_DRIFT; k++) {
            if (status && !strcmp(status, md_drift_status_name((enum md_drift_status)k)))
                p->status = (enum md_drift_status)k;
        }
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

md_status md_drift_store_forget(md_store *s, const char *job, struct md_err *err)
{
    static const char *const sql[] = {
        "DELETE FROM drift_ref WHERE job = ?1", "DELETE FROM drift_window WHERE job = ?1",
        "DELETE FROM drift_result WHERE job = ?1", "DELETE FROM drift_file WHERE job = ?1"};
    md_status ret = md_store_begin(s, err);
    for (size_t i = 0; !ret && i < MD_ARRAY_LEN(sql); i++)
        ret = exec_job(s, sql[i], job, "forget a drift job", err);
    if (!ret)
        return md_store_commit(s, err);
    sqlite3_exec(md_store_db(s), "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

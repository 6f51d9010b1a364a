/*
 * store_changes.c - the platforms' own history of who changed a serving
 * target, kept in the state file (schema v4, table change_event): see
 * include/mldeck/store.h.
 *
 * CloudTrail and the Activity Log answer from a time on, and a refresh asks
 * from the newest event kept, so the same events come back again: the
 * platform's event id is the key and a repeat is ignored, never a second row.
 * The statements are prepared per call: history is read a few times per
 * refresh, not per frame.
 */
#include "mldeck/store.h"

#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* A list never returns more than this: one endpoint's changes over months. */
#define CHANGES_LIST_CAP 10000
/* Alarm state changes: on the timeline, never who changed a target (store.h). */
#define ALARM_SOURCE "alarm"

static md_status db_fail(md_store *s, struct md_err *err, const char *what)
{
    return md_err_set(err, MD_ERR_DB, "cannot %s in state '%s': %s", what, md_store_path(s),
                      sqlite3_errmsg(md_store_db(s)));
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

md_status md_store_changes_put(md_store *s, const char *backend, const struct md_change *v,
                               size_t n, struct md_err *err)
{
    if (md_store_read_only(s) || n == 0)
        return MD_OK; /* a cache of what the platform keeps: a read-only file does not keep it */
    sqlite3 *db = md_store_db(s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO change_event(backend, id, target, operation, "
                           "actor, actor_kind, at_ms, detail, status, error, source) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "keep platform history");
    md_status ret = MD_OK;
    bool txn = sqlite3_get_autocommit(db) != 0;
    if (txn && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        ret = db_fail(s, err, "keep platform history");
    for (size_t i = 0; i < n && !ret; i++) {
        const struct md_change *c = &v[i];
        char id[512];
        /* no id (never seen from either platform, but the key must not collide) */
        if (c->id && c->id[0])
            snprintf(id, sizeof(id), "%s", c->id);
        else
            snprintf(id, sizeof(id), "%s|%lld|%s", c->target ? c->target : "", (long long)c->at_ms,
                     c->operation ? c->operation : "");
        bind_text(st, 1, backend);
        bind_text(st, 2, id);
        bind_text(st, 3, c->target);
        bind_text(st, 4, c->operation);
        bind_text(st, 5, c->actor);
        bind_text(st, 6, c->actor_kind);
        sqlite3_bind_int64(st, 7, c->at_ms);
        bind_text(st, 8, c->detail);
        bind_text(st, 9, c->status);
        bind_text(st, 10, c->error);
        bind_text(st, 11, c->source);
        if (sqlite3_step(st) != SQLITE_DONE)
            ret = db_fail(s, err, "keep platform history");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    sqlite3_finalize(st);
    if (txn && !ret && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        ret = db_fail(s, err, "keep platform history");
    if (txn && ret && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

md_status md_store_changes_newest(md_store *s, const char *backend, const char *target,
                                  int64_t *at_ms, struct md_err *err)
{
    *at_ms = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(md_store_db(s),
                           "SELECT max(at_ms) FROM change_event WHERE backend = ?1 AND target = ?2"
                           " AND source <> '" ALARM_SOURCE "'",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "read platform history");
    bind_text(st, 1, backend);
    bind_text(st, 2, target);
    md_status ret = MD_OK;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *at_ms = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        ret = db_fail(s, err, "read platform history");
    sqlite3_finalize(st);
    return ret;
}

md_status md_store_changes_newest_source(md_store *s, const char *backend, const char *source,
                                         int64_t *at_ms, struct md_err *err)
{
    *at_ms = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(md_store_db(s),
                           "SELECT max(at_ms) FROM change_event WHERE backend = ?1 AND source = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "read platform history");
    bind_text(st, 1, backend);
    bind_text(st, 2, source);
    md_status ret = MD_OK;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *at_ms = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        ret = db_fail(s, err, "read platform history");
    sqlite3_finalize(st);
    return ret;
}

static char *col(sqlite3_stmt *st, int i)
{
    return md_xstrdup0((const char *)sqlite3_column_text(st, i));
}

md_status md_store_changes_list(md_store *s, const char *backend, const char *target, size_t max,
                                struct md_change_list *out, struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(md_store_db(s),
                           "SELECT id, target, operation, actor, actor_kind, at_ms, detail, "
                           "status, error, source FROM change_event "
                           "WHERE backend = ?1 AND target = ?2 AND source <> '" ALARM_SOURCE "' "
                           "ORDER BY at_ms DESC, id DESC "
                           "LIMIT ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "read platform history");
    bind_text(st, 1, backend);
    bind_text(st, 2, target);
    sqlite3_bind_int64(st, 3, (int64_t)(max < CHANGES_LIST_CAP ? max : CHANGES_LIST_CAP));
    md_status ret = MD_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct md_change *c = md_change_list_push(out);
        c->id = col(st, 0);
        c->target = col(st, 1);
        c->operation = col(st, 2);
        c->actor = col(st, 3);
        c->actor_kind = col(st, 4);
        c->at_ms = sqlite3_column_int64(st, 5);
        c->detail = col(st, 6);
        c->status = col(st, 7);
        c->error = col(st, 8);
        c->source = col(st, 9);
    }
    if (rc != SQLITE_DONE)
        ret = db_fail(s, err, "read platform history");
    sqlite3_finalize(st);
    return ret;
}

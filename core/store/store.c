/*
 * store.c - the local state in one SQLite file; see include/mldeck/store.h.
 *
 * The schema is versioned with PRAGMA user_version; the migrations are in
 * store_schema.c. Each runs in its own transaction together with the version
 * bump, so a crash in the middle of one leaves the previous version intact and
 * the next open simply tries again.
 *
 * Every statement used after open is prepared once (stmt_sql[], indexed by
 * enum store_stmt) and finalised in md_store_free(). Each use binds, steps and
 * then resets and clears its statement, so no statement holds a read
 * transaction or borrowed caller memory between calls.
 */
#include "mldeck/store.h"

#include "store_int.h"
#include "mldeck/redact.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* A list call never returns more rows than this (histories, audit log). */
#define STORE_LIST_CAP ((size_t)1 << 20)

enum store_stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SNAP_PUT,
    ST_SNAP_GET,
    ST_HIST_TOUCH,
    ST_HIST_OBSERVE,
    ST_HIST_PREVIOUS,
    ST_HIST_LIST,
    ST_AUDIT_APPEND,
    ST_AUDIT_LIST,
    ST_AUDIT_UNSETTLED,
    ST_PREF_SET,
    ST_PREF_GET,
    ST_COUNT
};

#define AUDIT_COLS                                                                                 \
    "id, ts_ms, who, action, backend, target, \"before\", \"after\", phase, outcome, message, "    \
    "ref_id"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SNAP_PUT] = "INSERT OR REPLACE INTO snapshot(backend, key, body, fetched_ms) "
                    "VALUES(?1, ?2, ?3, ?4)",
    [ST_SNAP_GET] = "SELECT body, fetched_ms FROM snapshot WHERE backend = ?1 AND key = ?2",
    /* The same value seen again: only the newest row's last sighting moves. */
    [ST_HIST_TOUCH] = "UPDATE history SET last_ms = ?4 WHERE id = "
                      "(SELECT id FROM history WHERE backend = ?1 AND target = ?2 "
                      " ORDER BY id DESC LIMIT 1) AND value IS ?3 AND last_ms < ?4",
    /* One statement, so the compare-and-insert cannot interleave with another writer. */
    [ST_HIST_OBSERVE] = "INSERT INTO history(backend, target, value, seen_ms, last_ms) "
                        "SELECT ?1, ?2, ?3, ?4, ?4 WHERE ?3 IS NOT "
                        "(SELECT value FROM history WHERE backend = ?1 AND target = ?2 "
                        " ORDER BY id DESC LIMIT 1)",
    /* Walk back from the newest row to the first one whose value differs. */
    [ST_HIST_PREVIOUS] = "WITH latest AS (SELECT id, value FROM history "
                         "  WHERE backend = ?1 AND target = ?2 ORDER BY id DESC LIMIT 1) "
                         "SELECT h.value FROM history h, latest "
                         "WHERE h.backend = ?1 AND h.target = ?2 AND h.id < latest.id "
                         "  AND h.value IS NOT latest.value "
                         "ORDER BY h.id DESC LIMIT 1",
    [ST_HIST_LIST] =
        "SELECT seen_ms, value, last_ms FROM history WHERE backend = ?1 AND target = ?2 "
        "ORDER BY id DESC LIMIT ?3",
    [ST_AUDIT_APPEND] = "INSERT INTO audit(ts_ms, who, action, backend, target, \"before\", "
                        "\"after\", phase, outcome, message, ref_id) "
                        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_AUDIT_LIST] = "SELECT " AUDIT_COLS " FROM audit ORDER BY id DESC LIMIT ?1",
    [ST_AUDIT_UNSETTLED] = "SELECT " AUDIT_COLS " FROM audit a WHERE a.phase = 'started' "
                           "AND NOT EXISTS (SELECT 1 FROM audit f WHERE f.ref_id = a.id "
                           "AND f.phase = 'finished') "
                           "ORDER BY a.id DESC LIMIT ?1",
    [ST_PREF_SET] = "INSERT OR REPLACE INTO pref(key, value) VALUES(?1, ?2)",
    [ST_PREF_GET] = "SELECT value FROM pref WHERE key = ?1",
};

struct md_store {
    sqlite3 *db;
    char *path;
    int version;
    bool read_only; /* the file or its directory cannot be written: opened SQLITE_OPEN_READONLY */
    bool corrupt;   /* an error so far was SQLite's "malformed" or "not a database" */
    sqlite3_stmt *st[ST_COUNT];
};

/* The one shape of every SQLite failure message; call before any reset/rollback. */
/*
 * A damaged file says so, with the way out: SQLite's word alone ("file is not a database")
 * reads like a bug of ours, and recreating the file silently would lose the audit log.
 */
static md_status store_fail(md_store *s, struct md_err *err, const char *what)
{
    int rc = sqlite3_errcode(s->db) & 0xff;
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) {
        s->corrupt = true;
        return md_err_set(err, MD_ERR_DB,
                          "state file '%s' is corrupt (%s): cannot %s; run with --state-recover "
                          "to move it aside to '%s.corrupt-<time>' and start fresh",
                          s->path, sqlite3_errmsg(s->db), what, s->path);
    }
    if (rc == SQLITE_READONLY)
        return md_err_set(err, MD_ERR_DB, "state file '%s' is read-only: cannot %s", s->path, what);
    return md_err_set(err, MD_ERR_DB, "cannot %s in state '%s': %s", what, s->path,
                      sqlite3_errmsg(s->db));
}

/* What every write says on a store opened read-only, before SQLite is asked. */
static md_status store_refuse_write(md_store *s, struct md_err *err)
{
    return md_err_set(err, MD_ERR_READ_ONLY, "state file '%s' is read-only: mutations refused",
                      s->path);
}

/* Return a statement to its idle state; clearing also drops borrowed pointers. */
static void stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Caller strings are borrowed (SQLITE_STATIC): stmt_done() clears them before we return. */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
    return md_xstrdup0((const char *)sqlite3_column_text(st, i));
}

/* Run a statement that returns no rows we care about. */
static md_status store_step_done(md_store *s, enum store_stmt id, const char *what,
                                 struct md_err *err)
{
    sqlite3_stmt *st = s->st[id];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    md_status ret = MD_OK;
    if (rc != SQLITE_DONE)
        ret = store_fail(s, err, what);
    stmt_done(st);
    return ret;
}

/* Step a bound statement giving at most one row; copy its first column into *value. */
static md_status store_get_text(md_store *s, enum store_stmt id, char **value, const char *what,
                                struct md_err *err)
{
    sqlite3_stmt *st = s->st[id];
    md_status ret = MD_OK;
    int rc = sqlite3_step(st);
    *value = NULL;
    if (rc == SQLITE_ROW)
        *value = column_dup(st, 0);
    else if (rc == SQLITE_DONE)
        ret = MD_ERR_NOT_FOUND;
    else
        ret = store_fail(s, err, what);
    stmt_done(st);
    return ret;
}

typedef void (*store_row_fn)(sqlite3_stmt *st, void *elem);

/*
 * Collect the rows of a bound statement into a malloc'd array of `size`-byte
 * elements filled by `row`. On error *n still counts the filled elements so
 * the caller can free them with its own type's free function.
 */
static md_status store_rows(md_store *s, sqlite3_stmt *st, size_t size, store_row_fn row,
                            void **out, size_t *n, const char *what, struct md_err *err)
{
    char *v = NULL;
    size_t count = 0;
    size_t alloc = 0;
    md_status ret = MD_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == STORE_LIST_CAP) {
            ret = md_err_set(err, MD_ERR_TOO_BIG, "cannot %s in state '%s': more than %zu rows",
                             what, s->path, STORE_LIST_CAP);
            break;
        }
        if (count == alloc) {
            alloc = alloc ? alloc * 2 : 16;
            v = md_xrealloc(v, alloc * size);
        }
        row(st, v + count * size);
        count++;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = store_fail(s, err, what);
    stmt_done(st);
    *out = v;
    *n = count;
    return ret;
}

/* A one-off statement returning one integer (PRAGMAs at open). */
static md_status store_query_int(md_store *s, const char *sql, const char *what, int *out,
                                 struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, err, what);
    int rc = sqlite3_step(st);
    md_status ret = MD_OK;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    else
        ret = store_fail(s, err, what);
    sqlite3_finalize(st);
    return ret;
}

static md_status store_exec(md_store *s, const char *sql, const char *what, struct md_err *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, err, what);
    return MD_OK;
}

static md_status store_refuse_newer(md_store *s, int version, struct md_err *err)
{
    return md_err_set(err, MD_ERR_DB,
                      "state '%s' has schema version %d, newer than this mldeck (%d)", s->path,
                      version, md_store_target_version());
}

/* sqlite3_exec() callback keeping the first column of the last row (PRAGMA replies). */
static int store_keep_first(void *ud, int ncol, char **vals, char **names)
{
    (void)names;
    snprintf(ud, 16, "%s", ncol > 0 && vals[0] ? vals[0] : "");
    return 0;
}

/* Connection settings; WAL is persistent in the file, the others per connection. */
static md_status store_configure(md_store *s, bool memory, struct md_err *err)
{
    char mode[16] = "";
    if (!memory) {
        if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", store_keep_first, mode, NULL))
            return store_fail(s, err, "set the journal mode");
        /* Some file systems cannot do WAL; rollback journaling is still safe. */
        if (strcmp(mode, "wal") != 0)
            md_log(MD_LOG_WARN, "state '%s': journal mode is '%s', not wal", s->path, mode);
    }
    /* FULL: in WAL mode NORMAL may lose the last commits on power loss, and the audit
     * "started" row must be on disk before the write request leaves. */
    return store_exec(s, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
                      "configure the connection", err);
}

/*
 * Bring the schema to the target version, one transaction per step. The
 * version is re-read inside each write transaction so two mldeck processes
 * opening an old file at once do not both apply the same step. A current
 * file takes no write lock at all, so opening never waits on another
 * process's batch.
 */
static md_status store_migrate(md_store *s, int version, struct md_err *err)
{
    int target = md_store_target_version();
    if (version == target) {
        s->version = version;
        return MD_OK;
    }
    for (;;) {
        int cur = 0;
        md_status st = store_exec(s, "BEGIN IMMEDIATE", "start a migration", err);
        if (st)
            return st;
        st = store_query_int(s, "PRAGMA user_version", "read the schema version", &cur, err);
        if (!st && cur > target)
            st = store_refuse_newer(s, cur, err);
        if (!st && cur == target) {
            s->version = cur;
            return store_exec(s, "COMMIT", "finish opening", err);
        }
        if (!st) {
            char what[64];
            snprintf(what, sizeof(what), "migrate to schema version %d", cur + 1);
            st = store_exec(s, md_store_migration_sql(cur), what, err);
            if (!st) {
                char bump[48];
                snprintf(bump, sizeof(bump), "PRAGMA user_version=%d", cur + 1);
                st = store_exec(s, bump, what, err);
            }
            if (!st)
                st = store_exec(s, "COMMIT", what, err);
            if (!st) {
                md_log(MD_LOG_INFO, "state '%s': migrated to schema version %d", s->path, cur + 1);
                continue;
            }
        }
        /* The error is recorded already; undo whatever part of the step ran. */
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
}

static md_status store_prepare_all(md_store *s, struct md_err *err)
{
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK)
            return store_fail(s, err, "prepare statements");
    }
    return MD_OK;
}

/*
 * A WAL file in a directory we cannot write has no -shm to share, and SQLite will not
 * read it without one unless told the file is immutable. That is only true enough with
 * no -wal beside it: then no writer has anything pending, and none can start here
 * without write access to the directory. True when the connection was replaced.
 */
static bool store_reopen_immutable(md_store *s)
{
    int rc = sqlite3_extended_errcode(s->db);
    if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN)
        return false;
    if (md_store_file_beside(s->path, "-wal"))
        return false;
    char *uri = md_store_file_immutable_uri(s->path);
    sqlite3 *db = NULL;
    rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                         NULL);
    free(uri);
    if (!db)
        md_die_oom();
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    sqlite3_close(s->db);
    s->db = db;
    sqlite3_extended_result_codes(s->db, 1);
    md_log(MD_LOG_INFO, "state '%s': read without locking (directory not writable, no -wal)",
           s->path);
    return true;
}

static md_status store_open(md_store **out, const char *path, bool *corrupt, struct md_err *err)
{
    *out = NULL;
    *corrupt = false;
    if (!path || !*path)
        return md_err_set(err, MD_ERR_IO, "cannot open state '': empty path");
    bool memory = strcmp(path, ":memory:") == 0;
    md_status st;
    if (!memory) {
        st = md_store_file_mkdirs(path, err);
        if (!st)
            st = md_store_file_create(path, err);
        if (st)
            return st;
    }

    md_store *s = md_xcalloc(1, sizeof(*s));
    s->path = md_xstrdup(path);
    s->read_only = !memory && !md_store_file_writable(path);
    int flags = s->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (!s->db)
        md_die_oom();
    if (rc != SQLITE_OK) {
        st = store_fail(s, err, "open the database");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 2000);

    /* Refuse a newer file before touching it at all, even its journal mode. */
    int version = 0;
    st = store_query_int(s, "PRAGMA user_version", "read the schema version", &version, err);
    if (st && s->read_only && store_reopen_immutable(s)) {
        md_err_clear(err);
        st = store_query_int(s, "PRAGMA user_version", "read the schema version", &version, err);
    }
    if (!st && version > md_store_target_version())
        st = store_refuse_newer(s, version, err);
    if (!st && s->read_only && version != md_store_target_version())
        st = md_err_set(err, MD_ERR_DB,
                        "state file '%s' is read-only and at schema version %d (this mldeck "
                        "needs %d): open it once where it can be written",
                        path, version, md_store_target_version());
    /* Reading the schema reads page 1 whole: a damaged first page shows here, not later. */
    if (!st && !memory) {
        int n = 0;
        st = store_query_int(s, "SELECT count(*) FROM sqlite_master", "read the schema", &n, err);
    }
    if (!st)
        st = s->read_only ? MD_OK : store_configure(s, memory, err);
    if (!st)
        st = store_migrate(s, version, err);
    if (!st)
        st = store_prepare_all(s, err);
    if (st)
        goto fail;
    *out = s;
    return MD_OK;
fail:
    *corrupt = s->corrupt;
    md_store_free(s);
    return st;
}

md_status md_store_open(md_store **out, const char *path, struct md_err *err)
{
    bool corrupt;
    return store_open(out, path, &corrupt, err);
}

md_status md_store_recover(const char *path, char **moved_to, struct md_err *err)
{
    *moved_to = NULL;
    if (!path || !*path || !strcmp(path, ":memory:"))
        return MD_OK;
    if (access(path, F_OK) != 0)
        return MD_OK; /* nothing there yet: the open creates it */
    md_store *s = NULL;
    bool corrupt = false;
    struct md_err probe = MD_ERR_INIT;
    if (!store_open(&s, path, &corrupt, &probe)) {
        /* Asked for explicitly, so the whole-file check is worth its time here only. */
        char ok[16] = "";
        if (sqlite3_exec(s->db, "PRAGMA quick_check(1)", store_keep_first, ok, NULL) != SQLITE_OK)
            corrupt = (sqlite3_errcode(s->db) & 0xff) == SQLITE_CORRUPT ||
                      (sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB;
        else
            corrupt = strcmp(ok, "ok") != 0;
        md_store_free(s);
    }
    if (!corrupt)
        return MD_OK; /* a healthy file, or one failing for another reason the open will name */

    return md_store_file_move_aside(path, moved_to, err);
}

bool md_store_read_only(const md_store *s)
{
    return s->read_only;
}

const char *md_store_path(const md_store *s)
{
    return s->path;
}

void md_store_free(md_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    /* An open transaction (begin without commit) is rolled back by the close. */
    if (s->db && sqlite3_close(s->db) != SQLITE_OK)
        MD_BUG("state '%s' still busy at close: %s", s->path, sqlite3_errmsg(s->db));
    free(s->path);
    free(s);
}

sqlite3 *md_store_db(md_store *s)
{
    return s->db;
}

int md_store_schema_version(md_store *s)
{
    return s->version;
}

md_status md_store_begin(md_store *s, struct md_err *err)
{
    if (s->read_only)
        return MD_OK;
    return store_step_done(s, ST_BEGIN, "begin a transaction", err);
}

md_status md_store_commit(md_store *s, struct md_err *err)
{
    if (s->read_only)
        return MD_OK;
    md_status st = store_step_done(s, ST_COMMIT, "commit", err);
    /* A failed COMMIT can leave the transaction open; every later write would join it. */
    if (st && !sqlite3_get_autocommit(s->db))
        store_step_done(s, ST_ROLLBACK, "roll back", NULL);
    return st;
}

md_status md_store_snapshot_put(md_store *s, const char *backend, const char *key, const char *body,
                                size_t len, int64_t fetched_ms, struct md_err *err)
{
    if (s->read_only)
        return MD_OK; /* a cache and preferences: a read-only file just does not keep them */
    sqlite3_stmt *st = s->st[ST_SNAP_PUT];
    bind_text(st, 1, backend);
    bind_text(st, 2, key);
    /* A NULL pointer would bind SQL NULL, which the schema rejects: use an empty blob. */
    if (!body || len == 0)
        sqlite3_bind_zeroblob(st, 3, 0);
    else if (sqlite3_bind_blob64(st, 3, body, len, SQLITE_STATIC) != SQLITE_OK) {
        md_status ret = store_fail(s, err, "store a snapshot");
        stmt_done(st);
        return ret;
    }
    sqlite3_bind_int64(st, 4, fetched_ms);
    return store_step_done(s, ST_SNAP_PUT, "store a snapshot", err);
}

/*
 * MD_ERR_NOT_FOUND is an answer, not a failure: the lookups below return it
 * without writing `err`, so a caller that falls back to the network keeps its
 * error record free for a real error.
 */
md_status md_store_snapshot_get(md_store *s, const char *backend, const char *key, char **body,
                                size_t *len, int64_t *fetched_ms, struct md_err *err)
{
    sqlite3_stmt *st = s->st[ST_SNAP_GET];
    md_status ret = MD_OK;
    *body = NULL;
    bind_text(st, 1, backend);
    bind_text(st, 2, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        /* Sized by what a server once sent: fail softly rather than abort. */
        char *copy = malloc(n + 1);
        if (!copy) {
            ret = md_err_set(err, MD_ERR_NOMEM, "cannot read snapshot '%s' (%zu bytes)", key, n);
        } else {
            if (n)
                memcpy(copy, p, n);
            copy[n] = '\0';
            *body = copy;
            if (len)
                *len = n;
            if (fetched_ms)
                *fetched_ms = sqlite3_column_int64(st, 1);
        }
    } else if (rc == SQLITE_DONE) {
        ret = MD_ERR_NOT_FOUND;
    } else {
        ret = store_fail(s, err, "read a snapshot");
    }
    stmt_done(st);
    return ret;
}

md_status md_store_history_observe(md_store *s, const char *backend, const char *target,
                                   const char *value, int64_t seen_ms, struct md_err *err)
{
    if (s->read_only)
        return MD_OK; /* a cache and preferences: a read-only file just does not keep them */
    md_status ret = MD_OK;
    for (int id = ST_HIST_TOUCH; id <= ST_HIST_OBSERVE && !ret; id++) {
        sqlite3_stmt *st = s->st[id];
        bind_text(st, 1, backend);
        bind_text(st, 2, target);
        bind_text(st, 3, value);
        sqlite3_bind_int64(st, 4, seen_ms);
        ret = store_step_done(s, (enum store_stmt)id, "record history", err);
    }
    return ret;
}

md_status md_store_history_previous(md_store *s, const char *backend, const char *target,
                                    char **value, struct md_err *err)
{
    sqlite3_stmt *st = s->st[ST_HIST_PREVIOUS];
    bind_text(st, 1, backend);
    bind_text(st, 2, target);
    return store_get_text(s, ST_HIST_PREVIOUS, value, "read history", err);
}

/* Asking for one row more than the cap lets store_rows() report MD_ERR_TOO_BIG. */
static int64_t store_limit(size_t max)
{
    return max >= STORE_LIST_CAP ? (int64_t)STORE_LIST_CAP + 1 : (int64_t)max;
}

static void history_from_row(sqlite3_stmt *st, void *elem)
{
    struct md_history_entry *h = elem;
    h->seen_ms = sqlite3_column_int64(st, 0);
    h->value = column_dup(st, 1);
    h->last_ms = sqlite3_column_int64(st, 2);
    if (h->last_ms < h->seen_ms)
        h->last_ms = h->seen_ms; /* a row from before schema v4 */
}

md_status md_store_history_list(md_store *s, const char *backend, const char *target, size_t max,
                                struct md_history_entry **out, size_t *n, struct md_err *err)
{
    sqlite3_stmt *st = s->st[ST_HIST_LIST];
    void *v = NULL;
    bind_text(st, 1, backend);
    bind_text(st, 2, target);
    sqlite3_bind_int64(st, 3, store_limit(max));
    md_status ret = store_rows(s, st, sizeof(struct md_history_entry), history_from_row, &v, n,
                               "read history", err);
    if (ret) {
        md_store_history_free(v, *n);
        v = NULL;
        *n = 0;
    }
    *out = v;
    return ret;
}

void md_store_history_free(struct md_history_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].value);
    free(v);
}

/*
 * The text fields of an audit entry in column order: parameters ?2..?10 of
 * ST_AUDIT_APPEND and columns 2..10 of AUDIT_COLS. Binding, reading and
 * releasing an entry walk this one list.
 */
static const size_t audit_texts[] = {
    offsetof(struct md_audit_entry, who),     offsetof(struct md_audit_entry, action),
    offsetof(struct md_audit_entry, backend), offsetof(struct md_audit_entry, target),
    offsetof(struct md_audit_entry, before),  offsetof(struct md_audit_entry, after),
    offsetof(struct md_audit_entry, phase),   offsetof(struct md_audit_entry, outcome),
    offsetof(struct md_audit_entry, message)};
#define AUDIT_FIRST_TEXT 2
_Static_assert(AUDIT_FIRST_TEXT + MD_ARRAY_LEN(audit_texts) == 11, "ref_id is ?11 and column 11");

/* Text field i of audit_texts[] in e. */
static char **audit_text(struct md_audit_entry *e, size_t i)
{
    return (char **)(void *)((char *)e + audit_texts[i]);
}

md_status md_store_audit_append(md_store *s, struct md_audit_entry *e, struct md_err *err)
{
    if (s->read_only)
        return store_refuse_write(s, err);
    sqlite3_stmt *st = s->st[ST_AUDIT_APPEND];
    sqlite3_bind_int64(st, 1, e->ts_ms);
    /* redacted here so that no caller can keep a secret in the audit log */
    char *clean[MD_ARRAY_LEN(audit_texts)];
    for (size_t i = 0; i < MD_ARRAY_LEN(audit_texts); i++) {
        clean[i] = *audit_text(e, i) != NULL ? md_redacted(*audit_text(e, i)) : NULL;
        bind_text(st, AUDIT_FIRST_TEXT + (int)i, clean[i]);
    }
    sqlite3_bind_int64(st, AUDIT_FIRST_TEXT + (int)MD_ARRAY_LEN(audit_texts), e->ref_id);
    md_status ret = store_step_done(s, ST_AUDIT_APPEND, "append to the audit log", err);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < MD_ARRAY_LEN(audit_texts); i++)
        free(clean[i]);
    if (!ret)
        e->id = sqlite3_last_insert_rowid(s->db);
    return ret;
}

static void audit_from_row(sqlite3_stmt *st, void *elem)
{
    struct md_audit_entry *e = elem;
    e->id = sqlite3_column_int64(st, 0);
    e->ts_ms = sqlite3_column_int64(st, 1);
    for (size_t i = 0; i < MD_ARRAY_LEN(audit_texts); i++)
        *audit_text(e, i) = column_dup(st, AUDIT_FIRST_TEXT + (int)i);
    e->ref_id = sqlite3_column_int64(st, AUDIT_FIRST_TEXT + (int)MD_ARRAY_LEN(audit_texts));
}

/* Shared body of the two audit queries; both take their LIMIT as ?1. */
static md_status store_audit_rows(md_store *s, enum store_stmt id, size_t max,
                                  struct md_audit_entry **out, size_t *n, struct md_err *err)
{
    void *v = NULL;
    sqlite3_bind_int64(s->st[id], 1, store_limit(max));
    md_status ret = store_rows(s, s->st[id], sizeof(struct md_audit_entry), audit_from_row, &v, n,
                               "read the audit log", err);
    if (ret) {
        md_store_audit_free(v, *n);
        v = NULL;
        *n = 0;
    }
    *out = v;
    return ret;
}

md_status md_store_audit_list(md_store *s, size_t max, struct md_audit_entry **out, size_t *n,
                              struct md_err *err)
{
    return store_audit_rows(s, ST_AUDIT_LIST, max, out, n, err);
}

md_status md_store_audit_unsettled(md_store *s, struct md_audit_entry **out, size_t *n,
                                   struct md_err *err)
{
    return store_audit_rows(s, ST_AUDIT_UNSETTLED, STORE_LIST_CAP, out, n, err);
}

void md_audit_entry_release(struct md_audit_entry *e)
{
    for (size_t i = 0; i < MD_ARRAY_LEN(audit_texts); i++)
        free(*audit_text(e, i));
    memset(e, 0, sizeof(*e));
}

void md_store_audit_free(struct md_audit_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        md_audit_entry_release(&v[i]);
    free(v);
}

md_status md_store_pref_set(md_store *s, const char *key, const char *value, struct md_err *err)
{
    if (s->read_only)
        return MD_OK; /* a cache and preferences: a read-only file just does not keep them */
    sqlite3_stmt *st = s->st[ST_PREF_SET];
    bind_text(st, 1, key);
    bind_text(st, 2, value);
    return store_step_done(s, ST_PREF_SET, "save a preference", err);
}

md_status md_store_pref_get(md_store *s, const char *key, char **value, struct md_err *err)
{
    bind_text(s->st[ST_PREF_GET], 1, key);
    return store_get_text(s, ST_PREF_GET, value, "read a preference", err);
}

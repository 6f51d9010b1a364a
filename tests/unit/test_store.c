/*
 * test_store.c - the local state: open and permissions, schema versions and
 * migrations, each table's contract, the append-only audit log enforced by
 * the file itself, and crash safety with a child killed by SIGKILL.
 *
 * File databases live in a mkdtemp() directory under /tmp removed after each
 * test; sqlite3 is used directly where the test must look past the API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mldeck/store.h"
#include "store/store_int.h"
#include "testutil.h"

struct tmp {
    char dir[64];
    char db[256];
};

static int setup_tmp(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));
    if (tu_mkdtemp(t->dir, sizeof(t->dir), "store")) {
        free(t);
        return -1;
    }
    snprintf(t->db, sizeof(t->db), "%s/state.db", t->dir);
    *state = t;
    return 0;
}

static int teardown_tmp(void **state)
{
    struct tmp *t = *state;
    md_store_test_extra_migrations(NULL, 0);
    tu_rm_rf(t->dir);
    free(t);
    return 0;
}

static md_store *open_ok(const char *path)
{
    struct md_err err = MD_ERR_INIT;
    md_store *s = NULL;
    md_status st = md_store_open(&s, path, &err);
    if (st)
        fail_msg("open '%s': %s", path, err.msg);
    assert_non_null(s);
    return s;
}

/* Raw connection for looking past the API. */
static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* First column of the first row as a malloc'd string. */
static char *raw_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static int64_t file_int(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    int64_t v = raw_int(db, sql);
    sqlite3_close(db);
    return v;
}

static void check_integrity(const char *path)
{
    sqlite3 *db = raw_open(path);
    char *ok = raw_text(db, "PRAGMA integrity_check");
    assert_string_equal(ok, "ok");
    free(ok);
    sqlite3_close(db);
}

static void test_open_memory(void **state)
{
    (void)state;
    md_store *s = open_ok(":memory:");
    assert_int_equal(md_store_schema_version(s), MD_STORE_SCHEMA_VERSION);
    md_store_free(s);
    md_store_free(NULL);
}

static void test_open_file_wal(void **state)
{
    struct tmp *t = *state;
    md_store *s = open_ok(t->db);
    assert_int_equal(md_store_schema_version(s), MD_STORE_SCHEMA_VERSION);
    md_store_free(s);

    sqlite3 *db = raw_open(t->db);
    char *mode = raw_text(db, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), MD_STORE_SCHEMA_VERSION);
    sqlite3_close(db);
}

static void test_permissions(void **state)
{
    struct tmp *t = *state;
    char path[512];
    char sub[600];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/a/b/c/state.db", t->dir);
    md_store *s = open_ok(path);
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_store_snapshot_put(s, "b", "k", "v", 1, 1, &err), MD_OK);

    const char *dirs[] = {"a", "a/b", "a/b/c"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(sub, sizeof(sub), "%s/%s", t->dir, dirs[i]);
        assert_int_equal(stat(sub, &sb), 0);
        assert_true(S_ISDIR(sb.st_mode));
        assert_int_equal(sb.st_mode & 07777, 0700);
    }
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    /* SQLite gives the WAL the main file's mode; check it did. */
    snprintf(sub, sizeof(sub), "%s-wal", path);
    if (stat(sub, &sb) == 0)
        assert_int_equal(sb.st_mode & 07777, 0600);
    md_store_free(s);
}

static void test_open_errors(void **state)
{
    struct tmp *t = *state;
    struct md_err err = MD_ERR_INIT;
    md_store *s = (md_store *)&err;
    char path[512];

    /* A parent that is a file. */
    tu_write_file(
        t->db,
        "this is not a database, it is text long enough to have a header.......\n"
        "................................................................................\n");
    snprintf(path, sizeof(path), "%s/sub/state.db", t->db);
    assert_int_equal(md_store_open(&s, path, &err), MD_ERR_IO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "cannot create"));

    /* A file that is not a database. */
    md_err_clear(&err);
    assert_int_equal(md_store_open(&s, t->db, &err), MD_ERR_DB);
    assert_null(s);
    char want[512];
    snprintf(want, sizeof(want), "state file '%s' is corrupt (file is not a database)", t->db);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_non_null(strstr(err.msg, "--state-recover"));

    /* Consent moves it aside, bytes and all; the next open starts a fresh file. */
    char *aside = NULL;
    assert_int_equal(md_store_recover(t->db, &aside, &err), MD_OK);
    assert_non_null(aside);
    assert_int_equal(access(t->db, F_OK), -1);
    FILE *f = fopen(aside, "r");
    assert_non_null(f);
    char head[32] = "";
    assert_non_null(fgets(head, sizeof(head), f));
    fclose(f);
    assert_memory_equal(head, "this is not a database", 22);
    unlink(aside);
    free(aside);
    s = open_ok(t->db);
    md_store_free(s);
    /* a healthy file stays where it is */
    assert_int_equal(md_store_recover(t->db, &aside, &err), MD_OK);
    assert_null(aside);
    assert_int_equal(access(t->db, F_OK), 0);

    md_err_clear(&err);
    assert_int_equal(md_store_open(&s, "", &err), MD_ERR_IO);
}

static void test_reopen_idempotent(void **state)
{
    struct tmp *t = *state;
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(t->db);
    assert_int_equal(md_store_pref_set(s, "theme", "dark", &err), MD_OK);
    md_store_free(s);
    int64_t tables = file_int(t->db, "SELECT count(*) FROM sqlite_schema");

    for (int i = 0; i < 3; i++) {
        s = open_ok(t->db);
        assert_int_equal(md_store_schema_version(s), MD_STORE_SCHEMA_VERSION);
        char *v = NULL;
        assert_int_equal(md_store_pref_get(s, "theme", &v, &err), MD_OK);
        assert_string_equal(v, "dark");
        free(v);
        md_store_free(s);
    }
    assert_int_equal(file_int(t->db, "SELECT count(*) FROM sqlite_schema"), tables);
    assert_int_equal(file_int(t->db, "PRAGMA user_version"), MD_STORE_SCHEMA_VERSION);

    /* Another process in the middle of a write batch does not block an open (no lock taken). */
    sqlite3 *db = raw_open(t->db);
    raw_exec(db, "BEGIN IMMEDIATE; INSERT INTO pref(key, value) VALUES('x', 'y')");
    s = open_ok(t->db);
    char *v = NULL;
    assert_int_equal(md_store_pref_get(s, "theme", &v, &err), MD_OK);
    free(v);
    assert_int_equal(md_store_pref_get(s, "x", &v, &err), MD_ERR_NOT_FOUND);
    md_store_free(s);
    raw_exec(db, "COMMIT");
    sqlite3_close(db);
}

/* v3 depends on v2, so running them out of order or twice shows in the data. */
static const char *const extra_ok[] = {
    "CREATE TABLE t2(a TEXT NOT NULL); INSERT INTO t2(a) VALUES('v2');",
    "ALTER TABLE t2 ADD COLUMN b TEXT; UPDATE t2 SET b = 'v3';"
    "INSERT INTO t2(a, b) VALUES('second', 'v3');",
};

static void test_migrations_order(void **state)
{
    struct tmp *t = *state;
    char fresh[512];
    snprintf(fresh, sizeof(fresh), "%s/fresh.db", t->dir);

    /* An existing v1 file goes 1 -> 2 -> 3. */
    md_store_free(open_ok(t->db));
    md_store_test_extra_migrations(extra_ok, 2);
    for (int i = 0; i < 3; i++) {
        md_store *s = open_ok(t->db);
        assert_int_equal(md_store_schema_version(s), MD_STORE_SCHEMA_VERSION + 2);
        md_store_free(s);
        assert_int_equal(file_int(t->db, "PRAGMA user_version"), MD_STORE_SCHEMA_VERSION + 2);
        assert_int_equal(file_int(t->db, "SELECT count(*) FROM t2"), 2);
        assert_int_equal(file_int(t->db, "SELECT count(*) FROM t2 WHERE b = 'v3'"), 2);
    }
    /* A new file goes 0 -> 1 -> 2 -> 3 and has the v1 tables too. */
    md_store *s = open_ok(fresh);
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_store_pref_set(s, "k", "v", &err), MD_OK);
    md_store_free(s);
    assert_int_equal(file_int(fresh, "SELECT count(*) FROM t2"), 2);

    /* This build's v1 must now refuse the v3 file. */
    md_store_test_extra_migrations(NULL, 0);
    assert_int_equal(md_store_open(&s, fresh, &err), MD_ERR_DB);
    assert_null(s);
}

static void test_migration_failure_rolls_back(void **state)
{
    struct tmp *t = *state;
    static const char *const extra_bad[] = {
        "CREATE TABLE t2(a); INSERT INTO t2 VALUES(1); INSERT INTO no_such_table VALUES(1);",
    };
    md_store_free(open_ok(t->db));
    md_store_test_extra_migrations(extra_bad, 1);
    struct md_err err = MD_ERR_INIT;
    md_store *s = NULL;
    assert_int_equal(md_store_open(&s, t->db, &err), MD_ERR_DB);
    assert_null(s);
    char want[512];
    snprintf(want, sizeof(want), "cannot migrate to schema version %d in state '%s': no such table",
             MD_STORE_SCHEMA_VERSION + 1, t->db);
    assert_memory_equal(err.msg, want, strlen(want));
    /* Neither the bump nor the half of the step that ran is left behind. */
    assert_int_equal(file_int(t->db, "PRAGMA user_version"), MD_STORE_SCHEMA_VERSION);
    assert_int_equal(file_int(t->db, "SELECT count(*) FROM sqlite_schema WHERE name = 't2'"), 0);
    md_store_test_extra_migrations(NULL, 0);
    md_store_free(open_ok(t->db));
    check_integrity(t->db);
}

static void test_newer_refused(void **state)
{
    struct tmp *t = *state;
    md_store_free(open_ok(t->db));
    sqlite3 *db = raw_open(t->db);
    raw_exec(db, "PRAGMA user_version = 99");
    sqlite3_close(db);

    struct md_err err = MD_ERR_INIT;
    md_store *s = NULL;
    assert_int_equal(md_store_open(&s, t->db, &err), MD_ERR_DB);
    assert_null(s);
    assert_int_equal(err.code, MD_ERR_DB);
    char want[512];
    snprintf(want, sizeof(want), "state '%s' has schema version 99, newer than this mldeck (%d)",
             t->db, MD_STORE_SCHEMA_VERSION);
    assert_string_equal(err.msg, want);
    assert_int_equal(file_int(t->db, "PRAGMA user_version"), 99);
}

static void test_snapshot(void **state)
{
    (void)state;
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(":memory:");
    char *body = NULL;
    size_t len = 0;
    int64_t ms = 0;

    assert_int_equal(md_store_snapshot_get(s, "sb", "experiments", &body, &len, &ms, &err),
                     MD_ERR_NOT_FOUND);
    assert_null(body);
    assert_int_equal(err.code, MD_OK);

    assert_int_equal(md_store_snapshot_put(s, "sb", "experiments", "[1]", 3, 100, &err), MD_OK);
    assert_int_equal(md_store_snapshot_put(s, "other", "experiments", "[9]", 3, 7, &err), MD_OK);
    assert_int_equal(md_store_snapshot_get(s, "sb", "experiments", &body, &len, &ms, &err), MD_OK);
    assert_string_equal(body, "[1]");
    assert_int_equal(len, 3);
    assert_int_equal(ms, 100);
    free(body);

    assert_int_equal(md_store_snapshot_put(s, "sb", "experiments", "[1,2]", 5, 200, &err), MD_OK);
    assert_int_equal(md_store_snapshot_get(s, "sb", "experiments", &body, &len, &ms, &err), MD_OK);
    assert_string_equal(body, "[1,2]");
    assert_int_equal(len, 5);
    assert_int_equal(ms, 200);
    free(body);

    /* An empty body is a body, not an absence. */
    assert_int_equal(md_store_snapshot_put(s, "sb", "empty", NULL, 0, 300, &err), MD_OK);
    assert_int_equal(md_store_snapshot_get(s, "sb", "empty", &body, &len, NULL, &err), MD_OK);
    assert_int_equal(len, 0);
    assert_string_equal(body, "");
    free(body);

    /* 1 MB with NUL bytes in it. */
    size_t big = 1u << 20;
    char *blob = malloc(big);
    for (size_t i = 0; i < big; i++)
        blob[i] = (char)(i * 131u + (i >> 8));
    assert_int_equal(md_store_snapshot_put(s, "sb", "big", blob, big, 400, &err), MD_OK);
    assert_int_equal(md_store_snapshot_get(s, "sb", "big", &body, &len, &ms, &err), MD_OK);
    assert_int_equal(len, big);
    assert_memory_equal(body, blob, big);
    assert_int_equal(body[big], '\0');
    free(body);
    free(blob);
    md_store_free(s);
}

static void test_history(void **state)
{
    (void)state;
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(":memory:");
    char *v = NULL;
    struct md_history_entry *h = NULL;
    size_t n = 99;

    assert_int_equal(md_store_history_previous(s, "sb", "m@champion", &v, &err), MD_ERR_NOT_FOUND);
    assert_int_equal(md_store_history_list(s, "sb", "m@champion", 10, &h, &n, &err), MD_OK);
    assert_int_equal(n, 0);
    md_store_history_free(h, n);

    const char *seq[] = {"1", "1", "2", "2", "2", "3"};
    for (size_t i = 0; i < MD_ARRAY_LEN(seq); i++)
        assert_int_equal(
            md_store_history_observe(s, "sb", "m@champion", seq[i], 1000 + (int64_t)i, &err),
            MD_OK);
    assert_int_equal(md_store_history_observe(s, "other", "m@champion", "42", 5, &err), MD_OK);

    assert_int_equal(md_store_history_list(s, "sb", "m@champion", 10, &h, &n, &err), MD_OK);
    assert_int_equal(n, 3);
    assert_string_equal(h[0].value, "3");
    assert_int_equal(h[0].seen_ms, 1005);
    assert_string_equal(h[1].value, "2");
    assert_int_equal(h[1].seen_ms, 1002);
    assert_string_equal(h[2].value, "1");
    assert_int_equal(h[2].seen_ms, 1000);
    md_store_history_free(h, n);

    assert_int_equal(md_store_history_list(s, "sb", "m@champion", 2, &h, &n, &err), MD_OK);
    assert_int_equal(n, 2);
    assert_string_equal(h[1].value, "2");
    md_store_history_free(h, n);
    assert_int_equal(md_store_history_list(s, "sb", "m@champion", 0, &h, &n, &err), MD_OK);
    assert_int_equal(n, 0);
    md_store_history_free(h, n);

    assert_int_equal(md_store_history_previous(s, "sb", "m@champion", &v, &err), MD_OK);
    assert_string_equal(v, "2");
    free(v);
    /* A rollback to 2 makes 3 the previous value. */
    assert_int_equal(md_store_history_observe(s, "sb", "m@champion", "2", 2000, &err), MD_OK);
    assert_int_equal(md_store_history_previous(s, "sb", "m@champion", &v, &err), MD_OK);
    assert_string_equal(v, "3");
    free(v);
    /* One value only: nothing to roll back to. */
    assert_int_equal(md_store_history_previous(s, "other", "m@champion", &v, &err),
                     MD_ERR_NOT_FOUND);
    assert_null(v);
    assert_int_equal(err.code, MD_OK);
    md_store_free(s);
}

/* Rows written by something other than observe (an older build, a merge) may repeat. */
static void test_history_previous_skips_repeats(void **state)
{
    struct tmp *t = *state;
    struct md_err err = MD_ERR_INIT;
    md_store_free(open_ok(t->db));
    sqlite3 *db = raw_open(t->db);
    raw_exec(db, "INSERT INTO history(backend, target, value, seen_ms) VALUES"
                 "('sb','m@a','A',1),('sb','m@a','B',2),('sb','m@a','B',3),('sb','m@b','X',4),"
                 "('sb','m@b','X',5)");
    sqlite3_close(db);
    md_store *s = open_ok(t->db);
    char *v = NULL;
    assert_int_equal(md_store_history_previous(s, "sb", "m@a", &v, &err), MD_OK);
    assert_string_equal(v, "A");
    free(v);
    assert_int_equal(md_store_history_previous(s, "sb", "m@b", &v, &err), MD_ERR_NOT_FOUND);
    /* Observing the current value again adds nothing. */
    assert_int_equal(md_store_history_observe(s, "sb", "m@a", "B", 9, &err), MD_OK);
    md_store_free(s);
    assert_int_equal(file_int(t->db, "SELECT count(*) FROM history WHERE target = 'm@a'"), 3);
}

/* Builds an entry the way core/action/action.c would; usable in a forked child (no asserts). */
static md_status append_raw(md_store *s, const char *phase, int64_t ref_id, const char *msg,
                            int64_t *id, struct md_err *err)
{
    char who[] = "op@host";
    char action[] = "alias-set";
    char backend[] = "sb";
    char target[] = "churn@champion";
    char before[] = "3";
    char after[] = "4";
    char ok[] = "ok";
    char unknown[] = "unknown";
    char phase_buf[16];
    char msg_buf[64];
    snprintf(phase_buf, sizeof(phase_buf), "%s", phase);
    snprintf(msg_buf, sizeof(msg_buf), "%s", msg);
    struct md_audit_entry e = {
        .ts_ms = 1700000000000,
        .who = who,
        .action = action,
        .backend = backend,
        .target = target,
        .before = before,
        .after = after,
        .phase = phase_buf,
        .outcome = ref_id ? ok : unknown,
        .message = msg_buf,
        .ref_id = ref_id,
    };
    md_status st = md_store_audit_append(s, &e, err);
    *id = e.id;
    return st;
}

static int64_t append(md_store *s, const char *phase, int64_t ref_id, const char *msg)
{
    struct md_err err = MD_ERR_INIT;
    int64_t id = 0;
    if (append_raw(s, phase, ref_id, msg, &id, &err))
        fail_msg("audit append: %s", err.msg);
    assert_true(id > 0);
    return id;
}

/* The child's side of the crash tests: never returns into cmocka. */
static _Noreturn void child_fail(const char *what, const struct md_err *err)
{
    fprintf(stderr, "child: %s: %s\n", what, err->msg);
    _exit(3);
}

static void child_append(md_store *s, const char *msg)
{
    struct md_err err = MD_ERR_INIT;
    int64_t id = 0;
    if (append_raw(s, "started", 0, msg, &id, &err))
        child_fail("append", &err);
}

static void test_audit(void **state)
{
    (void)state;
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(":memory:");
    struct md_audit_entry *v = NULL;
    size_t n = 99;

    assert_int_equal(md_store_audit_list(s, 10, &v, &n, &err), MD_OK);
    assert_int_equal(n, 0);
    md_store_audit_free(v, n);

    int64_t a = append(s, "started", 0, "first");
    int64_t b = append(s, "started", 0, "second");
    int64_t c = append(s, "finished", a, "first done");
    assert_true(a < b && b < c);

    /* NULL strings are stored as "". */
    char finished[] = "finished";
    struct md_audit_entry e = {.ts_ms = 5, .phase = finished, .ref_id = 0};
    assert_int_equal(md_store_audit_append(s, &e, &err), MD_OK);
    assert_true(e.id > c);

    assert_int_equal(md_store_audit_list(s, 10, &v, &n, &err), MD_OK);
    assert_int_equal(n, 4);
    assert_int_equal(v[0].id, e.id);
    assert_string_equal(v[0].who, "");
    assert_string_equal(v[0].message, "");
    assert_int_equal(v[1].id, c);
    assert_int_equal(v[1].ref_id, a);
    assert_string_equal(v[1].phase, "finished");
    assert_string_equal(v[1].outcome, "ok");
    assert_int_equal(v[3].id, a);
    assert_int_equal(v[3].ts_ms, 1700000000000);
    assert_string_equal(v[3].who, "op@host");
    assert_string_equal(v[3].action, "alias-set");
    assert_string_equal(v[3].backend, "sb");
    assert_string_equal(v[3].target, "churn@champion");
    assert_string_equal(v[3].before, "3");
    assert_string_equal(v[3].after, "4");
    assert_string_equal(v[3].message, "first");
    md_store_audit_free(v, n);

    assert_int_equal(md_store_audit_list(s, 2, &v, &n, &err), MD_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[1].id, c);
    md_audit_entry_release(&v[0]);
    assert_null(v[0].who);
    md_store_audit_free(v, n); /* releasing twice is harmless */

    assert_int_equal(md_store_audit_unsettled(s, &v, &n, &err), MD_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, b);
    assert_string_equal(v[0].message, "second");
    md_store_audit_free(v, n);

    append(s, "finished", b, "second done");
    assert_int_equal(md_store_audit_unsettled(s, &v, &n, &err), MD_OK);
    assert_int_equal(n, 0);
    md_store_audit_free(v, n);

    /* a write answered with an error: pending, so still to be settled */
    int64_t g = append(s, "started", 0, "timed out");
    char pend[] = "pending";
    struct md_audit_entry u = {.ts_ms = 6, .phase = pend, .outcome = pend, .ref_id = g};
    assert_int_equal(md_store_audit_append(s, &u, &err), MD_OK);
    assert_int_equal(md_store_audit_unsettled(s, &v, &n, &err), MD_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, g);
    md_store_audit_free(v, n);
    /* a finished entry of any outcome settles, "unknown" (the window passed) included */
    char fin[] = "finished";
    char unknown[] = "unknown";
    struct md_audit_entry w = {.ts_ms = 7, .phase = fin, .outcome = unknown, .ref_id = g};
    assert_int_equal(md_store_audit_append(s, &w, &err), MD_OK);
    assert_int_equal(md_store_audit_unsettled(s, &v, &n, &err), MD_OK);
    assert_int_equal(n, 0);
    md_store_audit_free(v, n);
    md_store_free(s);
}

static void test_audit_append_only(void **state)
{
    struct tmp *t = *state;
    md_store *s = open_ok(t->db);
    int64_t id = append(s, "started", 0, "keep me");
    md_store_free(s);

    sqlite3 *db = raw_open(t->db);
    const char *attempts[] = {
        "UPDATE audit SET who = 'mallory'",
        "UPDATE audit SET outcome = 'ok' WHERE id = 1",
        "DELETE FROM audit",
        "DELETE FROM audit WHERE id = 1",
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(attempts); i++) {
        char *msg = NULL;
        int rc = sqlite3_exec(db, attempts[i], NULL, NULL, &msg);
        assert_int_equal(rc, SQLITE_CONSTRAINT);
        assert_non_null(strstr(msg, "append-only"));
        sqlite3_free(msg);
    }
    sqlite3_close(db);

    s = open_ok(t->db);
    struct md_err err = MD_ERR_INIT;
    struct md_audit_entry *v = NULL;
    size_t n = 0;
    assert_int_equal(md_store_audit_list(s, 10, &v, &n, &err), MD_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, id);
    assert_string_equal(v[0].who, "op@host");
    assert_string_equal(v[0].outcome, "unknown");
    md_store_audit_free(v, n);
    md_store_free(s);
}

static void test_pref(void **state)
{
    (void)state;
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(":memory:");
    char *v = NULL;
    assert_int_equal(md_store_pref_get(s, "theme", &v, &err), MD_ERR_NOT_FOUND);
    assert_null(v);
    assert_int_equal(md_store_pref_set(s, "theme", "dark", &err), MD_OK);
    assert_int_equal(md_store_pref_set(s, "ctx", "prod", &err), MD_OK);
    assert_int_equal(md_store_pref_set(s, "theme", "light", &err), MD_OK);
    assert_int_equal(md_store_pref_get(s, "theme", &v, &err), MD_OK);
    assert_string_equal(v, "light");
    free(v);
    assert_int_equal(md_store_pref_get(s, "ctx", &v, &err), MD_OK);
    assert_string_equal(v, "prod");
    free(v);
    assert_int_equal(err.code, MD_OK);
    md_store_free(s);
}

static void test_begin_commit(void **state)
{
    struct tmp *t = *state;
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(t->db);
    assert_int_equal(md_store_begin(s, &err), MD_OK);
    for (int i = 0; i < 100; i++) {
        char key[32];
        snprintf(key, sizeof(key), "runs:%d", i);
        assert_int_equal(md_store_snapshot_put(s, "sb", key, "{}", 2, i, &err), MD_OK);
    }
    assert_int_equal(md_store_commit(s, &err), MD_OK);
    /* A second begin while one is open is a database error, and it says so. */
    assert_int_equal(md_store_begin(s, &err), MD_OK);
    assert_int_equal(md_store_begin(s, &err), MD_ERR_DB);
    char want[512];
    snprintf(want, sizeof(want), "cannot begin a transaction in state '%s': ", t->db);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_int_equal(md_store_snapshot_put(s, "sb", "uncommitted", "x", 1, 1, &err), MD_OK);
    md_store_free(s); /* closing with the transaction open rolls it back */

    assert_int_equal(file_int(t->db, "SELECT count(*) FROM snapshot"), 100);
    check_integrity(t->db);
}

static void kill_and_reap(pid_t pid)
{
    int status = 0;
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void test_crash_before_commit(void **state)
{
    struct tmp *t = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct md_err err = MD_ERR_INIT;
        md_store *s = NULL;
        if (md_store_open(&s, t->db, &err))
            child_fail("open", &err);
        /* Committed before the crash. */
        for (int i = 0; i < 10; i++) {
            char key[32];
            snprintf(key, sizeof(key), "kept:%d", i);
            if (md_store_snapshot_put(s, "sb", key, "kept", 4, i, &err))
                child_fail("put", &err);
        }
        for (int i = 0; i < 3; i++)
            child_append(s, "kept");
        /* Big enough (8 MB) that SQLite spills pages to the WAL before the commit. */
        static char body[4096];
        memset(body, 'x', sizeof(body));
        if (md_store_begin(s, &err))
            child_fail("begin", &err);
        for (int i = 0; i < 2000; i++) {
            char key[32];
            snprintf(key, sizeof(key), "lost:%d", i);
            if (md_store_snapshot_put(s, "sb", key, body, sizeof(body), i, &err))
                child_fail("put", &err);
            if (i % 4 == 0)
                child_append(s, "lost");
        }
        /* Killed by the parent from outside, as a crash would (valgrind sees nothing). */
        if (write(fds[1], "x", 1) != 1)
            _exit(5);
        for (;;)
            pause();
    }
    close(fds[1]);
    char c;
    assert_int_equal(read(fds[0], &c, 1), 1);
    kill_and_reap(pid);
    close(fds[0]);

    check_integrity(t->db);
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(t->db);
    char *body = NULL;
    size_t len = 0;
    for (int i = 0; i < 10; i++) {
        char key[32];
        snprintf(key, sizeof(key), "kept:%d", i);
        assert_int_equal(md_store_snapshot_get(s, "sb", key, &body, &len, NULL, &err), MD_OK);
        assert_string_equal(body, "kept");
        free(body);
    }
    assert_int_equal(md_store_snapshot_get(s, "sb", "lost:0", &body, &len, NULL, &err),
                     MD_ERR_NOT_FOUND);
    assert_int_equal(md_store_snapshot_get(s, "sb", "lost:1999", &body, &len, NULL, &err),
                     MD_ERR_NOT_FOUND);
    struct md_audit_entry *v = NULL;
    size_t n = 0;
    assert_int_equal(md_store_audit_list(s, 10000, &v, &n, &err), MD_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(v[i].message, "kept");
    md_store_audit_free(v, n);
    /* The store still takes writes after recovery. */
    append(s, "started", 0, "after");
    md_store_free(s);
    assert_int_equal(file_int(t->db, "SELECT count(*) FROM snapshot"), 10);
    check_integrity(t->db);
}

static void test_crash_mid_loop(void **state)
{
    struct tmp *t = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct md_err err = MD_ERR_INIT;
        md_store *s = NULL;
        if (md_store_open(&s, t->db, &err))
            child_fail("open", &err);
        for (long i = 0;; i++) {
            char msg[32];
            snprintf(msg, sizeof(msg), "n=%ld", i);
            child_append(s, msg);
            /* Acknowledged only once committed: the parent counts on these. */
            if (write(fds[1], "x", 1) != 1)
                _exit(5);
        }
    }
    close(fds[1]);
    size_t acked = 0;
    char c;
    while (acked < 200 && read(fds[0], &c, 1) == 1)
        acked++;
    kill_and_reap(pid);
    close(fds[0]);
    assert_int_equal(acked, 200);

    check_integrity(t->db);
    struct md_err err = MD_ERR_INIT;
    md_store *s = open_ok(t->db);
    struct md_audit_entry *v = NULL;
    size_t n = 0;
    assert_int_equal(md_store_audit_list(s, 1000000, &v, &n, &err), MD_OK);
    assert_true(n >= acked);
    /* Newest first, no gaps: the committed prefix of the loop and nothing else. */
    for (size_t i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof(want), "n=%zu", n - 1 - i);
        assert_string_equal(v[i].message, want);
    }
    md_store_audit_free(v, n);
    md_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_memory),
        cmocka_unit_test_setup_teardown(test_open_file_wal, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_permissions, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_open_errors, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_migrations_order, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_migration_failure_rolls_back, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_newer_refused, setup_tmp, teardown_tmp),
        cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_history),
        cmocka_unit_test_setup_teardown(test_history_previous_skips_repeats, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test(test_audit),
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup_tmp, teardown_tmp),
        cmocka_unit_test(test_pref),
        cmocka_unit_test_setup_teardown(test_begin_commit, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_crash_before_commit, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_crash_mid_loop, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

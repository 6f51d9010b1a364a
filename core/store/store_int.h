/*
 * store_int.h - private to core/store/store.c and its unit test.
 *
 * The migration mechanism can only be exercised beyond v1 once a v2 exists;
 * this hook lets the test append throw-away migrations after the built-in
 * ones so that ordering, idempotence on reopen and roll-back of a failing
 * step are tested now rather than when the first real v2 lands.
 */
#ifndef MLDECK_STORE_INT_H
#define MLDECK_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mldeck/store.h"

struct sqlite3;

/*
 * The connection, for the modules that keep their own tables in the state
 * file (core/store/store_drift.c). Lent for the store's lifetime; statements made
 * on it must be finalised before md_store_free().
 */
struct sqlite3 *md_store_db(md_store *s);

/*
 * Append `n` migrations (SQL, each taking version MD_STORE_SCHEMA_VERSION + i
 * to + i + 1) to the built-in list for stores opened afterwards; the target
 * version becomes MD_STORE_SCHEMA_VERSION + n. The array is borrowed and must
 * outlive those opens. NULL/0 restores the built-in list. Tests only.
 */
void md_store_test_extra_migrations(const char *const *sql, size_t n);

/* store_schema.c: the version the migrations lead to, and the SQL taking `from` to from + 1. */
int md_store_target_version(void);
const char *md_store_migration_sql(int from);

/*
 * The file beside the database (core/store/store_file.c): creating it and its
 * directories, asking whether it can be written, moving a corrupt one aside.
 */
/* mkdir -p of the directory part of `path`; only directories made here get 0700. */
md_status md_store_file_mkdirs(const char *path, struct md_err *err);
/* Create `path` empty and 0600 unless it exists. */
md_status md_store_file_create(const char *path, struct md_err *err);
/* This process may write `path` and create files in its directory (-wal, -shm). */
bool md_store_file_writable(const char *path);
/* PATH + suffix exists ("-wal"). */
bool md_store_file_beside(const char *path, const char *suffix);
/* "file:PATH?immutable=1", PATH percent-escaped where a URI would read it; malloc'd. */
char *md_store_file_immutable_uri(const char *path);
/*
 * Rename `path` with its -wal and -shm to PATH.corrupt-YYYYmmddTHHMMSS (a suffix -N
 * when that exists already); *aside gets the new name, malloc'd.
 */
md_status md_store_file_move_aside(const char *path, char **aside, struct md_err *err);

#endif

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

#endif

/*
 * store_schema.c - the state file's schema: one migration per version, in
 * order. migrations[i] takes the database from version i to i + 1
 * (core/store/store.c runs each in its own transaction with the version
 * bump). A new version means adding one entry here and bumping
 * MD_STORE_SCHEMA_VERSION.
 */
#include <stddef.h>

#include "mldeck/md.h"
#include "store_int.h"

/* Schema v1. Column and table names follow store.h's vocabulary. */
static const char migration_v1[] =
    "CREATE TABLE snapshot(backend TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,"
    "  fetched_ms INTEGER NOT NULL, PRIMARY KEY(backend, key));"
    /* history.id orders observations; the index serves "latest for target". */
    "CREATE TABLE history(id INTEGER PRIMARY KEY, backend TEXT NOT NULL, target TEXT NOT NULL,"
    "  value TEXT NOT NULL, seen_ms INTEGER NOT NULL);"
    "CREATE INDEX history_by_target ON history(backend, target, id);"
    /* AUTOINCREMENT: an id is never reused, so a ref_id can never become ambiguous. */
    "CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL,"
    "  who TEXT NOT NULL, action TEXT NOT NULL, backend TEXT NOT NULL, target TEXT NOT NULL,"
    "  \"before\" TEXT NOT NULL, \"after\" TEXT NOT NULL, phase TEXT NOT NULL,"
    "  outcome TEXT NOT NULL, message TEXT NOT NULL, ref_id INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX audit_by_ref ON audit(ref_id);"
    "CREATE INDEX audit_started ON audit(id) WHERE phase = 'started';"
    /* Append-only is enforced by the file itself, not only by this API. */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TABLE pref(key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/*
 * Schema v2: drift. A frozen reference per (job, feature) with its artefacts
 * (edges, bins, sorted values or sketch, categories) in a versioned BLOB; a
 * summary per evaluated window; one result per (job, feature, window,
 * method) with the options that make it comparable (smoothing, log base,
 * edges, p-value method) as JSON text; the input files already processed.
 * NaN values are stored as NULL, infinities as REAL infinities.
 */
static const char migration_v2[] =
    "CREATE TABLE drift_ref(job TEXT NOT NULL, feature TEXT NOT NULL, ord INTEGER NOT NULL,"
    "  type TEXT NOT NULL, prediction INTEGER NOT NULL, n INTEGER NOT NULL, rows INTEGER NOT NULL,"
    "  mean REAL, std REAL, source TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  artefact BLOB NOT NULL, PRIMARY KEY(job, feature));"
    "CREATE TABLE drift_window(job TEXT NOT NULL, window_start_ms INTEGER NOT NULL,"
    "  window_end_ms INTEGER NOT NULL, rows_ref INTEGER NOT NULL, rows_cur INTEGER NOT NULL,"
    "  tested INTEGER NOT NULL, drifted INTEGER NOT NULL, dataset_drift INTEGER NOT NULL,"
    "  computed_ms INTEGER NOT NULL, PRIMARY KEY(job, window_start_ms));"
    "CREATE TABLE drift_result(job TEXT NOT NULL, feature TEXT NOT NULL,"
    "  window_start_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL, method TEXT NOT NULL,"
    "  value REAL, p_value REAL, threshold_warn REAL, threshold REAL, status TEXT NOT NULL,"
    "  votes INTEGER NOT NULL, n_ref INTEGER NOT NULL, n_cur INTEGER NOT NULL, missing REAL,"
    "  options TEXT NOT NULL, computed_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(job, feature, method, window_start_ms));"
    "CREATE TABLE drift_file(job TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,"
    "  mtime_ns INTEGER NOT NULL, rows INTEGER NOT NULL, ts_min_ms INTEGER NOT NULL,"
    "  ts_max_ms INTEGER NOT NULL, processed_ms INTEGER NOT NULL, PRIMARY KEY(job, path));";

/*
 * Schema v3: what the drift screen needs to show a stored window again
 * without recomputing it - per (job, window, feature) the type, the status
 * and the primary method as columns (for queries such as an endpoint's worst
 * drift), and the rest (histogram bins of both sides, categories, moments,
 * missing shares, per-metric severity) in a versioned BLOB written by
 * core/store/store_drift.c. Windows stored by v2 have no rows here: they are shown
 * from drift_result alone, without histograms.
 */
static const char migration_v3[] =
    "CREATE TABLE drift_feature(job TEXT NOT NULL, feature TEXT NOT NULL,"
    "  window_start_ms INTEGER NOT NULL, type TEXT NOT NULL, prediction INTEGER NOT NULL,"
    "  status TEXT NOT NULL, severity REAL, primary_method TEXT NOT NULL,"
    "  detail BLOB NOT NULL, computed_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(job, window_start_ms, feature));";

/*
 * Schema v4: who changed what. The platforms' own history of each serving
 * target (CloudTrail, the Activity Log), one row per event id, kept by
 * core/store/store_changes.c; and when each observed value was last seen, so
 * a change mldeck only observed is bracketed between the last look that saw
 * the old value and the first that saw the new one (0: rows from before v4).
 */
static const char migration_v4[] =
    "CREATE TABLE change_event(backend TEXT NOT NULL, id TEXT NOT NULL, target TEXT NOT NULL,"
    "  operation TEXT NOT NULL, actor TEXT NOT NULL, actor_kind TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL, detail TEXT NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL,"
    "  source TEXT NOT NULL, PRIMARY KEY(backend, id));"
    "CREATE INDEX change_by_target ON change_event(backend, target, at_ms);"
    "ALTER TABLE history ADD COLUMN last_ms INTEGER NOT NULL DEFAULT 0;";

static const char *const migrations[] = {
    migration_v1,
    migration_v2,
    migration_v3,
    migration_v4,
};

_Static_assert(MD_ARRAY_LEN(migrations) == MD_STORE_SCHEMA_VERSION,
               "one migration per schema version");

static const char *const *extra_migrations;
static size_t extra_count;

void md_store_test_extra_migrations(const char *const *sql, size_t n)
{
    extra_migrations = sql;
    extra_count = sql ? n : 0;
}

int md_store_target_version(void)
{
    return (int)(MD_ARRAY_LEN(migrations) + extra_count);
}

/* SQL taking the database from version `from` to from + 1. */
const char *md_store_migration_sql(int from)
{
    size_t i = (size_t)from;
    if (i < MD_ARRAY_LEN(migrations))
        return migrations[i];
    return extra_migrations[i - MD_ARRAY_LEN(migrations)];
}

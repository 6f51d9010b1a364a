/*
 * store.h - the local state: one SQLite file (WAL, versioned schema with
 * ordered migrations) that keeps
 *   - the last reply of every backend request worth caching ("snapshots"),
 *     so the console opens instantly and keeps working, marked stale, when a
 *     server is unreachable;
 *   - the history of what each alias / deployment pointed to, as observed
 *     (the rollback targets);
 *   - the append-only audit log of operator actions;
 *   - small preferences;
 *   - drift jobs (schema v2): frozen references, results by window and the
 *     input files already processed; from v3 also each window's features as
 *     the drift screen shows them (functions in mldeck/drift.h);
 *   - from v4 the platforms' history of who changed each serving target
 *     (CloudTrail events, Activity Log records), and when each observed
 *     value was last seen.
 * Nothing in it is a secret: callers never pass tokens or passwords here.
 *
 * Statements are prepared once and finalised in md_store_free(). Every
 * function is synchronous and short; writes of one refresh are batched in
 * md_store_begin()/md_store_commit().
 */
#ifndef MLDECK_STORE_H
#define MLDECK_STORE_H

#include <stdbool.h>

#include "mldeck/md.h"
#include "mldeck/model.h"

typedef struct md_store md_store;

/* Current schema version written by this build. */
#define MD_STORE_SCHEMA_VERSION 4

/*
 * Open or create the database at `path` (":memory:" allowed), creating parent
 * directories (mode 0700), then migrate it to MD_STORE_SCHEMA_VERSION.
 * A database from a newer build is refused with MD_ERR_DB rather than
 * damaged. Errors: MD_ERR_IO, MD_ERR_DB.
 */
md_status md_store_open(md_store **out, const char *path, struct md_err *err);
/*
 * A file this process cannot write (or whose directory it cannot write: the -wal and
 * -shm go there) is opened read-only: reads work, the cache and preferences are not
 * kept, and md_store_audit_append() refuses with MD_ERR_READ_ONLY, so nothing that
 * needs a "started" entry can begin. A damaged file is never recreated: open fails
 * with MD_ERR_DB naming it "corrupt" with SQLite's own words.
 */
bool md_store_read_only(const md_store *s);
const char *md_store_path(const md_store *s);
/*
 * The user's consent to start afresh (--state-recover): when the file at `path` is
 * corrupt (open or PRAGMA quick_check says so), rename it, with its -wal and -shm, to
 * PATH.corrupt-YYYYmmddTHHMMSS and set *moved_to to that name (malloc'd). A healthy,
 * absent or otherwise failing file is left alone with *moved_to NULL (the open that
 * follows names any other error). Errors: MD_ERR_IO when the rename fails.
 */
md_status md_store_recover(const char *path, char **moved_to, struct md_err *err);
/* NULL is a no-op. */
void md_store_free(md_store *s);
int md_store_schema_version(md_store *s);

md_status md_store_begin(md_store *s, struct md_err *err);
md_status md_store_commit(md_store *s, struct md_err *err);

/*
 * Snapshots: the body of the last good reply for (backend, key), e.g.
 * ("sandbox", "experiments"), ("sandbox", "runs:12:page0"), with when it was
 * fetched. Put replaces. Get returns a malloc'd copy in *body (free()) and
 * MD_ERR_NOT_FOUND when absent.
 */
md_status md_store_snapshot_put(md_store *s, const char *backend, const char *key, const char *body,
                                size_t len, int64_t fetched_ms, struct md_err *err);
md_status md_store_snapshot_get(md_store *s, const char *backend, const char *key, char **body,
                                size_t *len, int64_t *fetched_ms, struct md_err *err);

/*
 * Pointer history: what a named pointer (an MLflow alias, later a SageMaker
 * endpoint's config or an Azure traffic map) pointed to, as observed.
 * `target` is e.g. "churn@champion"; `value` e.g. "3". A row is added only
 * when the value differs from the latest recorded one; the same value seen
 * again moves that row's last sighting (last_ms) to seen_ms.
 */
md_status md_store_history_observe(md_store *s, const char *backend, const char *target,
                                   const char *value, int64_t seen_ms, struct md_err *err);
/*
 * The value the pointer had before its current value (the rollback target):
 * malloc'd into *value, MD_ERR_NOT_FOUND when there is no earlier value.
 */
md_status md_store_history_previous(md_store *s, const char *backend, const char *target,
                                    char **value, struct md_err *err);

struct md_history_entry {
    int64_t seen_ms; /* the first look that saw this value */
    char *value;
    int64_t last_ms; /* the last look that saw it (>= seen_ms) */
};
/* Newest first, at most `max`; *out malloc'd, free with md_store_history_free(). */
md_status md_store_history_list(md_store *s, const char *backend, const char *target, size_t max,
                                struct md_history_entry **out, size_t *n, struct md_err *err);
void md_store_history_free(struct md_history_entry *v, size_t n);

/* Audit entries. Append-only: there is no update or delete of a row. */
struct md_audit_entry {
    int64_t id;
    int64_t ts_ms;
    char *who;    /* user@host */
    char *action; /* "alias-rollback", "alias-set", ... */
    char *backend;
    char *target; /* "churn@champion" */
    char *before;
    char *after;
    /* "started", "pending" (a re-read did not settle it yet) or "finished" */
    char *phase;
    char *outcome; /* "ok", "failed", "refused", "unknown"; "pending" for a pending entry */
    char *message;
    int64_t ref_id; /* for "finished": id of the "started" entry, else 0 */
};
/* Appends; fills e->id. Strings NULL are stored as "". */
md_status md_store_audit_append(md_store *s, struct md_audit_entry *e, struct md_err *err);
/* Newest first; *out malloc'd array, free with md_store_audit_free(). */
md_status md_store_audit_list(md_store *s, size_t max, struct md_audit_entry **out, size_t *n,
                              struct md_err *err);
/*
 * "started" entries whose outcome is not settled: no "finished" entry refers
 * to them ("pending" ones may). A "finished" entry of any outcome settles,
 * "unknown" included: the action layer writes that one only once its
 * settle window has passed.
 */
md_status md_store_audit_unsettled(md_store *s, struct md_audit_entry **out, size_t *n,
                                   struct md_err *err);
void md_store_audit_free(struct md_audit_entry *v, size_t n);
void md_audit_entry_release(struct md_audit_entry *e);

/*
 * The platforms' own history of who changed what (schema v4; struct
 * md_change, model.h), kept per backend and deduplicated by the platform's
 * event id: putting an event already kept changes nothing, so a refresh may
 * ask again from the newest event seen. An event without an id gets one
 * from its target, time and operation. Errors: MD_ERR_DB.
 *
 * Alarm state changes (source "alarm") share the table so the timeline reads
 * them with the rest, but they are not changes anyone made: _newest and
 * _list leave them out (who changed an endpoint last, CloudTrail's next
 * StartTime); _newest_source reads their own newest time.
 */
md_status md_store_changes_put(md_store *s, const char *backend, const struct md_change *v,
                               size_t n, struct md_err *err);
/* When the newest kept event of `target` happened; *at_ms 0 when none is kept. */
md_status md_store_changes_newest(md_store *s, const char *backend, const char *target,
                                  int64_t *at_ms, struct md_err *err);
/* When the newest kept event from `source` ("alarm") of any target happened; 0 when none. */
md_status md_store_changes_newest_source(md_store *s, const char *backend, const char *source,
                                         int64_t *at_ms, struct md_err *err);
/*
 * Kept events of `target`, newest first, at most `max`, appended to *out
 * (the caller releases it with md_change_list_release()).
 */
md_status md_store_changes_list(md_store *s, const char *backend, const char *target, size_t max,
                                struct md_change_list *out, struct md_err *err);

/* Preferences: small key/value strings. Get: malloc'd or MD_ERR_NOT_FOUND. */
md_status md_store_pref_set(md_store *s, const char *key, const char *value, struct md_err *err);
md_status md_store_pref_get(md_store *s, const char *key, char **value, struct md_err *err);

#endif

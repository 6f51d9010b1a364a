/*
 * store_timeline.c - the timeline rows the state file holds (timeline.h):
 * mldeck's actions from the audit log, changes mldeck observed between two
 * looks, and drift windows with drifted features.
 *
 * Observed changes come from the history table: each row is the first look
 * that saw a new value and the last look that still saw it (last_ms), so a
 * change lies between the previous row's last look and this row's first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "mldeck/md.h"
#include "mldeck/timeline.h"
#include "store_int.h"

/* How many audit entries, observations and drift windows one timeline reads at most. */
#define TL_ROWS_MAX 5000
/* An observed value counts as the effect of an mldeck action seen this long after it. */
#define TL_EXPLAIN_MS (15 * 60 * 1000)

static md_status db_fail(md_store *s, struct md_err *err, const char *what)
{
    return md_err_set(err, MD_ERR_DB, "cannot read the timeline (%s) from '%s': %s", what,
                      md_store_path(s), sqlite3_errmsg(md_store_db(s)));
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return md_xstrdup(t ? (const char *)t : "");
}

/* --- mldeck's actions ---------------------------------------------------------------------- */

/* The entry that says how started entry `id` ended: the newest finished, else a pending one. */
static const struct md_audit_entry *outcome_of(const struct md_audit_entry *v, size_t n, int64_t id)
{
    const struct md_audit_entry *pending = NULL;
    for (size_t i = 0; i < n; i++) { /* newest first: the first finished one is the last word */
        if (v[i].ref_id != id)
            continue;
        if (!strcmp(v[i].phase, "finished"))
            return &v[i];
        if (!pending)
            pending = &v[i];
    }
    return pending;
}

static void add_action(struct md_timeline *t, const struct md_audit_entry *e,
                       const struct md_audit_entry *end)
{
    struct md_tl_row *r = md_timeline_push(t);
    r->backend = md_xstrdup0(e->backend);
    r->c.target = md_xstrdup0(e->target);
    r->c.operation = md_xstrdup0(e->action);
    r->c.actor = md_xstrdup0(e->who);
    r->c.actor_kind = md_xstrdup("mldeck");
    r->c.at_ms = e->ts_ms;
    r->c.detail = md_xasprintf("%s -> %s", e->before, e->after);
    /* a started entry with nothing after it: a process that died before it could say */
    r->c.status = md_xstrdup(end ? end->outcome : "no outcome recorded");
    r->c.error = md_xstrdup0(end ? end->message : "");
    r->c.source = md_xstrdup("mldeck");
    r->c.id = md_xasprintf("audit:%lld", (long long)e->id);
}

static md_status collect_actions(md_store *s, const struct md_tl_query *q, struct md_timeline *t,
                                 struct md_audit_entry **audit, size_t *n_audit, struct md_err *err)
{
    md_status st = md_store_audit_list(s, TL_ROWS_MAX, audit, n_audit, err);
    if (st)
        return st;
    const struct md_audit_entry *v = *audit;
    for (size_t i = 0; i < *n_audit; i++) {
        const struct md_audit_entry *e = &v[i];
        bool started = !strcmp(e->phase, "started");
        /* a refusal is one finished entry of its own: nothing was sent, but it was asked */
        bool refused = !strcmp(e->phase, "finished") && e->ref_id == 0;
        if ((!started && !refused) || e->ts_ms < q->since_ms ||
            (q->until_ms && e->ts_ms > q->until_ms) ||
            !md_timeline_target_matches(e->target, q->target))
            continue;
        add_action(t, e, started ? outcome_of(v, *n_audit, e->id) : e);
    }
    return MD_OK;
}

/* --- observed changes ------------------------------------------------------------------------ */

/* An mldeck action that set target to value and started before the look that saw it. */
static bool explained(const struct md_audit_entry *v, size_t n, const char *backend,
                      const char *target, const char *value, int64_t seen_ms)
{
    for (size_t i = 0; i < n; i++) {
        const struct md_audit_entry *e = &v[i];
        if (strcmp(e->phase, "started") || strcmp(e->backend, backend) ||
            strcmp(e->target, target) || strcmp(e->after, value))
            continue;
        if (e->ts_ms <= seen_ms && seen_ms - e->ts_ms <= TL_EXPLAIN_MS)
            return true;
    }
    return false;
}

/* The kind of change a store target names, as a verb for the row. */
static const char *observed_what(const char *target)
{
    if (strncmp(target, "endpoint:", 9))
        return "alias moved";
    return strchr(target, '#') ? "traffic changed" : "config changed";
}

/* The lower bound: the last look that saw the old value (last_ms), else its first look. */
static const char observed_sql[] =
    "SELECT backend, target, value, seen_ms, prev_value, MAX(prev_seen, prev_last) FROM ("
    "  SELECT backend, target, value, seen_ms, LAG(value) OVER w AS prev_value,"
    "    LAG(seen_ms) OVER w AS prev_seen, LAG(last_ms) OVER w AS prev_last"
    "  FROM history WINDOW w AS (PARTITION BY backend, target ORDER BY id))"
    " WHERE prev_value IS NOT NULL AND seen_ms >= ?1 AND (?2 = 0 OR prev_seen <= ?2)"
    " ORDER BY seen_ms DESC LIMIT ?3";

static md_status collect_observed(md_store *s, const struct md_tl_query *q, struct md_timeline *t,
                                  const struct md_audit_entry *audit, size_t n_audit,
                                  struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(md_store_db(s), observed_sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "observed changes");
    sqlite3_bind_int64(st, 1, q->since_ms);
    sqlite3_bind_int64(st, 2, q->until_ms);
    sqlite3_bind_int(st, 3, TL_ROWS_MAX);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *backend = col(st, 0), *target = col(st, 1), *value = col(st, 2);
        int64_t seen = sqlite3_column_int64(st, 3);
        if (!md_timeline_target_matches(target, q->target) ||
            explained(audit, n_audit, backend, target, value, seen)) {
            free(backend);
            free(target);
            free(value);
            continue;
        }
        char *prev = col(st, 4);
        struct md_tl_row *r = md_timeline_push(t);
        r->backend = backend;
        r->c.target = target;
        r->c.operation = md_xstrdup(observed_what(target));
        r->c.actor = md_xstrdup(""); /* unknown: the platform keeps no history of it */
        r->c.seen_after_ms = sqlite3_column_int64(st, 5);
        r->c.seen_before_ms = seen;
        r->c.detail = md_xasprintf("%s -> %s", prev, value);
        r->c.status = md_xstrdup("");
        r->c.source = md_xstrdup("observed");
        r->c.id = md_xasprintf("observed:%lld", (long long)seen);
        free(prev);
        free(value);
    }
    md_status ret = rc == SQLITE_DONE ? MD_OK : db_fail(s, err, "observed changes");
    sqlite3_finalize(st);
    return ret;
}

/* --- the platforms' history kept in the state file --------------------------------------------- */

static const char platform_sql[] =
    "SELECT backend, id, target, operation, actor, actor_kind, at_ms, detail, status, error,"
    " source FROM change_event WHERE at_ms >= ?1 AND (?2 = 0 OR at_ms <= ?2)"
    " ORDER BY at_ms DESC LIMIT ?3";

static md_status collect_platform(md_store *s, const struct md_tl_query *q, struct md_timeline *t,
                                  struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(md_store_db(s), platform_sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "platform history");
    sqlite3_bind_int64(st, 1, q->since_ms);
    sqlite3_bind_int64(st, 2, q->until_ms);
    sqlite3_bind_int(st, 3, TL_ROWS_MAX);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *backend = col(st, 0);
        struct md_change c = {
            .id = col(st, 1),
            .target = col(st, 2),
            .operation = col(st, 3),
            .actor = col(st, 4),
            .actor_kind = col(st, 5),
            .at_ms = sqlite3_column_int64(st, 6),
            .detail = col(st, 7),
            .status = col(st, 8),
            .error = col(st, 9),
            .source = col(st, 10),
        };
        md_timeline_add_change(t, backend, &c, q);
        md_change_release(&c);
        free(backend);
    }
    md_status ret = rc == SQLITE_DONE ? MD_OK : db_fail(s, err, "platform history");
    sqlite3_finalize(st);
    return ret;
}

/* --- drift windows --------------------------------------------------------------------------- */

static const char drift_sql[] =
    "SELECT job, window_start_ms, window_end_ms, tested, drifted, dataset_drift"
    " FROM drift_window WHERE drifted > 0 AND window_end_ms >= ?1"
    " AND (?2 = 0 OR window_start_ms <= ?2) ORDER BY window_end_ms DESC LIMIT ?3";

static md_status collect_drift(md_store *s, const struct md_tl_query *q, struct md_timeline *t,
                               struct md_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(md_store_db(s), drift_sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "drift windows");
    sqlite3_bind_int64(st, 1, q->since_ms);
    sqlite3_bind_int64(st, 2, q->until_ms);
    sqlite3_bind_int(st, 3, TL_ROWS_MAX);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *job = col(st, 0);
        const char *watched = q->drift_target ? q->drift_target(job, q->ud) : NULL;
        char *target = watched && *watched ? md_xstrdup(watched) : md_xasprintf("drift:%s", job);
        if (!md_timeline_target_matches(target, q->target) &&
            strcmp(job, q->target ? q->target : "")) {
            free(job);
            free(target);
            continue;
        }
        long long tested = sqlite3_column_int64(st, 3), drifted = sqlite3_column_int64(st, 4);
        bool dataset = sqlite3_column_int(st, 5) != 0;
        struct md_tl_row *r = md_timeline_push(t);
        r->backend = md_xstrdup("");
        r->c.target = target;
        r->c.operation = md_xasprintf("drift (job %s)", job);
        r->c.actor = md_xstrdup("");
        /* a window is a span, not a point: it sorts by its end, when it was all in */
        r->c.seen_after_ms = sqlite3_column_int64(st, 1);
        r->c.seen_before_ms = sqlite3_column_int64(st, 2);
        r->c.detail = md_xasprintf("%lld of %lld features drifted%s", drifted, tested,
                                   dataset ? " (dataset drift)" : "");
        r->c.status = md_xstrdup(dataset ? "drift" : "warn");
        r->c.source = md_xstrdup("drift");
        r->c.id = md_xasprintf("drift:%s:%lld", job, (long long)r->c.seen_after_ms);
        free(job);
    }
    md_status ret = rc == SQLITE_DONE ? MD_OK : db_fail(s, err, "drift windows");
    sqlite3_finalize(st);
    return ret;
}

md_status md_timeline_collect(md_store *s, const struct md_tl_query *q, struct md_timeline *out,
                              struct md_err *err)
{
    struct md_tl_query all = {0};
    if (!q)
        q = &all;
    struct md_audit_entry *audit = NULL;
    size_t n_audit = 0;
    md_status st = collect_actions(s, q, out, &audit, &n_audit, err);
    if (!st)
        st = collect_observed(s, q, out, audit, n_audit, err);
    if (!st)
        st = collect_platform(s, q, out, err);
    if (!st)
        st = collect_drift(s, q, out, err);
    md_store_audit_free(audit, n_audit);
    return st;
}

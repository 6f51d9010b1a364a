/*
 * timeline.h - the incident timeline: one time axis of everything that
 * changed what is served, from every source mldeck has, so an on-call
 * engineer reads "what changed, who did it, and what happened after" in one
 * place instead of five screens.
 *
 * Sources, each row saying which one it came from:
 *   - "mldeck":   operator actions from the audit log (one row per action,
 *                 with how it ended);
 *   - "observed": a change of an alias / endpoint config / traffic map that
 *                 mldeck saw between two looks and did not make itself: who is
 *                 unknown and the time is a bracket;
 *   - the platform's own history ("cloudtrail", "activity-log"), alarm state
 *     changes ("alarm": CloudWatch's DescribeAlarmHistory, Azure's fired and
 *     resolved alerts, kept in the platform history table; an alarm's current
 *     state when no kept change shows it) and drift windows over threshold
 *     ("drift"), added by whoever holds them.
 * An observed change that an mldeck action explains (same backend, target and
 * new value, seen after the action started) is not shown twice.
 *
 * Rows reuse struct md_change (model.h): target, operation ("what"), actor
 * ("who", "" unknown), at_ms or the [seen_after_ms, seen_before_ms] bracket,
 * detail ("before -> after"), status (how it ended), source, id ("audit:17"
 * for an mldeck action: the started entry, for planning its undo).
 */
#ifndef MLDECK_TIMELINE_H
#define MLDECK_TIMELINE_H

#include <stdint.h>

#include "mldeck/model.h"
#include "mldeck/store.h"

struct md_tl_row {
    char *backend; /* the backend's name in the config */
    struct md_change c;
};
MD_LIST(md_timeline, struct md_tl_row);

struct md_tl_query {
    int64_t since_ms; /* rows at or after this time (a bracket that ends after it counts) */
    int64_t until_ms; /* 0: no upper bound */
    /*
     * NULL: every target. Else a target as the user names it: "MODEL@ALIAS", a
     * model name (all its aliases), an endpoint name (its config and traffic), or
     * the store's spelling ("endpoint:NAME", "endpoint:NAME#traffic").
     */
    const char *target;
    /*
     * The target a drift job watches (its configured endpoint), or NULL/"" for
     * "drift:JOB". NULL callback: every drift row is "drift:JOB".
     */
    const char *(*drift_target)(const char *job, const void *ud);
    const void *ud;
};

/*
 * Rows from the state file: the audit log, the observed history, the
 * platforms' history kept there (CloudTrail, the Activity Log), drift windows
 * with drifted features. Appended to *out (which may hold rows
 * already); call md_timeline_sort() when every source is in.
 * Errors: MD_ERR_DB (the first failing read; rows read so far are kept).
 */
md_status md_timeline_collect(md_store *s, const struct md_tl_query *q, struct md_timeline *out,
                              struct md_err *err);

/*
 * Platform history of one backend (md_change records whose target is the
 * endpoint name or "MODEL@ALIAS"): copied in when they match q. Endpoint
 * targets are spelt "endpoint:NAME" in the timeline like everywhere else.
 */
void md_timeline_add_change(struct md_timeline *t, const char *backend, const struct md_change *c,
                            const struct md_tl_query *q);
void md_timeline_add_changes(struct md_timeline *t, const char *backend,
                             const struct md_change_list *changes, const struct md_tl_query *q);

/* Alarm state as a row: "ALARM since ..." (source "alarm"), when it matches q. */
void md_timeline_add_alarms(struct md_timeline *t, const char *backend,
                            const struct md_alarm_list *alarms, const struct md_tl_query *q);

/* Newest first; a bracketed row sorts by the end of its bracket. */
void md_timeline_sort(struct md_timeline *t);
/*
 * Once every source is in: drop an observed change that the platform's own
 * history explains (an event of the same backend on the same endpoint inside
 * the observation's bracket, a minute's slack either side: the platform names
 * who, the observation could not), drop an alarm's current state that its
 * kept history already shows (the change into that state), then sort.
 */
void md_timeline_finish(struct md_timeline *t);

/* The time a row sorts by: at_ms, else seen_before_ms. */
int64_t md_tl_row_time(const struct md_tl_row *r);

/* True when `target` (the store's spelling) is what the user asked for in `want`. */
bool md_timeline_target_matches(const char *target, const char *want);

struct md_tl_row *md_timeline_push(struct md_timeline *t);
void md_timeline_release(struct md_timeline *t);

#endif

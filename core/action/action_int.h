/*
 * action_int.h - the action layer's private state, shared by its files,
 * from the bottom up:
 *   action_kind.c   kinds of action and what they act on: names, the plan
 *                   record, targets, the value a reply says a target holds,
 *                   weights maps;
 *   action_audit.c  the audit log (writes, the list shown, last changes) and
 *                   the read-only gate whose refusals it records;
 *   action_plan.c   building plans from the deck's snapshot and the store;
 *   action_settle.c settling what a killed process left unfinished;
 *   action.c        the handle, its hook on the deck's loop, execution and
 *                   verification.
 * The layer reaches the deck only through include/mldeck/deck.h.
 */
#ifndef MLDECK_ACTION_INT_H
#define MLDECK_ACTION_INT_H

#include "mldeck/action.h"
#include "mldeck/backend.h"
#include "mldeck/store.h"

struct settle;

struct md_actions {
    md_deck *deck;      /* NULL once the deck was freed (its hook's release) */
    bool closed;        /* md_actions_free() came while requests were in flight */
    unsigned in_flight; /* backend requests of the layer whose callback has not run */
    char who[128];      /* user@host for audit entries */
    struct md_audit_entry *audit;
    size_t n_audit;

    /* The action running, or the last one run. */
    enum md_action_phase phase;
    char message[512];
    struct md_plan plan;
    int64_t started_id; /* audit id of the "started" entry */
    unsigned verify_tries;
    int64_t next_poll_mono; /* when to re-read a settling endpoint; 0 = not waiting */
    bool write_timed_out;   /* the backend gave up waiting for its own operation */
    bool write_failed;      /* the write's reply was not a 2xx: only a re-read can tell */
    bool may_land;          /* ... and it may still be applied later (504, timeout, reset) */

    struct settle *settles;   /* re-reads of unsettled entries, in flight */
    int64_t settle_window_ms; /* how long after its start an entry may stay pending */
};

/* Default of settle_window_ms; MLDECK_SETTLE_WINDOW (seconds) overrides it. */
#define ACTION_SETTLE_WINDOW_S 600

/* --- action_kind.c ----------------------------------------------------------------------------- */

/* Kind from its audit name; MD_ACTION_KIND_COUNT when unknown. */
enum md_action_kind action_kind_parse(const char *name);
/* True for the kinds that act on an alias, an endpoint config, weights, an approval. */
bool action_is_alias(enum md_action_kind k);
bool action_is_config(enum md_action_kind k);
bool action_is_weights(enum md_action_kind k);
bool action_is_approval(enum md_action_kind k);
/* A deep copy of src into dst (released with md_plan_release()). */
void action_plan_copy(struct md_plan *dst, const struct md_plan *src);
/*
 * Fill p's model and alias, model and version, or endpoint from an audit
 * target of kind k ("churn@champion", "churn#3", "endpoint:x#traffic").
 * False when the target does not name what kind k acts on.
 */
bool action_plan_target(struct md_plan *p, enum md_action_kind k, const char *target);
/*
 * What a reply to the re-read of p's target says the target holds now, in
 * the plan's terms (a version, an approval status, a config name, a weights
 * map): malloc'd, or NULL when the reply does not tell.
 */
char *action_value_now(const struct md_plan *p, const struct md_result *r);
/* True while an endpoint's status says it is still moving (Updating, ...). */
bool action_status_settling(const char *status);
/*
 * Parse "a=1,b=2" into weights for the endpoint's deployments, in the
 * endpoint's order; deployments not named keep `keep` weights (current).
 * Returns a malloc'd array of e->n_deployments entries (names lent from e).
 */
md_status action_parse_weights(const struct md_endpoint *e, const char *spec,
                               struct md_weight **out, struct md_err *err);
/* "a=1,b=2" for an array of weights (malloc'd). */
char *action_weights_string(const struct md_weight *w, size_t n);

/* --- action_audit.c ---------------------------------------------------------------------------- */

/* The operator's user@host, and the audit list loaded (at md_actions_new()). */
void action_audit_init(md_actions *a);
/*
 * Append an entry for plan p (its backend, target, from and to) and reload
 * the list (MD_CHANGED_AUDIT). Returns the entry's id; 0 when it could not
 * be written (logged: the action itself proceeds).
 */
int64_t action_audit(md_actions *a, const struct md_plan *p, const char *phase, const char *outcome,
                     const char *message, int64_t ref_id);
/* Free the loaded list (at the layer's end). */
void action_audit_release(md_actions *a);
/* True when the loaded list has a "pending" entry for the action started as `id`. */
bool action_audit_has_pending(const md_actions *a, int64_t id);
/* The log again from the store: entries other processes wrote show up (MD_CHANGED_AUDIT). */
void action_audit_reload(md_actions *a);
/* The read-only gate: MD_ERR_READ_ONLY in read-only mode, the refusal audited. */
md_status action_gate(md_actions *a, const struct md_plan *p, struct md_err *err);

/* --- action_settle.c --------------------------------------------------------------------------- */

/* Free the settles in flight (their answers never come: the deck is gone). */
void action_settles_release(md_actions *a);
/* settle_window_ms from the environment (MLDECK_SETTLE_WINDOW) or the default. */
void action_settle_init(md_actions *a);

#endif

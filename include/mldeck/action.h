/*
 * action.h - every mutation, one path: plan -> read-only gate ->
 * confirmation by the front end -> execute -> verify by re-reading ->
 * audit entry before and after.
 *
 * The action layer sits above the deck (deck.h) and reaches it only through
 * the deck's public API: it reads the snapshot to plan, writes through the
 * backends the deck lends, puts what it verified back into the snapshot,
 * runs its timers on the deck's loop (a md_deck_hook) and reports its changes
 * in md_deck_run()'s mask (MD_CHANGED_ACTION, MD_CHANGED_AUDIT). Its state
 * lives behind one md_actions handle per deck; the audit log is its own.
 *
 * A plan says what changes, from what, to what, and what the operator must
 * type to confirm (the model name). Planning refuses at once in read-only
 * mode (MD_ERR_READ_ONLY, and the refusal is audited), and execution checks
 * the gate again, so no front end can reach a backend write around it; the
 * HTTP layer refuses non-reads a third time.
 *
 * Execution is asynchronous: progress shows through md_action_state() and
 * MD_CHANGED_ACTION from md_deck_run(). A "started" audit entry is written
 * before the request leaves, so a kill -9 halfway leaves a trace that the
 * next start settles by re-reading the target (md_action_settle_unfinished()).
 */
#ifndef MLDECK_ACTION_H
#define MLDECK_ACTION_H

#include "mldeck/deck.h"
#include "mldeck/store.h"

typedef struct md_actions md_actions;

/* The action layer's bits of md_deck_run()'s mask (see MD_CHANGED_ABOVE). */
enum md_action_change {
    MD_CHANGED_AUDIT = MD_CHANGED_ABOVE << 0,  /* the audit list was reloaded */
    MD_CHANGED_ACTION = MD_CHANGED_ABOVE << 1, /* md_action_state() moved on */
};

/*
 * Create the action layer over deck `d` (borrowed: the deck must stay open
 * while the layer is used) and load the audit log from the deck's store
 * (MD_CHANGED_AUDIT on the next md_deck_run()). Audit entries name the
 * operator as user@host from the local account. A log that cannot be read
 * is logged and shows empty. Returns MD_OK; *out is freed with
 * md_actions_free().
 */
md_status md_actions_new(md_actions **out, md_deck *d, struct md_err *err);
/*
 * Free the layer (NULL is a no-op), before or after md_deck_free() of its
 * deck. While the deck is open and a request of the layer is still in flight
 * (an action being verified, a settle), the backends cannot take it back:
 * its answer is then ignored and the memory stays until md_deck_free(). An
 * action left unfinished this way is settled by a later start.
 */
void md_actions_free(md_actions *a);

enum md_action_kind {
    MD_ACTION_ALIAS_SET = 0,
    MD_ACTION_ALIAS_ROLLBACK,
    MD_ACTION_ALIAS_UNDO,
    MD_ACTION_ENDPOINT_ROLLBACK, /* point an endpoint at an earlier config */
    MD_ACTION_ENDPOINT_UNDO,
    MD_ACTION_WEIGHTS_SET, /* shift traffic between deployments */
    MD_ACTION_WEIGHTS_UNDO,
    MD_ACTION_APPROVAL_SET, /* approve / reject a model version (SageMaker package) */
    MD_ACTION_APPROVAL_UNDO,
    MD_ACTION_KIND_COUNT
};

/*
 * What an action changes. For alias actions `model` and `alias` are set; for
 * endpoint actions `endpoint`; for approval actions `model` and `version`. `from` and `to` are what the target holds now
 * and after: a version, an endpoint config name, or a weights map written
 * "blue=90,green=10" (every deployment named, in the endpoint's order).
 */
struct md_plan {
    enum md_action_kind kind;
    size_t backend;
    char *backend_name;
    char *target; /* audit target: "churn@champion", "endpoint:x", "endpoint:x#traffic" */
    char *model;
    char *alias;
    char *endpoint;
    char *version; /* approval actions */
    char *from;
    char *to;
    char *confirm_text; /* what the operator types: the model or endpoint name */
    char *summary;      /* one line per fact, for the plan dialog */
};
void md_plan_release(struct md_plan *p);
const char *md_action_kind_str(enum md_action_kind k);

/*
 * Plan moving `alias` of `model` back: to `to` when given, else to the
 * version it pointed to before (the store's history). Reads the current
 * value from the snapshot. Errors: MD_ERR_READ_ONLY (audited as refused),
 * MD_ERR_NOT_FOUND (unknown model or alias, or no earlier version known),
 * MD_ERR_INVALID (`to` equals the current version, or is not a version of the
 * model when the versions are loaded), MD_ERR_UNSUPPORTED.
 */
md_status md_action_plan_alias_rollback(md_actions *a, size_t bi, const char *model,
                                        const char *alias, const char *to, struct md_plan *out,
                                        struct md_err *err);
/* Plan setting an alias to an explicit version (also the undo of a rollback). */
md_status md_action_plan_alias_set(md_actions *a, size_t bi, const char *model, const char *alias,
                                   const char *to, struct md_plan *out, struct md_err *err);
/*
 * Plan pointing an endpoint back at an earlier config (SageMaker
 * UpdateEndpoint): `to` when given, else the config mldeck last observed
 * before the current one, else the newest config older than the current one
 * (inferred; the summary says which). Same errors as the alias plan.
 */
md_status md_action_plan_endpoint_rollback(md_actions *a, size_t bi, const char *endpoint,
                                           const char *to, struct md_plan *out, struct md_err *err);
/*
 * Plan new traffic weights: `spec` "blue=100,green=0" names some or all
 * deployments (those not named keep their weight); NULL means back to the
 * weights mldeck observed before the current ones (a traffic rollback).
 * MD_ERR_INVALID for unknown deployment names, negative weights, or an all-zero map.
 */
md_status md_action_plan_weights(md_actions *a, size_t bi, const char *endpoint, const char *spec,
                                 struct md_plan *out, struct md_err *err);

/*
 * Plan setting the approval status of one model version (a SageMaker model
 * package): `status` is Approved, Rejected or PendingManualApproval. The
 * versions of the model must have been loaded (md_deck_want_versions), as the
 * current status is the plan's "from". MD_ERR_INVALID for an unknown status
 * or one the version already has.
 */
md_status md_action_plan_approval(md_actions *a, size_t bi, const char *model, const char *version,
                                  const char *status, struct md_plan *out, struct md_err *err);

/*
 * Plan the reverse of the newest finished, successful action of this
 * operator (user@host) in the audit log ("undo"), read from the store at
 * the call, so an action another process finished counts. MD_ERR_NOT_FOUND
 * when there is none.
 */
md_status md_action_plan_undo(md_actions *a, struct md_plan *out, struct md_err *err);

/*
 * Run a plan. `typed` must equal plan->confirm_text (MD_ERR_REFUSED
 * otherwise, audited). Only one action runs at a time (MD_ERR_INVALID).
 * Returns once the request is submitted; the outcome arrives later.
 */
md_status md_action_execute(md_actions *a, const struct md_plan *plan, const char *typed,
                            struct md_err *err);

enum md_action_phase {
    MD_ACTION_IDLE = 0,
    MD_ACTION_RUNNING,
    MD_ACTION_VERIFYING,
    MD_ACTION_DONE,
    MD_ACTION_FAILED,
    /*
     * The write's reply was not a clear success and no re-read has shown the
     * outcome yet: a "pending" entry is in the log, and later starts and
     * refreshes keep re-reading the target (md_action_settle_unfinished()).
     */
    MD_ACTION_PENDING
};
struct md_action_state {
    enum md_action_phase phase;
    const char *message; /* lent until the next md_deck_run() or md_action_execute() */
};
void md_action_state(const md_actions *a, struct md_action_state *st);

/*
 * Settle the actions whose outcome is not known: a "started" entry with no
 * "finished" one (a killed process, a write answered by a gateway error or
 * not at all). Each target is re-read; the planned value there appends a
 * "finished" entry "ok". Anything else cannot prove "failed" (the write may
 * still be held by a gateway and land later): the first such re-read
 * appends a "pending" entry, later ones only log, and once the entry is
 * older than the settle window (MLDECK_SETTLE_WINDOW seconds, default 600)
 * a "finished" entry "unknown" says what the last re-read showed.
 * Asynchronous: the re-reads answer in md_deck_run()/md_deck_settle(). Every
 * md_deck_refresh() runs this too (after reloading the log from the store),
 * so a front end that refreshes needs no call of its own.
 */
void md_action_settle_unfinished(md_actions *a);

/*
 * The audit log, newest first (the last 500 entries), reloaded after every
 * entry the layer writes and on every md_deck_refresh(), so entries another
 * process wrote to the same state file show up (MD_CHANGED_AUDIT). *v is lent until the next
 * md_deck_run() or call on the layer that writes an entry (planning,
 * executing), or md_actions_free().
 */
void md_actions_audit(const md_actions *a, const struct md_audit_entry **v, size_t *n);
/*
 * Who last changed an alias and when, in short: md_actions_who_alias()'s
 * actor ("unknown" when nobody can say) and its time, or the end of its
 * bracket. False when unknown or bi is out of range.
 */
bool md_actions_alias_last_change(const md_actions *a, size_t bi, const char *model,
                                  const char *alias, int64_t *when_ms, char *who, size_t who_len);

/*
 * Who made the last change of an alias, and when (struct md_who, model.h).
 * MLflow keeps no alias history: an action of mldeck's counts only when its
 * audit entry names the same target and the value seen now, and falls
 * between the first look that saw the old value and the first that saw the
 * new one; any other change is by "unknown", bracketed by those looks.
 * False when mldeck never saw the alias or bi is out of range.
 */
bool md_actions_who_alias(const md_actions *a, size_t bi, const char *model, const char *alias,
                          struct md_who *out);
/*
 * The same for an endpoint: the platform's history kept by the deck
 * (md_deck_changes(): CloudTrail, the Activity Log) when it has an event at
 * least as new as the last change mldeck observed; else Azure's
 * systemData.lastModifiedBy/At; else an audited action matched as above;
 * else "unknown" with the bracket, or with the platform's last-modified time.
 * False when nothing at all is known.
 */
bool md_actions_who_endpoint(const md_actions *a, size_t bi, const struct md_endpoint *e,
                             struct md_who *out);

#endif

/*
 * action.h - every mutation, one path: plan -> read-only gate ->
 * confirmation by the front end -> execute -> verify by re-reading ->
 * audit entry before and after.
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
 * next start settles by re-reading the alias (md_action_settle_unfinished()).
 */
#ifndef MLDECK_ACTION_H
#define MLDECK_ACTION_H

#include "mldeck/deck.h"

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
md_status md_action_plan_alias_rollback(md_deck *d, size_t bi, const char *model, const char *alias,
                                        const char *to, struct md_plan *out, struct md_err *err);
/* Plan setting an alias to an explicit version (also the undo of a rollback). */
md_status md_action_plan_alias_set(md_deck *d, size_t bi, const char *model, const char *alias,
                                   const char *to, struct md_plan *out, struct md_err *err);
/*
 * Plan pointing an endpoint back at an earlier config (SageMaker
 * UpdateEndpoint): `to` when given, else the config mldeck last observed
 * before the current one, else the newest config older than the current one
 * (inferred; the summary says which). Same errors as the alias plan.
 */
md_status md_action_plan_endpoint_rollback(md_deck *d, size_t bi, const char *endpoint,
                                           const char *to, struct md_plan *out, struct md_err *err);
/*
 * Plan new traffic weights: `spec` "blue=100,green=0" names some or all
 * deployments (those not named keep their weight); NULL means back to the
 * weights mldeck observed before the current ones (a traffic rollback).
 * MD_ERR_INVALID for unknown deployment names, negative weights, or an all-zero map.
 */
md_status md_action_plan_weights(md_deck *d, size_t bi, const char *endpoint, const char *spec,
                                 struct md_plan *out, struct md_err *err);

/*
 * Plan setting the approval status of one model version (a SageMaker model
 * package): `status` is Approved, Rejected or PendingManualApproval. The
 * versions of the model must have been loaded (md_deck_want_versions), as the
 * current status is the plan's "from". MD_ERR_INVALID for an unknown status
 * or one the version already has.
 */
md_status md_action_plan_approval(md_deck *d, size_t bi, const char *model, const char *version,
                                  const char *status, struct md_plan *out, struct md_err *err);

/*
 * Plan the reverse of the newest finished, successful action in the audit log
 * ("undo"). MD_ERR_NOT_FOUND when there is none.
 */
md_status md_action_plan_undo(md_deck *d, struct md_plan *out, struct md_err *err);

/*
 * Run a plan. `typed` must equal plan->confirm_text (MD_ERR_REFUSED
 * otherwise, audited). Only one action runs at a time (MD_ERR_INVALID).
 * Returns once the request is submitted; the outcome arrives later.
 */
md_status md_action_execute(md_deck *d, const struct md_plan *plan, const char *typed,
                            struct md_err *err);

enum md_action_phase {
    MD_ACTION_IDLE = 0,
    MD_ACTION_RUNNING,
    MD_ACTION_VERIFYING,
    MD_ACTION_DONE,
    MD_ACTION_FAILED
};
struct md_action_state {
    enum md_action_phase phase;
    const char *message; /* lent until the next md_deck_run() */
};
void md_action_state(const md_deck *d, struct md_action_state *st);

/*
 * Settle "started" audit entries left by a killed process: re-read each
 * target and append a "finished" entry with outcome "ok" when the alias now
 * holds the planned value, "failed" when it holds the old one, "unknown"
 * otherwise. Asynchronous; call once after opening the deck.
 */
void md_action_settle_unfinished(md_deck *d);

#endif

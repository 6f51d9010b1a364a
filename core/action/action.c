/*
 * action.c - the action layer's handle over a deck, and the one path every
 * mutation takes once planned: read-only gate, typed confirmation, execute,
 * verify by re-reading, audit before and after.
 *
 * This is the only file that calls a backend's mutating slots (`make lint`
 * checks it). The gate is checked when planning and again when executing;
 * the HTTP layer refuses non-reads a third time in read-only mode. Re-reads
 * of an endpoint still updating wait on a timer the deck's loop runs
 * through this layer's hook.
 */
#include "action_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_TRIES 3
#define REREAD_MS 1000 /* between re-reads after a write answered with an error */
#define SETTLE_POLL_MS 2000
#define SETTLE_POLLS 300 /* ten minutes of an endpoint updating */

/* --- the handle and its hook on the deck ------------------------------------------------------ */

/* The re-read of a settling endpoint is due: on the deck's timer. */
static int64_t hook_due(void *ud)
{
    const md_actions *a = ud;
    return a->closed ? 0 : a->next_poll_mono;
}

static void verify(md_actions *a);

static void hook_tick(void *ud)
{
    md_actions *a = ud;
    if (a->next_poll_mono && md_mono_ms() >= a->next_poll_mono)
        verify(a);
}

static void actions_free_now(md_actions *a)
{
    action_settles_release(a);
    md_plan_release(&a->plan);
    action_audit_release(a);
    free(a);
}

/* The deck is being freed: no answer comes any more, so nothing waits for one. */
static void hook_release(void *ud)
{
    md_actions *a = ud;
    action_settles_release(a);
    a->in_flight = 0;
    a->deck = NULL;
    if (a->closed)
        actions_free_now(a);
}

/*
 * A refresh (Ctrl-R, the console's timer, a headless command's): another
 * process may have written to the log, and pending entries are re-read.
 */
static void hook_refresh(void *ud)
{
    md_actions *a = ud;
    if (a->closed)
        return;
    action_audit_reload(a);
    md_action_settle_unfinished(a);
}

static const struct md_deck_hook actions_hook = {
    .due = hook_due,
    .tick = hook_tick,
    .release = hook_release,
    .refresh = hook_refresh,
};

md_status md_actions_new(md_actions **out, md_deck *d, struct md_err *err)
{
    (void)err; /* nothing fails today: an unreadable log is logged and shows empty */
    md_actions *a = md_xcalloc(1, sizeof(*a));
    a->deck = d;
    action_settle_init(a);
    action_audit_init(a);
    md_deck_hook_add(d, &actions_hook, a);
    *out = a;
    return MD_OK;
}

void md_actions_free(md_actions *a)
{
    if (!a)
        return;
    if (a->deck && a->in_flight) {
        /* callbacks still hold a: they drop their answers, and the deck's end frees it */
        a->closed = true;
        return;
    }
    if (a->deck)
        md_deck_hook_remove(a->deck, &actions_hook, a);
    actions_free_now(a);
}

void md_action_state(const md_actions *a, struct md_action_state *st)
{
    st->phase = a->phase;
    st->message = a->message;
}

/* --- execution -------------------------------------------------------------------------------- */

static void finish(md_actions *a, enum md_action_phase phase, const char *outcome, const char *msg)
{
    a->phase = phase;
    a->next_poll_mono = 0;
    snprintf(a->message, sizeof(a->message), "%s", msg);
    action_audit(a, &a->plan, "finished", outcome, msg, a->started_id);
    md_deck_notify(a->deck, MD_CHANGED_ACTION);
}

/*
 * No re-read proved the outcome: a "pending" entry, which later starts and
 * refreshes settle (action_settle.c). `seen` is what the last re-read said.
 */
static void pending(md_actions *a, const char *seen)
{
    char msg[512];
    snprintf(msg, sizeof(msg),
             "%s -> %s not confirmed, outcome pending: %s; re-read by later starts for up to %lld "
             "s%s%s",
             a->plan.from, a->plan.to, seen, (long long)(a->settle_window_ms / 1000),
             a->write_failed ? "; " : "", a->write_failed ? a->message : "");
    a->phase = MD_ACTION_PENDING;
    a->next_poll_mono = 0;
    snprintf(a->message, sizeof(a->message), "%s", msg);
    action_audit(a, &a->plan, "pending", "pending", msg, a->started_id);
    md_deck_notify(a->deck, MD_CHANGED_ACTION);
}

/* The target holds the planned value: "ok", saying so when the write's own reply was an error. */
static void confirmed(md_actions *a, const char *extra)
{
    char msg[512];
    if (a->write_failed)
        snprintf(msg, sizeof(msg), "%s: %s -> %s%s, confirmed by re-read after: %s", a->plan.target,
                 a->plan.from, a->plan.to, extra, a->message);
    else
        snprintf(msg, sizeof(msg), "%s: %s -> %s%s", a->plan.target, a->plan.from, a->plan.to,
                 extra);
    finish(a, MD_ACTION_DONE, "ok", msg);
}

/*
 * The target does not hold the planned value after a write whose reply was
 * final (a 2xx, or an error that cannot land later): "failed".
 */
static void refuted(md_actions *a, const char *seen, const char *fallback)
{
    char msg[512];
    if (a->write_failed)
        snprintf(msg, sizeof(msg), "%s; re-read shows %s", a->message, seen);
    else
        snprintf(msg, sizeof(msg), "%s", fallback);
    finish(a, MD_ACTION_FAILED, "failed", msg);
}

/* Ask again: at once after a 2xx reply, a moment later after an error (the write may land). */
static void verify_again(md_actions *a)
{
    if (a->write_failed) {
        a->phase = MD_ACTION_VERIFYING;
        a->next_poll_mono = md_mono_ms() + REREAD_MS;
    } else {
        verify(a);
    }
}

static void on_verified(struct md_result *r, void *ud);

/* Re-read the target: the alias, the version's approval, or the endpoint until it settles. */
static void verify(md_actions *a)
{
    struct md_backend *be = md_deck_backend(a->deck, a->plan.backend);
    a->phase = MD_ACTION_VERIFYING;
    a->verify_tries++;
    a->next_poll_mono = 0;
    a->in_flight++;
    if (action_is_alias(a->plan.kind))
        be->ops->get_alias(be, a->plan.model, a->plan.alias, on_verified, a);
    else if (action_is_approval(a->plan.kind))
        be->ops->list_versions(be, a->plan.model, NULL, 1000, on_verified, a);
    else
        be->ops->get_endpoint(be, a->plan.endpoint, on_verified, a);
    md_deck_notify(a->deck, MD_CHANGED_ACTION);
}

/*
 * The outcome of an alias or approval re-read: the planned value proves ok;
 * another value proves failed only when the write cannot land any more;
 * else ask again, and in the end leave it pending.
 */
static void verified_value(md_actions *a, struct md_result *r, const char *what)
{
    char *now = action_value_now(&a->plan, r);
    char seen[160];
    char fallback[256];
    if (now)
        snprintf(seen, sizeof(seen), "%s %s", what, now);
    else
        snprintf(seen, sizeof(seen), "cannot re-read: %s", r->err.msg);
    if (action_is_alias(a->plan.kind))
        snprintf(fallback, sizeof(fallback),
                 "alias '%s' of '%s' points to version %s, not %s after the change", a->plan.alias,
                 a->plan.model, now ? now : "(unreadable)", a->plan.to);
    else
        snprintf(fallback, sizeof(fallback), "version %s of '%s' is %s, not %s after the change",
                 a->plan.version, a->plan.model, now ? now : "(unreadable)", a->plan.to);
    if (now && !strcmp(now, a->plan.to)) {
        if (action_is_alias(a->plan.kind))
            md_deck_put_alias(a->deck, a->plan.backend, a->plan.model, a->plan.alias, now);
        else
            md_deck_want_versions(a->deck, a->plan.backend, a->plan.model);
        confirmed(a, "");
    } else if (now && a->write_failed && !a->may_land) {
        refuted(a, seen, fallback);
    } else if (a->verify_tries < VERIFY_TRIES) {
        verify_again(a);
    } else if (now && !a->write_failed) {
        refuted(a, seen, fallback);
    } else {
        pending(a, seen);
    }
    free(now);
}

static void verified_endpoint(md_actions *a, struct md_result *r)
{
    char msg[256];
    char *now = action_value_now(&a->plan, r);
    if (!now) {
        if (a->verify_tries < VERIFY_TRIES) {
            a->next_poll_mono = md_mono_ms() + SETTLE_POLL_MS;
            return;
        }
        snprintf(msg, sizeof(msg), "cannot re-read endpoint '%s': %s", a->plan.endpoint,
                 r->err.msg);
        pending(a, msg);
        return;
    }
    struct md_endpoint *e = &r->endpoints.v[0];
    bool reached = !strcmp(now, a->plan.to);
    char status[64];
    snprintf(status, sizeof(status), "%s", e->status);
    char reason[160];
    snprintf(reason, sizeof(reason), "%s", e->failure_reason);
    md_deck_put_endpoint(a->deck, a->plan.backend, e);
    bool settling = action_status_settling(status);
    char seen[160];
    snprintf(seen, sizeof(seen), "endpoint '%s' is %s with %s", a->plan.endpoint, status, now);
    if (settling && a->write_timed_out) {
        /*
         * The backend already waited as long as it was told to (Azure's
         * lro_timeout): waiting here too would hold the operator for minutes
         * more. Later starts and refreshes settle it.
         */
        snprintf(msg, sizeof(msg), "endpoint '%s' still %s", a->plan.endpoint, status);
        pending(a, msg);
    } else if (!settling && !reached && a->write_failed && !a->may_land) {
        refuted(a, seen, seen);
    } else if (settling || (!reached && a->verify_tries < VERIFY_TRIES)) {
        if (a->verify_tries >= SETTLE_POLLS) {
            snprintf(msg, sizeof(msg), "endpoint '%s' still %s after %d checks", a->plan.endpoint,
                     status, SETTLE_POLLS);
            pending(a, msg);
        } else {
            if (!a->write_failed)
                snprintf(a->message, sizeof(a->message), "endpoint %s: %s", a->plan.endpoint,
                         status);
            a->next_poll_mono = md_mono_ms() + SETTLE_POLL_MS;
            md_deck_notify(a->deck, MD_CHANGED_ACTION);
        }
    } else if (!strcmp(status, "Failed")) {
        snprintf(msg, sizeof(msg), "endpoint '%s' Failed: %s", a->plan.endpoint, reason);
        finish(a, MD_ACTION_FAILED, "failed", msg);
    } else if (reached) {
        char extra[80];
        snprintf(extra, sizeof(extra), " (%s)", status);
        confirmed(a, extra);
    } else if (a->may_land) {
        pending(a, seen);
    } else {
        snprintf(msg, sizeof(msg), "endpoint '%s' is %s with %s, not %s", a->plan.endpoint, status,
                 now, a->plan.to);
        finish(a, MD_ACTION_FAILED, "failed", msg);
    }
    free(now);
}

static void on_verified(struct md_result *r, void *ud)
{
    md_actions *a = ud;
    a->in_flight--;
    /* closed: the front end is gone, and a later start settles what this would have told */
    if (!a->closed) {
        if (action_is_alias(a->plan.kind))
            verified_value(a, r, "version");
        else if (action_is_approval(a->plan.kind))
            verified_value(a, r, "status");
        else
            verified_endpoint(a, r);
    }
    md_result_release(r);
}

/*
 * A write answered with an error may still have been applied: a gateway's
 * 504 after forwarding it, a time-out or reset after it left. Those may even
 * land after the reply; any other error reply is final.
 */
static bool write_may_land(const struct md_result *r)
{
    return r->status == MD_ERR_TIMEOUT || r->status == MD_ERR_NET || r->err.http_status == 504;
}

static void on_changed(struct md_result *r, void *ud)
{
    md_actions *a = ud;
    a->in_flight--;
    if (a->closed) {
        md_result_release(r);
        return;
    }
    if (r->status) {
        /* Not a clear success: only a re-read of the target can tell what happened. */
        snprintf(a->message, sizeof(a->message), "cannot change '%s' to %s: %s", a->plan.target,
                 a->plan.to, r->err.msg);
        a->write_failed = true;
        a->may_land = write_may_land(r);
        a->write_timed_out = r->status == MD_ERR_TIMEOUT;
    }
    verify(a);
    md_result_release(r);
}

/* The backend call that carries out a plan; false when the backend lacks it. */
static bool dispatch(md_actions *a, struct md_backend *be, const struct md_plan *p,
                     struct md_err *err)
{
    const struct md_backend_ops *ops = be->ops;
    if (action_is_alias(p->kind)) {
        if (!ops->set_alias || !ops->get_alias)
            return false;
        a->in_flight++;
        ops->set_alias(be, p->model, p->alias, p->to, on_changed, a);
        return true;
    }
    if (action_is_approval(p->kind)) {
        if (!ops->set_approval || !ops->list_versions)
            return false;
        a->in_flight++;
        ops->set_approval(be, p->model, p->version, p->to, on_changed, a);
        return true;
    }
    if (!ops->get_endpoint)
        return false;
    if (action_is_config(p->kind)) {
        if (!ops->update_endpoint)
            return false;
        a->in_flight++;
        ops->update_endpoint(be, p->endpoint, p->to, on_changed, a);
        return true;
    }
    const struct md_endpoint *e = md_deck_endpoint(a->deck, p->backend, p->endpoint);
    struct md_weight *w = NULL;
    if (!ops->set_weights || !e || action_parse_weights(e, p->to, &w, err))
        return false;
    a->in_flight++;
    ops->set_weights(be, p->endpoint, w, e->n_deployments, on_changed, a);
    free(w);
    return true;
}

md_status md_action_execute(md_actions *a, const struct md_plan *plan, const char *typed,
                            struct md_err *err)
{
    if (a->phase == MD_ACTION_RUNNING || a->phase == MD_ACTION_VERIFYING)
        return md_err_set(err, MD_ERR_INVALID, "another action is still running");
    md_status st = action_gate(a, plan, err);
    if (st)
        return st;
    if (!typed || strcmp(typed, plan->confirm_text)) {
        action_audit(a, plan, "finished", "refused", "confirmation did not match", 0);
        return md_err_set(err, MD_ERR_REFUSED, "not confirmed: type '%s' exactly to proceed",
                          plan->confirm_text);
    }
    struct md_backend *be = md_deck_backend(a->deck, plan->backend);
    if (!be)
        return md_err_set(err, MD_ERR_INVALID, "plan names no backend of this context");
    md_plan_release(&a->plan);
    action_plan_copy(&a->plan, plan);
    a->verify_tries = 0;
    a->next_poll_mono = 0;
    a->write_timed_out = false;
    a->write_failed = false;
    a->may_land = false;
    /* Written before the request leaves, so a kill -9 leaves a trace to settle. */
    a->started_id = action_audit(a, plan, "started", "unknown", "", 0);
    if (a->started_id == 0) {
        /* Without a durable trace a kill -9 mid-write could never be settled: no request. */
        a->phase = MD_ACTION_IDLE;
        return md_err_set(err, MD_ERR_DB,
                          "audit entry for %s of '%s' could not be written: action refused, "
                          "nothing sent",
                          md_action_kind_str(plan->kind), plan->target);
    }
    a->phase = MD_ACTION_RUNNING;
    snprintf(a->message, sizeof(a->message), "%s: %s -> %s", plan->target, plan->from, plan->to);
    md_deck_notify(a->deck, MD_CHANGED_ACTION);
    struct md_err derr = MD_ERR_INIT;
    if (!dispatch(a, be, &a->plan, &derr)) {
        char msg[256];
        snprintf(msg, sizeof(msg), "backend '%s' cannot carry out %s%s%s", be->name,
                 md_action_kind_str(plan->kind), derr.msg[0] ? ": " : "", derr.msg);
        finish(a, MD_ACTION_FAILED, "failed", msg);
        return md_err_set(err, MD_ERR_UNSUPPORTED, "%s", msg);
    }
    return MD_OK;
}

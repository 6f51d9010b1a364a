/*
 * action.c - the one path every mutation takes: plan, read-only gate,
 * typed confirmation, execute, verify by re-reading, audit before and after.
 *
 * This is the only file that calls a backend's mutating slots (`make lint`
 * checks it). The gate is checked when planning and again when executing;
 * the HTTP layer refuses non-reads a third time in read-only mode.
 */
#include "action_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_TRIES 3
#define SETTLE_POLL_MS 2000
#define SETTLE_POLLS 300 /* ten minutes of an endpoint updating */
/* How long an outcome left "unknown" is looked at again by later starts. */
#define RESETTLE_MAX_AGE_MS (24LL * 3600 * 1000)

static const char *const kind_names[MD_ACTION_KIND_COUNT] = {
    [MD_ACTION_ALIAS_SET] = "alias-set",
    [MD_ACTION_ALIAS_ROLLBACK] = "alias-rollback",
    [MD_ACTION_ALIAS_UNDO] = "alias-undo",
    [MD_ACTION_ENDPOINT_ROLLBACK] = "endpoint-rollback",
    [MD_ACTION_ENDPOINT_UNDO] = "endpoint-undo",
    [MD_ACTION_WEIGHTS_SET] = "weights-set",
    [MD_ACTION_WEIGHTS_UNDO] = "weights-undo",
    [MD_ACTION_APPROVAL_SET] = "approval-set",
    [MD_ACTION_APPROVAL_UNDO] = "approval-undo",
};

const char *md_action_kind_str(enum md_action_kind k)
{
    return (unsigned)k < MD_ACTION_KIND_COUNT ? kind_names[k] : "unknown";
}

enum md_action_kind action_kind_parse(const char *name)
{
    for (int k = 0; k < MD_ACTION_KIND_COUNT; k++)
        if (!strcmp(name, kind_names[k]))
            return (enum md_action_kind)k;
    return MD_ACTION_KIND_COUNT;
}

bool action_is_alias(enum md_action_kind k)
{
    return k <= MD_ACTION_ALIAS_UNDO;
}

bool action_is_config(enum md_action_kind k)
{
    return k == MD_ACTION_ENDPOINT_ROLLBACK || k == MD_ACTION_ENDPOINT_UNDO;
}

bool action_is_weights(enum md_action_kind k)
{
    return k == MD_ACTION_WEIGHTS_SET || k == MD_ACTION_WEIGHTS_UNDO;
}

bool action_is_approval(enum md_action_kind k)
{
    return k == MD_ACTION_APPROVAL_SET || k == MD_ACTION_APPROVAL_UNDO;
}

void md_plan_release(struct md_plan *p)
{
    if (!p)
        return;
    free(p->backend_name);
    free(p->target);
    free(p->model);
    free(p->alias);
    free(p->endpoint);
    free(p->version);
    free(p->from);
    free(p->to);
    free(p->confirm_text);
    free(p->summary);
    memset(p, 0, sizeof(*p));
}

static char *dup_or_null(const char *s)
{
    return s ? md_xstrdup(s) : NULL;
}

static void plan_copy(struct md_plan *dst, const struct md_plan *src)
{
    *dst = *src;
    dst->backend_name = md_xstrdup0(src->backend_name);
    dst->target = md_xstrdup0(src->target);
    dst->model = dup_or_null(src->model);
    dst->alias = dup_or_null(src->alias);
    dst->endpoint = dup_or_null(src->endpoint);
    dst->version = dup_or_null(src->version);
    dst->from = md_xstrdup0(src->from);
    dst->to = md_xstrdup0(src->to);
    dst->confirm_text = md_xstrdup0(src->confirm_text);
    dst->summary = md_xstrdup0(src->summary);
}

md_status action_gate(md_deck *d, const struct md_plan *p, struct md_err *err)
{
    if (!d->read_only)
        return MD_OK;
    deck_audit(d, p, "finished", "refused", "read-only mode", 0);
    return md_err_set(err, MD_ERR_READ_ONLY, "read-only mode: refusing %s of '%s'",
                      md_action_kind_str(p->kind), p->target);
}

/* --- execution -------------------------------------------------------------------------------- */

static void finish(md_deck *d, enum md_action_phase phase, const char *outcome, const char *msg)
{
    struct action_slot *a = &d->action;
    a->phase = phase;
    a->next_poll_mono = 0;
    snprintf(a->message, sizeof(a->message), "%s", msg);
    deck_audit(d, &a->plan, "finished", outcome, msg, a->started_id);
    deck_changed(d, MD_CHANGED_ACTION);
}

static void on_verified(struct md_result *r, void *ud);

/* Re-read the target: the alias, or the endpoint until it settles. */
static void verify(md_deck *d)
{
    struct action_slot *a = &d->action;
    struct md_backend *be = d->backends[a->plan.backend].be;
    a->phase = MD_ACTION_VERIFYING;
    a->verify_tries++;
    a->next_poll_mono = 0;
    if (action_is_alias(a->plan.kind))
        be->ops->get_alias(be, a->plan.model, a->plan.alias, on_verified, d);
    else if (action_is_approval(a->plan.kind))
        be->ops->list_versions(be, a->plan.model, NULL, 1000, on_verified, d);
    else
        be->ops->get_endpoint(be, a->plan.endpoint, on_verified, d);
    deck_changed(d, MD_CHANGED_ACTION);
}

void deck_action_tick(md_deck *d)
{
    struct action_slot *a = &d->action;
    if (a->next_poll_mono && md_mono_ms() >= a->next_poll_mono)
        verify(d);
}

int64_t deck_action_due(const md_deck *d)
{
    return d->action.next_poll_mono;
}

static void verified_alias(md_deck *d, struct md_result *r)
{
    struct action_slot *a = &d->action;
    const char *now = r->status == MD_OK && r->versions.n ? r->versions.v[0].version : NULL;
    char msg[256];
    if (now && !strcmp(now, a->plan.to)) {
        deck_set_alias_snapshot(d, a->plan.backend, a->plan.model, a->plan.alias, now);
        deck_observe_alias(d, a->plan.backend, a->plan.model, a->plan.alias, now);
        snprintf(msg, sizeof(msg), "%s: %s -> %s", a->plan.target, a->plan.from, a->plan.to);
        finish(d, MD_ACTION_DONE, "ok", msg);
    } else if (a->verify_tries < VERIFY_TRIES) {
        verify(d);
    } else if (now) {
        snprintf(msg, sizeof(msg),
                 "alias '%s' of '%s' points to version %s, not %s after the change", a->plan.alias,
                 a->plan.model, now, a->plan.to);
        finish(d, MD_ACTION_FAILED, "failed", msg);
    } else {
        snprintf(msg, sizeof(msg), "cannot verify alias '%s' of '%s': %s", a->plan.alias,
                 a->plan.model, r->err.msg);
        finish(d, MD_ACTION_FAILED, "unknown", msg);
    }
}

static bool status_settling(const char *st)
{
    static const char *const moving[] = {"Creating",    "Updating", "SystemUpdating",
                                         "RollingBack", "Deleting", "Provisioning",
                                         "InProgress"};
    for (size_t i = 0; i < MD_ARRAY_LEN(moving); i++)
        if (!strcmp(st, moving[i]))
            return true;
    return false;
}

/* What the endpoint holds now, in the plan's terms (config name or weights map). */
static char *endpoint_value(const struct md_plan *p, const struct md_endpoint *e)
{
    return action_is_config(p->kind) ? md_xstrdup(e->config) : deck_weights_string(e, false);
}

static void verified_endpoint(md_deck *d, struct md_result *r)
{
    struct action_slot *a = &d->action;
    char msg[256];
    if (r->status || r->endpoints.n != 1) {
        if (a->verify_tries < VERIFY_TRIES) {
            a->next_poll_mono = md_mono_ms() + SETTLE_POLL_MS;
            return;
        }
        snprintf(msg, sizeof(msg), "cannot verify endpoint '%s': %s", a->plan.endpoint, r->err.msg);
        finish(d, MD_ACTION_FAILED, "unknown", msg);
        return;
    }
    struct md_endpoint *e = &r->endpoints.v[0];
    char *now = endpoint_value(&a->plan, e);
    bool reached = !strcmp(now, a->plan.to);
    char status[64];
    snprintf(status, sizeof(status), "%s", e->status);
    char reason[160];
    snprintf(reason, sizeof(reason), "%s", e->failure_reason);
    deck_endpoint_replace(d, a->plan.backend, e);
    if (status_settling(status) && a->write_timed_out) {
        /*
         * The backend already waited as long as it was told to (Azure's
         * lro_timeout): waiting here too would hold the operator for minutes
         * more. The outcome is unknown; a later start settles it.
         */
        snprintf(msg, sizeof(msg),
                 "endpoint '%s' still %s, outcome unknown until a later "
                 "start: %s",
                 a->plan.endpoint, status, a->message);
        finish(d, MD_ACTION_FAILED, "unknown", msg);
    } else if (status_settling(status) || (!reached && a->verify_tries < VERIFY_TRIES)) {
        if (a->verify_tries >= SETTLE_POLLS) {
            snprintf(msg, sizeof(msg), "endpoint '%s' still %s after %d checks", a->plan.endpoint,
                     status, SETTLE_POLLS);
            finish(d, MD_ACTION_FAILED, "unknown", msg);
        } else {
            snprintf(a->message, sizeof(a->message), "endpoint %s: %s", a->plan.endpoint, status);
            a->next_poll_mono = md_mono_ms() + SETTLE_POLL_MS;
            deck_changed(d, MD_CHANGED_ACTION);
        }
    } else if (!strcmp(status, "Failed")) {
        snprintf(msg, sizeof(msg), "endpoint '%s' Failed: %s", a->plan.endpoint, reason);
        finish(d, MD_ACTION_FAILED, "failed", msg);
    } else if (reached) {
        snprintf(msg, sizeof(msg), "%s: %s -> %s (%s)", a->plan.target, a->plan.from, a->plan.to,
                 status);
        finish(d, MD_ACTION_DONE, "ok", msg);
    } else {
        snprintf(msg, sizeof(msg), "endpoint '%s' is %s with %s, not %s", a->plan.endpoint, status,
                 now, a->plan.to);
        finish(d, MD_ACTION_FAILED, "failed", msg);
    }
    free(now);
}

/* The stage (approval status) of one version in a versions reply, or NULL. */
static const char *version_stage(const struct md_result *r, const char *version)
{
    for (size_t i = 0; r->status == MD_OK && i < r->versions.n; i++)
        if (!strcmp(r->versions.v[i].version, version))
            return r->versions.v[i].stage;
    return NULL;
}

static void verified_approval(md_deck *d, struct md_result *r)
{
    struct action_slot *a = &d->action;
    const char *now = version_stage(r, a->plan.version);
    char msg[256];
    if (now && !strcmp(now, a->plan.to)) {
        snprintf(msg, sizeof(msg), "%s: %s -> %s", a->plan.target, a->plan.from, a->plan.to);
        finish(d, MD_ACTION_DONE, "ok", msg);
        md_deck_want_versions(d, a->plan.backend, a->plan.model);
    } else if (a->verify_tries < VERIFY_TRIES) {
        verify(d);
    } else {
        snprintf(msg, sizeof(msg), "version %s of '%s' is %s, not %s after the change",
                 a->plan.version, a->plan.model, now ? now : "(unreadable)", a->plan.to);
        finish(d, MD_ACTION_FAILED, now ? "failed" : "unknown", msg);
    }
}

static void on_verified(struct md_result *r, void *ud)
{
    md_deck *d = ud;
    if (action_is_alias(d->action.plan.kind))
        verified_alias(d, r);
    else if (action_is_approval(d->action.plan.kind))
        verified_approval(d, r);
    else
        verified_endpoint(d, r);
    md_result_release(r);
}

static void on_changed(struct md_result *r, void *ud)
{
    md_deck *d = ud;
    struct action_slot *a = &d->action;
    if (r->status) {
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot change '%s' to %s: %s", a->plan.target, a->plan.to,
                 r->err.msg);
        /* A write that timed out may still have landed: re-read before concluding. */
        if (r->status == MD_ERR_TIMEOUT || r->status == MD_ERR_NET) {
            snprintf(a->message, sizeof(a->message), "%s", msg);
            a->write_timed_out = r->status == MD_ERR_TIMEOUT;
            verify(d);
        } else {
            finish(d, MD_ACTION_FAILED, "failed", msg);
        }
    } else {
        verify(d);
    }
    md_result_release(r);
}

/* The backend call that carries out a plan; false when the backend lacks it. */
static bool dispatch(md_deck *d, struct md_backend *be, const struct md_plan *p, struct md_err *err)
{
    const struct md_backend_ops *ops = be->ops;
    if (action_is_alias(p->kind)) {
        if (!ops->set_alias || !ops->get_alias)
            return false;
        ops->set_alias(be, p->model, p->alias, p->to, on_changed, d);
        return true;
    }
    if (action_is_approval(p->kind)) {
        if (!ops->set_approval || !ops->list_versions)
            return false;
        ops->set_approval(be, p->model, p->version, p->to, on_changed, d);
        return true;
    }
    if (!ops->get_endpoint)
        return false;
    if (action_is_config(p->kind)) {
        if (!ops->update_endpoint)
            return false;
        ops->update_endpoint(be, p->endpoint, p->to, on_changed, d);
        return true;
    }
    const struct md_endpoint *e = md_deck_endpoint(d, p->backend, p->endpoint);
    struct md_weight *w = NULL;
    if (!ops->set_weights || !e || action_parse_weights(e, p->to, &w, err))
        return false;
    ops->set_weights(be, p->endpoint, w, e->n_deployments, on_changed, d);
    free(w);
    return true;
}

md_status md_action_execute(md_deck *d, const struct md_plan *plan, const char *typed,
                            struct md_err *err)
{
    struct action_slot *a = &d->action;
    if (a->phase == MD_ACTION_RUNNING || a->phase == MD_ACTION_VERIFYING)
        return md_err_set(err, MD_ERR_INVALID, "another action is still running");
    md_status st = action_gate(d, plan, err);
    if (st)
        return st;
    if (!typed || strcmp(typed, plan->confirm_text)) {
        deck_audit(d, plan, "finished", "refused", "confirmation did not match", 0);
        return md_err_set(err, MD_ERR_REFUSED, "not confirmed: type '%s' exactly to proceed",
                          plan->confirm_text);
    }
    if (plan->backend >= d->n_backends)
        return md_err_set(err, MD_ERR_INVALID, "plan names no backend of this context");
    struct md_backend *be = d->backends[plan->backend].be;
    md_plan_release(&a->plan);
    plan_copy(&a->plan, plan);
    a->verify_tries = 0;
    a->next_poll_mono = 0;
    a->write_timed_out = false;
    /* Written before the request leaves, so a kill -9 leaves a trace to settle. */
    a->started_id = deck_audit(d, plan, "started", "unknown", "", 0);
    a->phase = MD_ACTION_RUNNING;
    snprintf(a->message, sizeof(a->message), "%s: %s -> %s", plan->target, plan->from, plan->to);
    deck_changed(d, MD_CHANGED_ACTION);
    struct md_err derr = MD_ERR_INIT;
    if (!dispatch(d, be, &a->plan, &derr)) {
        char msg[256];
        snprintf(msg, sizeof(msg), "backend '%s' cannot carry out %s%s%s", be->name,
                 md_action_kind_str(plan->kind), derr.msg[0] ? ": " : "", derr.msg);
        finish(d, MD_ACTION_FAILED, "failed", msg);
        return md_err_set(err, MD_ERR_UNSUPPORTED, "%s", msg);
    }
    return MD_OK;
}

void md_action_state(const md_deck *d, struct md_action_state *st)
{
    st->phase = d->action.phase;
    st->message = d->action.message;
}

/* --- settling what a killed process left ----------------------------------------------------- */

struct settle {
    md_deck *d;
    struct md_audit_entry e;
    struct md_plan plan;
    bool had_finish; /* an earlier "finished" entry left the outcome unknown */
    struct settle *next;
};

static void settle_free(struct settle *s)
{
    md_plan_release(&s->plan);
    md_audit_entry_release(&s->e);
    free(s);
}

/* Unlink s from the deck's list of settles in flight. */
static void settle_unlink(md_deck *d, struct settle *s)
{
    for (struct settle **pp = &d->action.settles; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            return;
        }
    }
}

void deck_action_release(md_deck *d)
{
    while (d->action.settles) {
        struct settle *s = d->action.settles;
        d->action.settles = s->next;
        settle_free(s);
    }
    md_plan_release(&d->action.plan);
}

static void on_settled(struct md_result *r, void *ud)
{
    struct settle *s = ud;
    char *now = NULL;
    if (action_is_approval(s->plan.kind)) {
        const char *st = version_stage(r, s->plan.version);
        now = st ? md_xstrdup(st) : NULL;
    } else if (r->status == MD_OK && action_is_alias(s->plan.kind) && r->versions.n)
        now = md_xstrdup(r->versions.v[0].version);
    else if (r->status == MD_OK && !action_is_alias(s->plan.kind) && r->endpoints.n == 1)
        now = endpoint_value(&s->plan, &r->endpoints.v[0]);
    /* an endpoint still moving holds its old value: nothing is known yet, ask again next start */
    bool moving = now && !action_is_alias(s->plan.kind) && !action_is_approval(s->plan.kind) &&
                  status_settling(r->endpoints.v[0].status);
    const char *outcome = "unknown";
    if (!moving && now && !strcmp(now, s->e.after))
        outcome = "ok";
    else if (!moving && now && !strcmp(now, s->e.before))
        outcome = "failed";
    char msg[256];
    snprintf(msg, sizeof(msg), "settled after restart: now %s", now ? now : "(unreadable)");
    /* a second "unknown" would add nothing; the first one said so already */
    if (moving || (s->had_finish && !strcmp(outcome, "unknown")))
        md_log(MD_LOG_INFO, "audit entry %lld (%s) not settled yet: %s", (long long)s->e.id,
               s->e.target, moving ? r->endpoints.v[0].status : "still unknown");
    else
        deck_audit(s->d, &s->plan, "finished", outcome, msg, s->e.id);
    free(now);
    md_result_release(r);
    settle_unlink(s->d, s);
    settle_free(s);
}

/* True when the loaded audit log has a "finished" entry for `id`: its outcome was unknown. */
static bool audit_has_finish(const md_deck *d, int64_t id)
{
    for (size_t i = 0; i < d->n_audit; i++)
        if (d->audit[i].ref_id == id && !strcmp(d->audit[i].phase, "finished"))
            return true;
    return false;
}

void md_action_settle_unfinished(md_deck *d)
{
    struct md_audit_entry *v = NULL;
    size_t n = 0;
    if (md_store_audit_unsettled(d->store, &v, &n, NULL))
        return;
    for (size_t i = 0; i < n; i++) {
        long bi = md_deck_backend_index(d, v[i].backend);
        enum md_action_kind k = action_kind_parse(v[i].action);
        if (bi < 0 || k == MD_ACTION_KIND_COUNT)
            continue;
        bool had_finish = audit_has_finish(d, v[i].id);
        if (had_finish && md_now_ms() - v[i].ts_ms > RESETTLE_MAX_AGE_MS)
            continue;
        struct md_backend *be = d->backends[bi].be;
        struct settle *s = md_xcalloc(1, sizeof(*s));
        s->had_finish = had_finish;
        s->d = d;
        s->e = v[i];
        memset(&v[i], 0, sizeof(v[i]));
        s->plan.kind = k;
        s->plan.backend = (size_t)bi;
        s->plan.backend_name = md_xstrdup(s->e.backend);
        s->plan.target = md_xstrdup(s->e.target);
        s->plan.from = md_xstrdup(s->e.before);
        s->plan.to = md_xstrdup(s->e.after);
        const char *at = strrchr(s->e.target, '@');
        const char *hashv = strrchr(s->e.target, '#');
        bool ok = false;
        if (action_is_approval(k) && hashv && be->ops->list_versions) {
            s->plan.model = md_xasprintf("%.*s", (int)(hashv - s->e.target), s->e.target);
            s->plan.version = md_xstrdup(hashv + 1);
            ok = true;
        } else if (action_is_alias(k) && at && be->ops->get_alias) {
            s->plan.model = md_xasprintf("%.*s", (int)(at - s->e.target), s->e.target);
            s->plan.alias = md_xstrdup(at + 1);
            ok = true;
        } else if (!action_is_alias(k) && !strncmp(s->e.target, "endpoint:", 9) &&
                   be->ops->get_endpoint) {
            s->plan.endpoint = md_xstrdup(s->e.target + 9);
            char *hash = strchr(s->plan.endpoint, '#');
            if (hash)
                *hash = '\0';
            ok = true;
        }
        if (!ok) {
            settle_free(s);
            continue;
        }
        s->next = d->action.settles;
        d->action.settles = s;
        if (s->plan.version)
            be->ops->list_versions(be, s->plan.model, NULL, 1000, on_settled, s);
        else if (s->plan.alias)
            be->ops->get_alias(be, s->plan.model, s->plan.alias, on_settled, s);
        else
            be->ops->get_endpoint(be, s->plan.endpoint, on_settled, s);
    }
    md_store_audit_free(v, n);
}

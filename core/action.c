/*
 * action.c - the one path every mutation takes: plan, read-only gate,
 * typed confirmation, execute, verify by re-reading, audit before and after.
 *
 * This is the only file that calls a backend's mutating slots (`make lint`
 * checks it). The gate is checked when planning and again when executing;
 * the HTTP layer refuses non-reads a third time in read-only mode.
 */
#include "deck_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_TRIES 3

static const char *const kind_names[] = {
    [MD_ACTION_ALIAS_SET] = "alias-set",
    [MD_ACTION_ALIAS_ROLLBACK] = "alias-rollback",
    [MD_ACTION_ALIAS_UNDO] = "alias-undo",
};

const char *md_action_kind_str(enum md_action_kind k)
{
    return (unsigned)k < MD_ARRAY_LEN(kind_names) ? kind_names[k] : "unknown";
}

void md_plan_release(struct md_plan *p)
{
    if (!p)
        return;
    free(p->backend_name);
    free(p->model);
    free(p->alias);
    free(p->from);
    free(p->to);
    free(p->confirm_text);
    free(p->summary);
    memset(p, 0, sizeof(*p));
}

static void plan_copy(struct md_plan *dst, const struct md_plan *src)
{
    *dst = *src;
    dst->backend_name = md_xstrdup0(src->backend_name);
    dst->model = md_xstrdup0(src->model);
    dst->alias = md_xstrdup0(src->alias);
    dst->from = md_xstrdup0(src->from);
    dst->to = md_xstrdup0(src->to);
    dst->confirm_text = md_xstrdup0(src->confirm_text);
    dst->summary = md_xstrdup0(src->summary);
}

/* The gate. A refusal is itself an event worth an audit line. */
static md_status gate(md_deck *d, const struct md_plan *p, struct md_err *err)
{
    if (!d->read_only)
        return MD_OK;
    deck_audit(d, p, "finished", "refused", "read-only mode", 0);
    return md_err_set(err, MD_ERR_READ_ONLY,
                      "read-only mode: refusing to move alias '%s' of model '%s'", p->alias,
                      p->model);
}

/* One line per fact about a version, for the plan dialog. */
static void describe_version(struct md_buf *b, md_deck *d, size_t bi, const char *model,
                             const char *version)
{
    const struct md_version_list *vl = md_deck_versions(d, bi, model);
    for (size_t i = 0; vl && i < vl->n; i++) {
        const struct md_model_version *v = &vl->v[i];
        if (strcmp(v->version, version))
            continue;
        md_buf_addf(b, "version %s (%s", v->version, v->status[0] ? v->status : "?");
        if (v->run_id[0])
            md_buf_addf(b, ", run %.8s", v->run_id);
        if (v->user[0])
            md_buf_addf(b, ", by %s", v->user);
        md_buf_adds(b, ")");
        return;
    }
    md_buf_addf(b, "version %s", version);
}

static md_status plan_build(md_deck *d, size_t bi, enum md_action_kind kind, const char *model,
                            const char *alias, const char *to, struct md_plan *out,
                            struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    if (bi >= d->n_backends)
        return md_err_set(err, MD_ERR_NOT_FOUND, "no backend #%zu in context '%s'", bi,
                          d->context->name);
    struct md_backend *be = d->backends[bi].be;
    out->kind = kind;
    out->backend = bi;
    out->backend_name = md_xstrdup(be->name);
    out->model = md_xstrdup(model);
    out->alias = md_xstrdup(alias);
    out->confirm_text = md_xstrdup(model);
    md_status st = gate(d, out, err);
    if (st)
        goto fail;
    if (!be->ops->set_alias) {
        st = md_err_set(err, MD_ERR_UNSUPPORTED, "backend '%s' cannot move aliases", be->name);
        goto fail;
    }
    const struct md_registered_model *m = md_deck_model(d, bi, model);
    if (!m) {
        st = md_err_set(err, MD_ERR_NOT_FOUND, "no model '%s' on backend '%s'", model, be->name);
        goto fail;
    }
    const char *from = md_model_alias_version(m, alias);
    if (!from) {
        st = md_err_set(err, MD_ERR_NOT_FOUND, "model '%s' has no alias '%s'", model, alias);
        goto fail;
    }
    out->from = md_xstrdup(from);
    if (to) {
        out->to = md_xstrdup(to);
    } else {
        char target[512];
        snprintf(target, sizeof(target), "%s@%s", model, alias);
        if (md_store_history_previous(d->store, be->name, target, &out->to, NULL)) {
            st = md_err_set(err, MD_ERR_NOT_FOUND,
                            "no earlier version of '%s' recorded; choose one with --to", target);
            goto fail;
        }
    }
    if (!strcmp(out->to, out->from)) {
        st = md_err_set(err, MD_ERR_INVALID, "alias '%s' of '%s' already points to version %s",
                        alias, model, out->from);
        goto fail;
    }
    const struct md_version_list *vl = md_deck_versions(d, bi, model);
    if (vl) {
        bool known = false;
        for (size_t i = 0; i < vl->n && !known; i++)
            known = !strcmp(vl->v[i].version, out->to);
        if (!known) {
            st = md_err_set(err, MD_ERR_INVALID, "model '%s' has no version %s", model, out->to);
            goto fail;
        }
    }
    struct md_buf b;
    md_buf_init(&b, 4096);
    md_buf_addf(&b, "action   %s\n", md_action_kind_str(kind));
    md_buf_addf(&b, "backend  %s (%s)\n", be->name, md_backend_kind_str(d->backends[bi].conf->kind));
    md_buf_addf(&b, "model    %s\n", model);
    md_buf_addf(&b, "alias    %s\n", alias);
    md_buf_adds(&b, "now      ");
    describe_version(&b, d, bi, model, out->from);
    md_buf_adds(&b, "\nafter    ");
    describe_version(&b, d, bi, model, out->to);
    md_buf_addf(&b, "\nundo     move '%s' back to version %s", alias, out->from);
    out->summary = md_buf_detach(&b, NULL);
    return MD_OK;
fail:
    md_plan_release(out);
    return st;
}

md_status md_action_plan_alias_rollback(md_deck *d, size_t bi, const char *model,
                                        const char *alias, const char *to, struct md_plan *out,
                                        struct md_err *err)
{
    return plan_build(d, bi, MD_ACTION_ALIAS_ROLLBACK, model, alias, to, out, err);
}

md_status md_action_plan_alias_set(md_deck *d, size_t bi, const char *model, const char *alias,
                                   const char *to, struct md_plan *out, struct md_err *err)
{
    if (!to)
        return md_err_set(err, MD_ERR_INVALID, "no version given for alias '%s'", alias);
    return plan_build(d, bi, MD_ACTION_ALIAS_SET, model, alias, to, out, err);
}

md_status md_action_plan_undo(md_deck *d, struct md_plan *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    const struct md_audit_entry *v;
    size_t n;
    md_deck_audit(d, &v, &n);
    for (size_t i = 0; i < n; i++) {
        const struct md_audit_entry *e = &v[i];
        if (strcmp(e->phase, "finished") || strcmp(e->outcome, "ok") ||
            strncmp(e->action, "alias-", 6))
            continue;
        long bi = md_deck_backend_index(d, e->backend);
        const char *at = strrchr(e->target, '@');
        if (bi < 0 || !at)
            break;
        char *model = md_xasprintf("%.*s", (int)(at - e->target), e->target);
        md_status st = plan_build(d, (size_t)bi, MD_ACTION_ALIAS_UNDO, model, at + 1, e->before,
                                  out, err);
        free(model);
        return st;
    }
    return md_err_set(err, MD_ERR_NOT_FOUND, "nothing to undo: no finished action in the audit log");
}

/* --- execution -------------------------------------------------------------------------------- */

static void finish(md_deck *d, enum md_action_phase phase, const char *outcome, const char *msg)
{
    struct action_slot *a = &d->action;
    a->phase = phase;
    snprintf(a->message, sizeof(a->message), "%s", msg);
    deck_audit(d, &a->plan, "finished", outcome, msg, a->started_id);
    deck_changed(d, MD_CHANGED_ACTION);
}

static void on_verified(struct md_result *r, void *ud);

static void verify(md_deck *d)
{
    struct action_slot *a = &d->action;
    struct md_backend *be = d->backends[a->plan.backend].be;
    a->phase = MD_ACTION_VERIFYING;
    a->verify_tries++;
    be->ops->get_alias(be, a->plan.model, a->plan.alias, on_verified, d);
    deck_changed(d, MD_CHANGED_ACTION);
}

static void on_verified(struct md_result *r, void *ud)
{
    md_deck *d = ud;
    struct action_slot *a = &d->action;
    const char *now = r->status == MD_OK && r->versions.n ? r->versions.v[0].version : NULL;
    char msg[256];
    if (now && !strcmp(now, a->plan.to)) {
        deck_set_alias_snapshot(d, a->plan.backend, a->plan.model, a->plan.alias, now);
        deck_observe_alias(d, a->plan.backend, a->plan.model, a->plan.alias, now);
        snprintf(msg, sizeof(msg), "%s@%s: %s -> %s", a->plan.model, a->plan.alias, a->plan.from,
                 a->plan.to);
        finish(d, MD_ACTION_DONE, "ok", msg);
    } else if (a->verify_tries < VERIFY_TRIES && r->status != MD_ERR_READ_ONLY) {
        verify(d);
    } else if (now) {
        snprintf(msg, sizeof(msg), "alias '%s' of '%s' points to version %s, not %s after the change",
                 a->plan.alias, a->plan.model, now, a->plan.to);
        finish(d, MD_ACTION_FAILED, "failed", msg);
    } else {
        snprintf(msg, sizeof(msg), "cannot verify alias '%s' of '%s': %s", a->plan.alias,
                 a->plan.model, r->err.msg);
        finish(d, MD_ACTION_FAILED, "unknown", msg);
    }
    md_result_release(r);
}

static void on_changed(struct md_result *r, void *ud)
{
    md_deck *d = ud;
    struct action_slot *a = &d->action;
    if (r->status) {
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot move alias '%s' of '%s' to version %s: %s",
                 a->plan.alias, a->plan.model, a->plan.to, r->err.msg);
        /* A write that timed out may still have landed: re-read before concluding. */
        if (r->status == MD_ERR_TIMEOUT || r->status == MD_ERR_NET) {
            snprintf(a->message, sizeof(a->message), "%s", msg);
            verify(d);
        } else {
            finish(d, MD_ACTION_FAILED, "failed", msg);
        }
    } else {
        verify(d);
    }
    md_result_release(r);
}

md_status md_action_execute(md_deck *d, const struct md_plan *plan, const char *typed,
                            struct md_err *err)
{
    struct action_slot *a = &d->action;
    if (a->phase == MD_ACTION_RUNNING || a->phase == MD_ACTION_VERIFYING)
        return md_err_set(err, MD_ERR_INVALID, "another action is still running");
    md_status st = gate(d, plan, err);
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
    if (!be->ops->set_alias || !be->ops->get_alias)
        return md_err_set(err, MD_ERR_UNSUPPORTED, "backend '%s' cannot move aliases", be->name);
    md_plan_release(&a->plan);
    plan_copy(&a->plan, plan);
    a->verify_tries = 0;
    /* Written before the request leaves, so a kill -9 leaves a trace to settle. */
    a->started_id = deck_audit(d, plan, "started", "unknown", "", 0);
    a->phase = MD_ACTION_RUNNING;
    snprintf(a->message, sizeof(a->message), "moving %s@%s from %s to %s", plan->model,
             plan->alias, plan->from, plan->to);
    deck_changed(d, MD_CHANGED_ACTION);
    be->ops->set_alias(be, plan->model, plan->alias, plan->to, on_changed, d);
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
    const char *now = r->status == MD_OK && r->versions.n ? r->versions.v[0].version : NULL;
    const char *outcome = "unknown";
    if (now && !strcmp(now, s->e.after))
        outcome = "ok";
    else if (now && !strcmp(now, s->e.before))
        outcome = "failed";
    char msg[256];
    snprintf(msg, sizeof(msg), "settled after restart: alias now at %s", now ? now : "(unreadable)");
    deck_audit(s->d, &s->plan, "finished", outcome, msg, s->e.id);
    deck_changed(s->d, MD_CHANGED_AUDIT);
    md_result_release(r);
    settle_unlink(s->d, s);
    settle_free(s);
}

void md_action_settle_unfinished(md_deck *d)
{
    struct md_audit_entry *v = NULL;
    size_t n = 0;
    if (md_store_audit_unsettled(d->store, &v, &n, NULL))
        return;
    for (size_t i = 0; i < n; i++) {
        long bi = md_deck_backend_index(d, v[i].backend);
        const char *at = strrchr(v[i].target, '@');
        if (bi < 0 || !at || !d->backends[bi].be->ops->get_alias)
            continue;
        struct settle *s = md_xcalloc(1, sizeof(*s));
        s->d = d;
        s->e = v[i];
        memset(&v[i], 0, sizeof(v[i]));
        s->plan.kind = MD_ACTION_ALIAS_SET;
        for (size_t k = 0; k < MD_ARRAY_LEN(kind_names); k++)
            if (!strcmp(s->e.action, kind_names[k]))
                s->plan.kind = (enum md_action_kind)k;
        s->plan.backend = (size_t)bi;
        s->plan.backend_name = md_xstrdup(s->e.backend);
        s->plan.model = md_xasprintf("%.*s", (int)(at - s->e.target), s->e.target);
        s->plan.alias = md_xstrdup(at + 1);
        s->plan.from = md_xstrdup(s->e.before);
        s->plan.to = md_xstrdup(s->e.after);
        s->next = d->action.settles;
        d->action.settles = s;
        struct md_backend *be = d->backends[bi].be;
        be->ops->get_alias(be, s->plan.model, s->plan.alias, on_settled, s);
    }
    md_store_audit_free(v, n);
}

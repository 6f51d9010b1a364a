/*
 * action_plan.c - building plans: what changes, from what, to what, and what
 * the operator must type. Planning reads only the deck's snapshot and the
 * store; it never talks to a server. The gate runs first, so read-only mode
 * refuses before anything else is looked at.
 */
#include "action_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Common head of every plan; runs the gate. */
static md_status plan_init(md_actions *a, size_t bi, enum md_action_kind kind, const char *target,
                           const char *confirm, struct md_plan *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    const struct md_backend *be = md_deck_backend(a->deck, bi);
    if (!be)
        return md_err_set(err, MD_ERR_NOT_FOUND, "no backend #%zu in context '%s'", bi,
                          md_deck_context_name(a->deck));
    out->kind = kind;
    out->backend = bi;
    out->backend_name = md_xstrdup(be->name);
    out->target = md_xstrdup(target);
    out->confirm_text = md_xstrdup(confirm);
    md_status st = action_gate(a, out, err);
    if (st)
        md_plan_release(out);
    return st;
}

/*
 * The first lines of every plan's summary: the action, the backend, and what
 * it acts on (the endpoint with its status, or the model).
 */
static void summary_begin(struct md_buf *b, md_deck *d, const struct md_plan *p)
{
    struct md_backend_status bs;
    md_deck_backend_status(d, p->backend, &bs);
    md_buf_init(b, 8192);
    md_buf_addf(b, "action   %s\n", md_action_kind_str(p->kind));
    md_buf_addf(b, "backend  %s (%s)\n", bs.name, bs.kind);
    if (p->endpoint) {
        const struct md_endpoint *e = md_deck_endpoint(d, p->backend, p->endpoint);
        md_buf_addf(b, "endpoint %s (%s)\n", p->endpoint, e ? e->status : "?");
    } else {
        md_buf_addf(b, "model    %s\n", p->model);
    }
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
        if (v->run_id[0]) {
            /* the run's name once the front end has fetched the run: what comes back */
            const struct md_run *r = md_deck_run_detail(d, bi, v->run_id);
            md_buf_addf(b, ", run %.8s", v->run_id);
            if (r && r->name && r->name[0])
                md_buf_addf(b, " '%s'", r->name);
        }
        if (v->user[0])
            md_buf_addf(b, ", by %s", v->user);
        md_buf_adds(b, ")");
        return;
    }
    md_buf_addf(b, "version %s", version);
}

static md_status plan_alias(md_actions *a, size_t bi, enum md_action_kind kind, const char *model,
                            const char *alias, const char *to, struct md_plan *out,
                            struct md_err *err)
{
    md_deck *d = a->deck;
    char target[512];
    md_alias_target(target, sizeof(target), model, alias);
    md_status st = plan_init(a, bi, kind, target, model, out, err);
    if (st)
        return st;
    struct md_backend *be = md_deck_backend(d, bi);
    out->model = md_xstrdup(model);
    out->alias = md_xstrdup(alias);
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
    } else if (md_store_history_previous(md_deck_store(d), be->name, target, &out->to, NULL)) {
        st = md_err_set(err, MD_ERR_NOT_FOUND,
                        "no earlier version of '%s' recorded; choose one with --to", target);
        goto fail;
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
    summary_begin(&b, d, out);
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

md_status md_action_plan_alias_rollback(md_actions *a, size_t bi, const char *model,
                                        const char *alias, const char *to, struct md_plan *out,
                                        struct md_err *err)
{
    return plan_alias(a, bi, MD_ACTION_ALIAS_ROLLBACK, model, alias, to, out, err);
}

md_status md_action_plan_alias_set(md_actions *a, size_t bi, const char *model, const char *alias,
                                   const char *to, struct md_plan *out, struct md_err *err)
{
    if (!to)
        return md_err_set(err, MD_ERR_INVALID, "no version given for alias '%s'", alias);
    return plan_alias(a, bi, MD_ACTION_ALIAS_SET, model, alias, to, out, err);
}

/* The newest config older than the current one, from the backend's config list. */
static const char *infer_previous_config(md_deck *d, size_t bi, const struct md_endpoint *e)
{
    const struct md_endpoint_config_list *cl = md_deck_endpoint_configs(d, bi, e->name);
    if (!cl)
        return NULL;
    int64_t now_created = 0;
    for (size_t i = 0; i < cl->n; i++)
        if (!strcmp(cl->v[i].name, e->config))
            now_created = cl->v[i].created;
    const struct md_endpoint_config *best = NULL;
    for (size_t i = 0; i < cl->n; i++) {
        const struct md_endpoint_config *c = &cl->v[i];
        if (strcmp(c->name, e->config) && (!now_created || c->created < now_created) &&
            (!best || c->created > best->created))
            best = c;
    }
    return best ? best->name : NULL;
}

static void describe_deployments(struct md_buf *b, const struct md_endpoint *e)
{
    for (size_t i = 0; i < e->n_deployments; i++) {
        const struct md_deployment *dep = &e->deployments[i];
        md_buf_addf(b, "\n  %-12s %s%s%s, %s x%ld, weight %g", dep->name, dep->model,
                    dep->version[0] ? " v" : "", dep->version, dep->instance_type,
                    dep->instance_count, dep->weight);
    }
}

/* What a config brings back, variant by variant, once the configs are read. */
static void describe_config(struct md_buf *b, md_deck *d, size_t bi, const char *endpoint,
                            const char *config)
{
    const struct md_endpoint_config_list *cl = md_deck_endpoint_configs(d, bi, endpoint);
    for (size_t i = 0; cl && i < cl->n; i++) {
        if (strcmp(cl->v[i].name, config))
            continue;
        for (size_t k = 0; k < cl->v[i].n_variants; k++) {
            const struct md_deployment *dep = &cl->v[i].variants[k];
            const char *ver = dep->version ? dep->version : "";
            md_buf_addf(b, "\n  %-12s model %s%s%s, %s x%ld, weight %g", dep->name ? dep->name : "",
                        dep->model ? dep->model : "?", ver[0] ? " v" : "", ver,
                        dep->instance_type ? dep->instance_type : "?", dep->instance_count,
                        dep->weight);
        }
        return;
    }
}

/*
 * Common head of the endpoint plans: the gate, the endpoint from the
 * snapshot (*ep), and the backend slot the plan needs (`can`, false:
 * MD_ERR_UNSUPPORTED saying the backend `cannot`).
 */
static md_status plan_endpoint(md_actions *a, size_t bi, enum md_action_kind kind,
                               const char *endpoint, bool can, const char *cannot,
                               struct md_plan *out, const struct md_endpoint **ep,
                               struct md_err *err)
{
    char target[512];
    md_endpoint_target(target, sizeof(target), endpoint, action_is_weights(kind));
    md_status st = plan_init(a, bi, kind, target, endpoint, out, err);
    if (st)
        return st;
    out->endpoint = md_xstrdup(endpoint);
    *ep = md_deck_endpoint(a->deck, bi, endpoint);
    if (!*ep)
        st = md_err_set(err, MD_ERR_NOT_FOUND, "no endpoint '%s' on backend '%s'", endpoint,
                        out->backend_name);
    else if (!can)
        st = md_err_set(err, MD_ERR_UNSUPPORTED, "backend '%s' %s", out->backend_name, cannot);
    if (st)
        md_plan_release(out);
    return st;
}

md_status md_action_plan_endpoint_rollback(md_actions *a, size_t bi, const char *endpoint,
                                           const char *to, struct md_plan *out, struct md_err *err)
{
    const struct md_backend *be = md_deck_backend(a->deck, bi);
    const struct md_endpoint *e = NULL;
    md_status st =
        plan_endpoint(a, bi, MD_ACTION_ENDPOINT_ROLLBACK, endpoint, be && be->ops->update_endpoint,
                      "cannot roll endpoints back", out, &e, err);
    if (st)
        return st;
    const char *source = "given";
    out->from = md_xstrdup(e->config);
    if (to) {
        out->to = md_xstrdup(to);
    } else if (md_store_history_previous(md_deck_store(a->deck), be->name, out->target, &out->to,
                                         NULL) == MD_OK) {
        source = "observed by mldeck";
    } else {
        const char *inferred = infer_previous_config(a->deck, bi, e);
        if (!inferred) {
            st = md_err_set(err, MD_ERR_NOT_FOUND,
                            "no earlier config of endpoint '%s' known; choose one with --to",
                            endpoint);
            goto fail;
        }
        out->to = md_xstrdup(inferred);
        source = "inferred from config creation times";
    }
    if (!strcmp(out->to, out->from)) {
        st = md_err_set(err, MD_ERR_INVALID, "endpoint '%s' already uses config '%s'", endpoint,
                        out->to);
        goto fail;
    }
    struct md_buf b;
    summary_begin(&b, a->deck, out);
    md_buf_addf(&b, "now      config %s", out->from);
    describe_deployments(&b, e);
    md_buf_addf(&b, "\nafter    config %s (%s)", out->to, source);
    describe_config(&b, a->deck, bi, endpoint, out->to);
    md_buf_addf(&b, "\nundo     point '%s' back at config %s", endpoint, out->from);
    out->summary = md_buf_detach(&b, NULL);
    return MD_OK;
fail:
    md_plan_release(out);
    return st;
}

md_status md_action_plan_weights(md_actions *a, size_t bi, const char *endpoint, const char *spec,
                                 struct md_plan *out, struct md_err *err)
{
    const struct md_backend *be = md_deck_backend(a->deck, bi);
    const struct md_endpoint *e = NULL;
    md_status st = plan_endpoint(a, bi, MD_ACTION_WEIGHTS_SET, endpoint, be && be->ops->set_weights,
                                 "cannot shift traffic", out, &e, err);
    if (st)
        return st;
    struct md_weight *w = NULL;
    char *prev = NULL;
    out->from = md_endpoint_weights_string(e, false);
    if (!spec) {
        if (md_store_history_previous(md_deck_store(a->deck), be->name, out->target, &prev, NULL)) {
            st = md_err_set(err, MD_ERR_NOT_FOUND,
                            "no earlier traffic of endpoint '%s' recorded; give one with --set",
                            endpoint);
            goto fail;
        }
        spec = prev;
    }
    st = action_parse_weights(e, spec, &w, err);
    if (st)
        goto fail;
    out->to = action_weights_string(w, e->n_deployments);
    if (!strcmp(out->to, out->from)) {
        st = md_err_set(err, MD_ERR_INVALID, "endpoint '%s' already has traffic %s", endpoint,
                        out->to);
        goto fail;
    }
    struct md_buf b;
    summary_begin(&b, a->deck, out);
    md_buf_adds(&b, "deployments");
    describe_deployments(&b, e);
    md_buf_addf(&b, "\ntraffic  %s -> %s", out->from, out->to);
    md_buf_addf(&b, "\nundo     set traffic back to %s", out->from);
    out->summary = md_buf_detach(&b, NULL);
    free(w);
    free(prev);
    return MD_OK;
fail:
    free(w);
    free(prev);
    md_plan_release(out);
    return st;
}

static const char *const approval_statuses[] = {"Approved", "Rejected", "PendingManualApproval"};

md_status md_action_plan_approval(md_actions *a, size_t bi, const char *model, const char *version,
                                  const char *status, struct md_plan *out, struct md_err *err)
{
    md_deck *d = a->deck;
    char target[512];
    snprintf(target, sizeof(target), "%s#%s", model, version);
    md_status st = plan_init(a, bi, MD_ACTION_APPROVAL_SET, target, model, out, err);
    if (st)
        return st;
    struct md_backend *be = md_deck_backend(d, bi);
    out->model = md_xstrdup(model);
    out->version = md_xstrdup(version);
    bool known = false;
    for (size_t i = 0; i < MD_ARRAY_LEN(approval_statuses) && status; i++)
        known |= !strcmp(status, approval_statuses[i]);
    const struct md_version_list *vl = md_deck_versions(d, bi, model);
    const struct md_model_version *v = NULL;
    for (size_t i = 0; vl && i < vl->n && !v; i++)
        if (!strcmp(vl->v[i].version, version))
            v = &vl->v[i];
    if (!be->ops->set_approval)
        st = md_err_set(err, MD_ERR_UNSUPPORTED, "backend '%s' has no approval status", be->name);
    else if (!known)
        st = md_err_set(err, MD_ERR_INVALID,
                        "approval status '%s' is not Approved, Rejected or PendingManualApproval",
                        status ? status : "");
    else if (!v)
        st = md_err_set(err, MD_ERR_NOT_FOUND, "model '%s' has no version %s", model, version);
    else if (!strcmp(v->stage, status))
        st = md_err_set(err, MD_ERR_INVALID, "version %s of '%s' is already %s", version, model,
                        status);
    if (st) {
        md_plan_release(out);
        return st;
    }
    out->from = md_xstrdup(v->stage);
    out->to = md_xstrdup(status);
    struct md_buf b;
    summary_begin(&b, d, out);
    md_buf_adds(&b, "version  ");
    describe_version(&b, d, bi, model, version);
    md_buf_addf(&b, "\nstatus   %s -> %s", out->from, out->to);
    md_buf_addf(&b, "\nundo     set version %s back to %s", version, out->from);
    out->summary = md_buf_detach(&b, NULL);
    return MD_OK;
}

/* Plan the reverse of one finished, successful entry: its target back to its "before". */
static md_status plan_reverse(md_actions *a, size_t bi, enum md_action_kind k,
                              const struct md_plan *t, const char *before, struct md_plan *out,
                              struct md_err *err)
{
    md_status st;
    if (action_is_approval(k)) {
        st = md_action_plan_approval(a, bi, t->model, t->version, before, out, err);
        if (!st)
            out->kind = MD_ACTION_APPROVAL_UNDO;
    } else if (action_is_alias(k)) {
        st = plan_alias(a, bi, MD_ACTION_ALIAS_UNDO, t->model, t->alias, before, out, err);
    } else if (action_is_config(k)) {
        st = md_action_plan_endpoint_rollback(a, bi, t->endpoint, before, out, err);
        if (!st)
            out->kind = MD_ACTION_ENDPOINT_UNDO;
    } else {
        st = md_action_plan_weights(a, bi, t->endpoint, before, out, err);
        if (!st)
            out->kind = MD_ACTION_WEIGHTS_UNDO;
    }
    return st;
}

md_status md_action_plan_undo(md_actions *a, struct md_plan *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    /* the store, not the list loaded earlier: another process may have acted since */
    action_audit_reload(a);
    for (size_t i = 0; i < a->n_audit; i++) {
        const struct md_audit_entry *e = &a->audit[i];
        if (strcmp(e->phase, "finished") || strcmp(e->outcome, "ok") || strcmp(e->who, a->who))
            continue;
        enum md_action_kind k = action_kind_parse(e->action);
        long bi = md_deck_backend_index(a->deck, e->backend);
        struct md_plan t = {.kind = k};
        if (k == MD_ACTION_KIND_COUNT || bi < 0 || !action_plan_target(&t, k, e->target)) {
            md_plan_release(&t);
            continue;
        }
        /* planning writes to the audit log, which reloads the list e points into */
        char *before = md_xstrdup(e->before);
        md_status st = plan_reverse(a, (size_t)bi, k, &t, before, out, err);
        free(before);
        md_plan_release(&t);
        return st;
    }
    return md_err_set(err, MD_ERR_NOT_FOUND,
                      "nothing to undo: no finished action of %s in the audit log", a->who);
}

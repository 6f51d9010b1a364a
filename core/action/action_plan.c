/*
 * action_plan.c - building plans: what changes, from what, to what, and what
 * the operator must type. Planning reads only the snapshot and the store;
 * it never talks to a server. The gate runs first, so read-only mode refuses
 * before anything else is looked at.
 */
#include "action_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Common head of every plan; runs the gate. */
static md_status plan_init(md_deck *d, size_t bi, enum md_action_kind kind, const char *target,
                           const char *confirm, struct md_plan *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    if (bi >= d->n_backends)
        return md_err_set(err, MD_ERR_NOT_FOUND, "no backend #%zu in context '%s'", bi,
                          d->context->name);
    out->kind = kind;
    out->backend = bi;
    out->backend_name = md_xstrdup(d->backends[bi].be->name);
    out->target = md_xstrdup(target);
    out->confirm_text = md_xstrdup(confirm);
    md_status st = action_gate(d, out, err);
    if (st)
        md_plan_release(out);
    return st;
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

static md_status plan_alias(md_deck *d, size_t bi, enum md_action_kind kind, const char *model,
                            const char *alias, const char *to, struct md_plan *out,
                            struct md_err *err)
{
    char target[512];
    snprintf(target, sizeof(target), "%s@%s", model, alias);
    md_status st = plan_init(d, bi, kind, target, model, out, err);
    if (st)
        return st;
    struct md_backend *be = d->backends[bi].be;
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
    } else if (md_store_history_previous(d->store, be->name, target, &out->to, NULL)) {
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
    md_buf_init(&b, 4096);
    md_buf_addf(&b, "action   %s\n", md_action_kind_str(kind));
    md_buf_addf(&b, "backend  %s (%s)\n", be->name,
                md_backend_kind_str(d->backends[bi].conf->kind));
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

md_status md_action_plan_alias_rollback(md_deck *d, size_t bi, const char *model, const char *alias,
                                        const char *to, struct md_plan *out, struct md_err *err)
{
    return plan_alias(d, bi, MD_ACTION_ALIAS_ROLLBACK, model, alias, to, out, err);
}

md_status md_action_plan_alias_set(md_deck *d, size_t bi, const char *model, const char *alias,
                                   const char *to, struct md_plan *out, struct md_err *err)
{
    if (!to)
        return md_err_set(err, MD_ERR_INVALID, "no version given for alias '%s'", alias);
    return plan_alias(d, bi, MD_ACTION_ALIAS_SET, model, alias, to, out, err);
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

static md_status plan_endpoint(md_deck *d, size_t bi, enum md_action_kind kind,
                               const char *endpoint, bool traffic, struct md_plan *out,
                               const struct md_endpoint **ep, struct md_err *err)
{
    char target[512];
    deck_endpoint_target(target, sizeof(target), endpoint, traffic);
    md_status st = plan_init(d, bi, kind, target, endpoint, out, err);
    if (st)
        return st;
    out->endpoint = md_xstrdup(endpoint);
    *ep = md_deck_endpoint(d, bi, endpoint);
    if (!*ep) {
        st = md_err_set(err, MD_ERR_NOT_FOUND, "no endpoint '%s' on backend '%s'", endpoint,
                        out->backend_name);
        md_plan_release(out);
    }
    return st;
}

md_status md_action_plan_endpoint_rollback(md_deck *d, size_t bi, const char *endpoint,
                                           const char *to, struct md_plan *out, struct md_err *err)
{
    const struct md_endpoint *e = NULL;
    md_status st = plan_endpoint(d, bi, MD_ACTION_ENDPOINT_ROLLBACK, endpoint, false, out, &e, err);
    if (st)
        return st;
    struct md_backend *be = d->backends[bi].be;
    const char *source = "given";
    if (!be->ops->update_endpoint) {
        st = md_err_set(err, MD_ERR_UNSUPPORTED, "backend '%s' cannot roll endpoints back",
                        be->name);
        goto fail;
    }
    out->from = md_xstrdup(e->config);
    if (to) {
        out->to = md_xstrdup(to);
    } else if (md_store_history_previous(d->store, be->name, out->target, &out->to, NULL) ==
               MD_OK) {
        source = "observed by mldeck";
    } else {
        const char *inferred = infer_previous_config(d, bi, e);
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
    md_buf_init(&b, 8192);
    md_buf_addf(&b, "action   %s\n", md_action_kind_str(out->kind));
    md_buf_addf(&b, "backend  %s (%s)\n", be->name,
                md_backend_kind_str(d->backends[bi].conf->kind));
    md_buf_addf(&b, "endpoint %s (%s)\n", endpoint, e->status);
    md_buf_addf(&b, "now      config %s", out->from);
    describe_deployments(&b, e);
    md_buf_addf(&b, "\nafter    config %s (%s)", out->to, source);
    md_buf_addf(&b, "\nundo     point '%s' back at config %s", endpoint, out->from);
    out->summary = md_buf_detach(&b, NULL);
    return MD_OK;
fail:
    md_plan_release(out);
    return st;
}

md_status md_action_plan_weights(md_deck *d, size_t bi, const char *endpoint, const char *spec,
                                 struct md_plan *out, struct md_err *err)
{
    const struct md_endpoint *e = NULL;
    md_status st = plan_endpoint(d, bi, MD_ACTION_WEIGHTS_SET, endpoint, true, out, &e, err);
    if (st)
        return st;
    struct md_backend *be = d->backends[bi].be;
    struct md_weight *w = NULL;
    char *prev = NULL;
    if (!be->ops->set_weights) {
        st = md_err_set(err, MD_ERR_UNSUPPORTED, "backend '%s' cannot shift traffic", be->name);
        goto fail;
    }
    out->from = deck_weights_string(e, false);
    if (!spec) {
        if (md_store_history_previous(d->store, be->name, out->target, &prev, NULL)) {
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
    md_buf_init(&b, 8192);
    md_buf_addf(&b, "action   %s\n", md_action_kind_str(out->kind));
    md_buf_addf(&b, "backend  %s (%s)\n", be->name,
                md_backend_kind_str(d->backends[bi].conf->kind));
    md_buf_addf(&b, "endpoint %s (%s)\n", endpoint, e->status);
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

md_status md_action_plan_approval(md_deck *d, size_t bi, const char *model, const char *version,
                                  const char *status, struct md_plan *out, struct md_err *err)
{
    char target[512];
    snprintf(target, sizeof(target), "%s#%s", model, version);
    md_status st = plan_init(d, bi, MD_ACTION_APPROVAL_SET, target, model, out, err);
    if (st)
        return st;
    struct md_backend *be = d->backends[bi].be;
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
    md_buf_init(&b, 4096);
    md_buf_addf(&b, "action   %s\n", md_action_kind_str(out->kind));
    md_buf_addf(&b, "backend  %s (%s)\n", be->name,
                md_backend_kind_str(d->backends[bi].conf->kind));
    md_buf_addf(&b, "model    %s\n", model);
    md_buf_adds(&b, "version  ");
    describe_version(&b, d, bi, model, version);
    md_buf_addf(&b, "\nstatus   %s -> %s", out->from, out->to);
    md_buf_addf(&b, "\nundo     set version %s back to %s", version, out->from);
    out->summary = md_buf_detach(&b, NULL);
    return MD_OK;
}

md_status md_action_plan_undo(md_deck *d, struct md_plan *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    const struct md_audit_entry *v;
    size_t n;
    md_deck_audit(d, &v, &n);
    for (size_t i = 0; i < n; i++) {
        const struct md_audit_entry *e = &v[i];
        if (strcmp(e->phase, "finished") || strcmp(e->outcome, "ok"))
            continue;
        enum md_action_kind k = action_kind_parse(e->action);
        long bi = md_deck_backend_index(d, e->backend);
        if (k == MD_ACTION_KIND_COUNT || bi < 0)
            continue;
        md_status st;
        if (action_is_approval(k)) {
            const char *hash = strrchr(e->target, '#');
            if (!hash)
                continue;
            char *model = md_xasprintf("%.*s", (int)(hash - e->target), e->target);
            st = md_action_plan_approval(d, (size_t)bi, model, hash + 1, e->before, out, err);
            if (!st)
                out->kind = MD_ACTION_APPROVAL_UNDO;
            free(model);
            return st;
        }
        if (action_is_alias(k)) {
            const char *at = strrchr(e->target, '@');
            if (!at)
                continue;
            char *model = md_xasprintf("%.*s", (int)(at - e->target), e->target);
            st =
                plan_alias(d, (size_t)bi, MD_ACTION_ALIAS_UNDO, model, at + 1, e->before, out, err);
            free(model);
            return st;
        }
        const char *name = strncmp(e->target, "endpoint:", 9) ? NULL : e->target + 9;
        if (!name)
            continue;
        char *ep = md_xstrdup(name);
        char *hash = strchr(ep, '#');
        if (hash)
            *hash = '\0';
        if (action_is_config(k)) {
            st = md_action_plan_endpoint_rollback(d, (size_t)bi, ep, e->before, out, err);
            if (!st)
                out->kind = MD_ACTION_ENDPOINT_UNDO;
        } else {
            st = md_action_plan_weights(d, (size_t)bi, ep, e->before, out, err);
            if (!st)
                out->kind = MD_ACTION_WEIGHTS_UNDO;
        }
        free(ep);
        return st;
    }
    return md_err_set(err, MD_ERR_NOT_FOUND,
                      "nothing to undo: no finished action in the audit log");
}

md_status action_parse_weights(const struct md_endpoint *e, const char *spec,
                               struct md_weight **out, struct md_err *err)
{
    *out = NULL;
    if (!e->n_deployments)
        return md_err_set(err, MD_ERR_INVALID, "endpoint '%s' has no deployments", e->name);
    struct md_weight *w = md_xcalloc(e->n_deployments, sizeof(*w));
    for (size_t i = 0; i < e->n_deployments; i++) {
        w[i].deployment = e->deployments[i].name;
        w[i].weight = e->deployments[i].weight;
    }
    char *copy = md_xstrdup(spec);
    md_status st = MD_OK;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && !st; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        double val = 0;
        if (!eq || md_parse_double(eq + 1, &val) || !isfinite(val) || val < 0) {
            st = md_err_set(err, MD_ERR_INVALID, "bad weight '%s': write NAME=WEIGHT", item);
            break;
        }
        *eq = '\0';
        size_t i = 0;
        while (i < e->n_deployments && strcmp(w[i].deployment, item))
            i++;
        if (i == e->n_deployments) {
            st = md_err_set(err, MD_ERR_INVALID, "endpoint '%s' has no deployment '%s'", e->name,
                            item);
            break;
        }
        w[i].weight = val;
    }
    free(copy);
    double total = 0;
    for (size_t i = 0; !st && i < e->n_deployments; i++)
        total += w[i].weight;
    if (!st && total <= 0)
        st = md_err_set(err, MD_ERR_INVALID, "weights of endpoint '%s' would all be zero", e->name);
    if (st) {
        free(w);
        return st;
    }
    *out = w;
    return MD_OK;
}

char *action_weights_string(const struct md_weight *w, size_t n)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 16);
    for (size_t i = 0; i < n; i++)
        md_buf_addf(&b, "%s%s=%g", i ? "," : "", w[i].deployment, w[i].weight);
    return md_buf_detach(&b, NULL);
}

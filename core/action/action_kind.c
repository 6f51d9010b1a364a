/*
 * action_kind.c - the vocabulary of actions, shared by planning, execution
 * and settling: kind names as the audit log writes them, the plan record,
 * the targets an action acts on, what a re-read says a target holds now,
 * and traffic weights maps. Pure functions: no deck, no store, no request.
 */
#include "action_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* --- the plan record --------------------------------------------------------------------------- */

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

void action_plan_copy(struct md_plan *dst, const struct md_plan *src)
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

/* --- targets and their values ------------------------------------------------------------------ */

/* Split s at its last `sep` into two malloc'd halves; false when sep is absent. */
static bool split_last(const char *s, int sep, char **left, char **right)
{
    const char *at = strrchr(s, sep);
    if (!at)
        return false;
    *left = md_xasprintf("%.*s", (int)(at - s), s);
    *right = md_xstrdup(at + 1);
    return true;
}

bool action_plan_target(struct md_plan *p, enum md_action_kind k, const char *target)
{
    if (action_is_approval(k))
        return split_last(target, '#', &p->model, &p->version);
    if (action_is_alias(k))
        return split_last(target, '@', &p->model, &p->alias);
    if (strncmp(target, "endpoint:", 9))
        return false;
    p->endpoint = md_xstrdup(target + 9);
    char *hash = strchr(p->endpoint, '#'); /* "#traffic" */
    if (hash)
        *hash = '\0';
    return true;
}

/* The stage (approval status) of one version in a versions reply, or NULL. */
static const char *version_stage(const struct md_result *r, const char *version)
{
    for (size_t i = 0; r->status == MD_OK && i < r->versions.n; i++)
        if (!strcmp(r->versions.v[i].version, version))
            return r->versions.v[i].stage;
    return NULL;
}

char *action_value_now(const struct md_plan *p, const struct md_result *r)
{
    if (action_is_approval(p->kind)) {
        const char *stage = version_stage(r, p->version);
        return stage ? md_xstrdup(stage) : NULL;
    }
    if (r->status != MD_OK)
        return NULL;
    if (action_is_alias(p->kind))
        return r->versions.n ? md_xstrdup(r->versions.v[0].version) : NULL;
    if (r->endpoints.n != 1)
        return NULL;
    const struct md_endpoint *e = &r->endpoints.v[0];
    return action_is_config(p->kind) ? md_xstrdup(e->config) : md_endpoint_weights_string(e, false);
}

bool action_status_settling(const char *status)
{
    static const char *const moving[] = {"Creating",    "Updating", "SystemUpdating",
                                         "RollingBack", "Deleting", "Provisioning",
                                         "InProgress"};
    for (size_t i = 0; i < MD_ARRAY_LEN(moving); i++)
        if (!strcmp(status, moving[i]))
            return true;
    return false;
}

/* --- weights maps ------------------------------------------------------------------------------ */

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

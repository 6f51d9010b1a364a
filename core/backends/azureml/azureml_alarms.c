/*
 * azureml_alarms.c - Azure Monitor's alarms on online endpoints: the metric
 * alert rules of the workspace's resource group whose scopes name an
 * endpoint (Microsoft.Insights/metricAlerts), with their state from the
 * alerts they fired (Microsoft.AlertsManagement/alerts filtered by target
 * resource). A rule is only a definition: whether it fires is known from
 * its newest alert on that endpoint, so a rule without one is quiet (OK),
 * and a fired alert whose rule lies elsewhere (another resource group)
 * still shows by its own name. Both lists are GETs, reads to the HTTP guard.
 *
 * Every alert read (30 days) is also the alarm's history: a "-> ALARM" change
 * at its start and, once resolved, a "-> OK" change at its resolution, in the
 * result's changes for the timeline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azureml_int.h"
#include "base/jsonx_int.h"

#define RULES_API "2018-03-01"
#define ALERTS_API "2019-05-05-preview"
#define ENDPOINT_TYPE "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
#define ENDPOINTS_SEG "/onlineEndpoints/"

static cJSON *must(cJSON *item)
{
    if (item == NULL)
        md_die_oom();
    return item;
}

/* The endpoint name of a resource id of this workspace (ws); NULL when it names none. */
static char *endpoint_of(const char *ws, const char *id)
{
    size_t n = strlen(ws);
    size_t s = strlen(ENDPOINTS_SEG);
    if (id == NULL || strncasecmp(id, ws, n) != 0 || strncasecmp(id + n, ENDPOINTS_SEG, s) != 0)
        return NULL;
    const char *name = id + n + s;
    size_t len = strcspn(name, "/");
    return len > 0 && name[len] == '\0' ? md_xasprintf("%.*s", (int)len, name) : NULL;
}

static bool is_type(const cJSON *it, const char *type)
{
    const char *t = jsonx_str_raw(it, "type");
    return t != NULL && strcasecmp(t, type) == 0;
}

static const char *alert_target(const cJSON *alert)
{
    return jsonx_str_raw(jsonx_get(jsonx_get(alert, "properties"), "essentials"), "targetResource");
}

/* True when an item is about an endpoint of this workspace (only `target`'s when named). */
static bool about(const char *ws, const char *target, const cJSON *it)
{
    if (is_type(it, "Microsoft.AlertsManagement/alerts")) {
        char *ep = endpoint_of(ws, alert_target(it));
        bool ok = ep != NULL && (target == NULL || strcmp(ep, target) == 0);
        free(ep);
        return ok;
    }
    const cJSON *scopes = jsonx_array(jsonx_get(it, "properties"), "scopes", NULL);
    for (const cJSON *s = scopes != NULL ? scopes->child : NULL; s != NULL; s = s->next) {
        char *ep = endpoint_of(ws, cJSON_IsString(s) ? s->valuestring : NULL);
        bool ok = ep != NULL && (target == NULL || strcmp(ep, target) == 0);
        free(ep);
        if (ok)
            return true;
    }
    return false;
}

/*
 * Every page is in: the rules and alerts about this workspace's endpoints,
 * each with "mldeckWorkspace" so the parse slot (and a cached copy) can
 * tell its endpoints from other resources.
 */
static void compose(struct op *o)
{
    struct az_op *op = (struct az_op *)o;
    const struct azureml *az = azureml_of(op);
    cJSON *kept = must(cJSON_CreateArray());
    while (op->items->child != NULL) {
        cJSON *it = cJSON_DetachItemViaPointer(op->items, op->items->child);
        if (cJSON_IsObject(it) && about(az->ws, op->arg, it))
            cJSON_AddItemToArray(kept, it);
        else
            cJSON_Delete(it);
    }
    cJSON *doc = must(cJSON_CreateObject());
    must(cJSON_AddStringToObject(doc, "mldeckWorkspace", az->ws));
    cJSON_AddItemToObject(doc, "value", kept);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (text == NULL)
        md_die_oom();
    op_set_doc(o, md_xstrdup(text));
    cJSON_free(text);
}

static void on_reply(struct op *o, struct op_call *c, md_status st, const struct md_err *err,
                     const struct md_http_resp *resp)
{
    struct az_op *op = (struct az_op *)o;
    if (op_failed_by(o, st, err))
        return;
    azureml_take_page(op, resp, (enum az_role)c->role, 0, NULL);
}

uint64_t azureml_list_alarms(struct md_backend *be, const char *target, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    struct az_op *op =
        azureml_op_new(az, MD_RESULT_ALARMS, cb, ud,
                       target != NULL ? "cannot read the Azure Monitor alerts of endpoint"
                                      : "cannot read the Azure Monitor alerts of",
                       target != NULL ? target : be->name, target);
    op->base.on_reply = on_reply;
    op->base.on_done = compose;
    /* az->ws is "/subscriptions/S/resourceGroups/G/providers/...": rules live in G */
    const char *prov = strstr(az->ws, "/providers/");
    const char *rg = strstr(az->ws, "/resourceGroups/");
    int rg_len = prov != NULL ? (int)(prov - az->ws) : (int)strlen(az->ws);
    int sub_len = rg != NULL ? (int)(rg - az->ws) : rg_len;
    op_call(&op->base, AZ_R_RULE_PAGE, MD_HTTP_GET,
            md_xasprintf("%s%.*s/providers/Microsoft.Insights/metricAlerts?api-version=" RULES_API,
                         az->arm, rg_len, az->ws),
            NULL);
    char *filter;
    if (target != NULL) {
        char *name = md_http_escape(target);
        char *id = md_xasprintf("%s" ENDPOINTS_SEG "%s", az->ws, name);
        char *q = md_http_escape(id);
        filter = md_xasprintf("targetResource=%s", q);
        free(q);
        free(id);
        free(name);
    } else {
        const char *g = rg != NULL ? rg + strlen("/resourceGroups/") : "";
        char *q = md_http_escape(ENDPOINT_TYPE);
        filter = md_xasprintf("targetResourceGroup=%.*s&targetResourceType=%s",
                              (int)(prov != NULL && prov > g ? prov - g : 0), g, q);
        free(q);
    }
    op_call(
        &op->base, AZ_R_ALERT_PAGE, MD_HTTP_GET,
        md_xasprintf("%s%.*s/providers/Microsoft.AlertsManagement/alerts?api-version=" ALERTS_API
                     "&%s&timeRange=30d",
                     az->arm, sub_len, az->ws, filter),
        NULL);
    free(filter);
    return op_go(&op->base);
}

/* ---- mapping ---------------------------------------------------------------------------- */

static const cJSON *essentials(const cJSON *alert)
{
    return jsonx_get(jsonx_get(alert, "properties"), "essentials");
}

/* When an alert's state last changed: resolution, else last change, else start. */
static int64_t alert_since(const cJSON *e)
{
    const char *cond = jsonx_str_raw(e, "monitorCondition");
    int64_t t = 0;
    if (cond != NULL && strcasecmp(cond, "Resolved") == 0)
        t = azureml_time_ms(jsonx_str_raw(e, "monitorConditionResolvedDateTime"));
    if (t == 0)
        t = azureml_time_ms(jsonx_str_raw(e, "startDateTime"));
    return t;
}

/* The newest alert fired by rule `rule_id` on endpoint `ep`; NULL when none. */
static const cJSON *newest_alert(const cJSON *arr, const char *ws, const char *rule_id,
                                 const char *ep)
{
    const cJSON *best = NULL;
    int64_t best_t = -1;
    for (const cJSON *it = arr->child; it != NULL; it = it->next) {
        if (!is_type(it, "Microsoft.AlertsManagement/alerts"))
            continue;
        const cJSON *e = essentials(it);
        const char *rule = jsonx_str_raw(e, "alertRule");
        char *on = endpoint_of(ws, jsonx_str_raw(e, "targetResource"));
        bool match = rule != NULL && rule_id != NULL && strcasecmp(rule, rule_id) == 0 &&
                     on != NULL && strcmp(on, ep) == 0;
        free(on);
        int64_t t = azureml_time_ms(jsonx_str_raw(e, "startDateTime"));
        if (match && t > best_t) {
            best = it;
            best_t = t;
        }
    }
    return best;
}

/* The alert's state, reason and time into a; the rule's own when there is no alert. */
static void state_from(const cJSON *alert, struct md_alarm *a)
{
    if (alert == NULL) {
        a->state = MD_ALARM_OK;
        a->reason = md_xstrdup("no alert fired in the last 30 days");
        return;
    }
    const cJSON *e = essentials(alert);
    const char *cond = jsonx_str_raw(e, "monitorCondition");
    a->state = md_alarm_state_parse(cond);
    const char *desc = jsonx_str_raw(e, "description");
    const char *sev = jsonx_str_raw(e, "severity");
    const char *st = jsonx_str_raw(e, "alertState");
    /* "p99 over 500 ms (Sev2, Fired, New)": the rule's words, then how Azure rates it */
    a->reason = md_xasprintf("%s%s(%s, %s, %s)", desc ? desc : "", desc && desc[0] ? " " : "",
                             sev ? sev : "Sev?", cond ? cond : "?", st ? st : "?");
    md_sanitize(a->reason);
    a->since_ms = alert_since(e);
}

/* The deployment a rule's criteria single out (dimension "deployment", one value); "" else. */
static const char *rule_deployment(const cJSON *crit)
{
    const cJSON *dims = jsonx_array(crit, "dimensions", NULL);
    for (const cJSON *d = dims != NULL ? dims->child : NULL; d != NULL; d = d->next) {
        const char *n = jsonx_str_raw(d, "name");
        const cJSON *vals = jsonx_array(d, "values", NULL);
        if (n != NULL && strcasecmp(n, "deployment") == 0 && jsonx_count(vals) == 1 &&
            cJSON_IsString(vals->child) && strcmp(vals->child->valuestring, "*") != 0)
            return vals->child->valuestring;
    }
    return "";
}

static void map_rule(const cJSON *arr, const char *ws, const cJSON *rule, const char *ep,
                     struct md_alarm_list *out)
{
    const cJSON *props = jsonx_get(rule, "properties");
    const cJSON *all = jsonx_array(jsonx_get(props, "criteria"), "allOf", NULL);
    const cJSON *crit = all != NULL ? all->child : NULL;
    struct md_alarm *a = md_alarm_list_push(out);
    a->name = md_xstrdup_clean(jsonx_str_raw(rule, "name"));
    a->target = md_xstrdup_clean(ep);
    a->deployment = md_xstrdup_clean(rule_deployment(crit));
    a->metric = md_xstrdup_clean(jsonx_str_raw(crit, "metricName"));
    const cJSON *en = jsonx_get(props, "enabled");
    a->enabled = en == NULL || cJSON_IsTrue(en);
    a->source = md_xstrdup("azure-monitor");
    state_from(newest_alert(arr, ws, jsonx_str_raw(rule, "id"), ep), a);
}

/* A firing alert whose rule is not among the rules read: shown under its own name. */
static void map_orphan(const cJSON *arr, const cJSON *alert, const char *ep,
                       struct md_alarm_list *out)
{
    const cJSON *e = essentials(alert);
    const char *rule = jsonx_str_raw(e, "alertRule");
    for (const cJSON *it = arr->child; rule != NULL && it != NULL; it = it->next) {
        const char *id = jsonx_str_raw(it, "id");
        if (is_type(it, "Microsoft.Insights/metricAlerts") && id != NULL &&
            strcasecmp(id, rule) == 0)
            return;
    }
    if (md_alarm_state_parse(jsonx_str_raw(e, "monitorCondition")) != MD_ALARM_ALARM)
        return;
    struct md_alarm *a = md_alarm_list_push(out);
    a->name = md_xstrdup_clean(jsonx_str_raw(alert, "name"));
    a->target = md_xstrdup_clean(ep);
    a->deployment = md_xstrdup("");
    a->metric = md_xstrdup_clean(jsonx_str_raw(e, "signalType"));
    a->enabled = true;
    a->source = md_xstrdup("azure-monitor");
    state_from(alert, a);
}

/* The alarm an alert belongs to as the alarm list names it: its rule's name, else its own. */
static const char *alarm_name_of(const cJSON *arr, const cJSON *alert)
{
    const char *rule = jsonx_str_raw(essentials(alert), "alertRule");
    for (const cJSON *it = arr->child; rule != NULL && it != NULL; it = it->next) {
        const char *id = jsonx_str_raw(it, "id");
        if (is_type(it, "Microsoft.Insights/metricAlerts") && id != NULL &&
            strcasecmp(id, rule) == 0 && jsonx_str_raw(it, "name") != NULL)
            return jsonx_str_raw(it, "name");
    }
    return jsonx_str_raw(alert, "name");
}

static void push_transition(struct md_change_list *out, const char *name, const char *ep,
                            int64_t at, const char *from, const char *to, const char *why)
{
    struct md_change *c = md_change_list_push(out);
    c->target = md_xstrdup_clean(ep);
    c->operation = md_xasprintf("alarm %s", name);
    md_sanitize(c->operation);
    c->actor = md_xstrdup("");
    c->actor_kind = md_xstrdup("");
    c->at_ms = at;
    c->detail = md_xasprintf("%s -> %s%s%s", from, to, why && why[0] ? ": " : "", why ? why : "");
    md_sanitize(c->detail);
    c->status = md_xstrdup(to);
    c->error = md_xstrdup("");
    c->source = md_xstrdup("alarm");
    /* an endpoint in the id: one rule may watch several, each alert at its own time */
    c->id = md_xasprintf("alarm:%s:%s:%lld", name, ep, (long long)at);
    md_sanitize(c->id);
}

/* An alert on endpoint ep → its fired row and, when resolved, its resolved row. */
static void map_transitions(const cJSON *arr, const cJSON *alert, const char *ep,
                            struct md_change_list *out)
{
    const cJSON *e = essentials(alert);
    const char *name = alarm_name_of(arr, alert);
    int64_t fired = azureml_time_ms(jsonx_str_raw(e, "startDateTime"));
    if (name == NULL || name[0] == '\0' || fired <= 0)
        return;
    const char *desc = jsonx_str_raw(e, "description");
    push_transition(out, name, ep, fired, "OK", "ALARM", desc);
    const char *cond = jsonx_str_raw(e, "monitorCondition");
    int64_t resolved = azureml_time_ms(jsonx_str_raw(e, "monitorConditionResolvedDateTime"));
    if (cond != NULL && strcasecmp(cond, "Resolved") == 0 && resolved > 0)
        push_transition(out, name, ep, resolved, "ALARM", "OK", "resolved");
}

/* {"mldeckWorkspace": ws, "value": [rules and alerts]} → one alarm per rule and endpoint. */
md_status azureml_parse_alarms(const char *body, size_t len, struct md_result *out,
                               struct md_err *err)
{
    cJSON *root = NULL;
    md_status st = op_parse_begin(MD_RESULT_ALARMS, body, len, out, &root, err);
    const cJSON *arr = NULL;
    if (st == MD_OK)
        st = jsonx_list(root, "value", AZUREML_MAX_ITEMS, &arr, err);
    const char *ws = jsonx_str_raw(root, "mldeckWorkspace");
    for (const cJSON *it = arr != NULL && ws != NULL ? arr->child : NULL; st == MD_OK && it != NULL;
         it = it->next) {
        if (is_type(it, "Microsoft.AlertsManagement/alerts")) {
            char *ep = endpoint_of(ws, alert_target(it));
            if (ep != NULL) {
                map_orphan(arr, it, ep, &out->alarms);
                map_transitions(arr, it, ep, &out->changes);
            }
            free(ep);
            continue;
        }
        if (!is_type(it, "Microsoft.Insights/metricAlerts"))
            continue;
        const cJSON *scopes = jsonx_array(jsonx_get(it, "properties"), "scopes", NULL);
        for (const cJSON *s = scopes != NULL ? scopes->child : NULL; s != NULL; s = s->next) {
            char *ep = endpoint_of(ws, cJSON_IsString(s) ? s->valuestring : NULL);
            if (ep != NULL)
                map_rule(arr, ws, it, ep, &out->alarms);
            free(ep);
        }
    }
    if (st == MD_OK) {
        md_alarm_list_sort(&out->alarms);
        md_change_list_sort(&out->changes);
    }
    return op_parse_end(st, root, "nextLink", out);
}

/*
 * sagemaker_changes.c - who changed an endpoint, from CloudTrail's own
 * record (LookupEvents on the endpoint's resource name), and the mapper of
 * those events to md_change records.
 *
 * CloudTrail is the only place that knows the actor of a change made from
 * the console, boto3 or a pipeline: mldeck's audit knows only its own. The
 * lookup is a read (allowed by the HTTP guard's read list), filtered to the
 * operations that change what serves traffic; everything else an endpoint's
 * name appears in (Describe*, InvokeEndpoint data events) is dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"
#include "sagemaker_req.h"

/* CloudTrail pages hold at most 50 events; 20 pages reach 1000 changes, plenty for one endpoint. */
#define CHANGES_PAGE 50
#define CHANGES_MAX_PAGES 20
#define CHANGES_MAX 1000

static const char *const changing[] = {
    "CreateEndpoint",       "UpdateEndpoint",     "UpdateEndpointWeightsAndCapacities",
    "DeleteEndpoint",       "UpdateModelPackage", "CreateEndpointConfig",
    "DeleteEndpointConfig",
};

static bool is_change(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(changing) / sizeof(*changing); i++) {
        if (strcmp(name, changing[i]) == 0)
            return true;
    }
    return false;
}

static bool keep_change(struct sm_op *op, const cJSON *item)
{
    (void)op;
    return is_change(jsonx_str_raw(item, "EventName"));
}

uint64_t sm_list_changes(struct md_backend *be, const char *target, int64_t since_ms,
                         md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_CHANGES, cb, ud,
                                 op_what("cannot read the CloudTrail history of endpoint '%s'",
                                         target != NULL ? target : ""));
    if (target == NULL || target[0] == '\0') {
        sm_op_fail_later(op, MD_ERR_INVALID, "no endpoint named");
        return op->base.id;
    }
    op->on_reply = sm_list_on_reply;
    op->list.keep = keep_change;
    cJSON *req = sm_obj();
    cJSON *attrs = sm_arr(req, "LookupAttributes");
    cJSON *attr = sm_obj();
    sm_str(attr, "AttributeKey", "ResourceName");
    sm_str(attr, "AttributeValue", target);
    sm_push(attrs, attr);
    if (since_ms > 0)
        sm_num(req, "StartTime", (double)since_ms / 1000.0);
    sm_num(req, "MaxResults", CHANGES_PAGE);
    sm_list_start(op, MD_AWS_CLOUDTRAIL, "LookupEvents", req, "Events", CHANGES_MAX,
                  CHANGES_MAX_PAGES, NULL);
    sm_op_start(op);
    return op->base.id;
}

/* ---- mapping ---------------------------------------------------------------------------- */

/*
 * The actor as an operator knows them: an IAM user's name, the session name
 * of an assumed role with the role ("deployer (role ci-deploy)"), "root",
 * else the principal id, else the event's Username.
 */
static void map_actor(const cJSON *ident, const cJSON *ev, struct md_change *c)
{
    const char *type = jsonx_str_raw(ident, "type");
    const char *arn = jsonx_str_raw(ident, "arn");
    c->actor_kind = md_xstrdup_clean(type);
    if (type != NULL && strcmp(type, "AssumedRole") == 0 && arn != NULL) {
        /* arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
        const char *r = strstr(arn, ":assumed-role/");
        const char *role = r != NULL ? r + strlen(":assumed-role/") : NULL;
        const char *slash = role != NULL ? strchr(role, '/') : NULL;
        if (slash != NULL && slash[1] != '\0') {
            c->actor = md_xasprintf("%s (role %.*s)", slash + 1, (int)(slash - role), role);
            md_sanitize(c->actor);
            return;
        }
    }
    if (type != NULL && strcmp(type, "Root") == 0) {
        c->actor = md_xstrdup("root");
        return;
    }
    const char *name = jsonx_str_raw(ident, "userName");
    if (name == NULL || name[0] == '\0')
        name = jsonx_str_raw(ev, "Username");
    if (name == NULL || name[0] == '\0')
        name = jsonx_str_raw(ident, "principalId");
    c->actor = md_xstrdup_clean(name);
}

/* What the call asked for, in the platform's words. */
static char *map_detail(const char *op, const cJSON *params)
{
    if (strcmp(op, "UpdateEndpoint") == 0 || strcmp(op, "CreateEndpoint") == 0)
        return md_xasprintf("config %s", jsonx_str_raw(params, "EndpointConfigName")
                                             ? jsonx_str_raw(params, "EndpointConfigName")
                                             : "?");
    if (strcmp(op, "UpdateEndpointWeightsAndCapacities") == 0) {
        struct md_buf b;
        md_buf_init(&b, 4096);
        const cJSON *arr = jsonx_array(params, "DesiredWeightsAndCapacities", NULL);
        for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
            const char *v = jsonx_str_raw(it, "VariantName");
            double w = jsonx_double(it, "DesiredWeight", -1);
            char num[32] = "?";
            if (w >= 0)
                jsonx_fmt_double(num, sizeof(num), w);
            (void)md_buf_addf(&b, "%s%s=%s", b.len ? "," : "", v ? v : "?", num);
        }
        return md_buf_detach(&b, NULL);
    }
    if (strcmp(op, "UpdateModelPackage") == 0) {
        const char *s = jsonx_str_raw(params, "ModelApprovalStatus");
        return md_xasprintf("approval %s", s ? s : "?");
    }
    return md_xstrdup("");
}

static void map_event(const cJSON *ev, struct md_change *c)
{
    const char *op = jsonx_str_raw(ev, "EventName");
    c->operation = md_xstrdup_clean(op);
    c->at_ms = sm_ts_ms(ev, "EventTime");
    c->id = md_xstrdup_clean(jsonx_str_raw(ev, "EventId"));
    c->source = md_xstrdup("cloudtrail");
    const cJSON *res = jsonx_array(ev, "Resources", NULL);
    const char *target = NULL;
    for (const cJSON *r = res != NULL ? res->child : NULL; r != NULL && target == NULL; r = r->next)
        target = jsonx_str_raw(r, "ResourceName");
    /* The full record is a JSON string inside the event; without it only the summary is known. */
    const char *raw = jsonx_str_raw(ev, "CloudTrailEvent");
    cJSON *rec = raw != NULL ? cJSON_Parse(raw) : NULL;
    const cJSON *params = jsonx_get(rec, "requestParameters");
    if (target == NULL)
        target = jsonx_str_raw(params, "EndpointName");
    c->target = md_xstrdup_clean(target);
    map_actor(jsonx_get(rec, "userIdentity"), ev, c);
    c->detail = map_detail(c->operation, params);
    md_sanitize(c->detail);
    const char *code = jsonx_str_raw(rec, "errorCode");
    c->error = md_xstrdup_clean(code);
    c->status = md_xstrdup(rec == NULL ? "" : code != NULL && code[0] ? "Failed" : "Succeeded");
    cJSON_Delete(rec);
}

/* bundle {"Events": [...]} (newest first, as CloudTrail pages them) → oldest first. */
md_status sm_parse_changes(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "Events", CHANGES_MAX + CHANGES_PAGE, &arr, err);
    if (st != MD_OK)
        return st;
    for (const cJSON *ev = arr != NULL ? arr->child : NULL; ev != NULL; ev = ev->next) {
        if (!cJSON_IsObject(ev) || !is_change(jsonx_str_raw(ev, "EventName")))
            continue;
        map_event(ev, md_change_list_push(&out->changes));
    }
    md_change_list_sort(&out->changes);
    return MD_OK;
}

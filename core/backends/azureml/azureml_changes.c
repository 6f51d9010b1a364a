/*
 * azureml_changes.c - who changed an online endpoint, from the
 * subscription's Activity Log (Microsoft.Insights management events scoped
 * to the endpoint's resource id), and the mapper of its records to
 * md_change.
 *
 * ARM writes several records per operation (Started, Accepted, then the
 * end); only the end says how it went, so only ended writes and deletes
 * are changes. The Activity Log keeps 90 days and wants a lower time bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azureml_int.h"
#include "base/jsonx_int.h"

#define ACTIVITY_API "2015-04-01"
#define ACTIVITY_DAYS 90
#define ACTIVITY_MAX 1000

static void iso_utc(int64_t ms, char *buf, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t azureml_list_changes(struct md_backend *be, const char *target, int64_t since_ms,
                              md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    struct az_op *op = azureml_op_new(az, MD_RESULT_CHANGES, cb, ud,
                                      "cannot read the Activity Log of endpoint", target, NULL);
    if (target == NULL || target[0] == '\0')
        return op_fail_later(&op->base, MD_ERR_INVALID, "no endpoint named");
    int64_t floor_ms = md_now_ms() - (int64_t)ACTIVITY_DAYS * 86400 * 1000;
    char from[32];
    iso_utc(since_ms > floor_ms ? since_ms : floor_ms, from, sizeof(from));
    /* az->ws is "/subscriptions/S/resourceGroups/...": the log is the subscription's */
    const char *rg = strstr(az->ws, "/resourceGroups/");
    int sub_len = rg != NULL ? (int)(rg - az->ws) : (int)strlen(az->ws);
    char *name = md_http_escape(target);
    char *filter = md_xasprintf("eventTimestamp ge '%s' and resourceUri eq '%s/onlineEndpoints/%s'",
                                from, az->ws, name);
    char *qf = md_http_escape(filter);
    char *url = md_xasprintf("%s%.*s/providers/Microsoft.Insights/eventtypes/management/values"
                             "?api-version=" ACTIVITY_API "&$filter=%s",
                             az->arm, sub_len, az->ws, qf);
    free(qf);
    free(filter);
    free(name);
    return azureml_list(op, AZ_R_ACTIVITY_PAGE, url);
}

/* ---- mapping ---------------------------------------------------------------------------- */

static const char *localized(const cJSON *obj, const char *key)
{
    return jsonx_str_raw(jsonx_get(obj, key), "value");
}

static bool ended_change(const cJSON *ev)
{
    const char *op = localized(ev, "operationName");
    const char *status = localized(ev, "status");
    size_t n = op != NULL ? strlen(op) : 0;
    bool changes = (n > 6 && strcasecmp(op + n - 6, "/write") == 0) ||
                   (n > 7 && strcasecmp(op + n - 7, "/delete") == 0);
    bool ended = status != NULL &&
                 (strcasecmp(status, "Succeeded") == 0 || strcasecmp(status, "Failed") == 0 ||
                  strcasecmp(status, "Canceled") == 0);
    return changes && ended;
}

static void map_event(const cJSON *ev, struct md_change *c)
{
    c->operation = md_xstrdup_clean(localized(ev, "operationName"));
    c->status = md_xstrdup_clean(localized(ev, "status"));
    c->actor = md_xstrdup_clean(jsonx_str_raw(ev, "caller"));
    c->actor_kind = md_xstrdup_clean(
        jsonx_str_raw(jsonx_get(jsonx_get(ev, "authorization"), "evidence"), "principalType"));
    c->at_ms = azureml_time_ms(jsonx_str_raw(ev, "eventTimestamp"));
    c->id = md_xstrdup_clean(jsonx_str_raw(ev, "eventDataId"));
    c->source = md_xstrdup("activity-log");
    const char *rid = jsonx_str_raw(ev, "resourceId");
    const char *slash = rid != NULL ? strrchr(rid, '/') : NULL;
    c->target = md_xstrdup_clean(slash != NULL ? slash + 1 : rid);
    const cJSON *props = jsonx_get(ev, "properties");
    bool failed = c->status[0] && strcasecmp(c->status, "Succeeded") != 0;
    c->error = md_xstrdup_clean(failed ? jsonx_str_raw(props, "statusCode") : NULL);
    c->detail = md_xstrdup_clean(failed ? jsonx_str_raw(props, "statusMessage") : NULL);
}

/* {"value": [EventData...]} (newest first, as ARM pages them) → ended changes, oldest first. */
md_status azureml_parse_changes(const char *body, size_t len, struct md_result *out,
                                struct md_err *err)
{
    cJSON *root = NULL;
    md_status st = op_parse_begin(MD_RESULT_CHANGES, body, len, out, &root, err);
    const cJSON *arr = NULL;
    if (st == MD_OK)
        st = jsonx_list(root, "value", ACTIVITY_MAX, &arr, err);
    for (const cJSON *ev = arr != NULL ? arr->child : NULL; st == MD_OK && ev != NULL;
         ev = ev->next) {
        if (cJSON_IsObject(ev) && ended_change(ev))
            map_event(ev, md_change_list_push(&out->changes));
    }
    if (st == MD_OK)
        md_change_list_sort(&out->changes);
    return op_parse_end(st, root, "nextLink", out);
}

/*
 * sagemaker_alarms.c - the CloudWatch metric alarms that watch an endpoint:
 * DescribeAlarms (paged), kept when a dimension of the alarm's metric (or
 * of one metric of a metric-math alarm) is EndpointName = the endpoint;
 * VariantName names the variant watched. DescribeAlarms cannot filter by
 * dimension, so the account's metric alarms are paged through and filtered
 * here; a name prefix would miss alarms named by another convention.
 *
 * Their past states come from DescribeAlarmHistory (StateUpdate items of
 * metric alarms, account-wide from a time on): an item names only its alarm,
 * so the deck, which holds the alarms with their endpoints, gives each its
 * target and drops the alarms that watch no endpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"
#include "sagemaker_req.h"

/* DescribeAlarms pages hold at most 100 alarms; 50 pages is an account with 5000. */
#define ALARMS_PAGE 100
#define ALARMS_MAX_PAGES 50
#define ALARMS_MAX 5000
/* History pages hold at most 100 items; 10 pages bound one look at a busy account. */
#define HISTORY_PAGE 100
#define HISTORY_MAX_PAGES 10
#define HISTORY_MAX 1000

/* The value of dimension `name` in a Dimensions array; NULL when absent. */
static const char *dimension(const cJSON *dims, const char *name)
{
    for (const cJSON *d = dims != NULL ? dims->child : NULL; d != NULL; d = d->next) {
        const char *n = jsonx_str_raw(d, "Name");
        if (n != NULL && strcmp(n, name) == 0)
            return jsonx_str_raw(d, "Value");
    }
    return NULL;
}

/*
 * The Dimensions an alarm watches with EndpointName among them: the alarm's
 * own metric, else the first metric of its metric-math queries that has one.
 */
static const cJSON *endpoint_dims(const cJSON *alarm)
{
    const cJSON *dims = jsonx_array(alarm, "Dimensions", NULL);
    if (dimension(dims, "EndpointName") != NULL)
        return dims;
    const cJSON *qs = jsonx_array(alarm, "Metrics", NULL);
    for (const cJSON *q = qs != NULL ? qs->child : NULL; q != NULL; q = q->next) {
        const cJSON *m = jsonx_get(jsonx_get(q, "MetricStat"), "Metric");
        dims = jsonx_array(m, "Dimensions", NULL);
        if (dimension(dims, "EndpointName") != NULL)
            return dims;
    }
    return NULL;
}

static const char *metric_of(const cJSON *alarm)
{
    const char *m = jsonx_str_raw(alarm, "MetricName");
    if (m != NULL)
        return m;
    const cJSON *qs = jsonx_array(alarm, "Metrics", NULL);
    for (const cJSON *q = qs != NULL ? qs->child : NULL; q != NULL; q = q->next) {
        m = jsonx_str_raw(jsonx_get(jsonx_get(q, "MetricStat"), "Metric"), "MetricName");
        if (m != NULL)
            return m;
    }
    return "";
}

/* An alarm on the endpoint asked for (arg1), or on any endpoint when none was named. */
static bool keep_alarm(struct sm_op *op, const cJSON *item)
{
    const char *ep = dimension(endpoint_dims(item), "EndpointName");
    return ep != NULL && (op->arg1 == NULL || strcmp(ep, op->arg1) == 0);
}

uint64_t sm_list_alarms(struct md_backend *be, const char *target, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(
        sm, MD_RESULT_ALARMS, cb, ud,
        target != NULL ? op_what("cannot read the CloudWatch alarms of endpoint '%s'", target)
                       : op_what("cannot read the CloudWatch alarms"));
    op->arg1 = target != NULL && target[0] != '\0' ? md_xstrdup(target) : NULL;
    op->on_reply = sm_list_on_reply;
    op->list.keep = keep_alarm;
    cJSON *req = sm_obj();
    cJSON *types = sm_arr(req, "AlarmTypes");
    cJSON *t = cJSON_CreateString("MetricAlarm");
    if (t == NULL)
        md_die_oom();
    sm_push(types, t);
    sm_num(req, "MaxRecords", ALARMS_PAGE);
    sm_list_start(op, MD_AWS_CLOUDWATCH, "DescribeAlarms", req, "MetricAlarms", ALARMS_MAX,
                  ALARMS_MAX_PAGES, NULL);
    sm_op_start(op);
    return op->base.id;
}

uint64_t sm_list_alarm_history(struct md_backend *be, int64_t since_ms, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_CHANGES, cb, ud,
                                 op_what("cannot read the CloudWatch alarm history"));
    op->on_reply = sm_list_on_reply;
    cJSON *req = sm_obj();
    cJSON *types = sm_arr(req, "AlarmTypes");
    cJSON *t = cJSON_CreateString("MetricAlarm");
    if (t == NULL)
        md_die_oom();
    sm_push(types, t);
    sm_str(req, "HistoryItemType", "StateUpdate");
    sm_str(req, "ScanBy", "TimestampDescending");
    if (since_ms > 0)
        sm_num(req, "StartDate", (double)since_ms / 1000.0);
    sm_num(req, "MaxRecords", HISTORY_PAGE);
    sm_list_start(op, MD_AWS_CLOUDWATCH, "DescribeAlarmHistory", req, "AlarmHistoryItems",
                  HISTORY_MAX, HISTORY_MAX_PAGES, NULL);
    sm_op_start(op);
    return op->base.id;
}

/* ---- mapping ---------------------------------------------------------------------------- */

static void map_alarm(const cJSON *it, const cJSON *dims, struct md_alarm *a)
{
    a->name = md_xstrdup_clean(jsonx_str_raw(it, "AlarmName"));
    a->target = md_xstrdup_clean(dimension(dims, "EndpointName"));
    a->deployment = md_xstrdup_clean(dimension(dims, "VariantName"));
    a->metric = md_xstrdup_clean(metric_of(it));
    a->state = md_alarm_state_parse(jsonx_str_raw(it, "StateValue"));
    a->reason = md_xstrdup_clean(jsonx_str_raw(it, "StateReason"));
    a->since_ms = sm_ts_ms(it, "StateUpdatedTimestamp");
    const cJSON *en = jsonx_get(it, "ActionsEnabled");
    a->enabled = en == NULL || cJSON_IsTrue(en);
    a->source = md_xstrdup("cloudwatch");
}

/* bundle {"MetricAlarms": [...]} → the alarms naming an endpoint, by endpoint then name. */
md_status sm_parse_alarms(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "MetricAlarms", ALARMS_MAX + ALARMS_PAGE, &arr, err);
    if (st != MD_OK)
        return st;
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
        const cJSON *dims = cJSON_IsObject(it) ? endpoint_dims(it) : NULL;
        if (dims == NULL || jsonx_str_raw(it, "AlarmName") == NULL)
            continue;
        map_alarm(it, dims, md_alarm_list_push(&out->alarms));
    }
    md_alarm_list_sort(&out->alarms);
    return MD_OK;
}

/* "ALARM" from {"stateValue": "ALARM", ...}; "?" when the platform left it out. */
static const char *state_of(const cJSON *st)
{
    const char *v = jsonx_str_raw(st, "stateValue");
    return v != NULL && v[0] != '\0' ? v : "?";
}

/*
 * One StateUpdate item → a change with no target yet (the deck names the
 * endpoint): "alarm NAME", "OK -> ALARM: reason" at the item's Timestamp.
 */
static bool map_history(const cJSON *it, struct md_change *c)
{
    const char *name = jsonx_str_raw(it, "AlarmName");
    const char *type = jsonx_str_raw(it, "HistoryItemType");
    int64_t at = sm_ts_ms(it, "Timestamp");
    if (name == NULL || name[0] == '\0' || at <= 0 || (type && strcmp(type, "StateUpdate")))
        return false;
    /* the old and new states are a JSON document inside the item */
    const char *raw = jsonx_str_raw(it, "HistoryData");
    cJSON *data = raw != NULL ? cJSON_Parse(raw) : NULL;
    const cJSON *old = jsonx_get(data, "oldState");
    const cJSON *cur = jsonx_get(data, "newState");
    if (cur == NULL) {
        cJSON_Delete(data);
        return false;
    }
    const char *reason = jsonx_str_raw(cur, "stateReason");
    c->target = md_xstrdup("");
    c->operation = md_xasprintf("alarm %s", name);
    md_sanitize(c->operation);
    c->actor = md_xstrdup("");
    c->actor_kind = md_xstrdup("");
    c->at_ms = at;
    c->detail = md_xasprintf("%s -> %s%s%s", old != NULL ? state_of(old) : "?", state_of(cur),
                             reason && reason[0] ? ": " : "", reason ? reason : "");
    md_sanitize(c->detail);
    c->status = md_xstrdup_clean(state_of(cur));
    c->error = md_xstrdup("");
    c->source = md_xstrdup("alarm");
    c->id = md_xasprintf("alarm:%s:%lld", name, (long long)at);
    md_sanitize(c->id);
    cJSON_Delete(data);
    return true;
}

/* bundle {"AlarmHistoryItems": [...]} (newest first) → state changes, oldest first. */
md_status sm_parse_alarm_history(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "AlarmHistoryItems", HISTORY_MAX + HISTORY_PAGE, &arr, err);
    if (st != MD_OK)
        return st;
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
        struct md_change c;
        memset(&c, 0, sizeof(c));
        if (!cJSON_IsObject(it) || !map_history(it, &c))
            continue;
        *md_change_list_push(&out->changes) = c;
    }
    md_change_list_sort(&out->changes);
    return MD_OK;
}

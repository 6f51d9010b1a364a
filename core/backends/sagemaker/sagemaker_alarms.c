/*
 * sagemaker_alarms.c - the CloudWatch metric alarms that watch an endpoint:
 * DescribeAlarms (paged), kept when a dimension of the alarm's metric (or
 * of one metric of a metric-math alarm) is EndpointName = the endpoint;
 * VariantName names the variant watched. DescribeAlarms cannot filter by
 * dimension, so the account's metric alarms are paged through and filtered
 * here; a name prefix would miss alarms named by another convention.
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

/*
 * sagemaker_health.c - CloudWatch GetMetricData replies (collected in a
 * health bundle, see sagemaker_int.h) to md_health_series: one series per
 * variant and metric, plus the whole endpoint's, computed here.
 */
#include "sagemaker_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"
#include "mldeck/health.h"

static const char *const metric_names[MD_HEALTH_METRIC_COUNT] = {
    [MD_HEALTH_INVOCATIONS] = "Invocations",
    [MD_HEALTH_4XX] = "Invocation4XXErrors",
    [MD_HEALTH_5XX] = "Invocation5XXErrors",
    [MD_HEALTH_LATENCY_US] = "ModelLatency",
    /* not CloudWatch names: each is the sum of two queries, see sm_health_queries */
    [MD_HEALTH_P50_US] = "LatencyP50",
    [MD_HEALTH_P99_US] = "LatencyP99",
};

/*
 * What is asked per variant. A request's latency is the model's plus
 * SageMaker's overhead; CloudWatch keeps them apart, so each percentile
 * is two queries whose values the parser adds per period (the sum of two
 * p99s bounds the p99 of the sum from above: never an optimistic reading).
 */
const struct sm_health_query sm_health_queries[] = {
    {MD_HEALTH_INVOCATIONS, "Invocations", "Sum"},
    {MD_HEALTH_4XX, "Invocation4XXErrors", "Sum"},
    {MD_HEALTH_5XX, "Invocation5XXErrors", "Sum"},
    {MD_HEALTH_LATENCY_US, "ModelLatency", "Average"},
    {MD_HEALTH_P50_US, "ModelLatency", "p50"},
    {MD_HEALTH_P50_US, "OverheadLatency", "p50"},
    {MD_HEALTH_P99_US, "ModelLatency", "p99"},
    {MD_HEALTH_P99_US, "OverheadLatency", "p99"},
};
const size_t sm_health_n_queries = MD_ARRAY_LEN(sm_health_queries);

const char *sm_health_metric_name(enum md_health_metric m)
{
    return (unsigned)m < MD_HEALTH_METRIC_COUNT ? metric_names[m] : "?";
}

/* Counts add up; latency is an average or a percentile (microseconds). */
const char *sm_health_stat(enum md_health_metric m)
{
    for (size_t i = 0; i < sm_health_n_queries; i++)
        if (sm_health_queries[i].series == m)
            return sm_health_queries[i].stat;
    return "Sum";
}

/* The series of a query row in a bundle; -1 for one this build does not know. */
static int metric_from_name(const char *s)
{
    for (int m = 0; s != NULL && m < MD_HEALTH_METRIC_COUNT; m++) {
        if (strcmp(s, metric_names[m]) == 0)
            return m;
    }
    return -1;
}

/* ---- health ----------------------------------------------------------------------------- */

/* Append the points of one MetricDataResults entry; pages of one query add up. */
static md_status series_add(struct md_health_series *s, const cJSON *res, struct md_err *err)
{
    const cJSON *ts = jsonx_array(res, "Timestamps", NULL);
    const cJSON *vs = jsonx_array(res, "Values", NULL);
    size_t n = jsonx_count(ts) < jsonx_count(vs) ? jsonx_count(ts) : jsonx_count(vs);
    if (n == 0)
        return MD_OK;
    if (s->n + n > SM_MAX_RECORD_ITEMS)
        return md_err_set(err, MD_ERR_TOO_BIG, "more than %d points in one health series",
                          SM_MAX_RECORD_ITEMS);
    s->t = md_xrealloc(s->t, (s->n + n) * sizeof(*s->t));
    s->v = md_xrealloc(s->v, (s->n + n) * sizeof(*s->v));
    const cJSON *t = ts->child;
    const cJSON *v = vs->child;
    for (size_t i = 0; i < n; i++, t = t->next, v = v->next) {
        double sec = jsonx_value_double(t, NAN);
        double val = jsonx_value_double(v, NAN);
        if (!isfinite(sec) || fabs(sec) > 9.0e12)
            continue;
        s->t[s->n] = (int64_t)(sec * 1000.0);
        s->v[s->n] = val;
        s->n++;
    }
    return MD_OK;
}

/* GetMetricData replies mapped through the bundle's query table (Id -> metric, variant). */
md_status sm_parse_health(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *queries = NULL;
    const cJSON *replies = NULL;
    md_status st = jsonx_list(root, "Queries", SM_MAX_ITEMS, &queries, err);
    if (st == MD_OK)
        st = jsonx_list(root, "Replies", SM_MAX_ITEMS, &replies, err);
    if (st != MD_OK)
        return st;
    const char *endpoint = jsonx_str_raw(root, "EndpointName");
    struct md_health_list *l = &out->health;
    size_t nq = jsonx_count(queries);
    const char **ids = md_xcalloc(nq ? nq : 1, sizeof(*ids));
    size_t *into = md_xcalloc(nq ? nq : 1, sizeof(*into)); /* query row -> series */
    size_t nrow = 0;
    for (const cJSON *q = queries != NULL ? queries->child : NULL; q != NULL; q = q->next) {
        const char *series = jsonx_str_raw(q, "Series");
        int m = metric_from_name(series != NULL ? series : jsonx_str_raw(q, "Metric"));
        const char *id = jsonx_str_raw(q, "Id");
        if (m < 0 || id == NULL)
            continue;
        const char *var = jsonx_str_raw(q, "Variant");
        size_t at = 0;
        for (; at < l->n; at++)
            if ((int)l->v[at].metric == m && strcmp(l->v[at].deployment, var ? var : "") == 0)
                break;
        if (at == l->n) {
            struct md_health_series *s = md_health_list_push(l);
            s->endpoint = md_xstrdup_clean(endpoint);
            s->deployment = jsonx_str(q, "Variant");
            s->metric = (enum md_health_metric)m;
        }
        ids[nrow] = id;
        into[nrow++] = at;
    }
    /* a bare GetMetricData reply counts as the only reply */
    const cJSON *one = jsonx_get(root, "MetricDataResults") != NULL ? root : NULL;
    const cJSON *r = one != NULL ? one : replies != NULL ? replies->child : NULL;
    for (; st == MD_OK && r != NULL; r = one != NULL ? NULL : r->next) {
        const cJSON *res = NULL;
        st = jsonx_list(r, "MetricDataResults", SM_MAX_ITEMS, &res, err);
        for (const cJSON *it = res != NULL ? res->child : NULL; st == MD_OK && it != NULL;
             it = it->next) {
            const char *id = jsonx_str_raw(it, "Id");
            for (size_t i = 0; id != NULL && i < nrow; i++) {
                if (strcmp(ids[i], id) == 0) {
                    st = series_add(&l->v[into[i]], it, err);
                    break;
                }
            }
        }
    }
    free(ids);
    free(into);
    if (st != MD_OK)
        return st;
    for (size_t i = 0; i < l->n; i++)
        md_health_series_settle(&l->v[i]);
    md_health_add_totals(l, endpoint);
    return MD_OK;
}

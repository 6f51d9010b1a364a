/*
 * azureml_health.c - an online endpoint's request metrics from Azure
 * Monitor (Microsoft.Insights/metrics on the endpoint's resource id), and
 * their mapping to md_health_series.
 *
 * Two GETs, because a metrics query's $filter must name only dimensions
 * every metric asked has: RequestsPerMinute split by deployment and status
 * class (its 4xx and 5xx are the error counts), and RequestLatency_P50/P99
 * split by deployment (milliseconds; the series are microseconds like
 * SageMaker's). Both replies' metrics are composed into one document
 * {"value": [metric, ...]} (see azureml_req.c), which the parse slot maps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azureml_int.h"
#include "base/jsonx_int.h"
#include "mldeck/health.h"

#define METRICS_API "2023-10-01"
#define METRICS_MAX 64 /* metric objects in the composed document */
/* Most series one health document may hold (deployments x metrics x status classes). */
#define METRICS_MAX_SERIES 2000

static void iso_utc(int64_t sec, char *buf, size_t n)
{
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *metrics_url(const struct azureml *az, const char *name, const char *metrics,
                         const char *aggregation, const char *filter, const char *span)
{
    char *ep = md_http_escape(name);
    char *qf = md_http_escape(filter);
    char *qs = md_http_escape(span);
    char *url = md_xasprintf("%s%s/onlineEndpoints/%s/providers/Microsoft.Insights/metrics"
                             "?api-version=" METRICS_API "&metricnames=%s&aggregation=%s"
                             "&interval=PT1M&timespan=%s&$filter=%s",
                             az->arm, az->ws, ep, metrics, aggregation, qs, qf);
    free(qs);
    free(qf);
    free(ep);
    return url;
}

uint64_t azureml_get_health(struct md_backend *be, const char *endpoint, int minutes,
                            md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    struct az_op *op = azureml_op_new(az, MD_RESULT_HEALTH, cb, ud, "cannot get health of endpoint",
                                      endpoint, endpoint);
    if (endpoint == NULL || endpoint[0] == '\0')
        return op_fail_later(&op->base, MD_ERR_INVALID, "no endpoint named");
    minutes = minutes < 5 ? 5 : minutes > 24 * 60 ? 24 * 60 : minutes;
    /* whole minutes, ending after the current one, so refreshes ask the same buckets */
    int64_t end = (md_now_ms() / 60000 + 1) * 60;
    char from[32], to[32];
    iso_utc(end - (int64_t)minutes * 60, from, sizeof(from));
    iso_utc(end, to, sizeof(to));
    char span[72];
    snprintf(span, sizeof(span), "%s/%s", from, to);
    char *requests = metrics_url(az, endpoint, "RequestsPerMinute", "Total",
                                 "deployment eq '*' and statusCodeClass eq '*'", span);
    char *latency = metrics_url(az, endpoint, "RequestLatency_P50,RequestLatency_P99", "Average",
                                "deployment eq '*'", span);
    op_call(&op->base, AZ_R_METRICS, MD_HTTP_GET, latency, NULL);
    return azureml_list(op, AZ_R_METRICS, requests);
}

/* ---- mapping ---------------------------------------------------------------------------- */

/* A dimension's value on a time series; Azure writes the names in any case. */
static const char *dimension(const cJSON *ts, const char *name)
{
    const cJSON *md = jsonx_array(ts, "metadatavalues", NULL);
    for (const cJSON *d = md != NULL ? md->child : NULL; d != NULL; d = d->next) {
        const char *n = jsonx_str_raw(jsonx_get(d, "name"), "value");
        if (n != NULL && strcasecmp(n, name) == 0)
            return jsonx_str_raw(d, "value");
    }
    return NULL;
}

static struct md_health_series *series_for(struct md_health_list *l, const char *endpoint,
                                           const char *dep, enum md_health_metric m)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].metric == m && strcmp(l->v[i].deployment, dep) == 0)
            return &l->v[i];
    struct md_health_series *s = md_health_list_push(l);
    s->endpoint = md_xstrdup_clean(endpoint);
    s->deployment = md_xstrdup_clean(dep);
    s->metric = m;
    return s;
}

static md_status add_points(struct md_health_series *s, const cJSON *data, const char *field,
                            double scale, struct md_err *err)
{
    for (const cJSON *p = data != NULL ? data->child : NULL; p != NULL; p = p->next) {
        const cJSON *v = jsonx_get(p, field);
        int64_t t = azureml_time_ms(jsonx_str_raw(p, "timeStamp"));
        if (!cJSON_IsNumber(v) || t <= 0) /* a minute with no request has no value */
            continue;
        if (s->n >= AZUREML_MAX_ITEMS)
            return md_err_set(err, MD_ERR_TOO_BIG, "more than %d points in one health series",
                              AZUREML_MAX_ITEMS);
        s->t = md_xrealloc(s->t, (s->n + 1) * sizeof(*s->t));
        s->v = md_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        s->t[s->n] = t;
        s->v[s->n] = v->valuedouble * scale;
        s->n++;
    }
    return MD_OK;
}

/* One time series of one metric: into invocations and the error counts, or a latency. */
static md_status map_series(struct md_health_list *l, const char *endpoint, const char *metric,
                            const cJSON *ts, struct md_err *err)
{
    const char *dep = dimension(ts, "deployment");
    const cJSON *data = jsonx_array(ts, "data", NULL);
    if (dep == NULL || !dep[0])
        return MD_OK; /* the endpoint's own series are computed from its deployments' */
    if (l->n + 3 > METRICS_MAX_SERIES)
        return md_err_set(err, MD_ERR_TOO_BIG, "more than %d health series", METRICS_MAX_SERIES);
    md_status st = MD_OK;
    if (strcasecmp(metric, "RequestsPerMinute") == 0) {
        const char *cls = dimension(ts, "statusCodeClass");
        st = add_points(series_for(l, endpoint, dep, MD_HEALTH_INVOCATIONS), data, "total", 1, err);
        if (st == MD_OK && cls != NULL && strcasecmp(cls, "4xx") == 0)
            st = add_points(series_for(l, endpoint, dep, MD_HEALTH_4XX), data, "total", 1, err);
        if (st == MD_OK && cls != NULL && strcasecmp(cls, "5xx") == 0)
            st = add_points(series_for(l, endpoint, dep, MD_HEALTH_5XX), data, "total", 1, err);
    } else if (strcasecmp(metric, "RequestLatency_P50") == 0) {
        st = add_points(series_for(l, endpoint, dep, MD_HEALTH_P50_US), data, "average", 1000, err);
    } else if (strcasecmp(metric, "RequestLatency_P99") == 0) {
        st = add_points(series_for(l, endpoint, dep, MD_HEALTH_P99_US), data, "average", 1000, err);
    }
    return st;
}

/* The composed {"value": [metric, ...]} to a health list; the endpoint name from the ids. */
md_status azureml_parse_health(const char *body, size_t len, struct md_result *out,
                               struct md_err *err)
{
    cJSON *root = NULL;
    md_status st = op_parse_begin(MD_RESULT_HEALTH, body, len, out, &root, err);
    const cJSON *arr = NULL;
    if (st == MD_OK)
        st = jsonx_list(root, "value", METRICS_MAX, &arr, err);
    struct md_health_list *l = &out->health;
    char endpoint[256] = "";
    for (const cJSON *m = arr != NULL ? arr->child : NULL; st == MD_OK && m != NULL; m = m->next) {
        const char *name = jsonx_str_raw(jsonx_get(m, "name"), "value");
        const char *id = jsonx_str_raw(m, "id");
        const char *at = id != NULL ? strstr(id, "/onlineEndpoints/") : NULL;
        if (at != NULL && !endpoint[0]) {
            at += strlen("/onlineEndpoints/");
            snprintf(endpoint, sizeof(endpoint), "%.*s", (int)strcspn(at, "/"), at);
        }
        const cJSON *series = NULL;
        if (name == NULL)
            continue;
        st = jsonx_list(m, "timeseries", METRICS_MAX_SERIES, &series, err);
        for (const cJSON *ts = series != NULL ? series->child : NULL; st == MD_OK && ts != NULL;
             ts = ts->next)
            st = map_series(l, endpoint, name, ts, err);
    }
    if (st == MD_OK) {
        for (size_t i = 0; i < l->n; i++)
            md_health_series_settle(&l->v[i]);
        md_health_add_totals(l, endpoint);
    }
    return op_parse_end(st, root, "nextLink", out);
}

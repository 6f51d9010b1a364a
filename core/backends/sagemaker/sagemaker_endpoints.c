/*
 * sagemaker_endpoints.c - the endpoint reads of the SageMaker backend:
 * probe, list and get endpoints (with their configs and models), the
 * configs an endpoint may roll back to, and CloudWatch health.
 *
 * Describing an endpoint fully takes three calls: DescribeEndpoint (status,
 * current weights and counts, the config's name), DescribeEndpointConfig
 * (which model and instance type each variant runs) and DescribeModel (the
 * image, and the model package version it came from). Configs and models
 * are asked for once per operation however many endpoints share them.
 */
#include "sagemaker_req.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

/* Newest configs of other names described to look for matching variant names. */
#define CONFIG_SCAN_OTHERS 20
/* Most configs sharing the endpoint's config stem returned. */
#define CONFIG_MAX_STEM 50
/* Pages of ListEndpoints / ListEndpointConfigs (100 each) read at most. */
#define LIST_MAX_PAGES 100
/* CloudWatch allows 500 queries per call; 8 per variant (sm_health_queries). */
#define HEALTH_MAX_VARIANTS 62
/* Describes of configs, models and packages younger than this are used again. */
#define DESCRIBE_TTL_MS (15 * 60 * 1000)
/* Variant names younger than this are taken from the backend's last describe. */
#define HEALTH_VARIANTS_MAX_AGE_MS 60000
/* Points per health series the period is chosen for. */
#define HEALTH_POINTS 120

/*
 * Describe `name` once per operation; `kind` ("c", "m", "p") keeps the
 * namespaces apart. Configs, models and packages cannot change once made,
 * so a reply from the last DESCRIBE_TTL_MS is used again without a call;
 * a name deleted and made again with other contents shows late by that much.
 */
static void describe_once(struct sm_op *op, const char *kind, const char *op_name, int role,
                          const char *key, const char *name)
{
    if (name == NULL || name[0] == '\0')
        return;
    char *mark = md_xasprintf("%s:%s", kind, name);
    bool seen = sm_seen(op, mark);
    const cJSON *hit = seen ? NULL : sm_dcache_get(op->sm, mark, DESCRIBE_TTL_MS);
    free(mark);
    if (seen)
        return;
    if (hit != NULL) {
        struct op_call fake = {
            .op = &op->base, .name = op_name, .role = role, .flags = SM_CALL_CACHED};
        struct md_err none = MD_ERR_INIT;
        fake.subject = md_xstrdup(name);
        op->on_reply(op, &fake, MD_OK, &none, hit);
        free(fake.subject);
        return;
    }
    cJSON *body = sm_obj();
    sm_str(body, key, name);
    sm_enqueue(op, MD_AWS_SAGEMAKER, op_name, role, body, name);
}

/*
 * DescribeModel without what mldeck has no use for: container Environment
 * maps may hold secrets, and bundles end up in the state store.
 */
static cJSON *slim_model(const cJSON *m)
{
    static const char *const keep[] = {"Image", "ModelDataUrl", "ModelPackageName"};
    cJSON *out = sm_obj();
    sm_str(out, "ModelName", jsonx_str_raw(m, "ModelName"));
    const cJSON *pc = jsonx_get(m, "PrimaryContainer");
    const cJSON *cs = jsonx_array(m, "Containers", NULL);
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *it = pass == 0 ? pc : (cs != NULL ? cs->child : NULL);
        for (; it != NULL; it = pass == 0 ? NULL : it->next) {
            cJSON *c = sm_obj();
            for (size_t i = 0; i < MD_ARRAY_LEN(keep); i++) {
                const char *v = jsonx_str_raw(it, keep[i]);
                if (v != NULL)
                    sm_str(c, keep[i], v);
            }
            if (pass == 0 && !cJSON_AddItemToObject(out, "PrimaryContainer", c))
                md_die_oom();
            else if (pass == 1)
                sm_push(sm_arr(out, "Containers"), c);
        }
    }
    return out;
}

/* DescribeModelPackage reduced to what names the package and its image. */
static cJSON *slim_package(const cJSON *p)
{
    cJSON *out = sm_obj();
    sm_str(out, "ModelPackageArn", jsonx_str_raw(p, "ModelPackageArn"));
    sm_str(out, "ModelPackageGroupName", jsonx_str_raw(p, "ModelPackageGroupName"));
    const cJSON *ver = jsonx_get(p, "ModelPackageVersion");
    if (cJSON_IsNumber(ver))
        sm_num(out, "ModelPackageVersion", ver->valuedouble);
    cJSON *spec = sm_obj();
    const cJSON *cs = jsonx_array(jsonx_get(p, "InferenceSpecification"), "Containers", NULL);
    for (const cJSON *it = cs != NULL ? cs->child : NULL; it != NULL; it = it->next) {
        cJSON *c = sm_obj();
        sm_str(c, "Image", jsonx_str_raw(it, "Image"));
        sm_str(c, "ModelDataUrl", jsonx_str_raw(it, "ModelDataUrl"));
        sm_push(sm_arr(spec, "Containers"), c);
    }
    if (!cJSON_AddItemToObject(out, "InferenceSpecification", spec))
        md_die_oom();
    return out;
}

/* Keep the first error of a describe the result can do without. */
static void partial(struct sm_op *op, md_status st, const struct md_err *err)
{
    op->failed++;
    if (op->part_err.code == MD_OK)
        md_err_set_http(&op->part_err, st, err->http_status, "%s", err->msg);
}

/* Keep a describe reply for later operations (not one that came from the cache). */
static void remember(struct sm_op *op, const struct op_call *c, const char *kind, const cJSON *obj)
{
    if (c->flags & SM_CALL_CACHED)
        return;
    char *key = md_xasprintf("%s:%s", kind, c->subject);
    sm_dcache_put(op->sm, key, obj);
    free(key);
}

/* Models and configs, shared by every endpoint read. */
static void on_config_or_model(struct sm_op *op, struct op_call *c, md_status st,
                               const struct md_err *err, const cJSON *reply)
{
    if (c->role == SM_ROLE_CONFIG) {
        if (st == MD_OK) {
            op->ok++;
            remember(op, c, "c", reply);
            sm_push(sm_arr(op->bundle, "EndpointConfigs"), sm_dup(reply));
            const cJSON *pvs = jsonx_array(reply, "ProductionVariants", NULL);
            for (const cJSON *pv = pvs != NULL ? pvs->child : NULL; pv != NULL; pv = pv->next)
                describe_once(op, "m", "DescribeModel", SM_ROLE_MODEL, "ModelName",
                              jsonx_str_raw(pv, "ModelName"));
        } else if (st != MD_ERR_NOT_FOUND) { /* a deleted config: variants show no model */
            partial(op, st, err);
        }
    } else if (c->role == SM_ROLE_MODEL) {
        if (st == MD_OK) {
            cJSON *m = slim_model(reply);
            remember(op, c, "m", m);
            sm_push(sm_arr(op->bundle, "Models"), m);
            /* built from a registry package: the image is the package's */
            const cJSON *pc = jsonx_get(m, "PrimaryContainer");
            if (pc == NULL)
                pc = jsonx_array(m, "Containers", NULL) ? jsonx_array(m, "Containers", NULL)->child
                                                        : NULL;
            if (jsonx_str_raw(pc, "Image") == NULL)
                describe_once(op, "p", "DescribeModelPackage", SM_ROLE_PACKAGE, "ModelPackageName",
                              jsonx_str_raw(pc, "ModelPackageName"));
        } else if (st == MD_ERR_NOT_FOUND) {
            /* a rollback onto this config would fail: say so on the variant */
            cJSON *m = sm_obj();
            sm_str(m, "ModelName", c->subject);
            if (!cJSON_AddTrueToObject(m, "MldeckMissing"))
                md_die_oom();
            sm_push(sm_arr(op->bundle, "Models"), m);
        } else {
            partial(op, st, err);
        }
    } else if (c->role == SM_ROLE_PACKAGE && st == MD_OK) {
        cJSON *p = slim_package(reply);
        remember(op, c, "p", p);
        sm_push(sm_arr(op->bundle, "ModelPackages"), p);
    } /* a package that cannot be described only leaves its image unknown */
}

/* A described endpoint: keep it, and ask for its config and any config being rolled out. */
static void take_endpoint(struct sm_op *op, const cJSON *reply)
{
    op->ok++;
    sm_variants_put(op->sm, reply);
    sm_push(sm_arr(op->bundle, "Endpoints"), sm_dup(reply));
    describe_once(op, "c", "DescribeEndpointConfig", SM_ROLE_CONFIG, "EndpointConfigName",
                  jsonx_str_raw(reply, "EndpointConfigName"));
    describe_once(
        op, "c", "DescribeEndpointConfig", SM_ROLE_CONFIG, "EndpointConfigName",
        jsonx_str_raw(jsonx_get(reply, "PendingDeploymentSummary"), "EndpointConfigName"));
}

/* Start op with a DescribeEndpoint of `name`; its id. */
static uint64_t describe_endpoint(struct sm_op *op, const char *name)
{
    cJSON *body = sm_obj();
    sm_str(body, "EndpointName", name);
    sm_enqueue(op, MD_AWS_SAGEMAKER, "DescribeEndpoint", SM_ROLE_ENDPOINT, body, name);
    sm_op_start(op);
    return op->base.id;
}

/* ---- probe ------------------------------------------------------------------------------ */

/* ListEndpoints with one result: proves the keys, the region and the endpoint at once. */
uint64_t sm_probe(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op =
        sm_op_new(sm, MD_RESULT_PROBE, cb, ud,
                  op_what("cannot reach SageMaker in %s for '%s'", sm->aws.region, be->name));
    cJSON *body = sm_obj();
    sm_num(body, "MaxResults", 1);
    sm_enqueue(op, MD_AWS_SAGEMAKER, "ListEndpoints", SM_ROLE_NONE, body, NULL);
    sm_op_start(op);
    return op->base.id;
}

/* ---- list and get endpoints ------------------------------------------------------------- */

/*
 * A list stays useful when some describes fail (summary-only rows); a get
 * of one endpoint does not, so there every error is the operation's.
 */
static void endpoints_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                               const struct md_err *err, const cJSON *reply)
{
    switch (c->role) {
    case SM_ROLE_LIST:
        if (st == MD_OK)
            sm_list_page(op, reply);
        else
            sm_op_fail(op, st, err->http_status, "%s", err->msg);
        break;
    case SM_ROLE_ENDPOINT:
        if (st == MD_OK)
            take_endpoint(op, reply);
        else if (op->base.kind == MD_RESULT_ENDPOINT)
            sm_op_fail(op, st, err->http_status, "%s", err->msg);
        else if (st == MD_ERR_NOT_FOUND) /* deleted since the list: drop it */
            sm_seen(op, c->subject);
        else
            partial(op, st, err);
        break;
    default:
        on_config_or_model(op, c, st, err, reply);
        break;
    }
}

/*
 * The end of a list: endpoints deleted meanwhile leave; a list whose every
 * describe failed is an error (the first one), a partial one is logged
 * and shows the failed endpoints from their summaries.
 */
static void endpoints_done(struct sm_op *op)
{
    if (op->ok == 0 && op->failed > 0) {
        sm_op_fail(op, op->part_err.code, op->part_err.http_status, "%s", op->part_err.msg);
        return;
    }
    if (op->failed > 0)
        md_log(MD_LOG_WARN,
               "sagemaker '%s': %zu describe call(s) failed, showing what is "
               "known: %s",
               op->sm->base.name, op->failed, op->part_err.msg);
    cJSON *sums = cJSON_GetObjectItemCaseSensitive(op->bundle, "Summaries");
    cJSON *it = sums != NULL ? sums->child : NULL;
    while (it != NULL) {
        cJSON *next = it->next;
        const char *name = jsonx_str_raw(it, "EndpointName");
        if (name != NULL && sm_has(op, name))
            cJSON_Delete(cJSON_DetachItemViaPointer(sums, it));
        it = next;
    }
}

/* All summaries in: describe each (SM_MAX_INFLIGHT at a time, with the rest of the queue). */
static void endpoints_listed(struct sm_op *op)
{
    cJSON *list = cJSON_DetachItemFromObjectCaseSensitive(op->bundle, "Endpoints");
    if (list == NULL)
        list = cJSON_CreateArray();
    if (list == NULL || !cJSON_AddItemToObject(op->bundle, "Summaries", list))
        md_die_oom();
    sm_arr(op->bundle, "Endpoints");
    for (const cJSON *it = list->child; it != NULL; it = it->next) {
        const char *name = jsonx_str_raw(it, "EndpointName");
        if (name == NULL || name[0] == '\0')
            continue;
        cJSON *body = sm_obj();
        sm_str(body, "EndpointName", name);
        sm_enqueue(op, MD_AWS_SAGEMAKER, "DescribeEndpoint", SM_ROLE_ENDPOINT, body, name);
    }
    op->on_done = endpoints_done;
}

uint64_t sm_list_endpoints(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op =
        sm_op_new(sm, MD_RESULT_ENDPOINTS, cb, ud,
                  op_what("cannot list endpoints of '%s' in %s", be->name, sm->aws.region));
    op->on_reply = endpoints_on_reply;
    op->on_done = endpoints_listed;
    cJSON *req = sm_obj();
    sm_num(req, "MaxResults", 100);
    sm_str(req, "SortBy", "Name");
    sm_str(req, "SortOrder", "Ascending");
    sm_list_start(op, MD_AWS_SAGEMAKER, "ListEndpoints", req, "Endpoints", SIZE_MAX, LIST_MAX_PAGES,
                  NULL);
    sm_op_start(op);
    return op->base.id;
}

uint64_t sm_get_endpoint(struct md_backend *be, const char *name, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op =
        sm_op_new(sm, MD_RESULT_ENDPOINT, cb, ud, op_what("cannot describe endpoint '%s'", name));
    op->on_reply = endpoints_on_reply;
    return describe_endpoint(op, name);
}

/* ---- configs an endpoint may roll back to ----------------------------------------------- */

/*
 * SageMaker keeps no history of the configs an endpoint used. What is
 * returned here is inferred, newest first:
 *   - the current config, and the one being rolled out during an update
 *     (both certain);
 *   - configs whose name has the current config's stem (sm_name_stem:
 *     "churn-config-2" and "churn-config-1" share "churn-config"), the usual
 *     naming of successive configs of one endpoint (up to CONFIG_MAX_STEM);
 *   - among the CONFIG_SCAN_OTHERS newest configs of other names, those
 *     whose production variants have exactly the endpoint's variant names.
 * Nothing proves the endpoint ever ran the inferred ones: the state store's
 * observed history is the better source, this one is the fallback.
 */
static bool same_variants(const struct sm_op *op, const cJSON *config)
{
    const cJSON *want = jsonx_get(op->bundle, "EndpointVariants");
    const cJSON *pvs = jsonx_array(config, "ProductionVariants", NULL);
    if (jsonx_count(want) != jsonx_count(pvs) || jsonx_count(pvs) == 0)
        return false;
    for (const cJSON *pv = pvs->child; pv != NULL; pv = pv->next) {
        const char *n = jsonx_str_raw(pv, "VariantName");
        bool found = false;
        for (const cJSON *w = want->child; w != NULL && !found; w = w->next)
            found = cJSON_IsString(w) && n != NULL && strcmp(w->valuestring, n) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* The endpoint first (current config, variant names), then the listing, then describes. */
static void configs_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                             const struct md_err *err, const cJSON *reply)
{
    if (c->role == SM_ROLE_LIST) {
        if (st == MD_OK)
            sm_list_page(op, reply);
        else
            sm_op_fail(op, st, err->http_status, "%s", err->msg);
    } else if (c->role == SM_ROLE_ENDPOINT) {
        if (st != MD_OK) {
            sm_op_fail(op, st, err->http_status, "%s", err->msg);
            return;
        }
        op->arg2 = jsonx_str(reply, "EndpointConfigName");
        op->arg3 = jsonx_str(jsonx_get(reply, "PendingDeploymentSummary"), "EndpointConfigName");
        cJSON *names = sm_arr(op->bundle, "EndpointVariants");
        const cJSON *pvs = jsonx_array(reply, "ProductionVariants", NULL);
        for (const cJSON *pv = pvs != NULL ? pvs->child : NULL; pv != NULL; pv = pv->next) {
            cJSON *s = cJSON_CreateString(
                jsonx_str_raw(pv, "VariantName") ? jsonx_str_raw(pv, "VariantName") : "");
            if (s == NULL)
                md_die_oom();
            sm_push(names, s);
        }
    } else if (c->role == SM_ROLE_CONFIG && st == MD_OK) {
        char *mark = md_xasprintf("v:%s", c->subject);
        bool need_match = sm_has(op, mark);
        free(mark);
        if (need_match && !same_variants(op, reply))
            return;
        on_config_or_model(op, c, st, err, reply);
    } else {
        on_config_or_model(op, c, st, err, reply);
    }
}

/* The variant names were only the filter: they do not belong in the cached bundle. */
static void configs_done(struct sm_op *op)
{
    if (op->ok == 0 && op->failed > 0)
        sm_op_fail(op, op->part_err.code, op->part_err.http_status, "%s", op->part_err.msg);
    cJSON_DeleteItemFromObjectCaseSensitive(op->bundle, "EndpointVariants");
}

/* The listing is in: pick the candidates (see above) and describe them. */
static void configs_listed(struct sm_op *op)
{
    cJSON *list = cJSON_DetachItemFromObjectCaseSensitive(op->bundle, "EndpointConfigs");
    sm_arr(op->bundle, "EndpointConfigs");
    char *stem = sm_name_stem(op->arg2);
    size_t n_stem = 0;
    size_t n_other = 0;
    describe_once(op, "c", "DescribeEndpointConfig", SM_ROLE_CONFIG, "EndpointConfigName",
                  op->arg2);
    describe_once(op, "c", "DescribeEndpointConfig", SM_ROLE_CONFIG, "EndpointConfigName",
                  op->arg3);
    for (const cJSON *it = list != NULL ? list->child : NULL; it != NULL; it = it->next) {
        const char *name = jsonx_str_raw(it, "EndpointConfigName");
        if (name == NULL || name[0] == '\0')
            continue;
        char *s = sm_name_stem(name);
        bool by_stem = stem[0] != '\0' && strcmp(s, stem) == 0;
        free(s);
        if (by_stem && n_stem < CONFIG_MAX_STEM) {
            n_stem++;
        } else if (!by_stem && n_other < CONFIG_SCAN_OTHERS) {
            n_other++;
            char *mark = md_xasprintf("v:%s", name);
            sm_seen(op, mark);
            free(mark);
        } else {
            continue;
        }
        describe_once(op, "c", "DescribeEndpointConfig", SM_ROLE_CONFIG, "EndpointConfigName",
                      name);
    }
    free(stem);
    cJSON_Delete(list);
    op->on_done = configs_done;
}

/* Newest first, as rollback candidates are shown; at most 1000 configs are looked at. */
static void configs_described_endpoint(struct sm_op *op)
{
    cJSON *req = sm_obj();
    sm_num(req, "MaxResults", 100);
    sm_str(req, "SortBy", "CreationTime");
    sm_str(req, "SortOrder", "Descending");
    sm_list_start(op, MD_AWS_SAGEMAKER, "ListEndpointConfigs", req, "EndpointConfigs", SIZE_MAX,
                  LIST_MAX_PAGES / 10, NULL);
    op->on_done = configs_listed;
}

uint64_t sm_list_endpoint_configs(struct md_backend *be, const char *endpoint, md_backend_cb cb,
                                  void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_ENDPOINT_CONFIGS, cb, ud,
                                 op_what("cannot list configs of endpoint '%s'", endpoint));
    op->on_reply = configs_on_reply;
    op->on_done = configs_described_endpoint;
    return describe_endpoint(op, endpoint);
}

/* ---- health ----------------------------------------------------------------------------- */

/* Variant names decide which series to ask for; the replies are mapped at the end. */
static void health_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                            const struct md_err *err, const cJSON *reply)
{
    if (st != MD_OK) {
        sm_op_fail(op, st, err->http_status, "%s", err->msg);
        return;
    }
    if (c->role == SM_ROLE_ENDPOINT) {
        sm_variants_put(op->sm, reply);
        cJSON *names = sm_arr(op->bundle, "EndpointVariants");
        const cJSON *pvs = jsonx_array(reply, "ProductionVariants", NULL);
        for (const cJSON *pv = pvs != NULL ? pvs->child : NULL; pv != NULL; pv = pv->next) {
            const char *n = jsonx_str_raw(pv, "VariantName");
            if (n != NULL && jsonx_count(names) < HEALTH_MAX_VARIANTS) {
                cJSON *s = cJSON_CreateString(n);
                if (s == NULL)
                    md_die_oom();
                sm_push(names, s);
            }
        }
        return;
    }
    /* GetMetricData (this operation's results of a shared call; pages follow by themselves) */
    sm_push(sm_arr(op->bundle, "Replies"), sm_dup(reply));
}

/*
 * The queries for every metric of every variant. The period makes about
 * HEALTH_POINTS points (a multiple of 60 s), and the window is aligned to
 * it so CloudWatch's buckets line up across refreshes, and so the queries
 * of endpoints asked for together can share one GetMetricData (CloudWatch
 * limits calls per second, not metrics per call).
 */
static void health_query(struct sm_op *op)
{
    int64_t span = (int64_t)op->minutes * 60;
    int64_t period = (span / HEALTH_POINTS + 59) / 60 * 60;
    if (period < 60)
        period = 60;
    int64_t now = md_now_ms() / 1000;
    int64_t end = (now / period + 1) * period;
    int64_t start = end - (span + period - 1) / period * period;
    cJSON *qs = cJSON_CreateArray();
    if (qs == NULL)
        md_die_oom();
    cJSON *table = sm_arr(op->bundle, "Queries");
    sm_str(op->bundle, "EndpointName", op->arg1);
    const cJSON *names = jsonx_get(op->bundle, "EndpointVariants");
    int n = 0;
    for (const cJSON *v = names != NULL ? names->child : NULL;
         v != NULL && n < HEALTH_MAX_VARIANTS * (int)sm_health_n_queries; v = v->next) {
        if (!cJSON_IsString(v))
            continue;
        for (size_t m = 0; m < sm_health_n_queries; m++, n++) {
            char id[48]; /* unique across the operations sharing one call */
            snprintf(id, sizeof(id), "q%llu_%d", (unsigned long long)op->base.id, n);
            const char *metric = sm_health_queries[m].metric;
            cJSON *q = sm_obj();
            sm_str(q, "Id", id);
            cJSON *stat = sm_obj();
            cJSON *met = sm_obj();
            sm_str(met, "Namespace", "AWS/SageMaker");
            sm_str(met, "MetricName", metric);
            cJSON *dims = sm_arr(met, "Dimensions");
            cJSON *d1 = sm_obj();
            sm_str(d1, "Name", "EndpointName");
            sm_str(d1, "Value", op->arg1);
            sm_push(dims, d1);
            cJSON *d2 = sm_obj();
            sm_str(d2, "Name", "VariantName");
            sm_str(d2, "Value", v->valuestring);
            sm_push(dims, d2);
            if (!cJSON_AddItemToObject(stat, "Metric", met))
                md_die_oom();
            sm_num(stat, "Period", (double)period);
            sm_str(stat, "Stat", sm_health_queries[m].stat);
            if (!cJSON_AddItemToObject(q, "MetricStat", stat))
                md_die_oom();
            char *label =
                md_xasprintf("%s|%s|%s", metric, sm_health_queries[m].stat, v->valuestring);
            sm_str(q, "Label", label);
            free(label);
            if (!cJSON_AddTrueToObject(q, "ReturnData"))
                md_die_oom();
            sm_push(qs, q);
            cJSON *row = sm_obj();
            sm_str(row, "Id", id);
            sm_str(row, "Metric", metric);
            sm_str(row, "Series", sm_health_metric_name(sm_health_queries[m].series));
            sm_str(row, "Variant", v->valuestring);
            sm_push(table, row);
        }
    }
    cJSON_DeleteItemFromObjectCaseSensitive(op->bundle, "EndpointVariants");
    sm_arr(op->bundle, "Replies");
    if (n == 0) { /* no variants: no series, and nothing to ask */
        cJSON_Delete(qs);
        return;
    }
    sm_metrics_add(op, qs, (double)start, (double)end);
}

uint64_t sm_get_health(struct md_backend *be, const char *endpoint, int minutes, md_backend_cb cb,
                       void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_HEALTH, cb, ud,
                                 op_what("cannot get health of endpoint '%s'", endpoint));
    op->arg1 = md_xstrdup0(endpoint);
    op->minutes = minutes < 5 ? 5 : minutes > 14 * 24 * 60 ? 14 * 24 * 60 : minutes;
    op->on_reply = health_on_reply;
    /* variant names from a describe moments ago (a list refresh) spare one call */
    cJSON *names = sm_variants_get(sm, endpoint, HEALTH_VARIANTS_MAX_AGE_MS);
    if (names != NULL) {
        if (!cJSON_AddItemToObject(op->bundle, "EndpointVariants", names))
            md_die_oom();
        health_query(op);
        sm_op_start(op);
        return op->base.id;
    }
    op->on_done = health_query;
    return describe_endpoint(op, endpoint);
}

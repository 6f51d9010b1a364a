/*
 * sagemaker_map.c - SageMaker reply bodies (and the bundles sagemaker.c
 * builds from several replies) to model.h records: endpoints and configs
 * here, and sm_parse() dispatching to the mappers of jobs, registry and
 * health (sagemaker_jobs.c, sagemaker_health.c), which share the readers
 * of sagemaker_json.c. Pure functions: live replies, cached snapshots and
 * the fuzz target take the same path.
 *
 * AWS omits unset members, so a missing key is an empty value, never an
 * error. Timestamps are epoch seconds with a fraction (JSON protocols);
 * strings holding ISO 8601 or a number are accepted too.
 */
#include "sagemaker_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends/op.h"
#include "base/jsonx_int.h"
#include "mldeck/aws.h"

/* ---- endpoints -------------------------------------------------------------------------- */

/* The image a model runs: its primary container, else its first container. */
static const char *model_image(const cJSON *model)
{
    const cJSON *c = jsonx_get(model, "PrimaryContainer");
    if (!cJSON_IsObject(c))
        c = sm_first_obj(model, "Containers");
    return jsonx_str_raw(c, "Image");
}

/* The model package a model was built from, when it was. */
static const char *model_package(const cJSON *model)
{
    const cJSON *c = jsonx_get(model, "PrimaryContainer");
    const char *p = jsonx_str_raw(c, "ModelPackageName");
    if (p == NULL)
        p = jsonx_str_raw(sm_first_obj(model, "Containers"), "ModelPackageName");
    return p;
}

/* The model package a model was built from, as the bundle holds it; NULL when none. */
static const cJSON *find_package(const cJSON *refs, const char *name)
{
    const cJSON *pkgs = jsonx_array(refs, "ModelPackages", NULL);
    for (const cJSON *it = pkgs != NULL && name != NULL ? pkgs->child : NULL; it != NULL;
         it = it->next) {
        const char *arn = jsonx_str_raw(it, "ModelPackageArn");
        if (arn != NULL && strcasecmp(arn, name) == 0) /* moto lower-cases ARNs */
            return it;
    }
    return NULL;
}

/*
 * A config's production variant as a deployment: what the config asks for
 * (initial weight, count). The weight defaults to 1.0 as in AWS. `refs` is
 * the bundle, whose Models and ModelPackages give image and version.
 */
static void map_config_variant(const cJSON *pv, const cJSON *refs, struct md_deployment *d)
{
    d->name = jsonx_str(pv, "VariantName");
    d->model = jsonx_str(pv, "ModelName");
    const cJSON *model =
        sm_find_by(jsonx_array(refs, "Models", NULL), "ModelName", jsonx_str_raw(pv, "ModelName"));
    const char *pkg_name = model_package(model);
    const char *image = model_image(model);
    if (image == NULL || image[0] == '\0') {
        const cJSON *spec = jsonx_get(find_package(refs, pkg_name), "InferenceSpecification");
        image = jsonx_str_raw(sm_first_obj(spec, "Containers"), "Image");
    }
    d->image = md_xstrdup_clean(image);
    char *ver = sm_package_version(pkg_name);
    d->version = md_xstrdup_clean(ver);
    free(ver);
    const char *it = jsonx_str_raw(pv, "InstanceType");
    d->instance_type = md_xstrdup_clean(it != NULL                          ? it
                                        : jsonx_get(pv, "ServerlessConfig") ? "serverless"
                                                                            : "");
    /* sagemaker_endpoints.c marks models DescribeModel could not find */
    bool missing = cJSON_IsTrue(jsonx_get(model, "MldeckMissing"));
    d->status = md_xstrdup(missing ? "model missing" : "");
    d->instance_count = (long)jsonx_int64(pv, "InitialInstanceCount", 0);
    d->desired_instance_count = -1;
    d->weight = jsonx_double(pv, "InitialVariantWeight", 1.0);
    d->desired_weight = NAN;
}

/* share = weight / sum of the usable weights; 0 when they sum to nothing. */
static void fill_shares(struct md_deployment *v, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i].weight) && v[i].weight > 0)
            total += v[i].weight;
    }
    for (size_t i = 0; i < n; i++) {
        bool ok = total > 0 && isfinite(v[i].weight) && v[i].weight > 0;
        v[i].share = ok ? v[i].weight / total : 0;
    }
}

/* "Updating,ActivatingTraffic": every status a variant reports, in order. */
static char *variant_status(const cJSON *pv, struct md_kvs *tags, const char *vname)
{
    struct md_buf b;
    md_buf_init(&b, 4096);
    const cJSON *arr = jsonx_array(pv, "VariantStatus", NULL);
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
        const char *st = jsonx_str_raw(it, "Status");
        if (st == NULL || st[0] == '\0')
            continue;
        md_buf_addf(&b, "%s%s", b.len ? "," : "", st);
        const char *msg = jsonx_str_raw(it, "StatusMessage");
        if (msg != NULL && msg[0] != '\0') {
            char *key = md_xasprintf("sagemaker.status_message.%s", vname);
            sm_kv_add(tags, key, msg);
            free(key);
        }
    }
    char *s = md_xstrdup_clean(b.data != NULL ? b.data : "");
    md_buf_release(&b);
    return s;
}

/*
 * A described variant. Current values win; where the platform leaves them
 * out (moto omits a zero weight, serverless has no count) the config's
 * initial values stand in.
 */
static void map_endpoint_variant(const cJSON *pv, const cJSON *cfg_pv, const cJSON *refs,
                                 struct md_deployment *d, struct md_kvs *tags)
{
    map_config_variant(cfg_pv != NULL ? cfg_pv : pv, refs, d);
    free(d->name);
    d->name = jsonx_str(pv, "VariantName");
    const cJSON *img = sm_first_obj(pv, "DeployedImages");
    const char *image = jsonx_str_raw(img, "ResolvedImage");
    if (image == NULL || image[0] == '\0')
        image = jsonx_str_raw(img, "SpecifiedImage");
    if (image != NULL && image[0] != '\0') {
        free(d->image);
        d->image = md_xstrdup_clean(image);
    }
    const char *it = jsonx_str_raw(pv, "InstanceType"); /* pending variants carry it */
    if (it != NULL && it[0] != '\0') {
        free(d->instance_type);
        d->instance_type = md_xstrdup_clean(it);
    } else if (d->instance_type[0] == '\0' && jsonx_get(pv, "CurrentServerlessConfig")) {
        free(d->instance_type);
        d->instance_type = md_xstrdup("serverless");
    }
    char *vst = variant_status(pv, tags, d->name);
    if (vst[0] != '\0' || d->status[0] == '\0') {
        free(d->status);
        d->status = vst;
    } else {
        free(vst);
    }
    double cfg_w = d->weight;
    d->desired_weight = jsonx_double(pv, "DesiredWeight", NAN);
    d->weight = jsonx_double(pv, "CurrentWeight", NAN);
    if (isnan(d->weight))
        d->weight = !isnan(d->desired_weight) ? d->desired_weight : cfg_w;
    if (jsonx_get(pv, "CurrentInstanceCount") != NULL)
        d->instance_count = (long)jsonx_int64(pv, "CurrentInstanceCount", 0);
    d->desired_instance_count = (long)jsonx_int64(pv, "DesiredInstanceCount", -1);
}

/* During an update: what is being rolled out, as tags the endpoint screen shows. */
static void pending_tags(const cJSON *pending, struct md_kvs *tags)
{
    if (!cJSON_IsObject(pending))
        return;
    sm_kv_add(tags, "sagemaker.pending_config", jsonx_str_raw(pending, "EndpointConfigName"));
    int64_t since = sm_ts_ms(pending, "StartTime");
    if (since != 0)
        sm_kv_add_num(tags, "sagemaker.pending_since_ms", (double)since);
    struct md_buf b;
    md_buf_init(&b, 64 * 1024);
    const cJSON *arr = jsonx_array(pending, "ProductionVariants", NULL);
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
        const char *st = jsonx_str_raw(sm_first_obj(it, "VariantStatus"), "Status");
        md_buf_addf(&b, "%s%s %s x%lld%s%s", b.len ? ", " : "",
                    jsonx_str_raw(it, "VariantName") ? jsonx_str_raw(it, "VariantName") : "?",
                    jsonx_str_raw(it, "InstanceType") ? jsonx_str_raw(it, "InstanceType") : "",
                    (long long)jsonx_int64(it, "DesiredInstanceCount", 0), st ? " " : "",
                    st ? st : "");
    }
    if (b.len > 0)
        sm_kv_add(tags, "sagemaker.pending_variants", b.data);
    md_buf_release(&b);
}

/* Deployment guardrails of the last update, and data capture, as tags. */
static void deployment_tags(const cJSON *desc, struct md_kvs *tags)
{
    const cJSON *ldc = jsonx_get(desc, "LastDeploymentConfig");
    const cJSON *bg = jsonx_get(ldc, "BlueGreenUpdatePolicy");
    const cJSON *tr = jsonx_get(bg, "TrafficRoutingConfiguration");
    if (cJSON_IsObject(bg)) {
        char *t = jsonx_str(tr, "Type");
        char *v = md_xasprintf("blue/green %s", t[0] ? t : "?");
        sm_kv_add(tags, "sagemaker.deployment_policy", v);
        free(v);
        free(t);
    } else if (cJSON_IsObject(jsonx_get(ldc, "RollingUpdatePolicy"))) {
        sm_kv_add(tags, "sagemaker.deployment_policy", "rolling");
    }
    const cJSON *alarms = jsonx_array(jsonx_get(ldc, "AutoRollbackConfiguration"), "Alarms", NULL);
    struct md_buf b;
    md_buf_init(&b, 16 * 1024);
    for (const cJSON *it = alarms != NULL ? alarms->child : NULL; it != NULL; it = it->next) {
        const char *a = jsonx_str_raw(it, "AlarmName");
        if (a != NULL)
            md_buf_addf(&b, "%s%s", b.len ? "," : "", a);
    }
    if (b.len > 0)
        sm_kv_add(tags, "sagemaker.auto_rollback_alarms", b.data);
    md_buf_release(&b);
    const cJSON *dc = jsonx_get(desc, "DataCaptureConfig");
    if (cJSON_IsObject(dc) && dc->child != NULL) { /* moto sends {} */
        const char *st = jsonx_str_raw(dc, "CaptureStatus");
        bool on = cJSON_IsTrue(jsonx_get(dc, "EnableCapture"));
        char *v = md_xasprintf("%s %g%%",
                               st != NULL ? st
                               : on       ? "Enabled"
                                          : "Disabled",
                               jsonx_double(dc, "CurrentSamplingPercentage", 0));
        sm_kv_add(tags, "sagemaker.data_capture", v);
        free(v);
        sm_kv_add(tags, "sagemaker.data_capture_uri", jsonx_str_raw(dc, "DestinationS3Uri"));
    }
}

/*
 * One endpoint from its DescribeEndpoint reply (or only its ListEndpoints
 * summary when the describe failed: then tagged sagemaker.partial), its
 * config and the config's models.
 */
static md_status map_endpoint(const cJSON *desc, const cJSON *summary, const cJSON *configs,
                              const cJSON *refs, struct md_endpoint *e, struct md_err *err)
{
    const cJSON *src = desc != NULL ? desc : summary;
    const cJSON *pvs = NULL;
    md_status st = jsonx_list(desc, "ProductionVariants", SM_MAX_RECORD_ITEMS, &pvs, err);
    e->name = jsonx_str(src, "EndpointName");
    e->id = jsonx_str(src, "EndpointArn");
    e->status = jsonx_str(src, "EndpointStatus");
    e->config = jsonx_str(desc, "EndpointConfigName");
    e->failure_reason = jsonx_str(desc, "FailureReason");
    e->created = sm_ts_ms(src, "CreationTime");
    e->updated = sm_ts_ms(src, "LastModifiedTime");
    if (st != MD_OK)
        return st;
    if (desc == NULL)
        sm_kv_add(&e->tags, "sagemaker.partial", "DescribeEndpoint failed: summary only");
    const cJSON *cfg = sm_find_by(configs, "EndpointConfigName", e->config);
    const cJSON *cfg_pvs = jsonx_array(cfg, "ProductionVariants", NULL);
    size_t n = jsonx_count(pvs);
    if (n > 0)
        e->deployments = md_xcalloc(n, sizeof(*e->deployments));
    for (const cJSON *pv = pvs != NULL ? pvs->child : NULL; pv != NULL; pv = pv->next) {
        if (!cJSON_IsObject(pv))
            continue;
        const cJSON *cfg_pv = sm_find_by(cfg_pvs, "VariantName", jsonx_str_raw(pv, "VariantName"));
        map_endpoint_variant(pv, cfg_pv, refs, &e->deployments[e->n_deployments++], &e->tags);
    }
    fill_shares(e->deployments, e->n_deployments);
    pending_tags(jsonx_get(desc, "PendingDeploymentSummary"), &e->tags);
    deployment_tags(desc, &e->tags);
    return MD_OK;
}

/* By name: ListEndpoints order differs between AWS (newest first) and moto. */
static int endpoint_cmp(const void *a, const void *b)
{
    return strcmp(((const struct md_endpoint *)a)->name, ((const struct md_endpoint *)b)->name);
}

/* Endpoints bundle, or one bare DescribeEndpoint reply; sorted by name. */
static md_status parse_endpoints(const cJSON *root, bool one, struct md_result *out,
                                 struct md_err *err)
{
    const cJSON *sums = NULL;
    const cJSON *descs = NULL;
    const cJSON *configs = NULL;
    const cJSON *models = NULL;
    bool bare = jsonx_get(root, "EndpointName") != NULL && jsonx_get(root, "Endpoints") == NULL;
    md_status st = jsonx_list(root, "Summaries", SM_MAX_ITEMS, &sums, err);
    if (st == MD_OK && !bare)
        st = jsonx_list(root, "Endpoints", SM_MAX_ITEMS, &descs, err);
    if (st == MD_OK)
        st = jsonx_list(root, "EndpointConfigs", SM_MAX_ITEMS, &configs, err);
    if (st == MD_OK)
        st = jsonx_list(root, "Models", SM_MAX_ITEMS, &models, err);
    if (st == MD_OK)
        st = jsonx_list(root, "ModelPackages", SM_MAX_ITEMS, &models, err);
    if (st != MD_OK)
        return st;
    if (bare) {
        st = map_endpoint(root, NULL, configs, root, md_endpoint_list_push(&out->endpoints), err);
    } else if (sums != NULL && sums->child != NULL) {
        for (const cJSON *s = sums->child; st == MD_OK && s != NULL; s = s->next) {
            if (!cJSON_IsObject(s))
                continue;
            const cJSON *d = sm_find_by(descs, "EndpointName", jsonx_str_raw(s, "EndpointName"));
            st = map_endpoint(d, s, configs, root, md_endpoint_list_push(&out->endpoints), err);
        }
    } else {
        for (const cJSON *d = descs != NULL ? descs->child : NULL; st == MD_OK && d != NULL;
             d = d->next) {
            if (cJSON_IsObject(d))
                st = map_endpoint(d, NULL, configs, root, md_endpoint_list_push(&out->endpoints),
                                  err);
        }
    }
    if (st == MD_OK && one && out->endpoints.n == 0)
        return md_err_set(err, MD_ERR_PARSE, "reply describes no endpoint");
    if (st == MD_OK && out->endpoints.n > 1)
        qsort(out->endpoints.v, out->endpoints.n, sizeof(*out->endpoints.v), endpoint_cmp);
    return st;
}

/* ---- endpoint configs ------------------------------------------------------------------- */

/* Newest first; a later name first when two were made in the same second. */
static int config_cmp(const void *pa, const void *pb)
{
    const struct md_endpoint_config *a = pa;
    const struct md_endpoint_config *b = pb;
    if (a->created != b->created)
        return a->created > b->created ? -1 : 1;
    return -strcmp(a->name, b->name);
}

/* Described configs (with variants) or ListEndpointConfigs summaries; newest first. */
static md_status parse_configs(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    const cJSON *models = NULL;
    md_status st = jsonx_list(root, "EndpointConfigs", SM_MAX_ITEMS, &arr, err);
    if (st == MD_OK)
        st = jsonx_list(root, "Models", SM_MAX_ITEMS, &models, err);
    if (st == MD_OK)
        st = jsonx_list(root, "ModelPackages", SM_MAX_ITEMS, &models, err);
    for (const cJSON *it = arr != NULL ? arr->child : NULL; st == MD_OK && it != NULL;
         it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        const cJSON *pvs = NULL;
        st = jsonx_list(it, "ProductionVariants", SM_MAX_RECORD_ITEMS, &pvs, err);
        struct md_endpoint_config *c = md_endpoint_config_list_push(&out->configs);
        c->name = jsonx_str(it, "EndpointConfigName");
        c->created = sm_ts_ms(it, "CreationTime");
        size_t n = jsonx_count(pvs);
        if (st != MD_OK || n == 0)
            continue;
        c->variants = md_xcalloc(n, sizeof(*c->variants));
        for (const cJSON *pv = pvs->child; pv != NULL; pv = pv->next) {
            if (cJSON_IsObject(pv))
                map_config_variant(pv, root, &c->variants[c->n_variants++]);
        }
        fill_shares(c->variants, c->n_variants);
    }
    if (st == MD_OK && out->configs.n > 1)
        qsort(out->configs.v, out->configs.n, sizeof(*out->configs.v), config_cmp);
    return st;
}

/* ---- entry points ----------------------------------------------------------------------- */

/* The tree is freed here: cJSON never leaves this file and nothing points into the body. */
md_status sm_parse(enum md_result_kind kind, const char *body, size_t len, struct md_result *out,
                   struct md_err *err)
{
    cJSON *root = NULL;
    md_status st = op_parse_begin(kind, body, len, out, &root, err);
    if (st == MD_OK) {
        switch (kind) {
        case MD_RESULT_ENDPOINTS:
            st = parse_endpoints(root, false, out, err);
            break;
        case MD_RESULT_ENDPOINT:
            st = parse_endpoints(root, true, out, err);
            break;
        case MD_RESULT_ENDPOINT_CONFIGS:
            st = parse_configs(root, out, err);
            break;
        case MD_RESULT_HEALTH:
            st = sm_parse_health(root, out, err);
            break;
        case MD_RESULT_EXPERIMENTS:
            st = sm_parse_experiments(root, out, err);
            break;
        case MD_RESULT_RUNS:
            st = sm_parse_runs(root, out, err);
            break;
        case MD_RESULT_RUN:
            st = sm_parse_run(root, out, err);
            break;
        case MD_RESULT_MODELS:
            st = sm_parse_models(root, out, err);
            break;
        case MD_RESULT_VERSIONS:
            st = sm_parse_versions(root, out, err);
            break;
        case MD_RESULT_CHANGES:
            /* two histories answer as changes: CloudTrail's events and the alarms' states */
            if (jsonx_get(root, "AlarmHistoryItems") != NULL)
                st = sm_parse_alarm_history(root, out, err);
            else
                st = sm_parse_changes(root, out, err);
            break;
        case MD_RESULT_ALARMS:
            st = sm_parse_alarms(root, out, err);
            break;
        case MD_RESULT_LOG_EVENTS:
            st = sm_parse_log_events(root, out, err);
            break;
        case MD_RESULT_NONE:
            break;
        default:
            st = md_err_set(err, MD_ERR_INVALID, "no SageMaker reply of kind %d", (int)kind);
            break;
        }
    }
    return op_parse_end(st, root, "NextToken", out);
}

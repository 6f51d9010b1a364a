/*
 * Unit tests for the SageMaker reply mapping (core/backends/sagemaker/sagemaker_map.c,
 * _health.c, _jobs.c, _errors.c): bundles recorded from moto 5.2.5 through
 * the backend, and hand-written replies for what moto never shows
 * (Updating with a pending deployment, RollingBack with Baking variants,
 * Failed, serverless, throttling, expired tokens, HTML error pages).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/sagemaker/sagemaker_int.h"
#include "testutil.h"

/* A SageMaker reply fixture, malloc'd. */
static char *fixture(const char *name, size_t *len)
{
    return tu_read_file(tu_srcpath("tests/fixtures/sagemaker/%s", name), len);
}

static void parse_fixture(const char *name, enum md_result_kind kind, md_status want,
                          struct md_result *r)
{
    size_t len = 0;
    char *body = fixture(name, &len);
    struct md_err err = MD_ERR_INIT;
    memset(r, 0, sizeof(*r));
    md_status st = sm_parse(kind, body, len, r, &err);
    free(body);
    if (st != want)
        fail_msg("%s: status %d (%s), want %d", name, st, err.msg, want);
    assert_int_equal(r->kind, kind);
    assert_int_equal(r->status, want);
    assert_non_null(r->next_token);
}

static const struct md_deployment *dep(const struct md_endpoint *e, const char *name)
{
    for (size_t i = 0; i < e->n_deployments; i++) {
        if (strcmp(e->deployments[i].name, name) == 0)
            return &e->deployments[i];
    }
    fail_msg("no deployment %s in %s", name, e->name);
    return NULL;
}

/* ---- endpoints -------------------------------------------------------------------------- */

static void test_endpoints_recorded(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("endpoints_bundle.json", MD_RESULT_ENDPOINTS, MD_OK, &r);
    assert_int_equal(r.endpoints.n, 3);
    assert_string_equal(r.endpoints.v[0].name, "churn-prod");
    assert_string_equal(r.endpoints.v[1].name, "fraud-live");
    assert_string_equal(r.endpoints.v[2].name, "reco-batch");
    const struct md_endpoint *f = &r.endpoints.v[1];
    assert_string_equal(f->status, "InService");
    assert_string_equal(f->config, "fraud-live-config-2");
    assert_string_equal(f->id, "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/fraud-live");
    assert_true(f->created > INT64_C(1700000000000));
    assert_int_equal(f->n_deployments, 2);
    const struct md_deployment *p = dep(f, "primary");
    const struct md_deployment *c = dep(f, "canary");
    tu_near(p->weight, 0.9, 1e-9);
    tu_near(p->share, 0.9, 1e-9);
    tu_near(c->weight, 0.1, 1e-9);
    tu_near(c->share, 0.1, 1e-9);
    assert_int_equal(p->instance_count, 2);
    assert_int_equal(p->desired_instance_count, 2);
    assert_string_equal(p->model, "fraud-v1");
    assert_string_equal(p->instance_type, "ml.m5.large");
    assert_string_equal(p->image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud:latest");
    assert_string_equal(p->version, "");
    /* fraud-v2 is built from model package fraud-detector/2: image and version from it */
    assert_string_equal(c->model, "fraud-v2");
    assert_string_equal(c->version, "2");
    assert_string_equal(c->image,
                        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud-detector:latest");
    /* moto's empty DataCaptureConfig gives no tags */
    assert_int_equal(f->tags.n, 0);
    assert_string_equal(r.endpoints.v[0].deployments[0].instance_type, "ml.m5.xlarge");
    assert_non_null(r.next_token);
    assert_string_equal(r.next_token, "");
    md_result_release(&r);
}

static void test_endpoint_updating(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("endpoint_updating.json", MD_RESULT_ENDPOINT, MD_OK, &r);
    assert_int_equal(r.endpoints.n, 1);
    const struct md_endpoint *e = &r.endpoints.v[0];
    assert_string_equal(e->status, "Updating");
    assert_string_equal(e->config, "churn-prod-config-2");
    assert_true(e->created == INT64_C(1795500000123));
    assert_true(e->updated == INT64_C(1795690000250));
    const struct md_deployment *d = dep(e, "AllTraffic");
    assert_string_equal(d->status, "Updating");
    assert_string_equal(d->image,
                        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/churn-xgb@sha256:2b2b2b");
    tu_near(d->share, 1.0, 1e-9);
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.pending_config"), "churn-prod-config-3");
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.pending_since_ms"), "1795690000000");
    assert_non_null(strstr(md_kvs_get(&e->tags, "sagemaker.pending_variants"),
                           "AllTraffic ml.c5.xlarge x2 Creating"));
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.status_message.AllTraffic"),
                        "Launching 2 instances of churn-prod-config-3");
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.deployment_policy"), "blue/green CANARY");
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.auto_rollback_alarms"),
                        "churn-5xx,churn-p99-latency");
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.data_capture"), "Started 20%");
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.data_capture_uri"),
                        "s3://mldeck-capture/churn-prod");
    md_result_release(&r);
}

static void test_endpoint_rolling_back(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("endpoint_rolling_back.json", MD_RESULT_ENDPOINT, MD_OK, &r);
    const struct md_endpoint *e = &r.endpoints.v[0];
    assert_string_equal(e->status, "RollingBack");
    const struct md_deployment *p = dep(e, "primary");
    const struct md_deployment *c = dep(e, "canary");
    assert_string_equal(p->status, "ActivatingTraffic");
    assert_string_equal(c->status, "Baking");
    /* current weights are what serves; desired ones are where it is going */
    tu_near(p->weight, 0.9, 1e-9);
    tu_near(p->desired_weight, 1.0, 1e-9);
    tu_near(c->weight, 0.1, 1e-9);
    tu_near(c->desired_weight, 0.0, 1e-9);
    tu_near(p->share + c->share, 1.0, 1e-9);
    assert_string_equal(md_kvs_get(&e->tags, "sagemaker.status_message.canary"),
                        "Alarm fraud-5xx in ALARM: rolling traffic back");
    assert_null(md_kvs_get(&e->tags, "sagemaker.pending_config"));
    md_result_release(&r);
}

static void test_endpoint_failed_serverless(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("endpoint_failed.json", MD_RESULT_ENDPOINT, MD_OK, &r);
    const struct md_endpoint *e = &r.endpoints.v[0];
    assert_string_equal(e->status, "Failed");
    assert_non_null(strstr(e->failure_reason, "Unable to locate"));
    const struct md_deployment *d = dep(e, "reco-main");
    assert_string_equal(d->instance_type, "serverless");
    assert_int_equal(d->desired_instance_count, -1);
    assert_int_equal(d->instance_count, 0);
    assert_true(isnan(d->desired_weight));
    tu_near(d->weight, 1.0, 1e-9); /* AWS's default weight */
    tu_near(d->share, 1.0, 1e-9);
    md_result_release(&r);
}

static void test_endpoints_partial(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("endpoints_partial.json", MD_RESULT_ENDPOINTS, MD_OK, &r);
    assert_int_equal(r.endpoints.n, 2);
    const struct md_endpoint *a = &r.endpoints.v[0];
    const struct md_endpoint *z = &r.endpoints.v[1];
    /* alpha could not be described: its summary stands, marked partial */
    assert_string_equal(a->name, "alpha");
    assert_string_equal(a->status, "Creating");
    assert_int_equal(a->n_deployments, 0);
    assert_non_null(md_kvs_get(&a->tags, "sagemaker.partial"));
    assert_string_equal(z->name, "zeta");
    const struct md_deployment *v1 = dep(z, "v1");
    const struct md_deployment *v2 = dep(z, "v2");
    tu_near(v1->weight, 3, 1e-9);
    tu_near(v2->weight, 1, 1e-9); /* no weight anywhere: AWS's default */
    tu_near(v1->share, 0.75, 1e-9);
    tu_near(v2->share, 0.25, 1e-9);
    assert_string_equal(v1->image, "img-from-containers:1");
    assert_string_equal(v1->version, "7");
    assert_string_equal(v2->status, "model missing");
    md_result_release(&r);
}

/* ---- configs ---------------------------------------------------------------------------- */

static void test_configs_recorded(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("configs_bundle.json", MD_RESULT_ENDPOINT_CONFIGS, MD_OK, &r);
    assert_int_equal(r.configs.n, 2);
    assert_string_equal(r.configs.v[0].name, "fraud-live-config-2");
    assert_string_equal(r.configs.v[1].name, "fraud-live-config-1");
    assert_true(r.configs.v[0].created > r.configs.v[1].created);
    const struct md_endpoint_config *c = &r.configs.v[0];
    assert_int_equal(c->n_variants, 2);
    assert_string_equal(c->variants[0].name, "primary");
    assert_string_equal(c->variants[0].model, "fraud-v1");
    assert_int_equal(c->variants[0].instance_count, 2);
    tu_near(c->variants[0].share, 0.9, 1e-9);
    assert_string_equal(c->variants[1].version, "2");
    assert_int_equal(r.configs.v[1].n_variants, 1);
    tu_near(r.configs.v[1].variants[0].weight, 1.0, 1e-9);
    md_result_release(&r);
}

static void test_configs_bare_list(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("list_endpoint_configs.json", MD_RESULT_ENDPOINT_CONFIGS, MD_OK, &r);
    assert_int_equal(r.configs.n, 3);
    assert_string_equal(r.configs.v[0].name, "a-config-3");
    assert_string_equal(r.configs.v[1].name, "a-config-2");
    assert_string_equal(r.configs.v[2].name, "a-config-1");
    assert_int_equal(r.configs.v[0].n_variants, 0);
    assert_string_equal(r.next_token, "page-2-token");
    md_result_release(&r);
}

/* ---- health ----------------------------------------------------------------------------- */

static const struct md_health_series *series(const struct md_result *r, const char *dep_name,
                                             enum md_health_metric m)
{
    for (size_t i = 0; i < r->health.n; i++) {
        if (r->health.v[i].metric == m && strcmp(r->health.v[i].deployment, dep_name) == 0)
            return &r->health.v[i];
    }
    return NULL;
}

static void test_health_recorded(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("health_bundle.json", MD_RESULT_HEALTH, MD_OK, &r);
    assert_int_equal(r.health.n, 12); /* 2 variants x 4 metrics, and the endpoint's 4 */
    const struct md_health_series *inv = series(&r, "", MD_HEALTH_INVOCATIONS);
    const struct md_health_series *p = series(&r, "primary", MD_HEALTH_INVOCATIONS);
    const struct md_health_series *c = series(&r, "canary", MD_HEALTH_INVOCATIONS);
    assert_non_null(inv);
    assert_non_null(p);
    assert_non_null(c);
    assert_string_equal(inv->endpoint, "fraud-live");
    assert_true(p->n > 0);
    for (size_t i = 0; i + 1 < inv->n; i++)
        assert_true(inv->t[i] < inv->t[i + 1]);
    assert_int_equal(inv->n, p->n);
    for (size_t i = 0; i < inv->n; i++)
        tu_near(inv->v[i], p->v[i] + c->v[i], 1e-9);
    md_result_release(&r);
}

static void test_health_math(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("health_two_variants.json", MD_RESULT_HEALTH, MD_OK, &r);
    /* 5 known queries (q5's metric is unknown) + aggregates for 3 metrics */
    assert_int_equal(r.health.n, 8);
    const struct md_health_series *a = series(&r, "a", MD_HEALTH_INVOCATIONS);
    assert_int_equal(a->n, 2); /* two pages merged and sorted */
    assert_true(a->t[0] == 0 && a->t[1] == 60000);
    tu_near(a->v[0], 30, 1e-9);
    tu_near(a->v[1], 10, 1e-9);
    const struct md_health_series *b5 = series(&r, "b", MD_HEALTH_5XX);
    assert_int_equal(b5->n, 2); /* three timestamps, two values */
    const struct md_health_series *inv = series(&r, "", MD_HEALTH_INVOCATIONS);
    assert_int_equal(inv->n, 2);
    tu_near(inv->v[0], 40, 1e-9);
    tu_near(inv->v[1], 40, 1e-9);
    /* latency weighted by each variant's invocations */
    const struct md_health_series *lat = series(&r, "", MD_HEALTH_LATENCY_US);
    assert_int_equal(lat->n, 2);
    tu_near(lat->v[0], (100.0 * 30 + 300.0 * 10) / 40, 1e-9);
    tu_near(lat->v[1], (200.0 * 10 + 400.0 * 30) / 40, 1e-9);
    assert_null(series(&r, "", MD_HEALTH_4XX));
    assert_non_null(series(&r, "", MD_HEALTH_5XX));
    md_result_release(&r);
}

/* Each latency percentile is ModelLatency + OverheadLatency: two rows, one series, summed. */
static void test_health_percentiles_summed(void **state)
{
    (void)state;
    static const char body[] =
        "{\"EndpointName\":\"ep\",\"Queries\":["
        "{\"Id\":\"a\",\"Metric\":\"ModelLatency\",\"Series\":\"LatencyP99\",\"Variant\":\"v\"},"
        "{\"Id\":\"b\",\"Metric\":\"OverheadLatency\",\"Series\":\"LatencyP99\",\"Variant\":\"v\"},"
        "{\"Id\":\"c\",\"Metric\":\"ModelLatency\",\"Series\":\"LatencyP50\",\"Variant\":\"v\"}],"
        "\"Replies\":[{\"MetricDataResults\":["
        "{\"Id\":\"a\",\"Timestamps\":[120,60],\"Values\":[30000,20000]},"
        "{\"Id\":\"b\",\"Timestamps\":[60,120],\"Values\":[1000,2000]},"
        "{\"Id\":\"c\",\"Timestamps\":[60],\"Values\":[9000]}]}]}";
    struct md_result r;
    struct md_err err = MD_ERR_INIT;
    memset(&r, 0, sizeof(r));
    assert_int_equal(sm_parse(MD_RESULT_HEALTH, body, strlen(body), &r, &err), MD_OK);
    const struct md_health_series *p99 = series(&r, "v", MD_HEALTH_P99_US);
    assert_non_null(p99);
    assert_int_equal(p99->n, 2);
    assert_true(p99->t[0] == 60000 && p99->t[1] == 120000);
    tu_near(p99->v[0], 21000, 1e-9);
    tu_near(p99->v[1], 32000, 1e-9);
    tu_near(series(&r, "v", MD_HEALTH_P50_US)->v[0], 9000, 1e-9);
    assert_non_null(series(&r, "", MD_HEALTH_P99_US)); /* the endpoint's too */
    assert_string_equal(sm_health_stat(MD_HEALTH_P99_US), "p99");
    md_result_release(&r);
}

/* ---- training jobs and registry --------------------------------------------------------- */

static void test_training_job(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("training_job.json", MD_RESULT_RUN, MD_OK, &r);
    assert_int_equal(r.runs.n, 1);
    const struct md_run *run = &r.runs.v[0];
    assert_string_equal(run->id, "churn-xgb-2026-11-01-10-00-00-000");
    assert_string_equal(run->experiment_id, "churn-xgb");
    assert_int_equal(run->status, MD_RUN_FAILED);
    assert_true(run->start_time == INT64_C(1795600060500));
    assert_true(run->end_time == INT64_C(1795603600000));
    assert_int_equal(run->params.n, 3);
    assert_string_equal(run->params.v[0].key, "eta"); /* sorted */
    assert_string_equal(md_kvs_get(&run->params, "objective"), "binary:logistic");
    assert_int_equal(run->n_metrics, 2);
    tu_near(md_run_metric(run, "validation:auc")->value, 0.912, 1e-9);
    assert_int_equal(run->n_inputs, 3);
    assert_string_equal(run->inputs[0].name, "train");
    assert_string_equal(run->inputs[0].source, "s3://mldeck-data/churn/train/");
    assert_string_equal(run->inputs[0].source_type, "s3");
    assert_string_equal(run->inputs[0].context, "training");
    assert_string_equal(run->inputs[1].context, "validation");
    assert_string_equal(run->inputs[2].source, "fs-0123:/features");
    assert_string_equal(run->inputs[2].source_type, "EFS");
    assert_string_equal(run->inputs[2].context, "features");
    assert_string_equal(md_kvs_get(&run->tags, "sagemaker.failure_reason"),
                        "AlgorithmError: out of memory");
    assert_string_equal(md_kvs_get(&run->tags, "sagemaker.instance_count"), "2");
    assert_string_equal(md_kvs_get(&run->tags, "sagemaker.model_artifacts"),
                        "s3://mldeck-models/output/churn-xgb-2026-11-01-10-00-00-000/output/"
                        "model.tar.gz");
    md_result_release(&r);
}

static void test_runs_and_experiments(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("runs_bundle.json", MD_RESULT_RUNS, MD_OK, &r);
    assert_int_equal(r.runs.n, 2);
    assert_true(r.runs.v[0].start_time >= r.runs.v[1].start_time);
    for (size_t i = 0; i < r.runs.n; i++) {
        assert_string_equal(r.runs.v[i].experiment_id, "churn-xgb");
        assert_int_equal(r.runs.v[i].n_inputs, 2);
        assert_true(r.runs.v[i].params.n == 2);
    }
    md_result_release(&r);

    parse_fixture("training_jobs_list.json", MD_RESULT_EXPERIMENTS, MD_OK, &r);
    assert_int_equal(r.experiments.n, 2);
    for (size_t i = 0; i < r.experiments.n; i++) {
        const struct md_experiment *e = &r.experiments.v[i];
        assert_string_equal(md_kvs_get(&e->tags, "sagemaker.training_jobs"), "2");
        assert_string_equal(e->id, e->name);
        assert_true(strcmp(e->id, "churn-xgb") == 0 || strcmp(e->id, "fraud-train") == 0);
    }
    assert_true(r.experiments.v[0].updated >= r.experiments.v[1].updated);
    md_result_release(&r);

    /* a bare ListTrainingJobs page maps to runs without details */
    parse_fixture("training_jobs_list.json", MD_RESULT_RUNS, MD_OK, &r);
    assert_int_equal(r.runs.n, 4);
    assert_int_equal(r.runs.v[0].params.n, 0);
    assert_int_equal(r.runs.v[0].status, MD_RUN_FINISHED);
    md_result_release(&r);
}

static void test_registry(void **state)
{
    (void)state;
    struct md_result r;
    parse_fixture("model_package_groups.json", MD_RESULT_MODELS, MD_OK, &r);
    assert_int_equal(r.models.n, 2);
    assert_string_equal(r.models.v[0].description, "fraud-detector registry");
    assert_non_null(md_kvs_get(&r.models.v[0].tags, "sagemaker.arn"));
    md_result_release(&r);

    parse_fixture("model_packages.json", MD_RESULT_VERSIONS, MD_OK, &r);
    assert_int_equal(r.versions.n, 3);
    assert_string_equal(r.versions.v[0].version, "3");
    assert_string_equal(r.versions.v[0].stage, "Rejected");
    assert_string_equal(r.versions.v[1].stage, "Approved");
    assert_string_equal(r.versions.v[2].version, "1");
    assert_string_equal(r.versions.v[0].model, "fraud-detector");
    assert_string_equal(r.versions.v[0].status, "Completed");
    assert_non_null(strstr(r.versions.v[0].source, "model-package/fraud-detector/3"));
    md_result_release(&r);
}

/* ---- names ------------------------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"churn-xgb-2026-11-01-10-00-00-000", "churn-xgb"},
        {"fraud-train-1", "fraud-train"},
        {"churn-prod-config-v2", "churn-prod-config"},
        {"reco-blue", "reco-blue"},
        {"model-2024", "model"},
        {"123", "123"},
        {"-1", "-1"},
        {"a-v", "a-v"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = sm_name_stem(cases[i][0]);
        if (strcmp(s, cases[i][1]) != 0)
            fail_msg("stem of '%s' is '%s', want '%s'", cases[i][0], s, cases[i][1]);
        free(s);
    }
    char *v = sm_package_version("arn:aws:sagemaker:eu-west-1:1:model-package/churn/12");
    assert_string_equal(v, "12");
    free(v);
    v = sm_package_version("churn/3");
    assert_string_equal(v, "3");
    free(v);
    v = sm_package_version("arn:aws:sagemaker:eu-west-1:1:model-package/unversioned");
    assert_string_equal(v, "");
    free(v);
    v = sm_package_version(NULL);
    assert_string_equal(v, "");
    free(v);
    assert_string_equal(sm_health_metric_name(MD_HEALTH_5XX), "Invocation5XXErrors");
    assert_string_equal(sm_health_stat(MD_HEALTH_LATENCY_US), "Average");
    assert_string_equal(sm_health_stat(MD_HEALTH_INVOCATIONS), "Sum");
}

/* ---- errors ----------------------------------------------------------------------------- */

static md_status map_fixture_error(const char *name, long code, struct md_err *err)
{
    size_t len = 0;
    char *body = fixture(name, &len);
    md_err_clear(err);
    md_status st = sm_map_error("cannot describe endpoint 'x' (DescribeEndpoint)", code, body, len,
                                "profile 'prod'", err);
    free(body);
    assert_int_equal(err->code, st);
    assert_int_equal(err->http_status, code);
    return st;
}

/*
 * CloudTrail events: the root user, an event without its record (only the
 * summary is known: no status, the Username), reads dropped, escape codes
 * in names cut out, oldest first.
 */
static void test_changes(void **state)
{
    (void)state;
    const char *body =
        "{\"Events\":["
        "{\"EventId\":\"b\",\"EventName\":\"DeleteEndpoint\",\"EventTime\":1700000200,"
        "\"Username\":\"ops\\u001b[31m\",\"Resources\":[{\"ResourceName\":\"ep\"}]},"
        "{\"EventId\":\"r\",\"EventName\":\"DescribeEndpoint\",\"EventTime\":1700000300},"
        "{\"EventId\":\"a\",\"EventName\":\"CreateEndpoint\",\"EventTime\":1700000100,"
        "\"CloudTrailEvent\":\"{\\\"userIdentity\\\":{\\\"type\\\":\\\"Root\\\"},"
        "\\\"requestParameters\\\":{\\\"EndpointName\\\":\\\"ep\\\","
        "\\\"EndpointConfigName\\\":\\\"c1\\\"}}\"}]}";
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(sm_parse(MD_RESULT_CHANGES, body, strlen(body), &r, &err), MD_OK);
    assert_int_equal(r.changes.n, 2);
    const struct md_change *a = &r.changes.v[0], *b = &r.changes.v[1];
    assert_string_equal(a->id, "a");
    assert_string_equal(a->actor, "root");
    assert_string_equal(a->target, "ep");
    assert_string_equal(a->detail, "config c1");
    assert_string_equal(a->status, "Succeeded");
    assert_int_equal(a->at_ms, 1700000100000LL);
    assert_string_equal(b->operation, "DeleteEndpoint");
    assert_null(strchr(b->actor, '\x1b'));
    assert_non_null(strstr(b->actor, "ops"));
    assert_string_equal(b->status, "");
    md_result_release(&r);
}

/*
 * DescribeAlarmHistory StateUpdate items: "OLD -> NEW: reason" at the item's
 * time, no target (the deck names it), oldest first; an item without
 * HistoryData or of another type is dropped, escape codes are cut out.
 */
static void test_alarm_history(void **state)
{
    (void)state;
    const char *body =
        "{\"AlarmHistoryItems\":["
        "{\"AlarmName\":\"ep-5xx\",\"Timestamp\":1700000200.5,\"HistoryItemType\":"
        "\"StateUpdate\",\"HistoryData\":\"{\\\"oldState\\\":{\\\"stateValue\\\":"
        "\\\"ALARM\\\"},\\\"newState\\\":{\\\"stateValue\\\":\\\"OK\\\","
        "\\\"stateReason\\\":\\\"back\\\\u001b[31m\\\"}}\"},"
        "{\"AlarmName\":\"ep-5xx\",\"Timestamp\":\"2023-11-14T22:13:20Z\",\"HistoryItemType\":"
        "\"StateUpdate\",\"HistoryData\":\"{\\\"oldState\\\":{\\\"stateValue\\\":"
        "\\\"OK\\\"},\\\"newState\\\":{\\\"stateValue\\\":\\\"ALARM\\\","
        "\\\"stateReason\\\":\\\"12 > 5\\\"}}\"},"
        "{\"AlarmName\":\"ep-5xx\",\"Timestamp\":1700000300,\"HistoryItemType\":\"Action\","
        "\"HistoryData\":\"{}\"},"
        "{\"AlarmName\":\"bare\",\"Timestamp\":1700000300,\"HistoryItemType\":\"StateUpdate\"}"
        "]}";
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(sm_parse(MD_RESULT_CHANGES, body, strlen(body), &r, &err), MD_OK);
    assert_int_equal(r.changes.n, 2);
    const struct md_change *a = &r.changes.v[0], *b = &r.changes.v[1];
    assert_string_equal(a->operation, "alarm ep-5xx");
    assert_string_equal(a->detail, "OK -> ALARM: 12 > 5");
    assert_string_equal(a->status, "ALARM");
    assert_string_equal(a->source, "alarm");
    assert_string_equal(a->target, "");
    assert_string_equal(a->actor, "");
    assert_int_equal(a->at_ms, 1700000000000LL);
    assert_string_equal(a->id, "alarm:ep-5xx:1700000000000");
    assert_int_equal(b->at_ms, 1700000200500LL);
    assert_null(strchr(b->detail, '\x1b'));
    assert_int_equal(strncmp(b->detail, "ALARM -> OK: back", 17), 0);
    assert_string_equal(b->status, "OK");
    md_result_release(&r);
}

static void test_errors(void **state)
{
    (void)state;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(map_fixture_error("error_throttling.json", 400, &err), MD_ERR_HTTP);
    assert_non_null(strstr(err.msg, "cannot describe endpoint 'x' (DescribeEndpoint): throttled"));
    assert_non_null(strstr(err.msg, "ThrottlingException: Rate exceeded"));

    assert_int_equal(map_fixture_error("error_expired_token.json", 400, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "expired session token for profile 'prod'"));
    assert_non_null(strstr(err.msg, "ExpiredTokenException"));

    assert_int_equal(map_fixture_error("error_not_found.json", 400, &err), MD_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "Could not find endpoint"));

    assert_int_equal(map_fixture_error("error_access_denied.json", 400, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "access denied for profile 'prod'"));
    assert_non_null(strstr(err.msg, "AccessDeniedException: User"));

    assert_int_equal(map_fixture_error("error_signature_403.xml", 403, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "signature rejected for profile 'prod'"));
    assert_non_null(strstr(err.msg, "UTC"));

    assert_int_equal(map_fixture_error("error_html_500.html", 500, &err), MD_ERR_HTTP);
    assert_non_null(strstr(err.msg, "HTML error page"));
    assert_non_null(strstr(err.msg, "500 Internal Server Error"));
    assert_null(strchr(err.msg, '<'));

    md_err_clear(&err);
    assert_int_equal(sm_map_error("op", 503, "", 0, NULL, &err), MD_ERR_HTTP);
    assert_string_equal(err.msg, "op: AWS service error (HTTP 503)");
    md_err_clear(&err);
    assert_int_equal(sm_map_error("op", 429, "slow down\nplease", 16, NULL, &err), MD_ERR_HTTP);
    assert_non_null(strstr(err.msg, "throttled"));
    assert_non_null(strstr(err.msg, "slow down"));
    assert_null(strstr(err.msg, "please"));
    md_err_clear(&err);
    static const char esc[] = "{\"__type\":\"X#Bad\\u001b[2J\",\"message\":\"m\\u009b\"}";
    sm_map_error("op", 400, esc, sizeof(esc) - 1, NULL, &err);
    assert_null(strchr(err.msg, 0x1b));
    assert_null(strstr(err.msg, "\xc2\x9b"));

    assert_true(sm_is_throttling("ThrottlingException"));
    assert_true(sm_is_throttling("SlowDown"));
    assert_false(sm_is_throttling("ResourceLimitExceeded"));
    assert_false(sm_is_throttling(NULL));
}

/* ---- bad input -------------------------------------------------------------------------- */

static void test_bad_input(void **state)
{
    (void)state;
    static const enum md_result_kind kinds[] = {
        MD_RESULT_ENDPOINTS, MD_RESULT_ENDPOINT,    MD_RESULT_ENDPOINT_CONFIGS,
        MD_RESULT_HEALTH,    MD_RESULT_EXPERIMENTS, MD_RESULT_RUNS,
        MD_RESULT_RUN,       MD_RESULT_MODELS,      MD_RESULT_VERSIONS,
    };
    struct md_result r;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        parse_fixture("truncated.json", kinds[i], MD_ERR_PARSE, &r);
        assert_int_equal(r.endpoints.n + r.runs.n + r.configs.n + r.health.n, 0);
        md_result_release(&r);
    }
    parse_fixture("wrong_types.json", MD_RESULT_ENDPOINTS, MD_ERR_PARSE, &r);
    assert_int_equal(r.endpoints.n, 0);
    md_result_release(&r);
    parse_fixture("wrong_types.json", MD_RESULT_EXPERIMENTS, MD_ERR_PARSE, &r);
    md_result_release(&r);
    parse_fixture("wrong_types.json", MD_RESULT_VERSIONS, MD_ERR_PARSE, &r);
    md_result_release(&r);
    parse_fixture("wrong_types.json", MD_RESULT_ENDPOINT_CONFIGS, MD_ERR_PARSE, &r);
    md_result_release(&r);
    parse_fixture("wrong_types.json", MD_RESULT_HEALTH, MD_ERR_PARSE, &r);
    md_result_release(&r);
    parse_fixture("wrong_types.json", MD_RESULT_RUN, MD_ERR_PARSE, &r);
    md_result_release(&r);
    parse_fixture("endpoints_bundle.json", MD_RESULT_ENDPOINT, MD_OK, &r); /* a list is fine */
    md_result_release(&r);
    parse_fixture("training_jobs_list.json", MD_RESULT_ENDPOINT, MD_ERR_PARSE, &r);
    md_result_release(&r);

    /* hostile text is cleaned, odd numbers do not leak NaN into shares */
    parse_fixture("hostile.json", MD_RESULT_ENDPOINT, MD_OK, &r);
    const struct md_endpoint *e = &r.endpoints.v[0];
    assert_null(strchr(e->name, 0x1b));
    assert_null(strchr(e->name, 0x07));
    assert_null(strstr(e->status, "\xc2\x9b"));
    assert_string_equal(e->config, "42");
    assert_true(e->created == INT64_C(1793527200000));
    assert_true(e->updated == 0);
    assert_int_equal(e->n_deployments, 1);
    assert_string_equal(e->deployments[0].status, "Updating");
    assert_false(isnan(e->deployments[0].share));
    md_result_release(&r);

    /* NONE takes anything; kinds this backend never reports are refused */
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(sm_parse(MD_RESULT_NONE, "<html>", 6, &r, &err), MD_OK);
    md_result_release(&r);
    assert_int_equal(sm_parse(MD_RESULT_HISTORY, "{}", 2, &r, &err), MD_ERR_INVALID);
    assert_non_null(r.next_token);
    md_result_release(&r);
}

/*
 * DescribeAlarms pages: kept are alarms whose metric, or a metric of their
 * metric math, names an endpoint; VariantName is the variant; text is cleaned.
 */
static void test_alarms(void **state)
{
    (void)state;
    const char *body =
        "{\"MetricAlarms\":["
        "{\"AlarmName\":\"z-5xx\",\"MetricName\":\"Invocation5XXErrors\","
        "\"Dimensions\":[{\"Name\":\"VariantName\",\"Value\":\"canary\"},"
        "{\"Name\":\"EndpointName\",\"Value\":\"ep\"}],\"StateValue\":\"ALARM\","
        "\"StateReason\":\"over\\u001b[31m\",\"StateUpdatedTimestamp\":1700000000.5,"
        "\"ActionsEnabled\":false},"
        "{\"AlarmName\":\"a-math\",\"Metrics\":[{\"Id\":\"e1\",\"Expression\":\"m1/m2\"},"
        "{\"Id\":\"m1\",\"MetricStat\":{\"Metric\":{\"MetricName\":\"ModelLatency\","
        "\"Dimensions\":[{\"Name\":\"EndpointName\",\"Value\":\"ep\"}]}}}],"
        "\"StateValue\":\"INSUFFICIENT_DATA\",\"StateUpdatedTimestamp\":"
        "\"2023-11-14T22:13:20Z\"},"
        "{\"AlarmName\":\"cpu\",\"MetricName\":\"CPU\",\"Dimensions\":"
        "[{\"Name\":\"InstanceId\",\"Value\":\"i-1\"}],\"StateValue\":\"ALARM\"},"
        "{\"AlarmName\":\"b-other\",\"MetricName\":\"Invocations\",\"Dimensions\":"
        "[{\"Name\":\"EndpointName\",\"Value\":\"another\"}],\"StateValue\":\"OK\"}]}";
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(sm_parse(MD_RESULT_ALARMS, body, strlen(body), &r, &err), MD_OK);
    assert_int_equal(r.alarms.n, 3);
    /* by endpoint, then name */
    assert_string_equal(r.alarms.v[0].name, "b-other");
    assert_string_equal(r.alarms.v[0].target, "another");
    assert_int_equal(r.alarms.v[0].state, MD_ALARM_OK);
    const struct md_alarm *m = &r.alarms.v[1], *z = &r.alarms.v[2];
    assert_string_equal(m->name, "a-math");
    assert_string_equal(m->metric, "ModelLatency");
    assert_string_equal(m->deployment, "");
    assert_int_equal(m->state, MD_ALARM_INSUFFICIENT);
    assert_int_equal(m->since_ms, 1700000000000LL);
    assert_true(m->enabled);
    assert_string_equal(z->name, "z-5xx");
    assert_string_equal(z->deployment, "canary");
    assert_int_equal(z->state, MD_ALARM_ALARM);
    assert_int_equal(z->since_ms, 1700000000500LL);
    assert_null(strchr(z->reason, '\x1b'));
    assert_false(z->enabled);
    assert_string_equal(z->source, "cloudwatch");
    md_result_release(&r);
}

/* A page over the item cap is refused before anything is mapped. */
static void test_caps(void **state)
{
    (void)state;
    size_t n = SM_MAX_ITEMS + 1;
    char *body = malloc(32 + n * 3);
    assert_non_null(body);
    size_t k = (size_t)snprintf(body, 32, "{\"Summaries\":[");
    for (size_t i = 0; i < n; i++) {
        memcpy(body + k, i ? ",{}" : "{}", i ? 3 : 2);
        k += i ? 3 : 2;
    }
    k += (size_t)snprintf(body + k, 3, "]}");
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(sm_parse(MD_RESULT_ENDPOINTS, body, k, &r, &err), MD_ERR_TOO_BIG);
    assert_int_equal(r.endpoints.n, 0);
    md_result_release(&r);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoints_recorded),
        cmocka_unit_test(test_endpoint_updating),
        cmocka_unit_test(test_endpoint_rolling_back),
        cmocka_unit_test(test_endpoint_failed_serverless),
        cmocka_unit_test(test_endpoints_partial),
        cmocka_unit_test(test_configs_recorded),
        cmocka_unit_test(test_configs_bare_list),
        cmocka_unit_test(test_health_recorded),
        cmocka_unit_test(test_health_math),
        cmocka_unit_test(test_health_percentiles_summed),
        cmocka_unit_test(test_training_job),
        cmocka_unit_test(test_runs_and_experiments),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_alarm_history),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_alarms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

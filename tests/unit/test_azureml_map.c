/*
 * Unit tests for the Azure ML reply mapping and planning
 * (core/backends/azureml/azureml_map.c, azureml_plan.c): the official
 * example payloads of api-version 2025-12-01 (vendored in
 * tests/fixtures/azureml, or $MLDECK_AZUREML_FIXTURES), mapped
 * field by field, plus hand-written realistic cases (blue/green traffic,
 * mirror traffic, a CreateMonitor schedule, error bodies, bad input).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/azureml/azureml_int.h"
#include "testutil.h"

/* ---- fixtures ------------------------------------------------------------------------------ */

/* An example file of the official set (relative to its version folder), malloc'd. */
static char *example_file(const char *rel, size_t *len)
{
    const char *env = getenv("MLDECK_AZUREML_FIXTURES");
    char *b = env ? tu_try_read_file(tu_path("%s/%s", env, rel), len) : NULL;
    if (b == NULL)
        b = tu_try_read_file(tu_srcpath("tests/fixtures/azureml/2025-12-01/%s", rel), len);
    if (b == NULL)
        fail_msg("cannot find example %s (set MLDECK_AZUREML_FIXTURES)", rel);
    return b;
}

/* The body of responses[status] of an example, as JSON text (free()). */
static char *example_body(const char *rel, const char *status)
{
    size_t len = 0;
    char *file = example_file(rel, &len);
    cJSON *root = cJSON_ParseWithLength(file, len);
    assert_non_null(root);
    cJSON *body = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(root, "responses"), status), "body");
    assert_non_null(body);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(root);
    free(file);
    return text;
}

static md_status parse_text(const char *text, enum md_result_kind kind, struct md_result *r,
                            struct md_err *err)
{
    memset(r, 0, sizeof(*r));
    md_err_clear(err);
    md_status st = azureml_parse(kind, text, strlen(text), r, err);
    assert_int_equal(r->kind, kind);
    assert_int_equal(r->status, st);
    assert_non_null(r->next_token);
    return st;
}

static void parse_example(const char *rel, enum md_result_kind kind, struct md_result *r)
{
    struct md_err err = MD_ERR_INIT;
    char *body = example_body(rel, "200");
    md_status st = parse_text(body, kind, r, &err);
    if (st != MD_OK)
        fail_msg("%s: %s", rel, err.msg);
    free(body);
}

#define T_2020 INT64_C(1577882096999) /* 2020-01-01T12:34:56.999Z, the examples' time */

/* ---- the official examples ------------------------------------------------------------------- */

static void test_endpoint_examples(void **state)
{
    (void)state;
    struct md_result r;
    parse_example("Workspace/OnlineEndpoint/list.json", MD_RESULT_ENDPOINTS, &r);
    assert_int_equal(r.endpoints.n, 1);
    const struct md_endpoint *e = &r.endpoints.v[0];
    assert_string_equal(e->name, "string");
    assert_string_equal(e->id, "string");
    assert_string_equal(e->status, "Creating");
    assert_string_equal(e->config, "");
    assert_true(e->created == T_2020 && e->updated == T_2020);
    assert_string_equal(md_kvs_get(&e->tags, "azureml.auth_mode"), "AMLToken");
    assert_string_equal(md_kvs_get(&e->tags, "azureml.scoring_uri"),
                        "https://www.contoso.com/example");
    assert_null(md_kvs_get(&e->tags, "azureml.mirror_traffic"));
    /* no deployment list: the traffic map names the deployment {"string": 1} */
    assert_int_equal(e->n_deployments, 1);
    assert_string_equal(e->deployments[0].name, "string");
    assert_true(e->deployments[0].weight == 1 && e->deployments[0].share == 0.01);
    assert_true(isnan(e->deployments[0].desired_weight));
    assert_int_equal(e->deployments[0].desired_instance_count, -1);
    assert_string_equal(r.next_token, "string"); /* as sent, whatever it is */
    md_result_release(&r);

    parse_example("Workspace/OnlineEndpoint/get.json", MD_RESULT_ENDPOINT, &r);
    assert_int_equal(r.endpoints.n, 1);
    assert_string_equal(r.endpoints.v[0].status, "Creating");
    assert_string_equal(r.next_token, "");
    md_result_release(&r);
}

/* The document the backend composes: the endpoint with its listed deployments. */
static void test_endpoint_with_deployments(void **state)
{
    (void)state;
    char *ep = example_body("Workspace/OnlineEndpoint/get.json", "200");
    char *deps = example_body("OnlineDeployment/list.json", "200");
    char *one = example_body("OnlineDeployment/ManagedOnlineDeployment/get.json", "200");
    cJSON *e = cJSON_Parse(ep);
    cJSON *d = cJSON_Parse(deps);
    cJSON *arr = cJSON_DetachItemFromObject(d, "value");
    cJSON_AddItemToArray(arr, cJSON_Parse(one));
    cJSON_AddItemToObject(e, AZUREML_DEPLOYMENTS_KEY, arr);
    char *text = cJSON_PrintUnformatted(e);
    struct md_result r;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse_text(text, MD_RESULT_ENDPOINT, &r, &err), MD_OK);
    const struct md_endpoint *x = &r.endpoints.v[0];
    /* two listed deployments both named "string": no extra one from the traffic map */
    assert_int_equal(x->n_deployments, 2);
    const struct md_deployment *dep = &x->deployments[0];
    assert_string_equal(dep->name, "string");
    assert_string_equal(dep->model, "string");
    assert_string_equal(dep->version, "");
    assert_string_equal(dep->instance_type, "string");
    assert_string_equal(dep->status, "Creating");
    assert_string_equal(dep->image, "string");
    assert_int_equal(dep->instance_count, 1);
    assert_true(dep->weight == 1);
    md_result_release(&r);
    cJSON_free(text);
    cJSON_Delete(e);
    cJSON_Delete(d);
    free(ep);
    free(deps);
    free(one);
}

static void test_model_examples(void **state)
{
    (void)state;
    struct md_result r;
    parse_example("Workspace/ModelContainer/list.json", MD_RESULT_MODELS, &r);
    assert_int_equal(r.models.n, 1);
    const struct md_registered_model *m = &r.models.v[0];
    assert_string_equal(m->name, "testContainer");
    assert_string_equal(m->description, "Model container description");
    assert_true(m->created == INT64_C(1606824000000));
    assert_string_equal(md_kvs_get(&m->tags, "tag1"), "value1");
    assert_string_equal(md_kvs_get(&m->tags, "tag2"), "value2");
    assert_int_equal(m->n_aliases, 0);
    assert_string_equal(r.next_token, "nextlink");
    md_result_release(&r);

    parse_example("Workspace/ModelVersion/list.json", MD_RESULT_VERSIONS, &r);
    assert_int_equal(r.versions.n, 1);
    const struct md_model_version *v = &r.versions.v[0];
    assert_string_equal(v->model, ""); /* id "string" is no ARM id: the backend fills it */
    assert_string_equal(v->version, "string");
    assert_string_equal(v->source, "string");
    assert_string_equal(v->description, "string");
    assert_string_equal(v->user, "string");
    assert_true(v->created == T_2020);
    assert_string_equal(md_kvs_get(&v->tags, "string"), "string");
    assert_string_equal(md_kvs_get(&v->tags, "azureml.model_type"), "CustomModel");
    assert_string_equal(r.next_token,
                        "https://management.azure.com/subscriptions/34adfa4f-cedf-4dc0-ba29-"
                        "b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft."
                        "MachineLearningServices/workspaces/my-aml-workspace/models/string/"
                        "versions?api-version=2025-07-01-preview&$skip=2");
    md_result_release(&r);

    parse_example("Workspace/ModelVersion/get.json", MD_RESULT_VERSION, &r);
    assert_int_equal(r.versions.n, 1);
    md_result_release(&r);
}

static void test_job_examples(void **state)
{
    (void)state;
    struct md_result r;
    parse_example("Job/CommandJob/list.json", MD_RESULT_RUNS, &r);
    assert_int_equal(r.runs.n, 1);
    const struct md_run *run = &r.runs.v[0];
    assert_string_equal(run->id, "string");
    assert_string_equal(run->name, "string");
    assert_string_equal(run->experiment_id, "string");
    assert_string_equal(run->user, "string");
    assert_int_equal(run->status, MD_RUN_SCHEDULED); /* NotStarted */
    assert_true(run->start_time == T_2020);
    assert_true(run->end_time == 0);
    assert_string_equal(md_kvs_get(&run->params, "string"), "string"); /* literal input */
    assert_string_equal(md_kvs_get(&run->tags, "string"), "string");
    assert_string_equal(md_kvs_get(&run->tags, "azureml.job_type"), "Command");
    assert_string_equal(md_kvs_get(&run->tags, "azureml.status"), "NotStarted");
    assert_string_equal(md_kvs_get(&run->tags, "azureml.compute"), "string");
    md_result_release(&r);

    parse_example("Job/CommandJob/list.json", MD_RESULT_EXPERIMENTS, &r);
    assert_int_equal(r.experiments.n, 1);
    assert_string_equal(r.experiments.v[0].id, "string");
    assert_string_equal(md_kvs_get(&r.experiments.v[0].tags, "azureml.jobs"), "1");
    md_result_release(&r);

    parse_example("Job/CommandJob/get.json", MD_RESULT_RUN, &r);
    assert_int_equal(r.runs.n, 1);
    md_result_release(&r);
}

static void test_workspace_example(void **state)
{
    (void)state;
    struct md_result r;
    parse_example("Workspace/get.json", MD_RESULT_PROBE, &r);
    assert_string_equal(r.server_version, "testworkspace (eastus2euap)");
    md_result_release(&r);
    char *ws = example_body("Workspace/get.json", "200");
    /* the example has none */
    assert_null(azureml_workspace_mlflow_uri(ws, strlen(ws), "https://management.azure.com"));
    cJSON *o = cJSON_Parse(ws);
    cJSON_AddStringToObject(cJSON_GetObjectItem(o, "properties"), "mlFlowTrackingUri",
                            "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/"
                            "resourceGroups/g/providers/Microsoft.MachineLearningServices/"
                            "workspaces/w/");
    char *t = cJSON_PrintUnformatted(o);
    char *uri = azureml_workspace_mlflow_uri(t, strlen(t), "https://management.azure.com");
    assert_string_equal(uri, "https://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/"
                             "resourceGroups/g/providers/Microsoft.MachineLearningServices/"
                             "workspaces/w");
    free(uri);
    /* the scheme rule: ARM on plain http (a loopback test server) keeps http */
    uri = azureml_workspace_mlflow_uri(t, strlen(t), "http://127.0.0.1:8080");
    assert_string_equal(uri, "http://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/"
                             "resourceGroups/g/providers/Microsoft.MachineLearningServices/"
                             "workspaces/w");
    free(uri);
    cJSON_free(t);
    cJSON_Delete(o);
    free(ws);
}

/* Which tracking URIs become which base URLs, by the ARM endpoint's scheme. */
static void test_workspace_mlflow_scheme(void **state)
{
    (void)state;
    static const struct {
        const char *uri;
        const char *arm;
        const char *want; /* NULL: refused */
    } cases[] = {
        {"azureml://h.api.azureml.ms/mlflow/v1.0/x", "https://management.azure.com",
         "https://h.api.azureml.ms/mlflow/v1.0/x"},
        {"AZUREML://h:8443/m/", "https://management.usgovcloudapi.net", "https://h:8443/m"},
        {"azureml://127.0.0.1:5000/mlflow/v1.0/x", "http://127.0.0.1:5000",
         "http://127.0.0.1:5000/mlflow/v1.0/x"},
        {"azureml://h/x", "HTTP://127.0.0.1", "http://h/x"},
        {"https://h/x", "http://127.0.0.1", "https://h/x"},
        {"https://h/x", "https://management.azure.com", "https://h/x"},
        {"http://h/x", "http://127.0.0.1", "http://h/x"},
        {"http://h/x", "https://management.azure.com", NULL}, /* the token never in clear */
        {"http://h/x", NULL, NULL},
        {"azureml:///x", "https://management.azure.com", NULL},
        {"azureml://", "https://management.azure.com", NULL},
        {"ftp://h/x", "http://127.0.0.1", NULL},
        {"", "https://management.azure.com", NULL},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(cases); i++) {
        char body[512];
        snprintf(body, sizeof(body), "{\"properties\":{\"mlFlowTrackingUri\":\"%s\"}}",
                 cases[i].uri);
        char *got = azureml_workspace_mlflow_uri(body, strlen(body), cases[i].arm);
        if (cases[i].want == NULL ? got != NULL : got == NULL || strcmp(got, cases[i].want))
            fail_msg("case %zu: %s with ARM %s gave %s", i, cases[i].uri,
                     cases[i].arm ? cases[i].arm : "(null)", got ? got : "(null)");
        free(got);
    }
    assert_null(azureml_workspace_mlflow_uri("{\"properties\":{}}", 17, "http://x"));
    assert_null(azureml_workspace_mlflow_uri("not json", 8, "http://x"));
}

static const char monitors[] =
    "{\"value\":[{\"name\":\"nightly\",\"properties\":{\"action\":{\"actionType\":"
    "\"InvokeBatchEndpoint\"}}},"
    "{\"name\":\"fraud-monitor\",\"properties\":{\"displayName\":\"fraud monitoring\","
    "\"isEnabled\":true,\"trigger\":{\"triggerType\":\"Recurrence\",\"frequency\":\"Day\","
    "\"interval\":1},\"action\":{\"actionType\":\"CreateMonitor\",\"monitorDefinition\":{"
    "\"monitoringTarget\":{\"deploymentId\":\"/subscriptions/s/resourceGroups/g/providers/"
    "Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/fraud/deployments/blue\","
    "\"modelId\":\"/subscriptions/s/resourceGroups/g/providers/Microsoft."
    "MachineLearningServices/workspaces/w/models/fraud-model/versions/7\"},\"signals\":{"
    "\"dd\":{\"signalType\":\"DataDrift\",\"metricThresholds\":[{\"dataType\":\"Numerical\","
    "\"metric\":\"NormalizedWassersteinDistance\",\"threshold\":{\"value\":0.1}},{\"dataType\":"
    "\"Categorical\",\"metric\":\"JensenShannonDistance\",\"threshold\":{\"value\":0.1}}]},"
    "\"fa\":{\"signalType\":\"FeatureAttributionDrift\",\"metricThreshold\":{\"metric\":"
    "\"NormalizedDiscountedCumulativeGain\",\"threshold\":{\"value\":0.9}}},"
    "\"dq\":{\"signalType\":\"DataQuality\",\"metricThresholds\":[{\"dataType\":\"Numerical\","
    "\"metric\":\"NullValueRate\"}]}}}}}}]}";

static void test_monitors(void **state)
{
    (void)state;
    struct azureml_monitor_list l;
    struct md_err err = MD_ERR_INIT;
    char *sched = example_body("Schedule/list.json", "200");
    assert_int_equal(azureml_parse_monitors(sched, strlen(sched), &l, &err), MD_OK);
    assert_int_equal(l.n, 0); /* both examples invoke batch endpoints */
    azureml_monitor_list_release(&l);
    free(sched);

    assert_int_equal(azureml_parse_monitors(monitors, strlen(monitors), &l, &err), MD_OK);
    assert_int_equal(l.n, 1);
    const struct azureml_monitor *m = &l.v[0];
    assert_string_equal(m->name, "fraud-monitor");
    assert_string_equal(m->display_name, "fraud monitoring");
    assert_true(m->enabled);
    assert_string_equal(m->trigger, "recurrence Day/1");
    assert_string_equal(m->deployment, "fraud/blue");
    assert_string_equal(m->model, "fraud-model:7");
    assert_int_equal(m->n_signals, 3);
    assert_string_equal(m->signals[0].type, "DataDrift");
    assert_int_equal(m->signals[0].n_thresholds, 2);
    assert_string_equal(m->signals[0].thresholds[1].metric, "JensenShannonDistance");
    assert_string_equal(m->signals[0].thresholds[1].data_type, "Categorical");
    assert_true(m->signals[0].thresholds[1].value == 0.1);
    assert_string_equal(m->signals[1].thresholds[0].metric, "NormalizedDiscountedCumulativeGain");
    assert_true(isnan(m->signals[2].thresholds[0].value));
    azureml_monitor_list_release(&l);
    assert_int_equal(azureml_parse_monitors("[]", 2, &l, &err), MD_ERR_PARSE);
}

/* The neutral records (model.h) the deck hands out: the target split into its two names. */
static void test_monitors_as_records(void **state)
{
    (void)state;
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(azureml_parse(MD_RESULT_MONITORS, monitors, strlen(monitors), &r, &err),
                     MD_OK);
    assert_int_equal(r.kind, MD_RESULT_MONITORS);
    assert_string_equal(r.next_token, "");
    assert_int_equal(r.monitors.n, 1);
    const struct md_monitor *m = &r.monitors.v[0];
    assert_string_equal(m->name, "fraud-monitor");
    assert_string_equal(m->endpoint, "fraud");
    assert_string_equal(m->deployment, "blue");
    assert_string_equal(m->model, "fraud-model:7");
    assert_string_equal(m->trigger, "recurrence Day/1");
    assert_true(m->enabled);
    assert_int_equal(m->n_signals, 3);
    assert_string_equal(m->signals[0].name, "dd");
    assert_string_equal(m->signals[0].thresholds[0].metric, "NormalizedWassersteinDistance");
    assert_string_equal(m->signals[0].thresholds[0].data_type, "Numerical");
    assert_true(m->signals[0].thresholds[0].value == 0.1);
    assert_string_equal(m->signals[1].thresholds[0].data_type, "");
    assert_true(isnan(m->signals[2].thresholds[0].value));
    md_result_release(&r);

    /* a target that is no online deployment stays whole; a disabled monitor says so */
    static const char other[] =
        "{\"value\":[{\"name\":\"batch-mon\",\"properties\":{\"isEnabled\":false,"
        "\"action\":{\"actionType\":\"CreateMonitor\",\"monitorDefinition\":{"
        "\"monitoringTarget\":{\"deploymentId\":\"azureml:batch-thing\"}}}}}]}";
    memset(&r, 0, sizeof(r));
    assert_int_equal(azureml_parse(MD_RESULT_MONITORS, other, strlen(other), &r, &err), MD_OK);
    assert_int_equal(r.monitors.n, 1);
    assert_false(r.monitors.v[0].enabled);
    assert_string_equal(r.monitors.v[0].endpoint, "");
    assert_string_equal(r.monitors.v[0].deployment, "azureml:batch-thing");
    assert_string_equal(r.monitors.v[0].model, "");
    assert_int_equal(r.monitors.v[0].n_signals, 0);
    md_result_release(&r);

    memset(&r, 0, sizeof(r));
    assert_int_equal(azureml_parse(MD_RESULT_MONITORS, "{\"value\":7}", 11, &r, &err),
                     MD_ERR_PARSE);
    assert_int_equal(r.monitors.n, 0);
    assert_int_equal(r.status, MD_ERR_PARSE);
    md_result_release(&r);
}

/* getLogs: the fixture's shape, escape sequences cut, lines sanitized, the tail kept. */
static void test_logs(void **state)
{
    (void)state;
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    char *ex = example_body("OnlineDeployment/getLogs.json", "200");
    assert_int_equal(azureml_parse(MD_RESULT_LOGS, ex, strlen(ex), &r, &err), MD_OK);
    assert_string_equal(r.text, "string\n");
    md_result_release(&r);
    free(ex);

    static const char hostile[] =
        "{\"content\":\"a \\u001b[32mINFO\\u001b[0m ok\\r\\n"
        "\\u001b]0;pwned\\u0007title gone\\n"
        "tab\\there \\u009b2J c1 \\u009d8;;x\\u009c\\u0085nel\\rold mac\\n\\n"
        "unterminated \\u001b[\"}";
    char *text = NULL;
    assert_int_equal(azureml_parse_logs(hostile, strlen(hostile), 0, &text, &err), MD_OK);
    assert_string_equal(text,
                        "a INFO ok\ntitle gone\ntab here  c1 ?nel\nold mac\n\nunterminated \n");
    free(text);
    /* the last two lines only */
    assert_int_equal(azureml_parse_logs(hostile, strlen(hostile), 2, &text, &err), MD_OK);
    assert_string_equal(text, "\nunterminated \n");
    free(text);
    static const char three[] = "{\"content\":\"1\\n2\\n3\\n\"}";
    assert_int_equal(azureml_parse_logs(three, strlen(three), 2, &text, &err), MD_OK);
    assert_string_equal(text, "2\n3\n");
    free(text);
    assert_int_equal(azureml_parse_logs(three, strlen(three), 9, &text, &err), MD_OK);
    assert_string_equal(text, "1\n2\n3\n");
    free(text);
    assert_int_equal(azureml_parse_logs("{}", 2, 0, &text, &err), MD_OK);
    assert_string_equal(text, "");
    free(text);
    assert_int_equal(azureml_parse_logs("{\"content\":null}", 16, 0, &text, &err), MD_OK);
    assert_string_equal(text, "");
    free(text);
    assert_int_equal(azureml_parse_logs("{\"content\":3}", 13, 0, &text, &err), MD_ERR_PARSE);
    assert_null(text);
    assert_int_equal(azureml_parse_logs("[]", 2, 0, &text, &err), MD_ERR_PARSE);
    assert_null(text);
    memset(&r, 0, sizeof(r));
    assert_int_equal(azureml_parse(MD_RESULT_LOGS, "{\"content\"", 10, &r, &err), MD_ERR_PARSE);
    assert_null(r.text);
    md_result_release(&r);
}

/* ---- readers ------------------------------------------------------------------------------- */

static void test_times_and_refs(void **state)
{
    (void)state;
    assert_true(azureml_time_ms("2020-01-01T12:34:56.999Z") == T_2020);
    assert_true(azureml_time_ms("2020-01-01T12:34:56.9990000+00:00") == T_2020);
    assert_true(azureml_time_ms("2024-03-10T08:00:00+01:00") == INT64_C(1710054000000));
    assert_true(azureml_time_ms("2024-03-10T07:00:00") == INT64_C(1710054000000));
    assert_true(azureml_time_ms("2024-02-29T23:59:59Z") == INT64_C(1709251199000));
    assert_true(azureml_time_ms("2020-12-01") == INT64_C(1606780800000));
    assert_true(azureml_time_ms("string") == 0);
    assert_true(azureml_time_ms("2020-13-01T00:00:00Z") == 0);
    assert_true(azureml_time_ms(NULL) == 0);

    static const char *const refs[][3] = {
        {"/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/"
         "workspaces/w/models/fraud-model/versions/7",
         "fraud-model", "7"},
        {"azureml:churn-model:3", "churn-model", "3"},
        {"azureml:churn-model@latest", "churn-model", "@latest"},
        {"azureml://registries/shared/models/llama/versions/2", "llama", "2"},
        {"azureml:plain", "plain", ""},
        {"string", "string", ""},
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        char *name = NULL;
        char *ver = NULL;
        azureml_model_ref(refs[i][0], &name, &ver);
        assert_string_equal(name, refs[i][1]);
        assert_string_equal(ver, refs[i][2]);
        free(name);
        free(ver);
    }
    assert_int_equal(azureml_job_status("Completed"), MD_RUN_FINISHED);
    assert_int_equal(azureml_job_status("Canceled"), MD_RUN_KILLED);
    assert_int_equal(azureml_job_status("Queued"), MD_RUN_SCHEDULED);
    assert_int_equal(azureml_job_status("Finalizing"), MD_RUN_RUNNING);
    assert_int_equal(azureml_job_status("NotResponding"), MD_RUN_FAILED);
    assert_int_equal(azureml_job_status("SomethingNew"), MD_RUN_UNKNOWN);
    assert_int_equal(azureml_job_status(NULL), MD_RUN_UNKNOWN);
}

/* ---- errors and bad input -------------------------------------------------------------------- */

static void expect_error(long code, const char *body, const char *rid, md_status want,
                         const char *msg)
{
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(
        azureml_map_error("cannot list endpoints of 'az'", code, body, strlen(body), rid, &err),
        want);
    assert_int_equal(err.code, want);
    assert_int_equal(err.http_status, code);
    assert_string_equal(err.msg, msg);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error(404,
                 "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"The Resource "
                 "'x' was not found.\"}}",
                 "rid-1", MD_ERR_NOT_FOUND,
                 "cannot list endpoints of 'az': HTTP 404 ResourceNotFound: The Resource 'x' "
                 "was not found. (request id rid-1)");
    expect_error(400,
                 "{\"error\":{\"code\":\"MissingApiVersionParameter\",\"message\":\"The "
                 "api-version query parameter (?api-version=) is required for all "
                 "requests.\"}}",
                 NULL, MD_ERR_CONFIG,
                 "cannot list endpoints of 'az': HTTP 400 MissingApiVersionParameter: The "
                 "api-version query parameter (?api-version=) is required for all requests.");
    expect_error(400, "{\"error\":{\"code\":\"InvalidApiVersionParameter\"}}", NULL, MD_ERR_CONFIG,
                 "cannot list endpoints of 'az': HTTP 400 InvalidApiVersionParameter");
    expect_error(403,
                 "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"no\\u001b[31m"
                 "\"}}",
                 "", MD_ERR_AUTH,
                 "cannot list endpoints of 'az': HTTP 403 AuthorizationFailed: no?[31m");
    expect_error(502, "<html>\r\n<h1>Bad Gateway</h1>", NULL, MD_ERR_HTTP,
                 "cannot list endpoints of 'az': HTTP 502 Bad Gateway");
    /* an HTML page with a title is quoted by its title (the one skeleton, op_map_error()) */
    expect_error(502,
                 "<html><head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body>"
                 "</html>",
                 "rid-2", MD_ERR_HTTP,
                 "cannot list endpoints of 'az': HTTP 502 502 Bad Gateway (request id rid-2)");
    expect_error(400, "{\"error\":{\"message\":\"no code here\"}}", NULL, MD_ERR_HTTP,
                 "cannot list endpoints of 'az': HTTP 400 no code here");
    expect_error(404, "{\"code\":\"SubscriptionNotFound\",\"message\":\"gone\"}", NULL,
                 MD_ERR_NOT_FOUND,
                 "cannot list endpoints of 'az': HTTP 404 SubscriptionNotFound: gone");
    expect_error(429, "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}", NULL,
                 MD_ERR_HTTP, "cannot list endpoints of 'az': HTTP 429 TooManyRequests: slow down");
    expect_error(500, "", NULL, MD_ERR_HTTP, "cannot list endpoints of 'az': HTTP 500");
}

static void test_bad_input(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "", "{", "[1,2]", "{\"value\": 3}", "\"x\"", "{\"value\":[]} trailing", "nul"};
    static const enum md_result_kind kinds[] = {MD_RESULT_ENDPOINTS, MD_RESULT_MODELS,
                                                MD_RESULT_VERSIONS, MD_RESULT_RUNS,
                                                MD_RESULT_EXPERIMENTS};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            struct md_result r;
            struct md_err err = MD_ERR_INIT;
            assert_int_equal(parse_text(bodies[i], kinds[k], &r, &err), MD_ERR_PARSE);
            assert_int_equal(r.endpoints.n + r.models.n + r.versions.n + r.runs.n, 0);
            md_result_release(&r);
        }
    }
    /* nulls, wrong types and junk entries read as empty */
    struct md_result r;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse_text("{\"value\":[null,1,{\"name\":null,\"properties\":{\"traffic\":"
                                "{\"a\":\"x\",\"b\":null,\"c\":1e308}},\"tags\":[1]}],"
                                "\"nextLink\":null}",
                                MD_RESULT_ENDPOINTS, &r, &err),
                     MD_OK);
    assert_int_equal(r.endpoints.n, 1);
    assert_string_equal(r.endpoints.v[0].name, "");
    assert_int_equal(r.endpoints.v[0].n_deployments, 3);
    assert_string_equal(r.next_token, "");
    md_result_release(&r);
    assert_int_equal(
        parse_text("{\"value\":[{\"name\":\"ev\\u001b[2Jil\"}]}", MD_RESULT_MODELS, &r, &err),
        MD_OK);
    assert_string_equal(r.models.v[0].name, "ev?[2Jil");
    md_result_release(&r);
    assert_int_equal(parse_text("anything", MD_RESULT_NONE, &r, &err), MD_OK);
    md_result_release(&r);
}

/* ---- the traffic plan ---------------------------------------------------------------------- */

static const char blue_green[] =
    "{\"id\":\"/subscriptions/s/x/onlineEndpoints/fraud\",\"name\":\"fraud\",\"type\":\"t\","
    "\"location\":\"westeurope\",\"kind\":\"Managed\",\"tags\":{\"team\":\"fraud\"},"
    "\"identity\":{\"type\":\"SystemAssigned,UserAssigned\",\"principalId\":\"p\",\"tenantId\":"
    "\"t\",\"userAssignedIdentities\":{\"/id/uai\":{\"principalId\":\"p2\",\"clientId\":\"c\"}}},"
    "\"properties\":{\"authMode\":\"Key\",\"description\":\"d\",\"provisioningState\":"
    "\"Succeeded\",\"scoringUri\":\"https://s\",\"swaggerUri\":\"https://w\",\"traffic\":"
    "{\"blue\":90,\"green\":10},\"mirrorTraffic\":{\"shadow\":10}},"
    "\"systemData\":{\"createdAt\":\"2024-01-01T00:00:00Z\"}}";
static const char blue_green_deps[] =
    "{\"value\":[{\"name\":\"blue\",\"properties\":{\"provisioningState\":\"Succeeded\"}},"
    "{\"name\":\"green\",\"properties\":{\"provisioningState\":\"Succeeded\"}},"
    "{\"name\":\"shadow\",\"properties\":{\"provisioningState\":\"Succeeded\"}},"
    "{\"name\":\"broken\",\"properties\":{\"provisioningState\":\"Failed\"}}]}";

static md_status plan(const char *ep, const struct md_weight *w, size_t n, char **put, char **from,
                      char **to, bool *same, struct md_err *err)
{
    md_err_clear(err);
    return azureml_plan_traffic(ep, strlen(ep), blue_green_deps, strlen(blue_green_deps), w, n, put,
                                from, to, same, err);
}

static void test_plan_traffic(void **state)
{
    (void)state;
    struct md_err err = MD_ERR_INIT;
    char *put = NULL;
    char *from = NULL;
    char *to = NULL;
    bool same = true;
    const struct md_weight back[] = {{"blue", 100}, {"green", 0}};
    assert_int_equal(plan(blue_green, back, 2, &put, &from, &to, &same, &err), MD_OK);
    assert_false(same);
    assert_string_equal(from, "blue=90,green=10,shadow=0,broken=0");
    assert_string_equal(to, "blue=100,green=0,shadow=0,broken=0");
    cJSON *body = cJSON_Parse(put);
    assert_non_null(body);
    static const char *const gone[] = {"id", "name", "type", "systemData"};
    for (size_t i = 0; i < 4; i++)
        assert_null(cJSON_GetObjectItem(body, gone[i]));
    cJSON *p = cJSON_GetObjectItem(body, "properties");
    assert_null(cJSON_GetObjectItem(p, "provisioningState"));
    assert_null(cJSON_GetObjectItem(p, "scoringUri"));
    assert_null(cJSON_GetObjectItem(p, "swaggerUri"));
    assert_string_equal(cJSON_GetObjectItem(p, "authMode")->valuestring, "Key");
    assert_string_equal(cJSON_GetObjectItem(body, "location")->valuestring, "westeurope");
    char *traffic = cJSON_PrintUnformatted(cJSON_GetObjectItem(p, "traffic"));
    assert_string_equal(traffic, "{\"blue\":100}"); /* zero entries left out, as the SDK does */
    cJSON_free(traffic);
    char *mirror = cJSON_PrintUnformatted(cJSON_GetObjectItem(p, "mirrorTraffic"));
    assert_string_equal(mirror, "{\"shadow\":10}");
    cJSON_free(mirror);
    cJSON *id = cJSON_GetObjectItem(body, "identity");
    assert_null(cJSON_GetObjectItem(id, "principalId"));
    assert_null(cJSON_GetObjectItem(id, "tenantId"));
    char *uai = cJSON_PrintUnformatted(cJSON_GetObjectItem(id, "userAssignedIdentities"));
    assert_string_equal(uai, "{\"/id/uai\":{}}");
    cJSON_free(uai);
    cJSON_Delete(body);
    free(put);
    free(from);
    free(to);

    /* the mirror target going live leaves mirrorTraffic */
    const struct md_weight shadow[] = {{"shadow", 100}};
    assert_int_equal(plan(blue_green, shadow, 1, &put, &from, &to, &same, &err), MD_OK);
    assert_non_null(strstr(put, "\"mirrorTraffic\":{}"));
    assert_non_null(strstr(put, "\"traffic\":{\"shadow\":100}"));
    free(put);
    free(from);
    free(to);

    /* the same map: nothing to send */
    const struct md_weight now[] = {{"blue", 90}, {"green", 10}, {"shadow", 0}};
    assert_int_equal(plan(blue_green, now, 3, &put, &from, &to, &same, &err), MD_OK);
    assert_true(same);
    assert_null(put);
    free(from);
    free(to);

    /* the live traffic as text, for the check after the operation */
    char *live = azureml_traffic_string(blue_green, strlen(blue_green), "green,blue,shadow");
    assert_string_equal(live, "green=10,blue=90,shadow=0");
    free(live);
    live = azureml_traffic_string(blue_green, strlen(blue_green), "blu");
    assert_string_equal(live, "blu=0,blue=90,green=10");
    free(live);
    assert_null(azureml_traffic_string("[", 1, ""));
}

static void expect_refusal(const char *ep, const struct md_weight *w, size_t n, md_status want,
                           const char *msg)
{
    struct md_err err = MD_ERR_INIT;
    char *put = NULL;
    char *from = NULL;
    char *to = NULL;
    bool same = false;
    assert_int_equal(plan(ep, w, n, &put, &from, &to, &same, &err), want);
    assert_string_equal(err.msg, msg);
    assert_null(put);
    assert_null(from);
    assert_null(to);
}

static void test_plan_refusals(void **state)
{
    (void)state;
    const struct md_weight sum90[] = {{"blue", 80}, {"green", 10}};
    expect_refusal(blue_green, sum90, 2, MD_ERR_INVALID,
                   "the weights for endpoint 'fraud' add up to 90, not 100");
    const struct md_weight unknown[] = {{"red", 100}};
    expect_refusal(blue_green, unknown, 1, MD_ERR_INVALID,
                   "no deployment 'red' on endpoint 'fraud' (it has: blue, green, shadow, "
                   "broken)");
    const struct md_weight twice[] = {{"blue", 50}, {"blue", 50}};
    expect_refusal(blue_green, twice, 2, MD_ERR_INVALID,
                   "deployment 'blue' is given a weight twice");
    const struct md_weight frac[] = {{"blue", 99.5}, {"green", 0.5}};
    expect_refusal(blue_green, frac, 2, MD_ERR_INVALID,
                   "weight 99.5 for 'blue' is not a whole percentage from 0 to 100");
    const struct md_weight nan_w[] = {{"blue", NAN}};
    expect_refusal(blue_green, nan_w, 1, MD_ERR_INVALID,
                   "weight 0 for 'blue' is not a whole percentage from 0 to 100");
    const struct md_weight broken[] = {{"blue", 50}, {"broken", 50}};
    expect_refusal(blue_green, broken, 2, MD_ERR_INVALID,
                   "deployment 'broken' is Failed: only a Succeeded deployment can take "
                   "traffic");
    /* the official example: placeholders everywhere, and an endpoint still Creating */
    char *ep = example_body("Workspace/OnlineEndpoint/get.json", "200");
    const struct md_weight s100[] = {{"string", 100}};
    expect_refusal(ep, s100, 1, MD_ERR_INVALID,
                   "endpoint 'string' is Creating: wait for its running operation to finish");
    free(ep);
    expect_refusal("[]", s100, 1, MD_ERR_PARSE, "the endpoint is not a JSON object");
}

static void test_operation_status(void **state)
{
    (void)state;
    char *st = NULL;
    char *detail = NULL;
    const char *inprog = "{\"id\":\"x\",\"name\":\"x\",\"status\":\"InProgress\"}";
    assert_int_equal(azureml_operation_status(inprog, strlen(inprog), &st, &detail), MD_OK);
    assert_string_equal(st, "InProgress");
    assert_string_equal(detail, "");
    assert_false(azureml_operation_done(st));
    free(st);
    free(detail);
    const char *failed = "{\"status\":\"Failed\",\"error\":{\"code\":\"Boom\",\"message\":"
                         "\"the containers\\nnever started\"}}";
    assert_int_equal(azureml_operation_status(failed, strlen(failed), &st, &detail), MD_OK);
    assert_true(azureml_operation_done(st));
    assert_string_equal(detail, "Boom: the containers never started");
    free(st);
    free(detail);
    assert_int_equal(azureml_operation_status("oops", 4, &st, &detail), MD_ERR_PARSE);
    assert_string_equal(st, "");
    free(st);
    free(detail);
    assert_true(azureml_operation_done("succeeded"));
    assert_true(azureml_operation_done("Canceled"));
    assert_false(azureml_operation_done(""));
}

/* Azure Monitor metrics of an endpoint, as the backend composes its two replies. */
static void test_health_from_azure_monitor(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"value\":["
        "{\"id\":\"/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/"
        "workspaces/w/onlineEndpoints/ep/providers/Microsoft.Insights/metrics/RequestsPerMinute\","
        "\"name\":{\"value\":\"RequestsPerMinute\"},\"timeseries\":["
        "{\"metadatavalues\":[{\"name\":{\"value\":\"deployment\"},\"value\":\"blue\"},"
        "{\"name\":{\"value\":\"statuscodeclass\"},\"value\":\"2xx\"}],\"data\":["
        "{\"timeStamp\":\"2026-12-08T01:00:00Z\",\"total\":7},"
        "{\"timeStamp\":\"2026-12-08T01:01:00Z\"}]},"
        "{\"metadatavalues\":[{\"name\":{\"value\":\"deployment\"},\"value\":\"blue\"},"
        "{\"name\":{\"value\":\"statuscodeclass\"},\"value\":\"5xx\"}],\"data\":["
        "{\"timeStamp\":\"2026-12-08T01:00:00Z\",\"total\":3}]}]},"
        "{\"name\":{\"value\":\"RequestLatency_P99\"},\"timeseries\":["
        "{\"metadatavalues\":[{\"name\":{\"value\":\"Deployment\"},\"value\":\"blue\"}],"
        "\"data\":[{\"timeStamp\":\"2026-12-08T01:00:00Z\",\"average\":25.5}]}]}]}";
    struct md_result r;
    struct md_err err = MD_ERR_INIT;
    memset(&r, 0, sizeof(r));
    assert_int_equal(azureml_parse(MD_RESULT_HEALTH, doc, strlen(doc), &r, &err), MD_OK);
    const struct md_health_series *inv = NULL, *e5 = NULL, *p99 = NULL, *total = NULL;
    for (size_t i = 0; i < r.health.n; i++) {
        const struct md_health_series *s = &r.health.v[i];
        assert_string_equal(s->endpoint, "ep");
        bool blue = strcmp(s->deployment, "blue") == 0;
        if (blue && s->metric == MD_HEALTH_INVOCATIONS)
            inv = s;
        if (blue && s->metric == MD_HEALTH_5XX)
            e5 = s;
        if (blue && s->metric == MD_HEALTH_P99_US)
            p99 = s;
        if (!*s->deployment && s->metric == MD_HEALTH_INVOCATIONS)
            total = s;
    }
    assert_non_null(inv);
    assert_int_equal(inv->n,
                     1); /* the classes of one minute add up; a minute without a value is none */
    tu_near(inv->v[0], 10, 1e-9);
    assert_true(inv->t[0] == INT64_C(1796691600000));
    tu_near(e5->v[0], 3, 1e-9);
    tu_near(p99->v[0], 25500, 1e-9); /* ms to us */
    tu_near(total->v[0], 10, 1e-9);
    md_result_release(&r);
    memset(&r, 0, sizeof(r));
    assert_int_equal(azureml_parse(MD_RESULT_HEALTH, "[]", 2, &r, &err), MD_ERR_PARSE);
    md_result_release(&r);
}

static void test_ops_table(void **state)
{
    (void)state;
    assert_string_equal(md_azureml_ops.name, "azureml");
    assert_true(md_azureml_ops.parse == azureml_parse);
    assert_int_equal(md_azureml_ops.caps, MD_CAP_ENDPOINTS | MD_CAP_SET_WEIGHTS | MD_CAP_MODELS |
                                              MD_CAP_EXPERIMENTS | MD_CAP_RUNS | MD_CAP_LOGS |
                                              MD_CAP_MONITORS | MD_CAP_CHANGES | MD_CAP_ALARMS |
                                              MD_CAP_HEALTH);
    assert_non_null(md_azureml_ops.list_alarms);
    assert_non_null(md_azureml_ops.list_changes);
    assert_non_null(md_azureml_ops.get_health);
    assert_non_null(md_azureml_ops.get_logs);
    assert_non_null(md_azureml_ops.list_monitors);
    assert_null(md_mlflow_ops.get_logs);
    assert_null(md_mlflow_ops.list_monitors);
    assert_string_equal(md_log_container_str(MD_LOG_INFERENCE_SERVER), "InferenceServer");
    assert_string_equal(md_log_container_str(MD_LOG_STORAGE_INITIALIZER), "StorageInitializer");
    assert_true(md_backend_ops_for(MD_BACKEND_AZUREML) == &md_azureml_ops);
    assert_null(md_azureml_ops.set_alias);
    assert_null(md_azureml_ops.get_metric_history);
    assert_non_null(md_azureml_ops.set_weights);
    assert_null(azureml_mlflow_tracking_uri(NULL));
    assert_int_equal(azureml_ratelimit_remaining(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_examples),
        cmocka_unit_test(test_endpoint_with_deployments),
        cmocka_unit_test(test_model_examples),
        cmocka_unit_test(test_job_examples),
        cmocka_unit_test(test_workspace_example),
        cmocka_unit_test(test_monitors),
        cmocka_unit_test(test_times_and_refs),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_plan_traffic),
        cmocka_unit_test(test_plan_refusals),
        cmocka_unit_test(test_operation_status),
        cmocka_unit_test(test_ops_table),
        cmocka_unit_test(test_health_from_azure_monitor),
        cmocka_unit_test(test_workspace_mlflow_scheme),
        cmocka_unit_test(test_monitors_as_records),
        cmocka_unit_test(test_logs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * libFuzzer target for the Azure ML reply mapping and planning: every input
 * goes through azureml_parse() as each result kind (logs and monitors
 * included; then the exporters),
 * the error-body mapper, the operation-status and workspace readers, the
 * monitor parser, and the traffic planner both as the endpoint and as the
 * deployment list. Built by `make fuzz` with -fsanitize=fuzzer,address,undefined.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/azureml/azureml_int.h"
#include "mldeck/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char endpoint[] =
    "{\"name\":\"e\",\"location\":\"l\",\"properties\":{\"authMode\":\"Key\",\"traffic\":"
    "{\"blue\":90,\"green\":10},\"mirrorTraffic\":{\"shadow\":5}}}";
static const char deployments[] =
    "{\"value\":[{\"name\":\"blue\",\"properties\":{\"provisioningState\":\"Succeeded\"}},"
    "{\"name\":\"green\",\"properties\":{\"provisioningState\":\"Succeeded\"}}]}";

static void export_all(const struct md_result *r)
{
    static const enum md_export_format fmts[] = {MD_EXPORT_JSON, MD_EXPORT_TSV};
    for (size_t i = 0; i < MD_ARRAY_LEN(fmts); i++) {
        struct md_buf b;
        md_buf_init(&b, 0);
        md_export_experiments(&b, fmts[i], "fuzz", &r->experiments);
        md_export_runs(&b, fmts[i], "fuzz", &r->runs);
        md_export_models(&b, fmts[i], "fuzz", &r->models);
        md_export_versions(&b, fmts[i], "fuzz", &r->versions);
        md_export_endpoints(&b, fmts[i], "fuzz", &r->endpoints);
        md_buf_release(&b);
    }
}

static void plan(const char *ep, size_t ep_len, const char *deps, size_t deps_len)
{
    static const struct md_weight w[] = {{"blue", 100}, {"green", 0}};
    char *put = NULL;
    char *from = NULL;
    char *to = NULL;
    bool same = false;
    struct md_err err = MD_ERR_INIT;
    md_status st =
        azureml_plan_traffic(ep, ep_len, deps, deps_len, w, 2, &put, &from, &to, &same, &err);
    if (st != MD_OK && (put || from || to))
        __builtin_trap();
    if (st == MD_OK && (!from || !to || (same == (put != NULL))))
        __builtin_trap();
    free(put);
    free(from);
    free(to);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum md_result_kind kinds[] = {
        MD_RESULT_NONE,      MD_RESULT_EXPERIMENTS, MD_RESULT_RUNS,    MD_RESULT_RUN,
        MD_RESULT_MODELS,    MD_RESULT_VERSIONS,    MD_RESULT_VERSION, MD_RESULT_PROBE,
        MD_RESULT_ENDPOINTS, MD_RESULT_ENDPOINT,    MD_RESULT_LOGS,    MD_RESULT_MONITORS,
        MD_RESULT_ALARMS,    MD_RESULT_HEALTH,
    };
    const char *body = (const char *)data;
    for (size_t i = 0; i < MD_ARRAY_LEN(kinds); i++) {
        struct md_result r;
        memset(&r, 0, sizeof(r));
        struct md_err err = MD_ERR_INIT;
        md_status st = azureml_parse(kinds[i], body, size, &r, &err);
        if (r.next_token == NULL || r.kind != kinds[i] || r.status != st)
            __builtin_trap();
        if (st != MD_OK &&
            (r.runs.n || r.experiments.n || r.models.n || r.versions.n || r.endpoints.n ||
             r.server_version || r.text || r.monitors.n || r.alarms.n || r.health.n))
            __builtin_trap(); /* a failed parse holds no records */
        for (size_t k = 0; k < r.alarms.n; k++)
            if (!r.alarms.v[k].name || !r.alarms.v[k].target || !r.alarms.v[k].reason)
                __builtin_trap(); /* the views print these as they are */
        for (size_t k = 0; k < r.endpoints.n; k++) {
            for (size_t d = 0; d < r.endpoints.v[k].n_deployments; d++) {
                if (r.endpoints.v[k].deployments[d].name == NULL)
                    __builtin_trap();
            }
        }
        export_all(&r);
        md_result_release(&r);
    }
    struct md_err err = MD_ERR_INIT;
    azureml_map_error("fuzz", 400, body, size, "rid", &err);

    char *status = NULL;
    char *detail = NULL;
    azureml_operation_status(body, size, &status, &detail);
    if (status == NULL || detail == NULL)
        __builtin_trap();
    free(status);
    free(detail);
    free(azureml_workspace_mlflow_uri(body, size, "https://management.azure.com"));
    free(azureml_workspace_mlflow_uri(body, size, "http://127.0.0.1:1"));

    struct azureml_monitor_list mons;
    md_err_clear(&err);
    azureml_parse_monitors(body, size, &mons, &err);
    azureml_monitor_list_release(&mons);

    plan(body, size, deployments, strlen(deployments));
    plan(endpoint, strlen(endpoint), body, size);

    /* the same bytes as text: names, times, model references */
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *name = NULL;
    char *ver = NULL;
    azureml_model_ref(text, &name, &ver);
    free(name);
    free(ver);
    azureml_time_ms(text);
    azureml_job_status(text);
    free(azureml_traffic_string(endpoint, strlen(endpoint), text));
    free(text);
    return 0;
}

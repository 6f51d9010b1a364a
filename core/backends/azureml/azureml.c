/*
 * azureml.c - the Azure Machine Learning backend: Azure Resource Manager's
 * REST API of Microsoft.MachineLearningServices (reference/azureml.md).
 *
 * This file holds the instance (where to look, resolved once from the
 * config and the environment), the read operations and the ops table, at
 * the top of the backend (azureml_int.h names the files below it). Every
 * operation runs on the backends' request engine (backends/op.h) with the
 * platform of azureml_req.c.
 *
 * What maps to what:
 *  - online endpoints and their deployments -> md_endpoint / md_deployment
 *    (traffic percent as weight, share = weight / 100);
 *  - model containers and versions -> registered models and versions;
 *  - jobs -> runs, grouped by experiment name into experiments; metrics and
 *    metric history live in the workspace's MLflow server (its tracking URI
 *    is known after a probe, and the `linked` slot hands the deck an MLflow
 *    backend's configuration on it that borrows this instance's token);
 *  - deployment logs (POST .../getLogs, a read although it is a POST) and
 *    CreateMonitor schedules.
 * Every list is followed through all its pages except models and versions,
 * which page through next_token like MLflow's.
 */
#include "azureml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Log lines asked for when the caller names no tail. */
#define LOGS_DEFAULT_TAIL 200

/* ---- reads ----------------------------------------------------------------------------- */

static char *esc(const char *s)
{
    return md_http_escape(s != NULL ? s : "");
}

/* One GET whose reply is the result. */
static uint64_t get_one(struct az_op *op, char *url)
{
    op_call(&op->base, AZ_R_ONE, MD_HTTP_GET, url, NULL);
    return op_go(&op->base);
}

/* The workspace itself: proves the token, the names and the api-version, and finds MLflow. */
static uint64_t az_probe(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    struct az_op *op =
        azureml_op_new(az, MD_RESULT_PROBE, cb, ud, "cannot read the workspace of", be->name, NULL);
    return get_one(op, azureml_ws_url(az, ""));
}

/* Jobs, every page: ARM has no filter by experiment, so runs are filtered here. */
static uint64_t jobs(struct md_backend *be, enum md_result_kind kind, const char *experiment,
                     md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    bool runs = kind == MD_RESULT_RUNS;
    struct az_op *op = azureml_op_new(
        az, kind, cb, ud, runs ? "cannot list runs of experiment" : "cannot list experiments of",
        runs ? experiment : be->name, experiment);
    return azureml_list(op, AZ_R_JOB_PAGE, azureml_ws_url(az, "/jobs"));
}

static uint64_t az_list_experiments(struct md_backend *be, const char *page_token, size_t max,
                                    md_backend_cb cb, void *ud)
{
    (void)page_token;
    (void)max;
    return jobs(be, MD_RESULT_EXPERIMENTS, NULL, cb, ud);
}

static uint64_t az_list_runs(struct md_backend *be, const struct md_runs_query *q, md_backend_cb cb,
                             void *ud)
{
    const char *x = q != NULL && q->experiment_id != NULL ? q->experiment_id : "";
    return jobs(be, MD_RESULT_RUNS, x, cb, ud);
}

/*
 * An operation about the resource `name`; when it names none, already
 * failed (op->base.st) and due to report from md_http_run().
 */
static struct az_op *about(struct md_backend *be, enum md_result_kind kind, md_backend_cb cb,
                           void *ud, const char *what, const char *name, const char *why_none)
{
    struct az_op *op = azureml_op_new((struct azureml *)be, kind, cb, ud, what, name, name);
    if (name == NULL || !name[0])
        op_fail_later(&op->base, MD_ERR_INVALID, why_none);
    return op;
}

static uint64_t az_get_run(struct md_backend *be, const char *run_id, md_backend_cb cb, void *ud)
{
    struct az_op *op = about(be, MD_RESULT_RUN, cb, ud, "cannot get run", run_id, "no run id");
    if (op->base.st != MD_OK)
        return op->base.id;
    return get_one(op, azureml_ws_url_of(azureml_of(op), "/jobs/", run_id, ""));
}

/*
 * One page of models or versions: the first from `first` (taken over), the
 * next from the nextLink handed back as next_token, exactly as ARM sent it.
 */
static uint64_t page(struct az_op *op, const char *page_token, char *first)
{
    if (page_token == NULL || !page_token[0])
        return get_one(op, first);
    free(first);
    if (!azureml_on_origin(azureml_of(op), page_token))
        return op_fail_later(&op->base, MD_ERR_INVALID,
                             "the page token is not a nextLink "
                             "of this Resource Manager endpoint");
    return get_one(op, md_xstrdup(page_token));
}

static uint64_t az_list_models(struct md_backend *be, const char *page_token, size_t max,
                               md_backend_cb cb, void *ud)
{
    (void)max; /* ARM chooses the page size */
    struct azureml *az = (struct azureml *)be;
    struct az_op *op = azureml_op_new(az, MD_RESULT_MODELS, cb, ud,
                                      "cannot list registered models of", be->name, NULL);
    return page(op, page_token, azureml_ws_url(az, "/models"));
}

static uint64_t az_list_versions(struct md_backend *be, const char *model, const char *page_token,
                                 size_t max, md_backend_cb cb, void *ud)
{
    (void)max;
    struct az_op *op = about(be, MD_RESULT_VERSIONS, cb, ud, "cannot list versions of model", model,
                             "no model named");
    if (op->base.st != MD_OK)
        return op->base.id;
    return page(op, page_token, azureml_ws_url_of(azureml_of(op), "/models/", model, "/versions"));
}

/* Every endpoint, every page, with the deployments of each (the engine bounds how many at once). */
static uint64_t az_list_endpoints(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    struct az_op *op =
        azureml_op_new(az, MD_RESULT_ENDPOINTS, cb, ud, "cannot list endpoints of", be->name, NULL);
    return azureml_list(op, AZ_R_EP_PAGE, azureml_ws_url(az, "/onlineEndpoints"));
}

static uint64_t az_get_endpoint(struct md_backend *be, const char *name, md_backend_cb cb, void *ud)
{
    struct az_op *op =
        about(be, MD_RESULT_ENDPOINT, cb, ud, "cannot get endpoint", name, "no endpoint named");
    if (op->base.st != MD_OK)
        return op->base.id;
    return azureml_list(op, AZ_R_EP_ONE,
                        azureml_ws_url_of(azureml_of(op), "/onlineEndpoints/", name, ""));
}

/* Names go into the path: an empty one, or one with a '/', can only name something else. */
static bool usable_name(const char *s)
{
    return s != NULL && s[0] && strchr(s, '/') == NULL;
}

static uint64_t az_get_logs(struct md_backend *be, const char *endpoint, const char *deployment,
                            enum md_log_container container, int tail, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who_d = op_subject(deployment);
    char *who_e = op_subject(endpoint);
    char *what = md_xasprintf("cannot get the %s logs of deployment '%s' of endpoint '%s'",
                              md_log_container_str(container), who_d, who_e);
    struct az_op *op = azureml_op_new(az, MD_RESULT_LOGS, cb, ud, what, NULL, NULL);
    free(what);
    free(who_d);
    free(who_e);
    if (!usable_name(endpoint) || !usable_name(deployment))
        return op_fail_later(&op->base, MD_ERR_INVALID, "no endpoint or deployment named");
    if (tail <= 0)
        tail = LOGS_DEFAULT_TAIL;
    if (tail > AZUREML_LOGS_MAX_LINES)
        tail = AZUREML_LOGS_MAX_LINES;
    char *ed = esc(deployment);
    char *rest = md_xasprintf("/deployments/%s/getLogs", ed);
    /* both values are ours (a fixed word, a number): no JSON escaping needed */
    char *body = md_xasprintf("{\"containerType\":\"%s\",\"tail\":%d}",
                              md_log_container_str(container), tail);
    op_call(&op->base, AZ_R_LOGS, MD_HTTP_POST,
            azureml_ws_url_of(az, "/onlineEndpoints/", endpoint, rest), body);
    free(rest);
    free(ed);
    return op_go(&op->base);
}

/*
 * Every schedule, every page; disabled ones too (listViewType=All: ARM's
 * default lists only enabled ones), so a monitor someone switched off shows
 * as off instead of vanishing.
 */
static uint64_t az_list_monitors(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    struct az_op *op = azureml_op_new(az, MD_RESULT_MONITORS, cb, ud,
                                      "cannot list the model monitors of", be->name, NULL);
    return azureml_list(op, AZ_R_SCHED_PAGE, azureml_ws_url(az, "/schedules?listViewType=All"));
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static const char *pick(const char *conf, const char *env)
{
    if (conf != NULL && conf[0])
        return conf;
    const char *v = getenv(env);
    return v != NULL && v[0] ? v : NULL;
}

/* api-versions are dates with an optional "-preview": nothing else goes into the query. */
static bool valid_api_version(const char *s)
{
    size_t n = strlen(s);
    if (n < 10 || n > 32)
        return false;
    for (; *s; s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || *s == '-'))
            return false;
    }
    return true;
}

/* scheme://host[:port] of an http(s) URL (new string), NULL when it has none. */
static char *origin_of(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL || p[3] == '\0' || p[3] == '/')
        return NULL;
    size_t hostlen = strcspn(p + 3, "/?#");
    return md_xasprintf("%.*s", (int)((size_t)(p + 3 - url) + hostlen), url);
}

/*
 * Tokens are minted for ARM's audience: the public cloud's unless the base
 * URL is a sovereign cloud's management host (https://management.*), so
 * loopback fakes and private endpoints still get a public-cloud token.
 */
static char *audience_for(const char *origin)
{
    if (strncasecmp(origin, "https://management.", 19) == 0)
        return md_xstrdup(origin);
    return md_xstrdup(MD_AZURE_ARM_AUDIENCE);
}

static md_status locate(struct azureml *az, const struct md_backend_conf *conf, const char *who,
                        struct md_err *err)
{
    const char *base = pick(conf->url, "MLDECK_ARM_ENDPOINT");
    const char *sub = pick(conf->subscription, "AZURE_SUBSCRIPTION_ID");
    const char *rg = pick(conf->resource_group, "AZURE_RESOURCE_GROUP");
    const char *ws = pick(conf->workspace, "AZUREML_WORKSPACE");
    const char *api = conf->api_version != NULL && conf->api_version[0]
                          ? conf->api_version
                          : AZUREML_DEFAULT_API_VERSION;
    if (base == NULL)
        base = AZUREML_DEFAULT_ARM;
    if (strncasecmp(base, "http://", 7) != 0 && strncasecmp(base, "https://", 8) != 0)
        return md_err_set(err, MD_ERR_CONFIG,
                          "cannot open Azure ML backend '%s': '%.80s' is not "
                          "an http(s) URL",
                          who, base);
    if (sub == NULL || rg == NULL || ws == NULL)
        return md_err_set(err, MD_ERR_CONFIG,
                          "cannot open Azure ML backend '%s': no %s (set "
                          "'%s' in the config or %s)",
                          who,
                          sub == NULL  ? "subscription"
                          : rg == NULL ? "resource group"
                                       : "workspace",
                          sub == NULL  ? "subscription"
                          : rg == NULL ? "resource_group"
                                       : "workspace",
                          sub == NULL  ? "AZURE_SUBSCRIPTION_ID"
                          : rg == NULL ? "AZURE_RESOURCE_GROUP"
                                       : "AZUREML_WORKSPACE");
    if (!valid_api_version(api))
        return md_err_set(err, MD_ERR_CONFIG,
                          "cannot open Azure ML backend '%s': '%.40s' is not "
                          "an api-version such as %s",
                          who, api, AZUREML_DEFAULT_API_VERSION);
    az->arm = md_xstrdup(base);
    size_t n = strlen(az->arm);
    while (n > 0 && az->arm[n - 1] == '/')
        az->arm[--n] = '\0';
    az->origin = origin_of(az->arm);
    if (az->origin == NULL || strchr(az->origin, '@') != NULL)
        return md_err_set(err, MD_ERR_CONFIG,
                          "cannot open Azure ML backend '%s': '%.80s' has "
                          "no usable host",
                          who, base);
    char *es = esc(sub);
    char *er = esc(rg);
    char *ew = esc(ws);
    az->ws = md_xasprintf("/subscriptions/%s/resourceGroups/%s/providers/"
                          "Microsoft.MachineLearningServices/workspaces/%s",
                          es, er, ew);
    az->api = esc(api);
    free(es);
    free(er);
    free(ew);
    return MD_OK;
}

static void az_free(struct md_backend *be)
{
    if (be == NULL)
        return;
    struct azureml *az = (struct azureml *)be;
    op_engine_release(&az->eng);
    md_azure_auth_free(az->auth);
    free(az->arm);
    free(az->origin);
    free(az->ws);
    free(az->api);
    free(az->ca_path);
    free(az->mlflow_uri);
    free(az->base.name);
    free(az);
}

/*
 * Resolve where to look once: the config first, then AZURE_SUBSCRIPTION_ID,
 * AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE and MLDECK_ARM_ENDPOINT. Secrets
 * are read by the token provider, here and nowhere else.
 */
static md_status az_create(struct md_backend **out, const struct md_backend_conf *conf,
                           md_http *http, struct md_err *err)
{
    *out = NULL;
    char *who = op_subject(conf->name);
    struct azureml *az = md_xcalloc(1, sizeof(*az));
    az->base.ops = &md_azureml_ops;
    az->base.name = md_xstrdup0(conf->name);
    az->base.http = http;
    az->ratelimit = -1;
    az->ratelimit_logged = -1;
    md_status st = locate(az, conf, who, err);
    bool has_ca = conf->ca_path != NULL && conf->ca_path[0];
    if (st == MD_OK && conf->insecure_tls && has_ca)
        st = md_err_set(err, MD_ERR_CONFIG,
                        "cannot open Azure ML backend '%s': insecure TLS and "
                        "a CA bundle exclude each other",
                        who);
    if (st == MD_OK) {
        az->ca_path = has_ca ? md_xstrdup(conf->ca_path) : NULL;
        az->insecure_tls = conf->insecure_tls;
        az->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 0;
        az->lro_timeout_ms = conf->lro_timeout_s > 0 ? conf->lro_timeout_s * 1000L : 600000L;
        char *aud = audience_for(az->origin);
        struct md_azure_auth_conf ac = {
            .authority = conf->authority,
            .tenant = conf->tenant,
            .client_id_env = conf->client_id_env,
            .client_secret_env = conf->client_secret_env,
            .audience = aud,
            .ca_path = az->ca_path,
            .insecure_tls = az->insecure_tls,
            .timeout_ms = az->timeout_ms,
        };
        struct md_err aerr = MD_ERR_INIT;
        st = md_azure_auth_new(&az->auth, &ac, http, &aerr);
        if (st == MD_OK) {
            md_azure_auth_cred(az->auth, &az->cred);
            op_engine_init(&az->eng, &az->base, &azureml_platform, &az->cred, AZUREML_MAX_INFLIGHT);
        }
        if (st != MD_OK)
            md_err_set(err, st, "cannot open Azure ML backend '%s': %s", who, aerr.msg);
        free(aud);
    }
    free(who);
    if (st != MD_OK) {
        az_free(&az->base);
        return st;
    }
    /* where it goes, for -v: no secret in any of these (locate() refuses user:password@) */
    md_log(MD_LOG_INFO, "azureml '%s': Resource Manager %s, workspace %s, api-version %s",
           az->base.name, az->arm, az->ws, az->api);
    *out = &az->base;
    return MD_OK;
}

/* ---- for the rest of core/ ------------------------------------------------------------------ */

static struct azureml *as_azureml(const struct md_backend *be)
{
    return be != NULL && be->ops == &md_azureml_ops ? (struct azureml *)(uintptr_t)be : NULL;
}

const char *azureml_mlflow_tracking_uri(const struct md_backend *be)
{
    struct azureml *az = as_azureml(be);
    return az != NULL ? az->mlflow_uri : NULL;
}

md_azure_auth *azureml_auth(struct md_backend *be)
{
    struct azureml *az = as_azureml(be);
    return az != NULL ? az->auth : NULL;
}

void azureml_last_operation(const struct md_backend *be, const char **async_url,
                            const char **request_id)
{
    struct azureml *az = as_azureml(be);
    *async_url = az != NULL ? az->last_async : "";
    *request_id = az != NULL ? az->last_rid : "";
}

long azureml_ratelimit_remaining(const struct md_backend *be)
{
    struct azureml *az = as_azureml(be);
    return az != NULL ? az->ratelimit : -1;
}

/*
 * The workspace's MLflow, once a probe named it: an MLflow backend
 * "<name>/mlflow" with this backend's TLS settings and time-out, sending
 * this backend's token (the deck opens it; read-only comes with md_http).
 */
static bool az_linked(struct md_backend *be, const char *cached, struct md_backend_conf *out)
{
    struct azureml *az = (struct azureml *)be;
    const char *url = az->mlflow_uri != NULL && az->mlflow_uri[0] ? az->mlflow_uri : cached;
    if (url == NULL || !url[0])
        return false;
    out->name = md_xasprintf("%s/mlflow", be->name);
    out->kind = MD_BACKEND_MLFLOW;
    out->url = md_xstrdup(url);
    out->ca_path = md_xstrdup0(az->ca_path);
    out->insecure_tls = az->insecure_tls;
    out->timeout_ms = az->timeout_ms;
    out->bearer = &az->cred;
    return true;
}

static int64_t az_waiting_since(const struct md_backend *be)
{
    struct azureml *az = as_azureml(be);
    return az != NULL ? op_engine_waiting_since(&az->eng) : 0;
}

const struct md_backend_ops md_azureml_ops = {
    .name = "azureml",
    .caps = MD_CAP_ENDPOINTS | MD_CAP_SET_WEIGHTS | MD_CAP_MODELS | MD_CAP_EXPERIMENTS |
            MD_CAP_RUNS | MD_CAP_LOGS | MD_CAP_MONITORS | MD_CAP_CHANGES | MD_CAP_ALARMS |
            MD_CAP_HEALTH,
    .create = az_create,
    .free = az_free,
    .probe = az_probe,
    .list_experiments = az_list_experiments,
    .list_runs = az_list_runs,
    .get_run = az_get_run,
    .list_models = az_list_models,
    .list_versions = az_list_versions,
    .list_endpoints = az_list_endpoints,
    .get_endpoint = az_get_endpoint,
    .get_logs = az_get_logs,
    .list_monitors = az_list_monitors,
    .list_changes = azureml_list_changes,
    .list_alarms = azureml_list_alarms,
    .get_health = azureml_get_health,
    .set_weights = azureml_set_weights,
    .linked = az_linked,
    .budget = azureml_ratelimit_remaining,
    .waiting_since = az_waiting_since,
    .parse = azureml_parse,
};

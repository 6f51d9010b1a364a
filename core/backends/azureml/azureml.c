/*
 * azureml.c - the Azure Machine Learning backend: Azure Resource Manager's
 * REST API of Microsoft.MachineLearningServices (reference/azureml.md).
 *
 * This file holds the instance (where to look, resolved once from the
 * config and the environment), the read operations and the ops table. The
 * request engine is azureml_req.c, the traffic change azureml_traffic.c,
 * reply mapping azureml_map.c and the pure planning azureml_plan.c.
 *
 * What maps to what:
 *  - online endpoints and their deployments -> md_endpoint / md_deployment
 *    (traffic percent as weight, share = weight / 100);
 *  - model containers and versions -> registered models and versions;
 *  - jobs -> runs, grouped by experiment name into experiments; metrics and
 *    metric history live in the workspace's MLflow server (its tracking URI
 *    is known after a probe, and the `linked` slot hands the deck an MLflow
 *    backend's configuration on it that borrows this instance's token);
 *  - deployment logs and CreateMonitor schedules (azureml_watch.c).
 * Every list is followed through all its pages except models and versions,
 * which page through next_token like MLflow's.
 */
#include "azureml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- reads ----------------------------------------------------------------------------- */

static struct az_op *op_for(struct md_backend *be, enum az_op_type type, enum md_result_kind kind,
                            md_backend_cb cb, void *ud, char *what)
{
    return azureml_op_new((struct azureml *)be, type, kind, cb, ud, what);
}

static char *esc(const char *s)
{
    return md_http_escape(s != NULL ? s : "");
}

/* The workspace itself: proves the token, the names and the api-version, and finds MLflow. */
static uint64_t az_probe(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who = azureml_subject(be->name);
    struct az_op *op = op_for(be, AZ_OP_ONE, MD_RESULT_PROBE, cb, ud,
                              md_xasprintf("cannot read the workspace of '%s'", who));
    free(who);
    return azureml_send(op, AZ_P_ONE, MD_HTTP_GET, azureml_ws_url(az, ""), NULL, 0, 0);
}

/* Jobs, every page: ARM has no filter by experiment, so runs are filtered here. */
static uint64_t jobs(struct md_backend *be, enum md_result_kind kind, const char *experiment,
                     md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who = azureml_subject(kind == MD_RESULT_RUNS ? experiment : be->name);
    char *what = kind == MD_RESULT_RUNS ? md_xasprintf("cannot list runs of experiment '%s'", who)
                                        : md_xasprintf("cannot list experiments of '%s'", who);
    free(who);
    struct az_op *op = op_for(be, AZ_OP_JOBS, kind, cb, ud, what);
    op->arg = md_xstrdup0(experiment);
    return azureml_send(op, AZ_P_JOB_PAGE, MD_HTTP_GET, azureml_ws_url(az, "/jobs"), NULL, 0, 0);
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

static uint64_t az_get_run(struct md_backend *be, const char *run_id, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who = azureml_subject(run_id);
    struct az_op *op =
        op_for(be, AZ_OP_ONE, MD_RESULT_RUN, cb, ud, md_xasprintf("cannot get run '%s'", who));
    free(who);
    if (run_id == NULL || !run_id[0])
        return azureml_op_fail_later(op, MD_ERR_INVALID, "no run id");
    char *e = esc(run_id);
    char *path = md_xasprintf("/jobs/%s", e);
    uint64_t id = azureml_send(op, AZ_P_ONE, MD_HTTP_GET, azureml_ws_url(az, path), NULL, 0, 0);
    free(path);
    free(e);
    return id;
}

/*
 * One page of models or versions: the first from W, the next from the
 * nextLink handed back as next_token, exactly as ARM sent it.
 */
static uint64_t page(struct az_op *op, const char *page_token, const char *path)
{
    struct azureml *az = op->az;
    if (page_token != NULL && page_token[0]) {
        if (!azureml_on_origin(az, page_token))
            return azureml_op_fail_later(op, MD_ERR_INVALID,
                                         "the page token is not a nextLink "
                                         "of this Resource Manager endpoint");
        return azureml_send(op, AZ_P_ONE, MD_HTTP_GET, md_xstrdup(page_token), NULL, 0, 0);
    }
    return azureml_send(op, AZ_P_ONE, MD_HTTP_GET, azureml_ws_url(az, path), NULL, 0, 0);
}

static uint64_t az_list_models(struct md_backend *be, const char *page_token, size_t max,
                               md_backend_cb cb, void *ud)
{
    (void)max; /* ARM chooses the page size */
    char *who = azureml_subject(be->name);
    struct az_op *op = op_for(be, AZ_OP_ONE, MD_RESULT_MODELS, cb, ud,
                              md_xasprintf("cannot list registered models of '%s'", who));
    free(who);
    return page(op, page_token, "/models");
}

static uint64_t az_list_versions(struct md_backend *be, const char *model, const char *page_token,
                                 size_t max, md_backend_cb cb, void *ud)
{
    (void)max;
    char *who = azureml_subject(model);
    struct az_op *op = op_for(be, AZ_OP_ONE, MD_RESULT_VERSIONS, cb, ud,
                              md_xasprintf("cannot list versions of model '%s'", who));
    free(who);
    op->arg = md_xstrdup0(model);
    if (model == NULL || !model[0])
        return azureml_op_fail_later(op, MD_ERR_INVALID, "no model named");
    char *e = esc(model);
    char *path = md_xasprintf("/models/%s/versions", e);
    uint64_t id = page(op, page_token, path);
    free(path);
    free(e);
    return id;
}

/* Every endpoint, every page, with the deployments of each (a few lists at a time). */
static uint64_t az_list_endpoints(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who = azureml_subject(be->name);
    struct az_op *op = op_for(be, AZ_OP_ENDPOINTS, MD_RESULT_ENDPOINTS, cb, ud,
                              md_xasprintf("cannot list endpoints of '%s'", who));
    free(who);
    return azureml_send(op, AZ_P_EP_PAGE, MD_HTTP_GET, azureml_ws_url(az, "/onlineEndpoints"), NULL,
                        0, 0);
}

static uint64_t az_get_endpoint(struct md_backend *be, const char *name, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who = azureml_subject(name);
    struct az_op *op = op_for(be, AZ_OP_ENDPOINT, MD_RESULT_ENDPOINT, cb, ud,
                              md_xasprintf("cannot get endpoint '%s'", who));
    free(who);
    op->arg = md_xstrdup0(name);
    if (name == NULL || !name[0])
        return azureml_op_fail_later(op, MD_ERR_INVALID, "no endpoint named");
    char *e = esc(name);
    char *path = md_xasprintf("/onlineEndpoints/%s", e);
    uint64_t id = azureml_send(op, AZ_P_EP_ONE, MD_HTTP_GET, azureml_ws_url(az, path), NULL, 0, 0);
    free(path);
    free(e);
    return id;
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
    azureml_drop_requests(az);
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
    char *who = azureml_subject(conf->name);
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
        if (st == MD_OK)
            md_azure_auth_cred(az->auth, &az->cred);
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

const struct md_backend_ops md_azureml_ops = {
    .name = "azureml",
    .caps = MD_CAP_ENDPOINTS | MD_CAP_SET_WEIGHTS | MD_CAP_MODELS | MD_CAP_EXPERIMENTS |
            MD_CAP_RUNS | MD_CAP_LOGS | MD_CAP_MONITORS,
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
    .get_logs = azureml_get_logs,
    .list_monitors = azureml_list_monitors,
    .set_weights = azureml_set_weights,
    .linked = az_linked,
    .budget = azureml_ratelimit_remaining,
    .parse = azureml_parse,
};

/*
 * mlflow.c - the MLflow tracking server backend: builds REST requests
 * (/api/2.0/mlflow/...), submits them on the shared md_http, and turns each
 * reply into one struct md_result through mlflow_parse() (mlflow_map.c).
 *
 * Requests go out on the backends' one engine (backends/op.h), which owns
 * what is in flight, so freeing the backend frees the requests whose
 * transfers were dropped. Free the md_http (or let every request finish)
 * before the backend. Secrets are
 * copied into the instance at creation, handed to md_http per request, never
 * logged, and wiped when the instance is freed.
 *
 * An Azure ML workspace's tracking server takes the workspace's Azure token
 * instead (conf->bearer, lent by the Azure backend): it is asked of the source for every
 * request and never kept here; requests wait for a fetch when there is no
 * fresh one, and a 401 makes the provider forget the token that was refused
 * and sends the request once more with a new one.
 */
#include "mldeck/redact.h"
#include "mlflow_int.h"

#include "mldeck/cred.h"

#include "backends/op.h"
#include "backends/op_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"

#define API "/api/2.0/mlflow/"

/* Page sizes: defaults and server caps (reference/mlflow.md §3.7). */
#define EXPERIMENTS_DEFAULT 100
#define EXPERIMENTS_MAX 50000
#define RUNS_DEFAULT 200
#define RUNS_MAX 50000
#define MODELS_DEFAULT 100
#define MODELS_MAX 1000
#define VERSIONS_DEFAULT 200
#define VERSIONS_MAX MLFLOW_MAX_PAGE_ITEMS
#define HISTORY_DEFAULT 2500
#define HISTORY_MAX 2500

/* A page of more runs than this gets at least a minute to arrive. */
#define RUNS_BIG_PAGE 1000
#define BIG_PAGE_TIMEOUT_MS 60000L

#define KIB OP_KIB
#define MIB OP_MIB

/* The operations, as the reply caps and their messages know them. */
enum ml_opk {
    OPK_PROBE,
    OPK_EXPERIMENTS,
    OPK_RUNS,
    OPK_RUN,
    OPK_HISTORY,
    OPK_MODELS,
    OPK_VERSIONS,
    OPK_ALIAS,
    OPK_WRITE,
};

/*
 * What a reply can weigh, per operation (op_check.h): a runs page is at most
 * its runs (a run of 100 params and 50 metrics is ~10 KiB).
 */
static const struct op_cap reply_caps[] = {
    [OPK_PROBE] = {"version", 64 * KIB, 0},
    [OPK_EXPERIMENTS] = {"experiments/search", 1 * MIB, 16 * KIB},
    [OPK_RUNS] = {"runs/search", 1 * MIB, 32 * KIB},
    [OPK_RUN] = {"runs/get", 8 * MIB, 0},
    [OPK_HISTORY] = {"metrics/get-history-bulk-interval", 256 * KIB, 256},
    [OPK_MODELS] = {"registered-models/search", 1 * MIB, 32 * KIB},
    [OPK_VERSIONS] = {"model-versions/search", 1 * MIB, 16 * KIB},
    [OPK_ALIAS] = {"registered-models/alias", 1 * MIB, 0},
    [OPK_WRITE] = {"alias write", 1 * MIB, 0},
};

struct mlflow {
    struct md_backend base; /* first: the instance is handed out as a struct md_backend */
    struct op_engine eng;
    char *url; /* base URL, no trailing '/' */
    enum md_http_auth auth;
    char *token;
    char *user;
    char *password;
    char *ca_path; /* NULL for the system bundle */
    bool insecure_tls;
    long timeout_ms;
    const struct md_cred_source *bearer; /* lent bearer source (an Azure ML workspace), or NULL */
};

enum req_flags {
    REQ_ALIAS_LOOKUP = 1 << 0,  /* 400 "alias ... not found" means not found */
    REQ_PROMPT_FILTER = 1 << 1, /* models search carrying the prompt filter */
    REQ_EXACT_MODEL = 1 << 2,   /* versions search by pattern: keep only `model` */
};

/* An operation of this backend: one request, sent again without the prompt filter if refused. */
struct ml_op {
    struct op base;
    unsigned flags;
    char *arg1; /* history: run id; versions: model; models: page token */
    char *arg2; /* history: metric key */
    size_t max; /* models: page size, for the retry without filter */
    enum ml_opk opk;
    size_t page; /* records asked for; 0 for a single record */
};

static char *subject(const char *s)
{
    return op_subject(s);
}

static void ml_op_release(struct op *o)
{
    struct ml_op *rq = (struct ml_op *)o;
    free(rq->arg1);
    free(rq->arg2);
}

static void fixup(struct op *o, struct md_result *res);
static void on_reply(struct op *o, struct op_call *c, md_status st, const struct md_err *err,
                     const struct md_http_resp *resp);

/* An operation; `what` (taken over) is the first half of every message it can produce. */
static struct ml_op *req_new(struct mlflow *ml, enum md_result_kind kind, md_backend_cb cb,
                             void *ud, char *what)
{
    struct ml_op *rq = (struct ml_op *)op_new(&ml->eng, sizeof(struct ml_op), kind, cb, ud, what);
    rq->base.release = ml_op_release;
    rq->base.fixup = fixup;
    rq->base.on_reply = on_reply;
    return rq;
}

/* Send `method` on base URL + `path` (which includes the query) with an optional JSON body. */
static uint64_t req_submit(struct ml_op *rq, enum md_http_method method, const char *path,
                           const char *body, long timeout_ms, const char *tag)
{
    struct mlflow *ml = (struct mlflow *)rq->base.eng->be;
    struct op_call *c = op_call(&rq->base, (int)rq->flags, method,
                                md_xasprintf("%s%s", ml->url, path), md_xstrdup0(body));
    if (body == NULL) {
        free(c->body);
        c->body = NULL;
    }
    op_call_cap(c, &reply_caps[rq->opk], rq->page);
    c->timeout_ms = timeout_ms;
    c->tag = tag;
    return op_go(&rq->base);
}

/* Headers, credentials and TLS of every request: the bearer source's token when there is one. */
static void prepare(struct op_engine *e, struct op_call *c, struct md_http_req *req)
{
    (void)c;
    static const char *const headers[] = {"Accept: application/json", NULL};
    struct mlflow *ml = (struct mlflow *)e->be;
    req->headers = headers;
    req->auth = ml->bearer != NULL ? MD_HTTP_AUTH_BEARER : ml->auth;
    req->token = ml->bearer != NULL ? ml->bearer->token(ml->bearer->impl) : ml->token;
    req->user = ml->user;
    req->password = ml->password;
    req->ca_path = ml->ca_path;
    req->insecure_tls = ml->insecure_tls;
    if (req->timeout_ms <= 0)
        req->timeout_ms = ml->timeout_ms;
}

static md_status map_error(struct op_call *c, const char *what, const struct md_http_resp *resp,
                           struct md_err *err)
{
    return mlflow_map_error(what, resp->code, resp->body, resp->body_len,
                            (c->role & REQ_ALIAS_LOOKUP) != 0, err);
}

static const struct op_platform platform = {
    .prepare = prepare,
    .map_error = map_error,
    .stale_credential = "the new Azure token had already expired (check the clock)",
};

/* md_http_escape() that treats NULL as "" and never returns NULL. */
static char *esc(const char *s)
{
    char *e = md_http_escape(s != NULL ? s : "");
    if (e == NULL)
        md_die_oom();
    return e;
}

/* Page size: `want`, or `def` when 0, clamped to 1..max. */
static size_t page_size(size_t want, size_t def, size_t max)
{
    if (want == 0)
        return def;
    return want > max ? max : want;
}

/* cJSON_PrintUnformatted() of a request body, owned by the caller (cJSON_free()). */
static char *print_body(cJSON *obj)
{
    char *s = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (s == NULL)
        md_die_oom();
    return s;
}

/* cJSON object constructors abort on OOM like the x-allocators. */
static cJSON *obj_new(void)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        md_die_oom();
    return o;
}

static void obj_str(cJSON *o, const char *key, const char *value)
{
    if (cJSON_AddStringToObject(o, key, value != NULL ? value : "") == NULL)
        md_die_oom();
}

/* ---- the reply path ------------------------------------------------------------------- */

static uint64_t models_submit(struct ml_op *rq);

/* Azure ML and older servers refuse "!=" on tags: search again unfiltered. */
static void on_reply(struct op *o, struct op_call *c, md_status st, const struct md_err *err,
                     const struct md_http_resp *resp)
{
    struct ml_op *rq = (struct ml_op *)o;
    if (st != MD_OK && resp->status == MD_OK && resp->code == 400 &&
        (c->role & REQ_PROMPT_FILTER)) {
        md_log(MD_LOG_INFO,
               "mlflow '%s': models search refused the prompt filter; "
               "filtering locally",
               o->eng->be->name);
        rq->flags &= ~(unsigned)REQ_PROMPT_FILTER;
        models_submit(rq);
        return;
    }
    if (!op_failed_by(o, st, err))
        op_keep_body(o, resp);
}

/* What the reply alone does not say: the series asked for, the exact model asked for. */
static void fixup(struct op *o, struct md_result *res)
{
    struct ml_op *rq = (struct ml_op *)o;
    if (o->kind == MD_RESULT_HISTORY && res->history.run_id[0] == '\0') {
        /* no points: still say which series this is */
        free(res->history.run_id);
        free(res->history.key);
        res->history.run_id = md_xstrdup_clean(rq->arg1);
        res->history.key = md_xstrdup_clean(rq->arg2);
    }
    if ((rq->flags & REQ_EXACT_MODEL) && rq->arg1 != NULL) {
        /* a LIKE pattern matched a superset: keep the model asked for */
        struct md_version_list *l = &res->versions;
        size_t k = 0;
        for (size_t i = 0; i < l->n; i++) {
            if (strcmp(l->v[i].model, rq->arg1) == 0)
                l->v[k++] = l->v[i];
            else
                md_model_version_release(&l->v[i]);
        }
        l->n = k;
    }
}

/* ---- operations ----------------------------------------------------------------------- */

/* GET /version: cheap, outside /api, and exempt from the server's host check. */
static uint64_t mlflow_probe(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq =
        req_new(ml, MD_RESULT_PROBE, cb, ud, op_what("cannot reach MLflow server '%s'", be->name));
    rq->opk = OPK_PROBE;
    return req_submit(rq, MD_HTTP_GET, "/version", NULL, 0, "mlflow version");
}

static uint64_t mlflow_list_experiments(struct md_backend *be, const char *page_token, size_t max,
                                        md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq = req_new(ml, MD_RESULT_EXPERIMENTS, cb, ud,
                               op_what("cannot list experiments of '%s'", be->name));
    /* max_results is mandatory here: the server answers 400 without it */
    size_t n = page_size(max, EXPERIMENTS_DEFAULT, EXPERIMENTS_MAX);
    rq->opk = OPK_EXPERIMENTS;
    rq->page = n;
    rq->base.page_max = n;
    char *tok = page_token != NULL && page_token[0] ? esc(page_token) : NULL;
    char *path = md_xasprintf(API "experiments/search?max_results=%zu"
                                  "&order_by=last_update_time%%20DESC%s%s",
                              n, tok ? "&page_token=" : "", tok ? tok : "");
    uint64_t id = req_submit(rq, MD_HTTP_GET, path, NULL, 0, "mlflow experiments/search");
    free(path);
    free(tok);
    return id;
}

/*
 * runs/search is a POST with a JSON body (the read-only guard knows it as a
 * read). Deleted runs are left out; the filter and order are passed through
 * in MLflow's own syntax.
 */
static uint64_t mlflow_list_runs(struct md_backend *be, const struct md_runs_query *q,
                                 md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    const char *exp = q != NULL && q->experiment_id != NULL ? q->experiment_id : "";
    struct ml_op *rq =
        req_new(ml, MD_RESULT_RUNS, cb, ud, op_what("cannot list runs of experiment '%s'", exp));
    size_t n = page_size(q != NULL ? q->max_results : 0, RUNS_DEFAULT, RUNS_MAX);
    rq->opk = OPK_RUNS;
    rq->page = n;
    rq->base.page_max = n;
    cJSON *o = obj_new();
    cJSON *ids = cJSON_AddArrayToObject(o, "experiment_ids");
    if (ids == NULL || !cJSON_AddItemToArray(ids, cJSON_CreateString(exp)) ||
        cJSON_AddNumberToObject(o, "max_results", (double)n) == NULL)
        md_die_oom();
    if (q != NULL && q->order_by != NULL && q->order_by[0] != '\0') {
        cJSON *ob = cJSON_AddArrayToObject(o, "order_by");
        if (ob == NULL || !cJSON_AddItemToArray(ob, cJSON_CreateString(q->order_by)))
            md_die_oom();
    }
    if (q != NULL && q->filter != NULL && q->filter[0] != '\0')
        obj_str(o, "filter", q->filter);
    if (q != NULL && q->page_token != NULL && q->page_token[0] != '\0')
        obj_str(o, "page_token", q->page_token);
    obj_str(o, "run_view_type", "ACTIVE_ONLY");
    char *body = print_body(o);

    long timeout = 0;
    if (n > RUNS_BIG_PAGE && ml->timeout_ms < BIG_PAGE_TIMEOUT_MS)
        timeout = BIG_PAGE_TIMEOUT_MS;
    uint64_t id =
        req_submit(rq, MD_HTTP_POST, API "runs/search", body, timeout, "mlflow runs/search");
    cJSON_free(body);
    return id;
}

/* runs/get: one run whole (latest metrics, params, tags, inputs). */
static uint64_t mlflow_get_run(struct md_backend *be, const char *run_id, md_backend_cb cb,
                               void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq = req_new(ml, MD_RESULT_RUN, cb, ud, op_what("cannot get run '%s'", run_id));
    rq->opk = OPK_RUN;
    char *e = esc(run_id);
    char *path = md_xasprintf(API "runs/get?run_id=%s", e);
    uint64_t id = req_submit(rq, MD_HTTP_GET, path, NULL, 0, "mlflow runs/get");
    free(path);
    free(e);
    return id;
}

static uint64_t mlflow_get_metric_history(struct md_backend *be, const char *run_id,
                                          const char *key, size_t max_points, md_backend_cb cb,
                                          void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq =
        req_new(ml, MD_RESULT_HISTORY, cb, ud,
                op_what("cannot get history of metric '%s' of run '%s'", key, run_id));
    rq->arg1 = md_xstrdup0(run_id);
    rq->arg2 = md_xstrdup0(key);
    /* the bulk-interval route downsamples on the server: cheap sparklines */
    size_t n = page_size(max_points, HISTORY_DEFAULT, HISTORY_MAX);
    rq->opk = OPK_HISTORY;
    rq->page = n;
    char *er = esc(run_id);
    char *ek = esc(key);
    char *path = md_xasprintf(API "metrics/get-history-bulk-interval?run_ids=%s&metric_key=%s"
                                  "&max_results=%zu",
                              er, ek, n);
    uint64_t id =
        req_submit(rq, MD_HTTP_GET, path, NULL, 0, "mlflow metrics/get-history-bulk-interval");
    free(path);
    free(er);
    free(ek);
    return id;
}

/* (Re)submit a models search from the context: page token in arg1, size in max. */
static uint64_t models_submit(struct ml_op *rq)
{
    char *tok = rq->arg1 != NULL && rq->arg1[0] ? esc(rq->arg1) : NULL;
    char *filter = NULL;
    if (rq->flags & REQ_PROMPT_FILTER)
        filter = esc("tags.`" MLFLOW_PROMPT_TAG "` != 'true'");
    char *path = md_xasprintf(API "registered-models/search?max_results=%zu%s%s%s%s", rq->max,
                              filter ? "&filter=" : "", filter ? filter : "",
                              tok ? "&page_token=" : "", tok ? tok : "");
    uint64_t id = req_submit(rq, MD_HTTP_GET, path, NULL, 0, "mlflow registered-models/search");
    free(path);
    free(filter);
    free(tok);
    return id;
}

/* Prompts are filtered out by the server, as the Python client does, and again locally. */
static uint64_t mlflow_list_models(struct md_backend *be, const char *page_token, size_t max,
                                   md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq = req_new(ml, MD_RESULT_MODELS, cb, ud,
                               op_what("cannot list registered models of '%s'", be->name));
    rq->flags = REQ_PROMPT_FILTER;
    rq->arg1 = md_xstrdup0(page_token);
    rq->max = page_size(max, MODELS_DEFAULT, MODELS_MAX);
    rq->opk = OPK_MODELS;
    rq->page = rq->max;
    rq->base.page_max = rq->max;
    return models_submit(rq);
}

/*
 * model-versions/search by name. Its replies carry no aliases: views take
 * them from the registered model.
 */
static uint64_t mlflow_list_versions(struct md_backend *be, const char *model,
                                     const char *page_token, size_t max, md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq = req_new(ml, MD_RESULT_VERSIONS, cb, ud,
                               op_what("cannot list versions of model '%s'", model));
    bool exact = false;
    char *filter = mlflow_versions_filter(model, &exact);
    if (exact) {
        rq->flags |= REQ_EXACT_MODEL;
        rq->arg1 = md_xstrdup_clean(model);
    }
    char *ef = esc(filter);
    char *tok = page_token != NULL && page_token[0] ? esc(page_token) : NULL;
    size_t n = page_size(max, VERSIONS_DEFAULT, VERSIONS_MAX);
    rq->opk = OPK_VERSIONS;
    rq->page = n;
    rq->base.page_max = n;
    char *path = md_xasprintf(API "model-versions/search?filter=%s&max_results=%zu%s%s", ef, n,
                              tok ? "&page_token=" : "", tok ? tok : "");
    uint64_t id = req_submit(rq, MD_HTTP_GET, path, NULL, 0, "mlflow model-versions/search");
    free(path);
    free(tok);
    free(ef);
    free(filter);
    return id;
}

/* The alias lookup also verifies a rollback: an unknown alias is MD_ERR_NOT_FOUND. */
static uint64_t mlflow_get_alias(struct md_backend *be, const char *model, const char *alias,
                                 md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq = req_new(ml, MD_RESULT_VERSION, cb, ud,
                               op_what("cannot get alias '%s' of model '%s'", alias, model));
    rq->flags = REQ_ALIAS_LOOKUP;
    rq->opk = OPK_ALIAS;
    char *em = esc(model);
    char *ea = esc(alias);
    char *path = md_xasprintf(API "registered-models/alias?name=%s&alias=%s", em, ea);
    uint64_t id = req_submit(rq, MD_HTTP_GET, path, NULL, 0, "mlflow registered-models/alias");
    free(path);
    free(em);
    free(ea);
    return id;
}

/*
 * Moving an alias is MLflow's rollback primitive. Only core/action/action.c calls
 * this; the HTTP layer refuses it in read-only mode whatever the caller.
 */
static uint64_t mlflow_set_alias(struct md_backend *be, const char *model, const char *alias,
                                 const char *version, md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq = req_new(
        ml, MD_RESULT_NONE, cb, ud,
        op_what("cannot set alias '%s' of model '%s' to version '%s'", alias, model, version));
    cJSON *o = obj_new();
    obj_str(o, "name", model);
    obj_str(o, "alias", alias);
    obj_str(o, "version", version);
    char *body = print_body(o);
    rq->opk = OPK_WRITE;
    uint64_t id =
        req_submit(rq, MD_HTTP_POST, API "registered-models/alias", body, 0, "mlflow set alias");
    cJSON_free(body);
    return id;
}

static uint64_t mlflow_delete_alias(struct md_backend *be, const char *model, const char *alias,
                                    md_backend_cb cb, void *ud)
{
    struct mlflow *ml = (struct mlflow *)be;
    struct ml_op *rq = req_new(ml, MD_RESULT_NONE, cb, ud,
                               op_what("cannot delete alias '%s' of model '%s'", alias, model));
    /* DELETE parameters travel in a JSON body: the server ignores the query */
    cJSON *o = obj_new();
    obj_str(o, "name", model);
    obj_str(o, "alias", alias);
    char *body = print_body(o);
    rq->opk = OPK_WRITE;
    uint64_t id = req_submit(rq, MD_HTTP_DELETE, API "registered-models/alias", body, 0,
                             "mlflow delete alias");
    cJSON_free(body);
    return id;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

/* The value of a secret variable named in the configuration; NULL when unset or unnamed. */
static const char *secret(const char *var)
{
    if (var == NULL || var[0] == '\0')
        return NULL;
    return md_config_secret(var);
}

/*
 * The tracking URI as an HTTP base URL: azureml:// is the workspace's https
 * endpoint; anything else that is not http(s) cannot be served over REST.
 */
static md_status base_url(const char *name, const char *uri, char **out, struct md_err *err)
{
    *out = NULL;
    if (uri == NULL || uri[0] == '\0')
        return md_err_set(err, MD_ERR_CONFIG, "cannot open MLflow backend '%s': no tracking URL",
                          name);
    char *url;
    if (strncasecmp(uri, "azureml://", 10) == 0)
        url = md_xasprintf("https://%s", uri + 10);
    else if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0)
        url = md_xstrdup(uri);
    else
        return md_err_set(err, MD_ERR_CONFIG,
                          "cannot open MLflow backend '%s': '%.100s' is not an http(s) URL", name,
                          uri);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        url[--n] = '\0';
    *out = url;
    return MD_OK;
}

/*
 * Validate what can be validated without the network (URL scheme, TLS
 * options), then resolve the secrets once: the environment is read here and
 * nowhere else, and the values never reach a message or the log.
 */
static md_status mlflow_create(struct md_backend **out, const struct md_backend_conf *conf,
                               md_http *http, struct md_err *err)
{
    *out = NULL;
    char *name = subject(conf->name);
    char *url = NULL;
    md_status st = base_url(name, conf->url, &url, err);
    if (st == MD_OK && conf->insecure_tls && conf->ca_path != NULL && conf->ca_path[0] != '\0')
        st = md_err_set(err, MD_ERR_CONFIG,
                        "cannot open MLflow backend '%s': insecure TLS and a CA bundle exclude "
                        "each other",
                        name);
    free(name);
    if (st != MD_OK) {
        free(url);
        return st;
    }

    struct mlflow *ml = md_xcalloc(1, sizeof(*ml));
    ml->base.ops = &md_mlflow_ops;
    ml->base.name = md_xstrdup0(conf->name);
    ml->base.http = http;
    ml->url = url;
    /* basic auth wins when both halves are set, as in the Python client */
    const char *user = secret(conf->username_env);
    const char *password = secret(conf->password_env);
    const char *token = secret(conf->token_env);
    md_secret_register(password);
    md_secret_register(token);
    if (user != NULL && user[0] != '\0' && password != NULL) {
        ml->auth = MD_HTTP_AUTH_BASIC;
        ml->user = md_xstrdup(user);
        ml->password = md_xstrdup(password);
    } else if (token != NULL && token[0] != '\0') {
        ml->auth = MD_HTTP_AUTH_BEARER;
        ml->token = md_xstrdup(token);
    }
    ml->ca_path =
        conf->ca_path != NULL && conf->ca_path[0] != '\0' ? md_xstrdup(conf->ca_path) : NULL;
    ml->insecure_tls = conf->insecure_tls;
    ml->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 0;
    ml->bearer = conf->bearer != NULL && conf->bearer->token != NULL ? conf->bearer : NULL;
    op_engine_init(&ml->eng, &ml->base, &platform, ml->bearer, 0);
    *out = &ml->base;
    return MD_OK;
}

/* Free a secret after overwriting it, so it does not linger in freed memory. */
static void free_secret(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* Secrets are wiped before their memory is returned. */
static void mlflow_free(struct md_backend *be)
{
    if (be == NULL)
        return;
    struct mlflow *ml = (struct mlflow *)be;
    /*
     * Contexts still pending belong to transfers the owner has dropped: the
     * deck frees the md_http first (which cancels without calling back), then
     * the backends, so the engine may be gone here and is not touched.
     */
    op_engine_release(&ml->eng);
    free_secret(ml->token);
    free_secret(ml->user);
    free_secret(ml->password);
    free(ml->ca_path);
    free(ml->url);
    free(ml->base.name);
    free(ml);
}

static int64_t mlflow_waiting_since(const struct md_backend *be)
{
    return op_engine_waiting_since(&((const struct mlflow *)be)->eng);
}

const struct md_backend_ops md_mlflow_ops = {
    .name = "mlflow",
    .caps = MD_CAP_EXPERIMENTS | MD_CAP_RUNS | MD_CAP_METRIC_HISTORY | MD_CAP_MODELS |
            MD_CAP_ALIASES | MD_CAP_SET_ALIAS,
    .create = mlflow_create,
    .free = mlflow_free,
    .probe = mlflow_probe,
    .list_experiments = mlflow_list_experiments,
    .list_runs = mlflow_list_runs,
    .get_run = mlflow_get_run,
    .get_metric_history = mlflow_get_metric_history,
    .list_models = mlflow_list_models,
    .list_versions = mlflow_list_versions,
    .waiting_since = mlflow_waiting_since,
    .get_alias = mlflow_get_alias,
    .set_alias = mlflow_set_alias,
    .delete_alias = mlflow_delete_alias,
    .parse = mlflow_parse,
};

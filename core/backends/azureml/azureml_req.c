/*
 * azureml_req.c - the Azure ML backend's request engine: operations that
 * take many requests, the shared token, pages, and the one report.
 *
 * An operation (struct az_op) may take many requests: the pages of a list
 * (nextLink followed exactly as sent, and only on the Resource Manager
 * host, since the bearer token goes with it), the deployments of every
 * endpoint (at most DEP_CONCURRENCY at once), the steps of a traffic
 * change. Each request (struct az_req) holds a reference on its operation;
 * the callback runs exactly once, when the last reference goes. Requests
 * without a fresh token wait for the shared token fetch (azure_auth.c); a
 * 401 invalidates the token and retries the request once. Reads throttled
 * with 429 are retried by md_http after Retry-After; the PUT is retried
 * here, since a PUT of the same body is idempotent.
 */
#include "azureml_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"

#define DEP_CONCURRENCY 4
#define PUT_TRIES 3
#define PUT_RETRY_DEFAULT_MS 5000
#define PUT_RETRY_MAX_MS 60000
/* Below this many requests left in an ARM budget, say so in the log. */
#define RATELIMIT_LOW 100

struct az_req {
    struct az_req *prev;
    struct az_req *next;
    struct az_op *op;
    uint64_t id;
    bool waiting;
    bool auth_retried;
    uint64_t serial; /* the token it was sent with, as md_azure_auth_serial() names it */
    enum az_purpose purpose;
    size_t index;
    enum md_http_method method;
    char *url;
    char *body;
    long delay_ms;
};

static void on_reply(const struct md_http_resp *resp, void *ud);

/* A caller-supplied name made fit to quote: cleaned, at most ~64 bytes. */
char *azureml_subject(const char *s)
{
    char *c = md_xstrdup_clean(s);
    size_t n = strlen(c);
    if (n > 64) {
        n = 64;
        while (n > 0 && ((unsigned char)c[n] & 0xC0) == 0x80)
            n--;
        c[n] = '\0';
    }
    return c;
}

static char *esc(const char *s)
{
    return md_http_escape(s != NULL ? s : "");
}

static cJSON *must(cJSON *item)
{
    if (item == NULL)
        md_die_oom();
    return item;
}

/* ---- operations and requests ------------------------------------------------------------ */

struct az_op *azureml_op_new(struct azureml *az, enum az_op_type type, enum md_result_kind kind,
                             md_backend_cb cb, void *ud, char *what)
{
    struct az_op *op = md_xcalloc(1, sizeof(*op));
    op->az = az;
    op->type = type;
    op->kind = kind;
    op->cb = cb;
    op->ud = ud;
    op->what = what;
    op->items = must(cJSON_CreateArray());
    return op;
}

static void op_free(struct az_op *op)
{
    md_result_release(&op->res);
    cJSON_Delete(op->items);
    for (size_t i = 0; i < op->nw; i++)
        free((char *)(uintptr_t)op->w[i].deployment);
    free(op->w);
    free(op->ep_body);
    free(op->plan_to);
    free(op->dep_names);
    free(op->what);
    free(op->arg);
    free(op->who);
    free(op);
}

/* The first failure wins; later replies of the same operation only drain. */
md_status azureml_op_fail(struct az_op *op, md_status st, const char *fmt, ...)
{
    if (op->st != MD_OK)
        return op->st;
    va_list ap;
    va_start(ap, fmt);
    op->st = st;
    op->err.code = st;
    vsnprintf(op->err.msg, sizeof(op->err.msg), fmt, ap);
    va_end(ap);
    md_sanitize(op->err.msg);
    return st;
}

static struct az_req *req_new(struct az_op *op, enum az_purpose purpose, enum md_http_method method,
                              char *url, char *body)
{
    struct az_req *rq = md_xcalloc(1, sizeof(*rq));
    rq->op = op;
    rq->purpose = purpose;
    rq->method = method;
    rq->url = url;
    rq->body = body;
    op->refs++;
    return rq;
}

static void req_free(struct az_req *rq)
{
    free(rq->url);
    free(rq->body);
    free(rq);
}

static void req_link(struct az_req *rq)
{
    struct azureml *az = rq->op->az;
    rq->prev = NULL;
    rq->next = az->pending;
    if (az->pending != NULL)
        az->pending->prev = rq;
    az->pending = rq;
}

static void req_unlink(struct az_req *rq)
{
    if (rq->prev != NULL)
        rq->prev->next = rq->next;
    else
        rq->op->az->pending = rq->next;
    if (rq->next != NULL)
        rq->next->prev = rq->prev;
    rq->prev = rq->next = NULL;
}

static const char *const purpose_tags[] = {"azureml get",
                                           "azureml",
                                           "azureml endpoints",
                                           "azureml endpoint",
                                           "azureml deployments",
                                           "azureml jobs",
                                           "azureml put endpoint",
                                           "azureml operation status",
                                           "azureml operation result",
                                           "azureml endpoint state",
                                           "azureml verify endpoint",
                                           "azureml logs",
                                           "azureml schedules"};

static void submit(struct az_req *rq, const char *token)
{
    struct azureml *az = rq->op->az;
    struct md_http_req req = {
        .method = rq->method,
        .url = rq->url,
        .body = rq->body,
        .body_len = rq->body != NULL ? strlen(rq->body) : 0,
        .content_type = rq->body != NULL ? "application/json" : NULL,
        .auth = MD_HTTP_AUTH_BEARER,
        .token = token,
        .ca_path = az->ca_path,
        .insecure_tls = az->insecure_tls,
        .timeout_ms = az->timeout_ms,
        .max_retries = -1,
        .tag = purpose_tags[rq->purpose],
        .delay_ms = rq->delay_ms,
    };
    rq->waiting = false;
    rq->serial = md_azure_auth_serial(az->auth);
    rq->id = md_http_submit(az->base.http, &req, on_reply, rq);
    if (rq->op->first_id == 0)
        rq->op->first_id = rq->id;
}

static void on_token(md_status st, const struct md_err *err, void *ud);

/* Send now with the cached token, or queue behind the (one) token fetch. */
static uint64_t req_send(struct az_req *rq)
{
    struct azureml *az = rq->op->az;
    req_link(rq);
    if (rq->purpose == AZ_P_FAIL) {
        rq->id = md_http_defer(az->base.http, on_reply, rq);
        return rq->id;
    }
    const char *token = md_azure_auth_token(az->auth);
    if (token != NULL) {
        submit(rq, token);
        return rq->id;
    }
    rq->waiting = true;
    uint64_t id = 0;
    if (!az->token_wait) {
        az->token_wait = true;
        id = md_azure_auth_fetch(az->auth, on_token, az);
    }
    if (rq->op->first_id == 0)
        rq->op->first_id = id;
    return rq->op->first_id;
}

static void op_report(struct az_op *op);

/* Drop one reference; the last one reports. */
static void op_unref(struct az_op *op)
{
    if (--op->refs == 0)
        op_report(op);
}

/* Every request waiting for the token goes out, or fails with the token's error. */
static void on_token(md_status st, const struct md_err *err, void *ud)
{
    struct azureml *az = ud;
    az->token_wait = false;
    const char *token = st == MD_OK ? md_azure_auth_token(az->auth) : NULL;
    struct az_req *ready = NULL;
    for (struct az_req *rq = az->pending, *next; rq != NULL; rq = next) {
        next = rq->next;
        if (!rq->waiting)
            continue;
        req_unlink(rq);
        rq->next = ready;
        ready = rq;
    }
    while (ready != NULL) {
        struct az_req *rq = ready;
        ready = rq->next;
        if (token != NULL) {
            req_link(rq);
            submit(rq, token);
            continue;
        }
        bool first = rq->op->st == MD_OK;
        azureml_op_fail(rq->op, st != MD_OK ? st : MD_ERR_AUTH, "%s: %s", rq->op->what,
                        st != MD_OK && err != NULL && err->msg[0]
                            ? err->msg
                            : "the new Azure token had already expired (check the clock)");
        struct az_op *op = rq->op;
        if (first && err != NULL)
            op->err.http_status = err->http_status;
        req_free(rq);
        op_unref(op);
    }
}

/* A failure known before any request: reported through md_http_run() all the same. */
uint64_t azureml_op_fail_later(struct az_op *op, md_status st, const char *why)
{
    azureml_op_fail(op, st, "%s: %s", op->what, why);
    return req_send(req_new(op, AZ_P_FAIL, MD_HTTP_GET, NULL, NULL));
}

uint64_t azureml_send(struct az_op *op, enum az_purpose purpose, enum md_http_method method,
                      char *url, char *body, size_t index, long delay_ms)
{
    struct az_req *rq = req_new(op, purpose, method, url, body);
    rq->index = index;
    rq->delay_ms = delay_ms;
    return req_send(rq);
}

/* GET `url` (taken over) for `purpose` on behalf of op. */
static uint64_t get(struct az_op *op, enum az_purpose purpose, char *url, size_t index)
{
    return azureml_send(op, purpose, MD_HTTP_GET, url, NULL, index, 0);
}

/* W + `suffix` + api-version, for the workspace's resources. */
char *azureml_ws_url(const struct azureml *az, const char *suffix)
{
    return md_xasprintf("%s%s%s%sapi-version=%s", az->arm, az->ws, suffix,
                        strchr(suffix, '?') ? "&" : "?", az->api);
}

/*
 * nextLink and status URLs are followed exactly as sent, but only on the
 * Resource Manager's own origin: the bearer token travels with them.
 */
bool azureml_on_origin(const struct azureml *az, const char *url)
{
    size_t n = strlen(az->origin);
    return url != NULL && strncasecmp(url, az->origin, n) == 0 && url[n] == '/';
}

/* ---- replies ------------------------------------------------------------------------------- */

/* Request id for messages; the lowest ARM budget left, logged when it runs low. */
static const char *note_headers(struct azureml *az, const struct md_http_resp *resp)
{
    static const char *const budgets[] = {
        "x-ms-ratelimit-remaining-subscription-reads",
        "x-ms-ratelimit-remaining-subscription-writes",
        "x-ms-ratelimit-remaining-subscription-deletes",
        "x-ms-ratelimit-remaining-tenant-reads",
        "x-ms-ratelimit-remaining-tenant-writes",
        "x-ms-ratelimit-remaining-subscription-global-reads",
        "x-ms-ratelimit-remaining-subscription-global-writes",
    };
    long low = -1;
    const char *which = NULL;
    for (size_t i = 0; i < MD_ARRAY_LEN(budgets); i++) {
        const char *v = md_http_resp_header(resp, budgets[i]);
        long n;
        if (v != NULL && md_parse_long(v, 0, 1L << 30, &n) == MD_OK && (low < 0 || n < low)) {
            low = n;
            which = budgets[i];
        }
    }
    if (low >= 0) {
        az->ratelimit = low;
        if (low < RATELIMIT_LOW && (az->ratelimit_logged < 0 || low + 10 <= az->ratelimit_logged)) {
            md_log(MD_LOG_WARN,
                   "azureml '%s': Resource Manager budget running low: %ld requests "
                   "left (%s)",
                   az->base.name, low, which);
            az->ratelimit_logged = low;
        } else if (low >= RATELIMIT_LOW) {
            az->ratelimit_logged = -1;
        }
    }
    return md_http_resp_header(resp, "x-ms-request-id");
}

/* Move the "value" items of a page into `into`; the page's nextLink comes back (free()). */
static md_status take_page(struct az_op *op, const struct md_http_resp *resp, cJSON *into,
                           const char *only_experiment, char **next)
{
    *next = NULL;
    cJSON *root = NULL;
    struct md_err perr = MD_ERR_INIT;
    md_status st = jsonx_parse(resp->body, resp->body_len, 0, &root, &perr);
    cJSON *arr = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "value") : NULL;
    bool bad = arr != NULL && !cJSON_IsArray(arr) && !cJSON_IsNull(arr);
    if (!cJSON_IsArray(arr))
        arr = NULL;
    if (st == MD_OK && (!cJSON_IsObject(root) || bad))
        st = md_err_set(&perr, MD_ERR_PARSE, "reply is not a page of resources");
    while (st == MD_OK && arr != NULL && arr->child != NULL) {
        cJSON *it = cJSON_DetachItemViaPointer(arr, arr->child);
        const char *x = jsonx_str_raw(jsonx_get(it, "properties"), "experimentName");
        if (x == NULL || !x[0])
            x = AZUREML_DEFAULT_EXPERIMENT;
        if (cJSON_IsObject(it) && (only_experiment == NULL || strcmp(x, only_experiment) == 0) &&
            cJSON_GetArraySize(into) < AZUREML_MAX_ITEMS) {
            cJSON_AddItemToArray(into, it);
        } else {
            cJSON_Delete(it);
        }
    }
    const char *nl = st == MD_OK ? jsonx_str_raw(root, "nextLink") : NULL;
    if (nl != NULL && nl[0])
        *next = md_xstrdup(nl);
    cJSON_Delete(root);
    if (st != MD_OK)
        return azureml_op_fail(op, st, "%s: %s", op->what, perr.msg);
    return MD_OK;
}

/* Follow a nextLink when there is one and it is safe; false when the list is complete. */
static bool follow(struct az_op *op, char *next, enum az_purpose purpose, size_t index)
{
    if (next == NULL)
        return false;
    if (!azureml_on_origin(op->az, next)) {
        azureml_op_fail(op, MD_ERR_INVALID, "%s: the reply's nextLink does not point to %s",
                        op->what, op->az->origin);
        free(next);
        return false;
    }
    if (++op->pages >= AZUREML_MAX_PAGES) {
        md_log(MD_LOG_WARN, "%s: stopped after %d pages", op->what, AZUREML_MAX_PAGES);
        free(next);
        return false;
    }
    get(op, purpose, next, index);
    return true;
}

/* Start listing deployments of the endpoints not yet asked, a few at a time. */
static void pump(struct az_op *op)
{
    size_t n = (size_t)cJSON_GetArraySize(op->items);
    while (op->st == MD_OK && op->dep_inflight < DEP_CONCURRENCY && op->next_ep < n) {
        size_t i = op->next_ep++;
        const char *name = jsonx_str_raw(cJSON_GetArrayItem(op->items, (int)i), "name");
        if (name == NULL || !name[0])
            continue;
        char *e = esc(name);
        char *path = md_xasprintf("/onlineEndpoints/%s/deployments", e);
        op->dep_inflight++;
        get(op, AZ_P_DEP_PAGE, azureml_ws_url(op->az, path), i);
        free(path);
        free(e);
    }
}

/* Deployments of endpoint i, one page; a failure marks that endpoint instead of the list. */
static void got_deployments(struct az_op *op, struct az_req *rq, const struct md_http_resp *resp,
                            const struct md_err *fail)
{
    cJSON *ep = cJSON_GetArrayItem(op->items, (int)rq->index);
    cJSON *deps = cJSON_GetObjectItemCaseSensitive(ep, AZUREML_DEPLOYMENTS_KEY);
    if (deps == NULL)
        deps = must(cJSON_AddArrayToObject(ep, AZUREML_DEPLOYMENTS_KEY));
    char *next = NULL;
    if (fail != NULL) {
        md_log(MD_LOG_WARN, "%s", fail->msg);
        cJSON_DeleteItemFromObjectCaseSensitive(ep, AZUREML_ERROR_KEY);
        must(cJSON_AddStringToObject(ep, AZUREML_ERROR_KEY, fail->msg));
    } else if (take_page(op, resp, deps, NULL, &next) == MD_OK &&
               follow(op, next, AZ_P_DEP_PAGE, rq->index)) {
        return;
    }
    op->dep_inflight--;
    pump(op);
}

/* A single resource or page parsed as the operation's kind. */
static void got_one(struct az_op *op, const struct md_http_resp *resp)
{
    struct md_err perr = MD_ERR_INIT;
    if (azureml_parse(op->kind, resp->body, resp->body_len, &op->res, &perr) != MD_OK) {
        azureml_op_fail(op, perr.code, "%s: %s", op->what, perr.msg);
        return;
    }
    op->res.raw = md_xmalloc(resp->body_len + 1);
    memcpy(op->res.raw, resp->body, resp->body_len);
    op->res.raw[resp->body_len] = '\0';
    op->res.raw_len = resp->body_len;
    if (op->kind == MD_RESULT_PROBE) {
        char *uri = azureml_workspace_mlflow_uri(resp->body, resp->body_len, op->az->arm);
        if (uri != NULL) {
            free(op->az->mlflow_uri);
            op->az->mlflow_uri = uri;
        }
    }
    for (size_t i = 0; op->kind == MD_RESULT_VERSIONS && i < op->res.versions.n; i++) {
        struct md_model_version *v = &op->res.versions.v[i];
        if (!v->model[0]) {
            free(v->model);
            v->model = md_xstrdup_clean(op->arg);
        }
    }
}

/* An endpoint read whole: the traffic change keeps it, get_endpoint lists its deployments. */
static void got_endpoint(struct az_op *op, const struct md_http_resp *resp)
{
    cJSON *root = NULL;
    struct md_err perr = MD_ERR_INIT;
    if (jsonx_parse(resp->body, resp->body_len, 0, &root, &perr) != MD_OK ||
        !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        azureml_op_fail(op, MD_ERR_PARSE, "%s: %s", op->what,
                        perr.msg[0] ? perr.msg : "not an object");
        return;
    }
    char *e = esc(op->arg);
    char *path = md_xasprintf("/onlineEndpoints/%s/deployments", e);
    if (op->type == AZ_OP_TRAFFIC) {
        op->ep_body = md_xstrdup(resp->body);
        cJSON_Delete(root);
        get(op, AZ_P_DEP_PAGE, azureml_ws_url(op->az, path), 0);
    } else {
        cJSON_AddItemToArray(op->items, root);
        pump(op);
    }
    free(path);
    free(e);
}

/* True when rq went out again (auth refresh, throttled PUT): the caller keeps it. */
static bool handle(struct az_req *rq, const struct md_http_resp *resp)
{
    struct az_op *op = rq->op;
    struct azureml *az = op->az;
    const char *rid = note_headers(az, resp);
    if (resp->status != MD_OK) {
        azureml_op_fail(op, resp->status, "%s: %s", op->what,
                        resp->err.msg[0] ? resp->err.msg : md_status_str(resp->status));
        return false;
    }
    if (resp->code == 401 && !rq->auth_retried) {
        md_log(MD_LOG_INFO, "azureml '%s': token refused, getting a new one", az->base.name);
        md_azure_auth_refused(az->auth, rq->serial);
        rq->auth_retried = true;
        rq->delay_ms = 0;
        req_send(rq);
        return true;
    }
    if (resp->code == 429 && rq->purpose == AZ_P_T_PUT && ++op->put_tries < PUT_TRIES) {
        long ms = resp->retry_after_s >= 0 ? resp->retry_after_s * 1000 : PUT_RETRY_DEFAULT_MS;
        rq->delay_ms = ms > PUT_RETRY_MAX_MS ? PUT_RETRY_MAX_MS : ms;
        md_log(MD_LOG_INFO, "%s: throttled, again in %ld ms", op->what, rq->delay_ms);
        req_send(rq);
        return true;
    }
    if (resp->code < 200 || resp->code > 299) {
        struct md_err e = MD_ERR_INIT;
        if (rq->purpose == AZ_P_DEP_PAGE && op->type != AZ_OP_TRAFFIC) {
            char *who = azureml_subject(
                jsonx_str_raw(cJSON_GetArrayItem(op->items, (int)rq->index), "name"));
            char *what = md_xasprintf("cannot list deployments of endpoint '%s'", who);
            azureml_map_error(what, resp->code, resp->body, resp->body_len, rid, &e);
            free(what);
            free(who);
            got_deployments(op, rq, resp, &e);
            return false;
        }
        const char *step = rq->purpose == AZ_P_T_POLL  ? ": cannot read the operation's status "
                                                         "(it may still finish)"
                           : rq->purpose == AZ_P_T_LOC ? ": the operation failed"
                                                       : "";
        /* said before ARM's own text, which is long enough to push it out of a 256-byte message */
        char throttled[96] = "";
        if (resp->code == 429) {
            char times[24] = "";
            char after[40] = "";
            if (rq->purpose == AZ_P_T_PUT)
                snprintf(times, sizeof(times), " %d times", op->put_tries);
            if (resp->retry_after_s >= 0)
                snprintf(after, sizeof(after), ", retry after %ld s", resp->retry_after_s);
            snprintf(throttled, sizeof(throttled), ": throttled by Resource Manager%s%s", times,
                     after);
        }
        char *what = md_xasprintf("%s%s%s", op->what, step, throttled);
        op->st = azureml_map_error(what, resp->code, resp->body, resp->body_len, rid, &op->err);
        free(what);
        return false;
    }
    switch (rq->purpose) {
    case AZ_P_ONE:
    case AZ_P_LOGS:
        got_one(op, resp);
        break;
    case AZ_P_EP_PAGE: {
        char *next = NULL;
        if (take_page(op, resp, op->items, NULL, &next) == MD_OK)
            follow(op, next, AZ_P_EP_PAGE, 0);
        pump(op);
        break;
    }
    case AZ_P_EP_ONE:
        got_endpoint(op, resp);
        break;
    case AZ_P_DEP_PAGE:
        if (op->type != AZ_OP_TRAFFIC) {
            got_deployments(op, rq, resp, NULL);
        } else {
            char *next = NULL;
            if (take_page(op, resp, op->items, NULL, &next) == MD_OK &&
                !follow(op, next, AZ_P_DEP_PAGE, 0) && op->st == MD_OK)
                azureml_traffic_plan(op);
        }
        break;
    case AZ_P_JOB_PAGE:
    case AZ_P_SCHED_PAGE: {
        char *next = NULL;
        if (take_page(op, resp, op->items, op->kind == MD_RESULT_RUNS ? op->arg : NULL, &next) ==
            MD_OK)
            follow(op, next, rq->purpose, 0);
        break;
    }
    case AZ_P_T_PUT:
    case AZ_P_T_POLL:
    case AZ_P_T_LOC:
    case AZ_P_T_STATE:
    case AZ_P_T_VERIFY:
        azureml_traffic_reply(op, rq->purpose, rq->url, resp);
        break;
    case AZ_P_FAIL:
        break;
    }
    return false;
}

static void on_reply(const struct md_http_resp *resp, void *ud)
{
    struct az_req *rq = ud;
    struct az_op *op = rq->op;
    req_unlink(rq);
    if (rq->purpose != AZ_P_FAIL && op->st == MD_OK && handle(rq, resp))
        return;
    req_free(rq);
    op_unref(op);
}

/* Compose what several replies gathered into one document and map it: raw is that document. */
static void compose(struct az_op *op)
{
    cJSON *doc;
    if (op->type == AZ_OP_ENDPOINT) {
        doc = cJSON_DetachItemFromArray(op->items, 0);
        if (doc == NULL) {
            azureml_op_fail(op, MD_ERR_PARSE, "%s: no endpoint in the reply", op->what);
            return;
        }
    } else {
        doc = must(cJSON_CreateObject());
        cJSON_AddItemToObject(doc, "value", op->items);
        op->items = NULL;
    }
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (text == NULL)
        md_die_oom();
    struct md_err perr = MD_ERR_INIT;
    size_t len = strlen(text);
    if (azureml_parse(op->kind, text, len, &op->res, &perr) != MD_OK) {
        azureml_op_fail(op, perr.code, "%s: %s", op->what, perr.msg);
    } else {
        op->res.raw = md_xstrdup(text);
        op->res.raw_len = len;
    }
    cJSON_free(text);
}

/* The one report of an operation; the result is released again after the callback. */
static void op_report(struct az_op *op)
{
    if (op->st == MD_OK && op->type != AZ_OP_ONE && op->type != AZ_OP_TRAFFIC)
        compose(op);
    struct md_result *res = &op->res;
    if (op->st != MD_OK) {
        md_result_release(res);
        res->status = op->st;
        res->err = op->err;
        res->err.code = op->st;
    }
    res->kind = op->kind;
    res->status = op->st;
    res->fetched_ms = md_now_ms();
    if (res->next_token == NULL)
        res->next_token = md_xstrdup("");
    op->cb(res, op->ud);
    op_free(op);
}

void azureml_drop_requests(struct azureml *az)
{
    /*
     * Requests still here belong to transfers the owner dropped: the deck
     * frees the md_http first (which cancels without calling back), so the
     * engine may be gone and is not touched. Operations go with their last
     * request.
     */
    while (az->pending != NULL) {
        struct az_req *rq = az->pending;
        struct az_op *op = rq->op;
        req_unlink(rq);
        req_free(rq);
        if (--op->refs == 0)
            op_free(op);
    }
}

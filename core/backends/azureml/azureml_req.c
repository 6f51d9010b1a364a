/*
 * azureml_req.c - what the Azure ML backend runs the request engine
 * (backends/op.h) with, and what all its lists share.
 *
 * The engine queues the calls (AZUREML_MAX_INFLIGHT of an instance on the
 * wire at once), waits for the token (its gate is the instance's
 * md_azure_auth) and sends a call once more after a 401. The platform here
 * completes every request (the bearer token, TLS, the time-out), reads the
 * rate-limit budget of every reply, and words ARM's errors. Reads
 * throttled with 429 are retried by md_http after Retry-After; the
 * traffic change's PUT by azureml_traffic.c.
 *
 * Lists follow nextLink exactly as sent, but only on the Resource
 * Manager's own origin (the bearer token travels with it), at most
 * AZUREML_MAX_PAGES pages for one operation. A list of endpoints lists the
 * deployments of each beside (a list that fails marks only its endpoint);
 * when every page is in, its on_done stage composes the document
 * azureml_int.h describes, which the parse slot maps and the deck caches.
 */
#include "azureml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"

/* Below this many requests left in an ARM budget, say so in the log. */
#define RATELIMIT_LOW 100

static cJSON *must(cJSON *item)
{
    if (item == NULL)
        md_die_oom();
    return item;
}

/* ---- the platform ------------------------------------------------------------------------ */

static const char *const role_tags[] = {
    [AZ_R_ONE] = "azureml get",
    [AZ_R_EP_PAGE] = "azureml endpoints",
    [AZ_R_EP_ONE] = "azureml endpoint",
    [AZ_R_DEP_PAGE] = "azureml deployments",
    [AZ_R_JOB_PAGE] = "azureml jobs",
    [AZ_R_T_PUT] = "azureml put endpoint",
    [AZ_R_T_POLL] = "azureml operation status",
    [AZ_R_T_LOC] = "azureml operation result",
    [AZ_R_T_STATE] = "azureml endpoint state",
    [AZ_R_T_VERIFY] = "azureml verify endpoint",
    [AZ_R_LOGS] = "azureml logs",
    [AZ_R_SCHED_PAGE] = "azureml schedules",
    [AZ_R_ACTIVITY_PAGE] = "azureml activity log",
    [AZ_R_RULE_PAGE] = "azureml metric alerts",
    [AZ_R_ALERT_PAGE] = "azureml fired alerts",
    [AZ_R_METRICS] = "azureml metrics",
};

/* The bearer token (the gate is ready when this runs), TLS and the instance's time-out. */
static void prepare(struct op_engine *e, struct op_call *c, struct md_http_req *req)
{
    struct azureml *az = (struct azureml *)e->be;
    req->auth = MD_HTTP_AUTH_BEARER;
    req->token = az->cred.token(az->cred.impl);
    req->ca_path = az->ca_path;
    req->insecure_tls = az->insecure_tls;
    if (req->timeout_ms <= 0)
        req->timeout_ms = az->timeout_ms;
    azureml_call_cap(c);
    if (c->max_body > 0)
        req->max_body = c->max_body;
    if (req->tag == NULL && c->role >= 0 && (size_t)c->role < MD_ARRAY_LEN(role_tags))
        req->tag = role_tags[c->role];
}

/* The lowest ARM budget left, logged when it runs low. */
static void observe(struct op_engine *e, const struct md_http_resp *resp)
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
    struct azureml *az = (struct azureml *)e->be;
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
    if (low < 0)
        return;
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

/*
 * ARM's error with its request id. A deployments list of a list of
 * endpoints is said of its endpoint (which the list marks with it); the
 * steps of a traffic change say which step failed; a 429 says so before
 * ARM's own text, which is long enough to push it out of a 256-byte message.
 */
static md_status map_error(struct op_call *c, const char *what, const struct md_http_resp *resp,
                           struct md_err *err)
{
    struct az_op *op = (struct az_op *)c->op;
    const char *rid = md_http_resp_header(resp, "x-ms-request-id");
    char *text;
    if (c->role == AZ_R_DEP_PAGE && op->base.kind != MD_RESULT_NONE) {
        char *who = op_subject(jsonx_str_raw(cJSON_GetArrayItem(op->items, (int)c->index), "name"));
        text = md_xasprintf("cannot list deployments of endpoint '%s'", who);
        free(who);
    } else {
        const char *step = c->role == AZ_R_T_POLL  ? ": cannot read the operation's status "
                                                     "(it may still finish)"
                           : c->role == AZ_R_T_LOC ? ": the operation failed"
                                                   : "";
        char throttled[96] = "";
        if (resp->code == 429) {
            char times[24] = "";
            char after[40] = "";
            if (c->role == AZ_R_T_PUT)
                snprintf(times, sizeof(times), " %d times", op->put_tries + 1);
            if (resp->retry_after_s >= 0)
                snprintf(after, sizeof(after), ", retry after %ld s", resp->retry_after_s);
            snprintf(throttled, sizeof(throttled), ": throttled by Resource Manager%s%s", times,
                     after);
        }
        text = md_xasprintf("%s%s%s", what, step, throttled);
    }
    md_status st = azureml_map_error(text, resp->code, resp->body, resp->body_len, rid, err);
    free(text);
    return st;
}

const struct op_platform azureml_platform = {
    .prepare = prepare,
    .map_error = map_error,
    .observe = observe,
    .stale_credential = "the new Azure token had already expired (check the clock)",
    .credential = "token",
};

/* ---- operations -------------------------------------------------------------------------- */

static void az_release(struct op *o)
{
    struct az_op *op = (struct az_op *)o;
    cJSON_Delete(op->items);
    for (size_t i = 0; i < op->nw; i++)
        free((char *)(uintptr_t)op->w[i].deployment);
    free(op->w);
    free(op->ep_body);
    free(op->plan_to);
    free(op->dep_names);
    free(op->arg);
    free(op->who);
}

/* What a single reply does not say: the workspace's MLflow, the model of a versions page. */
static void fixup(struct op *o, struct md_result *res)
{
    struct az_op *op = (struct az_op *)o;
    struct azureml *az = azureml_of(op);
    if (o->kind == MD_RESULT_PROBE && res->raw != NULL) {
        char *uri = azureml_workspace_mlflow_uri(res->raw, res->raw_len, az->arm);
        if (uri != NULL) {
            free(az->mlflow_uri);
            az->mlflow_uri = uri;
        }
    }
    for (size_t i = 0; o->kind == MD_RESULT_VERSIONS && i < res->versions.n; i++) {
        struct md_model_version *v = &res->versions.v[i];
        if (!v->model[0]) {
            free(v->model);
            v->model = md_xstrdup_clean(op->arg);
        }
    }
}

struct az_op *azureml_op_new(struct azureml *az, enum md_result_kind kind, md_backend_cb cb,
                             void *ud, const char *what, const char *subject, const char *arg)
{
    char *full;
    if (subject != NULL) {
        char *who = op_subject(subject);
        full = md_xasprintf("%s '%s'", what, who);
        free(who);
    } else {
        full = md_xstrdup(what);
    }
    struct az_op *op = (struct az_op *)op_new(&az->eng, sizeof(*op), kind, cb, ud, full);
    op->base.release = az_release;
    op->base.fixup = fixup;
    op->arg = arg != NULL ? md_xstrdup(arg) : NULL;
    op->who = op_subject(arg);
    op->items = must(cJSON_CreateArray());
    return op;
}

/* ---- URLs -------------------------------------------------------------------------------- */

char *azureml_ws_url(const struct azureml *az, const char *suffix)
{
    return md_xasprintf("%s%s%s%sapi-version=%s", az->arm, az->ws, suffix,
                        strchr(suffix, '?') ? "&" : "?", az->api);
}

char *azureml_ws_url_of(const struct azureml *az, const char *prefix, const char *name,
                        const char *suffix)
{
    char *e = md_http_escape(name != NULL ? name : "");
    char *path = md_xasprintf("%s%s%s", prefix, e, suffix);
    char *url = azureml_ws_url(az, path);
    free(path);
    free(e);
    return url;
}

bool azureml_on_origin(const struct azureml *az, const char *url)
{
    size_t n = strlen(az->origin);
    return url != NULL && strncasecmp(url, az->origin, n) == 0 && url[n] == '/';
}

/* ---- pages ------------------------------------------------------------------------------- */

/* Queue the nextLink `next` (taken over) when it is safe and the budget allows. */
static bool follow(struct az_op *op, char *next, enum az_role role, size_t index)
{
    struct azureml *az = azureml_of(op);
    if (!azureml_on_origin(az, next)) {
        op_fail(&op->base, MD_ERR_INVALID, 0, "%s: the reply's nextLink does not point to %s",
                op->base.what, az->origin);
        free(next);
        return false;
    }
    if (++op->pages >= AZUREML_MAX_PAGES) {
        md_log(MD_LOG_WARN, "%s: stopped after %d pages", op->base.what, AZUREML_MAX_PAGES);
        free(next);
        return true;
    }
    op_call(&op->base, (int)role, MD_HTTP_GET, next, NULL)->index = index;
    return true;
}

/* Move the "value" items of a page into `into`, then follow its nextLink. */
static bool page_into(struct az_op *op, const struct md_http_resp *resp, cJSON *into,
                      enum az_role role, size_t index, const char *only_experiment)
{
    cJSON *root = NULL;
    struct md_err perr = MD_ERR_INIT;
    md_status st = jsonx_parse(resp->body, resp->body_len, 0, &root, &perr);
    cJSON *arr = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "value") : NULL;
    bool bad = arr != NULL && !cJSON_IsArray(arr) && !cJSON_IsNull(arr);
    if (!cJSON_IsArray(arr))
        arr = NULL;
    if (st == MD_OK && (!cJSON_IsObject(root) || bad))
        st = md_err_set(&perr, MD_ERR_PARSE, "reply is not a page of resources");
    if (st == MD_OK)
        st = azureml_check_reply((int)role, root, &perr);
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
    char *next = nl != NULL && nl[0] ? md_xstrdup(nl) : NULL;
    cJSON_Delete(root);
    if (st != MD_OK) {
        op_fail(&op->base, st, 0, "%s: %s", op->base.what, perr.msg);
        return false;
    }
    return next == NULL || follow(op, next, role, index);
}

bool azureml_take_page(struct az_op *op, const struct md_http_resp *resp, enum az_role role,
                       size_t index, const char *only_experiment)
{
    return page_into(op, resp, op->items, role, index, only_experiment);
}

/* ---- lists ------------------------------------------------------------------------------- */

/* List the deployments of the endpoints from `first` on; the engine bounds how many at once. */
static void list_deployments(struct az_op *op, size_t first)
{
    size_t i = 0;
    for (cJSON *ep = op->items->child; ep != NULL; ep = ep->next, i++) {
        const char *name = jsonx_str_raw(ep, "name");
        if (i < first || name == NULL || !name[0])
            continue;
        char *url = azureml_ws_url_of(azureml_of(op), "/onlineEndpoints/", name, "/deployments");
        op_call(&op->base, AZ_R_DEP_PAGE, MD_HTTP_GET, url, NULL)->index = i;
    }
}

/* Deployments of endpoint c->index, one page; a failed list marks that endpoint instead. */
static void got_deployments(struct az_op *op, struct op_call *c, md_status st,
                            const struct md_err *err, const struct md_http_resp *resp)
{
    cJSON *ep = cJSON_GetArrayItem(op->items, (int)c->index);
    cJSON *deps = cJSON_GetObjectItemCaseSensitive(ep, AZUREML_DEPLOYMENTS_KEY);
    if (deps == NULL)
        deps = must(cJSON_AddArrayToObject(ep, AZUREML_DEPLOYMENTS_KEY));
    if (st == MD_OK) {
        page_into(op, resp, deps, AZ_R_DEP_PAGE, c->index, NULL);
        return;
    }
    md_log(MD_LOG_WARN, "%s", err->msg);
    cJSON_DeleteItemFromObjectCaseSensitive(ep, AZUREML_ERROR_KEY);
    must(cJSON_AddStringToObject(ep, AZUREML_ERROR_KEY, err->msg));
}

cJSON *azureml_reply_object(struct az_op *op, const struct md_http_resp *resp)
{
    cJSON *root = NULL;
    struct md_err perr = MD_ERR_INIT;
    if (jsonx_parse(resp->body, resp->body_len, 0, &root, &perr) != MD_OK ||
        !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        op_fail(&op->base, MD_ERR_PARSE, 0, "%s: %s", op->base.what,
                perr.msg[0] ? perr.msg : "not an object");
        return NULL;
    }
    return root;
}

/* One endpoint read whole (get_endpoint): its deployments next. */
static void got_endpoint(struct az_op *op, const struct md_http_resp *resp)
{
    cJSON *root = azureml_reply_object(op, resp);
    if (root == NULL)
        return;
    struct md_err cerr = MD_ERR_INIT;
    if (azureml_check_reply(AZ_R_EP_ONE, root, &cerr) != MD_OK) {
        cJSON_Delete(root);
        op_fail(&op->base, MD_ERR_PARSE, 0, "%s: %s", op->base.what, cerr.msg);
        return;
    }
    cJSON_AddItemToArray(op->items, root);
    list_deployments(op, 0);
}

static void list_reply(struct op *o, struct op_call *c, md_status st, const struct md_err *err,
                       const struct md_http_resp *resp)
{
    struct az_op *op = (struct az_op *)o;
    /* a reply that came is the endpoint's to carry; a transport failure fails the list */
    if (c->role == AZ_R_DEP_PAGE && (st == MD_OK || resp->status == MD_OK)) {
        got_deployments(op, c, st, err, resp);
        return;
    }
    if (op_failed_by(o, st, err))
        return;
    if (c->role == AZ_R_EP_ONE) {
        got_endpoint(op, resp);
    } else if (c->role == AZ_R_EP_PAGE) {
        size_t first = (size_t)cJSON_GetArraySize(op->items);
        if (azureml_take_page(op, resp, AZ_R_EP_PAGE, 0, NULL))
            list_deployments(op, first);
    } else {
        azureml_take_page(op, resp, (enum az_role)c->role, 0,
                          o->kind == MD_RESULT_RUNS ? op->arg : NULL);
    }
}

/* Every page is in: compose the one document the parse slot maps and the deck caches. */
static void compose(struct op *o)
{
    struct az_op *op = (struct az_op *)o;
    cJSON *doc;
    if (o->kind == MD_RESULT_ENDPOINT) {
        doc = cJSON_DetachItemFromArray(op->items, 0);
        if (doc == NULL) {
            op_fail(o, MD_ERR_PARSE, 0, "%s: no endpoint in the reply", o->what);
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
    op_set_doc(o, md_xstrdup(text));
    cJSON_free(text);
}

uint64_t azureml_list(struct az_op *op, enum az_role role, char *url)
{
    op->base.on_reply = list_reply;
    op->base.on_done = compose;
    op_call(&op->base, (int)role, MD_HTTP_GET, url, NULL);
    return op_go(&op->base);
}

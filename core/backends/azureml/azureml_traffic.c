/*
 * azureml_traffic.c - Azure ML's rollback: set an online endpoint's traffic
 * map (reference/azureml.md sections 8 and 13).
 *
 * Steps, the calls of one operation on the request engine (azureml_req.c):
 *  1. GET the endpoint and list all its deployments;
 *  2. when they are in (the on_done stage), plan (azureml_plan.c): check the
 *     weights against the deployments and build the endpoint to PUT back
 *     whole, since PATCH carries no traffic;
 *  3. PUT it; ARM answers 200/201 with Azure-AsyncOperation (or 202 with
 *     Location); its URL is kept for the audit log (azureml_last_operation).
 *     A PUT throttled with 429 goes again after Retry-After, PUT_TRIES
 *     times in all: a PUT of the same body is idempotent;
 *  4. poll that URL after Retry-After (else every few seconds) until
 *     Succeeded, Failed or Canceled, at most lro_timeout seconds and
 *     MAX_POLLS polls; without a status URL, poll the endpoint's
 *     provisioningState instead;
 *  5. GET the endpoint again and compare its live traffic with the plan.
 * A time-out says the change may still finish: the next refresh shows what
 * happened, and the action layer's audit entry records what was attempted.
 */
#include "azureml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"

#define POLL_DEFAULT_MS 5000
#define POLL_MIN_MS 250
#define POLL_MAX_MS 60000
#define MAX_POLLS 1000
#define PUT_TRIES 3
#define PUT_RETRY_DEFAULT_MS 5000
#define PUT_RETRY_MAX_MS 60000

static cJSON *must(cJSON *item)
{
    if (item == NULL)
        md_die_oom();
    return item;
}

static void traffic_put(struct az_op *op, char *body);

/* The deployments of the endpoint to change are all in (the on_done stage): plan, then PUT. */
static void traffic_plan(struct op *o)
{
    struct az_op *op = (struct az_op *)o;
    cJSON *doc = must(cJSON_CreateObject());
    cJSON_AddItemReferenceToObject(doc, "value", op->items);
    char *deps = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (deps == NULL)
        md_die_oom();
    char *put = NULL;
    char *from = NULL;
    bool unchanged = false;
    struct md_err perr = MD_ERR_INIT;
    md_status st = azureml_plan_traffic(op->ep_body, strlen(op->ep_body), deps, strlen(deps), op->w,
                                        op->nw, &put, &from, &op->plan_to, &unchanged, &perr);
    cJSON_free(deps);
    /* the names of the plan, in its order: the live map is read back over them */
    struct md_buf names;
    md_buf_init(&names, 1 << 20);
    for (const char *p = op->plan_to; p != NULL && *p;) {
        size_t k = strcspn(p, "=");
        md_buf_addf(&names, "%s%.*s", names.len ? "," : "", (int)k, p);
        p = strchr(p, ',');
        p = p != NULL ? p + 1 : NULL;
    }
    op->dep_names = md_buf_detach(&names, NULL);
    if (st != MD_OK)
        op_fail(o, st, 0, "%s: %s", o->what, perr.msg);
    else if (unchanged)
        md_log(MD_LOG_INFO,
               "azureml '%s': traffic of endpoint '%s' already is %s; nothing "
               "sent",
               o->eng->be->name, op->who, from);
    else
        traffic_put(op, put); /* takes put */
    free(from);
    if (st != MD_OK || unchanged)
        free(put);
}

/* Poll `url` again after Retry-After (or the default), unless the deadline is near. */
static void schedule(struct az_op *op, enum az_role role, const char *url,
                     const struct md_http_resp *resp)
{
    long delay = resp->retry_after_s >= 0 ? resp->retry_after_s * 1000 : POLL_DEFAULT_MS;
    delay = delay < POLL_MIN_MS ? POLL_MIN_MS : delay > POLL_MAX_MS ? POLL_MAX_MS : delay;
    int64_t now = md_mono_ms();
    if (op->polls >= MAX_POLLS || now + delay > op->deadline) {
        long waited = (long)((now - (op->deadline - azureml_of(op)->lro_timeout_ms)) / 1000);
        op_fail(&op->base, MD_ERR_TIMEOUT, 0,
                "%s: still %s after %ld s and %d polls; it may yet "
                "finish: refresh to see the live traffic",
                op->base.what, op->last_status[0] ? op->last_status : "running", waited, op->polls);
        return;
    }
    op->polls++;
    op_call(&op->base, (int)role, MD_HTTP_GET, md_xstrdup(url), NULL)->delay_ms = delay;
}

static char *endpoint_url(const struct az_op *op)
{
    return azureml_ws_url_of(azureml_of(op), "/onlineEndpoints/", op->arg, "");
}

static void traffic_put(struct az_op *op, char *body)
{
    op->deadline = md_mono_ms() + azureml_of(op)->lro_timeout_ms;
    op_call(&op->base, AZ_R_T_PUT, MD_HTTP_PUT, endpoint_url(op), body);
}

/* Compare the endpoint's live traffic with the plan. */
static void traffic_verify(struct az_op *op, const struct md_http_resp *resp)
{
    char *live = azureml_traffic_string(resp->body, resp->body_len, op->dep_names);
    if (live == NULL)
        op_fail(&op->base, MD_ERR_PARSE, 0, "%s: the endpoint read after the change is not JSON",
                op->base.what);
    else if (strcmp(live, op->plan_to) != 0)
        op_fail(&op->base, MD_ERR_INVALID, 0, "%s: traffic is %s after the operation, expected %s",
                op->base.what, live, op->plan_to);
    else
        md_log(MD_LOG_INFO, "azureml '%s': traffic of endpoint '%s' now is %s",
               azureml_of(op)->base.name, op->who, live);
    free(live);
}

/* A reply of the operation's status URL, its Location or the endpoint itself. */
static void traffic_status(struct az_op *op, enum az_role role, const char *url,
                           const struct md_http_resp *resp)
{
    char *status = NULL;
    char *detail = NULL;
    if (role == AZ_R_T_LOC) {
        status = md_xstrdup(resp->code == 202 ? "InProgress" : "Succeeded");
        detail = md_xstrdup("");
    } else if (role == AZ_R_T_POLL) {
        if (azureml_operation_status(resp->body, resp->body_len, &status, &detail) != MD_OK)
            op_fail(&op->base, MD_ERR_PARSE, 0, "%s: the operation status is not JSON",
                    op->base.what);
    } else {
        cJSON *root = NULL;
        jsonx_parse(resp->body, resp->body_len, 0, &root, NULL);
        status = jsonx_str(jsonx_get(root, "properties"), "provisioningState");
        detail = md_xstrdup("");
        cJSON_Delete(root);
    }
    if (op->base.st == MD_OK) {
        snprintf(op->last_status, sizeof(op->last_status), "%s", status);
        if (!azureml_operation_done(status))
            schedule(op, role, url, resp);
        else if (strcasecmp(status, "Canceled") == 0)
            op_fail(&op->base, MD_ERR_CANCELLED, 0, "%s: the operation was canceled%s%s",
                    op->base.what, detail[0] ? ": " : "", detail);
        else if (strcasecmp(status, "Failed") == 0)
            op_fail(&op->base, MD_ERR_HTTP, 0, "%s: the operation ended Failed: %s", op->base.what,
                    detail[0] ? detail : "no reason given");
        else if (role == AZ_R_T_STATE)
            traffic_verify(op, resp);
        else
            op_call(&op->base, AZ_R_T_VERIFY, MD_HTTP_GET, endpoint_url(op), NULL);
    }
    free(status);
    free(detail);
}

/* After the PUT: follow Azure-AsyncOperation, else Location, else the endpoint's state. */
static void traffic_wait(struct az_op *op, const struct md_http_resp *resp)
{
    struct azureml *az = azureml_of(op);
    const char *async = md_http_resp_header(resp, "Azure-AsyncOperation");
    const char *loc = md_http_resp_header(resp, "Location");
    const char *rid = md_http_resp_header(resp, "x-ms-request-id");
    const char *url = async != NULL && async[0] ? async : resp->code == 202 ? loc : NULL;
    snprintf(az->last_async, sizeof(az->last_async), "%s", url != NULL ? url : "");
    snprintf(az->last_rid, sizeof(az->last_rid), "%s", rid != NULL ? rid : "");
    md_sanitize(az->last_async);
    md_sanitize(az->last_rid);
    md_log(MD_LOG_INFO,
           "azureml '%s': traffic of endpoint '%s' to %s accepted (HTTP %ld, "
           "request id %s), %s",
           az->base.name, op->who, op->plan_to, resp->code, az->last_rid[0] ? az->last_rid : "none",
           url ? "polling its operation" : "watching the endpoint's state");
    if (url != NULL && !azureml_on_origin(az, url)) {
        op_fail(&op->base, MD_ERR_INVALID, 0,
                "%s: the operation status URL does not point to "
                "%s; refresh to see the live traffic",
                op->base.what, az->origin);
        return;
    }
    if (url != NULL) {
        schedule(op, url == async ? AZ_R_T_POLL : AZ_R_T_LOC, url, resp);
        return;
    }
    /* no status URL: the PUT's own reply shows the state, then the endpoint does */
    char *ep = endpoint_url(op);
    traffic_status(op, AZ_R_T_STATE, ep, resp);
    free(ep);
}

/* The endpoint to change, read whole: its deployments next. */
static void got_endpoint(struct az_op *op, const struct md_http_resp *resp)
{
    cJSON *root = azureml_reply_object(op, resp);
    if (root == NULL)
        return;
    cJSON_Delete(root);
    op->ep_body = md_xstrdup(resp->body);
    char *url = azureml_ws_url_of(azureml_of(op), "/onlineEndpoints/", op->arg, "/deployments");
    op_call(&op->base, AZ_R_DEP_PAGE, MD_HTTP_GET, url, NULL);
}

/* Every reply of the change; a throttled PUT goes again, any other failure ends it. */
static void traffic_reply(struct op *o, struct op_call *c, md_status st, const struct md_err *err,
                          const struct md_http_resp *resp)
{
    struct az_op *op = (struct az_op *)o;
    if (st != MD_OK && c->role == AZ_R_T_PUT && resp->status == MD_OK && resp->code == 429 &&
        ++op->put_tries < PUT_TRIES) {
        long ms = resp->retry_after_s >= 0 ? resp->retry_after_s * 1000 : PUT_RETRY_DEFAULT_MS;
        ms = ms > PUT_RETRY_MAX_MS ? PUT_RETRY_MAX_MS : ms;
        md_log(MD_LOG_INFO, "%s: throttled, again in %ld ms", o->what, ms);
        op_call_again(c, ms);
        return;
    }
    if (op_failed_by(o, st, err))
        return;
    switch (c->role) {
    case AZ_R_EP_ONE:
        got_endpoint(op, resp);
        break;
    case AZ_R_DEP_PAGE:
        azureml_take_page(op, resp, AZ_R_DEP_PAGE, 0, NULL);
        break;
    case AZ_R_T_PUT:
        traffic_wait(op, resp);
        break;
    case AZ_R_T_VERIFY:
        traffic_verify(op, resp);
        break;
    default: /* AZ_R_T_POLL, AZ_R_T_LOC, AZ_R_T_STATE */
        traffic_status(op, (enum az_role)c->role, c->url, resp);
        break;
    }
}

/*
 * The entry point (the ops table's set_weights). Only core/action/action.c calls
 * it; the HTTP layer refuses the PUT in read-only mode whatever the caller.
 */
uint64_t azureml_set_weights(struct md_backend *be, const char *endpoint, const struct md_weight *w,
                             size_t n, md_backend_cb cb, void *ud)
{
    struct az_op *op = azureml_op_new((struct azureml *)be, MD_RESULT_NONE, cb, ud,
                                      "cannot set traffic of endpoint", endpoint, endpoint);
    if (endpoint == NULL || !endpoint[0])
        return op_fail_later(&op->base, MD_ERR_INVALID, "no endpoint named");
    if (n == 0 || w == NULL)
        return op_fail_later(&op->base, MD_ERR_INVALID, "no weights given");
    op->w = md_xcalloc(n, sizeof(*op->w));
    op->nw = n;
    for (size_t i = 0; i < n; i++) {
        op->w[i].deployment = md_xstrdup0(w[i].deployment);
        op->w[i].weight = w[i].weight;
    }
    op->base.on_reply = traffic_reply;
    op->base.on_done = traffic_plan;
    op_call(&op->base, AZ_R_EP_ONE, MD_HTTP_GET, endpoint_url(op), NULL);
    return op_go(&op->base);
}

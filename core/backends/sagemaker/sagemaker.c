/*
 * sagemaker.c - the Amazon SageMaker backend: AWS JSON 1.1 calls
 * (X-Amz-Target: SageMaker.<Operation>) and CloudWatch GetMetricData
 * (JSON 1.0), signed by libcurl's CURLOPT_AWS_SIGV4 through md_http.
 *
 * One backend operation (list endpoints, get health, ...) usually needs
 * several calls. An operation (struct sm_op) owns its calls (struct
 * sm_call); the calls of every operation wait on one queue per backend and
 * at most SM_MAX_INFLIGHT are on the wire at once, which bounds the load a
 * refresh of hundreds of endpoints puts on the account's API rate limits.
 * Replies are collected into a JSON bundle (sagemaker_int.h) that
 * sm_parse() maps in one pass, so the live path, the cached snapshot and
 * the fuzz target share one mapper. The callback runs exactly once per
 * operation, always from inside md_http_run().
 *
 * This file has the machinery (queue, operations, shared GetMetricData
 * calls, paged lists) and the lifecycle; the operations themselves are in
 * sagemaker_endpoints.c and sagemaker_ops.c, what is kept between them in
 * sagemaker_cache.c, and the reply mapping in sagemaker_map.c and friends.
 *
 * Retries: md_http retries reads on connection errors and 5xx. AWS
 * throttling comes back as HTTP 400 ThrottlingException, which is reported
 * ("throttled by AWS") rather than retried here: the deck's next refresh is
 * the back-off, and SM_MAX_INFLIGHT keeps a refresh below typical limits.
 */
#include "sagemaker_req.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

/* CloudWatch takes at most 500 queries per GetMetricData. */
#define SM_METRICS_MAX_QUERIES 500
/* Refresh credential_process keys this long before they expire. */
#define SM_REFRESH_MARGIN_MS 60000
/* libcurl signs every header (X-Amz-Target, the session token) only since 7.86.0. */
#define SM_MIN_CURL 0x075600

/* ---- the call queue ------------------------------------------------------------------- */

static void on_call_reply(const struct md_http_resp *resp, void *ud);

/* FIFO append: calls go out in the order operations asked for them. */
static void call_link(struct sm_call **head, struct sm_call **tail, struct sm_call *c)
{
    c->prev = *tail;
    c->next = NULL;
    if (*tail != NULL)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

/* O(1) removal: replies come back in any order. */
static void call_unlink(struct sm_call **head, struct sm_call **tail, struct sm_call *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        *head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        *tail = c->prev;
    c->prev = c->next = NULL;
}

/* A call owns its body and subject; a shared call also its member list (not the members). */
static void call_free(struct sm_call *c)
{
    cJSON_Delete(c->req);
    free(c->members);
    free(c->body);
    free(c->subject);
    free(c);
}

void sm_enqueue(struct sm_op *op, enum md_aws_service svc, const char *op_name, int role,
                cJSON *body, const char *subject)
{
    struct sm_backend *sm = op->sm;
    struct sm_call *c = md_xcalloc(1, sizeof(*c));
    c->op = op;
    c->svc = svc;
    c->op_name = op_name;
    c->role = role;
    c->body = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (c->body == NULL)
        md_die_oom();
    c->subject = md_xstrdup0(subject);
    op->pending++;
    call_link(&sm->queue, &sm->queue_tail, c);
}

/*
 * Put one call on the wire. Keys about to expire are renewed first
 * (credential_process); when that fails the call goes out without keys,
 * which md_http refuses and reports through on_call_reply() like any
 * other outcome, carrying the renewal error.
 */
static void call_submit(struct sm_backend *sm, struct sm_call *c)
{
    struct md_aws *aws = &sm->aws;
    if (c->req != NULL) { /* a shared call closes when it leaves the queue */
        c->body = cJSON_PrintUnformatted(c->req);
        if (c->body == NULL)
            md_die_oom();
        if (sm->open_batch == c)
            sm->open_batch = NULL;
    }
    bool keys = !c->no_keys;
    if (keys && md_aws_expiring(aws, md_now_ms(), SM_REFRESH_MARGIN_MS)) {
        struct md_err rerr = MD_ERR_INIT;
        if (md_aws_refresh(aws, &rerr) != MD_OK) {
            sm_op_fail(c->op, rerr.code, 0, "%s", rerr.msg);
            keys = false;
        }
    }
    char *target = md_xasprintf(
        "%s.%s", c->svc == MD_AWS_CLOUDWATCH ? "GraniteServiceVersion20100801" : "SageMaker",
        c->op_name);
    char *url = md_xasprintf("%s/", aws->endpoints[c->svc]);
    char *tag = c->no_keys ? md_xstrdup("sagemaker: report of a failed operation, never sent")
                           : md_xasprintf("sagemaker %s", c->op_name);
    /* exact types: moto answers "; charset=..." on CloudWatch with CBOR and a 500 */
    struct md_http_req req = {
        .method = MD_HTTP_POST,
        .url = url,
        .body = c->body,
        .body_len = strlen(c->body),
        .content_type = c->svc == MD_AWS_CLOUDWATCH ? "application/x-amz-json-1.0"
                                                    : "application/x-amz-json-1.1",
        .amz_target = target,
        .aws_sigv4 = sm->sigv4[c->svc],
        .aws_access_key = keys ? aws->creds.access_key_id : NULL,
        .aws_secret_key = keys ? aws->creds.secret_access_key : NULL,
        .aws_session_token = keys ? aws->creds.session_token : NULL,
        .ca_path = sm->ca_path,
        .insecure_tls = sm->insecure_tls,
        .timeout_ms = sm->timeout_ms,
        .max_retries = -1,
        .tag = tag,
    };
    c->in_flight = true;
    sm->inflight++;
    call_link(&sm->flying, &sm->flying_tail, c);
    c->http_id = md_http_submit(sm->base.http, &req, on_call_reply, c);
    free(tag);
    free(url);
    free(target);
}

/* Move queued calls onto the wire while there is room. */
static void pump(struct sm_backend *sm)
{
    while (sm->queue != NULL && sm->inflight < SM_MAX_INFLIGHT) {
        struct sm_call *c = sm->queue;
        call_unlink(&sm->queue, &sm->queue_tail, c);
        call_submit(sm, c);
    }
}

/* Drop the queued calls of a failed operation: their answers could not change its outcome. */
static void drop_queued(struct sm_op *op)
{
    struct sm_backend *sm = op->sm;
    struct sm_call *c = sm->queue;
    while (c != NULL) {
        struct sm_call *next = c->next;
        if (c->op == op && c->n_members == 0) { /* shared calls serve other operations too */
            call_unlink(&sm->queue, &sm->queue_tail, c);
            call_free(c);
            op->pending--;
        }
        c = next;
    }
}

void sm_op_fail(struct sm_op *op, md_status st, long http, const char *fmt, ...)
{
    if (op->st != MD_OK)
        return;
    char msg[sizeof(op->err.msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    op->st = st;
    md_err_set_http(&op->err, st, http, "%s", msg);
    drop_queued(op);
}

void sm_op_fail_later(struct sm_op *op, md_status st, const char *fmt, ...)
{
    char msg[sizeof(op->err.msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sm_op_fail(op, st, 0, "%s", msg);
    /* a call without keys is refused by md_http and reported from md_http_run() */
    sm_enqueue(op, MD_AWS_SAGEMAKER, "ListEndpoints", SM_ROLE_NONE, sm_obj(), NULL);
    op->sm->queue_tail->no_keys = true;
    pump(op->sm);
}

/* ---- operations ------------------------------------------------------------------------- */

/* Unfinished operations are listed only so that sm_free() can free them. */
static void op_link(struct sm_op *op)
{
    struct sm_backend *sm = op->sm;
    op->prev = NULL;
    op->next = sm->ops;
    if (sm->ops != NULL)
        sm->ops->prev = op;
    sm->ops = op;
}

static void op_unlink(struct sm_op *op)
{
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        op->sm->ops = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    op->prev = op->next = NULL;
}

struct sm_op *sm_op_new(struct sm_backend *sm, enum md_result_kind kind, md_backend_cb cb, void *ud,
                        char *what)
{
    struct sm_op *op = md_xcalloc(1, sizeof(*op));
    op->sm = sm;
    op->kind = kind;
    op->cb = cb;
    op->ud = ud;
    op->what = what;
    op->id = ++sm->next_op_id;
    op->bundle = sm_obj();
    op_link(op);
    return op;
}

/* Everything an operation owns; its calls are gone by the time it is freed. */
static void op_free(struct sm_op *op)
{
    free(op->what);
    free(op->arg1);
    free(op->arg2);
    free(op->arg3);
    for (size_t i = 0; i < op->nw; i++)
        free(op->w_names[i]);
    free(op->w_names);
    free(op->w_values);
    for (size_t i = 0; i < op->n_seen; i++)
        free(op->seen[i]);
    free(op->seen);
    free(op->next_token);
    free(op->raw);
    cJSON_Delete(op->bundle);
    cJSON_Delete(op->list.req);
    free(op);
}

/*
 * Report an operation: map its bundle (or take its mutation reply), hand
 * the result to the callback, free everything. The result lives on this
 * frame and is released after the callback, which may have moved lists out.
 */
static void op_finish(struct sm_op *op)
{
    struct md_result res;
    memset(&res, 0, sizeof(res));
    md_status st = op->st;
    struct md_err err = op->err;
    if (st == MD_OK && op->kind == MD_RESULT_PROBE) {
        res.server_version = md_xasprintf("SageMaker %s", op->sm->aws.region);
    } else if (st == MD_OK && op->kind != MD_RESULT_NONE) {
        if (op->next_token != NULL && op->next_token[0] != '\0')
            sm_str(op->bundle, "NextToken", op->next_token);
        char *text = cJSON_PrintUnformatted(op->bundle);
        if (text == NULL)
            md_die_oom();
        size_t len = strlen(text);
        struct md_err perr = MD_ERR_INIT;
        st = sm_parse(op->kind, text, len, &res, &perr);
        if (st == MD_OK) {
            res.raw = md_xmalloc(len + 1);
            memcpy(res.raw, text, len + 1);
            res.raw_len = len;
        } else {
            md_err_set(&err, st, "%s: %s", op->what, perr.msg);
        }
        cJSON_free(text);
    } else if (st == MD_OK && op->raw != NULL) {
        res.raw_len = strlen(op->raw);
        res.raw = op->raw;
        op->raw = NULL;
    }
    if (st != MD_OK) {
        md_result_release(&res); /* a failed result holds no records */
        res.err = err;
    }
    res.kind = op->kind;
    res.fetched_ms = md_now_ms();
    if (res.next_token == NULL)
        res.next_token = md_xstrdup("");
    res.status = st;
    md_backend_cb cb = op->cb;
    void *ud = op->ud;
    op_unlink(op);
    op_free(op);
    if (cb != NULL)
        cb(&res, ud);
    md_result_release(&res);
}

/*
 * Nothing of the operation is on the wire or the queue: run its next
 * stage (which may enqueue more, or set a further stage), else report it.
 */
static void op_settle(struct sm_op *op)
{
    while (op->st == MD_OK && op->on_done != NULL && op->pending == 0) {
        void (*next)(struct sm_op *) = op->on_done;
        op->on_done = NULL;
        next(op);
    }
    if (op->pending > 0) {
        pump(op->sm);
        return;
    }
    op_finish(op);
}

void sm_op_start(struct sm_op *op)
{
    if (op->pending == 0) {
        /* nothing to send: still report from md_http_run(), never from here */
        sm_op_fail_later(op, MD_ERR_INVALID, "%s: nothing to do", op->what);
        return;
    }
    pump(op->sm);
}

/* The error of one call as a status and message; `what` names the call. */
static md_status call_error(struct sm_call *c, const struct md_http_resp *resp, struct md_err *err)
{
    struct sm_op *op = c->op;
    /* name the call's subject unless the operation's message already does */
    char *quoted = md_xasprintf("'%s'", c->subject);
    bool named = c->subject[0] == '\0' || strstr(op->what, quoted) != NULL;
    char *subj = sm_subject(c->subject);
    char *what = named ? md_xasprintf("%s (%s)", op->what, c->op_name)
                       : md_xasprintf("%s (%s '%s')", op->what, c->op_name, subj);
    free(subj);
    free(quoted);
    md_status st;
    if (resp->status != MD_OK) {
        st = resp->status;
        md_err_set_http(err, st, resp->err.http_status, "%s: %s", what,
                        resp->err.msg[0] ? resp->err.msg : md_status_str(st));
    } else {
        st = sm_map_error(what, resp->code, resp->body, resp->body_len, op->sm->who, err);
    }
    free(what);
    return st;
}

/* The first member's message prefix names a shared call in its errors. */
static md_status shared_error(struct sm_call *c, const struct md_http_resp *resp, cJSON **reply,
                              struct md_err *err)
{
    if (resp->status == MD_OK && resp->code >= 200 && resp->code <= 299) {
        struct md_err perr = MD_ERR_INIT;
        md_status st = jsonx_parse(resp->body, resp->body_len, 0, reply, &perr);
        if (st == MD_OK && !cJSON_IsObject(*reply))
            st = md_err_set(&perr, MD_ERR_PARSE, "reply is not a JSON object");
        if (st != MD_OK)
            md_err_set_http(err, st, resp->code, "%s (%s): %s", c->op->what, c->op_name, perr.msg);
        return st;
    }
    return call_error(c, resp, err);
}

/*
 * A shared GetMetricData answered: each member gets the results of its own
 * queries (ids "q<op id>_..."); a next page is asked for all of them at
 * once; then the members with nothing left pending move on.
 */
static void on_shared_reply(struct sm_call *c, const struct md_http_resp *resp)
{
    struct sm_backend *sm = c->op->sm;
    cJSON *reply = NULL;
    struct md_err err = MD_ERR_INIT;
    md_status st = shared_error(c, resp, &reply, &err);
    const char *tok = st == MD_OK ? jsonx_str_raw(reply, "NextToken") : NULL;
    struct sm_call *next = NULL;
    if (tok != NULL && tok[0] != '\0') {
        next = md_xcalloc(1, sizeof(*next));
        *next = (struct sm_call){.op = c->op,
                                 .svc = c->svc,
                                 .op_name = c->op_name,
                                 .role = c->role,
                                 .subject = md_xstrdup("")};
        next->req = cJSON_Duplicate(c->req, true);
        if (next->req == NULL)
            md_die_oom();
        sm_str(next->req, "NextToken", tok);
        next->members = md_xcalloc(c->n_members, sizeof(*next->members));
    }
    const cJSON *all = jsonx_array(reply, "MetricDataResults", NULL);
    for (size_t i = 0; i < c->n_members; i++) {
        struct sm_op *op = c->members[i];
        op->pending--;
        if (op->st != MD_OK)
            continue;
        if (st != MD_OK) {
            op->on_reply(op, c, st, &err, NULL);
            continue;
        }
        char prefix[32];
        int plen = snprintf(prefix, sizeof(prefix), "q%llu_", (unsigned long long)op->id);
        cJSON *mine = sm_obj();
        cJSON *list = sm_arr(mine, "MetricDataResults");
        for (const cJSON *r = all != NULL ? all->child : NULL; r != NULL; r = r->next) {
            const char *id = jsonx_str_raw(r, "Id");
            if (id != NULL && strncmp(id, prefix, (size_t)plen) == 0) {
                cJSON *copy = cJSON_Duplicate(r, true);
                if (copy == NULL)
                    md_die_oom();
                sm_push(list, copy);
            }
        }
        op->on_reply(op, c, MD_OK, &err, mine);
        cJSON_Delete(mine);
        if (next != NULL && op->st == MD_OK) {
            next->members[next->n_members++] = op;
            op->pending++;
        }
    }
    cJSON_Delete(reply);
    if (next != NULL && next->n_members > 0) {
        next->op = next->members[0];
        call_link(&sm->queue, &sm->queue_tail, next);
    } else if (next != NULL) {
        call_free(next);
    }
    for (size_t i = 0; i < c->n_members; i++) {
        if (c->members[i]->pending == 0)
            op_settle(c->members[i]);
    }
}

void sm_metrics_add(struct sm_op *op, cJSON *queries, double start, double end)
{
    struct sm_backend *sm = op->sm;
    struct sm_call *b = sm->open_batch;
    size_t n = jsonx_count(queries);
    if (b != NULL) {
        const cJSON *have = jsonx_get(b->req, "MetricDataQueries");
        bool same = jsonx_double(b->req, "StartTime", 0) == start &&
                    jsonx_double(b->req, "EndTime", 0) == end;
        if (!same || jsonx_count(have) + n > SM_METRICS_MAX_QUERIES)
            b = NULL;
    }
    if (b == NULL) {
        b = md_xcalloc(1, sizeof(*b));
        *b = (struct sm_call){.op = op,
                              .svc = MD_AWS_CLOUDWATCH,
                              .op_name = "GetMetricData",
                              .role = SM_ROLE_METRICS,
                              .subject = md_xstrdup("")};
        b->req = sm_obj();
        sm_num(b->req, "StartTime", start);
        sm_num(b->req, "EndTime", end);
        sm_str(b->req, "ScanBy", "TimestampAscending");
        sm_arr(b->req, "MetricDataQueries");
        call_link(&sm->queue, &sm->queue_tail, b);
        sm->open_batch = b;
    }
    cJSON *dst = sm_arr(b->req, "MetricDataQueries");
    while (queries->child != NULL)
        sm_push(dst, cJSON_DetachItemViaPointer(queries, queries->child));
    cJSON_Delete(queries);
    b->members = md_xrealloc(b->members, (b->n_members + 1) * sizeof(*b->members));
    b->members[b->n_members++] = op;
    op->pending++;
}

/* One finished call: map its outcome, let the operation use it, then move the queue on. */
static void on_call_reply(const struct md_http_resp *resp, void *ud)
{
    struct sm_call *c = ud;
    struct sm_op *op = c->op;
    struct sm_backend *sm = op->sm;
    call_unlink(&sm->flying, &sm->flying_tail, c);
    sm->inflight--;
    if (c->n_members > 0) {
        on_shared_reply(c, resp);
        call_free(c);
        pump(sm);
        return;
    }
    op->pending--;
    if (op->st == MD_OK) {
        struct md_err err = MD_ERR_INIT;
        cJSON *reply = NULL;
        md_status st;
        if (resp->status == MD_OK && resp->code >= 200 && resp->code <= 299) {
            struct md_err perr = MD_ERR_INIT;
            st = jsonx_parse(resp->body, resp->body_len, 0, &reply, &perr);
            if (st == MD_OK && !cJSON_IsObject(reply))
                st = md_err_set(&perr, MD_ERR_PARSE, "reply is not a JSON object");
            if (st != MD_OK)
                md_err_set_http(&err, st, resp->code, "%s (%s): %s", op->what, c->op_name,
                                perr.msg);
        } else {
            st = call_error(c, resp, &err);
        }
        if (st == MD_OK && c->role == SM_ROLE_MUTATE) {
            op->raw = md_xstrdup(resp->body);
            sm_variants_forget(sm, c->subject); /* its variants may have changed */
        }
        if (op->on_reply != NULL)
            op->on_reply(op, c, st, &err, reply);
        else if (st != MD_OK)
            sm_op_fail(op, st, err.http_status, "%s", err.msg);
        cJSON_Delete(reply);
    }
    call_free(c);
    if (op->pending == 0)
        op_settle(op);
    pump(sm);
}

/* ---- helpers for the operations --------------------------------------------------------- */

cJSON *sm_obj(void)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        md_die_oom();
    return o;
}

cJSON *sm_arr(cJSON *obj, const char *key)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (a == NULL && (a = cJSON_AddArrayToObject(obj, key)) == NULL)
        md_die_oom();
    return a;
}

void sm_str(cJSON *obj, const char *key, const char *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (cJSON_AddStringToObject(obj, key, value != NULL ? value : "") == NULL)
        md_die_oom();
}

void sm_num(cJSON *obj, const char *key, double value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (cJSON_AddNumberToObject(obj, key, value) == NULL)
        md_die_oom();
}

void sm_push(cJSON *arr, cJSON *item)
{
    if (!cJSON_AddItemToArray(arr, item))
        md_die_oom();
}

/* A linear set: an operation asks for at most a few thousand names. */
bool sm_seen(struct sm_op *op, const char *name)
{
    for (size_t i = 0; i < op->n_seen; i++) {
        if (strcmp(op->seen[i], name) == 0)
            return true;
    }
    op->seen = md_xrealloc(op->seen, (op->n_seen + 1) * sizeof(*op->seen));
    op->seen[op->n_seen++] = md_xstrdup(name);
    return false;
}

bool sm_has(const struct sm_op *op, const char *name)
{
    for (size_t i = 0; i < op->n_seen; i++) {
        if (strcmp(op->seen[i], name) == 0)
            return true;
    }
    return false;
}

char *sm_subject(const char *s)
{
    char *c = md_xstrdup_clean(s);
    if (strlen(c) > 64)
        c[64] = '\0';
    md_sanitize(c); /* a character cut in half becomes '?' */
    return c;
}

/* ---- paged lists -------------------------------------------------------------------------- */

/* Ask for the next page: the same request with the token (AWS wants the filters repeated). */
static void list_next(struct sm_op *op, const char *token)
{
    cJSON *body = cJSON_Duplicate(op->list.req, true);
    if (body == NULL)
        md_die_oom();
    if (token != NULL && token[0] != '\0')
        sm_str(body, "NextToken", token);
    op->list.pages++;
    sm_enqueue(op, op->list.svc, op->list.op_name, SM_ROLE_LIST, body, NULL);
}

void sm_list_start(struct sm_op *op, enum md_aws_service svc, const char *op_name, cJSON *req,
                   const char *key, size_t want, int max_pages, const char *token)
{
    op->list.svc = svc;
    op->list.op_name = op_name;
    cJSON_Delete(op->list.req);
    op->list.req = req;
    op->list.key = key;
    op->list.want = want;
    op->list.got = 0;
    op->list.pages = 0;
    op->list.max_pages = max_pages;
    sm_arr(op->bundle, key);
    list_next(op, token);
}

/*
 * A page arrived: keep its items (through the operation's filter), and
 * ask for the next while there is one, fewer than `want` items were kept
 * and the page budget lasts. moto filters after cutting a page, so short
 * and even empty pages with a token are normal.
 */
void sm_list_page(struct sm_op *op, const cJSON *reply)
{
    cJSON *dst = sm_arr(op->bundle, op->list.key);
    const cJSON *items = jsonx_array(reply, op->list.key, NULL);
    for (const cJSON *it = items != NULL ? items->child : NULL; it != NULL; it = it->next) {
        if (op->list.keep != NULL && !op->list.keep(op, it))
            continue;
        if (jsonx_count(dst) >= SM_MAX_ITEMS)
            break;
        cJSON *copy = cJSON_Duplicate(it, true);
        if (copy == NULL)
            md_die_oom();
        sm_push(dst, copy);
        op->list.got++;
    }
    const char *tok = jsonx_str_raw(reply, "NextToken");
    bool more = tok != NULL && tok[0] != '\0';
    free(op->next_token);
    op->next_token = md_xstrdup(more ? tok : "");
    if (more && op->list.got < op->list.want && op->list.pages < op->list.max_pages) {
        list_next(op, tok);
        free(op->next_token);
        op->next_token = NULL;
    }
}

/* ---- lifecycle -------------------------------------------------------------------------- */

/*
 * Resolve credentials, region and endpoints once (aws.c), and refuse a
 * libcurl that would sign only part of each request.
 */
static md_status sm_create(struct md_backend **out, const struct md_backend_conf *conf,
                           md_http *http, struct md_err *err)
{
    *out = NULL;
    char *name = sm_subject(conf->name);
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    if (cv->version_num < SM_MIN_CURL) {
        md_status st = md_err_set(err, MD_ERR_UNSUPPORTED,
                                  "cannot open SageMaker backend '%s': "
                                  "libcurl %s signs AWS requests incompletely; 7.86.0 or newer "
                                  "is required",
                                  name, cv->version);
        free(name);
        return st;
    }
    struct md_aws_opts opts = {
        .profile = conf->profile, .region = conf->region, .endpoint_url = conf->url};
    struct md_aws aws;
    struct md_err aerr = MD_ERR_INIT;
    md_status st = md_aws_resolve(&aws, &opts, &aerr);
    if (st != MD_OK) {
        md_err_set(err, st, "cannot open SageMaker backend '%s': %s", name, aerr.msg);
        free(name);
        return st;
    }
    if (conf->insecure_tls && conf->ca_path != NULL && conf->ca_path[0] != '\0') {
        md_aws_release(&aws);
        st = md_err_set(err, MD_ERR_CONFIG,
                        "cannot open SageMaker backend '%s': insecure TLS "
                        "and a CA bundle exclude each other",
                        name);
        free(name);
        return st;
    }
    free(name);
    struct sm_backend *sm = md_xcalloc(1, sizeof(*sm));
    sm->base.ops = &md_sagemaker_ops;
    sm->base.name = md_xstrdup0(conf->name);
    sm->base.http = http;
    sm->aws = aws;
    for (int s = 0; s < MD_AWS_SERVICE_COUNT; s++)
        sm->sigv4[s] = md_aws_sigv4_param(&sm->aws, (enum md_aws_service)s);
    char who[128];
    sm->who = md_xstrdup(md_aws_who(&sm->aws, who, sizeof(who)));
    sm->ca_path =
        conf->ca_path != NULL && conf->ca_path[0] != '\0' ? md_xstrdup(conf->ca_path) : NULL;
    sm->insecure_tls = conf->insecure_tls;
    sm->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 0;
    md_log(MD_LOG_INFO, "sagemaker '%s': region %s, %s, endpoint %s", sm->base.name, sm->aws.region,
           sm->who, sm->aws.endpoints[MD_AWS_SAGEMAKER]);
    *out = &sm->base;
    return MD_OK;
}

/*
 * The owner frees md_http first (cancelling without callbacks), so calls
 * still queued or flying belong to dropped transfers: free them here.
 */
static void sm_free(struct md_backend *be)
{
    if (be == NULL)
        return;
    struct sm_backend *sm = (struct sm_backend *)be;
    while (sm->queue != NULL) {
        struct sm_call *c = sm->queue;
        call_unlink(&sm->queue, &sm->queue_tail, c);
        call_free(c);
    }
    while (sm->flying != NULL) {
        struct sm_call *c = sm->flying;
        call_unlink(&sm->flying, &sm->flying_tail, c);
        call_free(c);
    }
    while (sm->ops != NULL) {
        struct sm_op *op = sm->ops;
        op_unlink(op);
        op_free(op);
    }
    sm_caches_release(sm);
    md_aws_release(&sm->aws);
    for (int s = 0; s < MD_AWS_SERVICE_COUNT; s++)
        free(sm->sigv4[s]);
    free(sm->who);
    free(sm->ca_path);
    free(sm->base.name);
    free(sm);
}

const struct md_backend_ops md_sagemaker_ops = {
    .name = "sagemaker",
    .caps = MD_CAP_ENDPOINTS | MD_CAP_HEALTH | MD_CAP_UPDATE_ENDPOINT | MD_CAP_SET_WEIGHTS |
            MD_CAP_APPROVAL | MD_CAP_MODELS | MD_CAP_EXPERIMENTS | MD_CAP_RUNS,
    .create = sm_create,
    .free = sm_free,
    .probe = sm_probe,
    .list_experiments = sm_list_experiments,
    .list_runs = sm_list_runs,
    .get_run = sm_get_run,
    .list_models = sm_list_models,
    .list_versions = sm_list_versions,
    .list_endpoints = sm_list_endpoints,
    .get_endpoint = sm_get_endpoint,
    .list_endpoint_configs = sm_list_endpoint_configs,
    .get_health = sm_get_health,
    .update_endpoint = sm_update_endpoint,
    .set_weights = sm_set_weights,
    .set_approval = sm_set_approval,
    .parse = sm_parse,
};

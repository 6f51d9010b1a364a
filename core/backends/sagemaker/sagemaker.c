/*
 * sagemaker.c - the Amazon SageMaker backend: AWS JSON 1.1 calls
 * (X-Amz-Target: SageMaker.<Operation>) and CloudWatch GetMetricData
 * (JSON 1.0), signed by libcurl's CURLOPT_AWS_SIGV4 through md_http.
 *
 * One backend operation (list endpoints, get health, ...) usually needs
 * several calls. Operations and calls run on the backends' one engine
 * (backends/op.h): at most SM_MAX_INFLIGHT calls are on the wire at once,
 * which bounds the load a refresh of hundreds of endpoints puts on the
 * account's API rate limits, and the keys are fetched (credential_process,
 * run beside the loop by md_aws_cred()) once for every call waiting when
 * they are missing or about to expire (the engine's gate).
 * Replies are collected into a JSON bundle (sagemaker_int.h) that
 * sm_parse() maps in one pass, so the live path, the cached snapshot and
 * the fuzz target share one mapper. The callback runs exactly once per
 * operation, always from inside md_http_run().
 *
 * This file has the platform's hooks, the operations' glue, shared
 * GetMetricData calls, paged lists and the lifecycle; the operations themselves are in
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
/* libcurl signs every header (X-Amz-Target, the session token) only since 7.86.0. */
#define SM_MIN_CURL 0x075600

/* ---- the platform's hooks ------------------------------------------------------------- */

/*
 * Every call is an AWS JSON POST to the service's endpoint, signed by
 * libcurl. Exact content types: moto answers "; charset=..." on CloudWatch
 * with CBOR and a 500.
 */
static void batch_prepare(struct op_call *c);

/* Each service's X-Amz-Target prefix and JSON protocol version. */
struct sm_protocol {
    const char *target;
    const char *content_type;
};
static const struct sm_protocol protocols[MD_AWS_SERVICE_COUNT] = {
    [MD_AWS_SAGEMAKER] = {"SageMaker", "application/x-amz-json-1.1"},
    [MD_AWS_CLOUDWATCH] = {"GraniteServiceVersion20100801", "application/x-amz-json-1.0"},
    [MD_AWS_CLOUDTRAIL] = {"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
                           "application/x-amz-json-1.1"},
    [MD_AWS_LOGS] = {"Logs_20140328", "application/x-amz-json-1.1"},
};

static void prepare(struct op_engine *e, struct op_call *c, struct md_http_req *req)
{
    struct sm_backend *sm = (struct sm_backend *)e->be;
    if (c->role == SM_ROLE_METRICS && c->body == NULL) {
        batch_prepare(c);
        req->body = c->body;
        req->body_len = strlen(c->body);
        req->max_body = c->max_body; /* capped by the queries it carries */
    }
    const struct sm_protocol *p = &protocols[c->service];
    snprintf(sm->target, sizeof(sm->target), "%s.%s", p->target, c->name);
    snprintf(sm->tag, sizeof(sm->tag), "sagemaker %s", c->name);
    req->content_type = p->content_type;
    req->amz_target = sm->target;
    req->tag = sm->tag;
    req->aws_sigv4 = sm->sigv4[c->service];
    req->aws_access_key = sm->aws.creds.access_key_id;
    req->aws_secret_key = sm->aws.creds.secret_access_key;
    req->aws_session_token = sm->aws.creds.session_token;
    req->ca_path = sm->ca_path;
    req->insecure_tls = sm->insecure_tls;
    if (req->timeout_ms <= 0)
        req->timeout_ms = sm->timeout_ms;
}

/* Name the call's subject unless the operation's message already does. */
static char *label(struct op_call *c)
{
    const char *what = c->op->what;
    char *quoted = md_xasprintf("'%s'", c->subject);
    bool named = c->subject[0] == '\0' || strstr(what, quoted) != NULL;
    free(quoted);
    if (named)
        return md_xasprintf("%s (%s)", what, c->name);
    char *subj = sm_subject(c->subject);
    char *l = md_xasprintf("%s (%s '%s')", what, c->name, subj);
    free(subj);
    return l;
}

static md_status map_error(struct op_call *c, const char *what, const struct md_http_resp *resp,
                           struct md_err *err)
{
    struct sm_backend *sm = (struct sm_backend *)c->op->eng->be;
    return sm_map_error(what, resp->code, resp->body, resp->body_len, sm->who, err);
}

static const struct op_platform platform = {
    .prepare = prepare,
    .map_error = map_error,
    .label = label,
    .stale_credential = "the renewed AWS keys had already expired (check the clock)",
};

/* ---- operations ------------------------------------------------------------------------- */

static void sm_on_reply(struct op *o, struct op_call *c, md_status st, const struct md_err *err,
                        const struct md_http_resp *resp);
static void sm_stage(struct op *o);
static void sm_fixup(struct op *o, struct md_result *res);

/* Everything an operation owns beside struct op. */
static void sm_op_release(struct op *o)
{
    struct sm_op *op = (struct sm_op *)o;
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
}

struct sm_op *sm_op_new(struct sm_backend *sm, enum md_result_kind kind, md_backend_cb cb, void *ud,
                        char *what)
{
    struct sm_op *op = (struct sm_op *)op_new(&sm->eng, sizeof(struct sm_op), kind, cb, ud, what);
    op->sm = sm;
    op->bundle = sm_obj();
    op->base.on_reply = sm_on_reply;
    op->base.on_done = sm_stage;
    op->base.fixup = sm_fixup;
    op->base.release = sm_op_release;
    return op;
}

void sm_enqueue(struct sm_op *op, enum md_aws_service svc, const char *op_name, int role,
                cJSON *body, const char *subject)
{
    char *text = cJSON_PrintUnformatted(body);
    double page = jsonx_double(body, "MaxResults", 0);
    cJSON_Delete(body);
    if (text == NULL)
        md_die_oom();
    struct op_call *c = op_call(&op->base, role, MD_HTTP_POST,
                                md_xasprintf("%s/", op->sm->aws.endpoints[svc]), text);
    c->service = (int)svc;
    c->name = op_name;
    sm_call_cap(c, page >= 1 && page < 1e6 ? (size_t)page : 100);
    free(c->subject);
    c->subject = md_xstrdup0(subject);
}

void sm_op_fail(struct sm_op *op, md_status st, long http, const char *fmt, ...)
{
    char msg[sizeof(op->base.err.msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    op_fail(&op->base, st, http, "%s", msg);
}

void sm_op_fail_later(struct sm_op *op, md_status st, const char *fmt, ...)
{
    char msg[sizeof(op->base.err.msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    op_fail(&op->base, st, 0, "%s", msg);
    op_go(&op->base);
}

void sm_op_start(struct sm_op *op)
{
    if (op->base.pending == 0 && op->base.st == MD_OK)
        op_fail(&op->base, MD_ERR_INVALID, 0, "%s: nothing to do", op->base.what);
    op_go(&op->base);
}

static void bundle_doc(struct sm_op *op);

/*
 * The engine's stage hook runs the operation's own stage, and stays armed
 * while there is another or calls are pending; the last run turns the
 * bundle into the document to report.
 */
static void sm_stage(struct op *o)
{
    struct sm_op *op = (struct sm_op *)o;
    void (*next)(struct sm_op *) = op->on_done;
    op->on_done = NULL;
    if (next != NULL)
        next(op);
    if (op->on_done != NULL || o->pending > 0) {
        o->on_done = sm_stage;
        return;
    }
    if (o->st == MD_OK)
        bundle_doc(op);
}

/*
 * One reply of one call: as a JSON object to the operation's handler. A
 * mutation's reply is the result's raw, and the variants it changed are
 * forgotten.
 */
static void sm_on_reply(struct op *o, struct op_call *c, md_status st, const struct md_err *err,
                        const struct md_http_resp *resp)
{
    struct sm_op *op = (struct sm_op *)o;
    struct md_err perr = MD_ERR_INIT;
    cJSON *reply = NULL;
    if (st == MD_OK) {
        struct md_err jerr = MD_ERR_INIT;
        st = op_reply_object(resp, &reply, &jerr);
        if (st == MD_OK)
            st = sm_check_reply(c->name, reply, &jerr);
        if (st != MD_OK)
            md_err_set_http(&perr, st, resp->code, "%s (%s): %s", o->what, c->name, jerr.msg);
        err = &perr;
    }
    if (st == MD_OK && c->role == SM_ROLE_MUTATE) {
        free(op->raw);
        op->raw = md_xstrdup(resp->body);
        sm_variants_forget(op->sm, c->subject); /* its variants may have changed */
    }
    if (op->on_reply != NULL)
        op->on_reply(op, c, st, err, reply);
    else if (st != MD_OK)
        op_fail_err(o, err);
    cJSON_Delete(reply);
}

/*
 * Before the report: the bundle becomes the document sm_parse() maps (the
 * engine parses it and caches it as raw); a probe says where it went; a
 * mutation hands over its reply.
 */
static void bundle_doc(struct sm_op *op)
{
    if (op->base.kind == MD_RESULT_PROBE || op->base.kind == MD_RESULT_NONE)
        return;
    if (op->next_token != NULL && op->next_token[0] != '\0')
        sm_str(op->bundle, "NextToken", op->next_token);
    char *text = cJSON_PrintUnformatted(op->bundle);
    if (text == NULL)
        md_die_oom();
    op_set_doc(&op->base, md_xstrdup(text));
    cJSON_free(text);
}

static void sm_fixup(struct op *o, struct md_result *res)
{
    struct sm_op *op = (struct sm_op *)o;
    if (o->kind == MD_RESULT_PROBE) {
        res->server_version = md_xasprintf("SageMaker %s", op->sm->aws.region);
    } else if (o->kind == MD_RESULT_NONE && op->raw != NULL) {
        res->raw_len = strlen(op->raw);
        res->raw = op->raw;
        op->raw = NULL;
    }
}

/* ---- shared GetMetricData calls -------------------------------------------------------------- */

/*
 * One GetMetricData serves the queries of several health operations: a
 * batch is an operation of its own that owns the call, and each member
 * holds itself pending until the batch has answered it (its results only,
 * ids "q<op id>_..."); a next page is asked for all members at once.
 */
struct sm_batch {
    struct sm_op op; /* first: a batch is an operation with no callback */
    cJSON *req;
    struct sm_op **members;
    size_t n_members;
    bool closed; /* its call left the queue: no more members */
};

static void batch_release(struct op *o)
{
    struct sm_batch *b = (struct sm_batch *)o;
    if (b->op.sm->open_batch == b)
        b->op.sm->open_batch = NULL;
    cJSON_Delete(b->req);
    free(b->members);
    sm_op_release(o);
}

static void batch_on_reply(struct sm_op *bop, struct op_call *c, md_status st,
                           const struct md_err *err, const cJSON *reply);

static struct sm_batch *batch_new(struct sm_backend *sm, const char *what, cJSON *req)
{
    struct sm_batch *b = (struct sm_batch *)op_new(&sm->eng, sizeof(struct sm_batch),
                                                   MD_RESULT_NONE, NULL, NULL, md_xstrdup(what));
    b->op.sm = sm;
    b->op.bundle = sm_obj();
    b->op.base.on_reply = sm_on_reply;
    b->op.base.release = batch_release;
    b->op.on_reply = batch_on_reply;
    b->req = req;
    return b;
}

/* The batch's call: its body is printed when it leaves, so later members still ride along. */
static void batch_send(struct sm_batch *b)
{
    struct op_call *c =
        op_call(&b->op.base, SM_ROLE_METRICS, MD_HTTP_POST,
                md_xasprintf("%s/", b->op.sm->aws.endpoints[MD_AWS_CLOUDWATCH]), NULL);
    c->service = MD_AWS_CLOUDWATCH;
    c->name = "GetMetricData";
    /* not pumped here: the member that asked moves the queue once its queries are in */
}

static void batch_on_reply(struct sm_op *bop, struct op_call *c, md_status st,
                           const struct md_err *err, const cJSON *reply)
{
    struct sm_batch *b = (struct sm_batch *)bop;
    const char *tok = st == MD_OK ? jsonx_str_raw(reply, "NextToken") : NULL;
    struct sm_batch *next = NULL;
    if (tok != NULL && tok[0] != '\0') {
        cJSON *req = cJSON_Duplicate(b->req, true);
        if (req == NULL)
            md_die_oom();
        sm_str(req, "NextToken", tok);
        next = batch_new(b->op.sm, bop->base.what, req);
        next->closed = true;
        next->members = md_xcalloc(b->n_members ? b->n_members : 1, sizeof(*next->members));
    }
    const cJSON *all = jsonx_array(reply, "MetricDataResults", NULL);
    for (size_t i = 0; i < b->n_members; i++) {
        struct sm_op *op = b->members[i];
        if (op->base.st != MD_OK)
            continue;
        if (st != MD_OK) {
            op->on_reply(op, c, st, err, NULL);
            continue;
        }
        char prefix[32];
        int plen = snprintf(prefix, sizeof(prefix), "q%llu_", (unsigned long long)op->base.id);
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
        op->on_reply(op, c, MD_OK, err, mine);
        cJSON_Delete(mine);
        if (next != NULL && op->base.st == MD_OK) {
            next->members[next->n_members++] = op;
            op_hold(&op->base);
        }
    }
    if (next != NULL && next->n_members > 0)
        batch_send(next);
    else if (next != NULL)
        op_go(&next->op.base); /* nothing to ask: it reports (to no one) and goes */
    /* the members this page answered move on; the batch itself reports when this returns */
    for (size_t i = 0; i < b->n_members; i++)
        op_unhold(&b->members[i]->base);
    b->n_members = 0;
}

/* The batch's call leaves the queue: close it and print what its members asked. */
static void batch_prepare(struct op_call *c)
{
    struct sm_batch *b = (struct sm_batch *)c->op;
    b->closed = true;
    if (b->op.sm->open_batch == b)
        b->op.sm->open_batch = NULL;
    c->body = cJSON_PrintUnformatted(b->req);
    if (c->body == NULL)
        md_die_oom();
    sm_call_cap(c, jsonx_count(jsonx_get(b->req, "MetricDataQueries")));
}

void sm_metrics_add(struct sm_op *op, cJSON *queries, double start, double end)
{
    struct sm_backend *sm = op->sm;
    struct sm_batch *b = sm->open_batch;
    size_t n = jsonx_count(queries);
    if (b != NULL) {
        const cJSON *have = jsonx_get(b->req, "MetricDataQueries");
        bool same = jsonx_double(b->req, "StartTime", 0) == start &&
                    jsonx_double(b->req, "EndTime", 0) == end;
        if (b->closed || !same || jsonx_count(have) + n > SM_METRICS_MAX_QUERIES)
            b = NULL;
    }
    if (b == NULL) {
        cJSON *req = sm_obj();
        sm_num(req, "StartTime", start);
        sm_num(req, "EndTime", end);
        sm_str(req, "ScanBy", "TimestampAscending");
        sm_arr(req, "MetricDataQueries");
        b = batch_new(sm, op->base.what, req);
        sm->open_batch = b;
        batch_send(b);
    }
    cJSON *dst = sm_arr(b->req, "MetricDataQueries");
    while (queries->child != NULL)
        sm_push(dst, cJSON_DetachItemViaPointer(queries, queries->child));
    cJSON_Delete(queries);
    b->members = md_xrealloc(b->members, (b->n_members + 1) * sizeof(*b->members));
    b->members[b->n_members++] = op;
    op_hold(&op->base);
}

/* ---- helpers for the operations --------------------------------------------------------- */

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
    double asked = jsonx_double(op->list.req, "MaxResults", 0);
    if (asked >= 1 && (double)jsonx_count(items) > asked) {
        /* a service answering more than was asked is broken: nothing of it is kept */
        sm_op_fail(op, MD_ERR_TOO_BIG, 0, "%s (%s): reply holds %zu records for a page of %.0f",
                   op->base.what, op->list.op_name, jsonx_count(items), asked);
        return;
    }
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
    /* credential_process runs later, beside the loop, as the engine's gate fetches the keys */
    struct md_aws_opts opts = {.profile = conf->profile,
                               .region = conf->region,
                               .endpoint_url = conf->url,
                               .defer_process = true};
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
    md_aws_cred(&sm->aws, http, &sm->keys);
    op_engine_init(&sm->eng, &sm->base, &platform, &sm->keys, SM_MAX_INFLIGHT);
    md_log(MD_LOG_INFO, "sagemaker '%s': region %s, %s, endpoint %s", sm->base.name, sm->aws.region,
           sm->who, sm->aws.endpoints[MD_AWS_SAGEMAKER]);
    *out = &sm->base;
    return MD_OK;
}

/*
 * The owner frees md_http first (cancelling without callbacks), so what
 * the engine still holds belongs to dropped transfers: it frees that.
 */
static void sm_free(struct md_backend *be)
{
    if (be == NULL)
        return;
    struct sm_backend *sm = (struct sm_backend *)be;
    op_engine_release(&sm->eng);
    sm_caches_release(sm);
    md_aws_release(&sm->aws);
    for (int s = 0; s < MD_AWS_SERVICE_COUNT; s++)
        free(sm->sigv4[s]);
    free(sm->who);
    free(sm->ca_path);
    free(sm->base.name);
    free(sm);
}

static int64_t sm_waiting_since(const struct md_backend *be)
{
    return op_engine_waiting_since(&((const struct sm_backend *)be)->eng);
}

const struct md_backend_ops md_sagemaker_ops = {
    .name = "sagemaker",
    .caps = MD_CAP_ENDPOINTS | MD_CAP_HEALTH | MD_CAP_UPDATE_ENDPOINT | MD_CAP_SET_WEIGHTS |
            MD_CAP_APPROVAL | MD_CAP_MODELS | MD_CAP_EXPERIMENTS | MD_CAP_RUNS | MD_CAP_CHANGES |
            MD_CAP_ALARMS | MD_CAP_LOGS,
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
    .list_changes = sm_list_changes,
    .list_alarms = sm_list_alarms,
    .list_alarm_history = sm_list_alarm_history,
    .filter_logs = sm_filter_logs,
    .waiting_since = sm_waiting_since,
    .parse = sm_parse,
};

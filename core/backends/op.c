/*
 * op.c - the request engine of every backend (op.h): operations own calls,
 * calls wait for room on the wire and for the engine's credential, every
 * reply is mapped once, and each operation reports exactly once.
 *
 * Lists: the queue and the waiting list are FIFO (calls go out in the
 * order operations asked for them); the flying list has no order (replies
 * arrive in any). Every list is doubly linked so a reply, a drop or a
 * failure unlinks in O(1).
 */
#include "op.h"
#include "op_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

static void on_http(const struct md_http_resp *resp, void *ud);
static void settle(struct op *op);
static void pump(struct op_engine *e);

/* ---- lists ---------------------------------------------------------------------------------- */

static void push_back(struct op_call **head, struct op_call **tail, struct op_call *c)
{
    c->prev = tail != NULL ? *tail : NULL;
    c->next = NULL;
    if (tail != NULL) {
        if (*tail != NULL)
            (*tail)->next = c;
        else
            *head = c;
        *tail = c;
        return;
    }
    /* an unordered list: push at the head */
    c->next = *head;
    if (*head != NULL)
        (*head)->prev = c;
    *head = c;
}

static void unlink_call(struct op_call **head, struct op_call **tail, struct op_call *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        *head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else if (tail != NULL)
        *tail = c->prev;
    c->prev = c->next = NULL;
}

/* Take c off whichever list it is on. */
static void detach(struct op_engine *e, struct op_call *c)
{
    switch (c->where) {
    case OP_CALL_QUEUED:
        unlink_call(&e->queue, &e->queue_tail, c);
        break;
    case OP_CALL_WAITING:
        unlink_call(&e->waiting, &e->waiting_tail, c);
        break;
    case OP_CALL_FLYING:
        unlink_call(&e->flying, NULL, c);
        e->inflight--;
        break;
    }
}

static void call_free(struct op_call *c)
{
    free(c->url);
    free(c->body);
    free(c->subject);
    free(c);
}

/* ---- operations ----------------------------------------------------------------------------- */

struct op *op_new(struct op_engine *e, size_t size, enum md_result_kind kind, md_backend_cb cb,
                  void *ud, char *what)
{
    if (size < sizeof(struct op))
        MD_BUG("operation of %zu bytes", size);
    struct op *op = md_xcalloc(1, size);
    op->eng = e;
    op->id = ++e->next_id;
    op->kind = kind;
    op->cb = cb;
    op->ud = ud;
    op->what = what != NULL ? what : md_xstrdup("request failed");
    op->next = e->ops;
    if (e->ops != NULL)
        e->ops->prev = op;
    e->ops = op;
    return op;
}

static void op_unlink(struct op *op)
{
    struct op_engine *e = op->eng;
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        e->ops = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    op->prev = op->next = NULL;
}

static void op_free(struct op *op)
{
    if (op->release != NULL)
        op->release(op);
    free(op->what);
    free(op->doc);
    free(op);
}

struct op_call *op_call(struct op *op, int role, enum md_http_method method, char *url, char *body)
{
    struct op_engine *e = op->eng;
    struct op_call *c = md_xcalloc(1, sizeof(*c));
    c->op = op;
    c->role = role;
    c->method = method;
    c->url = url;
    c->body = body;
    c->subject = md_xstrdup("");
    c->where = OP_CALL_QUEUED;
    push_back(&e->queue, &e->queue_tail, c);
    op->pending++;
    return c;
}

/* A report with nothing pending still comes from md_http_run(), never from the slot. */
static void on_deferred(const struct md_http_resp *resp, void *ud)
{
    (void)resp;
    struct op *op = ud;
    op->defer_id = 0;
    op_unhold(op);
}

uint64_t op_go(struct op *op)
{
    uint64_t id = op->id;
    if (op->pending == 0) {
        op_hold(op);
        op->defer_id = md_http_defer(op->eng->be->http, on_deferred, op);
    }
    pump(op->eng);
    return id;
}

/* Drop the calls of op that have not left yet: their answers cannot change its outcome. */
static void drop_unsent(struct op *op)
{
    struct op_engine *e = op->eng;
    struct op_call **lists[] = {&e->queue, &e->waiting};
    for (size_t l = 0; l < 2; l++) {
        struct op_call *c = *lists[l];
        while (c != NULL) {
            struct op_call *next = c->next;
            if (c->op == op) {
                detach(e, c);
                call_free(c);
                op->pending--;
            }
            c = next;
        }
    }
}

md_status op_fail(struct op *op, md_status st, long http, const char *fmt, ...)
{
    if (op->st != MD_OK)
        return op->st;
    char msg[sizeof(op->err.msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    md_sanitize(msg);
    op->st = st != MD_OK ? st : MD_ERR_INVALID;
    md_err_set_http(&op->err, op->st, http, "%s", msg);
    drop_unsent(op);
    return op->st;
}

md_status op_fail_err(struct op *op, const struct md_err *err)
{
    return op_fail(op, err->code, err->http_status, "%s", err->msg);
}

bool op_failed_by(struct op *op, md_status st, const struct md_err *err)
{
    if (st == MD_OK)
        return false;
    op_fail_err(op, err);
    return true;
}

uint64_t op_fail_later(struct op *op, md_status st, const char *why)
{
    op_fail(op, st, 0, "%s: %s", op->what, why);
    return op_go(op);
}

void op_hold(struct op *op)
{
    op->pending++;
}

void op_unhold(struct op *op)
{
    op->pending--;
    settle(op);
}

void op_call_again(struct op_call *c, long delay_ms)
{
    c->again = true;
    c->delay_ms = delay_ms;
}

void op_keep_body(struct op *op, const struct md_http_resp *resp)
{
    size_t len = 0;
    char *doc = md_http_resp_take_body(resp, &len);
    if (doc == NULL) {
        len = resp->body_len;
        doc = md_xmalloc(len + 1);
        memcpy(doc, resp->body, len);
        doc[len] = '\0';
    }
    free(op->doc);
    op->doc = doc;
    op->doc_len = len;
    op->doc_code = resp->code;
}

void op_set_doc(struct op *op, char *doc)
{
    free(op->doc);
    op->doc = doc;
    op->doc_len = doc != NULL ? strlen(doc) : 0;
    op->doc_code = 200;
}

/* The records of a list result (one list is filled per kind). */
static size_t result_records(const struct md_result *r)
{
    return r->experiments.n + r->runs.n + r->models.n + r->versions.n + r->endpoints.n +
           r->configs.n + r->monitors.n + r->changes.n + r->alarms.n;
}

/*
 * The one report, after the document (if any) was mapped into res with
 * status st (perr its message): refuse an over-full page, let the platform
 * adjust, hand the result over, free the operation. The result lives on
 * this frame and is released after the callback, which may have moved
 * lists out of it.
 */
static void report(struct op *op, md_status st, const struct md_err *perr, struct md_result *res)
{
    struct md_err err = op->err;
    if (op->st == MD_OK && op->doc != NULL) {
        if (st != MD_OK) {
            md_err_set_http(&err, st, op->doc_code, "%s: %s", op->what, perr->msg);
        } else {
            free(res->raw);
            res->raw = op->doc;
            res->raw_len = op->doc_len;
            op->doc = NULL;
        }
    }
    if (st == MD_OK && op->page_max > 0 && result_records(res) > op->page_max) {
        /* a server answering more than was asked is broken: nothing of it is kept or cached */
        st = md_err_set_http(&err, MD_ERR_TOO_BIG, op->doc_code,
                             "%s: reply holds %zu records for a page of %zu", op->what,
                             result_records(res), op->page_max);
    }
    if (st == MD_OK && op->fixup != NULL)
        op->fixup(op, res);
    if (st != MD_OK) {
        md_result_release(res); /* a failed result holds no records */
        res->err = err;
        res->err.code = st;
    }
    res->kind = op->kind;
    res->status = st;
    res->fetched_ms = md_now_ms();
    if (res->next_token == NULL)
        res->next_token = md_xstrdup("");
    md_backend_cb cb = op->cb;
    void *ud = op->ud;
    op_unlink(op);
    op_free(op);
    if (cb != NULL)
        cb(res, ud);
    md_result_release(res);
}

/*
 * A document this large is parsed on the http worker thread (a 30 MiB runs
 * page takes ~200 ms: a dozen frames). The parse slot is pure, so it runs
 * there on the document alone; everything else, the report included, stays
 * on the loop thread.
 */
#define OP_PARSE_OFF_LOOP ((size_t)1 << 20)

struct op_parse {
    struct op *op;
    md_status (*parse)(enum md_result_kind kind, const char *body, size_t len,
                       struct md_result *out, struct md_err *err);
    enum md_result_kind kind;
    const char *doc; /* op->doc: the operation keeps it, and is pending meanwhile */
    size_t len;
    md_status st;
    struct md_err err;
    struct md_result res;
};

/* On the worker thread: only the document and the result, nothing of the operation. */
static void parse_work(void *ud)
{
    struct op_parse *p = ud;
    p->st = p->parse(p->kind, p->doc, p->len, &p->res, &p->err);
}

static void parse_done(void *ud)
{
    struct op_parse *p = ud;
    struct op *op = p->op;
    op->parse_id = 0;
    report(op, p->st, &p->err, &p->res);
    free(p);
}

/*
 * Cancelled, or md_http freed: the operation never reports (like a
 * cancelled request) and is freed with its engine; only the parse's own
 * memory goes here, and the operation is not touched (at md_http_free()
 * its engine may be going too).
 */
static void parse_drop(void *ud)
{
    struct op_parse *p = ud;
    md_result_release(&p->res);
    free(p);
}

static void finish(struct op *op)
{
    struct md_backend *be = op->eng->be;
    struct md_result res;
    memset(&res, 0, sizeof(res));
    md_status st = op->st;
    struct md_err perr = MD_ERR_INIT;
    if (st == MD_OK && op->doc != NULL && op->doc_len >= OP_PARSE_OFF_LOOP) {
        struct op_parse *p = md_xcalloc(1, sizeof(*p));
        *p = (struct op_parse){.op = op,
                               .parse = be->ops->parse,
                               .kind = op->kind,
                               .doc = op->doc,
                               .len = op->doc_len,
                               .err = MD_ERR_INIT};
        op->parse_id = md_http_work(be->http, "parse", parse_work, parse_done, parse_drop, p);
        return;
    }
    if (st == MD_OK && op->doc != NULL)
        st = be->ops->parse(op->kind, op->doc, op->doc_len, &res, &perr);
    report(op, st, &perr, &res);
}

/* Nothing of op is pending: run its next stage (which may send more), else report it. */
static void settle(struct op *op)
{
    if (op->pending > 0)
        return;
    while (op->st == MD_OK && op->on_done != NULL && op->pending == 0) {
        void (*next)(struct op *) = op->on_done;
        op->on_done = NULL;
        next(op);
    }
    if (op->pending > 0) {
        pump(op->eng);
        return;
    }
    finish(op);
}

/* ---- the wire ------------------------------------------------------------------------------- */

static void on_gate(md_status st, const struct md_err *err, void *ud);

static void submit(struct op_engine *e, struct op_call *c)
{
    struct md_http_req req = {
        .method = c->method,
        .url = c->url,
        .body = c->body,
        .body_len = c->body != NULL ? strlen(c->body) : 0,
        .content_type = c->content_type != NULL ? c->content_type
                        : c->body != NULL       ? "application/json"
                                                : NULL,
        .timeout_ms = c->timeout_ms,
        .max_retries = -1,
        .max_body = c->max_body,
        .tag = c->tag,
        .delay_ms = c->delay_ms,
    };
    e->pf->prepare(e, c, &req);
    c->serial = e->gate != NULL && e->gate->serial != NULL ? e->gate->serial(e->gate->impl) : 0;
    c->where = OP_CALL_FLYING;
    c->sent_mono = md_mono_ms() + (c->delay_ms > 0 ? c->delay_ms : 0);
    push_back(&e->flying, NULL, c);
    e->inflight++;
    c->http_id = md_http_submit(e->be->http, &req, on_http, c);
}

int64_t op_engine_waiting_since(const struct op_engine *e)
{
    int64_t oldest = 0;
    for (const struct op_call *c = e->flying; c != NULL; c = c->next)
        if (c->sent_mono > 0 && (oldest == 0 || c->sent_mono < oldest))
            oldest = c->sent_mono;
    return oldest;
}

/* Move queued calls onto the wire while there is room and the credential is fresh. */
static void pump(struct op_engine *e)
{
    while (e->queue != NULL && (e->max_inflight == 0 || e->inflight < e->max_inflight)) {
        struct op_call *c = e->queue;
        detach(e, c);
        if (e->gate != NULL && !e->gate->ready(e->gate->impl)) {
            c->where = OP_CALL_WAITING;
            push_back(&e->waiting, &e->waiting_tail, c);
            if (!e->fetching) {
                e->fetching = true;
                e->gate->fetch(e->gate->impl, on_gate, e);
            }
            continue;
        }
        submit(e, c);
    }
}

/* The gate's fetch ended: waiting calls go back to the queue's head, or fail with its error. */
static void on_gate(md_status st, const struct md_err *err, void *ud)
{
    struct op_engine *e = ud;
    e->fetching = false;
    if (st == MD_OK && e->gate->ready(e->gate->impl)) {
        while (e->waiting_tail != NULL) {
            struct op_call *c = e->waiting_tail;
            detach(e, c);
            c->where = OP_CALL_QUEUED;
            c->next = e->queue;
            c->prev = NULL;
            if (e->queue != NULL)
                e->queue->prev = c;
            else
                e->queue_tail = c;
            e->queue = c;
        }
        pump(e);
        return;
    }
    /* each waiting call is answered like a failed transfer: one message path for every outcome */
    struct md_http_resp fail;
    memset(&fail, 0, sizeof(fail));
    fail.status = st != MD_OK ? st : MD_ERR_AUTH;
    fail.body = "";
    fail.content_type = "";
    fail.retry_after_s = -1;
    if (st != MD_OK && err != NULL && err->msg[0]) {
        fail.err = *err;
    } else {
        const char *why = e->pf->stale_credential != NULL ? e->pf->stale_credential
                                                          : "the new credential had already "
                                                            "expired (check the clock)";
        snprintf(fail.err.msg, sizeof(fail.err.msg), "%s", why);
    }
    fail.err.code = fail.status;
    /* as if they had been sent; answered after, since answers may queue new calls */
    size_t n = 0;
    for (struct op_call *c = e->waiting; c != NULL; c = c->next)
        n++;
    struct op_call **v = md_xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        struct op_call *c = e->waiting;
        detach(e, c);
        c->where = OP_CALL_FLYING;
        push_back(&e->flying, NULL, c);
        e->inflight++;
        v[i] = c;
    }
    for (size_t i = 0; i < n; i++)
        on_http(&fail, v[i]);
    free(v);
    pump(e);
}

/* The message prefix of c's failures (free()). */
static char *label_of(struct op_call *c)
{
    const struct op_platform *pf = c->op->eng->pf;
    char *l = pf->label != NULL ? pf->label(c) : NULL;
    return l != NULL ? l : md_xstrdup(c->op->what);
}

/* One finished request: map it once, hand it to the operation, move the queue on. */
static void on_http(const struct md_http_resp *resp, void *ud)
{
    struct op_call *c = ud;
    struct op *op = c->op;
    struct op_engine *e = op->eng;
    detach(e, c);
    if (e->pf->observe != NULL)
        e->pf->observe(e, resp);
    if (op->st == MD_OK && resp->status == MD_OK && resp->code == 401 && e->gate != NULL &&
        e->gate->refused != NULL && !c->auth_retried) {
        md_log(MD_LOG_INFO, "%s '%s': %s refused, getting a new one", e->be->ops->name, e->be->name,
               e->pf->credential != NULL ? e->pf->credential : "credential");
        e->gate->refused(e->gate->impl, c->serial);
        c->auth_retried = true;
        c->delay_ms = 0;
        c->where = OP_CALL_QUEUED;
        push_back(&e->queue, &e->queue_tail, c);
        pump(e);
        return;
    }
    if (op->st == MD_OK) {
        struct md_err err = MD_ERR_INIT;
        md_status st = MD_OK;
        if (resp->status != MD_OK) {
            char *what = label_of(c);
            st = resp->status;
            /* cut at its cap: say which cap, and why it is that size */
            if (st != MD_ERR_TOO_BIG || !op_cap_message(c, what, resp->code, &err))
                md_err_set_http(
                    &err, st, resp->err.http_status ? resp->err.http_status : resp->code, "%s: %s",
                    what, resp->err.msg[0] ? resp->err.msg : md_status_str(st));
            free(what);
        } else if (resp->code < 200 || resp->code > 299) {
            char *what = label_of(c);
            st = e->pf->map_error(c, what, resp, &err);
            free(what);
        }
        c->again = false;
        if (op->on_reply != NULL)
            op->on_reply(op, c, st, &err, resp);
        else if (st != MD_OK)
            op_fail_err(op, &err);
        else
            op_keep_body(op, resp);
        if (c->again && op->st == MD_OK) {
            c->again = false;
            c->where = OP_CALL_QUEUED;
            push_back(&e->queue, &e->queue_tail, c);
            pump(e);
            return;
        }
    }
    call_free(c);
    op->pending--;
    settle(op);
    pump(e);
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

void op_engine_init(struct op_engine *e, struct md_backend *be, const struct op_platform *pf,
                    const struct md_cred_source *gate, size_t max_inflight)
{
    memset(e, 0, sizeof(*e));
    e->be = be;
    e->pf = pf;
    e->gate = gate;
    e->max_inflight = max_inflight;
}

/*
 * The owner frees md_http first (which cancels without calling back), so
 * what is still here belongs to dropped transfers: free it, report nothing.
 */
void op_engine_release(struct op_engine *e)
{
    struct op_call **lists[] = {&e->queue, &e->waiting, &e->flying};
    for (size_t l = 0; l < 3; l++) {
        while (*lists[l] != NULL) {
            struct op_call *c = *lists[l];
            detach(e, c);
            call_free(c);
        }
    }
    while (e->ops != NULL) {
        struct op *op = e->ops;
        op_unlink(op);
        op_free(op);
    }
}

/* ---- helpers -------------------------------------------------------------------------------- */

md_status op_reply_object(const struct md_http_resp *resp, cJSON **out, struct md_err *err)
{
    *out = NULL;
    md_status st = jsonx_parse(resp->body, resp->body_len, 0, out, err);
    if (st == MD_OK && !cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        st = md_err_set(err, MD_ERR_PARSE, "reply is not a JSON object");
    }
    return st;
}

char *op_subject(const char *s)
{
    char *c = md_xstrdup_clean(s);
    md_clip_utf8(c, 64);
    return c;
}

char *op_what(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct md_buf b;
    md_buf_init(&b, 0);
    for (const char *p = fmt; *p != '\0'; p++) {
        if (p[0] == '%' && p[1] == 's') {
            char *c = op_subject(va_arg(ap, const char *));
            md_buf_add(&b, c, strlen(c));
            free(c);
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            md_buf_add(&b, "%", 1);
            p++;
        } else if (p[0] == '%') {
            MD_BUG("op_what takes only %%s, not '%s'", fmt);
        } else {
            md_buf_add(&b, p, 1);
        }
    }
    va_end(ap);
    char *out = md_buf_detach(&b, NULL);
    return out != NULL ? out : md_xstrdup("");
}

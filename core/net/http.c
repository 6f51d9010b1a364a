/*
 * http.c - the one place mldeck talks HTTP: a thin layer over libcurl's multi
 * interface that adds the policy every backend shares (timeouts, capped
 * bodies, retries of reads, the read-only guard, secret-free logging).
 *
 * Every request lives on a doubly linked list owned by the handle until its
 * callback has run. A request is in one of three states: ACTIVE (its easy
 * handle is inside the multi handle), WAITING (a retry timer is pending; the
 * easy handle is out of the multi handle and is re-added when due) or DONE
 * (the outcome is recorded; md_http_run reports it). Callbacks only ever run
 * from the dispatch step of md_http_run, after libcurl has returned, so they
 * may submit or cancel freely (but not free the handle).
 *
 * Outside work shares the list and the loop: a job (JOB, no easy handle)
 * is an entry that counts as pending until its owner detaches it, and the
 * handle keeps small arrays of watched descriptors and one-shot timers whose
 * callbacks md_http_run calls before the dispatch step. Those callbacks look
 * each watch and timer up by id again, since any of them may add or remove
 * others.
 */
#include "mldeck/http.h"
#include "http_int.h"

#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HTTP_MAX_RETRIES 2
#define HTTP_MAX_BODY ((size_t)64 << 20)
#define HTTP_MAX_HEADERS ((size_t)16 << 10)
#define HTTP_BACKOFF_MS 250
/* A Retry-After longer than this is not waited for: the caller reschedules. */
#define HTTP_MAX_RETRY_AFTER_S 30
#define HTTP_POLL_FDS_STACK 16

struct http_watch {
    uint64_t id;
    int fd;
    short events;
    md_http_fd_fn fn;
    void *ud;
};

struct http_timer {
    uint64_t id;
    int64_t due_ms;
    md_http_timer_fn fn;
    void *ud;
};

struct md_http {
    CURLM *multi;
    struct http_req *head;
    struct http_req *tail;
    size_t pending;
    uint64_t next_id;
    uint64_t sent;
    uint64_t rng;
    bool read_only;
    struct http_watch *watches;
    size_t n_watches;
    size_t cap_watches;
    struct http_timer *timers;
    size_t n_timers;
    size_t cap_timers;
    struct http_work *work; /* http_work.c */
};

static void list_append(md_http *h, struct http_req *r)
{
    r->prev = h->tail;
    r->next = NULL;
    if (h->tail)
        h->tail->next = r;
    else
        h->head = r;
    h->tail = r;
    h->pending++;
}

static void list_unlink(md_http *h, struct http_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        h->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        h->tail = r->prev;
    r->prev = r->next = NULL;
    h->pending--;
}

/* Free a request that is no longer on the list or in the multi handle. */
static void req_free(struct http_req *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    /* Wipe bearer and session tokens before the memory goes back to the allocator. */
    for (struct curl_slist *s = r->hdrs; s; s = s->next) {
        if (http_header_named(s->data, strlen(s->data), "Authorization") ||
            http_header_named(s->data, strlen(s->data), "X-Amz-Security-Token"))
            explicit_bzero(s->data, strlen(s->data));
    }
    curl_slist_free_all(r->hdrs);
    md_buf_release(&r->body);
    md_buf_release(&r->rhdrs);
    free(r->safe_url);
    free(r->tag);
    free(r);
}

/* xorshift64: jitter only needs to spread clients apart, not to be unpredictable. */
static uint64_t rng_next(md_http *h)
{
    uint64_t x = h->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    h->rng = x;
    return x;
}

/* Start an attempt: state from a previous attempt must not leak into this one. */
static void req_start(md_http *h, struct http_req *r)
{
    md_buf_reset(&r->body);
    md_buf_reset(&r->rhdrs);
    r->body_st = MD_OK;
    r->ctype[0] = '\0';
    r->retry_after_s = -1;
    r->errbuf[0] = '\0';
    r->attempts++;
    r->attempt_ms = md_mono_ms();
    r->last_rx_ms = r->attempt_ms;
    r->replied = false;
    r->stall_abort = false;
    r->state = REQ_ACTIVE;
    h->sent++;
    CURLMcode mc = curl_multi_add_handle(h->multi, r->easy);
    if (mc == CURLM_OUT_OF_MEMORY)
        md_die_oom();
    if (mc != CURLM_OK)
        MD_BUG("curl_multi_add_handle: %s", curl_multi_strerror(mc));
}

uint64_t md_http_submit(md_http *h, const struct md_http_req *req, md_http_done_fn done, void *ud)
{
    assert(h && req);
    struct http_req *r = md_xcalloc(1, sizeof(*r));
    r->id = h->next_id++;
    r->method = req->method;
    r->safe_url = http_url_part(req->url, CURLUPART_URL);
    if (!r->safe_url)
        r->safe_url = md_xstrdup("(invalid URL)");
    r->tag = md_xstrdup0(req->tag);
    r->is_read = md_http_is_read(req->method, req->url, req->amz_target);
    r->max_retries = req->max_retries < 0 ? HTTP_MAX_RETRIES : req->max_retries;
    r->start_ms = md_mono_ms();
    r->retry_after_s = -1;
    r->done = done;
    r->ud = ud;
    md_buf_init(&r->body, req->max_body ? req->max_body : HTTP_MAX_BODY);
    md_buf_init(&r->rhdrs, HTTP_MAX_HEADERS);
    list_append(h, r);

    char *scheme = http_url_part(req->url, CURLUPART_SCHEME);
    bool web = scheme && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    free(scheme);
    if (!web) {
        r->state = REQ_DONE;
        r->resp.status = md_err_set(&r->resp.err, MD_ERR_INVALID,
                                    "cannot send %s request '%s': not an http(s) URL",
                                    http_method_name(req->method), r->tag[0] ? r->tag : "untagged");
        md_log(MD_LOG_WARN, "http: refused %s with an invalid URL (%s)",
               http_method_name(req->method), r->tag);
        return 0;
    }
    const char *unsigned_why = http_sigv4_refusal(req);
    if (unsigned_why) {
        r->state = REQ_DONE;
        r->resp.status = md_err_set(
            &r->resp.err, MD_ERR_UNSUPPORTED, "cannot send %s request '%s': %s",
            http_method_name(req->method), r->tag[0] ? r->tag : "untagged", unsigned_why);
        md_log(MD_LOG_WARN, "http: refused signed %s (%s): %s", http_method_name(req->method),
               r->tag, unsigned_why);
        return 0;
    }
    if (h->read_only && (!r->is_read || http_headers_can_override(req->headers))) {
        char *path = http_url_part(req->url, CURLUPART_PATH);
        if (!path)
            path = md_xstrdup("?");
        md_sanitize(path);
        r->state = REQ_DONE;
        r->resp.status =
            md_err_set(&r->resp.err, MD_ERR_READ_ONLY, "read-only mode: refused %s '%s'",
                       http_method_name(req->method), path);
        md_log(MD_LOG_WARN, "http: read-only mode: refused %s '%s' (%s)",
               http_method_name(req->method), path, r->tag);
        free(path);
        return 0;
    }
    http_easy_setup(r, req);
    if (req->delay_ms > 0) { /* a poll: wait like a retry, then start */
        r->state = REQ_WAITING;
        r->due_ms = md_mono_ms() + req->delay_ms;
    } else {
        req_start(h, r);
    }
    return r->id;
}

uint64_t md_http_defer(md_http *h, md_http_done_fn done, void *ud)
{
    assert(h);
    struct http_req *r = md_xcalloc(1, sizeof(*r));
    r->id = h->next_id++;
    r->safe_url = md_xstrdup("(deferred)");
    r->tag = md_xstrdup("deferred");
    r->start_ms = md_mono_ms();
    r->retry_after_s = -1;
    r->done = done;
    r->ud = ud;
    md_buf_init(&r->body, 1);
    md_buf_init(&r->rhdrs, 1);
    list_append(h, r);
    r->state = REQ_DONE; /* no easy handle: reported by the next dispatch pass */
    r->resp.status = MD_OK;
    return r->id;
}

/* The statuses MLflow's own client retries (reference/mlflow.md section 4). */
static bool code_is_retryable(long code)
{
    return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

/* Transport failures worth another try; DNS, TLS and URL errors will not heal in seconds. */
static bool curl_is_retryable(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
           rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING;
}

/*
 * Retry delay in ms for a failed attempt, or -1 to stop. Retry-After wins over
 * backoff; past HTTP_MAX_RETRY_AFTER_S the reply is reported so the caller's
 * own schedule (which knows about hidden panes) decides when to come back.
 */
static int64_t retry_delay(md_http *h, struct http_req *r, CURLcode rc, long code)
{
    if (!r->is_read || r->attempts > r->max_retries)
        return -1;
    bool again = rc == CURLE_OK ? code_is_retryable(code) : curl_is_retryable(rc);
    if (!again)
        return -1;
    if (rc == CURLE_OK && r->retry_after_s >= 0)
        return r->retry_after_s > HTTP_MAX_RETRY_AFTER_S ? -1 : (int64_t)r->retry_after_s * 1000;
    int64_t base = (int64_t)HTTP_BACKOFF_MS << (r->attempts - 1);
    return base + (int64_t)(rng_next(h) % (uint64_t)(base / 2 + 1));
}

/*
 * No data for HTTP_LOW_SPEED_SECS: on_progress ended a reply stopped
 * mid-way, or libcurl's low-speed limit a server silent since the request
 * (a time-out well before the whole time-out, and after the low-speed
 * window, which is longer than the connect time-out).
 */
static bool stalled(const struct http_req *r, CURLcode rc)
{
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return r->stall_abort;
    int64_t took = md_mono_ms() - r->attempt_ms;
    return rc == CURLE_OPERATION_TIMEDOUT && took >= HTTP_LOW_SPEED_SECS * 1000 - 500 &&
           took + 500 < r->timeout_ms;
}

static long os_errno(const struct http_req *r)
{
    long e = 0;
    curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &e);
    return e;
}

/* An attempt ended: schedule a retry or record the outcome for dispatch. */
static void req_finish(md_http *h, struct http_req *r, CURLcode rc)
{
    long code = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    const char *m = http_method_name(r->method);
    bool stall = stalled(r, rc);
    /*
     * A reply that began and then stopped is not sent again at once: the
     * same read is likely to hang the same way, and the caller's back-off
     * retries it later while its cached data stays on screen. A server
     * silent before its headers gets the usual retries.
     */
    int64_t delay = r->stall_abort ? -1 : retry_delay(h, r, rc, code);
    if (delay >= 0) {
        char why[64];
        if (rc == CURLE_OK)
            snprintf(why, sizeof(why), "HTTP %ld", code);
        else
            snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
        md_log(MD_LOG_DEBUG, "http %s %s -> %s, retry %d/%d in %lld ms (%s)", m, r->safe_url, why,
               r->attempts, r->max_retries, (long long)delay, r->tag);
        r->state = REQ_WAITING;
        r->due_ms = md_mono_ms() + delay;
        return;
    }
    r->state = REQ_DONE;
    r->resp.code = code;
    if (r->body_st != MD_OK || rc == CURLE_FILESIZE_EXCEEDED) {
        r->resp.status = MD_ERR_TOO_BIG;
        md_err_set_http(&r->resp.err, MD_ERR_TOO_BIG, code,
                        "response from '%s' is larger than the %zu-byte cap", r->safe_url,
                        r->body.cap);
        md_buf_reset(&r->body); /* a truncated body must not be parsed */
    } else if (stall) {
        r->resp.status = MD_ERR_TIMEOUT;
        md_err_set(&r->resp.err, MD_ERR_TIMEOUT, "stalled: no data for %ld s (%s '%s')",
                   HTTP_LOW_SPEED_SECS, r->stall_abort ? "reply from" : "request to", r->safe_url);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        r->resp.status = MD_ERR_TIMEOUT;
        md_err_set(&r->resp.err, MD_ERR_TIMEOUT, "request to '%s' timed out: %s", r->safe_url,
                   curl_easy_strerror(rc));
    } else if (rc == CURLE_PARTIAL_FILE) {
        /* the server said how long the body is and closed before: name both sizes */
        curl_off_t want = -1;
        curl_off_t got = 0;
        curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &want);
        curl_easy_getinfo(r->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
        r->resp.status = MD_ERR_NET;
        md_err_set(&r->resp.err, MD_ERR_NET,
                   "reply from '%s' cut short: %lld of %lld bytes arrived", r->safe_url,
                   (long long)got, (long long)want);
        md_buf_reset(&r->body);
    } else if (rc != CURLE_OK && os_errno(r) == ECONNRESET) {
        r->resp.status = MD_ERR_NET;
        md_err_set(&r->resp.err, MD_ERR_NET, "connection reset by '%s' (%s)", r->safe_url,
                   code > 0 ? "during the reply" : "before any reply");
    } else if (rc != CURLE_OK) {
        /* curl_easy_strerror, not errbuf: the static text cannot echo URLs or credentials. */
        r->resp.status = MD_ERR_NET;
        md_err_set(&r->resp.err, MD_ERR_NET, "cannot reach '%s': %s", r->safe_url,
                   curl_easy_strerror(rc));
    } else {
        r->resp.status = MD_OK;
    }
    int64_t elapsed = md_mono_ms() - r->start_ms;
    if (r->resp.status == MD_OK)
        md_log(MD_LOG_DEBUG, "http %s %s -> %ld in %lld ms, %d attempt(s) (%s)", m, r->safe_url,
               code, (long long)elapsed, r->attempts, r->tag);
    else /* errbuf has the detail (TLS verify reasons, OS errors) but not credentials */
        md_log(MD_LOG_DEBUG, "http %s %s -> %s in %lld ms, %d attempt(s) (%s): %s", m, r->safe_url,
               md_status_str(r->resp.status), (long long)elapsed, r->attempts, r->tag,
               r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
}

/* Hand a DONE request to its callback. The request is already off the list. */
static void req_report(struct http_req *r)
{
    struct md_http_resp *resp = &r->resp;
    resp->body = r->body.data ? r->body.data : "";
    resp->body_len = r->body.data ? r->body.len : 0;
    resp->content_type = r->ctype;
    resp->retry_after_s = r->retry_after_s;
    resp->hdrs = r->rhdrs.data ? r->rhdrs.data : "";
    resp->hdrs_len = r->rhdrs.data ? r->rhdrs.len : 0;
    resp->attempts = r->attempts;
    resp->elapsed_ms = md_mono_ms() - r->start_ms;
    resp->body_buf = &r->body;
    if (r->done)
        r->done(resp, r->ud);
}

char *md_http_resp_take_body(const struct md_http_resp *resp, size_t *len)
{
    struct md_buf *b = resp->body_buf;
    if (!b || !b->data || b->data != resp->body)
        return NULL;
    return md_buf_detach(b, len);
}

md_status md_http_new(md_http **out, struct md_err *err)
{
    /* Once per process, never undone: other code in the process may use libcurl too. */
    static bool curl_ready;
    *out = NULL;
    if (!curl_ready) {
        CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        if (rc != CURLE_OK)
            return md_err_set(err, MD_ERR_NET, "cannot initialise libcurl: %s",
                              curl_easy_strerror(rc));
        curl_ready = true;
    }
    md_http *h = md_xcalloc(1, sizeof(*h));
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h);
        return md_err_set(err, MD_ERR_NOMEM, "cannot create the libcurl multi handle");
    }
    h->next_id = 1;
    h->rng = (uint64_t)md_mono_ms() * 0x9E3779B97F4A7C15ULL | 1;
    *out = h;
    return MD_OK;
}

void md_http_free(md_http *h)
{
    if (!h)
        return;
    /* jobs' drops unwatch and cancel timers: the arrays go last */
    while (h->head)
        md_http_cancel(h, h->head->id);
    http_work_free(h, h->work); /* joins the worker: nothing runs on it past this */
    curl_multi_cleanup(h->multi);
    free(h->watches);
    free(h->timers);
    free(h);
}

void md_http_set_read_only(md_http *h)
{
    h->read_only = true;
}

bool md_http_read_only(const md_http *h)
{
    return h->read_only;
}

void md_http_cancel(md_http *h, uint64_t id)
{
    if (!h || id == 0)
        return;
    struct http_req *r = h->head;
    while (r && r->id != id)
        r = r->next;
    if (!r)
        return;
    if (r->state == REQ_ACTIVE)
        curl_multi_remove_handle(h->multi, r->easy);
    list_unlink(h, r);
    if (r->state == REQ_JOB) {
        md_log(MD_LOG_DEBUG, "job %s cancelled", r->tag);
        if (r->drop)
            r->drop(r->ud);
    } else {
        md_log(MD_LOG_DEBUG, "http %s %s cancelled (%s)", http_method_name(r->method), r->safe_url,
               r->tag);
    }
    req_free(r);
}

size_t md_http_pending(const md_http *h)
{
    return h ? h->pending : 0;
}

uint64_t md_http_sent_count(const md_http *h)
{
    return h ? h->sent : 0;
}

struct http_work **http_work_slot(md_http *h)
{
    return &h->work;
}

/* ---- outside work: watches, timers, jobs ------------------------------------------------- */

uint64_t md_http_watch_fd(md_http *h, int fd, short events, md_http_fd_fn fn, void *ud)
{
    assert(h && fd >= 0 && fn);
    if (h->n_watches == h->cap_watches) {
        h->cap_watches = h->cap_watches ? h->cap_watches * 2 : 8;
        h->watches = md_xrealloc(h->watches, h->cap_watches * sizeof(*h->watches));
    }
    struct http_watch *w = &h->watches[h->n_watches++];
    *w = (struct http_watch){.id = h->next_id++, .fd = fd, .events = events, .fn = fn, .ud = ud};
    return w->id;
}

void md_http_unwatch_fd(md_http *h, uint64_t id)
{
    for (size_t i = 0; h && i < h->n_watches; i++) {
        if (h->watches[i].id == id) {
            h->watches[i] = h->watches[--h->n_watches];
            return;
        }
    }
}

uint64_t md_http_timer(md_http *h, long delay_ms, md_http_timer_fn fn, void *ud)
{
    assert(h && fn);
    if (h->n_timers == h->cap_timers) {
        h->cap_timers = h->cap_timers ? h->cap_timers * 2 : 8;
        h->timers = md_xrealloc(h->timers, h->cap_timers * sizeof(*h->timers));
    }
    struct http_timer *t = &h->timers[h->n_timers++];
    *t = (struct http_timer){.id = h->next_id++,
                             .due_ms = md_mono_ms() + (delay_ms > 0 ? delay_ms : 0),
                             .fn = fn,
                             .ud = ud};
    return t->id;
}

void md_http_timer_cancel(md_http *h, uint64_t id)
{
    for (size_t i = 0; h && i < h->n_timers; i++) {
        if (h->timers[i].id == id) {
            h->timers[i] = h->timers[--h->n_timers];
            return;
        }
    }
}

uint64_t md_http_attach(md_http *h, const char *tag, md_http_drop_fn drop, void *ud)
{
    assert(h && drop);
    struct http_req *r = md_xcalloc(1, sizeof(*r));
    r->id = h->next_id++;
    r->state = REQ_JOB;
    r->safe_url = md_xstrdup("(job)");
    r->tag = md_xstrdup0(tag);
    r->start_ms = md_mono_ms();
    r->drop = drop;
    r->ud = ud;
    md_buf_init(&r->body, 1);
    md_buf_init(&r->rhdrs, 1);
    list_append(h, r);
    return r->id;
}

void md_http_detach(md_http *h, uint64_t id)
{
    struct http_req *r = h && id ? h->head : NULL;
    while (r && r->id != id)
        r = r->next;
    if (!r || r->state != REQ_JOB)
        return;
    list_unlink(h, r);
    req_free(r);
}

/*
 * Call the watches whose descriptors are ready now. Readiness is asked
 * again here (poll with no wait) rather than kept from md_http_poll(), so a
 * caller that runs without polling first still sees it. A callback may
 * unwatch anything: each watch is looked up again before it is called.
 */
static void run_watches(md_http *h)
{
    if (h->n_watches == 0)
        return;
    size_t n = h->n_watches;
    struct pollfd stack[HTTP_POLL_FDS_STACK];
    uint64_t ids_stack[HTTP_POLL_FDS_STACK];
    struct pollfd *p = n <= HTTP_POLL_FDS_STACK ? stack : md_xcalloc(n, sizeof(*p));
    uint64_t *ids = n <= HTTP_POLL_FDS_STACK ? ids_stack : md_xcalloc(n, sizeof(*ids));
    for (size_t i = 0; i < n; i++) {
        p[i] = (struct pollfd){.fd = h->watches[i].fd, .events = h->watches[i].events};
        ids[i] = h->watches[i].id;
    }
    if (poll(p, (nfds_t)n, 0) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (!p[i].revents)
                continue;
            for (size_t j = 0; j < h->n_watches; j++) {
                if (h->watches[j].id == ids[i]) {
                    struct http_watch w = h->watches[j];
                    w.fn(w.fd, p[i].revents, w.ud);
                    break;
                }
            }
        }
    }
    if (p != stack)
        free(p);
    if (ids != ids_stack)
        free(ids);
}

/* Fire the timers that are due, each once; one added by a callback waits for the next pass. */
static void run_timers(md_http *h)
{
    int64_t now = md_mono_ms();
    uint64_t last = h->next_id;
    for (;;) {
        size_t i = 0;
        while (i < h->n_timers && (h->timers[i].due_ms > now || h->timers[i].id >= last))
            i++;
        if (i == h->n_timers)
            return;
        struct http_timer t = h->timers[i];
        h->timers[i] = h->timers[--h->n_timers];
        t.fn(t.ud);
    }
}

/* Milliseconds until the next retry timer, 0 when something is due or waiting to be reported. */
static int64_t next_due_ms(const md_http *h, int64_t cap)
{
    int64_t now = md_mono_ms();
    int64_t best = cap;
    for (const struct http_req *r = h->head; r; r = r->next) {
        int64_t d = cap;
        if (r->state == REQ_DONE)
            d = 0;
        else if (r->state == REQ_WAITING)
            d = r->due_ms > now ? r->due_ms - now : 0;
        if (d < best)
            best = d;
    }
    for (size_t i = 0; i < h->n_timers; i++) {
        int64_t d = h->timers[i].due_ms > now ? h->timers[i].due_ms - now : 0;
        if (d < best)
            best = d;
    }
    return best;
}

/* curl_waitfd has its own event bits; map poll(2) bits across in either direction. */
static short map_events(short ev, bool to_curl)
{
    static const short bits[][2] = {
        {POLLIN, CURL_WAIT_POLLIN}, {POLLPRI, CURL_WAIT_POLLPRI}, {POLLOUT, CURL_WAIT_POLLOUT}};
    short out = 0;
    for (size_t i = 0; i < MD_ARRAY_LEN(bits); i++) {
        if (ev & bits[i][!to_curl])
            out |= bits[i][to_curl];
    }
    return out;
}

md_status md_http_poll(md_http *h, struct md_pollfd *fds, unsigned nfds, int timeout_ms)
{
    struct curl_waitfd stack[HTTP_POLL_FDS_STACK];
    size_t total = nfds + h->n_watches;
    struct curl_waitfd *w = total <= HTTP_POLL_FDS_STACK ? stack : md_xcalloc(total, sizeof(*w));
    for (unsigned i = 0; i < nfds; i++) {
        w[i].fd = fds[i].fd;
        w[i].events = map_events(fds[i].events, true);
        w[i].revents = 0;
    }
    /* watched descriptors only wake the wait: md_http_run() asks them again */
    for (size_t i = 0; i < h->n_watches; i++) {
        w[nfds + i].fd = h->watches[i].fd;
        w[nfds + i].events = map_events(h->watches[i].events, true);
        w[nfds + i].revents = 0;
    }
    int wait = (int)next_due_ms(h, timeout_ms < 0 ? INT_MAX : timeout_ms);
    int numfds = 0;
    /* curl_multi_poll also shortens the wait to libcurl's own next timeout. */
    CURLMcode mc = curl_multi_poll(h->multi, total ? w : NULL, (unsigned)total, wait, &numfds);
    for (unsigned i = 0; i < nfds; i++)
        fds[i].revents = mc == CURLM_OK ? map_events(w[i].revents, false) : 0;
    if (w != stack)
        free(w);
    if (mc != CURLM_OK) {
        md_log(MD_LOG_ERROR, "http: curl_multi_poll failed: %s", curl_multi_strerror(mc));
        return MD_ERR_NET;
    }
    return MD_OK;
}

void md_http_run(md_http *h)
{
    run_watches(h);
    run_timers(h);
    int64_t now = md_mono_ms();
    for (struct http_req *r = h->head; r; r = r->next) {
        if (r->state == REQ_WAITING && r->due_ms <= now)
            req_start(h, r);
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(h->multi, &running);
    if (mc != CURLM_OK)
        md_log(MD_LOG_ERROR, "http: curl_multi_perform failed: %s", curl_multi_strerror(mc));
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result; /* msg is invalid after remove_handle */
        curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
        curl_multi_remove_handle(h->multi, e);
        req_finish(h, (struct http_req *)priv, rc);
    }
    /*
     * Dispatch. Only requests DONE before this point are reported now, so a
     * callback that submits something refused at once cannot loop forever;
     * the list is rescanned after each callback because it may cancel or
     * submit.
     */
    for (struct http_req *r = h->head; r; r = r->next)
        r->report_now = r->state == REQ_DONE;
    for (;;) {
        struct http_req *r = h->head;
        while (r && !(r->state == REQ_DONE && r->report_now))
            r = r->next;
        if (!r)
            break;
        list_unlink(h, r);
        req_report(r);
        req_free(r);
    }
}

md_status md_http_wait_all(md_http *h, int timeout_ms)
{
    int64_t deadline = md_mono_ms() + timeout_ms;
    for (;;) {
        md_http_run(h);
        if (h->pending == 0)
            return MD_OK;
        int64_t left = deadline - md_mono_ms();
        if (left <= 0)
            return MD_ERR_TIMEOUT;
        md_status st = md_http_poll(h, NULL, 0, left > 1000 ? 1000 : (int)left);
        if (st != MD_OK)
            return st;
    }
}

char *md_http_escape(const char *s)
{
    /* A NULL handle is accepted since libcurl 7.82. */
    char *e = curl_easy_escape(NULL, s ? s : "", 0);
    if (!e)
        md_die_oom();
    char *out = md_xstrdup(e);
    curl_free(e);
    return out;
}

/*
 * http.h - asynchronous HTTP on libcurl's multi interface.
 *
 * One md_http per process drives every transfer. A front end's event loop
 * waits in md_http_poll() on libcurl's sockets plus its own descriptors
 * (keyboard, signal pipe) and those of other work that joined the loop
 * (child processes, see md_http_watch_fd()), then calls md_http_run() to
 * move transfers forward; finished requests are reported through their
 * callback from inside md_http_run(), never from anywhere else.
 *
 * Policy kept here, once, for every backend:
 *  - per-request connect and total timeouts; TLS verification on unless the
 *    request says otherwise;
 *  - reads (see below) are retried with exponential backoff on connection
 *    errors, 408, 429, 500, 502, 503, 504, honouring Retry-After;
 *  - response bodies are capped (MD_ERR_TOO_BIG past the cap);
 *  - header values are never logged, and the Authorization header, tokens and
 *    passwords never appear in a log line or an error message;
 *  - the read-only guard: with md_http_set_read_only(h, true), a request
 *    that is not a known read is refused with MD_ERR_READ_ONLY before it
 *    leaves the process. A read is GET or HEAD, or a (method, path suffix,
 *    X-Amz-Target) triple on the static allow-list in http.c (MLflow's
 *    searches are POSTs). The guard can be switched on but never off again.
 */
#ifndef MLDECK_HTTP_H
#define MLDECK_HTTP_H

#include "mldeck/md.h"

typedef struct md_http md_http;

enum md_http_method {
    MD_HTTP_GET = 0,
    MD_HTTP_HEAD,
    MD_HTTP_POST,
    MD_HTTP_PUT,
    MD_HTTP_PATCH,
    MD_HTTP_DELETE
};

enum md_http_auth { MD_HTTP_AUTH_NONE = 0, MD_HTTP_AUTH_BEARER, MD_HTTP_AUTH_BASIC };

/*
 * A request. Everything is borrowed for the duration of md_http_submit(): the
 * call copies what it keeps.
 */
struct md_http_req {
    enum md_http_method method;
    const char *url;
    const char *body; /* NULL for none; sent with Content-Type below */
    size_t body_len;
    const char *content_type;   /* default "application/json" when body is set */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
    const char *amz_target;     /* X-Amz-Target value, or NULL */
    enum md_http_auth auth;
    const char *token;    /* bearer token */
    const char *user;     /* basic auth */
    const char *password; /* basic auth */
    /*
     * AWS Signature Version 4, signed by libcurl itself (CURLOPT_AWS_SIGV4,
     * which needs libcurl >= 7.86 to sign X-Amz-Target and the session
     * token). aws_sigv4 is "aws:amz:REGION:SERVICE" (e.g.
     * "aws:amz:eu-west-1:sagemaker"), NULL for an unsigned request; the keys
     * are required with it; aws_session_token (NULL or "" for none) goes out
     * as X-Amz-Security-Token. A signed request gets no header-removal
     * entries (they break the signature before libcurl 8.3). Never logged.
     */
    const char *aws_sigv4;
    const char *aws_access_key;
    const char *aws_secret_key;
    const char *aws_session_token;
    const char *ca_path;     /* CA bundle, or NULL */
    bool insecure_tls;       /* skip peer and host verification */
    long connect_timeout_ms; /* 0: 3000 */
    long timeout_ms;         /* 0: 15000 */
    int max_retries;         /* for reads; -1: default (2); 0: none */
    size_t max_body;         /* 0: 64 MiB */
    const char *tag;         /* short label for the log ("mlflow runs/search") */
    long delay_ms;           /* start no sooner than this after submission (polling); 0: now */
    bool no_proxy;           /* never through a proxy (link-local IMDS) */
};

/*
 * A finished request. `status` is MD_OK when a complete HTTP reply arrived,
 * whatever its code; transport failures, time-outs, the body cap and the
 * read-only guard give other codes with `err` filled in. Lent to the
 * callback only: copy what outlives it.
 */
struct md_http_resp {
    md_status status;
    struct md_err err;
    long code;        /* HTTP status, 0 when none */
    const char *body; /* NUL-terminated; "" when empty */
    size_t body_len;
    const char *content_type; /* "" when absent */
    long retry_after_s;       /* Retry-After of the final reply, -1 when absent */
    int attempts;             /* 1 + retries made */
    int64_t elapsed_ms;
    /* Headers of the final reply as "name\0value\0" pairs: read with md_http_resp_header(). */
    const char *hdrs;
    size_t hdrs_len;
    struct md_buf *body_buf; /* the engine's: what md_http_resp_take_body() takes */
};

/*
 * Take the body over instead of copying it (free()), *len set to its
 * length: a 30 MiB page is neither copied nor freed on the loop thread
 * twice. resp->body then points into the taken memory. NULL when it was
 * taken already (copy resp->body then, while the taker still holds it).
 */
char *md_http_resp_take_body(const struct md_http_resp *resp, size_t *len);

/*
 * The value of header `name` (case-insensitive) in the final reply, the
 * first when it repeats; NULL when absent. Lent like the response. Only the
 * first 16 KiB of headers are kept; Set-Cookie and Authorization never are.
 */
const char *md_http_resp_header(const struct md_http_resp *resp, const char *name);

typedef void (*md_http_done_fn)(const struct md_http_resp *resp, void *ud);

/* Lifecycle. md_http_new() calls curl_global_init once per process. */
md_status md_http_new(md_http **out, struct md_err *err);
/*
 * Cancels every pending request without calling its callback, ends every
 * job through its drop, and forgets watches and timers. NULL is a no-op.
 */
void md_http_free(md_http *h);

/* Switch the read-only guard on for the rest of the handle's life. */
void md_http_set_read_only(md_http *h);
bool md_http_read_only(const md_http *h);
/* True when the request would be let through in read-only mode. */
bool md_http_is_read(enum md_http_method method, const char *url, const char *amz_target);

/*
 * Queue a request; returns a non-zero id, or 0 when it was refused at once
 * (read-only guard, bad URL). A refused request still reports through `done`
 * on the next md_http_run(), so callers have one path for every outcome.
 */
uint64_t md_http_submit(md_http *h, const struct md_http_req *req, md_http_done_fn done, void *ud);
/*
 * Report through `done` on the next md_http_run() with status MD_OK, code 0
 * and an empty body, without sending anything: for callers that must answer
 * asynchronously without a request (a cached value, a failure found before
 * any request could be built). Cancellable like a request; returns its id.
 */
uint64_t md_http_defer(md_http *h, md_http_done_fn done, void *ud);
/*
 * Drop a pending request; its callback is never called. A job's id ends the
 * job through its drop. Unknown ids are ignored.
 */
void md_http_cancel(md_http *h, uint64_t id);
/* Number of requests submitted and not yet reported, plus attached jobs. */
size_t md_http_pending(const md_http *h);

/*
 * Wait up to timeout_ms for network activity, a watched descriptor, or one
 * of `fds` (poll(2) style, revents filled in) to become readable; returns
 * early when a retry timer or an md_http_timer() falls due. Returns MD_OK
 * or MD_ERR_NET.
 */
struct md_pollfd {
    int fd;
    short events;
    short revents;
};
md_status md_http_poll(md_http *h, struct md_pollfd *fds, unsigned nfds, int timeout_ms);
/*
 * Move transfers forward and report finished ones; call the watches whose
 * descriptors are ready and the timers that are due. Never blocks.
 */
void md_http_run(md_http *h);
/* Block until nothing is pending (requests and jobs) or timeout_ms passes (headless use). */
md_status md_http_wait_all(md_http *h, int timeout_ms);

/*
 * Outside work on the loop: descriptors, timers and jobs.
 *
 * Something that is not an HTTP transfer (a child process, mldeck/proc.h)
 * joins the same loop: its descriptors are waited on by md_http_poll()
 * beside libcurl's sockets and the caller's own, its timers shorten that
 * wait, and its callbacks run from inside md_http_run(), never from
 * anywhere else, so it reports like every request. Ids share one space
 * with requests and are never 0.
 */

/* fd is ready: revents has POLLIN, POLLOUT, POLLHUP or POLLERR as poll(2) says. */
typedef void (*md_http_fd_fn)(int fd, short revents, void *ud);
typedef void (*md_http_timer_fn)(void *ud);
/* md_http_free() or md_http_cancel() ends a job: stop it and free it, without reporting. */
typedef void (*md_http_drop_fn)(void *ud);

/*
 * Watch fd for `events` (POLLIN, POLLOUT, poll(2) bits): every
 * md_http_poll() waits on it too, and md_http_run() calls fn while it is
 * ready (hang-up and errors included, whatever `events` says). The fd stays
 * the caller's: unwatch before closing it. Returns the watch's id.
 */
uint64_t md_http_watch_fd(md_http *h, int fd, short events, md_http_fd_fn fn, void *ud);
/* Stop watching; unknown ids are ignored. Safe from inside any callback. */
void md_http_unwatch_fd(md_http *h, uint64_t id);
/*
 * Call fn once from the first md_http_run() at least delay_ms from now
 * (0: the next one); md_http_poll() wakes up for it. Returns its id.
 */
uint64_t md_http_timer(md_http *h, long delay_ms, md_http_timer_fn fn, void *ud);
/* Cancel a timer that has not fired; unknown ids are ignored. */
void md_http_timer_cancel(md_http *h, uint64_t id);
/*
 * Count a job as pending (md_http_pending(), md_http_wait_all()) until
 * md_http_detach(): a child process, whose descriptors and timers the job
 * watches itself. md_http_cancel(id) and md_http_free() end it through
 * drop(ud), which must release its watches and timers and never report.
 * `tag` labels it in the log. Returns its id.
 */
uint64_t md_http_attach(md_http *h, const char *tag, md_http_drop_fn drop, void *ud);
/* The job has ended by itself: no longer pending, drop is not called. Unknown ids are ignored. */
void md_http_detach(md_http *h, uint64_t id);

/*
 * CPU work off the loop thread (parsing a large reply): work(ud) runs on
 * the handle's one worker thread (started on first use, joined by
 * md_http_free()), items in the order they were queued; then done(ud) runs
 * from md_http_run() on the loop thread, exactly once, in the order the
 * work finished. work() must not touch the loop's state (no md_http calls,
 * no logging of secrets; md_log() is fine). The item is a job: pending
 * until done, and md_http_cancel(id) or md_http_free() ends it through
 * drop(ud) instead of done, at once when work() is not running, else as
 * soon as it returns (never from the worker thread). Returns its id.
 */
typedef void (*md_http_work_fn)(void *ud);
uint64_t md_http_work(md_http *h, const char *tag, md_http_work_fn work, md_http_timer_fn done,
                      md_http_drop_fn drop, void *ud);

/* Count of requests sent to servers by method since md_http_new(); for the header. */
uint64_t md_http_sent_count(const md_http *h);

/* URL-escape s into a new string (free()); for query parameters. */
char *md_http_escape(const char *s);

#endif

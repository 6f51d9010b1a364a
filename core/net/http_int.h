/*
 * http_int.h - private to core/net/: http.c (the engine), http_easy.c (one
 * transfer's easy handle and reply), http_work.c (work off the loop
 * thread) and http_guard.c (the read-only guard's rules and the URL/header
 * helpers all use).
 */
#ifndef MLDECK_HTTP_INT_H
#define MLDECK_HTTP_INT_H

#include "mldeck/http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#define HTTP_CONNECT_TIMEOUT_MS 3000L
#define HTTP_TIMEOUT_MS 15000L
/* A body that stalls mid-way should fail in ~10 s, not run out the whole timeout. */
#define HTTP_LOW_SPEED_BPS 1L
#define HTTP_LOW_SPEED_SECS 10L

enum req_state { REQ_ACTIVE, REQ_WAITING, REQ_DONE, REQ_JOB };

struct http_req {
    struct http_req *prev;
    struct http_req *next;
    uint64_t id;
    enum req_state state;
    bool report_now; /* DONE before the current dispatch pass began */
    CURL *easy;
    struct curl_slist *hdrs;
    enum md_http_method method;
    char *safe_url; /* no userinfo, query or fragment: fit for logs and messages */
    char *tag;
    bool is_read;
    int max_retries;
    int attempts;
    int64_t start_ms;
    int64_t attempt_ms; /* this attempt's start */
    int64_t last_rx_ms; /* when this attempt last received anything */
    bool replied;       /* this attempt's reply has begun (a status line arrived) */
    bool stall_abort;   /* ended by on_progress: the reply stopped mid-way */
    long timeout_ms;    /* the attempt's whole time-out */
    int64_t due_ms;     /* WAITING: when to re-add */
    struct md_buf body;
    md_status body_st; /* first md_buf_add failure, ends the transfer */
    char ctype[128];
    struct md_buf rhdrs; /* final reply's headers as "name\0value\0" pairs, capped */
    long retry_after_s;
    char errbuf[CURL_ERROR_SIZE];
    struct md_http_resp resp; /* filled when the request becomes DONE */
    md_http_done_fn done;
    md_http_drop_fn drop; /* REQ_JOB */
    void *ud;
};

/* http_work.c: the handle's worker (NULL until md_http_work() first runs). */
struct http_work;
struct http_work **http_work_slot(md_http *h);
/* Stop and join the worker and free it; every job must have been cancelled first. */
void http_work_free(md_http *h, struct http_work *w);

/* "GET", "POST", ...; "?" for an unknown method. */
const char *http_method_name(enum md_http_method m);
/* Why a signed request cannot be sent, or NULL when it can. */
const char *http_sigv4_refusal(const struct md_http_req *req);
/* Configure r's easy handle once from req; a retry re-adds the same handle unchanged. */
void http_easy_setup(struct http_req *r, const struct md_http_req *req);

/* True when the "Name: value" line of `len` bytes names header `name` (any case). */
bool http_header_named(const char *line, size_t len, const char *name);
/*
 * One part of a URL through libcurl's own parser, so the guard sees what is
 * sent; free(). CURLUPART_URL gives the URL without userinfo, query and
 * fragment, fit for logs and messages (queries may carry SAS tokens).
 */
char *http_url_part(const char *url, CURLUPart part);
/* True when an extra header could override the method or target behind the guard's back. */
bool http_headers_can_override(const char *const *headers);

#endif

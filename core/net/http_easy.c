/*
 * http_easy.c - one transfer's libcurl easy handle for core/net/http.c: how
 * a request is configured (method, body, headers, credentials, time-outs,
 * the body cap) and how its reply is collected (body under the cap, the
 * headers kept, stall detection). The engine in http.c owns the list, the
 * retries and the dispatch; nothing here touches the multi handle.
 */
#include "mldeck/http.h"
#include "http_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Before 7.86.0 CURLOPT_AWS_SIGV4 left X-Amz-Target and the session token unsigned. */
#define HTTP_SIGV4_MIN_CURL 0x075600

static const char *const method_names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};

const char *http_method_name(enum md_http_method m)
{
    return (unsigned)m < MD_ARRAY_LEN(method_names) ? method_names[m] : "?";
}

static void hdr_add(struct http_req *r, const char *line)
{
    struct curl_slist *s = curl_slist_append(r->hdrs, line);
    if (!s)
        md_die_oom();
    r->hdrs = s;
}

/* Collect the body under the cap; returning short makes libcurl abort the transfer. */
static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;
    size_t len = size * n;
    r->last_rx_ms = md_mono_ms();
    md_status st = md_buf_add(&r->body, p, len);
    if (st != MD_OK) {
        r->body_st = st;
        return 0;
    }
    return len;
}

/* Seconds form, or an HTTP-date turned into seconds from now; -1 when unusable. */
static long parse_retry_after(const char *v)
{
    long s;
    if (md_parse_long(v, 0, 100L * 365 * 86400, &s) == MD_OK)
        return s;
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t d = (int64_t)t - md_now_ms() / 1000;
    return d > 0 ? (long)d : 0;
}

/*
 * Keep a header line for md_http_resp_header() as "name\0value\0"; lines
 * that carry credentials are never kept, and past the cap the rest is dropped.
 */
static void keep_header(struct http_req *r, const char *p, size_t len)
{
    const char *colon = memchr(p, ':', len);
    if (!colon || colon == p || memchr(p, '\0', len) || http_header_named(p, len, "Set-Cookie") ||
        http_header_named(p, len, "Authorization"))
        return;
    const char *v = colon + 1;
    const char *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t mark = r->rhdrs.len;
    if (md_buf_add(&r->rhdrs, p, (size_t)(colon - p)) != MD_OK ||
        md_buf_add(&r->rhdrs, "", 1) != MD_OK ||
        md_buf_add(&r->rhdrs, v, (size_t)(end - v)) != MD_OK ||
        md_buf_add(&r->rhdrs, "", 1) != MD_OK) {
        r->rhdrs.len = mark; /* a pair is kept whole or not at all */
        if (r->rhdrs.data)
            r->rhdrs.data[mark] = '\0';
    }
}

const char *md_http_resp_header(const struct md_http_resp *resp, const char *name)
{
    const char *p = resp && resp->hdrs ? resp->hdrs : NULL;
    const char *end = p ? p + resp->hdrs_len : NULL;
    while (p && p < end) {
        const char *v = p + strlen(p) + 1;
        if (v >= end)
            break;
        if (strcasecmp(p, name) == 0)
            return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

/* Keep Content-Type and Retry-After of the last response (interim 1xx replies reset them). */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;
    size_t len = size * n;
    r->last_rx_ms = md_mono_ms();
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        r->replied = true;
        r->ctype[0] = '\0';
        r->retry_after_s = -1;
        md_buf_reset(&r->rhdrs);
        return len;
    }
    keep_header(r, p, len);
    bool is_ct = http_header_named(p, len, "Content-Type");
    bool is_ra = !is_ct && http_header_named(p, len, "Retry-After");
    if (!is_ct && !is_ra)
        return len;
    const char *v = (const char *)memchr(p, ':', len) + 1;
    const char *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    char val[128];
    size_t vn = (size_t)(end - v) < sizeof(val) - 1 ? (size_t)(end - v) : sizeof(val) - 1;
    memcpy(val, v, vn);
    val[vn] = '\0';
    if (is_ct) {
        memcpy(r->ctype, val, vn + 1);
        md_sanitize(r->ctype);
    } else {
        r->retry_after_s = parse_retry_after(val);
    }
    return len;
}

/*
 * A reply that began and then stops: libcurl's low-speed limit averages
 * over a few seconds, so a stall after some bytes trips it only after ~16 s,
 * past the whole time-out. This ends it after exactly HTTP_LOW_SPEED_SECS
 * of silence (libcurl calls it about once a second while nothing arrives).
 */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct http_req *r = ud;
    if (r->replied && md_mono_ms() - r->last_rx_ms >= HTTP_LOW_SPEED_SECS * 1000) {
        r->stall_abort = true;
        return 1;
    }
    return 0;
}

/*
 * Method and body. CUSTOMREQUEST keeps libcurl's POST machinery for the body
 * while sending another verb; a body always goes with an explicit type
 * because MLflow rejects anything but application/json with a 400.
 */
static void easy_setup_method(struct http_req *r, const struct md_http_req *req)
{
    CURL *e = r->easy;
    /* A body-less PUT or PATCH still needs Content-Length: 0, which POSTFIELDS gives. */
    bool fields = req->method == MD_HTTP_POST || req->method == MD_HTTP_PUT ||
                  req->method == MD_HTTP_PATCH || (req->method == MD_HTTP_DELETE && req->body);
    switch (req->method) {
    case MD_HTTP_GET:
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        break;
    case MD_HTTP_HEAD:
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        break;
    case MD_HTTP_POST:
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        break;
    default: /* PUT, PATCH, DELETE: MLflow reads DELETE parameters from a JSON body */
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, http_method_name(req->method));
        break;
    }
    if (fields) {
        /* Size first: COPYPOSTFIELDS then copies exactly body_len bytes, NULs included. */
        size_t n = req->body ? req->body_len : 0;
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
    }
    if (fields && req->body) {
        const char *ct = req->content_type ? req->content_type : "application/json";
        char *line = md_xasprintf("Content-Type: %s", ct);
        hdr_add(r, line);
        free(line);
    } else if (fields && !req->aws_sigv4) {
        hdr_add(r, "Content-Type:"); /* no body: drop libcurl's form-urlencoded default */
    }
}

/*
 * SigV4 by libcurl: it signs at send time, so a retry of the same handle is
 * signed afresh with a new X-Amz-Date. libcurl copies the keys; the session
 * token travels as a header that req_free() wipes.
 */
static void easy_setup_sigv4(struct http_req *r, const struct md_http_req *req)
{
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, req->aws_sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, req->aws_access_key);
    curl_easy_setopt(e, CURLOPT_PASSWORD, req->aws_secret_key);
    if (req->aws_session_token && req->aws_session_token[0]) {
        char *line = md_xasprintf("X-Amz-Security-Token: %s", req->aws_session_token);
        hdr_add(r, line);
        explicit_bzero(line, strlen(line));
        free(line);
    }
}

/* Why a signed request cannot be sent, or NULL when it can. */
const char *http_sigv4_refusal(const struct md_http_req *req)
{
    if (!req->aws_sigv4)
        return NULL;
    if (strncmp(req->aws_sigv4, "aws:amz:", 8) != 0)
        return "malformed SigV4 parameter";
    if (!req->aws_access_key || !req->aws_access_key[0] || !req->aws_secret_key ||
        !req->aws_secret_key[0])
        return "no AWS credentials";
    if (curl_version_info(CURLVERSION_NOW)->version_num < HTTP_SIGV4_MIN_CURL)
        return "libcurl older than 7.86.0 cannot sign AWS requests correctly";
    return NULL;
}

/* Configure an easy handle once; a retry re-adds the same handle unchanged. */
void http_easy_setup(struct http_req *r, const struct md_http_req *req)
{
    CURL *e = curl_easy_init();
    if (!e)
        md_die_oom();
    r->easy = e;
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "mldeck");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* run searches compress very well */
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms
                                                 : HTTP_CONNECT_TIMEOUT_MS);
    r->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : HTTP_TIMEOUT_MS;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED_BPS);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, HTTP_LOW_SPEED_SECS);
    /* Fails early when Content-Length already exceeds the cap. */
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->body.cap);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, req->insecure_tls ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, req->insecure_tls ? 0L : 2L);
    if (req->ca_path)
        curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_path);
    if (req->no_proxy)
        curl_easy_setopt(e, CURLOPT_NOPROXY, "*");

    hdr_add(r, "Accept: application/json");
    /*
     * No 100-continue round trip on large bodies. Not on signed requests:
     * before libcurl 8.3 a removal entry is signed but not sent, so the
     * server rejects the signature (7.88 only sends Expect past 1 MiB).
     */
    if (!req->aws_sigv4)
        hdr_add(r, "Expect:");
    easy_setup_method(r, req);
    if (req->amz_target) {
        char *line = md_xasprintf("X-Amz-Target: %s", req->amz_target);
        hdr_add(r, line);
        free(line);
    }
    if (req->auth == MD_HTTP_AUTH_BEARER && req->token) {
        char *line = md_xasprintf("Authorization: Bearer %s", req->token);
        hdr_add(r, line);
        explicit_bzero(line, strlen(line));
        free(line);
    } else if (req->auth == MD_HTTP_AUTH_BASIC) {
        /* libcurl copies both strings; CURLOPT_USERPWD would break on ':' in the user. */
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, req->user ? req->user : "");
        curl_easy_setopt(e, CURLOPT_PASSWORD, req->password ? req->password : "");
    }
    if (req->aws_sigv4)
        easy_setup_sigv4(r, req);
    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        const char *line = req->headers[i];
        size_t n = strlen(line);
        /* MLflow's CORS check blocks writes that carry a foreign Origin: never send one. */
        if (http_header_named(line, n, "Origin"))
            continue;
        /* a removal entry ("Name:") would be signed but not sent (libcurl < 8.3) */
        if (req->aws_sigv4 && n > 0 && line[n - 1] == ':')
            continue;
        hdr_add(r, line);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
}

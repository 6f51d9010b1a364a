/*
 * s3.c - the read-only S3 client of mldeck/s3.h: URLs, signing parameters,
 * one synchronous request at a time over the handle's own md_http, and the
 * three reads built on it (a listing walked page by page, a small object in
 * memory, a large object to a file in ranged parts). The XML replies are
 * parsed in s3_xml.c.
 *
 * Synchronous because its callers already run off the UI thread (the drift
 * worker) or are headless; the wait loop polls the caller's cancel flag so a
 * cancelled drift job does not sit out a long download.
 */
#include "mldeck/s3.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/aws.h"
#include "mldeck/http.h"

/* SHA-256 of the empty payload: every request here is a body-less GET. */
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_LIST_MAX_BODY ((size_t)8 << 20)
#define S3_ERROR_BODY ((size_t)64 << 10)
#define S3_LIST_TIMEOUT_MS 60000L
/* A part of MD_S3_PART_SIZE at a slow 1 MB/s still fits. */
#define S3_GET_TIMEOUT_MS 300000L
#define S3_MAX_PAGES 100000
/* Renew credential_process keys this long before they expire. */
#define S3_REFRESH_MARGIN_MS 60000

struct md_s3 {
    md_http *h;
    struct md_aws aws;
    char *sigv4;
    char *base; /* endpoint URL, no trailing '/' */
    bool path_style;
    size_t part;
    const volatile int *cancel;
};

bool md_s3_is_uri(const char *s)
{
    return s && !strncmp(s, "s3://", 5);
}

md_status md_s3_uri_parse(const char *uri, char **bucket, char **key, struct md_err *err)
{
    *bucket = *key = NULL;
    if (!md_s3_is_uri(uri))
        return md_err_set(err, MD_ERR_INVALID, "not an s3:// URI");
    const char *b = uri + 5;
    size_t n = strcspn(b, "/");
    if (n == 0 || n > 255)
        return md_err_set(err, MD_ERR_INVALID, "no bucket name in the s3:// URI");
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        if (!ok)
            return md_err_set(err, MD_ERR_INVALID,
                              "bad bucket name in the s3:// URI (letters, digits, '.', '-', '_')");
    }
    *bucket = md_xmalloc(n + 1);
    memcpy(*bucket, b, n);
    (*bucket)[n] = '\0';
    *key = md_xstrdup(b[n] == '/' ? b + n + 1 : "");
    return MD_OK;
}

/* AWS's URI encoding: unreserved bytes as they are, '/' kept in paths, the rest %XX. */
static void uri_encode(struct md_buf *b, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};
        md_buf_add(b, plain ? (const char *)p : e, plain ? 1 : 3); /* uncapped: cannot fail */
    }
}

/* The URL of an object (key != NULL) or of the bucket for a listing (key NULL). */
static char *object_url(const md_s3 *s, const char *bucket, const char *key)
{
    struct md_buf b;
    md_buf_init(&b, 0); /* keys and tokens are bounded by S3 (1 KiB) and s3_xml.c (8 KiB) */
    if (s->path_style) {
        md_buf_addf(&b, "%s/", s->base);
        uri_encode(&b, bucket, false);
    } else {
        const char *host = strstr(s->base, "://") + 3;
        md_buf_addf(&b, "%.*s%s.%s", (int)(host - s->base), s->base, bucket, host);
    }
    if (key) {
        md_buf_adds(&b, "/");
        uri_encode(&b, key, true);
    } else if (!s->path_style) {
        md_buf_adds(&b, "/");
    }
    return md_buf_detach(&b, NULL);
}

/* True when the S3 endpoint is AWS's own for the region (virtual-hosted style works there). */
static bool aws_default_endpoint(const struct md_aws *a)
{
    const char *suffix = !strncmp(a->region, "cn-", 3) ? "amazonaws.com.cn" : "amazonaws.com";
    char *def = md_xasprintf("https://s3.%s.%s", a->region, suffix);
    bool same = !strcmp(def, a->endpoints[MD_AWS_S3]);
    free(def);
    return same;
}

md_status md_s3_new(md_s3 **out, const struct md_s3_opts *o, struct md_err *err)
{
    static const struct md_s3_opts none;
    *out = NULL;
    if (!o)
        o = &none;
    struct md_aws_opts ao = {
        .profile = o->profile, .region = o->region, .endpoint_url = o->endpoint_url};
    struct md_aws aws;
    struct md_err aerr = MD_ERR_INIT;
    md_status st = md_aws_resolve(&aws, &ao, &aerr);
    if (st)
        return md_err_set(err, st, "cannot use S3: %s", aerr.msg);
    md_http *h = NULL;
    st = md_http_new(&h, err);
    if (st) {
        md_aws_release(&aws);
        return st;
    }
    md_http_set_read_only(h); /* reads only, whatever a caller might attempt */
    md_s3 *s = md_xcalloc(1, sizeof(*s));
    s->h = h;
    s->aws = aws;
    s->sigv4 = md_aws_sigv4_param(&s->aws, MD_AWS_S3);
    s->base = md_xstrdup(s->aws.endpoints[MD_AWS_S3]);
    s->part = o->part_size ? o->part_size : MD_S3_PART_SIZE;
    s->cancel = o->cancel;
    s->path_style = !aws_default_endpoint(&s->aws);
    *out = s;
    return MD_OK;
}

void md_s3_free(md_s3 *s)
{
    if (!s)
        return;
    md_http_free(s->h);
    md_aws_release(&s->aws);
    free(s->sigv4);
    free(s->base);
    free(s);
}

uint64_t md_s3_requests(const md_s3 *s)
{
    return md_http_sent_count(s->h);
}

const char *md_s3_region(const md_s3 *s)
{
    return s->aws.region;
}

/* ---- one request ----------------------------------------------------------------------------- */

/* What a 2xx reply is handed to (inside the HTTP callback, so the body is not copied). */
typedef md_status (*s3_sink_fn)(void *ud, const struct md_http_resp *r, struct md_err *err);

struct s3_call {
    bool done;
    md_status st; /* transport or sink status; MD_ERR_HTTP for a non-2xx reply */
    struct md_err err;
    long code;
    s3_sink_fn sink;
    void *sink_ud;
    char s3code[64];
    char s3msg[192];
    char bucket_region[32];
};

static void on_reply(const struct md_http_resp *r, void *ud)
{
    struct s3_call *c = ud;
    c->done = true;
    c->st = r->status;
    c->code = r->code;
    if (r->status) {
        c->err = r->err;
        return;
    }
    if (r->code >= 200 && r->code < 300) {
        c->st = c->sink ? c->sink(c->sink_ud, r, &c->err) : MD_OK;
        return;
    }
    c->st = MD_ERR_HTTP;
    md_s3_parse_error(r->body, r->body_len, c->s3code, sizeof(c->s3code), c->s3msg,
                      sizeof(c->s3msg));
    const char *reg = md_http_resp_header(r, "x-amz-bucket-region");
    snprintf(c->bucket_region, sizeof(c->bucket_region), "%s", reg ? reg : "");
    md_sanitize(c->bucket_region);
}

/* The status an S3 error reply stands for. */
static md_status http_status_of(const struct s3_call *c)
{
    if (c->code == 404 || !strcmp(c->s3code, "NoSuchBucket") || !strcmp(c->s3code, "NoSuchKey"))
        return MD_ERR_NOT_FOUND;
    if (c->code == 401 || c->code == 403)
        return MD_ERR_AUTH;
    return MD_ERR_HTTP;
}

/*
 * Send one GET and wait for it. `what` ("list s3://b/p") starts every error
 * message. `extra` are header lines (NULL-terminated) besides the payload hash.
 */
static md_status s3_get(md_s3 *s, const char *url, const char *const *extra, size_t max_body,
                        long timeout_ms, const char *tag, struct s3_call *c, const char *what,
                        struct md_err *err)
{
    if (md_aws_expiring(&s->aws, md_now_ms(), S3_REFRESH_MARGIN_MS)) {
        struct md_err rerr = MD_ERR_INIT;
        md_status st = md_aws_refresh(&s->aws, &rerr);
        if (st)
            return md_err_set(err, st, "cannot %s: %s", what, rerr.msg);
    }
    const char *hdrs[8] = {"x-amz-content-sha256: " S3_EMPTY_SHA256};
    size_t nh = 1;
    for (size_t i = 0; extra && extra[i] && nh < MD_ARRAY_LEN(hdrs) - 1; i++)
        hdrs[nh++] = extra[i];
    struct md_http_req req = {
        .method = MD_HTTP_GET,
        .url = url,
        .headers = hdrs,
        .aws_sigv4 = s->sigv4,
        .aws_access_key = s->aws.creds.access_key_id,
        .aws_secret_key = s->aws.creds.secret_access_key,
        .aws_session_token = s->aws.creds.session_token,
        .timeout_ms = timeout_ms,
        .max_retries = -1,
        .max_body = max_body,
        .tag = tag,
    };
    uint64_t id = md_http_submit(s->h, &req, on_reply, c);
    while (!c->done) {
        md_http_run(s->h);
        if (c->done)
            break;
        /* A refused request (id 0) reports on the next run: let it, never cancel it. */
        if (id && s->cancel && *s->cancel) {
            md_http_cancel(s->h, id);
            return md_err_set(err, MD_ERR_CANCELLED, "cannot %s: cancelled", what);
        }
        if (md_http_poll(s->h, NULL, 0, 100) && id) {
            md_http_cancel(s->h, id);
            return md_err_set(err, MD_ERR_NET, "cannot %s: polling the network failed", what);
        }
    }
    if (c->st == MD_ERR_HTTP && !c->err.code) {
        md_status st = http_status_of(c);
        char hint[96] = "";
        if (c->bucket_region[0] && strcmp(c->bucket_region, s->aws.region))
            snprintf(hint, sizeof(hint), "; the bucket is in region %s, not %s", c->bucket_region,
                     s->aws.region);
        if (c->s3code[0])
            return md_err_set_http(err, st, c->code, "cannot %s: %s: %s (HTTP %ld)%s", what,
                                   c->s3code, c->s3msg[0] ? c->s3msg : "(no message)", c->code,
                                   hint);
        return md_err_set_http(err, st, c->code, "cannot %s: HTTP %ld%s", what, c->code, hint);
    }
    if (c->st)
        return md_err_set_http(err, c->st, c->code, "cannot %s: %s", what,
                               c->err.msg[0] ? c->err.msg : md_status_str(c->st));
    return MD_OK;
}

/* "s3://bucket/key" for messages, control characters scrubbed; free(). */
static char *uri_text(const char *bucket, const char *key)
{
    char *u = md_xasprintf("s3://%s/%s", bucket, key ? key : "");
    md_sanitize(u);
    md_clip_utf8(u, 160);
    return u;
}

/* ---- listing --------------------------------------------------------------------------------- */

static md_status page_sink(void *ud, const struct md_http_resp *r, struct md_err *err)
{
    return md_s3_parse_list(r->body, r->body_len, ud, err);
}

md_status md_s3_list(md_s3 *s, const char *bucket, const char *prefix, uint64_t max_objects,
                     md_s3_list_fn fn, void *ud, bool *capped, struct md_err *err)
{
    if (!max_objects)
        max_objects = MD_S3_MAX_LIST;
    if (capped)
        *capped = false;
    char *what_uri = uri_text(bucket, prefix);
    char *what = md_xasprintf("list %s", what_uri);
    free(what_uri);
    char *token = NULL;
    uint64_t passed = 0;
    md_status st = MD_OK;
    bool stop = false;
    for (int page_no = 0; !st && !stop; page_no++) {
        if (page_no == S3_MAX_PAGES) {
            st = md_err_set(err, MD_ERR_TOO_BIG, "cannot %s: more than %d pages", what,
                            S3_MAX_PAGES);
            break;
        }
        /* Parameters sorted by name and encoded: libcurl < 8.3 signs the query as sent. */
        char *url = object_url(s, bucket, NULL);
        struct md_buf q;
        md_buf_init(&q, 0);
        md_buf_adds(&q, url);
        md_buf_adds(&q, "?");
        if (token) {
            md_buf_adds(&q, "continuation-token=");
            uri_encode(&q, token, false);
            md_buf_adds(&q, "&");
        }
        uint64_t want = max_objects - passed < 1000 ? max_objects - passed + 1 : 1000;
        md_buf_addf(&q, "list-type=2&max-keys=%llu", (unsigned long long)want);
        if (prefix && *prefix) {
            md_buf_adds(&q, "&prefix=");
            uri_encode(&q, prefix, false);
        }
        free(url);
        struct md_s3_page page;
        memset(&page, 0, sizeof(page));
        struct s3_call c = {.sink = page_sink, .sink_ud = &page};
        st = s3_get(s, q.data, NULL, S3_LIST_MAX_BODY, S3_LIST_TIMEOUT_MS, "s3 ListObjectsV2", &c,
                    what, err);
        md_buf_release(&q);
        for (size_t i = 0; !st && !stop && i < page.n; i++) {
            if (passed == max_objects) {
                if (capped)
                    *capped = true;
                stop = true;
                break;
            }
            passed++;
            stop = fn(ud, &page.v[i]) != 0;
        }
        if (!st && !stop && page.truncated) {
            if (!page.next_token || !*page.next_token)
                st = md_err_set(err, MD_ERR_PARSE,
                                "cannot %s: a truncated page without "
                                "NextContinuationToken",
                                what);
            else if (token && !strcmp(token, page.next_token))
                st = md_err_set(err, MD_ERR_PARSE, "cannot %s: the listing does not advance", what);
            free(token);
            token = page.next_token;
            page.next_token = NULL;
        } else {
            stop = true;
        }
        md_s3_page_release(&page);
    }
    free(token);
    free(what);
    return st;
}

/* ---- objects --------------------------------------------------------------------------------- */

static md_status buf_sink(void *ud, const struct md_http_resp *r, struct md_err *err)
{
    md_status st = md_buf_add(ud, r->body, r->body_len);
    return st ? md_err_set(err, st, "object larger than the buffer") : MD_OK;
}

md_status md_s3_get(md_s3 *s, const char *bucket, const char *key, size_t max, struct md_buf *out,
                    struct md_err *err)
{
    char *url = object_url(s, bucket, key);
    char *u = uri_text(bucket, key);
    char *what = md_xasprintf("read %s", u);
    struct s3_call c = {.sink = buf_sink, .sink_ud = out};
    md_status st =
        s3_get(s, url, NULL, max ? max : s->part, S3_GET_TIMEOUT_MS, "s3 GetObject", &c, what, err);
    free(what);
    free(u);
    free(url);
    return st;
}

/* A ranged part as it arrives: check where it starts, learn the total, write it out. */
struct part {
    int fd;
    uint64_t off;  /* where this part must start */
    int64_t total; /* object size, -1 until known */
    bool ranged;   /* the reply was 206 */
};

static md_status part_sink(void *ud, const struct md_http_resp *r, struct md_err *err)
{
    struct part *p = ud;
    p->ranged = r->code == 206;
    if (p->ranged) {
        const char *cr = md_http_resp_header(r, "Content-Range");
        unsigned long long a, b, t;
        if (!cr || sscanf(cr, "bytes %llu-%llu/%llu", &a, &b, &t) != 3 || a != p->off || b < a ||
            b >= t || b - a + 1 != r->body_len)
            return md_err_set(err, MD_ERR_PARSE, "unexpected Content-Range");
        p->total = (int64_t)t;
    } else if (p->off) {
        return md_err_set(err, MD_ERR_PARSE, "the server ignored the Range header");
    } else {
        p->total = (int64_t)r->body_len;
    }
    for (size_t done = 0; done < r->body_len;) {
        ssize_t w = write(p->fd, r->body + done, r->body_len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return md_err_set(err, MD_ERR_IO, "cannot write the local copy: %s",
                              strerror(w < 0 ? errno : ENOSPC));
        done += (size_t)w;
    }
    p->off += r->body_len;
    return MD_OK;
}

md_status md_s3_get_fd(md_s3 *s, const char *bucket, const char *key, int64_t size,
                       const char *etag, int fd, uint64_t *written, struct md_err *err)
{
    char *url = object_url(s, bucket, key);
    char *u = uri_text(bucket, key);
    char *what = md_xasprintf("read %s", u);
    char *if_match = etag && *etag ? md_xasprintf("If-Match: %s", etag) : NULL;
    if (if_match)
        md_sanitize(if_match); /* a header line cannot carry a newline from a listing */
    struct part p = {fd, 0, size, false};
    struct md_err e = MD_ERR_INIT;
    md_status st = MD_OK;
    /* A known small object in one plain GET; anything else in ranged parts. */
    bool whole = size >= 0 && (uint64_t)size <= s->part;
    while (!whole) {
        char range[80];
        snprintf(range, sizeof(range), "Range: bytes=%llu-%llu", (unsigned long long)p.off,
                 (unsigned long long)(p.off + s->part - 1));
        const char *extra[] = {range, if_match, NULL};
        struct s3_call c = {.sink = part_sink, .sink_ud = &p};
        st = s3_get(s, url, extra, s->part, S3_GET_TIMEOUT_MS, "s3 GetObject", &c, what, &e);
        /* 416 on the first part: an empty object has no byte 0 to start a range at. */
        if (st == MD_ERR_HTTP && c.code == 416 && p.off == 0) {
            md_err_clear(&e);
            st = MD_OK;
            whole = true;
        }
        if (st || !p.ranged || p.off >= (uint64_t)p.total)
            break;
    }
    if (whole) {
        const char *extra[] = {if_match, NULL};
        struct s3_call c = {.sink = part_sink, .sink_ud = &p};
        st = s3_get(s, url, extra, s->part, S3_GET_TIMEOUT_MS, "s3 GetObject", &c, what, &e);
    }
    if (!st && p.total >= 0 && p.off != (uint64_t)p.total)
        st = md_err_set(&e, MD_ERR_PARSE, "cannot %s: got %llu of %lld bytes", what,
                        (unsigned long long)p.off, (long long)p.total);
    if (st)
        md_err_set_http(err, st, e.http_status, "%s", e.msg);
    if (written)
        *written = p.off;
    free(if_match);
    free(what);
    free(u);
    free(url);
    return st;
}

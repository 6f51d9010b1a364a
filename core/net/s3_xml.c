/*
 * s3_xml.c - the two XML documents mldeck reads from S3: a ListObjectsV2
 * page (<ListBucketResult>) and an error (<Error><Code>/<Message>). See
 * mldeck/s3.h.
 *
 * Not a general XML parser, and on purpose no library: S3 replies are flat,
 * namespace-default, entity-free documents, and a small scanner with hard
 * limits (depth, name and text length, object count) is easier to fuzz than
 * a dependency is to audit. What it accepts: the XML declaration, comments,
 * CDATA, attributes (skipped), the five predefined entities and character
 * references. What it refuses: DOCTYPE (no entity expansion, ever), text
 * outside the root element, mismatched or unclosed tags.
 */
#include "mldeck/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/aws.h"

#define XML_MAX_DEPTH 16
#define XML_MAX_NAME 64
#define XML_MAX_TEXT 8192

/* Element names from the root down to the element being closed. */
struct xml_path {
    char name[XML_MAX_DEPTH][XML_MAX_NAME];
    int depth;
};

/*
 * Called when an element closes, with its path and the text directly inside
 * it (decoded, NUL-terminated; whitespace for containers). Non-zero stops.
 */
typedef md_status (*xml_close_fn)(void *ud, const struct xml_path *path, const char *text,
                                  size_t len, struct md_err *err);

struct xml_scan {
    const char *p, *end;
    struct xml_path path;
    char text[XML_MAX_TEXT + 8];
    size_t tl;
    bool root_seen;
    bool root_done;
    char root[XML_MAX_NAME];
};

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool starts(const struct xml_scan *x, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(x->end - x->p) >= n && !memcmp(x->p, lit, n);
}

/* Skip past the next occurrence of `lit`; false when the document ends first. */
static bool skip_past(struct xml_scan *x, const char *lit)
{
    size_t n = strlen(lit);
    const char *hit = memmem(x->p, (size_t)(x->end - x->p), lit, n);
    if (!hit)
        return false;
    x->p = hit + n;
    return true;
}

static md_status text_add(struct xml_scan *x, const char *s, size_t n, struct md_err *err)
{
    if (x->tl + n > XML_MAX_TEXT)
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: text longer than %d bytes in <%s>",
                          XML_MAX_TEXT, x->path.name[x->path.depth - 1]);
    memcpy(x->text + x->tl, s, n);
    x->tl += n;
    x->text[x->tl] = '\0';
    return MD_OK;
}

/* A code point as UTF-8 into out (4 bytes at most); 0 for one XML does not allow. */
static size_t utf8_put(unsigned long cp, char *out)
{
    bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
              (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!ok)
        return 0;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* An entity at x->p ('&'): the five predefined ones and &#N; / &#xH; references. */
static md_status entity(struct xml_scan *x, struct md_err *err)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    const char *semi =
        memchr(x->p, ';', (size_t)(x->end - x->p) < 12 ? (size_t)(x->end - x->p) : 12);
    if (!semi)
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: unterminated entity");
    const char *name = x->p + 1;
    size_t n = (size_t)(semi - name);
    x->p = semi + 1;
    for (size_t i = 0; i < MD_ARRAY_LEN(named); i++) {
        if (n == strlen(named[i].name) && !memcmp(name, named[i].name, n))
            return text_add(x, &named[i].c, 1, err);
    }
    if (n >= 2 && name[0] == '#') {
        bool hex = name[1] == 'x';
        const char *d = name + 1 + hex;
        unsigned long cp = 0;
        size_t digits = 0;
        for (; d < semi; d++, digits++) {
            int v = *d >= '0' && *d <= '9'          ? *d - '0'
                    : hex && *d >= 'a' && *d <= 'f' ? *d - 'a' + 10
                    : hex && *d >= 'A' && *d <= 'F' ? *d - 'A' + 10
                                                    : -1;
            if (v < 0 || cp > 0x10FFFF)
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)v;
        }
        char u[4];
        size_t un = d == semi && digits ? utf8_put(cp, u) : 0;
        if (un)
            return text_add(x, u, un, err);
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: bad character reference");
    }
    return md_err_set(err, MD_ERR_PARSE, "S3 reply: unknown entity");
}

/* A tag name at x->p into name (namespace prefix dropped); MD_ERR_PARSE when empty or long. */
static md_status tag_name(struct xml_scan *x, char *name, struct md_err *err)
{
    const char *s = x->p;
    while (x->p < x->end && !xml_space(*x->p) && *x->p != '>' && *x->p != '/' && *x->p != '<')
        x->p++;
    size_t n = (size_t)(x->p - s);
    const char *colon = memrchr(s, ':', n);
    if (colon) {
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    if (n == 0 || n >= XML_MAX_NAME)
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: %s tag name", n ? "overlong" : "missing");
    memcpy(name, s, n);
    name[n] = '\0';
    return MD_OK;
}

/* Close the innermost element: hand its text to fn, pop it. */
static md_status close_elem(struct xml_scan *x, xml_close_fn fn, void *ud, struct md_err *err)
{
    md_status st = fn(ud, &x->path, x->text, x->tl, err);
    x->path.depth--;
    x->tl = 0;
    x->text[0] = '\0';
    if (x->path.depth == 0)
        x->root_done = true;
    return st;
}

/* A start tag at x->p ('<'): push it, skip its attributes, close it at once if empty. */
static md_status start_tag(struct xml_scan *x, xml_close_fn fn, void *ud, struct md_err *err)
{
    if (x->root_done)
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: content after the root element");
    if (x->path.depth == XML_MAX_DEPTH)
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: nested deeper than %d", XML_MAX_DEPTH);
    x->p++;
    md_status st = tag_name(x, x->path.name[x->path.depth], err);
    if (st)
        return st;
    if (!x->root_seen)
        memcpy(x->root, x->path.name[0], XML_MAX_NAME);
    x->root_seen = true;
    x->path.depth++;
    x->tl = 0;
    x->text[0] = '\0';
    char quote = 0;
    for (; x->p < x->end; x->p++) {
        char c = *x->p;
        if (quote) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            x->p++;
            return MD_OK;
        } else if (c == '/' && x->p + 1 < x->end && x->p[1] == '>') {
            x->p += 2;
            return close_elem(x, fn, ud, err);
        } else if (c == '<') {
            break;
        }
    }
    return md_err_set(err, MD_ERR_PARSE, "S3 reply: unterminated tag <%s>",
                      x->path.name[x->path.depth - 1]);
}

/* An end tag at x->p ("</"): it must close the innermost open element. */
static md_status end_tag(struct xml_scan *x, xml_close_fn fn, void *ud, struct md_err *err)
{
    char name[XML_MAX_NAME];
    x->p += 2;
    md_status st = tag_name(x, name, err);
    if (st)
        return st;
    while (x->p < x->end && xml_space(*x->p))
        x->p++;
    if (x->p == x->end || *x->p != '>')
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: unterminated end tag </%s>", name);
    x->p++;
    if (x->path.depth == 0 || strcmp(name, x->path.name[x->path.depth - 1]))
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: unexpected </%s>", name);
    return close_elem(x, fn, ud, err);
}

/* Walk a document, calling fn at every element's end; MD_ERR_PARSE with the reason. */
static md_status xml_walk(struct xml_scan *x, const char *s, size_t len, xml_close_fn fn, void *ud,
                          struct md_err *err)
{
    memset(x, 0, sizeof(*x));
    x->p = s;
    x->end = s + len;
    md_status st = MD_OK;
    while (!st && x->p < x->end) {
        if (*x->p == '<') {
            if (starts(x, "<?"))
                st = skip_past(x, "?>") ? MD_OK : MD_ERR_PARSE;
            else if (starts(x, "<!--"))
                st = skip_past(x, "-->") ? MD_OK : MD_ERR_PARSE;
            else if (starts(x, "<![CDATA[") && x->path.depth) {
                const char *body = x->p + 9;
                st = skip_past(x, "]]>") ? text_add(x, body, (size_t)(x->p - 3 - body), err)
                                         : MD_ERR_PARSE;
            } else if (starts(x, "<!"))
                st = md_err_set(err, MD_ERR_PARSE, "S3 reply: declarations are not accepted");
            else if (starts(x, "</"))
                st = end_tag(x, fn, ud, err);
            else
                st = start_tag(x, fn, ud, err);
        } else if (x->path.depth == 0) {
            if (!xml_space(*x->p))
                st = md_err_set(err, MD_ERR_PARSE, "S3 reply: not an XML document");
            x->p++;
        } else if (*x->p == '&') {
            st = entity(x, err);
        } else {
            const char *q = x->p;
            while (q < x->end && *q != '<' && *q != '&')
                q++;
            st = text_add(x, x->p, (size_t)(q - x->p), err);
            x->p = q;
        }
    }
    if (st == MD_ERR_PARSE)
        md_err_set(err, MD_ERR_PARSE, "S3 reply: truncated XML");
    if (!st && (!x->root_seen || x->path.depth))
        st = md_err_set(err, MD_ERR_PARSE, "S3 reply: truncated XML");
    return st;
}

/* Leading and trailing XML whitespace off, in place. */
static char *trim(char *s)
{
    while (xml_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && xml_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* ---- <Error> --------------------------------------------------------------------------------- */

struct err_ctx {
    char code[64];
    char msg[256];
};

static md_status on_error_close(void *ud, const struct xml_path *path, const char *text, size_t len,
                                struct md_err *err)
{
    (void)len;
    (void)err;
    struct err_ctx *c = ud;
    if (path->depth != 2 || strcmp(path->name[0], "Error"))
        return MD_OK;
    char *dst = !strcmp(path->name[1], "Code")      ? c->code
                : !strcmp(path->name[1], "Message") ? c->msg
                                                    : NULL;
    size_t cap = dst == c->code ? sizeof(c->code) : sizeof(c->msg);
    if (dst) {
        char *t = md_xstrdup(text);
        char *v = trim(t);
        md_sanitize(v);
        md_clip_utf8(v, cap - 1);
        memcpy(dst, v, strlen(v) + 1);
        free(t);
    }
    return MD_OK;
}

bool md_s3_parse_error(const char *xml, size_t len, char *code, size_t code_n, char *msg,
                       size_t msg_n)
{
    struct err_ctx c = {{0}, {0}};
    struct xml_scan *x = md_xmalloc(sizeof(*x));
    struct md_err e = MD_ERR_INIT;
    md_status st = xml ? xml_walk(x, xml, len, on_error_close, &c, &e) : MD_ERR_PARSE;
    bool ok = !st && !strcmp(x->root, "Error") && (c.code[0] || c.msg[0]);
    free(x);
    if (code_n) {
        snprintf(code, code_n, "%s", ok ? c.code : "");
        md_clip_utf8(code, code_n - 1);
    }
    if (msg_n) {
        snprintf(msg, msg_n, "%s", ok ? c.msg : "");
        md_clip_utf8(msg, msg_n - 1);
    }
    return ok;
}

/* ---- <ListBucketResult> ---------------------------------------------------------------------- */

struct list_ctx {
    struct md_s3_page *out;
    size_t alloc;
    struct md_s3_object cur;
    bool has_key;
    struct err_ctx e;
};

static void object_clear(struct md_s3_object *o)
{
    free(o->key);
    free(o->etag);
    memset(o, 0, sizeof(*o));
    o->size = -1;
}

/* A non-negative decimal integer, the whole text. */
static bool parse_size(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* One element of the page closed: a member of <Contents>, a <Contents>, or a page field. */
static md_status on_list_close(void *ud, const struct xml_path *path, const char *text, size_t len,
                               struct md_err *err)
{
    struct list_ctx *c = ud;
    const char *root = path->name[0];
    if (!strcmp(root, "Error"))
        return on_error_close(&c->e, path, text, len, err);
    if (strcmp(root, "ListBucketResult"))
        return md_err_set(err, MD_ERR_PARSE, "S3 reply: expected <ListBucketResult>, got <%s>",
                          root);
    if (path->depth == 3 && !strcmp(path->name[1], "Contents")) {
        const char *f = path->name[2];
        if (!strcmp(f, "Key")) {
            free(c->cur.key);
            c->cur.key = md_xstrdup(text); /* keys keep their spaces */
            c->has_key = true;
            return MD_OK;
        }
        char *t = md_xstrdup(text);
        char *v = trim(t);
        md_status st = MD_OK;
        if (!strcmp(f, "Size") && !parse_size(v, &c->cur.size))
            st = md_err_set(err, MD_ERR_PARSE, "S3 reply: bad <Size> of an object");
        else if (!strcmp(f, "LastModified") && md_aws_parse_time(v, &c->cur.mtime_ms))
            c->cur.mtime_ms = 0;
        else if (!strcmp(f, "ETag")) {
            free(c->cur.etag);
            c->cur.etag = md_xstrdup(v);
        }
        free(t);
        return st;
    }
    if (path->depth != 2)
        return MD_OK;
    const char *f = path->name[1];
    struct md_s3_page *out = c->out;
    if (!strcmp(f, "Contents")) {
        if (!c->has_key)
            return md_err_set(err, MD_ERR_PARSE, "S3 reply: an object without a <Key>");
        if (out->n == MD_S3_PAGE_MAX)
            return md_err_set(err, MD_ERR_PARSE, "S3 reply: more than %d objects in one page",
                              MD_S3_PAGE_MAX);
        if (out->n == c->alloc) {
            c->alloc = c->alloc ? c->alloc * 2 : 64;
            out->v = md_xrealloc(out->v, c->alloc * sizeof(*out->v));
        }
        if (!c->cur.etag)
            c->cur.etag = md_xstrdup("");
        out->v[out->n++] = c->cur;
        memset(&c->cur, 0, sizeof(c->cur));
        c->cur.size = -1;
        c->has_key = false;
    } else if (!strcmp(f, "IsTruncated")) {
        char *t = md_xstrdup(text);
        const char *v = trim(t);
        bool yes = !strcmp(v, "true"), no = !strcmp(v, "false");
        free(t);
        if (!yes && !no)
            return md_err_set(err, MD_ERR_PARSE, "S3 reply: bad <IsTruncated>");
        out->truncated = yes;
    } else if (!strcmp(f, "NextContinuationToken")) {
        char *t = md_xstrdup(text);
        free(out->next_token);
        out->next_token = md_xstrdup(trim(t));
        free(t);
    }
    return MD_OK;
}

void md_s3_page_release(struct md_s3_page *p)
{
    for (size_t i = 0; p && i < p->n; i++)
        object_clear(&p->v[i]);
    if (p) {
        free(p->v);
        free(p->next_token);
        memset(p, 0, sizeof(*p));
    }
}

md_status md_s3_parse_list(const char *xml, size_t len, struct md_s3_page *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    struct list_ctx c = {.out = out};
    c.cur.size = -1;
    struct xml_scan *x = md_xmalloc(sizeof(*x));
    struct md_err e = MD_ERR_INIT;
    md_status st = xml_walk(x, xml ? xml : "", xml ? len : 0, on_list_close, &c, &e);
    if (!st && !strcmp(x->root, "Error"))
        st = md_err_set(&e, MD_ERR_HTTP, "%s: %s", c.e.code[0] ? c.e.code : "error",
                        c.e.msg[0] ? c.e.msg : "(no message)");
    else if (!st && strcmp(x->root, "ListBucketResult"))
        st = md_err_set(&e, MD_ERR_PARSE, "S3 reply: expected <ListBucketResult>, got <%s>",
                        x->root);
    free(x);
    object_clear(&c.cur);
    if (st) {
        md_s3_page_release(out);
        md_err_set(err, st, "%s", e.msg);
    }
    return st;
}

/*
 * op_error.c - the one skeleton every backend's error messages follow
 * (op_map_error() in op.h): the status from the HTTP code, the code and
 * message from the body whatever its shape, the platform's classification
 * and hint, then one format. Pure: no network, used by the unit tests too.
 */
#include "mldeck/redact.h"
#include "op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"

/* Longest first line of a text or HTML body looked at. */
#define LINE_SCAN 480
/* Largest JSON error body parsed. */
#define JSON_MAX (1024 * 1024)

/* Text between <tag> and </tag> (first match, case-insensitive), new string or NULL. */
static char *between(const char *body, size_t len, const char *open, const char *close)
{
    const char *end = body + len;
    size_t no = strlen(open);
    size_t nc = strlen(close);
    for (const char *p = body; p + no <= end; p++) {
        if (strncasecmp(p, open, no) != 0)
            continue;
        const char *v = p + no;
        for (const char *q = v; q + nc <= end; q++) {
            if (strncasecmp(q, close, nc) == 0)
                return md_xasprintf("%.*s", (int)(q - v), v);
        }
        return NULL;
    }
    return NULL;
}

/*
 * The visible text of an HTML page, as a new string of at most LINE_SCAN
 * bytes: tags, comments, scripts and styles dropped, runs of blanks one
 * space. A gateway's error page often has no <title>, and its first line
 * ("<!DOCTYPE html>") says nothing about the fault.
 */
static char *html_text(const char *body, size_t len)
{
    char *out = md_xmalloc(LINE_SCAN + 1);
    size_t n = 0;
    bool space = false;
    const char *end = body + len;
    for (const char *p = body; p < end && n < LINE_SCAN;) {
        if (*p == '<') {
            const char *skip_to = ">";
            if (end - p >= 4 && strncmp(p, "<!--", 4) == 0)
                skip_to = "-->";
            else if (end - p >= 7 && strncasecmp(p, "<script", 7) == 0)
                skip_to = "</script>";
            else if (end - p >= 6 && strncasecmp(p, "<style", 6) == 0)
                skip_to = "</style>";
            size_t k = strlen(skip_to);
            const char *q = p + 1;
            while (q + k <= end && strncasecmp(q, skip_to, k) != 0)
                q++;
            p = q + k <= end ? q + k : end;
            space = n > 0;
            continue;
        }
        unsigned char c = (unsigned char)*p++;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = n > 0;
            continue;
        }
        if (space && n < LINE_SCAN)
            out[n++] = ' ';
        space = false;
        if (n < LINE_SCAN)
            out[n++] = (char)c;
    }
    out[n] = '\0';
    if (n == 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Code and message of a body in any shape (new strings or NULL); *html for an HTML page. */
static void parts(const struct op_error_rules *r, const char *body, size_t len, char **code,
                  char **msg, bool *html, bool *line)
{
    *line = false;
    *code = *msg = NULL;
    *html = false;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    cJSON *root = NULL;
    if (i < len && body[i] == '{' && jsonx_parse(body, len, JSON_MAX, &root, NULL) == MD_OK) {
        r->fields(root, code, msg);
        cJSON_Delete(root);
        root = NULL;
        if (*code != NULL || *msg != NULL)
            return;
    }
    cJSON_Delete(root);
    if (i < len && body[i] == '<') {
        *code = between(body + i, len - i, "<Code>", "</Code>");
        *msg = between(body + i, len - i, "<Message>", "</Message>");
        if (*code == NULL && *msg == NULL) {
            *html = true;
            *msg = between(body + i, len - i, "<title>", "</title>");
            if (*msg != NULL && (*msg)[strspn(*msg, " \t\r\n")] == '\0') {
                free(*msg);
                *msg = NULL;
            }
            if (*msg == NULL) {
                *msg = html_text(body + i, len - i);
                *line = true;
                return;
            }
        }
        if (*code != NULL || *msg != NULL)
            return;
    }
    /* text, or HTML without a title: its first line */
    size_t j = i;
    while (j < len && body[j] != '\r' && body[j] != '\n' && body[j] != '\0' && j - i < LINE_SCAN)
        j++;
    if (j > i)
        *msg = md_xasprintf("%.*s", (int)(j - i), body + i);
    *line = true;
}

md_status op_map_error(const struct op_error_rules *r, const char *what, long http,
                       const char *body, size_t len, struct md_err *err)
{
    md_status st = MD_ERR_HTTP;
    if (http == 401 || http == 403)
        st = MD_ERR_AUTH;
    else if (http == 404)
        st = MD_ERR_NOT_FOUND;
    char *rc = NULL;
    char *rm = NULL;
    bool html = false;
    bool line = false;
    parts(r, body != NULL ? body : "", body != NULL ? len : 0, &rc, &rm, &html, &line);
    char *c = md_xstrdup_clean(rc);
    char *m = md_xstrdup_clean(rm);
    free(rc);
    free(rm);
    /* a server or proxy may echo the request headers: clean at the source */
    char *cr = md_redacted(c);
    char *mr = md_redacted(m);
    free(c);
    free(m);
    c = cr;
    m = mr;
    md_clip_utf8(c, r->code_max);
    md_clip_utf8(m, line && r->line_max > 0 ? r->line_max : r->text_max);
    char hint[200] = "";
    if (r->classify != NULL)
        st = r->classify(r->ctx, http, c, m, html, st, hint, sizeof(hint));
    const char *suffix = r->suffix != NULL ? r->suffix : "";
    const char *sep = c[0] ? ": " : r->sep != NULL ? r->sep : ": ";
    /* the hint first: the server's text is what a full message buffer cuts */
    if (hint[0] != '\0')
        md_err_set_http(err, st, http, "%s: %s (HTTP %ld%s%s%s%s)%s", what, hint, http,
                        c[0] ? " " : "", c, m[0] ? sep : "", m, suffix);
    else
        md_err_set_http(err, st, http, "%s: HTTP %ld%s%s%s%s%s", what, http, c[0] ? " " : "", c,
                        m[0] ? sep : "", m, suffix);
    free(c);
    free(m);
    return st;
}

/*
 * sagemaker_errors.c - error bodies to messages: AWS JSON 1.0/1.1 errors,
 * moto's XML auth errors and HTML pages, plain text. Secrets never appear:
 * only the server's code and message are quoted, cleaned and clipped.
 */
#include "sagemaker_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/jsonx_int.h"

/* Longest piece of a server's error text quoted in a message. */
#define ERR_TEXT_MAX 160

/* ---- errors ----------------------------------------------------------------------------- */

static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

bool sm_is_throttling(const char *code)
{
    for (size_t i = 0; code != NULL && i < MD_ARRAY_LEN(throttling_codes); i++) {
        if (strcmp(code, throttling_codes[i]) == 0)
            return true;
    }
    return false;
}

/* Exact, case-sensitive: AWS error codes are identifiers. */
static bool code_in(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(code, list[i]) == 0)
            return true;
    }
    return false;
}

/* Text between <tag> and </tag> in an XML or HTML body (first match, case-insensitive). */
static char *between(const char *body, size_t len, const char *open, const char *close)
{
    const char *end = body + len;
    size_t no = strlen(open);
    for (const char *p = body; p + no <= end; p++) {
        if (strncasecmp(p, open, no) != 0)
            continue;
        const char *v = p + no;
        size_t nc = strlen(close);
        for (const char *q = v; q + nc <= end; q++) {
            if (strncasecmp(q, close, nc) == 0) {
                char *s = md_xmalloc((size_t)(q - v) + 1);
                memcpy(s, v, (size_t)(q - v));
                s[q - v] = '\0';
                return s;
            }
        }
        return NULL;
    }
    return NULL;
}

/* Code and message of an error body in any of the shapes AWS and moto use. */
static void error_parts(const char *body, size_t len, char **code, char **msg, bool *html)
{
    *code = NULL;
    *msg = NULL;
    *html = false;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    cJSON *root = NULL;
    if (i < len && body[i] == '{' && jsonx_parse(body, len, 1024 * 1024, &root, NULL) == MD_OK) {
        const char *c = jsonx_str_raw(root, "__type");
        if (c == NULL)
            c = jsonx_str_raw(root, "code");
        if (c == NULL)
            c = jsonx_str_raw(root, "Code");
        const char *m = jsonx_str_raw(root, "message");
        if (m == NULL)
            m = jsonx_str_raw(root, "Message");
        if (c != NULL) {
            /* botocore: cut after ':', keep what follows the last '#' */
            const char *hash = strrchr(c, '#');
            *code = md_xstrdup(hash != NULL ? hash + 1 : c);
            (*code)[strcspn(*code, ":")] = '\0';
        }
        if (m != NULL)
            *msg = md_xstrdup(m);
        cJSON_Delete(root);
        return;
    }
    cJSON_Delete(root);
    if (i < len && body[i] == '<') {
        *code = between(body + i, len - i, "<Code>", "</Code>");
        *msg = between(body + i, len - i, "<Message>", "</Message>");
        if (*code == NULL && *msg == NULL) {
            *html = true;
            *msg = between(body + i, len - i, "<title>", "</title>");
        }
        return;
    }
    size_t j = i;
    while (j < len && body[j] != '\r' && body[j] != '\n' && body[j] != '\0' && j - i < 480)
        j++;
    if (j > i) {
        *msg = md_xmalloc(j - i + 1);
        memcpy(*msg, body + i, j - i);
        (*msg)[j - i] = '\0';
    }
}

/*
 * Auth errors come first because they are what an operator can act on
 * (renew, fix the key, fix the clock); not-found is SageMaker's own 400
 * ValidationException; throttling is 400 too, so it is recognised by code.
 */
md_status sm_map_error(const char *what, long code, const char *body, size_t len, const char *who,
                       struct md_err *err)
{
    static const char *const expired[] = {"ExpiredToken", "ExpiredTokenException",
                                          "TokenRefreshRequired", "RequestExpired"};
    static const char *const unknown_key[] = {"InvalidClientTokenId", "UnrecognizedClientException",
                                              "InvalidAccessKeyId", "AuthFailure"};
    static const char *const bad_sig[] = {"SignatureDoesNotMatch", "InvalidSignatureException",
                                          "IncompleteSignature", "MissingAuthenticationToken"};
    static const char *const denied[] = {"AccessDenied", "AccessDeniedException", "NotAuthorized",
                                         "UnauthorizedOperation"};
    static const char *const not_found[] = {"ResourceNotFound", "ResourceNotFoundException",
                                            "NoSuchEntity", "NotFoundException"};
    char *ec = NULL;
    char *em = NULL;
    bool html = false;
    error_parts(body != NULL ? body : "", body != NULL ? len : 0, &ec, &em, &html);
    char *c = md_xstrdup_clean(ec);
    char *m = md_xstrdup_clean(em);
    free(ec);
    free(em);
    md_clip_utf8(c, 60);
    md_clip_utf8(m, ERR_TEXT_MAX);
    const char *w = who != NULL ? who : "these credentials";

    char utc[32];
    time_t now = (time_t)(md_now_ms() / 1000);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(utc, sizeof(utc), "%H:%M:%S", &tm) == 0)
        snprintf(utc, sizeof(utc), "?");

    md_status st = MD_ERR_HTTP;
    char hint[200] = "";
    if (code_in(c, expired, MD_ARRAY_LEN(expired))) {
        st = MD_ERR_AUTH;
        if (strcmp(c, "RequestExpired") == 0)
            snprintf(hint, sizeof(hint), "request expired: check the clock (local time %s UTC)",
                     utc);
        else
            snprintf(hint, sizeof(hint), "expired session token for %s; renew the credentials", w);
    } else if (code_in(c, unknown_key, MD_ARRAY_LEN(unknown_key))) {
        st = MD_ERR_AUTH;
        snprintf(hint, sizeof(hint), "the access key (or session token) of %s is not valid", w);
    } else if (code_in(c, bad_sig, MD_ARRAY_LEN(bad_sig))) {
        st = MD_ERR_AUTH;
        snprintf(hint, sizeof(hint),
                 "signature rejected for %s: wrong secret key, or a clock "
                 "off by minutes (local time %s UTC)",
                 w, utc);
    } else if (code_in(c, denied, MD_ARRAY_LEN(denied))) {
        st = MD_ERR_AUTH;
        snprintf(hint, sizeof(hint), "access denied for %s", w);
    } else if (code_in(c, not_found, MD_ARRAY_LEN(not_found)) ||
               (strcmp(c, "ValidationException") == 0 &&
                (strstr(m, "Could not find") != NULL || strstr(m, "not found") != NULL ||
                 strstr(m, "does not exist") != NULL))) {
        st = MD_ERR_NOT_FOUND;
    } else if (sm_is_throttling(c) || code == 429) {
        snprintf(hint, sizeof(hint), "throttled by AWS; try again later");
    } else if (code == 401 || code == 403) {
        st = MD_ERR_AUTH;
        snprintf(hint, sizeof(hint), "not authorised (%s)", w);
    } else if (html) {
        snprintf(hint, sizeof(hint), "the server answered with an HTML error page%s",
                 code >= 500 ? " (service error, or an operation it does not implement)" : "");
    } else if (code >= 500) {
        snprintf(hint, sizeof(hint), "AWS service error");
    }
    /* the hint first: the server's text is what a full message buffer cuts */
    if (hint[0] != '\0')
        md_err_set_http(err, st, code, "%s: %s (HTTP %ld%s%s%s%s)", what, hint, code,
                        c[0] ? " " : "", c, m[0] ? ": " : "", m);
    else
        md_err_set_http(err, st, code, "%s: HTTP %ld%s%s%s%s", what, code, c[0] ? " " : "", c,
                        m[0] ? ": " : "", m);
    free(c);
    free(m);
    return st;
}

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

#include "backends/op.h"
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

/* Code and message of an AWS JSON error body, in the shapes AWS and moto use. */
static void error_fields(const cJSON *root, char **code, char **msg)
{
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
}

static md_status classify(const void *ctx, long code, const char *c, const char *m, bool html,
                          md_status st, char *hint, size_t hint_len)
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
    const char *w = ctx != NULL ? ctx : "these credentials";
    char utc[32];
    time_t now = (time_t)(md_now_ms() / 1000);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(utc, sizeof(utc), "%H:%M:%S", &tm) == 0)
        snprintf(utc, sizeof(utc), "?");
    st = MD_ERR_HTTP;
    if (code_in(c, expired, MD_ARRAY_LEN(expired))) {
        st = MD_ERR_AUTH;
        if (strcmp(c, "RequestExpired") == 0)
            snprintf(hint, hint_len, "request expired: check the clock (local time %s UTC)", utc);
        else
            snprintf(hint, hint_len, "expired session token for %s; renew the credentials", w);
    } else if (code_in(c, unknown_key, MD_ARRAY_LEN(unknown_key))) {
        st = MD_ERR_AUTH;
        snprintf(hint, hint_len, "the access key (or session token) of %s is not valid", w);
    } else if (code_in(c, bad_sig, MD_ARRAY_LEN(bad_sig))) {
        st = MD_ERR_AUTH;
        snprintf(hint, hint_len,
                 "signature rejected for %s: wrong secret key, or a clock "
                 "off by minutes (local time %s UTC)",
                 w, utc);
    } else if (code_in(c, denied, MD_ARRAY_LEN(denied))) {
        st = MD_ERR_AUTH;
        snprintf(hint, hint_len, "access denied for %s", w);
    } else if (code_in(c, not_found, MD_ARRAY_LEN(not_found)) ||
               (strcmp(c, "ValidationException") == 0 &&
                (strstr(m, "Could not find") != NULL || strstr(m, "not found") != NULL ||
                 strstr(m, "does not exist") != NULL))) {
        st = MD_ERR_NOT_FOUND;
    } else if (sm_is_throttling(c) || code == 429) {
        snprintf(hint, hint_len, "throttled by AWS; try again later");
    } else if (code == 401 || code == 403) {
        st = MD_ERR_AUTH;
        snprintf(hint, hint_len, "not authorised (%s)", w);
    } else if (html) {
        snprintf(hint, hint_len, "the server answered with an HTML error page%s",
                 code >= 500 ? " (service error, or an operation it does not implement)" : "");
    } else if (code >= 500) {
        snprintf(hint, hint_len, "AWS service error");
    }
    return st;
}

/*
 * Auth errors come first because they are what an operator can act on
 * (renew, fix the key, fix the clock); not-found is SageMaker's own 400
 * ValidationException; throttling is 400 too, so it is recognised by code.
 */
md_status sm_map_error(const char *what, long code, const char *body, size_t len, const char *who,
                       struct md_err *err)
{
    const struct op_error_rules rules = {
        .fields = error_fields,
        .classify = classify,
        .ctx = who,
        .code_max = 60,
        .text_max = ERR_TEXT_MAX,
        .sep = ": ",
    };
    return op_map_error(&rules, what, code, body, len, err);
}

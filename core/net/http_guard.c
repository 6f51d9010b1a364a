/*
 * http_guard.c - what the read-only guard of core/net/http.c counts as a read,
 * in one place to review: GET and HEAD; POSTs only on an allow-list of paths
 * that read (MLflow searches, token requests, Azure ML getLogs by its exact
 * ARM shape) and AWS JSON-protocol calls whose X-Amz-Target names a read.
 * Paths are taken from libcurl's own URL parser, so the guard judges what is
 * sent, not what the caller meant.
 */
#include "mldeck/http.h"
#include "http_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* POST paths that only read (MLflow searches are POSTs); matched as suffixes of the path. */
static const char *const read_post_suffixes[] = {
    "/api/2.0/mlflow/runs/search",
    "/api/2.0/mlflow/experiments/search",
    "/api/2.0/mlflow/logged-models/search",
    "/api/2.0/mlflow/model-versions/search",
    "/api/2.0/mlflow/registered-models/search",
    "/api/3.0/mlflow/traces/search",
    "/ajax-api/2.0/mlflow/runs/search",
    "/oauth2/v2.0/token", /* Azure AD: a token request changes nothing we manage */
    "/oauth2/token",
};

/*
 * Azure ML reads a deployment's logs with a POST. It is let through by its
 * exact shape only: the path ends in these segments, each NULL one a single
 * non-empty name, the fixed ones compared as ARM routes them (any case).
 */
static const char *const azureml_get_logs_shape[] = {
    "subscriptions",   NULL,
    "resourceGroups",  NULL,
    "providers",       "Microsoft.MachineLearningServices",
    "workspaces",      NULL,
    "onlineEndpoints", NULL,
    "deployments",     NULL,
    "getLogs"};

/*
 * AWS JSON-protocol operations (after the last '.' of X-Amz-Target) that
 * only read: CloudWatch's DescribeAlarms and GetMetricData among them, never
 * PutMetricAlarm or SetAlarmState. Azure Monitor's alert rules and fired
 * alerts are GETs.
 */
static const char *const read_amz_prefixes[] = {"List", "Describe", "Get", "Search", "BatchGet"};
/* Reads whose names do not start with a read verb: exact names only. */
static const char *const read_amz_ops[] = {"LookupEvents", "FilterLogEvents"};

/* Extra headers that could turn a read into a write behind the guard's back. */
static const char *const guard_headers[] = {"X-Amz-Target", "X-HTTP-Method",
                                            "X-HTTP-Method-Override", "X-Method-Override"};

/* True when the "Name: value" line names header `name`. */
bool http_header_named(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/*
 * One part of a URL through libcurl's own parser, so the guard sees what is
 * sent; free(). CURLUPART_URL gives the URL without userinfo, query and
 * fragment, fit for logs and messages (queries may carry SAS tokens).
 */
char *http_url_part(const char *url, CURLUPart part)
{
    static const CURLUPart strip[] = {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS,
                                      CURLUPART_QUERY, CURLUPART_FRAGMENT};
    CURLU *u = curl_url();
    char *s = NULL;
    char *out = NULL;
    if (!u)
        md_die_oom();
    if (url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        for (size_t i = 0; part == CURLUPART_URL && i < MD_ARRAY_LEN(strip); i++)
            curl_url_set(u, strip[i], NULL, 0);
        if (curl_url_get(u, part, &s, 0) == CURLUE_OK) {
            out = md_xstrdup(s);
            curl_free(s);
        }
    }
    curl_url_cleanup(u);
    return out;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* True when the path's last segments are azureml_get_logs_shape, compared from the end. */
static bool is_azureml_get_logs(const char *path)
{
    const char *seg_end = path + strlen(path);
    for (size_t i = MD_ARRAY_LEN(azureml_get_logs_shape); i-- > 0;) {
        const char *p = seg_end;
        while (p > path && p[-1] != '/')
            p--;
        size_t len = (size_t)(seg_end - p);
        const char *want = azureml_get_logs_shape[i];
        if (p == path || len == 0 ||
            (want && (strlen(want) != len || strncasecmp(p, want, len) != 0)))
            return false;
        seg_end = p - 1;
    }
    return true;
}

/* AWS names its read operations by verb prefix; a missing target is never a read. */
static bool amz_target_is_read(const char *target)
{
    if (!target)
        return false;
    const char *op = strrchr(target, '.');
    op = op ? op + 1 : target;
    for (size_t i = 0; i < MD_ARRAY_LEN(read_amz_prefixes); i++) {
        size_t n = strlen(read_amz_prefixes[i]);
        if (strncmp(op, read_amz_prefixes[i], n) == 0)
            return true;
    }
    for (size_t i = 0; i < MD_ARRAY_LEN(read_amz_ops); i++)
        if (strcmp(op, read_amz_ops[i]) == 0)
            return true;
    return false;
}

bool md_http_is_read(enum md_http_method method, const char *url, const char *amz_target)
{
    if (method == MD_HTTP_GET || method == MD_HTTP_HEAD)
        return true;
    if (method != MD_HTTP_POST)
        return false;
    char *path = http_url_part(url, CURLUPART_PATH);
    if (!path)
        return false;
    bool read = false;
    /* Encoded or dot segments could reach another route after the server decodes them. */
    if (strchr(path, '%') || strstr(path, "/./") || strstr(path, "/../")) {
        read = false;
    } else if (strcmp(path, "/") == 0) {
        read = amz_target_is_read(amz_target);
    } else {
        for (size_t i = 0; i < MD_ARRAY_LEN(read_post_suffixes) && !read; i++)
            read = ends_with(path, read_post_suffixes[i]);
        read = read || is_azureml_get_logs(path);
    }
    free(path);
    return read;
}

/* Refuse a request in read-only mode when an extra header could override method or target. */
bool http_headers_can_override(const char *const *headers)
{
    for (size_t i = 0; headers && headers[i]; i++) {
        for (size_t j = 0; j < MD_ARRAY_LEN(guard_headers); j++) {
            if (http_header_named(headers[i], strlen(headers[i]), guard_headers[j]))
                return true;
        }
    }
    return false;
}

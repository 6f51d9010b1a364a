/*
 * test_http.c - core/net/http.c against a scripted loopback HTTP/1.1 server.
 *
 * The server (tu_srv, testutil.h) is a pthread polling a socket bound to
 * 127.0.0.1 port 0. Each test queues canned replies (raw bytes, optionally
 * delayed), drives md_http to completion and then checks what the client
 * reported and what the server recorded (method, target, headers, body).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mldeck/http.h"
#include "testutil.h"

/* --- the client side ------------------------------------------------------------------------ */

static char log_text[1 << 16];
static size_t log_len;
static int log_warns;

static void log_capture(enum md_log_level level, const char *line, void *ud)
{
    (void)ud;
    if (level == MD_LOG_WARN)
        log_warns++;
    int n = snprintf(log_text + log_len, sizeof(log_text) - log_len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof(log_text) - log_len)
        log_len += (size_t)n;
}

struct got {
    int calls;
    md_status status;
    long code;
    char body[8192];
    size_t body_len;
    char ctype[128];
    long retry_after_s;
    int attempts;
    int64_t elapsed_ms;
    char msg[256];
};

static void on_done(const struct md_http_resp *resp, void *ud)
{
    struct got *g = ud;
    g->calls++;
    g->status = resp->status;
    g->code = resp->code;
    g->body_len = resp->body_len < sizeof(g->body) - 1 ? resp->body_len : sizeof(g->body) - 1;
    memcpy(g->body, resp->body, g->body_len);
    g->body[g->body_len] = '\0';
    snprintf(g->ctype, sizeof(g->ctype), "%s", resp->content_type);
    g->retry_after_s = resp->retry_after_s;
    g->attempts = resp->attempts;
    g->elapsed_ms = resp->elapsed_ms;
    snprintf(g->msg, sizeof(g->msg), "%s", resp->err.msg);
}

struct fx {
    struct tu_srv *srv;
    md_http *h;
    char base[64];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->srv = tu_srv_start();
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", tu_srv_port(f->srv));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_http_new(&f->h, &err), MD_OK);
    log_len = 0;
    log_text[0] = '\0';
    log_warns = 0;
    md_log_set_sink(log_capture, NULL, MD_LOG_DEBUG);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    md_http_free(f->h);
    tu_srv_stop(f->srv);
    md_log_set_sink(NULL, NULL, MD_LOG_ERROR);
    free(f);
    return 0;
}

/* A request to base + path with everything else defaulted. */
static struct md_http_req req_at(struct fx *f, enum md_http_method m, const char *path, char *url,
                                 size_t n)
{
    snprintf(url, n, "%s%s", f->base, path);
    return (struct md_http_req){.method = m, .url = url, .max_retries = -1, .tag = "test"};
}

static void run_all(struct fx *f)
{
    assert_int_equal(md_http_wait_all(f->h, 5000), MD_OK);
    assert_int_equal(md_http_pending(f->h), 0);
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_get_ok(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "200 OK", "Content-Type: application/json\r\n", "{\"experiments\":[]}");
    const char *path = "/api/2.0/mlflow/experiments/search?max_results=5";
    struct md_http_req rq = req_at(f, MD_HTTP_GET, path, url, sizeof(url));
    const char *extra[] = {"Origin: http://evil.example", "X-Trace: 1", NULL};
    rq.headers = extra;
    struct got g = {0};
    assert_true(md_http_submit(f->h, &rq, on_done, &g) != 0);
    assert_int_equal(md_http_pending(f->h), 1);
    run_all(f);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.status, MD_OK);
    assert_int_equal(g.code, 200);
    assert_string_equal(g.body, "{\"experiments\":[]}");
    assert_string_equal(g.ctype, "application/json");
    assert_int_equal(g.retry_after_s, -1);
    assert_int_equal(g.attempts, 1);
    assert_int_equal(md_http_sent_count(f->h), 1);
    assert_int_equal(tu_srv_count(f->srv), 1);
    const struct tu_srv_rec *r = tu_srv_rec(f->srv, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->target, "/api/2.0/mlflow/experiments/search?max_results=5");
    assert_true(tu_srv_has_header(r, "Accept: application/json"));
    assert_true(tu_srv_has_header(r, "X-Trace: 1"));
    assert_null(strcasestr(r->headers, "\r\nOrigin:"));
    assert_null(strcasestr(r->headers, "\r\nContent-Type:"));
    /* The debug line names method, URL without query, code and tag. */
    assert_non_null(strstr(log_text, "GET http://127.0.0.1:"));
    assert_non_null(strstr(log_text, "-> 200"));
    assert_null(strstr(log_text, "max_results"));
}

static void test_post_json(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *body = "{\"experiment_ids\":[\"1\"],\"max_results\":50}";
    tu_srv_reply(f->srv, 0, "200 OK", "Content-Type: application/json\r\n", "{}");
    struct md_http_req rq =
        req_at(f, MD_HTTP_POST, "/api/2.0/mlflow/runs/search", url, sizeof(url));
    rq.body = body;
    rq.body_len = strlen(body);
    struct got g = {0};
    assert_true(md_http_submit(f->h, &rq, on_done, &g) != 0);
    run_all(f);
    assert_int_equal(g.status, MD_OK);
    assert_int_equal(g.code, 200);
    assert_int_equal(tu_srv_count(f->srv), 1);
    const struct tu_srv_rec *r = tu_srv_rec(f->srv, 0);
    assert_string_equal(r->method, "POST");
    assert_true(tu_srv_has_header(r, "Content-Type: application/json"));
    assert_null(strcasestr(r->headers, "\r\nExpect:"));
    assert_string_equal(r->body, body);
}

static void test_methods(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *body = "{\"name\":\"churn\",\"alias\":\"champion\"}";
    struct got g[3] = {{0}};
    for (int i = 0; i < 3; i++)
        tu_srv_reply(f->srv, 0, "200 OK", NULL, "");
    struct md_http_req rq =
        req_at(f, MD_HTTP_DELETE, "/api/2.0/mlflow/registered-models/alias", url, sizeof(url));
    rq.body = body;
    rq.body_len = strlen(body);
    md_http_submit(f->h, &rq, on_done, &g[0]);
    run_all(f);
    rq = req_at(f, MD_HTTP_PUT, "/thing", url, sizeof(url));
    md_http_submit(f->h, &rq, on_done, &g[1]);
    run_all(f);
    rq = req_at(f, MD_HTTP_HEAD, "/health", url, sizeof(url));
    md_http_submit(f->h, &rq, on_done, &g[2]);
    run_all(f);
    assert_int_equal(tu_srv_count(f->srv), 3);
    assert_string_equal(tu_srv_rec(f->srv, 0)->method, "DELETE");
    assert_string_equal(tu_srv_rec(f->srv, 0)->body, body);
    assert_true(tu_srv_has_header(tu_srv_rec(f->srv, 0), "Content-Type: application/json"));
    assert_string_equal(tu_srv_rec(f->srv, 1)->method, "PUT");
    assert_true(tu_srv_has_header(tu_srv_rec(f->srv, 1), "Content-Length: 0"));
    assert_string_equal(tu_srv_rec(f->srv, 2)->method, "HEAD");
    for (int i = 0; i < 3; i++)
        assert_int_equal(g[i].code, 200);
}

static void test_retry_503(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "503 Service Unavailable", NULL, "busy");
    tu_srv_reply(f->srv, 0, "200 OK", "Content-Type: application/json\r\n", "{\"ok\":1}");
    struct md_http_req rq =
        req_at(f, MD_HTTP_GET, "/api/2.0/mlflow/runs/get?run_id=a", url, sizeof(url));
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.status, MD_OK);
    assert_int_equal(g.code, 200);
    assert_string_equal(g.body, "{\"ok\":1}");
    assert_int_equal(g.attempts, 2);
    assert_true(g.elapsed_ms >= 200);
    assert_int_equal(tu_srv_count(f->srv), 2);
    assert_int_equal(md_http_sent_count(f->h), 2);
}

static void test_retry_after(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "429 Too Many Requests", "Retry-After: 1\r\n", "{}");
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "{}");
    struct md_http_req rq =
        req_at(f, MD_HTTP_POST, "/api/2.0/mlflow/experiments/search", url, sizeof(url));
    rq.body = "{}";
    rq.body_len = 2;
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.code, 200);
    assert_int_equal(g.attempts, 2);
    assert_true(g.elapsed_ms >= 900);
    assert_int_equal(g.retry_after_s, -1); /* of the final reply */
}

static void test_retry_after_too_long(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "503 Service Unavailable", "Retry-After: 120\r\n", "{}");
    tu_srv_reply(f->srv, 0, "429 Too Many Requests", "Retry-After: 7\r\n", "{}");
    struct md_http_req rq = req_at(f, MD_HTTP_GET, "/a", url, sizeof(url));
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    /* Too long to wait inside the request: reported with the hint for the caller. */
    assert_int_equal(g.status, MD_OK);
    assert_int_equal(g.code, 503);
    assert_int_equal(g.attempts, 1);
    assert_int_equal(g.retry_after_s, 120);
    rq.max_retries = 0;
    memset(&g, 0, sizeof(g));
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.code, 429);
    assert_int_equal(g.attempts, 1);
    assert_int_equal(g.retry_after_s, 7);
}

static void test_write_not_retried(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "503 Service Unavailable", NULL, "busy");
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "{}");
    struct md_http_req rq =
        req_at(f, MD_HTTP_POST, "/api/2.0/mlflow/registered-models/alias", url, sizeof(url));
    rq.body = "{}";
    rq.body_len = 2;
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.status, MD_OK);
    assert_int_equal(g.code, 503);
    assert_int_equal(g.attempts, 1);
    assert_int_equal(tu_srv_count(f->srv), 1);
}

static void test_read_only(void **state)
{
    struct fx *f = *state;
    char url[256];
    assert_false(md_http_read_only(f->h));
    md_http_set_read_only(f->h);
    assert_true(md_http_read_only(f->h));
    struct got g[4] = {{0}};

    struct md_http_req rq = req_at(
        f, MD_HTTP_POST, "/api/2.0/mlflow/registered-models/alias?x=secret", url, sizeof(url));
    rq.body = "{}";
    rq.body_len = 2;
    assert_int_equal(md_http_submit(f->h, &rq, on_done, &g[0]), 0);
    rq.method = MD_HTTP_DELETE;
    assert_int_equal(md_http_submit(f->h, &rq, on_done, &g[1]), 0);
    rq = req_at(f, MD_HTTP_PUT, "/api/2.0/mlflow/whatever", url, sizeof(url));
    assert_int_equal(md_http_submit(f->h, &rq, on_done, &g[2]), 0);
    /* A read disguised by an extra X-Amz-Target header. */
    rq = req_at(f, MD_HTTP_POST, "/api/2.0/mlflow/runs/search", url, sizeof(url));
    const char *sneaky[] = {"X-Amz-Target: SageMaker.DeleteEndpoint", NULL};
    rq.headers = sneaky;
    assert_int_equal(md_http_submit(f->h, &rq, on_done, &g[3]), 0);
    /* Reported from md_http_run only, never from submit. */
    for (int i = 0; i < 4; i++)
        assert_int_equal(g[i].calls, 0);
    assert_int_equal(md_http_pending(f->h), 4);
    md_http_run(f->h);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(g[i].calls, 1);
        assert_int_equal(g[i].status, MD_ERR_READ_ONLY);
        assert_int_equal(g[i].code, 0);
        assert_int_equal(g[i].attempts, 0);
    }
    assert_string_equal(g[0].msg,
                        "read-only mode: refused POST '/api/2.0/mlflow/registered-models/alias'");
    assert_string_equal(g[1].msg,
                        "read-only mode: refused DELETE '/api/2.0/mlflow/registered-models/alias'");
    assert_string_equal(g[2].msg, "read-only mode: refused PUT '/api/2.0/mlflow/whatever'");
    assert_int_equal(log_warns, 4);
    assert_null(strstr(log_text, "secret"));
    assert_int_equal(tu_srv_count(f->srv), 0);
    assert_int_equal(md_http_sent_count(f->h), 0);

    struct got ok[2] = {{0}};
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "{}");
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "{}");
    rq = req_at(f, MD_HTTP_POST, "/api/2.0/mlflow/runs/search", url, sizeof(url));
    rq.body = "{}";
    rq.body_len = 2;
    assert_true(md_http_submit(f->h, &rq, on_done, &ok[0]) != 0);
    run_all(f);
    rq = req_at(f, MD_HTTP_GET, "/api/2.0/mlflow/runs/get?run_id=x", url, sizeof(url));
    assert_true(md_http_submit(f->h, &rq, on_done, &ok[1]) != 0);
    run_all(f);
    assert_int_equal(ok[0].code, 200);
    assert_int_equal(ok[1].code, 200);
    assert_int_equal(tu_srv_count(f->srv), 2);
}

#define AZ_W_PATH                                                                                  \
    "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w"
#define AZ_W "https://management.azure.com" AZ_W_PATH

static void test_is_read(void **state)
{
    (void)state;
    static const struct {
        enum md_http_method m;
        const char *url;
        const char *target;
        bool read;
    } cases[] = {
        {MD_HTTP_GET, "http://h/api/2.0/mlflow/runs/get?run_id=1", NULL, true},
        {MD_HTTP_HEAD, "http://h/health", NULL, true},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/runs/search", NULL, true},
        {MD_HTTP_POST, "https://h:5000/prefix/api/2.0/mlflow/runs/search?x=1", NULL, true},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/experiments/search", NULL, true},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/logged-models/search", NULL, true},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/model-versions/search", NULL, true},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/registered-models/search", NULL, true},
        {MD_HTTP_POST, "http://h/api/3.0/mlflow/traces/search", NULL, true},
        {MD_HTTP_POST, "http://h/ajax-api/2.0/mlflow/runs/search", NULL, true},
        {MD_HTTP_POST, "https://login.example/tenant/oauth2/v2.0/token", NULL, true},
        {MD_HTTP_POST, "https://login.example/tenant/oauth2/token", NULL, true},
        {MD_HTTP_POST, "https://api.sagemaker.us-east-1.amazonaws.com/",
         "SageMaker.DescribeEndpoint", true},
        {MD_HTTP_POST, "https://api.sagemaker.us-east-1.amazonaws.com/", "SageMaker.ListEndpoints",
         true},
        {MD_HTTP_POST, "https://monitoring.us-east-1.amazonaws.com/",
         "GraniteServiceVersion20100801.GetMetricData", true},
        {MD_HTTP_POST, "https://x.amazonaws.com/", "Svc.BatchGetThings", true},
        {MD_HTTP_POST, "https://x.amazonaws.com/", "Svc.SearchThings", true},
        {MD_HTTP_POST, "https://api.sagemaker.us-east-1.amazonaws.com/",
         "SageMaker.UpdateEndpointWeightsAndCapacities", false},
        {MD_HTTP_POST, "https://api.sagemaker.us-east-1.amazonaws.com/", "SageMaker.DeleteEndpoint",
         false},
        {MD_HTTP_POST, "https://x.amazonaws.com/", NULL, false},
        {MD_HTTP_POST, "https://x.amazonaws.com/other", "SageMaker.DescribeEndpoint", false},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/registered-models/alias", NULL, false},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/runs/create", NULL, false},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/runs/search/extra", NULL, false},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/runs/update?p=/runs/search", NULL, false},
        {MD_HTTP_POST, "http://h/api/2.0/mlflow/runs/x%2F..%2F/api/2.0/mlflow/runs/search", NULL,
         false},
        {MD_HTTP_POST, "not a url", NULL, false},
        {MD_HTTP_POST, NULL, NULL, false},
        {MD_HTTP_PUT, "http://h/api/2.0/mlflow/runs/search", NULL, false},
        {MD_HTTP_PATCH, "http://h/api/2.0/mlflow/logged-models/m-1", NULL, false},
        {MD_HTTP_DELETE, "http://h/api/2.0/mlflow/registered-models/alias", NULL, false},
        /* Azure ML's getLogs: a POST that reads, let through by its whole path shape only */
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/getLogs?api-version=2025-12-01", NULL,
         true},
        {MD_HTTP_POST,
         "http://127.0.0.1:8080/arm" AZ_W_PATH "/onlineEndpoints/e/deployments/"
         "blue/getLogs",
         NULL, true},
        {MD_HTTP_POST,
         "https://management.azure.com/SUBSCRIPTIONS/s/resourcegroups/g/providers/"
         "microsoft.machinelearningservices/workspaces/w/onlineendpoints/e/deployments/d/getlogs",
         NULL, true},
        {MD_HTTP_PUT, AZ_W "/onlineEndpoints/e/deployments/d/getLogs", NULL, false},
        {MD_HTTP_PATCH, AZ_W "/onlineEndpoints/e/deployments/d/getLogs", NULL, false},
        {MD_HTTP_DELETE, AZ_W "/onlineEndpoints/e/deployments/d/getLogs", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/getLogs", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/getLogs/x", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/getLogs/", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/getLogsX", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/xgetLogs", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments//getLogs", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/e2/getLogs", NULL, false},
        {MD_HTTP_POST, AZ_W "/batchEndpoints/e/deployments/d/getLogs", NULL, false},
        {MD_HTTP_POST, AZ_W "/jobs/j/cancel?p=/deployments/d/getLogs", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/regenerateKeys", NULL, false},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d%2F..%2Fx/getLogs", NULL, false},
        /* libcurl resolves dot segments before sending: the guard judges what goes out */
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/x/../getLogs", NULL, true},
        {MD_HTTP_POST, AZ_W "/onlineEndpoints/e/deployments/d/getLogs/../../../../jobs/j/cancel",
         NULL, false},
        {MD_HTTP_POST, "https://management.azure.com/onlineEndpoints/e/deployments/d/getLogs", NULL,
         false},
        {MD_HTTP_POST, "https://h/getLogs", NULL, false},
        /* alarms: CloudWatch DescribeAlarms reads; changing an alarm never does */
        {MD_HTTP_POST, "https://monitoring.eu-west-1.amazonaws.com/",
         "GraniteServiceVersion20100801.DescribeAlarms", true},
        /* the alarms' past states for the timeline: a read too */
        {MD_HTTP_POST, "https://monitoring.eu-west-1.amazonaws.com/",
         "GraniteServiceVersion20100801.DescribeAlarmHistory", true},
        {MD_HTTP_POST, "http://127.0.0.1:5000/", "GraniteServiceVersion20100801.DeleteAlarms",
         false},
        {MD_HTTP_POST, "http://127.0.0.1:5000/", "GraniteServiceVersion20100801.PutMetricAlarm",
         false},
        {MD_HTTP_POST, "http://127.0.0.1:5000/", "GraniteServiceVersion20100801.SetAlarmState",
         false},
        {MD_HTTP_POST, "http://127.0.0.1:5000/", "GraniteServiceVersion20100801.DeleteAlarms",
         false},
        /* Azure Monitor: rules and fired alerts are GETs; an alert's changeState is a POST */
        {MD_HTTP_GET,
         "https://management.azure.com/subscriptions/s/resourceGroups/g/providers/"
         "Microsoft.Insights/metricAlerts?api-version=2018-03-01",
         NULL, true},
        {MD_HTTP_GET,
         "https://management.azure.com/subscriptions/s/providers/Microsoft.AlertsManagement/"
         "alerts?api-version=2019-05-05-preview&targetResourceGroup=g",
         NULL, true},
        {MD_HTTP_PUT,
         "https://management.azure.com/subscriptions/s/resourceGroups/g/providers/"
         "Microsoft.Insights/metricAlerts/r?api-version=2018-03-01",
         NULL, false},
        {MD_HTTP_POST,
         "https://management.azure.com/subscriptions/s/providers/Microsoft.AlertsManagement/"
         "alerts/a/changestate?api-version=2019-05-05-preview&newState=Closed",
         NULL, false},
        /* platform history: CloudTrail's lookup reads, its other calls do not */
        {MD_HTTP_POST, "https://cloudtrail.eu-west-1.amazonaws.com/",
         "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", true},
        {MD_HTTP_POST, "https://cloudtrail.eu-west-1.amazonaws.com/",
         "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.StopLogging", false},
        {MD_HTTP_POST, "https://cloudtrail.eu-west-1.amazonaws.com/",
         "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.PutEventSelectors", false},
        {MD_HTTP_POST, "https://cloudtrail.eu-west-1.amazonaws.com/",
         "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DeleteTrail", false},
        /* the Activity Log is a GET; nothing else may reach it */
        {MD_HTTP_GET,
         "https://management.azure.com/subscriptions/s/providers/Microsoft.Insights/eventtypes/"
         "management/values?api-version=2015-04-01&$filter=x",
         NULL, true},
        {MD_HTTP_POST,
         "https://management.azure.com/subscriptions/s/providers/Microsoft.Insights/eventtypes/"
         "management/values?api-version=2015-04-01",
         NULL, false},
        {MD_HTTP_DELETE,
         "https://management.azure.com/subscriptions/s/providers/Microsoft.Insights/eventtypes/"
         "management/values",
         NULL, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = md_http_is_read(cases[i].m, cases[i].url, cases[i].target);
        if (got != cases[i].read)
            fail_msg("case %zu: %s %s -> %d", i, cases[i].url ? cases[i].url : "(null)",
                     cases[i].target ? cases[i].target : "", got);
    }
}

static void test_body_cap(void **state)
{
    struct fx *f = *state;
    char url[256];
    char big[2001];
    memset(big, 'x', 2000);
    big[2000] = '\0';
    tu_srv_reply(f->srv, 0, "200 OK", NULL, big);
    /* No Content-Length: the cap has to trip inside the write callback. */
    char *raw = NULL;
    assert_true(asprintf(&raw, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n%s", big) > 0);
    tu_srv_reply_raw(f->srv, raw);
    struct got g[2] = {{0}};
    for (int i = 0; i < 2; i++) {
        struct md_http_req rq = req_at(f, MD_HTTP_GET, "/big", url, sizeof(url));
        rq.max_body = 1000;
        md_http_submit(f->h, &rq, on_done, &g[i]);
        run_all(f);
        assert_int_equal(g[i].status, MD_ERR_TOO_BIG);
        assert_int_equal(g[i].body_len, 0);
        assert_int_equal(g[i].attempts, 1);
        assert_non_null(strstr(g[i].msg, "1000-byte cap"));
        assert_non_null(strstr(g[i].msg, "/big"));
    }
    /* Exactly at the cap is fine. */
    tu_srv_reply(f->srv, 0, "200 OK", NULL, big);
    struct got ok = {0};
    struct md_http_req rq = req_at(f, MD_HTTP_GET, "/big", url, sizeof(url));
    rq.max_body = 2000;
    md_http_submit(f->h, &rq, on_done, &ok);
    run_all(f);
    assert_int_equal(ok.status, MD_OK);
    assert_int_equal(ok.body_len, 2000);
}

/* A loopback port nobody listens on. */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    socklen_t al = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_conn_refused(void **state)
{
    struct fx *f = *state;
    char url[256];
    int port = dead_port();
    snprintf(url, sizeof(url), "http://bob:hunter2@127.0.0.1:%d/api/2.0/mlflow/runs/get?t=abc",
             port);
    struct md_http_req rq = {.method = MD_HTTP_GET, .url = url, .max_retries = 0, .tag = "t"};
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.status, MD_ERR_NET);
    assert_int_equal(g.code, 0);
    assert_int_equal(g.attempts, 1);
    char want[128];
    snprintf(want, sizeof(want),
             "cannot reach 'http://127.0.0.1:%d/api/2.0/mlflow/runs/get': ", port);
    assert_non_null(strstr(g.msg, want));
    assert_non_null(strstr(g.msg, "connect"));
    assert_null(strstr(g.msg, "hunter2"));
    assert_null(strstr(g.msg, "bob"));
    assert_null(strstr(log_text, "hunter2"));
    assert_null(strstr(log_text, "t=abc"));

    /* A read retries connection errors with backoff: 250 + 500 ms at least. */
    rq.max_retries = -1;
    memset(&g, 0, sizeof(g));
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.status, MD_ERR_NET);
    assert_int_equal(g.attempts, 3);
    assert_true(g.elapsed_ms >= 700);
}

static void test_timeout(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 1000, "200 OK", NULL, "late");
    struct md_http_req rq = req_at(f, MD_HTTP_GET, "/slow", url, sizeof(url));
    rq.timeout_ms = 300;
    rq.max_retries = 0;
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.status, MD_ERR_TIMEOUT);
    assert_non_null(strstr(g.msg, "timed out"));
    assert_true(g.elapsed_ms >= 250 && g.elapsed_ms < 900);
}

static void test_bearer(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "401 Unauthorized", "Content-Type: application/json\r\n",
                 "{\"error_code\":\"UNAUTHENTICATED\"}");
    struct md_http_req rq =
        req_at(f, MD_HTTP_GET, "/api/2.0/mlflow/experiments/get", url, sizeof(url));
    rq.auth = MD_HTTP_AUTH_BEARER;
    rq.token = "tok-SEKRIT-0123456789";
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.status, MD_OK);
    assert_int_equal(g.code, 401);
    assert_true(
        tu_srv_has_header(tu_srv_rec(f->srv, 0), "Authorization: Bearer tok-SEKRIT-0123456789"));
    assert_true(log_len > 0);
    assert_null(strstr(log_text, "SEKRIT"));
    assert_null(strstr(log_text, "Bearer"));
    assert_null(strstr(g.msg, "SEKRIT"));
}

static void test_basic_auth(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "{}");
    struct md_http_req rq =
        req_at(f, MD_HTTP_GET, "/api/2.0/mlflow/experiments/get", url, sizeof(url));
    rq.auth = MD_HTTP_AUTH_BASIC;
    rq.user = "alice";
    rq.password = "pw";
    struct got g = {0};
    md_http_submit(f->h, &rq, on_done, &g);
    run_all(f);
    assert_int_equal(g.code, 200);
    assert_true(tu_srv_has_header(tu_srv_rec(f->srv, 0), "Authorization: Basic YWxpY2U6cHc="));
    assert_null(strstr(log_text, "YWxpY2U6cHc="));
}

static void test_cancel(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 300, "200 OK", NULL, "{}");
    struct md_http_req rq = req_at(f, MD_HTTP_GET, "/slow", url, sizeof(url));
    struct got g = {0};
    uint64_t id = md_http_submit(f->h, &rq, on_done, &g);
    assert_true(id != 0);
    md_http_poll(f->h, NULL, 0, 50);
    md_http_run(f->h);
    md_http_cancel(f->h, id);
    md_http_cancel(f->h, id + 1000); /* unknown: ignored */
    assert_int_equal(md_http_pending(f->h), 0);
    run_all(f);
    assert_int_equal(g.calls, 0);
    /* A request still pending at md_http_free is dropped silently too. */
    tu_srv_reply(f->srv, 300, "200 OK", NULL, "{}");
    md_http_submit(f->h, &rq, on_done, &g);
    md_http_run(f->h);
}

struct chain {
    struct fx *f;
    struct got first;
    struct got second;
    uint64_t victim;
    char url[256];
};

static void on_first(const struct md_http_resp *resp, void *ud)
{
    struct chain *c = ud;
    on_done(resp, &c->first);
    struct md_http_req rq = req_at(c->f, MD_HTTP_GET, "/second", c->url, sizeof(c->url));
    assert_true(md_http_submit(c->f->h, &rq, on_done, &c->second) != 0);
}

static void on_cancel_other(const struct md_http_resp *resp, void *ud)
{
    struct chain *c = ud;
    on_done(resp, &c->first);
    md_http_cancel(c->f->h, c->victim);
}

static void test_callback_reentry(void **state)
{
    struct fx *f = *state;
    char url[256];
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "one");
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "two");
    struct chain c = {.f = f};
    struct md_http_req rq = req_at(f, MD_HTTP_GET, "/first", url, sizeof(url));
    md_http_submit(f->h, &rq, on_first, &c);
    run_all(f);
    assert_int_equal(c.first.calls, 1);
    assert_string_equal(c.first.body, "one");
    assert_int_equal(c.second.calls, 1);
    assert_string_equal(c.second.body, "two");
    assert_string_equal(tu_srv_rec(f->srv, 1)->target, "/second");

    /*
     * Two outcomes in one dispatch pass, the first callback cancels the
     * second: the server holds its first reply until both requests are out,
     * then both replies are read by a single md_http_run().
     */
    struct chain d = {.f = f};
    struct got victim = {0};
    tu_srv_reply(f->srv, -1, "200 OK", NULL, "a");
    tu_srv_reply(f->srv, 0, "200 OK", NULL, "b");
    rq = req_at(f, MD_HTTP_GET, "/a", url, sizeof(url));
    assert_true(md_http_submit(f->h, &rq, on_cancel_other, &d) != 0);
    rq = req_at(f, MD_HTTP_GET, "/b", url, sizeof(url));
    d.victim = md_http_submit(f->h, &rq, on_done, &victim);
    for (int i = 0; i < 20 || tu_srv_count(f->srv) < 3; i++) {
        md_http_poll(f->h, NULL, 0, 10);
        md_http_run(f->h);
    }
    tu_srv_release(f->srv);
    tu_sleep_ms(200);
    md_http_run(f->h);
    assert_int_equal(d.first.calls, 1);
    assert_string_equal(d.first.body, "a");
    assert_int_equal(victim.calls, 0);
    assert_int_equal(md_http_pending(f->h), 0);
    assert_int_equal(tu_srv_count(f->srv), 4);
}

static void on_refused_resubmit(const struct md_http_resp *resp, void *ud)
{
    struct chain *c = ud;
    on_done(resp, &c->first);
    struct md_http_req rq = req_at(c->f, MD_HTTP_PUT, "/again", c->url, sizeof(c->url));
    md_http_submit(c->f->h, &rq, on_done, &c->second);
}

/* A refusal submitted from a callback is reported on the next run, not in a loop. */
static void test_refusal_from_callback(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct chain c = {.f = f};
    md_http_set_read_only(f->h);
    struct md_http_req rq = req_at(f, MD_HTTP_PATCH, "/x", url, sizeof(url));
    md_http_submit(f->h, &rq, on_refused_resubmit, &c);
    md_http_run(f->h);
    assert_int_equal(c.first.calls, 1);
    assert_int_equal(c.second.calls, 0);
    assert_int_equal(md_http_pending(f->h), 1);
    md_http_run(f->h);
    assert_int_equal(c.second.calls, 1);
    assert_int_equal(c.second.status, MD_ERR_READ_ONLY);
    assert_string_equal(c.second.msg, "read-only mode: refused PUT '/again'");
}

static void test_poll_extra_fd(void **state)
{
    struct fx *f = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct md_pollfd fd = {p[0], POLLIN, 0};
    assert_int_equal(md_http_poll(f->h, &fd, 1, 10), MD_OK);
    assert_int_equal(fd.revents, 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(md_http_poll(f->h, &fd, 1, 2000), MD_OK);
    assert_true(fd.revents & POLLIN);
    close(p[0]);
    close(p[1]);
}

static void test_invalid_url_and_wait_timeout(void **state)
{
    struct fx *f = *state;
    struct got g = {0};
    struct md_http_req rq = {.method = MD_HTTP_GET, .url = "file:///etc/passwd", .tag = "x"};
    assert_int_equal(md_http_submit(f->h, &rq, on_done, &g), 0);
    md_http_run(f->h);
    assert_int_equal(g.status, MD_ERR_INVALID);
    assert_int_equal(md_http_sent_count(f->h), 0);

    char url[256];
    tu_srv_reply(f->srv, 500, "200 OK", NULL, "{}");
    rq = req_at(f, MD_HTTP_GET, "/slow", url, sizeof(url));
    md_http_submit(f->h, &rq, on_done, &g);
    assert_int_equal(md_http_wait_all(f->h, 100), MD_ERR_TIMEOUT);
    assert_int_equal(md_http_pending(f->h), 1);
}

static void test_escape(void **state)
{
    (void)state;
    char *e = md_http_escape("attributes.status = 'RUNNING'&x");
    assert_string_equal(e, "attributes.status%20%3D%20%27RUNNING%27%26x");
    free(e);
    e = md_http_escape(NULL);
    assert_string_equal(e, "");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_503, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test(test_is_read),
        cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bearer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_reentry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusal_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_extra_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_url_and_wait_timeout, setup, teardown),
        cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

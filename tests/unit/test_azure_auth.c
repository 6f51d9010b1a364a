/*
 * Unit tests for Azure tokens (core/net/azure_auth.c) against a loopback server
 * in a thread that records each request and answers from a queue of canned
 * replies: client credentials, caching and refresh, AADSTS errors, the Azure
 * CLI (a fake `az` script on PATH), App Service and IMDS managed identity,
 * and the "nothing worked" summary; and what the Azure backend needs from
 * md_http (reply headers, delayed starts, deferrals).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mldeck/azure_auth.h"
#include "testutil.h"

#define TENANT "9f2c5a10-4b7e-4d2a-8c1f-3e6b7a9d0c42"
#define CLIENT "5d0e7c3a-91b4-4f6e-a2d8-7c1b9e0f4a63"
#define SECRET "s3cr&t=+value"

/* ---- the loopback server (tu_srv) --------------------------------------------------------- */

static int srv_setup(void **state)
{
    *state = tu_srv_start();
    /* nothing from the outside world decides which source is used */
    static const char *const vars[] = {"AZURE_TENANT_ID",
                                       "AZURE_CLIENT_ID",
                                       "AZURE_CLIENT_SECRET",
                                       "AZURE_AUTHORITY_HOST",
                                       "IDENTITY_ENDPOINT",
                                       "IDENTITY_HEADER",
                                       "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                                       "http_proxy",
                                       "HTTP_PROXY",
                                       "no_proxy"};
    tu_unsetenv(vars, MD_ARRAY_LEN(vars));
    setenv("PATH", "/nonexistent", 1);
    md_set_clock_ms(0);
    return 0;
}

static int srv_teardown(void **state)
{
    tu_srv_stop(*state);
    md_set_clock_ms(0);
    return 0;
}

/* Queue a reply, one request per connection: "200 OK", extra header lines ("" for none), JSON. */
static void srv_reply_h(struct tu_srv *s, const char *status, const char *headers, const char *body)
{
    char *extra =
        md_xasprintf("Content-Type: application/json\r\n%sConnection: close\r\n", headers);
    tu_srv_reply(s, 0, status, extra, body);
    free(extra);
}

static void srv_reply(struct tu_srv *s, const char *status, const char *body)
{
    srv_reply_h(s, status, "", body);
}

static char *url_of(struct tu_srv *s, const char *path)
{
    return md_xasprintf("http://127.0.0.1:%d%s", tu_srv_port(s), path);
}

static const char ok_token[] =
    "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":"
    "\"tok-one\"}";
static const char ok_token2[] =
    "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":"
    "\"tok-two\"}";

/* ---- driving the async API ------------------------------------------------------------------- */

struct outcome {
    int calls;
    md_status st;
    struct md_err err;
};

static void on_token(md_status st, const struct md_err *err, void *ud)
{
    struct outcome *o = ud;
    o->calls++;
    o->st = st;
    o->err = *err;
}

static void run_until(md_http *h, const struct outcome *o, int calls)
{
    for (int i = 0; i < 400 && o->calls < calls; i++) {
        md_http_run(h);
        if (o->calls < calls)
            md_http_poll(h, NULL, 0, 50);
    }
    assert_int_equal(o->calls, calls);
}

static md_azure_auth *new_auth(md_http *h, const char *authority, const char *tenant)
{
    struct md_azure_auth_conf conf = {.authority = authority, .tenant = tenant};
    md_azure_auth *a = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_azure_auth_new(&a, &conf, h, &err) != MD_OK)
        fail_msg("md_azure_auth_new: %s", err.msg);
    return a;
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_client_secret(void **state)
{
    struct tu_srv *s = *state;
    setenv("AZURE_CLIENT_ID", CLIENT, 1);
    setenv("AZURE_CLIENT_SECRET", SECRET, 1);
    char *authority = url_of(s, "/");
    setenv("AZURE_AUTHORITY_HOST", authority, 1);
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    md_azure_auth *a = new_auth(h, NULL, TENANT);
    assert_null(md_azure_auth_token(a));
    assert_int_equal(md_azure_auth_source(a), MD_AZURE_SOURCE_NONE);

    srv_reply(s, "200 OK", ok_token);
    struct outcome o1 = {0};
    struct outcome o2 = {0};
    md_azure_auth_fetch(a, on_token, &o1);
    md_azure_auth_fetch(a, on_token, &o2); /* joins the fetch in flight */
    assert_int_equal(o1.calls, 0);         /* never called from inside fetch */
    run_until(h, &o2, 1);
    assert_int_equal(o1.calls, 1);
    assert_int_equal(o1.st, MD_OK);
    assert_int_equal(tu_srv_count(s), 1);
    const struct tu_srv_rec *r = tu_srv_rec(s, 0);
    assert_non_null(strstr(r->headers, "POST /" TENANT "/oauth2/v2.0/token HTTP/1.1"));
    assert_non_null(strcasestr(r->headers, "Content-Type: application/x-www-form-urlencoded"));
    assert_string_equal(r->body, "grant_type=client_credentials&client_id=" CLIENT
                                 "&client_secret=s3cr%26t%3D%2Bvalue&scope=https%3A%2F%2F"
                                 "management.azure.com%2F.default");
    assert_string_equal(md_azure_auth_token(a), "tok-one");
    assert_int_equal(md_azure_auth_source(a), MD_AZURE_SOURCE_SECRET);
    int64_t exp = md_azure_auth_expires_ms(a);
    assert_true(exp > md_now_ms() + 3590000 && exp <= md_now_ms() + 3599000);

    /* cached: reported through md_http_run, no request */
    struct outcome o3 = {0};
    md_azure_auth_fetch(a, on_token, &o3);
    assert_int_equal(o3.calls, 0);
    run_until(h, &o3, 1);
    assert_int_equal(o3.st, MD_OK);
    assert_int_equal(tu_srv_count(s), 1);

    /* five minutes before expiry the token is stale: a new one is fetched */
    md_set_clock_ms(exp - 4 * 60 * 1000);
    assert_null(md_azure_auth_token(a));
    srv_reply(s, "200 OK", ok_token2);
    struct outcome o4 = {0};
    md_azure_auth_fetch(a, on_token, &o4);
    run_until(h, &o4, 1);
    assert_string_equal(md_azure_auth_token(a), "tok-two");
    assert_int_equal(tu_srv_count(s), 2);
    md_set_clock_ms(0);

    /* after a 401 the caller invalidates */
    md_azure_auth_invalidate(a);
    assert_null(md_azure_auth_token(a));
    assert_int_equal(md_azure_auth_expires_ms(a), 0);
    md_http_free(h);
    md_azure_auth_free(a);
    free(authority);
}

static const char bad_secret[] =
    "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret "
    "provided. Ensure the secret being sent in the request is the client secret value.\\r\\n"
    "Trace ID: 0000\\r\\nCorrelation ID: 1111\\r\\nTimestamp: 2025-01-01 00:00:00Z\","
    "\"error_codes\":[7000215],\"trace_id\":\"0000\"}";

static void test_aadsts_error(void **state)
{
    struct tu_srv *s = *state;
    setenv("AZURE_CLIENT_ID", CLIENT, 1);
    setenv("AZURE_CLIENT_SECRET", SECRET, 1);
    char *authority = url_of(s, "");
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    md_http_set_read_only(h); /* a token request is a read: read-only mode still signs in */
    md_azure_auth *a = new_auth(h, authority, TENANT);
    srv_reply(s, "401 Unauthorized", bad_secret);
    struct outcome o = {0};
    md_azure_auth_fetch(a, on_token, &o);
    run_until(h, &o, 1);
    assert_int_equal(o.st, MD_ERR_AUTH);
    assert_int_equal(o.err.http_status, 401);
    assert_string_equal(o.err.msg,
                        "cannot get an Azure token for client '" CLIENT "': HTTP 401 "
                        "invalid_client: AADSTS7000215: Invalid client secret "
                        "provided. Ensure the secret being sent in the request is the client "
                        "secret value.");
    assert_null(strstr(o.err.msg, "s3cr"));
    assert_null(md_azure_auth_token(a));
    md_http_free(h);
    md_azure_auth_free(a);
    free(authority);
}

static void test_config_errors(void **state)
{
    (void)state;
    md_azure_auth *a = NULL;
    struct md_err err = MD_ERR_INIT;
    struct md_azure_auth_conf conf = {0};
    setenv("AZURE_CLIENT_SECRET", SECRET, 1);
    setenv("AZURE_CLIENT_ID", CLIENT, 1);
    assert_int_equal(md_azure_auth_new(&a, &conf, NULL, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "AZURE_CLIENT_SECRET is set but no tenant is: set "
                                 "AZURE_TENANT_ID or 'tenant' in the config");
    md_err_clear(&err);
    unsetenv("AZURE_CLIENT_ID");
    conf.tenant = TENANT;
    conf.client_id_env = "MY_APP_ID";
    assert_int_equal(md_azure_auth_new(&a, &conf, NULL, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "AZURE_CLIENT_SECRET is set but MY_APP_ID is not");
    md_err_clear(&err);
    unsetenv("AZURE_CLIENT_SECRET");
    conf.tenant = "a/b";
    assert_int_equal(md_azure_auth_new(&a, &conf, NULL, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "cannot use Azure tenant 'a/b': expected a tenant id or domain "
                                 "name");
    md_err_clear(&err);
    conf.tenant = NULL;
    conf.authority = "https://user@login.example";
    assert_int_equal(md_azure_auth_new(&a, &conf, NULL, &err), MD_ERR_CONFIG);
    assert_null(a);
    assert_string_equal(md_azure_source_str(MD_AZURE_SOURCE_IMDS), "managed identity (IMDS)");
    assert_string_equal(md_azure_source_str(MD_AZURE_SOURCE_NONE), "none");
}

static const char app_service_token[] =
    "{\"access_token\":\"tok-msi\",\"expires_on\":\"4102444800\",\"resource\":"
    "\"https://management.azure.com\",\"token_type\":\"Bearer\"}";

static void test_app_service_identity(void **state)
{
    struct tu_srv *s = *state;
    char *ep = url_of(s, "/msi/token");
    setenv("IDENTITY_ENDPOINT", ep, 1);
    setenv("IDENTITY_HEADER", "hdr-secret", 1);
    setenv("AZURE_CLIENT_ID", "user-assigned-id", 1);
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    md_azure_auth *a = new_auth(h, NULL, NULL);
    srv_reply(s, "200 OK", app_service_token);
    struct outcome o = {0};
    md_azure_auth_fetch(a, on_token, &o);
    run_until(h, &o, 1);
    assert_int_equal(o.st, MD_OK);
    assert_string_equal(md_azure_auth_token(a), "tok-msi");
    assert_int_equal(md_azure_auth_source(a), MD_AZURE_SOURCE_APP_SVC);
    assert_true(md_azure_auth_expires_ms(a) == INT64_C(4102444800000));
    const struct tu_srv_rec *r = tu_srv_rec(s, 0);
    assert_non_null(strstr(r->headers,
                           "GET /msi/token?api-version=2019-08-01&resource=https%3A%2F%2F"
                           "management.azure.com&client_id=user-assigned-id HTTP/1.1"));
    assert_non_null(strcasestr(r->headers, "\r\nX-IDENTITY-HEADER: hdr-secret"));
    md_http_free(h);
    md_azure_auth_free(a);
    free(ep);
}

/* A fake az in a temporary directory, first on PATH; the directory is malloc'd. */
static char *fake_az(const char *script)
{
    char dir[64];
    assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "az"), 0);
    char *text = md_xasprintf("#!/bin/sh\n%s", script);
    chmod(tu_write_file(tu_path("%s/az", dir), text), 0755);
    free(text);
    setenv("PATH", tu_path("%s:/usr/bin:/bin", dir), 1);
    return md_xstrdup(dir);
}

static void remove_az(char *dir)
{
    tu_rm_rf(dir);
    free(dir);
    setenv("PATH", "/nonexistent", 1);
}

static void test_azure_cli(void **state)
{
    (void)state;
    char *dir = fake_az("[ \"$*\" = \"account get-access-token --resource "
                        "https://management.azure.com -o json\" ] || exit 3\n"
                        "echo '{\"accessToken\": \"tok-cli\", \"expiresOn\": \"2030-01-01 "
                        "00:00:00.000000\", \"expires_on\": 1893456000, \"tokenType\": "
                        "\"Bearer\"}'\n");
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    md_azure_auth *a = new_auth(h, NULL, NULL);
    struct outcome o = {0};
    md_azure_auth_fetch(a, on_token, &o);
    assert_int_equal(o.calls, 0);
    run_until(h, &o, 1);
    assert_int_equal(o.st, MD_OK);
    assert_string_equal(md_azure_auth_token(a), "tok-cli");
    assert_int_equal(md_azure_auth_source(a), MD_AZURE_SOURCE_CLI);
    assert_true(md_azure_auth_expires_ms(a) == INT64_C(1893456000000));
    md_http_free(h);
    md_azure_auth_free(a);
    remove_az(dir);

    /* an older CLI: only expiresOn, in local time */
    dir = fake_az("echo '{\"accessToken\": \"tok-old\", \"expiresOn\": \"2030-01-01 "
                  "00:00:00.000000\"}'\n");
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    a = new_auth(h, NULL, "contoso.onmicrosoft.com");
    struct outcome o2 = {0};
    md_azure_auth_fetch(a, on_token, &o2);
    run_until(h, &o2, 1);
    assert_int_equal(o2.st, MD_OK);
    int64_t exp = md_azure_auth_expires_ms(a);
    assert_true(exp > INT64_C(1893456000000) - 86400000 && exp < INT64_C(1893456000000) + 86400000);
    md_http_free(h);
    md_azure_auth_free(a);
    remove_az(dir);
}

/*
 * A slow `az` does not hold the loop: the fetch reports from md_http_run()
 * when it answers, other descriptors are served meanwhile, a second caller
 * joins the same run, and freeing everything while it runs kills it quietly.
 */
static void test_azure_cli_async(void **state)
{
    (void)state;
    char *dir = fake_az("sleep 1\n"
                        "echo '{\"accessToken\": \"tok-slow\", \"expires_on\": 1893456000}'\n");
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    md_azure_auth *a = new_auth(h, NULL, NULL);
    struct outcome o = {0};
    struct outcome o2 = {0};
    int64_t t0 = md_mono_ms();
    uint64_t id = md_azure_auth_fetch(a, on_token, &o);
    assert_true(md_mono_ms() - t0 < 200); /* started, not waited for */
    assert_true(id != 0);
    assert_int_equal(md_azure_auth_fetch(a, on_token, &o2), id);
    assert_int_equal(md_http_pending(h), 1); /* the child counts */
    int p[2];
    assert_int_equal(pipe(p), 0);
    int64_t worst = 0;
    while (o.calls == 0 && md_mono_ms() - t0 < 10000) {
        assert_int_equal(write(p[1], "k", 1), 1);
        struct md_pollfd fd = {p[0], POLLIN, 0};
        int64_t w0 = md_mono_ms();
        md_http_poll(h, &fd, 1, 1000);
        if (md_mono_ms() - w0 > worst)
            worst = md_mono_ms() - w0;
        assert_true(fd.revents & POLLIN);
        char c;
        assert_int_equal(read(p[0], &c, 1), 1);
        md_http_run(h);
    }
    close(p[0]);
    close(p[1]);
    assert_true(worst < 100);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o2.calls, 1);
    assert_int_equal(o.st, MD_OK);
    assert_true(md_mono_ms() - t0 >= 1000);
    assert_string_equal(md_azure_auth_token(a), "tok-slow");
    assert_int_equal(md_azure_auth_source(a), MD_AZURE_SOURCE_CLI);
    assert_int_equal(md_http_pending(h), 0);

    /* a fetch whose az is still running when everything is freed: no callback, no child left */
    md_azure_auth_invalidate(a);
    struct outcome o3 = {0};
    md_azure_auth_fetch(a, on_token, &o3);
    md_http_run(h);
    int64_t f0 = md_mono_ms();
    md_http_free(h);
    assert_true(md_mono_ms() - f0 < 500);
    md_azure_auth_free(a);
    assert_int_equal(o3.calls, 0);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    remove_az(dir);
}

static const char imds_token[] =
    "{\"access_token\":\"tok-imds\",\"expires_in\":\"86399\",\"expires_on\":\"1\","
    "\"token_type\":\"Bearer\"}";

static void test_cli_fails_then_imds(void **state)
{
    struct tu_srv *s = *state;
    char *dir = fake_az("echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
    char *host = url_of(s, "");
    setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", host, 1);
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    md_azure_auth *a = new_auth(h, NULL, NULL);
    srv_reply(s, "200 OK", imds_token);
    struct outcome o = {0};
    md_azure_auth_fetch(a, on_token, &o);
    run_until(h, &o, 1);
    assert_int_equal(o.st, MD_OK);
    assert_int_equal(md_azure_auth_source(a), MD_AZURE_SOURCE_IMDS);
    assert_string_equal(md_azure_auth_token(a), "tok-imds");
    assert_true(md_azure_auth_expires_ms(a) > md_now_ms() + 86000000);
    const struct tu_srv_rec *r = tu_srv_rec(s, 0);
    assert_non_null(strstr(r->headers, "GET /metadata/identity/oauth2/token?api-version=2018-02-01"
                                       "&resource=https%3A%2F%2Fmanagement.azure.com HTTP/1.1"));
    assert_non_null(strcasestr(r->headers, "\r\nMetadata: true"));
    md_http_free(h);
    md_azure_auth_free(a);

    /* and when IMDS does not answer either, every source is named */
    srv_reply(s, "400 Bad Request",
              "{\"error\":\"invalid_request\",\"error_description\":"
              "\"Identity not found\"}");
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    a = new_auth(h, NULL, NULL);
    struct outcome o2 = {0};
    md_azure_auth_fetch(a, on_token, &o2);
    run_until(h, &o2, 1);
    assert_int_equal(o2.st, MD_ERR_AUTH);
    assert_string_equal(o2.err.msg,
                        "no Azure credential worked: Azure CLI: ERROR: Please run 'az login' to "
                        "setup account.; cannot get an Azure token from managed identity (IMDS): "
                        "HTTP 400 invalid_request: Identity not found");
    md_http_free(h);
    md_azure_auth_free(a);
    remove_az(dir);
    free(host);
}

static void test_garbage_token_reply(void **state)
{
    struct tu_srv *s = *state;
    setenv("AZURE_CLIENT_ID", CLIENT, 1);
    setenv("AZURE_CLIENT_SECRET", SECRET, 1);
    char *authority = url_of(s, "");
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    md_azure_auth *a = new_auth(h, authority, TENANT);
    srv_reply(s, "200 OK", "{\"access_token\":\"a b\\r\\nX: evil\"}");
    struct outcome o = {0};
    md_azure_auth_fetch(a, on_token, &o);
    run_until(h, &o, 1);
    assert_int_equal(o.st, MD_ERR_PARSE);
    assert_string_equal(o.err.msg, "cannot get an Azure token from client secret: the token "
                                   "reply holds no usable access token");
    /* a fetch still pending when everything is freed: no callback, no leak */
    struct outcome o2 = {0};
    md_azure_auth_fetch(a, on_token, &o2);
    md_http_free(h);
    md_azure_auth_free(a);
    assert_int_equal(o2.calls, 0);
    free(authority);
}

/* What the Azure backend needs from md_http: reply headers, delayed starts, deferrals. */
struct http_outcome {
    int calls;
    long code;
    int64_t at;
    char async_op[128];
    bool cookie;
    char rid[64];
};

static void on_http(const struct md_http_resp *resp, void *ud)
{
    struct http_outcome *o = ud;
    o->calls++;
    o->code = resp->code;
    o->at = md_mono_ms();
    const char *v = md_http_resp_header(resp, "azure-asyncoperation");
    snprintf(o->async_op, sizeof(o->async_op), "%s", v ? v : "(none)");
    o->cookie = md_http_resp_header(resp, "Set-Cookie") != NULL;
    v = md_http_resp_header(resp, "X-MS-Request-Id");
    snprintf(o->rid, sizeof(o->rid), "%s", v ? v : "(none)");
}

static void http_until(md_http *h, const struct http_outcome *o, int calls)
{
    for (int i = 0; i < 400 && o->calls < calls; i++) {
        md_http_run(h);
        if (o->calls < calls)
            md_http_poll(h, NULL, 0, 50);
    }
    assert_int_equal(o->calls, calls);
}

static void test_http_additions(void **state)
{
    struct tu_srv *s = *state;
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    srv_reply_h(s, "201 Created",
                "Azure-AsyncOperation: http://127.0.0.1/op/1?api-version=2025-12-01\r\n"
                "Set-Cookie: session=abc\r\nx-ms-request-id: rid-1\r\n"
                "x-ms-request-id: rid-2\r\n",
                "{}");
    char *url = url_of(s, "/x");
    struct md_http_req req = {.method = MD_HTTP_GET, .url = url, .delay_ms = 300, .tag = "t"};
    struct http_outcome o = {0};
    int64_t t0 = md_mono_ms();
    assert_true(md_http_submit(h, &req, on_http, &o) != 0);
    http_until(h, &o, 1);
    assert_true(o.at - t0 >= 300); /* started no sooner than asked */
    assert_int_equal(o.code, 201);
    assert_string_equal(o.async_op, "http://127.0.0.1/op/1?api-version=2025-12-01");
    assert_false(o.cookie);              /* never kept */
    assert_string_equal(o.rid, "rid-1"); /* the first of repeated headers */

    /* a deferral reports on the next run, never from the call; cancellable */
    struct http_outcome d1 = {0};
    struct http_outcome d2 = {0};
    md_http_defer(h, on_http, &d1);
    uint64_t id2 = md_http_defer(h, on_http, &d2);
    assert_int_equal(d1.calls, 0);
    assert_int_equal((int)md_http_pending(h), 2);
    md_http_cancel(h, id2);
    http_until(h, &d1, 1);
    assert_int_equal(d1.code, 0);
    assert_string_equal(d1.async_op, "(none)");
    assert_int_equal(d2.calls, 0);
    assert_int_equal((int)md_http_pending(h), 0);
    md_http_free(h);
    free(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_client_secret, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_aadsts_error, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_app_service_identity, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_azure_cli, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_azure_cli_async, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_cli_fails_then_imds, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_token_reply, srv_setup, srv_teardown),
        cmocka_unit_test_setup_teardown(test_http_additions, srv_setup, srv_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

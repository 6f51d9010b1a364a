/* Unit tests for core/base/redact.c: every kind of secret leaves text it passes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/redact.h"

/* r = md_redacted(in); compared with want; freed. */
static void check(const char *in, const char *want)
{
    char *r = md_redacted(in);
    assert_string_equal(r, want);
    free(r);
}

static void test_headers(void **state)
{
    (void)state;
    check("you sent:\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig\nAccept: */*",
          "you sent:\nAuthorization: [redacted]\nAccept: */*");
    check("proxy-authorization: Basic dXNlcjpwYXNz", "proxy-authorization: [redacted]");
    check("X-Amz-Security-Token: FwoGZXIvYXdzEJr//////////wEaDL\r\nHost: x",
          "X-Amz-Security-Token: [redacted]\r\nHost: x");
    check("{\"Authorization\": \"AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abc\"}",
          "{\"Authorization\": \"[redacted]\"}");
    check("Cookie: session=abcdef123456", "Cookie: [redacted]");
}

static void test_schemes(void **state)
{
    (void)state;
    check("token rejected: Bearer abcdefghijklmnopqrstuvwxyz0123",
          "token rejected: Bearer [redacted]");
    check("sent Basic YWRtaW46c2VjcmV0cGFzcw== to the server",
          "sent Basic [redacted] to the server");
    /* prose is left alone */
    check("Basic auth failed; Bearer token missing", "Basic auth failed; Bearer token missing");
}

static void test_fields(void **state)
{
    (void)state;
    check("grant_type=client_credentials&client_id=abc&client_secret=S3cr3t~value&scope=x",
          "grant_type=client_credentials&client_id=abc&client_secret=[redacted]&scope=x");
    check("{\"accessToken\": \"tok-123456789\", \"expiresOn\": \"2026\"}",
          "{\"accessToken\": \"[redacted]\", \"expiresOn\": \"2026\"}");
    check("{\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG\",\"SessionToken\":\"FQoG\"}",
          "{\"SecretAccessKey\":\"[redacted]\",\"SessionToken\":\"[redacted]\"}");
    check("GET /x?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=0a1b2c3d HTTP/1.1",
          "GET /x?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted] HTTP/1.1");
    check("password: hunter22", "password: [redacted]");
    /* names inside longer words and names without a value are left alone */
    check("passwords are never stored; the password_env names a variable",
          "passwords are never stored; the password_env names a variable");
}

static void test_registered_values(void **state)
{
    (void)state;
    md_secret_register("tok-AbCdEf-0123");
    md_secret_register("short"); /* ignored: too short to be told from words */
    check("HTTP 500: echo tok-AbCdEf-0123 and tok-AbCdEf-0123!",
          "HTTP 500: echo [redacted] and [redacted]!");
    check("a short word", "a short word");
    /* the longer of two overlapping secrets is cut whole */
    md_secret_register("tok-AbCdEf-0123-longer");
    check("x tok-AbCdEf-0123-longer y", "x [redacted] y");
    md_secret_forget_all();
    check("tok-AbCdEf-0123", "tok-AbCdEf-0123");
}

static void test_in_place(void **state)
{
    (void)state;
    char buf[64] = "Authorization: Bearer abcdefghijklmnopqrstuvwxyz";
    assert_string_equal(md_redact(buf, sizeof(buf)), "Authorization: [redacted]");
    /* a result longer than the buffer is cut to fit */
    char small[20] = "password=0123456789";
    md_redact(small, 16);
    assert_string_equal(small, "password=[redac");
    char *e = md_redacted(NULL);
    assert_string_equal(e, "");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),  cmocka_unit_test(test_schemes),
        cmocka_unit_test(test_fields),   cmocka_unit_test(test_registered_values),
        cmocka_unit_test(test_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

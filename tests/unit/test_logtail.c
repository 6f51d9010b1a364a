/*
 * Unit tests for the pure parts of endpoint logs: the health-check noise
 * predicate and the overlap of Azure ML tails (core/deck/logtail.c), the
 * mapping of CloudWatch Logs FilterLogEvents events
 * (core/backends/sagemaker/sagemaker_logs.c), and md_strip_escapes().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "backends/sagemaker/sagemaker_int.h"
#include "mldeck/logtail.h"
#include "testutil.h"

static void test_noise(void **state)
{
    (void)state;
    assert_true(md_logtail_is_noise("10.0.0.1 - - \"GET /ping HTTP/1.1\" 200 2 \"-\""));
    assert_true(md_logtail_is_noise("INFO  GET /health 200 1.2ms"));
    assert_true(md_logtail_is_noise("INFO  POST /score 200 12.1ms request blue-0001"));
    assert_true(md_logtail_is_noise("path=/ping?x=1 status=200"));
    /* failures and other routes are what on-call looks for */
    assert_false(md_logtail_is_noise("INFO  POST /score 500 12.1ms request blue-0013"));
    assert_false(md_logtail_is_noise("\"GET /ping HTTP/1.1\" 503 0"));
    assert_false(md_logtail_is_noise("\"POST /invocations HTTP/1.1\" 200 51"));
    assert_false(md_logtail_is_noise("GET /pingpong 200"));
    assert_false(md_logtail_is_noise("GET /ping 2001 bytes"));
    assert_false(md_logtail_is_noise("ERROR model failed to load"));
    assert_false(md_logtail_is_noise(NULL));
}

static void test_overlap(void **state)
{
    (void)state;
    const char *prev[] = {"a", "b", "c", "d"};
    const char *next1[] = {"c", "d", "e"};
    assert_int_equal(md_logtail_overlap(prev, 4, next1, 3), 2);
    const char *same[] = {"a", "b", "c", "d"};
    assert_int_equal(md_logtail_overlap(prev, 4, same, 4), 4);
    const char *none[] = {"x", "y"};
    assert_int_equal(md_logtail_overlap(prev, 4, none, 2), 0);
    assert_int_equal(md_logtail_overlap(NULL, 0, none, 2), 0);
    /* repeated lines: the longest overlap wins, so nothing repeats */
    const char *rp[] = {"x", "x", "x"};
    const char *rn[] = {"x", "x", "x", "y"};
    assert_int_equal(md_logtail_overlap(rp, 3, rn, 4), 3);
}

static void test_events(void **state)
{
    (void)state;
    const char *body = "{\"events\":["
                       "{\"logStreamName\":\"b/i-2\",\"timestamp\":2000,\"eventId\":\"e2\","
                       "\"message\":\"second\\n\"},"
                       "{\"logStreamName\":\"a/i-1\",\"timestamp\":1000,\"eventId\":\"e1\","
                       "\"message\":\"\\u001b[31mERROR\\u001b[0m line\\n  at frame\\u0007\"}"
                       "],\"NextToken\":\"more\"}";
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(sm_parse(MD_RESULT_LOG_EVENTS, body, strlen(body), &r, &err), MD_OK);
    assert_int_equal(r.log_events.n, 2);
    assert_int_equal(r.log_events.v[0].at_ms, 1000); /* oldest first */
    assert_string_equal(r.log_events.v[0].id, "e1");
    assert_string_equal(r.log_events.v[0].stream, "a/i-1");
    assert_string_equal(r.log_events.v[0].message,
                        "ERROR line   at frame?"); /* a lone BEL is shown, not obeyed */
    assert_string_equal(r.log_events.v[1].message, "second");
    assert_string_equal(r.next_token, "more");
    md_result_release(&r);
    const char *bad = "{\"events\":{}}";
    memset(&r, 0, sizeof(r));
    err = (struct md_err)MD_ERR_INIT;
    assert_int_equal(sm_parse(MD_RESULT_LOG_EVENTS, bad, strlen(bad), &r, &err), MD_ERR_PARSE);
    md_result_release(&r);
}

static void test_strip_escapes(void **state)
{
    (void)state;
    char s[] = "\x1b]0;title\x07plain \x1b[1;31mred\x1b[0m \xc2\x9b"
               "2Jend";
    md_strip_escapes(s);
    assert_string_equal(s, "plain red end");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noise),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_strip_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

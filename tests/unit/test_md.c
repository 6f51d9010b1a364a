/* Unit tests for core/base/md.c: errors, buffers, the control-character scrubber. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/md.h"

static void test_first_error_wins(void **state)
{
    (void)state;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_err_set(&err, MD_ERR_NET, "first %d", 1), MD_ERR_NET);
    md_err_set_http(&err, MD_ERR_HTTP, 500, "second");
    assert_int_equal(err.code, MD_ERR_NET);
    assert_string_equal(err.msg, "first 1");
    assert_int_equal(err.http_status, 0);
    md_err_clear(&err);
    md_err_set_http(&err, MD_ERR_HTTP, 503, "x");
    assert_int_equal(err.http_status, 503);
    assert_int_equal(md_err_set(NULL, MD_ERR_IO, "null is fine"), MD_ERR_IO);
}

static void test_status_strings(void **state)
{
    (void)state;
    for (int i = 0; i < MD_STATUS_COUNT; i++)
        assert_non_null(md_status_str((md_status)i));
    assert_string_equal(md_status_str((md_status)999), "unknown error");
}

static void test_buf_cap(void **state)
{
    (void)state;
    struct md_buf b;
    md_buf_init(&b, 10);
    assert_int_equal(md_buf_adds(&b, "12345"), MD_OK);
    assert_int_equal(md_buf_addf(&b, "%d", 6789), MD_OK);
    assert_int_equal(md_buf_adds(&b, "ab"), MD_ERR_TOO_BIG);
    assert_string_equal(b.data, "123456789"); /* unchanged by the refused add */
    assert_int_equal(md_buf_adds(&b, "0"), MD_OK);
    assert_int_equal(b.len, 10);
    size_t len;
    char *p = md_buf_detach(&b, &len);
    assert_int_equal(len, 10);
    assert_string_equal(p, "1234567890");
    free(p);
    assert_null(b.data);
    md_buf_release(&b);
}

static void test_buf_long_format(void **state)
{
    (void)state;
    struct md_buf b;
    md_buf_init(&b, 0);
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(md_buf_addf(&b, "<%s>", big), MD_OK);
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1000], '>');
    md_buf_release(&b);
}

static void test_sanitize_controls(void **state)
{
    (void)state;
    char s[] = "\x1b[2J\x1b[31mEVIL\x07\x7f tab\there\nnew";
    md_sanitize(s);
    assert_string_equal(s, "?[2J?[31mEVIL?? tab here new");
    for (const char *p = s; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void test_sanitize_c1_and_invalid_utf8(void **state)
{
    (void)state;
    /* U+009B (CSI) as UTF-8, a stray continuation byte, a raw 0x9b, then valid text. */
    char s[] = "a\xc2\x9b"
               "b\x80"
               "c\x9b"
               "d\xc3\xa9\xe2\x96\x88";
    md_sanitize(s);
    assert_string_equal(s, "a?b?c?d\xc3\xa9\xe2\x96\x88");
    char overlong[] = "\xc0\xaf\xe0\x80\xaf";
    md_sanitize(overlong);
    for (const char *p = overlong; *p; p++)
        assert_int_equal(*p, '?');
    char *c = md_xstrdup_clean(NULL);
    assert_string_equal(c, "");
    free(c);
}

static void test_parse_duration(void **state)
{
    (void)state;
    int64_t ms = -1;
    assert_int_equal(md_parse_duration_ms("500ms", &ms), MD_OK);
    assert_int_equal(ms, 500);
    assert_int_equal(md_parse_duration_ms("24h", &ms), MD_OK);
    assert_int_equal(ms, 86400000);
    assert_int_equal(md_parse_duration_ms("7d", &ms), MD_OK);
    assert_int_equal(ms, 7 * 86400000LL);
    assert_int_equal(md_parse_duration_ms("90m", &ms), MD_OK);
    assert_int_equal(ms, 5400000);
    const char *bad[] = {"", "h", "1", "1w", "-1h", "1.5h", "1 h", "1234567890123s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(md_parse_duration_ms(bad[i], &ms), MD_ERR_INVALID);
    assert_int_equal(md_parse_duration_ms(NULL, &ms), MD_ERR_INVALID);
}

static void test_parse_numbers(void **state)
{
    (void)state;
    long v;
    assert_int_equal(md_parse_long("42", 0, 100, &v), MD_OK);
    assert_int_equal(v, 42);
    assert_int_equal(md_parse_long("420", 0, 100, &v), MD_ERR_INVALID);
    assert_int_equal(md_parse_long("4x", 0, 100, &v), MD_ERR_INVALID);
    assert_int_equal(md_parse_long("", 0, 100, &v), MD_ERR_INVALID);
    double d;
    assert_int_equal(md_parse_double("1.5e3", &d), MD_OK);
    assert_true(d == 1500.0);
    assert_int_equal(md_parse_double("1.5e3z", &d), MD_ERR_INVALID);
}

static void test_clock_override(void **state)
{
    (void)state;
    md_set_clock_ms(1234567890123LL);
    assert_true(md_now_ms() == 1234567890123LL);
    md_set_clock_ms(0);
    assert_true(md_now_ms() > 1600000000000LL);
}

/* Known answers from Python's datetime.date, across leap days, 1970 and the 400-year eras. */
static void test_days_from_civil(void **state)
{
    (void)state;
    assert_true(md_days_from_civil(1970, 1, 1) == 0);
    assert_true(md_days_from_civil(1969, 12, 31) == -1);
    assert_true(md_days_from_civil(2000, 2, 29) == 11016);
    assert_true(md_days_from_civil(2000, 3, 1) == 11017);
    assert_true(md_days_from_civil(2024, 2, 29) == 19782);
    assert_true(md_days_from_civil(1600, 1, 1) == -135140);
    assert_true(md_days_from_civil(9999, 12, 31) == 2932896);
}

static char last_line[1100];
static void sink(enum md_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)ud;
    strncat(last_line, line, sizeof(last_line) - strlen(last_line) - 1);
}

static void test_log_sink_levels_and_scrub(void **state)
{
    (void)state;
    md_log_set_sink(sink, NULL, MD_LOG_WARN);
    last_line[0] = '\0';
    md_log(MD_LOG_DEBUG, "hidden");
    assert_string_equal(last_line, "");
    md_log(MD_LOG_WARN, "name \x1b[31mred");
    assert_string_equal(last_line, "name ?[31mred");
    md_log_set_sink(NULL, NULL, MD_LOG_WARN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_long_format),
        cmocka_unit_test(test_sanitize_controls),
        cmocka_unit_test(test_sanitize_c1_and_invalid_utf8),
        cmocka_unit_test(test_parse_numbers),
        cmocka_unit_test(test_clock_override),
        cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_log_sink_levels_and_scrub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for the reply checks every backend shares: cJSON's nesting
 * limit named by jsonx_parse(), the field walker and reply caps of
 * core/backends/op_check.c, and the visible text of an HTML error page in
 * op_map_error().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "backends/op.h"
#include "backends/op_check.h"
#include "base/jsonx_int.h"

static char *repeat(const char *open, const char *close, size_t n)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc(n * (lo + lc) + 2);
    size_t k = 0;
    for (size_t i = 0; i < n; i++, k += lo)
        memcpy(s + k, open, lo);
    s[k++] = '1';
    for (size_t i = 0; i < n; i++, k += lc)
        memcpy(s + k, close, lc);
    s[k] = '\0';
    return s;
}

static void test_deep_nesting_names_the_depth(void **state)
{
    (void)state;
    const char *shapes[][2] = {{"[", "]"}, {"{\"a\":", "}"}};
    for (size_t i = 0; i < 2; i++) {
        char *body = repeat(shapes[i][0], shapes[i][1], 100000);
        struct md_err err = MD_ERR_INIT;
        cJSON *root = NULL;
        assert_int_equal(jsonx_parse(body, strlen(body), 0, &root, &err), MD_ERR_PARSE);
        assert_null(root);
        assert_non_null(strstr(err.msg, "JSON nested deeper than 1000 levels (at byte"));
        free(body);
    }
    /* shallow enough: parsed; brackets inside strings do not count */
    char *ok = repeat("[", "]", 500);
    cJSON *root = NULL;
    assert_int_equal(jsonx_parse(ok, strlen(ok), 0, &root, NULL), MD_OK);
    cJSON_Delete(root);
    free(ok);
    struct md_err err = MD_ERR_INIT;
    const char *bad = "{\"a\": \"[[[[\", x: 1}";
    assert_int_equal(jsonx_parse(bad, strlen(bad), 0, &root, &err), MD_ERR_PARSE);
    assert_non_null(strstr(err.msg, "invalid JSON at byte"));
}

static const struct op_field item_fields[] = {
    {"name", OP_F_STR, true, NULL},     {"weight", OP_F_NUM, false, NULL},
    {"count", OP_F_INT, false, NULL},   {"when", OP_F_TIME, false, NULL},
    {"traffic", OP_F_MAP, false, NULL}, {"times", OP_F_TIMES, false, NULL},
    {"values", OP_F_NUMS, false, NULL}, {"on", OP_F_BOOL, false, NULL},
};
static const struct op_shape item = OP_SHAPE(item_fields);
static const struct op_field list_fields[] = {
    {"items", OP_F_OBJS, true, &item},
    {"next", OP_F_STR, false, NULL},
};
static const struct op_shape list = OP_SHAPE(list_fields);

static void expect(const char *json, const char *msg)
{
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    struct md_err err = MD_ERR_INIT;
    md_status st = op_check_reply(&list, root, &err);
    cJSON_Delete(root);
    if (msg == NULL) {
        assert_int_equal(st, MD_OK);
    } else {
        assert_int_equal(st, MD_ERR_PARSE);
        assert_string_equal(err.msg, msg);
    }
}

static void test_fields_are_checked_by_path(void **state)
{
    (void)state;
    expect("{\"items\": [{\"name\": \"a\", \"weight\": \"NaN\", \"count\": \"12\", \"when\": "
           "\"2026-01-01T00:00:00Z\", \"traffic\": {\"b\": 90, \"g\": 10}, \"times\": [1, "
           "\"x\"], \"values\": [1.5], \"on\": true, \"extra\": null}]}",
           NULL);
    expect("{\"items\": []}", NULL);
    expect("{}", "field items: missing");
    expect("{\"items\": [{\"name\": null}]}", "field items[0].name: expected string, got null");
    expect("{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\", \"count\": \"about 3\"}]}",
           "field items[1].count: expected integer, got string");
    expect("{\"items\": [{\"name\": \"a\", \"traffic\": {\"blue\": \"90\"}}]}",
           "field items[0].traffic.blue: expected number, got string");
    expect("{\"items\": [{\"name\": \"a\", \"values\": [1, null]}]}",
           "field items[0].values[1]: expected number, got null");
    expect("{\"items\": [{\"name\": \"a\", \"on\": 1}]}",
           "field items[0].on: expected boolean, got number");
    expect("{\"items\": \"none\"}", "field items: expected array, got string");
    expect("{\"items\": [7]}", "field items[0]: expected object, got number");
}

static void test_caps(void **state)
{
    (void)state;
    const struct op_cap c = {"ListEndpoints", 64 * OP_KIB, 4 * OP_KIB};
    assert_int_equal(op_cap_bytes(&c, 100), 464 * OP_KIB);
    assert_int_equal(op_cap_bytes(&c, SIZE_MAX / 2), JSONX_MAX_BODY);
    char buf[32];
    op_size_text(buf, sizeof(buf), 464 * OP_KIB);
    assert_string_equal(buf, "464 KiB");
    op_size_text(buf, sizeof(buf), 4 * OP_MIB + 100 * OP_KIB);
    assert_string_equal(buf, "4.1 MiB");
}

static void no_fields(const cJSON *root, char **code, char **message)
{
    (void)root;
    *code = *message = NULL;
}

static void test_html_page_without_title_is_quoted_by_its_text(void **state)
{
    (void)state;
    const struct op_error_rules rules = {.fields = no_fields, .code_max = 64, .text_max = 200};
    const char *page = "<!DOCTYPE html>\n<html><head><style>p{}</style><script>var s='x';"
                       "</script></head>\n<body><!-- pool 7 --><h1>Internal   Server Error</h1>"
                       "\n<p>try\tlater</p></body></html>";
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(op_map_error(&rules, "cannot list", 500, page, strlen(page), &err),
                     MD_ERR_HTTP);
    assert_string_equal(err.msg, "cannot list: HTTP 500: Internal Server Error try later");
    md_err_clear(&err);
    const char *titled = "<html><title>502 Bad Gateway</title><body>nginx</body></html>";
    op_map_error(&rules, "cannot list", 502, titled, strlen(titled), &err);
    assert_string_equal(err.msg, "cannot list: HTTP 502: 502 Bad Gateway");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deep_nesting_names_the_depth),
        cmocka_unit_test(test_fields_are_checked_by_path),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_html_page_without_title_is_quoted_by_its_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

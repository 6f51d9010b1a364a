/*
 * test_drift_input.c - the drift readers (CSV, JSONL, Data Capture in its
 * three encodings), their scalar helpers, and whole drift jobs: type
 * inference, missing values, edge cases (constant columns, one-row windows,
 * unseen categories, empty inputs), bad input reported as file:line, the
 * bounded-memory mode, thresholds and verdicts, the JSON report, and the
 * store (frozen reference reused, files processed once, windows extended).
 *
 * Fixtures are in tests/fixtures/drift/; the tests run from the repository
 * root (or MLDECK_SRCDIR). Scratch files go to a mkdtemp() directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "drift/drift_int.h"
#include "mldeck/drift.h"
#include "mldeck/store.h"
#include "store/store_int.h"
#include "testutil.h"

/* A drift fixture's path (tu_srcpath). */
static const char *fix(const char *name)
{
    return tu_srcpath("tests/fixtures/drift/%s", name);
}

/* ---- row capture for the reader tests ----------------------------------------------------- */

/* Rows as "line|col=value;col=#number;..." text, one per line. */
struct rows {
    struct drift_parse *p;
    struct md_buf out;
    size_t n;
};

static int collect(void *ud, const struct drift_row *row)
{
    struct rows *r = ud;
    md_buf_addf(&r->out, "%llu|", (unsigned long long)row->line);
    if (row->has_ts)
        md_buf_addf(&r->out, "@%lld|", (long long)row->ts_ms);
    for (size_t i = 0; i < row->n; i++) {
        const struct drift_field *f = &row->f[i];
        const char *name = r->p->cols.keys[f->col];
        if (f->is_num)
            md_buf_addf(&r->out, "%s=#%g;", name, f->num);
        else
            md_buf_addf(&r->out, "%s=%.*s;", name, (int)f->len, f->s);
    }
    md_buf_adds(&r->out, "\n");
    r->n++;
    return 0;
}

/* Parse `text` as format f; returns the rows text (free()) and fills warnings. */
static char *parse_text(enum md_drift_format f, const char *text, size_t len,
                        struct md_drift_warnings *w, const char *const *capcols, size_t ncap)
{
    struct drift_parse p;
    struct rows r = {&p, {0}, 0};
    md_buf_init(&r.out, 0);
    drift_parse_init(&p, "t", w, collect, &r);
    p.capture_columns = capcols;
    p.n_capture_columns = ncap;
    p.prediction = "prediction";
    assert_int_equal(drift_parse_buffer(&p, f, text, len), MD_OK);
    drift_parse_release(&p);
    char *s = md_buf_detach(&r.out, NULL);
    return s ? s : strdup("");
}

static bool has_warning(const struct md_drift_warnings *w, const char *needle)
{
    for (size_t i = 0; i < w->n; i++) {
        if (strstr(w->msg[i], needle))
            return true;
    }
    return false;
}

#define assert_warning(w, s)                                                                       \
    do {                                                                                           \
        if (!has_warning((w), (s)))                                                                \
            fail_msg("no warning containing '%s' (%zu warnings%s%s)", (s), (w)->n,                 \
                     (w)->n ? ", first: " : "", (w)->n ? (w)->msg[0] : "");                        \
    } while (0)

/* ---- scalar helpers ------------------------------------------------------------------------- */

static void test_numbers(void **state)
{
    (void)state;
    const char *ok[] = {"0",
                        "-0",
                        "1",
                        "+2",
                        "1.5",
                        " 2.5 ",
                        "1.",
                        ".5",
                        "1e5",
                        "1E-5",
                        "123456789012345678901234567890",
                        "0.1",
                        "3.14159265358979323846",
                        "1e308",
                        "4.9e-324",
                        "9007199254740993",
                        "-7.25e-3"};
    for (size_t i = 0; i < MD_ARRAY_LEN(ok); i++) {
        double x;
        assert_true(drift_parse_number(ok[i], strlen(ok[i]), &x));
        char *end;
        double want = strtod(ok[i], &end);
        if (memcmp(&x, &want, sizeof(x)))
            fail_msg("'%s' -> %.17g, strtod %.17g", ok[i], x, want);
    }
    const char *bad[] = {"", " ", "abc", "1e", "1.2.3", "0x10", "1,5", "--1", "1e+", ".", "-"};
    for (size_t i = 0; i < MD_ARRAY_LEN(bad); i++) {
        double x;
        if (drift_parse_number(bad[i], strlen(bad[i]), &x))
            fail_msg("'%s' parsed as %g", bad[i], x);
    }
    double x;
    assert_true(drift_parse_number("inf", 3, &x) && isinf(x));
    assert_true(drift_parse_number("nan", 3, &x) && isnan(x));
    /* the fast path gives strtod's double for every shape of decimal */
    uint64_t st = 7;
    for (int i = 0; i < 200000; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        double v = (double)(int64_t)(st >> 11) * pow(10, (double)((int)(st % 40) - 25));
        char buf[64];
        snprintf(buf, sizeof(buf), i % 3 == 0 ? "%.17g" : i % 3 == 1 ? "%.6f" : "%.9e", v);
        double want = strtod(buf, NULL), got;
        assert_true(drift_parse_number(buf, strlen(buf), &got));
        if (memcmp(&got, &want, sizeof(got)))
            fail_msg("'%s' -> %.17g, strtod %.17g", buf, got, want);
    }
}

static void test_missing_tokens(void **state)
{
    (void)state;
    const char *yes[] = {"",     "  ",   "NA",   "N/A",  "NaN",  "nan",
                         "null", "NULL", "None", "<NA>", "#N/A", "-nan"};
    const char *no[] = {"0", "none", "n", "NAN ", "missing", "red"};
    for (size_t i = 0; i < MD_ARRAY_LEN(yes); i++)
        assert_true(drift_is_missing_token(yes[i], strlen(yes[i])));
    for (size_t i = 0; i < MD_ARRAY_LEN(no); i++)
        assert_false(drift_is_missing_token(no[i], strlen(no[i])));
}

static void test_times(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(drift_parse_time("2025-12-01T10:05:00Z", 20, &ms));
    assert_int_equal(ms, 1764583500000LL);
    assert_true(drift_parse_time("2025-12-01T10:05:00.25Z", 23, &ms));
    assert_int_equal(ms, 1764583500250LL);
    const char *off = "2025-12-01T11:05:00+01:00";
    assert_true(drift_parse_time(off, strlen(off), &ms));
    assert_int_equal(ms, 1764583500000LL);
    assert_true(drift_parse_time("1970-01-01", 10, &ms));
    assert_int_equal(ms, 0);
    assert_true(drift_parse_time("2000-02-29 12:00", 16, &ms));
    assert_int_equal(ms, 951825600000LL);
    assert_true(drift_parse_time("1764583500", 10, &ms));
    assert_int_equal(ms, 1764583500000LL);
    assert_true(drift_parse_time("1764583500123", 13, &ms));
    assert_int_equal(ms, 1764583500123LL);
    assert_false(drift_parse_time("yesterday", 9, &ms));
    assert_false(drift_parse_time("2025-13-01T00:00:00Z", 20, &ms));
    assert_false(drift_parse_time("2025-12-01T10:05:00Q", 20, &ms));
}

static void test_base64_utf8(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t n;
    assert_true(drift_base64_decode("aGVsbG8=", 8, out, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(out, "hello", 5);
    assert_true(drift_base64_decode("aGVsbG8", 7, out, &n));
    assert_int_equal(n, 5);
    const char *ws = "aGVs\nbG8g\r\nd29y bGQ=";
    assert_true(drift_base64_decode(ws, strlen(ws), out, &n));
    assert_memory_equal(out, "hello world", 11);
    assert_false(drift_base64_decode("aGVsbG8=x", 9, out, &n));
    assert_false(drift_base64_decode("a", 1, out, &n));
    assert_false(drift_base64_decode("!!!!", 4, out, &n));
    assert_false(drift_base64_decode("aGVsbG8===", 10, out, &n));
    assert_true(drift_base64_decode("", 0, out, &n));
    assert_int_equal(n, 0);
    assert_true(drift_utf8_valid("héllo €𝄞", strlen("héllo €𝄞")));
    assert_false(drift_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(drift_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(drift_utf8_valid("\xe2\x82", 2));         /* truncated */
    assert_false(drift_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(drift_utf8_valid("r\xe9"
                                  "d",
                                  3));
}

/* ---- readers --------------------------------------------------------------------------------- */

static void test_csv_quoting(void **state)
{
    (void)state;
    const char *text = "id,text,value\r\n1,\"a,b\",1.5\r\n2,\"he said \"\"hi\"\"\",2.5\r\n"
                       "3,\"two\nlines\",3.5\r\n\r\n4,plain,4.5";
    struct md_drift_warnings w = {0};
    char *rows = parse_text(MD_DRIFT_FORMAT_CSV, text, strlen(text), &w, NULL, 0);
    assert_string_equal(rows, "2|id=1;text=a,b;value=1.5;\n"
                              "3|id=2;text=he said \"hi\";value=2.5;\n"
                              "4|id=3;text=two\nlines;value=3.5;\n"
                              "7|id=4;text=plain;value=4.5;\n");
    assert_int_equal(w.n, 0);
    free(rows);
    md_drift_warnings_release(&w);
}

/* A quote inside an unquoted field is a character, and "" may straddle a read boundary. */
static void test_csv_quote_edges(void **state)
{
    (void)state;
    const char *text = "size,name\n5\" screen,tv\n7,\"say \"\"x\"\"\"\n";
    struct md_drift_warnings w = {0};
    char *rows = parse_text(MD_DRIFT_FORMAT_CSV, text, strlen(text), &w, NULL, 0);
    assert_string_equal(rows, "2|size=5\" screen;name=tv;\n3|size=7;name=say \"x\";\n");
    assert_int_equal(w.n, 0);
    free(rows);

    size_t block = (size_t)4 << 20; /* the reader's block size */
    char *path = md_xasprintf("%s/straddle.csv", tu_tmpdir);
    FILE *f = fopen(path, "w");
    fputs("a,b\n1,\"", f); /* 7 bytes: the filler starts at offset 7 */
    for (size_t i = 7; i < block - 1; i++)
        fputc('x', f);
    fputs("\"\"y\"\n3,4\n", f); /* the escaped quote: bytes block-1 and block */
    fclose(f);
    struct drift_parse p;
    struct rows r = {&p, {0}, 0};
    md_buf_init(&r.out, 0);
    drift_parse_init(&p, path, &w, collect, &r);
    assert_int_equal(drift_parse_file(&p, MD_DRIFT_FORMAT_CSV, path, NULL), MD_OK);
    assert_int_equal(r.n, 2);
    assert_memory_equal(r.out.data, "2|a=1;b=xxx", 11);
    const char *tail = "x\"y;\n3|a=3;b=4;\n";
    assert_string_equal(r.out.data + r.out.len - strlen(tail), tail);
    assert_int_equal(w.n, 0);
    drift_parse_release(&p);
    md_buf_release(&r.out);
    md_drift_warnings_release(&w);
    unlink(path);
    free(path);
}

static void test_csv_header_and_bad_rows(void **state)
{
    (void)state;
    const char *text = "\n  \n\xef\xbb\xbf"
                       "a,a,,b\n1,2,3,4\n1,2,3\n5,6,7,8,9\n\"open,1,2,3\n";
    struct md_drift_warnings w = {0};
    char *rows = parse_text(MD_DRIFT_FORMAT_CSV, text, strlen(text), &w, NULL, 0);
    assert_string_equal(rows, "4|a=1;a.1=2;_c2=3;b=4;\n");
    assert_warning(&w, "t:5: expected 4 fields, found 3: row skipped");
    assert_warning(&w, "t:6: expected 4 fields, found 5: row skipped");
    assert_warning(&w, "t:7: unterminated quoted field");
    free(rows);
    md_drift_warnings_release(&w);

    const char *bad = "a,b\n1,r\xe9"
                      "d\n2,ok\n";
    rows = parse_text(MD_DRIFT_FORMAT_CSV, bad, strlen(bad), &w, NULL, 0);
    assert_string_equal(rows, "2|a=1;\n3|a=2;b=ok;\n");
    assert_warning(&w, "t:2: column 'b': invalid UTF-8: value ignored");
    free(rows);
    md_drift_warnings_release(&w);

    rows = parse_text(MD_DRIFT_FORMAT_CSV, "", 0, &w, NULL, 0);
    assert_string_equal(rows, "");
    assert_warning(&w, "t: empty file");
    free(rows);
    md_drift_warnings_release(&w);
    rows = parse_text(MD_DRIFT_FORMAT_CSV, "a,b\n", 4, &w, NULL, 0);
    assert_warning(&w, "t: header only, no rows");
    free(rows);
    md_drift_warnings_release(&w);
}

static void test_jsonl(void **state)
{
    (void)state;
    const char *text = "{\"x\": 1.5, \"c\": \"red\", \"m\": {\"src\": \"web\", \"n\": 2}}\n"
                       "\n"
                       "{\"x\": null, \"c\": true, \"tags\": [1, 2]}\n"
                       "not json\n"
                       "[1, 2]\n"
                       "{\"c\": \"r\xe9"
                       "\"}\n"
                       "{\"x\": \"2.5\"}";
    struct md_drift_warnings w = {0};
    char *rows = parse_text(MD_DRIFT_FORMAT_JSONL, text, strlen(text), &w, NULL, 0);
    assert_string_equal(rows, "1|x=#1.5;c=red;m.src=web;m.n=#2;\n"
                              "3|c=true;\n"
                              "7|x=2.5;\n");
    assert_warning(&w, "t:3: column 'tags': arrays are not values: ignored");
    assert_warning(&w, "t:4: invalid JSON: line skipped");
    assert_warning(&w, "t:5: not a JSON object: line skipped");
    assert_warning(&w, "t:6: invalid UTF-8: line skipped");
    free(rows);
    md_drift_warnings_release(&w);
}

static const char *const CAPCOLS[] = {"x1", "x2", "color"};

static void test_capture_encodings(void **state)
{
    (void)state;
    struct md_drift_warnings w = {0};
    size_t len;
    char *text = tu_read_file(fix("capture_csv.jsonl"), &len);
    char *rows = parse_text(MD_DRIFT_FORMAT_CAPTURE, text, len, &w, CAPCOLS, 3);
    assert_string_equal(rows, "1|@1764583500000|x1=1.5;x2=10.5;color=red;prediction=0.15;\n"
                              "2|@1764585300250|x1=2.5;x2=11.5;color=blue;prediction=0.25;\n"
                              "3|@1764587400000|x1=3.5;x2=12.5;color=purple;prediction=0.35;\n"
                              "3|@1764587400000|x1=4.5;x2=13.5;color=red;prediction=0.45;\n");
    assert_int_equal(w.n, 0);
    free(rows);
    free(text);

    text = tu_read_file(fix("capture_json.jsonl"), &len);
    rows = parse_text(MD_DRIFT_FORMAT_CAPTURE, text, len, &w, CAPCOLS, 3);
    assert_string_equal(rows, "1|@1764583500000|x1=#1.5;x2=#10.5;color=red;prediction=#0.15;\n"
                              "2|@1764583560000|x1=#2.5;x2=#11.5;color=blue;prediction=#0.25;\n"
                              "3|@1764583620000|x1=#3.5;x2=#12.5;color=red;prediction=#0.35;\n"
                              "3|@1764583620000|x1=#4.5;x2=#13.5;color=green;prediction=#0.45;\n");
    assert_int_equal(w.n, 0);
    free(rows);
    free(text);

    text = tu_read_file(fix("capture_base64.jsonl"), &len);
    rows = parse_text(MD_DRIFT_FORMAT_CAPTURE, text, len, &w, CAPCOLS, 3);
    assert_string_equal(rows, "1|@1764583500000|x1=1.5;x2=10.5;color=red;prediction=0.15;\n"
                              "2|@1764583560000|x1=#2.5;x2=#11.5;color=blue;prediction=0.25;\n"
                              "3|@1764583620000|prediction=0.35;\n"
                              "4|@1764583680000|x1=4.5;x2=13.5;color=red;\n");
    assert_int_equal(w.n, 1);
    assert_warning(&w, "t:3: endpointInput: data is not valid BASE64");
    free(rows);
    free(text);
    md_drift_warnings_release(&w);
}

/* Multi-class outputs of one instance stay one row; a batch pairs row by row. */
static void test_capture_output_shapes(void **state)
{
    (void)state;
    const char *text =
        "{\"captureData\": {\"endpointInput\": {\"data\": \"[1, 2, 3]\", \"encoding\": \"JSON\"},"
        " \"endpointOutput\": {\"data\": \"[0.2, 0.8]\", \"encoding\": \"JSON\"}},"
        " \"eventMetadata\": {\"inferenceTime\": \"2025-12-01T10:00:00Z\"}}\n"
        "{\"captureData\": {\"endpointInput\": {\"data\": \"[[1, 2, 3], [4, 5, 6]]\","
        " \"encoding\": \"JSON\"}, \"endpointOutput\": {\"data\": \"[0.2, 0.8]\","
        " \"encoding\": \"JSON\"}}, \"eventMetadata\": {\"inferenceTime\": 5}}\n";
    struct md_drift_warnings w = {0};
    char *rows = parse_text(MD_DRIFT_FORMAT_CAPTURE, text, strlen(text), &w, CAPCOLS, 3);
    assert_string_equal(rows, "1|@1764583200000|x1=#1;x2=#2;color=#3;prediction=#0.2;"
                              "prediction_1=#0.8;\n"
                              "2|x1=#1;x2=#2;color=#3;prediction=#0.2;\n"
                              "2|x1=#4;x2=#5;color=#6;prediction=#0.8;\n");
    assert_warning(&w, "t:2: no usable eventMetadata.inferenceTime");
    free(rows);
    md_drift_warnings_release(&w);
}

static void test_capture_bad(void **state)
{
    (void)state;
    struct md_drift_warnings w = {0};
    size_t len;
    char *text = tu_read_file(fix("capture_bad.jsonl"), &len);
    char *rows = parse_text(MD_DRIFT_FORMAT_CAPTURE, text, len, &w, CAPCOLS, 3);
    assert_string_equal(rows, "1|@1764583500000|x1=1.5;x2=10.5;color=red;prediction=0.15;\n"
                              "4|x1=2.5;x2=11.5;color=blue;prediction=0.25;\n"
                              "5|@1764583680000|_c0=3.5;_c1=12.5;prediction=0.35;\n");
    assert_warning(&w, "t:2: invalid JSON: line skipped");
    assert_warning(&w, "t:3: no captureData: line skipped");
    assert_warning(&w, "t:4: no usable eventMetadata.inferenceTime");
    assert_warning(&w, "t:5: CSV payload has 2 fields, 3 column names");
    free(rows);
    free(text);
    md_drift_warnings_release(&w);
}

/* Records longer than the cap are skipped with a warning, the next ones still read. */
static void test_long_record(void **state)
{
    (void)state;
    size_t big = (size_t)70 << 20;
    char *path = md_xasprintf("%s/long.csv", tu_tmpdir);
    FILE *f = fopen(path, "w");
    fputs("a,b\n1,2\n", f);
    char *junk = malloc(big);
    memset(junk, 'x', big);
    fwrite(junk, 1, big, f);
    fputs(",1\n3,4\n", f);
    fclose(f);
    free(junk);
    struct md_drift_warnings w = {0};
    struct drift_parse p;
    struct rows r = {&p, {0}, 0};
    md_buf_init(&r.out, 0);
    drift_parse_init(&p, path, &w, collect, &r);
    assert_int_equal(drift_parse_file(&p, MD_DRIFT_FORMAT_CSV, path, NULL), MD_OK);
    assert_string_equal(r.out.data, "2|a=1;b=2;\n4|a=3;b=4;\n");
    assert_warning(&w, "long.csv:3: record longer than 64 MiB: skipped");
    drift_parse_release(&p);
    md_buf_release(&r.out);
    md_drift_warnings_release(&w);
    unlink(path);
    free(path);
}

/* ---- whole jobs ----------------------------------------------------------------------------- */

static struct md_drift_opts job(const char *ref, const char *const *cur, size_t ncur)
{
    struct md_drift_opts o;
    memset(&o, 0, sizeof(o));
    o.reference = ref;
    o.current = cur;
    o.n_current = ncur;
    o.prediction = "prediction";
    o.smoothing = MD_DRIFT_SMOOTH_EPS;
    return o;
}

static void run_ok(const struct md_drift_opts *o, struct md_drift_run *r)
{
    struct md_err err = MD_ERR_INIT;
    md_status st = md_drift_run(o, r, &err);
    if (st)
        fail_msg("drift run: %s", err.msg);
}

static void test_job_csv(void **state)
{
    (void)state;
    const char *cur[] = {tu_tmpfile("cur.csv", "x1,x2,color,prediction\n"
                                               "11,10,red,0.1\n12,11,purple,0.2\n"
                                               "13,12,red,0.3\n14,13,blue,0.4\n")};
    struct md_drift_opts o = job(fix("ref_small.csv"), cur, 1);
    struct md_drift_run r;
    run_ok(&o, &r);
    assert_int_equal(r.n_windows, 1);
    assert_int_equal(r.rows_ref, 10);
    const struct md_drift_window *w = &r.w[0];
    assert_int_equal(w->rows_cur, 4);
    assert_true(w->f[0].prediction); /* pinned first */
    const struct md_drift_feature *x1 = tu_drift_feature(w, "x1"),
                                  *color = tu_drift_feature(w, "color");
    assert_int_equal(x1->type, MD_DRIFT_NUMERIC);
    assert_int_equal(color->type, MD_DRIFT_CATEGORICAL);
    /* x1 moved entirely above the reference: D = 1, W1 = mean shift / std */
    tu_near(x1->m[MD_DRIFT_KS].value, 1, 0);
    tu_near(x1->m[MD_DRIFT_KS].p_value, 2.0 / 1001, 1e-12); /* C(14,4) = 1001, 2 extreme paths */
    tu_near(x1->m[MD_DRIFT_W1].value, (12.5 - 5.5) / sqrt(8.25), 1e-12);
    assert_int_equal(x1->status, MD_DRIFT_STATUS_DRIFT);
    assert_int_equal(x1->bins_cur[x1->n_edges], 4);
    /* an unseen category gives a finite chi-squared and is counted */
    assert_int_equal(color->n_unseen, 1);
    assert_true(isfinite(color->m[MD_DRIFT_CHI2].value));
    assert_int_equal(color->m[MD_DRIFT_CHI2].df, 3);
    assert_true(color->m[MD_DRIFT_JS].value > 0 && color->m[MD_DRIFT_JS].value < 1);
    assert_int_equal(w->n_tested, 4);
    assert_true(w->dataset_drift == (w->drift_share >= 0.5));
    /* severity order after the pinned prediction */
    for (size_t i = 2; i < w->n; i++) {
        assert_true(
            w->f[i - 1].status > w->f[i].status ||
            (w->f[i - 1].status == w->f[i].status && w->f[i - 1].severity >= w->f[i].severity));
    }
    md_drift_run_release(&r);
}

static void test_job_missing_and_types(void **state)
{
    (void)state;
    const char *cur[] = {fix("wrong_types.csv")};
    struct md_drift_opts o = job(fix("ref_small.csv"), cur, 1);
    struct md_drift_run r;
    run_ok(&o, &r);
    const struct md_drift_window *w = &r.w[0];
    const struct md_drift_feature *x1 = tu_drift_feature(w, "x1"), *x2 = tu_drift_feature(w, "x2");
    const struct md_drift_feature *pred = tu_drift_feature(w, "prediction");
    assert_int_equal(x1->invalid_cur, 1);
    tu_near(x1->missing_cur, 0.25, 0);
    tu_near(x2->missing_cur, 0.5, 0);    /* NaN and empty */
    tu_near(pred->missing_cur, 0.25, 0); /* inf is missing */
    assert_warning(&r.warnings, "wrong_types.csv:3: column 'x1': 'abc' is not a number");
    md_drift_run_release(&r);

    /* a reference column with text after numbers is categorical; overrides win */
    const char *ref = tu_tmpfile("mixed.csv", "code,v\n1,1\n2,2\nx9,3\n");
    const char *cur2[] = {tu_tmpfile("mixed_cur.csv", "code,v\n1,1\n2,2\n")};
    o = job(ref, cur2, 1);
    run_ok(&o, &r);
    assert_int_equal(tu_drift_feature(&r.w[0], "code")->type, MD_DRIFT_CATEGORICAL);
    assert_int_equal(tu_drift_feature(&r.w[0], "code")->n_unseen, 0);
    md_drift_run_release(&r);
    const char *cats[] = {"v"};
    o.categorical = cats;
    o.n_categorical = 1;
    run_ok(&o, &r);
    assert_int_equal(tu_drift_feature(&r.w[0], "v")->type, MD_DRIFT_CATEGORICAL);
    md_drift_run_release(&r);
}

static void test_job_edge_cases(void **state)
{
    (void)state;
    /* constant reference column, one-row window, all-missing column */
    const char *ref = tu_tmpfile("const.csv", "k,v,e\n5,1,\n5,2,\n5,3,\n5,4,\n");
    const char *cur[] = {tu_tmpfile("one.csv", "k,v,e\n4.999,2.5,\n")};
    struct md_drift_opts o = job(ref, cur, 1);
    struct md_drift_run r;
    run_ok(&o, &r);
    assert_warning(&r.warnings, "column 'k' is constant (5)");
    assert_warning(&r.warnings, "column 'e' has no values: not tested");
    const struct md_drift_window *w = &r.w[0];
    const struct md_drift_feature *k = tu_drift_feature(w, "k"), *v = tu_drift_feature(w, "v");
    tu_near(k->m[MD_DRIFT_W1].value, 0.001 / 0.001, 1e-9); /* W1 0.001 / the 0.001 floor */
    assert_int_equal(k->n_edges, 1);
    tu_near(k->m[MD_DRIFT_KS].value, 1, 0);
    assert_int_equal(v->n_cur, 1);
    tu_near(v->m[MD_DRIFT_KS].value, 0.5, 1e-12);
    assert_true(isfinite(v->m[MD_DRIFT_PSI].value)); /* eps smoothing keeps it finite */
    assert_int_equal(tu_drift_feature(w, "e")->status, MD_DRIFT_STATUS_NA);
    assert_int_equal(w->n_tested, 2);
    md_drift_run_release(&r);

    /* unsmoothed PSI with an empty bin is +inf, and says so */
    o.smoothing = MD_DRIFT_SMOOTH_NONE;
    run_ok(&o, &r);
    assert_true(isinf(tu_drift_feature(&r.w[0], "k")->m[MD_DRIFT_PSI].value));
    md_drift_run_release(&r);

    /* empty and header-only current files: warnings, no window, no failure */
    const char *none[] = {fix("empty.csv"), fix("header_only.csv")};
    o = job(fix("ref_small.csv"), none, 2);
    run_ok(&o, &r);
    assert_int_equal(r.n_windows, 0);
    assert_int_equal(r.files_read, 2);
    assert_warning(&r.warnings, "empty.csv: empty file");
    assert_warning(&r.warnings, "header_only.csv: header only, no rows");
    md_drift_run_release(&r);

    /* a current column entirely missing: n/a, 100 % missing */
    const char *cur3[] = {tu_tmpfile("nox.csv", "x2,color\n10,red\n11,blue\n")};
    o = job(fix("ref_small.csv"), cur3, 1);
    run_ok(&o, &r);
    const struct md_drift_feature *x1 = tu_drift_feature(&r.w[0], "x1");
    assert_int_equal(x1->status, MD_DRIFT_STATUS_NA);
    tu_near(x1->missing_cur, 1, 0);
    assert_true(isnan(x1->m[MD_DRIFT_PSI].value));
    md_drift_run_release(&r);
}

static void test_job_errors(void **state)
{
    (void)state;
    const char *cur[] = {fix("ref_small.csv")};
    struct md_drift_opts o = job(fix("empty.csv"), cur, 1);
    struct md_drift_run r;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_run(&o, &r, &err), MD_ERR_PARSE);
    assert_non_null(strstr(err.msg, "empty.csv' has no rows"));
    md_drift_run_release(&r);
    md_err_clear(&err);
    o.reference = fix("no_such_file.csv");
    assert_int_equal(md_drift_run(&o, &r, &err), MD_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot open"));
    md_drift_run_release(&r);
    /* bad current files are warnings; the others are read */
    const char *mixed[] = {fix("ragged.csv"), fix("bad_utf8.csv"), fix("missing.csv")};
    o = job(fix("ref_small.csv"), mixed, 3);
    run_ok(&o, &r);
    assert_int_equal(r.files_read, 2);
    assert_int_equal(r.files_failed, 1);
    assert_int_equal(r.w[0].rows_cur, 5);
    assert_warning(&r.warnings, "ragged.csv:3: expected 4 fields, found 3: row skipped");
    assert_warning(&r.warnings, "ragged.csv:4: expected 4 fields, found 5: row skipped");
    assert_warning(&r.warnings, "bad_utf8.csv:3: column 'color': invalid UTF-8");
    assert_warning(&r.warnings, "missing.csv");
    md_drift_run_release(&r);
}

static void test_job_capture_windows(void **state)
{
    (void)state;
    const char *cur[] = {fix("capture_csv.jsonl"), fix("capture_json.jsonl"),
                         fix("capture_base64.jsonl")};
    struct md_drift_opts o = job(fix("ref_small.csv"), cur, 3);
    o.window_ms = 3600 * 1000;
    struct md_drift_run r;
    run_ok(&o, &r);
    assert_int_equal(r.n_windows, 2);
    assert_int_equal(r.w[0].start_ms, 1764583200000LL); /* 10:00 */
    assert_int_equal(r.w[0].end_ms, 1764586800000LL);
    assert_int_equal(r.w[0].rows_cur, 2 + 4 + 4);
    assert_int_equal(r.w[1].rows_cur, 2);
    const struct md_drift_feature *p = tu_drift_feature(&r.w[0], "prediction");
    assert_int_equal(p->n_cur, 9); /* one capture had no output */
    tu_near(p->missing_cur, 0.1, 1e-12);
    md_drift_run_release(&r);
}

static void test_job_bounded(void **state)
{
    (void)state;
    char *refp = md_xasprintf("%s/bigref.csv", tu_tmpdir);
    char *curp = md_xasprintf("%s/bigcur.csv", tu_tmpdir);
    FILE *a = fopen(refp, "w"), *b = fopen(curp, "w");
    fputs("u,g\n", a);
    fputs("u,g\n", b);
    uint64_t s = 1;
    for (int i = 0; i < 200000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double u = (double)(s >> 11) / 9007199254740992.0;
        fprintf(a, "%.6f,%s\n", u, i % 3 ? "a" : "b");
        fprintf(b, "%.6f,%s\n", u * 1.1, i % 4 ? "a" : "b");
    }
    fclose(a);
    fclose(b);
    const char *cur[] = {curp};
    struct md_drift_opts o = job(refp, cur, 1);
    struct md_drift_run exact, bounded;
    run_ok(&o, &exact);
    o.budget = 256 << 10;
    run_ok(&o, &bounded);
    assert_false(exact.ref_sketch);
    assert_true(bounded.ref_sketch);
    assert_warning(&bounded.warnings, "more values than the memory budget");
    const struct md_drift_feature *fe = tu_drift_feature(&exact.w[0], "u");
    const struct md_drift_feature *fb = tu_drift_feature(&bounded.w[0], "u");
    assert_true(fb->sketch);
    assert_true(fb->rank_error > 0 && fb->rank_error < 0.01);
    tu_near(fb->m[MD_DRIFT_KS].value, fe->m[MD_DRIFT_KS].value, fb->rank_error);
    tu_near(fb->m[MD_DRIFT_W1].value, fe->m[MD_DRIFT_W1].value, 0.01);
    uint64_t sum = 0;
    for (size_t i = 0; i <= fb->n_edges; i++)
        sum += fb->bins_ref[i];
    assert_int_equal(sum, 200000); /* exact counts from the second pass */
    tu_near(fb->mean_ref, fe->mean_ref, 1e-12);
    tu_near(fb->std_ref, fe->std_ref, 1e-9);
    /* categoricals are exact in both modes */
    tu_near(tu_drift_feature(&bounded.w[0], "g")->m[MD_DRIFT_CHI2].value,
            tu_drift_feature(&exact.w[0], "g")->m[MD_DRIFT_CHI2].value, 0);
    md_drift_run_release(&exact);
    md_drift_run_release(&bounded);
    free(refp);
    free(curp);
}

static void test_job_thresholds_json(void **state)
{
    (void)state;
    const char *cur[] = {fix("ragged.csv")};
    struct md_drift_opts o = job(fix("ref_small.csv"), cur, 1);
    struct md_drift_threshold thr[2];
    assert_int_equal(md_drift_threshold_parse("psi=1000", &thr[0], NULL), MD_OK);
    assert_int_equal(md_drift_threshold_parse("x1:psi=0,0", &thr[1], NULL), MD_OK);
    o.thresholds = thr;
    o.n_thresholds = 2;
    struct md_drift_run r;
    run_ok(&o, &r);
    const struct md_drift_feature *x1 = tu_drift_feature(&r.w[0], "x1"),
                                  *x2 = tu_drift_feature(&r.w[0], "x2");
    tu_near(x1->m[MD_DRIFT_PSI].drift, 0, 0); /* feature-specific beats global */
    assert_int_equal(x1->m[MD_DRIFT_PSI].status, MD_DRIFT_STATUS_DRIFT);
    tu_near(x2->m[MD_DRIFT_PSI].drift, 1000, 0);
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_drift_run_json(&r, &b), MD_OK);
    cJSON *j = cJSON_Parse(b.data);
    assert_non_null(j);
    const cJSON *sum = cJSON_GetObjectItem(j, "summary");
    assert_int_equal(cJSON_GetObjectItem(sum, "rows_cur")->valueint, 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "features")), 4);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "warnings")), 2);
    const cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 0);
    assert_string_equal(cJSON_GetObjectItem(f0, "feature")->valuestring, "prediction");
    const cJSON *opt = cJSON_GetObjectItem(j, "options");
    assert_string_equal(cJSON_GetObjectItem(opt, "smoothing")->valuestring, "eps");
    cJSON_Delete(j);
    md_buf_release(&b);
    md_drift_run_release(&r);
}

static int64_t db_count(md_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(md_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_job_store(void **state)
{
    (void)state;
    char *dbp = md_xasprintf("%s/state.db", tu_tmpdir);
    char *dir = md_xasprintf("%s/capture", tu_tmpdir);
    mkdir(dir, 0700);
    char *f1 = md_xasprintf("%s/a.jsonl", dir), *f2 = md_xasprintf("%s/b.jsonl", dir);
    size_t len;
    char *text = tu_read_file(fix("capture_csv.jsonl"), &len);
    tu_write_file(f1, text);
    free(text);
    md_store *s = NULL;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_store_open(&s, dbp, &err), MD_OK);
    const char *cur[] = {dir};
    struct md_drift_opts o = job(fix("ref_small.csv"), cur, 1);
    o.store = s;
    o.job = "churn";
    o.window_ms = 3600 * 1000;
    struct md_drift_run r;
    run_ok(&o, &r);
    assert_false(r.ref_cached);
    assert_int_equal(r.files_read, 1);
    assert_int_equal(r.n_windows, 2);
    assert_int_equal(r.w[0].rows_cur, 2);
    md_drift_run_release(&r);

    /* again: the reference comes from the store and the file is not read */
    run_ok(&o, &r);
    assert_true(r.ref_cached);
    assert_int_equal(r.files_read, 0);
    assert_int_equal(r.files_skipped, 1);
    assert_int_equal(r.n_windows, 0);
    md_drift_run_release(&r);

    /* a new file with one more 10:xx row: only it is parsed, and its window is complete again */
    text = tu_read_file(fix("capture_json.jsonl"), &len);
    strchr(text, '\n')[1] = '\0'; /* its first line */
    tu_write_file(f2, text);
    free(text);
    run_ok(&o, &r);
    assert_int_equal(r.files_read, 1);
    assert_int_equal(r.n_windows, 1);
    assert_int_equal(r.w[0].rows_cur, 3);
    md_drift_run_release(&r);

    /* history: one point per window for x1/psi */
    struct md_drift_point *pts;
    size_t n;
    assert_int_equal(md_drift_store_history(s, "churn", "x1", MD_DRIFT_PSI, 10, &pts, &n, &err),
                     MD_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pts[0].start_ms, 1764586800000LL); /* newest first */
    assert_int_equal(pts[1].n_cur, 3);                  /* replaced by the extended window */
    free(pts);
    assert_int_equal(db_count(s, "SELECT count(*) FROM drift_file"), 2);
    assert_int_equal(db_count(s, "SELECT count(*) FROM drift_window"), 2);
    assert_int_equal(db_count(s, "SELECT count(*) FROM drift_ref WHERE job = 'churn'"), 4);
    /* every numeric metric stores the options that make it comparable */
    assert_int_equal(db_count(s, "SELECT count(*) FROM drift_result WHERE method = 'psi' AND "
                                 "options LIKE '%\"smoothing\":\"eps\"%edges%'"),
                     2 * 3);

    /* a changed reference (other options) is frozen again and the files compared again */
    const char *feats[] = {"x1", "color"};
    o.features = feats;
    o.n_features = 2;
    run_ok(&o, &r);
    assert_false(r.ref_cached);
    assert_int_equal(r.files_read, 2);
    assert_int_equal(r.n_ref_features, 3); /* x1, color and the prediction */
    md_drift_run_release(&r);

    assert_int_equal(md_drift_store_forget(s, "churn", &err), MD_OK);
    assert_int_equal(md_drift_store_history(s, "churn", "x1", MD_DRIFT_PSI, 10, &pts, &n, &err),
                     MD_OK);
    assert_int_equal(n, 0);
    free(pts);
    md_store_free(s);
    free(f1);
    free(f2);
    free(dir);
    free(dbp);
}

/* The frozen artefact survives the BLOB round trip, and a damaged BLOB is refused. */
static void test_blob_roundtrip(void **state)
{
    (void)state;
    struct drift_ref_feature f = {0}, g = {0};
    f.name = md_xstrdup("x");
    f.type = MD_DRIFT_CATEGORICAL;
    f.rows = 9;
    f.valid = 8;
    f.mean = NAN;
    f.n_edges = 2;
    f.edges[0] = 1;
    f.edges[1] = 2.5;
    f.bins[2] = 7;
    f.nv = 3;
    f.v = md_xmalloc(3 * sizeof(double));
    f.w = md_xmalloc(3 * sizeof(double));
    for (int i = 0; i < 3; i++) {
        f.v[i] = i * 1.5;
        f.w[i] = 1 << i;
    }
    f.n_cats = 2;
    f.cats = md_xmalloc(2 * sizeof(char *));
    f.cats[0] = md_xstrdup("red");
    f.cats[1] = md_xstrdup("");
    f.cat_counts = md_xmalloc(2 * sizeof(uint64_t));
    f.cat_counts[0] = 5;
    f.cat_counts[1] = 3;
    f.cat_other = 1;
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(drift_ref_feature_encode(&f, &b), MD_OK);
    assert_int_equal(drift_ref_feature_decode(b.data, b.len, &g, NULL), MD_OK);
    assert_int_equal(g.type, MD_DRIFT_CATEGORICAL);
    assert_int_equal(g.valid, 8);
    assert_true(isnan(g.mean));
    tu_near(g.edges[1], 2.5, 0);
    assert_int_equal(g.bins[2], 7);
    tu_near(g.w[2], 4, 0);
    assert_string_equal(g.cats[0], "red");
    assert_string_equal(g.cats[1], "");
    assert_int_equal(g.cat_counts[1], 3);
    assert_int_equal(g.cat_other, 1);
    drift_ref_feature_release(&g);
    for (size_t cut = 0; cut < b.len; cut += 7) {
        struct drift_ref_feature h = {0};
        assert_int_equal(drift_ref_feature_decode(b.data, cut, &h, NULL), MD_ERR_DB);
    }
    b.data[0] ^= 1;
    assert_int_equal(drift_ref_feature_decode(b.data, b.len, &g, NULL), MD_ERR_DB);
    md_buf_release(&b);
    drift_ref_feature_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_missing_tokens),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_base64_utf8),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_quote_edges),
        cmocka_unit_test(test_csv_header_and_bad_rows),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_capture_encodings),
        cmocka_unit_test(test_capture_output_shapes),
        cmocka_unit_test(test_capture_bad),
        cmocka_unit_test(test_long_record),
        cmocka_unit_test(test_job_csv),
        cmocka_unit_test(test_job_missing_and_types),
        cmocka_unit_test(test_job_edge_cases),
        cmocka_unit_test(test_job_errors),
        cmocka_unit_test(test_job_capture_windows),
        cmocka_unit_test(test_job_bounded),
        cmocka_unit_test(test_job_thresholds_json),
        cmocka_unit_test(test_job_store),
        cmocka_unit_test(test_blob_roundtrip),
    };
    return cmocka_run_group_tests(tests, tu_tmpdir_setup, tu_tmpdir_teardown);
}

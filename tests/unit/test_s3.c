/*
 * test_s3.c - the S3 side of drift without a server: the ListObjectsV2 and
 * error XML parsers (paging fields, entities, malformed and truncated
 * documents), s3:// URIs, the processed-object stamp, SageMaker Model
 * Monitor's constraint_violations.json, violations carried through a run, a
 * configured job and the worker, configuration checks of S3 keys, and the
 * client's errors when it cannot reach or sign (no network needed: a closed
 * loopback port). Requests against a real S3 API are the integration tests'
 * (tests/integration/test_drift_s3.py, moto_server).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drift/drift_int.h"
#include "mldeck/config.h"
#include "mldeck/drift.h"
#include "mldeck/s3.h"
#include "testutil.h"

/* A drift fixture's path (tu_srcpath). */
static const char *fix(const char *name)
{
    return tu_srcpath("tests/fixtures/drift/%s", name);
}

static md_status parse_list(const char *xml, struct md_s3_page *p, struct md_err *err)
{
    return md_s3_parse_list(xml, strlen(xml), p, err);
}

/* ---- ListObjectsV2 ----------------------------------------------------------------------- */

static const char page1[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>cap</Name><Prefix>ep/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
    "<IsTruncated>true</IsTruncated>"
    "<Contents><Key>ep/2025/12/01/10/a.jsonl</Key>"
    "<LastModified>2025-12-01T10:05:00.000Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1234</Size>"
    "<Owner><ID>x</ID><DisplayName>webfile</DisplayName></Owner>"
    "<StorageClass>STANDARD</StorageClass></Contents>\n"
    "  <Contents>\n    <Key>ep/2025/12/01/11/b.jsonl</Key>\n    <Size> 0 </Size>\n"
    "    <ETag>\"d41d8cd98f00b204e9800998ecf8427e-2\"</ETag>\n  </Contents>\n"
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
    "<ContinuationToken>prev==</ContinuationToken>"
    "</ListBucketResult>";

static void test_list_page_fields(void **state)
{
    (void)state;
    struct md_s3_page p;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse_list(page1, &p, &err), MD_OK);
    assert_int_equal(p.n, 2);
    assert_true(p.truncated);
    assert_string_equal(p.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    assert_string_equal(p.v[0].key, "ep/2025/12/01/10/a.jsonl");
    assert_int_equal(p.v[0].size, 1234);
    assert_int_equal(p.v[0].mtime_ms, 1764583500000LL);
    assert_string_equal(p.v[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
    assert_string_equal(p.v[1].key, "ep/2025/12/01/11/b.jsonl");
    assert_int_equal(p.v[1].size, 0);
    assert_int_equal(p.v[1].mtime_ms, 0); /* absent */
    assert_string_equal(p.v[1].etag, "\"d41d8cd98f00b204e9800998ecf8427e-2\"");
    md_s3_page_release(&p);
    assert_null(p.v);

    /* the last page: not truncated, no token; an empty listing is fine */
    assert_int_equal(parse_list("<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount>"
                                "<IsTruncated>false</IsTruncated></ListBucketResult>",
                                &p, &err),
                     MD_OK);
    assert_int_equal(p.n, 0);
    assert_false(p.truncated);
    assert_null(p.next_token);
    md_s3_page_release(&p);
    /* a self-closing element and a comment are XML too */
    assert_int_equal(parse_list("<!-- hi --><ListBucketResult><Prefix/><IsTruncated>false"
                                "</IsTruncated></ListBucketResult>\n",
                                &p, &err),
                     MD_OK);
    md_s3_page_release(&p);
}

static void test_list_entities(void **state)
{
    (void)state;
    struct md_s3_page p;
    struct md_err err = MD_ERR_INIT;
    const char *xml = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                      "<Contents><Key> a&amp;b &lt;c&gt; &quot;q&quot; &apos;s&apos; "
                      "&#233;&#xE9;&#x1F600; </Key><Size>1</Size></Contents>"
                      "<Contents><Key><![CDATA[raw <&> text]]>.csv</Key><Size>2</Size>"
                      "</Contents></ListBucketResult>";
    assert_int_equal(parse_list(xml, &p, &err), MD_OK);
    assert_int_equal(p.n, 2);
    /* keys keep their spaces; entities and character references become UTF-8 */
    assert_string_equal(p.v[0].key, " a&b <c> \"q\" 's' \xc3\xa9\xc3\xa9\xf0\x9f\x98\x80 ");
    assert_string_equal(p.v[1].key, "raw <&> text.csv");
    assert_string_equal(p.v[1].etag, "");
    md_s3_page_release(&p);
}

static void test_list_error_document(void **state)
{
    (void)state;
    struct md_s3_page p;
    struct md_err err = MD_ERR_INIT;
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
                      "<Message>The specified bucket does not exist</Message>"
                      "<BucketName>nope</BucketName><RequestId>R</RequestId></Error>";
    assert_int_equal(parse_list(xml, &p, &err), MD_ERR_HTTP);
    assert_string_equal(err.msg, "NoSuchBucket: The specified bucket does not exist");
    assert_null(p.v);

    char code[32], msg[64];
    assert_true(md_s3_parse_error(xml, strlen(xml), code, sizeof(code), msg, sizeof(msg)));
    assert_string_equal(code, "NoSuchBucket");
    assert_string_equal(msg, "The specified bucket does not exist");
    /* entities decoded, control characters scrubbed, long messages cut to fit */
    const char *x2 = "<Error><Code>AccessDenied</Code><Message>no &amp; never\x1b[31m "
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                     "</Message></Error>";
    assert_true(md_s3_parse_error(x2, strlen(x2), code, sizeof(code), msg, sizeof(msg)));
    assert_string_equal(code, "AccessDenied");
    assert_int_equal(strncmp(msg, "no & never?[31m aaa", 19), 0);
    assert_int_equal(strlen(msg), sizeof(msg) - 1);
    /* not an error document: empty strings */
    const char *html = "<html><body>502 Bad Gateway</body></html>";
    assert_false(md_s3_parse_error(html, strlen(html), code, sizeof(code), msg, sizeof(msg)));
    assert_string_equal(code, "");
    assert_string_equal(msg, "");
    assert_false(md_s3_parse_error("", 0, code, sizeof(code), msg, sizeof(msg)));
    assert_false(md_s3_parse_error("not xml", 7, code, sizeof(code), msg, sizeof(msg)));
    assert_false(md_s3_parse_error("<Error></Error>", 15, code, sizeof(code), msg, sizeof(msg)));
    assert_false(md_s3_parse_error(page1, strlen(page1), code, sizeof(code), msg, sizeof(msg)));
}

/* Every document here is refused with a reason, and leaves nothing behind. */
static void test_list_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        const char *why;
    } bad[] = {
        {"", "truncated"},
        {"   \n", "truncated"},
        {"hello", "not an XML document"},
        {"<ListBucketResult>", "truncated"},
        {"<ListBucketResult><Contents><Key>a</Key></Contents>", "truncated"},
        {"<ListBucketResult><Key>a</Size></ListBucketResult>", "unexpected </Size>"},
        {"<ListBucketResult></ListBucketResult><Extra/>", "after the root"},
        {"<ListBucketResult><Contents><Size>3</Size></Contents></ListBucketResult>",
         "without a <Key>"},
        {"<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
         "bad <Size>"},
        {"<ListBucketResult><Contents><Key>a</Key><Size>12a</Size></Contents></ListBucketResult>",
         "bad <Size>"},
        {"<ListBucketResult><Contents><Key>a</Key><Size>99999999999999999999</Size></Contents>"
         "</ListBucketResult>",
         "bad <Size>"},
        {"<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
         "bad <IsTruncated>"},
        {"<ListBucketResult><Contents><Key>a&nbsp;b</Key></Contents></ListBucketResult>",
         "unknown entity"},
        {"<ListBucketResult><Contents><Key>a&amp b</Key></Contents></ListBucketResult>", "entity"},
        {"<ListBucketResult><Contents><Key>&#0;</Key></Contents></ListBucketResult>",
         "character reference"},
        {"<ListBucketResult><Contents><Key>&#xD800;</Key></Contents></ListBucketResult>",
         "character reference"},
        {"<ListBucketResult><Contents><Key>&#x110000;</Key></Contents></ListBucketResult>",
         "character reference"},
        {"<!DOCTYPE x [<!ENTITY e \"boom\">]><ListBucketResult/>", "declarations"},
        {"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>",
         "expected <ListBucketResult>"},
        {"<ListBucketResult attr=\"unterminated></ListBucketResult>", "unterminated tag"},
        {"<ListBucketResult><></ListBucketResult>", "tag name"},
        {"<ListBucketResult><!-- never closed </ListBucketResult>", "truncated"},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(bad); i++) {
        struct md_s3_page p;
        struct md_err err = MD_ERR_INIT;
        md_status st = parse_list(bad[i].xml, &p, &err);
        if (st != MD_ERR_PARSE || !strstr(err.msg, bad[i].why))
            fail_msg("case %zu: status %d, message '%s', want '%s'", i, st, err.msg, bad[i].why);
        assert_null(p.v);
        assert_int_equal(p.n, 0);
    }
}

/* Every proper prefix of a good page is refused; only the whole page parses. */
static void test_list_truncated_everywhere(void **state)
{
    (void)state;
    size_t n = strlen(page1);
    for (size_t cut = 0; cut < n; cut++) {
        struct md_s3_page p;
        struct md_err err = MD_ERR_INIT;
        md_status st = md_s3_parse_list(page1, cut, &p, &err);
        if (st == MD_OK)
            fail_msg("a page cut at %zu of %zu bytes was accepted", cut, n);
        assert_int_equal(st, MD_ERR_PARSE);
        assert_null(p.v);
    }
}

static void test_list_limits(void **state)
{
    (void)state;
    struct md_s3_page p;
    struct md_err err = MD_ERR_INIT;
    /* 17 levels deep */
    struct md_buf b;
    md_buf_init(&b, 0);
    md_buf_adds(&b, "<ListBucketResult>");
    for (int i = 0; i < 16; i++)
        md_buf_adds(&b, "<a>");
    for (int i = 0; i < 16; i++)
        md_buf_adds(&b, "</a>");
    md_buf_adds(&b, "</ListBucketResult>");
    assert_int_equal(parse_list(b.data, &p, &err), MD_ERR_PARSE);
    assert_non_null(strstr(err.msg, "deeper"));
    /* a key longer than the text limit */
    md_buf_reset(&b);
    md_err_clear(&err);
    md_buf_adds(&b, "<ListBucketResult><Contents><Key>");
    for (int i = 0; i < 9000; i++)
        md_buf_adds(&b, "k");
    md_buf_adds(&b, "</Key></Contents></ListBucketResult>");
    assert_int_equal(parse_list(b.data, &p, &err), MD_ERR_PARSE);
    assert_non_null(strstr(err.msg, "text longer"));
    /* more objects than a page may hold */
    md_buf_reset(&b);
    md_err_clear(&err);
    md_buf_adds(&b, "<ListBucketResult>");
    for (int i = 0; i <= MD_S3_PAGE_MAX; i++)
        md_buf_addf(&b, "<Contents><Key>k%d</Key></Contents>", i);
    md_buf_adds(&b, "</ListBucketResult>");
    assert_int_equal(parse_list(b.data, &p, &err), MD_ERR_PARSE);
    assert_non_null(strstr(err.msg, "more than"));
    md_buf_release(&b);
}

/* ---- URIs and stamps ------------------------------------------------------------------------ */

static void test_uri_parse(void **state)
{
    (void)state;
    char *b, *k;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_s3_uri_parse("s3://cap/ep/2025/a b.jsonl", &b, &k, &err), MD_OK);
    assert_string_equal(b, "cap");
    assert_string_equal(k, "ep/2025/a b.jsonl");
    free(b);
    free(k);
    assert_int_equal(md_s3_uri_parse("s3://My_Old.bucket-1", &b, &k, &err), MD_OK);
    assert_string_equal(b, "My_Old.bucket-1");
    assert_string_equal(k, "");
    free(b);
    free(k);
    assert_int_equal(md_s3_uri_parse("s3://cap/", &b, &k, &err), MD_OK);
    assert_string_equal(k, "");
    free(b);
    free(k);
    static const char *const bad[] = {"s3:/cap/x",   "S3://cap/x",  "s3://",      "s3:///key",
                                      "s3://ca?p/x", "s3://ca p/x", "s3://c@p/x", "/tmp/x"};
    for (size_t i = 0; i < MD_ARRAY_LEN(bad); i++) {
        md_err_clear(&err);
        assert_int_equal(md_s3_uri_parse(bad[i], &b, &k, &err), MD_ERR_INVALID);
        assert_null(b);
        assert_null(k);
        assert_true(err.msg[0]);
    }
    assert_true(md_s3_is_uri("s3://x"));
    assert_false(md_s3_is_uri("s3:/x"));
    assert_false(md_s3_is_uri(NULL));
}

static void test_stamp(void **state)
{
    (void)state;
    int64_t ms = 1764583500000LL;
    int64_t a = drift_s3_stamp(ms, "\"abc\"");
    int64_t b = drift_s3_stamp(ms, "\"abd\"");
    assert_true(a != b);               /* a rewrite with another ETag is new */
    assert_int_equal(a / 1000000, ms); /* the time stays readable */
    assert_int_equal(b / 1000000, ms);
    assert_int_equal(a, drift_s3_stamp(ms, "\"abc\"")); /* stable */
    assert_true(drift_s3_stamp(ms + 1, "\"abc\"") != a);
    assert_int_equal(drift_s3_stamp(0, NULL), drift_s3_stamp(0, ""));
}

/* ---- constraint_violations.json ------------------------------------------------------------- */

static void free_items(struct md_drift_platform_item *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].source);
        free(v[i].feature);
        free(v[i].check);
        free(v[i].detail);
    }
    free(v);
}

static void test_violations_parse(void **state)
{
    (void)state;
    const char *json =
        "{\"violations\": ["
        "{\"feature_name\": \"age\", \"constraint_check_type\": \"baseline_drift_check\","
        " \"description\": \"Baseline drift distance: 0.2134 exceeds threshold: 0.1\"},"
        "{\"feature_name\": \"plan\", \"constraint_check_type\": \"data_type_check\","
        " \"description\": \"Data type match requirement is not met. Expected data type: "
        "String, Expected match: 100.0%. Observed: Only 94.2% of data is String.\"},"
        "{\"feature_name\": \"x\\u001b[31m\", \"constraint_check_type\": \"baseline_drift_check\","
        " \"description\": \"line1\\nline2 no numbers\"},"
        "{\"constraint_check_type\": \"missing_column_check\", \"description\": 3}"
        "], \"version\": 0}";
    struct md_drift_platform_item *v;
    size_t n;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(drift_violations_parse(json, strlen(json), &v, &n, &err), MD_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].source, "SageMaker Model Monitor");
    assert_string_equal(v[0].feature, "age");
    assert_string_equal(v[0].check, "baseline_drift_check");
    assert_true(v[0].violated);
    assert_true(v[0].value == 0.2134);
    assert_true(v[0].threshold == 0.1);
    /* numbers are read only from drift checks: a percentage is not a threshold */
    assert_string_equal(v[1].check, "data_type_check");
    assert_true(isnan(v[1].value) && isnan(v[1].threshold));
    assert_non_null(strstr(v[1].detail, "Only 94.2% of data is String."));
    /* server text is scrubbed of control characters; a description without numbers gives NAN */
    assert_null(strchr(v[2].feature, '\x1b'));
    assert_null(strchr(v[2].detail, '\n'));
    assert_true(isnan(v[2].value) && isnan(v[2].threshold));
    /* absent or non-string members are "" */
    assert_string_equal(v[3].feature, "");
    assert_string_equal(v[3].detail, "");
    assert_true(v[3].violated);
    free_items(v, n);

    assert_int_equal(drift_violations_parse("{\"violations\": []}", 18, &v, &n, &err), MD_OK);
    assert_int_equal(n, 0);
    free_items(v, n);
}

static void test_violations_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *why;
    } bad[] = {
        {"", "not JSON"},
        {"{\"violations\": [", "not JSON"},
        {"<Error/>", "not JSON"},
        {"[1, 2]", "not a JSON object"},
        {"{}", "no \"violations\" list"},
        {"{\"violations\": {\"a\": 1}}", "no \"violations\" list"},
        {"{\"violations\": [{\"feature_name\": \"a\"}, 7]}", "violation 2 is not an object"},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(bad); i++) {
        struct md_drift_platform_item *v = (void *)1;
        size_t n = 99;
        struct md_err err = MD_ERR_INIT;
        md_status st = drift_violations_parse(bad[i].json, strlen(bad[i].json), &v, &n, &err);
        if (st != MD_ERR_PARSE || !strstr(err.msg, bad[i].why))
            fail_msg("case %zu: status %d, '%s', want '%s'", i, st, err.msg, bad[i].why);
        assert_null(v);
        assert_int_equal(n, 0);
    }
}

/* ---- through a run, the JSON report, a configured job ---------------------------------------- */

static const char violations_json[] =
    "{\"violations\": [{\"feature_name\": \"x1\", \"constraint_check_type\": "
    "\"baseline_drift_check\", \"description\": \"Baseline drift distance: 0.5 exceeds "
    "threshold: 0.1\"}]}";

static void test_run_carries_violations(void **state)
{
    (void)state;
    const char *ref = fix("ref_small.csv");
    const char *cur = fix("small.jsonl");
    const char *viol = tu_tmpfile("constraint_violations.json", violations_json);
    const char *currents[] = {cur};
    struct md_drift_opts o = {
        .reference = ref, .current = currents, .n_current = 1, .violations = viol};
    struct md_drift_run run;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_run(&o, &run, &err), MD_OK);
    assert_int_equal(run.n_platform, 1);
    assert_null(run.platform_error);
    assert_string_equal(run.platform[0].feature, "x1");
    assert_true(run.platform[0].value == 0.5);
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_drift_run_json(&run, &b), MD_OK);
    assert_non_null(strstr(b.data, "\"platform\":[{\"source\":\"SageMaker Model Monitor\","
                                   "\"feature\":\"x1\",\"check\":\"baseline_drift_check\","));
    assert_non_null(strstr(b.data, "\"value\":0.5,\"threshold\":0.1,\"violated\":true}]"));
    assert_non_null(strstr(b.data, "\"platform_error\":null"));
    md_drift_run_release(&run);

    /* a missing or broken file: the run succeeds, the reason is kept apart */
    const char *missing = tu_path("%s/nope.json", tu_tmpdir);
    o.violations = missing;
    assert_int_equal(md_drift_run(&o, &run, &err), MD_OK);
    assert_int_equal(run.n_platform, 0);
    assert_int_equal(run.n_windows, 1);
    assert_non_null(run.platform_error);
    assert_non_null(strstr(run.platform_error, "nope.json"));
    assert_non_null(strstr(run.platform_error, "No such file"));
    md_buf_reset(&b);
    assert_int_equal(md_drift_run_json(&run, &b), MD_OK);
    assert_non_null(strstr(b.data, "\"platform\":[],\"platform_error\":\"SageMaker Model Monitor"));
    md_drift_run_release(&run);
    const char *broken = tu_tmpfile("broken.json", "{\"violations\": 3}");
    o.violations = broken;
    assert_int_equal(md_drift_run(&o, &run, &err), MD_OK);
    assert_non_null(run.platform_error);
    assert_non_null(strstr(run.platform_error, "cannot parse"));
    md_drift_run_release(&run);
    /* none asked: none reported */
    o.violations = NULL;
    assert_int_equal(md_drift_run(&o, &run, &err), MD_OK);
    assert_null(run.platform_error);
    md_buf_reset(&b);
    assert_int_equal(md_drift_run_json(&run, &b), MD_OK);
    assert_non_null(strstr(b.data, "\"platform\":[],\"platform_error\":null"));
    md_drift_run_release(&run);
    md_buf_release(&b);
}

static void test_configured_job_violations(void **state)
{
    (void)state;
    const char *ref = fix("ref_small.csv");
    const char *cur = fix("small.jsonl");
    const char *viol = tu_tmpfile("cv.json", violations_json);
    char *yaml = md_xasprintf("contexts:\n"
                              "  - name: a\n"
                              "    backends: [{name: t, url: 'http://h'}]\n"
                              "    drift:\n"
                              "      - name: job\n"
                              "        reference: %s\n"
                              "        current: %s\n"
                              "        violations: %s\n"
                              "        aws_region: eu-west-1\n"
                              "        s3_endpoint_url: 'http://127.0.0.1:9/'\n",
                              ref, cur, viol);
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_config_parse(&cfg, "cfg.yaml", yaml, strlen(yaml), &err), MD_OK);
    const struct md_drift_job_conf *job = md_config_drift_job(&cfg.contexts[0], "job");
    assert_non_null(job);
    assert_string_equal(job->violations, viol);
    assert_string_equal(job->aws_region, "eu-west-1");
    assert_string_equal(job->aws_profile, "");
    assert_string_equal(job->s3_endpoint_url, "http://127.0.0.1:9");
    md_drift_worker *w = NULL;
    assert_int_equal(md_drift_worker_start_job(&w, job, NULL, &err), MD_OK);
    md_config_release(&cfg); /* the worker holds copies */
    struct pollfd pfd = {.fd = md_drift_worker_fd(w), .events = POLLIN};
    for (int i = 0; i < 600 && !md_drift_worker_poll(w, NULL); i++)
        poll(&pfd, 1, 100);
    struct md_drift_run run;
    assert_int_equal(md_drift_worker_collect(w, &run, &err), MD_OK);
    assert_int_equal(run.n_platform, 1);
    assert_string_equal(run.platform[0].check, "baseline_drift_check");
    assert_null(run.platform_error);
    md_drift_run_release(&run);
    md_drift_worker_free(w);
    free(yaml);
}

static void test_config_checks_s3_keys(void **state)
{
    (void)state;
    static const struct {
        const char *job;
        const char *want;
    } bad[] = {
        {"reference: s3:///k\n        current: c", "cfg.yaml:6:20: bad 'reference'"},
        {"reference: s3://b\n        current: c", "no key after the bucket"},
        {"reference: r\n        current: 's3://b b/x'", "bad 'current' in drift job 'j'"},
        {"reference: r\n        current: c\n        violations: s3://b/", "no key after"},
        {"reference: r\n        current: c\n        s3_endpoint_url: ftp://h",
         "expected an http:// or https:// URL"},
        {"reference: r\n        current: c\n        s3_endpoint_url: 'http://u:p@h'",
         "without credentials"},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(bad); i++) {
        char *yaml = md_xasprintf("contexts:\n"
                                  "  - name: a\n"
                                  "    backends: [{name: t, url: 'http://h'}]\n"
                                  "    drift:\n"
                                  "      - name: j\n"
                                  "        %s\n",
                                  bad[i].job);
        struct md_config cfg;
        struct md_err err = MD_ERR_INIT;
        md_status st = md_config_parse(&cfg, "cfg.yaml", yaml, strlen(yaml), &err);
        if (st != MD_ERR_CONFIG || !strstr(err.msg, bad[i].want))
            fail_msg("case %zu: status %d, '%s', want '%s'", i, st, err.msg, bad[i].want);
        free(yaml);
    }
    /* a bucket alone is a fine current input (every data object in it) */
    const char *ok =
        "contexts:\n  - name: a\n    backends: [{name: t, url: 'http://h'}]\n"
        "    drift:\n      - {name: j, reference: 's3://b/r.csv', current: 's3://b'}\n";
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_config_parse(&cfg, "cfg.yaml", ok, strlen(ok), &err), MD_OK);
    md_config_release(&cfg);
}

/* ---- the client's own errors ---------------------------------------------------------------- */

/* An environment with keys and a region only (no profile files), for the client. */
static void aws_env(bool keys)
{
    static const char *const vars[] = {
        "AWS_ACCESS_KEY_ID",  "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN", "AWS_PROFILE",           "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",   "AWS_ENDPOINT_URL_S3",   "AWS_DEFAULT_REGION"};
    tu_unsetenv(vars, MD_ARRAY_LEN(vars));
    const char *none = tu_path("%s/none", tu_tmpdir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", none, 1);
    setenv("AWS_CONFIG_FILE", none, 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    if (keys) {
        setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
        setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 1);
    }
}

static int count_objects(void *ud, const struct md_s3_object *o)
{
    (void)o;
    (*(int *)ud)++;
    return 0;
}

static void test_client_errors(void **state)
{
    (void)state;
    aws_env(false);
    md_s3 *s = NULL;
    struct md_err err = MD_ERR_INIT;
    struct md_s3_opts so = {.endpoint_url = "http://127.0.0.1:9"};
    assert_int_equal(md_s3_new(&s, &so, &err), MD_ERR_AUTH);
    assert_null(s);
    assert_int_equal(strncmp(err.msg, "cannot use S3: ", 15), 0);

    /* a drift job with an S3 input and no credentials fails, naming the cause */
    const char *ref = fix("ref_small.csv");
    const char *currents[] = {"s3://cap/ep/"};
    struct md_drift_opts o = {.reference = ref,
                              .current = currents,
                              .n_current = 1,
                              .s3_endpoint_url = "http://127.0.0.1:9"};
    struct md_drift_run run;
    md_err_clear(&err);
    assert_int_equal(md_drift_run(&o, &run, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "cannot use S3"));
    assert_null(strstr(err.msg, "EXAMPLEKEY"));
    md_drift_run_release(&run);

    /* keys, but nothing listens: a network error naming the prefix, secrets nowhere */
    aws_env(true);
    md_err_clear(&err);
    assert_int_equal(md_s3_new(&s, &so, &err), MD_OK);
    assert_string_equal(md_s3_region(s), "eu-west-1");
    int n = 0;
    bool capped = true;
    md_status st = md_s3_list(s, "cap", "ep/", 0, count_objects, &n, &capped, &err);
    assert_int_equal(st, MD_ERR_NET);
    assert_int_equal(n, 0);
    assert_false(capped);
    assert_int_equal(strncmp(err.msg, "cannot list s3://cap/ep/: ", 26), 0);
    assert_null(strstr(err.msg, "EXAMPLEKEY"));
    assert_true(md_s3_requests(s) >= 1);
    struct md_buf b;
    md_buf_init(&b, 0);
    md_err_clear(&err);
    assert_int_equal(md_s3_get(s, "cap", "a b.json", 100, &b, &err), MD_ERR_NET);
    assert_int_equal(strncmp(err.msg, "cannot read s3://cap/a b.json: ", 31), 0);
    md_buf_release(&b);
    md_s3_free(s);
    md_s3_free(NULL);

    /* the violations of a run that cannot reach S3: the run succeeds, the reason is kept */
    const char *local[] = {fix("small.jsonl")};
    o.current = local;
    o.violations = "s3://mon/ep/constraint_violations.json";
    md_err_clear(&err);
    assert_int_equal(md_drift_run(&o, &run, &err), MD_OK);
    assert_non_null(run.platform_error);
    assert_non_null(
        strstr(run.platform_error, "cannot read s3://mon/ep/constraint_violations.json: "));
    md_drift_run_release(&run);
}

/* A configured job's S3 settings reach the client on the worker thread. */
static void test_configured_job_s3_settings(void **state)
{
    (void)state;
    aws_env(true);
    unsetenv("AWS_REGION"); /* only the job names a region */
    const char *ref = fix("ref_small.csv");
    char *yaml = md_xasprintf("contexts:\n"
                              "  - name: a\n"
                              "    backends: [{name: t, url: 'http://h'}]\n"
                              "    drift:\n"
                              "      - name: job\n"
                              "        reference: %s\n"
                              "        current: s3://cap/ep/AllTraffic/\n"
                              "        aws_region: ap-south-2\n"
                              "        s3_endpoint_url: http://127.0.0.1:9\n",
                              ref);
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_config_parse(&cfg, "cfg.yaml", yaml, strlen(yaml), &err), MD_OK);
    md_drift_worker *w = NULL;
    assert_int_equal(md_drift_worker_start_job(&w, &cfg.contexts[0].drift[0], NULL, &err), MD_OK);
    md_config_release(&cfg);
    struct pollfd pfd = {.fd = md_drift_worker_fd(w), .events = POLLIN};
    for (int i = 0; i < 600 && !md_drift_worker_poll(w, NULL); i++)
        poll(&pfd, 1, 100);
    struct md_drift_run run;
    /* resolved (region from the job) and sent to the job's endpoint, where nothing listens */
    assert_int_equal(md_drift_worker_collect(w, &run, &err), MD_ERR_NET);
    assert_int_equal(strncmp(err.msg, "cannot list s3://cap/ep/AllTraffic/: ", 37), 0);
    md_drift_run_release(&run);
    md_drift_worker_free(w);

    /* without the job's region there is none at all: the resolver says so */
    const char *cur[] = {"s3://cap/ep/"};
    struct md_drift_opts o = {
        .reference = ref, .current = cur, .n_current = 1, .s3_endpoint_url = "http://127.0.0.1:9"};
    md_err_clear(&err);
    assert_int_equal(md_drift_run(&o, &run, &err), MD_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "cannot use S3: "));
    assert_non_null(strstr(err.msg, "region"));
    md_drift_run_release(&run);
    free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_page_fields),
        cmocka_unit_test(test_list_entities),
        cmocka_unit_test(test_list_error_document),
        cmocka_unit_test(test_list_malformed),
        cmocka_unit_test(test_list_truncated_everywhere),
        cmocka_unit_test(test_list_limits),
        cmocka_unit_test(test_uri_parse),
        cmocka_unit_test(test_stamp),
        cmocka_unit_test(test_violations_parse),
        cmocka_unit_test(test_violations_malformed),
        cmocka_unit_test(test_run_carries_violations),
        cmocka_unit_test(test_configured_job_violations),
        cmocka_unit_test(test_config_checks_s3_keys),
        cmocka_unit_test(test_client_errors),
        cmocka_unit_test(test_configured_job_s3_settings),
    };
    return cmocka_run_group_tests(tests, tu_tmpdir_setup, tu_tmpdir_teardown);
}

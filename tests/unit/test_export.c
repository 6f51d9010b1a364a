/*
 * Unit tests for core/base/export.c: exact JSON and TSV text for small lists,
 * escaping, non-finite metric values, int64 times, the buffer cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mldeck/export.h"
#include "backends/mlflow/mlflow_int.h"
#include "base/jsonx_int.h"

static struct md_kvs kvs1(const char *k, const char *v)
{
    struct md_kvs kv = {md_xcalloc(1, sizeof(struct md_kv)), 1};
    kv.v[0].key = md_xstrdup(k);
    kv.v[0].value = md_xstrdup(v);
    return kv;
}

static void test_experiments(void **state)
{
    (void)state;
    struct md_experiment_list l = {0};
    struct md_experiment *e = md_experiment_list_push(&l);
    e->id = md_xstrdup("1");
    e->name = md_xstrdup("de\"mo\\x");
    e->lifecycle = md_xstrdup("active");
    e->created = INT64_C(1700000000000);
    e->updated = INT64_C(1795689845175);
    e->tags = kvs1("team", "ops");
    e = md_experiment_list_push(&l);
    e->id = md_xstrdup("0");
    e->name = md_xstrdup("Default");
    e->lifecycle = md_xstrdup("deleted");

    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_export_experiments(&b, MD_EXPORT_JSON, "sb", &l), MD_OK);
    assert_string_equal(b.data,
                        "[{\"backend\":\"sb\",\"id\":\"1\",\"name\":\"de\\\"mo\\\\x\","
                        "\"lifecycle\":\"active\",\"created\":1700000000000,"
                        "\"updated\":1795689845175,\"tags\":{\"team\":\"ops\"}},"
                        "{\"backend\":\"sb\",\"id\":\"0\",\"name\":\"Default\","
                        "\"lifecycle\":\"deleted\",\"created\":0,\"updated\":0,\"tags\":{}}]\n");
    md_buf_reset(&b);
    assert_int_equal(md_export_experiments(&b, MD_EXPORT_TSV, "sb", &l), MD_OK);
    assert_string_equal(b.data, "backend\tid\tname\tlifecycle\tcreated\tupdated\n"
                                "sb\t1\tde\"mo\\x\tactive\t1700000000000\t1795689845175\n"
                                "sb\t0\tDefault\tdeleted\t0\t0\n");

    /* an empty list is an empty array, or just the header */
    struct md_experiment_list none = {0};
    md_buf_reset(&b);
    assert_int_equal(md_export_experiments(&b, MD_EXPORT_JSON, "sb", &none), MD_OK);
    assert_string_equal(b.data, "[]\n");
    md_buf_reset(&b);
    assert_int_equal(md_export_experiments(&b, MD_EXPORT_TSV, "sb", &none), MD_OK);
    assert_string_equal(b.data, "backend\tid\tname\tlifecycle\tcreated\tupdated\n");
    md_buf_release(&b);
    md_experiment_list_release(&l);
}

/* A run built by hand, with every kind of awkward value. */
static void make_run(struct md_run *r)
{
    r->id = md_xstrdup("r1");
    r->name = md_xstrdup("tab\there\nnl");
    r->experiment_id = md_xstrdup("12");
    r->user = md_xstrdup("b\xc3\xa9"
                         "a \x01\x7f"
                         "\xff");
    r->status = MD_RUN_KILLED;
    r->start_time = INT64_C(1700000000123);
    r->end_time = INT64_C(9007199254740993);
    r->params = kvs1("lr", "0.01");
    r->tags = kvs1("mlflow.user", "alice");
    static const double values[] = {0.1, 1e-7, 3.0, -2.5, 1.7976931348623157e308};
    static const char *const keys[] = {"a", "b", "c", "d", "e", "nan", "inf", "ninf"};
    r->n_metrics = MD_ARRAY_LEN(keys);
    r->metrics = md_xcalloc(r->n_metrics, sizeof(*r->metrics));
    for (size_t i = 0; i < r->n_metrics; i++) {
        r->metrics[i].key = md_xstrdup(keys[i]);
        r->metrics[i].value = i < MD_ARRAY_LEN(values) ? values[i] : 0;
    }
    r->metrics[5].value = NAN;
    r->metrics[6].value = INFINITY;
    r->metrics[7].value = -INFINITY;
    r->n_inputs = 1;
    r->inputs = md_xcalloc(1, sizeof(*r->inputs));
    r->inputs[0].name = md_xstrdup("train");
    r->inputs[0].digest = md_xstrdup("9f86d081");
    r->inputs[0].source_type = md_xstrdup("s3");
    r->inputs[0].source = md_xstrdup("s3://demo/train.csv");
    r->inputs[0].context = md_xstrdup("training");
}

static void test_runs(void **state)
{
    (void)state;
    struct md_run_list l = {0};
    make_run(md_run_list_push(&l));
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_export_runs(&b, MD_EXPORT_JSON, "sb", &l), MD_OK);
    assert_string_equal(b.data,
                        "[{\"backend\":\"sb\",\"id\":\"r1\",\"name\":\"tab\\there\\nnl\","
                        "\"experiment_id\":\"12\",\"user\":\"b\xc3\xa9"
                        "a \\u0001\x7f?\","
                        "\"status\":\"KILLED\",\"start_time\":1700000000123,"
                        "\"end_time\":9007199254740993,\"params\":{\"lr\":\"0.01\"},"
                        "\"metrics\":{\"a\":0.1,\"b\":1e-07,\"c\":3,\"d\":-2.5,"
                        "\"e\":1.7976931348623157e+308,\"nan\":\"NaN\",\"inf\":\"Infinity\","
                        "\"ninf\":\"-Infinity\"},\"tags\":{\"mlflow.user\":\"alice\"},"
                        "\"inputs\":[{\"name\":\"train\",\"digest\":\"9f86d081\","
                        "\"source_type\":\"s3\",\"source\":\"s3://demo/train.csv\","
                        "\"context\":\"training\"}]}]\n");
    md_buf_reset(&b);
    assert_int_equal(md_export_runs(&b, MD_EXPORT_TSV, "sb", &l), MD_OK);
    assert_string_equal(b.data,
                        "backend\tid\tname\texperiment_id\tuser\tstatus\tstart_time\tend_time\n"
                        "sb\tr1\ttab here nl\t12\tb\xc3\xa9"
                        "a ??\xff\tKILLED\t1700000000123"
                        "\t9007199254740993\n");
    md_buf_release(&b);
    md_run_list_release(&l);
}

/* What the server sent comes out the same: a recorded reply through parse and export. */
static void test_runs_from_reply(void **state)
{
    (void)state;
    static const char body[] =
        "{\"run\":{\"info\":{\"run_id\":\"abc\",\"experiment_id\":\"1\",\"run_name\":\"x\","
        "\"user_id\":\"u\",\"status\":\"FINISHED\",\"start_time\":1700000000000,"
        "\"end_time\":1700000060000},\"data\":{\"metrics\":[{\"key\":\"loss\",\"value\":0.25,"
        "\"timestamp\":1,\"step\":2},{\"key\":\"v\",\"value\":\"NaN\",\"timestamp\":1,"
        "\"step\":0}],\"params\":[{\"key\":\"lr\",\"value\":\"0.01\"}]},\"inputs\":{}}}";
    struct md_result r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(mlflow_parse(MD_RESULT_RUN, body, sizeof(body) - 1, &r, NULL), MD_OK);
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_export_runs(&b, MD_EXPORT_JSON, "local", &r.runs), MD_OK);
    assert_string_equal(b.data,
                        "[{\"backend\":\"local\",\"id\":\"abc\",\"name\":\"x\",\"experiment_id\":"
                        "\"1\",\"user\":\"u\",\"status\":\"FINISHED\",\"start_time\":"
                        "1700000000000,\"end_time\":1700000060000,\"params\":{\"lr\":\"0.01\"},"
                        "\"metrics\":{\"loss\":0.25,\"v\":\"NaN\"},\"tags\":{},\"inputs\":[]}]\n");
    md_buf_release(&b);
    md_result_release(&r);
}

static void test_models_versions(void **state)
{
    (void)state;
    struct md_model_list ml = {0};
    struct md_registered_model *m = md_model_list_push(&ml);
    m->name = md_xstrdup("churn");
    m->description = md_xstrdup("");
    m->created = 1;
    m->updated = 2;
    m->n_aliases = 2;
    m->aliases = md_xcalloc(2, sizeof(*m->aliases));
    m->aliases[0].alias = md_xstrdup("champion");
    m->aliases[0].version = md_xstrdup("1");
    m->aliases[1].alias = md_xstrdup("challenger");
    m->aliases[1].version = md_xstrdup("2");
    m->tags = kvs1("owner", "ml");
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_export_models(&b, MD_EXPORT_JSON, "sb", &ml), MD_OK);
    assert_string_equal(b.data, "[{\"backend\":\"sb\",\"name\":\"churn\",\"description\":\"\","
                                "\"created\":1,\"updated\":2,\"aliases\":{\"champion\":\"1\","
                                "\"challenger\":\"2\"},\"tags\":{\"owner\":\"ml\"}}]\n");
    /* who moved each alias: an observed move is "unknown" within its bracket */
    struct md_who who[2] = {
        {.by = "alice@host", .at_ms = 5, .source = "mldeck"},
        {.by = "unknown", .after_ms = 7, .before_ms = 9, .source = "observed", .what = "1 -> 2"}};
    const struct md_who *per_model[1] = {who};
    md_buf_reset(&b);
    assert_int_equal(md_export_models_who(&b, MD_EXPORT_JSON, "sb", &ml, per_model), MD_OK);
    assert_non_null(strstr(b.data, "\"alias_changes\":{\"champion\":{\"changed_by\":"
                                   "\"alice@host\",\"changed_at\":5,\"changed_after\":0,"
                                   "\"changed_before\":0,\"changed_source\":\"mldeck\","
                                   "\"changed_what\":\"\"},\"challenger\":{\"changed_by\":"
                                   "\"unknown\",\"changed_at\":0,\"changed_after\":7,"
                                   "\"changed_before\":9,\"changed_source\":\"observed\","
                                   "\"changed_what\":\"1 -> 2\"}},\"tags\""));
    md_buf_reset(&b);
    assert_int_equal(md_export_models(&b, MD_EXPORT_TSV, "sb", &ml), MD_OK);
    assert_string_equal(b.data, "backend\tname\tdescription\tcreated\tupdated\taliases\n"
                                "sb\tchurn\t\t1\t2\tchampion=1,challenger=2\n");

    struct md_version_list vl = {0};
    struct md_model_version *v = md_version_list_push(&vl);
    v->model = md_xstrdup("churn");
    v->version = md_xstrdup("2");
    v->stage = md_xstrdup("None");
    v->status = md_xstrdup("READY");
    v->source = md_xstrdup("runs:/r/model");
    v->run_id = md_xstrdup("r");
    v->user = md_xstrdup("");
    v->description = md_xstrdup("multi\nline");
    v->created = INT64_C(1795689845516);
    v->updated = INT64_C(1795689845517);
    v->n_aliases = 2;
    v->aliases = md_xcalloc(2, sizeof(char *));
    v->aliases[0] = md_xstrdup("champion");
    v->aliases[1] = md_xstrdup("canary");
    md_buf_reset(&b);
    assert_int_equal(md_export_versions(&b, MD_EXPORT_JSON, "sb", &vl), MD_OK);
    assert_string_equal(b.data,
                        "[{\"backend\":\"sb\",\"model\":\"churn\",\"version\":\"2\",\"stage\":"
                        "\"None\",\"status\":\"READY\",\"source\":\"runs:/r/model\",\"run_id\":"
                        "\"r\",\"user\":\"\",\"description\":\"multi\\nline\",\"created\":"
                        "1795689845516,\"updated\":1795689845517,\"aliases\":[\"champion\","
                        "\"canary\"],\"tags\":{}}]\n");
    md_buf_reset(&b);
    assert_int_equal(md_export_versions(&b, MD_EXPORT_TSV, "sb", &vl), MD_OK);
    assert_string_equal(b.data, "backend\tmodel\tversion\tstage\tstatus\tsource\trun_id\tuser"
                                "\tdescription\tcreated\tupdated\taliases\n"
                                "sb\tchurn\t2\tNone\tREADY\truns:/r/model\tr\t\tmulti line"
                                "\t1795689845516\t1795689845517\tchampion,canary\n");
    md_buf_release(&b);
    md_model_list_release(&ml);
    md_version_list_release(&vl);
}

static void test_audit(void **state)
{
    (void)state;
    char who[] = "op@host";
    char action[] = "alias-rollback";
    char backend[] = "sb";
    char target[] = "churn@champion";
    char before[] = "2";
    char after[] = "1";
    char phase[] = "finished";
    char outcome[] = "failed";
    char message[] = "HTTP 403\t\"denied\"";
    struct md_audit_entry e[2];
    memset(e, 0, sizeof(e));
    e[0].id = 7;
    e[0].ts_ms = INT64_C(1795689845175);
    e[0].who = who;
    e[0].action = action;
    e[0].backend = backend;
    e[0].target = target;
    e[0].before = before;
    e[0].after = after;
    e[0].phase = phase;
    e[0].outcome = outcome;
    e[0].message = message;
    e[1].id = 6; /* NULL strings print as "" */
    struct md_buf b;
    md_buf_init(&b, 0);
    /* people read the local time and how long ago; JSON adds ISO 8601 beside the epoch ms */
    setenv("TZ", "UTC", 1);
    tzset();
    md_set_clock_ms(INT64_C(1795689845175) + 4 * 60 * 1000 + 5000);
    assert_int_equal(md_export_audit(&b, MD_EXPORT_JSON, e, 2), MD_OK);
    assert_string_equal(
        b.data, "[{\"id\":7,\"ts\":1795689845175,\"time\":\"2026-11-26T10:44:05.175Z\","
                "\"who\":\"op@host\",\"action\":"
                "\"alias-rollback\",\"backend\":\"sb\",\"target\":\"churn@champion\","
                "\"before\":\"2\",\"after\":\"1\",\"phase\":\"finished\",\"outcome\":"
                "\"failed\",\"message\":\"HTTP 403\\t\\\"denied\\\"\"},"
                "{\"id\":6,\"ts\":0,\"time\":\"\",\"who\":\"\",\"action\":\"\",\"backend\":\"\","
                "\"target\":\"\",\"before\":\"\",\"after\":\"\",\"phase\":\"\","
                "\"outcome\":\"\",\"message\":\"\"}]\n");
    md_buf_reset(&b);
    assert_int_equal(md_export_audit(&b, MD_EXPORT_TSV, e, 1), MD_OK);
    assert_string_equal(b.data, "id\ttime\twho\taction\tbackend\ttarget\tbefore\tafter\tphase"
                                "\toutcome\tmessage\tts_ms\n"
                                "7\t2026-11-26 10:44:05 (4m ago)\top@host\talias-rollback\tsb"
                                "\tchurn@champion\t2\t1\tfinished\tfailed\tHTTP 403 \"denied\""
                                "\t1795689845175\n");
    md_set_clock_ms(0);
    md_buf_release(&b);
}

/* Past the cap: MD_ERR_TOO_BIG and the buffer as it was before the call. */
static void test_cap_rolls_back(void **state)
{
    (void)state;
    struct md_run_list l = {0};
    for (int i = 0; i < 200; i++)
        make_run(md_run_list_push(&l));
    struct md_buf b;
    md_buf_init(&b, 40000);
    assert_int_equal(md_buf_adds(&b, "prefix"), MD_OK);
    assert_int_equal(md_export_runs(&b, MD_EXPORT_JSON, "sb", &l), MD_ERR_TOO_BIG);
    assert_int_equal(b.len, 6);
    assert_string_equal(b.data, "prefix");
    md_buf_release(&b);
    md_buf_init(&b, 400000);
    assert_int_equal(md_export_runs(&b, MD_EXPORT_JSON, "sb", &l), MD_OK);
    assert_true(b.len > 40000);
    assert_int_equal(b.data[b.len - 1], '\n');
    md_buf_release(&b);
    md_run_list_release(&l);
}

/* Invalid UTF-8 and every control byte leave valid, parseable JSON. */
static void test_escaping_is_valid_json(void **state)
{
    (void)state;
    char raw[300];
    size_t k = 0;
    for (int c = 1; c < 256; c++)
        raw[k++] = (char)c;
    raw[k++] = '\xe2';
    raw[k++] = '\x82'; /* truncated 3-byte sequence */
    raw[k] = '\0';
    struct md_experiment_list l = {0};
    struct md_experiment *e = md_experiment_list_push(&l);
    e->id = md_xstrdup(raw);
    e->name = md_xstrdup("\xed\xa0\x80");          /* a UTF-16 surrogate: not UTF-8 */
    e->lifecycle = md_xstrdup("\xf0\x9f\x98\x80"); /* U+1F600 stays */
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_export_experiments(&b, MD_EXPORT_JSON, "sb", &l), MD_OK);
    assert_non_null(strstr(b.data, "\"name\":\"???\""));
    assert_non_null(strstr(b.data, "\"lifecycle\":\"\xf0\x9f\x98\x80\""));
    assert_non_null(strstr(b.data, "\\u0001\\u0002"));
    /* the replies' own JSON parser reads it back (the export is not MLflow's shape) */
    cJSON *root = NULL;
    assert_int_equal(jsonx_parse(b.data, b.len, 0, &root, NULL), MD_OK);
    assert_int_equal(jsonx_count(root), 1);
    cJSON_Delete(root);
    md_buf_release(&b);
    md_experiment_list_release(&l);
}

/* "health" on an endpoint and its deployment only when given, valid JSON either way. */
static void test_endpoint_health(void **state)
{
    (void)state;
    struct md_endpoint_list l = {0};
    struct md_endpoint *e = md_endpoint_list_push(&l);
    e->name = md_xstrdup("ep");
    e->n_deployments = 1;
    e->deployments = md_xcalloc(1, sizeof(*e->deployments));
    e->deployments[0].name = md_xstrdup("canary");
    struct md_health_judgement ep = {.verdict = MD_HEALTH_VERDICT_BAD};
    snprintf(ep.reason, sizeof(ep.reason), "canary: 5xx 25.0 %% > 5 %%");
    struct md_health_judgement dep = {.verdict = MD_HEALTH_VERDICT_UNKNOWN};
    snprintf(dep.reason, sizeof(dep.reason), "no \"data\"");
    const struct md_health_judgement *deps[] = {&dep};
    struct md_export_endpoint_extra x = {.health = &ep, .dep_health = deps};
    struct md_buf b;
    md_buf_init(&b, 0);
    assert_int_equal(md_export_endpoints_ex(&b, MD_EXPORT_JSON, "sm", &l, &x), MD_OK);
    assert_non_null(strstr(b.data, ",\"health\":{\"verdict\":\"unknown\",\"reason\":"
                                   "\"no \\\"data\\\"\"}}]"));
    assert_non_null(strstr(b.data, ",\"health\":{\"verdict\":\"bad\",\"reason\":"
                                   "\"canary: 5xx 25.0 % > 5 %\"}}]"));
    cJSON *root = NULL;
    assert_int_equal(jsonx_parse(b.data, b.len, 0, &root, NULL), MD_OK);
    cJSON_Delete(root);
    md_buf_reset(&b);
    assert_int_equal(md_export_endpoints(&b, MD_EXPORT_JSON, "sm", &l), MD_OK);
    assert_null(strstr(b.data, "health"));
    md_buf_release(&b);
    md_endpoint_list_release(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_experiments),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_runs_from_reply),
        cmocka_unit_test(test_models_versions),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_cap_rolls_back),
        cmocka_unit_test(test_escaping_is_valid_json),
        cmocka_unit_test(test_endpoint_health),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for core/base/model.c: list growth, moves, lookups, release, run status names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/backend.h"
#include "mldeck/model.h"

/* A run with one param, one metric and one input, all owned. */
static void fill_run(struct md_run *r, int i)
{
    r->id = md_xasprintf("run-%d", i);
    r->name = md_xstrdup("n");
    r->experiment_id = md_xstrdup("1");
    r->user = md_xstrdup("u");
    r->params.v = md_xcalloc(1, sizeof(*r->params.v));
    r->params.n = 1;
    r->params.v[0].key = md_xstrdup("lr");
    r->params.v[0].value = md_xasprintf("%d", i);
    r->metrics = md_xcalloc(1, sizeof(*r->metrics));
    r->n_metrics = 1;
    r->metrics[0].key = md_xstrdup("loss");
    r->metrics[0].value = i / 10.0;
    r->inputs = md_xcalloc(1, sizeof(*r->inputs));
    r->n_inputs = 1;
    r->inputs[0].name = md_xstrdup("train");
    r->inputs[0].digest = md_xstrdup("d");
    r->inputs[0].source_type = md_xstrdup("s3");
    r->inputs[0].source = md_xstrdup("s3://x");
    r->inputs[0].context = md_xstrdup("training");
}

static void test_push_grows_and_zeroes(void **state)
{
    (void)state;
    struct md_run_list l = {0};
    for (int i = 0; i < 1000; i++) {
        struct md_run *r = md_run_list_push(&l);
        assert_null(r->id);
        assert_int_equal(r->n_metrics, 0);
        fill_run(r, i);
    }
    assert_int_equal(l.n, 1000);
    assert_true(l.alloc >= 1000 && l.alloc < 2048);
    assert_string_equal(l.v[999].id, "run-999");
    assert_string_equal(md_kvs_get(&l.v[500].params, "lr"), "500");
    md_run_list_release(&l);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.alloc, 0);
    md_run_list_release(&l); /* twice is harmless */
}

static void test_append_moves(void **state)
{
    (void)state;
    struct md_run_list a = {0};
    struct md_run_list b = {0};
    for (int i = 0; i < 3; i++)
        fill_run(md_run_list_push(&b), i);
    md_run_list_append(&a, &b); /* into an empty list: the array moves */
    assert_int_equal(a.n, 3);
    assert_int_equal(b.n, 0);
    assert_null(b.v);
    for (int i = 3; i < 40; i++)
        fill_run(md_run_list_push(&b), i);
    md_run_list_append(&a, &b);
    assert_int_equal(a.n, 40);
    assert_true(a.alloc >= 40);
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof(id), "run-%d", i);
        assert_string_equal(a.v[i].id, id);
    }
    assert_int_equal(b.n, 0);
    assert_int_equal(b.alloc, 0);
    md_run_list_append(&a, &b); /* empty source: nothing happens */
    assert_int_equal(a.n, 40);
    md_run_list_release(&a);
    md_run_list_release(&b);
}

static void test_lookups(void **state)
{
    (void)state;
    struct md_run r = {0};
    fill_run(&r, 7);
    assert_string_equal(md_kvs_get(&r.params, "lr"), "7");
    assert_null(md_kvs_get(&r.params, "missing"));
    assert_null(md_kvs_get(&r.tags, "x"));
    assert_null(md_kvs_get(NULL, "x"));
    const struct md_metric *m = md_run_metric(&r, "loss");
    assert_non_null(m);
    assert_true(m->value == 0.7);
    assert_null(md_run_metric(&r, "acc"));
    md_run_release(&r);
    assert_null(r.id);
    assert_int_equal(r.n_inputs, 0);

    struct md_model_list ml = {0};
    struct md_registered_model *mm = md_model_list_push(&ml);
    mm->name = md_xstrdup("churn");
    mm->aliases = md_xcalloc(2, sizeof(*mm->aliases));
    mm->n_aliases = 2;
    mm->aliases[0].alias = md_xstrdup("champion");
    mm->aliases[0].version = md_xstrdup("3");
    mm->aliases[1].alias = md_xstrdup("challenger");
    mm->aliases[1].version = md_xstrdup("4");
    assert_string_equal(md_model_alias_version(mm, "challenger"), "4");
    assert_null(md_model_alias_version(mm, "x"));
    assert_null(md_model_alias_version(NULL, "x"));
    md_model_list_release(&ml);
}

/* Every record type releases what it owns (checked by ASan/valgrind runs). */
static void test_release_all_kinds(void **state)
{
    (void)state;
    struct md_experiment_list el = {0};
    struct md_experiment *e = md_experiment_list_push(&el);
    e->id = md_xstrdup("1");
    e->name = md_xstrdup("demo");
    e->lifecycle = md_xstrdup("active");
    e->tags.v = md_xcalloc(1, sizeof(*e->tags.v));
    e->tags.n = 1;
    e->tags.v[0].key = md_xstrdup("k");
    e->tags.v[0].value = md_xstrdup("v");
    md_experiment_list_release(&el);

    struct md_version_list vl = {0};
    struct md_model_version *v = md_version_list_push(&vl);
    v->model = md_xstrdup("m");
    v->version = md_xstrdup("1");
    v->aliases = md_xcalloc(1, sizeof(char *));
    v->aliases[0] = md_xstrdup("a");
    v->n_aliases = 1;
    md_version_list_release(&vl);

    struct md_metric_series s = {0};
    s.run_id = md_xstrdup("r");
    s.key = md_xstrdup("k");
    s.v = md_xcalloc(3, sizeof(*s.v));
    s.n = 3;
    md_metric_series_release(&s);
    assert_null(s.v);

    /* a result owns every list and string it carries */
    struct md_result res;
    memset(&res, 0, sizeof(res));
    res.next_token = md_xstrdup("t");
    res.raw = md_xstrdup("{}");
    res.server_version = md_xstrdup("3.17.2");
    fill_run(md_run_list_push(&res.runs), 1);
    md_experiment_list_push(&res.experiments)->id = md_xstrdup("x");
    md_result_release(&res);
    assert_null(res.next_token);
    assert_int_equal(res.runs.n, 0);
    md_result_release(&res);
    md_result_release(NULL);
    md_run_release(NULL);
    md_kvs_release(NULL);
}

static void test_status_names(void **state)
{
    (void)state;
    static const char *const names[] = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};
    for (size_t i = 0; i < MD_ARRAY_LEN(names); i++) {
        enum md_run_status st = md_run_status_parse(names[i]);
        assert_int_equal(st, (int)i + 1);
        assert_string_equal(md_run_status_str(st), names[i]);
    }
    assert_int_equal(md_run_status_parse("finished"), MD_RUN_FINISHED);
    assert_int_equal(md_run_status_parse("DONE"), MD_RUN_UNKNOWN);
    assert_int_equal(md_run_status_parse(""), MD_RUN_UNKNOWN);
    assert_int_equal(md_run_status_parse(NULL), MD_RUN_UNKNOWN);
    assert_string_equal(md_run_status_str(MD_RUN_UNKNOWN), "UNKNOWN");
    assert_string_equal(md_run_status_str((enum md_run_status)99), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_grows_and_zeroes),
        cmocka_unit_test(test_append_moves),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_release_all_kinds),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for the incident timeline: target matching as a user names targets, platform
 * history and alarms turned into rows, ordering, and the rows the state file holds (audit
 * pairs, observed brackets, explained observations, drift windows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/md.h"
#include "mldeck/store.h"
#include "mldeck/timeline.h"

static void test_target_matches(void **state)
{
    (void)state;
    assert_true(md_timeline_target_matches("churn@champion", NULL));
    assert_true(md_timeline_target_matches("churn@champion", "churn@champion"));
    assert_true(md_timeline_target_matches("churn@champion", "churn"));
    assert_false(md_timeline_target_matches("churn@champion", "chur"));
    assert_false(md_timeline_target_matches("churn-v2@champion", "churn"));
    assert_true(md_timeline_target_matches("endpoint:fraud", "fraud"));
    assert_true(md_timeline_target_matches("endpoint:fraud#traffic", "fraud"));
    assert_true(md_timeline_target_matches("endpoint:fraud#traffic", "endpoint:fraud#traffic"));
    assert_false(md_timeline_target_matches("endpoint:fraud#traffic", "endpoint:fraud"));
    assert_false(md_timeline_target_matches("endpoint:fraud2", "fraud"));
    /* an endpoint named like a model is not the model's alias */
    assert_false(md_timeline_target_matches("endpoint:a@b", "a"));
}

static void push_change(struct md_change_list *l, const char *target, int64_t at, const char *who)
{
    struct md_change *c = md_change_list_push(l);
    c->target = md_xstrdup(target);
    c->operation = md_xstrdup("UpdateEndpoint");
    c->actor = md_xstrdup(who);
    c->at_ms = at;
    c->source = md_xstrdup("cloudtrail");
    c->id = md_xasprintf("ev-%lld", (long long)at);
}

static void test_changes_alarms_and_order(void **state)
{
    (void)state;
    struct md_change_list ch = {0};
    push_change(&ch, "fraud", 1000, "alice");
    push_change(&ch, "fraud", 5000, "bob");
    push_change(&ch, "other", 4000, "carol");
    struct md_alarm_list al = {0};
    struct md_alarm *a = md_alarm_list_push(&al);
    a->name = md_xstrdup("fraud-5xx");
    a->target = md_xstrdup("fraud");
    a->state = MD_ALARM_ALARM;
    a->reason = md_xstrdup("Threshold Crossed");
    a->since_ms = 3000;
    a = md_alarm_list_push(&al); /* no known start: not a point on the axis */
    a->name = md_xstrdup("quiet");
    a->target = md_xstrdup("fraud");
    a->state = MD_ALARM_OK;

    struct md_tl_query q = {.since_ms = 900, .target = "fraud"};
    struct md_timeline t = {0};
    md_timeline_add_changes(&t, "sm", &ch, &q);
    md_timeline_add_alarms(&t, "sm", &al, &q);
    md_timeline_sort(&t);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.v[0].c.actor, "bob");
    assert_string_equal(t.v[0].c.target, "endpoint:fraud");
    assert_string_equal(t.v[0].backend, "sm");
    assert_string_equal(t.v[1].c.source, "alarm");
    assert_string_equal(t.v[1].c.detail, "-> ALARM: Threshold Crossed");
    assert_string_equal(t.v[2].c.actor, "alice");
    md_timeline_release(&t);

    q.since_ms = 2000; /* alice's change is older than asked for */
    md_timeline_add_changes(&t, "sm", &ch, &q);
    assert_int_equal(t.n, 1);
    md_timeline_release(&t);
    md_change_list_release(&ch);
    md_alarm_list_release(&al);
}

/*
 * An alarm's current state is not a second row when its kept history holds the
 * change into it; with history older than the state (not kept yet), it stays.
 */
static void test_alarm_history_dedupes_current_state(void **state)
{
    (void)state;
    struct md_alarm_list al = {0};
    struct md_alarm *a = md_alarm_list_push(&al);
    a->name = md_xstrdup("fraud-5xx");
    a->target = md_xstrdup("fraud");
    a->state = MD_ALARM_OK;
    a->since_ms = 900000;
    struct md_change_list h = {0};
    int64_t at[] = {100000, 900000}; /* further apart than the minute of slack */
    const char *det[] = {"OK -> ALARM: 9 > 5", "ALARM -> OK: 0 <= 5"};
    for (int i = 0; i < 2; i++) {
        struct md_change *c = md_change_list_push(&h);
        c->target = md_xstrdup("fraud");
        c->operation = md_xstrdup("alarm fraud-5xx");
        c->actor = md_xstrdup("");
        c->at_ms = at[i];
        c->detail = md_xstrdup(det[i]);
        c->source = md_xstrdup("alarm");
        c->id = md_xasprintf("alarm:fraud-5xx:%lld", (long long)at[i]);
    }
    struct md_tl_query q = {.since_ms = 0};
    struct md_timeline t = {0};
    md_timeline_add_changes(&t, "sm", &h, &q);
    md_timeline_add_alarms(&t, "sm", &al, &q);
    assert_int_equal(t.n, 3);
    md_timeline_finish(&t);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.v[0].c.detail, "ALARM -> OK: 0 <= 5");
    assert_string_equal(t.v[1].c.detail, "OK -> ALARM: 9 > 5");
    md_timeline_release(&t);

    /* only the older change is kept: the current state is news */
    h.n = 1;
    md_timeline_add_changes(&t, "sm", &h, &q);
    md_timeline_add_alarms(&t, "sm", &al, &q);
    md_timeline_finish(&t);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.v[0].c.id, "alarm:fraud-5xx");
    md_timeline_release(&t);
    h.n = 2;
    md_change_list_release(&h);
    md_alarm_list_release(&al);
}

static void audit(md_store *s, int64_t ts, const char *phase, const char *outcome,
                  const char *target, const char *before, const char *after, int64_t ref,
                  int64_t *id)
{
    struct md_audit_entry e = {.ts_ms = ts,
                               .who = md_xstrdup("op@host"),
                               .action = md_xstrdup("alias-set"),
                               .backend = md_xstrdup("mlflow"),
                               .target = md_xstrdup(target),
                               .before = md_xstrdup(before),
                               .after = md_xstrdup(after),
                               .phase = md_xstrdup(phase),
                               .outcome = md_xstrdup(outcome),
                               .message = md_xstrdup(""),
                               .ref_id = ref};
    assert_int_equal(md_store_audit_append(s, &e, NULL), MD_OK);
    if (id)
        *id = e.id;
    md_audit_entry_release(&e);
}

static void test_store_rows(void **state)
{
    (void)state;
    md_store *s = NULL;
    assert_int_equal(md_store_open(&s, ":memory:", NULL), MD_OK);
    /* m@a: seen 1 at t=100, mldeck sets 2 at t=200 (seen at 250), someone sets 3 (seen 900) */
    assert_int_equal(md_store_history_observe(s, "mlflow", "m@a", "1", 100, NULL), MD_OK);
    int64_t id = 0;
    audit(s, 200, "started", "unknown", "m@a", "1", "2", 0, &id);
    audit(s, 210, "finished", "ok", "m@a", "1", "2", id, NULL);
    assert_int_equal(md_store_history_observe(s, "mlflow", "m@a", "2", 250, NULL), MD_OK);
    assert_int_equal(md_store_history_observe(s, "mlflow", "m@a", "3", 900, NULL), MD_OK);
    /* a started entry that never heard back, and a refusal */
    audit(s, 950, "started", "unknown", "m@b", "1", "2", 0, NULL);
    audit(s, 960, "finished", "refused", "m@c", "1", "2", 0, NULL);

    struct md_tl_query q = {0};
    struct md_timeline t = {0};
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_timeline_collect(s, &q, &t, &err), MD_OK);
    md_timeline_sort(&t);
    assert_int_equal(t.n, 4);
    assert_string_equal(t.v[0].c.target, "m@c");
    assert_string_equal(t.v[0].c.status, "refused");
    assert_string_equal(t.v[1].c.target, "m@b");
    assert_string_equal(t.v[1].c.status, "no outcome recorded");
    /* the outside change: a bracket between the look that saw 2 and the one that saw 3 */
    assert_string_equal(t.v[2].c.source, "observed");
    assert_string_equal(t.v[2].c.actor, "");
    assert_int_equal(t.v[2].c.at_ms, 0);
    assert_int_equal(t.v[2].c.seen_after_ms, 250);
    assert_int_equal(t.v[2].c.seen_before_ms, 900);
    assert_string_equal(t.v[2].c.detail, "2 -> 3");
    /* mldeck's own change, once: the observation of 2 is explained by it */
    assert_string_equal(t.v[3].c.source, "mldeck");
    assert_string_equal(t.v[3].c.status, "ok");
    assert_string_equal(t.v[3].c.actor, "op@host");
    assert_string_equal(t.v[3].c.detail, "1 -> 2");
    md_timeline_release(&t);

    q.since_ms = 300;
    q.target = "m";
    assert_int_equal(md_timeline_collect(s, &q, &t, &err), MD_OK);
    assert_int_equal(t.n, 3); /* m@a's outside change, m@b, m@c: the action at 200 is older */
    md_timeline_release(&t);
    md_store_free(s);
}

/* An observed endpoint change that a CloudTrail event explains shows once, with its actor. */
static void test_platform_explains_an_observation(void **state)
{
    (void)state;
    md_store *s = NULL;
    assert_int_equal(md_store_open(&s, ":memory:", NULL), MD_OK);
    assert_int_equal(
        md_store_history_observe(s, "sm", "endpoint:fraud#traffic", "a=90,b=10", 1000, NULL),
        MD_OK);
    assert_int_equal(
        md_store_history_observe(s, "sm", "endpoint:fraud#traffic", "a=75,b=25", 90000, NULL),
        MD_OK);
    assert_int_equal(md_store_history_observe(s, "sm", "m@a", "1", 1000, NULL), MD_OK);
    assert_int_equal(md_store_history_observe(s, "sm", "m@a", "2", 90000, NULL), MD_OK);
    struct md_timeline t = {0};
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_timeline_collect(s, NULL, &t, &err), MD_OK);
    struct md_change_list ch = {0};
    push_change(&ch, "fraud", 50000, "bob");
    push_change(&ch, "other", 50000, "carol"); /* another endpoint explains nothing here */
    md_timeline_add_changes(&t, "sm", &ch, NULL);
    md_timeline_finish(&t);
    assert_int_equal(t.n, 3); /* bob, carol, the alias move; not the traffic observation */
    for (size_t i = 0; i < t.n; i++)
        assert_false(!strcmp(t.v[i].c.source, "observed") &&
                     !strcmp(t.v[i].c.target, "endpoint:fraud#traffic"));
    md_timeline_release(&t);
    md_change_list_release(&ch);
    md_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_matches),
        cmocka_unit_test(test_changes_alarms_and_order),
        cmocka_unit_test(test_store_rows),
        cmocka_unit_test(test_platform_explains_an_observation),
        cmocka_unit_test(test_alarm_history_dedupes_current_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_store_changes.c - the platforms' history in the state file (schema v4):
 * one row per event id however often a refresh asks again, the newest event
 * per target (the next StartTime), newest-first lists; and the last sighting
 * of each observed value, which brackets a change mldeck only observed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/store.h"
#include "testutil.h"

static md_store *open_memory(void)
{
    md_store *s = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_store_open(&s, ":memory:", &err))
        fail_msg("open: %s", err.msg);
    return s;
}

/* An event owning its strings (md_change_release()). */
static struct md_change ev(const char *id, const char *target, int64_t at, const char *actor)
{
    struct md_change c = {
        .id = md_xstrdup(id),
        .target = md_xstrdup(target),
        .operation = md_xstrdup("UpdateEndpoint"),
        .actor = md_xstrdup(actor),
        .actor_kind = md_xstrdup("IAMUser"),
        .at_ms = at,
        .detail = md_xstrdup("config c-2"),
        .status = md_xstrdup("Succeeded"),
        .error = md_xstrdup(""),
        .source = md_xstrdup("cloudtrail"),
    };
    return c;
}

static void put(md_store *s, const char *backend, struct md_change *v, size_t n)
{
    struct md_err err = MD_ERR_INIT;
    if (md_store_changes_put(s, backend, v, n, &err))
        fail_msg("put: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        md_change_release(&v[i]);
}

static void test_events_dedup_newest_and_order(void **state)
{
    (void)state;
    md_store *s = open_memory();
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_store_schema_version(s), MD_STORE_SCHEMA_VERSION);
    struct md_change a[] = {ev("e1", "churn", 1000, "alice"), ev("e2", "churn", 3000, "bob"),
                            ev("e3", "fraud", 5000, "carol")};
    put(s, "sm", a, 3);
    /* asked again from the newest event: it comes back, and a new one with it */
    struct md_change b[] = {ev("e2", "churn", 3000, "someone else"),
                            ev("e4", "churn", 4000, "dave")};
    put(s, "sm", b, 2);
    /* another backend's events of the same name are its own */
    struct md_change c[] = {ev("e9", "churn", 9000, "eve")};
    put(s, "other", c, 1);

    int64_t newest = -1;
    assert_int_equal(md_store_changes_newest(s, "sm", "churn", &newest, &err), MD_OK);
    assert_int_equal(newest, 4000);
    assert_int_equal(md_store_changes_newest(s, "sm", "nothing", &newest, &err), MD_OK);
    assert_int_equal(newest, 0);

    struct md_change_list l = {0};
    assert_int_equal(md_store_changes_list(s, "sm", "churn", 10, &l, &err), MD_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0].id, "e4");
    assert_string_equal(l.v[1].id, "e2");
    assert_string_equal(l.v[1].actor, "bob"); /* the first copy kept, not replaced */
    assert_string_equal(l.v[2].id, "e1");
    assert_string_equal(l.v[2].detail, "config c-2");
    assert_string_equal(l.v[2].source, "cloudtrail");
    assert_int_equal(l.v[2].at_ms, 1000);
    md_change_list_release(&l);
    assert_int_equal(md_store_changes_list(s, "sm", "churn", 1, &l, &err), MD_OK);
    assert_int_equal(l.n, 1);
    md_change_list_release(&l);

    /* an event without an id is kept once all the same */
    struct md_change d[] = {ev("", "fraud", 6000, "frank"), ev("", "fraud", 6000, "frank")};
    put(s, "sm", d, 2);
    assert_int_equal(md_store_changes_list(s, "sm", "fraud", 10, &l, &err), MD_OK);
    assert_int_equal(l.n, 2);
    md_change_list_release(&l);
    md_store_free(s);
}

/*
 * Alarm state changes share the table for the timeline but are nobody's
 * change: not in a target's list, not its newest (CloudTrail's next
 * StartTime); their own newest time is read by source.
 */
static void test_alarm_rows_are_not_changes(void **state)
{
    (void)state;
    md_store *s = open_memory();
    struct md_change v[2] = {ev("ct-1", "fraud", 1000, "alice"),
                             ev("alarm:x:5000", "fraud", 5000, "")};
    free(v[1].source);
    v[1].source = md_xstrdup("alarm");
    put(s, "sm", v, 2);
    int64_t at = -1;
    assert_int_equal(md_store_changes_newest(s, "sm", "fraud", &at, NULL), MD_OK);
    assert_int_equal(at, 1000);
    assert_int_equal(md_store_changes_newest_source(s, "sm", "alarm", &at, NULL), MD_OK);
    assert_int_equal(at, 5000);
    assert_int_equal(md_store_changes_newest_source(s, "other", "alarm", &at, NULL), MD_OK);
    assert_int_equal(at, 0);
    struct md_change_list l = {0};
    assert_int_equal(md_store_changes_list(s, "sm", "fraud", 10, &l, NULL), MD_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].id, "ct-1");
    md_change_list_release(&l);
    md_store_free(s);
}

static void test_history_last_sighting(void **state)
{
    (void)state;
    md_store *s = open_memory();
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_store_history_observe(s, "ml", "m@champion", "1", 100, &err), MD_OK);
    assert_int_equal(md_store_history_observe(s, "ml", "m@champion", "1", 200, &err), MD_OK);
    assert_int_equal(md_store_history_observe(s, "ml", "m@champion", "1", 300, &err), MD_OK);
    assert_int_equal(md_store_history_observe(s, "ml", "m@champion", "2", 400, &err), MD_OK);
    assert_int_equal(md_store_history_observe(s, "ml", "m@champion", "2", 500, &err), MD_OK);
    struct md_history_entry *h = NULL;
    size_t n = 0;
    assert_int_equal(md_store_history_list(s, "ml", "m@champion", 10, &h, &n, &err), MD_OK);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].value, "2");
    assert_int_equal(h[0].seen_ms, 400);
    assert_int_equal(h[0].last_ms, 500);
    assert_string_equal(h[1].value, "1");
    assert_int_equal(h[1].seen_ms, 100);
    assert_int_equal(h[1].last_ms, 300); /* the change happened after 300, by 400 */
    md_store_history_free(h, n);
    md_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_dedup_newest_and_order),
        cmocka_unit_test(test_history_last_sighting),
        cmocka_unit_test(test_alarm_rows_are_not_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

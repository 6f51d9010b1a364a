/*
 * Unit tests for core/deck/deck.c's hooks: a layer above the deck hooks its
 * timers into the deck's loop (md_deck_poll wakes for them, md_deck_run and
 * md_deck_settle tick them, settle waits while one is due), reports its
 * changes through md_deck_notify(), and is told when the deck goes away. The
 * one backend points at a closed loopback port and is never asked anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/config.h"
#include "mldeck/deck.h"

static const char config_yaml[] = "contexts:\n"
                                  "  - name: t\n"
                                  "    backends:\n"
                                  "      - name: ml\n"
                                  "        type: mlflow\n"
                                  "        url: http://127.0.0.1:1\n";

/* A layer with one timer: due at `due` until it has ticked `ticks_wanted` times. */
struct layer {
    int64_t due;
    int64_t every_ms;
    int ticks;
    int ticks_wanted;
    int released;
};

static int64_t layer_due(void *ud)
{
    const struct layer *l = ud;
    return l->ticks < l->ticks_wanted ? l->due : 0;
}

static void layer_tick(void *ud)
{
    struct layer *l = ud;
    l->ticks++;
    l->due = md_mono_ms() + l->every_ms;
}

static void layer_release(void *ud)
{
    struct layer *l = ud;
    l->released++;
}

static const struct md_deck_hook layer_hook = {
    .due = layer_due,
    .tick = layer_tick,
    .release = layer_release,
};

static int setup(void **state)
{
    struct md_config *cfg = calloc(1, sizeof(*cfg));
    struct md_err err = MD_ERR_INIT;
    if (md_config_parse(cfg, "test.yaml", config_yaml, strlen(config_yaml), &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    struct md_deck_opts o = {.config = cfg, .state_path = ":memory:", .no_timer = true};
    md_deck *d = NULL;
    if (md_deck_new(&d, &o, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    void **both = calloc(2, sizeof(*both));
    both[0] = cfg;
    both[1] = d;
    *state = both;
    return 0;
}

static int teardown(void **state)
{
    void **both = *state;
    md_deck_free(both[1]);
    md_config_release(both[0]);
    free(both[0]);
    free(both);
    return 0;
}

static md_deck *deck_of(void **state)
{
    return ((void **)*state)[1];
}

/* A hook not yet due is not ticked; once due, md_deck_run ticks it. */
static void test_run_ticks_when_due(void **state)
{
    md_deck *d = deck_of(state);
    struct layer l = {.due = md_mono_ms() + 60000, .ticks_wanted = 1};
    md_deck_hook_add(d, &layer_hook, &l);
    md_deck_run(d);
    assert_int_equal(l.ticks, 0);
    l.due = md_mono_ms();
    md_deck_run(d);
    assert_int_equal(l.ticks, 1);
    md_deck_run(d);
    assert_int_equal(l.ticks, 1); /* due() says 0 now */
    md_deck_hook_remove(d, &layer_hook, &l);
}

/* md_deck_poll returns by the hook's due time, not at its own timeout. */
static void test_poll_wakes_for_hook(void **state)
{
    md_deck *d = deck_of(state);
    struct layer l = {.due = md_mono_ms() + 50, .ticks_wanted = 1};
    md_deck_hook_add(d, &layer_hook, &l);
    int64_t t0 = md_mono_ms();
    md_deck_poll(d, NULL, 0, 5000);
    assert_true(md_mono_ms() - t0 < 2000);
    md_deck_hook_remove(d, &layer_hook, &l);
}

/* Settle waits while a hook is due, ticking it, even with no request pending. */
static void test_settle_waits_for_hook(void **state)
{
    md_deck *d = deck_of(state);
    struct layer l = {.due = md_mono_ms() + 20, .every_ms = 20, .ticks_wanted = 3};
    md_deck_hook_add(d, &layer_hook, &l);
    assert_int_equal(md_deck_pending(d), 0);
    assert_int_equal(md_deck_settle(d, 10000), MD_OK);
    assert_int_equal(l.ticks, 3);
    /* a hook that stays due makes settle time out */
    l.ticks_wanted = 1000000;
    l.every_ms = 60000;
    l.due = md_mono_ms() + 60000;
    assert_int_equal(md_deck_settle(d, 100), MD_ERR_TIMEOUT);
    md_deck_hook_remove(d, &layer_hook, &l);
}

/* Changes a layer reports come out of the next md_deck_run, once. */
static void test_notify_in_run_mask(void **state)
{
    md_deck *d = deck_of(state);
    md_deck_run(d);
    md_deck_notify(d, MD_CHANGED_ABOVE << 3);
    assert_true(md_deck_run(d) & (MD_CHANGED_ABOVE << 3));
    assert_false(md_deck_run(d) & (MD_CHANGED_ABOVE << 3));
}

/* Freeing the deck tells the hooks still added, and only those. */
static void test_release_on_free(void **state)
{
    (void)state;
    struct md_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(md_config_parse(&cfg, "test.yaml", config_yaml, strlen(config_yaml), NULL),
                     MD_OK);
    struct md_deck_opts o = {.config = &cfg, .state_path = ":memory:", .no_timer = true};
    md_deck *d = NULL;
    assert_int_equal(md_deck_new(&d, &o, NULL), MD_OK);
    struct layer kept = {0};
    struct layer gone = {0};
    md_deck_hook_add(d, &layer_hook, &kept);
    md_deck_hook_add(d, &layer_hook, &gone);
    md_deck_hook_remove(d, &layer_hook, &gone);
    md_deck_hook_remove(d, &layer_hook, &gone); /* unknown now: ignored */
    md_deck_free(d);
    assert_int_equal(kept.released, 1);
    assert_int_equal(gone.released, 0);
    md_config_release(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_ticks_when_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_wakes_for_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settle_waits_for_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_in_run_mask, setup, teardown),
        cmocka_unit_test(test_release_on_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

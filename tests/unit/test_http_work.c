/*
 * test_http_work.c - md_http_work() (core/net/http_work.c): work runs off the
 * loop thread in queue order, each item reports exactly once from
 * md_http_run() on the loop thread, and a cancel (queued, running or
 * finished) or md_http_free() drops it instead, never from the worker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/http.h"
#include "testutil.h"

#define N_ITEMS 8

/* Work that can be held until the test lets it go: a running item stays running. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open = true;
static atomic_int entered; /* items whose work has begun */

static pthread_t loop_thread;
static int order_worked[N_ITEMS + 4];
static atomic_int n_worked;
static int order_done[N_ITEMS + 4];
static int n_done;
static int order_dropped[N_ITEMS + 4];
static int n_dropped;
static bool wrong_thread;

struct item {
    int n;
    bool worked;
    bool done;
    bool dropped;
    pthread_t worked_on;
};

static void gate_set(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void work(void *ud)
{
    struct item *it = ud;
    atomic_fetch_add(&entered, 1);
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    it->worked_on = pthread_self();
    it->worked = true;
    order_worked[atomic_fetch_add(&n_worked, 1)] = it->n;
}

static void done(void *ud)
{
    struct item *it = ud;
    if (!pthread_equal(pthread_self(), loop_thread) || !it->worked || it->done || it->dropped)
        wrong_thread = true;
    it->done = true;
    order_done[n_done++] = it->n;
}

static void drop(void *ud)
{
    struct item *it = ud;
    if (!pthread_equal(pthread_self(), loop_thread) || it->done || it->dropped)
        wrong_thread = true;
    it->dropped = true;
    order_dropped[n_dropped++] = it->n;
}

static int setup(void **state)
{
    (void)state;
    loop_thread = pthread_self();
    gate_set(true);
    atomic_store(&entered, 0);
    atomic_store(&n_worked, 0);
    n_done = n_dropped = 0;
    wrong_thread = false;
    return 0;
}

static md_http *new_http(void)
{
    md_http *h = NULL;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_http_new(&h, &err), MD_OK);
    return h;
}

/* Run the loop until cond() or 5 s. */
static bool run_until(md_http *h, bool (*cond)(void))
{
    for (int i = 0; i < 500 && !cond(); i++) {
        md_http_poll(h, NULL, 0, 10);
        md_http_run(h);
    }
    return cond();
}

static bool all_done(void)
{
    return n_done + n_dropped >= N_ITEMS;
}

static bool first_entered(void)
{
    return atomic_load(&entered) >= 1;
}

/* Items run in the order queued, off the loop thread, and report in that order on it. */
static void test_order(void **state)
{
    (void)state;
    md_http *h = new_http();
    struct item it[N_ITEMS];
    gate_set(false); /* all are queued before the first may finish */
    for (int i = 0; i < N_ITEMS; i++) {
        it[i] = (struct item){.n = i};
        assert_true(md_http_work(h, "t", work, done, drop, &it[i]) != 0);
    }
    assert_int_equal(md_http_pending(h), N_ITEMS);
    md_http_run(h);
    assert_int_equal(n_done, 0); /* nothing reports before its work ran */
    gate_set(true);
    assert_true(run_until(h, all_done));
    assert_int_equal(md_http_pending(h), 0);
    assert_false(wrong_thread);
    for (int i = 0; i < N_ITEMS; i++) {
        assert_int_equal(order_worked[i], i);
        assert_int_equal(order_done[i], i);
        assert_false(pthread_equal(it[i].worked_on, loop_thread));
    }
    assert_int_equal(n_dropped, 0);
    md_http_free(h);
}

/* md_http_wait_all() waits for work like for requests (the headless commands). */
static void test_wait_all(void **state)
{
    (void)state;
    md_http *h = new_http();
    struct item a = {.n = 1};
    md_http_work(h, "t", work, done, drop, &a);
    assert_int_equal(md_http_wait_all(h, 5000), MD_OK);
    assert_true(a.done);
    assert_int_equal(n_done, 1);
    md_http_free(h);
}

/*
 * Cancels: a queued item is dropped at once and never works; a running one
 * is dropped only once its work has returned, on the loop thread; the
 * others still report.
 */
static void test_cancel(void **state)
{
    (void)state;
    md_http *h = new_http();
    struct item it[4];
    uint64_t id[4];
    gate_set(false);
    for (int i = 0; i < 4; i++) {
        it[i] = (struct item){.n = i};
        id[i] = md_http_work(h, "t", work, done, drop, &it[i]);
    }
    assert_true(run_until(h, first_entered)); /* item 0 is running, held at the gate */
    md_http_cancel(h, id[2]);                 /* queued */
    assert_true(it[2].dropped);
    md_http_cancel(h, id[0]); /* running: not yet */
    assert_false(it[0].dropped);
    assert_int_equal(md_http_pending(h), 2);
    gate_set(true);
    bool ok = false;
    for (int i = 0; i < 500 && !ok; i++) {
        md_http_poll(h, NULL, 0, 10);
        md_http_run(h);
        ok = it[0].dropped && it[1].done && it[3].done;
    }
    assert_true(ok);
    assert_true(it[0].worked); /* its work ran to the end, then it was dropped */
    assert_false(it[0].done);
    assert_false(it[2].worked);
    assert_false(it[2].done);
    assert_int_equal(n_done, 2);
    assert_int_equal(order_done[0], 1);
    assert_int_equal(order_done[1], 3);
    assert_int_equal(n_dropped, 2);
    assert_false(wrong_thread);
    md_http_free(h);
}

/* A finished item not yet delivered is dropped by a cancel, never reported. */
static void test_cancel_finished(void **state)
{
    (void)state;
    md_http *h = new_http();
    struct item a = {.n = 7};
    uint64_t id = md_http_work(h, "t", work, done, drop, &a);
    for (int i = 0; i < 500 && atomic_load(&n_worked) < 1; i++)
        usleep(2000);
    usleep(50 * 1000); /* handed back by the worker; md_http_run has not delivered it */
    md_http_cancel(h, id);
    assert_true(a.dropped); /* at once: the worker no longer holds it */
    assert_true(a.worked);  /* read after the cancel's lock: the worker's write is visible */
    md_http_run(h);
    md_http_run(h);
    assert_false(a.done);
    assert_int_equal(md_http_pending(h), 0);
    md_http_free(h);
}

static void *open_gate_later(void *arg)
{
    (void)arg;
    usleep(50 * 1000);
    gate_set(true);
    return NULL;
}

/*
 * md_http_free() with an item running and others queued: every one is
 * dropped exactly once, none reports, and the worker is joined (the
 * running work finishes before free returns).
 */
static void test_free_while_running(void **state)
{
    (void)state;
    md_http *h = new_http();
    struct item it[3];
    gate_set(false);
    for (int i = 0; i < 3; i++) {
        it[i] = (struct item){.n = i};
        md_http_work(h, "t", work, done, drop, &it[i]);
    }
    assert_true(run_until(h, first_entered));
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, open_gate_later, NULL), 0);
    md_http_free(h);
    pthread_join(t, NULL);
    assert_true(it[0].worked);
    assert_false(it[1].worked);
    for (int i = 0; i < 3; i++) {
        assert_true(it[i].dropped);
        assert_false(it[i].done);
    }
    assert_int_equal(n_dropped, 3);
    assert_false(wrong_thread);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_order, setup),
        cmocka_unit_test_setup(test_wait_all, setup),
        cmocka_unit_test_setup(test_cancel, setup),
        cmocka_unit_test_setup(test_cancel_finished, setup),
        cmocka_unit_test_setup(test_free_while_running, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_proc.c - core/net/proc.c and the loop additions of core/net/http.c it
 * stands on (watched descriptors, timers, jobs).
 *
 * Children are small /bin/sh scripts. Each test drives an md_http by hand
 * (md_http_poll + md_http_run) the way the console's loop does, and checks
 * what was reported, when, and that the loop stayed responsive meanwhile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mldeck/proc.h"

struct got {
    int calls;
    enum md_proc_end end;
    int exit_code;
    int signal;
    md_status status;
    char msg[256];
    char out[4096];
    size_t out_len;
    char err[512];
    size_t err_len;
    int64_t elapsed_ms;
    int64_t at; /* md_mono_ms() when reported */
    size_t pending_in_cb;
    md_http *h;
};

static void on_done(const struct md_proc_result *res, void *ud)
{
    struct got *g = ud;
    g->calls++;
    g->end = res->end;
    g->exit_code = res->exit_code;
    g->signal = res->signal;
    g->status = res->status;
    snprintf(g->msg, sizeof(g->msg), "%s", res->err.msg);
    snprintf(g->out, sizeof(g->out), "%s", res->out);
    g->out_len = res->out_len;
    snprintf(g->err, sizeof(g->err), "%s", res->err_text);
    g->err_len = res->err_len;
    g->elapsed_ms = res->elapsed_ms;
    g->at = md_mono_ms();
    if (g->h)
        g->pending_in_cb = md_http_pending(g->h);
}

static int setup(void **state)
{
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    md_http_free(*state);
    return 0;
}

/* Drive the loop until `g` reports or ms pass. */
static void run_until(md_http *h, const struct got *g, int ms)
{
    int64_t end = md_mono_ms() + ms;
    while (g->calls == 0 && md_mono_ms() < end) {
        md_http_poll(h, NULL, 0, 100);
        md_http_run(h);
    }
}

static uint64_t start_sh(md_http *h, const char *cmd, long timeout_ms, size_t max_out,
                         struct got *g)
{
    struct md_proc_opts o = {
        .shell_cmd = cmd, .timeout_ms = timeout_ms, .max_out = max_out, .tag = "test"};
    g->h = h;
    return md_proc_start(h, &o, on_done, g);
}

/* True when pid is dead within a second: no such process, or a zombie waiting for init. */
static bool gone(long pid)
{
    for (int i = 0; i < 100; i++) {
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            return true;
        char path[64];
        char buf[256] = "";
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(buf, sizeof(buf), f))
                buf[0] = '\0';
            fclose(f);
        }
        const char *close_paren = strrchr(buf, ')');
        if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z')
            return true;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_prints(void **state)
{
    md_http *h = *state;
    struct got g = {0};
    const char *argv[] = {"printf", "%s\\n", "hello world", NULL};
    struct md_proc_opts o = {.argv = argv, .tag = "printf"};
    uint64_t id = md_proc_start(h, &o, on_done, &g);
    assert_true(id != 0);
    assert_int_equal(g.calls, 0); /* never from the start */
    assert_int_equal(md_http_pending(h), 1);
    run_until(h, &g, 5000);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.end, MD_PROC_EXITED);
    assert_int_equal(g.exit_code, 0);
    assert_int_equal(g.status, MD_OK);
    assert_string_equal(g.out, "hello world\n");
    assert_int_equal(g.out_len, 12);
    assert_int_equal(g.err_len, 0);
    assert_int_equal(g.pending_in_cb, 0); /* detached before the callback */
    assert_int_equal(md_http_pending(h), 0);

    /* stdin is /dev/null; no shell between us and argv (the '*' stays a '*') */
    struct got g2 = {0};
    const char *argv2[] = {"/bin/sh", "-c", "cat; echo \"$0\"", "*", NULL};
    o = (struct md_proc_opts){.argv = argv2};
    md_proc_start(h, &o, on_done, &g2);
    run_until(h, &g2, 5000);
    assert_int_equal(g2.status, MD_OK);
    assert_string_equal(g2.out, "*\n");

    /* a shell command */
    struct got g3 = {0};
    start_sh(h, "echo a | tr a b", 0, 0, &g3);
    run_until(h, &g3, 5000);
    assert_string_equal(g3.out, "b\n");
}

static void test_fails_with_stderr(void **state)
{
    md_http *h = *state;
    struct got g = {0};
    start_sh(h, "echo out; echo 'ERROR: Please run az login' >&2; echo second >&2; exit 3", 0, 0,
             &g);
    run_until(h, &g, 5000);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.end, MD_PROC_EXITED);
    assert_int_equal(g.exit_code, 3);
    assert_int_equal(g.status, MD_ERR_IO);
    assert_string_equal(g.out, "out\n");
    assert_string_equal(g.err, "ERROR: Please run az login\nsecond\n");
    assert_string_equal(g.msg, "'test' exited with status 3: ERROR: Please run az login");

    /* killed by a signal of its own */
    struct got g2 = {0};
    start_sh(h, "kill -TERM $$", 0, 0, &g2);
    run_until(h, &g2, 5000);
    assert_int_equal(g2.end, MD_PROC_SIGNALED);
    assert_int_equal(g2.signal, SIGTERM);
    assert_int_equal(g2.status, MD_ERR_IO);

    /* a program that does not exist: reported from md_http_run() all the same */
    struct got g3 = {0};
    const char *argv[] = {"/nonexistent/az", "account", NULL};
    struct md_proc_opts o = {.argv = argv, .tag = "az"};
    assert_true(md_proc_start(h, &o, on_done, &g3) != 0);
    assert_int_equal(g3.calls, 0);
    assert_int_equal(md_http_pending(h), 1);
    md_http_run(h);
    if (g3.calls == 0) /* valgrind's posix_spawn forks, then the exec fails in the child */
        run_until(h, &g3, 5000);
    assert_int_equal(g3.calls, 1);
    assert_int_equal(g3.status, MD_ERR_IO);
    if (g3.end == MD_PROC_NOT_STARTED)
        assert_string_equal(g3.msg, "cannot run 'az': No such file or directory");
    else
        assert_true(g3.end == MD_PROC_EXITED && g3.exit_code == 127);

    /* stderr is kept up to its cap, and read to the end so the child is not stuck */
    struct got g4 = {0};
    struct md_proc_opts o4 = {.shell_cmd = "head -c 200000 /dev/zero | tr '\\0' e >&2; echo done",
                              .max_err = 100};
    md_proc_start(h, &o4, on_done, &g4);
    run_until(h, &g4, 5000);
    assert_int_equal(g4.status, MD_OK);
    assert_int_equal(g4.err_len, 100);
    assert_string_equal(g4.out, "done\n");
}

static void test_timeout(void **state)
{
    md_http *h = *state;
    struct got g = {0};
    /* a shell and its child: both go, the whole group is killed */
    int64_t t0 = md_mono_ms();
    start_sh(h, "sleep 30 & echo $!; wait; echo never", 300, 0, &g);
    run_until(h, &g, 5000);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.end, MD_PROC_TIMED_OUT);
    assert_int_equal(g.status, MD_ERR_TIMEOUT);
    assert_string_equal(g.msg, "'test' did not finish within 1 s");
    int64_t took = md_mono_ms() - t0;
    assert_true(took >= 300 && took < 2000);
    assert_true(g.elapsed_ms >= 300);
    assert_int_equal(md_http_pending(h), 0);
    /* the shell's own child is not left behind */
    char *end = NULL;
    long sleeper = strtol(g.out, &end, 10);
    assert_true(sleeper > 0 && *end == '\n');
    assert_true(gone(sleeper));
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void test_over_the_cap(void **state)
{
    md_http *h = *state;
    struct got g = {0};
    start_sh(h, "head -c 100000 /dev/zero | tr '\\0' x; sleep 30", 0, 1000, &g);
    run_until(h, &g, 5000);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.end, MD_PROC_TOO_BIG);
    assert_int_equal(g.status, MD_ERR_TOO_BIG);
    assert_int_equal(g.out_len, 0); /* a truncated output is never handed over */
    assert_string_equal(g.msg, "'test' wrote more than 1000 bytes");

    /* exactly at the cap is fine */
    struct got g2 = {0};
    start_sh(h, "printf 1234567890", 0, 10, &g2);
    run_until(h, &g2, 5000);
    assert_int_equal(g2.status, MD_OK);
    assert_string_equal(g2.out, "1234567890");
}

/* Many at once, each with its own output, all reaped. */
static void test_many(void **state)
{
    md_http *h = *state;
    enum { N = 24 };
    struct got g[N];
    memset(g, 0, sizeof(g));
    for (int i = 0; i < N; i++) {
        char cmd[96];
        snprintf(cmd, sizeof(cmd), "sleep 0.%d; echo child-%d; echo err-%d >&2", i % 5, i, i);
        start_sh(h, cmd, 0, 0, &g[i]);
    }
    assert_int_equal(md_http_pending(h), N);
    int64_t end = md_mono_ms() + 10000;
    int done = 0;
    while (done < N && md_mono_ms() < end) {
        md_http_poll(h, NULL, 0, 100);
        md_http_run(h);
        done = 0;
        for (int i = 0; i < N; i++)
            done += g[i].calls;
    }
    for (int i = 0; i < N; i++) {
        char want[32];
        assert_int_equal(g[i].calls, 1);
        assert_int_equal(g[i].status, MD_OK);
        snprintf(want, sizeof(want), "child-%d\n", i);
        assert_string_equal(g[i].out, want);
        snprintf(want, sizeof(want), "err-%d\n", i);
        assert_string_equal(g[i].err, want);
    }
    assert_int_equal(md_http_pending(h), 0);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* no zombie left: ECHILD */
}

/*
 * The loop stays responsive: while a 2 s child runs, md_http_poll() returns
 * at once for another descriptor, and md_http_run() never waits for the child.
 */
static void test_loop_responsive(void **state)
{
    md_http *h = *state;
    struct got g = {0};
    int64_t t0 = md_mono_ms();
    start_sh(h, "sleep 2; echo late", 0, 0, &g);
    int key[2];
    assert_int_equal(pipe(key), 0);
    int64_t worst_poll = 0;
    int64_t worst_run = 0;
    int answered = 0;
    while (g.calls == 0 && md_mono_ms() - t0 < 6000) {
        /* a "key" every 50 ms */
        int64_t sent = md_mono_ms();
        assert_int_equal(write(key[1], "k", 1), 1);
        struct md_pollfd fd = {key[0], POLLIN, 0};
        assert_int_equal(md_http_poll(h, &fd, 1, 1000), MD_OK);
        int64_t waited = md_mono_ms() - sent;
        if (waited > worst_poll)
            worst_poll = waited;
        if (fd.revents & POLLIN) {
            char c;
            assert_int_equal(read(key[0], &c, 1), 1);
            answered++;
        }
        int64_t r0 = md_mono_ms();
        md_http_run(h);
        if (md_mono_ms() - r0 > worst_run)
            worst_run = md_mono_ms() - r0;
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.out, "late\n");
    assert_true(g.at - t0 >= 2000 && g.at - t0 < 4000);
    assert_true(answered >= 20);
    print_message("      key answered %d times, worst poll %lld ms, worst run %lld ms\n", answered,
                  (long long)worst_poll, (long long)worst_run);
    assert_true(worst_poll < 50);
    assert_true(worst_run < 50);
    close(key[0]);
    close(key[1]);

    /* an idle wait ends when the child does, not at the caller's time-out */
    struct got g2 = {0};
    start_sh(h, "sleep 0.2", 0, 0, &g2);
    int64_t w0 = md_mono_ms();
    assert_int_equal(md_http_wait_all(h, 5000), MD_OK);
    assert_int_equal(g2.calls, 1);
    assert_true(md_mono_ms() - w0 < 1500);
}

/* Cancelling and freeing: no callback, the child killed and reaped. */
static void test_cancel_and_free(void **state)
{
    md_http *h = *state;
    struct got g = {0};
    uint64_t id = start_sh(h, "echo running; exec sleep 30", 0, 0, &g);
    int64_t end = md_mono_ms() + 200;
    while (md_mono_ms() < end) {
        md_http_poll(h, NULL, 0, 50);
        md_http_run(h);
    }
    int64_t c0 = md_mono_ms();
    md_proc_cancel(h, id);
    assert_true(md_mono_ms() - c0 < 150);
    assert_int_equal(md_http_pending(h), 0);
    md_http_run(h);
    assert_int_equal(g.calls, 0);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    md_proc_cancel(h, id); /* again: ignored */

    /* md_http_free() ends a running child the same way */
    md_http *h2 = NULL;
    assert_int_equal(md_http_new(&h2, NULL), MD_OK);
    struct got g2 = {0};
    start_sh(h2, "sleep 30", 0, 0, &g2);
    struct got g3 = {0};
    const char *argv[] = {"/nonexistent", NULL};
    struct md_proc_opts o = {.argv = argv};
    md_proc_start(h2, &o, on_done, &g3); /* its report still pending */
    c0 = md_mono_ms();
    md_http_free(h2);
    assert_true(md_mono_ms() - c0 < 150);
    assert_int_equal(g2.calls + g3.calls, 0);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* md_http's own additions: a watch, timers in order, a job counted as pending. */
struct tick {
    int fired;
    int64_t at;
    md_http *h;
    uint64_t other;
};

static void on_tick(void *ud)
{
    struct tick *t = ud;
    t->fired++;
    t->at = md_mono_ms();
    if (t->other)
        md_http_timer_cancel(t->h, t->other);
}

static void on_fd(int fd, short revents, void *ud)
{
    int *n = ud;
    char c;
    if ((revents & POLLIN) && read(fd, &c, 1) == 1)
        (*n)++;
}

static void on_job_drop(void *ud)
{
    int *n = ud;
    (*n)++;
}

static void test_http_loop_parts(void **state)
{
    md_http *h = *state;
    struct tick a = {0};
    struct tick b = {0};
    int64_t t0 = md_mono_ms();
    md_http_timer(h, 100, on_tick, &a);
    uint64_t bid = md_http_timer(h, 300, on_tick, &b);
    md_http_run(h);
    assert_int_equal(a.fired, 0);
    /* an idle poll wakes for the timer */
    md_http_poll(h, NULL, 0, 5000);
    md_http_run(h);
    assert_int_equal(a.fired, 1);
    assert_true(a.at - t0 >= 100 && a.at - t0 < 1000);
    md_http_timer_cancel(h, bid);
    md_http_poll(h, NULL, 0, 400);
    md_http_run(h);
    assert_int_equal(b.fired, 0);

    /* a timer that cancels another due in the same pass */
    struct tick c = {.h = h};
    struct tick d = {0};
    md_http_timer(h, 0, on_tick, &c);
    c.other = md_http_timer(h, 0, on_tick, &d);
    md_http_run(h);
    assert_int_equal(c.fired + d.fired, 1);

    int p[2];
    assert_int_equal(pipe(p), 0);
    int n = 0;
    uint64_t w = md_http_watch_fd(h, p[0], POLLIN, on_fd, &n);
    md_http_run(h);
    assert_int_equal(n, 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    int64_t p0 = md_mono_ms();
    md_http_poll(h, NULL, 0, 5000); /* woken by the watched pipe */
    assert_true(md_mono_ms() - p0 < 1000);
    md_http_run(h);
    assert_int_equal(n, 1);
    md_http_unwatch_fd(h, w);
    assert_int_equal(write(p[1], "x", 1), 1);
    md_http_run(h);
    assert_int_equal(n, 1);
    close(p[0]);
    close(p[1]);

    static int drops; /* the last job is dropped in teardown, after this frame is gone */
    drops = 0;
    uint64_t j = md_http_attach(h, "job", on_job_drop, &drops);
    assert_int_equal(md_http_pending(h), 1);
    assert_int_equal(md_http_wait_all(h, 50), MD_ERR_TIMEOUT);
    md_http_detach(h, j);
    assert_int_equal(md_http_pending(h), 0);
    assert_int_equal(drops, 0);
    j = md_http_attach(h, "job", on_job_drop, &drops);
    md_http_cancel(h, j);
    assert_int_equal(drops, 1);
    md_http_attach(h, "job", on_job_drop, &drops); /* ended by md_http_free() in teardown */
}

/* The blocking form, for threads off the loop. */
static void test_run_sync(void **state)
{
    (void)state;
    struct got g = {0};
    struct md_proc_opts o = {.shell_cmd = "echo sync", .tag = "sync"};
    assert_int_equal(md_proc_run(&o, on_done, &g), MD_OK);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.out, "sync\n");
    struct got g2 = {0};
    o = (struct md_proc_opts){.shell_cmd = "sleep 5", .timeout_ms = 200, .tag = "slow"};
    assert_int_equal(md_proc_run(&o, on_done, &g2), MD_ERR_TIMEOUT);
    assert_int_equal(g2.calls, 1);
    assert_int_equal(g2.end, MD_PROC_TIMED_OUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fails_with_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_over_the_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop_responsive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_loop_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_sync, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

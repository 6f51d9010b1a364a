/*
 * proc.c - child processes on the event loop (see proc.h for the contract).
 *
 * A child is an md_http job: pending until it reports, dropped by
 * md_http_cancel() and md_http_free(). Its two pipes are watched
 * descriptors with non-blocking read ends, its time-out and its reaping are
 * md_http timers, so every step runs from inside md_http_run() and none of
 * them waits. The life of a child:
 *
 *   running --EOF on both pipes--> reaping --waitpid says it ended--> report
 *      |  \--stdout over the cap--> killed --+
 *      \----time-out timer fires--> killed --+--> reaping
 *
 * Killing sends SIGKILL to the child's own process group (a shell's
 * children included) and closes the pipes, so nothing is left to read.
 * Reaping polls waitpid(WNOHANG) on a timer that backs off from 2 ms to
 * 50 ms: a child that closed its pipes is normally gone at the first try.
 */
#include "mldeck/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PROC_REAP_FIRST_MS 2
#define PROC_REAP_MAX_MS 50
/* How long a drop waits for a killed child before leaving it behind. */
#define PROC_DROP_WAIT_MS 100
#define PROC_CHUNK 4096

enum proc_state { PROC_RUNNING, PROC_KILLED, PROC_REAPING };

struct proc {
    md_http *h;
    uint64_t id; /* the md_http job */
    enum proc_state state;
    enum md_proc_end end; /* decided when killed; else by waitpid */
    pid_t pid;            /* -1 when it never started */
    int fd_out;
    int fd_err;
    uint64_t w_out;
    uint64_t w_err;
    uint64_t t_deadline;
    uint64_t t_reap;
    long reap_ms;
    int64_t start_ms;
    long timeout_ms;
    struct md_buf out;
    struct md_buf errb;
    size_t max_err;
    int wstatus;
    bool lost;
    char *tag;
    struct md_err start_err; /* MD_PROC_NOT_STARTED */
    int start_errno;
    md_proc_fn done;
    void *ud;
};

static void close_fd(md_http *h, int *fd, uint64_t *watch)
{
    if (*watch)
        md_http_unwatch_fd(h, *watch);
    *watch = 0;
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void wipe_buf(struct md_buf *b)
{
    if (b->data)
        explicit_bzero(b->data, b->alloc);
    md_buf_release(b);
}

/*
 * md_buf_add() for stdout, which may hold a secret: growing moves the bytes
 * to a new block and wipes the old one, where realloc() would leave a copy
 * in freed memory. MD_ERR_TOO_BIG past the cap.
 */
static md_status secret_add(struct md_buf *b, const char *s, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return MD_ERR_TOO_BIG;
    size_t need = b->len + n + 1;
    if (need > b->alloc) {
        size_t alloc = b->alloc ? b->alloc : PROC_CHUNK;
        while (alloc < need)
            alloc *= 2;
        if (alloc > b->cap + 1)
            alloc = b->cap + 1;
        char *grown = md_xmalloc(alloc);
        if (b->data) {
            memcpy(grown, b->data, b->len);
            explicit_bzero(b->data, b->alloc);
            free(b->data);
        }
        b->data = grown;
        b->alloc = alloc;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MD_OK;
}

/* Free everything; the job, watches and timers are already gone. */
static void proc_free(struct proc *p)
{
    wipe_buf(&p->out);
    wipe_buf(&p->errb);
    free(p->tag);
    free(p);
}

/* SIGKILL to the whole group, and to the pid should the group not be its own. */
static void kill_child(struct proc *p)
{
    if (p->pid <= 0)
        return;
    if (kill(-p->pid, SIGKILL) != 0)
        kill(p->pid, SIGKILL);
}

/* waitpid without waiting; true when the child has ended (or is not ours to reap). */
static bool try_reap(struct proc *p)
{
    if (p->pid <= 0)
        return true;
    for (;;) {
        pid_t w = waitpid(p->pid, &p->wstatus, WNOHANG);
        if (w == p->pid)
            return true;
        if (w == 0)
            return false;
        if (errno == EINTR)
            continue;
        p->lost = true; /* ECHILD: someone reaps children for us */
        return true;
    }
}

/* One line of text for messages: the first non-blank line of stderr, cleaned and clipped. */
static void first_line(const struct md_buf *b, char *buf, size_t n)
{
    const char *s = b->data ? b->data : "";
    size_t i = 0;
    while (i < b->len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    size_t j = i;
    while (j < b->len && s[j] != '\r' && s[j] != '\n' && s[j] != '\0')
        j++;
    snprintf(buf, n, "%.*s", (int)(j - i), s + i);
    md_sanitize(buf);
    md_clip_utf8(buf, 160);
}

/* Timers and pipes off the loop: nothing of the child reports any more. */
static void unwatch(struct proc *p)
{
    if (p->t_deadline)
        md_http_timer_cancel(p->h, p->t_deadline);
    if (p->t_reap)
        md_http_timer_cancel(p->h, p->t_reap);
    close_fd(p->h, &p->fd_out, &p->w_out);
    close_fd(p->h, &p->fd_err, &p->w_err);
}

/* Build the result, detach the job, call back once, wipe, free. */
static void report(struct proc *p)
{
    unwatch(p);
    struct md_proc_result res;
    memset(&res, 0, sizeof(res));
    res.end = p->end;
    if (p->pid <= 0) {
        res.end = MD_PROC_NOT_STARTED;
    } else if (p->state != PROC_KILLED) {
        if (p->lost)
            res.end = MD_PROC_LOST;
        else if (WIFSIGNALED(p->wstatus))
            res.end = MD_PROC_SIGNALED;
        else
            res.end = MD_PROC_EXITED;
    }
    res.exit_code = res.end == MD_PROC_EXITED ? WEXITSTATUS(p->wstatus) : 0;
    res.signal = res.end == MD_PROC_SIGNALED ? WTERMSIG(p->wstatus) : 0;
    res.out = p->out.data && res.end != MD_PROC_TOO_BIG ? p->out.data : "";
    res.out_len = p->out.data && res.end != MD_PROC_TOO_BIG ? p->out.len : 0;
    res.err_text = p->errb.data ? p->errb.data : "";
    res.err_len = p->errb.data ? p->errb.len : 0;
    res.elapsed_ms = md_mono_ms() - p->start_ms;
    char line[200];
    first_line(&p->errb, line, sizeof(line));
    const char *sep = line[0] ? ": " : "";
    switch (res.end) {
    case MD_PROC_EXITED:
        if (res.exit_code != 0)
            md_err_set(&res.err, MD_ERR_IO, "'%s' exited with status %d%s%s", p->tag, res.exit_code,
                       sep, line);
        break;
    case MD_PROC_SIGNALED:
        md_err_set(&res.err, MD_ERR_IO, "'%s' was killed by signal %d%s%s", p->tag, res.signal, sep,
                   line);
        break;
    case MD_PROC_TIMED_OUT:
        md_err_set(&res.err, MD_ERR_TIMEOUT, "'%s' did not finish within %ld s", p->tag,
                   (p->timeout_ms + 999) / 1000);
        break;
    case MD_PROC_TOO_BIG:
        md_err_set(&res.err, MD_ERR_TOO_BIG, "'%s' wrote more than %zu bytes", p->tag, p->out.cap);
        break;
    case MD_PROC_NOT_STARTED:
        res.err = p->start_err;
        res.sys_errno = p->start_errno;
        break;
    case MD_PROC_LOST:
        break;
    }
    res.status = res.err.code;
    md_log(MD_LOG_DEBUG, "proc '%s' (pid %ld) ended in %lld ms: %s", p->tag, (long)p->pid,
           (long long)res.elapsed_ms, res.status == MD_OK ? "ok" : res.err.msg);
    md_http_detach(p->h, p->id);
    if (p->done)
        p->done(&res, p->ud);
    proc_free(p);
}

static void on_reap_timer(void *ud);

/* Both pipes are closed (or the child was killed): wait for it without blocking. */
static void reap(struct proc *p)
{
    if (p->state == PROC_RUNNING)
        p->state = PROC_REAPING;
    if (try_reap(p)) {
        report(p);
        return;
    }
    p->reap_ms = p->reap_ms ? p->reap_ms * 2 : PROC_REAP_FIRST_MS;
    if (p->reap_ms > PROC_REAP_MAX_MS)
        p->reap_ms = PROC_REAP_MAX_MS;
    p->t_reap = md_http_timer(p->h, p->reap_ms, on_reap_timer, p);
}

static void on_reap_timer(void *ud)
{
    struct proc *p = ud;
    p->t_reap = 0;
    reap(p);
}

/* Stop reading, kill the group, and reap: `why` becomes the end. */
static void kill_and_reap(struct proc *p, enum md_proc_end why)
{
    if (p->state == PROC_KILLED)
        return;
    p->state = PROC_KILLED;
    p->end = why;
    close_fd(p->h, &p->fd_out, &p->w_out);
    close_fd(p->h, &p->fd_err, &p->w_err);
    if (p->t_deadline)
        md_http_timer_cancel(p->h, p->t_deadline);
    p->t_deadline = 0;
    kill_child(p);
    reap(p);
}

static void on_deadline(void *ud)
{
    struct proc *p = ud;
    p->t_deadline = 0;
    md_log(MD_LOG_WARN, "proc '%s' (pid %ld) ran past %ld ms: killed", p->tag, (long)p->pid,
           p->timeout_ms);
    kill_and_reap(p, MD_PROC_TIMED_OUT);
}

/*
 * Read what is there (the read ends do not block). stdout goes into the
 * capped buffer, stderr's first max_err bytes are kept; end of file closes
 * the pipe, and once both are closed the child is reaped.
 */
static void on_readable(int fd, short revents, void *ud)
{
    (void)revents;
    struct proc *p = ud;
    bool is_out = fd == p->fd_out;
    char chunk[PROC_CHUNK];
    bool eof = false;
    bool too_big = false;
    for (int i = 0; i < 16 && !eof && !too_big; i++) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            eof = true;
            break;
        }
        if (is_out) {
            too_big = secret_add(&p->out, chunk, (size_t)n) != MD_OK;
        } else if (p->errb.len < p->max_err) {
            size_t room = p->max_err - p->errb.len;
            md_buf_add(&p->errb, chunk, (size_t)n < room ? (size_t)n : room);
        }
    }
    explicit_bzero(chunk, sizeof(chunk));
    if (too_big) {
        kill_and_reap(p, MD_PROC_TOO_BIG);
        return;
    }
    if (!eof)
        return;
    if (is_out)
        close_fd(p->h, &p->fd_out, &p->w_out);
    else
        close_fd(p->h, &p->fd_err, &p->w_err);
    if (p->fd_out < 0 && p->fd_err < 0)
        reap(p);
}

/* md_http_cancel() or md_http_free(): kill, reap for a moment at most, forget. */
static void on_drop(void *ud)
{
    struct proc *p = ud;
    unwatch(p);
    if (p->pid > 0) {
        kill_child(p);
        int64_t until = md_mono_ms() + PROC_DROP_WAIT_MS;
        while (!try_reap(p) && md_mono_ms() < until) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        md_log(MD_LOG_DEBUG, "proc '%s' (pid %ld) cancelled", p->tag, (long)p->pid);
    }
    proc_free(p);
}

/* The spawn itself: pipes, file actions, attributes. Returns 0 or an errno value. */
static int spawn(struct proc *p, const struct md_proc_opts *o, const char **what)
{
    int po[2] = {-1, -1};
    int pe[2] = {-1, -1};
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (po[i] >= 0)
                close(po[i]);
            if (pe[i] >= 0)
                close(pe[i]);
        }
        *what = "cannot create a pipe: ";
        return e;
    }
    /* only our ends: the child's stdout must block like any other */
    fcntl(po[0], F_SETFL, fcntl(po[0], F_GETFL) | O_NONBLOCK);
    fcntl(pe[0], F_SETFL, fcntl(pe[0], F_GETFL) | O_NONBLOCK);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);

    int rc;
    if (o->shell_cmd) {
        char sh[] = "sh";
        char dash_c[] = "-c";
        char *cmd = md_xstrdup(o->shell_cmd);
        char *argv[] = {sh, dash_c, cmd, NULL};
        rc = posix_spawn(&p->pid, "/bin/sh", &fa, &at, argv, environ);
        explicit_bzero(cmd, strlen(cmd));
        free(cmd);
    } else {
        /* posix_spawn takes char *const[]: the strings are not written to */
        char *const *argv = (char *const *)(uintptr_t)o->argv;
        const char *file = o->path ? o->path : o->argv[0];
        if (strchr(file, '/'))
            rc = posix_spawn(&p->pid, file, &fa, &at, argv, environ);
        else
            rc = posix_spawnp(&p->pid, file, &fa, &at, argv, environ);
    }
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        p->pid = -1;
        close(po[0]);
        close(pe[0]);
        return rc;
    }
    p->fd_out = po[0];
    p->fd_err = pe[0];
    return 0;
}

/* A child that could not start still reports from md_http_run(). */
static void on_not_started(void *ud)
{
    struct proc *p = ud;
    p->t_deadline = 0;
    report(p);
}

uint64_t md_proc_start(md_http *h, const struct md_proc_opts *o, md_proc_fn done, void *ud)
{
    struct proc *p = md_xcalloc(1, sizeof(*p));
    p->h = h;
    p->pid = -1;
    p->fd_out = p->fd_err = -1;
    p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : MD_PROC_TIMEOUT_MS;
    p->max_err = o->max_err ? o->max_err : MD_PROC_MAX_ERR;
    md_buf_init(&p->out, o->max_out ? o->max_out : MD_PROC_MAX_OUT);
    md_buf_init(&p->errb, p->max_err + 1);
    p->tag = md_xstrdup(o->tag && o->tag[0]     ? o->tag
                        : o->shell_cmd          ? "sh -c"
                        : o->argv && o->argv[0] ? o->argv[0]
                                                : "?");
    md_sanitize(p->tag);
    p->done = done;
    p->ud = ud;
    p->start_ms = md_mono_ms();
    p->id = md_http_attach(h, p->tag, on_drop, p);

    const char *what = "";
    int e = !o->shell_cmd && (!o->argv || !o->argv[0]) ? EINVAL : spawn(p, o, &what);
    if (e != 0) {
        p->start_errno = e;
        md_err_set(&p->start_err, MD_ERR_IO, "cannot run '%s': %s%s", p->tag, what, strerror(e));
        md_log(MD_LOG_WARN, "proc: %s", p->start_err.msg);
        /* kept as the deadline so that a drop before it fires cancels it */
        p->t_deadline = md_http_timer(h, 0, on_not_started, p);
        return p->id;
    }
    md_log(MD_LOG_DEBUG, "proc '%s' started (pid %ld)", p->tag, (long)p->pid);
    p->w_out = md_http_watch_fd(h, p->fd_out, POLLIN, on_readable, p);
    p->w_err = md_http_watch_fd(h, p->fd_err, POLLIN, on_readable, p);
    p->t_deadline = md_http_timer(h, p->timeout_ms, on_deadline, p);
    return p->id;
}

void md_proc_cancel(md_http *h, uint64_t id)
{
    md_http_cancel(h, id);
}

struct run_sync {
    md_proc_fn done;
    void *ud;
    md_status st;
    bool called;
};

static void on_sync_done(const struct md_proc_result *res, void *ud)
{
    struct run_sync *r = ud;
    r->called = true;
    r->st = res->status;
    r->done(res, r->ud);
}

md_status md_proc_run(const struct md_proc_opts *opts, md_proc_fn done, void *ud)
{
    md_http *h = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_http_new(&h, &err) != MD_OK) {
        struct md_proc_result res = {.end = MD_PROC_NOT_STARTED, .out = "", .err_text = ""};
        md_err_set(&res.err, MD_ERR_IO, "cannot run '%s': %s", opts->tag ? opts->tag : "?",
                   err.msg);
        res.status = res.err.code;
        done(&res, ud);
        return res.status;
    }
    struct run_sync r = {.done = done, .ud = ud};
    md_proc_start(h, opts, on_sync_done, &r);
    /* the child's own time-out ends the wait; the margin only guards against a stuck reap */
    long limit = (opts->timeout_ms > 0 ? opts->timeout_ms : MD_PROC_TIMEOUT_MS) + 5000;
    md_http_wait_all(h, (int)limit);
    md_http_free(h); /* drops a child that somehow outlived the wait, without a report */
    if (!r.called) {
        struct md_proc_result res = {.end = MD_PROC_TIMED_OUT, .out = "", .err_text = ""};
        md_err_set(&res.err, MD_ERR_TIMEOUT, "'%s' did not finish", opts->tag ? opts->tag : "?");
        res.status = res.err.code;
        done(&res, ud);
        return res.status;
    }
    return r.st;
}

/*
 * proc.h - child processes that run beside the event loop without blocking
 * it: the Azure CLI (`az account get-access-token`) and AWS
 * credential_process helpers, which may take seconds.
 *
 * A child is started on an md_http (mldeck/http.h) and joins its loop: its
 * pipes are watched by md_http_poll(), its time-out is an md_http timer,
 * and it counts as pending (md_http_pending(), md_http_wait_all()) until it
 * reports. It reports once, through its callback, from inside
 * md_http_run(), never from md_proc_start(): a child that cannot even be
 * started reports too, so callers have one path for every outcome.
 *
 * How a child runs:
 *  - argv without a shell (the program found on PATH unless it names a
 *    path), or `/bin/sh -c CMD` when a shell command is given;
 *  - stdin from /dev/null; stdout captured up to a cap (past it the child
 *    is killed and the outcome is MD_PROC_TOO_BIG); the first bytes of
 *    stderr kept for a message, the rest read and dropped;
 *  - in a process group of its own, so that on time-out, cancel or
 *    md_http_free() SIGKILL reaches what a shell started too;
 *  - no descriptor of the parent but the three standard ones (every
 *    descriptor mldeck opens is close-on-exec), signals at their defaults;
 *  - reaped without a SIGCHLD handler: when both pipes reach end of file,
 *    waitpid(WNOHANG), then again on a short timer until it has exited.
 *
 * stdout often carries a secret (a token, AWS keys): it is wiped with
 * explicit_bzero() as soon as the callback returns, and never logged. Only
 * the tag (a label without arguments) reaches the log.
 */
#ifndef MLDECK_PROC_H
#define MLDECK_PROC_H

#include "mldeck/http.h"

/* Defaults for the zero values of struct md_proc_opts. */
#define MD_PROC_TIMEOUT_MS 30000L
#define MD_PROC_MAX_OUT ((size_t)1 << 20)
#define MD_PROC_MAX_ERR ((size_t)4 << 10)

/* What to run; borrowed for md_proc_start(), which copies what it keeps. */
struct md_proc_opts {
    /*
     * Program and arguments, NULL-terminated; argv[0] is looked up on PATH
     * unless it holds a '/' or `path` is set. Ignored with shell_cmd.
     */
    const char *const *argv;
    const char *path;      /* the file to execute instead of argv[0]'s lookup; NULL */
    const char *shell_cmd; /* run `/bin/sh -c shell_cmd` instead of argv; NULL */
    long timeout_ms;       /* killed after this long; 0: MD_PROC_TIMEOUT_MS */
    size_t max_out;        /* stdout cap in bytes; 0: MD_PROC_MAX_OUT */
    size_t max_err;        /* stderr bytes kept; 0: MD_PROC_MAX_ERR */
    const char *tag;       /* log label ("az account get-access-token"); never a secret */
};

/* How a child ended. */
enum md_proc_end {
    MD_PROC_EXITED = 0,  /* exit_code holds its status */
    MD_PROC_SIGNALED,    /* killed by signal `signal` (not by us) */
    MD_PROC_TIMED_OUT,   /* still running after timeout_ms: killed */
    MD_PROC_TOO_BIG,     /* wrote more than max_out to stdout: killed */
    MD_PROC_NOT_STARTED, /* fork/exec failed: err says why */
    MD_PROC_LOST,        /* ended, but another part of the process reaped it (SIGCHLD ignored) */
};

/*
 * The outcome, lent to the callback only: `out` is wiped when it returns.
 * status is MD_OK for an exit status of 0 (and for MD_PROC_LOST, when only
 * the output can tell), MD_ERR_TIMEOUT, MD_ERR_TOO_BIG, or MD_ERR_IO for
 * every other end; err then holds a message naming the tag ("'az account
 * get-access-token' exited with status 1: ERROR: ..."); callers usually
 * build their own from the fields.
 */
struct md_proc_result {
    enum md_proc_end end;
    int exit_code; /* MD_PROC_EXITED */
    int signal;    /* MD_PROC_SIGNALED */
    int sys_errno; /* MD_PROC_NOT_STARTED: why, as an errno value */
    md_status status;
    struct md_err err;
    const char *out; /* stdout, NUL-terminated (no NUL inside is guaranteed); "" when none */
    size_t out_len;
    const char *err_text; /* the first max_err bytes of stderr, NUL-terminated; "" when none */
    size_t err_len;
    int64_t elapsed_ms;
};

typedef void (*md_proc_fn)(const struct md_proc_result *res, void *ud);

/*
 * Start a child on h and return its id (an md_http job id, never 0). done
 * is called once from inside md_http_run(); md_proc_cancel() or
 * md_http_free() before that kill the child and drop it without a call.
 */
uint64_t md_proc_start(md_http *h, const struct md_proc_opts *opts, md_proc_fn done, void *ud);
/*
 * Kill a running child (SIGKILL to its group), reap it and forget it
 * without calling back. Unknown or finished ids are ignored. Reaping a
 * killed child takes microseconds; one that the kernel keeps (stuck in
 * uninterruptible I/O) is waited for at most 100 ms, then left behind.
 */
void md_proc_cancel(md_http *h, uint64_t id);

/*
 * Run a child to its end on a private md_http, blocking the caller: for
 * threads off the event loop (the drift worker's S3 client) and for
 * callers that chose to wait. done is called once before this returns
 * (with MD_PROC_NOT_STARTED when no md_http could be made). Returns the
 * result's status.
 */
md_status md_proc_run(const struct md_proc_opts *opts, md_proc_fn done, void *ud);

#endif

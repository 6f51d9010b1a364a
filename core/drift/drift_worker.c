/*
 * drift_worker.c - a drift job on its own thread, for the TUI's event loop.
 *
 * The start function deep-copies the options, so the caller's config may
 * change or go away while the job runs. The worker thread owns the copy, its
 * own store connection and the md_drift_run being filled; the starting
 * thread sees only atomics (progress, finished) and the wake-up pipe until
 * it joins in md_drift_worker_collect(), after which everything is its own.
 * Nothing here logs. A job with s3:// inputs makes its own S3 client on the
 * worker thread (its own md_http, never the console's); that HTTP layer's
 * debug lines reach md_log() from this thread, and the front ends' sinks
 * write each line with one stdio call, which is thread-safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mldeck/config.h"
#include "mldeck/drift.h"
#include "mldeck/store.h"

enum worker_phase { PHASE_STARTING = 0, PHASE_REFERENCE, PHASE_CURRENT, PHASE_DONE };

static const char *const phase_names[] = {"starting", "reference", "current", "done"};

struct md_drift_worker {
    pthread_t thread;
    bool joined;
    bool collected;
    int pipe_rd, pipe_wr;
    /* Owned copies of everything o points to (see opts_copy). */
    struct md_drift_opts o;
    char *state_path;
    char **strs; /* every string copied, freed together */
    size_t n_strs;
    const char **lists; /* the string arrays, one block */
    struct md_drift_threshold *thr;
    /* Written by the worker thread, read by the main thread. */
    volatile int cancel;
    _Atomic int phase;
    _Atomic uint64_t done, total;
    atomic_bool saw_reference;
    atomic_bool finished;
    int64_t last_wake_ms; /* worker thread only */
    /* The worker's result; the main thread reads it only after joining. */
    struct md_drift_run run;
    md_status status;
    struct md_err err;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One byte into the pipe; a full pipe already wakes the reader, so EAGAIN is fine. */
static void wake(struct md_drift_worker *w)
{
    char b = 1;
    ssize_t r;
    do
        r = write(w->pipe_wr, &b, 1);
    while (r < 0 && errno == EINTR);
}

/* The engine's progress hook, on the worker thread: rate-limited wake-ups. */
static void on_progress(void *ud, const char *phase, uint64_t done, uint64_t total)
{
    struct md_drift_worker *w = ud;
    int ph = phase && !strcmp(phase, "reference") ? PHASE_REFERENCE : PHASE_CURRENT;
    int old = atomic_exchange(&w->phase, ph);
    if (ph == PHASE_REFERENCE)
        atomic_store(&w->saw_reference, true);
    atomic_store(&w->done, done);
    atomic_store(&w->total, total);
    int64_t now = mono_ms();
    if (old != ph || now - w->last_wake_ms >= 50) {
        w->last_wake_ms = now;
        wake(w);
    }
}

static void *worker_main(void *arg)
{
    struct md_drift_worker *w = arg;
    md_store *store = NULL;
    w->status = MD_OK;
    if (w->state_path)
        w->status = md_store_open(&store, w->state_path, &w->err);
    if (!w->status) {
        w->o.store = store;
        w->status = md_drift_run(&w->o, &w->run, &w->err);
    }
    md_store_free(store);
    atomic_store(&w->phase, PHASE_DONE);
    atomic_store(&w->finished, true); /* seq_cst: run and status are visible after this */
    wake(w);
    return NULL;
}

/* A copy the worker owns, remembered for freeing; NULL stays NULL. */
static const char *keep(struct md_drift_worker *w, const char *s)
{
    if (!s)
        return NULL;
    w->strs = md_xrealloc(w->strs, (w->n_strs + 1) * sizeof(*w->strs));
    return w->strs[w->n_strs++] = md_xstrdup(s);
}

/* Copy n strings into the next n slots of w->lists. */
static const char *const *keep_list(struct md_drift_worker *w, const char *const *v, size_t n,
                                    size_t *used)
{
    if (!v)
        return NULL;
    const char **dst = w->lists + *used;
    for (size_t i = 0; i < n; i++)
        dst[i] = keep(w, v[i]);
    *used += n;
    return dst;
}

/* Deep copy of the options; the hooks are the worker's own. */
static void opts_copy(struct md_drift_worker *w, const struct md_drift_opts *o)
{
    w->o = *o;
    w->o.job = keep(w, o->job);
    w->o.reference = keep(w, o->reference);
    w->o.prediction = keep(w, o->prediction);
    w->o.time_column = keep(w, o->time_column);
    w->o.violations = keep(w, o->violations);
    w->o.aws_profile = keep(w, o->aws_profile);
    w->o.aws_region = keep(w, o->aws_region);
    w->o.s3_endpoint_url = keep(w, o->s3_endpoint_url);
    size_t total =
        o->n_current + o->n_features + o->n_categorical + o->n_numeric + o->n_capture_columns;
    size_t used = 0;
    w->lists = md_xcalloc(total ? total : 1, sizeof(*w->lists));
    w->o.current = keep_list(w, o->current, o->n_current, &used);
    w->o.features = keep_list(w, o->features, o->n_features, &used);
    w->o.categorical = keep_list(w, o->categorical, o->n_categorical, &used);
    w->o.numeric = keep_list(w, o->numeric, o->n_numeric, &used);
    w->o.capture_columns = keep_list(w, o->capture_columns, o->n_capture_columns, &used);
    if (o->thresholds && o->n_thresholds) {
        w->thr = md_xcalloc(o->n_thresholds, sizeof(*w->thr));
        memcpy(w->thr, o->thresholds, o->n_thresholds * sizeof(*w->thr));
    }
    w->o.thresholds = w->thr;
    w->o.store = NULL;
    w->o.cancel = &w->cancel;
    w->o.progress = on_progress;
    w->o.progress_ud = w;
}

/* Everything but the thread; the caller made sure it is joined or never started. */
static void worker_release(struct md_drift_worker *w)
{
    if (w->pipe_rd >= 0)
        close(w->pipe_rd);
    if (w->pipe_wr >= 0)
        close(w->pipe_wr);
    for (size_t i = 0; i < w->n_strs; i++)
        free(w->strs[i]);
    free(w->strs);
    free(w->lists);
    free(w->thr);
    free(w->state_path);
    if (!w->collected)
        md_drift_run_release(&w->run);
    free(w);
}

md_status md_drift_worker_start(md_drift_worker **out, const struct md_drift_opts *o,
                                const char *state_path, struct md_err *err)
{
    *out = NULL;
    struct md_drift_worker *w = md_xcalloc(1, sizeof(*w));
    w->pipe_rd = w->pipe_wr = -1;
    atomic_init(&w->phase, PHASE_STARTING);
    atomic_init(&w->done, 0);
    atomic_init(&w->total, 0);
    atomic_init(&w->saw_reference, false);
    atomic_init(&w->finished, false);
    w->err = (struct md_err)MD_ERR_INIT;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        md_err_set(err, MD_ERR_IO, "cannot start drift job '%s': pipe: %s",
                   o->job ? o->job : "default", strerror(errno));
        worker_release(w);
        return MD_ERR_IO;
    }
    w->pipe_rd = fds[0];
    w->pipe_wr = fds[1];
    opts_copy(w, o);
    w->state_path = state_path ? md_xstrdup(state_path) : NULL;
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc) {
        md_err_set(err, MD_ERR_IO, "cannot start drift job '%s': thread: %s",
                   o->job ? o->job : "default", strerror(rc));
        w->collected = true; /* the run was never filled */
        worker_release(w);
        return MD_ERR_IO;
    }
    *out = w;
    return MD_OK;
}

/* A configured string, or NULL for "unset" (the config gives "" for absent keys). */
static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

md_status md_drift_worker_start_job(md_drift_worker **out, const struct md_drift_job_conf *job,
                                    const char *state_path, struct md_err *err)
{
    *out = NULL;
    struct md_drift_opts o = {0};
    struct md_drift_threshold *thr =
        md_xcalloc(job->n_thresholds ? job->n_thresholds : 1, sizeof(*thr));
    for (size_t i = 0; i < job->n_thresholds; i++) {
        md_status st = md_drift_threshold_parse(job->thresholds[i], &thr[i], err);
        if (st) {
            free(thr);
            return st;
        }
    }
    const char *cur[1] = {job->current};
    o.job = job->name;
    o.reference = job->reference;
    o.current = cur;
    o.n_current = 1;
    o.features = job->n_features ? (const char *const *)job->features : NULL;
    o.n_features = job->n_features;
    o.categorical = (const char *const *)job->categorical;
    o.n_categorical = job->n_categorical;
    o.numeric = (const char *const *)job->numeric;
    o.n_numeric = job->n_numeric;
    o.methods = job->methods;
    o.prediction = job->prediction && job->prediction[0] ? job->prediction : NULL;
    o.time_column = job->time_column && job->time_column[0] ? job->time_column : NULL;
    o.format = (enum md_drift_format)job->format;
    o.window_ms = (int64_t)job->window_s * 1000;
    o.smoothing = (enum md_drift_smoothing)job->smoothing;
    o.thresholds = thr;
    o.n_thresholds = job->n_thresholds;
    o.violations = nonempty(job->violations);
    o.aws_profile = nonempty(job->aws_profile);
    o.aws_region = nonempty(job->aws_region);
    o.s3_endpoint_url = nonempty(job->s3_endpoint_url);
    md_status st = md_drift_worker_start(out, &o, state_path, err);
    free(thr);
    return st;
}

int md_drift_worker_fd(const md_drift_worker *w)
{
    return w->pipe_rd;
}

bool md_drift_worker_poll(md_drift_worker *w, struct md_drift_progress *p)
{
    char buf[256];
    while (read(w->pipe_rd, buf, sizeof(buf)) > 0)
        ;
    bool fin = atomic_load(&w->finished);
    if (p) {
        int ph = atomic_load(&w->phase);
        p->phase = phase_names[ph];
        p->done = atomic_load(&w->done);
        p->total = atomic_load(&w->total);
        p->finished = fin;
        double f = p->total ? (double)p->done / (double)p->total : 0;
        f = f > 1 ? 1 : f;
        /* Reading the reference is about half the work; a stored one costs nothing. */
        bool two = atomic_load(&w->saw_reference);
        p->fraction = ph == PHASE_DONE        ? 1
                      : ph == PHASE_REFERENCE ? 0.5 * f
                      : ph == PHASE_CURRENT   ? (two ? 0.5 + 0.5 * f : f)
                                              : 0;
    }
    return fin;
}

void md_drift_worker_cancel(md_drift_worker *w)
{
    /* The engine reads a plain volatile int; an atomic store keeps the writer side defined. */
    __atomic_store_n(&w->cancel, 1, __ATOMIC_RELAXED);
}

/* Join once. */
static void worker_join(struct md_drift_worker *w)
{
    if (!w->joined) {
        pthread_join(w->thread, NULL);
        w->joined = true;
    }
}

md_status md_drift_worker_collect(md_drift_worker *w, struct md_drift_run *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    if (w->collected)
        return md_err_set(err, MD_ERR_INVALID, "drift job '%s' already collected",
                          w->o.job ? w->o.job : "default");
    worker_join(w);
    *out = w->run;
    memset(&w->run, 0, sizeof(w->run));
    w->collected = true;
    if (w->status)
        md_err_set(err, w->status, "%s", w->err.msg[0] ? w->err.msg : md_status_str(w->status));
    return w->status;
}

void md_drift_worker_free(md_drift_worker *w)
{
    if (!w)
        return;
    md_drift_worker_cancel(w);
    worker_join(w);
    worker_release(w);
}

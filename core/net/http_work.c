/*
 * http_work.c - CPU work off the loop thread (md_http_work(), http.h): one
 * worker thread per md_http, started on first use, runs the items in the
 * order they were queued; each finished item is handed back to the loop
 * through a pipe the handle watches, so its `done` runs from md_http_run()
 * like every other report.
 *
 * Each item is also a job on the handle's list (md_http_attach), which is
 * what makes it pending for md_http_wait_all() and cancellable by id. A
 * cancel meets the item in one of three places, all under the mutex:
 * queued (taken out, dropped at once), running (marked; dropped when the
 * worker hands it back, since work() still holds ud) or finished and not
 * yet delivered (taken out, dropped at once). The worker only ever touches
 * the queue, the finished list and the item it runs; everything else is
 * the loop thread's.
 */
#include "mldeck/http.h"
#include "http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum item_state { ITEM_QUEUED, ITEM_RUNNING, ITEM_FINISHED };

struct work_item {
    struct work_item *next;
    uint64_t job_id;
    enum item_state state; /* under the mutex */
    bool cancelled;        /* under the mutex: dropped when the worker hands it back */
    md_http_work_fn work;
    md_http_timer_fn done;
    md_http_drop_fn drop;
    void *ud;
    struct http_work *w;
};

struct http_work {
    md_http *h;
    pthread_t thread;
    bool thread_ok; /* false: pthread_create failed, items run inline */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct work_item *queue, *queue_tail;
    struct work_item *finished, *finished_tail;
    int rd, wr;
    uint64_t watch;
};

static void fifo_push(struct work_item **head, struct work_item **tail, struct work_item *it)
{
    it->next = NULL;
    if (*tail)
        (*tail)->next = it;
    else
        *head = it;
    *tail = it;
}

/* Take `it` out of a FIFO; false when it is not there. */
static bool fifo_remove(struct work_item **head, struct work_item **tail, struct work_item *it)
{
    struct work_item *prev = NULL;
    for (struct work_item *p = *head; p; prev = p, p = p->next) {
        if (p != it)
            continue;
        if (prev)
            prev->next = p->next;
        else
            *head = p->next;
        if (*tail == p)
            *tail = prev;
        p->next = NULL;
        return true;
    }
    return false;
}

/* One byte wakes md_http_poll(); a full pipe already does, so EAGAIN is fine. */
static void wake(struct http_work *w)
{
    char b = 1;
    ssize_t r;
    do
        r = write(w->wr, &b, 1);
    while (r < 0 && errno == EINTR);
}

static void finished_push(struct http_work *w, struct work_item *it)
{
    it->state = ITEM_FINISHED;
    fifo_push(&w->finished, &w->finished_tail, it);
}

static void *worker_main(void *arg)
{
    struct http_work *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && !w->queue)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop)
            break;
        struct work_item *it = w->queue;
        w->queue = it->next;
        if (!w->queue)
            w->queue_tail = NULL;
        it->state = ITEM_RUNNING;
        pthread_mutex_unlock(&w->mu);
        it->work(it->ud);
        pthread_mutex_lock(&w->mu);
        finished_push(w, it);
        wake(w);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* The loop's side of the pipe: deliver what is finished, in the order it finished. */
static void on_wake(int fd, short revents, void *ud)
{
    (void)revents;
    struct http_work *w = ud;
    char buf[64];
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        struct work_item *it = w->finished;
        if (it) {
            w->finished = it->next;
            if (!w->finished)
                w->finished_tail = NULL;
        }
        pthread_mutex_unlock(&w->mu);
        if (!it)
            return;
        if (it->cancelled) {
            it->drop(it->ud);
        } else {
            md_http_detach(w->h, it->job_id);
            it->done(it->ud);
        }
        free(it);
    }
}

/* md_http_cancel() or md_http_free() of the item's job, on the loop thread. */
static void on_job_drop(void *ud)
{
    struct work_item *it = ud;
    struct http_work *w = it->w;
    pthread_mutex_lock(&w->mu);
    bool now = false;
    if (it->state == ITEM_QUEUED)
        now = fifo_remove(&w->queue, &w->queue_tail, it);
    else if (it->state == ITEM_FINISHED)
        now = fifo_remove(&w->finished, &w->finished_tail, it);
    if (!now)
        it->cancelled = true; /* running: the worker still holds ud */
    pthread_mutex_unlock(&w->mu);
    if (now) {
        it->drop(it->ud);
        free(it);
    }
}

static struct http_work *work_start(md_http *h)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return NULL;
    struct http_work *w = md_xcalloc(1, sizeof(*w));
    w->h = h;
    w->rd = p[0];
    w->wr = p[1];
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->watch = md_http_watch_fd(h, w->rd, POLLIN, on_wake, w);
    w->thread_ok = pthread_create(&w->thread, NULL, worker_main, w) == 0;
    if (!w->thread_ok)
        md_log(MD_LOG_WARN, "http: no worker thread (%s): parsing on the loop thread",
               strerror(errno));
    return w;
}

uint64_t md_http_work(md_http *h, const char *tag, md_http_work_fn work, md_http_timer_fn done,
                      md_http_drop_fn drop, void *ud)
{
    struct http_work **wp = http_work_slot(h);
    if (!*wp)
        *wp = work_start(h);
    struct http_work *w = *wp;
    if (!w) { /* no pipe (out of descriptors): work now, still report from md_http_run() */
        work(ud);
        return md_http_timer(h, 0, done, ud);
    }
    struct work_item *it = md_xcalloc(1, sizeof(*it));
    *it = (struct work_item){.work = work, .done = done, .drop = drop, .ud = ud, .w = w};
    it->job_id = md_http_attach(h, tag, on_job_drop, it);
    pthread_mutex_lock(&w->mu);
    if (w->thread_ok) {
        fifo_push(&w->queue, &w->queue_tail, it);
        pthread_cond_signal(&w->cv);
    } else {
        it->state = ITEM_RUNNING;
    }
    pthread_mutex_unlock(&w->mu);
    if (!w->thread_ok) {
        work(ud);
        pthread_mutex_lock(&w->mu);
        finished_push(w, it);
        pthread_mutex_unlock(&w->mu);
        wake(w);
    }
    return it->job_id;
}

/*
 * At md_http_free(), after every job was cancelled: stop and join the
 * worker, then drop what it handed back meanwhile (the item it was running).
 */
void http_work_free(md_http *h, struct http_work *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->thread_ok)
        pthread_join(w->thread, NULL);
    while (w->finished) {
        struct work_item *it = w->finished;
        w->finished = it->next;
        it->drop(it->ud); /* every job was cancelled: none is delivered now */
        free(it);
    }
    md_http_unwatch_fd(h, w->watch);
    close(w->rd);
    close(w->wr);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

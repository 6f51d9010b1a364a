/*
 * logtail.c - an endpoint's logs, fetched and followed (logtail.h).
 *
 * A fetch is one backend call: filter_logs (timed events) when the backend
 * has it, else get_logs (a tail of text). Its reply lands in a small
 * request record, so a logtail freed while a fetch is in flight only
 * detaches it; a deck freed first tells us through its hook's release.
 * Following rides on a deck hook: its due time is the next fetch.
 */
#include "mldeck/logtail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/backend.h"

#define INTERVAL_MS 2000
#define MAX_LINES 5000
#define AZURE_TAIL 200
/* Events can reach CloudWatch a little after later ones: each follow looks this far back. */
#define LOOKBACK_MS 10000
/* After failed reads a follow waits longer, up to this (CloudWatch throttles FilterLogEvents). */
#define MAX_BACKOFF_MS 30000

struct line {
    int64_t at_ms;
    char *source;
    char *text;
};

struct seen {
    int64_t at_ms;
    char *id;
};

struct req {
    md_logtail *t; /* NULL once the logtail is gone */
};

struct md_logtail {
    md_deck *d; /* NULL once the deck is gone */
    size_t bi;
    char *endpoint;
    char *deployment;
    char *filter;
    bool follow;
    int interval_ms;
    size_t max_lines;
    bool timed; /* filter_logs */
    enum md_log_container container;
    int64_t since_ms;
    struct line *lines;
    size_t n, cap;
    uint64_t added;
    struct seen *seen; /* events held from the lookback window, for dedupe */
    size_t n_seen;
    int64_t newest_ms;
    char **tail; /* Azure ML: the previous tail's lines */
    size_t n_tail;
    struct req *req;
    int64_t next_ms; /* md_mono_ms() of the next follow fetch */
    bool answered;
    bool truncated;
    int failures; /* failed reads in a row */
    char error[256];
};

static void start(md_logtail *t);

static int64_t hook_due(void *ud)
{
    md_logtail *t = ud;
    return t->follow && t->req == NULL ? (t->next_ms > 0 ? t->next_ms : 1) : 0;
}

static void hook_tick(void *ud)
{
    md_logtail *t = ud;
    if (t->follow && t->req == NULL && md_mono_ms() >= t->next_ms)
        start(t);
}

/* The deck's requests are dropped with it: the reply will never come. */
static void hook_release(void *ud)
{
    md_logtail *t = ud;
    free(t->req);
    t->req = NULL;
    t->d = NULL;
}

static const struct md_deck_hook hook = {
    .due = hook_due, .tick = hook_tick, .release = hook_release};

static void drop_oldest(md_logtail *t)
{
    size_t drop = t->max_lines / 10 ? t->max_lines / 10 : 1;
    if (drop > t->n)
        drop = t->n;
    for (size_t i = 0; i < drop; i++) {
        free(t->lines[i].source);
        free(t->lines[i].text);
    }
    memmove(t->lines, t->lines + drop, (t->n - drop) * sizeof(*t->lines));
    t->n -= drop;
}

/* Takes over source and text. */
static void add_line(md_logtail *t, int64_t at_ms, char *source, char *text)
{
    if (t->filter != NULL && strstr(text, t->filter) == NULL) {
        free(source);
        free(text);
        return;
    }
    if (t->n >= t->max_lines)
        drop_oldest(t);
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->lines = md_xrealloc(t->lines, t->cap * sizeof(*t->lines));
    }
    t->lines[t->n++] = (struct line){at_ms, source, text};
    t->added++;
}

static bool seen_has(const md_logtail *t, const char *id)
{
    for (size_t i = 0; i < t->n_seen; i++) {
        if (strcmp(t->seen[i].id, id) == 0)
            return true;
    }
    return false;
}

/* Forget ids older than the window the next fetch asks for. */
static void seen_prune(md_logtail *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n_seen; i++) {
        if (t->seen[i].at_ms >= t->newest_ms - LOOKBACK_MS)
            t->seen[k++] = t->seen[i];
        else
            free(t->seen[i].id);
    }
    t->n_seen = k;
}

/*
 * Only events no newer than the newest held can be ones already held (the
 * lookback re-reads them); only those in the next read's lookback window need
 * remembering. That keeps a first read of 10,000 events linear.
 */
static void take_events(md_logtail *t, struct md_log_event_list *l)
{
    int64_t held_newest = t->newest_ms;
    int64_t reply_newest = 0;
    for (size_t i = 0; i < l->n; i++)
        reply_newest = l->v[i].at_ms > reply_newest ? l->v[i].at_ms : reply_newest;
    int64_t keep_from = (reply_newest > held_newest ? reply_newest : held_newest) - LOOKBACK_MS;
    for (size_t i = 0; i < l->n; i++) {
        struct md_log_event *e = &l->v[i];
        bool has_id = e->id[0] != '\0';
        if (has_id && e->at_ms <= held_newest && seen_has(t, e->id))
            continue;
        if (has_id && e->at_ms >= keep_from) {
            t->seen = md_xrealloc(t->seen, (t->n_seen + 1) * sizeof(*t->seen));
            t->seen[t->n_seen++] = (struct seen){e->at_ms, e->id};
            e->id = NULL;
        }
        if (e->at_ms > t->newest_ms)
            t->newest_ms = e->at_ms;
        add_line(t, e->at_ms, e->stream, e->message);
        e->stream = e->message = NULL;
    }
    seen_prune(t);
    if (t->newest_ms > 0 && t->newest_ms - LOOKBACK_MS > t->since_ms)
        t->since_ms = t->newest_ms - LOOKBACK_MS;
}

size_t md_logtail_overlap(const char *const *prev, size_t nprev, const char *const *next,
                          size_t nnext)
{
    size_t k = nprev < nnext ? nprev : nnext;
    for (; k > 0; k--) {
        size_t i = 0;
        while (i < k && strcmp(prev[nprev - k + i], next[i]) == 0)
            i++;
        if (i == k)
            return k;
    }
    return 0;
}

static void take_text(md_logtail *t, const char *text)
{
    size_t n = 0;
    char **lines = NULL;
    for (const char *p = text != NULL ? text : ""; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        lines = md_xrealloc(lines, (n + 1) * sizeof(*lines));
        lines[n] = md_xmalloc(len + 1);
        memcpy(lines[n], p, len);
        lines[n][len] = '\0';
        md_sanitize(lines[n]);
        n++;
        p = nl ? nl + 1 : p + strlen(p);
    }
    size_t k =
        md_logtail_overlap((const char *const *)t->tail, t->n_tail, (const char *const *)lines, n);
    for (size_t i = k; i < n; i++)
        add_line(t, 0, md_xstrdup(t->deployment), md_xstrdup(lines[i]));
    for (size_t i = 0; i < t->n_tail; i++)
        free(t->tail[i]);
    free(t->tail);
    t->tail = lines;
    t->n_tail = n;
}

static void on_result(struct md_result *r, void *ud)
{
    struct req *q = ud;
    md_logtail *t = q->t;
    free(q);
    if (t == NULL) {
        md_result_release(r);
        return;
    }
    t->req = NULL;
    t->answered = true;
    t->next_ms = md_mono_ms() + t->interval_ms;
    if (r->status == MD_OK) {
        t->failures = 0;
        t->error[0] = '\0';
        t->truncated = r->next_token != NULL && r->next_token[0] != '\0';
        if (t->timed)
            take_events(t, &r->log_events);
        else
            take_text(t, r->text);
        if (t->truncated) /* more to catch up: ask again at once */
            t->next_ms = md_mono_ms();
    } else {
        snprintf(t->error, sizeof(t->error), "%s",
                 r->err.msg[0] ? r->err.msg : md_status_str(r->status));
        md_sanitize(t->error);
        int64_t wait = t->interval_ms;
        for (int i = 0; i < t->failures && wait < MAX_BACKOFF_MS; i++)
            wait *= 2;
        t->next_ms = md_mono_ms() + (wait < MAX_BACKOFF_MS ? wait : MAX_BACKOFF_MS);
        t->failures++;
    }
    md_result_release(r);
    if (t->d != NULL)
        md_deck_notify(t->d, MD_CHANGED_LOGS);
}

static void start(md_logtail *t)
{
    if (t->d == NULL || t->req != NULL)
        return;
    struct md_backend *be = md_deck_backend(t->d, t->bi);
    if (be == NULL)
        return;
    t->req = md_xcalloc(1, sizeof(*t->req));
    t->req->t = t;
    if (t->timed) {
        struct md_logs_query q = {.endpoint = t->endpoint,
                                  .deployment = t->deployment,
                                  .since_ms = t->since_ms,
                                  .filter = t->filter};
        be->ops->filter_logs(be, &q, on_result, t->req);
    } else {
        be->ops->get_logs(be, t->endpoint, t->deployment, t->container, AZURE_TAIL, on_result,
                          t->req);
    }
}

/* Azure ML reads one deployment: the one taking the most traffic. */
static const char *busiest(const md_deck *d, size_t bi, const char *endpoint)
{
    const struct md_endpoint *e = md_deck_endpoint(d, bi, endpoint);
    const char *best = NULL;
    double w = -1;
    for (size_t i = 0; e != NULL && i < e->n_deployments; i++) {
        if (e->deployments[i].weight > w) {
            w = e->deployments[i].weight;
            best = e->deployments[i].name;
        }
    }
    return best;
}

md_status md_logtail_new(md_logtail **out, md_deck *d, const struct md_logtail_opts *o,
                         struct md_err *err)
{
    *out = NULL;
    struct md_backend *be = md_deck_backend(d, o->bi);
    if (be == NULL || o->endpoint == NULL || o->endpoint[0] == '\0')
        return md_err_set(err, MD_ERR_INVALID, "cannot read logs: no endpoint named");
    bool timed = be->ops->filter_logs != NULL;
    if (!timed && be->ops->get_logs == NULL)
        return md_err_set(err, MD_ERR_UNSUPPORTED, "cannot read logs of '%s': %s serves no logs",
                          o->endpoint, be->ops->name);
    const char *dep = o->deployment != NULL && o->deployment[0] != '\0' ? o->deployment : NULL;
    if (!timed && dep == NULL) {
        dep = busiest(d, o->bi, o->endpoint);
        if (dep == NULL)
            return md_err_set(err, MD_ERR_NOT_FOUND,
                              "cannot read logs of '%s': no deployment known (name one)",
                              o->endpoint);
    }
    md_logtail *t = md_xcalloc(1, sizeof(*t));
    t->d = d;
    t->bi = o->bi;
    t->endpoint = md_xstrdup(o->endpoint);
    t->deployment = md_xstrdup(dep != NULL ? dep : "");
    t->filter = o->filter != NULL && o->filter[0] != '\0' ? md_xstrdup(o->filter) : NULL;
    t->follow = o->follow;
    t->interval_ms = o->interval_ms > 0 ? o->interval_ms : INTERVAL_MS;
    t->max_lines = o->max_lines > 0 ? o->max_lines : MAX_LINES;
    t->timed = timed;
    t->container = o->container;
    t->since_ms = o->since_ms > 0 ? o->since_ms : md_now_ms() - MD_LOGTAIL_SINCE_MS;
    md_deck_hook_add(d, &hook, t);
    start(t);
    *out = t;
    return MD_OK;
}

void md_logtail_free(md_logtail *t)
{
    if (t == NULL)
        return;
    if (t->req != NULL)
        t->req->t = NULL; /* the reply frees it */
    if (t->d != NULL)
        md_deck_hook_remove(t->d, &hook, t);
    for (size_t i = 0; i < t->n; i++) {
        free(t->lines[i].source);
        free(t->lines[i].text);
    }
    free(t->lines);
    for (size_t i = 0; i < t->n_seen; i++)
        free(t->seen[i].id);
    free(t->seen);
    for (size_t i = 0; i < t->n_tail; i++)
        free(t->tail[i]);
    free(t->tail);
    free(t->endpoint);
    free(t->deployment);
    free(t->filter);
    free(t);
}

void md_logtail_set_follow(md_logtail *t, bool follow)
{
    t->follow = follow;
    t->next_ms = md_mono_ms();
}

bool md_logtail_following(const md_logtail *t)
{
    return t->follow;
}

void md_logtail_fetch(md_logtail *t)
{
    start(t);
}

size_t md_logtail_count(const md_logtail *t)
{
    return t->n;
}

bool md_logtail_line(const md_logtail *t, size_t i, struct md_log_line *out)
{
    if (i >= t->n)
        return false;
    *out = (struct md_log_line){t->lines[i].at_ms, t->lines[i].source, t->lines[i].text};
    return true;
}

uint64_t md_logtail_added(const md_logtail *t)
{
    return t->added;
}

bool md_logtail_loading(const md_logtail *t)
{
    return t->req != NULL;
}

bool md_logtail_answered(const md_logtail *t)
{
    return t->answered;
}

const char *md_logtail_error(const md_logtail *t)
{
    return t->error;
}

const char *md_logtail_deployment(const md_logtail *t)
{
    return t->deployment;
}

bool md_logtail_timed(const md_logtail *t)
{
    return t->timed;
}

bool md_logtail_truncated(const md_logtail *t)
{
    return t->truncated;
}

/* `path` appears as a whole path (followed by a blank, quote, '?' or the end). */
static const char *find_path(const char *line, const char *path)
{
    size_t n = strlen(path);
    for (const char *p = strstr(line, path); p != NULL; p = strstr(p + 1, path)) {
        char c = p[n];
        if (c == '\0' || c == ' ' || c == '"' || c == '?' || c == '/')
            return p + n;
    }
    return NULL;
}

bool md_logtail_is_noise(const char *line)
{
    static const char *const paths[] = {"/ping", "/health", "/score"};
    for (size_t i = 0; line != NULL && i < sizeof(paths) / sizeof(*paths); i++) {
        const char *after = find_path(line, paths[i]);
        for (const char *p = after; p != NULL && (p = strstr(p, "200")) != NULL; p += 3) {
            bool left = p[-1] == ' ' || p[-1] == '"' || p[-1] == '=' || p[-1] == ':';
            bool right = p[3] == '\0' || p[3] == ' ' || p[3] == ',' || p[3] == '"';
            if (left && right)
                return true;
        }
    }
    return false;
}

/*
 * deck_fetch.c - the deck's half for experiments, models, runs, run details,
 * metric histories and versions: front ends ask with md_deck_want_*(),
 * requests go out through the backends, replies land in the snapshot, are
 * cached in the store, and md_deck_run() reports what changed. Every alias
 * seen is recorded in the store's history (the rollback targets).
 * core/deck/deck.c holds the lifecycle and the loop, core/deck/deck_slots.c
 * the slots and getters; endpoints are the other half's
 * (core/deck/deck_endpoints.c).
 *
 * The snapshot survives failures: a failed refresh keeps the old lists and
 * only marks the backend with its error, so the console keeps working on
 * cached data.
 */
#include "deck_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPERIMENT_PAGE 1000
#define EXPERIMENT_MAX_PAGES 5    /* a refresh (and the cache) covers these; more on demand */
#define EXPERIMENT_PAGES_CAP 1000 /* a repeating token must not loop forever */
#define MODEL_PAGE 1000
#define MODEL_MAX_PAGES 5
#define RUNS_MIN_PAGE 100
#define RUNS_MAX_PAGE 1000
#define RUNS_MAX_PAGES 1000 /* a repeating token must not loop forever */
#define MAX_SLOTS 64        /* per kind and backend; the oldest is dropped beyond */
/*
 * A reply larger than this is not cached: writing a 30 MiB page into the
 * state file blocks the loop for ~0.5 s (the WAL write and its fsync), far
 * longer than fetching it again. A default page of runs (100) fits.
 */
#define CACHE_MAX_BYTES ((size_t)4 << 20)

enum req_what {
    REQ_PROBE,
    REQ_EXPERIMENTS,
    REQ_MODELS,
    REQ_RUNS,
    REQ_RUN,
    REQ_HISTORY,
    REQ_VERSIONS
};

/* What an answer belongs to. Owned by the deck's list until the answer arrives. */
struct req_ctx {
    md_deck *d;
    size_t bi;
    enum req_what what;
    char *a; /* experiment id, run id or model name */
    char *b; /* metric key */
    unsigned gen;
    unsigned page;
    bool lazy; /* experiments: a page past a refresh's, appended to the list shown */
    struct req_ctx *next;
    struct req_ctx **pprev;
};

static struct req_ctx *req_new(md_deck *d, size_t bi, enum req_what what, const char *a,
                               const char *b)
{
    struct req_ctx *c = md_xcalloc(1, sizeof(*c));
    c->d = d;
    c->bi = bi;
    c->what = what;
    c->a = a ? md_xstrdup(a) : NULL;
    c->b = b ? md_xstrdup(b) : NULL;
    c->next = d->reqs;
    if (d->reqs)
        d->reqs->pprev = &c->next;
    c->pprev = &d->reqs;
    d->reqs = c;
    return c;
}

static void req_free(struct req_ctx *c)
{
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    free(c->a);
    free(c->b);
    free(c);
}

/* --- snapshot cache -------------------------------------------------------------------------- */

static void cache_put(md_deck *d, size_t bi, const char *key, const struct md_result *r)
{
    if (!d->store || !r->raw)
        return;
    if (r->raw_len > CACHE_MAX_BYTES) {
        md_log(MD_LOG_DEBUG, "%s: not caching '%s' (%zu bytes, over %zu)", d->backends[bi].be->name,
               key, r->raw_len, CACHE_MAX_BYTES);
        return;
    }
    struct md_err err = MD_ERR_INIT;
    if (md_store_snapshot_put(d->store, d->backends[bi].be->name, key, r->raw, r->raw_len,
                              r->fetched_ms, &err))
        md_log(MD_LOG_WARN, "%s", err.msg);
}

/*
 * Parse a cached reply back into a result. Returns false when nothing usable
 * is cached; a cache that no longer parses is ignored, not fatal.
 */
static bool cache_get(md_deck *d, size_t bi, const char *key, enum md_result_kind kind,
                      struct md_result *out)
{
    struct deck_backend *b = &d->backends[bi];
    char *body = NULL;
    size_t len = 0;
    int64_t at = 0;
    memset(out, 0, sizeof(*out));
    if (!d->store || !b->be->ops->parse ||
        md_store_snapshot_get(d->store, b->be->name, key, &body, &len, &at, NULL))
        return false;
    struct md_err err = MD_ERR_INIT;
    md_status st = b->be->ops->parse(kind, body, len, out, &err);
    free(body);
    if (st) {
        md_log(MD_LOG_WARN, "ignoring cached '%s' of '%s': %s", key, b->be->name, err.msg);
        md_result_release(out);
        return false;
    }
    out->fetched_ms = at;
    if (!b->data_ms || at < b->data_ms)
        b->data_ms = at;
    return true;
}

static void page_key(char *buf, size_t n, const char *what, const char *scope, unsigned page)
{
    snprintf(buf, n, "%s:%s#%u", what, scope ? scope : "", page);
}

/* Load cached experiments and models: the console opens on them at once. */
void deck_cache_load_lists(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    char key[512];
    struct md_result r;
    for (unsigned p = 0; p < EXPERIMENT_MAX_PAGES; p++) {
        page_key(key, sizeof(key), "experiments", "", p);
        if (!cache_get(d, bi, key, MD_RESULT_EXPERIMENTS, &r))
            break;
        for (size_t i = 0; i < r.experiments.n; i++)
            *md_experiment_list_push(&b->experiments) = r.experiments.v[i];
        r.experiments.n = 0;
        bool last = !r.next_token || !*r.next_token;
        free(b->exp_more);
        b->exp_more = last ? NULL : md_xstrdup(r.next_token);
        b->exp_pages = p + 1;
        md_result_release(&r);
        if (last)
            break;
    }
    for (unsigned p = 0; p < MODEL_MAX_PAGES; p++) {
        page_key(key, sizeof(key), "models", "", p);
        if (!cache_get(d, bi, key, MD_RESULT_MODELS, &r))
            break;
        for (size_t i = 0; i < r.models.n; i++)
            *md_model_list_push(&b->models) = r.models.v[i];
        r.models.n = 0;
        bool last = !r.next_token || !*r.next_token;
        md_result_release(&r);
        if (last)
            break;
    }
    if (b->experiments.n || b->models.n)
        b->stale = true;
}

/* --- backend health -------------------------------------------------------------------------- */

static void note_ok(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    if (b->health != MD_HEALTH_OK || b->error[0])
        deck_changed(d, MD_CHANGED_BACKENDS);
    b->health = MD_HEALTH_OK;
    b->error[0] = '\0';
}

/* The header names which fetch failed, not only how. */
static void note_error(md_deck *d, size_t bi, const char *what, const struct md_err *err)
{
    struct deck_backend *b = &d->backends[bi];
    b->health = MD_HEALTH_ERROR;
    b->stale = b->data_ms != 0;
    deck_set_error(b, what, err->msg[0] ? err->msg : md_status_str(err->code));
    md_log(MD_LOG_WARN, "%s: %s", b->be->name, b->error);
    deck_changed(d, MD_CHANGED_BACKENDS);
}

static void note_fresh(md_deck *d, size_t bi, int64_t at)
{
    struct deck_backend *b = &d->backends[bi];
    b->data_ms = at;
    b->stale = false;
    deck_changed(d, MD_CHANGED_BACKENDS);
}

/* --- fetching: experiments and models -------------------------------------------------------- */

static void on_result(struct md_result *r, void *ud);

/* Record what an alias points to now (the store's value history). */
static void observe_alias(md_deck *d, size_t bi, const char *model, const char *alias,
                          const char *version)
{
    char target[512];
    md_alias_target(target, sizeof(target), model, alias);
    struct md_err err = MD_ERR_INIT;
    if (md_store_history_observe(d->store, d->backends[bi].be->name, target, version, md_now_ms(),
                                 &err))
        md_log(MD_LOG_WARN, "%s", err.msg);
}

static void fetch_experiments(md_deck *d, size_t bi, const char *token, unsigned page, bool lazy)
{
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_experiments)
        return;
    struct req_ctx *c = req_new(d, bi, REQ_EXPERIMENTS, NULL, NULL);
    c->gen = b->exp_fetch.gen;
    c->page = page;
    c->lazy = lazy;
    b->exp_fetch.loading = true;
    b->be->ops->list_experiments(b->be, token, EXPERIMENT_PAGE, on_result, c);
}

static void fetch_models(md_deck *d, size_t bi, const char *token, unsigned page)
{
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_models)
        return;
    struct req_ctx *c = req_new(d, bi, REQ_MODELS, NULL, NULL);
    c->gen = b->model_fetch.gen;
    c->page = page;
    b->model_fetch.loading = true;
    b->be->ops->list_models(b->be, token, MODEL_PAGE, on_result, c);
}

/*
 * A page of experiments. A refresh gathers its pages in experiments_next and
 * swaps them in whole; the pages after it (page >= EXPERIMENT_MAX_PAGES, or
 * asked for by md_deck_want_experiments()) append to the list on screen.
 * Either way the next page's token is kept, so the view can say there is
 * more and ask for it instead of stopping silently at a cap.
 */
static void got_experiments(md_deck *d, struct req_ctx *c, struct md_result *r)
{
    struct deck_backend *b = &d->backends[c->bi];
    bool lazy = c->lazy;
    char key[512];
    page_key(key, sizeof(key), "experiments", "", c->page);
    if (c->page < EXPERIMENT_MAX_PAGES)
        cache_put(d, c->bi, key, r);
    struct md_experiment_list *into = lazy ? &b->experiments : &b->experiments_next;
    for (size_t i = 0; i < r->experiments.n; i++)
        *md_experiment_list_push(into) = r->experiments.v[i];
    r->experiments.n = 0;
    const char *tok = r->next_token && *r->next_token ? r->next_token : NULL;
    if (tok && c->page + 1 >= EXPERIMENT_PAGES_CAP)
        tok = NULL;
    if (tok && !lazy &&
        (c->page + 1 < EXPERIMENT_MAX_PAGES || b->experiments_next.n < b->exp_want)) {
        fetch_experiments(d, c->bi, tok, c->page + 1, false);
        return;
    }
    if (!lazy) {
        md_experiment_list_release(&b->experiments);
        b->experiments = b->experiments_next;
        memset(&b->experiments_next, 0, sizeof(b->experiments_next));
        note_fresh(d, c->bi, r->fetched_ms);
    }
    bool repeat = lazy && tok && b->exp_more && !strcmp(tok, b->exp_more);
    if (repeat)
        md_log(MD_LOG_WARN, "experiments of '%s': page token repeated, stopping", b->be->name);
    free(b->exp_more);
    b->exp_more = tok && !repeat ? md_xstrdup(tok) : NULL;
    b->exp_pages = c->page + 1;
    b->exp_fetch.loading = false;
    backoff_ok(&b->exp_fetch.bo);
    b->exp_fetch.error[0] = '\0';
    deck_changed(d, MD_CHANGED_EXPERIMENTS);
    if (b->exp_more && b->experiments.n < b->exp_want)
        fetch_experiments(d, c->bi, b->exp_more, b->exp_pages, true);
}

void md_deck_want_experiments(md_deck *d, size_t bi, size_t rows)
{
    if (bi >= d->n_backends)
        return;
    struct deck_backend *b = &d->backends[bi];
    if (rows > b->exp_want)
        b->exp_want = rows;
    if (!b->exp_more || b->exp_fetch.loading || b->experiments.n >= rows ||
        backoff_waiting(&b->exp_fetch.bo))
        return;
    fetch_experiments(d, bi, b->exp_more, b->exp_pages, true);
}

bool md_deck_experiments_complete(const md_deck *d, size_t bi)
{
    return bi >= d->n_backends || !d->backends[bi].exp_more;
}

static void got_models(md_deck *d, struct req_ctx *c, struct md_result *r)
{
    struct deck_backend *b = &d->backends[c->bi];
    char key[512];
    page_key(key, sizeof(key), "models", "", c->page);
    cache_put(d, c->bi, key, r);
    for (size_t i = 0; i < r->models.n; i++)
        *md_model_list_push(&b->models_next) = r->models.v[i];
    r->models.n = 0;
    if (r->next_token && *r->next_token && c->page + 1 < MODEL_MAX_PAGES) {
        fetch_models(d, c->bi, r->next_token, c->page + 1);
        return;
    }
    md_model_list_release(&b->models);
    b->models = b->models_next;
    memset(&b->models_next, 0, sizeof(b->models_next));
    b->model_fetch.loading = false;
    backoff_ok(&b->model_fetch.bo);
    b->model_fetch.error[0] = '\0';
    /* Every alias seen is a point in its history: the rollback targets. */
    if (d->store)
        md_store_begin(d->store, NULL);
    for (size_t i = 0; i < b->models.n; i++) {
        const struct md_registered_model *m = &b->models.v[i];
        for (size_t j = 0; j < m->n_aliases; j++)
            observe_alias(d, c->bi, m->name, m->aliases[j].alias, m->aliases[j].version);
    }
    if (d->store)
        md_store_commit(d->store, NULL);
    note_fresh(d, c->bi, r->fetched_ms);
    deck_changed(d, MD_CHANGED_MODELS);
}

/* --- fetching: runs, run detail, history, versions ------------------------------------------- */

static void fetch_runs_page(md_deck *d, size_t bi, struct runs_slot *s, size_t want)
{
    struct deck_backend *b = &d->backends[bi];
    size_t have = s->restart ? 0 : s->runs.n;
    size_t page = want > have ? want - have : RUNS_MIN_PAGE;
    if (page < RUNS_MIN_PAGE)
        page = RUNS_MIN_PAGE;
    if (page > RUNS_MAX_PAGE)
        page = RUNS_MAX_PAGE;
    struct req_ctx *c = req_new(d, bi, REQ_RUNS, s->experiment_id, NULL);
    c->gen = s->gen;
    c->page = s->pages;
    s->loading = true;
    struct md_runs_query q = {
        .experiment_id = s->experiment_id,
        .order_by = *s->order_by ? s->order_by : NULL,
        .page_token = s->next_token,
        .max_results = page,
    };
    b->be->ops->list_runs(b->be, &q, on_result, c);
}

void md_deck_want_runs(md_deck *d, size_t bi, const char *exp, size_t rows, const char *order_by)
{
    if (bi >= d->n_backends || !exp)
        return;
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_runs)
        return;
    const char *ob = order_by ? order_by : "";
    struct runs_slot *s = deck_runs_find(b, exp);
    if (!s) {
        if (b->n_runs == MAX_SLOTS) {
            deck_runs_slot_clear(&b->runs[0]);
            free(b->runs[0].experiment_id);
            free(b->runs[0].order_by);
            memmove(&b->runs[0], &b->runs[1], (b->n_runs - 1) * sizeof(b->runs[0]));
            b->n_runs--;
        }
        b->runs = md_xrealloc(b->runs, (b->n_runs + 1) * sizeof(*b->runs));
        s = &b->runs[b->n_runs++];
        memset(s, 0, sizeof(*s));
        s->experiment_id = md_xstrdup(exp);
        s->order_by = md_xstrdup(ob);
        struct md_result r;
        char key[512];
        page_key(key, sizeof(key), "runs", exp, 0);
        if (!*ob && cache_get(d, bi, key, MD_RESULT_RUNS, &r)) {
            md_run_list_append(&s->runs, &r.runs);
            s->restart = true; /* shown until the first fresh page replaces it */
            md_result_release(&r);
        }
    } else if (strcmp(s->order_by, ob)) {
        deck_runs_slot_clear(s);
        free(s->order_by);
        s->order_by = md_xstrdup(ob);
        deck_changed(d, MD_CHANGED_RUNS);
    }
    if (rows > s->want)
        s->want = rows;
    if (s->loading || s->complete || s->runs.n >= rows || backoff_waiting(&s->bo))
        return;
    fetch_runs_page(d, bi, s, rows);
}

static void got_runs(md_deck *d, struct req_ctx *c, struct md_result *r)
{
    struct runs_slot *s = deck_runs_find(&d->backends[c->bi], c->a);
    if (!s || s->gen != c->gen)
        return; /* the view restarted the list meanwhile */
    s->loading = false;
    if (r->status) {
        snprintf(s->error, sizeof(s->error), "%s", r->err.msg);
        backoff_failed(&s->bo);
        deck_changed(d, MD_CHANGED_RUNS);
        return;
    }
    s->error[0] = '\0';
    backoff_ok(&s->bo);
    if (s->restart) {
        md_run_list_release(&s->runs);
        s->restart = false;
    }
    if (!*s->order_by && s->pages == 0) {
        char key[512];
        page_key(key, sizeof(key), "runs", s->experiment_id, 0);
        cache_put(d, c->bi, key, r);
    }
    md_run_list_append(&s->runs, &r->runs);
    s->pages++;
    bool repeat = s->next_token && r->next_token && !strcmp(s->next_token, r->next_token);
    free(s->next_token);
    s->next_token = r->next_token && *r->next_token ? md_xstrdup(r->next_token) : NULL;
    s->complete = !s->next_token || repeat || s->pages >= RUNS_MAX_PAGES;
    if (repeat)
        md_log(MD_LOG_WARN, "runs of experiment '%s': page token repeated, stopping", c->a);
    deck_changed(d, MD_CHANGED_RUNS);
    if (!s->complete && s->runs.n < s->want)
        fetch_runs_page(d, c->bi, s, s->want);
}

void md_deck_want_run(md_deck *d, size_t bi, const char *run_id)
{
    if (bi >= d->n_backends || !run_id)
        return;
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->get_run)
        return;
    struct detail_slot *s = deck_detail_find(b, run_id);
    if (!s) {
        if (b->n_details == MAX_SLOTS) {
            free(b->details[0].run_id);
            md_run_list_release(&b->details[0].run);
            memmove(&b->details[0], &b->details[1], (b->n_details - 1) * sizeof(b->details[0]));
            b->n_details--;
        }
        b->details = md_xrealloc(b->details, (b->n_details + 1) * sizeof(*b->details));
        s = &b->details[b->n_details++];
        memset(s, 0, sizeof(*s));
        s->run_id = md_xstrdup(run_id);
    }
    if (s->loading || backoff_waiting(&s->bo))
        return;
    s->loading = true;
    struct req_ctx *c = req_new(d, bi, REQ_RUN, run_id, NULL);
    b->be->ops->get_run(b->be, run_id, on_result, c);
}

static void got_run(md_deck *d, struct req_ctx *c, struct md_result *r)
{
    struct detail_slot *s = deck_detail_find(&d->backends[c->bi], c->a);
    if (!s)
        return;
    s->loading = false;
    if (r->status || r->runs.n == 0) {
        if (r->status)
            backoff_failed(&s->bo);
        return;
    }
    backoff_ok(&s->bo);
    md_run_list_release(&s->run);
    md_run_list_append(&s->run, &r->runs);
    deck_changed(d, MD_CHANGED_RUN);
}

void md_deck_want_history(md_deck *d, size_t bi, const char *run_id, const char *key,
                          size_t max_points)
{
    if (bi >= d->n_backends || !run_id || !key)
        return;
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->get_metric_history)
        return;
    struct history_slot *s = deck_history_find(b, run_id, key);
    if (!s) {
        if (b->n_histories == MAX_SLOTS) {
            free(b->histories[0].run_id);
            free(b->histories[0].key);
            md_metric_series_release(&b->histories[0].series);
            memmove(&b->histories[0], &b->histories[1],
                    (b->n_histories - 1) * sizeof(b->histories[0]));
            b->n_histories--;
        }
        b->histories = md_xrealloc(b->histories, (b->n_histories + 1) * sizeof(*b->histories));
        s = &b->histories[b->n_histories++];
        memset(s, 0, sizeof(*s));
        s->run_id = md_xstrdup(run_id);
        s->key = md_xstrdup(key);
    }
    if (s->loading || s->loaded || backoff_waiting(&s->bo))
        return;
    s->loading = true;
    struct req_ctx *c = req_new(d, bi, REQ_HISTORY, run_id, key);
    b->be->ops->get_metric_history(b->be, run_id, key, max_points, on_result, c);
}

static void got_history(md_deck *d, struct req_ctx *c, struct md_result *r)
{
    struct history_slot *s = deck_history_find(&d->backends[c->bi], c->a, c->b);
    if (!s)
        return;
    s->loading = false;
    if (r->status) {
        backoff_failed(&s->bo);
        return;
    }
    backoff_ok(&s->bo);
    md_metric_series_release(&s->series);
    s->series = r->history;
    memset(&r->history, 0, sizeof(r->history));
    s->loaded = true;
    deck_changed(d, MD_CHANGED_HISTORY);
}

void md_deck_want_versions(md_deck *d, size_t bi, const char *model)
{
    if (bi >= d->n_backends || !model)
        return;
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_versions)
        return;
    struct versions_slot *s = deck_versions_find(b, model);
    if (!s) {
        if (b->n_versions == MAX_SLOTS) {
            free(b->versions[0].model);
            md_version_list_release(&b->versions[0].versions);
            memmove(&b->versions[0], &b->versions[1], (b->n_versions - 1) * sizeof(b->versions[0]));
            b->n_versions--;
        }
        b->versions = md_xrealloc(b->versions, (b->n_versions + 1) * sizeof(*b->versions));
        s = &b->versions[b->n_versions++];
        memset(s, 0, sizeof(*s));
        s->model = md_xstrdup(model);
        char key[512];
        page_key(key, sizeof(key), "versions", model, 0);
        struct md_result r;
        if (cache_get(d, bi, key, MD_RESULT_VERSIONS, &r)) {
            s->versions = r.versions;
            memset(&r.versions, 0, sizeof(r.versions));
            deck_versions_fill_aliases(d, bi, model, &s->versions);
            s->loaded = true;
            md_result_release(&r);
        }
    }
    if (s->loading || backoff_waiting(&s->bo))
        return;
    s->loading = true;
    struct req_ctx *c = req_new(d, bi, REQ_VERSIONS, model, NULL);
    b->be->ops->list_versions(b->be, model, NULL, 1000, on_result, c);
}

static void got_versions(md_deck *d, struct req_ctx *c, struct md_result *r)
{
    struct versions_slot *s = deck_versions_find(&d->backends[c->bi], c->a);
    if (!s)
        return;
    s->loading = false;
    if (r->status) {
        backoff_failed(&s->bo);
        return;
    }
    backoff_ok(&s->bo);
    char key[512];
    page_key(key, sizeof(key), "versions", c->a, 0);
    cache_put(d, c->bi, key, r);
    md_version_list_release(&s->versions);
    s->versions = r->versions;
    memset(&r->versions, 0, sizeof(r->versions));
    deck_versions_fill_aliases(d, c->bi, c->a, &s->versions);
    s->loaded = true;
    deck_changed(d, MD_CHANGED_VERSIONS);
}

/* One entry point for every reply: health first, then the kind's handler. */
static void on_result(struct md_result *r, void *ud)
{
    struct req_ctx *c = ud;
    md_deck *d = c->d;
    struct deck_backend *b = &d->backends[c->bi];
    if (r->status == MD_OK) {
        note_ok(d, c->bi);
    } else if (r->status != MD_ERR_CANCELLED && r->status != MD_ERR_NOT_FOUND) {
        static const char *const names[] = {
            [REQ_PROBE] = "probe",       [REQ_EXPERIMENTS] = "experiments",
            [REQ_MODELS] = "models",     [REQ_RUNS] = "runs",
            [REQ_RUN] = "run",           [REQ_HISTORY] = "metric history",
            [REQ_VERSIONS] = "versions",
        };
        note_error(d, c->bi, names[c->what], &r->err);
    }
    switch (c->what) {
    case REQ_PROBE:
        if (r->status == MD_OK && r->server_version)
            snprintf(b->version, sizeof(b->version), "%s", r->server_version);
        if (r->status == MD_OK)
            b->probed = true; /* deck.c opens what it names, once the replies are in */
        break;
    case REQ_EXPERIMENTS:
        if (c->gen == b->exp_fetch.gen) {
            if (r->status) {
                b->exp_fetch.loading = false;
                backoff_failed(&b->exp_fetch.bo);
                snprintf(b->exp_fetch.error, sizeof(b->exp_fetch.error), "%s",
                         r->status == MD_ERR_CANCELLED ? "" : b->error);
                md_experiment_list_release(&b->experiments_next);
            } else {
                got_experiments(d, c, r);
            }
        }
        break;
    case REQ_MODELS:
        if (c->gen == b->model_fetch.gen) {
            if (r->status) {
                b->model_fetch.loading = false;
                backoff_failed(&b->model_fetch.bo);
                snprintf(b->model_fetch.error, sizeof(b->model_fetch.error), "%s",
                         r->status == MD_ERR_CANCELLED ? "" : b->error);
                md_model_list_release(&b->models_next);
            } else {
                got_models(d, c, r);
            }
        }
        break;
    case REQ_RUNS:
        got_runs(d, c, r);
        break;
    case REQ_RUN:
        got_run(d, c, r);
        break;
    case REQ_HISTORY:
        got_history(d, c, r);
        break;
    case REQ_VERSIONS:
        got_versions(d, c, r);
        break;
    }
    md_result_release(r);
    req_free(c);
}

/* --- refresh -------------------------------------------------------------------------------- */

void deck_probe(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    if (b->be->ops->probe)
        b->be->ops->probe(b->be, on_result, req_new(d, bi, REQ_PROBE, NULL, NULL));
}

void deck_lists_refresh(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    if (!b->exp_fetch.loading && !backoff_waiting(&b->exp_fetch.bo)) {
        b->exp_fetch.gen++;
        md_experiment_list_release(&b->experiments_next);
        fetch_experiments(d, bi, NULL, 0, false);
    }
    if (!b->model_fetch.loading && !backoff_waiting(&b->model_fetch.bo)) {
        b->model_fetch.gen++;
        md_model_list_release(&b->models_next);
        fetch_models(d, bi, NULL, 0);
    }
    /* Loaded run lists restart from their first page; the old rows stay on
     * screen until the fresh first page replaces them. */
    for (size_t i = 0; i < b->n_runs; i++) {
        struct runs_slot *s = &b->runs[i];
        if (s->loading || backoff_waiting(&s->bo))
            continue;
        free(s->next_token);
        s->next_token = NULL;
        s->complete = false;
        s->pages = 0;
        s->gen++;
        s->restart = true;
        fetch_runs_page(d, bi, s, s->want);
    }
    for (size_t i = 0; i < b->n_versions; i++) {
        struct versions_slot *s = &b->versions[i];
        if (!s->loading)
            md_deck_want_versions(d, bi, s->model);
    }
}

/* --- a change made on the server, put back into the snapshot ---------------------------- */

void md_deck_put_alias(md_deck *d, size_t bi, const char *model, const char *alias,
                       const char *version)
{
    if (bi >= d->n_backends)
        return;
    struct md_model_list *l = &d->backends[bi].models;
    for (size_t i = 0; i < l->n; i++) {
        struct md_registered_model *m = &l->v[i];
        if (strcmp(m->name, model))
            continue;
        for (size_t j = 0; j < m->n_aliases; j++) {
            if (!strcmp(m->aliases[j].alias, alias)) {
                free(m->aliases[j].version);
                m->aliases[j].version = md_xstrdup(version);
                break;
            }
        }
        if (!md_model_alias_version(m, alias)) {
            m->aliases = md_xrealloc(m->aliases, (m->n_aliases + 1) * sizeof(*m->aliases));
            m->aliases[m->n_aliases].alias = md_xstrdup(alias);
            m->aliases[m->n_aliases].version = md_xstrdup(version);
            m->n_aliases++;
        }
        deck_changed(d, MD_CHANGED_MODELS);
        /* the versions' alias lists are derived from the model's */
        struct versions_slot *s = deck_versions_find(&d->backends[bi], model);
        if (s && s->loaded) {
            deck_versions_fill_aliases(d, bi, model, &s->versions);
            deck_changed(d, MD_CHANGED_VERSIONS);
        }
        break;
    }
    observe_alias(d, bi, model, alias, version);
}

/* Free request contexts whose answers will never come (the HTTP engine is gone). */
void deck_release_requests(md_deck *d)
{
    while (d->reqs)
        req_free(d->reqs);
}

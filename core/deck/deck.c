/*
 * deck.c - opening and closing a deck, the backends it adds by itself (one
 * found through another: an Azure ML workspace's MLflow), the event loop's
 * entry points with the hooks of the layers above, refreshing, and the
 * backends' status. It stands above the deck's two halves: fetching
 * experiments, models, runs and versions (core/deck/deck_fetch.c) and
 * endpoints, monitors and logs (core/deck/deck_endpoints.c).
 */
#include "deck_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Store key, under a backend's name, of the URL of the backend found through
 * it (an Azure workspace's MLflow; no secret). The name is kept from when
 * only Azure ML did this, so existing state files keep working.
 */
#define LINKED_URL_KEY "workspace:mlflow-uri"

static void linked_cached(md_deck *d, size_t bi);
static void refresh_backend(md_deck *d, size_t bi);

md_status md_deck_new(md_deck **out, const struct md_deck_opts *opts, struct md_err *err)
{
    *out = NULL;
    const struct md_context *ctx = md_config_context(opts->config, opts->context);
    if (!ctx)
        return md_err_set(err, MD_ERR_CONFIG, "no context '%s' in the configuration",
                          opts->context ? opts->context : "(current)");
    md_deck *d = md_xcalloc(1, sizeof(*d));
    d->config = opts->config;
    d->context = ctx;
    d->read_only = opts->read_only || opts->config->read_only || ctx->read_only;
    d->no_timer = opts->no_timer;
    md_status st = md_http_new(&d->http, err);
    if (st)
        goto fail;
    if (d->read_only)
        md_http_set_read_only(d->http);

    char *path = opts->state_path ? md_xstrdup(opts->state_path) : md_config_default_state_path();
    st = md_store_open(&d->store, path, err);
    free(path);
    if (st)
        goto fail;
    /* a change could not even be recorded: the deck reads, and says it is read-only */
    if (md_store_read_only(d->store) && !d->read_only) {
        d->read_only = true;
        md_http_set_read_only(d->http);
    }

    /* room for one backend found through each that can name one: the array never moves */
    d->cap_backends = ctx->n_backends;
    for (size_t i = 0; i < ctx->n_backends; i++) {
        const struct md_backend_ops *ops = md_backend_ops_for(ctx->backends[i].kind);
        d->cap_backends += ops && ops->linked;
    }
    d->backends = md_xcalloc(d->cap_backends ? d->cap_backends : 1, sizeof(*d->backends));
    for (size_t i = 0; i < ctx->n_backends; i++) {
        struct deck_backend *b = &d->backends[i];
        b->conf = &ctx->backends[i];
        b->via = -1;
        st = md_backend_create(&b->be, b->conf, d->http, err);
        if (st)
            goto fail;
        d->n_backends++;
        if (!opts->no_cache) {
            deck_cache_load_lists(d, i);
            deck_endpoints_load_cache(d, i);
            deck_alarms_load_cache(d, i);
        }
    }
    for (size_t i = 0; !opts->no_cache && i < ctx->n_backends; i++)
        linked_cached(d, i);
    *out = d;
    return MD_OK;
fail:
    md_deck_free(d);
    return st;
}

void md_deck_free(md_deck *d)
{
    if (!d)
        return;
    /* The engine first: it drops pending transfers without calling back. */
    md_http_free(d->http);
    deck_release_requests(d);
    deck_endpoint_requests_release(d);
    /* the layers above drop what their requests held: no callback comes any more */
    for (size_t i = d->n_hooks; i-- > 0;)
        if (d->hooks[i].hook->release)
            d->hooks[i].hook->release(d->hooks[i].ud);
    free(d->hooks);
    /* added backends go first: they borrow from the ones they were found through */
    for (size_t i = d->n_backends; i-- > 0;) {
        struct deck_backend *b = &d->backends[i];
        deck_backend_release_slots(b);
        deck_endpoints_release(b);
        deck_alarms_release(b);
        md_backend_free(b->be);
        if (b->own_conf) {
            md_backend_conf_release(b->own_conf);
            free(b->own_conf);
        }
    }
    free(d->backends);
    md_store_free(d->store);
    free(d);
}

bool md_deck_read_only(const md_deck *d)
{
    return d->read_only;
}

const char *md_deck_context_name(const md_deck *d)
{
    return d->context->name;
}

const struct md_context *md_deck_context(const md_deck *d)
{
    return d->context;
}

md_store *md_deck_store(md_deck *d)
{
    return d->store;
}

size_t md_deck_backend_count(const md_deck *d)
{
    return d->n_backends;
}

long md_deck_backend_index(const md_deck *d, const char *name)
{
    for (size_t i = 0; i < d->n_backends; i++)
        if (!strcmp(d->backends[i].be->name, name))
            return (long)i;
    return -1;
}

struct md_backend *md_deck_backend(md_deck *d, size_t bi)
{
    return bi < d->n_backends ? d->backends[bi].be : NULL;
}

bool md_deck_backend_status(const md_deck *d, size_t bi, struct md_backend_status *st)
{
    if (bi >= d->n_backends)
        return false;
    const struct deck_backend *b = &d->backends[bi];
    st->name = b->be->name;
    st->kind = md_backend_kind_str(b->conf->kind);
    st->caps = b->be->ops->caps;
    st->health = b->health;
    st->error = b->error;
    /*
     * b->error is the last fetch's: a success elsewhere clears it. A fetch
     * still failing (AccessDenied on GetMetricData while listing works, a
     * stalled experiments list while models load) must stay in the header
     * until it succeeds, so it is asked of the slots that keep their own.
     */
    const char *sub = b->exp_fetch.error[0]     ? b->exp_fetch.error
                      : b->model_fetch.error[0] ? b->model_fetch.error
                                                : deck_endpoints_error(b);
    if (!b->error[0] && sub[0]) {
        st->health = MD_HEALTH_ERROR;
        st->error = sub;
    }
    st->data_ms = b->data_ms;
    st->stale = b->stale;
    st->version = b->version;
    st->via = b->via >= 0 ? d->backends[b->via].be->name : "";
    st->ratelimit_remaining = b->be->ops->budget ? b->be->ops->budget(b->be) : -1;
    int64_t since = b->be->ops->waiting_since ? b->be->ops->waiting_since(b->be) : 0;
    int64_t waited = since > 0 ? md_mono_ms() - since : 0;
    st->waiting_ms = waited > MD_DECK_SLOW_MS ? waited : 0;
    return true;
}

/* --- backends found through others (an Azure ML workspace's MLflow) ------------------------- */

/*
 * Open the backend `conf` describes (taken over) after the configured ones,
 * as found through backend bi. Read-only comes with the deck's shared md_http.
 */
static bool linked_add(md_deck *d, size_t bi, struct md_backend_conf *conf)
{
    struct deck_backend *parent = &d->backends[bi];
    if (parent->has_child || d->n_backends >= d->cap_backends ||
        md_deck_backend_index(d, conf->name) >= 0) {
        if (md_deck_backend_index(d, conf->name) >= 0)
            md_log(MD_LOG_WARN,
                   "backend '%s' is configured: not opening the one found through '%s' "
                   "under the same name",
                   conf->name, parent->be->name);
        parent->has_child = true;
        md_backend_conf_release(conf);
        free(conf);
        return false;
    }
    struct md_backend *be = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_backend_create(&be, conf, d->http, &err) != MD_OK) {
        md_log(MD_LOG_WARN, "%s", err.msg);
        md_backend_conf_release(conf);
        free(conf);
        parent->has_child = true; /* the same configuration would fail the same way */
        return false;
    }
    struct deck_backend *b = &d->backends[d->n_backends++];
    memset(b, 0, sizeof(*b));
    b->be = be;
    b->conf = conf;
    b->own_conf = conf;
    b->via = (long)bi;
    parent->has_child = true;
    md_log(MD_LOG_INFO, "%s: found backend '%s'", parent->be->name, conf->name);
    deck_changed(d, MD_CHANGED_BACKENDS | MD_CHANGED_EXPERIMENTS | MD_CHANGED_MODELS);
    return true;
}

/*
 * The configuration backend bi names for a backend found through it, or
 * NULL; `cached` is what its probe found at an earlier start.
 */
static struct md_backend_conf *linked_conf(md_deck *d, size_t bi, const char *cached)
{
    struct md_backend *be = d->backends[bi].be;
    if (!be->ops->linked)
        return NULL;
    struct md_backend_conf *conf = md_xcalloc(1, sizeof(*conf));
    if (!be->ops->linked(be, cached, conf)) {
        md_backend_conf_release(conf);
        free(conf);
        return NULL;
    }
    return conf;
}

/* At open: the URL a probe found last time, so the lists show before any answer. */
static void linked_cached(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    char *body = NULL;
    size_t len = 0;
    int64_t at = 0;
    if (!b->be->ops->linked || !d->store ||
        md_store_snapshot_get(d->store, b->be->name, LINKED_URL_KEY, &body, &len, &at, NULL))
        return;
    struct md_backend_conf *conf = strlen(body) == len ? linked_conf(d, bi, body) : NULL;
    free(body);
    if (conf && linked_add(d, bi, conf))
        deck_cache_load_lists(d, d->n_backends - 1);
}

/* Backend bi answered its probe: open the backend it names, and fetch its lists. */
static void linked_probed(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    struct md_backend_conf *conf = linked_conf(d, bi, NULL);
    if (!conf)
        return;
    if (d->store && md_store_snapshot_put(d->store, b->be->name, LINKED_URL_KEY, conf->url,
                                          strlen(conf->url), md_now_ms(), NULL))
        md_log(MD_LOG_WARN, "%s: cannot remember the URL of '%s'", b->be->name, conf->name);
    if (b->has_child) { /* a changed URL takes effect at the next start */
        md_backend_conf_release(conf);
        free(conf);
        return;
    }
    if (linked_add(d, bi, conf))
        refresh_backend(d, d->n_backends - 1);
}

/* Probes answered during the last md_http_run(): the backends they name open now. */
static void linked_after_replies(md_deck *d)
{
    for (size_t bi = 0; bi < d->n_backends; bi++) {
        if (d->backends[bi].probed) {
            d->backends[bi].probed = false;
            linked_probed(d, bi);
        }
    }
}

/* --- refresh -------------------------------------------------------------------------------- */

/* Probe, endpoints, monitors and lists of one backend, fetched again. */
static void refresh_backend(md_deck *d, size_t bi)
{
    /* an added backend lives on its parent's probe: MLflow's /version is not served there */
    if (d->backends[bi].via < 0)
        deck_probe(d, bi);
    deck_endpoints_refresh(d, bi);
    deck_alarms_refresh(d, bi);
    deck_monitors_refresh(d, bi);
    deck_lists_refresh(d, bi);
}

void md_deck_refresh(md_deck *d)
{
    for (size_t bi = 0; bi < d->n_backends; bi++)
        refresh_backend(d, bi);
    const struct md_context *ctx = d->context;
    d->next_refresh_mono =
        ctx->refresh_s > 0 && !d->no_timer ? md_mono_ms() + ctx->refresh_s * 1000 : 0;
    for (size_t i = 0; i < d->n_hooks; i++)
        if (d->hooks[i].hook->refresh)
            d->hooks[i].hook->refresh(d->hooks[i].ud);
}

/* --- hooks of the layers above -------------------------------------------------------------- */

void md_deck_hook_add(md_deck *d, const struct md_deck_hook *hook, void *ud)
{
    d->hooks = md_xrealloc(d->hooks, (d->n_hooks + 1) * sizeof(*d->hooks));
    d->hooks[d->n_hooks].hook = hook;
    d->hooks[d->n_hooks].ud = ud;
    d->n_hooks++;
}

void md_deck_hook_remove(md_deck *d, const struct md_deck_hook *hook, void *ud)
{
    for (size_t i = 0; i < d->n_hooks; i++) {
        if (d->hooks[i].hook == hook && d->hooks[i].ud == ud) {
            memmove(&d->hooks[i], &d->hooks[i + 1], (d->n_hooks - i - 1) * sizeof(*d->hooks));
            d->n_hooks--;
            return;
        }
    }
}

void md_deck_notify(md_deck *d, unsigned mask)
{
    deck_changed(d, mask);
}

/* The earliest due time of any hook; 0 when none is due. */
static int64_t hooks_due(const md_deck *d)
{
    int64_t first = 0;
    for (size_t i = 0; i < d->n_hooks; i++) {
        int64_t due = d->hooks[i].hook->due(d->hooks[i].ud);
        if (due && (!first || due < first))
            first = due;
    }
    return first;
}

static void hooks_tick(md_deck *d)
{
    for (size_t i = 0; i < d->n_hooks; i++) {
        int64_t due = d->hooks[i].hook->due(d->hooks[i].ud);
        if (due && md_mono_ms() >= due)
            d->hooks[i].hook->tick(d->hooks[i].ud);
    }
}

/* --- the loop ------------------------------------------------------------------------------- */

md_status md_deck_poll(md_deck *d, struct md_pollfd *fds, unsigned nfds, int timeout_ms)
{
    int64_t due = hooks_due(d);
    if (due) {
        int64_t left = due - md_mono_ms();
        if (left < timeout_ms)
            timeout_ms = left < 0 ? 0 : (int)left;
    }
    if (d->next_refresh_mono) {
        int64_t left = d->next_refresh_mono - md_mono_ms();
        if (left < 0)
            left = 0;
        if (left < timeout_ms)
            timeout_ms = (int)left;
    }
    return md_http_poll(d->http, fds, nfds, timeout_ms);
}

unsigned md_deck_run(md_deck *d)
{
    md_http_run(d->http);
    linked_after_replies(d);
    hooks_tick(d);
    if (d->next_refresh_mono && md_mono_ms() >= d->next_refresh_mono)
        md_deck_refresh(d);
    unsigned mask = d->changes;
    d->changes = 0;
    return mask;
}

md_status md_deck_settle(md_deck *d, int timeout_ms)
{
    int64_t end = md_mono_ms() + timeout_ms;
    while (md_http_pending(d->http) || hooks_due(d)) {
        int64_t left = end - md_mono_ms();
        if (left <= 0)
            return MD_ERR_TIMEOUT;
        md_deck_poll(d, NULL, 0, left > 1000 ? 1000 : (int)left);
        md_http_run(d->http);
        linked_after_replies(d);
        hooks_tick(d);
    }
    return MD_OK;
}

size_t md_deck_pending(const md_deck *d)
{
    return md_http_pending(d->http);
}

uint64_t md_deck_requests_sent(const md_deck *d)
{
    return md_http_sent_count(d->http);
}

void deck_set_error(struct deck_backend *b, const char *what, const char *msg)
{
    if (strncmp(msg, "cannot ", 7) == 0)
        snprintf(b->error, sizeof(b->error), "%s", msg);
    else
        snprintf(b->error, sizeof(b->error), "%s: %s", what, msg);
}

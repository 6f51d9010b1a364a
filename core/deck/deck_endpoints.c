/*
 * deck_endpoints.c - endpoints in the deck: listed on every refresh, their
 * configs and traffic recorded in the store's history as observed (the
 * rollback targets), health series and config lists fetched when a view
 * asks; the platform's model monitors (listed on every refresh, cached).
 * Logs are core/deck/logtail.c's. Same rules as deck_fetch.c: a failure
 * keeps the old snapshot.
 */
#include "deck_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EP_SLOTS 64
#define MONITORS_KEY "monitors:#0"

enum ep_what { EP_LIST, EP_HEALTH, EP_CONFIGS, EP_MONITORS };

/* What an answer belongs to; on the deck's list until answered or the deck is freed. */
struct ep_req {
    md_deck *d;
    size_t bi;
    char *endpoint; /* NULL for the list and the monitors */
    enum ep_what what;
    struct ep_req *next;
    struct ep_req **pprev;
};

static struct ep_req *ep_req_new(md_deck *d, size_t bi, const char *endpoint, enum ep_what what)
{
    struct ep_req *c = md_xcalloc(1, sizeof(*c));
    c->d = d;
    c->bi = bi;
    c->endpoint = endpoint ? md_xstrdup(endpoint) : NULL;
    c->what = what;
    c->next = d->ep_reqs;
    if (d->ep_reqs)
        d->ep_reqs->pprev = &c->next;
    c->pprev = &d->ep_reqs;
    d->ep_reqs = c;
    return c;
}

static void ep_req_free(struct ep_req *c)
{
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    free(c->endpoint);
    free(c);
}

void deck_endpoint_requests_release(md_deck *d)
{
    while (d->ep_reqs)
        ep_req_free(d->ep_reqs);
}

/* Record what each endpoint serves now: its config and its traffic map. */
static void observe_endpoints(md_deck *d, size_t bi)
{
    const struct deck_backend *b = &d->backends[bi];
    char target[512];
    md_store_begin(d->store, NULL);
    for (size_t i = 0; i < b->endpoints.n; i++) {
        const struct md_endpoint *e = &b->endpoints.v[i];
        if (e->config[0]) {
            md_endpoint_target(target, sizeof(target), e->name, false);
            md_store_history_observe(d->store, b->be->name, target, e->config, md_now_ms(), NULL);
        }
        if (e->n_deployments) {
            char *w = md_endpoint_weights_string(e, false);
            md_endpoint_target(target, sizeof(target), e->name, true);
            md_store_history_observe(d->store, b->be->name, target, w, md_now_ms(), NULL);
            free(w);
        }
    }
    md_store_commit(d->store, NULL);
}

static struct endpoint_slot *ep_find(const struct deck_backend *b, const char *endpoint)
{
    for (size_t i = 0; i < b->n_eps; i++)
        if (!strcmp(b->eps[i].endpoint, endpoint))
            return &b->eps[i];
    return NULL;
}

static void ep_slot_release(struct endpoint_slot *s)
{
    free(s->endpoint);
    md_health_list_release(&s->health);
    md_endpoint_config_list_release(&s->configs);
}

static struct endpoint_slot *ep_get(struct deck_backend *b, const char *endpoint)
{
    struct endpoint_slot *s = ep_find(b, endpoint);
    if (s)
        return s;
    if (b->n_eps == MAX_EP_SLOTS) {
        ep_slot_release(&b->eps[0]);
        memmove(&b->eps[0], &b->eps[1], (b->n_eps - 1) * sizeof(b->eps[0]));
        b->n_eps--;
    }
    b->eps = md_xrealloc(b->eps, (b->n_eps + 1) * sizeof(*b->eps));
    s = &b->eps[b->n_eps++];
    memset(s, 0, sizeof(*s));
    s->endpoint = md_xstrdup(endpoint);
    return s;
}

static void got_monitors(md_deck *d, struct ep_req *c, struct md_result *r);

static void on_ep_result(struct md_result *r, void *ud)
{
    struct ep_req *c = ud;
    md_deck *d = c->d;
    struct deck_backend *b = &d->backends[c->bi];
    if (c->what == EP_MONITORS) {
        /* their failures are theirs: the endpoints on screen stay as healthy as they were */
        got_monitors(d, c, r);
        md_result_release(r);
        ep_req_free(c);
        return;
    }
    if (r->status == MD_OK) {
        b->health = MD_HEALTH_OK;
        b->error[0] = '\0';
    } else if (r->status != MD_ERR_CANCELLED) {
        b->health = MD_HEALTH_ERROR;
        b->stale = b->data_ms != 0;
        /* the header names which fetch failed, not only how */
        deck_set_error(b,
                       c->what == EP_HEALTH    ? "health"
                       : c->what == EP_CONFIGS ? "endpoint configs"
                                               : "endpoints",
                       r->err.msg);
        md_log(MD_LOG_WARN, "%s: %s", b->be->name, b->error);
    }
    deck_changed(d, MD_CHANGED_BACKENDS);
    struct endpoint_slot *s = c->endpoint ? ep_find(b, c->endpoint) : NULL;
    if (c->what == EP_LIST) {
        b->endpoints_loading = false;
        if (r->status)
            backoff_failed(&b->endpoints_bo);
        else
            backoff_ok(&b->endpoints_bo);
        /* a models or jobs list that loads after it must not hide that endpoints did not */
        if (r->status == MD_OK)
            b->endpoints_error[0] = '\0';
        else if (r->status != MD_ERR_CANCELLED)
            snprintf(b->endpoints_error, sizeof(b->endpoints_error), "%s", b->error);
        if (r->status == MD_OK) {
            if (d->store && r->raw)
                md_store_snapshot_put(d->store, b->be->name, "endpoints:#0", r->raw, r->raw_len,
                                      r->fetched_ms, NULL);
            md_endpoint_list_release(&b->endpoints);
            b->endpoints = r->endpoints;
            memset(&r->endpoints, 0, sizeof(r->endpoints));
            b->data_ms = r->fetched_ms;
            b->stale = false;
            observe_endpoints(d, c->bi);
            deck_changes_refresh(d, c->bi);
            deck_changed(d, MD_CHANGED_ENDPOINTS);
        }
    } else if (c->what == EP_HEALTH && s) {
        s->health_loading = false;
        if (r->status) {
            backoff_failed(&s->health_bo);
            if (r->status != MD_ERR_CANCELLED)
                snprintf(s->health_error, sizeof(s->health_error), "%s",
                         r->err.msg[0] ? r->err.msg : md_status_str(r->status));
        } else {
            backoff_ok(&s->health_bo);
            s->health_error[0] = '\0';
        }
        if (r->status == MD_OK) {
            md_health_list_release(&s->health);
            s->health = r->health;
            memset(&r->health, 0, sizeof(r->health));
            s->health_loaded = true;
            deck_changed(d, MD_CHANGED_HEALTH);
        }
    } else if (c->what == EP_CONFIGS && s) {
        s->configs_loading = false;
        if (r->status)
            backoff_failed(&s->configs_bo);
        else
            backoff_ok(&s->configs_bo);
        if (r->status == MD_OK) {
            md_endpoint_config_list_release(&s->configs);
            s->configs = r->configs;
            memset(&r->configs, 0, sizeof(r->configs));
            s->configs_loaded = true;
            deck_changed(d, MD_CHANGED_CONFIGS);
        }
    }
    md_result_release(r);
    ep_req_free(c);
}

void deck_endpoints_refresh(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_endpoints || b->endpoints_loading || backoff_waiting(&b->endpoints_bo))
        return;
    b->endpoints_loading = true;
    b->be->ops->list_endpoints(b->be, on_ep_result, ep_req_new(d, bi, NULL, EP_LIST));
    /* Health shown keeps showing while it is fetched again (and if that fails). */
    for (size_t i = 0; i < b->n_eps; i++) {
        struct endpoint_slot *s = &b->eps[i];
        if (s->health_loaded && !s->health_loading && !backoff_waiting(&s->health_bo) &&
            b->be->ops->get_health) {
            s->health_loading = true;
            b->be->ops->get_health(b->be, s->endpoint, 60, on_ep_result,
                                   ep_req_new(d, bi, s->endpoint, EP_HEALTH));
        }
    }
}

/* Monitors as last seen, so the endpoint screen shows them before the first answer. */
static void monitors_load_cache(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    char *body = NULL;
    size_t len = 0;
    int64_t at = 0;
    if (!b->be->ops->parse || !b->be->ops->list_monitors ||
        md_store_snapshot_get(d->store, b->be->name, MONITORS_KEY, &body, &len, &at, NULL))
        return;
    struct md_result r;
    memset(&r, 0, sizeof(r));
    if (b->be->ops->parse(MD_RESULT_MONITORS, body, len, &r, NULL) == MD_OK) {
        b->monitors = r.monitors;
        memset(&r.monitors, 0, sizeof(r.monitors));
        b->monitors_loaded = true;
    }
    md_result_release(&r);
    free(body);
}

void deck_endpoints_load_cache(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    monitors_load_cache(d, bi);
    if (!b->be->ops->parse || !b->be->ops->list_endpoints)
        return;
    char *body = NULL;
    size_t len = 0;
    int64_t at = 0;
    if (md_store_snapshot_get(d->store, b->be->name, "endpoints:#0", &body, &len, &at, NULL))
        return;
    struct md_result r;
    memset(&r, 0, sizeof(r));
    if (b->be->ops->parse(MD_RESULT_ENDPOINTS, body, len, &r, NULL) == MD_OK) {
        b->endpoints = r.endpoints;
        memset(&r.endpoints, 0, sizeof(r.endpoints));
        if (!b->data_ms || at < b->data_ms)
            b->data_ms = at;
        b->stale = true;
    }
    md_result_release(&r);
    free(body);
}

void md_deck_want_health(md_deck *d, size_t bi, const char *endpoint, int minutes)
{
    if (bi >= d->n_backends || !endpoint)
        return;
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->get_health)
        return;
    struct endpoint_slot *s = ep_get(b, endpoint);
    if (s->health_loading || s->health_loaded || backoff_waiting(&s->health_bo))
        return;
    s->health_loading = true;
    b->be->ops->get_health(b->be, endpoint, minutes, on_ep_result,
                           ep_req_new(d, bi, endpoint, EP_HEALTH));
}

void md_deck_want_endpoint_configs(md_deck *d, size_t bi, const char *endpoint)
{
    if (bi >= d->n_backends || !endpoint)
        return;
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_endpoint_configs)
        return;
    struct endpoint_slot *s = ep_get(b, endpoint);
    if (s->configs_loading || s->configs_loaded || backoff_waiting(&s->configs_bo))
        return; /* configs never change once made; a refresh of the list is not needed */
    s->configs_loading = true;
    b->be->ops->list_endpoint_configs(b->be, endpoint, on_ep_result,
                                      ep_req_new(d, bi, endpoint, EP_CONFIGS));
}

static const struct md_endpoint_list empty_endpoints;

const struct md_endpoint_list *md_deck_endpoints(const md_deck *d, size_t bi)
{
    return bi < d->n_backends ? &d->backends[bi].endpoints : &empty_endpoints;
}

const struct md_endpoint *md_deck_endpoint(const md_deck *d, size_t bi, const char *name)
{
    const struct md_endpoint_list *l = md_deck_endpoints(d, bi);
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].name, name))
            return &l->v[i];
    return NULL;
}

const struct md_health_list *md_deck_health(const md_deck *d, size_t bi, const char *endpoint)
{
    if (bi >= d->n_backends || !endpoint)
        return NULL;
    const struct endpoint_slot *s = ep_find(&d->backends[bi], endpoint);
    return s && s->health_loaded ? &s->health : NULL;
}

const char *md_deck_health_error(const md_deck *d, size_t bi, const char *endpoint)
{
    if (bi >= d->n_backends || !endpoint)
        return "";
    const struct endpoint_slot *s = ep_find(&d->backends[bi], endpoint);
    return s ? s->health_error : "";
}

const char *deck_endpoints_error(const struct deck_backend *b)
{
    if (b->endpoints_error[0])
        return b->endpoints_error;
    for (size_t i = 0; i < b->n_eps; i++)
        if (b->eps[i].health_error[0])
            return b->eps[i].health_error;
    return "";
}

const struct md_endpoint_config_list *md_deck_endpoint_configs(const md_deck *d, size_t bi,
                                                               const char *endpoint)
{
    if (bi >= d->n_backends || !endpoint)
        return NULL;
    const struct endpoint_slot *s = ep_find(&d->backends[bi], endpoint);
    return s && s->configs_loaded ? &s->configs : NULL;
}

md_status md_deck_endpoint_history(md_deck *d, size_t bi, const char *endpoint, bool traffic,
                                   size_t max, struct md_history_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (bi >= d->n_backends)
        return MD_ERR_NOT_FOUND;
    char target[512];
    md_endpoint_target(target, sizeof(target), endpoint, traffic);
    return md_store_history_list(d->store, d->backends[bi].be->name, target, max, out, n, NULL);
}

void md_deck_put_endpoint(md_deck *d, size_t bi, struct md_endpoint *fresh)
{
    if (bi >= d->n_backends) {
        md_endpoint_release(fresh);
        return;
    }
    struct md_endpoint_list *l = &d->backends[bi].endpoints;
    for (size_t i = 0; i < l->n; i++) {
        if (!strcmp(l->v[i].name, fresh->name)) {
            md_endpoint_release(&l->v[i]);
            l->v[i] = *fresh;
            memset(fresh, 0, sizeof(*fresh));
            observe_endpoints(d, bi);
            deck_changed(d, MD_CHANGED_ENDPOINTS);
            return;
        }
    }
    *md_endpoint_list_push(l) = *fresh;
    memset(fresh, 0, sizeof(*fresh));
    observe_endpoints(d, bi);
    deck_changed(d, MD_CHANGED_ENDPOINTS);
}

void deck_endpoints_release(struct deck_backend *b)
{
    md_endpoint_list_release(&b->endpoints);
    for (size_t i = 0; i < b->n_eps; i++)
        ep_slot_release(&b->eps[i]);
    free(b->eps);
    md_monitor_list_release(&b->monitors);
    deck_changes_release(b);
}

/* --- the platform's model monitors ----------------------------------------------------------- */

void deck_monitors_refresh(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_monitors || b->monitors_loading)
        return;
    b->monitors_loading = true;
    b->be->ops->list_monitors(b->be, on_ep_result, ep_req_new(d, bi, NULL, EP_MONITORS));
}

static void got_monitors(md_deck *d, struct ep_req *c, struct md_result *r)
{
    struct deck_backend *b = &d->backends[c->bi];
    b->monitors_loading = false;
    if (r->status != MD_OK) {
        if (r->status != MD_ERR_CANCELLED) {
            snprintf(b->monitors_error, sizeof(b->monitors_error), "%s",
                     r->err.msg[0] ? r->err.msg : md_status_str(r->status));
            md_log(MD_LOG_WARN, "%s: %s", b->be->name, b->monitors_error);
            deck_changed(d, MD_CHANGED_MONITORS);
        }
        return;
    }
    if (d->store && r->raw &&
        md_store_snapshot_put(d->store, b->be->name, MONITORS_KEY, r->raw, r->raw_len,
                              r->fetched_ms, NULL))
        md_log(MD_LOG_WARN, "%s: cannot cache the model monitors", b->be->name);
    md_monitor_list_release(&b->monitors);
    b->monitors = r->monitors;
    memset(&r->monitors, 0, sizeof(r->monitors));
    b->monitors_loaded = true;
    b->monitors_error[0] = '\0';
    deck_changed(d, MD_CHANGED_MONITORS);
}

const struct md_monitor_list *md_deck_monitors(const md_deck *d, size_t bi)
{
    if (bi >= d->n_backends || !d->backends[bi].monitors_loaded)
        return NULL;
    return &d->backends[bi].monitors;
}

const char *md_deck_monitors_error(const md_deck *d, size_t bi)
{
    return bi < d->n_backends ? d->backends[bi].monitors_error : "";
}

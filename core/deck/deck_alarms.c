/*
 * deck_alarms.c - the platforms' alarms on endpoints in the deck: one list
 * per backend (every endpoint's alarms in one read), fetched again with the
 * endpoints on every refresh, cached in the store so the first frame shows
 * the last known states. A failed read keeps the alarms on screen, waits
 * (back-off) and is reported apart from the endpoints: an account that may
 * not read CloudWatch alarms still lists its endpoints.
 */
#include "deck_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALARMS_KEY "alarms:#0"

/* The request in flight: at most one per backend, freed with the deck when never answered. */
struct alarm_req {
    md_deck *d;
    size_t bi;
};

struct deck_alarms {
    struct md_alarm_list alarms;
    bool loaded;
    bool loading;
    struct backoff bo;
    char error[256];
    struct alarm_req *req;
};

static struct deck_alarms *state(struct deck_backend *b)
{
    if (!b->alarms)
        b->alarms = md_xcalloc(1, sizeof(*b->alarms));
    return b->alarms;
}

static void on_alarms(struct md_result *r, void *ud)
{
    struct alarm_req *c = ud;
    md_deck *d = c->d;
    struct deck_backend *b = &d->backends[c->bi];
    struct deck_alarms *a = state(b);
    a->req = NULL;
    a->loading = false;
    if (r->status != MD_OK) {
        backoff_failed(&a->bo);
        if (r->status != MD_ERR_CANCELLED) {
            snprintf(a->error, sizeof(a->error), "%s",
                     r->err.msg[0] ? r->err.msg : md_status_str(r->status));
            md_log(MD_LOG_WARN, "%s: %s", b->be->name, a->error);
        }
    } else {
        backoff_ok(&a->bo);
        a->error[0] = '\0';
        if (d->store && r->raw &&
            md_store_snapshot_put(d->store, b->be->name, ALARMS_KEY, r->raw, r->raw_len,
                                  r->fetched_ms, NULL))
            md_log(MD_LOG_WARN, "%s: cannot cache the alarms", b->be->name);
        md_alarm_list_release(&a->alarms);
        a->alarms = r->alarms;
        memset(&r->alarms, 0, sizeof(r->alarms));
        a->loaded = true;
    }
    deck_changed(d, MD_CHANGED_ALARMS);
    md_result_release(r);
    free(c);
}

void deck_alarms_refresh(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_alarms || !(b->be->ops->caps & MD_CAP_ALARMS))
        return;
    struct deck_alarms *a = state(b);
    if (a->loading || backoff_waiting(&a->bo))
        return;
    a->loading = true;
    a->req = md_xcalloc(1, sizeof(*a->req));
    a->req->d = d;
    a->req->bi = bi;
    b->be->ops->list_alarms(b->be, NULL, on_alarms, a->req);
}

void deck_alarms_load_cache(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    char *body = NULL;
    size_t len = 0;
    int64_t at = 0;
    if (!b->be->ops->parse || !b->be->ops->list_alarms ||
        md_store_snapshot_get(d->store, b->be->name, ALARMS_KEY, &body, &len, &at, NULL))
        return;
    struct md_result r;
    memset(&r, 0, sizeof(r));
    if (b->be->ops->parse(MD_RESULT_ALARMS, body, len, &r, NULL) == MD_OK) {
        struct deck_alarms *a = state(b);
        a->alarms = r.alarms;
        memset(&r.alarms, 0, sizeof(r.alarms));
        a->loaded = true;
    }
    md_result_release(&r);
    free(body);
}

void deck_alarms_release(struct deck_backend *b)
{
    if (!b->alarms)
        return;
    md_alarm_list_release(&b->alarms->alarms);
    free(b->alarms->req);
    free(b->alarms);
    b->alarms = NULL;
}

const struct md_alarm_list *md_deck_alarms(const md_deck *d, size_t bi)
{
    if (bi >= d->n_backends || !d->backends[bi].alarms || !d->backends[bi].alarms->loaded)
        return NULL;
    return &d->backends[bi].alarms->alarms;
}

size_t md_deck_alarms_firing(const md_deck *d, size_t bi, const char *endpoint)
{
    const struct md_alarm_list *l = md_deck_alarms(d, bi);
    size_t n = 0;
    for (size_t i = 0; l && i < l->n; i++)
        n += l->v[i].state == MD_ALARM_ALARM &&
             (!endpoint || !strcmp(l->v[i].target ? l->v[i].target : "", endpoint));
    return n;
}

const char *md_deck_alarms_error(const md_deck *d, size_t bi)
{
    return bi < d->n_backends && d->backends[bi].alarms ? d->backends[bi].alarms->error : "";
}

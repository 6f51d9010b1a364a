/*
 * deck_alarms.c - the platforms' alarms on endpoints in the deck: one list
 * per backend (every endpoint's alarms in one read), fetched again with the
 * endpoints on every refresh, cached in the store so the first frame shows
 * the last known states. A failed read keeps the alarms on screen, waits
 * (back-off) and is reported apart from the endpoints: an account that may
 * not read CloudWatch alarms still lists its endpoints.
 *
 * The alarms' past states (for the timeline) are kept in the state file's
 * platform history with source "alarm": Azure's come with the alarm list
 * (its fired alerts); CloudWatch's are a second read, DescribeAlarmHistory,
 * asked after a successful alarm list (the items name only the alarm, the
 * list says which endpoint it watches), at most once per HISTORY_EVERY_MS,
 * from the newest kept state change (the first look HISTORY_FIRST_DAYS back).
 */
#include "deck_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALARMS_KEY "alarms:#0"
#define HISTORY_FIRST_DAYS 7
#define HISTORY_EVERY_MS 60000

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
    struct alarm_req *hist_req; /* the history read in flight */
    int64_t hist_next_ms;       /* no history read before (md_now_ms()) */
    struct backoff hist_bo;
};

static struct deck_alarms *state(struct deck_backend *b)
{
    if (!b->alarms)
        b->alarms = md_xcalloc(1, sizeof(*b->alarms));
    return b->alarms;
}

/* Keep the alarms' state changes; a failure only loses the timeline's alarm rows. */
static void keep_history(md_deck *d, struct deck_backend *b, const struct md_change_list *l)
{
    struct md_err err = MD_ERR_INIT;
    if (d->store && l->n && md_store_changes_put(d->store, b->be->name, l->v, l->n, &err))
        md_log(MD_LOG_WARN, "%s", err.msg);
}

/* The endpoint alarm `name` watches, from the alarm list; NULL when it watches none. */
static const char *alarm_target(const struct md_alarm_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].name && !strcmp(l->v[i].name, name) && l->v[i].target && l->v[i].target[0])
            return l->v[i].target;
    return NULL;
}

static void on_history(struct md_result *r, void *ud)
{
    struct alarm_req *c = ud;
    md_deck *d = c->d;
    struct deck_backend *b = &d->backends[c->bi];
    struct deck_alarms *a = state(b);
    a->hist_req = NULL;
    if (r->status == MD_OK) {
        backoff_ok(&a->hist_bo);
        /* an item names its alarm only ("alarm NAME"): the list says whose it is */
        struct md_change_list kept = {0};
        for (size_t i = 0; i < r->changes.n; i++) {
            struct md_change *ch = &r->changes.v[i];
            const char *op = ch->operation ? ch->operation : "";
            const char *ep = !strncmp(op, "alarm ", 6) ? alarm_target(&a->alarms, op + 6) : NULL;
            if (!ep)
                continue;
            free(ch->target);
            ch->target = md_xstrdup(ep);
            *md_change_list_push(&kept) = *ch;
            memset(ch, 0, sizeof(*ch));
        }
        keep_history(d, b, &kept);
        md_change_list_release(&kept);
        deck_changed(d, MD_CHANGED_ALARMS);
    } else if (r->status != MD_ERR_CANCELLED) {
        backoff_failed(&a->hist_bo);
        md_log(MD_LOG_WARN, "%s: %s", b->be->name, r->err.msg);
    }
    md_result_release(r);
    free(c);
}

static void history_refresh(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    struct deck_alarms *a = state(b);
    int64_t now = md_now_ms();
    if (!b->be->ops->list_alarm_history || a->hist_req || now < a->hist_next_ms ||
        backoff_waiting(&a->hist_bo) || !a->alarms.n)
        return;
    int64_t since = 0;
    struct md_err err = MD_ERR_INIT;
    if (d->store && md_store_changes_newest_source(d->store, b->be->name, "alarm", &since, &err))
        md_log(MD_LOG_WARN, "%s", err.msg);
    int64_t first = now - (int64_t)HISTORY_FIRST_DAYS * 86400 * 1000;
    if (since < first)
        since = first;
    a->hist_next_ms = now + HISTORY_EVERY_MS;
    a->hist_req = md_xcalloc(1, sizeof(*a->hist_req));
    a->hist_req->d = d;
    a->hist_req->bi = bi;
    b->be->ops->list_alarm_history(b->be, since, on_history, a->hist_req);
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
        keep_history(d, b, &r->changes);
        history_refresh(d, c->bi);
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
    free(b->alarms->hist_req);
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

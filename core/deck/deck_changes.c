/*
 * deck_changes.c - the platform's own history of who changed each endpoint
 * (CloudTrail LookupEvents, the Azure Activity Log), fetched incrementally
 * and kept in the state file (md_store_changes_*), where the layers above
 * read who made the last change.
 *
 * CloudTrail answers LookupEvents at about two calls a second per account,
 * so the fetches are few: each endpoint at most once per CHANGES_EVERY_MS,
 * at most CHANGES_IN_FLIGHT at once (the next starts when one answers), at
 * most CHANGES_PER_REFRESH per endpoint list (the least recently asked
 * first, so a large account is covered over a few refreshes instead of
 * holding a headless command for minutes), and each asks only from the
 * newest event kept (StartTime); the first look goes back
 * CHANGES_FIRST_DAYS. A failing one backs off like every slot.
 */
#include "deck_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANGES_FIRST_DAYS 7
#define CHANGES_EVERY_MS 30000
#define CHANGES_IN_FLIGHT 2
#define CHANGES_PER_REFRESH 16
#define CHANGES_SLOTS 1024 /* endpoints per backend whose history is followed */

struct chg_slot {
    char *endpoint;
    bool wanted; /* in the newest endpoint list */
    bool loading;
    int64_t next_ms;  /* not asked again before (md_now_ms()) */
    int64_t asked_ms; /* when last asked; 0 never */
    struct backoff bo;
};

struct chg_req {
    md_deck *d;
    size_t bi;
    char *endpoint;
    struct chg_req *next;
};

struct deck_changes {
    struct chg_slot *v;
    size_t n;
    size_t in_flight;
    size_t budget;        /* lookups this endpoint list may still start */
    struct chg_req *reqs; /* unanswered, freed with the deck */
};

static struct chg_slot *slot_get(struct deck_changes *c, const char *endpoint)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].endpoint, endpoint))
            return &c->v[i];
    if (c->n == CHANGES_SLOTS)
        return NULL;
    c->v = md_xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
    struct chg_slot *s = &c->v[c->n++];
    memset(s, 0, sizeof(*s));
    s->endpoint = md_xstrdup(endpoint);
    return s;
}

static void on_changes(struct md_result *r, void *ud);

/* The due slot asked longest ago (never asked first); NULL when none is due. */
static struct chg_slot *next_due(struct deck_changes *c, int64_t now)
{
    struct chg_slot *best = NULL;
    for (size_t i = 0; i < c->n; i++) {
        struct chg_slot *s = &c->v[i];
        if (!s->wanted || s->loading || now < s->next_ms || backoff_waiting(&s->bo))
            continue;
        if (!best || s->asked_ms < best->asked_ms)
            best = s;
    }
    return best;
}

/* Start what is due, up to the in-flight bound and the refresh's budget. */
static void pump(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    struct deck_changes *c = b->chg;
    int64_t now = md_now_ms();
    struct chg_slot *s;
    while (c->in_flight < CHANGES_IN_FLIGHT && c->budget > 0 && (s = next_due(c, now))) {
        int64_t since = 0;
        struct md_err err = MD_ERR_INIT;
        if (d->store && md_store_changes_newest(d->store, b->be->name, s->endpoint, &since, &err))
            md_log(MD_LOG_WARN, "%s", err.msg);
        if (since <= 0)
            since = now - (int64_t)CHANGES_FIRST_DAYS * 86400 * 1000;
        struct chg_req *q = md_xcalloc(1, sizeof(*q));
        q->d = d;
        q->bi = bi;
        q->endpoint = md_xstrdup(s->endpoint);
        q->next = c->reqs;
        c->reqs = q;
        s->loading = true;
        s->next_ms = now + CHANGES_EVERY_MS;
        s->asked_ms = now;
        c->in_flight++;
        c->budget--;
        b->be->ops->list_changes(b->be, s->endpoint, since, on_changes, q);
    }
}

static void req_unlink(struct deck_changes *c, struct chg_req *q)
{
    for (struct chg_req **p = &c->reqs; *p; p = &(*p)->next) {
        if (*p == q) {
            *p = q->next;
            break;
        }
    }
    free(q->endpoint);
    free(q);
}

static void on_changes(struct md_result *r, void *ud)
{
    struct chg_req *q = ud;
    md_deck *d = q->d;
    size_t bi = q->bi;
    struct deck_backend *b = &d->backends[bi];
    struct deck_changes *c = b->chg;
    struct chg_slot *s = slot_get(c, q->endpoint);
    c->in_flight--;
    if (s)
        s->loading = false;
    if (r->status == MD_OK) {
        if (s)
            backoff_ok(&s->bo);
        struct md_err err = MD_ERR_INIT;
        if (d->store &&
            md_store_changes_put(d->store, b->be->name, r->changes.v, r->changes.n, &err))
            md_log(MD_LOG_WARN, "%s", err.msg);
        if (r->changes.n)
            deck_changed(d, MD_CHANGED_ENDPOINTS);
    } else if (r->status != MD_ERR_CANCELLED) {
        /* the history is an extra: the endpoints on screen stay as healthy as they were */
        if (s)
            backoff_failed(&s->bo);
        md_log(MD_LOG_WARN, "%s: %s", b->be->name, r->err.msg);
    }
    md_result_release(r);
    req_unlink(c, q);
    pump(d, bi);
}

void deck_changes_refresh(md_deck *d, size_t bi)
{
    struct deck_backend *b = &d->backends[bi];
    if (!b->be->ops->list_changes || !(b->be->ops->caps & MD_CAP_CHANGES))
        return;
    if (!b->chg)
        b->chg = md_xcalloc(1, sizeof(*b->chg));
    struct deck_changes *c = b->chg;
    for (size_t i = 0; i < c->n; i++)
        c->v[i].wanted = false;
    c->budget = CHANGES_PER_REFRESH;
    for (size_t i = 0; i < b->endpoints.n; i++) {
        struct chg_slot *s = slot_get(c, b->endpoints.v[i].name);
        if (s)
            s->wanted = true;
    }
    pump(d, bi);
}

void deck_changes_release(struct deck_backend *b)
{
    struct deck_changes *c = b->chg;
    if (!c)
        return;
    while (c->reqs) {
        struct chg_req *q = c->reqs;
        c->reqs = q->next;
        free(q->endpoint);
        free(q);
    }
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].endpoint);
    free(c->v);
    free(c);
    b->chg = NULL;
}

md_status md_deck_changes(md_deck *d, size_t bi, const char *endpoint, size_t max,
                          struct md_change_list *out)
{
    if (bi >= d->n_backends || !d->store || !endpoint)
        return MD_ERR_NOT_FOUND;
    struct md_err err = MD_ERR_INIT;
    md_status st =
        md_store_changes_list(d->store, d->backends[bi].be->name, endpoint, max, out, &err);
    if (st)
        md_log(MD_LOG_WARN, "%s", err.msg);
    return st;
}

/*
 * timeline.c - the incident timeline's rows: matching a target the way a
 * user names it, adding rows from records held in memory (platform history,
 * alarms), ordering. The rows kept in the state file are read by
 * core/store/store_timeline.c.
 */
#include "mldeck/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/md.h"

struct md_tl_row *md_timeline_push(struct md_timeline *t)
{
    if (t->n == t->alloc) {
        t->alloc = t->alloc ? t->alloc * 2 : 32;
        t->v = md_xrealloc(t->v, t->alloc * sizeof(*t->v));
    }
    struct md_tl_row *r = &t->v[t->n++];
    memset(r, 0, sizeof(*r));
    return r;
}

void md_timeline_release(struct md_timeline *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].backend);
        md_change_release(&t->v[i].c);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

int64_t md_tl_row_time(const struct md_tl_row *r)
{
    return r->c.at_ms ? r->c.at_ms : r->c.seen_before_ms;
}

/* The part of a store target that names the thing: "endpoint:NAME#traffic" -> NAME. */
static size_t target_name(const char *target, const char **name)
{
    const char *p = target;
    if (!strncmp(p, "endpoint:", 9))
        p += 9;
    const char *hash = strchr(p, '#');
    *name = p;
    return hash ? (size_t)(hash - p) : strlen(p);
}

bool md_timeline_target_matches(const char *target, const char *want)
{
    if (!want || !*want)
        return true;
    if (!target)
        return false;
    if (!strcmp(target, want))
        return true;
    const char *name;
    size_t len = target_name(target, &name);
    size_t wlen = strlen(want);
    if (len == wlen && !strncmp(name, want, len))
        return true;
    /* a model name asks for all of its aliases: "churn" matches "churn@champion" */
    const char *at = strrchr(target, '@');
    return at && strncmp(target, "endpoint:", 9) && (size_t)(at - target) == wlen &&
           !strncmp(target, want, wlen);
}

static bool in_window(const struct md_tl_query *q, int64_t from_ms, int64_t to_ms)
{
    if (!q)
        return true;
    if (to_ms < q->since_ms)
        return false;
    return !q->until_ms || (from_ms ? from_ms : to_ms) <= q->until_ms;
}

/* "churn" -> "endpoint:churn"; an alias target ("m@a") stays as it is. */
static char *store_target(const char *target)
{
    if (!target)
        return md_xstrdup("");
    if (strchr(target, '@') || !strncmp(target, "endpoint:", 9))
        return md_xstrdup(target);
    return md_xasprintf("endpoint:%s", target);
}

void md_timeline_add_change(struct md_timeline *t, const char *backend, const struct md_change *c,
                            const struct md_tl_query *q)
{
    int64_t to = c->at_ms ? c->at_ms : c->seen_before_ms;
    char *target = store_target(c->target);
    if (!in_window(q, c->at_ms ? 0 : c->seen_after_ms, to) ||
        !md_timeline_target_matches(target, q ? q->target : NULL)) {
        free(target);
        return;
    }
    struct md_tl_row *r = md_timeline_push(t);
    r->backend = md_xstrdup0(backend);
    r->c.target = target;
    r->c.operation = md_xstrdup0(c->operation);
    r->c.actor = md_xstrdup0(c->actor);
    r->c.actor_kind = md_xstrdup0(c->actor_kind);
    r->c.at_ms = c->at_ms;
    r->c.seen_after_ms = c->seen_after_ms;
    r->c.seen_before_ms = c->seen_before_ms;
    r->c.detail = md_xstrdup0(c->detail);
    r->c.status = md_xstrdup0(c->status);
    r->c.error = md_xstrdup0(c->error);
    r->c.source = md_xstrdup0(c->source);
    r->c.id = md_xstrdup0(c->id);
}

void md_timeline_add_changes(struct md_timeline *t, const char *backend,
                             const struct md_change_list *changes, const struct md_tl_query *q)
{
    for (size_t i = 0; changes && i < changes->n; i++)
        md_timeline_add_change(t, backend, &changes->v[i], q);
}

void md_timeline_add_alarms(struct md_timeline *t, const char *backend,
                            const struct md_alarm_list *alarms, const struct md_tl_query *q)
{
    for (size_t i = 0; alarms && i < alarms->n; i++) {
        const struct md_alarm *a = &alarms->v[i];
        /* only a state with a known start is a point on the axis */
        if (!a->since_ms || a->state == MD_ALARM_UNKNOWN)
            continue;
        char *target = store_target(a->target);
        if (!in_window(q, 0, a->since_ms) ||
            !md_timeline_target_matches(target, q ? q->target : NULL)) {
            free(target);
            continue;
        }
        struct md_tl_row *r = md_timeline_push(t);
        r->backend = md_xstrdup0(backend);
        r->c.target = target;
        r->c.operation = md_xasprintf("alarm %s", a->name ? a->name : "");
        r->c.actor = md_xstrdup("");
        r->c.at_ms = a->since_ms;
        r->c.detail = md_xasprintf("-> %s%s%s", md_alarm_state_str(a->state),
                                   a->reason && *a->reason ? ": " : "", a->reason ? a->reason : "");
        r->c.status = md_xstrdup(md_alarm_state_str(a->state));
        r->c.source = md_xstrdup("alarm");
        r->c.id = md_xasprintf("alarm:%s", a->name ? a->name : "");
    }
}

static int row_cmp(const void *a, const void *b)
{
    const struct md_tl_row *x = a, *y = b;
    int64_t tx = md_tl_row_time(x), ty = md_tl_row_time(y);
    if (tx != ty)
        return tx < ty ? 1 : -1;
    /* ties: a stable, meaningful order (the action before what it caused to be observed) */
    int c = strcmp(x->c.source ? x->c.source : "", y->c.source ? y->c.source : "");
    if (c)
        return c;
    return strcmp(x->c.id ? x->c.id : "", y->c.id ? y->c.id : "");
}

void md_timeline_sort(struct md_timeline *t)
{
    if (t->n > 1)
        qsort(t->v, t->n, sizeof(*t->v), row_cmp);
}

/* The platform event slack around an observation's bracket: clocks and delivery differ. */
#define TL_EXPLAIN_SLACK_MS (60 * 1000)

static bool is_platform(const struct md_tl_row *r)
{
    return !strcmp(r->c.source, "cloudtrail") || !strcmp(r->c.source, "activity-log");
}

/* The platform's history has an event on the endpoint this observation is of, inside it. */
static bool platform_explains(const struct md_timeline *t, const struct md_tl_row *o)
{
    const char *name;
    size_t len = target_name(o->c.target, &name);
    for (size_t i = 0; i < t->n; i++) {
        const struct md_tl_row *p = &t->v[i];
        if (!is_platform(p) || strcmp(p->backend, o->backend))
            continue;
        const char *pn;
        size_t plen = target_name(p->c.target, &pn);
        if (plen != len || strncmp(pn, name, len))
            continue;
        if (p->c.at_ms >= o->c.seen_after_ms - TL_EXPLAIN_SLACK_MS &&
            p->c.at_ms <= o->c.seen_before_ms + TL_EXPLAIN_SLACK_MS)
            return true;
    }
    return false;
}

/* A row of an alarm's current state (md_timeline_add_alarms: id "alarm:NAME"), not history. */
static bool is_alarm_now(const struct md_tl_row *r)
{
    const char *op = r->c.operation ? r->c.operation : "";
    return !strcmp(r->c.source, "alarm") && !strncmp(op, "alarm ", 6) && r->c.id &&
           !strncmp(r->c.id, "alarm:", 6) && !strcmp(r->c.id + 6, op + 6);
}

/*
 * The alarm's history holds the change into its current state (a state
 * change of the same alarm and target at or after the current state's start,
 * a minute's slack: clocks and rounding differ), so the state is not a second row.
 */
static bool history_shows(const struct md_timeline *t, const struct md_tl_row *now)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct md_tl_row *h = &t->v[i];
        if (h == now || strcmp(h->c.source, "alarm") || is_alarm_now(h) ||
            strcmp(h->backend, now->backend) || strcmp(h->c.target, now->c.target) ||
            strcmp(h->c.operation ? h->c.operation : "", now->c.operation))
            continue;
        if (h->c.at_ms >= now->c.at_ms - TL_EXPLAIN_SLACK_MS)
            return true;
    }
    return false;
}

void md_timeline_finish(struct md_timeline *t)
{
    /* mark first, then compact: the search must not meet a row already freed */
    bool *drop = md_xcalloc(t->n ? t->n : 1, sizeof(*drop));
    for (size_t i = 0; i < t->n; i++) {
        const struct md_tl_row *r = &t->v[i];
        drop[i] = (!strcmp(r->c.source, "observed") && !strncmp(r->c.target, "endpoint:", 9) &&
                   platform_explains(t, r)) ||
                  (is_alarm_now(r) && history_shows(t, r));
    }
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (drop[i]) {
            free(t->v[i].backend);
            md_change_release(&t->v[i].c);
        } else {
            t->v[kept++] = t->v[i];
        }
    }
    free(drop);
    t->n = kept;
    md_timeline_sort(t);
}

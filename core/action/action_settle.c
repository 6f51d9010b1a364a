/*
 * action_settle.c - what a killed process left: an action whose "started"
 * entry has no "finished" one (or only one saying the outcome was unknown)
 * is settled at the next start by re-reading its target: "ok" when the
 * target holds the planned value, "failed" when it holds the old one,
 * "unknown" otherwise. Each re-read is one request of its own.
 */
#include "action_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long an outcome left "unknown" is looked at again by later starts. */
#define RESETTLE_MAX_AGE_MS (24LL * 3600 * 1000)

struct settle {
    md_actions *a;
    struct md_audit_entry e;
    struct md_plan plan;
    bool had_finish; /* an earlier "finished" entry left the outcome unknown */
    struct settle *next;
};

static void settle_free(struct settle *s)
{
    md_plan_release(&s->plan);
    md_audit_entry_release(&s->e);
    free(s);
}

/* Unlink s from the list of settles in flight. */
static void settle_unlink(md_actions *a, struct settle *s)
{
    for (struct settle **pp = &a->settles; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            return;
        }
    }
}

void action_settles_release(md_actions *a)
{
    while (a->settles) {
        struct settle *s = a->settles;
        a->settles = s->next;
        settle_free(s);
    }
}

/* The outcome the re-read shows, as a "finished" entry (or a log line while it is unknown). */
static void settled(struct settle *s, const struct md_result *r)
{
    char *now = action_value_now(&s->plan, r);
    /* an endpoint still moving holds its old value: nothing is known yet, ask again next start */
    bool moving = now && !action_is_alias(s->plan.kind) && !action_is_approval(s->plan.kind) &&
                  action_status_settling(r->endpoints.v[0].status);
    const char *outcome = "unknown";
    if (!moving && now && !strcmp(now, s->e.after))
        outcome = "ok";
    else if (!moving && now && !strcmp(now, s->e.before))
        outcome = "failed";
    char msg[256];
    snprintf(msg, sizeof(msg), "settled after restart: now %s", now ? now : "(unreadable)");
    /* a second "unknown" would add nothing; the first one said so already */
    if (moving || (s->had_finish && !strcmp(outcome, "unknown")))
        md_log(MD_LOG_INFO, "audit entry %lld (%s) not settled yet: %s", (long long)s->e.id,
               s->e.target, moving ? r->endpoints.v[0].status : "still unknown");
    else
        action_audit(s->a, &s->plan, "finished", outcome, msg, s->e.id);
    free(now);
}

static void on_settled(struct md_result *r, void *ud)
{
    struct settle *s = ud;
    md_actions *a = s->a;
    a->in_flight--;
    if (!a->closed) /* closed: the layer is gone for its front end; a later start settles */
        settled(s, r);
    md_result_release(r);
    settle_unlink(a, s);
    settle_free(s);
}

/*
 * Send the re-read of one unsettled entry; false (and nothing sent) when its
 * kind, backend or target is unknown here, or the backend cannot read it.
 */
static bool settle_start(md_actions *a, struct md_audit_entry *e)
{
    long bi = md_deck_backend_index(a->deck, e->backend);
    enum md_action_kind k = action_kind_parse(e->action);
    if (bi < 0 || k == MD_ACTION_KIND_COUNT)
        return false;
    bool had_finish = action_audit_has_finish(a, e->id);
    if (had_finish && md_now_ms() - e->ts_ms > RESETTLE_MAX_AGE_MS)
        return false;
    struct md_backend *be = md_deck_backend(a->deck, (size_t)bi);
    const struct md_backend_ops *ops = be->ops;
    struct settle *s = md_xcalloc(1, sizeof(*s));
    s->a = a;
    s->had_finish = had_finish;
    s->e = *e;
    memset(e, 0, sizeof(*e));
    s->plan.kind = k;
    s->plan.backend = (size_t)bi;
    s->plan.backend_name = md_xstrdup(s->e.backend);
    s->plan.target = md_xstrdup(s->e.target);
    s->plan.from = md_xstrdup(s->e.before);
    s->plan.to = md_xstrdup(s->e.after);
    bool ok = action_plan_target(&s->plan, k, s->e.target) &&
              (action_is_approval(k) ? ops->list_versions != NULL
               : action_is_alias(k)  ? ops->get_alias != NULL
                                     : ops->get_endpoint != NULL);
    if (!ok) {
        settle_free(s);
        return false;
    }
    s->next = a->settles;
    a->settles = s;
    a->in_flight++;
    if (action_is_approval(k))
        ops->list_versions(be, s->plan.model, NULL, 1000, on_settled, s);
    else if (action_is_alias(k))
        ops->get_alias(be, s->plan.model, s->plan.alias, on_settled, s);
    else
        ops->get_endpoint(be, s->plan.endpoint, on_settled, s);
    return true;
}

void md_action_settle_unfinished(md_actions *a)
{
    struct md_audit_entry *v = NULL;
    size_t n = 0;
    if (md_store_audit_unsettled(md_deck_store(a->deck), &v, &n, NULL))
        return;
    for (size_t i = 0; i < n; i++)
        settle_start(a, &v[i]);
    md_store_audit_free(v, n);
}

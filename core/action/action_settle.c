/*
 * action_settle.c - actions whose outcome no re-read has proved yet: a
 * "started" entry with no "finished" one, left by a killed process or by a
 * write answered with an error (then a "pending" entry follows it). Each
 * start and refresh re-reads their targets: the planned value settles one
 * "ok"; anything else proves nothing, as the write may still be held by a
 * gateway and land later, so the entry stays pending (one "pending" entry
 * says so) until it is older than the settle window, when a "finished"
 * entry "unknown" gives the reason. Each re-read is one request of its own.
 */
#include "action_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct settle {
    md_actions *a;
    struct md_audit_entry e;
    struct md_plan plan;
    struct settle *next;
};

void action_settle_init(md_actions *a)
{
    long s = ACTION_SETTLE_WINDOW_S;
    const char *v = getenv("MLDECK_SETTLE_WINDOW");
    if (v && *v && md_parse_long(v, 0, 30L * 86400, &s))
        md_log(MD_LOG_WARN, "MLDECK_SETTLE_WINDOW '%s' is not a number of seconds: using %d", v,
               ACTION_SETTLE_WINDOW_S);
    a->settle_window_ms = (v && *v && s >= 0 ? s : ACTION_SETTLE_WINDOW_S) * 1000LL;
}

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

/* The outcome the re-read shows: "ok", else pending (said once), else "unknown" past the window. */
static void settled(struct settle *s, const struct md_result *r)
{
    md_actions *a = s->a;
    char *now = action_value_now(&s->plan, r);
    /* an endpoint still moving holds its old value: it proves nothing yet */
    bool moving = now && !action_is_alias(s->plan.kind) && !action_is_approval(s->plan.kind) &&
                  action_status_settling(r->endpoints.v[0].status);
    char seen[200];
    if (!now)
        snprintf(seen, sizeof(seen), "cannot re-read: %s", r->err.msg);
    else if (moving)
        snprintf(seen, sizeof(seen), "still %s with %s", r->endpoints.v[0].status, now);
    else
        snprintf(seen, sizeof(seen), "re-read shows %s", now);
    char msg[256];
    int64_t age = md_now_ms() - s->e.ts_ms;
    if (!moving && now && !strcmp(now, s->e.after)) {
        snprintf(msg, sizeof(msg), "confirmed by re-read: now %s", now);
        action_audit(a, &s->plan, "finished", "ok", msg, s->e.id);
    } else if (age >= a->settle_window_ms) {
        snprintf(msg, sizeof(msg),
                 "not settled within %lld s of the start: %s (before %s, planned %s); no re-read "
                 "showed the change applied",
                 (long long)(a->settle_window_ms / 1000), seen, s->e.before, s->e.after);
        action_audit(a, &s->plan, "finished", "unknown", msg, s->e.id);
    } else if (!action_audit_has_pending(a, s->e.id)) {
        snprintf(msg, sizeof(msg),
                 "outcome pending: %s, not %s yet; re-read by later starts for up to %lld s", seen,
                 s->e.after, (long long)(a->settle_window_ms / 1000));
        action_audit(a, &s->plan, "pending", "pending", msg, s->e.id);
    } else {
        md_log(MD_LOG_INFO, "audit entry %lld (%s) still pending: %s", (long long)s->e.id,
               s->e.target, seen);
    }
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
    /* this process's own action is still being verified; one re-read in flight is enough */
    bool running =
        a->phase == MD_ACTION_RUNNING || a->phase == MD_ACTION_VERIFYING || a->next_poll_mono;
    if (running && e->id == a->started_id)
        return false;
    for (const struct settle *t = a->settles; t; t = t->next)
        if (t->e.id == e->id)
            return false;
    struct md_backend *be = md_deck_backend(a->deck, (size_t)bi);
    const struct md_backend_ops *ops = be->ops;
    struct settle *s = md_xcalloc(1, sizeof(*s));
    s->a = a;
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

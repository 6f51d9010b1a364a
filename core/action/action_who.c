/*
 * action_who.c - who made the last change of an alias or an endpoint, and
 * when: the platform's own history first, then mldeck's audit log, and an
 * honest "unknown" with a time bracket when neither can say.
 *
 * The audit log alone is not evidence: an entry of mldeck's only explains
 * the value seen now when it set exactly that value on exactly that target
 * within the time the change must have happened in. Matching on the target
 * alone named mldeck's user for a later move made from Python, after an
 * mldeck undo.
 */
#include "action_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * An action's finished entry is written right after the re-read that saw its
 * value; a refresh may have seen the value a little before that.
 */
#define WHO_SLACK_MS 60000
/*
 * A platform's record explains the newest observed change only when it is
 * later than the last look that saw the old value; this much clock skew
 * between the platform and this machine is allowed.
 */
#define WHO_SKEW_MS 2000

/* A change as mldeck's looks saw it: the value now and the bracket it happened in. */
struct seen_change {
    bool known;      /* the value was seen at all */
    bool changed;    /* an older, different value was seen too */
    char value[256]; /* seen now */
    char prev[256];  /* before it, when changed */
    int64_t prev_first_ms;
    int64_t after_ms;  /* the last look that saw prev (0 when not changed) */
    int64_t before_ms; /* the first look that saw value */
};

static void seen_read(md_store *store, const char *backend, const char *target,
                      struct seen_change *sc)
{
    memset(sc, 0, sizeof(*sc));
    struct md_history_entry *h = NULL;
    size_t n = 0;
    if (md_store_history_list(store, backend, target, 2, &h, &n, NULL) || n == 0)
        return;
    sc->known = true;
    snprintf(sc->value, sizeof(sc->value), "%s", h[0].value);
    sc->before_ms = h[0].seen_ms;
    if (n >= 2) {
        sc->changed = true;
        snprintf(sc->prev, sizeof(sc->prev), "%s", h[1].value);
        sc->prev_first_ms = h[1].seen_ms;
        sc->after_ms = h[1].last_ms;
    }
    md_store_history_free(h, n);
}

/* The "started" entry of a finished one, for when the action began. */
static int64_t started_ms(const md_actions *a, const struct md_audit_entry *fin)
{
    for (size_t i = 0; i < a->n_audit; i++)
        if (a->audit[i].id == fin->ref_id)
            return a->audit[i].ts_ms;
    return fin->ts_ms;
}

/*
 * mldeck's own successful action that explains the change seen: same
 * backend and target, the value seen now as its result, begun before the
 * new value was first seen and finished after the old one was first seen.
 */
static const struct md_audit_entry *audit_match(const md_actions *a, const char *backend,
                                                const char *target, const struct seen_change *sc)
{
    for (size_t i = 0; i < a->n_audit; i++) {
        const struct md_audit_entry *e = &a->audit[i];
        if (strcmp(e->target, target) || strcmp(e->backend, backend) ||
            strcmp(e->phase, "finished") || strcmp(e->outcome, "ok") || strcmp(e->after, sc->value))
            continue;
        if (sc->changed && e->ts_ms < sc->prev_first_ms)
            continue; /* an older action that set the same value (before an undo) */
        if (started_ms(a, e) > sc->before_ms + WHO_SLACK_MS)
            continue;
        return e;
    }
    return NULL;
}

static void who_set(struct md_who *w, const char *by, int64_t at_ms, const char *source)
{
    memset(w, 0, sizeof(*w));
    snprintf(w->by, sizeof(w->by), "%s", by && *by ? by : "unknown");
    w->at_ms = at_ms;
    snprintf(w->source, sizeof(w->source), "%s", source);
}

/* From what mldeck saw of one target: its own action, else unknown in a bracket. */
static void who_from_seen(const md_actions *a, const char *backend, const char *target,
                          const struct seen_change *sc, struct md_who *out)
{
    const struct md_audit_entry *e = audit_match(a, backend, target, sc);
    if (e) {
        who_set(out, e->who, e->ts_ms, "mldeck");
        snprintf(out->what, sizeof(out->what), "%s %s -> %s", e->action, e->before, e->after);
        return;
    }
    who_set(out, NULL, 0, "observed");
    out->after_ms = sc->after_ms;
    out->before_ms = sc->before_ms;
    if (sc->changed)
        snprintf(out->what, sizeof(out->what), "%s -> %s", sc->prev, sc->value);
    else
        snprintf(out->what, sizeof(out->what), "%s", sc->value);
}

/*
 * The platform names its own actor (the IAM identity or service principal
 * mldeck used); when the change is an audited action of mldeck's, say whose.
 */
static void note_mldeck(const md_actions *a, const char *backend, const char *target,
                        const struct seen_change *sc, struct md_who *out)
{
    const struct md_audit_entry *e = sc->known ? audit_match(a, backend, target, sc) : NULL;
    if (!e || e->ts_ms > out->at_ms + WHO_SLACK_MS || e->ts_ms + WHO_SLACK_MS < out->at_ms)
        return;
    size_t n = strlen(out->what);
    snprintf(out->what + n, sizeof(out->what) - n, "%svia mldeck by %s", n ? ", " : "", e->who);
}

bool md_actions_who_alias(const md_actions *a, size_t bi, const char *model, const char *alias,
                          struct md_who *out)
{
    const struct md_backend *be = a->deck ? md_deck_backend(a->deck, bi) : NULL;
    if (!be)
        return false;
    char target[512];
    md_alias_target(target, sizeof(target), model, alias);
    struct seen_change sc;
    seen_read(md_deck_store(a->deck), be->name, target, &sc);
    if (!sc.known)
        return false;
    who_from_seen(a, be->name, target, &sc, out);
    return true;
}

/* The newest change the platform's history records that took effect. */
static bool platform_change(md_deck *d, size_t bi, const char *endpoint, struct md_who *out)
{
    struct md_change_list l = {0};
    bool found = false;
    if (md_deck_changes(d, bi, endpoint, 20, &l) == MD_OK) {
        for (size_t i = 0; i < l.n && !found; i++) {
            const struct md_change *c = &l.v[i];
            /* a failed or canceled write changed nothing; "" is a record without an outcome */
            if (c->status && *c->status && strcasecmp(c->status, "Succeeded") != 0)
                continue;
            who_set(out, c->actor, c->at_ms, c->source);
            const char *op = c->operation ? c->operation : "";
            const char *slash = strrchr(op, '/');
            /* "Microsoft.MachineLearningServices/.../onlineEndpoints/write" -> "onlineEndpoints/write" */
            if (slash && slash > op) {
                const char *p = slash - 1;
                while (p > op && p[-1] != '/')
                    p--;
                op = p;
            }
            snprintf(out->what, sizeof(out->what), "%s%s%s", op, c->detail && *c->detail ? " " : "",
                     c->detail ? c->detail : "");
            found = true;
        }
    }
    md_change_list_release(&l);
    return found;
}

bool md_actions_who_endpoint(const md_actions *a, size_t bi, const struct md_endpoint *e,
                             struct md_who *out)
{
    const struct md_backend *be = a->deck ? md_deck_backend(a->deck, bi) : NULL;
    if (!be)
        return false;
    md_store *store = md_deck_store(a->deck);
    /* the newest change mldeck saw, of the config or of the traffic */
    struct seen_change sc;
    struct seen_change best = {0};
    char best_target[512] = "";
    for (int traffic = 0; traffic < 2; traffic++) {
        char target[512];
        md_endpoint_target(target, sizeof(target), e->name, traffic);
        seen_read(store, be->name, target, &sc);
        bool newer = sc.changed ? !best.changed || sc.before_ms > best.before_ms
                                : sc.known && !best.changed &&
                                      (!best.known || sc.before_ms < best.before_ms);
        if (newer) {
            best = sc;
            snprintf(best_target, sizeof(best_target), "%s", target);
        }
    }
    /* the platform's record wins unless mldeck has since seen a newer change */
    struct md_who pw;
    if (platform_change(a->deck, bi, e->name, &pw) &&
        (!best.changed || pw.at_ms + WHO_SKEW_MS > best.after_ms)) {
        *out = pw;
        note_mldeck(a, be->name, best_target, &best, out);
        return true;
    }
    if (e->updated_by && *e->updated_by && e->updated > 0 &&
        (!best.changed || e->updated + WHO_SKEW_MS > best.after_ms)) {
        who_set(out, e->updated_by, e->updated, "systemData");
        note_mldeck(a, be->name, best_target, &best, out);
        return true;
    }
    if (best.changed) {
        who_from_seen(a, be->name, best_target, &best, out);
        /* the platform's last-modified time inside the bracket is when it happened */
        if (!out->at_ms && e->updated > best.after_ms && e->updated <= best.before_ms)
            out->at_ms = e->updated;
        return true;
    }
    if (best.known && audit_match(a, be->name, best_target, &best)) {
        who_from_seen(a, be->name, best_target, &best, out);
        return true;
    }
    if (e->updated > 0) {
        who_set(out, NULL, e->updated, "platform");
        return true;
    }
    if (!best.known)
        return false;
    who_from_seen(a, be->name, best_target, &best, out);
    return true;
}

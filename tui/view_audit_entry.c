/*
 * view_audit_entry.c - one audit entry in full (Enter on the audit log):
 * every field, the reason in whole, and how the action ended as the re-reads
 * of its target found it (the entries that refer to it, or the one it
 * refers to). The entry is found again by id at every draw: the list is
 * lent and reloads whenever anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme_curses.h"
#include "ui.h"

struct audit_entry_view {
    struct view base;
    int64_t id;
};

static const struct md_audit_entry *find(const struct app *a, int64_t id,
                                         const struct md_audit_entry **all, size_t *n)
{
    md_actions_audit(a->actions, all, n);
    for (size_t i = 0; i < *n; i++)
        if ((*all)[i].id == id)
            return &(*all)[i];
    return NULL;
}

/* Draw "label  value" with the value wrapped over as many lines as it needs; returns the next y. */
static int field(WINDOW *w, int y, int h, const char *label, const char *value, attr_t va)
{
    int cw = getmaxx(w);
    int lw = 10;
    const char *p = value && *value ? value : "-";
    bool first = true;
    while (y < h && (first || *p)) {
        if (first)
            text_put(w, y, 1, lw, label, ui_attr(MD_THEME_DIM), 0);
        int room = cw - lw - 2;
        /* cut at a byte count near the room; text_put measures cells and ends with an ellipsis */
        size_t take = strlen(p);
        if (room > 0 && text_width(p) > room) {
            take = (size_t)room;
            while (take > 0 && ((unsigned char)p[take] & 0xc0) == 0x80)
                take--;
        }
        char part[1024];
        snprintf(part, sizeof(part), "%.*s",
                 (int)(take < sizeof(part) - 1 ? take : sizeof(part) - 1), p);
        text_put(w, y++, lw + 2, room, part, va, 0);
        p += strlen(part);
        first = false;
    }
    return y;
}

static enum md_theme_role outcome_role(const char *outcome)
{
    if (!strcmp(outcome, "ok"))
        return MD_THEME_STATUS_OK;
    if (!strcmp(outcome, "failed"))
        return MD_THEME_STATUS_FAIL;
    if (!strcmp(outcome, "refused") || !strcmp(outcome, "unknown") || !strcmp(outcome, "pending"))
        return MD_THEME_STATUS_WARN;
    return MD_THEME_DIM;
}

static void draw(struct view *v, WINDOW *w)
{
    struct audit_entry_view *x = (struct audit_entry_view *)v;
    const struct md_audit_entry *all;
    size_t n;
    const struct md_audit_entry *e = find(v->app, x->id, &all, &n);
    char title[96];
    snprintf(title, sizeof(title), "Audit entry #%lld", (long long)x->id);
    ui_draw_title(v->app, w, title, NULL, 0, "");
    int h = getmaxy(w);
    if (!e) {
        ui_draw_note(w, 2, "this entry is no longer among the last entries of the log",
                     MD_THEME_DIM);
        return;
    }
    attr_t na = ui_attr(MD_THEME_NORMAL);
    char buf[256];
    int64_t now = md_now_ms();
    int y = 2;
    md_fmt_when(e->ts_ms, now, buf, sizeof(buf));
    y = field(w, y, h, "time", buf, na);
    y = field(w, y, h, "who", e->who, na);
    y = field(w, y, h, "action", e->action, na);
    y = field(w, y, h, "backend", e->backend, na);
    y = field(w, y, h, "target", e->target, na);
    y = field(w, y, h, "before", e->before, na);
    y = field(w, y, h, "after", e->after, na);
    y = field(w, y, h, "phase", e->phase, na);
    y = field(w, y, h, "outcome", e->outcome, ui_attr(outcome_role(e->outcome)));
    y = field(w, y, h, "reason", e->message, na);
    if (e->ref_id) {
        snprintf(buf, sizeof(buf), "#%lld (the entry written when the action started)",
                 (long long)e->ref_id);
        y = field(w, y, h, "refers to", buf, na);
    }
    /*
     * The re-read outcome: a started entry is settled by the entries that refer to it
     * (pending while re-reads disagree, then finished); a finished one names its start.
     */
    y++;
    if (y < h)
        text_put(w, y++, 1, getmaxx(w) - 2, "re-read outcome", ui_attr(MD_THEME_COLUMN_HEADER),
                 TEXT_PAD);
    int found = 0;
    for (size_t i = n; i-- > 0 && y < h;) {
        const struct md_audit_entry *r = &all[i];
        bool related =
            (e->ref_id == 0 && r->ref_id == e->id) ||
            (e->ref_id && r->id != e->id && (r->id == e->ref_id || r->ref_id == e->ref_id));
        if (!related)
            continue;
        char when[96], line[1024];
        md_fmt_when(r->ts_ms, now, when, sizeof(when));
        snprintf(line, sizeof(line), "#%lld %s  %s %s: %s", (long long)r->id, when, r->phase,
                 r->outcome, *r->message ? r->message : "-");
        y = field(w, y, h, "", line, ui_attr(outcome_role(r->outcome)));
        found++;
    }
    if (!found && y < h)
        field(w, y, h, "",
              e->ref_id ? "the started entry is no longer in the log"
              : !strcmp(e->phase, "started")
                  ? "not settled yet: no re-read of the target has finished"
                  : "none: this entry stands alone",
              ui_attr(MD_THEME_DIM));
}

static unsigned key(struct view *v, enum km_action act)
{
    (void)v;
    (void)act;
    return 0;
}

static void on_change(struct view *v, unsigned mask)
{
    if (mask & (MD_CHANGED_AUDIT | MD_CHANGED_ACTION))
        v->dirty = true;
}

static void destroy(struct view *v)
{
    free(v);
}

const struct view_ops view_audit_entry_ops = {
    .name = "audit-entry",
    .title = "One audit entry",
    .keys = NULL,
    .table_nav = false,
    .create = NULL,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
};

struct view *view_audit_entry_new(struct app *app, int64_t id)
{
    struct audit_entry_view *x = md_xcalloc(1, sizeof(*x));
    x->base.ops = &view_audit_entry_ops;
    x->base.app = app;
    x->id = id;
    return &x->base;
}

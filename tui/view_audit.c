/*
 * view_audit.c - the audit log, newest first: who did what to which target,
 * from what to what, and how it ended. 'u' undoes the last action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollback.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

struct audit {
    struct view base;
    struct table table;
};

enum { COL_TIME, COL_WHO, COL_ACTION, COL_TARGET, COL_CHANGE, COL_PHASE, COL_OUTCOME, COL_MSG };

static const struct km_entry audit_keys[] = {
    {{KM_ENTER},
     ACT_OPEN,
     "detail",
     "the selected entry in full: every field, the reason, the re-read outcome",
     0},
    {{'u'}, ACT_UNDO, "undo", "reverse the last action (type model name)", KM_MUTATING},
};
static const struct km_table audit_km = {"Audit", audit_keys, MD_ARRAY_LEN(audit_keys)};

static const struct md_audit_entry *entry(const struct audit *a, size_t row)
{
    const struct md_audit_entry *v;
    size_t n;
    md_actions_audit(a->base.app->actions, &v, &n);
    return row < n ? &v[row] : NULL;
}

static enum md_theme_role outcome_role(const char *outcome)
{
    if (strcmp(outcome, "ok") == 0)
        return MD_THEME_STATUS_OK;
    if (strcmp(outcome, "failed") == 0)
        return MD_THEME_STATUS_FAIL;
    if (strcmp(outcome, "refused") == 0 || strcmp(outcome, "unknown") == 0 ||
        strcmp(outcome, "pending") == 0)
        return MD_THEME_STATUS_WARN;
    return MD_THEME_DIM;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    const struct md_audit_entry *e = entry(ctx, row);
    if (!e)
        return;
    switch (col) {
    case COL_TIME:
        fmt_when_short(e->ts_ms, md_now_ms(), buf, len);
        break;
    case COL_WHO:
        snprintf(buf, len, "%s", e->who);
        break;
    case COL_ACTION:
        snprintf(buf, len, "%s", e->action);
        break;
    case COL_TARGET:
        if (md_deck_backend_count(((struct audit *)ctx)->base.app->deck) > 1)
            snprintf(buf, len, "%s:%s", e->backend, e->target);
        else
            snprintf(buf, len, "%s", e->target);
        break;
    case COL_CHANGE:
        if (*e->before || *e->after)
            snprintf(buf, len, "%s %s %s", *e->before ? e->before : "-", text_glyph("\u2192", "->"),
                     *e->after ? e->after : "-");
        break;
    case COL_PHASE:
        snprintf(buf, len, "%s", e->phase);
        break;
    case COL_OUTCOME:
        snprintf(buf, len, "%s", e->outcome);
        *role = outcome_role(e->outcome);
        break;
    case COL_MSG:
        snprintf(buf, len, "%s", e->message);
        break;
    default:
        break;
    }
}

static int cmp(void *ctx, size_t a, size_t b, size_t col)
{
    const struct md_audit_entry *x = entry(ctx, a);
    const struct md_audit_entry *y = entry(ctx, b);
    if (!x || !y)
        return 0;
    if (col == COL_TIME)
        return x->ts_ms < y->ts_ms ? -1 : x->ts_ms > y->ts_ms ? 1 : 0;
    char bx[256] = "";
    char by[256] = "";
    enum md_theme_role ignore;
    cell(ctx, a, col, bx, sizeof(bx), &ignore);
    cell(ctx, b, col, by, sizeof(by), &ignore);
    return strcmp(bx, by);
}

static const struct table_source source = {cell, cmp, NULL};

static void rebuild(struct audit *a)
{
    const struct md_audit_entry *v;
    size_t n;
    md_actions_audit(a->base.app->actions, &v, &n);
    table_rebuild(&a->table, n);
    a->base.dirty = true;
}

static struct view *create(struct app *app)
{
    struct audit *a = md_xcalloc(1, sizeof(*a));
    a->base.ops = &view_audit_ops;
    a->base.app = app;
    table_init(&a->table, &source, a);
    table_add_col(&a->table, "TIME", 16, 0);
    table_add_col(&a->table, "WHO", 12, 0);
    table_add_col(&a->table, "ACTION", 14, 0);
    table_add_col(&a->table, "TARGET", 26, 0);
    table_add_col(&a->table, "CHANGE", 9, 0);
    table_add_col(&a->table, "PHASE", 8, 0);
    table_add_col(&a->table, "OUTCOME", 7, 0);
    table_add_col(&a->table, "MESSAGE", 1, TABLE_FLEX); /* wide terminals; else the line below */
    rebuild(a);
    return &a->base;
}

static void destroy(struct view *v)
{
    struct audit *a = (struct audit *)v;
    table_release(&a->table);
    free(a);
}

static void draw(struct view *v, WINDOW *w)
{
    struct audit *a = (struct audit *)v;
    const struct md_audit_entry *e;
    size_t n;
    md_actions_audit(v->app->actions, &e, &n);
    if (n != a->table.n_data)
        table_rebuild(&a->table, n);
    /* The table leaves two lines for the selected entry's message, which rarely fits a column. */
    int h = getmaxy(w);
    int width = getmaxx(w);
    WINDOW *top = derwin(w, h - 2, width, 0, 0);
    if (!top)
        return;
    ui_draw_table_screen(v->app, top, &a->table, "Audit log (newest first)", 0,
                         "no actions recorded yet");
    delwin(top);
    size_t row;
    const struct md_audit_entry *sel = table_selected(&a->table, &row) ? entry(a, row) : NULL;
    if (sel) {
        char line[512], when[96];
        md_fmt_when(sel->ts_ms, md_now_ms(), when, sizeof(when));
        snprintf(line, sizeof(line), " %s  %s%s%s", when, sel->outcome, *sel->message ? ": " : "",
                 sel->message);
        text_put(w, h - 1, 0, width, line, ui_attr(outcome_role(sel->outcome)), 0);
    }
}

static unsigned key(struct view *v, enum km_action act)
{
    if (act == ACT_UNDO)
        return rollback_undo(v->app);
    if (act == ACT_OPEN) {
        size_t row;
        const struct md_audit_entry *e = table_selected(&((struct audit *)v)->table, &row)
                                             ? entry((struct audit *)v, row)
                                             : NULL;
        if (e)
            ui_push(v->app, view_audit_entry_new(v->app, e->id));
        return REACT_HANDLED | REACT_REDRAW;
    }
    return table_key(&((struct audit *)v)->table, act);
}

static void on_change(struct view *v, unsigned mask)
{
    if (mask & (MD_CHANGED_AUDIT | MD_CHANGED_ACTION))
        rebuild((struct audit *)v);
}

static struct table *table(struct view *v)
{
    return &((struct audit *)v)->table;
}

const struct view_ops view_audit_ops = {
    .name = "audit",
    .title = "Audit log",
    .keys = &audit_km,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

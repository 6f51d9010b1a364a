/*
 * view_timeline.c - ':timeline [TARGET]': every change to what is served, on
 * one time axis, newest first: mldeck's own actions, changes it observed but
 * did not make (who unknown, time a bracket), the platform's history, alarm
 * state and drift windows over threshold (mldeck/timeline.h). Enter shows a
 * row whole; 'r' plans undoing the change the row names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mldeck/timeline.h"
#include "rollback.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

/* How far back the console's timeline reaches. */
#define TIMELINE_SPAN_MS (7LL * 24 * 3600 * 1000)

struct timeline {
    struct view base;
    struct table table;
    struct md_timeline rows;
    char *target; /* NULL: every target */
    char error[256];
    bool detail; /* Enter: the selected row in full below the table */
};

enum { COL_WHEN, COL_TARGET, COL_WHAT, COL_CHANGE, COL_WHO, COL_SOURCE, COL_STATUS };

static const struct km_entry timeline_keys[] = {
    {{KM_ENTER}, ACT_OPEN, "details", "show the selected change in full", 0},
    {{'r'}, ACT_ROLLBACK, "undo", "plan undoing the selected change (type the name)", KM_MUTATING},
};
static const struct km_table timeline_km = {"Timeline", timeline_keys, MD_ARRAY_LEN(timeline_keys)};

static const struct md_tl_row *row_at(const struct timeline *t, size_t row)
{
    return row < t->rows.n ? &t->rows.v[row] : NULL;
}

/* "HH:MM" of a time, local. */
static void hhmm(int64_t ms, char *buf, size_t len)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&s, &tm) || strftime(buf, len, "%H:%M", &tm) == 0)
        snprintf(buf, len, "?");
}

/* A point: its date and time; a bracket: "12:03-12:05" after the end's date. */
static void when(const struct md_tl_row *r, char *buf, size_t len)
{
    if (r->c.at_ms) {
        fmt_time(r->c.at_ms, buf, len);
        return;
    }
    char end[32], from[16], to[16];
    fmt_time(r->c.seen_before_ms, end, sizeof(end));
    hhmm(r->c.seen_after_ms, from, sizeof(from));
    hhmm(r->c.seen_before_ms, to, sizeof(to));
    char *space = strchr(end, ' ');
    if (space)
        *space = '\0';
    snprintf(buf, len, "%s %s%s%s", end, from, text_glyph("\u2013", "-"), to);
}

static const char *who(const struct md_tl_row *r)
{
    if (!strcmp(r->c.source, "drift") || !strcmp(r->c.source, "alarm"))
        return "-";
    return *r->c.actor ? r->c.actor : "unknown";
}

static enum md_theme_role status_role(const struct md_tl_row *r)
{
    const char *s = r->c.status;
    if (!strcmp(s, "ok") || !strcmp(s, "Succeeded") || !strcmp(s, "OK"))
        return MD_THEME_STATUS_OK;
    if (!strcmp(s, "failed") || !strcmp(s, "Failed") || !strcmp(s, "ALARM") || !strcmp(s, "drift"))
        return MD_THEME_STATUS_FAIL;
    return *s ? MD_THEME_STATUS_WARN : MD_THEME_DIM;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    const struct md_tl_row *r = row_at(ctx, row);
    if (!r)
        return;
    switch (col) {
    case COL_WHEN:
        when(r, buf, len);
        break;
    case COL_TARGET:
        snprintf(buf, len, "%s", r->c.target);
        break;
    case COL_WHAT:
        snprintf(buf, len, "%s", r->c.operation);
        break;
    case COL_CHANGE:
        snprintf(buf, len, "%s", r->c.detail);
        break;
    case COL_WHO:
        snprintf(buf, len, "%s", who(r));
        if (!*r->c.actor)
            *role = MD_THEME_DIM;
        break;
    case COL_SOURCE:
        snprintf(buf, len, "%s", r->c.source);
        break;
    case COL_STATUS:
        snprintf(buf, len, "%s", r->c.status);
        *role = status_role(r);
        break;
    default:
        break;
    }
}

static int cmp(void *ctx, size_t a, size_t b, size_t col)
{
    const struct md_tl_row *x = row_at(ctx, a), *y = row_at(ctx, b);
    if (!x || !y)
        return 0;
    if (col == COL_WHEN) {
        int64_t tx = md_tl_row_time(x), ty = md_tl_row_time(y);
        return tx < ty ? -1 : tx > ty ? 1 : 0;
    }
    char bx[256] = "", by[256] = "";
    enum md_theme_role ignore;
    cell(ctx, a, col, bx, sizeof(bx), &ignore);
    cell(ctx, b, col, by, sizeof(by), &ignore);
    return strcmp(bx, by);
}

static const struct table_source source = {cell, cmp, NULL};

/* Read every source again; the store is local, so this is a few small queries. */
static void reload(struct timeline *t)
{
    md_timeline_release(&t->rows);
    struct md_err err = MD_ERR_INIT;
    t->error[0] = '\0';
    if (md_deck_timeline(t->base.app->deck, md_now_ms() - TIMELINE_SPAN_MS, t->target, &t->rows,
                         &err))
        snprintf(t->error, sizeof(t->error), "%s", err.msg);
    table_rebuild(&t->table, t->rows.n);
    t->base.dirty = true;
}

static struct view *create_for(struct app *app, const char *target)
{
    struct timeline *t = md_xcalloc(1, sizeof(*t));
    t->base.ops = &view_timeline_ops;
    t->base.app = app;
    t->target = target && *target ? md_xstrdup(target) : NULL;
    table_init(&t->table, &source, t);
    table_add_col(&t->table, "WHEN", 22, 0);
    table_add_col(&t->table, "TARGET", 26, 0);
    table_add_col(&t->table, "WHAT", 34, 0);
    table_add_col(&t->table, "CHANGE", 24, TABLE_FLEX);
    table_add_col(&t->table, "WHO", 24, 0);
    table_add_col(&t->table, "SOURCE", 12, 0);
    table_add_col(&t->table, "STATUS", 10, 0);
    reload(t);
    return &t->base;
}

struct view *view_timeline_new(struct app *app, const char *target)
{
    return create_for(app, target);
}

static struct view *create(struct app *app)
{
    return create_for(app, NULL);
}

static void destroy(struct view *v)
{
    struct timeline *t = (struct timeline *)v;
    table_release(&t->table);
    md_timeline_release(&t->rows);
    free(t->target);
    free(t);
}

/* The selected row in full, one field a line, under the table. */
static void draw_detail(WINDOW *w, int y, int width, const struct md_tl_row *r)
{
    char buf[512], at[64];
    when(r, at, sizeof(at));
    const char *lines[][2] = {
        {"when", at},
        {"target", r->c.target},
        {"what", r->c.operation},
        {"change", r->c.detail},
        {"who", who(r)},
        {"source", r->c.source},
        {"status", r->c.status},
        {"message", r->c.error ? r->c.error : ""},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(lines); i++) {
        snprintf(buf, sizeof(buf), " %-8s %s", lines[i][0], lines[i][1]);
        text_put(w, y + (int)i, 0, width, buf, ui_attr(i == 0 ? MD_THEME_TITLE : MD_THEME_NORMAL),
                 0);
    }
}

#define DETAIL_LINES 8

static void draw(struct view *v, WINDOW *w)
{
    struct timeline *t = (struct timeline *)v;
    int h = getmaxy(w), width = getmaxx(w);
    size_t row;
    const struct md_tl_row *sel = table_selected(&t->table, &row) ? row_at(t, row) : NULL;
    int below = t->detail && sel && h > DETAIL_LINES + 6 ? DETAIL_LINES : 0;
    WINDOW *top = derwin(w, h - below, width, 0, 0);
    if (!top)
        return;
    char title[256];
    snprintf(title, sizeof(title), "Timeline%s%s (newest first, last 7 days)",
             t->target ? " of " : "", t->target ? t->target : "");
    ui_draw_table_screen(v->app, top, &t->table, title, 0,
                         t->error[0] ? t->error : "nothing changed in the last 7 days");
    delwin(top);
    if (below)
        draw_detail(w, h - below, width, sel);
}

/* 'r': the undo of the row's change, as a plan in the confirmation dialog. */
static unsigned undo(struct timeline *t)
{
    struct app *a = t->base.app;
    size_t row;
    const struct md_tl_row *r = table_selected(&t->table, &row) ? row_at(t, row) : NULL;
    if (!r)
        return REACT_HANDLED;
    long bi = md_deck_backend_index(a->deck, r->backend);
    if (bi < 0 || !strcmp(r->c.source, "drift") || !strcmp(r->c.source, "alarm")) {
        ui_status(a, MD_THEME_ERROR, "'%s' is not a change mldeck can undo", r->c.operation);
        return REACT_HANDLED | REACT_REDRAW;
    }
    /* mldeck's and observed rows say what the target held before: put that back */
    const char *arrow = strstr(r->c.detail, " -> ");
    if ((!strcmp(r->c.source, "mldeck") || !strcmp(r->c.source, "observed")) && arrow) {
        char *before = md_xasprintf("%.*s", (int)(arrow - r->c.detail), r->c.detail);
        unsigned re = rollback_target_to(a, (size_t)bi, r->c.target, before);
        free(before);
        return re;
    }
    /* the platform's history names an operation, not a value: the endpoint's own rollback */
    if (!strncmp(r->c.target, "endpoint:", 9)) {
        char *name = md_xstrdup(r->c.target + 9);
        char *hash = strchr(name, '#');
        if (hash)
            *hash = '\0';
        unsigned re = rollback_endpoint(a, (size_t)bi, name);
        free(name);
        return re;
    }
    ui_status(a, MD_THEME_ERROR, "'%s' is not a change mldeck can undo", r->c.operation);
    return REACT_HANDLED | REACT_REDRAW;
}

static unsigned key(struct view *v, enum km_action act)
{
    struct timeline *t = (struct timeline *)v;
    if (act == ACT_OPEN) {
        t->detail = !t->detail;
        v->dirty = true;
        return REACT_HANDLED | REACT_REDRAW;
    }
    if (act == ACT_ROLLBACK)
        return undo(t);
    return table_key(&t->table, act);
}

static void on_change(struct view *v, unsigned mask)
{
    if (mask & (MD_CHANGED_AUDIT | MD_CHANGED_ACTION | MD_CHANGED_MODELS | MD_CHANGED_VERSIONS |
                MD_CHANGED_ENDPOINTS | MD_CHANGED_ALARMS))
        reload((struct timeline *)v);
}

static struct table *table(struct view *v)
{
    return &((struct timeline *)v)->table;
}

const struct view_ops view_timeline_ops = {
    .name = "timeline",
    .title = "Incident timeline",
    .keys = &timeline_km,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

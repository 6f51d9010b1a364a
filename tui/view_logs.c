/*
 * view_logs.c - the logs of an endpoint or one of its deployments, newest
 * at the bottom, followed as they grow (core/logtail): while the selection
 * sits on the last line a new line moves it along, once the operator moves
 * up the view stays put and says "paused" until End (or G) brings it back.
 * '/' filters like any table, 'n' hides health-check noise (and counts what
 * it hid), 'f' stops or resumes fetching, 'c' switches an Azure ML
 * deployment's container. Lines come sanitized from the core and are never
 * stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mldeck/logtail.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

struct logs_view {
    struct view base;
    struct table table; /* rows: positions in shown[] */
    size_t bi;
    char *endpoint;
    char *deployment; /* as asked; "" for all */
    enum md_log_container container;
    md_logtail *tail;
    size_t *shown; /* logtail line numbers the table rows stand for */
    size_t n_shown;
    size_t hidden; /* noise lines left out */
    bool hide_noise;
    bool at_end;     /* the selection follows the last line */
    uint64_t added;  /* md_logtail_added() at the last rebuild */
    size_t col_skip; /* untimed lines: the table has only the MESSAGE column */
};

enum { COL_TIME, COL_SOURCE, COL_TEXT };

static const struct km_entry logs_keys[] = {
    {{'f'},
     ACT_LOGS_FOLLOW,
     "follow",
     "follow new lines on or off (End resumes after scrolling up)",
     0},
    {{'n'},
     ACT_LOGS_NOISE,
     "noise",
     "hide or show health-check noise: /ping, /health, /score requests answered 200",
     0},
    {{'c'},
     ACT_LOGS_CONTAINER,
     NULL,
     "Azure ML: switch between the inference server and the storage initializer",
     0},
};
static const struct km_table logs_km = {"Logs", logs_keys, MD_ARRAY_LEN(logs_keys)};

static bool line_of(const struct logs_view *v, size_t row, struct md_log_line *l)
{
    return row < v->n_shown && md_logtail_line(v->tail, v->shown[row], l);
}

static enum md_theme_role line_role(const char *s)
{
    if (strstr(s, "ERROR") || strstr(s, "Error") || strstr(s, "Traceback") ||
        strstr(s, "Exception") || strstr(s, "FATAL") || strstr(s, "CRITICAL"))
        return MD_THEME_STATUS_FAIL;
    if (strstr(s, "WARN"))
        return MD_THEME_STATUS_WARN;
    return MD_THEME_NORMAL;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct md_log_line l;
    if (!line_of(ctx, row, &l))
        return;
    switch (col + ((struct logs_view *)ctx)->col_skip) {
    case COL_TIME:
        if (l.at_ms > 0) {
            time_t sec = (time_t)(l.at_ms / 1000);
            struct tm tm;
            localtime_r(&sec, &tm);
            strftime(buf, len, "%H:%M:%S", &tm);
        }
        *role = MD_THEME_DIM;
        break;
    case COL_SOURCE:
        snprintf(buf, len, "%s", l.source);
        *role = MD_THEME_DIM;
        break;
    case COL_TEXT:
        snprintf(buf, len, "%s", l.text);
        *role = line_role(l.text);
        break;
    default:
        break;
    }
}

/* Lines keep the order they came in: sorting a log would only confuse. */
static int cmp(void *ctx, size_t a, size_t b, size_t col)
{
    (void)ctx;
    (void)col;
    return a < b ? -1 : a > b;
}

static const struct table_source source = {cell, cmp, NULL};

static bool sel_at_end(const struct logs_view *v)
{
    return v->table.n == 0 || v->table.sel + 1 >= v->table.n;
}

/* The rows again from the logtail's lines; the selection moves along when it was at the end. */
static void rebuild(struct logs_view *v)
{
    size_t n = v->tail ? md_logtail_count(v->tail) : 0;
    v->shown = md_xrealloc(v->shown, (n ? n : 1) * sizeof(*v->shown));
    v->n_shown = 0;
    v->hidden = 0;
    struct md_log_line l;
    for (size_t i = 0; i < n && md_logtail_line(v->tail, i, &l); i++) {
        if (v->hide_noise && md_logtail_is_noise(l.text))
            v->hidden++;
        else
            v->shown[v->n_shown++] = i;
    }
    v->added = v->tail ? md_logtail_added(v->tail) : 0;
    table_rebuild(&v->table, v->n_shown);
    if (v->at_end)
        table_key(&v->table, ACT_BOTTOM);
    v->base.dirty = true;
}

static void open_tail(struct logs_view *v)
{
    md_logtail_free(v->tail);
    v->tail = NULL;
    struct md_logtail_opts o = {.bi = v->bi,
                                .endpoint = v->endpoint,
                                .deployment = v->deployment,
                                .follow = true,
                                .container = v->container};
    struct md_err err = MD_ERR_INIT;
    if (md_logtail_new(&v->tail, v->base.app->deck, &o, &err))
        ui_status(v->base.app, MD_THEME_ERROR, "logs: %s", err.msg);
    v->at_end = true;
    rebuild(v);
}

struct view *view_logs_new(struct app *app, size_t bi, const char *endpoint, const char *deployment)
{
    struct logs_view *v = md_xcalloc(1, sizeof(*v));
    v->base.ops = &view_logs_ops;
    v->base.app = app;
    v->bi = bi;
    v->endpoint = md_xstrdup(endpoint);
    v->deployment = md_xstrdup(deployment ? deployment : "");
    v->hide_noise = true;
    table_init(&v->table, &source, v);
    open_tail(v);
    if (!v->tail) {
        view_logs_ops.free(&v->base);
        return NULL;
    }
    if (md_logtail_timed(v->tail)) {
        table_add_col(&v->table, "TIME", 8, TABLE_NOSORT);
        table_add_col(&v->table, "STREAM", 18, TABLE_NOSORT | TABLE_OPTIONAL);
    } else {
        v->col_skip = COL_TEXT;
    }
    table_add_col(&v->table, "MESSAGE", 1, TABLE_FLEX | TABLE_NOSORT);
    return &v->base;
}

static void destroy(struct view *vv)
{
    struct logs_view *v = (struct logs_view *)vv;
    md_logtail_free(v->tail);
    table_release(&v->table);
    free(v->shown);
    free(v->endpoint);
    free(v->deployment);
    free(v);
}

/* "following" while fetching with the selection on the last line, "paused" otherwise. */
static const char *mark(const struct logs_view *v)
{
    if (!md_logtail_following(v->tail))
        return "paused (f resumes)";
    return v->at_end ? "following" : "paused (End resumes)";
}

static void draw(struct view *vv, WINDOW *w)
{
    struct logs_view *v = (struct logs_view *)vv;
    if (md_logtail_added(v->tail) != v->added)
        rebuild(v);
    const char *dot = text_glyph("\u00b7", "-");
    const char *dep = md_logtail_deployment(v->tail);
    char title[512];
    int n = snprintf(title, sizeof(title), "Logs of %s", v->endpoint);
    if (*dep)
        n += snprintf(title + n, sizeof(title) - (size_t)n, " %s %s", dot, dep);
    if (!md_logtail_timed(v->tail))
        n += snprintf(title + n, sizeof(title) - (size_t)n, " %s %s", dot,
                      md_log_container_str(v->container));
    n += snprintf(title + n, sizeof(title) - (size_t)n, " %s %s", dot, mark(v));
    if (v->hide_noise)
        snprintf(title + n, sizeof(title) - (size_t)n, " %s %zu health checks hidden (n shows)",
                 dot, v->hidden);
    int h = getmaxy(w);
    int width = getmaxx(w);
    const char *err = md_logtail_error(v->tail);
    WINDOW *top = derwin(w, *err ? h - 1 : h, width, 0, 0);
    if (!top)
        return;
    const char *empty = !md_logtail_answered(v->tail) ? "loading logs..." : "no log lines yet";
    if (v->hidden && v->n_shown == 0)
        empty = "only health-check noise so far (n shows it)";
    ui_draw_table_screen(v->base.app, top, &v->table, title, 1ul << v->bi, empty);
    delwin(top);
    if (*err)
        text_put(w, h - 1, 0, width, err, ui_attr(MD_THEME_ERROR), 0);
}

static unsigned key(struct view *vv, enum km_action act)
{
    struct logs_view *v = (struct logs_view *)vv;
    switch (act) {
    case ACT_LOGS_FOLLOW:
        md_logtail_set_follow(v->tail, !md_logtail_following(v->tail));
        if (md_logtail_following(v->tail)) {
            v->at_end = true;
            table_key(&v->table, ACT_BOTTOM);
        }
        vv->dirty = true;
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_LOGS_NOISE:
        v->hide_noise = !v->hide_noise;
        rebuild(v);
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_LOGS_CONTAINER:
        if (md_logtail_timed(v->tail)) {
            ui_status(vv->app, MD_THEME_DIM, "logs: this platform has no containers to switch");
            return REACT_HANDLED | REACT_REDRAW;
        }
        v->container = v->container == MD_LOG_INFERENCE_SERVER ? MD_LOG_STORAGE_INITIALIZER
                                                               : MD_LOG_INFERENCE_SERVER;
        open_tail(v);
        return REACT_HANDLED | REACT_REDRAW | REACT_FETCH;
    case ACT_REFRESH:
        md_logtail_fetch(v->tail);
        return 0; /* the deck refreshes too */
    default:
        break;
    }
    unsigned r = table_key(&v->table, act);
    if (r)
        v->at_end = sel_at_end(v);
    return r;
}

static void on_change(struct view *vv, unsigned mask)
{
    struct logs_view *v = (struct logs_view *)vv;
    if (mask & MD_CHANGED_LOGS) {
        if (md_logtail_added(v->tail) != v->added)
            rebuild(v);
        vv->dirty = true;
    }
}

static struct table *table(struct view *vv)
{
    return &((struct logs_view *)vv)->table;
}

const struct view_ops view_logs_ops = {
    .name = "logs",
    .title = "Logs of an endpoint (L on an endpoint or deployment)",
    .keys = &logs_km,
    .table_nav = true,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

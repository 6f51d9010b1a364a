/*
 * view_runs.c - runs of one experiment, loaded page by page as the operator
 * scrolls towards the end (md_deck_want_runs asks for "at least N rows").
 * Sorting re-requests the list in the server's order and sorts the loaded
 * rows the same way at once. Space marks runs, 'c' compares two, 'm' adds
 * metric columns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

#define MAX_METRIC_COLS 4
#define MAX_MARKS 16

struct runs {
    struct view base;
    struct table table;
    size_t bi;
    char *exp_id;
    char *exp_name;
    char *order_by; /* server order; NULL: newest first */
    char *marks[MAX_MARKS];
    size_t n_marks;
    char *metric[MAX_METRIC_COLS];
    size_t n_metric;
    struct md_runs_view rv; /* refreshed at each entry point (lent until md_deck_run) */
};

enum { COL_MARK, COL_NAME, COL_STATUS, COL_USER, COL_START, COL_DURATION, COL_METRIC0 };

static const struct km_entry runs_keys[] = {
    {{KM_ENTER}, ACT_OPEN, "open", "open the selected run (params, metrics, tags, chart)", 0},
    {{' '}, ACT_MARK, "mark", "mark or unmark the selected run, then move down one row", 0},
    {{'c'},
     ACT_COMPARE,
     "compare",
     "compare the two marked runs (or a marked and the selected)",
     0},
    {{'m'}, ACT_METRIC_COLUMN, "metric", "add a metric column (cycles; then clears them)", 0},
};
static const struct km_table runs_km = {"Runs", runs_keys, MD_ARRAY_LEN(runs_keys)};

/* Re-read the list from the deck; every entry point (key, draw, on_change) starts here. */
static const struct md_run_list *sync(struct runs *r)
{
    md_deck_runs(r->base.app->deck, r->bi, r->exp_id, &r->rv);
    return r->rv.runs;
}

static const struct md_run *row_run(const struct runs *r, size_t row)
{
    const struct md_run_list *l = r->rv.runs;
    return l && row < l->n ? &l->v[row] : NULL;
}

static bool is_marked(const struct runs *r, const char *id)
{
    for (size_t i = 0; i < r->n_marks; i++)
        if (strcmp(r->marks[i], id) == 0)
            return true;
    return false;
}

static int64_t duration_ms(const struct md_run *x)
{
    if (x->start_time <= 0)
        return -1;
    if (x->end_time > 0)
        return x->end_time - x->start_time;
    return x->status == MD_RUN_RUNNING ? md_now_ms() - x->start_time : -1;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct runs *r = ctx;
    const struct md_run *x = row_run(r, row);
    if (!x)
        return;
    switch (col) {
    case COL_MARK:
        if (is_marked(r, x->id)) {
            snprintf(buf, len, "*");
            *role = MD_THEME_MARK;
        }
        break;
    case COL_NAME:
        snprintf(buf, len, "%s", x->name[0] ? x->name : x->id);
        break;
    case COL_STATUS:
        snprintf(buf, len, "%s", md_run_status_str(x->status));
        *role = ui_run_status_role(x->status);
        break;
    case COL_USER:
        snprintf(buf, len, "%s", x->user);
        break;
    case COL_START:
        fmt_time(x->start_time, buf, len);
        break;
    case COL_DURATION:
        fmt_duration(duration_ms(x), buf, len);
        break;
    default:
        if (col - COL_METRIC0 < r->n_metric) {
            const struct md_metric *m = md_run_metric(x, r->metric[col - COL_METRIC0]);
            if (m)
                fmt_double(m->value, buf, len);
        }
        break;
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Local order matching the server's for the loaded rows; missing metrics sort first. */
static int cmp(void *ctx, size_t a, size_t b, size_t col)
{
    struct runs *r = ctx;
    const struct md_run *x = row_run(r, a);
    const struct md_run *y = row_run(r, b);
    if (!x || !y)
        return 0;
    switch (col) {
    case COL_NAME:
        return strcasecmp(x->name, y->name);
    case COL_STATUS:
        return strcmp(md_run_status_str(x->status), md_run_status_str(y->status));
    case COL_USER:
        return strcasecmp(x->user, y->user);
    case COL_START:
        return cmp_i64(x->start_time, y->start_time);
    case COL_DURATION:
        return cmp_i64(duration_ms(x), duration_ms(y));
    default:
        if (col - COL_METRIC0 < r->n_metric) {
            const char *k = r->metric[col - COL_METRIC0];
            const struct md_metric *mx = md_run_metric(x, k);
            const struct md_metric *my = md_run_metric(y, k);
            double vx = mx ? mx->value : NAN;
            double vy = my ? my->value : NAN;
            if (isnan(vx) || isnan(vy))
                return isnan(vx) && isnan(vy) ? 0 : isnan(vx) ? -1 : 1;
            return vx < vy ? -1 : vx > vy ? 1 : 0;
        }
        return 0;
    }
}

static const struct table_source source = {cell, cmp, NULL};

/* Ask for enough rows to fill two pages past the first visible one. */
static void want_more(struct runs *r)
{
    struct table *t = &r->table;
    size_t page = t->page > 0 ? (size_t)t->page : 20;
    size_t need = t->top + 2 * page;
    if (t->filter && t->top + 2 * page >= t->n)
        need = t->n_data + 2 * page; /* filtered: keep loading while near the end */
    if (need < 100)
        need = 100;
    md_deck_want_runs(r->base.app->deck, r->bi, r->exp_id, need, r->order_by);
}

/* Server-side order for the sort column; NULL keeps the default (newest first). */
static char *order_for(const struct runs *r)
{
    const struct table *t = &r->table;
    const char *dir = t->sort_desc ? "DESC" : "ASC";
    switch (t->sort_col) {
    case COL_NAME:
        return md_xasprintf("attributes.run_name %s", dir);
    case COL_STATUS:
        return md_xasprintf("attributes.status %s", dir);
    case COL_USER:
        return md_xasprintf("attributes.user_id %s", dir);
    case COL_START:
        return t->sort_desc ? NULL : md_xstrdup("attributes.start_time ASC");
    case COL_DURATION:
        return r->order_by ? md_xstrdup(r->order_by) : NULL; /* no server order: local only */
    default:
        if (t->sort_col >= COL_METRIC0 && (size_t)(t->sort_col - COL_METRIC0) < r->n_metric)
            return md_xasprintf("metrics.`%s` %s", r->metric[t->sort_col - COL_METRIC0], dir);
        return NULL;
    }
}

static void reorder(struct runs *r)
{
    char *o = order_for(r);
    bool same = (!o && !r->order_by) || (o && r->order_by && strcmp(o, r->order_by) == 0);
    free(r->order_by);
    r->order_by = o;
    if (!same) {
        r->table.top = 0;
        r->table.sel = 0;
    }
    want_more(r);
}

static void rebuild(struct runs *r)
{
    const struct md_run_list *l = sync(r);
    table_rebuild(&r->table, l ? l->n : 0);
    r->base.dirty = true;
}

static void toggle_mark(struct runs *r, const char *id)
{
    for (size_t i = 0; i < r->n_marks; i++) {
        if (strcmp(r->marks[i], id) == 0) {
            free(r->marks[i]);
            r->marks[i] = r->marks[--r->n_marks];
            return;
        }
    }
    if (r->n_marks == MAX_MARKS) {
        free(r->marks[0]);
        memmove(&r->marks[0], &r->marks[1], (MAX_MARKS - 1) * sizeof(r->marks[0]));
        r->n_marks--;
    }
    r->marks[r->n_marks++] = md_xstrdup(id);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Next metric key (alphabetical) not shown yet among the loaded runs; NULL when none. */
static const char *next_metric_key(struct runs *r)
{
    const struct md_run_list *l = r->rv.runs;
    const char *best = NULL;
    size_t scan = l && l->n < 2000 ? l->n : 2000;
    for (size_t i = 0; l && i < scan; i++) {
        for (size_t k = 0; k < l->v[i].n_metrics; k++) {
            const char *key = l->v[i].metrics[k].key;
            bool shown = false;
            for (size_t m = 0; m < r->n_metric && !shown; m++)
                shown = strcmp(r->metric[m], key) == 0;
            if (!shown && (!best || cmp_str(&key, &best) < 0))
                best = key;
        }
    }
    return best;
}

static unsigned metric_column(struct runs *r)
{
    const char *k = r->n_metric < MAX_METRIC_COLS ? next_metric_key(r) : NULL;
    table_truncate_cols(&r->table, COL_METRIC0 + r->n_metric);
    if (!k) {
        for (size_t i = 0; i < r->n_metric; i++)
            free(r->metric[i]);
        r->n_metric = 0;
        table_truncate_cols(&r->table, COL_METRIC0);
        ui_status(r->base.app, MD_THEME_DIM, "metric columns cleared");
    } else {
        r->metric[r->n_metric++] = md_xstrdup(k);
        table_add_col(&r->table, k, 11, TABLE_RIGHT);
        ui_status(r->base.app, MD_THEME_DIM, "metric column '%s' added (m: next)", k);
    }
    rebuild(r);
    return REACT_HANDLED | REACT_REDRAW;
}

static unsigned compare(struct runs *r)
{
    size_t row;
    const struct md_run *sel = table_selected(&r->table, &row) ? row_run(r, row) : NULL;
    if (r->n_marks == 2) {
        ui_push(r->base.app, view_compare_new(r->base.app, r->bi, r->marks[0], r->marks[1]));
    } else if (r->n_marks == 1 && sel && strcmp(sel->id, r->marks[0]) != 0) {
        ui_push(r->base.app, view_compare_new(r->base.app, r->bi, r->marks[0], sel->id));
    } else {
        ui_status(r->base.app, MD_THEME_ERROR,
                  "mark two runs with Space to compare them (%zu marked)", r->n_marks);
    }
    return REACT_HANDLED | REACT_REDRAW;
}

static unsigned key(struct view *v, enum km_action act)
{
    struct runs *r = (struct runs *)v;
    sync(r);
    size_t row;
    const struct md_run *x = table_selected(&r->table, &row) ? row_run(r, row) : NULL;
    switch (act) {
    case ACT_OPEN:
        if (x)
            ui_push(v->app, view_run_new(v->app, r->bi, x->id));
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_MARK:
        if (x) {
            toggle_mark(r, x->id);
            table_key(&r->table, ACT_DOWN);
            want_more(r);
        }
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_COMPARE:
        return compare(r);
    case ACT_METRIC_COLUMN:
        return metric_column(r);
    case ACT_SORT_NEXT:
    case ACT_SORT_PREV:
    case ACT_SORT_REVERSE: {
        unsigned res = table_key(&r->table, act);
        if (r->table.sort_col == COL_MARK)
            res = table_key(&r->table, act == ACT_SORT_PREV ? ACT_SORT_PREV : ACT_SORT_NEXT);
        reorder(r);
        return res | REACT_FETCH;
    }
    default: {
        unsigned res = table_key(&r->table, act);
        if (res)
            want_more(r);
        return res;
    }
    }
}

static void draw(struct view *v, WINDOW *w)
{
    struct runs *r = (struct runs *)v;
    const struct md_run_list *l = sync(r);
    const struct md_runs_view rv = r->rv;
    if ((l ? l->n : 0) != r->table.n_data)
        table_rebuild(&r->table, l ? l->n : 0); /* the list restarted under a new order */
    char title[256];
    snprintf(title, sizeof(title), "Runs of %s (%zu loaded%s)", r->exp_name, l ? l->n : 0,
             rv.complete  ? ""
             : rv.loading ? ", loading more"
                          : ", more on scroll");
    char empty[300];
    if (rv.error && *rv.error)
        snprintf(empty, sizeof(empty), "cannot load runs: %s", rv.error);
    else
        snprintf(empty, sizeof(empty), "%s", rv.loading || !rv.complete ? "loading..." : "no runs");
    ui_draw_table_screen(v->app, w, &r->table, title, 1ul << r->bi, empty);
}

static void on_change(struct view *v, unsigned mask)
{
    struct runs *r = (struct runs *)v;
    if (mask & (MD_CHANGED_RUNS | MD_CHANGED_BACKENDS)) {
        rebuild(r);
        want_more(r);
    }
}

static void destroy(struct view *v)
{
    struct runs *r = (struct runs *)v;
    table_release(&r->table);
    for (size_t i = 0; i < r->n_marks; i++)
        free(r->marks[i]);
    for (size_t i = 0; i < r->n_metric; i++)
        free(r->metric[i]);
    free(r->exp_id);
    free(r->exp_name);
    free(r->order_by);
    free(r);
}

static struct table *table(struct view *v)
{
    return &((struct runs *)v)->table;
}

struct view *view_runs_new(struct app *app, size_t bi, const char *experiment_id,
                           const char *experiment_name)
{
    struct runs *r = md_xcalloc(1, sizeof(*r));
    r->base.ops = &view_runs_ops;
    r->base.app = app;
    r->bi = bi;
    r->exp_id = md_xstrdup(experiment_id);
    r->exp_name =
        md_xstrdup0(experiment_name && *experiment_name ? experiment_name : experiment_id);
    table_init(&r->table, &source, r);
    table_add_col(&r->table, "", 1, TABLE_NOSORT);
    table_add_col(&r->table, "NAME", 20, TABLE_FLEX);
    table_add_col(&r->table, "STATUS", 9, 0);
    table_add_col(&r->table, "USER", 12, 0);
    table_add_col(&r->table, "START", 16, 0);
    table_add_col(&r->table, "DURATION", 8, TABLE_RIGHT);
    r->table.sort_col = COL_START;
    r->table.sort_desc = true;
    rebuild(r);
    want_more(r);
    return &r->base;
}

const struct view_ops view_runs_ops = {
    .name = "runs",
    .title = "Runs of an experiment",
    .keys = &runs_km,
    .table_nav = true,
    .create = NULL,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

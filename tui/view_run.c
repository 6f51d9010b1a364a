/*
 * view_run.c - one run: info, params, latest metrics, tags (mlflow.* system
 * tags behind 't'), dataset inputs, and a chart of the selected metric's
 * history. Moving onto a metric line charts it; '[' and ']' step through
 * the metrics without moving.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_chart.h"
#include "widget_table.h"

enum line_kind { LINE_SECTION, LINE_INFO, LINE_PARAM, LINE_METRIC, LINE_TAG, LINE_INPUT };

struct line {
    enum line_kind kind;
    char *key;
    char *value;
};

struct run_view {
    struct view base;
    struct table table;
    size_t bi;
    char *run_id;
    struct line *lines;
    size_t n;
    size_t cap;
    bool system_tags;
    char *chart_key; /* metric charted, NULL when the run has none */
    int chart_width; /* cells of the last chart, for the history's point count */
};

static const struct km_entry run_keys[] = {
    {{'t'}, ACT_SYSTEM_TAGS, "sys tags", "show or hide the mlflow.* system tags", 0},
    {{']'}, ACT_NEXT_METRIC, "next metric", "chart the next metric", 0},
    {{'['}, ACT_PREV_METRIC, NULL, "chart the previous metric", 0},
};
static const struct km_table run_km = {"Run", run_keys, MD_ARRAY_LEN(run_keys)};

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct run_view *r = ctx;
    if (row >= r->n)
        return;
    const struct line *l = &r->lines[row];
    snprintf(buf, len, "%s", col == 0 ? l->key : l->value);
    if (l->kind == LINE_METRIC && r->chart_key && strcmp(l->key, r->chart_key) == 0 && col == 0)
        *role = MD_THEME_CHART_1;
}

static enum md_theme_role row_role(void *ctx, size_t row)
{
    struct run_view *r = ctx;
    return row < r->n && r->lines[row].kind == LINE_SECTION ? MD_THEME_COLUMN_HEADER
                                                            : MD_THEME_NORMAL;
}

static const struct table_source source = {cell, NULL, row_role};

static void add(struct run_view *r, enum line_kind kind, const char *key, const char *value)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->lines = md_xrealloc(r->lines, r->cap * sizeof(*r->lines));
    }
    r->lines[r->n++] = (struct line){kind, md_xstrdup0(key), md_xstrdup0(value)};
}

static void section(struct run_view *r, const char *name, size_t count, const char *note)
{
    char buf[128];
    char num[32] = "";
    if (count != SIZE_MAX)
        snprintf(num, sizeof(num), " (%zu)", count);
    snprintf(buf, sizeof(buf), "%s %s%s", text_glyph("\u2500\u2500", "--"), name, num);
    add(r, LINE_SECTION, buf, note);
}

static void free_lines(struct run_view *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->lines[i].key);
        free(r->lines[i].value);
    }
    r->n = 0;
}

static void add_info(struct run_view *r, const struct md_run *x)
{
    char t[64];
    section(r, "run", SIZE_MAX, "");
    add(r, LINE_INFO, "name", x->name);
    add(r, LINE_INFO, "id", x->id);
    /* the name is what the operator knows the experiment by; the id stays for :runs ID */
    const struct md_experiment *e =
        x->experiment_id ? md_deck_experiment(r->base.app->deck, r->bi, x->experiment_id) : NULL;
    char *exp = e && e->name && e->name[0] ? md_xasprintf("%s (id %s)", e->name, x->experiment_id)
                                           : md_xstrdup0(x->experiment_id);
    add(r, LINE_INFO, "experiment", exp);
    free(exp);
    add(r, LINE_INFO, "status", md_run_status_str(x->status));
    add(r, LINE_INFO, "user", x->user);
    fmt_time(x->start_time, t, sizeof(t));
    add(r, LINE_INFO, "start", t);
    fmt_time(x->end_time, t, sizeof(t));
    add(r, LINE_INFO, "end", t);
    int64_t end = x->end_time > 0 ? x->end_time : x->status == MD_RUN_RUNNING ? md_now_ms() : 0;
    fmt_duration(end > 0 && x->start_time > 0 ? end - x->start_time : -1, t, sizeof(t));
    add(r, LINE_INFO, "duration", t);
}

/* Copy the run into lines (ids and text, not pointers into the snapshot). */
static void rebuild(struct run_view *r)
{
    free_lines(r);
    const struct md_run *x = md_deck_run_detail(r->base.app->deck, r->bi, r->run_id);
    if (x) {
        add_info(r, x);
        /* the data it learnt from first: where a live version came from is the question */
        section(r, "dataset inputs", x->n_inputs, "");
        for (size_t i = 0; i < x->n_inputs; i++) {
            const struct md_dataset_input *in = &x->inputs[i];
            char v[512];
            snprintf(v, sizeof(v), "%s%sdigest %s, %s %s", in->context, *in->context ? ": " : "",
                     in->digest, in->source_type, in->source);
            add(r, LINE_INPUT, in->name, v);
        }
        section(r, "params", x->params.n, "");
        for (size_t i = 0; i < x->params.n; i++)
            add(r, LINE_PARAM, x->params.v[i].key, x->params.v[i].value);
        section(r, "metrics", x->n_metrics, "[ and ] chart another metric");
        for (size_t i = 0; i < x->n_metrics; i++) {
            char v[64];
            char step[96];
            fmt_double(x->metrics[i].value, v, sizeof(v));
            snprintf(step, sizeof(step), "%s   (step %lld)", v, (long long)x->metrics[i].step);
            add(r, LINE_METRIC, x->metrics[i].key, step);
        }
        size_t hidden = 0;
        for (size_t i = 0; i < x->tags.n; i++)
            if (strncmp(x->tags.v[i].key, "mlflow.", 7) == 0)
                hidden++;
        char note[64];
        snprintf(note, sizeof(note),
                 r->system_tags ? "t hides mlflow.*" : "%zu mlflow.* hidden, t shows them", hidden);
        section(r, "tags", r->system_tags ? x->tags.n : x->tags.n - hidden, hidden ? note : "");
        for (size_t i = 0; i < x->tags.n; i++)
            if (r->system_tags || strncmp(x->tags.v[i].key, "mlflow.", 7) != 0)
                add(r, LINE_TAG, x->tags.v[i].key, x->tags.v[i].value);
        if (!r->chart_key && x->n_metrics)
            r->chart_key = md_xstrdup(x->metrics[0].key);
    }
    table_rebuild(&r->table, r->n);
    r->base.dirty = true;
}

static void want_history(struct run_view *r)
{
    if (!r->chart_key)
        return;
    size_t points = r->chart_width > 0 ? (size_t)r->chart_width * 2 : 200;
    md_deck_want_history(r->base.app->deck, r->bi, r->run_id, r->chart_key, points);
}

static void set_chart(struct run_view *r, const char *key)
{
    if (r->chart_key && strcmp(r->chart_key, key) == 0)
        return;
    free(r->chart_key);
    r->chart_key = md_xstrdup(key);
    want_history(r);
}

/* Step the charted metric through the metric lines. */
static void step_metric(struct run_view *r, int dir)
{
    size_t first = r->n;
    size_t cur = r->n;
    size_t count = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->lines[i].kind != LINE_METRIC)
            continue;
        if (first == r->n)
            first = i;
        if (r->chart_key && strcmp(r->lines[i].key, r->chart_key) == 0)
            cur = i - first;
        count++;
    }
    if (!count)
        return;
    size_t next = cur == r->n ? 0 : (cur + count + (size_t)(dir > 0 ? 1 : count - 1)) % count;
    set_chart(r, r->lines[first + next].key);
}

static void draw_chart(struct run_view *r, WINDOW *w, int y, int h, int width)
{
    const struct md_metric_series *s =
        md_deck_history(r->base.app->deck, r->bi, r->run_id, r->chart_key);
    char title[256];
    snprintf(title, sizeof(title), " chart: %s", r->chart_key);
    int x = text_put(w, y, 0, width, title, ui_attr(MD_THEME_TITLE), 0);
    r->chart_width = width - 11;
    if (!s) {
        text_put(w, y + 2, 2, width - 2, "loading history...", ui_attr(MD_THEME_DIM), 0);
        return;
    }
    char info[96];
    char last[32];
    fmt_double(s->n ? s->v[s->n - 1].value : 0, last, sizeof(last));
    snprintf(info, sizeof(info), "  %zu points%s%s  ", s->n, s->n ? ", last " : "",
             s->n ? last : "");
    x += text_put(w, y, x, width - x, info, ui_attr(MD_THEME_DIM), 0);
    if (width - x > 8)
        sparkline_draw(w, y, x, width - x < 24 ? width - x : 24, s->v, s->n,
                       ui_attr(MD_THEME_CHART_2));
    if (s->n == 0)
        text_put(w, y + 2, 2, width - 2, "no points", ui_attr(MD_THEME_DIM), 0);
    else
        chart_draw(w, y + 1, 0, h - 1, width, s->v, s->n, ui_attr(MD_THEME_CHART_1),
                   ui_attr(MD_THEME_DIM));
}

static void draw(struct view *v, WINDOW *w)
{
    struct run_view *r = (struct run_view *)v;
    int h = getmaxy(w);
    int width = getmaxx(w);
    const struct md_run *x = md_deck_run_detail(v->app->deck, r->bi, r->run_id);
    char title[256];
    snprintf(title, sizeof(title), "Run %s", x && *x->name ? x->name : r->run_id);
    char pos[48];
    table_position(&r->table, pos, sizeof(pos));
    ui_draw_title(v->app, w, title, table_filter(&r->table), 1ul << r->bi, pos);
    int chart_h = r->chart_key ? (h - 1) / 3 : 0;
    if (chart_h > 0 && chart_h < 6)
        chart_h = h - 1 >= 12 ? 6 : 0;
    table_draw(&r->table, w, 1, 0, h - 1 - chart_h, width);
    if (!x)
        ui_draw_note(w, (h - chart_h) / 2, "loading run...", MD_THEME_DIM);
    if (chart_h > 0)
        draw_chart(r, w, h - chart_h, chart_h, width);
}

static unsigned key(struct view *v, enum km_action act)
{
    struct run_view *r = (struct run_view *)v;
    switch (act) {
    case ACT_SYSTEM_TAGS:
        r->system_tags = !r->system_tags;
        rebuild(r);
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_NEXT_METRIC:
    case ACT_PREV_METRIC:
        step_metric(r, act == ACT_NEXT_METRIC ? 1 : -1);
        return REACT_HANDLED | REACT_REDRAW | REACT_FETCH;
    default: {
        unsigned res = table_key(&r->table, act);
        size_t row;
        if (res && table_selected(&r->table, &row) && row < r->n &&
            r->lines[row].kind == LINE_METRIC)
            set_chart(r, r->lines[row].key);
        return res;
    }
    }
}

static void on_change(struct view *v, unsigned mask)
{
    struct run_view *r = (struct run_view *)v;
    if (mask & (MD_CHANGED_RUN | MD_CHANGED_BACKENDS | MD_CHANGED_EXPERIMENTS)) {
        bool had = r->chart_key != NULL;
        rebuild(r);
        if (!had)
            want_history(r);
    }
    if (mask & MD_CHANGED_HISTORY)
        v->dirty = true;
}

static void destroy(struct view *v)
{
    struct run_view *r = (struct run_view *)v;
    free_lines(r);
    free(r->lines);
    table_release(&r->table);
    free(r->run_id);
    free(r->chart_key);
    free(r);
}

static struct table *table(struct view *v)
{
    return &((struct run_view *)v)->table;
}

struct view *view_run_new(struct app *app, size_t bi, const char *run_id)
{
    struct run_view *r = md_xcalloc(1, sizeof(*r));
    r->base.ops = &view_run_ops;
    r->base.app = app;
    r->bi = bi;
    r->run_id = md_xstrdup(run_id);
    table_init(&r->table, &source, r);
    table_add_col(&r->table, "KEY", 28, TABLE_NOSORT);
    table_add_col(&r->table, "VALUE", 20, TABLE_FLEX | TABLE_NOSORT);
    md_deck_want_run(app->deck, bi, run_id);
    rebuild(r);
    want_history(r);
    return &r->base;
}

const struct view_ops view_run_ops = {
    .name = "run",
    .title = "Run detail",
    .keys = &run_km,
    .table_nav = true,
    .create = NULL,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

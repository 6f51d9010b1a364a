/*
 * view_compare.c - two runs side by side: info, params and metrics, with
 * differences marked by a glyph and a colour, and the metric delta B - A.
 * 'd' shows only the lines that differ.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

struct cmp_line {
    bool section;
    bool differs;
    char *key;
    char *a;
    char *b;
    char *delta;
};

struct compare {
    struct view base;
    struct table table;
    size_t bi;
    char *id[2];
    struct cmp_line *lines;
    size_t n;
    size_t cap;
    bool diff_only;
};

enum { COL_DIFF, COL_KEY, COL_A, COL_B, COL_DELTA };

static const struct km_entry compare_keys[] = {
    {{'d'}, ACT_DIFF_ONLY, "diff only", "show only the lines that differ (again: all)", 0},
};
static const struct km_table compare_km = {"Compare", compare_keys, MD_ARRAY_LEN(compare_keys)};

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct compare *c = ctx;
    if (row >= c->n)
        return;
    const struct cmp_line *l = &c->lines[row];
    const char *text = "";
    switch (col) {
    case COL_DIFF:
        text = l->differs ? text_glyph("\u2260", "!=") : "";
        break;
    case COL_KEY:
        text = l->key;
        break;
    case COL_A:
        text = l->a;
        break;
    case COL_B:
        text = l->b;
        break;
    case COL_DELTA:
        text = l->delta;
        break;
    default:
        break;
    }
    snprintf(buf, len, "%s", text);
    if (l->differs && col != COL_KEY)
        *role = MD_THEME_STATUS_WARN;
}

static enum md_theme_role row_role(void *ctx, size_t row)
{
    struct compare *c = ctx;
    return row < c->n && c->lines[row].section ? MD_THEME_COLUMN_HEADER : MD_THEME_NORMAL;
}

static const struct table_source source = {cell, NULL, row_role};

static void add(struct compare *c, bool section, const char *key, const char *a, const char *b,
                const char *delta)
{
    bool differs = !section && strcmp(a, b) != 0;
    if (c->diff_only && !section && !differs)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->lines = md_xrealloc(c->lines, c->cap * sizeof(*c->lines));
    }
    c->lines[c->n++] =
        (struct cmp_line){section,       differs,       md_xstrdup(key),
                          md_xstrdup(a), md_xstrdup(b), md_xstrdup(delta ? delta : "")};
}

static void free_lines(struct compare *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->lines[i].key);
        free(c->lines[i].a);
        free(c->lines[i].b);
        free(c->lines[i].delta);
    }
    c->n = 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted union of the keys of two key/value lists (pointers lent from the runs). */
static size_t union_keys(const struct md_kvs *x, const struct md_kvs *y, const char ***out)
{
    const char **k = md_xcalloc(x->n + y->n + 1, sizeof(*k));
    size_t n = 0;
    for (size_t i = 0; i < x->n; i++)
        k[n++] = x->v[i].key;
    for (size_t i = 0; i < y->n; i++)
        if (!md_kvs_get(x, y->v[i].key))
            k[n++] = y->v[i].key;
    qsort(k, n, sizeof(*k), cmp_str);
    *out = k;
    return n;
}

static void add_metrics(struct compare *c, const struct md_run *x, const struct md_run *y)
{
    const char **k = md_xcalloc(x->n_metrics + y->n_metrics + 1, sizeof(*k));
    size_t n = 0;
    for (size_t i = 0; i < x->n_metrics; i++)
        k[n++] = x->metrics[i].key;
    for (size_t i = 0; i < y->n_metrics; i++)
        if (!md_run_metric(x, y->metrics[i].key))
            k[n++] = y->metrics[i].key;
    qsort(k, n, sizeof(*k), cmp_str);
    add(c, true, text_glyph("\u2500\u2500 metrics", "-- metrics"), "", "", "");
    for (size_t i = 0; i < n; i++) {
        const struct md_metric *ma = md_run_metric(x, k[i]);
        const struct md_metric *mb = md_run_metric(y, k[i]);
        char va[48] = "-";
        char vb[48] = "-";
        char d[48] = "";
        if (ma)
            fmt_double(ma->value, va, sizeof(va));
        if (mb)
            fmt_double(mb->value, vb, sizeof(vb));
        if (ma && mb && isfinite(ma->value) && isfinite(mb->value)) {
            fmt_double(mb->value - ma->value, d, sizeof(d));
            if (mb->value - ma->value > 0) {
                memmove(d + 1, d, strlen(d) + 1);
                d[0] = '+';
            }
        }
        add(c, false, k[i], va, vb, d);
    }
    free(k);
}

static void rebuild(struct compare *c)
{
    md_deck *d = c->base.app->deck;
    const struct md_run *x = md_deck_run_detail(d, c->bi, c->id[0]);
    const struct md_run *y = md_deck_run_detail(d, c->bi, c->id[1]);
    free_lines(c);
    if (x && y) {
        char ta[64];
        char tb[64];
        add(c, true, text_glyph("\u2500\u2500 run", "-- run"), "", "", "");
        add(c, false, "name", x->name, y->name, NULL);
        add(c, false, "status", md_run_status_str(x->status), md_run_status_str(y->status), NULL);
        add(c, false, "user", x->user, y->user, NULL);
        fmt_time(x->start_time, ta, sizeof(ta));
        fmt_time(y->start_time, tb, sizeof(tb));
        add(c, false, "start", ta, tb, NULL);
        fmt_duration(x->end_time > 0 ? x->end_time - x->start_time : -1, ta, sizeof(ta));
        fmt_duration(y->end_time > 0 ? y->end_time - y->start_time : -1, tb, sizeof(tb));
        add(c, false, "duration", ta, tb, NULL);
        const char **k;
        size_t n = union_keys(&x->params, &y->params, &k);
        add(c, true, text_glyph("\u2500\u2500 params", "-- params"), "", "", "");
        for (size_t i = 0; i < n; i++) {
            const char *pa = md_kvs_get(&x->params, k[i]);
            const char *pb = md_kvs_get(&y->params, k[i]);
            add(c, false, k[i], pa ? pa : "-", pb ? pb : "-", NULL);
        }
        free(k);
        add_metrics(c, x, y);
        table_truncate_cols(&c->table, COL_A);
        table_add_col(&c->table, *x->name ? x->name : "A", 20, TABLE_NOSORT);
        table_add_col(&c->table, *y->name ? y->name : "B", 20, TABLE_NOSORT);
        table_add_col(&c->table, "B - A", 12, TABLE_RIGHT | TABLE_NOSORT);
    }
    table_rebuild(&c->table, c->n);
    c->base.dirty = true;
}

static void draw(struct view *v, WINDOW *w)
{
    struct compare *c = (struct compare *)v;
    int width = getmaxx(w);
    if (c->table.n_cols == 5) {
        int half = (width - 2 - 24 - 12 - 4) / 2;
        c->table.cols[COL_A].width = half > 8 ? half : 8;
        c->table.cols[COL_B].width = half > 8 ? half : 8;
    }
    size_t differ = 0;
    for (size_t i = 0; i < c->n; i++)
        differ += c->lines[i].differs;
    char title[160];
    snprintf(title, sizeof(title), "Compare two runs: %zu difference%s%s", differ,
             differ == 1 ? "" : "s", c->diff_only ? " (only differences shown)" : "");
    ui_draw_table_screen(v->app, w, &c->table, title, 1ul << c->bi, "loading runs...");
}

static unsigned key(struct view *v, enum km_action act)
{
    struct compare *c = (struct compare *)v;
    if (act == ACT_DIFF_ONLY) {
        c->diff_only = !c->diff_only;
        rebuild(c);
        return REACT_HANDLED | REACT_REDRAW;
    }
    return table_key(&c->table, act);
}

static void on_change(struct view *v, unsigned mask)
{
    if (mask & (MD_CHANGED_RUN | MD_CHANGED_BACKENDS))
        rebuild((struct compare *)v);
}

static void destroy(struct view *v)
{
    struct compare *c = (struct compare *)v;
    free_lines(c);
    free(c->lines);
    table_release(&c->table);
    free(c->id[0]);
    free(c->id[1]);
    free(c);
}

static struct table *table(struct view *v)
{
    return &((struct compare *)v)->table;
}

struct view *view_compare_new(struct app *app, size_t bi, const char *run_a, const char *run_b)
{
    struct compare *c = md_xcalloc(1, sizeof(*c));
    c->base.ops = &view_compare_ops;
    c->base.app = app;
    c->bi = bi;
    c->id[0] = md_xstrdup(run_a);
    c->id[1] = md_xstrdup(run_b);
    table_init(&c->table, &source, c);
    table_add_col(&c->table, "", 2, TABLE_NOSORT);
    table_add_col(&c->table, "", 24, TABLE_NOSORT);
    md_deck_want_run(app->deck, bi, run_a);
    md_deck_want_run(app->deck, bi, run_b);
    rebuild(c);
    return &c->base;
}

const struct view_ops view_compare_ops = {
    .name = "compare",
    .title = "Compare two runs",
    .keys = &compare_km,
    .table_nav = true,
    .create = NULL,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

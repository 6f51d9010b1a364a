/*
 * view_experiments.c - experiments of every backend that has them; Enter
 * opens the runs of the selected one. Past the first pages they load as
 * the selection nears the end (or a filter runs out of rows), and the
 * title says when the server has more than is loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

struct exp_row {
    size_t bi;
    size_t i; /* index in md_deck_experiments(bi), valid until the next rebuild */
};

struct experiments {
    struct view base;
    struct table table;
    struct exp_row *rows;
    size_t n;
    bool multi; /* more than one backend: show the BACKEND column */
};

enum { COL_ID, COL_NAME, COL_LIFECYCLE, COL_UPDATED, COL_BACKEND };

static const struct km_entry experiments_keys[] = {
    {{KM_ENTER}, ACT_OPEN, "runs", "open the runs of the selected experiment", 0},
};
static const struct km_table experiments_km = {"Experiments", experiments_keys,
                                               MD_ARRAY_LEN(experiments_keys)};

static const struct md_experiment *row_experiment(const struct experiments *e, size_t row)
{
    if (row >= e->n)
        return NULL;
    const struct md_experiment_list *l = md_deck_experiments(e->base.app->deck, e->rows[row].bi);
    return l && e->rows[row].i < l->n ? &l->v[e->rows[row].i] : NULL;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct experiments *e = ctx;
    const struct md_experiment *x = row_experiment(e, row);
    if (!x)
        return;
    switch (col) {
    case COL_ID:
        snprintf(buf, len, "%s", x->id);
        break;
    case COL_NAME:
        snprintf(buf, len, "%s", x->name);
        break;
    case COL_LIFECYCLE:
        snprintf(buf, len, "%s", x->lifecycle);
        if (strcmp(x->lifecycle, "active") != 0)
            *role = MD_THEME_DIM;
        break;
    case COL_UPDATED:
        fmt_time(x->updated ? x->updated : x->created, buf, len);
        break;
    case COL_BACKEND:
        snprintf(buf, len, "%s", ui_backend_name(e->base.app, e->rows[row].bi));
        break;
    default:
        break;
    }
}

static const struct table_source source = {cell, NULL, NULL};

/* Near the end of the rows (filtered or not): one more page of each backend that has one. */
static void want_more(struct experiments *e)
{
    struct table *t = &e->table;
    size_t page = t->page > 0 ? (size_t)t->page : 20;
    if (t->top + 2 * page < t->n)
        return;
    md_deck *d = e->base.app->deck;
    for (size_t bi = 0; bi < md_deck_backend_count(d); bi++) {
        if (!md_deck_experiments_complete(d, bi))
            md_deck_want_experiments(d, bi, md_deck_experiments(d, bi)->n + 1);
    }
}

/* Whether some backend has experiments not loaded yet. */
static bool incomplete(const struct experiments *e)
{
    md_deck *d = e->base.app->deck;
    for (size_t bi = 0; bi < md_deck_backend_count(d); bi++) {
        if (!md_deck_experiments_complete(d, bi))
            return true;
    }
    return false;
}

static void rebuild(struct experiments *e)
{
    md_deck *d = e->base.app->deck;
    size_t nb = md_deck_backend_count(d);
    if (nb > 1 && !e->multi) { /* the deck added a backend (a workspace's MLflow) */
        e->multi = true;
        table_add_col(&e->table, "BACKEND", 12, 0);
    }
    size_t total = 0;
    for (size_t bi = 0; bi < nb; bi++) {
        const struct md_experiment_list *l = md_deck_experiments(d, bi);
        total += l ? l->n : 0;
    }
    free(e->rows);
    e->rows = md_xcalloc(total ? total : 1, sizeof(*e->rows));
    e->n = 0;
    for (size_t bi = 0; bi < nb; bi++) {
        const struct md_experiment_list *l = md_deck_experiments(d, bi);
        for (size_t i = 0; l && i < l->n; i++)
            e->rows[e->n++] = (struct exp_row){bi, i};
    }
    table_rebuild(&e->table, e->n);
    e->base.dirty = true;
}

static struct view *create(struct app *a)
{
    struct experiments *e = md_xcalloc(1, sizeof(*e));
    e->base.ops = &view_experiments_ops;
    e->base.app = a;
    e->multi = md_deck_backend_count(a->deck) > 1;
    table_init(&e->table, &source, e);
    table_add_col(&e->table, "ID", 10, TABLE_RIGHT);
    table_add_col(&e->table, "NAME", 24, TABLE_FLEX);
    table_add_col(&e->table, "LIFECYCLE", 9, 0);
    table_add_col(&e->table, "UPDATED", 16, 0);
    if (e->multi)
        table_add_col(&e->table, "BACKEND", 12, 0);
    rebuild(e);
    return &e->base;
}

static void destroy(struct view *v)
{
    struct experiments *e = (struct experiments *)v;
    table_release(&e->table);
    free(e->rows);
    free(e);
}

static void draw(struct view *v, WINDOW *w)
{
    struct experiments *e = (struct experiments *)v;
    char title[96] = "Experiments";
    if (incomplete(e))
        snprintf(title, sizeof(title), "Experiments (%zu loaded, more on scroll)", e->table.n_data);
    ui_draw_table_screen(v->app, w, &e->table, title, ~0ul,
                         md_deck_pending(v->app->deck) ? "loading..." : "no experiments");
}

static unsigned key(struct view *v, enum km_action act)
{
    struct experiments *e = (struct experiments *)v;
    size_t row;
    if (act == ACT_OPEN) {
        const struct md_experiment *x =
            table_selected(&e->table, &row) ? row_experiment(e, row) : NULL;
        if (x)
            ui_push(v->app, view_runs_new(v->app, e->rows[row].bi, x->id, x->name));
        return REACT_HANDLED | REACT_REDRAW;
    }
    unsigned res = table_key(&e->table, act);
    if (res)
        want_more(e);
    return res;
}

static void on_change(struct view *v, unsigned mask)
{
    struct experiments *e = (struct experiments *)v;
    if (mask & (MD_CHANGED_EXPERIMENTS | MD_CHANGED_BACKENDS))
        rebuild(e);
    want_more(e); /* also after a filter changed (mask 0): it may need rows not loaded */
}

static struct table *table(struct view *v)
{
    return &((struct experiments *)v)->table;
}

const struct view_ops view_experiments_ops = {
    .name = "experiments",
    .title = "Experiments",
    .keys = &experiments_km,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

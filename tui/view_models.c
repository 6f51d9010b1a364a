/*
 * view_models.c - registered models of every backend with their aliases;
 * Enter opens the versions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

struct model_row {
    size_t bi;
    size_t i; /* index in md_deck_models(bi), valid until the next rebuild */
};

struct models {
    struct view base;
    struct table table;
    struct model_row *rows;
    size_t n;
};

enum { COL_NAME, COL_ALIASES, COL_UPDATED, COL_BACKEND, COL_DESCRIPTION };

static const struct km_entry models_keys[] = {
    {{KM_ENTER}, ACT_OPEN, "versions", "open the versions of the selected model", 0},
};
static const struct km_table models_km = {"Models", models_keys, MD_ARRAY_LEN(models_keys)};

static const struct md_registered_model *row_model(const struct models *m, size_t row)
{
    if (row >= m->n)
        return NULL;
    const struct md_model_list *l = md_deck_models(m->base.app->deck, m->rows[row].bi);
    return l && m->rows[row].i < l->n ? &l->v[m->rows[row].i] : NULL;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct models *m = ctx;
    const struct md_registered_model *x = row_model(m, row);
    (void)role;
    if (!x)
        return;
    switch (col) {
    case COL_NAME:
        snprintf(buf, len, "%s", x->name);
        break;
    case COL_ALIASES: {
        size_t off = 0;
        buf[0] = 0;
        for (size_t k = 0; k < x->n_aliases && off < len; k++) {
            int n = snprintf(buf + off, len - off, "%s@%s=%s", k ? " " : "", x->aliases[k].alias,
                             x->aliases[k].version);
            if (n < 0)
                break;
            off += (size_t)n;
        }
        break;
    }
    case COL_UPDATED:
        fmt_time(x->updated, buf, len);
        break;
    case COL_BACKEND:
        snprintf(buf, len, "%s", ui_backend_name(m->base.app, m->rows[row].bi));
        break;
    case COL_DESCRIPTION:
        snprintf(buf, len, "%s", x->description);
        break;
    default:
        break;
    }
}

static const struct table_source source = {cell, NULL, NULL};

static void rebuild(struct models *m)
{
    md_deck *d = m->base.app->deck;
    size_t nb = md_deck_backend_count(d);
    size_t total = 0;
    for (size_t bi = 0; bi < nb; bi++) {
        const struct md_model_list *l = md_deck_models(d, bi);
        total += l ? l->n : 0;
    }
    free(m->rows);
    m->rows = md_xcalloc(total ? total : 1, sizeof(*m->rows));
    m->n = 0;
    for (size_t bi = 0; bi < nb; bi++) {
        const struct md_model_list *l = md_deck_models(d, bi);
        for (size_t i = 0; l && i < l->n; i++)
            m->rows[m->n++] = (struct model_row){bi, i};
    }
    table_rebuild(&m->table, m->n);
    m->base.dirty = true;
}

static struct view *create(struct app *a)
{
    struct models *m = md_xcalloc(1, sizeof(*m));
    m->base.ops = &view_models_ops;
    m->base.app = a;
    table_init(&m->table, &source, m);
    table_add_col(&m->table, "NAME", 20, 0);
    table_add_col(&m->table, "ALIASES", 30, TABLE_FLEX);
    table_add_col(&m->table, "UPDATED", 16, 0);
    table_add_col(&m->table, "BACKEND", 10, 0);
    table_add_col(&m->table, "DESCRIPTION", 20, 0);
    rebuild(m);
    return &m->base;
}

static void destroy(struct view *v)
{
    struct models *m = (struct models *)v;
    table_release(&m->table);
    free(m->rows);
    free(m);
}

static void draw(struct view *v, WINDOW *w)
{
    struct models *m = (struct models *)v;
    ui_draw_table_screen(v->app, w, &m->table, "Registered models", ~0ul,
                         md_deck_pending(v->app->deck) ? "loading..." : "no registered models");
}

static unsigned key(struct view *v, enum km_action act)
{
    struct models *m = (struct models *)v;
    size_t row;
    if (act == ACT_OPEN) {
        const struct md_registered_model *x =
            table_selected(&m->table, &row) ? row_model(m, row) : NULL;
        if (x)
            ui_push(v->app, view_versions_new(v->app, m->rows[row].bi, x->name));
        return REACT_HANDLED | REACT_REDRAW;
    }
    return table_key(&m->table, act);
}

static void on_change(struct view *v, unsigned mask)
{
    if (mask & (MD_CHANGED_MODELS | MD_CHANGED_BACKENDS))
        rebuild((struct models *)v);
}

static struct table *table(struct view *v)
{
    return &((struct models *)v)->table;
}

const struct view_ops view_models_ops = {
    .name = "models",
    .title = "Registered models",
    .keys = &models_km,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

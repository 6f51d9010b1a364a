/*
 * view_versions.c - versions of one registered model: status, stage,
 * aliases, source run. Enter opens the source run; 'r' rolls back an alias
 * held by the selected version; 'u' undoes the last action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "rollback.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

struct versions {
    struct view base;
    struct table table;
    size_t bi;
    char *model;
    char *focus; /* the version to put the cursor on when the list arrives, or NULL */
};

enum { COL_VERSION, COL_STATUS, COL_STAGE, COL_ALIASES, COL_RUN, COL_CREATED, COL_USER, COL_MOVED };

static const struct km_entry versions_keys[] = {
    {{KM_ENTER}, ACT_OPEN, "run", "open the run that produced the selected version", 0},
    {{'r'}, ACT_ROLLBACK, "rollback", "this version's alias back (type model name)", KM_MUTATING},
    {{'u'}, ACT_UNDO, "undo", "reverse the last action (type model name)", KM_MUTATING},
    {{'a'},
     ACT_APPROVE,
     "approve",
     "approve the selected version (SageMaker package)",
     KM_MUTATING},
    {{'x'}, ACT_REJECT, "reject", "reject the selected version (SageMaker package)", KM_MUTATING},
};
static const struct km_table versions_km = {"Versions", versions_keys, MD_ARRAY_LEN(versions_keys)};

static const struct md_model_version *row_version(const struct versions *v, size_t row)
{
    const struct md_version_list *l = md_deck_versions(v->base.app->deck, v->bi, v->model);
    return l && row < l->n ? &l->v[row] : NULL;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct versions *v = ctx;
    const struct md_model_version *x = row_version(v, row);
    if (!x)
        return;
    switch (col) {
    case COL_VERSION:
        snprintf(buf, len, "%s", x->version);
        break;
    case COL_STATUS:
        snprintf(buf, len, "%s", x->status);
        *role = ui_version_status_role(x->status);
        break;
    case COL_STAGE:
        snprintf(buf, len, "%s", x->stage);
        break;
    case COL_ALIASES: {
        size_t off = 0;
        for (size_t k = 0; k < x->n_aliases && off < len; k++) {
            int n = snprintf(buf + off, len - off, "%s@%s", k ? " " : "", x->aliases[k]);
            if (n < 0)
                break;
            off += (size_t)n;
        }
        if (x->n_aliases)
            *role = MD_THEME_MARK;
        break;
    }
    case COL_RUN:
        snprintf(buf, len, "%s", x->run_id[0] ? x->run_id : x->source);
        break;
    case COL_CREATED:
        fmt_time(x->created, buf, len);
        break;
    case COL_USER:
        snprintf(buf, len, "%s", x->user);
        break;
    case COL_MOVED: {
        /* who moved this version's (first) alias here, and when */
        struct md_who w;
        char changed[24];
        char by[128];
        if (x->n_aliases &&
            md_actions_who_alias(v->base.app->actions, v->bi, v->model, x->aliases[0], &w)) {
            endpoint_who_cells(&w, changed, sizeof(changed), by, sizeof(by));
            snprintf(buf, len, "%s %s", changed, by);
            if (!strcmp(w.by, "unknown"))
                *role = MD_THEME_DIM;
        }
        break;
    }
    default:
        break;
    }
}

static int cmp(void *ctx, size_t a, size_t b, size_t col)
{
    char x[256];
    char y[256];
    enum md_theme_role ignore;
    if (col == COL_VERSION) {
        const struct md_model_version *va = row_version(ctx, a);
        const struct md_model_version *vb = row_version(ctx, b);
        long na = va ? strtol(va->version, NULL, 10) : 0;
        long nb = vb ? strtol(vb->version, NULL, 10) : 0;
        return na < nb ? -1 : na > nb ? 1 : 0;
    }
    x[0] = y[0] = 0;
    cell(ctx, a, col, x, sizeof(x), &ignore);
    cell(ctx, b, col, y, sizeof(y), &ignore);
    return strcmp(x, y);
}

static const struct table_source source = {cell, cmp, NULL};

static void rebuild(struct versions *v)
{
    const struct md_version_list *l = md_deck_versions(v->base.app->deck, v->bi, v->model);
    table_rebuild(&v->table, l ? l->n : 0);
    /* opened from an alias: the cursor starts on its version, once the list is there */
    for (size_t i = 0; v->focus && l && i < l->n; i++) {
        if (l->v[i].version && !strcmp(l->v[i].version, v->focus)) {
            table_select_row(&v->table, i);
            free(v->focus);
            v->focus = NULL;
        }
    }
    v->base.dirty = true;
}

static void draw(struct view *view, WINDOW *w)
{
    struct versions *v = (struct versions *)view;
    const struct md_version_list *l = md_deck_versions(view->app->deck, v->bi, v->model);
    if ((l ? l->n : 0) != v->table.n_data)
        rebuild(v);
    char title[256];
    snprintf(title, sizeof(title), "Versions of %s", v->model);
    ui_draw_table_screen(view->app, w, &v->table, title, 1ul << v->bi,
                         l ? "no versions" : "loading...");
}

static unsigned key(struct view *view, enum km_action act)
{
    struct versions *v = (struct versions *)view;
    size_t row;
    const struct md_model_version *x = table_selected(&v->table, &row) ? row_version(v, row) : NULL;
    switch (act) {
    case ACT_OPEN:
        if (x && x->run_id[0])
            ui_push(view->app, view_run_new(view->app, v->bi, x->run_id));
        else if (x)
            ui_status(view->app, MD_THEME_DIM, "version %s has no source run", x->version);
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_ROLLBACK:
        if (!x || x->n_aliases == 0) {
            ui_status(view->app, MD_THEME_DIM,
                      "select a version that holds an alias to roll that alias back");
            return REACT_HANDLED | REACT_REDRAW;
        }
        return rollback_alias(view->app, v->bi, v->model, x->aliases[0]);
    case ACT_UNDO:
        return rollback_undo(view->app);
    case ACT_APPROVE:
    case ACT_REJECT:
        if (!x)
            return REACT_HANDLED;
        return rollback_approval(view->app, v->bi, v->model, x->version,
                                 act == ACT_APPROVE ? "Approved" : "Rejected");
    default:
        return table_key(&v->table, act);
    }
}

static void on_change(struct view *view, unsigned mask)
{
    struct versions *v = (struct versions *)view;
    if (mask & (MD_CHANGED_VERSIONS | MD_CHANGED_MODELS | MD_CHANGED_BACKENDS))
        rebuild(v);
}

static void destroy(struct view *view)
{
    struct versions *v = (struct versions *)view;
    table_release(&v->table);
    free(v->model);
    free(v->focus);
    free(v);
}

static struct table *table(struct view *view)
{
    return &((struct versions *)view)->table;
}

struct view *view_versions_new_at(struct app *app, size_t bi, const char *model,
                                  const char *version)
{
    struct view *view = view_versions_new(app, bi, model);
    struct versions *v = (struct versions *)view;
    v->focus = version && *version ? md_xstrdup(version) : NULL;
    rebuild(v);
    return view;
}

struct view *view_versions_new(struct app *app, size_t bi, const char *model)
{
    struct versions *v = md_xcalloc(1, sizeof(*v));
    v->base.ops = &view_versions_ops;
    v->base.app = app;
    v->bi = bi;
    v->model = md_xstrdup(model);
    table_init(&v->table, &source, v);
    table_add_col(&v->table, "VERSION", 7, TABLE_RIGHT);
    table_add_col(&v->table, "STATUS", 12, 0);
    table_add_col(&v->table, "STAGE", 10, 0);
    table_add_col(&v->table, "ALIASES", 18, 0);
    table_add_col(&v->table, "SOURCE RUN", 20, TABLE_FLEX);
    table_add_col(&v->table, "CREATED", 16, 0);
    table_add_col(&v->table, "USER", 14, 0);
    table_add_col(&v->table, "ALIAS MOVED", 20, TABLE_OPTIONAL);
    v->table.sort_col = COL_VERSION;
    v->table.sort_desc = true;
    md_deck_want_versions(app->deck, bi, model);
    rebuild(v);
    return &v->base;
}

const struct view_ops view_versions_ops = {
    .name = "versions",
    .title = "Versions of a model",
    .keys = &versions_km,
    .table_nav = true,
    .create = NULL,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

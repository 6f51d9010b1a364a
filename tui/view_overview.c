/*
 * view_overview.c - the operator's screen: every alias of every registered
 * model on every backend, as a deployed version, with the version's status,
 * the last change and who made it, and how old the data is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rollback.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

struct ov_row {
    size_t bi;
    char *model;
    char *alias;
    char *version;
    int64_t changed_ms; /* 0: unknown */
    char who[64];
};

struct overview {
    struct view base;
    struct table table;
    struct ov_row *rows;
    size_t n;
    char **asked; /* models whose versions were requested: once each (refresh re-asks) */
    size_t n_asked;
};

enum { COL_BACKEND, COL_MODEL, COL_ALIAS, COL_VERSION, COL_STATUS, COL_CHANGED, COL_BY, COL_AGE };

static const struct km_entry overview_keys[] = {
    {{KM_ENTER}, ACT_OPEN, "versions", "open the versions of the selected model", 0},
    {{'r'}, ACT_ROLLBACK, "rollback",
     "alias back to its previous version (type model name)",
     KM_MUTATING},
    {{'u'}, ACT_UNDO, "undo", "reverse the last action (type model name)", KM_MUTATING},
};
static const struct km_table overview_km = {"Overview", overview_keys,
                                            MD_ARRAY_LEN(overview_keys)};

/* Status of a version when the versions of its model are loaded, else NULL. */
static const char *version_status(const struct app *a, const struct ov_row *r)
{
    const struct md_version_list *l = md_deck_versions(a->deck, r->bi, r->model);
    for (size_t i = 0; l && i < l->n; i++)
        if (strcmp(l->v[i].version, r->version) == 0)
            return l->v[i].status;
    return NULL;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len,
                 enum md_theme_role *role)
{
    struct overview *o = ctx;
    const struct app *a = o->base.app;
    if (row >= o->n)
        return;
    const struct ov_row *r = &o->rows[row];
    switch (col) {
    case COL_BACKEND:
        snprintf(buf, len, "%s", ui_backend_name(a, r->bi));
        break;
    case COL_MODEL:
        snprintf(buf, len, "%s", r->model);
        break;
    case COL_ALIAS:
        snprintf(buf, len, "@%s", r->alias);
        break;
    case COL_VERSION:
        snprintf(buf, len, "%s", r->version);
        break;
    case COL_STATUS: {
        const char *st = version_status(a, r);
        snprintf(buf, len, "%s", st ? st : "...");
        *role = ui_version_status_role(st);
        break;
    }
    case COL_CHANGED:
        if (r->changed_ms > 0) {
            char age[16];
            fmt_age(md_now_ms() - r->changed_ms, age, sizeof(age));
            snprintf(buf, len, "%s ago", age);
        } else {
            snprintf(buf, len, "-");
        }
        break;
    case COL_BY:
        snprintf(buf, len, "%s", r->who[0] ? r->who : "-");
        break;
    case COL_AGE:
        if (ui_backend_age(a, r->bi, buf, len))
            *role = MD_THEME_STALE;
        break;
    default:
        break;
    }
}

/* Sort "changed" by time and "version" as a number, not by their text. */
static int cmp(void *ctx, size_t a, size_t b, size_t col)
{
    struct overview *o = ctx;
    if (a >= o->n || b >= o->n)
        return 0;
    const struct ov_row *ra = &o->rows[a];
    const struct ov_row *rb = &o->rows[b];
    if (col == COL_CHANGED)
        return ra->changed_ms < rb->changed_ms ? 1 : ra->changed_ms > rb->changed_ms ? -1 : 0;
    if (col == COL_VERSION) {
        long va = strtol(ra->version, NULL, 10);
        long vb = strtol(rb->version, NULL, 10);
        return va < vb ? -1 : va > vb ? 1 : strcmp(ra->version, rb->version);
    }
    char x[256];
    char y[256];
    enum md_theme_role ignore;
    cell(ctx, a, col, x, sizeof(x), &ignore);
    cell(ctx, b, col, y, sizeof(y), &ignore);
    return strcasecmp(x, y);
}

static enum md_theme_role row_role(void *ctx, size_t row)
{
    struct overview *o = ctx;
    struct md_backend_status st;
    if (row < o->n && md_deck_backend_status(o->base.app->deck, o->rows[row].bi, &st) &&
        st.stale)
        return MD_THEME_STALE;
    return MD_THEME_NORMAL;
}

static const struct table_source source = {cell, cmp, row_role};

static void free_rows(struct overview *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->rows[i].model);
        free(o->rows[i].alias);
        free(o->rows[i].version);
    }
    free(o->rows);
    o->rows = NULL;
    o->n = 0;
}

/* Ask once per model for its versions (their status); a failing server must not loop. */
static void want_versions(struct overview *o, size_t bi, const char *model)
{
    char *id = md_xasprintf("%zu:%s", bi, model);
    for (size_t i = 0; i < o->n_asked; i++) {
        if (strcmp(o->asked[i], id) == 0) {
            free(id);
            return;
        }
    }
    o->asked = md_xrealloc(o->asked, (o->n_asked + 1) * sizeof(*o->asked));
    o->asked[o->n_asked++] = id;
    if (!md_deck_versions(o->base.app->deck, bi, model))
        md_deck_want_versions(o->base.app->deck, bi, model);
}

/* Copy the alias rows out of the snapshot (ids, not pointers) and ask for version details. */
static void rebuild(struct overview *o)
{
    struct app *a = o->base.app;
    free_rows(o);
    size_t cap = 0;
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; bi < nb; bi++) {
        const struct md_model_list *l = md_deck_models(a->deck, bi);
        for (size_t i = 0; l && i < l->n; i++) {
            const struct md_registered_model *m = &l->v[i];
            if (m->n_aliases)
                want_versions(o, bi, m->name);
            for (size_t k = 0; k < m->n_aliases; k++) {
                if (o->n == cap) {
                    cap = cap ? cap * 2 : 16;
                    o->rows = md_xrealloc(o->rows, cap * sizeof(*o->rows));
                }
                struct ov_row *r = &o->rows[o->n++];
                memset(r, 0, sizeof(*r));
                r->bi = bi;
                r->model = md_xstrdup(m->name);
                r->alias = md_xstrdup(m->aliases[k].alias);
                r->version = md_xstrdup(m->aliases[k].version);
                if (!md_deck_alias_last_change(a->deck, bi, r->model, r->alias, &r->changed_ms,
                                               r->who, sizeof(r->who)))
                    r->changed_ms = 0;
            }
        }
    }
    table_rebuild(&o->table, o->n);
    o->base.dirty = true;
}

static struct view *create(struct app *a)
{
    struct overview *o = md_xcalloc(1, sizeof(*o));
    o->base.ops = &view_overview_ops;
    o->base.app = a;
    table_init(&o->table, &source, o);
    table_add_col(&o->table, "BACKEND", 10, 0);
    table_add_col(&o->table, "MODEL", 16, TABLE_FLEX);
    table_add_col(&o->table, "ALIAS", 12, 0);
    table_add_col(&o->table, "VERSION", 7, TABLE_RIGHT);
    table_add_col(&o->table, "STATUS", 12, 0);
    table_add_col(&o->table, "CHANGED", 9, TABLE_RIGHT);
    table_add_col(&o->table, "BY", 16, 0);
    table_add_col(&o->table, "DATA AGE", 10, TABLE_RIGHT);
    rebuild(o);
    return &o->base;
}

static void destroy(struct view *v)
{
    struct overview *o = (struct overview *)v;
    free_rows(o);
    for (size_t i = 0; i < o->n_asked; i++)
        free(o->asked[i]);
    free(o->asked);
    table_release(&o->table);
    free(o);
}

static void draw(struct view *v, WINDOW *w)
{
    struct overview *o = (struct overview *)v;
    const char *empty = md_deck_pending(v->app->deck)
                            ? "loading..."
                            : "no model has an alias yet (:models lists every registered model)";
    ui_draw_table_screen(v->app, w, &o->table, "Overview: deployed versions (model aliases)", ~0ul,
                         empty);
}

static unsigned key(struct view *v, enum km_action act)
{
    struct overview *o = (struct overview *)v;
    size_t row;
    bool have = table_selected(&o->table, &row) && row < o->n;
    switch (act) {
    case ACT_OPEN:
        if (have)
            ui_push(v->app, view_versions_new(v->app, o->rows[row].bi, o->rows[row].model));
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_ROLLBACK:
        if (!have) {
            ui_status(v->app, MD_THEME_DIM, "select an alias to roll back");
            return REACT_HANDLED | REACT_REDRAW;
        }
        return rollback_alias(v->app, o->rows[row].bi, o->rows[row].model, o->rows[row].alias);
    case ACT_UNDO:
        return rollback_undo(v->app);
    default:
        return table_key(&o->table, act);
    }
}

static void on_change(struct view *v, unsigned mask)
{
    if (mask & (MD_CHANGED_MODELS | MD_CHANGED_VERSIONS | MD_CHANGED_BACKENDS |
                MD_CHANGED_AUDIT | MD_CHANGED_ACTION))
        rebuild((struct overview *)v);
}

static struct table *table(struct view *v)
{
    return &((struct overview *)v)->table;
}

const struct view_ops view_overview_ops = {
    .name = "overview",
    .title = "Overview (deployed versions)",
    .keys = &overview_km,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

/*
 * view_help.c - every key and command, generated from the same key tables
 * the dispatcher reads (global, table, each view) and the command table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_drift.h"
#include "commands.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

const struct view_ops *const view_all[] = {
    &view_overview_ops, &view_experiments_ops, &view_runs_ops,     &view_run_ops,
    &view_compare_ops,  &view_models_ops,      &view_versions_ops, &view_endpoint_ops,
    &view_audit_ops,    &view_timeline_ops,    &view_drift_ops,    &view_logs_ops,
    &view_help_ops,
};
const size_t view_all_count = MD_ARRAY_LEN(view_all);

struct help_line {
    bool section;
    char *keys;
    char *text;
    const char *note; /* static */
};

struct help {
    struct view base;
    struct table table;
    struct help_line *lines;
    size_t n;
    size_t cap;
};

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    struct help *h = ctx;
    if (row >= h->n)
        return;
    const struct help_line *l = &h->lines[row];
    snprintf(buf, len, "%s", col == 0 ? l->keys : col == 1 ? l->text : l->note);
    if (col == 2 && *l->note)
        *role = md_deck_read_only(h->base.app->deck) ? MD_THEME_KEY_DISABLED : MD_THEME_STATUS_WARN;
}

static enum md_theme_role row_role(void *ctx, size_t row)
{
    struct help *h = ctx;
    return row < h->n && h->lines[row].section ? MD_THEME_COLUMN_HEADER : MD_THEME_NORMAL;
}

static const struct table_source source = {cell, NULL, row_role};

static void add(struct help *h, bool section, const char *keys, const char *text, const char *note)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->lines = md_xrealloc(h->lines, h->cap * sizeof(*h->lines));
    }
    h->lines[h->n++] = (struct help_line){section, md_xstrdup(keys), md_xstrdup(text), note};
}

static void add_table(struct help *h, const struct km_table *t, bool read_only)
{
    add(h, true, t->title, "", "");
    for (size_t i = 0; i < t->n; i++) {
        const struct km_entry *e = &t->v[i];
        char keys[64];
        char text[320];
        km_entry_keys(e, text_ascii(), keys, sizeof(keys));
        /* "rollback: ..." names the footer word, unless the sentence starts with it */
        bool say_label = e->label && strncmp(e->help, e->label, strlen(e->label)) != 0;
        snprintf(text, sizeof(text), "%s%s%s", say_label ? e->label : "", say_label ? ": " : "",
                 e->help);
        add(h, false, keys, text,
            !(e->flags & KM_MUTATING) ? ""
            : read_only               ? "off (read-only)"
                                      : "changes platform");
    }
}

static struct view *create(struct app *a)
{
    struct help *h = md_xcalloc(1, sizeof(*h));
    h->base.ops = &view_help_ops;
    h->base.app = a;
    table_init(&h->table, &source, h);
    table_add_col(&h->table, "KEYS", 18, TABLE_NOSORT);
    table_add_col(&h->table, "WHAT THEY DO", 40, TABLE_FLEX | TABLE_NOSORT);
    table_add_col(&h->table, "", 16, TABLE_NOSORT);
    bool ro = md_deck_read_only(a->deck);
    add_table(h, &km_global, ro);
    add_table(h, &km_table_nav, ro);
    for (size_t i = 0; i < view_all_count; i++)
        if (view_all[i]->keys)
            add_table(h, view_all[i]->keys, ro);
    add(h, true, "Commands", "type ':' then a command; Tab completes", "");
    for (size_t i = 0; i < commands_count(); i++) {
        char usage[64];
        const char *text;
        commands_describe(i, usage, sizeof(usage), &text);
        add(h, false, usage, text, "");
    }
    table_rebuild(&h->table, h->n);
    return &h->base;
}

static void destroy(struct view *v)
{
    struct help *h = (struct help *)v;
    for (size_t i = 0; i < h->n; i++) {
        free(h->lines[i].keys);
        free(h->lines[i].text);
    }
    free(h->lines);
    table_release(&h->table);
    free(h);
}

static void draw(struct view *v, WINDOW *w)
{
    struct help *h = (struct help *)v;
    ui_draw_table_screen(v->app, w, &h->table, "Help: keys and commands (Esc closes)", 0, NULL);
}

static unsigned key(struct view *v, enum km_action act)
{
    return table_key(&((struct help *)v)->table, act);
}

static struct table *table(struct view *v)
{
    return &((struct help *)v)->table;
}

const struct view_ops view_help_ops = {
    .name = "help",
    .title = "Help",
    .keys = NULL,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = NULL,
    .table = table,
};

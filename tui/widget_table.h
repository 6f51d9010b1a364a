/*
 * widget_table.h - the table every list screen uses: columns, selection,
 * scrolling, local sort with a marker in the column header, and the '/'
 * filter. The table keeps only an index (shown position -> data row); the
 * view supplies cell text through a callback, so only visible rows are
 * formatted when drawing, and tens of thousands of rows scroll smoothly.
 */
#ifndef MLDECK_TUI_WIDGET_TABLE_H
#define MLDECK_TUI_WIDGET_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "curses_inc.h"
#include "keymap.h"
#include "mldeck/theme.h"

/* cells a TABLE_KEEP column keeps while another column can still give one */
#define TABLE_KEEP_MIN 15

enum table_col_flags {
    TABLE_RIGHT = 1 << 0,    /* right-aligned (numbers) */
    TABLE_FLEX = 1 << 1,     /* takes the width left over */
    TABLE_NOSORT = 1 << 2,   /* skipped by the sort keys */
    TABLE_OPTIONAL = 1 << 3, /* hidden when the table is too narrow (rightmost first) */
    TABLE_MIDDLE = 1 << 4,   /* too long: cut the middle, not the end (versions end names) */
    TABLE_KEEP = 1 << 5,     /* in a narrow table keeps TABLE_KEEP_MIN cells while others give */
};

struct table_col {
    char *title;
    int width;
    unsigned flags;
};

struct table_source {
    /* Text of one cell into buf; may set *role (default MD_THEME_NORMAL). */
    void (*cell)(void *ctx, size_t row, size_t col, char *buf, size_t len,
                 enum md_theme_role *role);
    /* Optional: order of two data rows by column (<0, 0, >0); NULL compares texts. */
    int (*cmp)(void *ctx, size_t a, size_t b, size_t col);
    /* Optional: role of a whole row (stale rows); MD_THEME_NORMAL otherwise. */
    enum md_theme_role (*row_role)(void *ctx, size_t row);
};

struct table {
    const struct table_source *src;
    void *ctx;
    struct table_col *cols;
    size_t n_cols;
    size_t *idx; /* shown rows in order: data row numbers */
    size_t n;
    size_t alloc;
    size_t n_data;
    size_t sel; /* position in idx */
    size_t top;
    int page;     /* rows that fit, from the last draw */
    int sort_col; /* -1: data order */
    bool sort_desc;
    char *filter; /* lower-case, NULL when none */
};

void table_init(struct table *t, const struct table_source *src, void *ctx);
void table_release(struct table *t);
/* Append a column (title copied). */
void table_add_col(struct table *t, const char *title, int width, unsigned flags);
/* Drop columns from index `from` on. */
void table_truncate_cols(struct table *t, size_t from);

/*
 * Rebuild the index for n_data rows: filter, then sort. The selection stays
 * on the same data row when it is still shown.
 */
void table_rebuild(struct table *t, size_t n_data);
void table_set_filter(struct table *t, const char *filter);
/* The filter as typed (lower-case), "" when none. */
const char *table_filter(const struct table *t);
void table_set_sort(struct table *t, int col, bool desc);

/* True when some column can be sorted. */
bool table_sortable(const struct table *t);
/* The selected data row; false when the table is empty. */
bool table_selected(const struct table *t, size_t *row);
/* Select a data row if it is shown. */
void table_select_row(struct table *t, size_t row);
/*
 * Navigation and sort keys; returns REACT_* flags (0 when not a table key).
 * A sort key rebuilds the index.
 */
unsigned table_key(struct table *t, enum km_action act);
/* Column header at y, rows below, in h lines and `width` cells from x. */
void table_draw(struct table *t, WINDOW *w, int y, int x, int h, int width);
/* "12/3400" for titles. */
void table_position(const struct table *t, char *buf, size_t len);

#endif

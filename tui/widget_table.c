/*
 * widget_table.c - index-based table: filter and sort touch every row only
 * when the data changes; drawing formats the visible rows alone.
 */
#include "widget_table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/md.h"
#include "text.h"
#include "theme_curses.h"
#include "view.h"

#define CELL_MAX 512

void table_init(struct table *t, const struct table_source *src, void *ctx)
{
    memset(t, 0, sizeof(*t));
    t->src = src;
    t->ctx = ctx;
    t->sort_col = -1;
    t->page = 10;
}

void table_release(struct table *t)
{
    table_truncate_cols(t, 0);
    free(t->cols);
    free(t->idx);
    free(t->filter);
    memset(t, 0, sizeof(*t));
}

void table_add_col(struct table *t, const char *title, int width, unsigned flags)
{
    t->cols = md_xrealloc(t->cols, (t->n_cols + 1) * sizeof(*t->cols));
    t->cols[t->n_cols].title = md_xstrdup(title);
    t->cols[t->n_cols].width = width;
    t->cols[t->n_cols].flags = flags;
    t->n_cols++;
}

void table_truncate_cols(struct table *t, size_t from)
{
    while (t->n_cols > from)
        free(t->cols[--t->n_cols].title);
    if (t->sort_col >= (int)t->n_cols)
        t->sort_col = -1;
}

static void cell_text(const struct table *t, size_t row, size_t col, char *buf, size_t len,
                      enum md_theme_role *role)
{
    enum md_theme_role r = MD_THEME_NORMAL;
    buf[0] = 0;
    t->src->cell(t->ctx, row, col, buf, len, &r);
    if (role)
        *role = r;
}

/* Every space-separated word of the filter must occur in some cell of the row. */
static bool row_matches(const struct table *t, size_t row)
{
    enum { MAXC = 16 };
    char cells[MAXC][CELL_MAX];
    size_t nc = t->n_cols < MAXC ? t->n_cols : MAXC;
    for (size_t c = 0; c < nc; c++)
        cell_text(t, row, c, cells[c], sizeof(cells[c]), NULL);
    const char *p = t->filter;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t wl = strcspn(p, " ");
        if (wl == 0)
            break;
        char word[CELL_MAX];
        snprintf(word, sizeof(word), "%.*s", (int)wl, p);
        bool found = false;
        for (size_t c = 0; c < nc && !found; c++)
            found = text_contains_lower(cells[c], word);
        if (!found)
            return false;
        p += wl;
    }
    return true;
}

/* Numbers compare as numbers ("10" after "9"), everything else as text. */
static int compare_text(const char *a, const char *b)
{
    char *ea;
    char *eb;
    double da = strtod(a, &ea);
    double db = strtod(b, &eb);
    if (ea != a && eb != b && *ea == 0 && *eb == 0)
        return da < db ? -1 : da > db ? 1 : 0;
    if (!*a != !*b)
        return *a ? -1 : 1; /* empty cells last */
    return strcasecmp(a, b);
}

static int compare_rows(const void *pa, const void *pb, void *ud)
{
    const struct table *t = ud;
    size_t a = *(const size_t *)pa;
    size_t b = *(const size_t *)pb;
    size_t col = (size_t)t->sort_col;
    int r;
    if (t->src->cmp) {
        r = t->src->cmp(t->ctx, a, b, col);
    } else {
        char ba[CELL_MAX];
        char bb[CELL_MAX];
        cell_text(t, a, col, ba, sizeof(ba), NULL);
        cell_text(t, b, col, bb, sizeof(bb), NULL);
        r = compare_text(ba, bb);
    }
    if (t->sort_desc)
        r = -r;
    if (r == 0)
        r = a < b ? -1 : a > b ? 1 : 0; /* stable: data order breaks ties */
    return r;
}

void table_rebuild(struct table *t, size_t n_data)
{
    size_t keep = 0;
    bool had = table_selected(t, &keep);
    if (n_data > t->alloc) {
        t->alloc = n_data + n_data / 2 + 16;
        t->idx = md_xrealloc(t->idx, t->alloc * sizeof(*t->idx));
    }
    t->n_data = n_data;
    t->n = 0;
    for (size_t i = 0; i < n_data; i++)
        if (!t->filter || row_matches(t, i))
            t->idx[t->n++] = i;
    if (t->sort_col >= 0 && (size_t)t->sort_col < t->n_cols && t->n > 1)
        qsort_r(t->idx, t->n, sizeof(*t->idx), compare_rows, t);
    if (had)
        table_select_row(t, keep);
    if (t->sel >= t->n)
        t->sel = t->n ? t->n - 1 : 0;
    if (t->top > t->sel)
        t->top = t->sel;
}

void table_set_filter(struct table *t, const char *filter)
{
    free(t->filter);
    t->filter = NULL;
    if (filter && *filter) {
        t->filter = md_xstrdup(filter);
        for (char *p = t->filter; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    t->sel = 0;
    t->top = 0;
    table_rebuild(t, t->n_data);
}

const char *table_filter(const struct table *t)
{
    return t->filter ? t->filter : "";
}

void table_set_sort(struct table *t, int col, bool desc)
{
    t->sort_col = col < (int)t->n_cols ? col : -1;
    t->sort_desc = desc;
    table_rebuild(t, t->n_data);
}

bool table_sortable(const struct table *t)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (!(t->cols[c].flags & TABLE_NOSORT))
            return true;
    return false;
}

bool table_selected(const struct table *t, size_t *row)
{
    if (t->sel >= t->n)
        return false;
    *row = t->idx[t->sel];
    return true;
}

void table_select_row(struct table *t, size_t row)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->idx[i] == row) {
            t->sel = i;
            return;
        }
    }
}

/* Next sortable column after (or before) the current one, wrapping. */
static int next_sort_col(const struct table *t, int dir)
{
    int n = (int)t->n_cols;
    int c = t->sort_col;
    for (int step = 0; step < n; step++) {
        c = ((c + dir) % n + n) % n;
        if (!(t->cols[c].flags & TABLE_NOSORT))
            return c;
    }
    return -1;
}

unsigned table_key(struct table *t, enum km_action act)
{
    size_t page = t->page > 1 ? (size_t)t->page : 1;
    switch (act) {
    case ACT_UP:
        if (t->sel > 0)
            t->sel--;
        break;
    case ACT_DOWN:
        if (t->sel + 1 < t->n)
            t->sel++;
        break;
    case ACT_PAGE_UP:
        t->sel = t->sel > page ? t->sel - page : 0;
        t->top = t->top > page ? t->top - page : 0;
        break;
    case ACT_PAGE_DOWN:
        t->sel = t->sel + page < t->n ? t->sel + page : (t->n ? t->n - 1 : 0);
        t->top += page;
        break;
    case ACT_TOP:
        t->sel = 0;
        break;
    case ACT_BOTTOM:
        t->sel = t->n ? t->n - 1 : 0;
        break;
    case ACT_SORT_NEXT:
    case ACT_SORT_PREV:
        if (t->n_cols == 0)
            return REACT_HANDLED;
        t->sort_col = next_sort_col(t, act == ACT_SORT_NEXT ? 1 : -1);
        t->sort_desc = false;
        table_rebuild(t, t->n_data);
        break;
    case ACT_SORT_REVERSE:
        if (t->sort_col < 0)
            t->sort_col = next_sort_col(t, 1);
        else
            t->sort_desc = !t->sort_desc;
        table_rebuild(t, t->n_data);
        break;
    default:
        return REACT_NONE;
    }
    if (t->sel < t->top)
        t->top = t->sel;
    if (t->sel >= t->top + page)
        t->top = t->sel - page + 1;
    if (t->top + page > t->n)
        t->top = t->n > page ? t->n - page : 0;
    return REACT_HANDLED | REACT_REDRAW;
}

/*
 * Column widths for the given total: optional columns give way first (the
 * rightmost one first, width -1 = hidden), then the widest columns give up a
 * cell at a time (TABLE_KEEP ones not below TABLE_KEEP_MIN while another can);
 * the flexible column takes what is left.
 */
static void layout_cols(const struct table *t, size_t ncols, int width, int *w)
{
    int used = 0;
    int flex = -1;
    for (size_t c = 0; c < ncols; c++) {
        w[c] = t->cols[c].width;
        used += w[c] + (c ? 1 : 0);
        if ((t->cols[c].flags & TABLE_FLEX) && flex < 0)
            flex = (int)c;
    }
    for (size_t c = ncols; c-- > 0 && used > width;) {
        if (t->cols[c].flags & TABLE_OPTIONAL) {
            used -= w[c] + 1;
            w[c] = -1;
        }
    }
    if (flex >= 0 && used < width)
        w[flex] += width - used;
    while (used > width) {
        /* a TABLE_KEEP column stops at TABLE_KEEP_MIN until every other one is at 6 */
        int widest = -1;
        for (int pass = 0; pass < 2 && widest < 0; pass++)
            for (size_t c = 0; c < ncols; c++)
                if (w[c] > (pass == 0 && (t->cols[c].flags & TABLE_KEEP) ? TABLE_KEEP_MIN : 6) &&
                    (widest < 0 || w[c] > w[widest]))
                    widest = (int)c;
        if (widest < 0)
            break; /* everything at the minimum: the right edge clips */
        w[widest]--;
        used--;
    }
}

void table_draw(struct table *t, WINDOW *w, int y, int x, int h, int width)
{
    if (h < 1 || width < 1)
        return;
    int cw[64];
    size_t ncols = t->n_cols < 64 ? t->n_cols : 64;
    layout_cols(t, ncols, width, cw);
    attr_t ha = ui_attr(MD_THEME_COLUMN_HEADER);
    text_fill(w, y, x, width, ha);
    int cx = x;
    for (size_t c = 0; c < ncols && cx < x + width; c++) {
        if (cw[c] < 0)
            continue;
        int room = x + width - cx;
        int cell = cw[c] < room ? cw[c] : room;
        unsigned align = t->cols[c].flags & TABLE_RIGHT ? TEXT_RIGHT : 0;
        if ((int)c == t->sort_col && cell > 2) {
            /* The marker always shows; the title gives way. */
            const char *mark = t->sort_desc ? text_glyph("\u25bc", "v") : text_glyph("\u25b2", "^");
            int tw = text_width(t->cols[c].title);
            int tx = align && tw < cell - 2 ? cx + cell - 2 - tw : cx;
            tx += text_put(w, y, tx, cell - 2, t->cols[c].title, ha, 0);
            text_put(w, y, tx + 1, 1, mark, ha, 0);
        } else {
            text_put(w, y, cx, cell, t->cols[c].title, ha, align);
        }
        cx += cw[c] + 1;
    }
    t->page = h - 1 > 0 ? h - 1 : 1;
    size_t page = (size_t)t->page;
    if (t->sel < t->top)
        t->top = t->sel;
    if (t->sel >= t->top + page)
        t->top = t->sel - page + 1;
    if (t->top + page > t->n)
        t->top = t->n > page ? t->n - page : 0;
    for (size_t i = 0; i < page && t->top + i < t->n; i++) {
        size_t row = t->idx[t->top + i];
        int ry = y + 1 + (int)i;
        bool sel = t->top + i == t->sel;
        enum md_theme_role rrole =
            t->src->row_role ? t->src->row_role(t->ctx, row) : MD_THEME_NORMAL;
        attr_t rowa = ui_attr(sel ? MD_THEME_SELECTION : rrole);
        text_fill(w, ry, x, width, rowa);
        cx = x;
        for (size_t c = 0; c < ncols && cx < x + width; c++) {
            if (cw[c] < 0)
                continue;
            char buf[CELL_MAX];
            enum md_theme_role role;
            cell_text(t, row, c, buf, sizeof(buf), &role);
            attr_t a = sel || role == MD_THEME_NORMAL ? rowa : ui_attr(role);
            int room = x + width - cx;
            text_put(w, ry, cx, cw[c] < room ? cw[c] : room, buf, a,
                     (t->cols[c].flags & TABLE_RIGHT ? TEXT_RIGHT : 0) |
                         (t->cols[c].flags & TABLE_MIDDLE ? TEXT_MIDDLE : 0));
            cx += cw[c] + 1;
        }
    }
}

void table_position(const struct table *t, char *buf, size_t len)
{
    if (t->n == 0)
        snprintf(buf, len, "0/0");
    else
        snprintf(buf, len, "%zu/%zu", t->sel + 1, t->n);
}

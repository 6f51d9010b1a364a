/*
 * ui.c - layout, the view stack, header, status line, footer, and the frame:
 * werase + draw + wnoutrefresh for each dirty window, then the one doupdate().
 */
#include "ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alarms.h"
#include "text.h"
#include "theme_curses.h"
#include "widget_table.h"

#define STATUS_SHOW_MS 6000

static void del(WINDOW **w)
{
    if (*w) {
        delwin(*w);
        *w = NULL;
    }
}

void ui_free_windows(struct app *a)
{
    del(&a->header);
    del(&a->body);
    del(&a->status);
    del(&a->footer);
    del(&a->dialog_win);
}

void ui_layout(struct app *a)
{
    ui_free_windows(a);
    a->rows = LINES;
    a->cols = COLS;
    a->too_small = a->cols < UI_MIN_COLS || a->rows < UI_MIN_ROWS;
    a->dirty = UI_DIRTY_ALL;
    for (size_t i = 0; i < a->depth; i++)
        a->stack[i]->dirty = true;
    if (a->too_small)
        return;
    a->header = newwin(1, a->cols, 0, 0);
    a->body = newwin(a->rows - 3, a->cols, 1, 0);
    a->status = newwin(1, a->cols, a->rows - 2, 0);
    a->footer = newwin(1, a->cols, a->rows - 1, 0);
}

struct view *ui_top(const struct app *a)
{
    return a->depth ? a->stack[a->depth - 1] : NULL;
}

void ui_push(struct app *a, struct view *v)
{
    if (!v)
        return;
    if (a->depth == UI_MAX_DEPTH) {
        /* Drop the view just above the root to make room: the stack is a trail, not a tree. */
        a->stack[1]->ops->free(a->stack[1]);
        memmove(&a->stack[1], &a->stack[2], (UI_MAX_DEPTH - 2) * sizeof(a->stack[0]));
        a->depth--;
    }
    a->stack[a->depth++] = v;
    v->dirty = true;
    a->dirty |= UI_DIRTY_BODY | UI_DIRTY_FOOTER;
}

void ui_pop(struct app *a)
{
    if (a->depth <= 1)
        return;
    struct view *v = a->stack[--a->depth];
    v->ops->free(v);
    struct view *top = ui_top(a);
    if (top->ops->on_change)
        top->ops->on_change(top, ~0u); /* it missed the changes made while covered */
    top->dirty = true;
    a->dirty |= UI_DIRTY_BODY | UI_DIRTY_FOOTER;
}

void ui_pop_to_root(struct app *a)
{
    while (a->depth > 1)
        ui_pop(a);
}

static void set_status(struct app *a, enum md_theme_role role, int64_t until, const char *fmt,
                       va_list ap)
{
    vsnprintf(a->status_msg, sizeof(a->status_msg), fmt, ap);
    a->status_role = role;
    a->status_until = until;
    a->dirty |= UI_DIRTY_STATUS;
}

void ui_status(struct app *a, enum md_theme_role role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(a, role, md_mono_ms() + STATUS_SHOW_MS, fmt, ap);
    va_end(ap);
}

void ui_status_sticky(struct app *a, enum md_theme_role role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(a, role, 0, fmt, ap);
    va_end(ap);
}

const char *ui_backend_name(const struct app *a, size_t bi)
{
    struct md_backend_status st;
    if (!md_deck_backend_status(a->deck, bi, &st))
        return "";
    return st.name;
}

bool ui_backend_age(const struct app *a, size_t bi, char *buf, size_t len)
{
    struct md_backend_status st;
    if (!md_deck_backend_status(a->deck, bi, &st) || st.data_ms <= 0) {
        snprintf(buf, len, "-");
        return false;
    }
    char age[16];
    fmt_age(md_now_ms() - st.data_ms, age, sizeof(age));
    snprintf(buf, len, "%s%s", st.stale ? "stale " : "", age);
    return st.stale;
}

void ui_draw_title(const struct app *a, WINDOW *w, const char *title, const char *filter,
                   unsigned long backends_mask, const char *right)
{
    int cols = getmaxx(w);
    int rw = right ? text_width(right) : 0;
    int room = cols - rw - 2;
    text_fill(w, 0, 0, cols, ui_attr(MD_THEME_TITLE));
    int x = text_put(w, 0, 1, room, title, ui_attr(MD_THEME_TITLE), 0) + 1;
    if (filter && *filter) {
        char f[160];
        snprintf(f, sizeof(f), "  [filter: %s]", filter);
        x += text_put(w, 0, x, room - x, f, ui_attr(MD_THEME_MARK), 0);
    }
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; bi < nb && bi < sizeof(backends_mask) * 8; bi++) {
        char age[32];
        if (!(backends_mask & (1ul << bi)) || !ui_backend_age(a, bi, age, sizeof(age)))
            continue;
        char note[96];
        if (nb > 1)
            snprintf(note, sizeof(note), "  (%s %s)", ui_backend_name(a, bi), age);
        else
            snprintf(note, sizeof(note), "  (%s)", age);
        x += text_put(w, 0, x, room - x, note, ui_attr(MD_THEME_STALE), 0);
    }
    if (right)
        text_put(w, 0, cols - rw - 1, rw, right, ui_attr(MD_THEME_TITLE), 0);
}

void ui_draw_note(WINDOW *w, int y, const char *msg, enum md_theme_role role)
{
    int cols = getmaxx(w);
    int tw = text_width(msg);
    int x = tw < cols ? (cols - tw) / 2 : 0;
    text_put(w, y, x, cols - x, msg, ui_attr(role), 0);
}

void ui_draw_table_screen(const struct app *a, WINDOW *w, struct table *t, const char *title,
                          unsigned long backends_mask, const char *empty)
{
    char pos[48];
    table_position(t, pos, sizeof(pos));
    ui_draw_title(a, w, title, table_filter(t), backends_mask, pos);
    table_draw(t, w, 1, 0, getmaxy(w) - 1, getmaxx(w));
    if (t->n == 0 && empty) {
        const char *msg = empty;
        if (t->filter && t->n_data > 0)
            msg = "no row matches the filter (Esc clears it)";
        ui_draw_note(w, getmaxy(w) / 2, msg, MD_THEME_DIM);
    }
}

enum md_theme_role ui_version_status_role(const char *status)
{
    if (!status || !*status)
        return MD_THEME_DIM;
    if (strcmp(status, "READY") == 0)
        return MD_THEME_STATUS_OK;
    if (strstr(status, "FAIL"))
        return MD_THEME_STATUS_FAIL;
    return MD_THEME_STATUS_WARN;
}

enum md_theme_role ui_run_status_role(enum md_run_status st)
{
    switch (st) {
    case MD_RUN_FINISHED:
        return MD_THEME_STATUS_OK;
    case MD_RUN_FAILED:
    case MD_RUN_KILLED:
        return MD_THEME_STATUS_FAIL;
    case MD_RUN_RUNNING:
    case MD_RUN_SCHEDULED:
        return MD_THEME_STATUS_WARN;
    default:
        return MD_THEME_DIM;
    }
}

/* Below this many requests left in a platform's rate-limit budget, the header warns. */
#define RATELIMIT_WARN 100

/*
 * What needs the operator's eye, after every backend so a long message does
 * not push the next backend off the line: requests not answered, budgets
 * running low, then errors, each named by its backend.
 */
static void header_notes(struct app *a, int x, int limit)
{
    WINDOW *w = a->header;
    size_t nb = md_deck_backend_count(a->deck);
    char buf[320];
    for (int pass = 0; pass < 3; pass++) {
        for (size_t bi = 0; bi < nb && x < limit - 4; bi++) {
            struct md_backend_status st;
            if (!md_deck_backend_status(a->deck, bi, &st))
                continue;
            enum md_theme_role role;
            if (pass == 0 && st.waiting_ms > 0) {
                /* counts up with the header's once-a-second redraw; the data stays below */
                snprintf(buf, sizeof(buf), "%s: not answering (%lld s)", st.name,
                         (long long)(st.waiting_ms / 1000));
                role = MD_THEME_STATUS_WARN;
            } else if (pass == 1 && st.ratelimit_remaining >= 0 &&
                       st.ratelimit_remaining < RATELIMIT_WARN) {
                snprintf(buf, sizeof(buf), "%s: %ld %s left", st.name, st.ratelimit_remaining,
                         strcmp(st.kind, "azureml") == 0 ? "ARM calls" : "calls");
                role = MD_THEME_STATUS_WARN;
            } else if (pass == 2 && st.health == MD_HEALTH_ERROR && st.error && *st.error) {
                snprintf(buf, sizeof(buf), "%s: %s", st.name, st.error);
                role = MD_THEME_ERROR;
            } else {
                continue;
            }
            char sep[8];
            snprintf(sep, sizeof(sep), " %s ", text_glyph("\u2502", "|"));
            x += text_put(w, 0, x, limit - x, sep, ui_attr(MD_THEME_HEADER), 0);
            x += text_put(w, 0, x, limit - x, buf, ui_attr(role), 0);
        }
    }
}

/* Header: context, each backend with health glyph and age, spinner, notes, READ-ONLY badge. */
static void draw_header(struct app *a)
{
    WINDOW *w = a->header;
    int cols = a->cols;
    attr_t ha = ui_attr(MD_THEME_HEADER);
    bool ro = md_deck_read_only(a->deck);
    const char *badge = " READ-ONLY ";
    int right = ro ? text_width(badge) + 1 : 0;
    char buf[256];
    text_fill(w, 0, 0, cols, ha);
    snprintf(buf, sizeof(buf), " mldeck %s %s", text_glyph("\u2502", "|"),
             md_deck_context_name(a->deck));
    int x = text_put(w, 0, 0, cols - right, buf, ha | A_BOLD, 0);
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; bi < nb && x < cols - right; bi++) {
        struct md_backend_status st;
        if (!md_deck_backend_status(a->deck, bi, &st))
            continue;
        snprintf(buf, sizeof(buf), " %s %s ", text_glyph("\u2502", "|"), st.name);
        x += text_put(w, 0, x, cols - right - x, buf, ha, 0);
        const char *glyph = text_glyph("?", "?");
        enum md_theme_role gr = MD_THEME_DIM;
        if (st.health == MD_HEALTH_OK) {
            glyph = text_glyph("\u25cf", "+");
            gr = MD_THEME_STATUS_OK;
        } else if (st.health == MD_HEALTH_ERROR) {
            glyph = text_glyph("\u2716", "x");
            gr = MD_THEME_STATUS_FAIL;
        }
        x += text_put(w, 0, x, cols - right - x, glyph, ui_attr(gr), 0);
        char age[32];
        bool stale = ui_backend_age(a, bi, age, sizeof(age));
        snprintf(buf, sizeof(buf), " %s", age);
        x += text_put(w, 0, x, cols - right - x, buf, stale ? ui_attr(MD_THEME_STALE) : ha, 0);
    }
    size_t pending = md_deck_pending(a->deck);
    if (pending && x < cols - right - 4) {
        static const char *const spin_utf8[] = {"\u280b", "\u2819", "\u2839", "\u2838", "\u283c",
                                                "\u2834", "\u2826", "\u2827", "\u2807", "\u280f"};
        static const char *const spin_ascii[] = {"|", "/", "-", "\\"};
        const char *g = a->ascii ? spin_ascii[a->spin % 4] : spin_utf8[a->spin % 10];
        snprintf(buf, sizeof(buf), " %s %s %zu", text_glyph("\u2502", "|"), g, pending);
        x += text_put(w, 0, x, cols - right - x, buf, ha, 0);
    }
    size_t firing = alarms_firing_total(a->deck);
    if (firing && x < cols - right - 4) {
        snprintf(buf, sizeof(buf), " %s ", text_glyph("\u2502", "|"));
        x += text_put(w, 0, x, cols - right - x, buf, ha, 0);
        snprintf(buf, sizeof(buf), "alarms: %zu", firing);
        x += text_put(w, 0, x, cols - right - x, buf, ui_attr(MD_THEME_STATUS_FAIL) | A_BOLD, 0);
    }
    header_notes(a, x, cols - right - 1);
    if (ro)
        text_put(w, 0, cols - right, right - 1, badge, ui_attr(MD_THEME_READ_ONLY), 0);
}

static void draw_status(struct app *a)
{
    WINDOW *w = a->status;
    text_fill(w, 0, 0, a->cols, ui_attr(MD_THEME_NORMAL));
    if (a->cmd.mode != CMDLINE_OFF) {
        cmdline_draw(&a->cmd, w, 0, a->cols);
        return;
    }
    if (a->status_msg[0])
        text_put(w, 0, 1, a->cols - 2, a->status_msg, ui_attr(a->status_role), 0);
}

/* One "key label" hint; returns the cells used, 0 when it did not fit. */
static int footer_hint(WINDOW *w, int x, int cols, const struct km_entry *e, bool ascii,
                       bool disabled)
{
    char key[32];
    char label[64];
    km_key_name(e->keys[0], ascii, key, sizeof(key));
    snprintf(label, sizeof(label), " %s%s", e->label, disabled ? " (read-only)" : "");
    int need = text_width(key) + text_width(label) + 2;
    if (x + need > cols)
        return 0;
    attr_t ka = ui_attr(disabled ? MD_THEME_KEY_DISABLED : MD_THEME_KEY_HINT);
    attr_t la = ui_attr(disabled ? MD_THEME_KEY_DISABLED : MD_THEME_FOOTER);
    int used = text_put(w, 0, x, cols - x, key, ka, 0);
    used += text_put(w, 0, x + used, cols - x - used, label, la, 0);
    return used + 2;
}

static void footer_table(struct app *a, const struct km_table *t, int *x)
{
    bool ro = md_deck_read_only(a->deck);
    for (size_t i = 0; t && i < t->n; i++) {
        const struct km_entry *e = &t->v[i];
        if (!e->label)
            continue;
        *x += footer_hint(a->footer, *x, a->cols, e, a->ascii, ro && (e->flags & KM_MUTATING));
    }
}

static void draw_footer(struct app *a)
{
    text_fill(a->footer, 0, 0, a->cols, ui_attr(MD_THEME_FOOTER));
    struct view *v = ui_top(a);
    int x = 1;
    if (a->dialog) {
        static const struct km_entry dialog_hints[] = {
            {{KM_ENTER}, ACT_NONE, "confirm", "", 0},
            {{KM_ESC}, ACT_NONE, "cancel", "", 0},
        };
        for (size_t i = 0; i < MD_ARRAY_LEN(dialog_hints); i++)
            x += footer_hint(a->footer, x, a->cols, &dialog_hints[i], a->ascii, false);
        return;
    }
    if (v)
        footer_table(a, v->ops->keys, &x);
    struct table *t = v && v->ops->table ? v->ops->table(v) : NULL;
    if (v && v->ops->table_nav && t && table_sortable(t))
        footer_table(a, &km_table_nav, &x);
    footer_table(a, &km_global, &x);
}

static void draw_too_small(struct app *a)
{
    char msg[96];
    werase(stdscr);
    snprintf(msg, sizeof(msg), "terminal too small: %dx%d (need %dx%d)", a->cols, a->rows,
             UI_MIN_COLS, UI_MIN_ROWS);
    int tw = text_width(msg);
    int x = tw < a->cols ? (a->cols - tw) / 2 : 0;
    text_put(stdscr, a->rows / 2, x, a->cols - x, msg, ui_attr(MD_THEME_ERROR), 0);
    wnoutrefresh(stdscr);
}

static void draw_dialog(struct app *a)
{
    int h;
    int w;
    int brows = a->rows - 3;
    dialog_size(a->dialog, brows, a->cols, &h, &w);
    del(&a->dialog_win);
    a->dialog_win = newwin(h, w, 1 + (brows - h) / 2, (a->cols - w) / 2);
    if (!a->dialog_win)
        return;
    werase(a->dialog_win);
    dialog_draw(a->dialog, a->dialog_win);
    wnoutrefresh(a->dialog_win);
}

bool ui_frame(struct app *a)
{
    struct view *v = ui_top(a);
    if (v && v->dirty)
        a->dirty |= UI_DIRTY_BODY;
    if (!a->dirty)
        return false;
    if (a->too_small) {
        draw_too_small(a);
    } else {
        if (a->dirty & UI_DIRTY_HEADER) {
            werase(a->header);
            draw_header(a);
            wnoutrefresh(a->header);
        }
        if (a->dirty & UI_DIRTY_BODY) {
            werase(a->body);
            if (v) {
                v->ops->draw(v, a->body);
                v->dirty = false;
            }
            wnoutrefresh(a->body);
            if (a->dialog)
                draw_dialog(a);
        }
        if (a->dirty & UI_DIRTY_STATUS) {
            werase(a->status);
            draw_status(a);
            wnoutrefresh(a->status);
        }
        if (a->dirty & UI_DIRTY_FOOTER) {
            werase(a->footer);
            draw_footer(a);
            wnoutrefresh(a->footer);
        }
    }
    doupdate();
    a->dirty = 0;
    a->frames++;
    return true;
}

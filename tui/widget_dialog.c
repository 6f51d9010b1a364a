/*
 * widget_dialog.c - plan + typed confirmation. No single key confirms a
 * mutation: the name must be typed, and the input starts empty.
 */
#include "widget_dialog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "mldeck/md.h"
#include "text.h"
#include "theme_curses.h"

static void set_lines(struct dialog *d, const char *summary)
{
    for (size_t i = 0; i < d->n_lines; i++)
        free(d->lines[i]);
    free(d->lines);
    d->lines = NULL;
    d->n_lines = 0;
    const char *p = summary ? summary : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        d->lines = md_xrealloc(d->lines, (d->n_lines + 1) * sizeof(*d->lines));
        char *line = md_xmalloc(n + 1);
        memcpy(line, p, n);
        line[n] = 0;
        d->lines[d->n_lines++] = line;
        p += n + (nl ? 1 : 0);
    }
}

void dialog_init(struct dialog *d, const char *title, const char *summary, const char *prompt,
                 const char *expect)
{
    memset(d, 0, sizeof(*d));
    d->title = md_xstrdup0(title);
    d->prompt = md_xstrdup0(prompt);
    d->expect = md_xstrdup0(expect);
    set_lines(d, summary);
}

void dialog_set_content(struct dialog *d, const char *title, const char *summary)
{
    free(d->title);
    d->title = md_xstrdup0(title);
    set_lines(d, summary);
}

void dialog_set_choices(struct dialog *d, char *const *choices, size_t n, size_t sel)
{
    for (size_t i = 0; i < d->n_choices; i++)
        free(d->choices[i]);
    free(d->choices);
    d->choices = n ? md_xcalloc(n, sizeof(*d->choices)) : NULL;
    for (size_t i = 0; i < n; i++)
        d->choices[i] = md_xstrdup0(choices[i]);
    d->n_choices = n;
    d->sel = sel < n ? sel : 0;
}

void dialog_release(struct dialog *d)
{
    set_lines(d, NULL);
    dialog_set_choices(d, NULL, 0, 0);
    free(d->title);
    free(d->prompt);
    free(d->expect);
    memset(d, 0, sizeof(*d));
}

static void input_add(struct dialog *d, int key)
{
    char mb[16];
    size_t n = 1;
    if (key < 0x80) {
        mb[0] = (char)key;
    } else {
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        n = wcrtomb(mb, (wchar_t)key, &st);
        if (n == (size_t)-1)
            return;
    }
    if (d->len + n >= sizeof(d->input))
        return;
    memcpy(d->input + d->len, mb, n);
    d->len += n;
    d->input[d->len] = 0;
}

enum dialog_result dialog_key(struct dialog *d, int key)
{
    switch (key) {
    case KM_ESC:
        return DIALOG_CANCEL;
    case KM_FN(KEY_UP):
    case KM_FN(KEY_DOWN):
        if (d->n_choices < 2)
            return DIALOG_OPEN;
        if (key == KM_FN(KEY_UP))
            d->sel = d->sel ? d->sel - 1 : d->n_choices - 1;
        else
            d->sel = (d->sel + 1) % d->n_choices;
        return DIALOG_PICK;
    case KM_ENTER:
        if (strcmp(d->input, d->expect) == 0)
            return DIALOG_ACCEPT;
        d->mismatch = true;
        return DIALOG_OPEN;
    case KM_BACKSPACE:
    case KM_FN(KEY_BACKSPACE):
        while (d->len > 0 && ((unsigned char)d->input[--d->len] & 0xc0) == 0x80)
            ;
        d->input[d->len] = 0;
        break;
    case KM_CTRL('u'):
        d->len = 0;
        d->input[0] = 0;
        break;
    default:
        if (KM_IS_FN(key) || key < 0x20 || key == 0x7f)
            return DIALOG_OPEN;
        input_add(d, key);
        break;
    }
    d->mismatch = false;
    return DIALOG_OPEN;
}

void dialog_size(const struct dialog *d, int rows, int cols, int *h, int *w)
{
    int want = text_width(d->title) + 6;
    for (size_t i = 0; i < d->n_lines; i++) {
        int lw = text_width(d->lines[i]) + 4;
        if (lw > want)
            want = lw;
    }
    int pw = text_width(d->prompt) + text_width(d->expect) + 8;
    if (pw > want)
        want = pw;
    for (size_t i = 0; i < d->n_choices; i++) {
        int lw = text_width(d->choices[i]) + 8;
        if (lw > want)
            want = lw;
    }
    if (want < 40)
        want = 40;
    *w = want < cols - 2 ? want : cols - 2;
    int hh = (int)d->n_lines + 7 + (d->n_choices ? (int)d->n_choices + 2 : 0);
    *h = hh < rows ? hh : rows;
}

void dialog_draw(const struct dialog *d, WINDOW *w)
{
    int h = getmaxy(w);
    int cw = getmaxx(w);
    attr_t na = ui_attr(MD_THEME_NORMAL);
    for (int y = 0; y < h; y++)
        text_fill(w, y, 0, cw, na);
    text_box(w, ui_attr(MD_THEME_STATUS_WARN));
    char title[160];
    snprintf(title, sizeof(title), " %s ", d->title);
    text_put(w, 0, 2, cw - 4, title, ui_attr(MD_THEME_TITLE), 0);
    int y = 2;
    for (size_t i = 0; i < d->n_lines && y < h - 4; i++, y++)
        text_put(w, y, 2, cw - 4, d->lines[i], na, 0);
    if (d->n_choices && y < h - 6) {
        /* the choices around the selected one, as many as fit above the input */
        y++;
        text_put(w, y++, 2, cw - 4,
                 text_ascii() ? "choose with Up/Down:" : "choose with \u2191/\u2193:",
                 ui_attr(MD_THEME_DIM), 0);
        size_t room = (size_t)(h - 5 - y > 0 ? h - 5 - y : 0);
        size_t first = d->sel >= room ? d->sel - room + 1 : 0;
        for (size_t i = first; i < d->n_choices && y < h - 5; i++, y++) {
            bool on = i == d->sel;
            char line[512];
            snprintf(line, sizeof(line), "%s %s", on ? text_glyph("\u25b6", ">") : " ",
                     d->choices[i]);
            text_put(w, y, 4, cw - 6, line, on ? ui_attr(MD_THEME_SELECTION) : na, 0);
        }
    }
    y = h - 4 > y ? y + 1 : h - 4;
    int x = 2 + text_put(w, y, 2, cw - 4, d->prompt, na | A_BOLD, 0);
    int room = cw - 2 - x;
    if (room > 0) {
        int used = text_put(w, y, x, room - 1, d->input, ui_attr(MD_THEME_MARK), 0);
        text_put(w, y, x + used, 1, " ", na | A_REVERSE, 0); /* the cursor */
    }
    if (d->mismatch)
        text_put(w, y + 1, 2, cw - 4, "the text does not match; Esc cancels",
                 ui_attr(MD_THEME_ERROR), 0);
    else if (d->note)
        text_put(w, y + 1, 2, cw - 4, d->note, ui_attr(MD_THEME_DIM), 0);
    text_put(w, h - 2, 2, cw - 4, "Enter confirm   Esc cancel", ui_attr(MD_THEME_DIM), 0);
}

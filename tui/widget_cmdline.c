/*
 * widget_cmdline.c - line editing for ':' and '/': printable characters,
 * Backspace, Ctrl-U, Ctrl-W, Tab completion cycling through candidates.
 */
#include "widget_cmdline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "text.h"
#include "theme_curses.h"

#define MAX_CANDS 32

void cmdline_open(struct cmdline *c, enum cmdline_mode mode, const char *initial)
{
    memset(c, 0, sizeof(*c));
    c->mode = mode;
    if (initial)
        c->len = (size_t)snprintf(c->buf, sizeof(c->buf), "%s", initial);
    if (c->len >= sizeof(c->buf))
        c->len = sizeof(c->buf) - 1;
}

void cmdline_open_prompt(struct cmdline *c, const char *prompt, const char *initial)
{
    cmdline_open(c, CMDLINE_PROMPT, initial);
    snprintf(c->prompt, sizeof(c->prompt), "%s", prompt);
}

void cmdline_close(struct cmdline *c)
{
    memset(c, 0, sizeof(*c));
}

/* Start of the last word (after the last space). */
static size_t word_start(const struct cmdline *c)
{
    size_t i = c->len;
    while (i > 0 && c->buf[i - 1] != ' ')
        i--;
    return i;
}

static void set_word(struct cmdline *c, size_t start, const char *word, bool add_space)
{
    int n = snprintf(c->buf + start, sizeof(c->buf) - start, "%s%s", word, add_space ? " " : "");
    c->len = start + (n > 0 ? (size_t)n : 0);
    if (c->len >= sizeof(c->buf))
        c->len = sizeof(c->buf) - 1;
}

/* Tab: one candidate completes the word; several cycle through on each Tab. */
static enum cmdline_result complete_word(struct cmdline *c, cmdline_complete_fn complete, void *ud)
{
    if (!complete)
        return CMDLINE_NOOP;
    size_t start = word_start(c);
    if (!c->tabbing) {
        snprintf(c->stem, sizeof(c->stem), "%s", c->buf + start);
        c->tab_next = 0;
    }
    /* Candidates are computed against the stem, so cycling does not narrow them. */
    char line[sizeof(c->buf)];
    snprintf(line, sizeof(line), "%.*s%s", (int)start, c->buf, c->stem);
    const char *cands[MAX_CANDS];
    size_t n = complete(ud, line, start, cands, MAX_CANDS);
    c->hint[0] = 0;
    if (n == 0) {
        snprintf(c->hint, sizeof(c->hint), "no completion");
        c->tabbing = false;
        return CMDLINE_NOOP;
    }
    if (n == 1) {
        set_word(c, start, cands[0], true);
        c->tabbing = false;
        return CMDLINE_EDITED;
    }
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof(c->hint); i++) {
        int k = snprintf(c->hint + off, sizeof(c->hint) - off, "%s%s", i ? " " : "", cands[i]);
        if (k < 0)
            break;
        off += (size_t)k;
    }
    set_word(c, start, cands[c->tab_next % n], false);
    c->tab_next++;
    c->tabbing = true;
    return CMDLINE_EDITED;
}

/* Append the UTF-8 form of a typed character. */
static bool add_char(struct cmdline *c, int key)
{
    char mb[16];
    int n;
    if (key < 0x80) {
        mb[0] = (char)key;
        n = 1;
    } else {
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        size_t r = wcrtomb(mb, (wchar_t)key, &st);
        if (r == (size_t)-1)
            return false;
        n = (int)r;
    }
    if (c->len + (size_t)n >= sizeof(c->buf))
        return false;
    memcpy(c->buf + c->len, mb, (size_t)n);
    c->len += (size_t)n;
    c->buf[c->len] = 0;
    return true;
}

/* Remove the last character (a whole UTF-8 sequence). */
static void del_char(struct cmdline *c)
{
    while (c->len > 0) {
        unsigned char b = (unsigned char)c->buf[--c->len];
        if ((b & 0xc0) != 0x80)
            break;
    }
    c->buf[c->len] = 0;
}

enum cmdline_result cmdline_key(struct cmdline *c, int key, cmdline_complete_fn complete, void *ud)
{
    if (key == KM_TAB && c->mode == CMDLINE_COMMAND)
        return complete_word(c, complete, ud);
    c->tabbing = false;
    c->hint[0] = 0;
    switch (key) {
    case KM_ESC:
        return CMDLINE_CANCEL;
    case KM_ENTER:
        return CMDLINE_SUBMIT;
    case KM_BACKSPACE:
    case KM_FN(KEY_BACKSPACE):
        if (c->len == 0)
            return CMDLINE_CANCEL; /* backspace on an empty line closes it, as in vi */
        del_char(c);
        return CMDLINE_EDITED;
    case KM_CTRL('u'):
        c->len = 0;
        c->buf[0] = 0;
        return CMDLINE_EDITED;
    case KM_CTRL('w'):
        while (c->len > 0 && c->buf[c->len - 1] == ' ')
            c->len--;
        c->len = word_start(c);
        c->buf[c->len] = 0;
        return CMDLINE_EDITED;
    default:
        break;
    }
    if (KM_IS_FN(key) || key < 0x20 || key == 0x7f)
        return CMDLINE_NOOP;
    return add_char(c, key) ? CMDLINE_EDITED : CMDLINE_NOOP;
}

void cmdline_draw(const struct cmdline *c, WINDOW *w, int y, int width)
{
    const char *prompt = c->mode == CMDLINE_FILTER   ? "/"
                         : c->mode == CMDLINE_PROMPT ? c->prompt
                                                     : ":";
    attr_t a = ui_attr(MD_THEME_NORMAL);
    int x = text_put(w, y, 0, width, prompt, a | A_BOLD, 0);
    int tw = text_width(c->buf);
    const char *shown = c->buf;
    while (tw > width - x - 2 && *shown) { /* keep the end of a long line in view */
        do
            shown++;
        while ((*shown & 0xc0) == 0x80);
        tw = text_width(shown);
    }
    x += text_put(w, y, x, width - x, shown, a, 0);
    text_put(w, y, x, 1, " ", a | A_REVERSE, 0); /* the cursor */
    x += 2;
    if (c->hint[0] && x < width)
        text_put(w, y, x, width - x, c->hint, ui_attr(MD_THEME_DIM), 0);
}

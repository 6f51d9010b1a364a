/*
 * keymap.c - the global and table key tables, and key names for the footer
 * and the help screen.
 */
#include "keymap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curses_inc.h"
#include "mldeck/md.h"

static const struct km_entry global_keys[] = {
    {{':'}, ACT_COMMAND, "cmd", "command line, e.g. :models, :runs NAME; Tab completes", 0},
    {{'/'}, ACT_FILTER, "filter", "keep rows holding all typed words (any case); Esc clears", 0},
    {{'?'}, ACT_HELP, "help", "this help", 0},
    {{KM_ESC}, ACT_BACK, "back", "back to the previous screen (clears a filter first)", 0},
    {{KM_CTRL('r')}, ACT_REFRESH, NULL, "refresh everything from the servers now", 0},
    {{KM_CTRL('l')}, ACT_REDRAW, NULL, "redraw the screen", 0},
    {{'T'},
     ACT_TIMELINE,
     NULL,
     "the incident timeline: every change, who made it, alarms, drift",
     0},
    {{'q'}, ACT_QUIT, "quit", "quit", 0},
};

const struct km_table km_global = {"Everywhere", global_keys, MD_ARRAY_LEN(global_keys)};

static const struct km_entry nav_keys[] = {
    {{'k', KM_FN(KEY_UP)}, ACT_UP, NULL, "move up", 0},
    {{'j', KM_FN(KEY_DOWN)}, ACT_DOWN, NULL, "move down", 0},
    {{KM_FN(KEY_PPAGE), KM_CTRL('b')}, ACT_PAGE_UP, NULL, "page up", 0},
    {{KM_FN(KEY_NPAGE), KM_CTRL('f')}, ACT_PAGE_DOWN, NULL, "page down", 0},
    {{'g', KM_FN(KEY_HOME)}, ACT_TOP, NULL, "first row", 0},
    {{'G', KM_FN(KEY_END)}, ACT_BOTTOM, NULL, "last row", 0},
    {{'s', '>'}, ACT_SORT_NEXT, "sort", "sort by the next column", 0},
    {{'<'}, ACT_SORT_PREV, NULL, "sort by the previous column", 0},
    {{'S'}, ACT_SORT_REVERSE, NULL, "reverse the sort order", 0},
};

const struct km_table km_table_nav = {"In every table", nav_keys, MD_ARRAY_LEN(nav_keys)};

const struct km_entry *km_lookup(const struct km_table *t, int key)
{
    if (!t)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        for (size_t k = 0; k < 3 && t->v[i].keys[k]; k++)
            if (t->v[i].keys[k] == key)
                return &t->v[i];
    return NULL;
}

int km_from_curses(int rc, unsigned ch)
{
    if (rc == KEY_CODE_YES) {
        if (ch == KEY_ENTER)
            return KM_ENTER;
        if (ch == KEY_BACKSPACE)
            return KM_BACKSPACE;
        return KM_FN((int)ch);
    }
    if (ch == '\n')
        return KM_ENTER;
    if (ch == 8)
        return KM_BACKSPACE;
    return (int)ch;
}

void km_key_name(int key, bool ascii, char *buf, size_t len)
{
    static const struct {
        int key;
        const char *utf8;
        const char *ascii;
    } names[] = {
        {KM_FN(KEY_UP), "\u2191", "Up"},
        {KM_FN(KEY_DOWN), "\u2193", "Down"},
        {KM_FN(KEY_LEFT), "\u2190", "Left"},
        {KM_FN(KEY_RIGHT), "\u2192", "Right"},
        {KM_FN(KEY_PPAGE), "PgUp", "PgUp"},
        {KM_FN(KEY_NPAGE), "PgDn", "PgDn"},
        {KM_FN(KEY_HOME), "Home", "Home"},
        {KM_FN(KEY_END), "End", "End"},
        {KM_ENTER, "Enter", "Enter"},
        {KM_ESC, "Esc", "Esc"},
        {' ', "Space", "Space"},
        {KM_TAB, "Tab", "Tab"},
        {KM_BACKSPACE, "Bksp", "Bksp"},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(names); i++) {
        if (names[i].key == key) {
            snprintf(buf, len, "%s", ascii ? names[i].ascii : names[i].utf8);
            return;
        }
    }
    if (KM_IS_FN(key)) {
        const char *kn = keyname(key & 0xffffff);
        snprintf(buf, len, "%s", kn ? kn : "?");
    } else if (key > 0 && key < 0x20) {
        snprintf(buf, len, "Ctrl-%c", 'A' + key - 1);
    } else if (key < 0x80) {
        snprintf(buf, len, "%c", key);
    } else {
        wchar_t wc[2] = {(wchar_t)key, 0};
        if (wcstombs(buf, wc, len) == (size_t)-1)
            snprintf(buf, len, "U+%04X", (unsigned)key);
    }
}

void km_entry_keys(const struct km_entry *e, bool ascii, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t k = 0; k < 3 && e->keys[k] && off < len; k++) {
        char name[32];
        km_key_name(e->keys[k], ascii, name, sizeof(name));
        int n = snprintf(buf + off, len - off, "%s%s", k ? ", " : "", name);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

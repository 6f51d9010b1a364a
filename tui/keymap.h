/*
 * keymap.h - keys as data. Each table maps keys to an action, with the word
 * shown in the footer and the sentence shown on the help screen, so the
 * footer and `?` are generated from the same tables the dispatcher reads.
 *
 * A key is an int: a character as itself, a curses function key as
 * KM_FN(KEY_x), Enter as KM_ENTER, Escape as KM_ESC.
 */
#ifndef MLDECK_TUI_KEYMAP_H
#define MLDECK_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

enum km_action {
    ACT_NONE = 0,
    /* global */
    ACT_QUIT,
    ACT_BACK,
    ACT_COMMAND,
    ACT_FILTER,
    ACT_HELP,
    ACT_REFRESH,
    ACT_REDRAW,
    ACT_TIMELINE, /* the incident timeline, from any screen */
    /* tables */
    ACT_UP,
    ACT_DOWN,
    ACT_PAGE_UP,
    ACT_PAGE_DOWN,
    ACT_TOP,
    ACT_BOTTOM,
    ACT_OPEN,
    ACT_SORT_NEXT,
    ACT_SORT_PREV,
    ACT_SORT_REVERSE,
    /* views */
    ACT_MARK,
    ACT_COMPARE,
    ACT_METRIC_COLUMN,
    ACT_ROLLBACK,
    ACT_UNDO,
    ACT_SYSTEM_TAGS,
    ACT_NEXT_METRIC,
    ACT_PREV_METRIC,
    ACT_DIFF_ONLY,
    ACT_WEIGHTS,
    ACT_APPROVE,
    ACT_REJECT,
    ACT_LOGS,           /* a deployment's container logs */
    ACT_LOGS_CONTAINER, /* the other container's logs */
    ACT_DRIFT,          /* the drift job watching the selected endpoint or alias */
    ACT_LOGS_FOLLOW,    /* logs view: follow on/off */
    ACT_LOGS_NOISE,     /* logs view: hide/show health-check noise */
};

enum km_flags {
    KM_MUTATING = 1 << 0, /* changes a platform: disabled (and marked) in read-only mode */
};

#define KM_FN(k) (0x1000000 | (k))
#define KM_IS_FN(k) (((k)&0x1000000) != 0)
#define KM_CTRL(c) ((c)&0x1f)
#define KM_ESC 27
#define KM_ENTER '\r'
#define KM_TAB '\t'
#define KM_BACKSPACE 0x7f

struct km_entry {
    int keys[3]; /* 0 ends the list early */
    enum km_action action;
    const char *label; /* footer word; NULL keeps the entry out of the footer */
    const char *help;  /* help screen sentence */
    unsigned flags;    /* enum km_flags */
};

struct km_table {
    const char *title;
    const struct km_entry *v;
    size_t n;
};

extern const struct km_table km_global;
extern const struct km_table km_table_nav;

/* The entry bound to key in t, or NULL. */
const struct km_entry *km_lookup(const struct km_table *t, int key);
/* Turn a wget_wch() result into a key: KEY_CODE_YES codes become KM_FN(). */
int km_from_curses(int rc, unsigned ch);
/* "Ctrl-R", "Enter", "Space", "PgDn", "↑" ("Up" in ASCII mode), "q". */
void km_key_name(int key, bool ascii, char *buf, size_t len);
/* Every key of an entry, "j, ↓". */
void km_entry_keys(const struct km_entry *e, bool ascii, char *buf, size_t len);

#endif

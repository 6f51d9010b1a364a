/*
 * widget_cmdline.h - the one-line input at the bottom: ':' commands with Tab
 * completion, and the '/' filter applied while typing.
 */
#ifndef MLDECK_TUI_WIDGET_CMDLINE_H
#define MLDECK_TUI_WIDGET_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "curses_inc.h"

/* PROMPT: a line for a view (the weights of an endpoint), with its own prompt text. */
enum cmdline_mode { CMDLINE_OFF = 0, CMDLINE_COMMAND, CMDLINE_FILTER, CMDLINE_PROMPT };

enum cmdline_result {
    CMDLINE_NOOP = 0, /* nothing changed */
    CMDLINE_EDITED,   /* the text changed */
    CMDLINE_SUBMIT,   /* Enter */
    CMDLINE_CANCEL,   /* Esc */
};

/*
 * Completion: candidates for the last word of `line` (the word starts at
 * `word`), at most `max` into out (static strings or strings that live until
 * the next key); returns how many.
 */
typedef size_t (*cmdline_complete_fn)(void *ud, const char *line, size_t word, const char **out,
                                      size_t max);

struct cmdline {
    enum cmdline_mode mode;
    char buf[256];
    size_t len;
    /* Tab cycling: the word as typed before the first Tab, and the next candidate. */
    char stem[128];
    size_t tab_next;
    bool tabbing;
    char hint[256];   /* candidates shown after a Tab */
    char prompt[128]; /* CMDLINE_PROMPT: shown before the input */
};

void cmdline_open(struct cmdline *c, enum cmdline_mode mode, const char *initial);
/* A CMDLINE_PROMPT line: `prompt` before the text, which starts as `initial`. */
void cmdline_open_prompt(struct cmdline *c, const char *prompt, const char *initial);
void cmdline_close(struct cmdline *c);
enum cmdline_result cmdline_key(struct cmdline *c, int key, cmdline_complete_fn complete, void *ud);
/* The input line with its prompt, a block cursor and the completion hint. */
void cmdline_draw(const struct cmdline *c, WINDOW *w, int y, int width);

#endif

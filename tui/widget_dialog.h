/*
 * widget_dialog.h - the confirmation dialog of a mutation: the plan, one
 * fact per line, and an input where the operator types the name shown
 * (the model name) to confirm. It starts empty; Enter accepts only an exact
 * match; Esc cancels.
 */
#ifndef MLDECK_TUI_WIDGET_DIALOG_H
#define MLDECK_TUI_WIDGET_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "curses_inc.h"

/* DIALOG_PICK: Up/Down moved the choice (the caller re-plans for it). */
enum dialog_result { DIALOG_OPEN = 0, DIALOG_ACCEPT, DIALOG_CANCEL, DIALOG_PICK };

struct dialog {
    char *title;
    char **lines;
    size_t n_lines;
    char *prompt;
    char *expect; /* what must be typed */
    char input[128];
    size_t len;
    bool mismatch;  /* Enter was pressed with other text */
    char **choices; /* a picker above the input (the versions or configs), or none */
    size_t n_choices;
    size_t sel;
    const char *note; /* a line under the input ("still loading"), static text */
};

/*
 * summary: lines separated by '\n'; prompt: "type the model name to confirm: ";
 * expect: the text to type (all copied).
 */
void dialog_init(struct dialog *d, const char *title, const char *summary, const char *prompt,
                 const char *expect);
void dialog_release(struct dialog *d);
/* New title and summary (data arrived, another choice): the typed input stays. */
void dialog_set_content(struct dialog *d, const char *title, const char *summary);
/* The picker's lines (copied) and the selected one; n 0 removes it. */
void dialog_set_choices(struct dialog *d, char *const *choices, size_t n, size_t sel);
/* One key; the caller reads input when DIALOG_ACCEPT comes back. */
enum dialog_result dialog_key(struct dialog *d, int key);
/* Size the dialog wants inside a screen of rows x cols. */
void dialog_size(const struct dialog *d, int rows, int cols, int *h, int *w);
void dialog_draw(const struct dialog *d, WINDOW *w);

#endif

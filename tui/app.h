/*
 * app.h - the interactive console: one event loop over the keyboard, the
 * signal pipe and the deck's network, drawing one frame per pass.
 */
#ifndef MLDECK_TUI_APP_H
#define MLDECK_TUI_APP_H

#include "mldeck/deck.h"
#include "mldeck/theme.h"

struct app_opts {
    const struct md_theme *theme; /* already loaded; NO_COLOR/--no-color handled by app */
    bool no_color;                /* --no-color or NO_COLOR set */
    bool ascii;                   /* --ascii, or the locale is not UTF-8 */
    long max_frames;              /* --max-frames N: quit after N frames (tests); 0 = no limit */
    const char *initial_view;     /* e.g. "overview" (default), "experiments", "models", "audit" */
};

/*
 * Run the console on an open deck until the operator quits. Owns the terminal
 * for the duration and always restores it, on errors and signals too.
 * Returns the process exit status (0 on a normal quit).
 */
int app_run(md_deck *deck, const struct app_opts *opts);

#endif

/*
 * app.h - the interactive console: one event loop over the keyboard, the
 * signal pipe and the deck's network, drawing one frame per pass.
 */
#ifndef MLDECK_TUI_APP_H
#define MLDECK_TUI_APP_H

#include "mldeck/action.h"
#include "mldeck/deck.h"
#include "mldeck/theme.h"

struct app_opts {
    const struct md_theme *theme; /* already loaded; NO_COLOR/--no-color handled by app */
    bool no_color;                /* --no-color or NO_COLOR set */
    bool ascii;                   /* --ascii, or the locale is not UTF-8 */
    long max_frames;              /* --max-frames N: quit after N frames (tests); 0 = no limit */
    const char *initial_view;     /* e.g. "overview" (default), "experiments", "models", "audit" */
    /* For ':ctx NAME', which opens another deck the way main.c opened the first one. */
    const struct md_config *config; /* borrowed; NULL: switching is refused */
    const char *state_path;         /* --state, NULL for the default */
    bool read_only;                 /* --read-only: every context opened read-only */
};

/*
 * Run the console on an open deck and the action layer over it until the
 * operator quits. Owns the terminal for the duration and always restores it,
 * on errors and signals too. ':ctx' replaces *deck and *actions together
 * (the replaced ones are freed here); the caller frees the pair left in
 * them. Returns the process exit status (0 on a normal quit).
 */
int app_run(md_deck **deck, md_actions **actions, const struct app_opts *opts);

struct app;
/*
 * Open context `name` of opts->config and make it the console's deck, with
 * an action layer of its own: every view closes and the Overview of the new
 * context opens. The old pair stays when the new deck cannot be opened (err
 * says why) or an action is running.
 */
bool app_switch_context(struct app *a, const char *name, struct md_err *err);
/*
 * Ask for a switch to context `name`: checked now (false with err when it
 * cannot be done), built by the loop right after the next frame, which
 * shows "switching to NAME...", so the screen never waits on a blank step.
 */
bool app_request_switch(struct app *a, const char *name, struct md_err *err);

#endif

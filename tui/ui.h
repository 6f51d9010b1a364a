/*
 * ui.h - the console's state and its one frame path.
 *
 * Screen layout: header (line 0: context, backends with health and data
 * age, spinner, READ-ONLY badge), body (the top view), status line (messages,
 * the ':' and '/' input), footer (key hints). ui_frame() redraws the dirty
 * parts with werase + draw + wnoutrefresh and ends with the program's only
 * doupdate().
 */
#ifndef MLDECK_TUI_UI_H
#define MLDECK_TUI_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "curses_inc.h"
#include "mldeck/action.h"
#include "mldeck/deck.h"
#include "view.h"
#include "widget_cmdline.h"
#include "widget_dialog.h"

#define UI_MAX_DEPTH 16
#define UI_MIN_COLS 60
#define UI_MIN_ROWS 15

enum ui_dirty {
    UI_DIRTY_HEADER = 1 << 0,
    UI_DIRTY_BODY = 1 << 1,
    UI_DIRTY_STATUS = 1 << 2,
    UI_DIRTY_FOOTER = 1 << 3,
    UI_DIRTY_ALL = 0xf,
};

struct app {
    md_deck *deck;
    md_actions *actions; /* the action layer over deck: plans, execution, the audit log */
    const struct app_opts *opts;
    bool ascii;
    struct view *stack[UI_MAX_DEPTH];
    size_t depth;

    SCREEN *screen;
    WINDOW *input; /* a pad keys are read from: never drawn, so never refreshed by getch */
    WINDOW *header;
    WINDOW *body;
    WINDOW *status;
    WINDOW *footer;
    WINDOW *dialog_win;
    int rows;
    int cols;
    bool too_small;
    unsigned dirty; /* enum ui_dirty */

    char status_msg[256];
    enum md_theme_role status_role;
    int64_t status_until; /* md_mono_ms(); 0: stays until replaced */

    struct cmdline cmd;
    struct dialog *dialog; /* the open confirmation, with its plan */
    struct md_plan plan;
    bool have_plan;
    struct rollback_pick *pick; /* the alias/endpoint rollback the dialog shows, or NULL */
    enum md_action_phase last_phase;
    size_t prompt_bi; /* the endpoint the weights line (CMDLINE_PROMPT) is for */
    char prompt_endpoint[256];

    char pending_cmd[256]; /* a ':' jump waiting for its list to load; any key drops it */
    char switch_to[128];   /* :ctx NAME, built once the frame saying so is on screen */

    bool quit;
    long frames;
    unsigned spin;
};

/* Windows for the current terminal size (after start and every resize). */
void ui_layout(struct app *a);
/* Delete every window (end of run). */
void ui_free_windows(struct app *a);
/* Draw what is dirty; one doupdate(). Returns true when anything was drawn. */
bool ui_frame(struct app *a);

/* The view stack. Push takes ownership; NULL is ignored. */
void ui_push(struct app *a, struct view *v);
void ui_pop(struct app *a);
/* Pop everything above the root. */
void ui_pop_to_root(struct app *a);
struct view *ui_top(const struct app *a);

/* A message on the status line for a few seconds (role e.g. MD_THEME_ERROR). */
void ui_status(struct app *a, enum md_theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, staying until replaced. */
void ui_status_sticky(struct app *a, enum md_theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Data age of backend bi: "12s", or "stale 5m" when stale (returns true),
 * "-" when nothing was fetched yet.
 */
bool ui_backend_age(const struct app *a, size_t bi, char *buf, size_t len);
/* Name of backend bi ("" when out of range); lent until the next md_deck_run(). */
const char *ui_backend_name(const struct app *a, size_t bi);
/*
 * Title line of a view at row 0: title, the table's filter, stale notes of
 * the backends in `backends_mask` (bit per backend index, ~0 for all), and
 * `right` (e.g. the position "3/120") at the right edge.
 */
void ui_draw_title(const struct app *a, WINDOW *w, const char *title, const char *filter,
                   unsigned long backends_mask, const char *right);
/*
 * The usual body of a list screen: title line (with the table's filter, the
 * stale notes and the position), then the table, or `empty` centered when
 * no row is shown.
 */
void ui_draw_table_screen(const struct app *a, WINDOW *w, struct table *t, const char *title,
                          unsigned long backends_mask, const char *empty);
/* Role of a model version status word: READY ok, FAILED_* fail, others warn. */
enum md_theme_role ui_version_status_role(const char *status);
/* Role of a run status. */
enum md_theme_role ui_run_status_role(enum md_run_status st);
/* A centered message in the body (empty tables: "loading…", "no runs"). */
void ui_draw_note(WINDOW *w, int y, const char *msg, enum md_theme_role role);

#endif

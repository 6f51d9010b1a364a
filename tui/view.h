/*
 * view.h - a screen is a vtable plus its state. Views sit on a stack: Enter
 * pushes, Esc pops. A view draws only into the body window it is given;
 * key() and on_change() never draw: they return REACT_* flags and mark the
 * view dirty. Views keep ids (backend index and strings), never pointers
 * into the deck's snapshot across frames: those are lent until the next
 * md_deck_run().
 */
#ifndef MLDECK_TUI_VIEW_H
#define MLDECK_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curses_inc.h"
#include "keymap.h"

struct app;
struct table;

enum react {
    REACT_NONE = 0,
    REACT_HANDLED = 1 << 0, /* the key meant something here */
    REACT_REDRAW = 1 << 1,  /* the view changed: redraw body and footer */
    REACT_LAYOUT = 1 << 2,  /* windows must be re-laid out */
    REACT_FETCH = 1 << 3,   /* a request went out (spinner) */
    REACT_POP = 1 << 4,     /* close this view */
    REACT_QUIT = 1 << 5,
};

struct view {
    const struct view_ops *ops;
    struct app *app;
    bool dirty;
};

struct view_ops {
    const char *name;                        /* command name, "runs" */
    const char *title;                       /* help section title, "Runs of an experiment" */
    const struct km_table *keys;             /* the view's own keys, or NULL */
    bool table_nav;                          /* also takes km_table_nav */
    struct view *(*create)(struct app *app); /* NULL when the view needs arguments */
    void (*free)(struct view *v);
    void (*draw)(struct view *v, WINDOW *w);
    unsigned (*key)(struct view *v, enum km_action act);
    void (*on_change)(struct view *v, unsigned deck_mask);
    struct table *(*table)(struct view *v); /* the filterable table, NULL for none */
    /* A descriptor the loop should wait on for this view (a worker's pipe), -1 for none. */
    int (*wait_fd)(struct view *v);
    /* Called when wait_fd() is readable; returns REACT_* flags like key(). */
    unsigned (*on_fd)(struct view *v);
};

/* Every view, for the help screen and the command line. */
extern const struct view_ops view_overview_ops;
extern const struct view_ops view_experiments_ops;
extern const struct view_ops view_runs_ops;
extern const struct view_ops view_run_ops;
extern const struct view_ops view_compare_ops;
extern const struct view_ops view_models_ops;
extern const struct view_ops view_versions_ops;
extern const struct view_ops view_endpoint_ops;
extern const struct view_ops view_audit_ops;
extern const struct view_ops view_timeline_ops;
extern const struct view_ops view_help_ops;
extern const struct view_ops view_logs_ops;
extern const struct view_ops *const view_all[];
extern const size_t view_all_count;

/* Constructors of the views that need arguments (ids are copied). */
struct view *view_runs_new(struct app *app, size_t bi, const char *experiment_id,
                           const char *experiment_name);
struct view *view_run_new(struct app *app, size_t bi, const char *run_id);
struct view *view_compare_new(struct app *app, size_t bi, const char *run_a, const char *run_b);
struct view *view_versions_new(struct app *app, size_t bi, const char *model);
/* Versions with the cursor on `version` (the alias's) once the list is loaded. */
struct view *view_versions_new_at(struct app *app, size_t bi, const char *model,
                                  const char *version);
struct view *view_endpoint_new(struct app *app, size_t bi, const char *endpoint);
/* One audit entry in full, found by its id in the log at every draw. */
struct view *view_audit_entry_new(struct app *app, int64_t id);
/* NULL (said on the status line) when the backend serves no logs of that endpoint. */
struct view *view_logs_new(struct app *app, size_t bi, const char *endpoint,
                           const char *deployment);
/* The timeline of one target as the user names it ("churn", "churn@champion"), NULL: all. */
struct view *view_timeline_new(struct app *app, const char *target);

/*
 * Overview: select the row of endpoint `name` of backend bi (name NULL: the
 * first endpoint row). False when v is not the overview or no row matches.
 */
bool view_overview_select_endpoint(struct view *v, size_t bi, const char *name);

#endif

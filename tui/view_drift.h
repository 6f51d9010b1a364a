/*
 * view_drift.h - `:drift`: the newest stored window of each of the context's
 * drift jobs at once, then the jobs run on the core's worker thread for new
 * data; the features sorted by severity, the platform's own verdicts in a
 * section of their own. Enter shows one feature's score over time (threshold,
 * deployment and rollback markers) and its histogram.
 */
#ifndef MLDECK_TUI_VIEW_DRIFT_H
#define MLDECK_TUI_VIEW_DRIFT_H

#include "mldeck/drift.h"
#include "mldeck/theme.h"
#include "view.h"

/* The view table; .create starts the jobs of the deck's context. */
extern const struct view_ops view_drift_ops;
/*
 * The drift screen opened on the job that watches `target` (an endpoint name or
 * "MODEL@ALIAS", as the job's `endpoint` names it); NULL when no job does.
 */
struct view *view_drift_new_for(struct app *app, const char *target);

/*
 * For the event loop: the running job's wake-up fd, -1 when none (v must be
 * a drift view, or -1 is returned). Poll it for POLLIN, then call
 * view_drift_on_fd(), which collects a finished job, starts the next one and
 * returns REACT_* flags. Without this wiring the view polls from draw(),
 * once per second tick.
 */
int view_drift_fd(struct view *v);
unsigned view_drift_on_fd(struct view *v);

/* The role of a drift status (drift high/med/low, dim for n/a), for every screen that shows one. */
enum md_theme_role view_drift_status_role(enum md_drift_status s);
/* Its glyph, so it reads without colour: "✖" drift, "▲" warn, "✓" ok, "·" n/a (ASCII X ! + -). */
const char *view_drift_status_glyph(enum md_drift_status s);
/* The method's label ("PSI(dec)", "W1/σ", "JS₂", "KS D", "χ²"), spelled in ASCII in ASCII mode. */
const char *view_drift_method_label(enum md_drift_method m);

#endif

/*
 * view_drift.h - `:drift`: the context's drift jobs, run on the core's worker
 * thread when the view opens, then the features of the newest window sorted
 * by severity; Enter shows one feature's score over time and its histogram.
 */
#ifndef MLDECK_TUI_VIEW_DRIFT_H
#define MLDECK_TUI_VIEW_DRIFT_H

#include "view.h"

/* The view table; .create starts the jobs of the deck's context. */
extern const struct view_ops view_drift_ops;

/*
 * For the event loop: the running job's wake-up fd, -1 when none (v must be
 * a drift view, or -1 is returned). Poll it for POLLIN, then call
 * view_drift_on_fd(), which collects a finished job, starts the next one and
 * returns REACT_* flags. Without this wiring the view polls from draw(),
 * once per second tick.
 */
int view_drift_fd(struct view *v);
unsigned view_drift_on_fd(struct view *v);

#endif

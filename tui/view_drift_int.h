/*
 * view_drift_int.h - private to tui/view_drift.c (the list of features, the
 * jobs and their worker), tui/view_drift_chart.c (one feature: its score
 * over time with the threshold and deployment markers, and the histogram)
 * and tui/view_drift_platform.c (the platforms' own verdicts and monitors).
 */
#ifndef MLDECK_TUI_VIEW_DRIFT_INT_H
#define MLDECK_TUI_VIEW_DRIFT_INT_H

#include <stdint.h>

#include "mldeck/drift.h"
#include "ui.h"

/* A feature's primary metric over the stored windows, read once per result. */
struct drift_series {
    double *v;  /* values, oldest window first (the table's sparkline) */
    double *p;  /* what the chart plots: p-values for KS and chi2 (judged on p), else v */
    int64_t *t; /* each window's middle, ms since the epoch */
    size_t n;
    int64_t lo;   /* start of the oldest window */
    int64_t hi;   /* end of the newest */
    double drift; /* threshold of the newest window */
};

/* A deployment, rollback or traffic change of the job's endpoint. */
struct drift_mark {
    int64_t ms;
    char text[384]; /* the legend after the glyph: "12:03 rollback endpoint churn -> cfg-1 by al" */
};

/*
 * The changes of `target` (a job's `endpoint:`: an endpoint name, or
 * MODEL@ALIAS) that mldeck knows of: successful actions in the audit log and
 * changes it observed the endpoint (or alias) pointing at, an observation
 * dropped when an action explains it. Newest first; *out malloc'd (free()).
 */
size_t drift_marks_load(struct app *a, const char *target, struct drift_mark **out);

/* What the feature screen shows; everything is lent for the call. */
struct drift_detail {
    const char *job;
    const char *target; /* the job's endpoint, "" when none */
    const struct md_drift_feature *f;
    const struct drift_series *s; /* NULL: no history */
    const struct drift_mark *marks;
    size_t n_marks;
};
/* Draw the feature screen into the whole body window. */
void drift_detail_draw(const struct app *a, WINDOW *w, int h, int width,
                       const struct drift_detail *d);

/*
 * The platforms' section under the table (view_drift_platform.c): the rows it
 * needs at the bottom of a body of h rows (0: nothing to show), and drawing
 * it from row y. `target` is the job's endpoint ("" when none).
 */
int drift_platform_rows(struct app *a, const struct md_drift_run *r, const char *target, int h);
void drift_platform_draw(struct app *a, const struct md_drift_run *r, const char *target, WINDOW *w,
                         int y, int rows, int width);

#endif

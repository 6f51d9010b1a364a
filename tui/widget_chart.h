/*
 * widget_chart.h - a metric over steps (or over time) as a line chart in
 * braille cells (2x4 dots per cell, U+2800..U+28FF) or, in ASCII mode, '*'
 * marks, optionally with a threshold line and event markers; and a one-line
 * sparkline of block eighths (ASCII: " .:-=+*#").
 */
#ifndef MLDECK_TUI_WIDGET_CHART_H
#define MLDECK_TUI_WIDGET_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curses_inc.h"
#include "mldeck/model.h"

/*
 * Draw pts (in step order) in the h x width box at (y, x): y-axis labels on
 * the left, the first and last step below. Non-finite values are skipped.
 */
void chart_draw(WINDOW *w, int y, int x, int h, int width, const struct md_metric_point *pts,
                size_t n, attr_t line, attr_t axis);

/* What chart_draw_opts() adds to a plain chart; zero-initialise, then set what is wanted. */
struct chart_opts {
    bool time_axis;     /* steps are ms since the epoch: the x axis shows local times */
    int64_t x_lo, x_hi; /* the x range when x_lo < x_hi, else the first and last step */
    bool has_hline;     /* a dashed line at `hline` (a threshold), kept inside the y range */
    double hline;
    const char *hline_label; /* drawn at the right end of that line; may be NULL */
    attr_t hline_attr;
    const int64_t *marks; /* x of vertical markers (deployments), in the unit of the steps */
    size_t n_marks;       /* marks outside the x range are not drawn */
    attr_t mark_attr;
};
/*
 * chart_draw() with the options above. Markers are a column of dotted cells
 * topped by a down triangle ('v' and ':' in ASCII mode); the data line is
 * drawn over them, so a marker never hides a value.
 */
void chart_draw_opts(WINDOW *w, int y, int x, int h, int width, const struct md_metric_point *pts,
                     size_t n, attr_t line, attr_t axis, const struct chart_opts *o);
/* The glyph chart_draw_opts() tops a marker with, for legends: "▼" or "v". */
const char *chart_mark_glyph(void);
/* Values squeezed into `width` cells. */
void sparkline_draw(WINDOW *w, int y, int x, int width, const struct md_metric_point *pts, size_t n,
                    attr_t a);
/*
 * The same sparkline as text for a table cell: at most `cells` cells of block
 * eighths (ASCII levels in ASCII mode) into buf. from_zero: the scale starts
 * at 0 (rates and counts), so a flat zero line sits at the bottom. "" when
 * there is no finite value.
 */
void sparkline_text(const double *v, size_t n, int cells, bool from_zero, char *buf, size_t len);

#endif

/*
 * widget_chart.h - a metric over steps as a line chart in braille cells
 * (2x4 dots per cell, U+2800..U+28FF) or, in ASCII mode, '*' marks; and a
 * one-line sparkline of block eighths (ASCII: " .:-=+*#").
 */
#ifndef MLDECK_TUI_WIDGET_CHART_H
#define MLDECK_TUI_WIDGET_CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "curses_inc.h"
#include "mldeck/model.h"

/*
 * Draw pts (in step order) in the h x width box at (y, x): y-axis labels on
 * the left, the first and last step below. Non-finite values are skipped.
 */
void chart_draw(WINDOW *w, int y, int x, int h, int width, const struct md_metric_point *pts,
                size_t n, attr_t line, attr_t axis);
/* Values squeezed into `width` cells. */
void sparkline_draw(WINDOW *w, int y, int x, int width, const struct md_metric_point *pts,
                    size_t n, attr_t a);
/*
 * The same sparkline as text for a table cell: at most `cells` cells of block
 * eighths (ASCII levels in ASCII mode) into buf. from_zero: the scale starts
 * at 0 (rates and counts), so a flat zero line sits at the bottom. "" when
 * there is no finite value.
 */
void sparkline_text(const double *v, size_t n, int cells, bool from_zero, char *buf, size_t len);

#endif

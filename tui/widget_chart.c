/*
 * widget_chart.c - braille line chart (ASCII '*' fallback) with an optional
 * threshold line and event markers, and the sparkline.
 */
#include "widget_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mldeck/md.h"
#include "text.h"

#define LABEL_W 10

struct canvas {
    unsigned char *bits; /* one byte per cell: braille dot mask, or 1 for ASCII */
    int cw;              /* cells */
    int ch;
    int dw; /* dots */
    int dh;
    bool ascii;
};

/* Braille dot bit for a dot at column dx (0-1), row dy (0-3) inside a cell. */
static unsigned char braille_bit(int dx, int dy)
{
    static const unsigned char left[4] = {0x01, 0x02, 0x04, 0x40};
    static const unsigned char right[4] = {0x08, 0x10, 0x20, 0x80};
    return dx ? right[dy] : left[dy];
}

static void plot(struct canvas *c, int x, int y)
{
    if (x < 0 || y < 0 || x >= c->dw || y >= c->dh)
        return;
    if (c->ascii)
        c->bits[y * c->cw + x] = 1;
    else
        c->bits[(y / 4) * c->cw + x / 2] |= braille_bit(x % 2, y % 4);
}

/* Bresenham between two dots. */
static void line(struct canvas *c, int x0, int y0, int x1, int y1)
{
    int dx = abs(x1 - x0);
    int dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1;
    int sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;
    for (;;) {
        plot(c, x0, y0);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

static bool value_range(const struct md_metric_point *pts, size_t n, double *lo, double *hi)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        double v = pts[i].value;
        if (!isfinite(v))
            continue;
        if (!any || v < *lo)
            *lo = v;
        if (!any || v > *hi)
            *hi = v;
        any = true;
    }
    if (any && *hi == *lo) {
        double pad = fabs(*lo) * 0.05 + 0.5;
        *lo -= pad;
        *hi += pad;
    }
    return any;
}

/* "12-01 10:00" in local time: short enough for both ends of a narrow axis. */
static void fmt_axis_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(buf, len, "%m-%d %H:%M", &tm) == 0)
        snprintf(buf, len, "-");
}

/* A y label: fmt_double's six digits when they fit, else three ("1.38e-51", not "1.38199e-…"). */
static void fmt_label(double v, char *buf, size_t len)
{
    fmt_double(v, buf, len);
    if (text_width(buf) > LABEL_W && isfinite(v))
        snprintf(buf, len, "%.3g", v);
}

static void draw_labels(WINDOW *w, int y, int x, int ph, int width, double lo, double hi,
                        int64_t s0, int64_t s1, bool time_axis, attr_t axis)
{
    char buf[32];
    fmt_label(hi, buf, sizeof(buf));
    text_put(w, y, x, LABEL_W, buf, axis, TEXT_RIGHT);
    fmt_label(lo, buf, sizeof(buf));
    text_put(w, y + ph - 1, x, LABEL_W, buf, axis, TEXT_RIGHT);
    if (ph >= 5) {
        fmt_label((lo + hi) / 2, buf, sizeof(buf));
        text_put(w, y + ph / 2, x, LABEL_W, buf, axis, TEXT_RIGHT);
    }
    const char *vbar = text_glyph("\u2502", "|");
    for (int r = 0; r < ph; r++)
        text_put(w, y + r, x + LABEL_W, 1, vbar, axis, 0);
    if (time_axis)
        fmt_axis_time(s0, buf, sizeof(buf));
    else
        snprintf(buf, sizeof(buf), "step %lld", (long long)s0);
    text_put(w, y + ph, x + LABEL_W + 1, width - LABEL_W - 1, buf, axis, 0);
    if (time_axis)
        fmt_axis_time(s1, buf, sizeof(buf));
    else
        snprintf(buf, sizeof(buf), "%lld", (long long)s1);
    int bw = text_width(buf);
    if (width - bw > LABEL_W + 14)
        text_put(w, y + ph, x + width - bw, bw, buf, axis, 0);
}

const char *chart_mark_glyph(void)
{
    return text_glyph("\u25bc", "v");
}

/* Threshold and markers go under the data, so the line stays readable where they cross. */
static void draw_guides(WINDOW *w, int y, int px, int pw, int ph, double lo, double hi, int64_t s0,
                        int64_t s1, const struct chart_opts *o)
{
    if (o->has_hline && isfinite(o->hline)) {
        int row = y + (int)lround((hi - o->hline) / (hi - lo) * (ph - 1));
        const char *dash = text_glyph("\u2504", "-");
        for (int c = 0; c < pw; c += 2)
            text_put(w, row, px + c, 1, dash, o->hline_attr, 0);
    }
    if (s1 <= s0)
        return;
    const char *dots = text_glyph("\u250a", ":");
    for (size_t i = 0; i < o->n_marks; i++) {
        if (o->marks[i] < s0 || o->marks[i] > s1)
            continue;
        double fx = (double)(o->marks[i] - s0) / (double)(s1 - s0);
        int col = px + (int)lround(fx * (pw - 1));
        for (int r = 0; r < ph; r++)
            text_put(w, y + r, col, 1, dots, o->mark_attr, 0);
        text_put(w, y - 1, col, 1, chart_mark_glyph(), o->mark_attr, 0); /* the row kept free */
    }
}

/* True when some marker falls inside [s0, s1]: the chart then keeps its top row for them. */
static bool marks_shown(const struct chart_opts *o, int64_t s0, int64_t s1)
{
    for (size_t i = 0; s1 > s0 && i < o->n_marks; i++)
        if (o->marks[i] >= s0 && o->marks[i] <= s1)
            return true;
    return false;
}

void chart_draw(WINDOW *w, int y, int x, int h, int width, const struct md_metric_point *pts,
                size_t n, attr_t la, attr_t axis)
{
    chart_draw_opts(w, y, x, h, width, pts, n, la, axis, NULL);
}

void chart_draw_opts(WINDOW *w, int y, int x, int h, int width, const struct md_metric_point *pts,
                     size_t n, attr_t la, attr_t axis, const struct chart_opts *o)
{
    static const struct chart_opts none;
    if (!o)
        o = &none;
    if (n == 0)
        return;
    int64_t s0 = o->x_lo < o->x_hi ? o->x_lo : pts[0].step;
    int64_t s1 = o->x_lo < o->x_hi ? o->x_hi : pts[n - 1].step;
    bool by_index = s1 <= s0;
    if (marks_shown(o, s0, s1)) {
        y++;
        h--;
    }
    int pw = width - LABEL_W - 1;
    int ph = h - 1;
    double lo = 0;
    double hi = 0;
    if (pw < 4 || ph < 2 || !value_range(pts, n, &lo, &hi))
        return;
    if (o->has_hline && isfinite(o->hline)) { /* the threshold always shows */
        lo = fmin(lo, o->hline);
        hi = fmax(hi, o->hline);
    }
    struct canvas c = {.cw = pw, .ch = ph, .ascii = text_ascii()};
    c.dw = c.ascii ? pw : pw * 2;
    c.dh = c.ascii ? ph : ph * 4;
    c.bits = md_xcalloc((size_t)pw * (size_t)ph, 1);
    int px = -1;
    int py = -1;
    for (size_t i = 0; i < n; i++) {
        double v = pts[i].value;
        if (!isfinite(v))
            continue;
        double fx = by_index ? (n > 1 ? (double)i / (double)(n - 1) : 0.0)
                             : (double)(pts[i].step - s0) / (double)(s1 - s0);
        int dx = (int)lround(fx * (c.dw - 1));
        int dy = (int)lround((hi - v) / (hi - lo) * (c.dh - 1));
        if (px >= 0)
            line(&c, px, py, dx, dy);
        else
            plot(&c, dx, dy);
        px = dx;
        py = dy;
    }
    draw_guides(w, y, x + LABEL_W + 1, pw, ph, lo, hi, s0, s1, o);
    for (int r = 0; r < ph; r++) {
        for (int col = 0; col < pw; col++) {
            unsigned char b = c.bits[r * pw + col];
            if (!b)
                continue;
            wattrset(w, la);
            if (c.ascii) {
                mvwaddch(w, y + r, x + LABEL_W + 1 + col, '*');
            } else {
                wchar_t wc[2] = {(wchar_t)(0x2800 + b), 0};
                mvwaddnwstr(w, y + r, x + LABEL_W + 1 + col, wc, 1);
            }
        }
    }
    free(c.bits);
    if (o->has_hline && isfinite(o->hline) && o->hline_label) {
        int row = y + (int)lround((hi - o->hline) / (hi - lo) * (ph - 1));
        int lw = text_width(o->hline_label);
        if (lw < pw)
            text_put(w, row, x + width - lw, lw, o->hline_label, o->hline_attr, 0);
    }
    if (by_index) {
        s0 = 0;
        s1 = (int64_t)n - 1;
    }
    draw_labels(w, y, x, ph, width, lo, hi, s0, s1, o->time_axis && !by_index, axis);
}

void sparkline_draw(WINDOW *w, int y, int x, int width, const struct md_metric_point *pts, size_t n,
                    attr_t a)
{
    static const char *const ascii_levels = " .:-=+*#";
    double lo = 0;
    double hi = 0;
    if (width <= 0 || n == 0 || !value_range(pts, n, &lo, &hi))
        return;
    int cells = (size_t)width < n ? width : (int)n;
    wattrset(w, a);
    for (int i = 0; i < cells; i++) {
        /* The last point of each bucket: the curve's end value stays exact. */
        size_t k = (size_t)(((double)(i + 1) / cells) * (double)n) - 1;
        double v = pts[k < n ? k : n - 1].value;
        int level = isfinite(v) ? (int)lround((v - lo) / (hi - lo) * 7) : 0;
        if (level < 0)
            level = 0;
        if (level > 7)
            level = 7;
        if (text_ascii()) {
            mvwaddch(w, y, x + i, (chtype)ascii_levels[level]);
        } else {
            wchar_t wc[2] = {(wchar_t)(0x2581 + level), 0};
            mvwaddnwstr(w, y, x + i, wc, 1);
        }
    }
}

void sparkline_text(const double *v, size_t n, int cells, bool from_zero, char *buf, size_t len)
{
    static const char *const ascii_levels = "_.:-=+*#"; /* a zero line stays visible */
    double lo = 0;
    double hi = 0;
    bool any = false;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (!any || v[i] < lo)
            lo = v[i];
        if (!any || v[i] > hi)
            hi = v[i];
        any = true;
    }
    if (!any || cells <= 0 || len == 0)
        return;
    if (from_zero && lo > 0)
        lo = 0;
    int k = (size_t)cells < n ? cells : (int)n;
    size_t off = 0;
    for (int i = 0; i < k; i++) {
        size_t at = (size_t)(((double)(i + 1) / k) * (double)n) - 1;
        double x = v[at < n ? at : n - 1];
        int level = 0;
        if (isfinite(x) && hi > lo)
            level = (int)lround((x - lo) / (hi - lo) * 7);
        else if (isfinite(x) && !from_zero)
            level = 3; /* flat and not anchored at zero: the middle */
        level = level < 0 ? 0 : level > 7 ? 7 : level;
        char cell[8];
        if (text_ascii()) {
            cell[0] = ascii_levels[level];
            cell[1] = 0;
        } else {
            /* U+2581 + level in UTF-8: E2 96 81.. */
            cell[0] = (char)0xe2;
            cell[1] = (char)0x96;
            cell[2] = (char)(0x81 + level);
            cell[3] = 0;
        }
        size_t cl = strlen(cell);
        if (off + cl >= len)
            break;
        memcpy(buf + off, cell, cl + 1);
        off += cl;
    }
}

/*
 * text.c - width-aware drawing of server text and the shared formatters.
 */
#include "text.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "mldeck/md.h"

static bool g_ascii;

void text_set_ascii(bool ascii)
{
    g_ascii = ascii;
}

bool text_ascii(void)
{
    return g_ascii;
}

const char *text_glyph(const char *utf8, const char *ascii)
{
    return g_ascii ? ascii : utf8;
}

/*
 * Decode the next character of s into *wc and its cell width; returns the
 * bytes consumed (at least 1). Controls and bad bytes become '?'.
 */
static size_t next_char(const char *s, mbstate_t *st, wchar_t *wc, int *cells)
{
    size_t n = mbrtowc(wc, s, MB_CUR_MAX, st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        memset(st, 0, sizeof(*st));
        *wc = L'?';
        *cells = 1;
        return 1;
    }
    if (*wc < 0x20 || (*wc >= 0x7f && *wc < 0xa0)) {
        *wc = L'?';
        *cells = 1;
        return n;
    }
    int cw = wcwidth(*wc);
    if (cw < 0) {
        *wc = L'?';
        cw = 1;
    }
    *cells = cw;
    return n;
}

int text_width(const char *s)
{
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    int total = 0;
    while (s && *s) {
        wchar_t wc;
        int cw;
        s += next_char(s, &st, &wc, &cw);
        total += cw;
    }
    return total;
}

void text_fill(WINDOW *w, int y, int x, int width, attr_t a)
{
    if (width <= 0)
        return;
    wattrset(w, a);
    mvwhline(w, y, x, ' ', width);
}

void text_elide_middle(const char *s, int width, char *out, size_t len)
{
    if (!len)
        return;
    out[0] = 0;
    if (!s || width <= 0)
        return;
    /* decode once: cell widths of every character, sanitised */
    wchar_t wc[512];
    int cw[512];
    size_t n = 0;
    int full = 0;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    for (const char *p = s; *p && n < MD_ARRAY_LEN(wc);) {
        p += next_char(p, &st, &wc[n], &cw[n]);
        full += cw[n++];
    }
    size_t head = n, tail = n; /* chars [0, head) and [tail, n) are kept */
    if (full > width) {
        int room = width - 1, tail_room = room - room / 3, used = 0;
        for (tail = n; tail > 0 && used + cw[tail - 1] <= tail_room; tail--)
            used += cw[tail - 1];
        int head_room = room - used;
        used = 0;
        for (head = 0; head < tail && used + cw[head] <= head_room; head++)
            used += cw[head];
    }
    size_t off = 0;
    mbstate_t ost;
    memset(&ost, 0, sizeof(ost));
    for (size_t i = 0; i <= n; i++) {
        if (i == head && head < tail) {
            const char *e = g_ascii ? "~" : "\u2026";
            size_t el = strlen(e);
            if (off + el >= len)
                break;
            memcpy(out + off, e, el);
            off += el;
            i = tail;
        }
        if (i >= n)
            break;
        char mb[MB_LEN_MAX];
        size_t k = wcrtomb(mb, wc[i], &ost);
        if (k == (size_t)-1 || off + k >= len)
            break;
        memcpy(out + off, mb, k);
        off += k;
    }
    out[off] = 0;
}

int text_put(WINDOW *w, int y, int x, int width, const char *s, attr_t a, unsigned flags)
{
    if (width <= 0)
        return 0;
    if (!s)
        s = "";
    char mid[1024];
    if ((flags & TEXT_MIDDLE) && text_width(s) > width) {
        text_elide_middle(s, width, mid, sizeof(mid));
        s = mid;
    }
    wchar_t buf[512];
    size_t nb = 0;
    int used = 0;
    bool cut = false;
    int full = text_width(s);
    int room = full > width ? width - 1 : width; /* keep a cell for the ellipsis */
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    while (*s && nb + 2 < sizeof(buf) / sizeof(buf[0])) {
        wchar_t wc;
        int cw;
        size_t n = next_char(s, &st, &wc, &cw);
        if (used + cw > room) {
            cut = true;
            break;
        }
        if (cw > 0 || nb > 0) /* a leading combining mark has nothing to attach to */
            buf[nb++] = wc;
        used += cw;
        s += n;
    }
    if (*s && !cut)
        cut = true;
    if (cut && used < width) {
        buf[nb++] = g_ascii ? L'~' : L'\u2026';
        used++;
    }
    buf[nb] = 0;
    int pad = width - used;
    int col = x;
    wattrset(w, a);
    if ((flags & TEXT_RIGHT) && pad > 0) {
        mvwhline(w, y, col, ' ', pad);
        col += pad;
        pad = 0;
    }
    if (nb > 0)
        mvwaddnwstr(w, y, col, buf, (int)nb);
    if ((flags & TEXT_PAD) && pad > 0) {
        mvwhline(w, y, col + used, ' ', pad);
        return width;
    }
    return (flags & TEXT_RIGHT) ? width : used;
}

void text_box(WINDOW *w, attr_t a)
{
    int h = getmaxy(w);
    int cw = getmaxx(w);
    if (h < 2 || cw < 2)
        return;
    const char *hz = text_glyph("\u2500", "-");
    const char *vt = text_glyph("\u2502", "|");
    for (int x = 1; x < cw - 1; x++) {
        text_put(w, 0, x, 1, hz, a, 0);
        text_put(w, h - 1, x, 1, hz, a, 0);
    }
    for (int y = 1; y < h - 1; y++) {
        text_put(w, y, 0, 1, vt, a, 0);
        text_put(w, y, cw - 1, 1, vt, a, 0);
    }
    text_put(w, 0, 0, 1, text_glyph("\u250c", "+"), a, 0);
    text_put(w, 0, cw - 1, 1, text_glyph("\u2510", "+"), a, 0);
    text_put(w, h - 1, 0, 1, text_glyph("\u2514", "+"), a, 0);
    text_put(w, h - 1, cw - 1, 1, text_glyph("\u2518", "+"), a, 0);
}

void fmt_age(int64_t ms, char *buf, size_t len)
{
    md_fmt_age(ms, buf, len);
}

void fmt_time(int64_t epoch_ms, char *buf, size_t len)
{
    if (epoch_ms <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, len, "-");
}

void fmt_when_short(int64_t epoch_ms, int64_t now_ms, char *buf, size_t len)
{
    time_t t = (time_t)(epoch_ms / 1000), now = (time_t)(now_ms / 1000);
    struct tm tm, tn;
    char day[32], age[16];
    if (epoch_ms <= 0 || !localtime_r(&t, &tm) || !localtime_r(&now, &tn)) {
        snprintf(buf, len, "-");
        return;
    }
    bool today = tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday;
    if (strftime(day, sizeof(day), today ? "%H:%M:%S" : "%m-%d %H:%M", &tm) == 0) {
        snprintf(buf, len, "-");
        return;
    }
    fmt_age(now_ms - epoch_ms, age, sizeof(age));
    snprintf(buf, len, "%s %s ago", day, age);
}

void fmt_duration(int64_t ms, char *buf, size_t len)
{
    if (ms < 0) {
        snprintf(buf, len, "-");
        return;
    }
    long long s = (long long)(ms / 1000);
    if (s < 60)
        snprintf(buf, len, "%llds", s);
    else if (s < 3600)
        snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%lldh%02lldm", s / 3600, (s / 60) % 60);
    else
        snprintf(buf, len, "%lldd%02lldh", s / 86400, (s / 3600) % 24);
}

void fmt_double(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "nan");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, len, "%.6g", v);
}

bool text_contains_lower(const char *hay, const char *needle)
{
    if (!needle || !*needle)
        return true;
    size_t nl = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] && tolower((unsigned char)hay[i]) == (unsigned char)needle[i])
            i++;
        if (i == nl)
            return true;
    }
    return false;
}

/*
 * text.h - width-aware text output and the formatting every view shares.
 *
 * Widths count terminal cells, not bytes: strings are decoded with the
 * locale's mbrtowc() and measured with wcwidth(). Control characters and
 * undecodable bytes print as '?', so nothing from a server can move the
 * cursor. Text that does not fit ends in an ellipsis ('~' in ASCII mode).
 */
#ifndef MLDECK_TUI_TEXT_H
#define MLDECK_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curses_inc.h"

enum text_flags {
    TEXT_PAD = 1 << 0,    /* fill the rest of the width with spaces (same attribute) */
    TEXT_RIGHT = 1 << 1,  /* right-align within the width */
    TEXT_MIDDLE = 1 << 2, /* too long: cut the middle, keep both ends ("my-model…v12") */
};

/* ASCII mode: no box drawing, braille or symbol glyphs; set once at start. */
void text_set_ascii(bool ascii);
bool text_ascii(void);
/* Pick a glyph: the UTF-8 one, or its ASCII stand-in in ASCII mode. */
const char *text_glyph(const char *utf8, const char *ascii);

/* A border around the whole window: box-drawing characters, or + - | in ASCII mode. */
void text_box(WINDOW *w, attr_t a);
/* Cells s takes on screen (undecodable bytes count one cell each). */
int text_width(const char *s);

/*
 * Draw s at (y, x) in at most `width` cells with attribute a; returns the
 * cells used (the full width with TEXT_PAD). Nothing is drawn when width <= 0.
 */
int text_put(WINDOW *w, int y, int x, int width, const char *s, attr_t a, unsigned flags);
/*
 * s in at most `width` cells with the middle cut out and an ellipsis there
 * ('~' in ASCII mode), the end getting the larger half: the tail of a name is
 * what tells versions apart. Controls become '?'. s itself when it fits.
 */
void text_elide_middle(const char *s, int width, char *out, size_t len);
/* Fill `width` cells at (y, x) with spaces. */
void text_fill(WINDOW *w, int y, int x, int width, attr_t a);

/* "12s", "3m", "5h", "2d"; "-" for negative or unknown. */
void fmt_age(int64_t ms, char *buf, size_t len);
/* Local "2024-05-01 12:03"; "-" when ms is 0. */
void fmt_time(int64_t epoch_ms, char *buf, size_t len);
/*
 * A moment in a narrow column: "03:12:05 4m ago" today, else "12-07 03:12 1d ago"
 * (local); "-" when ms is 0.
 */
void fmt_when_short(int64_t epoch_ms, int64_t now_ms, char *buf, size_t len);
/* "45s", "3m12s", "1h02m", "2d03h"; "-" when unknown. */
void fmt_duration(int64_t ms, char *buf, size_t len);
/* A metric value: "%.6g", with nan/inf spelled out. */
void fmt_double(double v, char *buf, size_t len);

/* ASCII case-insensitive substring test; needle already lower-case. */
bool text_contains_lower(const char *hay, const char *needle_lower);

#endif

/*
 * theme_curses.h - a parsed theme (mldeck/theme.h) mapped onto the
 * terminal: one colour pair per role, allocated once, stepped down from
 * truecolour to 256, 16 or 8 colours, or monochrome (attributes only) when
 * the terminal has no colours or NO_COLOR / --no-color asks for none.
 */
#ifndef MLDECK_TUI_THEME_CURSES_H
#define MLDECK_TUI_THEME_CURSES_H

#include <stdbool.h>

#include "curses_inc.h"
#include "mldeck/theme.h"

/* Call once after the screen is set up. theme NULL: the built-in default. */
void theme_curses_init(const struct md_theme *theme, bool no_color);
/* True when roles carry colour pairs (false: monochrome). */
bool theme_curses_has_color(void);
/* The curses attribute (pair and attributes) of a role. */
attr_t ui_attr(enum md_theme_role role);

#endif

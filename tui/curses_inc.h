/*
 * curses_inc.h - the one place tui/ includes curses: wide-character ncurses
 * (pkg-config ncursesw) with its wide functions declared.
 */
#ifndef MLDECK_TUI_CURSES_INC_H
#define MLDECK_TUI_CURSES_INC_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <wchar.h>

#endif

/*
 * alarms.h - what the Overview, the header and the endpoint screen say about
 * the platforms' alarms on an endpoint (CloudWatch alarms, Azure Monitor
 * alerts), read from the deck. The words carry the state, so they read
 * without colour: "1 ALARM", "ok", "ALARM since 5m ago (12:03:10)".
 */
#ifndef MLDECK_TUI_ALARMS_H
#define MLDECK_TUI_ALARMS_H

#include <stdbool.h>
#include <stddef.h>

#include "curses_inc.h"
#include "mldeck/deck.h"
#include "mldeck/theme.h"

/* True when some backend of the deck reads alarms (the Overview's ALARMS column shows). */
bool alarms_watched(const md_deck *d);
/*
 * The ALARMS cell of an endpoint: "2 ALARMS" (bad role) when some fire,
 * "ok" when every alarm is quiet, "-" when it has none, "..." before the
 * first read, "n/a" when the platform has no alarms.
 */
void alarms_cell(const md_deck *d, size_t bi, const char *endpoint, char *buf, size_t len,
                 enum md_theme_role *role);
/* Alarms firing over every backend (the header's "alarms: N"). */
size_t alarms_firing_total(const md_deck *d);
/* Rows the endpoint screen's alarm section wants: its title and one line per alarm. */
int alarms_section_rows(const md_deck *d, size_t bi, const char *endpoint);
/*
 * Draw the section at line y, at most `rows` lines: each alarm's state,
 * name, what it watches, since when (relative and absolute) and the
 * platform's reason. Returns the next free line.
 */
int alarms_draw_section(const md_deck *d, size_t bi, const char *endpoint, WINDOW *w, int y,
                        int rows, int width);

#endif

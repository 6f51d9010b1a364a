/*
 * endpoint_health.h - the HEALTH verdict of an endpoint or one of its
 * deployments as the console shows it: the deck's series judged under the
 * context's health_* limits (mldeck/health.h), as glyph + word (readable
 * without colour) and a theme role.
 */
#ifndef MLDECK_TUI_ENDPOINT_HEALTH_H
#define MLDECK_TUI_ENDPOINT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "mldeck/deck.h"
#include "mldeck/health.h"
#include "mldeck/theme.h"

/*
 * Judge endpoint `name` of backend bi: the whole endpoint (worst of its
 * deployments) when deployment is NULL, else that deployment. False, and j
 * unknown, while no series has arrived.
 */
bool endpoint_health_judge(const md_deck *d, size_t bi, const char *name, const char *deployment,
                           struct md_health_judgement *j);
/* "✔ ok", "▲ warn", "✖ bad", "? n/a" (ASCII "+ ok", "! warn", "x bad", "? n/a"). */
const char *endpoint_health_text(enum md_health_verdict v);
/* STATUS_OK, STATUS_WARN, STATUS_FAIL; DIM for unknown. */
enum md_theme_role endpoint_health_role(enum md_health_verdict v);

#endif

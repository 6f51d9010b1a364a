/*
 * cli_health.h - `get endpoints --json` with each endpoint's and each
 * deployment's health verdict (mldeck/health.h), judged under the context's
 * health_* limits as the console judges it.
 */
#ifndef MLDECK_CLI_HEALTH_H
#define MLDECK_CLI_HEALTH_H

#include <stddef.h>

#include "mldeck/deck.h"
#include "mldeck/export.h"

/* Ask for the health of every endpoint of backends [lo, hi) and wait for the answers. */
void cli_health_fetch(md_deck *d, size_t lo, size_t hi, long wait_ms);
/*
 * md_export_endpoints_ex() of backend bi with what `base` carries (NULL: nothing), and
 * "health" on endpoints and deployments in JSON.
 */
md_status cli_health_export(md_deck *d, size_t bi, enum md_export_format f, const char *backend,
                            const struct md_export_endpoint_extra *base, struct md_buf *out);

#endif

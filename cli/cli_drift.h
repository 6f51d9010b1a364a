/*
 * cli_drift.h - `mldeck drift`: a drift job run headless, printed as a table
 * sorted by severity with a summary line, or as JSON (--json).
 */
#ifndef MLDECK_TUI_CLI_DRIFT_H
#define MLDECK_TUI_CLI_DRIFT_H

#include "cli.h"

/* argv[0] is "drift"; returns an enum cli_exit (0 also when drift was found). */
int cli_drift(const struct cli_global *g, int argc, char **argv);

#endif

/*
 * cli_logs.h - `mldeck logs`: an endpoint's logs printed, once or followed
 * until SIGINT/SIGTERM.
 */
#ifndef MLDECK_TUI_CLI_LOGS_H
#define MLDECK_TUI_CLI_LOGS_H

#include "cli.h"

/* argv[0] is "logs"; returns an enum cli_exit (0 also when a follow is interrupted). */
int cli_logs(const struct cli_global *g, int argc, char **argv);

#endif

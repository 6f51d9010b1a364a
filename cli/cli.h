/*
 * cli.h - the headless commands: `mldeck get ...` and `mldeck rollback ...`,
 * on the same core as the console, for scripts and tests.
 */
#ifndef MLDECK_TUI_CLI_H
#define MLDECK_TUI_CLI_H

#include "mldeck/config.h"

/* Exit statuses shared by the console and the headless commands. */
enum cli_exit { CLI_OK = 0, CLI_ERROR = 1, CLI_USAGE = 2, CLI_REFUSED = 3 };

struct cli_global {
    const struct md_config *config;
    const char *context;
    const char *state_path;
    bool read_only;
};

/* Run subcommand argv[0] ("get", "rollback"); returns an enum cli_exit. */
int cli_main(const struct cli_global *g, int argc, char **argv);

#endif

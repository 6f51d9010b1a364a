/*
 * commands.h - the ':' command line: the command table, Tab completion of
 * command names and arguments, and running a typed line.
 */
#ifndef MLDECK_TUI_COMMANDS_H
#define MLDECK_TUI_COMMANDS_H

#include <stddef.h>

#include "ui.h"

/* Completion callback for cmdline_key(); ud is the struct app. */
size_t commands_complete(void *ud, const char *line, size_t word, const char **out, size_t max);
/* Run a typed line ("runs churn", "q"); returns REACT_* flags. */
unsigned commands_run(struct app *a, const char *line);
/* The command table, for the help screen: ":runs EXPERIMENT" and its help. */
size_t commands_count(void);
void commands_describe(size_t i, char *usage, size_t len, const char **help);
/* Open a view by command name at start ("overview", "experiments", ...); false if unknown. */
bool commands_open_initial(struct app *a, const char *name);

#endif

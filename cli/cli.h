/*
 * cli.h - the headless commands: `mldeck get ...` and `mldeck rollback ...`,
 * on the same core as the console, for scripts and tests; and the option
 * parser the console's main() and every command share (cli_opt.c).
 */
#ifndef MLDECK_TUI_CLI_H
#define MLDECK_TUI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "mldeck/config.h"

/* Exit statuses shared by the console and the headless commands. */
enum cli_exit {
    CLI_OK = 0,
    CLI_ERROR = 1,
    CLI_USAGE = 2,
    CLI_REFUSED = 3,
    CLI_PENDING = 4, /* a write's outcome is not known yet: its audit entry is pending */
};

struct cli_global {
    const struct md_config *config;
    const char *context;
    const char *state_path;
    bool read_only;
};

/*
 * --state-recover: a corrupt state file (default path when NULL) is moved aside, said on
 * stderr; a healthy one is left alone. CLI_ERROR when it cannot be moved.
 */
int cli_state_recover(const char *state_path);

/* Run subcommand argv[0] ("get", "rollback"); returns an enum cli_exit. */
int cli_main(const struct cli_global *g, int argc, char **argv);

/*
 * Option parsing, one way for the global options and every command:
 * getopt_long over a `struct option` table, with the messages, the exit
 * status and the order rules in one place. Long options take "--opt VALUE"
 * or "--opt=VALUE" and may be shortened to any unambiguous prefix.
 *
 *   struct cli_opts p;
 *   cli_opts_init(&p, "get", argc, argv, "h", get_options, CLI_OPTS_MIXED);
 *   for (int c; (c = cli_opts_next(&p)) != -1;)
 *       switch (c) { case OPT_JSON: ...; case CLI_OPTS_ARG: positional p.arg; default: usage }
 *
 * Options of a table use their short letter as val when they have one, else
 * a value of CLI_OPTS_LONG or above. getopt keeps global state: one parse at
 * a time, each started by cli_opts_init.
 */
enum cli_opts_order {
    CLI_OPTS_MIXED, /* options and arguments in any order (a command's own) */
    CLI_OPTS_FIRST, /* options stop at the first argument (the global ones, before the command) */
};

enum {
    CLI_OPTS_ARG = 1,    /* cli_opts_next: a positional argument, in p->arg */
    CLI_OPTS_LONG = 256, /* the first val free for long-only options */
};

struct cli_opts {
    int argc;
    char **argv;
    const char *cmd; /* "get": messages read "mldeck: get: ..."; NULL for the global options */
    const struct option *longopts;
    enum cli_opts_order order;
    char optstring[32];
    int rest;  /* the next argument after "--" or the end of the options, once reached */
    char *arg; /* after cli_opts_next: the option's value (NULL if none), or the argument */
};

/*
 * Starts parsing argv[1..argc-1] (argv[0] is the program or the command's
 * name) with the short options of shortopts (getopt syntax, e.g. "hy") and
 * the table longopts (ended by a zeroed entry).
 */
void cli_opts_init(struct cli_opts *p, const char *cmd, int argc, char **argv,
                   const char *shortopts, const struct option *longopts, enum cli_opts_order order);

/*
 * The next option's val, CLI_OPTS_ARG for a positional argument (after "--"
 * everything is one), -1 at the end, or '?' for a usage error, already
 * described on stderr ("unknown option '--x'", "--x needs a value",
 * "--x takes no value", "option '--x' is ambiguous"): the caller prints its
 * usage and returns CLI_USAGE. With CLI_OPTS_FIRST the end comes at the
 * first argument, whose index cli_opts_index() gives.
 */
int cli_opts_next(struct cli_opts *p);

/* With CLI_OPTS_FIRST, after the end: the index in argv of the first argument (argc if none). */
int cli_opts_index(const struct cli_opts *p);

/* Says "mldeck: CMD: unexpected argument 'ARG'" for the argument cli_opts_next just gave. */
void cli_opts_unexpected(const struct cli_opts *p);

#endif

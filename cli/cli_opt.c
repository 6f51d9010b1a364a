/*
 * cli_opt.c - the one option parser of the command line (cli.h): getopt_long
 * in a fixed mode, its errors turned into our messages.
 *
 * getopt_long is told the order with the first character of optstring, so
 * neither argv permutation nor POSIXLY_CORRECT changes what a command sees:
 * '+' stops at the first argument (the global options end at the command),
 * '-' hands arguments back in place as they come (a command's options and
 * arguments mix freely, as they always did). A leading ':' makes getopt
 * silent and tell a missing value (':') from an unknown option ('?').
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/md.h"

void cli_opts_init(struct cli_opts *p, const char *cmd, int argc, char **argv,
                   const char *shortopts, const struct option *longopts, enum cli_opts_order order)
{
    memset(p, 0, sizeof(*p));
    p->argc = argc;
    p->argv = argv;
    p->cmd = cmd;
    p->longopts = longopts;
    p->order = order;
    p->rest = -1;
    int n = snprintf(p->optstring, sizeof(p->optstring), "%c:%s",
                     order == CLI_OPTS_FIRST ? '+' : '-', shortopts);
    if (n < 0 || (size_t)n >= sizeof(p->optstring))
        MD_BUG("short options '%s' too long", shortopts);
    /* glibc starts afresh, mode and all, only when optind is 0 (1 keeps the last mode) */
    optind = 0;
    opterr = 0;
}

/* "mldeck: CMD: BEFORE'ARG'AFTER" on stderr, ARG cut to len and scrubbed (argv may carry escapes). */
static void say(const struct cli_opts *p, const char *before, const char *arg, int len,
                const char *after)
{
    char name[256];
    snprintf(name, sizeof(name), "%.*s", len, arg);
    md_sanitize(name);
    fprintf(stderr, "mldeck: %s%s%s%s%s\n", p->cmd ? p->cmd : "", p->cmd ? ": " : "", before, name,
            after);
}

/* How many long options start with the len bytes of name (an exact match counts alone). */
static int prefix_matches(const struct option *o, const char *name, size_t len)
{
    int n = 0;
    for (; o->name; o++) {
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return 1;
        n += !strncmp(o->name, name, len);
    }
    return n;
}

/* Describes the error getopt_long returned (c is '?' or ':') for the element a of argv. */
static void describe(const struct cli_opts *p, int c, const char *a)
{
    if (strncmp(a, "--", 2) != 0) { /* a short option, alone or in a cluster */
        char name[3] = {'-', (char)optopt, '\0'};
        if (c == ':')
            say(p, "", name, 2, " needs a value");
        else
            say(p, "unknown option '", name, 2, "'");
        return;
    }
    const char *eq = strchr(a, '=');
    int len = eq ? (int)(eq - a) : (int)strlen(a);
    if (c == ':')
        say(p, "", a, len, " needs a value");
    else if (optopt != 0) /* a known option that takes no value, given one */
        say(p, "", a, len, " takes no value");
    else if (prefix_matches(p->longopts, a + 2, (size_t)len - 2) > 1)
        say(p, "option '", a, len, "' is ambiguous");
    else
        say(p, "unknown option '", a, len, "'");
}

int cli_opts_next(struct cli_opts *p)
{
    p->arg = NULL;
    if (p->rest >= 0) { /* past "--" (or the end): what is left are arguments */
        if (p->order == CLI_OPTS_FIRST || p->rest >= p->argc)
            return -1;
        p->arg = p->argv[p->rest++];
        return CLI_OPTS_ARG;
    }
    /* neither mode moves argv, so the element getopt looks at is argv[optind] (1 at the start) */
    int at = optind > 0 ? optind : 1;
    int c = getopt_long(p->argc, p->argv, p->optstring, p->longopts, NULL);
    if (c == -1) {
        p->rest = optind < p->argc ? optind : p->argc;
        return cli_opts_next(p);
    }
    if (c == '?' || c == ':') {
        describe(p, c, at < p->argc ? p->argv[at] : "");
        return '?';
    }
    p->arg = optarg;
    return c;
}

int cli_opts_index(const struct cli_opts *p)
{
    return p->rest >= 0 ? p->rest : p->argc;
}

void cli_opts_unexpected(const struct cli_opts *p)
{
    const char *a = p->arg ? p->arg : "";
    say(p, "unexpected argument '", a, (int)strlen(a), "'");
}

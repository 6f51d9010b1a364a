/*
 * main.c - command line: global options, configuration, then either a
 * headless command (cli.c) or the console (app.c).
 */
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "cli.h"
#include "mldeck/action.h"
#include "mldeck/config.h"
#include "mldeck/deck.h"
#include "mldeck/md.h"
#include "mldeck/theme.h"

#ifndef MD_THEMES_DIR
#define MD_THEMES_DIR "/usr/local/share/mldeck/themes"
#endif
#define MLDECK_VERSION "0.1.0"

struct main_opts {
    const char *config;
    const char *context;
    const char *state;
    const char *theme;
    const char *log;
    const char *view;
    bool read_only;
    bool state_recover;
    bool no_color;
    bool ascii;
    int verbose;
    long max_frames;
    long long clock_ms;
};

static void usage(FILE *f)
{
    fputs(
        "usage: mldeck [options]                      open the console\n"
        "       mldeck [options] get KIND [--json]     experiments|runs|models|versions|endpoints|audit\n"
        "       mldeck [options] rollback alias MODEL ALIAS [--to VERSION] [--yes]\n"
        "       mldeck [options] rollback endpoint NAME [--to CONFIG] [--yes]\n"
        "       mldeck [options] rollback traffic ENDPOINT [--set NAME=W,...] [--yes]\n"
        "       mldeck [options] approve MODEL VERSION --status Approved|Rejected [--yes]\n"
        "       mldeck [options] logs ENDPOINT [--variant NAME|--deployment NAME] [--since 1h] [--filter TEXT] [--follow]\n"
        "       mldeck [options] drift --reference FILE|S3URI --current FILE|DIR|S3URI [--violations FILE|S3URI] [--json]\n"
        "\n"
        "options:\n"
        "  --config FILE     configuration (default $XDG_CONFIG_HOME/mldeck/config.yaml)\n"
        "  --context NAME    context to open (default: current_context)\n"
        "  --state FILE      state database (default $XDG_STATE_HOME/mldeck/state.db)\n"
        "  --read-only       refuse every change; cannot be lifted while running\n"
        "  --state-recover   move a corrupt state file aside (FILE.corrupt-TIME), start afresh\n"
        "  --theme NAME      colour theme (default, mono, light, or a path)\n"
        "  --no-color        monochrome (also when NO_COLOR is set)\n"
        "  --ascii           ASCII drawing only\n"
        "  --view NAME       first screen: overview, experiments, models, audit\n"
        "  --log FILE        write the log to FILE; -v for more detail\n"
        "  --max-frames N    quit after N frames (tests)\n"
        "  --clock MS        fix the clock at MS since the epoch (tests)\n"
        "  --help-config     describe every configuration setting\n"
        "  --version\n",
        f);
}

static FILE *log_file;

static void log_to_file(enum md_log_level level, const char *line, void *ud)
{
    (void)ud;
    static const char *const names[] = {"error", "warn", "info", "debug"};
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
    fprintf(log_file, "%s %s %s\n", ts, names[level], line);
    fflush(log_file);
}

static void log_to_stderr(enum md_log_level level, const char *line, void *ud)
{
    (void)ud;
    (void)level;
    fprintf(stderr, "mldeck: %s\n", line);
}

/* What the command line asks for, once its global options are read. */
enum main_action { MAIN_RUN, MAIN_HELP, MAIN_VERSION, MAIN_HELP_CONFIG, MAIN_USAGE };

enum main_opt {
    OPT_CONFIG = CLI_OPTS_LONG,
    OPT_CONTEXT,
    OPT_STATE,
    OPT_THEME,
    OPT_LOG,
    OPT_VIEW,
    OPT_READ_ONLY,
    OPT_STATE_RECOVER,
    OPT_NO_COLOR,
    OPT_ASCII,
    OPT_MAX_FRAMES,
    OPT_CLOCK,
    OPT_VERSION,
    OPT_HELP_CONFIG,
};

static const struct option main_options[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"state", required_argument, NULL, OPT_STATE},
    {"theme", required_argument, NULL, OPT_THEME},
    {"log", required_argument, NULL, OPT_LOG},
    {"view", required_argument, NULL, OPT_VIEW},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"state-recover", no_argument, NULL, OPT_STATE_RECOVER},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"ascii", no_argument, NULL, OPT_ASCII},
    {"verbose", no_argument, NULL, 'v'},
    {"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
    {"clock", required_argument, NULL, OPT_CLOCK},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help-config", no_argument, NULL, OPT_HELP_CONFIG},
    {NULL, 0, NULL, 0},
};

/* A whole number in [min, LONG_MAX] for option `name`; false (said on stderr) otherwise. */
static bool parse_number(const char *name, const char *v, long min, const char *expected, long *out)
{
    if (md_parse_long(v, min, LONG_MAX, out) == MD_OK)
        return true;
    fprintf(stderr, "mldeck: bad %s '%s': expected %s\n", name, v, expected);
    return false;
}

/*
 * The global options, before the command: they stop at the first argument,
 * whose index goes to *sub (argc when there is none). --help, --version and
 * --help-config answer at once.
 */
static enum main_action parse_args(int argc, char **argv, struct main_opts *o, int *sub)
{
    struct cli_opts p;
    cli_opts_init(&p, NULL, argc, argv, "hv", main_options, CLI_OPTS_FIRST);
    long n;
    for (int c; (c = cli_opts_next(&p)) != -1;) {
        switch (c) {
        case OPT_CONFIG:
            o->config = p.arg;
            break;
        case OPT_CONTEXT:
            o->context = p.arg;
            break;
        case OPT_STATE:
            o->state = p.arg;
            break;
        case OPT_THEME:
            o->theme = p.arg;
            break;
        case OPT_LOG:
            o->log = p.arg;
            break;
        case OPT_VIEW:
            o->view = p.arg;
            break;
        case OPT_READ_ONLY:
            o->read_only = true;
            break;
        case OPT_STATE_RECOVER:
            o->state_recover = true;
            break;
        case OPT_NO_COLOR:
            o->no_color = true;
            break;
        case OPT_ASCII:
            o->ascii = true;
            break;
        case 'v':
            o->verbose++;
            break;
        case OPT_MAX_FRAMES:
            if (!parse_number("--max-frames", p.arg, 0, "a number of frames", &n))
                return MAIN_USAGE;
            o->max_frames = n;
            break;
        case OPT_CLOCK:
            if (!parse_number("--clock", p.arg, 1, "milliseconds since the epoch", &n))
                return MAIN_USAGE;
            o->clock_ms = n;
            break;
        case 'h':
            return MAIN_HELP;
        case OPT_VERSION:
            return MAIN_VERSION;
        case OPT_HELP_CONFIG:
            return MAIN_HELP_CONFIG;
        default:
            return MAIN_USAGE;
        }
    }
    *sub = cli_opts_index(&p);
    return MAIN_RUN;
}

static bool locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

/* The source tree's themes/ when running from a checkout, else the installed ones. */
static const char *themes_dir(void)
{
    return access("themes/default.yaml", R_OK) == 0 ? "themes" : MD_THEMES_DIR;
}

static int run_console(const struct main_opts *o, const struct md_config *cfg)
{
    struct md_deck_opts dopts = {
        .config = cfg,
        .context = o->context,
        .state_path = o->state,
        .read_only = o->read_only,
    };
    struct md_err err = MD_ERR_INIT;
    md_deck *deck = NULL;
    if (md_deck_new(&deck, &dopts, &err)) {
        fprintf(stderr, "mldeck: %s\n", err.msg);
        return err.code == MD_ERR_CONFIG ? CLI_USAGE : CLI_ERROR;
    }
    md_actions *actions = NULL;
    if (md_actions_new(&actions, deck, &err)) {
        fprintf(stderr, "mldeck: %s\n", err.msg);
        md_deck_free(deck);
        return CLI_ERROR;
    }
    const struct md_context *ctx = md_deck_context(deck);
    const char *theme_name = o->theme                    ? o->theme
                             : ctx->theme && *ctx->theme ? ctx->theme
                             : cfg->theme && *cfg->theme ? cfg->theme
                                                         : "default";
    struct md_theme theme;
    memset(&theme, 0, sizeof(theme));
    if (md_theme_load(&theme, theme_name, themes_dir(), &err)) {
        fprintf(stderr, "mldeck: %s\n", err.msg);
        md_actions_free(actions);
        md_deck_free(deck);
        return CLI_USAGE;
    }
    const char *nc = getenv("NO_COLOR");
    struct app_opts aopts = {
        .theme = &theme,
        .no_color = o->no_color || (nc && *nc),
        .ascii = o->ascii || !locale_is_utf8(),
        .max_frames = o->max_frames,
        .initial_view = o->view ? o->view : "overview",
        .config = cfg,
        .state_path = o->state,
        .read_only = o->read_only,
    };
    md_deck_refresh(deck);                     /* also settles pending audit entries (action.h) */
    int rc = app_run(&deck, &actions, &aopts); /* ':ctx' may have replaced both */
    md_actions_free(actions);
    md_deck_free(deck);
    md_theme_release(&theme);
    return rc;
}

int main(int argc, char **argv)
{
    md_harden_process();
    setlocale(LC_ALL, "");
    struct main_opts o;
    memset(&o, 0, sizeof(o));
    int sub = argc;
    switch (parse_args(argc, argv, &o, &sub)) {
    case MAIN_RUN:
        break;
    case MAIN_HELP:
        usage(stdout);
        return 0;
    case MAIN_VERSION:
        printf("mldeck %s\n", MLDECK_VERSION);
        return 0;
    case MAIN_HELP_CONFIG: {
        struct md_buf b;
        md_buf_init(&b, 1 << 20);
        md_config_help(&b);
        fputs(b.data ? b.data : "", stdout);
        md_buf_release(&b);
        return 0;
    }
    case MAIN_USAGE:
        usage(stderr);
        return CLI_USAGE;
    }
    if (o.clock_ms)
        md_set_clock_ms(o.clock_ms);
    if (o.log) {
        log_file = fopen(o.log, "a");
        if (!log_file) {
            fprintf(stderr, "mldeck: cannot open log '%s'\n", o.log);
            return CLI_USAGE;
        }
        md_log_set_sink(log_to_file, NULL,
                        o.verbose > 1 ? MD_LOG_DEBUG
                        : o.verbose   ? MD_LOG_INFO
                                      : MD_LOG_WARN);
    } else if (sub < argc && o.verbose) {
        md_log_set_sink(log_to_stderr, NULL, o.verbose > 1 ? MD_LOG_DEBUG : MD_LOG_INFO);
    }

    struct md_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    struct md_err err = MD_ERR_INIT;
    if (md_config_load(&cfg, o.config, &err)) {
        fprintf(stderr, "mldeck: %s\n", err.msg);
        return CLI_USAGE;
    }
    int rc;
    /* before any deck opens: the console's context switches reopen the same file */
    if (o.state_recover && (rc = cli_state_recover(o.state)) != CLI_OK) {
        md_config_release(&cfg);
        return rc;
    }
    if (sub < argc) {
        struct cli_global g = {
            .config = &cfg,
            .context = o.context,
            .state_path = o.state,
            .read_only = o.read_only,
        };
        rc = cli_main(&g, argc - sub, argv + sub);
    } else {
        rc = run_console(&o, &cfg);
    }
    md_config_release(&cfg);
    if (log_file)
        fclose(log_file);
    return rc;
}

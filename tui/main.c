/*
 * main.c - command line: global options, configuration, then either a
 * headless command (cli.c) or the console (app.c).
 */
#include <langinfo.h>
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
        "       mldeck [options] drift --reference FILE|S3URI --current FILE|DIR|S3URI [--violations FILE|S3URI] [--json]\n"
        "\n"
        "options:\n"
        "  --config FILE     configuration (default $XDG_CONFIG_HOME/mldeck/config.yaml)\n"
        "  --context NAME    context to open (default: current_context)\n"
        "  --state FILE      state database (default $XDG_STATE_HOME/mldeck/state.db)\n"
        "  --read-only       refuse every change; cannot be lifted while running\n"
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

/* Returns the index of the subcommand in argv (argc when none), or -1 on a usage error. */
static int parse_args(int argc, char **argv, struct main_opts *o)
{
    int sub = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(field)                                                                                \
    do {                                                                                           \
        if (!next)                                                                                 \
            return -1;                                                                             \
        o->field = next;                                                                           \
        i++;                                                                                       \
    } while (0)
        if (!strcmp(a, "--config"))
            TAKE(config);
        else if (!strcmp(a, "--context"))
            TAKE(context);
        else if (!strcmp(a, "--state"))
            TAKE(state);
        else if (!strcmp(a, "--theme"))
            TAKE(theme);
        else if (!strcmp(a, "--log"))
            TAKE(log);
        else if (!strcmp(a, "--view"))
            TAKE(view);
        else if (!strcmp(a, "--read-only"))
            o->read_only = true;
        else if (!strcmp(a, "--no-color"))
            o->no_color = true;
        else if (!strcmp(a, "--ascii"))
            o->ascii = true;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            o->verbose++;
        else if (!strcmp(a, "--max-frames")) {
            char *end = NULL;
            if (!next || (o->max_frames = strtol(next, &end, 10)) < 0 || *end)
                return -1;
            i++;
        } else if (!strcmp(a, "--clock")) {
            char *end = NULL;
            if (!next || (o->clock_ms = strtoll(next, &end, 10)) <= 0 || *end)
                return -1;
            i++;
        } else if (a[0] == '-') {
            return -1;
        } else {
            sub = i;
            break;
        }
#undef TAKE
    }
    return sub;
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
    md_action_settle_unfinished(actions);
    md_deck_refresh(deck);
    int rc = app_run(&deck, &actions, &aopts); /* ':ctx' may have replaced both */
    md_actions_free(actions);
    md_deck_free(deck);
    md_theme_release(&theme);
    return rc;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    struct main_opts o;
    memset(&o, 0, sizeof(o));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("mldeck %s\n", MLDECK_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--help-config")) {
            struct md_buf b;
            md_buf_init(&b, 1 << 20);
            md_config_help(&b);
            fputs(b.data ? b.data : "", stdout);
            md_buf_release(&b);
            return 0;
        }
    }
    int sub = parse_args(argc, argv, &o);
    if (sub < 0) {
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

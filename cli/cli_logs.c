/*
 * cli_logs.c - `mldeck logs ENDPOINT`: find the backend holding the
 * endpoint (a refresh), then print its log lines through core/logtail, one
 * per line ("TIME STREAM MESSAGE" for timed events, the text for Azure ML
 * tails). --follow keeps fetching until SIGINT or SIGTERM and exits 0.
 */
#include "cli_logs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mldeck/deck.h"
#include "mldeck/logtail.h"
#include "mldeck/md.h"
#include "mldeck/store.h"

#define WAIT_MS (10 * 60 * 1000)
#define DEFAULT_SINCE_MS (60 * 60 * 1000)
#define MAX_LINES 20000

enum {
    OPT_VARIANT = CLI_OPTS_LONG,
    OPT_DEPLOYMENT,
    OPT_SINCE,
    OPT_FILTER,
    OPT_FOLLOW,
    OPT_BACKEND,
    OPT_HELP,
};

static const struct option logs_options[] = {
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"deployment", required_argument, NULL, OPT_DEPLOYMENT},
    {"since", required_argument, NULL, OPT_SINCE},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"follow", no_argument, NULL, 'f'},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int usage(FILE *f)
{
    fputs("usage: mldeck logs ENDPOINT [--variant NAME|--deployment NAME] [--since 1h]\n"
          "         [--filter TEXT] [--follow] [--backend NAME]\n"
          "--since: a duration back from now (90s, 30m, 1h, 2d; default 1h)\n",
          f);
    return f == stdout ? CLI_OK : CLI_USAGE;
}

/* "90s", "30m", "1h", "2d", or bare seconds, in ms; -1 when malformed. */
static int64_t parse_since(const char *s)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v <= 0 || v > 400LL * 24 * 3600)
        return -1;
    long long unit = 1000;
    if (*end == 'm')
        unit = 60 * 1000;
    else if (*end == 'h')
        unit = 3600 * 1000;
    else if (*end == 'd')
        unit = 24 * 3600 * 1000;
    else if (*end != 's' && *end != '\0')
        return -1;
    if (*end != '\0' && end[1] != '\0')
        return -1;
    return (int64_t)(v * unit);
}

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char c = (unsigned char)sig;
    (void)!write(sig_pipe[1], &c, 1);
    errno = saved;
}

static bool catch_signals(void)
{
    if (pipe(sig_pipe) != 0)
        return false;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return true;
}

static void print_line(const struct md_log_line *l)
{
    if (l->at_ms > 0) {
        time_t sec = (time_t)(l->at_ms / 1000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        char ts[32];
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        printf("%s.%03dZ %s %s\n", ts, (int)(l->at_ms % 1000), l->source, l->text);
    } else {
        printf("%s\n", l->text);
    }
}

/*
 * Lines added since the last call; `printed` counts md_logtail_added() already shown. False
 * when stdout is gone (a closed pipe): a follow must stop then, not fetch for no one.
 */
static bool print_new(const md_logtail *t, uint64_t *printed)
{
    uint64_t added = md_logtail_added(t);
    size_t n = md_logtail_count(t);
    uint64_t fresh = added - *printed;
    size_t from = fresh < n ? n - (size_t)fresh : 0;
    struct md_log_line l;
    for (size_t i = from; md_logtail_line(t, i, &l); i++)
        print_line(&l);
    *printed = added;
    return fflush(stdout) == 0 && !ferror(stdout);
}

/* The backend holding the endpoint, after a refresh; -1 when none does (said on stderr). */
static long find_backend(md_deck *d, const char *backend, const char *endpoint)
{
    md_deck_refresh(d);
    if (md_deck_settle(d, WAIT_MS)) {
        fputs("mldeck: timed out waiting for the servers\n", stderr);
        return -1;
    }
    md_deck_run(d);
    size_t n = md_deck_backend_count(d);
    long want = backend ? md_deck_backend_index(d, backend) : -1;
    if (backend && want < 0) {
        fprintf(stderr, "mldeck: logs: no backend '%s'\n", backend);
        return -1;
    }
    size_t failed = 0;
    for (size_t bi = 0; bi < n; bi++) {
        struct md_backend_status st;
        if ((want >= 0 && (long)bi != want) || !md_deck_backend_status(d, bi, &st))
            continue;
        if (st.health == MD_HEALTH_ERROR) {
            char msg[512];
            snprintf(msg, sizeof(msg), "backend '%s': %s", st.name, st.error);
            md_sanitize(msg);
            fprintf(stderr, "mldeck: %s\n", msg);
            failed++;
        }
        if ((st.caps & MD_CAP_LOGS) && md_deck_endpoint(d, bi, endpoint) != NULL)
            return (long)bi;
    }
    fprintf(stderr, "mldeck: logs: no endpoint '%s' on a backend serving logs%s\n", endpoint,
            failed ? " (some backends failed, named above)" : "");
    return -1;
}

static int run(md_deck *d, md_logtail *t, bool follow)
{
    uint64_t printed = 0;
    const char *last_err = "";
    char shown_err[256] = "";
    for (;;) {
        struct md_pollfd fds[1] = {{sig_pipe[0], POLLIN, 0}};
        md_deck_poll(d, fds, sig_pipe[0] >= 0 ? 1 : 0, 500);
        if (fds[0].revents & POLLIN)
            return CLI_OK;
        md_deck_run(d);
        if (!print_new(t, &printed)) {
            perror("mldeck: write");
            return CLI_ERROR;
        }
        last_err = md_logtail_error(t);
        if (last_err[0] && strcmp(last_err, shown_err) != 0) {
            fprintf(stderr, "mldeck: %s\n", last_err);
            snprintf(shown_err, sizeof(shown_err), "%s", last_err);
        }
        if (follow || !md_logtail_answered(t) || md_logtail_loading(t))
            continue;
        if (last_err[0])
            return CLI_ERROR;
        if (md_logtail_truncated(t))
            fputs("mldeck: logs: more events than shown: narrow --since or --filter\n", stderr);
        return CLI_OK;
    }
}

int cli_logs(const struct cli_global *g, int argc, char **argv)
{
    const char *endpoint = NULL;
    const char *dep = NULL;
    const char *filter = NULL;
    const char *backend = NULL;
    int64_t since = DEFAULT_SINCE_MS;
    bool follow = false;
    struct cli_opts p;
    cli_opts_init(&p, "logs", argc, argv, "hf", logs_options, CLI_OPTS_MIXED);
    for (int c; (c = cli_opts_next(&p)) != -1;) {
        switch (c) {
        case OPT_VARIANT:
        case OPT_DEPLOYMENT:
            if (dep) {
                fputs("mldeck: logs: give one --variant or --deployment\n", stderr);
                return usage(stderr);
            }
            md_sanitize(p.arg);
            dep = p.arg;
            break;
        case OPT_SINCE:
            since = parse_since(p.arg);
            if (since < 0) {
                md_sanitize(p.arg);
                fprintf(stderr, "mldeck: logs: bad --since '%s'\n", p.arg);
                return usage(stderr);
            }
            break;
        case OPT_FILTER:
            filter = p.arg;
            break;
        case 'f':
            follow = true;
            break;
        case OPT_BACKEND:
            md_sanitize(p.arg);
            backend = p.arg;
            break;
        case 'h':
        case OPT_HELP:
            return usage(stdout);
        case CLI_OPTS_ARG:
            if (endpoint) {
                cli_opts_unexpected(&p);
                return usage(stderr);
            }
            md_sanitize(p.arg);
            endpoint = p.arg;
            break;
        default:
            return usage(stderr);
        }
    }
    if (!endpoint)
        return usage(stderr);

    struct md_deck_opts o = {
        .config = g->config,
        .context = g->context,
        .state_path = g->state_path,
        .read_only = g->read_only,
        .no_timer = true,
    };
    md_deck *d = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_deck_new(&d, &o, &err)) {
        fprintf(stderr, "mldeck: %s\n", err.msg);
        return err.code == MD_ERR_CONFIG ? CLI_USAGE : CLI_ERROR;
    }
    long bi = find_backend(d, backend, endpoint);
    if (bi < 0) {
        md_deck_free(d);
        return CLI_ERROR;
    }
    struct md_logtail_opts lo = {.bi = (size_t)bi,
                                 .endpoint = endpoint,
                                 .deployment = dep,
                                 .since_ms = md_now_ms() - since,
                                 .filter = filter,
                                 .follow = follow,
                                 .max_lines = MAX_LINES};
    md_logtail *t = NULL;
    if (md_logtail_new(&t, d, &lo, &err)) {
        md_sanitize(err.msg);
        fprintf(stderr, "mldeck: %s\n", err.msg);
        md_deck_free(d);
        return CLI_ERROR;
    }
    if (follow && !catch_signals())
        follow = false;
    int rc = run(d, t, follow);
    md_logtail_free(t);
    md_deck_free(d);
    return rc;
}

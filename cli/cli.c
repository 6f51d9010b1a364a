/*
 * cli.c - headless commands. They open a deck like the console does, ask it
 * for data, wait for the answers, and print them with core/export (JSON or
 * TSV). Errors go to stderr as "mldeck: ...", with the exit statuses of
 * enum cli_exit.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/action.h"
#include "mldeck/deck.h"
#include "mldeck/export.h"
#include "mldeck/md.h"
#include "mldeck/store.h"

#include "cli_drift.h"
#include "cli_logs.h"
#include "cli_health.h"

#define WAIT_MS (10 * 60 * 1000)
/* get timeline without --since: the last day */
#define TIMELINE_DEFAULT_MS (24LL * 3600 * 1000)
#define AUDIT_SETTLE_MS (10 * 1000) /* get audit: how long its re-reads may take */
#define OUT_CAP ((size_t)2 << 30)
#define AUDIT_SHOWN 500 /* what the action layer keeps (action.h) */

struct get_opts {
    const char *what;
    const char *experiment;
    const char *model;
    const char *backend;
    char *since;        /* timeline: how far back ("24h") */
    const char *target; /* timeline: one alias, model or endpoint */
    enum md_export_format format;
};

/*
 * Errors on stderr, scrubbed like everything else shown: names typed on the
 * command line or returned by a server may carry escape sequences.
 */
static void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cli_err(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    md_sanitize(line);
    fprintf(stderr, "mldeck: %s\n", line);
}

/*
 * Names in the snapshot were scrubbed of control characters when they
 * arrived, so a name typed on the command line is matched scrubbed too.
 */
static const char *scrub(char *arg)
{
    md_sanitize(arg);
    return arg;
}

/* The commands' options (cli.h, cli_opts): one table per command, one val per option. */
enum cli_opt {
    OPT_HELP = 'h',
    OPT_YES = 'y',
    OPT_JSON = CLI_OPTS_LONG,
    OPT_TSV,
    OPT_EXPERIMENT,
    OPT_MODEL,
    OPT_BACKEND,
    OPT_TO,
    OPT_SET,
    OPT_STATUS,
    OPT_SINCE,
    OPT_TARGET,
};

static const struct option get_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"tsv", no_argument, NULL, OPT_TSV},
    {"experiment", required_argument, NULL, OPT_EXPERIMENT},
    {"model", required_argument, NULL, OPT_MODEL},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"since", required_argument, NULL, OPT_SINCE},
    {"target", required_argument, NULL, OPT_TARGET},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const struct option rollback_options[] = {
    {"to", required_argument, NULL, OPT_TO},   /* VERSION or CONFIG */
    {"set", required_argument, NULL, OPT_SET}, /* NAME=W,...: what --to is for traffic */
    {"yes", no_argument, NULL, OPT_YES},       /* also -y */
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"help", no_argument, NULL, OPT_HELP}, /* also -h */
    {NULL, 0, NULL, 0},
};

static const struct option approve_options[] = {
    {"status", required_argument, NULL, OPT_STATUS},
    {"yes", no_argument, NULL, OPT_YES},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int cli_state_recover(const char *state_path)
{
    char *path = state_path ? md_xstrdup(state_path) : md_config_default_state_path();
    char *aside = NULL;
    struct md_err err = MD_ERR_INIT;
    int rc = CLI_OK;
    if (md_store_recover(path, &aside, &err)) {
        cli_err("%s", err.msg);
        rc = CLI_ERROR;
    } else if (aside) {
        cli_err("moved the corrupt state file '%s' aside to '%s'; starting with a fresh one", path,
                aside);
    }
    free(aside);
    free(path);
    return rc;
}

/* The synopses: on stdout for --help (CLI_OK), on stderr after a usage error (CLI_USAGE). */
static int usage_get(FILE *f)
{
    fputs("usage: mldeck get experiments|runs|models|versions|endpoints|audit [--json|--tsv]\n"
          "                  [--experiment NAME|ID] [--model NAME] [--backend NAME]\n"
          "       mldeck get timeline [--since 24h] [--target NAME] [--json|--tsv]\n",
          f);
    return f == stdout ? CLI_OK : CLI_USAGE;
}

static int usage_rollback(FILE *f)
{
    fputs("usage: mldeck rollback alias MODEL ALIAS [--to VERSION] [--yes] [--backend NAME]\n"
          "       mldeck rollback endpoint NAME [--to CONFIG] [--yes] [--backend NAME]\n"
          "       mldeck rollback traffic ENDPOINT [--set NAME=W,...] [--yes] [--backend NAME]\n",
          f);
    return f == stdout ? CLI_OK : CLI_USAGE;
}

static int usage_approve(FILE *f)
{
    fputs("usage: mldeck approve MODEL VERSION --status Approved|Rejected|"
          "PendingManualApproval [--yes] [--backend NAME]\n",
          f);
    return f == stdout ? CLI_OK : CLI_USAGE;
}

static int open_deck(const struct cli_global *g, bool no_cache, md_deck **d)
{
    struct md_deck_opts o = {
        .config = g->config,
        .context = g->context,
        .state_path = g->state_path,
        .read_only = g->read_only,
        .no_cache = no_cache,
        .no_timer = true,
    };
    struct md_err err = MD_ERR_INIT;
    if (md_deck_new(d, &o, &err)) {
        cli_err("%s", err.msg);
        return err.code == MD_ERR_CONFIG ? CLI_USAGE : CLI_ERROR;
    }
    const md_store *store = md_deck_store(*d);
    if (md_store_read_only(store))
        cli_err("state file '%s' is read-only: mutations refused", md_store_path(store));
    return CLI_OK;
}

/* The deck and the action layer over it (settles, plans, execution, the audit log). */
static int open_deck_actions(const struct cli_global *g, bool no_cache, md_deck **d, md_actions **a)
{
    int rc = open_deck(g, no_cache, d);
    if (rc)
        return rc;
    struct md_err err = MD_ERR_INIT;
    if (md_actions_new(a, *d, &err)) {
        cli_err("%s", err.msg);
        md_deck_free(*d);
        *d = NULL;
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* Backends a command covers: one named with --backend, or all. */
static int backend_range(md_deck *d, const char *name, size_t *lo, size_t *hi)
{
    *lo = 0;
    *hi = md_deck_backend_count(d);
    if (!name)
        return CLI_OK;
    long bi = md_deck_backend_index(d, name);
    if (bi < 0) {
        cli_err("no backend '%s' in context '%s'", name, md_deck_context_name(d));
        return CLI_USAGE;
    }
    *lo = (size_t)bi;
    *hi = (size_t)bi + 1;
    return CLI_OK;
}

/*
 * Refresh and wait, then find the backends a command covers (one named with
 * --backend, or all): after the answers, since an Azure ML workspace's
 * MLflow only becomes a backend once its probe is in. Every covered backend
 * that failed is named on stderr, but a dead one does not fail the command
 * by itself: the caller decides whether the backend it needs is among them
 * (backend_failed), so one dead server does not hide what the others said.
 */
static int refresh_and_wait(md_deck *d, const char *name, size_t *lo, size_t *hi)
{
    md_deck_refresh(d);
    if (md_deck_settle(d, WAIT_MS)) {
        fputs("mldeck: timed out waiting for the servers\n", stderr);
        return CLI_ERROR;
    }
    md_deck_run(d);
    int rc = backend_range(d, name, lo, hi);
    for (size_t bi = *lo; !rc && bi < *hi; bi++) {
        struct md_backend_status st;
        md_deck_backend_status(d, bi, &st);
        if (st.health == MD_HEALTH_ERROR)
            cli_err("backend '%s': %s", st.name, st.error);
    }
    /* The one backend asked for by name is the one the command needs. */
    if (!rc && name && *hi - *lo == 1) {
        struct md_backend_status st;
        md_deck_backend_status(d, *lo, &st);
        if (st.health == MD_HEALTH_ERROR)
            rc = CLI_ERROR;
    }
    return rc;
}

static bool backend_failed(const md_deck *d, size_t bi)
{
    struct md_backend_status st;
    return md_deck_backend_status(d, bi, &st) && st.health == MD_HEALTH_ERROR;
}

/* Of the covered backends that can answer (caps), how many there are and how many failed. */
static void count_failed(const md_deck *d, size_t lo, size_t hi, unsigned caps, size_t *able,
                         size_t *failed)
{
    *able = *failed = 0;
    for (size_t bi = lo; bi < hi; bi++) {
        struct md_backend_status st;
        if (!md_deck_backend_status(d, bi, &st) || !(st.caps & caps))
            continue;
        (*able)++;
        *failed += st.health == MD_HEALTH_ERROR;
    }
}

/*
 * A target that no reachable backend holds: not found, or unknowable when a
 * covered backend failed (it may be the one holding it). Exit 1 either way;
 * the message says which.
 */
static int not_found(const md_deck *d, size_t lo, size_t hi, const char *what, const char *name)
{
    size_t able = 0, failed = 0;
    count_failed(d, lo, hi, ~0u, &able, &failed);
    if (failed)
        cli_err("no %s '%s' on the reachable backends (%zu failed, named above)", what, name,
                failed);
    else
        cli_err("no %s '%s'", what, name);
    return CLI_ERROR;
}

static int emit(struct md_buf *out, md_status st)
{
    if (st) {
        cli_err("cannot format output: %s", md_status_str(st));
        return CLI_ERROR;
    }
    if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
        perror("mldeck: write");
        return CLI_ERROR;
    }
    return fflush(stdout) ? CLI_ERROR : CLI_OK;
}

/*
 * Every experiment, not only the pages a refresh loads (the deck fetches the
 * rest on demand): a listing, or a lookup by name, must see them all.
 */
static int load_experiments(md_deck *d, size_t lo, size_t hi)
{
    bool asked = false;
    for (size_t bi = lo; bi < hi; bi++) {
        if (!md_deck_experiments_complete(d, bi) && !backend_failed(d, bi)) {
            md_deck_want_experiments(d, bi, SIZE_MAX);
            asked = true;
        }
    }
    if (!asked)
        return CLI_OK;
    if (md_deck_settle(d, WAIT_MS)) {
        fputs("mldeck: timed out waiting for the servers\n", stderr);
        return CLI_ERROR;
    }
    md_deck_run(d);
    return CLI_OK;
}

static int get_runs(md_deck *d, const struct get_opts *o, size_t lo, size_t hi, struct md_buf *out)
{
    if (!o->experiment) {
        fputs("mldeck: get runs needs --experiment NAME|ID\n", stderr);
        return CLI_USAGE;
    }
    bool seen = false;
    for (size_t bi = lo; bi < hi && !seen; bi++)
        seen = md_deck_experiment(d, bi, o->experiment) != NULL;
    int rc = seen ? CLI_OK : load_experiments(d, lo, hi);
    if (rc)
        return rc;
    for (size_t bi = lo; bi < hi; bi++) {
        const struct md_experiment *e = md_deck_experiment(d, bi, o->experiment);
        if (!e || backend_failed(d, bi))
            continue;
        char *id = md_xstrdup(e->id);
        md_deck_want_runs(d, bi, id, SIZE_MAX, NULL);
        md_deck_settle(d, WAIT_MS);
        md_deck_run(d);
        struct md_runs_view v;
        md_deck_runs(d, bi, id, &v);
        free(id);
        if (v.error[0] || !v.complete) {
            cli_err("%s", v.error[0] ? v.error : "runs did not finish loading");
            return CLI_ERROR;
        }
        struct md_backend_status st;
        md_deck_backend_status(d, bi, &st);
        return emit(out, md_export_runs(out, o->format, st.name, v.runs));
    }
    return not_found(d, lo, hi, "experiment", o->experiment);
}

static int get_versions(md_deck *d, const struct get_opts *o, size_t lo, size_t hi,
                        struct md_buf *out)
{
    if (!o->model) {
        fputs("mldeck: get versions needs --model NAME\n", stderr);
        return CLI_USAGE;
    }
    for (size_t bi = lo; bi < hi; bi++) {
        if (!md_deck_model(d, bi, o->model) || backend_failed(d, bi))
            continue;
        md_deck_want_versions(d, bi, o->model);
        md_deck_settle(d, WAIT_MS);
        md_deck_run(d);
        const struct md_version_list *vl = md_deck_versions(d, bi, o->model);
        if (!vl) {
            cli_err("cannot list versions of model '%s'", o->model);
            return CLI_ERROR;
        }
        struct md_backend_status st;
        md_deck_backend_status(d, bi, &st);
        return emit(out, md_export_versions(out, o->format, st.name, vl));
    }
    return not_found(d, lo, hi, "model", o->model);
}

/* Lists of several backends print as one JSON array: merge per-backend arrays. */
static md_status append_list(struct md_buf *out, struct md_buf *one, enum md_export_format f,
                             bool first)
{
    if (f == MD_EXPORT_TSV) {
        const char *body = one->data ? one->data : "";
        if (!first) {
            const char *nl = strchr(body, '\n'); /* header once */
            body = nl ? nl + 1 : "";
        }
        return md_buf_adds(out, body);
    }
    /* one is "[...]\n": strip the brackets and join with commas. */
    const char *s = one->data ? one->data : "[]";
    size_t len = one->len;
    while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
        len--;
    if (len < 2)
        return MD_OK;
    if (first && (md_buf_adds(out, "[")))
        return MD_ERR_TOO_BIG;
    if (len > 2) {
        if (out->len > 1 && md_buf_adds(out, ","))
            return MD_ERR_TOO_BIG;
        return md_buf_add(out, s + 1, len - 2);
    }
    return MD_OK;
}

/* Endpoints with who changed each last (action.h: the platform's history first). */
static md_status export_endpoints(md_deck *d, md_actions *acts, size_t bi, enum md_export_format f,
                                  const char *backend, struct md_buf *one)
{
    const struct md_endpoint_list *l = md_deck_endpoints(d, bi);
    struct md_who *who = md_xcalloc(l->n + 1, sizeof(*who));
    for (size_t i = 0; i < l->n; i++)
        if (!md_actions_who_endpoint(acts, bi, &l->v[i], &who[i]))
            snprintf(who[i].by, sizeof(who[i].by), "unknown");
    struct md_export_endpoint_extra x = {.alarms = md_deck_alarms(d, bi), .who = who};
    md_status st = cli_health_export(d, bi, f, backend, &x, one);
    free(who);
    return st;
}

/* Models with who moved each alias last: "unknown" for a move mldeck did not make. */
static md_status export_models(md_deck *d, md_actions *acts, size_t bi, enum md_export_format f,
                               const char *backend, struct md_buf *one)
{
    const struct md_model_list *l = md_deck_models(d, bi);
    struct md_who **who = md_xcalloc(l->n + 1, sizeof(*who));
    for (size_t i = 0; i < l->n; i++) {
        const struct md_registered_model *m = &l->v[i];
        who[i] = md_xcalloc(m->n_aliases + 1, sizeof(**who));
        for (size_t k = 0; k < m->n_aliases; k++)
            if (!md_actions_who_alias(acts, bi, m->name, m->aliases[k].alias, &who[i][k]))
                snprintf(who[i][k].by, sizeof(who[i][k].by), "unknown");
    }
    md_status st = md_export_models_who(one, f, backend, l, (const struct md_who *const *)who);
    for (size_t i = 0; i < l->n; i++)
        free(who[i]);
    free(who);
    return st;
}

static int get_lists(md_deck *d, md_actions *acts, const struct get_opts *o, size_t lo, size_t hi,
                     struct md_buf *out)
{
    bool models = !strcmp(o->what, "models");
    bool endpoints = !strcmp(o->what, "endpoints");
    md_status st = MD_OK;
    struct md_buf one;
    md_buf_init(&one, OUT_CAP);
    bool first = true;
    if (endpoints && o->format == MD_EXPORT_JSON)
        cli_health_fetch(d, lo, hi, WAIT_MS);
    for (size_t bi = lo; bi < hi && !st; bi++) {
        struct md_backend_status bs;
        md_deck_backend_status(d, bi, &bs);
        if (bs.health == MD_HEALTH_ERROR)
            continue; /* named on stderr; its (cached) rows would pass for fresh ones */
        md_buf_reset(&one);
        if (endpoints)
            st = export_endpoints(d, acts, bi, o->format, bs.name, &one);
        else if (models)
            st = export_models(d, acts, bi, o->format, bs.name, &one);
        else
            st = md_export_experiments(&one, o->format, bs.name, md_deck_experiments(d, bi));
        if (!st)
            st = append_list(out, &one, o->format, first);
        first = false;
    }
    if (!st && o->format == MD_EXPORT_JSON)
        st = md_buf_adds(out, out->len ? "]\n" : "[]\n");
    md_buf_release(&one);
    int rc = emit(out, st);
    /* Needed: the backends that can list this kind; the command fails when all of them did. */
    unsigned caps = endpoints ? MD_CAP_ENDPOINTS : models ? MD_CAP_MODELS : MD_CAP_EXPERIMENTS;
    size_t able = 0, failed = 0;
    count_failed(d, lo, hi, caps, &able, &failed);
    if (!rc && able && failed == able) {
        cli_err("every backend that lists %s failed", o->what);
        rc = CLI_ERROR;
    }
    return rc;
}

/*
 * The incident timeline: a refresh first (it settles pending actions and looks
 * at every alias and endpoint, so a change made since the last look is seen), then
 * every source merged on one axis. A backend that fails is named; the rows the
 * state file holds are printed all the same.
 */
static int get_timeline(md_deck *d, md_actions *acts, const struct get_opts *o, int64_t since_ms,
                        struct md_buf *out)
{
    size_t lo = 0, hi = 0;
    md_action_settle_unfinished(acts);
    int rc = refresh_and_wait(d, o->backend, &lo, &hi);
    if (rc && !(lo < hi))
        return rc;
    struct md_timeline t = {0};
    struct md_err err = MD_ERR_INIT;
    if (md_deck_timeline(d, since_ms, o->target, &t, &err)) {
        cli_err("%s", err.msg);
        md_timeline_release(&t);
        return CLI_ERROR;
    }
    int erc = emit(out, md_export_timeline(out, o->format, &t));
    md_timeline_release(&t);
    return rc ? rc : erc;
}

static int cmd_get(const struct cli_global *g, int argc, char **argv)
{
    struct get_opts o = {.format = MD_EXPORT_TSV};
    struct cli_opts p;
    cli_opts_init(&p, "get", argc, argv, "h", get_options, CLI_OPTS_MIXED);
    for (int c; (c = cli_opts_next(&p)) != -1;) {
        switch (c) {
        case OPT_JSON:
            o.format = MD_EXPORT_JSON;
            break;
        case OPT_TSV:
            o.format = MD_EXPORT_TSV;
            break;
        case OPT_EXPERIMENT:
            o.experiment = scrub(p.arg);
            break;
        case OPT_MODEL:
            o.model = scrub(p.arg);
            break;
        case OPT_BACKEND:
            o.backend = p.arg;
            break;
        case OPT_SINCE:
            o.since = p.arg;
            break;
        case OPT_TARGET:
            o.target = scrub(p.arg);
            break;
        case OPT_HELP:
            return usage_get(stdout);
        case CLI_OPTS_ARG:
            if (o.what) {
                cli_opts_unexpected(&p);
                return usage_get(stderr);
            }
            o.what = p.arg;
            break;
        default:
            return usage_get(stderr);
        }
    }
    if (!o.what)
        return usage_get(stderr);
    static const char *const kinds[] = {"experiments", "runs",  "models",  "versions",
                                        "endpoints",   "audit", "timeline"};
    bool known = false;
    for (size_t i = 0; i < MD_ARRAY_LEN(kinds); i++)
        known |= !strcmp(o.what, kinds[i]);
    if (!known)
        return usage_get(stderr);
    int64_t since_ms = TIMELINE_DEFAULT_MS;
    if (o.since && md_parse_duration_ms(o.since, &since_ms)) {
        cli_err("get: --since: expected a duration such as 90m, 24h or 7d, got '%s'",
                scrub(o.since));
        return usage_get(stderr);
    }

    md_deck *d = NULL;
    md_actions *acts = NULL;
    int rc = open_deck_actions(g, true, &d, &acts);
    if (rc)
        return rc;
    struct md_buf out;
    md_buf_init(&out, OUT_CAP);
    if (!strcmp(o.what, "audit")) {
        /* Pending entries are re-read first, so the list says what is known now; then the
         * list comes from the store itself: the action layer keeps its last good list when a
         * read fails, and an unreadable log must not print as an empty one. */
        md_action_settle_unfinished(acts);
        md_deck_settle(d, AUDIT_SETTLE_MS);
        md_deck_run(d);
        struct md_audit_entry *v = NULL;
        size_t n = 0;
        struct md_err err = MD_ERR_INIT;
        if (md_store_audit_list(md_deck_store(d), AUDIT_SHOWN, &v, &n, &err)) {
            cli_err("%s", err.msg);
            rc = CLI_ERROR;
        } else {
            rc = emit(&out, md_export_audit(&out, o.format, v, n));
        }
        md_store_audit_free(v, n);
        goto done;
    }
    size_t lo = 0, hi = 0;
    if (!strcmp(o.what, "timeline")) {
        rc = get_timeline(d, acts, &o, md_now_ms() - since_ms, &out);
        goto done;
    }
    /* The refresh also settles pending audit entries (action.h); that only reads servers. */
    rc = refresh_and_wait(d, o.backend, &lo, &hi);
    if (rc)
        goto done;
    if (!strcmp(o.what, "experiments"))
        rc = load_experiments(d, lo, hi);
    if (rc)
        goto done;
    if (!strcmp(o.what, "runs"))
        rc = get_runs(d, &o, lo, hi, &out);
    else if (!strcmp(o.what, "versions"))
        rc = get_versions(d, &o, lo, hi, &out);
    else
        rc = get_lists(d, acts, &o, lo, hi, &out);
done:
    md_buf_release(&out);
    md_actions_free(acts);
    md_deck_free(d);
    return rc;
}

/* Ask on the terminal (or read stdin) for the confirmation text. */
static char *read_confirmation(const struct md_plan *p)
{
    char name[512];
    snprintf(name, sizeof(name), "%s", p->confirm_text);
    md_sanitize(name);
    fprintf(stderr, "type the name '%s' to confirm: ", name);
    fflush(stderr);
    char line[512];
    if (!fgets(line, sizeof(line), stdin))
        return md_xstrdup("");
    line[strcspn(line, "\r\n")] = '\0';
    return md_xstrdup(line);
}

static int run_action(md_deck *d, md_actions *acts, const struct md_plan *plan, const char *typed)
{
    struct md_err err = MD_ERR_INIT;
    if (md_action_execute(acts, plan, typed, &err)) {
        cli_err("%s", err.msg);
        return err.code == MD_ERR_READ_ONLY || err.code == MD_ERR_REFUSED ? CLI_REFUSED : CLI_ERROR;
    }
    struct md_action_state st;
    int64_t end = md_mono_ms() + WAIT_MS;
    do {
        md_deck_poll(d, NULL, 0, 500);
        md_deck_run(d);
        md_action_state(acts, &st);
    } while ((st.phase == MD_ACTION_RUNNING || st.phase == MD_ACTION_VERIFYING) &&
             md_mono_ms() < end);
    if (st.phase == MD_ACTION_DONE) {
        printf("done: %s\n", st.message);
        return CLI_OK;
    }
    if (st.phase == MD_ACTION_PENDING) {
        cli_err("%s", st.message);
        return CLI_PENDING;
    }
    cli_err("%s", st.message[0] ? st.message : "the action did not finish");
    return CLI_ERROR;
}

/* The plan, one scrubbed line at a time (md_sanitize would fold the newlines). */
static void print_summary(const char *summary)
{
    char *copy = md_xstrdup(summary);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        md_sanitize(line);
        fprintf(stderr, "%s\n", line);
    }
    free(copy);
}

/* Plan the rollback named on the command line, on the first backend that has its target. */
static int plan_rollback(md_deck *d, md_actions *acts, size_t lo, size_t hi, const char *kind,
                         const char *name, const char *alias, const char *to, struct md_plan *plan)
{
    bool is_alias = !strcmp(kind, "alias");
    size_t bi = lo;
    /* A dead backend's cached rows are no ground for a change: only reachable ones count. */
    while (bi < hi &&
           (backend_failed(d, bi) || !(is_alias ? md_deck_model(d, bi, name) != NULL
                                                : md_deck_endpoint(d, bi, name) != NULL)))
        bi++;
    if (bi == hi)
        return not_found(d, lo, hi, is_alias ? "model" : "endpoint", name);
    if (is_alias)
        md_deck_want_versions(d, bi, name);
    else if (!strcmp(kind, "endpoint"))
        md_deck_want_endpoint_configs(d, bi, name);
    md_deck_settle(d, WAIT_MS);
    md_deck_run(d);
    struct md_err err = MD_ERR_INIT;
    md_status st;
    if (is_alias)
        st = md_action_plan_alias_rollback(acts, bi, name, alias, to, plan, &err);
    else if (!strcmp(kind, "endpoint"))
        st = md_action_plan_endpoint_rollback(acts, bi, name, to, plan, &err);
    else
        st = md_action_plan_weights(acts, bi, name, to, plan, &err);
    if (st) {
        cli_err("%s", err.msg);
        return st == MD_ERR_READ_ONLY ? CLI_REFUSED : CLI_ERROR;
    }
    return CLI_OK;
}

static int cmd_rollback(const struct cli_global *g, int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0;
    const char *to = NULL, *backend = NULL;
    bool yes = false;
    struct cli_opts p;
    cli_opts_init(&p, "rollback", argc, argv, "hy", rollback_options, CLI_OPTS_MIXED);
    for (int c; (c = cli_opts_next(&p)) != -1;) {
        switch (c) {
        case OPT_YES:
            yes = true;
            break;
        case OPT_TO:
        case OPT_SET:
            to = p.arg;
            break;
        case OPT_BACKEND:
            backend = p.arg;
            break;
        case OPT_HELP:
            return usage_rollback(stdout);
        case CLI_OPTS_ARG:
            if (npos == 3) {
                cli_opts_unexpected(&p);
                return usage_rollback(stderr);
            }
            pos[npos++] = scrub(p.arg);
            break;
        default:
            return usage_rollback(stderr);
        }
    }
    if (npos < 2)
        return usage_rollback(stderr);
    bool is_alias = !strcmp(pos[0], "alias");
    if (is_alias ? npos != 3
                 : (npos != 2 || (strcmp(pos[0], "endpoint") && strcmp(pos[0], "traffic"))))
        return usage_rollback(stderr);

    md_deck *d = NULL;
    md_actions *acts = NULL;
    int rc = open_deck_actions(g, false, &d, &acts);
    if (rc)
        return rc;
    size_t lo = 0, hi = 0;
    rc = refresh_and_wait(d, backend, &lo, &hi);
    struct md_plan plan;
    memset(&plan, 0, sizeof(plan));
    if (!rc)
        rc = plan_rollback(d, acts, lo, hi, pos[0], pos[1], pos[2], to, &plan);
    if (!rc) {
        print_summary(plan.summary);
        char *typed = yes ? md_xstrdup(plan.confirm_text) : read_confirmation(&plan);
        rc = run_action(d, acts, &plan, typed);
        free(typed);
    }
    md_plan_release(&plan);
    md_actions_free(acts);
    md_deck_free(d);
    return rc;
}

/* mldeck approve MODEL VERSION --status S: a SageMaker model package's approval. */
static int cmd_approve(const struct cli_global *g, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *status = NULL, *backend = NULL;
    bool yes = false;
    struct cli_opts p;
    cli_opts_init(&p, "approve", argc, argv, "hy", approve_options, CLI_OPTS_MIXED);
    for (int c; (c = cli_opts_next(&p)) != -1;) {
        switch (c) {
        case OPT_YES:
            yes = true;
            break;
        case OPT_STATUS:
            status = p.arg;
            break;
        case OPT_BACKEND:
            backend = p.arg;
            break;
        case OPT_HELP:
            return usage_approve(stdout);
        case CLI_OPTS_ARG:
            if (npos == 2) {
                cli_opts_unexpected(&p);
                return usage_approve(stderr);
            }
            pos[npos++] = scrub(p.arg);
            break;
        default:
            return usage_approve(stderr);
        }
    }
    if (npos != 2 || !status)
        return usage_approve(stderr);
    md_deck *d = NULL;
    md_actions *acts = NULL;
    int rc = open_deck_actions(g, false, &d, &acts);
    if (rc)
        return rc;
    size_t lo = 0, hi = 0;
    rc = refresh_and_wait(d, backend, &lo, &hi);
    size_t bi = lo;
    while (!rc && bi < hi && (backend_failed(d, bi) || !md_deck_model(d, bi, pos[0])))
        bi++;
    if (!rc && bi == hi)
        rc = not_found(d, lo, hi, "model", pos[0]);
    struct md_plan plan;
    memset(&plan, 0, sizeof(plan));
    if (!rc) {
        md_deck_want_versions(d, bi, pos[0]);
        md_deck_settle(d, WAIT_MS);
        md_deck_run(d);
        struct md_err err = MD_ERR_INIT;
        if (md_action_plan_approval(acts, bi, pos[0], pos[1], status, &plan, &err)) {
            cli_err("%s", err.msg);
            rc = err.code == MD_ERR_READ_ONLY ? CLI_REFUSED : CLI_ERROR;
        }
    }
    if (!rc) {
        print_summary(plan.summary);
        char *typed = yes ? md_xstrdup(plan.confirm_text) : read_confirmation(&plan);
        rc = run_action(d, acts, &plan, typed);
        free(typed);
    }
    md_plan_release(&plan);
    md_actions_free(acts);
    md_deck_free(d);
    return rc;
}

int cli_main(const struct cli_global *g, int argc, char **argv)
{
    md_harden_process();
    if (!strcmp(argv[0], "get"))
        return cmd_get(g, argc, argv);
    if (!strcmp(argv[0], "drift"))
        return cli_drift(g, argc, argv);
    if (!strcmp(argv[0], "approve"))
        return cmd_approve(g, argc, argv);
    if (!strcmp(argv[0], "rollback"))
        return cmd_rollback(g, argc, argv);
    if (!strcmp(argv[0], "logs"))
        return cli_logs(g, argc, argv);

    cli_err("unknown command '%s' (try: get, rollback, approve, drift, logs, --help)", argv[0]);
    return CLI_USAGE;
}

/*
 * commands.c - ':' commands as a table: name, argument, help, handler.
 * Jumping to a screen keeps the overview as the root, so Esc leads back to it.
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "theme_curses.h"
#include "view_drift.h"

struct command {
    const char *name;
    const char *arg; /* argument shown in help, NULL for none */
    const char *help;
    unsigned (*run)(struct app *a, const char *arg);
};

/* Pop to the overview and open the view made by `ops` on top (unless it is the overview). */
static unsigned jump(struct app *a, const struct view_ops *ops)
{
    ui_pop_to_root(a);
    if (ops != ui_top(a)->ops)
        ui_push(a, ops->create(a));
    return REACT_HANDLED | REACT_REDRAW;
}

static unsigned cmd_overview(struct app *a, const char *arg)
{
    (void)arg;
    return jump(a, &view_overview_ops);
}

static unsigned cmd_experiments(struct app *a, const char *arg)
{
    (void)arg;
    return jump(a, &view_experiments_ops);
}

static unsigned cmd_models(struct app *a, const char *arg)
{
    (void)arg;
    return jump(a, &view_models_ops);
}

static unsigned cmd_audit(struct app *a, const char *arg)
{
    (void)arg;
    return jump(a, &view_audit_ops);
}

/* ':timeline' for everything, ':timeline NAME' for one alias, model or endpoint. */
static unsigned cmd_timeline(struct app *a, const char *arg)
{
    ui_pop_to_root(a);
    ui_push(a, view_timeline_new(a, arg && *arg ? arg : NULL));
    return REACT_HANDLED | REACT_REDRAW;
}

static unsigned cmd_drift(struct app *a, const char *arg)
{
    (void)arg;
    return jump(a, &view_drift_ops);
}

static unsigned cmd_help(struct app *a, const char *arg)
{
    (void)arg;
    ui_push(a, view_help_ops.create(a));
    return REACT_HANDLED | REACT_REDRAW;
}

static unsigned cmd_quit(struct app *a, const char *arg)
{
    (void)arg;
    (void)a;
    return REACT_QUIT;
}

/*
 * The name is not in the lists yet: while fetches are under way, try again when
 * they land (app.c re-runs pending_cmd); otherwise say so.
 */
static unsigned not_found(struct app *a, const char *cmd, const char *what, const char *arg)
{
    if (md_deck_pending(a->deck) > 0) {
        snprintf(a->pending_cmd, sizeof(a->pending_cmd), "%s %s", cmd, arg);
        ui_status_sticky(a, MD_THEME_DIM, "looking for %s '%s'...", what, arg);
    } else {
        ui_status(a, MD_THEME_ERROR, "no %s '%s'", what, arg);
    }
    return REACT_HANDLED | REACT_REDRAW;
}

/* ":runs NAME|ID" opens that experiment's runs; without an argument, the experiments. */
static unsigned cmd_runs(struct app *a, const char *arg)
{
    jump(a, &view_experiments_ops);
    if (!*arg) {
        ui_status(a, MD_THEME_DIM, "pick an experiment and press Enter");
        return REACT_HANDLED | REACT_REDRAW;
    }
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; bi < nb; bi++) {
        const struct md_experiment_list *l = md_deck_experiments(a->deck, bi);
        for (size_t i = 0; l && i < l->n; i++) {
            if (strcmp(l->v[i].id, arg) == 0 || strcasecmp(l->v[i].name, arg) == 0) {
                ui_push(a, view_runs_new(a, bi, l->v[i].id, l->v[i].name));
                return REACT_HANDLED | REACT_REDRAW;
            }
        }
    }
    return not_found(a, "runs", "experiment", arg);
}

static unsigned cmd_versions(struct app *a, const char *arg)
{
    jump(a, &view_models_ops);
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; *arg && bi < nb; bi++) {
        if (md_deck_model(a->deck, bi, arg)) {
            ui_push(a, view_versions_new(a, bi, arg));
            return REACT_HANDLED | REACT_REDRAW;
        }
    }
    return *arg ? not_found(a, "versions", "registered model", arg) : REACT_HANDLED | REACT_REDRAW;
}

/* ":deploy NAME" (or ":endpoints NAME") opens an endpoint; without a name, selects the first. */
static unsigned cmd_deploy(struct app *a, const char *arg)
{
    ui_pop_to_root(a);
    struct view *root = ui_top(a);
    if (!*arg) {
        if (view_overview_select_endpoint(root, 0, NULL))
            ui_status(a, MD_THEME_DIM, "pick an endpoint and press Enter");
        else if (md_deck_pending(a->deck) > 0)
            ui_status(a, MD_THEME_DIM, "loading the endpoints...");
        else
            ui_status(a, MD_THEME_DIM, "no backend of context '%s' has endpoints",
                      md_deck_context_name(a->deck));
        return REACT_HANDLED | REACT_REDRAW;
    }
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; bi < nb; bi++) {
        if (md_deck_endpoint(a->deck, bi, arg)) {
            view_overview_select_endpoint(root, bi, arg);
            ui_push(a, view_endpoint_new(a, bi, arg));
            return REACT_HANDLED | REACT_REDRAW;
        }
    }
    return not_found(a, "deploy", "endpoint", arg);
}

static unsigned cmd_ctx(struct app *a, const char *arg)
{
    const char *cur = md_deck_context_name(a->deck);
    if (!*arg || strcmp(arg, cur) == 0) {
        ui_status(a, MD_THEME_DIM, "context '%s' (:ctx NAME switches; Tab lists them)", cur);
        return REACT_HANDLED | REACT_REDRAW;
    }
    struct md_err err = MD_ERR_INIT;
    if (!app_request_switch(a, arg, &err))
        ui_status(a, MD_THEME_ERROR, "cannot switch to context '%s': %s", arg, err.msg);
    return REACT_HANDLED | REACT_REDRAW;
}

static unsigned cmd_refresh(struct app *a, const char *arg)
{
    (void)arg;
    md_deck_refresh(a->deck);
    ui_status(a, MD_THEME_DIM, "refreshing");
    return REACT_HANDLED | REACT_FETCH;
}

static const struct command commands[] = {
    {"overview", NULL, "deployed versions on every backend", cmd_overview},
    {"experiments", NULL, "experiments", cmd_experiments},
    {"runs", "EXPERIMENT", "runs of an experiment (name or id)", cmd_runs},
    {"models", NULL, "registered models", cmd_models},
    {"versions", "MODEL", "versions of a registered model", cmd_versions},
    {"deploy", "ENDPOINT", "deployments, history and health of an endpoint", cmd_deploy},
    {"endpoints", "ENDPOINT", "the same as :deploy", cmd_deploy},
    {"drift", NULL, "data drift of the context's drift jobs", cmd_drift},
    {"audit", NULL, "the audit log of actions", cmd_audit},
    {"timeline", "[TARGET]", "every change, action, alarm and drift window on one time axis",
     cmd_timeline},
    {"ctx", "NAME", "switch to another context of the configuration", cmd_ctx},
    {"refresh", NULL, "refresh from the servers", cmd_refresh},
    {"help", NULL, "every key and command", cmd_help},
    {"q", NULL, "quit", cmd_quit},
    {"quit", NULL, "quit", cmd_quit},
};

static const struct command *find(const char *name, size_t len)
{
    for (size_t i = 0; i < MD_ARRAY_LEN(commands); i++)
        if (strlen(commands[i].name) == len && strncmp(commands[i].name, name, len) == 0)
            return &commands[i];
    return NULL;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

size_t commands_complete(void *ud, const char *line, size_t word, const char **out, size_t max)
{
    struct app *a = ud;
    const char *stem = line + word;
    size_t n = 0;
    while (*line == ' ')
        line++;
    if (line >= stem) { /* completing the command name itself */
        for (size_t i = 0; i < MD_ARRAY_LEN(commands) && n < max; i++)
            if (has_prefix(commands[i].name, stem) && strcmp(commands[i].name, "q") != 0)
                out[n++] = commands[i].name;
        return n;
    }
    const struct command *c = find(line, strcspn(line, " "));
    if (!c)
        return 0;
    size_t nb = md_deck_backend_count(a->deck);
    if (c->run == cmd_runs) {
        for (size_t bi = 0; bi < nb; bi++) {
            const struct md_experiment_list *l = md_deck_experiments(a->deck, bi);
            for (size_t i = 0; l && i < l->n && n < max; i++)
                if (has_prefix(l->v[i].name, stem) && !strchr(l->v[i].name, ' '))
                    out[n++] = l->v[i].name;
        }
    } else if (c->run == cmd_versions) {
        for (size_t bi = 0; bi < nb; bi++) {
            const struct md_model_list *l = md_deck_models(a->deck, bi);
            for (size_t i = 0; l && i < l->n && n < max; i++)
                if (has_prefix(l->v[i].name, stem))
                    out[n++] = l->v[i].name;
        }
    } else if (c->run == cmd_deploy) {
        for (size_t bi = 0; bi < nb; bi++) {
            const struct md_endpoint_list *l = md_deck_endpoints(a->deck, bi);
            for (size_t i = 0; l && i < l->n && n < max; i++)
                if (has_prefix(l->v[i].name, stem))
                    out[n++] = l->v[i].name;
        }
    } else if (c->run == cmd_ctx) {
        const struct md_config *cfg = a->opts->config;
        for (size_t i = 0; cfg && i < cfg->n_contexts && n < max; i++)
            if (has_prefix(cfg->contexts[i].name, stem))
                out[n++] = cfg->contexts[i].name;
        if (!cfg && has_prefix(md_deck_context_name(a->deck), stem))
            out[n++] = md_deck_context_name(a->deck);
    }
    return n;
}

unsigned commands_run(struct app *a, const char *line)
{
    while (*line == ' ' || *line == ':')
        line++;
    size_t len = strcspn(line, " ");
    if (len == 0)
        return REACT_HANDLED;
    const struct command *c = find(line, len);
    if (!c) {
        /* A unique prefix is enough: ":exp" opens the experiments. */
        for (size_t i = 0; i < MD_ARRAY_LEN(commands); i++) {
            if (strncmp(commands[i].name, line, len) == 0) {
                if (c) {
                    c = NULL;
                    break;
                }
                c = &commands[i];
            }
        }
    }
    if (!c) {
        ui_status(a, MD_THEME_ERROR, "unknown command '%.*s' (Tab completes, :help lists them)",
                  (int)len, line);
        return REACT_HANDLED | REACT_REDRAW;
    }
    char arg[256];
    const char *p = line + len;
    while (*p == ' ')
        p++;
    snprintf(arg, sizeof(arg), "%s", p);
    size_t al = strlen(arg);
    while (al > 0 && arg[al - 1] == ' ')
        arg[--al] = 0;
    return c->run(a, arg);
}

size_t commands_count(void)
{
    return MD_ARRAY_LEN(commands);
}

void commands_describe(size_t i, char *usage, size_t len, const char **help)
{
    snprintf(usage, len, ":%s%s%s", commands[i].name, commands[i].arg ? " " : "",
             commands[i].arg ? commands[i].arg : "");
    *help = commands[i].help;
}

bool commands_open_initial(struct app *a, const char *name)
{
    for (size_t i = 0; i < view_all_count; i++) {
        if (view_all[i]->create && strcmp(view_all[i]->name, name) == 0) {
            if (view_all[i] != &view_overview_ops)
                ui_push(a, view_all[i]->create(a));
            return true;
        }
    }
    return false;
}

/*
 * rollback_pick.c - 'r' on an alias or an endpoint: the plan dialog opens on
 * the first press. What it needs and the deck has not read yet (the model's
 * versions, the endpoint's configs, the run of the version coming back) is
 * asked for then, and the dialog fills in as it arrives. When mldeck has
 * recorded no earlier value, the dialog offers the versions (or configs) to
 * pick from instead of refusing; the typed name still confirms.
 */
#include "rollback_pick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/action.h"
#include "text.h"
#include "theme_curses.h"

struct rollback_pick {
    bool endpoint; /* else an alias */
    bool picking;  /* no recorded history: the operator picks */
    size_t bi;
    char *model;
    char *alias;
    char *name;    /* the endpoint */
    char **values; /* what each choice moves to */
    char **labels;
    size_t n;
    size_t def; /* the endpoint's inferred previous config; n when none */
    bool have_choices;
    bool asked_list; /* versions or configs requested once */
    char *asked_run;
};

void rollback_pick_free(struct rollback_pick *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->values[i]);
        free(p->labels[i]);
    }
    free(p->values);
    free(p->labels);
    free(p->model);
    free(p->alias);
    free(p->name);
    free(p->asked_run);
    free(p);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void add_choice(struct rollback_pick *p, const char *value, const char *label)
{
    p->values = md_xrealloc(p->values, (p->n + 1) * sizeof(*p->values));
    p->labels = md_xrealloc(p->labels, (p->n + 1) * sizeof(*p->labels));
    p->values[p->n] = md_xstrdup(value);
    p->labels[p->n] = md_xstrdup(label);
    p->n++;
}

static int version_cmp(const void *a, const void *b)
{
    return md_model_version_cmp_desc(*(const struct md_model_version *const *)a,
                                     *(const struct md_model_version *const *)b);
}

/* Every version but the live one, newest first; the one below the live one preselected. */
static bool alias_choices(struct app *a, struct rollback_pick *p)
{
    const struct md_version_list *vl = md_deck_versions(a->deck, p->bi, p->model);
    const struct md_registered_model *m = md_deck_model(a->deck, p->bi, p->model);
    if (!vl || !m)
        return false;
    const char *live = nz(md_model_alias_version(m, p->alias));
    const struct md_model_version **v = md_xcalloc(vl->n + 1, sizeof(*v));
    for (size_t i = 0; i < vl->n; i++)
        v[i] = &vl->v[i];
    qsort(v, vl->n, sizeof(*v), version_cmp);
    size_t after_live = SIZE_MAX;
    for (size_t i = 0; i < vl->n; i++) {
        if (!strcmp(nz(v[i]->version), live)) {
            after_live = p->n;
            continue;
        }
        char when[32], label[320];
        fmt_time(v[i]->created, when, sizeof(when));
        snprintf(label, sizeof(label), "version %-4s %-8s run %.8s  %s", nz(v[i]->version),
                 v[i]->status && v[i]->status[0] ? v[i]->status : "?",
                 v[i]->run_id && v[i]->run_id[0] ? v[i]->run_id : "-", when);
        add_choice(p, v[i]->version, label);
    }
    free(v);
    p->def = p->n;
    if (a->dialog)
        a->dialog->sel = after_live < p->n ? after_live : 0;
    return true;
}

static int config_cmp(const void *a, const void *b)
{
    const struct md_endpoint_config *x = *(const struct md_endpoint_config *const *)a;
    const struct md_endpoint_config *y = *(const struct md_endpoint_config *const *)b;
    return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->name, y->name);
}

/* Every config but the live one, newest first; the newest older one (the inferred) preselected. */
static bool endpoint_choices(struct app *a, struct rollback_pick *p)
{
    const struct md_endpoint_config_list *cl = md_deck_endpoint_configs(a->deck, p->bi, p->name);
    const struct md_endpoint *e = md_deck_endpoint(a->deck, p->bi, p->name);
    if (!cl || !e)
        return false;
    int64_t live_created = 0;
    const struct md_endpoint_config **c = md_xcalloc(cl->n + 1, sizeof(*c));
    for (size_t i = 0; i < cl->n; i++) {
        c[i] = &cl->v[i];
        if (!strcmp(cl->v[i].name, e->config))
            live_created = cl->v[i].created;
    }
    qsort(c, cl->n, sizeof(*c), config_cmp);
    p->def = SIZE_MAX;
    for (size_t i = 0; i < cl->n; i++) {
        if (!strcmp(c[i]->name, e->config))
            continue;
        if (p->def == SIZE_MAX && (!live_created || c[i]->created < live_created))
            p->def = p->n;
        char when[32], label[512];
        size_t off = 0;
        fmt_time(c[i]->created, when, sizeof(when));
        off += (size_t)snprintf(label, sizeof(label), "%s  %s ", c[i]->name, when);
        for (size_t k = 0; k < c[i]->n_variants && off < sizeof(label); k++)
            off += (size_t)snprintf(label + off, sizeof(label) - off, "%s%s", k ? ", " : " ",
                                    nz(c[i]->variants[k].model));
        add_choice(p, c[i]->name, label);
    }
    free(c);
    if (p->def == SIZE_MAX)
        p->def = p->n;
    if (a->dialog)
        a->dialog->sel = p->def < p->n ? p->def : 0;
    return true;
}

/* Ask once for what the plan describes: the list, and the run of the version coming back. */
static unsigned want_details(struct app *a, struct rollback_pick *p)
{
    unsigned r = 0;
    bool have = p->endpoint ? md_deck_endpoint_configs(a->deck, p->bi, p->name) != NULL
                            : md_deck_versions(a->deck, p->bi, p->model) != NULL;
    if (!have && !p->asked_list) {
        p->asked_list = true;
        if (p->endpoint)
            md_deck_want_endpoint_configs(a->deck, p->bi, p->name);
        else
            md_deck_want_versions(a->deck, p->bi, p->model);
        r |= REACT_FETCH;
    }
    if (p->endpoint || !a->have_plan || !a->plan.to)
        return r;
    const struct md_version_list *vl = md_deck_versions(a->deck, p->bi, p->model);
    for (size_t i = 0; vl && i < vl->n; i++) {
        const char *run = vl->v[i].run_id;
        if (strcmp(nz(vl->v[i].version), a->plan.to) || !run || !run[0])
            continue;
        if (!md_deck_run_detail(a->deck, p->bi, run) &&
            (!p->asked_run || strcmp(p->asked_run, run))) {
            free(p->asked_run);
            p->asked_run = md_xstrdup(run);
            md_deck_want_run(a->deck, p->bi, run);
            r |= REACT_FETCH;
        }
    }
    return r;
}

/* Re-plan for the current choice and the data there is now; the typed input stays. */
static unsigned replan(struct app *a)
{
    struct rollback_pick *p = a->pick;
    if (!p || !a->dialog)
        return 0;
    if (p->picking && !p->have_choices)
        p->have_choices = p->endpoint ? endpoint_choices(a, p) : alias_choices(a, p);
    size_t sel = a->dialog->sel;
    if (a->have_plan) {
        md_plan_release(&a->plan);
        a->have_plan = false;
    }
    char title[512];
    struct md_err err = MD_ERR_INIT;
    const char *what = p->endpoint ? "config" : "version";
    char target[512];
    if (p->endpoint)
        snprintf(target, sizeof(target), "endpoint %s", p->name);
    else
        md_alias_target(target, sizeof(target), p->model, p->alias);
    const char *note = NULL;
    md_status st = MD_OK;
    if (p->picking && !p->have_choices) {
        note = p->endpoint ? "loading\u2026 (reading the endpoint's configs)"
                           : "loading\u2026 (reading the model's versions)";
    } else if (p->picking && !p->n) {
        note = p->endpoint ? "this endpoint has no other config to go back to"
                           : "this model has no other version to go back to";
    } else {
        const char *to = p->picking && !(p->endpoint && sel == p->def) ? p->values[sel] : NULL;
        st = p->endpoint
                 ? md_action_plan_endpoint_rollback(a->actions, p->bi, p->name, to, &a->plan, &err)
                 : md_action_plan_alias_rollback(a->actions, p->bi, p->model, p->alias, to,
                                                 &a->plan, &err);
        a->have_plan = st == MD_OK;
    }
    if (a->have_plan) {
        snprintf(title, sizeof(title), "Roll back %s: %s%s -> %s", target,
                 p->endpoint ? "config " : "", nz(a->plan.from), nz(a->plan.to));
        dialog_set_content(a->dialog, title, a->plan.summary);
    } else {
        snprintf(title, sizeof(title), "Roll back %s: choose a %s", target, what);
        dialog_set_content(a->dialog, title,
                           st ? (err.msg[0] ? err.msg : md_status_str(st)) : note);
    }
    if (p->picking)
        dialog_set_choices(a->dialog, p->labels, p->n, sel);
    a->dialog->note = NULL;
    a->dirty |= UI_DIRTY_BODY | UI_DIRTY_FOOTER;
    return want_details(a, p) | REACT_HANDLED | REACT_REDRAW;
}

static unsigned open_pick(struct app *a, struct rollback_pick *p)
{
    a->pick = p;
    a->dialog = md_xcalloc(1, sizeof(*a->dialog));
    dialog_init(a->dialog, "", "",
                p->endpoint ? "type the endpoint name to confirm: "
                            : "type the model name to confirm: ",
                p->endpoint ? p->name : p->model);
    return replan(a);
}

unsigned rollback_alias(struct app *a, size_t bi, const char *model, const char *alias)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    struct md_plan probe;
    md_status st = md_action_plan_alias_rollback(a->actions, bi, model, alias, NULL, &probe, &err);
    const struct md_registered_model *m = md_deck_model(a->deck, bi, model);
    bool no_history = st == MD_ERR_NOT_FOUND && m && md_model_alias_version(m, alias);
    if (st == MD_OK)
        md_plan_release(&probe);
    else if (!no_history) {
        ui_status(a, MD_THEME_ERROR, "%s", err.msg[0] ? err.msg : md_status_str(st));
        return REACT_HANDLED | REACT_REDRAW;
    }
    struct rollback_pick *p = md_xcalloc(1, sizeof(*p));
    p->bi = bi;
    p->model = md_xstrdup(model);
    p->alias = md_xstrdup(alias);
    p->picking = no_history;
    return open_pick(a, p);
}

/* An endpoint with a config (SageMaker): the plan dialog, with the configs to pick from. */
unsigned rollback_pick_endpoint(struct app *a, size_t bi, const char *endpoint)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    /* the gate first: read-only mode refuses (and audits) before anything opens */
    struct md_plan probe;
    md_status st = md_action_plan_endpoint_rollback(a->actions, bi, endpoint, NULL, &probe, &err);
    if (st == MD_OK)
        md_plan_release(&probe);
    else if (st != MD_ERR_NOT_FOUND || !md_deck_endpoint(a->deck, bi, endpoint)) {
        ui_status(a, MD_THEME_ERROR, "%s", err.msg[0] ? err.msg : md_status_str(st));
        return REACT_HANDLED | REACT_REDRAW;
    }
    struct md_backend_status bs;
    char target[512], *prev = NULL;
    md_endpoint_target(target, sizeof(target), endpoint, false);
    bool history =
        md_deck_backend_status(a->deck, bi, &bs) &&
        md_store_history_previous(md_deck_store(a->deck), bs.name, target, &prev, NULL) == MD_OK;
    free(prev);
    struct rollback_pick *p = md_xcalloc(1, sizeof(*p));
    p->endpoint = true;
    p->bi = bi;
    p->name = md_xstrdup(endpoint);
    p->picking = !history;
    return open_pick(a, p);
}

unsigned rollback_pick_key(struct app *a, enum dialog_result r)
{
    if (r == DIALOG_PICK)
        return replan(a);
    if (r == DIALOG_ACCEPT && !a->have_plan) {
        a->dialog->note = "nothing to confirm yet: choose what to go back to";
        a->dirty |= UI_DIRTY_BODY;
        return REACT_HANDLED | REACT_REDRAW;
    }
    return 0;
}

unsigned rollback_pick_on_change(struct app *a, unsigned mask)
{
    if (!a->pick || !a->dialog ||
        !(mask & (MD_CHANGED_VERSIONS | MD_CHANGED_RUN | MD_CHANGED_CONFIGS | MD_CHANGED_MODELS |
                  MD_CHANGED_ENDPOINTS)))
        return 0;
    return replan(a);
}

/*
 * rollback.c - plan -> dialog -> execute -> progress, for alias rollbacks
 * and undo. Every path goes through core/action (the read-only gate and
 * the audit log live there).
 */
#include "rollback.h"

#include "rollback_pick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "mldeck/action.h"
#include "theme_curses.h"

void rollback_close(struct app *a)
{
    if (a->dialog) {
        dialog_release(a->dialog);
        free(a->dialog);
        a->dialog = NULL;
    }
    if (a->have_plan) {
        md_plan_release(&a->plan);
        a->have_plan = false;
    }
    rollback_pick_free(a->pick);
    a->pick = NULL;
    a->dirty |= UI_DIRTY_BODY | UI_DIRTY_FOOTER;
}

static void refused(struct app *a, md_status st, const struct md_err *err)
{
    ui_status(a, MD_THEME_ERROR, "%s", err->msg[0] ? err->msg : md_status_str(st));
}

/* "churn@champion" or "endpoint:x": what the plan changes, for titles and messages. */
static const char *plan_target(const struct md_plan *p)
{
    if (p->target && *p->target)
        return p->target;
    return p->model ? p->model : p->endpoint ? p->endpoint : "";
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static unsigned open_dialog(struct app *a, const char *title)
{
    a->dialog = md_xcalloc(1, sizeof(*a->dialog));
    dialog_init(a->dialog, title, a->plan.summary,
                a->plan.endpoint && *a->plan.endpoint ? "type the endpoint name to confirm: "
                                                      : "type the model name to confirm: ",
                a->plan.confirm_text);
    a->dirty |= UI_DIRTY_BODY | UI_DIRTY_FOOTER;
    return REACT_HANDLED | REACT_REDRAW;
}

unsigned rollback_endpoint(struct app *a, size_t bi, const char *endpoint)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    const struct md_endpoint *e = md_deck_endpoint(a->deck, bi, endpoint);
    const struct md_backend *be = md_deck_backend(a->deck, bi);
    if (e && e->config[0] && be && be->ops->update_endpoint)
        return rollback_pick_endpoint(a, bi, endpoint);
    md_status st = md_action_plan_weights(a->actions, bi, endpoint, NULL, &a->plan, &err);
    if (st == MD_ERR_NOT_FOUND && e) {
        /* The core's message names the headless flags (--set); here it is a key. */
        ui_status(a, MD_THEME_ERROR,
                  "nothing to roll back to: mldeck knows no earlier traffic of '%s' "
                  "(w sets weights)",
                  endpoint);
        return REACT_HANDLED | REACT_REDRAW;
    }
    if (st != MD_OK) {
        refused(a, st, &err);
        return REACT_HANDLED | REACT_REDRAW;
    }
    a->have_plan = true;
    char title[256];
    snprintf(title, sizeof(title), "Roll back traffic of %s: %s -> %s", endpoint, nz(a->plan.from),
             nz(a->plan.to));
    return open_dialog(a, title);
}

unsigned rollback_weights_prompt(struct app *a, size_t bi, const char *endpoint)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    if (md_deck_read_only(a->deck)) {
        /* The gate refuses (and audits the refusal) before the prompt opens. */
        md_status st = md_action_plan_weights(a->actions, bi, endpoint, NULL, &a->plan, &err);
        if (st == MD_OK)
            md_plan_release(&a->plan);
        refused(a, st ? st : MD_ERR_READ_ONLY, &err);
        return REACT_HANDLED | REACT_REDRAW;
    }
    struct md_backend_status bs;
    const struct md_endpoint *e = md_deck_endpoint(a->deck, bi, endpoint);
    if (!e || !e->n_deployments) {
        ui_status(a, MD_THEME_ERROR, "endpoint '%s' has no deployments to weigh", endpoint);
        return REACT_HANDLED | REACT_REDRAW;
    }
    if (md_deck_backend_status(a->deck, bi, &bs) && !(bs.caps & MD_CAP_SET_WEIGHTS)) {
        ui_status(a, MD_THEME_ERROR, "backend '%s' cannot shift traffic", bs.name);
        return REACT_HANDLED | REACT_REDRAW;
    }
    char spec[sizeof(a->cmd.buf)];
    char prompt[sizeof(a->cmd.prompt)];
    endpoint_weights_spec(e, spec, sizeof(spec));
    snprintf(prompt, sizeof(prompt), "weights of %s (NAME=WEIGHT,...): ", endpoint);
    a->prompt_bi = bi;
    snprintf(a->prompt_endpoint, sizeof(a->prompt_endpoint), "%s", endpoint);
    cmdline_open_prompt(&a->cmd, prompt, spec);
    return REACT_HANDLED | REACT_REDRAW;
}

unsigned rollback_weights_submit(struct app *a, const char *spec)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    md_status st =
        md_action_plan_weights(a->actions, a->prompt_bi, a->prompt_endpoint, spec, &a->plan, &err);
    if (st != MD_OK) {
        refused(a, st, &err);
        return REACT_HANDLED | REACT_REDRAW;
    }
    a->have_plan = true;
    char title[256];
    snprintf(title, sizeof(title), "Shift traffic of %s: %s -> %s", a->prompt_endpoint,
             nz(a->plan.from), nz(a->plan.to));
    return open_dialog(a, title);
}

unsigned rollback_approval(struct app *a, size_t bi, const char *model, const char *version,
                           const char *status)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    md_status st = md_action_plan_approval(a->actions, bi, model, version, status, &a->plan, &err);
    if (st != MD_OK) {
        refused(a, st, &err);
        return REACT_HANDLED | REACT_REDRAW;
    }
    a->have_plan = true;
    char title[256];
    snprintf(title, sizeof(title), "Set %s: %s -> %s", plan_target(&a->plan), nz(a->plan.from),
             nz(a->plan.to));
    return open_dialog(a, title);
}

unsigned rollback_undo(struct app *a)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    md_status st = md_action_plan_undo(a->actions, &a->plan, &err);
    if (st != MD_OK) {
        refused(a, st, &err);
        return REACT_HANDLED | REACT_REDRAW;
    }
    a->have_plan = true;
    char title[256];
    snprintf(title, sizeof(title), "Undo %s: %s -> %s", plan_target(&a->plan), nz(a->plan.from),
             nz(a->plan.to));
    return open_dialog(a, title);
}

unsigned rollback_dialog_key(struct app *a, int key)
{
    enum dialog_result r = dialog_key(a->dialog, key);
    a->dirty |= UI_DIRTY_BODY;
    unsigned picked = a->pick ? rollback_pick_key(a, r) : 0;
    if (picked)
        return picked;
    if (r == DIALOG_CANCEL) {
        ui_status(a, MD_THEME_DIM, "cancelled: nothing changed");
        rollback_close(a);
    } else if (r == DIALOG_ACCEPT) {
        struct md_err err = MD_ERR_INIT;
        char what[256];
        snprintf(what, sizeof(what), "%s %s -> %s", plan_target(&a->plan), nz(a->plan.from),
                 nz(a->plan.to));
        md_status st = md_action_execute(a->actions, &a->plan, a->dialog->input, &err);
        if (st != MD_OK)
            refused(a, st, &err);
        else
            ui_status_sticky(a, MD_THEME_STATUS_WARN, "%s %s...",
                             a->plan.kind == MD_ACTION_ALIAS_UNDO ||
                                     a->plan.kind == MD_ACTION_ENDPOINT_UNDO ||
                                     a->plan.kind == MD_ACTION_WEIGHTS_UNDO
                                 ? "undoing"
                                 : "applying",
                             what);
        rollback_close(a);
        a->last_phase = MD_ACTION_IDLE;
    }
    return REACT_HANDLED | REACT_REDRAW;
}

void rollback_on_change(struct app *a)
{
    struct md_action_state st;
    md_action_state(a->actions, &st);
    const char *msg = st.message ? st.message : "";
    switch (st.phase) {
    case MD_ACTION_RUNNING:
    case MD_ACTION_VERIFYING:
        ui_status_sticky(a, MD_THEME_STATUS_WARN, "%s %s...",
                         st.phase == MD_ACTION_RUNNING ? "running:" : "verifying:", msg);
        break;
    case MD_ACTION_DONE:
        if (a->last_phase != MD_ACTION_DONE)
            ui_status(a, MD_THEME_STATUS_OK, "done: %s", msg);
        break;
    case MD_ACTION_FAILED:
        if (a->last_phase != MD_ACTION_FAILED)
            ui_status(a, MD_THEME_ERROR, "failed: %s", msg);
        break;
    case MD_ACTION_PENDING:
        if (a->last_phase != MD_ACTION_PENDING)
            ui_status(a, MD_THEME_STATUS_WARN, "pending: %s", msg);
        break;
    case MD_ACTION_IDLE:
    default:
        break;
    }
    a->last_phase = st.phase;
}

unsigned rollback_target_to(struct app *a, size_t bi, const char *target, const char *value)
{
    struct md_err err = MD_ERR_INIT;
    rollback_close(a);
    md_status st;
    const char *what;
    if (strncmp(target, "endpoint:", 9)) {
        const char *at = strrchr(target, '@');
        if (!at) {
            ui_status(a, MD_THEME_ERROR, "'%s' is not a target mldeck can change", target);
            return REACT_HANDLED | REACT_REDRAW;
        }
        char *model = md_xasprintf("%.*s", (int)(at - target), target);
        st = md_action_plan_alias_rollback(a->actions, bi, model, at + 1, value, &a->plan, &err);
        free(model);
        what = "alias";
    } else {
        char *endpoint = md_xstrdup(target + 9);
        char *hash = strchr(endpoint, '#');
        if (hash)
            *hash = '\0';
        st = hash ? md_action_plan_weights(a->actions, bi, endpoint, value, &a->plan, &err)
                  : md_action_plan_endpoint_rollback(a->actions, bi, endpoint, value, &a->plan,
                                                     &err);
        free(endpoint);
        what = hash ? "traffic" : "config";
    }
    if (st != MD_OK) {
        refused(a, st, &err);
        return REACT_HANDLED | REACT_REDRAW;
    }
    a->have_plan = true;
    char title[256];
    snprintf(title, sizeof(title), "Undo the %s change of %s: %s -> %s", what, target,
             nz(a->plan.from), nz(a->plan.to));
    return open_dialog(a, title);
}

/*
 * view_overview.c - the operator's screen: every alias of every registered
 * model and every endpoint of every platform in one table: the live
 * version(s) with their traffic shares, status, error rate and latency
 * sparklines, the worst drift of the drift jobs watching it, the last change
 * and who made it, and how old the data is.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alarms.h"
#include "endpoint.h"
#include "endpoint_health.h"
#include "rollback.h"
#include "text.h"
#include "mldeck/drift.h"
#include "theme_curses.h"
#include "ui.h"
#include "view_drift.h"
#include "widget_table.h"

#define HEALTH_MINUTES 60
#define SPARK_CELLS 4 /* and " max 5.0%": the scale */
#define DRIFT_W 15    /* "✖ feature 0.123" */

enum ov_kind { ROW_ALIAS, ROW_ENDPOINT };

struct ov_row {
    enum ov_kind kind;
    size_t bi;
    char *name;         /* model or endpoint */
    char *alias;        /* alias rows only */
    char *version;      /* alias rows only */
    int64_t changed_ms; /* 0: unknown; for sorting */
    char who[64];
    struct md_who last; /* who made the last change; last.by "" when nothing is known */
    bool has_drift;     /* a drift job names this endpoint (or MODEL@ALIAS) and has a result */
    struct md_drift_worst drift; /* the worst feature over those jobs */
};

struct overview {
    struct view base;
    struct table table;
    struct ov_row *rows;
    size_t n;
    char **asked; /* models whose versions were requested: once each (refresh re-asks) */
    size_t n_asked;
    int col[16]; /* table column -> enum below: DRIFT is there only when a job watches */
};

enum {
    COL_PLATFORM,
    COL_NAME,
    COL_ALIAS,
    COL_LIVE,
    COL_STATUS,
    COL_ALARMS,
    COL_HEALTH,
    COL_ERRORS,
    COL_LATENCY,
    COL_DRIFT,
    COL_CHANGED,
    COL_BY,
    COL_AGE
};

static const struct km_entry overview_keys[] = {
    {{KM_ENTER},
     ACT_OPEN,
     "open",
     "open the selected model's versions, or the selected endpoint's deployments",
     0},
    {{'r'},
     ACT_ROLLBACK,
     "rollback",
     "alias back to its previous version (type model name); endpoint back to its previous "
     "config or traffic (type endpoint name)",
     KM_MUTATING},
    {{'d'},
     ACT_DRIFT,
     "drift",
     "the drift job watching the selected endpoint or alias: features, scores, deployments",
     0},
    {{'w'},
     ACT_WEIGHTS,
     "weights",
     "shift the selected endpoint's traffic: edit NAME=WEIGHT,... (type endpoint name)",
     KM_MUTATING},
    {{'u'}, ACT_UNDO, "undo", "reverse the last action (type model or endpoint name)", KM_MUTATING},
    {{'L'}, ACT_LOGS, "logs", "the selected endpoint's logs, every variant, followed", 0},
};
static const struct km_table overview_km = {"Overview", overview_keys, MD_ARRAY_LEN(overview_keys)};

/* Status of a version when the versions of its model are loaded, else NULL. */
static const char *version_status(const struct app *a, const struct ov_row *r)
{
    const struct md_version_list *l = md_deck_versions(a->deck, r->bi, r->name);
    for (size_t i = 0; l && i < l->n; i++)
        if (strcmp(l->v[i].version, r->version) == 0)
            return l->v[i].status;
    return NULL;
}

/* ERRORS and LATENCY of an endpoint row: a sparkline and the last value. */
static void health_cell(const struct app *a, const struct ov_row *r, enum endpoint_metric m,
                        char *buf, size_t len, enum md_theme_role *role)
{
    struct md_backend_status st;
    if (!md_deck_backend_status(a->deck, r->bi, &st) || !(st.caps & MD_CAP_HEALTH)) {
        snprintf(buf, len, "n/a");
        *role = MD_THEME_DIM;
        return;
    }
    const struct md_health_list *h = md_deck_health(a->deck, r->bi, r->name);
    if (!h) {
        /* a failed fetch is not one still coming: the header says why */
        bool failed = *md_deck_health_error(a->deck, r->bi, r->name) != '\0';
        snprintf(buf, len, "%s", failed ? text_glyph("\u2716 error", "x error") : "...");
        *role = failed ? MD_THEME_ERROR : MD_THEME_DIM;
        return;
    }
    endpoint_health_cell(h, "", m, SPARK_CELLS, false, buf, len);
    *role = MD_THEME_CHART_1;
}

/* HEALTH: the verdict over the endpoint and each of its deployments, as glyph + word. */
static void verdict_cell(const struct app *a, const struct ov_row *r, char *buf, size_t len,
                         enum md_theme_role *role)
{
    struct md_backend_status st;
    struct md_health_judgement j;
    if (!md_deck_backend_status(a->deck, r->bi, &st) || !(st.caps & MD_CAP_HEALTH)) {
        snprintf(buf, len, "n/a");
        *role = MD_THEME_DIM;
    } else if (!endpoint_health_judge(a->deck, r->bi, r->name, NULL, &j)) {
        /* a failed fetch judges nothing: unknown (ERRORS says why), not still coming */
        bool failed = *md_deck_health_error(a->deck, r->bi, r->name) != '\0';
        snprintf(buf, len, "%s", failed ? endpoint_health_text(MD_HEALTH_VERDICT_UNKNOWN) : "...");
        *role = MD_THEME_DIM;
    } else {
        snprintf(buf, len, "%s", endpoint_health_text(j.verdict));
        *role = endpoint_health_role(j.verdict);
    }
}

static void endpoint_cell(const struct app *a, const struct ov_row *r, int col, char *buf,
                          size_t len, enum md_theme_role *role)
{
    const struct md_endpoint *e = md_deck_endpoint(a->deck, r->bi, r->name);
    if (!e)
        return;
    switch (col) {
    case COL_ALIAS:
        *role = MD_THEME_DIM;
        snprintf(buf, len, "%s", "endpoint");
        break;
    case COL_LIVE:
        endpoint_live_text(e, buf, len);
        break;
    case COL_STATUS:
        endpoint_status_text(e->status, buf, len);
        *role = endpoint_status_role(e->status);
        break;
    case COL_HEALTH:
        verdict_cell(a, r, buf, len, role);
        break;
    case COL_ERRORS:
        health_cell(a, r, ENDPOINT_ERROR_RATE, buf, len, role);
        break;
    case COL_LATENCY:
        health_cell(a, r, ENDPOINT_LATENCY, buf, len, role);
        break;
    case COL_ALARMS:
        alarms_cell(a->deck, r->bi, r->name, buf, len, role);
        break;
    default:
        break;
    }
}

/* "✖ age 0.83": the worst feature of the newest window, "–" when no job or no result yet. */
static void drift_cell(const struct ov_row *r, char *buf, size_t len, enum md_theme_role *role)
{
    const struct md_drift_worst *x = &r->drift;
    if (!r->has_drift) {
        snprintf(buf, len, "%s", text_glyph("\u2013", "-"));
        *role = MD_THEME_DIM;
        return;
    }
    *role = view_drift_status_role(x->status);
    if (x->status == MD_DRIFT_STATUS_NA) {
        snprintf(buf, len, "%s n/a", view_drift_status_glyph(x->status));
        return;
    }
    char v[32];
    char name[sizeof(x->feature)];
    snprintf(v, sizeof(v), "%.3g", x->value); /* three digits tell how bad; the name needs room */
    snprintf(name, sizeof(name), "%s", x->feature);
    /* The score says how bad: a long feature name gives way, not the number. */
    int room = DRIFT_W - 2 - text_width(view_drift_status_glyph(x->status)) - text_width(v);
    if (text_width(name) > room && room > 2) {
        while (name[0] && text_width(name) > room - 1)
            md_clip_utf8(name, strlen(name) - 1);
        snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s", text_glyph("\u2026", "~"));
    }
    snprintf(buf, len, "%s %s %s", view_drift_status_glyph(x->status), name, v);
}

static void cell(void *ctx, size_t row, size_t tcol, char *buf, size_t len,
                 enum md_theme_role *role)
{
    struct overview *o = ctx;
    const struct app *a = o->base.app;
    if (row >= o->n || tcol >= MD_ARRAY_LEN(o->col))
        return;
    const struct ov_row *r = &o->rows[row];
    int col = o->col[tcol];
    switch (col) {
    case COL_PLATFORM:
        endpoint_platform(a->deck, r->bi, buf, len);
        return;
    case COL_NAME:
        snprintf(buf, len, "%s", r->name);
        return;
    case COL_CHANGED:
        if (r->last.by[0]) {
            char by[8];
            endpoint_who_cells(&r->last, buf, len, by, sizeof(by));
        } else {
            snprintf(buf, len, "-");
        }
        return;
    case COL_BY:
        snprintf(buf, len, "%s", r->who[0] ? r->who : "-");
        return;
    case COL_DRIFT:
        drift_cell(r, buf, len, role);
        return;
    case COL_AGE:
        if (ui_backend_age(a, r->bi, buf, len))
            *role = MD_THEME_STALE;
        return;
    default:
        break;
    }
    if (r->kind == ROW_ENDPOINT) {
        endpoint_cell(a, r, col, buf, len, role);
        return;
    }
    if (col == COL_ALIAS) {
        snprintf(buf, len, "@%s", r->alias);
    } else if (col == COL_LIVE) {
        snprintf(buf, len, "%s", r->version);
    } else if (col == COL_STATUS) {
        const char *st = version_status(a, r);
        snprintf(buf, len, "%s", st ? st : "...");
        *role = ui_version_status_role(st);
    }
}

/* Drift by tier then severity; rows nobody watches below every result. */
static int cmp_drift(const struct ov_row *a, const struct ov_row *b)
{
    int ta = a->has_drift ? (int)a->drift.status : -1;
    int tb = b->has_drift ? (int)b->drift.status : -1;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    double sa = a->has_drift && !isnan(a->drift.severity) ? a->drift.severity : -1;
    double sb = b->has_drift && !isnan(b->drift.severity) ? b->drift.severity : -1;
    return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/* Health by verdict (unknown, ok, warn, bad); alias rows have none. */
static int cmp_health(const struct app *app, const struct ov_row *a, const struct ov_row *b)
{
    struct md_health_judgement ja, jb;
    int va = a->kind == ROW_ENDPOINT && endpoint_health_judge(app->deck, a->bi, a->name, NULL, &ja)
                 ? (int)ja.verdict
                 : -1;
    int vb = b->kind == ROW_ENDPOINT && endpoint_health_judge(app->deck, b->bi, b->name, NULL, &jb)
                 ? (int)jb.verdict
                 : -1;
    return va < vb ? -1 : va > vb;
}

/* Sort "changed" by time and alias versions as numbers, not by their text. */
static int cmp(void *ctx, size_t a, size_t b, size_t tcol)
{
    struct overview *o = ctx;
    if (a >= o->n || b >= o->n || tcol >= MD_ARRAY_LEN(o->col))
        return 0;
    const struct ov_row *ra = &o->rows[a];
    const struct ov_row *rb = &o->rows[b];
    int col = o->col[tcol];
    if (col == COL_DRIFT)
        return cmp_drift(ra, rb);
    if (col == COL_HEALTH)
        return cmp_health(o->base.app, ra, rb);
    if (col == COL_CHANGED)
        return ra->changed_ms < rb->changed_ms ? 1 : ra->changed_ms > rb->changed_ms ? -1 : 0;
    if (col == COL_LIVE && ra->kind == ROW_ALIAS && rb->kind == ROW_ALIAS) {
        long va = strtol(ra->version, NULL, 10);
        long vb = strtol(rb->version, NULL, 10);
        return va < vb ? -1 : va > vb ? 1 : strcmp(ra->version, rb->version);
    }
    char x[256];
    char y[256];
    enum md_theme_role ignore;
    x[0] = y[0] = 0;
    cell(ctx, a, tcol, x, sizeof(x), &ignore);
    cell(ctx, b, tcol, y, sizeof(y), &ignore);
    return strcasecmp(x, y);
}

static enum md_theme_role row_role(void *ctx, size_t row)
{
    struct overview *o = ctx;
    struct md_backend_status st;
    if (row < o->n && md_deck_backend_status(o->base.app->deck, o->rows[row].bi, &st) && st.stale)
        return MD_THEME_STALE;
    return MD_THEME_NORMAL;
}

static const struct table_source source = {cell, cmp, row_role};

static void free_rows(struct overview *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->rows[i].name);
        free(o->rows[i].alias);
        free(o->rows[i].version);
    }
    free(o->rows);
    o->rows = NULL;
    o->n = 0;
}

/* Ask once per model for its versions (their status); a failing server must not loop. */
static void want_versions(struct overview *o, size_t bi, const char *model)
{
    char *id = md_xasprintf("%zu:%s", bi, model);
    for (size_t i = 0; i < o->n_asked; i++) {
        if (strcmp(o->asked[i], id) == 0) {
            free(id);
            return;
        }
    }
    o->asked = md_xrealloc(o->asked, (o->n_asked + 1) * sizeof(*o->asked));
    o->asked[o->n_asked++] = id;
    if (!md_deck_versions(o->base.app->deck, bi, model))
        md_deck_want_versions(o->base.app->deck, bi, model);
}

/* Request health only for the endpoint rows on screen (the deck keeps it fresh after). */
static void want_visible_health(struct overview *o)
{
    const struct table *t = &o->table;
    size_t page = t->page > 0 ? (size_t)t->page : 1;
    for (size_t i = t->top; i < t->n && i < t->top + page; i++) {
        const struct ov_row *r = &o->rows[t->idx[i]];
        if (r->kind == ROW_ENDPOINT)
            md_deck_want_health(o->base.app->deck, r->bi, r->name, HEALTH_MINUTES);
    }
}

static struct ov_row *add_row(struct overview *o, size_t *cap, enum ov_kind kind, size_t bi,
                              const char *name)
{
    if (o->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        o->rows = md_xrealloc(o->rows, *cap * sizeof(*o->rows));
    }
    struct ov_row *r = &o->rows[o->n++];
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->bi = bi;
    r->name = md_xstrdup(name);
    return r;
}

/*
 * The worst drift of the jobs watching a row: a job's `endpoint:` names an
 * endpoint, or MODEL@ALIAS for an alias row. Read from the store when the
 * rows are rebuilt (opening, returning from :drift, a change), never per frame.
 */
static void load_drift(struct overview *o, struct ov_row *r)
{
    md_deck *deck = o->base.app->deck;
    const struct md_context *c = md_deck_context(deck);
    md_store *s = md_deck_store(deck);
    char alias[512];
    snprintf(alias, sizeof(alias), "%s@%s", r->name, r->alias ? r->alias : "");
    const char *want = r->kind == ROW_ENDPOINT ? r->name : alias;
    for (size_t i = 0; c && i < c->n_drift; i++) {
        const char *ep = c->drift[i].endpoint;
        if (!ep || strcmp(ep, want))
            continue;
        struct md_drift_worst x;
        struct md_err err = MD_ERR_INIT;
        md_status st = s ? md_drift_store_worst(s, c->drift[i].name, &x, &err) : MD_ERR_NOT_FOUND;
        if (st && st != MD_ERR_NOT_FOUND)
            md_log(MD_LOG_WARN, "drift job '%s': %s", c->drift[i].name, err.msg);
        if (st)
            continue;
        if (!r->has_drift || x.status > r->drift.status ||
            (x.status == r->drift.status && x.severity > r->drift.severity))
            r->drift = x;
        r->has_drift = true;
    }
}

/* True when some drift job of the context names an endpoint or alias: the DRIFT column shows. */
static bool drift_watched(const struct app *a)
{
    const struct md_context *c = md_deck_context(a->deck);
    for (size_t i = 0; c && i < c->n_drift; i++)
        if (c->drift[i].endpoint && c->drift[i].endpoint[0])
            return true;
    return false;
}

/* CHANGED and BY of a row from who made its last change. */
static void set_who(struct ov_row *r, const struct md_who *w)
{
    char changed[24];
    r->changed_ms = w->at_ms > 0 ? w->at_ms : w->before_ms;
    r->last = *w;
    endpoint_who_cells(w, changed, sizeof(changed), r->who, sizeof(r->who));
}

/* Copy the rows out of the snapshot (ids, not pointers) and ask for version details. */
static void rebuild(struct overview *o)
{
    struct app *a = o->base.app;
    free_rows(o);
    size_t cap = 0;
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; bi < nb; bi++) {
        const struct md_model_list *l = md_deck_models(a->deck, bi);
        for (size_t i = 0; l && i < l->n; i++) {
            const struct md_registered_model *m = &l->v[i];
            if (m->n_aliases)
                want_versions(o, bi, m->name);
            for (size_t k = 0; k < m->n_aliases; k++) {
                struct ov_row *r = add_row(o, &cap, ROW_ALIAS, bi, m->name);
                r->alias = md_xstrdup(m->aliases[k].alias);
                r->version = md_xstrdup(m->aliases[k].version);
                struct md_who w;
                if (md_actions_who_alias(a->actions, bi, r->name, r->alias, &w))
                    set_who(r, &w);
            }
        }
        const struct md_endpoint_list *el = md_deck_endpoints(a->deck, bi);
        for (size_t i = 0; el && i < el->n; i++) {
            struct ov_row *r = add_row(o, &cap, ROW_ENDPOINT, bi, el->v[i].name);
            struct md_who w;
            if (endpoint_last_change(a->deck, a->actions, bi, &el->v[i], &w))
                set_who(r, &w);
        }
    }
    if (drift_watched(a))
        for (size_t i = 0; i < o->n; i++)
            load_drift(o, &o->rows[i]);
    table_rebuild(&o->table, o->n);
    want_visible_health(o);
    o->base.dirty = true;
}

static struct view *create(struct app *a)
{
    struct overview *o = md_xcalloc(1, sizeof(*o));
    o->base.ops = &view_overview_ops;
    o->base.app = a;
    table_init(&o->table, &source, o);
    /*
     * Under 147 columns BY, then LATENCY and ERRORS, then PLATFORM, give way: LIVE keeps room
     * for a two-way split, and HEALTH (the verdict) stays at any width while the sparklines
     * (the endpoint screen has them too) make room. DRIFT (only when a drift job names an
     * endpoint or alias) needs 16 more: under that BY goes first, then DRIFT. ALARMS (only
     * with a platform that has alarms) is never dropped either: a firing alarm must show at any
     * width; it adds 9 to each of those widths.
     */
    static const struct {
        const char *title;
        int col;
        int width;
        unsigned flags;
    } cols[] = {
        {"PLATFORM", COL_PLATFORM, 9, TABLE_OPTIONAL},
        {"MODEL/ENDPOINT", COL_NAME, 17, 0},
        {"ALIAS", COL_ALIAS, 11, 0},
        {"LIVE", COL_LIVE, 28, TABLE_FLEX | TABLE_MIDDLE | TABLE_KEEP},
        {"STATUS", COL_STATUS, 12, 0},
        {"ALARMS", COL_ALARMS, 8, 0},
        {"HEALTH", COL_HEALTH, 6, 0},
        {"ERRORS", COL_ERRORS, 13, TABLE_OPTIONAL},
        {"LATENCY", COL_LATENCY, 13, TABLE_OPTIONAL},
        {"DRIFT", COL_DRIFT, DRIFT_W, TABLE_OPTIONAL},
        {"CHANGED", COL_CHANGED, 7, TABLE_RIGHT},
        {"BY", COL_BY, 12, TABLE_OPTIONAL},
        {"DATA AGE", COL_AGE, 9, TABLE_RIGHT},
    };
    _Static_assert(MD_ARRAY_LEN(cols) <= MD_ARRAY_LEN(o->col), "column map too small");
    bool drift = drift_watched(a);
    bool alarms = alarms_watched(a->deck); /* only platforms with alarms: MLflow has none */
    for (size_t i = 0; i < MD_ARRAY_LEN(cols); i++) {
        if ((cols[i].col == COL_DRIFT && !drift) || (cols[i].col == COL_ALARMS && !alarms))
            continue;
        o->col[o->table.n_cols] = cols[i].col;
        table_add_col(&o->table, cols[i].title, cols[i].width, cols[i].flags);
    }
    rebuild(o);
    return &o->base;
}

static void destroy(struct view *v)
{
    struct overview *o = (struct overview *)v;
    free_rows(o);
    for (size_t i = 0; i < o->n_asked; i++)
        free(o->asked[i]);
    free(o->asked);
    table_release(&o->table);
    free(o);
}

static void draw(struct view *v, WINDOW *w)
{
    struct overview *o = (struct overview *)v;
    const char *empty = md_deck_pending(v->app->deck)
                            ? "loading..."
                            : "no endpoint and no model alias yet (:models lists every model)";
    ui_draw_table_screen(v->app, w, &o->table,
                         "Overview: deployed versions (model aliases and endpoints)", ~0ul, empty);
}

static unsigned key(struct view *v, enum km_action act)
{
    struct overview *o = (struct overview *)v;
    size_t row;
    const struct ov_row *r = table_selected(&o->table, &row) && row < o->n ? &o->rows[row] : NULL;
    bool ep = r && r->kind == ROW_ENDPOINT;
    switch (act) {
    case ACT_OPEN:
        if (ep)
            ui_push(v->app, view_endpoint_new(v->app, r->bi, r->name));
        else if (r)
            ui_push(v->app, view_versions_new_at(v->app, r->bi, r->name, r->version));
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_ROLLBACK:
        if (!r) {
            ui_status(v->app, MD_THEME_DIM, "select an alias or an endpoint to roll back");
            return REACT_HANDLED | REACT_REDRAW;
        }
        return ep ? rollback_endpoint(v->app, r->bi, r->name)
                  : rollback_alias(v->app, r->bi, r->name, r->alias);
    case ACT_WEIGHTS:
        if (!ep) {
            ui_status(v->app, MD_THEME_DIM, "select an endpoint to shift its traffic");
            return REACT_HANDLED | REACT_REDRAW;
        }
        return rollback_weights_prompt(v->app, r->bi, r->name);
    case ACT_UNDO:
        return rollback_undo(v->app);
    case ACT_DRIFT: {
        /* the job watching the row; else the context's jobs, so one key always answers */
        char alias[512] = "";
        if (r && !ep)
            snprintf(alias, sizeof(alias), "%s@%s", r->name, r->alias);
        const char *target = r ? (ep ? r->name : alias) : "";
        struct view *dv = r ? view_drift_new_for(v->app, target) : NULL;
        const struct md_context *c = md_deck_context(v->app->deck);
        if (!dv && c && c->n_drift) {
            dv = view_drift_ops.create(v->app);
            ui_status(v->app, MD_THEME_DIM,
                      "no drift job watches %s: the context's jobs (Tab: the next one)",
                      *target ? target : "this row");
        } else if (!dv) {
            ui_status(v->app, MD_THEME_DIM, "context '%s' has no drift jobs",
                      md_deck_context_name(v->app->deck));
        }
        if (dv)
            ui_push(v->app, dv);
        return REACT_HANDLED | REACT_REDRAW;
    }
    case ACT_LOGS: {
        struct view *lv = ep ? view_logs_new(v->app, r->bi, r->name, NULL) : NULL;
        if (!ep)
            ui_status(v->app, MD_THEME_DIM, "select an endpoint to read its logs");
        if (lv)
            ui_push(v->app, lv);
        return REACT_HANDLED | REACT_REDRAW | REACT_LAYOUT;
    }
    default: {
        unsigned res = table_key(&o->table, act);
        if (res)
            want_visible_health(o);
        return res;
    }
    }
}

static void on_change(struct view *v, unsigned mask)
{
    struct overview *o = (struct overview *)v;
    /* Rows (and their last change, read from the store) only move with the lists and
     * the audit log; every reply also says BACKENDS, which only needs a redraw. */
    if (mask & (MD_CHANGED_MODELS | MD_CHANGED_VERSIONS | MD_CHANGED_AUDIT | MD_CHANGED_ACTION |
                MD_CHANGED_ENDPOINTS)) {
        rebuild(o);
    } else if (mask & (MD_CHANGED_BACKENDS | MD_CHANGED_HEALTH | MD_CHANGED_ALARMS)) {
        want_visible_health(o);
        v->dirty = true;
    }
}

static struct table *table(struct view *v)
{
    return &((struct overview *)v)->table;
}

bool view_overview_select_endpoint(struct view *v, size_t bi, const char *name)
{
    struct overview *o = (struct overview *)v;
    if (v->ops != &view_overview_ops)
        return false;
    for (size_t i = 0; i < o->table.n; i++) {
        const struct ov_row *r = &o->rows[o->table.idx[i]];
        if (r->kind == ROW_ENDPOINT && (!name || (r->bi == bi && strcmp(r->name, name) == 0))) {
            o->table.sel = i;
            v->dirty = true;
            want_visible_health(o);
            return true;
        }
    }
    return false;
}

const struct view_ops view_overview_ops = {
    .name = "overview",
    .title = "Overview (deployed versions and endpoints)",
    .keys = &overview_km,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

/*
 * view_endpoint.c - one endpoint: its status (live while an action runs),
 * the deployments or variants with instances, weights and shares, health
 * sparklines per metric and deployment, the platform's own monitors of its
 * deployments (signals and thresholds), and what mldeck saw it point at over
 * time (configs, traffic). 'r' rolls back, 'w' shifts traffic, 'u' undoes;
 * 'L' opens the selected deployment's logs (view_logs.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alarms.h"
#include "endpoint.h"
#include "endpoint_health.h"
#include "rollback.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

#define HEALTH_MINUTES 60
#define HISTORY_MAX 12
#define NAME_W 14
#define HEALTH_W 8 /* "\u25b2 warn" */
#define LOG_LINE_MAX 2048

struct endpoint_view {
    struct view base;
    struct table table; /* the deployments */
    size_t bi;
    char *name;
    char **deps; /* deployment names: the table's rows */
    size_t n_deps;
    struct md_history_entry *configs; /* observed, newest first */
    size_t n_configs;
    struct md_history_entry *traffic;
    size_t n_traffic;
};

enum { COL_NAME, COL_MODEL, COL_VERSION, COL_ITYPE, COL_COUNT, COL_WEIGHT, COL_SHARE, COL_STATUS };

static const struct km_entry endpoint_keys[] = {
    {{'r'},
     ACT_ROLLBACK,
     "rollback",
     "endpoint back to its previous config, or its traffic back to the previous weights "
     "(type endpoint name)",
     KM_MUTATING},
    {{'w'},
     ACT_WEIGHTS,
     "weights",
     "shift traffic between deployments: edit NAME=WEIGHT,... (type endpoint name)",
     KM_MUTATING},
    {{'u'}, ACT_UNDO, "undo", "reverse the last action (type model or endpoint name)", KM_MUTATING},
    {{'L'}, ACT_LOGS, "logs", "logs of the selected deployment, followed (the logs view)", 0},
};
static const struct km_table endpoint_km = {"Endpoint", endpoint_keys, MD_ARRAY_LEN(endpoint_keys)};

static const struct md_endpoint *endpoint_of(const struct endpoint_view *v)
{
    return md_deck_endpoint(v->base.app->deck, v->bi, v->name);
}

static const struct md_deployment *row_deployment(const struct endpoint_view *v, size_t row)
{
    const struct md_endpoint *e = endpoint_of(v);
    for (size_t i = 0; e && row < v->n_deps && i < e->n_deployments; i++)
        if (strcmp(e->deployments[i].name, v->deps[row]) == 0)
            return &e->deployments[i];
    return NULL;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
{
    const struct endpoint_view *v = ctx;
    const struct md_deployment *d = row_deployment(v, row);
    const char *arrow = text_glyph("\u2192", "->");
    if (!d)
        return;
    switch (col) {
    case COL_NAME:
        snprintf(buf, len, "%s", d->name);
        break;
    case COL_MODEL:
        snprintf(buf, len, "%s", d->model);
        break;
    case COL_VERSION:
        snprintf(buf, len, "%s", d->version);
        break;
    case COL_ITYPE:
        snprintf(buf, len, "%s", d->instance_type);
        break;
    case COL_COUNT:
        if (d->desired_instance_count >= 0 && d->desired_instance_count != d->instance_count)
            snprintf(buf, len, "%ld%s%ld", d->instance_count, arrow, d->desired_instance_count);
        else
            snprintf(buf, len, "%ld", d->instance_count);
        break;
    case COL_WEIGHT:
        if (!isnan(d->desired_weight) && d->desired_weight != d->weight)
            snprintf(buf, len, "%g%s%g", d->weight, arrow, d->desired_weight);
        else
            snprintf(buf, len, "%g", d->weight);
        break;
    case COL_SHARE:
        snprintf(buf, len, "%.0f%%", d->share * 100);
        if (!(d->share > 0))
            *role = MD_THEME_DIM;
        break;
    case COL_STATUS:
        endpoint_status_text(d->status, buf, len);
        *role = endpoint_status_role(d->status);
        break;
    default:
        break;
    }
}

static const struct table_source source = {cell, NULL, NULL};

static void free_deps(struct endpoint_view *v)
{
    for (size_t i = 0; i < v->n_deps; i++)
        free(v->deps[i]);
    free(v->deps);
    v->deps = NULL;
    v->n_deps = 0;
}

static void free_history(struct endpoint_view *v)
{
    md_store_history_free(v->configs, v->n_configs);
    md_store_history_free(v->traffic, v->n_traffic);
    v->configs = v->traffic = NULL;
    v->n_configs = v->n_traffic = 0;
}

/* Copy the deployment names (ids) and reload what mldeck observed. */
static void rebuild(struct endpoint_view *v)
{
    md_deck *d = v->base.app->deck;
    const struct md_endpoint *e = endpoint_of(v);
    free_deps(v);
    free_history(v);
    if (e && e->n_deployments) {
        v->deps = md_xcalloc(e->n_deployments, sizeof(*v->deps));
        for (size_t i = 0; i < e->n_deployments; i++)
            v->deps[i] = md_xstrdup(e->deployments[i].name);
        v->n_deps = e->n_deployments;
    }
    if (md_deck_endpoint_history(d, v->bi, v->name, false, HISTORY_MAX, &v->configs,
                                 &v->n_configs) != MD_OK)
        v->n_configs = 0;
    if (md_deck_endpoint_history(d, v->bi, v->name, true, HISTORY_MAX, &v->traffic,
                                 &v->n_traffic) != MD_OK)
        v->n_traffic = 0;
    table_rebuild(&v->table, v->n_deps);
    v->base.dirty = true;
}

static void section(WINDOW *w, int y, int width, const char *title)
{
    char buf[160];
    snprintf(buf, sizeof(buf), "%s %s", text_glyph("\u2500\u2500", "--"), title);
    text_fill(w, y, 0, width, ui_attr(MD_THEME_COLUMN_HEADER));
    text_put(w, y, 0, width, buf, ui_attr(MD_THEME_COLUMN_HEADER), 0);
}

/* Lines 1-2: status, platform, config, last update; then a running action or the failure. */
static void draw_header(struct endpoint_view *v, WINDOW *w, int width, const struct md_endpoint *e)
{
    struct md_backend_status bs;
    char buf[512];
    char t[32];
    endpoint_status_text(e->status, buf, sizeof(buf));
    int x =
        1 + text_put(w, 1, 1, width - 1, buf, ui_attr(endpoint_status_role(e->status)) | A_BOLD, 0);
    md_deck_backend_status(v->base.app->deck, v->bi, &bs);
    fmt_time(e->updated, t, sizeof(t));
    const char *mirror = md_kvs_get(&e->tags, "azureml.mirror_traffic");
    snprintf(buf, sizeof(buf), "   %s (%s)%s%s   updated %s%s%s", bs.kind, bs.name,
             *e->config ? "   config " : "", e->config, t, mirror ? "   mirror " : "",
             mirror ? mirror : "");
    text_put(w, 1, x, width - x, buf, ui_attr(MD_THEME_NORMAL), 0);
    struct md_action_state as;
    md_action_state(v->base.app->actions, &as);
    if (as.phase == MD_ACTION_RUNNING || as.phase == MD_ACTION_VERIFYING) {
        snprintf(buf, sizeof(buf), " %s %s",
                 as.phase == MD_ACTION_RUNNING ? "running:" : "verifying:", as.message);
        text_put(w, 2, 0, width, buf, ui_attr(MD_THEME_STATUS_WARN), 0);
        return;
    }
    /* why a failed endpoint failed comes first; then who made the last change */
    int x2 = 0;
    if (*e->failure_reason) {
        snprintf(buf, sizeof(buf), " failure: %s", e->failure_reason);
        x2 = text_put(w, 2, 0, width, buf, ui_attr(MD_THEME_ERROR), 0);
    }
    struct md_who who;
    if (x2 < width - 2 &&
        endpoint_last_change(v->base.app->deck, v->base.app->actions, v->bi, e, &who)) {
        snprintf(buf, sizeof(buf), "%s", x2 ? "   " : " ");
        size_t off = strlen(buf);
        endpoint_who_text(&who, buf + off, sizeof(buf) - off);
        text_put(w, 2, x2, width - x2, buf, ui_attr(MD_THEME_NORMAL), 0);
    }
}

/*
 * One health row: the name, its verdict (glyph + word), then per metric a sparkline from 0,
 * its last value when there is room, and its top.
 */
static void health_row(WINDOW *w, int y, int width, const struct md_health_list *h,
                       const char *error, const char *label, const char *dep,
                       const struct md_health_judgement *j)
{
    static const enum endpoint_metric cols[] = {ENDPOINT_INVOCATIONS, ENDPOINT_4XX, ENDPOINT_5XX,
                                                ENDPOINT_ERROR_RATE, ENDPOINT_LATENCY};
    int colw = (width - NAME_W - HEALTH_W - 1) / (int)MD_ARRAY_LEN(cols);
    bool with_last = colw >= 26; /* narrower: the chart and its scale, not the last value */
    int room = colw - (with_last ? 16 : 10);
    int spark = room < 1 ? 1 : room > 24 ? 24 : room;
    text_put(w, y, 1, NAME_W - 1, label, ui_attr(MD_THEME_NORMAL), 0);
    if (h)
        text_put(w, y, NAME_W + 1, HEALTH_W - 1, endpoint_health_text(j->verdict),
                 ui_attr(endpoint_health_role(j->verdict)), 0);
    for (size_t i = 0; i < MD_ARRAY_LEN(cols); i++) {
        char buf[256];
        int x = NAME_W + HEALTH_W + 1 + (int)i * colw;
        if (!h) { /* a failed fetch is not one still coming: the header says why */
            text_put(w, y, x, colw - 1, *error ? text_glyph("\u2716 error", "x error") : "...",
                     ui_attr(*error ? MD_THEME_ERROR : MD_THEME_DIM), 0);
            continue;
        }
        endpoint_health_cell(h, dep, cols[i], spark, with_last, buf, sizeof(buf));
        text_put(w, y, x, colw - 1, *buf ? buf : "-",
                 ui_attr(*buf ? MD_THEME_CHART_1 : MD_THEME_DIM), 0);
    }
}

/* "why  canary: 5xx 25.0 % > 5 %" under the rows, in the verdict's role. */
static void health_reason(WINDOW *w, int y, int width, const char *label,
                          const struct md_health_judgement *j)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s%s%s", label ? label : "", label ? ": " : "", j->reason);
    text_put(w, y, 1, NAME_W - 1, "why", ui_attr(MD_THEME_DIM), 0);
    text_put(w, y, NAME_W + 1, width - NAME_W - 1, buf, ui_attr(endpoint_health_role(j->verdict)),
             0);
}

/* Lines the reasons take: one per warn/bad deployment, else one for the endpoint. */
static int health_reasons(const struct endpoint_view *v)
{
    int n = 0;
    for (size_t i = 0; i < v->n_deps; i++) {
        struct md_health_judgement j;
        endpoint_health_judge(v->base.app->deck, v->bi, v->name, v->deps[i], &j);
        n += j.verdict >= MD_HEALTH_VERDICT_WARN;
    }
    return n ? n : 1;
}

static int draw_health(struct endpoint_view *v, WINDOW *w, int y, int rows, int width)
{
    struct md_backend_status bs;
    md_deck_backend_status(v->base.app->deck, v->bi, &bs);
    if (rows < 1)
        return y;
    if (!(bs.caps & MD_CAP_HEALTH)) {
        char buf[128];
        snprintf(buf, sizeof(buf), "health: %s does not report request metrics", bs.kind);
        section(w, y, width, buf);
        return y + 2;
    }
    section(w, y++, width,
            "health, last 60 minutes (judged on the last window; charts from 0, "
            "max at the right)");
    static const char *const titles[] = {"INVOCATIONS", "4XX", "5XX", "ERROR RATE", "LATENCY"};
    int colw = (width - NAME_W - HEALTH_W - 1) / (int)MD_ARRAY_LEN(titles);
    if (rows < 3)
        return y + 1;
    text_fill(w, y, 0, width, ui_attr(MD_THEME_COLUMN_HEADER));
    text_put(w, y, 1, NAME_W - 1, "DEPLOYMENT", ui_attr(MD_THEME_COLUMN_HEADER), 0);
    text_put(w, y, NAME_W + 1, HEALTH_W - 1, "HEALTH", ui_attr(MD_THEME_COLUMN_HEADER), 0);
    for (size_t i = 0; i < MD_ARRAY_LEN(titles); i++)
        text_put(w, y, NAME_W + HEALTH_W + 1 + (int)i * colw, colw - 1, titles[i],
                 ui_attr(MD_THEME_COLUMN_HEADER), 0);
    y++;
    md_deck *deck = v->base.app->deck;
    const struct md_health_list *h = md_deck_health(deck, v->bi, v->name);
    const char *error = md_deck_health_error(deck, v->bi, v->name);
    int last = y + rows - 3;
    struct md_health_judgement whole;
    endpoint_health_judge(deck, v->bi, v->name, NULL, &whole);
    health_row(w, y++, width, h, error, "(endpoint)", "", &whole);
    /* each deployment's own verdict; the reasons of the bad ones follow */
    size_t n = v->n_deps < 32 ? v->n_deps : 32;
    struct md_health_judgement dj[32];
    size_t shown = 0;
    for (size_t i = 0; i < n && y <= last; i++, shown++) {
        endpoint_health_judge(deck, v->bi, v->name, v->deps[i], &dj[i]);
        health_row(w, y++, width, h, error, v->deps[i], v->deps[i], &dj[i]);
    }
    if (!h)
        return y + 1;
    bool any = false;
    for (size_t i = 0; i < shown && y <= last; i++) {
        if (dj[i].verdict < MD_HEALTH_VERDICT_WARN)
            continue;
        health_reason(w, y++, width, v->deps[i], &dj[i]);
        any = true;
    }
    if (!any && y <= last)
        health_reason(w, y++, width, NULL, &whole);
    return y + 1;
}

/* An observed history: "2026-11-26 10:02  value  (current)". Returns the next free line. */
static int draw_history(WINDOW *w, int y, int rows, int width, const char *title,
                        const struct md_history_entry *hv, size_t n)
{
    if (rows < 2)
        return y;
    section(w, y++, width, title);
    if (n == 0)
        text_put(w, y++, 2, width - 2, "nothing observed yet", ui_attr(MD_THEME_DIM), 0);
    for (size_t i = 0; i < n && (int)i < rows - 1; i++) {
        char t[32];
        char buf[512];
        fmt_time(hv[i].seen_ms, t, sizeof(t));
        snprintf(buf, sizeof(buf), "%s  %s%s", t, hv[i].value, i == 0 ? "  (current)" : "");
        text_put(w, y++, 2, width - 2, buf, ui_attr(i ? MD_THEME_NORMAL : MD_THEME_MARK), 0);
    }
    return y;
}

/* The platform's configs by creation time, for when mldeck has not seen a change. */
static int draw_configs(struct endpoint_view *v, WINDOW *w, int y, int rows, int width,
                        const struct md_endpoint *e)
{
    if (rows < 2)
        return y;
    section(w, y++, width, "configs (inferred from creation time)");
    const struct md_endpoint_config_list *cl =
        md_deck_endpoint_configs(v->base.app->deck, v->bi, v->name);
    if (!cl) {
        text_put(w, y++, 2, width - 2, "loading configs...", ui_attr(MD_THEME_DIM), 0);
        return y;
    }
    for (size_t i = 0; i < cl->n && (int)i < rows - 1; i++) {
        char t[32];
        char buf[512];
        bool cur = strcmp(cl->v[i].name, e->config) == 0;
        fmt_time(cl->v[i].created, t, sizeof(t));
        snprintf(buf, sizeof(buf), "created %s  %s%s", t, cl->v[i].name, cur ? "  (current)" : "");
        text_put(w, y++, 2, width - 2, buf, ui_attr(cur ? MD_THEME_MARK : MD_THEME_NORMAL), 0);
    }
    return y;
}

/* "Azure ML" for the section title, else the backend kind as it is. */
static const char *platform_title(const char *kind)
{
    return strcmp(kind, "azureml") == 0 ? "Azure ML" : kind;
}

/* Monitors whose target is a deployment of this endpoint. */
static bool monitor_here(const struct endpoint_view *v, const struct md_monitor *m)
{
    return strcmp(m->endpoint, v->name) == 0;
}

/* Lines the monitors section wants: title, one per monitor, one per signal (at least 2). */
static int monitors_rows(const struct endpoint_view *v)
{
    const struct md_monitor_list *l = md_deck_monitors(v->base.app->deck, v->bi);
    int n = 1;
    for (size_t i = 0; l && i < l->n; i++)
        if (monitor_here(v, &l->v[i]))
            n += 1 + (int)l->v[i].n_signals;
    return n < 2 ? 2 : n;
}

/* "NormalizedWassersteinDistance=0.1, JensenShannonDistance=0.1" */
static void thresholds_text(const struct md_monitor_signal *s, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_thresholds && off < len; i++) {
        char num[32];
        fmt_double(s->thresholds[i].value, num, sizeof(num));
        int n = snprintf(buf + off, len - off, "%s%s=%s", i ? ", " : "", s->thresholds[i].metric,
                         isnan(s->thresholds[i].value) ? "-" : num);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    if (s->n_thresholds == 0)
        snprintf(buf, len, "%s", "(no threshold)");
}

/* The platform's own monitors of this endpoint's deployments: signals and thresholds. */
static int draw_monitors(struct endpoint_view *v, WINDOW *w, int y, int rows, int width,
                         const char *kind)
{
    md_deck *d = v->base.app->deck;
    char buf[LOG_LINE_MAX];
    if (rows < 2)
        return y;
    snprintf(buf, sizeof(buf), "%s monitor signals (platform)", platform_title(kind));
    section(w, y++, width, buf);
    int last = y + rows - 2;
    const struct md_monitor_list *l = md_deck_monitors(d, v->bi);
    const char *err = md_deck_monitors_error(d, v->bi);
    if (!l) {
        text_put(w, y++, 2, width - 2, *err ? err : "loading monitors...",
                 ui_attr(*err ? MD_THEME_ERROR : MD_THEME_DIM), 0);
        return y + 1;
    }
    bool any = false;
    for (size_t i = 0; i < l->n && y <= last; i++) {
        const struct md_monitor *m = &l->v[i];
        if (!monitor_here(v, m))
            continue;
        any = true;
        snprintf(buf, sizeof(buf), "%s%s%s%s  on %s  model %s  %s  %s", m->name,
                 *m->display_name ? " (" : "", m->display_name, *m->display_name ? ")" : "",
                 m->deployment, *m->model ? m->model : "-", *m->trigger ? m->trigger : "-",
                 m->enabled ? "enabled" : "DISABLED");
        text_put(w, y++, 2, width - 2, buf, ui_attr(m->enabled ? MD_THEME_MARK : MD_THEME_DIM), 0);
        for (size_t j = 0; j < m->n_signals && y <= last; j++) {
            const struct md_monitor_signal *sg = &m->signals[j];
            char th[LOG_LINE_MAX];
            thresholds_text(sg, th, sizeof(th));
            snprintf(buf, sizeof(buf), "%-20s %-24s %s", sg->name, sg->type, th);
            text_put(w, y++, 4, width - 4, buf,
                     ui_attr(m->enabled ? MD_THEME_NORMAL : MD_THEME_DIM), 0);
        }
    }
    if (!any)
        text_put(w, y++, 2, width - 2, "no monitor targets the deployments of this endpoint",
                 ui_attr(MD_THEME_DIM), 0);
    if (*err)
        text_put(w, y++, 2, width - 2, err, ui_attr(MD_THEME_ERROR), 0);
    return y + 1;
}

static void draw(struct view *view, WINDOW *w)
{
    struct endpoint_view *v = (struct endpoint_view *)view;
    int h = getmaxy(w);
    int width = getmaxx(w);
    const struct md_endpoint *e = endpoint_of(v);
    char title[300];
    char pos[48];
    snprintf(title, sizeof(title), "Endpoint %s", v->name);
    table_position(&v->table, pos, sizeof(pos));
    ui_draw_title(view->app, w, title, table_filter(&v->table), 1ul << v->bi, pos);
    if (!e) {
        ui_draw_note(w, h / 2,
                     md_deck_pending(view->app->deck) ? "loading endpoint..."
                                                      : "no such endpoint (any more)",
                     MD_THEME_DIM);
        return;
    }
    if (e->n_deployments != v->n_deps)
        rebuild(v);
    draw_header(v, w, width, e);
    int y = 3;
    int dep_h = 1 + (v->n_deps ? (int)v->n_deps : 1);
    if (dep_h > (h - y) / 3 + 1)
        dep_h = (h - y) / 3 + 1 < 2 ? 2 : (h - y) / 3 + 1;
    table_draw(&v->table, w, y, 0, dep_h, width);
    y += dep_h + 1;
    int health_rows = 4 + (int)v->n_deps + health_reasons(v); /* rows, then the reasons */
    if (health_rows > (h - y) / 2)
        health_rows = (h - y) / 2;
    y = draw_health(v, w, y, health_rows, width);
    struct md_backend_status bs;
    md_deck_backend_status(view->app->deck, v->bi, &bs);
    if (bs.caps & MD_CAP_ALARMS) {
        int al_rows = alarms_section_rows(view->app->deck, v->bi, v->name);
        if (al_rows > h - y - 4)
            al_rows = h - y - 4; /* the traffic history keeps a few lines */
        y = alarms_draw_section(view->app->deck, v->bi, v->name, w, y, al_rows, width);
    }
    if (bs.caps & MD_CAP_MONITORS) {
        int mon_rows = monitors_rows(v);
        if (mon_rows > h - y - 4)
            mon_rows = h - y - 4; /* the traffic history keeps a few lines */
        y = draw_monitors(v, w, y, mon_rows, width, bs.kind);
    }
    int left = h - y;
    bool observed_change = v->n_configs >= 2;
    bool configs = *e->config || v->n_configs > 0;
    if (configs) {
        int cfg_rows = v->n_traffic ? left / 2 : left;
        int y0 = y;
        y = draw_history(w, y, observed_change ? cfg_rows : cfg_rows / 2 + 1, width,
                         "config history (observed by mldeck)", v->configs, v->n_configs);
        if (!observed_change)
            y = draw_configs(v, w, y, cfg_rows - (y - y0), width, e);
        left = h - y;
    }
    draw_history(w, y, left, width, "traffic history (observed by mldeck)", v->traffic,
                 v->n_traffic);
}

/* L: the logs view on the selected deployment. */
static unsigned logs_open(struct endpoint_view *v)
{
    size_t row;
    if (!table_selected(&v->table, &row) || row >= v->n_deps) {
        ui_status(v->base.app, MD_THEME_DIM, "logs: no deployment selected");
        return REACT_HANDLED;
    }
    struct view *lv = view_logs_new(v->base.app, v->bi, v->name, v->deps[row]);
    if (lv)
        ui_push(v->base.app, lv);
    return REACT_HANDLED | REACT_REDRAW | REACT_LAYOUT | REACT_FETCH;
}

static unsigned key(struct view *view, enum km_action act)
{
    struct endpoint_view *v = (struct endpoint_view *)view;
    switch (act) {
    case ACT_LOGS:
        return logs_open(v);
    case ACT_ROLLBACK:
        return rollback_endpoint(view->app, v->bi, v->name);
    case ACT_WEIGHTS:
        return rollback_weights_prompt(view->app, v->bi, v->name);
    case ACT_UNDO:
        return rollback_undo(view->app);
    default:
        return table_key(&v->table, act);
    }
}

static void on_change(struct view *view, unsigned mask)
{
    struct endpoint_view *v = (struct endpoint_view *)view;
    if (mask & (MD_CHANGED_ENDPOINTS | MD_CHANGED_BACKENDS | MD_CHANGED_ACTION | MD_CHANGED_AUDIT))
        rebuild(v);
    if (mask & (MD_CHANGED_HEALTH | MD_CHANGED_CONFIGS | MD_CHANGED_MONITORS | MD_CHANGED_ALARMS))
        view->dirty = true;
}

static void destroy(struct view *view)
{
    struct endpoint_view *v = (struct endpoint_view *)view;
    free_deps(v);
    free_history(v);
    table_release(&v->table);
    free(v->name);
    free(v);
}

static struct table *table(struct view *view)
{
    return &((struct endpoint_view *)view)->table;
}

struct view *view_endpoint_new(struct app *app, size_t bi, const char *endpoint)
{
    struct endpoint_view *v = md_xcalloc(1, sizeof(*v));
    v->base.ops = &view_endpoint_ops;
    v->base.app = app;
    v->bi = bi;
    v->name = md_xstrdup(endpoint);
    table_init(&v->table, &source, v);
    table_add_col(&v->table, "DEPLOYMENT", 14, 0);
    table_add_col(&v->table, "MODEL", 16, TABLE_FLEX);
    table_add_col(&v->table, "VERSION", 8, 0);
    table_add_col(&v->table, "INSTANCE TYPE", 15, 0);
    table_add_col(&v->table, "COUNT", 7, TABLE_RIGHT);
    table_add_col(&v->table, "WEIGHT", 9, TABLE_RIGHT);
    table_add_col(&v->table, "SHARE", 6, TABLE_RIGHT);
    table_add_col(&v->table, "STATUS", 13, 0);
    md_deck_want_health(app->deck, bi, endpoint, HEALTH_MINUTES);
    md_deck_want_endpoint_configs(app->deck, bi, endpoint);
    rebuild(v);
    return &v->base;
}

const struct view_ops view_endpoint_ops = {
    .name = "endpoint",
    .title = "Endpoint (deployments, history, health)",
    .keys = &endpoint_km,
    .table_nav = true,
    .create = NULL,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = on_change,
    .table = table,
};

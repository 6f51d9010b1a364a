/*
 * view_drift.c - `:drift`. Opening the view runs the context's drift jobs one
 * after the other on the core's worker thread (mldeck/drift.h), showing
 * progress; Esc cancels the running job. The table lists the features of the
 * newest window of the shown job (Tab: next job), sorted by severity, with a
 * sparkline of the stored scores. Enter: the feature's score over the stored
 * windows with its threshold, and the reference/current histogram.
 * The view owns its worker; closing the view cancels and joins it, so no
 * result ever reaches a freed view.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/config.h"
#include "mldeck/drift.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "view_drift.h"
#include "widget_chart.h"
#include "widget_table.h"

#define HIST_MAX 60  /* stored windows read per feature */
#define SPARK_CELLS 12

struct job_result {
    bool done;
    md_status st;
    char msg[256];
    struct md_drift_run run;
};

struct series {
    double *v; /* primary metric by window, oldest first */
    size_t n;
    double drift; /* threshold of the newest window */
};

struct drift_view {
    struct view base;
    struct table table;
    size_t n_jobs;
    struct job_result *res;
    md_drift_worker *worker;
    size_t running; /* job index of the worker; n_jobs when idle */
    struct md_drift_progress prog;
    size_t job;     /* the job shown */
    struct series *hist; /* per feature of the shown window */
    size_t n_hist;
    bool detail;
    size_t feat;    /* data row shown in detail */
};

enum { COL_FEATURE, COL_METHOD, COL_SCORE, COL_THRESHOLD, COL_STATUS, COL_P, COL_MISSING,
       COL_HISTORY };

static const struct km_entry drift_keys[] = {
    {{KM_ESC}, ACT_BACK, NULL, "cancel the running job, or leave the feature chart", 0},
    {{KM_TAB}, ACT_NEXT_METRIC, "job", "show the next drift job", 0},
    {{'R'}, ACT_REFRESH, "rerun", "run the context's drift jobs again (new files only)", 0},
};
static const struct km_table drift_km = {"Drift", drift_keys, MD_ARRAY_LEN(drift_keys)};

static const struct md_context *context(const struct drift_view *d)
{
    return md_deck_context(d->base.app->deck);
}

static const char *job_name(const struct drift_view *d, size_t i)
{
    const struct md_context *c = context(d);
    return c && i < c->n_drift ? c->drift[i].name : "?";
}

/* The newest window of the shown job, NULL when it has none. */
static const struct md_drift_window *shown(const struct drift_view *d)
{
    if (d->job >= d->n_jobs || !d->res[d->job].done)
        return NULL;
    const struct md_drift_run *r = &d->res[d->job].run;
    return r->n_windows ? &r->w[r->n_windows - 1] : NULL;
}

static const struct md_drift_feature *feature(const struct drift_view *d, size_t row)
{
    const struct md_drift_window *w = shown(d);
    return w && row < w->n ? &w->f[row] : NULL;
}

/* The role and glyph of a status, so it reads without colour too. */
static enum md_theme_role status_role(enum md_drift_status s)
{
    switch (s) {
    case MD_DRIFT_STATUS_DRIFT:
        return MD_THEME_DRIFT_HIGH;
    case MD_DRIFT_STATUS_WARN:
        return MD_THEME_DRIFT_MED;
    case MD_DRIFT_STATUS_OK:
        return MD_THEME_DRIFT_LOW;
    default:
        return MD_THEME_DIM;
    }
}

static const char *status_glyph(enum md_drift_status s)
{
    switch (s) {
    case MD_DRIFT_STATUS_DRIFT:
        return text_glyph("\u2716", "X");
    case MD_DRIFT_STATUS_WARN:
        return text_glyph("\u25b2", "!");
    case MD_DRIFT_STATUS_OK:
        return text_glyph("\u2713", "+");
    default:
        return text_glyph("\u00b7", "-");
    }
}

static bool is_p_method(enum md_drift_method m)
{
    return m == MD_DRIFT_KS || m == MD_DRIFT_CHI2;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len,
                 enum md_theme_role *role)
{
    struct drift_view *d = ctx;
    const struct md_drift_feature *f = feature(d, row);
    if (!f)
        return;
    const struct md_drift_metric *m = &f->m[f->primary];
    bool any = m->present;
    switch (col) {
    case COL_FEATURE:
        snprintf(buf, len, "%s%s", f->name, f->prediction ? " (pred)" : "");
        break;
    case COL_METHOD:
        snprintf(buf, len, "%s", any ? md_drift_method_label(f->primary) : "-");
        break;
    case COL_SCORE:
        if (any)
            fmt_double(m->value, buf, len);
        break;
    case COL_THRESHOLD:
        if (any)
            snprintf(buf, len, "%s%g", is_p_method(f->primary) ? "p<" : "", m->drift);
        break;
    case COL_STATUS:
        snprintf(buf, len, "%s %s", status_glyph(f->status), md_drift_status_name(f->status));
        *role = status_role(f->status);
        break;
    case COL_P:
        if (any && !isnan(m->p_value))
            snprintf(buf, len, m->p_value < 1e-300 ? "<1e-300" : "%.3g", m->p_value);
        break;
    case COL_MISSING:
        if (!isnan(f->missing_cur))
            snprintf(buf, len, "%.1f%%", 100 * f->missing_cur);
        break;
    case COL_HISTORY:
        if (row < d->n_hist)
            sparkline_text(d->hist[row].v, d->hist[row].n, SPARK_CELLS, true, buf, len);
        *role = MD_THEME_CHART_1;
        break;
    default:
        break;
    }
}

/* Severity first (the window's own order), then the text of the column. */
static int cmp(void *ctx, size_t a, size_t b, size_t col)
{
    struct drift_view *d = ctx;
    const struct md_drift_feature *x = feature(d, a), *y = feature(d, b);
    if (!x || !y)
        return 0;
    if (col == COL_STATUS || col == COL_SCORE) {
        double sx = isnan(x->severity) ? -1 : x->severity;
        double sy = isnan(y->severity) ? -1 : y->severity;
        if (x->status != y->status)
            return x->status < y->status ? -1 : 1;
        return sx < sy ? -1 : sx > sy ? 1 : 0;
    }
    char bx[128] = "", by[128] = "";
    enum md_theme_role ignore;
    cell(ctx, a, col, bx, sizeof(bx), &ignore);
    cell(ctx, b, col, by, sizeof(by), &ignore);
    return strcmp(bx, by);
}

static const struct table_source source = {cell, cmp, NULL};

static void hist_free(struct drift_view *d)
{
    for (size_t i = 0; i < d->n_hist; i++)
        free(d->hist[i].v);
    free(d->hist);
    d->hist = NULL;
    d->n_hist = 0;
}

/* Stored scores of every shown feature, read once per result (not per frame). */
static void hist_load(struct drift_view *d)
{
    hist_free(d);
    const struct md_drift_window *w = shown(d);
    md_store *s = md_deck_store(d->base.app->deck);
    if (!w)
        return;
    d->hist = md_xcalloc(w->n ? w->n : 1, sizeof(*d->hist));
    d->n_hist = w->n;
    for (size_t i = 0; i < w->n; i++) {
        const struct md_drift_feature *f = &w->f[i];
        struct md_drift_point *pts = NULL;
        size_t n = 0;
        struct md_err err = MD_ERR_INIT;
        d->hist[i].drift = f->m[f->primary].drift;
        if (!s || md_drift_store_history(s, job_name(d, d->job), f->name, f->primary, HIST_MAX,
                                         &pts, &n, &err)) {
            /* No store (or it failed): the newest value alone. */
            d->hist[i].v = md_xcalloc(1, sizeof(double));
            d->hist[i].v[0] = f->m[f->primary].value;
            d->hist[i].n = 1;
            continue;
        }
        d->hist[i].v = md_xcalloc(n ? n : 1, sizeof(double));
        for (size_t k = 0; k < n; k++) /* newest first from the store */
            d->hist[i].v[k] = pts[n - 1 - k].value;
        d->hist[i].n = n;
        free(pts);
    }
}

static void show_job(struct drift_view *d, size_t job)
{
    d->job = job;
    d->detail = false;
    const struct md_drift_window *w = shown(d);
    hist_load(d);
    table_rebuild(&d->table, w ? w->n : 0);
    d->base.dirty = true;
}

/* The state the worker writes to: its own connection to the deck's file, never :memory:. */
static char *state_path(const struct drift_view *d)
{
    const char *p = d->base.app->opts->state_path;
    if (p && !strcmp(p, ":memory:"))
        return NULL;
    return p ? md_xstrdup(p) : md_config_default_state_path();
}

/* Start the first job after `from` that starts; failures are recorded as results. */
static void start_from(struct drift_view *d, size_t from)
{
    const struct md_context *c = context(d);
    d->running = d->n_jobs;
    char *state = state_path(d);
    for (size_t i = from; c && i < d->n_jobs && i < c->n_drift; i++) {
        struct md_err err = MD_ERR_INIT;
        md_status st = md_drift_worker_start_job(&d->worker, &c->drift[i], state, &err);
        if (!st) {
            d->running = i;
            d->prog = (struct md_drift_progress){.phase = "starting"};
            break;
        }
        d->res[i].done = true;
        d->res[i].st = st;
        snprintf(d->res[i].msg, sizeof(d->res[i].msg), "%s", err.msg);
    }
    free(state);
    d->base.dirty = true;
}

int view_drift_fd(struct view *v)
{
    if (!v || v->ops != &view_drift_ops)
        return -1;
    struct drift_view *d = (struct drift_view *)v;
    return d->worker ? md_drift_worker_fd(d->worker) : -1;
}

unsigned view_drift_on_fd(struct view *v)
{
    if (!v || v->ops != &view_drift_ops)
        return REACT_NONE;
    struct drift_view *d = (struct drift_view *)v;
    if (!d->worker)
        return REACT_NONE;
    if (!md_drift_worker_poll(d->worker, &d->prog)) {
        v->dirty = true;
        return REACT_REDRAW;
    }
    struct job_result *r = &d->res[d->running];
    struct md_err err = MD_ERR_INIT;
    struct md_drift_run run;
    r->st = md_drift_worker_collect(d->worker, &run, &err);
    /* A rerun with no new data (or a failed one) keeps the windows already shown. */
    if (run.n_windows || !r->run.n_windows) {
        md_drift_run_release(&r->run);
        r->run = run;
    } else {
        r->run.files_skipped = run.files_skipped;
        md_drift_run_release(&run);
    }
    snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
    r->done = true;
    md_drift_worker_free(d->worker);
    d->worker = NULL;
    size_t finished = d->running;
    if (r->st && r->st != MD_ERR_CANCELLED)
        ui_status(v->app, MD_THEME_ERROR, "drift job '%s': %s", job_name(d, finished), r->msg);
    if (finished == d->job)
        show_job(d, d->job);
    if (r->st == MD_ERR_CANCELLED)
        d->running = d->n_jobs; /* Esc stops the queue too */
    else
        start_from(d, finished + 1);
    v->dirty = true;
    return REACT_REDRAW;
}

static struct view *create(struct app *app)
{
    struct drift_view *d = md_xcalloc(1, sizeof(*d));
    d->base.ops = &view_drift_ops;
    d->base.app = app;
    table_init(&d->table, &source, d);
    table_add_col(&d->table, "FEATURE", 22, 0);
    table_add_col(&d->table, "METHOD", 9, TABLE_NOSORT);
    table_add_col(&d->table, "SCORE", 10, TABLE_RIGHT);
    table_add_col(&d->table, "THRESHOLD", 10, TABLE_RIGHT | TABLE_NOSORT);
    table_add_col(&d->table, "STATUS", 8, 0);
    table_add_col(&d->table, "P-VALUE", 9, TABLE_RIGHT | TABLE_OPTIONAL);
    table_add_col(&d->table, "MISSING", 8, TABLE_RIGHT | TABLE_OPTIONAL);
    table_add_col(&d->table, "HISTORY", SPARK_CELLS, TABLE_NOSORT | TABLE_OPTIONAL);
    const struct md_context *c = context(d);
    d->n_jobs = c ? c->n_drift : 0;
    d->res = md_xcalloc(d->n_jobs ? d->n_jobs : 1, sizeof(*d->res));
    d->running = d->n_jobs;
    table_rebuild(&d->table, 0);
    start_from(d, 0);
    return &d->base;
}

static void destroy(struct view *v)
{
    struct drift_view *d = (struct drift_view *)v;
    md_drift_worker_free(d->worker); /* cancels and joins: nothing outlives the view */
    for (size_t i = 0; i < d->n_jobs; i++)
        md_drift_run_release(&d->res[i].run);
    free(d->res);
    hist_free(d);
    table_release(&d->table);
    free(d);
}

/* "48k", "1.0M". */
static void fmt_count(uint64_t v, char *b, size_t n)
{
    if (v >= 1000000)
        snprintf(b, n, "%.1fM", (double)v / 1e6);
    else if (v >= 10000)
        snprintf(b, n, "%.0fk", (double)v / 1e3);
    else
        snprintf(b, n, "%llu", (unsigned long long)v);
}

/* Line 1: progress while the shown job runs, else the window's verdict. */
static void draw_summary(struct drift_view *d, WINDOW *w, int y, int width)
{
    char line[512];
    enum md_theme_role role = MD_THEME_NORMAL;
    const struct job_result *r = d->job < d->n_jobs ? &d->res[d->job] : NULL;
    const struct md_drift_window *win = shown(d);
    if (d->worker && d->running == d->job) {
        snprintf(line, sizeof(line), "running '%s': %s %.0f%%  (Esc cancels)",
                 job_name(d, d->job), d->prog.phase ? d->prog.phase : "starting",
                 100 * d->prog.fraction);
        role = MD_THEME_STATUS_WARN;
    } else if (r && r->done && r->st) {
        snprintf(line, sizeof(line), "'%s': %s", job_name(d, d->job),
                 r->st == MD_ERR_CANCELLED ? "cancelled (R reruns)" : r->msg);
        role = r->st == MD_ERR_CANCELLED ? MD_THEME_DIM : MD_THEME_ERROR;
    } else if (win) {
        char a[32], b[32], nr[16], nc[16], share[16];
        fmt_time(win->start_ms, a, sizeof(a));
        fmt_time(win->end_ms, b, sizeof(b));
        fmt_count(win->rows_ref, nr, sizeof(nr));
        fmt_count(win->rows_cur, nc, sizeof(nc));
        if (isnan(win->drift_share))
            snprintf(share, sizeof(share), "n/a");
        else
            snprintf(share, sizeof(share), "%.0f%%", 100 * win->drift_share);
        snprintf(line, sizeof(line), "%s %zu of %zu features drifted (%s) %s dataset drift: %s "
                 "%s %s%s%s %s n_ref %s / n_cur %s",
                 status_glyph(win->dataset_drift ? MD_DRIFT_STATUS_DRIFT : MD_DRIFT_STATUS_OK),
                 win->n_drifted, win->n_tested, share, text_glyph("\u00b7", "|"),
                 win->dataset_drift ? "YES" : "NO", text_glyph("\u00b7", "|"), a,
                 win->start_ms == win->end_ms ? "" : " - ",
                 win->start_ms == win->end_ms ? "" : b, text_glyph("\u00b7", "|"), nr, nc);
        role = win->dataset_drift ? MD_THEME_DRIFT_HIGH : MD_THEME_DRIFT_LOW;
    } else if (r && r->done) {
        snprintf(line, sizeof(line), "'%s': no new current data (%zu files already processed)",
                 job_name(d, d->job), r->run.files_skipped);
        role = MD_THEME_DIM;
    } else {
        snprintf(line, sizeof(line), "'%s': waiting for the job before it", job_name(d, d->job));
        role = MD_THEME_DIM;
    }
    text_put(w, y, 0, width, line, ui_attr(role), 0);
}

/* A dashed line at the threshold's height, over the chart chart_draw() scaled by min/max. */
static void draw_threshold(WINDOW *w, int y, int h, int width, const struct series *s)
{
    double lo = 0, hi = 0;
    bool any = false;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->v[i]))
            continue;
        lo = !any || s->v[i] < lo ? s->v[i] : lo;
        hi = !any || s->v[i] > hi ? s->v[i] : hi;
        any = true;
    }
    if (!any || !isfinite(s->drift))
        return;
    if (hi == lo) { /* widget_chart.c pads a flat line the same way */
        double pad = fabs(lo) * 0.05 + 0.5;
        lo -= pad;
        hi += pad;
    }
    char label[48];
    snprintf(label, sizeof(label), "threshold %g", s->drift);
    int ph = h - 1;
    if (s->drift > hi || s->drift < lo) {
        text_put(w, y, 12, width - 12, s->drift > hi ? "threshold above the chart"
                                                     : "threshold below the chart",
                 ui_attr(MD_THEME_DRIFT_HIGH), 0);
        return;
    }
    int row = y + (int)lround((hi - s->drift) / (hi - lo) * (ph - 1));
    const char *dash = text_glyph("\u2504", "-");
    for (int x = 11; x < width; x += 2)
        text_put(w, row, x, 1, dash, ui_attr(MD_THEME_DRIFT_HIGH), 0);
    text_put(w, row, width - text_width(label), text_width(label), label,
             ui_attr(MD_THEME_DRIFT_HIGH), 0);
}

/* Reference against current, a bar pair per bin or category. */
static void draw_histogram(WINDOW *w, int y, int h, int width, const struct md_drift_feature *f)
{
    size_t nb = f->type == MD_DRIFT_CATEGORICAL ? f->n_cats : f->n_edges + 1;
    const uint64_t *rc = f->type == MD_DRIFT_CATEGORICAL ? f->cats_ref : f->bins_ref;
    const uint64_t *cc = f->type == MD_DRIFT_CATEGORICAL ? f->cats_cur : f->bins_cur;
    if (f->type == MD_DRIFT_TYPE_UNKNOWN || nb == 0 || h < 2)
        return;
    uint64_t tr = 0, tc = 0;
    for (size_t i = 0; i < nb; i++) {
        tr += rc[i];
        tc += cc[i];
    }
    text_put(w, y, 0, width, "histogram: reference (top) vs current (bottom), share of rows",
             ui_attr(MD_THEME_TITLE), 0);
    int barw = width - 24;
    for (size_t i = 0; i < nb && (int)(2 * i) + 2 < h && barw > 4; i++) {
        char label[64];
        if (f->type == MD_DRIFT_CATEGORICAL) {
            snprintf(label, sizeof(label), "%s", f->cats[i] ? f->cats[i] : "(other)");
        } else {
            char a[24], b[24];
            fmt_double(i ? f->edges[i - 1] : -INFINITY, a, sizeof(a));
            fmt_double(i < f->n_edges ? f->edges[i] : INFINITY, b, sizeof(b));
            snprintf(label, sizeof(label), "[%s, %s)", a, b);
        }
        double sr = tr ? (double)rc[i] / (double)tr : 0;
        double sc = tc ? (double)cc[i] / (double)tc : 0;
        int yy = y + 1 + (int)(2 * i);
        text_put(w, yy, 0, 16, label, ui_attr(MD_THEME_DIM), 0);
        char pr[16], pc[16];
        snprintf(pr, sizeof(pr), "%5.1f%%", 100 * sr);
        snprintf(pc, sizeof(pc), "%5.1f%%", 100 * sc);
        text_put(w, yy, 16, 7, pr, ui_attr(MD_THEME_NORMAL), 0);
        text_put(w, yy + 1, 16, 7, pc, ui_attr(MD_THEME_NORMAL), 0);
        const char *full = text_glyph("\u2588", "#");
        const char *half = text_glyph("\u2592", "=");
        for (int x = 0; x < (int)lround(sr * barw); x++)
            text_put(w, yy, 24 + x, 1, full, ui_attr(MD_THEME_CHART_1), 0);
        for (int x = 0; x < (int)lround(sc * barw); x++)
            text_put(w, yy + 1, 24 + x, 1, half, ui_attr(MD_THEME_CHART_2), 0);
    }
}

static void draw_detail(struct drift_view *d, WINDOW *w, int h, int width)
{
    const struct md_drift_feature *f = feature(d, d->feat);
    if (!f) {
        d->detail = false;
        return;
    }
    char title[256];
    snprintf(title, sizeof(title), "Drift %s %s %s %s", job_name(d, d->job),
             text_glyph("\u203a", ">"), f->name, md_drift_method_label(f->primary));
    ui_draw_title(d->base.app, w, title, NULL, 0, NULL);
    char line[256];
    const struct md_drift_metric *m = &f->m[f->primary];
    char v[32];
    fmt_double(m->value, v, sizeof(v));
    snprintf(line, sizeof(line), "%s %s  score %s  threshold %s%g  %s  n_ref %llu / n_cur %llu",
             status_glyph(f->status), md_drift_status_name(f->status), v,
             is_p_method(f->primary) ? "p<" : "", m->drift, md_drift_type_name(f->type),
             (unsigned long long)f->n_ref, (unsigned long long)f->n_cur);
    text_put(w, 1, 0, width, line, ui_attr(status_role(f->status)), 0);
    int ch = (h - 3) / 2 > 4 ? (h - 3) / 2 : h - 3;
    const struct series *s = d->feat < d->n_hist ? &d->hist[d->feat] : NULL;
    if (s && s->n) {
        struct md_metric_point *pts = md_xcalloc(s->n, sizeof(*pts));
        for (size_t i = 0; i < s->n; i++) {
            pts[i].step = (int64_t)i + 1;
            pts[i].value = s->v[i];
        }
        chart_draw(w, 2, 0, ch, width, pts, s->n, ui_attr(MD_THEME_CHART_1),
                   ui_attr(MD_THEME_DIM));
        draw_threshold(w, 2, ch, width, s);
        free(pts);
    }
    draw_histogram(w, 3 + ch, h - 3 - ch, width, f);
}

static void draw(struct view *v, WINDOW *w)
{
    struct drift_view *d = (struct drift_view *)v;
    int h = getmaxy(w), width = getmaxx(w);
    if (d->n_jobs == 0) {
        ui_draw_title(v->app, w, "Drift", NULL, 0, NULL);
        ui_draw_note(w, h / 2, "no drift jobs in this context: add 'drift:' to its config",
                     MD_THEME_DIM);
        return;
    }
    if (d->detail) {
        draw_detail(d, w, h, width);
        return;
    }
    char title[160], pos[32];
    snprintf(title, sizeof(title), "Drift %s %s (%zu/%zu, Tab: next)", text_glyph("\u203a", ">"),
             job_name(d, d->job), d->job + 1, d->n_jobs);
    table_position(&d->table, pos, sizeof(pos));
    ui_draw_title(v->app, w, title, table_filter(&d->table), 0, pos);
    draw_summary(d, w, 1, width);
    if (d->table.n)
        table_draw(&d->table, w, 2, 0, h - 2, width);
    else if (shown(d))
        ui_draw_note(w, h / 2, "no feature matches the filter", MD_THEME_DIM);
}

static unsigned key(struct view *v, enum km_action act)
{
    struct drift_view *d = (struct drift_view *)v;
    v->dirty = true;
    switch (act) {
    case ACT_BACK:
        if (d->worker && d->running == d->job) {
            md_drift_worker_cancel(d->worker);
            ui_status(v->app, MD_THEME_STATUS_WARN, "cancelling drift job '%s'",
                      job_name(d, d->running));
            return REACT_HANDLED | REACT_REDRAW;
        }
        if (d->detail) {
            d->detail = false;
            return REACT_HANDLED | REACT_REDRAW;
        }
        return REACT_NONE; /* the global Esc: clear the filter, or pop */
    case ACT_OPEN:
        if (!d->detail && table_selected(&d->table, &d->feat))
            d->detail = true;
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_NEXT_METRIC:
        if (d->n_jobs > 1)
            show_job(d, (d->job + 1) % d->n_jobs);
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_REFRESH:
        if (!d->worker)
            start_from(d, 0);
        return REACT_HANDLED | REACT_REDRAW;
    default:
        if (d->detail)
            return REACT_NONE;
        return table_key(&d->table, act);
    }
}

static struct table *table(struct view *v)
{
    struct drift_view *d = (struct drift_view *)v;
    return d->detail ? NULL : &d->table;
}

const struct view_ops view_drift_ops = {
    .name = "drift",
    .title = "Data drift",
    .keys = &drift_km,
    .table_nav = true,
    .create = create,
    .free = destroy,
    .draw = draw,
    .key = key,
    .on_change = NULL,
    .table = table,
    .wait_fd = view_drift_fd,
    .on_fd = view_drift_on_fd,
};

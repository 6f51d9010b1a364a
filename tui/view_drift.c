/*
 * view_drift.c - `:drift`. Opening the view shows the newest stored window of
 * every drift job of the context at once (md_drift_store_latest()), then runs
 * the jobs one after the other on the core's worker thread for new data,
 * showing progress; a run that produced windows replaces what is shown, a
 * run with no new data leaves it. Esc cancels the running job. The table
 * lists the features of the shown job (Tab: next job) sorted by severity,
 * with a sparkline of the stored scores; below it, the platform's own
 * verdicts (SageMaker Model Monitor violations, Azure ML monitor signals;
 * view_drift_platform.c) in a section of their own, never merged into
 * mldeck's scores. Enter: the feature screen
 * (view_drift_chart.c). The view owns its worker; closing the view cancels
 * and joins it, so no result ever reaches a freed view.
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
#include "view_drift_int.h"
#include "widget_chart.h"
#include "widget_table.h"

#define HIST_MAX 60 /* stored windows read per feature */
#define SPARK_CELLS 12

struct job_result {
    bool done; /* the worker ran this job (or failed to start it) since the view opened */
    md_status st;
    char msg[256];
    struct md_drift_run run; /* the last run: counts, platform results; its windows when unstored */
    bool fresh;              /* that run produced windows */
    struct md_drift_window stored; /* the newest stored window */
    bool has_stored;
    int64_t stored_ms; /* when it was computed */
};

struct drift_view {
    struct view base;
    struct table table;
    size_t n_jobs;
    struct job_result *res;
    md_drift_worker *worker;
    size_t running; /* job index of the worker; n_jobs when idle */
    struct md_drift_progress prog;
    size_t job;                /* the job shown */
    struct drift_series *hist; /* per feature of the shown window */
    size_t n_hist;
    bool detail;
    size_t feat;              /* data row shown in detail */
    struct drift_mark *marks; /* changes of the shown job's endpoint, loaded with the detail */
    size_t n_marks;
};

enum {
    COL_FEATURE,
    COL_METHOD,
    COL_SCORE,
    COL_THRESHOLD,
    COL_STATUS,
    COL_P,
    COL_MISSING,
    COL_HISTORY
};

static const struct km_entry drift_keys[] = {
    {{KM_ESC}, ACT_BACK, NULL, "leave the feature chart, or cancel the running job", 0},
    {{KM_TAB}, ACT_NEXT_METRIC, "job", "show the next drift job", 0},
    {{'R'}, ACT_REFRESH, "rerun", "run the context's drift jobs again (new files only)", 0},
    {{KM_ENTER},
     ACT_OPEN,
     "chart",
     "the feature's score over time with its threshold, deployment markers and histogram",
     0},
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

static const char *job_target(const struct drift_view *d, size_t i)
{
    const struct md_context *c = context(d);
    return c && i < c->n_drift && c->drift[i].endpoint ? c->drift[i].endpoint : "";
}

/* The newest window of job i: the stored one, else the last run's (no store); NULL when none. */
static const struct md_drift_window *window_of(const struct drift_view *d, size_t i)
{
    if (i >= d->n_jobs)
        return NULL;
    const struct job_result *r = &d->res[i];
    if (r->has_stored)
        return &r->stored;
    return r->run.n_windows ? &r->run.w[r->run.n_windows - 1] : NULL;
}

static const struct md_drift_window *shown(const struct drift_view *d)
{
    return window_of(d, d->job);
}

static const struct md_drift_feature *feature(const struct drift_view *d, size_t row)
{
    const struct md_drift_window *w = shown(d);
    return w && row < w->n ? &w->f[row] : NULL;
}

enum md_theme_role view_drift_status_role(enum md_drift_status s)
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

const char *view_drift_status_glyph(enum md_drift_status s)
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

const char *view_drift_method_label(enum md_drift_method m)
{
    /* the core's labels carry σ, ₂ and χ: ASCII mode needs its own spelling */
    static const char *const ascii[MD_DRIFT_METHOD_COUNT] = {
        [MD_DRIFT_PSI] = "PSI(dec)", [MD_DRIFT_W1] = "W1/sd",  [MD_DRIFT_JS] = "JS2",
        [MD_DRIFT_KS] = "KS D",      [MD_DRIFT_CHI2] = "chi2",
    };
    if (text_ascii() && (unsigned)m < MD_DRIFT_METHOD_COUNT)
        return ascii[m];
    return md_drift_method_label(m);
}

static bool is_p_method(enum md_drift_method m)
{
    return m == MD_DRIFT_KS || m == MD_DRIFT_CHI2;
}

static void cell(void *ctx, size_t row, size_t col, char *buf, size_t len, enum md_theme_role *role)
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
        snprintf(buf, len, "%s", any ? view_drift_method_label(f->primary) : "-");
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
        snprintf(buf, len, "%s %s", view_drift_status_glyph(f->status),
                 md_drift_status_name(f->status));
        *role = view_drift_status_role(f->status);
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
    for (size_t i = 0; i < d->n_hist; i++) {
        free(d->hist[i].v);
        free(d->hist[i].p);
        free(d->hist[i].t);
    }
    free(d->hist);
    d->hist = NULL;
    d->n_hist = 0;
}

/* One series: the stored windows of a feature, or the shown value alone without a store. */
static void series_load(struct drift_view *d, const struct md_drift_window *w,
                        const struct md_drift_feature *f, struct drift_series *out)
{
    md_store *s = md_deck_store(d->base.app->deck);
    struct md_drift_point *pts = NULL;
    size_t n = 0;
    struct md_err err = MD_ERR_INIT;
    bool by_p = is_p_method(f->primary); /* judged on p: charted on p, sparkline of the score */
    out->drift = f->m[f->primary].drift;
    if (!s ||
        md_drift_store_history(s, job_name(d, d->job), f->name, f->primary, HIST_MAX, &pts, &n,
                               &err) ||
        n == 0) {
        free(pts);
        out->v = md_xcalloc(1, sizeof(double));
        out->p = md_xcalloc(1, sizeof(double));
        out->t = md_xcalloc(1, sizeof(int64_t));
        out->v[0] = f->m[f->primary].value;
        out->p[0] = by_p ? f->m[f->primary].p_value : out->v[0];
        out->t[0] = w->start_ms + (w->end_ms - w->start_ms) / 2;
        out->lo = w->start_ms;
        out->hi = w->end_ms;
        out->n = 1;
        return;
    }
    out->v = md_xcalloc(n, sizeof(double));
    out->p = md_xcalloc(n, sizeof(double));
    out->t = md_xcalloc(n, sizeof(int64_t));
    for (size_t k = 0; k < n; k++) { /* newest first from the store */
        const struct md_drift_point *p = &pts[n - 1 - k];
        out->v[k] = p->value;
        out->p[k] = by_p ? p->p_value : p->value;
        out->t[k] = p->start_ms + (p->end_ms - p->start_ms) / 2;
    }
    out->lo = pts[n - 1].start_ms;
    out->hi = pts[0].end_ms;
    out->n = n;
    free(pts);
}

/* Stored scores of every shown feature, read once per result (not per frame). */
static void hist_load(struct drift_view *d)
{
    hist_free(d);
    const struct md_drift_window *w = shown(d);
    if (!w)
        return;
    d->hist = md_xcalloc(w->n ? w->n : 1, sizeof(*d->hist));
    d->n_hist = w->n;
    for (size_t i = 0; i < w->n; i++)
        series_load(d, w, &w->f[i], &d->hist[i]);
}

static void marks_load(struct drift_view *d)
{
    free(d->marks);
    d->n_marks = drift_marks_load(d->base.app, job_target(d, d->job), &d->marks);
}

/*
 * Show job `job` from its newest window. With `keep` (the feature on screen
 * before a new window replaced the old one) the feature screen stays open on
 * that feature, found by name: a new window may order the features anew.
 */
static void show_job(struct drift_view *d, size_t job, const char *keep)
{
    d->job = job;
    d->detail = false;
    const struct md_drift_window *w = shown(d);
    hist_load(d);
    table_rebuild(&d->table, w ? w->n : 0);
    for (size_t i = 0; keep && w && i < w->n; i++) {
        if (!strcmp(w->f[i].name, keep)) {
            d->feat = i;
            d->detail = true;
        }
    }
    d->base.dirty = true;
}

/* The newest stored window of job i, read from the deck's own connection. */
static void stored_load(struct drift_view *d, size_t i)
{
    struct job_result *r = &d->res[i];
    md_drift_window_release(&r->stored);
    r->has_stored = false;
    md_store *s = md_deck_store(d->base.app->deck);
    struct md_err err = MD_ERR_INIT;
    md_status st = s ? md_drift_store_latest(s, job_name(d, i), &r->stored, &r->stored_ms, &err)
                     : MD_ERR_NOT_FOUND;
    r->has_stored = st == MD_OK;
    if (st && st != MD_ERR_NOT_FOUND)
        ui_status(d->base.app, MD_THEME_ERROR, "drift job '%s': %s", job_name(d, i), err.msg);
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
    size_t finished = d->running;
    struct job_result *r = &d->res[finished];
    const struct md_drift_feature *open =
        d->detail && finished == d->job ? feature(d, d->feat) : NULL;
    char *keep = open ? md_xstrdup(open->name) : NULL; /* before its window is replaced */
    struct md_err err = MD_ERR_INIT;
    struct md_drift_run old = r->run; /* counts and platform results are replaced whatever */
    r->st = md_drift_worker_collect(d->worker, &r->run, &err);
    snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
    r->done = true;
    md_drift_worker_free(d->worker);
    d->worker = NULL;
    /* New windows replace what is shown; a run with no new data (or a failed one) keeps it. */
    r->fresh = r->run.n_windows > 0;
    if (r->fresh) {
        stored_load(d, finished);
    } else if (!r->has_stored && old.n_windows) { /* no store: the old run's windows stay */
        free(r->run.w);
        r->run.w = old.w;
        r->run.n_windows = old.n_windows;
        old.w = NULL;
        old.n_windows = 0;
    }
    md_drift_run_release(&old);
    if (r->st && r->st != MD_ERR_CANCELLED)
        ui_status(v->app, MD_THEME_ERROR, "drift job '%s': %s", job_name(d, finished), r->msg);
    if (finished == d->job && r->fresh)
        show_job(d, d->job, keep);
    free(keep);
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
    /* What the last session computed shows at once; the worker then looks for new data. */
    for (size_t i = 0; i < d->n_jobs; i++)
        stored_load(d, i);
    show_job(d, 0, NULL);
    start_from(d, 0);
    return &d->base;
}

struct view *view_drift_new_for(struct app *app, const char *target)
{
    const struct md_context *c = md_deck_context(app->deck);
    size_t job = c ? c->n_drift : 0;
    for (size_t i = 0; c && i < c->n_drift && job == c->n_drift; i++)
        if (c->drift[i].endpoint && !strcmp(c->drift[i].endpoint, target))
            job = i;
    if (!c || job == c->n_drift)
        return NULL;
    struct drift_view *d = (struct drift_view *)create(app);
    show_job(d, job, NULL);
    return &d->base;
}

static void destroy(struct view *v)
{
    struct drift_view *d = (struct drift_view *)v;
    md_drift_worker_free(d->worker); /* cancels and joins: nothing outlives the view */
    for (size_t i = 0; i < d->n_jobs; i++) {
        md_drift_run_release(&d->res[i].run);
        md_drift_window_release(&d->res[i].stored);
    }
    free(d->res);
    hist_free(d);
    free(d->marks);
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

/* Line 1: the shown window's verdict, or why there is none. */
static void draw_verdict(struct drift_view *d, WINDOW *w, int y, int width)
{
    char line[512];
    enum md_theme_role role = MD_THEME_DIM;
    const struct job_result *r = &d->res[d->job];
    const struct md_drift_window *win = shown(d);
    if (win) {
        char a[32], b[32], nr[16], nc[16], share[16];
        fmt_time(win->start_ms, a, sizeof(a));
        fmt_time(win->end_ms, b, sizeof(b));
        fmt_count(win->rows_ref, nr, sizeof(nr));
        fmt_count(win->rows_cur, nc, sizeof(nc));
        if (isnan(win->drift_share))
            snprintf(share, sizeof(share), "n/a");
        else
            snprintf(share, sizeof(share), "%.0f%%", 100 * win->drift_share);
        const char *dot = text_glyph("\u00b7", "|");
        snprintf(line, sizeof(line),
                 "%s %zu of %zu features drifted (%s) %s dataset drift: %s "
                 "%s %s%s%s %s n_ref %s / n_cur %s",
                 view_drift_status_glyph(win->dataset_drift ? MD_DRIFT_STATUS_DRIFT
                                                            : MD_DRIFT_STATUS_OK),
                 win->n_drifted, win->n_tested, share, dot, win->dataset_drift ? "YES" : "NO", dot,
                 a, win->start_ms == win->end_ms ? "" : " - ",
                 win->start_ms == win->end_ms ? "" : b, dot, nr, nc);
        role = win->dataset_drift ? MD_THEME_DRIFT_HIGH : MD_THEME_DRIFT_LOW;
    } else if (r->done && !r->st) {
        snprintf(line, sizeof(line), "'%s': no new current data (%zu files already processed)",
                 job_name(d, d->job), r->run.files_skipped);
    } else if (d->worker && d->running == d->job) {
        snprintf(line, sizeof(line), "'%s': no stored results yet", job_name(d, d->job));
    } else if (r->done) {
        snprintf(line, sizeof(line), "'%s': no results", job_name(d, d->job));
    } else {
        snprintf(line, sizeof(line), "'%s': waiting for the job before it", job_name(d, d->job));
    }
    text_put(w, y, 0, width, line, ui_attr(role), 0);
}

/* Line 2: where the shown window comes from, and what the worker is doing about it. */
static void draw_source(struct drift_view *d, WINDOW *w, int y, int width)
{
    char line[512], age[16] = "";
    enum md_theme_role role = MD_THEME_DIM;
    const struct job_result *r = &d->res[d->job];
    const char *dot = text_glyph("\u00b7", "|");
    if (r->has_stored)
        fmt_age(md_now_ms() - r->stored_ms, age, sizeof(age));
    char stored[64] = "";
    if (r->has_stored)
        snprintf(stored, sizeof(stored), " %s showing stored results computed %s ago", dot, age);
    if (d->worker && d->running == d->job) {
        snprintf(line, sizeof(line), "running '%s': %s %.0f%%  (Esc cancels)%s",
                 job_name(d, d->job), d->prog.phase ? d->prog.phase : "starting",
                 100 * d->prog.fraction, stored);
        role = MD_THEME_STATUS_WARN;
    } else if (r->done && r->st) {
        snprintf(line, sizeof(line), "'%s': %s%s", job_name(d, d->job),
                 r->st == MD_ERR_CANCELLED ? "cancelled (R reruns)" : r->msg, stored);
        role = r->st == MD_ERR_CANCELLED ? MD_THEME_DIM : MD_THEME_ERROR;
    } else if (r->done && r->fresh) {
        snprintf(line, sizeof(line), "updated from %zu new file%s (%zu already processed)",
                 r->run.files_read, r->run.files_read == 1 ? "" : "s", r->run.files_skipped);
    } else if (r->done && r->has_stored) {
        snprintf(line, sizeof(line),
                 "no new current data (%zu files already processed) %s "
                 "stored results computed %s ago",
                 r->run.files_skipped, dot, age);
    } else if (r->has_stored) {
        snprintf(line, sizeof(line),
                 "stored results computed %s ago %s waiting for the job "
                 "before it",
                 age, dot);
    } else {
        return;
    }
    text_put(w, y, 0, width, line, ui_attr(role), 0);
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
    const struct md_drift_feature *f = d->detail ? feature(d, d->feat) : NULL;
    if (f) {
        struct drift_detail dd = {
            .job = job_name(d, d->job),
            .target = job_target(d, d->job),
            .f = f,
            .s = d->feat < d->n_hist ? &d->hist[d->feat] : NULL,
            .marks = d->marks,
            .n_marks = d->n_marks,
        };
        drift_detail_draw(v->app, w, h, width, &dd);
        return;
    }
    d->detail = false;
    char title[160], pos[32];
    snprintf(title, sizeof(title), "Drift %s %s (%zu/%zu, Tab: next)", text_glyph("\u203a", ">"),
             job_name(d, d->job), d->job + 1, d->n_jobs);
    table_position(&d->table, pos, sizeof(pos));
    ui_draw_title(v->app, w, title, table_filter(&d->table), 0, pos);
    draw_verdict(d, w, 1, width);
    draw_source(d, w, 2, width);
    const struct md_drift_run *r = &d->res[d->job].run;
    int prows = drift_platform_rows(v->app, r, job_target(d, d->job), h - 3);
    if (d->table.n)
        table_draw(&d->table, w, 3, 0, h - 3 - prows, width);
    else if (shown(d))
        ui_draw_note(w, 3 + (h - 3 - prows) / 2, "no feature matches the filter", MD_THEME_DIM);
    if (prows)
        drift_platform_draw(v->app, r, job_target(d, d->job), w, h - prows, prows, width);
}

static unsigned key(struct view *v, enum km_action act)
{
    struct drift_view *d = (struct drift_view *)v;
    v->dirty = true;
    switch (act) {
    case ACT_BACK:
        /* The chart first: stored results can be browsed while the job runs. */
        if (d->detail) {
            d->detail = false;
            return REACT_HANDLED | REACT_REDRAW;
        }
        if (d->worker && d->running == d->job) {
            md_drift_worker_cancel(d->worker);
            ui_status(v->app, MD_THEME_STATUS_WARN, "cancelling drift job '%s'",
                      job_name(d, d->running));
            return REACT_HANDLED | REACT_REDRAW;
        }
        return REACT_NONE; /* the global Esc: clear the filter, or pop */
    case ACT_OPEN:
        if (!d->detail && table_selected(&d->table, &d->feat)) {
            d->detail = true;
            marks_load(d);
        }
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_NEXT_METRIC:
        if (d->n_jobs > 1)
            show_job(d, (d->job + 1) % d->n_jobs, NULL);
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

/* An action or a refresh may have moved the endpoint: the markers follow. */
static void on_change(struct view *v, unsigned mask)
{
    struct drift_view *d = (struct drift_view *)v;
    if (d->detail && (mask & (MD_CHANGED_AUDIT | MD_CHANGED_ACTION | MD_CHANGED_ENDPOINTS))) {
        marks_load(d);
        v->dirty = true;
    }
    if (!d->detail && (mask & MD_CHANGED_MONITORS))
        v->dirty = true; /* the Azure ML monitors of the section below the table */
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
    .on_change = on_change,
    .table = table,
    .wait_fd = view_drift_fd,
    .on_fd = view_drift_on_fd,
};

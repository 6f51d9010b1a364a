/*
 * view_drift_chart.c - one feature of `:drift` (Enter): its primary score
 * over the stored windows on a time axis, the threshold as a dashed line,
 * a marker where the job's endpoint was deployed, rolled back or had its
 * traffic moved, a legend naming those changes, and the reference/current
 * histogram. The markers come from the audit log and from what mldeck saw
 * the endpoint pointing at, both through the deck: this file reads, never
 * writes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"
#include "theme_curses.h"
#include "view_drift.h"
#include "view_drift_int.h"
#include "widget_chart.h"

#define OBSERVED_MAX 64               /* observations read per endpoint and kind */
#define EXPLAINED_MS (10 * 60 * 1000) /* an observation this close to an action is that action */
#define LEGEND_MAX 4

static bool is_p_method(enum md_drift_method m)
{
    return m == MD_DRIFT_KS || m == MD_DRIFT_CHI2;
}

/* "12:03" today, "11-30 12:03" before: the legend stays short for recent changes. */
static void when_text(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    time_t now = (time_t)(md_now_ms() / 1000);
    struct tm tm, today;
    if (!localtime_r(&t, &tm) || !localtime_r(&now, &today)) {
        snprintf(buf, len, "-");
        return;
    }
    bool same_day = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
    if (strftime(buf, len, same_day ? "%H:%M" : "%m-%d %H:%M", &tm) == 0)
        snprintf(buf, len, "-");
}

/* What an operator calls the audit log's action names. */
static const char *action_label(const char *action)
{
    static const struct {
        const char *action;
        const char *label;
    } names[] = {
        {"endpoint-rollback", "rollback"}, {"endpoint-undo", "roll forward"},
        {"weights-set", "traffic shift"},  {"weights-undo", "traffic undo"},
        {"alias-rollback", "rollback"},    {"alias-undo", "roll forward"},
        {"alias-set", "alias set"},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(names); i++)
        if (!strcmp(action, names[i].action))
            return names[i].label;
    return action;
}

static struct drift_mark *mark_push(struct drift_mark **v, size_t *n, size_t *cap, int64_t ms)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = md_xrealloc(*v, *cap * sizeof(**v));
    }
    struct drift_mark *m = &(*v)[(*n)++];
    m->ms = ms;
    m->text[0] = '\0';
    return m;
}

/* True when an action of the same kind within EXPLAINED_MS already marks this change. */
static bool explained(const int64_t *acted, const bool *traffic_of, size_t n, int64_t ms,
                      bool traffic)
{
    for (size_t i = 0; i < n; i++)
        if (traffic_of[i] == traffic && llabs(acted[i] - ms) <= EXPLAINED_MS)
            return true;
    return false;
}

static int cmp_mark(const void *a, const void *b)
{
    int64_t x = ((const struct drift_mark *)a)->ms, y = ((const struct drift_mark *)b)->ms;
    return x < y ? 1 : x > y ? -1 : 0;
}

size_t drift_marks_load(struct app *a, const char *target, struct drift_mark **out)
{
    *out = NULL;
    if (!target || !*target)
        return 0;
    size_t n = 0, cap = 0;
    bool alias = strchr(target, '@') != NULL;
    char cfg[512], traffic[512];
    /* The audit log's target names (model.h): an alias is named as it is. */
    if (alias)
        snprintf(cfg, sizeof(cfg), "%s", target);
    else
        md_endpoint_target(cfg, sizeof(cfg), target, false);
    md_endpoint_target(traffic, sizeof(traffic), target, true);
    const char *arrow = text_glyph("\u2192", "->");
    const struct md_audit_entry *v;
    size_t na;
    md_actions_audit(a->actions, &v, &na);
    int64_t *acted = md_xcalloc(na ? na : 1, sizeof(*acted));
    bool *acted_traffic = md_xcalloc(na ? na : 1, sizeof(*acted_traffic));
    size_t n_acted = 0;
    for (size_t i = 0; i < na; i++) {
        const struct md_audit_entry *e = &v[i];
        bool is_traffic = !alias && !strcmp(e->target, traffic);
        if ((strcmp(e->target, cfg) && !is_traffic) || strcmp(e->phase, "finished") ||
            strcmp(e->outcome, "ok"))
            continue;
        acted[n_acted] = e->ts_ms;
        acted_traffic[n_acted++] = is_traffic;
        char when[32];
        when_text(e->ts_ms, when, sizeof(when));
        struct drift_mark *m = mark_push(out, &n, &cap, e->ts_ms);
        snprintf(m->text, sizeof(m->text), "%s %s %s %s %s %s by %s", when, action_label(e->action),
                 alias ? "alias" : "endpoint", target, arrow, e->after, e->who[0] ? e->who : "?");
    }
    /* Changes seen on refresh: deployments made elsewhere (CI, the console, another operator). */
    size_t nb = md_deck_backend_count(a->deck);
    for (size_t bi = 0; bi < nb; bi++) {
        for (int kind = 0; kind < (alias ? 1 : 2); kind++) {
            struct md_history_entry *h = NULL;
            size_t nh = 0;
            struct md_backend_status st;
            md_status rc;
            if (alias)
                rc = md_deck_backend_status(a->deck, bi, &st)
                         ? md_store_history_list(md_deck_store(a->deck), st.name, target,
                                                 OBSERVED_MAX, &h, &nh, NULL)
                         : MD_ERR_NOT_FOUND;
            else
                rc =
                    md_deck_endpoint_history(a->deck, bi, target, kind == 1, OBSERVED_MAX, &h, &nh);
            if (rc)
                continue;
            /* h[i] replaced h[i + 1]; the oldest entry is only when mldeck first looked. */
            for (size_t i = 0; i + 1 < nh; i++) {
                if (explained(acted, acted_traffic, n_acted, h[i].seen_ms, kind == 1))
                    continue;
                char when[32];
                when_text(h[i].seen_ms, when, sizeof(when));
                struct drift_mark *m = mark_push(out, &n, &cap, h[i].seen_ms);
                snprintf(m->text, sizeof(m->text), "%s %s %s %s %s %s (observed)", when,
                         kind == 1 ? "traffic" : "deploy", alias ? "alias" : "endpoint", target,
                         arrow, h[i].value);
            }
            md_store_history_free(h, nh);
        }
    }
    /* The platform's own history of the endpoint: deployments CI or a console made, with who. */
    for (size_t bi = 0; !alias && bi < nb; bi++) {
        struct md_change_list ch = {0};
        if (md_deck_changes(a->deck, bi, target, OBSERVED_MAX, &ch) == MD_OK) {
            for (size_t i = 0; i < ch.n; i++) {
                const struct md_change *c = &ch.v[i];
                if (!c->at_ms || (c->status && !strcmp(c->status, "Failed")))
                    continue;
                char when[32];
                when_text(c->at_ms, when, sizeof(when));
                struct drift_mark *m = mark_push(out, &n, &cap, c->at_ms);
                snprintf(m->text, sizeof(m->text), "%s %s %s %s by %s (%s)", when, c->operation,
                         target, c->detail ? c->detail : "", c->actor && *c->actor ? c->actor : "?",
                         c->source ? c->source : "platform");
            }
        }
        md_change_list_release(&ch);
    }
    free(acted);
    free(acted_traffic);
    if (n > 1) /* *out is NULL when nothing was found, and qsort's pointer must not be */
        qsort(*out, n, sizeof(**out), cmp_mark);
    return n;
}

/* The x range: the windows, stretched to a marker up to half their span beyond either end. */
static void x_range(const struct drift_series *s, const struct drift_mark *m, size_t n, int64_t *lo,
                    int64_t *hi)
{
    *lo = s->lo;
    *hi = s->hi;
    int64_t span = s->hi > s->lo ? s->hi - s->lo : 3600 * 1000;
    if (*hi <= *lo) { /* one window without a time: an hour around it */
        *lo -= span / 2;
        *hi += span / 2;
    }
    int64_t lo0 = *lo, hi0 = *hi;
    for (size_t i = 0; i < n; i++) {
        if (m[i].ms > *hi && m[i].ms <= hi0 + span / 2)
            *hi = m[i].ms;
        if (m[i].ms < *lo && m[i].ms >= lo0 - span / 2)
            *lo = m[i].ms;
    }
}

/* Below the chart: the markers it shows, newest first, then how many it leaves out. */
static int draw_legend(WINDOW *w, int y, int rows, int width, const struct drift_detail *d,
                       int64_t lo, int64_t hi)
{
    attr_t a = ui_attr(MD_THEME_STATUS_WARN);
    char line[512];
    if (!d->target[0]) {
        text_put(w, y, 0, width, "(set `endpoint:` on the drift job to mark its deployments)",
                 ui_attr(MD_THEME_DIM), 0);
        return 1;
    }
    if (d->n_marks == 0) {
        snprintf(line, sizeof(line), "no deployment or rollback of '%s' known to mldeck",
                 d->target);
        text_put(w, y, 0, width, line, ui_attr(MD_THEME_DIM), 0);
        return 1;
    }
    int used = 0;
    size_t outside = 0;
    for (size_t i = 0; i < d->n_marks; i++) {
        if (d->marks[i].ms < lo || d->marks[i].ms > hi) {
            outside++;
            continue;
        }
        if (used < rows - 1 || (used < rows && i + 1 == d->n_marks)) {
            snprintf(line, sizeof(line), "%s %s", chart_mark_glyph(), d->marks[i].text);
            text_put(w, y + used++, 0, width, line, a, 0);
        } else {
            outside++;
        }
    }
    if (outside && used < rows) {
        snprintf(line, sizeof(line),
                 "%zu more change%s of '%s' outside the charted windows "
                 "(:audit lists them)",
                 outside, outside == 1 ? "" : "s", d->target);
        text_put(w, y + used++, 0, width, line, ui_attr(MD_THEME_DIM), 0);
    }
    return used;
}

/* Reference against current, a bar pair per bin or category. */
static void draw_histogram(WINDOW *w, int y, int h, int width, const struct md_drift_feature *f)
{
    size_t nb = f->type == MD_DRIFT_CATEGORICAL ? f->n_cats : f->n_edges + 1;
    const uint64_t *rc = f->type == MD_DRIFT_CATEGORICAL ? f->cats_ref : f->bins_ref;
    const uint64_t *cc = f->type == MD_DRIFT_CATEGORICAL ? f->cats_cur : f->bins_cur;
    if (h < 2)
        return;
    if (f->type == MD_DRIFT_TYPE_UNKNOWN || nb == 0 ||
        (f->type == MD_DRIFT_NUMERIC && f->n_edges == 0)) {
        text_put(w, y, 0, width, "no histogram stored for this window (rerun the job: R)",
                 ui_attr(MD_THEME_DIM), 0);
        return;
    }
    uint64_t tr = 0, tc = 0;
    for (size_t i = 0; i < nb; i++) {
        tr += rc[i];
        tc += cc[i];
    }
    text_put(w, y, 0, width, "histogram: reference (top) vs current (bottom), share of rows",
             ui_attr(MD_THEME_TITLE), 0);
    int lw = 22; /* "[-12.3456, 78.9012)": both edges at fmt_double's 6 digits */
    int barw = width - lw - 8;
    for (size_t i = 0; i < nb && (int)(2 * i) + 2 < h && barw > 4; i++) {
        char label[64];
        if (f->type == MD_DRIFT_CATEGORICAL) {
            snprintf(label, sizeof(label), "%s", f->cats[i] ? f->cats[i] : "(other)");
        } else {
            char lo[24], hi[24];
            fmt_double(i ? f->edges[i - 1] : -INFINITY, lo, sizeof(lo));
            fmt_double(i < f->n_edges ? f->edges[i] : INFINITY, hi, sizeof(hi));
            snprintf(label, sizeof(label), "[%s, %s)", lo, hi);
        }
        double sr = tr ? (double)rc[i] / (double)tr : 0;
        double sc = tc ? (double)cc[i] / (double)tc : 0;
        int yy = y + 1 + (int)(2 * i);
        text_put(w, yy, 0, lw, label, ui_attr(MD_THEME_DIM), 0);
        char pr[16], pc[16];
        snprintf(pr, sizeof(pr), "%5.1f%%", 100 * sr);
        snprintf(pc, sizeof(pc), "%5.1f%%", 100 * sc);
        text_put(w, yy, lw, 7, pr, ui_attr(MD_THEME_NORMAL), 0);
        text_put(w, yy + 1, lw, 7, pc, ui_attr(MD_THEME_NORMAL), 0);
        const char *full = text_glyph("\u2588", "#");
        const char *half = text_glyph("\u2592", "=");
        for (int x = 0; x < (int)lround(sr * barw); x++)
            text_put(w, yy, lw + 8 + x, 1, full, ui_attr(MD_THEME_CHART_1), 0);
        for (int x = 0; x < (int)lround(sc * barw); x++)
            text_put(w, yy + 1, lw + 8 + x, 1, half, ui_attr(MD_THEME_CHART_2), 0);
    }
}

void drift_detail_draw(const struct app *a, WINDOW *w, int h, int width,
                       const struct drift_detail *d)
{
    const struct md_drift_feature *f = d->f;
    char title[256];
    /* p-value methods are judged on p, so their chart is of p against the p threshold */
    snprintf(title, sizeof(title), "Drift %s %s %s %s %s over time", d->job,
             text_glyph("\u203a", ">"), f->name, view_drift_method_label(f->primary),
             is_p_method(f->primary) ? "p-value" : "score");
    ui_draw_title(a, w, title, NULL, 0, NULL);
    char line[256];
    const struct md_drift_metric *m = &f->m[f->primary];
    char v[32];
    fmt_double(m->value, v, sizeof(v));
    snprintf(line, sizeof(line), "%s %s  score %s  threshold %s%g  %s  n_ref %llu / n_cur %llu",
             view_drift_status_glyph(f->status), md_drift_status_name(f->status), v,
             is_p_method(f->primary) ? "p<" : "", m->drift, md_drift_type_name(f->type),
             (unsigned long long)f->n_ref, (unsigned long long)f->n_cur);
    text_put(w, 1, 0, width, line, ui_attr(view_drift_status_role(f->status)), 0);
    int ch = (h - 3) / 2 > 4 ? (h - 3) / 2 : h - 3;
    int y = 2;
    const struct drift_series *s = d->s;
    if (s && s->n) {
        int64_t lo, hi;
        x_range(s, d->marks, d->n_marks, &lo, &hi);
        struct md_metric_point *pts = md_xcalloc(s->n, sizeof(*pts));
        for (size_t i = 0; i < s->n; i++) {
            pts[i].step = s->t[i];
            pts[i].value = s->p[i];
        }
        int64_t *xs = md_xcalloc(d->n_marks ? d->n_marks : 1, sizeof(*xs));
        for (size_t i = 0; i < d->n_marks; i++)
            xs[i] = d->marks[i].ms;
        char label[48];
        snprintf(label, sizeof(label), "threshold %g", s->drift);
        struct chart_opts o = {
            .time_axis = true,
            .x_lo = lo,
            .x_hi = hi,
            .has_hline = isfinite(s->drift),
            .hline = s->drift,
            .hline_label = label,
            .hline_attr = ui_attr(MD_THEME_DRIFT_HIGH),
            .marks = xs,
            .n_marks = d->n_marks,
            .mark_attr = ui_attr(MD_THEME_STATUS_WARN),
        };
        chart_draw_opts(w, y, 0, ch, width, pts, s->n, ui_attr(MD_THEME_CHART_1),
                        ui_attr(MD_THEME_DIM), &o);
        free(pts);
        free(xs);
        y += ch;
        y += draw_legend(w, y, h - y - 4 > LEGEND_MAX ? LEGEND_MAX : 1, width, d, lo, hi);
    }
    draw_histogram(w, y + 1, h - y - 1, width, f);
}

/*
 * view_drift_platform.c - the bottom of `:drift`: what the platforms say
 * about the same data, each under a title of its own and never merged into
 * mldeck's table (their methods, windows and thresholds differ):
 *  - SageMaker Model Monitor: the violations of the job's `violations:` file,
 *    carried by the run (md_drift_run.platform);
 *  - Azure ML: the monitors (md_deck_monitors) whose target is the job's
 *    endpoint, with each signal's thresholds. Their computed values live in
 *    the monitors' own runs, which mldeck does not read, so these rows say
 *    what the platform watches and alerts on, not a verdict.
 * The section is laid out as lines first, so its height is known before
 * anything is drawn and the table above can give it room.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mldeck/deck.h"
#include "mldeck/drift.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "view_drift.h"
#include "view_drift_int.h"

#define MIN_ROWS 4   /* the section takes up to a third of the body, at least this */
#define MAX_LINES 96 /* more would not fit a screen anyway; the rest is counted */

enum line_kind { L_TITLE, L_HEADER, L_ITEM, L_ERROR };

struct line {
    enum line_kind kind;
    enum md_drift_status st; /* items: DRIFT for a violation, NA for a configured signal */
    char a[128];             /* feature, or signal name */
    char b[64];              /* check, or signal type */
    char c[384];             /* the platform's description, or thresholds; titles: the text */
};

struct layout {
    struct line v[MAX_LINES];
    size_t n;
    size_t dropped; /* lines past MAX_LINES */
};

static struct line *add(struct layout *l, enum line_kind kind)
{
    if (l->n == MAX_LINES) {
        l->dropped++;
        return NULL;
    }
    struct line *ln = &l->v[l->n++];
    memset(ln, 0, sizeof(*ln));
    ln->kind = kind;
    return ln;
}

static void add_text(struct layout *l, enum line_kind kind, const char *text)
{
    struct line *ln = add(l, kind);
    if (ln)
        snprintf(ln->c, sizeof(ln->c), "%s", text);
}

static void layout_sagemaker(struct layout *l, const struct md_drift_run *r)
{
    char buf[384];
    if (r->platform_error) {
        snprintf(buf, sizeof(buf), "platform: %s", r->platform_error);
        add_text(l, L_ERROR, buf);
        return;
    }
    if (!r->n_platform)
        return;
    size_t violated = 0;
    for (size_t i = 0; i < r->n_platform; i++)
        violated += r->platform[i].violated;
    const char *dot = text_glyph("\u00b7", "|");
    snprintf(buf, sizeof(buf),
             "%s (platform) %s %zu violation%s %s not merged with the scores "
             "above",
             r->platform[0].source, dot, violated, violated == 1 ? "" : "s", dot);
    add_text(l, L_TITLE, buf);
    add(l, L_HEADER);
    for (size_t i = 0; i < r->n_platform; i++) {
        const struct md_drift_platform_item *p = &r->platform[i];
        struct line *ln = add(l, L_ITEM);
        if (!ln)
            continue;
        ln->st = p->violated ? MD_DRIFT_STATUS_DRIFT : MD_DRIFT_STATUS_OK;
        snprintf(ln->a, sizeof(ln->a), "%s", p->feature[0] ? p->feature : "(dataset)");
        snprintf(ln->b, sizeof(ln->b), "%s", p->check);
        /* the platform's own words: its value and threshold are already in them */
        snprintf(ln->c, sizeof(ln->c), "%s", p->detail);
    }
}

/* "JensenShannonDistance=0.1 (Numerical), NullValueRate=0.02" into buf. */
static void thresholds_text(const struct md_monitor_signal *s, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_thresholds && used + 1 < n; i++) {
        const struct md_monitor_threshold *t = &s->thresholds[i];
        char val[40] = "";
        if (!isnan(t->value))
            snprintf(val, sizeof(val), "=%g", t->value);
        int k = snprintf(buf + used, n - used, "%s%s%s%s%s%s", i ? ", " : "", t->metric, val,
                         t->data_type[0] ? " (" : "", t->data_type, t->data_type[0] ? ")" : "");
        if (k < 0)
            break;
        used += (size_t)k < n - used ? (size_t)k : n - used - 1;
    }
    if (!s->n_thresholds)
        snprintf(buf, n, "no threshold set");
}

static void layout_monitor(struct layout *l, const struct md_monitor *m)
{
    char buf[384];
    const char *dot = text_glyph("\u00b7", "|");
    snprintf(buf, sizeof(buf),
             "Azure ML monitor %s (platform) %s on %s %s %s %s %s %s "
             "thresholds only: the values are in the monitor's runs",
             m->name, dot, m->deployment[0] ? m->deployment : "?", dot,
             m->trigger[0] ? m->trigger : "no trigger", dot, m->enabled ? "enabled" : "DISABLED",
             dot);
    add_text(l, L_TITLE, buf);
    add(l, L_HEADER);
    for (size_t i = 0; i < m->n_signals; i++) {
        const struct md_monitor_signal *s = &m->signals[i];
        struct line *ln = add(l, L_ITEM);
        if (!ln)
            continue;
        ln->st = MD_DRIFT_STATUS_NA;
        snprintf(ln->a, sizeof(ln->a), "%s", s->name);
        snprintf(ln->b, sizeof(ln->b), "%s", s->type);
        thresholds_text(s, ln->c, sizeof(ln->c));
    }
}

static void layout_build(struct layout *l, struct app *a, const struct md_drift_run *r,
                         const char *target)
{
    l->n = l->dropped = 0;
    layout_sagemaker(l, r);
    if (!target || !target[0])
        return;
    for (size_t bi = 0; bi < md_deck_backend_count(a->deck); bi++) {
        const struct md_monitor_list *ml = md_deck_monitors(a->deck, bi);
        for (size_t i = 0; ml && i < ml->n; i++)
            if (strcmp(ml->v[i].endpoint, target) == 0)
                layout_monitor(l, &ml->v[i]);
    }
}

int drift_platform_rows(struct app *a, const struct md_drift_run *r, const char *target, int h)
{
    struct layout l;
    layout_build(&l, a, r, target);
    if (!l.n)
        return 0;
    int cap = h / 3 > MIN_ROWS ? h / 3 : MIN_ROWS;
    int want = 1 + (int)l.n; /* a blank row parts it from the table */
    return want < cap ? want : cap;
}

void drift_platform_draw(struct app *a, const struct md_drift_run *r, const char *target, WINDOW *w,
                         int y, int rows, int width)
{
    struct layout l;
    layout_build(&l, a, r, target);
    int fw = 24, cw = 26, dx = 4 + fw + cw;
    int room = rows - 1;
    for (size_t i = 0; (int)i < room && i < l.n; i++) {
        const struct line *ln = &l.v[i];
        int yy = y + 1 + (int)i;
        if ((int)i == room - 1 && i + 1 < l.n) {
            char more[64];
            snprintf(more, sizeof(more), "... %zu more", l.n - i + l.dropped);
            text_put(w, yy, 2, width - 2, more, ui_attr(MD_THEME_DIM), 0);
            break;
        }
        switch (ln->kind) {
        case L_TITLE:
            text_put(w, yy, 0, width, ln->c, ui_attr(MD_THEME_TITLE), TEXT_PAD);
            break;
        case L_ERROR:
            text_put(w, yy, 0, width, ln->c, ui_attr(MD_THEME_ERROR), 0);
            break;
        case L_HEADER:
            text_put(w, yy, 2, fw, "FEATURE/SIGNAL", ui_attr(MD_THEME_DIM), 0);
            text_put(w, yy, 3 + fw, cw, "CHECK", ui_attr(MD_THEME_DIM), 0);
            text_put(w, yy, dx, width - dx, "DESCRIPTION / THRESHOLDS", ui_attr(MD_THEME_DIM), 0);
            break;
        case L_ITEM: {
            attr_t at = ui_attr(view_drift_status_role(ln->st));
            text_put(w, yy, 0, 1, view_drift_status_glyph(ln->st), at, 0);
            text_put(w, yy, 2, fw, ln->a, ui_attr(MD_THEME_NORMAL), 0);
            text_put(w, yy, 3 + fw, cw, ln->b, at, 0);
            text_put(w, yy, dx, width - dx, ln->c, ui_attr(MD_THEME_NORMAL), 0);
            break;
        }
        }
    }
}

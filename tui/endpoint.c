/*
 * endpoint.c - endpoint facts as text for the Overview and the endpoint
 * screen: status glyphs, live versions, health cells, the last change.
 */
#include "endpoint.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"
#include "widget_chart.h"

static bool status_is(const char *status, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(status, words[i]) == 0)
            return true;
    return false;
}

static const char *const ok_words[] = {"InService", "Succeeded"};
static const char *const moving_words[] = {"Creating",    "Updating", "SystemUpdating",
                                           "RollingBack", "Deleting", "Provisioning",
                                           "InProgress"};

enum md_theme_role endpoint_status_role(const char *status)
{
    if (!status || !*status)
        return MD_THEME_DIM;
    if (status_is(status, ok_words, MD_ARRAY_LEN(ok_words)))
        return MD_THEME_STATUS_OK;
    if (strcmp(status, "Failed") == 0)
        return MD_THEME_STATUS_FAIL;
    return MD_THEME_STATUS_WARN;
}

void endpoint_status_text(const char *status, char *buf, size_t len)
{
    const char *glyph;
    if (!status || !*status) {
        snprintf(buf, len, "%s", "-");
        return;
    }
    if (status_is(status, ok_words, MD_ARRAY_LEN(ok_words)))
        glyph = text_glyph("\u25cf", "+");
    else if (strcmp(status, "Failed") == 0)
        glyph = text_glyph("\u2716", "x");
    else if (strcmp(status, "RollingBack") == 0)
        glyph = text_glyph("\u21ba", "<");
    else if (status_is(status, moving_words, MD_ARRAY_LEN(moving_words)))
        glyph = text_glyph("\u21bb", "~");
    else
        glyph = "?";
    snprintf(buf, len, "%s %s", glyph, status);
}

/* snprintf at *off, moving it; stops quietly when the buffer is full. */
static void addf(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void addf(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
    if (*off >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *off, len - *off, fmt, ap);
    va_end(ap);
    if (n > 0)
        *off += (size_t)n < len - *off ? (size_t)n : len - *off - 1;
}

void endpoint_live_text(const struct md_endpoint *e, char *buf, size_t len)
{
    size_t off = 0;
    const char *prev = NULL; /* a model named once: "fraud v7 90% · v8 10%" */
    buf[0] = 0;
    for (size_t i = 0; i < e->n_deployments; i++) {
        const struct md_deployment *dep = &e->deployments[i];
        if (!(dep->share > 0))
            continue;
        const char *model = *dep->model ? dep->model : dep->name;
        bool same = prev && *dep->version && strcmp(prev, model) == 0;
        addf(buf, len, &off, "%s%s%s%s%s %.0f%%", off ? text_glyph(" \u00b7 ", ", ") : "",
             same ? "" : model, *dep->version && !same ? " " : "", *dep->version ? "v" : "",
             dep->version, dep->share * 100);
        prev = model;
    }
    if (!off)
        snprintf(buf, len, "%s", "no traffic");
}

void endpoint_weights_spec(const struct md_endpoint *e, char *buf, size_t len)
{
    char *w = md_endpoint_weights_string(e, false);
    snprintf(buf, len, "%s", w);
    free(w);
}

static const struct md_health_series *series(const struct md_health_list *h, const char *dep,
                                             enum md_health_metric m)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (h->v[i].metric == m && strcmp(h->v[i].deployment, dep) == 0)
            return &h->v[i];
    return NULL;
}

/* Value of s at time t (both ascending: *cur walks forward); 0 when s has no point there. */
static double value_at(const struct md_health_series *s, int64_t t, size_t *cur)
{
    if (!s)
        return 0;
    while (*cur < s->n && s->t[*cur] < t)
        (*cur)++;
    return *cur < s->n && s->t[*cur] == t && isfinite(s->v[*cur]) ? s->v[*cur] : 0;
}

/* Errors per invocation in percent, point by point; malloc'd, *n points. */
static double *error_rate(const struct md_health_list *h, const char *dep, size_t *n)
{
    const struct md_health_series *inv = series(h, dep, MD_HEALTH_INVOCATIONS);
    const struct md_health_series *e4 = series(h, dep, MD_HEALTH_4XX);
    const struct md_health_series *e5 = series(h, dep, MD_HEALTH_5XX);
    *n = 0;
    if (!inv || inv->n == 0)
        return NULL;
    double *v = md_xcalloc(inv->n, sizeof(*v));
    size_t c4 = 0;
    size_t c5 = 0;
    for (size_t i = 0; i < inv->n; i++) {
        double errors = value_at(e4, inv->t[i], &c4) + value_at(e5, inv->t[i], &c5);
        double calls = inv->v[i];
        v[i] = isfinite(calls) && calls > 0 ? errors / calls * 100 : 0;
    }
    *n = inv->n;
    return v;
}

static void fmt_value(enum endpoint_metric m, double v, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
    } else if (m == ENDPOINT_ERROR_RATE) {
        snprintf(buf, len, v < 10 ? "%.1f%%" : "%.0f%%", v);
    } else if (m == ENDPOINT_LATENCY) {
        if (v < 1000)
            snprintf(buf, len, "%.0fus", v);
        else if (v < 1e6)
            snprintf(buf, len, v < 1e4 ? "%.1fms" : "%.0fms", v / 1e3);
        else
            snprintf(buf, len, "%.1fs", v / 1e6);
    } else if (v < 1000) {
        snprintf(buf, len, "%.0f", v);
    } else {
        snprintf(buf, len, v < 1e6 ? "%.1fk" : "%.1fM", v < 1e6 ? v / 1e3 : v / 1e6);
    }
}

void endpoint_health_cell(const struct md_health_list *h, const char *deployment,
                          enum endpoint_metric m, int cells, bool with_last, char *buf, size_t len)
{
    buf[0] = 0;
    size_t n = 0;
    double *owned = NULL;
    const double *v = NULL;
    if (m == ENDPOINT_ERROR_RATE) {
        v = owned = error_rate(h, deployment, &n);
    } else {
        const struct md_health_series *s = series(h, deployment, (enum md_health_metric)m);
        /* the whole request's p99 where the platform gives it: what the HEALTH verdict reads */
        const struct md_health_series *p99 = series(h, deployment, MD_HEALTH_P99_US);
        if (m == ENDPOINT_LATENCY && p99 && p99->n > 0)
            s = p99;
        if (s) {
            v = s->v;
            n = s->n;
        }
    }
    if (!v || n == 0) {
        free(owned);
        return;
    }
    double last = NAN;
    double max = NAN;
    for (size_t i = n; i-- > 0;) {
        if (!isfinite(last))
            last = v[i];
        if (isfinite(v[i]) && (!isfinite(max) || v[i] > max))
            max = v[i];
    }
    char spark[128];
    char val[32];
    char top[32];
    /* Every chart starts at 0, so a flat line is flat; the label at its end is its top. */
    sparkline_text(v, n, cells, true, spark, sizeof(spark));
    fmt_value(m, last, val, sizeof(val));
    fmt_value(m, max, top, sizeof(top));
    if (with_last)
        snprintf(buf, len, "%s %s max %s", spark, val, top);
    else
        snprintf(buf, len, "%s max %s", spark, top);
    free(owned);
}

bool endpoint_last_change(md_deck *d, const md_actions *acts, size_t bi,
                          const struct md_endpoint *e, struct md_who *who)
{
    (void)d;
    return md_actions_who_endpoint(acts, bi, e, who);
}

/* Local HH:MM, the day too when it is not today's. */
static void hhmm(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    time_t now = (time_t)(md_now_ms() / 1000);
    struct tm tm;
    struct tm today;
    if (ms <= 0 || !localtime_r(&t, &tm) || !localtime_r(&now, &today)) {
        snprintf(buf, len, "?");
        return;
    }
    bool same_day = tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year;
    if (strftime(buf, len, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, len, "?");
}

void endpoint_who_text(const struct md_who *w, char *buf, size_t len)
{
    char a[32];
    char b[32];
    size_t off = 0;
    buf[0] = 0;
    if (w->at_ms > 0) {
        char age[16];
        hhmm(w->at_ms, a, sizeof(a));
        fmt_age(md_now_ms() - w->at_ms, age, sizeof(age));
        addf(buf, len, &off, "changed %s (%s ago)", a, age);
    } else if (w->after_ms > 0) {
        hhmm(w->after_ms, a, sizeof(a));
        hhmm(w->before_ms, b, sizeof(b));
        addf(buf, len, &off, "changed between %s and %s", a, b);
    } else {
        hhmm(w->before_ms, b, sizeof(b));
        addf(buf, len, &off, "changed before %s", b);
    }
    addf(buf, len, &off, " by %s", w->by);
    static const struct {
        const char *source;
        const char *says;
    } says[] = {
        {"cloudtrail", "CloudTrail"},
        {"activity-log", "Activity Log"},
        {"systemData", "Azure systemData"},
        {"mldeck", "mldeck audit"},
        {"observed", "seen by mldeck, no platform history"},
        {"platform", "platform's last-modified time"},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(says); i++)
        if (!strcmp(w->source, says[i].source))
            addf(buf, len, &off, " (%s)", says[i].says);
    if (w->what[0])
        addf(buf, len, &off, ": %s", w->what);
}

void endpoint_who_cells(const struct md_who *w, char *changed, size_t clen, char *by, size_t blen)
{
    int64_t t = w->at_ms > 0 ? w->at_ms : w->before_ms;
    char age[16];
    if (t > 0) {
        fmt_age(md_now_ms() - t, age, sizeof(age));
        /* only bracketed: it happened at most this long ago */
        snprintf(changed, clen, "%s%s ago", w->at_ms > 0 ? "" : text_glyph("\u2264", "<"), age);
    } else {
        snprintf(changed, clen, "-");
    }
    snprintf(by, blen, "%s", w->by[0] ? w->by : "unknown");
}

void endpoint_platform(const md_deck *d, size_t bi, char *buf, size_t len)
{
    struct md_backend_status st;
    if (!md_deck_backend_status(d, bi, &st)) {
        snprintf(buf, len, "?");
        return;
    }
    /* a backend the deck found by itself (a workspace's MLflow) always goes by its name */
    size_t same = 0;
    size_t nb = md_deck_backend_count(d);
    for (size_t i = 0; i < nb; i++) {
        struct md_backend_status o;
        if (md_deck_backend_status(d, i, &o) && !*o.via && strcmp(o.kind, st.kind) == 0)
            same++;
    }
    snprintf(buf, len, "%s", same > 1 || *st.via ? st.name : st.kind);
}

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

#include "text.h"
#include "widget_chart.h"

/* An action's audit entry counts as the change when it is this close to what was observed. */
#define AUDIT_SLACK_MS 60000

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

/* Newest successful action on the endpoint (either target) in the audit log. */
static bool audit_change(const md_actions *acts, const char *backend, const char *endpoint,
                         int64_t *when, char *who, size_t who_len)
{
    const struct md_audit_entry *v;
    size_t n;
    char cfg[512];
    char traffic[512];
    md_endpoint_target(cfg, sizeof(cfg), endpoint, false);
    md_endpoint_target(traffic, sizeof(traffic), endpoint, true);
    md_actions_audit(acts, &v, &n);
    for (size_t i = 0; i < n; i++) {
        const struct md_audit_entry *e = &v[i];
        if ((strcmp(e->target, cfg) == 0 || strcmp(e->target, traffic) == 0) &&
            strcmp(e->backend, backend) == 0 && strcmp(e->phase, "finished") == 0 &&
            strcmp(e->outcome, "ok") == 0) {
            *when = e->ts_ms;
            snprintf(who, who_len, "%s", e->who);
            return true;
        }
    }
    return false;
}

/*
 * When mldeck saw the endpoint's config or traffic change. A single entry is
 * only when it was first seen: *first gets that time and false is returned.
 */
static bool observed_change(md_deck *d, size_t bi, const char *endpoint, int64_t *when,
                            int64_t *first)
{
    bool changed = false;
    for (int traffic = 0; traffic < 2; traffic++) {
        struct md_history_entry *h = NULL;
        size_t n = 0;
        if (md_deck_endpoint_history(d, bi, endpoint, traffic, 2, &h, &n) != MD_OK)
            continue;
        if (n >= 2 && (!changed || h[0].seen_ms > *when)) {
            *when = h[0].seen_ms;
            changed = true;
        } else if (n == 1 && (!*first || h[0].seen_ms < *first)) {
            *first = h[0].seen_ms;
        }
        md_store_history_free(h, n);
    }
    return changed;
}

bool endpoint_last_change(md_deck *d, const md_actions *acts, size_t bi,
                          const struct md_endpoint *e, int64_t *when_ms, char *who, size_t who_len)
{
    struct md_backend_status st;
    if (!md_deck_backend_status(d, bi, &st))
        return false;
    int64_t audit_ms = 0;
    int64_t seen_ms = 0;
    int64_t first_ms = 0;
    char audit_who[128] = "";
    bool audited = audit_change(acts, st.name, e->name, &audit_ms, audit_who, sizeof(audit_who));
    bool observed = observed_change(d, bi, e->name, &seen_ms, &first_ms);
    int64_t other = observed ? seen_ms : e->updated;
    if (audited && audit_ms + AUDIT_SLACK_MS >= other) {
        *when_ms = audit_ms;
        snprintf(who, who_len, "%s", audit_who);
    } else if (observed && seen_ms >= e->updated) {
        *when_ms = seen_ms;
        snprintf(who, who_len, "%s", "(observed)");
    } else if (e->updated > 0) {
        *when_ms = e->updated;
        snprintf(who, who_len, "%s", "");
    } else if (first_ms > 0) {
        *when_ms = first_ms;
        snprintf(who, who_len, "%s", "(observed)");
    } else {
        return false;
    }
    return true;
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

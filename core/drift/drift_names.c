/*
 * drift_names.c - the drift engine's words for front ends: method, status,
 * type and smoothing names; parsing methods, smoothing and threshold specs;
 * the default thresholds; and the capped warning list. See
 * include/mldeck/drift.h.
 *
 * Separate from drift.c because none of this is statistics: it is what the
 * CLI and the TUI print and parse.
 */
#include "mldeck/drift.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names, thresholds, warnings ------------------------------------------------------------- */

const char *md_drift_smoothing_name(enum md_drift_smoothing s)
{
    switch (s) {
    case MD_DRIFT_SMOOTH_NONE:
        return "none";
    case MD_DRIFT_SMOOTH_EPS:
        return "eps";
    case MD_DRIFT_SMOOTH_ADD_ONE:
        return "add-one";
    }
    return "unknown";
}

md_status md_drift_smoothing_parse(const char *name, enum md_drift_smoothing *out)
{
    for (int s = MD_DRIFT_SMOOTH_NONE; s <= MD_DRIFT_SMOOTH_ADD_ONE; s++) {
        if (name && !strcmp(name, md_drift_smoothing_name((enum md_drift_smoothing)s))) {
            *out = (enum md_drift_smoothing)s;
            return MD_OK;
        }
    }
    return MD_ERR_INVALID;
}

static const char *const method_names[MD_DRIFT_METHOD_COUNT] = {"psi", "w1", "js", "ks", "chi2"};
static const char *const method_labels[MD_DRIFT_METHOD_COUNT] = {"PSI(dec)", "W1/σ", "JS₂", "KS D",
                                                                 "χ²"};

const char *md_drift_method_name(enum md_drift_method m)
{
    return (unsigned)m < MD_DRIFT_METHOD_COUNT ? method_names[m] : "unknown";
}

const char *md_drift_method_label(enum md_drift_method m)
{
    return (unsigned)m < MD_DRIFT_METHOD_COUNT ? method_labels[m] : "?";
}

md_status md_drift_method_parse(const char *name, enum md_drift_method *out)
{
    for (int i = 0; i < MD_DRIFT_METHOD_COUNT; i++) {
        if (name && !strcmp(name, method_names[i])) {
            *out = (enum md_drift_method)i;
            return MD_OK;
        }
    }
    return MD_ERR_INVALID;
}

const char *md_drift_status_name(enum md_drift_status s)
{
    static const char *const names[] = {"n/a", "ok", "warn", "drift"};
    return (unsigned)s < MD_ARRAY_LEN(names) ? names[s] : "unknown";
}

const char *md_drift_type_name(enum md_drift_type t)
{
    static const char *const names[] = {"unknown", "numeric", "categorical"};
    return (unsigned)t < MD_ARRAY_LEN(names) ? names[t] : "unknown";
}

void md_drift_default_threshold(enum md_drift_method m, double *warn, double *drift)
{
    static const double def[MD_DRIFT_METHOD_COUNT][2] = {
        [MD_DRIFT_PSI] = {0.1, 0.25}, [MD_DRIFT_W1] = {0.05, 0.1},    [MD_DRIFT_JS] = {0.05, 0.1},
        [MD_DRIFT_KS] = {0.15, 0.05}, [MD_DRIFT_CHI2] = {0.15, 0.05},
    };
    bool ok = (unsigned)m < MD_DRIFT_METHOD_COUNT;
    *warn = ok ? def[m][0] : NAN;
    *drift = ok ? def[m][1] : NAN;
}

md_status md_drift_threshold_parse(const char *spec, struct md_drift_threshold *out,
                                   struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq)
        return md_err_set(err, MD_ERR_INVALID,
                          "bad threshold '%s': expected [FEATURE:]METHOD=VALUE", spec ? spec : "");
    /* The last ':' before '=' splits feature from method, so feature names may hold ':'. */
    const char *colon = NULL;
    for (const char *p = spec; p < eq; p++)
        colon = *p == ':' ? p : colon;
    const char *m = colon ? colon + 1 : spec;
    if (colon) {
        size_t fl = (size_t)(colon - spec);
        if (fl == 0 || fl >= sizeof(out->feature))
            return md_err_set(err, MD_ERR_INVALID, "bad threshold '%s': feature name", spec);
        memcpy(out->feature, spec, fl);
    }
    char method[16];
    size_t ml = (size_t)(eq - m);
    if (ml >= sizeof(method))
        ml = sizeof(method) - 1;
    memcpy(method, m, ml);
    method[ml] = '\0';
    if (md_drift_method_parse(method, &out->method))
        return md_err_set(err, MD_ERR_INVALID,
                          "bad threshold '%s': unknown method '%s' (psi, w1, js, ks, chi2)", spec,
                          method);
    char vals[64];
    snprintf(vals, sizeof(vals), "%s", eq + 1);
    char *comma = strchr(vals, ',');
    if (comma)
        *comma = '\0';
    double a, b;
    if (md_parse_double(vals, &a) || (comma && md_parse_double(comma + 1, &b)) || !isfinite(a) ||
        a < 0 || (comma && (!isfinite(b) || b < 0)))
        return md_err_set(err, MD_ERR_INVALID, "bad threshold '%s': expected a number", spec);
    out->warn = a;
    out->drift = comma ? b : a;
    bool is_p = out->method == MD_DRIFT_KS || out->method == MD_DRIFT_CHI2;
    if (is_p ? out->warn < out->drift : out->warn > out->drift)
        return md_err_set(err, MD_ERR_INVALID,
                          "bad threshold '%s': the warn tier must come before the drift tier",
                          spec);
    return MD_OK;
}

void md_drift_warnings_add(struct md_drift_warnings *w, const char *fmt, ...)
{
    if (!w)
        return;
    if (w->n >= MD_DRIFT_WARN_CAP) {
        w->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (w->n == 0)
        w->msg = md_xmalloc(MD_DRIFT_WARN_CAP * sizeof(*w->msg));
    w->msg[w->n++] = md_xstrdup_clean(buf);
}

void md_drift_warnings_release(struct md_drift_warnings *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->msg[i]);
    free(w->msg);
    memset(w, 0, sizeof(*w));
}

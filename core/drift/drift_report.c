/*
 * drift_report.c - the JSON report of a run (md_drift_run_json) and the
 * options object stored with each metric (drift_metric_options). See
 * drift_int.h.
 *
 * Separate because it only formats results: nothing here computes, and its
 * JSON writer (first buffer failure wins) serves nothing else.
 */
#include "drift_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

/* ---- JSON ------------------------------------------------------------------------------------ */

/* A writer that keeps the first buffer failure and ignores everything after it. */
struct jw {
    struct md_buf *b;
    md_status st;
};

/* Append literal JSON text. */
static void jw_raw(struct jw *w, const char *s)
{
    if (!w->st)
        w->st = md_buf_adds(w->b, s);
}

/* A JSON string: quotes, backslashes and control characters escaped (names come from files). */
static void jw_str(struct jw *w, const char *s)
{
    char tmp[8];
    char *clean = NULL;
    if (!drift_utf8_valid(s, strlen(s))) /* JSON "\ud800" escapes can decode to non-UTF-8 */
        s = clean = md_xstrdup_clean(s);
    jw_raw(w, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p && !w->st; p++) {
        if (*p == '"' || *p == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)*p;
            tmp[2] = '\0';
            jw_raw(w, tmp);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
            jw_raw(w, tmp);
        } else {
            w->st = md_buf_add(w->b, p, 1);
        }
    }
    jw_raw(w, "\"");
    free(clean);
}

/* Finite numbers exactly, NaN as null, infinities as strings (JSON has no literal for them). */
static void jw_num(struct jw *w, double v)
{
    char tmp[40];
    if (isnan(v))
        jw_raw(w, "null");
    else if (isinf(v))
        jw_raw(w, v > 0 ? "\"inf\"" : "\"-inf\"");
    else {
        jsonx_fmt_double(tmp, sizeof(tmp), v);
        jw_raw(w, tmp);
    }
}

/* Counts are exact integers in JSON, never rounded through a double. */
static void jw_u64(struct jw *w, uint64_t v)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
    jw_raw(w, tmp);
}

/* An object key, preceded by a comma unless it is the first member. */
static void jw_key(struct jw *w, bool comma, const char *k)
{
    if (comma)
        jw_raw(w, ",");
    jw_str(w, k);
    jw_raw(w, ":");
}

/* The members of one metric object; p-value fields only for the methods that have one. */
static void jw_metric(struct jw *w, const struct md_drift_metric *m, enum md_drift_method id)
{
    jw_key(w, false, "value");
    jw_num(w, m->value);
    if (id == MD_DRIFT_KS || id == MD_DRIFT_CHI2) {
        jw_key(w, true, "p_value");
        jw_num(w, m->p_value);
    }
    if (id == MD_DRIFT_KS) {
        jw_key(w, true, "p_method");
        jw_str(w, m->exact_p ? "exact" : "asymptotic-stephens");
    }
    if (id == MD_DRIFT_CHI2) {
        jw_key(w, true, "df");
        jw_u64(w, (uint64_t)m->df);
    }
    jw_key(w, true, "warn");
    jw_num(w, m->warn);
    jw_key(w, true, "threshold");
    jw_num(w, m->drift);
    jw_key(w, true, "status");
    jw_str(w, md_drift_status_name(m->status));
    jw_key(w, true, "votes");
    jw_raw(w, m->votes ? "true" : "false");
    jw_key(w, true, "severity");
    jw_num(w, m->severity);
}

/* One feature: identity, counts, moments, every metric, and the histogram overlay. */
static void jw_feature(struct jw *w, const struct md_drift_feature *f)
{
    jw_raw(w, "{");
    jw_key(w, false, "feature");
    jw_str(w, f->name);
    jw_key(w, true, "type");
    jw_str(w, md_drift_type_name(f->type));
    jw_key(w, true, "prediction");
    jw_raw(w, f->prediction ? "true" : "false");
    jw_key(w, true, "status");
    jw_str(w, md_drift_status_name(f->status));
    jw_key(w, true, "severity");
    jw_num(w, f->severity);
    jw_key(w, true, "method");
    jw_str(w, f->status == MD_DRIFT_STATUS_NA ? "" : md_drift_method_name(f->primary));
    const char *ukeys[] = {"n_ref", "n_cur", "rows", "invalid"};
    const uint64_t uvals[] = {f->n_ref, f->n_cur, f->rows_cur, f->invalid_cur};
    for (size_t i = 0; i < 4; i++) {
        jw_key(w, true, ukeys[i]);
        jw_u64(w, uvals[i]);
    }
    const char *dkeys[] = {"missing",  "missing_ref", "mean_ref",  "std_ref",
                           "mean_cur", "std_cur",     "rank_error"};
    const double dvals[] = {f->missing_cur, f->missing_ref, f->mean_ref,  f->std_ref,
                            f->mean_cur,    f->std_cur,     f->rank_error};
    for (size_t i = 0; i < 7; i++) {
        jw_key(w, true, dkeys[i]);
        jw_num(w, dvals[i]);
    }
    jw_key(w, true, "sketch");
    jw_raw(w, f->sketch ? "true" : "false");
    jw_key(w, true, "metrics");
    jw_raw(w, "{");
    bool first = true;
    for (int i = 0; i < MD_DRIFT_METHOD_COUNT; i++) {
        if (!f->m[i].present)
            continue;
        jw_key(w, !first, md_drift_method_name((enum md_drift_method)i));
        jw_raw(w, "{");
        jw_metric(w, &f->m[i], (enum md_drift_method)i);
        jw_raw(w, "}");
        first = false;
    }
    jw_raw(w, "},\"histogram\":{");
    if (f->type == MD_DRIFT_CATEGORICAL) {
        jw_key(w, false, "categories");
        jw_raw(w, "[");
        for (size_t i = 0; i < f->n_cats; i++) {
            jw_raw(w, i ? "," : "");
            jw_str(w, f->cats[i]);
        }
        jw_raw(w, "],\"unseen\":");
        jw_u64(w, f->n_unseen);
    } else {
        jw_key(w, false, "edges");
        jw_raw(w, "[");
        for (size_t i = 0; i < f->n_edges; i++) {
            jw_raw(w, i ? "," : "");
            jw_num(w, f->edges[i]);
        }
        jw_raw(w, "]");
    }
    size_t nb = f->type == MD_DRIFT_CATEGORICAL ? f->n_cats
                : f->type == MD_DRIFT_NUMERIC   ? f->n_edges + 1
                                                : 0;
    for (int side = 0; side < 2; side++) {
        const uint64_t *v = f->type == MD_DRIFT_CATEGORICAL ? (side ? f->cats_cur : f->cats_ref)
                                                            : (side ? f->bins_cur : f->bins_ref);
        jw_key(w, true, side ? "cur" : "ref");
        jw_raw(w, "[");
        for (size_t i = 0; i < nb; i++) {
            jw_raw(w, i ? "," : "");
            jw_u64(w, v[i]);
        }
        jw_raw(w, "]");
    }
    jw_raw(w, "}}");
}

/* A window's "summary" and "features" members (shared by the top level and "windows"). */
static void jw_window(struct jw *w, const struct md_drift_window *win, double rule, bool dates)
{
    jw_raw(w, "\"summary\":{");
    jw_key(w, false, "features");
    jw_u64(w, win->n);
    jw_key(w, true, "tested");
    jw_u64(w, win->n_tested);
    jw_key(w, true, "drifted");
    jw_u64(w, win->n_drifted);
    jw_key(w, true, "drift_share");
    jw_num(w, win->drift_share);
    jw_key(w, true, "dataset_drift");
    jw_raw(w, win->dataset_drift ? "true" : "false");
    jw_key(w, true, "rule");
    jw_num(w, rule);
    jw_key(w, true, "rows_ref");
    jw_u64(w, win->rows_ref);
    jw_key(w, true, "rows_cur");
    jw_u64(w, win->rows_cur);
    jw_key(w, true, "window_start");
    jw_num(w, dates ? (double)win->start_ms : NAN);
    jw_key(w, true, "window_end");
    jw_num(w, dates ? (double)win->end_ms : NAN);
    jw_raw(w, "},\"features\":[");
    for (size_t i = 0; i < win->n; i++) {
        jw_raw(w, i ? "," : "");
        jw_feature(w, &win->f[i]);
    }
    jw_raw(w, "]");
}

/*
 * The platform's own verdicts, kept apart from mldeck's features: their
 * methods and thresholds differ, so they are never merged into a status.
 */
static void jw_platform(struct jw *w, const struct md_drift_run *r)
{
    jw_raw(w, ",\"platform\":[");
    for (size_t i = 0; i < r->n_platform; i++) {
        const struct md_drift_platform_item *p = &r->platform[i];
        jw_raw(w, i ? ",{" : "{");
        jw_key(w, false, "source");
        jw_str(w, p->source ? p->source : "");
        jw_key(w, true, "feature");
        jw_str(w, p->feature ? p->feature : "");
        jw_key(w, true, "check");
        jw_str(w, p->check ? p->check : "");
        jw_key(w, true, "detail");
        jw_str(w, p->detail ? p->detail : "");
        jw_key(w, true, "value");
        jw_num(w, p->value);
        jw_key(w, true, "threshold");
        jw_num(w, p->threshold);
        jw_raw(w, p->violated ? ",\"violated\":true}" : ",\"violated\":false}");
    }
    jw_raw(w, "],\"platform_error\":");
    if (r->platform_error)
        jw_str(w, r->platform_error);
    else
        jw_raw(w, "null");
}

md_status md_drift_run_json(const struct md_drift_run *r, struct md_buf *out)
{
    struct jw w = {out, MD_OK};
    double rule = r->rule > 0 ? r->rule : 0.5;
    jw_raw(&w, "{");
    if (r->n_windows)
        jw_window(&w, &r->w[r->n_windows - 1], rule, true);
    else
        jw_raw(&w, "\"summary\":null,\"features\":[]");
    jw_raw(&w, ",\"windows\":[");
    for (size_t i = 0; i < r->n_windows; i++) {
        jw_raw(&w, i ? ",{" : "{");
        jw_key(&w, false, "start");
        jw_num(&w, (double)r->w[i].start_ms);
        jw_key(&w, true, "end");
        jw_num(&w, (double)r->w[i].end_ms);
        jw_raw(&w, ",");
        jw_window(&w, &r->w[i], rule, true);
        jw_raw(&w, "}");
    }
    jw_raw(&w, "],\"reference\":{\"rows\":");
    jw_u64(&w, r->rows_ref);
    jw_raw(&w, ",\"features\":");
    jw_u64(&w, r->n_ref_features);
    jw_raw(&w, r->ref_cached ? ",\"cached\":true" : ",\"cached\":false");
    jw_raw(&w, r->ref_sketch ? ",\"sketch\":true}" : ",\"sketch\":false}");
    jw_raw(&w, ",\"files\":{\"read\":");
    jw_u64(&w, r->files_read);
    jw_raw(&w, ",\"skipped\":");
    jw_u64(&w, r->files_skipped);
    jw_raw(&w, ",\"failed\":");
    jw_u64(&w, r->files_failed);
    jw_raw(&w, "},\"options\":{\"smoothing\":");
    jw_str(&w, md_drift_smoothing_name(r->smoothing));
    jw_raw(&w, ",\"psi_bins\":\"reference deciles\",\"js_base\":2,\"js_bins\":\"psi bins\"");
    jw_raw(&w, ",\"w1_norm\":\"reference std ddof 0, floor 0.001\",\"yates\":");
    jw_raw(&w, r->yates ? "true" : "false");
    /* The selection, so a report without KS reads as "not asked", never as "no drift". */
    jw_raw(&w, ",\"methods\":[");
    unsigned methods = r->methods ? r->methods : MD_DRIFT_METHODS_ALL;
    for (int i = 0, n = 0; i < MD_DRIFT_METHOD_COUNT; i++) {
        if (!(methods & md_drift_method_bit((enum md_drift_method)i)))
            continue;
        jw_raw(&w, n++ ? "," : "");
        jw_str(&w, md_drift_method_name((enum md_drift_method)i));
    }
    jw_raw(&w, "]}");
    jw_raw(&w, ",\"warnings\":[");
    for (size_t i = 0; i < r->warnings.n; i++) {
        jw_raw(&w, i ? "," : "");
        jw_str(&w, r->warnings.msg[i]);
    }
    jw_raw(&w, "],\"warnings_dropped\":");
    jw_u64(&w, r->warnings.dropped);
    jw_platform(&w, r);
    const char *tk[] = {"ref_read_ms", "ref_freeze_ms", "cur_read_ms", "eval_ms"};
    const double tv[] = {r->ms_ref_read, r->ms_ref_freeze, r->ms_cur_read, r->ms_eval};
    jw_raw(&w, ",\"timing\":{");
    for (size_t i = 0; i < 4; i++) {
        jw_key(&w, i > 0, tk[i]);
        jw_num(&w, round(tv[i] * 1000) / 1000);
    }
    jw_raw(&w, "}");
    jw_raw(&w, "}\n");
    return w.st;
}

char *drift_metric_options(const struct md_drift_feature *f, enum md_drift_method m,
                           const struct md_drift_run *r)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 16);
    struct jw w = {&b, MD_OK};
    jw_raw(&w, "{");
    jw_key(&w, false, "n_ref");
    jw_u64(&w, f->n_ref);
    jw_key(&w, true, "n_cur");
    jw_u64(&w, f->n_cur);
    if (m == MD_DRIFT_PSI) {
        jw_key(&w, true, "smoothing");
        jw_str(&w, md_drift_smoothing_name(r->smoothing));
    }
    if (m == MD_DRIFT_PSI || (m == MD_DRIFT_JS && f->type == MD_DRIFT_NUMERIC)) {
        jw_raw(&w, ",\"bins\":\"reference deciles\",\"edges\":[");
        for (size_t i = 0; i < f->n_edges; i++) {
            jw_raw(&w, i ? "," : "");
            jw_num(&w, f->edges[i]);
        }
        jw_raw(&w, "]");
    }
    if (m == MD_DRIFT_JS)
        jw_raw(&w, ",\"log_base\":2,\"measure\":\"distance\"");
    if (m == MD_DRIFT_PSI)
        jw_raw(&w, ",\"log_base\":\"e\"");
    if (m == MD_DRIFT_W1)
        jw_raw(&w, ",\"normalised_by\":\"reference std ddof 0, floor 0.001\"");
    if (m == MD_DRIFT_KS) {
        jw_raw(&w, ",\"p_method\":");
        jw_str(&w, f->m[m].exact_p ? "exact" : "asymptotic-stephens");
    }
    if (m == MD_DRIFT_CHI2) {
        jw_raw(&w, ",\"test\":\"2xk contingency\",\"yates\":");
        jw_raw(&w, r->yates ? "true" : "false");
        jw_raw(&w, ",\"df\":");
        jw_u64(&w, (uint64_t)f->m[m].df);
    }
    if (f->sketch) {
        jw_raw(&w, ",\"sketch\":true,\"rank_error\":");
        jw_num(&w, f->rank_error);
    }
    jw_raw(&w, "}");
    char *s = md_buf_detach(&b, NULL);
    return s ? s : md_xstrdup("{}");
}

/*
 * cli_drift.c - `mldeck drift`: parse the options, run the core drift job
 * (mldeck/drift.h), print the windows it evaluated. Input warnings go to
 * stderr as "mldeck: warning: file:line: ..." and never stop the job.
 * The state is used - the reference frozen, results and processed files
 * remembered - when --state (here or global) or --job is given.
 */
#include "cli_drift.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mldeck/drift.h"
#include "mldeck/store.h"

#define MAX_LIST 4096
#define MAX_THRESHOLDS 256

/* A comma-separated option value, split in place into a NULL-terminated list. */
struct list {
    char *buf;
    const char *v[MAX_LIST];
    size_t n;
};

/* The synopsis: on stdout for --help (CLI_OK), on stderr after a usage error (CLI_USAGE). */
static int usage(FILE *f)
{
    fputs(
        "usage: mldeck drift --reference FILE|S3URI --current FILE|DIR|S3URI [--current ...]\n"
        "         [--json] [--features a,b] [--categorical x,y] [--numeric x,y]\n"
        "         [--prediction COL] [--time-column COL] [--window SECONDS]\n"
        "         [--smoothing eps|add-one|none] [--threshold [FEATURE:]METHOD=[WARN,]DRIFT]...\n"
        "         [--methods psi,w1,js,ks,chi2]\n"
        "         [--no-yates] [--memory MB] [--format csv|jsonl|capture] [--capture-columns a,b]\n"
        "         [--state FILE] [--job NAME] [--violations FILE|S3URI]\n"
        "         [--aws-profile NAME] [--aws-region REGION] [--s3-endpoint-url URL]\n"
        "methods: psi, w1, js (distances: alert above), ks, chi2 (p-values: alert below)\n"
        "S3URI: s3://BUCKET/KEY, or s3://BUCKET/PREFIX/ for --current\n",
        f);
    return f == stdout ? CLI_OK : CLI_USAGE;
}

/* Empty items are dropped ("a,,b" is a and b); a repeated option replaces the list. */
static void list_split(struct list *l, const char *s)
{
    free(l->buf);
    l->buf = md_xstrdup(s);
    l->n = 0;
    for (char *p = l->buf; p && l->n < MAX_LIST - 1;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        if (*p)
            l->v[l->n++] = p;
        p = c ? c + 1 : NULL;
    }
}

/* "psi,ks" into a method mask; a repeated --methods replaces the set. CLI_USAGE when bad. */
static int parse_methods(const char *v, unsigned *mask)
{
    struct list l = {0};
    list_split(&l, v);
    *mask = 0;
    for (size_t i = 0; i < l.n; i++) {
        enum md_drift_method m;
        if (md_drift_method_parse(l.v[i], &m)) {
            fprintf(stderr, "mldeck: bad --methods: unknown method '%s' (psi, w1, js, ks, chi2)\n",
                    l.v[i]);
            free(l.buf);
            return CLI_USAGE;
        }
        *mask |= md_drift_method_bit(m);
    }
    free(l.buf);
    if (!*mask) {
        fputs("mldeck: bad --methods: no method given (psi, w1, js, ks, chi2)\n", stderr);
        return CLI_USAGE;
    }
    return CLI_OK;
}

struct drift_cli {
    struct md_drift_opts o;
    const char *current[MAX_LIST];
    struct list features, categorical, numeric, capture;
    struct md_drift_threshold thr[MAX_THRESHOLDS];
    const char *state;
    bool json;
    bool help; /* --help: the synopsis on stdout, nothing run */
};

enum drift_opt {
    OPT_HELP = 'h',
    OPT_JSON = CLI_OPTS_LONG,
    OPT_NO_YATES,
    OPT_REFERENCE,
    OPT_CURRENT,
    OPT_FEATURES,
    OPT_CATEGORICAL,
    OPT_NUMERIC,
    OPT_PREDICTION,
    OPT_TIME_COLUMN,
    OPT_WINDOW,
    OPT_SMOOTHING,
    OPT_THRESHOLD,
    OPT_MEMORY,
    OPT_FORMAT,
    OPT_CAPTURE_COLUMNS,
    OPT_STATE,
    OPT_JOB,
    OPT_VIOLATIONS,
    OPT_AWS_PROFILE,
    OPT_AWS_REGION,
    OPT_S3_ENDPOINT_URL,
    OPT_S3_PART_SIZE,
    OPT_METHODS,
};

static const struct option drift_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"no-yates", no_argument, NULL, OPT_NO_YATES},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"current", required_argument, NULL, OPT_CURRENT},
    {"features", required_argument, NULL, OPT_FEATURES},
    {"categorical", required_argument, NULL, OPT_CATEGORICAL},
    {"numeric", required_argument, NULL, OPT_NUMERIC},
    {"prediction", required_argument, NULL, OPT_PREDICTION},
    {"time-column", required_argument, NULL, OPT_TIME_COLUMN},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"smoothing", required_argument, NULL, OPT_SMOOTHING},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"capture-columns", required_argument, NULL, OPT_CAPTURE_COLUMNS},
    {"state", required_argument, NULL, OPT_STATE},
    {"job", required_argument, NULL, OPT_JOB},
    {"violations", required_argument, NULL, OPT_VIOLATIONS},
    {"aws-profile", required_argument, NULL, OPT_AWS_PROFILE},
    {"aws-region", required_argument, NULL, OPT_AWS_REGION},
    {"s3-endpoint-url", required_argument, NULL, OPT_S3_ENDPOINT_URL},
    {"s3-part-size", required_argument, NULL, OPT_S3_PART_SIZE}, /* test hook, not in usage */
    {"methods", required_argument, NULL, OPT_METHODS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Option parsing; returns CLI_OK (c->help set for --help) or CLI_USAGE (with a message). */
static int parse(struct drift_cli *c, int argc, char **argv)
{
    struct md_drift_opts *o = &c->o;
    o->smoothing = MD_DRIFT_SMOOTH_EPS;
    struct cli_opts p;
    cli_opts_init(&p, "drift", argc, argv, "h", drift_options, CLI_OPTS_MIXED);
    for (int opt; (opt = cli_opts_next(&p)) != -1;) {
        const char *v = p.arg;
        long n;
        switch (opt) {
        case OPT_HELP:
            c->help = true;
            return CLI_OK;
        case OPT_JSON:
            c->json = true;
            break;
        case OPT_NO_YATES:
            o->no_yates = true;
            break;
        case OPT_REFERENCE:
            o->reference = v;
            break;
        case OPT_CURRENT:
            if (o->n_current == MAX_LIST)
                return usage(stderr);
            c->current[o->n_current++] = v;
            break;
        case OPT_FEATURES:
            list_split(&c->features, v);
            break;
        case OPT_CATEGORICAL:
            list_split(&c->categorical, v);
            break;
        case OPT_NUMERIC:
            list_split(&c->numeric, v);
            break;
        case OPT_CAPTURE_COLUMNS:
            list_split(&c->capture, v);
            break;
        case OPT_PREDICTION:
            o->prediction = v;
            break;
        case OPT_TIME_COLUMN:
            o->time_column = v;
            break;
        case OPT_STATE:
            c->state = v;
            break;
        case OPT_JOB:
            o->job = v;
            break;
        case OPT_VIOLATIONS:
            o->violations = v;
            break;
        case OPT_AWS_PROFILE:
            o->aws_profile = v;
            break;
        case OPT_AWS_REGION:
            o->aws_region = v;
            break;
        case OPT_S3_ENDPOINT_URL:
            o->s3_endpoint_url = v;
            break;
        case OPT_S3_PART_SIZE: /* test hook: ranged reads on small objects */
            if (md_parse_long(v, 1, 1L << 30, &n)) {
                fprintf(stderr, "mldeck: bad --s3-part-size '%s': expected bytes\n", v);
                return CLI_USAGE;
            }
            o->s3_part_size = (size_t)n;
            break;
        case OPT_WINDOW:
        case OPT_MEMORY:
            if (md_parse_long(v, 1, 1L << 40, &n)) {
                fprintf(stderr, "mldeck: bad %s '%s': expected a positive integer\n",
                        opt == OPT_WINDOW ? "--window" : "--memory", v);
                return CLI_USAGE;
            }
            if (opt == OPT_WINDOW)
                o->window_ms = (int64_t)n * 1000;
            else
                o->budget = (size_t)n << 20;
            break;
        case OPT_SMOOTHING:
            if (md_drift_smoothing_parse(v, &o->smoothing)) {
                fprintf(stderr, "mldeck: bad --smoothing '%s' (eps, add-one, none)\n", v);
                return CLI_USAGE;
            }
            break;
        case OPT_FORMAT:
            o->format = !strcmp(v, "csv")       ? MD_DRIFT_FORMAT_CSV
                        : !strcmp(v, "jsonl")   ? MD_DRIFT_FORMAT_JSONL
                        : !strcmp(v, "capture") ? MD_DRIFT_FORMAT_CAPTURE
                                                : MD_DRIFT_FORMAT_AUTO;
            if (o->format == MD_DRIFT_FORMAT_AUTO && strcmp(v, "auto")) {
                fprintf(stderr, "mldeck: bad --format '%s' (csv, jsonl, capture)\n", v);
                return CLI_USAGE;
            }
            break;
        case OPT_METHODS:
            if (parse_methods(v, &o->methods))
                return CLI_USAGE;
            break;
        case OPT_THRESHOLD: {
            struct md_err err = MD_ERR_INIT;
            if (o->n_thresholds == MAX_THRESHOLDS ||
                md_drift_threshold_parse(v, &c->thr[o->n_thresholds], &err)) {
                fprintf(stderr, "mldeck: %s\n", err.msg[0] ? err.msg : "too many thresholds");
                return CLI_USAGE;
            }
            o->n_thresholds++;
            break;
        }
        case CLI_OPTS_ARG:
            cli_opts_unexpected(&p);
            return usage(stderr);
        default:
            return usage(stderr);
        }
    }
    if (!o->reference || !o->n_current)
        return usage(stderr);
    o->current = c->current;
    o->thresholds = c->thr;
    if (c->features.n) {
        o->features = c->features.v;
        o->n_features = c->features.n;
    }
    /* Both overrides for one column: the engine would take categorical without a word. */
    for (size_t i = 0; i < c->numeric.n; i++) {
        for (size_t k = 0; k < c->categorical.n; k++) {
            if (!strcmp(c->numeric.v[i], c->categorical.v[k])) {
                fprintf(stderr,
                        "mldeck: drift: column '%s' is in both --categorical and "
                        "--numeric\n",
                        c->numeric.v[i]);
                return CLI_USAGE;
            }
        }
    }
    o->categorical = c->categorical.v;
    o->n_categorical = c->categorical.n;
    o->numeric = c->numeric.v;
    o->n_numeric = c->numeric.n;
    if (c->capture.n) {
        o->capture_columns = c->capture.v;
        o->n_capture_columns = c->capture.n;
    }
    return CLI_OK;
}

/* Six significant digits; n/a and inf spelled out. */
static void fmt_num(char *b, size_t n, double v)
{
    if (isnan(v))
        snprintf(b, n, "n/a");
    else if (isinf(v))
        snprintf(b, n, v > 0 ? "inf" : "-inf");
    else
        snprintf(b, n, "%.6g", v);
}

/* p-values: underflow reads "< 1e-300", never a confident 0. */
static void fmt_p(char *b, size_t n, double p)
{
    if (isnan(p))
        snprintf(b, n, "-");
    else if (p < 1e-300)
        snprintf(b, n, "< 1e-300");
    else
        snprintf(b, n, "%.4g", p);
}

/* Row counts as the summary line shows them: 48k, 1.0M. */
static void fmt_count(char *b, size_t n, uint64_t v)
{
    if (v >= 1000000)
        snprintf(b, n, "%.1fM", (double)v / 1e6);
    else if (v >= 10000)
        snprintf(b, n, "%.0fk", (double)v / 1e3);
    else
        snprintf(b, n, "%llu", (unsigned long long)v);
}

/* UTC, like the capture times. */
static void fmt_time(char *b, size_t n, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(b, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* One row per feature and method, in severity order, then the summary line. */
static void print_window(const struct md_drift_window *w, const struct md_drift_run *r)
{
    char a[32], b[32], na[16], nc[16];
    fmt_time(a, sizeof(a), w->start_ms);
    fmt_time(b, sizeof(b), w->end_ms);
    fmt_count(na, sizeof(na), w->rows_ref);
    fmt_count(nc, sizeof(nc), w->rows_cur);
    printf("%-24s %-11s %-8s %12s %10s %-7s %10s %8s\n", "FEATURE", "TYPE", "METHOD", "VALUE",
           "THRESHOLD", "STATUS", "P-VALUE", "MISSING");
    for (size_t i = 0; i < w->n; i++) {
        const struct md_drift_feature *f = &w->f[i];
        char *clean = md_xstrdup_clean(f->name);
        char *name = f->prediction ? md_xasprintf("%s (pred)", clean) : md_xstrdup(clean);
        free(clean);
        char miss[16];
        if (isnan(f->missing_cur))
            snprintf(miss, sizeof(miss), "n/a");
        else
            snprintf(miss, sizeof(miss), "%.1f%%", 100 * f->missing_cur);
        bool any = false;
        for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++) {
            const struct md_drift_metric *mt = &f->m[m];
            if (!mt->present)
                continue;
            char val[32], thr[32], p[32], st[16];
            fmt_num(val, sizeof(val), mt->value);
            bool is_p = m == MD_DRIFT_KS || m == MD_DRIFT_CHI2;
            snprintf(thr, sizeof(thr), "%s%g", is_p ? "p<" : "", mt->drift);
            fmt_p(p, sizeof(p), mt->p_value);
            /* A p-value method that does not vote (large samples) shows its tier in brackets. */
            const char *s = md_drift_status_name(mt->status);
            snprintf(st, sizeof(st), mt->votes ? "%s" : "(%s)", s);
            printf("%-24s %-11s %-8s %12s %10s %-7s %10s %8s\n", name, md_drift_type_name(f->type),
                   md_drift_method_name((enum md_drift_method)m), val, thr, st, p, miss);
            any = true;
        }
        if (!any) /* a type no selected method applies to, or no type at all */
            printf("%-24s %-11s %-8s %12s %10s %-7s %10s %8s\n", name, md_drift_type_name(f->type),
                   "-", "n/a", "-", "n/a", "-", miss);
        free(name);
    }
    char share[32];
    if (isnan(w->drift_share))
        snprintf(share, sizeof(share), "n/a");
    else
        snprintf(share, sizeof(share), "%.1f %%", 100 * w->drift_share);
    /* Rows without a time make a window stamped with the run's time: show one instant. */
    char when[80];
    if (w->start_ms == w->end_ms)
        snprintf(when, sizeof(when), "at %s UTC", a);
    else
        snprintf(when, sizeof(when), "window %s – %s UTC", a, b);
    printf("%zu of %zu features drifted (%s) · dataset drift: %s (rule ≥ %.0f %%) · %s · "
           "n_ref %s / n_cur %s\n",
           w->n_drifted, w->n_tested, share, w->dataset_drift ? "YES" : "NO", 100 * r->rule, when,
           na, nc);
}

/*
 * The platform's own verdicts under their own heading, after ours: different
 * methods and thresholds, so they are listed, never folded into a status.
 */
static void print_platform(const struct md_drift_run *r, const struct md_drift_opts *o)
{
    if (!o->violations && !r->n_platform && !r->platform_error)
        return;
    const char *src = r->n_platform ? r->platform[0].source : "SageMaker Model Monitor";
    printf("\n%s (platform, not merged)\n", src);
    if (r->platform_error)
        printf("error: %s\n", r->platform_error);
    else if (!r->n_platform)
        puts("no violations");
    else
        printf("%-24s %-26s %10s %10s  %s\n", "FEATURE", "CHECK", "VALUE", "THRESHOLD",
               "DESCRIPTION");
    for (size_t i = 0; i < r->n_platform; i++) {
        const struct md_drift_platform_item *p = &r->platform[i];
        char val[32], thr[32];
        fmt_num(val, sizeof(val), p->value);
        fmt_num(thr, sizeof(thr), p->threshold);
        printf("%-24s %-26s %10s %10s  %s\n", p->feature[0] ? p->feature : "(dataset)", p->check,
               isnan(p->value) ? "-" : val, isnan(p->threshold) ? "-" : thr, p->detail);
    }
}

/* Every window the run evaluated, oldest first, blank-line separated. */
static int print_text(const struct md_drift_run *r, const struct md_drift_opts *o)
{
    for (size_t i = 0; i < r->n_windows; i++) {
        if (i)
            putchar('\n');
        print_window(&r->w[i], r);
    }
    if (!r->n_windows)
        printf("no new current data (%zu files already processed)\n", r->files_skipped);
    if (r->ref_sketch)
        puts("note: the reference exceeded the memory budget: KS and W1 are approximate");
    print_platform(r, o);
    return fflush(stdout) ? CLI_ERROR : CLI_OK;
}

/* The core's JSON report, as is. */
static int print_json(const struct md_drift_run *r)
{
    struct md_buf b;
    md_buf_init(&b, (size_t)1 << 30);
    md_status st = md_drift_run_json(r, &b);
    int rc = CLI_OK;
    if (st) {
        fprintf(stderr, "mldeck: cannot format output: %s\n", md_status_str(st));
        rc = CLI_ERROR;
    } else if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) {
        perror("mldeck: write");
        rc = CLI_ERROR;
    }
    md_buf_release(&b);
    return rc == CLI_OK && fflush(stdout) ? CLI_ERROR : rc;
}

int cli_drift(const struct cli_global *g, int argc, char **argv)
{
    struct drift_cli *c = md_xcalloc(1, sizeof(*c));
    int rc = parse(c, argc, argv);
    if (!rc && c->help)
        rc = usage(stdout);
    bool go = !rc && !c->help; /* a job to run */
    md_store *store = NULL;
    char *state = NULL;
    struct md_err err = MD_ERR_INIT;
    if (go && (c->state || g->state_path || c->o.job)) {
        const char *given = c->state ? c->state : g->state_path;
        state = given ? md_xstrdup(given) : md_config_default_state_path();
        if (md_store_open(&store, state, &err)) {
            fprintf(stderr, "mldeck: %s\n", err.msg);
            rc = CLI_ERROR;
        }
        c->o.store = store;
    }
    if (go && !rc) {
        struct md_drift_run run;
        md_status st = md_drift_run(&c->o, &run, &err);
        for (size_t i = 0; i < run.warnings.n; i++)
            fprintf(stderr, "mldeck: warning: %s\n", run.warnings.msg[i]);
        if (run.warnings.dropped)
            fprintf(stderr, "mldeck: warning: %llu more warnings not shown\n",
                    (unsigned long long)run.warnings.dropped);
        if (st) {
            fprintf(stderr, "mldeck: %s\n", err.msg[0] ? err.msg : md_status_str(st));
            rc = st == MD_ERR_INVALID ? CLI_USAGE : CLI_ERROR;
        } else {
            rc = c->json ? print_json(&run) : print_text(&run, &c->o);
        }
        md_drift_run_release(&run);
    }
    md_store_free(store);
    free(state);
    free(c->features.buf);
    free(c->categorical.buf);
    free(c->numeric.buf);
    free(c->capture.buf);
    free(c);
    return rc;
}

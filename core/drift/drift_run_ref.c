/*
 * drift_run_ref.c - the job's reference side: read the reference file into
 * an accumulator per wanted column, freeze it (drift_ref.c), and read it a
 * second time for exact bins when a column outgrew the memory budget; also
 * the fingerprint a stored reference is kept under. See drift_int.h.
 *
 * Separate from drift_run.c, which runs the current side and calls in here;
 * the two share only the progress and timing helpers of drift_job.c.
 */
#include "drift_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the reference side ---------------------------------------------------------------------- */

/* Exact membership in an option list (features, type overrides). */
static bool in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(v[i], s))
            return true;
    }
    return false;
}

/* The reference side while it is read: columns become features as they appear. */
struct ref_ctx {
    const struct md_drift_opts *o;
    struct drift_parse *p;
    struct drift_set set;
    struct drift_strmap names;
    bool *pred;
    int32_t *colmap;
    size_t ncolmap;
    struct drift_feed feed;
    struct drift_ref *ref; /* the second pass: bins of bounded features */
    uint64_t *stamp;
};

/* A reference column is a feature unless it is the time or --features leaves it out. */
static bool ref_wanted(const struct md_drift_opts *o, const char *name)
{
    if (o->time_column && !strcmp(name, o->time_column))
        return false;
    if (o->prediction && !strcmp(name, o->prediction))
        return true;
    return !o->features || in_list(o->features, o->n_features, name);
}

/* Columns the reader found since the last row: make them features (or map them, pass 2). */
static void ref_map_columns(struct ref_ctx *c)
{
    const struct md_drift_opts *o = c->o;
    for (; c->ncolmap < c->p->cols.n; c->ncolmap++) {
        const char *name = c->p->cols.keys[c->ncolmap];
        int32_t idx = -1;
        if (c->ref) {
            for (size_t i = 0; i < c->ref->n && idx < 0; i++)
                idx = strcmp(c->ref->f[i].name, name) ? -1 : (int32_t)i;
        } else if (ref_wanted(o, name)) {
            uint32_t k = drift_strmap_add(&c->names, name, strlen(name));
            if (k == c->set.n) {
                c->set.acc = md_xrealloc(c->set.acc, (k + 1) * sizeof(*c->set.acc));
                c->pred = md_xrealloc(c->pred, (k + 1) * sizeof(*c->pred));
                enum md_drift_type t =
                    in_list(o->categorical, o->n_categorical, name) ? MD_DRIFT_CATEGORICAL
                    : in_list(o->numeric, o->n_numeric, name)       ? MD_DRIFT_NUMERIC
                                                                    : MD_DRIFT_TYPE_UNKNOWN;
                drift_acc_init(&c->set.acc[k], t);
                c->pred[k] = o->prediction && !strcmp(name, o->prediction);
                c->set.n++;
            }
            idx = (int32_t)k;
        }
        c->colmap = md_xrealloc(c->colmap, (c->ncolmap + 1) * sizeof(*c->colmap));
        c->colmap[c->ncolmap] = idx;
    }
}

/* A reference row into the accumulators (pass 1) or into the frozen bins (pass 2). */
static int ref_row(void *ud, const struct drift_row *row)
{
    struct ref_ctx *c = ud;
    ref_map_columns(c);
    c->set.rows++;
    for (size_t i = 0; i < row->n; i++) {
        int32_t k = c->colmap[row->f[i].col];
        if (k < 0)
            continue;
        if (c->ref) { /* second pass: exact bins on the frozen edges */
            struct drift_ref_feature *f = &c->ref->f[k];
            double x = row->f[i].num;
            if (c->stamp[k] == c->set.rows || !f->w || f->type != MD_DRIFT_NUMERIC)
                continue;
            c->stamp[k] = c->set.rows;
            if (row->f[i].is_num || (!drift_is_missing_token(row->f[i].s, row->f[i].len) &&
                                     drift_parse_number(row->f[i].s, row->f[i].len, &x)))
                if (isfinite(x))
                    drift_ref_count(c->ref, (size_t)k, x);
            continue;
        }
        struct drift_acc *a = &c->set.acc[k];
        if (a->last_row == c->set.rows)
            continue;
        a->last_row = c->set.rows;
        drift_acc_add(a, (size_t)k, &row->f[i], c->names.keys[k], row->line, &c->feed);
    }
    return c->o->cancel && *c->o->cancel;
}

/* One pass over the reference file; w NULL on the second pass (its warnings were given). */
static md_status ref_read(struct ref_ctx *c, struct md_drift_warnings *w, struct progress *pr,
                          struct md_err *err)
{
    struct drift_parse p;
    drift_parse_init(&p, c->o->reference, w, ref_row, c);
    p.time_column = c->o->time_column;
    p.prediction = c->o->prediction;
    p.cancel = c->o->cancel;
    p.progress = drift_progress_bytes;
    p.progress_ud = pr;
    c->p = &p;
    c->ncolmap = 0;
    c->set.rows = 0;
    md_status st = drift_parse_file(&p, MD_DRIFT_FORMAT_AUTO, c->o->reference, err);
    drift_parse_release(&p);
    c->p = NULL;
    return st;
}

/* Read and freeze the reference (two passes only when a column outgrew the budget). */
md_status drift_ref_build(const struct md_drift_opts *o, struct drift_ref *ref,
                          struct md_drift_run *out, struct md_err *err)
{
    struct md_drift_warnings *w = &out->warnings;
    double t0 = drift_clock_ms();
    struct stat sb;
    struct progress pr = {o, "reference", 0,
                          stat(o->reference, &sb) == 0 ? (uint64_t)sb.st_size : 0};
    struct drift_budget budget = {0, o->budget ? o->budget : MD_DRIFT_DEFAULT_BUDGET, false};
    struct ref_ctx c = {.o = o, .feed = {w, o->reference, &budget, NULL}};
    md_status st = ref_read(&c, w, &pr, err);
    if (!st && c.set.rows == 0)
        st = md_err_set(err, MD_ERR_PARSE, "reference '%s' has no rows", o->reference);
    if (!st && c.set.n == 0)
        st = md_err_set(err, MD_ERR_PARSE, "reference '%s' has none of the columns asked for",
                        o->reference);
    for (size_t i = 0; !st && i < o->n_features; i++) {
        if (drift_strmap_find(&c.names, o->features[i], strlen(o->features[i])) == DRIFT_NONE)
            md_drift_warnings_add(w, "%s: no column '%s'", o->reference, o->features[i]);
    }
    double t1 = drift_clock_ms();
    out->ms_ref_read = t1 - t0;
    bool second = !st && drift_ref_freeze(ref, &c.set, c.names.keys, c.pred);
    out->ms_ref_freeze = drift_clock_ms() - t1;
    if (second) {
        t1 = drift_clock_ms();
        md_drift_warnings_add(w,
                              "%s: more values than the memory budget (%zu MiB): KS and W1 "
                              "use a bounded sketch",
                              o->reference, budget.cap >> 20);
        c.ref = ref;
        c.stamp = md_xcalloc(ref->n, sizeof(*c.stamp));
        pr.phase = "reference (second pass)";
        pr.done = 0;
        st = ref_read(&c, NULL, &pr, err);
        out->ms_ref_read += drift_clock_ms() - t1;
    }
    for (size_t i = 0; !st && i < ref->n; i++) {
        const struct drift_ref_feature *f = &ref->f[i];
        if (f->type == MD_DRIFT_TYPE_UNKNOWN)
            md_drift_warnings_add(w, "%s: column '%s' has no values: not tested", o->reference,
                                  f->name);
        else if (f->type == MD_DRIFT_NUMERIC && f->min == f->max)
            md_drift_warnings_add(w,
                                  "%s: column '%s' is constant (%g): W1 is divided by the "
                                  "0.001 floor, PSI has two bins",
                                  o->reference, f->name, f->min);
    }
    drift_set_release(&c.set);
    drift_strmap_release(&c.names);
    free(c.pred);
    free(c.colmap);
    free(c.stamp);
    return st;
}

/* What the frozen reference depends on: the file's identity and the options that shape it. */
char *drift_ref_source(const struct md_drift_opts *o)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 20);
    struct stat sb;
    char *path = drift_canonical(o->reference);
    bool ok = stat(path, &sb) == 0;
    md_buf_addf(&b, "path=%s;size=%lld;mtime=%lld.%09ld;budget=%zu;pred=%s;time=%s", path,
                ok ? (long long)sb.st_size : -1LL, ok ? (long long)sb.st_mtim.tv_sec : 0LL,
                ok ? sb.st_mtim.tv_nsec : 0L, o->budget ? o->budget : MD_DRIFT_DEFAULT_BUDGET,
                o->prediction ? o->prediction : "", o->time_column ? o->time_column : "");
    const char *const *lists[] = {o->features, o->categorical, o->numeric};
    const size_t counts[] = {o->n_features, o->n_categorical, o->n_numeric};
    for (size_t l = 0; l < 3; l++) {
        md_buf_adds(&b, l == 0 ? ";features=" : l == 1 ? ";cat=" : ";num=");
        for (size_t i = 0; i < counts[l]; i++)
            md_buf_addf(&b, "%s%s", i ? "," : "", lists[l][i]);
    }
    free(path);
    char *s = md_buf_detach(&b, NULL);
    return s ? s : md_xstrdup("");
}

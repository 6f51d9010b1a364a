/*
 * libFuzzer target for the drift readers, CSV by default. fuzz_jsonl.c and
 * fuzz_capture.c include this file with FUZZ_FORMAT set, so the three share
 * one harness: the input is parsed as a reference (types inferred, values
 * accumulated and frozen), parsed again as current data against that
 * reference, evaluated, and the report written as JSON. Checks the reader's
 * invariants on the way (column indices in range, lines non-decreasing,
 * usable counts never above rows). Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drift/drift_int.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT MD_DRIFT_FORMAT_CSV
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_capcols[] = {"a", "b", "c"};

struct fuzz {
    struct drift_parse *p;
    struct drift_set set;
    struct drift_ref *ref; /* NULL while reading the reference side */
    struct drift_budget budget;
    struct drift_feed feed;
    uint64_t last_line;
};

static int fuzz_row(void *ud, const struct drift_row *row)
{
    struct fuzz *z = ud;
    if (row->line < z->last_line)
        __builtin_trap();
    z->last_line = row->line;
    size_t ncols = z->p->cols.n;
    if (!z->ref && z->set.n < ncols) {
        z->set.acc = md_xrealloc(z->set.acc, ncols * sizeof(*z->set.acc));
        for (size_t i = z->set.n; i < ncols; i++)
            drift_acc_init(&z->set.acc[i], MD_DRIFT_TYPE_UNKNOWN);
        z->set.n = ncols;
    }
    z->set.rows++;
    for (size_t i = 0; i < row->n; i++) {
        const struct drift_field *f = &row->f[i];
        if (f->col >= ncols || (!f->is_num && !f->s && f->len))
            __builtin_trap();
        if (f->col >= z->set.n || z->set.acc[f->col].last_row == z->set.rows)
            continue;
        z->set.acc[f->col].last_row = z->set.rows;
        drift_acc_add(&z->set.acc[f->col], f->col, f, z->p->cols.keys[f->col], row->line, &z->feed);
    }
    return 0;
}

static void fuzz_parse(struct fuzz *z, struct md_drift_warnings *w, const uint8_t *data,
                       size_t size)
{
    struct drift_parse p;
    drift_parse_init(&p, "fuzz", w, fuzz_row, z);
    p.capture_columns = fuzz_capcols;
    p.n_capture_columns = 3;
    p.time_column = "t";
    z->p = &p;
    z->last_line = 0;
    if (drift_parse_buffer(&p, FUZZ_FORMAT, (const char *)data, size) != MD_OK)
        __builtin_trap();
    for (size_t i = 0; i < z->set.n; i++) {
        if (z->set.acc[i].valid > z->set.rows)
            __builtin_trap();
    }
    drift_parse_release(&p);
    z->p = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct md_drift_run run;
    memset(&run, 0, sizeof(run));
    struct fuzz z;
    memset(&z, 0, sizeof(z));
    z.budget.cap = 4096; /* small: the sketch path runs too */
    z.feed = (struct drift_feed){&run.warnings, "fuzz", &z.budget, NULL};
    fuzz_parse(&z, &run.warnings, data, size);

    /* Freeze what was read; columns seen only later have no accumulator and stay untested. */
    char **names = md_xcalloc(z.set.n + 1, sizeof(*names));
    for (size_t i = 0; i < z.set.n; i++)
        names[i] = md_xasprintf("c%zu", i);
    struct drift_ref ref;
    memset(&ref, 0, sizeof(ref));
    drift_ref_freeze(&ref, &z.set, names, NULL);
    for (size_t i = 0; i < ref.n; i++) {
        free(names[i]);
        for (size_t b = 0; b < ref.f[i].n_edges; b++) {
            if (b && !(ref.f[i].edges[b] > ref.f[i].edges[b - 1]))
                __builtin_trap();
        }
    }
    free(names);

    /* The same bytes as the current side, against that reference. */
    memset(&z.set, 0, sizeof(z.set));
    z.set.n = ref.n;
    z.set.acc = md_xcalloc(ref.n + 1, sizeof(*z.set.acc));
    for (size_t i = 0; i < ref.n; i++)
        drift_acc_init(&z.set.acc[i], ref.f[i].type);
    z.ref = &ref;
    z.budget = (struct drift_budget){0, 4096, false};
    z.feed.ref = &ref;
    fuzz_parse(&z, &run.warnings, data, size);

    struct md_drift_opts o;
    memset(&o, 0, sizeof(o));
    o.smoothing = MD_DRIFT_SMOOTH_EPS;
    run.w = md_xcalloc(1, sizeof(*run.w));
    run.n_windows = 1;
    drift_evaluate(&ref, &z.set, &o, &run.w[0]);
    drift_set_release(&z.set);
    if (run.w[0].n_drifted > run.w[0].n_tested)
        __builtin_trap();
    struct md_buf b;
    md_buf_init(&b, 0);
    if (md_drift_run_json(&run, &b) != MD_OK)
        __builtin_trap();
    md_buf_release(&b);
    for (size_t i = 0; i < ref.n; i++) {
        struct md_buf blob;
        md_buf_init(&blob, 0);
        struct drift_ref_feature back;
        memset(&back, 0, sizeof(back));
        if (drift_ref_feature_encode(&ref.f[i], &blob) ||
            drift_ref_feature_decode(blob.data, blob.len, &back, NULL))
            __builtin_trap();
        drift_ref_feature_release(&back);
        md_buf_release(&blob);
    }
    drift_ref_release(&ref);
    md_drift_run_release(&run);
    return 0;
}

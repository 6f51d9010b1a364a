/*
 * libFuzzer target for the MLflow reply mapping: every input goes through
 * mlflow_parse() as each result kind, then whatever was mapped through the
 * JSON and TSV exporters, and through the error-body mapper. Built by
 * `make fuzz` with -fsanitize=fuzzer,address,undefined.
 */
#include <stdint.h>
#include <string.h>

#include "backends/mlflow/mlflow_int.h"
#include "mldeck/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Export what a parse produced; both formats, into an uncapped buffer. */
static void export_all(const struct md_result *r)
{
    static const enum md_export_format fmts[] = {MD_EXPORT_JSON, MD_EXPORT_TSV};
    for (size_t i = 0; i < MD_ARRAY_LEN(fmts); i++) {
        struct md_buf b;
        md_buf_init(&b, 0);
        md_export_experiments(&b, fmts[i], "fuzz", &r->experiments);
        md_export_runs(&b, fmts[i], "fuzz", &r->runs);
        md_export_models(&b, fmts[i], "fuzz", &r->models);
        md_export_versions(&b, fmts[i], "fuzz", &r->versions);
        md_buf_release(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum md_result_kind kinds[] = {
        MD_RESULT_NONE,    MD_RESULT_EXPERIMENTS, MD_RESULT_RUNS,
        MD_RESULT_RUN,     MD_RESULT_MODELS,      MD_RESULT_VERSIONS,
        MD_RESULT_VERSION, MD_RESULT_HISTORY,     MD_RESULT_PROBE,
    };
    const char *body = (const char *)data;
    for (size_t i = 0; i < MD_ARRAY_LEN(kinds); i++) {
        struct md_result r;
        memset(&r, 0, sizeof(r));
        struct md_err err = MD_ERR_INIT;
        md_status st = mlflow_parse(kinds[i], body, size, &r, &err);
        if (r.next_token == NULL || r.kind != kinds[i] || r.status != st)
            __builtin_trap();
        if (st != MD_OK && (r.runs.n || r.experiments.n || r.models.n || r.versions.n))
            __builtin_trap(); /* a failed parse holds no records */
        for (size_t k = 0; k + 1 < r.history.n; k++) {
            if (r.history.v[k].step > r.history.v[k + 1].step)
                __builtin_trap();
        }
        export_all(&r);
        md_result_release(&r);
    }
    struct md_err err = MD_ERR_INIT;
    mlflow_map_error("fuzz", 400, body, size, true, &err);
    return 0;
}

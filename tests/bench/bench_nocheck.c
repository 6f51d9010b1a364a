/*
 * bench_nocheck.c - linked before libcore.a into bench_parse_nocheck: these
 * stand in for core/backends/mlflow/mlflow_check.c, so the archive's member
 * is never pulled in and the parser maps records without validating them
 * (the "before" figures of `make bench`). Never part of mldeck.
 */
#include "backends/mlflow/mlflow_int.h"

md_status mlflow_check(enum mlflow_shape what, const struct cJSON *v, const char *where,
                       struct md_err *err)
{
    (void)what, (void)v, (void)where, (void)err;
    return MD_OK;
}

md_status mlflow_check_token(const struct cJSON *root, struct md_err *err)
{
    (void)root, (void)err;
    return MD_OK;
}

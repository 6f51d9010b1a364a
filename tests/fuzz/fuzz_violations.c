/*
 * libFuzzer target for SageMaker Model Monitor's constraint_violations.json
 * reader (core/drift/drift_platform.c). Built by `make fuzz` with
 * -fsanitize=fuzzer,address,undefined.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drift/drift_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = malloc(size ? size : 1);
    if (!json)
        return 0;
    memcpy(json, data, size);
    struct md_drift_platform_item *v = NULL;
    size_t n = 0;
    struct md_err err = MD_ERR_INIT;
    md_status st = drift_violations_parse(json, size, &v, &n, &err);
    if (st != MD_OK && (v || n || !err.msg[0]))
        __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        const struct md_drift_platform_item *it = &v[i];
        if (!it->source || !it->feature || !it->check || !it->detail || !it->violated)
            __builtin_trap();
        if (strlen(it->detail) > 1024 || strlen(it->feature) > 256)
            __builtin_trap();
        for (const char *c = it->detail; *c; c++) {
            if ((unsigned char)*c < 0x20)
                __builtin_trap(); /* one line, no escapes */
        }
        if (!isnan(it->value) && !isfinite(it->value))
            __builtin_trap();
        free(it->source);
        free(it->feature);
        free(it->check);
        free(it->detail);
    }
    free(v);
    free(json);
    return 0;
}

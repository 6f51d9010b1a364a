/*
 * fuzz_config.c - libFuzzer target for the YAML configuration loader.
 *
 * Any input must parse or fail with a message, never crash or leak; on
 * success every string the loader promises is non-NULL and the current
 * context exists.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) { /* the same result whatever the fuzzing host's environment */
        unsetenv("MLDECK_READ_ONLY");
        unsetenv("MLDECK_CONTEXT");
        unsetenv("MLDECK_THEME");
        unsetenv("MLFLOW_TRACKING_URI");
        unsetenv("MLFLOW_TRACKING_INSECURE_TLS");
        unsetenv("MLFLOW_TRACKING_SERVER_CERT_PATH");
        once = 1;
    }
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    md_status st = md_config_parse(&cfg, "fuzz.yaml", (const char *)data, size, &err);
    if (st == MD_OK) {
        const struct md_context *cur = md_config_context(&cfg, NULL);
        if (!cur || !cfg.theme || cfg.n_contexts == 0)
            abort();
        for (size_t i = 0; i < cfg.n_contexts; i++) {
            const struct md_context *c = &cfg.contexts[i];
            if (!c->name || !c->theme || c->n_backends == 0)
                abort();
            for (size_t j = 0; j < c->n_backends; j++) {
                const struct md_backend_conf *b = &c->backends[j];
                if (!b->name || !b->url || !b->token_env || !b->ca_path || !b->region ||
                    !b->profile || strlen(md_backend_kind_str(b->kind)) == 0)
                    abort();
            }
        }
    } else if (err.code != st || err.msg[0] == '\0') {
        abort();
    }
    md_config_release(&cfg);
    return 0;
}

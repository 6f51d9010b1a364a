/*
 * libFuzzer target for the SageMaker mapping: every input goes through
 * sm_parse() as each result kind the backend reports (bundles and bare
 * replies alike), through the error-body mapper, and through the
 * credential_process output reader. Built by `make fuzz` with
 * -fsanitize=fuzzer,address,undefined.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "backends/sagemaker/sagemaker_int.h"
#include "mldeck/aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants every successful mapping keeps. */
static void check(const struct md_result *r)
{
    for (size_t i = 0; i < r->endpoints.n; i++) {
        const struct md_endpoint *e = &r->endpoints.v[i];
        if (e->name == NULL || e->status == NULL || e->config == NULL)
            __builtin_trap();
        if (i > 0 && strcmp(r->endpoints.v[i - 1].name, e->name) > 0)
            __builtin_trap(); /* sorted by name */
        for (size_t k = 0; k < e->n_deployments; k++) {
            double s = e->deployments[k].share;
            if (!(s >= 0 && s <= 1.0000001) || e->deployments[k].image == NULL)
                __builtin_trap();
        }
    }
    for (size_t i = 0; i + 1 < r->configs.n; i++) {
        if (r->configs.v[i].created < r->configs.v[i + 1].created)
            __builtin_trap(); /* newest first */
    }
    for (size_t i = 0; i < r->log_events.n; i++) {
        const struct md_log_event *e = &r->log_events.v[i];
        if (e->id == NULL || e->stream == NULL || e->message == NULL)
            __builtin_trap();
        if (i > 0 && r->log_events.v[i - 1].at_ms > e->at_ms)
            __builtin_trap(); /* oldest first */
        for (const unsigned char *p = (const unsigned char *)e->message; *p; p++) {
            if (*p < 0x20 || *p == 0x7f)
                __builtin_trap(); /* one line, nothing a terminal would obey */
        }
    }
    for (size_t i = 0; i < r->changes.n; i++) {
        const struct md_change *c = &r->changes.v[i];
        if (!c->source || strcmp(c->source, "alarm"))
            continue;
        /* alarm state changes: every field the timeline prints, on one line */
        if (!c->target || !c->operation || !c->detail || !c->status || !c->id || c->at_ms <= 0)
            __builtin_trap();
        for (const unsigned char *p = (const unsigned char *)c->detail; *p; p++) {
            if (*p < 0x20 || *p == 0x7f)
                __builtin_trap();
        }
    }
    for (size_t i = 0; i < r->health.n; i++) {
        const struct md_health_series *h = &r->health.v[i];
        for (size_t k = 0; k + 1 < h->n; k++) {
            if (h->t[k] > h->t[k + 1])
                __builtin_trap();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum md_result_kind kinds[] = {
        MD_RESULT_NONE,       MD_RESULT_ENDPOINTS,   MD_RESULT_ENDPOINT, MD_RESULT_ENDPOINT_CONFIGS,
        MD_RESULT_HEALTH,     MD_RESULT_EXPERIMENTS, MD_RESULT_RUNS,     MD_RESULT_RUN,
        MD_RESULT_MODELS,     MD_RESULT_VERSIONS,    MD_RESULT_CHANGES,  MD_RESULT_ALARMS,
        MD_RESULT_LOG_EVENTS,
    };
    const char *body = (const char *)data;
    for (size_t i = 0; i < MD_ARRAY_LEN(kinds); i++) {
        struct md_result r;
        memset(&r, 0, sizeof(r));
        struct md_err err = MD_ERR_INIT;
        md_status st = sm_parse(kinds[i], body, size, &r, &err);
        if (r.next_token == NULL || r.kind != kinds[i] || r.status != st)
            __builtin_trap();
        if (st != MD_OK &&
            (r.endpoints.n || r.configs.n || r.health.n || r.runs.n || r.experiments.n ||
             r.models.n || r.versions.n || r.alarms.n || r.log_events.n))
            __builtin_trap(); /* a failed parse holds no records */
        if (st == MD_OK)
            check(&r);
        for (size_t k = 0; k < r.alarms.n; k++)
            if (!r.alarms.v[k].name || !r.alarms.v[k].target || !r.alarms.v[k].reason)
                __builtin_trap(); /* the views print these as they are */
        md_result_release(&r);
    }
    static const long codes[] = {400, 403, 429, 500};
    for (size_t i = 0; i < MD_ARRAY_LEN(codes); i++) {
        struct md_err err = MD_ERR_INIT;
        md_status st = sm_map_error("fuzz", codes[i], body, size, "profile 'f'", &err);
        if (st == MD_OK || err.code != st)
            __builtin_trap();
    }
    struct md_aws_creds c;
    struct md_err err = MD_ERR_INIT;
    if (md_aws_process_output(body, size, 0, &c, &err) == MD_OK) {
        if (c.access_key_id == NULL || c.secret_access_key == NULL || c.session_token == NULL)
            __builtin_trap();
    } else if (c.access_key_id != NULL) {
        __builtin_trap();
    }
    md_aws_creds_release(&c);
    return 0;
}

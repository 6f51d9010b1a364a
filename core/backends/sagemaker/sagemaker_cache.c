/*
 * sagemaker_cache.c - what the SageMaker backend keeps between operations:
 * the variant names of each endpoint as last described (so a health query
 * right after a list needs no describe of its own), and describe replies
 * of endpoint configs, models and model packages, which AWS never changes
 * once made (so a refresh describes only the endpoints).
 */
#include "sagemaker_req.h"

#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

/* ---- variant names seen ------------------------------------------------------------------ */

/* Most endpoints remembered; the oldest entry goes first. */
#define SM_VCACHE_MAX 10000

/* Keep the array dense: lookups are linear and the array is small. */
static void variants_drop(struct sm_backend *sm, size_t i)
{
    free(sm->vcache[i].endpoint);
    cJSON_Delete(sm->vcache[i].names);
    memmove(&sm->vcache[i], &sm->vcache[i + 1], (sm->n_vcache - i - 1) * sizeof(*sm->vcache));
    sm->n_vcache--;
}

void sm_variants_forget(struct sm_backend *sm, const char *endpoint)
{
    for (size_t i = 0; endpoint != NULL && i < sm->n_vcache; i++) {
        if (strcmp(sm->vcache[i].endpoint, endpoint) == 0) {
            variants_drop(sm, i);
            return;
        }
    }
}

void sm_variants_put(struct sm_backend *sm, const cJSON *reply)
{
    const char *name = jsonx_str_raw(reply, "EndpointName");
    const cJSON *pvs = jsonx_array(reply, "ProductionVariants", NULL);
    if (name == NULL || jsonx_count(pvs) == 0)
        return;
    sm_variants_forget(sm, name);
    if (sm->n_vcache == SM_VCACHE_MAX)
        variants_drop(sm, 0);
    cJSON *names = cJSON_CreateArray();
    if (names == NULL)
        md_die_oom();
    for (const cJSON *pv = pvs->child; pv != NULL; pv = pv->next) {
        const char *v = jsonx_str_raw(pv, "VariantName");
        cJSON *s = v != NULL ? cJSON_CreateString(v) : NULL;
        if (v != NULL && s == NULL)
            md_die_oom();
        if (s != NULL)
            sm_push(names, s);
    }
    sm->vcache = md_xrealloc(sm->vcache, (sm->n_vcache + 1) * sizeof(*sm->vcache));
    sm->vcache[sm->n_vcache++] = (struct sm_variants){md_xstrdup(name), names, md_mono_ms()};
}

cJSON *sm_variants_get(struct sm_backend *sm, const char *endpoint, int64_t max_age_ms)
{
    for (size_t i = 0; endpoint != NULL && i < sm->n_vcache; i++) {
        const struct sm_variants *v = &sm->vcache[i];
        if (strcmp(v->endpoint, endpoint) != 0)
            continue;
        if (md_mono_ms() - v->at_ms > max_age_ms || jsonx_count(v->names) == 0)
            return NULL;
        cJSON *copy = cJSON_Duplicate(v->names, true);
        if (copy == NULL)
            md_die_oom();
        return copy;
    }
    return NULL;
}

/* ---- describes kept across operations --------------------------------------------------- */

/* Most describe replies kept; past it the cache starts again empty. */
#define SM_DCACHE_MAX 20000

/* Index of `key`, or where it would go (*found false). */
static size_t dcache_find(const struct sm_backend *sm, const char *key, bool *found)
{
    size_t lo = 0;
    size_t hi = sm->n_dcache;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sm->dcache[mid].key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Drop everything: the next refresh describes afresh. */
static void dcache_clear(struct sm_backend *sm)
{
    for (size_t i = 0; i < sm->n_dcache; i++) {
        free(sm->dcache[i].key);
        cJSON_Delete(sm->dcache[i].obj);
    }
    free(sm->dcache);
    sm->dcache = NULL;
    sm->n_dcache = 0;
}

void sm_dcache_put(struct sm_backend *sm, const char *key, const cJSON *obj)
{
    cJSON *copy = cJSON_Duplicate(obj, true);
    if (copy == NULL)
        md_die_oom();
    bool found = false;
    size_t i = dcache_find(sm, key, &found);
    if (found) {
        cJSON_Delete(sm->dcache[i].obj);
        sm->dcache[i].obj = copy;
        sm->dcache[i].at_ms = md_mono_ms();
        return;
    }
    if (sm->n_dcache == SM_DCACHE_MAX) { /* rare: no bookkeeping for a finer eviction */
        dcache_clear(sm);
        i = 0;
    }
    sm->dcache = md_xrealloc(sm->dcache, (sm->n_dcache + 1) * sizeof(*sm->dcache));
    memmove(&sm->dcache[i + 1], &sm->dcache[i], (sm->n_dcache - i) * sizeof(*sm->dcache));
    sm->dcache[i] = (struct sm_cached){md_xstrdup(key), copy, md_mono_ms()};
    sm->n_dcache++;
}

const cJSON *sm_dcache_get(struct sm_backend *sm, const char *key, int64_t max_age_ms)
{
    bool found = false;
    size_t i = dcache_find(sm, key, &found);
    if (!found || md_mono_ms() - sm->dcache[i].at_ms > max_age_ms)
        return NULL;
    return sm->dcache[i].obj;
}

void sm_caches_release(struct sm_backend *sm)
{
    while (sm->n_vcache > 0)
        variants_drop(sm, sm->n_vcache - 1);
    free(sm->vcache);
    sm->vcache = NULL;
    dcache_clear(sm);
}

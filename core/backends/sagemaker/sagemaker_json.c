/*
 * sagemaker_json.c - the small readers every SageMaker mapper shares, and
 * the cJSON builders of requests and bundles (aborting on OOM):
 * timestamps, list members with a cap, lookups by name, tag lists, name
 * stems and package versions. Pure functions below the mappers
 * (sagemaker_map.c, sagemaker_jobs.c, sagemaker_health.c), so their
 * dependencies run one way.
 *
 * AWS omits unset members, so a missing key is an empty value, never an
 * error. Timestamps are epoch seconds with a fraction (JSON protocols);
 * strings holding ISO 8601 or a number are accepted too.
 */
#include "sagemaker_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"
#include "mldeck/aws.h"

/* ---- small readers ---------------------------------------------------------------------- */

/* A timestamp member in epoch ms; 0 when absent or unreadable. */
int64_t sm_ts_ms(const cJSON *obj, const char *key)
{
    const cJSON *v = jsonx_get(obj, key);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble * 1000.0;
        return isfinite(d) && fabs(d) < 9.0e15 ? (int64_t)d : 0;
    }
    if (cJSON_IsString(v)) {
        int64_t ms = 0;
        if (md_aws_parse_time(v->valuestring, &ms) == MD_OK)
            return ms;
        double d = jsonx_value_double(v, NAN) * 1000.0;
        return isfinite(d) && fabs(d) < 9.0e15 ? (int64_t)d : 0;
    }
    return 0;
}

/* First element of an array member (objects only); NULL when none. */
const cJSON *sm_first_obj(const cJSON *obj, const char *key)
{
    const cJSON *arr = jsonx_array(obj, key, NULL);
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
        if (cJSON_IsObject(it))
            return it;
    }
    return NULL;
}

/* The object in array `arr` whose string member `key` equals `name`; NULL when none. */
const cJSON *sm_find_by(const cJSON *arr, const char *key, const char *name)
{
    if (name == NULL || name[0] == '\0')
        return NULL;
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
        const char *s = jsonx_str_raw(it, key);
        if (s != NULL && strcmp(s, name) == 0)
            return it;
    }
    return NULL;
}

/* Append key=value (both cleaned copies) to a kvs grown one by one. */
void sm_kv_add(struct md_kvs *kv, const char *key, const char *value)
{
    kv->v = md_xrealloc(kv->v, (kv->n + 1) * sizeof(*kv->v));
    kv->v[kv->n].key = md_xstrdup_clean(key);
    kv->v[kv->n].value = md_xstrdup_clean(value);
    kv->n++;
}

void sm_kv_add_num(struct md_kvs *kv, const char *key, double v)
{
    char buf[40];
    jsonx_fmt_double(buf, sizeof(buf), v);
    sm_kv_add(kv, key, buf);
}

int sm_kv_cmp(const void *a, const void *b)
{
    return strcmp(((const struct md_kv *)a)->key, ((const struct md_kv *)b)->key);
}

/* ---- names ------------------------------------------------------------------------------ */

/* True for a segment that is all digits, or "v" followed by digits. */
static bool version_segment(const char *s, size_t n)
{
    size_t i = (n > 1 && (s[0] == 'v' || s[0] == 'V')) ? 1 : 0;
    if (i == n)
        return false;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

char *sm_name_stem(const char *name)
{
    char *s = md_xstrdup_clean(name);
    size_t n = strlen(s);
    for (;;) {
        char *dash = NULL;
        for (size_t i = n; i > 0; i--) {
            if (s[i - 1] == '-') {
                dash = s + i - 1;
                break;
            }
        }
        if (dash == NULL || dash == s || !version_segment(dash + 1, (size_t)(s + n - dash - 1)))
            break;
        n = (size_t)(dash - s);
        s[n] = '\0';
    }
    return s;
}

char *sm_package_version(const char *arn_or_name)
{
    const char *s = arn_or_name != NULL ? arn_or_name : "";
    const char *slash = strrchr(s, '/');
    if (slash == NULL || slash[1] == '\0' || strspn(slash + 1, "0123456789") != strlen(slash + 1))
        return md_xstrdup("");
    return md_xstrdup(slash + 1);
}

/* ---- builders --------------------------------------------------------------------------- */

cJSON *sm_obj(void)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        md_die_oom();
    return o;
}

cJSON *sm_arr(cJSON *obj, const char *key)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (a == NULL && (a = cJSON_AddArrayToObject(obj, key)) == NULL)
        md_die_oom();
    return a;
}

void sm_str(cJSON *obj, const char *key, const char *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (cJSON_AddStringToObject(obj, key, value != NULL ? value : "") == NULL)
        md_die_oom();
}

void sm_num(cJSON *obj, const char *key, double value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (cJSON_AddNumberToObject(obj, key, value) == NULL)
        md_die_oom();
}

cJSON *sm_dup(const cJSON *o)
{
    cJSON *c = cJSON_Duplicate(o, true);
    if (c == NULL)
        md_die_oom();
    return c;
}

void sm_push(cJSON *arr, cJSON *item)
{
    if (!cJSON_AddItemToArray(arr, item))
        md_die_oom();
}

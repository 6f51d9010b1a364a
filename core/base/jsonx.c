/*
 * jsonx.c - tolerant readers over cJSON trees for reply parsers: missing
 * means empty, wrong types read as missing, every string handed out is a
 * cleaned copy. See jsonx_int.h for the contracts.
 */
#include "jsonx_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Arrays and objects open at byte `at` (strings skipped): cJSON refuses a
 * value nested past CJSON_NESTING_LIMIT, and its failure alone reads like
 * a syntax error. Only a failed parse pays for this scan.
 */
static size_t depth_at(const char *body, size_t at)
{
    size_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; i <= at; i++) {
        char c = body[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return depth;
}

/*
 * The size check comes first so a hostile length never reaches cJSON, which
 * allocates a node per value (about 64 bytes each, so a body can cost ten
 * times its size in memory). The messages name byte offsets, not content:
 * the body may hold anything.
 */
md_status jsonx_parse(const char *body, size_t len, size_t max, cJSON **out, struct md_err *err)
{
    *out = NULL;
    if (max == 0)
        max = JSONX_MAX_BODY;
    if (len > max)
        return md_err_set(err, MD_ERR_TOO_BIG, "reply of %zu bytes is over the %zu byte limit", len,
                          max);
    if (body == NULL || len == 0)
        return md_err_set(err, MD_ERR_PARSE, "empty reply where JSON was expected");

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (root == NULL) {
        size_t at = end != NULL && end >= body ? (size_t)(end - body) : 0;
        /* cJSON reports running off the end as an error at the last byte */
        if (at + 1 >= len)
            return md_err_set(err, MD_ERR_PARSE, "truncated JSON (%zu bytes)", len);
        if (depth_at(body, at) >= CJSON_NESTING_LIMIT)
            return md_err_set(err, MD_ERR_PARSE,
                              "JSON nested deeper than %d levels (at byte %zu): refused",
                              CJSON_NESTING_LIMIT, at);
        return md_err_set(err, MD_ERR_PARSE, "invalid JSON at byte %zu", at);
    }
    /* cJSON stops after the first value; anything but blanks after it is garbage. */
    for (const char *p = end; p != NULL && p < body + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '\0') {
            cJSON_Delete(root);
            return md_err_set(err, MD_ERR_PARSE, "invalid JSON: trailing data at byte %zu",
                              (size_t)(p - body));
        }
    }
    *out = root;
    return MD_OK;
}

/* Keys are matched case-sensitively: protobuf JSON names are exact. */
const cJSON *jsonx_get(const cJSON *obj, const char *key)
{
    if (obj == NULL || !cJSON_IsObject(obj))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const char *jsonx_str_raw(const cJSON *obj, const char *key)
{
    const cJSON *v = jsonx_get(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

void jsonx_fmt_double(char *buf, size_t n, double d)
{
    if (isfinite(d) && fabs(d) < 9007199254740992.0 && d == floor(d)) {
        snprintf(buf, n, "%.0f", d == 0 ? 0.0 : d);
        return;
    }
    /* as cJSON does: 15 digits when they read back exactly, else 17 (always exact) */
    snprintf(buf, n, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, n, "%.17g", d);
}

/*
 * Identifiers arrive as strings from MLflow but as numbers from some
 * proxies and older servers ("experiment_id": 12); both read the same.
 */
char *jsonx_value_dup(const cJSON *v)
{
    if (v == NULL)
        return md_xstrdup("");
    if (cJSON_IsString(v))
        return md_xstrdup_clean(v->valuestring);
    if (cJSON_IsNumber(v)) {
        char buf[40];
        jsonx_fmt_double(buf, sizeof(buf), v->valuedouble);
        return md_xstrdup(buf);
    }
    if (cJSON_IsBool(v))
        return md_xstrdup(cJSON_IsTrue(v) ? "true" : "false");
    return md_xstrdup("");
}

char *jsonx_str(const cJSON *obj, const char *key)
{
    return jsonx_value_dup(jsonx_get(obj, key));
}

/* 2^63 as a double: the first value outside int64. */
#define TWO_63 9223372036854775808.0

/*
 * Epoch milliseconds fit a double exactly (they are far below 2^53), so
 * valuedouble loses nothing for the values MLflow sends; the range check
 * keeps the cast defined for hostile ones.
 */
int64_t jsonx_int64(const cJSON *obj, const char *key, int64_t def)
{
    const cJSON *v = jsonx_get(obj, key);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!isfinite(d) || d >= TWO_63 || d < -TWO_63)
            return def;
        return (int64_t)d;
    }
    if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
        /* proto3 JSON spells int64 as strings; MLflow converts them back, others may not */
        char *end = NULL;
        errno = 0;
        long long ll = strtoll(v->valuestring, &end, 10);
        if (errno != 0 || end == v->valuestring || *end != '\0')
            return def;
        return (int64_t)ll;
    }
    return def;
}

/* Protobuf JSON writes NaN and the infinities as strings; numeric strings are tolerated. */
double jsonx_value_double(const cJSON *v, double def)
{
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (!cJSON_IsString(v))
        return def;
    const char *s = v->valuestring;
    if (strcmp(s, "NaN") == 0)
        return NAN;
    if (strcmp(s, "Infinity") == 0)
        return INFINITY;
    if (strcmp(s, "-Infinity") == 0)
        return -INFINITY;
    double d = 0;
    if (md_parse_double(s, &d) != MD_OK)
        return def;
    return d;
}

double jsonx_double(const cJSON *obj, const char *key, double def)
{
    return jsonx_value_double(jsonx_get(obj, key), def);
}

const cJSON *jsonx_array(const cJSON *obj, const char *key, bool *bad)
{
    const cJSON *v = jsonx_get(obj, key);
    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsArray(v)) {
        if (bad != NULL)
            *bad = true;
        return NULL;
    }
    return v;
}

/* Counted by walking: cJSON_GetArraySize() returns an int. */
size_t jsonx_count(const cJSON *arr)
{
    if (!cJSON_IsArray(arr))
        return 0;
    size_t n = 0;
    for (const cJSON *it = arr->child; it != NULL; it = it->next)
        n++;
    return n;
}

/*
 * One exact allocation per record (the count is known before mapping); the
 * array is freed again when every entry lacked a key, so an empty kvs is
 * always {NULL, 0}.
 */
md_status jsonx_kvs(const cJSON *arr, size_t max, struct md_kvs *out, struct md_err *err)
{
    out->v = NULL;
    out->n = 0;
    size_t n = jsonx_count(arr);
    if (n == 0)
        return MD_OK;
    if (n > max)
        return md_err_set(err, MD_ERR_TOO_BIG, "%zu key/value pairs in one record (limit %zu)", n,
                          max);
    out->v = md_xcalloc(n, sizeof(*out->v));
    for (const cJSON *it = arr->child; it != NULL; it = it->next) {
        const cJSON *k = jsonx_get(it, "key");
        if (!cJSON_IsString(k) && !cJSON_IsNumber(k))
            continue;
        struct md_kv *kv = &out->v[out->n++];
        kv->key = jsonx_value_dup(k);
        kv->value = jsonx_str(it, "value");
    }
    if (out->n == 0) {
        free(out->v);
        out->v = NULL;
    }
    return MD_OK;
}

/* Linear: tag lists are short, and the first match wins as in MLflow's own lookups. */
const char *jsonx_kv_find(const cJSON *arr, const char *key)
{
    if (!cJSON_IsArray(arr))
        return NULL;
    for (const cJSON *it = arr->child; it != NULL; it = it->next) {
        const char *k = jsonx_str_raw(it, "key");
        if (k != NULL && strcmp(k, key) == 0)
            return jsonx_str_raw(it, "value");
    }
    return NULL;
}

md_status jsonx_list(const cJSON *root, const char *key, size_t cap, const cJSON **arr,
                     struct md_err *err)
{
    bool bad = false;
    *arr = jsonx_array(root, key, &bad);
    if (bad)
        return md_err_set(err, MD_ERR_PARSE, "'%s' in the reply is not a list", key);
    size_t n = jsonx_count(*arr);
    if (n > cap)
        return md_err_set(err, MD_ERR_TOO_BIG, "%zu entries in '%s' (limit %zu)", n, key, cap);
    return MD_OK;
}

/*
 * config_drift.c - the drift-job settings that need more than their type:
 * thresholds (md_drift_threshold_parse() syntax), methods (drift method
 * names as a mask), and the checks across a job's keys once it is read
 * (s3:// URIs, the S3 endpoint, a column forced both categorical and
 * numeric). See config_int.h.
 *
 * Apart from config.c because these rules belong to drift jobs, not to the
 * loader: config.c walks any mapping through the table and calls in here
 * for the rows whose type or scope asks for it. Every error points at the
 * node at fault (file:line:column), as the loader's own do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "mldeck/drift.h"
#include "mldeck/s3.h"
#include "base/yamlx_int.h"

md_status md_config_drift_thresholds(const char *file, const struct md_config_setting *s,
                                     const struct yamlx_node *map, void *obj, struct md_err *err)
{
    if (map->kind != YAMLX_MAP)
        return yamlx_fail(err, file, map,
                          "expected a mapping of METHOD: \"WARN,DRIFT\" for '%s', got %s", s->name,
                          yamlx_kind_str(map));
    char ***v = md_config_field(obj, s);
    size_t *n = md_config_count(obj, s);
    *v = md_xcalloc(yamlx_pairs(map) ? yamlx_pairs(map) : 1, sizeof(**v));
    for (size_t i = 0; i < yamlx_pairs(map); i++) {
        const struct yamlx_node *k = yamlx_key(map, i), *val = yamlx_value(map, i);
        if (k->kind != YAMLX_SCALAR || val->kind != YAMLX_SCALAR)
            return yamlx_fail(err, file, k->kind != YAMLX_SCALAR ? k : val,
                              "expected METHOD: \"WARN,DRIFT\" in '%s', got %s", s->name,
                              yamlx_kind_str(k->kind != YAMLX_SCALAR ? k : val));
        char *spec = md_xasprintf("%s=%s", k->text, val->text);
        struct md_drift_threshold t;
        struct md_err terr = MD_ERR_INIT;
        if (md_drift_threshold_parse(spec, &t, &terr) != MD_OK) {
            free(spec);
            /* A bad method or feature points at the key, a bad number at the value. */
            bool at_key = strstr(terr.msg, "method") || strstr(terr.msg, "feature name");
            return yamlx_fail(err, file, at_key ? k : val, "%s", terr.msg);
        }
        (*v)[(*n)++] = spec;
    }
    return MD_OK;
}

md_status md_config_drift_methods(const char *file, const struct md_config_setting *s,
                                  const struct yamlx_node *seq, void *obj, struct md_err *err)
{
    static const char *const names[] = {"psi", "w1", "js", "ks", "chi2"};
    _Static_assert(MD_ARRAY_LEN(names) == MD_DRIFT_METHOD_COUNT, "a name per method");
    char q[YAMLX_QUOTE_SIZE];
    if (seq->kind != YAMLX_SEQ)
        return yamlx_fail(err, file, seq, "expected a list of methods for '%s', got %s", s->name,
                          yamlx_kind_str(seq));
    /* An empty list would compute nothing and call every window "n/a": say so instead. */
    if (seq->n == 0)
        return yamlx_fail(err, file, seq, "no method in '%s' (psi, w1, js, ks, chi2)", s->name);
    unsigned mask = 0;
    for (size_t i = 0; i < seq->n; i++) {
        const struct yamlx_node *item = seq->kids[i];
        enum md_drift_method m;
        if (item->kind != YAMLX_SCALAR)
            return yamlx_fail(err, file, item, "expected a method name in '%s', got %s", s->name,
                              yamlx_kind_str(item));
        if (md_drift_method_parse(item->text, &m) != MD_OK) {
            const char *sug = yamlx_suggest(item->text, names, MD_ARRAY_LEN(names));
            return yamlx_fail(err, file, item,
                              "unknown method '%s' in '%s'%s%s%s; expected "
                              "psi, w1, js, ks or chi2",
                              yamlx_quote(q, sizeof(q), item->text), s->name,
                              sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        }
        if (mask & md_drift_method_bit(m))
            return yamlx_fail(err, file, item, "method '%s' twice in '%s'", item->text, s->name);
        mask |= md_drift_method_bit(m);
    }
    *(unsigned *)md_config_field(obj, s) = mask;
    return MD_OK;
}

/* The item of a NAMES row's sequence that reads `name`, for an error's position. */
static const struct yamlx_node *name_item(const struct yamlx_node *map,
                                          const struct yamlx_node *key, const char *name)
{
    const struct yamlx_node *seq = key ? md_config_value_of(map, key) : map;
    for (size_t i = 0; seq->kind == YAMLX_SEQ && i < seq->n; i++)
        if (seq->kids[i]->kind == YAMLX_SCALAR && !strcmp(seq->kids[i]->text, name))
            return seq->kids[i];
    return seq;
}

/*
 * A column in both type overrides would be read as categorical (that list is
 * applied first) without a word: an operator who wrote both meant one of them.
 */
static md_status check_overrides(const char *file, const struct md_drift_job_conf *j,
                                 const struct yamlx_node *map, const struct yamlx_node **seen,
                                 struct md_err *err)
{
    char q[YAMLX_QUOTE_SIZE];
    const struct md_config_setting *num = md_config_find(MD_CONFIG_DRIFT, "numeric");
    for (size_t i = 0; i < j->n_numeric; i++) {
        for (size_t k = 0; k < j->n_categorical; k++) {
            if (strcmp(j->numeric[i], j->categorical[k]))
                continue;
            return yamlx_fail(err, file,
                              name_item(map, seen[num - md_config_settings], j->numeric[i]),
                              "column '%s' is both 'categorical' and 'numeric' in drift job '%s'",
                              yamlx_quote(q, sizeof(q), j->numeric[i]), j->name);
        }
    }
    return MD_OK;
}

/*
 * A drift job's s3:// URIs must name a bucket (and an object, but for the
 * current prefix) and its S3 endpoint be http(s) without credentials: a typo
 * fails at load, at its position, not when the job first runs.
 */
md_status md_config_drift_finish(const char *file, struct md_drift_job_conf *j,
                                 const struct yamlx_node *map, const struct yamlx_node **seen,
                                 struct md_err *err)
{
    static const char *const keys[] = {"reference", "current", "violations", "s3_endpoint_url"};
    char q[YAMLX_QUOTE_SIZE];
    for (size_t i = 0; i < MD_ARRAY_LEN(keys); i++) {
        const struct md_config_setting *s = md_config_find(MD_CONFIG_DRIFT, keys[i]);
        const char *v = *(char **)md_config_field(j, s);
        char *bucket = NULL, *k = NULL;
        struct md_err e = MD_ERR_INIT;
        if (i == 3 && v[0] && (!md_config_is_http_url(v) || md_config_url_has_userinfo(v)))
            md_err_set(&e, MD_ERR_INVALID,
                       "expected an http:// or https:// URL without "
                       "credentials");
        else if (i < 3 && md_s3_is_uri(v) && !md_s3_uri_parse(v, &bucket, &k, &e) && !*k && i != 1)
            md_err_set(&e, MD_ERR_INVALID, "no key after the bucket");
        free(bucket);
        free(k);
        const struct yamlx_node *key = seen[s - md_config_settings];
        if (e.code)
            return yamlx_fail(err, file, key ? md_config_value_of(map, key) : map,
                              "bad '%s' in drift job '%s': %s", keys[i],
                              yamlx_quote(q, sizeof(q), j->name), e.msg);
    }
    md_config_strip_slashes(j->s3_endpoint_url);
    return check_overrides(file, j, map, seen, err);
}

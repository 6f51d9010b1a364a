/*
 * config.c - load the operator's configuration through the settings table.
 *
 * The YAML becomes a yamlx tree (positions on every node); walk_map() applies
 * each key through its row in core/config/config_table.c, so types, ranges, choices,
 * defaults and help live in one place. Then the environment, then cross-checks
 * (unique names, a backend per context, a known current context). The command
 * line is applied by the caller afterwards. Secret values never enter the
 * struct: keys that look like secrets are refused outright. A drift job's
 * settings that need more than their type (thresholds, methods, s3:// URIs,
 * type overrides) are checked in config_drift.c.
 */
#include "mldeck/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "base/yamlx_int.h"

#define MAX_ROWS 96
#define DEFAULT_TRACKING_URI "http://127.0.0.1:5000"

_Static_assert(sizeof(enum md_backend_kind) == sizeof(int), "enum stored as int");
_Static_assert(offsetof(struct md_context, name) == 0, "walk_list reads names at offset 0");
_Static_assert(offsetof(struct md_backend_conf, name) == 0, "walk_list reads names at offset 0");
_Static_assert(offsetof(struct md_drift_job_conf, name) == 0, "walk_list reads names at offset 0");

/* One load: the file name for messages and what later checks need to point at. */
struct loader {
    const char *name;
    struct md_config *cfg;
    struct md_err *err;
    const struct yamlx_node *current_node; /* value of current_context in the file */
    size_t visited;                        /* keys walked, aliases counted each time */
};

/* Aliases let a small file name the same lists many times; cap the work. */
#define MAX_VISITED (4 * YAMLX_MAX_NODES)

static bool is_string_type(enum md_config_type t)
{
    return t == MD_CONFIG_STRING || t == MD_CONFIG_NAME || t == MD_CONFIG_ENV_NAME;
}

static void set_string(void *obj, const struct md_config_setting *s, const char *v)
{
    char **p = md_config_field(obj, s);
    free(*p);
    *p = md_xstrdup(v);
}

/* "unknown key 'x' in context", "context 'prod' has no 'backends'" */
static const char *const scope_words[] = {"at top level", "in context", "in backend",
                                          "in drift job"};
static const char *const scope_noun[] = {"top level", "context", "backend", "drift job"};

static bool valid_env_name(const char *s)
{
    if (!s[0] || strlen(s) > 255 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static void choices_list(const struct md_config_setting *s, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; s->choices[i] && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", s->choices[i]);
}

static md_status convert_duration(const struct md_config_setting *s, const char *text, long *out,
                                  char *why, size_t wsz)
{
    char q[YAMLX_QUOTE_SIZE];
    bool secs = s->type == MD_CONFIG_SECONDS;
    size_t digits = strspn(text, "0123456789");
    long long v;
    if (digits > 0 && text[digits] == '\0') { /* a bare number is in the setting's unit */
        v = 0;
        for (size_t i = 0; i < digits && v <= s->max; i++)
            v = v * 10 + (text[i] - '0');
    } else {
        int64_t ms;
        if (md_parse_duration_ms(text, &ms)) {
            snprintf(why, wsz, "expected a duration for '%s' such as %s, got '%s'", s->name,
                     secs ? "10, 30s or 5m" : "15000, 500ms or 30s",
                     yamlx_quote(q, sizeof(q), text));
            return MD_ERR_CONFIG;
        }
        if (secs && ms % 1000 != 0) {
            snprintf(why, wsz, "expected whole seconds for '%s', got '%s'", s->name,
                     yamlx_quote(q, sizeof(q), text));
            return MD_ERR_CONFIG;
        }
        v = secs ? ms / 1000 : ms;
    }
    if (v < s->min || v > s->max) {
        snprintf(why, wsz, "value '%s' for '%s' out of range (%ld to %ld %s)",
                 yamlx_quote(q, sizeof(q), text), s->name, s->min, s->max,
                 secs ? "seconds" : "milliseconds");
        return MD_ERR_CONFIG;
    }
    *out = (long)v;
    return MD_OK;
}

/*
 * Turn text into the value of setting s inside obj. On failure the reason,
 * without position, goes to why. Environment values also accept 1 and 0.
 */
static md_status convert(const struct md_config_setting *s, const char *text, bool from_env,
                         void *obj, char *why, size_t wsz)
{
    char q[YAMLX_QUOTE_SIZE];
    switch (s->type) {
    case MD_CONFIG_STRING:
        set_string(obj, s, text);
        return MD_OK;
    case MD_CONFIG_NAME:
        for (const char *p = text; *p; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                snprintf(why, wsz, "control character in '%s'", s->name);
                return MD_ERR_CONFIG;
            }
        }
        if (!text[0]) {
            snprintf(why, wsz, "empty value for '%s'", s->name);
            return MD_ERR_CONFIG;
        }
        set_string(obj, s, text);
        return MD_OK;
    case MD_CONFIG_ENV_NAME:
        if (!valid_env_name(text)) { /* never quote it: it may be the secret itself */
            snprintf(why, wsz,
                     "expected the name of an environment variable for '%s' "
                     "(the variable that holds the secret, not the secret)",
                     s->name);
            return MD_ERR_CONFIG;
        }
        set_string(obj, s, text);
        return MD_OK;
    case MD_CONFIG_BOOL: {
        bool b;
        if (!yamlx_parse_bool(text, from_env, &b)) {
            snprintf(why, wsz, "expected true or false for '%s', got '%s'", s->name,
                     yamlx_quote(q, sizeof(q), text));
            return MD_ERR_CONFIG;
        }
        *(bool *)md_config_field(obj, s) = b;
        return MD_OK;
    }
    case MD_CONFIG_LONG: {
        long v;
        if (md_parse_long(text, s->min, s->max, &v) != MD_OK) {
            snprintf(why, wsz, "expected a whole number from %ld to %ld for '%s', got '%s'", s->min,
                     s->max, s->name, yamlx_quote(q, sizeof(q), text));
            return MD_ERR_CONFIG;
        }
        *(long *)md_config_field(obj, s) = v;
        return MD_OK;
    }
    case MD_CONFIG_ENUM: {
        size_t n = 0;
        for (; s->choices[n]; n++) {
            if (strcasecmp(text, s->choices[n]) == 0) {
                int v = (int)n;
                memcpy(md_config_field(obj, s), &v, sizeof(v));
                return MD_OK;
            }
        }
        char list[128];
        choices_list(s, list, sizeof(list));
        const char *sug = yamlx_suggest(text, s->choices, n);
        snprintf(why, wsz, "unknown value '%s' for '%s'%s%s%s; expected one of %s",
                 yamlx_quote(q, sizeof(q), text), s->name, sug ? " (did you mean '" : "",
                 sug ? sug : "", sug ? "'?)" : "", list);
        return MD_ERR_CONFIG;
    }
    case MD_CONFIG_SECONDS:
    case MD_CONFIG_MILLIS:
        return convert_duration(s, text, (long *)md_config_field(obj, s), why, wsz);
    case MD_CONFIG_LIMITS:
        return md_config_limits_parse(s, text, md_config_field(obj, s), why, wsz) ? MD_OK
                                                                                  : MD_ERR_CONFIG;
    case MD_CONFIG_LIST:
    case MD_CONFIG_NAMES:
    case MD_CONFIG_THRESHOLDS:
    case MD_CONFIG_METHODS:
        break;
    }
    MD_BUG("setting '%s' cannot be converted from text", s->name);
}

/* Every setting of a scope at its default; strings become "" rather than NULL. */
static void init_defaults(enum md_config_scope scope, void *obj)
{
    char why[128];
    for (size_t i = 0; i < md_config_n_settings; i++) {
        const struct md_config_setting *s = &md_config_settings[i];
        if (s->scope != scope || s->type == MD_CONFIG_LIST || s->type == MD_CONFIG_NAMES ||
            s->type == MD_CONFIG_THRESHOLDS || s->type == MD_CONFIG_METHODS)
            continue;
        if (is_string_type(s->type) && (!s->def || (s->flags & MD_CONFIG_MLFLOW_DEF)))
            set_string(obj, s, "");
        else if (s->def && convert(s, s->def, false, obj, why, sizeof(why)) != MD_OK)
            MD_BUG("bad default for '%s': %s", s->name, why);
    }
}

static void release_scope(enum md_config_scope scope, void *obj)
{
    for (size_t i = 0; i < md_config_n_settings; i++) {
        const struct md_config_setting *s = &md_config_settings[i];
        if (s->scope == scope && is_string_type(s->type)) {
            char **p = md_config_field(obj, s);
            free(*p);
            *p = NULL;
        } else if (s->scope == scope &&
                   (s->type == MD_CONFIG_NAMES || s->type == MD_CONFIG_THRESHOLDS)) {
            char ***v = md_config_field(obj, s);
            size_t *n = md_config_count(obj, s);
            for (size_t k = 0; k < *n; k++)
                free((*v)[k]);
            free(*v);
            *v = NULL;
            *n = 0;
        }
    }
}

/* Keys that hold a secret have no place in a file that gets copied around. */
static const char *secret_hint(const char *key)
{
    static const char *const words[] = {"token",      "password",    "passwd",
                                        "secret",     "api_key",     "apikey",
                                        "access_key", "private_key", "credential"};
    char low[64];
    size_t n = strlen(key);
    if (n >= sizeof(low) || (n >= 4 && strcmp(key + n - 4, "_env") == 0))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] - 'A' + 'a' : key[i]);
    for (size_t i = 0; i < MD_ARRAY_LEN(words); i++)
        if (strstr(low, words[i]))
            return strstr(low, "pass") ? "password_env" : "token_env";
    return NULL;
}

static md_status unknown_key(struct loader *ld, enum md_config_scope scope,
                             const struct yamlx_node *key)
{
    const char *cands[MAX_ROWS];
    size_t n = 0;
    for (size_t i = 0; i < md_config_n_settings && n < MAX_ROWS; i++)
        if (md_config_settings[i].scope == scope)
            cands[n++] = md_config_settings[i].name;
    const char *sug = yamlx_suggest(key->text, cands, n);
    char q[YAMLX_QUOTE_SIZE];
    return yamlx_fail(ld->err, ld->name, key, "unknown key '%s' %s%s%s%s",
                      yamlx_quote(q, sizeof(q), key->text), scope_words[scope],
                      sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
}

static md_status walk_map(struct loader *ld, enum md_config_scope scope,
                          const struct yamlx_node *map, void *obj, const struct yamlx_node **seen);

/* A mapping's "name" value, when it has a usable one, for messages. */
static const struct yamlx_node *name_node(const struct yamlx_node *map)
{
    for (size_t i = 0; i < yamlx_pairs(map); i++) {
        const struct yamlx_node *k = yamlx_key(map, i), *v = yamlx_value(map, i);
        if (k->kind == YAMLX_SCALAR && strcmp(k->text, "name") == 0 && v->kind == YAMLX_SCALAR)
            return v;
    }
    return NULL;
}

/* token_env and friends default to the MLflow names, for MLflow backends only. */
static void mlflow_defaults(struct md_backend_conf *b, const struct yamlx_node **seen)
{
    for (size_t i = 0; i < md_config_n_settings; i++) {
        const struct md_config_setting *s = &md_config_settings[i];
        if (s->scope == MD_CONFIG_BACKEND && (s->flags & MD_CONFIG_MLFLOW_DEF) &&
            (!seen || !seen[i]) && b->kind == MD_BACKEND_MLFLOW)
            set_string(b, s, s->def);
    }
}

/* Checks a backend needs beyond its own keys: kind defaults, url, TLS options. */
static md_status finish_backend(struct loader *ld, struct md_backend_conf *b,
                                const struct yamlx_node *map, const struct yamlx_node **seen)
{
    char q[YAMLX_QUOTE_SIZE];
    mlflow_defaults(b, seen);
    const struct md_config_setting *url = md_config_find(MD_CONFIG_BACKEND, "url");
    const struct yamlx_node *url_key = seen[url - md_config_settings];
    const struct yamlx_node *url_val = url_key ? md_config_value_of(map, url_key) : map;
    if (!b->url[0] && (b->kind == MD_BACKEND_MLFLOW || b->kind == MD_BACKEND_FIXTURE))
        return yamlx_fail(ld->err, ld->name, url_key ? url_key : map,
                          "backend '%s' has no 'url' (required for type %s)",
                          yamlx_quote(q, sizeof(q), b->name), md_backend_kind_str(b->kind));
    if (b->url[0] && b->kind != MD_BACKEND_FIXTURE) {
        if (md_config_url_has_userinfo(b->url))
            return yamlx_fail(ld->err, ld->name, url_val,
                              "refusing credentials in 'url': name environment variables with "
                              "'username_env' and 'password_env' instead");
        if (!md_config_is_http_url(b->url))
            return yamlx_fail(ld->err, ld->name, url_val,
                              "expected an http:// or https:// URL for 'url', got '%s'",
                              yamlx_quote(q, sizeof(q), b->url));
        md_config_strip_slashes(b->url);
    }
    const struct md_config_setting *ins = md_config_find(MD_CONFIG_BACKEND, "insecure_tls");
    if (b->insecure_tls && b->ca_path[0])
        return yamlx_fail(ld->err, ld->name, seen[ins - md_config_settings],
                          "'insecure_tls' and 'ca_path' cannot both be set");
    return MD_OK;
}

/* A sequence of contexts or backends: each a mapping with a unique name. */
static md_status walk_list(struct loader *ld, const struct md_config_setting *s,
                           const struct yamlx_node *seq, void *parent)
{
    const char *what = scope_noun[s->child];
    if (seq->kind != YAMLX_SEQ)
        return yamlx_fail(ld->err, ld->name, seq, "expected a list of %ss for '%s', got %s", what,
                          s->name, yamlx_kind_str(seq));
    size_t n = seq->n;
    size_t *count;
    size_t size = s->child == MD_CONFIG_CONTEXT   ? sizeof(struct md_context)
                  : s->child == MD_CONFIG_BACKEND ? sizeof(struct md_backend_conf)
                                                  : sizeof(struct md_drift_job_conf);
    char *items = md_xcalloc(n ? n : 1, size);
    if (s->child == MD_CONFIG_CONTEXT) {
        struct md_config *cfg = parent;
        cfg->contexts = (struct md_context *)(void *)items;
        count = &cfg->n_contexts;
    } else if (s->child == MD_CONFIG_DRIFT) {
        struct md_context *ctx = parent;
        ctx->drift = (struct md_drift_job_conf *)(void *)items;
        count = &ctx->n_drift;
    } else {
        struct md_context *ctx = parent;
        ctx->backends = (struct md_backend_conf *)(void *)items;
        count = &ctx->n_backends;
    }
    md_status st = MD_OK;
    const struct yamlx_node *seen[MAX_ROWS];
    const struct yamlx_node **names = md_xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n && st == MD_OK; i++) {
        const struct yamlx_node *item = seq->kids[i];
        void *obj = items + i * size;
        if (item->kind != YAMLX_MAP) {
            st = yamlx_fail(ld->err, ld->name, item, "expected a mapping for each %s, got %s", what,
                            yamlx_kind_str(item));
            break;
        }
        init_defaults(s->child, obj);
        (*count)++;
        st = walk_map(ld, s->child, item, obj, seen);
        if (st)
            break;
        names[i] = name_node(item);
        const char *name = *(char **)obj; /* name is the first field of both structs */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(*(char **)(void *)(items + j * size), name) == 0) {
                char q[YAMLX_QUOTE_SIZE];
                st = yamlx_fail(ld->err, ld->name, names[i],
                                "duplicate %s name '%s' (first at %d:%d)", what,
                                yamlx_quote(q, sizeof(q), name), names[j]->line, names[j]->col);
                break;
            }
        }
        if (st == MD_OK && s->child == MD_CONFIG_BACKEND)
            st = finish_backend(ld, obj, item, seen);
        else if (st == MD_OK && s->child == MD_CONFIG_DRIFT)
            st = md_config_drift_finish(ld->name, obj, item, seen, ld->err);
    }
    free(names);
    return st;
}

/* A sequence of names (features, categorical columns) into a char ** and its count. */
static md_status walk_names(struct loader *ld, const struct md_config_setting *s,
                            const struct yamlx_node *seq, void *obj)
{
    char why[200];
    if (seq->kind != YAMLX_SEQ)
        return yamlx_fail(ld->err, ld->name, seq, "expected a list of names for '%s', got %s",
                          s->name, yamlx_kind_str(seq));
    char ***v = md_config_field(obj, s);
    size_t *n = md_config_count(obj, s);
    *v = md_xcalloc(seq->n ? seq->n : 1, sizeof(**v));
    const struct md_config_setting one = {.name = s->name, .type = MD_CONFIG_NAME};
    for (size_t i = 0; i < seq->n; i++) {
        const struct yamlx_node *item = seq->kids[i];
        char *text = NULL;
        if (item->kind != YAMLX_SCALAR)
            return yamlx_fail(ld->err, ld->name, item, "expected a name in '%s', got %s", s->name,
                              yamlx_kind_str(item));
        /* convert() stores through .offset 0 of a one-pointer "struct": text. */
        if (convert(&one, item->text, false, &text, why, sizeof(why)) != MD_OK)
            return yamlx_fail(ld->err, ld->name, item, "%s", why);
        (*v)[(*n)++] = text;
    }
    return MD_OK;
}

/* Apply one mapping through the table; seen[] gets the key node of each row set. */
static md_status walk_map(struct loader *ld, enum md_config_scope scope,
                          const struct yamlx_node *map, void *obj, const struct yamlx_node **seen)
{
    char q[YAMLX_QUOTE_SIZE];
    char why[200];
    if (md_config_n_settings > MAX_ROWS)
        MD_BUG("settings table has %zu rows, seen[] holds %d", md_config_n_settings, MAX_ROWS);
    memset(seen, 0, MAX_ROWS * sizeof(*seen));
    ld->visited += yamlx_pairs(map);
    if (ld->visited > MAX_VISITED)
        return md_err_set(ld->err, MD_ERR_TOO_BIG,
                          "%s:%d:%d: more than %d settings once "
                          "aliases are expanded",
                          ld->name, map->line, map->col, MAX_VISITED);
    for (size_t i = 0; i < yamlx_pairs(map); i++) {
        const struct yamlx_node *key = yamlx_key(map, i), *val = yamlx_value(map, i);
        if (key->kind != YAMLX_SCALAR)
            return yamlx_fail(ld->err, ld->name, key, "expected a key name %s, got %s",
                              scope_words[scope], yamlx_kind_str(key));
        const struct md_config_setting *s = md_config_find(scope, key->text);
        const char *hint = s ? NULL : secret_hint(key->text);
        if (hint)
            return yamlx_fail(ld->err, ld->name, key,
                              "refusing secret-looking key '%s': keep secrets in the "
                              "environment and name the variable with '%s'",
                              yamlx_quote(q, sizeof(q), key->text), hint);
        if (!s)
            return unknown_key(ld, scope, key);
        size_t row = (size_t)(s - md_config_settings);
        if (seen[row])
            return yamlx_fail(ld->err, ld->name, key, "duplicate key '%s' %s (first at %d:%d)",
                              s->name, scope_words[scope], seen[row]->line, seen[row]->col);
        seen[row] = key;
        if (yamlx_is_null(val))
            return yamlx_fail(ld->err, ld->name, val, "missing value for '%s'", s->name);
        md_status st;
        if (s->type == MD_CONFIG_LIST || s->type == MD_CONFIG_NAMES ||
            s->type == MD_CONFIG_THRESHOLDS || s->type == MD_CONFIG_METHODS) {
            st = s->type == MD_CONFIG_LIST    ? walk_list(ld, s, val, obj)
                 : s->type == MD_CONFIG_NAMES ? walk_names(ld, s, val, obj)
                 : s->type == MD_CONFIG_THRESHOLDS
                     ? md_config_drift_thresholds(ld->name, s, val, obj, ld->err)
                     : md_config_drift_methods(ld->name, s, val, obj, ld->err);
            if (st)
                return st;
            continue;
        }
        if (val->kind != YAMLX_SCALAR)
            return yamlx_fail(ld->err, ld->name, val, "expected a single value for '%s', got %s",
                              s->name, yamlx_kind_str(val));
        if (convert(s, val->text, false, obj, why, sizeof(why)) != MD_OK)
            return yamlx_fail(ld->err, ld->name, val, "%s", why);
        if (scope == MD_CONFIG_TOP && strcmp(s->name, "current_context") == 0)
            ld->current_node = val;
    }
    for (size_t i = 0; i < md_config_n_settings; i++) {
        const struct md_config_setting *s = &md_config_settings[i];
        if (s->scope != scope || !(s->flags & MD_CONFIG_REQUIRED) || seen[i])
            continue;
        const struct yamlx_node *nm = name_node(map);
        if (strcmp(s->name, "name") == 0 || !nm)
            return yamlx_fail(ld->err, ld->name, map, "%s has no '%s'", scope_noun[scope], s->name);
        return yamlx_fail(ld->err, ld->name, map, "%s '%s' has no '%s'", scope_noun[scope],
                          yamlx_quote(q, sizeof(q), nm->text), s->name);
    }
    if (scope == MD_CONFIG_CONTEXT && ((struct md_context *)obj)->n_backends == 0)
        return yamlx_fail(ld->err, ld->name, map, "context '%s' has no backends",
                          yamlx_quote(q, sizeof(q), ((struct md_context *)obj)->name));
    return MD_OK;
}

/* Top-level settings that name a variable: the environment beats the file. */
static md_status apply_env(struct loader *ld, bool *theme_from_env)
{
    char why[200];
    char q[YAMLX_QUOTE_SIZE];
    for (size_t i = 0; i < md_config_n_settings; i++) {
        const struct md_config_setting *s = &md_config_settings[i];
        const char *v = s->scope == MD_CONFIG_TOP && s->env ? getenv(s->env) : NULL;
        if (!v || !v[0])
            continue;
        if (s->flags & MD_CONFIG_ENV_LATCH) {
            bool on;
            if (!yamlx_parse_bool(v, true, &on))
                return md_err_set(ld->err, MD_ERR_CONFIG,
                                  "%s: expected true or false for '%s', got '%s'", s->env, s->name,
                                  yamlx_quote(q, sizeof(q), v));
            if (on)
                *(bool *)md_config_field(ld->cfg, s) = true;
            continue;
        }
        if (convert(s, v, true, ld->cfg, why, sizeof(why)) != MD_OK)
            return md_err_set(ld->err, MD_ERR_CONFIG, "%s: %s", s->env, why);
        if (strcmp(s->name, "current_context") == 0)
            ld->current_node = NULL;
        if (strcmp(s->name, "theme") == 0)
            *theme_from_env = true;
    }
    return MD_OK;
}

/* No contexts in a file, or no file: one context from the MLflow variables. */
static md_status env_default_context(struct loader *ld)
{
    struct md_config *cfg = ld->cfg;
    char q[YAMLX_QUOTE_SIZE];
    const char *uri = getenv("MLFLOW_TRACKING_URI");
    const char *ins = getenv("MLFLOW_TRACKING_INSECURE_TLS");
    const char *cert = getenv("MLFLOW_TRACKING_SERVER_CERT_PATH");
    bool insecure = false;
    if (!uri || !uri[0])
        uri = DEFAULT_TRACKING_URI;
    if (!md_config_is_http_url(uri))
        return md_err_set(ld->err, MD_ERR_CONFIG,
                          "unsupported MLFLOW_TRACKING_URI '%s': mldeck needs an http:// or "
                          "https:// tracking server",
                          yamlx_quote(q, sizeof(q), uri));
    if (ins && ins[0] && !yamlx_parse_bool(ins, true, &insecure))
        return md_err_set(ld->err, MD_ERR_CONFIG,
                          "MLFLOW_TRACKING_INSECURE_TLS: expected true or false, got '%s'",
                          yamlx_quote(q, sizeof(q), ins));
    if (insecure && cert && cert[0])
        return md_err_set(ld->err, MD_ERR_CONFIG,
                          "MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH "
                          "cannot both be set");
    struct md_context *ctx = md_xcalloc(1, sizeof(*ctx));
    cfg->contexts = ctx;
    cfg->n_contexts = 1;
    init_defaults(MD_CONFIG_CONTEXT, ctx);
    free(ctx->name);
    ctx->name = md_xstrdup("default");
    /* SageMaker and Azure ML when their conventional variables say so. */
    const char *aws[] = {"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_DEFAULT_REGION"};
    bool want_aws = false;
    for (size_t i = 0; i < MD_ARRAY_LEN(aws); i++)
        want_aws |= getenv(aws[i]) && getenv(aws[i])[0];
    const char *sub = getenv("AZURE_SUBSCRIPTION_ID");
    const char *ws = getenv("AZUREML_WORKSPACE");
    bool want_azure = sub && sub[0] && ws && ws[0];
    /* The 127.0.0.1:5000 guess only when MLflow is asked for or nothing else is: an
     * AWS-only operator must not get a dead MLflow backend failing every command. */
    bool want_mlflow = (getenv("MLFLOW_TRACKING_URI") && getenv("MLFLOW_TRACKING_URI")[0]) ||
                       (!want_aws && !want_azure);
    ctx->backends = md_xcalloc(3, sizeof(*ctx->backends));
    size_t n = 0;
    if (want_mlflow) {
        struct md_backend_conf *b = &ctx->backends[n++];
        init_defaults(MD_CONFIG_BACKEND, b);
        free(b->name);
        b->name = md_xstrdup("mlflow");
        b->kind = MD_BACKEND_MLFLOW;
        mlflow_defaults(b, NULL);
        free(b->url);
        b->url = md_xstrdup(uri);
        md_config_strip_slashes(b->url);
        b->insecure_tls = insecure;
        free(b->ca_path);
        b->ca_path = md_xstrdup(cert ? cert : "");
    }
    if (want_aws) {
        struct md_backend_conf *extra = &ctx->backends[n++];
        init_defaults(MD_CONFIG_BACKEND, extra);
        free(extra->name);
        extra->name = md_xstrdup("sagemaker");
        extra->kind = MD_BACKEND_SAGEMAKER;
    }
    if (want_azure) {
        struct md_backend_conf *extra = &ctx->backends[n++];
        init_defaults(MD_CONFIG_BACKEND, extra);
        free(extra->name);
        extra->name = md_xstrdup("azureml");
        extra->kind = MD_BACKEND_AZUREML;
    }
    ctx->n_backends = n;
    return MD_OK;
}

static md_status unknown_context(struct loader *ld)
{
    struct md_config *cfg = ld->cfg;
    char q[YAMLX_QUOTE_SIZE];
    const char **names = md_xcalloc(cfg->n_contexts, sizeof(*names));
    for (size_t i = 0; i < cfg->n_contexts; i++)
        names[i] = cfg->contexts[i].name;
    const char *sug = yamlx_suggest(cfg->current_context, names, cfg->n_contexts);
    char hint[160];
    snprintf(hint, sizeof(hint), "%s%s%s", sug ? " (did you mean '" : "", sug ? sug : "",
             sug ? "'?)" : "");
    free(names);
    yamlx_quote(q, sizeof(q), cfg->current_context);
    if (ld->current_node)
        return yamlx_fail(ld->err, ld->name, ld->current_node,
                          "current_context names no context: '%s'%s", q, hint);
    return md_err_set(ld->err, MD_ERR_CONFIG, "MLDECK_CONTEXT: no context named '%s'%s", q, hint);
}

/* After the file: environment, the default context, inherited settings, checks. */
static md_status finish(struct loader *ld)
{
    struct md_config *cfg = ld->cfg;
    bool theme_from_env = false;
    md_status st = apply_env(ld, &theme_from_env);
    if (st == MD_OK && cfg->n_contexts == 0)
        st = env_default_context(ld);
    if (st)
        return st;
    for (size_t i = 0; i < cfg->n_contexts; i++) {
        struct md_context *ctx = &cfg->contexts[i];
        if (!ctx->theme[0] || theme_from_env) {
            free(ctx->theme);
            ctx->theme = md_xstrdup(cfg->theme);
        }
        if (cfg->read_only)
            ctx->read_only = true; /* defence in depth: the global switch reaches every context */
    }
    if (!cfg->current_context[0]) {
        free(cfg->current_context);
        cfg->current_context = md_xstrdup(cfg->contexts[0].name);
    } else if (!md_config_context(cfg, NULL)) {
        return unknown_context(ld);
    }
    return MD_OK;
}

md_status md_config_parse(struct md_config *cfg, const char *name, const char *text, size_t len,
                          struct md_err *err)
{
    memset(cfg, 0, sizeof(*cfg));
    struct loader ld = {.name = name ? name : "", .cfg = cfg, .err = err};
    init_defaults(MD_CONFIG_TOP, cfg);
    cfg->path = md_xstrdup(ld.name);
    struct yamlx_doc doc;
    const struct yamlx_node *seen[MAX_ROWS];
    md_status st = yamlx_parse(&doc, ld.name, text ? text : "", text ? len : 0, err);
    if (st == MD_OK && doc.root) {
        if (doc.root->kind != YAMLX_MAP)
            st = yamlx_fail(err, ld.name, doc.root, "expected a mapping at top level, got %s",
                            yamlx_kind_str(doc.root));
        else
            st = walk_map(&ld, MD_CONFIG_TOP, doc.root, cfg, seen);
    }
    if (st == MD_OK)
        st = finish(&ld);
    yamlx_doc_release(&doc);
    if (st)
        md_config_release(cfg);
    else
        md_log(MD_LOG_DEBUG, "config: '%s', %zu contexts, current '%s'", cfg->path, cfg->n_contexts,
               cfg->current_context);
    return st;
}

md_status md_config_load(struct md_config *cfg, const char *path, struct md_err *err)
{
    memset(cfg, 0, sizeof(*cfg));
    char *def = path ? NULL : md_config_default_path();
    const char *p = path ? path : def;
    char *text = NULL;
    size_t len = 0;
    int errnum = ENOENT;
    md_status st = p ? yamlx_read_file(p, YAMLX_MAX_INPUT, &text, &len, &errnum) : MD_ERR_IO;
    if (st == MD_ERR_IO && !path && (errnum == ENOENT || errnum == ENOTDIR))
        st = md_config_parse(cfg, "", "", 0, err); /* no file: defaults and environment */
    else if (st == MD_ERR_IO)
        md_err_set(err, st, "cannot read config '%s': %s", p, strerror(errnum));
    else if (st)
        md_err_set(err, st, "cannot read config '%s': larger than %d bytes", p, YAMLX_MAX_INPUT);
    else
        st = md_config_parse(cfg, p, text, len, err);
    free(text);
    free(def);
    return st;
}

void md_backend_conf_release(struct md_backend_conf *b)
{
    if (b == NULL)
        return;
    release_scope(MD_CONFIG_BACKEND, b);
    memset(b, 0, sizeof(*b));
}

void md_config_release(struct md_config *cfg)
{
    for (size_t i = 0; i < cfg->n_contexts; i++) {
        struct md_context *ctx = &cfg->contexts[i];
        for (size_t j = 0; j < ctx->n_backends; j++)
            release_scope(MD_CONFIG_BACKEND, &ctx->backends[j]);
        free(ctx->backends);
        for (size_t j = 0; j < ctx->n_drift; j++)
            release_scope(MD_CONFIG_DRIFT, &ctx->drift[j]);
        free(ctx->drift);
        release_scope(MD_CONFIG_CONTEXT, ctx);
    }
    free(cfg->contexts);
    release_scope(MD_CONFIG_TOP, cfg);
    free(cfg->path);
    memset(cfg, 0, sizeof(*cfg));
}

const struct md_context *md_config_context(const struct md_config *cfg, const char *name)
{
    if (!name)
        name = cfg->current_context;
    if (!name)
        return NULL;
    for (size_t i = 0; i < cfg->n_contexts; i++)
        if (cfg->contexts[i].name && strcmp(cfg->contexts[i].name, name) == 0)
            return &cfg->contexts[i];
    return NULL;
}

const struct md_drift_job_conf *md_config_drift_job(const struct md_context *ctx, const char *name)
{
    for (size_t i = 0; ctx && name && i < ctx->n_drift; i++)
        if (ctx->drift[i].name && strcmp(ctx->drift[i].name, name) == 0)
            return &ctx->drift[i];
    return NULL;
}

const char *md_config_secret(const char *var_name)
{
    if (!var_name || !var_name[0])
        return NULL;
    return getenv(var_name);
}

char *md_config_default_path(void)
{
    return yamlx_xdg_path("XDG_CONFIG_HOME", ".config", "mldeck/config.yaml");
}

char *md_config_default_state_path(void)
{
    return yamlx_xdg_path("XDG_STATE_HOME", ".local/state", "mldeck/state.db");
}

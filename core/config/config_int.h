/*
 * config_int.h - the settings table shared by core/config/config.c (the loader and
 * the help text), core/config/config_table.c (the one place settings are declared),
 * core/config/config_drift.c (the drift-job settings that need more than a type)
 * and core/config/config_value.c (the value checks the last two share).
 *
 * Calls run one way: config.c -> config_drift.c -> config_value.c and
 * config_table.c; config.c also uses the two below it directly.
 *
 * Each row says where a setting lives (top level, a context, a backend), its
 * name in the file, how its text becomes a value, its default, its range or
 * choices, the environment variable that overrides it, its help and where in
 * the C struct the value goes. The loader knows no setting by name except the
 * few cross-checks in config.c (names, url, insecure_tls with ca_path) and
 * config_drift.c (thresholds, methods, s3:// URIs, type overrides).
 */
#ifndef MLDECK_CONFIG_INT_H
#define MLDECK_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mldeck/config.h"

/* Which struct a setting belongs to: md_config, md_context, md_backend_conf, md_drift_job_conf. */
enum md_config_scope { MD_CONFIG_TOP = 0, MD_CONFIG_CONTEXT, MD_CONFIG_BACKEND, MD_CONFIG_DRIFT };

enum md_config_type {
    MD_CONFIG_STRING,     /* char *, any text */
    MD_CONFIG_NAME,       /* char *, non-empty, no control characters */
    MD_CONFIG_ENV_NAME,   /* char *, an environment variable's name (never its value) */
    MD_CONFIG_BOOL,       /* bool */
    MD_CONFIG_LONG,       /* long in [min, max] */
    MD_CONFIG_ENUM,       /* int index into choices (enum md_backend_kind) */
    MD_CONFIG_SECONDS,    /* long seconds in [min, max]; "90", "90s", "5m", "1h" */
    MD_CONFIG_MILLIS,     /* long milliseconds in [min, max]; "1500", "500ms", "15s", "2m" */
    MD_CONFIG_LIST,       /* sequence of mappings of scope `child` (handled by the loader) */
    MD_CONFIG_NAMES,      /* char ** + size_t at count_offset: a sequence of NAME values */
    MD_CONFIG_THRESHOLDS, /* char ** + count: a mapping "[FEATURE:]METHOD": "[WARN,]DRIFT",
                             stored as md_drift_threshold_parse() specs */
    MD_CONFIG_METHODS, /* unsigned: a sequence of drift method names, as md_drift_method_bit()s */
    MD_CONFIG_LIMITS,  /* double[2]: "WARN,BAD", decimals in [min, max], WARN <= BAD */
};

enum md_config_flags {
    MD_CONFIG_REQUIRED = 1 << 0,   /* the mapping must set it */
    MD_CONFIG_MLFLOW_DEF = 1 << 1, /* the default applies to mlflow backends only, else "" */
    MD_CONFIG_ENV_LATCH = 1 << 2,  /* the environment can switch it on, never off */
};

struct md_config_setting {
    enum md_config_scope scope;
    const char *name;
    enum md_config_type type;
    const char *def; /* default as text; NULL: "" or zero; for LIST unused */
    long min, max;
    const char *const *choices; /* ENUM: NULL-terminated, index = stored value */
    const char *env;            /* TOP only: variable that overrides the file */
    unsigned flags;
    size_t offset;              /* in the scope's struct */
    size_t count_offset;        /* NAMES, THRESHOLDS: where the item count (size_t) goes */
    enum md_config_scope child; /* LIST: scope of the items */
    const char *help;           /* one line, for md_config_help() */
};

/* The table, in the order the help lists it; at most 64 rows per scope. */
extern const struct md_config_setting md_config_settings[];
extern const size_t md_config_n_settings;

/* The row called `name` in `scope`; NULL when there is none (config_table.c). */
const struct md_config_setting *md_config_find(enum md_config_scope scope, const char *name);

/* Where setting s lives inside obj, a struct of s's scope (the table's offsets are into it). */
static inline void *md_config_field(void *obj, const struct md_config_setting *s)
{
    return (char *)obj + s->offset;
}
/* The item count of a NAMES or THRESHOLDS setting s inside obj. */
static inline size_t *md_config_count(void *obj, const struct md_config_setting *s)
{
    return (size_t *)(void *)((char *)obj + s->count_offset);
}

/*
 * URL checks the loader makes on backends and drift jobs alike (config_value.c):
 * http:// or https://; user:password@ in the authority (a secret in the
 * file); trailing slashes cut, never the one after the scheme.
 */
bool md_config_is_http_url(const char *url);
bool md_config_url_has_userinfo(const char *url);
void md_config_strip_slashes(char *url);
/*
 * A LIMITS value "WARN,BAD" into out[2] (config_value.c); false with the
 * reason in why when it is not two decimals in the row's range, warn <= bad.
 */
bool md_config_limits_parse(const struct md_config_setting *s, const char *text, double out[2],
                            char *why, size_t wsz);
/* The value paired with key node `key` of `map`; `key` itself when absent (config_value.c). */
struct yamlx_node;
const struct yamlx_node *md_config_value_of(const struct yamlx_node *map,
                                            const struct yamlx_node *key);

/*
 * The drift-job settings with more to check than their type (config_drift.c).
 * `file` names the configuration in messages; errors are MD_ERR_CONFIG with
 * "FILE:LINE:COLUMN: what" at the node at fault.
 *
 * md_config_drift_thresholds(): a THRESHOLDS mapping into obj (each pair
 * checked with md_drift_threshold_parse()); md_config_drift_methods(): a
 * METHODS sequence into obj's mask (unknown, repeated or no method is an
 * error); md_config_drift_finish(): checks across a job's keys once its
 * mapping is read, `seen` being walk_map()'s key node per table row.
 */
md_status md_config_drift_thresholds(const char *file, const struct md_config_setting *s,
                                     const struct yamlx_node *map, void *obj, struct md_err *err);
md_status md_config_drift_methods(const char *file, const struct md_config_setting *s,
                                  const struct yamlx_node *seq, void *obj, struct md_err *err);
md_status md_config_drift_finish(const char *file, struct md_drift_job_conf *j,
                                 const struct yamlx_node *map, const struct yamlx_node **seen,
                                 struct md_err *err);

/* Names of enum md_backend_kind, indexed by it, NULL-terminated. */
extern const char *const md_config_backend_kinds[];
/* Names of enum md_drift_format and enum md_drift_smoothing, indexed by them. */
extern const char *const md_config_drift_formats[];
extern const char *const md_config_drift_smoothings[];

#endif

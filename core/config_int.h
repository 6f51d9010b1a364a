/*
 * config_int.h - the settings table shared by core/config.c (the loader and
 * the help text) and core/config_table.c (the one place settings are declared).
 *
 * Each row says where a setting lives (top level, a context, a backend), its
 * name in the file, how its text becomes a value, its default, its range or
 * choices, the environment variable that overrides it, its help and where in
 * the C struct the value goes. The loader knows no setting by name except the
 * few cross-checks in config.c (names, url, insecure_tls with ca_path).
 */
#ifndef MLDECK_CONFIG_INT_H
#define MLDECK_CONFIG_INT_H

#include <stddef.h>

#include "mldeck/config.h"

/* Which struct a setting belongs to: md_config, md_context, md_backend_conf, md_drift_job_conf. */
enum md_config_scope { MD_CONFIG_TOP = 0, MD_CONFIG_CONTEXT, MD_CONFIG_BACKEND, MD_CONFIG_DRIFT };

enum md_config_type {
    MD_CONFIG_STRING,   /* char *, any text */
    MD_CONFIG_NAME,     /* char *, non-empty, no control characters */
    MD_CONFIG_ENV_NAME, /* char *, an environment variable's name (never its value) */
    MD_CONFIG_BOOL,     /* bool */
    MD_CONFIG_LONG,     /* long in [min, max] */
    MD_CONFIG_ENUM,     /* int index into choices (enum md_backend_kind) */
    MD_CONFIG_SECONDS,  /* long seconds in [min, max]; "90", "90s", "5m", "1h" */
    MD_CONFIG_MILLIS,   /* long milliseconds in [min, max]; "1500", "500ms", "15s", "2m" */
    MD_CONFIG_LIST,     /* sequence of mappings of scope `child` (handled by the loader) */
    MD_CONFIG_NAMES,    /* char ** + size_t at count_offset: a sequence of NAME values */
    MD_CONFIG_THRESHOLDS, /* char ** + count: a mapping "[FEATURE:]METHOD": "[WARN,]DRIFT",
                             stored as md_drift_threshold_parse() specs */
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

/* Names of enum md_backend_kind, indexed by it, NULL-terminated. */
extern const char *const md_config_backend_kinds[];
/* Names of enum md_drift_format and enum md_drift_smoothing, indexed by them. */
extern const char *const md_config_drift_formats[];
extern const char *const md_config_drift_smoothings[];

#endif

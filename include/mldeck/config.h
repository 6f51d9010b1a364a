/*
 * config.h - the operator's configuration: contexts, each with its backends,
 * refresh interval, read-only flag and theme.
 *
 * The file is YAML ($XDG_CONFIG_HOME/mldeck/config.yaml, or --config),
 * read with libyaml. Every setting is declared once in the table in
 * core/config/config_table.c (name, type, default, range or choices, environment
 * variable, help); the loader applies values through that table, so errors
 * name file:line:column from libyaml's marks. Unknown keys are errors too:
 * a typo in a safety setting such as read_only must not pass silently.
 *
 * Precedence: built-in defaults < file < environment < command line.
 * Secrets are never read from the file: a backend names the environment
 * variables that hold them (token_env, username_env, password_env), with the
 * MLflow conventional names as defaults.
 *
 * Example:
 *
 *   current_context: prod
 *   contexts:
 *     - name: prod
 *       read_only: true
 *       refresh: 10
 *       theme: default
 *       health_5xx: "1,5"
 *       health_p99_ms: "500,2000"
 *       backends:
 *         - name: tracking
 *           type: mlflow
 *           url: https://mlflow.example.com
 *           token_env: MLFLOW_TRACKING_TOKEN
 *       drift:
 *         - name: churn-inputs
 *           reference: /data/churn/train.csv
 *           current: /data/churn/capture/
 *           endpoint: churn-prod
 *           categorical: [plan, region]
 *           numeric: [zip_code]
 *           methods: [psi, js, chi2]
 *           prediction: score
 *           window: 1h
 *           smoothing: eps
 *           thresholds: {psi: "0.1,0.25", "age:w1": "0.2"}
 *         - name: churn-capture
 *           reference: s3://ml-data/churn/train.csv
 *           current: s3://ml-capture/churn-prod/AllTraffic/
 *           violations: s3://ml-monitor/churn-prod/schedule/constraint_violations.json
 *           aws_region: eu-west-1
 */
#ifndef MLDECK_CONFIG_H
#define MLDECK_CONFIG_H

#include "mldeck/health.h"
#include "mldeck/md.h"

struct md_cred_source;

enum md_backend_kind {
    MD_BACKEND_MLFLOW = 0,
    MD_BACKEND_SAGEMAKER,
    MD_BACKEND_AZUREML,
    MD_BACKEND_FIXTURE
};

struct md_backend_conf {
    char *name;
    enum md_backend_kind kind;
    char *url;          /* base URL (tracking URI for MLflow, a directory for fixture) */
    char *token_env;    /* environment variable holding a bearer token */
    char *username_env; /* ... basic-auth user */
    char *password_env; /* ... basic-auth password */
    char *ca_path;      /* CA bundle, "" for the system one */
    bool insecure_tls;
    long timeout_ms;
    char *region;  /* SageMaker; "" when unused */
    char *profile; /* SageMaker; "" when unused */
    /*
     * Azure ML. Empty location fields fall back to AZURE_SUBSCRIPTION_ID,
     * AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE, the tenant to
     * AZURE_TENANT_ID and the authority to AZURE_AUTHORITY_HOST, when the
     * backend is created (see core/backends/azureml/azureml.c).
     */
    char *subscription;
    char *resource_group;
    char *workspace;
    char *api_version;       /* Resource Manager api-version, default "2025-12-01" */
    char *tenant;            /* Entra ID tenant id or domain */
    char *client_id_env;     /* variable holding the service principal's id */
    char *client_secret_env; /* variable holding its secret */
    char *authority;         /* Entra ID host URL; "" for the default */
    long lro_timeout_s;      /* how long a long-running operation is polled */
    /*
     * Never from a file: a backend found through another (an Azure ML
     * workspace's MLflow) sends the credential of the one it was found
     * through, lent by it for the instance's life (mldeck/cred.h). NULL:
     * the backend's own credentials.
     */
    const struct md_cred_source *bearer;
};

/* Free the strings of one backend's configuration and zero it (for one built in code). */
void md_backend_conf_release(struct md_backend_conf *b);

/*
 * A drift job of a context (see mldeck/drift.h, struct md_drift_opts, which
 * md_drift_worker_start_job() builds from this). Strings are never NULL
 * after a successful load ("" when unset); lists may be empty.
 */
struct md_drift_job_conf {
    char *name;      /* unique within the context; the store key of the job */
    char *reference; /* reference file (CSV or JSONL), or s3://BUCKET/KEY */
    char *current;   /* current file or folder (read recursively), or s3://BUCKET/PREFIX */
    char *endpoint;  /* the endpoint or model the job watches; "" when unset */
    char **features; /* only these columns; empty: every reference column */
    size_t n_features;
    char **categorical; /* columns forced categorical */
    size_t n_categorical;
    char **numeric; /* columns forced numeric (never in categorical too: checked at load) */
    size_t n_numeric;
    /*
     * From the `methods` list: md_drift_method_bit() of each method named
     * (mldeck/drift.h, checked at load); 0 when unset: every method.
     */
    unsigned methods;
    char *prediction;  /* model-output column; "" when unset */
    char *time_column; /* CSV/JSONL timestamp column; "" when unset */
    int format;        /* enum md_drift_format: auto, csv, jsonl, capture */
    long window_s;     /* window length in seconds; 0: the whole input is one window */
    int smoothing;     /* enum md_drift_smoothing: none, eps (default), add-one */
    /*
     * From the `thresholds` mapping, each entry as "[FEATURE:]METHOD=[WARN,]DRIFT"
     * (the syntax of md_drift_threshold_parse(), checked at load).
     */
    char **thresholds;
    size_t n_thresholds;
    /*
     * SageMaker Model Monitor's constraint_violations.json, shown beside the
     * job's results (never merged): s3://BUCKET/KEY or a local path; "" unset.
     */
    char *violations;
    /*
     * For s3:// in reference, current or violations (each s3:// URI is checked
     * at load): AWS profile, region and S3 endpoint URL; "" leaves them to the
     * environment and the AWS files, as md_aws_resolve() does.
     */
    char *aws_profile;
    char *aws_region;
    char *s3_endpoint_url;
};

struct md_context {
    char *name;
    bool read_only;
    long refresh_s; /* 0: no automatic refresh */
    char *theme;    /* theme name or path */
    struct md_backend_conf *backends;
    size_t n_backends;
    struct md_drift_job_conf *drift; /* the `drift:` jobs; NULL when none */
    size_t n_drift;
    struct md_health_limits health; /* the health_* keys: how endpoints are judged */
};

struct md_config {
    char *path; /* file it came from, "" for built-in/environment */
    char *current_context;
    bool read_only; /* global: true here forces every context read-only */
    char *theme;
    struct md_context *contexts;
    size_t n_contexts;
};

/*
 * Load `path` (NULL: the XDG default; a missing default file is not an
 * error) and then the environment. With no file, one context "default" is
 * built from MLFLOW_TRACKING_URI / _TOKEN / _USERNAME / _PASSWORD /
 * _INSECURE_TLS / _SERVER_CERT_PATH. Errors: MD_ERR_CONFIG with
 * "FILE:LINE:COLUMN: what" in err->msg; MD_ERR_IO when an explicit file
 * cannot be read. On error *cfg is left released.
 */
md_status md_config_load(struct md_config *cfg, const char *path, struct md_err *err);
/* Parse YAML text; `name` is used in messages. Same errors as md_config_load(). */
md_status md_config_parse(struct md_config *cfg, const char *name, const char *text, size_t len,
                          struct md_err *err);
void md_config_release(struct md_config *cfg);

/* The context called `name` (NULL: the current one); NULL when absent. Lent. */
const struct md_context *md_config_context(const struct md_config *cfg, const char *name);

/*
 * Resolve the secret environment variable `var_name` of a backend; returns
 * the value from getenv() (lent, may be NULL). Never stored or logged.
 */
const char *md_config_secret(const char *var_name);

/* XDG paths, newly allocated (free()): config file, state database, themes dir. */
char *md_config_default_path(void);
char *md_config_default_state_path(void);

/* Help text for every setting, generated from the table (for --help-config). */
md_status md_config_help(struct md_buf *out);

const char *md_backend_kind_str(enum md_backend_kind k);

/* The drift job called `name` in ctx; NULL when absent. Lent, lives as long as the config. */
const struct md_drift_job_conf *md_config_drift_job(const struct md_context *ctx, const char *name);

#endif

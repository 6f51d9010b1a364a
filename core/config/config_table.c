/*
 * config_table.c - every configuration setting, declared once.
 *
 * To add a setting: add a field to the struct in include/mldeck/config.h and
 * a row here. The loader (core/config/config.c) parses, range-checks, applies the
 * default and the environment, and --help-config lists it, from this row.
 * The help text is rendered here too, next to what it describes.
 */
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "mldeck/drift.h"

const char *const md_config_backend_kinds[] = {"mlflow", "sagemaker", "azureml", "fixture", NULL};
const char *const md_config_drift_formats[] = {"auto", "csv", "jsonl", "capture", NULL};
const char *const md_config_drift_smoothings[] = {"none", "eps", "add-one", NULL};

/* The choices above are indexed by the drift.h enums they name. */
_Static_assert(MD_DRIFT_FORMAT_CAPTURE == 3 && MD_DRIFT_SMOOTH_ADD_ONE == 2, "choice order");

const struct md_config_setting md_config_settings[] = {
    /* ---- top level ---- */
    {.scope = MD_CONFIG_TOP,
     .name = "current_context",
     .type = MD_CONFIG_NAME,
     .env = "MLDECK_CONTEXT",
     .offset = offsetof(struct md_config, current_context),
     .help = "context opened at start (default: the first one)"},
    {.scope = MD_CONFIG_TOP,
     .name = "read_only",
     .type = MD_CONFIG_BOOL,
     .def = "false",
     .env = "MLDECK_READ_ONLY",
     .flags = MD_CONFIG_ENV_LATCH,
     .offset = offsetof(struct md_config, read_only),
     .help = "refuse every change in every context; the environment can only switch it on"},
    {.scope = MD_CONFIG_TOP,
     .name = "theme",
     .type = MD_CONFIG_NAME,
     .def = "default",
     .env = "MLDECK_THEME",
     .offset = offsetof(struct md_config, theme),
     .help = "theme name (themes/NAME.yaml) or path; the environment beats context themes"},
    {.scope = MD_CONFIG_TOP,
     .name = "contexts",
     .type = MD_CONFIG_LIST,
     .offset = offsetof(struct md_config, contexts),
     .child = MD_CONFIG_CONTEXT,
     .help = "the contexts (default: one built from MLFLOW_TRACKING_URI)"},

    /* ---- each context ---- */
    {.scope = MD_CONFIG_CONTEXT,
     .name = "name",
     .type = MD_CONFIG_NAME,
     .flags = MD_CONFIG_REQUIRED,
     .offset = offsetof(struct md_context, name),
     .help = "unique name, as used by current_context and :ctx"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "read_only",
     .type = MD_CONFIG_BOOL,
     .def = "false",
     .offset = offsetof(struct md_context, read_only),
     .help = "refuse every change in this context"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "refresh",
     .type = MD_CONFIG_SECONDS,
     .def = "10",
     .min = 0,
     .max = 86400,
     .offset = offsetof(struct md_context, refresh_s),
     .help = "automatic refresh interval (10, 30s, 5m); 0 turns it off"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "theme",
     .type = MD_CONFIG_NAME,
     .offset = offsetof(struct md_context, theme),
     .help = "theme for this context, e.g. to mark production (default: the global theme)"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "backends",
     .type = MD_CONFIG_LIST,
     .flags = MD_CONFIG_REQUIRED,
     .offset = offsetof(struct md_context, backends),
     .child = MD_CONFIG_BACKEND,
     .help = "the platforms this context shows (at least one)"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "drift",
     .type = MD_CONFIG_LIST,
     .offset = offsetof(struct md_context, drift),
     .child = MD_CONFIG_DRIFT,
     .help = "drift jobs run by :drift (reference against current data)"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "health_5xx",
     .type = MD_CONFIG_LIMITS,
     .def = "1,5",
     .max = 100,
     .offset = offsetof(struct md_context, health.rate_5xx),
     .help = "5xx errors as % of invocations: WARN,BAD (the HEALTH column)"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "health_4xx",
     .type = MD_CONFIG_LIMITS,
     .def = "5,20",
     .max = 100,
     .offset = offsetof(struct md_context, health.rate_4xx),
     .help = "4xx errors as % of invocations: WARN,BAD"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "health_p99_ms",
     .type = MD_CONFIG_LIMITS,
     .def = "0,0",
     .max = 3600000,
     .offset = offsetof(struct md_context, health.p99_ms),
     .help = "p99 latency in ms: WARN,BAD; 0 turns either off"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "health_baseline",
     .type = MD_CONFIG_LIMITS,
     .def = "2,4",
     .max = 1000,
     .offset = offsetof(struct md_context, health.baseline),
     .help = "p99 over the median p99 of the earlier windows: WARN,BAD times; 0 off"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "health_min_invocations",
     .type = MD_CONFIG_LONG,
     .def = "10",
     .min = 0,
     .max = 1000000000,
     .offset = offsetof(struct md_context, health.min_invocations),
     .help = "fewer invocations in the window: error rates are not judged"},
    {.scope = MD_CONFIG_CONTEXT,
     .name = "health_window",
     .type = MD_CONFIG_SECONDS,
     .def = "10m",
     .min = 60,
     .max = 86400,
     .offset = offsetof(struct md_context, health.window_s),
     .help = "the latest window judged; earlier windows of this length make the baseline"},

    /* ---- each backend ---- */
    {.scope = MD_CONFIG_BACKEND,
     .name = "name",
     .type = MD_CONFIG_NAME,
     .flags = MD_CONFIG_REQUIRED,
     .offset = offsetof(struct md_backend_conf, name),
     .help = "name, unique within the context"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "type",
     .type = MD_CONFIG_ENUM,
     .def = "mlflow",
     .choices = md_config_backend_kinds,
     .offset = offsetof(struct md_backend_conf, kind),
     .help = "platform"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "url",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, url),
     .help = "base URL (http:// or https://); a directory for fixture; "
             "required for mlflow and fixture; for azureml the Resource Manager endpoint "
             "(else $MLDECK_ARM_ENDPOINT, else https://management.azure.com)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "token_env",
     .type = MD_CONFIG_ENV_NAME,
     .def = "MLFLOW_TRACKING_TOKEN",
     .flags = MD_CONFIG_MLFLOW_DEF,
     .offset = offsetof(struct md_backend_conf, token_env),
     .help = "environment variable holding a bearer token"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "username_env",
     .type = MD_CONFIG_ENV_NAME,
     .def = "MLFLOW_TRACKING_USERNAME",
     .flags = MD_CONFIG_MLFLOW_DEF,
     .offset = offsetof(struct md_backend_conf, username_env),
     .help = "environment variable holding the basic-auth user"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "password_env",
     .type = MD_CONFIG_ENV_NAME,
     .def = "MLFLOW_TRACKING_PASSWORD",
     .flags = MD_CONFIG_MLFLOW_DEF,
     .offset = offsetof(struct md_backend_conf, password_env),
     .help = "environment variable holding the basic-auth password"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "ca_path",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, ca_path),
     .help = "CA bundle file (default: the system's)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "insecure_tls",
     .type = MD_CONFIG_BOOL,
     .def = "false",
     .offset = offsetof(struct md_backend_conf, insecure_tls),
     .help = "skip TLS certificate checks (not with ca_path)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "timeout",
     .type = MD_CONFIG_MILLIS,
     .def = "15000",
     .min = 100,
     .max = 600000,
     .offset = offsetof(struct md_backend_conf, timeout_ms),
     .help = "request timeout in milliseconds (15000, 500ms, 30s)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "region",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, region),
     .help = "AWS region (sagemaker)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "profile",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, profile),
     .help = "AWS profile in ~/.aws/config (sagemaker)"},
    /*
     * Azure ML. These variables are fallbacks read when the backend is
     * created (the file wins), hence named in the help rather than in .env,
     * which is an override at top level only.
     */
    {.scope = MD_CONFIG_BACKEND,
     .name = "subscription",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, subscription),
     .help = "Azure subscription id (azureml; else $AZURE_SUBSCRIPTION_ID)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "resource_group",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, resource_group),
     .help = "Azure resource group (azureml; else $AZURE_RESOURCE_GROUP)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "workspace",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, workspace),
     .help = "Azure ML workspace (azureml; else $AZUREML_WORKSPACE)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "api_version",
     .type = MD_CONFIG_NAME,
     .def = "2025-12-01",
     .offset = offsetof(struct md_backend_conf, api_version),
     .help = "Resource Manager api-version (azureml), e.g. 2025-12-01 or 2026-07-01"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "tenant",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, tenant),
     .help = "Entra ID tenant id or domain (azureml; else $AZURE_TENANT_ID)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "client_id_env",
     .type = MD_CONFIG_ENV_NAME,
     .def = "AZURE_CLIENT_ID",
     .offset = offsetof(struct md_backend_conf, client_id_env),
     .help = "environment variable holding the service principal's client id (azureml)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "client_secret_env",
     .type = MD_CONFIG_ENV_NAME,
     .def = "AZURE_CLIENT_SECRET",
     .offset = offsetof(struct md_backend_conf, client_secret_env),
     .help = "environment variable holding its client secret (azureml); without one, the "
             "Azure CLI's login or a managed identity is used"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "authority",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_backend_conf, authority),
     .help = "Entra ID host for tokens (azureml; else $AZURE_AUTHORITY_HOST, else "
             "https://login.microsoftonline.com)"},
    {.scope = MD_CONFIG_BACKEND,
     .name = "lro_timeout",
     .type = MD_CONFIG_SECONDS,
     .def = "600",
     .min = 1,
     .max = 86400,
     .offset = offsetof(struct md_backend_conf, lro_timeout_s),
     .help = "how long a traffic change is polled before mldeck stops waiting (azureml)"},

    /* ---- each drift job ---- */
    {.scope = MD_CONFIG_DRIFT,
     .name = "name",
     .type = MD_CONFIG_NAME,
     .flags = MD_CONFIG_REQUIRED,
     .offset = offsetof(struct md_drift_job_conf, name),
     .help = "name, unique within the context; results are stored under it"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "reference",
     .type = MD_CONFIG_NAME,
     .flags = MD_CONFIG_REQUIRED,
     .offset = offsetof(struct md_drift_job_conf, reference),
     .help = "reference file (CSV or JSONL) or s3://BUCKET/KEY, frozen into the state once"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "current",
     .type = MD_CONFIG_NAME,
     .flags = MD_CONFIG_REQUIRED,
     .offset = offsetof(struct md_drift_job_conf, current),
     .help = "current file or folder, or s3://BUCKET/PREFIX (read recursively; files and "
             "objects already processed are skipped)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "endpoint",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_drift_job_conf, endpoint),
     .help = "the endpoint or model the job watches"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "features",
     .type = MD_CONFIG_NAMES,
     .offset = offsetof(struct md_drift_job_conf, features),
     .count_offset = offsetof(struct md_drift_job_conf, n_features),
     .help = "only these columns (default: every reference column)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "categorical",
     .type = MD_CONFIG_NAMES,
     .offset = offsetof(struct md_drift_job_conf, categorical),
     .count_offset = offsetof(struct md_drift_job_conf, n_categorical),
     .help = "columns treated as categorical (default: inferred from the reference)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "numeric",
     .type = MD_CONFIG_NAMES,
     .offset = offsetof(struct md_drift_job_conf, numeric),
     .count_offset = offsetof(struct md_drift_job_conf, n_numeric),
     .help = "columns treated as numeric, e.g. integer codes whose reference holds a stray "
             "text value (default: inferred; not also in categorical)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "methods",
     .type = MD_CONFIG_METHODS,
     .offset = offsetof(struct md_drift_job_conf, methods),
     .help = "only these methods are computed, judged and shown, e.g. [psi, ks] "
             "(psi, w1, js, ks, chi2; default: all that apply to each column's type)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "prediction",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_drift_job_conf, prediction),
     .help = "the model-output column, for prediction drift"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "time_column",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_drift_job_conf, time_column),
     .help = "timestamp column of CSV/JSONL current data (Data Capture has its own)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "format",
     .type = MD_CONFIG_ENUM,
     .def = "auto",
     .choices = md_config_drift_formats,
     .offset = offsetof(struct md_drift_job_conf, format),
     .help = "format of the current files"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "window",
     .type = MD_CONFIG_SECONDS,
     .def = "0",
     .min = 0,
     .max = 31536000,
     .offset = offsetof(struct md_drift_job_conf, window_s),
     .help = "window length by row time (3600, 60m, 24h); 0: all rows in one window"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "smoothing",
     .type = MD_CONFIG_ENUM,
     .def = "eps",
     .choices = md_config_drift_smoothings,
     .offset = offsetof(struct md_drift_job_conf, smoothing),
     .help = "PSI zero-share rule: eps (Evidently), add-one (Azure), none (Deequ)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "thresholds",
     .type = MD_CONFIG_THRESHOLDS,
     .offset = offsetof(struct md_drift_job_conf, thresholds),
     .count_offset = offsetof(struct md_drift_job_conf, n_thresholds),
     .help = "per method or FEATURE:METHOD, \"WARN,DRIFT\" or \"DRIFT\", e.g. "
             "{psi: \"0.1,0.25\", \"age:ks\": \"0.1,0.01\"}"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "violations",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_drift_job_conf, violations),
     .help = "SageMaker Model Monitor constraint_violations.json (s3://BUCKET/KEY or a file), "
             "shown beside the results, never merged"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "aws_profile",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_drift_job_conf, aws_profile),
     .help = "AWS profile for s3:// inputs (default: AWS_PROFILE, then \"default\")"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "aws_region",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_drift_job_conf, aws_region),
     .help = "AWS region for s3:// inputs (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)"},
    {.scope = MD_CONFIG_DRIFT,
     .name = "s3_endpoint_url",
     .type = MD_CONFIG_STRING,
     .offset = offsetof(struct md_drift_job_conf, s3_endpoint_url),
     .help = "S3 endpoint for s3:// inputs (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, "
             "the profile, else AWS's own; others are addressed path-style)"},
};

const size_t md_config_n_settings = MD_ARRAY_LEN(md_config_settings);

const struct md_config_setting *md_config_find(enum md_config_scope scope, const char *name)
{
    for (size_t i = 0; i < md_config_n_settings; i++)
        if (md_config_settings[i].scope == scope && strcmp(md_config_settings[i].name, name) == 0)
            return &md_config_settings[i];
    return NULL;
}

const char *md_backend_kind_str(enum md_backend_kind k)
{
    if ((unsigned)k < MD_ARRAY_LEN(md_config_backend_kinds) - 1)
        return md_config_backend_kinds[k];
    return "unknown";
}

/* "true|false", "0..86400 seconds": the value column of the help text. */
static void type_text(const struct md_config_setting *s, char *buf, size_t size)
{
    switch (s->type) {
    case MD_CONFIG_BOOL:
        snprintf(buf, size, "true|false");
        break;
    case MD_CONFIG_LONG:
        snprintf(buf, size, "%ld..%ld", s->min, s->max);
        break;
    case MD_CONFIG_SECONDS:
        snprintf(buf, size, "%ld..%ld seconds", s->min, s->max);
        break;
    case MD_CONFIG_MILLIS:
        snprintf(buf, size, "%ld..%ld ms", s->min, s->max);
        break;
    case MD_CONFIG_ENUM: {
        size_t off = 0;
        for (size_t i = 0; s->choices[i] && off < size; i++)
            off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? "|" : "", s->choices[i]);
        break;
    }
    case MD_CONFIG_LIST:
        snprintf(buf, size, "list of %ss",
                 s->child == MD_CONFIG_CONTEXT   ? "context"
                 : s->child == MD_CONFIG_BACKEND ? "backend"
                                                 : "drift job");
        break;
    case MD_CONFIG_NAMES:
        snprintf(buf, size, "list of names");
        break;
    case MD_CONFIG_THRESHOLDS:
        snprintf(buf, size, "mapping");
        break;
    case MD_CONFIG_METHODS:
        snprintf(buf, size, "list of methods");
        break;
    case MD_CONFIG_LIMITS:
        snprintf(buf, size, "WARN,BAD (%ld..%ld)", s->min, s->max);
        break;
    case MD_CONFIG_ENV_NAME:
        snprintf(buf, size, "variable name");
        break;
    default:
        snprintf(buf, size, "text");
        break;
    }
}

md_status md_config_help(struct md_buf *out)
{
    static const char *const heads[] = {"top level", "each context (under contexts:)",
                                        "each backend (under backends:)",
                                        "each drift job (under drift:)"};
    md_status st = md_buf_adds(out, "mldeck configuration: $XDG_CONFIG_HOME/mldeck/config.yaml "
                                    "or --config FILE\n"
                                    "precedence: defaults < file < environment < command line\n");
    for (int sc = MD_CONFIG_TOP; sc <= MD_CONFIG_DRIFT && st == MD_OK; sc++) {
        st = md_buf_addf(out, "\n%s:\n", heads[sc]);
        for (size_t i = 0; i < md_config_n_settings && st == MD_OK; i++) {
            const struct md_config_setting *s = &md_config_settings[i];
            char type[96];
            if ((int)s->scope != sc)
                continue;
            type_text(s, type, sizeof(type));
            st = md_buf_addf(out, "  %-16s %s", s->name, type);
            if (st == MD_OK && (s->flags & MD_CONFIG_REQUIRED))
                st = md_buf_adds(out, ", required");
            if (st == MD_OK && s->def && s->type != MD_CONFIG_LIST)
                st = md_buf_addf(out, ", default %s%s", s->def,
                                 (s->flags & MD_CONFIG_MLFLOW_DEF) ? " (mlflow)" : "");
            if (st == MD_OK && s->env)
                st = md_buf_addf(out, ", environment %s", s->env);
            if (st == MD_OK)
                st = md_buf_addf(out, "\n      %s\n", s->help);
        }
    }
    if (st == MD_OK)
        st = md_buf_adds(out, "\nsecrets never go in the file: name the variables that hold them "
                              "(token_env, username_env, password_env)\n");
    return st;
}

/*
 * backend.h - a platform behind one table of functions.
 *
 * Every backend (core/backends/<name>.c) exports one const struct
 * md_backend_ops built with designated initialisers. Operations are
 * asynchronous: they submit HTTP requests on the shared md_http and report
 * exactly once through the callback, from inside md_http_run(). A slot the
 * platform does not support is NULL, and the capability mask says so to the
 * views. Mutating slots (set_alias, delete_alias, ...) are called only from
 * core/action/action.c; `make lint` checks it.
 */
#ifndef MLDECK_BACKEND_H
#define MLDECK_BACKEND_H

#include "mldeck/config.h"
#include "mldeck/http.h"
#include "mldeck/model.h"

enum md_backend_caps {
    MD_CAP_EXPERIMENTS = 1 << 0,
    MD_CAP_RUNS = 1 << 1,
    MD_CAP_METRIC_HISTORY = 1 << 2,
    MD_CAP_MODELS = 1 << 3,
    MD_CAP_ALIASES = 1 << 4,
    MD_CAP_SET_ALIAS = 1 << 5,
    MD_CAP_ENDPOINTS = 1 << 6,
    MD_CAP_HEALTH = 1 << 7,
    MD_CAP_UPDATE_ENDPOINT = 1 << 8, /* roll back to an earlier endpoint config */
    MD_CAP_SET_WEIGHTS = 1 << 9,     /* shift traffic between deployments */
    MD_CAP_APPROVAL = 1 << 10,       /* approve / reject a model version */
    MD_CAP_LOGS = 1 << 11,           /* container logs of a deployment (get_logs) */
    MD_CAP_MONITORS = 1 << 12,       /* the platform's own model monitors (list_monitors) */
    MD_CAP_CHANGES = 1 << 13,        /* the platform's history of who changed what (list_changes) */
    MD_CAP_ALARMS = 1 << 14,         /* metric alarms on endpoints (list_alarms) */
};

enum md_result_kind {
    MD_RESULT_NONE = 0,
    MD_RESULT_EXPERIMENTS,
    MD_RESULT_RUNS,
    MD_RESULT_RUN,
    MD_RESULT_MODELS,
    MD_RESULT_VERSIONS,
    MD_RESULT_VERSION, /* one version, e.g. what an alias points to */
    MD_RESULT_HISTORY,
    MD_RESULT_PROBE,
    MD_RESULT_ENDPOINTS, /* described endpoints, deployments filled in */
    MD_RESULT_ENDPOINT,  /* one endpoint: endpoints.n == 1 */
    MD_RESULT_ENDPOINT_CONFIGS,
    MD_RESULT_HEALTH,
    MD_RESULT_LOGS,       /* text: the tail of one container's log */
    MD_RESULT_MONITORS,   /* monitors: every page */
    MD_RESULT_CHANGES,    /* changes: the platform's history, oldest first */
    MD_RESULT_ALARMS,     /* alarms: every alarm on the endpoint asked for */
    MD_RESULT_LOG_EVENTS, /* log_events: timed log events (filter_logs), oldest first */
};

/* Which container of a deployment get_logs reads (Azure ML's containerType). */
enum md_log_container {
    MD_LOG_INFERENCE_SERVER = 0, /* the scoring server */
    MD_LOG_STORAGE_INITIALIZER,  /* the init container that downloads the model */
};
/* The platform's name of a container: "InferenceServer", "StorageInitializer". */
const char *md_log_container_str(enum md_log_container c);

/* One log event (CloudWatch Logs): every string cleaned (md_sanitize) by the backend. */
struct md_log_event {
    int64_t at_ms; /* the event's own time */
    char *id;      /* the platform's event id: the same event fetched twice has the same id */
    char *stream;  /* "VARIANT/instance-id" */
    char *message; /* one line: a multi-line message has its newlines made blanks */
};
struct md_log_event_list {
    struct md_log_event *v;
    size_t n;
};
void md_log_event_list_release(struct md_log_event_list *l);

/* A query of timed log events (filter_logs), borrowed for the call. */
struct md_logs_query {
    const char *endpoint;
    const char *deployment; /* a variant; NULL or "" for all */
    int64_t since_ms;       /* events at or after (epoch ms); 0: the platform's default */
    const char *filter;     /* plain text the platform may pre-filter by, NULL for none */
    size_t max;             /* most events kept (0: 10000); pages stop there */
};

/*
 * What an operation reports. The callback owns the whole record and frees it
 * with md_result_release(); it may move lists out first (then zero them).
 * raw/raw_len is the reply body a caller may cache and later turn back into
 * the same result with ops->parse().
 */
struct md_result {
    enum md_result_kind kind;
    md_status status;
    struct md_err err;
    int64_t fetched_ms;
    char *next_token; /* "" on the last page */
    char *raw;
    size_t raw_len;
    struct md_experiment_list experiments;
    struct md_run_list runs; /* MD_RESULT_RUN: exactly one */
    struct md_model_list models;
    struct md_version_list versions; /* MD_RESULT_VERSION: exactly one */
    struct md_metric_series history;
    char *server_version; /* MD_RESULT_PROBE */
    struct md_endpoint_list endpoints;
    struct md_endpoint_config_list configs;
    struct md_health_list health;
    /*
     * MD_RESULT_LOGS: the log text, one line per '\n', every line passed
     * through md_sanitize() (terminal escape sequences removed first).
     */
    char *text;
    struct md_monitor_list monitors;
    struct md_change_list changes;
    struct md_alarm_list alarms;
    struct md_log_event_list log_events;
};
void md_result_release(struct md_result *r);
/*
 * Free what a failed parse left in r (every list, the server version, the raw
 * body), keeping kind, status and err; next_token becomes "" so no caller
 * follows a page of a reply it could not read.
 */
void md_result_drop_records(struct md_result *r);

typedef void (*md_backend_cb)(struct md_result *res, void *ud);

struct md_backend; /* an instance: ops + configuration + private state */

/* A traffic weight for one deployment, for set_weights. */
struct md_weight {
    const char *deployment;
    double weight;
};

/* Queries, borrowed for the call. */
struct md_runs_query {
    const char *experiment_id;
    const char *filter;   /* backend syntax, NULL for none */
    const char *order_by; /* e.g. "attributes.start_time DESC", NULL for default */
    const char *page_token;
    size_t max_results; /* 0: backend default page size */
};

struct md_backend_ops {
    const char *name; /* "mlflow" */
    unsigned caps;
    md_status (*create)(struct md_backend **out, const struct md_backend_conf *conf, md_http *http,
                        struct md_err *err);
    void (*free)(struct md_backend *be);

    /* Reads. Each returns the request id, 0 when it failed at once (cb still runs). */
    uint64_t (*probe)(struct md_backend *be, md_backend_cb cb, void *ud);
    uint64_t (*list_experiments)(struct md_backend *be, const char *page_token, size_t max,
                                 md_backend_cb cb, void *ud);
    uint64_t (*list_runs)(struct md_backend *be, const struct md_runs_query *q, md_backend_cb cb,
                          void *ud);
    uint64_t (*get_run)(struct md_backend *be, const char *run_id, md_backend_cb cb, void *ud);
    uint64_t (*get_metric_history)(struct md_backend *be, const char *run_id, const char *key,
                                   size_t max_points, md_backend_cb cb, void *ud);
    uint64_t (*list_models)(struct md_backend *be, const char *page_token, size_t max,
                            md_backend_cb cb, void *ud);
    uint64_t (*list_versions)(struct md_backend *be, const char *model, const char *page_token,
                              size_t max, md_backend_cb cb, void *ud);
    uint64_t (*get_alias)(struct md_backend *be, const char *model, const char *alias,
                          md_backend_cb cb, void *ud);

    /* Endpoints: list returns every endpoint described (bounded concurrency inside). */
    uint64_t (*list_endpoints)(struct md_backend *be, md_backend_cb cb, void *ud);
    uint64_t (*get_endpoint)(struct md_backend *be, const char *name, md_backend_cb cb, void *ud);
    /* Configs an endpoint has used or may roll back to, newest first. */
    uint64_t (*list_endpoint_configs)(struct md_backend *be, const char *endpoint, md_backend_cb cb,
                                      void *ud);
    /* Health over the last `minutes`, one series per metric and deployment. */
    uint64_t (*get_health)(struct md_backend *be, const char *endpoint, int minutes,
                           md_backend_cb cb, void *ud);

    /*
     * The last `tail` lines of one container's log of a deployment
     * (MD_RESULT_LOGS). A read, although Azure ML makes it a POST: the HTTP
     * layer lets exactly that path through in read-only mode.
     */
    uint64_t (*get_logs)(struct md_backend *be, const char *endpoint, const char *deployment,
                         enum md_log_container container, int tail, md_backend_cb cb, void *ud);
    /*
     * Timed log events of an endpoint (MD_RESULT_LOG_EVENTS), oldest first,
     * bounded by q->max and a page budget; next_token non-empty when the
     * budget ended the listing early. A read (CloudWatch Logs FilterLogEvents).
     */
    uint64_t (*filter_logs)(struct md_backend *be, const struct md_logs_query *q, md_backend_cb cb,
                            void *ud);
    /* The platform's model monitors with their signals and thresholds (MD_RESULT_MONITORS). */
    uint64_t (*list_monitors)(struct md_backend *be, md_backend_cb cb, void *ud);

    /*
     * Who changed endpoint `target` (NULL: every endpoint), from the
     * platform's own history, at or after since_ms (0: as far back as the
     * platform keeps; CloudTrail 90 days), oldest first (MD_RESULT_CHANGES).
     * Bounded: at most a few thousand records per call.
     */
    uint64_t (*list_changes)(struct md_backend *be, const char *target, int64_t since_ms,
                             md_backend_cb cb, void *ud);
    /*
     * The alarms watching endpoint `target` or its deployments, or every
     * endpoint's when target is NULL (MD_RESULT_ALARMS, by target then name).
     */
    uint64_t (*list_alarms)(struct md_backend *be, const char *target, md_backend_cb cb, void *ud);
    /*
     * The alarms' state changes at or after since_ms, as changes (MD_RESULT_CHANGES,
     * oldest first, source "alarm", operation "alarm NAME", detail "OK -> ALARM:
     * reason") with target "": the caller names the endpoint from its alarm list.
     * NULL when the platform's alarm list carries its history (Azure's fired alerts
     * come back as MD_RESULT_ALARMS' changes).
     */
    uint64_t (*list_alarm_history)(struct md_backend *be, int64_t since_ms, md_backend_cb cb,
                                   void *ud);

    /* Mutations: only core/action/action.c calls these. Report MD_RESULT_NONE. */
    uint64_t (*set_alias)(struct md_backend *be, const char *model, const char *alias,
                          const char *version, md_backend_cb cb, void *ud);
    uint64_t (*delete_alias)(struct md_backend *be, const char *model, const char *alias,
                             md_backend_cb cb, void *ud);
    /* Point an endpoint at another config (SageMaker UpdateEndpoint). */
    uint64_t (*update_endpoint)(struct md_backend *be, const char *endpoint, const char *config,
                                md_backend_cb cb, void *ud);
    /*
     * Set traffic weights. Every deployment of the endpoint is listed, so a
     * platform that resets omitted fields resets nothing.
     */
    uint64_t (*set_weights)(struct md_backend *be, const char *endpoint, const struct md_weight *w,
                            size_t n, md_backend_cb cb, void *ud);
    /* Approve or reject a model version (SageMaker model package). */
    uint64_t (*set_approval)(struct md_backend *be, const char *model, const char *version,
                             const char *status, md_backend_cb cb, void *ud);

    /*
     * A backend this one found (an Azure ML workspace names its MLflow
     * tracking server): its URL comes from this instance's last successful
     * probe, else from `cached` (the URL such a probe gave at an earlier
     * start, as conf->url was then; NULL when none). Fills *out, zeroed by
     * the caller, with the backend's configuration - strings owned by *out
     * (md_backend_conf_release()), `bearer` lent by this instance for its
     * life - and returns true; false when there is none (yet). The deck
     * opens such a backend beside the configured ones.
     */
    bool (*linked)(struct md_backend *be, const char *cached, struct md_backend_conf *out);
    /*
     * Requests the platform says are left in its rate-limit budget, from
     * the last reply that said so (Azure ML: the lowest
     * x-ms-ratelimit-remaining-* header); -1 when unknown.
     */
    long (*budget)(const struct md_backend *be);
    /*
     * md_mono_ms() when this instance's oldest request still in flight was
     * sent (retries included), 0 when none is; NULL slot: never known.
     */
    int64_t (*waiting_since)(const struct md_backend *be);

    /* Turn a cached reply body back into a result of `kind` (no network). */
    md_status (*parse)(enum md_result_kind kind, const char *body, size_t len,
                       struct md_result *out, struct md_err *err);
};

/* Every backend instance starts with this header; private state follows. */
struct md_backend {
    const struct md_backend_ops *ops;
    char *name; /* the configured name ("sandbox") */
    md_http *http;
};

/* The ops table for a kind; NULL when this build has none. */
const struct md_backend_ops *md_backend_ops_for(enum md_backend_kind kind);
/* Create an instance for a configured backend. */
md_status md_backend_create(struct md_backend **out, const struct md_backend_conf *conf,
                            md_http *http, struct md_err *err);
void md_backend_free(struct md_backend *be);

extern const struct md_backend_ops md_mlflow_ops;
extern const struct md_backend_ops md_sagemaker_ops;
extern const struct md_backend_ops md_azureml_ops;

#endif

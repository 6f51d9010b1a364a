/*
 * model.h - the platform-neutral entities every backend fills in.
 *
 * These are plain records: transparent structs whose strings and arrays are
 * owned by the record and freed by its *_release() function. Every string is
 * non-NULL ("" when the server left it out) and already passed through
 * md_sanitize(), so a front end may draw it as it is. Times are epoch
 * milliseconds, 0 when unknown.
 */
#ifndef MLDECK_MODEL_H
#define MLDECK_MODEL_H

#include "mldeck/md.h"

struct md_kv {
    char *key;
    char *value;
};

struct md_kvs {
    struct md_kv *v;
    size_t n;
};

/* Latest value of one metric of a run. */
struct md_metric {
    char *key;
    double value; /* may be NaN or +-inf */
    int64_t timestamp;
    int64_t step;
};

struct md_dataset_input {
    char *name;
    char *digest;
    char *source_type;
    char *source;  /* the decoded "uri" of the source when there is one, else the raw text */
    char *context; /* mlflow.data.context: training, validation, test, or "" */
};

struct md_experiment {
    char *id;
    char *name;
    char *lifecycle; /* active / deleted */
    int64_t created;
    int64_t updated;
    struct md_kvs tags;
};

enum md_run_status {
    MD_RUN_UNKNOWN = 0,
    MD_RUN_RUNNING,
    MD_RUN_SCHEDULED,
    MD_RUN_FINISHED,
    MD_RUN_FAILED,
    MD_RUN_KILLED
};

struct md_run {
    char *id;
    char *name;
    char *experiment_id;
    char *user; /* mlflow.user tag, else user_id */
    enum md_run_status status;
    int64_t start_time;
    int64_t end_time;
    struct md_kvs params;
    struct md_kvs tags;
    struct md_metric *metrics;
    size_t n_metrics;
    struct md_dataset_input *inputs;
    size_t n_inputs;
};

struct md_alias {
    char *alias;
    char *version;
};

struct md_registered_model {
    char *name;
    char *description;
    int64_t created;
    int64_t updated;
    struct md_alias *aliases;
    size_t n_aliases;
    struct md_kvs tags;
};

struct md_model_version {
    char *model;
    char *version;
    char *stage;  /* legacy stage, or approval status on other platforms */
    char *status; /* READY, PENDING_REGISTRATION, ... */
    char *source;
    char *run_id;
    char *user;
    char *description;
    int64_t created;
    int64_t updated;
    char **aliases;
    size_t n_aliases;
    struct md_kvs tags;
};

struct md_metric_point {
    int64_t step;
    int64_t timestamp;
    double value;
};

struct md_metric_series {
    char *run_id;
    char *key;
    struct md_metric_point *v;
    size_t n;
};

/*
 * What serves traffic. A deployment is a SageMaker production variant, an
 * Azure ML online deployment, or (for MLflow) an alias. Weights are shares of
 * traffic in the platform's own unit: SageMaker variant weights (relative),
 * Azure traffic percentages; `share` is the normalised fraction 0..1.
 */
struct md_deployment {
    char *name;
    char *model;   /* model name or reference served */
    char *version; /* model (package) version when known, else "" */
    char *image;
    char *instance_type;
    char *status; /* variant/deployment status or provisioning state */
    long instance_count;
    long desired_instance_count; /* -1 when the platform gives none */
    double weight;
    double desired_weight; /* NAN when the platform gives none */
    double share;
};

struct md_endpoint {
    char *name;
    char *id;     /* platform id (ARN, ARM id) */
    char *status; /* InService, Updating, RollingBack, Failed, Succeeded, ... */
    char *config; /* SageMaker endpoint config name; "" elsewhere */
    char *failure_reason;
    int64_t created;
    int64_t updated;
    char *updated_by; /* who the platform says modified it last (Azure systemData), "" unknown */
    struct md_deployment *deployments;
    size_t n_deployments;
    struct md_kvs tags;
};

/* A SageMaker endpoint configuration: the unit UpdateEndpoint rolls back to. */
struct md_endpoint_config {
    char *name;
    int64_t created;
    struct md_deployment *variants;
    size_t n_variants;
};

/* One health metric of an endpoint (or one of its deployments) over time. */
enum md_health_metric {
    MD_HEALTH_INVOCATIONS = 0,
    MD_HEALTH_4XX,
    MD_HEALTH_5XX,
    MD_HEALTH_LATENCY_US, /* average model latency */
    /* Percentiles of the whole request's latency (model + overhead, summed per period). */
    MD_HEALTH_P50_US,
    MD_HEALTH_P99_US,
    MD_HEALTH_METRIC_COUNT
};
struct md_health_series {
    char *endpoint;
    char *deployment; /* "" for the whole endpoint */
    enum md_health_metric metric;
    int64_t *t; /* epoch ms, ascending */
    double *v;
    size_t n;
};

/*
 * A model monitor the platform runs on its own (an Azure ML schedule whose
 * action is CreateMonitor): what it watches, how often, and each signal with
 * the thresholds the platform alerts on. The platform's computed values are
 * not here: they live in the monitor's runs, not in its definition.
 */
struct md_monitor_threshold {
    char *metric;    /* JensenShannonDistance, NullValueRate, ... as the platform names it */
    char *data_type; /* Numerical, Categorical, or "" */
    double value;    /* NaN when the signal sets none */
};
struct md_monitor_signal {
    char *name; /* the platform's key for the signal ("data-drift") */
    char *type; /* DataDrift, PredictionDrift, DataQuality, FeatureAttributionDrift, Custom */
    struct md_monitor_threshold *thresholds;
    size_t n_thresholds;
};
struct md_monitor {
    char *name;
    char *display_name;
    bool enabled;
    char *trigger; /* "cron 0 3 * * *", "recurrence Day/1", "" */
    /*
     * The deployment watched: endpoint and deployment names when the target
     * is an online deployment; otherwise endpoint "" and deployment the
     * platform's reference as given ("" when the monitor names none).
     */
    char *endpoint;
    char *deployment;
    char *model; /* "name:version" when the reference has both, else as given */
    struct md_monitor_signal *signals;
    size_t n_signals;
};

/*
 * A change to a serving target as the platform's own history records it
 * (CloudTrail for SageMaker, the Activity Log for Azure ML), or as mldeck
 * saw it: who did what to which target, and when.
 *  - target: the endpoint name (SageMaker, Azure ML) or "MODEL@ALIAS";
 *  - operation: the platform's name ("UpdateEndpointWeightsAndCapacities",
 *    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write");
 *  - actor: who, as the platform names them (an IAM user, the session name
 *    of an assumed role, a caller's UPN or object id); "" when unknown;
 *  - at_ms: when the platform says it happened (0 unknown); for a change
 *    only observed, at_ms is 0 and [seen_after_ms, seen_before_ms] brackets
 *    it (between the last look that saw the old value and the first that
 *    saw the new one);
 *  - detail: what changed, in the platform's terms ("config churn-config-2",
 *    "blue=90,green=10"), "" when the record does not say;
 *  - status: the platform's outcome ("Succeeded", "Failed", ""), and error
 *    its error code when it failed;
 *  - source: "cloudtrail", "activity-log", "observed" or "mldeck";
 *  - id: the platform's event id ("" none), for deduplication.
 */
struct md_change {
    char *target;
    char *operation;
    char *actor;
    char *actor_kind; /* "IAMUser", "AssumedRole", "User", "ServicePrincipal", "" */
    int64_t at_ms;
    int64_t seen_after_ms;
    int64_t seen_before_ms;
    char *detail;
    char *status;
    char *error;
    char *source;
    char *id;
};

/*
 * Who made the last change of a serving target (an endpoint, an alias) and
 * when, as far as anyone can say, with where that came from (`source`):
 *  - "cloudtrail" / "activity-log": the platform's own history names the
 *    actor (by) and the time (at_ms);
 *  - "systemData": Azure's lastModifiedBy/At of the endpoint itself;
 *  - "mldeck": an action in mldeck's audit log whose target, value and time
 *    match the change observed (by is its user@host);
 *  - "observed": a change mldeck saw but did not make and no platform
 *    names: by is "unknown", and it happened after after_ms (the last look
 *    that saw the old value; 0 when mldeck never saw one) and at or before
 *    before_ms (the first look that saw the new value); at_ms is 0, or the
 *    platform's last-modified time when that falls inside the bracket;
 *  - "platform": only the platform's last-modified time is known (by
 *    "unknown").
 * `what` says what changed when known ("UpdateEndpoint config c-2", "3 -> 4").
 */
struct md_who {
    char by[128];
    int64_t at_ms;
    int64_t after_ms;
    int64_t before_ms;
    char source[16];
    char what[160];
};

/*
 * An alarm on a serving target: a CloudWatch metric alarm whose dimensions
 * name the endpoint (or one of its variants), or an Azure Monitor metric
 * alert scoped to it.
 */
enum md_alarm_state { MD_ALARM_UNKNOWN = 0, MD_ALARM_OK, MD_ALARM_ALARM, MD_ALARM_INSUFFICIENT };
struct md_alarm {
    char *name;
    char *target;     /* the endpoint */
    char *deployment; /* the variant or deployment it watches, "" for the endpoint */
    char *metric;     /* "Invocation5XXErrors", ... */
    enum md_alarm_state state;
    char *reason;     /* the platform's state reason, sanitised */
    int64_t since_ms; /* when the state last changed; 0 unknown */
    bool enabled;     /* actions enabled (CloudWatch) / enabled (Azure) */
    char *source;     /* "cloudwatch", "azure-monitor" */
};
/* "ALARM", "OK", "INSUFFICIENT_DATA", "UNKNOWN". */
const char *md_alarm_state_str(enum md_alarm_state s);
/* CloudWatch's and Azure's spellings to the state; MD_ALARM_UNKNOWN for anything else. */
enum md_alarm_state md_alarm_state_parse(const char *s);

/* Typed growable lists. `n` entries in `v`; release frees entries and array. */
#define MD_LIST(name, type)                                                                        \
    struct name {                                                                                  \
        type *v;                                                                                   \
        size_t n;                                                                                  \
        size_t alloc;                                                                              \
    }
MD_LIST(md_experiment_list, struct md_experiment);
MD_LIST(md_run_list, struct md_run);
MD_LIST(md_model_list, struct md_registered_model);
MD_LIST(md_version_list, struct md_model_version);
MD_LIST(md_endpoint_list, struct md_endpoint);
MD_LIST(md_endpoint_config_list, struct md_endpoint_config);
MD_LIST(md_health_list, struct md_health_series);
MD_LIST(md_monitor_list, struct md_monitor);
MD_LIST(md_change_list, struct md_change);
MD_LIST(md_alarm_list, struct md_alarm);

/* Release functions free owned memory and zero the record. */
void md_kvs_release(struct md_kvs *kv);
void md_experiment_release(struct md_experiment *e);
void md_run_release(struct md_run *r);
void md_registered_model_release(struct md_registered_model *m);
void md_model_version_release(struct md_model_version *v);
void md_metric_series_release(struct md_metric_series *s);

void md_deployment_release(struct md_deployment *dep);
void md_endpoint_release(struct md_endpoint *e);
void md_endpoint_config_release(struct md_endpoint_config *c);
void md_health_series_release(struct md_health_series *h);
void md_monitor_release(struct md_monitor *m);
/* Free n signals with their thresholds, then the array v (a platform's monitor records too). */
void md_monitor_signals_release(struct md_monitor_signal *v, size_t n);

void md_experiment_list_release(struct md_experiment_list *l);
void md_endpoint_list_release(struct md_endpoint_list *l);
void md_endpoint_config_list_release(struct md_endpoint_config_list *l);
void md_health_list_release(struct md_health_list *l);
void md_run_list_release(struct md_run_list *l);
void md_model_list_release(struct md_model_list *l);
void md_version_list_release(struct md_version_list *l);
void md_monitor_list_release(struct md_monitor_list *l);
void md_change_release(struct md_change *c);
void md_change_list_release(struct md_change_list *l);
void md_alarm_release(struct md_alarm *a);
void md_alarm_list_release(struct md_alarm_list *l);

/*
 * Append a zeroed slot and return it (the list grows with md_xrealloc: the
 * caller bounds the count through the page cap of the parser).
 */
struct md_experiment *md_experiment_list_push(struct md_experiment_list *l);
struct md_run *md_run_list_push(struct md_run_list *l);
struct md_registered_model *md_model_list_push(struct md_model_list *l);
struct md_model_version *md_version_list_push(struct md_version_list *l);
struct md_endpoint *md_endpoint_list_push(struct md_endpoint_list *l);
struct md_endpoint_config *md_endpoint_config_list_push(struct md_endpoint_config_list *l);
struct md_health_series *md_health_list_push(struct md_health_list *l);
struct md_monitor *md_monitor_list_push(struct md_monitor_list *l);
struct md_change *md_change_list_push(struct md_change_list *l);
/* Oldest first, ties by event id: the order every platform's history is shown in. */
void md_change_list_sort(struct md_change_list *l);
struct md_alarm *md_alarm_list_push(struct md_alarm_list *l);
/* By target, then name: the order alarms are shown in. */
void md_alarm_list_sort(struct md_alarm_list *l);

/*
 * qsort order of struct md_model_version, newest first: version names that
 * are decimal numbers compare as numbers (leading zeros ignored) and come
 * before any other name; other names compare as text, descending.
 */
int md_model_version_cmp_desc(const void *pa, const void *pb);

/* Move all entries of src to the end of dst; src is left empty. */
void md_run_list_append(struct md_run_list *dst, struct md_run_list *src);

/* Lookups; NULL when absent. Pointers are lent for the list's lifetime. */
const char *md_kvs_get(const struct md_kvs *kv, const char *key);
const struct md_metric *md_run_metric(const struct md_run *r, const char *key);
const char *md_model_alias_version(const struct md_registered_model *m, const char *alias);

/*
 * An endpoint's traffic as one comparable string, "blue=90,green=10": every
 * deployment in the endpoint's order, each weight printed with %g; with
 * `desired`, a deployment's desired weight where the platform gives one (not
 * NAN). Two endpoints with the same string send the same shares. Returns a
 * malloc'd string for the caller to free(); "" when there is no deployment.
 */
char *md_endpoint_weights_string(const struct md_endpoint *e, bool desired);

/*
 * Targets: how the store's value history and the audit log name a thing that
 * changes. "churn@champion" is an alias of a model, "endpoint:x" the config an
 * endpoint runs, "endpoint:x#traffic" its traffic map (weights string above).
 * Written to buf, cut to n bytes (n > 0).
 */
void md_alias_target(char *buf, size_t n, const char *model, const char *alias);
void md_endpoint_target(char *buf, size_t n, const char *endpoint, bool traffic);

const char *md_run_status_str(enum md_run_status st);
enum md_run_status md_run_status_parse(const char *s);

#endif

/*
 * sagemaker_int.h - the pure parts of the SageMaker backend, shared by
 * core/backends/sagemaker/sagemaker.c (requests) and core/backends/sagemaker/sagemaker_map.c
 * (reply mapping), and exposed to the unit tests and the fuzz target.
 * Nothing here touches the network.
 *
 * Operations that need several calls (list endpoints = ListEndpoints +
 * DescribeEndpoint per endpoint + DescribeEndpointConfig + DescribeModel)
 * collect the replies into one JSON "bundle" and map it here in one pass,
 * so a live reply, a cached snapshot (md_result.raw) and a fuzz input all
 * take the same path. Bundles per result kind:
 *
 *   ENDPOINTS, ENDPOINT  {"Summaries": [EndpointSummary...],
 *                         "Endpoints": [DescribeEndpoint reply...],
 *                         "EndpointConfigs": [DescribeEndpointConfig reply...],
 *                         "Models": [DescribeModel reply, trimmed...]}
 *                        or one bare DescribeEndpoint reply;
 *   ENDPOINT_CONFIGS     {"EndpointConfigs": [DescribeEndpointConfig reply...],
 *                         "Models": [...]} or a bare ListEndpointConfigs reply;
 *   HEALTH               {"EndpointName": "e", "Queries": [{"Id", "Metric",
 *                         "Variant"}...], "Replies": [GetMetricData reply...]};
 *   EXPERIMENTS          a ListTrainingJobs reply (pages merged);
 *   RUNS                 {"TrainingJobSummaries": [...], "TrainingJobs":
 *                         [DescribeTrainingJob reply...], "NextToken"};
 *   RUN                  a DescribeTrainingJob reply;
 *   MODELS               a ListModelPackageGroups reply (pages merged);
 *   VERSIONS             a ListModelPackages reply (pages merged);
 *   ALARMS               {"MetricAlarms": [...]}: DescribeAlarms pages merged,
 *                        only the alarms naming an endpoint.
 *
 * Model container Environment maps and training job Environment maps are
 * dropped before a bundle is built: they may hold secrets, and bundles are
 * cached in the state store.
 */
#ifndef MLDECK_SAGEMAKER_INT_H
#define MLDECK_SAGEMAKER_INT_H

#include "mldeck/backend.h"

/* Most records a bundle or page may hold; a bigger reply is refused (MD_ERR_TOO_BIG). */
#define SM_MAX_ITEMS 100000
/* Most params, metrics, inputs, variants or points one record may hold. */
#define SM_MAX_RECORD_ITEMS 100000

/*
 * The ops table's parse slot: turn a reply or bundle (above) into `out`,
 * which must be zeroed. Sets out->kind, out->status and out->next_token
 * ("" on the last page). Endpoints come sorted by name, configs newest
 * first, runs newest first, versions by number newest first, health points
 * by time. MD_RESULT_NONE accepts any body. Errors: MD_ERR_PARSE (not JSON,
 * not an object, a list that is not a list, no endpoint for ENDPOINT, no
 * TrainingJobName for RUN), MD_ERR_TOO_BIG (caps). On error `out` holds no
 * records.
 */
md_status sm_parse(enum md_result_kind kind, const char *body, size_t len, struct md_result *out,
                   struct md_err *err);

/*
 * Map a non-2xx reply (JSON 1.0/1.1 error, moto's XML auth errors, HTML
 * error pages, plain text) to a status and the message
 * "<what>: HTTP <code> <Code>: <message>". `who` names the credentials
 * ("profile 'x'") in auth messages. Statuses: MD_ERR_AUTH for expired
 * tokens ("expired session token for <who>"), unknown keys, signature
 * mismatches (with the local UTC time, as clock skew is a common cause) and
 * access denied; MD_ERR_NOT_FOUND for ResourceNotFound and SageMaker's
 * ValidationException "Could not find ..."; MD_ERR_HTTP otherwise
 * (throttling says so). Returns the status, recorded in err.
 */
md_status sm_map_error(const char *what, long code, const char *body, size_t len, const char *who,
                       struct md_err *err);

/* True when `code` (an AWS error code) is one of botocore's throttling codes. */
bool sm_is_throttling(const char *code);

/*
 * The stem of a SageMaker name: trailing segments that are all digits
 * (timestamps the SDK appends: "churn-xgb-2026-11-01-10-00-00-123") or a
 * "v" + digits version are cut ("churn-xgb"; "fraud-config-v2" ->
 * "fraud-config"). A name that would become empty is its own stem. free().
 * Training jobs with the same stem form one pseudo-experiment; endpoint
 * configs with the endpoint's config stem are rollback candidates.
 */
char *sm_name_stem(const char *name);

/* CloudWatch metric name and statistic for a health metric. Static strings. */
const char *sm_health_metric_name(enum md_health_metric m);
/* One CloudWatch query per variant: the series it feeds, its metric and statistic. */
struct sm_health_query {
    enum md_health_metric series;
    const char *metric;
    const char *stat;
};
extern const struct sm_health_query sm_health_queries[];
extern const size_t sm_health_n_queries;
const char *sm_health_stat(enum md_health_metric m);

/*
 * The version number of a model package ARN or versioned name
 * ("arn:aws:sagemaker:r:a:model-package/churn/3" -> "3", "churn/3" -> "3");
 * "" when there is none. free().
 */
char *sm_package_version(const char *arn_or_name);

/* ---- shared by the mapping files (sagemaker_map.c, _health.c, _jobs.c) ---- */

struct cJSON;

/* A timestamp member (epoch seconds, ISO 8601 or a numeric string) in epoch ms; 0 when none. */
int64_t sm_ts_ms(const struct cJSON *obj, const char *key);
/* First object of array member `key`; NULL when none. Lent from the tree. */
const struct cJSON *sm_first_obj(const struct cJSON *obj, const char *key);
/* The object of `arr` whose string member `key` equals `name`; NULL when none. */
const struct cJSON *sm_find_by(const struct cJSON *arr, const char *key, const char *name);
/* Append cleaned copies of key and value (NULL value: ""). */
void sm_kv_add(struct md_kvs *kv, const char *key, const char *value);
void sm_kv_add_num(struct md_kvs *kv, const char *key, double v);
/* qsort comparator of struct md_kv by key. */
int sm_kv_cmp(const void *a, const void *b);

/* cJSON builders that abort on OOM like the x-allocators; set replaces. */
struct cJSON *sm_obj(void);
struct cJSON *sm_arr(struct cJSON *obj, const char *key); /* existing or new array member */
void sm_str(struct cJSON *obj, const char *key, const char *value);
void sm_num(struct cJSON *obj, const char *key, double value);
void sm_push(struct cJSON *arr, struct cJSON *item);
/* A deep copy (the reply tree is freed after on_reply returns). */
struct cJSON *sm_dup(const struct cJSON *o);

/* The per-kind mappers sm_parse() dispatches to; `root` is a JSON object. */
md_status sm_parse_health(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_experiments(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_runs(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_run(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_models(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_versions(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_changes(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_alarms(const struct cJSON *root, struct md_result *out, struct md_err *err);
md_status sm_parse_alarm_history(const struct cJSON *root, struct md_result *out,
                                 struct md_err *err);
md_status sm_parse_log_events(const struct cJSON *root, struct md_result *out, struct md_err *err);

#endif

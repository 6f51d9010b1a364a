/*
 * sagemaker_req.h - the SageMaker backend's operations on the one request
 * engine (backends/op.h), shared by sagemaker.c (platform hooks, shared
 * GetMetricData calls, paged lists, lifecycle), sagemaker_cache.c (what is
 * kept between operations), sagemaker_endpoints.c (endpoint reads) and
 * sagemaker_ops.c (training jobs, registry, mutations). Private to
 * core/backends/.
 *
 * An operation (sm_op, a struct op first) is what a vtable slot starts; its
 * calls (struct op_call: one AWS request each, with the AWS service in
 * `service`, the operation name in `name` and the name it is about in
 * `subject`) wait on the backend's engine, at most SM_MAX_INFLIGHT on the
 * wire, behind one fetch of missing or expiring keys. Each reply goes to the
 * operation's on_reply as a JSON object; when no call is left, its on_done
 * (if set) may enqueue the next stage, else the bundle the replies were
 * collected into is mapped by sm_parse() and reported, exactly once.
 */
#ifndef MLDECK_SAGEMAKER_REQ_H
#define MLDECK_SAGEMAKER_REQ_H

#include <cJSON.h>
#include <stdarg.h>

#include "backends/op.h"
#include "mldeck/aws.h"
#include "sagemaker_int.h"

/* Calls on the wire at once, per backend. */
#define SM_MAX_INFLIGHT 8

/* What an operation does with a reply; each operation interprets its own roles. */
enum sm_role {
    SM_ROLE_NONE = 0,
    SM_ROLE_LIST,     /* a page of the operation's paged list (sm_list_*) */
    SM_ROLE_ENDPOINT, /* DescribeEndpoint */
    SM_ROLE_CONFIG,   /* DescribeEndpointConfig */
    SM_ROLE_MODEL,    /* DescribeModel */
    SM_ROLE_METRICS,  /* CloudWatch GetMetricData */
    SM_ROLE_JOB,      /* DescribeTrainingJob */
    SM_ROLE_PACKAGE,  /* DescribeModelPackage */
    SM_ROLE_MUTATE,   /* the change itself: its reply body becomes the result's raw */
};

/* op_call.flags of this backend. */
enum sm_call_flags {
    SM_CALL_CACHED = 1 << 0, /* not sent: a describe answered from the backend's cache */
};

struct sm_op;

/* Variant names of an endpoint as last described: lets a health query skip a describe. */
struct sm_variants {
    char *endpoint;
    cJSON *names; /* array of strings */
    int64_t at_ms;
};

/* A describe reply kept across operations (configs, models, packages are immutable). */
struct sm_cached {
    char *key; /* "c:" config, "m:" model, "p:" package, then the name */
    cJSON *obj;
    int64_t at_ms;
};

struct sm_batch;

struct sm_backend {
    struct md_backend base; /* first: handed out as a struct md_backend */
    struct op_engine eng;
    struct md_cred_source keys; /* the gate: md_aws_cred() of aws, fetched before a call leaves */
    struct md_aws aws;
    char *sigv4[MD_AWS_SERVICE_COUNT]; /* "aws:amz:REGION:SERVICE" */
    char *who;                         /* "profile 'x'": whose keys, for messages */
    char *ca_path;
    bool insecure_tls;
    long timeout_ms;
    char target[96]; /* X-Amz-Target and log tag of the call being sent (prepare) */
    char tag[96];
    struct sm_variants *vcache; /* oldest first */
    size_t n_vcache;
    struct sm_cached *dcache; /* sorted by key */
    size_t n_dcache;
    struct sm_batch *open_batch; /* a shared GetMetricData still on the queue, or NULL */
};

/* A paged list in progress (one per operation at a time). */
struct sm_list {
    enum md_aws_service svc;
    const char *op_name;
    cJSON *req;      /* the first page's request; pages repeat it with NextToken */
    const char *key; /* the reply's list member, also the bundle's */
    size_t want;     /* stop once this many items were kept */
    size_t got;
    int pages;
    int max_pages;
    bool (*keep)(struct sm_op *op, const cJSON *item); /* NULL: keep all */
};

typedef void (*sm_reply_fn)(struct sm_op *op, struct op_call *c, md_status st,
                            const struct md_err *err, const cJSON *reply);

struct sm_op {
    struct op base; /* first */
    struct sm_backend *sm;
    sm_reply_fn on_reply;              /* NULL: a failure fails the operation */
    void (*on_done)(struct sm_op *op); /* the next stage, or NULL */
    cJSON *bundle;                     /* what sm_parse() maps at the end */
    char *raw;                         /* MD_RESULT_NONE: the mutation's reply */
    char *next_token;                  /* of the last list page, "" when it was the last */
    struct sm_list list;
    char **seen; /* names already asked for (configs, models) */
    size_t n_seen;
    char *arg1; /* per operation: endpoint, model group, ... */
    char *arg2;
    char *arg3;
    int minutes;
    char **w_names; /* set_weights: the requested weights, copied */
    double *w_values;
    size_t nw;
    size_t ok; /* describes that succeeded / failed (partial results) */
    size_t failed;
    struct md_err part_err; /* first error of a describe the result can do without */
};

/* A new operation (linked to the backend); `what` is taken over. */
struct sm_op *sm_op_new(struct sm_backend *sm, enum md_result_kind kind, md_backend_cb cb, void *ud,
                        char *what);
/* Send what the operation enqueued. With nothing enqueued, it fails (reported later). */
void sm_op_start(struct sm_op *op);
/* Record the operation's first error and drop its queued calls (op_fail()). */
void sm_op_fail(struct sm_op *op, md_status st, long http, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fail now, report from md_http_run(). */
void sm_op_fail_later(struct sm_op *op, md_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Queue a call; `body` is taken over (printed and deleted). */
void sm_enqueue(struct sm_op *op, enum md_aws_service svc, const char *op_name, int role,
                cJSON *body, const char *subject);

/* Start a paged list into bundle[key]; `req` is taken over. */
void sm_list_start(struct sm_op *op, enum md_aws_service svc, const char *op_name, cJSON *req,
                   const char *key, size_t want, int max_pages, const char *token);
/* An on_reply for operations that only list: a failure fails them, a page is taken. */
void sm_list_on_reply(struct sm_op *op, struct op_call *c, md_status st, const struct md_err *err,
                      const cJSON *reply);
/* Take a page (call from on_reply for SM_ROLE_LIST); may enqueue the next one. */
void sm_list_page(struct sm_op *op, const cJSON *reply);

/* True when `name` was already asked for by this operation; records it otherwise. */
bool sm_seen(struct sm_op *op, const char *name);
/* True when `name` was recorded by sm_seen(); records nothing. */
bool sm_has(const struct sm_op *op, const char *name);
/* A caller-supplied name fit to quote in a message (free()). */
char *sm_subject(const char *s);

/* Remember the variant names of a DescribeEndpoint reply. */
void sm_variants_put(struct sm_backend *sm, const cJSON *describe_reply);
/* A copy of an endpoint's variant names no older than max_age_ms; NULL when none. */
cJSON *sm_variants_get(struct sm_backend *sm, const char *endpoint, int64_t max_age_ms);
/* Forget an endpoint's variant names (after a change to it). */
void sm_variants_forget(struct sm_backend *sm, const char *endpoint);
/* Free both caches (sagemaker_cache.c). */
void sm_caches_release(struct sm_backend *sm);

/*
 * Describe replies of immutable objects: keep a copy under `key`, and find
 * one no older than max_age_ms (lent until the next put; NULL when none).
 */
void sm_dcache_put(struct sm_backend *sm, const char *key, const cJSON *obj);
const cJSON *sm_dcache_get(struct sm_backend *sm, const char *key, int64_t max_age_ms);

/*
 * Add an operation's GetMetricData queries (an array, taken over) for the
 * window [start, end) to the shared call waiting on the queue, or to a new
 * one when there is none, the window differs or it would pass 500 queries.
 * Query ids must be unique across operations: "q<op id>_<n>". Each member
 * gets the reply through on_reply (role SM_ROLE_METRICS) with only its own
 * MetricDataResults.
 */
void sm_metrics_add(struct sm_op *op, cJSON *queries, double start, double end);

/* The slots, by file. sagemaker_endpoints.c: */
uint64_t sm_probe(struct md_backend *be, md_backend_cb cb, void *ud);
uint64_t sm_list_endpoints(struct md_backend *be, md_backend_cb cb, void *ud);
uint64_t sm_get_endpoint(struct md_backend *be, const char *name, md_backend_cb cb, void *ud);
uint64_t sm_list_endpoint_configs(struct md_backend *be, const char *endpoint, md_backend_cb cb,
                                  void *ud);
uint64_t sm_get_health(struct md_backend *be, const char *endpoint, int minutes, md_backend_cb cb,
                       void *ud);
/* sagemaker_changes.c: */
uint64_t sm_list_changes(struct md_backend *be, const char *target, int64_t since_ms,
                         md_backend_cb cb, void *ud);
/* sagemaker_alarms.c: target NULL for the alarms of every endpoint. */
uint64_t sm_list_alarms(struct md_backend *be, const char *target, md_backend_cb cb, void *ud);
/* StateUpdate items of metric alarms from since_ms on, as changes without a target. */
uint64_t sm_list_alarm_history(struct md_backend *be, int64_t since_ms, md_backend_cb cb, void *ud);
/* sagemaker_check.c: */
/* Cap c's reply by its call name (c->name), for a page of `page` records (MaxResults). */
void sm_call_cap(struct op_call *c, size_t page);
/*
 * A 2xx reply of call `call` checked against the shape its mapper relies
 * on (the main lists, describes and GetMetricData; other calls pass):
 * MD_ERR_PARSE "field Endpoints[0].EndpointName: expected string, got null".
 */
md_status sm_check_reply(const char *call, const cJSON *reply, struct md_err *err);
/* sagemaker_logs.c: */
uint64_t sm_filter_logs(struct md_backend *be, const struct md_logs_query *q, md_backend_cb cb,
                        void *ud);
/* sagemaker_ops.c: */
uint64_t sm_list_experiments(struct md_backend *be, const char *page_token, size_t max,
                             md_backend_cb cb, void *ud);
uint64_t sm_list_runs(struct md_backend *be, const struct md_runs_query *q, md_backend_cb cb,
                      void *ud);
uint64_t sm_get_run(struct md_backend *be, const char *run_id, md_backend_cb cb, void *ud);
uint64_t sm_list_models(struct md_backend *be, const char *page_token, size_t max, md_backend_cb cb,
                        void *ud);
uint64_t sm_list_versions(struct md_backend *be, const char *model, const char *page_token,
                          size_t max, md_backend_cb cb, void *ud);
uint64_t sm_update_endpoint(struct md_backend *be, const char *endpoint, const char *config,
                            md_backend_cb cb, void *ud);
uint64_t sm_set_weights(struct md_backend *be, const char *endpoint, const struct md_weight *w,
                        size_t n, md_backend_cb cb, void *ud);
uint64_t sm_set_approval(struct md_backend *be, const char *model, const char *version,
                         const char *status, md_backend_cb cb, void *ud);

#endif

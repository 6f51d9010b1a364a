/*
 * azureml_int.h - the Azure Machine Learning backend's private parts,
 * exposed to the unit tests, the fuzz target and the test tools. Files, from
 * the bottom up (each uses only those below it):
 *  - azureml_map.c: pure mapping of Resource Manager replies to model.h
 *    records, error bodies to messages;
 *  - azureml_plan.c: the pure traffic-change plan;
 *  - azureml_watch.c: pure mapping of logs and monitor schedules, and the
 *    parse slot over every kind;
 *  - azureml_req.c: the platform the request engine (backends/op.h) runs
 *    with: the token, TLS, rate-limit headers, error messages; pages
 *    through nextLink and the documents composed from them;
 *  - azureml_traffic.c: the traffic change and its long-running operation;
 *  - azureml.c: the instance, the reads and the ops table.
 * Nothing below azureml_req.c touches the network.
 *
 * Shapes (reference/azureml.md): every list is a page {"value": [...],
 * "nextLink": "<absolute URL>"}; resources carry id, name, properties and
 * systemData {createdAt, createdBy, lastModifiedAt, ...}; errors are
 * {"error": {"code", "message"}}.
 *
 * Documents the backend composes from several replies, so a cached copy
 * maps back to the same result with azureml_parse():
 *  - MD_RESULT_ENDPOINTS: {"value": [endpoint, ...]}, each endpoint object
 *    as ARM sent it plus "mldeckDeployments": [deployment, ...] (all pages)
 *    and, when its deployments could not be listed, "mldeckError": "text";
 *  - MD_RESULT_ENDPOINT: one such endpoint object;
 *  - MD_RESULT_EXPERIMENTS / MD_RESULT_RUNS: {"value": [job, ...]} over
 *    every page of jobs (for runs, only the jobs of the experiment);
 *  - MD_RESULT_MONITORS: {"value": [schedule, ...]} over every page.
 */
#ifndef MLDECK_AZUREML_INT_H
#define MLDECK_AZUREML_INT_H

#include "mldeck/azure_auth.h"
#include "mldeck/backend.h"

#include "backends/op.h"

#define AZUREML_DEFAULT_API_VERSION "2025-12-01"
#define AZUREML_DEFAULT_ARM "https://management.azure.com"
/* Most records one reply (or one composed document) may hold. */
#define AZUREML_MAX_ITEMS 20000
/* Most pages followed through nextLink for one list. */
#define AZUREML_MAX_PAGES 200
/* Member names the backend adds to endpoint objects it composes. */
#define AZUREML_DEPLOYMENTS_KEY "mldeckDeployments"
#define AZUREML_ERROR_KEY "mldeckError"
/* Most log lines asked for or kept. */
#define AZUREML_LOGS_MAX_LINES 10000
/* Experiment name of jobs that name none (Azure ML's own default). */
#define AZUREML_DEFAULT_EXPERIMENT "Default"

/*
 * Turn a reply (or a composed document, above) into `out`, which must be
 * zeroed or released: the ops table's parse slot. Kinds:
 *  - MD_RESULT_PROBE: a workspace; server_version = "NAME (LOCATION)";
 *  - MD_RESULT_ENDPOINTS / MD_RESULT_ENDPOINT: endpoints with their
 *    deployments; a deployment in `traffic` but not listed is added by name;
 *    weight = traffic percent (0 when absent), share = weight / 100,
 *    desired_weight NaN; mirror traffic, auth mode and scoring URI go to the
 *    endpoint's tags as azureml.mirror_traffic ("green=10"),
 *    azureml.auth_mode and azureml.scoring_uri;
 *  - MD_RESULT_MODELS: model containers; MD_RESULT_VERSIONS: model
 *    versions, newest version number first; MD_RESULT_VERSION: one version;
 *  - MD_RESULT_EXPERIMENTS: jobs grouped by properties.experimentName (id =
 *    name = the experiment name), most recently changed first;
 *  - MD_RESULT_RUNS: jobs as runs, newest first; MD_RESULT_RUN: one job;
 *  - MD_RESULT_NONE accepts any body.
 * out->next_token is the page's nextLink exactly as sent ("" when absent).
 * Errors: MD_ERR_PARSE (not JSON, not an object, "value" not a list, a
 * single resource that is not an object), MD_ERR_TOO_BIG (item caps). On
 * error `out` holds no records.
 */
md_status azureml_parse(enum md_result_kind kind, const char *body, size_t len,
                        struct md_result *out, struct md_err *err);

/*
 * A non-2xx reply as "<what>: HTTP <code> <Code>: <message>" from ARM's
 * {"error": {"code", "message"}}, else "<what>: HTTP <code>: <first line>";
 * " (request id X)" is appended when request_id is given. 401/403 give
 * MD_ERR_AUTH, 404 MD_ERR_NOT_FOUND, an unknown or missing api-version
 * MD_ERR_CONFIG, anything else MD_ERR_HTTP. Returns the status, recorded in
 * err (first error wins).
 */
md_status azureml_map_error(const char *what, long code, const char *body, size_t len,
                            const char *request_id, struct md_err *err);

/*
 * A deployment's model reference: an ARM id ".../models/NAME/versions/V",
 * "azureml:NAME:V", "azureml:NAME@LABEL" or "azureml://registries/R/models/
 * NAME/versions/V". *name and *version are new cleaned strings (free());
 * an unknown form gives the whole text as name and "" as version.
 */
void azureml_model_ref(const char *ref, char **name, char **version);

/* ISO 8601 ("2020-01-01T12:34:56.999Z", "+01:00" offsets) to epoch ms; 0 when unreadable. */
int64_t azureml_time_ms(const char *s);

/* Job status text to the neutral run status (Completed -> FINISHED, ...). */
enum md_run_status azureml_job_status(const char *s);

/*
 * Plan a traffic change from the endpoint as GET returned it and a
 * {"value": [deployment, ...]} document of all its deployments. Checks:
 * each weight a whole percentage 0..100, their sum 100, every named
 * deployment exists, deployments given traffic are Succeeded, the endpoint
 * is not in the middle of another operation. On success *put_body is the
 * endpoint to PUT back whole (read-only members dropped, traffic replaced,
 * zero entries left out as the SDK does, a deployment that now takes live
 * traffic removed from mirrorTraffic), and *from / *to are the old and new
 * maps as "blue=90,green=10" over every deployment (all free()). *unchanged
 * is set, and *put_body NULL, when the map already is the requested one.
 * Errors: MD_ERR_INVALID with a message naming the problem, MD_ERR_PARSE.
 */
md_status azureml_plan_traffic(const char *endpoint, size_t endpoint_len, const char *deployments,
                               size_t deployments_len, const struct md_weight *w, size_t n,
                               char **put_body, char **from, char **to, bool *unchanged,
                               struct md_err *err);

/*
 * The traffic map of an endpoint body, "blue=100,green=0" over `names`
 * (the deployments, comma-separated) and any other deployment in traffic;
 * free(). NULL when the body is not an endpoint.
 */
char *azureml_traffic_string(const char *endpoint, size_t len, const char *names);

/*
 * An Azure-AsyncOperation status reply {"status", "error": {"code",
 * "message"}}: *status is the status text (free()), "" when missing; when
 * it is Failed or Canceled, *detail is "Code: message" (free()), else "".
 * Returns MD_ERR_PARSE for a body that is not a JSON object.
 */
md_status azureml_operation_status(const char *body, size_t len, char **status, char **detail);
/* True for Succeeded, Failed and Canceled (any case). */
bool azureml_operation_done(const char *status);

/*
 * The workspace's properties.mlFlowTrackingUri as a base URL for the MLflow
 * REST API (free()), or NULL when the body has none or it cannot be used.
 * The scheme rule: azureml://HOST/PATH becomes https://HOST/PATH, except
 * when `arm` (the Resource Manager base URL the backend talks to) is itself
 * plain http:// (a loopback test server): then it becomes http://HOST/PATH,
 * the scheme ARM is reached with. A URI already http(s):// is kept, but an
 * http:// one is refused (NULL) unless ARM is plain http too, so the ARM
 * token never travels in clear where ARM itself does not.
 */
char *azureml_workspace_mlflow_uri(const char *body, size_t len, const char *arm);

/*
 * The reply of getLogs, {"content": "<text>"}, as the text to show (free()):
 * terminal escape sequences (CSI, OSC) removed, every line passed through
 * md_sanitize(), "\r\n" and "\r" read as line ends, at most the last
 * `max_lines` lines (0: all). Errors: MD_ERR_PARSE (not JSON, not an object,
 * "content" present but not a string); a reply without "content" is "".
 */
md_status azureml_parse_logs(const char *body, size_t len, size_t max_lines, char **text,
                             struct md_err *err);

/*
 * The CreateMonitor schedules of a {"value": [schedule, ...]} document as
 * neutral monitors (model.h): the deployment reference "E/D" splits into
 * endpoint and deployment. Errors as azureml_parse_monitors().
 */
/*
 * Azure Monitor metrics composed as {"value": [metric, ...]} to health series
 * per deployment, plus the endpoint's totals (azureml_health.c).
 */
md_status azureml_parse_health(const char *body, size_t len, struct md_result *out,
                               struct md_err *err);
/* Activity Log pages to ended changes, oldest first (azureml_changes.c). */
md_status azureml_parse_changes(const char *body, size_t len, struct md_result *out,
                                struct md_err *err);
/*
 * Metric alert rules and fired alerts (azureml_alarms.c) to one alarm per
 * rule and endpoint in its scopes, state from the newest alert it fired there.
 */
md_status azureml_parse_alarms(const char *body, size_t len, struct md_result *out,
                               struct md_err *err);
md_status azureml_parse_md_monitors(const char *body, size_t len, struct md_monitor_list *out,
                                    struct md_err *err);

/*
 * Model monitors as the schedules define them: the CreateMonitor schedules
 * of a {"value": [schedule, ...]} page with their signals and thresholds
 * (model.h's records; release with md_monitor_signals_release()).
 * Schedules of other actions are skipped.
 */
struct azureml_monitor {
    char *name;
    char *display_name;
    bool enabled;
    char *trigger;    /* "cron 0 * * * *", "recurrence Day/1", "" */
    char *deployment; /* monitoringTarget.deploymentId as "endpoint/deployment", else raw */
    char *model;      /* monitoringTarget.modelId as "name:version", else raw */
    struct md_monitor_signal *signals;
    size_t n_signals;
};
struct azureml_monitor_list {
    struct azureml_monitor *v;
    size_t n;
};
/* Errors as azureml_parse(); on error *out is empty. Release with the function below. */
md_status azureml_parse_monitors(const char *body, size_t len, struct azureml_monitor_list *out,
                                 struct md_err *err);
void azureml_monitor_list_release(struct azureml_monitor_list *l);

/* azureml_parse() for the kinds of Resource Manager resources (not logs, not monitors). */
md_status azureml_parse_resources(enum md_result_kind kind, const char *body, size_t len,
                                  struct md_result *out, struct md_err *err);

/*
 * For the test tools (an Azure backend instance only; NULL or -1 for any
 * other; the deck reads the same through the ops table's linked and budget
 * slots). Pointers are lent until the next call on the instance.
 *  - the workspace's MLflow tracking URI as an https:// URL, known after the
 *    first successful probe;
 *  - the token provider, so another client can send the same token;
 *  - the Azure-AsyncOperation URL and x-ms-request-id of the last traffic
 *    change, for the audit log ("" before one);
 *  - the lowest x-ms-ratelimit-remaining-* value of the last reply that had
 *    one (-1 when none was seen).
 */
const char *azureml_mlflow_tracking_uri(const struct md_backend *be);
md_azure_auth *azureml_auth(struct md_backend *be);
void azureml_last_operation(const struct md_backend *be, const char **async_url,
                            const char **request_id);
long azureml_ratelimit_remaining(const struct md_backend *be);

/* ---- the request side only: azureml_req.c, _traffic.c, azureml.c ------------------------- */

/* An instance: the md_backend header, its request engine, then where to go. */
struct azureml {
    struct md_backend base;
    struct op_engine eng;
    char *arm;    /* Resource Manager base URL, no trailing '/' */
    char *origin; /* its scheme://host[:port]: where nextLink and status URLs may point */
    char *ws;     /* /subscriptions/.../workspaces/NAME, segments escaped */
    char *api;    /* api-version, escaped */
    char *ca_path;
    bool insecure_tls;
    long timeout_ms;
    long lro_timeout_ms;
    md_azure_auth *auth;
    struct md_cred_source cred; /* auth: the engine's gate, lent to the workspace's MLflow */
    char *mlflow_uri;
    char last_async[1024];
    char last_rid[96];
    long ratelimit;
    long ratelimit_logged;
};

/* What a call is for (op_call.role); the reply is handled accordingly. */
enum az_role {
    AZ_R_ONE,           /* a single GET parsed as the operation's kind */
    AZ_R_EP_PAGE,       /* a page of endpoints */
    AZ_R_EP_ONE,        /* one endpoint (get_endpoint, and a traffic change's first read) */
    AZ_R_DEP_PAGE,      /* a page of one endpoint's deployments (op_call.index: which) */
    AZ_R_JOB_PAGE,      /* a page of jobs */
    AZ_R_T_PUT,         /* the traffic change itself */
    AZ_R_T_POLL,        /* Azure-AsyncOperation status */
    AZ_R_T_LOC,         /* Location (202 while running) */
    AZ_R_T_STATE,       /* the endpoint's provisioningState, when no status URL came back */
    AZ_R_T_VERIFY,      /* the endpoint after the operation */
    AZ_R_LOGS,          /* getLogs of a deployment (a POST that reads) */
    AZ_R_SCHED_PAGE,    /* a page of schedules */
    AZ_R_ACTIVITY_PAGE, /* a page of the subscription's Activity Log */
    AZ_R_RULE_PAGE,     /* a page of the resource group's metric alert rules */
    AZ_R_ALERT_PAGE,    /* a page of the subscription's fired alerts */
    AZ_R_METRICS,       /* Azure Monitor metrics of an endpoint (requests, or latency) */
};

/*
 * An operation of this backend (struct op first). Lists gather the items
 * of every page, and the deployments of every endpoint, in `items`; their
 * on_done stage composes the document above. The traffic change keeps its
 * steps' state here too.
 */
struct az_op {
    struct op base;
    char *arg;    /* endpoint, model or experiment */
    char *who;    /* arg cleaned and cut, for log lines */
    cJSON *items; /* endpoints, jobs, schedules, or the traffic change's deployments */
    int pages;    /* followed through nextLink, of AZUREML_MAX_PAGES */
    /* traffic change */
    char *ep_body;
    struct md_weight *w; /* names owned */
    size_t nw;
    char *plan_to;
    char *dep_names;
    int polls;
    int put_tries;    /* 429s of the PUT before this reply */
    int64_t deadline; /* md_mono_ms() */
    char last_status[48];
};

/* The engine's platform (azureml_req.c): bearer token, TLS, rate-limit headers, messages. */
extern const struct op_platform azureml_platform;
/* Calls on the wire at once for one instance (deployment lists of many endpoints wait). */
#define AZUREML_MAX_INFLIGHT 6

/*
 * An operation of kind `kind` whose messages start "<what> '<subject>'"
 * (the subject cleaned and cut; `what` alone when subject is NULL); arg
 * (NULL for none) is kept in op->arg, cleaned in op->who. Single replies
 * are kept and parsed; a probe's reply names the workspace's MLflow, a
 * versions page its model.
 */
struct az_op *azureml_op_new(struct azureml *az, enum md_result_kind kind, md_backend_cb cb,
                             void *ud, const char *what, const char *subject, const char *arg);
/* The instance an operation is of. */
static inline struct azureml *azureml_of(const struct az_op *op)
{
    return (struct azureml *)op->base.eng->be;
}
/*
 * A list over every page: the first GET of `url` (taken over) for `role`
 * (AZ_R_EP_PAGE, AZ_R_EP_ONE, AZ_R_JOB_PAGE or AZ_R_SCHED_PAGE), each
 * endpoint's deployments listed beside, the document composed at the end.
 * Returns the operation's id.
 */
uint64_t azureml_list(struct az_op *op, enum az_role role, char *url);
/*
 * Move the "value" items of a page reply into op->items (only jobs of
 * `only_experiment` when set) and queue its nextLink for `role` and `index`
 * when there is one, it points to the Resource Manager, and the page budget
 * allows. Returns false when op failed (a reply that is not a page, a
 * nextLink elsewhere).
 */
bool azureml_take_page(struct az_op *op, const struct md_http_resp *resp, enum az_role role,
                       size_t index, const char *only_experiment);
/* azureml_check.c: cap c's reply by its role (a page, one endpoint, a traffic step). */
void azureml_call_cap(struct op_call *c);
/*
 * A parsed reply of a call of `role` checked against the shape its mapper
 * relies on (pages of endpoints, deployments and jobs, one endpoint; other
 * roles pass): MD_ERR_PARSE "field value[0].name: expected string, got null".
 */
md_status azureml_check_reply(int role, const cJSON *reply, struct md_err *err);
/* The reply's body as a JSON object (cJSON_Delete()); NULL, and op failed, when it is not one. */
cJSON *azureml_reply_object(struct az_op *op, const struct md_http_resp *resp);
/* W + suffix + api-version (new string). */
char *azureml_ws_url(const struct azureml *az, const char *suffix);
/* W + prefix + the escaped name + suffix + api-version ("/onlineEndpoints/", e, ""; new string). */
char *azureml_ws_url_of(const struct azureml *az, const char *prefix, const char *name,
                        const char *suffix);
/* True when url is on the Resource Manager's own origin: the token may go there. */
bool azureml_on_origin(const struct azureml *az, const char *url);

/* An endpoint's request metrics, last `minutes` (azureml_health.c): the ops table's get_health. */
uint64_t azureml_get_health(struct md_backend *be, const char *endpoint, int minutes,
                            md_backend_cb cb, void *ud);
/* The traffic change (azureml_traffic.c): the ops table's set_weights. */
uint64_t azureml_list_changes(struct md_backend *be, const char *target, int64_t since_ms,
                              md_backend_cb cb, void *ud);
uint64_t azureml_list_alarms(struct md_backend *be, const char *target, md_backend_cb cb, void *ud);
uint64_t azureml_set_weights(struct md_backend *be, const char *endpoint, const struct md_weight *w,
                             size_t n, md_backend_cb cb, void *ud);

#endif

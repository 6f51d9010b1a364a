/*
 * deck.h - the core's state for one context: its backends, the snapshot of
 * everything fetched so far, the local store and the HTTP engine, behind one
 * handle that front ends (the TUI, the headless CLI, tests) drive.
 *
 * The deck never blocks. Front ends ask for data with md_deck_want_*(),
 * which starts fetches when the data is missing or old; a loop calls
 * md_deck_poll() and md_deck_run(), and md_deck_run() returns which parts of
 * the snapshot changed (enum md_deck_change). Getters return const pointers
 * into the snapshot, lent until the next md_deck_run() or md_deck_free().
 *
 * Opening a deck loads the last snapshot of every backend from the store, so
 * the first frame shows data at once; it is marked stale (with its age) until
 * a fresh reply replaces it, and stays on screen when a server fails.
 *
 * Backends are addressed by index, 0 .. md_deck_backend_count()-1: first the
 * context's configured backends in their order, then the ones the deck adds
 * by itself. An Azure ML backend whose workspace names an MLflow tracking
 * server (properties.mlFlowTrackingUri, learnt from its probe) gets one: an
 * MLflow backend called "<azure backend>/mlflow" on that server, sending
 * the Azure backend's token, read-only whenever the deck is, its
 * experiments, runs and models fetched and cached like any other backend's.
 * The count grows when one is added (MD_CHANGED_BACKENDS); an index never
 * changes meaning. A cached tracking URI adds it at open, before any probe.
 */
#ifndef MLDECK_DECK_H
#define MLDECK_DECK_H

#include "mldeck/backend.h"
#include "mldeck/config.h"
#include "mldeck/model.h"
#include "mldeck/store.h"

typedef struct md_deck md_deck;

struct md_deck_opts {
    const struct md_config *config; /* borrowed; must outlive the deck */
    const char *context;            /* NULL: the config's current context */
    const char *state_path;         /* NULL: XDG default; ":memory:" for tests */
    bool read_only;                 /* true forces read-only whatever the config says */
    bool no_cache;                  /* do not load snapshots at open (benchmarks) */
    bool no_timer;                  /* no automatic refresh (headless: one answer, not a feed) */
};

enum md_deck_change {
    MD_CHANGED_BACKENDS = 1 << 0, /* health, errors, ages */
    MD_CHANGED_EXPERIMENTS = 1 << 1,
    MD_CHANGED_RUNS = 1 << 2,
    MD_CHANGED_RUN = 1 << 3,
    MD_CHANGED_HISTORY = 1 << 4,
    MD_CHANGED_MODELS = 1 << 5,
    MD_CHANGED_VERSIONS = 1 << 6,
    MD_CHANGED_AUDIT = 1 << 7,
    MD_CHANGED_ACTION = 1 << 8,
    MD_CHANGED_ENDPOINTS = 1 << 9,
    MD_CHANGED_HEALTH = 1 << 10,
    MD_CHANGED_CONFIGS = 1 << 11,
    MD_CHANGED_LOGS = 1 << 12,     /* deployment logs arrived (md_deck_logs) */
    MD_CHANGED_MONITORS = 1 << 13, /* platform monitors arrived (md_deck_monitors) */
};

md_status md_deck_new(md_deck **out, const struct md_deck_opts *opts, struct md_err *err);
void md_deck_free(md_deck *d);

bool md_deck_read_only(const md_deck *d);
const char *md_deck_context_name(const md_deck *d);
const struct md_context *md_deck_context(const md_deck *d);
md_store *md_deck_store(md_deck *d);

/* Event loop. Poll waits on the network, fds and the deck's timers. */
md_status md_deck_poll(md_deck *d, struct md_pollfd *fds, unsigned nfds, int timeout_ms);
/* Process replies and timers; returns a mask of enum md_deck_change. */
unsigned md_deck_run(md_deck *d);
/* Headless: run until nothing is pending or timeout_ms passes. */
md_status md_deck_settle(md_deck *d, int timeout_ms);
/* Number of requests in flight (for a spinner). */
size_t md_deck_pending(const md_deck *d);
/* Requests sent to servers since start (for the header). */
uint64_t md_deck_requests_sent(const md_deck *d);

/* Backends. */
enum md_health { MD_HEALTH_UNKNOWN = 0, MD_HEALTH_OK, MD_HEALTH_ERROR };
struct md_backend_status {
    const char *name;
    const char *kind;
    unsigned caps;
    enum md_health health;
    const char *error;   /* last error message, "" when none */
    int64_t data_ms;     /* when the data on screen was fetched; 0 when none */
    bool stale;          /* data is from the cache, or the last refresh failed */
    const char *version; /* server version when known, "" otherwise */
    const char *via;     /* added by the deck: the backend it was found through; "" otherwise */
    /*
     * Requests the platform says are left in its rate-limit budget (Azure ML:
     * the lowest x-ms-ratelimit-remaining-* header of the last reply that had
     * one); -1 when unknown or when the backend reports none.
     */
    long ratelimit_remaining;
};
size_t md_deck_backend_count(const md_deck *d);
/* Fills *st with lent pointers; false when bi is out of range. */
bool md_deck_backend_status(const md_deck *d, size_t bi, struct md_backend_status *st);

/* Refresh everything visible: probes, experiments, models, loaded runs. */
void md_deck_refresh(md_deck *d);

/* Experiments of a backend (all pages fetched up to a cap of 5000). */
const struct md_experiment_list *md_deck_experiments(const md_deck *d, size_t bi);
const struct md_experiment *md_deck_experiment(const md_deck *d, size_t bi, const char *id);

/*
 * Runs of one experiment, fetched page by page only as far as a view needs:
 * md_deck_want_runs() asks for at least `rows` rows in the given server-side
 * order (NULL: newest first); a different order restarts the list.
 */
void md_deck_want_runs(md_deck *d, size_t bi, const char *experiment_id, size_t rows,
                       const char *order_by);
struct md_runs_view {
    const struct md_run_list *runs; /* never NULL (may be empty) */
    bool complete;                  /* every page fetched */
    bool loading;
    const char *error; /* "" when none */
};
void md_deck_runs(const md_deck *d, size_t bi, const char *experiment_id, struct md_runs_view *out);

/* One run in full (params, metrics, tags, inputs). NULL until fetched. */
void md_deck_want_run(md_deck *d, size_t bi, const char *run_id);
const struct md_run *md_deck_run_detail(const md_deck *d, size_t bi, const char *run_id);

/* Metric history, downsampled to about max_points. NULL until fetched. */
void md_deck_want_history(md_deck *d, size_t bi, const char *run_id, const char *key,
                          size_t max_points);
const struct md_metric_series *md_deck_history(const md_deck *d, size_t bi, const char *run_id,
                                               const char *key);

/* Registered models (prompts filtered out) with their aliases. */
const struct md_model_list *md_deck_models(const md_deck *d, size_t bi);
const struct md_registered_model *md_deck_model(const md_deck *d, size_t bi, const char *name);
void md_deck_want_versions(md_deck *d, size_t bi, const char *model);
/* NULL until fetched. */
const struct md_version_list *md_deck_versions(const md_deck *d, size_t bi, const char *model);

/*
 * Who last changed an alias and when, as far as mldeck knows: the newest
 * audit entry for it, else the store's history. Returns false when unknown.
 */
bool md_deck_alias_last_change(md_deck *d, size_t bi, const char *model, const char *alias,
                               int64_t *when_ms, char *who, size_t who_len);

/*
 * Endpoints of a backend with MD_CAP_ENDPOINTS (SageMaker endpoints, Azure ML
 * online endpoints), described, fetched on every refresh.
 */
const struct md_endpoint_list *md_deck_endpoints(const md_deck *d, size_t bi);
const struct md_endpoint *md_deck_endpoint(const md_deck *d, size_t bi, const char *name);
/* Health series of one endpoint over the last `minutes`. NULL until fetched. */
void md_deck_want_health(md_deck *d, size_t bi, const char *endpoint, int minutes);
const struct md_health_list *md_deck_health(const md_deck *d, size_t bi, const char *endpoint);
/* Configs an endpoint may roll back to, newest first. NULL until fetched. */
void md_deck_want_endpoint_configs(md_deck *d, size_t bi, const char *endpoint);
const struct md_endpoint_config_list *md_deck_endpoint_configs(const md_deck *d, size_t bi,
                                                               const char *endpoint);
/*
 * What mldeck observed an endpoint pointing at over time (config names for
 * SageMaker, traffic maps "blue=100,green=0" for Azure ML), newest first,
 * at most max entries; *out from md_store_history_list(), free with
 * md_store_history_free().
 */
md_status md_deck_endpoint_history(md_deck *d, size_t bi, const char *endpoint, bool traffic,
                                   size_t max, struct md_history_entry **out, size_t *n);

/*
 * Container logs of one deployment (backends with MD_CAP_LOGS): the last
 * `tail` lines (<= 0: 200) of `container`, fetched again on every call that
 * finds no fetch of them in flight; MD_CHANGED_LOGS when they arrive. Logs
 * are shown, never stored: the state file holds no copy.
 */
void md_deck_want_logs(md_deck *d, size_t bi, const char *endpoint, const char *deployment,
                       enum md_log_container container, int tail);
struct md_deck_logs {
    const char *text;   /* lines ending in '\n', each sanitized; NULL until fetched */
    bool loading;       /* a fetch is in flight (text, if any, is the previous one) */
    const char *error;  /* why the last fetch failed, "" when it did not */
    int64_t fetched_ms; /* when `text` was fetched; 0 when never */
};
/* Fills *out with lent pointers; false when those logs were never asked for. */
bool md_deck_logs(const md_deck *d, size_t bi, const char *endpoint, const char *deployment,
                  enum md_log_container container, struct md_deck_logs *out);

/*
 * The platform's own model monitors of backend bi (backends with
 * MD_CAP_MONITORS: Azure ML schedules whose action is CreateMonitor), each
 * with its target (endpoint + deployment), trigger, and signals with their
 * thresholds (struct md_monitor in model.h). Fetched on every refresh and
 * cached in the store like the endpoints; MD_CHANGED_MONITORS when a fresh
 * list arrives. Returns NULL while nothing is known (never fetched, nothing
 * cached, or the backend has no monitors), else a list lent until the next
 * md_deck_run(). This is the platform-side counterpart of mldeck's own drift
 * results: the endpoint screen lists the monitors targeting the endpoint's
 * deployments, and the drift screen may show them beside its own verdicts.
 */
const struct md_monitor_list *md_deck_monitors(const md_deck *d, size_t bi);
/* Why the last monitor fetch of backend bi failed; "" when it did not (or never ran). */
const char *md_deck_monitors_error(const md_deck *d, size_t bi);

/* Audit log, newest first, reloaded after every action. */
void md_deck_audit(const md_deck *d, const struct md_audit_entry **v, size_t *n);

/* Backend index of a configured name; -1 when absent. */
long md_deck_backend_index(const md_deck *d, const char *name);

#endif

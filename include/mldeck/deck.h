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
 *
 * The deck knows nothing of the layers built on it. The action layer
 * (action.h) writes through the backends the deck lends (md_deck_backend()),
 * puts what it verified back into the snapshot (md_deck_put_alias(),
 * md_deck_put_endpoint()), runs its timers on the deck's loop through a hook
 * (md_deck_hook_add()) and reports its changes in md_deck_run()'s mask
 * (md_deck_notify(), bits from MD_CHANGED_ABOVE up).
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
    MD_CHANGED_ENDPOINTS = 1 << 7,
    MD_CHANGED_HEALTH = 1 << 8,
    MD_CHANGED_CONFIGS = 1 << 9,
    MD_CHANGED_LOGS = 1 << 10,     /* log lines arrived (md_logtail) */
    MD_CHANGED_MONITORS = 1 << 11, /* platform monitors arrived (md_deck_monitors) */
    MD_CHANGED_ALARMS = 1 << 14,   /* the platforms' alarms arrived (md_deck_alarms) */
    /*
     * This bit and the ones above it are never set by the deck itself: they
     * belong to the layers above it, which name them in their own headers
     * (action.h: MD_CHANGED_AUDIT, MD_CHANGED_ACTION) and set them with
     * md_deck_notify().
     */
    MD_CHANGED_ABOVE = 1 << 16,
};

md_status md_deck_new(md_deck **out, const struct md_deck_opts *opts, struct md_err *err);
void md_deck_free(md_deck *d);

bool md_deck_read_only(const md_deck *d);
const char *md_deck_context_name(const md_deck *d);
const struct md_context *md_deck_context(const md_deck *d);
/*
 * The deck's state file, lent until md_deck_free(). The deck keeps its
 * snapshots and the history of values it observed there; layers above keep
 * their own records in it (the action layer: the audit log).
 */
md_store *md_deck_store(md_deck *d);

/*
 * Event loop. Poll waits on the network, fds and timers: the deck's refresh
 * and every hook's due time, at most timeout_ms.
 */
md_status md_deck_poll(md_deck *d, struct md_pollfd *fds, unsigned nfds, int timeout_ms);
/*
 * Process replies and timers (hooks whose due time has come are ticked);
 * returns a mask of enum md_deck_change, with the bits md_deck_notify() set
 * since the last call, and clears it.
 */
unsigned md_deck_run(md_deck *d);
/*
 * Headless: process replies and hook ticks until no request is pending and no
 * hook is due, or timeout_ms passes (MD_ERR_TIMEOUT). The automatic refresh
 * does not run here, and the changes stay for the next md_deck_run().
 */
md_status md_deck_settle(md_deck *d, int timeout_ms);

/*
 * A layer above the deck that keeps timers of its own (the action layer,
 * re-reading an endpoint that is still updating) hooks them into the deck's
 * loop. Both slots are called with the `ud` given to md_deck_hook_add().
 */
struct md_deck_hook {
    /*
     * When tick() wants to run, in md_mono_ms() time; 0 for not at all.
     * md_deck_poll() wakes up for it, md_deck_settle() keeps waiting while it
     * is non-zero. Called often: it must be cheap and change nothing.
     */
    int64_t (*due)(void *ud);
    /*
     * Called from md_deck_run() and md_deck_settle() once the due time has
     * come. It may start requests and call md_deck_notify(); it must not add
     * or remove hooks.
     */
    void (*tick)(void *ud);
    /*
     * The deck is being freed (may be NULL): its HTTP engine is already gone,
     * so no callback of a request made through the deck's backends will ever
     * run. Free what those callbacks would have freed, and call the deck no
     * more. Not called for a hook removed before.
     */
    void (*release)(void *ud);
    /*
     * Optional: md_deck_refresh() was called (by the front end or the
     * automatic refresh), after the deck's own fetches went out. Layers that
     * keep records in the store re-read them here; it may start requests.
     */
    void (*refresh)(void *ud);
};
/*
 * Register `hook` (lent: it must stay valid while registered, usually a
 * static const table) with `ud`. Hooks are consulted in the order added.
 */
void md_deck_hook_add(md_deck *d, const struct md_deck_hook *hook, void *ud);
/* Unregister the pair added with the same hook and ud; an unknown pair is ignored. */
void md_deck_hook_remove(md_deck *d, const struct md_deck_hook *hook, void *ud);
/*
 * Report changes made by a layer above the deck: `mask` (usually bits from
 * MD_CHANGED_ABOVE up) comes out of the next md_deck_run().
 */
void md_deck_notify(md_deck *d, unsigned mask);
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
    /*
     * How long the backend's oldest request in flight has gone unanswered,
     * in ms, once that is past MD_DECK_SLOW_MS; 0 otherwise. The header says
     * "not answering (N s)" meanwhile, over the data already on screen.
     */
    int64_t waiting_ms;
};
/* A request unanswered for longer than this is shown as such (replies usually take < 1 s). */
#define MD_DECK_SLOW_MS 3000
size_t md_deck_backend_count(const md_deck *d);
/* Fills *st with lent pointers; false when bi is out of range. */
bool md_deck_backend_status(const md_deck *d, size_t bi, struct md_backend_status *st);
/*
 * The instance of backend bi, lent until md_deck_free(); NULL when bi is out
 * of range. For the action layer, the only caller of its mutating slots
 * (backend.h); its requests share the deck's HTTP engine, so their callbacks
 * run from md_deck_run() and md_deck_settle(), and never after md_deck_free()
 * (see md_deck_hook.release). In read-only mode the engine refuses writes.
 */
struct md_backend *md_deck_backend(md_deck *d, size_t bi);

/* Refresh everything visible: probes, experiments, models, loaded runs. */
void md_deck_refresh(md_deck *d);

/*
 * Experiments of a backend: a refresh fetches the first 5000 (5 pages), the
 * rest comes page by page as md_deck_want_experiments() asks for at least
 * `rows` of them (SIZE_MAX: all). md_deck_experiments_complete() is false
 * while the server has pages not loaded yet.
 */
const struct md_experiment_list *md_deck_experiments(const md_deck *d, size_t bi);
void md_deck_want_experiments(md_deck *d, size_t bi, size_t rows);
bool md_deck_experiments_complete(const md_deck *d, size_t bi);
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
 * After a change the caller verified on the server: alias `alias` of `model`
 * on backend bi now points to `version`. Updates the snapshot (the model's
 * aliases, and the alias lists of its loaded versions: MD_CHANGED_MODELS,
 * MD_CHANGED_VERSIONS) when the model is in it, and records the value in the
 * store's history as observed now (md_alias_target()). Ignored when bi is out
 * of range.
 */
void md_deck_put_alias(md_deck *d, size_t bi, const char *model, const char *alias,
                       const char *version);

/*
 * Endpoints of a backend with MD_CAP_ENDPOINTS (SageMaker endpoints, Azure ML
 * online endpoints), described, fetched on every refresh.
 */
const struct md_endpoint_list *md_deck_endpoints(const md_deck *d, size_t bi);
const struct md_endpoint *md_deck_endpoint(const md_deck *d, size_t bi, const char *name);
/*
 * After a change on the server: `fresh` (a description just read) replaces
 * the snapshot's endpoint of the same name on backend bi, or joins the list;
 * its config and traffic are recorded in the store's history as observed
 * now; MD_CHANGED_ENDPOINTS. Takes over what *fresh owns and leaves it
 * zeroed (released when bi is out of range).
 */
void md_deck_put_endpoint(md_deck *d, size_t bi, struct md_endpoint *fresh);
/* Health series of one endpoint over the last `minutes`. NULL until fetched. */
void md_deck_want_health(md_deck *d, size_t bi, const char *endpoint, int minutes);
const struct md_health_list *md_deck_health(const md_deck *d, size_t bi, const char *endpoint);
/*
 * Why the last health fetch of an endpoint failed, "" when it did not (or
 * was never asked). Kept until a fetch succeeds; the header shows it too.
 */
const char *md_deck_health_error(const md_deck *d, size_t bi, const char *endpoint);
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

/*
 * The platform's alarms on the endpoints of backend bi (MD_CAP_ALARMS:
 * CloudWatch metric alarms with an EndpointName dimension, Azure Monitor
 * metric alerts scoped to an online endpoint and its fired alerts), sorted
 * by endpoint (md_alarm.target) then name. Read again with the endpoints on
 * every refresh, cached in the store; MD_CHANGED_ALARMS when they arrive.
 * NULL while nothing is known; a failed read keeps the last list.
 */
const struct md_alarm_list *md_deck_alarms(const md_deck *d, size_t bi);
/* Alarms in state ALARM on `endpoint` (NULL: on every endpoint of bi). */
size_t md_deck_alarms_firing(const md_deck *d, size_t bi, const char *endpoint);
/* Why the last alarm read of backend bi failed; "" when it did not (or never ran). */
const char *md_deck_alarms_error(const md_deck *d, size_t bi);

/*
 * The platform's own history of who changed endpoint `endpoint` of backend bi
 * (backends with MD_CAP_CHANGES: CloudTrail for SageMaker, the Activity Log
 * for Azure ML), as kept in the state file: newest first, at most max,
 * appended to *out (release with md_change_list_release()). The deck fetches
 * it whenever a fresh endpoint list arrives, each endpoint at most every
 * 30 s, 16 endpoints per list (least recently asked first), from the newest
 * event kept (the first time, the last 7 days);
 * MD_CHANGED_ENDPOINTS when new events arrive. Errors: MD_ERR_DB,
 * MD_ERR_NOT_FOUND (bi out of range, no state file).
 */
md_status md_deck_changes(md_deck *d, size_t bi, const char *endpoint, size_t max,
                          struct md_change_list *out);

/*
 * The incident timeline of the context since since_ms, for one target as the
 * user names it (NULL: all; mldeck/timeline.h): the audit log, observed
 * changes, the platforms' history and drift windows from the state file, and
 * the alarms' current states. Newest first, appended to *out. Errors:
 * MD_ERR_DB (the rows read so far are kept), MD_ERR_NOT_FOUND (no state file).
 */
struct md_timeline;
md_status md_deck_timeline(md_deck *d, int64_t since_ms, const char *target,
                           struct md_timeline *out, struct md_err *err);

/* Backend index of a configured name; -1 when absent. */
long md_deck_backend_index(const md_deck *d, const char *name);

#endif

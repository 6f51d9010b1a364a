/*
 * deck_int.h - the deck's private state, shared by core/deck/deck.c (fetching and
 * the snapshot) and core/action/action.c (mutations), which needs the backends, the
 * store and the action slot. Nothing outside core/ includes this.
 */
#ifndef MLDECK_DECK_INT_H
#define MLDECK_DECK_INT_H

#include "mldeck/action.h"
#include "mldeck/deck.h"

/* Runs of one experiment in one server-side order, as far as paged. */
struct runs_slot {
    char *experiment_id;
    char *order_by; /* "" = server default (newest first) */
    struct md_run_list runs;
    char *next_token;
    bool complete;
    bool loading;
    unsigned gen; /* bumped when the slot restarts; older replies are dropped */
    unsigned pages;
    bool restart; /* a refresh is replacing the rows shown */
    size_t want;  /* rows a view asked for; pages are fetched until reached */
    char error[256];
};

struct detail_slot {
    char *run_id;
    struct md_run_list run; /* 0 or 1 entry */
    bool loading;
};

struct history_slot {
    char *run_id;
    char *key;
    struct md_metric_series series;
    bool loaded;
    bool loading;
};

struct versions_slot {
    char *model;
    struct md_version_list versions;
    bool loaded;
    bool loading;
};

/* A list fetched page by page and swapped in whole when the last page arrives. */
struct paged_list {
    bool loading;
    unsigned pages;
    unsigned gen;
};

/* Per-endpoint extras fetched on demand: health series and configs. */
struct endpoint_slot {
    char *endpoint;
    struct md_health_list health;
    bool health_loaded;
    bool health_loading;
    struct md_endpoint_config_list configs;
    bool configs_loaded;
    bool configs_loading;
};

/* One container's log of one deployment; shown, never written to the store. */
struct logs_slot {
    char *endpoint;
    char *deployment;
    enum md_log_container container;
    char *text; /* NULL until fetched */
    int64_t fetched_ms;
    bool loading;
    char error[256];
};

struct deck_backend {
    struct md_backend *be;
    const struct md_backend_conf *conf;
    /*
     * A backend the deck added (an Azure ML workspace's MLflow): its own
     * configuration, and the index of the backend it was found through;
     * NULL and -1 for configured backends.
     */
    struct md_backend_conf *own_conf;
    long via;
    bool has_child; /* an Azure ML backend whose workspace MLflow is open */
    enum md_health health;
    char error[256];
    char version[64];
    int64_t data_ms;
    bool stale;

    struct md_experiment_list experiments;
    struct md_experiment_list experiments_next; /* pages arriving */
    struct paged_list exp_fetch;

    struct md_model_list models;
    struct md_model_list models_next;
    struct paged_list model_fetch;

    struct md_endpoint_list endpoints;
    bool endpoints_loading;
    struct endpoint_slot *eps;
    size_t n_eps;

    struct md_monitor_list monitors;
    bool monitors_loaded;
    bool monitors_loading;
    char monitors_error[256];
    struct logs_slot *logs;
    size_t n_logs;

    struct runs_slot *runs;
    size_t n_runs;
    struct detail_slot *details;
    size_t n_details;
    struct history_slot *histories;
    size_t n_histories;
    struct versions_slot *versions;
    size_t n_versions;
};

struct settle;

struct action_slot {
    enum md_action_phase phase;
    char message[256];
    struct md_plan plan;
    int64_t started_id; /* audit id of the "started" entry */
    unsigned verify_tries;
    int64_t next_poll_mono; /* when to re-read a settling endpoint; 0 = not waiting */
    bool write_timed_out;   /* the backend gave up waiting for its own operation */
    struct settle *settles; /* re-reads after a restart, in flight */
};

struct req_ctx;
struct ep_req;

struct md_deck {
    const struct md_config *config;
    const struct md_context *context;
    bool read_only;
    bool no_timer;
    md_http *http;
    md_store *store;
    struct deck_backend *backends; /* room for cap_backends: adding one never moves them */
    size_t n_backends;
    size_t cap_backends;
    unsigned changes;
    int64_t next_refresh_mono;
    struct md_audit_entry *audit;
    size_t n_audit;
    struct action_slot action;
    struct req_ctx *reqs;   /* requests in flight, freed with the deck if never answered */
    struct ep_req *ep_reqs; /* the same for endpoint requests */
    char who[128];          /* user@host for audit entries */
};

/* Probes, endpoints, lists and loaded slots of one backend, fetched again. */
void deck_refresh_backend(md_deck *d, size_t bi);
/*
 * Backend bi answered its probe: open the backend it names (an Azure ML
 * workspace's MLflow, the ops table's linked slot) and fetch its lists.
 */
void deck_backend_probed(md_deck *d, size_t bi);
/* Load the cached experiments and models of backend bi (at open). */
void deck_cache_load_lists(md_deck *d, size_t bi);
/* Free a backend's lists and slots; free unanswered request contexts. */
void deck_backend_release_slots(struct deck_backend *b);
void deck_release_requests(md_deck *d);
/* Poll timer of a settling endpoint: due time (0 none) and the tick that fires it. */
int64_t deck_action_due(const md_deck *d);
void deck_action_tick(md_deck *d);
/* Free the action slot and settles in flight (at deck free). */
void deck_action_release(md_deck *d);
/* Re-derive the versions' alias lists from the model after an alias moved. */
void deck_versions_refresh_aliases(md_deck *d, size_t bi, const char *model);
/* Endpoint half of the deck (deck_endpoints.c). */
void deck_endpoints_refresh(md_deck *d, size_t bi);
void deck_endpoints_load_cache(md_deck *d, size_t bi);
void deck_endpoints_release(struct deck_backend *b);
/* Monitors and logs of a backend (deck_endpoints.c): released with the endpoints. */
void deck_monitors_refresh(md_deck *d, size_t bi);
void deck_endpoint_requests_release(md_deck *d);
/* History targets of an endpoint: its config, and its traffic map. */
void deck_endpoint_target(char *buf, size_t n, const char *endpoint, bool traffic);
/* "blue=90,green=10": an endpoint's weights as one comparable string (malloc'd). */
char *deck_weights_string(const struct md_endpoint *e, bool desired);
/* Replace one endpoint in the snapshot with a fresh description (after an action). */
void deck_endpoint_replace(md_deck *d, size_t bi, struct md_endpoint *fresh);
/* Mark parts of the snapshot changed (returned by the next md_deck_run()). */
void deck_changed(md_deck *d, unsigned mask);
/* Reload the audit list from the store after an append. */
void deck_reload_audit(md_deck *d);
/* Record what an alias points to now (the store's pointer history). */
void deck_observe_alias(md_deck *d, size_t bi, const char *model, const char *alias,
                        const char *version);
/* Replace one alias value in the snapshot's model list (after a verified change). */
void deck_set_alias_snapshot(md_deck *d, size_t bi, const char *model, const char *alias,
                             const char *version);
/* Append an audit entry; logs on failure (the action itself proceeds). */
int64_t deck_audit(md_deck *d, const struct md_plan *p, const char *phase, const char *outcome,
                   const char *message, int64_t ref_id);

#endif

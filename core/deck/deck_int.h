/*
 * deck_int.h - the deck's private state, shared by the files of core/deck/:
 * deck.c (lifecycle, the loop, hooks, refresh, backends found through others)
 * above its two halves, deck_fetch.c (experiments, models, runs, versions;
 * its slots and getters in deck_slots.c) and deck_endpoints.c (endpoints,
 * monitors, logs), which do not call each other. Nothing outside core/deck/ includes this: layers above the deck
 * reach it through include/mldeck/deck.h.
 */
#ifndef MLDECK_DECK_INT_H
#define MLDECK_DECK_INT_H

#include "mldeck/deck.h"

#include <stdlib.h>

/*
 * A failed fetch waits before it is sent again: without this a slot whose
 * reply is an error (403, 400, a parse error) is re-requested every frame.
 * Exponential from 2 s, capped at 5 min, with up to 25 % jitter so that
 * slots failing together do not retry together.
 */
struct backoff {
    int64_t next_ms;  /* 0 = may be sent now */
    int64_t delay_ms; /* 0 = not failing */
};

#define BACKOFF_FIRST_MS 2000
#define BACKOFF_MAX_MS (5 * 60 * 1000)

static inline bool backoff_waiting(const struct backoff *bo)
{
    return bo->next_ms && md_now_ms() < bo->next_ms;
}

static inline void backoff_failed(struct backoff *bo)
{
    bo->delay_ms = bo->delay_ms ? bo->delay_ms * 2 : BACKOFF_FIRST_MS;
    if (bo->delay_ms > BACKOFF_MAX_MS)
        bo->delay_ms = BACKOFF_MAX_MS;
    bo->next_ms = md_now_ms() + bo->delay_ms + (int64_t)(rand() % 1000) * bo->delay_ms / 4000;
}

static inline void backoff_ok(struct backoff *bo)
{
    bo->next_ms = 0;
    bo->delay_ms = 0;
}

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
    struct backoff bo;
};

struct detail_slot {
    char *run_id;
    struct md_run_list run; /* 0 or 1 entry */
    bool loading;
    struct backoff bo;
};

struct history_slot {
    char *run_id;
    char *key;
    struct md_metric_series series;
    bool loaded;
    bool loading;
    struct backoff bo;
};

struct versions_slot {
    char *model;
    struct md_version_list versions;
    bool loaded;
    bool loading;
    struct backoff bo;
};

/* A list fetched page by page and swapped in whole when the last page arrives. */
struct paged_list {
    bool loading;
    unsigned pages;
    unsigned gen;
    struct backoff bo;
    char error[256]; /* the header's message while this list fails ("" none): see deck.c */
};

/* Per-endpoint extras fetched on demand: health series and configs. */
struct endpoint_slot {
    char *endpoint;
    struct md_health_list health;
    bool health_loaded;
    bool health_loading;
    struct backoff health_bo;
    /*
     * Why the last health fetch failed ("" none): kept until one succeeds, so
     * a later success of another fetch (the endpoint list) does not hide it.
     */
    char health_error[256];
    struct md_endpoint_config_list configs;
    bool configs_loaded;
    bool configs_loading;
    struct backoff configs_bo;
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
    bool probed;    /* a probe succeeded since deck.c last looked (deck_probe) */
    enum md_health health;
    char error[256];
    char version[64];
    int64_t data_ms;
    bool stale;

    struct md_experiment_list experiments;
    struct md_experiment_list experiments_next; /* pages arriving */
    struct paged_list exp_fetch;
    /*
     * Past the first pages a refresh loads, experiments come on demand like
     * runs: the token of the next page (NULL: every page is loaded), pages
     * loaded so far, and how many rows a view asked for.
     */
    char *exp_more;
    unsigned exp_pages;
    size_t exp_want;

    struct md_model_list models;
    struct md_model_list models_next;
    struct paged_list model_fetch;

    struct md_endpoint_list endpoints;
    bool endpoints_loading;
    struct backoff endpoints_bo;
    char endpoints_error[256]; /* the list's last failure, "" once it loads: kept past others' */
    struct endpoint_slot *eps;
    size_t n_eps;

    struct deck_alarms *alarms; /* deck_alarms.c; NULL until first asked */
    struct deck_changes *chg;   /* platform history fetches (deck_changes.c); NULL until one */

    struct md_monitor_list monitors;
    bool monitors_loaded;
    bool monitors_loading;
    char monitors_error[256];

    struct runs_slot *runs;
    size_t n_runs;
    struct detail_slot *details;
    size_t n_details;
    struct history_slot *histories;
    size_t n_histories;
    struct versions_slot *versions;
    size_t n_versions;
};

struct req_ctx;
struct ep_req;

/* One md_deck_hook_add() registration. */
struct deck_hook {
    const struct md_deck_hook *hook;
    void *ud;
};

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
    struct deck_hook *hooks; /* layers above the deck with timers of their own */
    size_t n_hooks;
    struct req_ctx *reqs;   /* requests in flight, freed with the deck if never answered */
    struct ep_req *ep_reqs; /* the same for endpoint requests */
};

/* Mark parts of the snapshot changed (returned by the next md_deck_run()). */
static inline void deck_changed(md_deck *d, unsigned mask)
{
    d->changes |= mask;
}

/* --- deck_fetch.c: experiments, models, runs, run details, histories, versions ------------- */

/*
 * Ask backend bi for its version; a success sets `probed` for deck.c, which
 * then opens the backend it names (if any).
 */
void deck_probe(md_deck *d, size_t bi);
/* Experiments and models of backend bi again, and its loaded run lists and versions. */
void deck_lists_refresh(md_deck *d, size_t bi);
/* Load the cached experiments and models of backend bi (at open). */
void deck_cache_load_lists(md_deck *d, size_t bi);
/* Free unanswered request contexts. */
void deck_release_requests(md_deck *d);

/* --- deck_slots.c: the slots of deck_fetch.c, found, cleared and freed ---------------------- */

/* A backend's slot for these arguments, NULL when there is none yet. */
struct runs_slot *deck_runs_find(const struct deck_backend *b, const char *exp);
struct detail_slot *deck_detail_find(const struct deck_backend *b, const char *run_id);
struct history_slot *deck_history_find(const struct deck_backend *b, const char *run_id,
                                       const char *key);
struct versions_slot *deck_versions_find(const struct deck_backend *b, const char *model);
/* Empty a run list for a restart; its generation moves on so older replies are dropped. */
void deck_runs_slot_clear(struct runs_slot *s);
/*
 * MLflow's version search leaves aliases out; the registered model carries
 * them, so fill each version's list from there.
 */
void deck_versions_fill_aliases(const md_deck *d, size_t bi, const char *model,
                                struct md_version_list *vl);
/* Free a backend's lists and slots (at deck free). */
void deck_backend_release_slots(struct deck_backend *b);

/* --- deck_endpoints.c: endpoints, their health and configs, monitors, logs ------------------ */

void deck_endpoints_refresh(md_deck *d, size_t bi);
void deck_endpoints_load_cache(md_deck *d, size_t bi);
void deck_endpoints_release(struct deck_backend *b);
/* Monitors of a backend: fetched again on every refresh, released with the endpoints. */
void deck_monitors_refresh(md_deck *d, size_t bi);
void deck_endpoint_requests_release(md_deck *d);
/* The first failing health fetch's message of backend b ("" when none is failing). */
const char *deck_endpoints_error(const struct deck_backend *b);

/* --- deck_alarms.c: the platforms' alarms on endpoints, one list per backend ------------------ */

struct deck_alarms;
void deck_alarms_refresh(md_deck *d, size_t bi);
void deck_alarms_load_cache(md_deck *d, size_t bi);
void deck_alarms_release(struct deck_backend *b);

/* --- deck_changes.c: the platform's history of who changed each endpoint -------------------- */

/*
 * Ask backend bi's platform history (CloudTrail, the Activity Log) for what
 * changed on each endpoint of its snapshot since the newest event kept;
 * called when a fresh endpoint list arrives.
 */
void deck_changes_refresh(md_deck *d, size_t bi);
/* Free the fetch state of a backend (its requests' answers will never come). */
void deck_changes_release(struct deck_backend *b);

/*
 * The header's error of a backend: the message, named by the fetch that
 * failed unless the message already names it (the backends' own start with
 * "cannot <operation>"), so the cause is not pushed off a narrow header.
 */
void deck_set_error(struct deck_backend *b, const char *what, const char *msg);

#endif

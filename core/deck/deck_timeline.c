/*
 * deck_timeline.c - the incident timeline of a deck's context: what the state
 * file holds (timeline.h) plus what the deck holds in memory (the alarms'
 * states), drift rows on the endpoint their job watches.
 */
#include "deck_int.h"

#include "mldeck/timeline.h"

static const char *drift_job_target(const char *job, const void *ud)
{
    const struct md_drift_job_conf *j = md_config_drift_job(ud, job);
    return j ? j->endpoint : NULL;
}

md_status md_deck_timeline(md_deck *d, int64_t since_ms, const char *target,
                           struct md_timeline *out, struct md_err *err)
{
    struct md_tl_query q = {
        .since_ms = since_ms,
        .target = target,
        .drift_target = drift_job_target,
        .ud = md_deck_context(d),
    };
    md_status st = MD_ERR_NOT_FOUND;
    if (d->store)
        st = md_timeline_collect(d->store, &q, out, err);
    else
        md_err_set(err, st, "no state file: the timeline has nothing to read");
    for (size_t bi = 0; bi < d->n_backends; bi++)
        md_timeline_add_alarms(out, d->backends[bi].be->name, md_deck_alarms(d, bi), &q);
    md_timeline_finish(out);
    return st;
}

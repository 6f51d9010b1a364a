/*
 * deck_slots.c - the deck's slots for runs, run details, metric histories
 * and versions, looked up, cleared and freed, and the getters front ends
 * read the snapshot through. core/deck/deck_fetch.c fills the slots from
 * replies; nothing here sends a request.
 */
#include "deck_int.h"

#include <string.h>

struct runs_slot *deck_runs_find(const struct deck_backend *b, const char *exp)
{
    for (size_t i = 0; i < b->n_runs; i++)
        if (!strcmp(b->runs[i].experiment_id, exp))
            return &b->runs[i];
    return NULL;
}

void deck_runs_slot_clear(struct runs_slot *s)
{
    md_run_list_release(&s->runs);
    free(s->next_token);
    s->next_token = NULL;
    s->complete = false;
    s->loading = false;
    s->pages = 0;
    s->restart = false;
    s->error[0] = '\0';
    s->gen++;
}

struct detail_slot *deck_detail_find(const struct deck_backend *b, const char *run_id)
{
    for (size_t i = 0; i < b->n_details; i++)
        if (!strcmp(b->details[i].run_id, run_id))
            return &b->details[i];
    return NULL;
}

struct history_slot *deck_history_find(const struct deck_backend *b, const char *run_id,
                                       const char *key)
{
    for (size_t i = 0; i < b->n_histories; i++)
        if (!strcmp(b->histories[i].run_id, run_id) && !strcmp(b->histories[i].key, key))
            return &b->histories[i];
    return NULL;
}

struct versions_slot *deck_versions_find(const struct deck_backend *b, const char *model)
{
    for (size_t i = 0; i < b->n_versions; i++)
        if (!strcmp(b->versions[i].model, model))
            return &b->versions[i];
    return NULL;
}

/*
 * MLflow's version search leaves aliases out; the registered model carries
 * them, so fill each version's list from there.
 */
void deck_versions_fill_aliases(const md_deck *d, size_t bi, const char *model,
                                struct md_version_list *vl)
{
    const struct md_registered_model *m = md_deck_model(d, bi, model);
    if (!m)
        return;
    for (size_t i = 0; i < vl->n; i++) {
        struct md_model_version *v = &vl->v[i];
        for (size_t j = 0; j < v->n_aliases; j++)
            free(v->aliases[j]);
        v->n_aliases = 0;
        for (size_t j = 0; j < m->n_aliases; j++) {
            if (strcmp(m->aliases[j].version, v->version))
                continue;
            v->aliases = md_xrealloc(v->aliases, (v->n_aliases + 1) * sizeof(*v->aliases));
            v->aliases[v->n_aliases++] = md_xstrdup(m->aliases[j].alias);
        }
    }
}

/* --- getters --------------------------------------------------------------------------------- */

static const struct md_experiment_list empty_experiments;
static const struct md_model_list empty_models;

const struct md_experiment_list *md_deck_experiments(const md_deck *d, size_t bi)
{
    return bi < d->n_backends ? &d->backends[bi].experiments : &empty_experiments;
}

const struct md_experiment *md_deck_experiment(const md_deck *d, size_t bi, const char *id)
{
    const struct md_experiment_list *l = md_deck_experiments(d, bi);
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].id, id) || !strcmp(l->v[i].name, id))
            return &l->v[i];
    return NULL;
}

const struct md_model_list *md_deck_models(const md_deck *d, size_t bi)
{
    return bi < d->n_backends ? &d->backends[bi].models : &empty_models;
}

const struct md_registered_model *md_deck_model(const md_deck *d, size_t bi, const char *name)
{
    const struct md_model_list *l = md_deck_models(d, bi);
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].name, name))
            return &l->v[i];
    return NULL;
}

static const struct md_run_list empty_runs;

void md_deck_runs(const md_deck *d, size_t bi, const char *exp, struct md_runs_view *out)
{
    out->runs = &empty_runs;
    out->complete = false;
    out->loading = false;
    out->error = "";
    if (bi >= d->n_backends || !exp)
        return;
    const struct runs_slot *s = deck_runs_find(&d->backends[bi], exp);
    if (!s)
        return;
    out->runs = &s->runs;
    out->complete = s->complete;
    out->loading = s->loading;
    out->error = s->error;
}

const struct md_run *md_deck_run_detail(const md_deck *d, size_t bi, const char *run_id)
{
    if (bi >= d->n_backends || !run_id)
        return NULL;
    const struct detail_slot *s = deck_detail_find(&d->backends[bi], run_id);
    return s && s->run.n ? &s->run.v[0] : NULL;
}

const struct md_metric_series *md_deck_history(const md_deck *d, size_t bi, const char *run_id,
                                               const char *key)
{
    if (bi >= d->n_backends || !run_id || !key)
        return NULL;
    const struct history_slot *s = deck_history_find(&d->backends[bi], run_id, key);
    return s && s->loaded ? &s->series : NULL;
}

const struct md_version_list *md_deck_versions(const md_deck *d, size_t bi, const char *model)
{
    if (bi >= d->n_backends || !model)
        return NULL;
    const struct versions_slot *s = deck_versions_find(&d->backends[bi], model);
    return s && s->loaded ? &s->versions : NULL;
}

/* Free every slot of a backend (at deck free). */
void deck_backend_release_slots(struct deck_backend *b)
{
    for (size_t i = 0; i < b->n_runs; i++) {
        deck_runs_slot_clear(&b->runs[i]);
        free(b->runs[i].experiment_id);
        free(b->runs[i].order_by);
    }
    free(b->runs);
    for (size_t i = 0; i < b->n_details; i++) {
        free(b->details[i].run_id);
        md_run_list_release(&b->details[i].run);
    }
    free(b->details);
    for (size_t i = 0; i < b->n_histories; i++) {
        free(b->histories[i].run_id);
        free(b->histories[i].key);
        md_metric_series_release(&b->histories[i].series);
    }
    free(b->histories);
    for (size_t i = 0; i < b->n_versions; i++) {
        free(b->versions[i].model);
        md_version_list_release(&b->versions[i].versions);
    }
    free(b->versions);
    md_experiment_list_release(&b->experiments);
    md_experiment_list_release(&b->experiments_next);
    free(b->exp_more);
    md_model_list_release(&b->models);
    md_model_list_release(&b->models_next);
}

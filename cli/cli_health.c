/*
 * cli_health.c - health verdicts for `get endpoints --json`: the series of
 * every endpoint are fetched once more (a refresh does not ask for them:
 * the console asks only for rows on screen), then judged.
 */
#include "cli_health.h"

#include <stdlib.h>

#include "mldeck/health.h"

/* The window the console's Overview fetches, so both judge the same hour. */
#define HEALTH_MINUTES 60

static bool has_health(const md_deck *d, size_t bi)
{
    struct md_backend_status st;
    return md_deck_backend_status(d, bi, &st) && (st.caps & MD_CAP_HEALTH) &&
           st.health != MD_HEALTH_ERROR;
}

void cli_health_fetch(md_deck *d, size_t lo, size_t hi, long wait_ms)
{
    bool asked = false;
    for (size_t bi = lo; bi < hi; bi++) {
        const struct md_endpoint_list *l = md_deck_endpoints(d, bi);
        for (size_t i = 0; has_health(d, bi) && l && i < l->n; i++) {
            md_deck_want_health(d, bi, l->v[i].name, HEALTH_MINUTES);
            asked = true;
        }
    }
    if (!asked)
        return;
    /* A failed fetch leaves that endpoint "unknown"; the listing itself still stands. */
    md_deck_settle(d, wait_ms);
    md_deck_run(d);
}

md_status cli_health_export(md_deck *d, size_t bi, enum md_export_format f, const char *backend,
                            const struct md_export_endpoint_extra *base, struct md_buf *out)
{
    const struct md_endpoint_list *l = md_deck_endpoints(d, bi);
    if (f != MD_EXPORT_JSON || !l || l->n == 0 || !has_health(d, bi))
        return md_export_endpoints_ex(out, f, backend, l, base);
    const struct md_context *c = md_deck_context(d);
    const struct md_health_limits *lim = c ? &c->health : NULL;
    struct md_health_judgement *ep = md_xcalloc(l->n, sizeof(*ep));
    struct md_health_judgement **deps = md_xcalloc(l->n, sizeof(*deps));
    for (size_t i = 0; i < l->n; i++) {
        const struct md_endpoint *e = &l->v[i];
        const struct md_health_list *h = md_deck_health(d, bi, e->name);
        md_health_judge_endpoint(h, lim, &ep[i]);
        deps[i] = md_xcalloc(e->n_deployments ? e->n_deployments : 1, sizeof(**deps));
        for (size_t k = 0; k < e->n_deployments; k++)
            md_health_judge(h, e->deployments[k].name, lim, &deps[i][k]);
    }
    struct md_export_endpoint_extra x = {0};
    if (base)
        x = *base;
    x.health = ep;
    x.dep_health = (const struct md_health_judgement *const *)deps;
    md_status st = md_export_endpoints_ex(out, f, backend, l, &x);
    for (size_t i = 0; i < l->n; i++)
        free(deps[i]);
    free(deps);
    free(ep);
    return st;
}

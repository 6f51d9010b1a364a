/*
 * action_int.h - shared between core/action/action.c (gate, execution,
 * verification, settling) and core/action/action_plan.c (building plans).
 */
#ifndef MLDECK_ACTION_INT_H
#define MLDECK_ACTION_INT_H

#include "deck/deck_int.h"

/* The read-only gate; a refusal is audited. */
md_status action_gate(md_deck *d, const struct md_plan *p, struct md_err *err);
/* Kind from its audit name; MD_ACTION_KIND_COUNT when unknown. */
enum md_action_kind action_kind_parse(const char *name);
/* True for the kinds that act on an alias, an endpoint config, or weights. */
bool action_is_alias(enum md_action_kind k);
bool action_is_config(enum md_action_kind k);
bool action_is_weights(enum md_action_kind k);
bool action_is_approval(enum md_action_kind k);
/*
 * Parse "a=1,b=2" into weights for the endpoint's deployments, in the
 * endpoint's order; deployments not named keep `keep` weights (current).
 * Returns a malloc'd array of e->n_deployments entries (names lent from e).
 */
md_status action_parse_weights(const struct md_endpoint *e, const char *spec,
                               struct md_weight **out, struct md_err *err);
/* "a=1,b=2" for an array of weights (malloc'd). */
char *action_weights_string(const struct md_weight *w, size_t n);

#endif

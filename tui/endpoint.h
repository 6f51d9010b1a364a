/*
 * endpoint.h - what the Overview and the endpoint screen say about an
 * endpoint: its status as glyph + word (readable without colour), the live
 * versions with their traffic shares, health as sparkline cells, and who
 * changed it last. Everything here reads the deck; nothing draws.
 */
#ifndef MLDECK_TUI_ENDPOINT_H
#define MLDECK_TUI_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mldeck/action.h"
#include "mldeck/deck.h"
#include "mldeck/theme.h"

/* Health cells: the four platform metrics, and the error rate (4xx+5xx)/invocations. */
enum endpoint_metric {
    ENDPOINT_INVOCATIONS = MD_HEALTH_INVOCATIONS,
    ENDPOINT_4XX = MD_HEALTH_4XX,
    ENDPOINT_5XX = MD_HEALTH_5XX,
    ENDPOINT_LATENCY = MD_HEALTH_LATENCY_US,
    ENDPOINT_ERROR_RATE,
};

/* Role of an endpoint or deployment status: InService/Succeeded ok, Failed fail, moving warn. */
enum md_theme_role endpoint_status_role(const char *status);
/* "● InService", "↻ Updating", "↺ RollingBack", "✖ Failed" (ASCII "+ ", "~ ", "< ", "x "). */
void endpoint_status_text(const char *status, char *buf, size_t len);
/*
 * The versions that take traffic with their shares: "churn v3 90% · churn v4 10%"
 * (model, version, share of each deployment with a share > 0), "no traffic" when none.
 */
void endpoint_live_text(const struct md_endpoint *e, char *buf, size_t len);
/* The current weights as a spec for md_action_plan_weights(): "blue=90,green=10". */
void endpoint_weights_spec(const struct md_endpoint *e, char *buf, size_t len);
/*
 * A sparkline of `cells` cells from 0 with its scale, the highest value, at the right
 * ("▁▂▃▅▇ max 5.0%"), and with_last the last value before it ("▃▃▄▂▁ 45ms max 52ms"), of
 * one metric of `deployment` ("" for the whole endpoint); "" when the series is absent.
 * LATENCY is the p99 of the whole request when the platform reports it, else the average.
 */
void endpoint_health_cell(const struct md_health_list *h, const char *deployment,
                          enum endpoint_metric m, int cells, bool with_last, char *buf, size_t len);
/*
 * When the endpoint last changed and who did it (md_actions_who_endpoint(): the
 * platform's history, Azure systemData, mldeck's matching audit entry, else
 * "unknown" in a time bracket). False when nothing is known.
 */
bool endpoint_last_change(md_deck *d, const md_actions *acts, size_t bi,
                          const struct md_endpoint *e, struct md_who *who);
/*
 * The change in one line for the endpoint and versions screens: "changed 12:03 (5m ago)
 * by alice (CloudTrail): UpdateEndpoint config c-2", "changed between 12:03 and 12:05
 * by unknown (seen by mldeck, no platform history): 3 -> 4".
 */
void endpoint_who_text(const struct md_who *w, char *buf, size_t len);
/* The Overview's CHANGED ("5m ago", or "≤5m ago" when only bracketed) and BY cells. */
void endpoint_who_cells(const struct md_who *w, char *changed, size_t clen, char *by, size_t blen);
/*
 * The platform column: the backend kind, or its name when two configured backends share
 * the kind or the deck added the backend itself ("azure/mlflow").
 */
void endpoint_platform(const md_deck *d, size_t bi, char *buf, size_t len);

#endif

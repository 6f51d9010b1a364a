/*
 * endpoint_health.c - HEALTH verdicts for the Overview and the endpoint
 * screen. Judged on each draw from the series the deck holds: the judge is
 * a pass over about a hundred points, and a verdict kept aside would go
 * stale with each refresh.
 */
#include "endpoint_health.h"

#include "text.h"

bool endpoint_health_judge(const md_deck *d, size_t bi, const char *name, const char *deployment,
                           struct md_health_judgement *j)
{
    const struct md_context *c = md_deck_context(d);
    const struct md_health_limits *lim = c ? &c->health : NULL;
    const struct md_health_list *h = md_deck_health(d, bi, name);
    if (deployment)
        md_health_judge(h, deployment, lim, j);
    else
        md_health_judge_endpoint(h, lim, j);
    return h != NULL;
}

const char *endpoint_health_text(enum md_health_verdict v)
{
    switch (v) {
    case MD_HEALTH_VERDICT_OK:
        return text_glyph("\u2714 ok", "+ ok");
    case MD_HEALTH_VERDICT_WARN:
        return text_glyph("\u25b2 warn", "! warn");
    case MD_HEALTH_VERDICT_BAD:
        return text_glyph("\u2716 bad", "x bad");
    case MD_HEALTH_VERDICT_UNKNOWN:
        break;
    }
    return "? n/a";
}

enum md_theme_role endpoint_health_role(enum md_health_verdict v)
{
    switch (v) {
    case MD_HEALTH_VERDICT_OK:
        return MD_THEME_STATUS_OK;
    case MD_HEALTH_VERDICT_WARN:
        return MD_THEME_STATUS_WARN;
    case MD_HEALTH_VERDICT_BAD:
        return MD_THEME_STATUS_FAIL;
    case MD_HEALTH_VERDICT_UNKNOWN:
        break;
    }
    return MD_THEME_DIM;
}

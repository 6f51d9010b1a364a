/*
 * logtail.h - the logs of one endpoint (or one of its deployments), fetched
 * and, when following, fetched again as they grow: what the console's logs
 * view and `mldeck logs` show.
 *
 * SageMaker answers timed events (CloudWatch Logs): a follow asks from the
 * newest event seen, a few seconds back for late arrivals, and drops the
 * events it already holds by id. Azure ML answers only a tail of lines: a
 * follow fetches the tail again and keeps the lines after the overlap with
 * the previous tail. Lines are held in memory only: never written to the
 * state file or the log.
 */
#ifndef MLDECK_LOGTAIL_H
#define MLDECK_LOGTAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mldeck/backend.h"
#include "mldeck/deck.h"
#include "mldeck/md.h"

typedef struct md_logtail md_logtail;

struct md_logtail_opts {
    size_t bi;              /* the deck's backend */
    const char *endpoint;   /* required */
    const char *deployment; /* a variant or deployment; NULL or "" for all (see below) */
    int64_t since_ms;       /* first fetch from this epoch ms; 0: MD_LOGTAIL_SINCE_MS back */
    const char *filter;     /* lines must contain it (case matters); NULL or "" for all */
    bool follow;            /* fetch again every interval_ms */
    int interval_ms;        /* 0: 2000 */
    size_t max_lines;       /* most lines held, the oldest dropped first; 0: 5000 */
    enum md_log_container container; /* Azure ML: which container's log */
};
#define MD_LOGTAIL_SINCE_MS (15 * 60 * 1000)

/* One line held; strings lent until the lines are next changed (md_deck_run()). */
struct md_log_line {
    int64_t at_ms;      /* the event's time; 0 when the platform gives none (Azure ML) */
    const char *source; /* the stream ("VARIANT/i-...") or the deployment */
    const char *text;   /* sanitized, no newline */
};

/*
 * Start the logs of o->endpoint on deck d (the first fetch goes out now;
 * replies come in through md_deck_run()). Azure ML with no deployment
 * named reads the deployment with the most traffic in the deck's snapshot.
 * MD_ERR_UNSUPPORTED when the backend serves no logs, MD_ERR_NOT_FOUND when
 * it has no such deployment known. Free with md_logtail_free(), before or
 * after the deck.
 */
md_status md_logtail_new(md_logtail **out, md_deck *d, const struct md_logtail_opts *o,
                         struct md_err *err);
void md_logtail_free(md_logtail *t);

void md_logtail_set_follow(md_logtail *t, bool follow);
bool md_logtail_following(const md_logtail *t);
/* Fetch now (unless a fetch is in flight). */
void md_logtail_fetch(md_logtail *t);

size_t md_logtail_count(const md_logtail *t);
/* Line i, 0 oldest; false past the end. */
bool md_logtail_line(const md_logtail *t, size_t i, struct md_log_line *out);
/*
 * Lines ever added (not lowered by drops): a reader that printed up to
 * `seen` prints md_logtail_line(count - (added - seen)) onwards.
 */
uint64_t md_logtail_added(const md_logtail *t);
/* A fetch is in flight. */
bool md_logtail_loading(const md_logtail *t);
/* At least one fetch has been answered (successfully or not). */
bool md_logtail_answered(const md_logtail *t);
/* Why the last fetch failed; "" when it did not. */
const char *md_logtail_error(const md_logtail *t);
/* The deployment read ("" for all), e.g. the one chosen for Azure ML. */
const char *md_logtail_deployment(const md_logtail *t);
/* True when lines carry times (SageMaker); false for Azure ML's plain tails. */
bool md_logtail_timed(const md_logtail *t);
/* True when the last fetch stopped at its event budget (more events than shown). */
bool md_logtail_truncated(const md_logtail *t);

/*
 * Health-check noise: a request line for /ping, /health or /score answered
 * 200 ("GET /ping HTTP/1.1" 200 ...), which load balancers send every few
 * seconds and which bury what on-call looks for.
 */
bool md_logtail_is_noise(const char *line);

/*
 * Azure ML's tails: how many lines at the start of `next` repeat the last
 * lines of `prev` (the longest such overlap), so only the rest is new.
 */
size_t md_logtail_overlap(const char *const *prev, size_t nprev, const char *const *next,
                          size_t nnext);

#endif

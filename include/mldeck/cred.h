/*
 * cred.h - a source of short-lived credentials that requests wait for.
 *
 * A bearer token (Azure Entra ID) or a set of AWS keys expires; before a
 * request goes out its client asks the source whether the credential is
 * fresh, and when it is not, queues behind one fetch that the source runs
 * without blocking the caller (an HTTP request, or a child process watched
 * by the event loop). Several clients may share one source: an Azure ML
 * workspace and its MLflow tracking server send the same token, and a 401
 * reported by both makes the source fetch a new one only once (serial).
 *
 * The struct is a table of functions over the source's own state (impl);
 * it is lent by its owner, which outlives every client using it.
 */
#ifndef MLDECK_CRED_H
#define MLDECK_CRED_H

#include "mldeck/md.h"

/* The end of a fetch: MD_OK (ready() is now true) or an error with err filled in. */
typedef void (*md_cred_fn)(md_status st, const struct md_err *err, void *ud);

struct md_cred_source {
    void *impl;
    /* True when the credential may be sent now; false: fetch first. */
    bool (*ready)(void *impl);
    /*
     * The credential as a bearer token while ready(), lent until the next
     * call on the source; NULL for a source of another kind (AWS keys are
     * read by their own client). Never log or copy it into a message.
     */
    const char *(*token)(void *impl);
    /*
     * Get a fresh credential and call cb once, from inside md_http_run(),
     * never from this call. Fetches are shared: callers arriving while one
     * runs wait for the same one. Returns the id of the request (or
     * deferral) that carries the outcome.
     */
    uint64_t (*fetch)(void *impl, md_cred_fn cb, void *ud);
    /* Which credential ready() refers to now: grows with every new one (0 before the first). */
    uint64_t (*serial)(const void *impl);
    /*
     * A server refused the credential sent as `serial` (HTTP 401): forget it
     * if it is still the current one. NULL when a refusal cannot be cured
     * by fetching again (static keys).
     */
    void (*refused)(void *impl, uint64_t serial);
};

#endif

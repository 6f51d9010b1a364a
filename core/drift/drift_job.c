/*
 * drift_job.c - what both sides of a job share: the clock that times its
 * phases, reader progress to the caller's callback, and the canonical name
 * an input is remembered under. See drift_int.h.
 *
 * Apart from drift_run.c (the current side) and drift_run_ref.c (the
 * reference side) so that the runner calls the reference side and neither
 * calls back: both stand on this file.
 */
#include "drift_int.h"

#include <stdlib.h>
#include <time.h>

/* Monotonic milliseconds with sub-ms resolution, for the phase timings. */
double drift_clock_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The canonical path when there is one, so a file named two ways is remembered once. */
char *drift_canonical(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : md_xstrdup(path);
}

/* Reader progress to the caller's callback, in bytes of the phase's total. */
void drift_progress_bytes(void *ud, uint64_t bytes)
{
    struct progress *pr = ud;
    pr->done += bytes;
    if (pr->o->progress)
        pr->o->progress(pr->o->progress_ud, pr->phase, pr->done, pr->total);
}

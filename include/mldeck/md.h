/*
 * md.h - the basics every core module shares: status codes, the error record
 * (first error wins), checked allocation, capped growable buffers, the log
 * sink and the control-character scrubber for text that came from a server.
 *
 * Core code never prints and never exits: it returns an md_status, fills the
 * caller's struct md_err when one is given, and logs through the sink a front
 * end installs with md_log_set_sink().
 */
#ifndef MLDECK_MD_H
#define MLDECK_MD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum md_status {
    MD_OK = 0,
    MD_ERR_NOMEM,
    MD_ERR_IO,
    MD_ERR_NET,
    MD_ERR_HTTP,
    MD_ERR_AUTH,
    MD_ERR_PARSE,
    MD_ERR_CONFIG,
    MD_ERR_DB,
    MD_ERR_TOO_BIG,
    MD_ERR_CANCELLED,
    MD_ERR_READ_ONLY,
    MD_ERR_NOT_FOUND,
    MD_ERR_UNSUPPORTED,
    MD_ERR_INVALID,
    MD_ERR_TIMEOUT,
    MD_ERR_REFUSED, /* the operator declined a confirmation */
    MD_STATUS_COUNT
} md_status;

/*
 * Error record. Callers may pass NULL where a function takes `struct md_err *`.
 * md_err_set() writes only while the record is empty (code == MD_OK), so the
 * first, most specific failure is the one reported.
 */
struct md_err {
    md_status code;
    long http_status; /* 0 when no HTTP reply was involved */
    char msg[256];
};

#define MD_ERR_INIT                                                                                \
    {                                                                                              \
        MD_OK, 0,                                                                                  \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* Static description of a status code; never NULL. */
const char *md_status_str(md_status st);

/* Record the first error: sets code and a printf-style message; returns st. */
md_status md_err_set(struct md_err *err, md_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As md_err_set() and also records the HTTP status when the record was empty. */
md_status md_err_set_http(struct md_err *err, md_status st, long http_status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reset to the empty state. */
void md_err_clear(struct md_err *err);

/*
 * Allocation for small, fixed-size things. On failure the hook installed by
 * md_set_oom_hook() runs (the TUI restores the terminal there), then abort().
 * Anything sized by outside input uses struct md_buf instead.
 */
void *md_xmalloc(size_t n);
void *md_xcalloc(size_t n, size_t size);
void *md_xrealloc(void *p, size_t n);
char *md_xstrdup(const char *s);
/* md_xstrdup() of s or of "" when s is NULL. */
char *md_xstrdup0(const char *s);
char *md_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void md_set_oom_hook(void (*hook)(void));
/* Runs the OOM hook then aborts; for the few places that detect OOM themselves. */
_Noreturn void md_die_oom(void);

/*
 * A growable byte buffer with a hard cap. Always NUL-terminated after the
 * data (the NUL is not counted in len). md_buf_add() returns MD_ERR_TOO_BIG
 * instead of growing past cap and leaves the contents as they were.
 */
struct md_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;
};

void md_buf_init(struct md_buf *b, size_t cap);
void md_buf_release(struct md_buf *b);
void md_buf_reset(struct md_buf *b); /* len = 0, keeps memory */
md_status md_buf_add(struct md_buf *b, const void *p, size_t n);
md_status md_buf_adds(struct md_buf *b, const char *s);
md_status md_buf_addf(struct md_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (free() it); the buffer is left empty. */
char *md_buf_detach(struct md_buf *b, size_t *len);

/* Logging. Levels follow syslog order; the sink gets one line, no newline. */
enum md_log_level { MD_LOG_ERROR = 0, MD_LOG_WARN, MD_LOG_INFO, MD_LOG_DEBUG };
typedef void (*md_log_sink)(enum md_log_level level, const char *line, void *ud);
void md_log_set_sink(md_log_sink sink, void *ud, enum md_log_level max_level);
void md_log(enum md_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Text from servers: replace C0 controls (except none), DEL, ESC and the C1
 * range (U+0080..U+009F, as UTF-8 C2 80..C2 9F) with '?', and invalid UTF-8
 * bytes with '?'. Tabs and newlines become a space: a name is one line.
 * In place; the result is never longer than the input.
 */
void md_sanitize(char *s);
/*
 * Cut terminal escape sequences (CSI, OSC and the other string sequences,
 * 7-bit and C1) out of s, in place, so coloured server text (logs) reads as
 * its words rather than "?[31m" after md_sanitize(), which still comes next.
 */
void md_strip_escapes(char *s);
/* Cut s to at most max bytes without splitting a UTF-8 sequence (for quoting server text). */
void md_clip_utf8(char *s, size_t max);
/* md_xstrdup() + md_sanitize(); NULL in, "" out. */
char *md_xstrdup_clean(const char *s);

/* Wall clock in milliseconds since the epoch; overridable for tests. */
int64_t md_now_ms(void);
/*
 * A moment for people: local "2026-12-08 03:12:05 (4m ago)" measured from
 * now_ms ("in 3m" ahead of it); "-" for 0 or less.
 */
void md_fmt_when(int64_t epoch_ms, int64_t now_ms, char *buf, size_t len);
/* A span for people at the resolution shown: "42s", "5m", "3h", "2d"; "-" when negative. */
void md_fmt_age(int64_t ms, char *buf, size_t len);
/* ISO 8601 in UTC with milliseconds, "2026-12-08T03:12:05.123Z"; "" for 0 or less. */
void md_fmt_iso8601(int64_t epoch_ms, char *buf, size_t len);
/* Fix the clock (ms since epoch); 0 restores the real clock. */
void md_set_clock_ms(int64_t ms);
/* Monotonic milliseconds, for timeouts and backoff. */
int64_t md_mono_ms(void);
/*
 * Days from 1970-01-01 to day d of month m (1-12) of year y in the proleptic
 * Gregorian calendar, negative before it; for the parsers of ISO-8601 times.
 * Pure; any y a time in ms can hold.
 */
int64_t md_days_from_civil(int64_t y, int m, int d);

/* strtol/strtod wrappers: whole string, range-checked; MD_ERR_INVALID otherwise. */
md_status md_parse_long(const char *s, long min, long max, long *out);
md_status md_parse_double(const char *s, double *out);
/* "500ms", "90s", "5m", "1h", "7d" (up to 12 digits and one unit) in ms; MD_ERR_INVALID else. */
md_status md_parse_duration_ms(const char *s, int64_t *ms);

#define MD_BUG(...) md_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void md_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Keep secrets out of core dumps: no core file and not dumpable (ptrace by
 * the same user, /proc/<pid>/mem), unless MLDECK_CORE=1 asks for them to
 * debug a crash. Called first by every binary entry; idempotent.
 */
void md_harden_process(void);

#define MD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif

/*
 * md.c - status strings, the first-error-wins record, checked allocation,
 * capped buffers, the log sink, the control-character scrubber and clocks.
 */
#include "mldeck/md.h"
#include "mldeck/redact.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static const char *const status_text[MD_STATUS_COUNT] = {
    [MD_OK] = "ok",
    [MD_ERR_NOMEM] = "out of memory",
    [MD_ERR_IO] = "input/output error",
    [MD_ERR_NET] = "network error",
    [MD_ERR_HTTP] = "HTTP error",
    [MD_ERR_AUTH] = "authentication failed",
    [MD_ERR_PARSE] = "cannot parse reply",
    [MD_ERR_CONFIG] = "configuration error",
    [MD_ERR_DB] = "state database error",
    [MD_ERR_TOO_BIG] = "too big",
    [MD_ERR_CANCELLED] = "cancelled",
    [MD_ERR_READ_ONLY] = "refused in read-only mode",
    [MD_ERR_NOT_FOUND] = "not found",
    [MD_ERR_UNSUPPORTED] = "not supported by this backend",
    [MD_ERR_INVALID] = "invalid argument",
    [MD_ERR_TIMEOUT] = "timed out",
    [MD_ERR_REFUSED] = "not confirmed",
};

const char *md_status_str(md_status st)
{
    if ((unsigned)st >= MD_STATUS_COUNT || !status_text[st])
        return "unknown error";
    return status_text[st];
}

static void err_vset(struct md_err *err, md_status st, long http, const char *fmt, va_list ap)
{
    if (!err || err->code != MD_OK || st == MD_OK)
        return;
    err->code = st;
    err->http_status = http;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

md_status md_err_set(struct md_err *err, md_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, st, 0, fmt, ap);
    va_end(ap);
    return st;
}

md_status md_err_set_http(struct md_err *err, md_status st, long http_status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, st, http_status, fmt, ap);
    va_end(ap);
    return st;
}

void md_err_clear(struct md_err *err)
{
    if (!err)
        return;
    err->code = MD_OK;
    err->http_status = 0;
    err->msg[0] = '\0';
}

/* --- allocation ---------------------------------------------------------------------------- */

static void (*oom_hook)(void);

void md_set_oom_hook(void (*hook)(void))
{
    oom_hook = hook;
}

_Noreturn void md_die_oom(void)
{
    if (oom_hook)
        oom_hook();
    fputs("mldeck: out of memory\n", stderr);
    abort();
}

void *md_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        md_die_oom();
    return p;
}

void *md_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        md_die_oom();
    return p;
}

void *md_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        md_die_oom();
    return q;
}

char *md_xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        md_die_oom();
    return p;
}

char *md_xstrdup0(const char *s)
{
    return md_xstrdup(s ? s : "");
}

char *md_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    int n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0)
        md_die_oom();
    return p;
}

/* --- capped buffers ------------------------------------------------------------------------ */

void md_buf_init(struct md_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : SIZE_MAX / 2;
}

void md_buf_release(struct md_buf *b)
{
    free(b->data);
    size_t cap = b->cap;
    md_buf_init(b, cap);
}

void md_buf_reset(struct md_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Room for n more bytes plus the NUL; grows geometrically, never past the cap. */
static md_status buf_reserve(struct md_buf *b, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return MD_ERR_TOO_BIG;
    size_t need = b->len + n + 1;
    if (need <= b->alloc)
        return MD_OK;
    size_t alloc = b->alloc ? b->alloc : 256;
    while (alloc < need)
        alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
    if (alloc > b->cap + 1)
        alloc = b->cap + 1;
    b->data = md_xrealloc(b->data, alloc);
    b->alloc = alloc;
    return MD_OK;
}

md_status md_buf_add(struct md_buf *b, const void *p, size_t n)
{
    md_status st = buf_reserve(b, n);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MD_OK;
}

md_status md_buf_adds(struct md_buf *b, const char *s)
{
    return md_buf_add(b, s, strlen(s));
}

md_status md_buf_addf(struct md_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return MD_ERR_INVALID;
    if ((size_t)n < sizeof(small))
        return md_buf_add(b, small, (size_t)n);
    md_status st = buf_reserve(b, (size_t)n);
    if (st)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return MD_OK;
}

char *md_buf_detach(struct md_buf *b, size_t *len)
{
    char *p = b->data ? b->data : md_xstrdup("");
    if (len)
        *len = b->len;
    size_t cap = b->cap;
    md_buf_init(b, cap);
    return p;
}

/* --- logging -------------------------------------------------------------------------------- */

static md_log_sink log_sink;
static void *log_ud;
static enum md_log_level log_max = MD_LOG_WARN;

void md_log_set_sink(md_log_sink sink, void *ud, enum md_log_level max_level)
{
    log_sink = sink;
    log_ud = ud;
    log_max = max_level;
}

void md_log(enum md_log_level level, const char *fmt, ...)
{
    if (!log_sink || level > log_max)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* Log lines may quote server text: keep the log file free of escapes and secrets. */
    md_sanitize(line);
    md_redact(line, sizeof(line));
    log_sink(level, line, log_ud);
}

_Noreturn void md_bug(const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    md_log(MD_LOG_ERROR, "BUG %s:%d: %s", file, line, msg);
    if (oom_hook)
        oom_hook(); /* restores the terminal */
    fprintf(stderr, "mldeck: BUG at %s:%d: %s\n", file, line, msg);
    abort();
}

/* --- text from servers ---------------------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at p (1-4), or 0 when invalid or overlong. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0)
            return 0; /* surrogates */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* Length of a CSI's parameters and final byte from s: up to a byte 0x40..0x7E. */
static size_t csi_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7E))
        i++;
    return i < n ? i + 1 : n;
}

/* Length of a string sequence's body from s: up to BEL, ESC \ or the C1 ST (U+009C). */
static size_t string_len(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\a')
            return i + 1;
        if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\')
            return i + 2;
        if ((unsigned char)s[i] == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0x9C)
            return i + 2;
    }
    return n;
}

/*
 * Length of the escape sequence at s, 0 when none starts there: 7-bit CSI
 * "ESC [ params final", OSC "ESC ] ... BEL or ST" (and DCS, SOS, PM, APC
 * alike), ESC plus one character, and the C1 forms CSI (U+009B) and OSC,
 * DCS, SOS, PM, APC (U+009D, U+0090, U+0098, U+009E, U+009F) as UTF-8. An
 * unterminated one runs to the end of the line.
 */
static size_t escape_len(const char *s, size_t n)
{
    if (s[0] == 0x1b) {
        if (n < 2)
            return n;
        if (s[1] == '[')
            return 2 + csi_len(s + 2, n - 2);
        if (strchr("]PX^_", s[1]) != NULL)
            return 2 + string_len(s + 2, n - 2);
        return 2;
    }
    if ((unsigned char)s[0] != 0xC2 || n < 2)
        return 0;
    unsigned char c = (unsigned char)s[1];
    if (c == 0x9B)
        return 2 + csi_len(s + 2, n - 2);
    if (c == 0x9D || c == 0x90 || c == 0x98 || c == 0x9E || c == 0x9F)
        return 2 + string_len(s + 2, n - 2);
    return 0;
}

void md_strip_escapes(char *s)
{
    size_t n = strlen(s);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t skip = escape_len(s + i, n - i);
        if (skip > 0) {
            i += skip;
            continue;
        }
        s[k++] = s[i++];
    }
    s[k] = '\0';
}

void md_sanitize(char *s)
{
    if (!s)
        return;
    unsigned char *r = (unsigned char *)s;
    unsigned char *w = r;
    while (*r) {
        size_t n = utf8_seq(r);
        if (n == 0) {
            *w++ = '?';
            r++;
        } else if (n == 1) {
            unsigned char c = *r++;
            if (c == '\t' || c == '\n' || c == '\r')
                *w++ = ' ';
            else if (c < 0x20 || c == 0x7F)
                *w++ = '?';
            else
                *w++ = c;
        } else if (n == 2 && r[0] == 0xC2 && r[1] < 0xA0) {
            /* C1 controls U+0080..U+009F: CSI (U+009B) drives terminals like ESC [ */
            *w++ = '?';
            r += 2;
        } else {
            memmove(w, r, n);
            w += n;
            r += n;
        }
    }
    *w = '\0';
}

void md_clip_utf8(char *s, size_t max)
{
    if (strlen(s) <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = '\0';
}

char *md_xstrdup_clean(const char *s)
{
    char *p = md_xstrdup0(s);
    md_sanitize(p);
    return p;
}

/* --- clocks and numbers ---------------------------------------------------------------------- */

static int64_t fixed_clock_ms;

void md_set_clock_ms(int64_t ms)
{
    fixed_clock_ms = ms;
}

int64_t md_now_ms(void)
{
    if (fixed_clock_ms)
        return fixed_clock_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t md_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days_from_civil: eras of 400 years, March-based years so leap days come last. */
int64_t md_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

md_status md_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return MD_ERR_INVALID;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return MD_ERR_INVALID;
    *out = v;
    return MD_OK;
}

md_status md_parse_duration_ms(const char *s, int64_t *ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    size_t digits = s ? strspn(s, "0123456789") : 0;
    if (digits == 0 || digits > 12)
        return MD_ERR_INVALID;
    for (size_t u = 0; u < MD_ARRAY_LEN(units); u++) {
        if (strcmp(s + digits, units[u].unit) == 0) {
            *ms = strtoll(s, NULL, 10) * units[u].ms;
            return MD_OK;
        }
    }
    return MD_ERR_INVALID;
}

md_status md_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return MD_ERR_INVALID;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE && !isinf(v) && v != 0)
        return MD_ERR_INVALID;
    if (*end)
        return MD_ERR_INVALID;
    *out = v;
    return MD_OK;
}

void md_harden_process(void)
{
    const char *keep = getenv("MLDECK_CORE");
    if (keep != NULL && strcmp(keep, "1") == 0)
        return;
    struct rlimit none = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &none);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void md_fmt_age(int64_t ms, char *buf, size_t len)
{
    if (ms < 0) {
        snprintf(buf, len, "-");
        return;
    }
    int64_t s = ms / 1000;
    if (s < 60)
        snprintf(buf, len, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(buf, len, "%lldm", (long long)(s / 60));
    else if (s < 86400)
        snprintf(buf, len, "%lldh", (long long)(s / 3600));
    else
        snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

void md_fmt_when(int64_t epoch_ms, int64_t now_ms, char *buf, size_t len)
{
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    char day[32], span[16];
    if (epoch_ms <= 0 || !localtime_r(&t, &tm) ||
        strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        snprintf(buf, len, "-");
        return;
    }
    int64_t d = now_ms - epoch_ms;
    md_fmt_age(d < 0 ? -d : d, span, sizeof(span));
    if (d < 0)
        snprintf(buf, len, "%s (in %s)", day, span);
    else
        snprintf(buf, len, "%s (%s ago)", day, span);
}

void md_fmt_iso8601(int64_t epoch_ms, char *buf, size_t len)
{
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    char day[32];
    if (epoch_ms <= 0 || !gmtime_r(&t, &tm) ||
        strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(buf, len, "%s", "");
        return;
    }
    snprintf(buf, len, "%s.%03dZ", day, (int)(epoch_ms % 1000));
}

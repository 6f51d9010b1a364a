/*
 * drift_input.c - streaming readers for drift data: CSV with a header (RFC
 * 4180 quoting), JSONL (one object per line) and SageMaker Data Capture
 * JSONL (CSV, JSON or BASE64 payloads, the row time from
 * eventMetadata.inferenceTime). See drift_int.h.
 *
 * Files are read in blocks; a record (a line, or a CSV record whose quoted
 * fields span lines) must fit in DRIFT_MAX_RECORD, so memory per row is
 * bounded whatever the file size. Nothing in the data is fatal: a bad record
 * becomes a warning naming file:line and the reader goes on.
 */
#include "drift_int.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DRIFT_BLOCK ((size_t)4 << 20)
#define DRIFT_MAX_RECORD ((size_t)64 << 20)
#define DRIFT_MAX_FIELDS 65536
#define DRIFT_JSON_DEPTH 8

/* ---- scalar helpers ------------------------------------------------------------------------ */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Blanks around a CSV field are not part of a number (" 1.5" is 1.5). */
static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Clinger's fast path: a decimal with at most 19 significant digits whose
 * integer mantissa fits in 53 bits and whose power of ten is exact (|e| <= 22)
 * converts with one correctly rounded multiplication or division, the same
 * double strtod gives. Everything else (long mantissas, huge exponents, inf
 * and nan spellings) goes to strtod. Hex floats are not numbers here.
 */
/* The common shape, [-]digits[.digits] with at most 19 digits, in one tight loop. */
static inline bool plain_decimal(const char *p, const char *end, double *out)
{
    bool neg = *p == '-';
    p += *p == '-' || *p == '+';
    const char *start = p;
    uint64_t m = 0;
    for (; p < end && (unsigned)(*p - '0') < 10; p++)
        m = m * 10 + (uint64_t)(*p - '0');
    size_t digits = (size_t)(p - start), frac = 0;
    if (p < end && *p == '.') {
        const char *f = ++p;
        for (; p < end && (unsigned)(*p - '0') < 10; p++)
            m = m * 10 + (uint64_t)(*p - '0');
        frac = (size_t)(p - f);
        digits += frac;
    }
    if (p != end || digits == 0 || digits > 19 || m > (1ull << 53) || frac > 22)
        return false;
    double d = frac ? (double)m / pow10_exact[frac] : (double)m;
    *out = neg ? -d : d;
    return true;
}

bool drift_parse_number(const char *s, size_t len, double *out)
{
    if (len && !is_blank(s[0]) && !is_blank(s[len - 1]) && plain_decimal(s, s + len, out))
        return true;
    while (len && is_blank(*s)) {
        s++;
        len--;
    }
    while (len && is_blank(s[len - 1]))
        len--;
    if (!len)
        return false;
    const char *p = s, *end = s + len;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    uint64_t mant = 0;
    int sig = 0, exp10 = 0;
    bool digits = false, slow = false;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        digits = true;
        if (sig < 19) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            sig += mant != 0;
        } else {
            slow = true;
        }
    }
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
            digits = true;
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                sig += mant != 0;
                exp10--;
            } else {
                slow = true;
            }
        }
    }
    if (digits && p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = p < end && *p == '-';
        if (p < end && (*p == '-' || *p == '+'))
            p++;
        if (p == end || *p < '0' || *p > '9')
            return false;
        int e = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            e = e < 100000 ? e * 10 + (*p - '0') : e;
        exp10 += eneg ? -e : e;
    }
    if (digits && p != end)
        return false;
    if (digits && !slow && mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        double d = (double)mant;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        *out = neg ? -d : d;
        return true;
    }
    if (len > 128 || memchr(s, 'x', len) || memchr(s, 'X', len))
        return false;
    char tmp[130];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *e = NULL;
    double d = strtod(tmp, &e);
    if (e != tmp + len)
        return false;
    *out = d;
    return true;
}

bool drift_is_missing_token(const char *s, size_t len)
{
    static const struct {
        const char *s;
        size_t len;
    } tokens[] = {{"#N/A", 4},    {"#N/A N/A", 8}, {"#NA", 3},     {"-1.#IND", 7}, {"-1.#QNAN", 8},
                  {"-NaN", 4},    {"-nan", 4},     {"1.#IND", 6},  {"1.#QNAN", 7}, {"<NA>", 4},
                  {"N/A", 3},     {"NA", 2},       {"NULL", 4},    {"NaN", 3},     {"None", 4},
                  {"n/a", 3},     {"nan", 3},      {"null", 4}};
    size_t i = 0;
    while (i < len && is_blank(s[i]))
        i++;
    if (i == len)
        return true; /* empty or blank */
    /* Called on every value: numbers leave at the first byte (only "1.#..." starts a token). */
    unsigned char c = (unsigned char)s[0];
    if (len > 8 || (c >= '0' && c <= '9' && c != '1') || (c == '1' && (len < 6 || s[1] != '.')))
        return false;
    for (size_t t = 0; t < MD_ARRAY_LEN(tokens); t++) {
        if (tokens[t].len == len && tokens[t].s[0] == (char)c && !memcmp(tokens[t].s, s, len))
            return true;
    }
    return false;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Read exactly n digits at *p. */
static bool take_digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (*p >= end || **p < '0' || **p > '9')
            return false;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return true;
}

bool drift_parse_time(const char *s, size_t len, int64_t *ms)
{
    while (len && is_blank(*s)) {
        s++;
        len--;
    }
    while (len && is_blank(s[len - 1]))
        len--;
    const char *p = s, *end = s + len;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    bool date = len >= 10 && s[4] == '-' && s[7] == '-';
    if (date) {
        int64_t frac_ms = 0, off_min = 0;
        if (!take_digits(&p, end, 4, &y) || !(p++, take_digits(&p, end, 2, &mo)) ||
            !(p++, take_digits(&p, end, 2, &d)))
            return false;
        if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
            p++;
            if (!take_digits(&p, end, 2, &h) || p >= end || *p++ != ':' ||
                !take_digits(&p, end, 2, &mi))
                return false;
            if (p < end && *p == ':' && (p++, !take_digits(&p, end, 2, &sec)))
                return false;
            if (p < end && (*p == '.' || *p == ',')) {
                int64_t scale = 100;
                for (p++; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10)
                    frac_ms += (*p - '0') * scale;
            }
            if (p < end && (*p == 'Z' || *p == 'z')) {
                p++;
            } else if (p < end && (*p == '+' || *p == '-')) {
                int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
                if (!take_digits(&p, end, 2, &oh))
                    return false;
                if (p < end && *p == ':')
                    p++;
                if (p < end && !take_digits(&p, end, 2, &om))
                    return false;
                off_min = sign * (oh * 60 + om);
            }
        }
        if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
            return false;
        int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off_min * 60;
        *ms = t * 1000 + frac_ms;
        return true;
    }
    double v;
    if (!drift_parse_number(s, len, &v) || !isfinite(v) || fabs(v) > 9e15)
        return false;
    *ms = (int64_t)(fabs(v) < 1e11 ? v * 1000 : v); /* epoch seconds, else milliseconds */
    return true;
}

bool drift_base64_decode(const char *s, size_t len, unsigned char *out, size_t *out_len)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t n = 0, chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad)
            return false; /* data after padding */
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            return false;
        chars++;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (chars % 4 == 1 || pad > 2 || (pad && (chars + (size_t)pad) % 4))
        return false;
    *out_len = n;
    return true;
}

bool drift_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* Any byte with the high bit set? Cheap enough to run on every record first. */
static bool has_high_bit(const char *s, size_t len)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= (unsigned char)s[i];
    return acc & 0x80;
}

/* ---- record source --------------------------------------------------------------------------- */

struct src {
    int fd; /* -1: the whole input is already in buf */
    char *buf;
    size_t cap, start, end;
    size_t scan;  /* offset from start already scanned for the record end */
    bool inq;     /* CSV scan state at `scan` */
    bool eof;
    uint64_t line; /* line of the next record */
    uint64_t consumed;
};

enum rec_result { REC_NONE = 0, REC_OK, REC_TOO_LONG, REC_IO };

/*
 * The next record: a line, or for CSV a line whose quoted fields (which may
 * hold newlines) are closed. As in RFC 4180 and pandas, a quote opens a quoted
 * field only at the start of a field; elsewhere it is a literal character
 * (5" screen). Inside a quoted field "" is an escaped quote, decided only once
 * the byte after the first quote has been read. Sets *nl_inside to the
 * newlines within the record, for line numbers.
 */
static enum rec_result src_next(struct src *s, bool csv, char **rec, size_t *len,
                                uint64_t *nl_inside)
{
    for (;;) {
        char *b = s->buf + s->start, *e = s->buf + s->end, *p = b + s->scan;
        char *stop = NULL;
        while (p < e) {
            if (s->inq) {
                char *q = memchr(p, '"', (size_t)(e - p));
                if (!q || (q + 1 == e && !s->eof)) {
                    p = q ? q : e; /* a quote at the end of the data: read on, then decide */
                    break;
                }
                if (q + 1 < e && q[1] == '"') {
                    p = q + 2;
                    continue;
                }
                s->inq = false;
                p = q + 1;
                continue;
            }
            char *nl = memchr(p, '\n', (size_t)(e - p));
            char *lim = nl ? nl : e;
            char *q = csv ? memchr(p, '"', (size_t)(lim - p)) : NULL;
            while (q && q != b && q[-1] != ',')
                q = memchr(q + 1, '"', (size_t)(lim - q - 1));
            if (q) {
                s->inq = true;
                p = q + 1;
                continue;
            }
            stop = nl;
            p = lim;
            break;
        }
        s->scan = (size_t)(p - b);
        if (stop || (s->eof && s->start < s->end)) {
            char *r_end = stop ? stop : e;
            *rec = b;
            *len = (size_t)(r_end - b);
            s->start += *len + (stop ? 1 : 0);
            s->consumed += *len + (stop ? 1 : 0);
            s->scan = 0;
            bool quoted = s->inq;
            s->inq = false;
            if (*len && (*rec)[*len - 1] == '\r')
                (*len)--;
            *nl_inside = 0;
            if (csv && (quoted || memchr(*rec, '"', *len))) {
                for (char *x = *rec; (x = memchr(x, '\n', (size_t)(*rec + *len - x))); x++)
                    (*nl_inside)++;
            }
            return REC_OK;
        }
        if (s->eof || s->fd < 0)
            return REC_NONE;
        if (s->start > 0) {
            memmove(s->buf, s->buf + s->start, s->end - s->start);
            s->end -= s->start;
            s->start = 0;
        }
        if (s->end == s->cap) {
            if (s->cap * 2 > DRIFT_MAX_RECORD + DRIFT_BLOCK)
                return REC_TOO_LONG;
            s->cap *= 2;
            s->buf = md_xrealloc(s->buf, s->cap + 1);
        }
        ssize_t n;
        do
            n = read(s->fd, s->buf + s->end, s->cap - s->end);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return REC_IO;
        if (n == 0)
            s->eof = true;
        s->end += (size_t)n;
    }
}

/* After REC_TOO_LONG: drop bytes up to the next newline, quotes or not. */
static bool src_skip_line(struct src *s)
{
    for (;;) {
        char *nl = memchr(s->buf + s->start, '\n', s->end - s->start);
        if (nl) {
            s->consumed += (size_t)(nl + 1 - (s->buf + s->start));
            s->start = (size_t)(nl + 1 - s->buf);
            s->scan = 0;
            s->inq = false;
            return true;
        }
        s->consumed += s->end - s->start;
        s->start = s->end = 0;
        ssize_t n = read(s->fd, s->buf, s->cap);
        if (n <= 0) {
            s->eof = true;
            return false;
        }
        s->end = (size_t)n;
    }
}

/* ---- rows ------------------------------------------------------------------------------------ */

/* Growable field list shared by all readers of one drift_parse. */
struct fields {
    struct drift_field *v;
    size_t n, alloc;
};

/* Append a field; false past DRIFT_MAX_FIELDS, so one absurd record cannot take the memory. */
static bool fields_push(struct fields *f, uint32_t col, const char *s, size_t len, double num,
                        bool is_num)
{
    if (f->n == DRIFT_MAX_FIELDS)
        return false;
    if (f->n == f->alloc) {
        f->alloc = f->alloc ? f->alloc * 2 : 64;
        f->v = md_xrealloc(f->v, f->alloc * sizeof(*f->v));
    }
    f->v[f->n++] = (struct drift_field){col, (uint32_t)len, s, num, is_num};
    return true;
}

void drift_parse_init(struct drift_parse *p, const char *file, struct md_drift_warnings *warn,
                      drift_row_fn row, void *ud)
{
    memset(p, 0, sizeof(*p));
    p->file = file;
    p->warn = warn;
    p->row = row;
    p->ud = ud;
}

void drift_parse_release(struct drift_parse *p)
{
    drift_strmap_release(&p->cols);
}

/* Split one CSV record into fields, unquoting in place ("" -> "). False: unterminated quote. */
static bool csv_split(char *rec, size_t len, struct fields *out, bool *too_many)
{
    out->n = 0;
    *too_many = false;
    char *p = rec, *end = rec + len;
    if (!memchr(rec, '"', len)) {
        for (;;) {
            char *c = memchr(p, ',', (size_t)(end - p));
            if (!fields_push(out, (uint32_t)out->n, p, (size_t)((c ? c : end) - p), 0, false)) {
                *too_many = true;
                return true;
            }
            if (!c)
                return true;
            p = c + 1;
        }
    }
    for (;;) {
        char *w = p, *start = p;
        if (p < end && *p == '"') {
            bool closed = false;
            for (p++; p < end;) {
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    closed = true;
                    break;
                }
                *w++ = *p++;
            }
            if (!closed)
                return false;
        }
        while (p < end && *p != ',') /* text after a closing quote is kept, leniently */
            *w++ = *p++;
        if (!fields_push(out, (uint32_t)out->n, start, (size_t)(w - start), 0, false)) {
            *too_many = true;
            return true;
        }
        if (p >= end)
            return true;
        p++;
    }
}

/* Register CSV header names: empty ones become _cN, repeats get pandas' .1, .2 suffixes. */
static void csv_header(struct drift_parse *p, struct fields *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *s = f->v[i].s;
        size_t len = f->v[i].len;
        if (i == 0 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
            s += 3;
            len -= 3;
        }
        char *name = len ? md_xasprintf("%.*s", (int)len, s) : md_xasprintf("_c%zu", i);
        md_sanitize(name);
        for (int k = 1; drift_strmap_find(&p->cols, name, strlen(name)) != DRIFT_NONE; k++) {
            char *base = md_xasprintf("%.*s", (int)len, s);
            md_sanitize(base);
            free(name);
            name = md_xasprintf("%s.%d", base, k);
            free(base);
        }
        drift_strmap_add(&p->cols, name, strlen(name));
        free(name);
    }
}

/* Text that is not UTF-8 would reach the terminal and the JSON: drop it, say where. */
static void warn_bad_utf8(struct drift_parse *p, uint64_t line, const char *col)
{
    md_drift_warnings_add(p->warn, "%s:%llu: column '%s': invalid UTF-8: value ignored", p->file,
                          (unsigned long long)line, col);
}

/* One CSV data record (or the header) of a file. Returns non-zero to stop. */
static int csv_record(struct drift_parse *p, struct fields *f, char *rec, size_t len,
                      uint64_t line, int64_t *time_col)
{
    bool too_many;
    size_t blank = 0;
    while (blank < len && (rec[blank] == ' ' || rec[blank] == '\t'))
        blank++;
    if (blank == len)
        return 0; /* blank lines are skipped, before the header too (pandas does the same) */
    if (!csv_split(rec, len, f, &too_many)) {
        md_drift_warnings_add(p->warn, "%s:%llu: unterminated quoted field: record skipped",
                              p->file, (unsigned long long)line);
        p->bad++;
        return 0;
    }
    if (p->cols.n == 0) {
        csv_header(p, f);
        *time_col = p->time_column
                        ? (int64_t)drift_strmap_find(&p->cols, p->time_column,
                                                     strlen(p->time_column))
                        : -1;
        if (*time_col == (int64_t)DRIFT_NONE)
            *time_col = -1;
        return 0;
    }
    if (too_many || f->n != p->cols.n) {
        md_drift_warnings_add(p->warn, "%s:%llu: expected %zu fields, found %s%zu: row skipped",
                              p->file, (unsigned long long)line, p->cols.n,
                              too_many ? "more than " : "", f->n);
        p->bad++;
        return 0;
    }
    if (has_high_bit(rec, len)) {
        size_t k = 0;
        for (size_t i = 0; i < f->n; i++) {
            if (drift_utf8_valid(f->v[i].s, f->v[i].len))
                f->v[k++] = f->v[i];
            else
                warn_bad_utf8(p, line, p->cols.keys[f->v[i].col]);
        }
        f->n = k;
    }
    struct drift_row row = {f->v, f->n, line, 0, false};
    if (*time_col >= 0) {
        for (size_t i = 0; i < f->n; i++) {
            if ((int64_t)f->v[i].col == *time_col)
                row.has_ts = drift_parse_time(f->v[i].s, f->v[i].len, &row.ts_ms);
        }
    }
    p->rows++;
    return p->row(p->ud, &row);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

struct jctx {
    struct drift_parse *p;
    struct fields *f;
    uint64_t line;
    int64_t ts_ms;
    bool has_ts;
    bool warned_array;
    size_t in_rows; /* capture: rows of the input half, known when the output is read */
};

/* A scalar JSON value as a field of column `name`; arrays and nulls are not values. */
static void json_field(struct jctx *c, const char *name, const cJSON *v)
{
    /* Keys are data: a file with a new key per line must not grow the column table forever. */
    uint32_t col = drift_strmap_find(&c->p->cols, name, strlen(name));
    if (col == DRIFT_NONE && c->p->cols.n >= DRIFT_MAX_FIELDS) {
        if (!c->p->columns_warned)
            md_drift_warnings_add(c->p->warn, "%s:%llu: more than %d columns: '%s' and later "
                                  "new columns ignored", c->p->file,
                                  (unsigned long long)c->line, DRIFT_MAX_FIELDS, name);
        c->p->columns_warned = 1;
        return;
    }
    if (col == DRIFT_NONE)
        col = drift_strmap_add(&c->p->cols, name, strlen(name));
    if (c->p->time_column && !strcmp(name, c->p->time_column)) {
        double t = v->valuedouble;
        if (cJSON_IsString(v))
            c->has_ts = drift_parse_time(v->valuestring, strlen(v->valuestring), &c->ts_ms);
        else if (cJSON_IsNumber(v) && isfinite(t) && fabs(t) < 9e15) {
            c->ts_ms = (int64_t)(fabs(t) < 1e11 ? t * 1000 : t); /* epoch s, else ms */
            c->has_ts = true;
        }
    }
    if (cJSON_IsString(v))
        fields_push(c->f, col, v->valuestring, strlen(v->valuestring), 0, false);
    else if (cJSON_IsNumber(v))
        fields_push(c->f, col, NULL, 0, v->valuedouble, true);
    else if (cJSON_IsBool(v))
        fields_push(c->f, col, cJSON_IsTrue(v) ? "true" : "false", cJSON_IsTrue(v) ? 4 : 5, 0,
                    false);
}

/* Members of an object as fields; nested objects give "outer.inner" names. */
static void json_flatten(struct jctx *c, const cJSON *obj, const char *prefix, int depth)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (!m->string)
            continue;
        char *name = prefix ? md_xasprintf("%s.%s", prefix, m->string) : md_xstrdup(m->string);
        md_sanitize(name);
        if (cJSON_IsObject(m) && depth < DRIFT_JSON_DEPTH) {
            json_flatten(c, m, name, depth + 1);
        } else if (cJSON_IsArray(m) || cJSON_IsObject(m)) {
            if (!c->warned_array)
                md_drift_warnings_add(c->p->warn,
                                      "%s:%llu: column '%s': arrays are not values: ignored",
                                      c->p->file, (unsigned long long)c->line, name);
            c->warned_array = true;
        } else {
            json_field(c, name, m);
        }
        free(name);
    }
}

/* Parse one JSON line; NULL with a warning when it is not valid UTF-8 JSON. */
static cJSON *json_line(struct drift_parse *p, const char *rec, size_t len, uint64_t line)
{
    if (has_high_bit(rec, len) && !drift_utf8_valid(rec, len)) {
        md_drift_warnings_add(p->warn, "%s:%llu: invalid UTF-8: line skipped", p->file,
                              (unsigned long long)line);
        p->bad++;
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength(rec, len);
    if (!root || !cJSON_IsObject(root)) {
        md_drift_warnings_add(p->warn, "%s:%llu: %s: line skipped", p->file,
                              (unsigned long long)line,
                              root ? "not a JSON object" : "invalid JSON");
        p->bad++;
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* One JSONL line: an object whose scalar members (nested ones flattened) are the fields. */
static int jsonl_record(struct drift_parse *p, struct fields *f, const char *rec, size_t len,
                        uint64_t line)
{
    cJSON *root = json_line(p, rec, len, line);
    if (!root)
        return 0;
    struct jctx c = {p, f, line, 0, false, false, 0};
    f->n = 0;
    json_flatten(&c, root, NULL, 0);
    struct drift_row row = {f->v, f->n, line, c.ts_ms, c.has_ts};
    p->rows++;
    int rc = p->row(p->ud, &row);
    cJSON_Delete(root);
    return rc;
}

/* ---- Data Capture ---------------------------------------------------------------------------- */

/* The rows of one capture half: fields, with row boundaries. */
struct half {
    struct fields f;
    size_t *row_end;
    size_t rows, alloc;
    char *text;   /* decoded or copied payload the CSV fields point into */
    cJSON *json;  /* parsed payload the JSON fields point into */
};

/* Close the current row of a capture half: fields up to now belong to it. */
static void half_end_row(struct half *h)
{
    if (h->rows == h->alloc) {
        h->alloc = h->alloc ? h->alloc * 2 : 8;
        h->row_end = md_xrealloc(h->row_end, h->alloc * sizeof(*h->row_end));
    }
    h->row_end[h->rows++] = h->f.n;
}

/* Free a half's rows and the payload their fields point into. */
static void half_release(struct half *h)
{
    free(h->f.v);
    free(h->row_end);
    free(h->text);
    cJSON_Delete(h->json);
    memset(h, 0, sizeof(*h));
}

/* Column name of position i: the operator's names for inputs, prediction[_i] for outputs. */
static char *capture_name(struct drift_parse *p, bool output, size_t i, size_t width)
{
    const char *pred = p->prediction ? p->prediction : "prediction";
    if (output)
        return i ? md_xasprintf("%s_%zu", pred, i) : md_xstrdup(pred);
    if (p->n_capture_columns == width)
        return md_xstrdup(p->capture_columns[i]);
    return md_xasprintf("_c%zu", i);
}

/* An array of values is one row, named by position (capture_name()). */
static void capture_positional(struct jctx *c, struct half *h, bool output, const cJSON *arr)
{
    size_t width = (size_t)cJSON_GetArraySize(arr), i = 0;
    for (const cJSON *v = arr->child; v; v = v->next, i++) {
        char *name = capture_name(c->p, output, i, width);
        json_field(c, name, v);
        free(name);
    }
    half_end_row(h);
}

/* One JSON instance: a scalar, an array of scalars, {"features": [...]}, or an object. */
static void capture_instance(struct jctx *c, struct half *h, bool output, const cJSON *v)
{
    const cJSON *feat = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "features") : NULL;
    if (cJSON_IsArray(v)) {
        capture_positional(c, h, output, v);
    } else if (cJSON_IsArray(feat)) {
        capture_positional(c, h, output, feat);
    } else if (cJSON_IsObject(v)) {
        json_flatten(c, v, NULL, 0);
        half_end_row(h);
    } else {
        char *name = capture_name(c->p, output, 0, 1);
        json_field(c, name, v);
        free(name);
        half_end_row(h);
    }
}

/*
 * A JSON payload: a batch under "instances", "inputs", "data", "predictions" or
 * "outputs" (or a top-level array) is one row per element; anything else is one row.
 * A flat array of scalars is one row per value, except a top-level input array
 * (one instance) and the output of a single input row (its values, e.g. class
 * probabilities, become prediction, prediction_1, ...).
 */
static void capture_json(struct jctx *c, struct half *h, bool output, const cJSON *root)
{
    static const char *const batch_keys[] = {"instances", "inputs", "data", "predictions",
                                             "outputs"};
    const cJSON *batch = cJSON_IsArray(root) ? root : NULL;
    for (size_t i = 0; !batch && cJSON_IsObject(root) && i < MD_ARRAY_LEN(batch_keys); i++) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, batch_keys[i]);
        batch = cJSON_IsArray(b) ? b : NULL;
    }
    bool scalars = batch != NULL;
    for (const cJSON *v = batch ? batch->child : NULL; v; v = v->next)
        scalars &= !cJSON_IsArray(v) && !cJSON_IsObject(v);
    /* [1, 2, 3] as an input is one instance; as the output of one instance, one row too. */
    bool one_row = output ? c->in_rows == 1 && cJSON_GetArraySize(batch) != 1 : batch == root;
    if (batch && scalars && one_row) {
        capture_positional(c, h, output, batch);
    } else if (batch) {
        for (const cJSON *v = batch->child; v; v = v->next)
            capture_instance(c, h, output, v);
    } else {
        capture_instance(c, h, output, root);
    }
}

/* Decode and parse one half (endpointInput or endpointOutput). */
static void capture_half(struct jctx *c, struct half *h, bool output, const cJSON *obj)
{
    const char *what = output ? "endpointOutput" : "endpointInput";
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(obj, "data");
    const cJSON *enc = cJSON_GetObjectItemCaseSensitive(obj, "encoding");
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(obj, "observedContentType");
    struct drift_parse *p = c->p;
    if (!cJSON_IsString(data)) {
        md_drift_warnings_add(p->warn, "%s:%llu: %s has no data", p->file,
                              (unsigned long long)c->line, what);
        return;
    }
    const char *e = cJSON_IsString(enc) ? enc->valuestring : "";
    const char *type = cJSON_IsString(ct) ? ct->valuestring : "";
    size_t len = strlen(data->valuestring);
    h->text = md_xmalloc(len + 4);
    if (!strcmp(e, "BASE64")) {
        size_t n = 0;
        if (!drift_base64_decode(data->valuestring, len, (unsigned char *)h->text, &n) ||
            !drift_utf8_valid(h->text, n)) {
            md_drift_warnings_add(p->warn,
                                  "%s:%llu: %s: data is not valid BASE64 of UTF-8 text: ignored",
                                  p->file, (unsigned long long)c->line, what);
            return;
        }
        len = n;
    } else {
        memcpy(h->text, data->valuestring, len);
    }
    h->text[len] = '\0';
    bool json = !strcmp(e, "JSON") || strstr(type, "json") ||
                (strcmp(e, "CSV") && !strstr(type, "csv") && strspn(h->text, " \t\r\n") < len &&
                 strchr("{[", h->text[strspn(h->text, " \t\r\n")]));
    if (json) {
        h->json = cJSON_ParseWithLength(h->text, len);
        if (!h->json) {
            md_drift_warnings_add(p->warn, "%s:%llu: %s: invalid JSON payload: ignored", p->file,
                                  (unsigned long long)c->line, what);
            return;
        }
        capture_json(c, h, output, h->json);
        return;
    }
    struct fields tmp = {0};
    for (char *line = h->text, *next; line && *line; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        if (ll && line[ll - 1] == '\r')
            ll--;
        bool too_many;
        if (ll == 0 || !csv_split(line, ll, &tmp, &too_many))
            continue;
        if (!output && p->n_capture_columns && tmp.n != p->n_capture_columns &&
            !p->capture_width_warned) {
            md_drift_warnings_add(p->warn,
                                  "%s:%llu: CSV payload has %zu fields, %zu column names: "
                                  "naming them _c0.._c%zu (see --capture-columns)",
                                  p->file, (unsigned long long)c->line, tmp.n,
                                  p->n_capture_columns, tmp.n ? tmp.n - 1 : 0);
            p->capture_width_warned = 1;
        }
        for (size_t i = 0; i < tmp.n; i++) {
            char *name = capture_name(p, output, i, tmp.n);
            uint32_t col = drift_strmap_add(&p->cols, name, strlen(name));
            fields_push(&h->f, col, tmp.v[i].s, tmp.v[i].len, 0, false);
            free(name);
        }
        half_end_row(h);
    }
    free(tmp.v);
}

/*
 * One Data Capture line: both halves decoded, then input row i joined with output
 * row i (when the counts agree) into one row stamped with the inference time.
 */
static int capture_record(struct drift_parse *p, struct fields *f, const char *rec, size_t len,
                          uint64_t line)
{
    cJSON *root = json_line(p, rec, len, line);
    if (!root)
        return 0;
    const cJSON *cd = cJSON_GetObjectItemCaseSensitive(root, "captureData");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "eventMetadata");
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(md, "inferenceTime");
    struct jctx c = {p, NULL, line, 0, false, false, 0};
    if (cJSON_IsString(it))
        c.has_ts = drift_parse_time(it->valuestring, strlen(it->valuestring), &c.ts_ms);
    if (!c.has_ts)
        md_drift_warnings_add(p->warn, "%s:%llu: no usable eventMetadata.inferenceTime", p->file,
                              (unsigned long long)line);
    struct half in = {0}, out = {0};
    const cJSON *hin = cJSON_GetObjectItemCaseSensitive(cd, "endpointInput");
    const cJSON *hout = cJSON_GetObjectItemCaseSensitive(cd, "endpointOutput");
    if (!cJSON_IsObject(cd) || (!hin && !hout)) {
        md_drift_warnings_add(p->warn, "%s:%llu: no captureData: line skipped", p->file,
                              (unsigned long long)line);
        p->bad++;
    }
    if (cJSON_IsObject(hin)) {
        c.f = &in.f;
        capture_half(&c, &in, false, hin);
    }
    if (cJSON_IsObject(hout)) {
        c.f = &out.f;
        c.in_rows = in.rows;
        capture_half(&c, &out, true, hout);
    }
    bool pair = in.rows == out.rows;
    if (!pair && in.rows && out.rows)
        md_drift_warnings_add(p->warn,
                              "%s:%llu: %zu input rows but %zu output rows: outputs ignored",
                              p->file, (unsigned long long)line, in.rows, out.rows);
    size_t rows = in.rows ? in.rows : out.rows;
    int rc = 0;
    for (size_t r = 0; r < rows && !rc; r++) {
        f->n = 0;
        for (int side = 0; side < 2; side++) {
            struct half *h = side ? &out : &in;
            if (!h->rows || (side && in.rows && !pair))
                continue;
            for (size_t i = r ? h->row_end[r - 1] : 0; i < h->row_end[r]; i++)
                fields_push(f, h->f.v[i].col, h->f.v[i].s, h->f.v[i].len, h->f.v[i].num,
                            h->f.v[i].is_num);
        }
        struct drift_row row = {f->v, f->n, line, c.ts_ms, c.has_ts};
        p->rows++;
        rc = p->row(p->ud, &row);
    }
    half_release(&in);
    half_release(&out);
    cJSON_Delete(root);
    return rc;
}

/* ---- drive a source -------------------------------------------------------------------------- */

/* Drive one source to its end: records to the format's handler, progress every block. */
static md_status parse_src(struct drift_parse *p, enum md_drift_format fmt, struct src *s,
                           struct md_err *err)
{
    struct fields f = {0};
    int64_t time_col = -1;
    bool csv = fmt == MD_DRIFT_FORMAT_CSV;
    md_status st = MD_OK;
    uint64_t reported = 0;
    for (;;) {
        if (p->cancel && *p->cancel) {
            st = MD_ERR_CANCELLED;
            break;
        }
        char *rec;
        size_t len;
        uint64_t nl = 0, line = s->line + 1;
        enum rec_result r = src_next(s, csv, &rec, &len, &nl);
        if (r == REC_NONE)
            break;
        if (r == REC_IO) {
            st = md_err_set(err, MD_ERR_IO, "cannot read '%s': %s", p->file, strerror(errno));
            break;
        }
        if (r == REC_TOO_LONG) {
            md_drift_warnings_add(p->warn, "%s:%llu: record longer than %zu MiB: skipped",
                                  p->file, (unsigned long long)line, DRIFT_MAX_RECORD >> 20);
            p->bad++;
            s->line++;
            if (!src_skip_line(s))
                break;
            continue;
        }
        s->line += 1 + nl;
        int rc = 0;
        if (csv)
            rc = csv_record(p, &f, rec, len, line, &time_col);
        else if (len && strspn(rec, " \t") < len)
            rc = fmt == MD_DRIFT_FORMAT_CAPTURE ? capture_record(p, &f, rec, len, line)
                                                : jsonl_record(p, &f, rec, len, line);
        if (rc) {
            st = MD_ERR_CANCELLED;
            break;
        }
        if (p->progress && s->consumed - reported >= DRIFT_BLOCK) {
            p->progress(p->progress_ud, s->consumed - reported);
            reported = s->consumed;
        }
    }
    if (p->progress && s->consumed > reported)
        p->progress(p->progress_ud, s->consumed - reported);
    if (!st && s->consumed == 0)
        md_drift_warnings_add(p->warn, "%s: empty file", p->file);
    else if (!st && csv && p->cols.n && p->rows == 0 && p->bad == 0)
        md_drift_warnings_add(p->warn, "%s: header only, no rows", p->file);
    free(f.v);
    return st;
}

md_status drift_parse_buffer(struct drift_parse *p, enum md_drift_format f, const char *data,
                             size_t len)
{
    struct src s = {.fd = -1, .eof = true};
    s.buf = md_xmalloc(len + 1);
    memcpy(s.buf, data, len);
    s.cap = s.end = len;
    md_status st = parse_src(p, f == MD_DRIFT_FORMAT_AUTO ? MD_DRIFT_FORMAT_CSV : f, &s, NULL);
    free(s.buf);
    return st;
}

md_status drift_parse_file(struct drift_parse *p, enum md_drift_format f, const char *path,
                           struct md_err *err)
{
    if (f == MD_DRIFT_FORMAT_AUTO)
        f = drift_detect_format(path);
    struct src s = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
    if (s.fd < 0)
        return md_err_set(err, MD_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    s.cap = DRIFT_BLOCK;
    s.buf = md_xmalloc(s.cap + 1);
    md_status st = parse_src(p, f, &s, err);
    free(s.buf);
    close(s.fd);
    return st;
}

/* Case-insensitive suffix test, for extensions. */
static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

enum md_drift_format drift_detect_format(const char *path)
{
    if (ends_with(path, ".csv"))
        return MD_DRIFT_FORMAT_CSV;
    char head[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof(head) - 1) : -1;
    if (fd >= 0)
        close(fd);
    head[n > 0 ? n : 0] = '\0';
    bool jsonish = ends_with(path, ".jsonl") || ends_with(path, ".json") ||
                   ends_with(path, ".ndjson") || head[strspn(head, " \t\r\n")] == '{';
    if (!jsonish)
        return MD_DRIFT_FORMAT_CSV;
    char *nl = strchr(head, '\n');
    if (nl)
        *nl = '\0';
    return strstr(head, "\"captureData\"") ? MD_DRIFT_FORMAT_CAPTURE : MD_DRIFT_FORMAT_JSONL;
}

/* ---- the job runner -------------------------------------------------------------------------- */

#define DRIFT_MAX_FILES 1000000

struct pathlist {
    char **v;
    size_t n, alloc;
};

/* Append a copy of p. */
static void paths_add(struct pathlist *l, const char *p)
{
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? l->alloc * 2 : 64;
        l->v = md_xrealloc(l->v, l->alloc * sizeof(*l->v));
    }
    l->v[l->n++] = md_xstrdup(p);
}

/* Free the paths and the list. */
static void paths_release(struct pathlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Monotonic milliseconds with sub-ms resolution, for the phase timings. */
static double clock_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Paths in byte order: capture folders (yyyy/mm/dd/hh) then read oldest first. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Data files under `dir`, recursively (Data Capture nests yyyy/mm/dd/hh); hidden ones skipped. */
static void list_dir(const char *dir, struct pathlist *out, struct md_drift_warnings *w, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        md_drift_warnings_add(w, "cannot list '%s': %s", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) && out->n < DRIFT_MAX_FILES) {
        if (e->d_name[0] == '.')
            continue;
        char *p = md_xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth < 32)
            list_dir(p, out, w, depth + 1);
        else if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
                 (ends_with(p, ".csv") || ends_with(p, ".jsonl") || ends_with(p, ".json") ||
                  ends_with(p, ".ndjson")))
            paths_add(out, p);
        free(p);
    }
    closedir(d);
}

/* The canonical path when there is one, so a file named two ways is remembered once. */
static char *canonical(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : md_xstrdup(path);
}

/* Exact membership in an option list (features, type overrides). */
static bool in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(v[i], s))
            return true;
    }
    return false;
}

struct progress {
    const struct md_drift_opts *o;
    const char *phase;
    uint64_t done, total;
};

/* Reader progress to the caller's callback, in bytes of the phase's total. */
static void progress_bytes(void *ud, uint64_t bytes)
{
    struct progress *pr = ud;
    pr->done += bytes;
    if (pr->o->progress)
        pr->o->progress(pr->o->progress_ud, pr->phase, pr->done, pr->total);
}

/* The reference side while it is read: columns become features as they appear. */
struct ref_ctx {
    const struct md_drift_opts *o;
    struct drift_parse *p;
    struct drift_set set;
    struct drift_strmap names;
    bool *pred;
    int32_t *colmap;
    size_t ncolmap;
    struct drift_feed feed;
    struct drift_ref *ref; /* the second pass: bins of bounded features */
    uint64_t *stamp;
};

/* A reference column is a feature unless it is the time or --features leaves it out. */
static bool ref_wanted(const struct md_drift_opts *o, const char *name)
{
    if (o->time_column && !strcmp(name, o->time_column))
        return false;
    if (o->prediction && !strcmp(name, o->prediction))
        return true;
    return !o->features || in_list(o->features, o->n_features, name);
}

/* Columns the reader found since the last row: make them features (or map them, pass 2). */
static void ref_map_columns(struct ref_ctx *c)
{
    const struct md_drift_opts *o = c->o;
    for (; c->ncolmap < c->p->cols.n; c->ncolmap++) {
        const char *name = c->p->cols.keys[c->ncolmap];
        int32_t idx = -1;
        if (c->ref) {
            for (size_t i = 0; i < c->ref->n && idx < 0; i++)
                idx = strcmp(c->ref->f[i].name, name) ? -1 : (int32_t)i;
        } else if (ref_wanted(o, name)) {
            uint32_t k = drift_strmap_add(&c->names, name, strlen(name));
            if (k == c->set.n) {
                c->set.acc = md_xrealloc(c->set.acc, (k + 1) * sizeof(*c->set.acc));
                c->pred = md_xrealloc(c->pred, (k + 1) * sizeof(*c->pred));
                enum md_drift_type t = in_list(o->categorical, o->n_categorical, name)
                                           ? MD_DRIFT_CATEGORICAL
                                       : in_list(o->numeric, o->n_numeric, name)
                                           ? MD_DRIFT_NUMERIC
                                           : MD_DRIFT_TYPE_UNKNOWN;
                drift_acc_init(&c->set.acc[k], t);
                c->pred[k] = o->prediction && !strcmp(name, o->prediction);
                c->set.n++;
            }
            idx = (int32_t)k;
        }
        c->colmap = md_xrealloc(c->colmap, (c->ncolmap + 1) * sizeof(*c->colmap));
        c->colmap[c->ncolmap] = idx;
    }
}

/* A reference row into the accumulators (pass 1) or into the frozen bins (pass 2). */
static int ref_row(void *ud, const struct drift_row *row)
{
    struct ref_ctx *c = ud;
    ref_map_columns(c);
    c->set.rows++;
    for (size_t i = 0; i < row->n; i++) {
        int32_t k = c->colmap[row->f[i].col];
        if (k < 0)
            continue;
        if (c->ref) { /* second pass: exact bins on the frozen edges */
            struct drift_ref_feature *f = &c->ref->f[k];
            double x = row->f[i].num;
            if (c->stamp[k] == c->set.rows || !f->w || f->type != MD_DRIFT_NUMERIC)
                continue;
            c->stamp[k] = c->set.rows;
            if (row->f[i].is_num || (!drift_is_missing_token(row->f[i].s, row->f[i].len) &&
                                     drift_parse_number(row->f[i].s, row->f[i].len, &x)))
                if (isfinite(x))
                    drift_ref_count(c->ref, (size_t)k, x);
            continue;
        }
        struct drift_acc *a = &c->set.acc[k];
        if (a->last_row == c->set.rows)
            continue;
        a->last_row = c->set.rows;
        drift_acc_add(a, (size_t)k, &row->f[i], c->names.keys[k], row->line, &c->feed);
    }
    return c->o->cancel && *c->o->cancel;
}

/* One pass over the reference file; w NULL on the second pass (its warnings were given). */
static md_status ref_read(struct ref_ctx *c, struct md_drift_warnings *w, struct progress *pr,
                          struct md_err *err)
{
    struct drift_parse p;
    drift_parse_init(&p, c->o->reference, w, ref_row, c);
    p.time_column = c->o->time_column;
    p.prediction = c->o->prediction;
    p.cancel = c->o->cancel;
    p.progress = progress_bytes;
    p.progress_ud = pr;
    c->p = &p;
    c->ncolmap = 0;
    c->set.rows = 0;
    md_status st = drift_parse_file(&p, MD_DRIFT_FORMAT_AUTO, c->o->reference, err);
    drift_parse_release(&p);
    c->p = NULL;
    return st;
}

/* Read and freeze the reference (two passes only when a column outgrew the budget). */
static md_status ref_build(const struct md_drift_opts *o, struct drift_ref *ref,
                           struct md_drift_run *out, struct md_err *err)
{
    struct md_drift_warnings *w = &out->warnings;
    double t0 = clock_ms();
    struct stat sb;
    struct progress pr = {o, "reference", 0,
                          stat(o->reference, &sb) == 0 ? (uint64_t)sb.st_size : 0};
    struct drift_budget budget = {0, o->budget ? o->budget : MD_DRIFT_DEFAULT_BUDGET, false};
    struct ref_ctx c = {.o = o, .feed = {w, o->reference, &budget, NULL}};
    md_status st = ref_read(&c, w, &pr, err);
    if (!st && c.set.rows == 0)
        st = md_err_set(err, MD_ERR_PARSE, "reference '%s' has no rows", o->reference);
    if (!st && c.set.n == 0)
        st = md_err_set(err, MD_ERR_PARSE, "reference '%s' has none of the columns asked for",
                        o->reference);
    for (size_t i = 0; !st && i < o->n_features; i++) {
        if (drift_strmap_find(&c.names, o->features[i], strlen(o->features[i])) == DRIFT_NONE)
            md_drift_warnings_add(w, "%s: no column '%s'", o->reference, o->features[i]);
    }
    double t1 = clock_ms();
    out->ms_ref_read = t1 - t0;
    bool second = !st && drift_ref_freeze(ref, &c.set, c.names.keys, c.pred);
    out->ms_ref_freeze = clock_ms() - t1;
    if (second) {
        t1 = clock_ms();
        md_drift_warnings_add(w, "%s: more values than the memory budget (%zu MiB): KS and W1 "
                                 "use a bounded sketch", o->reference, budget.cap >> 20);
        c.ref = ref;
        c.stamp = md_xcalloc(ref->n, sizeof(*c.stamp));
        pr.phase = "reference (second pass)";
        pr.done = 0;
        st = ref_read(&c, NULL, &pr, err);
        out->ms_ref_read += clock_ms() - t1;
    }
    for (size_t i = 0; !st && i < ref->n; i++) {
        const struct drift_ref_feature *f = &ref->f[i];
        if (f->type == MD_DRIFT_TYPE_UNKNOWN)
            md_drift_warnings_add(w, "%s: column '%s' has no values: not tested", o->reference,
                                  f->name);
        else if (f->type == MD_DRIFT_NUMERIC && f->min == f->max)
            md_drift_warnings_add(w, "%s: column '%s' is constant (%g): W1 is divided by the "
                                     "0.001 floor, PSI has two bins", o->reference, f->name,
                                  f->min);
    }
    drift_set_release(&c.set);
    drift_strmap_release(&c.names);
    free(c.pred);
    free(c.colmap);
    free(c.stamp);
    return st;
}

/* What the frozen reference depends on: the file's identity and the options that shape it. */
static char *ref_source(const struct md_drift_opts *o)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 20);
    struct stat sb;
    char *path = canonical(o->reference);
    bool ok = stat(path, &sb) == 0;
    md_buf_addf(&b, "path=%s;size=%lld;mtime=%lld.%09ld;budget=%zu;pred=%s;time=%s", path,
                ok ? (long long)sb.st_size : -1LL, ok ? (long long)sb.st_mtim.tv_sec : 0LL,
                ok ? sb.st_mtim.tv_nsec : 0L, o->budget ? o->budget : MD_DRIFT_DEFAULT_BUDGET,
                o->prediction ? o->prediction : "", o->time_column ? o->time_column : "");
    const char *const *lists[] = {o->features, o->categorical, o->numeric};
    const size_t counts[] = {o->n_features, o->n_categorical, o->n_numeric};
    for (size_t l = 0; l < 3; l++) {
        md_buf_adds(&b, l == 0 ? ";features=" : l == 1 ? ";cat=" : ";num=");
        for (size_t i = 0; i < counts[l]; i++)
            md_buf_addf(&b, "%s%s", i ? "," : "", lists[l][i]);
    }
    free(path);
    char *s = md_buf_detach(&b, NULL);
    return s ? s : md_xstrdup("");
}

/* A current window while files are read. */
struct win {
    int64_t key;
    struct drift_set set;
};

struct cur_ctx {
    const struct md_drift_opts *o;
    const struct drift_ref *ref;
    struct drift_strmap ref_names;
    struct drift_parse *p;
    int32_t *colmap;
    size_t ncolmap;
    struct win *w;
    size_t nw, aw;
    struct drift_budget budget;
    struct drift_feed feed;
    struct drift_file_rec *rec;
    bool phase2;     /* re-reading an old file: only windows this run touched */
    uint64_t no_ts;
    struct drift_strmap unknown;
};

/* The window starting at key (sorted array, binary search); created unless re-reading. */
static struct drift_set *cur_window(struct cur_ctx *c, int64_t key, bool create)
{
    size_t lo = 0, hi = c->nw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->w[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->nw && c->w[lo].key == key)
        return &c->w[lo].set;
    if (!create)
        return NULL;
    if (c->nw == c->aw) {
        c->aw = c->aw ? c->aw * 2 : 8;
        c->w = md_xrealloc(c->w, c->aw * sizeof(*c->w));
    }
    memmove(&c->w[lo + 1], &c->w[lo], (c->nw - lo) * sizeof(*c->w));
    c->nw++;
    struct win *w = &c->w[lo];
    memset(w, 0, sizeof(*w));
    w->key = key;
    w->set.n = c->ref->n;
    w->set.acc = md_xcalloc(c->ref->n ? c->ref->n : 1, sizeof(*w->set.acc));
    for (size_t i = 0; i < c->ref->n; i++)
        drift_acc_init(&w->set.acc[i], c->ref->f[i].type);
    return &w->set;
}

/* Current columns to reference features by name; unknown ones are warned about once. */
static void cur_map_columns(struct cur_ctx *c)
{
    for (; c->ncolmap < c->p->cols.n; c->ncolmap++) {
        const char *name = c->p->cols.keys[c->ncolmap];
        uint32_t k = drift_strmap_find(&c->ref_names, name, strlen(name));
        bool timecol = c->o->time_column && !strcmp(name, c->o->time_column);
        if (k == DRIFT_NONE && !timecol && !c->phase2 &&
            drift_strmap_find(&c->unknown, name, strlen(name)) == DRIFT_NONE) {
            drift_strmap_add(&c->unknown, name, strlen(name));
            md_drift_warnings_add(c->feed.warn, "%s: column '%s' is not in the reference: ignored",
                                  c->p->file, name);
        }
        c->colmap = md_xrealloc(c->colmap, (c->ncolmap + 1) * sizeof(*c->colmap));
        c->colmap[c->ncolmap] =
            k == DRIFT_NONE || c->ref->f[k].type == MD_DRIFT_TYPE_UNKNOWN ? -1 : (int32_t)k;
    }
}

/* A current row into its window; the file's row count and time range are kept for the store. */
static int cur_row(void *ud, const struct drift_row *row)
{
    struct cur_ctx *c = ud;
    int64_t key = 0, wms = c->o->window_ms;
    cur_map_columns(c);
    /* A row holding no reference column (say a capture with only an unknown output) is no row. */
    bool any = false;
    for (size_t i = 0; i < row->n && !any; i++)
        any = c->colmap[row->f[i].col] >= 0;
    if (!any)
        return c->o->cancel && *c->o->cancel;
    if (wms > 0) {
        if (!row->has_ts) {
            c->no_ts++;
            return 0;
        }
        key = (row->ts_ms >= 0 ? row->ts_ms / wms : -((-row->ts_ms + wms - 1) / wms)) * wms;
    }
    struct drift_set *s = cur_window(c, key, !c->phase2);
    if (!s)
        return 0;
    s->rows++;
    if (row->has_ts) {
        s->ts_min = s->has_ts ? (row->ts_ms < s->ts_min ? row->ts_ms : s->ts_min) : row->ts_ms;
        s->ts_max = s->has_ts ? (row->ts_ms > s->ts_max ? row->ts_ms : s->ts_max) : row->ts_ms;
        s->has_ts = true;
    }
    struct drift_file_rec *r = c->rec;
    if (r && row->has_ts) {
        r->ts_min = r->rows && r->ts_min < row->ts_ms ? r->ts_min : row->ts_ms;
        r->ts_max = r->rows && r->ts_max > row->ts_ms ? r->ts_max : row->ts_ms;
    }
    if (r)
        r->rows++;
    for (size_t i = 0; i < row->n; i++) {
        int32_t k = c->colmap[row->f[i].col];
        if (k < 0 || s->acc[k].last_row == s->rows)
            continue;
        s->acc[k].last_row = s->rows;
        drift_acc_add(&s->acc[k], (size_t)k, &row->f[i], c->ref->f[k].name, row->line, &c->feed);
    }
    return c->o->cancel && *c->o->cancel;
}

/* Read one current file into the windows. */
static md_status cur_read(struct cur_ctx *c, const char *path, struct md_drift_warnings *w,
                          const char *const *capcols, size_t ncap, struct progress *pr,
                          struct md_err *err)
{
    struct drift_parse p;
    drift_parse_init(&p, path, w, cur_row, c);
    p.time_column = c->o->time_column;
    p.prediction = c->o->prediction;
    p.capture_columns = capcols;
    p.n_capture_columns = ncap;
    p.cancel = c->o->cancel;
    p.progress = progress_bytes;
    p.progress_ud = pr;
    c->p = &p;
    c->ncolmap = 0;
    c->no_ts = 0;
    c->feed.file = path;
    md_status st = drift_parse_file(&p, c->o->format, path, err);
    if (!st && c->no_ts && !c->phase2)
        md_drift_warnings_add(w, "%s: %llu rows without a time skipped (windows need "
                                 "eventMetadata.inferenceTime or a time column)",
                              path, (unsigned long long)c->no_ts);
    drift_parse_release(&p);
    c->p = NULL;
    return st;
}

/* Processed-file records by path, for bsearch(). */
static int cmp_rec(const void *a, const void *b)
{
    const struct drift_file_rec *x = a, *y = b;
    return strcmp(x->path, y->path);
}

/* Files to read this run: every listed file not already processed unchanged. */
static md_status cur_files(const struct md_drift_opts *o, struct pathlist *todo,
                           const struct drift_file_rec *seen, size_t nseen,
                           struct md_drift_run *out)
{
    struct pathlist all = {0};
    for (size_t i = 0; i < o->n_current; i++) {
        struct stat sb;
        if (stat(o->current[i], &sb) != 0) {
            md_drift_warnings_add(&out->warnings, "cannot read '%s': %s", o->current[i],
                                  strerror(errno));
            out->files_failed++;
        } else if (S_ISDIR(sb.st_mode)) {
            list_dir(o->current[i], &all, &out->warnings, 0);
        } else {
            paths_add(&all, o->current[i]);
        }
    }
    if (all.n >= DRIFT_MAX_FILES)
        md_drift_warnings_add(&out->warnings, "more than %d files: the rest is left for later",
                              DRIFT_MAX_FILES);
    if (all.n)
        qsort(all.v, all.n, sizeof(*all.v), cmp_str);
    for (size_t i = 0; i < all.n; i++) {
        char *path = canonical(all.v[i]);
        struct drift_file_rec key = {.path = path};
        const struct drift_file_rec *r =
            nseen ? bsearch(&key, seen, nseen, sizeof(*seen), cmp_rec) : NULL;
        struct stat sb;
        if (r && stat(path, &sb) == 0 && r->size == (int64_t)sb.st_size &&
            r->mtime_ns == (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec)
            out->files_skipped++;
        else if (!todo->n || strcmp(todo->v[todo->n - 1], path))
            paths_add(todo, path);
        free(path);
    }
    paths_release(&all);
    return MD_OK;
}

/*
 * The current side: list the inputs, skip files processed before (same path, size and
 * mtime), read the rest into windows, complete the windows they touched from older files,
 * and evaluate every window. *recs_out lists the files read, for the store.
 */
static md_status run_current(const struct md_drift_opts *o, const struct drift_ref *ref,
                             struct md_drift_run *out, struct drift_file_rec **recs_out,
                             size_t *nrecs_out, struct md_err *err)
{
    const char *job = o->job ? o->job : "default";
    struct drift_file_rec *seen = NULL;
    size_t nseen = 0;
    md_status st = o->store ? drift_store_files_load(o->store, job, &seen, &nseen, err) : MD_OK;
    if (st)
        return st;
    if (nseen)
        qsort(seen, nseen, sizeof(*seen), cmp_rec);
    struct pathlist todo = {0};
    cur_files(o, &todo, seen, nseen, out);

    /* Data Capture CSV payloads have no header: name fields after the reference's columns. */
    const char **capcols = md_xcalloc(ref->n + 1, sizeof(*capcols));
    size_t ncap = 0;
    if (o->capture_columns) {
        for (size_t i = 0; i < o->n_capture_columns; i++)
            capcols[ncap++] = o->capture_columns[i];
    } else {
        for (size_t i = 0; i < ref->n; i++) {
            if (!ref->f[i].prediction)
                capcols[ncap++] = ref->f[i].name;
        }
    }
    struct cur_ctx c = {.o = o, .ref = ref};
    c.budget.cap = o->budget ? o->budget : MD_DRIFT_DEFAULT_BUDGET;
    c.feed = (struct drift_feed){&out->warnings, NULL, &c.budget, ref};
    for (size_t i = 0; i < ref->n; i++)
        drift_strmap_add(&c.ref_names, ref->f[i].name, strlen(ref->f[i].name));
    struct progress pr = {o, "current", 0, 0};
    for (size_t i = 0; i < todo.n; i++) {
        struct stat sb;
        pr.total += stat(todo.v[i], &sb) == 0 ? (uint64_t)sb.st_size : 0;
    }
    struct drift_file_rec *recs = md_xcalloc(todo.n + 1, sizeof(*recs));
    size_t nrecs = 0;
    double t0 = clock_ms();
    for (size_t i = 0; i < todo.n && !st; i++) {
        struct stat sb;
        struct drift_file_rec *r = &recs[nrecs];
        memset(r, 0, sizeof(*r));
        c.rec = r;
        struct md_err ferr = MD_ERR_INIT;
        if (stat(todo.v[i], &sb) != 0 ||
            (st = cur_read(&c, todo.v[i], &out->warnings, capcols, ncap, &pr, &ferr))) {
            if (st == MD_ERR_CANCELLED)
                break;
            md_drift_warnings_add(&out->warnings, "%s", ferr.msg[0] ? ferr.msg : todo.v[i]);
            out->files_failed++;
            st = MD_OK;
            continue;
        }
        r->path = md_xstrdup(todo.v[i]);
        r->size = (int64_t)sb.st_size;
        r->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        nrecs++;
        out->files_read++;
    }
    /* A window this run touched may hold rows of files read in earlier runs: add them. */
    c.phase2 = true;
    c.rec = NULL;
    for (size_t i = 0; !st && o->window_ms > 0 && i < nseen && c.nw; i++) {
        const struct drift_file_rec *r = &seen[i];
        bool overlap = false, fresh = false;
        for (size_t k = 0; k < c.nw && !overlap; k++)
            overlap = r->rows && r->ts_min < c.w[k].key + o->window_ms && r->ts_max >= c.w[k].key;
        for (size_t k = 0; k < nrecs && !fresh; k++)
            fresh = !strcmp(recs[k].path, r->path);
        if (!overlap || fresh)
            continue;
        struct md_err ferr = MD_ERR_INIT;
        st = cur_read(&c, r->path, &out->warnings, capcols, ncap, &pr, &ferr);
        if (st && st != MD_ERR_CANCELLED) {
            md_drift_warnings_add(&out->warnings, "windows overlapping '%s' may be incomplete: %s",
                                  r->path, ferr.msg);
            st = MD_OK;
        }
    }
    if (st == MD_ERR_CANCELLED)
        md_err_set(err, st, "drift job '%s' cancelled", job);
    int64_t now = md_now_ms();
    double t1 = clock_ms();
    out->ms_cur_read = t1 - t0;
    out->w = md_xcalloc(c.nw ? c.nw : 1, sizeof(*out->w));
    for (size_t k = 0; k < c.nw; k++) {
        struct drift_set *s = &c.w[k].set;
        if (!st) {
            struct md_drift_window *w = &out->w[out->n_windows++];
            drift_evaluate(ref, s, o, w);
            w->start_ms = o->window_ms > 0 ? c.w[k].key : s->has_ts ? s->ts_min : now;
            w->end_ms = o->window_ms > 0 ? c.w[k].key + o->window_ms
                        : s->has_ts      ? s->ts_max + 1
                                         : now;
        }
        drift_set_release(s);
    }
    out->ms_eval = clock_ms() - t1;
    free(c.w);
    free(c.colmap);
    drift_strmap_release(&c.ref_names);
    drift_strmap_release(&c.unknown);
    free(capcols);
    paths_release(&todo);
    drift_file_recs_free(seen, nseen);
    *recs_out = recs;
    *nrecs_out = nrecs;
    return st;
}

md_status md_drift_run(const struct md_drift_opts *o, struct md_drift_run *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    out->smoothing = o->smoothing;
    out->yates = !o->no_yates;
    out->rule = o->drift_share > 0 ? o->drift_share : 0.5;
    if (!o->reference || !*o->reference)
        return md_err_set(err, MD_ERR_INVALID, "no reference file given");
    if (o->window_ms < 0)
        return md_err_set(err, MD_ERR_INVALID, "bad window: %lld ms", (long long)o->window_ms);
    const char *job = o->job ? o->job : "default";
    char *source = ref_source(o);
    struct drift_ref ref = {0};
    md_status st = MD_ERR_NOT_FOUND;
    if (o->store) {
        st = drift_store_ref_load(o->store, job, source, &ref, err);
        out->ref_cached = st == MD_OK;
    }
    if (st == MD_ERR_NOT_FOUND) {
        st = ref_build(o, &ref, out, err);
        if (!st && o->store)
            st = drift_store_ref_save(o->store, job, source, &ref, err);
    }
    free(source);
    struct drift_file_rec *recs = NULL;
    size_t nrecs = 0;
    if (!st) {
        out->rows_ref = ref.rows;
        out->n_ref_features = ref.n;
        for (size_t i = 0; i < ref.n; i++)
            out->ref_sketch |= ref.f[i].w != NULL;
        st = run_current(o, &ref, out, &recs, &nrecs, err);
    }
    if (!st && o->store)
        st = drift_store_save_run(o->store, job, out, recs, nrecs, err);
    drift_file_recs_free(recs, nrecs);
    drift_ref_release(&ref);
    return st;
}

void md_drift_run_release(struct md_drift_run *r)
{
    for (size_t i = 0; i < r->n_windows; i++)
        drift_window_release(&r->w[i]);
    free(r->w);
    md_drift_warnings_release(&r->warnings);
    memset(r, 0, sizeof(*r));
}

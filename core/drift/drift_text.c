/*
 * drift_text.c - the text of one field turned into what the drift engine
 * counts: numbers (a fast path that gives strtod's double), pandas' missing
 * spellings, ISO-8601 or epoch times, BASE64 and UTF-8 checks; and the
 * extension test on file names. See drift_int.h.
 *
 * Separate from the readers because every reader (CSV, JSONL, Data Capture)
 * and the accumulators call these, and because they are pure functions on a
 * byte range that the unit tests and fuzz targets drive directly.
 */
#include "drift_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    } tokens[] = {{"#N/A", 4}, {"#N/A N/A", 8}, {"#NA", 3},    {"-1.#IND", 7}, {"-1.#QNAN", 8},
                  {"-NaN", 4}, {"-nan", 4},     {"1.#IND", 6}, {"1.#QNAN", 7}, {"<NA>", 4},
                  {"N/A", 3},  {"NA", 2},       {"NULL", 4},   {"NaN", 3},     {"None", 4},
                  {"n/a", 3},  {"nan", 3},      {"null", 4}};
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
        int64_t t = md_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off_min * 60;
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
bool drift_has_high_bit(const char *s, size_t len)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= (unsigned char)s[i];
    return acc & 0x80;
}

/* Case-insensitive suffix test, for extensions (the format guess, the folder listings). */
bool drift_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

/*
 * redact.c - the one pass that takes secrets out of text (redact.h).
 *
 * One left-to-right scan: at each position the registered secrets are
 * tried first (longest first, so a token that contains another is cut
 * whole), then the patterns; text that matches nothing is copied. Matching
 * is case-insensitive for names, exact for secret values.
 */
#include "mldeck/redact.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mldeck/md.h"

#define SECRET_MIN 6
#define SECRETS_MAX 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *secrets[SECRETS_MAX]; /* longest first */
static size_t n_secrets;

void md_secret_register(const char *value)
{
    if (value == NULL || strlen(value) < SECRET_MIN)
        return;
    pthread_mutex_lock(&lock);
    bool known = false;
    for (size_t i = 0; i < n_secrets && !known; i++)
        known = strcmp(secrets[i], value) == 0;
    if (!known) {
        if (n_secrets == SECRETS_MAX) { /* the oldest is likely expired: wipe it */
            explicit_bzero(secrets[SECRETS_MAX - 1], strlen(secrets[SECRETS_MAX - 1]));
            free(secrets[SECRETS_MAX - 1]);
            n_secrets--;
        }
        size_t len = strlen(value);
        size_t at = 0;
        while (at < n_secrets && strlen(secrets[at]) >= len)
            at++;
        memmove(&secrets[at + 1], &secrets[at], (n_secrets - at) * sizeof(*secrets));
        secrets[at] = md_xstrdup(value);
        n_secrets++;
    }
    pthread_mutex_unlock(&lock);
}

void md_secret_forget_all(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_secrets; i++) {
        explicit_bzero(secrets[i], strlen(secrets[i]));
        free(secrets[i]);
        secrets[i] = NULL;
    }
    n_secrets = 0;
    pthread_mutex_unlock(&lock);
}

/* Headers whose whole value is a credential. */
static const char *const header_names[] = {"proxy-authorization", "authorization",
                                           "x-amz-security-token", "set-cookie", "cookie"};
/* Form, query and JSON fields that carry secrets. */
static const char *const field_names[] = {
    "client_secret",     "access_token",    "refresh_token",     "id_token",
    "accesstoken",       "refreshtoken",    "password",          "aws_secret_access_key",
    "secret_access_key", "secretaccesskey", "aws_session_token", "session_token",
    "sessiontoken",      "x-amz-signature", "x-amz-credential",  "signature"};

static bool is_word(char c)
{
    return isalnum((unsigned char)c);
}

/* Characters of a token, a signature or base64 credentials. */
static bool is_token_char(char c)
{
    return isalnum((unsigned char)c) || strchr("-._~+/=%", c) != NULL;
}

/*
 * `name` at s[i] (case-insensitive, not inside a longer word), then an
 * optional closing quote, blanks, and ':' or '='. Returns the index just
 * after the separator, or 0 when it does not match.
 */
static size_t key_at(const char *s, size_t i, const char *name)
{
    size_t n = strlen(name);
    if ((i > 0 && is_word(s[i - 1])) || strncasecmp(s + i, name, n) != 0 || is_word(s[i + n]))
        return 0;
    size_t j = i + n;
    if (s[j] == '"' || s[j] == '\'')
        j++;
    while (s[j] == ' ' || s[j] == '\t')
        j++;
    if (s[j] != ':' && s[j] != '=')
        return 0;
    return j + 1;
}

/*
 * The end of a value starting at s[j]: a quoted value to its closing
 * quote; a header value (to_eol) to the end of the line; else a run of
 * token characters. *vstart is where the secret itself starts.
 */
static size_t value_end(const char *s, size_t j, bool to_eol, size_t *vstart)
{
    while (s[j] == ' ' || s[j] == '\t')
        j++;
    if (s[j] == '"' || s[j] == '\'') {
        char q = s[j];
        *vstart = j + 1;
        size_t k = j + 1;
        while (s[k] != '\0' && s[k] != q)
            k++;
        return k;
    }
    *vstart = j;
    size_t k = j;
    if (to_eol) {
        while (s[k] != '\0' && s[k] != '\n' && s[k] != '\r')
            k++;
        return k;
    }
    while (s[k] != '\0' && is_token_char(s[k]))
        k++;
    return k;
}

/* A "Bearer x" or "Basic x" credential at s[i]: its value's span, or false. */
static bool scheme_at(const char *s, size_t i, size_t *vstart, size_t *vend)
{
    static const char *const schemes[] = {"bearer", "basic"};
    if (i > 0 && is_word(s[i - 1]))
        return false;
    for (size_t k = 0; k < MD_ARRAY_LEN(schemes); k++) {
        size_t n = strlen(schemes[k]);
        if (strncasecmp(s + i, schemes[k], n) != 0 || (s[i + n] != ' ' && s[i + n] != '\t'))
            continue;
        size_t j = i + n;
        while (s[j] == ' ' || s[j] == '\t')
            j++;
        size_t e = j;
        while (s[e] != '\0' && is_token_char(s[e]))
            e++;
        size_t len = e - j;
        /* a word after "Basic" in prose is not credentials: base64 is padded to 4 */
        bool looks = k == 0 ? len >= 16 : len >= 8 && len % 4 == 0;
        if (!looks)
            continue;
        *vstart = j;
        *vend = e;
        return true;
    }
    return false;
}

/* The longest registered secret at s[i]; its length, 0 when none (lock held). */
static size_t secret_at(const char *s, size_t i)
{
    for (size_t k = 0; k < n_secrets; k++) {
        size_t n = strlen(secrets[k]);
        if (strncmp(s + i, secrets[k], n) == 0)
            return n;
    }
    return 0;
}

char *md_redacted(const char *s)
{
    if (s == NULL)
        return md_xstrdup("");
    struct md_buf b;
    md_buf_init(&b, 0);
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (s[i] != '\0') {
        size_t n = secret_at(s, i);
        if (n > 0) {
            md_buf_add(&b, MD_REDACTED, strlen(MD_REDACTED));
            i += n;
            continue;
        }
        size_t vstart = 0;
        size_t vend = 0;
        bool hit = false;
        for (size_t k = 0; k < MD_ARRAY_LEN(header_names) && !hit; k++) {
            size_t j = key_at(s, i, header_names[k]);
            if (j > 0) {
                vend = value_end(s, j, true, &vstart);
                hit = true;
            }
        }
        for (size_t k = 0; k < MD_ARRAY_LEN(field_names) && !hit; k++) {
            size_t j = key_at(s, i, field_names[k]);
            if (j > 0) {
                vend = value_end(s, j, false, &vstart);
                hit = vend > vstart;
            }
        }
        if (!hit)
            hit = scheme_at(s, i, &vstart, &vend);
        if (hit && vend > vstart) {
            md_buf_add(&b, s + i, vstart - i);
            md_buf_add(&b, MD_REDACTED, strlen(MD_REDACTED));
            i = vend;
            continue;
        }
        md_buf_add(&b, s + i, 1);
        i++;
    }
    pthread_mutex_unlock(&lock);
    return md_buf_detach(&b, NULL);
}

char *md_redact(char *s, size_t size)
{
    if (s == NULL || size == 0)
        return s;
    char *r = md_redacted(s);
    size_t n = strlen(r);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)r[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(s, r, n);
    s[n] = '\0';
    free(r);
    return s;
}

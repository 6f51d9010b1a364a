/*
 * config_value.c - what the loader (config.c) and the drift-job rules
 * (config_drift.c) both ask of a value: is a URL http(s), does it carry
 * user:password@, its trailing slashes cut, and which value node a key node
 * of a mapping pairs with (for an error's position). See config_int.h.
 *
 * Apart from both so that the dependency runs one way: config.c calls into
 * config_drift.c for drift jobs, and both call down to here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "base/yamlx_int.h"

bool md_config_is_http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

void md_config_strip_slashes(char *url)
{
    size_t n = strlen(url);
    const char *host = strstr(url, "://");
    size_t min = host ? (size_t)(host - url) + 4 : 1;
    while (n > min && url[n - 1] == '/')
        url[--n] = '\0';
}

bool md_config_url_has_userinfo(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return false;
    p += 3;
    size_t auth = strcspn(p, "/?#");
    return memchr(p, '@', auth) != NULL;
}

const struct yamlx_node *md_config_value_of(const struct yamlx_node *map,
                                            const struct yamlx_node *key)
{
    for (size_t i = 0; i < yamlx_pairs(map); i++)
        if (yamlx_key(map, i) == key)
            return yamlx_value(map, i);
    return key;
}

/* One decimal of a LIMITS pair, surrounding blanks allowed; nothing else after it. */
static bool limit_number(const char *s, const char *end, double *out)
{
    char buf[32];
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (end == s || (size_t)(end - s) >= sizeof(buf) ||
        strspn(s, "0123456789.") < (size_t)(end - s))
        return false;
    memcpy(buf, s, (size_t)(end - s));
    buf[end - s] = 0;
    char *stop = NULL;
    *out = strtod(buf, &stop);
    return stop != NULL && *stop == 0 && isfinite(*out);
}

bool md_config_limits_parse(const struct md_config_setting *s, const char *text, double out[2],
                            char *why, size_t wsz)
{
    char q[YAMLX_QUOTE_SIZE];
    const char *comma = strchr(text, ',');
    double w = 0, b = 0;
    if (comma == NULL || !limit_number(text, comma, &w) ||
        !limit_number(comma + 1, comma + strlen(comma), &b)) {
        snprintf(why, wsz, "expected WARN,BAD for '%s' such as \"%s\", got '%s'", s->name,
                 s->def ? s->def : "1,5", yamlx_quote(q, sizeof(q), text));
        return false;
    }
    if (w < (double)s->min || b > (double)s->max || w > b) {
        snprintf(why, wsz, "value '%s' for '%s' out of range (WARN <= BAD, %ld to %ld)",
                 yamlx_quote(q, sizeof(q), text), s->name, s->min, s->max);
        return false;
    }
    out[0] = w;
    out[1] = b;
    return true;
}

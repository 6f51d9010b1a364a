/*
 * config_value.c - what the loader (config.c) and the drift-job rules
 * (config_drift.c) both ask of a value: is a URL http(s), does it carry
 * user:password@, its trailing slashes cut, and which value node a key node
 * of a mapping pairs with (for an error's position). See config_int.h.
 *
 * Apart from both so that the dependency runs one way: config.c calls into
 * config_drift.c for drift jobs, and both call down to here.
 */
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

/*
 * http_int.h - private to core/net/http.c (the engine) and core/net/http_guard.c
 * (the read-only guard's rules and the URL/header helpers both use).
 */
#ifndef MLDECK_HTTP_INT_H
#define MLDECK_HTTP_INT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

/* True when the "Name: value" line of `len` bytes names header `name` (any case). */
bool http_header_named(const char *line, size_t len, const char *name);
/*
 * One part of a URL through libcurl's own parser, so the guard sees what is
 * sent; free(). CURLUPART_URL gives the URL without userinfo, query and
 * fragment, fit for logs and messages (queries may carry SAS tokens).
 */
char *http_url_part(const char *url, CURLUPart part);
/* True when an extra header could override the method or target behind the guard's back. */
bool http_headers_can_override(const char *const *headers);

#endif

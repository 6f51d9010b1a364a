/*
 * jsonx_int.h - small helpers over cJSON for the backends' reply parsers.
 *
 * Private to core/: cJSON types never cross include/mldeck/. Every string a
 * helper hands out is a new allocation made by md_xstrdup_clean(), so it is
 * never NULL and carries no control characters. Missing keys and values of
 * the wrong type read as "empty" (an empty string, 0, an empty array),
 * because the servers omit unset fields; the callers decide which absences
 * are errors.
 */
#ifndef MLDECK_JSONX_INT_H
#define MLDECK_JSONX_INT_H

#include <cJSON.h>

#include "mldeck/model.h"

/* Largest reply body jsonx_parse() accepts (the HTTP layer caps replies lower). */
#define JSONX_MAX_BODY ((size_t)256 * 1024 * 1024)

/*
 * Parse `len` bytes of `body` (need not be NUL-terminated) into a tree the
 * caller frees with cJSON_Delete(). Trailing text other than white space is
 * an error. Errors: MD_ERR_TOO_BIG when len > max (0: JSONX_MAX_BODY),
 * MD_ERR_PARSE for invalid or truncated JSON (the message names the byte
 * offset).
 */
md_status jsonx_parse(const char *body, size_t len, size_t max, cJSON **out, struct md_err *err);

/* The member `key` of object `obj`; NULL when obj is not an object or lacks it. */
const cJSON *jsonx_get(const cJSON *obj, const char *key);

/*
 * The string value of member `key`, lent for the tree's lifetime; NULL when
 * absent or not a string. Not cleaned: use for comparisons only.
 */
const char *jsonx_str_raw(const cJSON *obj, const char *key);

/*
 * A cleaned copy of a value (free()): strings as they are, numbers as their
 * shortest exact text ("3", "0.5"), booleans as "true"/"false", anything
 * else (and NULL) as "".
 */
char *jsonx_value_dup(const cJSON *v);
/*
 * Finite `d` as text that reads back as the same double: %.15g when that is
 * exact, else %.17g; integral values below 2^53 without exponent
 * ("1700000000000"). `n` >= 32 is always enough.
 */
void jsonx_fmt_double(char *buf, size_t n, double d);

/* jsonx_value_dup() of member `key`. */
char *jsonx_str(const cJSON *obj, const char *key);

/*
 * An integer: a JSON number (through valuedouble, exact up to 2^53, rounded
 * toward zero) or a string holding a decimal integer. `def` when absent, of
 * another type, or outside the int64 range.
 */
int64_t jsonx_int64(const cJSON *obj, const char *key, int64_t def);

/*
 * A double: a JSON number, or a string holding a number, "NaN",
 * "Infinity" or "-Infinity" (the protobuf JSON spelling of non-finite
 * values). `def` when absent or unreadable.
 */
double jsonx_double(const cJSON *obj, const char *key, double def);
/* The same for a value rather than a member. */
double jsonx_value_double(const cJSON *v, double def);

/*
 * The array member `key`. NULL when absent or null (an empty list); sets
 * *bad when present with another type, so callers can tell "missing" from
 * "wrong" where it matters.
 */
const cJSON *jsonx_array(const cJSON *obj, const char *key, bool *bad);

/* Number of elements of an array (0 for NULL or a non-array). */
size_t jsonx_count(const cJSON *arr);

/*
 * Fill `out` from an array of {"key": .., "value": ..} objects (MLflow's
 * params and tags). Entries without a key are skipped. At most `max`
 * entries; MD_ERR_TOO_BIG beyond, with *out left empty.
 */
md_status jsonx_kvs(const cJSON *arr, size_t max, struct md_kvs *out, struct md_err *err);

/* The value of the entry whose "key" is `key` in such an array; lent, NULL when absent. */
const char *jsonx_kv_find(const cJSON *arr, const char *key);

/*
 * A member that should be a list of at most `cap` items: *arr is the array,
 * NULL when the member is absent (an empty list). MD_ERR_PARSE when it is
 * not an array, MD_ERR_TOO_BIG when it is longer than cap.
 */
md_status jsonx_list(const cJSON *root, const char *key, size_t cap, const cJSON **arr,
                     struct md_err *err);

#endif

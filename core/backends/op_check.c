/*
 * op_check.c - reply caps and field-type checks shared by every backend
 * (op_check.h). The mappers read missing or mistyped fields as empty, which
 * is right for what a platform omits but wrong for what it never sends: a
 * null, or a string where a number belongs. Mapped "tolerantly", such a
 * reply becomes rows of empty names that replace a good cached snapshot, so
 * the platforms check it here first, naming the field's path.
 */
#include "op_check.h"
#include "op.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

size_t op_cap_bytes(const struct op_cap *c, size_t n)
{
    if (c->per_item > 0 && n > (JSONX_MAX_BODY - c->fixed) / c->per_item)
        return JSONX_MAX_BODY;
    return c->fixed + c->per_item * n;
}

void op_size_text(char *buf, size_t n, size_t bytes)
{
    if (bytes >= OP_MIB)
        snprintf(buf, n, "%.1f MiB", (double)bytes / (double)OP_MIB);
    else
        snprintf(buf, n, "%zu KiB", bytes / OP_KIB);
}

void op_call_cap(struct op_call *c, const struct op_cap *cap, size_t page)
{
    c->max_body = op_cap_bytes(cap, page);
    c->cap_name = cap->name;
    c->cap_page = page;
}

bool op_cap_message(const struct op_call *c, const char *what, long http, struct md_err *err)
{
    if (c->cap_name == NULL)
        return false;
    char size[32];
    char page[48] = "";
    op_size_text(size, sizeof(size), c->max_body);
    if (c->cap_page > 0)
        snprintf(page, sizeof(page), " (page of %zu)", c->cap_page);
    md_err_set_http(err, MD_ERR_TOO_BIG, http, "%s: reply larger than %s cap for %s%s", what, size,
                    c->cap_name, page);
    return true;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsArray(v))
        return "array";
    return "object";
}

/* 2^63 as a double: the first value outside int64. */
#define TWO_63 9223372036854775808.0

static bool is_int(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return isfinite(v->valuedouble) && v->valuedouble < TWO_63 && v->valuedouble >= -TWO_63;
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return false;
    char *end = NULL;
    errno = 0;
    (void)strtoll(v->valuestring, &end, 10);
    return errno == 0 && *end == '\0';
}

static bool is_num(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return true;
    if (!cJSON_IsString(v))
        return false;
    return strcmp(v->valuestring, "NaN") == 0 || !isnan(jsonx_value_double(v, NAN));
}

static md_status bad(struct md_err *err, const char *path, const char *want, const cJSON *got)
{
    return md_err_set(err, MD_ERR_PARSE, "field %s: expected %s, got %s", path, want,
                      got != NULL ? type_name(got) : "nothing");
}

static md_status check_obj(const struct op_shape *s, const cJSON *o, char *path, size_t len,
                           size_t cap, struct md_err *err);

/* One member of an array (OP_F_OBJS, _STRS, _NUMS) or map (OP_F_MAP) at `path`. */
static md_status check_item(enum op_ftype t, const struct op_shape *sub, const cJSON *it,
                            char *path, size_t len, size_t cap, struct md_err *err)
{
    switch (t) {
    case OP_F_STRS:
        return cJSON_IsString(it) ? MD_OK : bad(err, path, "string", it);
    case OP_F_NUMS:
    case OP_F_MAP:
        return cJSON_IsNumber(it) ? MD_OK : bad(err, path, "number", it);
    case OP_F_TIMES:
        return cJSON_IsNumber(it) || cJSON_IsString(it) ? MD_OK : bad(err, path, "timestamp", it);
    default:
        if (!cJSON_IsObject(it))
            return bad(err, path, "object", it);
        return sub != NULL ? check_obj(sub, it, path, len, cap, err) : MD_OK;
    }
}

/*
 * One value at `path` (a buffer of `cap` bytes holding `len` of them); the
 * path grows in place for nested fields and is cut back after, so a deep
 * walk allocates nothing.
 */
static md_status check_value(const struct op_field *f, const cJSON *v, char *path, size_t len,
                             size_t cap, struct md_err *err)
{
    switch (f->t) {
    case OP_F_STR:
        return cJSON_IsString(v) ? MD_OK : bad(err, path, "string", v);
    case OP_F_INT:
        return is_int(v) ? MD_OK : bad(err, path, "integer", v);
    case OP_F_NUM:
        return is_num(v) ? MD_OK : bad(err, path, "number", v);
    case OP_F_BOOL:
        return cJSON_IsBool(v) ? MD_OK : bad(err, path, "boolean", v);
    case OP_F_TIME:
        return cJSON_IsNumber(v) || cJSON_IsString(v) ? MD_OK : bad(err, path, "timestamp", v);
    case OP_F_OBJ:
        if (!cJSON_IsObject(v))
            return bad(err, path, "object", v);
        return f->sub != NULL ? check_obj(f->sub, v, path, len, cap, err) : MD_OK;
    case OP_F_MAP:
        if (!cJSON_IsObject(v))
            return bad(err, path, "object", v);
        break;
    case OP_F_OBJS:
    case OP_F_STRS:
    case OP_F_NUMS:
    case OP_F_TIMES:
        if (!cJSON_IsArray(v))
            return bad(err, path, "array", v);
        break;
    }
    size_t i = 0;
    for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
        int n = f->t == OP_F_MAP ? snprintf(path + len, cap - len, ".%s", it->string)
                                 : snprintf(path + len, cap - len, "[%zu]", i);
        size_t l2 = n > 0 && (size_t)n < cap - len ? len + (size_t)n : len;
        md_status st = check_item(f->t, f->sub, it, path, l2, cap, err);
        path[len] = '\0';
        if (st != MD_OK)
            return st;
    }
    return MD_OK;
}

static md_status check_obj(const struct op_shape *s, const cJSON *o, char *path, size_t len,
                           size_t cap, struct md_err *err)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct op_field *f = &s->f[i];
        int n = snprintf(path + len, cap - len, "%s%s", len > 0 ? "." : "", f->key);
        size_t l2 = n > 0 && (size_t)n < cap - len ? len + (size_t)n : len;
        const cJSON *v = jsonx_get(o, f->key);
        md_status st = MD_OK;
        if (v == NULL) {
            if (f->required)
                st = md_err_set(err, MD_ERR_PARSE, "field %s: missing", path);
        } else {
            st = check_value(f, v, path, l2, cap, err);
        }
        path[len] = '\0';
        if (st != MD_OK)
            return st;
    }
    if (s->either[0] != NULL && jsonx_get(o, s->either[0]) == NULL &&
        jsonx_get(o, s->either[1]) == NULL)
        return md_err_set(err, MD_ERR_PARSE, "field %s%s%s: missing", path, len > 0 ? "." : "",
                          s->either[0]);
    return MD_OK;
}

md_status op_check(const struct op_field *root, const cJSON *v, const char *where,
                   struct md_err *err)
{
    char path[256];
    snprintf(path, sizeof(path), "%s", where);
    return check_value(root, v, path, strlen(path), sizeof(path), err);
}

md_status op_check_reply(const struct op_shape *s, const cJSON *reply, struct md_err *err)
{
    const struct op_field root = {"", OP_F_OBJ, true, s};
    return op_check(&root, reply, "", err);
}

/*
 * mlflow_check.c - the shape every MLflow record must have before it is
 * mapped (mlflow_map.c). The mappers read missing or mistyped fields as
 * empty, which is right for what MLflow omits (unset fields) but wrong for
 * what it never sends: a null, or a string where a number belongs. Such a
 * reply mapped "tolerantly" becomes rows with empty aliases that replace a
 * good cached snapshot, so it is refused here with the field's path.
 *
 * What MLflow 3 really sends (recorded from a live server): ids, names,
 * versions and aliases as strings; timestamps and steps as numbers (int64
 * as decimal strings is also proto3's JSON spelling, so that is allowed);
 * metric values as numbers or "NaN"/"Infinity"/"-Infinity". Absent fields
 * are fine unless the record means nothing without them; unknown fields are
 * ignored, so a newer server's additions never fail a reply.
 */
#include "mlflow_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

enum ftype {
    F_STR,  /* a string */
    F_INT,  /* a number, or a string holding a decimal integer */
    F_NUM,  /* a number, or a string holding one (NaN and the infinities included) */
    F_OBJ,  /* an object of shape sub */
    F_OBJS, /* an array of objects of shape sub */
    F_STRS, /* an array of strings */
};

struct shape;

struct field {
    const char *key;
    enum ftype t;
    bool required;
    const struct shape *sub;
};

struct shape {
    const struct field *f;
    size_t n;
    /* at least one of these two must be present (run_id, or the deprecated run_uuid) */
    const char *either[2];
};

#define SHAPE(fields)                                                                              \
    {                                                                                              \
        fields, sizeof(fields) / sizeof(fields[0]),                                                \
        {                                                                                          \
            NULL, NULL                                                                             \
        }                                                                                          \
    }

static const struct field kv_fields[] = {
    {"key", F_STR, true, NULL},
    {"value", F_STR, false, NULL},
};
static const struct shape kv = SHAPE(kv_fields);

static const struct field experiment_fields[] = {
    {"experiment_id", F_STR, true, NULL},     {"name", F_STR, true, NULL},
    {"lifecycle_stage", F_STR, false, NULL},  {"creation_time", F_INT, false, NULL},
    {"last_update_time", F_INT, false, NULL}, {"tags", F_OBJS, false, &kv},
};
static const struct shape experiment = SHAPE(experiment_fields);

static const struct field metric_fields[] = {
    {"key", F_STR, true, NULL},   {"value", F_NUM, false, NULL},  {"timestamp", F_INT, false, NULL},
    {"step", F_INT, false, NULL}, {"run_id", F_STR, false, NULL},
};
static const struct shape metric = SHAPE(metric_fields);

static const struct field info_fields[] = {
    {"run_id", F_STR, false, NULL},          {"run_uuid", F_STR, false, NULL},
    {"run_name", F_STR, false, NULL},        {"experiment_id", F_STR, false, NULL},
    {"user_id", F_STR, false, NULL},         {"status", F_STR, false, NULL},
    {"start_time", F_INT, false, NULL},      {"end_time", F_INT, false, NULL},
    {"lifecycle_stage", F_STR, false, NULL},
};
static const struct shape info = {
    info_fields, sizeof(info_fields) / sizeof(info_fields[0]), {"run_id", "run_uuid"}};

static const struct field data_fields[] = {
    {"metrics", F_OBJS, false, &metric},
    {"params", F_OBJS, false, &kv},
    {"tags", F_OBJS, false, &kv},
};
static const struct shape data = SHAPE(data_fields);

static const struct field dataset_fields[] = {
    {"name", F_STR, false, NULL},
    {"digest", F_STR, false, NULL},
    {"source_type", F_STR, false, NULL},
    {"source", F_STR, false, NULL},
};
static const struct shape dataset = SHAPE(dataset_fields);

static const struct field input_fields[] = {
    {"tags", F_OBJS, false, &kv},
    {"dataset", F_OBJ, false, &dataset},
};
static const struct shape input = SHAPE(input_fields);

static const struct field inputs_fields[] = {
    {"dataset_inputs", F_OBJS, false, &input},
};
static const struct shape inputs = SHAPE(inputs_fields);

static const struct field run_fields[] = {
    {"info", F_OBJ, true, &info},
    {"data", F_OBJ, false, &data},
    {"inputs", F_OBJ, false, &inputs},
};
static const struct shape run = SHAPE(run_fields);

static const struct field alias_fields[] = {
    {"alias", F_STR, true, NULL},
    {"version", F_STR, true, NULL},
};
static const struct shape alias = SHAPE(alias_fields);

static const struct field model_fields[] = {
    {"name", F_STR, true, NULL},
    {"description", F_STR, false, NULL},
    {"creation_timestamp", F_INT, false, NULL},
    {"last_updated_timestamp", F_INT, false, NULL},
    {"aliases", F_OBJS, false, &alias},
    {"tags", F_OBJS, false, &kv},
};
static const struct shape model = SHAPE(model_fields);

static const struct field version_fields[] = {
    {"name", F_STR, true, NULL},
    {"version", F_STR, true, NULL},
    {"current_stage", F_STR, false, NULL},
    {"status", F_STR, false, NULL},
    {"source", F_STR, false, NULL},
    {"run_id", F_STR, false, NULL},
    {"user_id", F_STR, false, NULL},
    {"description", F_STR, false, NULL},
    {"creation_timestamp", F_INT, false, NULL},
    {"last_updated_timestamp", F_INT, false, NULL},
    {"aliases", F_STRS, false, NULL},
    {"tags", F_OBJS, false, &kv},
};
static const struct shape version = SHAPE(version_fields);

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

static md_status check_obj(const struct shape *s, const cJSON *o, char *path, size_t len,
                           size_t cap, struct md_err *err);

/*
 * One value at `path` (a buffer of `cap` bytes holding `len` of them); the
 * path grows in place for nested fields and is cut back after, so a deep
 * walk allocates nothing.
 */
static md_status check_value(const struct field *f, const cJSON *v, char *path, size_t len,
                             size_t cap, struct md_err *err)
{
    switch (f->t) {
    case F_STR:
        return cJSON_IsString(v) ? MD_OK : bad(err, path, "string", v);
    case F_INT:
        return is_int(v) ? MD_OK : bad(err, path, "integer", v);
    case F_NUM:
        return is_num(v) ? MD_OK : bad(err, path, "number", v);
    case F_OBJ:
        if (!cJSON_IsObject(v))
            return bad(err, path, "object", v);
        return check_obj(f->sub, v, path, len, cap, err);
    case F_OBJS:
    case F_STRS:
        break;
    }
    if (!cJSON_IsArray(v))
        return bad(err, path, "array", v);
    size_t i = 0;
    for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
        int n = snprintf(path + len, cap - len, "[%zu]", i);
        size_t l2 = n > 0 && (size_t)n < cap - len ? len + (size_t)n : len;
        md_status st;
        if (f->t == F_STRS)
            st = cJSON_IsString(it) ? MD_OK : bad(err, path, "string", it);
        else if (!cJSON_IsObject(it))
            st = bad(err, path, "object", it);
        else
            st = check_obj(f->sub, it, path, l2, cap, err);
        path[len] = '\0';
        if (st != MD_OK)
            return st;
    }
    return MD_OK;
}

static md_status check_obj(const struct shape *s, const cJSON *o, char *path, size_t len,
                           size_t cap, struct md_err *err)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct field *f = &s->f[i];
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

md_status mlflow_check(enum mlflow_shape what, const cJSON *v, const char *where,
                       struct md_err *err)
{
    static const struct field roots[] = {
        [MLFLOW_SHAPE_EXPERIMENT] = {"", F_OBJ, true, &experiment},
        [MLFLOW_SHAPE_RUN] = {"", F_OBJ, true, &run},
        [MLFLOW_SHAPE_MODEL] = {"", F_OBJ, true, &model},
        [MLFLOW_SHAPE_VERSION] = {"", F_OBJ, true, &version},
        [MLFLOW_SHAPE_POINT] = {"", F_OBJ, true, &metric},
    };
    char path[256];
    snprintf(path, sizeof(path), "%s", where);
    return check_value(&roots[what], v, path, strlen(path), sizeof(path), err);
}

md_status mlflow_check_token(const cJSON *root, struct md_err *err)
{
    const cJSON *v = jsonx_get(root, "next_page_token");
    if (v == NULL || cJSON_IsString(v))
        return MD_OK;
    return bad(err, "next_page_token", "string", v);
}

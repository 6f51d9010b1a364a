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
 * ignored, so a newer server's additions never fail a reply. The walker
 * is the one every backend shares (op_check.c).
 */
#include "mlflow_int.h"

#include <stdio.h>
#include <string.h>

#include "backends/op_check.h"
#include "base/jsonx_int.h"

static const struct op_field kv_fields[] = {
    {"key", OP_F_STR, true, NULL},
    {"value", OP_F_STR, false, NULL},
};
static const struct op_shape kv = OP_SHAPE(kv_fields);

static const struct op_field experiment_fields[] = {
    {"experiment_id", OP_F_STR, true, NULL},     {"name", OP_F_STR, true, NULL},
    {"lifecycle_stage", OP_F_STR, false, NULL},  {"creation_time", OP_F_INT, false, NULL},
    {"last_update_time", OP_F_INT, false, NULL}, {"tags", OP_F_OBJS, false, &kv},
};
static const struct op_shape experiment = OP_SHAPE(experiment_fields);

static const struct op_field metric_fields[] = {
    {"key", OP_F_STR, true, NULL},        {"value", OP_F_NUM, false, NULL},
    {"timestamp", OP_F_INT, false, NULL}, {"step", OP_F_INT, false, NULL},
    {"run_id", OP_F_STR, false, NULL},
};
static const struct op_shape metric = OP_SHAPE(metric_fields);

static const struct op_field info_fields[] = {
    {"run_id", OP_F_STR, false, NULL},          {"run_uuid", OP_F_STR, false, NULL},
    {"run_name", OP_F_STR, false, NULL},        {"experiment_id", OP_F_STR, false, NULL},
    {"user_id", OP_F_STR, false, NULL},         {"status", OP_F_STR, false, NULL},
    {"start_time", OP_F_INT, false, NULL},      {"end_time", OP_F_INT, false, NULL},
    {"lifecycle_stage", OP_F_STR, false, NULL},
};
static const struct op_shape info = {
    info_fields, sizeof(info_fields) / sizeof(info_fields[0]), {"run_id", "run_uuid"}};

static const struct op_field data_fields[] = {
    {"metrics", OP_F_OBJS, false, &metric},
    {"params", OP_F_OBJS, false, &kv},
    {"tags", OP_F_OBJS, false, &kv},
};
static const struct op_shape data = OP_SHAPE(data_fields);

static const struct op_field dataset_fields[] = {
    {"name", OP_F_STR, false, NULL},
    {"digest", OP_F_STR, false, NULL},
    {"source_type", OP_F_STR, false, NULL},
    {"source", OP_F_STR, false, NULL},
};
static const struct op_shape dataset = OP_SHAPE(dataset_fields);

static const struct op_field input_fields[] = {
    {"tags", OP_F_OBJS, false, &kv},
    {"dataset", OP_F_OBJ, false, &dataset},
};
static const struct op_shape input = OP_SHAPE(input_fields);

static const struct op_field inputs_fields[] = {
    {"dataset_inputs", OP_F_OBJS, false, &input},
};
static const struct op_shape inputs = OP_SHAPE(inputs_fields);

static const struct op_field run_fields[] = {
    {"info", OP_F_OBJ, true, &info},
    {"data", OP_F_OBJ, false, &data},
    {"inputs", OP_F_OBJ, false, &inputs},
};
static const struct op_shape run = OP_SHAPE(run_fields);

static const struct op_field alias_fields[] = {
    {"alias", OP_F_STR, true, NULL},
    {"version", OP_F_STR, true, NULL},
};
static const struct op_shape alias = OP_SHAPE(alias_fields);

static const struct op_field model_fields[] = {
    {"name", OP_F_STR, true, NULL},
    {"description", OP_F_STR, false, NULL},
    {"creation_timestamp", OP_F_INT, false, NULL},
    {"last_updated_timestamp", OP_F_INT, false, NULL},
    {"aliases", OP_F_OBJS, false, &alias},
    {"tags", OP_F_OBJS, false, &kv},
};
static const struct op_shape model = OP_SHAPE(model_fields);

static const struct op_field version_fields[] = {
    {"name", OP_F_STR, true, NULL},
    {"version", OP_F_STR, true, NULL},
    {"current_stage", OP_F_STR, false, NULL},
    {"status", OP_F_STR, false, NULL},
    {"source", OP_F_STR, false, NULL},
    {"run_id", OP_F_STR, false, NULL},
    {"user_id", OP_F_STR, false, NULL},
    {"description", OP_F_STR, false, NULL},
    {"creation_timestamp", OP_F_INT, false, NULL},
    {"last_updated_timestamp", OP_F_INT, false, NULL},
    {"aliases", OP_F_STRS, false, NULL},
    {"tags", OP_F_OBJS, false, &kv},
};
static const struct op_shape version = OP_SHAPE(version_fields);

md_status mlflow_check(enum mlflow_shape what, const cJSON *v, const char *where,
                       struct md_err *err)
{
    static const struct op_field roots[] = {
        [MLFLOW_SHAPE_EXPERIMENT] = {"", OP_F_OBJ, true, &experiment},
        [MLFLOW_SHAPE_RUN] = {"", OP_F_OBJ, true, &run},
        [MLFLOW_SHAPE_MODEL] = {"", OP_F_OBJ, true, &model},
        [MLFLOW_SHAPE_VERSION] = {"", OP_F_OBJ, true, &version},
        [MLFLOW_SHAPE_POINT] = {"", OP_F_OBJ, true, &metric},
    };
    return op_check(&roots[what], v, where, err);
}

md_status mlflow_check_token(const cJSON *root, struct md_err *err)
{
    const cJSON *v = jsonx_get(root, "next_page_token");
    if (v == NULL || cJSON_IsString(v))
        return MD_OK;
    static const struct op_field token = {"", OP_F_STR, false, NULL};
    return op_check(&token, v, "next_page_token", err);
}

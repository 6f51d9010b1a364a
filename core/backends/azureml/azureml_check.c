/*
 * azureml_check.c - what an Azure Resource Manager reply may weigh and, for
 * the pages the endpoint and job screens are built from, the JSON type of
 * every field mapped (the shared machinery of op_check.c). ARM chooses its
 * page size (`count` and `$top` are hints), so a page is capped for
 * AZUREML_CAP_PAGE resources, far above what ARM sends; a reply past it is
 * cut while it arrives instead of being buffered whole. A page that fails
 * its shape fails the list, so it never becomes the cached snapshot.
 * Unknown members are ignored; only the name is required of a resource.
 */
#include "azureml_int.h"

#include "backends/op_check.h"

#define KIB OP_KIB
#define MIB OP_MIB

/* Resources one ARM page is assumed to hold at most, for its cap (the names below say it). */
#define AZUREML_CAP_PAGE 500

static const struct op_cap caps[] = {
    [AZ_R_EP_PAGE] = {"an onlineEndpoints page (up to 500)", 256 * KIB, 8 * KIB},
    [AZ_R_EP_ONE] = {"onlineEndpoints/{name}", 1 * MIB, 0},
    [AZ_R_DEP_PAGE] = {"a deployments page (up to 500)", 256 * KIB, 16 * KIB},
    [AZ_R_JOB_PAGE] = {"a jobs page (up to 500)", 256 * KIB, 16 * KIB},
    [AZ_R_T_PUT] = {"traffic update", 1 * MIB, 0},
    [AZ_R_T_POLL] = {"operation status", 1 * MIB, 0},
    [AZ_R_T_LOC] = {"operation location", 1 * MIB, 0},
    [AZ_R_T_STATE] = {"onlineEndpoints/{name}", 1 * MIB, 0},
    [AZ_R_T_VERIFY] = {"onlineEndpoints/{name}", 1 * MIB, 0},
    [AZ_R_SCHED_PAGE] = {"a schedules page (up to 500)", 256 * KIB, 16 * KIB},
};

void azureml_call_cap(struct op_call *c)
{
    if (c->role < 0 || (size_t)c->role >= sizeof(caps) / sizeof(caps[0]) ||
        caps[c->role].name == NULL)
        return;
    const struct op_cap *cap = &caps[c->role];
    op_call_cap(c, cap, cap->per_item > 0 ? AZUREML_CAP_PAGE : 0);
    c->cap_page = 0; /* no page size was asked for: the name says what the cap assumes */
}

/* ---- shapes ----------------------------------------------------------------------------- */

static const struct op_field system_fields[] = {
    {"createdAt", OP_F_TIME, false, NULL},
    {"lastModifiedAt", OP_F_TIME, false, NULL},
    {"createdBy", OP_F_STR, false, NULL},
    {"lastModifiedBy", OP_F_STR, false, NULL},
};
static const struct op_shape system_data = OP_SHAPE(system_fields);

static const struct op_field endpoint_props_fields[] = {
    {"provisioningState", OP_F_STR, false, NULL}, {"traffic", OP_F_MAP, false, NULL},
    {"mirrorTraffic", OP_F_MAP, false, NULL},     {"scoringUri", OP_F_STR, false, NULL},
    {"authMode", OP_F_STR, false, NULL},          {"description", OP_F_STR, false, NULL},
};
static const struct op_shape endpoint_props = OP_SHAPE(endpoint_props_fields);

static const struct op_field endpoint_fields[] = {
    {"name", OP_F_STR, true, NULL},
    {"id", OP_F_STR, false, NULL},
    {"location", OP_F_STR, false, NULL},
    {"properties", OP_F_OBJ, false, &endpoint_props},
    {"systemData", OP_F_OBJ, false, &system_data},
    {"tags", OP_F_OBJ, false, NULL},
};
static const struct op_shape endpoint = OP_SHAPE(endpoint_fields);

static const struct op_field sku_fields[] = {
    {"name", OP_F_STR, false, NULL},
    {"capacity", OP_F_INT, false, NULL},
};
static const struct op_shape sku = OP_SHAPE(sku_fields);

static const struct op_field deployment_props_fields[] = {
    {"model", OP_F_STR, false, NULL},        {"provisioningState", OP_F_STR, false, NULL},
    {"instanceType", OP_F_STR, false, NULL}, {"endpointComputeType", OP_F_STR, false, NULL},
    {"description", OP_F_STR, false, NULL},
};
static const struct op_shape deployment_props = OP_SHAPE(deployment_props_fields);

static const struct op_field deployment_fields[] = {
    {"name", OP_F_STR, true, NULL},
    {"id", OP_F_STR, false, NULL},
    {"properties", OP_F_OBJ, false, &deployment_props},
    {"sku", OP_F_OBJ, false, &sku},
    {"systemData", OP_F_OBJ, false, &system_data},
};
static const struct op_shape deployment = OP_SHAPE(deployment_fields);

static const struct op_field job_props_fields[] = {
    {"experimentName", OP_F_STR, false, NULL}, {"status", OP_F_STR, false, NULL},
    {"displayName", OP_F_STR, false, NULL},    {"jobType", OP_F_STR, false, NULL},
    {"parentJobName", OP_F_STR, false, NULL},
};
static const struct op_shape job_props = OP_SHAPE(job_props_fields);

static const struct op_field job_fields[] = {
    {"name", OP_F_STR, true, NULL},
    {"properties", OP_F_OBJ, false, &job_props},
    {"systemData", OP_F_OBJ, false, &system_data},
};
static const struct op_shape job = OP_SHAPE(job_fields);

#define PAGE_OF(shape, items)                                                                      \
    static const struct op_field shape##_page_fields[] = {                                         \
        {"value", OP_F_OBJS, false, &items},                                                       \
        {"nextLink", OP_F_STR, false, NULL},                                                       \
    };                                                                                             \
    static const struct op_shape shape##_page = OP_SHAPE(shape##_page_fields)

PAGE_OF(endpoints, endpoint);
PAGE_OF(deployments, deployment);
PAGE_OF(jobs, job);

md_status azureml_check_reply(int role, const cJSON *reply, struct md_err *err)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(reply, "value");
    bool page = value == NULL || !cJSON_IsNull(value); /* ARM's empty page may say null */
    switch (role) {
    case AZ_R_EP_PAGE:
        return page ? op_check_reply(&endpoints_page, reply, err) : MD_OK;
    case AZ_R_DEP_PAGE:
        return page ? op_check_reply(&deployments_page, reply, err) : MD_OK;
    case AZ_R_JOB_PAGE:
        return page ? op_check_reply(&jobs_page, reply, err) : MD_OK;
    case AZ_R_EP_ONE:
        return op_check_reply(&endpoint, reply, err);
    default:
        return MD_OK;
    }
}

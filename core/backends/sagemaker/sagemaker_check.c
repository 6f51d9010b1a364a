/*
 * sagemaker_check.c - what a SageMaker, CloudWatch or CloudTrail reply may
 * weigh and, for the replies the endpoint and registry screens are built
 * from, the JSON type of every field mapped (the shared machinery of
 * op_check.c). A ListEndpoints page of 100 endpoints is a few hundred KiB;
 * without a cap per call every reply could be 64 MiB, buffered and parsed.
 * A reply that fails its shape fails the operation, so it never becomes the
 * cached snapshot. AWS omits unset members: only what a record means
 * nothing without is required; unknown members are ignored.
 */
#include "sagemaker_req.h"

#include <string.h>

#include "backends/op_check.h"
#include "base/jsonx_int.h"

#define KIB OP_KIB
#define MIB OP_MIB

/*
 * Per call name; per_item is for each record the request's MaxResults asks
 * for (GetMetricData: each query, up to 120 points of two numbers). Calls
 * not listed keep md_http's default.
 */
static const struct op_cap caps[] = {
    {"ListEndpoints", 64 * KIB, 4 * KIB},
    {"ListEndpointConfigs", 64 * KIB, 2 * KIB},
    {"ListTrainingJobs", 64 * KIB, 4 * KIB},
    {"ListModelPackageGroups", 64 * KIB, 4 * KIB},
    {"ListModelPackages", 64 * KIB, 8 * KIB},
    {"LookupEvents", 64 * KIB, 16 * KIB},
    {"DescribeAlarmHistory", 64 * KIB, 8 * KIB},
    {"DescribeEndpoint", 1 * MIB, 0},
    {"DescribeEndpointConfig", 1 * MIB, 0},
    {"DescribeModel", 1 * MIB, 0},
    {"DescribeModelPackage", 1 * MIB, 0},
    {"DescribeTrainingJob", 2 * MIB, 0},
    {"GetMetricData", 256 * KIB, 8 * KIB},
    {"UpdateEndpoint", 1 * MIB, 0},
    {"UpdateEndpointWeightsAndCapacities", 1 * MIB, 0},
    {"UpdateModelPackage", 1 * MIB, 0},
    {"CreateEndpoint", 1 * MIB, 0},
    {"CreateEndpointConfig", 1 * MIB, 0},
    {"DeleteEndpoint", 1 * MIB, 0},
    {"DeleteEndpointConfig", 1 * MIB, 0},
};

void sm_call_cap(struct op_call *c, size_t page)
{
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        if (c->name != NULL && strcmp(caps[i].name, c->name) == 0) {
            op_call_cap(c, &caps[i], caps[i].per_item > 0 ? page : 0);
            return;
        }
    }
}

/* ---- shapes ----------------------------------------------------------------------------- */

static const struct op_field endpoint_summary_fields[] = {
    {"EndpointName", OP_F_STR, true, NULL},       {"EndpointArn", OP_F_STR, false, NULL},
    {"EndpointStatus", OP_F_STR, false, NULL},    {"CreationTime", OP_F_TIME, false, NULL},
    {"LastModifiedTime", OP_F_TIME, false, NULL},
};
static const struct op_shape endpoint_summary = OP_SHAPE(endpoint_summary_fields);

static const struct op_field list_endpoints_fields[] = {
    {"Endpoints", OP_F_OBJS, true, &endpoint_summary},
    {"NextToken", OP_F_STR, false, NULL},
};
static const struct op_shape list_endpoints = OP_SHAPE(list_endpoints_fields);

static const struct op_field variant_fields[] = {
    {"VariantName", OP_F_STR, true, NULL},
    {"ModelName", OP_F_STR, false, NULL},
    {"CurrentWeight", OP_F_NUM, false, NULL},
    {"DesiredWeight", OP_F_NUM, false, NULL},
    {"InitialVariantWeight", OP_F_NUM, false, NULL},
    {"CurrentInstanceCount", OP_F_INT, false, NULL},
    {"InstanceType", OP_F_STR, false, NULL},
    {"DeployedImages", OP_F_OBJS, false, NULL},
    {"VariantStatus", OP_F_OBJS, false, NULL},
};
static const struct op_shape variant = OP_SHAPE(variant_fields);

static const struct op_field describe_endpoint_fields[] = {
    {"EndpointName", OP_F_STR, true, NULL},
    {"EndpointConfigName", OP_F_STR, false, NULL},
    {"EndpointStatus", OP_F_STR, false, NULL},
    {"FailureReason", OP_F_STR, false, NULL},
    {"CreationTime", OP_F_TIME, false, NULL},
    {"LastModifiedTime", OP_F_TIME, false, NULL},
    {"ProductionVariants", OP_F_OBJS, false, &variant},
    {"DataCaptureConfig", OP_F_OBJ, false, NULL},
};
static const struct op_shape describe_endpoint = OP_SHAPE(describe_endpoint_fields);

static const struct op_field describe_config_fields[] = {
    {"EndpointConfigName", OP_F_STR, true, NULL},
    {"CreationTime", OP_F_TIME, false, NULL},
    {"ProductionVariants", OP_F_OBJS, false, &variant},
};
static const struct op_shape describe_config = OP_SHAPE(describe_config_fields);

static const struct op_field config_summary_fields[] = {
    {"EndpointConfigName", OP_F_STR, true, NULL},
    {"EndpointConfigArn", OP_F_STR, false, NULL},
    {"CreationTime", OP_F_TIME, false, NULL},
};
static const struct op_shape config_summary = OP_SHAPE(config_summary_fields);

static const struct op_field list_configs_fields[] = {
    {"EndpointConfigs", OP_F_OBJS, true, &config_summary},
    {"NextToken", OP_F_STR, false, NULL},
};
static const struct op_shape list_configs = OP_SHAPE(list_configs_fields);

static const struct op_field job_summary_fields[] = {
    {"TrainingJobName", OP_F_STR, true, NULL},    {"TrainingJobArn", OP_F_STR, false, NULL},
    {"TrainingJobStatus", OP_F_STR, false, NULL}, {"CreationTime", OP_F_TIME, false, NULL},
    {"TrainingEndTime", OP_F_TIME, false, NULL},  {"LastModifiedTime", OP_F_TIME, false, NULL},
};
static const struct op_shape job_summary = OP_SHAPE(job_summary_fields);

static const struct op_field list_jobs_fields[] = {
    {"TrainingJobSummaries", OP_F_OBJS, true, &job_summary},
    {"NextToken", OP_F_STR, false, NULL},
};
static const struct op_shape list_jobs = OP_SHAPE(list_jobs_fields);

static const struct op_field group_fields[] = {
    {"ModelPackageGroupName", OP_F_STR, true, NULL},
    {"ModelPackageGroupArn", OP_F_STR, false, NULL},
    {"ModelPackageGroupStatus", OP_F_STR, false, NULL},
    {"CreationTime", OP_F_TIME, false, NULL},
};
static const struct op_shape group = OP_SHAPE(group_fields);

static const struct op_field list_groups_fields[] = {
    {"ModelPackageGroupSummaryList", OP_F_OBJS, true, &group},
    {"NextToken", OP_F_STR, false, NULL},
};
static const struct op_shape list_groups = OP_SHAPE(list_groups_fields);

static const struct op_field package_fields[] = {
    {"ModelPackageArn", OP_F_STR, true, NULL},
    {"ModelPackageGroupName", OP_F_STR, false, NULL},
    {"ModelPackageVersion", OP_F_INT, false, NULL},
    {"ModelPackageStatus", OP_F_STR, false, NULL},
    {"ModelApprovalStatus", OP_F_STR, false, NULL},
    {"CreationTime", OP_F_TIME, false, NULL},
};
static const struct op_shape package = OP_SHAPE(package_fields);

static const struct op_field list_packages_fields[] = {
    {"ModelPackageSummaryList", OP_F_OBJS, true, &package},
    {"NextToken", OP_F_STR, false, NULL},
};
static const struct op_shape list_packages = OP_SHAPE(list_packages_fields);

static const struct op_field metric_result_fields[] = {
    {"Id", OP_F_STR, true, NULL},          {"Label", OP_F_STR, false, NULL},
    {"StatusCode", OP_F_STR, false, NULL}, {"Timestamps", OP_F_TIMES, false, NULL},
    {"Values", OP_F_NUMS, false, NULL},
};
static const struct op_shape metric_result = OP_SHAPE(metric_result_fields);

static const struct op_field metric_data_fields[] = {
    {"MetricDataResults", OP_F_OBJS, false, &metric_result},
    {"NextToken", OP_F_STR, false, NULL},
};
static const struct op_shape metric_data = OP_SHAPE(metric_data_fields);

static const struct {
    const char *call;
    const struct op_shape *shape;
} shapes[] = {
    {"ListEndpoints", &list_endpoints},
    {"DescribeEndpoint", &describe_endpoint},
    {"DescribeEndpointConfig", &describe_config},
    {"ListEndpointConfigs", &list_configs},
    {"ListTrainingJobs", &list_jobs},
    {"ListModelPackageGroups", &list_groups},
    {"ListModelPackages", &list_packages},
    {"GetMetricData", &metric_data},
};

md_status sm_check_reply(const char *call, const cJSON *reply, struct md_err *err)
{
    for (size_t i = 0; call != NULL && i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        if (strcmp(shapes[i].call, call) == 0)
            return op_check_reply(shapes[i].shape, reply, err);
    }
    return MD_OK;
}

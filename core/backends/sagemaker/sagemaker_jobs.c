/*
 * sagemaker_jobs.c - training jobs as experiments and runs, and the model
 * registry (model package groups and packages) as models and versions.
 */
#include "sagemaker_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"

/* ---- training jobs ---------------------------------------------------------------------- */

/* Stopping still runs; Stopped and Deleting end like a killed MLflow run. */
static enum md_run_status job_status(const char *s)
{
    static const struct {
        const char *name;
        enum md_run_status st;
    } map[] = {{"InProgress", MD_RUN_RUNNING}, {"Stopping", MD_RUN_RUNNING},
               {"Completed", MD_RUN_FINISHED}, {"Failed", MD_RUN_FAILED},
               {"Stopped", MD_RUN_KILLED},     {"Deleting", MD_RUN_KILLED}};
    for (size_t i = 0; s != NULL && i < MD_ARRAY_LEN(map); i++) {
        if (strcmp(s, map[i].name) == 0)
            return map[i].st;
    }
    return MD_RUN_UNKNOWN;
}

/* Channel names as MLflow's dataset contexts where they say the same thing. */
static const char *channel_context(const char *ch)
{
    if (ch == NULL)
        return "";
    if (strcasecmp(ch, "train") == 0 || strcasecmp(ch, "training") == 0)
        return "training";
    if (strcasecmp(ch, "validation") == 0 || strcasecmp(ch, "val") == 0 ||
        strcasecmp(ch, "eval") == 0)
        return "validation";
    if (strcasecmp(ch, "test") == 0 || strcasecmp(ch, "testing") == 0)
        return "test";
    return ch;
}

/* The fields a ListTrainingJobs summary and a DescribeTrainingJob reply share. */
static void map_run_common(const cJSON *o, struct md_run *r)
{
    r->id = jsonx_str(o, "TrainingJobName");
    r->name = jsonx_str(o, "TrainingJobName");
    r->experiment_id = sm_name_stem(r->id);
    r->user = md_xstrdup("");
    r->status = job_status(jsonx_str_raw(o, "TrainingJobStatus"));
    r->start_time = sm_ts_ms(o, "TrainingStartTime");
    if (r->start_time == 0)
        r->start_time = sm_ts_ms(o, "CreationTime");
    r->end_time = sm_ts_ms(o, "TrainingEndTime");
    sm_kv_add(&r->tags, "sagemaker.arn", jsonx_str_raw(o, "TrainingJobArn"));
    const char *sec = jsonx_str_raw(o, "SecondaryStatus");
    if (sec != NULL)
        sm_kv_add(&r->tags, "sagemaker.secondary_status", sec);
}

/* A whole job: hyperparameters as params, final metrics, input channels as datasets. */
static md_status map_run_full(const cJSON *o, struct md_run *r, struct md_err *err)
{
    const cJSON *hp = jsonx_get(o, "HyperParameters");
    const cJSON *metrics = NULL;
    const cJSON *inputs = NULL;
    md_status st = jsonx_list(o, "FinalMetricDataList", SM_MAX_RECORD_ITEMS, &metrics, err);
    if (st == MD_OK)
        st = jsonx_list(o, "InputDataConfig", SM_MAX_RECORD_ITEMS, &inputs, err);
    if (st == MD_OK && cJSON_IsObject(hp) && jsonx_count(hp) > SM_MAX_RECORD_ITEMS)
        st = md_err_set(err, MD_ERR_TOO_BIG, "too many hyperparameters");
    map_run_common(o, r);
    if (st != MD_OK)
        return st;
    for (const cJSON *it = cJSON_IsObject(hp) ? hp->child : NULL; it != NULL; it = it->next) {
        char *v = jsonx_value_dup(it);
        sm_kv_add(&r->params, it->string, v);
        free(v);
    }
    if (r->params.n > 1)
        qsort(r->params.v, r->params.n, sizeof(*r->params.v), sm_kv_cmp);
    size_t n = jsonx_count(metrics);
    if (n > 0)
        r->metrics = md_xcalloc(n, sizeof(*r->metrics));
    for (const cJSON *it = n ? metrics->child : NULL; it != NULL; it = it->next) {
        const char *k = jsonx_str_raw(it, "MetricName");
        if (k == NULL)
            continue;
        struct md_metric *m = &r->metrics[r->n_metrics++];
        m->key = md_xstrdup_clean(k);
        m->value = jsonx_double(it, "Value", NAN);
        m->timestamp = sm_ts_ms(it, "Timestamp");
    }
    n = jsonx_count(inputs);
    if (n > 0)
        r->inputs = md_xcalloc(n, sizeof(*r->inputs));
    for (const cJSON *it = n ? inputs->child : NULL; it != NULL; it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        const cJSON *ds = jsonx_get(it, "DataSource");
        const cJSON *s3 = jsonx_get(ds, "S3DataSource");
        const cJSON *fs = jsonx_get(ds, "FileSystemDataSource");
        struct md_dataset_input *d = &r->inputs[r->n_inputs++];
        d->name = jsonx_str(it, "ChannelName");
        d->digest = md_xstrdup("");
        d->context = md_xstrdup_clean(channel_context(jsonx_str_raw(it, "ChannelName")));
        if (cJSON_IsObject(fs)) {
            d->source_type = jsonx_str(fs, "FileSystemType");
            char *id = jsonx_str(fs, "FileSystemId");
            char *dir = jsonx_str(fs, "DirectoryPath");
            d->source = md_xasprintf("%s:%s", id, dir);
            free(id);
            free(dir);
        } else {
            d->source_type = md_xstrdup("s3");
            d->source = jsonx_str(s3, "S3Uri");
        }
    }
    static const struct {
        const char *tag;
        const char *obj;
        const char *key;
    } extra[] = {
        {"sagemaker.image", "AlgorithmSpecification", "TrainingImage"},
        {"sagemaker.algorithm", "AlgorithmSpecification", "AlgorithmName"},
        {"sagemaker.instance_type", "ResourceConfig", "InstanceType"},
        {"sagemaker.model_artifacts", "ModelArtifacts", "S3ModelArtifacts"},
        {"sagemaker.output_path", "OutputDataConfig", "S3OutputPath"},
        {"sagemaker.failure_reason", NULL, "FailureReason"},
        {"sagemaker.role", NULL, "RoleArn"},
    };
    for (size_t i = 0; i < MD_ARRAY_LEN(extra); i++) {
        const cJSON *src = extra[i].obj != NULL ? jsonx_get(o, extra[i].obj) : o;
        const char *v = jsonx_str_raw(src, extra[i].key);
        if (v != NULL && v[0] != '\0')
            sm_kv_add(&r->tags, extra[i].tag, v);
    }
    const cJSON *cnt = jsonx_get(jsonx_get(o, "ResourceConfig"), "InstanceCount");
    if (cJSON_IsNumber(cnt))
        sm_kv_add_num(&r->tags, "sagemaker.instance_count", cnt->valuedouble);
    return MD_OK;
}

/* Newest first, as MLflow lists runs; the name breaks ties for a stable order. */
static int run_cmp(const void *pa, const void *pb)
{
    const struct md_run *a = pa;
    const struct md_run *b = pb;
    if (a->start_time != b->start_time)
        return a->start_time > b->start_time ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* Summaries (one page) merged with the describes the backend fetched for them. */
md_status sm_parse_runs(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *sums = NULL;
    const cJSON *jobs = NULL;
    md_status st = jsonx_list(root, "TrainingJobSummaries", SM_MAX_ITEMS, &sums, err);
    if (st == MD_OK)
        st = jsonx_list(root, "TrainingJobs", SM_MAX_ITEMS, &jobs, err);
    const cJSON *list = sums != NULL && sums->child != NULL ? sums : jobs;
    for (const cJSON *it = list != NULL ? list->child : NULL; st == MD_OK && it != NULL;
         it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        const char *name = jsonx_str_raw(it, "TrainingJobName");
        const cJSON *full = list == jobs ? it : sm_find_by(jobs, "TrainingJobName", name);
        struct md_run *r = md_run_list_push(&out->runs);
        if (full != NULL)
            st = map_run_full(full, r, err);
        else
            map_run_common(it, r);
    }
    if (st == MD_OK && out->runs.n > 1)
        qsort(out->runs.v, out->runs.n, sizeof(*out->runs.v), run_cmp);
    return st;
}

md_status sm_parse_run(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const char *name = jsonx_str_raw(root, "TrainingJobName");
    if (name == NULL || name[0] == '\0')
        return md_err_set(err, MD_ERR_PARSE, "reply has no 'TrainingJobName'");
    return map_run_full(root, md_run_list_push(&out->runs), err);
}

/* Most recently active first, as the MLflow backend orders experiments. */
static int experiment_cmp(const void *pa, const void *pb)
{
    const struct md_experiment *a = pa;
    const struct md_experiment *b = pb;
    if (a->updated != b->updated)
        return a->updated > b->updated ? -1 : 1;
    return strcmp(a->id, b->id);
}

/*
 * One pseudo-experiment per job-name stem (sm_name_stem): SageMaker has no
 * experiment a training job must belong to, and the SDK names jobs
 * "<base>-<timestamp>", so the base groups the runs of one model.
 */
md_status sm_parse_experiments(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "TrainingJobSummaries", SM_MAX_ITEMS, &arr, err);
    if (st != MD_OK)
        return st;
    struct md_experiment_list *l = &out->experiments;
    size_t *count = NULL;
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next) {
        const char *name = jsonx_str_raw(it, "TrainingJobName");
        if (!cJSON_IsObject(it) || name == NULL || name[0] == '\0')
            continue;
        char *stem = sm_name_stem(name);
        size_t i = 0;
        while (i < l->n && strcmp(l->v[i].id, stem) != 0)
            i++;
        int64_t created = sm_ts_ms(it, "CreationTime");
        int64_t updated = sm_ts_ms(it, "LastModifiedTime");
        if (updated < created)
            updated = created;
        if (i == l->n) {
            struct md_experiment *e = md_experiment_list_push(l);
            e->id = stem;
            e->name = md_xstrdup(stem);
            e->lifecycle = md_xstrdup("active");
            e->created = created;
            e->updated = updated;
            count = md_xrealloc(count, l->alloc * sizeof(*count));
            count[i] = 0;
        } else {
            free(stem);
            struct md_experiment *e = &l->v[i];
            if (created != 0 && (e->created == 0 || created < e->created))
                e->created = created;
            if (updated > e->updated)
                e->updated = updated;
        }
        count[i]++;
    }
    for (size_t i = 0; i < l->n; i++)
        sm_kv_add_num(&l->v[i].tags, "sagemaker.training_jobs", (double)count[i]);
    free(count);
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), experiment_cmp);
    return MD_OK;
}

/* ---- model registry --------------------------------------------------------------------- */

md_status sm_parse_models(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "ModelPackageGroupSummaryList", SM_MAX_ITEMS, &arr, err);
    for (const cJSON *it = arr != NULL ? arr->child : NULL; st == MD_OK && it != NULL;
         it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        struct md_registered_model *m = md_model_list_push(&out->models);
        m->name = jsonx_str(it, "ModelPackageGroupName");
        m->description = jsonx_str(it, "ModelPackageGroupDescription");
        m->created = sm_ts_ms(it, "CreationTime");
        m->updated = m->created;
        sm_kv_add(&m->tags, "sagemaker.arn", jsonx_str_raw(it, "ModelPackageGroupArn"));
        sm_kv_add(&m->tags, "sagemaker.status", jsonx_str_raw(it, "ModelPackageGroupStatus"));
    }
    return st;
}

/* Numeric versions, newest first; anything else after them by text. */
static int version_cmp(const void *pa, const void *pb)
{
    const char *a = ((const struct md_model_version *)pa)->version;
    const char *b = ((const struct md_model_version *)pb)->version;
    long va = 0;
    long vb = 0;
    bool na = md_parse_long(a, 0, 1L << 40, &va) == MD_OK;
    bool nb = md_parse_long(b, 0, 1L << 40, &vb) == MD_OK;
    if (na != nb)
        return na ? -1 : 1;
    if (na && va != vb)
        return va > vb ? -1 : 1;
    return strcmp(b, a);
}

/* Model packages: the approval status is the stage a registry view shows. */
md_status sm_parse_versions(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "ModelPackageSummaryList", SM_MAX_ITEMS, &arr, err);
    for (const cJSON *it = arr != NULL ? arr->child : NULL; st == MD_OK && it != NULL;
         it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        struct md_model_version *v = md_version_list_push(&out->versions);
        const char *group = jsonx_str_raw(it, "ModelPackageGroupName");
        v->model = md_xstrdup_clean(group != NULL ? group : jsonx_str_raw(it, "ModelPackageName"));
        v->version = jsonx_str(it, "ModelPackageVersion");
        v->stage = jsonx_str(it, "ModelApprovalStatus");
        v->status = jsonx_str(it, "ModelPackageStatus");
        v->source = jsonx_str(it, "ModelPackageArn");
        v->run_id = md_xstrdup("");
        v->user = md_xstrdup("");
        v->description = jsonx_str(it, "ModelPackageDescription");
        v->created = sm_ts_ms(it, "CreationTime");
        v->updated = v->created;
    }
    if (st == MD_OK && out->versions.n > 1)
        qsort(out->versions.v, out->versions.n, sizeof(*out->versions.v), version_cmp);
    return st;
}

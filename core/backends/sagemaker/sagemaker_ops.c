/*
 * sagemaker_ops.c - training jobs as experiments and runs, the model
 * registry as models and versions, and the three mutations (UpdateEndpoint,
 * UpdateEndpointWeightsAndCapacities, UpdateModelPackage).
 *
 * Mutations read first and then write everything they could otherwise
 * reset: moto (and AWS for some members) treats an omitted member as
 * "clear it", so weights go out with every variant's instance count, and
 * an approval goes out with the package's current description and
 * metadata. Only core/action/action.c calls them; md_http refuses them in
 * read-only mode whatever the caller.
 */
#include "sagemaker_req.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

/* Pages of ListTrainingJobs for the experiment list (100 jobs each). */
#define JOBS_MAX_PAGES 50
/* Pages looked through for one page of runs: moto filters after cutting a page. */
#define RUNS_MAX_PAGES 20
#define RUNS_DEFAULT 100
#define RUNS_MAX 500
#define REGISTRY_DEFAULT 100
#define REGISTRY_MAX_PAGES 20

/* A reply as a bundle member without its Environment map (it may hold secrets). */
static cJSON *without_env(const cJSON *reply)
{
    cJSON *c = sm_dup(reply);
    cJSON_DeleteItemFromObjectCaseSensitive(c, "Environment");
    return c;
}

/* The usual reply handler: pages feed the list, other replies only fail the operation. */
void sm_list_on_reply(struct sm_op *op, struct op_call *c, md_status st, const struct md_err *err,
                      const cJSON *reply)
{
    if (st != MD_OK)
        sm_op_fail(op, st, err->http_status, "%s", err->msg);
    else if (c->role == SM_ROLE_LIST)
        sm_list_page(op, reply);
}

/* ---- training jobs ---------------------------------------------------------------------- */

/* The experiment list is whole: a token would only split a stem's jobs across pages. */
static void experiments_done(struct sm_op *op)
{
    free(op->next_token);
    op->next_token = NULL;
}

/*
 * One pseudo-experiment per job-name stem (sm_name_stem), from every
 * training job: SageMaker has no experiment a job must belong to. The
 * page token and size are not used (the list is always whole).
 */
uint64_t sm_list_experiments(struct md_backend *be, const char *page_token, size_t max,
                             md_backend_cb cb, void *ud)
{
    (void)page_token;
    (void)max;
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_EXPERIMENTS, cb, ud,
                                 op_what("cannot list training jobs of '%s'", be->name));
    op->on_reply = sm_list_on_reply;
    op->on_done = experiments_done;
    cJSON *req = sm_obj();
    sm_num(req, "MaxResults", 100);
    sm_str(req, "SortBy", "CreationTime");
    sm_str(req, "SortOrder", "Descending");
    sm_list_start(op, MD_AWS_SAGEMAKER, "ListTrainingJobs", req, "TrainingJobSummaries", SIZE_MAX,
                  JOBS_MAX_PAGES, NULL);
    sm_op_start(op);
    return op->base.id;
}

/* NameContains matches "churn" in "churn-xgb-..." too: keep the exact stem only. */
static bool keep_stem(struct sm_op *op, const cJSON *item)
{
    char *stem = sm_name_stem(jsonx_str_raw(item, "TrainingJobName"));
    bool ok = strcmp(stem, op->arg1) == 0;
    free(stem);
    return ok;
}

/* A job deleted between list and describe is skipped; other failures leave a summary row. */
static void runs_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                          const struct md_err *err, const cJSON *reply)
{
    if (c->role == SM_ROLE_LIST) {
        sm_list_on_reply(op, c, st, err, reply);
    } else if (st == MD_OK) {
        op->ok++;
        sm_push(sm_arr(op->bundle, "TrainingJobs"), without_env(reply));
    } else if (st != MD_ERR_NOT_FOUND) {
        op->failed++;
        if (op->part_err.code == MD_OK)
            md_err_set_http(&op->part_err, st, err->http_status, "%s", err->msg);
    }
}

/* All describes failed: the page would hide why, so the first error is reported. */
static void runs_done(struct sm_op *op)
{
    if (op->ok == 0 && op->failed > 0)
        sm_op_fail(op, op->part_err.code, op->part_err.http_status, "%s", op->part_err.msg);
    else if (op->failed > 0)
        md_log(MD_LOG_WARN, "sagemaker '%s': %zu training job(s) could not be described: %s",
               op->sm->base.name, op->failed, op->part_err.msg);
}

/* A page of jobs in: describe each, for hyperparameters, metrics and inputs. */
static void runs_listed(struct sm_op *op)
{
    const cJSON *sums = jsonx_get(op->bundle, "TrainingJobSummaries");
    for (const cJSON *it = sums != NULL ? sums->child : NULL; it != NULL; it = it->next) {
        const char *name = jsonx_str_raw(it, "TrainingJobName");
        if (name == NULL || name[0] == '\0')
            continue;
        cJSON *body = sm_obj();
        sm_str(body, "TrainingJobName", name);
        sm_enqueue(op, MD_AWS_SAGEMAKER, "DescribeTrainingJob", SM_ROLE_JOB, body, name);
    }
    op->on_done = runs_done;
}

uint64_t sm_list_runs(struct md_backend *be, const struct md_runs_query *q, md_backend_cb cb,
                      void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    const char *exp = q != NULL && q->experiment_id != NULL ? q->experiment_id : "";
    struct sm_op *op =
        sm_op_new(sm, MD_RESULT_RUNS, cb, ud, op_what("cannot list training jobs of '%s'", exp));
    op->arg1 = md_xstrdup(exp);
    op->on_reply = runs_on_reply;
    op->on_done = runs_listed;
    op->list.keep = keep_stem;
    size_t want = q != NULL && q->max_results > 0 ? q->max_results : RUNS_DEFAULT;
    cJSON *req = sm_obj();
    sm_num(req, "MaxResults", 100);
    sm_str(req, "SortBy", "CreationTime");
    sm_str(req, "SortOrder", "Descending");
    if (exp[0] != '\0')
        sm_str(req, "NameContains", exp);
    sm_list_start(op, MD_AWS_SAGEMAKER, "ListTrainingJobs", req, "TrainingJobSummaries",
                  want > RUNS_MAX ? RUNS_MAX : want, RUNS_MAX_PAGES,
                  q != NULL ? q->page_token : NULL);
    sm_op_start(op);
    return op->base.id;
}

/* One job: its describe reply is the whole bundle. */
static void run_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                         const struct md_err *err, const cJSON *reply)
{
    (void)c;
    if (st != MD_OK) {
        sm_op_fail(op, st, err->http_status, "%s", err->msg);
        return;
    }
    cJSON_Delete(op->bundle);
    op->bundle = without_env(reply);
}

uint64_t sm_get_run(struct md_backend *be, const char *run_id, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op =
        sm_op_new(sm, MD_RESULT_RUN, cb, ud, op_what("cannot describe training job '%s'", run_id));
    op->on_reply = run_on_reply;
    cJSON *body = sm_obj();
    sm_str(body, "TrainingJobName", run_id);
    sm_enqueue(op, MD_AWS_SAGEMAKER, "DescribeTrainingJob", SM_ROLE_JOB, body, run_id);
    sm_op_start(op);
    return op->base.id;
}

/* ---- model registry --------------------------------------------------------------------- */

uint64_t sm_list_models(struct md_backend *be, const char *page_token, size_t max, md_backend_cb cb,
                        void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_MODELS, cb, ud,
                                 op_what("cannot list model package groups of '%s'", be->name));
    op->on_reply = sm_list_on_reply;
    cJSON *req = sm_obj();
    sm_num(req, "MaxResults", 100);
    sm_str(req, "SortBy", "CreationTime");
    sm_str(req, "SortOrder", "Descending");
    sm_list_start(op, MD_AWS_SAGEMAKER, "ListModelPackageGroups", req,
                  "ModelPackageGroupSummaryList", max > 0 ? max : REGISTRY_DEFAULT,
                  REGISTRY_MAX_PAGES, page_token);
    sm_op_start(op);
    return op->base.id;
}

/* ListModelPackages of one group (naming the group lists its versioned packages). */
static cJSON *packages_req(const char *group)
{
    cJSON *req = sm_obj();
    sm_str(req, "ModelPackageGroupName", group);
    sm_num(req, "MaxResults", 100);
    sm_str(req, "SortBy", "CreationTime");
    sm_str(req, "SortOrder", "Descending");
    return req;
}

uint64_t sm_list_versions(struct md_backend *be, const char *model, const char *page_token,
                          size_t max, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op =
        sm_op_new(sm, MD_RESULT_VERSIONS, cb, ud,
                  op_what("cannot list versions of model package group '%s'", model));
    op->on_reply = sm_list_on_reply;
    sm_list_start(op, MD_AWS_SAGEMAKER, "ListModelPackages", packages_req(model),
                  "ModelPackageSummaryList", max > 0 ? max : REGISTRY_DEFAULT, REGISTRY_MAX_PAGES,
                  page_token);
    sm_op_start(op);
    return op->base.id;
}

/* ---- mutations -------------------------------------------------------------------------- */

/*
 * Roll an endpoint onto another config. RetainAllVariantProperties false:
 * the target config's own weights and counts apply, as on a rollback.
 */
uint64_t sm_update_endpoint(struct md_backend *be, const char *endpoint, const char *config,
                            md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op =
        sm_op_new(sm, MD_RESULT_NONE, cb, ud,
                  op_what("cannot update endpoint '%s' to config '%s'", endpoint, config));
    cJSON *body = sm_obj();
    sm_str(body, "EndpointName", endpoint);
    sm_str(body, "EndpointConfigName", config);
    if (!cJSON_AddFalseToObject(body, "RetainAllVariantProperties"))
        md_die_oom();
    sm_enqueue(op, MD_AWS_SAGEMAKER, "UpdateEndpoint", SM_ROLE_MUTATE, body, endpoint);
    sm_op_start(op);
    return op->base.id;
}

/* The requested weight of a variant; NAN when the caller did not name it. */
static double wanted(const struct sm_op *op, const char *variant)
{
    for (size_t i = 0; variant != NULL && i < op->nw; i++) {
        if (strcmp(op->w_names[i], variant) == 0)
            return op->w_values[i];
    }
    return NAN;
}

/*
 * The endpoint as it is now: list every variant with its weight (the new
 * one, or its current desired weight) and its desired instance count, so
 * nothing the caller did not mean to change is reset.
 */
static void weights_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                             const struct md_err *err, const cJSON *reply)
{
    if (st != MD_OK || c->role != SM_ROLE_ENDPOINT) {
        if (st != MD_OK)
            sm_op_fail(op, st, err->http_status, "%s", err->msg);
        return;
    }
    const cJSON *pvs = jsonx_array(reply, "ProductionVariants", NULL);
    for (size_t i = 0; i < op->nw; i++) {
        if (sm_find_by(pvs, "VariantName", op->w_names[i]) == NULL) {
            char *v = sm_subject(op->w_names[i]);
            sm_op_fail(op, MD_ERR_INVALID, 0, "%s: the endpoint has no variant '%s'", op->base.what,
                       v);
            free(v);
            return;
        }
    }
    cJSON *body = sm_obj();
    sm_str(body, "EndpointName", op->arg1);
    cJSON *list = sm_arr(body, "DesiredWeightsAndCapacities");
    double total = 0;
    for (const cJSON *pv = pvs != NULL ? pvs->child : NULL; pv != NULL; pv = pv->next) {
        const char *name = jsonx_str_raw(pv, "VariantName");
        if (name == NULL)
            continue;
        double w = wanted(op, name);
        if (isnan(w))
            w = jsonx_double(pv, "DesiredWeight", jsonx_double(pv, "CurrentWeight", 1.0));
        total += w;
        cJSON *item = sm_obj();
        sm_str(item, "VariantName", name);
        sm_num(item, "DesiredWeight", w);
        const cJSON *cnt = jsonx_get(pv, "DesiredInstanceCount");
        if (!cJSON_IsNumber(cnt))
            cnt = jsonx_get(pv, "CurrentInstanceCount");
        if (cJSON_IsNumber(cnt)) /* serverless variants have none */
            sm_num(item, "DesiredInstanceCount", cnt->valuedouble);
        sm_push(list, item);
    }
    if (!(total > 0)) {
        cJSON_Delete(body);
        sm_op_fail(op, MD_ERR_INVALID, 0,
                   "%s: every weight would be 0, so no variant would "
                   "serve traffic",
                   op->base.what);
        return;
    }
    sm_enqueue(op, MD_AWS_SAGEMAKER, "UpdateEndpointWeightsAndCapacities", SM_ROLE_MUTATE, body,
               op->arg1);
}

uint64_t sm_set_weights(struct md_backend *be, const char *endpoint, const struct md_weight *w,
                        size_t n, md_backend_cb cb, void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_NONE, cb, ud,
                                 op_what("cannot set traffic weights of endpoint '%s'", endpoint));
    op->arg1 = md_xstrdup0(endpoint);
    op->on_reply = weights_on_reply;
    /* the weights are borrowed for the call only */
    op->w_names = md_xcalloc(n ? n : 1, sizeof(*op->w_names));
    op->w_values = md_xcalloc(n ? n : 1, sizeof(*op->w_values));
    for (size_t i = 0; i < n; i++) {
        op->w_names[op->nw] = md_xstrdup0(w[i].deployment);
        op->w_values[op->nw++] = w[i].weight;
        if (!isfinite(w[i].weight) || w[i].weight < 0) {
            sm_op_fail_later(op, MD_ERR_INVALID, "%s: weight of '%s' is not a number >= 0",
                             op->base.what, op->w_names[i]);
            return op->base.id;
        }
    }
    if (n == 0) {
        sm_op_fail_later(op, MD_ERR_INVALID, "%s: no weights given", op->base.what);
        return op->base.id;
    }
    cJSON *body = sm_obj();
    sm_str(body, "EndpointName", endpoint);
    sm_enqueue(op, MD_AWS_SAGEMAKER, "DescribeEndpoint", SM_ROLE_ENDPOINT, body, endpoint);
    sm_op_start(op);
    return op->base.id;
}

/* The version asked for (ModelPackageVersion is a number in the reply). */
static bool keep_version(struct sm_op *op, const cJSON *item)
{
    char *v = jsonx_str(item, "ModelPackageVersion");
    bool ok = strcmp(v, op->arg2) == 0;
    free(v);
    return ok;
}

/* Found the package (or not): describe it, for what UpdateModelPackage must repeat. */
static void approval_found(struct sm_op *op)
{
    const cJSON *list = jsonx_get(op->bundle, "ModelPackageSummaryList");
    const char *arn = jsonx_str_raw(list != NULL ? list->child : NULL, "ModelPackageArn");
    if (arn == NULL || arn[0] == '\0') {
        char *g = sm_subject(op->arg1);
        char *v = sm_subject(op->arg2);
        sm_op_fail(op, MD_ERR_NOT_FOUND, 0, "%s: model package group '%s' has no version '%s'",
                   op->base.what, g, v);
        free(g);
        free(v);
        return;
    }
    cJSON *body = sm_obj();
    sm_str(body, "ModelPackageName", arn);
    sm_enqueue(op, MD_AWS_SAGEMAKER, "DescribeModelPackage", SM_ROLE_PACKAGE, body, arn);
}

/*
 * The package as it is now: repeat its description and metadata in the
 * update, which moto (unlike AWS) would otherwise clear.
 */
static void approval_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                              const struct md_err *err, const cJSON *reply)
{
    if (st != MD_OK || c->role == SM_ROLE_LIST) {
        sm_list_on_reply(op, c, st, err, reply);
        return;
    }
    if (c->role != SM_ROLE_PACKAGE)
        return;
    cJSON *body = sm_obj();
    sm_str(body, "ModelPackageArn",
           jsonx_str_raw(reply, "ModelPackageArn") != NULL ? jsonx_str_raw(reply, "ModelPackageArn")
                                                           : c->subject);
    sm_str(body, "ModelApprovalStatus", op->arg3);
    const char *desc = jsonx_str_raw(reply, "ApprovalDescription");
    if (desc != NULL)
        sm_str(body, "ApprovalDescription", desc);
    const cJSON *meta = jsonx_get(reply, "CustomerMetadataProperties");
    if (cJSON_IsObject(meta) && meta->child != NULL &&
        !cJSON_AddItemToObject(body, "CustomerMetadataProperties", sm_dup(meta)))
        md_die_oom();
    sm_enqueue(op, MD_AWS_SAGEMAKER, "UpdateModelPackage", SM_ROLE_MUTATE, body, c->subject);
}

/* Approve or reject a model package: group + version -> ARN -> UpdateModelPackage. */
uint64_t sm_set_approval(struct md_backend *be, const char *model, const char *version,
                         const char *status, md_backend_cb cb, void *ud)
{
    static const char *const statuses[] = {"Approved", "Rejected", "PendingManualApproval"};
    struct sm_backend *sm = (struct sm_backend *)be;
    struct sm_op *op = sm_op_new(sm, MD_RESULT_NONE, cb, ud,
                                 op_what("cannot set approval of version '%s' of model "
                                         "package group '%s'",
                                         version, model));
    op->arg1 = md_xstrdup0(model);
    op->arg2 = md_xstrdup0(version);
    op->arg3 = md_xstrdup0(status);
    bool known = false;
    for (size_t i = 0; i < MD_ARRAY_LEN(statuses); i++)
        known = known || strcmp(op->arg3, statuses[i]) == 0;
    if (!known) {
        char *s = sm_subject(status);
        sm_op_fail_later(op, MD_ERR_INVALID,
                         "%s: '%s' is not Approved, Rejected or "
                         "PendingManualApproval",
                         op->base.what, s);
        free(s);
        return op->base.id;
    }
    op->on_reply = approval_on_reply;
    op->on_done = approval_found;
    op->list.keep = keep_version;
    sm_list_start(op, MD_AWS_SAGEMAKER, "ListModelPackages", packages_req(model),
                  "ModelPackageSummaryList", 1, REGISTRY_MAX_PAGES * 5, NULL);
    sm_op_start(op);
    return op->base.id;
}

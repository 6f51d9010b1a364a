/*
 * mlflow_map.c - MLflow reply bodies to model.h records, and error bodies to
 * messages. Pure functions: the same code maps live replies and cached
 * snapshots, and the fuzz target drives it directly.
 *
 * MLflow omits every unset field (a search with no hits is "{}"), so a
 * missing optional key is an empty value; what is an error is a body that
 * is not JSON, a list that is not a list, and a record whose shape is not
 * MLflow's (mlflow_check.c): each record is checked before it is mapped.
 */
#include "mlflow_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/op.h"
#include "base/jsonx_int.h"

/* Longest piece of a server's error text quoted in a message. */
#define ERR_TEXT_MAX 160

/* Nested list of a record: wrong types read as empty, size still capped. */
static md_status record_list(const cJSON *obj, const char *key, const cJSON **arr,
                             struct md_err *err)
{
    *arr = jsonx_array(obj, key, NULL);
    size_t n = jsonx_count(*arr);
    if (n > MLFLOW_MAX_RECORD_ITEMS)
        return md_err_set(err, MD_ERR_TOO_BIG, "%zu entries in '%s' of one record (limit %d)", n,
                          key, MLFLOW_MAX_RECORD_ITEMS);
    return MD_OK;
}

/* Experiment: MLflow's field names differ from ours (lifecycle_stage, *_time). */
static md_status map_experiment(const cJSON *o, struct md_experiment *e, struct md_err *err)
{
    e->id = jsonx_str(o, "experiment_id");
    e->name = jsonx_str(o, "name");
    e->lifecycle = jsonx_str(o, "lifecycle_stage");
    e->created = jsonx_int64(o, "creation_time", 0);
    e->updated = jsonx_int64(o, "last_update_time", 0);
    return jsonx_kvs(jsonx_array(o, "tags", NULL), MLFLOW_MAX_RECORD_ITEMS, &e->tags, err);
}

/*
 * dataset.source is a JSON document inside a string ({"uri": ...} for most
 * source types). Show its location when there is one, else the text itself.
 */
static char *dataset_source(const char *raw)
{
    if (raw == NULL)
        return md_xstrdup("");
    static const char *const keys[] = {"uri", "url", "path", "table_name"};
    cJSON *doc = NULL;
    char *out = NULL;
    if (jsonx_parse(raw, strlen(raw), 1024 * 1024, &doc, NULL) == MD_OK) {
        for (size_t i = 0; i < MD_ARRAY_LEN(keys) && out == NULL; i++) {
            const char *s = jsonx_str_raw(doc, keys[i]);
            if (s != NULL && s[0] != '\0')
                out = md_xstrdup_clean(s);
        }
        cJSON_Delete(doc);
    }
    return out != NULL ? out : md_xstrdup_clean(raw);
}

/*
 * Latest value per metric key. A metric without a value reads as 0: that is
 * what protobuf's omitted default means, not "unknown".
 */
static md_status map_metrics(const cJSON *arr, struct md_run *r)
{
    size_t n = jsonx_count(arr);
    if (n == 0)
        return MD_OK;
    r->metrics = md_xcalloc(n, sizeof(*r->metrics));
    for (const cJSON *it = arr->child; it != NULL; it = it->next) {
        const cJSON *k = jsonx_get(it, "key");
        if (!cJSON_IsString(k) && !cJSON_IsNumber(k))
            continue;
        struct md_metric *m = &r->metrics[r->n_metrics++];
        m->key = jsonx_value_dup(k);
        m->value = jsonx_double(it, "value", 0);
        m->timestamp = jsonx_int64(it, "timestamp", 0);
        m->step = jsonx_int64(it, "step", 0);
    }
    return MD_OK;
}

/* Dataset inputs; the context (training/validation/test) lives in the input's tags. */
static md_status map_inputs(const cJSON *arr, struct md_run *r)
{
    size_t n = jsonx_count(arr);
    if (n == 0)
        return MD_OK;
    r->inputs = md_xcalloc(n, sizeof(*r->inputs));
    for (const cJSON *it = arr->child; it != NULL; it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        const cJSON *ds = jsonx_get(it, "dataset");
        struct md_dataset_input *d = &r->inputs[r->n_inputs++];
        d->name = jsonx_str(ds, "name");
        d->digest = jsonx_str(ds, "digest");
        d->source_type = jsonx_str(ds, "source_type");
        d->source = dataset_source(jsonx_str_raw(ds, "source"));
        d->context =
            md_xstrdup_clean(jsonx_kv_find(jsonx_array(it, "tags", NULL), "mlflow.data.context"));
    }
    return MD_OK;
}

/* A non-empty string value, else NULL. */
static const char *nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/*
 * A run. Caps are checked before anything is allocated. run_id is preferred
 * over the deprecated run_uuid; the mlflow.user tag over the deprecated
 * info.user_id (which is the server's OS user for remote clients); the
 * mlflow.runName tag stands in for run_name on old servers.
 */
static md_status map_run(const cJSON *o, struct md_run *r, struct md_err *err)
{
    const cJSON *info = jsonx_get(o, "info");
    const cJSON *data = jsonx_get(o, "data");
    const cJSON *params = NULL;
    const cJSON *tags = NULL;
    const cJSON *metrics = NULL;
    const cJSON *inputs = NULL;
    md_status st = record_list(data, "params", &params, err);
    if (st == MD_OK)
        st = record_list(data, "tags", &tags, err);
    if (st == MD_OK)
        st = record_list(data, "metrics", &metrics, err);
    if (st == MD_OK)
        st = record_list(jsonx_get(o, "inputs"), "dataset_inputs", &inputs, err);
    if (st != MD_OK)
        return st;

    r->id = jsonx_str(info, "run_id");
    if (r->id[0] == '\0') {
        free(r->id);
        r->id = jsonx_str(info, "run_uuid");
    }
    const char *name = nonempty(jsonx_str_raw(info, "run_name"));
    r->name = md_xstrdup_clean(name != NULL ? name : jsonx_kv_find(tags, "mlflow.runName"));
    r->experiment_id = jsonx_str(info, "experiment_id");
    const char *user = nonempty(jsonx_kv_find(tags, "mlflow.user"));
    r->user = md_xstrdup_clean(user != NULL ? user : jsonx_str_raw(info, "user_id"));
    r->status = md_run_status_parse(jsonx_str_raw(info, "status"));
    r->start_time = jsonx_int64(info, "start_time", 0);
    r->end_time = jsonx_int64(info, "end_time", 0);

    st = jsonx_kvs(params, MLFLOW_MAX_RECORD_ITEMS, &r->params, err);
    if (st == MD_OK)
        st = jsonx_kvs(tags, MLFLOW_MAX_RECORD_ITEMS, &r->tags, err);
    if (st == MD_OK)
        st = map_metrics(metrics, r);
    if (st == MD_OK)
        st = map_inputs(inputs, r);
    return st;
}

/*
 * Registered model. latest_versions (per legacy stage) is ignored: aliases
 * are what deployments point at in MLflow 3, and versions are listed apart.
 */
static md_status map_model(const cJSON *o, struct md_registered_model *m, struct md_err *err)
{
    const cJSON *aliases = NULL;
    md_status st = record_list(o, "aliases", &aliases, err);
    if (st != MD_OK)
        return st;
    m->name = jsonx_str(o, "name");
    m->description = jsonx_str(o, "description");
    m->created = jsonx_int64(o, "creation_timestamp", 0);
    m->updated = jsonx_int64(o, "last_updated_timestamp", 0);
    size_t n = jsonx_count(aliases);
    if (n > 0) {
        m->aliases = md_xcalloc(n, sizeof(*m->aliases));
        for (const cJSON *it = aliases->child; it != NULL; it = it->next) {
            const char *alias = nonempty(jsonx_str_raw(it, "alias"));
            if (alias == NULL)
                continue;
            struct md_alias *a = &m->aliases[m->n_aliases++];
            a->alias = md_xstrdup_clean(alias);
            a->version = jsonx_str(it, "version");
        }
    }
    return jsonx_kvs(jsonx_array(o, "tags", NULL), MLFLOW_MAX_RECORD_ITEMS, &m->tags, err);
}

/* MLflow 3 stores prompts as registered models carrying this tag. */
static bool is_prompt(const cJSON *o)
{
    const char *v = jsonx_kv_find(jsonx_array(o, "tags", NULL), MLFLOW_PROMPT_TAG);
    return v != NULL && strcmp(v, "true") == 0;
}

/*
 * Model version. Its aliases are plain strings here (unlike a model's
 * {alias, version} pairs), and model-versions/search leaves them out
 * altogether: only registered-models/alias and model-versions/get send them.
 */
static md_status map_version(const cJSON *o, struct md_model_version *v, struct md_err *err)
{
    const cJSON *aliases = NULL;
    md_status st = record_list(o, "aliases", &aliases, err);
    if (st != MD_OK)
        return st;
    v->model = jsonx_str(o, "name");
    v->version = jsonx_str(o, "version");
    v->stage = jsonx_str(o, "current_stage");
    v->status = jsonx_str(o, "status");
    v->source = jsonx_str(o, "source");
    v->run_id = jsonx_str(o, "run_id");
    v->user = jsonx_str(o, "user_id");
    v->description = jsonx_str(o, "description");
    v->created = jsonx_int64(o, "creation_timestamp", 0);
    v->updated = jsonx_int64(o, "last_updated_timestamp", 0);
    size_t n = jsonx_count(aliases);
    if (n > 0) {
        v->aliases = md_xcalloc(n, sizeof(*v->aliases));
        for (const cJSON *it = aliases->child; it != NULL; it = it->next) {
            if (cJSON_IsString(it) && it->valuestring[0] != '\0')
                v->aliases[v->n_aliases++] = md_xstrdup_clean(it->valuestring);
        }
    }
    return jsonx_kvs(jsonx_array(o, "tags", NULL), MLFLOW_MAX_RECORD_ITEMS, &v->tags, err);
}

/* By step, then timestamp, so a resampled series draws left to right. */
static int point_cmp(const void *pa, const void *pb)
{
    const struct md_metric_point *a = pa;
    const struct md_metric_point *b = pb;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    if (a->timestamp != b->timestamp)
        return a->timestamp < b->timestamp ? -1 : 1;
    return 0;
}

/* Entry i of the reply's list `list`, checked as a record of shape `what`. */
static md_status check_item(enum mlflow_shape what, const cJSON *it, const char *list, size_t i,
                            struct md_err *err)
{
    char where[64];
    snprintf(where, sizeof(where), "%s[%zu]", list, i);
    return mlflow_check(what, it, where, err);
}

/* The parse_* functions map one reply shape, each record checked first. */
static md_status parse_experiments(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "experiments", MLFLOW_MAX_PAGE_ITEMS, &arr, err);
    size_t i = 0;
    for (const cJSON *it = arr ? arr->child : NULL; st == MD_OK && it != NULL; it = it->next) {
        st = check_item(MLFLOW_SHAPE_EXPERIMENT, it, "experiments", i++, err);
        if (st == MD_OK)
            st = map_experiment(it, md_experiment_list_push(&out->experiments), err);
    }
    return st;
}

/* runs/search: the big one (a page may hold 50 000 whole runs). */
static md_status parse_runs(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "runs", MLFLOW_MAX_PAGE_ITEMS, &arr, err);
    if (st == MD_OK && arr != NULL && out->runs.alloc == 0) {
        /* one allocation for the page instead of log2(n) doublings */
        size_t n = jsonx_count(arr);
        out->runs.v = md_xcalloc(n ? n : 1, sizeof(*out->runs.v));
        out->runs.alloc = n ? n : 1;
    }
    size_t i = 0;
    for (const cJSON *it = arr ? arr->child : NULL; st == MD_OK && it != NULL; it = it->next) {
        st = check_item(MLFLOW_SHAPE_RUN, it, "runs", i++, err);
        if (st == MD_OK)
            st = map_run(it, md_run_list_push(&out->runs), err);
    }
    return st;
}

/* runs/get: exactly one run, or an error (the callers index runs.v[0]). */
static md_status parse_one_run(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *run = jsonx_get(root, "run");
    if (!cJSON_IsObject(run))
        return md_err_set(err, MD_ERR_PARSE, "reply has no 'run' object");
    md_status st = mlflow_check(MLFLOW_SHAPE_RUN, run, "run", err);
    if (st != MD_OK)
        return st;
    return map_run(run, md_run_list_push(&out->runs), err);
}

/* registered-models/search. */
static md_status parse_models(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "registered_models", MLFLOW_MAX_PAGE_ITEMS, &arr, err);
    size_t i = 0;
    for (const cJSON *it = arr ? arr->child : NULL; st == MD_OK && it != NULL; it = it->next) {
        st = check_item(MLFLOW_SHAPE_MODEL, it, "registered_models", i++, err);
        /* prompts are models in MLflow 3; the server filter may be missing (Azure ML) */
        if (st == MD_OK && !is_prompt(it))
            st = map_model(it, md_model_list_push(&out->models), err);
    }
    return st;
}

/* model-versions/search; the server's order is not by version, so sort here. */
static md_status parse_versions(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "model_versions", MLFLOW_MAX_PAGE_ITEMS, &arr, err);
    size_t i = 0;
    for (const cJSON *it = arr ? arr->child : NULL; st == MD_OK && it != NULL; it = it->next) {
        st = check_item(MLFLOW_SHAPE_VERSION, it, "model_versions", i++, err);
        if (st == MD_OK)
            st = map_version(it, md_version_list_push(&out->versions), err);
    }
    if (st == MD_OK && out->versions.n > 1)
        qsort(out->versions.v, out->versions.n, sizeof(*out->versions.v),
              md_model_version_cmp_desc);
    return st;
}

/* registered-models/alias: the version the alias points to, exactly one. */
static md_status parse_one_version(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *mv = jsonx_get(root, "model_version");
    if (!cJSON_IsObject(mv))
        return md_err_set(err, MD_ERR_PARSE, "reply has no 'model_version' object");
    md_status st = mlflow_check(MLFLOW_SHAPE_VERSION, mv, "model_version", err);
    if (st != MD_OK)
        return st;
    return map_version(mv, md_version_list_push(&out->versions), err);
}

/*
 * metrics/get-history-bulk-interval: points of one run and key. The series
 * names come from the points, so a cached body maps to the same series; the
 * live path fills them from the request when there are no points.
 */
static md_status parse_history(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "metrics", MLFLOW_MAX_HISTORY_POINTS, &arr, err);
    if (st != MD_OK)
        return st;
    size_t i = 0;
    for (const cJSON *it = arr ? arr->child : NULL; st == MD_OK && it != NULL; it = it->next)
        st = check_item(MLFLOW_SHAPE_POINT, it, "metrics", i++, err);
    if (st != MD_OK)
        return st;
    struct md_metric_series *s = &out->history;
    size_t n = jsonx_count(arr);
    if (n > 0)
        s->v = md_xcalloc(n, sizeof(*s->v));
    for (const cJSON *it = arr ? arr->child : NULL; it != NULL; it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        if (s->run_id == NULL) {
            s->run_id = jsonx_str(it, "run_id");
            s->key = jsonx_str(it, "key");
        }
        struct md_metric_point *p = &s->v[s->n++];
        p->step = jsonx_int64(it, "step", 0);
        p->timestamp = jsonx_int64(it, "timestamp", 0);
        p->value = jsonx_double(it, "value", 0);
    }
    if (s->run_id == NULL) {
        s->run_id = md_xstrdup("");
        s->key = md_xstrdup("");
    }
    if (s->n > 1)
        qsort(s->v, s->n, sizeof(*s->v), point_cmp);
    return MD_OK;
}

/* GET /version answers plain text ("3.17.2\n"): keep its first line, trimmed. */
static md_status parse_probe(const char *body, size_t len, struct md_result *out,
                             struct md_err *err)
{
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    size_t j = i;
    while (j < len && body[j] != '\r' && body[j] != '\n' && body[j] != '\0' && j - i < 64)
        j++;
    while (j > i && (body[j - 1] == ' ' || body[j - 1] == '\t'))
        j--;
    if (j == i)
        return md_err_set(err, MD_ERR_PARSE, "empty version text");
    char *v = md_xmalloc(j - i + 1);
    memcpy(v, body + i, j - i);
    v[j - i] = '\0';
    md_sanitize(v);
    md_clip_utf8(v, 64);
    out->server_version = v;
    return MD_OK;
}

/*
 * The tree is freed here, before returning: cJSON types never leave this
 * file, and nothing in the result points into the body.
 */
md_status mlflow_parse(enum md_result_kind kind, const char *body, size_t len,
                       struct md_result *out, struct md_err *err)
{
    out->kind = kind;
    md_status st = MD_OK;
    cJSON *root = NULL;
    if (kind == MD_RESULT_PROBE) {
        st = len > JSONX_MAX_BODY ? md_err_set(err, MD_ERR_TOO_BIG, "reply is too big")
                                  : parse_probe(body, len, out, err);
    } else if (kind != MD_RESULT_NONE) {
        st = jsonx_parse(body, len, 0, &root, err);
        if (st == MD_OK && !cJSON_IsObject(root))
            st = md_err_set(err, MD_ERR_PARSE, "reply is not a JSON object");
        if (st == MD_OK)
            st = mlflow_check_token(root, err);
    }
    if (st == MD_OK) {
        switch (kind) {
        case MD_RESULT_EXPERIMENTS:
            st = parse_experiments(root, out, err);
            break;
        case MD_RESULT_RUNS:
            st = parse_runs(root, out, err);
            break;
        case MD_RESULT_RUN:
            st = parse_one_run(root, out, err);
            break;
        case MD_RESULT_MODELS:
            st = parse_models(root, out, err);
            break;
        case MD_RESULT_VERSIONS:
            st = parse_versions(root, out, err);
            break;
        case MD_RESULT_VERSION:
            st = parse_one_version(root, out, err);
            break;
        case MD_RESULT_HISTORY:
            st = parse_history(root, out, err);
            break;
        case MD_RESULT_NONE:
        case MD_RESULT_PROBE:
            break;
        default:
            st = md_err_set(err, MD_ERR_INVALID, "no MLflow reply of kind %d", (int)kind);
            break;
        }
    }
    free(out->next_token);
    out->next_token = st == MD_OK ? md_xstrdup_clean(jsonx_str_raw(root, "next_page_token")) : NULL;
    cJSON_Delete(root);
    if (st != MD_OK)
        md_result_drop_records(out);
    out->status = st;
    return st;
}

/*
 * Error bodies are parsed only when they look like JSON: proxies, the
 * security middleware and the framework answer in text or HTML. Quoted text
 * is cleaned and clipped at a UTF-8 boundary, so a message never carries
 * escape sequences or half a character to the terminal.
 */
/* MLflow's JSON errors: {"error_code": "...", "message": "..."}. */
static void error_fields(const cJSON *root, char **code, char **message)
{
    const char *c = jsonx_str_raw(root, "error_code");
    const char *m = jsonx_str_raw(root, "message");
    *code = c != NULL ? md_xstrdup(c) : NULL;
    *message = m != NULL ? md_xstrdup(m) : NULL;
}

static md_status classify(const void *ctx, long http, const char *code, const char *message,
                          bool html, md_status st, char *hint, size_t hint_len)
{
    (void)html;
    (void)hint;
    (void)hint_len;
    bool alias_lookup = *(const bool *)ctx;
    if (strcmp(code, "RESOURCE_DOES_NOT_EXIST") == 0)
        return MD_ERR_NOT_FOUND;
    /* MLflow answers an unknown alias with 400, not 404 */
    if (alias_lookup && http == 400 && strcmp(code, "INVALID_PARAMETER_VALUE") == 0 &&
        strstr(message, "not found") != NULL)
        return MD_ERR_NOT_FOUND;
    return st;
}

md_status mlflow_map_error(const char *what, long code, const char *body, size_t len,
                           bool alias_lookup, struct md_err *err)
{
    const struct op_error_rules rules = {
        .fields = error_fields,
        .classify = classify,
        .ctx = &alias_lookup,
        .code_max = 40,
        .text_max = ERR_TEXT_MAX,
        .line_max = 120,
        .sep = ": ",
    };
    return op_map_error(&rules, what, code, body, len, err);
}

/* ---- request helpers -------------------------------------------------------------------- */

char *mlflow_versions_filter(const char *model, bool *exact)
{
    const char *m = model != NULL ? model : "";
    *exact = false;
    if (strchr(m, '\'') == NULL)
        return md_xasprintf("name='%s'", m);
    if (strchr(m, '"') == NULL)
        return md_xasprintf("name=\"%s\"", m);
    /* both quote kinds: no literal can hold it, so match a pattern and filter here */
    char *pat = md_xstrdup(m);
    for (char *p = pat; *p != '\0'; p++) {
        if (*p == '\'')
            *p = '_';
    }
    char *f = md_xasprintf("name LIKE '%s'", pat);
    free(pat);
    *exact = true;
    return f;
}

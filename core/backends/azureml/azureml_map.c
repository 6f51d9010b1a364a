/*
 * azureml_map.c - Azure Resource Manager replies of Microsoft.
 * MachineLearningServices to model.h records, and error bodies to
 * messages: the bottom of the backend (azureml_int.h), using nothing of it
 * but its header. Pure functions: the same code maps live replies and
 * cached snapshots, and the fuzz target drives it directly.
 *
 * ARM leaves unset fields out and the official examples are full of
 * placeholders ("string", {"string": 1}, null under GUID-like keys), so a
 * missing or oddly typed member reads as empty; what is an error is a body
 * that is not JSON or a list that is not a list.
 */
#include "azureml_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends/op.h"
#include "base/jsonx_int.h"

/* Longest piece of a server's error text quoted in a message. */
#define ERR_TEXT_MAX 120

static const char *nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

static const cJSON *props_of(const cJSON *o)
{
    return jsonx_get(o, "properties");
}

/* ---- small readers ---------------------------------------------------------------------- */

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int64_t azureml_time_ms(const char *s)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (s == NULL || strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d))
        return 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    const char *p = s + 10;
    int64_t ms = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi))
            return 0;
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &sec))
                return 0;
            p += 3;
        }
        if (*p == '.' || *p == ',') {
            int scale = 100;
            for (p++; *p >= '0' && *p <= '9'; p++) {
                ms += (*p - '0') * scale;
                scale /= 10;
            }
        }
    }
    if (h > 23 || mi > 59 || sec > 60)
        return 0;
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om = 0;
        if (!digits(p + 1, 2, &oh))
            return 0;
        const char *q = p + 3;
        if (*q == ':')
            q++;
        if (*q && !digits(q, 2, &om))
            return 0;
        off = (int64_t)(oh * 60 + om) * 60000 * (*p == '-' ? -1 : 1);
    }
    int64_t t = md_days_from_civil(y, mo, d) * 86400000 + (int64_t)h * 3600000 +
                (int64_t)mi * 60000 + (int64_t)sec * 1000 + ms - off;
    return t > 0 ? t : 0;
}

/* A key/value list that grows; the caller caps the count. */
static void kv_push(struct md_kvs *kv, const char *key, const char *value)
{
    kv->v = md_xrealloc(kv->v, (kv->n + 1) * sizeof(*kv->v));
    kv->v[kv->n].key = md_xstrdup_clean(key);
    kv->v[kv->n].value = md_xstrdup_clean(value);
    kv->n++;
}

/* An ARM string map ({"k": "v"}) appended to kv; other value types read as text or "". */
static md_status kv_from_object(const cJSON *obj, struct md_kvs *kv, struct md_err *err)
{
    if (!cJSON_IsObject(obj))
        return MD_OK;
    if ((size_t)cJSON_GetArraySize(obj) > AZUREML_MAX_ITEMS)
        return md_err_set(err, MD_ERR_TOO_BIG, "more than %d tags in one record",
                          AZUREML_MAX_ITEMS);
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        if (it->string == NULL)
            continue;
        char *v = jsonx_value_dup(it);
        kv_push(kv, it->string, v);
        free(v);
    }
    return MD_OK;
}

static void kv_push_nonempty(struct md_kvs *kv, const char *key, const char *value)
{
    if (nonempty(value))
        kv_push(kv, key, value);
}

/* The "value" list of a page: NULL when absent, an error when not a list or too long. */
static md_status page_items(const cJSON *root, const cJSON **arr, struct md_err *err)
{
    bool bad = false;
    *arr = jsonx_array(root, "value", &bad);
    if (bad)
        return md_err_set(err, MD_ERR_PARSE, "'value' in the reply is not a list");
    if (jsonx_count(*arr) > AZUREML_MAX_ITEMS)
        return md_err_set(err, MD_ERR_TOO_BIG, "%zu entries in 'value' (limit %d)",
                          jsonx_count(*arr), AZUREML_MAX_ITEMS);
    return MD_OK;
}

static int64_t sys_time(const cJSON *o, const char *key)
{
    return azureml_time_ms(jsonx_str_raw(jsonx_get(o, "systemData"), key));
}

/* ---- model references and statuses ---------------------------------------------------------- */

/* Last occurrence of `needle` in `hay`, ignoring case. */
static const char *last_casestr(const char *hay, const char *needle)
{
    const char *found = NULL;
    for (const char *p = strcasestr(hay, needle); p != NULL; p = strcasestr(p + 1, needle))
        found = p;
    return found;
}

static char *dup_clean_n(const char *s, size_t n)
{
    char *c = md_xmalloc(n + 1);
    memcpy(c, s, n);
    c[n] = '\0';
    md_sanitize(c);
    return c;
}

void azureml_model_ref(const char *ref, char **name, char **version)
{
    const char *r = ref != NULL ? ref : "";
    const char *m = last_casestr(r, "/models/");
    if (m != NULL && m[8] != '\0' && m[8] != '/') {
        const char *nm = m + 8;
        size_t nlen = strcspn(nm, "/");
        const char *v = strncasecmp(nm + nlen, "/versions/", 10) == 0 ? nm + nlen + 10 : NULL;
        *name = dup_clean_n(nm, nlen);
        *version = v != NULL ? dup_clean_n(v, strcspn(v, "/")) : md_xstrdup("");
        return;
    }
    if (strncasecmp(r, "azureml:", 8) == 0 && r[8] != '/' && r[8] != '\0') {
        const char *rest = r + 8;
        const char *colon = strrchr(rest, ':');
        const char *at = strrchr(rest, '@');
        const char *cut = colon != NULL ? colon : at;
        if (cut != NULL && cut > rest) {
            *name = dup_clean_n(rest, (size_t)(cut - rest));
            *version = md_xstrdup_clean(colon != NULL ? cut + 1 : cut);
            return;
        }
        *name = md_xstrdup_clean(rest);
        *version = md_xstrdup("");
        return;
    }
    *name = md_xstrdup_clean(r);
    *version = md_xstrdup("");
}

enum md_run_status azureml_job_status(const char *s)
{
    static const struct {
        const char *text;
        enum md_run_status st;
    } map[] = {
        {"Completed", MD_RUN_FINISHED},      {"Failed", MD_RUN_FAILED},
        {"NotResponding", MD_RUN_FAILED},    {"Canceled", MD_RUN_KILLED},
        {"NotStarted", MD_RUN_SCHEDULED},    {"Queued", MD_RUN_SCHEDULED},
        {"Scheduled", MD_RUN_SCHEDULED},     {"Provisioning", MD_RUN_SCHEDULED},
        {"Preparing", MD_RUN_SCHEDULED},     {"Starting", MD_RUN_SCHEDULED},
        {"Running", MD_RUN_RUNNING},         {"Finalizing", MD_RUN_RUNNING},
        {"CancelRequested", MD_RUN_RUNNING}, {"Paused", MD_RUN_RUNNING},
    };
    for (size_t i = 0; s != NULL && i < MD_ARRAY_LEN(map); i++) {
        if (strcasecmp(s, map[i].text) == 0)
            return map[i].st;
    }
    return MD_RUN_UNKNOWN;
}

static bool terminal_state(const char *s)
{
    return s != NULL && (strcasecmp(s, "Succeeded") == 0 || strcasecmp(s, "Failed") == 0 ||
                         strcasecmp(s, "Canceled") == 0);
}

bool azureml_operation_done(const char *status)
{
    return terminal_state(status);
}

/* ---- endpoints and deployments -------------------------------------------------------------- */

/* "green=10,blue=5" from a traffic-style map; "" when empty. */
static char *map_text(const cJSON *map)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 20);
    for (const cJSON *it = cJSON_IsObject(map) ? map->child : NULL; it != NULL; it = it->next) {
        char num[32];
        jsonx_fmt_double(num, sizeof(num), jsonx_value_double(it, 0));
        md_buf_addf(&b, "%s%s=%s", b.len ? "," : "", it->string ? it->string : "", num);
    }
    char *s = md_buf_detach(&b, NULL);
    char *c = md_xstrdup_clean(s ? s : "");
    free(s);
    return c;
}

static void map_deployment(const cJSON *o, const cJSON *traffic, struct md_deployment *d)
{
    const cJSON *p = props_of(o);
    d->name = jsonx_str(o, "name");
    azureml_model_ref(jsonx_str_raw(p, "model"), &d->model, &d->version);
    d->image = jsonx_str(p, "environmentId");
    d->instance_type = jsonx_str(p, "instanceType");
    d->status = jsonx_str(p, "provisioningState");
    d->instance_count = (long)jsonx_int64(jsonx_get(o, "sku"), "capacity", 0);
    d->desired_instance_count = -1;
    const char *raw = jsonx_str_raw(o, "name");
    d->weight = jsonx_double(traffic, raw != NULL ? raw : "", 0);
    if (!isfinite(d->weight))
        d->weight = 0;
    d->desired_weight = NAN;
    d->share = d->weight / 100.0;
}

/* A deployment that only appears in the traffic map (its list was not fetched). */
static void traffic_only_deployment(const cJSON *entry, struct md_deployment *d)
{
    d->name = md_xstrdup_clean(entry->string);
    d->model = md_xstrdup("");
    d->version = md_xstrdup("");
    d->image = md_xstrdup("");
    d->instance_type = md_xstrdup("");
    d->status = md_xstrdup("");
    d->desired_instance_count = -1;
    d->weight = jsonx_value_double(entry, 0);
    if (!isfinite(d->weight))
        d->weight = 0;
    d->desired_weight = NAN;
    d->share = d->weight / 100.0;
}

static md_status map_endpoint(const cJSON *o, struct md_endpoint *e, struct md_err *err)
{
    const cJSON *p = props_of(o);
    const cJSON *traffic = jsonx_get(p, "traffic");
    const cJSON *deps = jsonx_array(o, AZUREML_DEPLOYMENTS_KEY, NULL);
    size_t nd = jsonx_count(deps);
    size_t nt = cJSON_IsObject(traffic) ? (size_t)cJSON_GetArraySize(traffic) : 0;
    if (nd > AZUREML_MAX_ITEMS || nt > AZUREML_MAX_ITEMS)
        return md_err_set(err, MD_ERR_TOO_BIG, "more than %d deployments in one endpoint",
                          AZUREML_MAX_ITEMS);
    e->name = jsonx_str(o, "name");
    e->id = jsonx_str(o, "id");
    e->status = jsonx_str(p, "provisioningState");
    e->config = md_xstrdup("");
    e->failure_reason = jsonx_str(o, AZUREML_ERROR_KEY);
    e->created = sys_time(o, "createdAt");
    e->updated = sys_time(o, "lastModifiedAt");
    /* the fallback for who changed it when the Activity Log names nobody */
    e->updated_by = md_xstrdup_clean(jsonx_str_raw(jsonx_get(o, "systemData"), "lastModifiedBy"));
    md_status st = kv_from_object(jsonx_get(o, "tags"), &e->tags, err);
    if (st != MD_OK)
        return st;
    char *mirror = map_text(jsonx_get(p, "mirrorTraffic"));
    kv_push_nonempty(&e->tags, "azureml.mirror_traffic", mirror);
    free(mirror);
    kv_push_nonempty(&e->tags, "azureml.auth_mode", jsonx_str_raw(p, "authMode"));
    kv_push_nonempty(&e->tags, "azureml.scoring_uri", jsonx_str_raw(p, "scoringUri"));

    if (nd + nt == 0)
        return MD_OK;
    e->deployments = md_xcalloc(nd + nt, sizeof(*e->deployments));
    for (const cJSON *it = deps ? deps->child : NULL; it != NULL; it = it->next) {
        if (cJSON_IsObject(it))
            map_deployment(it, traffic, &e->deployments[e->n_deployments++]);
    }
    for (const cJSON *t = nt ? traffic->child : NULL; t != NULL; t = t->next) {
        bool listed = false;
        char *name = md_xstrdup_clean(t->string);
        for (size_t i = 0; i < e->n_deployments && !listed; i++)
            listed = strcmp(e->deployments[i].name, name) == 0;
        free(name);
        if (!listed)
            traffic_only_deployment(t, &e->deployments[e->n_deployments++]);
    }
    return MD_OK;
}

/* ---- models and versions ------------------------------------------------------------------ */

static md_status map_model(const cJSON *o, struct md_registered_model *m, struct md_err *err)
{
    const cJSON *p = props_of(o);
    m->name = jsonx_str(o, "name");
    m->description = jsonx_str(p, "description");
    m->created = sys_time(o, "createdAt");
    m->updated = sys_time(o, "lastModifiedAt");
    md_status st = kv_from_object(jsonx_get(p, "tags"), &m->tags, err);
    char *latest = jsonx_str(p, "latestVersion");
    kv_push_nonempty(&m->tags, "azureml.latest_version", latest);
    free(latest);
    return st;
}

static md_status map_version(const cJSON *o, struct md_model_version *v, struct md_err *err)
{
    const cJSON *p = props_of(o);
    char *ver_from_id = NULL;
    azureml_model_ref(jsonx_str_raw(o, "id"), &v->model, &ver_from_id);
    if (strcmp(v->model, jsonx_str_raw(o, "id") ? jsonx_str_raw(o, "id") : "") == 0) {
        free(v->model); /* not an ARM id: the backend fills the model in */
        v->model = md_xstrdup("");
    }
    free(ver_from_id);
    v->version = jsonx_str(o, "name");
    v->stage = jsonx_str(p, "stage");
    v->status = jsonx_str(p, "provisioningState");
    v->source = jsonx_str(p, "modelUri");
    v->run_id = jsonx_str(p, "jobName");
    v->user = jsonx_str(jsonx_get(o, "systemData"), "createdBy");
    v->description = jsonx_str(p, "description");
    v->created = sys_time(o, "createdAt");
    v->updated = sys_time(o, "lastModifiedAt");
    md_status st = kv_from_object(jsonx_get(p, "tags"), &v->tags, err);
    kv_push_nonempty(&v->tags, "azureml.model_type", jsonx_str_raw(p, "modelType"));
    if (cJSON_IsTrue(jsonx_get(p, "isArchived")))
        kv_push(&v->tags, "azureml.archived", "true");
    return st;
}

/* ---- jobs as runs and experiments ---------------------------------------------------------- */

static const char *experiment_of(const cJSON *job)
{
    const char *x = nonempty(jsonx_str_raw(props_of(job), "experimentName"));
    return x != NULL ? x : AZUREML_DEFAULT_EXPERIMENT;
}

/*
 * Inputs: literal values are the job's parameters; data inputs (uri_file,
 * uri_folder, mltable, ...) are its datasets.
 */
static void map_inputs(const cJSON *inputs, struct md_run *r)
{
    size_t n = cJSON_IsObject(inputs) ? (size_t)cJSON_GetArraySize(inputs) : 0;
    if (n == 0 || n > AZUREML_MAX_ITEMS)
        return;
    for (const cJSON *in = inputs->child; in != NULL; in = in->next) {
        const char *type = jsonx_str_raw(in, "jobInputType");
        if (in->string == NULL || !cJSON_IsObject(in))
            continue;
        if (type != NULL && strcasecmp(type, "literal") == 0) {
            char *v = jsonx_str(in, "value");
            kv_push(&r->params, in->string, v);
            free(v);
            continue;
        }
        if (r->inputs == NULL)
            r->inputs = md_xcalloc(n, sizeof(*r->inputs));
        struct md_dataset_input *d = &r->inputs[r->n_inputs++];
        d->name = md_xstrdup_clean(in->string);
        d->digest = md_xstrdup("");
        d->source_type = md_xstrdup_clean(type);
        d->source = jsonx_str(in, "uri");
        d->context = md_xstrdup("input");
    }
}

static md_status map_run(const cJSON *o, struct md_run *r, struct md_err *err)
{
    const cJSON *p = props_of(o);
    const char *status = jsonx_str_raw(p, "status");
    r->id = jsonx_str(o, "name");
    const char *dn = nonempty(jsonx_str_raw(p, "displayName"));
    r->name = md_xstrdup_clean(dn != NULL ? dn : jsonx_str_raw(o, "name"));
    r->experiment_id = md_xstrdup_clean(experiment_of(o));
    r->user = jsonx_str(jsonx_get(o, "systemData"), "createdBy");
    r->status = azureml_job_status(status);
    r->start_time = sys_time(o, "createdAt");
    /* ARM has no end time: a finished job was last modified when it ended */
    bool ended =
        r->status == MD_RUN_FINISHED || r->status == MD_RUN_FAILED || r->status == MD_RUN_KILLED;
    r->end_time = ended ? sys_time(o, "lastModifiedAt") : 0;
    md_status st = kv_from_object(jsonx_get(p, "tags"), &r->tags, err);
    if (st != MD_OK)
        return st;
    kv_push_nonempty(&r->tags, "azureml.job_type", jsonx_str_raw(p, "jobType"));
    kv_push_nonempty(&r->tags, "azureml.status", status);
    kv_push_nonempty(&r->tags, "azureml.compute", jsonx_str_raw(p, "computeId"));
    kv_push_nonempty(&r->tags, "azureml.parent", jsonx_str_raw(p, "parentJobName"));
    kv_push_nonempty(&r->tags, "azureml.studio_url",
                     jsonx_str_raw(jsonx_get(jsonx_get(p, "services"), "Studio"), "endpoint"));
    map_inputs(jsonx_get(p, "inputs"), r);
    return MD_OK;
}

static int run_cmp_newest(const void *pa, const void *pb)
{
    const struct md_run *a = pa;
    const struct md_run *b = pb;
    if (a->start_time != b->start_time)
        return a->start_time > b->start_time ? -1 : 1;
    return strcmp(a->id, b->id);
}

struct job_key {
    const char *experiment;
    int64_t created;
    int64_t updated;
};

static int job_key_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct job_key *)pa)->experiment,
                  ((const struct job_key *)pb)->experiment);
}

static int experiment_cmp_recent(const void *pa, const void *pb)
{
    const struct md_experiment *a = pa;
    const struct md_experiment *b = pb;
    if (a->updated != b->updated)
        return a->updated > b->updated ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Jobs grouped by experiment name: sort the names, then one experiment per run of equals. */
static md_status parse_experiments(const cJSON *arr, struct md_result *out)
{
    size_t n = jsonx_count(arr);
    if (n == 0)
        return MD_OK;
    struct job_key *keys = md_xcalloc(n, sizeof(*keys));
    size_t k = 0;
    for (const cJSON *it = arr->child; it != NULL; it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        keys[k].experiment = experiment_of(it);
        keys[k].created = sys_time(it, "createdAt");
        keys[k].updated = sys_time(it, "lastModifiedAt");
        if (keys[k].updated < keys[k].created)
            keys[k].updated = keys[k].created;
        k++;
    }
    qsort(keys, k, sizeof(*keys), job_key_cmp);
    for (size_t i = 0; i < k;) {
        size_t j = i;
        struct md_experiment *e = md_experiment_list_push(&out->experiments);
        e->id = md_xstrdup_clean(keys[i].experiment);
        e->name = md_xstrdup_clean(keys[i].experiment);
        e->lifecycle = md_xstrdup("active");
        e->created = keys[i].created;
        for (; j < k && strcmp(keys[j].experiment, keys[i].experiment) == 0; j++) {
            if (keys[j].created && (e->created == 0 || keys[j].created < e->created))
                e->created = keys[j].created;
            if (keys[j].updated > e->updated)
                e->updated = keys[j].updated;
        }
        char count[32];
        snprintf(count, sizeof(count), "%zu", j - i);
        kv_push(&e->tags, "azureml.jobs", count);
        i = j;
    }
    free(keys);
    if (out->experiments.n > 1)
        qsort(out->experiments.v, out->experiments.n, sizeof(*out->experiments.v),
              experiment_cmp_recent);
    return MD_OK;
}

/* ---- the parse slot -------------------------------------------------------------------------- */

static md_status parse_list(enum md_result_kind kind, const cJSON *root, struct md_result *out,
                            struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = page_items(root, &arr, err);
    if (st != MD_OK || kind == MD_RESULT_EXPERIMENTS)
        return st != MD_OK ? st : parse_experiments(arr, out);
    for (const cJSON *it = arr ? arr->child : NULL; st == MD_OK && it != NULL; it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        switch (kind) {
        case MD_RESULT_ENDPOINTS:
            st = map_endpoint(it, md_endpoint_list_push(&out->endpoints), err);
            break;
        case MD_RESULT_MODELS:
            st = map_model(it, md_model_list_push(&out->models), err);
            break;
        case MD_RESULT_VERSIONS:
            st = map_version(it, md_version_list_push(&out->versions), err);
            break;
        default: /* MD_RESULT_RUNS */
            st = map_run(it, md_run_list_push(&out->runs), err);
            break;
        }
    }
    if (st == MD_OK && out->versions.n > 1)
        qsort(out->versions.v, out->versions.n, sizeof(*out->versions.v),
              md_model_version_cmp_desc);
    if (st == MD_OK && out->runs.n > 1)
        qsort(out->runs.v, out->runs.n, sizeof(*out->runs.v), run_cmp_newest);
    return st;
}

static md_status parse_one(enum md_result_kind kind, const cJSON *root, struct md_result *out,
                           struct md_err *err)
{
    switch (kind) {
    case MD_RESULT_ENDPOINT:
        return map_endpoint(root, md_endpoint_list_push(&out->endpoints), err);
    case MD_RESULT_VERSION:
        return map_version(root, md_version_list_push(&out->versions), err);
    case MD_RESULT_RUN:
        return map_run(root, md_run_list_push(&out->runs), err);
    default: { /* MD_RESULT_PROBE: a workspace */
        char *name = jsonx_str(root, "name");
        char *loc = jsonx_str(root, "location");
        out->server_version =
            md_xasprintf("%s%s%s%s", name, loc[0] ? " (" : "", loc, loc[0] ? ")" : "");
        md_clip_utf8(out->server_version, 63);
        free(name);
        free(loc);
        return MD_OK;
    }
    }
}

/* The tree is freed before returning: nothing in the result points into it. */
md_status azureml_parse_resources(enum md_result_kind kind, const char *body, size_t len,
                                  struct md_result *out, struct md_err *err)
{
    cJSON *root = NULL;
    md_status st = op_parse_begin(kind, body, len, out, &root, err);
    if (st == MD_OK) {
        switch (kind) {
        case MD_RESULT_NONE:
            break;
        case MD_RESULT_ENDPOINTS:
        case MD_RESULT_MODELS:
        case MD_RESULT_VERSIONS:
        case MD_RESULT_EXPERIMENTS:
        case MD_RESULT_RUNS:
            st = parse_list(kind, root, out, err);
            break;
        case MD_RESULT_ENDPOINT:
        case MD_RESULT_VERSION:
        case MD_RESULT_RUN:
        case MD_RESULT_PROBE:
            st = parse_one(kind, root, out, err);
            break;
        default:
            st = md_err_set(err, MD_ERR_INVALID, "no Azure ML reply of kind %d", (int)kind);
            break;
        }
    }
    return op_parse_end(st, root, "nextLink", out);
}

/* ---- errors ------------------------------------------------------------------------------- */

/* ARM's {"error": {"code", "message"}}, or the bare {"code", "message"} of some front doors. */
static void arm_fields(const cJSON *root, char **code, char **message)
{
    const cJSON *e = jsonx_get(root, "error");
    const char *c = jsonx_str_raw(e, "code");
    const char *m = jsonx_str_raw(e, "message");
    if (c == NULL && m == NULL) {
        c = jsonx_str_raw(root, "code");
        m = jsonx_str_raw(root, "message");
    }
    *code = c != NULL ? md_xstrdup(c) : NULL;
    *message = m != NULL ? md_xstrdup(m) : NULL;
}

static bool code_in(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(code, list[i]) == 0)
            return true;
    }
    return false;
}

/* A wrong api-version or provider is the config's fault; a missing container is not found. */
static md_status arm_classify(const void *ctx, long http, const char *code, const char *message,
                              bool html, md_status st, char *hint, size_t hint_len)
{
    (void)ctx;
    (void)http;
    (void)message;
    (void)html;
    (void)hint;
    (void)hint_len;
    static const char *const config[] = {"InvalidApiVersionParameter", "MissingApiVersionParameter",
                                         "NoRegisteredProviderFound"};
    static const char *const missing[] = {"ResourceNotFound", "ResourceGroupNotFound",
                                          "SubscriptionNotFound"};
    if (code_in(code, config, MD_ARRAY_LEN(config)))
        return MD_ERR_CONFIG;
    if (code_in(code, missing, MD_ARRAY_LEN(missing)))
        return MD_ERR_NOT_FOUND;
    return st;
}

md_status azureml_map_error(const char *what, long code, const char *body, size_t len,
                            const char *request_id, struct md_err *err)
{
    char *rid = nonempty(request_id) ? md_xstrdup_clean(request_id) : NULL;
    if (rid != NULL)
        md_clip_utf8(rid, 64);
    char *suffix = rid != NULL ? md_xasprintf(" (request id %s)", rid) : NULL;
    const struct op_error_rules rules = {
        .fields = arm_fields,
        .classify = arm_classify,
        .code_max = 48,
        .text_max = ERR_TEXT_MAX,
        .sep = " ",
        .suffix = suffix,
    };
    md_status st = op_map_error(&rules, what, code, body, len, err);
    free(suffix);
    free(rid);
    return st;
}

/* ---- long-running operations and the workspace ----------------------------------------------- */

md_status azureml_operation_status(const char *body, size_t len, char **status, char **detail)
{
    *status = NULL;
    *detail = NULL;
    cJSON *root = NULL;
    if (jsonx_parse(body, len, 1024 * 1024, &root, NULL) != MD_OK || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *status = md_xstrdup("");
        *detail = md_xstrdup("");
        return MD_ERR_PARSE;
    }
    *status = jsonx_str(root, "status");
    md_clip_utf8(*status, 40);
    const cJSON *e = jsonx_get(root, "error");
    char *code = jsonx_str(e, "code");
    char *msg = jsonx_str(e, "message");
    md_clip_utf8(code, 48);
    md_clip_utf8(msg, ERR_TEXT_MAX);
    bool bad = strcasecmp(*status, "Failed") == 0 || strcasecmp(*status, "Canceled") == 0;
    *detail =
        bad ? md_xasprintf("%s%s%s", code, code[0] && msg[0] ? ": " : "", msg) : md_xstrdup("");
    free(code);
    free(msg);
    cJSON_Delete(root);
    return MD_OK;
}

char *azureml_workspace_mlflow_uri(const char *body, size_t len, const char *arm)
{
    cJSON *root = NULL;
    if (jsonx_parse(body, len, 0, &root, NULL) != MD_OK)
        return NULL;
    const char *uri = jsonx_str_raw(props_of(root), "mlFlowTrackingUri");
    bool plain = arm != NULL && strncasecmp(arm, "http://", 7) == 0;
    char *out = NULL;
    if (uri != NULL && strncasecmp(uri, "azureml://", 10) == 0 && uri[10] && uri[10] != '/')
        out = md_xasprintf("%s://%s", plain ? "http" : "https", uri + 10);
    else if (uri != NULL && (strncasecmp(uri, "https://", 8) == 0 ||
                             (plain && strncasecmp(uri, "http://", 7) == 0)))
        out = md_xstrdup(uri);
    cJSON_Delete(root);
    if (out != NULL) {
        md_sanitize(out);
        size_t n = strlen(out);
        while (n > 0 && out[n - 1] == '/')
            out[--n] = '\0';
    }
    return out;
}

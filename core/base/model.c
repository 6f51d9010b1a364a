/*
 * model.c - release, growth and lookup for the platform-neutral records of
 * model.h. Records own every string and array they point to; release frees
 * them and zeroes the record, so releasing twice is harmless.
 */
#include "mldeck/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Every release function accepts NULL and leaves a zeroed record, so owners
 * may release unconditionally on every error path.
 */
void md_kvs_release(struct md_kvs *kv)
{
    if (kv == NULL)
        return;
    for (size_t i = 0; i < kv->n; i++) {
        free(kv->v[i].key);
        free(kv->v[i].value);
    }
    free(kv->v);
    kv->v = NULL;
    kv->n = 0;
}

void md_experiment_release(struct md_experiment *e)
{
    if (e == NULL)
        return;
    free(e->id);
    free(e->name);
    free(e->lifecycle);
    md_kvs_release(&e->tags);
    memset(e, 0, sizeof(*e));
}

/* Inputs live in their run's array: no zeroing, the array goes next. */
static void dataset_input_release(struct md_dataset_input *d)
{
    free(d->name);
    free(d->digest);
    free(d->source_type);
    free(d->source);
    free(d->context);
}

void md_run_release(struct md_run *r)
{
    if (r == NULL)
        return;
    free(r->id);
    free(r->name);
    free(r->experiment_id);
    free(r->user);
    md_kvs_release(&r->params);
    md_kvs_release(&r->tags);
    for (size_t i = 0; i < r->n_metrics; i++)
        free(r->metrics[i].key);
    free(r->metrics);
    for (size_t i = 0; i < r->n_inputs; i++)
        dataset_input_release(&r->inputs[i]);
    free(r->inputs);
    memset(r, 0, sizeof(*r));
}

void md_registered_model_release(struct md_registered_model *m)
{
    if (m == NULL)
        return;
    free(m->name);
    free(m->description);
    for (size_t i = 0; i < m->n_aliases; i++) {
        free(m->aliases[i].alias);
        free(m->aliases[i].version);
    }
    free(m->aliases);
    md_kvs_release(&m->tags);
    memset(m, 0, sizeof(*m));
}

void md_model_version_release(struct md_model_version *v)
{
    if (v == NULL)
        return;
    free(v->model);
    free(v->version);
    free(v->stage);
    free(v->status);
    free(v->source);
    free(v->run_id);
    free(v->user);
    free(v->description);
    for (size_t i = 0; i < v->n_aliases; i++)
        free(v->aliases[i]);
    free(v->aliases);
    md_kvs_release(&v->tags);
    memset(v, 0, sizeof(*v));
}

void md_metric_series_release(struct md_metric_series *s)
{
    if (s == NULL)
        return;
    free(s->run_id);
    free(s->key);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/*
 * The four typed lists share one shape; these macros stamp out release and
 * push for each so the growth policy lives in one place.
 */
void md_deployment_release(struct md_deployment *dep)
{
    if (!dep)
        return;
    free(dep->name);
    free(dep->model);
    free(dep->version);
    free(dep->image);
    free(dep->instance_type);
    free(dep->status);
    memset(dep, 0, sizeof(*dep));
}

static void deployments_free(struct md_deployment *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        md_deployment_release(&v[i]);
    free(v);
}

void md_endpoint_release(struct md_endpoint *e)
{
    if (!e)
        return;
    free(e->name);
    free(e->id);
    free(e->status);
    free(e->config);
    free(e->failure_reason);
    free(e->updated_by);
    deployments_free(e->deployments, e->n_deployments);
    md_kvs_release(&e->tags);
    memset(e, 0, sizeof(*e));
}

void md_endpoint_config_release(struct md_endpoint_config *c)
{
    if (!c)
        return;
    free(c->name);
    deployments_free(c->variants, c->n_variants);
    memset(c, 0, sizeof(*c));
}

void md_health_series_release(struct md_health_series *h)
{
    if (!h)
        return;
    free(h->endpoint);
    free(h->deployment);
    free(h->t);
    free(h->v);
    memset(h, 0, sizeof(*h));
}

void md_monitor_signals_release(struct md_monitor_signal *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct md_monitor_signal *s = &v[i];
        for (size_t j = 0; j < s->n_thresholds; j++) {
            free(s->thresholds[j].metric);
            free(s->thresholds[j].data_type);
        }
        free(s->thresholds);
        free(s->name);
        free(s->type);
    }
    free(v);
}

void md_monitor_release(struct md_monitor *m)
{
    if (!m)
        return;
    md_monitor_signals_release(m->signals, m->n_signals);
    free(m->name);
    free(m->display_name);
    free(m->trigger);
    free(m->endpoint);
    free(m->deployment);
    free(m->model);
    memset(m, 0, sizeof(*m));
}

void md_change_release(struct md_change *c)
{
    if (!c)
        return;
    free(c->target);
    free(c->operation);
    free(c->actor);
    free(c->actor_kind);
    free(c->detail);
    free(c->status);
    free(c->error);
    free(c->source);
    free(c->id);
    memset(c, 0, sizeof(*c));
}

void md_alarm_release(struct md_alarm *a)
{
    if (!a)
        return;
    free(a->name);
    free(a->target);
    free(a->deployment);
    free(a->metric);
    free(a->reason);
    free(a->source);
    memset(a, 0, sizeof(*a));
}

static const char *const alarm_states[] = {
    [MD_ALARM_UNKNOWN] = "UNKNOWN",
    [MD_ALARM_OK] = "OK",
    [MD_ALARM_ALARM] = "ALARM",
    [MD_ALARM_INSUFFICIENT] = "INSUFFICIENT_DATA",
};

const char *md_alarm_state_str(enum md_alarm_state s)
{
    return (unsigned)s < MD_ARRAY_LEN(alarm_states) ? alarm_states[s] : "UNKNOWN";
}

enum md_alarm_state md_alarm_state_parse(const char *s)
{
    static const struct {
        const char *name;
        enum md_alarm_state state;
    } names[] = {
        {"OK", MD_ALARM_OK},
        {"ALARM", MD_ALARM_ALARM},
        {"INSUFFICIENT_DATA", MD_ALARM_INSUFFICIENT},
        /* Azure Monitor: an alert's monitor condition, and a fired alert's state */
        {"Fired", MD_ALARM_ALARM},
        {"Resolved", MD_ALARM_OK},
        {"New", MD_ALARM_ALARM},
        {"Acknowledged", MD_ALARM_ALARM},
        {"Closed", MD_ALARM_OK},
    };
    for (size_t i = 0; s != NULL && i < MD_ARRAY_LEN(names); i++)
        if (!strcasecmp(s, names[i].name))
            return names[i].state;
    return MD_ALARM_UNKNOWN;
}

#define LIST_RELEASE(fn, list_type, release_entry)                                                 \
    void fn(struct list_type *l)                                                                   \
    {                                                                                              \
        if (l == NULL)                                                                             \
            return;                                                                                \
        for (size_t i = 0; i < l->n; i++)                                                          \
            release_entry(&l->v[i]);                                                               \
        free(l->v);                                                                                \
        l->v = NULL;                                                                               \
        l->n = 0;                                                                                  \
        l->alloc = 0;                                                                              \
    }

#define LIST_PUSH(fn, list_type, entry_type)                                                       \
    entry_type *fn(struct list_type *l)                                                            \
    {                                                                                              \
        if (l->n == l->alloc) {                                                                    \
            size_t alloc = l->alloc ? l->alloc * 2 : 16;                                           \
            if (alloc < l->alloc || alloc > SIZE_MAX / sizeof(entry_type))                         \
                md_die_oom();                                                                      \
            l->v = md_xrealloc(l->v, alloc * sizeof(entry_type));                                  \
            l->alloc = alloc;                                                                      \
        }                                                                                          \
        entry_type *e = &l->v[l->n++];                                                             \
        memset(e, 0, sizeof(*e));                                                                  \
        return e;                                                                                  \
    }

LIST_RELEASE(md_experiment_list_release, md_experiment_list, md_experiment_release)
LIST_RELEASE(md_run_list_release, md_run_list, md_run_release)
LIST_RELEASE(md_model_list_release, md_model_list, md_registered_model_release)
LIST_RELEASE(md_version_list_release, md_version_list, md_model_version_release)

LIST_RELEASE(md_endpoint_list_release, md_endpoint_list, md_endpoint_release)
LIST_RELEASE(md_endpoint_config_list_release, md_endpoint_config_list, md_endpoint_config_release)
LIST_RELEASE(md_health_list_release, md_health_list, md_health_series_release)
LIST_RELEASE(md_monitor_list_release, md_monitor_list, md_monitor_release)
LIST_RELEASE(md_change_list_release, md_change_list, md_change_release)
LIST_RELEASE(md_alarm_list_release, md_alarm_list, md_alarm_release)

LIST_PUSH(md_experiment_list_push, md_experiment_list, struct md_experiment)
LIST_PUSH(md_run_list_push, md_run_list, struct md_run)
LIST_PUSH(md_model_list_push, md_model_list, struct md_registered_model)
LIST_PUSH(md_version_list_push, md_version_list, struct md_model_version)
LIST_PUSH(md_endpoint_list_push, md_endpoint_list, struct md_endpoint)
LIST_PUSH(md_endpoint_config_list_push, md_endpoint_config_list, struct md_endpoint_config)
LIST_PUSH(md_health_list_push, md_health_list, struct md_health_series)
LIST_PUSH(md_monitor_list_push, md_monitor_list, struct md_monitor)
LIST_PUSH(md_change_list_push, md_change_list, struct md_change)
LIST_PUSH(md_alarm_list_push, md_alarm_list, struct md_alarm)

/*
 * Records move bytewise: they own their strings through pointers, so a
 * memcpy of the struct transfers ownership and src must simply forget them.
 * Used when a deck appends the next page of runs to what it shows.
 */
void md_run_list_append(struct md_run_list *dst, struct md_run_list *src)
{
    if (src == NULL || src->n == 0 || dst == src)
        return;
    if (dst->n == 0) {
        /* take the whole array: no copy at all for the common first page */
        free(dst->v);
        *dst = *src;
    } else {
        size_t need = dst->n + src->n;
        if (need < dst->n || need > SIZE_MAX / sizeof(struct md_run))
            md_die_oom();
        if (need > dst->alloc) {
            size_t alloc = dst->alloc ? dst->alloc : 16;
            while (alloc < need)
                alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
            dst->v = md_xrealloc(dst->v, alloc * sizeof(struct md_run));
            dst->alloc = alloc;
        }
        memcpy(dst->v + dst->n, src->v, src->n * sizeof(struct md_run));
        dst->n = need;
        free(src->v);
    }
    src->v = NULL;
    src->n = 0;
    src->alloc = 0;
}

/*
 * Lookups are linear scans: records hold tens of params or tags, and a hash
 * per record would cost more to build than the few lookups a view makes.
 */
const char *md_kvs_get(const struct md_kvs *kv, const char *key)
{
    if (kv == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < kv->n; i++) {
        if (strcmp(kv->v[i].key, key) == 0)
            return kv->v[i].value;
    }
    return NULL;
}

const struct md_metric *md_run_metric(const struct md_run *r, const char *key)
{
    if (r == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < r->n_metrics; i++) {
        if (strcmp(r->metrics[i].key, key) == 0)
            return &r->metrics[i];
    }
    return NULL;
}

const char *md_model_alias_version(const struct md_registered_model *m, const char *alias)
{
    if (m == NULL || alias == NULL)
        return NULL;
    for (size_t i = 0; i < m->n_aliases; i++) {
        if (strcmp(m->aliases[i].alias, alias) == 0)
            return m->aliases[i].version;
    }
    return NULL;
}

char *md_endpoint_weights_string(const struct md_endpoint *e, bool desired)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 16);
    for (size_t i = 0; i < e->n_deployments; i++) {
        const struct md_deployment *dep = &e->deployments[i];
        double w = desired && !isnan(dep->desired_weight) ? dep->desired_weight : dep->weight;
        md_buf_addf(&b, "%s%s=%g", i ? "," : "", dep->name, w);
    }
    return md_buf_detach(&b, NULL);
}

void md_alias_target(char *buf, size_t n, const char *model, const char *alias)
{
    snprintf(buf, n, "%s@%s", model, alias);
}

void md_endpoint_target(char *buf, size_t n, const char *endpoint, bool traffic)
{
    snprintf(buf, n, "endpoint:%s%s", endpoint, traffic ? "#traffic" : "");
}

/* Indexed by enum md_run_status; MLflow's names. */
static const char *const run_status_names[] = {
    [MD_RUN_UNKNOWN] = "UNKNOWN",   [MD_RUN_RUNNING] = "RUNNING", [MD_RUN_SCHEDULED] = "SCHEDULED",
    [MD_RUN_FINISHED] = "FINISHED", [MD_RUN_FAILED] = "FAILED",   [MD_RUN_KILLED] = "KILLED",
};

const char *md_run_status_str(enum md_run_status st)
{
    if ((size_t)st >= MD_ARRAY_LEN(run_status_names))
        return "UNKNOWN";
    return run_status_names[st];
}

/* Case-insensitive: cached replies and other platforms are not always upper-case. */
enum md_run_status md_run_status_parse(const char *s)
{
    if (s == NULL)
        return MD_RUN_UNKNOWN;
    for (size_t i = 1; i < MD_ARRAY_LEN(run_status_names); i++) {
        if (strcasecmp(s, run_status_names[i]) == 0)
            return (enum md_run_status)i;
    }
    return MD_RUN_UNKNOWN;
}

int md_model_version_cmp_desc(const void *pa, const void *pb)
{
    const char *a = ((const struct md_model_version *)pa)->version;
    const char *b = ((const struct md_model_version *)pb)->version;
    size_t la = strspn(a, "0123456789");
    size_t lb = strspn(b, "0123456789");
    bool na = la > 0 && a[la] == '\0';
    bool nb = lb > 0 && b[lb] == '\0';
    if (na != nb)
        return na ? -1 : 1; /* numeric versions first */
    if (na) {
        while (*a == '0' && a[1] != '\0')
            a++, la--;
        while (*b == '0' && b[1] != '\0')
            b++, lb--;
        if (la != lb)
            return la > lb ? -1 : 1; /* longer digit string = larger */
    }
    return -strcmp(a, b);
}

static int change_cmp(const void *pa, const void *pb)
{
    const struct md_change *a = pa, *b = pb;
    if (a->at_ms != b->at_ms)
        return a->at_ms < b->at_ms ? -1 : 1;
    return strcmp(a->id != NULL ? a->id : "", b->id != NULL ? b->id : "");
}

void md_change_list_sort(struct md_change_list *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), change_cmp);
}

static int alarm_cmp(const void *pa, const void *pb)
{
    const struct md_alarm *a = pa, *b = pb;
    int c = strcmp(a->target ? a->target : "", b->target ? b->target : "");
    return c ? c : strcmp(a->name ? a->name : "", b->name ? b->name : "");
}

void md_alarm_list_sort(struct md_alarm_list *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), alarm_cmp);
}

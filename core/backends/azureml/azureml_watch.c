/*
 * azureml_watch.c - the mapping of what the endpoint screen watches on
 * Azure ML besides traffic: the container logs of a deployment (the reply
 * of POST .../getLogs) and the workspace's model monitors (schedules whose
 * action is CreateMonitor); and the parse slot, which hands every other
 * kind to azureml_map.c. Pure, above azureml_map.c only.
 *
 * Logs are server text headed for the terminal: escape sequences are cut
 * out (md_strip_escapes()) before md_sanitize() sees each line, so a colourised log reads as its
 * words rather than as "?[31m" debris, and nothing in it can move the cursor
 * or retitle the window.
 */
#include "azureml_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends/op.h"
#include "base/jsonx_int.h"

/* Largest log text kept, in bytes (the reply's own cap comes first). */
#define LOGS_MAX_BYTES ((size_t)16 * 1024 * 1024)

/* ---- logs ----------------------------------------------------------------------------------- */

/* One line of [s, s+n) cleaned onto b, with its newline. */
static void add_line(struct md_buf *b, const char *s, size_t n)
{
    char *line = md_xmalloc(n + 1);
    memcpy(line, s, n);
    line[n] = '\0';
    md_strip_escapes(line);
    md_sanitize(line);
    md_buf_adds(b, line);
    md_buf_adds(b, "\n");
    free(line);
}

md_status azureml_parse_logs(const char *body, size_t len, size_t max_lines, char **text,
                             struct md_err *err)
{
    *text = NULL;
    cJSON *root = NULL;
    md_status st = jsonx_parse(body, len, 0, &root, err);
    if (st == MD_OK && !cJSON_IsObject(root))
        st = md_err_set(err, MD_ERR_PARSE, "reply is not a JSON object");
    const cJSON *c = st == MD_OK ? jsonx_get(root, "content") : NULL;
    if (st == MD_OK && c != NULL && !cJSON_IsString(c) && !cJSON_IsNull(c))
        st = md_err_set(err, MD_ERR_PARSE, "the logs' \"content\" is not text");
    if (st != MD_OK) {
        cJSON_Delete(root);
        return st;
    }
    const char *s = cJSON_IsString(c) && c->valuestring != NULL ? c->valuestring : "";
    size_t n = strlen(s);
    /* where the kept lines start: count line ends back from the end */
    size_t start = 0;
    if (max_lines > 0) {
        size_t seen = 0;
        size_t end = n;
        while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r'))
            end--;
        for (size_t i = end; i > 0; i--) {
            if ((s[i - 1] == '\n' || s[i - 1] == '\r') && ++seen == max_lines) {
                start = i;
                break;
            }
        }
    }
    struct md_buf b;
    md_buf_init(&b, LOGS_MAX_BYTES);
    for (size_t i = start; i < n;) {
        size_t j = i;
        while (j < n && s[j] != '\n' && s[j] != '\r')
            j++;
        add_line(&b, s + i, j - i);
        if (j < n && s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
            j++;
        i = j + 1;
    }
    cJSON_Delete(root);
    size_t out_len = 0;
    char *out = md_buf_detach(&b, &out_len);
    *text = out != NULL ? out : md_xstrdup("");
    return MD_OK;
}

/* ---- monitor schedules ----------------------------------------------------------------------- */

static void threshold_from(const cJSON *t, struct md_monitor_threshold *out)
{
    out->metric = jsonx_str(t, "metric");
    out->data_type = jsonx_str(t, "dataType");
    out->value = jsonx_double(jsonx_get(t, "threshold"), "value", NAN);
}

/* metricThresholds (a list) for most signals, metricThreshold (one) for feature attribution. */
static void map_signal(const cJSON *sig, struct md_monitor_signal *s)
{
    s->name = md_xstrdup_clean(sig->string);
    s->type = jsonx_str(sig, "signalType");
    const cJSON *list = jsonx_array(sig, "metricThresholds", NULL);
    const cJSON *one = jsonx_get(sig, "metricThreshold");
    size_t n = jsonx_count(list) + (cJSON_IsObject(one) ? 1 : 0);
    if (n == 0)
        return;
    s->thresholds = md_xcalloc(n, sizeof(*s->thresholds));
    for (const cJSON *t = list ? list->child : NULL; t != NULL; t = t->next) {
        if (cJSON_IsObject(t))
            threshold_from(t, &s->thresholds[s->n_thresholds++]);
    }
    if (cJSON_IsObject(one))
        threshold_from(one, &s->thresholds[s->n_thresholds++]);
}

/* ".../onlineEndpoints/E/deployments/D" as "E/D"; anything else as it is. */
static char *deployment_ref(const char *id)
{
    const char *e = id != NULL ? strcasestr(id, "/onlineEndpoints/") : NULL;
    if (e == NULL)
        return md_xstrdup_clean(id);
    e += strlen("/onlineEndpoints/");
    size_t en = strcspn(e, "/");
    const char *d = strncasecmp(e + en, "/deployments/", 13) == 0 ? e + en + 13 : NULL;
    char *out = md_xasprintf("%.*s%s%.*s", (int)en, e, d ? "/" : "", d ? (int)strcspn(d, "/") : 0,
                             d ? d : "");
    md_sanitize(out);
    return out;
}

static void map_monitor(const cJSON *o, const cJSON *def, struct azureml_monitor *m)
{
    const cJSON *p = jsonx_get(o, "properties");
    const cJSON *trig = jsonx_get(p, "trigger");
    const cJSON *target = jsonx_get(def, "monitoringTarget");
    m->name = jsonx_str(o, "name");
    m->display_name = jsonx_str(p, "displayName");
    m->enabled = !cJSON_IsFalse(jsonx_get(p, "isEnabled"));
    const char *type = jsonx_str_raw(trig, "triggerType");
    char *expr = jsonx_str(trig, "expression");
    char *freq = jsonx_str(trig, "frequency");
    char *every = jsonx_str(trig, "interval");
    if (type != NULL && strcasecmp(type, "Cron") == 0)
        m->trigger = md_xasprintf("cron %s", expr);
    else if (type != NULL && strcasecmp(type, "Recurrence") == 0)
        m->trigger = md_xasprintf("recurrence %s/%s", freq, every);
    else
        m->trigger = md_xstrdup("");
    free(expr);
    free(freq);
    free(every);
    m->deployment = deployment_ref(jsonx_str_raw(target, "deploymentId"));
    char *name = NULL;
    char *ver = NULL;
    azureml_model_ref(jsonx_str_raw(target, "modelId"), &name, &ver);
    m->model = ver[0] ? md_xasprintf("%s:%s", name, ver) : md_xstrdup(name);
    free(name);
    free(ver);
    const cJSON *sigs = jsonx_get(def, "signals");
    size_t n = cJSON_IsObject(sigs) ? (size_t)cJSON_GetArraySize(sigs) : 0;
    if (n == 0 || n > AZUREML_MAX_ITEMS)
        return;
    m->signals = md_xcalloc(n, sizeof(*m->signals));
    for (const cJSON *s = sigs->child; s != NULL; s = s->next) {
        if (cJSON_IsObject(s) && s->string != NULL)
            map_signal(s, &m->signals[m->n_signals++]);
    }
}

md_status azureml_parse_monitors(const char *body, size_t len, struct azureml_monitor_list *out,
                                 struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = NULL;
    md_status st = jsonx_parse(body, len, 0, &root, err);
    bool bad = false;
    const cJSON *arr = st == MD_OK ? jsonx_array(root, "value", &bad) : NULL;
    if (st == MD_OK && (!cJSON_IsObject(root) || bad))
        st = md_err_set(err, MD_ERR_PARSE, "reply is not a page of schedules");
    size_t n = jsonx_count(arr);
    if (st == MD_OK && n > AZUREML_MAX_ITEMS)
        st = md_err_set(err, MD_ERR_TOO_BIG, "%zu schedules (limit %d)", n, AZUREML_MAX_ITEMS);
    if (st == MD_OK && n > 0)
        out->v = md_xcalloc(n, sizeof(*out->v));
    for (const cJSON *it = st == MD_OK && arr ? arr->child : NULL; it != NULL; it = it->next) {
        const cJSON *action = jsonx_get(jsonx_get(it, "properties"), "action");
        const char *type = jsonx_str_raw(action, "actionType");
        if (type != NULL && strcasecmp(type, "CreateMonitor") == 0)
            map_monitor(it, jsonx_get(action, "monitorDefinition"), &out->v[out->n++]);
    }
    cJSON_Delete(root);
    return st;
}

void azureml_monitor_list_release(struct azureml_monitor_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct azureml_monitor *m = &l->v[i];
        md_monitor_signals_release(m->signals, m->n_signals);
        free(m->name);
        free(m->display_name);
        free(m->trigger);
        free(m->deployment);
        free(m->model);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---- monitors as records --------------------------------------------------------------------- */

/* Move a string out of an azureml_* record (the record keeps NULL, freed harmlessly). */
static char *take(char **p)
{
    char *s = *p != NULL ? *p : md_xstrdup("");
    *p = NULL;
    return s;
}

static void convert_monitor(struct azureml_monitor *a, struct md_monitor *m)
{
    m->name = take(&a->name);
    m->display_name = take(&a->display_name);
    m->enabled = a->enabled;
    m->trigger = take(&a->trigger);
    m->model = take(&a->model);
    /* "E/D" from an online deployment's ARM id; anything else stays whole */
    char *dep = take(&a->deployment);
    char *slash = strchr(dep, '/');
    if (slash != NULL && slash != dep && slash[1] && strchr(slash + 1, '/') == NULL) {
        m->endpoint = md_xasprintf("%.*s", (int)(slash - dep), dep);
        m->deployment = md_xstrdup(slash + 1);
        free(dep);
    } else {
        m->endpoint = md_xstrdup("");
        m->deployment = dep;
    }
    /* the signals are model.h's records already: they move whole */
    m->signals = a->signals;
    m->n_signals = a->n_signals;
    a->signals = NULL;
    a->n_signals = 0;
}

md_status azureml_parse_md_monitors(const char *body, size_t len, struct md_monitor_list *out,
                                    struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    struct azureml_monitor_list l;
    md_status st = azureml_parse_monitors(body, len, &l, err);
    for (size_t i = 0; st == MD_OK && i < l.n; i++)
        convert_monitor(&l.v[i], md_monitor_list_push(out));
    azureml_monitor_list_release(&l);
    return st;
}

/* ---- the parse slot ------------------------------------------------------------------------ */

static md_status parse_watch(enum md_result_kind kind, const char *body, size_t len,
                             struct md_result *out, struct md_err *err)
{
    out->kind = kind;
    md_status st;
    if (kind == MD_RESULT_LOGS) {
        free(out->text);
        st = azureml_parse_logs(body, len, AZUREML_LOGS_MAX_LINES, &out->text, err);
    } else {
        md_monitor_list_release(&out->monitors);
        st = azureml_parse_md_monitors(body, len, &out->monitors, err);
    }
    return op_parse_end(st, NULL, "nextLink", out);
}

md_status azureml_parse(enum md_result_kind kind, const char *body, size_t len,
                        struct md_result *out, struct md_err *err)
{
    if (kind == MD_RESULT_LOGS || kind == MD_RESULT_MONITORS)
        return parse_watch(kind, body, len, out, err);
    if (kind == MD_RESULT_CHANGES)
        return azureml_parse_changes(body, len, out, err);
    if (kind == MD_RESULT_ALARMS)
        return azureml_parse_alarms(body, len, out, err);
    if (kind == MD_RESULT_HEALTH)
        return azureml_parse_health(body, len, out, err);
    return azureml_parse_resources(kind, body, len, out, err);
}

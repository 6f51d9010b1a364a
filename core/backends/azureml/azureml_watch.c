/*
 * azureml_watch.c - what the endpoint screen watches on Azure ML besides
 * traffic: the container logs of a deployment (POST .../getLogs, a read
 * although it is a POST) and the workspace's model monitors (schedules
 * whose action is CreateMonitor), with the mapping of both replies.
 *
 * Logs are server text headed for the terminal: escape sequences are cut
 * out before md_sanitize() sees each line, so a colourised log reads as its
 * words rather than as "?[31m" debris, and nothing in it can move the cursor
 * or retitle the window.
 */
#include "azureml_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

/* Lines asked for when the caller names no tail, and the most ever asked for or kept. */
#define LOGS_DEFAULT_TAIL 200
#define LOGS_MAX_LINES 10000
/* Largest log text kept, in bytes (the reply's own cap comes first). */
#define LOGS_MAX_BYTES ((size_t)16 * 1024 * 1024)

/* ---- requests ------------------------------------------------------------------------------- */

/* Names go into the path: an empty one, or one with a '/', can only name something else. */
static bool usable_name(const char *s)
{
    return s != NULL && s[0] && strchr(s, '/') == NULL;
}

uint64_t azureml_get_logs(struct md_backend *be, const char *endpoint, const char *deployment,
                          enum md_log_container container, int tail, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who_d = azureml_subject(deployment);
    char *who_e = azureml_subject(endpoint);
    struct az_op *op = azureml_op_new(az, AZ_OP_ONE, MD_RESULT_LOGS, cb, ud,
                                      md_xasprintf("cannot get the %s logs of deployment '%s' of "
                                                   "endpoint '%s'",
                                                   md_log_container_str(container), who_d, who_e));
    free(who_d);
    free(who_e);
    if (!usable_name(endpoint) || !usable_name(deployment))
        return azureml_op_fail_later(op, MD_ERR_INVALID, "no endpoint or deployment named");
    if (tail <= 0)
        tail = LOGS_DEFAULT_TAIL;
    if (tail > LOGS_MAX_LINES)
        tail = LOGS_MAX_LINES;
    char *ee = md_http_escape(endpoint);
    char *ed = md_http_escape(deployment);
    char *path = md_xasprintf("/onlineEndpoints/%s/deployments/%s/getLogs", ee, ed);
    /* both values are ours (a fixed word, a number): no JSON escaping needed */
    char *body = md_xasprintf("{\"containerType\":\"%s\",\"tail\":%d}",
                              md_log_container_str(container), tail);
    uint64_t id = azureml_send(op, AZ_P_LOGS, MD_HTTP_POST, azureml_ws_url(az, path), body, 0, 0);
    free(path);
    free(ed);
    free(ee);
    return id;
}

/*
 * Every schedule, every page; disabled ones too (listViewType=All: ARM's
 * default lists only enabled ones), so a monitor someone switched off shows
 * as off instead of vanishing.
 */
uint64_t azureml_list_monitors(struct md_backend *be, md_backend_cb cb, void *ud)
{
    struct azureml *az = (struct azureml *)be;
    char *who = azureml_subject(be->name);
    struct az_op *op = azureml_op_new(az, AZ_OP_SCHEDULES, MD_RESULT_MONITORS, cb, ud,
                                      md_xasprintf("cannot list the model monitors of '%s'", who));
    free(who);
    return azureml_send(op, AZ_P_SCHED_PAGE, MD_HTTP_GET,
                        azureml_ws_url(az, "/schedules?listViewType=All"), NULL, 0, 0);
}

/* ---- logs ----------------------------------------------------------------------------------- */

/* Length of a CSI's parameters and final byte from s: up to a byte 0x40..0x7E. */
static size_t csi_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7E))
        i++;
    return i < n ? i + 1 : n;
}

/* Length of a string sequence's body from s: up to BEL, ESC \ or the C1 ST (U+009C). */
static size_t string_len(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\a')
            return i + 1;
        if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\')
            return i + 2;
        if ((unsigned char)s[i] == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0x9C)
            return i + 2;
    }
    return n;
}

/*
 * Length of the escape sequence at s, 0 when none starts there: 7-bit CSI
 * "ESC [ params final", OSC "ESC ] ... BEL or ST" (and DCS, SOS, PM, APC
 * alike), ESC plus one character, and the C1 forms CSI (U+009B) and OSC,
 * DCS, SOS, PM, APC (U+009D, U+0090, U+0098, U+009E, U+009F) as UTF-8. An
 * unterminated one runs to the end of the line.
 */
static size_t escape_len(const char *s, size_t n)
{
    if (s[0] == 0x1b) {
        if (n < 2)
            return n;
        if (s[1] == '[')
            return 2 + csi_len(s + 2, n - 2);
        if (strchr("]PX^_", s[1]) != NULL)
            return 2 + string_len(s + 2, n - 2);
        return 2;
    }
    if ((unsigned char)s[0] != 0xC2 || n < 2)
        return 0;
    unsigned char c = (unsigned char)s[1];
    if (c == 0x9B)
        return 2 + csi_len(s + 2, n - 2);
    if (c == 0x9D || c == 0x90 || c == 0x98 || c == 0x9E || c == 0x9F)
        return 2 + string_len(s + 2, n - 2);
    return 0;
}

/* One line of [s, s+n) cleaned onto b, with its newline. */
static void add_line(struct md_buf *b, const char *s, size_t n)
{
    char *line = md_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t skip = escape_len(s + i, n - i);
        if (skip > 0) {
            i += skip;
            continue;
        }
        line[k++] = s[i++];
    }
    line[k] = '\0';
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

/* ---- monitors ------------------------------------------------------------------------------- */

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
    if (a->n_signals == 0)
        return;
    m->signals = md_xcalloc(a->n_signals, sizeof(*m->signals));
    for (size_t i = 0; i < a->n_signals; i++) {
        struct azureml_signal *as = &a->signals[i];
        struct md_monitor_signal *s = &m->signals[m->n_signals++];
        s->name = take(&as->name);
        s->type = take(&as->type);
        if (as->n_thresholds == 0)
            continue;
        s->thresholds = md_xcalloc(as->n_thresholds, sizeof(*s->thresholds));
        for (size_t j = 0; j < as->n_thresholds; j++) {
            struct md_monitor_threshold *t = &s->thresholds[s->n_thresholds++];
            t->metric = take(&as->thresholds[j].metric);
            t->data_type = take(&as->thresholds[j].data_type);
            t->value = as->thresholds[j].value;
        }
    }
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

md_status azureml_parse_watch(enum md_result_kind kind, const char *body, size_t len,
                              struct md_result *out, struct md_err *err)
{
    out->kind = kind;
    md_status st;
    if (kind == MD_RESULT_LOGS) {
        free(out->text);
        st = azureml_parse_logs(body, len, LOGS_MAX_LINES, &out->text, err);
    } else {
        md_monitor_list_release(&out->monitors);
        st = azureml_parse_md_monitors(body, len, &out->monitors, err);
    }
    free(out->next_token);
    out->next_token = md_xstrdup("");
    if (st != MD_OK)
        md_result_drop_records(out);
    out->status = st;
    return st;
}

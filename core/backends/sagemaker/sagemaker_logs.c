/*
 * sagemaker_logs.c - an endpoint's container logs from CloudWatch Logs
 * (FilterLogEvents on /aws/sagemaker/Endpoints/NAME, one stream per
 * variant instance, "VARIANT/i-..."), and the mapper of those events.
 *
 * FilterLogEvents is a read (on the HTTP guard's read list by name). Its
 * pages use "nextToken" (lower case), not SageMaker's NextToken, so the
 * paging is its own here. Pages are bounded twice: by event count and by
 * page count, as CloudWatch may answer many empty pages with a token while
 * it searches. Logs are shown, never cached: the bundle lives only until
 * the result is mapped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"
#include "sagemaker_req.h"

#define LOGS_PAGE 1000
#define LOGS_MAX_PAGES 20
#define LOGS_MAX 10000

static void logs_page(struct sm_op *op, const char *token)
{
    cJSON *body = cJSON_Duplicate(op->list.req, true);
    if (body == NULL)
        md_die_oom();
    if (token != NULL && token[0] != '\0')
        sm_str(body, "nextToken", token);
    op->list.pages++;
    sm_enqueue(op, MD_AWS_LOGS, "FilterLogEvents", SM_ROLE_LIST, body, NULL);
}

/* Streams of the variant asked for: moto ignores logStreamNamePrefix, so it is checked here too. */
static bool stream_wanted(const struct sm_op *op, const char *stream)
{
    if (op->arg2 == NULL || op->arg2[0] == '\0')
        return true;
    size_t n = strlen(op->arg2);
    return stream != NULL && strncmp(stream, op->arg2, n) == 0 && stream[n] == '/';
}

static void logs_on_reply(struct sm_op *op, struct op_call *c, md_status st,
                          const struct md_err *err, const cJSON *reply)
{
    (void)c;
    if (op_failed_by(&op->base, st, err))
        return;
    cJSON *dst = sm_arr(op->bundle, "events");
    const cJSON *items = jsonx_array(reply, "events", NULL);
    for (const cJSON *it = items != NULL ? items->child : NULL; it != NULL; it = it->next) {
        if (!cJSON_IsObject(it) || !stream_wanted(op, jsonx_str_raw(it, "logStreamName")))
            continue;
        if (op->list.got >= op->list.want)
            break;
        cJSON *copy = cJSON_Duplicate(it, true);
        if (copy == NULL)
            md_die_oom();
        sm_push(dst, copy);
        op->list.got++;
    }
    const char *tok = jsonx_str_raw(reply, "nextToken");
    bool more = tok != NULL && tok[0] != '\0';
    free(op->next_token);
    op->next_token = md_xstrdup(more ? tok : "");
    if (more && op->list.got < op->list.want && op->list.pages < op->list.max_pages) {
        logs_page(op, tok);
        free(op->next_token);
        op->next_token = NULL;
    }
}

uint64_t sm_filter_logs(struct md_backend *be, const struct md_logs_query *q, md_backend_cb cb,
                        void *ud)
{
    struct sm_backend *sm = (struct sm_backend *)be;
    const char *name = q != NULL && q->endpoint != NULL ? q->endpoint : "";
    struct sm_op *op = sm_op_new(sm, MD_RESULT_LOG_EVENTS, cb, ud,
                                 op_what("cannot read the logs of endpoint '%s'", name));
    if (name[0] == '\0' || strchr(name, '/') != NULL) {
        sm_op_fail_later(op, MD_ERR_INVALID, "no endpoint named");
        return op->base.id;
    }
    op->on_reply = logs_on_reply;
    op->arg2 = q->deployment != NULL && q->deployment[0] != '\0' ? md_xstrdup(q->deployment) : NULL;
    cJSON *req = sm_obj();
    char *group = md_xasprintf("/aws/sagemaker/Endpoints/%s", name);
    sm_str(req, "logGroupName", group);
    free(group);
    if (op->arg2 != NULL) {
        char *prefix = md_xasprintf("%s/", op->arg2);
        sm_str(req, "logStreamNamePrefix", prefix);
        free(prefix);
    }
    if (q->since_ms > 0)
        sm_num(req, "startTime", (double)q->since_ms);
    /* an exact phrase in CloudWatch's pattern syntax; text with quotes is filtered here only */
    if (q->filter != NULL && q->filter[0] != '\0' && strchr(q->filter, '"') == NULL) {
        char *pat = md_xasprintf("\"%s\"", q->filter);
        sm_str(req, "filterPattern", pat);
        free(pat);
    }
    sm_num(req, "limit", LOGS_PAGE);
    op->list.req = req;
    op->list.want = q->max > 0 && q->max < LOGS_MAX ? q->max : LOGS_MAX;
    op->list.max_pages = LOGS_MAX_PAGES;
    sm_arr(op->bundle, "events");
    logs_page(op, NULL);
    sm_op_start(op);
    return op->base.id;
}

/* ---- mapping ---------------------------------------------------------------------------- */

static int event_cmp(const void *pa, const void *pb)
{
    const struct md_log_event *a = pa;
    const struct md_log_event *b = pb;
    if (a->at_ms != b->at_ms)
        return a->at_ms < b->at_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

/*
 * One line per event: newlines inside a message (stack traces) become blanks; colour codes go,
 * then the rest is cleaned.
 */
static char *one_line(const char *msg)
{
    char *s = md_xstrdup(msg != NULL ? msg : "");
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    for (char *p = s; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    }
    md_strip_escapes(s);
    md_sanitize(s);
    return s;
}

/* bundle {"events": [FilteredLogEvent...], "NextToken"} -> log_events, oldest first. */
md_status sm_parse_log_events(const cJSON *root, struct md_result *out, struct md_err *err)
{
    const cJSON *arr = NULL;
    md_status st = jsonx_list(root, "events", LOGS_MAX + LOGS_PAGE, &arr, err);
    if (st != MD_OK)
        return st;
    struct md_log_event_list *l = &out->log_events;
    size_t n = jsonx_count(arr);
    l->v = md_xcalloc(n ? n : 1, sizeof(*l->v));
    for (const cJSON *ev = arr != NULL ? arr->child : NULL; ev != NULL; ev = ev->next) {
        if (!cJSON_IsObject(ev))
            continue;
        struct md_log_event *e = &l->v[l->n++];
        e->at_ms = (int64_t)jsonx_double(ev, "timestamp", 0);
        e->id = md_xstrdup_clean(jsonx_str_raw(ev, "eventId"));
        e->stream = md_xstrdup_clean(jsonx_str_raw(ev, "logStreamName"));
        e->message = one_line(jsonx_str_raw(ev, "message"));
    }
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), event_cmp);
    return MD_OK;
}

/*
 * export.c - entity lists as one-line JSON or as TSV for the headless CLI.
 *
 * Output is written straight into the caller's md_buf through a small
 * staging buffer, without building a cJSON tree: a page of 10 000 runs with
 * their params and metrics would otherwise cost a node per value and a
 * second copy of every string. JSON strings are escaped here (quotes,
 * backslashes, control characters; invalid UTF-8 becomes '?') so the output
 * is valid whatever the records hold. On MD_ERR_TOO_BIG the buffer is put
 * back as it was before the call.
 */
#include "mldeck/export.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonx_int.h"

/* Staging buffer flushed into the md_buf in large pieces. */
struct writer {
    struct md_buf *out;
    size_t start; /* out->len at entry, for the roll-back */
    md_status st;
    size_t n;
    char tmp[16384];
};

/* Remember where the caller's text ends, so a refusal can put it back. */
static void w_init(struct writer *w, struct md_buf *out)
{
    w->out = out;
    w->start = out->len;
    w->st = MD_OK;
    w->n = 0;
}

/* After the first failure nothing more is added: the status sticks. */
static void w_flush(struct writer *w)
{
    if (w->n > 0 && w->st == MD_OK)
        w->st = md_buf_add(w->out, w->tmp, w->n);
    w->n = 0;
}

/* Pieces larger than the staging buffer go straight to the md_buf. */
static void w_put(struct writer *w, const char *p, size_t n)
{
    if (w->st != MD_OK)
        return;
    if (n > sizeof(w->tmp) - w->n) {
        w_flush(w);
        if (n > sizeof(w->tmp)) {
            if (w->st == MD_OK)
                w->st = md_buf_add(w->out, p, n);
            return;
        }
    }
    memcpy(w->tmp + w->n, p, n);
    w->n += n;
}

/* The hot path for punctuation: no length checks beyond a full buffer. */
static inline void w_putc(struct writer *w, char c)
{
    if (w->n == sizeof(w->tmp))
        w_flush(w);
    w->tmp[w->n++] = c;
}

/* Literal text: keys, punctuation runs, TSV headers. */
static void w_puts(struct writer *w, const char *s)
{
    w_put(w, s, strlen(s));
}

/* Finish: flush, and on failure restore the caller's buffer. */
static md_status w_done(struct writer *w)
{
    w_flush(w);
    if (w->st != MD_OK && w->out->len > w->start) {
        w->out->len = w->start;
        if (w->out->data != NULL)
            w->out->data[w->start] = '\0';
    }
    return w->st;
}

/*
 * Integers by hand: printf would be slower, and a double conversion would
 * lose epoch-millisecond precision past 2^53 or print an exponent.
 */
static void w_int(struct writer *w, int64_t v)
{
    char buf[24];
    char *p = buf + sizeof(buf);
    /* through uint64_t so INT64_MIN negates without overflow */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    w_put(w, p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * Length of the valid UTF-8 sequence starting at s (2..4), or 0 when the
 * bytes there are not one (overlong forms, surrogates, > U+10FFFF).
 */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c >= 0xC2 && c <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
        unsigned char hi = c == 0xED ? 0x9F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

/* A JSON string literal; NULL prints as "". Runs of plain bytes are copied at once. */
static void w_str(struct writer *w, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)(str != NULL ? str : "");
    w_putc(w, '"');
    const unsigned char *run = s;
    for (;;) {
        unsigned char c = *s;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            s++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_len(s);
            if (k > 0) {
                s += k;
                continue;
            }
        }
        w_put(w, (const char *)run, (size_t)(s - run));
        if (c == '\0')
            break;
        switch (c) {
        case '"':
            w_put(w, "\\\"", 2);
            break;
        case '\\':
            w_put(w, "\\\\", 2);
            break;
        case '\n':
            w_put(w, "\\n", 2);
            break;
        case '\t':
            w_put(w, "\\t", 2);
            break;
        case '\r':
            w_put(w, "\\r", 2);
            break;
        default:
            if (c < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                w_put(w, u, sizeof(u));
            } else {
                w_putc(w, '?'); /* a byte that is not UTF-8 */
            }
            break;
        }
        s++;
        run = s;
    }
    w_putc(w, '"');
}

/* A metric value: a JSON number, or the protobuf spelling of a non-finite one. */
static void w_double(struct writer *w, double d)
{
    if (isnan(d)) {
        w_put(w, "\"NaN\"", 5);
    } else if (isinf(d)) {
        w_puts(w, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
        char buf[40];
        jsonx_fmt_double(buf, sizeof(buf), d);
        w_puts(w, buf);
    }
}

/* `"key":` with the separating comma unless first; keys are escaped like values. */
static void w_key(struct writer *w, const char *key, bool first)
{
    if (!first)
        w_putc(w, ',');
    w_str(w, key);
    w_putc(w, ':');
}

/* "key":"value" (one member of an object). */
static void w_kstr(struct writer *w, const char *key, const char *v, bool first)
{
    w_key(w, key, first);
    w_str(w, v);
}

/* "key":123, never first in its object. */
static void w_kint(struct writer *w, const char *key, int64_t v)
{
    w_key(w, key, false);
    w_int(w, v);
}

/* Params and tags as an object, in server order (MLflow keys are unique per run). */
static void w_kvs(struct writer *w, const char *key, const struct md_kvs *kv)
{
    w_key(w, key, false);
    w_putc(w, '{');
    for (size_t i = 0; i < kv->n; i++)
        w_kstr(w, kv->v[i].key, kv->v[i].value, i == 0);
    w_putc(w, '}');
}

/* A TSV field: tabs and line breaks become spaces, other controls '?'. */
static void w_tsv(struct writer *w, const char *str, bool first)
{
    if (!first)
        w_putc(w, '\t');
    const char *s = str != NULL ? str : "";
    const char *run = s;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != 0x7F)
            continue;
        w_put(w, run, (size_t)(s - run));
        w_putc(w, c == '\t' || c == '\n' || c == '\r' ? ' ' : '?');
        run = s + 1;
    }
    w_put(w, run, (size_t)(s - run));
}

/* An integer column, never the first of its row. */
static void w_tsv_int(struct writer *w, int64_t v)
{
    w_putc(w, '\t');
    w_int(w, v);
}

/*
 * The JSON shapes below are a contract: scripts and the integration tests
 * read them. Keys stay in this order; add new keys at the end of an object.
 * TSV keeps to scalar columns (plus alias lists), one record per line.
 */
md_status md_export_experiments(struct md_buf *out, enum md_export_format f, const char *backend,
                                const struct md_experiment_list *l)
{
    struct writer w;
    w_init(&w, out);
    if (f == MD_EXPORT_TSV) {
        w_puts(&w, "backend\tid\tname\tlifecycle\tcreated\tupdated\n");
        for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
            const struct md_experiment *e = &l->v[i];
            w_tsv(&w, backend, true);
            w_tsv(&w, e->id, false);
            w_tsv(&w, e->name, false);
            w_tsv(&w, e->lifecycle, false);
            w_tsv_int(&w, e->created);
            w_tsv_int(&w, e->updated);
            w_putc(&w, '\n');
        }
        return w_done(&w);
    }
    w_putc(&w, '[');
    for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
        const struct md_experiment *e = &l->v[i];
        w_puts(&w, i == 0 ? "{" : ",{");
        w_kstr(&w, "backend", backend, true);
        w_kstr(&w, "id", e->id, false);
        w_kstr(&w, "name", e->name, false);
        w_kstr(&w, "lifecycle", e->lifecycle, false);
        w_kint(&w, "created", e->created);
        w_kint(&w, "updated", e->updated);
        w_kvs(&w, "tags", &e->tags);
        w_putc(&w, '}');
    }
    w_puts(&w, "]\n");
    return w_done(&w);
}

/*
 * One run object. Metrics are numbers except the non-finite ones, which use
 * the strings MLflow itself sends, so the output stays valid JSON.
 */
static void run_json(struct writer *w, const char *backend, const struct md_run *r)
{
    w_putc(w, '{');
    w_kstr(w, "backend", backend, true);
    w_kstr(w, "id", r->id, false);
    w_kstr(w, "name", r->name, false);
    w_kstr(w, "experiment_id", r->experiment_id, false);
    w_kstr(w, "user", r->user, false);
    w_kstr(w, "status", md_run_status_str(r->status), false);
    w_kint(w, "start_time", r->start_time);
    w_kint(w, "end_time", r->end_time);
    w_kvs(w, "params", &r->params);
    w_key(w, "metrics", false);
    w_putc(w, '{');
    for (size_t i = 0; i < r->n_metrics; i++) {
        w_key(w, r->metrics[i].key, i == 0);
        w_double(w, r->metrics[i].value);
    }
    w_putc(w, '}');
    w_kvs(w, "tags", &r->tags);
    w_key(w, "inputs", false);
    w_putc(w, '[');
    for (size_t i = 0; i < r->n_inputs; i++) {
        const struct md_dataset_input *d = &r->inputs[i];
        w_puts(w, i == 0 ? "{" : ",{");
        w_kstr(w, "name", d->name, true);
        w_kstr(w, "digest", d->digest, false);
        w_kstr(w, "source_type", d->source_type, false);
        w_kstr(w, "source", d->source, false);
        w_kstr(w, "context", d->context, false);
        w_putc(w, '}');
    }
    w_puts(w, "]}");
}

md_status md_export_runs(struct md_buf *out, enum md_export_format f, const char *backend,
                         const struct md_run_list *l)
{
    struct writer w;
    w_init(&w, out);
    if (f == MD_EXPORT_TSV) {
        w_puts(&w, "backend\tid\tname\texperiment_id\tuser\tstatus\tstart_time\tend_time\n");
        for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
            const struct md_run *r = &l->v[i];
            w_tsv(&w, backend, true);
            w_tsv(&w, r->id, false);
            w_tsv(&w, r->name, false);
            w_tsv(&w, r->experiment_id, false);
            w_tsv(&w, r->user, false);
            w_tsv(&w, md_run_status_str(r->status), false);
            w_tsv_int(&w, r->start_time);
            w_tsv_int(&w, r->end_time);
            w_putc(&w, '\n');
        }
        return w_done(&w);
    }
    w_putc(&w, '[');
    for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
        if (i > 0)
            w_putc(&w, ',');
        run_json(&w, backend, &l->v[i]);
    }
    w_puts(&w, "]\n");
    return w_done(&w);
}

/* Who made the last change, as the fields of the object being written (who NULL: unknown). */
static void who_json(struct writer *w, const struct md_who *who, bool first)
{
    w_kstr(w, "changed_by", who && who->by[0] ? who->by : "unknown", first);
    w_kint(w, "changed_at", who ? who->at_ms : 0);
    w_kint(w, "changed_after", who ? who->after_ms : 0);
    w_kint(w, "changed_before", who ? who->before_ms : 0);
    w_kstr(w, "changed_source", who ? who->source : "", false);
    w_kstr(w, "changed_what", who ? who->what : "", false);
}

md_status md_export_models(struct md_buf *out, enum md_export_format f, const char *backend,
                           const struct md_model_list *l)
{
    return md_export_models_who(out, f, backend, l, NULL);
}

/* Aliases as an object alias -> version: the question asked is "what is champion?". */
md_status md_export_models_who(struct md_buf *out, enum md_export_format f, const char *backend,
                               const struct md_model_list *l, const struct md_who *const *who)
{
    struct writer w;
    w_init(&w, out);
    if (f == MD_EXPORT_TSV) {
        w_puts(&w, "backend\tname\tdescription\tcreated\tupdated\taliases\n");
        for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
            const struct md_registered_model *m = &l->v[i];
            w_tsv(&w, backend, true);
            w_tsv(&w, m->name, false);
            w_tsv(&w, m->description, false);
            w_tsv_int(&w, m->created);
            w_tsv_int(&w, m->updated);
            w_putc(&w, '\t');
            for (size_t k = 0; k < m->n_aliases; k++) {
                if (k > 0)
                    w_putc(&w, ',');
                w_tsv(&w, m->aliases[k].alias, true);
                w_putc(&w, '=');
                w_tsv(&w, m->aliases[k].version, true);
            }
            w_putc(&w, '\n');
        }
        return w_done(&w);
    }
    w_putc(&w, '[');
    for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
        const struct md_registered_model *m = &l->v[i];
        w_puts(&w, i == 0 ? "{" : ",{");
        w_kstr(&w, "backend", backend, true);
        w_kstr(&w, "name", m->name, false);
        w_kstr(&w, "description", m->description, false);
        w_kint(&w, "created", m->created);
        w_kint(&w, "updated", m->updated);
        w_key(&w, "aliases", false);
        w_putc(&w, '{');
        for (size_t k = 0; k < m->n_aliases; k++)
            w_kstr(&w, m->aliases[k].alias, m->aliases[k].version, k == 0);
        w_putc(&w, '}');
        if (who) {
            w_key(&w, "alias_changes", false);
            w_putc(&w, '{');
            for (size_t k = 0; k < m->n_aliases; k++) {
                w_key(&w, m->aliases[k].alias, k == 0);
                w_putc(&w, '{');
                who_json(&w, who[i] ? &who[i][k] : NULL, true);
                w_putc(&w, '}');
            }
            w_putc(&w, '}');
        }
        w_kvs(&w, "tags", &m->tags);
        w_putc(&w, '}');
    }
    w_puts(&w, "]\n");
    return w_done(&w);
}

/* A version's aliases are a plain list, as MLflow sends them. */
md_status md_export_versions(struct md_buf *out, enum md_export_format f, const char *backend,
                             const struct md_version_list *l)
{
    struct writer w;
    w_init(&w, out);
    if (f == MD_EXPORT_TSV) {
        w_puts(&w, "backend\tmodel\tversion\tstage\tstatus\tsource\trun_id\tuser\tdescription"
                   "\tcreated\tupdated\taliases\n");
        for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
            const struct md_model_version *v = &l->v[i];
            w_tsv(&w, backend, true);
            w_tsv(&w, v->model, false);
            w_tsv(&w, v->version, false);
            w_tsv(&w, v->stage, false);
            w_tsv(&w, v->status, false);
            w_tsv(&w, v->source, false);
            w_tsv(&w, v->run_id, false);
            w_tsv(&w, v->user, false);
            w_tsv(&w, v->description, false);
            w_tsv_int(&w, v->created);
            w_tsv_int(&w, v->updated);
            w_putc(&w, '\t');
            for (size_t k = 0; k < v->n_aliases; k++) {
                if (k > 0)
                    w_putc(&w, ',');
                w_tsv(&w, v->aliases[k], true);
            }
            w_putc(&w, '\n');
        }
        return w_done(&w);
    }
    w_putc(&w, '[');
    for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
        const struct md_model_version *v = &l->v[i];
        w_puts(&w, i == 0 ? "{" : ",{");
        w_kstr(&w, "backend", backend, true);
        w_kstr(&w, "model", v->model, false);
        w_kstr(&w, "version", v->version, false);
        w_kstr(&w, "stage", v->stage, false);
        w_kstr(&w, "status", v->status, false);
        w_kstr(&w, "source", v->source, false);
        w_kstr(&w, "run_id", v->run_id, false);
        w_kstr(&w, "user", v->user, false);
        w_kstr(&w, "description", v->description, false);
        w_kint(&w, "created", v->created);
        w_kint(&w, "updated", v->updated);
        w_key(&w, "aliases", false);
        w_putc(&w, '[');
        for (size_t k = 0; k < v->n_aliases; k++) {
            if (k > 0)
                w_putc(&w, ',');
            w_str(&w, v->aliases[k]);
        }
        w_putc(&w, ']');
        w_kvs(&w, "tags", &v->tags);
        w_putc(&w, '}');
    }
    w_puts(&w, "]\n");
    return w_done(&w);
}

/*
 * Audit strings come from the local store, not a server, and may hold raw
 * newlines or bytes that are not UTF-8: the escaper copes with both.
 */
md_status md_export_audit(struct md_buf *out, enum md_export_format f,
                          const struct md_audit_entry *v, size_t n)
{
    struct writer w;
    w_init(&w, out);
    if (f == MD_EXPORT_TSV) {
        /* the time as people read it; ts_ms (last) for scripts */
        int64_t now = md_now_ms();
        w_puts(&w, "id\ttime\twho\taction\tbackend\ttarget\tbefore\tafter\tphase\toutcome\tmessage"
                   "\tts_ms\n");
        for (size_t i = 0; i < n && w.st == MD_OK; i++) {
            const struct md_audit_entry *e = &v[i];
            char when[96];
            md_fmt_when(e->ts_ms, now, when, sizeof(when));
            w_int(&w, e->id);
            w_tsv(&w, when, false);
            w_tsv(&w, e->who, false);
            w_tsv(&w, e->action, false);
            w_tsv(&w, e->backend, false);
            w_tsv(&w, e->target, false);
            w_tsv(&w, e->before, false);
            w_tsv(&w, e->after, false);
            w_tsv(&w, e->phase, false);
            w_tsv(&w, e->outcome, false);
            w_tsv(&w, e->message, false);
            w_tsv_int(&w, e->ts_ms);
            w_putc(&w, '\n');
        }
        return w_done(&w);
    }
    w_putc(&w, '[');
    for (size_t i = 0; i < n && w.st == MD_OK; i++) {
        const struct md_audit_entry *e = &v[i];
        w_puts(&w, i == 0 ? "{\"id\":" : ",{\"id\":");
        w_int(&w, e->id);
        char iso[40];
        md_fmt_iso8601(e->ts_ms, iso, sizeof(iso));
        w_kint(&w, "ts", e->ts_ms);
        w_kstr(&w, "time", iso, false);
        w_kstr(&w, "who", e->who, false);
        w_kstr(&w, "action", e->action, false);
        w_kstr(&w, "backend", e->backend, false);
        w_kstr(&w, "target", e->target, false);
        w_kstr(&w, "before", e->before, false);
        w_kstr(&w, "after", e->after, false);
        w_kstr(&w, "phase", e->phase, false);
        w_kstr(&w, "outcome", e->outcome, false);
        w_kstr(&w, "message", e->message, false);
        w_putc(&w, '}');
    }
    w_puts(&w, "]\n");
    return w_done(&w);
}

/* A weight that the platform did not give (NaN) is written as null. */
static void w_kdouble(struct writer *w, const char *key, double v)
{
    w_key(w, key, false);
    if (isnan(v))
        w_puts(w, "null");
    else
        w_double(w, v);
}

/* "health":{"verdict":"bad","reason":"5xx 25.0 % > 5 %"} */
static void health_json(struct writer *w, const struct md_health_judgement *j)
{
    if (j == NULL)
        return;
    w_key(w, "health", false);
    w_putc(w, '{');
    w_kstr(w, "verdict", md_health_verdict_str(j->verdict), true);
    w_kstr(w, "reason", j->reason, false);
    w_putc(w, '}');
}

static void deployment_json(struct writer *w, const struct md_deployment *dep, bool first,
                            const struct md_health_judgement *health)
{
    w_puts(w, first ? "{" : ",{");
    w_kstr(w, "name", dep->name, true);
    w_kstr(w, "model", dep->model, false);
    w_kstr(w, "version", dep->version, false);
    w_kstr(w, "image", dep->image, false);
    w_kstr(w, "instance_type", dep->instance_type, false);
    w_kstr(w, "status", dep->status, false);
    w_kint(w, "instance_count", dep->instance_count);
    w_kint(w, "desired_instance_count", dep->desired_instance_count);
    w_kdouble(w, "weight", dep->weight);
    w_kdouble(w, "desired_weight", dep->desired_weight);
    w_kdouble(w, "share", dep->share);
    health_json(w, health);
    w_putc(w, '}');
}

/* The alarms of endpoint `name` among l (sorted by target), as a JSON array. */
static void alarms_json(struct writer *w, const char *name, const struct md_alarm_list *l)
{
    w_key(w, "alarms", false);
    w_putc(w, '[');
    bool first = true;
    for (size_t i = 0; l && i < l->n; i++) {
        const struct md_alarm *a = &l->v[i];
        if (strcmp(a->target ? a->target : "", name ? name : ""))
            continue;
        w_puts(w, first ? "{" : ",{");
        first = false;
        w_kstr(w, "name", a->name, true);
        w_kstr(w, "state", md_alarm_state_str(a->state), false);
        w_kstr(w, "reason", a->reason, false);
        w_kint(w, "since", a->since_ms);
        w_kstr(w, "deployment", a->deployment, false);
        w_kstr(w, "metric", a->metric, false);
        w_kstr(w, "source", a->source, false);
        w_putc(w, '}');
    }
    w_putc(w, ']');
}

md_status md_export_endpoints(struct md_buf *out, enum md_export_format f, const char *backend,
                              const struct md_endpoint_list *l)
{
    return md_export_endpoints_ex(out, f, backend, l, NULL);
}

md_status md_export_endpoints_ex(struct md_buf *out, enum md_export_format f, const char *backend,
                                 const struct md_endpoint_list *l,
                                 const struct md_export_endpoint_extra *x)
{
    struct writer w;
    w_init(&w, out);
    if (f == MD_EXPORT_TSV) {
        w_puts(&w, "backend\tname\tstatus\tconfig\tupdated\ttraffic\n");
        for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
            const struct md_endpoint *e = &l->v[i];
            w_tsv(&w, backend, true);
            w_tsv(&w, e->name, false);
            w_tsv(&w, e->status, false);
            w_tsv(&w, e->config, false);
            w_tsv_int(&w, e->updated);
            w_putc(&w, '\t');
            for (size_t k = 0; k < e->n_deployments; k++) {
                char num[32];
                snprintf(num, sizeof(num), "=%g", e->deployments[k].weight);
                if (k > 0)
                    w_putc(&w, ',');
                w_tsv(&w, e->deployments[k].name, true);
                w_puts(&w, num);
            }
            w_putc(&w, '\n');
        }
        return w_done(&w);
    }
    w_putc(&w, '[');
    for (size_t i = 0; i < l->n && w.st == MD_OK; i++) {
        const struct md_endpoint *e = &l->v[i];
        w_puts(&w, i == 0 ? "{" : ",{");
        w_kstr(&w, "backend", backend, true);
        w_kstr(&w, "name", e->name, false);
        w_kstr(&w, "id", e->id, false);
        w_kstr(&w, "status", e->status, false);
        w_kstr(&w, "config", e->config, false);
        w_kstr(&w, "failure_reason", e->failure_reason, false);
        w_kint(&w, "created", e->created);
        w_kint(&w, "updated", e->updated);
        w_key(&w, "deployments", false);
        w_putc(&w, '[');
        for (size_t k = 0; k < e->n_deployments; k++)
            deployment_json(&w, &e->deployments[k], k == 0,
                            x && x->dep_health && x->dep_health[i] ? &x->dep_health[i][k] : NULL);
        w_putc(&w, ']');
        w_kvs(&w, "tags", &e->tags);
        alarms_json(&w, e->name, x ? x->alarms : NULL);
        if (x && x->who)
            who_json(&w, &x->who[i], false);
        health_json(&w, x && x->health ? &x->health[i] : NULL);
        w_putc(&w, '}');
    }
    w_puts(&w, "]\n");
    return w_done(&w);
}

/* When a timeline row happened: its time, or "between A and B" for a bracket. */
static void tl_when(char *buf, size_t n, const struct md_tl_row *r)
{
    char a[32], b[32];
    if (r->c.at_ms) {
        md_fmt_iso8601(r->c.at_ms, buf, n);
        return;
    }
    md_fmt_iso8601(r->c.seen_after_ms, a, sizeof(a));
    md_fmt_iso8601(r->c.seen_before_ms, b, sizeof(b));
    snprintf(buf, n, "between %s and %s", a, b);
}

/* Who did it; what the platform or the audit log cannot say is said to be unknown. */
static const char *tl_who(const struct md_tl_row *r)
{
    if (!strcmp(r->c.source ? r->c.source : "", "drift") ||
        !strcmp(r->c.source ? r->c.source : "", "alarm"))
        return "-";
    return r->c.actor && *r->c.actor ? r->c.actor : "unknown";
}

md_status md_export_timeline(struct md_buf *out, enum md_export_format f,
                             const struct md_timeline *t)
{
    struct writer w;
    w_init(&w, out);
    char when[96];
    if (f == MD_EXPORT_TSV) {
        w_puts(&w, "when\ttarget\twhat\tchange\twho\tsource\tstatus\tbackend\tid\n");
        for (size_t i = 0; i < t->n && w.st == MD_OK; i++) {
            const struct md_tl_row *r = &t->v[i];
            tl_when(when, sizeof(when), r);
            w_tsv(&w, when, true);
            w_tsv(&w, r->c.target, false);
            w_tsv(&w, r->c.operation, false);
            w_tsv(&w, r->c.detail, false);
            w_tsv(&w, tl_who(r), false);
            w_tsv(&w, r->c.source, false);
            w_tsv(&w, r->c.status, false);
            w_tsv(&w, r->backend, false);
            w_tsv(&w, r->c.id, false);
            w_putc(&w, '\n');
        }
        return w_done(&w);
    }
    w_putc(&w, '[');
    for (size_t i = 0; i < t->n && w.st == MD_OK; i++) {
        const struct md_tl_row *r = &t->v[i];
        w_puts(&w, i == 0 ? "{" : ",{");
        w_key(&w, "time", true);
        w_int(&w, md_tl_row_time(r));
        tl_when(when, sizeof(when), r);
        w_kstr(&w, "when", when, false);
        w_key(&w, "exact", false);
        w_puts(&w, r->c.at_ms ? "true" : "false");
        w_kint(&w, "after", r->c.at_ms ? r->c.at_ms : r->c.seen_after_ms);
        w_kint(&w, "before", r->c.at_ms ? r->c.at_ms : r->c.seen_before_ms);
        w_kstr(&w, "backend", r->backend, false);
        w_kstr(&w, "target", r->c.target, false);
        w_kstr(&w, "what", r->c.operation, false);
        w_kstr(&w, "change", r->c.detail, false);
        w_kstr(&w, "who", tl_who(r), false);
        w_kstr(&w, "source", r->c.source, false);
        w_kstr(&w, "status", r->c.status, false);
        w_kstr(&w, "message", r->c.error, false);
        w_kstr(&w, "id", r->c.id, false);
        w_putc(&w, '}');
    }
    w_puts(&w, "]\n");
    return w_done(&w);
}

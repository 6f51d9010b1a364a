/*
 * sm_probe - drive the SageMaker backend headlessly, for the integration
 * tests (until `mldeck get endpoints --json` covers it). Test-only: it
 * calls the mutating slots directly, which only core/action/action.c may do in
 * the product.
 *
 *   sm_probe [--url U] [--region R] [--profile P] [--read-only] [--log]
 *            [--raw-out FILE] [--timeout MS] [--repeat N] COMMAND [ARGS...]
 *
 * Commands: probe | endpoints | endpoint NAME | configs NAME |
 *   health NAME MINUTES | endpoints-health MINUTES | experiments |
 *   runs EXPERIMENT | run JOB | models | versions GROUP |
 *   update-endpoint NAME CONFIG | set-weights NAME VARIANT=W... |
 *   set-approval GROUP VERSION STATUS | changes ENDPOINT [SINCE_MS] |
 *   alarms [ENDPOINT]
 *
 * Output: one JSON object per line per record, then a last line
 * {"status": "ok"} or {"status": "error", "code": "...", "http": N, "msg": "..."}
 * (exit 1). --log sends md_log lines (debug level) to stderr. --raw-out
 * writes the result's raw bundle (what the deck caches) to FILE. --repeat
 * runs the command N times, one after the other, on the same backend (as
 * a refresh does).
 *
 * Built by tests/integration/test_sagemaker_backend.py:
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -Icore tests/tools/sm_probe.c build/libcore.a \
 *      $(pkg-config --cflags --libs libcurl libcjson yaml-0.1 sqlite3 inih) -lm -pthread
 */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/backend.h"

static const char *raw_out;
static int failures;
static size_t pending_ops;

static void print_json(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    puts(s);
    cJSON_free(s);
    cJSON_Delete(o);
}

static void add_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *kvs_obj(const struct md_kvs *kv)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < kv->n; i++)
        cJSON_AddStringToObject(o, kv->v[i].key, kv->v[i].value);
    return o;
}

static cJSON *deployment_obj(const struct md_deployment *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON_AddStringToObject(o, "model", d->model);
    cJSON_AddStringToObject(o, "version", d->version);
    cJSON_AddStringToObject(o, "image", d->image);
    cJSON_AddStringToObject(o, "instance_type", d->instance_type);
    cJSON_AddStringToObject(o, "status", d->status);
    add_num(o, "instance_count", (double)d->instance_count);
    add_num(o, "desired_instance_count", (double)d->desired_instance_count);
    add_num(o, "weight", d->weight);
    add_num(o, "desired_weight", d->desired_weight);
    add_num(o, "share", d->share);
    return o;
}

static void print_endpoint(const struct md_endpoint *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "endpoint");
    cJSON_AddStringToObject(o, "name", e->name);
    cJSON_AddStringToObject(o, "id", e->id);
    cJSON_AddStringToObject(o, "status", e->status);
    cJSON_AddStringToObject(o, "config", e->config);
    cJSON_AddStringToObject(o, "failure_reason", e->failure_reason);
    add_num(o, "created", (double)e->created);
    add_num(o, "updated", (double)e->updated);
    cJSON *deps = cJSON_AddArrayToObject(o, "deployments");
    for (size_t i = 0; i < e->n_deployments; i++)
        cJSON_AddItemToArray(deps, deployment_obj(&e->deployments[i]));
    cJSON_AddItemToObject(o, "tags", kvs_obj(&e->tags));
    print_json(o);
}

static void print_result(const struct md_result *r)
{
    for (size_t i = 0; i < r->endpoints.n; i++)
        print_endpoint(&r->endpoints.v[i]);
    for (size_t i = 0; i < r->configs.n; i++) {
        const struct md_endpoint_config *c = &r->configs.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "config");
        cJSON_AddStringToObject(o, "name", c->name);
        add_num(o, "created", (double)c->created);
        cJSON *vs = cJSON_AddArrayToObject(o, "variants");
        for (size_t k = 0; k < c->n_variants; k++)
            cJSON_AddItemToArray(vs, deployment_obj(&c->variants[k]));
        print_json(o);
    }
    static const char *const metrics[] = {"invocations", "4xx",    "5xx",
                                          "latency_us",  "p50_us", "p99_us"};
    _Static_assert(MD_ARRAY_LEN(metrics) == MD_HEALTH_METRIC_COUNT, "a name per metric");
    for (size_t i = 0; i < r->health.n; i++) {
        const struct md_health_series *h = &r->health.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "health");
        cJSON_AddStringToObject(o, "endpoint", h->endpoint);
        cJSON_AddStringToObject(o, "deployment", h->deployment);
        cJSON_AddStringToObject(o, "metric", metrics[h->metric]);
        cJSON *t = cJSON_AddArrayToObject(o, "t");
        cJSON *v = cJSON_AddArrayToObject(o, "v");
        for (size_t k = 0; k < h->n; k++) {
            cJSON_AddItemToArray(t, cJSON_CreateNumber((double)h->t[k]));
            cJSON_AddItemToArray(v, isfinite(h->v[k]) ? cJSON_CreateNumber(h->v[k])
                                                      : cJSON_CreateNull());
        }
        print_json(o);
    }
    for (size_t i = 0; i < r->experiments.n; i++) {
        const struct md_experiment *e = &r->experiments.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "experiment");
        cJSON_AddStringToObject(o, "id", e->id);
        cJSON_AddStringToObject(o, "name", e->name);
        add_num(o, "created", (double)e->created);
        add_num(o, "updated", (double)e->updated);
        cJSON_AddItemToObject(o, "tags", kvs_obj(&e->tags));
        print_json(o);
    }
    for (size_t i = 0; i < r->runs.n; i++) {
        const struct md_run *run = &r->runs.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "run");
        cJSON_AddStringToObject(o, "id", run->id);
        cJSON_AddStringToObject(o, "experiment_id", run->experiment_id);
        cJSON_AddStringToObject(o, "status", md_run_status_str(run->status));
        add_num(o, "start_time", (double)run->start_time);
        cJSON_AddItemToObject(o, "params", kvs_obj(&run->params));
        cJSON_AddItemToObject(o, "tags", kvs_obj(&run->tags));
        cJSON *m = cJSON_AddObjectToObject(o, "metrics");
        for (size_t k = 0; k < run->n_metrics; k++)
            add_num(m, run->metrics[k].key, run->metrics[k].value);
        cJSON *in = cJSON_AddArrayToObject(o, "inputs");
        for (size_t k = 0; k < run->n_inputs; k++) {
            cJSON *d = cJSON_CreateObject();
            cJSON_AddStringToObject(d, "name", run->inputs[k].name);
            cJSON_AddStringToObject(d, "source", run->inputs[k].source);
            cJSON_AddStringToObject(d, "source_type", run->inputs[k].source_type);
            cJSON_AddStringToObject(d, "context", run->inputs[k].context);
            cJSON_AddItemToArray(in, d);
        }
        print_json(o);
    }
    for (size_t i = 0; i < r->models.n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "model");
        cJSON_AddStringToObject(o, "name", r->models.v[i].name);
        cJSON_AddStringToObject(o, "description", r->models.v[i].description);
        print_json(o);
    }
    for (size_t i = 0; i < r->versions.n; i++) {
        const struct md_model_version *v = &r->versions.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "version");
        cJSON_AddStringToObject(o, "model", v->model);
        cJSON_AddStringToObject(o, "version", v->version);
        cJSON_AddStringToObject(o, "stage", v->stage);
        cJSON_AddStringToObject(o, "status", v->status);
        cJSON_AddStringToObject(o, "source", v->source);
        print_json(o);
    }
    for (size_t i = 0; i < r->changes.n; i++) {
        const struct md_change *c = &r->changes.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "change");
        cJSON_AddStringToObject(o, "target", c->target);
        cJSON_AddStringToObject(o, "operation", c->operation);
        cJSON_AddStringToObject(o, "actor", c->actor);
        cJSON_AddStringToObject(o, "actor_kind", c->actor_kind);
        add_num(o, "at", (double)c->at_ms);
        cJSON_AddStringToObject(o, "detail", c->detail);
        cJSON_AddStringToObject(o, "status", c->status);
        cJSON_AddStringToObject(o, "error", c->error);
        cJSON_AddStringToObject(o, "source", c->source);
        cJSON_AddStringToObject(o, "id", c->id);
        print_json(o);
    }
    for (size_t i = 0; i < r->alarms.n; i++) {
        const struct md_alarm *a = &r->alarms.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "alarm");
        cJSON_AddStringToObject(o, "name", a->name);
        cJSON_AddStringToObject(o, "target", a->target);
        cJSON_AddStringToObject(o, "deployment", a->deployment);
        cJSON_AddStringToObject(o, "metric", a->metric);
        cJSON_AddStringToObject(o, "state", md_alarm_state_str(a->state));
        cJSON_AddStringToObject(o, "reason", a->reason);
        add_num(o, "since", (double)a->since_ms);
        print_json(o);
    }
    if (r->server_version != NULL) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "probe");
        cJSON_AddStringToObject(o, "server", r->server_version);
        print_json(o);
    }
}

static void report_error(const struct md_err *err, md_status st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "error");
    cJSON_AddStringToObject(o, "code", md_status_str(st));
    cJSON_AddNumberToObject(o, "http", (double)err->http_status);
    cJSON_AddStringToObject(o, "msg", err->msg);
    print_json(o);
    failures++;
}

static void on_result(struct md_result *r, void *ud)
{
    (void)ud;
    pending_ops--;
    if (r->status != MD_OK) {
        report_error(&r->err, r->status);
    } else {
        print_result(r);
        if (raw_out != NULL && r->raw != NULL) {
            FILE *f = fopen(raw_out, "ab");
            if (f != NULL) {
                fwrite(r->raw, 1, r->raw_len, f);
                fputc('\n', f);
                fclose(f);
            }
        }
    }
    md_result_release(r);
}

/* endpoints-health: every endpoint, then the health of each, all through one backend. */
static struct md_backend *g_be;
static int g_minutes;

static void on_endpoints_for_health(struct md_result *r, void *ud)
{
    on_result(r, ud);
}

static void on_endpoint_list(struct md_result *r, void *ud)
{
    if (r->status == MD_OK) {
        for (size_t i = 0; i < r->endpoints.n; i++) {
            pending_ops++;
            g_be->ops->get_health(g_be, r->endpoints.v[i].name, g_minutes, on_endpoints_for_health,
                                  NULL);
        }
    }
    on_result(r, ud);
}

static void log_sink(enum md_log_level level, const char *line, void *ud)
{
    (void)ud;
    fprintf(stderr, "[%d] %s\n", (int)level, line);
}

/* Start one command on the backend; false when the command line is wrong. */
static bool start(struct md_backend *be, const char *cmd, char **args, int nargs)
{
    struct md_weight *w = NULL;
    if (strcmp(cmd, "probe") == 0) {
        be->ops->probe(be, on_result, NULL);
    } else if (strcmp(cmd, "endpoints") == 0) {
        be->ops->list_endpoints(be, on_result, NULL);
    } else if (strcmp(cmd, "endpoint") == 0 && nargs == 1) {
        be->ops->get_endpoint(be, args[0], on_result, NULL);
    } else if (strcmp(cmd, "configs") == 0 && nargs == 1) {
        be->ops->list_endpoint_configs(be, args[0], on_result, NULL);
    } else if (strcmp(cmd, "health") == 0 && nargs == 2) {
        be->ops->get_health(be, args[0], (int)strtol(args[1], NULL, 10), on_result, NULL);
    } else if (strcmp(cmd, "endpoints-health") == 0 && nargs == 1) {
        g_minutes = (int)strtol(args[0], NULL, 10);
        be->ops->list_endpoints(be, on_endpoint_list, NULL);
    } else if (strcmp(cmd, "experiments") == 0) {
        be->ops->list_experiments(be, NULL, 0, on_result, NULL);
    } else if (strcmp(cmd, "runs") == 0 && nargs == 1) {
        struct md_runs_query q = {.experiment_id = args[0]};
        be->ops->list_runs(be, &q, on_result, NULL);
    } else if (strcmp(cmd, "run") == 0 && nargs == 1) {
        be->ops->get_run(be, args[0], on_result, NULL);
    } else if (strcmp(cmd, "models") == 0) {
        be->ops->list_models(be, NULL, 0, on_result, NULL);
    } else if (strcmp(cmd, "versions") == 0 && nargs == 1) {
        be->ops->list_versions(be, args[0], NULL, 0, on_result, NULL);
    } else if (strcmp(cmd, "update-endpoint") == 0 && nargs == 2) {
        be->ops->update_endpoint(be, args[0], args[1], on_result, NULL);
    } else if (strcmp(cmd, "set-weights") == 0 && nargs >= 2) {
        size_t n = (size_t)nargs - 1;
        w = calloc(n, sizeof(*w));
        char **names = calloc(n, sizeof(*names));
        bool ok = true;
        for (size_t k = 0; k < n; k++) {
            const char *eq = strchr(args[k + 1], '=');
            ok = ok && eq != NULL;
            names[k] = eq ? strndup(args[k + 1], (size_t)(eq - args[k + 1])) : NULL;
            w[k].deployment = names[k];
            w[k].weight = eq ? strtod(eq + 1, NULL) : 0;
        }
        if (ok)
            be->ops->set_weights(be, args[0], w, n, on_result, NULL);
        for (size_t k = 0; k < n; k++)
            free(names[k]);
        free(names);
        if (!ok) {
            free(w);
            return false;
        }
    } else if (strcmp(cmd, "changes") == 0 && (nargs == 1 || nargs == 2)) {
        int64_t since = nargs == 2 ? strtoll(args[1], NULL, 10) : 0;
        be->ops->list_changes(be, args[0], since, on_result, NULL);
    } else if (strcmp(cmd, "alarms") == 0 && nargs <= 1) {
        be->ops->list_alarms(be, nargs == 1 ? args[0] : NULL, on_result, NULL);
    } else if (strcmp(cmd, "set-approval") == 0 && nargs == 3) {
        be->ops->set_approval(be, args[0], args[1], args[2], on_result, NULL);
    } else {
        return false;
    }
    free(w); /* borrowed for the call only */
    return true;
}

static int usage(void)
{
    fprintf(stderr, "usage: sm_probe [--url U] [--region R] [--profile P] [--read-only] [--log] "
                    "[--raw-out F] [--timeout MS] [--repeat N] COMMAND [ARGS...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct md_backend_conf conf = {0};
    conf.name = (char *)"probe";
    conf.kind = MD_BACKEND_SAGEMAKER;
    conf.url = (char *)"";
    conf.region = (char *)"";
    conf.profile = (char *)"";
    conf.ca_path = (char *)"";
    bool read_only = false;
    int timeout_ms = 120000;
    int repeat = 1;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            conf.url = argv[++i];
        else if (strcmp(argv[i], "--region") == 0 && i + 1 < argc)
            conf.region = argv[++i];
        else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
            conf.profile = argv[++i];
        else if (strcmp(argv[i], "--raw-out") == 0 && i + 1 < argc)
            raw_out = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_ms = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--read-only") == 0)
            read_only = true;
        else if (strcmp(argv[i], "--log") == 0)
            md_log_set_sink(log_sink, NULL, MD_LOG_DEBUG);
        else
            return usage();
    }
    if (i >= argc)
        return usage();
    const char *cmd = argv[i];
    char **args = argv + i + 1;
    int nargs = argc - i - 1;

    md_http *http = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_http_new(&http, &err) != MD_OK) {
        report_error(&err, err.code);
        return 1;
    }
    if (read_only)
        md_http_set_read_only(http);
    struct md_backend *be = NULL;
    md_status st = md_backend_create(&be, &conf, http, &err);
    if (st != MD_OK) {
        report_error(&err, st);
        md_http_free(http);
        return 1;
    }
    g_be = be;
    for (int round = 0; round < repeat; round++) {
        pending_ops = 1;
        if (!start(be, cmd, args, nargs)) {
            md_backend_free(be);
            md_http_free(http);
            return usage();
        }
        st = md_http_wait_all(http, timeout_ms);
        if (st != MD_OK || pending_ops != 0) {
            struct md_err terr = MD_ERR_INIT;
            md_err_set(&terr, MD_ERR_TIMEOUT, "timed out with %zu operation(s) pending",
                       pending_ops);
            report_error(&terr, MD_ERR_TIMEOUT);
            break;
        }
    }
    if (failures == 0)
        puts("{\"status\":\"ok\"}");
    md_http_free(http);
    md_backend_free(be);
    return failures ? 1 : 0;
}

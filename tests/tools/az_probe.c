/*
 * az_probe - a tiny driver of the Azure ML backend for the integration
 * tests (tests/integration/test_azureml_backend.py), linked against
 * build/libcore.a. It opens one azureml backend from its options and runs
 * the commands given, in order, printing one JSON object per result on
 * stdout and the core's log lines on stderr ("log LEVEL: text").
 *
 *   az_probe [--url U] [--subscription S] [--resource-group G] [--workspace W]
 *            [--api-version V] [--tenant T] [--authority A] [--lro-timeout SECONDS]
 *            [--read-only] COMMAND...
 *
 * Commands (one argument each, words separated by spaces):
 *   probe | endpoints | endpoint NAME | models | models-all | versions MODEL |
 *   versions-all MODEL (follow next_token to the end) |
 *   experiments | runs EXPERIMENT | run ID | set ENDPOINT NAME=W,NAME=W |
 *   logs ENDPOINT DEPLOYMENT [server|storage [TAIL]] | monitors | changes ENDPOINT [SINCE_MS] |
 *   advance SECONDS (move the core's clock forward) | info
 * The exit status is 0 when every command succeeded, 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/azureml/azureml_int.h"
#include "mldeck/backend.h"
#include "mldeck/http.h"

static int failures;

static void sink(enum md_log_level level, const char *line, void *ud)
{
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    (void)ud;
    fprintf(stderr, "log %s: %s\n", names[level], line);
}

/* JSON string output, escaping what needs it. */
static void js(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void kvs(const struct md_kvs *kv)
{
    putchar('{');
    for (size_t i = 0; i < kv->n; i++) {
        printf("%s", i ? "," : "");
        js(kv->v[i].key);
        putchar(':');
        js(kv->v[i].value);
    }
    putchar('}');
}

static void print_endpoint(const struct md_endpoint *e)
{
    printf("{\"name\":");
    js(e->name);
    printf(",\"status\":");
    js(e->status);
    printf(",\"failure\":");
    js(e->failure_reason);
    printf(",\"updated\":%lld,\"tags\":", (long long)e->updated);
    kvs(&e->tags);
    printf(",\"deployments\":[");
    for (size_t i = 0; i < e->n_deployments; i++) {
        const struct md_deployment *d = &e->deployments[i];
        printf("%s{\"name\":", i ? "," : "");
        js(d->name);
        printf(",\"model\":");
        js(d->model);
        printf(",\"version\":");
        js(d->version);
        printf(",\"instance_type\":");
        js(d->instance_type);
        printf(",\"status\":");
        js(d->status);
        printf(",\"instances\":%ld,\"weight\":%g,\"share\":%g}", d->instance_count, d->weight,
               d->share);
    }
    printf("]}");
}

static void print_monitors(const struct md_monitor_list *l)
{
    printf(",\"monitors\":[");
    for (size_t i = 0; i < l->n; i++) {
        const struct md_monitor *m = &l->v[i];
        printf("%s{\"name\":", i ? "," : "");
        js(m->name);
        printf(",\"enabled\":%s,\"trigger\":", m->enabled ? "true" : "false");
        js(m->trigger);
        printf(",\"endpoint\":");
        js(m->endpoint);
        printf(",\"deployment\":");
        js(m->deployment);
        printf(",\"model\":");
        js(m->model);
        printf(",\"signals\":[");
        for (size_t j = 0; j < m->n_signals; j++) {
            const struct md_monitor_signal *sg = &m->signals[j];
            printf("%s{\"name\":", j ? "," : "");
            js(sg->name);
            printf(",\"type\":");
            js(sg->type);
            printf(",\"thresholds\":{");
            for (size_t k = 0; k < sg->n_thresholds; k++) {
                printf("%s", k ? "," : "");
                js(sg->thresholds[k].metric);
                printf(":%g", isnan(sg->thresholds[k].value) ? -1 : sg->thresholds[k].value);
            }
            printf("}}");
        }
        printf("]}");
    }
    printf("]");
}

static void print_changes(const struct md_change_list *l)
{
    printf(",\"changes\":[");
    for (size_t i = 0; i < l->n; i++) {
        const struct md_change *c = &l->v[i];
        const char *f[][2] = {
            {"target", c->target},         {"operation", c->operation}, {"actor", c->actor},
            {"actor_kind", c->actor_kind}, {"status", c->status},       {"error", c->error},
            {"detail", c->detail},         {"source", c->source},       {"id", c->id}};
        printf("%s{\"at\":%lld", i ? "," : "", (long long)c->at_ms);
        for (size_t k = 0; k < sizeof(f) / sizeof(*f); k++) {
            printf(",\"%s\":", f[k][0]);
            js(f[k][1]);
        }
        printf("}");
    }
    printf("]");
}

struct done {
    bool finished;
    char next[2048];
};

static void on_result(struct md_result *r, void *ud)
{
    struct done *dn = ud;
    dn->finished = true;
    snprintf(dn->next, sizeof(dn->next), "%s", r->next_token ? r->next_token : "");
    if (r->status != MD_OK) {
        failures++;
        printf("{\"ok\":false,\"status\":");
        js(md_status_str(r->status));
        printf(",\"http\":%ld,\"error\":", r->err.http_status);
        js(r->err.msg);
        printf("}\n");
        fflush(stdout);
        return;
    }
    printf("{\"ok\":true,\"kind\":%d,\"raw_len\":%zu,\"next\":", (int)r->kind, r->raw_len);
    js(r->next_token);
    if (r->server_version) {
        printf(",\"server\":");
        js(r->server_version);
    }
    if (r->text) {
        printf(",\"text\":");
        js(r->text);
    }
    if (r->kind == MD_RESULT_MONITORS)
        print_monitors(&r->monitors);
    if (r->kind == MD_RESULT_CHANGES)
        print_changes(&r->changes);
    printf(",\"endpoints\":[");
    for (size_t i = 0; i < r->endpoints.n; i++) {
        printf("%s", i ? "," : "");
        print_endpoint(&r->endpoints.v[i]);
    }
    printf("],\"models\":[");
    for (size_t i = 0; i < r->models.n; i++) {
        printf("%s", i ? "," : "");
        js(r->models.v[i].name);
    }
    printf("],\"versions\":[");
    for (size_t i = 0; i < r->versions.n; i++) {
        printf("%s{\"model\":", i ? "," : "");
        js(r->versions.v[i].model);
        printf(",\"version\":");
        js(r->versions.v[i].version);
        printf(",\"run\":");
        js(r->versions.v[i].run_id);
        printf("}");
    }
    printf("],\"experiments\":[");
    for (size_t i = 0; i < r->experiments.n; i++) {
        printf("%s", i ? "," : "");
        js(r->experiments.v[i].name);
    }
    printf("],\"runs\":[");
    for (size_t i = 0; i < r->runs.n; i++) {
        printf("%s{\"id\":", i ? "," : "");
        js(r->runs.v[i].id);
        printf(",\"experiment\":");
        js(r->runs.v[i].experiment_id);
        printf(",\"status\":");
        js(md_run_status_str(r->runs.v[i].status));
        printf(",\"params\":");
        kvs(&r->runs.v[i].params);
        printf("}");
    }
    printf("]}\n");
    fflush(stdout);
}

static void wait_for(md_http *http, struct done *dn)
{
    while (!dn->finished && md_http_wait_all(http, 120000) == MD_OK && !dn->finished)
        ;
    if (!dn->finished) {
        failures++;
        printf("{\"ok\":false,\"status\":\"no callback\"}\n");
    }
}

/* "blue=100,green=0" into weights; names point into `spec`, which is modified. */
static size_t parse_weights(char *spec, struct md_weight *w, size_t max)
{
    size_t n = 0;
    for (char *p = spec; p && *p && n < max;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *eq = strchr(p, '=');
        if (eq) {
            *eq = '\0';
            w[n].deployment = p;
            w[n].weight = strtod(eq + 1, NULL);
            n++;
        }
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

static void run(struct md_backend *be, md_http *http, char *cmd)
{
    const struct md_backend_ops *ops = be->ops;
    char *arg = strchr(cmd, ' ');
    if (arg)
        *arg++ = '\0';
    struct done dn = {0};
    if (!strcmp(cmd, "probe")) {
        ops->probe(be, on_result, &dn);
    } else if (!strcmp(cmd, "endpoints")) {
        ops->list_endpoints(be, on_result, &dn);
    } else if (!strcmp(cmd, "endpoint")) {
        ops->get_endpoint(be, arg, on_result, &dn);
    } else if (!strcmp(cmd, "models") || !strcmp(cmd, "models-all")) {
        ops->list_models(be, NULL, 0, on_result, &dn);
        wait_for(http, &dn);
        while (!strcmp(cmd, "models-all") && dn.next[0]) { /* the deck's way: page by page */
            char tok[2048];
            snprintf(tok, sizeof(tok), "%s", dn.next);
            memset(&dn, 0, sizeof(dn));
            ops->list_models(be, tok, 0, on_result, &dn);
            wait_for(http, &dn);
        }
        return;
    } else if (!strcmp(cmd, "versions") || !strcmp(cmd, "versions-all")) {
        ops->list_versions(be, arg, NULL, 0, on_result, &dn);
        wait_for(http, &dn);
        while (!strcmp(cmd, "versions-all") && dn.next[0]) {
            char tok[2048];
            snprintf(tok, sizeof(tok), "%s", dn.next);
            memset(&dn, 0, sizeof(dn));
            ops->list_versions(be, arg, tok, 0, on_result, &dn);
            wait_for(http, &dn);
        }
        return;
    } else if (!strcmp(cmd, "experiments")) {
        ops->list_experiments(be, NULL, 0, on_result, &dn);
    } else if (!strcmp(cmd, "runs")) {
        struct md_runs_query q = {.experiment_id = arg};
        ops->list_runs(be, &q, on_result, &dn);
    } else if (!strcmp(cmd, "run")) {
        ops->get_run(be, arg, on_result, &dn);
    } else if (!strcmp(cmd, "set") && arg) {
        char *spec = strchr(arg, ' ');
        struct md_weight w[16];
        size_t n = 0;
        if (spec) {
            *spec++ = '\0';
            n = parse_weights(spec, w, 16);
        }
        ops->set_weights(be, arg, w, n, on_result, &dn);
    } else if (!strcmp(cmd, "logs") && arg) {
        char *dep = strchr(arg, ' ');
        char *more = NULL;
        if (dep) {
            *dep++ = '\0';
            more = strchr(dep, ' ');
            if (more)
                *more++ = '\0';
        }
        bool storage = more && !strncmp(more, "storage", 7);
        char *tail = more ? strchr(more, ' ') : NULL;
        ops->get_logs(be, arg, dep ? dep : "",
                      storage ? MD_LOG_STORAGE_INITIALIZER : MD_LOG_INFERENCE_SERVER,
                      tail ? (int)strtol(tail, NULL, 10) : 0, on_result, &dn);
    } else if (!strcmp(cmd, "changes") && arg) {
        char *since = strchr(arg, ' ');
        if (since)
            *since++ = '\0';
        ops->list_changes(be, arg, since ? strtoll(since, NULL, 10) : 0, on_result, &dn);
    } else if (!strcmp(cmd, "monitors")) {
        ops->list_monitors(be, on_result, &dn);
    } else if (!strcmp(cmd, "advance") && arg) {
        md_set_clock_ms(md_now_ms() + (int64_t)strtoll(arg, NULL, 10) * 1000);
        printf("{\"ok\":true,\"advanced\":%s}\n", arg);
        return;
    } else if (!strcmp(cmd, "info")) {
        const char *op = NULL;
        const char *rid = NULL;
        azureml_last_operation(be, &op, &rid);
        const char *mlflow = azureml_mlflow_tracking_uri(be);
        md_azure_auth *auth = azureml_auth(be);
        printf("{\"ok\":true,\"operation\":");
        js(op);
        printf(",\"request_id\":");
        js(rid);
        printf(",\"mlflow\":");
        js(mlflow ? mlflow : "");
        printf(",\"ratelimit\":%ld,\"token_source\":", azureml_ratelimit_remaining(be));
        js(md_azure_source_str(md_azure_auth_source(auth)));
        printf("}\n");
        return;
    } else {
        fprintf(stderr, "az_probe: unknown command '%s'\n", cmd);
        failures++;
        return;
    }
    wait_for(http, &dn);
}

int main(int argc, char **argv)
{
    struct md_backend_conf conf = {
        .name = (char *)(uintptr_t) "azure",
        .kind = MD_BACKEND_AZUREML,
        .url = (char *)(uintptr_t) "",
        .api_version = (char *)(uintptr_t) "",
        .timeout_ms = 15000,
        .lro_timeout_s = 600,
    };
    bool read_only = false;
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(opt, "--read-only")) {
            read_only = true;
            continue;
        }
        i++;
        if (!strcmp(opt, "--url"))
            conf.url = (char *)(uintptr_t)val;
        else if (!strcmp(opt, "--subscription"))
            conf.subscription = (char *)(uintptr_t)val;
        else if (!strcmp(opt, "--resource-group"))
            conf.resource_group = (char *)(uintptr_t)val;
        else if (!strcmp(opt, "--workspace"))
            conf.workspace = (char *)(uintptr_t)val;
        else if (!strcmp(opt, "--api-version"))
            conf.api_version = (char *)(uintptr_t)val;
        else if (!strcmp(opt, "--tenant"))
            conf.tenant = (char *)(uintptr_t)val;
        else if (!strcmp(opt, "--authority"))
            conf.authority = (char *)(uintptr_t)val;
        else if (!strcmp(opt, "--lro-timeout"))
            conf.lro_timeout_s = strtol(val, NULL, 10);
        else {
            fprintf(stderr, "az_probe: unknown option %s\n", opt);
            return 2;
        }
    }
    md_log_set_sink(sink, NULL, getenv("AZ_PROBE_DEBUG") ? MD_LOG_DEBUG : MD_LOG_INFO);
    md_http *http = NULL;
    struct md_err err = MD_ERR_INIT;
    if (md_http_new(&http, &err) != MD_OK) {
        fprintf(stderr, "az_probe: %s\n", err.msg);
        return 2;
    }
    if (read_only)
        md_http_set_read_only(http);
    struct md_backend *be = NULL;
    if (md_backend_create(&be, &conf, http, &err) != MD_OK) {
        printf("{\"ok\":false,\"status\":");
        js(md_status_str(err.code));
        printf(",\"error\":");
        js(err.msg);
        printf("}\n");
        md_http_free(http);
        return 1;
    }
    for (; i < argc; i++) {
        char *cmd = strdup(argv[i]);
        run(be, http, cmd);
        free(cmd);
    }
    md_http_free(http);
    md_backend_free(be);
    return failures ? 1 : 0;
}

/*
 * azureml_plan.c - the Azure ML backend's traffic-change plan: what to PUT
 * back, checked against the endpoint's deployments, and the live map read
 * back over them. Pure, above azureml_map.c only; the unit tests and the
 * fuzz target call it directly.
 *
 * A traffic change is a GET of the endpoint followed by a PUT of the whole
 * resource, because PATCH carries only tags and identity in every stable
 * api-version (reference/azureml.md sections 3 and 13). The PUT body is the
 * GET body minus what ARM computes itself: sending back a read-only member
 * such as a provisioningState that differs from the server's is rejected.
 */
#include "azureml_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx_int.h"

/* Most deployments one endpoint may have in a plan (ARM allows far fewer). */
#define MAX_DEPLOYMENTS 1000

struct dep_info {
    char *name;  /* a copy: the trees change while the plan is built */
    char *state; /* provisioningState, "" when absent */
    double old_w;
    double new_w;
    bool named; /* given a weight in the request */
};

static cJSON *must(cJSON *item)
{
    if (item == NULL)
        md_die_oom();
    return item;
}

static void list_names(const struct dep_info *d, size_t n, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", d[i].name);
    if (n == 0)
        snprintf(buf, size, "none");
}

/* "blue=90,green=10" over the deployments, using the old or the new weights. */
static char *weights_text(const struct dep_info *d, size_t n, bool new_weights)
{
    struct md_buf b;
    md_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < n; i++) {
        char num[32];
        jsonx_fmt_double(num, sizeof(num), new_weights ? d[i].new_w : d[i].old_w);
        md_buf_addf(&b, "%s%s=%s", i ? "," : "", d[i].name, num);
    }
    char *s = md_buf_detach(&b, NULL);
    char *c = md_xstrdup_clean(s ? s : "");
    free(s);
    return c;
}

/*
 * The deployments named by the list document, then any other name the
 * endpoint's traffic map carries. Returns the count, or SIZE_MAX when over
 * the cap.
 */
static size_t collect(const cJSON *deps, const cJSON *traffic, struct dep_info *d)
{
    size_t n = 0;
    for (const cJSON *it = deps ? deps->child : NULL; it != NULL; it = it->next) {
        const char *name = jsonx_str_raw(it, "name");
        if (name == NULL || !name[0])
            continue;
        if (n == MAX_DEPLOYMENTS)
            return SIZE_MAX;
        const char *st = jsonx_str_raw(jsonx_get(it, "properties"), "provisioningState");
        d[n++] = (struct dep_info){.name = md_xstrdup(name), .state = md_xstrdup0(st)};
    }
    for (const cJSON *t = cJSON_IsObject(traffic) ? traffic->child : NULL; t; t = t->next) {
        size_t i = 0;
        while (i < n && strcmp(d[i].name, t->string) != 0)
            i++;
        if (i == n) {
            if (n == MAX_DEPLOYMENTS)
                return SIZE_MAX;
            d[n++] = (struct dep_info){.name = md_xstrdup(t->string),
                                       .state = md_xstrdup("(not listed)")};
        }
        d[i].old_w = jsonx_value_double(t, 0);
        if (!isfinite(d[i].old_w))
            d[i].old_w = 0;
    }
    return n;
}

/* Check the requested weights against the deployments; fills new_w and named. */
static md_status check_weights(struct dep_info *d, size_t n, const char *ep,
                               const struct md_weight *w, size_t nw, struct md_err *err)
{
    char names[256];
    double sum = 0;
    for (size_t k = 0; k < nw; k++) {
        const char *name = w[k].deployment != NULL ? w[k].deployment : "";
        double v = w[k].weight;
        size_t i = 0;
        while (i < n && strcmp(d[i].name, name) != 0)
            i++;
        if (i == n) {
            list_names(d, n, names, sizeof(names));
            return md_err_set(err, MD_ERR_INVALID,
                              "no deployment '%.64s' on endpoint '%s' (it "
                              "has: %s)",
                              name, ep, names);
        }
        if (d[i].named)
            return md_err_set(err, MD_ERR_INVALID, "deployment '%s' is given a weight twice",
                              d[i].name);
        if (!isfinite(v) || v < 0 || v > 100 || v != floor(v))
            return md_err_set(err, MD_ERR_INVALID,
                              "weight %g for '%s' is not a whole percentage "
                              "from 0 to 100",
                              isfinite(v) ? v : 0.0, d[i].name);
        if (v > 0 && strcasecmp(d[i].state, "Succeeded") != 0)
            return md_err_set(err, MD_ERR_INVALID,
                              "deployment '%s' is %s: only a Succeeded "
                              "deployment can take traffic",
                              d[i].name, d[i].state[0] ? d[i].state : "in an unknown state");
        d[i].named = true;
        d[i].new_w = v;
        sum += v;
    }
    if (sum != 100)
        return md_err_set(err, MD_ERR_INVALID,
                          "the weights for endpoint '%s' add up to %g, not "
                          "100",
                          ep, sum);
    return MD_OK;
}

/* The GET body made fit to PUT back: ARM's computed members removed. */
static void strip_read_only(cJSON *root)
{
    static const char *const top[] = {
        "id", "name", "type", "systemData", AZUREML_DEPLOYMENTS_KEY, AZUREML_ERROR_KEY};
    static const char *const props[] = {"provisioningState", "scoringUri", "swaggerUri"};
    static const char *const ident[] = {"principalId", "tenantId"};
    for (size_t i = 0; i < MD_ARRAY_LEN(top); i++)
        cJSON_DeleteItemFromObjectCaseSensitive(root, top[i]);
    cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "properties");
    for (size_t i = 0; cJSON_IsObject(p) && i < MD_ARRAY_LEN(props); i++)
        cJSON_DeleteItemFromObjectCaseSensitive(p, props[i]);
    cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "identity");
    for (size_t i = 0; cJSON_IsObject(id) && i < MD_ARRAY_LEN(ident); i++)
        cJSON_DeleteItemFromObjectCaseSensitive(id, ident[i]);
    /* user-assigned identities go back as keys with empty objects */
    cJSON *uai = cJSON_GetObjectItemCaseSensitive(id, "userAssignedIdentities");
    if (cJSON_IsObject(uai)) {
        cJSON *keys = must(cJSON_CreateObject());
        for (cJSON *it = uai->child; it != NULL; it = it->next)
            must(cJSON_AddObjectToObject(keys, it->string));
        cJSON_ReplaceItemInObjectCaseSensitive(id, "userAssignedIdentities", keys);
    }
}

/* Replace traffic; drop live targets from mirrorTraffic (a deployment is one or the other). */
static void set_traffic(cJSON *root, const struct dep_info *d, size_t n)
{
    cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "properties");
    if (!cJSON_IsObject(p)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "properties");
        p = must(cJSON_AddObjectToObject(root, "properties"));
    }
    cJSON *t = must(cJSON_CreateObject());
    for (size_t i = 0; i < n; i++) {
        if (d[i].new_w > 0)
            must(cJSON_AddNumberToObject(t, d[i].name, d[i].new_w));
    }
    if (cJSON_GetObjectItemCaseSensitive(p, "traffic") != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(p, "traffic", t);
    else
        cJSON_AddItemToObject(p, "traffic", t);
    cJSON *mirror = cJSON_GetObjectItemCaseSensitive(p, "mirrorTraffic");
    for (size_t i = 0; cJSON_IsObject(mirror) && i < n; i++) {
        if (d[i].new_w > 0)
            cJSON_DeleteItemFromObjectCaseSensitive(mirror, d[i].name);
    }
}

md_status azureml_plan_traffic(const char *endpoint, size_t endpoint_len, const char *deployments,
                               size_t deployments_len, const struct md_weight *w, size_t n,
                               char **put_body, char **from, char **to, bool *unchanged,
                               struct md_err *err)
{
    *put_body = *from = *to = NULL;
    *unchanged = false;
    cJSON *root = NULL;
    cJSON *deps_doc = NULL;
    struct dep_info *d = NULL;
    md_status st = jsonx_parse(endpoint, endpoint_len, 0, &root, err);
    if (st == MD_OK && !cJSON_IsObject(root))
        st = md_err_set(err, MD_ERR_PARSE, "the endpoint is not a JSON object");
    if (st == MD_OK)
        st = jsonx_parse(deployments, deployments_len, 0, &deps_doc, err);
    bool bad = false;
    const cJSON *deps = st == MD_OK ? jsonx_array(deps_doc, "value", &bad) : NULL;
    if (st == MD_OK && bad)
        st = md_err_set(err, MD_ERR_PARSE, "the deployment list is not a list");
    if (st != MD_OK)
        goto out;

    char *ep = jsonx_str(root, "name");
    const cJSON *props = jsonx_get(root, "properties");
    const char *state = jsonx_str_raw(props, "provisioningState");
    d = md_xcalloc(MAX_DEPLOYMENTS, sizeof(*d));
    size_t nd = collect(deps, jsonx_get(props, "traffic"), d);
    if (state != NULL && !azureml_operation_done(state))
        st = md_err_set(err, MD_ERR_INVALID,
                        "endpoint '%s' is %.40s: wait for its running "
                        "operation to finish",
                        ep, state);
    else if (nd == SIZE_MAX)
        st = md_err_set(err, MD_ERR_TOO_BIG, "endpoint '%s' has more than %d deployments", ep,
                        MAX_DEPLOYMENTS);
    else
        st = check_weights(d, nd, ep, w, n, err);
    free(ep);
    if (st != MD_OK)
        goto out;

    *from = weights_text(d, nd, false);
    *to = weights_text(d, nd, true);
    bool same = true;
    for (size_t i = 0; i < nd; i++)
        same = same && d[i].old_w == d[i].new_w;
    *unchanged = same;
    if (!same) {
        strip_read_only(root);
        set_traffic(root, d, nd);
        char *s = cJSON_PrintUnformatted(root);
        if (s == NULL)
            md_die_oom();
        *put_body = md_xstrdup(s);
        cJSON_free(s);
    }
out:
    for (size_t i = 0; d != NULL && i < MAX_DEPLOYMENTS && d[i].name != NULL; i++) {
        free(d[i].name);
        free(d[i].state);
    }
    free(d);
    if (st != MD_OK && err != NULL)
        md_sanitize(err->msg); /* names in the message came from the server */
    cJSON_Delete(root);
    cJSON_Delete(deps_doc);
    return st;
}

char *azureml_traffic_string(const char *endpoint, size_t len, const char *names)
{
    cJSON *root = NULL;
    if (jsonx_parse(endpoint, len, 0, &root, NULL) != MD_OK || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return NULL;
    }
    const cJSON *traffic = jsonx_get(jsonx_get(root, "properties"), "traffic");
    struct md_buf b;
    md_buf_init(&b, 1 << 20);
    const char *p = names != NULL ? names : "";
    while (*p) { /* the named deployments first, in order, 0 when absent */
        size_t k = strcspn(p, ",");
        char *name = md_xmalloc(k + 1);
        memcpy(name, p, k);
        name[k] = '\0';
        char num[32];
        double v = jsonx_double(traffic, name, 0);
        jsonx_fmt_double(num, sizeof(num), isfinite(v) ? v : 0);
        md_buf_addf(&b, "%s%s=%s", b.len ? "," : "", name, num);
        free(name);
        p += k;
        if (*p == ',')
            p++;
    }
    for (const cJSON *t = cJSON_IsObject(traffic) ? traffic->child : NULL; t; t = t->next) {
        size_t k = strlen(t->string);
        bool listed = false;
        for (const char *q = names ? strstr(names, t->string) : NULL; q && !listed;
             q = strstr(q + 1, t->string))
            listed = (q == names || q[-1] == ',') && (q[k] == ',' || q[k] == '\0');
        if (listed)
            continue;
        char num[32];
        double v = jsonx_value_double(t, 0);
        jsonx_fmt_double(num, sizeof(num), isfinite(v) ? v : 0);
        md_buf_addf(&b, "%s%s=%s", b.len ? "," : "", t->string, num);
    }
    cJSON_Delete(root);
    char *s = md_buf_detach(&b, NULL);
    char *c = md_xstrdup_clean(s ? s : "");
    free(s);
    return c;
}

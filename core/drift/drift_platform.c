/*
 * drift_platform.c - a platform's own verdicts read beside mldeck's: today
 * SageMaker Model Monitor's constraint_violations.json, from S3 or a local
 * file, into md_drift_run.platform. See drift_int.h.
 *
 * Never merged with mldeck's results and never fatal: the platform measures
 * with other methods and thresholds (drift.md §3), so its items are only
 * shown next to ours, and a file that cannot be fetched or parsed becomes
 * md_drift_run.platform_error while the run keeps its own results.
 */
#include "drift_int.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mldeck/s3.h"

#define VIOLATIONS_MAX_BYTES ((size_t)16 << 20)
#define VIOLATIONS_MAX_ITEMS 100000
#define VIOLATION_DETAIL_MAX 1024
#define VIOLATION_NAME_MAX 256

static const char monitor_source[] = "SageMaker Model Monitor";

/* A string member, cleaned and cut; "" when absent or not a string. */
static char *member(const cJSON *o, const char *name, size_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    char *s = md_xstrdup_clean(cJSON_IsString(v) ? v->valuestring : "");
    md_clip_utf8(s, max);
    return s;
}

/*
 * The number after `word` in free text ("distance: 0.21", "threshold 0.1"),
 * NAN when there is none close by. AWS documents no format for the
 * description (drift.md §9), so this reads only what is plainly there.
 */
static double number_after(const char *text, const char *word)
{
    const char *p = strcasestr(text, word);
    if (!p)
        return NAN;
    p += strlen(word);
    for (int i = 0; i < 4 && *p && !(*p >= '0' && *p <= '9') && *p != '-' && *p != '.'; i++)
        p++;
    char *end;
    double v = strtod(p, &end);
    return end != p && isfinite(v) ? v : NAN;
}

md_status drift_violations_parse(const char *json, size_t len,
                                 struct md_drift_platform_item **items, size_t *n,
                                 struct md_err *err)
{
    *items = NULL;
    *n = 0;
    cJSON *root = cJSON_ParseWithLength(json ? json : "", json ? len : 0);
    if (!root)
        return md_err_set(err, MD_ERR_PARSE, "not JSON");
    md_status st = MD_OK;
    const cJSON *list =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "violations") : NULL;
    if (!cJSON_IsObject(root))
        st = md_err_set(err, MD_ERR_PARSE, "not a JSON object");
    else if (!cJSON_IsArray(list))
        st = md_err_set(err, MD_ERR_PARSE, "no \"violations\" list");
    else if (cJSON_GetArraySize(list) > VIOLATIONS_MAX_ITEMS)
        st = md_err_set(err, MD_ERR_TOO_BIG, "more than %d violations", VIOLATIONS_MAX_ITEMS);
    size_t count = st ? 0 : (size_t)cJSON_GetArraySize(list);
    size_t i = 0;
    const cJSON *v;
    const cJSON *walk = st ? NULL : list;
    if (!st)
        *items = md_xcalloc(count ? count : 1, sizeof(**items));
    cJSON_ArrayForEach(v, walk)
    {
        if (!cJSON_IsObject(v)) {
            st = md_err_set(err, MD_ERR_PARSE, "violation %zu is not an object", i + 1);
            break;
        }
        struct md_drift_platform_item *it = &(*items)[(*n)++];
        it->source = md_xstrdup(monitor_source);
        it->feature = member(v, "feature_name", VIOLATION_NAME_MAX);
        it->check = member(v, "constraint_check_type", VIOLATION_NAME_MAX);
        it->detail = member(v, "description", VIOLATION_DETAIL_MAX);
        it->violated = true;
        it->value = it->threshold = NAN;
        if (!strcmp(it->check, "baseline_drift_check")) {
            it->value = number_after(it->detail, "distance");
            it->threshold = number_after(it->detail, "threshold");
        }
        i++;
    }
    cJSON_Delete(root);
    if (st) {
        for (size_t k = 0; k < *n; k++) {
            free((*items)[k].source);
            free((*items)[k].feature);
            free((*items)[k].check);
            free((*items)[k].detail);
        }
        free(*items);
        *items = NULL;
        *n = 0;
    }
    return st;
}

/* A local file, at most max bytes, into out. */
static md_status read_local(const char *path, size_t max, struct md_buf *out, struct md_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return md_err_set(err, MD_ERR_IO, "cannot open: %s", strerror(errno));
    md_status st = MD_OK;
    char block[65536];
    for (;;) {
        ssize_t r = read(fd, block, sizeof(block));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = md_err_set(err, MD_ERR_IO, "cannot read: %s", strerror(errno));
            break;
        }
        if (r == 0)
            break;
        if (out->len + (size_t)r > max || md_buf_add(out, block, (size_t)r)) {
            st = md_err_set(err, MD_ERR_TOO_BIG, "larger than %zu MiB", max >> 20);
            break;
        }
    }
    close(fd);
    return st;
}

void drift_platform_load(const struct md_drift_opts *o, struct drift_s3 **s3,
                         struct md_drift_run *out)
{
    if (!o->violations || !*o->violations)
        return;
    char *label = md_xstrdup_clean(o->violations);
    struct md_buf b;
    md_buf_init(&b, VIOLATIONS_MAX_BYTES + 1);
    struct md_err e = MD_ERR_INIT;
    md_status st;
    if (md_s3_is_uri(o->violations)) {
        st = drift_s3_open(s3, o, &e);
        if (!st)
            st = drift_s3_read(*s3, o->violations, VIOLATIONS_MAX_BYTES, &b, &e);
        if (st) /* the S3 client's messages already name s3://BUCKET/KEY */
            out->platform_error = md_xasprintf("%s: %s", monitor_source, e.msg);
    } else {
        st = read_local(o->violations, VIOLATIONS_MAX_BYTES, &b, &e);
        if (st)
            out->platform_error =
                md_xasprintf("%s: cannot read '%s': %s", monitor_source, label, e.msg);
    }
    if (!st) {
        st = drift_violations_parse(b.data, b.len, &out->platform, &out->n_platform, &e);
        if (st)
            out->platform_error =
                md_xasprintf("%s: cannot parse '%s': %s", monitor_source, label, e.msg);
    }
    if (out->platform_error)
        md_sanitize(out->platform_error);
    md_buf_release(&b);
    free(label);
}

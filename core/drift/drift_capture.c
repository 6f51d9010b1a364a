/*
 * drift_capture.c - the SageMaker Data Capture reader: JSONL lines whose
 * captureData halves (endpointInput, endpointOutput) carry CSV, JSON or
 * BASE64 payloads, joined row by row and stamped with
 * eventMetadata.inferenceTime. See drift_int.h.
 *
 * Reached through drift_reader_capture. Separate because it is the largest
 * reader and the only one with rules of its own (payload encodings, batch
 * keys, positional column names); it reads payloads with the CSV splitter
 * and the JSON field helpers of drift_fields.c, as the other readers do.
 */
#include "drift_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

/* ---- Data Capture ---------------------------------------------------------------------------- */

/* The rows of one capture half: fields, with row boundaries. */
struct half {
    struct fields f;
    size_t *row_end;
    size_t rows, alloc;
    char *text;  /* decoded or copied payload the CSV fields point into */
    cJSON *json; /* parsed payload the JSON fields point into */
};

/* Close the current row of a capture half: fields up to now belong to it. */
static void half_end_row(struct half *h)
{
    if (h->rows == h->alloc) {
        h->alloc = h->alloc ? h->alloc * 2 : 8;
        h->row_end = md_xrealloc(h->row_end, h->alloc * sizeof(*h->row_end));
    }
    h->row_end[h->rows++] = h->f.n;
}

/* Free a half's rows and the payload their fields point into. */
static void half_release(struct half *h)
{
    free(h->f.v);
    free(h->row_end);
    free(h->text);
    cJSON_Delete(h->json);
    memset(h, 0, sizeof(*h));
}

/* Column name of position i: the operator's names for inputs, prediction[_i] for outputs. */
static char *capture_name(struct drift_parse *p, bool output, size_t i, size_t width)
{
    const char *pred = p->prediction ? p->prediction : "prediction";
    if (output)
        return i ? md_xasprintf("%s_%zu", pred, i) : md_xstrdup(pred);
    if (p->n_capture_columns == width)
        return md_xstrdup(p->capture_columns[i]);
    return md_xasprintf("_c%zu", i);
}

/* An array of values is one row, named by position (capture_name()). */
static void capture_positional(struct jctx *c, struct half *h, bool output, const cJSON *arr)
{
    size_t width = (size_t)cJSON_GetArraySize(arr), i = 0;
    for (const cJSON *v = arr->child; v; v = v->next, i++) {
        char *name = capture_name(c->p, output, i, width);
        drift_json_field(c, name, v);
        free(name);
    }
    half_end_row(h);
}

/* One JSON instance: a scalar, an array of scalars, {"features": [...]}, or an object. */
static void capture_instance(struct jctx *c, struct half *h, bool output, const cJSON *v)
{
    const cJSON *feat = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "features") : NULL;
    if (cJSON_IsArray(v)) {
        capture_positional(c, h, output, v);
    } else if (cJSON_IsArray(feat)) {
        capture_positional(c, h, output, feat);
    } else if (cJSON_IsObject(v)) {
        drift_json_flatten(c, v, NULL, 0);
        half_end_row(h);
    } else {
        char *name = capture_name(c->p, output, 0, 1);
        drift_json_field(c, name, v);
        free(name);
        half_end_row(h);
    }
}

/*
 * A JSON payload: a batch under "instances", "inputs", "data", "predictions" or
 * "outputs" (or a top-level array) is one row per element; anything else is one row.
 * A flat array of scalars is one row per value, except a top-level input array
 * (one instance) and the output of a single input row (its values, e.g. class
 * probabilities, become prediction, prediction_1, ...).
 */
static void capture_json(struct jctx *c, struct half *h, bool output, const cJSON *root)
{
    static const char *const batch_keys[] = {"instances", "inputs", "data", "predictions",
                                             "outputs"};
    const cJSON *batch = cJSON_IsArray(root) ? root : NULL;
    for (size_t i = 0; !batch && cJSON_IsObject(root) && i < MD_ARRAY_LEN(batch_keys); i++) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, batch_keys[i]);
        batch = cJSON_IsArray(b) ? b : NULL;
    }
    bool scalars = batch != NULL;
    for (const cJSON *v = batch ? batch->child : NULL; v; v = v->next)
        scalars &= !cJSON_IsArray(v) && !cJSON_IsObject(v);
    /* [1, 2, 3] as an input is one instance; as the output of one instance, one row too. */
    bool one_row = output ? c->in_rows == 1 && cJSON_GetArraySize(batch) != 1 : batch == root;
    if (batch && scalars && one_row) {
        capture_positional(c, h, output, batch);
    } else if (batch) {
        for (const cJSON *v = batch->child; v; v = v->next)
            capture_instance(c, h, output, v);
    } else {
        capture_instance(c, h, output, root);
    }
}

/* Decode and parse one half (endpointInput or endpointOutput). */
static void capture_half(struct jctx *c, struct half *h, bool output, const cJSON *obj)
{
    const char *what = output ? "endpointOutput" : "endpointInput";
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(obj, "data");
    const cJSON *enc = cJSON_GetObjectItemCaseSensitive(obj, "encoding");
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(obj, "observedContentType");
    struct drift_parse *p = c->p;
    if (!cJSON_IsString(data)) {
        md_drift_warnings_add(p->warn, "%s:%llu: %s has no data", p->file,
                              (unsigned long long)c->line, what);
        return;
    }
    const char *e = cJSON_IsString(enc) ? enc->valuestring : "";
    const char *type = cJSON_IsString(ct) ? ct->valuestring : "";
    size_t len = strlen(data->valuestring);
    h->text = md_xmalloc(len + 4);
    if (!strcmp(e, "BASE64")) {
        size_t n = 0;
        if (!drift_base64_decode(data->valuestring, len, (unsigned char *)h->text, &n) ||
            !drift_utf8_valid(h->text, n)) {
            md_drift_warnings_add(p->warn,
                                  "%s:%llu: %s: data is not valid BASE64 of UTF-8 text: ignored",
                                  p->file, (unsigned long long)c->line, what);
            return;
        }
        len = n;
    } else {
        memcpy(h->text, data->valuestring, len);
    }
    h->text[len] = '\0';
    bool json = !strcmp(e, "JSON") || strstr(type, "json") ||
                (strcmp(e, "CSV") && !strstr(type, "csv") && strspn(h->text, " \t\r\n") < len &&
                 strchr("{[", h->text[strspn(h->text, " \t\r\n")]));
    if (json) {
        h->json = cJSON_ParseWithLength(h->text, len);
        if (!h->json) {
            md_drift_warnings_add(p->warn, "%s:%llu: %s: invalid JSON payload: ignored", p->file,
                                  (unsigned long long)c->line, what);
            return;
        }
        capture_json(c, h, output, h->json);
        return;
    }
    struct fields tmp = {0};
    for (char *line = h->text, *next; line && *line; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        if (ll && line[ll - 1] == '\r')
            ll--;
        bool too_many;
        if (ll == 0 || !drift_csv_split(line, ll, &tmp, &too_many))
            continue;
        if (!output && p->n_capture_columns && tmp.n != p->n_capture_columns &&
            !p->capture_width_warned) {
            md_drift_warnings_add(p->warn,
                                  "%s:%llu: CSV payload has %zu fields, %zu column names: "
                                  "naming them _c0.._c%zu (see --capture-columns)",
                                  p->file, (unsigned long long)c->line, tmp.n, p->n_capture_columns,
                                  tmp.n ? tmp.n - 1 : 0);
            p->capture_width_warned = 1;
        }
        for (size_t i = 0; i < tmp.n; i++) {
            char *name = capture_name(p, output, i, tmp.n);
            uint32_t col = drift_strmap_add(&p->cols, name, strlen(name));
            drift_fields_push(&h->f, col, tmp.v[i].s, tmp.v[i].len, 0, false);
            free(name);
        }
        half_end_row(h);
    }
    free(tmp.v);
}

/*
 * One Data Capture line: both halves decoded, then input row i joined with output
 * row i (when the counts agree) into one row stamped with the inference time.
 */
static int capture_record(struct drift_parse *p, struct fields *f, char *rec, size_t len,
                          uint64_t line)
{
    cJSON *root = drift_json_line(p, rec, len, line);
    if (!root)
        return 0;
    const cJSON *cd = cJSON_GetObjectItemCaseSensitive(root, "captureData");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "eventMetadata");
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(md, "inferenceTime");
    struct jctx c = {p, NULL, line, 0, false, false, 0};
    if (cJSON_IsString(it))
        c.has_ts = drift_parse_time(it->valuestring, strlen(it->valuestring), &c.ts_ms);
    if (!c.has_ts)
        md_drift_warnings_add(p->warn, "%s:%llu: no usable eventMetadata.inferenceTime", p->file,
                              (unsigned long long)line);
    struct half in = {0}, out = {0};
    const cJSON *hin = cJSON_GetObjectItemCaseSensitive(cd, "endpointInput");
    const cJSON *hout = cJSON_GetObjectItemCaseSensitive(cd, "endpointOutput");
    if (!cJSON_IsObject(cd) || (!hin && !hout)) {
        md_drift_warnings_add(p->warn, "%s:%llu: no captureData: line skipped", p->file,
                              (unsigned long long)line);
        p->bad++;
    }
    if (cJSON_IsObject(hin)) {
        c.f = &in.f;
        capture_half(&c, &in, false, hin);
    }
    if (cJSON_IsObject(hout)) {
        c.f = &out.f;
        c.in_rows = in.rows;
        capture_half(&c, &out, true, hout);
    }
    bool pair = in.rows == out.rows;
    if (!pair && in.rows && out.rows)
        md_drift_warnings_add(p->warn,
                              "%s:%llu: %zu input rows but %zu output rows: outputs ignored",
                              p->file, (unsigned long long)line, in.rows, out.rows);
    size_t rows = in.rows ? in.rows : out.rows;
    int rc = 0;
    for (size_t r = 0; r < rows && !rc; r++) {
        f->n = 0;
        for (int side = 0; side < 2; side++) {
            struct half *h = side ? &out : &in;
            if (!h->rows || (side && in.rows && !pair))
                continue;
            for (size_t i = r ? h->row_end[r - 1] : 0; i < h->row_end[r]; i++)
                drift_fields_push(f, h->f.v[i].col, h->f.v[i].s, h->f.v[i].len, h->f.v[i].num,
                                  h->f.v[i].is_num);
        }
        struct drift_row row = {f->v, f->n, line, c.ts_ms, c.has_ts};
        p->rows++;
        rc = p->row(p->ud, &row);
    }
    half_release(&in);
    half_release(&out);
    cJSON_Delete(root);
    return rc;
}

/* JSON lines whose first line names "captureData", wherever in the line. */
static bool capture_detect(const char *path, const char *head)
{
    if (!head || !drift_json_sniff(path, head))
        return false;
    const char *nl = strchr(head, '\n');
    const char *key = strstr(head, "\"captureData\"");
    return key && (!nl || key < nl);
}

const struct drift_reader drift_reader_capture = {
    .name = "capture",
    .format = MD_DRIFT_FORMAT_CAPTURE,
    .detect = capture_detect,
    .record = capture_record,
};

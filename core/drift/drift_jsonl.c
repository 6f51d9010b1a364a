/*
 * drift_jsonl.c - the JSONL reader: one object per line, its scalar members
 * the fields, nested objects flattened to "outer.inner" names. See
 * drift_int.h.
 *
 * Reached through drift_reader_jsonl. Separate from the CSV reader because
 * it works on a parsed cJSON tree, not on bytes; the JSON helpers it uses
 * (drift_json_line, drift_json_flatten) are in drift_fields.c because Data
 * Capture payloads are read with them too.
 */
#include "drift_int.h"

#include <cJSON.h>

/* ---- JSON lines ------------------------------------------------------------------------------ */

/* One JSONL line: an object whose scalar members (nested ones flattened) are the fields. */
static int jsonl_record(struct drift_parse *p, struct fields *f, char *rec, size_t len,
                        uint64_t line)
{
    cJSON *root = drift_json_line(p, rec, len, line);
    if (!root)
        return 0;
    struct jctx c = {p, f, line, 0, false, false, 0};
    f->n = 0;
    drift_json_flatten(&c, root, NULL, 0);
    struct drift_row row = {f->v, f->n, line, c.ts_ms, c.has_ts};
    p->rows++;
    int rc = p->row(p->ud, &row);
    cJSON_Delete(root);
    return rc;
}

/* A JSON-lines name or a '{' first; asked after Data Capture, which claims its own lines. */
static bool jsonl_detect(const char *path, const char *head)
{
    return head && drift_json_sniff(path, head);
}

const struct drift_reader drift_reader_jsonl = {
    .name = "jsonl",
    .format = MD_DRIFT_FORMAT_JSONL,
    .detect = jsonl_detect,
    .record = jsonl_record,
};

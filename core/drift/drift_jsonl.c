/*
 * drift_jsonl.c - the JSONL reader: one object per line, its scalar members
 * the fields, nested objects flattened to "outer.inner" names. See
 * drift_int.h.
 *
 * Separate from the CSV reader because it works on a parsed cJSON tree, not
 * on bytes; drift_capture.c builds its JSON payloads on the same helpers
 * (drift_json_line, drift_json_flatten, drift_json_field).
 */
#include "drift_int.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DRIFT_JSON_DEPTH 8

/* ---- JSON ------------------------------------------------------------------------------------ */

/* A scalar JSON value as a field of column `name`; arrays and nulls are not values. */
void drift_json_field(struct jctx *c, const char *name, const cJSON *v)
{
    /* Keys are data: a file with a new key per line must not grow the column table forever. */
    uint32_t col = drift_strmap_find(&c->p->cols, name, strlen(name));
    if (col == DRIFT_NONE && c->p->cols.n >= DRIFT_MAX_FIELDS) {
        if (!c->p->columns_warned)
            md_drift_warnings_add(c->p->warn,
                                  "%s:%llu: more than %d columns: '%s' and later "
                                  "new columns ignored",
                                  c->p->file, (unsigned long long)c->line, DRIFT_MAX_FIELDS, name);
        c->p->columns_warned = 1;
        return;
    }
    if (col == DRIFT_NONE)
        col = drift_strmap_add(&c->p->cols, name, strlen(name));
    if (c->p->time_column && !strcmp(name, c->p->time_column)) {
        double t = v->valuedouble;
        if (cJSON_IsString(v))
            c->has_ts = drift_parse_time(v->valuestring, strlen(v->valuestring), &c->ts_ms);
        else if (cJSON_IsNumber(v) && isfinite(t) && fabs(t) < 9e15) {
            c->ts_ms = (int64_t)(fabs(t) < 1e11 ? t * 1000 : t); /* epoch s, else ms */
            c->has_ts = true;
        }
    }
    if (cJSON_IsString(v))
        drift_fields_push(c->f, col, v->valuestring, strlen(v->valuestring), 0, false);
    else if (cJSON_IsNumber(v))
        drift_fields_push(c->f, col, NULL, 0, v->valuedouble, true);
    else if (cJSON_IsBool(v))
        drift_fields_push(c->f, col, cJSON_IsTrue(v) ? "true" : "false", cJSON_IsTrue(v) ? 4 : 5, 0,
                          false);
}

/* Members of an object as fields; nested objects give "outer.inner" names. */
void drift_json_flatten(struct jctx *c, const cJSON *obj, const char *prefix, int depth)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (!m->string)
            continue;
        char *name = prefix ? md_xasprintf("%s.%s", prefix, m->string) : md_xstrdup(m->string);
        md_sanitize(name);
        if (cJSON_IsObject(m) && depth < DRIFT_JSON_DEPTH) {
            drift_json_flatten(c, m, name, depth + 1);
        } else if (cJSON_IsArray(m) || cJSON_IsObject(m)) {
            if (!c->warned_array)
                md_drift_warnings_add(c->p->warn,
                                      "%s:%llu: column '%s': arrays are not values: ignored",
                                      c->p->file, (unsigned long long)c->line, name);
            c->warned_array = true;
        } else {
            drift_json_field(c, name, m);
        }
        free(name);
    }
}

/* Parse one JSON line; NULL with a warning when it is not valid UTF-8 JSON. */
cJSON *drift_json_line(struct drift_parse *p, const char *rec, size_t len, uint64_t line)
{
    if (drift_has_high_bit(rec, len) && !drift_utf8_valid(rec, len)) {
        md_drift_warnings_add(p->warn, "%s:%llu: invalid UTF-8: line skipped", p->file,
                              (unsigned long long)line);
        p->bad++;
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength(rec, len);
    if (!root || !cJSON_IsObject(root)) {
        md_drift_warnings_add(p->warn, "%s:%llu: %s: line skipped", p->file,
                              (unsigned long long)line,
                              root ? "not a JSON object" : "invalid JSON");
        p->bad++;
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* One JSONL line: an object whose scalar members (nested ones flattened) are the fields. */
int drift_jsonl_record(struct drift_parse *p, struct fields *f, const char *rec, size_t len,
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

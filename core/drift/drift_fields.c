/*
 * drift_fields.c - what every reader builds its rows from: the field list,
 * a CSV record split into fields, and a JSON line's members as fields. See
 * drift_int.h.
 *
 * Below the readers (drift_csv.c, drift_jsonl.c, drift_capture.c): Data
 * Capture payloads are CSV or JSON too, so the three share these pieces
 * here rather than calling each other, and none calls back into
 * drift_input.c, which only dispatches records to them.
 */
#include "drift_int.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DRIFT_JSON_DEPTH 8

/* ---- the field list -------------------------------------------------------------------------- */

/* Append a field; false past DRIFT_MAX_FIELDS, so one absurd record cannot take the memory. */
bool drift_fields_push(struct fields *f, uint32_t col, const char *s, size_t len, double num,
                       bool is_num)
{
    if (f->n == DRIFT_MAX_FIELDS)
        return false;
    if (f->n == f->alloc) {
        f->alloc = f->alloc ? f->alloc * 2 : 64;
        f->v = md_xrealloc(f->v, f->alloc * sizeof(*f->v));
    }
    f->v[f->n++] = (struct drift_field){col, (uint32_t)len, s, num, is_num};
    return true;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

/* Split one CSV record into fields, unquoting in place ("" -> "). False: unterminated quote. */
bool drift_csv_split(char *rec, size_t len, struct fields *out, bool *too_many)
{
    out->n = 0;
    *too_many = false;
    char *p = rec, *end = rec + len;
    if (!memchr(rec, '"', len)) {
        for (;;) {
            char *c = memchr(p, ',', (size_t)(end - p));
            if (!drift_fields_push(out, (uint32_t)out->n, p, (size_t)((c ? c : end) - p), 0,
                                   false)) {
                *too_many = true;
                return true;
            }
            if (!c)
                return true;
            p = c + 1;
        }
    }
    for (;;) {
        char *w = p, *start = p;
        if (p < end && *p == '"') {
            bool closed = false;
            for (p++; p < end;) {
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    closed = true;
                    break;
                }
                *w++ = *p++;
            }
            if (!closed)
                return false;
        }
        while (p < end && *p != ',') /* text after a closing quote is kept, leniently */
            *w++ = *p++;
        if (!drift_fields_push(out, (uint32_t)out->n, start, (size_t)(w - start), 0, false)) {
            *too_many = true;
            return true;
        }
        if (p >= end)
            return true;
        p++;
    }
}

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

/* JSON lines by name (.jsonl, .json, .ndjson) or by a '{' as the first byte that is not blank. */
bool drift_json_sniff(const char *path, const char *head)
{
    return drift_ends_with(path, ".jsonl") || drift_ends_with(path, ".json") ||
           drift_ends_with(path, ".ndjson") || head[strspn(head, " \t\r\n")] == '{';
}

/*
 * drift_csv.c - the CSV reader: a header row (RFC 4180 quoting, pandas' names
 * for empty and repeated columns), then one row per record. See drift_int.h.
 *
 * drift_input.c finds where a record ends and hands it here through
 * drift_reader_csv; this file decides what is in it, with the splitter of
 * drift_fields.c (which Data Capture CSV payloads use too).
 */
#include "drift_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- CSV ------------------------------------------------------------------------------------- */

/* Register CSV header names: empty ones become _cN, repeats get pandas' .1, .2 suffixes. */
static void csv_header(struct drift_parse *p, struct fields *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *s = f->v[i].s;
        size_t len = f->v[i].len;
        if (i == 0 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
            s += 3;
            len -= 3;
        }
        char *name = len ? md_xasprintf("%.*s", (int)len, s) : md_xasprintf("_c%zu", i);
        md_sanitize(name);
        for (int k = 1; drift_strmap_find(&p->cols, name, strlen(name)) != DRIFT_NONE; k++) {
            char *base = md_xasprintf("%.*s", (int)len, s);
            md_sanitize(base);
            free(name);
            name = md_xasprintf("%s.%d", base, k);
            free(base);
        }
        drift_strmap_add(&p->cols, name, strlen(name));
        free(name);
    }
}

/* Text that is not UTF-8 would reach the terminal and the JSON: drop it, say where. */
static void warn_bad_utf8(struct drift_parse *p, uint64_t line, const char *col)
{
    md_drift_warnings_add(p->warn, "%s:%llu: column '%s': invalid UTF-8: value ignored", p->file,
                          (unsigned long long)line, col);
}

/* One CSV data record (or the header) of a file, never a blank one. Returns non-zero to stop. */
static int csv_record(struct drift_parse *p, struct fields *f, char *rec, size_t len, uint64_t line)
{
    bool too_many;
    if (!drift_csv_split(rec, len, f, &too_many)) {
        md_drift_warnings_add(p->warn, "%s:%llu: unterminated quoted field: record skipped",
                              p->file, (unsigned long long)line);
        p->bad++;
        return 0;
    }
    if (p->cols.n == 0) {
        csv_header(p, f);
        p->time_col = p->time_column ? (int64_t)drift_strmap_find(&p->cols, p->time_column,
                                                                  strlen(p->time_column))
                                     : -1;
        if (p->time_col == (int64_t)DRIFT_NONE)
            p->time_col = -1;
        return 0;
    }
    if (too_many || f->n != p->cols.n) {
        md_drift_warnings_add(p->warn, "%s:%llu: expected %zu fields, found %s%zu: row skipped",
                              p->file, (unsigned long long)line, p->cols.n,
                              too_many ? "more than " : "", f->n);
        p->bad++;
        return 0;
    }
    if (drift_has_high_bit(rec, len)) {
        size_t k = 0;
        for (size_t i = 0; i < f->n; i++) {
            if (drift_utf8_valid(f->v[i].s, f->v[i].len))
                f->v[k++] = f->v[i];
            else
                warn_bad_utf8(p, line, p->cols.keys[f->v[i].col]);
        }
        f->n = k;
    }
    struct drift_row row = {f->v, f->n, line, 0, false};
    if (p->time_col >= 0) {
        for (size_t i = 0; i < f->n; i++) {
            if ((int64_t)f->v[i].col == p->time_col)
                row.has_ts = drift_parse_time(f->v[i].s, f->v[i].len, &row.ts_ms);
        }
    }
    p->rows++;
    return p->row(p->ud, &row);
}

/* A header and nothing under it is worth a word: the job would compare nothing. */
static void csv_finish(struct drift_parse *p)
{
    if (p->cols.n && p->rows == 0 && p->bad == 0)
        md_drift_warnings_add(p->warn, "%s: header only, no rows", p->file);
}

/* A .csv name settles it; any file no other reader claims is read as CSV too. */
static bool csv_detect(const char *path, const char *head)
{
    (void)head;
    return drift_ends_with(path, ".csv");
}

const struct drift_reader drift_reader_csv = {
    .name = "csv",
    .format = MD_DRIFT_FORMAT_CSV,
    .quoted_newlines = true,
    .detect = csv_detect,
    .record = csv_record,
    .finish = csv_finish,
};

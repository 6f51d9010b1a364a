/*
 * drift_input.c - where drift input becomes records: files (or a buffer) are
 * read in blocks and cut into records, a line or a CSV record whose quoted
 * fields span lines, and each record goes to the reader of its format
 * through that reader's table (struct drift_reader: drift_csv.c,
 * drift_jsonl.c, drift_capture.c). Also the format guess for a file, asked
 * of the same tables. See drift_int.h.
 *
 * Calls run one way: this file knows the readers' tables; the readers know
 * only the helpers below them (drift_fields.c, drift_text.c), never this
 * file. A record must fit in DRIFT_MAX_RECORD, so memory per row is bounded
 * whatever the file size. Nothing in the data is fatal: a bad record
 * becomes a warning naming file:line and the reader goes on.
 */
#include "drift_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRIFT_BLOCK ((size_t)4 << 20)
#define DRIFT_MAX_RECORD ((size_t)64 << 20)

/* ---- record source --------------------------------------------------------------------------- */

struct src {
    int fd; /* -1: the whole input is already in buf */
    char *buf;
    size_t cap, start, end;
    size_t scan; /* offset from start already scanned for the record end */
    bool inq;    /* CSV scan state at `scan` */
    bool eof;
    uint64_t line; /* line of the next record */
    uint64_t consumed;
};

enum rec_result { REC_NONE = 0, REC_OK, REC_TOO_LONG, REC_IO };

/*
 * The next record: a line, or for CSV a line whose quoted fields (which may
 * hold newlines) are closed. As in RFC 4180 and pandas, a quote opens a quoted
 * field only at the start of a field; elsewhere it is a literal character
 * (5" screen). Inside a quoted field "" is an escaped quote, decided only once
 * the byte after the first quote has been read. Sets *nl_inside to the
 * newlines within the record, for line numbers.
 */
static enum rec_result src_next(struct src *s, bool csv, char **rec, size_t *len,
                                uint64_t *nl_inside)
{
    for (;;) {
        char *b = s->buf + s->start, *e = s->buf + s->end, *p = b + s->scan;
        char *stop = NULL;
        while (p < e) {
            if (s->inq) {
                char *q = memchr(p, '"', (size_t)(e - p));
                if (!q || (q + 1 == e && !s->eof)) {
                    p = q ? q : e; /* a quote at the end of the data: read on, then decide */
                    break;
                }
                if (q + 1 < e && q[1] == '"') {
                    p = q + 2;
                    continue;
                }
                s->inq = false;
                p = q + 1;
                continue;
            }
            char *nl = memchr(p, '\n', (size_t)(e - p));
            char *lim = nl ? nl : e;
            char *q = csv ? memchr(p, '"', (size_t)(lim - p)) : NULL;
            while (q && q != b && q[-1] != ',')
                q = memchr(q + 1, '"', (size_t)(lim - q - 1));
            if (q) {
                s->inq = true;
                p = q + 1;
                continue;
            }
            stop = nl;
            p = lim;
            break;
        }
        s->scan = (size_t)(p - b);
        if (stop || (s->eof && s->start < s->end)) {
            char *r_end = stop ? stop : e;
            *rec = b;
            *len = (size_t)(r_end - b);
            s->start += *len + (stop ? 1 : 0);
            s->consumed += *len + (stop ? 1 : 0);
            s->scan = 0;
            bool quoted = s->inq;
            s->inq = false;
            if (*len && (*rec)[*len - 1] == '\r')
                (*len)--;
            *nl_inside = 0;
            if (csv && (quoted || memchr(*rec, '"', *len))) {
                for (char *x = *rec; (x = memchr(x, '\n', (size_t)(*rec + *len - x))); x++)
                    (*nl_inside)++;
            }
            return REC_OK;
        }
        if (s->eof || s->fd < 0)
            return REC_NONE;
        if (s->start > 0) {
            memmove(s->buf, s->buf + s->start, s->end - s->start);
            s->end -= s->start;
            s->start = 0;
        }
        if (s->end == s->cap) {
            if (s->cap * 2 > DRIFT_MAX_RECORD + DRIFT_BLOCK)
                return REC_TOO_LONG;
            s->cap *= 2;
            s->buf = md_xrealloc(s->buf, s->cap + 1);
        }
        ssize_t n;
        do
            n = read(s->fd, s->buf + s->end, s->cap - s->end);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return REC_IO;
        if (n == 0)
            s->eof = true;
        s->end += (size_t)n;
    }
}

/* After REC_TOO_LONG: drop bytes up to the next newline, quotes or not. */
static bool src_skip_line(struct src *s)
{
    for (;;) {
        char *nl = memchr(s->buf + s->start, '\n', s->end - s->start);
        if (nl) {
            s->consumed += (size_t)(nl + 1 - (s->buf + s->start));
            s->start = (size_t)(nl + 1 - s->buf);
            s->scan = 0;
            s->inq = false;
            return true;
        }
        s->consumed += s->end - s->start;
        s->start = s->end = 0;
        ssize_t n = read(s->fd, s->buf, s->cap);
        if (n <= 0) {
            s->eof = true;
            return false;
        }
        s->end = (size_t)n;
    }
}

/* ---- rows ------------------------------------------------------------------------------------ */

void drift_parse_init(struct drift_parse *p, const char *file, struct md_drift_warnings *warn,
                      drift_row_fn row, void *ud)
{
    memset(p, 0, sizeof(*p));
    p->file = file;
    p->warn = warn;
    p->row = row;
    p->ud = ud;
    p->time_col = -1;
}

void drift_parse_release(struct drift_parse *p)
{
    drift_strmap_release(&p->cols);
}

/* ---- the readers ----------------------------------------------------------------------------- */

/*
 * Every reader, in the order the format guess asks them: a .csv name first,
 * then Data Capture before the plain JSON lines it is a kind of.
 */
static const struct drift_reader *const readers[] = {&drift_reader_csv, &drift_reader_capture,
                                                     &drift_reader_jsonl};

/* The reader of format f; CSV for AUTO (a buffer has no name to guess from). */
static const struct drift_reader *reader_of(enum md_drift_format f)
{
    for (size_t i = 0; i < MD_ARRAY_LEN(readers); i++) {
        if (readers[i]->format == f)
            return readers[i];
    }
    return &drift_reader_csv;
}

/* A record of blanks only (or none) is no row in any format; pandas skips them too. */
static bool blank_record(const char *rec, size_t len)
{
    size_t i = 0;
    while (i < len && (rec[i] == ' ' || rec[i] == '\t'))
        i++;
    return i == len;
}

/* ---- drive a source -------------------------------------------------------------------------- */

/* Drive one source to its end: records to the reader, progress every block. */
static md_status parse_src(struct drift_parse *p, const struct drift_reader *rd, struct src *s,
                           struct md_err *err)
{
    struct fields f = {0};
    md_status st = MD_OK;
    uint64_t reported = 0;
    for (;;) {
        if (p->cancel && *p->cancel) {
            st = MD_ERR_CANCELLED;
            break;
        }
        char *rec;
        size_t len;
        uint64_t nl = 0, line = s->line + 1;
        enum rec_result r = src_next(s, rd->quoted_newlines, &rec, &len, &nl);
        if (r == REC_NONE)
            break;
        if (r == REC_IO) {
            st = md_err_set(err, MD_ERR_IO, "cannot read '%s': %s", p->file, strerror(errno));
            break;
        }
        if (r == REC_TOO_LONG) {
            md_drift_warnings_add(p->warn, "%s:%llu: record longer than %zu MiB: skipped", p->file,
                                  (unsigned long long)line, DRIFT_MAX_RECORD >> 20);
            p->bad++;
            s->line++;
            if (!src_skip_line(s))
                break;
            continue;
        }
        s->line += 1 + nl;
        if (!blank_record(rec, len) && rd->record(p, &f, rec, len, line)) {
            st = MD_ERR_CANCELLED;
            break;
        }
        if (p->progress && s->consumed - reported >= DRIFT_BLOCK) {
            p->progress(p->progress_ud, s->consumed - reported);
            reported = s->consumed;
        }
    }
    if (p->progress && s->consumed > reported)
        p->progress(p->progress_ud, s->consumed - reported);
    if (!st && s->consumed == 0)
        md_drift_warnings_add(p->warn, "%s: empty file", p->file);
    else if (!st && rd->finish)
        rd->finish(p);
    free(f.v);
    return st;
}

md_status drift_parse_buffer(struct drift_parse *p, enum md_drift_format f, const char *data,
                             size_t len)
{
    struct src s = {.fd = -1, .eof = true};
    s.buf = md_xmalloc(len + 1);
    memcpy(s.buf, data, len);
    s.cap = s.end = len;
    md_status st = parse_src(p, reader_of(f), &s, NULL);
    free(s.buf);
    return st;
}

md_status drift_parse_file(struct drift_parse *p, enum md_drift_format f, const char *path,
                           struct md_err *err)
{
    if (f == MD_DRIFT_FORMAT_AUTO)
        f = drift_detect_format(path);
    struct src s = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
    if (s.fd < 0)
        return md_err_set(err, MD_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    s.cap = DRIFT_BLOCK;
    s.buf = md_xmalloc(s.cap + 1);
    md_status st = parse_src(p, reader_of(f), &s, err);
    free(s.buf);
    close(s.fd);
    return st;
}

/*
 * Ask the readers in order, first by the name alone (a .csv file is never
 * opened to be guessed), then with the file's first bytes.
 */
enum md_drift_format drift_detect_format(const char *path)
{
    for (size_t i = 0; i < MD_ARRAY_LEN(readers); i++) {
        if (readers[i]->detect(path, NULL))
            return readers[i]->format;
    }
    char head[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof(head) - 1) : -1;
    if (fd >= 0)
        close(fd);
    head[n > 0 ? n : 0] = '\0';
    for (size_t i = 0; i < MD_ARRAY_LEN(readers); i++) {
        if (readers[i]->detect(path, head))
            return readers[i]->format;
    }
    return MD_DRIFT_FORMAT_CSV;
}

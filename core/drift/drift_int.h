/*
 * drift_int.h - private to core/drift*.c, core/store/store_drift.c, their unit
 * tests and fuzz targets.
 *
 * The pieces of a drift job and who owns them:
 *   - drift.c: the statistics on plain arrays; drift_sketch.c: the bounded
 *     sketch (struct drift_sketch); drift_names.c: names, threshold specs and
 *     the warning list;
 *   - drift_text.c: one field's text as a number, a missing value or a time;
 *   - drift_input.c: streaming input cut into records and handed, through
 *     a table per format (struct drift_reader), to the readers drift_csv.c,
 *     drift_jsonl.c and drift_capture.c (SageMaker Data Capture), that turn
 *     them into rows of (column, text or number) fields with the helpers of
 *     drift_fields.c;
 *   - drift_acc.c: accumulators (struct drift_acc) that collect one feature's
 *     values on one side, and the string map under them;
 *   - drift_ref.c: freezing the reference (struct drift_ref); drift_eval.c:
 *     the evaluation of a window against it; drift_report.c: the JSON report;
 *   - drift_run.c: the job runner (md_drift_run) that routes current rows to
 *     windows; drift_run_ref.c: its reference side; drift_job.c: what both
 *     sides share (clock, progress, canonical paths); drift_s3.c: s3:// inputs
 *     as local copies; drift_platform.c: a platform's own verdicts (Model
 *     Monitor violations) read beside the run;
 *   - store_drift.c: the tables of schemas v2 and v3; drift_blob.c: their
 *     BLOB formats.
 */
#ifndef MLDECK_DRIFT_INT_H
#define MLDECK_DRIFT_INT_H

#include "mldeck/drift.h"

/* ---- statistics (drift.c) -------------------------------------------------------------------- */

/* qsort() order of doubles; also orders the sketch's items (drift_sketch.c). */
int drift_cmp_double(const void *a, const void *b);

/* ---- bounded sketch (drift_sketch.c) --------------------------------------------------------- */

/* Items per level before a halving is 2k: k = 4096 bounds the rank error by levels / 8192. */
#define DRIFT_SKETCH_K 4096
#define DRIFT_SKETCH_LEVELS 48

struct drift_sketch {
    double *lvl[DRIFT_SKETCH_LEVELS]; /* level h items each stand for 2^h values */
    uint32_t len[DRIFT_SKETCH_LEVELS];
    size_t levels; /* levels in use */
    uint64_t n;    /* values added */
    double err;    /* absolute rank-error bound, in values */
    unsigned flip; /* alternates the kept half */
};

void drift_sketch_add(struct drift_sketch *s, double x);
void drift_sketch_release(struct drift_sketch *s);
/* Sorted items with their weights, both malloc'd (free()); returns how many. */
size_t drift_sketch_samples(const struct drift_sketch *s, double **values, double **weights);
/* Smallest value whose cumulative weight reaches q of the total; NAN when n == 0. */
double drift_weighted_quantile(const double *v, const double *w, size_t n, double q);

/* ---- strings to indices (drift_acc.c) -------------------------------------------------------- */

/* Insertion-ordered set of byte strings with a hash index; keys are NUL-terminated copies. */
struct drift_strmap {
    char **keys;
    uint32_t *lens;
    uint32_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t n;
    size_t nslots;
    size_t bytes; /* key bytes held */
};
#define DRIFT_NONE UINT32_MAX
uint32_t drift_strmap_find(const struct drift_strmap *m, const char *s, size_t len);
/* The index of s, added when absent. */
uint32_t drift_strmap_add(struct drift_strmap *m, const char *s, size_t len);
void drift_strmap_release(struct drift_strmap *m);

/* ---- rows (the readers produce, the job runner consumes) ------------------------------------- */

/*
 * One field of a row. `s`/`len` is the text (not NUL-terminated; lent until
 * the callback returns); JSON numbers carry `num` with is_num set and s NULL.
 */
struct drift_field {
    uint32_t col; /* index into the reader's column names */
    uint32_t len;
    const char *s;
    double num;
    bool is_num;
};

struct drift_row {
    const struct drift_field *f;
    size_t n;
    uint64_t line; /* 1-based line where the record starts */
    int64_t ts_ms;
    bool has_ts;
};

/* Called per row; a non-zero return stops the reader (cancellation). */
typedef int (*drift_row_fn)(void *ud, const struct drift_row *row);

/*
 * One source's reading state: where rows go, its columns, and what the
 * reader keeps between records. One drift_parse per file or buffer.
 */
struct drift_parse {
    const char *file; /* for messages */
    struct md_drift_warnings *warn;
    drift_row_fn row;
    void *ud;
    struct drift_strmap cols;           /* column names in order of appearance */
    const char *time_column;            /* CSV/JSONL: a field holding the row's time */
    const char *const *capture_columns; /* names of Data Capture CSV input fields */
    size_t n_capture_columns;
    const char *prediction; /* name of a Data Capture output; NULL: "prediction" */
    const volatile int *cancel;
    void (*progress)(void *ud, uint64_t bytes);
    void *progress_ud;
    uint64_t rows;    /* rows delivered */
    uint64_t bad;     /* records skipped with a warning */
    int64_t time_col; /* CSV: index of time_column in cols, set with the header; -1: none */
    unsigned capture_width_warned : 1;
    unsigned columns_warned : 1;
    unsigned no_ts_warned : 1;
};

void drift_parse_init(struct drift_parse *p, const char *file, struct md_drift_warnings *warn,
                      drift_row_fn row, void *ud);
void drift_parse_release(struct drift_parse *p);
/*
 * Parse a whole buffer (fuzz targets, tests). Formats CSV, JSONL, CAPTURE.
 * Returns MD_ERR_CANCELLED when the callback stopped it, else MD_OK: every
 * problem in the data is a warning.
 */
md_status drift_parse_buffer(struct drift_parse *p, enum md_drift_format f, const char *data,
                             size_t len);
/* Stream a file in blocks; MD_ERR_IO when it cannot be opened or read. */
md_status drift_parse_file(struct drift_parse *p, enum md_drift_format f, const char *path,
                           struct md_err *err);
/* The format of a file by extension, then by its first line; CSV when unsure. */
enum md_drift_format drift_detect_format(const char *path);

/* ---- what the readers build rows from (drift_fields.c) --------------------------------------- */

#define DRIFT_MAX_FIELDS 65536

/* Growable field list shared by all readers of one drift_parse. */
struct fields {
    struct drift_field *v;
    size_t n, alloc;
};

/* Append a field; false past DRIFT_MAX_FIELDS, so one absurd record cannot take the memory. */
bool drift_fields_push(struct fields *f, uint32_t col, const char *s, size_t len, double num,
                       bool is_num);
/* Split a CSV record, unquoting in place (the CSV reader; Data Capture CSV payloads too). */
bool drift_csv_split(char *rec, size_t len, struct fields *out, bool *too_many);

/* cJSON's tree, only ever by pointer here: users of this header need not include <cJSON.h>. */
struct cJSON;

/* One JSON line being read (the JSONL reader; Data Capture reads its payloads with it). */
struct jctx {
    struct drift_parse *p;
    struct fields *f;
    uint64_t line;
    int64_t ts_ms;
    bool has_ts;
    bool warned_array;
    size_t in_rows; /* capture: rows of the input half, known when the output is read */
};

/* A scalar JSON value as a field of column `name`. */
void drift_json_field(struct jctx *c, const char *name, const struct cJSON *v);
/* An object's members as fields, nested ones as "outer.inner". */
void drift_json_flatten(struct jctx *c, const struct cJSON *obj, const char *prefix, int depth);
/* Parse one JSON line; NULL with a warning when not a UTF-8 JSON object. cJSON_Delete() it. */
struct cJSON *drift_json_line(struct drift_parse *p, const char *rec, size_t len, uint64_t line);
/* JSON lines by name (.jsonl, .json, .ndjson) or by a '{' first in head (NUL-terminated). */
bool drift_json_sniff(const char *path, const char *head);

/* ---- the readers: a table per input format (drift_csv.c, drift_jsonl.c, drift_capture.c) ----- */

/*
 * What drift_input.c knows of a format. It cuts the input into records and
 * hands each to record(); the format guess asks detect() of every reader in
 * turn. A reader's functions use only the helpers above, never drift_input.c.
 */
struct drift_reader {
    const char *name; /* as the configuration and --format spell it: "csv", "jsonl", "capture" */
    enum md_drift_format format;
    bool quoted_newlines; /* a quoted field may hold newlines: a record ends outside quotes */
    /*
     * Is the file at `path` in this format? First asked with head NULL, when
     * only a name that settles the format may say yes; then with the file's
     * first bytes, NUL-terminated ("" when it cannot be read).
     */
    bool (*detect)(const char *path, const char *head);
    /*
     * One record that is not blank, lent for the call and writable (CSV
     * unquotes in place); `f` is the source's field list to reuse, `line`
     * where the record starts. Rows go to p->row; non-zero (its return) stops.
     */
    int (*record)(struct drift_parse *p, struct fields *f, char *rec, size_t len, uint64_t line);
    /* After a source with bytes in it was read to its end, for the format's warnings; or NULL. */
    void (*finish)(struct drift_parse *p);
};

extern const struct drift_reader drift_reader_csv;
extern const struct drift_reader drift_reader_jsonl;
extern const struct drift_reader drift_reader_capture;

/* ---- field text (drift_text.c) --------------------------------------------------------------- */

/* Number parsing shared by readers and accumulators: whole field, ASCII blanks trimmed. */
bool drift_parse_number(const char *s, size_t len, double *out);
/* pandas' default missing-value spellings ("", "NA", "NaN", "null", "None", ...). */
bool drift_is_missing_token(const char *s, size_t len);
/* ISO-8601 UTC ("2024-01-02T03:04:05.678Z", "+hh:mm" offsets) or epoch s/ms as text. */
bool drift_parse_time(const char *s, size_t len, int64_t *ms);
/* Standard BASE64 (padding optional, whitespace skipped) into out (>= 3 * len / 4 + 3 bytes). */
bool drift_base64_decode(const char *s, size_t len, unsigned char *out, size_t *out_len);
/* True when the bytes are valid UTF-8. */
bool drift_utf8_valid(const char *s, size_t len);
/* Any byte with the high bit set? The readers' cheap test before drift_utf8_valid(). */
bool drift_has_high_bit(const char *s, size_t len);
/* Case-insensitive suffix test, for extensions (the format guess, drift_run.c, drift_s3.c). */
bool drift_ends_with(const char *s, const char *suffix);

/* ---- accumulators (drift_acc.c) and the frozen reference (drift_ref.c) ----------------------- */

/* Categories with counts; beyond the caps, values count in `other`. */
#define DRIFT_MAX_CATS 65536
#define DRIFT_MAX_CAT_BYTES ((size_t)16 << 20)
struct drift_cats {
    struct drift_strmap map;
    uint64_t *count;
    uint64_t other;
};

/* Raw values on one side share a budget; past it every accumulator becomes a sketch. */
struct drift_budget {
    size_t used;
    size_t cap;
    bool bounded;
};

/* One feature on one side (the reference, or a current window). */
struct drift_acc {
    enum md_drift_type type; /* UNKNOWN until the first value on the reference side */
    bool forced;             /* type given by the operator: no inference */
    uint64_t valid;
    uint64_t invalid;
    uint64_t last_row; /* row stamp: a column repeated in one row counts once */
    double *v;         /* exact mode: the values, unsorted */
    size_t nv;
    size_t av;
    struct drift_sketch *sk; /* bounded mode */
    double shift;            /* bounded mode: shifted sums for mean and variance */
    double s1, c1, s2, c2;
    double min, max;
    uint64_t bins[MD_DRIFT_MAX_BINS]; /* bounded mode on the current side */
    struct drift_cats cats;
    uint32_t warned; /* wrong-type warnings given */
};

/* The rows of one side or window: an accumulator per feature. */
struct drift_set {
    struct drift_acc *acc;
    size_t n;
    uint64_t rows;
    int64_t ts_min;
    int64_t ts_max;
    bool has_ts;
};

/* A frozen reference feature. */
struct drift_ref_feature {
    char *name;
    enum md_drift_type type;
    bool prediction;
    uint64_t rows;  /* reference rows */
    uint64_t valid; /* usable values */
    double mean, std, min, max;
    size_t n_edges;
    double edges[MD_DRIFT_MAX_EDGES];
    uint64_t bins[MD_DRIFT_MAX_BINS];
    double *v; /* sorted values (exact) or sketch items */
    double *w; /* NULL when exact, else the items' weights */
    size_t nv;
    double rank_err; /* sketch: rank error bound as a fraction of valid */
    size_t n_cats;   /* categories sorted by name */
    char **cats;
    uint64_t *cat_counts;
    uint64_t cat_other;
};

struct drift_ref {
    struct drift_ref_feature *f;
    size_t n;
    uint64_t rows;
};

/* Where row problems are reported while feeding accumulators. */
struct drift_feed {
    struct md_drift_warnings *warn;
    const char *file;
    struct drift_budget *budget;
    const struct drift_ref *ref; /* NULL on the reference side */
};

void drift_acc_init(struct drift_acc *a, enum md_drift_type forced);
void drift_acc_release(struct drift_acc *a);
/* Add one field; `name` and `line` are for messages. */
void drift_acc_add(struct drift_acc *a, size_t feature, const struct drift_field *fl,
                   const char *name, uint64_t line, struct drift_feed *fd);
void drift_set_release(struct drift_set *s);

/*
 * Freeze the reference side: sort values, deciles, bins, moments, category
 * counts. Accumulators are consumed (left released). `names`/`prediction`
 * per feature. Features still in bounded mode get approximate decile edges
 * and bins that drift_ref_count() must fill on a second pass.
 * Returns true when such a second pass is needed.
 */
bool drift_ref_freeze(struct drift_ref *ref, struct drift_set *side, char *const *names,
                      const bool *prediction);
/* Second pass over the reference for bounded features: exact bin counts on the frozen edges. */
void drift_ref_count(struct drift_ref *ref, size_t feature, double x);
void drift_ref_release(struct drift_ref *ref);

/* Run fn(ctx, 0..n-1) on up to 8 threads (drift_ref.c; the evaluation uses it too). */
void drift_par_for(size_t n, void (*fn)(void *ctx, size_t i), void *ctx);
/* Bin counts of sorted values on `k` edges (drift_ref.c, drift_eval.c). */
void drift_bins_of_sorted(const double *v, size_t n, const double *edges, size_t k, uint64_t *bins);
/* Mean and std (ddof 0) of a bounded accumulator from its shifted sums (drift_ref.c, eval). */
void drift_moments_of_sketch(const struct drift_acc *a, double *mean, double *std);

/* Serialised artefacts of one frozen feature (the store's BLOB); native doubles, versioned. */
md_status drift_ref_feature_encode(const struct drift_ref_feature *f, struct md_buf *out);
md_status drift_ref_feature_decode(const void *p, size_t n, struct drift_ref_feature *f,
                                   struct md_err *err);
/*
 * A window's feature beyond what drift_result holds (histogram of both sides,
 * categories, moments, missing counts, per-metric severity; drift_blob.c).
 * Decode fills only those fields of f and returns false for a BLOB of another
 * layout, leaving f without categories.
 */
md_status drift_detail_encode(const struct md_drift_feature *f, struct md_buf *out);
bool drift_detail_decode(const void *p, size_t n, struct md_drift_feature *f);
void drift_ref_feature_release(struct drift_ref_feature *f);

/* ---- evaluation (drift_eval.c) and the report (drift_report.c) ------------------------------- */

/* Evaluate one window; `out` is filled and sorted, owned by the caller (drift_window_release). */
void drift_evaluate(const struct drift_ref *ref, struct drift_set *win,
                    const struct md_drift_opts *o, struct md_drift_window *out);
void drift_window_release(struct md_drift_window *w);
/* The options behind one stored metric, as a JSON object (malloc'd). */
char *drift_metric_options(const struct md_drift_feature *f, enum md_drift_method m,
                           const struct md_drift_run *r);

/* ---- the job runner (drift_run.c, drift_run_ref.c, drift_job.c) ----------------------------- */

/* Progress of one phase of a job, fed by the readers through drift_progress_bytes(). */
struct progress {
    const struct md_drift_opts *o;
    const char *phase;
    uint64_t done, total;
};

/* Reader progress to the caller's callback (drift_job.c; both sides of the job use it). */
void drift_progress_bytes(void *ud, uint64_t bytes);
/* Monotonic milliseconds for the phase timings (drift_job.c). */
double drift_clock_ms(void);
/* The canonical path when there is one (malloc'd; drift_job.c). */
char *drift_canonical(const char *path);
/* Read and freeze the reference, two passes if needed (drift_run_ref.c, for md_drift_run). */
md_status drift_ref_build(const struct md_drift_opts *o, struct drift_ref *ref,
                          struct md_drift_run *out, struct md_err *err);
/* The fingerprint a stored reference is kept under (malloc'd; drift_run_ref.c). */
char *drift_ref_source(const struct md_drift_opts *o);

/* ---- S3 inputs (drift_s3.c) and platform results (drift_platform.c) --------------------------- */

/* A run's S3 client and the private 0700 directory objects are downloaded to, made on first use. */
struct drift_s3;

/*
 * The run's S3 session, created on the first call from o's aws_* options;
 * later calls return the same session, or repeat its creation error.
 */
md_status drift_s3_open(struct drift_s3 **s, const struct md_drift_opts *o, struct md_err *err);
/* Remove the directory (and any copy left in it) and free the client. NULL is a no-op. */
void drift_s3_free(struct drift_s3 *s);

/* A data object of an s3:// current input, lent to the callback. */
struct drift_s3_obj {
    const char *path; /* "s3://BUCKET/KEY", the name it is remembered and reported under */
    int64_t size;
    int64_t stamp; /* drift_s3_stamp() of LastModified and ETag */
    const char *etag;
};
typedef int (*drift_s3_obj_fn)(void *ud, const struct drift_s3_obj *obj);
/*
 * The data objects an s3:// current input names (see md_drift_opts), in key
 * order; a non-zero return from fn stops. A URI naming nothing is a warning.
 * Errors: the S3 client's (listing failed), MD_ERR_INVALID (bad URI).
 */
md_status drift_s3_list(struct drift_s3 *s, const char *uri, drift_s3_obj_fn fn, void *ud,
                        struct md_drift_warnings *w, struct md_err *err);
/* Size, stamp and ETag (malloc'd) of one object; MD_ERR_NOT_FOUND naming it when absent. */
md_status drift_s3_stat(struct drift_s3 *s, const char *uri, int64_t *size, int64_t *stamp,
                        char **etag, struct md_err *err);
/*
 * Download an object into the private directory (size -1 and etag NULL when
 * unknown); *local (malloc'd) is the copy's path, with the key's extension so
 * the format guess works. Give it back with drift_s3_discard().
 */
md_status drift_s3_fetch(struct drift_s3 *s, const char *uri, int64_t size, const char *etag,
                         char **local, struct md_err *err);
/* Delete a downloaded copy and free its path. NULL is a no-op. */
void drift_s3_discard(char *local);
/* A small object into memory, at most max bytes (MD_ERR_TOO_BIG beyond). */
md_status drift_s3_read(struct drift_s3 *s, const char *uri, size_t max, struct md_buf *out,
                        struct md_err *err);
/*
 * LastModified and ETag as the one int64 a processed-file record keeps
 * (drift_file_rec.mtime_ns): LastModified in ns with the sub-millisecond
 * digits replaced by a 6-digit digest of the ETag. S3 times have no sub-ms
 * part, so the time stays readable and a same-size rewrite within the same
 * second is still seen as new.
 */
int64_t drift_s3_stamp(int64_t mtime_ms, const char *etag);

/*
 * SageMaker Model Monitor's constraint_violations.json into items
 * (drift_platform.c): {"violations": [{"feature_name", "constraint_check_type",
 * "description"}...]}. *items is malloc'd (free each item's strings and the
 * array, as md_drift_run_release() does). Errors: MD_ERR_PARSE with the
 * reason, MD_ERR_TOO_BIG past 100000 items.
 */
md_status drift_violations_parse(const char *json, size_t len,
                                 struct md_drift_platform_item **items, size_t *n,
                                 struct md_err *err);
/* Read o->violations (a file or s3://) into out->platform, or why not into out->platform_error. */
void drift_platform_load(const struct md_drift_opts *o, struct drift_s3 **s3,
                         struct md_drift_run *out);

/* ---- persistence (store_drift.c) ---------------------------------------------------------- */

/* A processed input file. */
struct drift_file_rec {
    char *path;
    int64_t size;
    int64_t mtime_ns;
    uint64_t rows;
    int64_t ts_min; /* ms; 0,0 when its rows had no time */
    int64_t ts_max;
};
void drift_file_recs_free(struct drift_file_rec *v, size_t n);

/*
 * The frozen reference of `job` if it was frozen from `source` (a
 * fingerprint of the file and the options that shape it); MD_ERR_NOT_FOUND
 * otherwise (no error recorded).
 */
md_status drift_store_ref_load(md_store *s, const char *job, const char *source,
                               struct drift_ref *out, struct md_err *err);
/*
 * Replace the job's frozen reference. A different source also forgets the
 * processed files (they are compared with the new reference next time);
 * results stay as history.
 */
md_status drift_store_ref_save(md_store *s, const char *job, const char *source,
                               const struct drift_ref *ref, struct md_err *err);
md_status drift_store_files_load(md_store *s, const char *job, struct drift_file_rec **out,
                                 size_t *n, struct md_err *err);
/*
 * qsort order of a window's features (struct md_drift_feature): the
 * prediction first, then worst status, then severity, then name. The run and
 * a window read back from the store use it, so both read alike.
 */
int drift_feature_order(const void *pa, const void *pb);
/* Results of every window of the run and the newly processed files, in one transaction. */
md_status drift_store_save_run(md_store *s, const char *job, const struct md_drift_run *r,
                               const struct drift_file_rec *files, size_t n_files,
                               struct md_err *err);

#endif

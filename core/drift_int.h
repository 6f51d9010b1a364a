/*
 * drift_int.h - private to core/drift*.c, core/store_drift.c, their unit
 * tests and fuzz targets.
 *
 * The pieces of a drift job and who owns them:
 *   - drift.c: the statistics and the bounded sketch (struct drift_sketch);
 *   - drift_input.c: streaming readers that turn CSV, JSONL and Data Capture
 *     bytes into rows of (column, text or number) fields, and the job runner
 *     (md_drift_run) that routes rows to windows;
 *   - drift_ref.c: accumulators (struct drift_acc) that collect one feature's
 *     values on one side, freezing the reference (struct drift_ref), the
 *     evaluation of a window against it, and the JSON report;
 *   - store_drift.c: the tables of schema v2.
 */
#ifndef MLDECK_DRIFT_INT_H
#define MLDECK_DRIFT_INT_H

#include "mldeck/drift.h"

/* ---- bounded sketch (drift.c) ------------------------------------------------------------- */

/* Items per level before a halving is 2k: k = 4096 bounds the rank error by levels / 8192. */
#define DRIFT_SKETCH_K 4096
#define DRIFT_SKETCH_LEVELS 48

struct drift_sketch {
    double *lvl[DRIFT_SKETCH_LEVELS]; /* level h items each stand for 2^h values */
    uint32_t len[DRIFT_SKETCH_LEVELS];
    size_t levels;  /* levels in use */
    uint64_t n;     /* values added */
    double err;     /* absolute rank-error bound, in values */
    unsigned flip;  /* alternates the kept half */
};

void drift_sketch_add(struct drift_sketch *s, double x);
void drift_sketch_release(struct drift_sketch *s);
/* Sorted items with their weights, both malloc'd (free()); returns how many. */
size_t drift_sketch_samples(const struct drift_sketch *s, double **values, double **weights);
/* Smallest value whose cumulative weight reaches q of the total; NAN when n == 0. */
double drift_weighted_quantile(const double *v, const double *w, size_t n, double q);

/* ---- strings to indices (drift_ref.c) ---------------------------------------------------- */

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

/* ---- rows (drift_input.c produces, drift_ref.c consumes) --------------------------------- */

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

/* One reader's state: where the bytes come from, its columns, and where rows go. */
struct drift_parse {
    const char *file;                 /* for messages */
    struct md_drift_warnings *warn;
    drift_row_fn row;
    void *ud;
    struct drift_strmap cols;         /* column names in order of appearance */
    const char *time_column;          /* CSV/JSONL: a field holding the row's time */
    const char *const *capture_columns; /* names of Data Capture CSV input fields */
    size_t n_capture_columns;
    const char *prediction;           /* name of a Data Capture output; NULL: "prediction" */
    const volatile int *cancel;
    void (*progress)(void *ud, uint64_t bytes);
    void *progress_ud;
    uint64_t rows;                    /* rows delivered */
    uint64_t bad;                     /* records skipped with a warning */
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

/* ---- accumulators and the frozen reference (drift_ref.c) -------------------------------- */

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
    uint64_t last_row;       /* row stamp: a column repeated in one row counts once */
    double *v;               /* exact mode: the values, unsorted */
    size_t nv;
    size_t av;
    struct drift_sketch *sk; /* bounded mode */
    double shift;            /* bounded mode: shifted sums for mean and variance */
    double s1, c1, s2, c2;
    double min, max;
    uint64_t bins[MD_DRIFT_MAX_BINS]; /* bounded mode on the current side */
    struct drift_cats cats;
    uint32_t warned;         /* wrong-type warnings given */
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
    double *v;      /* sorted values (exact) or sketch items */
    double *w;      /* NULL when exact, else the items' weights */
    size_t nv;
    double rank_err; /* sketch: rank error bound as a fraction of valid */
    size_t n_cats;  /* categories sorted by name */
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

/* Serialised artefacts of one frozen feature (the store's BLOB); native doubles, versioned. */
md_status drift_ref_feature_encode(const struct drift_ref_feature *f, struct md_buf *out);
md_status drift_ref_feature_decode(const void *p, size_t n, struct drift_ref_feature *f,
                                   struct md_err *err);
void drift_ref_feature_release(struct drift_ref_feature *f);

/* Evaluate one window; `out` is filled and sorted, owned by the caller (drift_window_release). */
void drift_evaluate(const struct drift_ref *ref, struct drift_set *win,
                    const struct md_drift_opts *o, struct md_drift_window *out);
void drift_window_release(struct md_drift_window *w);
/* The options behind one stored metric, as a JSON object (malloc'd). */
char *drift_metric_options(const struct md_drift_feature *f, enum md_drift_method m,
                           const struct md_drift_run *r);

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
/* Results of every window of the run and the newly processed files, in one transaction. */
md_status drift_store_save_run(md_store *s, const char *job, const struct md_drift_run *r,
                               const struct drift_file_rec *files, size_t n_files,
                               struct md_err *err);

#endif

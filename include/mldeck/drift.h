/*
 * drift.h - data drift between a reference data set (the training set, or a
 * window known to be good) and current data (CSV, JSONL or SageMaker Data
 * Capture files), per feature and per time window.
 *
 * Three layers, all without curses, usable headless and from a worker thread:
 *   1. statistics (core/drift/drift.c): pure functions on arrays - PSI, KS with
 *      p-value, Wasserstein-1, Jensen-Shannon, chi-squared, and helpers -
 *      checked against the known answers of shared/reference/drift.md §2;
 *   2. a drift job (core/drift/drift_ref.c, core/drift/drift_input.c): read the
 *      reference once, freeze it (bin edges, shares, categories, sorted
 *      values or a bounded sketch, mean, std) into the store, then read only
 *      new current files, route their rows to time windows, and evaluate
 *      every window against the frozen reference with thresholds and
 *      verdicts;
 *   3. persistence (core/store/store_drift.c): frozen references, results by
 *      window and the files already processed, in the state database.
 *
 * Conventions. Numbers: NAN means "not applicable" (an empty window, a
 * method that does not apply), never 0. Counts are 64-bit. Every function
 * that can fail returns md_status and fills `err` (NULL allowed).
 */
#ifndef MLDECK_DRIFT_H
#define MLDECK_DRIFT_H

#include "mldeck/md.h"
#include "mldeck/store.h"

/* ---- 1. statistics ---------------------------------------------------------------------- */

/* PSI on reference deciles: at most 9 interior edges, 10 bins with open outer bins. */
#define MD_DRIFT_MAX_EDGES 9
#define MD_DRIFT_MAX_BINS (MD_DRIFT_MAX_EDGES + 1)

/* W1 is normalised by max(reference std, this floor): a constant reference still divides. */
#define MD_DRIFT_STD_FLOOR 0.001

/* Exact KS p-values are computed while n * m is at most this, else the asymptotic form. */
#define MD_DRIFT_KS_EXACT_MAX 1000000.0

/*
 * Zero-share handling for PSI (stored with every PSI result, because it
 * changes the value a lot; drift.md §2.1):
 *   NONE    - shares c/n; an empty bin on one side gives +inf (Deequ);
 *   EPS     - Evidently's rule, per vector: zero shares become eps, where
 *             eps = (smallest non-zero share) / 1e6 if that share <= 1e-4,
 *             else 1e-4; no renormalisation;
 *   ADD_ONE - Azure's rule: (count + 1) / n with the unsmoothed n.
 */
enum md_drift_smoothing { MD_DRIFT_SMOOTH_NONE = 0, MD_DRIFT_SMOOTH_EPS, MD_DRIFT_SMOOTH_ADD_ONE };

/* "none", "eps", "add-one"; never NULL. */
const char *md_drift_smoothing_name(enum md_drift_smoothing s);
/* Inverse of md_drift_smoothing_name(); MD_ERR_INVALID for an unknown name. */
md_status md_drift_smoothing_parse(const char *name, enum md_drift_smoothing *out);

/*
 * Sort `n` doubles ascending with an LSD radix sort on the IEEE-754 bit
 * pattern (11-bit digits, sign flip), O(n). `v` must hold no NaN; -0.0 sorts
 * just before +0.0. Errors: MD_ERR_NOMEM when the n-double scratch cannot be
 * allocated (v is then unchanged).
 */
md_status md_drift_sort(double *v, size_t n);

/* Quantile q in [0, 1] of sorted `v` with linear interpolation (numpy's default); NAN if n == 0. */
double md_drift_quantile(const double *v, size_t n, double q);

/*
 * The distinct reference deciles of sorted `v` (q = 0.1 .. 0.9, linear
 * interpolation) into edges[MD_DRIFT_MAX_EDGES]; returns how many (0 when
 * n == 0, 1 for a constant column). Bin i holds edges[i-1] <= x < edges[i],
 * with edges[-1] = -inf and edges[k] = +inf: numpy searchsorted(side='right').
 */
size_t md_drift_decile_edges(const double *v, size_t n, double *edges);
/* The bin of x for `k` ascending edges: the number of edges <= x, in [0, k]. */
size_t md_drift_bin_of(const double *edges, size_t k, double x);

/*
 * Shares of `k` bins from counts summing to `n`, with smoothing `s` (see
 * enum md_drift_smoothing). n == 0 gives NAN shares.
 */
void md_drift_shares(const uint64_t *counts, size_t k, uint64_t n, enum md_drift_smoothing s,
                     double *shares);

/*
 * PSI = sum (c_i - r_i) ln(c_i / r_i) over k bins of shares `r` (reference)
 * and `c` (current); bins empty on both sides contribute 0, a bin empty on
 * one side only gives +inf. Per-bin terms into per_bin[k] when not NULL.
 */
double md_drift_psi(const double *r, const double *c, size_t k, double *per_bin);
/* KL(p || q) in nats; 0 * ln(0/q) = 0; +inf when some p_i > 0 has q_i = 0. */
double md_drift_kl(const double *p, const double *q, size_t k);
/*
 * Jensen-Shannon *distance* (the square root of the divergence) with
 * logarithms in `base` (2: range [0, 1]; M_E: [0, sqrt(ln 2)]). Inputs are
 * renormalised and never smoothed; zero shares contribute 0, so the value is
 * always finite. NAN when either vector sums to 0.
 */
double md_drift_js(const double *p, const double *q, size_t k, double base);
/* Hellinger distance sqrt(1 - sum sqrt(p q)), the sum clipped to [0, 1]. */
double md_drift_hellinger(const double *p, const double *q, size_t k);
/* L-infinity distance max |p_i - q_i|. */
double md_drift_linf(const double *p, const double *q, size_t k);

/*
 * KS D = sup |F - G| and Wasserstein-1 = integral |F - G| dx of two sorted
 * samples in one merge pass. At each distinct value every copy in both
 * samples is passed before the CDFs are compared, so ties are handled
 * exactly. Weights `wx`/`wy` may be NULL (every value weighs 1); weights are
 * positive. With unit weights D is computed in integers (exact rational).
 * *d and *w1 are NAN when either sample is empty.
 */
void md_drift_ks_w1(const double *x, const double *wx, size_t n, const double *y, const double *wy,
                    size_t m, double *d, double *w1);

/*
 * Kolmogorov's limiting survival function Q(lambda) = 2 sum_{k>=1} (-1)^(k-1)
 * exp(-2 k^2 lambda^2); the theta-function form is used below lambda = 1.18.
 * 1 for lambda <= 0.
 */
double md_drift_kolmogorov_q(double lambda);
/*
 * Exact two-sided P(D_{n,m} >= d) under the null hypothesis of continuous
 * distributions, by a scaled lattice-path count (O(n m) time, O(m) memory).
 * Computes the complement, so p >= ~1e-16. Errors are impossible; n or m
 * equal to 0 gives NAN.
 */
double md_drift_ks_exact_p(double d, size_t n, size_t m);
/*
 * KS p-value: exact while n * m <= MD_DRIFT_KS_EXACT_MAX, else Q(lambda) with
 * Stephens' correction lambda = (sqrt(en) + 0.12 + 0.11 / sqrt(en)) d,
 * en = n m / (n + m). *exact (may be NULL) tells which. Clamped to [0, 1].
 */
double md_drift_ks_p(double d, size_t n, size_t m, bool *exact);

/* Mean and standard deviation with `ddof` (0 or 1); NAN when n <= ddof. Compensated sums. */
void md_drift_mean_std(const double *v, size_t n, int ddof, double *mean, double *std);
/* w1 / max(std, MD_DRIFT_STD_FLOOR). */
double md_drift_w1_norm(double w1, double std);

/* Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a); a > 0, x >= 0. */
double md_drift_gamma_q(double a, double x);
/* Chi-squared survival P(X >= x) with `df` degrees of freedom: Q(df/2, x/2). */
double md_drift_chi2_sf(double x, double df);

/*
 * Chi-squared test of a 2 x k contingency table (reference counts `a`,
 * current counts `b`): expected counts from the margins, categories empty in
 * both rows dropped, df = k' - 1. With `yates` and df == 1 each |O - E| is
 * reduced by min(0.5, |O - E|) (scipy's default). Unseen categories give a
 * finite value. Returns df; df 0 gives *stat 0 and *p 1. An empty row gives
 * NAN and returns 0.
 */
int md_drift_chi2_contingency(const uint64_t *a, const uint64_t *b, size_t k, bool yates,
                              double *stat, double *p);
/*
 * Goodness-of-fit chi-squared of observed counts against reference shares
 * (e_i = r_i * n_obs; categories with r_i = 0 and no observation dropped),
 * df = k' - 1. An observation where r_i = 0 gives +inf and p = 0.
 */
int md_drift_chi2_gof(const uint64_t *obs, const double *ref_shares, size_t k, double *stat,
                      double *p);
/*
 * Two-proportion z-test, pooled: successes a1 of n1 against a2 of n2.
 * *p is two-sided. Identical constant samples give z = 0, p = 1.
 */
void md_drift_ztest(uint64_t a1, uint64_t n1, uint64_t a2, uint64_t n2, double *z, double *p);

/* ---- 2. a drift job ----------------------------------------------------------------------- */

enum md_drift_type { MD_DRIFT_TYPE_UNKNOWN = 0, MD_DRIFT_NUMERIC, MD_DRIFT_CATEGORICAL };

/* Methods; a result holds one metric slot per method. */
enum md_drift_method {
    MD_DRIFT_PSI = 0, /* numeric: PSI on reference deciles (smoothing stored) */
    MD_DRIFT_W1,      /* numeric: W1 / max(reference std ddof 0, 0.001) */
    MD_DRIFT_JS,      /* both: JS distance base 2 (numeric: on the PSI bins) */
    MD_DRIFT_KS,      /* numeric: KS D, with a p-value */
    MD_DRIFT_CHI2,    /* categorical: 2 x k contingency chi-squared, with a p-value */
    MD_DRIFT_METHOD_COUNT
};

/*
 * A set of methods, one bit per method (md_drift_method_bit()), as
 * md_drift_opts.methods selects them; MD_DRIFT_METHODS_ALL holds every one.
 */
#define MD_DRIFT_METHODS_ALL ((1u << MD_DRIFT_METHOD_COUNT) - 1)
static inline unsigned md_drift_method_bit(enum md_drift_method m)
{
    return 1u << (unsigned)m;
}

/* Status tiers, ordered: a larger value is worse. NA: nothing to compare (never an alert). */
enum md_drift_status {
    MD_DRIFT_STATUS_NA = 0,
    MD_DRIFT_STATUS_OK,
    MD_DRIFT_STATUS_WARN,
    MD_DRIFT_STATUS_DRIFT
};

/* "psi", "w1", "js", "ks", "chi2"; never NULL. */
const char *md_drift_method_name(enum md_drift_method m);
/* Display labels: "PSI(dec)", "W1/σ", "JS₂", "KS D", "χ²" (UTF-8). */
const char *md_drift_method_label(enum md_drift_method m);
/* Inverse of md_drift_method_name(); MD_ERR_INVALID for an unknown name. */
md_status md_drift_method_parse(const char *name, enum md_drift_method *out);
/* "n/a", "ok", "warn", "drift"; never NULL. */
const char *md_drift_status_name(enum md_drift_status s);
/* "unknown", "numeric", "categorical"; never NULL. */
const char *md_drift_type_name(enum md_drift_type t);

/*
 * Thresholds. Distances (PSI, W1, JS) warn when value >= warn and drift when
 * value >= drift; p-value methods (KS, chi2) warn when p < warn and drift
 * when p < drift. Defaults (drift.md §1; the warn tier of single-threshold
 * methods is half the threshold, of p-values whylogs' 0.15):
 *   PSI 0.1 / 0.25, W1 0.05 / 0.1, JS 0.05 / 0.1, KS p 0.15 / 0.05,
 *   chi2 p 0.15 / 0.05.
 */
struct md_drift_threshold {
    char feature[128]; /* "" for every feature */
    enum md_drift_method method;
    double warn;
    double drift;
};
/* The defaults above; NAN for an unknown method. */
void md_drift_default_threshold(enum md_drift_method m, double *warn, double *drift);
/*
 * Parse "[FEATURE:]METHOD=[WARN,]DRIFT", e.g. "psi=0.2", "age:w1=0.05,0.2",
 * "ks=0.1,0.01". Without WARN, warn = drift for distances and p-values
 * alike (two tiers). Errors: MD_ERR_INVALID with the reason.
 */
md_status md_drift_threshold_parse(const char *spec, struct md_drift_threshold *out,
                                   struct md_err *err);

/* One method's result for one feature in one window. */
struct md_drift_metric {
    bool present;   /* the method applies to this feature's type */
    double value;   /* distance or statistic; NAN: n/a; PSI may be +inf unsmoothed */
    double p_value; /* KS, chi2; NAN otherwise */
    double warn;    /* thresholds applied (on value, or on p_value for KS/chi2) */
    double drift;
    bool votes; /* counts toward the feature's status (see md_drift_opts.p_vote_max) */
    enum md_drift_status status;
    double severity; /* value / drift, or log10(p) / log10(drift); >= 1 at the drift tier */
    int df;          /* chi2 degrees of freedom */
    bool exact_p;    /* KS p from the exact lattice count */
};

/* Largest number of categories a result keeps for the histogram overlay. */
#define MD_DRIFT_TOP_CATS 16

struct md_drift_feature {
    char *name;
    enum md_drift_type type;
    bool prediction;      /* the designated model-output column */
    uint64_t n_ref;       /* usable reference values */
    uint64_t n_cur;       /* usable current values */
    uint64_t rows_cur;    /* current rows in the window */
    uint64_t invalid_cur; /* values of the wrong type (counted as missing) */
    double missing_cur;   /* share of current rows without a usable value; NAN: no rows */
    double missing_ref;
    double mean_ref, std_ref; /* std with ddof 0; NAN for categoricals */
    double mean_cur, std_cur;
    struct md_drift_metric m[MD_DRIFT_METHOD_COUNT];
    enum md_drift_status status;  /* worst status among voting metrics */
    double severity;              /* largest severity among voting metrics */
    enum md_drift_method primary; /* the metric to show on one line (the most severe voting one) */
    bool sketch;                  /* KS and W1 came from a bounded sketch on at least one side */
    double rank_error;            /* bound on the KS D error from the sketches (0 when exact) */
    /* Histogram overlay. Numeric: n_edges edges, n_edges + 1 bins. */
    size_t n_edges;
    double edges[MD_DRIFT_MAX_EDGES];
    uint64_t bins_ref[MD_DRIFT_MAX_BINS];
    uint64_t bins_cur[MD_DRIFT_MAX_BINS];
    /* Categorical: the most frequent categories of both sides, then "(other)". */
    size_t n_cats;
    char *cats[MD_DRIFT_TOP_CATS + 1];
    uint64_t cats_ref[MD_DRIFT_TOP_CATS + 1];
    uint64_t cats_cur[MD_DRIFT_TOP_CATS + 1];
    uint64_t n_unseen; /* current values of categories absent from the reference */
};

/*
 * One evaluated window, owned by its md_drift_run (names and categories too).
 * Features sorted: prediction first, then status, then severity, then name.
 */
struct md_drift_window {
    int64_t start_ms; /* [start, end) in ms since the epoch; rows without a time: both are */
    int64_t end_ms;   /* the run's time, so each run is one point in the history */
    uint64_t rows_ref;
    uint64_t rows_cur;
    struct md_drift_feature *f;
    size_t n;
    size_t n_tested;    /* features with a status other than n/a */
    size_t n_drifted;   /* features at the drift tier */
    double drift_share; /* n_drifted / n_tested; NAN when nothing was tested */
    bool dataset_drift; /* drift_share >= md_drift_opts.drift_share */
};

/*
 * Warnings about the input (file:line: ...), collected instead of aborting;
 * messages are sanitised (no control characters).
 */
#define MD_DRIFT_WARN_CAP 200
struct md_drift_warnings {
    char **msg; /* at most MD_DRIFT_WARN_CAP; each malloc'd */
    size_t n;
    uint64_t dropped; /* warnings beyond the cap, counted only */
};
/* Append a message (cut at 511 bytes); past the cap only `dropped` grows. w may be NULL. */
void md_drift_warnings_add(struct md_drift_warnings *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Free the messages; the struct is empty and reusable afterwards. */
void md_drift_warnings_release(struct md_drift_warnings *w);

/* Input formats; AUTO picks by extension (.csv; .jsonl/.json/.ndjson) and content. */
enum md_drift_format {
    MD_DRIFT_FORMAT_AUTO = 0,
    MD_DRIFT_FORMAT_CSV,
    MD_DRIFT_FORMAT_JSONL,
    MD_DRIFT_FORMAT_CAPTURE /* SageMaker Data Capture JSONL */
};

/* Default memory for raw values, per side (reference, all current windows). */
#define MD_DRIFT_DEFAULT_BUDGET ((size_t)1 << 30)

/*
 * S3 inputs. A reference, current input or violations file given as
 * s3://BUCKET/KEY is read with a private S3 client (mldeck/s3.h) signed with
 * the credentials, region and endpoint md_aws_resolve() finds, the aws_* and
 * s3_endpoint_url options first. A current s3://BUCKET/PREFIX names one
 * object when an object has exactly that key, else every data object
 * (.csv, .jsonl, .json, .ndjson; hidden names skipped) under PREFIX/ (a
 * folder, as `aws s3 cp --recursive` reads it). Objects processed before
 * (same s3://BUCKET/KEY, size, ETag and LastModified) are skipped at listing
 * time, so only new ones are read: each is downloaded in bounded parts to a
 * private 0700 temporary directory, parsed like a local file (messages name
 * s3://BUCKET/KEY) and deleted at once. At most MD_DRIFT_S3_MAX_NEW new
 * objects are read per run; the rest are left for the next run. An object
 * that cannot be read is a warning; an input that cannot be listed (no such
 * bucket, no credentials) fails the run.
 */
#define MD_DRIFT_S3_MAX_NEW 100000

struct md_drift_opts {
    const char *job;            /* store key; NULL: "default" */
    const char *reference;      /* file, or s3://BUCKET/KEY */
    const char *const *current; /* files, directories (read recursively, sorted), s3:// URIs */
    size_t n_current;
    const char *const *features; /* only these columns; NULL: every reference column */
    size_t n_features;
    const char *const *categorical; /* type overrides; else inferred from the reference */
    size_t n_categorical;
    const char *const *numeric;
    size_t n_numeric;
    const char *prediction;             /* model-output column; also names Data Capture outputs */
    const char *time_column;            /* CSV/JSONL timestamp column (epoch s/ms or ISO-8601) */
    const char *const *capture_columns; /* names of Data Capture CSV input fields */
    size_t n_capture_columns;
    enum md_drift_format format;       /* of the current files; the reference is always AUTO */
    int64_t window_ms;                 /* > 0: windows [k w, (k+1) w) by row time; 0: one window */
    enum md_drift_smoothing smoothing; /* PSI; default (0) NONE - the CLI picks EPS */
    /*
     * The methods to compute, judge and report (md_drift_method_bit() of
     * each); 0: all. Each feature still gets only those that apply to its
     * type, so a numeric feature under {chi2} has no metric and stays n/a.
     * Bits beyond the known methods: MD_ERR_INVALID.
     */
    unsigned methods;
    bool no_yates; /* chi2 without Yates' correction at df 1 */
    size_t budget; /* bytes of raw values per side; 0: MD_DRIFT_DEFAULT_BUDGET */
    const struct md_drift_threshold *thresholds; /* later entries win; feature-specific first */
    size_t n_thresholds;
    double drift_share;  /* dataset verdict rule; 0: 0.5 */
    uint64_t p_vote_max; /* KS/chi2 vote only while n_ref n_cur / (n_ref + n_cur) <= this;
                                 0: 10000 (beyond, p-values flag negligible shifts) */
    md_store *store;     /* NULL: nothing frozen, nothing remembered */
    /*
     * SageMaker Model Monitor's constraint_violations.json (s3://BUCKET/KEY or
     * a file), read after the run into md_drift_run.platform; NULL: none.
     */
    const char *violations;
    const char *aws_profile; /* S3 (see above); NULL: as md_aws_resolve() finds them */
    const char *aws_region;
    const char *s3_endpoint_url;
    size_t s3_part_size;        /* bytes per ranged GET; 0: MD_S3_PART_SIZE */
    const volatile int *cancel; /* polled between rows: non-zero stops with MD_ERR_CANCELLED */
    /* Progress: `phase` is "reference" or "current"; bytes read so far of `total`. */
    void (*progress)(void *ud, const char *phase, uint64_t done, uint64_t total);
    void *progress_ud;
};

/*
 * A platform's own verdict on the same data (SageMaker Model Monitor's
 * constraint_violations.json, an Azure ML monitor's signals), kept beside
 * mldeck's results and never merged into them. Strings are owned, never NULL.
 */
struct md_drift_platform_item {
    char *source;     /* "SageMaker Model Monitor", "Azure ML monitor NAME" */
    char *feature;    /* feature name; "" for a dataset-level item */
    char *check;      /* constraint_check_type ("data_type_check", ...) or signal metric */
    char *detail;     /* the platform's description, cleaned of control characters */
    double value;     /* the platform's measured value; NAN when it gives none */
    double threshold; /* NAN when it gives none */
    bool violated;    /* the platform reports a violation (not just a configured signal) */
};

struct md_drift_run {
    struct md_drift_window *w; /* windows touched by this run, by start time */
    size_t n_windows;
    struct md_drift_warnings warnings;
    uint64_t rows_ref;
    size_t n_ref_features;
    bool ref_cached; /* the frozen reference came from the store */
    bool ref_sketch; /* some reference column exceeded the budget: sketch */
    size_t files_read;
    size_t files_skipped; /* already processed (same path, size and mtime; S3: key, size, ETag
                              and LastModified) */
    size_t files_failed;  /* could not be read at all; not remembered */
    enum md_drift_smoothing smoothing;
    unsigned methods; /* the methods asked for (md_drift_opts.methods; 0 there: all) */
    bool yates;
    double rule; /* dataset verdict: drift_share >= rule */
    /* Where the time went, in milliseconds (0 for a phase that did not run). */
    double ms_ref_read;   /* parsing the reference (both passes when bounded) */
    double ms_ref_freeze; /* sorting it, deciles, bins, moments */
    double ms_cur_read;   /* parsing current files */
    double ms_eval;       /* sorting windows, KS/W1 merges, binned metrics */
    /*
     * Platform results fetched with the run (md_drift_opts.violations); owned.
     * SageMaker Model Monitor items: source "SageMaker Model Monitor",
     * violated, value and threshold read from a baseline_drift_check
     * description ("... distance: 0.21 ... threshold: 0.1") or NAN.
     */
    struct md_drift_platform_item *platform;
    size_t n_platform;
    char *
        platform_error; /* why they could not be fetched; NULL when none was asked or all went well */
};

/*
 * Run a drift job: freeze (or load) the reference, read the current files
 * not yet processed, evaluate each window they touch, and - with a store -
 * save results and remember the files, in one transaction at the end (a
 * failed or cancelled run stores nothing). A window that already held rows of
 * files processed by an earlier run is completed by reading those files
 * again for that window only, so stored windows are always whole.
 * Input problems (ragged rows, wrong types, bad encodings, empty files, an
 * S3 object that cannot be read) are warnings in out->warnings naming
 * file:line or s3://BUCKET/KEY; the rest is processed. The violations file
 * is read last; failing to fetch or parse it sets out->platform_error and
 * the run still succeeds.
 *
 * Synchronous; meant for a worker thread. `o` and what it points to are
 * borrowed for the call only; the store must not be inside md_store_begin().
 * Features are frozen and evaluated on up to 8 internal threads; `progress`
 * and `cancel` are used from the calling thread only. *out is the caller's:
 * release it with md_drift_run_release() whatever the status.
 * Errors: MD_ERR_IO (reference unreadable), MD_ERR_PARSE (reference has no
 * usable rows or columns), MD_ERR_INVALID (bad options), MD_ERR_DB,
 * MD_ERR_CANCELLED; for S3 inputs that cannot be listed or a reference that
 * cannot be read, the S3 client's errors (MD_ERR_NOT_FOUND, MD_ERR_AUTH,
 * MD_ERR_NET, ...) with the s3:// URI in the message.
 */
md_status md_drift_run(const struct md_drift_opts *o, struct md_drift_run *out, struct md_err *err);
/* Free everything a run holds; the struct is zeroed. */
void md_drift_run_release(struct md_drift_run *r);

/*
 * The run as one JSON object appended to `out`:
 *   {"summary": {...last window...}, "features": [...last window...],
 *    "windows": [{"start", "end", "summary", "features"}...], "reference": {...},
 *    "files": {...}, "options": {..., "methods": ["psi", ...]}, "warnings": [...],
 *    "platform": [{"source", "feature", "check", "detail", "value", "threshold",
 *                  "violated"}...], "platform_error": null or "why"}
 * Non-finite numbers: NaN as null, +inf as the string "inf".
 * Errors: MD_ERR_TOO_BIG from the buffer (its contents are then undefined).
 */
md_status md_drift_run_json(const struct md_drift_run *r, struct md_buf *out);

/* ---- 3. persistence (core/store/store_drift.c) ---------------------------------------------------- */

/* One stored result: a feature's metric in one window. */
struct md_drift_point {
    int64_t start_ms;
    int64_t end_ms;
    double value;
    double p_value;
    double drift; /* threshold */
    enum md_drift_status status;
    uint64_t n_cur;
};

/*
 * Results of (job, feature, method), newest window first, at most `max`;
 * *out malloc'd (free()). Errors: MD_ERR_DB.
 */
md_status md_drift_store_history(md_store *s, const char *job, const char *feature,
                                 enum md_drift_method m, size_t max, struct md_drift_point **out,
                                 size_t *n, struct md_err *err);
/*
 * The newest stored window of `job` (the largest window start), rebuilt as
 * md_drift_run() produced it: every feature with its metrics, thresholds,
 * statuses, severities, counts and missing share, sorted as a run sorts
 * them (prediction first, then status, severity, name), and the window's
 * verdict. Windows saved by schema v3 and later also carry the histogram
 * (edges and bins, or categories, of both sides), moments and the sketch
 * flags; windows saved by v2 come back without them (n_edges = n_cats = 0)
 * with severities recomputed from the stored values. This lets a screen show
 * the last results at once, before (or without) reading any new data.
 * *out is the caller's: md_drift_window_release(). *computed_ms (may be
 * NULL) receives when the window was evaluated.
 * Errors: MD_ERR_NOT_FOUND when the job has no stored window (err is not
 * set), MD_ERR_DB.
 */
md_status md_drift_store_latest(md_store *s, const char *job, struct md_drift_window *out,
                                int64_t *computed_ms, struct md_err *err);
/* Free what a window holds (md_drift_store_latest()); the struct is zeroed. NULL is a no-op. */
void md_drift_window_release(struct md_drift_window *w);

/* The worst feature of a job's newest stored window, for one line of an overview. */
struct md_drift_worst {
    int64_t start_ms; /* the window, as in struct md_drift_window */
    int64_t end_ms;
    int64_t computed_ms;         /* when it was evaluated */
    char feature[128];           /* cut to fit; "" when no feature could be tested */
    bool prediction;             /* the feature is the model's output column */
    enum md_drift_method method; /* the feature's primary metric */
    enum md_drift_status status; /* NA when nothing was tested */
    double value;                /* the primary metric's value (distance or statistic) */
    double p_value;              /* KS and chi2; NAN otherwise */
    double threshold;            /* the drift tier of the primary metric (a p-value for KS, chi2) */
    double severity;             /* >= 1 at the drift tier */
    size_t n_tested;             /* the window's features with a status */
    size_t n_drifted;            /* ... at the drift tier */
};
/*
 * The worst feature (highest status, then severity; the prediction is not
 * preferred) of the newest stored window of `job`.
 * Errors: MD_ERR_NOT_FOUND when the job has no stored window (err is not
 * set), MD_ERR_DB.
 */
md_status md_drift_store_worst(md_store *s, const char *job, struct md_drift_worst *out,
                               struct md_err *err);

/*
 * Forget a job: its frozen reference, results and processed files.
 * Errors: MD_ERR_DB.
 */
md_status md_drift_store_forget(md_store *s, const char *job, struct md_err *err);

/* ---- 4. a job on a worker thread (core/drift/drift_worker.c) ------------------------------------ */

/*
 * One md_drift_run() on its own pthread, for a host event loop. The worker
 * signals through a pipe: poll md_drift_worker_fd() for reading, then call
 * md_drift_worker_poll(), which drains it and reports progress. The pipe
 * only wakes the loop (a byte per signal, at most about 20 a second, dropped
 * when the pipe is full); the progress itself is kept in atomics, so no
 * signal is lost that matters. When poll says finished, collect the result.
 *
 * Cancellation sets the engine's cancel flag (md_drift_opts.cancel), which
 * it checks between rows, reference and current alike; a cancelled run
 * stores nothing and collects as MD_ERR_CANCELLED.
 *
 * With a state path the worker opens its own connection to that database
 * (never the caller's md_store, whose connection is single-threaded), and
 * results, the frozen reference and the processed files are stored as by
 * `mldeck drift --state`. Every function here is for the thread that started
 * the worker; nothing is shared with the worker thread but what is described.
 */
typedef struct md_drift_worker md_drift_worker;

struct md_drift_job_conf; /* mldeck/config.h */

struct md_drift_progress {
    const char *phase; /* "starting", "reference", "current", "done"; static text */
    uint64_t done;     /* bytes of the phase read so far */
    uint64_t total;    /* bytes of the phase in all */
    double fraction;   /* rough share of the whole job in [0, 1] */
    bool finished;     /* md_drift_worker_collect() will not block */
};

/*
 * Start md_drift_run(o) on a new thread. `o` and everything it points to are
 * copied, so they need to live only for this call; o->store, o->cancel and
 * o->progress are ignored (the worker supplies its own). `state_path` NULL:
 * no store. *out is freed with md_drift_worker_free().
 * Errors: MD_ERR_IO when the pipe or the thread cannot be created.
 */
md_status md_drift_worker_start(md_drift_worker **out, const struct md_drift_opts *o,
                                const char *state_path, struct md_err *err);
/*
 * As md_drift_worker_start() for a configured job (struct md_drift_job_conf
 * of mldeck/config.h): its name is the store key, its thresholds are parsed.
 * Errors: MD_ERR_INVALID for a bad threshold, else as above.
 */
md_status md_drift_worker_start_job(md_drift_worker **out, const struct md_drift_job_conf *job,
                                    const char *state_path, struct md_err *err);
/* The read end of the wake-up pipe (non-blocking, close-on-exec); owned by the worker. */
int md_drift_worker_fd(const md_drift_worker *w);
/*
 * Drain the pipe and fill *p (may be NULL) with the current progress.
 * Returns true once the run has ended (whatever its status).
 */
bool md_drift_worker_poll(md_drift_worker *w, struct md_drift_progress *p);
/* Ask the run to stop; returns at once. The run then ends with MD_ERR_CANCELLED. */
void md_drift_worker_cancel(md_drift_worker *w);
/*
 * Wait for the thread (at once after poll said finished), then hand the
 * result to the caller: *out is the caller's and must be released with
 * md_drift_run_release() whatever the status. Returns the run's status with
 * its message in err (MD_ERR_DB also when the state cannot be opened).
 * A second call gives MD_ERR_INVALID and an empty run.
 */
md_status md_drift_worker_collect(md_drift_worker *w, struct md_drift_run *out, struct md_err *err);
/* Cancel, wait for the thread, free an uncollected result. NULL is a no-op. */
void md_drift_worker_free(md_drift_worker *w);

#endif

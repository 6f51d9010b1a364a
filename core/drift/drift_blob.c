/*
 * drift_blob.c - the BLOB formats of the drift tables (core/store/store_drift.c):
 * a frozen reference feature (drift_ref.artefact) and a window's feature as
 * the screen shows it (drift_feature.detail, schema v3). Bytes only, no SQL.
 *
 * Both formats start with a magic number, a byte-order probe and a version,
 * hold native doubles and 64-bit counts (the state file is per machine), and
 * are read through a bounds-checked cursor, so a BLOB of another layout or a
 * truncated one is refused, never misread.
 */
#include "drift_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- the artefact BLOB ----------------------------------------------------------------------- */

/* "MDRF", a byte-order probe and a version: a BLOB from another layout is refused, not misread. */
#define BLOB_MAGIC 0x4652444du
#define BLOB_ORDER 0x01020304u
#define BLOB_VERSION 1u

/* Raw bytes into the BLOB under construction. */
static md_status put(struct md_buf *b, const void *p, size_t n)
{
    return md_buf_add(b, p, n);
}

/*
 * The start both layouts share: header words (magic, byte-order probe,
 * version, then the layout's own), counts, then doubles. A layout says how
 * many of each it has; struct blob_start holds the most either needs.
 */
struct blob_layout {
    uint32_t magic;
    uint32_t version;
    size_t n_head, n_counts, n_nums;
};
struct blob_start {
    uint32_t head[6];
    uint64_t counts[7];
    double nums[7];
};

/* Write the start of a BLOB of layout l; its first three header words are filled in here. */
static md_status put_start(struct md_buf *b, const struct blob_layout *l, struct blob_start *s)
{
    assert(l->n_head <= MD_ARRAY_LEN(s->head) && l->n_counts <= MD_ARRAY_LEN(s->counts) &&
           l->n_nums <= MD_ARRAY_LEN(s->nums));
    s->head[0] = l->magic;
    s->head[1] = BLOB_ORDER;
    s->head[2] = l->version;
    md_status st = put(b, s->head, l->n_head * sizeof(*s->head));
    if (!st)
        st = put(b, s->counts, l->n_counts * sizeof(*s->counts));
    if (!st)
        st = put(b, s->nums, l->n_nums * sizeof(*s->nums));
    return st;
}

/* The artefact's start: type, prediction flag, edges; rows, valid, values, weighted; moments. */
static const struct blob_layout ref_layout = {BLOB_MAGIC, BLOB_VERSION, 6, 4, 5};

md_status drift_ref_feature_encode(const struct drift_ref_feature *f, struct md_buf *out)
{
    struct blob_start start = {
        .head = {[3] = (uint32_t)f->type, (uint32_t)f->prediction, (uint32_t)f->n_edges},
        .counts = {f->rows, f->valid, (uint64_t)f->nv, (uint64_t)(f->w != NULL)},
        .nums = {f->mean, f->std, f->min, f->max, f->rank_err}};
    md_status st = put_start(out, &ref_layout, &start);
    if (!st)
        st = put(out, f->edges, f->n_edges * sizeof(double));
    if (!st)
        st = put(out, f->bins, (f->n_edges + 1) * sizeof(uint64_t));
    if (!st && f->nv)
        st = put(out, f->v, f->nv * sizeof(double));
    if (!st && f->nv && f->w)
        st = put(out, f->w, f->nv * sizeof(double));
    uint64_t cats[2] = {(uint64_t)f->n_cats, f->cat_other};
    if (!st)
        st = put(out, cats, sizeof(cats));
    for (size_t i = 0; !st && i < f->n_cats; i++) {
        uint32_t len = (uint32_t)strlen(f->cats[i]);
        st = put(out, &len, sizeof(len));
        if (!st)
            st = put(out, f->cats[i], len);
        if (!st)
            st = put(out, &f->cat_counts[i], sizeof(uint64_t));
    }
    return st;
}

/* A bounds-checked cursor: every read fails once the BLOB is exhausted. */
struct cur {
    const unsigned char *p;
    size_t left;
    bool bad;
};

/* Copy n bytes out, or mark the cursor bad: a short BLOB never reads past its end. */
static bool take(struct cur *c, void *dst, size_t n)
{
    if (c->bad || n > c->left) {
        c->bad = true;
        return false;
    }
    if (n)
        memcpy(dst, c->p, n);
    c->p += n;
    c->left -= n;
    return true;
}

/* Read what put_start() wrote; false when short or of another magic, byte order or version. */
static bool take_start(struct cur *c, const struct blob_layout *l, struct blob_start *s)
{
    take(c, s->head, l->n_head * sizeof(*s->head));
    take(c, s->counts, l->n_counts * sizeof(*s->counts));
    take(c, s->nums, l->n_nums * sizeof(*s->nums));
    return !c->bad && s->head[0] == l->magic && s->head[1] == BLOB_ORDER &&
           s->head[2] == l->version;
}

md_status drift_ref_feature_decode(const void *p, size_t n, struct drift_ref_feature *f,
                                   struct md_err *err)
{
    struct cur c = {p, n, false};
    struct blob_start start;
    if (!take_start(&c, &ref_layout, &start) || start.head[3] > MD_DRIFT_CATEGORICAL ||
        start.head[5] > MD_DRIFT_MAX_EDGES || start.counts[2] > n / sizeof(double))
        return md_err_set(err, MD_ERR_DB, "frozen reference: unreadable artefact");
    f->type = (enum md_drift_type)start.head[3];
    f->prediction = start.head[4] != 0;
    f->n_edges = start.head[5];
    f->rows = start.counts[0];
    f->valid = start.counts[1];
    f->nv = (size_t)start.counts[2];
    f->mean = start.nums[0];
    f->std = start.nums[1];
    f->min = start.nums[2];
    f->max = start.nums[3];
    f->rank_err = start.nums[4];
    take(&c, f->edges, f->n_edges * sizeof(double));
    take(&c, f->bins, (f->n_edges + 1) * sizeof(uint64_t));
    f->v = md_xmalloc((f->nv ? f->nv : 1) * sizeof(double));
    take(&c, f->v, f->nv * sizeof(double));
    if (start.counts[3]) {
        f->w = md_xmalloc((f->nv ? f->nv : 1) * sizeof(double));
        take(&c, f->w, f->nv * sizeof(double));
    }
    uint64_t cats[2] = {0, 0};
    take(&c, cats, sizeof(cats));
    if (cats[0] > c.left / 12) /* each category costs at least 12 bytes */
        c.bad = true;
    f->cat_other = cats[1];
    if (!c.bad) {
        f->cats = md_xcalloc(cats[0] ? cats[0] : 1, sizeof(*f->cats));
        f->cat_counts = md_xcalloc(cats[0] ? cats[0] : 1, sizeof(*f->cat_counts));
    }
    for (uint64_t i = 0; !c.bad && i < cats[0]; i++) {
        uint32_t len = 0;
        if (!take(&c, &len, sizeof(len)) || len > c.left)
            break;
        char *s = md_xmalloc((size_t)len + 1);
        take(&c, s, len);
        s[len] = '\0';
        f->cats[f->n_cats] = s;
        take(&c, &f->cat_counts[f->n_cats++], sizeof(uint64_t));
    }
    if (c.bad || c.left) {
        drift_ref_feature_release(f);
        return md_err_set(err, MD_ERR_DB, "frozen reference: unreadable artefact");
    }
    return MD_OK;
}

/* ---- a window's feature (schema v3) ---------------------------------------------------------- */

/*
 * "MDWF": what drift_result does not hold of one feature in one window - the
 * counts behind the missing share, moments, sketch flags, per-metric
 * severity, degrees of freedom and exactness, and the histogram of both
 * sides. Native byte order like the artefact: the state file is per machine.
 */
#define DETAIL_MAGIC 0x4657444du
#define DETAIL_VERSION 1u
#define NO_NAME UINT32_MAX /* the "(other)" category */

/*
 * The detail's start: the method count; rows, invalid, unseen, edges, bins,
 * categories, sketch; missing shares, both sides' moments, rank error.
 */
static const struct blob_layout detail_layout = {DETAIL_MAGIC, DETAIL_VERSION, 4, 7, 7};

md_status drift_detail_encode(const struct md_drift_feature *f, struct md_buf *out)
{
    size_t n_bins = f->type == MD_DRIFT_NUMERIC ? f->n_edges + 1 : 0;
    struct blob_start start = {.head = {[3] = MD_DRIFT_METHOD_COUNT},
                               .counts = {f->rows_cur, f->invalid_cur, f->n_unseen,
                                          (uint64_t)f->n_edges, (uint64_t)n_bins,
                                          (uint64_t)f->n_cats, (uint64_t)f->sketch},
                               .nums = {f->missing_cur, f->missing_ref, f->mean_ref, f->std_ref,
                                        f->mean_cur, f->std_cur, f->rank_error}};
    md_status st = put_start(out, &detail_layout, &start);
    for (int m = 0; !st && m < MD_DRIFT_METHOD_COUNT; m++) {
        double sev = f->m[m].severity;
        int32_t df = f->m[m].df;
        uint8_t exact = f->m[m].exact_p;
        st = put(out, &sev, sizeof(sev));
        if (!st)
            st = put(out, &df, sizeof(df));
        if (!st)
            st = put(out, &exact, sizeof(exact));
    }
    if (!st)
        st = put(out, f->edges, f->n_edges * sizeof(double));
    if (!st)
        st = put(out, f->bins_ref, n_bins * sizeof(uint64_t));
    if (!st)
        st = put(out, f->bins_cur, n_bins * sizeof(uint64_t));
    for (size_t i = 0; !st && i < f->n_cats; i++) {
        uint32_t len = f->cats[i] ? (uint32_t)strlen(f->cats[i]) : NO_NAME;
        st = put(out, &len, sizeof(len));
        if (!st && f->cats[i])
            st = put(out, f->cats[i], len);
        if (!st)
            st = put(out, &f->cats_ref[i], sizeof(uint64_t));
        if (!st)
            st = put(out, &f->cats_cur[i], sizeof(uint64_t));
    }
    return st;
}

/*
 * Fill the detail fields of f (name, type and metrics are set by the
 * caller). False for a BLOB of another layout: the feature is then shown
 * without a histogram rather than misread; f keeps no partial categories.
 */
bool drift_detail_decode(const void *p, size_t n, struct md_drift_feature *f)
{
    struct cur c = {p, n, false};
    struct blob_start start;
    if (!take_start(&c, &detail_layout, &start) || start.head[3] != MD_DRIFT_METHOD_COUNT ||
        start.counts[3] > MD_DRIFT_MAX_EDGES || start.counts[4] > MD_DRIFT_MAX_BINS ||
        start.counts[5] > MD_DRIFT_TOP_CATS + 1)
        return false;
    double sev[MD_DRIFT_METHOD_COUNT];
    int32_t df[MD_DRIFT_METHOD_COUNT];
    uint8_t exact[MD_DRIFT_METHOD_COUNT];
    for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++) {
        take(&c, &sev[m], sizeof(sev[m]));
        take(&c, &df[m], sizeof(df[m]));
        take(&c, &exact[m], sizeof(exact[m]));
    }
    double edges[MD_DRIFT_MAX_EDGES];
    uint64_t bref[MD_DRIFT_MAX_BINS], bcur[MD_DRIFT_MAX_BINS];
    take(&c, edges, (size_t)start.counts[3] * sizeof(double));
    take(&c, bref, (size_t)start.counts[4] * sizeof(uint64_t));
    take(&c, bcur, (size_t)start.counts[4] * sizeof(uint64_t));
    char *cats[MD_DRIFT_TOP_CATS + 1] = {NULL};
    uint64_t cref[MD_DRIFT_TOP_CATS + 1], ccur[MD_DRIFT_TOP_CATS + 1];
    size_t nc = 0;
    for (; !c.bad && nc < start.counts[5]; nc++) {
        uint32_t len = 0;
        if (!take(&c, &len, sizeof(len)))
            break;
        if (len != NO_NAME) {
            if (len > c.left) {
                c.bad = true;
                break;
            }
            cats[nc] = md_xmalloc((size_t)len + 1);
            take(&c, cats[nc], len);
            cats[nc][len] = '\0';
        }
        take(&c, &cref[nc], sizeof(uint64_t));
        take(&c, &ccur[nc], sizeof(uint64_t));
    }
    if (c.bad || c.left) {
        for (size_t i = 0; i <= MD_DRIFT_TOP_CATS; i++)
            free(cats[i]);
        return false;
    }
    f->rows_cur = start.counts[0];
    f->invalid_cur = start.counts[1];
    f->n_unseen = start.counts[2];
    f->n_edges = (size_t)start.counts[3];
    f->sketch = start.counts[6] != 0;
    f->missing_cur = start.nums[0];
    f->missing_ref = start.nums[1];
    f->mean_ref = start.nums[2];
    f->std_ref = start.nums[3];
    f->mean_cur = start.nums[4];
    f->std_cur = start.nums[5];
    f->rank_error = start.nums[6];
    for (int m = 0; m < MD_DRIFT_METHOD_COUNT; m++) {
        f->m[m].severity = sev[m];
        f->m[m].df = df[m];
        f->m[m].exact_p = exact[m] != 0;
    }
    memcpy(f->edges, edges, f->n_edges * sizeof(double));
    memcpy(f->bins_ref, bref, (size_t)start.counts[4] * sizeof(uint64_t));
    memcpy(f->bins_cur, bcur, (size_t)start.counts[4] * sizeof(uint64_t));
    f->n_cats = nc;
    for (size_t i = 0; i < nc; i++) {
        f->cats[i] = cats[i];
        f->cats_ref[i] = cref[i];
        f->cats_cur[i] = ccur[i];
    }
    return true;
}

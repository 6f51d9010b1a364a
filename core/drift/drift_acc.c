/*
 * drift_acc.c - accumulators: one feature's values on one side (the
 * reference, or a current window), and the string map and category counts
 * they are built on. See drift_int.h.
 *
 * Memory: raw values are kept exactly while the side's budget allows (exact
 * KS and W1, and a sorted reference that is frozen once); past the budget
 * every accumulator of the side switches to the bounded sketch of
 * drift_sketch.c and keeps exact bin counts, categories and moments, so PSI,
 * JS and chi-squared stay exact and only KS D and W1 become approximate,
 * with a stated bound.
 *
 * Separate from drift_ref.c and drift_eval.c: accumulators fill while files
 * are read, row by row; freezing and evaluation run once a side is complete.
 */
#include "drift_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx_int.h"

/* ---- string map ------------------------------------------------------------------------------ */

/* FNV-1a: short keys (column names, categories), no need for anything stronger. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

uint32_t drift_strmap_find(const struct drift_strmap *m, const char *s, size_t len)
{
    if (!m->nslots)
        return DRIFT_NONE;
    size_t mask = m->nslots - 1;
    for (size_t i = hash_bytes(s, len) & mask; m->slots[i]; i = (i + 1) & mask) {
        uint32_t k = m->slots[i] - 1;
        if (m->lens[k] == len && !memcmp(m->keys[k], s, len))
            return k;
    }
    return DRIFT_NONE;
}

/* Double the index; the key arrays always hold nslots / 2 entries, the load-factor limit. */
static void strmap_grow(struct drift_strmap *m)
{
    size_t ns = m->nslots ? m->nslots * 2 : 16;
    free(m->slots);
    m->slots = md_xcalloc(ns, sizeof(*m->slots));
    m->keys = md_xrealloc(m->keys, ns / 2 * sizeof(*m->keys));
    m->lens = md_xrealloc(m->lens, ns / 2 * sizeof(*m->lens));
    m->nslots = ns;
    for (size_t k = 0; k < m->n; k++) {
        size_t i = hash_bytes(m->keys[k], m->lens[k]) & (ns - 1);
        while (m->slots[i])
            i = (i + 1) & (ns - 1);
        m->slots[i] = (uint32_t)k + 1;
    }
}

uint32_t drift_strmap_add(struct drift_strmap *m, const char *s, size_t len)
{
    uint32_t k = drift_strmap_find(m, s, len);
    if (k != DRIFT_NONE)
        return k;
    if ((m->n + 1) * 2 > m->nslots)
        strmap_grow(m);
    char *key = md_xmalloc(len + 1);
    memcpy(key, s, len);
    key[len] = '\0';
    m->keys[m->n] = key;
    m->lens[m->n] = (uint32_t)len;
    size_t i = hash_bytes(s, len) & (m->nslots - 1);
    while (m->slots[i])
        i = (i + 1) & (m->nslots - 1);
    m->slots[i] = (uint32_t)m->n + 1;
    m->bytes += len;
    return (uint32_t)m->n++;
}

void drift_strmap_release(struct drift_strmap *m)
{
    for (size_t k = 0; k < m->n; k++)
        free(m->keys[k]);
    free(m->keys);
    free(m->lens);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* Past the caps a category is counted in `other`: a column of ids must not eat the memory. */
static void cats_add(struct drift_cats *c, const char *s, size_t len)
{
    uint32_t k = drift_strmap_find(&c->map, s, len);
    if (k == DRIFT_NONE) {
        if (c->map.n >= DRIFT_MAX_CATS || c->map.bytes + len > DRIFT_MAX_CAT_BYTES) {
            c->other++;
            return;
        }
        k = drift_strmap_add(&c->map, s, len);
        if ((k & (k - 1)) == 0 || k == 0) /* capacity doubles at powers of two */
            c->count = md_xrealloc(c->count, (k ? 2 * (size_t)k : 1) * sizeof(*c->count));
        c->count[k] = 0;
    }
    c->count[k]++;
}

/* Free the categories and their counts; the struct is reusable afterwards. */
static void cats_release(struct drift_cats *c)
{
    drift_strmap_release(&c->map);
    free(c->count);
    memset(c, 0, sizeof(*c));
}

/* ---- accumulators --------------------------------------------------------------------------- */

void drift_acc_init(struct drift_acc *a, enum md_drift_type forced)
{
    memset(a, 0, sizeof(*a));
    a->type = forced;
    a->forced = forced != MD_DRIFT_TYPE_UNKNOWN;
    a->last_row = UINT64_MAX;
    a->min = INFINITY;
    a->max = -INFINITY;
}

void drift_acc_release(struct drift_acc *a)
{
    free(a->v);
    if (a->sk) {
        drift_sketch_release(a->sk);
        free(a->sk);
    }
    cats_release(&a->cats);
    memset(a, 0, sizeof(*a));
}

void drift_set_release(struct drift_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        drift_acc_release(&s->acc[i]);
    free(s->acc);
    memset(s, 0, sizeof(*s));
}

/* Neumaier step: billions of values in bounded mode must not lose the mean to rounding. */
static inline void nsum(double *s, double *c, double x)
{
    double t = *s + x;
    *c += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}

/* Bounded mode: sketch, exact moments about the first value, and bins on the frozen edges. */
static void acc_sketch_push(struct drift_acc *a, size_t feature, double x, struct drift_feed *fd)
{
    if (a->sk->n == 0)
        a->shift = x;
    drift_sketch_add(a->sk, x);
    double d = x - a->shift;
    nsum(&a->s1, &a->c1, d);
    nsum(&a->s2, &a->c2, d * d);
    a->min = fmin(a->min, x);
    a->max = fmax(a->max, x);
    if (fd->ref) {
        const struct drift_ref_feature *rf = &fd->ref->f[feature];
        a->bins[md_drift_bin_of(rf->edges, rf->n_edges, x)]++;
    }
}

/* Leave exact mode: feed the values kept so far to a new sketch and give their memory back. */
static void acc_to_sketch(struct drift_acc *a, size_t feature, struct drift_feed *fd)
{
    a->sk = md_xcalloc(1, sizeof(*a->sk));
    for (size_t i = 0; i < a->nv; i++)
        acc_sketch_push(a, feature, a->v[i], fd);
    free(a->v);
    fd->budget->used -= a->av * sizeof(double);
    a->v = NULL;
    a->nv = a->av = 0;
}

/* Exact while the side's budget lasts; growth that would pass it (or fail) turns on sketches. */
static void acc_push(struct drift_acc *a, size_t feature, double x, struct drift_feed *fd)
{
    struct drift_budget *b = fd->budget;
    if (!a->sk && a->nv == a->av) {
        size_t na = a->av ? a->av * 2 : 256;
        size_t add = (na - a->av) * sizeof(double);
        double *nv = NULL;
        if (!b->bounded && b->used + add <= b->cap)
            nv = realloc(a->v, na * sizeof(double));
        if (nv) {
            a->v = nv;
            a->av = na;
            b->used += add;
        } else {
            b->bounded = true;
        }
    }
    if (!a->sk && b->bounded)
        acc_to_sketch(a, feature, fd);
    if (a->sk)
        acc_sketch_push(a, feature, x, fd);
    else
        a->v[a->nv++] = x;
}

/* A reference column inferred numeric meets text: it was categorical all along. */
static bool acc_to_categorical(struct drift_acc *a, struct drift_feed *fd)
{
    if (a->sk)
        return false;
    for (size_t i = 0; i < a->nv; i++) {
        char num[40];
        jsonx_fmt_double(num, sizeof(num), a->v[i]);
        cats_add(&a->cats, num, strlen(num));
    }
    free(a->v);
    fd->budget->used -= a->av * sizeof(double);
    a->v = NULL;
    a->nv = a->av = 0;
    a->type = MD_DRIFT_CATEGORICAL;
    return true;
}

/* A categorical value; JSON numbers become their shortest exact text ("3", "0.5"). */
static void acc_add_text(struct drift_acc *a, const struct drift_field *fl)
{
    if (fl->s) {
        cats_add(&a->cats, fl->s, fl->len);
    } else {
        char num[40];
        jsonx_fmt_double(num, sizeof(num), fl->num);
        cats_add(&a->cats, num, strlen(num));
    }
    a->valid++;
}

void drift_acc_add(struct drift_acc *a, size_t feature, const struct drift_field *fl,
                   const char *name, uint64_t line, struct drift_feed *fd)
{
    if (a->type == MD_DRIFT_CATEGORICAL) {
        if (fl->is_num || !drift_is_missing_token(fl->s, fl->len))
            acc_add_text(a, fl);
        return;
    }
    /* Numbers first: the common case, and every missing spelling fails to parse or is NaN. */
    double x = fl->num;
    bool num = fl->is_num || drift_parse_number(fl->s, fl->len, &x);
    if (!num && drift_is_missing_token(fl->s, fl->len))
        return;
    if (num && !isfinite(x))
        return; /* NaN and +-inf are missing values, reported in the missing share */
    if (num) {
        a->type = MD_DRIFT_NUMERIC;
        acc_push(a, feature, x, fd);
        a->valid++;
        return;
    }
    if (a->type == MD_DRIFT_TYPE_UNKNOWN || (!a->forced && !fd->ref && acc_to_categorical(a, fd))) {
        a->type = MD_DRIFT_CATEGORICAL;
        acc_add_text(a, fl);
        return;
    }
    a->invalid++;
    if (a->warned++ < 3) {
        int n = (int)(fl->len > 40 ? 40 : fl->len);
        md_drift_warnings_add(fd->warn, "%s:%llu: column '%s': '%.*s%s' is not a number%s",
                              fd->file, (unsigned long long)line, name, n, fl->s,
                              fl->len > 40 ? "..." : "",
                              a->warned == 3 ? " (further such values not reported)" : "");
    }
}

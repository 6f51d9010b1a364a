/*
 * drift.c - the drift statistics as pure functions on arrays. See
 * include/mldeck/drift.h for the contracts and shared/reference/drift.md
 * §2 for the formulas and the known answers the unit tests check. The
 * bounded sketch is in drift_sketch.c; names, thresholds and warnings are in
 * drift_names.c.
 *
 * Accuracy rules followed throughout: counts stay integers as long as
 * possible (KS D is an exact rational of two integers), sums of many terms
 * are compensated (Neumaier), and nothing divides by a quantity that can be
 * zero without saying what the answer is then.
 */
#include "mldeck/drift.h"

#include "drift_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------------------ */

/* Neumaier's compensated sum: exact to about one rounding for any order of terms. */
struct ksum {
    double s;
    double c;
};

static inline void ksum_add(struct ksum *k, double x)
{
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

/* The compensated total: the running sum plus the low-order bits it lost. */
static inline double ksum_get(const struct ksum *k)
{
    return k->s + k->c;
}

/* ---- sorting and quantiles ------------------------------------------------------------------- */

/* Order-preserving map from a double's bits to an unsigned key: flip all bits of negatives. */
static inline uint64_t key_of(uint64_t bits)
{
    return (bits & 0x8000000000000000ull) ? ~bits : bits ^ 0x8000000000000000ull;
}

/* Inverse of key_of(). */
static inline uint64_t bits_of(uint64_t key)
{
    return (key & 0x8000000000000000ull) ? key ^ 0x8000000000000000ull : ~key;
}

/* qsort() order for small arrays, where a radix pass costs more than it saves. */
int drift_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * LSD radix sort with six 11-bit digits: 2048 buckets keep every scatter
 * target in cache, which beats fewer passes over 65536 buckets. All six
 * histograms come from one pre-pass, and a digit shared by every key (the
 * exponent's top bits on most real data) costs no pass at all.
 */
#define RADIX_BITS 11
#define RADIX_PASSES 6
#define RADIX_BUCKETS ((size_t)1 << RADIX_BITS)

md_status md_drift_sort(double *v, size_t n)
{
    if (n < 2)
        return MD_OK;
    if (n < 512) {
        qsort(v, n, sizeof(*v), drift_cmp_double);
        return MD_OK;
    }
    uint64_t *a = (uint64_t *)v;
    uint64_t *tmp = malloc(n * sizeof(*tmp));
    size_t *hist = calloc(RADIX_PASSES * RADIX_BUCKETS, sizeof(*hist));
    if (!tmp || !hist) {
        free(tmp);
        free(hist);
        return MD_ERR_NOMEM;
    }
    const uint64_t mask = RADIX_BUCKETS - 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof(b));
        uint64_t k = key_of(b);
        a[i] = k;
        for (int p = 0; p < RADIX_PASSES; p++)
            hist[(size_t)p * RADIX_BUCKETS + ((k >> (p * RADIX_BITS)) & mask)]++;
    }
    uint64_t *src = a, *dst = tmp;
    for (int pass = 0; pass < RADIX_PASSES; pass++) {
        size_t *h = hist + (size_t)pass * RADIX_BUCKETS;
        int shift = pass * RADIX_BITS;
        if (h[(src[0] >> shift) & mask] == n)
            continue; /* every key has this digit: the order is already right */
        size_t sum = 0;
        for (size_t d = 0; d < RADIX_BUCKETS; d++) {
            size_t c = h[d];
            h[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[h[(src[i] >> shift) & mask]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(*a));
    for (size_t i = 0; i < n; i++) {
        uint64_t b = bits_of(a[i]);
        memcpy(&v[i], &b, sizeof(b));
    }
    free(tmp);
    free(hist);
    return MD_OK;
}

/* numpy's _lerp: interpolating from the nearer end keeps the result monotone in t. */
static double lerp(double a, double b, double t)
{
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

double md_drift_quantile(const double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * q;
    if (h <= 0)
        return v[0];
    size_t lo = (size_t)h;
    if (lo >= n - 1)
        return v[n - 1];
    return lerp(v[lo], v[lo + 1], h - (double)lo);
}

size_t md_drift_decile_edges(const double *v, size_t n, double *edges)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    for (int i = 1; i <= 9; i++) {
        double e = md_drift_quantile(v, n, i / 10.0);
        if (k == 0 || e > edges[k - 1])
            edges[k++] = e;
    }
    return k;
}

size_t md_drift_bin_of(const double *edges, size_t k, double x)
{
    size_t b = 0;
    for (size_t i = 0; i < k; i++)
        b += x >= edges[i];
    return b;
}

/* ---- binned distances ---------------------------------------------------------------------- */

void md_drift_shares(const uint64_t *counts, size_t k, uint64_t n, enum md_drift_smoothing s,
                     double *shares)
{
    double min_nz = INFINITY;
    for (size_t i = 0; i < k; i++) {
        if (n == 0) {
            shares[i] = NAN;
            continue;
        }
        uint64_t c = counts[i] + (s == MD_DRIFT_SMOOTH_ADD_ONE ? 1 : 0);
        shares[i] = (double)c / (double)n;
        if (counts[i] && shares[i] < min_nz)
            min_nz = shares[i];
    }
    if (s != MD_DRIFT_SMOOTH_EPS || n == 0 || isinf(min_nz))
        return;
    double eps = min_nz <= 1e-4 ? min_nz / 1e6 : 1e-4;
    for (size_t i = 0; i < k; i++) {
        if (counts[i] == 0)
            shares[i] = eps;
    }
}

double md_drift_psi(const double *r, const double *c, size_t k, double *per_bin)
{
    struct ksum sum = {0, 0};
    bool inf = false;
    for (size_t i = 0; i < k; i++) {
        double t;
        if (r[i] == 0 && c[i] == 0)
            t = 0;
        else if (r[i] == 0 || c[i] == 0)
            t = INFINITY;
        else
            t = (c[i] - r[i]) * log(c[i] / r[i]);
        if (per_bin)
            per_bin[i] = t;
        if (isinf(t))
            inf = true;
        else
            ksum_add(&sum, t);
    }
    return inf ? INFINITY : ksum_get(&sum);
}

double md_drift_kl(const double *p, const double *q, size_t k)
{
    struct ksum sum = {0, 0};
    for (size_t i = 0; i < k; i++) {
        if (p[i] <= 0)
            continue;
        if (q[i] <= 0)
            return INFINITY;
        ksum_add(&sum, p[i] * log(p[i] / q[i]));
    }
    return ksum_get(&sum);
}

double md_drift_js(const double *p, const double *q, size_t k, double base)
{
    struct ksum sp = {0, 0}, sq = {0, 0}, div = {0, 0};
    for (size_t i = 0; i < k; i++) {
        ksum_add(&sp, p[i]);
        ksum_add(&sq, q[i]);
    }
    double tp = ksum_get(&sp), tq = ksum_get(&sq);
    if (!(tp > 0) || !(tq > 0))
        return NAN;
    for (size_t i = 0; i < k; i++) {
        double a = p[i] / tp, b = q[i] / tq;
        double m = (a + b) / 2;
        if (a > 0)
            ksum_add(&div, a * log(a / m));
        if (b > 0)
            ksum_add(&div, b * log(b / m));
    }
    double jsd = ksum_get(&div) / 2 / log(base);
    return jsd > 0 ? sqrt(jsd) : 0;
}

double md_drift_hellinger(const double *p, const double *q, size_t k)
{
    struct ksum s = {0, 0};
    for (size_t i = 0; i < k; i++)
        ksum_add(&s, sqrt(p[i] * q[i]));
    double bc = ksum_get(&s);
    bc = bc < 0 ? 0 : bc > 1 ? 1 : bc;
    return sqrt(1 - bc);
}

double md_drift_linf(const double *p, const double *q, size_t k)
{
    double d = 0;
    for (size_t i = 0; i < k; i++)
        d = fmax(d, fabs(p[i] - q[i]));
    return d;
}

/* ---- KS and Wasserstein from one merge --------------------------------------------------- */

/* Unit weights: the CDF gap at every step is |i m - j n| / (n m), an exact integer numerator. */
static void ks_w1_unit(const double *x, size_t n, const double *y, size_t m, double *d, double *w1)
{
    size_t i = 0, j = 0;
    uint64_t dmax = 0;
    struct ksum area = {0, 0};
    double prev = 0;
    bool started = false;
    while (i < n || j < m) {
        double z = j >= m ? x[i] : i >= n ? y[j] : fmin(x[i], y[j]);
        uint64_t im = (uint64_t)i * m, jn = (uint64_t)j * n;
        if (started)
            ksum_add(&area, (double)(im > jn ? im - jn : jn - im) * (z - prev));
        while (i < n && x[i] == z)
            i++;
        while (j < m && y[j] == z)
            j++;
        im = (uint64_t)i * m;
        jn = (uint64_t)j * n;
        uint64_t gap = im > jn ? im - jn : jn - im;
        if (gap > dmax)
            dmax = gap;
        prev = z;
        started = true;
    }
    double nm = (double)n * (double)m;
    *d = (double)dmax / nm;
    *w1 = ksum_get(&area) / nm;
}

/* Weighted samples (sketch output): the same walk with cumulative weights. */
static void ks_w1_weighted(const double *x, const double *wx, size_t n, const double *y,
                           const double *wy, size_t m, double *d, double *w1)
{
    struct ksum tx = {0, 0}, ty = {0, 0};
    for (size_t i = 0; i < n; i++)
        ksum_add(&tx, wx ? wx[i] : 1);
    for (size_t j = 0; j < m; j++)
        ksum_add(&ty, wy ? wy[j] : 1);
    double totx = ksum_get(&tx), toty = ksum_get(&ty);
    struct ksum fx = {0, 0}, fy = {0, 0}, area = {0, 0};
    size_t i = 0, j = 0;
    double dmax = 0, prev = 0;
    bool started = false;
    while (i < n || j < m) {
        double z = j >= m ? x[i] : i >= n ? y[j] : fmin(x[i], y[j]);
        if (started)
            ksum_add(&area, fabs(ksum_get(&fx) / totx - ksum_get(&fy) / toty) * (z - prev));
        for (; i < n && x[i] == z; i++)
            ksum_add(&fx, wx ? wx[i] : 1);
        for (; j < m && y[j] == z; j++)
            ksum_add(&fy, wy ? wy[j] : 1);
        double gap = fabs(ksum_get(&fx) / totx - ksum_get(&fy) / toty);
        dmax = fmax(dmax, gap);
        prev = z;
        started = true;
    }
    *d = dmax;
    *w1 = ksum_get(&area);
}

void md_drift_ks_w1(const double *x, const double *wx, size_t n, const double *y, const double *wy,
                    size_t m, double *d, double *w1)
{
    if (n == 0 || m == 0) {
        *d = NAN;
        *w1 = NAN;
        return;
    }
    if (!wx && !wy && n <= UINT32_MAX && m <= UINT32_MAX)
        ks_w1_unit(x, n, y, m, d, w1);
    else
        ks_w1_weighted(x, wx, n, y, wy, m, d, w1);
}

/* ---- KS p-values ---------------------------------------------------------------------------- */

double md_drift_kolmogorov_q(double lambda)
{
    if (!(lambda > 0))
        return 1;
    double q;
    if (lambda < 1.18) {
        /* Jacobi theta form: converges in a few terms where the alternating series does not. */
        double s = 0, l2 = lambda * lambda;
        for (int k = 1; k < 100; k++) {
            double t = exp(-(2.0 * k - 1) * (2.0 * k - 1) * M_PI * M_PI / (8 * l2));
            s += t;
            if (t <= 1e-17 * s)
                break;
        }
        q = 1 - sqrt(2 * M_PI) / lambda * s;
    } else {
        double s = 0;
        for (int k = 1; k < 100; k++) {
            double t = exp(-2.0 * k * k * lambda * lambda);
            s += (k & 1) ? t : -t;
            if (t <= 1e-300 || t <= 1e-17 * fabs(s))
                break;
        }
        q = 2 * s;
    }
    return q < 0 ? 0 : q > 1 ? 1 : q;
}

/*
 * Lattice paths from (0,0) to (n,m) that stay strictly inside the band
 * |i/n - j/m| < d, as a probability: A(i,j) = paths / C(i+j, i) obeys
 * A(i,j) = (i A(i-1,j) + j A(i,j-1)) / (i + j), which never overflows.
 * The band test uses the integers |i m - j n| < h with h = d n m: D from data
 * is such a ratio, so a tolerance snaps d n m back to its integer.
 */
double md_drift_ks_exact_p(double d, size_t n, size_t m)
{
    if (n == 0 || m == 0 || isnan(d))
        return NAN;
    if (n < m) {
        size_t t = n;
        n = m;
        m = t;
    }
    double t = d * (double)n * (double)m;
    double r = nearbyint(t);
    double hd = fabs(t - r) <= 1e-7 * fmax(1, t) ? r : ceil(t);
    if (hd <= 0)
        return 1;
    uint64_t h = (uint64_t)hd;
    double *a = malloc((m + 1) * sizeof(*a));
    if (!a)
        md_die_oom();
    a[0] = 1;
    for (size_t j = 1; j <= m; j++)
        a[j] = (uint64_t)j * n < h ? a[j - 1] : 0;
    for (size_t i = 1; i <= n; i++) {
        uint64_t im = (uint64_t)i * m;
        a[0] = im < h ? a[0] : 0;
        for (size_t j = 1; j <= m; j++) {
            uint64_t jn = (uint64_t)j * n;
            uint64_t gap = im > jn ? im - jn : jn - im;
            a[j] = gap < h ? ((double)i * a[j] + (double)j * a[j - 1]) / (double)(i + j) : 0;
        }
    }
    double p = 1 - a[m];
    free(a);
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

double md_drift_ks_p(double d, size_t n, size_t m, bool *exact)
{
    if (exact)
        *exact = false;
    if (n == 0 || m == 0 || isnan(d))
        return NAN;
    if ((double)n * (double)m <= MD_DRIFT_KS_EXACT_MAX) {
        if (exact)
            *exact = true;
        return md_drift_ks_exact_p(d, n, m);
    }
    double en = (double)n * (double)m / ((double)n + (double)m);
    double s = sqrt(en);
    return md_drift_kolmogorov_q((s + 0.12 + 0.11 / s) * d);
}

/* ---- moments -------------------------------------------------------------------------------- */

void md_drift_mean_std(const double *v, size_t n, int ddof, double *mean, double *std)
{
    if (n == 0 || n <= (size_t)ddof) {
        *mean = n ? v[0] : NAN;
        *std = NAN;
        return;
    }
    struct ksum s = {0, 0};
    for (size_t i = 0; i < n; i++)
        ksum_add(&s, v[i]);
    double mu = ksum_get(&s) / (double)n;
    struct ksum ss = {0, 0};
    for (size_t i = 0; i < n; i++)
        ksum_add(&ss, (v[i] - mu) * (v[i] - mu));
    *mean = mu;
    *std = sqrt(ksum_get(&ss) / (double)(n - (size_t)ddof));
}

double md_drift_w1_norm(double w1, double std)
{
    return w1 / fmax(isnan(std) ? 0 : std, MD_DRIFT_STD_FLOOR);
}

/* ---- chi-squared ----------------------------------------------------------------------------- */

/*
 * Q(a, x) by the power series of P (x < a + 1, where Q is not small, so
 * 1 - P loses nothing that matters) or by the Legendre continued fraction of
 * Q evaluated with the modified Lentz method (x >= a + 1, accurate deep into
 * the tail).
 */
double md_drift_gamma_q(double a, double x)
{
    if (!(a > 0) || !(x >= 0))
        return NAN;
    if (x == 0)
        return 1;
    if (isinf(x))
        return 0;
    int sign;
    double lead = -x + a * log(x) - lgamma_r(a, &sign);
    if (x < a + 1) {
        double ap = a, del = 1 / a, sum = del;
        for (int i = 0; i < 10000; i++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-17)
                break;
        }
        double q = 1 - sum * exp(lead);
        return q < 0 ? 0 : q;
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    double q = exp(lead) * h;
    return q > 1 ? 1 : q;
}

double md_drift_chi2_sf(double x, double df)
{
    if (isinf(x) && x > 0)
        return 0;
    return md_drift_gamma_q(df / 2, x / 2);
}

int md_drift_chi2_contingency(const uint64_t *a, const uint64_t *b, size_t k, bool yates,
                              double *stat, double *p)
{
    uint64_t ra = 0, rb = 0;
    size_t cols = 0;
    for (size_t i = 0; i < k; i++) {
        ra += a[i];
        rb += b[i];
        cols += (a[i] + b[i]) > 0;
    }
    if (ra == 0 || rb == 0) {
        *stat = NAN;
        *p = NAN;
        return 0;
    }
    int df = (int)cols - 1;
    if (df <= 0) {
        *stat = 0;
        *p = 1;
        return 0;
    }
    double n = (double)ra + (double)rb;
    struct ksum s = {0, 0};
    for (size_t i = 0; i < k; i++) {
        double c = (double)a[i] + (double)b[i];
        if (c == 0)
            continue;
        double ea = (double)ra * c / n, eb = (double)rb * c / n;
        double dev = fabs((double)a[i] - ea); /* the same in both rows */
        if (yates && df == 1)
            dev -= fmin(0.5, dev);
        ksum_add(&s, dev * dev / ea);
        ksum_add(&s, dev * dev / eb);
    }
    *stat = ksum_get(&s);
    *p = md_drift_chi2_sf(*stat, df);
    return df;
}

int md_drift_chi2_gof(const uint64_t *obs, const double *ref_shares, size_t k, double *stat,
                      double *p)
{
    uint64_t n = 0;
    for (size_t i = 0; i < k; i++)
        n += obs[i];
    struct ksum s = {0, 0};
    size_t cats = 0;
    bool inf = false;
    for (size_t i = 0; i < k; i++) {
        double e = ref_shares[i] * (double)n;
        if (ref_shares[i] > 0)
            cats++;
        if (e > 0) {
            double dev = (double)obs[i] - e;
            ksum_add(&s, dev * dev / e);
        } else if (obs[i] > 0) {
            inf = true;
        }
    }
    int df = cats > 0 ? (int)cats - 1 : 0;
    if (n == 0) {
        *stat = NAN;
        *p = NAN;
        return df;
    }
    *stat = inf ? INFINITY : ksum_get(&s);
    *p = inf ? 0 : df > 0 ? md_drift_chi2_sf(*stat, df) : 1;
    return df;
}

void md_drift_ztest(uint64_t a1, uint64_t n1, uint64_t a2, uint64_t n2, double *z, double *p)
{
    if (n1 == 0 || n2 == 0) {
        *z = NAN;
        *p = NAN;
        return;
    }
    double p1 = (double)a1 / (double)n1, p2 = (double)a2 / (double)n2;
    double pool = ((double)a1 + (double)a2) / ((double)n1 + (double)n2);
    double se = sqrt(pool * (1 - pool) * (1 / (double)n1 + 1 / (double)n2));
    if (!(se > 0)) {
        *z = 0;
        *p = 1;
        return;
    }
    *z = (p1 - p2) / se;
    *p = erfc(fabs(*z) / M_SQRT2);
}

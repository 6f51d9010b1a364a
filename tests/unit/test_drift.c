/*
 * test_drift.c - the drift statistics (core/drift/drift.c) against every bold
 * known answer of shared/reference/drift.md §2 (closed forms to 1e-9,
 * p-values to 1e-6), their invariants, edge cases, the radix sort and the
 * bounded sketch's error bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift/drift_int.h"
#include "mldeck/drift.h"
#include "testutil.h"

#define CLOSED 1e-9
#define PVAL 1e-6

/* A deterministic generator (splitmix64), so failures reproduce. */
static uint64_t rng_state = 42;
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}
static double rng_normal(void)
{
    double u = rng_unit(), v = rng_unit();
    return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* numpy.linspace: i * step + start, the last element exactly `stop`. */
static double *linspace(double start, double stop, size_t n)
{
    double *v = malloc(n * sizeof(*v));
    double step = (stop - start) / (double)(n - 1);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)i * step + start;
    v[n - 1] = stop;
    return v;
}

static void ks(const double *x, size_t n, const double *y, size_t m, double *d, double *w1)
{
    double *a = malloc(n * sizeof(*a)), *b = malloc(m * sizeof(*b));
    memcpy(a, x, n * sizeof(*a));
    memcpy(b, y, m * sizeof(*b));
    assert_int_equal(md_drift_sort(a, n), MD_OK);
    assert_int_equal(md_drift_sort(b, m), MD_OK);
    md_drift_ks_w1(a, NULL, n, b, NULL, m, d, w1);
    free(a);
    free(b);
}

/* ---- §2.1 PSI ---------------------------------------------------------------------------- */

static const double JSA_P[] = {.25, .25, .25, .25};
static const double JSA_Q[] = {.10, .20, .30, .40};

static void test_psi_a(void **state)
{
    (void)state;
    double per[4];
    tu_near(md_drift_psi(JSA_P, JSA_Q, 4, per), 0.228217409573, CLOSED);
    tu_near(per[0], 0.137443610, 1e-9);
    tu_near(per[1], 0.011157178, 1e-9);
    tu_near(per[2], 0.009116078, 1e-9);
    tu_near(per[3], 0.070500544, 1e-9);
    tu_near(md_drift_kl(JSA_P, JSA_Q, 4), 0.121777274, 1e-9);
    tu_near(md_drift_kl(JSA_Q, JSA_P, 4), 0.106440135, 1e-9);
}

static void test_psi_b_smoothing(void **state)
{
    (void)state;
    const uint64_t r[] = {50, 30, 20, 0}, c[] = {40, 30, 20, 10};
    double rs[4], cs[4];
    md_drift_shares(r, 4, 100, MD_DRIFT_SMOOTH_EPS, rs);
    md_drift_shares(c, 4, 100, MD_DRIFT_SMOOTH_EPS, cs);
    tu_near(rs[3], 1e-4, 0); /* smallest non-zero share 0.2 > 1e-4: eps = 1e-4 */
    tu_near(md_drift_psi(rs, cs, 4, NULL), 0.712399107502, CLOSED);
    md_drift_shares(r, 4, 100, MD_DRIFT_SMOOTH_ADD_ONE, rs);
    md_drift_shares(c, 4, 100, MD_DRIFT_SMOOTH_ADD_ONE, cs);
    tu_near(rs[0], 0.51, 1e-15); /* divided by the unsmoothed n */
    tu_near(md_drift_psi(rs, cs, 4, NULL), 0.261614883882, CLOSED);
    md_drift_shares(r, 4, 100, MD_DRIFT_SMOOTH_NONE, rs);
    md_drift_shares(c, 4, 100, MD_DRIFT_SMOOTH_NONE, cs);
    double per[4];
    assert_true(isinf(md_drift_psi(rs, cs, 4, per)));
    assert_true(isinf(per[3]) && isfinite(per[0]));
}

static void test_psi_eps_tiny_shares(void **state)
{
    (void)state;
    /* The smallest non-zero share is 1e-5 <= 1e-4: eps = 1e-5 / 1e6. */
    const uint64_t r[] = {99999, 1, 0};
    double s[3];
    md_drift_shares(r, 3, 100000, MD_DRIFT_SMOOTH_EPS, s);
    tu_near(s[2], 1e-11, 1e-25);
    md_drift_shares(r, 3, 0, MD_DRIFT_SMOOTH_EPS, s);
    assert_true(isnan(s[0]));
}

static void test_psi_is_jeffreys(void **state)
{
    (void)state;
    for (int t = 0; t < 100; t++) {
        double p[12], q[12], sp = 0, sq = 0;
        for (int i = 0; i < 12; i++) {
            p[i] = rng_unit() + 1e-3;
            q[i] = rng_unit() + 1e-3;
            sp += p[i];
            sq += q[i];
        }
        for (int i = 0; i < 12; i++) {
            p[i] /= sp;
            q[i] /= sq;
        }
        tu_near(md_drift_psi(p, q, 12, NULL), md_drift_kl(q, p, 12) + md_drift_kl(p, q, 12), 1e-12);
        tu_near(md_drift_psi(p, q, 12, NULL), md_drift_psi(q, p, 12, NULL), 1e-12);
    }
}

/* ---- §2.2 KS ----------------------------------------------------------------------------- */

static void check_ks(const double *x, size_t n, const double *y, size_t m, double want_d,
                     double want_p)
{
    double d, w1;
    ks(x, n, y, m, &d, &w1);
    tu_near(d, want_d, CLOSED);
    bool exact = false;
    tu_near(md_drift_ks_p(d, n, m, &exact), want_p, PVAL);
    assert_true(exact);
    /* symmetric in its samples */
    double d2, w2;
    ks(y, m, x, n, &d2, &w2);
    tu_near(d2, d, 0);
    tu_near(w2, w1, 1e-12);
}

static void test_ks_known(void **state)
{
    (void)state;
    const double y4[] = {1, 2, 3, 4};
    check_ks((const double[]){1.01, 2.01}, 2, y4, 4, 0.5, 14.0 / 15);
    check_ks((const double[]){0.99, 1.99}, 2, y4, 4, 0.75, 6.0 / 15);
    check_ks((const double[]){1, 2, 3, 4, 5}, 5, (const double[]){6, 7, 8, 9, 10}, 5, 1.0,
             2.0 / 252);
    tu_near(2.0 / 252, 0.0079365079, 1e-10);
    check_ks((const double[]){1, 2, 3, 4, 5}, 5, (const double[]){3, 4, 5, 6, 7}, 5, 0.4,
             0.873015873);
}

/* KS-5: heavy ties; one-at-a-time stepping would get D wrong. */
static void test_ks_ties(void **state)
{
    (void)state;
    double x[16], y[16];
    size_t n = 0;
    const double vals[] = {2, 3, 5, 6};
    const int reps[] = {3, 4, 5, 4};
    for (int v = 0; v < 4; v++) {
        for (int r = 0; r < reps[v]; r++) {
            x[n] = vals[v];
            y[n++] = vals[v] + 1;
        }
    }
    check_ks(x, 16, y, 16, 5.0 / 16, 0.42629346134549);
    double en = 16.0 * 16 / 32;
    tu_near(md_drift_kolmogorov_q(sqrt(en) * 5.0 / 16), 0.415363428, 1e-9);
}

static void test_ks_100_110(void **state)
{
    (void)state;
    double *x = linspace(1, 100, 100), *y = linspace(1, 100, 110);
    for (int i = 0; i < 110; i++)
        y[i] += 20.1;
    check_ks(x, 100, y, 110, 232.0 / 1100, 0.015739183865607);
    double en = 100.0 * 110 / 210;
    tu_near(md_drift_kolmogorov_q(sqrt(en) * 232.0 / 1100), 0.018931270, 1e-9);
    free(x);
    free(y);
}

/* KS-7: n m > 1e6, so the asymptotic p (Stephens); scipy's asymp is kstwo: a tolerance. */
static void test_ks_large(void **state)
{
    (void)state;
    size_t n = 10000, m = 11000;
    double *x = linspace(1, 200, n), *y = linspace(2, 200, m);
    double delta = 1.0 / (4.0 * (double)n * (double)m);
    for (size_t i = 0; i < n; i++)
        x[i] -= delta;
    double d, w1;
    ks(x, n, y, m, &d, &w1);
    tu_near(d, 563.0 / 110000, CLOSED);
    bool exact = true;
    double p = md_drift_ks_p(d, n, m, &exact);
    assert_false(exact);
    tu_near(p, 0.9990660108966576, 2e-4); /* scipy asymp (kstwo), a different approximation */
    tu_near(md_drift_kolmogorov_q(sqrt((double)n * m / (n + m)) * d), 0.999157299, 1e-9);
    /* The lattice count still answers exactly when asked. */
    tu_near(md_drift_ks_exact_p(d, n, m), 0.9990456491488628, PVAL);
    free(x);
    free(y);
}

static void test_kolmogorov_q(void **state)
{
    (void)state;
    tu_near(md_drift_kolmogorov_q(0.5), 0.9639452436649, 1e-12);
    tu_near(md_drift_kolmogorov_q(1.0), 0.2699996716774, 1e-12);
    tu_near(md_drift_kolmogorov_q(1.224), 0.09992558, 1e-8);
    tu_near(md_drift_kolmogorov_q(1.358), 0.05002680, 1e-8);
    tu_near(md_drift_kolmogorov_q(1.628), 0.00997552, 1e-8);
    tu_near(md_drift_kolmogorov_q(2.0), 0.0006709252557797, 1e-15);
    tu_near(md_drift_kolmogorov_q(3.0), 3.045995949e-08, 1e-16);
    tu_near(md_drift_kolmogorov_q(0.1), 1, 1e-15);
    tu_near(md_drift_kolmogorov_q(0), 1, 0);
    /* both series agree where they switch */
    double l = 1.18, theta = 0, alt = 0;
    for (int k = 1; k <= 10; k++) {
        theta += exp(-(2.0 * k - 1) * (2.0 * k - 1) * M_PI * M_PI / (8 * l * l));
        alt += (k & 1 ? 2 : -2) * exp(-2.0 * k * k * l * l);
    }
    tu_near(1 - sqrt(2 * M_PI) / l * theta, alt, 1e-15);
    tu_near(md_drift_kolmogorov_q(l), alt, 1e-15);
    tu_near(md_drift_kolmogorov_q(nextafter(l, 0)), alt, 1e-14);
}

/* drift.md §2.2's table: Q(sqrt(en) D) and Stephens' form, to the digits it gives. */
static void test_ks_stephens(void **state)
{
    (void)state;
    const double rows[][4] = {{500, 0.05, 0.164079, 0.159554},
                              {500, 0.1, 9.0800e-05, 8.1176e-05},
                              {50000, 0.01, 9.0800e-05, 8.9826e-05},
                              {500000, 0.002, 0.0366311, 0.0365813}};
    for (size_t i = 0; i < 4; i++) {
        double en = rows[i][0], d = rows[i][1], s = sqrt(en);
        tu_near(md_drift_kolmogorov_q(s * d), rows[i][2], rows[i][2] * 5e-5);
        tu_near(md_drift_kolmogorov_q((s + 0.12 + 0.11 / s) * d), rows[i][3], rows[i][3] * 5e-5);
    }
    bool exact = true;
    tu_near(md_drift_ks_p(0.01, 100000, 100000, &exact), 8.9826e-05, 8.9826e-05 * 5e-5);
    assert_false(exact);
    tu_near(md_drift_ks_p(0.002, 1000000, 1000000, NULL), 0.0365813, 0.0365813 * 5e-5);
}

/* The exact p against brute force over every split of a pooled sample. */
static void test_ks_exact_bruteforce(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 5; n++) {
        for (size_t m = 1; m <= 6; m++) {
            size_t tot = n + m, splits = 0;
            for (int dq = 1; dq <= 6; dq++) {
                double dd = dq / 6.0;
                size_t hits = 0;
                splits = 0;
                for (unsigned mask = 0; mask < 1u << tot; mask++) {
                    if ((size_t)__builtin_popcount(mask) != n)
                        continue;
                    double x[8], y[8];
                    size_t a = 0, b = 0;
                    for (size_t i = 0; i < tot; i++) {
                        if (mask & (1u << i))
                            x[a++] = (double)i;
                        else
                            y[b++] = (double)i;
                    }
                    double d, w;
                    md_drift_ks_w1(x, NULL, n, y, NULL, m, &d, &w);
                    hits += d >= dd - 1e-12;
                    splits++;
                }
                tu_near(md_drift_ks_exact_p(dd, n, m), (double)hits / (double)splits, 1e-12);
            }
        }
    }
}

/* ---- §2.3 W1 ------------------------------------------------------------------------------ */

static void test_wasserstein(void **state)
{
    (void)state;
    double d, w1, mean, sd, sd1;
    const double a[] = {0, 1, 3}, b[] = {5, 6, 8};
    ks(a, 3, b, 3, &d, &w1);
    tu_near(w1, 5.0, CLOSED);
    md_drift_mean_std(a, 3, 0, &mean, &sd);
    md_drift_mean_std(a, 3, 1, &mean, &sd1);
    tu_near(sd, 1.2472191, 1e-7);
    tu_near(sd1, 1.5275252, 1e-7);
    tu_near(md_drift_w1_norm(w1, sd), 4.0089186, 1e-7);
    tu_near(md_drift_w1_norm(w1, sd), 5 / sqrt(14.0 / 9), 1e-12);
    tu_near(md_drift_w1_norm(w1, sd1), 3.2732684, 1e-7);
    tu_near(md_drift_w1_norm(w1, sd1), 5 / sqrt(7.0 / 3), 1e-12);

    const double c[] = {1, 2, 3, 4}, e[] = {2, 4};
    ks(c, 4, e, 2, &d, &w1);
    tu_near(w1, 0.5, CLOSED);
    md_drift_mean_std(c, 4, 0, &mean, &sd);
    md_drift_mean_std(c, 4, 1, &mean, &sd1);
    tu_near(md_drift_w1_norm(w1, sd), 0.4472136, 1e-7);
    tu_near(md_drift_w1_norm(w1, sd1), 0.3872983, 1e-7);

    const double f[] = {0, 0, 1}, g[] = {0, 1, 1, 1};
    ks(f, 3, g, 4, &d, &w1);
    tu_near(w1, 5.0 / 12, CLOSED);

    const double v[] = {0, 1}, wu[] = {3, 1}, wv[] = {2, 2};
    md_drift_ks_w1(v, wu, 2, v, wv, 2, &d, &w1);
    tu_near(w1, 0.25, CLOSED);
    tu_near(d, 0.25, CLOSED);
}

/* Equal sizes: W1 is the mean distance of the order statistics. */
static void test_wasserstein_equal_n(void **state)
{
    (void)state;
    size_t n = 1000;
    double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
    for (size_t i = 0; i < n; i++) {
        x[i] = rng_normal();
        y[i] = rng_normal() * 2 + 0.5;
    }
    md_drift_sort(x, n);
    md_drift_sort(y, n);
    double s = 0, d, w1, dw, w1w;
    for (size_t i = 0; i < n; i++)
        s += fabs(x[i] - y[i]);
    md_drift_ks_w1(x, NULL, n, y, NULL, n, &d, &w1);
    tu_near(w1, s / (double)n, 1e-12);
    /* unit weights given explicitly take the weighted walk: same answers */
    double *ones = malloc(n * sizeof(*ones));
    for (size_t i = 0; i < n; i++)
        ones[i] = 1;
    md_drift_ks_w1(x, ones, n, y, ones, n, &dw, &w1w);
    tu_near(dw, d, 1e-12);
    tu_near(w1w, w1, 1e-12);
    tu_near(md_drift_w1_norm(1.0, 0.0), 1000.0, 1e-9); /* constant reference: floor 0.001 */
    free(x);
    free(y);
    free(ones);
}

/* ---- §2.4 JS, §2.5 Hellinger, L-inf, KL ------------------------------------------------------ */

static void test_js(void **state)
{
    (void)state;
    tu_near(md_drift_js(JSA_P, JSA_Q, 4, 2), 0.200503322531, CLOSED);
    tu_near(md_drift_js(JSA_P, JSA_Q, 4, M_E), 0.166929965726, CLOSED);
    const double b1[] = {1, 0}, b2[] = {.5, .5};
    tu_near(md_drift_js(b1, b2, 2, 2), 0.557923045284, CLOSED);
    tu_near(md_drift_js(b1, b2, 2, M_E), 0.464501404022, CLOSED);
    const double c1[] = {.5, .5, 0}, c2[] = {.4, .4, .2};
    tu_near(md_drift_js(c1, c2, 3, 2), 0.328681526931, CLOSED);
    tu_near(md_drift_js(c1, c2, 3, M_E), 0.273645320849, CLOSED);
    const double d1[] = {1, 0}, d2[] = {0, 1};
    tu_near(md_drift_js(d1, d2, 2, 2), 1.0, CLOSED);
    tu_near(md_drift_js(d1, d2, 2, M_E), 0.832554611158, CLOSED);
    /* renormalised: counts give the same distance as shares */
    const double ca[] = {25, 25, 25, 25}, cb[] = {1, 2, 3, 4};
    tu_near(md_drift_js(ca, cb, 4, 2), 0.200503322531, CLOSED);
    const double z[] = {0, 0};
    assert_true(isnan(md_drift_js(z, b2, 2, 2)));
    tu_near(md_drift_js(b2, b2, 2, 2), 0, 0);
}

static void test_js_bases(void **state)
{
    (void)state;
    for (int t = 0; t < 100; t++) {
        double p[7], q[7];
        for (int i = 0; i < 7; i++) {
            p[i] = rng_unit() < 0.2 ? 0 : rng_unit();
            q[i] = rng_unit();
        }
        double j2 = md_drift_js(p, q, 7, 2), je = md_drift_js(p, q, 7, M_E);
        tu_near(je, j2 * sqrt(M_LN2), 1e-12);
        tu_near(j2, je * 1.2011224087864498, 1e-9);
        assert_true(j2 >= 0 && j2 <= 1);
    }
}

static void test_hellinger_linf_kl(void **state)
{
    (void)state;
    tu_near(md_drift_hellinger(JSA_P, JSA_Q, 4), 0.167899596403, CLOSED);
    double r[6], c[6];
    const double rc[] = {16, 18, 16, 14, 12, 12}, cc[] = {16, 16, 16, 16, 16, 8};
    for (int i = 0; i < 6; i++) {
        r[i] = rc[i] / 88;
        c[i] = cc[i] / 88;
    }
    tu_near(md_drift_hellinger(r, c, 6), 0.06812, 1e-5); /* Evidently asserts 5 decimals */
    tu_near(md_drift_linf(JSA_P, JSA_Q, 4), 0.15, CLOSED);
    tu_near(md_drift_kl(JSA_P, JSA_Q, 4), 0.121777274287, CLOSED);
    const double p0[] = {.5, .5}, q0[] = {1, 0};
    assert_true(isinf(md_drift_kl(p0, q0, 2)));
    tu_near(md_drift_kl(q0, p0, 2), M_LN2, 1e-15);
}

/* ---- §2.6 chi-squared ---------------------------------------------------------------------- */

static void test_chi2_c1(void **state)
{
    (void)state;
    const uint64_t r[] = {16, 18, 16, 14, 12, 12}, c[] = {16, 16, 16, 16, 16, 8};
    double shares[6], stat, p;
    for (int i = 0; i < 6; i++)
        shares[i] = (double)r[i] / 88;
    assert_int_equal(md_drift_chi2_gof(c, shares, 6, &stat, &p), 5);
    tu_near(stat, 200.0 / 63, CLOSED);
    tu_near(stat, 3.174603, 1e-6);
    tu_near(p, 0.6730876, PVAL);
    assert_int_equal(md_drift_chi2_contingency(r, c, 6, true, &stat, &p), 5);
    tu_near(stat, 1.622409, 1e-6);
    tu_near(p, 0.8985262, PVAL);
}

static void test_chi2_unseen(void **state)
{
    (void)state;
    const uint64_t r[] = {50, 50, 0}, c[] = {40, 40, 20};
    double shares[] = {.5, .5, 0}, stat, p;
    md_drift_chi2_gof(c, shares, 3, &stat, &p);
    assert_true(isinf(stat));
    tu_near(p, 0, 0);
    assert_int_equal(md_drift_chi2_contingency(r, c, 3, true, &stat, &p), 2);
    tu_near(stat, 200.0 / 9, CLOSED);
    tu_near(p, exp(-100.0 / 9), PVAL);
    tu_near(p, 1.4945e-05, 1e-9);
    tu_near(p / exp(-100.0 / 9), 1, 1e-12); /* df 2: the survival is exactly e^(-x/2) */
}

static void test_chi2_binary_and_z(void **state)
{
    (void)state;
    const uint64_t r[] = {50, 50}, c[] = {40, 60};
    double shares[] = {.5, .5}, stat, p, z, pz;
    md_drift_chi2_gof(c, shares, 2, &stat, &p);
    tu_near(stat, 4.0, CLOSED);
    tu_near(p, 0.0455003, PVAL);
    md_drift_chi2_contingency(r, c, 2, true, &stat, &p);
    tu_near(stat, 1.636364, 1e-6);
    tu_near(p, 0.2008251, PVAL);
    md_drift_chi2_contingency(r, c, 2, false, &stat, &p);
    tu_near(stat, 2.020202, 1e-6);
    tu_near(p, 0.1552185, PVAL);
    md_drift_ztest(50, 100, 60, 100, &z, &pz);
    tu_near(z, -1.4213381, 1e-7);
    tu_near(pz, 0.1552185, PVAL);
    tu_near(z * z, stat, 1e-12);
    tu_near(pz, p, 1e-12);
}

/* z-test p = uncorrected 2x2 contingency p, always (z^2 = chi^2). */
static void test_z_equals_contingency(void **state)
{
    (void)state;
    for (int t = 0; t < 200; t++) {
        uint64_t n1 = 1 + rng_next() % 500, n2 = 1 + rng_next() % 500;
        uint64_t a1 = rng_next() % (n1 + 1), a2 = rng_next() % (n2 + 1);
        uint64_t r[] = {a1, n1 - a1}, c[] = {a2, n2 - a2};
        double z, pz, stat, p;
        md_drift_ztest(a1, n1, a2, n2, &z, &pz);
        int df = md_drift_chi2_contingency(r, c, 2, false, &stat, &p);
        if (df == 0) {
            tu_near(pz, 1, 0);
            continue;
        }
        tu_near(z * z, stat, 1e-9 * fmax(1, stat));
        tu_near(pz, p, 1e-9);
    }
}

static void test_gamma(void **state)
{
    (void)state;
    for (double x = 0.01; x < 80; x *= 1.7) {
        tu_near(md_drift_gamma_q(1, x), exp(-x), 1e-14 + 1e-12 * exp(-x));
        tu_near(md_drift_gamma_q(0.5, x), erfc(sqrt(x)), 1e-14 + 1e-12 * erfc(sqrt(x)));
        tu_near(md_drift_chi2_sf(x, 2), exp(-x / 2), 1e-14);
    }
    /* chi2 with 3 df: Q(1.5, x/2) = erfc(sqrt(x/2)) + sqrt(2x/pi) e^(-x/2) */
    for (double x = 0.1; x < 60; x *= 1.9)
        tu_near(md_drift_chi2_sf(x, 3), erfc(sqrt(x / 2)) + sqrt(2 * x / M_PI) * exp(-x / 2),
                1e-13);
    tu_near(md_drift_gamma_q(3, 0), 1, 0);
    assert_true(isnan(md_drift_gamma_q(0, 1)));
    tu_near(md_drift_chi2_sf(INFINITY, 4), 0, 0);
}

static void test_chi2_edges(void **state)
{
    (void)state;
    const uint64_t one[] = {10, 0}, other[] = {5, 0}, empty[] = {0, 0};
    double stat, p;
    assert_int_equal(md_drift_chi2_contingency(one, other, 2, true, &stat, &p), 0);
    tu_near(stat, 0, 0);
    tu_near(p, 1, 0);
    md_drift_chi2_contingency(one, empty, 2, true, &stat, &p);
    assert_true(isnan(stat) && isnan(p));
    md_drift_ztest(0, 10, 0, 20, &stat, &p);
    tu_near(p, 1, 0);
}

/* ---- bins, quantiles, sorting, moments ------------------------------------------------------- */

static void test_quantile_and_edges(void **state)
{
    (void)state;
    /* numpy.quantile([1, 2, 4, 8, 16], q) at q = .1 .. .9 */
    const double v[] = {1, 2, 4, 8, 16};
    const double want[] = {1.4, 1.8, 2.4, 3.2, 4, 5.6, 7.2, 9.6, 12.8};
    double e[MD_DRIFT_MAX_EDGES];
    assert_int_equal(md_drift_decile_edges(v, 5, e), 9);
    for (int i = 0; i < 9; i++)
        tu_near(e[i], want[i], 1e-12);
    tu_near(md_drift_quantile(v, 5, 0), 1, 0);
    tu_near(md_drift_quantile(v, 5, 1), 16, 0);
    assert_true(isnan(md_drift_quantile(v, 0, 0.5)));
    const double c[] = {3, 3, 3, 3};
    assert_int_equal(md_drift_decile_edges(c, 4, e), 1);
    tu_near(e[0], 3, 0);
    assert_int_equal(md_drift_bin_of(e, 1, 2.9), 0);
    assert_int_equal(md_drift_bin_of(e, 1, 3), 1);
    assert_int_equal(md_drift_decile_edges(c, 0, e), 0);
    assert_int_equal(md_drift_bin_of(e, 0, 1e300), 0);
    const double two[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    assert_int_equal(md_drift_decile_edges(two, 10, e), 3); /* 0, 0.1, 1: distinct only */
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_radix_sort(void **state)
{
    (void)state;
    size_t n = 200000;
    double *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));
    for (size_t i = 0; i < n; i++) {
        switch (rng_next() % 8) {
        case 0:
            a[i] = -0.0;
            break;
        case 1:
            a[i] = (rng_next() & 1 ? 1 : -1) * 4.9e-324 * (double)(rng_next() % 100);
            break;
        case 2:
            a[i] = rng_next() % 50 == 0 ? -INFINITY : INFINITY;
            break;
        default:
            a[i] = rng_normal() * pow(10, (double)(rng_next() % 40) - 20);
        }
    }
    memcpy(b, a, n * sizeof(*a));
    assert_int_equal(md_drift_sort(a, n), MD_OK);
    qsort(b, n, sizeof(*b), cmp_d);
    for (size_t i = 0; i < n; i++)
        assert_true(a[i] == b[i]);
    for (size_t i = 1; i < n; i++)
        assert_true(a[i - 1] <= a[i]);
    free(a);
    free(b);
}

static void test_mean_std(void **state)
{
    (void)state;
    double mean, sd;
    const double big[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
    md_drift_mean_std(big, 3, 0, &mean, &sd);
    tu_near(mean, 1e9 + 2, 1e-6);
    tu_near(sd, sqrt(2.0 / 3), 1e-9);
    md_drift_mean_std(big, 1, 1, &mean, &sd);
    assert_true(isnan(sd));
    md_drift_mean_std(big, 0, 0, &mean, &sd);
    assert_true(isnan(mean) && isnan(sd));
}

static void test_ks_edges(void **state)
{
    (void)state;
    double d, w1;
    const double one[] = {1}, two[] = {2}, five[] = {5, 5, 5};
    md_drift_ks_w1(one, NULL, 1, two, NULL, 1, &d, &w1);
    tu_near(d, 1, 0);
    tu_near(w1, 1, 0);
    tu_near(md_drift_ks_p(d, 1, 1, NULL), 1, 0); /* two single values cannot show anything */
    md_drift_ks_w1(five, NULL, 3, five, NULL, 3, &d, &w1);
    tu_near(d, 0, 0);
    tu_near(w1, 0, 0);
    tu_near(md_drift_ks_p(0, 3, 3, NULL), 1, 0);
    md_drift_ks_w1(five, NULL, 0, five, NULL, 3, &d, &w1);
    assert_true(isnan(d) && isnan(w1));
    assert_true(isnan(md_drift_ks_p(0.5, 0, 3, NULL)));
}

/* ---- the bounded sketch ---------------------------------------------------------------------- */

static void test_sketch_bound(void **state)
{
    (void)state;
    size_t n = 3000000;
    double *v = malloc(n * sizeof(*v));
    struct drift_sketch s;
    memset(&s, 0, sizeof(s));
    for (size_t i = 0; i < n; i++) {
        v[i] = rng_normal();
        drift_sketch_add(&s, v[i]);
    }
    assert_int_equal(s.n, n);
    double *sv, *sw;
    size_t k = drift_sketch_samples(&s, &sv, &sw);
    assert_true(k < 40 * 8192); /* bounded: levels x 2k at most */
    double tot = 0;
    for (size_t i = 0; i < k; i++)
        tot += sw[i];
    tu_near(tot, (double)n, 0); /* every value is accounted for */
    md_drift_sort(v, n);
    double bound = s.err / (double)n;
    assert_true(bound > 0 && bound < 0.005);
    /* rank error of the weighted samples at many points stays within the bound */
    double cum = 0, worst = 0;
    for (size_t i = 0; i < k; i++) {
        cum += sw[i];
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (v[mid] <= sv[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        worst = fmax(worst, fabs(cum - (double)lo) / (double)n);
    }
    assert_true(worst <= bound);
    /* KS D from the sketch against the exact D of the same data is within the bound */
    double d, w1;
    md_drift_ks_w1(sv, sw, k, v, NULL, n, &d, &w1);
    assert_true(d <= bound);
    tu_near(drift_weighted_quantile(sv, sw, k, 0.5), 0, 0.01);
    free(sv);
    free(sw);
    drift_sketch_release(&s);
    free(v);
}

/* ---- names and thresholds -------------------------------------------------------------------- */

static void test_threshold_parse(void **state)
{
    (void)state;
    struct md_drift_threshold t;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_drift_threshold_parse("psi=0.2", &t, &err), MD_OK);
    assert_string_equal(t.feature, "");
    assert_int_equal(t.method, MD_DRIFT_PSI);
    tu_near(t.warn, 0.2, 0);
    tu_near(t.drift, 0.2, 0);
    assert_int_equal(md_drift_threshold_parse("a:b:w1=0.05,0.2", &t, &err), MD_OK);
    assert_string_equal(t.feature, "a:b");
    assert_int_equal(t.method, MD_DRIFT_W1);
    tu_near(t.warn, 0.05, 0);
    tu_near(t.drift, 0.2, 0);
    assert_int_equal(md_drift_threshold_parse("ks=0.1,0.01", &t, &err), MD_OK);
    assert_int_equal(md_drift_threshold_parse("ks=0.01,0.1", &t, &err), MD_ERR_INVALID);
    md_err_clear(&err);
    assert_int_equal(md_drift_threshold_parse("foo=1", &t, &err), MD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown method 'foo'"));
    assert_int_equal(md_drift_threshold_parse("psi=abc", &t, NULL), MD_ERR_INVALID);
    assert_int_equal(md_drift_threshold_parse("psi", &t, NULL), MD_ERR_INVALID);
    double w, d;
    md_drift_default_threshold(MD_DRIFT_PSI, &w, &d);
    tu_near(w, 0.1, 0);
    tu_near(d, 0.25, 0);
    md_drift_default_threshold(MD_DRIFT_CHI2, &w, &d);
    tu_near(d, 0.05, 0);
    enum md_drift_smoothing s;
    assert_int_equal(md_drift_smoothing_parse("add-one", &s), MD_OK);
    assert_int_equal(s, MD_DRIFT_SMOOTH_ADD_ONE);
    assert_int_equal(md_drift_smoothing_parse("laplace", &s), MD_ERR_INVALID);
    assert_string_equal(md_drift_method_label(MD_DRIFT_JS), "JS₂");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psi_a),
        cmocka_unit_test(test_psi_b_smoothing),
        cmocka_unit_test(test_psi_eps_tiny_shares),
        cmocka_unit_test(test_psi_is_jeffreys),
        cmocka_unit_test(test_ks_known),
        cmocka_unit_test(test_ks_ties),
        cmocka_unit_test(test_ks_100_110),
        cmocka_unit_test(test_ks_large),
        cmocka_unit_test(test_kolmogorov_q),
        cmocka_unit_test(test_ks_stephens),
        cmocka_unit_test(test_ks_exact_bruteforce),
        cmocka_unit_test(test_wasserstein),
        cmocka_unit_test(test_wasserstein_equal_n),
        cmocka_unit_test(test_js),
        cmocka_unit_test(test_js_bases),
        cmocka_unit_test(test_hellinger_linf_kl),
        cmocka_unit_test(test_chi2_c1),
        cmocka_unit_test(test_chi2_unseen),
        cmocka_unit_test(test_chi2_binary_and_z),
        cmocka_unit_test(test_z_equals_contingency),
        cmocka_unit_test(test_gamma),
        cmocka_unit_test(test_chi2_edges),
        cmocka_unit_test(test_quantile_and_edges),
        cmocka_unit_test(test_radix_sort),
        cmocka_unit_test(test_mean_std),
        cmocka_unit_test(test_ks_edges),
        cmocka_unit_test(test_sketch_bound),
        cmocka_unit_test(test_threshold_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_gof.c -- the goodness-of-fit helpers the statistical tests rely on.
 * The Kolmogorov series is held to published critical values, to the
 * alternating series where both forms hold, and to the distribution's known
 * moments; the KS test to a hand-computed statistic, to its false-positive
 * rate over many small samples, and to accepting a right hypothesis and
 * rejecting a wrong one; the chi-square to exact closed forms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>

#include "sim/engine/rng.h"
#include "sim/engine/xmalloc.h"
#include "support/gof.h"

/* Every accept/reject check below is at this level. */
#define ALPHA 0.001

static double uniform_cdf(double x, const void *ctx)
{
    (void) ctx;
    return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

static double exponential_cdf(double x, const void *ctx)
{
    double mean = *(const double *) ctx;
    return x <= 0 ? 0 : -expm1(-x / mean);
}

/* Critical values of sqrt(n) D for large n, as tabulated (Smirnov 1948;
 * Massey 1951): each must give its level to the precision it is printed
 * with (the table rounds x to 5e-5, which moves Q by at most 5e-5 * pdf). */
static void test_kolmogorov_critical_values(void **state)
{
    (void) state;
    assert_true(fabs(gof_kolmogorov_q(1.3581) - 0.05) < 2e-5);
    assert_true(fabs(gof_kolmogorov_q(1.6276) - 0.01) < 5e-6);
    assert_true(fabs(gof_kolmogorov_q(1.9495) - 0.001) < 1e-6);
    assert_true(gof_kolmogorov_q(0) == 1);
    assert_true(gof_kolmogorov_q(-1) == 1);
    assert_true(gof_kolmogorov_q(0.1) == 1);
    assert_true(gof_kolmogorov_q(10) < 1e-80);
}

/* Where the alternating series converges well (x >= 0.6) it is an
 * independent check of the theta-function form used below 1.18. */
static void test_kolmogorov_forms_agree(void **state)
{
    (void) state;
    for (double x = 0.6; x <= 2.5; x += 0.01) {
        double alt = 0;
        for (int k = 1; k <= 40; k++) alt += 2 * ((k & 1) ? 1 : -1) * exp(-2.0 * k * k * x * x);
        assert_true(fabs(gof_kolmogorov_q(x) - alt) < 1e-14);
    }
}

/* Decreasing, and E[K] = sqrt(pi/2) ln 2, E[K^2] = pi^2/12 (the integrals
 * of Q(x) and 2x Q(x), by Simpson's rule on [0, 8]). */
static void test_kolmogorov_moments(void **state)
{
    (void) state;
    const int n = 8000;
    const double h = 8.0 / n;
    double m1 = 0, m2 = 0, prev = 1;
    for (int i = 0; i <= n; i++) {
        double x = i * h, q = gof_kolmogorov_q(x);
        assert_true(q <= prev);
        prev = q;
        double w = (i == 0 || i == n) ? 1 : (i & 1) ? 4 : 2;
        m1 += w * q;
        m2 += w * 2 * x * q;
    }
    m1 *= h / 3;
    m2 *= h / 3;
    assert_true(fabs(m1 - sqrt(M_PI / 2) * M_LN2) < 1e-9);
    assert_true(fabs(m2 - M_PI * M_PI / 12) < 1e-9);
}

/* D by hand for {0.1, 0.5, 0.9} under U(0,1): the largest gap is 1/3 - 0.1
 * (below the first point) and 0.9 - 2/3 (at the last). */
static void test_ks_statistic(void **state)
{
    (void) state;
    double x[] = {0.9, 0.1, 0.5};
    gof_result r = gof_ks(x, 3, uniform_cdf, NULL);
    assert_true(fabs(r.stat - 7.0 / 30) < 1e-15);
    assert_true(x[0] == 0.1 && x[1] == 0.5 && x[2] == 0.9); /* sorted in place */
    double one = 0.25;
    r = gof_ks(&one, 1, uniform_cdf, NULL);
    assert_true(fabs(r.stat - 0.75) < 1e-15);
}

/* 20000 draws: the right hypothesis is accepted and one 5% off in the mean
 * is rejected, at ALPHA. */
static void test_ks_accepts_and_rejects(void **state)
{
    (void) state;
    enum { N = 20000 };
    double *x = xmalloc(N * sizeof *x);
    rng_set *rs = rng_set_new(11);
    gsl_rng *r = rng_stream(rs, "gof");
    double mean = 2, wrong = 2 * 1.05;
    for (int i = 0; i < N; i++) x[i] = -mean * log(gsl_rng_uniform_pos(r));
    assert_true(gof_ks(x, N, exponential_cdf, &mean).p > ALPHA);
    assert_true(gof_ks(x, N, exponential_cdf, &wrong).p < ALPHA);

    for (int i = 0; i < N; i++) x[i] = gsl_rng_uniform(r);
    assert_true(gof_ks(x, N, uniform_cdf, NULL).p > ALPHA);
    for (int i = 0; i < N; i++) x[i] = x[i] * 0.97 + 0.03;
    assert_true(gof_ks(x, N, uniform_cdf, NULL).p < ALPHA);
    rng_set_free(rs);
    free(x);
}

/* With Stephens' correction the p-value is right for small n: over 4000
 * samples of 20 uniforms, the share with p < 0.05 (and < 0.01) stays within
 * 4 binomial standard errors of 0.05 (and 0.01). */
static void test_ks_calibrated(void **state)
{
    (void) state;
    enum { REPS = 4000, N = 20 };
    double x[N];
    rng_set *rs = rng_set_new(12);
    gsl_rng *r = rng_stream(rs, "gof");
    int below5 = 0, below1 = 0;
    for (int rep = 0; rep < REPS; rep++) {
        for (int i = 0; i < N; i++) x[i] = gsl_rng_uniform(r);
        double p = gof_ks(x, N, uniform_cdf, NULL).p;
        below5 += p < 0.05;
        below1 += p < 0.01;
    }
    double f5 = (double) below5 / REPS, f1 = (double) below1 / REPS;
    assert_true(fabs(f5 - 0.05) < 4 * sqrt(0.05 * 0.95 / REPS));
    assert_true(fabs(f1 - 0.01) < 4 * sqrt(0.01 * 0.99 / REPS));
    rng_set_free(rs);
}

/* Two degrees of freedom make the chi-square law exponential:
 * Q(x; 2) = exp(-x/2). */
static void test_chisq_closed_form(void **state)
{
    (void) state;
    size_t obs[] = {10, 20, 30};
    double third[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    gof_result r = gof_chisq(obs, third, 3, 0);
    assert_true(fabs(r.stat - 10) < 1e-12);
    assert_true(fabs(r.p - exp(-5)) < 1e-12);

    size_t obs4[] = {10, 20, 30, 40};
    double quarter[] = {0.25, 0.25, 0.25, 0.25};
    r = gof_chisq(obs4, quarter, 4, 1); /* 4 - 1 - 1 = 2 degrees of freedom */
    assert_true(fabs(r.stat - 20) < 1e-12);
    assert_true(fabs(r.p - exp(-10)) < 1e-15);

    double right[] = {0.1, 0.2, 0.3, 0.4};
    r = gof_chisq(obs4, right, 4, 0);
    assert_true(r.stat == 0 && r.p == 1);
}

static void test_chisq_equiprobable(void **state)
{
    (void) state;
    enum { N = 20000 };
    double *x = xmalloc(N * sizeof *x);
    rng_set *rs = rng_set_new(13);
    gsl_rng *r = rng_stream(rs, "gof");
    double mean = 0.5, wrong = 0.5 * 1.05;
    for (int i = 0; i < N; i++) x[i] = -mean * log(gsl_rng_uniform_pos(r));
    assert_true(gof_chisq_equiprobable(x, N, 50, exponential_cdf, &mean).p > ALPHA);
    assert_true(gof_chisq_equiprobable(x, N, 50, exponential_cdf, &wrong).p < ALPHA);
    rng_set_free(rs);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kolmogorov_critical_values),
        cmocka_unit_test(test_kolmogorov_forms_agree),
        cmocka_unit_test(test_kolmogorov_moments),
        cmocka_unit_test(test_ks_statistic),
        cmocka_unit_test(test_ks_accepts_and_rejects),
        cmocka_unit_test(test_ks_calibrated),
        cmocka_unit_test(test_chisq_closed_form),
        cmocka_unit_test(test_chisq_equiprobable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

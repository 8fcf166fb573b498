/* test_dist.c -- every demand family against its law.
 * For each family: 50000 draws from a pinned stream pass a goodness-of-fit
 * test against the true CDF (Kolmogorov-Smirnov for continuous laws,
 * chi-square for the empirical values), and fail the same test against a
 * CDF with one parameter wrong (a negative control: the test has the power
 * to see a 5% error). Every such test is at significance 0.001. The sample
 * mean and SCV are held to closed-form moments computed here (not by
 * dist.c) within 4 standard errors, and dist_mean / dist_scv to the same
 * closed forms. Then dist_make's messages, exactly, for bad parameters and
 * bad files (file:line:column), and the file shapes it reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "sim/engine/dist.h"
#include "sim/engine/rng.h"
#include "sim/engine/stats.h"
#include "sim/engine/xmalloc.h"
#include "support/gof.h"
#include "support/testutil.h"

#define N_DRAWS 50000
#define ALPHA   0.001 /* significance of every goodness-of-fit test here */
#define N_SE    4.0   /* moments: |sample - theory| within this many standard errors */

/* ---- Oracles: CDFs and raw moments, from the textbook parameters ------- */

/* The CDFs below take their parameters as an array of doubles, in the
 * order each one's comment lists. */

static double cdf_exponential(double x, const void *ctx) /* mean */
{
    return gsl_cdf_exponential_P(x, ((const double *) ctx)[0]);
}

static double cdf_lognormal(double x, const void *ctx) /* mu, sigma of log X */
{
    const double *l = ctx;
    return gsl_cdf_lognormal_P(x, l[0], l[1]);
}

static double cdf_gamma(double x, const void *ctx) /* shape, scale */
{
    const double *l = ctx;
    return gsl_cdf_gamma_P(x, l[0], l[1]);
}

static double cdf_weibull(double x, const void *ctx) /* scale, shape */
{
    const double *l = ctx;
    return gsl_cdf_weibull_P(x, l[0], l[1]);
}

static double cdf_pareto(double x, const void *ctx) /* alpha, min, max */
{
    const double *l = ctx;
    if (x <= l[1]) return 0;
    if (x >= l[2]) return 1;
    return (1 - pow(l[1] / x, l[0])) / (1 - pow(l[1] / l[2], l[0]));
}

static double cdf_hyper(double x, const void *ctx) /* p, mean1, mean2 */
{
    const double *l = ctx;
    return x <= 0 ? 0 : 1 - l[0] * exp(-x / l[1]) - (1 - l[0]) * exp(-x / l[2]);
}

/* E[X^1..4] (m[0] unused). */
typedef struct raw {
    double m[5];
} raw;

static raw raw_exponential(double mean)
{
    return (raw){{1, mean, 2 * pow(mean, 2), 6 * pow(mean, 3), 24 * pow(mean, 4)}};
}

static raw raw_lognormal(double mu, double sigma)
{
    raw r = {{1}};
    for (int k = 1; k <= 4; k++) r.m[k] = exp(k * mu + k * k * sigma * sigma / 2);
    return r;
}

static raw raw_gamma(double shape, double scale)
{
    raw r = {{1}};
    for (int k = 1; k <= 4; k++) r.m[k] = r.m[k - 1] * scale * (shape + k - 1);
    return r;
}

static raw raw_weibull(double scale, double shape)
{
    raw r = {{1}};
    for (int k = 1; k <= 4; k++) r.m[k] = pow(scale, k) * gsl_sf_gamma(1 + k / shape);
    return r;
}

/* E[X^j] = alpha min^alpha (max^(j-alpha) - min^(j-alpha)) / ((j-alpha)(1-(min/max)^alpha)),
 * for alpha not in {1..4}. */
static raw raw_pareto(double alpha, double min, double max)
{
    raw r = {{1}};
    double norm = alpha * pow(min, alpha) / (1 - pow(min / max, alpha));
    for (int j = 1; j <= 4; j++)
        r.m[j] = norm * (pow(max, j - alpha) - pow(min, j - alpha)) / (j - alpha);
    return r;
}

static raw raw_hyper(double p, double mean1, double mean2)
{
    raw r = {{1}};
    double fact = 1;
    for (int k = 1; k <= 4; k++) {
        fact *= k;
        r.m[k] = fact * (p * pow(mean1, k) + (1 - p) * pow(mean2, k));
    }
    return r;
}

/* ---- Shared checks ------------------------------------------------------ */

/* N_DRAWS draws from a stream pinned by seed; caller frees. */
static double *draw(const dist *d, uint64_t seed, double floor)
{
    rng_set *rs = rng_set_new(seed);
    gsl_rng *r = rng_stream(rs, "demand:test");
    double *x = xmalloc(N_DRAWS * sizeof *x);
    for (int i = 0; i < N_DRAWS; i++) {
        x[i] = dist_sample(d, r);
        assert_true(x[i] >= floor);
    }
    rng_set_free(rs);
    return x;
}

/* KS at ALPHA: accepts the right law, rejects the wrong one (negative control). */
static void check_ks(const double *x, gof_cdf cdf, const double *right, const double *wrong)
{
    double *s = xmalloc(N_DRAWS * sizeof *s);
    memcpy(s, x, N_DRAWS * sizeof *s);
    gof_result ok = gof_ks(s, N_DRAWS, cdf, right);
    gof_result bad = gof_ks(s, N_DRAWS, cdf, wrong);
    assert_true(ok.p > ALPHA);
    assert_true(bad.p < ALPHA);
    free(s);
}

static int close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fabs(b);
}

/* dist_mean and dist_scv equal the oracle's; the sample mean and SCV are
 * within N_SE standard errors of them (the SCV's by the delta method on
 * s^2 / xbar^2, from the central moments mu2..mu4). */
static void check_moments(const dist *d, const double *x, raw r)
{
    double mu = r.m[1], m2 = r.m[2], m3 = r.m[3], m4 = r.m[4];
    double c2 = m2 - mu * mu;
    double c3 = m3 - 3 * mu * m2 + 2 * pow(mu, 3);
    double c4 = m4 - 4 * mu * m3 + 6 * mu * mu * m2 - 3 * pow(mu, 4);
    double scv = c2 / (mu * mu);
    assert_true(close_rel(dist_mean(d), mu, 1e-9));
    assert_true(close_rel(dist_scv(d), scv, 1e-9));

    welford w;
    welford_init(&w);
    for (int i = 0; i < N_DRAWS; i++) welford_add(&w, x[i]);
    double xbar = welford_mean(&w), s_scv = welford_variance(&w) / (xbar * xbar);
    double var_scv =
        (4 * pow(c2, 3) / pow(mu, 6) + (c4 - c2 * c2) / pow(mu, 4) - 4 * c2 * c3 / pow(mu, 5)) /
        N_DRAWS;
    assert_true(fabs(xbar - mu) <= N_SE * sqrt(c2 / N_DRAWS));
    assert_true(fabs(s_scv - scv) <= N_SE * sqrt(var_scv));
}

static void make_ok(dist *d, dist_spec s)
{
    ecs_err e;
    err_clear(&e);
    assert_int_equal(dist_make(d, &s, &e), ECS_OK);
    assert_int_equal(e.code, ECS_OK);
    assert_int_equal(d->family, s.family);
}

/* ---- The families ------------------------------------------------------- */

static void test_exponential(void **state)
{
    (void) state;
    /* A mean far from 1 catches passing a rate where a mean is wanted. */
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_EXPONENTIAL, .mean = 0.25, .cv = 7});
    double *x = draw(&d, 1, 1e-300);
    check_ks(x, cdf_exponential, (const double[]){0.25}, (const double[]){0.25 * 1.05});
    check_moments(&d, x, raw_exponential(0.25));
    assert_true(dist_scv(&d) == 1); /* cv is not the exponential's to set */
    free(x);
    dist_fini(&d);
}

/* One value, always: nothing for a fit test to measure, so the check is
 * exact equality, and its negative control that no draw is 5% off. */
static void test_deterministic(void **state)
{
    (void) state;
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_DETERMINISTIC, .mean = 0.125, .cv = 3});
    double *x = draw(&d, 4, 0.125);
    for (int i = 0; i < N_DRAWS; i++) {
        assert_true(x[i] == 0.125);
        assert_false(x[i] == 0.125 * 1.05);
    }
    assert_true(dist_mean(&d) == 0.125 && dist_scv(&d) == 0);
    free(x);
    dist_fini(&d);
}

static void lognormal_case(double mean, double cv, uint64_t seed)
{
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_LOGNORMAL, .mean = mean, .cv = cv});
    double s2 = log(1 + cv * cv), mu = log(mean) - s2 / 2, sigma = sqrt(s2);
    assert_true(fabs(d.u.lognormal.mu - mu) < 1e-12);
    assert_true(fabs(d.u.lognormal.sigma - sigma) < 1e-12);
    double *x = draw(&d, seed, 1e-300);
    /* Negative controls: the mean 5% high (mu + ln 1.05), and the cv 10% high. */
    check_ks(x, cdf_lognormal, (const double[]){mu, sigma},
             (const double[]){mu + log(1.05), sigma});
    double s2w = log(1 + 1.21 * cv * cv);
    check_ks(x, cdf_lognormal, (const double[]){mu, sigma},
             (const double[]){log(mean) - s2w / 2, sqrt(s2w)});
    check_moments(&d, x, raw_lognormal(mu, sigma));
    free(x);
    dist_fini(&d);
}

static void test_lognormal(void **state)
{
    (void) state;
    lognormal_case(0.05, 0.5, 2);
    lognormal_case(0.05, 2.0, 3);
}

/* mean_off: the factor of the mean-shifted negative control, or 0 for
 * none. KS sees a change of scale by a factor 1 + e as a largest CDF gap of
 * about e * max x f(x), which shrinks as the shape flattens: at cv 5
 * (shape 1/25) even a 25% shift moves the CDF by less than the 0.0087 that
 * 50000 draws resolve at 0.001, so that case's control is the wrong cv. */
static void gamma_case(double mean, double cv, double mean_off, uint64_t seed)
{
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_GAMMA, .mean = mean, .cv = cv});
    double shape = 1 / (cv * cv), scale = mean / shape;
    double *x = draw(&d, seed, 1e-300);
    if (mean_off)
        check_ks(x, cdf_gamma, (const double[]){shape, scale},
                 (const double[]){shape, scale * mean_off});
    double shape_w = 1 / (1.21 * cv * cv); /* cv 10% high, same mean */
    check_ks(x, cdf_gamma, (const double[]){shape, scale},
             (const double[]){shape_w, mean / shape_w});
    check_moments(&d, x, raw_gamma(shape, scale));
    free(x);
    dist_fini(&d);
}

static void test_gamma(void **state)
{
    (void) state;
    gamma_case(0.2, 0.5, 1.05, 5);
    gamma_case(0.2, 2.0, 1.10, 6); /* shape 1/4: GSL's shape < 1 path */
    gamma_case(0.2, 5.0, 0, 7);    /* the largest cv dist_make takes: shape 1/25 */
}

/* The Weibull shape is solved numerically: check it against shapes with a
 * closed-form cv (k = 1: the exponential; k = 2: Rayleigh, cv^2 = 4/pi - 1;
 * k = 1/2: cv^2 = G(5)/G(3)^2 - 1 = 5), and that mean and cv come back. */
static void test_weibull_shape(void **state)
{
    (void) state;
    const double cv[] = {1, sqrt(4 / M_PI - 1), sqrt(5)}, k[] = {1, 2, 0.5};
    for (int i = 0; i < 3; i++) {
        dist d;
        make_ok(&d, (dist_spec){.family = DIST_WEIBULL, .mean = 3, .cv = cv[i]});
        assert_true(close_rel(d.u.weibull.shape, k[i], 1e-12));
        assert_true(close_rel(d.u.weibull.scale * gsl_sf_gamma(1 + 1 / k[i]), 3, 1e-12));
    }
    for (double c = 0.01; c <= 100; c *= 1.7) {
        dist d;
        make_ok(&d, (dist_spec){.family = DIST_WEIBULL, .mean = 2, .cv = c});
        double kk = d.u.weibull.shape;
        double g1 = gsl_sf_gamma(1 + 1 / kk), g2 = gsl_sf_gamma(1 + 2 / kk);
        assert_true(close_rel(g2 / (g1 * g1) - 1, c * c, 1e-9));
        assert_true(close_rel(d.u.weibull.scale * g1, 2, 1e-12));
        assert_true(close_rel(dist_scv(&d), c * c, 1e-9));
    }
}

static void weibull_case(double mean, double cv, uint64_t seed)
{
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_WEIBULL, .mean = mean, .cv = cv});
    /* The shape and scale are checked in test_weibull_shape; w is the
     * Weibull with the same mean and the cv 10% high. */
    double k = d.u.weibull.shape, scale = d.u.weibull.scale;
    dist w;
    make_ok(&w, (dist_spec){.family = DIST_WEIBULL, .mean = mean, .cv = cv * 1.1});
    double *x = draw(&d, seed, 1e-300);
    check_ks(x, cdf_weibull, (const double[]){scale, k}, (const double[]){scale * 1.05, k});
    check_ks(x, cdf_weibull, (const double[]){scale, k},
             (const double[]){w.u.weibull.scale, w.u.weibull.shape});
    check_moments(&d, x, raw_weibull(scale, k));
    free(x);
    dist_fini(&d);
    dist_fini(&w);
}

static void test_weibull(void **state)
{
    (void) state;
    weibull_case(0.1, 0.5, 8);
    weibull_case(0.1, 2.0, 9);
}

static void test_bounded_pareto(void **state)
{
    (void) state;
    const double a = 1.5, lo = 0.01, hi = 10;
    dist d;
    make_ok(&d, (dist_spec){
                    .family = DIST_BOUNDED_PARETO, .mean = 99, .alpha = a, .min = lo, .max = hi});
    double *x = draw(&d, 10, lo);
    for (int i = 0; i < N_DRAWS; i++) assert_true(x[i] <= hi);
    /* Negative controls: alpha 5% high, and min 5% high (a mean about 5% high). */
    check_ks(x, cdf_pareto, (const double[]){a, lo, hi}, (const double[]){a * 1.05, lo, hi});
    check_ks(x, cdf_pareto, (const double[]){a, lo, hi}, (const double[]){a, lo * 1.05, hi});
    check_moments(&d, x, raw_pareto(a, lo, hi));
    free(x);
    dist_fini(&d);

    /* alpha = 1 and 2 are the limits where the general moment formula has
     * 0/0: E[X] = alpha min ln(max/min) / (1 - min/max) at alpha = 1, and
     * E[X^2] = 2 min^2 ln(max/min) / (1 - (min/max)^2) at alpha = 2. */
    make_ok(&d, (dist_spec){.family = DIST_BOUNDED_PARETO, .alpha = 1, .min = 1, .max = 100});
    assert_true(close_rel(dist_mean(&d), log(100) / 0.99, 1e-12));
    make_ok(&d, (dist_spec){.family = DIST_BOUNDED_PARETO, .alpha = 2, .min = 1, .max = 100});
    double m1 = 2 * (1 - 0.01) / (1 - 1e-4), m2 = 2 * log(100) / (1 - 1e-4);
    assert_true(close_rel(dist_mean(&d), m1, 1e-12));
    assert_true(close_rel(dist_scv(&d), m2 / (m1 * m1) - 1, 1e-12));
}

static void test_hyperexponential(void **state)
{
    (void) state;
    const double mean = 0.1, cv = 3;
    double p = (1 + sqrt((cv * cv - 1) / (cv * cv + 1))) / 2;
    double m1 = mean / (2 * p), m2 = mean / (2 * (1 - p));
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_HYPEREXPONENTIAL, .mean = mean, .cv = cv});
    double *x = draw(&d, 11, 1e-300);
    /* Negative controls: both phase means 5% high (the mean 5% high), and
     * the fit for cv 3.6 (20% high) with the same mean. */
    check_ks(x, cdf_hyper, (const double[]){p, m1, m2}, (const double[]){p, m1 * 1.05, m2 * 1.05});
    double c2w = 1.44 * cv * cv, pw = (1 + sqrt((c2w - 1) / (c2w + 1))) / 2;
    check_ks(x, cdf_hyper, (const double[]){p, m1, m2},
             (const double[]){pw, mean / (2 * pw), mean / (2 * (1 - pw))});
    check_moments(&d, x, raw_hyper(p, m1, m2));
    assert_true(close_rel(dist_scv(&d), 9, 1e-12));
    free(x);

    /* cv = 1 is the exponential itself: both phases have the mean. */
    make_ok(&d, (dist_spec){.family = DIST_HYPEREXPONENTIAL, .mean = 2, .cv = 1});
    assert_true(d.u.hyper.p == 0.5 && d.u.hyper.mean1 == 2 && d.u.hyper.mean2 == 2);
    assert_true(dist_scv(&d) == 1);
}

/* tests/data/demand_values.csv: 12 rows, 7 distinct values. */
static const double values_x[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1};
static const double values_rows[] = {1, 2, 3, 2, 2, 1, 1};
#define N_VALUES 7

static void test_empirical_values(void **state)
{
    (void) state;
    dist d;
    make_ok(&d, (dist_spec){
                    .family = DIST_EMPIRICAL, .mean = 5, .file = "tests/data/demand_values.csv"});
    assert_int_equal(d.u.empirical.n, 12);
    assert_null(d.u.empirical.pick);
    double *x = draw(&d, 12, 0.01);

    /* Chi-square over the distinct values (df 6; every expected count is
     * above 4000). Negative control: 0.05 on 4 rows of 13, not 3 of 12. */
    size_t count[N_VALUES] = {0};
    double right[N_VALUES], wrong[N_VALUES];
    for (int i = 0; i < N_DRAWS; i++) {
        int j = 0;
        while (j < N_VALUES && x[i] != values_x[j]) j++;
        assert_true(j < N_VALUES); /* every draw is one of the file's values */
        count[j]++;
    }
    raw r = {{1}};
    for (int j = 0; j < N_VALUES; j++) {
        right[j] = values_rows[j] / 12;
        wrong[j] = (values_rows[j] + (j == 2)) / 13;
        for (int k = 1; k <= 4; k++) r.m[k] += right[j] * pow(values_x[j], k);
    }
    assert_true(gof_chisq(count, right, N_VALUES, 0).p > ALPHA);
    assert_true(gof_chisq(count, wrong, N_VALUES, 0).p < ALPHA);
    check_moments(&d, x, r);
    free(x);
    dist_fini(&d);
    assert_null(d.u.empirical.x); /* fini leaves nothing owned */
}

/* A histogram's CDF: linear inside each bin, flat across gaps. */
typedef struct hist_law {
    size_t n;
    const double *low, *high, *w;
} hist_law;

static double cdf_hist(double x, const void *ctx)
{
    const hist_law *h = ctx;
    double total = 0, below = 0;
    for (size_t i = 0; i < h->n; i++) {
        total += h->w[i];
        if (x >= h->high[i])
            below += h->w[i];
        else if (x > h->low[i])
            below += h->w[i] * (x - h->low[i]) / (h->high[i] - h->low[i]);
    }
    return below / total;
}

static void test_empirical_histogram(void **state)
{
    (void) state;
    /* tests/data/demand_hist.csv, with a zero-weight bin and a gap. */
    static const double low[] = {0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1};
    static const double high[] = {0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 2};
    static const double w[] = {5, 20, 40, 20, 0, 10, 5};
    static const double w_wrong[] = {5, 20, 44, 20, 0, 10, 5}; /* one weight 10% high */
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_EMPIRICAL, .file = "tests/data/demand_hist.csv"});
    assert_int_equal(d.u.empirical.n, 7);
    assert_non_null(d.u.empirical.pick);
    double *x = draw(&d, 13, 0.005);
    for (int i = 0; i < N_DRAWS; i++) {
        assert_true(x[i] < 2);
        assert_false(x[i] >= 0.1 && x[i] < 0.25); /* the weight-0 bin */
        assert_false(x[i] >= 0.5 && x[i] < 1);    /* the gap */
    }
    hist_law right = {7, low, high, w}, wrong = {7, low, high, w_wrong};
    double *s = xmalloc(N_DRAWS * sizeof *s);
    memcpy(s, x, N_DRAWS * sizeof *s);
    assert_true(gof_ks(s, N_DRAWS, cdf_hist, &right).p > ALPHA);
    assert_true(gof_ks(s, N_DRAWS, cdf_hist, &wrong).p < ALPHA);
    free(s);

    /* A bin uniform on [l, h) has E[X^k] = (h^(k+1) - l^(k+1)) / ((k+1)(h-l)). */
    raw r = {{1}};
    for (int k = 1; k <= 4; k++) {
        for (int i = 0; i < 7; i++)
            r.m[k] += w[i] / 100 * (pow(high[i], k + 1) - pow(low[i], k + 1)) /
                      ((k + 1) * (high[i] - low[i]));
    }
    check_moments(&d, x, r);
    free(x);
    dist_fini(&d);
}

/* The histogram shipped for scenarios loads, with the mean its bins give by
 * hand: sum of weight * midpoint / 100 = 11.23 / 100 s. */
static void test_scenario_sample(void **state)
{
    (void) state;
    dist d;
    make_ok(&d,
            (dist_spec){.family = DIST_EMPIRICAL, .file = "scenarios/traces/demand_empirical.csv"});
    assert_int_equal(d.u.empirical.n, 8);
    assert_true(close_rel(dist_mean(&d), 0.1123, 1e-12));
    dist_fini(&d);
}

/* Same seed, same draws: the sampling path is deterministic. */
static void test_reproducible(void **state)
{
    (void) state;
    static const dist_spec specs[] = {
        {.family = DIST_LOGNORMAL, .mean = 1, .cv = 1.5},
        {.family = DIST_GAMMA, .mean = 1, .cv = 0.7},
        {.family = DIST_WEIBULL, .mean = 1, .cv = 1.3},
        {.family = DIST_BOUNDED_PARETO, .alpha = 1.2, .min = 1, .max = 50},
        {.family = DIST_HYPEREXPONENTIAL, .mean = 1, .cv = 4},
        {.family = DIST_EMPIRICAL, .file = "tests/data/demand_hist.csv"},
    };
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        dist d;
        make_ok(&d, specs[k]);
        rng_set *a = rng_set_new(9), *b = rng_set_new(9);
        gsl_rng *ra = rng_stream(a, "s"), *rb = rng_stream(b, "s");
        for (int i = 0; i < 1000; i++) assert_true(dist_sample(&d, ra) == dist_sample(&d, rb));
        rng_set_free(a);
        rng_set_free(b);
        dist_fini(&d);
    }
}

/* ---- Errors ------------------------------------------------------------- */

static void expect_error(dist_spec s, int code, const char *msg)
{
    dist d;
    ecs_err e;
    err_clear(&e);
    assert_int_equal(dist_make(&d, &s, &e), code);
    assert_int_equal(e.code, code);
    assert_string_equal(e.msg, msg);
    dist_fini(&d); /* a failed dist owns nothing */
}

static void test_parameter_errors(void **state)
{
    (void) state;
    expect_error((dist_spec){.family = DIST_EXPONENTIAL, .mean = 0}, ECS_EINPUT,
                 "exponential: mean must be > 0 and finite, got 0");
    expect_error((dist_spec){.family = DIST_DETERMINISTIC, .mean = -1}, ECS_EINPUT,
                 "deterministic: mean must be > 0 and finite, got -1");
    expect_error((dist_spec){.family = DIST_LOGNORMAL, .mean = NAN, .cv = 1}, ECS_EINPUT,
                 "lognormal: mean must be > 0 and finite, got nan");
    expect_error((dist_spec){.family = DIST_LOGNORMAL, .mean = 1, .cv = 0}, ECS_EINPUT,
                 "lognormal: cv must be > 0 and finite, got 0");
    expect_error((dist_spec){.family = DIST_GAMMA, .mean = 1, .cv = 6}, ECS_EINPUT,
                 "gamma: cv must be in (0, 5], got 6");
    expect_error((dist_spec){.family = DIST_GAMMA, .mean = 1, .cv = 0}, ECS_EINPUT,
                 "gamma: cv must be in (0, 5], got 0");
    expect_error((dist_spec){.family = DIST_WEIBULL, .mean = 1, .cv = 0.005}, ECS_EINPUT,
                 "weibull: cv must be in [0.01, 100], got 0.005");
    expect_error((dist_spec){.family = DIST_WEIBULL, .mean = 1, .cv = 101}, ECS_EINPUT,
                 "weibull: cv must be in [0.01, 100], got 101");
    expect_error((dist_spec){.family = DIST_HYPEREXPONENTIAL, .mean = 1, .cv = 0.5}, ECS_EINPUT,
                 "hyperexponential: cv must be >= 1 and finite, got 0.5");
    expect_error((dist_spec){.family = DIST_HYPEREXPONENTIAL, .mean = 1, .cv = INFINITY},
                 ECS_EINPUT, "hyperexponential: cv must be >= 1 and finite, got inf");
    expect_error((dist_spec){.family = DIST_BOUNDED_PARETO, .alpha = 0, .min = 1, .max = 2},
                 ECS_EINPUT, "bounded_pareto: alpha must be > 0 and finite, got 0");
    expect_error((dist_spec){.family = DIST_BOUNDED_PARETO, .alpha = 1.5, .min = 0, .max = 2},
                 ECS_EINPUT, "bounded_pareto: min must be > 0 and finite, got 0");
    expect_error((dist_spec){.family = DIST_BOUNDED_PARETO, .alpha = 1.5, .min = 2, .max = 1},
                 ECS_EINPUT, "bounded_pareto: max must be finite and > min (2), got 1");
    expect_error((dist_spec){.family = DIST_BOUNDED_PARETO, .alpha = 1.5, .min = 2, .max = 2},
                 ECS_EINPUT, "bounded_pareto: max must be finite and > min (2), got 2");
    expect_error((dist_spec){.family = DIST_EMPIRICAL}, ECS_EINPUT, "empirical: no file given");
    expect_error((dist_spec){.family = DIST_EMPIRICAL, .file = "tests/data/no_such.csv"}, ECS_EIO,
                 "tests/data/no_such.csv: cannot read: No such file or directory");
    expect_error((dist_spec){.family = (dist_family) 99, .mean = 1}, ECS_EINTERNAL,
                 "unknown distribution family 99");
}

#define HEADER_HELP                                                                                \
    "expected a header: one column name (a list of values) or low,high,weight (a histogram)"

/* Each bad file and its message after "path" (":line:column: ..." or ": ..."). */
static const struct {
    const char *text, *msg;
} bad_files[] = {
    {"", ": empty file; " HEADER_HELP},
    {"\n  \n", ": empty file; " HEADER_HELP},
    {"0.5\n1\n", ":1:1: " HEADER_HELP "; got \"0.5\""},
    {"low,high\n0,1\n", ":1:1: " HEADER_HELP "; got \"low,high\""},
    {"low,high,weight,x\n", ":1:1: " HEADER_HELP "; got \"low,high,weight,x\""},
    {"\"\"\n1\n", ":1:1: " HEADER_HELP "; got \"\""},
    {"demand_s\n", ": no values after the header"},
    {"low,high,weight\n", ": no bins after the header"},
    {"demand_s\n0.1\n  abc\n", ":3:3: column demand_s: expected a number >= 0, got \"abc\""},
    {"demand_s\n0.1\n-2\n", ":3:1: column demand_s: expected a number >= 0, got \"-2\""},
    {"v\n1\ninf\n", ":3:1: column v: expected a number >= 0, got \"inf\""},
    {"v\n1\n0x10\n", ":3:1: column v: expected a number >= 0, got \"0x10\""},
    {"v\n1\n1e999\n", ":3:1: column v: expected a number >= 0, got \"1e999\""},
    {"v\n1\n,\n", ":3:1: column v: expected a number >= 0, got \"\""},
    {"demand_s\n0.1,0.2\n", ":2:5: too many fields: the header has 1"},
    {"low,high,weight\n0,1,1\n1,2\n", ":3:1: too few fields: expected 3 (low,high,weight), got 2"},
    {"low,high,weight\n0,1,1\n2, 1.5,1\n", ":3:4: bin [2, 1.5): high must be > low"},
    {"low,high,weight\n0,1,1\n0.5,2,1\n",
     ":3:1: bin [0.5, 2) overlaps the previous bin [0, 1); bins must ascend without overlapping"},
    {"low,high,weight\n0,1,1\n1,2,x\n", ":3:5: column weight: expected a number >= 0, got \"x\""},
    {"low,high,weight\n0,1,1\n1,2,-1\n", ":3:5: column weight: expected a number >= 0, got \"-1\""},
    {"low,high,weight\n0,1,0\n2,3,0\n", ": every bin has weight 0"},
    {"v\n0\n0\n", ": every value is 0"},
    {"v\n1\n2\"x\n", ":3:2: malformed CSV: stray quote (quote a field that holds quotes, and "
                     "double each quote inside it)"},
    {"v\n1\n\"2\n", ":3:1: malformed CSV: quoted field not closed before the end of the file"},
    /* Lines are counted across CRLF, lone CR and blank lines; a BOM takes no column. */
    {"v\r\n1\r\n\r\nnan\r\n", ":4:1: column v: expected a number >= 0, got \"nan\""},
    {"v\r1\r\r x", ":4:2: column v: expected a number >= 0, got \"x\""},
    {"\xEF\xBB\xBF"
     "v,w\n",
     ":1:1: " HEADER_HELP "; got \"v,w\""},
};

static void test_file_errors(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        char name[32], want[1024];
        snprintf(name, sizeof name, "bad%zu.csv", i);
        char *path = tu_write_file(dir, name, bad_files[i].text);
        snprintf(want, sizeof want, "%s%s", path, bad_files[i].msg);
        expect_error((dist_spec){.family = DIST_EMPIRICAL, .file = path}, ECS_EINPUT, want);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}

/* What a spreadsheet or a script may write is read: a BOM, CRLF, quoted
 * numbers, spaces around fields, blank lines, no final newline, zeros. */
static void test_file_shapes(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *path = tu_write_file(dir, "v.csv",
                               "\xEF\xBB\xBF"
                               "demand_s\r\n 0.5 \r\n\"1.5\"\r\n\r\n2");
    dist d;
    make_ok(&d, (dist_spec){.family = DIST_EMPIRICAL, .file = path});
    assert_int_equal(d.u.empirical.n, 3);
    assert_true(d.u.empirical.x[0] == 0.5 && d.u.empirical.x[1] == 1.5 && d.u.empirical.x[2] == 2);
    double m = 4.0 / 3, var = (pow(0.5 - m, 2) + pow(1.5 - m, 2) + pow(2 - m, 2)) / 3;
    assert_true(close_rel(dist_mean(&d), m, 1e-15));
    assert_true(close_rel(dist_scv(&d), var / (m * m), 1e-12));
    dist_fini(&d);
    free(path);

    path = tu_write_file(dir, "z.csv", "t\n0\n1\n");
    make_ok(&d, (dist_spec){.family = DIST_EMPIRICAL, .file = path});
    rng_set *rs = rng_set_new(1);
    gsl_rng *r = rng_stream(rs, "x");
    int zeros = 0;
    for (int i = 0; i < 1000; i++) {
        double x = dist_sample(&d, r);
        assert_true(x == 0 || x == 1);
        zeros += x == 0;
    }
    assert_true(zeros > 400 && zeros < 600);
    assert_true(dist_mean(&d) == 0.5 && dist_scv(&d) == 1);
    rng_set_free(rs);
    dist_fini(&d);
    free(path);

    path = tu_write_file(dir, "h.csv", "low,high,weight\n0,1,1\n1,3,3");
    make_ok(&d, (dist_spec){.family = DIST_EMPIRICAL, .file = path});
    /* Means 0.5 and 2 weighted 1:3; spread (0.5-1.625)^2 + 1/12 and (2-1.625)^2 + 4/12. */
    double hv = (1 * (pow(0.5 - 1.625, 2) + 1.0 / 12) + 3 * (pow(2 - 1.625, 2) + 4.0 / 12)) / 4;
    assert_true(close_rel(dist_mean(&d), 1.625, 1e-15));
    assert_true(close_rel(dist_scv(&d), hv / (1.625 * 1.625), 1e-12));
    dist_fini(&d);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* ---- Names -------------------------------------------------------------- */

static void test_names(void **state)
{
    (void) state;
    char joined[256] = "";
    for (int i = 0; i <= DIST_EMPIRICAL; i++) {
        dist_family f = DIST_DETERMINISTIC;
        const char *name = dist_family_name((dist_family) i);
        assert_int_equal(dist_family_parse(name, &f), 0);
        assert_int_equal(f, i);
        if (i) strcat(joined, "|");
        strcat(joined, name);
    }
    assert_string_equal(joined, DIST_FAMILY_NAMES);
    assert_string_equal(dist_family_name(DIST_BOUNDED_PARETO), "bounded_pareto");
    assert_string_equal(dist_family_name(DIST_HYPEREXPONENTIAL), "hyperexponential");
    dist_family f = DIST_LOGNORMAL;
    assert_int_equal(dist_family_parse("normal", &f), -1);
    assert_int_equal(dist_family_parse("", &f), -1);
    assert_int_equal(dist_family_parse("Exponential", &f), -1);
    assert_int_equal(f, DIST_LOGNORMAL); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponential),      cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_lognormal),        cmocka_unit_test(test_gamma),
        cmocka_unit_test(test_weibull_shape),    cmocka_unit_test(test_weibull),
        cmocka_unit_test(test_bounded_pareto),   cmocka_unit_test(test_hyperexponential),
        cmocka_unit_test(test_empirical_values), cmocka_unit_test(test_empirical_histogram),
        cmocka_unit_test(test_scenario_sample),  cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_parameter_errors), cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_file_shapes),      cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

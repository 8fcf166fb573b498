/* test_dist.c -- each family's sample mean and SCV against theory, within a
 * few standard errors of 200k draws from a pinned stream, plus the lognormal's
 * log-space moments (a sharp check of the mean/cv parameterisation, since its
 * SCV estimate is noisy for cv = 2), names and parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sim/engine/dist.h"
#include "sim/engine/rng.h"
#include "sim/engine/stats.h"

#define N_DRAWS 200000
#define N_SE    4.0

/* Central moments mu2..mu4 of the distribution scaled to mean 1, which give
 * the standard errors of the sample mean and of the sample SCV (the latter by
 * the delta method on s^2 / xbar^2). */
struct moments {
    double mu2, mu3, mu4;
};

static struct moments lognormal_moments(double cv)
{
    /* With mean 1, E[X^k] = (1 + cv^2)^(k(k-1)/2). */
    double w = 1 + cv * cv;
    double e2 = w, e3 = pow(w, 3), e4 = pow(w, 6);
    return (struct moments){e2 - 1, e3 - 3 * e2 + 2, e4 - 4 * e3 + 6 * e2 - 3};
}

static void check_family(dist_family fam, double mean, double cv, struct moments m, uint64_t seed)
{
    dist d;
    dist_init(&d, fam, mean, cv);
    rng_set *rs = rng_set_new(seed);
    gsl_rng *r = rng_stream(rs, "demand:test");
    welford w, logw;
    welford_init(&w);
    welford_init(&logw);
    for (int i = 0; i < N_DRAWS; i++) {
        double x = dist_sample(&d, r);
        assert_true(x > 0);
        welford_add(&w, x);
        welford_add(&logw, log(x));
    }

    double xbar = welford_mean(&w), scv = welford_variance(&w) / (xbar * xbar);
    double se_mean = mean * sqrt(m.mu2 / N_DRAWS);
    double var_scv = (m.mu4 - m.mu2 * m.mu2 - 4 * m.mu2 * m.mu3 + 4 * pow(m.mu2, 3)) / N_DRAWS;
    double se_scv = sqrt(var_scv);
    assert_true(fabs(xbar - dist_mean(&d)) <= N_SE * se_mean);
    assert_true(fabs(scv - dist_scv(&d)) <= N_SE * se_scv);

    if (fam == DIST_LOGNORMAL) {
        double s2 = log(1 + cv * cv), mu = log(mean) - s2 / 2;
        assert_true(fabs(welford_mean(&logw) - mu) < N_SE * sqrt(s2 / N_DRAWS));
        assert_true(fabs(welford_variance(&logw) - s2) < N_SE * s2 * sqrt(2.0 / N_DRAWS));
    }
    rng_set_free(rs);
}

static void test_exponential(void **state)
{
    (void) state;
    /* A mean far from 1 catches passing a rate where GSL wants the mean. */
    check_family(DIST_EXPONENTIAL, 0.25, 0, (struct moments){1, 2, 9}, 1);
    dist d;
    dist_init(&d, DIST_EXPONENTIAL, 0.25, 0);
    assert_true(dist_mean(&d) == 0.25);
    assert_true(dist_scv(&d) == 1);
}

static void test_lognormal(void **state)
{
    (void) state;
    check_family(DIST_LOGNORMAL, 0.05, 0.5, lognormal_moments(0.5), 2);
    check_family(DIST_LOGNORMAL, 0.05, 2.0, lognormal_moments(2.0), 3);
    dist d;
    dist_init(&d, DIST_LOGNORMAL, 0.05, 2.0);
    assert_true(dist_mean(&d) == 0.05);
    assert_true(fabs(dist_scv(&d) - 4) < 1e-12);
    assert_true(fabs(d.sigma * d.sigma - log(5)) < 1e-12);
    assert_true(fabs(exp(d.mu + d.sigma * d.sigma / 2) - 0.05) < 1e-15);
}

static void test_deterministic(void **state)
{
    (void) state;
    check_family(DIST_DETERMINISTIC, 0.125, 0, (struct moments){0, 0, 0}, 4);
    dist d;
    dist_init(&d, DIST_DETERMINISTIC, 0.125, 0);
    rng_set *rs = rng_set_new(1);
    gsl_rng *r = rng_stream(rs, "x");
    for (int i = 0; i < 100; i++) assert_true(dist_sample(&d, r) == 0.125);
    assert_true(dist_scv(&d) == 0);
    rng_set_free(rs);
}

/* Same seed, same draws: the sampling path is deterministic. */
static void test_reproducible(void **state)
{
    (void) state;
    dist d;
    dist_init(&d, DIST_LOGNORMAL, 1, 1.5);
    rng_set *a = rng_set_new(9), *b = rng_set_new(9);
    gsl_rng *ra = rng_stream(a, "s"), *rb = rng_stream(b, "s");
    for (int i = 0; i < 1000; i++) assert_true(dist_sample(&d, ra) == dist_sample(&d, rb));
    rng_set_free(a);
    rng_set_free(b);
}

static void test_names(void **state)
{
    (void) state;
    static const dist_family all[] = {DIST_EXPONENTIAL, DIST_DETERMINISTIC, DIST_LOGNORMAL};
    for (size_t i = 0; i < 3; i++) {
        dist_family f = DIST_DETERMINISTIC;
        assert_int_equal(dist_family_parse(dist_family_name(all[i]), &f), 0);
        assert_int_equal(f, all[i]);
    }
    assert_string_equal(dist_family_name(DIST_EXPONENTIAL), "exponential");
    assert_string_equal(dist_family_name(DIST_DETERMINISTIC), "deterministic");
    assert_string_equal(dist_family_name(DIST_LOGNORMAL), "lognormal");
    dist_family f = DIST_LOGNORMAL;
    assert_int_equal(dist_family_parse("normal", &f), -1);
    assert_int_equal(dist_family_parse("", &f), -1);
    assert_int_equal(dist_family_parse("Exponential", &f), -1);
    assert_int_equal(f, DIST_LOGNORMAL); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponential),   cmocka_unit_test(test_lognormal),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

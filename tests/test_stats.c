/* test_stats.c -- Welford against a two-pass oracle (including a large common
 * offset, where the one-pass sum-of-squares formula loses every digit), Chan's
 * merge against one accumulator, and timeavg on a hand-built step function. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_rng.h>

#include "sim/engine/stats.h"
#include "sim/engine/xmalloc.h"

#define N 10000

static double rel_err(double got, double want)
{
    return fabs(got - want) / fabs(want);
}

/* offset + uniform noise of width `spread`, from a fixed taus2 stream. */
static double *make_values(double offset, double spread, unsigned long seed)
{
    double *x = xmalloc(N * sizeof *x);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, seed);
    for (int i = 0; i < N; i++) x[i] = offset + spread * gsl_rng_uniform(r);
    gsl_rng_free(r);
    return x;
}

static void two_pass(const double *x, int n, double *mean, double *var)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    double m = s / n, ss = 0, comp = 0;
    for (int i = 0; i < n; i++) {
        ss += (x[i] - m) * (x[i] - m);
        comp += x[i] - m;
    }
    *mean = m;
    *var = (ss - comp * comp / n) / (n - 1); /* corrected two-pass */
}

static void check_against_oracle(double offset, double spread)
{
    double *x = make_values(offset, spread, 17);
    welford w;
    welford_init(&w);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < N; i++) {
        welford_add(&w, x[i]);
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
    }
    double mean, var;
    two_pass(x, N, &mean, &var);
    assert_int_equal(w.n, N);
    assert_true(rel_err(welford_mean(&w), mean) < 1e-14);
    assert_true(rel_err(welford_variance(&w), var) < 1e-6);
    assert_true(rel_err(welford_stddev(&w), sqrt(var)) < 1e-6);
    /* The oracle itself is right: uniform noise has variance spread^2 / 12. */
    assert_true(rel_err(var, spread * spread / 12) < 0.05);
    assert_true(w.min == lo && w.max == hi);
    free(x);
}

static void test_welford_oracle(void **state)
{
    (void) state;
    check_against_oracle(0, 1);
    check_against_oracle(0.001, 0.01);
    check_against_oracle(1e9, 1); /* sum of squares would need 1e22 to 1e-1 precision */
}

static void test_welford_small(void **state)
{
    (void) state;
    welford w;
    welford_init(&w);
    assert_true(isnan(welford_mean(&w)));
    assert_true(isnan(welford_variance(&w)));
    welford_add(&w, 3);
    assert_true(welford_mean(&w) == 3);
    assert_true(isnan(welford_variance(&w)));
    assert_true(w.min == 3 && w.max == 3);
    welford_add(&w, 5);
    assert_true(welford_mean(&w) == 4);
    assert_true(welford_variance(&w) == 2);
    assert_true(w.min == 3 && w.max == 5);
}

static void check_merge(double offset, double tol)
{
    double *x = make_values(offset, 1, 5);
    for (int i = 0; i < N / 2; i++) x[i] += 3; /* the parts differ in mean */
    welford all, a, b;
    welford_init(&all);
    welford_init(&a);
    welford_init(&b);
    for (int i = 0; i < N; i++) {
        welford_add(&all, x[i]);
        welford_add(i < N / 3 ? &a : &b, x[i]); /* unequal parts */
    }
    welford m = a;
    welford_merge(&m, &b);
    double mean, var;
    two_pass(x, N, &mean, &var);
    assert_int_equal(m.n, all.n);
    assert_true(rel_err(welford_mean(&m), welford_mean(&all)) < 1e-14);
    assert_true(rel_err(welford_variance(&m), welford_variance(&all)) < tol);
    assert_true(rel_err(welford_variance(&m), var) < tol);
    assert_true(m.min == all.min && m.max == all.max);
    free(x);
}

static void test_welford_merge(void **state)
{
    (void) state;
    check_merge(10, 1e-12);
    /* At 1e9 a double resolves 1.2e-7, so running means (merged or not) agree
     * with the two-pass oracle to about 1e-6 of the variance. */
    check_merge(1e9, 1e-5);

    /* Empty on either side is the identity. */
    welford all, empty, e2;
    welford_init(&all);
    welford_init(&empty);
    welford_init(&e2);
    for (int i = 1; i <= 4; i++) welford_add(&all, i);
    welford_merge(&e2, &all);
    assert_true(e2.n == all.n && e2.mean == all.mean && e2.m2 == all.m2);
    assert_true(e2.min == all.min && e2.max == all.max);
    welford_merge(&e2, &empty);
    assert_true(e2.n == all.n && e2.mean == all.mean && e2.m2 == all.m2);
    assert_true(e2.min == 1 && e2.max == 4);
}

/* Level 2 on [0,1), 5 on [1,3), 4 on [3,6), 0 on [6,10): area 2+10+12+0 = 24.
 * Every number is a small dyadic, so the sums are exact. */
static void test_timeavg_steps(void **state)
{
    (void) state;
    timeavg a;
    timeavg_init(&a, 0, 2);
    assert_true(timeavg_mean(&a, 0) == 2); /* empty span: the current level */
    timeavg_set(&a, 1, 5);
    timeavg_add(&a, 3, -1);
    assert_true(a.value == 4);
    assert_true(timeavg_area(&a, 4) == 16);
    assert_true(timeavg_mean(&a, 4) == 4);
    timeavg_set(&a, 6, 0);
    assert_true(timeavg_area(&a, 10) == 24);
    assert_true(timeavg_mean(&a, 10) == 2.4);
    timeavg_set(&a, 6, 0); /* a repeated change at the same time adds nothing */
    assert_true(timeavg_area(&a, 10) == 24);

    timeavg_reset(&a, 10);
    assert_true(timeavg_area(&a, 10) == 0);
    assert_true(timeavg_mean(&a, 10) == 0);
    timeavg_set(&a, 12, 3);
    assert_true(timeavg_area(&a, 14) == 6);
    assert_true(timeavg_mean(&a, 14) == 1.5);
}

/* Started later than 0: the average is over [start, t], not [0, t]. */
static void test_timeavg_offset_start(void **state)
{
    (void) state;
    timeavg a;
    timeavg_init(&a, 100, 1);
    timeavg_add(&a, 102, 2);
    assert_true(timeavg_mean(&a, 104) == 2);
    assert_true(timeavg_area(&a, 104) == 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_welford_oracle),       cmocka_unit_test(test_welford_small),
        cmocka_unit_test(test_welford_merge),        cmocka_unit_test(test_timeavg_steps),
        cmocka_unit_test(test_timeavg_offset_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

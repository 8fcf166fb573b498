/* test_hist.c -- the log histogram: bucket layout, the 1% midpoint bound,
 * quantiles against exact sorted-sample quantiles (same nearest-rank rule),
 * merge, reset, empty and clamped values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/engine/hist.h"
#include "sim/engine/xmalloc.h"

static gsl_rng *new_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    assert_non_null(r);
    gsl_rng_set(r, seed);
    return r;
}

/* A hist is about 20 KiB: keep it off the stack. */
static hist *new_hist(void)
{
    hist *h = xmalloc(sizeof *h);
    hist_init(h);
    return h;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Nearest rank, as hist.h defines it, on a sorted sample. */
static double exact_quantile(const double *sorted, size_t n, double q)
{
    size_t rank = (size_t) ceil(q * (double) n);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

static void test_layout(void **state)
{
    (void) state;
    assert_int_equal(HIST_BUCKETS, 2560);
    assert_true(hist_bucket_low(0) == ldexp(1, HIST_MIN_EXP));
    assert_true(hist_bucket_high(HIST_BUCKETS - 1) == ldexp(1, HIST_MAX_EXP));
    assert_int_equal(hist_bucket(1.0), (uint32_t) (-HIST_MIN_EXP) << HIST_SUB_BITS);
    for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
        double lo = hist_bucket_low(b), hi = hist_bucket_high(b);
        assert_int_equal(hist_bucket(lo), b);               /* low is inclusive */
        assert_int_equal(hist_bucket(nextafter(hi, 0)), b); /* high is exclusive */
        if (b + 1 < HIST_BUCKETS) assert_true(hist_bucket_low(b + 1) == hi);
        assert_true(hi / lo <= 1 + 1.0 / 64);
    }
}

static void test_midpoint_within_1pct(void **state)
{
    (void) state;
    gsl_rng *r = new_rng(11);
    for (int i = 0; i < 100000; i++) {
        double x = pow(10, -5 + 10 * gsl_rng_uniform(r));
        uint32_t b = hist_bucket(x);
        double lo = hist_bucket_low(b), hi = hist_bucket_high(b);
        assert_true(lo <= x && x < hi);
        double mid = sqrt(lo * hi);
        assert_true(fabs(mid - x) <= 0.01 * x);
    }
    gsl_rng_free(r);
}

static void check_quantiles(double *x, size_t n)
{
    hist *h = new_hist();
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        hist_add(h, x[i]);
        sum += x[i];
    }
    assert_int_equal(h->n, n);
    assert_true(fabs(hist_mean(h) - sum / (double) n) <= 1e-12 * (sum / (double) n));
    qsort(x, n, sizeof *x, cmp_double);
    static const double qs[] = {0, 0.001, 0.5, 0.9, 0.99, 0.999, 1};
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        double want = exact_quantile(x, n, qs[k]), got = hist_quantile(h, qs[k]);
        assert_int_equal(hist_bucket(got), hist_bucket(want));
        /* The 1% bound holds inside the resolved range; the exponential's
         * minimum of 10^6 draws falls below it, into bucket 0. */
        if (want >= ldexp(1, HIST_MIN_EXP)) assert_true(fabs(got - want) <= 0.01 * want);
    }
    assert_true(hist_quantile(h, 0) >= x[0]);
    assert_true(hist_quantile(h, 1) <= x[n - 1]);
    free(h);
}

static void test_quantiles_exponential(void **state)
{
    (void) state;
    enum { N = 1000000 };
    double *x = xmalloc(N * sizeof *x);
    gsl_rng *r = new_rng(21);
    for (size_t i = 0; i < N; i++) x[i] = gsl_ran_exponential(r, 0.1);
    check_quantiles(x, N);
    gsl_rng_free(r);
    free(x);
}

static void test_quantiles_lognormal(void **state)
{
    (void) state;
    enum { N = 1000000 };
    double *x = xmalloc(N * sizeof *x);
    gsl_rng *r = new_rng(22);
    double s2 = log(5); /* mean 0.1, cv 2 */
    for (size_t i = 0; i < N; i++) x[i] = gsl_ran_lognormal(r, log(0.1) - s2 / 2, sqrt(s2));
    check_quantiles(x, N);
    gsl_rng_free(r);
    free(x);
}

static void test_merge(void **state)
{
    (void) state;
    hist *a = new_hist(), *b = new_hist(), *all = new_hist();
    gsl_rng *r = new_rng(3);
    for (int i = 0; i < 50000; i++) {
        double fast = gsl_ran_exponential(r, 0.01), slow = 2 + gsl_ran_exponential(r, 5);
        hist_add(a, fast);
        hist_add(b, slow);
        hist_add(all, fast);
        hist_add(all, slow);
    }
    assert_true(a->hi < b->lo); /* disjoint ranges: the merge must widen [lo, hi] */
    hist_merge(a, b);
    assert_int_equal(a->n, all->n);
    assert_true(a->min == all->min && a->max == all->max);
    assert_int_equal(a->lo, all->lo);
    assert_int_equal(a->hi, all->hi);
    assert_memory_equal(a->counts, all->counts, sizeof a->counts);
    assert_true(fabs(a->sum - all->sum) <= 1e-12 * all->sum);
    static const double qs[] = {0, 0.25, 0.5, 0.75, 0.99, 1};
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++)
        assert_true(hist_quantile(a, qs[k]) == hist_quantile(all, qs[k]));

    hist *empty = new_hist();
    hist_merge(a, empty); /* a no-op */
    assert_memory_equal(a->counts, all->counts, sizeof a->counts);
    hist_merge(empty, all); /* into an empty one: a copy */
    assert_int_equal(empty->lo, all->lo);
    assert_true(hist_quantile(empty, 0.5) == hist_quantile(all, 0.5));
    gsl_rng_free(r);
    free(a);
    free(b);
    free(all);
    free(empty);
}

static void test_reset(void **state)
{
    (void) state;
    hist *h = new_hist(), *fresh = new_hist();
    gsl_rng *r = new_rng(4);
    for (int i = 0; i < 1000; i++) hist_add(h, gsl_ran_exponential(r, 1));
    hist_add(h, 1e-9); /* the end buckets are touched too */
    hist_add(h, 1e9);
    hist_reset(h);
    assert_int_equal(h->n, 0);
    assert_true(isnan(hist_quantile(h, 0.5)));
    assert_true(isnan(hist_mean(h)));
    assert_memory_equal(h, fresh, sizeof *h); /* every count zero, as after init */
    hist_add(h, 0.5);
    hist_add(fresh, 0.5);
    assert_memory_equal(h, fresh, sizeof *h);
    hist_reset(fresh);
    hist_reset(fresh); /* resetting an empty histogram is harmless */
    assert_int_equal(fresh->n, 0);
    gsl_rng_free(r);
    free(h);
    free(fresh);
}

static void test_empty(void **state)
{
    (void) state;
    hist *h = new_hist();
    assert_true(isnan(hist_quantile(h, 0)));
    assert_true(isnan(hist_quantile(h, 0.99)));
    assert_true(isnan(hist_mean(h)));
    free(h);
}

static void test_clamping(void **state)
{
    (void) state;
    assert_int_equal(hist_bucket(0.0), 0);
    assert_int_equal(hist_bucket(-0.0), 0);
    assert_int_equal(hist_bucket(4.9e-324), 0); /* subnormal */
    assert_int_equal(hist_bucket(ldexp(1, HIST_MIN_EXP) * 0.999), 0);
    assert_int_equal(hist_bucket(ldexp(1, HIST_MAX_EXP)), HIST_BUCKETS - 1);
    assert_int_equal(hist_bucket(1e300), HIST_BUCKETS - 1);
    assert_int_equal(hist_bucket(INFINITY), HIST_BUCKETS - 1);

    hist *h = new_hist();
    /* One value: every quantile is that value, not its bucket's midpoint. */
    hist_add(h, 0.0123);
    assert_true(hist_quantile(h, 0) == 0.0123);
    assert_true(hist_quantile(h, 0.5) == 0.0123);
    assert_true(hist_quantile(h, 1) == 0.0123);
    assert_true(hist_mean(h) == 0.0123);

    /* Below the range: bucket 0's midpoint is far above, clamp to max. */
    hist_reset(h);
    hist_add(h, 0);
    hist_add(h, 1e-9);
    hist_add(h, 2e-9);
    assert_int_equal(h->lo, 0);
    assert_int_equal(h->hi, 0);
    assert_true(hist_quantile(h, 0.5) == 2e-9);
    assert_true(h->min == 0 && h->max == 2e-9);

    /* Above the range: the top bucket's midpoint is below, clamp to min. */
    hist_reset(h);
    hist_add(h, 1e7);
    hist_add(h, 3e7);
    assert_true(hist_quantile(h, 0.5) == 1e7);
    assert_true(hist_quantile(h, 1) == 1e7);
    assert_true(hist_mean(h) == 2e7);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_midpoint_within_1pct),
        cmocka_unit_test(test_quantiles_exponential),
        cmocka_unit_test(test_quantiles_lognormal),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_clamping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_rng.c -- named streams: pinned values, reproducibility, independence
 * of streams, stability when streams are added, replication seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/rng.h"
#include "sim/engine/xmalloc.h"

/* The first values of "arrivals:web" under run seed 1. They pin the hash, the
 * fold to 32 bits and the generator type together: if any changes, every
 * golden fingerprint changes too, and this test says why. */
static void test_pinned_values(void **state)
{
    (void) state;
    static const unsigned long want[5] = {4109495295UL, 2093270874UL, 3226416996UL, 2617344862UL,
                                          531646805UL};
    assert_int_equal(rng_stream_seed(1, "arrivals:web"), 0xf13b0b840cebccbdULL);
    rng_set *rs = rng_set_new(1);
    gsl_rng *r = rng_stream(rs, "arrivals:web");
    assert_string_equal(gsl_rng_name(r), "taus2");
    for (int i = 0; i < 5; i++) assert_int_equal(gsl_rng_get(r), want[i]);
    rng_set_free(rs);
}

static void test_same_name_same_sequence(void **state)
{
    (void) state;
    rng_set *a = rng_set_new(42), *b = rng_set_new(42);
    gsl_rng *ra = rng_stream(a, "demand:web"), *rb = rng_stream(b, "demand:web");
    assert_ptr_equal(rng_stream(a, "demand:web"), ra); /* created once, then found */
    for (int i = 0; i < 1000; i++) assert_int_equal(gsl_rng_get(ra), gsl_rng_get(rb));
    rng_set_free(a);
    rng_set_free(b);
}

static double correlation(gsl_rng *x, gsl_rng *y, int n)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(x), v = gsl_rng_uniform(y);
        sx += u;
        sy += v;
        sxx += u * u;
        syy += v * v;
        sxy += u * v;
    }
    double cxy = sxy - sx * sy / n, cxx = sxx - sx * sx / n, cyy = syy - sy * sy / n;
    return cxy / sqrt(cxx * cyy);
}

/* Near-identical names and neighbouring run seeds are the cases a weak hash
 * gets wrong. The bound is about 3 standard errors of r for 100k pairs. */
static void test_streams_independent(void **state)
{
    (void) state;
    static const struct {
        uint64_t seed_a;
        const char *a;
        uint64_t seed_b;
        const char *b;
    } pairs[] = {
        {1, "arrivals:web", 1, "demand:web"},
        {1, "s0", 1, "s1"},
        {1, "arrivals:web", 2, "arrivals:web"},
        {0, "a", 0, "b"},
    };
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        rng_set *ra = rng_set_new(pairs[k].seed_a), *rb = rng_set_new(pairs[k].seed_b);
        gsl_rng *x = rng_stream(ra, pairs[k].a), *y = rng_stream(rb, pairs[k].b);
        unsigned long x0 = gsl_rng_get(x), y0 = gsl_rng_get(y);
        assert_int_not_equal(x0, y0);
        double r = correlation(x, y, 100000);
        assert_true(fabs(r) < 0.01);
        rng_set_free(ra);
        rng_set_free(rb);
    }
}

/* A stream's values depend only on (run seed, name), not on which other
 * streams exist or how their draws interleave with its own. */
static void test_new_stream_does_not_shift(void **state)
{
    (void) state;
    rng_set *alone = rng_set_new(7);
    gsl_rng *r = rng_stream(alone, "arrivals:web");
    unsigned long want[20];
    for (int i = 0; i < 20; i++) want[i] = gsl_rng_get(r);

    rng_set *crowd = rng_set_new(7);
    gsl_rng *boot = rng_stream(crowd, "boot");
    for (int i = 0; i < 5; i++) gsl_rng_get(boot);
    for (int k = 0; k < 12; k++) {
        char name[32];
        snprintf(name, sizeof name, "extra%d", k); /* more than the initial capacity */
        gsl_rng_get(rng_stream(crowd, name));
    }
    gsl_rng *same = rng_stream(crowd, "arrivals:web");
    for (int i = 0; i < 20; i++) {
        assert_int_equal(gsl_rng_get(same), want[i]);
        gsl_rng_get(boot);
    }
    assert_ptr_equal(rng_stream(crowd, "boot"), boot);
    rng_set_free(alone);
    rng_set_free(crowd);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return (x > y) - (x < y);
}

static void test_replication_seeds(void **state)
{
    (void) state;
    assert_int_equal(rng_replication_seed(1, 0), 1);
    assert_int_equal(rng_replication_seed(123456789, 0), 123456789);

    /* Replications 0..999 of seeds 1 and 2: 2000 seeds, all distinct. */
    enum { N = 1000 };
    uint64_t *s = xmalloc(2 * N * sizeof *s);
    for (unsigned i = 0; i < N; i++) {
        s[i] = rng_replication_seed(1, i);
        s[N + i] = rng_replication_seed(2, i);
    }
    qsort(s, 2 * N, sizeof *s, cmp_u64);
    for (size_t i = 1; i < 2 * N; i++) assert_true(s[i] != s[i - 1]);
    free(s);

    /* A replication's streams differ from the base run's. */
    rng_set *base = rng_set_new(1), *rep = rng_set_new(rng_replication_seed(1, 1));
    assert_int_not_equal(gsl_rng_get(rng_stream(base, "arrivals:web")),
                         gsl_rng_get(rng_stream(rep, "arrivals:web")));
    rng_set_free(base);
    rng_set_free(rep);
}

static void test_stream_seed_spreads(void **state)
{
    (void) state;
    assert_true(rng_stream_seed(1, "a") != rng_stream_seed(1, "b"));
    assert_true(rng_stream_seed(1, "a") != rng_stream_seed(2, "a"));
    assert_true(rng_stream_seed(0, "") != 0);
    rng_set_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_values),
        cmocka_unit_test(test_same_name_same_sequence),
        cmocka_unit_test(test_streams_independent),
        cmocka_unit_test(test_new_stream_does_not_shift),
        cmocka_unit_test(test_replication_seeds),
        cmocka_unit_test(test_stream_seed_spreads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

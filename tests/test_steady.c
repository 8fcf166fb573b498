/* test_steady.c -- steady-state output analysis: the time-batched record,
 * MSER and MSER-5, batch-means and overlapping-batch-means intervals
 * (ratio and quantile), and, end to end, warm-up detection on a known
 * initial transient, the coverage of one run's interval, and precision
 * stopping. Statistical tests use pinned seeds and are deterministic: if
 * one fails, find the bias; never change the seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/steady.h"
#include "sim/run.h"
#include "support/testutil.h"

/* ---- MSER ---- */

/* The MSER statistic straight from its definition, and the rule: the least
 * d within 20% of the minimum. */
static int mser_reference(const double *z, int n)
{
    double v[64], best = INFINITY;
    for (int d = 0; d <= n / 2; d++) {
        double m = 0, ss = 0;
        for (int i = d; i < n; i++) m += z[i] / (n - d);
        for (int i = d; i < n; i++) ss += (z[i] - m) * (z[i] - m);
        v[d] = ss / ((double) (n - d) * (n - d));
        if (v[d] < best) best = v[d];
    }
    int d = 0;
    while (v[d] > 1.2 * best) d++;
    return d;
}

/* By hand: two high values, then a constant level: the statistic is 0 from
 * d = 2 on (nothing left varies), and the least such d is the cut. At
 * d = 0 it is sum (z - 2.25)^2 / 144 = (60.0625 + 14.0625 + 10 * 1.5625) /
 * 144 = 0.623. On noisy series the cut agrees with the definition computed
 * directly. */
static void test_mser_hand(void **state)
{
    (void) state;
    const double z[] = {10, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    int late = -1;
    assert_int_equal(steady_mser(z, NULL, 12, &late), 2);
    assert_int_equal(late, 0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 9);
    for (int e = 0; e < 200; e++) {
        double x[40];
        int n = 10 + (int) gsl_rng_uniform_int(r, 31), k = (int) gsl_rng_uniform_int(r, 8);
        for (int i = 0; i < n; i++) x[i] = (i < k ? 3.0 * (k - i) : 0) + gsl_ran_gaussian(r, 1);
        assert_int_equal(steady_mser(x, NULL, n, NULL), mser_reference(x, n));
    }
    gsl_rng_free(r);
    /* too short to tell: no cut, and flagged */
    assert_int_equal(steady_mser(z, NULL, 9, &late), 0);
    assert_int_equal(late, 1);
    /* weights: a weight-0 entry (an empty batch) is skipped, NaN too */
    const double zn[] = {10, NAN, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const double wn[] = {1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
    assert_int_equal(steady_mser(zn, wn, 14, &late), 3); /* the index in zn of the first 1 */
}

/* MSER-5 on raw observations: 40 observations at 10 then 200 of a level
 * with noise: means of five, then MSER: the cut is the 40. */
static void test_mser5_raw(void **state)
{
    (void) state;
    double x[240];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 7);
    for (int i = 0; i < 240; i++) x[i] = (i < 40 ? 10 : 1) + 0.1 * gsl_ran_gaussian(r, 1);
    int late;
    assert_int_equal(steady_mser5(x, 240, &late), 40);
    assert_int_equal(late, 0);
    gsl_rng_free(r);
}

/* A series that never settles (a linear drift) has its minimum at the end
 * of the search range: late. */
static void test_mser_late(void **state)
{
    (void) state;
    double z[100];
    for (int i = 0; i < 100; i++) z[i] = 100.0 - i;
    int late;
    steady_mser(z, NULL, 100, &late);
    assert_int_equal(late, 1);
}

/* ---- intervals ---- */

/* y = 2x in every unit: the ratio is exact, the interval has width 0. */
static void test_ratio_exact(void **state)
{
    (void) state;
    double y[40], x[40];
    for (int i = 0; i < 40; i++) {
        x[i] = 1 + i % 7;
        y[i] = 2 * x[i];
    }
    steady_ci c = steady_ratio_ci(y, x, 40, STEADY_BATCH_MEANS, 20, 0.95);
    assert_true(fabs(c.mean - 2) < 1e-15);
    assert_true(c.half < 1e-12);
    assert_int_equal(c.batches, 20);
    c = steady_ratio_ci(y, x, 40, STEADY_OVERLAPPING_BATCH_MEANS, 20, 0.95);
    assert_true(c.half < 1e-12);
    /* too few units for 5 batches: no interval, but a mean */
    c = steady_ratio_ci(y, x, 4, STEADY_BATCH_MEANS, 20, 0.95);
    assert_true(isnan(c.half) && fabs(c.mean - 2) < 1e-15);
}

/* Batch means by hand: 5 units, 5 batches, x = 1: the classical t interval
 * of five values, mean 3, s = sqrt(2.5), half = t(0.975, 4) s / sqrt(5) =
 * 2.776445105 * 0.7071067812 = 1.963243. */
static void test_bm_hand(void **state)
{
    (void) state;
    const double y[] = {1, 2, 3, 4, 5}, x[] = {1, 1, 1, 1, 1};
    steady_ci c = steady_ratio_ci(y, x, 5, STEADY_BATCH_MEANS, 20, 0.95);
    assert_true(fabs(c.mean - 3) < 1e-15);
    assert_true(fabs(c.half - 2.7764451051977987 * sqrt(2.5) / sqrt(5)) < 1e-12);
    assert_true(fabs(c.df - 4) < 1e-15);
}

/* Overlapping batch means against its definition computed directly
 * (Meketon & Schmeiser 1984): sigma^2 = n m / ((n-m+1)(n-m)) sum_i
 * (Ybar_i(m) - Ybar)^2 and var(mean) = sigma^2 / n, for x = 1. */
static void test_obm_definition(void **state)
{
    (void) state;
    enum { N = 60, K = 10, M = N / K };
    double y[N], x[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 3);
    double mean = 0;
    for (int i = 0; i < N; i++) {
        x[i] = 1;
        y[i] = gsl_ran_exponential(r, 2.0);
        mean += y[i] / N;
    }
    double ss = 0;
    for (int i = 0; i + M <= N; i++) {
        double b = 0;
        for (int j = i; j < i + M; j++) b += y[j] / M;
        ss += (b - mean) * (b - mean);
    }
    double sigma2 = (double) N * M / ((double) (N - M + 1) * (N - M)) * ss;
    double df = 1.5 * ((double) N / M - 1);
    double want = gsl_cdf_tdist_Pinv(0.975, df) * sqrt(sigma2 / N);
    steady_ci c = steady_ratio_ci(y, x, N, STEADY_OVERLAPPING_BATCH_MEANS, K, 0.95);
    assert_true(fabs(c.mean - mean) < 1e-12);
    assert_true(fabs(c.half - want) < 1e-12 * want);
    assert_true(fabs(c.df - df) < 1e-12);
    gsl_rng_free(r);
}

/* On independent units the 95% intervals hold the true ratio about 95% of
 * the time: 2000 experiments of 100 units (a random count per unit, sums
 * of normals with mean 5 per observation). Binomial sd 0.005: [0.93, 0.97]. */
static void test_iid_coverage(void **state)
{
    (void) state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 11);
    int hit_bm = 0, hit_obm = 0, n = 2000;
    for (int e = 0; e < n; e++) {
        double y[100], x[100];
        for (int u = 0; u < 100; u++) {
            x[u] = (double) (1 + gsl_ran_poisson(r, 20));
            y[u] = 5 * x[u] + gsl_ran_gaussian(r, sqrt(x[u]) * 3);
        }
        steady_ci a = steady_ratio_ci(y, x, 100, STEADY_BATCH_MEANS, 20, 0.95);
        steady_ci b = steady_ratio_ci(y, x, 100, STEADY_OVERLAPPING_BATCH_MEANS, 20, 0.95);
        hit_bm += fabs(a.mean - 5) <= a.half;
        hit_obm += fabs(b.mean - 5) <= b.half;
    }
    printf("  iid coverage: batch means %.3f, overlapping %.3f\n", (double) hit_bm / n,
           (double) hit_obm / n);
    assert_true(hit_bm >= 0.93 * n && hit_bm <= 0.97 * n);
    assert_true(hit_obm >= 0.93 * n && hit_obm <= 0.97 * n);
    gsl_rng_free(r);
}

/* ---- the record ---- */

/* Observations spread over 1000 s into units of 1 s: the record widens to
 * 8 s units (1000/8 = 125 <= 128) and loses nothing; each unit holds what
 * fell in its span. */
static void test_widen(void **state)
{
    (void) state;
    steady_set s;
    steady_init(&s, 0, 1.0);
    uint32_t ra = steady_add_ratio(&s), hb = steady_add_hist(&s);
    double total = 0;
    for (int i = 0; i < 10000; i++) {
        double t = i * 0.1, v = 0.5 + (i % 13) * 0.25;
        steady_ratio_add(&s, ra, t, v, 1);
        steady_hist_add(&s, hb, t, v, hist_bucket(v));
        total += v;
    }
    assert_true(fabs(s.w - 8.0) < 1e-15);
    assert_int_equal(s.used, 125);
    double num[STEADY_UNITS], den[STEADY_UNITS], sn = 0, sd = 0;
    steady_ratio_units(&s, &ra, 1, num, den);
    for (uint32_t u = 0; u < s.used; u++) {
        sn += num[u];
        sd += den[u];
        assert_true(den[u] == 80); /* 8 s of 0.1 s steps */
    }
    assert_true(fabs(sn - total) < 1e-9 * total);
    assert_true(sd == 10000);
    steady_bh h[STEADY_UNITS];
    assert_int_equal(steady_hist_units(&s, &hb, 1, h), 1); /* in place */
    uint64_t n = 0;
    for (uint32_t u = 0; u < s.used; u++) n += h[u].n;
    assert_true(n == 10000);
    assert_true(fabs(steady_bh_quantile(&h[0], 1.0) - h[0].max) == 0);
    uint32_t two[2] = {hb, hb};
    assert_int_equal(steady_hist_units(&s, two, 2, h), 0); /* merged copies */
    n = 0;
    for (uint32_t u = 0; u < s.used; u++) n += h[u].n;
    assert_true(n == 20000);
    steady_bh_free(h, (int) s.used);
    /* before t0: counted, not batched */
    steady_set s2;
    steady_init(&s2, 100, 1.0);
    uint32_t r2 = steady_add_ratio(&s2), h2 = steady_add_hist(&s2);
    steady_ratio_add(&s2, r2, 50, 1, 3);
    steady_hist_add(&s2, h2, 50, 1, hist_bucket(1));
    assert_true(s2.early_den[r2] == 3 && s2.early_n[h2] == 1 && s2.used == 0);
    steady_fini(&s2);
    steady_fini(&s);
}

/* Quantile intervals on independent exponential observations (rate 1):
 * the p99's interval holds ln 100 in about 95% of 400 experiments of
 * 20,000 observations in 100 units. The histogram's buckets (within 0.8%)
 * blur the bounds a little: [0.90, 0.99]. */
static void test_quantile_coverage(void **state)
{
    (void) state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 5);
    int hit = 0, n = 400;
    double truth = log(100.0);
    hist *merged = malloc(sizeof *merged);
    for (int e = 0; e < n; e++) {
        steady_set s;
        steady_init(&s, 0, 1.0);
        uint32_t id = steady_add_hist(&s);
        for (int i = 0; i < 20000; i++) {
            double v = gsl_ran_exponential(r, 1.0);
            steady_hist_add(&s, id, i * 0.005, v, hist_bucket(v));
        }
        steady_bh h[STEADY_UNITS];
        steady_hist_units(&s, &id, 1, h);
        steady_ci c =
            steady_quantile_ci(h, (int) s.used, merged, 0.99, STEADY_BATCH_MEANS, 20, 0.95);
        hit += c.low <= truth && truth <= c.high;
        steady_fini(&s);
    }
    printf("  p99 interval coverage on iid exponentials: %.3f\n", (double) hit / n);
    assert_true(hit >= 0.90 * n && hit <= 0.99 * n);
    free(merged);
    gsl_rng_free(r);
}

/* ---- end to end ---- */

/* One single-worker task, Poisson arrivals, exponential demand: M/M/1. */
static char *mm1_demand(double lambda, double mean_s, double duration_s, double interval_s,
                        int initial, int qlimit)
{
    char *y = NULL;
    char q[32];
    if (qlimit < 0)
        snprintf(q, sizeof q, "unlimited");
    else
        snprintf(q, sizeof q, "%d", qlimit);
    if (asprintf(&y,
                 "run: {duration_s: %g, sample_interval_s: %g}\n"
                 "host_groups: {h: {instance_type: m5.large, count: 1}}\n"
                 "task_definitions: {t: {cpu: 1024, memory_mib: 256, workers: 1, queue_limit: "
                 "%s}}\n"
                 "services: {s: {task_definition: t, desired_count: 1, load_balancer: lb}}\n"
                 "load_balancers: {lb: {idle_timeout_s: 4000, health_check: {enabled: false}}}\n"
                 "workloads: {w: {target: lb, rate_per_s: %g, initial_requests: %d,\n"
                 "                demand: {distribution: exponential, mean_s: %g}}}\n",
                 duration_s, interval_s, q, lambda, initial, mean_s) < 0)
        abort();
    return y;
}

static char *mm1(double lambda, double duration_s, double interval_s, int initial, int qlimit)
{
    return mm1_demand(lambda, 1.0, duration_s, interval_s, initial, qlimit);
}

/* A text cell of a one-row summary (no quoting in the cells read here). */
static char *text_cell(const char *summary, const char *name)
{
    const char *h = summary, *v = strchr(summary, '\n') + 1;
    size_t len = strlen(name);
    while (*h && *h != '\n') {
        size_t hl = strcspn(h, ",\n"), vl = strcspn(v, ",\n");
        if (hl == len && strncmp(h, name, len) == 0) return strndup(v, vl);
        h += hl + (h[hl] == ',');
        v += vl + 1;
    }
    return NULL;
}

/* MSER on a known initial transient: 500 requests queued at t=0 in an M/M/1
 * at rho = 0.8 (mu = 1) drain at mu - lambda = 0.2/s, in 2500 s. The cut-off
 * mean_s's MSER finds (batches of 240 s in a 25,000 s run) is within +-25%
 * of 2500 s for each of ten pinned seeds. Without the backlog the same
 * runs are mostly not cut (an empty queue fills within minutes at this
 * load, inside the first batch): MSER also cuts random excursions of a
 * stationary run now and then (about 5% of runs, measured over 200 M/M/1
 * runs: README), so at most two of the ten. */
static void test_mser_drain(void **state)
{
    (void) state;
    char *y = mm1(0.8, 25000, 60, 500, -1);
    char *y0 = mm1(0.8, 25000, 60, 0, -1);
    int cut0 = 0;
    for (unsigned long long seed = 1; seed <= 10; seed++) {
        char *s = tu_run_text(y, NULL, 0, seed, NULL, NULL);
        assert_non_null(s);
        double cut = tu_column(s, "mean_s_warmup_s"), cut99 = tu_column(s, "p99_s_warmup_s");
        double cpu = tu_column(s, "cpu_util_pct_warmup_s");
        printf("  seed %llu: mean_s cut at %.0f s (p99_s %.0f, cpu %.0f); drain 2500 s\n", seed,
               cut, cut99, cpu);
        assert_true(cut >= 0.75 * 2500 && cut <= 1.25 * 2500);
        assert_true(tu_column(s, "mean_s_discarded") > 500);
        free(s);
        s = tu_run_text(y0, NULL, 0, seed, NULL, NULL);
        assert_non_null(s);
        cut0 += tu_column(s, "mean_s_warmup_s") > 240;
        free(s);
    }
    printf("  without the backlog: %d of 10 runs cut beyond the first batch\n", cut0);
    assert_true(cut0 <= 2);
    free(y);
    free(y0);
}

/* Coverage of one run's interval (make test-long): 200 independent M/M/1
 * runs at rho = 0.8 (mu = 1, true mean response 1/(mu - lambda) = 5 s), each
 * 10^6 s (800,000 requests) with MSER and 20 batch means: the 95% interval
 * of mean_s holds 5 in a fraction within [0.91, 0.985]. Why batches of this
 * run are valid: 20 batches of 50,000 s hold about 40,000 requests each,
 * while the response time's integrated autocorrelation in M/M/1 at 0.8 is
 * some 80 requests (asymptotic variance rho(2 + 5 rho - 4 rho^2 + rho^3) /
 * (mu^2 (1 - rho)^4) = 1976 s^2 over a variance of 25 s^2), so adjacent
 * batch means correlate at about 0.2% and each is a mean of some 500
 * effectively independent values: nearly normal and independent. In make
 * test 20 runs of 2 x 10^5 s check the plumbing and that coverage is not
 * absurd. */
static void test_mm1_coverage(void **state)
{
    (void) state;
    int n = tu_long() ? 200 : 20, covered = 0;
    char *y = tu_long() ? mm1(0.8, 1e6, 500, 0, -1) : mm1(0.8, 2e5, 100, 0, -1);
    for (int e = 1; e <= n; e++) {
        char *s = tu_run_text(y, NULL, 0, (unsigned long long) e, NULL, NULL);
        assert_non_null(s);
        double lo = tu_column(s, "mean_s_ci_low"), hi = tu_column(s, "mean_s_ci_high");
        covered += lo <= 5.0 && 5.0 <= hi;
        free(s);
    }
    double frac = (double) covered / n;
    printf("  one-run batch-means coverage: %d of %d intervals hold 5 s (%.3f)\n", covered, n,
           frac);
    if (n == 200)
        assert_true(frac >= 0.91 && frac <= 0.985);
    else
        assert_true(frac >= 0.75); /* 20 runs: P(fewer than 15 covered) = 0.0003 at 0.95 */
    free(y);
}

/* --precision mean_s=5% ends an M/M/1 run (rho 0.8) once the interval's
 * relative half-width is under 5%: well before run.duration_s, with
 * summary.csv saying so and the interval as asked. */
static void test_precision_stops(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *y = mm1(0.8, 1e6, 100, 0, -1);
    char *scen = tu_write_file(dir, "q.yaml", y);
    char *out = NULL;
    if (asprintf(&out, "%s/out", dir) < 0) abort();
    tu_cli c =
        tu_run_cli((const char *[]){"run", scen, "--precision", "mean_s=5%", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "precision mean_s"));
    assert_non_null(strstr(c.out, "stopped by precision"));
    tu_cli_free(&c);
    char *sp = NULL;
    if (asprintf(&sp, "%s/summary.csv", out) < 0) abort();
    char *s = tu_read_file(sp, NULL);
    char *by = text_cell(s, "stopped_by");
    assert_string_equal(by, "precision");
    double m = tu_column(s, "mean_s"), lo = tu_column(s, "mean_s_ci_low"),
           hi = tu_column(s, "mean_s_ci_high"), end = tu_column(s, "sim_end_s");
    double rel = (hi - lo) / 2 / m;
    printf("  stopped at %.0f s: mean_s %.4f [%.4f, %.4f], relative half-width %.4f\n", end, m, lo,
           hi, rel);
    assert_true(rel <= 0.05);
    assert_true(rel > 0.04); /* it stopped when met, not long after */
    assert_true(end < 5e5);
    assert_true(tu_column(s, "mean_s_converged") == 1);
    assert_true(tu_column(s, "reproducible") == 1);
    free(by);
    free(s);
    free(sp);
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(y);
    free(dir);
}

/* The null test: an error rate that stays near zero cannot keep a run
 * alive. A fast M/M/1/32 (mu = 100/s, rho = 0.8) refuses about 2 in
 * 10,000 requests ((1 - rho) rho^32 / (1 - rho^33)): a rate whose 5%
 * relative interval would take millions of requests. Its interval is
 * judged against slo.error_rate (0.001) while the rate is below it, so the
 * run stops on precision within a few thousand seconds. The control: with
 * slo.error_rate 0 there is no floor, the same bound is not met, and the
 * run goes to run.duration_s. */
static void test_precision_near_zero(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *y = mm1_demand(80, 0.01, 20000, 10, 0, 31);
    char *scen = tu_write_file(dir, "q.yaml", y);
    char *out = NULL, *sp = NULL;
    if (asprintf(&out, "%s/out", dir) < 0 || asprintf(&sp, "%s/out/summary.csv", dir) < 0) abort();
    tu_cli c = tu_run_cli(
        (const char *[]){"run", scen, "--precision", "error_rate=5%", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    char *s = tu_read_file(sp, NULL);
    char *by = text_cell(s, "stopped_by");
    printf("  near-zero error rate: %g, stopped by %s at %.0f s\n", tu_column(s, "error_rate"), by,
           tu_column(s, "sim_end_s"));
    assert_string_equal(by, "precision");
    assert_true(tu_column(s, "sim_end_s") < 1e4);
    free(by);
    free(s);
    c = tu_run_cli((const char *[]){"run", scen, "--precision", "error_rate=5%", "--set",
                                    "slo.error_rate=0", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    s = tu_read_file(sp, NULL);
    by = text_cell(s, "stopped_by");
    assert_string_equal(by, "scenario");
    assert_true(tu_column(s, "error_rate_converged") == 0);
    free(by);
    free(s);
    tu_rmtree(dir);
    free(sp);
    free(out);
    free(scen);
    free(y);
    free(dir);
}

/* The caps: events (arrivals end, the run drains) and wall time (the run
 * stops at once and is marked not reproducible). */
static void test_caps(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *y = mm1(0.8, 1e6, 100, 0, -1);
    char *scen = tu_write_file(dir, "q.yaml", y);
    char *out = NULL, *sp = NULL;
    if (asprintf(&out, "%s/out", dir) < 0 || asprintf(&sp, "%s/out/summary.csv", dir) < 0) abort();
    tu_cli c =
        tu_run_cli((const char *[]){"run", scen, "--max-events", "100000", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    char *s = tu_read_file(sp, NULL);
    char *by = text_cell(s, "stopped_by");
    assert_string_equal(by, "max_events");
    assert_true(tu_column(s, "events") >= 100000 && tu_column(s, "events") < 101000);
    assert_true(tu_column(s, "in_flight_end") == 0); /* drained */
    assert_true(tu_column(s, "reproducible") == 1);
    free(by);
    free(s);
    c = tu_run_cli((const char *[]){"run", scen, "--max-wall", "1e-9", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    s = tu_read_file(sp, NULL);
    by = text_cell(s, "stopped_by");
    assert_string_equal(by, "max_wall_s");
    assert_true(tu_column(s, "reproducible") == 0);
    assert_true(tu_column(s, "sim_end_s") <= 100);
    free(by);
    free(s);
    tu_rmtree(dir);
    free(sp);
    free(out);
    free(scen);
    free(y);
    free(dir);
}

/* Bad usage: a metric without an interval, a scenario without a steady
 * state, publication with replications: exit 2, nothing written. */
static void test_precision_bad(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *y = mm1(0.8, 1e4, 100, 0, -1);
    char *scen = tu_write_file(dir, "q.yaml", y);
    char *out = NULL;
    if (asprintf(&out, "%s/out", dir) < 0) abort();
    tu_cli c = tu_run_cli((const char *[]){"run", scen, "--precision", "p99=5%", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "ecsim: --precision: \"p99\" is not a metric with an interval in "
                               "one run; did you mean p99_s?\n");
    tu_cli_free(&c);
    c = tu_run_cli((const char *[]){"run", scen, "--precision", "requests=5%", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    assert_non_null(strstr(c.err, "\"requests\" is not a metric with an interval in one run"));
    tu_cli_free(&c);
    c = tu_run_cli((const char *[]){"run", scen, "--precision", "p99_s=5%", "--set",
                                    "workloads.w.arrival=diurnal", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "ecsim: --precision: the scenario has no steady state (workload w "
                               "is diurnal): one run's interval would mean nothing; use "
                               "--replications auto --precision\n");
    tu_cli_free(&c);
    c = tu_run_cli((const char *[]){"run", scen, "--precision", "publication", "--replications",
                                    "auto", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    tu_cli_free(&c);
    c = tu_run_cli((const char *[]){"run", scen, "--set", "run.warmup=none", "--set",
                                    "run.warmup_s=10", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    assert_non_null(strstr(c.err, "run.warmup: none cuts no warm-up, but run.warmup_s is 10"));
    tu_cli_free(&c);
    assert_false(tu_exists(out));
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(y);
    free(dir);
}

/* A transient scenario reports its values as they are: no interval, not
 * converged, steady_state false, nothing cut beyond run.warmup_s. */
static void test_transient(void **state)
{
    (void) state;
    char *y = mm1(0.8, 20000, 60, 0, -1);
    const char *sets[] = {"workloads.w.arrival=flash_crowd", "workloads.w.flash.peak_per_s=0.9"};
    struct run_result res;
    char *s = tu_run_text(y, sets, 2, 1, &res, NULL);
    assert_non_null(s);
    assert_true(tu_column(s, "steady_state") == 0);
    assert_true(isnan(tu_column(s, "mean_s_ci_low")));
    assert_true(tu_column(s, "mean_s_converged") == 0);
    assert_true(tu_column(s, "mean_s_warmup_s") == 0);
    assert_true(fabs(tu_column(s, "mean_s") - res.mean_s) <= 1e-8 * res.mean_s);
    char *m = text_cell(s, "ci_method");
    assert_string_equal(m, "none");
    free(m);
    free(s);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mser_hand),
        cmocka_unit_test(test_mser5_raw),
        cmocka_unit_test(test_mser_late),
        cmocka_unit_test(test_ratio_exact),
        cmocka_unit_test(test_bm_hand),
        cmocka_unit_test(test_obm_definition),
        cmocka_unit_test(test_iid_coverage),
        cmocka_unit_test(test_widen),
        cmocka_unit_test(test_quantile_coverage),
        cmocka_unit_test(test_mser_drain),
        cmocka_unit_test(test_mm1_coverage),
        cmocka_unit_test(test_precision_stops),
        cmocka_unit_test(test_precision_near_zero),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_precision_bad),
        cmocka_unit_test(test_transient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

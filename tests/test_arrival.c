/* test_arrival.c -- every arrival process held to its theory, statistically.
 * Each statistical test runs at significance 0.001 on pinned seeds and has a
 * negative control: the same test against a wrong parameter (a rate 5% off,
 * the wrong amplitude, the wrong interpolation) must reject, so a test that
 * cannot tell right from wrong fails too. Poisson: gaps exponential and
 * counts Poisson with dispersion 1. NHPPs (schedule steps and linear, diurnal
 * with weekend and noise, flash): counts per bin against arrival_expected by
 * Pearson's chi-square. MMPP: mean rate and index of dispersion against the
 * closed forms, by replications. Superposition of Poisson sources. Then the
 * integrals against numeric quadrature, edge cases and parsing. Each test
 * prints its statistics and p-values (visible in the test log). */
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
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>

#include "models/arrival.h"
#include "sim/engine/rng.h"
#include "sim/engine/xmalloc.h"

#define ALPHA 0.001 /* significance of every statistical test here */

/* Two named streams from one run seed, as a workload gets them. */
typedef struct streams {
    rng_set *rs;
    gsl_rng *arrivals, *modulation;
} streams;

static streams streams_new(uint64_t seed)
{
    streams s;
    s.rs = rng_set_new(seed);
    s.arrivals = rng_stream(s.rs, "arrivals:test");
    s.modulation = rng_stream(s.rs, "modulation:test");
    return s;
}

/* Pearson's X^2 over bins pooled left to right until each pool expects at
 * least 5 (a short last pool joins the one before). df is the number of pools
 * less `constraints` (1 when the total is fixed by construction, 0 when the
 * total is itself Poisson). Returns the p-value. */
static double chisq_p(const double *obs, const double *expv, size_t n, int constraints,
                      double *x2_out, int *df_out)
{
    double x2 = 0, o = 0, e = 0, last_o = 0, last_e = 0;
    int pools = 0;
    for (size_t i = 0; i < n; i++) {
        o += obs[i];
        e += expv[i];
        if (e >= 5) {
            if (pools > 0) x2 += (last_o - last_e) * (last_o - last_e) / last_e;
            last_o = o;
            last_e = e;
            pools++;
            o = e = 0;
        }
    }
    assert_true(pools > 0);
    last_o += o;
    last_e += e;
    x2 += (last_o - last_e) * (last_o - last_e) / last_e;
    int df = pools - constraints;
    if (x2_out) *x2_out = x2;
    if (df_out) *df_out = df;
    return gsl_cdf_chisq_Q(x2, df);
}

/* Arrivals of `spec` in nbins bins of [0, horizon), summed over `reps`
 * replications (independent seeds from `seed`). */
static double *simulate_bins(const arrival_spec *spec, uint64_t seed, int reps, double horizon,
                             size_t nbins)
{
    double *counts = xcalloc(nbins, sizeof *counts);
    double width = horizon / (double) nbins;
    for (int r = 0; r < reps; r++) {
        streams s = streams_new(rng_replication_seed(seed, (unsigned) r));
        arrival_proc *a = arrival_new(spec, s.arrivals, s.modulation);
        double t, prev = 0;
        while ((t = arrival_next(a)) < horizon) {
            assert_true(t > prev);
            prev = t;
            size_t i = (size_t) (t / width);
            if (i >= nbins) i = nbins - 1;
            counts[i] += 1;
        }
        arrival_free(a);
        rng_set_free(s.rs);
    }
    return counts;
}

/* The p-value of binned counts (reps replications) against spec's
 * arrival_expected. With `exact`, also checks that no arrival came in a bin
 * where the rate is 0 throughout (pooling would hide it). */
static double nhpp_p(const arrival_spec *spec, const double *counts, int reps, double horizon,
                     size_t nbins, int exact, double *x2, int *df)
{
    arrival_proc *a = arrival_new(spec, NULL, NULL);
    double *e = xmalloc(nbins * sizeof *e);
    double width = horizon / (double) nbins;
    for (size_t i = 0; i < nbins; i++) {
        e[i] = reps * arrival_expected(a, (double) i * width, (double) (i + 1) * width);
        if (exact && e[i] == 0) assert_true(counts[i] == 0);
    }
    double p = chisq_p(counts, e, nbins, 0, x2, df);
    free(e);
    arrival_free(a);
    return p;
}

/* Runs the NHPP check of `spec` on one simulation and, as negative controls,
 * the same counts against each of the nw wrong specs. */
static void nhpp_check(const char *name, const arrival_spec *spec, const arrival_spec *wrong,
                       const char *const *wrong_names, int nw, uint64_t seed, int reps,
                       double horizon, size_t nbins)
{
    double *counts = simulate_bins(spec, seed, reps, horizon, nbins);
    double x2, total = 0;
    int df;
    for (size_t i = 0; i < nbins; i++) total += counts[i];
    double p = nhpp_p(spec, counts, reps, horizon, nbins, 1, &x2, &df);
    print_message("%s: %.0f arrivals, X2=%.1f df=%d p=%.3g\n", name, total, x2, df, p);
    assert_true(p > ALPHA);
    for (int k = 0; k < nw; k++) {
        double pw = nhpp_p(&wrong[k], counts, reps, horizon, nbins, 0, &x2, &df);
        print_message("%s: control (%s): X2=%.1f p=%.3g\n", name, wrong_names[k], x2, pw);
        assert_true(pw < ALPHA);
    }
    free(counts);
}

/* ---- Poisson ---- */

/* Gaps binned into K equiprobable bins of Exp(rate): bin floor(K F(g)). */
static double gaps_p(const double *gaps, size_t n, double rate, double *x2)
{
    enum { K = 100 };
    double obs[K] = {0}, expv[K];
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t) (K * -expm1(-rate * gaps[i]));
        obs[b < K ? b : K - 1] += 1;
    }
    for (int k = 0; k < K; k++) expv[k] = (double) n / K;
    return chisq_p(obs, expv, K, 1, x2, NULL);
}

static void test_poisson_gaps(void **state)
{
    (void) state;
    enum { N = 200000 };
    const double rate = 7.3;
    arrival_spec spec = {.kind = ARRIVAL_POISSON, .rate_per_s = rate};
    streams s = streams_new(11);
    arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
    double *gaps = xmalloc(N * sizeof *gaps), prev = 0;
    for (int i = 0; i < N; i++) {
        double t = arrival_next(a);
        gaps[i] = t - prev;
        prev = t;
    }
    double x2, x2w;
    double p = gaps_p(gaps, N, rate, &x2), pw = gaps_p(gaps, N, rate * 1.05, &x2w);
    print_message("poisson gaps: X2=%.1f df=99 p=%.3g; control (rate +5%%): X2=%.1f p=%.3g\n", x2,
                  p, x2w, pw);
    assert_true(p > ALPHA);
    assert_true(pw < ALPHA);
    free(gaps);
    arrival_free(a);
    rng_set_free(s.rs);
}

/* Counts in M windows of 1 s: their histogram against the Poisson pmf, and
 * Fisher's dispersion statistic D = sum (n - mean)^2 / mean, which is about
 * chi-square with M - 1 df when the counts are Poisson (IDC 1). Under an IDC
 * of d, D / d is; the control claims d = 1.05. Two-sided. */
static void test_poisson_counts(void **state)
{
    (void) state;
    enum { M = 50000, K = 40 };
    const double rate = 7.3;
    arrival_spec spec = {.kind = ARRIVAL_POISSON, .rate_per_s = rate};
    streams s = streams_new(12);
    arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
    int *n = xcalloc(M, sizeof *n);
    double t;
    while ((t = arrival_next(a)) < M) n[(size_t) t]++;

    double hist[K] = {0}, pmf[K], pmf_w[K], x2, x2w;
    for (int i = 0; i < M; i++) hist[n[i] < K - 1 ? n[i] : K - 1] += 1;
    for (int k = 0; k < K - 1; k++) {
        pmf[k] = M * gsl_ran_poisson_pdf((unsigned) k, rate);
        pmf_w[k] = M * gsl_ran_poisson_pdf((unsigned) k, rate * 1.05);
    }
    pmf[K - 1] = M * gsl_cdf_poisson_Q(K - 2, rate);
    pmf_w[K - 1] = M * gsl_cdf_poisson_Q(K - 2, rate * 1.05);
    double p = chisq_p(hist, pmf, K, 1, &x2, NULL), pw = chisq_p(hist, pmf_w, K, 1, &x2w, NULL);
    print_message("poisson counts: X2=%.1f p=%.3g; control (rate +5%%): X2=%.1f p=%.3g\n", x2, p,
                  x2w, pw);
    assert_true(p > ALPHA);
    assert_true(pw < ALPHA);

    double mean = 0, d = 0;
    for (int i = 0; i < M; i++) mean += n[i];
    mean /= M;
    for (int i = 0; i < M; i++) d += (n[i] - mean) * (n[i] - mean);
    d /= mean;
    double pd = 2 * fmin(gsl_cdf_chisq_P(d, M - 1), gsl_cdf_chisq_Q(d, M - 1));
    double dw = d / 1.05;
    double pdw = 2 * fmin(gsl_cdf_chisq_P(dw, M - 1), gsl_cdf_chisq_Q(dw, M - 1));
    print_message("poisson dispersion: IDC=%.4f p=%.3g; control (IDC 1.05): p=%.3g\n", d / (M - 1),
                  pd, pdw);
    assert_true(pd > ALPHA);
    assert_true(pdw < ALPHA);
    free(n);
    arrival_free(a);
    rng_set_free(s.rs);
}

/* Two Poisson sources merged as an event queue merges them (ecsim's
 * workloads sharing a load balancer) are one Poisson source of the summed
 * rate: the merged gaps are Exp(3 + 4.5). */
static void test_superposition(void **state)
{
    (void) state;
    enum { N = 200000 };
    arrival_spec sa = {.kind = ARRIVAL_POISSON, .rate_per_s = 3.0};
    arrival_spec sb = {.kind = ARRIVAL_POISSON, .rate_per_s = 4.5};
    rng_set *rs = rng_set_new(13);
    arrival_proc *a = arrival_new(&sa, rng_stream(rs, "arrivals:a"), NULL);
    arrival_proc *b = arrival_new(&sb, rng_stream(rs, "arrivals:b"), NULL);
    double na = arrival_next(a), nb = arrival_next(b), prev = 0;
    double *gaps = xmalloc(N * sizeof *gaps);
    for (int i = 0; i < N; i++) {
        double t;
        if (na < nb) {
            t = na;
            na = arrival_next(a);
        } else {
            t = nb;
            nb = arrival_next(b);
        }
        gaps[i] = t - prev;
        prev = t;
    }
    double x2, x2w;
    double p = gaps_p(gaps, N, 7.5, &x2), pw = gaps_p(gaps, N, 7.5 * 1.05, &x2w);
    print_message("superposition gaps: X2=%.1f p=%.3g; control (rate +5%%): X2=%.1f p=%.3g\n", x2,
                  p, x2w, pw);
    assert_true(p > ALPHA);
    assert_true(pw < ALPHA);
    free(gaps);
    arrival_free(a);
    arrival_free(b);
    rng_set_free(rs);
}

/* ---- non-homogeneous Poisson ---- */

/* Steps with a silent segment, repeated hourly for 10 hours. */
static void test_schedule_steps(void **state)
{
    (void) state;
    double t[] = {0, 600, 1500, 1800}, r[] = {5, 20, 0, 12}, rw[4];
    for (int i = 0; i < 4; i++) rw[i] = r[i] * 1.05;
    arrival_spec spec = {.kind = ARRIVAL_SCHEDULE,
                         .sched_t_s = t,
                         .sched_rate = r,
                         .sched_n = 4,
                         .sched_repeat_s = 3600};
    arrival_spec wrong = spec;
    wrong.sched_rate = rw;
    static const char *const names[] = {"rates +5%"};
    nhpp_check("schedule steps", &spec, &wrong, names, 1, 21, 1, 36000, 600);
}

/* Linear through a jump (two points at t = 2400), then the last rate held. */
static void test_schedule_linear(void **state)
{
    (void) state;
    double t[] = {0, 1200, 2400, 2400, 3000}, r[] = {0, 40, 10, 30, 25};
    arrival_spec spec = {
        .kind = ARRIVAL_SCHEDULE, .sched_t_s = t, .sched_rate = r, .sched_n = 5, .sched_linear = 1};
    arrival_spec wrong = spec;
    wrong.sched_linear = 0;
    static const char *const names[] = {"read as steps"};
    nhpp_check("schedule linear", &spec, &wrong, names, 1, 22, 2, 6000, 300);
}

/* A linear ramp repeated every 600 s, closing back to the first rate. */
static void test_schedule_linear_repeat(void **state)
{
    (void) state;
    double t[] = {0, 300}, r[] = {2, 20}, rw[] = {2.1, 21};
    arrival_spec spec = {.kind = ARRIVAL_SCHEDULE,
                         .sched_t_s = t,
                         .sched_rate = r,
                         .sched_n = 2,
                         .sched_linear = 1,
                         .sched_repeat_s = 600};
    arrival_spec wrong = spec;
    wrong.sched_rate = rw;
    static const char *const names[] = {"rates +5%"};
    nhpp_check("schedule linear repeat", &spec, &wrong, names, 1, 23, 1, 12000, 400);
}

/* One-second steps, most candidates crossing a boundary: the restart at each
 * boundary is what is tested. Counts are folded by segment over K periods
 * and held to K times each segment's integral; the control expects the
 * rates one segment late (an off-by-one in the cursor). */
static void test_schedule_short_segments(void **state)
{
    (void) state;
    enum { S = 100, K = 5000 };
    double t[S], r[S], rw[S], obs[S] = {0}, e[S], ew[S], x2, x2w;
    for (int i = 0; i < S; i++) {
        t[i] = i;
        r[i] = i % 5 == 0 ? 0 : 0.2 + (i * 37 % 11) * 0.3;
    }
    for (int i = 0; i < S; i++) rw[i] = r[(i + S - 1) % S];
    arrival_spec spec = {.kind = ARRIVAL_SCHEDULE,
                         .sched_t_s = t,
                         .sched_rate = r,
                         .sched_n = S,
                         .sched_repeat_s = S};
    arrival_spec wrong = spec;
    wrong.sched_rate = rw;
    streams s = streams_new(28);
    arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
    arrival_proc *aw = arrival_new(&wrong, NULL, NULL);
    double x;
    while ((x = arrival_next(a)) < (double) S * K) obs[(size_t) x % S] += 1;
    for (int i = 0; i < S; i++) {
        e[i] = K * arrival_expected(a, i, i + 1);
        ew[i] = K * arrival_expected(aw, i, i + 1);
        if (e[i] == 0) assert_true(obs[i] == 0);
    }
    double p = chisq_p(obs, e, S, 0, &x2, NULL), pw = chisq_p(obs, ew, S, 0, &x2w, NULL);
    print_message("schedule 1 s steps: X2=%.1f p=%.3g; control (one segment late): X2=%.1f "
                  "p=%.3g\n",
                  x2, p, x2w, pw);
    assert_true(p > ALPHA);
    assert_true(pw < ALPHA);
    arrival_free(a);
    arrival_free(aw);
    rng_set_free(s.rs);
}

static arrival_spec diurnal_spec(void)
{
    /* t = 0 is Friday 07:15, so two weeks cross four weekends' edges. */
    return (arrival_spec){.kind = ARRIVAL_DIURNAL,
                          .rate_per_s = 1.0,
                          .amplitude = 0.6,
                          .peak_hour = 14.5,
                          .weekend_factor = 0.4,
                          .week_offset_s = 4 * 86400 + 7.25 * 3600};
}

static void test_diurnal(void **state)
{
    (void) state;
    arrival_spec spec = diurnal_spec(), wrong[3] = {spec, spec, spec};
    wrong[0].amplitude = 0.55;
    wrong[1].weekend_factor = 0.42;
    wrong[2].peak_hour = 15;
    static const char *const names[] = {"amplitude 0.55", "weekend factor 0.42", "peak 15:00"};
    nhpp_check("diurnal", &spec, wrong, names, 3, 24, 1, 14 * 86400.0, 672);
}

/* With noise the counts are a Cox process: per noise period of length P
 * (47 s, so clock hours, which start at an odd offset, cut periods),
 * N ~ Poisson(m P L) with L lognormal, mean 1, cv c, so E N = m P and
 * Var N = m P + (m P c)^2. The estimate c^2 = (s^2 - mean) / mean^2 is taken
 * in 20 batches of periods (independent: L is redrawn each period) and its
 * 99.9% Student-t interval must hold 0.3^2 and not 0.35^2. The mean count is
 * held to m P the same way. */
static void test_diurnal_noise(void **state)
{
    (void) state;
    enum { B = 20, PER = 500 };
    const double m = 2.0, period = 47, cv = 0.3;
    arrival_spec spec = {.kind = ARRIVAL_DIURNAL,
                         .rate_per_s = m,
                         .weekend_factor = 1,
                         .week_offset_s = 1234.5,
                         .noise_cv = cv,
                         .noise_period_s = period};
    streams s = streams_new(25);
    arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
    int *n = xcalloc(B * PER, sizeof *n);
    double t;
    while ((t = arrival_next(a)) < B * PER * period) n[(size_t) (t / period)]++;
    double c2[B], mean[B], sc = 0, scc = 0, sm = 0, smm = 0;
    for (int b = 0; b < B; b++) {
        double x = 0, xx = 0;
        for (int i = 0; i < PER; i++) x += n[b * PER + i];
        x /= PER;
        for (int i = 0; i < PER; i++) xx += (n[b * PER + i] - x) * (n[b * PER + i] - x);
        xx /= PER - 1;
        mean[b] = x;
        c2[b] = (xx - x) / (x * x);
        sc += c2[b];
        scc += c2[b] * c2[b];
        sm += mean[b];
        smm += mean[b] * mean[b];
    }
    double q = gsl_cdf_tdist_Pinv(1 - ALPHA / 2, B - 1);
    double c2bar = sc / B, c2se = sqrt((scc - B * c2bar * c2bar) / (B - 1) / B);
    double mbar = sm / B, mse = sqrt((smm - B * mbar * mbar) / (B - 1) / B);
    print_message("diurnal noise: cv^2 %.4f +- %.4f (want %.4f; control %.4f); mean %.2f +- %.2f "
                  "(want %.2f; control %.2f)\n",
                  c2bar, q * c2se, cv * cv, 0.35 * 0.35, mbar, q * mse, m * period,
                  1.05 * m * period);
    assert_true(fabs(c2bar - cv * cv) <= q * c2se);
    assert_true(fabs(c2bar - 0.35 * 0.35) > q * c2se);
    assert_true(fabs(mbar - m * period) <= q * mse);
    assert_true(fabs(mbar - 1.05 * m * period) > q * mse);
    free(n);
    arrival_free(a);
    rng_set_free(s.rs);
}

static arrival_spec flash_spec(void)
{
    return (arrival_spec){.kind = ARRIVAL_FLASH,
                          .rate_per_s = 2,
                          .flash_start_s = 600,
                          .flash_ramp_s = 300,
                          .flash_hold_s = 600,
                          .flash_decay_s = 400,
                          .flash_peak_per_s = 40};
}

static void test_flash(void **state)
{
    (void) state;
    arrival_spec spec = flash_spec(), wrong = spec;
    wrong.flash_peak_per_s = 42;
    static const char *const names[] = {"peak +5%"};
    nhpp_check("flash", &spec, &wrong, names, 1, 26, 20, 5000, 500);
}

/* A flash over nothing (base 0) ends: after finitely many arrivals the
 * process returns INFINITY for good. The total per run is Poisson with mean
 * peak (hold + decay); over 200 runs the total is held to it by its normal
 * approximation, and the control (decay 10% longer) must fail. */
static void test_flash_ends(void **state)
{
    (void) state;
    enum { R = 200 };
    arrival_spec spec = {
        .kind = ARRIVAL_FLASH, .flash_hold_s = 10, .flash_decay_s = 5, .flash_peak_per_s = 10};
    double total = 0;
    for (int r = 0; r < R; r++) {
        streams s = streams_new(rng_replication_seed(27, (unsigned) r));
        arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
        while (arrival_next(a) < INFINITY) total += 1;
        assert_true(arrival_next(a) == INFINITY);
        arrival_free(a);
        rng_set_free(s.rs);
    }
    double want = R * 10 * (10 + 5), wrong = R * 10 * (10 + 5.5);
    double z = (total - want) / sqrt(want), zw = (total - wrong) / sqrt(wrong);
    double p = 2 * gsl_cdf_ugaussian_Q(fabs(z)), pw = 2 * gsl_cdf_ugaussian_Q(fabs(zw));
    print_message("flash ends: %.0f arrivals, p=%.3g; control (decay +10%%): p=%.3g\n", total, p,
                  pw);
    assert_true(p > ALPHA);
    assert_true(pw < ALPHA);
}

/* ---- MMPP ---- */

/* The index of dispersion of counts in windows of length T of a stationary
 * 2-state MMPP with rates r1, r2 and switching rates a (1 to 2), b (2 to 1):
 *   lambda = (b r1 + a r2) / (a + b),
 *   IDC(T) = 1 + 2 (r1 - r2)^2 a b / ((a + b)^3 lambda)
 *                * (1 - (1 - exp(-(a + b) T)) / ((a + b) T)).
 * Derived from the doubly stochastic Poisson variance (Cox and Isham, Point
 * Processes, 1980): Var N(T) = lambda T + 2 int_0^T (T - u) C(u) du, with the
 * rate's autocovariance C(u) = pi1 pi2 (r1 - r2)^2 exp(-(a + b) u); it is the
 * 2-state formula of Heffes and Lucantoni (IEEE JSAC 4(6), 1986) and of
 * Fischer and Meier-Hellstern, "The Markov-modulated Poisson process (MMPP)
 * cookbook", Performance Evaluation 18 (1993). */
static double mmpp2_idc(double r1, double r2, double a, double b, double t)
{
    double c = a + b, lambda = (b * r1 + a * r2) / c;
    return 1 + 2 * (r1 - r2) * (r1 - r2) * a * b / (c * c * c * lambda) *
                   (1 - (1 - exp(-c * t)) / (c * t));
}

static void ci(const double *x, int n, double *mean, double *half)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++) s += x[i];
    *mean = s / n;
    for (int i = 0; i < n; i++) ss += (x[i] - *mean) * (x[i] - *mean);
    *half = gsl_cdf_tdist_Pinv(1 - ALPHA / 2, n - 1) * sqrt(ss / (n - 1) / n);
}

/* Bursty: 50/s for 2 s on average, 2/s for 10 s. R replications, each with a
 * 200 s warm-up (the process starts in state 0, not stationary; the chain
 * mixes at rate 0.6/s) and then 4000 s of windows of 1 s and of 10 s. The
 * 99.9% interval over replications must hold the closed form, and not the
 * closed form for a wrong parameter (state 0's rate 55/s for the mean; mean
 * sojourn 3 s in state 0 for the IDC). */
static void test_mmpp2(void **state)
{
    (void) state;
    enum { R = 60, W1 = 4000, W10 = 400 };
    const double r1 = 50, r2 = 2, s1 = 2, s2 = 10, warm = 200, span = 4000;
    double rates[] = {r1, r2}, soj[] = {s1, s2};
    arrival_spec spec = {
        .kind = ARRIVAL_MMPP, .mmpp_rate_per_s = rates, .mmpp_sojourn_s = soj, .mmpp_n = 2};
    double mean[R], idc1[R], idc10[R];
    int *c1 = xmalloc(W1 * sizeof *c1);
    for (int r = 0; r < R; r++) {
        streams s = streams_new(rng_replication_seed(31, (unsigned) r));
        arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
        memset(c1, 0, W1 * sizeof *c1);
        double t;
        while ((t = arrival_next(a)) < warm + span)
            if (t >= warm) c1[(size_t) (t - warm)]++;
        double m1 = 0, v1 = 0, m10 = 0, v10 = 0;
        for (int i = 0; i < W1; i++) m1 += c1[i];
        m1 /= W1;
        for (int i = 0; i < W1; i++) v1 += (c1[i] - m1) * (c1[i] - m1);
        v1 /= W1 - 1;
        for (int w = 0; w < W10; w++) {
            double x = 0;
            for (int i = 0; i < 10; i++) x += c1[w * 10 + i];
            v10 += (x - 10 * m1) * (x - 10 * m1);
        }
        v10 /= W10 - 1;
        m10 = 10 * m1;
        mean[r] = m1;
        idc1[r] = v1 / m1;
        idc10[r] = v10 / m10;
        arrival_free(a);
        rng_set_free(s.rs);
    }
    free(c1);

    arrival_proc *a = arrival_new(&spec, NULL, NULL);
    double lambda = arrival_rate_at(a, 0);
    arrival_free(a);
    double a12 = 1 / s1, a21 = 1 / s2;
    assert_true(fabs(lambda - (a21 * r1 + a12 * r2) / (a12 + a21)) < 1e-12);
    double lambda_w = (a21 * 55 + a12 * r2) / (a12 + a21);
    double m, h;
    ci(mean, R, &m, &h);
    print_message("mmpp2 rate: %.3f +- %.3f (want %.3f; control %.3f)\n", m, h, lambda, lambda_w);
    assert_true(fabs(m - lambda) <= h);
    assert_true(fabs(m - lambda_w) > h);
    static const double windows[] = {1, 10};
    double *idc[] = {idc1, idc10};
    for (int k = 0; k < 2; k++) {
        double want = mmpp2_idc(r1, r2, a12, a21, windows[k]);
        double wrong = mmpp2_idc(r1, r2, 1 / 3.0, a21, windows[k]);
        ci(idc[k], R, &m, &h);
        print_message("mmpp2 IDC(%g s): %.2f +- %.2f (want %.2f; control %.2f)\n", windows[k], m, h,
                      want, wrong);
        assert_true(fabs(m - want) <= h);
        assert_true(fabs(m - wrong) > h);
    }
}

/* Three states with uniform jumps: the stationary law is proportional to the
 * mean sojourns, not uniform (the control). */
static void test_mmpp3_mean(void **state)
{
    (void) state;
    enum { R = 30 };
    double rates[] = {30, 5, 0}, soj[] = {1, 4, 2};
    arrival_spec spec = {
        .kind = ARRIVAL_MMPP, .mmpp_rate_per_s = rates, .mmpp_sojourn_s = soj, .mmpp_n = 3};
    double mean[R], span = 3000;
    for (int r = 0; r < R; r++) {
        streams s = streams_new(rng_replication_seed(32, (unsigned) r));
        arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
        double n = 0;
        while (arrival_next(a) < span) n += 1;
        mean[r] = n / span;
        arrival_free(a);
        rng_set_free(s.rs);
    }
    arrival_proc *a = arrival_new(&spec, NULL, NULL);
    double want = arrival_rate_at(a, 0), wrong = (30 + 5 + 0) / 3.0, m, h;
    assert_true(fabs(want - (30 * 1 + 5 * 4) / 7.0) < 1e-12);
    assert_true(fabs(arrival_expected(a, 10, 110) - 100 * want) < 1e-9);
    arrival_free(a);
    ci(mean, R, &m, &h);
    print_message("mmpp3 rate: %.3f +- %.3f (want %.3f; control %.3f)\n", m, h, want, wrong);
    assert_true(fabs(m - want) <= h);
    assert_true(fabs(m - wrong) > h);
}

/* ---- integrals, spot values, edge cases ---- */

static double rate_fn(double t, void *p)
{
    return arrival_rate_at(p, t);
}

/* Where the rate may jump or bend, from the spec alone: the schedule's
 * points in every cycle, the diurnal clock's midnights, the flash's phase
 * ends. Quadrature between them integrates a smooth function, which adaptive
 * Gauss-Kronrod does reliably (across a jump it can be fooled: both of its
 * rules may miss a short silent segment and agree). Returns the sorted breaks
 * inside (t0, t1) with t0 and t1 at the ends. */
static size_t breaks(const arrival_spec *sp, double t0, double t1, double *b, size_t max)
{
    size_t n = 0;
    b[n++] = t0;
    if (sp->kind == ARRIVAL_SCHEDULE) {
        double per = sp->sched_repeat_s;
        double k0 = per > 0 ? floor(t0 / per) : 0, k1 = per > 0 ? floor(t1 / per) : 0;
        for (double k = k0; k <= k1; k++) {
            for (size_t i = 0; i <= sp->sched_n; i++) {
                double x = i < sp->sched_n ? sp->sched_t_s[i] : per;
                if (per > 0 && x > per) continue;
                x += k * per;
                if (x > b[n - 1] && x < t1 && n < max - 1) b[n++] = x;
            }
        }
    } else if (sp->kind == ARRIVAL_DIURNAL) {
        for (double d = floor((t0 + sp->week_offset_s) / 86400) + 1;; d++) {
            double x = d * 86400 - sp->week_offset_s;
            if (x >= t1 || n >= max - 1) break;
            b[n++] = x;
        }
    } else if (sp->kind == ARRIVAL_FLASH) {
        double x[3] = {sp->flash_start_s, sp->flash_start_s + sp->flash_ramp_s,
                       sp->flash_start_s + sp->flash_ramp_s + sp->flash_hold_s};
        for (int i = 0; i < 3; i++)
            if (x[i] > b[n - 1] && x[i] < t1) b[n++] = x[i];
    }
    b[n++] = t1;
    return n;
}

/* arrival_expected against adaptive Gauss-Kronrod quadrature of
 * arrival_rate_at between the spec's breaks, over pinned random intervals;
 * plus additivity and the sign when the ends swap. */
static void check_integral(const arrival_spec *spec, double horizon, uint64_t seed)
{
    arrival_proc *a = arrival_new(spec, NULL, NULL);
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(2000);
    rng_set *rs = rng_set_new(seed);
    gsl_rng *u = rng_stream(rs, "intervals");
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    double b[512];
    for (int i = 0; i < 12; i++) {
        double t0 = horizon * gsl_rng_uniform(u), t1 = horizon * gsl_rng_uniform(u);
        if (t1 < t0) {
            double x = t0;
            t0 = t1;
            t1 = x;
        }
        if (i == 0) t0 = 0;
        gsl_function f = {rate_fn, a};
        double num = 0;
        size_t nb = breaks(spec, t0, t1, b, sizeof b / sizeof b[0]);
        for (size_t j = 0; j + 1 < nb; j++) {
            double part, err;
            int rc = gsl_integration_qag(&f, b[j], b[j + 1], 0, 1e-12, 2000, GSL_INTEG_GAUSS21, w,
                                         &part, &err);
            assert_int_equal(rc, GSL_SUCCESS);
            num += part;
        }
        double e = arrival_expected(a, t0, t1);
        if (fabs(e - num) > 1e-9 * fmax(1, fabs(num)))
            print_message("kind %d [%.9g, %.9g]: expected %.12g, quadrature %.12g\n",
                          (int) spec->kind, t0, t1, e, num);
        assert_true(fabs(e - num) <= 1e-9 * fmax(1, fabs(num)));
        double mid = (t0 + t1) / 2;
        double parts = arrival_expected(a, t0, mid) + arrival_expected(a, mid, t1);
        assert_true(fabs(parts - e) <= 1e-9 * fmax(1, fabs(e)));
        assert_true(fabs(arrival_expected(a, t1, t0) + e) <= 1e-9 * fmax(1, fabs(e)));
    }
    gsl_set_error_handler(old);
    rng_set_free(rs);
    gsl_integration_workspace_free(w);
    arrival_free(a);
}

static void test_expected_integrals(void **state)
{
    (void) state;
    double t[] = {0, 600, 1500, 1800}, r[] = {5, 20, 0, 12};
    double tl[] = {0, 1200, 2400, 2400, 3000, 3600}, rl[] = {0, 40, 10, 30, 25, 4};
    arrival_spec poisson = {.kind = ARRIVAL_POISSON, .rate_per_s = 3.5};
    arrival_spec steps = {.kind = ARRIVAL_SCHEDULE,
                          .sched_t_s = t,
                          .sched_rate = r,
                          .sched_n = 4,
                          .sched_repeat_s = 3600};
    arrival_spec steps_hold = steps;
    steps_hold.sched_repeat_s = 0;
    arrival_spec linear = {.kind = ARRIVAL_SCHEDULE,
                           .sched_t_s = tl,
                           .sched_rate = rl,
                           .sched_n = 6,
                           .sched_linear = 1};
    arrival_spec linear_wrap = linear, linear_cut = linear;
    linear_wrap.sched_repeat_s = 4000; /* closes from 4/s at 3600 back to 0/s at 4000 */
    linear_cut.sched_repeat_s = 2400;  /* a point at the period sets its closing rate */
    arrival_spec diurnal = diurnal_spec(), flash = flash_spec(), dip = flash_spec();
    dip.flash_peak_per_s = 0.5;
    arrival_spec noisy = diurnal;
    noisy.noise_cv = 0.5;
    noisy.noise_period_s = 60;
    check_integral(&poisson, 1000, 1);
    check_integral(&steps, 20000, 2);
    check_integral(&steps_hold, 8000, 3);
    check_integral(&linear, 8000, 4);
    check_integral(&linear_wrap, 20000, 5);
    check_integral(&linear_cut, 20000, 6);
    check_integral(&diurnal, 21 * 86400.0, 7);
    check_integral(&noisy, 3 * 86400.0, 8);
    check_integral(&flash, 5000, 9);
    check_integral(&dip, 5000, 10);
}

static void test_rate_values(void **state)
{
    (void) state;
    double tl[] = {0, 1200, 2400, 2400, 3000}, rl[] = {0, 40, 10, 30, 25};
    arrival_spec linear = {.kind = ARRIVAL_SCHEDULE,
                           .sched_t_s = tl,
                           .sched_rate = rl,
                           .sched_n = 5,
                           .sched_linear = 1,
                           .sched_repeat_s = 4000};
    arrival_proc *a = arrival_new(&linear, NULL, NULL);
    /* arrival_new copied the arrays: changing them now changes nothing */
    rl[1] = 1000;
    assert_true(fabs(arrival_rate_at(a, 600) - 20) < 1e-12);
    assert_true(arrival_rate_at(a, 2400) == 30); /* right-continuous at the jump */
    assert_true(fabs(arrival_rate_at(a, 2399.999) - 10) < 1e-3);
    assert_true(fabs(arrival_rate_at(a, 3500) - 12.5) < 1e-12); /* closing from 25 to 0 */
    assert_true(fabs(arrival_rate_at(a, 4000 + 600) - 20) < 1e-12);
    assert_true(arrival_rate_at(a, -1) == 0);
    assert_true(arrival_expected(a, -10, 0) == 0);
    arrival_free(a);

    arrival_spec d = diurnal_spec(); /* t = 0 is Friday 07:15 */
    a = arrival_new(&d, NULL, NULL);
    double fri_peak = 14.5 * 3600 - 7.25 * 3600, sat_peak = fri_peak + 86400;
    assert_true(fabs(arrival_rate_at(a, fri_peak) - 1.6) < 1e-12);
    assert_true(fabs(arrival_rate_at(a, sat_peak) - 1.6 * 0.4) < 1e-12);
    assert_true(fabs(arrival_rate_at(a, sat_peak + 12 * 3600) - 0.4 * 0.4) < 1e-9);
    assert_true(fabs(arrival_rate_at(a, fri_peak + 3 * 86400) - 1.6) < 1e-12); /* Monday */
    /* a whole Monday-to-Sunday week: 5 days at 1/s and 2 at 0.4/s */
    double week = arrival_expected(a, 86400 * 3 - 7.25 * 3600, 86400 * 10 - 7.25 * 3600);
    assert_true(fabs(week - 86400 * (5 + 2 * 0.4)) < 1e-6);
    arrival_free(a);

    arrival_spec f = flash_spec();
    a = arrival_new(&f, NULL, NULL);
    assert_true(arrival_rate_at(a, 599) == 2);
    assert_true(fabs(arrival_rate_at(a, 750) - 21) < 1e-12);
    assert_true(arrival_rate_at(a, 1000) == 40);
    assert_true(fabs(arrival_rate_at(a, 1500 + 400) - (2 + 38 * exp(-1))) < 1e-12);
    /* the excess of the whole flash: ramp 38*300/2, hold 38*600, decay 38*400 */
    double excess = arrival_expected(a, 0, 1e6) - 2 * 1e6;
    assert_true(fabs(excess - 38 * (150 + 600 + 400)) < 1e-6);
    arrival_free(a);
}

/* Processes that stop: a schedule ending at rate 0 gives its arrivals before
 * the last point and then INFINITY for good; so do a zero Poisson rate, an
 * MMPP whose rates are all 0 and a repeating schedule of zeros. */
static void test_ends(void **state)
{
    (void) state;
    double t[] = {0, 100, 200}, r[] = {0, 3, 0}, z[] = {0, 0};
    streams s = streams_new(41);
    arrival_spec spec = {.kind = ARRIVAL_SCHEDULE, .sched_t_s = t, .sched_rate = r, .sched_n = 3};
    arrival_proc *a = arrival_new(&spec, s.arrivals, s.modulation);
    double x;
    int n = 0;
    while ((x = arrival_next(a)) < INFINITY) {
        assert_true(x >= 100 && x < 200);
        n++;
    }
    assert_true(n > 200 && n < 400); /* Poisson(300): 6 sd either side */
    assert_true(arrival_next(a) == INFINITY);
    arrival_free(a);

    arrival_spec zero_repeat = {.kind = ARRIVAL_SCHEDULE,
                                .sched_t_s = t,
                                .sched_rate = z,
                                .sched_n = 2,
                                .sched_repeat_s = 50};
    arrival_spec zero_poisson = {.kind = ARRIVAL_POISSON};
    arrival_spec zero_mmpp = {
        .kind = ARRIVAL_MMPP, .mmpp_rate_per_s = z, .mmpp_sojourn_s = t + 1, .mmpp_n = 2};
    const arrival_spec *zeros[] = {&zero_repeat, &zero_poisson, &zero_mmpp};
    for (int i = 0; i < 3; i++) {
        a = arrival_new(zeros[i], s.arrivals, s.modulation);
        assert_true(arrival_next(a) == INFINITY);
        assert_true(arrival_next(a) == INFINITY);
        arrival_free(a);
    }
    rng_set_free(s.rs);
}

/* The same streams give the same arrivals (a process is a pure function of
 * its streams). */
static void test_reproducible(void **state)
{
    (void) state;
    arrival_spec specs[] = {diurnal_spec(), flash_spec()};
    specs[0].noise_cv = 0.2;
    specs[0].noise_period_s = 300;
    for (int k = 0; k < 2; k++) {
        streams s1 = streams_new(51), s2 = streams_new(51);
        arrival_proc *a = arrival_new(&specs[k], s1.arrivals, s1.modulation);
        arrival_proc *b = arrival_new(&specs[k], s2.arrivals, s2.modulation);
        for (int i = 0; i < 10000; i++) assert_true(arrival_next(a) == arrival_next(b));
        arrival_free(a);
        arrival_free(b);
        rng_set_free(s1.rs);
        rng_set_free(s2.rs);
    }
}

/* ---- parsing ---- */

#define PTS_EXP "a list of t:rate points with t ascending from 0"
#define PTS_EG  ", e.g. \"0:10, 600:50\""
#define LST_EXP "a list of numbers >= 0 separated by commas"
#define LST_EG  ", e.g. \"50, 2\""

static void test_parse_points(void **state)
{
    (void) state;
    double *t, *v;
    size_t n;
    char why[200];
    assert_int_equal(arrival_parse_points("0:10, 600:50", &t, &v, &n, why, sizeof why), 0);
    assert_int_equal(n, 2);
    assert_true(t[0] == 0 && v[0] == 10 && t[1] == 600 && v[1] == 50);
    free(t);
    free(v);
    assert_int_equal(
        arrival_parse_points(" 0 : 1.5e1 ,600:0,600 : 3 , 7200:0.25 ", &t, &v, &n, why, sizeof why),
        0);
    assert_int_equal(n, 4);
    assert_true(v[0] == 15 && t[2] == 600 && v[2] == 3 && t[3] == 7200 && v[3] == 0.25);
    free(t);
    free(v);

    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", PTS_EXP PTS_EG},
        {"   ", PTS_EXP PTS_EG},
        {"10", PTS_EXP PTS_EG},
        {"0:10;600:50", PTS_EXP " (point 1 is not t:rate)" PTS_EG},
        {"0:10, 600", PTS_EXP " (point 2 is not t:rate)" PTS_EG},
        {"0:10,", PTS_EXP " (point 2 is not t:rate)" PTS_EG},
        {"0:10, 600:fifty", PTS_EXP " (point 2 is not t:rate)" PTS_EG},
        {"0:10, 0x10:5", PTS_EXP " (point 2 is not t:rate)" PTS_EG},
        {"0:inf", PTS_EXP PTS_EG},
        {"0:1e999", PTS_EXP PTS_EG},
        {"5:10, 600:50", PTS_EXP " (the first point has t=5)" PTS_EG},
        {"0:10, 600:50, 300:5", PTS_EXP " (t=300 comes after t=600)" PTS_EG},
        {"0:10, 600:-5", PTS_EXP " (point 2 has a negative rate)" PTS_EG},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = v = (double *) 1;
        n = 99;
        assert_int_equal(arrival_parse_points(bad[i].text, &t, &v, &n, why, sizeof why), -1);
        assert_string_equal(why, bad[i].why);
        assert_null(t);
        assert_null(v);
        assert_int_equal(n, 0);
    }
}

static void test_parse_list(void **state)
{
    (void) state;
    double *v;
    size_t n;
    char why[200];
    assert_int_equal(arrival_parse_list("50, 2", &v, &n, why, sizeof why), 0);
    assert_int_equal(n, 2);
    assert_true(v[0] == 50 && v[1] == 2);
    free(v);
    assert_int_equal(arrival_parse_list(" 0.5 ,1e3,0 ", &v, &n, why, sizeof why), 0);
    assert_int_equal(n, 3);
    assert_true(v[0] == 0.5 && v[1] == 1000 && v[2] == 0);
    free(v);

    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", LST_EXP LST_EG},
        {"fast", LST_EXP LST_EG},
        {"50, 2,", LST_EXP " (item 3 is not a number)" LST_EG},
        {"50 2", LST_EXP " (item 1 is not a number)" LST_EG},
        {"50, nan", LST_EXP " (item 2 is not a number)" LST_EG},
        {"50, -2", LST_EXP " (item 2 is negative)" LST_EG},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = (double *) 1;
        n = 99;
        assert_int_equal(arrival_parse_list(bad[i].text, &v, &n, why, sizeof why), -1);
        assert_string_equal(why, bad[i].why);
        assert_null(v);
        assert_int_equal(n, 0);
    }
    /* a short buffer is truncated, never overrun */
    char small[8];
    assert_int_equal(arrival_parse_list("x", &v, &n, small, sizeof small), -1);
    assert_string_equal(small, "a list ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poisson_gaps),
        cmocka_unit_test(test_poisson_counts),
        cmocka_unit_test(test_superposition),
        cmocka_unit_test(test_schedule_steps),
        cmocka_unit_test(test_schedule_linear),
        cmocka_unit_test(test_schedule_linear_repeat),
        cmocka_unit_test(test_schedule_short_segments),
        cmocka_unit_test(test_diurnal),
        cmocka_unit_test(test_diurnal_noise),
        cmocka_unit_test(test_flash),
        cmocka_unit_test(test_flash_ends),
        cmocka_unit_test(test_mmpp2),
        cmocka_unit_test(test_mmpp3_mean),
        cmocka_unit_test(test_expected_integrals),
        cmocka_unit_test(test_rate_values),
        cmocka_unit_test(test_ends),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_parse_points),
        cmocka_unit_test(test_parse_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

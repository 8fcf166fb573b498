/* test_analyze.c -- the analytic companion: the closed forms of
 * models/queueing.c against values published in a queueing text and
 * against independent computations of the same quantities (to 1e-9), the
 * models `ecsim analyze` picks per load-balancer algorithm, the warning for
 * a saturated service, and the predictions beside a run's values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/queueing.h"
#include "sim/analyze.h"
#include "sim/run.h"
#include "support/testutil.h"
#include "support/theory.h"

/* |x - printed| within half a unit of the printed value's last digit */
static void printed(double x, double value, double unit)
{
    if (fabs(x - value) > unit / 2)
        fprintf(stderr, "  got %.9g, printed %g (to %g)\n", x, value, unit);
    assert_true(fabs(x - value) <= unit / 2);
}

/* Published values: R. Bronson, Schaum's Outline of Theory and Problems of
 * Operations Research (McGraw-Hill, 1982), solved problems 23.3, 23.14 and
 * 24.6, as quoted (with their printed precision) by M. Casquilho's M/M/s
 * calculator, http://web.ist.utl.pt/mcasquilho/compute/or/Fx-queuevars.php :
 *   23.3  s = 1, lambda = 24/h, mu = 30/h:      L = 4, W = 1/6 h, p0 = 0.2
 *   23.14 s = 1, lambda = 30/h, 1/mu = 1.5 min: Lq = 2.25, Wq = 4.5 min, p0 = 0.25
 *   24.6  s = 3, lambda = 300/yr, 1/mu = 2 d (mu = 182.5/yr):
 *         Lq = 0.352, L = 1.996, Wq = 0.001175 yr, W = 0.006654 yr, p0 = 0.17754 */
static void test_published(void **state)
{
    (void) state;
    printed(24 * q_mmc_response(24, 30, 1), 4, 1);
    printed(q_mmc_response(24, 30, 1), 1.0 / 6, 1e-12);
    printed(q_mmc_p0(24, 30, 1), 0.2, 0.1);
    printed(q_mmc_lq(30, 40, 1), 2.25, 0.01);
    printed(60 * q_mmc_wq(30, 40, 1), 4.5, 0.1);
    printed(q_mmc_p0(30, 40, 1), 0.25, 0.01);
    printed(q_mmc_lq(300, 182.5, 3), 0.352, 0.001);
    printed(300 * q_mmc_response(300, 182.5, 3), 1.996, 0.001);
    printed(q_mmc_wq(300, 182.5, 3), 0.001175, 0.000001);
    printed(q_mmc_response(300, 182.5, 3), 0.006654, 0.000001);
    printed(q_mmc_p0(300, 182.5, 3), 0.17754, 0.00001);
}

/* Erlang C from the recursion against P0 a^c / (c! (1 - rho)) summed
 * directly; the mean wait against Lq / lambda (Little). */
static void test_erlang(void **state)
{
    (void) state;
    static const int cs[] = {1, 2, 3, 8, 20};
    static const double rhos[] = {0.1, 0.5, 0.8, 0.95};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 4; j++) {
            int c = cs[i];
            double a = rhos[j] * c, term = 1, sum = 1;
            for (int n = 1; n < c; n++) sum += (term *= a / n);
            term *= a / c;
            double p0 = 1 / (sum + term / (1 - rhos[j]));
            double want = p0 * term / (1 - rhos[j]);
            assert_true(fabs(q_erlang_c(c, a) - want) <= 1e-9 * want);
            assert_true(fabs(q_mmc_p0(a, 1, c) - p0) <= 1e-9 * p0);
            assert_true(fabs(q_mmc_wq(a, 1, c) - q_mmc_lq(a, 1, c) / a) <= 1e-9);
            assert_true(fabs(q_erlang_c(c, a) - theory_erlang_c(c, a)) <= 1e-12);
        }
    assert_true(q_erlang_c(2, 2.0) == 1.0); /* saturated */
}

/* The M/M/c response tail against PASTA: an arrival finding n in the
 * system waits for n - c + 1 departures at rate c mu when n >= c, so
 * P(T > t) = sum_n p_n P(Erlang(n - c + 1, c mu) + Exp(mu) > t), summed
 * numerically here with the Erlang sums by GSL's gamma, for several c and
 * t, to 1e-9. The p99 is where that tail is 0.01. */
static double pasta_tail(double lambda, double mu, int c, double t)
{
    double a = lambda / mu, rho = a / c, p0 = q_mmc_p0(lambda, mu, c), pn = p0, total = 0;
    for (int n = 0; n < 20000; n++) {
        if (n > 0) pn *= n <= c ? a / n : rho;
        double tail;
        if (n < c) {
            tail = exp(-mu * t);
        } else {
            /* W ~ Gamma(k, 1/(c mu)), S ~ Exp(mu): P(W + S > t) = P(W > t) +
             * int_0^t f_W(w) e^{-mu (t - w)} dw, the integral in closed form:
             * e^{-mu t} (c mu / (c mu - mu))^k P(Gamma(k, 1/(c mu - mu)) <= t) */
            int k = n - c + 1;
            double th = c * mu;
            tail = gsl_cdf_gamma_Q(t, k, 1 / th);
            if (c > 1)
                tail +=
                    exp(-mu * t + k * log(th / (th - mu))) * gsl_cdf_gamma_P(t, k, 1 / (th - mu));
            else
                tail += exp(-mu * t) * pow(th * t, k) / tgamma(k + 1.0);
        }
        total += pn * tail;
        if (pn < 1e-18) break;
    }
    return total;
}

static void test_mmc_tail(void **state)
{
    (void) state;
    static const int cs[] = {1, 2, 4, 8};
    static const double ts[] = {0.1, 1, 3, 10};
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++) {
            int c = cs[i];
            double lambda = 0.8 * c, got = q_mmc_response_tail(lambda, 1, c, ts[j]),
                   want = pasta_tail(lambda, 1, c, ts[j]);
            assert_true(fabs(got - want) <= 1e-9 * want);
        }
    /* M/M/1: exponential with rate mu - lambda, so p99 = ln 100 / (mu - lambda) */
    assert_true(fabs(q_mmc_response_quantile(0.5, 1, 1, 0.99) - log(100.0) / 0.5) <= 1e-9);
    double p = q_mmc_response_quantile(3.2, 1, 4, 0.99);
    assert_true(fabs(q_mmc_response_tail(3.2, 1, 4, p) - 0.01) <= 1e-11);
}

/* E_k/M/1: sigma by fixed-point iteration (a different route than the
 * bisection) and the theory tests' closed form; k = 1 is M/M/1. */
static void test_ekm1(void **state)
{
    (void) state;
    for (int k = 1; k <= 8; k++) {
        double lambda = 0.8 * k, s = 0.5;
        for (int i = 0; i < 10000; i++) s = pow(lambda / (lambda + (1 - s)), k);
        assert_true(fabs(q_ekm1_sigma(k, lambda, 1) - s) <= 1e-9);
        assert_true(fabs(q_ekm1_response(k, lambda, 1) - 1 / (1 - s)) <= 1e-8);
        assert_true(fabs(q_ekm1_response_quantile(k, lambda, 1, 0.99) - log(100.0) / (1 - s)) <=
                    1e-7);
    }
    assert_true(fabs(q_ekm1_response(1, 0.8, 1) - 5) <= 1e-9);
    assert_true(fabs(q_ekm1_response(4, 3.2, 1) - theory_en_m1_response(4, 3.2, 1)) <= 1e-12);
}

/* Pollaczek-Khinchine against M/M/1 and M/D/1 (Lq = rho^2 / (2 (1 - rho)));
 * Allen-Cunneen is exact for M/M/c; M/M/1/K against its distribution
 * summed directly; the birth-death chain against M/M/c where the workers
 * have a vCPU each; the power-of-d mean field at d = 1 against M/M/1 and
 * at d = 2 against Little's law over its tail fractions. */
static void test_other_forms(void **state)
{
    (void) state;
    assert_true(fabs(q_mg1_response(0.8, 1, 1) - 5) <= 1e-12);
    assert_true(fabs(q_mg1_response(0.8, 1, 0) - (1 + 0.64 / 0.4 / 0.8)) <= 1e-12);
    assert_true(fabs(q_mg1_response(0.8, 1, 0) - theory_md1_response(0.8, 1)) <= 1e-12);
    for (int c = 1; c <= 8; c *= 2)
        assert_true(fabs(q_ac_response(0.9 * c, 1, 1, 1, c) - q_mmc_response(0.9 * c, 1, c)) <=
                    1e-12);
    for (int k = 1; k <= 12; k++) {
        double rho = 0.9, norm = 0, l = 0;
        for (int n = 0; n <= k; n++) {
            norm += pow(rho, n);
            l += n * pow(rho, n);
        }
        double block = pow(rho, k) / norm;
        assert_true(fabs(q_mm1k_blocking(0.9, 1, k) - block) <= 1e-12);
        assert_true(fabs(q_mm1k_response(0.9, 1, k) - l / norm / (0.9 * (1 - block))) <= 1e-9);
    }
    for (int w = 1; w <= 8; w *= 2) {
        assert_true(fabs(q_bd_response(0.7 * w, 1, w, w) - q_mmc_response(0.7 * w, 1, w)) <= 1e-9);
        assert_true(fabs(q_bd_response(0.7 * w, 1, w, 2.0 * w) - q_mmc_response(0.7 * w, 1, w)) <=
                    1e-9);
    }
    /* four workers on one vCPU, exponential demand: M/M/1 in the count */
    assert_true(fabs(q_bd_response(0.6, 1, 4, 1) - 1 / (1 - 0.6)) <= 1e-9);
    assert_true(isinf(q_bd_response(1.0, 1, 4, 1)));
    assert_true(fabs(q_pod_response(0.9, 1, 1) - 10) <= 1e-12);
    double s = 0;
    for (int i = 1; i < 40; i++) s += pow(0.9, pow(2, i) - 1); /* servers with >= i */
    assert_true(fabs(q_pod_response(0.9, 1, 2) - s / 0.9) <= 1e-9);
}

/* The exponential-tail approximation is exact for M/M/c (it is built so):
 * with exponential service, pw = Erlang C and wq the M/M/c wait, it gives
 * the M/M/c tail up to its numerical integration (4000 steps: 1e-6). */
static double exp_surv(void *ctx, double x)
{
    (void) ctx;
    return exp(-x);
}

static void test_approx_tail(void **state)
{
    (void) state;
    for (int c = 1; c <= 4; c *= 2)
        for (double t = 0.5; t < 20; t *= 2) {
            double lambda = 0.8 * c;
            double got = q_approx_response_tail(q_erlang_c(c, lambda), q_mmc_wq(lambda, 1, c),
                                                exp_surv, NULL, t);
            double want = q_mmc_response_tail(lambda, 1, c, t);
            assert_true(fabs(got - want) <= 1e-6 * want);
        }
}

/* ---- the scenario level ---- */

static char *scenario(const char *alg, int tasks, int workers, double rate, const char *demand)
{
    char *y = NULL;
    if (asprintf(&y,
                 "run: {duration_s: 200000, sample_interval_s: 100}\n"
                 "host_groups: {h: {instance_type: m5.4xlarge, count: %d}}\n"
                 "task_definitions: {t: {cpu: %d, memory_mib: 256, workers: %d}}\n"
                 "services: {s: {task_definition: t, desired_count: %d, load_balancer: lb,\n"
                 "               placement_strategy: spread:host}}\n"
                 "load_balancers: {lb: {algorithm: %s, idle_timeout_s: 4000,\n"
                 "                      health_check: {enabled: false}}}\n"
                 "workloads: {w: {target: lb, rate_per_s: %g,\n"
                 "                demand: {distribution: %s, mean_s: 1}}}\n",
                 (tasks * workers + 15) / 16, 1024 * workers, workers, tasks, alg, rate,
                 demand) < 0)
        abort();
    return y;
}

static analysis *analyze_text(const char *yaml, char **dir_out)
{
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "a.yaml", yaml);
    ecs_err e;
    err_clear(&e);
    params *p = run_load_params(scen, NULL, 0, &e);
    assert_non_null(p);
    analysis *a = analyze_build(p, 1, &e);
    assert_non_null(a);
    params_free(p);
    free(scen);
    *dir_out = dir;
    return a;
}

/* Each algorithm gets its model, with the theory tests' values. */
static void test_models(void **state)
{
    (void) state;
    struct {
        const char *alg;
        int tasks, workers;
        double rate;
        const char *demand;
        const char *model;
        double mean;
    } cases[] = {
        {"round_robin", 4, 1, 3.2, "exponential", "E4/M/1 per task",
         theory_en_m1_response(4, 3.2, 1)},
        {"random", 4, 1, 2.8, "exponential", "M/M/1 per task", 1 / (1 - 0.7)},
        {"least_outstanding_requests", 1, 8, 7.2, "exponential", "M/M/8 (Erlang C)",
         theory_mmc_response(7.2, 1, 8)},
        {"round_robin", 1, 1, 0.8, "deterministic", "M/G/1 (Allen-Cunneen)",
         theory_md1_response(0.8, 1)},
        {"random", 2, 1, 1.6, "deterministic", "M/G/1 per task (Pollaczek-Khinchine)",
         theory_md1_response(0.8, 1)},
        {"join_shortest_queue", 4, 1, 3.6, "exponential",
         "M/M/4 (Erlang C), one queue for all tasks", theory_mmc_response(3.6, 1, 4)},
        {"power_of_two", 10, 1, 9, "exponential", "power of two, mean field (many tasks)",
         q_pod_response(0.9, 1, 2)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *y = scenario(cases[i].alg, cases[i].tasks, cases[i].workers, cases[i].rate,
                           cases[i].demand),
             *dir;
        analysis *a = analyze_text(y, &dir);
        printf("  %-28s %-45s mean %.5f\n", cases[i].alg, a->s[0].model, a->s[0].mean_s);
        assert_string_equal(a->s[0].model, cases[i].model);
        assert_true(fabs(a->s[0].mean_s - cases[i].mean) <= 1e-9 * cases[i].mean);
        analyze_free(a);
        tu_rmtree(dir);
        free(dir);
        free(y);
    }
}

/* A saturated service: analyze warns, naming it, exits 0; the run goes on
 * too (its queue grows) with empty predictions. The fewest tasks for the
 * SLO: an M/M/c shared queue at 2.5 requests/s of 1 s demand with p99 <=
 * 5 s needs the least c whose M/M/c p99 is at most 5 s. */
static void test_saturated(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *y = scenario("least_outstanding_requests", 2, 1, 2.5, "exponential");
    char *scen = tu_write_file(dir, "sat.yaml", y);
    tu_cli c = tu_run_cli((const char *[]){"analyze", scen, "--set", "slo.p99_latency_s=5", NULL});
    assert_int_equal(c.rc, 0);
    printf("%s", c.out);
    assert_non_null(strstr(c.out, "WARNING: service s is saturated: utilisation 125.0% >= 100%"));
    int need = 3;
    while (q_mmc_response_quantile(2.5, 1, need, 0.99) > 5) need++;
    char want[32];
    snprintf(want, sizeof want, " %9d\n", need);
    printf("  fewest tasks: %d\n", need);
    assert_true(need > 3);
    assert_non_null(strstr(c.out, want));
    tu_cli_free(&c);
    char *out = NULL;
    if (asprintf(&out, "%s/out", dir) < 0) abort();
    c = tu_run_cli(
        (const char *[]){"run", scen, "--set", "run.duration_s=2000", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    char *sp = NULL;
    if (asprintf(&sp, "%s/summary.csv", out) < 0) abort();
    char *s = tu_read_file(sp, NULL);
    assert_true(isnan(tu_column(s, "s_mean_s_analytic")));
    assert_true(tu_column(s, "s_cpu_util_pct_analytic") == 100);
    free(s);
    free(sp);
    free(out);
    c = tu_run_cli((const char *[]){"analyze", NULL});
    assert_int_equal(c.rc, 2);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(y);
    free(dir);
}

/* Every run writes the prediction beside the simulated value: an M/M/1 at
 * 0.8 predicts 5 s, and one 2 x 10^5 s run lands within 10% of it. */
static void test_run_columns(void **state)
{
    (void) state;
    char *y = scenario("round_robin", 1, 1, 0.8, "exponential");
    char *s = tu_run_text(y, NULL, 0, 1, NULL, NULL);
    assert_non_null(s);
    assert_true(fabs(tu_column(s, "mean_s_analytic") - 5) <= 1e-9);
    assert_true(fabs(tu_column(s, "s_p99_s_analytic") - log(100.0) / 0.2) <= 1e-6);
    assert_true(fabs(tu_column(s, "cpu_util_pct_analytic") - 80) <= 1e-6);
    double diff = tu_column(s, "mean_s_analytic_diff");
    printf("  M/M/1: mean_s %g, analytic 5, relative difference %.4f\n", tu_column(s, "mean_s"),
           diff);
    assert_true(fabs(diff - (tu_column(s, "mean_s") - 5) / 5) <= 1e-6);
    assert_true(fabs(diff) < 0.1);
    free(s);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published),   cmocka_unit_test(test_erlang),
        cmocka_unit_test(test_mmc_tail),    cmocka_unit_test(test_ekm1),
        cmocka_unit_test(test_other_forms), cmocka_unit_test(test_approx_tail),
        cmocka_unit_test(test_models),      cmocka_unit_test(test_saturated),
        cmocka_unit_test(test_run_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_theory.c -- the simulator held to queueing theory.
 * Each case runs R independent replications (pinned seeds 1..R), cuts the
 * warm-up, and requires the closed form to lie inside the 95% Student-t
 * confidence interval of the replication means. Each case has a negative
 * control, kept in the suite: the same check against the formula with the
 * service rate off by 5% must fail, so the test has the power to see a 5%
 * bias. A statistical test with pinned seeds is deterministic: if it fails,
 * find the bias; never change the seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run.h"
#include "support/testutil.h"
#include "support/theory.h"

#define REPS 10

typedef struct qcase {
    const char *algorithm;    /* load balancer */
    const char *distribution; /* service demand */
    int tasks;                /* tasks behind the load balancer */
    int workers;              /* workers per task (cpu = 1024 per worker) */
    int queue_limit;          /* -1 unlimited */
    double lambda;            /* arrivals per second, all tasks */
    double mu;                /* service rate of one worker */
    double duration_s, warmup_s;
} qcase;

typedef struct qresult {
    double mean_s[REPS];  /* mean response of successful requests */
    double blocked[REPS]; /* fraction refused (502) */
    double p99_s[REPS];   /* 99th percentile response, from the histogram */
} qresult;

static void simulate(const qcase *q, qresult *out)
{
    char *dir = tu_mkdtemp();
    char yaml[2048];
    int hosts = (q->tasks * q->workers + 15) / 16;
    char qlimit[32];
    if (q->queue_limit < 0)
        snprintf(qlimit, sizeof qlimit, "unlimited");
    else
        snprintf(qlimit, sizeof qlimit, "%d", q->queue_limit);
    snprintf(yaml, sizeof yaml,
             "run: {duration_s: %.17g, warmup_s: %.17g, sample_interval_s: 100000}\n"
             "host_groups: {h: {instance_type: m5.4xlarge, count: %d}}\n"
             "task_definitions: {t: {cpu: %d, memory_mib: 256, workers: %d, queue_limit: %s}}\n"
             "services: {s: {task_definition: t, desired_count: %d, load_balancer: lb,\n"
             "               placement_strategy: spread:host}}\n"
             /* queueing theory knows no health checks (an overloaded task would fail
              * them and be replaced) and no idle timeout (a 504 cuts the tail) */
             "load_balancers: {lb: {algorithm: %s, idle_timeout_s: 4000,\n"
             "                      health_check: {enabled: false}}}\n"
             "workloads: {w: {target: lb, rate_per_s: %.17g,\n"
             "                demand: {distribution: %s, mean_s: %.17g}}}\n",
             q->duration_s, q->warmup_s, hosts, 1024 * q->workers, q->workers, qlimit, q->tasks,
             q->algorithm, q->lambda, q->distribution, 1.0 / q->mu);
    char *scen = tu_write_file(dir, "q.yaml", yaml);
    char *outdir = NULL;
    if (asprintf(&outdir, "%s/out", dir) < 0) abort();
    for (int r = 0; r < REPS; r++) {
        run_opts o;
        memset(&o, 0, sizeof o);
        o.scenario = scen;
        o.out_dir = outdir;
        o.seed_given = 1;
        o.seed = (uint64_t) r + 1;
        o.until_s = INFINITY;
        o.quiet = 1;
        run_result res;
        ecs_err e;
        err_clear(&e);
        int rc = run_scenario(&o, stdout, &res, &e);
        if (rc != ECS_OK) fprintf(stderr, "%s\n", e.msg);
        assert_int_equal(rc, ECS_OK);
        out->mean_s[r] = res.mean_s;
        out->blocked[r] = (double) res.errors / (double) res.requests;
        out->p99_s[r] = res.p99_s;
    }
    tu_rmtree(dir);
    free(outdir);
    free(scen);
    free(dir);
}

/* Theory inside the CI; the 5%-off theory outside it. */
static void hold(const char *what, const double *x, double theory, double theory_off)
{
    double mean, half;
    theory_ci95(x, REPS, &mean, &half);
    printf("  %-34s sim %.5f +- %.5f (%.2f%%)  theory %.5f  5%%-off %.5f\n", what, mean, half,
           100 * half / mean, theory, theory_off);
    assert_true(fabs(mean - theory) <= half);
    assert_true(fabs(mean - theory_off) > half); /* negative control */
}

static void mmc_case(int c, double rho, double duration_s)
{
    qcase q = {"round_robin", "exponential", 1, c, -1, rho * c, 1.0, duration_s, 0};
    q.warmup_s = duration_s / 20;
    qresult r;
    simulate(&q, &r);
    char what[64];
    snprintf(what, sizeof what, "M/M/%d rho=%.1f mean response", c, rho);
    hold(what, r.mean_s, theory_mmc_response(q.lambda, q.mu, c),
         theory_mmc_response(q.lambda, 1.05 * q.mu, c));
}

static void test_mm1_half(void **state)
{
    (void) state;
    mmc_case(1, 0.5, 40000);
}

/* M/M/1 response time is exponential with rate mu - lambda, so its p99 is
 * ln(100) / (mu - lambda): the histogram's percentile, end to end. */
static void test_mm1_p99(void **state)
{
    (void) state;
    qcase q = {"round_robin", "exponential", 1, 1, -1, 0.5, 1.0, 150000, 2000};
    qresult r;
    simulate(&q, &r);
    hold("M/M/1 rho=0.5 p99 response", r.p99_s, log(100.0) / (1.0 - 0.5),
         log(100.0) / (1.05 - 0.5));
}

static void test_mm1_busy(void **state)
{
    (void) state;
    mmc_case(1, 0.9, 1000000);
}

static void test_mm2(void **state)
{
    (void) state;
    mmc_case(2, 0.5, 20000);
    mmc_case(2, 0.9, 500000);
}

static void test_mm8(void **state)
{
    (void) state;
    mmc_case(8, 0.5, 5000);
    mmc_case(8, 0.9, 40000);
}

/* N single-worker tasks behind random dispatch: each is M/M/1 at lambda/N. */
static void test_random_dispatch(void **state)
{
    (void) state;
    qcase q = {"random", "exponential", 4, 1, -1, 4 * 0.7, 1.0, 40000, 2000};
    qresult r;
    simulate(&q, &r);
    hold("random N=4 rho=0.7 (M/M/1)", r.mean_s, theory_mmc_response(0.7, 1.0, 1),
         theory_mmc_response(0.7, 1.05, 1));
}

/* Round robin over N tasks: each sees Erlang-N gaps, E_N/M/1. */
static void test_round_robin(void **state)
{
    (void) state;
    qcase q = {"round_robin", "exponential", 4, 1, -1, 4 * 0.8, 1.0, 40000, 2000};
    qresult r;
    simulate(&q, &r);
    hold("round robin N=4 rho=0.8 (E4/M/1)", r.mean_s, theory_en_m1_response(4, q.lambda, 1.0),
         theory_en_m1_response(4, q.lambda, 1.05));
}

/* Deterministic service, one worker: M/D/1 by Pollaczek-Khinchine. */
static void test_md1(void **state)
{
    (void) state;
    qcase q = {"round_robin", "deterministic", 1, 1, -1, 0.8, 1.0, 60000, 3000};
    qresult r;
    simulate(&q, &r);
    hold("M/D/1 rho=0.8 mean response", r.mean_s, theory_md1_response(0.8, 1.0),
         theory_md1_response(0.8, 1.0 / 1.05));
}

/* One single-worker task with queue_limit K-1: M/M/1/K. */
static void test_mm1k(void **state)
{
    (void) state;
    int k = 5;
    qcase q = {"round_robin", "exponential", 1, 1, k - 1, 0.9, 1.0, 40000, 1000};
    qresult r;
    simulate(&q, &r);
    hold("M/M/1/5 rho=0.9 blocking", r.blocked, theory_mm1k_blocking(0.9, 1.0, k),
         theory_mm1k_blocking(0.9, 1.05, k));
    hold("M/M/1/5 rho=0.9 mean response", r.mean_s, theory_mm1k_response(0.9, 1.0, k),
         theory_mm1k_response(0.9, 1.05, k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mm1_half),    cmocka_unit_test(test_mm1_p99),
        cmocka_unit_test(test_mm1_busy),    cmocka_unit_test(test_mm2),
        cmocka_unit_test(test_mm8),         cmocka_unit_test(test_random_dispatch),
        cmocka_unit_test(test_round_robin), cmocka_unit_test(test_md1),
        cmocka_unit_test(test_mm1k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

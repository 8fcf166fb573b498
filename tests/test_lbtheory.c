/* test_lbtheory.c -- the queueing literature's load-balancing algorithms
 * (models/lb.c: join_shortest_queue, power_of_two, least_utilisation)
 * against what theory knows of them, from one long run each with its
 * batch-means interval (sim/estimate.h):
 *   - random over n single-worker tasks is n independent M/M/1 queues
 *     (mean 1/(mu - lambda/n), p99 ln(100) times that);
 *   - power of two choices approaches, from above as n grows, the mean
 *     field of Mitzenmacher (2001) and Vvedenskaya, Dobrushin & Karpelevich
 *     (1996): mean response sum_{i>=1} rho^(2^i - 2) / mu; its tail is far
 *     lighter than random's;
 *   - join the shortest queue is never better than one shared queue (M/M/n,
 *     which no dispatcher beats with exponential work: the shared queue is
 *     work-conserving) and, in heavy traffic, close to it (JSQ is
 *     asymptotically optimal: Foschini & Salz 1978);
 *   - least_utilisation is join_shortest_queue when every task has the
 *     same workers.
 * Pinned seeds: a failure is a bias to find, never a seed to change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/queueing.h"
#include "sim/run.h"
#include "support/testutil.h"

typedef struct out {
    double mean, lo, hi, p99, p99_lo, p99_hi;
    unsigned long long fp;
} out;

static out run(const char *alg, int tasks, double rho, double duration_s)
{
    char *y = NULL;
    if (asprintf(&y,
                 "run: {duration_s: %g, sample_interval_s: 100}\n"
                 "host_groups: {h: {instance_type: m5.4xlarge, count: %d}}\n"
                 "task_definitions: {t: {cpu: 1024, memory_mib: 256, workers: 1}}\n"
                 "services: {s: {task_definition: t, desired_count: %d, load_balancer: lb,\n"
                 "               placement_strategy: spread:host}}\n"
                 "load_balancers: {lb: {algorithm: %s, idle_timeout_s: 4000,\n"
                 "                      health_check: {enabled: false}}}\n"
                 "workloads: {w: {target: lb, rate_per_s: %g,\n"
                 "                demand: {distribution: exponential, mean_s: 1}}}\n",
                 duration_s, (tasks + 15) / 16, tasks, alg, rho * tasks) < 0)
        abort();
    struct run_result res;
    char *s = tu_run_text(y, NULL, 0, 1, &res, NULL);
    assert_non_null(s);
    out o = {tu_column(s, "mean_s"),
             tu_column(s, "mean_s_ci_low"),
             tu_column(s, "mean_s_ci_high"),
             tu_column(s, "p99_s"),
             tu_column(s, "p99_s_ci_low"),
             tu_column(s, "p99_s_ci_high"),
             (unsigned long long) res.fingerprint};
    printf("  %-20s n=%-3d rho=%.2f  mean %.4f [%.4f, %.4f]  p99 %.3f [%.3f, %.3f]\n", alg, tasks,
           rho, o.mean, o.lo, o.hi, o.p99, o.p99_lo, o.p99_hi);
    free(s);
    free(y);
    return o;
}

/* Random over 10 tasks at 0.9: M/M/1 each, mean 10 s and p99 46.05 s
 * inside the run's intervals (2 x 10^5 s: an M/M/1 at 0.9 forgets its
 * state in some 400 s, so the run's 20 batches of 10^4 s are nearly
 * independent). Power of two over 100 tasks: the mean field's 2.6149 s is
 * below the run's interval (finite n sits above the limit) or inside it,
 * within 5%; its p99 is under a quarter of random's. */
static void test_power_of_two(void **state)
{
    (void) state;
    out r = run("random", 10, 0.9, 200000);
    assert_true(r.lo <= 10 && 10 <= r.hi);
    assert_true(r.p99_lo <= log(100.0) * 10 && log(100.0) * 10 <= r.p99_hi);
    out p = run("power_of_two", 100, 0.9, 20000);
    double mf = q_pod_response(0.9, 1, 2);
    printf("  mean field %.4f\n", mf);
    assert_true(p.lo > mf || fabs(p.mean - mf) <= p.hi - p.mean);
    assert_true(p.mean <= 1.05 * mf);
    assert_true(p.p99 < r.p99 / 4);
}

/* Join the shortest queue over 4 tasks at 0.9: not below M/M/4's 2.9694 s
 * (the shared queue is the lower bound), below power of two over the same
 * tasks, which is below random's M/M/1 (10 s). (For n > 2 JSQ has no
 * closed form; how close it comes to M/M/n at this load is measured, not
 * asserted: README.) */
static void test_jsq(void **state)
{
    (void) state;
    double mmc = q_mmc_response(3.6, 1, 4);
    out j = run("join_shortest_queue", 4, 0.9, 200000);
    out p = run("power_of_two", 4, 0.9, 200000);
    printf("  M/M/4 %.4f\n", mmc);
    assert_true(j.hi >= mmc);
    assert_true(j.hi < p.lo);
    assert_true(p.hi < 10);
}

/* With tasks of equal workers the fewest requests per worker is the fewest
 * requests: the same picks, the same draws for ties, the same run. */
static void test_least_utilisation(void **state)
{
    (void) state;
    out a = run("join_shortest_queue", 6, 0.8, 5000);
    out b = run("least_utilisation", 6, 0.8, 5000);
    assert_true(a.fp == b.fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_of_two),
        cmocka_unit_test(test_jsq),
        cmocka_unit_test(test_least_utilisation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

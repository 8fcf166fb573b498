/* test_workload.c -- workloads end to end: closed-loop users against the
 * interactive response-time law, clients that time out and retry under
 * overload against the retry arithmetic, the retry budget, request classes
 * (mix and per-class outputs), and superposed sources. Statistical checks
 * use pinned seeds and replications; each has a negative control. */
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

static const char *cluster_yaml =
    "host_groups: {h: {instance_type: m5.4xlarge, count: 1}}\n"
    "task_definitions: {t: {cpu: 1024, memory_mib: 256, workers: 1}}\n"
    "services: {s: {task_definition: t, desired_count: 2, load_balancer: lb}}\n"
    "load_balancers: {lb: {algorithm: round_robin}}\n";

static char *scenario(const char *run_and_workloads)
{
    char *y = NULL;
    if (asprintf(&y, "%s%s", cluster_yaml, run_and_workloads) < 0) abort();
    return y;
}

/* Interactive response-time law (Denning and Buzen's operational laws):
 * N users with think time Z and response time R give throughput
 * X = N / (R + Z), whatever the service. */
static void test_closed_loop_law(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 20000, warmup_s: 1000}\n"
                       "workloads: {w: {target: lb, arrival: closed_loop,\n"
                       "  users: {count: 20, think: {distribution: exponential, mean_s: 1.0}},\n"
                       "  demand: {distribution: exponential, mean_s: 0.08}}}\n");
    double ratio[REPS], ratio_off[REPS];
    for (int r = 0; r < REPS; r++) {
        run_result res;
        char *summary = tu_run_text(y, NULL, 0, (unsigned long long) r + 1, &res, NULL);
        assert_non_null(summary);
        double x = (double) res.completed / (20000.0 - 1000.0);
        double rt = tu_column(summary, "client_mean_s");
        ratio[r] = x * (rt + 1.0) / 20.0;
        ratio_off[r] = x * (rt + 1.05) / 20.0; /* think time 5% off */
        free(summary);
    }
    double m, h, m2, h2;
    theory_ci95(ratio, REPS, &m, &h);
    theory_ci95(ratio_off, REPS, &m2, &h2);
    printf("  X (R+Z) / N = %.5f +- %.5f; with Z 5%% off %.5f +- %.5f\n", m, h, m2, h2);
    assert_true(fabs(m - 1.0) <= h);
    assert_true(fabs(m2 - 1.0) > h2); /* negative control */
    free(y);
}

/* Twice the capacity, a 1 s client timeout and 3 retries: the queue grows
 * without bound, so almost every attempt times out and each request is
 * tried 1 + 3 times: the offered load grows 4x (the retry storm). */
static void test_retry_storm(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 600}\n"
                       "workloads: {w: {target: lb, rate_per_s: 40,\n"
                       "  demand: {distribution: exponential, mean_s: 0.1},\n"
                       "  client: {timeout_s: 1, retries: 3, backoff_base_s: 0.05,\n"
                       "           jitter: full}}}\n");
    run_result res;
    char *summary = tu_run_text(y, NULL, 0, 1, &res, NULL);
    assert_non_null(summary);
    double requests = tu_column(summary, "requests");
    double retries = tu_column(summary, "retries");
    double timeouts = tu_column(summary, "timeouts");
    double failed = tu_column(summary, "errors");
    printf("  requests %.0f retries %.0f (%.3f per request) timeouts %.0f failed %.0f\n", requests,
           retries, retries / requests, timeouts, failed);
    /* attempts per request = 1 + p + p^2 + p^3 with p the share of attempts
     * that fail; measured p from the run must reproduce the retry count */
    double attempts = requests + retries;
    double p = timeouts / attempts;
    double predicted = requests * (p + p * p + p * p * p);
    assert_true(fabs(retries - predicted) / predicted < 0.02);
    assert_true(retries / requests > 2.9);
    /* the negative control: the arithmetic with one retry fewer is far off */
    assert_true(fabs(retries - requests * (p + p * p)) / retries > 0.2);
    /* in the time series the retries column shows the storm */
    free(summary);
    free(y);
}

/* A retry budget (tokens: each first try earns 0.1, a retry costs 1, the
 * bucket holds 10) caps retries at 10% of requests plus the burst. */
static void test_retry_budget(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 600}\n"
                       "workloads: {w: {target: lb, rate_per_s: 40,\n"
                       "  demand: {distribution: exponential, mean_s: 0.1},\n"
                       "  client: {timeout_s: 1, retries: 3, retry_budget: 0.1,\n"
                       "           retry_budget_burst: 10}}}\n");
    run_result res;
    char *summary = tu_run_text(y, NULL, 0, 1, &res, NULL);
    assert_non_null(summary);
    double requests = tu_column(summary, "requests");
    double retries = tu_column(summary, "retries");
    printf("  with budget: requests %.0f retries %.0f\n", requests, retries);
    assert_true(retries <= 0.1 * requests + 10 + 1e-9);
    assert_true(retries >= 0.1 * requests - 1); /* under overload the budget is used up */
    free(summary);
    free(y);
}

/* Errors are retried too: a full queue's 502s with retries on errors. */
static void test_errors_retried(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 600}\n"
                       "workloads: {w: {target: lb, rate_per_s: 15,\n"
                       "  demand: {distribution: exponential, mean_s: 0.1},\n"
                       "  client: {retries: 2, retry_on: errors, backoff_base_s: 0.2}}}\n");
    run_result res;
    const char *sets[] = {"task_definitions.t.queue_limit=1"};
    char *summary = tu_run_text(y, sets, 1, 1, &res, NULL);
    assert_non_null(summary);
    double requests = tu_column(summary, "requests"), retries = tu_column(summary, "retries");
    double e502 = tu_column(summary, "errors_502"), failed = tu_column(summary, "errors");
    /* tasks whose one queue slot refuses the load balancer's health checks
     * are replaced, and while they start the group answers 503: errors too */
    e502 += tu_column(summary, "errors_503") + tu_column(summary, "errors_504");
    double first_ok = tu_column(summary, "first_try_ok"), ok = tu_column(summary, "completed");
    assert_true(retries > 0);
    assert_true(fabs(e502 - (retries + failed)) < 0.5); /* each error is retried or ends it */
    assert_true(ok > first_ok);                         /* some succeed on a retry */
    assert_true(fabs(ok + failed - requests) < 0.5);
    free(summary);
    free(y);
}

/* Request classes: the mix follows the weights, each class has its own
 * demand, and summary.csv has per-class columns. */
static void test_request_classes(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 2000}\n"
                       "workloads: {w: {target: lb, rate_per_s: 5}}\n"
                       "request_classes:\n"
                       "  fast: {workload: w, weight: 3,\n"
                       "         demand: {distribution: deterministic, mean_s: 0.01}}\n"
                       "  slow: {workload: w, weight: 1,\n"
                       "         demand: {distribution: deterministic, mean_s: 0.5}}\n");
    run_result res;
    char *summary = tu_run_text(y, NULL, 0, 1, &res, NULL);
    assert_non_null(summary);
    double fast = tu_column(summary, "class_fast_requests");
    double slow = tu_column(summary, "class_slow_requests");
    assert_true(fast + slow == (double) res.requests);
    /* binomial: the share of fast is 3/4 within 3.3 standard deviations (p ~ 0.001) */
    double n = fast + slow, sd = sqrt(n * 0.75 * 0.25);
    assert_true(fabs(fast - 0.75 * n) < 3.3 * sd);
    assert_true(fabs(fast - 0.70 * n) > 3.3 * sd); /* negative control: a 70% mix is rejected */
    /* a deterministic 10 ms class never waits less than its demand */
    assert_true(tu_column(summary, "class_fast_p50_s") >= 0.0099);
    assert_true(tu_column(summary, "class_slow_p50_s") >= 0.49);
    free(summary);
    free(y);
}

/* Two Poisson workloads on one load balancer superpose: requests add. */
static void test_superposition(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 5000}\n"
                       "workloads:\n"
                       "  a: {target: lb, rate_per_s: 2, demand: {mean_s: 0.05}}\n"
                       "  b: {target: lb, rate_per_s: 3, demand: {mean_s: 0.05}}\n");
    run_result res;
    char *summary = tu_run_text(y, NULL, 0, 1, &res, NULL);
    assert_non_null(summary);
    double n = (double) res.requests, mean = 5.0 * 5000;
    assert_true(fabs(n - mean) < 3.3 * sqrt(mean));
    assert_true(fabs(n - 0.95 * mean) > 3.3 * sqrt(mean)); /* negative control */
    free(summary);
    free(y);
}

/* Memory per request by class: a class that holds 300 MiB per request in a
 * 1024 MiB task with a 256 MiB base kills the task (exit code 137) once three
 * of them are in service at once; the task leaves the load balancer, and the
 * service scheduler replaces it, so the replacements die the same way. */
static void test_class_memory_oom(void **state)
{
    (void) state;
    char *y = NULL;
    if (asprintf(&y, "host_groups: {h: {instance_type: m5.4xlarge, count: 1}}\n"
                     "task_definitions: {t: {cpu: 4096, memory_mib: 1024, memory_base_mib: 256,\n"
                     "                       workers: 4}}\n"
                     "services: {s: {task_definition: t, desired_count: 2, load_balancer: lb}}\n"
                     "load_balancers: {lb: {algorithm: round_robin}}\n"
                     "run: {duration_s: 600}\n"
                     "workloads: {w: {target: lb, rate_per_s: 4}}\n"
                     "request_classes:\n"
                     "  light: {workload: w, weight: 9, memory_per_request_mib: 10,\n"
                     "          demand: {distribution: exponential, mean_s: 0.05}}\n"
                     "  report: {workload: w, weight: 1, memory_per_request_mib: 300,\n"
                     "           demand: {distribution: deterministic, mean_s: 20}}\n") < 0)
        abort();
    run_result res;
    char *summary = tu_run_text(y, NULL, 0, 1, &res, NULL);
    assert_non_null(summary);
    assert_true(tu_column(summary, "oom_kills") > 2); /* both tasks and replacements */
    assert_true(tu_column(summary, "errors_502") >= 3);
    assert_true(tu_column(summary, "errors_503") > 0); /* no target left */
    assert_true(tu_column(summary, "peak_task_mem_pct") > 100);
    free(summary);
    free(y);
}

/* Exact replay: with uniform placement every bin of a counts trace is
 * reproduced, bin for bin, in the time series (one row per 60 s bin). */
static void test_counts_exact_replay(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *yaml = NULL, *out = NULL, *ts_path = NULL, *trace = NULL;
    if (asprintf(&trace, "%s/scenarios/traces/sample_counts.csv", getenv("PWD")) < 0 ||
        asprintf(&out, "%s/out", dir) < 0 || asprintf(&ts_path, "%s/out/timeseries.csv", dir) < 0)
        abort();
    if (asprintf(&yaml,
                 "%srun: {duration_s: 100000, sample_interval_s: 60}\n"
                 "workloads: {w: {target: lb, arrival: trace, demand: {mean_s: 0.001},\n"
                 "  trace: {file: \"%s\", format: counts, placement: uniform}}}\n",
                 cluster_yaml, trace) < 0)
        abort();
    char *scen = tu_write_file(dir, "s.yaml", yaml);
    tu_cli c = tu_run_cli((const char *[]){"run", scen, "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    char *counts = tu_read_file(trace, NULL), *ts = tu_read_file(ts_path, NULL);
    const char *cl = strchr(counts, '\n') + 1, *tl = strchr(ts, '\n') + 1;
    int bins = 0;
    while (*cl) {
        double t_bin, t_row;
        unsigned long long n, got;
        char svc[16];
        assert_int_equal(sscanf(cl, "%lf,%llu", &t_bin, &n), 2);
        assert_int_equal(sscanf(tl, "%lf,%15[^,],%llu", &t_row, svc, &got), 3);
        assert_true(t_row > t_bin && t_row <= t_bin + 60 + 1e-6); /* the last row ends the run */
        assert_int_equal(got, n);
        bins++;
        cl = strchr(cl, '\n') + 1;
        tl = strchr(tl, '\n') + 1;
    }
    assert_int_equal(bins, 120);
    free(counts);
    free(ts);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(yaml);
    free(out);
    free(ts_path);
    free(trace);
    free(dir);
}

/* A bad row met in the middle of a run: one message naming file:line:column,
 * exit 2, and no output files (the run's files are never renamed in). */
static void test_bad_trace_row_mid_run(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *trace = NULL, *yaml = NULL, *out = NULL;
    if (asprintf(&trace, "%s/t.csv", dir) < 0 || asprintf(&out, "%s/out", dir) < 0) abort();
    FILE *f = fopen(trace, "w");
    fprintf(f, "t_seconds,demand_ms\n");
    for (int i = 0; i < 500; i++) fprintf(f, "%d.5,%s\n", i, i == 400 ? "fast" : "20");
    fclose(f);
    if (asprintf(&yaml,
                 "%srun: {duration_s: 1000}\n"
                 "workloads: {w: {target: lb, arrival: trace,\n"
                 "  trace: {file: t.csv, format: requests, demand_column: demand_ms,\n"
                 "          demand_scale: 0.001}}}\n",
                 cluster_yaml) < 0)
        abort();
    char *scen = tu_write_file(dir, "s.yaml", yaml);
    tu_cli c = tu_run_cli((const char *[]){"run", scen, "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    char *want = NULL;
    if (asprintf(&want,
                 "ecsim: %s/t.csv:402:7: demand_ms: expected a non-negative number (or nothing), "
                 "got \"fast\"\n",
                 dir) < 0)
        abort();
    printf("  %s", c.err);
    assert_string_equal(c.err, want);
    assert_false(tu_exists(out));
    free(want);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(yaml);
    free(trace);
    free(out);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_loop_law),       cmocka_unit_test(test_retry_storm),
        cmocka_unit_test(test_retry_budget),          cmocka_unit_test(test_errors_retried),
        cmocka_unit_test(test_request_classes),       cmocka_unit_test(test_superposition),
        cmocka_unit_test(test_bad_trace_row_mid_run), cmocka_unit_test(test_class_memory_oom),
        cmocka_unit_test(test_counts_exact_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

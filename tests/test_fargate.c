/* test_fargate.c -- the FARGATE launch type.
 *  - Only the documented task sizes (task-cpu-memory-error.html,
 *    task_definition_parameters.html "Task size"): each invalid cpu/memory
 *    pair is a bad-input error naming file:line:column and listing the
 *    valid ones, exit 2, no output directory.
 *  - awsvpc is required (Fargate tasks use the awsvpc network mode).
 *  - Tasks spread over the zones, bill Fargate (not EC2) from the image
 *    pull, and a FARGATE_SPOT interruption at a known time stops the task
 *    within the two-minute notice while the scheduler replaces it
 *    (fargate-capacity-providers.html; knowledge-center
 *    fargate-spot-termination-notice). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/fargate.h"
#include "sim/run.h"
#include "support/testutil.h"

static const char *const scenario =
    "run: {duration_s: 1200, seed: 3}\n"
    "task_definitions:\n"
    "  api: {cpu: %d, memory_mib: %d, workers: 4, launch_type: FARGATE, network_mode: %s}\n"
    "services:\n"
    "  web: {task_definition: api, desired_count: %d, load_balancer: alb%s}\n"
    "load_balancers:\n"
    "  alb: {deregistration_delay_s: 30}\n"
    "workloads:\n"
    "  u: {target: alb, rate_per_s: 40, demand: {distribution: exponential, mean_s: 0.02}}\n"
    "%s";

static char *text(int cpu, int mem, const char *net, int desired, const char *extra_svc,
                  const char *extra)
{
    char *t = malloc(4096);
    snprintf(t, 4096, scenario, cpu, mem, net, desired, extra_svc, extra);
    return t;
}

static void test_sizes(void **state)
{
    (void) state;
    assert_true(fargate_size_ok(256, 512) && fargate_size_ok(256, 2048));
    assert_false(fargate_size_ok(256, 3072));
    assert_true(fargate_size_ok(512, 4096) && !fargate_size_ok(512, 512));
    assert_true(fargate_size_ok(1024, 8192) && !fargate_size_ok(1024, 1536));
    assert_true(fargate_size_ok(2048, 16384) && !fargate_size_ok(2048, 17408));
    assert_true(fargate_size_ok(4096, 30720) && !fargate_size_ok(4096, 4096));
    assert_true(fargate_size_ok(8192, 20480) && !fargate_size_ok(8192, 17408));
    assert_true(fargate_size_ok(16384, 122880) && !fargate_size_ok(16384, 36864));
    assert_false(fargate_size_ok(768, 2048));
}

/* Each invalid pair through the command line: file:line:column, the valid
 * list, exit 2, nothing written. */
static void test_invalid_pairs(void **state)
{
    (void) state;
    static const int bad[][2] = {{256, 4096},  {512, 512},   {1024, 1536}, {2048, 2048},
                                 {4096, 4096}, {8192, 9216}, {768, 2048},  {1024, 9216}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *dir = tu_mkdtemp();
        char *yaml = text(bad[i][0], bad[i][1], "awsvpc", 2, "", "");
        char *path = tu_write_file(dir, "s.yaml", yaml);
        char out[4200];
        snprintf(out, sizeof out, "%s/out", dir);
        const char *args[] = {"run", path, "-o", out, NULL};
        tu_cli r = tu_run_cli(args);
        assert_int_equal(r.rc, 2);
        char where[4200];
        snprintf(where, sizeof where, "%s:3:", path);
        assert_non_null(strstr(r.err, where));
        assert_non_null(strstr(r.err, "is not a Fargate task size; valid: cpu 256 with memory_mib "
                                      "512, 1024 or 2048"));
        assert_non_null(strstr(r.err, "4096 with 8192-30720 in steps of 1024"));
        assert_int_equal(tu_count_entries(out), -1);
        tu_cli_free(&r);
        free(yaml);
        free(path);
        tu_rmtree(dir);
        free(dir);
    }
    /* bridge networking on Fargate */
    char *err = NULL;
    char *yaml = text(1024, 2048, "bridge", 2, "", "");
    assert_null(tu_run_text(yaml, NULL, 0, 1, NULL, &err));
    assert_non_null(strstr(err, "Fargate tasks need awsvpc"));
    free(err);
    free(yaml);
}

/* Six tasks over three zones, two each; billed as Fargate, no EC2 host. */
static void test_spread_and_bill(void **state)
{
    (void) state;
    char *yaml = text(1024, 2048, "awsvpc", 6, "", "");
    run_result res;
    char *sum = tu_run_text(yaml, NULL, 0, 1, &res, NULL);
    assert_non_null(sum);
    assert_true(tu_column(sum, "hosts") == 0);
    assert_true(tu_column(sum, "cost_ec2_usd") == 0);
    /* six tasks of 1 vCPU + 2 GB for the whole run (t=0 tasks start at once) */
    double rate = 0.04048 + 2 * 0.004445, end = tu_column(sum, "sim_end_s");
    assert_true(fabs(tu_column(sum, "cost_fargate_usd") - 6 * rate * end / 3600) < 1e-6);
    assert_true(tu_column(sum, "web_tasks") == 6);
    free(sum);
    free(yaml);
}

/* spot_interruptions at 300 s on the 3rd task (on FARGATE_SPOT): the notice,
 * SIGTERM and deregistration, a replacement placed at once, the task
 * stopped before 300 + 120 s; no request fails (the target drains). */
static void test_spot_notice(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *yaml = text(1024, 2048, "awsvpc", 4, ", capacity_provider_strategy: \"FARGATE_SPOT\"",
                      "spot_interruptions: {one: {at_s: 300, service: web, task: 3}}\n");
    char *path = tu_write_file(dir, "s.yaml", yaml);
    char out[4200];
    snprintf(out, sizeof out, "%s/out", dir);
    const char *args[] = {"run", path, "-o", out, "-q", NULL};
    tu_cli r = tu_run_cli(args);
    assert_int_equal(r.rc, 0);
    char evp[4300];
    snprintf(evp, sizeof evp, "%s/events.csv", out);
    char *evs = tu_read_file(evp, NULL);
    assert_non_null(strstr(evs, "300,spot_interruption_notice,web/3,"));
    assert_non_null(strstr(evs, "300,task_state,web/3,RUNNING -> DEACTIVATING: Your Spot Task was "
                                "interrupted."));
    assert_non_null(strstr(evs, "300,task_placed,web/5,\"on fargate-spot-5"));
    const char *stop = strstr(evs, ",task_stopped,web/3,");
    assert_non_null(stop);
    const char *line = stop;
    while (line > evs && line[-1] != '\n') line--;
    double t_stop = strtod(line, NULL);
    assert_true(t_stop >= 300 && t_stop <= 420);
    char sp[4300];
    snprintf(sp, sizeof sp, "%s/summary.csv", out);
    char *sum = tu_read_file(sp, NULL);
    assert_true(tu_column(sum, "spot_interruption_notices") == 1);
    assert_true(tu_column(sum, "errors") == 0);
    assert_true(tu_column(sum, "requests") == tu_column(sum, "completed"));
    assert_true(tu_column(sum, "cost_fargate_spot_usd") > 0);
    assert_true(tu_column(sum, "cost_saved_usd") > 0);
    free(sum);
    free(evs);
    tu_cli_free(&r);
    free(yaml);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_invalid_pairs),
        cmocka_unit_test(test_spread_and_bill),
        cmocka_unit_test(test_spot_notice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

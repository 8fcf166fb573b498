/* test_spot.c -- EC2 Spot in an Auto Scaling group.
 *  - Mixed instances policy (API InstancesDistribution):
 *    OnDemandBaseCapacity, then OnDemandPercentageAboveBaseCapacity of the
 *    rest On-Demand, rounded up in favour of On-Demand; Spot instances bill
 *    at the Spot price.
 *  - An interruption at a known time: the two-minute notice
 *    (spot-instance-termination-notices.html); with
 *    ECS_ENABLE_SPOT_INSTANCE_DRAINING the container instance turns
 *    DRAINING and its tasks are replaced elsewhere before the instance goes
 *    (container-instance-spot.html), so no request fails; without it the
 *    tasks die with the instance at the end of the notice (exit 137; any
 *    request in them gets 502) and are replaced only then. */
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

static const char *const scenario =
    "run: {duration_s: 900, seed: 5}\n"
    "cluster: {spot_instance_draining: %s}\n"
    "auto_scaling_groups:\n"
    "  ecs: {instance_types: \"c5.large, m5.large\", zones: \"us-east-1a, us-east-1b\", "
    "min_size: %d, max_size: %d, desired_capacity: %d, on_demand_base_capacity: %d, "
    "on_demand_percentage_above_base: %d, spot_interruption_scale: 0, "
    "health_check_grace_period_s: 0}\n"
    "task_definitions: {api: {cpu: 512, memory_mib: 768, workers: 2}}\n"
    "services: {web: {task_definition: api, desired_count: 4, load_balancer: alb}}\n"
    "load_balancers: {alb: {deregistration_delay_s: 20}}\n"
    "workloads: {u: {target: alb, rate_per_s: 20, demand: {distribution: exponential, mean_s: "
    "0.02}}}\n"
    "%s";

typedef struct outcome {
    char *dir, *summary, *events;
    int rc;
} outcome;

static outcome run(const char *drain, int n, int base, int pct, const char *extra)
{
    outcome o = {tu_mkdtemp(), NULL, NULL, 0};
    char yaml[4096];
    snprintf(yaml, sizeof yaml, scenario, drain, n, n, n, base, pct, extra);
    char *path = tu_write_file(o.dir, "s.yaml", yaml);
    char out[4200], f[4300];
    snprintf(out, sizeof out, "%s/out", o.dir);
    const char *args[] = {"run", path, "-o", out, "-q", NULL};
    tu_cli r = tu_run_cli(args);
    o.rc = r.rc;
    tu_cli_free(&r);
    free(path);
    snprintf(f, sizeof f, "%s/summary.csv", out);
    o.summary = tu_read_file(f, NULL);
    snprintf(f, sizeof f, "%s/events.csv", out);
    o.events = tu_read_file(f, NULL);
    return o;
}

static void done(outcome *o)
{
    free(o->summary);
    free(o->events);
    tu_rmtree(o->dir);
    free(o->dir);
}

/* Spot instances' count and price: 10 at 70% -> 7 On-Demand (c5.large at
 * 0.085/h) and 3 Spot (c5.large, the cheaper Spot price, 0.0383/h); 6 at
 * 70% -> ceil(4.2) = 5 On-Demand, 1 Spot; base 2 and 0% -> 2 and 4. */
static void test_mix(void **state)
{
    (void) state;
    static const int cases[][4] = {{10, 0, 70, 3}, {6, 0, 70, 1}, {6, 2, 0, 4}, {4, 0, 100, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        outcome o = run("false", cases[i][0], cases[i][1], cases[i][2], "");
        assert_int_equal(o.rc, 0);
        double end = tu_column(o.summary, "sim_end_s");
        int spot = cases[i][3], od = cases[i][0] - spot;
        assert_true(fabs(tu_column(o.summary, "cost_ec2_usd") - od * 0.085 * end / 3600) < 1e-9);
        assert_true(fabs(tu_column(o.summary, "cost_spot_usd") - spot * 0.0383 * end / 3600) <
                    1e-9);
        done(&o);
    }
}

/* All Spot, instance ecs-1 interrupted at 300 s. */
static void test_interruption(void **state)
{
    (void) state;
    const char *at = "spot_interruptions: {x: {at_s: 300, host: ecs-1}}\n";
    outcome o = run("true", 2, 0, 0, at);
    assert_int_equal(o.rc, 0);
    assert_non_null(strstr(o.events, "300,spot_interruption_notice,ecs-1,"));
    assert_non_null(strstr(o.events, "container instance DRAINING"));
    /* its tasks are replaced on ecs-2 at the notice, and stop before 420 s */
    assert_non_null(strstr(o.events, "300,task_placed,web/5,\"on ecs-2"));
    int stopped = 0;
    for (const char *l = o.events; (l = strstr(l, "\n")) != NULL; l++) {
        double t = strtod(l + 1, NULL);
        if (strstr(l + 1, ",task_stopped,") &&
            strstr(l + 1, ",task_stopped,") < strchr(l + 1, '\n') && t >= 300) {
            assert_true(t <= 420);
            stopped++;
        }
    }
    assert_int_equal(stopped, 2);
    assert_true(tu_column(o.summary, "errors") == 0);
    assert_true(tu_column(o.summary, "spot_interruption_notices") == 1);
    assert_non_null(strstr(o.events, "420,spot_interrupted,ecs-1,") == NULL
                        ? strstr(o.events, ",host_terminated,ecs-1,")
                        : strstr(o.events, "420,spot_interrupted,ecs-1,"));
    double tasks = tu_column(o.summary, "web_tasks");
    assert_true(tasks == 4);
    done(&o);
    /* without draining the tasks die at 420 s; their requests are 502s */
    o = run("false", 2, 0, 0, at);
    assert_non_null(strstr(o.events, "420,spot_interrupted,ecs-1,"));
    assert_non_null(strstr(o.events,
                           "420,task_stopped,web/2,exit code 137: Host EC2 instance ecs-1 "
                           "terminated (Spot interruption)"));
    assert_null(strstr(o.events, "300,task_placed,"));
    assert_true(tu_column(o.summary, "errors") == tu_column(o.summary, "errors_502"));
    done(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mix),
        cmocka_unit_test(test_interruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_run.c -- how a run ends and what it reports, end to end: run.drain,
 * run.max_requests, --until, tasks that fit nowhere (ECS's service event in
 * events.csv and a count in summary.csv), and the cost of the hosts (EC2
 * per-second billing with a 60-second minimum). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cost.h"
#include "sim/run.h"
#include "support/testutil.h"

static const char base_yaml[] = "run: {duration_s: 600}\n"
                                "host_groups: {g: {instance_type: m5.large, count: 2}}\n"
                                "task_definitions: {t: {cpu: 1024, memory_mib: 1024}}\n"
                                "services: {s: {task_definition: t, desired_count: 2,\n"
                                "               load_balancer: lb}}\n"
                                "load_balancers: {lb: {algorithm: round_robin}}\n"
                                "workloads: {w: {target: lb, rate_per_s: 5,\n"
                                "                demand: {mean_s: 0.3}}}\n";

typedef struct outcome {
    run_result res;
    char *summary;
    char *events;
    char *timeseries;
} outcome;

static outcome run_with(const char *const *sets, int n_sets, double until_s)
{
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "s.yaml", base_yaml);
    run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = scen;
    o.out_dir = dir;
    o.sets = sets;
    o.n_sets = n_sets;
    o.until_s = until_s;
    o.quiet = 1;
    outcome out;
    ecs_err e;
    err_clear(&e);
    int rc = run_scenario(&o, stdout, &out.res, &e);
    if (rc != ECS_OK) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, ECS_OK);
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    out.summary = tu_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/events.csv", dir);
    out.events = tu_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    out.timeseries = tu_read_file(path, NULL);
    tu_rmtree(dir);
    free(scen);
    free(dir);
    return out;
}

static void outcome_free(outcome *o)
{
    free(o->summary);
    free(o->events);
    free(o->timeseries);
}

/* The value of a summary.csv column (numbers and words only: no quoting). */
static double column(const char *summary, const char *name)
{
    const char *row = strchr(summary, '\n') + 1;
    const char *h = summary, *v = row;
    size_t len = strlen(name);
    while (*h && *h != '\n') {
        size_t hl = strcspn(h, ",\n");
        if (hl == len && strncmp(h, name, len) == 0) {
            if (strncmp(v, "true", 4) == 0) return 1;
            if (strncmp(v, "false", 5) == 0) return 0;
            return strtod(v, NULL);
        }
        h += hl + (h[hl] == ',');
        v += strcspn(v, ",\n") + 1;
    }
    fail_msg("no column %s", name);
    return NAN;
}

static void test_drain_lets_requests_finish(void **state)
{
    (void) state;
    outcome o = run_with(NULL, 0, INFINITY);
    assert_true(o.res.end_s >= 600.0 - 1e-9); /* the last request ends after arrivals stop */
    assert_int_equal(column(o.summary, "in_flight_end"), 0);
    assert_int_equal(o.res.requests, o.res.completed + o.res.errors);
    outcome_free(&o);
}

static void test_no_drain_stops_at_duration(void **state)
{
    (void) state;
    /* 6 req/s of 0.3 s on 2 single-worker tasks: busy enough to leave some in flight */
    const char *sets[] = {"run.drain=false", "workloads.w.rate_per_s=6"};
    outcome o = run_with(sets, 2, INFINITY);
    assert_true(o.res.end_s == 600.0);
    double left = column(o.summary, "in_flight_end");
    assert_true(left > 0);
    assert_true(fabs((double) o.res.requests - (double) (o.res.completed + o.res.errors) - left) <
                0.5);
    outcome_free(&o);
}

static void test_max_requests(void **state)
{
    (void) state;
    const char *sets[] = {"run.max_requests=777"};
    outcome o = run_with(sets, 1, INFINITY);
    assert_int_equal(o.res.requests, 777);
    assert_int_equal(o.res.completed, 777);
    assert_true(o.res.end_s < 600.0);
    outcome_free(&o);
}

static void test_until_caps_time(void **state)
{
    (void) state;
    outcome o = run_with(NULL, 0, 100.0);
    assert_true(o.res.end_s == 100.0);
    assert_true(o.res.requests > 300 && o.res.requests < 700); /* 5/s for 100 s */
    outcome_free(&o);
}

/* ECS service event when nothing fits (service-event-messages.html): the
 * task is reported, not dropped. Two m5.large (2048 CPU units each) hold
 * four 1024-unit tasks; the fifth and sixth fit nowhere. */
static void test_unplaced_tasks_are_reported(void **state)
{
    (void) state;
    const char *sets[] = {"services.s.desired_count=6"};
    outcome o = run_with(sets, 1, INFINITY);
    assert_int_equal(column(o.summary, "tasks_running"), 4);
    assert_int_equal(column(o.summary, "tasks_unplaced"), 2);
    assert_int_equal(column(o.summary, "s_unplaced_tasks"), 2);
    const char *want = "0,task_unplaced,s,\"service s was unable to place a task because no "
                       "container instance met all of its requirements. The closest matching "
                       "container-instance g-1 has insufficient CPU units available (0 free, "
                       "1024 needed).\"\n";
    const char *first = strstr(o.events, want);
    assert_non_null(first);
    assert_non_null(strstr(first + 1, "task_unplaced"));
    outcome_free(&o);
}

/* "Not enough ports: if your task uses fixed host port mapping (for example,
 * your task uses port 80 on the host for a web server), you must have at
 * least one container instance per task" (service-event-messages.html):
 * three hosts take three tasks with host port 80; the fourth gets ECS's
 * "is already using a port required by your task". Dynamic host ports
 * (hostPort 0, API PortMapping) do not limit them. */
static void test_static_port_one_task_per_host(void **state)
{
    (void) state;
    const char *sets[] = {"host_groups.g.count=3", "task_definitions.t.host_port=80",
                          "services.s.desired_count=4"};
    outcome o = run_with(sets, 3, INFINITY);
    assert_int_equal(column(o.summary, "tasks_running"), 3);
    assert_int_equal(column(o.summary, "tasks_unplaced"), 1);
    assert_non_null(strstr(o.events, "0,task_unplaced,s,service s was unable to place a task "
                                     "because no container instance met all of its requirements. "
                                     "The closest matching container-instance g-1 is already "
                                     "using a port required by your task (host port 80).\n"));
    outcome_free(&o);
    const char *dynamic[] = {"host_groups.g.count=3", "task_definitions.t.host_port=0",
                             "services.s.desired_count=4"};
    o = run_with(dynamic, 3, INFINITY);
    assert_int_equal(column(o.summary, "tasks_running"), 4);
    assert_int_equal(column(o.summary, "tasks_unplaced"), 0);
    outcome_free(&o);
}

/* "Each task that uses the awsvpc network mode receives its own elastic
 * network interface ... the primary network interface counts as one"
 * (container-instance-eni.html): an m5.large (3 ENIs) runs two awsvpc tasks
 * however small; the fifth task on two hosts gets RESOURCE:ENI. */
static void test_awsvpc_eni_limit(void **state)
{
    (void) state;
    /* a light load: four quarter-vCPU tasks must pass their health checks */
    const char *sets[] = {"task_definitions.t.network_mode=awsvpc", "task_definitions.t.cpu=256",
                          "task_definitions.t.memory_mib=256", "services.s.desired_count=5",
                          "workloads.w.rate_per_s=1"};
    outcome o = run_with(sets, 5, INFINITY);
    assert_int_equal(column(o.summary, "tasks_running"), 4);
    assert_int_equal(column(o.summary, "tasks_unplaced"), 1);
    assert_non_null(strstr(o.events, "The closest matching container-instance g-1 encountered "
                                     "error \"\"RESOURCE:ENI\"\" (2 of 2 task ENIs attached on "
                                     "m5.large).\"\n"));
    outcome_free(&o);
}

/* Constraints are binding (task-placement-strategies.html): distinctInstance
 * places each task on a different instance; memberOf only on instances its
 * expression selects, here by a custom attribute (task-placement-
 * constraints.html); the service event names the unsatisfied constraint. */
static void test_placement_constraints(void **state)
{
    (void) state;
    const char *distinct[] = {"services.s.placement_constraints=distinctInstance",
                              "services.s.desired_count=3", "task_definitions.t.cpu=256"};
    outcome o = run_with(distinct, 3, INFINITY);
    assert_int_equal(column(o.summary, "tasks_running"), 2);
    assert_int_equal(column(o.summary, "tasks_unplaced"), 1);
    assert_non_null(strstr(o.events, "encountered error \"\"DistinctInstance placement "
                                     "constraint unsatisfied.\"\"\"\n"));
    outcome_free(&o);
    const char *member[] = {"host_groups.g.attributes=stack=prod",
                            "services.s.placement_constraints=memberOf(attribute:stack == dev)"};
    o = run_with(member, 2, INFINITY);
    assert_int_equal(column(o.summary, "tasks_running"), 0);
    assert_int_equal(column(o.summary, "tasks_unplaced"), 2);
    assert_non_null(strstr(o.events,
                           "The closest matching container-instance g-1 encountered "
                           "error \"\"MemberOf placement constraint unsatisfied.\"\"\"\n"));
    outcome_free(&o);
    const char *prod[] = {"host_groups.g.attributes=stack=prod",
                          "services.s.placement_constraints=memberOf(attribute:stack == prod)"};
    o = run_with(prod, 2, INFINITY);
    assert_int_equal(column(o.summary, "tasks_running"), 2);
    outcome_free(&o);
}

/* EC2 per-second billing, 60-second minimum (EC2 On-Demand pricing page). */
static void test_cost(void **state)
{
    (void) state;
    assert_true(cost_billed_s(0, 30) == 60.0);
    assert_true(cost_billed_s(0, 61.5) == 61.5);
    assert_true(cost_billed_s(100, 100) == 60.0);
    /* cost_usd counts the load balancer too (costreport.h); this test is
     * about the EC2 bill alone */
    const char *sets[] = {"run.drain=false", "cost.include_load_balancer=false"};
    outcome o = run_with(sets, 2, INFINITY);
    /* two m5.large at 0.096 USD/h in us-east-1 for 600 s */
    assert_true(fabs(o.res.cost_usd - 2 * 0.096 * 600 / 3600) < 1e-12);
    assert_true(fabs(column(o.summary, "host_hours") - 2 * 600.0 / 3600) < 1e-9);
    outcome_free(&o);
    const char *eu[] = {"run.drain=false", "cluster.region=eu-west-1",
                        "cost.include_load_balancer=false"};
    o = run_with(eu, 3, INFINITY);
    assert_true(fabs(o.res.cost_usd - 2 * 0.107 * 600 / 3600) < 1e-12);
    outcome_free(&o);
}

/* Every interval of the time series is a row; counts add up to the totals. */
static void test_timeseries_adds_up(void **state)
{
    (void) state;
    const char *sets[] = {"run.drain=false"};
    outcome o = run_with(sets, 1, INFINITY);
    unsigned long long arrivals = 0;
    int rows = 0;
    const char *line = strchr(o.timeseries, '\n') + 1;
    while (*line) {
        double t;
        char svc[32];
        unsigned long long a;
        assert_int_equal(sscanf(line, "%lf,%31[^,],%llu", &t, svc, &a), 3);
        assert_true(fabs(t - 60.0 * (rows + 1)) < 1e-9);
        arrivals += a;
        rows++;
        line = strchr(line, '\n') + 1;
    }
    assert_int_equal(rows, 10);
    assert_int_equal(arrivals, o.res.requests); /* no warm-up: every arrival counts */
    outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drain_lets_requests_finish),
        cmocka_unit_test(test_no_drain_stops_at_duration),
        cmocka_unit_test(test_max_requests),
        cmocka_unit_test(test_until_caps_time),
        cmocka_unit_test(test_unplaced_tasks_are_reported),
        cmocka_unit_test(test_static_port_one_task_per_host),
        cmocka_unit_test(test_awsvpc_eni_limit),
        cmocka_unit_test(test_placement_constraints),
        cmocka_unit_test(test_cost),
        cmocka_unit_test(test_timeseries_adds_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

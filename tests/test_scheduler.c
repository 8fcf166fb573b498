/* test_scheduler.c -- the service scheduler and the task lifecycle end to
 * end: short scenarios run through the command line, and their events.csv
 * read back to check the sequence and timing of what ECS would do. Each test
 * names the AWS page whose rule it checks. Start-up times are deterministic
 * here (image pull 5 s, container start 2 s), so a replacement's timing is
 * exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/service.h"
#include "support/evlog.h"
#include "support/testutil.h"

/* The run's outputs, read back by tests/support/evlog. */
typedef evlog run_out;
typedef evlog_event event;

static run_out run(const char *yaml)
{
    run_out r = evlog_run(yaml, NULL);
    if (r.rc != 0) fprintf(stderr, "%s", r.err);
    return r;
}

static void run_free(run_out *r)
{
    evlog_free(r);
}

/* Events of a kind (and, if given, whose detail contains `has`). */
static size_t count(const run_out *r, const char *kind, const char *has)
{
    return evlog_count(r, kind, NULL, has);
}

static const event *first(const run_out *r, const char *kind, const char *has)
{
    return evlog_first(r, kind, NULL, has);
}

#define LIFECYCLE                                                                                  \
    "image_pull: {distribution: deterministic, mean_s: 5}, "                                       \
    "container_start: {distribution: deterministic, mean_s: 2}"

static char *scenario(const char *extra, const char *services)
{
    char *y = NULL;
    if (asprintf(&y,
                 "host_groups:\n"
                 "  a: {instance_type: m5.large, count: 2, zone: us-east-1a}\n"
                 "  b: {instance_type: m5.large, count: 2, zone: us-east-1b}\n"
                 "task_definitions:\n"
                 "  v1: {cpu: 512, memory_mib: 512, " LIFECYCLE "}\n"
                 "  v2: {cpu: 512, memory_mib: 512, " LIFECYCLE "}\n"
                 "  bad: {cpu: 512, memory_mib: 512, fail_start_probability: 1, " LIFECYCLE "}\n"
                 "load_balancers: {lb: {health_check: {enabled: false}}}\n"
                 "workloads: {w: {target: lb, rate_per_s: 5, demand: {mean_s: 0.05}}}\n"
                 "services:\n"
                 "  web: {task_definition: v1, load_balancer: lb, %s}\n"
                 "%s",
                 services, extra) < 0)
        abort();
    return y;
}

/* Deployment arithmetic, with the worked examples of the service
 * definition parameters page (service_definition_parameters.html,
 * deploymentConfiguration) and the circuit breaker's threshold examples
 * (deployment-circuit-breaker.html). */
static void test_deployment_arithmetic(void **state)
{
    (void) state;
    service sv = {0};
    sv.desired = 4;
    sv.min_healthy_pct = 50;
    sv.max_pct = 200;
    assert_int_equal(service_min_healthy(&sv), 2); /* may stop 2 old before starting 2 new */
    sv.desired = 2;
    sv.min_healthy_pct = 75;
    assert_int_equal(service_min_healthy(&sv), 2); /* rounded up: nothing can be stopped */
    sv.desired = 3;
    sv.max_pct = 125;
    assert_int_equal(service_max_tasks(&sv), 3); /* rounded down: nothing can be started */
    sv.desired = 1;
    assert_int_equal(service_breaker_threshold(&sv), 10);
    sv.desired = 25;
    assert_int_equal(service_breaker_threshold(&sv), 13);
    sv.desired = 400;
    assert_int_equal(service_breaker_threshold(&sv), 200);
}

/* The service scheduler replaces a task whose host failed, on the hosts
 * that remain, and the replacement is RUNNING after its image pull and
 * container start (ecs_services.html: "maintains the desired count";
 * task-lifecycle.html for the states). */
static void test_host_failure_replaced(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 1200}\n"
                       "failures: {boom: {kind: host_failure, host: a-1, at_s: 600}}\n",
                       "desired_count: 4");
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    const event *failed = first(&r, "host_failed", NULL);
    assert_non_null(failed);
    assert_true(failed->t_s == 600);
    assert_string_equal(failed->object, "a-1");
    assert_int_equal(count(&r, "task_stopped", "a-1 terminated"), 1);
    /* one replacement, placed at once, not on the failed host, RUNNING 7 s later */
    size_t placed_late = 0;
    for (size_t i = 0; i < r.n; i++) {
        const event *e = &r.ev[i];
        if (strcmp(e->kind, "task_placed") != 0 || e->t_s == 0) continue;
        placed_late++;
        assert_true(e->t_s == 600);
        assert_null(strstr(e->detail, "on a-1 "));
        assert_string_equal(e->object, "web/5");
    }
    assert_int_equal(placed_late, 1);
    size_t running = 0;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.ev[i].kind, "task_state") == 0 && strcmp(r.ev[i].object, "web/5") == 0 &&
            strstr(r.ev[i].detail, "-> RUNNING")) {
            assert_true(fabs(r.ev[i].t_s - 607) < 1e-9);
            running++;
        }
    assert_int_equal(running, 1);
    assert_true(tu_column(r.summary, "tasks_running") == 4);
    assert_int_equal(count(&r, "service_steady", NULL), 2); /* at t=0, and again after */
    run_free(&r);
    free(y);
}

/* A rolling deployment stays within maximumPercent (tasks PENDING, RUNNING
 * or STOPPING) and completes onto the new revision (deployment-type-ecs.html). */
static void test_rolling_deployment(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 900}\n"
                       "deployments: {d: {service: web, task_definition: v2, at_s: 100}}\n",
                       "desired_count: 4, minimum_healthy_percent: 50, maximum_percent: 150");
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    int live = 0, most = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (strcmp(r.ev[i].kind, "task_placed") == 0) live++;
        if (strcmp(r.ev[i].kind, "task_stopped") == 0) live--;
        if (live > most) most = live;
        if (strcmp(r.ev[i].kind, "task_placed") == 0 && r.ev[i].t_s > 0)
            assert_non_null(strstr(r.ev[i].detail, "task definition v2"));
    }
    assert_int_equal(most, 6); /* floor(4 x 150 / 100) */
    assert_int_equal(live, 4);
    assert_int_equal(count(&r, "deployment_started", "to v2"), 1);
    const event *done = first(&r, "deployment_completed", "to v2");
    assert_non_null(done);
    assert_true(done->t_s > 100 && done->t_s < 200);
    /* minimumHealthyPercent 50: two old tasks stop as the deployment begins */
    size_t early_stops = 0;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.ev[i].kind, "task_state") == 0 && r.ev[i].t_s == 100 &&
            strstr(r.ev[i].detail, "RUNNING -> DEACTIVATING"))
            early_stops++;
    assert_int_equal(early_stops, 2);
    assert_true(tu_column(r.summary, "tasks_running") == 4);
    run_free(&r);
    free(y);
}

/* With minimumHealthyPercent 100 and maximumPercent 100 no task can be
 * started or stopped: the deployment is stuck and says so
 * (deployment-type-ecs.html). */
static void test_stuck_deployment(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 300}\n"
                       "deployments: {d: {service: web, task_definition: v2, at_s: 100}}\n",
                       "desired_count: 2, minimum_healthy_percent: 100, maximum_percent: 100");
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    const event *stuck = first(&r, "deployment_stuck", NULL);
    assert_non_null(stuck);
    assert_true(stuck->t_s == 100);
    assert_int_equal(count(&r, "deployment_completed", NULL), 0);
    run_free(&r);
    free(y);
}

/* A revision whose tasks never start trips the circuit breaker after
 * max(10, ceil(0.5 x desired)) failures and rolls back to the last
 * completed deployment (deployment-circuit-breaker.html); meanwhile the
 * start throttle spaces the retries (service-throttle-logic.html). */
static void test_circuit_breaker_rollback(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 20000}\n"
                       "deployments: {d: {service: web, task_definition: bad, at_s: 60}}\n",
                       "desired_count: 3, circuit_breaker: {enable: true, rollback: true}");
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    const event *failed = first(&r, "deployment_failed", "threshold 10");
    assert_non_null(failed);
    /* it trips at the tenth failure (tasks that fail in the same instant,
     * started together, may take the count past it) */
    size_t before = 0, upto = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (strcmp(r.ev[i].kind, "task_stopped") != 0 ||
            !strstr(r.ev[i].detail, "CannotStartContainerError"))
            continue;
        before += r.ev[i].t_s < failed->t_s;
        upto += r.ev[i].t_s <= failed->t_s;
    }
    assert_true(before < 10 && upto >= 10);
    const event *rollback = first(&r, "deployment_started", "rollback");
    assert_non_null(rollback);
    assert_true(rollback->t_s == failed->t_s);
    assert_non_null(first(&r, "deployment_completed", "to v1"));
    /* the old tasks kept serving: minimumHealthyPercent 100 never let them go */
    assert_int_equal(count(&r, "task_state", "RUNNING -> DEACTIVATING"), 0);
    assert_true(tu_column(r.summary, "tasks_running") == 3);
    run_free(&r);
    free(y);
}

/* Tasks that keep failing to start are restarted after a wait that grows
 * to the 15-minute cap (service-throttle-logic.html). Without a circuit
 * breaker the deployment goes on trying. */
static void test_start_throttle(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 8000}\n"
                       "deployments: {d: {service: web, task_definition: bad, at_s: 0}}\n",
                       "desired_count: 1");
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    double waits[16];
    size_t n = 0;
    for (size_t i = 0; i < r.n && n < 16; i++) {
        const char *p = strcmp(r.ev[i].kind, "service_throttled") == 0
                            ? strstr(r.ev[i].detail, "next start in ")
                            : NULL;
        if (p) waits[n++] = atof(p + strlen("next start in "));
    }
    assert_true(n >= 9);
    assert_int_equal(
        count(&r, "service_throttled", "is unable to consistently start tasks successfully"), n);
    for (size_t i = 1; i < n; i++) {
        assert_true(waits[i] >= waits[i - 1]);
        assert_true(waits[i] <= 900);
    }
    assert_true(waits[0] == 10 && waits[1] == 20);
    assert_true(waits[n - 1] == 900);
    run_free(&r);
    free(y);
}

/* Injected crashes are replaced one for one, and the count comes back
 * (ecs_services.html). The crash count is Poisson with mean
 * tasks x rate x time (4 x 6/h x 2 h = 48, less the seconds a replacement
 * spends starting): within 3.3 standard deviations, and not at twice the rate. */
static void test_task_crash_rate(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 7200}\n"
                       "failures: {c: {kind: task_crash, service: web, rate_per_hour: 6}}\n",
                       "desired_count: 4");
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    double crashes = (double) count(&r, "task_stopped", "injected crash");
    assert_true(fabs(crashes - 48) < 3.3 * sqrt(48));
    assert_true(fabs(crashes - 96) > 3.3 * sqrt(96)); /* negative control */
    size_t late = 0;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.ev[i].kind, "task_placed") == 0 && r.ev[i].t_s > 0) late++;
    assert_true(late == (size_t) crashes);
    run_free(&r);
    free(y);
}

/* An availability-zone outage: the zone's tasks go, the scheduler places
 * their replacements in the zone that remains, and the hosts come back
 * empty when the outage ends. */
static void test_zone_outage(void **state)
{
    (void) state;
    char *y = scenario("run: {duration_s: 1500}\n"
                       "failures: {z: {kind: zone_outage, zone: us-east-1a, at_s: 300, "
                       "duration_s: 600}}\n",
                       "desired_count: 4");
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    assert_int_equal(count(&r, "host_failed", "us-east-1a outage"), 2);
    assert_int_equal(count(&r, "host_recovered", NULL), 2);
    assert_true(first(&r, "host_recovered", NULL)->t_s == 900);
    size_t moved = 0;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.ev[i].kind, "task_placed") == 0 && r.ev[i].t_s == 300) {
            assert_non_null(strstr(r.ev[i].detail, "us-east-1b"));
            moved++;
        }
    assert_int_equal(moved, 2);
    assert_true(tu_column(r.summary, "tasks_running") == 4);
    run_free(&r);
    free(y);
}

/* A task that fits nowhere stays unplaced: one service event naming why
 * (service-event-messages.html), retried each pass without repeating it,
 * and counted in the summary. Three hosts, static port 80: the fourth task
 * never starts. */
static void test_port_conflict_unplaced(void **state)
{
    (void) state;
    char *y = NULL;
    if (asprintf(&y,
                 "host_groups: {a: {instance_type: m5.large, count: 3}}\n"
                 "task_definitions: {web: {cpu: 256, memory_mib: 512, host_port: 80}}\n"
                 "load_balancers: {lb: {health_check: {enabled: false}}}\n"
                 "workloads: {w: {target: lb, rate_per_s: 5, demand: {mean_s: 0.05}}}\n"
                 "services: {web: {task_definition: web, load_balancer: lb, desired_count: 4}}\n"
                 "run: {duration_s: 600}\n") < 0)
        abort();
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    assert_int_equal(count(&r, "task_placed", NULL), 3);
    assert_int_equal(count(&r, "task_unplaced", "already using a port required by your task"), 1);
    assert_true(tu_column(r.summary, "tasks_unplaced") == 1);
    assert_true(tu_column(r.summary, "tasks_running") == 3);
    run_free(&r);
    free(y);
}

/* A hung process fails its load balancer health checks (a check is a
 * request through the task: a hung task never answers it); after
 * unhealthy_threshold (2) failed checks, 30 s apart with a 5 s timeout, the
 * target is unhealthy (target-group-health-checks.html) and the service
 * scheduler replaces the task (ecs_services.html: tasks that fail ELB health
 * checks are stopped and replaced). */
static void test_hung_task_replaced_by_lb_checks(void **state)
{
    (void) state;
    char *y = NULL;
    if (asprintf(&y, "host_groups: {a: {instance_type: m5.large, count: 2}}\n"
                     "task_definitions: {v1: {cpu: 512, memory_mib: 512, " LIFECYCLE "}}\n"
                     "load_balancers: {lb: {deregistration_delay_s: 20}}\n"
                     "workloads: {w: {target: lb, rate_per_s: 2, demand: {mean_s: 0.05}}}\n"
                     "services: {web: {task_definition: v1, load_balancer: lb, desired_count: 2}}\n"
                     "failures: {h: {kind: task_hang, service: web, task: 1, at_s: 300}}\n"
                     "run: {duration_s: 900}\n") < 0)
        abort();
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    assert_int_equal(count(&r, "task_hung", NULL), 1);
    const event *stop = first(&r, "task_state", "Task failed ELB health checks");
    assert_non_null(stop);
    assert_string_equal(stop->object, "web/1");
    assert_true(stop->t_s > 300 && stop->t_s <= 300 + 2 * 30 + 5);
    const event *placed = NULL;
    for (size_t i = 0; i < r.n && !placed; i++)
        if (strcmp(r.ev[i].kind, "task_placed") == 0 && r.ev[i].t_s > 0) placed = &r.ev[i];
    assert_non_null(placed);
    assert_true(placed->t_s == stop->t_s);
    /* its requests stay unanswered until the deregistration delay cuts them */
    const event *gone = first(&r, "task_stopped", NULL);
    assert_non_null(gone);
    assert_string_equal(gone->object, "web/1");
    assert_true(gone->t_s >= stop->t_s + 20 - 1e-9);
    assert_true(tu_column(r.summary, "tasks_replaced") == 1);
    assert_true(tu_column(r.summary, "tasks_running") == 2);
    run_free(&r);
    free(y);
}

/* The container health check (task definition healthCheck): `retries`
 * failures in a row make the container UNHEALTHY and the task is replaced,
 * but not during the service's healthCheckGracePeriodSeconds
 * (service_definition_parameters.html). Load balancer checks are off, so
 * only the container check can see the hang. */
static void test_container_health_check_and_grace(void **state)
{
    (void) state;
    const char *base = "host_groups: {a: {instance_type: m5.large, count: 2}}\n"
                       "task_definitions: {v1: {cpu: 512, memory_mib: 512, " LIFECYCLE ",\n"
                       "  health_check: {enabled: true, interval_s: 10, timeout_s: 2, "
                       "retries: 3}}}\n"
                       "load_balancers: {lb: {health_check: {enabled: false}, "
                       "deregistration_delay_s: 0}}\n"
                       "workloads: {w: {target: lb, rate_per_s: 2, demand: {mean_s: 0.05}}}\n"
                       "failures: {h: {kind: task_hang, service: web, task: 1, at_s: 100}}\n"
                       "run: {duration_s: 900}\n";
    char *y = NULL;
    if (asprintf(&y,
                 "%sservices: {web: {task_definition: v1, load_balancer: lb, "
                 "desired_count: 2}}\n",
                 base) < 0)
        abort();
    run_out r = run(y);
    assert_int_equal(r.rc, 0);
    const event *bad = first(&r, "task_health", "UNHEALTHY (3 checks failed");
    assert_non_null(bad);
    /* checks at 10, 20, ... s: the hang at 100 s fails those at 100 (or 110), 110, 120 */
    assert_true(bad->t_s > 100 && bad->t_s <= 100 + 3 * 10 + 2);
    const event *stop = first(&r, "task_state", "Task failed container health checks");
    assert_non_null(stop);
    assert_true(stop->t_s == bad->t_s);
    run_free(&r);
    free(y);

    /* with a grace period of 600 s the same task is left alone until then */
    if (asprintf(&y,
                 "%sservices: {web: {task_definition: v1, load_balancer: lb, "
                 "desired_count: 2, health_check_grace_period_s: 600}}\n",
                 base) < 0)
        abort();
    r = run(y);
    assert_int_equal(r.rc, 0);
    stop = first(&r, "task_state", "Task failed container health checks");
    assert_non_null(stop);
    assert_true(stop->t_s == 600);
    run_free(&r);
    free(y);
}

/* Bad failures and deployments are input errors naming file:line:column,
 * exit 2, and no output files. */
static void test_bad_failures(void **state)
{
    (void) state;
    static const struct {
        const char *extra, *want;
    } cases[] = {
        {"failures: {f: {kind: task_crash, rate_per_hour: 1}}\n",
         "s.yaml:12:22: failures.f.service: this kind of failure needs a service"},
        {"failures: {f: {kind: task_crash, service: nope, rate_per_hour: 1}}\n",
         "s.yaml:12:43: failures.f.service: no such service"},
        {"failures: {f: {kind: host_failure, host: a-9, at_s: 5}}\n",
         "s.yaml:12:42: failures.f.host: no such host"},
        {"failures: {f: {kind: zone_outage, zone: mars-1a}}\n",
         "s.yaml:12:41: failures.f.zone: no host is in this zone"},
        {"failures: {f: {kind: meteor}}\n",
         "s.yaml:12:22: failures.f.kind: expected one of task_crash, host_failure, "
         "zone_outage, task_hang, got \"meteor\""},
        {"deployments: {d: {service: web, task_definition: v9, at_s: 5}}\n",
         "s.yaml:12:50: deployments.d.task_definition: no task_definitions named \"v9\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *y = scenario(cases[i].extra, "desired_count: 2");
        char *dir = tu_mkdtemp();
        char *scen = tu_write_file(dir, "s.yaml", y);
        char *out = NULL;
        if (asprintf(&out, "%s/out", dir) < 0) abort();
        const char *args[] = {"run", scen, "-o", out, "-q", NULL};
        tu_cli c = tu_run_cli(args);
        if (!strstr(c.err, cases[i].want)) fprintf(stderr, "got: %s", c.err);
        assert_int_equal(c.rc, 2);
        assert_non_null(strstr(c.err, cases[i].want));
        assert_false(tu_exists(out));
        tu_cli_free(&c);
        tu_rmtree(dir);
        free(dir);
        free(scen);
        free(out);
        free(y);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployment_arithmetic),
        cmocka_unit_test(test_host_failure_replaced),
        cmocka_unit_test(test_rolling_deployment),
        cmocka_unit_test(test_stuck_deployment),
        cmocka_unit_test(test_circuit_breaker_rollback),
        cmocka_unit_test(test_start_throttle),
        cmocka_unit_test(test_task_crash_rate),
        cmocka_unit_test(test_zone_outage),
        cmocka_unit_test(test_port_conflict_unplaced),
        cmocka_unit_test(test_hung_task_replaced_by_lb_checks),
        cmocka_unit_test(test_container_health_check_and_grace),
        cmocka_unit_test(test_bad_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_capprov.c -- capacity providers with managed scaling: the
 * CapacityProviderReservation arithmetic with the documented worked
 * examples, and hand-computed timelines of short runs read back from
 * events.csv, timeseries.csv and summary.csv.
 *
 * Pages checked (read through the docs corpus):
 *   ECS cluster-auto-scaling.html (doc_source/cluster-auto-scaling.md, and
 *     https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-scaling-behavior.html):
 *     the metric formula, the binpack estimate on the largest type, the
 *     step sizes, "always scales-out to 200%", the warm-up that blocks the
 *     second scale-out, scale-in alarms that "require 15 data points",
 *     managed termination protection, "100 minus the number of container
 *     instances that are empty ... two -> 98%".
 *   API ManagedScaling
 *     (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ManagedScaling.html):
 *     targetCapacity in (0, 100], minimumScalingStepSize 1, maximumScalingStepSize
 *     10000, instanceWarmupPeriod 300.
 *   The M / N worked example (M=2, N=3 -> 66%) is the AWS deep-dive blog's,
 *     as ECS-RULES.md 1.5 quotes it.
 *   The alarms' 1-of-1 and 15-of-15 datapoints are observed, not documented
 *     (https://github.com/aws/containers-roadmap/issues/638).
 *
 * Every run here has deterministic boots (100 s), image pulls (5 s) and
 * container starts (2 s), and m5.large instances (2048 CPU units, 7987 MiB
 * registered) with 1024-unit tasks: two tasks fill an instance. Timelines
 * are written with D = metrics.publish_delay_s (set to 60 when that
 * parameter exists, else 0): the datapoint of minute k is computed at
 * (k+1) x 60 s and published, and its alarms evaluated, at (k+1) x 60 + D
 * (DESIGN.md, "Pinned decisions"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/capprov.h"
#include "sim/registry.h"
#include "support/evlog.h"
#include "support/testutil.h"

static double D; /* metrics.publish_delay_s */
static const char *delay_yaml = "";

static int setup(void **state)
{
    (void) state;
    if (param_registry_find(ecsim_registry(), "metrics.publish_delay_s")) {
        D = 60;
        delay_yaml = "metrics: {publish_delay_s: 60}\n";
    }
    return 0;
}

#define DEFS                                                                                       \
    "task_definitions:\n"                                                                          \
    "  v1: {cpu: 1024, memory_mib: 1024, image_pull: {distribution: deterministic, mean_s: 5}, "   \
    "container_start: {distribution: deterministic, mean_s: 2}}\n"
#define REST                                                                                       \
    "load_balancers: {lb: {health_check: {enabled: false}}}\n"                                     \
    "workloads: {w: {target: lb, rate_per_s: 2, demand: {mean_s: 0.01}}}\n"
#define COMMON DEFS REST

/* A run of: the common part, an Auto Scaling group "asg" (m5.large, zones a
 * and b, 100 s boots, `group` adds its sizes), a capacity provider "cp" on it
 * (`provider` adds settings) and a service "web" on cp (`service` adds). */
static evlog run(double duration_s, const char *group, const char *provider, const char *service,
                 const char *extra)
{
    char *y = NULL;
    if (asprintf(&y,
                 "run: {duration_s: %g}\n%s" COMMON "auto_scaling_groups:\n"
                 "  asg: {instance_types: m5.large, zones: \"us-east-1a, us-east-1b\", "
                 "boot: {distribution: deterministic, mean_s: 100}, %s}\n"
                 "capacity_providers:\n"
                 "  cp: {auto_scaling_group: asg%s%s}\n"
                 "services:\n"
                 "  web: {task_definition: v1, load_balancer: lb, capacity_provider: cp, %s}\n"
                 "%s",
                 duration_s, delay_yaml, group, provider[0] ? ", " : "", provider, service,
                 extra ? extra : "") < 0)
        abort();
    evlog r = evlog_run(y, NULL);
    if (r.rc != 0) fprintf(stderr, "%s\n%s", y, r.err ? r.err : "");
    free(y);
    return r;
}

static void assert_at(const evlog_event *e, double t_s)
{
    assert_non_null(e);
    if (fabs(e->t_s - t_s) > 1e-9)
        fprintf(stderr, "%s %s at %.9g, expected %.9g\n", e->kind, e->object, e->t_s, t_s);
    assert_true(fabs(e->t_s - t_s) < 1e-9);
}

/* The arithmetic with the documented examples. */
static void test_arithmetic(void **state)
{
    (void) state;
    /* M / N x 100: 2 instances needed of 3 running -> 66.7% (deep-dive blog) */
    assert_true(fabs(capprov_reservation_pct(2, 3) - 200.0 / 3) < 1e-12);
    assert_true(capprov_reservation_pct(3, 3) == 100);
    assert_true(capprov_reservation_pct(4, 2) == 200);
    /* no instance running and tasks waiting: 200% */
    assert_true(capprov_reservation_pct(1, 0) == 200);
    /* minimumScalingStepSize when the estimate is below it, else
     * min(maximumScalingStepSize, estimate) */
    assert_int_equal(capprov_step(5, 1, 10000), 5);
    assert_int_equal(capprov_step(1, 3, 10000), 3);
    assert_int_equal(capprov_step(50, 1, 10), 10);
    assert_int_equal(capprov_step(10, 10, 10), 10);
    /* scale in: at least one, fewer than 50% of the group each minute */
    assert_int_equal(capprov_scale_in_limit(1, 50), 1);
    assert_int_equal(capprov_scale_in_limit(2, 50), 1);
    assert_int_equal(capprov_scale_in_limit(4, 50), 1);
    assert_int_equal(capprov_scale_in_limit(5, 50), 2);
    assert_int_equal(capprov_scale_in_limit(10, 50), 4);
    assert_int_equal(capprov_scale_in_limit(11, 50), 5);
    /* binpack over vCPU, memory, ENIs and ports on the largest type */
    cp_shape large = {2048, 7987, 2};
    cp_group g = {1024, 1024, 0, false, false, 4};
    assert_int_equal(capprov_binpack(&g, 1, &large), 2);
    g.distinct = true; /* distinctInstance: one per instance */
    assert_int_equal(capprov_binpack(&g, 1, &large), 4);
    g.distinct = false;
    g.host_port = 80; /* a static host port: one per instance */
    assert_int_equal(capprov_binpack(&g, 1, &large), 4);
    g.host_port = 0;
    g.eni = true; /* awsvpc: 2 task ENIs on the type */
    g.cpu_units = 256;
    g.count = 5;
    assert_int_equal(capprov_binpack(&g, 1, &large), 3);
    /* first fit decreasing: 1536 + 512 share an instance, 1024 + 1024 another */
    cp_group mix[3] = {{512, 512, 0, false, false, 1},
                       {1536, 512, 0, false, false, 1},
                       {1024, 512, 0, false, false, 2}};
    assert_int_equal(capprov_binpack(mix, 3, &large), 2);
    /* memory binds */
    cp_group fat = {256, 4000, 0, false, false, 3};
    assert_int_equal(capprov_binpack(&fat, 1, &large), 3);
}

/* Tasks that fit nowhere wait in PROVISIONING; the first datapoint (minute
 * 0: 1 instance running, 1 busy plus a step of 1 for the 2 waiting tasks ->
 * 200%) trips AlarmHigh (1 of 1) at its publication, 60 + D, and the group
 * launches at that very time; the instance registers 100 s later and the
 * waiting tasks start on it. Billing covers the new instance from launch. */
static void test_scale_out_timeline(void **state)
{
    (void) state;
    evlog r =
        run(900, "min_size: 0, max_size: 10, desired_capacity: 1", "", "desired_count: 4", NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *w = evlog_first(&r, "task_provisioning", "web", NULL);
    assert_at(w, 0);
    assert_non_null(strstr(w->detail, "2 tasks of service web wait in PROVISIONING"));
    assert_non_null(strstr(w->detail, "insufficient CPU units"));
    assert_int_equal(evlog_count(&r, "task_unplaced", NULL, NULL), 0);

    const evlog_event *hi = evlog_first(&r, "alarm", "TargetTracking-asg-AlarmHigh", "-> ALARM");
    assert_at(hi, 60 + D);
    assert_non_null(strstr(hi->detail, "[200.0]"));
    assert_at(evlog_first(&r, "asg_desired", "asg", "DesiredCapacity 1 -> 2"), 60 + D);
    const evlog_event *l = evlog_first(&r, "host_launched", NULL, NULL);
    assert_at(l, 60 + D);
    assert_string_equal(l->object, "asg-2");
    assert_non_null(strstr(l->detail, "us-east-1b")); /* the zone with fewer instances */
    assert_int_equal(evlog_count(&r, "host_launched", NULL, NULL), 1);
    assert_at(evlog_first(&r, "host_registered", "asg-2", NULL), 160 + D);
    char after[64];
    snprintf(after, sizeof after, "after %.1f s in PROVISIONING", 160 + D);
    assert_at(evlog_first(&r, "task_placed", "web/3", after), 160 + D);
    assert_at(evlog_first(&r, "task_placed", "web/4", after), 160 + D);
    assert_at(evlog_first(&r, "task_state", "web/3", "-> RUNNING"), 167 + D);
    /* the alarm clears once the datapoint is back at 100% */
    assert_true(evlog_first(&r, "alarm", "TargetTracking-asg-AlarmHigh", "ALARM -> OK")->t_s >
                160 + D);

    /* while it boots: one pending instance, two tasks waiting, 200% */
    assert_true(evlog_series(&r, 120 + D, "web", "hosts_pending") == 1);
    assert_true(evlog_series(&r, 120 + D, "web", "hosts") == 1);
    assert_true(evlog_series(&r, 120 + D, "web", "provisioning_tasks") == 2);
    assert_true(evlog_series(&r, 120 + D, "web", "capacity_provider_reservation_pct") == 200);
    assert_true(evlog_series(&r, 300 + D, "web", "hosts_pending") == 0);
    assert_true(evlog_series(&r, 300 + D, "web", "hosts") == 2);
    assert_true(evlog_series(&r, 300 + D, "web", "provisioning_tasks") == 0);
    assert_true(evlog_series(&r, 300 + D, "web", "capacity_provider_reservation_pct") == 100);

    assert_true(tu_column(r.summary, "provisioning_waits") == 2);
    assert_true(fabs(tu_column(r.summary, "provisioning_wait_mean_s") - (160 + D)) < 1e-9);
    assert_true(fabs(tu_column(r.summary, "provisioning_wait_max_s") - (160 + D)) < 1e-9);
    assert_true(fabs(tu_column(r.summary, "web_provisioning_wait_mean_s") - (160 + D)) < 1e-9);
    assert_true(tu_column(r.summary, "instance_launches") == 1);
    assert_true(tu_column(r.summary, "capacity_scale_outs") == 1);
    assert_true(tu_column(r.summary, "tasks_running") == 4);
    assert_true(tu_column(r.summary, "tasks_unplaced") == 0);
    double end = tu_column(r.summary, "sim_end_s");
    /* EC2 bills per second: asg-1 from 0, asg-2 from its launch */
    double hours = (end + (end - (60 + D))) / 3600.0;
    assert_true(fabs(tu_column(r.summary, "host_hours") - hours) < 1e-8); /* 9 digits in the CSV */
    evlog_free(&r);
}

/* No instance at all and tasks waiting: the metric is 200% and the group
 * scales out from zero to the instances the binpack needs. */
static void test_no_instance_200(void **state)
{
    (void) state;
    evlog r =
        run(600, "min_size: 0, max_size: 10, desired_capacity: 0", "", "desired_count: 2", NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *w = evlog_first(&r, "task_provisioning", "web", NULL);
    assert_at(w, 0);
    assert_non_null(strstr(w->detail, "No Container Instances were found"));
    const evlog_event *d = evlog_first(&r, "asg_desired", "asg", "DesiredCapacity 0 -> 1");
    assert_at(d, 60 + D);
    assert_non_null(strstr(d->detail, "CapacityProviderReservation 200.0%"));
    assert_non_null(strstr(d->detail, "binpack estimate 1 instances"));
    assert_int_equal(evlog_count(&r, "host_launched", NULL, NULL), 1);
    assert_at(evlog_first(&r, "task_placed", "web/1", NULL), 160 + D);
    evlog_free(&r);
}

/* Step sizes: minimumScalingStepSize 3 launches 3 for an estimate of 1;
 * maximumScalingStepSize 2 launches 2 for an estimate of 4. */
static void test_step_sizes(void **state)
{
    (void) state;
    evlog r = run(300, "min_size: 0, max_size: 10, desired_capacity: 0",
                  "minimum_scaling_step_size: 3", "desired_count: 2", NULL);
    assert_int_equal(r.rc, 0);
    assert_at(evlog_first(&r, "asg_desired", "asg", "DesiredCapacity 0 -> 3"), 60 + D);
    assert_int_equal(evlog_count(&r, "host_launched", NULL, NULL), 3);
    assert_at(evlog_nth(&r, 2, "host_launched", NULL, NULL), 60 + D);
    evlog_free(&r);

    r = run(300, "min_size: 0, max_size: 10, desired_capacity: 0", "maximum_scaling_step_size: 2",
            "desired_count: 8", NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *d = evlog_first(&r, "asg_desired", "asg", "DesiredCapacity 0 -> 2");
    assert_at(d, 60 + D);
    assert_non_null(strstr(d->detail, "binpack estimate 4 instances, step 2"));
    assert_int_equal(evlog_count(&r, "host_launched", NULL, NULL), 2);
    evlog_free(&r);
}

/* The second scale-out waits for the first instance's warm-up: with a
 * step of 1 and 2 instances needed, the first launches at 60 + D, the
 * second at the first publication at or after 60 + D + 300 = 360 + D; with
 * no warm-up the second follows at the next publication, 120 + D. */
static void test_warmup_blocks_second_scale_out(void **state)
{
    (void) state;
    evlog r = run(900, "min_size: 0, max_size: 10, desired_capacity: 0",
                  "maximum_scaling_step_size: 1", "desired_count: 4", NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(evlog_count(&r, "host_launched", NULL, NULL), 2);
    assert_at(evlog_nth(&r, 0, "host_launched", NULL, NULL), 60 + D);
    assert_at(evlog_nth(&r, 1, "host_launched", NULL, NULL), 360 + D);
    const evlog_event *b = evlog_first(&r, "capacity_scale_out_blocked", "cp", NULL);
    assert_at(b, 120 + D);
    assert_non_null(strstr(b->detail, "instanceWarmupPeriod 300 s"));
    char after[64];
    snprintf(after, sizeof after, "after %.1f s in PROVISIONING", 460 + D);
    assert_int_equal(evlog_count(&r, "task_placed", NULL, after), 2);
    evlog_free(&r);

    /* No warm-up: each publication scales out again on a datapoint that
     * does not see the instances still booting (200% while none has
     * registered), so the group overprovisions, as the guide warns ("make
     * sure that instanceWarmupPeriod is large enough ... which prevents
     * overprovisioning"). With D = 0: 1 at 60, 2 at 120 (capacity 1 x 200%),
     * 4 at 180 (asg-1 registered at 160 with 2 tasks, 2 still waiting: 200%
     * of capacity 2), then all tasks run. With D = 60 the datapoints lag a
     * minute more: 1 at 120, 2 at 180, 4 at 240, 8 at 300. */
    r = run(900, "min_size: 0, max_size: 10, desired_capacity: 0",
            "maximum_scaling_step_size: 1, instance_warmup_period_s: 0", "desired_count: 4", NULL);
    assert_int_equal(r.rc, 0);
    assert_at(evlog_nth(&r, 1, "host_launched", NULL, NULL), 120 + D);
    assert_int_equal(evlog_count(&r, "host_launched", NULL, NULL), D > 0 ? 8 : 4);
    assert_int_equal(evlog_count(&r, "capacity_scale_out_blocked", NULL, NULL), 0);
    evlog_free(&r);
}

/* Three instances, two of them (in us-east-1a) running one task each: the
 * metric is M / N = 2 / 3 = 66.7% from the first minute. AlarmLow needs 15
 * of 15 datapoints below the target: the 15th (minute 14) is published at
 * 900 + D, and the group drops one instance then. With managed termination
 * protection the busy instances are protected, so the victim is the empty
 * one although its zone has fewer instances; then the metric is 100%. */
#define THREE_IN_TWO_ZONES                                                                         \
    "desired_count: 2, placement_constraints: \"memberOf(attribute:ecs.availability-zone == "      \
    "us-east-1a)\""

static void test_scale_in_after_15_datapoints(void **state)
{
    (void) state;
    evlog r = run(1200, "min_size: 1, max_size: 10, desired_capacity: 3",
                  "managed_termination_protection: true", THREE_IN_TWO_ZONES, NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *lo = evlog_first(&r, "alarm", "TargetTracking-asg-AlarmLow", "-> ALARM");
    assert_at(lo, 900 + D);
    assert_non_null(strstr(lo->detail, "15 out of the last 15 datapoints [66.7, 66.7"));
    /* timeseries.csv writes 9 significant digits */
    assert_true(fabs(evlog_series(&r, 300 + D, "web", "capacity_provider_reservation_pct") -
                     200.0 / 3) < 1e-6);
    const evlog_event *d = evlog_first(&r, "asg_desired", "asg", NULL);
    assert_at(d, 900 + D);
    assert_non_null(strstr(d->detail, "DesiredCapacity 3 -> 2"));
    assert_int_equal(evlog_count(&r, "asg_desired", NULL, NULL), 1);
    const evlog_event *t = evlog_first(&r, "host_terminated", NULL, NULL);
    assert_at(t, 900 + D);
    assert_string_equal(t->object, "asg-2"); /* the empty one, in us-east-1b */
    assert_int_equal(evlog_count(&r, "host_terminated", NULL, NULL), 1);
    assert_int_equal(evlog_count(&r, "task_stopped", NULL, NULL), 0);
    assert_at(evlog_first(&r, "alarm", "TargetTracking-asg-AlarmLow", "ALARM -> OK"), 960 + D);
    assert_true(tu_column(r.summary, "instance_terminations") == 1);
    assert_true(tu_column(r.summary, "capacity_scale_ins") == 1);
    assert_true(tu_column(r.summary, "tasks_running") == 2);
    evlog_free(&r);
}

/* The same without managed termination protection: the group's own
 * termination policy picks in us-east-1a (the zone with the most
 * instances), a busy instance; managed draining sets it DRAINING, its task
 * moves to the other us-east-1a instance and it terminates when empty. */
static void test_scale_in_drains_without_protection(void **state)
{
    (void) state;
    evlog r = run(930 + D, "min_size: 1, max_size: 10, desired_capacity: 3", "", THREE_IN_TWO_ZONES,
                  NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *dr = evlog_first(&r, "host_draining", NULL, NULL);
    assert_at(dr, 900 + D);
    assert_true(strcmp(dr->object, "asg-1") == 0 || strcmp(dr->object, "asg-3") == 0);
    assert_int_equal(evlog_count(&r, "task_state", NULL, "its container instance is DRAINING"), 1);
    const evlog_event *t = evlog_first(&r, "host_terminated", dr->object, "drained");
    assert_non_null(t);
    assert_true(t->t_s > 900 + D && t->t_s < 930 + D);
    assert_true(tu_column(r.summary, "tasks_running") == 2);
    evlog_free(&r);
}

/* scale_in_metric empty_count: 100 minus the empty instances (1 of 3 ->
 * 99%), the 2023 guide's value while scaling in. */
static void test_empty_count_metric(void **state)
{
    (void) state;
    evlog r = run(1000, "min_size: 1, max_size: 10, desired_capacity: 3",
                  "managed_termination_protection: true, scale_in_metric: empty_count",
                  THREE_IN_TWO_ZONES, NULL);
    assert_int_equal(r.rc, 0);
    assert_true(evlog_series(&r, 300 + D, "web", "capacity_provider_reservation_pct") == 99);
    const evlog_event *lo = evlog_first(&r, "alarm", "TargetTracking-asg-AlarmLow", "-> ALARM");
    assert_at(lo, 900 + D);
    assert_non_null(strstr(lo->detail, "[99.0, 99.0"));
    assert_at(evlog_first(&r, "host_terminated", "asg-2", NULL), 900 + D);
    evlog_free(&r);
}

/* A service with both a capacity provider and no room: tasks that fit not
 * even the smallest type are left out of the estimate and the metric stays
 * at targetCapacity (managed-scaling-behavior.html). */
static void test_incompatible_tasks(void **state)
{
    (void) state;
    char *y = NULL;
    if (asprintf(
            &y,
            "run: {duration_s: 300}\n%s" DEFS "  big: {cpu: 4096, memory_mib: 1024}\n" REST
            "auto_scaling_groups:\n"
            "  asg: {instance_types: m5.large, min_size: 0, max_size: 4, desired_capacity: 1}\n"
            "capacity_providers: {cp: {auto_scaling_group: asg}}\n"
            "services:\n"
            "  web: {task_definition: big, load_balancer: lb, capacity_provider: cp, "
            "desired_count: 1}\n",
            delay_yaml) < 0)
        abort();
    evlog r = evlog_run(y, NULL);
    free(y);
    assert_int_equal(r.rc, 0);
    assert_non_null(evlog_first(&r, "task_provisioning", "web", "not even the smallest"));
    assert_int_equal(evlog_count(&r, "asg_desired", NULL, NULL), 0);
    assert_true(evlog_series(&r, 120 + D, "web", "capacity_provider_reservation_pct") == 100);
    assert_true(tu_column(r.summary, "provisioning_tasks") == 1);
    evlog_free(&r);
}

/* Bad capacity providers: file:line:column naming the parameter, exit 2,
 * no output. */
static void expect_bad(const char *provider, const char *service, const char *path,
                       const char *what)
{
    char *y = NULL;
    if (asprintf(&y,
                 "run: {duration_s: 60}\n" COMMON "auto_scaling_groups:\n"
                 "  asg: {instance_types: m5.large, min_size: 0, max_size: 4}\n"
                 "  other: {instance_types: m5.large, min_size: 0, max_size: 4}\n"
                 "capacity_providers:\n"
                 "  cp: {%s}\n"
                 "services:\n"
                 "  web: {task_definition: v1, load_balancer: lb, %s}\n",
                 provider, service) < 0)
        abort();
    evlog r = evlog_run(y, NULL);
    free(y);
    assert_true(evlog_bad_input(&r, path, what));
    evlog_free(&r);
}

static void test_bad_input(void **state)
{
    (void) state;
    expect_bad("auto_scaling_group: asg, target_capacity: 0", "capacity_provider: cp",
               "capacity_providers.cp.target_capacity", "");
    expect_bad("auto_scaling_group: asg, target_capacity: 101", "capacity_provider: cp",
               "capacity_providers.cp.target_capacity", "");
    expect_bad("auto_scaling_group: asg", "capacity_provider: cq", "services.web.capacity_provider",
               "no capacity_providers named \"cq\"");
    expect_bad("auto_scaling_group: asgg", "capacity_provider: cp",
               "capacity_providers.cp.auto_scaling_group", "asgg");
    expect_bad(
        "auto_scaling_group: asg, minimum_scaling_step_size: 5, maximum_scaling_step_size: 4",
        "capacity_provider: cp", "capacity_providers.cp.minimum_scaling_step_size",
        "greater than maximum_scaling_step_size");
    expect_bad("auto_scaling_group: asg, target_capacity: 90, scale_in_metric: empty_count",
               "capacity_provider: cp", "capacity_providers.cp.scale_in_metric",
               "needs target_capacity 100");
    expect_bad("auto_scaling_group: asg, instance_warmup_period_s: 10001", "capacity_provider: cp",
               "capacity_providers.cp.instance_warmup_period_s", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_scale_out_timeline),
        cmocka_unit_test(test_no_instance_200),
        cmocka_unit_test(test_step_sizes),
        cmocka_unit_test(test_warmup_blocks_second_scale_out),
        cmocka_unit_test(test_scale_in_after_15_datapoints),
        cmocka_unit_test(test_scale_in_drains_without_protection),
        cmocka_unit_test(test_empty_count_metric),
        cmocka_unit_test(test_incompatible_tasks),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

/* test_cpstrategy_asg.c -- a capacity provider strategy over several Auto
 * Scaling group capacity providers: the On-Demand base plus Spot weight
 * pattern, "od base=2 weight=1, spot weight=3", on two groups (od: the
 * default distribution, On-Demand; spot: on_demand_percentage_above_base 0,
 * every instance Spot).
 *
 * Pages checked (read through the docs corpus):
 *   API CapacityProviderStrategyItem
 *     (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html):
 *     "The base value designates how many tasks, at a minimum, to run on the
 *     specified capacity provider. Only one capacity provider in a capacity
 *     provider strategy can have a base defined"; "The weight value
 *     designates the relative percentage of the total number of tasks
 *     launched that should use the specified capacity provider. The weight
 *     value is taken into consideration after the base value, if defined,
 *     is satisfied"; at most 6 providers.
 *   ECS capacity providers
 *     (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-capacity-providers.html):
 *     "The capacity provider strategy determines how the tasks are spread
 *     across the cluster's capacity providers"; an Auto Scaling group
 *     capacity provider is "a name, an Auto Scaling group, the settings for
 *     managed scaling and managed termination protection".
 *   ECS cluster-auto-scaling.html: each capacity provider has its own
 *     CapacityProviderReservation and target tracking policy on its group.
 *   fargate-capacity-providers.html: a strategy holds Fargate providers or
 *     Auto Scaling group providers, not both.
 * AWS publishes the ratio, not the order of the tasks between multiples of
 * the total weight, nor which provider a replacement goes to: ecsim's rule
 * is cpstrategy_next (cpstrategy.h), and the expected counts here are
 * computed with it, checked against the documented ratio at the multiples.
 *
 * Every run has m5.large instances (2048 CPU units) and 2048-unit tasks:
 * one task fills an instance, so a group's instance count is its task
 * count. Boots take 100 s, image pulls 5 s, container starts 2 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cpstrategy.h"
#include "sim/registry.h"
#include "support/evlog.h"
#include "support/testutil.h"

#define STRATEGY "od base=2 weight=1, spot weight=3"

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

/* A run: groups od and spot starting with od_cap and spot_cap instances
 * (at most 30 each), a provider on each, and service web of `desired`
 * tasks with the strategy. */
static evlog run(double duration_s, uint32_t desired, uint32_t od_cap, uint32_t spot_cap,
                 const char *strategy, const char *extra)
{
    char *y = NULL;
    if (asprintf(&y,
                 "run: {duration_s: %g}\n%s"
                 "cluster: {spot_instance_draining: true}\n"
                 "task_definitions:\n"
                 "  v1: {cpu: 2048, memory_mib: 1024, image_pull: {distribution: deterministic, "
                 "mean_s: 5}, container_start: {distribution: deterministic, mean_s: 2}}\n"
                 "load_balancers: {lb: {health_check: {enabled: false}}}\n"
                 "workloads: {w: {target: lb, rate_per_s: 2, demand: {mean_s: 0.01}}}\n"
                 "auto_scaling_groups:\n"
                 "  od: {instance_types: m5.large, zones: us-east-1a, boot: {distribution: "
                 "deterministic, mean_s: 100}, min_size: 0, max_size: 30, desired_capacity: %u}\n"
                 "  spot: {instance_types: m5.large, zones: us-east-1a, boot: {distribution: "
                 "deterministic, mean_s: 100}, min_size: 0, max_size: 30, desired_capacity: %u, "
                 "on_demand_base_capacity: 0, on_demand_percentage_above_base: 0, "
                 "spot_interruption_scale: 0}\n"
                 "capacity_providers:\n"
                 "  od: {auto_scaling_group: od}\n"
                 "  spot: {auto_scaling_group: spot}\n"
                 "services:\n"
                 "  web: {task_definition: v1, load_balancer: lb, desired_count: %u, "
                 "capacity_provider_strategy: \"%s\"}\n"
                 "%s",
                 duration_s, delay_yaml, od_cap, spot_cap, desired, strategy,
                 extra ? extra : "") < 0)
        abort();
    evlog r = evlog_run(y, NULL);
    if (r.rc != 0) fprintf(stderr, "%s\n%s", y, r.err ? r.err : "");
    free(y);
    return r;
}

static cps_strategy strategy(void)
{
    cps_strategy s;
    char why[512];
    assert_int_equal(cpstrategy_parse(STRATEGY, &s, why, sizeof why), 0);
    return s;
}

/* 1..20 tasks placed at t=0 with room on both groups: the per-provider
 * counts are cpstrategy's, which give the base first (od 2) and then one
 * On-Demand task for three Spot ones at every multiple of the total weight
 * above the base (6 tasks: od 3, spot 3; 10: od 4, spot 6; ...; 18: od 6,
 * spot 12). */
static void test_ratio_1_to_20(void **state)
{
    (void) state;
    cps_strategy s = strategy();
    for (uint32_t n = 1; n <= 20; n++) {
        uint32_t want[CPS_MAX_ITEMS];
        cpstrategy_distribute(&s, n, want);
        if (n <= 2) assert_true(want[0] == n && want[1] == 0);
        if (n > 2 && (n - 2) % 4 == 0) {
            assert_int_equal(want[0], 2 + (n - 2) / 4);
            assert_int_equal(want[1], 3 * (n - 2) / 4);
        }
        evlog r = run(5, n, 20, 20, STRATEGY, NULL);
        assert_int_equal(r.rc, 0);
        size_t od = evlog_count(&r, "task_placed", NULL, "on od-");
        size_t spot = evlog_count(&r, "task_placed", NULL, "on spot-");
        if (od != want[0] || spot != want[1])
            fprintf(stderr, "%u tasks: od %zu spot %zu, expected %u and %u\n", n, od, spot, want[0],
                    want[1]);
        assert_int_equal(od, want[0]);
        assert_int_equal(spot, want[1]);
        assert_int_equal(evlog_count(&r, "task_provisioning", NULL, NULL), 0);
        evlog_free(&r);
    }
}

/* Tasks that fit nowhere on their provider's group wait in PROVISIONING for
 * that provider, and each provider launches for its own waiting tasks
 * only. 8 tasks: od 3, spot 5; each group has one instance at t=0, so 2
 * wait for od and 4 for spot; the first datapoints (minute 0, published at
 * 60 + D) are od: 1 busy + a step of 2 for 1 running -> 300%, spot: 1 + 4
 * for 1 -> 500%, and the groups go 1 -> 3 and 1 -> 5. */
static void test_provisioning_per_provider(void **state)
{
    (void) state;
    cps_strategy s = strategy();
    uint32_t want[CPS_MAX_ITEMS];
    cpstrategy_distribute(&s, 8, want);
    assert_int_equal(want[0], 3);
    assert_int_equal(want[1], 5);
    evlog r = run(600, 8, 1, 1, STRATEGY, NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *w =
        evlog_first(&r, "task_provisioning", "web", "capacity from capacity provider od (");
    assert_non_null(w);
    assert_true(w->t_s == 0);
    assert_non_null(strstr(w->detail, "2 tasks of service web wait in PROVISIONING"));
    assert_non_null(strstr(w->detail, "(2 waiting)"));
    w = evlog_first(&r, "task_provisioning", "web", "capacity from capacity provider spot (");
    assert_non_null(w);
    assert_true(w->t_s == 0);
    assert_non_null(strstr(w->detail, "4 tasks of service web wait in PROVISIONING"));
    assert_int_equal(evlog_count(&r, "task_unplaced", NULL, NULL), 0);
    /* while they wait (the new instances boot until 160 + D) the service
     * shows 6 in PROVISIONING and the higher of its providers' datapoints
     * (spot's 500%) */
    assert_true(evlog_series(&r, 60 + D + 60, "web", "provisioning_tasks") == 6);
    assert_true(evlog_series(&r, 60 + D + 60, "web", "capacity_provider_reservation_pct") == 500);

    const evlog_event *hi = evlog_first(&r, "alarm", "TargetTracking-od-AlarmHigh", "-> ALARM");
    assert_non_null(hi);
    assert_non_null(strstr(hi->detail, "[300.0]"));
    hi = evlog_first(&r, "alarm", "TargetTracking-spot-AlarmHigh", "-> ALARM");
    assert_non_null(hi);
    assert_non_null(strstr(hi->detail, "[500.0]"));
    const evlog_event *d = evlog_first(&r, "asg_desired", "od", "DesiredCapacity 1 -> 3");
    assert_non_null(d);
    assert_true(fabs(d->t_s - (60 + D)) < 1e-9);
    assert_non_null(strstr(d->detail, "2 tasks in PROVISIONING"));
    d = evlog_first(&r, "asg_desired", "spot", "DesiredCapacity 1 -> 5");
    assert_non_null(d);
    assert_true(fabs(d->t_s - (60 + D)) < 1e-9);
    assert_non_null(strstr(d->detail, "4 tasks in PROVISIONING"));
    /* one scale-out each, for its own tasks: 2 od and 4 spot launches */
    assert_int_equal(evlog_count(&r, "asg_desired", "od", NULL), 1);
    assert_int_equal(evlog_count(&r, "asg_desired", "spot", NULL), 1);
    assert_int_equal(evlog_count(&r, "host_launched", NULL, "Auto Scaling group od "), 2);
    assert_int_equal(evlog_count(&r, "host_launched", NULL, "Auto Scaling group spot "), 4);
    /* the waiting tasks start on their own provider's new instances */
    char after[64];
    snprintf(after, sizeof after, "after %.1f s in PROVISIONING", 160 + D);
    assert_int_equal(evlog_count(&r, "task_placed", NULL, "on od-"), 3);
    assert_int_equal(evlog_count(&r, "task_placed", NULL, "on spot-"), 5);
    for (uint32_t k = 2; k <= 3; k++) {
        char host[32];
        snprintf(host, sizeof host, "on od-%u ", k);
        const evlog_event *p = evlog_first(&r, "task_placed", NULL, host);
        assert_non_null(p);
        assert_non_null(strstr(p->detail, after));
    }
    for (uint32_t k = 2; k <= 5; k++) {
        char host[32];
        snprintf(host, sizeof host, "on spot-%u ", k);
        const evlog_event *p = evlog_first(&r, "task_placed", NULL, host);
        assert_non_null(p);
        assert_non_null(strstr(p->detail, after));
    }
    assert_true(tu_column(r.summary, "provisioning_waits") == 6);
    assert_true(tu_column(r.summary, "tasks_running") == 8);
    evlog_free(&r);
}

/* A Spot interruption (spot-instance-termination-notices.html, with
 * ECS_ENABLE_SPOT_INSTANCE_DRAINING, container-instance-spot.html): 6 tasks
 * run as od 3, spot 3 on full groups; spot-1 gets its notice at 300 s and
 * turns DRAINING; its task's replacement gets the provider the rule picks
 * for the tasks the service keeps (od 3, spot 2): Spot. It waits in
 * PROVISIONING for spot, the spot provider launches for it, od launches
 * nothing, and the replacement starts on a new Spot instance. */
static void test_interruption_replacement(void **state)
{
    (void) state;
    cps_strategy s = strategy();
    uint32_t want[CPS_MAX_ITEMS];
    cpstrategy_distribute(&s, 6, want);
    assert_int_equal(want[0], 3);
    assert_int_equal(want[1], 3);
    uint32_t kept[CPS_MAX_ITEMS] = {3, 2};
    assert_int_equal(cpstrategy_next(&s, kept), 1); /* spot */
    evlog r = run(900, 6, 3, 3, STRATEGY, "spot_interruptions: {x: {at_s: 300, host: spot-1}}\n");
    assert_int_equal(r.rc, 0);
    const evlog_event *n = evlog_first(&r, "spot_interruption_notice", "spot-1", NULL);
    assert_non_null(n);
    assert_true(n->t_s == 300);
    assert_non_null(strstr(n->detail, "container instance DRAINING"));
    const evlog_event *w = evlog_first(&r, "task_provisioning", "web", NULL);
    assert_non_null(w);
    assert_true(w->t_s == 300);
    assert_non_null(strstr(w->detail,
                           "1 task of service web waits in PROVISIONING for capacity from capacity "
                           "provider spot (1 waiting)"));
    assert_int_equal(evlog_count(&r, "task_provisioning", "web", "capacity provider od "), 0);
    /* spot scales out for it (3 -> 4), od does not move */
    assert_non_null(evlog_first(&r, "asg_desired", "spot", "DesiredCapacity 3 -> 4"));
    assert_int_equal(evlog_count(&r, "asg_desired", "od", NULL), 0);
    assert_int_equal(evlog_count(&r, "host_launched", NULL, "Auto Scaling group od "), 0);
    /* the replacement is web/7, on a new Spot instance */
    const evlog_event *p = evlog_first(&r, "task_placed", "web/7", NULL);
    assert_non_null(p);
    assert_true(p->t_s > 300);
    assert_non_null(strstr(p->detail, "on spot-"));
    assert_non_null(strstr(p->detail, "in PROVISIONING"));
    assert_int_equal(evlog_count(&r, "task_placed", NULL, "on od-"), 3);
    assert_int_equal(evlog_count(&r, "task_placed", NULL, "on spot-"), 4);
    assert_true(tu_column(r.summary, "tasks_running") == 6);
    evlog_free(&r);
}

/* Fargate and Auto Scaling group providers do not mix
 * (fargate-capacity-providers.html), and every provider of the strategy
 * must exist: bad input, file:line:column, exit 2. */
static void test_bad_input(void **state)
{
    (void) state;
    evlog r = run(5, 2, 1, 1, "od base=2 weight=1, FARGATE_SPOT weight=3", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "services.web.capacity_provider_strategy"));
    assert_non_null(strstr(r.err, "not both"));
    assert_false(r.out_exists);
    evlog_free(&r);
    r = run(5, 2, 1, 1, "od base=2 weight=1, spto weight=3", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "services.web.capacity_provider_strategy"));
    assert_non_null(strstr(r.err, "no capacity_providers named \"spto\""));
    assert_false(r.out_exists);
    evlog_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratio_1_to_20),
        cmocka_unit_test(test_provisioning_per_provider),
        cmocka_unit_test(test_interruption_replacement),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

/* test_hpa.c -- the Kubernetes Horizontal Pod Autoscaler's rules as ecsim
 * applies them to an ECS service (models/hpa.c): the replica formula with
 * its tolerance and not-ready tasks, the stabilisation window, the
 * behaviour policies, then a run end to end. Source:
 * https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/
 * ("Algorithm details", "Stabilization window", "Scaling policies",
 * "Default Behavior"); ECS-RULES.md 1.9. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hpa.h"
#include "support/evlog.h"
#include "support/testutil.h"

/* desiredReplicas = ceil[currentReplicas x currentMetricValue /
 * desiredMetricValue]; no action when the ratio is within 0.1 of 1. */
static void test_recommend(void **state)
{
    (void) state;
    assert_int_equal(hpa_recommend(4, 4, 0, 92, 60, 0.1), 7); /* ceil(6.13) */
    assert_int_equal(hpa_recommend(4, 4, 0, 65, 60, 0.1), 4); /* 1.083: within tolerance */
    assert_int_equal(hpa_recommend(4, 4, 0, 67, 60, 0.1), 5); /* 1.117: ceil(4.47) */
    assert_int_equal(hpa_recommend(4, 4, 0, 54, 60, 0.1), 4); /* 0.9: the boundary holds */
    assert_int_equal(hpa_recommend(4, 4, 0, 30, 60, 0.1), 2);
    assert_int_equal(hpa_recommend(4, 4, 0, 30, 60, 0.6), 4); /* a wider tolerance */
    /* not-ready pods count as 0% on scale-up; if that undoes the scale-up,
     * nothing happens */
    assert_int_equal(hpa_recommend(4, 2, 2, 100, 60, 0.1), 4); /* 200/240 = 0.83 */
    assert_int_equal(hpa_recommend(4, 2, 2, 150, 60, 0.1), 5); /* 300/240 = 1.25 */
    assert_int_equal(hpa_recommend(4, 0, 4, NAN, 60, 0.1), 4); /* no metrics */
}

/* Scale-down uses the highest recommendation within the window (300 s by
 * default); scale-up the lowest within its own (0 by default). */
static void test_stabilize(void **state)
{
    (void) state;
    hpa_ring r;
    hpa_ring_init(&r, 32);
    hpa_ring_push(&r, 0, 10);
    hpa_ring_push(&r, 100, 8);
    hpa_ring_push(&r, 200, 6);
    assert_int_equal(hpa_stabilize(&r, 250, 10, 4, 0, 300), 10);
    assert_int_equal(hpa_stabilize(&r, 350, 10, 4, 0, 300), 8);
    assert_int_equal(hpa_stabilize(&r, 450, 10, 4, 0, 300), 6);
    assert_int_equal(hpa_stabilize(&r, 500, 10, 4, 0, 300), 4); /* t=200 is not after 200 */
    assert_int_equal(hpa_stabilize(&r, 250, 10, 4, 0, 0), 4);   /* no window: at once */
    hpa_ring_fini(&r);
    hpa_ring_init(&r, 4);
    hpa_ring_push(&r, 100, 3);
    assert_int_equal(hpa_stabilize(&r, 130, 2, 10, 60, 300), 3); /* up window: the lowest */
    assert_int_equal(hpa_stabilize(&r, 170, 2, 10, 60, 300), 10);
    hpa_ring_fini(&r);
}

/* Policies: the change allowed per period, counting the changes already
 * made in it; the default scale-up is max(100%, 4 pods) per 15 s, the
 * default scale-down 100% per 15 s; select Min takes the smaller change,
 * Disabled none. */
static void test_limit(void **state)
{
    (void) state;
    hpa_rules up = {0, HPA_SELECT_MAX, {{HPA_PERCENT, 100, 15}, {HPA_PODS, 4, 15}}, 2};
    hpa_ring ev;
    hpa_ring_init(&ev, 8);
    assert_int_equal(hpa_limit(&up, &ev, 100, 3, true), 7);   /* max(6, 7) */
    assert_int_equal(hpa_limit(&up, &ev, 100, 10, true), 20); /* max(20, 14) */
    hpa_ring_push(&ev, 90, 3);                                /* 3 -> 6 ten seconds ago */
    assert_int_equal(hpa_limit(&up, &ev, 100, 6, true), 7);   /* from 3: max(6, 7) */
    assert_int_equal(hpa_limit(&up, &ev, 106, 6, true), 12);  /* the event is 16 s old */
    up.select = HPA_SELECT_MIN;
    assert_int_equal(hpa_limit(&up, &ev, 100, 6, true), 6);
    up.select = HPA_SELECT_DISABLED;
    assert_int_equal(hpa_limit(&up, &ev, 100, 6, true), 6);
    hpa_ring_fini(&ev);
    hpa_rules down = {300, HPA_SELECT_MAX, {{HPA_PERCENT, 100, 15}}, 1};
    hpa_ring_init(&ev, 8);
    assert_int_equal(hpa_limit(&down, &ev, 100, 10, false), 0);
    hpa_rules slow = {300, HPA_SELECT_MAX, {{HPA_PODS, 1, 60}, {HPA_PERCENT, 10, 60}}, 2};
    assert_int_equal(hpa_limit(&slow, &ev, 100, 30, false), 27); /* min(29, 27) */
    hpa_ring_push(&ev, 70, -3);
    assert_int_equal(hpa_limit(&slow, &ev, 100, 27, false), 27); /* from 30: max change used */
    slow.select = HPA_SELECT_MIN;
    assert_int_equal(hpa_limit(&slow, &ev, 100, 27, false), 29);
    hpa_ring_fini(&ev);
}

/* End to end: four tasks of 1 vCPU at 25% CPU; at 600 s the load saturates
 * them (min_replicas 4 keeps the 25% from scaling in first). With a 15-s
 * metric window the sync at 615 s reads 100% against the target 50:
 * ceil(4 x 2) = 8 (the default policies allow 8; max_replicas 8). The load
 * falls back at 900 s; the recommendation made at 900 s (12, high) stays in
 * the 300-s scale-down window until 1200 s, so the first scale-down is at
 * 1200 s, and the count ends at min_replicas. */
static void test_end_to_end(void **state)
{
    (void) state;
    const char *y =
        "run: {duration_s: 1300, seed: 1}\n"
        "hpa: {metric_window_s: 15}\n"
        "host_groups: {h: {instance_type: m5.4xlarge, count: 4, zone: us-east-1a}}\n"
        "task_definitions:\n"
        "  web: {cpu: 1024, memory_mib: 1024, workers: 4, queue_limit: 10,\n"
        "        image_pull: {distribution: deterministic, mean_s: 5},\n"
        "        container_start: {distribution: deterministic, mean_s: 2}}\n"
        "load_balancers: {lb: {health_check: {enabled: false}}}\n"
        "workloads:\n"
        "  w: {target: lb, arrival: schedule, schedule: {points: \"0:10, 600:60, 900:10\"},\n"
        "      demand: {distribution: deterministic, mean_s: 0.1}}\n"
        "services:\n"
        "  web:\n"
        "    task_definition: web\n"
        "    desired_count: 4\n"
        "    load_balancer: lb\n"
        "    hpa: {metric: cpu, target: 50, min_replicas: 4, max_replicas: 8}\n";
    evlog r = evlog_run(y, NULL);
    if (r.rc) fprintf(stderr, "%s", r.err);
    assert_int_equal(r.rc, 0);
    const evlog_event *up = evlog_nth(&r, 0, "hpa", "web", NULL);
    const evlog_event *down = evlog_nth(&r, 1, "hpa", "web", NULL);
    assert_non_null(up);
    assert_true(up->t_s == 615);
    assert_non_null(strstr(up->detail, "recommendation 8"));
    assert_non_null(strstr(up->detail, "desired 4 -> 8"));
    assert_non_null(down);
    if (down->t_s != 1200) fprintf(stderr, "%g %s\n", down->t_s, down->detail);
    assert_true(down->t_s == 1200);
    assert_non_null(strstr(down->detail, "desired 8 -> "));
    assert_non_null(evlog_first(&r, "hpa", "web", "-> 4"));
    assert_null(evlog_first(&r, "hpa", "web", "-> 3"));
    /* from the start of the first window above 1 + tolerance (600 s) */
    assert_true(tu_column(r.summary, "time_to_first_scale_out_s") == 15);
    assert_true(tu_column(r.summary, "web_scaling_actions_out") == 1);
    assert_true(tu_column(r.summary, "web_scaling_actions_in") >= 1);
    evlog_free(&r);

    /* a service with both hpa and autoscaling is refused: exit 2 */
    char *bad = NULL;
    if (asprintf(&bad,
                 "%s    autoscaling: {max_capacity: 3, policies: {c: {type: target_tracking, "
                 "target_value: 50}}}\n",
                 y) < 0)
        abort();
    r = evlog_run(bad, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "use one or the other"));
    assert_false(r.out_exists);
    evlog_free(&r);
    free(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recommend),
        cmocka_unit_test(test_stabilize),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

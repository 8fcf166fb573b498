/* test_autoscale.c -- Application Auto Scaling for ECS services: the rules
 * as pure functions, then short scenarios run end to end with hand-computed
 * timelines read back from events.csv. Lifecycle times are deterministic
 * (image pull 5 s, container start 2 s), demand is deterministic (0.1
 * CPU-s), and a load above the tasks' capacity keeps them at exactly 100%
 * CPU, so alarm times and capacities are exact. Pages cited:
 *   TT
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html
 *   SS
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html
 *   SCH
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scheduled-scaling.html
 *   SUS
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-suspend-resume-scaling.html
 *   ECS https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-auto-scaling.html
 *   GS  https://docs.aws.amazon.com/autoscaling/application/userguide/getting-started.html
 * The 3-of-3 / 15-of-15 alarms are observed, not documented
 * (https://github.com/aws/containers-roadmap/issues/1208); the publication
 * delay (60 s) and the capacity formula are our modelling assumptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscale.h"
#include "models/cron.h"
#include "sim/engine/param.h"
#include "sim/registry.h"
#include "sim/scenario.h"
#include "support/evlog.h"
#include "support/testutil.h"

/* ---- the rules ---- */

/* SS "PercentChangeInCapacity": 12.7 -> 12, 0.4 -> 1, -0.4 -> -1,
 * -6.67 -> -6; MinAdjustmentMagnitude: 25% of 4 with a minimum of 2 adds 2. */
static void test_percent_rounding(void **state)
{
    (void) state;
    assert_int_equal(asrule_percent_change(127, 10, 0), 12); /* 12.7 */
    assert_int_equal(asrule_percent_change(4, 10, 0), 1);    /* 0.4 */
    assert_int_equal(asrule_percent_change(4, -10, 0), -1);  /* -0.4 */
    assert_int_equal(asrule_percent_change(667, -1, 0), -6); /* -6.67 */
    assert_int_equal(asrule_percent_change(10, 30, 0), 3);   /* 3.0 */
    assert_int_equal(asrule_percent_change(11, 30, 0), 3);   /* 3.3 */
    assert_int_equal(asrule_percent_change(4, 25, 2), 2);    /* 1, raised to 2 */
    assert_int_equal(asrule_percent_change(4, -25, 2), -2);
    assert_int_equal(asrule_percent_change(10, 0, 0), 0);
}

/* SS: above the threshold the lower bound is inclusive and the upper
 * exclusive; below it the lower bound is exclusive and the upper
 * inclusive. */
static void test_step_bounds(void **state)
{
    (void) state;
    asrule_step up[] = {{0, 10, 0}, {10, 20, 10}, {20, INFINITY, 30}};
    assert_int_equal(asrule_find_step(up, 3, 0, true), 0);
    assert_int_equal(asrule_find_step(up, 3, 9.999, true), 0);
    assert_int_equal(asrule_find_step(up, 3, 10, true), 1);
    assert_int_equal(asrule_find_step(up, 3, 20, true), 2);
    assert_int_equal(asrule_find_step(up, 3, 1e9, true), 2);
    assert_int_equal(asrule_find_step(up, 3, -0.1, true), -1);
    asrule_step down[] = {{-INFINITY, -20, -3}, {-20, -10, -2}, {-10, 0, -1}};
    assert_int_equal(asrule_find_step(down, 3, 0, false), 2);
    assert_int_equal(asrule_find_step(down, 3, -10, false), 1);
    assert_int_equal(asrule_find_step(down, 3, -20, false), 0);
    assert_int_equal(asrule_find_step(down, 3, -1e9, false), 0);
    assert_int_equal(asrule_find_step(down, 3, 0.1, false), -1);
    char why[256];
    asrule_sort_steps(up, 3);
    assert_int_equal(asrule_check_steps(up, 3, why, sizeof why), 0);
    asrule_step overlap[] = {{10, 30, 2}, {0, 20, 1}};
    asrule_sort_steps(overlap, 2);
    assert_int_equal(asrule_check_steps(overlap, 2, why, sizeof why), -1);
    assert_string_equal(why, "steps [0, 20] and [10, 30] overlap");
    asrule_step gap[] = {{0, 10, 1}, {20, INFINITY, 2}};
    assert_int_equal(asrule_check_steps(gap, 2, why, sizeof why), -1);
    assert_non_null(strstr(why, "leave a gap"));
    asrule_step two_null[] = {{-INFINITY, 0, 1}, {-INFINITY, 10, 2}};
    assert_int_equal(asrule_check_steps(two_null, 2, why, sizeof why), -1);
    assert_non_null(strstr(why, "at most one step may have a null (none) lower bound"));
    asrule_step two_null_hi[] = {{0, INFINITY, 1}, {10, INFINITY, 2}};
    assert_int_equal(asrule_check_steps(two_null_hi, 2, why, sizeof why), -1);
}

/* SS worked example: capacity 10, alarm threshold 50%, steps +10% for
 * [10, 20) above the threshold and +30% from 20 up. The metric at 60%
 * adds 10% of 10 = 1 (11); later at 70% it adds 30% of 11 = 3.3 -> 3 (14). */
static void test_worked_example_rules(void **state)
{
    (void) state;
    asrule_step steps[] = {{0, 10, 0}, {10, 20, 10}, {20, INFINITY, 30}};
    int i = asrule_find_step(steps, 3, 60 - 50, true);
    assert_int_equal(i, 1);
    int64_t cap = 10 + asrule_percent_change(10, steps[i].adjustment, 0);
    assert_int_equal(cap, 11);
    i = asrule_find_step(steps, 3, 70 - 50, true);
    assert_int_equal(i, 2);
    cap = 11 + asrule_percent_change(11, steps[i].adjustment, 0);
    assert_int_equal(cap, 14);
}

/* Target tracking's capacity (our reconstruction, ECS-RULES 1.4): ceil out;
 * in, AWS "rounds conservatively" (ASG target-tracking page: "removing 1.5
 * instances" removes 1): the capacity rounds up, or down with
 * scale_in_rounding floor; ECS "scales out by the minimum possible amount"
 * from 0 (ECS). */
static void test_tt_capacity(void **state)
{
    (void) state;
    assert_int_equal(asrule_tt_capacity(4, 92.1, 70, true, false), 6); /* 5.26 -> 6 */
    assert_int_equal(asrule_tt_capacity(4, 70, 70, true, false), 4);
    assert_int_equal(asrule_tt_capacity(10, 85, 100, false, false), 9); /* remove 1.5: 1 */
    assert_int_equal(asrule_tt_capacity(10, 20, 70, false, false), 3);  /* 2.86 -> 3 */
    assert_int_equal(asrule_tt_capacity(10, 20, 70, false, true), 2);   /* floor */
    assert_int_equal(asrule_tt_capacity(4, 100, 50, true, false), 8);
    assert_int_equal(asrule_tt_capacity(0, 0, 50, true, false), 1);
}

/* GS: policies never leave [min, max]; ECS: a count below min jumps to min
 * on a scale-out, and a scale-in does not touch a count already below min
 * (the mirror rules above max). */
static void test_clamp(void **state)
{
    (void) state;
    assert_int_equal(asrule_clamp(4, 8, 1, 6, true), 6);
    assert_int_equal(asrule_clamp(4, 3, 1, 6, true), 4);
    assert_int_equal(asrule_clamp(1, 2, 3, 10, true), 3);     /* below min: to min first */
    assert_int_equal(asrule_clamp(1, 0, 3, 10, false), 1);    /* below min: scale-in no-op */
    assert_int_equal(asrule_clamp(12, 11, 3, 10, false), 10); /* above max: to max */
    assert_int_equal(asrule_clamp(12, 15, 3, 10, true), 12);  /* above max: scale-out no-op */
    assert_int_equal(asrule_clamp(5, 1, 2, 10, false), 2);
}

/* SCH: cron(Minutes Hours Day-of-month Month Day-of-week Year) in UTC with
 * a one-minute resolution; one of the day fields must be "?". */
static void test_cron(void **state)
{
    (void) state;
    cron_expr c;
    char why[256];
    double mon = cron_iso_epoch("2026-01-05T00:00:00Z"); /* a Monday */
    assert_true(mon > 0);
    assert_int_equal(cron_parse(&c, "cron(0 9 ? * MON-FRI *)", why, sizeof why), 0);
    assert_true(cron_next(&c, mon, mon + 14 * 86400, mon) == mon + 9 * 3600);
    assert_true(cron_next(&c, mon + 9 * 3600 + 1, mon + 14 * 86400, mon) == mon + 86400 + 9 * 3600);
    /* Friday 09:00 then Monday 09:00 */
    double fri = mon + 4 * 86400 + 9 * 3600;
    assert_true(cron_next(&c, fri + 60, mon + 14 * 86400, mon) == mon + 7 * 86400 + 9 * 3600);
    assert_int_equal(cron_parse(&c, "cron(*/15 8-9 ? * 2 2026)", why, sizeof why), 0);
    assert_true(cron_next(&c, mon + 8 * 3600 + 1, mon + 86400, mon) == mon + 8 * 3600 + 900);
    assert_int_equal(cron_parse(&c, "cron(30 18 5 1 ? *)", why, sizeof why), 0);
    assert_true(cron_next(&c, mon, mon + 86400, mon) == mon + 18 * 3600 + 1800);
    assert_int_equal(cron_parse(&c, "cron(0 9 * * MON *)", why, sizeof why), -1);
    assert_non_null(strstr(why, "exactly one of Day-of-month and Day-of-week"));
    assert_int_equal(cron_parse(&c, "cron(0 9 L * ? *)", why, sizeof why), -1);
    assert_non_null(strstr(why, "not supported"));
    assert_int_equal(cron_parse(&c, "cron(61 9 ? * MON *)", why, sizeof why), -1);
    assert_int_equal(cron_parse(&c, "at(2026-01-05T09:30:00)", why, sizeof why), 0);
    assert_true(cron_next(&c, mon, mon + 86400, mon) == mon + 9 * 3600 + 1800);
    assert_int_equal(cron_parse(&c, "rate(5 minutes)", why, sizeof why), 0);
    assert_true(cron_next(&c, mon + 1, mon + 86400, mon) == mon + 300);
    assert_int_equal(cron_parse(&c, "rate(1 minutes)", why, sizeof why), -1);
    char buf[40];
    cron_format(mon + 9 * 3600 + 61, buf, sizeof buf);
    assert_string_equal(buf, "2026-01-05T09:01:01Z");
}

/* Objects inside objects (services.*.autoscaling.policies.*): they exist
 * when a value is set under them, in file order, with defaults filled. */
static void test_inner_objects(void **state)
{
    (void) state;
    const char *y = "services:\n"
                    "  web:\n"
                    "    task_definition: t\n"
                    "    load_balancer: lb\n"
                    "    autoscaling:\n"
                    "      max_capacity: 5\n"
                    "      policies:\n"
                    "        zeta: {type: target_tracking, target_value: 40}\n"
                    "        alpha:\n"
                    "          type: step\n"
                    "          threshold: 50\n"
                    "          steps: {b: {lower_bound: 0, adjustment: 2}}\n"
                    "task_definitions: {t: {cpu: 256, memory_mib: 512}}\n"
                    "load_balancers: {lb: {}}\n";
    params *p = params_new(ecsim_registry());
    ecs_err e;
    err_clear(&e);
    assert_int_equal(scenario_load_text(p, "x.yaml", y, strlen(y), &e), ECS_OK);
    assert_int_equal(params_finish(p, &e), ECS_OK);
    const char *g = "services.web.autoscaling.policies";
    assert_int_equal(params_inner_count(p, g), 2);
    assert_string_equal(params_inner_name(p, g, 0), "zeta");
    assert_string_equal(params_inner_name(p, g, 1), "alpha");
    assert_true(params_real(p, "%s.zeta.scale_out_cooldown_s", g) == 300);
    assert_true(params_real(p, "%s.alpha.cooldown_s", g) == 300);
    assert_string_equal(params_str(p, "%s.alpha.steps.b.upper_bound", g), "none");
    assert_true(params_is_set(p, "%s.zeta.target_value", g));
    assert_false(params_is_set(p, "%s.alpha.target_value", g));
    assert_int_equal(params_inner_count(p, "services.web.autoscaling.scheduled_actions"), 0);
    params_free(p);
}

/* ---- end to end ---- */

/* The run's outputs, read back by tests/support/evlog. */
typedef evlog run_out;
typedef evlog_event event;

/* Runs a scenario with --set assignments (NULL-terminated); bad input
 * (exit 2) must leave no output at all. */
static run_out run(const char *yaml, const char *const *sets)
{
    const char *args[32];
    int n = 0;
    for (int i = 0; sets && sets[i] && n < 30; i++) {
        args[n++] = "--set";
        args[n++] = sets[i];
    }
    args[n] = NULL;
    run_out r = evlog_run(yaml, args);
    if (r.rc == 2) assert_false(r.out_exists);
    return r;
}

static void run_free(run_out *r)
{
    evlog_free(r);
}

/* The i-th (from 0) event of a kind whose detail contains `has`. */
static const event *nth(const run_out *r, const char *kind, const char *has, int i)
{
    return evlog_nth(r, (size_t) i, kind, NULL, has);
}

static size_t count(const run_out *r, const char *kind, const char *has)
{
    return evlog_count(r, kind, NULL, has);
}

static void dump(const run_out *r, const char *kind)
{
    for (size_t k = 0; k < r->n; k++)
        if (!kind || strstr(r->ev[k].kind, kind))
            fprintf(stderr, "  %g %s %s %s\n", r->ev[k].t_s, r->ev[k].kind, r->ev[k].object,
                    r->ev[k].detail);
}

/* 4 tasks of 1 vCPU; `load` is the schedule's points at 0.1 CPU-s per
 * request (10/s = 25%, 60/s saturates four tasks). */
static char *scenario(double duration_s, int desired, const char *load, const char *service_extra)
{
    char *y = NULL;
    if (asprintf(&y,
                 "run: {duration_s: %g, seed: 1}\n"
                 "host_groups: {h: {instance_type: m5.4xlarge, count: 4, zone: us-east-1a}}\n"
                 "task_definitions:\n"
                 "  web: {cpu: 1024, memory_mib: 1024, workers: 4, queue_limit: 10,\n"
                 "        image_pull: {distribution: deterministic, mean_s: 5},\n"
                 "        container_start: {distribution: deterministic, mean_s: 2}}\n"
                 "load_balancers: {lb: {health_check: {enabled: false}}}\n"
                 "workloads:\n"
                 "  w: {target: lb, arrival: schedule, schedule: {points: \"%s\"},\n"
                 "      demand: {distribution: deterministic, mean_s: 0.1}}\n"
                 "services:\n"
                 "  web:\n"
                 "    task_definition: web\n"
                 "    desired_count: %d\n"
                 "    load_balancer: lb\n"
                 "%s",
                 duration_s, load, desired, service_extra) < 0)
        abort();
    return y;
}

#define TT_CPU50                                                                                   \
    "    autoscaling:\n"                                                                           \
    "      min_capacity: 1\n"                                                                      \
    "      max_capacity: 20\n"                                                                     \
    "      policies:\n"                                                                            \
    "        cpu: {type: target_tracking, metric: ECSServiceAverageCPUUtilization, "               \
    "target_value: 50}\n"

/* A step in load at minute 10 (t = 600 s) saturates the four tasks. The
 * datapoints of minutes 10, 11 and 12 breach the target (50%); AlarmHigh
 * needs 3 of 3 (observed, roadmap #1208); minute 12's datapoint is
 * published at (12+1) x 60 + 60 s (the delay, our assumption) = 840 s, when
 * the alarm evaluates and the policy scales out to ceil(4 x 100 / 50) = 8
 * (TT; ECS: from the running count). time_to_first_scale_out_s counts from
 * the start of minute 10: 240 s. */
static void test_tt_first_scale_out_minute(void **state)
{
    (void) state;
    char *y = scenario(1200, 4, "0:10, 600:60", TT_CPU50);
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *al = nth(&r, "alarm", "OK -> ALARM", 0);
    assert_non_null(al);
    assert_string_equal(al->object, "web/cpu/AlarmHigh");
    assert_true(al->t_s == 840);
    assert_non_null(strstr(al->detail, "3 out of the last 3 datapoints"));
    const event *sc = nth(&r, "scaling", NULL, 0);
    assert_non_null(sc);
    if (sc->t_s != 840) dump(&r, NULL);
    assert_true(sc->t_s == 840);
    assert_non_null(strstr(sc->detail, "running 4 x 100 / 50 = 8, rounded up to 8"));
    assert_non_null(strstr(sc->detail, "desired 4 -> 8"));
    assert_true(tu_column(r.summary, "time_to_first_scale_out_s") == 240);
    assert_true(tu_column(r.summary, "web_time_to_first_scale_out_s") == 240);
    assert_true(tu_column(r.summary, "scaling_actions_out") >= 1);
    /* timeseries: desired, running, pending and the alarm columns */
    assert_non_null(strstr(r.timeseries, "pending_tasks"));
    assert_non_null(strstr(r.timeseries, "ALARM"));
    run_free(&r);

    /* no publication delay: 780 s; 20-second metrics: minutes become
     * 20-s periods 30, 31, 32, the third published at 33 x 20 + 60 = 720 s */
    const char *no_delay[] = {"metrics.publish_delay_s=0", NULL};
    r = run(y, no_delay);
    assert_int_equal(r.rc, 0);
    assert_non_null(nth(&r, "scaling", NULL, 0));
    assert_true(nth(&r, "scaling", NULL, 0)->t_s == 780);
    run_free(&r);
    /* (with 20-s datapoints AlarmLow's 15 datapoints are 5 minutes: the
     * 25% load scales in at 360 s first) */
    const char *hires[] = {"metrics.period_s=20", NULL};
    r = run(y, hires);
    assert_int_equal(r.rc, 0);
    assert_non_null(nth(&r, "scaling", "AlarmHigh", 0));
    assert_true(nth(&r, "scaling", "AlarmHigh", 0)->t_s == 720);
    assert_true(nth(&r, "scaling", "AlarmLow", 0)->t_s == 360);
    assert_true(tu_column(r.summary, "time_to_first_scale_out_s") == 120);
    run_free(&r);
    free(y);
}

/* TT "cooldown": within the scale-out cooldown the capacity already added
 * counts, so a proposal no larger than the desired count does nothing;
 * max_capacity caps it (GS). With max 6: 4 -> 6 at 840 s, "capped". */
static void test_tt_cooldown_and_max(void **state)
{
    (void) state;
    char *y = scenario(1200, 4, "0:10, 600:60",
                       "    autoscaling:\n"
                       "      min_capacity: 1\n"
                       "      max_capacity: 6\n"
                       "      policies:\n"
                       "        cpu: {type: target_tracking, target_value: 50}\n");
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *sc = nth(&r, "scaling", NULL, 0);
    assert_non_null(sc);
    assert_true(sc->t_s == 840);
    assert_non_null(strstr(sc->detail, "capped at max_capacity"));
    assert_non_null(strstr(sc->detail, "desired 4 -> 6"));
    assert_int_equal(count(&r, "scaling", NULL), 1);
    /* the next minute: still in ALARM, proposal 12 (6 running at 100%),
     * blocked by max: said once */
    assert_non_null(nth(&r, "scaling_skipped", "max_capacity 6", 0));
    run_free(&r);
    free(y);
}

/* SS cooldown, scale-in side, and "a scale-out ends a scale-in cooldown"
 * (TT page, Define cooldown period; the same for step policies):
 * six tasks at 20% CPU (12/s); "in" (CPU < 30, 1 of 1, -1, cooldown 600 s)
 * fires on minute 0's datapoint at 120 s (6 -> 5); minute 1's at 180 s is
 * blocked by the cooldown (until 720 s). At 180 s the load jumps above the
 * capacity; "out" (CPU >= 90, +3) fires on minute 3's datapoint at 300 s
 * (5 -> 8) and ends the scale-in cooldown; the load falls back at 300 s,
 * so minute 5's datapoint at 420 s scales in at once (8 -> 7), 300 s before
 * the cooldown would have ended. */
static void test_step_cooldowns(void **state)
{
    (void) state;
    char *y = scenario(600, 6, "0:12, 180:120, 300:12",
                       "    autoscaling:\n"
                       "      min_capacity: 1\n"
                       "      max_capacity: 20\n"
                       "      policies:\n"
                       "        in:\n"
                       "          type: step\n"
                       "          metric: CPUUtilization\n"
                       "          comparison: LessThanThreshold\n"
                       "          threshold: 30\n"
                       "          cooldown_s: 600\n"
                       "          steps: {all: {upper_bound: 0, adjustment: -1}}\n"
                       "        out:\n"
                       "          type: step\n"
                       "          metric: CPUUtilization\n"
                       "          threshold: 90\n"
                       "          cooldown_s: 600\n"
                       "          steps: {all: {lower_bound: 0, adjustment: 3}}\n");
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *a = nth(&r, "scaling", NULL, 0), *b = nth(&r, "scaling", NULL, 1),
                *c = nth(&r, "scaling", NULL, 2);
    if (!a || !b || !c) dump(&r, "scal");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a->t_s == 120);
    assert_non_null(strstr(a->detail, "desired 6 -> 5"));
    assert_true(b->t_s == 300);
    assert_non_null(strstr(b->detail, "desired 5 -> 8"));
    assert_true(c->t_s == 420);
    assert_non_null(strstr(c->detail, "desired 8 -> 7"));
    const event *blocked = nth(&r, "scaling_skipped", "in the cooldown until 720 s", 0);
    assert_non_null(blocked);
    assert_true(blocked->t_s == 180);
    assert_true(tu_column(r.summary, "scaling_actions_in") == 2);
    assert_true(tu_column(r.summary, "scaling_actions_out") == 1);
    run_free(&r);
    free(y);
}

/* SS: "+2 then +3 inside the cooldown adds only 1 more" -- the capacity
 * added by the scale-out that started the cooldown counts. Ten tasks at
 * CPU 65% (65/s): "out" (>= 50, steps [10, 20) +2, [20, inf) +3) adds 2 on
 * minute 0's datapoint at 120 s (10 -> 12). At 120 s the load rises so
 * that minute 2 runs above 70%: the +3 step at 240 s, in the cooldown,
 * counts from the 10 it started from: 13, one more. */
static void test_step_cooldown_larger(void **state)
{
    (void) state;
    char *y = scenario(300, 10, "0:65, 120:100",
                       "    autoscaling:\n"
                       "      min_capacity: 1\n"
                       "      max_capacity: 30\n"
                       "      policies:\n"
                       "        out:\n"
                       "          type: step\n"
                       "          metric: CPUUtilization\n"
                       "          threshold: 50\n"
                       "          steps:\n"
                       "            low: {lower_bound: 0, upper_bound: 10, adjustment: 0}\n"
                       "            two: {lower_bound: 10, upper_bound: 20, adjustment: 2}\n"
                       "            three: {lower_bound: 20, adjustment: 3}\n");
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *a = nth(&r, "scaling", NULL, 0), *b = nth(&r, "scaling", NULL, 1);
    if (!a || !b) dump(&r, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->t_s == 120);
    assert_non_null(strstr(a->detail, "desired 10 -> 12"));
    assert_true(b->t_s == 240);
    assert_non_null(strstr(b->detail, "+3 from 10"));
    assert_non_null(strstr(b->detail, "desired 12 -> 13"));
    run_free(&r);
    free(y);
}

/* SS worked example end to end: 10 tasks at 65% (threshold 50: +10% step)
 * -> 11 on minute 0's datapoint (120 s); after the cooldown (300 s) the
 * load rises (t = 600 s) so that 11 tasks run at 91% (+30% step): minute
 * 10's datapoint at 720 s adds 30% of 11 = 3.3 -> 3: 14. */
static void test_step_worked_example(void **state)
{
    (void) state;
    char *y = scenario(780, 10, "0:65, 600:100",
                       "    autoscaling:\n"
                       "      min_capacity: 1\n"
                       "      max_capacity: 30\n"
                       "      policies:\n"
                       "        pct:\n"
                       "          type: step\n"
                       "          metric: CPUUtilization\n"
                       "          threshold: 50\n"
                       "          adjustment_type: PercentChangeInCapacity\n"
                       "          steps:\n"
                       "            none: {lower_bound: 0, upper_bound: 10, adjustment: 0}\n"
                       "            ten: {lower_bound: 10, upper_bound: 20, adjustment: 10}\n"
                       "            thirty: {lower_bound: 20, adjustment: 30}\n");
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *a = nth(&r, "scaling", NULL, 0), *b = nth(&r, "scaling", NULL, 1);
    if (!a || !b) dump(&r, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->t_s == 120);
    assert_non_null(strstr(a->detail, "+10% of 10"));
    assert_non_null(strstr(a->detail, "desired 10 -> 11"));
    assert_true(b->t_s == 720);
    assert_non_null(strstr(b->detail, "+30% of 11"));
    assert_non_null(strstr(b->detail, "desired 11 -> 14"));
    run_free(&r);
    free(y);
}

/* SCH: a scheduled action sets min and/or max; a desired count below the
 * new min rises to it, above the new max falls to it; cron is UTC with
 * run.start (Monday 2026-01-05 00:00) as t=0; SUS: with scheduled scaling
 * suspended nothing runs. */
static void test_scheduled_actions(void **state)
{
    (void) state;
    char *y = scenario(1200, 2, "0:10",
                       "    autoscaling:\n"
                       "      min_capacity: 1\n"
                       "      max_capacity: 10\n"
                       "      scheduled_actions:\n"
                       "        up: {at_s: 300, min_capacity: 6}\n"
                       "        cap: {schedule: \"cron(10 0 ? * MON *)\", min_capacity: 1, "
                       "max_capacity: 3}\n"
                       "        wide: {schedule: \"at(2026-01-05T00:15:00)\", max_capacity: 10}\n");
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *a = nth(&r, "scaling", NULL, 0), *b = nth(&r, "scaling", NULL, 1);
    if (!a || !b) dump(&r, NULL);
    assert_non_null(a);
    assert_true(a->t_s == 300);
    assert_non_null(strstr(a->detail, "below the new min_capacity 6: desired 2 -> 6"));
    assert_non_null(b);
    assert_true(b->t_s == 600);
    assert_non_null(strstr(b->detail, "above the new max_capacity 3: desired 6 -> 3"));
    const event *w = nth(&r, "scheduled_action", "max_capacity 3 -> 10", 0);
    assert_non_null(w);
    assert_true(w->t_s == 900);
    assert_int_equal(count(&r, "scaling", NULL), 2);
    run_free(&r);
    const char *susp[] = {"services.web.autoscaling.suspend.scheduled=true", NULL};
    r = run(y, susp);
    assert_int_equal(r.rc, 0);
    assert_int_equal(count(&r, "scaling", NULL), 0);
    assert_int_equal(count(&r, "scheduled_action", "suspended"), 3);
    run_free(&r);
    free(y);
}

/* SUS: with dynamic scale-out suspended the alarm still fires, nothing
 * scales. */
static void test_suspend_out(void **state)
{
    (void) state;
    char *y = scenario(1200, 4, "0:10, 600:60", TT_CPU50);
    const char *susp[] = {"services.web.autoscaling.suspend.dynamic_scale_out=true", NULL};
    run_out r = run(y, susp);
    assert_int_equal(r.rc, 0);
    assert_non_null(nth(&r, "alarm", "OK -> ALARM", 0));
    assert_int_equal(count(&r, "scaling", NULL), 0);
    assert_non_null(nth(&r, "scaling_skipped", "dynamic scale-out suspended", 0));
    assert_true(isnan(tu_column(r.summary, "time_to_first_scale_out_s")));
    run_free(&r);
    free(y);
}

/* TT: scale-in after 15 of 15 datapoints below 0.9 x target (observed;
 * band: our assumption), to ceil(running x metric / target), never below
 * min_capacity. Eight tasks at 5/s (6.25% CPU, target 50): minutes 0-14
 * breach AlarmLow; the 15th is published at 15 x 60 + 60 = 960 s: desired
 * 8 -> ceil(8 x 6.25 / 50) = 1 (2 with the noise), raised to min_capacity
 * 3. */
static void test_tt_scale_in(void **state)
{
    (void) state;
    char *y = scenario(1100, 8, "0:5",
                       "    autoscaling:\n"
                       "      min_capacity: 3\n"
                       "      max_capacity: 20\n"
                       "      policies:\n"
                       "        cpu: {type: target_tracking, target_value: 50}\n");
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *al = nth(&r, "alarm", "INSUFFICIENT_DATA -> ALARM", 0);
    assert_non_null(al);
    assert_string_equal(al->object, "web/cpu/AlarmLow");
    assert_true(al->t_s == 960);
    const event *sc = nth(&r, "scaling", NULL, 0);
    assert_non_null(sc);
    assert_true(sc->t_s == 960);
    assert_non_null(strstr(sc->detail, "raised to min_capacity"));
    assert_non_null(strstr(sc->detail, "desired 8 -> 3"));
    run_free(&r);
    /* DisableScaleIn: the alarm fires, nothing scales in */
    const char *off[] = {"services.web.autoscaling.policies.cpu.disable_scale_in=true", NULL};
    r = run(y, off);
    assert_int_equal(r.rc, 0);
    assert_int_equal(count(&r, "scaling", NULL), 0);
    run_free(&r);
    free(y);
}

/* TT predefined metrics (TT page): ALBRequestCountPerTarget is the target
 * group's requests per minute over its healthy targets (Sum). Four tasks
 * at 5/s: about 75 a target a minute against 55: AlarmHigh after minutes
 * 0, 1, 2, published at 3 x 60 + 60 = 240 s. */
static void test_tt_request_count(void **state)
{
    (void) state;
    char *y = scenario(300, 4, "0:5",
                       "    autoscaling:\n"
                       "      max_capacity: 20\n"
                       "      policies:\n"
                       "        req: {type: target_tracking, metric: ALBRequestCountPerTarget, "
                       "target_value: 55}\n");
    run_out r = run(y, NULL);
    assert_int_equal(r.rc, 0);
    const event *sc = nth(&r, "scaling", NULL, 0);
    if (!sc) dump(&r, NULL);
    assert_non_null(sc);
    assert_true(sc->t_s == 240);
    assert_non_null(strstr(sc->detail, "target tracking ALBRequestCountPerTarget = 55"));
    assert_non_null(strstr(sc->detail, "running 4 x 7"));
    run_free(&r);
    free(y);
}

/* Several TT policies (TT page): scale in only if all that may scale in
 * want to, and then the largest capacity wins. Eight tasks at 6.25% CPU
 * (target 50) and exactly 50% memory (512 of 1024 MiB in use). With the
 * memory policy's target at 52 its AlarmLow (below 46.8) never fires, so
 * CPU's AlarmLow at 960 s scales nothing; at 60 (band 54) both want in at
 * 960 s: CPU ceil(8 x 6.25 / 50) = 1, memory ceil(8 x 50 / 60) = 7: 7. */
static void test_several_policies(void **state)
{
    (void) state;
    char *y = scenario(1100, 8, "0:5",
                       "    autoscaling:\n"
                       "      max_capacity: 20\n"
                       "      policies:\n"
                       "        cpu: {type: target_tracking, target_value: 50}\n"
                       "        mem: {type: target_tracking, metric: "
                       "ECSServiceAverageMemoryUtilization, target_value: 52}\n");
    const char *base[] = {"task_definitions.web.memory_base_mib=512", NULL};
    run_out r = run(y, base);
    assert_int_equal(r.rc, 0);
    assert_int_equal(count(&r, "scaling", NULL), 0);
    const event *sk = nth(&r, "scaling_skipped", "scale in only if all do", 0);
    assert_non_null(sk);
    assert_true(sk->t_s == 960);
    run_free(&r);
    const char *agree[] = {"task_definitions.web.memory_base_mib=512",
                           "services.web.autoscaling.policies.mem.target_value=60", NULL};
    r = run(y, agree);
    assert_int_equal(r.rc, 0);
    const event *sc = nth(&r, "scaling", NULL, 0);
    if (!sc) dump(&r, NULL);
    assert_non_null(sc);
    assert_true(sc->t_s == 960);
    assert_non_null(strstr(sc->detail, "policy mem"));
    assert_non_null(strstr(sc->detail, "running 8 x 50 / 60 = 6.667, rounded up to 7"));
    assert_non_null(strstr(sc->detail, "desired 8 -> 7"));
    run_free(&r);
    free(y);
}

/* Bad policies: file:line:column, exit 2, no output (DESIGN.md exit codes). */
static void bad_input(const char *extra, const char *where, const char *what)
{
    char *y = scenario(600, 2, "0:10", extra);
    run_out r = run(y, NULL);
    if (r.rc != 2 || !r.err || !strstr(r.err, where) || !strstr(r.err, what))
        fprintf(stderr, "got rc %d: %s\n", r.rc, r.err ? r.err : "");
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, where));
    assert_non_null(strstr(r.err, what));
    assert_null(r.summary);
    run_free(&r);
    free(y);
}

static void test_bad_input(void **state)
{
    (void) state;
    /* the scenario's service block starts at line 12; autoscaling at 16 */
    bad_input("    autoscaling:\n"
              "      max_capacity: 4\n"
              "      policies:\n"
              "        s:\n"
              "          type: step\n"
              "          threshold: 50\n"
              "          steps:\n"
              "            a: {lower_bound: 0, upper_bound: 20, adjustment: 1}\n"
              "            b: {lower_bound: 10, adjustment: 2}\n",
              "s.yaml:23:", "steps [0, 20] and [10, inf] overlap");
    bad_input("    autoscaling:\n"
              "      min_capacity: 5\n"
              "      max_capacity: 4\n"
              "      policies: {cpu: {type: target_tracking, target_value: 50}}\n",
              "s.yaml:17:21:", "min_capacity: expected at most max_capacity (4), got 5");
    bad_input("    autoscaling:\n"
              "      max_capacity: 4\n"
              "      policies: {cpu: {type: target_tracking, target_value: 0}}\n",
              "s.yaml:18:", "target_value: expected a number in (0, ");
    bad_input("    autoscaling:\n"
              "      max_capacity: 4\n"
              "      policies: {cpu: {type: target_tracking, target_value: -5}}\n",
              "s.yaml:18:", "target_value");
    bad_input("    autoscaling:\n"
              "      max_capacity: 4\n"
              "      policies: {cpu: {type: target_tracking, metric: CPUUtilisation, "
              "target_value: 5}}\n",
              "s.yaml:18:", "metric: expected one of");
    bad_input("    autoscaling:\n"
              "      max_capacity: 4\n"
              "      policies: {cpu: {type: target_tracking, metric: RequestCount, "
              "target_value: 5}}\n",
              "s.yaml:18:", "target tracking takes a predefined metric");
    bad_input("    autoscaling:\n"
              "      policies: {cpu: {type: target_tracking, target_value: 50}}\n",
              "s.yaml:", "max_capacity: required");
    bad_input("    autoscaling:\n"
              "      max_capacity: 4\n"
              "      policies:\n"
              "        s:\n"
              "          type: step\n"
              "          threshold: 50\n"
              "          steps:\n"
              "            a: {upper_bound: 0, adjustment: -1}\n"
              "            b: {upper_bound: 10, adjustment: 2}\n",
              "s.yaml:", "at most one step may have a null (none) lower bound");
    bad_input(
        "    autoscaling:\n"
        "      max_capacity: 4\n"
        "      scheduled_actions: {x: {schedule: \"cron(0 9 * * MON *)\", min_capacity: 2}}\n",
        "s.yaml:18:", "exactly one of Day-of-month and Day-of-week");
    bad_input("    autoscaling:\n"
              "      max_capacity: 4\n"
              "      scheduled_actions: {x: {at_s: 10, min_capacity: 5, max_capacity: 3}}\n",
              "s.yaml:18:", "min_capacity: expected at most max_capacity (3), got 5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percent_rounding),
        cmocka_unit_test(test_step_bounds),
        cmocka_unit_test(test_worked_example_rules),
        cmocka_unit_test(test_tt_capacity),
        cmocka_unit_test(test_clamp),
        cmocka_unit_test(test_cron),
        cmocka_unit_test(test_inner_objects),
        cmocka_unit_test(test_tt_first_scale_out_minute),
        cmocka_unit_test(test_tt_cooldown_and_max),
        cmocka_unit_test(test_step_cooldowns),
        cmocka_unit_test(test_step_cooldown_larger),
        cmocka_unit_test(test_step_worked_example),
        cmocka_unit_test(test_scheduled_actions),
        cmocka_unit_test(test_suspend_out),
        cmocka_unit_test(test_tt_scale_in),
        cmocka_unit_test(test_tt_request_count),
        cmocka_unit_test(test_several_policies),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

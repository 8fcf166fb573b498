/* autoscale.h -- Application Auto Scaling on ecs:service:DesiredCount:
 * target tracking and step scaling policies driven by CloudWatch alarms,
 * scheduled actions, cooldowns, min and max capacity, and the suspend flags,
 * as the Application Auto Scaling user guide documents them (sources and
 * rules: ../shared/ECS-RULES.md 1.4). A service scales when
 * services.<name>.autoscaling has policies or scheduled actions:
 *
 *   services:
 *     web:
 *       autoscaling:
 *         min_capacity: 2
 *         max_capacity: 20
 *         suspend: {dynamic_scale_in: false, dynamic_scale_out: false, scheduled: false}
 *         policies:
 *           cpu: {type: target_tracking, metric: ECSServiceAverageCPUUtilization,
 *                 target_value: 70, scale_out_cooldown_s: 300, scale_in_cooldown_s: 300}
 *           burst:
 *             type: step
 *             metric: CPUUtilization          # CloudWatch metric, statistic below
 *             comparison: GreaterThanOrEqualToThreshold
 *             threshold: 50
 *             adjustment_type: PercentChangeInCapacity
 *             steps:
 *               small: {lower_bound: 10, upper_bound: 20, adjustment: 10}
 *               big: {lower_bound: 20, adjustment: 30}
 *         scheduled_actions:
 *           morning: {schedule: "cron(0 8 ? * MON-FRI *)", min_capacity: 6}
 *           night: {at_s: 36000, min_capacity: 2, max_capacity: 8}
 *
 * Target tracking creates the two alarms AWS creates: AlarmHigh (3 of 3
 * datapoints above the target) and AlarmLow (15 of 15 below
 * scale_in_band x target), both observed, not documented. While an alarm
 * is in ALARM it invokes its policy at every evaluation (CloudWatch keeps
 * invoking Auto Scaling actions each period the alarm stays in ALARM). The
 * new capacity is ceil(running x metric / target), out and in (in: the
 * removal rounded down, as AWS "rounds conservatively"; scale_in_rounding
 * floor rounds the capacity down instead) -- our reconstruction: AWS
 * publishes no formula -- from the RUNNING count
 * (service-auto-scaling.html), clamped to [min, max].
 * Every alarm change and every decision (and a blocked one, once per cause)
 * goes to events.csv with its numbers. Desired count changes go through the
 * service scheduler. The work is per metric period, O(services + tasks). */
#ifndef ECSIM_AUTOSCALE_H
#define ECSIM_AUTOSCALE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/alarm.h"
#include "models/asrule.h"
#include "models/cron.h"
#include "models/cw.h"
#include "models/service.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

typedef enum { AS_TARGET_TRACKING, AS_STEP } as_policy_type;
typedef enum { AS_CHANGE_IN_CAPACITY, AS_PERCENT_CHANGE, AS_EXACT_CAPACITY } as_adjustment_type;

typedef struct as_policy {
    const char *name;        /* borrowed from params */
    const char *metric_name; /* as the scenario names it (borrowed) */
    as_policy_type type;
    cw_metric metric;
    cw_stat stat;
    bool high_side; /* its alarm fires above a threshold (scale-out side) */
    /* target tracking */
    double target, band;
    bool disable_scale_in;
    bool floor_in; /* scale_in_rounding floor (else the capacity rounds up) */
    double out_cooldown_s, in_cooldown_s;
    alarm high, low;
    /* step scaling */
    alarm al;
    as_adjustment_type adj_type;
    int64_t min_magnitude;
    cw_stat aggregation; /* MetricAggregationType: Average, Minimum or Maximum */
    asrule_step *steps;  /* sorted by lower bound */
    uint32_t n_steps;
    /* cooldowns */
    double out_until_s, in_until_s; /* end of the scale-out / scale-in cooldown */
    int64_t out_base;               /* step: the capacity the cooling scale-out started from */
    char last_skip[192];            /* the last "no action" reason logged */
} as_policy;

typedef struct as_action {
    const char *name; /* borrowed */
    uint16_t service;
    double at_s; /* -1 when scheduled by expression */
    cron_expr expr;
    bool has_expr;
    int64_t min, max; /* -1: unchanged */
    uint64_t ev;
} as_action;

typedef struct as_target {
    bool on;
    int64_t min, max;
    bool suspend_in, suspend_out, suspend_scheduled;
    as_policy *pol;
    uint32_t n_pol;
} as_target;

typedef struct autoscale {
    struct cluster *c;
    as_target *t; /* per service */
    uint32_t n;
    as_action *act;
    uint32_t n_act;
    double start_epoch_s; /* run.start */
    double end_s;         /* run.duration_s: no scheduled action is armed past it */
    uint32_t kind_action;
    uint32_t *running, *pending; /* per service, scratch */
} autoscale;

extern const param_def autoscale_params[];

/* Reads services.*.autoscaling.* and checks it (min <= max, a target value
 * for target tracking, step bounds without overlap or gap, ...); errors name
 * file:line:column. Subscribes to c->cw when a service scales. */
int autoscale_init(autoscale *a, struct cluster *c, const params *p, ecs_err *e);
void autoscale_fini(autoscale *a);

/* Sets a service's desired count for an autoscaler (policy, scheduled
 * action, HPA): logs kind/`who`/`why` to events.csv, counts the action,
 * and asks the service scheduler for a pass. No-op when n == desired. */
void autoscale_set_desired(struct cluster *c, service *sv, uint32_t n, const char *kind,
                           const char *why);

/* Counts each service's RUNNING tasks and those started but not yet
 * RUNNING (ECS's runningCount and pendingCount) into running[] and
 * pending[] (n_services each), in one pass over the tasks. */
void autoscale_count_tasks(const struct cluster *c, uint32_t *running, uint32_t *pending);

/* A recorder rows listener (ctx: the cluster): refreshes each service's
 * pending_tasks before a timeseries row. */
void autoscale_rows(void *ctx, double now_s);

#endif

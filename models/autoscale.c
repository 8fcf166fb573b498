/* autoscale.c -- Application Auto Scaling for ECS services (see
 * autoscale.h): reading and checking the policies, feeding their alarms at
 * each CloudWatch publication, choosing and applying a capacity, the
 * cooldowns (scheduled actions run in asched.c). Owns the policies, their
 * alarms and step lists, and reads the scheduled actions. */
#include "autoscale.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "models/scheduler.h"
#include "sim/engine/xmalloc.h"

static int bound_check(const char *text, char *expected, size_t len)
{
    char *end;
    if (strcmp(text, "none") == 0) return 0;
    double v = strtod(text, &end);
    if (end != text && !*end && isfinite(v)) return 0;
    snprintf(expected, len, "a number, or none for no bound");
    return -1;
}

static int schedule_check(const char *text, char *expected, size_t len)
{
    if (!text[0]) return 0;
    cron_expr x;
    char why[256];
    if (cron_parse(&x, text, why, sizeof why) == 0) return 0;
    snprintf(expected, len, "a schedule expression (%s)", why);
    return -1;
}

#define AS  "services.*.autoscaling."
#define POL AS "policies.*."
#define TT_METRICS                                                                                 \
    "ECSServiceAverageCPUUtilization|ECSServiceAverageMemoryUtilization|ALBRequestCountPerTarget"
#define CW_METRICS                                                                                 \
    "CPUUtilization|MemoryUtilization|RequestCountPerTarget|RequestCount|TargetResponseTime|"      \
    "HTTPCode_ELB_5XX_Count"

const param_def autoscale_params[] = {
    {AS "min_capacity", PT_INT, "tasks", 0, 10000, "1", NULL, 0, NULL,
     "MinCapacity of the scalable target: no policy scales below it (getting-started.html)."},
    {AS "max_capacity", PT_INT, "tasks", 0, 10000, "unlimited", NULL, PF_UNLIMITED, NULL,
     "MaxCapacity of the scalable target: no policy scales above it. Required when the service "
     "has policies or scheduled actions (RegisterScalableTarget needs it)."},
    {AS "suspend.dynamic_scale_in", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "DynamicScalingInSuspended: policies do not scale in "
     "(application-auto-scaling-suspend-resume-scaling.html)."},
    {AS "suspend.dynamic_scale_out", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "DynamicScalingOutSuspended: policies do not scale out."},
    {AS "suspend.scheduled", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "ScheduledScalingSuspended: scheduled actions do not run."},
    {POL "type", PT_ENUM, "", 0, 0, NULL, "target_tracking|step", PF_REQUIRED, NULL,
     "A target tracking or a step scaling policy."},
    {POL "metric", PT_ENUM, "", 0, 0, "ECSServiceAverageCPUUtilization", TT_METRICS "|" CW_METRICS,
     0, NULL,
     "target_tracking: a predefined metric (ECSServiceAverageCPUUtilization and "
     "ECSServiceAverageMemoryUtilization, Average, %; ALBRequestCountPerTarget, Sum, requests "
     "per target per minute); step: the CloudWatch metric its alarm watches (with statistic)."},
    {POL "target_value", PT_REAL, "", 0, 1e9, "70", NULL, PF_MIN_EXCL, NULL,
     "target_tracking: the target value of the metric (required for target_tracking)."},
    {POL "disable_scale_in", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "target_tracking: DisableScaleIn, the policy never scales in."},
    {POL "scale_out_cooldown_s", PT_REAL, "s", 0, 1e9, "300", NULL, 0, NULL,
     "target_tracking: ScaleOutCooldown (300 s for ECS): within it only a larger scale-out "
     "happens, the capacity already added counting towards it."},
    {POL "scale_in_cooldown_s", PT_REAL, "s", 0, 1e9, "300", NULL, 0, NULL,
     "target_tracking: ScaleInCooldown (300 s for ECS): no scale-in within it; a scale-out "
     "ends it."},
    {POL "scale_in_rounding", PT_ENUM, "", 0, 0, "remove_fewer", "remove_fewer|floor", 0, NULL,
     "target_tracking: the scale-in capacity from running x metric / target: remove_fewer "
     "rounds it up (AWS rounds conservatively: \"removing 1.5 instances\" removes 1, "
     "as-scaling-target-tracking.html, and does not scale in when that would push the metric "
     "above target), floor rounds it down (modelling assumption either way: AWS publishes no "
     "formula)."},
    {POL "scale_in_band", PT_REAL, "", 0, 1, "0.9", NULL, PF_MIN_EXCL, NULL,
     "target_tracking: AlarmLow's threshold is this times the target (modelling assumption: "
     "AWS says only \"usually more than 10% lower\")."},
    {POL "high_datapoints", PT_INT, "datapoints", 1, ALARM_MAX_PERIODS, "3", NULL, 0, NULL,
     "target_tracking: AlarmHigh fires after this many breaching datapoints (observed, not "
     "documented: 3; fixed in AWS; aws/containers-roadmap#1208)."},
    {POL "high_evaluation_periods", PT_INT, "periods", 1, ALARM_MAX_PERIODS, "3", NULL, 0, NULL,
     "target_tracking: of this many (observed, not documented: 3; fixed in AWS)."},
    {POL "low_datapoints", PT_INT, "datapoints", 1, ALARM_MAX_PERIODS, "15", NULL, 0, NULL,
     "target_tracking: AlarmLow fires after this many datapoints below the band (observed, not "
     "documented: 15; fixed in AWS)."},
    {POL "low_evaluation_periods", PT_INT, "periods", 1, ALARM_MAX_PERIODS, "15", NULL, 0, NULL,
     "target_tracking: of this many (observed, not documented: 15; fixed in AWS)."},
    {POL "statistic", PT_ENUM, "", 0, 0, "Average", "Average|Minimum|Maximum|Sum|SampleCount", 0,
     NULL, "step: the statistic its alarm reads (predefined metric names fix their own)."},
    {POL "comparison", PT_ENUM, "", 0, 0, "GreaterThanOrEqualToThreshold",
     "GreaterThanOrEqualToThreshold|GreaterThanThreshold|LessThanThreshold|"
     "LessThanOrEqualToThreshold",
     0, NULL, "step: the alarm's ComparisonOperator."},
    {POL "threshold", PT_REAL, "", -1e12, 1e12, "0", NULL, 0, NULL,
     "step: the alarm's threshold; step bounds are relative to it (required for step)."},
    {POL "datapoints_to_alarm", PT_INT, "datapoints", 1, ALARM_MAX_PERIODS, "1", NULL, 0, NULL,
     "step: the alarm's DatapointsToAlarm."},
    {POL "evaluation_periods", PT_INT, "periods", 1, ALARM_MAX_PERIODS, "1", NULL, 0, NULL,
     "step: the alarm's EvaluationPeriods."},
    {POL "adjustment_type", PT_ENUM, "", 0, 0, "ChangeInCapacity",
     "ChangeInCapacity|PercentChangeInCapacity|ExactCapacity", 0, NULL,
     "step: how a step's adjustment applies to the current (running) capacity."},
    {POL "min_adjustment_magnitude", PT_INT, "tasks", 0, 1e6, "0", NULL, 0, NULL,
     "step, PercentChangeInCapacity: the least number of tasks a step changes (0: none)."},
    {POL "cooldown_s", PT_REAL, "s", 0, 1e9, "300", NULL, 0, NULL,
     "step: Cooldown (300 s when not given, API StepScalingPolicyConfiguration); within a "
     "scale-out cooldown the capacity already added counts towards a larger step (+2 then +3 "
     "adds 1); within a scale-in cooldown no scale-in."},
    {POL "metric_aggregation_type", PT_ENUM, "", 0, 0, "Average", "Average|Minimum|Maximum", 0,
     NULL,
     "step: MetricAggregationType, how the alarm's evaluation datapoints aggregate into the "
     "value the steps compare (modelling assumption: over the alarm's last evaluation_periods "
     "datapoints)."},
    {POL "steps.*.lower_bound", PT_STR, "", 0, 0, "none", NULL, 0, bound_check,
     "step: MetricIntervalLowerBound, relative to the threshold; none for minus infinity."},
    {POL "steps.*.upper_bound", PT_STR, "", 0, 0, "none", NULL, 0, bound_check,
     "step: MetricIntervalUpperBound, relative to the threshold; none for infinity."},
    {POL "steps.*.adjustment", PT_INT, "", -1e6, 1e6, NULL, NULL, PF_REQUIRED, NULL,
     "step: ScalingAdjustment (tasks, percent, or the exact capacity)."},
    {AS "scheduled_actions.*.at_s", PT_REAL, "s", -1, 1e9, "-1", NULL, 0, NULL,
     "A one-time scheduled action at this simulated time (-1: use schedule instead)."},
    {AS "scheduled_actions.*.schedule", PT_STR, "", 0, 0, "", NULL, 0, schedule_check,
     "at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(Minutes Hours Day-of-month Month "
     "Day-of-week Year), UTC, one-minute resolution; run.start is t=0's wall time."},
    {AS "scheduled_actions.*.min_capacity", PT_INT, "tasks", -1, 10000, "-1", NULL, 0, NULL,
     "The new MinCapacity (-1: unchanged); a desired count below it rises to it."},
    {AS "scheduled_actions.*.max_capacity", PT_INT, "tasks", -1, 10000, "-1", NULL, 0, NULL,
     "The new MaxCapacity (-1: unchanged); a desired count above it falls to it."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

/* ---- reading ---- */

static int bad(ecs_err *e, param_loc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(ecs_err *e, param_loc at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column, "%s", msg);
}

static cw_stat stat_of(const char *s)
{
    static const char *const names[] = {"Average", "Minimum", "Maximum", "Sum", "SampleCount"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) return (cw_stat) i;
    return CW_AVERAGE;
}

/* A metric name: the CloudWatch metric, and for a predefined one its
 * statistic. Returns 1 for predefined, 0 for a CloudWatch name. */
static int metric_of(const char *s, cw_metric *m, cw_stat *st)
{
    if (strcmp(s, "ECSServiceAverageCPUUtilization") == 0) {
        *m = CW_CPU;
        *st = CW_AVERAGE;
        return 1;
    }
    if (strcmp(s, "ECSServiceAverageMemoryUtilization") == 0) {
        *m = CW_MEM;
        *st = CW_AVERAGE;
        return 1;
    }
    if (strcmp(s, "ALBRequestCountPerTarget") == 0) {
        *m = CW_REQ_PER_TARGET;
        *st = CW_SUM;
        return 1;
    }
    for (int i = 0; i < CW_N_METRICS; i++)
        if (strcmp(s, cw_metric_name((cw_metric) i)) == 0) *m = (cw_metric) i;
    return 0;
}

static alarm_cmp cmp_of(const char *s)
{
    if (strcmp(s, "GreaterThanThreshold") == 0) return ALARM_GT;
    if (strcmp(s, "LessThanThreshold") == 0) return ALARM_LT;
    if (strcmp(s, "LessThanOrEqualToThreshold") == 0) return ALARM_LE;
    return ALARM_GE;
}

static double bound_of(const char *s, double inf)
{
    return strcmp(s, "none") == 0 ? inf : strtod(s, NULL);
}

static int read_steps(as_policy *pl, const params *p, const char *svc, ecs_err *e)
{
    char group[256];
    snprintf(group, sizeof group, "services.%s.autoscaling.policies.%s.steps", svc, pl->name);
    uint32_t n = (uint32_t) params_inner_count(p, group);
    pl->steps = xcalloc(n ? n : 1, sizeof *pl->steps);
    pl->n_steps = n;
    for (uint32_t i = 0; i < n; i++) {
        const char *st = params_inner_name(p, group, i);
        pl->steps[i].lower = bound_of(params_str(p, "%s.%s.lower_bound", group, st), -INFINITY);
        pl->steps[i].upper = bound_of(params_str(p, "%s.%s.upper_bound", group, st), INFINITY);
        pl->steps[i].adjustment = params_int(p, "%s.%s.adjustment", group, st);
    }
    asrule_sort_steps(pl->steps, n);
    char why[256];
    if (asrule_check_steps(pl->steps, n, why, sizeof why) != 0) {
        param_loc at =
            n ? params_where(p, "%s.%s.adjustment", group, params_inner_name(p, group, 0))
              : params_where(p, "services.%s.autoscaling.policies.%s.type", svc, pl->name);
        return bad(e, at, "%s: %s (application-auto-scaling-step-scaling-policies.html)", group,
                   why);
    }
    return ECS_OK;
}

static int read_policy(as_policy *pl, const params *p, const char *svc, const char *name,
                       double period_s, ecs_err *e)
{
    char base[256];
    snprintf(base, sizeof base, "services.%s.autoscaling.policies.%s", svc, name);
    memset(pl, 0, sizeof *pl);
    pl->name = name;
    pl->type = strcmp(params_str(p, "%s.type", base), "step") == 0 ? AS_STEP : AS_TARGET_TRACKING;
    const char *metric = params_str(p, "%s.metric", base);
    pl->metric_name = metric;
    int predefined = metric_of(metric, &pl->metric, &pl->stat);
    char an[96];
    if (pl->type == AS_TARGET_TRACKING) {
        if (!predefined)
            return bad(e, params_where(p, "%s.metric", base),
                       "%s.metric: target tracking takes a predefined metric "
                       "(ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization or "
                       "ALBRequestCountPerTarget), got %s",
                       base, metric);
        if (!params_is_set(p, "%s.target_value", base))
            return bad(e, params_where(p, "%s.type", base),
                       "%s.target_value: required for a target_tracking policy", base);
        pl->target = params_real(p, "%s.target_value", base);
        pl->band = params_real(p, "%s.scale_in_band", base);
        pl->floor_in = strcmp(params_str(p, "%s.scale_in_rounding", base), "floor") == 0;
        pl->disable_scale_in = params_bool(p, "%s.disable_scale_in", base);
        pl->out_cooldown_s = params_real(p, "%s.scale_out_cooldown_s", base);
        pl->in_cooldown_s = params_real(p, "%s.scale_in_cooldown_s", base);
        unsigned hn = (unsigned) params_int(p, "%s.high_datapoints", base);
        unsigned hm = (unsigned) params_int(p, "%s.high_evaluation_periods", base);
        unsigned ln = (unsigned) params_int(p, "%s.low_datapoints", base);
        unsigned lm = (unsigned) params_int(p, "%s.low_evaluation_periods", base);
        if (hn > hm || ln > lm)
            return bad(
                e, params_where(p, "%s.%s", base, hn > hm ? "high_datapoints" : "low_datapoints"),
                "%s.%s: expected at most the evaluation periods (%u)", base,
                hn > hm ? "high_datapoints" : "low_datapoints", hn > hm ? hm : lm);
        snprintf(an, sizeof an, "%s/%s/AlarmHigh", svc, name);
        alarm_init(&pl->high, an, ALARM_GT, pl->target, hn, hm);
        snprintf(an, sizeof an, "%s/%s/AlarmLow", svc, name);
        alarm_init(&pl->low, an, ALARM_LT, pl->band * pl->target, ln, lm);
        pl->high_side = true;
        (void) period_s;
        return ECS_OK;
    }
    if (!params_is_set(p, "%s.threshold", base))
        return bad(e, params_where(p, "%s.type", base),
                   "%s.threshold: required for a step policy (the alarm's threshold)", base);
    if (!predefined) pl->stat = stat_of(params_str(p, "%s.statistic", base));
    alarm_cmp cmp = cmp_of(params_str(p, "%s.comparison", base));
    unsigned dn = (unsigned) params_int(p, "%s.datapoints_to_alarm", base);
    unsigned dm = (unsigned) params_int(p, "%s.evaluation_periods", base);
    if (dn > dm)
        return bad(e, params_where(p, "%s.datapoints_to_alarm", base),
                   "%s.datapoints_to_alarm: expected at most evaluation_periods (%u), got %u", base,
                   dm, dn);
    snprintf(an, sizeof an, "%s/%s/Alarm", svc, name);
    alarm_init(&pl->al, an, cmp, params_real(p, "%s.threshold", base), dn, dm);
    pl->high_side = cmp == ALARM_GT || cmp == ALARM_GE;
    const char *adj = params_str(p, "%s.adjustment_type", base);
    pl->adj_type = strcmp(adj, "PercentChangeInCapacity") == 0 ? AS_PERCENT_CHANGE
                   : strcmp(adj, "ExactCapacity") == 0         ? AS_EXACT_CAPACITY
                                                               : AS_CHANGE_IN_CAPACITY;
    pl->min_magnitude = params_int(p, "%s.min_adjustment_magnitude", base);
    pl->out_cooldown_s = pl->in_cooldown_s = params_real(p, "%s.cooldown_s", base);
    pl->aggregation = stat_of(params_str(p, "%s.metric_aggregation_type", base));
    return read_steps(pl, p, svc, e);
}

/* The k-th name under group in name order: policies and scheduled actions
 * are taken by name, so effective.yaml (which writes them sorted) runs
 * exactly as the scenario did. */
static const char *inner_sorted(const params *p, const char *group, size_t k)
{
    size_t n = params_inner_count(p, group);
    for (size_t i = 0; i < n; i++) {
        const char *a = params_inner_name(p, group, i);
        size_t below = 0;
        for (size_t j = 0; j < n; j++) below += strcmp(params_inner_name(p, group, j), a) < 0;
        if (below == k) return a;
    }
    return params_inner_name(p, group, k);
}

static void on_publish(void *ctx, uint64_t k, double now_s);

int autoscale_init(autoscale *a, cluster *c, const params *p, ecs_err *e)
{
    memset(a, 0, sizeof *a);
    a->c = c;
    a->n = c->n_services;
    a->t = xcalloc(a->n ? a->n : 1, sizeof *a->t);
    a->running = xcalloc(a->n ? a->n : 1, sizeof *a->running);
    a->pending = xcalloc(a->n ? a->n : 1, sizeof *a->pending);
    a->start_epoch_s = cron_iso_epoch(params_str(p, "run.start"));
    a->end_s = params_real(p, "run.duration_s");
    bool any = false;
    for (uint32_t i = 0; i < a->n; i++) {
        as_target *t = &a->t[i];
        const char *svc = c->services[i].name;
        char group[256];
        snprintf(group, sizeof group, "services.%s.autoscaling.policies", svc);
        uint32_t np = (uint32_t) params_inner_count(p, group);
        snprintf(group, sizeof group, "services.%s.autoscaling.scheduled_actions", svc);
        uint32_t ns = (uint32_t) params_inner_count(p, group);
        t->min = params_int(p, "services.%s.autoscaling.min_capacity", svc);
        t->max = params_int(p, "services.%s.autoscaling.max_capacity", svc);
        t->suspend_in = params_bool(p, "services.%s.autoscaling.suspend.dynamic_scale_in", svc);
        t->suspend_out = params_bool(p, "services.%s.autoscaling.suspend.dynamic_scale_out", svc);
        t->suspend_scheduled = params_bool(p, "services.%s.autoscaling.suspend.scheduled", svc);
        if (!np && !ns) continue;
        t->on = true;
        any = true;
        if (t->max < 0)
            return bad(e,
                       params_where(p, "services.%s.autoscaling.min_capacity", svc).file
                           ? params_where(p, "services.%s.autoscaling.min_capacity", svc)
                           : params_where(p, "services.%s.desired_count", svc),
                       "services.%s.autoscaling.max_capacity: required when the service has "
                       "scaling policies or scheduled actions",
                       svc);
        if (t->min > t->max)
            return bad(e, params_where(p, "services.%s.autoscaling.min_capacity", svc),
                       "services.%s.autoscaling.min_capacity: expected at most max_capacity "
                       "(%lld), got %lld",
                       svc, (long long) t->max, (long long) t->min);
        t->pol = xcalloc(np ? np : 1, sizeof *t->pol);
        snprintf(group, sizeof group, "services.%s.autoscaling.policies", svc);
        for (uint32_t k = 0; k < np; k++) {
            int rc = read_policy(&t->pol[k], p, svc, inner_sorted(p, group, k), c->cw.period_s, e);
            t->n_pol = k + 1;
            if (rc != ECS_OK) return rc;
        }
        snprintf(group, sizeof group, "services.%s.autoscaling.scheduled_actions", svc);
        a->act = xrealloc(a->act, (a->n_act + ns) * sizeof *a->act);
        for (uint32_t k = 0; k < ns; k++) {
            const char *nm = inner_sorted(p, group, k);
            as_action *x = &a->act[a->n_act++];
            memset(x, 0, sizeof *x);
            x->name = nm;
            x->service = (uint16_t) i;
            x->at_s = params_real(p, "%s.%s.at_s", group, nm);
            const char *sched = params_str(p, "%s.%s.schedule", group, nm);
            x->min = params_int(p, "%s.%s.min_capacity", group, nm);
            x->max = params_int(p, "%s.%s.max_capacity", group, nm);
            param_loc at = params_where(p, "%s.%s.schedule", group, nm);
            if (!at.file) at = params_where(p, "%s.%s.at_s", group, nm);
            if (!at.file) at = params_where(p, "%s.%s.min_capacity", group, nm);
            if (!at.file) at = params_where(p, "%s.%s.max_capacity", group, nm);
            if ((x->at_s >= 0) == (sched[0] != '\0'))
                return bad(e, at, "%s.%s: expected exactly one of at_s and schedule", group, nm);
            if (x->min < 0 && x->max < 0)
                return bad(e, at, "%s.%s: expected min_capacity or max_capacity (or both)", group,
                           nm);
            if (x->min >= 0 && x->max >= 0 && x->min > x->max)
                return bad(e, params_where(p, "%s.%s.min_capacity", group, nm),
                           "%s.%s.min_capacity: expected at most max_capacity (%lld), got %lld",
                           group, nm, (long long) x->max, (long long) x->min);
            if (sched[0]) {
                char why[256];
                x->has_expr = true;
                x->at_s = -1;
                if (cron_parse(&x->expr, sched, why, sizeof why) != 0)
                    return bad(e, at, "%s.%s.schedule: %s", group, nm, why);
            }
        }
    }
    if (any) cw_listen(&c->cw, on_publish, a);
    return ECS_OK;
}

void autoscale_fini(autoscale *a)
{
    for (uint32_t i = 0; a->t && i < a->n; i++) {
        for (uint32_t k = 0; k < a->t[i].n_pol; k++) free(a->t[i].pol[k].steps);
        free(a->t[i].pol);
    }
    free(a->t);
    free(a->act);
    free(a->running);
    free(a->pending);
    memset(a, 0, sizeof *a);
}

/* ---- applying ---- */

void autoscale_count_tasks(const cluster *c, uint32_t *running, uint32_t *pending)
{
    memset(running, 0, (c->n_services ? c->n_services : 1) * sizeof *running);
    memset(pending, 0, (c->n_services ? c->n_services : 1) * sizeof *pending);
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->state == TASK_RUNNING)
            running[t->service]++;
        else if (t->state < TASK_RUNNING && !t->stopping)
            pending[t->service]++;
    }
}

void autoscale_rows(void *ctx, double now_s)
{
    (void) now_s;
    cluster *c = ctx;
    if (!c->as.running) return;
    autoscale_count_tasks(c, c->as.running, c->as.pending);
    for (uint32_t i = 0; i < c->n_services; i++) c->rec.svc[i].pending_tasks = c->as.pending[i];
}

void autoscale_set_desired(cluster *c, service *sv, uint32_t n, const char *kind, const char *why)
{
    if (n == sv->desired) return;
    svc_meter *m = &c->rec.svc[sv->id];
    if (n > sv->desired)
        m->scale_out_actions++;
    else
        m->scale_in_actions++;
    recorder_event(&c->rec, sim_now(c->s), kind, sv->name, "%s: desired %u -> %u", why, sv->desired,
                   n);
    sv->desired = n;
    m->desired_tasks = n;
    scheduler_wake(c, sv);
}

static const char *cmp_sym(alarm_cmp cmp)
{
    switch (cmp) {
    case ALARM_GT:
        return ">";
    case ALARM_GE:
        return ">=";
    case ALARM_LT:
        return "<";
    case ALARM_LE:
        break;
    }
    return "<=";
}

static void feed(autoscale *a, alarm *al, double x, double now)
{
    char why[512];
    alarm_state from = al->state;
    if (alarm_eval(al, x, now, why, sizeof why))
        recorder_event(&a->c->rec, now, "alarm", al->name, "%s -> %s: %s", alarm_state_name(from),
                       alarm_state_name(al->state), why);
}

/* A policy that would act and does not: said once per cause. */
static void skip(autoscale *a, const service *sv, as_policy *pl, double now, const char *key,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void skip(autoscale *a, const service *sv, as_policy *pl, double now, const char *key,
                 const char *fmt, ...)
{
    if (strcmp(pl->last_skip, key) == 0) return;
    snprintf(pl->last_skip, sizeof pl->last_skip, "%s", key);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    recorder_event(&a->c->rec, now, "scaling_skipped", sv->name, "policy %s: %s", pl->name, msg);
}

/* The value a step policy compares with its steps: its aggregation of the
 * alarm's last evaluation_periods datapoints present. */
static double step_value(const as_policy *pl)
{
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    unsigned n = 0;
    for (unsigned i = 0; i < pl->al.evaluation_periods; i++) {
        double x = alarm_datapoint(&pl->al, i);
        if (isnan(x)) continue;
        sum += x;
        if (x < mn) mn = x;
        if (x > mx) mx = x;
        n++;
    }
    if (!n) return NAN;
    return pl->aggregation == CW_MINIMUM ? mn : pl->aggregation == CW_MAXIMUM ? mx : sum / n;
}

/* How long the alarm's datapoints have breached without a break, in
 * periods (for time_to_first_scale_out). */
static unsigned breach_run(const alarm *al)
{
    unsigned n = 0;
    while (n < al->fed && n < ALARM_MAX_PERIODS && alarm_breaches(al, alarm_datapoint(al, n))) n++;
    return n;
}

typedef struct proposal {
    int64_t value; /* the new desired count */
    int32_t pol;   /* the policy, -1 for none */
    char why[400];
} proposal;

static void aggregate_alarms(autoscale *a, uint32_t si)
{
    const as_target *t = &a->t[si];
    int hi = -1, lo = -1;
    for (uint32_t k = 0; k < t->n_pol; k++) {
        const as_policy *pl = &t->pol[k];
        const alarm *h = pl->type == AS_TARGET_TRACKING ? &pl->high
                         : pl->high_side                ? &pl->al
                                                        : NULL;
        const alarm *l = pl->type == AS_TARGET_TRACKING ? &pl->low : pl->high_side ? NULL : &pl->al;
        /* ALARM over OK over INSUFFICIENT_DATA (the enum's order) */
        if (h && (int) h->state > hi) hi = (int) h->state;
        if (l && (int) l->state > lo) lo = (int) l->state;
    }
    a->c->rec.svc[si].alarm_high = (int8_t) hi;
    a->c->rec.svc[si].alarm_low = (int8_t) lo;
}

static void evaluate(autoscale *a, uint32_t si, uint64_t k, double now)
{
    cluster *c = a->c;
    as_target *t = &a->t[si];
    service *sv = &c->services[si];
    uint32_t running = a->running[si];
    double P = c->cw.period_s;
    for (uint32_t q = 0; q < t->n_pol; q++) {
        as_policy *pl = &t->pol[q];
        cw_datapoint d = cw_last(&c->cw, si, pl->metric);
        double x = cw_stat_of(&d, pl->stat);
        if (pl->type == AS_TARGET_TRACKING) {
            feed(a, &pl->high, x, now);
            feed(a, &pl->low, x, now);
        } else {
            feed(a, &pl->al, x, now);
        }
    }
    aggregate_alarms(a, si);
    if (t->n_pol == 0) return;

    int64_t desired = sv->desired;
    proposal out = {desired, -1, ""}, in_step = {desired, -1, ""}, in_tt = {desired, -1, ""};
    unsigned tt_in_enabled = 0, tt_in_agree = 0;
    double breach_start = NAN;
    int64_t out_base = 0;
    for (uint32_t q = 0; q < t->n_pol; q++) {
        as_policy *pl = &t->pol[q];
        bool acted_on = false;
        if (pl->type == AS_TARGET_TRACKING) {
            double m = pl->high.last;
            if (pl->high.state == ALARM_ALARM) {
                acted_on = true;
                int64_t cap = asrule_tt_capacity(running, m, pl->target, true, false);
                int64_t r = asrule_clamp(desired, cap, t->min, t->max, true);
                if (t->suspend_out) {
                    skip(a, sv, pl, now, "suspend-out",
                         "AlarmHigh in ALARM, dynamic scale-out suspended");
                } else if (isnan(m) && running > 0) {
                    skip(a, sv, pl, now, "no-data", "AlarmHigh in ALARM, no new datapoint");
                } else if (r > out.value) {
                    out.value = r;
                    out.pol = (int32_t) q;
                    if (running == 0)
                        snprintf(out.why, sizeof out.why,
                                 "policy %s (target tracking %s = %g): AlarmHigh in ALARM with "
                                 "no task running: the minimum scale-out",
                                 pl->name, pl->metric_name, pl->target);
                    else
                        snprintf(out.why, sizeof out.why,
                                 "policy %s (target tracking %s = %g): AlarmHigh in ALARM "
                                 "(%u of %u datapoints > %g): running %u x %.4g / %g = %.4g, "
                                 "rounded up to %lld%s",
                                 pl->name, pl->metric_name, pl->target,
                                 pl->high.datapoints_to_alarm, pl->high.evaluation_periods,
                                 pl->target, running, m, pl->target,
                                 (double) running * m / pl->target, (long long) cap,
                                 r != cap ? (r == t->max ? ", capped at max_capacity"
                                                         : ", raised to min_capacity")
                                          : "");
                    breach_start = (double) (k + 1 - breach_run(&pl->high)) * P;
                } else if (now < pl->out_until_s) {
                    skip(a, sv, pl, now, "out-cooldown",
                         "AlarmHigh in ALARM, in the scale-out cooldown until %g s: capacity "
                         "already added counts (proposal %lld, desired %lld)",
                         pl->out_until_s, (long long) cap, (long long) desired);
                } else if (desired >= t->max && t->max >= 0) {
                    skip(a, sv, pl, now, "at-max",
                         "AlarmHigh in ALARM, desired %lld is at max_capacity %lld",
                         (long long) desired, (long long) t->max);
                } else {
                    skip(a, sv, pl, now, "not-larger",
                         "AlarmHigh in ALARM, proposal %lld (running %u) is not above desired "
                         "%lld",
                         (long long) cap, running, (long long) desired);
                }
            }
            if (!pl->disable_scale_in) {
                tt_in_enabled++;
                if (pl->low.state == ALARM_ALARM) {
                    acted_on = true;
                    double ml = pl->low.last;
                    int64_t cap = asrule_tt_capacity(running, ml, pl->target, false, pl->floor_in);
                    int64_t r = asrule_clamp(desired, cap, t->min, t->max, false);
                    if (t->suspend_in) {
                        skip(a, sv, pl, now, "suspend-in",
                             "AlarmLow in ALARM, dynamic scale-in suspended");
                    } else if (now < pl->in_until_s) {
                        skip(a, sv, pl, now, "in-cooldown",
                             "AlarmLow in ALARM, in the scale-in cooldown until %g s",
                             pl->in_until_s);
                    } else if (isnan(ml) || running == 0) {
                        skip(a, sv, pl, now, "no-data", "AlarmLow in ALARM, no new datapoint");
                    } else if (r < desired) {
                        tt_in_agree++;
                        if (in_tt.pol < 0 || r > in_tt.value) {
                            in_tt.value = r;
                            in_tt.pol = (int32_t) q;
                            snprintf(in_tt.why, sizeof in_tt.why,
                                     "policy %s (target tracking %s = %g): AlarmLow in ALARM "
                                     "(%u of %u datapoints < %g): running %u x %.4g / %g = %.4g, "
                                     "rounded %s to %lld%s",
                                     pl->name, pl->metric_name, pl->target,
                                     pl->low.datapoints_to_alarm, pl->low.evaluation_periods,
                                     pl->band * pl->target, running, ml, pl->target,
                                     (double) running * ml / pl->target,
                                     pl->floor_in ? "down" : "up", (long long) cap,
                                     r != cap ? ", raised to min_capacity" : "");
                        }
                    } else {
                        skip(a, sv, pl, now, "in-not-lower",
                             "AlarmLow in ALARM, proposal %lld is not below desired %lld "
                             "(min_capacity %lld)",
                             (long long) cap, (long long) desired, (long long) t->min);
                    }
                }
            }
        } else if (pl->al.state == ALARM_ALARM) {
            acted_on = true;
            double v = step_value(pl);
            double breach = v - pl->al.threshold;
            int idx =
                isnan(v) ? -1 : asrule_find_step(pl->steps, pl->n_steps, breach, pl->high_side);
            if (idx < 0) {
                skip(a, sv, pl, now, "no-step",
                     "Alarm in ALARM, no step adjustment holds %s %.4g (threshold %g)",
                     cw_stat_name(pl->aggregation), v, pl->al.threshold);
                continue;
            }
            int64_t adj = pl->steps[idx].adjustment;
            bool up = pl->adj_type == AS_EXACT_CAPACITY ? adj > desired : adj > 0;
            bool cooling = up && now < pl->out_until_s;
            int64_t base = cooling ? pl->out_base : (int64_t) running;
            int64_t cap = pl->adj_type == AS_EXACT_CAPACITY ? adj
                          : pl->adj_type == AS_PERCENT_CHANGE
                              ? base + asrule_percent_change(base, adj, pl->min_magnitude)
                              : base + adj;
            char stepw[96], adjw[64];
            asrule_step_text(&pl->steps[idx], stepw, sizeof stepw);
            if (pl->adj_type == AS_PERCENT_CHANGE)
                snprintf(adjw, sizeof adjw, "%+lld%% of %lld", (long long) adj, (long long) base);
            else if (pl->adj_type == AS_EXACT_CAPACITY)
                snprintf(adjw, sizeof adjw, "exactly %lld", (long long) adj);
            else
                snprintf(adjw, sizeof adjw, "%+lld from %lld", (long long) adj, (long long) base);
            int64_t r = asrule_clamp(desired, cap, t->min, t->max, up);
            if (up) {
                if (t->suspend_out) {
                    skip(a, sv, pl, now, "suspend-out",
                         "Alarm in ALARM, dynamic scale-out suspended");
                } else if (r > out.value) {
                    out.value = r;
                    out.pol = (int32_t) q;
                    out_base = base;
                    snprintf(out.why, sizeof out.why,
                             "policy %s (step, %s %s %s %g): %s %.4g is %+.4g from the threshold, "
                             "step %s: %s = %lld%s%s",
                             pl->name, cw_stat_name(pl->stat), cw_metric_name(pl->metric),
                             cmp_sym(pl->al.cmp), pl->al.threshold, cw_stat_name(pl->aggregation),
                             v, breach, stepw, adjw, (long long) cap,
                             cooling ? " (in the cooldown: counted from the capacity before the "
                                       "last scale-out)"
                                     : "",
                             r != cap ? (r == t->max ? ", capped at max_capacity"
                                                     : ", raised to min_capacity")
                                      : "");
                    breach_start = (double) (k + 1 - breach_run(&pl->al)) * P;
                } else if (cooling) {
                    skip(a, sv, pl, now, "out-cooldown",
                         "Alarm in ALARM, in the cooldown until %g s: step %s gives %lld, not "
                         "above desired %lld (capacity already added counts)",
                         pl->out_until_s, stepw, (long long) cap, (long long) desired);
                } else {
                    skip(a, sv, pl, now, "not-larger",
                         "Alarm in ALARM, step %s gives %lld, not above desired %lld", stepw,
                         (long long) cap, (long long) desired);
                }
            } else {
                if (t->suspend_in) {
                    skip(a, sv, pl, now, "suspend-in",
                         "Alarm in ALARM, dynamic scale-in suspended");
                } else if (now < pl->in_until_s) {
                    skip(a, sv, pl, now, "in-cooldown",
                         "Alarm in ALARM, in the cooldown until %g s", pl->in_until_s);
                } else if (r < desired && (in_step.pol < 0 || r > in_step.value)) {
                    in_step.value = r;
                    in_step.pol = (int32_t) q;
                    snprintf(in_step.why, sizeof in_step.why,
                             "policy %s (step, %s %s %s %g): %s %.4g is %+.4g from the threshold, "
                             "step %s: %s = %lld%s",
                             pl->name, cw_stat_name(pl->stat), cw_metric_name(pl->metric),
                             cmp_sym(pl->al.cmp), pl->al.threshold, cw_stat_name(pl->aggregation),
                             v, breach, stepw, adjw, (long long) cap,
                             r != cap ? ", raised to min_capacity" : "");
                } else if (r >= desired) {
                    skip(a, sv, pl, now, "in-not-lower",
                         "Alarm in ALARM, step %s gives %lld, not below desired %lld "
                         "(min_capacity %lld)",
                         stepw, (long long) cap, (long long) desired, (long long) t->min);
                }
            }
        }
        if (!acted_on) pl->last_skip[0] = '\0';
    }

    svc_meter *m = &c->rec.svc[si];
    if (out.pol >= 0) {
        as_policy *pl = &t->pol[out.pol];
        pl->out_until_s = now + pl->out_cooldown_s;
        if (pl->type == AS_STEP) pl->out_base = out_base;
        pl->last_skip[0] = '\0';
        /* a scale-out ends every scale-in cooldown (target-tracking page) */
        for (uint32_t q = 0; q < t->n_pol; q++) t->pol[q].in_until_s = 0;
        if (isnan(m->first_scale_out_s)) {
            m->first_scale_out_s = now;
            m->first_breach_s = breach_start;
        }
        autoscale_set_desired(c, sv, (uint32_t) out.value, "scaling", out.why);
        return;
    }
    /* scale in: target tracking only when every policy that may scale in
     * wants to; the largest capacity wins */
    proposal in = in_step;
    if (tt_in_enabled > 0 && tt_in_agree == tt_in_enabled && in_tt.pol >= 0 &&
        (in.pol < 0 || in_tt.value > in.value))
        in = in_tt;
    if (tt_in_agree > 0 && tt_in_agree < tt_in_enabled) {
        as_policy *pl = &t->pol[in_tt.pol];
        skip(a, sv, pl, now, "in-not-all",
             "AlarmLow in ALARM, but %u of the %u target tracking policies that may scale in "
             "do not want to (scale in only if all do)",
             tt_in_enabled - tt_in_agree, tt_in_enabled);
    }
    if (in.pol < 0) return;
    for (uint32_t q = 0; q < t->n_pol; q++) {
        as_policy *pl = &t->pol[q];
        bool took_part =
            q == (uint32_t) in.pol ||
            (in.pol == in_tt.pol && pl->type == AS_TARGET_TRACKING && !pl->disable_scale_in);
        if (took_part) {
            pl->in_until_s = now + pl->in_cooldown_s;
            pl->last_skip[0] = '\0';
        }
    }
    autoscale_set_desired(c, sv, (uint32_t) in.value, "scaling", in.why);
}

static void on_publish(void *ctx, uint64_t k, double now_s)
{
    autoscale *a = ctx;
    autoscale_count_tasks(a->c, a->running, a->pending);
    for (uint32_t i = 0; i < a->n; i++)
        if (a->t[i].on) evaluate(a, i, k, now_s);
}

/* capprov.c -- capacity providers: the PROVISIONING waits, the
 * CapacityProviderReservation datapoint, its two alarms and the managed
 * scaling decisions (capprov.h has the rules and their sources). */
#include "capprov.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/engine/xmalloc.h"

#define MINUTE_S 60.0

const param_def capprov_params[] = {
    {"capacity_providers.*.auto_scaling_group", PT_REF, "", 0, 0, NULL, "auto_scaling_groups",
     PF_REQUIRED, NULL,
     "The Auto Scaling group whose instances the capacity provider offers (one provider per "
     "group)."},
    {"capacity_providers.*.managed_scaling", PT_BOOL, "", 0, 0, "true", NULL, 0, NULL,
     "Managed scaling: ECS sets the group's desired capacity from CapacityProviderReservation "
     "(off: the group keeps its size and tasks still wait for capacity)."},
    {"capacity_providers.*.target_capacity", PT_INT, "%", 1, 100, "100", NULL, 0, NULL,
     "targetCapacity: the CapacityProviderReservation the provider aims at, greater than 0 and at "
     "most 100 (API ManagedScaling); 90 keeps about 10% of instances spare."},
    {"capacity_providers.*.minimum_scaling_step_size", PT_INT, "instances", 1, 10000, "1", NULL, 0,
     NULL,
     "minimumScalingStepSize: the fewest instances one scale-out adds, even when fewer are "
     "needed (API ManagedScaling)."},
    {"capacity_providers.*.maximum_scaling_step_size", PT_INT, "instances", 1, 10000, "10000", NULL,
     0, NULL,
     "maximumScalingStepSize: the most instances one scale-out adds (API ManagedScaling)."},
    {"capacity_providers.*.instance_warmup_period_s", PT_INT, "s", 0, 10000, "300", NULL, 0, NULL,
     "instanceWarmupPeriod: no scale-out (and no scale-in) while an instance launched less than "
     "this ago warms up (API ManagedScaling; cluster-auto-scaling.html). Instances in service at "
     "t=0 are warm."},
    {"capacity_providers.*.managed_termination_protection", PT_BOOL, "", 0, 0, "false", NULL, 0,
     NULL,
     "Managed termination protection: instances that run tasks are protected from scale in; "
     "only empty ones are terminated (off by default, cluster-auto-scaling.html)."},
    {"capacity_providers.*.managed_draining", PT_BOOL, "", 0, 0, "true", NULL, 0, NULL,
     "Managed instance draining: an instance the group terminates is set DRAINING first and its "
     "tasks are replaced elsewhere; it terminates when empty (on by default for new capacity "
     "providers). Off: its tasks end with it."},
    {"capacity_providers.*.scale_in_metric", PT_ENUM, "", 0, 0, "ratio", "ratio|empty_count", 0,
     NULL,
     "CapacityProviderReservation when no task waits: ratio, instances running tasks over "
     "instances running x 100 (the documented formula; the deep-dive blog's M=2, N=3 -> 66.7%), "
     "or empty_count, 100 minus the empty instances (the 2023 developer guide: 2 empty -> 98%; "
     "needs target_capacity 100)."},
    {"capacity_providers.*.alarm_high_datapoints", PT_INT, "datapoints", 1, 60, "1", NULL, 0, NULL,
     "AlarmHigh fires on this many of as many one-minute datapoints above targetCapacity: 1 of 1 "
     "(observed, not documented: aws/containers-roadmap#638; fixed in AWS)."},
    {"capacity_providers.*.alarm_low_datapoints", PT_INT, "datapoints", 1, 60, "15", NULL, 0, NULL,
     "AlarmLow fires on this many of as many one-minute datapoints below targetCapacity: 15 of 15 "
     "(observed, not documented: aws/containers-roadmap#638; the guide says scale-in alarms "
     "\"require 15 data points\"; fixed in AWS)."},
    {"capacity_providers.*.scale_in_max_percent", PT_REAL, "%", 0, 100, "50", NULL, PF_MIN_EXCL,
     NULL,
     "Scale in removes at least one instance and fewer than this percent of the group each minute "
     "(\"greater than one instance and less than 50% each minute\", cluster-auto-scaling.html; "
     "our reading of it; fixed in AWS)."},
    {"services.*.capacity_provider", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "The capacity provider the service's tasks run on (its capacity provider strategy, one "
     "provider): they are placed only on its group's instances and wait in PROVISIONING when "
     "none fits. Empty: the EC2 launch type, any instance, and a task that fits nowhere stays "
     "unplaced."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static void on_sample(void *ctx, sim *s, const ev *e);
static void on_publish(void *ctx, sim *s, const ev *e);

/* ---- the arithmetic ---- */

double capprov_reservation_pct(uint32_t needed, uint32_t running)
{
    return running ? 100.0 * needed / running : 200.0;
}

uint32_t capprov_step(uint32_t estimate, uint32_t min_step, uint32_t max_step)
{
    if (estimate < min_step) return min_step;
    return estimate < max_step ? estimate : max_step;
}

uint32_t capprov_scale_in_limit(uint32_t capacity, double max_pct)
{
    /* the largest count strictly below max_pct of the group, but one at least */
    double below = ceil((double) capacity * max_pct / 100.0) - 1;
    return below >= 1 ? (uint32_t) below : 1;
}

static bool fits(const cp_group *g, const cp_shape *s)
{
    return g->cpu_units <= s->cpu_units && g->memory_mib <= s->memory_mib &&
           (!g->eni || s->enis > 0);
}

static int by_size(const void *a, const void *b)
{
    const cp_group *x = *(const cp_group *const *) a, *y = *(const cp_group *const *) b;
    if (x->cpu_units != y->cpu_units) return x->cpu_units > y->cpu_units ? -1 : 1;
    if (x->memory_mib != y->memory_mib) return x->memory_mib > y->memory_mib ? -1 : 1;
    return 0;
}

uint32_t capprov_binpack(const cp_group *groups, uint32_t n, const cp_shape *bin)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += groups[i].count;
    if (total == 0) return 0;
    const cp_group **order = xmalloc(n * sizeof *order);
    for (uint32_t i = 0; i < n; i++) order[i] = &groups[i];
    qsort(order, n, sizeof *order, by_size);
    /* bins: free cpu, memory, ENIs, and how many of each group they hold */
    int64_t *cpu = xmalloc(total * sizeof *cpu), *mem = xmalloc(total * sizeof *mem);
    int *enis = xmalloc(total * sizeof *enis);
    uint32_t *held = xcalloc((size_t) total * n, sizeof *held);
    uint32_t bins = 0;
    for (uint32_t k = 0; k < n; k++) {
        const cp_group *g = order[k];
        for (uint32_t c = 0; c < g->count; c++) {
            uint32_t b = 0;
            for (; b < bins; b++) {
                if (cpu[b] < g->cpu_units || mem[b] < g->memory_mib || (g->eni && enis[b] < 1))
                    continue;
                if (g->distinct && held[(size_t) b * n + k]) continue;
                bool port_taken = false;
                for (uint32_t o = 0; o < n && g->host_port && !port_taken; o++)
                    port_taken = order[o]->host_port == g->host_port && held[(size_t) b * n + o];
                if (!port_taken) break;
            }
            if (b == bins) {
                cpu[b] = bin->cpu_units;
                mem[b] = bin->memory_mib;
                enis[b] = bin->enis;
                bins++;
            }
            cpu[b] -= g->cpu_units;
            mem[b] -= g->memory_mib;
            if (g->eni) enis[b]--;
            held[(size_t) b * n + k]++;
        }
    }
    free(order);
    free(cpu);
    free(mem);
    free(enis);
    free(held);
    return bins;
}

/* The largest and the smallest of the group's types, per resource (the
 * guide sorts the types by each parameter). */
static void shapes(const cluster *c, const asg *a, cp_shape *large, cp_shape *small)
{
    for (uint32_t k = 0; k < a->n_types; k++) {
        const instance_type *it = a->types[k];
        cp_shape s = {(int64_t) it->vcpu * 1024, host_registered_mib(&c->henv, it),
                      it->max_enis > 1 ? it->max_enis - 1 : 0};
        if (k == 0 || s.cpu_units > large->cpu_units) large->cpu_units = s.cpu_units;
        if (k == 0 || s.memory_mib > large->memory_mib) large->memory_mib = s.memory_mib;
        if (k == 0 || s.enis > large->enis) large->enis = s.enis;
        if (k == 0 || s.cpu_units < small->cpu_units) small->cpu_units = s.cpu_units;
        if (k == 0 || s.memory_mib < small->memory_mib) small->memory_mib = s.memory_mib;
        if (k == 0 || s.enis < small->enis) small->enis = s.enis;
    }
}

/* A task of sv as the estimate sees it. */
static cp_group group_of(const service *sv, uint32_t count)
{
    cp_group g = {sv->def->cpu_units,
                  sv->def->memory_mib,
                  netmode_static_port(&sv->def->net),
                  sv->def->net.mode == NET_AWSVPC,
                  sv->constraints.distinct_instance != 0,
                  count};
    return g;
}

/* Whether a task of sv fits an empty instance of shape `small` at all
 * (its static host port must not be one the agent reserves). */
static bool compatible(const cluster *c, const service *sv, const cp_shape *small)
{
    cp_group g = group_of(sv, 1);
    if (!fits(&g, small)) return false;
    for (int i = 0; i < c->henv.n_reserved && g.host_port; i++)
        if (c->henv.reserved[i] == g.host_port) return false;
    return true;
}

cp_point capprov_reservation(const cluster *c, uint32_t cpi)
{
    const capprov *cp = &c->cps[cpi];
    const asg *a = &c->asgs[cp->asg];
    cp_point pt;
    memset(&pt, 0, sizeof pt);
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        const host *h = &c->hosts[i];
        if (h->asg != (int32_t) cp->asg) continue;
        if (h->state != HOST_ACTIVE && h->state != HOST_DRAINING) continue;
        pt.running++;
        pt.busy += h->n_tasks > 0;
    }
    cp_shape large, small;
    shapes(c, a, &large, &small);
    cp_group *groups = xmalloc((c->n_services ? c->n_services : 1) * sizeof *groups);
    uint32_t n_groups = 0;
    for (uint32_t i = 0; i < c->n_services; i++) {
        /* only the tasks waiting for this provider: a strategy's other
         * providers scale their own groups */
        const cp_wait *w = &c->waits[i];
        uint32_t n = 0;
        for (uint32_t k = 0; k < w->n_cps; k++)
            if (w->cps[k] == (int32_t) cpi) n += w->q[k].n;
        if (n == 0) continue;
        pt.waiting += n;
        if (!compatible(c, &c->services[i], &small)) {
            pt.incompatible += n;
            continue;
        }
        groups[n_groups++] = group_of(&c->services[i], n);
    }
    pt.estimate = capprov_binpack(groups, n_groups, &large);
    free(groups);
    if (pt.estimate > 0) {
        pt.step = capprov_step(pt.estimate, cp->min_step, cp->max_step);
        pt.needed = pt.busy + pt.step;
        pt.pct = capprov_reservation_pct(pt.needed, pt.running);
    } else if (pt.waiting > 0) {
        /* every waiting task is incompatible: scaling stops at the target */
        pt.needed = pt.running;
        pt.pct = cp->target_pct;
    } else if (pt.running == 0) {
        pt.pct = 100;
    } else {
        pt.needed = pt.busy;
        pt.pct = cp->empty_count ? 100.0 - (pt.running - pt.busy)
                                 : capprov_reservation_pct(pt.busy, pt.running);
    }
    return pt;
}

/* ---- waiting in PROVISIONING ---- */

int32_t capprov_pool(const cluster *c, const service *sv)
{
    return c->waits ? c->waits[sv->id].pool : -1;
}

uint32_t capprov_n_providers(const cluster *c, const service *sv)
{
    return c->waits ? c->waits[sv->id].n_cps : 0;
}

int32_t capprov_pool_of(const cluster *c, const service *sv, uint32_t k)
{
    return (int32_t) c->cps[c->waits[sv->id].cps[k]].asg;
}

static void meter(cluster *c, const service *sv)
{
    c->rec.svc[sv->id].provisioning_tasks = c->waits[sv->id].n;
}

void capprov_set_waiting(cluster *c, service *sv, uint32_t k, uint32_t n, const char *why)
{
    cp_wait *w = &c->waits[sv->id];
    cp_queue *q = &w->q[k];
    double now = sim_now(c->s);
    if (n > q->n) {
        if (n > q->cap) {
            q->cap = n > 2 * q->cap ? n : 2 * q->cap;
            q->since = xrealloc(q->since, q->cap * sizeof *q->since);
        }
        uint32_t more = n - q->n;
        for (uint32_t j = q->n; j < n; j++) q->since[j] = now;
        w->n += more;
        q->n = n;
        const capprov *cp = &c->cps[w->cps[k]];
        cp_shape large, small;
        shapes(c, &c->asgs[cp->asg], &large, &small);
        char extra[256] = "";
        if (!compatible(c, sv, &small))
            snprintf(extra, sizeof extra,
                     " It fits not even the smallest instance type of Auto Scaling group %s, so "
                     "the provider leaves it out of its scale-out estimate.",
                     c->asgs[cp->asg].name);
        recorder_event(&c->rec, now, "task_provisioning", sv->name,
                       "%u task%s of service %s wait%s in PROVISIONING for capacity from capacity "
                       "provider %s (%u waiting): %s%s",
                       more, more == 1 ? "" : "s", sv->name, more == 1 ? "s" : "", cp->name, n, why,
                       extra);
    } else if (n < q->n) {
        uint32_t fewer = q->n - n;
        q->n = n; /* the newest go: they never started */
        w->n -= fewer;
        char from[96] = "";
        if (w->n_cps > 1)
            snprintf(from, sizeof from, " for capacity provider %s", c->cps[w->cps[k]].name);
        recorder_event(&c->rec, now, "task_provisioning_cancelled", sv->name,
                       "%u task%s of service %s leave%s PROVISIONING%s unplaced: no longer wanted "
                       "(%u waiting)",
                       fewer, fewer == 1 ? "" : "s", sv->name, fewer == 1 ? "s" : "", from, n);
    }
    meter(c, sv);
}

double capprov_placed(cluster *c, service *sv, uint32_t k)
{
    if (!c->waits || k >= c->waits[sv->id].n_cps) return NAN;
    cp_wait *w = &c->waits[sv->id];
    cp_queue *q = &w->q[k];
    if (q->n == 0) return NAN;
    double wait = sim_now(c->s) - q->since[0];
    memmove(q->since, q->since + 1, (q->n - 1) * sizeof *q->since);
    q->n--;
    w->n--;
    svc_meter *m = &c->rec.svc[sv->id];
    m->provisioning_waits++;
    m->provisioning_wait_sum_s += wait;
    if (wait > m->provisioning_wait_max_s) m->provisioning_wait_max_s = wait;
    meter(c, sv);
    return wait;
}

/* ---- the datapoints, the alarms, the scaling ---- */

static void say_alarm(cluster *c, const alarm *al, alarm_state from, const char *reason)
{
    recorder_event(&c->rec, sim_now(c->s), "alarm", al->name, "%s -> %s: %s",
                   alarm_state_name(from), alarm_state_name(al->state), reason);
}

static void scale_out(cluster *c, uint32_t cpi, const cp_point *pt)
{
    capprov *cp = &c->cps[cpi];
    asg *a = &c->asgs[cp->asg];
    double now = sim_now(c->s);
    if (now < a->last_launch_s + cp->warmup_s) {
        if (!cp->warmup_said)
            recorder_event(&c->rec, now, "capacity_scale_out_blocked", cp->name,
                           "CapacityProviderReservation %.1f%% > targetCapacity %d%%, but an "
                           "instance launched at %.1f s warms up until %.1f s "
                           "(instanceWarmupPeriod %.0f s): no scale-out before",
                           pt->pct, cp->target_pct, a->last_launch_s,
                           a->last_launch_s + cp->warmup_s, cp->warmup_s);
        cp->warmup_said = true;
        return;
    }
    cp->warmup_said = false;
    uint32_t cap = asg_in_service(c, cp->asg);
    /* target tracking on the group: capacity x metric / target, rounded up
     * (as-scaling-target-tracking.html rounds a scale-out up); from an empty
     * group, the instances needed */
    double want = cap ? ceil((double) cap * pt->pct / cp->target_pct - 1e-9)
                      : ceil(100.0 * pt->needed / cp->target_pct - 1e-9);
    uint32_t desired = want > a->max ? a->max : (uint32_t) want;
    if (desired <= a->desired) {
        if (a->desired == a->max && !cp->max_said)
            recorder_event(&c->rec, now, "capacity_scale_out_blocked", cp->name,
                           "CapacityProviderReservation %.1f%% > targetCapacity %d%%, but Auto "
                           "Scaling group %s is at max_size %u",
                           pt->pct, cp->target_pct, a->name, a->max);
        cp->max_said = a->desired == a->max;
        return;
    }
    cp->max_said = false;
    char why[384];
    if (pt->step)
        snprintf(why, sizeof why,
                 "capacity provider %s: CapacityProviderReservation %.1f%% > targetCapacity %d%%; "
                 "%u tasks in PROVISIONING, binpack estimate %u instances, step %u "
                 "(minimumScalingStepSize %u, maximumScalingStepSize %u); %u needed of %u running",
                 cp->name, pt->pct, cp->target_pct, pt->waiting, pt->estimate, pt->step,
                 cp->min_step, cp->max_step, pt->needed, pt->running);
    else
        snprintf(why, sizeof why,
                 "capacity provider %s: CapacityProviderReservation %.1f%% > targetCapacity %d%%; "
                 "%u of %u running instances run tasks",
                 cp->name, pt->pct, cp->target_pct, pt->busy, pt->running);
    cp->scale_outs++;
    asg_set_desired(c, cp->asg, desired, why);
}

static void scale_in(cluster *c, uint32_t cpi, const cp_point *pt)
{
    capprov *cp = &c->cps[cpi];
    asg *a = &c->asgs[cp->asg];
    double now = sim_now(c->s);
    if (now < a->last_launch_s + cp->warmup_s) return; /* warming instances block scale in */
    uint32_t cap = asg_in_service(c, cp->asg);
    uint32_t keep = (uint32_t) ceil(100.0 * pt->busy / cp->target_pct - 1e-9);
    if (cap <= keep) return;
    uint32_t limit = capprov_scale_in_limit(cap, cp->scale_in_max_pct);
    uint32_t remove = cap - keep < limit ? cap - keep : limit;
    uint32_t desired = cap - remove;
    if (desired < a->min) desired = a->min;
    if (desired >= a->desired) return;
    char why[320];
    snprintf(why, sizeof why,
             "capacity provider %s: CapacityProviderReservation %.1f%% < targetCapacity %d%% for "
             "%u datapoints; %u of %u running instances run tasks; at most %u of %u this minute",
             cp->name, pt->pct, cp->target_pct, cp->low.datapoints_to_alarm, pt->busy, pt->running,
             limit, cap);
    cp->scale_ins++;
    asg_set_desired(c, cp->asg, desired, why);
}

static void publish(cluster *c, uint32_t cpi, const cp_point *pt)
{
    capprov *cp = &c->cps[cpi];
    double now = sim_now(c->s);
    cp->last = *pt;
    /* a service over several providers shows the highest of their last
     * datapoints: the one that scales out first */
    for (uint32_t i = 0; i < c->n_services; i++) {
        const cp_wait *w = &c->waits[i];
        bool mine = false;
        double pct = NAN;
        for (uint32_t k = 0; k < w->n_cps; k++) {
            double v = c->cps[w->cps[k]].last.pct;
            mine |= w->cps[k] == (int32_t) cpi;
            if (!isnan(v) && !(v <= pct)) pct = v;
        }
        if (mine) c->rec.svc[i].capacity_reservation_pct = pct;
    }
    char reason[512];
    alarm_state from = cp->high.state;
    if (alarm_eval(&cp->high, pt->pct, now, reason, sizeof reason))
        say_alarm(c, &cp->high, from, reason);
    from = cp->low.state;
    if (alarm_eval(&cp->low, pt->pct, now, reason, sizeof reason))
        say_alarm(c, &cp->low, from, reason);
    if (!cp->managed_scaling) return;
    if (cp->high.state == ALARM_ALARM)
        scale_out(c, cpi, pt);
    else if (cp->low.state == ALARM_ALARM)
        scale_in(c, cpi, pt);
}

static double publish_delay_s(const params *p)
{
    if (!param_registry_find(params_registry(p), "metrics.publish_delay_s")) return 0;
    return params_real(p, "metrics.publish_delay_s");
}

static void on_sample(void *ctx, sim *s, const ev *e)
{
    cluster *c = ctx;
    capprov *cp = &c->cps[e->target];
    cp->sample_ev = 0;
    uint64_t k = cp->next_minute++;
    cp_point pt = capprov_reservation(c, e->target);
    double delay = c->cp_delay_s;
    if (delay <= 0) {
        publish(c, e->target, &pt);
    } else {
        uint32_t slot = (cp->q_head + cp->q_n) % cp->q_cap;
        assert(cp->q_n < cp->q_cap);
        cp->queue[slot] = pt;
        cp->queue_ev[slot] = sim_at(s, sim_now(s) + delay, c->kind_cp_publish, e->target);
        cp->q_n++;
    }
    if (!c->quiet)
        cp->sample_ev = sim_at(s, (double) (k + 2) * MINUTE_S, c->kind_cp_sample, e->target);
}

static void on_publish(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    capprov *cp = &c->cps[e->target];
    cp_point pt = cp->queue[cp->q_head];
    cp->queue_ev[cp->q_head] = 0;
    cp->q_head = (cp->q_head + 1) % cp->q_cap;
    cp->q_n--;
    publish(c, e->target, &pt);
}

/* ---- reading, starting, stopping ---- */

static int bad(const params *p, ecs_err *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(const params *p, ecs_err *e, const char *path, const char *fmt, ...)
{
    param_loc at = params_where(p, "%s", path);
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column, "%s: %s", path,
                  what);
}

int capprov_init(cluster *c, const params *p, ecs_err *e)
{
    uint32_t n = (uint32_t) params_count(p, "capacity_providers");
    c->cps = xcalloc(n ? n : 1, sizeof *c->cps);
    c->n_cps = n;
    c->waits = xcalloc(c->n_services ? c->n_services : 1, sizeof *c->waits);
    for (uint32_t i = 0; i < c->n_services; i++) c->waits[i].cp = c->waits[i].pool = -1;
    c->cp_delay_s = publish_delay_s(p);
    char path[256];
    for (uint32_t i = 0; i < n; i++) {
        const char *name = params_object(p, "capacity_providers", i);
        capprov *cp = &c->cps[i];
        cp->name = name;
        cp->asg =
            (uint32_t) asg_find(c, params_str(p, "capacity_providers.%s.auto_scaling_group", name));
        for (uint32_t k = 0; k < i; k++)
            if (c->cps[k].asg == cp->asg) {
                snprintf(path, sizeof path, "capacity_providers.%s.auto_scaling_group", name);
                return bad(p, e, path,
                           "Auto Scaling group %s is capacity provider %s's already (a group "
                           "belongs to one capacity provider)",
                           c->asgs[cp->asg].name, c->cps[k].name);
            }
        cp->managed_scaling = params_bool(p, "capacity_providers.%s.managed_scaling", name);
        cp->target_pct = (int) params_int(p, "capacity_providers.%s.target_capacity", name);
        cp->min_step =
            (uint32_t) params_int(p, "capacity_providers.%s.minimum_scaling_step_size", name);
        cp->max_step =
            (uint32_t) params_int(p, "capacity_providers.%s.maximum_scaling_step_size", name);
        if (cp->min_step > cp->max_step) {
            snprintf(path, sizeof path, "capacity_providers.%s.minimum_scaling_step_size", name);
            return bad(p, e, path, "%u is greater than maximum_scaling_step_size (%u)",
                       cp->min_step, cp->max_step);
        }
        cp->warmup_s =
            (double) params_int(p, "capacity_providers.%s.instance_warmup_period_s", name);
        cp->empty_count = strcmp(params_str(p, "capacity_providers.%s.scale_in_metric", name),
                                 "empty_count") == 0;
        if (cp->empty_count && cp->target_pct != 100) {
            snprintf(path, sizeof path, "capacity_providers.%s.scale_in_metric", name);
            return bad(p, e, path,
                       "empty_count (100 minus the empty instances) needs target_capacity 100, "
                       "got %d",
                       cp->target_pct);
        }
        cp->scale_in_max_pct = params_real(p, "capacity_providers.%s.scale_in_max_percent", name);
        asg *a = &c->asgs[cp->asg];
        a->cp = (int32_t) i;
        a->protect_busy =
            params_bool(p, "capacity_providers.%s.managed_termination_protection", name);
        a->drain = params_bool(p, "capacity_providers.%s.managed_draining", name);
        char alarm_name[96];
        unsigned hi = (unsigned) params_int(p, "capacity_providers.%s.alarm_high_datapoints", name);
        unsigned lo = (unsigned) params_int(p, "capacity_providers.%s.alarm_low_datapoints", name);
        snprintf(alarm_name, sizeof alarm_name, "TargetTracking-%s-AlarmHigh", a->name);
        alarm_init(&cp->high, alarm_name, ALARM_GT, cp->target_pct, hi, hi);
        snprintf(alarm_name, sizeof alarm_name, "TargetTracking-%s-AlarmLow", a->name);
        alarm_init(&cp->low, alarm_name, ALARM_LT, cp->target_pct, lo, lo);
        memset(&cp->last, 0, sizeof cp->last);
        cp->last.pct = NAN;
        cp->q_cap = (uint32_t) ceil(c->cp_delay_s / MINUTE_S) + 2;
        cp->queue = xcalloc(cp->q_cap, sizeof *cp->queue);
        cp->queue_ev = xcalloc(cp->q_cap, sizeof *cp->queue_ev);
    }
    for (uint32_t i = 0; i < c->n_services; i++) {
        const char *name = c->services[i].name;
        const char *want = params_str(p, "services.%s.capacity_provider", name);
        if (!want[0]) continue;
        int32_t k = -1;
        for (uint32_t j = 0; j < n; j++)
            if (strcmp(c->cps[j].name, want) == 0) k = (int32_t) j;
        if (k < 0) {
            snprintf(path, sizeof path, "services.%s.capacity_provider", name);
            char have[256] = "";
            size_t at = 0;
            for (uint32_t j = 0; j < n && at < sizeof have; j++)
                at += (size_t) snprintf(have + at, sizeof have - at, "%s%s", j ? ", " : "",
                                        c->cps[j].name);
            return bad(p, e, path, "no capacity_providers named \"%s\"; have: %s", want,
                       n ? have : "none");
        }
        c->waits[i].cp = k;
        c->waits[i].pool = (int32_t) c->cps[k].asg;
        c->waits[i].n_cps = 1;
        c->waits[i].cps[0] = k;
    }
    if (n) {
        c->kind_cp_sample = sim_kind(c->s, "capprov.datapoint", on_sample, c);
        c->kind_cp_publish = sim_kind(c->s, "capprov.publish", on_publish, c);
    }
    return ECS_OK;
}

void capprov_start(cluster *c)
{
    for (uint32_t i = 0; i < c->n_cps; i++)
        c->cps[i].sample_ev = sim_at(c->s, MINUTE_S, c->kind_cp_sample, i);
}

void capprov_quiesce(cluster *c)
{
    for (uint32_t i = 0; i < c->n_cps; i++) {
        capprov *cp = &c->cps[i];
        if (cp->sample_ev) sim_cancel(c->s, cp->sample_ev);
        cp->sample_ev = 0;
        for (uint32_t k = 0; k < cp->q_cap; k++) {
            if (cp->queue_ev[k]) sim_cancel(c->s, cp->queue_ev[k]);
            cp->queue_ev[k] = 0;
        }
        cp->q_n = 0;
    }
}

void capprov_fini(cluster *c)
{
    for (uint32_t i = 0; i < c->n_cps; i++) {
        free(c->cps[i].queue);
        free(c->cps[i].queue_ev);
    }
    free(c->cps);
    c->cps = NULL;
    c->n_cps = 0;
    for (uint32_t i = 0; c->waits && i < c->n_services; i++)
        for (uint32_t k = 0; k < CP_MAX_PER_SERVICE; k++) free(c->waits[i].q[k].since);
    free(c->waits);
    c->waits = NULL;
}

/* spot.c -- purchase options of Auto Scaling group instances and Spot
 * interruptions (see spot.h). Work is per launch and per interruption. */
#include "spot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "models/prices.h"
#include "sim/engine/xmalloc.h"

const param_def spot_params[] = {
    {"auto_scaling_groups.*.on_demand_base_capacity", PT_INT, "instances", 0, 5000, "0", NULL, 0,
     NULL,
     "OnDemandBaseCapacity: the first instances of the group are On-Demand "
     "(InstancesDistribution)."},
    {"auto_scaling_groups.*.on_demand_percentage_above_base", PT_INT, "%", 0, 100, "100", NULL, 0,
     NULL,
     "OnDemandPercentageAboveBaseCapacity: the On-Demand share above the base, rounded up; the "
     "rest is Spot. 100 (the default) is an On-Demand group."},
    {"auto_scaling_groups.*.spot_allocation_strategy", PT_ENUM, "", 0, 0, "lowest-price",
     "lowest-price|capacity-optimized", 0, NULL,
     "SpotAllocationStrategy: lowest-price launches the type with the cheapest Spot price; "
     "capacity-optimized is approximated by the type with the fewest interruptions per hour "
     "(modelling assumption: ecsim does not model spare capacity pools)."},
    {"auto_scaling_groups.*.capacity_rebalance", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "CapacityRebalance: the group launches a replacement when a Spot instance gets its "
     "interruption notice, not after it is gone (ec2-auto-scaling-capacity-rebalancing.html)."},
    {"auto_scaling_groups.*.spot_interruption_scale", PT_REAL, "", 0, 1e6, "1", NULL, 0, NULL,
     "Multiplies the Spot interruption rate of each type in models/prices.csv (illustrative "
     "rates: AWS publishes frequency bands per month only); 0 means no random interruption."},
    {"cluster.spot_instance_draining", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "ECS_ENABLE_SPOT_INSTANCE_DRAINING: a Spot instance's interruption notice sets its "
     "container instance DRAINING, so its tasks are replaced before it goes "
     "(container-instance-spot.html; the agent's default is false)."},
    {"spot.notice_s", PT_REAL, "s", 0, 3600, "120", NULL, 0, NULL,
     "The interruption notice: two minutes before a Spot instance or Fargate Spot task is "
     "stopped (spot-instance-termination-notices.html; fixed in AWS)."},
    {"spot.fargate_interruptions_per_hour", PT_REAL, "1/h", 0, 1e6, "0", NULL, 0, NULL,
     "Interruptions per Fargate Spot task-hour (AWS publishes no rate: modelling assumption; "
     "0: only spot_interruptions.* interrupt)."},
    {"spot_interruptions.*.at_s", PT_REAL, "s", 0, 1e9, NULL, NULL, PF_REQUIRED, NULL,
     "When the interruption notice comes."},
    {"spot_interruptions.*.host", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "The Spot instance interrupted, named <group>-<k>."},
    {"spot_interruptions.*.service", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "With task: the service whose task-th task (from 1, in start order) is interrupted, if it "
     "runs on Fargate Spot."},
    {"spot_interruptions.*.task", PT_INT, "", 1, 1e6, "1", NULL, 0, NULL,
     "Which of the service's tasks (see service)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static void on_notice(void *ctx, sim *s, const ev *e);
static void on_end(void *ctx, sim *s, const ev *e);
static void on_at(void *ctx, sim *s, const ev *e);

static void arm_kinds(cluster *c)
{
    spot_state *sp = c->spot;
    if (sp->armed) return;
    sp->armed = true;
    sp->kind_notice = sim_kind(c->s, "spot.notice", on_notice, c);
    sp->kind_end = sim_kind(c->s, "spot.end", on_end, c);
    sp->kind_at = sim_kind(c->s, "spot.at", on_at, c);
}

int spot_init(cluster *c, const params *p, ecs_err *e)
{
    spot_state *sp = xcalloc(1, sizeof *sp);
    c->spot = sp;
    sp->notice_s = params_real(p, "spot.notice_s");
    sp->fargate_rate_per_s = params_real(p, "spot.fargate_interruptions_per_hour") / 3600.0;
    sp->draining = params_bool(p, "cluster.spot_instance_draining");
    uint32_t n = (uint32_t) params_count(p, "auto_scaling_groups");
    sp->groups = xcalloc(n ? n : 1, sizeof *sp->groups);
    sp->n_groups = n;
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *name = params_object(p, "auto_scaling_groups", i);
        spot_group *g = &sp->groups[i];
        g->od_base =
            (uint32_t) params_int(p, "auto_scaling_groups.%s.on_demand_base_capacity", name);
        g->od_pct = (uint32_t) params_int(
            p, "auto_scaling_groups.%s.on_demand_percentage_above_base", name);
        g->capacity_optimized =
            strcmp(params_str(p, "auto_scaling_groups.%s.spot_allocation_strategy", name),
                   "capacity-optimized") == 0;
        g->rebalance = params_bool(p, "auto_scaling_groups.%s.capacity_rebalance", name);
        g->scale = params_real(p, "auto_scaling_groups.%s.spot_interruption_scale", name);
        if (g->od_pct < 100) {
            char stream[160];
            snprintf(stream, sizeof stream, "spot:%s", name);
            g->rng = sim_rng(c->s, stream);
            any = true;
        }
    }
    sp->n_at = (uint32_t) params_count(p, "spot_interruptions");
    sp->at = xcalloc(sp->n_at ? sp->n_at : 1, sizeof *sp->at);
    for (uint32_t i = 0; i < sp->n_at; i++) {
        const char *name = params_object(p, "spot_interruptions", i);
        spot_at *a = &sp->at[i];
        a->name = name;
        a->at_s = params_real(p, "spot_interruptions.%s.at_s", name);
        a->host = params_str(p, "spot_interruptions.%s.host", name);
        a->service = params_str(p, "spot_interruptions.%s.service", name);
        a->task_k = (uint32_t) params_int(p, "spot_interruptions.%s.task", name);
        if (!a->host[0] == !a->service[0]) {
            param_loc at = params_where(p, "spot_interruptions.%s.at_s", name);
            return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                          "spot_interruptions.%s: name either a host or a service (and task)",
                          name);
        }
        any = true;
    }
    for (size_t i = 0; i < params_count(p, "services"); i++)
        if (strstr(params_str(p, "services.%s.capacity_provider_strategy",
                              params_object(p, "services", i)),
                   "FARGATE_SPOT"))
            any = true;
    if (any) {
        arm_kinds(c);
        sp->fargate_rng = sim_rng(c->s, "spot:fargate");
    }
    return ECS_OK;
}

int spot_choose(cluster *c, uint32_t g, const instance_type **type)
{
    const asg *a = &c->asgs[g];
    const spot_group *sg = &c->spot->groups[g];
    *type = a->types[0];
    if (sg->od_pct >= 100) return HOST_BILL_ON_DEMAND;
    uint32_t od = 0, spot = 0;
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        const host *h = &c->hosts[i];
        if (h->asg != (int32_t) g || h->state == HOST_TERMINATED || h->terminating) continue;
        if (h->billing == HOST_BILL_SPOT)
            spot++;
        else
            od++;
    }
    if (od < sg->od_base) return HOST_BILL_ON_DEMAND;
    uint32_t od_above = od - sg->od_base, above = od_above + spot + 1;
    /* the On-Demand share above the base, rounded up in favour of On-Demand */
    uint32_t want_od = (uint32_t) ((above * sg->od_pct + 99) / 100);
    if (od_above < want_od) return HOST_BILL_ON_DEMAND;
    int region = c->henv.region;
    const instance_type *best = NULL;
    double best_key = INFINITY, best_price = INFINITY;
    for (uint32_t k = 0; k < a->n_types; k++) {
        double rate;
        double price = prices_spot(a->types[k]->name, region, &rate);
        if (isnan(price)) continue;
        double key = sg->capacity_optimized ? rate : price;
        if (key < best_key || (key == best_key && price < best_price)) {
            best = a->types[k];
            best_key = key;
            best_price = price;
        }
    }
    if (!best) return HOST_BILL_ON_DEMAND; /* no Spot price: spot_init's check makes this rare */
    *type = best;
    return HOST_BILL_SPOT;
}

static void arm_notice(cluster *c, uint32_t h, double rate_per_s, gsl_rng *rng)
{
    if (rate_per_s <= 0 || c->quiet || !rng) return;
    arm_kinds(c);
    c->hosts[h].spot_ev = sim_at(c->s, sim_now(c->s) + dist_exponential(rng, 1.0 / rate_per_s),
                                 c->spot->kind_notice, h);
}

void spot_instance_made(cluster *c, uint32_t id, int bill)
{
    host *h = &c->hosts[id];
    h->billing = (uint8_t) bill;
    if (bill != HOST_BILL_SPOT) return;
    double rate;
    h->usd_per_hour = prices_spot(h->type->name, c->henv.region, &rate);
    const spot_group *g = &c->spot->groups[h->asg];
    arm_notice(c, id, rate * g->scale / 3600.0, g->rng);
}

void spot_fargate_made(cluster *c, uint32_t id)
{
    arm_notice(c, id, c->spot->fargate_rate_per_s, c->spot->fargate_rng);
}

void spot_start(cluster *c)
{
    spot_state *sp = c->spot;
    for (uint32_t i = 0; i < sp->n_at; i++)
        sp->at[i].ev = sim_at(c->s, sp->at[i].at_s, sp->kind_at, i);
}

/* The notice for host record h (an EC2 Spot instance or a Fargate Spot
 * task's record). */
static void notice(cluster *c, uint32_t id, const char *why)
{
    spot_state *sp = c->spot;
    host *h = &c->hosts[id];
    double now = sim_now(c->s);
    if (h->spot_ev) sim_cancel(c->s, h->spot_ev);
    h->spot_ev = 0;
    if (h->state == HOST_TERMINATED || h->state == HOST_PENDING) return;
    sp->notices++;
    char name[96];
    host_name(h, name, sizeof name);
    if (h->billing == HOST_BILL_FARGATE_SPOT) {
        for (uint32_t i = 0; i < c->n_tasks; i++) {
            task *t = &c->tasks[i];
            if (t->host != id || t->state == TASK_STOPPED) continue;
            char tname[128];
            cluster_task_name(c, t, tname, sizeof tname);
            recorder_event(&c->rec, now, "spot_interruption_notice", tname,
                           "Fargate Spot capacity reclaimed (%s) on %s (%s): SIGTERM, the target "
                           "deregisters, the task stops within %.0f s",
                           why, name, h->zone, sp->notice_s);
            sp->interrupted_tasks++;
            agent_stop(c, t, AGENT_STOP_ASKED, "Your Spot Task was interrupted.");
            scheduler_wake(c, &c->services[t->service]);
        }
    } else {
        const asg *a = &c->asgs[h->asg];
        const spot_group *g = &sp->groups[h->asg];
        recorder_event(&c->rec, now, "spot_interruption_notice", name,
                       "EC2 Spot interruption notice (%s, %s, %s): the instance stops in %.0f s; "
                       "%u tasks on it%s%s",
                       why, h->type->name, h->zone, sp->notice_s, h->n_tasks,
                       sp->draining && h->state == HOST_ACTIVE
                           ? "; container instance DRAINING (ECS_ENABLE_SPOT_INSTANCE_DRAINING)"
                           : "",
                       g->rebalance ? "; capacity rebalancing launches a replacement" : "");
        sp->interrupted_tasks += h->n_tasks;
        if (sp->draining && h->state == HOST_ACTIVE) {
            h->state = HOST_DRAINING;
            c->rec.hosts_draining++;
        }
        if (g->rebalance && !h->terminating) {
            h->terminating = true;
            asg_set_desired(c, (uint32_t) h->asg, a->desired, "capacity rebalancing");
            h = &c->hosts[id]; /* the launch may have moved the host array */
        }
        for (uint32_t i = 0; i < c->n_services; i++) scheduler_wake(c, &c->services[i]);
    }
    if (!c->quiet) h->spot_ev = sim_at(c->s, now + sp->notice_s, sp->kind_end, id);
}

static void on_notice(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    c->hosts[e->target].spot_ev = 0;
    notice(c, e->target, "random interruption");
}

static void on_end(void *ctx, sim *s, const ev *e)
{
    cluster *c = ctx;
    uint32_t id = e->target;
    host *h = &c->hosts[id];
    h->spot_ev = 0;
    double now = sim_now(s);
    if (h->state == HOST_TERMINATED) return;
    char name[96], reason[192];
    host_name(h, name, sizeof name);
    if (h->billing == HOST_BILL_FARGATE_SPOT) {
        for (uint32_t i = 0; i < c->n_tasks; i++) {
            task *t = &c->tasks[i];
            if (t->host == id && t->state != TASK_STOPPED)
                agent_kill(c, t, 137, AGENT_STOP_LOST,
                           "Your Spot Task was interrupted: the two-minute notice ended");
        }
        return;
    }
    recorder_event(&c->rec, now, "spot_interrupted", name,
                   "EC2 Spot instance reclaimed at the end of its notice (%s, %s); %u tasks still "
                   "on it stop",
                   h->type->name, h->zone, h->n_tasks);
    if (h->state == HOST_DRAINING) c->rec.hosts_draining--;
    if (h->state == HOST_ACTIVE || h->state == HOST_DRAINING) c->rec.hosts--;
    if (h->state == HOST_PENDING) c->rec.hosts_pending--;
    h->state = HOST_TERMINATED;
    h->terminated_s = now;
    snprintf(reason, sizeof reason, "Host EC2 instance %s terminated (Spot interruption)", name);
    for (uint32_t i = 0; i < c->n_tasks; i++)
        if (c->tasks[i].host == id && c->tasks[i].state != TASK_STOPPED)
            agent_kill(c, &c->tasks[i], 137, AGENT_STOP_LOST, reason);
    asg_host_lost(c, id);
}

static void on_at(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    spot_at *a = &c->spot->at[e->target];
    a->ev = 0;
    char why[160];
    snprintf(why, sizeof why, "spot_interruptions.%s", a->name);
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        const host *h = &c->hosts[i];
        char name[96];
        host_name(h, name, sizeof name);
        if (a->host[0] && strcmp(name, a->host) == 0 && h->state != HOST_TERMINATED) {
            if (h->billing == HOST_BILL_SPOT) notice(c, i, why);
            return;
        }
    }
    if (!a->service[0]) return;
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (strcmp(c->services[t->service].name, a->service) != 0 || ++k != a->task_k) continue;
        if (t->state != TASK_STOPPED && c->hosts[t->host].billing == HOST_BILL_FARGATE_SPOT)
            notice(c, t->host, why);
        return;
    }
}

void spot_quiesce(cluster *c)
{
    /* scripted interruptions after the last request would only stretch the
     * run (and its bill) with nothing left to interrupt that matters */
    for (uint32_t i = 0; c->spot && i < c->spot->n_at; i++) {
        if (c->spot->at[i].ev) sim_cancel(c->s, c->spot->at[i].ev);
        c->spot->at[i].ev = 0;
    }
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        host *h = &c->hosts[i];
        if (h->spot_ev) sim_cancel(c->s, h->spot_ev);
        h->spot_ev = 0;
    }
}

void spot_fini(cluster *c)
{
    if (!c->spot) return;
    free(c->spot->groups);
    free(c->spot->at);
    free(c->spot);
    c->spot = NULL;
}

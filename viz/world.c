/* world.c -- the accessor layer: the one place the visualiser reads model
 * fields, copying them into the snapshot world.h defines.
 *
 * Wiring (for autoscaling and capacity state that models gain later): each
 * acc_* function below reads one fact; when a model gains a fact the
 * picture should show, change the accessor only: the drawing code already
 * shows a field when it is known. Alarm states come from events.csv lines
 * (history.c), which every alarm writes as it changes. */
#include "viz/world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/engine/xmalloc.h"

/* ---- accessors ---- */

static int acc_host_state(const host *h)
{
    switch (h->state) {
    case HOST_PENDING:
        return VW_HOST_BOOTING;
    case HOST_ACTIVE:
        return VW_HOST_ACTIVE;
    case HOST_DRAINING:
        return VW_HOST_DRAINING;
    case HOST_TERMINATED:
    default:
        /* a zone outage keeps billing off but the host may come back */
        return isfinite(h->terminated_s) ? VW_HOST_TERMINATED : VW_HOST_UNREACHABLE;
    }
}

/* The host a task sits on, or VW_NONE when it waits for capacity. */
static uint32_t acc_task_host(const cluster *c, const task *t)
{
    return t->host < c->n_hosts ? t->host : VW_NONE;
}

/* Tasks of service k waiting in PROVISIONING for capacity, which the
 * capacity providers count without a task object (all its providers). */
static uint32_t acc_service_waiting(const cluster *c, uint32_t k)
{
    return c->waits && k < c->n_services ? c->waits[k].n : 0;
}

/* services.*.autoscaling min and max capacity, -1 when it does not scale. */
static void acc_service_bounds(const cluster *c, uint32_t k, int *min, int *max)
{
    int on = c->as.t && k < c->as.n && c->as.t[k].on;
    *min = on ? (int) c->as.t[k].min : -1;
    *max = on ? (int) c->as.t[k].max : -1;
}

/* The alarms are read from their events.csv lines (history.c), which every
 * alarm of the models writes with its state change: the model's own array
 * is not needed, so none is returned here. */
static uint32_t acc_alarm_count(const cluster *c)
{
    (void) c;
    return 0;
}

static void acc_alarm(const cluster *c, uint32_t i, vw_alarm *a)
{
    (void) c;
    (void) i;
    (void) a;
}

/* The Auto Scaling groups' desired, min and max, summed over the groups
 * (the hosts chart shows the cluster); -1 when there is none. */
static void acc_asg(const cluster *c, int *desired, int *min, int *max)
{
    *desired = *min = *max = -1;
    for (uint32_t g = 0; g < c->n_asgs; g++) {
        const asg *a = &c->asgs[g];
        *desired = (*desired < 0 ? 0 : *desired) + (int) a->desired;
        *min = (*min < 0 ? 0 : *min) + (int) a->min;
        *max = (*max < 0 ? 0 : *max) + (int) a->max;
    }
}

static const char *acc_lb_algorithm(const lb *b)
{
    switch (lb_get_algorithm(b)) {
    case LB_ROUND_ROBIN:
        return "round_robin";
    case LB_LEAST_OUTSTANDING:
        return "least_outstanding_requests";
    case LB_WEIGHTED_RANDOM:
        return "weighted_random";
    case LB_JOIN_SHORTEST_QUEUE:
        return "join_shortest_queue";
    case LB_POWER_OF_TWO:
        return "power_of_two";
    case LB_LEAST_UTILISATION:
        return "least_utilisation";
    case LB_WEIGHTED_ROUND_ROBIN:
        return "weighted_round_robin";
    case LB_RANDOM:
    default:
        return "random";
    }
}

/* ---- the snapshot ---- */

#define GROW(arr, cap, need)                                                                       \
    do {                                                                                           \
        if ((need) > (cap)) {                                                                      \
            (cap) = (need) > 2 * (cap) ? (need) : 2 * (cap);                                       \
            (arr) = xrealloc((arr), (size_t) (cap) * sizeof *(arr));                               \
        }                                                                                          \
    } while (0)

void world_init(vw_world *w)
{
    memset(w, 0, sizeof *w);
    w->asg_desired = w->asg_min = w->asg_max = -1;
    w->duration_s = 3600;
    w->slo_p99_s = NAN;
    w->interval_s = 60;
}

void world_fini(vw_world *w)
{
    free(w->hosts);
    free(w->tasks);
    free(w->services);
    free(w->lbs);
    free(w->alarms);
    memset(w, 0, sizeof *w);
}

void world_set_run(vw_world *w, const params *p, const char *scenario)
{
    w->duration_s = params_real(p, "run.duration_s");
    w->slo_p99_s = params_real(p, "slo.p99_latency_s");
    w->interval_s = params_real(p, "run.sample_interval_s");
    const char *base = strrchr(scenario, '/');
    snprintf(w->scenario, sizeof w->scenario, "%s", base ? base + 1 : scenario);
}

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, VW_NAME, "%s", src ? src : "");
}

void world_read(vw_world *w, const cluster *c, double now_s)
{
    w->now_s = now_s;
    GROW(w->hosts, w->cap_hosts, c->n_hosts);
    w->n_hosts = c->n_hosts;
    w->hosts_live = 0;
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        const host *h = &c->hosts[i];
        vw_host *v = &w->hosts[i];
        host_name(h, v->name, sizeof v->name);
        snprintf(v->zone, sizeof v->zone, "%s", h->zone);
        snprintf(v->type, sizeof v->type, "%s", h->type ? h->type->name : "?");
        v->state = acc_host_state(h);
        v->cpu_units = (double) h->cpu_units;
        v->mem_mib = (double) h->memory_mib;
        v->cpu_used = (double) (h->cpu_units - h->cpu_free_units);
        v->mem_used = (double) (h->memory_mib - h->memory_free_mib);
        v->since_s = h->launched_s;
        v->n_tasks = 0;
        v->hidden = 0;
        if (v->state <= VW_HOST_DRAINING) w->hosts_live++;
    }

    GROW(w->services, w->cap_services, c->n_services);
    w->n_services = c->n_services;
    for (uint32_t k = 0; k < c->n_services; k++) {
        const service *sv = &c->services[k];
        const svc_meter *m = &c->rec.svc[k];
        vw_service *v = &w->services[k];
        memset(v, 0, sizeof *v);
        copy_name(v->name, sv->name);
        v->lb = sv->lb < c->n_lbs ? sv->lb : VW_NONE;
        v->desired = sv->desired;
        v->unplaced = sv->unplaced;
        v->waiting = acc_service_waiting(c, k);
        acc_service_bounds(c, k, &v->min_tasks, &v->max_tasks);
        v->arrivals = m->n_in;
        v->completed = m->n_out;
        v->in_flight = m->in_flight;
    }

    GROW(w->lbs, w->cap_lbs, c->n_lbs);
    w->n_lbs = c->n_lbs;
    for (uint32_t i = 0; i < c->n_lbs; i++) {
        const lb *b = c->lbs[i];
        vw_lb *v = &w->lbs[i];
        copy_name(v->name, lb_name(b));
        snprintf(v->algorithm, sizeof v->algorithm, "%s", acc_lb_algorithm(b));
        v->targets = lb_target_count(b);
        v->healthy = lb_healthy_count(b);
        v->next_task = VW_NONE;
        v->routed = 0;
    }

    /* live tasks, grouped by host (a counting sort keeps id order within
     * a host, which is the order the staircase stacks them in) */
    uint32_t live = 0;
    for (uint32_t i = 0; i < c->n_tasks; i++) live += c->tasks[i].state != TASK_STOPPED;
    GROW(w->tasks, w->cap_tasks, live);
    w->n_tasks = live;
    uint32_t nh = c->n_hosts + 1; /* the last bucket: waiting for capacity */
    uint32_t *start = xcalloc(nh + 1, sizeof *start);
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->state == TASK_STOPPED) continue;
        uint32_t h = acc_task_host(c, t);
        start[(h == VW_NONE ? c->n_hosts : h) + 1]++;
    }
    for (uint32_t h = 0; h < nh; h++) start[h + 1] += start[h];
    uint32_t *ordinal = xcalloc(c->n_services ? c->n_services : 1, sizeof *ordinal);
    /* which task each service's target group would pick next (a task id) */
    uint32_t *next_of = xmalloc((c->n_services ? c->n_services : 1) * sizeof *next_of);
    for (uint32_t k = 0; k < c->n_services; k++) {
        next_of[k] = REQUEST_NONE;
        const service *sv = &c->services[k];
        if (sv->lb >= c->n_lbs) continue;
        const lb *b = c->lbs[sv->lb];
        for (uint32_t g = 0; g < lb_target_group_count(b); g++)
            if (lb_target_group_service(b, g) == k) next_of[k] = lb_next_target(b, g);
    }
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        ordinal[t->service]++; /* tasks of a service are numbered in creation order */
        if (t->state == TASK_STOPPED) continue;
        uint32_t h = acc_task_host(c, t);
        uint32_t at = start[h == VW_NONE ? c->n_hosts : h]++;
        vw_task *v = &w->tasks[at];
        const service *sv = &c->services[t->service];
        v->id = t->id;
        v->host = h;
        v->service = t->service;
        v->ordinal = ordinal[t->service];
        v->state = (int) t->state;
        v->cpu_units = (double) t->def->cpu_units;
        v->mem_mib = (double) t->def->memory_mib;
        v->workers = t->def->workers;
        v->busy = t->busy;
        v->queued = t->queued;
        v->served = t->served;
        v->mem_used_mib = t->mem_used_mib;
        v->since_s = t->state_since_s;
        v->hung = t->hung;
        v->container = t->container;
        v->target = VW_TARGET_NONE;
        v->routed = 0;
        v->next = 0;
        if (sv->lb < c->n_lbs) {
            const lb *b = c->lbs[sv->lb];
            lb_state ls = lb_target_state(b, t->id);
            v->target = ls == LB_UNUSED ? VW_TARGET_NONE : (int) ls;
            v->routed = lb_target_routed(b, t->id);
            w->lbs[sv->lb].routed += v->routed;
            if (next_of[t->service] == t->id) {
                v->next = 1;
                if (w->lbs[sv->lb].next_task == VW_NONE) w->lbs[sv->lb].next_task = at;
            }
        }
        vw_service *vs = &w->services[t->service];
        if (t->state == TASK_RUNNING)
            vs->running++;
        else if (t->state < TASK_RUNNING)
            vs->starting++;
        else
            vs->stopping++;
        if (h != VW_NONE) w->hosts[h].n_tasks++;
    }
    free(next_of);
    free(ordinal);
    free(start);

    uint32_t na = acc_alarm_count(c);
    if (na > 0) {
        GROW(w->alarms, w->cap_alarms, na);
        w->n_alarms = na;
        for (uint32_t i = 0; i < na; i++) acc_alarm(c, i, &w->alarms[i]);
        w->alarms_from_model = 1;
    }
    acc_asg(c, &w->asg_desired, &w->asg_min, &w->asg_max);
}

const hist *world_interval_latency(const cluster *c, uint32_t svc, double *since_s)
{
    *since_s = c->rec.last_sample_s;
    return &c->rec.svc[svc].i_latency;
}

const char *world_task_state_name(int st)
{
    static const char *const n[] = {"PROVISIONING", "PENDING",  "ACTIVATING",     "RUNNING",
                                    "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"};
    return st >= 0 && st < VW_TASK_STATES ? n[st] : "?";
}

const char *world_target_state_name(int st)
{
    static const char *const n[] = {"initial", "healthy", "unhealthy", "draining", "-"};
    return st >= 0 && st <= VW_TARGET_NONE ? n[st] : "?";
}

const char *world_host_state_name(int st)
{
    static const char *const n[] = {"booting", "active", "draining", "unreachable", "terminated"};
    return st >= 0 && st <= VW_HOST_TERMINATED ? n[st] : "?";
}

const char *world_alarm_state_name(int st)
{
    static const char *const n[] = {"INSUFFICIENT_DATA", "OK", "ALARM"};
    return st >= 0 && st <= VW_ALARM_ALARM ? n[st] : "?";
}

void world_synthetic(vw_world *w, uint32_t n_hosts, uint32_t n_tasks)
{
    static const char *const zones[] = {"us-east-1a", "us-east-1b", "us-east-1c"};
    GROW(w->hosts, w->cap_hosts, n_hosts);
    GROW(w->tasks, w->cap_tasks, n_tasks);
    GROW(w->services, w->cap_services, 2);
    GROW(w->lbs, w->cap_lbs, 1);
    w->n_hosts = n_hosts;
    w->n_tasks = n_tasks;
    w->n_services = 2;
    w->n_lbs = 1;
    w->hosts_live = n_hosts;
    snprintf(w->scenario, sizeof w->scenario, "synthetic (%u hosts, %u tasks)", n_hosts, n_tasks);
    for (uint32_t i = 0; i < n_hosts; i++) {
        vw_host *h = &w->hosts[i];
        memset(h, 0, sizeof *h);
        snprintf(h->name, sizeof h->name, "h-%u", i + 1);
        snprintf(h->zone, sizeof h->zone, "%s", zones[i % 3]);
        snprintf(h->type, sizeof h->type, "m5.2xlarge");
        h->state = i % 97 == 5 ? VW_HOST_BOOTING : VW_HOST_ACTIVE;
        h->cpu_units = 8192;
        h->mem_mib = 31744;
    }
    for (uint32_t k = 0; k < 2; k++) {
        vw_service *s = &w->services[k];
        memset(s, 0, sizeof *s);
        snprintf(s->name, sizeof s->name, k ? "api" : "web");
        s->lb = 0;
        s->desired = n_tasks / 2;
        s->min_tasks = s->max_tasks = -1;
    }
    vw_lb *b = &w->lbs[0];
    memset(b, 0, sizeof *b);
    snprintf(b->name, sizeof b->name, "front");
    snprintf(b->algorithm, sizeof b->algorithm, "round_robin");
    /* tasks spread evenly, grouped by host as world_read leaves them */
    for (uint32_t i = 0; i < n_tasks; i++) {
        vw_task *t = &w->tasks[i];
        memset(t, 0, sizeof *t);
        uint32_t h = n_hosts ? (uint32_t) ((uint64_t) i * n_hosts / n_tasks) : VW_NONE;
        t->id = i;
        t->host = h;
        t->service = i % 2;
        t->ordinal = i / 2 + 1;
        t->state = i % 41 == 3 ? 1 : i % 53 == 7 ? 5 : 3;
        t->target = t->state == 3 ? (i % 61 == 9 ? VW_TARGET_UNHEALTHY : VW_TARGET_HEALTHY)
                                  : VW_TARGET_NONE;
        t->cpu_units = 512;
        t->mem_mib = 1024 + 1024 * (i % 3);
        t->workers = 4;
        t->busy = i % 5;
        if (t->busy > 4) t->busy = 4;
        t->queued = i % 7 == 0 ? i % 23 : 0;
        t->routed = 1000 + i;
        if (h != VW_NONE) {
            w->hosts[h].n_tasks++;
            w->hosts[h].cpu_used += t->cpu_units;
            w->hosts[h].mem_used += t->mem_mib;
        }
        w->services[t->service].running += t->state == 3;
        b->targets++;
        b->healthy += t->target == VW_TARGET_HEALTHY;
    }
    b->next_task = n_tasks ? n_tasks / 3 : VW_NONE;
    if (n_tasks) w->tasks[n_tasks / 3].next = 1;
}

/* cluster.c -- wiring the world and the service scheduler's first pass.
 * Placement at start follows ECS: each service's tasks are placed one by one
 * through its strategy chain; a task that fits nowhere is reported (a service
 * event in events.csv, a count in the summary), never dropped silently. */
#include "cluster.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/asched.h"
#include "models/cpstrategy.h"
#include "models/fargate.h"
#include "models/hostcpu.h"
#include "models/spot.h"
#include "sim/engine/xmalloc.h"

static uint32_t find_lb(const cluster *c, const char *name)
{
    for (uint32_t i = 0; i < c->n_lbs; i++)
        if (strcmp(lb_name(c->lbs[i]), name) == 0) return i;
    return UINT32_MAX;
}

/* Each service's tasks register in a target group of its load balancer;
 * the load balancer's rule forwards each request to one of its groups by
 * the services' traffic_weight. A workload's requests are recorded under
 * the service whose group served each attempt. */
static int wire(cluster *c, const params *p, ecs_err *e)
{
    int rc = ECS_OK;
    for (uint32_t i = 0; i < c->n_services; i++) {
        service *sv = &c->services[i];
        sv->lb = find_lb(c, sv->lb_name);
        lb_add_target_group(c->lbs[sv->lb], sv->id,
                            params_real(p, "services.%s.traffic_weight", sv->name));
    }
    for (uint32_t i = 0; i < c->n_workloads && rc == ECS_OK; i++) {
        workload *w = &c->workloads[i];
        w->lb = find_lb(c, w->lb_name);
        const lb *b = c->lbs[w->lb];
        double weight = 0;
        for (uint32_t k = 0; k < c->n_services; k++)
            if (c->services[k].lb == w->lb)
                weight += params_real(p, "services.%s.traffic_weight", c->services[k].name);
        param_loc at = params_where(p, "workloads.%s.target", w->name);
        if (lb_target_group_count(b) == 0) {
            rc = err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                        "workloads.%s.target: load balancer \"%s\" has no service behind it "
                        "(no services.*.load_balancer names it)",
                        w->name, w->lb_name);
        } else if (weight <= 0) {
            rc = err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                        "workloads.%s.target: every service behind load balancer \"%s\" has "
                        "traffic_weight 0, so its rule forwards nothing",
                        w->name, w->lb_name);
        } else {
            /* the first group's service until the rule picks one per attempt */
            w->service = lb_target_group_service(b, 0);
        }
    }
    return rc;
}

/* The load balancers' callbacks: task names for events.csv, and target
 * health changes (the service scheduler acts on them). */
static void lb_task_name(void *ctx, uint32_t task_id, char *buf, size_t len)
{
    const cluster *c = ctx;
    cluster_task_name(c, &c->tasks[task_id], buf, len);
}

/* What the target group says about a task, as ECS reads it: healthy
 * counts the task towards minimumHealthyPercent, unhealthy gets it replaced
 * (after the grace period), unused ends its deregistration. */
static void on_target_change(void *ctx, uint32_t lb_index, uint32_t task_id, lb_state from,
                             lb_state to)
{
    (void) lb_index;
    (void) from;
    cluster *c = ctx;
    task *t = &c->tasks[task_id];
    switch (to) {
    case LB_HEALTHY:
        t->lb_ok = 1;
        agent_health_changed(c, t);
        break;
    case LB_UNHEALTHY:
        t->lb_ok = 0;
        agent_health_changed(c, t);
        if (t->state == TASK_RUNNING && !t->stopping) scheduler_task_unhealthy(c, t);
        break;
    case LB_UNUSED:
        agent_deregistered(c, t);
        break;
    default:
        break;
    }
}

/* Reads the request classes, grouped by workload (stable in declaration
 * order within one), so each workload's classes are contiguous. */
static int read_classes(cluster *c, const params *p, ecs_err *e)
{
    uint32_t n = (uint32_t) params_count(p, "request_classes");
    req_class *all = xcalloc(n ? n : 1, sizeof *all);
    int rc = ECS_OK;
    uint32_t read = 0;
    for (; read < n && rc == ECS_OK; read++) {
        rc = reqclass_read(&all[read], p, params_object(p, "request_classes", read), e);
        for (uint32_t w = 0; w < c->n_workloads; w++)
            if (strcmp(c->workloads[w].name, all[read].workload_name) == 0)
                all[read].workload = (uint16_t) w;
    }
    if (rc != ECS_OK) {
        for (uint32_t i = 0; i < read; i++) reqclass_fini(&all[i]);
        free(all);
        return rc;
    }
    c->classes = xcalloc(n ? n : 1, sizeof *c->classes);
    c->n_classes = 0;
    for (uint32_t w = 0; w < c->n_workloads; w++)
        for (uint32_t i = 0; i < n; i++)
            if (all[i].workload == w) c->classes[c->n_classes++] = all[i];
    free(all);
    return ECS_OK;
}

static void quiesce(void *ctx);

/* Reads every task definition: its size and its lifecycle. */
static int read_defs(cluster *c, const params *p, ecs_err *e)
{
    uint32_t n = (uint32_t) params_count(p, "task_definitions");
    c->defs = xcalloc(n ? n : 1, sizeof *c->defs);
    for (uint32_t i = 0; i < n; i++) {
        task_def_read(&c->defs[i], p, params_object(p, "task_definitions", i));
        int rc = agent_def_read(&c->defs[i], p, e);
        if (rc != ECS_OK) return rc;
        c->n_defs = i + 1;
    }
    return ECS_OK;
}

int cluster_build(cluster *c, const params *p, sim *s, const cluster_cfg *cfg, ecs_err *e)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    int rc = netmode_validate(p, e);
    if (rc != ECS_OK) return rc;
    rc = hosts_build(p, &c->cat, &c->hosts, &c->n_hosts, e);
    if (rc != ECS_OK) return rc;
    c->cap_hosts = c->n_hosts ? c->n_hosts : 1;
    host_env_read(&c->henv, p);
    rc = spot_init(c, p, e); /* before the groups launch their t=0 instances */
    if (rc == ECS_OK) rc = asg_init(c, p, e);
    if (rc == ECS_OK) rc = read_defs(c, p, e);
    if (rc != ECS_OK) {
        cluster_fini(c);
        return rc;
    }

    c->n_lbs = (uint32_t) params_count(p, "load_balancers");
    c->lbs = xcalloc(c->n_lbs ? c->n_lbs : 1, sizeof *c->lbs);
    probe_env_init(&c->cenv.probes, s, &c->tenv);
    lb_env_init(&c->cenv.lbe, s, &c->tasks, &c->tenv, &c->cenv.probes, &c->rec, c->lbs);
    c->cenv.lbe.name = lb_task_name;
    c->cenv.lbe.name_ctx = c;
    c->cenv.lbe.changed = on_target_change;
    c->cenv.lbe.changed_ctx = c;
    for (uint32_t i = 0; i < c->n_lbs && rc == ECS_OK; i++) {
        lb *b;
        rc = lb_new(&b, p, params_object(p, "load_balancers", i), &c->cenv.lbe, e);
    }
    if (rc != ECS_OK) {
        cluster_fini(c);
        return rc;
    }

    c->n_services = (uint32_t) params_count(p, "services");
    c->services = xcalloc(c->n_services ? c->n_services : 1, sizeof *c->services);
    for (uint32_t i = 0; i < c->n_services; i++)
        service_read(&c->services[i], p, params_object(p, "services", i), (uint16_t) i, c->defs,
                     c->n_defs);
    rc = capprov_init(c, p, e);
    if (rc != ECS_OK) {
        cluster_fini(c);
        return rc;
    }

    c->n_workloads = (uint32_t) params_count(p, "workloads");
    c->workloads = xcalloc(c->n_workloads ? c->n_workloads : 1, sizeof *c->workloads);
    for (uint32_t i = 0; i < c->n_workloads; i++) {
        rc = workload_read(&c->workloads[i], p, params_object(p, "workloads", i), s,
                           cfg->week_offset_s, e);
        if (rc != ECS_OK) {
            c->n_workloads = i + 1; /* workload_fini copes with a half-read one */
            cluster_fini(c);
            return rc;
        }
    }
    rc = read_classes(c, p, e);
    if (rc != ECS_OK) {
        cluster_fini(c);
        return rc;
    }

    rc = wire(c, p, e);
    if (rc != ECS_OK) {
        cluster_fini(c);
        return rc;
    }

    const char **names = xmalloc((c->n_services ? c->n_services : 1) * sizeof *names);
    for (uint32_t i = 0; i < c->n_services; i++) names[i] = c->services[i].name;
    recorder_init(&c->rec, s, names, c->n_services, cfg->warmup_s, cfg->sample_interval_s);
    free(names);
    for (uint32_t i = 0; i < c->n_services; i++)
        c->rec.svc[i].desired_tasks = c->services[i].desired;
    c->rec.hosts = c->n_hosts;

    if (c->n_classes) {
        const char **cnames = xmalloc(c->n_classes * sizeof *cnames);
        for (uint32_t i = 0; i < c->n_classes; i++) cnames[i] = c->classes[i].name;
        recorder_set_classes(&c->rec, cnames, c->n_classes);
        free(cnames);
    }

    request_pool_init(&c->pool);
    task_env_init(&c->tenv, s, &c->pool, &c->rec, &c->tasks, NULL, NULL);
    agent_init(c);
    for (uint32_t i = 0; i < c->n_defs; i++)
        if (c->defs[i].cpu_share) c->tenv.cpu_changed = hostcpu_task_changed;
    c->rec.idle_fn = quiesce;
    c->rec.idle_ctx = c;
    c->sched.ties = xcalloc(c->n_services ? c->n_services : 1, sizeof *c->sched.ties);
    c->sched.replacing = xcalloc(c->n_services ? c->n_services : 1, sizeof *c->sched.replacing);
    for (uint32_t i = 0; i < c->n_services; i++) {
        char stream[160];
        snprintf(stream, sizeof stream, "placement:%s", c->services[i].name);
        c->sched.ties[i] = sim_rng(s, stream);
    }
    rc = scheduler_init(c, p, e);
    if (rc == ECS_OK) rc = failure_init(c, p, e);
    if (rc == ECS_OK) rc = cw_init(&c->cw, c, p, e);
    if (rc == ECS_OK) rc = autoscale_init(&c->as, c, p, e);
    /* before costreport's: the pending counts are fresh when a row is written */
    if (rc == ECS_OK) recorder_listen_rows(&c->rec, autoscale_rows, c);
    if (rc == ECS_OK) rc = hpa_init(&c->hpa, c, p, e);
    if (rc == ECS_OK) rc = costreport_init(c, p, e);
    if (rc == ECS_OK) rc = fargate_init(c, p, e);
    if (rc == ECS_OK) rc = cpstrategy_init(c, p, e);
    c->rec.slo_p99_s = params_real(p, "slo.p99_latency_s");
    if (rc != ECS_OK) {
        cluster_fini(c);
        return rc;
    }
    c->clients = xcalloc(c->n_workloads ? c->n_workloads : 1, sizeof *c->clients);
    for (uint32_t i = 0; i < c->n_workloads; i++) {
        client *cl = &c->clients[i];
        char stream[160];
        client_cfg_read(&cl->cfg, p, c->workloads[i].name);
        cl->lb = c->workloads[i].lb;
        cl->tokens = cl->cfg.budget_burst;
        snprintf(stream, sizeof stream, "jitter:%s", c->workloads[i].name);
        cl->jitter_rng = sim_rng(s, stream);
    }
    client_env_init(&c->cenv, s, &c->tenv, c->lbs, c->clients, workload_request_done, &c->wenv);
    c->wenv.cenv = &c->cenv;
    c->wenv.tenv = &c->tenv;
    c->wenv.w = c->workloads;
    c->wenv.n = c->n_workloads;
    c->wenv.classes = c->classes;
    c->wenv.n_classes = c->n_classes;
    c->wenv.stop_s = cfg->stop_s;
    c->wenv.max_requests = cfg->max_requests;
    workload_bind_classes(&c->wenv);
    return ECS_OK;
}

void cluster_task_name(const cluster *c, const task *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%u", c->services[t->service].name, t->seq);
}

/* Arrivals have ended and nothing is in flight: the run ends when its
 * event queue empties, so the cluster's own timers stop here. */
static void quiesce(void *ctx)
{
    cluster *c = ctx;
    if (c->quiet) return;
    c->quiet = true;
    lb_env_quiesce(&c->cenv.lbe);
    scheduler_quiesce(c);
    failure_quiesce(c);
    agent_quiesce(c);
    asg_quiesce(c);
    capprov_quiesce(c);
    spot_quiesce(c);
    cw_quiesce(&c->cw);
    asched_quiesce(&c->as);
    hpa_quiesce(&c->hpa);
}

uint32_t cluster_add_host(cluster *c)
{
    if (c->n_hosts == c->cap_hosts) {
        uint32_t cap = c->cap_hosts ? 2 * c->cap_hosts : 16;
        c->hosts = xrealloc(c->hosts, cap * sizeof *c->hosts);
        if (c->host_fail_ev) {
            c->host_fail_ev = xrealloc(c->host_fail_ev, cap * sizeof *c->host_fail_ev);
            memset(c->host_fail_ev + c->cap_hosts, 0,
                   (cap - c->cap_hosts) * sizeof *c->host_fail_ev);
        }
        c->cap_hosts = cap;
    }
    memset(&c->hosts[c->n_hosts], 0, sizeof *c->hosts);
    return c->n_hosts++;
}

task *cluster_new_task(cluster *c, service *sv, uint32_t host_id)
{
    if (c->n_tasks == c->cap_tasks) {
        c->cap_tasks = c->cap_tasks ? 2 * c->cap_tasks : 64;
        c->tasks = xrealloc(c->tasks, c->cap_tasks * sizeof *c->tasks);
    }
    task *t = &c->tasks[c->n_tasks];
    task_init(t, c->n_tasks, sv->def, sv->id, host_id);
    t->seq = ++sv->created;
    t->state_since_s = sim_now(c->s);
    c->n_tasks++;
    return t;
}

void cluster_start(cluster *c)
{
    scheduler_start(c);
    failure_start(c);
    capprov_start(c);
    spot_start(c);
    asched_start(&c->as);
    hpa_start(&c->hpa);
    cw_start(&c->cw);
    workload_start(&c->wenv, c->s);
}

void cluster_fini(cluster *c)
{
    for (uint32_t i = 0; i < c->n_tasks; i++) task_fini(&c->tasks[i]);
    free(c->tasks);
    for (uint32_t i = 0; i < c->n_lbs; i++) lb_free(c->lbs[i]);
    free(c->lbs);
    free(c->services);
    for (uint32_t i = 0; i < c->n_defs; i++) agent_def_fini(&c->defs[i]);
    free(c->defs);
    free(c->deploys);
    free(c->failures);
    free(c->crash_rate_per_s);
    free(c->host_fail_ev);
    free(c->cpu_scratch);
    free(c->sched.ties);
    free(c->sched.replacing);
    for (uint32_t i = 0; i < c->n_workloads; i++) workload_fini(&c->workloads[i]);
    free(c->workloads);
    for (uint32_t i = 0; i < c->n_classes; i++) reqclass_fini(&c->classes[i]);
    free(c->classes);
    free(c->clients);
    free(c->wenv.user_workload);
    capprov_fini(c);
    cpstrategy_fini(c);
    fargate_fini(c);
    spot_fini(c);
    costreport_fini(c);
    asg_fini(c);
    hpa_fini(&c->hpa);
    autoscale_fini(&c->as);
    cw_fini(&c->cw);
    free(c->hosts);
    catalogue_free(c->cat);
    if (c->rec.svc) recorder_fini(&c->rec);
    request_pool_fini(&c->pool);
    memset(c, 0, sizeof *c);
}

static int check_hosts(const cluster *c, char *why, size_t len)
{
    for (uint32_t h = 0; h < c->n_hosts; h++) {
        int64_t cpu = 0, mem = 0;
        for (uint32_t i = 0; i < c->n_tasks; i++) {
            if (c->tasks[i].host != h || c->tasks[i].state == TASK_STOPPED) continue;
            cpu += c->tasks[i].def->cpu_units;
            mem += c->tasks[i].def->memory_mib;
        }
        const host *hs = &c->hosts[h];
        if (cpu > hs->cpu_units || mem > hs->memory_mib ||
            cpu != hs->cpu_units - hs->cpu_free_units ||
            mem != hs->memory_mib - hs->memory_free_mib) {
            snprintf(why, len,
                     "host %u: tasks reserve %lld CPU units and %lld MiB of %lld and %lld "
                     "(free %lld, %lld)",
                     h, (long long) cpu, (long long) mem, (long long) hs->cpu_units,
                     (long long) hs->memory_mib, (long long) hs->cpu_free_units,
                     (long long) hs->memory_free_mib);
            return -1;
        }
    }
    return 0;
}

static double speed_of(const task *t)
{
    return t->speed;
}

static int check_tasks(const cluster *c, char *why, size_t len)
{
    uint64_t *held = xcalloc(c->n_services ? c->n_services : 1, sizeof *held);
    double *used = xcalloc(c->n_services ? c->n_services : 1, sizeof *used);
    uint64_t total = 0;
    int rc = 0;
    for (uint32_t i = 0; i < c->n_tasks && rc == 0; i++) {
        const task *t = &c->tasks[i];
        uint32_t busy = 0, queued = 0;
        for (uint32_t k = 0; k < t->def->workers; k++) busy += t->slots[k] != REQUEST_NONE;
        for (uint32_t r = t->q_head; r != REQUEST_NONE; r = c->pool.r[r].next) queued++;
        if (busy != t->busy || busy + t->n_free != t->def->workers || queued != t->queued ||
            (t->def->queue_limit >= 0 && queued > t->def->queue_limit) ||
            (t->queued > 0 && t->n_free > 0)) {
            snprintf(why, len,
                     "task %u: busy %u (slots say %u), free %u of %u workers, queued %u "
                     "(list holds %u)",
                     i, t->busy, busy, t->n_free, t->def->workers, t->queued, queued);
            rc = -1;
        }
        held[t->service] += busy + queued;
        used[t->service] += t->counted ? t->busy * speed_of(t) : 0;
        total += busy + queued;
    }
    for (uint32_t s = 0; s < c->n_services && rc == 0; s++) {
        const svc_meter *m = &c->rec.svc[s];
        if (m->n_in != m->n_out + m->in_flight) {
            snprintf(why, len, "service %s: %llu attempts in but %llu out and %llu in flight",
                     c->services[s].name, (unsigned long long) m->n_in,
                     (unsigned long long) m->n_out, (unsigned long long) m->in_flight);
            rc = -1;
        } else if (fabs(used[s] - m->used_vcpu.value) > 1e-6 * (1 + used[s])) {
            snprintf(why, len, "service %s: recorder counts %.9g vCPU in use, its tasks use %.9g",
                     c->services[s].name, m->used_vcpu.value, used[s]);
            rc = -1;
        } else if (held[s] != m->in_flight) {
            snprintf(why, len, "service %s: %llu requests in flight but its tasks hold %llu",
                     c->services[s].name, (unsigned long long) c->rec.svc[s].in_flight,
                     (unsigned long long) held[s]);
            rc = -1;
        }
    }
    if (rc == 0 && total + c->cenv.backing_off != c->pool.live) {
        snprintf(why, len,
                 "request pool holds %u live requests but tasks hold %llu and %llu retries "
                 "are backing off",
                 c->pool.live, (unsigned long long) total,
                 (unsigned long long) c->cenv.backing_off);
        rc = -1;
    }
    free(held);
    free(used);
    return rc;
}

int cluster_check(void *ctx, const sim *s, char *why, size_t why_len)
{
    (void) s;
    const cluster *c = ctx;
    if (check_hosts(c, why, why_len) != 0) return -1;
    return check_tasks(c, why, why_len);
}

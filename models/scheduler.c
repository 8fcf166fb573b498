/* scheduler.c -- scheduling passes, deployments, the start throttle and the
 * circuit breaker. A pass scans the service's tasks (hundreds at most), so
 * plain loops are the right cost; passes happen on changes, not per
 * request. */
#include "scheduler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "models/cpstrategy.h"
#include "models/fargate.h"
#include "sim/engine/xmalloc.h"

const param_def scheduler_params[] = {
    {"cluster.scheduler_interval_s", PT_REAL, "s", 0.001, 3600, "15", NULL, 0, NULL,
     "How soon the service scheduler tries again to place tasks that fit nowhere (modelling "
     "assumption: ECS does not document its pass interval)."},
    {"cluster.start_throttle_initial_s", PT_REAL, "s", 0, 900, "10", NULL, 0, NULL,
     "The wait before restarting after the second task in a row fails to start; it doubles "
     "with each further failure (modelling assumption: ECS documents only the cap)."},
    {"cluster.start_throttle_max_s", PT_REAL, "s", 0, 86400, "900", NULL, 0, NULL,
     "The start throttle's cap: 15 minutes (service-throttle-logic.html; fixed in AWS)."},
    {"deployments.*.service", PT_REF, "", 0, 0, NULL, "services", PF_REQUIRED, NULL,
     "The service a deployment rolls out to."},
    {"deployments.*.task_definition", PT_REF, "", 0, 0, NULL, "task_definitions", PF_REQUIRED, NULL,
     "The new task definition revision the service moves to."},
    {"deployments.*.at_s", PT_REAL, "s", 0, 1e9, NULL, NULL, PF_REQUIRED, NULL,
     "When the deployment starts (UpdateService with the new revision)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static void on_pass(void *ctx, sim *s, const ev *e);
static void on_deploy(void *ctx, sim *s, const ev *e);

int scheduler_init(cluster *c, const params *p, ecs_err *e)
{
    c->sched.interval_s = params_real(p, "cluster.scheduler_interval_s");
    c->sched.throttle_initial_s = params_real(p, "cluster.start_throttle_initial_s");
    c->sched.throttle_max_s = params_real(p, "cluster.start_throttle_max_s");
    c->kind_pass = sim_kind(c->s, "scheduler.pass", on_pass, c);
    c->kind_deploy = sim_kind(c->s, "scheduler.deploy", on_deploy, c);
    uint32_t n = (uint32_t) params_count(p, "deployments");
    c->deploys = xcalloc(n ? n : 1, sizeof *c->deploys);
    c->n_deploys = n;
    for (uint32_t i = 0; i < n; i++) {
        const char *name = params_object(p, "deployments", i);
        deployment *d = &c->deploys[i];
        d->name = name;
        d->at_s = params_real(p, "deployments.%s.at_s", name);
        const char *svc = params_str(p, "deployments.%s.service", name);
        const char *def = params_str(p, "deployments.%s.task_definition", name);
        for (uint32_t k = 0; k < c->n_services; k++)
            if (strcmp(c->services[k].name, svc) == 0) d->service = k;
        for (uint32_t k = 0; k < c->n_defs; k++)
            if (strcmp(c->defs[k].name, def) == 0) d->def = &c->defs[k];
    }
    (void) e;
    return ECS_OK;
}

void scheduler_wake(cluster *c, service *sv)
{
    double now = sim_now(c->s);
    if (c->sched.starting || c->quiet) return;
    if (sv->pass_ev && sv->pass_at_s <= now) return;
    if (sv->pass_ev) sim_cancel(c->s, sv->pass_ev);
    sv->pass_ev = sim_at(c->s, now, c->kind_pass, sv->id);
    sv->pass_at_s = now;
}

static void wake_at(cluster *c, service *sv, double t_s)
{
    if (c->quiet || (sv->pass_ev && sv->pass_at_s <= t_s)) return;
    if (sv->pass_ev) sim_cancel(c->s, sv->pass_ev);
    sv->pass_ev = sim_at(c->s, t_s, c->kind_pass, sv->id);
    sv->pass_at_s = t_s;
}

/* Live tasks of sv per host (for spread and for the scale-in balance). */
static void count_per_host(const cluster *c, const service *sv, uint32_t *per_host)
{
    memset(per_host, 0, c->n_hosts * sizeof *per_host);
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->service == sv->id && t->state != TASK_STOPPED && !t->stopping) per_host[t->host]++;
    }
}

/* per_host sized for the hosts there are now (a Fargate task's start adds
 * its own capacity record to the host array) and counted afresh. */
static uint32_t *per_host_fresh(const cluster *c, const service *sv, uint32_t *per_host)
{
    per_host = xrealloc(per_host, (c->n_hosts ? c->n_hosts : 1) * sizeof *per_host);
    count_per_host(c, sv, per_host);
    return per_host;
}

/* Places and launches one task of sv's primary deployment, on the group of
 * its k-th capacity provider (k -1: any host). Returns false with `why`
 * (ECS's reason) when no host fits. A service on Fargate gets a new
 * capacity record from the provider its strategy names next (fargate.h,
 * cpstrategy.h); per_host does not count those. */
static bool start_one(cluster *c, service *sv, uint32_t *per_host, int k, bool at_once, char *why,
                      size_t why_len)
{
    placement_need need;
    placement_need_init(&need, sv->def, &sv->constraints);
    bool fargate = cpstrategy_fargate(c, sv->id) != NULL;
    int32_t pool = k >= 0 ? capprov_pool_of(c, sv, (uint32_t) k) : -1;
    int h = fargate ? (int) fargate_place(c, sv, cpstrategy_next_kind(c, sv) == CPS_FARGATE_SPOT)
                    : placement_choose_in(&sv->placement, &need, c->hosts, c->n_hosts, pool,
                                          per_host, c->sched.ties[sv->id], why, why_len);
    if (h < 0) return false;
    host *hs = &c->hosts[h];
    placement_take(hs, &need);
    if (!fargate) per_host[h]++;
    task *t = cluster_new_task(c, sv, (uint32_t) h);
    t->deployment = sv->deployment;
    t->cp = (int8_t) k;
    sv->placed++;
    char name[128], hname[96], waited[64] = "";
    cluster_task_name(c, t, name, sizeof name);
    host_name(hs, hname, sizeof hname);
    double wait_s = k >= 0 ? capprov_placed(c, sv, (uint32_t) k) : NAN;
    if (!isnan(wait_s)) snprintf(waited, sizeof waited, "; after %.1f s in PROVISIONING", wait_s);
    recorder_event(&c->rec, sim_now(c->s), "task_placed", name,
                   "on %s (%s, %s); %lld CPU units, %lld MiB; task definition %s%s", hname,
                   hs->type->name, hs->zone, (long long) sv->def->cpu_units,
                   (long long) sv->def->memory_mib, sv->def->name, waited);
    sv->unplaced_why[0] = '\0';
    if (fargate)
        fargate_launch(c, t, at_once);
    else
        agent_launch(c, t, at_once);
    return true;
}

static void say_unplaced(cluster *c, service *sv, const char *why)
{
    if (strcmp(sv->unplaced_why, why) == 0) return; /* said already; the count is in the summary */
    snprintf(sv->unplaced_why, sizeof sv->unplaced_why, "%s", why);
    recorder_event(&c->rec, sim_now(c->s), "task_unplaced", sv->name,
                   "service %s was unable to place a task because no container instance met all "
                   "of its requirements. %s",
                   sv->name, why);
}

/* A task the primary deployment must replace: an older revision's, or one
 * on a container instance that is DRAINING (container-instance-draining.html:
 * its tasks are replaced within minimumHealthyPercent and maximumPercent). */
static bool is_old(const cluster *c, const service *sv, const task *t)
{
    return t->deployment != sv->deployment || c->hosts[t->host].state == HOST_DRAINING;
}

/* Starts up to n_start of the `want` tasks sv lacks, in order, and returns
 * how many started. Without a capacity provider it stops at the first that
 * fits nowhere (*failed, with `why`). With providers each task is first
 * given its provider: the strategy's rule (cpstrategy.h) over the providers
 * of the tasks the service keeps and of those given one before it in this
 * pass. One that fits nowhere on its provider's group waits in PROVISIONING
 * for that provider, and so do the later ones given the same provider and,
 * once one waits, those beyond maximumPercent's room; the other providers
 * go on placing theirs. */
static uint32_t start_wanted(cluster *c, service *sv, uint32_t *per_host, uint32_t want,
                             uint32_t n_start, bool at_once, bool *failed, char *why,
                             size_t why_len)
{
    uint32_t n_cps = capprov_n_providers(c, sv);
    const cps_strategy *st = cpstrategy_asg(c, sv->id);
    uint32_t counts[CPS_MAX_ITEMS] = {0}, waiting[CP_MAX_PER_SERVICE] = {0};
    bool full[CP_MAX_PER_SERVICE] = {false};
    char whys[CP_MAX_PER_SERVICE][256];
    for (uint32_t i = 0; st && i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->service != sv->id || t->state == TASK_STOPPED || t->stopping || t->cp < 0) continue;
        if (!is_old(c, sv, t)) counts[t->cp]++;
    }
    uint32_t started = 0;
    *failed = false;
    for (uint32_t k = 0; k < (n_cps ? want : n_start); k++) {
        if (k >= n_start && !*failed) break;
        int item = -1;
        if (n_cps) {
            item = st ? (int) cpstrategy_next(st, counts) : 0;
            counts[item]++;
        }
        if (item >= 0 && (k >= n_start || full[item])) {
            waiting[item]++;
            continue;
        }
        if (!start_one(c, sv, per_host, item, at_once, why, why_len)) {
            *failed = true;
            if (item < 0) break;
            full[item] = true;
            waiting[item]++;
            snprintf(whys[item], sizeof whys[item], "%s", why);
            continue;
        }
        started++;
        if (c->sched.replacing[sv->id] > 0) {
            c->sched.replacing[sv->id]--;
            sv->replaced++;
        }
    }
    char room[128];
    snprintf(room, sizeof room, "no room under maximumPercent (%d%%) to start it yet", sv->max_pct);
    for (uint32_t k = 0; k < n_cps; k++)
        capprov_set_waiting(c, sv, k, waiting[k], full[k] ? whys[k] : n_cps > 1 ? room : why);
    return started;
}

/* How much the scale-in rule wants to stop t (higher first): ECS stops in
 * the zone with the most of the service's tasks, then on the instance with
 * the most (ecs_services.html); with binpack first in the chain, on the
 * instance left with the most free resource (task-placement-strategies.html). */
static int64_t stop_rank(const cluster *c, const service *sv, const task *t,
                         const uint32_t *per_host)
{
    const host *h = &c->hosts[t->host];
    if (sv->placement.n > 0 && sv->placement.rules[0] == PLACE_BINPACK_CPU)
        return h->cpu_free_units;
    if (sv->placement.n > 0 && sv->placement.rules[0] == PLACE_BINPACK_MEMORY)
        return h->memory_free_mib;
    int64_t zone = 0;
    for (uint32_t k = 0; k < c->n_hosts; k++)
        if (strcmp(c->hosts[k].zone, h->zone) == 0) zone += per_host[k];
    return zone * 100000 + per_host[t->host];
}

/* The next task to stop among sv's live tasks that `pick` accepts:
 * unhealthy ones first, then by stop_rank, ties by the service's stream. */
static int64_t choose_stop(cluster *c, service *sv, const uint32_t *per_host, bool old_only,
                           bool *healthy)
{
    int64_t best = -1, best_rank = -1;
    int best_healthy = 2;
    uint32_t ties = 0;
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->service != sv->id || t->state == TASK_STOPPED || t->stopping) continue;
        if (old_only && !is_old(c, sv, t)) continue;
        int64_t rank = stop_rank(c, sv, t, per_host);
        if (t->healthy < best_healthy || (t->healthy == best_healthy && rank > best_rank)) {
            best = i;
            best_rank = rank;
            best_healthy = t->healthy;
            ties = 1;
        } else if (t->healthy == best_healthy && rank == best_rank) {
            /* reservoir choice among equals keeps the pick a function of the seed */
            if (gsl_rng_uniform_int(c->sched.ties[sv->id], ++ties) == 0) best = i;
        }
    }
    *healthy = best_healthy == 1;
    return best;
}

static void breaker_count(cluster *c, service *sv, const task *t);

/* Stops the RUNNING tasks whose target is unhealthy once the grace period
 * is over (healthCheckGracePeriodSeconds, service_definition_parameters.html):
 * ECS replaces a task that fails its load balancer health checks. */
static void stop_unhealthy(cluster *c, service *sv)
{
    double now = sim_now(c->s);
    const lb *b = c->lbs[sv->lb];
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        task *t = &c->tasks[i];
        if (t->service != sv->id || t->state != TASK_RUNNING || t->stopping) continue;
        bool lb_bad = lb_target_state(b, t->id) == LB_UNHEALTHY, container_bad = t->container == 2;
        if (!lb_bad && !container_bad) continue;
        if (now < t->running_since_s + sv->grace_s) continue;
        char reason[192];
        if (lb_bad)
            snprintf(reason, sizeof reason,
                     "Task failed ELB health checks in (target-group %s of load balancer %s)",
                     sv->name, lb_name(b));
        else
            snprintf(reason, sizeof reason, "Task failed container health checks");
        breaker_count(c, sv, t);
        c->sched.replacing[sv->id]++;
        agent_stop(c, t, AGENT_STOP_UNHEALTHY, reason);
    }
}

static void pass(cluster *c, service *sv)
{
    double now = sim_now(c->s);
    stop_unhealthy(c, sv);
    uint32_t live_new = 0, live_old = 0, healthy = 0, healthy_new = 0, nonstopped = 0;
    uint32_t settling = 0; /* tasks on their way up or down */
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->service != sv->id || t->state == TASK_STOPPED) continue;
        nonstopped++;
        if (t->stopping || !t->healthy) settling++;
        if (t->stopping) continue;
        if (!is_old(c, sv, t)) {
            live_new++;
            healthy_new += t->healthy;
        } else {
            live_old++;
        }
        healthy += t->healthy;
    }
    uint32_t *per_host = xmalloc((c->n_hosts ? c->n_hosts : 1) * sizeof *per_host);
    count_per_host(c, sv, per_host);
    bool changed = false;

    /* 1. start the primary deployment's tasks, within maximumPercent */
    uint32_t want = sv->halted || sv->desired <= live_new ? 0 : sv->desired - live_new;
    uint32_t max_total = service_max_tasks(sv);
    uint32_t room = max_total > nonstopped ? max_total - nonstopped : 0;
    uint32_t n_start = want < room ? want : room;
    uint32_t unplaced = 0;
    bool throttled = false, with_cp = capprov_n_providers(c, sv) > 0, failed = false;
    char why[256] = "";
    if (n_start > 0 && now < sv->throttle_until_s) {
        wake_at(c, sv, sv->throttle_until_s);
        n_start = 0;
        throttled = true;
    }
    /* with a capacity provider the wanted tasks that fit nowhere wait in
     * PROVISIONING (start_wanted says so; a throttled pass leaves them) */
    uint32_t started =
        throttled ? 0
                  : start_wanted(c, sv, per_host, want, n_start, false, &failed, why, sizeof why);
    if (failed) {
        if (!with_cp) {
            unplaced = n_start - started;
            say_unplaced(c, sv, why);
        }
        wake_at(c, sv, now + c->sched.interval_s);
    }
    live_new += started;
    nonstopped += started;
    settling += started;
    changed = started > 0;
    sv->unplaced = unplaced;
    per_host = per_host_fresh(c, sv, per_host); /* Fargate starts may have added hosts */
    c->rec.svc[sv->id].unplaced_tasks = unplaced;

    /* 2. stop old tasks and any beyond the desired count, keeping
     * minimumHealthyPercent; unhealthy ones may always go */
    uint32_t min_healthy = service_min_healthy(sv);
    int64_t can_stop = (int64_t) healthy - (int64_t) min_healthy;
    for (;;) {
        bool excess = live_new + live_old > sv->desired;
        if (live_old == 0 && !excess) break;
        bool is_healthy;
        int64_t i = choose_stop(c, sv, per_host, live_old > 0, &is_healthy);
        if (i < 0 || (is_healthy && can_stop <= 0)) break;
        task *t = &c->tasks[i];
        bool old = is_old(c, sv, t);
        if (!old)
            live_new--;
        else
            live_old--;
        if (is_healthy) can_stop--;
        per_host[t->host]--;
        agent_stop(c, t, AGENT_STOP_ASKED,
                   !old                                       ? "scaling in to the desired count"
                   : c->hosts[t->host].state == HOST_DRAINING ? "its container instance is DRAINING"
                                                              : "replaced by the new deployment");
        changed = true;
    }
    free(per_host);

    /* 3. the deployment's end, a stuck deployment, the steady state */
    if (sv->deploying && live_old == 0 && healthy_new >= sv->desired) {
        bool old_left = false;
        for (uint32_t i = 0; i < c->n_tasks; i++)
            if (c->tasks[i].service == sv->id && c->tasks[i].state != TASK_STOPPED &&
                c->tasks[i].deployment != sv->deployment)
                old_left = true;
        if (!old_left) {
            sv->deploying = false;
            sv->stable = sv->def;
            sv->stable_deployment = sv->deployment;
            sv->deployments_done++;
            recorder_event(&c->rec, now, "deployment_completed", sv->name,
                           "service %s: deployment %u to %s completed", sv->name, sv->deployment,
                           sv->def->name);
        }
    }
    if (sv->deploying && !changed && settling == 0 && unplaced == 0 &&
        now >= sv->throttle_until_s && !sv->stuck_said) {
        sv->stuck_said = true;
        recorder_event(&c->rec, now, "deployment_stuck", sv->name,
                       "service %s: the deployment can neither start nor stop a task "
                       "(minimumHealthyPercent %d, maximumPercent %d, desired %u)",
                       sv->name, sv->min_healthy_pct, sv->max_pct, sv->desired);
    }
    bool steady = !sv->deploying && settling == 0 && unplaced == 0 && live_old == 0 &&
                  live_new == sv->desired && nonstopped == sv->desired;
    if (steady && !sv->steady)
        recorder_event(&c->rec, now, "service_steady", sv->name,
                       "service %s has reached a steady state.", sv->name);
    sv->steady = steady;
}

static void on_pass(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    service *sv = &c->services[e->target];
    sv->pass_ev = 0;
    pass(c, sv);
}

void scheduler_start(cluster *c)
{
    c->sched.starting = true;
    uint32_t *per_host = xmalloc((c->n_hosts ? c->n_hosts : 1) * sizeof *per_host);
    for (uint32_t i = 0; i < c->n_services; i++) {
        service *sv = &c->services[i];
        per_host = per_host_fresh(c, sv, per_host);
        char why[256] = "";
        bool failed = false;
        /* with a capacity provider those that fit nowhere wait in PROVISIONING */
        uint32_t k =
            start_wanted(c, sv, per_host, sv->desired, sv->desired, true, &failed, why, sizeof why);
        bool with_cp = capprov_n_providers(c, sv) > 0;
        if (failed && !with_cp) say_unplaced(c, sv, why);
        sv->unplaced = with_cp ? 0 : sv->desired - k;
        c->rec.svc[i].unplaced_tasks = sv->unplaced;
        if (sv->unplaced == 0 && c->waits[i].n == 0) {
            sv->steady = true;
            recorder_event(&c->rec, 0, "service_steady", sv->name,
                           "service %s has reached a steady state.", sv->name);
        }
    }
    free(per_host);
    c->sched.starting = false;
    for (uint32_t i = 0; i < c->n_services; i++)
        if (c->services[i].unplaced || c->waits[i].n)
            wake_at(c, &c->services[i], c->sched.interval_s);
    for (uint32_t i = 0; i < c->n_deploys; i++)
        c->deploys[i].ev = sim_at(c->s, c->deploys[i].at_s, c->kind_deploy, i);
}

/* A rollback makes the stable deployment primary again: its tasks still
 * running are its own, so they stay. */
static void begin_deployment(cluster *c, service *sv, const task_def *def, const char *why,
                             bool rollback)
{
    sv->def = def;
    sv->deployment = rollback ? sv->stable_deployment : ++sv->n_deployments;
    sv->deploying = true;
    sv->halted = false;
    sv->breaker_failures = 0;
    /* a new revision (or the rollback) starts without the old one's throttle
     * (modelling assumption: AWS documents none) */
    sv->start_failures = 0;
    sv->throttle_until_s = 0;
    sv->stuck_said = false;
    recorder_event(&c->rec, sim_now(c->s), "deployment_started", sv->name,
                   "service %s: deployment %u to %s (%s; minimumHealthyPercent %d, "
                   "maximumPercent %d)",
                   sv->name, sv->deployment, def->name, why, sv->min_healthy_pct, sv->max_pct);
    scheduler_wake(c, sv);
}

static void on_deploy(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    deployment *d = &c->deploys[e->target];
    d->ev = 0;
    begin_deployment(c, &c->services[d->service], d->def, d->name, false);
}

/* One more failed task of the primary deployment for the circuit breaker. */
static void breaker_count(cluster *c, service *sv, const task *t)
{
    if (!sv->deploying || t->deployment != sv->deployment) return;
    sv->breaker_failures++;
    uint32_t threshold = service_breaker_threshold(sv);
    if (!sv->breaker || sv->breaker_failures < threshold) return;
    sv->deployments_failed++;
    bool back = sv->rollback && sv->stable != sv->def;
    recorder_event(&c->rec, sim_now(c->s), "deployment_failed", sv->name,
                   "service %s: deployment %u to %s failed: the circuit breaker counted %u failed "
                   "tasks (threshold %u)%s",
                   sv->name, sv->deployment, sv->def->name, sv->breaker_failures, threshold,
                   back ? "; rolling back" : "");
    if (back) {
        begin_deployment(c, sv, sv->stable, "rollback", true);
    } else {
        sv->deploying = false;
        sv->halted = true;
    }
}

void scheduler_task_stopped(cluster *c, task *t, agent_stop_cause cause)
{
    service *sv = &c->services[t->service];
    double now = sim_now(c->s);
    asg_task_released(c, t->host);
    fargate_task_released(c, t->host);
    if (cause == AGENT_STOP_FAILED_START) {
        sv->start_failures++;
        if (sv->start_failures >= 2) {
            double delay = c->sched.throttle_initial_s * ldexp(1.0, (int) sv->start_failures - 2);
            if (delay > c->sched.throttle_max_s) delay = c->sched.throttle_max_s;
            sv->throttle_until_s = now + delay;
            recorder_event(&c->rec, now, "service_throttled", sv->name,
                           "(service %s) is unable to consistently start tasks successfully; "
                           "%u failed in a row, next start in %.0f s",
                           sv->name, sv->start_failures, delay);
        }
        breaker_count(c, sv, t);
    }
    if (cause != AGENT_STOP_ASKED) c->sched.replacing[sv->id]++;
    scheduler_wake(c, sv);
}

void scheduler_task_healthy(cluster *c, task *t)
{
    service *sv = &c->services[t->service];
    sv->start_failures = 0;
    scheduler_wake(c, sv);
}

void scheduler_task_unhealthy(cluster *c, task *t)
{
    service *sv = &c->services[t->service];
    double grace_end = t->running_since_s + sv->grace_s;
    if (sim_now(c->s) < grace_end)
        wake_at(c, sv, grace_end);
    else
        scheduler_wake(c, sv);
}

void scheduler_quiesce(cluster *c)
{
    for (uint32_t i = 0; i < c->n_services; i++) {
        service *sv = &c->services[i];
        if (sv->pass_ev) sim_cancel(c->s, sv->pass_ev);
        sv->pass_ev = 0;
    }
    for (uint32_t i = 0; i < c->n_deploys; i++) {
        if (c->deploys[i].ev) sim_cancel(c->s, c->deploys[i].ev);
        c->deploys[i].ev = 0;
    }
}

/* agent.c -- the task lifecycle: one timer event per task for the state it
 * is in, and the bookkeeping when a task ends (its target, its host's
 * resources, the recorder, the scheduler). */
#include "agent.h"

#include <stdio.h>

#include "models/cluster.h"
#include "models/demand.h"
#include "models/failure.h"
#include "models/scheduler.h"

const param_def agent_params[] = {
    DEMAND_PARAMS("task_definitions.*.image_pull",
                  "the time a task spends PENDING, pulling its "
                  "image (modelling assumption: a lognormal of mean 10 s)",
                  "lognormal", "10"),
    DEMAND_PARAMS("task_definitions.*.container_start",
                  "the time a task spends ACTIVATING: "
                  "container start and target registration (modelling assumption: 3 s)",
                  "lognormal", "3"),
    {"task_definitions.*.stop_timeout_s", PT_REAL, "s", 0, 120, "30", NULL, 0, NULL,
     "stopTimeout: after SIGTERM the task's requests in flight may finish for this long, then "
     "SIGKILL (ECS's default on EC2 is 30 s, at most 120 s)."},
    {"task_definitions.*.health_check.enabled", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "A container health check (healthCheck in the task definition): a command run through "
     "the task's queue and CPU every interval; `retries` failures in a row make the task "
     "UNHEALTHY and the service scheduler replaces it."},
    {"task_definitions.*.health_check.interval_s", PT_REAL, "s", 5, 300, "30", NULL, 0, NULL,
     "healthCheck.interval: time between checks, the first one interval after RUNNING."},
    {"task_definitions.*.health_check.timeout_s", PT_REAL, "s", 2, 60, "5", NULL, 0, NULL,
     "healthCheck.timeout: a check not answered within it fails."},
    {"task_definitions.*.health_check.retries", PT_INT, "checks", 1, 10, "3", NULL, 0, NULL,
     "healthCheck.retries: failed checks in a row that make the container UNHEALTHY."},
    {"task_definitions.*.health_check.start_period_s", PT_REAL, "s", 0, 300, "0", NULL, 0, NULL,
     "healthCheck.startPeriod: failures in this time after RUNNING do not count."},
    {"task_definitions.*.health_check.demand_s", PT_REAL, "CPU-s", 0, 60, "0.001", NULL, 0, NULL,
     "CPU-seconds the check command takes in the task."},
    {"task_definitions.*.fail_start_probability", PT_REAL, "", 0, 1, "0", NULL, 0, NULL,
     "Probability that a task fails before RUNNING (a bad image, an entrypoint that exits): it "
     "goes from PENDING to STOPPED. For testing deployments, the throttle and the circuit "
     "breaker."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

int agent_def_read(task_def *d, const params *p, ecs_err *e)
{
    int rc = demand_read(&d->image_pull, p, e, "task_definitions.%s.image_pull", d->name);
    if (rc != ECS_OK) return rc;
    rc = demand_read(&d->container_start, p, e, "task_definitions.%s.container_start", d->name);
    if (rc != ECS_OK) {
        dist_fini(&d->image_pull);
        return rc;
    }
    d->stop_timeout_s = params_real(p, "task_definitions.%s.stop_timeout_s", d->name);
    d->fail_start_probability =
        params_real(p, "task_definitions.%s.fail_start_probability", d->name);
    d->check_enabled = params_bool(p, "task_definitions.%s.health_check.enabled", d->name);
    d->check_interval_s = params_real(p, "task_definitions.%s.health_check.interval_s", d->name);
    d->check_timeout_s = params_real(p, "task_definitions.%s.health_check.timeout_s", d->name);
    d->check_retries =
        (uint32_t) params_int(p, "task_definitions.%s.health_check.retries", d->name);
    d->check_start_period_s =
        params_real(p, "task_definitions.%s.health_check.start_period_s", d->name);
    d->check_demand_s = params_real(p, "task_definitions.%s.health_check.demand_s", d->name);
    return ECS_OK;
}

void agent_def_fini(task_def *d)
{
    dist_fini(&d->image_pull);
    dist_fini(&d->container_start);
}

static void on_timer(void *ctx, sim *s, const ev *e);
static void on_check(void *ctx, sim *s, const ev *e);
static void on_check_result(void *ctx, uint32_t task_id, int status);

void agent_init(cluster *c)
{
    c->kind_lifecycle = sim_kind(c->s, "agent.lifecycle", on_timer, c);
    c->kind_check = sim_kind(c->s, "agent.health_check", on_check, c);
    c->check_client = probe_client(&c->cenv.probes, on_check_result, c);
    c->lifecycle_rng = sim_rng(c->s, "lifecycle");
    c->tenv.stopped = agent_task_died;
    c->tenv.drained = agent_task_drained;
    c->tenv.stopped_ctx = c;
}

static void set_state(cluster *c, task *t, task_state st, const char *why)
{
    char name[128];
    double now = sim_now(c->s);
    cluster_task_name(c, t, name, sizeof name);
    recorder_event(&c->rec, now, "task_state", name, "%s -> %s%s%s", task_state_name(t->state),
                   task_state_name(st), why && why[0] ? ": " : "", why ? why : "");
    t->state = st;
    t->state_since_s = now;
}

static void arm(cluster *c, task *t, double after_s)
{
    if (c->quiet) return;
    t->timer_ev = sim_at(c->s, sim_now(c->s) + after_s, c->kind_lifecycle, t->id);
}

static void disarm(cluster *c, task *t)
{
    if (t->timer_ev) sim_cancel(c->s, t->timer_ev);
    if (t->check_ev) sim_cancel(c->s, t->check_ev);
    t->timer_ev = t->check_ev = 0;
}

void agent_health_changed(cluster *c, task *t)
{
    bool ok = t->state == TASK_RUNNING && !t->stopping && t->lb_ok &&
              (!t->def->check_enabled || t->container == 1);
    if (ok && !t->healthy) {
        t->healthy = 1;
        scheduler_task_healthy(c, t);
    } else if (!ok) {
        t->healthy = 0;
    }
}

static void arm_check(cluster *c, task *t)
{
    if (c->quiet) return;
    t->check_ev = sim_at(c->s, sim_now(c->s) + t->def->check_interval_s, c->kind_check, t->id);
}

static void on_check(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    task *t = &c->tasks[e->target];
    t->check_ev = 0;
    if (t->state != TASK_RUNNING || t->stopping) return;
    probe_send(&c->cenv.probes, c->check_client, t, t->def->check_demand_s, t->def->check_timeout_s,
               t->id);
    if (t->state == TASK_RUNNING) arm_check(c, t);
}

/* The container health check's result (task-definition healthCheck: retries
 * failures in a row, none counted during startPeriod, make the container
 * UNHEALTHY). It may come inside a task's completion, so it only marks the
 * task and asks the scheduler for a pass. */
static void on_check_result(void *ctx, uint32_t task_id, int status)
{
    cluster *c = ctx;
    task *t = &c->tasks[task_id];
    if (t->state != TASK_RUNNING || t->stopping) return;
    double now = sim_now(c->s);
    char name[128];
    if (status == 200) {
        t->check_fails = 0;
        if (t->container != 1) {
            t->container = 1;
            cluster_task_name(c, t, name, sizeof name);
            recorder_event(&c->rec, now, "task_health", name, "container health check: HEALTHY");
            agent_health_changed(c, t);
        }
        return;
    }
    if (now < t->running_since_s + t->def->check_start_period_s) return;
    if (++t->check_fails < t->def->check_retries || t->container == 2) return;
    t->container = 2;
    cluster_task_name(c, t, name, sizeof name);
    recorder_event(&c->rec, now, "task_health", name,
                   "container health check: UNHEALTHY (%u checks failed in a row, the last %s)",
                   (unsigned) t->check_fails, status == 504 ? "timed out" : "refused");
    agent_health_changed(c, t);
    scheduler_task_unhealthy(c, t);
}

/* A task counts as healthy once its target is (cluster.c hears it from the
 * load balancer); at t=0 the service starts in steady state, healthy. */
static void become_running(cluster *c, task *t, bool at_once)
{
    service *sv = &c->services[t->service];
    task_set_running(&c->tenv, t);
    lb_register(c->lbs[sv->lb], t->id);
    failure_task_running(c, t);
    if (t->def->check_enabled) arm_check(c, t);
    if (at_once) {
        t->lb_ok = 1;
        t->container = 1;
        t->healthy = 1;
    }
}

void agent_launch(cluster *c, task *t, bool at_once)
{
    if (at_once) {
        t->state_since_s = sim_now(c->s);
        become_running(c, t, true);
        return;
    }
    set_state(c, t, TASK_PENDING, "pulling the image");
    arm(c, t, dist_sample(&t->def->image_pull, c->lifecycle_rng));
}

/* Gives the host back what the task reserved. */
static void release_host(cluster *c, task *t)
{
    placement_need need;
    placement_need_init(&need, t->def, NULL);
    placement_give(&c->hosts[t->host], &need);
}

/* The end of every task: its requests (if any are left) answered 502, its
 * target gone, its host's resources free, and the scheduler told. */
static void finish(cluster *c, task *t, int exit_code, agent_stop_cause cause, const char *reason)
{
    disarm(c, t);
    failure_task_stopped(c, t);
    if (t->state == TASK_STOPPING) set_state(c, t, TASK_DEPROVISIONING, "");
    /* the target leaves first, so its deregistration counts the requests
     * the abort then answers 502 */
    lb_deregister(c->lbs[c->services[t->service].lb], t->id);
    task_abort(&c->tenv, t, exit_code);
    release_host(c, t);
    char name[128];
    cluster_task_name(c, t, name, sizeof name);
    recorder_event(&c->rec, sim_now(c->s), "task_stopped", name, "exit code %d: %s", exit_code,
                   reason);
    scheduler_task_stopped(c, t, cause);
}

void agent_kill(cluster *c, task *t, int exit_code, agent_stop_cause cause, const char *reason)
{
    if (t->state == TASK_STOPPED) return;
    t->stopping = 1;
    finish(c, t, exit_code, cause, reason);
}

void agent_stop(cluster *c, task *t, agent_stop_cause cause, const char *reason)
{
    if (t->stopping || t->state == TASK_STOPPED) return;
    t->stopping = 1;
    if (t->state < TASK_RUNNING) {
        finish(c, t, 0, cause, reason);
        return;
    }
    t->healthy = 0;
    set_state(c, t, TASK_DEACTIVATING, reason);
    /* the target drains; agent_deregistered follows when it is gone */
    if (lb_deregister_begin(c->lbs[c->services[t->service].lb], t->id) != 0)
        agent_deregistered(c, t);
}

void agent_deregistered(cluster *c, task *t)
{
    if (t->state != TASK_DEACTIVATING) return;
    set_state(c, t, TASK_STOPPING, "SIGTERM");
    if (task_outstanding(t) == 0) {
        finish(c, t, 0, AGENT_STOP_ASKED, "stopped by the service scheduler");
        return;
    }
    arm(c, t, t->def->stop_timeout_s);
}

void agent_task_died(void *ctx, task *t, const char *reason)
{
    cluster *c = ctx;
    t->stopping = 1;
    finish(c, t, t->exit_code, AGENT_STOP_CRASHED, reason);
}

void agent_task_drained(void *ctx, task *t)
{
    cluster *c = ctx;
    if (t->state != TASK_STOPPING) return;
    finish(c, t, 0, AGENT_STOP_ASKED, "its requests finished after SIGTERM");
}

static void on_timer(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    task *t = &c->tasks[e->target];
    t->timer_ev = 0;
    switch (t->state) {
    case TASK_PENDING:
        if (t->def->fail_start_probability > 0 &&
            gsl_rng_uniform(c->lifecycle_rng) < t->def->fail_start_probability) {
            t->stopping = 1;
            finish(c, t, 1, AGENT_STOP_FAILED_START,
                   "Essential container in task exited (CannotStartContainerError)");
            return;
        }
        set_state(c, t, TASK_ACTIVATING, "image pulled; starting the container");
        arm(c, t, dist_sample(&t->def->container_start, c->lifecycle_rng));
        return;
    case TASK_ACTIVATING:
        set_state(c, t, TASK_RUNNING, "container started");
        become_running(c, t, false);
        return;
    case TASK_STOPPING:
        finish(c, t, 137, AGENT_STOP_ASKED,
               "stop timeout: SIGKILL with requests still in flight (answered 502)");
        return;
    default:
        return;
    }
}

void agent_quiesce(cluster *c)
{
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        task *t = &c->tasks[i];
        disarm(c, t);
        failure_task_stopped(c, t);
    }
}

/* task.c -- serving requests inside a task: worker slots, the FIFO queue,
 * and processor sharing when the task's cpu does not cover its busy workers.
 * Hot path: task_accept and on_done run once per request each. */
#include "task.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

const param_def task_def_params[] = {
    {"task_definitions.*.cpu", PT_INT, "CPU units", 128, 10240, "1024", NULL, 0, NULL,
     "Task-level CPU (1024 units = 1 vCPU): reserved on the host and a hard cap on what the "
     "task's workers may use together."},
    {"task_definitions.*.cpu_mode", PT_ENUM, "", 0, 0, "hard_cap", "hard_cap|share", 0, NULL,
     "hard_cap: cpu is task-level, a hard limit on what its workers use together (as ECS "
     "enforces task-level cpu on Linux); share: cpu is container-level only, a CFS share: "
     "reserved at placement, and the task may use idle host CPU in proportion to it."},
    {"task_definitions.*.memory_mib", PT_INT, "MiB", 6, 1048576, "2048", NULL, 0, NULL,
     "Task-level memory: reserved on the host at placement, and a hard limit: a task whose "
     "memory in use passes it is killed (exit code 137, as the OOM killer does)."},
    {"task_definitions.*.memory_base_mib", PT_INT, "MiB", 0, 1048576, "0", NULL, 0, NULL,
     "Memory the task uses with no request in service; each request in service adds its "
     "workload's or class's memory_per_request_mib."},
    {"task_definitions.*.workers", PT_INT, "requests", 1, 65536, "1", NULL, 0, NULL,
     "Requests the task serves at once (worker threads or processes); each runs at up to one "
     "vCPU."},
    {"task_definitions.*.queue_limit", PT_INT, "requests", 0, 1e9, "unlimited", NULL, PF_UNLIMITED,
     NULL,
     "Requests that may wait for a worker; one that finds the queue full is refused (502). "
     "\"unlimited\" for no limit."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

void task_def_read(task_def *d, const params *p, const char *name)
{
    d->name = name;
    d->cpu_units = params_int(p, "task_definitions.%s.cpu", name);
    d->cpu_share = strcmp(params_str(p, "task_definitions.%s.cpu_mode", name), "share") == 0;
    d->memory_mib = params_int(p, "task_definitions.%s.memory_mib", name);
    d->memory_base_mib = params_int(p, "task_definitions.%s.memory_base_mib", name);
    d->workers = (uint32_t) params_int(p, "task_definitions.%s.workers", name);
    d->queue_limit = params_int(p, "task_definitions.%s.queue_limit", name);
    netmode_read(&d->net, p, name);
}

const char *task_state_name(task_state st)
{
    static const char *const names[] = {"PROVISIONING", "PENDING",  "ACTIVATING",     "RUNNING",
                                        "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"};
    return names[st];
}

static inline double speed_for(const task *t, uint32_t busy)
{
    if (t->hung) return 0.0;
    return busy == 0 || t->cap_vcpu >= (double) busy ? 1.0 : t->cap_vcpu / (double) busy;
}

static inline double used_vcpu(const task *t, uint32_t busy)
{
    return (double) busy * speed_for(t, busy);
}

static void on_done(void *ctx, sim *s, const ev *e);

void task_env_init(task_env *env, sim *s, request_pool *pool, recorder *rec, task **tasks,
                   task_answer_fn answer, void *answer_ctx)
{
    env->s = s;
    env->pool = pool;
    env->rec = rec;
    env->tasks = tasks;
    env->answer = answer;
    env->answer_ctx = answer_ctx;
    env->drop_gone = 1;
    env->stopped = NULL;
    env->stopped_ctx = NULL;
    env->drained = NULL;
    env->cpu_changed = NULL;
    env->kind_done = sim_kind(s, "task.done", on_done, env);
}

void task_init(task *t, uint32_t id, const task_def *d, uint16_t service, uint32_t host)
{
    t->id = id;
    t->host = host;
    t->service = service;
    t->state = TASK_PROVISIONING;
    t->def = d;
    t->cap_vcpu = (double) d->cpu_units / 1024.0;
    t->speed = 1.0;
    t->busy = t->queued = 0;
    t->q_head = t->q_tail = REQUEST_NONE;
    t->slots = xmalloc(d->workers * sizeof *t->slots);
    t->free_slots = xmalloc(d->workers * sizeof *t->free_slots);
    for (uint32_t i = 0; i < d->workers; i++) {
        t->slots[i] = REQUEST_NONE;
        t->free_slots[i] = d->workers - 1 - i; /* slot 0 is taken first */
    }
    t->n_free = d->workers;
    t->served = 0;
    t->mem_used_mib = 0;
    t->exit_code = 0;
    t->state_since_s = 0;
    t->running_since_s = -1;
    t->timer_ev = t->crash_ev = t->check_ev = 0;
    t->deployment = 0;
    t->counted = t->healthy = t->hung = t->stopping = t->check_fails = 0;
    t->lb_ok = t->container = 0;
    t->cp = -1;
}

void task_fini(task *t)
{
    free(t->slots);
    free(t->free_slots);
    t->slots = t->free_slots = NULL;
}

void task_set_running(task_env *env, task *t)
{
    double now = sim_now(env->s);
    t->state = TASK_RUNNING;
    t->state_since_s = t->running_since_s = now;
    t->counted = 1;
    t->mem_used_mib = (double) t->def->memory_base_mib;
    recorder_task_running(env->rec, t->service, now, +1, t->cap_vcpu, (double) t->def->memory_mib);
    recorder_mem(env->rec, t->service, now, t->mem_used_mib);
    double pct = 100.0 * t->mem_used_mib / (double) t->def->memory_mib;
    if (pct > env->rec->svc[t->service].peak_mem_pct) env->rec->svc[t->service].peak_mem_pct = pct;
}

void task_abort(task_env *env, task *t, int exit_code)
{
    double now = sim_now(env->s);
    for (uint32_t i = 0; i < t->def->workers; i++) {
        uint32_t id = t->slots[i];
        if (id == REQUEST_NONE) continue;
        if (env->pool->r[id].done_ev) sim_cancel(env->s, env->pool->r[id].done_ev);
        t->slots[i] = REQUEST_NONE;
        env->answer(env->answer_ctx, id, 502);
    }
    while (t->queued > 0) {
        uint32_t id = t->q_head;
        t->q_head = env->pool->r[id].next;
        t->queued--;
        env->answer(env->answer_ctx, id, 502);
    }
    t->q_head = t->q_tail = REQUEST_NONE;
    if (t->counted) {
        recorder_cpu(env->rec, t->service, now, -used_vcpu(t, t->busy));
        recorder_mem(env->rec, t->service, now, -t->mem_used_mib);
        recorder_task_running(env->rec, t->service, now, -1, t->cap_vcpu,
                              (double) t->def->memory_mib);
        t->counted = 0;
    }
    t->busy = 0;
    t->speed = 1.0;
    t->n_free = t->def->workers;
    for (uint32_t i = 0; i < t->def->workers; i++) t->free_slots[i] = t->def->workers - 1 - i;
    t->mem_used_mib = 0;
    t->state = TASK_STOPPED;
    t->state_since_s = now;
    t->healthy = 0;
    t->exit_code = exit_code;
    if (env->cpu_changed) env->cpu_changed(env->stopped_ctx, t);
}

void task_hang(task_env *env, task *t)
{
    if (t->hung || t->state == TASK_STOPPED) return;
    double now = sim_now(env->s);
    request *pool = env->pool->r;
    for (uint32_t i = 0; i < t->def->workers; i++) {
        uint32_t id = t->slots[i];
        if (id == REQUEST_NONE) continue;
        request *r = &pool[id];
        r->remaining_s -= (now - r->since_s) * t->speed;
        if (r->remaining_s < 0) r->remaining_s = 0;
        r->since_s = now;
        sim_cancel(env->s, r->done_ev);
        r->done_ev = 0;
    }
    if (t->counted) recorder_cpu(env->rec, t->service, now, -used_vcpu(t, t->busy));
    t->hung = 1;
    t->speed = 0.0;
    if (env->cpu_changed) env->cpu_changed(env->stopped_ctx, t);
}

/* The task used more memory than its hard limit: the kernel's OOM killer
 * ends it (exit code 137). */
static void oom_kill(task_env *env, task *t)
{
    env->rec->svc[t->service].oom_kills++;
    char reason[160];
    snprintf(reason, sizeof reason,
             "OutOfMemoryError: Container killed due to memory usage (%.0f MiB of %lld); exit "
             "code 137",
             t->mem_used_mib, (long long) t->def->memory_mib);
    task_abort(env, t, 137);
    if (env->stopped) env->stopped(env->stopped_ctx, t, reason);
}

/* The per-worker speed changed from `old_speed`: bring every in-service
 * request (but `skip`) up to date and move its completion. */
static void respeed(task_env *env, task *t, double old_speed, uint32_t skip)
{
    double now = sim_now(env->s);
    request *pool = env->pool->r;
    for (uint32_t i = 0; i < t->def->workers; i++) {
        uint32_t id = t->slots[i];
        if (id == REQUEST_NONE || id == skip) continue;
        request *r = &pool[id];
        r->remaining_s -= (now - r->since_s) * old_speed;
        if (r->remaining_s < 0) r->remaining_s = 0;
        r->since_s = now;
        sim_cancel(env->s, r->done_ev);
        r->done_ev = sim_at(env->s, now + r->remaining_s / t->speed, env->kind_done, id);
    }
}

/* Puts request id into a free worker slot (one must be free). Returns 0,
 * or -1 when the request's memory pushed the task over its limit and the
 * task was killed. */
static int start(task_env *env, task *t, uint32_t id)
{
    double now = sim_now(env->s);
    uint32_t slot = t->free_slots[--t->n_free];
    t->slots[slot] = id;
    double old_speed = t->speed;
    uint32_t old_busy = t->busy++;
    t->speed = speed_for(t, t->busy);
    request *r = &env->pool->r[id];
    r->task = t->id;
    r->slot = (uint16_t) slot;
    r->since_s = now;
    r->start_s = now;
    if (t->hung) {
        r->done_ev = 0;
    } else {
        /* x / 1.0 is x: no division at full speed, the usual case */
        double run_s = t->speed == 1.0 ? r->remaining_s : r->remaining_s / t->speed;
        r->done_ev = sim_at(env->s, now + run_s, env->kind_done, id);
    }
    recorder_cpu(env->rec, t->service, now, used_vcpu(t, t->busy) - used_vcpu(t, old_busy));
    if (r->mem_mib > 0) {
        t->mem_used_mib += r->mem_mib;
        recorder_mem(env->rec, t->service, now, r->mem_mib);
        double pct = 100.0 * t->mem_used_mib / (double) t->def->memory_mib;
        if (pct > env->rec->svc[t->service].peak_mem_pct)
            env->rec->svc[t->service].peak_mem_pct = pct;
        if (t->mem_used_mib > (double) t->def->memory_mib) {
            oom_kill(env, t);
            return -1;
        }
    }
    if (t->speed != old_speed && !t->hung) respeed(env, t, old_speed, id);
    return 0;
}

int task_accept(task_env *env, task *t, uint32_t id)
{
    assert(t->state == TASK_RUNNING || t->state == TASK_DEACTIVATING);
    if (t->n_free > 0) {
        if (start(env, t, id) != 0) return 502;
        if (env->cpu_changed) env->cpu_changed(env->stopped_ctx, t);
        return 0;
    }
    if (t->def->queue_limit >= 0 && (int64_t) t->queued >= t->def->queue_limit) {
        env->answer(env->answer_ctx, id, 502);
        return 502;
    }
    env->pool->r[id].task = t->id;
    env->pool->r[id].next = REQUEST_NONE;
    if (t->q_tail == REQUEST_NONE)
        t->q_head = id;
    else
        env->pool->r[t->q_tail].next = id;
    t->q_tail = id;
    t->queued++;
    return 0;
}

/* The head of the queue, skipping (and answering 499) requests whose client
 * has gone when the server checks before starting them. */
static uint32_t dequeue(task_env *env, task *t)
{
    while (t->queued > 0) {
        uint32_t id = t->q_head;
        t->q_head = env->pool->r[id].next;
        if (t->q_head == REQUEST_NONE) t->q_tail = REQUEST_NONE;
        t->queued--;
        if (env->drop_gone && (env->pool->r[id].flags & REQUEST_GONE)) {
            env->answer(env->answer_ctx, id, 499);
            continue;
        }
        return id;
    }
    return REQUEST_NONE;
}

static void on_done(void *ctx, sim *s, const ev *e)
{
    task_env *env = ctx;
    uint32_t id = e->target;
    request *r = &env->pool->r[id];
    task *t = &(*env->tasks)[r->task];
    double now = sim_now(s);
    uint32_t slot = r->slot;
    if (r->mem_mib > 0) {
        t->mem_used_mib -= r->mem_mib;
        recorder_mem(env->rec, t->service, now, -r->mem_mib);
    }

    env->answer(env->answer_ctx, id, 200); /* gives the request back */
    t->slots[slot] = REQUEST_NONE;
    t->free_slots[t->n_free++] = slot;
    t->served++;

    uint32_t next = dequeue(env, t);
    if (next != REQUEST_NONE) {
        /* the freed worker takes the head of the queue: busy is unchanged,
         * but the finished request's vCPU goes back before the next takes it */
        recorder_cpu(env->rec, t->service, now, used_vcpu(t, t->busy - 1) - used_vcpu(t, t->busy));
        t->busy--;
        double speed = t->speed;
        if (start(env, t, next) == 0) assert(t->speed == speed);
        (void) speed;
        return;
    }
    double old_speed = t->speed;
    uint32_t old_busy = t->busy--;
    t->speed = speed_for(t, t->busy);
    recorder_cpu(env->rec, t->service, now, used_vcpu(t, t->busy) - used_vcpu(t, old_busy));
    if (t->speed != old_speed) respeed(env, t, old_speed, REQUEST_NONE);
    if (env->cpu_changed) env->cpu_changed(env->stopped_ctx, t);
    if (t->busy == 0 && t->state != TASK_RUNNING && env->drained) env->drained(env->stopped_ctx, t);
}

void task_set_cap(task_env *env, task *t, double cap_vcpu)
{
    if (cap_vcpu == t->cap_vcpu) return;
    double old_used = used_vcpu(t, t->busy), old_speed = t->speed;
    t->cap_vcpu = cap_vcpu;
    t->speed = speed_for(t, t->busy);
    if (t->counted)
        recorder_cpu(env->rec, t->service, sim_now(env->s), used_vcpu(t, t->busy) - old_used);
    if (t->speed != old_speed && !t->hung && t->busy > 0) respeed(env, t, old_speed, REQUEST_NONE);
}

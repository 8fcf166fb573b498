/* task.h -- task definitions and running tasks: where requests are served.
 * A task has `workers` slots; a request takes a free slot or waits in the
 * task's FIFO queue (refused with 502 when queue_limit is reached). CPU
 * follows DESIGN.md: a request's demand is CPU-seconds at one vCPU; a busy
 * worker runs at one vCPU while the task's cpu covers every busy worker, and
 * when it does not the busy workers share the task's cpu equally (processor
 * sharing): each in-service request's remaining work is brought up to date
 * and its completion rescheduled whenever the per-worker speed changes.
 * Plain structs: the load balancer, placement and the recorder read them. */
#ifndef ECSIM_TASK_H
#define ECSIM_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "models/netmode.h"
#include "models/recorder.h"
#include "models/request.h"
#include "sim/engine/dist.h"
#include "sim/engine/param.h"
#include "sim/engine/sim.h"

typedef struct task_def {
    const char *name;        /* borrowed from params */
    int64_t cpu_units;       /* reserved on the host; a hard cap unless cpu_share */
    bool cpu_share;          /* container-level cpu only: a share of the host's CPU */
    int64_t memory_mib;      /* task-level memory: reserved on the host, and a hard limit */
    int64_t memory_base_mib; /* in use with no request in service */
    uint32_t workers;        /* requests served at once */
    int64_t queue_limit;     /* requests that may wait; -1 unlimited */
    netmode net;             /* network mode and port mapping (netmode.h) */
    /* the lifecycle (agent.c reads these) */
    dist image_pull;               /* time in PENDING, s */
    dist container_start;          /* time in ACTIVATING, s */
    double stop_timeout_s;         /* SIGTERM to SIGKILL */
    double fail_start_probability; /* a task stops before RUNNING (a bad image) */
    bool check_enabled;            /* a container health check is defined */
    double check_interval_s, check_timeout_s, check_start_period_s, check_demand_s;
    uint32_t check_retries;
} task_def;

extern const param_def task_def_params[];

/* Reads task_definitions.<name>.* (params_finish has checked them). */
void task_def_read(task_def *d, const params *p, const char *name);

/* ECS task lifecycle states (last status), in order. */
typedef enum {
    TASK_PROVISIONING,
    TASK_PENDING,
    TASK_ACTIVATING,
    TASK_RUNNING,
    TASK_DEACTIVATING,
    TASK_STOPPING,
    TASK_DEPROVISIONING,
    TASK_STOPPED
} task_state;

const char *task_state_name(task_state st); /* "RUNNING" */

typedef struct task {
    uint32_t id;      /* index in the cluster's task array */
    uint32_t host;    /* index of the host it is placed on */
    uint16_t service; /* index of its service */
    uint32_t seq;     /* 1-based, in its service's creation order: "<service>/<seq>" */
    task_state state;
    const task_def *def;
    double cap_vcpu;         /* cpu_units / 1024 */
    double speed;            /* vCPU each busy worker gets now */
    uint32_t busy;           /* workers serving a request */
    uint32_t queued;         /* requests waiting */
    uint32_t q_head, q_tail; /* FIFO of waiting requests (request ids) */
    uint32_t *slots;         /* worker slot -> request id, REQUEST_NONE when idle */
    uint32_t *free_slots;    /* stack of idle slot numbers */
    uint32_t n_free;
    uint64_t served;     /* requests completed (all time) */
    double mem_used_mib; /* base plus the requests in service */
    int exit_code;       /* once STOPPED: 137 after an OOM kill */
    /* the lifecycle, driven by the agent and the service scheduler (agent.c) */
    double state_since_s;   /* when it entered its state */
    double running_since_s; /* when it turned RUNNING (-1 before) */
    uint64_t timer_ev;      /* its pending lifecycle timer, 0 when none */
    uint64_t crash_ev;      /* its pending injected crash, 0 when none */
    uint64_t check_ev;      /* its next container health check, 0 when none */
    uint32_t deployment;    /* the service deployment that started it */
    uint8_t counted;        /* in the recorder's running tasks (RUNNING until STOPPED) */
    uint8_t healthy;        /* counts towards minimumHealthyPercent */
    uint8_t hung;           /* stopped answering: its workers make no progress */
    uint8_t stopping;       /* the scheduler or a failure is stopping it */
    uint8_t check_fails;    /* consecutive failed container health checks */
    uint8_t lb_ok;          /* its target is healthy (or it started in steady state) */
    uint8_t container;      /* container health: 0 unknown, 1 healthy, 2 unhealthy */
    int8_t cp; /* its service's capacity provider it was given (the k of cp_wait.cps), -1 none */
} task;

/* A task is done with a request: `status` is 200 (served), 502 (refused: the
 * queue was full) or 499 (dropped unserved: its client had gone, as NGINX
 * logs it). The callee records the outcome and gives the request back. */
typedef void (*task_answer_fn)(void *ctx, uint32_t req, int status);

/* A task stopped by itself (an OOM kill), with ECS's stopped reason; the
 * callee deregisters it and frees its host's resources. */
typedef void (*task_stopped_fn)(void *ctx, task *t, const char *reason);

/* A task that no longer takes requests (state past RUNNING) has answered
 * its last one. */
typedef void (*task_drained_fn)(void *ctx, task *t);

/* A task's busy workers changed (the host's CPU may need sharing again). */
typedef void (*task_cpu_fn)(void *ctx, task *t);

/* What serving needs from the rest of the cluster; owned by the cluster. */
typedef struct task_env {
    sim *s;
    request_pool *pool;
    recorder *rec;
    task **tasks; /* the cluster's task array (it may move when it grows) */
    uint32_t kind_done;
    task_answer_fn answer;
    void *answer_ctx;
    int drop_gone; /* skip queued requests whose client has gone (REQUEST_GONE) */
    task_stopped_fn stopped;
    void *stopped_ctx; /* also drained's */
    task_drained_fn drained;
    task_cpu_fn cpu_changed; /* NULL unless some task shares its host's CPU */
} task_env;

/* Registers the completion event kind with env->s; answers go to `answer`. */
void task_env_init(task_env *env, sim *s, request_pool *pool, recorder *rec, task **tasks,
                   task_answer_fn answer, void *answer_ctx);

/* A new task (state PROVISIONING) of definition d; task_fini frees its slots. */
void task_init(task *t, uint32_t id, const task_def *d, uint16_t service, uint32_t host);
void task_fini(task *t);

/* The task becomes RUNNING and starts taking requests. */
void task_set_running(task_env *env, task *t);

/* Ends the task at once (a crash, a kill, its host gone): every request in
 * it, served or queued, is answered 502 (the connection is reset), its CPU
 * and memory leave the recorder, and it is STOPPED with `exit_code`. It does
 * not call `stopped`: the caller is the one stopping it. */
void task_abort(task_env *env, task *t, int exit_code);

/* Sets the vCPU the task's busy workers may use together (a share task's
 * part of its host, hostcpu.c): speeds and completions follow. */
void task_set_cap(task_env *env, task *t, double cap_vcpu);

/* The task's process stops making progress (a hung process): requests in
 * service and those that come later are never answered by it. */
void task_hang(task_env *env, task *t);

/* Requests the task has taken and not answered (the load balancer's
 * outstanding count). */
static inline uint32_t task_outstanding(const task *t)
{
    return t->busy + t->queued;
}

/* Hands request `req` (arrival_s, remaining_s, service filled) to the task.
 * Returns 0 when it is served or queued, or 502 when the queue is full, in
 * which case the request has been answered (502) already. */
int task_accept(task_env *env, task *t, uint32_t req);

#endif

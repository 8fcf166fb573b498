/* agent.h -- a task's life on its host, as the ECS container agent runs it
 * (task-lifecycle.html): PENDING while the image is pulled, ACTIVATING while
 * the container starts and the target registers, RUNNING; when stopped,
 * DEACTIVATING while the load balancer deregisters the target, STOPPING
 * (SIGTERM: requests in flight finish, SIGKILL after stopTimeout),
 * DEPROVISIONING and STOPPED. A crash, a kill or a lost host ends a task at
 * once. Every transition is a line in events.csv; a task that stops tells
 * the service scheduler, which decides what replaces it. */
#ifndef ECSIM_AGENT_H
#define ECSIM_AGENT_H

#include <stdbool.h>

#include "models/task.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

/* Why a task ended: the scheduler's throttle counts failed starts, the
 * circuit breaker counts failed starts and failed health checks. */
typedef enum {
    AGENT_STOP_ASKED,        /* the scheduler stopped it (scale-in, deployment) */
    AGENT_STOP_FAILED_START, /* it stopped before RUNNING */
    AGENT_STOP_UNHEALTHY,    /* it failed its health checks */
    AGENT_STOP_CRASHED,      /* it exited by itself after RUNNING (crash, OOM kill) */
    AGENT_STOP_LOST          /* its host went away */
} agent_stop_cause;

extern const param_def agent_params[];

/* Reads the lifecycle fields of task definition d (d->name set). Returns
 * ECS_OK or an input error (a bad distribution). */
int agent_def_read(task_def *d, const params *p, ecs_err *e);
void agent_def_fini(task_def *d);

/* Registers the agent's event kinds; the cluster calls it once. */
void agent_init(struct cluster *c);

/* Task t has been placed (its host's resources are reserved). at_once: it
 * is RUNNING and registered now (a service already in steady state at t=0);
 * otherwise its lifecycle starts in PENDING. */
void agent_launch(struct cluster *c, task *t, bool at_once);

/* The scheduler stops t gracefully (reason goes to events.csv). */
void agent_stop(struct cluster *c, task *t, agent_stop_cause cause, const char *reason);

/* Ends t at once with exit_code: its requests are answered 502. */
void agent_kill(struct cluster *c, task *t, int exit_code, agent_stop_cause cause,
                const char *reason);

/* The load balancer has finished deregistering t's target. */
void agent_deregistered(struct cluster *c, task *t);

/* The task stopped by itself (task_env.stopped: an OOM kill). */
void agent_task_died(void *cluster, task *t, const char *reason);

/* The task, no longer taking requests, has answered its last (task_env.drained). */
void agent_task_drained(void *cluster, task *t);

/* Recomputes whether t counts as healthy for the scheduler: RUNNING, its
 * target healthy and its container health check (if any) passed
 * (deployment-type-ecs.html). Tells the scheduler when it turns healthy. */
void agent_health_changed(struct cluster *c, task *t);

/* The run has gone idle: cancels every task's lifecycle and crash timers
 * (a task still starting stays where it is). */
void agent_quiesce(struct cluster *c);

#endif

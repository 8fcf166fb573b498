/* scheduler.h -- the ECS service scheduler: it keeps each service at its
 * desired count, replaces tasks that stop, places new ones through the
 * service's strategy chain (a task that fits nowhere stays unplaced, with a
 * service event naming why, and is retried on the next pass), throttles a
 * service whose tasks keep failing to start (service-throttle-logic.html),
 * rolls out deployments within minimumHealthyPercent and maximumPercent
 * (deployment-type-ecs.html), and fails or rolls back a deployment by the
 * circuit breaker (deployment-circuit-breaker.html). It works in passes: a
 * pass is an event, asked for by whatever changed (a task stopped or turned
 * healthy, a deployment began) and coalesced per service. */
#ifndef ECSIM_SCHEDULER_H
#define ECSIM_SCHEDULER_H

#include "models/agent.h"
#include "models/service.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

extern const param_def scheduler_params[];

/* Reads deployments.* and the scheduler's settings; registers its events.
 * Returns ECS_OK or an input error (a deployment after the run's end is
 * fine; one whose task definition is the service's own is not). */
int scheduler_init(struct cluster *c, const params *p, ecs_err *e);

/* At t=0: places every service's tasks, RUNNING at once (the scenario starts
 * from a service in steady state), and arms the deployments. */
void scheduler_start(struct cluster *c);

/* Asks for a pass of service sv now (several asks make one pass). */
void scheduler_wake(struct cluster *c, service *sv);

/* What the agent tells the scheduler. */
void scheduler_task_stopped(struct cluster *c, task *t, agent_stop_cause cause);
void scheduler_task_healthy(struct cluster *c, task *t);

/* A task's target turned unhealthy; once the service's grace period is
 * over the scheduler stops and replaces it (a pass looks). */
void scheduler_task_unhealthy(struct cluster *c, task *t);

/* The run has gone idle: cancels pending passes and deployments. */
void scheduler_quiesce(struct cluster *c);

#endif

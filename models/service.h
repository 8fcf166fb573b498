/* service.h -- an ECS service: desired_count tasks of one task definition,
 * placed by a strategy chain, registered with a load balancer, and kept at
 * its count by the service scheduler (scheduler.h), which also rolls out new
 * task definition revisions (deployments) within minimumHealthyPercent and
 * maximumPercent. This file owns the service's parameters and its state. */
#ifndef ECSIM_SERVICE_H
#define ECSIM_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/placement.h"
#include "models/task.h"
#include "sim/engine/param.h"

typedef struct service {
    const char *name;       /* borrowed from params */
    uint16_t id;            /* index in the cluster's service array */
    const task_def *def;    /* the primary deployment's task definition */
    const task_def *stable; /* the last deployment that completed: rollback goes here */
    placement_chain placement;
    constraint_set constraints; /* services.*.placement_constraints */
    uint32_t desired;           /* desired_count */
    const char *lb_name;        /* load balancer it registers with (borrowed) */
    uint32_t lb;                /* its index in the cluster */
    int min_healthy_pct;        /* deploymentConfiguration.minimumHealthyPercent */
    int max_pct;                /* deploymentConfiguration.maximumPercent */
    double grace_s;             /* healthCheckGracePeriodSeconds */
    bool breaker, rollback;     /* deploymentCircuitBreaker enable, rollback */
    /* the scheduler's state */
    uint32_t deployment;        /* id of the primary deployment: 0 at t=0, +1 per rollout */
    uint32_t stable_deployment; /* id of the last one that completed */
    uint32_t n_deployments;     /* ids handed out */
    bool deploying;             /* a rolling update is in progress */
    bool halted;                /* the circuit breaker failed the deployment, no rollback */
    uint32_t breaker_failures;  /* failed tasks of the primary deployment */
    uint32_t start_failures;    /* tasks in a row that stopped before RUNNING */
    double throttle_until_s;    /* no task starts before this (the start throttle) */
    uint64_t pass_ev;           /* its pending scheduling pass, 0 when none */
    double pass_at_s;
    bool steady;            /* "has reached a steady state" was said and holds */
    bool stuck_said;        /* the deployment-stuck event was said */
    char unplaced_why[256]; /* the last unplaced reason logged ("" after a placement) */
    uint32_t placed;        /* tasks placed, all time */
    uint32_t created;       /* tasks created, all time: the last task's seq */
    uint32_t unplaced;      /* tasks wanted but not placed at the last pass */
    uint32_t replaced;      /* tasks started to replace a stopped one */
    uint32_t deployments_done, deployments_failed;
} service;

extern const param_def service_params[];

/* Reads services.<name>.*; defs are the cluster's task definitions (the
 * service points into them). Cannot fail: params_finish checked them. */
void service_read(service *sv, const params *p, const char *name, uint16_t id, const task_def *defs,
                  uint32_t n_defs);

/* Tasks a deployment may run at most (maximumPercent, rounded down) and must
 * keep healthy (minimumHealthyPercent, rounded up), as the ECS service
 * definition parameters page defines them. */
uint32_t service_max_tasks(const service *sv);
uint32_t service_min_healthy(const service *sv);

/* The circuit breaker's failure threshold: 0.5 x desired, rounded up, in
 * [10, 200] (deployment-circuit-breaker.html). */
uint32_t service_breaker_threshold(const service *sv);

#endif

/* spot.h -- Spot capacity: EC2 Spot instances in Auto Scaling groups with a
 * mixed instances policy, Fargate Spot tasks, and their interruptions.
 *
 * Mixed instances policy (ec2-auto-scaling-mixed-instances-groups.html,
 * API InstancesDistribution), per auto_scaling_groups.<name>:
 * on_demand_base_capacity instances are On-Demand; above it,
 * on_demand_percentage_above_base percent are On-Demand (rounded up, in
 * favour of On-Demand) and the rest Spot. On-Demand instances launch as the
 * first listed type ("prioritized"); Spot ones as the type the Spot
 * allocation strategy picks: lowest-price (the cheapest Spot price in the
 * price list), or capacity-optimized, approximated as the type with the
 * fewest interruptions per hour in the price list (AWS picks the pools
 * with the most spare capacity, which ecsim does not model; this
 * approximation is ours). A Spot instance is billed at its type's Spot
 * price (models/prices.csv; constant over the run, a modelling assumption).
 *
 * Interruptions. Each Spot instance is interrupted after an exponential
 * time of its type's rate (models/prices.csv, scaled by
 * auto_scaling_groups.*.spot_interruption_scale), each Fargate Spot task
 * after an exponential time of spot.fargate_interruptions_per_hour; and
 * spot_interruptions.<name> interrupts a given instance or task at a given
 * time. An interruption is a notice spot.notice_s (two minutes,
 * spot-instance-termination-notices.html; fixed in AWS) before the end:
 *  - EC2: with cluster.spot_instance_draining (ECS_ENABLE_SPOT_INSTANCE_
 *    DRAINING, container-instance-spot.html; the agent's default is false)
 *    the container instance turns DRAINING at the notice and the service
 *    scheduler replaces its tasks elsewhere within minimumHealthyPercent
 *    and maximumPercent; with capacity_rebalance the group launches a
 *    replacement at the notice (ec2-auto-scaling-capacity-rebalancing.html;
 *    ecsim sends no earlier rebalance recommendation). At the end the
 *    instance terminates with whatever still runs on it (exit 137, its
 *    requests 502) and the group replaces it if it has not.
 *  - Fargate Spot (fargate-capacity-providers.html; knowledge-center
 *    fargate-spot-termination-notice): at the notice the task gets SIGTERM
 *    and its target starts deregistering ("Your Spot Task was
 *    interrupted."); the service scheduler starts a replacement at once;
 *    at the end the task is stopped if it has not stopped. */
#ifndef ECSIM_SPOT_H
#define ECSIM_SPOT_H

#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/catalogue.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

typedef struct spot_group {
    uint32_t od_base, od_pct;
    bool capacity_optimized, rebalance;
    double scale; /* interruption rate multiplier */
    gsl_rng *rng; /* stream "spot:<group>" */
} spot_group;

typedef struct spot_at {
    const char *name, *host, *service; /* borrowed from params */
    uint32_t task_k;
    double at_s;
    uint64_t ev; /* its pending event, 0 once fired or cancelled */
} spot_at;

typedef struct spot_state {
    spot_group *groups; /* per Auto Scaling group, in declaration order */
    uint32_t n_groups;
    spot_at *at;
    uint32_t n_at;
    double notice_s;
    double fargate_rate_per_s;
    bool draining;
    gsl_rng *fargate_rng; /* stream "spot:fargate" */
    bool armed;           /* the kinds are registered */
    uint32_t kind_notice, kind_end, kind_at;
    uint32_t notices, interrupted_tasks; /* counts for the summary */
} spot_state;

extern const param_def spot_params[];

/* Reads the groups' instance distributions and spot.*; call before
 * asg_init (whose t=0 launches consult it). */
int spot_init(struct cluster *c, const params *p, ecs_err *e);

/* Which purchase option and type the group's next instance has:
 * HOST_BILL_ON_DEMAND with *type = the first listed, or HOST_BILL_SPOT with
 * the allocation strategy's type. */
int spot_choose(struct cluster *c, uint32_t g, const instance_type **type);

/* Host h was just made for group g with billing `bill` (spot_choose's):
 * sets its price and arms its interruption. */
void spot_instance_made(struct cluster *c, uint32_t h, int bill);

/* A Fargate Spot task's record was made: arms its interruption. */
void spot_fargate_made(struct cluster *c, uint32_t h);

/* Arms the timed interruptions (at t=0). */
void spot_start(struct cluster *c);

/* The run has gone idle: pending notices are cancelled. */
void spot_quiesce(struct cluster *c);
void spot_fini(struct cluster *c);

#endif

/* asg.h -- EC2 Auto Scaling groups: auto_scaling_groups.<name>, a fleet of
 * container instances whose size moves at run time between min_size and
 * max_size (asg-capacity-limits.html). The group owns its desired capacity
 * and its instances' life: at t=0 desired_capacity instances are in service
 * (ACTIVE, spread over the group's zones); an instance launched later is
 * PENDING while it boots (a per-group distribution: AWS documents no boot
 * time), then registers with the cluster and turns ACTIVE. The group keeps
 * desired capacity: it replaces an instance that fails or becomes
 * unreachable (once its health check grace period is over,
 * health-check-grace-period.html), and when desired capacity falls it picks
 * the instances to terminate with the default termination policy
 * (ec2-auto-scaling-termination-policies.html): among instances not
 * protected from scale in, the zone with the most instances, then the
 * instance closest to its next billing hour, ties at random (stream
 * "asg:<name>"). Launches go to the zone with the fewest instances. An
 * instance to terminate that still runs tasks is drained first when its
 * capacity provider asks for managed draining (the service scheduler moves
 * its tasks), else terminated with its tasks.
 *
 * Hosts are referenced by index: the cluster's host array grows as
 * instances launch (cluster_add_host), so no one keeps a host pointer
 * across a launch. Capacity providers (capprov.h) set desired capacity;
 * this module knows nothing of them but the two flags they set. */
#ifndef ECSIM_ASG_H
#define ECSIM_ASG_H

#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/catalogue.h"
#include "sim/engine/dist.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

#define ASG_MAX_ZONES 8
#define ASG_MAX_TYPES 8

typedef struct asg {
    const char *name;                          /* borrowed from params */
    const instance_type *types[ASG_MAX_TYPES]; /* launch priority order; [0] is launched */
    uint32_t n_types;
    char zones[ASG_MAX_ZONES][32];
    uint32_t n_zones;
    uint32_t min, max, desired;
    dist boot;      /* launch to registration with the cluster */
    double grace_s; /* health check grace period */
    const char *attributes;
    gsl_rng *boot_rng; /* boot times: stream "boot:<name>" */
    gsl_rng *term_rng; /* termination ties: stream "termination:<name>" */
    bool blocked_said; /* "protected from scale in" was said for the current excess */
    /* set by the capacity provider that uses the group */
    bool protect_busy; /* managed termination protection: instances with tasks are protected */
    bool drain;        /* managed draining: drain an instance before terminating it */
    int32_t cp;        /* that capacity provider, -1 for none */
    /* counters */
    uint32_t launched;     /* instances ever launched, t=0 ones included (names "<name>-<k>") */
    uint32_t launches;     /* launched after t=0 */
    uint32_t terminations; /* terminated by the group (scale in, replacement) */
    uint32_t replacements; /* launches that replaced a failed instance */
    double last_launch_s;  /* the last launch after t=0, -INFINITY before */
} asg;

extern const param_def asg_params[];

/* Reads auto_scaling_groups.*, checks them (min_size <= desired_capacity <=
 * max_size, known instance types, zones, a name no host group uses) and puts
 * their t=0 instances in the cluster's host array. Call after hosts_build
 * and before failure_init. An input error names file:line:column. */
int asg_init(struct cluster *c, const params *p, ecs_err *e);

/* Index of the group named `name`, or -1. */
int32_t asg_find(const struct cluster *c, const char *name);

/* Whether `name` is "<group>-<k>" for a group and a k >= 1: an instance
 * name the group may give at run time. */
bool asg_instance_name(const struct cluster *c, const char *name);

/* The instance of group g the default termination policy ends next, or -1
 * when every one is protected (exposed for tests). */
int64_t asg_choose_victim(struct cluster *c, uint32_t g);

/* Sets the group's desired capacity (clamped to [min_size, max_size]),
 * logs it with `why`, and launches or terminates instances to match. */
void asg_set_desired(struct cluster *c, uint32_t g, uint32_t desired, const char *why);

/* Instances the group counts towards desired capacity: booting, in service,
 * and failed ones it has not replaced yet (not those it drains to
 * terminate). */
uint32_t asg_in_service(const struct cluster *c, uint32_t g);

/* Host h failed or became unreachable (failure.c): the group replaces it,
 * at once or when its grace period ends. */
void asg_host_lost(struct cluster *c, uint32_t h);

/* A task left host h (scheduler.c): a draining instance that is empty now
 * terminates. */
void asg_task_released(struct cluster *c, uint32_t h);

/* The run has gone idle: boots and health checks still pending are
 * cancelled. */
void asg_quiesce(struct cluster *c);

void asg_fini(struct cluster *c);

#endif

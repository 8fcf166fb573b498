/* capprov.h -- ECS capacity providers with managed scaling:
 * capacity_providers.<name> names an Auto Scaling group (asg.h), and a
 * service that names the capacity provider (services.*.capacity_provider)
 * runs only on that group's instances. Its tasks that fit on no instance
 * wait in PROVISIONING for capacity (not "unplaced") and are placed as
 * instances register; every wait is an event and counts in the summary. A
 * service with a capacity provider strategy of several Auto Scaling group
 * providers (cpstrategy.h) gives each task one of them: the task runs on
 * that provider's group only and waits for that provider only, and each
 * provider's metric below counts only the tasks waiting for it.
 *
 * Managed scaling (cluster-auto-scaling.html, managed-scaling-behavior.html,
 * API ManagedScaling): every minute ECS computes the metric
 *   CapacityProviderReservation = instances needed / instances running x 100
 * where "running" are the group's registered container instances and
 * "needed" those running tasks plus, when tasks wait, the scale-out step:
 * the instances a binpack of the waiting tasks onto the group's largest
 * instance type needs (tasks that fit not even the smallest type are left
 * out; when none is left, the metric stays at targetCapacity), bounded to
 * [minimumScalingStepSize, maximumScalingStepSize]. With no instance running
 * and tasks waiting it is 200%. When no task waits it is the share of
 * instances that run tasks (the deep-dive blog's M / N: 2 of 3 -> 66.7%),
 * or, with scale_in_metric empty_count, 100 minus the empty instances (the
 * 2023 guide's rule: 2 empty -> 98%).
 *
 * The datapoint of minute k is computed at (k+1) x 60 s and published
 * metrics.publish_delay_s later, when the two alarms ECS creates evaluate
 * it: AlarmHigh (> targetCapacity, 1 of 1 datapoints) and AlarmLow (<
 * targetCapacity, 15 of 15), observed, not documented. While AlarmHigh is in
 * ALARM, the target tracking policy raises the group's desired capacity to
 * ceil(capacity x metric / targetCapacity) unless an instance launched less
 * than instanceWarmupPeriod ago is warming up; while AlarmLow is in ALARM it
 * lowers it towards the instances needed, by at least one and fewer than
 * half of the group each minute ("greater than one instance and less than
 * 50% each minute", cluster-auto-scaling.html). Managed termination
 * protection keeps instances that run tasks; managed draining drains an
 * instance before it terminates. Work is per minute and per placement. */
#ifndef ECSIM_CAPPROV_H
#define ECSIM_CAPPROV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/alarm.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;
struct service;

#define CP_MAX_PER_SERVICE 6 /* providers in a capacity provider strategy (ECS's limit) */

/* A service's tasks waiting in PROVISIONING for one of its providers. */
typedef struct cp_queue {
    double *since; /* when each waiting task entered PROVISIONING, oldest first */
    uint32_t n, cap;
} cp_queue;

/* A service's capacity providers and its tasks waiting for capacity. A
 * service names one provider (services.*.capacity_provider, or a strategy
 * of one), or a strategy of several Auto Scaling group providers
 * (cpstrategy.h): item k of the strategy is provider cps[k], and its tasks
 * run only on that provider's group and wait in queue k. */
typedef struct cp_wait {
    int32_t cp;   /* its (first) capacity provider, -1 for none */
    int32_t pool; /* that provider's Auto Scaling group, -1 for any host */
    uint32_t n_cps;
    int32_t cps[CP_MAX_PER_SERVICE]; /* the providers, in strategy order */
    cp_queue q[CP_MAX_PER_SERVICE];
    uint32_t n; /* tasks waiting, all providers */
} cp_wait;

/* One CapacityProviderReservation datapoint and what it came from. */
typedef struct cp_point {
    double pct;            /* the metric, % */
    uint32_t running;      /* registered instances of the group (N) */
    uint32_t busy;         /* those running tasks */
    uint32_t waiting;      /* tasks in PROVISIONING */
    uint32_t incompatible; /* of those, the ones that fit not even the smallest type */
    uint32_t estimate;     /* binpack estimate for the compatible ones, largest type */
    uint32_t step;   /* the scale-out step: estimate within the step sizes, 0 when none wait */
    uint32_t needed; /* instances needed (M) */
} cp_point;

typedef struct capprov {
    const char *name; /* borrowed from params */
    uint32_t asg;
    bool managed_scaling;
    bool empty_count; /* scale_in_metric empty_count */
    int target_pct;   /* targetCapacity */
    uint32_t min_step, max_step;
    double warmup_s;
    double scale_in_max_pct;
    alarm high, low;
    cp_point last; /* the last published datapoint (pct NAN before the first) */
    /* datapoints computed and waiting for their publication */
    cp_point *queue;
    uint64_t *queue_ev;
    uint32_t q_cap, q_head, q_n;
    uint64_t next_minute; /* k of the next datapoint */
    uint64_t sample_ev;
    uint32_t scale_outs, scale_ins;
    bool warmup_said, max_said;
} capprov;

/* A group of identical tasks for the binpack estimate. */
typedef struct cp_group {
    int64_t cpu_units, memory_mib;
    uint16_t host_port; /* static host port, 0 for none */
    bool eni;           /* awsvpc: takes an ENI attachment */
    bool distinct;      /* distinctInstance: one per instance */
    uint32_t count;
} cp_group;

/* What an instance offers a task: the largest or the smallest of a
 * group's types, resource by resource. */
typedef struct cp_shape {
    int64_t cpu_units, memory_mib;
    int enis; /* task ENI attachments */
} cp_shape;

extern const param_def capprov_params[];

/* Reads capacity_providers.* and services.*.capacity_provider (after the
 * services and asg_init), checks them, tells each group its provider's
 * termination settings. An input error names file:line:column. */
int capprov_init(struct cluster *c, const params *p, ecs_err *e);

/* Arms the first minute's datapoint (at t=0) when there are providers. */
void capprov_start(struct cluster *c);

/* The Auto Scaling group whose instances sv runs on (its provider's), or -1
 * for any host. */
int32_t capprov_pool(const struct cluster *c, const struct service *sv);

/* How many capacity providers sv's tasks are distributed over (0: none,
 * the EC2 launch type or Fargate). */
uint32_t capprov_n_providers(const struct cluster *c, const struct service *sv);

/* The Auto Scaling group of sv's k-th provider (k < capprov_n_providers). */
int32_t capprov_pool_of(const struct cluster *c, const struct service *sv, uint32_t k);

/* The scheduler's pass: n of sv's tasks now wait in PROVISIONING for its
 * k-th provider (those beyond the ones waiting already start waiting now,
 * `why` being ECS's placement reason; fewer means the rest are no longer
 * wanted). */
void capprov_set_waiting(struct cluster *c, struct service *sv, uint32_t k, uint32_t n,
                         const char *why);

/* A task of sv was placed on its k-th provider: the wait of the oldest task
 * waiting for that provider in seconds (it is the one that starts), or NAN
 * when none waited. */
double capprov_placed(struct cluster *c, struct service *sv, uint32_t k);

/* The datapoint the provider would publish now. */
cp_point capprov_reservation(const struct cluster *c, uint32_t cp);

/* The arithmetic, for tests: M / N x 100, or 200 when N is 0. */
double capprov_reservation_pct(uint32_t needed, uint32_t running);
/* minimumScalingStepSize when the estimate is below it, else
 * min(maximumScalingStepSize, estimate). */
uint32_t capprov_step(uint32_t estimate, uint32_t min_step, uint32_t max_step);
/* Instances removed per minute at most from a group of `capacity`: at least
 * one, fewer than max_pct of it. */
uint32_t capprov_scale_in_limit(uint32_t capacity, double max_pct);
/* Instances a first-fit-decreasing binpack of the groups needs on bins of
 * shape `bin` (every task must fit an empty bin). */
uint32_t capprov_binpack(const cp_group *groups, uint32_t n, const cp_shape *bin);

/* The run has gone idle: the pending datapoints are cancelled. */
void capprov_quiesce(struct cluster *c);
void capprov_fini(struct cluster *c);

#endif

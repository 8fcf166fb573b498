/* fargate.h -- the FARGATE and FARGATE_SPOT launch types: tasks without
 * container instances.
 *
 * Representation. Each Fargate task gets its own implicit capacity record
 * in the cluster's host array, sized exactly to the task (its cpu and
 * memory, one ENI for awsvpc), created when the task is placed and ended
 * when it stops. So the task lifecycle, the CPU model (a task-level cpu is
 * a hard cap, as on EC2), the load balancer and the recorder all work
 * unchanged, and the cost report bills the record by Fargate's vCPU-hour
 * and GB-hour prices (billing HOST_BILL_FARGATE / _SPOT), not as EC2. The
 * records are not container instances: placement never offers them to
 * another task (placement.c skips them), they are not counted in the
 * cluster's hosts, and no Auto Scaling group or capacity provider sees
 * them. A zone outage stops the Fargate tasks in its zone.
 *
 * Rules, as documented:
 *  - only the valid task cpu/memory combinations
 *    (task-cpu-memory-error.html, task_definition_parameters.html): 256
 *    with 512, 1024, 2048 MiB; 512 with 1024..4096 by 1024; 1024 with
 *    2048..8192 by 1024; 2048 with 4096..16384 by 1024; 4096 with
 *    8192..30720 by 1024; 8192 with 16384..61440 by 4096; 16384 with
 *    32768..122880 by 8192 (ecsim's task cpu stops at 10240 units, so the
 *    last is out of reach). Anything else is a bad-input error naming
 *    file:line:column and listing them;
 *  - the awsvpc network mode, task-level cpu (cpu_mode hard_cap);
 *  - tasks spread across the cluster's zones (fargate.zones): each goes to
 *    the zone with the fewest of its service's Fargate tasks;
 *  - start-up: PROVISIONING for fargate.provisioning (capacity and the
 *    task's ENI; no host boots), then the image pull and container start of
 *    the task definition (Fargate caches no image between tasks);
 *  - billing from the start of the image pull to the task's stop, per
 *    second with a one-minute minimum (https://aws.amazon.com/fargate/pricing/).
 * FARGATE_SPOT tasks are the same at the Spot price, interrupted by spot.c. */
#ifndef ECSIM_FARGATE_H
#define ECSIM_FARGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/catalogue.h"
#include "models/placement.h"
#include "models/task.h"
#include "sim/engine/dist.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;
struct service;

#define FARGATE_MAX_ZONES 8

typedef struct fargate_state {
    bool *def_fargate;     /* per task definition: launch_type FARGATE */
    instance_type type[2]; /* the records' pseudo types "FARGATE", "FARGATE_SPOT" */
    char zones[FARGATE_MAX_ZONES][32];
    uint32_t n_zones;
    dist provisioning;
    gsl_rng *rng; /* stream "fargate:provisioning" */
    uint32_t kind_provisioned;
    uint32_t made[2]; /* records made, for their names "fargate-<k>" */
    bool used;        /* some service runs on Fargate */
} fargate_state;

extern const param_def fargate_params[];

/* 1 when cpu units with memory MiB is a Fargate task size. */
int fargate_size_ok(int64_t cpu_units, int64_t memory_mib);

/* The valid sizes as one line, for error messages. */
void fargate_sizes_text(char *buf, size_t len);

/* Reads fargate.* and the task definitions' launch types, and checks every
 * task definition that runs on Fargate (launch_type FARGATE, or used by a
 * service whose strategy names a Fargate provider). Call after the services
 * are read. */
int fargate_init(struct cluster *c, const params *p, ecs_err *e);

/* Whether task definition d has launch_type FARGATE. */
bool fargate_def(const struct cluster *c, const task_def *d);

/* A new capacity record for one task of sv (spot: FARGATE_SPOT) in the zone
 * with the fewest of sv's Fargate tasks. Returns its host index (the host
 * array may move). */
uint32_t fargate_place(struct cluster *c, const struct service *sv, bool spot);

/* Starts t's life on its record: at once (t=0, steady state), or after
 * PROVISIONING, when its billing starts. */
void fargate_launch(struct cluster *c, task *t, bool at_once);

/* Host h's task stopped: a Fargate record ends with it. */
void fargate_task_released(struct cluster *c, uint32_t h);

void fargate_fini(struct cluster *c);

#endif

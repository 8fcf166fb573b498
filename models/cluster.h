/* cluster.h -- the simulated world: hosts, services and their tasks, load
 * balancers, workloads, the request pool and the recorder, wired together.
 * A cluster owns all of them; the experiment layer builds one per run from
 * checked parameters, starts it, runs the sim and reads the results. */
#ifndef ECSIM_CLUSTER_H
#define ECSIM_CLUSTER_H

#include <stdint.h>
#include <stdio.h>

#include "models/client.h"
#include "models/cost.h"
#include "models/host.h"
#include "models/lb.h"
#include "models/recorder.h"
#include "models/reqclass.h"
#include "models/request.h"
#include "models/service.h"
#include "models/task.h"
#include "models/workload.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"
#include "sim/engine/sim.h"

typedef struct cluster_cfg {
    double stop_s;        /* arrivals stop after this time */
    int64_t max_requests; /* arrivals stop after this many; -1 unlimited */
    double warmup_s;      /* start of the measurement window */
    double sample_interval_s;
    double week_offset_s; /* run.start's time since Monday 00:00 UTC */
} cluster_cfg;

typedef struct cluster {
    sim *s;
    catalogue *cat;
    host *hosts;
    uint32_t n_hosts;
    service *services;
    uint32_t n_services;
    task *tasks;
    uint32_t n_tasks, cap_tasks;
    lb **lbs;
    uint32_t n_lbs;
    workload *workloads;
    uint32_t n_workloads;
    req_class *classes; /* grouped by workload */
    uint32_t n_classes;
    client *clients; /* one per workload */
    request_pool pool;
    recorder rec;
    task_env tenv;
    client_env cenv;
    workload_env wenv;
} cluster;

/* Builds the world from checked params into c (caller-provided memory).
 * Returns ECS_OK, or an input error (unknown instance type, a load balancer
 * with no service behind it, ...) with e naming the place; on error nothing
 * is left to free. */
int cluster_build(cluster *c, const params *p, sim *s, const cluster_cfg *cfg, ecs_err *e);

/* At t=0: places every service's tasks (logging each decision), registers
 * them with their load balancers, starts the workloads. */
void cluster_start(cluster *c);

void cluster_fini(cluster *c);

/* The --check invariants (a sim_check_fn): tasks on a host fit its capacity;
 * each task's workers, slots and queue agree; every service's in-flight count
 * equals what its tasks hold; the request pool holds exactly those. */
int cluster_check(void *ctx, const sim *s, char *why, size_t why_len);

/* "<service>/<k>" for a task. */
void cluster_task_name(const cluster *c, const task *t, char *buf, size_t len);

#endif

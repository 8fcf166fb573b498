/* cluster.h -- the simulated world: hosts, services and their tasks, load
 * balancers, workloads, the request pool and the recorder, wired together.
 * A cluster owns all of them; the experiment layer builds one per run from
 * checked parameters, starts it, runs the sim and reads the results. */
#ifndef ECSIM_CLUSTER_H
#define ECSIM_CLUSTER_H

#include <stdint.h>
#include <stdio.h>

#include <stdbool.h>
#include <gsl/gsl_rng.h>

#include "models/agent.h"
#include "models/asg.h"
#include "models/autoscale.h"
#include "models/capprov.h"
#include "models/client.h"
#include "models/cost.h"
#include "models/costreport.h"
#include "models/cw.h"
#include "models/failure.h"
#include "models/host.h"
#include "models/hpa.h"
#include "models/lb.h"
#include "models/recorder.h"
#include "models/reqclass.h"
#include "models/request.h"
#include "models/scheduler.h"
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

/* A rollout scenario: deployments.<name>. */
typedef struct deployment {
    const char *name; /* borrowed from params */
    uint32_t service;
    const task_def *def;
    double at_s;
    uint64_t ev; /* its pending start, 0 once started */
} deployment;

/* The service scheduler's settings and per-service scratch (scheduler.c). */
typedef struct scheduler_state {
    double interval_s, throttle_initial_s, throttle_max_s;
    bool starting;       /* placing the t=0 tasks: no passes asked for */
    gsl_rng **ties;      /* per service: placement and scale-in ties, "placement:<name>" */
    uint32_t *replacing; /* per service: stopped tasks not yet replaced */
} scheduler_state;

typedef struct cluster {
    sim *s;
    catalogue *cat;
    task_def *defs; /* every task definition, in declaration order */
    uint32_t n_defs;
    host *hosts; /* grows as Auto Scaling groups launch: refer to hosts by index */
    uint32_t n_hosts, cap_hosts;
    host_env henv;
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
    scheduler_state sched;
    deployment *deploys;
    uint32_t n_deploys;
    failure *failures;
    uint32_t n_failures;
    double *crash_rate_per_s; /* per service */
    gsl_rng *lifecycle_rng, *failure_rng;
    uint32_t kind_lifecycle, kind_pass, kind_deploy, kind_check;
    uint16_t check_client; /* the agent's container health checks, as a probe client */
    uint32_t kind_failure, kind_host_mtbf, kind_crash, kind_zone_back;
    uint64_t *host_fail_ev; /* per host: its pending MTBF failure, 0 when none */
    bool quiet;             /* the run has gone idle: no timers are armed any more */
    void *cpu_scratch;      /* hostcpu.c's work array */
    uint32_t cpu_scratch_cap;
    /* cluster autoscaling: Auto Scaling groups and capacity providers */
    asg *asgs;
    uint32_t n_asgs;
    capprov *cps;
    uint32_t n_cps;
    cp_wait *waits;    /* per service: its capacity provider and tasks in PROVISIONING */
    double cp_delay_s; /* metrics.publish_delay_s for CapacityProviderReservation */
    uint32_t kind_asg_boot, kind_asg_health, kind_cp_sample, kind_cp_publish;
    /* service autoscaling: CloudWatch datapoints, Application Auto Scaling, HPA */
    cw cw;
    autoscale as;
    hpa hpa;
    /* where tasks run and what it costs (issue 10): the cost report, Fargate
     * (fargate.h), Spot (spot.h), capacity provider strategies (cpstrategy.h) */
    costreport costs;
    struct fargate_state *fargate;
    struct spot_state *spot;
    struct cps_strategy *strategies; /* per service; n 0 for none */
} cluster;

/* Builds the world from checked params into c (caller-provided memory).
 * Returns ECS_OK, or an input error (unknown instance type, a load balancer
 * with no service behind it, ...) with e naming the place; on error nothing
 * is left to free. */
int cluster_build(cluster *c, const params *p, sim *s, const cluster_cfg *cfg, ecs_err *e);

/* At t=0: places every service's tasks (logging each decision), registers
 * them with their load balancers, arms the failures and deployments, starts
 * the workloads. */
void cluster_start(cluster *c);

/* A new task of sv's primary task definition on host_id (PROVISIONING; its
 * host's resources already reserved). The task array may move. */
task *cluster_new_task(cluster *c, service *sv, uint32_t host_id);

void cluster_fini(cluster *c);

/* Appends a zeroed host to the host array (which may move) and returns its
 * index; per-host arrays grow with it. */
uint32_t cluster_add_host(cluster *c);

/* The --check invariants (a sim_check_fn): tasks on a host fit its capacity;
 * each task's workers, slots and queue agree; every service's in-flight count
 * equals what its tasks hold; the request pool holds exactly those. */
int cluster_check(void *ctx, const sim *s, char *why, size_t why_len);

/* "<service>/<k>" for a task. */
void cluster_task_name(const cluster *c, const task *t, char *buf, size_t len);

#endif

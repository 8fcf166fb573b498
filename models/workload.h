/* workload.h -- request sources that drive load balancers.
 * This slice has Poisson arrivals at a constant rate and service demand
 * drawn from a distribution (exponential, deterministic, lognormal). Each
 * workload draws its interarrival times from stream "arrivals:<name>" and its
 * demands from "demand:<name>", so configurations compared under one seed see
 * the same requests (common random numbers). Arrivals stop at run.duration_s
 * or after run.max_requests arrivals in all. */
#ifndef ECSIM_WORKLOAD_H
#define ECSIM_WORKLOAD_H

#include <stdint.h>

#include "models/lb.h"
#include "models/task.h"
#include "sim/engine/dist.h"
#include "sim/engine/param.h"

typedef struct workload {
    const char *name;    /* borrowed from params */
    const char *lb_name; /* the load balancer it sends to (borrowed) */
    uint32_t lb;         /* its index */
    uint16_t service;    /* the service behind that load balancer */
    double rate_per_s;   /* mean arrival rate */
    dist demand;         /* CPU-seconds at one vCPU per request */
    gsl_rng *arrivals_rng, *demand_rng;
    uint64_t generated; /* requests sent */
    int open;           /* still generating */
} workload;

typedef struct workload_env {
    task_env *tenv;
    lb **lbs;
    workload *w;
    uint32_t n;
    double stop_s;        /* no arrival after this time */
    int64_t max_requests; /* no arrival after this many in all; -1 unlimited */
    uint64_t arrived;     /* arrivals so far, all workloads */
    uint32_t kind_arrival;
} workload_env;

extern const param_def workload_params[];

/* Reads workloads.<name>.* into w (the caller resolves lb and service). */
void workload_read(workload *w, const params *p, const char *name, sim *s);

/* Registers the arrival event and schedules each workload's first arrival.
 * env->w, n, tenv, lbs, stop_s and max_requests must be set. */
void workload_start(workload_env *env, sim *s);

#endif

/* workload.h -- request sources that drive load balancers.
 * A workload is open loop (a synthetic arrival process from arrival.h, or a
 * recorded trace replayed from trace.h) or closed loop (N virtual users, each
 * sending a request, waiting for its end, thinking, and sending again, as
 * load-testing tools do, ramped up over time). Each request gets a class
 * (by weight, or from the trace) and a service demand (the trace's hint, else
 * its class's, else the workload's distribution), then goes to the
 * workload's client (client.h) for its attempts. Streams: "arrivals:<name>",
 * "modulation:<name>", "demand:<name>", "classes:<name>", "think:<name>",
 * "trace:<name>", "jitter:<name>": configurations compared under one seed see
 * the same requests (common random numbers). Arrivals stop at run.duration_s
 * or after run.max_requests requests in all. */
#ifndef ECSIM_WORKLOAD_H
#define ECSIM_WORKLOAD_H

#include <stdint.h>
#include <gsl/gsl_randist.h>

#include "models/arrival.h"
#include "models/client.h"
#include "models/reqclass.h"
#include "models/trace.h"
#include "sim/engine/dist.h"
#include "sim/engine/param.h"

typedef enum { SOURCE_SYNTHETIC, SOURCE_TRACE, SOURCE_CLOSED_LOOP } workload_source;

typedef struct workload {
    const char *name;    /* borrowed from params */
    const char *lb_name; /* the load balancer it sends to (borrowed) */
    uint32_t lb;         /* its index */
    uint16_t service;    /* the service behind that load balancer */
    workload_source source;
    arrival_proc *proc;  /* SOURCE_SYNTHETIC */
    trace_reader *trace; /* SOURCE_TRACE */
    trace_record next;   /* the trace's next arrival, read ahead */
    int class_by_path;   /* trace keys are URL paths (logs), not class names */
    uint32_t users;      /* SOURCE_CLOSED_LOOP: virtual users */
    uint32_t user_base;  /* global index of its first user */
    uint32_t users_active;
    double users_ramp_s;
    dist think;                /* think time */
    dist demand;               /* default service demand */
    double mem_mib;            /* memory a request holds in service */
    uint16_t cls_first, n_cls; /* its classes in the cluster's class array */
    gsl_ran_discrete_t *cls_pick;
    gsl_rng *demand_rng, *class_rng, *think_rng;
    uint64_t generated; /* requests sent */
    uint64_t initial;   /* initial_requests: sent at t=0 besides the arrivals */
    int open;           /* still generating */
} workload;

typedef struct workload_env {
    client_env *cenv;
    task_env *tenv;
    workload *w;
    uint32_t n;
    req_class *classes; /* all classes, grouped by workload */
    uint32_t n_classes;
    uint16_t *user_workload; /* global user index -> workload */
    double stop_s;           /* no request after this time */
    int64_t max_requests;    /* no request after this many in all; -1 unlimited */
    uint64_t arrived;        /* requests so far, all workloads */
    uint32_t kind_arrival, kind_user;
} workload_env;

extern const param_def workload_params[];

/* Reads workloads.<name>.* into w and opens its source (a trace file is
 * opened and its first row read here, so a missing or bad file is reported
 * before the run). week_offset_s is run.start's time since Monday 00:00
 * UTC. The caller resolves lb, service and the classes; frees with
 * workload_fini. */
int workload_read(workload *w, const params *p, const char *name, sim *s, double week_offset_s,
                  ecs_err *e);
void workload_fini(workload *w);

/* Builds each workload's class table from env->classes (after lb/service are
 * resolved). */
void workload_bind_classes(workload_env *env);

/* Registers the events and schedules each workload's first arrivals. */
void workload_start(workload_env *env, sim *s);

/* The client's done callback: a closed-loop user thinks, then sends again. */
void workload_request_done(void *ctx, uint16_t workload, uint32_t user);

#endif

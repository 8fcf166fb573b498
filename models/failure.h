/* failure.h -- failures a scenario injects: tasks that crash at a rate,
 * hosts that fail at a time or with a mean time between failures, an
 * availability zone that goes dark for a window, a task whose process
 * hangs. The service scheduler then restores the count on what remains, or
 * says in events.csv why it cannot. */
#ifndef ECSIM_FAILURE_H
#define ECSIM_FAILURE_H

#include <stdbool.h>

#include "models/task.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

typedef enum { FAIL_TASK_CRASH, FAIL_HOST, FAIL_ZONE_OUTAGE, FAIL_TASK_HANG } failure_kind;

typedef struct failure {
    const char *name; /* borrowed from params */
    failure_kind kind;
    int32_t service;        /* task_crash, task_hang; -1 when not set */
    int32_t host;           /* host_failure at a time; -1 when not set */
    const char *host_name;  /* host_failure's host as named ("" when not set) */
    bool host_later;        /* an Auto Scaling group instance launched later: found at at_s */
    const char *host_group; /* host_failure with an MTBF ("" when not set) */
    const char *zone;       /* zone_outage */
    double at_s, duration_s, rate_per_s, mtbf_s;
    uint32_t task_k; /* task_hang: the service's k-th task (1-based, in start order) */
    uint64_t ev;     /* its pending event (the failure, or a zone's return), 0 when none */
} failure;

extern const param_def failure_params[];

/* Reads failures.*; an input error names the place (an unknown host, a
 * task_crash without a service, ...). */
int failure_init(struct cluster *c, const params *p, ecs_err *e);

/* Arms the timed failures (at t=0). */
void failure_start(struct cluster *c);

/* A task of a crashing service turned RUNNING / stopped: arms / disarms its crash. */
void failure_task_running(struct cluster *c, task *t);
void failure_task_stopped(struct cluster *c, task *t);

/* Whether a zone_outage holds zone dark now. */
bool failure_zone_out(const struct cluster *c, const char *zone);

/* Host h (an Auto Scaling group's, launched at run time) registered: it
 * fails with its group's mean time between failures too. */
void failure_host_registered(struct cluster *c, uint32_t h);

/* The run has gone idle: cancels every pending failure. */
void failure_quiesce(struct cluster *c);

#endif

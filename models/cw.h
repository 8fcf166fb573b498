/* cw.h -- CloudWatch metrics as ECS and the load balancer publish them: one
 * datapoint per period (60 s, or 20 s for high-resolution metrics) and per
 * service, with the statistics Average, Minimum, Maximum, Sum and
 * SampleCount, for the metrics service autoscaling reads:
 *
 *   CPUUtilization, MemoryUtilization (AWS/ECS, per service): used over
 *     reserved by the service's RUNNING tasks, in percent, as ECS computes
 *     them (cloudwatch-metrics.html: "the total CPU units that are used by
 *     the tasks in the service, divided by the total number of CPU units
 *     that are reserved"). ECS aggregates several samples per period into a
 *     datapoint; we take one sample every metrics.sample_interval_s (each
 *     the utilisation over that sample interval), so Average is their mean
 *     and Minimum/Maximum show short spikes the Average hides.
 *   RequestCountPerTarget (AWS/ApplicationELB, per target group): requests
 *     in the period over the healthy targets (the mean of the samples), Sum
 *     statistic (load-balancer-cloudwatch-metrics.html).
 *   RequestCount, HTTPCode_ELB_5XX_Count (Sum), TargetResponseTime (Average
 *     of the successful answers' times, seconds). ELB publishes only when
 *     requests flow, so these are missing in a period without any.
 *
 * Timing (DESIGN.md "Pinned decisions"): periods are aligned to t=0; the
 * datapoint of period k ([kP, (k+1)P)) is published at (k+1)P +
 * metrics.publish_delay_s, and alarms evaluate at each publication: the
 * listeners (cw_listen) run then, after the datapoints of period k are
 * visible through cw_last. A CPU or memory datapoint is missing when no task
 * of the service ran in the period (ECS publishes none).
 *
 * The work is per sample and per period, O(services) each: nothing grows
 * with requests. The metrics' events are armed only when something reads
 * them (metrics.enabled, a service with autoscaling, or a model that calls
 * cw_enable before cluster_start), so runs without autoscaling keep their
 * event sequence. */
#ifndef ECSIM_CW_H
#define ECSIM_CW_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/err.h"
#include "sim/engine/param.h"
#include "sim/engine/sim.h"

struct cluster;

typedef enum {
    CW_CPU,            /* CPUUtilization, % */
    CW_MEM,            /* MemoryUtilization, % */
    CW_REQ_PER_TARGET, /* RequestCountPerTarget, requests per target per period */
    CW_REQUESTS,       /* RequestCount */
    CW_RESPONSE_TIME,  /* TargetResponseTime, s */
    CW_ELB_5XX,        /* HTTPCode_ELB_5XX_Count */
    CW_N_METRICS
} cw_metric;

typedef enum { CW_AVERAGE, CW_MINIMUM, CW_MAXIMUM, CW_SUM, CW_SAMPLE_COUNT } cw_stat;

/* One datapoint; count == 0 means missing (every statistic NAN). */
typedef struct cw_datapoint {
    double avg, min, max, sum, count;
} cw_datapoint;

/* Called at each publication of period k (now = (k+1)P + delay). */
typedef void (*cw_listener_fn)(void *ctx, uint64_t k, double now_s);

#define CW_MAX_LISTENERS 8

typedef struct cw_svc cw_svc; /* per-service accumulators (cw.c) */

typedef struct cw {
    struct cluster *c;
    bool enabled, started;
    double period_s, delay_s, sample_s;
    uint32_t samples_per_period;
    uint32_t n_svc;
    cw_svc *svc;
    uint64_t next_sample; /* index j of the next sample, at j * sample_s */
    uint32_t ring;        /* datapoints computed, not yet published: room per service */
    uint64_t sample_ev;
    uint64_t *publish_ev; /* per ring slot: its pending publication, 0 when none */
    uint32_t kind_sample, kind_publish;
    uint64_t published; /* periods published so far */
    cw_listener_fn fn[CW_MAX_LISTENERS];
    void *fn_ctx[CW_MAX_LISTENERS];
    uint32_t n_fn;
} cw;

extern const param_def cw_params[];

/* Reads metrics.*; allocates the per-service state (c->services must be
 * built). Listeners added before it (to the zeroed struct) are kept. Input
 * errors name the place. */
int cw_init(cw *m, struct cluster *c, const params *p, ecs_err *e);
void cw_fini(cw *m);

/* Asks for the datapoints (before cluster_start). */
void cw_enable(cw *m);
/* Adds a listener, called at every publication in the order added; enables
 * the metrics. Returns 0, or -1 when CW_MAX_LISTENERS are taken. */
int cw_listen(cw *m, cw_listener_fn fn, void *ctx);

/* Arms the sampling (at t=0) when enabled. */
void cw_start(cw *m);
/* The run has gone idle: cancels the pending samples and publications. */
void cw_quiesce(cw *m);

/* The last published datapoint of a service's metric (missing before the
 * first publication). */
cw_datapoint cw_last(const cw *m, uint32_t svc, cw_metric metric);
double cw_stat_of(const cw_datapoint *d, cw_stat stat); /* NAN when missing */

/* The period index k whose datapoint covers time t, and when it is
 * published: (k+1)P + delay. */
uint64_t cw_period_of(const cw *m, double t_s);
double cw_publish_time(const cw *m, uint64_t k);

const char *cw_metric_name(cw_metric metric); /* "CPUUtilization" */
const char *cw_stat_name(cw_stat stat);       /* "Average" */

#endif

/* recorder.h -- what a run measures: per-service counters, latency
 * histograms, CPU time-averages, the timeseries rows and the event log.
 * The totals cover the measurement window (requests that arrive at or after
 * run.warmup_s); the interval rows written every sample interval cover
 * everything, warm-up included, so a reader sees the cluster fill up. All of
 * it is fixed-size per service: nothing grows with requests. The hot-path
 * verbs are inline, hence the plain struct. */
#ifndef ECSIM_RECORDER_H
#define ECSIM_RECORDER_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/csvout.h"
#include "sim/engine/hist.h"
#include "sim/engine/sim.h"
#include "sim/engine/stats.h"

typedef struct svc_meter {
    const char *name; /* the service's name (borrowed) */
    /* measurement window: requests that arrived at or after warmup_s */
    uint64_t arrivals, completed, err_502, err_503;
    hist latency; /* response times of successful requests, seconds */
    /* the current sample interval, by event time */
    uint64_t i_arrivals, i_completed, i_errors;
    hist i_latency;
    /* all time, warm-up included: n_in == n_ok + n_err + in_flight */
    uint64_t n_in, n_ok, n_err;
    uint64_t in_flight;                  /* arrived and not yet answered */
    timeavg used_vcpu;                   /* vCPU in use by the service's tasks */
    timeavg reserved_vcpu;               /* vCPU reserved by its running tasks */
    double i_used_area, i_reserved_area; /* areas at the interval's start */
    double w_used_area, w_reserved_area; /* areas when the warm-up ended */
    uint32_t running_tasks, desired_tasks, unplaced_tasks;
} svc_meter;

typedef struct recorder {
    sim *sim;
    svc_meter *svc;
    uint32_t n_svc;
    double warmup_s;
    double interval_s;    /* sample interval */
    uint64_t next_sample; /* index k of the next sample at k * interval_s */
    double last_sample_s; /* end of the last interval written */
    uint32_t kind_sample, kind_warmup;
    uint32_t open_sources; /* workloads still generating arrivals */
    uint64_t in_flight;    /* all services */
    uint64_t sample_ev;    /* handle of the pending sample event, 0 when none */
    uint32_t hosts;        /* hosts running now */
    uint64_t n_events_logged;
    csvw timeseries; /* fp NULL: not written */
    csvw events;     /* fp NULL: not written */
} recorder;

/* Initialises for the named services. Registers the sampling event with s
 * and schedules the first sample. Nothing is written until recorder_attach. */
void recorder_init(recorder *r, sim *s, const char *const *service_names, uint32_t n,
                   double warmup_s, double interval_s);
/* Gives the recorder its output streams (either may be NULL) and writes the
 * CSV headers. */
void recorder_attach(recorder *r, FILE *timeseries, FILE *events);
void recorder_fini(recorder *r);

/* Nothing is in flight and no arrival can come: sampling stops, so the run
 * ends with its last request rather than at the next sample time. */
void recorder_idle(recorder *r);

/* A workload stopped generating arrivals. */
void recorder_source_closed(recorder *r);

static inline void recorder_arrival(recorder *r, uint32_t svc, double now_s)
{
    svc_meter *m = &r->svc[svc];
    m->i_arrivals++;
    m->n_in++;
    m->in_flight++;
    r->in_flight++;
    if (now_s >= r->warmup_s) m->arrivals++;
}

static inline void recorder_complete(recorder *r, uint32_t svc, double arrival_s, double now_s)
{
    svc_meter *m = &r->svc[svc];
    double latency_s = now_s - arrival_s;
    m->i_completed++;
    m->n_ok++;
    m->in_flight--;
    if (--r->in_flight == 0 && r->open_sources == 0) recorder_idle(r);
    hist_add(&m->i_latency, latency_s);
    if (arrival_s >= r->warmup_s) {
        m->completed++;
        hist_add(&m->latency, latency_s);
    }
}

/* A request answered with an error status (502 or 503) at now_s. */
static inline void recorder_error(recorder *r, uint32_t svc, int status, double arrival_s)
{
    svc_meter *m = &r->svc[svc];
    m->i_errors++;
    m->n_err++;
    m->in_flight--;
    if (--r->in_flight == 0 && r->open_sources == 0) recorder_idle(r);
    if (arrival_s >= r->warmup_s) {
        if (status == 503)
            m->err_503++;
        else
            m->err_502++;
    }
}

static inline void recorder_cpu(recorder *r, uint32_t svc, double now_s, double delta_vcpu)
{
    timeavg_add(&r->svc[svc].used_vcpu, now_s, delta_vcpu);
}

/* A task of the service started (+1) or stopped (-1) running with the given
 * reserved vCPU. */
void recorder_task_running(recorder *r, uint32_t svc, double now_s, int delta, double vcpu);

/* Appends a line to events.csv: time, kind, object, detail. */
void recorder_event(recorder *r, double now_s, const char *kind, const char *object,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Writes the rows of a final, possibly partial, interval ending at now_s
 * (nothing if one just ended there). */
void recorder_flush(recorder *r, double now_s);

/* Mean CPU utilisation of a service over [warmup_s, until_s], percent of its
 * tasks' reservation (as ECS computes CPUUtilization). */
double recorder_cpu_util_pct(const recorder *r, uint32_t svc, double until_s);

#endif

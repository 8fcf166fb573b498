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

#include "models/batches.h"
#include "sim/engine/csvout.h"
#include "sim/engine/hist.h"
#include "sim/engine/sim.h"
#include "sim/engine/stats.h"

typedef struct svc_meter {
    const char *name; /* the service's name (borrowed) */
    /* measurement window: attempts that arrived, and requests first sent, at
     * or after warmup_s. A request is what a client wants done; an attempt is
     * one try of it at the load balancer (the first, or a retry). */
    uint64_t requests, retries;                      /* first tries; later attempts */
    uint64_t attempts_ok, err_502, err_503, err_504; /* attempts answered to a waiting client */
    uint64_t timeouts;                               /* attempts the client stopped waiting for */
    uint64_t late, dropped;          /* answered after the client left; dropped (499) */
    uint64_t first_try_ok;           /* requests that succeeded at once */
    uint64_t final_ok, final_failed; /* how requests ended */
    hist latency;                    /* successful attempts: arrival to answer, s */
    hist client_latency;             /* successful requests: first send to answer, s */
    /* the current sample interval, by event time */
    uint64_t i_requests, i_retries, i_completed, i_errors, i_timeouts;
    hist i_latency;
    /* all time, warm-up included: n_in == n_out + in_flight */
    uint64_t n_in, n_out;
    uint64_t in_flight;                  /* attempts at the load balancer or in a task */
    timeavg used_vcpu;                   /* vCPU in use by the service's tasks */
    timeavg reserved_vcpu;               /* vCPU reserved by its running tasks */
    timeavg used_mib;                    /* memory in use by its tasks (base + requests) */
    timeavg reserved_mib;                /* memory reserved by its running tasks */
    double peak_mem_pct;                 /* highest memory use of one task, % of its limit */
    uint32_t oom_kills;                  /* tasks killed for exceeding their memory */
    double i_used_area, i_reserved_area; /* areas at the interval's start */
    double w_used_area, w_reserved_area; /* areas when the warm-up ended */
    double w_used_mib_area, w_reserved_mib_area;
    double i_used_mib_area, i_reserved_mib_area;
    uint32_t running_tasks, desired_tasks, unplaced_tasks;
    /* autoscaling (cw.c, autoscale.c, hpa.c): all time, warm-up included */
    uint64_t n_ok_all;      /* successful attempts (TargetResponseTime's count) */
    double latency_sum_all; /* their response times, s */
    uint64_t n_5xx_all;     /* 502, 503, 504 answered by the load balancer */
    uint32_t pending_tasks; /* started, not yet RUNNING (refreshed at each sample) */
    double cw_cpu_pct, cw_mem_pct, cw_req_per_target; /* last published datapoints */
    int8_t alarm_high, alarm_low; /* alarm_state of the scale-out / scale-in alarms, -1: none */
    uint32_t scale_out_actions, scale_in_actions;
    double first_breach_s;    /* start of the first breach that led to a scale-out, or NAN */
    double first_scale_out_s; /* the first dynamic scale-out, or NAN */
    uint32_t minutes_over_slo;
    hist *minute_prev; /* `latency` at the start of the current minute */
    /* cluster autoscaling (capprov.c): tasks waiting for capacity, all time */
    uint32_t provisioning_tasks;    /* waiting in PROVISIONING now */
    uint64_t provisioning_waits;    /* tasks placed after waiting */
    double provisioning_wait_sum_s; /* their waits */
    double provisioning_wait_max_s;
    double capacity_reservation_pct; /* its capacity provider's last datapoint, NAN for none */
} svc_meter;

/* Per request class (a workload's mix of endpoints), in the window. */
typedef struct class_meter {
    const char *name; /* borrowed */
    uint64_t requests, final_ok, final_failed;
    hist latency; /* successful attempts: arrival to answer, s */
} class_meter;

/* Someone the recorder tells the time of a sample. */
typedef struct recorder_hook {
    void (*fn)(void *ctx, double now_s);
    void *ctx;
} recorder_hook;

#define RECORDER_MAX_HOOKS 4

typedef struct recorder {
    sim *sim;
    svc_meter *svc;
    uint32_t n_svc;
    class_meter *cls;
    uint32_t n_cls;
    double warmup_s;
    double interval_s;    /* sample interval */
    uint64_t next_sample; /* index k of the next sample at k * interval_s */
    double last_sample_s; /* end of the last interval written */
    uint32_t kind_sample, kind_warmup;
    uint32_t open_sources;      /* workloads still generating arrivals */
    uint64_t in_flight;         /* all services */
    uint64_t sample_ev;         /* handle of the pending sample event, 0 when none */
    void (*idle_fn)(void *ctx); /* told when the run goes idle (its timers stop) */
    void *idle_ctx;
    uint32_t hosts;          /* hosts running now: registered, ACTIVE or DRAINING */
    uint32_t hosts_pending;  /* launched, booting, not registered yet */
    uint32_t hosts_draining; /* DRAINING before termination */
    uint64_t n_events_logged;
    csvw timeseries; /* fp NULL: not written */
    csvw events;     /* fp NULL: not written */
    /* told before each timeseries row set, before the interval counters
     * reset, in the order they listened (recorder_listen_rows) */
    recorder_hook rows_hooks[RECORDER_MAX_HOOKS];
    uint32_t n_rows_hooks;
    /* one-minute intervals whose p99 exceeded the SLO (summary's minutes_over_slo) */
    double slo_p99_s;
    double minute_end_s; /* end of the current minute */
    uint32_t minutes_over_slo;
    hist *minute_diff, *minute_total; /* scratch */
    batches *bt;                /* time batches for steady-state estimates (batches.h), or NULL */
    recorder_hook after_sample; /* told after each sample (fn NULL: none) */
} recorder;

/* Initialises for the named services. Registers the sampling event with s
 * and schedules the first sample. Nothing is written until recorder_attach. */
void recorder_init(recorder *r, sim *s, const char *const *service_names, uint32_t n,
                   double warmup_s, double interval_s);
/* Gives the recorder its output streams (either may be NULL) and writes the
 * CSV headers. */
void recorder_attach(recorder *r, FILE *timeseries, FILE *events);
/* fn(ctx, t) is called before each timeseries row set (at every sample and
 * at the final flush), after those that listened before it. */
void recorder_listen_rows(recorder *r, void (*fn)(void *ctx, double now_s), void *ctx);

/* Adds the request classes (after init, before the run). */
void recorder_set_classes(recorder *r, const char *const *class_names, uint32_t n);
void recorder_fini(recorder *r);

/* Nothing is in flight and no arrival can come: sampling stops, so the run
 * ends with its last request rather than at the next sample time. */
void recorder_idle(recorder *r);

/* A workload stopped generating arrivals. */
void recorder_source_closed(recorder *r);

/* An attempt reached the load balancer: a first try or a retry. */
static inline void recorder_attempt_in(recorder *r, uint32_t svc, int is_retry, double now_s)
{
    svc_meter *m = &r->svc[svc];
    m->n_in++;
    m->in_flight++;
    r->in_flight++;
    if (is_retry) {
        m->i_retries++;
        if (now_s >= r->warmup_s) m->retries++;
    } else {
        m->i_requests++;
        if (now_s >= r->warmup_s) m->requests++;
        if (r->bt) batches_request(r->bt, svc, now_s);
    }
}

/* An attempt left the system (answered, refused, dropped). */
static inline void recorder_attempt_out(recorder *r, uint32_t svc)
{
    svc_meter *m = &r->svc[svc];
    m->n_out++;
    m->in_flight--;
    if (--r->in_flight == 0 && r->open_sources == 0) recorder_idle(r);
}

/* Closes the one-minute interval(s) before now_s for minutes_over_slo (out
 * of line: once a minute). */
void recorder_minute_roll(recorder *r, double now_s);
/* Closes the last, partial, minute at the end of the run. */
void recorder_minute_finish(recorder *r);

/* A successful answer (200) to a client still waiting. */
static inline void recorder_attempt_ok(recorder *r, uint32_t svc, uint16_t cls, double arrival_s,
                                       double now_s)
{
    svc_meter *m = &r->svc[svc];
    double latency_s = now_s - arrival_s;
    uint32_t b = hist_bucket(latency_s);
    if (now_s >= r->minute_end_s) recorder_minute_roll(r, now_s);
    m->n_ok_all++;
    m->latency_sum_all += latency_s;
    m->i_completed++;
    hist_add_at(&m->i_latency, latency_s, b);
    if (arrival_s >= r->warmup_s) {
        m->attempts_ok++;
        hist_add_at(&m->latency, latency_s, b);
        if (cls < r->n_cls) hist_add_at(&r->cls[cls].latency, latency_s, b);
    }
    if (r->bt) batches_ok(r->bt, svc, cls, arrival_s, latency_s, b);
}

/* An error answer (502, 503 or 504) to a client still waiting. */
static inline void recorder_attempt_error(recorder *r, uint32_t svc, int status, double arrival_s)
{
    svc_meter *m = &r->svc[svc];
    m->i_errors++;
    m->n_5xx_all++;
    if (arrival_s >= r->warmup_s) {
        if (status == 503)
            m->err_503++;
        else if (status == 504)
            m->err_504++;
        else
            m->err_502++;
    }
}

/* The client stopped waiting for an attempt (its timeout fired). */
void recorder_timeout(recorder *r, uint32_t svc, double arrival_s);
/* An answer came after the client had gone (wasted work), or a queued
 * attempt was dropped unserved (499). */
void recorder_late(recorder *r, uint32_t svc, double arrival_s);
void recorder_dropped(recorder *r, uint32_t svc, double arrival_s);
/* How a request ended, after its last attempt: ok, or failed (errors or
 * timeouts with no retry left). `attempts` counts its tries. */
static inline void recorder_final(recorder *r, uint32_t svc, uint16_t cls, double first_s,
                                  double now_s, int ok, unsigned attempts)
{
    if (r->bt) batches_final(r->bt, svc, first_s, now_s, ok);
    if (first_s < r->warmup_s) return;
    svc_meter *m = &r->svc[svc];
    class_meter *c = cls < r->n_cls ? &r->cls[cls] : NULL;
    if (c) c->requests++;
    if (ok) {
        m->final_ok++;
        if (attempts == 1) m->first_try_ok++;
        hist_add(&m->client_latency, now_s - first_s);
        if (c) c->final_ok++;
    } else {
        m->final_failed++;
        if (c) c->final_failed++;
    }
}

static inline void recorder_cpu(recorder *r, uint32_t svc, double now_s, double delta_vcpu)
{
    timeavg_add(&r->svc[svc].used_vcpu, now_s, delta_vcpu);
}

/* A task of the service started (+1) or stopped (-1) running with the given
 * reserved vCPU and memory. */
void recorder_task_running(recorder *r, uint32_t svc, double now_s, int delta, double vcpu,
                           double mib);

static inline void recorder_mem(recorder *r, uint32_t svc, double now_s, double delta_mib)
{
    timeavg_add(&r->svc[svc].used_mib, now_s, delta_mib);
}

/* Mean memory use of a service over [warmup_s, until_s], percent of its
 * tasks' memory (as ECS computes MemoryUtilization). */
double recorder_mem_util_pct(const recorder *r, uint32_t svc, double until_s);

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

/* history.h -- what the charts and the ticker show: samples of the world
 * taken every `dt` simulated seconds, the last events.csv lines, and each
 * alarm's states over time.
 *
 * A sample holds, per service, arrivals per second over the last dt,
 * latency p50 and p99 of the requests answered in the last dt, running and
 * desired tasks; and the hosts running and booting, and the Auto Scaling
 * group's desired capacity when the world knows it (NAN otherwise). Latency comes from the
 * recorder's interval histogram: the difference between two samples' copies
 * is the window's distribution (after the recorder starts a new interval,
 * the window is what the new interval holds so far). Alarms come from the
 * world when its model provides them, and from events.csv lines whose kind
 * names an alarm ("alarm", "alarm_state", ...): the object is the alarm and
 * the state is the last of OK, ALARM, INSUFFICIENT_DATA in the detail. */
#ifndef ECSIM_VIZ_HISTORY_H
#define ECSIM_VIZ_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "viz/world.h"

struct cluster;

enum { VH_ARRIVALS, VH_P50, VH_P99, VH_RUNNING, VH_DESIRED, VH_SVC_FIELDS };
enum { VH_HOSTS, VH_BOOTING, VH_ASG_DESIRED, VH_FIELDS };

#define VH_TICKER 64

typedef struct vh_line {
    double t_s;
    char kind[40];
    char object[64];
    char detail[200];
} vh_line;

typedef struct vh_change {
    double t_s;
    int state; /* vw_alarm_state */
} vh_change;

typedef struct vh_alarm {
    char name[VW_NAME];
    vh_change *changes; /* in time order; the first is its first known state */
    uint32_t n, cap;
} vh_alarm;

typedef struct vh_latency {
    uint64_t *counts; /* the interval histogram at the last sample */
    uint64_t n;
    double since_s; /* the interval's start then */
    uint64_t arrivals;
} vh_latency;

typedef struct history {
    double dt; /* simulated seconds between samples */
    uint32_t n_svc;
    size_t n, cap;   /* samples */
    double *t;       /* [n] */
    float *v;        /* [n][n_svc * VH_SVC_FIELDS + VH_FIELDS], NAN where unknown */
    vh_latency *lat; /* per service */
    vh_line ticker[VH_TICKER];
    uint64_t n_lines;   /* events.csv lines seen (the header is not one) */
    uint64_t n_scaling; /* of which scaling decisions (history_is_scaling) */
    vh_alarm *alarms;
    uint32_t n_alarms, cap_alarms;
} history;

/* For n_svc services, a sample every dt seconds. */
void history_init(history *h, uint32_t n_svc, double dt);
void history_fini(history *h);
/* Forgets every sample and line (a restart). */
void history_reset(history *h);

/* Takes the sample at w->now_s from the snapshot and the cluster's latency
 * histograms (read through world.c). */
void history_sample(history *h, const vw_world *w, const struct cluster *c);

/* One events.csv line (not NUL-terminated, no newline). The header line is
 * recognised and skipped. */
void history_event_line(history *h, const char *line, size_t len);

/* The last line seen (NULL before any); the k-th before it with k > 0. */
const vh_line *history_line(const history *h, uint64_t k);

/* Whether an events.csv kind is a scaling decision or an alarm: kinds
 * naming scaling, desired counts, alarms, capacity or an Auto Scaling group
 * (what "jump to the next scaling event" stops at). */
int history_is_scaling(const char *kind);

/* Sample i's value: per service (svc < n_svc) or global (svc == n_svc). */
static inline float history_value(const history *h, size_t i, uint32_t svc, int field)
{
    size_t stride = (size_t) h->n_svc * VH_SVC_FIELDS + VH_FIELDS;
    return h
        ->v[i * stride +
            (svc < h->n_svc ? (size_t) svc * VH_SVC_FIELDS : (size_t) h->n_svc * VH_SVC_FIELDS) +
            (size_t) field];
}

/* Appends n made-up samples (a load wave, latency that follows it) for
 * benchmarks that have no run. */
void history_synthetic(history *h, size_t n);

/* The alarm's state at time t (VW_ALARM_INSUFFICIENT before its first). */
int history_alarm_state(const vh_alarm *a, double t);

/* Copies the alarms' current states into w->alarms when the model gave
 * none (world.c), so the world always lists them. */
void history_alarms_to_world(const history *h, vw_world *w);

#endif

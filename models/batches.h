/* batches.h -- a run's observations kept in time batches, for steady-state
 * estimates (warm-up cut-off, confidence intervals, precision stopping).
 * Per service: successful attempts' response times (by arrival), clients'
 * response times and requests with their failures (by first send), and the
 * CPU and memory areas of each sample interval; per request class: response
 * times. Everything goes into one steady_set (sim/engine/steady.h), so the
 * series share their batches and merge into run-wide ones. The recorder
 * feeds it through the hooks below when a run attaches one (recorder.bt);
 * observations before t0 (run.warmup_s) are counted but not batched. */
#ifndef ECSIM_BATCHES_H
#define ECSIM_BATCHES_H

#include <stdint.h>

#include "sim/engine/hist.h"
#include "sim/engine/steady.h"

typedef struct batches {
    steady_set set;
    uint32_t n_svc, n_cls;
    int share_client; /* clat ids are lat's: batches_final adds nothing for ok */
    uint32_t *lat, *clat, *err, *cpu, *mem; /* per service: series ids */
    uint32_t *cls_lat;                      /* per class */
    double *last_s;                         /* per service: time of the last area sample */
    double *last_area;                      /* per service: 4 areas at last_s */
} batches;

/* Batches of width w0 (the sample interval) from t0 for n_svc services.
 * share_client: no client retries or times out, so a request's client
 * response time is its one attempt's, and the clients' series is the
 * attempts' (one histogram per batch fewer on the hot path). */
void batches_init(batches *b, uint32_t n_svc, double t0, double w0, int share_client);
void batches_set_classes(batches *b, uint32_t n_cls);
void batches_fini(batches *b);

/* A request was first sent at first_s. */
static inline void batches_request(batches *b, uint32_t svc, double first_s)
{
    steady_ratio_add(&b->set, b->err[svc], first_s, 0, 1);
}

/* An attempt that arrived at arrival_s was answered 200 after latency_s
 * (bucket = hist_bucket(latency_s)); cls >= n_cls for no class. */
static inline void batches_ok(batches *b, uint32_t svc, uint32_t cls, double arrival_s,
                              double latency_s, uint32_t bucket)
{
    steady_hist_add(&b->set, b->lat[svc], arrival_s, latency_s, bucket);
    if (cls < b->n_cls) steady_hist_add(&b->set, b->cls_lat[cls], arrival_s, latency_s, bucket);
}

/* A request first sent at first_s ended at now_s: ok, or failed. */
static inline void batches_final(batches *b, uint32_t svc, double first_s, double now_s, int ok)
{
    if (ok && !b->share_client)
        steady_hist_add(&b->set, b->clat[svc], first_s, now_s - first_s,
                        hist_bucket(now_s - first_s));
    else if (!ok)
        steady_ratio_add(&b->set, b->err[svc], first_s, 1, 0);
}

/* The service's all-time CPU and memory areas (vCPU-s used and reserved,
 * MiB-s used and reserved) at now_s: what accrued since the last call goes
 * to the batch holding the middle of that span. The recorder calls it at
 * every sample and at the end of the warm-up. */
void batches_areas(batches *b, uint32_t svc, double now_s, double used, double reserved,
                   double used_mib, double reserved_mib);

#endif

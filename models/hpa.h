/* hpa.h -- the Kubernetes Horizontal Pod Autoscaler's rules applied to an
 * ECS service, as the alternative policy family (ECS-RULES.md 1.9;
 * https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/):
 *
 *   services:
 *     web:
 *       hpa:
 *         metric: cpu            # cpu | memory (% of the task's reservation) |
 *                                # requests_per_target (requests/s per RUNNING task)
 *         target: 60
 *         min_replicas: 2
 *         max_replicas: 20
 *         tolerance: 0.1
 *         scale_up: {stabilization_window_s: 0, select_policy: Max,
 *                    policies: {pct: {type: Percent, value: 100, period_s: 15},
 *                               pods: {type: Pods, value: 4, period_s: 15}}}
 *         scale_down: {stabilization_window_s: 300, select_policy: Max,
 *                      policies: {pct: {type: Percent, value: 100, period_s: 15}}}
 *
 * Every hpa.sync_period_s (15 s) the controller reads the metric over the
 * last hpa.metric_window_s (our choice: 30 s, about what metrics-server's
 * window gives), and computes desired = ceil(ready x metric / target),
 * skipping a change whose ratio is within the tolerance. Tasks not yet
 * RUNNING are not ready: when scaling up they count at 0% of the target,
 * and nothing happens if that undoes the scale-up. The recommendation is
 * then stabilised (scale-down: the highest recommendation within the
 * window; scale-up: the lowest), limited by the behaviour policies (the
 * change allowed over each policy's period, counting the changes already
 * made in it; select Max, Min or Disabled), and clamped to [min, max]. When
 * a direction has no policies the Kubernetes defaults apply. A service uses
 * either hpa or autoscaling, not both. */
#ifndef ECSIM_HPA_H
#define ECSIM_HPA_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

#define HPA_MAX_POLICIES 8

typedef enum { HPA_PODS, HPA_PERCENT } hpa_policy_type;
typedef enum { HPA_SELECT_MAX, HPA_SELECT_MIN, HPA_SELECT_DISABLED } hpa_select;

typedef struct hpa_policy {
    hpa_policy_type type;
    int64_t value;
    double period_s;
} hpa_policy;

typedef struct hpa_rules {
    double window_s;
    hpa_select select;
    hpa_policy pol[HPA_MAX_POLICIES];
    uint32_t n;
} hpa_rules;

/* A time and a number: a recommendation, or a scale event's change. */
typedef struct hpa_mark {
    double t_s;
    int64_t v;
} hpa_mark;

/* A fixed ring of marks (allocated once; the oldest falls out). */
typedef struct hpa_ring {
    hpa_mark *m;
    uint32_t cap, n, head; /* head: the next slot */
} hpa_ring;

typedef struct hpa_svc {
    bool on;
    int metric; /* 0 cpu, 1 memory, 2 requests_per_target */
    double target, tolerance;
    int64_t min, max;
    hpa_rules up, down;
    hpa_ring recs, events;
    /* cumulative readings at the last syncs, for the metric window */
    double (*snap)[6];
    uint32_t n_snap, snap_head, snap_cap;
    double over_since_s; /* start of the current run of readings above 1 + tolerance */
} hpa_svc;

typedef struct hpa {
    struct cluster *c;
    hpa_svc *svc;
    uint32_t n;
    bool any;
    double sync_s, window_s;
    uint32_t kind_sync;
    uint64_t sync_ev, next_sync;
    uint32_t *running, *pending; /* scratch */
} hpa;

extern const param_def hpa_params[];

int hpa_init(hpa *h, struct cluster *c, const params *p, ecs_err *e);
void hpa_fini(hpa *h);
void hpa_start(hpa *h);
void hpa_quiesce(hpa *h);

/* The rules, exposed for tests. */

/* The raw recommendation: ceil(ready x value / target), or `current` when
 * the ratio is within the tolerance; with not-ready tasks a scale-up is
 * recomputed with them at 0%, and dropped when that is within tolerance. */
int64_t hpa_recommend(int64_t current, uint32_t ready, uint32_t not_ready, double value,
                      double target, double tolerance);

/* Stabilisation of the recommendation `rec` made now with the earlier ones
 * (recs, kept after each sync): the lowest within the scale-up window and
 * the highest within the scale-down window bound the change from current
 * (a past one counts when it is newer than now - window). */
int64_t hpa_stabilize(const hpa_ring *recs, double now_s, int64_t current, int64_t rec,
                      double up_window_s, double down_window_s);

/* The behaviour policies' limit for a change from current (events: the
 * scale changes made so far, newest last). Returns the bound on the new
 * count: the most a scale-up may reach, or the least a scale-down may. */
int64_t hpa_limit(const hpa_rules *r, const hpa_ring *events, double now_s, int64_t current,
                  bool up);

void hpa_ring_init(hpa_ring *r, uint32_t cap);
void hpa_ring_push(hpa_ring *r, double t_s, int64_t v);
void hpa_ring_fini(hpa_ring *r);

#endif

/* little.h -- Little's law, checked on every run in --check mode, per
 * service and per task: L = lambda W.
 *
 * L comes from the model's state: after every event the number in the
 * system (a task's busy workers and queue, probes included; a service's
 * attempts at the load balancer or in a task) is integrated over time. W
 * comes from the requests: each attempt's time from its arrival (its
 * arrival_s) to the moment its task answers it. Two code paths, so a count
 * that leaks (a request left in a queue, a worker never freed) breaks the
 * law. Two checks:
 *   - over the whole run, when it drained (it starts and ends empty), the
 *     law holds exactly on the sample path: the area under N(t) is the sum
 *     of the sojourns (to 1e-9 relative);
 *   - over the steady state (after MSER's cut-off on L's batches), L and
 *     lambda W (the sojourns of the attempts that arrived in the window,
 *     over its length) agree within L's batch-means confidence interval.
 * A failure ends the run with exit 1 naming the service or task. */
#ifndef ECSIM_LITTLE_H
#define ECSIM_LITTLE_H

#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/engine/sim.h"
#include "sim/engine/steady.h"

struct cluster;

typedef struct little_ent {
    uint32_t n;               /* in the system after the last event */
    double area, sojourn;     /* whole run */
    uint32_t area_id, soj_id; /* ratio series: (N dt, dt) by time; (sojourn, 1) by arrival */
    double L, lw, half;       /* the steady-state check's numbers */
} little_ent;

typedef struct little {
    struct cluster *c;
    double level;
    double last_s;
    steady_set set;
    little_ent *svc, *task; /* task entries grow with the cluster's tasks */
    uint32_t n_task, cap_task;
    uint32_t checked_exact, checked_ci;
    double worst_exact, worst_ci; /* largest relative gap; largest gap / half-width */
} little;

/* Hooks into the cluster (its clients tell each attempt's departure) and
 * returns the check function to give sim_set_check (it runs cluster_check
 * first). interval_s: the batches' width; level: the intervals'. */
little *little_new(struct cluster *c, double interval_s, double level);
int little_check(void *ctx, const sim *s, char *why, size_t why_len);
/* After the run: the two checks. ECS_OK, or ECS_EINTERNAL naming where the
 * law failed. drained: nothing was in flight at the end. */
int little_finish(little *l, int drained, ecs_err *e);
void little_print(const little *l, FILE *out);
void little_free(little *l);

#endif

/* hostcpu.c -- the water-filling that divides a host's CPU. A host holds a
 * few dozen tasks at most, so each rebalance scans the cluster's tasks for
 * the host's own; scenarios without share tasks never call it. */
#include "hostcpu.h"

#include <stdlib.h>

#include "models/cluster.h"
#include "sim/engine/xmalloc.h"

typedef struct claim {
    task *t;
    double demand_vcpu; /* its busy workers, one vCPU each */
    double weight;      /* its cpu units */
} claim;

static int by_demand_per_weight(const void *a, const void *b)
{
    const claim *x = a, *y = b;
    double rx = x->demand_vcpu / x->weight, ry = y->demand_vcpu / y->weight;
    if (rx != ry) return rx < ry ? -1 : 1;
    return x->t->id < y->t->id ? -1 : x->t->id > y->t->id;
}

void hostcpu_rebalance(cluster *c, uint32_t h)
{
    double free_vcpu = (double) c->hosts[h].cpu_units / 1024.0;
    uint32_t n = 0;
    if (c->cpu_scratch_cap < c->n_tasks) {
        c->cpu_scratch_cap = c->n_tasks * 2;
        c->cpu_scratch = xrealloc(c->cpu_scratch, c->cpu_scratch_cap * sizeof(claim));
    }
    claim *cl = c->cpu_scratch;
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        task *t = &c->tasks[i];
        if (t->host != h || !t->counted) continue;
        if (!t->def->cpu_share) {
            free_vcpu -= t->busy * t->speed; /* within its reservation: always granted */
            continue;
        }
        cl[n++] = (claim){t, t->hung ? 0.0 : (double) t->busy, (double) t->def->cpu_units};
    }
    if (n == 0) return;
    if (free_vcpu < 0) free_vcpu = 0;
    qsort(cl, n, sizeof *cl, by_demand_per_weight);
    double weight_left = 0;
    for (uint32_t k = 0; k < n; k++) weight_left += cl[k].weight;
    for (uint32_t k = 0; k < n; k++) {
        double fair = free_vcpu * cl[k].weight / weight_left;
        double grant = cl[k].demand_vcpu <= fair ? cl[k].demand_vcpu : fair;
        free_vcpu -= grant;
        weight_left -= cl[k].weight;
        /* an idle task keeps its reservation as its cap until it is busy */
        double cap = cl[k].demand_vcpu > 0 ? grant : (double) cl[k].t->def->cpu_units / 1024.0;
        task_set_cap(&c->tenv, cl[k].t, cap);
    }
}

void hostcpu_task_changed(void *ctx, task *t)
{
    hostcpu_rebalance(ctx, t->host);
}

/* little.c -- Little's law in --check mode (see little.h). */
#include "sim/little.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/engine/xmalloc.h"

static void ent_init(little *l, little_ent *e)
{
    memset(e, 0, sizeof *e);
    e->area_id = steady_add_ratio(&l->set);
    e->soj_id = steady_add_ratio(&l->set);
}

/* Entries for tasks the cluster has created since (its array only grows). */
static void grow_tasks(little *l)
{
    while (l->n_task < l->c->n_tasks) {
        if (l->n_task == l->cap_task) {
            l->cap_task = l->cap_task ? 2 * l->cap_task : 64;
            l->task = xrealloc(l->task, l->cap_task * sizeof *l->task);
        }
        ent_init(l, &l->task[l->n_task++]);
    }
}

/* An attempt left: its sojourn for its service and the task that held it. */
static void on_leave(void *ctx, const request *r, double now_s)
{
    little *l = ctx;
    double w = now_s - r->arrival_s;
    little_ent *s = &l->svc[r->service];
    s->sojourn += w;
    steady_ratio_add(&l->set, s->soj_id, r->arrival_s, w, 1);
    if (r->task == REQUEST_NONE) return;
    grow_tasks(l);
    if (r->task >= l->n_task) return;
    little_ent *t = &l->task[r->task];
    t->sojourn += w;
    steady_ratio_add(&l->set, t->soj_id, r->arrival_s, w, 1);
}

little *little_new(struct cluster *c, double interval_s, double level)
{
    little *l = xcalloc(1, sizeof *l);
    l->c = c;
    l->level = level;
    steady_init(&l->set, 0, interval_s);
    l->svc = xcalloc(c->n_services ? c->n_services : 1, sizeof *l->svc);
    for (uint32_t k = 0; k < c->n_services; k++) ent_init(l, &l->svc[k]);
    grow_tasks(l);
    c->cenv.leave = on_leave;
    c->cenv.leave_ctx = l;
    return l;
}

static void advance(little *l, little_ent *e, double t0, double t1, uint32_t now_n)
{
    double dt = t1 - t0;
    if (dt > 0) {
        e->area += e->n * dt;
        steady_ratio_add(&l->set, e->area_id, (t0 + t1) / 2, e->n * dt, dt);
    }
    e->n = now_n;
}

int little_check(void *ctx, const sim *s, char *why, size_t why_len)
{
    little *l = ctx;
    if (cluster_check(l->c, s, why, why_len) != 0) return -1;
    grow_tasks(l);
    double now = sim_now(s);
    for (uint32_t k = 0; k < l->c->n_services; k++)
        advance(l, &l->svc[k], l->last_s, now, (uint32_t) l->c->rec.svc[k].in_flight);
    for (uint32_t i = 0; i < l->n_task; i++)
        advance(l, &l->task[i], l->last_s, now, task_outstanding(&l->c->tasks[i]));
    l->last_s = now;
    return 0;
}

/* The steady-state check for one entity: 0 when L and lambda W agree
 * within L's interval (or there are too few batches to say). */
static int steady_check(little *l, little_ent *e)
{
    int n = (int) l->set.used;
    if (n < STEADY_MSER_MIN) return 0;
    double *an = xmalloc((size_t) n * sizeof *an), *ad = xmalloc((size_t) n * sizeof *ad);
    double *sn = xmalloc((size_t) n * sizeof *sn), *sd = xmalloc((size_t) n * sizeof *sd);
    double *z = xmalloc((size_t) n * sizeof *z);
    steady_ratio_units(&l->set, &e->area_id, 1, an, ad);
    steady_ratio_units(&l->set, &e->soj_id, 1, sn, sd);
    for (int u = 0; u < n; u++) z[u] = ad[u] > 0 ? an[u] / ad[u] : NAN;
    int d = steady_mser(z, ad, n, NULL);
    steady_ci ci = steady_ratio_ci(an + d, ad + d, n - d, STEADY_BATCH_MEANS, 20, l->level);
    double soj = 0, span = 0;
    for (int u = d; u < n; u++) {
        soj += sn[u];
        span += ad[u];
    }
    e->L = ci.mean;
    e->lw = span > 0 ? soj / span : NAN;
    e->half = ci.half;
    free(an);
    free(ad);
    free(sn);
    free(sd);
    free(z);
    if (isnan(ci.half) || isnan(e->lw)) return 0;
    l->checked_ci++;
    double gap = fabs(e->L - e->lw), tol = ci.half + 1e-9 * (1 + fabs(e->L));
    double rel = tol > 0 ? gap / tol : 0;
    if (rel > l->worst_ci) l->worst_ci = rel;
    return gap > tol;
}

int little_finish(little *l, int drained, ecs_err *e)
{
    grow_tasks(l);
    for (uint32_t i = 0; i < l->c->n_services + l->n_task; i++) {
        int is_svc = i < l->c->n_services;
        little_ent *x = is_svc ? &l->svc[i] : &l->task[i - l->c->n_services];
        char name[256];
        if (is_svc)
            snprintf(name, sizeof name, "service %s", l->c->services[i].name);
        else {
            snprintf(name, sizeof name, "task ");
            cluster_task_name(l->c, &l->c->tasks[i - l->c->n_services], name + 5, sizeof name - 5);
        }
        if (drained) {
            double gap = fabs(x->area - x->sojourn), scale = 1 + fabs(x->area);
            l->checked_exact++;
            if (gap / scale > l->worst_exact) l->worst_exact = gap / scale;
            if (gap > 1e-9 * scale)
                return err_set(e, ECS_EINTERNAL,
                               "--check: Little's law fails for %s over the run: the area under "
                               "N(t) is %.17g request-seconds, the sojourns sum to %.17g",
                               name, x->area, x->sojourn);
        }
        if (steady_check(l, x))
            return err_set(e, ECS_EINTERNAL,
                           "--check: Little's law fails for %s in the steady state: L = %.6g, "
                           "lambda W = %.6g, outside L's %g%% interval (+-%.3g)",
                           name, x->L, x->lw, 100 * l->level, x->half);
    }
    return ECS_OK;
}

void little_print(const little *l, FILE *out)
{
    fprintf(out, "  Little's law (--check): L = lambda W ");
    if (l->checked_exact)
        fprintf(out, "exactly over the run for %u services and tasks (largest gap %.1e), ",
                l->checked_exact, l->worst_exact);
    fprintf(out,
            "and within L's %g%% interval in the steady state for %u (largest gap %.2f of "
            "the half-width)\n",
            100 * l->level, l->checked_ci, l->worst_ci);
    for (uint32_t k = 0; k < l->c->n_services; k++)
        if (!isnan(l->svc[k].half))
            fprintf(out, "    %-12s L %.4g +- %.3g, lambda W %.4g\n", l->c->services[k].name,
                    l->svc[k].L, l->svc[k].half, l->svc[k].lw);
}

void little_free(little *l)
{
    if (!l) return;
    steady_fini(&l->set);
    free(l->svc);
    free(l->task);
    free(l);
}

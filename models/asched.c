/* asched.c -- Application Auto Scaling's scheduled actions for ECS
 * services (see asched.h): each action armed at its next time (at, rate or
 * cron in UTC from run.start, to the minute), run whatever the cooldowns,
 * its min and max applied and the desired count brought within them.
 * autoscale.c reads the actions; this file runs them. */
#include "models/asched.h"

#include <math.h>
#include <stdio.h>

#include "models/cluster.h"

/* The action's next time at or after from_s (simulated seconds). */
static double action_next(const autoscale *a, const as_action *x, double from_s)
{
    if (!x->has_expr) return x->at_s >= from_s && x->at_s <= a->end_s ? x->at_s : INFINITY;
    double t = cron_next(&x->expr, a->start_epoch_s + from_s, a->start_epoch_s + a->end_s,
                         a->start_epoch_s);
    return isinf(t) ? INFINITY : t - a->start_epoch_s;
}

static void arm(autoscale *a, uint32_t i, double from_s)
{
    double t = action_next(a, &a->act[i], from_s);
    a->act[i].ev = isinf(t) ? 0 : sim_at(a->c->s, t, a->kind_action, i);
}

static void run_action(autoscale *a, as_action *x, double now)
{
    cluster *c = a->c;
    as_target *t = &a->t[x->service];
    service *sv = &c->services[x->service];
    char when[40], obj[192];
    cron_format(a->start_epoch_s + now, when, sizeof when);
    snprintf(obj, sizeof obj, "%s/%s", sv->name, x->name);
    if (t->suspend_scheduled) {
        recorder_event(&c->rec, now, "scheduled_action", obj,
                       "%s: not run: scheduled scaling is suspended", when);
        return;
    }
    int64_t nmin = x->min >= 0 ? x->min : t->min, nmax = x->max >= 0 ? x->max : t->max;
    if (nmax >= 0 && nmin > nmax) {
        recorder_event(&c->rec, now, "scheduled_action", obj,
                       "%s: failed: min_capacity %lld would exceed max_capacity %lld", when,
                       (long long) nmin, (long long) nmax);
        return;
    }
    recorder_event(&c->rec, now, "scheduled_action", obj,
                   "%s: min_capacity %lld -> %lld, max_capacity %lld -> %lld", when,
                   (long long) t->min, (long long) nmin, (long long) t->max, (long long) nmax);
    t->min = nmin;
    t->max = nmax;
    char why[256];
    if ((int64_t) sv->desired < nmin) {
        snprintf(why, sizeof why, "scheduled action %s: below the new min_capacity %lld", x->name,
                 (long long) nmin);
        autoscale_set_desired(c, sv, (uint32_t) nmin, "scaling", why);
    } else if (nmax >= 0 && (int64_t) sv->desired > nmax) {
        snprintf(why, sizeof why, "scheduled action %s: above the new max_capacity %lld", x->name,
                 (long long) nmax);
        autoscale_set_desired(c, sv, (uint32_t) nmax, "scaling", why);
    }
}

static void on_action(void *ctx, sim *s, const ev *e)
{
    autoscale *a = ctx;
    as_action *x = &a->act[e->target];
    x->ev = 0;
    double now = sim_now(s);
    run_action(a, x, now);
    arm(a, e->target, now + 1);
}

void asched_start(autoscale *a)
{
    if (!a->n_act) return;
    a->kind_action = sim_kind(a->c->s, "autoscale.scheduled", on_action, a);
    for (uint32_t i = 0; i < a->n_act; i++) arm(a, i, 0);
}

void asched_quiesce(autoscale *a)
{
    for (uint32_t i = 0; i < a->n_act; i++) {
        if (a->act[i].ev) sim_cancel(a->c->s, a->act[i].ev);
        a->act[i].ev = 0;
    }
}

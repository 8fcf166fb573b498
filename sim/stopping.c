/* stopping.c -- precision-based stopping and caps of one run (stopping.h). */
#include "sim/stopping.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/cluster.h"
#include "sim/engine/strdist.h"
#include "sim/engine/xmalloc.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* Arrivals stop now; what is in flight finishes if the run drains. */
static void stop_arrivals(stopper *st, double now_s, const char *why)
{
    st->done = 1;
    st->stopped_by = why;
    st->stopped_s = now_s;
    if (st->c->wenv.stop_s > now_s) st->c->wenv.stop_s = now_s;
    if (!st->drain) sim_stop(st->s);
}

estimate stopper_eval(const stopper *st, int i, double end_s)
{
    return est_metric_eval(st->c->rec.bt, &st->t->m[st->metric[i]], st->cfg, st->o.bounds[i].rel,
                           end_s);
}

static void on_sample(void *ctx, double now_s)
{
    stopper *st = ctx;
    if (st->o.max_wall_s > 0 && wall_now() - st->wall0 >= st->o.max_wall_s) {
        /* wall time is no function of the scenario: stop at once, and say so */
        st->done = 1;
        st->stopped_by = "max_wall_s";
        st->reproducible = 0;
        st->stopped_s = now_s;
        sim_stop(st->s);
        return;
    }
    if (st->done || st->c->rec.open_sources == 0) return;
    if (st->o.max_events > 0 && st->s->n_events >= st->o.max_events) {
        stop_arrivals(st, now_s, "max_events");
        return;
    }
    if (st->o.n_bounds == 0) return;
    /* checked at samples k, then k + max(1, k/100): the estimates cost some
     * 0.1 ms, and the run overshoots the moment it met its bounds by at most
     * 1% of its length */
    if (++st->samples < st->next_check) return;
    st->next_check = st->samples + (st->samples / 100 > 1 ? st->samples / 100 : 1);
    for (int i = 0; i < st->o.n_bounds; i++) {
        estimate x = stopper_eval(st, i, now_s);
        /* a metric MSER finds unsettled is not known, whatever its interval */
        if (x.late || !est_meets(&x, &st->t->m[st->metric[i]], st->cfg, st->o.bounds[i].rel))
            return;
    }
    stop_arrivals(st, now_s, "precision");
}

int stopper_init(stopper *st, struct cluster *c, sim *s, const est_cfg *cfg, const est_table *t,
                 const stop_opts *o, int drain, ecs_err *e)
{
    memset(st, 0, sizeof *st);
    st->c = c;
    st->s = s;
    st->cfg = cfg;
    st->t = t;
    st->o = *o;
    st->drain = drain;
    st->reproducible = 1;
    st->stopped_by = "scenario";
    st->stopped_s = NAN;
    st->metric = xcalloc((size_t) (o->n_bounds ? o->n_bounds : 1), sizeof *st->metric);
    if (o->n_bounds > 0 && cfg->transient)
        return err_set(e, ECS_EINPUT,
                       "--precision: the scenario has no steady state (%s): one run's interval "
                       "would mean nothing; use --replications auto --precision",
                       cfg->transient_why);
    if (o->n_bounds > 0 && !cfg->ci)
        return err_set(e, ECS_EINPUT,
                       "--precision: run.ci_method is replications, so one run has no interval; "
                       "use --replications auto --precision");
    for (int i = 0; i < o->n_bounds; i++) {
        const char *name = o->bounds[i].metric;
        st->metric[i] = est_table_find(t, name);
        if (st->metric[i] >= 0) continue;
        const char **names = xcalloc((size_t) t->n + 1, sizeof *names);
        for (int k = 0; k < t->n; k++) names[k] = t->m[k].name;
        const char *near = strdist_closest(name, (const char *const *) names, (size_t) t->n);
        int rc;
        if (near)
            rc = err_set(e, ECS_EINPUT,
                         "--precision: \"%s\" is not a metric with an interval in one run; did "
                         "you mean %s?",
                         name, near);
        else
            rc = err_set(e, ECS_EINPUT,
                         "--precision: \"%s\" is not a metric with an interval in one run (mean_s, "
                         "p99_s, error_rate, cpu_util_pct, <service>_p99_s, ...)",
                         name);
        free(names);
        return rc;
    }
    st->wall0 = wall_now();
    c->rec.after_sample = (recorder_hook){on_sample, st};
    return ECS_OK;
}

void stopper_fini(stopper *st)
{
    free(st->metric);
    st->metric = NULL;
}

/* ---- a run's steady-state machinery, for run.c ---- */

int run_steady_begin(run_steady *rs, const params *p, struct cluster *c, sim *s, const stop_opts *o,
                     ecs_err *e)
{
    memset(rs, 0, sizeof *rs);
    int rc = est_cfg_read(&rs->cfg, p, e);
    if (rc != ECS_OK) return rc;
    int share = 1; /* no retry and no client timeout: client latency is attempt latency */
    for (size_t i = 0; i < params_count(p, "workloads"); i++) {
        const char *w = params_object(p, "workloads", i);
        if (params_int(p, "workloads.%s.client.retries", w) > 0 ||
            params_real(p, "workloads.%s.client.timeout_s", w) > 0)
            share = 0;
    }
    batches_init(&rs->bt, c->n_services, rs->cfg.warmup_s, params_real(p, "run.sample_interval_s"),
                 share);
    batches_set_classes(&rs->bt, c->rec.n_cls);
    rs->attached = 1;
    c->rec.bt = &rs->bt;
    est_table_build(&rs->t, c);
    return stopper_init(&rs->st, c, s, &rs->cfg, &rs->t, o, params_bool(p, "run.drain"), e);
}

int run_steady_summary(run_steady *rs, const char *text, size_t len, double end_s,
                       const char *stopped_by, est_analytic_fn analytic, void *actx, FILE *out,
                       ecs_err *e)
{
    est_run_info info = {stopped_by ? stopped_by : rs->st.stopped_by, rs->st.reproducible};
    return est_write_summary(text, len, &rs->bt, &rs->t, &rs->cfg, rs->st.o.bounds,
                             rs->st.o.n_bounds, end_s, &info, analytic, actx, out, e);
}

void run_steady_end(run_steady *rs)
{
    stopper_fini(&rs->st);
    est_table_free(&rs->t);
    if (rs->attached) batches_fini(&rs->bt);
    rs->attached = 0;
}

double run_steady_value(const run_steady *rs, const char *metric, double end_s, double fallback)
{
    int i = est_table_find(&rs->t, metric);
    if (i < 0 || rs->cfg.transient) return fallback;
    estimate x = est_metric_eval(&rs->bt, &rs->t.m[i], &rs->cfg, rs->cfg.target, end_s);
    return x.cut > 0 ? x.value : fallback;
}

void run_steady_print(const run_steady *rs, FILE *out, double end_s, const char *const *services,
                      int n_services)
{
    const est_cfg *cfg = &rs->cfg;
    if (cfg->transient) {
        fprintf(out, "  no steady state (%s): values are this run's, without intervals\n",
                cfg->transient_why);
    } else if (cfg->ci) {
        fprintf(out, "  steady state, %g%% intervals by %s:\n", 100 * cfg->level,
                cfg->method == STEADY_BATCH_MEANS ? "batch means" : "overlapping batch means");
        for (int k = 0; k < n_services; k++) {
            char name[256];
            snprintf(name, sizeof name, "%s_p99_s", services[k]);
            int i = est_table_find(&rs->t, name);
            snprintf(name, sizeof name, "%s_cpu_util_pct", services[k]);
            int j = est_table_find(&rs->t, name);
            if (i < 0 || j < 0) continue;
            estimate p = est_metric_eval(&rs->bt, &rs->t.m[i], cfg, cfg->target, end_s);
            estimate u = est_metric_eval(&rs->bt, &rs->t.m[j], cfg, cfg->target, end_s);
            fprintf(out,
                    "    %-12s p99 %.1f ms [%.1f, %.1f] (warm-up to %.0f s)  cpu %.1f%% [%.1f, "
                    "%.1f]%s\n",
                    services[k], 1e3 * p.value, 1e3 * p.low, 1e3 * p.high, p.cut_s, u.value, u.low,
                    u.high, p.converged && u.converged ? "" : "  (not converged)");
        }
    }
    const stopper *st = &rs->st;
    for (int i = 0; i < st->o.n_bounds; i++) {
        estimate x = stopper_eval(st, i, end_s);
        double rel = x.half / fabs(x.value);
        fprintf(out, "  precision %s: +-%.2f%% %s %g%%%s\n", st->o.bounds[i].metric, 100 * rel,
                rel <= st->o.bounds[i].rel ? "<=" : ">", 100 * st->o.bounds[i].rel,
                x.converged ? ": converged" : ": NOT converged");
    }
    if (strcmp(st->stopped_by, "scenario") != 0)
        fprintf(out, "  stopped by %s at %.0f s%s\n", st->stopped_by, st->stopped_s,
                st->reproducible ? "" : " (wall clock: not reproducible)");
}

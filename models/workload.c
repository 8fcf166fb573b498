/* workload.c -- generating arrivals. Hot path: on_arrival runs once per
 * request: draw its demand, pick a target, hand it over, draw the next gap. */
#include "workload.h"

#include <stdio.h>
#include <string.h>

const param_def workload_params[] = {
    {"workloads.*.target", PT_REF, "", 0, 0, NULL, "load_balancers", PF_REQUIRED, NULL,
     "The load balancer the requests are sent to."},
    {"workloads.*.arrival", PT_ENUM, "", 0, 0, "poisson", "poisson", 0, NULL,
     "Arrival process: poisson (exponential gaps at rate_per_s)."},
    {"workloads.*.rate_per_s", PT_REAL, "requests/s", 0, 1e9, "10", NULL, PF_MIN_EXCL, NULL,
     "Mean arrival rate."},
    {"workloads.*.demand.distribution", PT_ENUM, "", 0, 0, "exponential",
     "exponential|deterministic|lognormal", 0, NULL,
     "Distribution of each request's service demand."},
    {"workloads.*.demand.mean_s", PT_REAL, "CPU-s", 0, 1e6, "0.1", NULL, PF_MIN_EXCL, NULL,
     "Mean service demand: CPU-seconds at one vCPU."},
    {"workloads.*.demand.cv", PT_REAL, "", 0, 100, "1", NULL, PF_MIN_EXCL, NULL,
     "Coefficient of variation of the demand (lognormal only)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

void workload_read(workload *w, const params *p, const char *name, sim *s)
{
    char stream[160];
    dist_family fam = DIST_EXPONENTIAL;
    memset(w, 0, sizeof *w);
    w->name = name;
    w->lb_name = params_str(p, "workloads.%s.target", name);
    w->rate_per_s = params_real(p, "workloads.%s.rate_per_s", name);
    dist_family_parse(params_str(p, "workloads.%s.demand.distribution", name), &fam);
    dist_init(&w->demand, fam, params_real(p, "workloads.%s.demand.mean_s", name),
              params_real(p, "workloads.%s.demand.cv", name));
    snprintf(stream, sizeof stream, "arrivals:%s", name);
    w->arrivals_rng = sim_rng(s, stream);
    snprintf(stream, sizeof stream, "demand:%s", name);
    w->demand_rng = sim_rng(s, stream);
}

static void schedule_next(workload_env *env, sim *s, uint32_t i)
{
    workload *w = &env->w[i];
    double t = sim_now(s) + dist_exponential(w->arrivals_rng, 1.0 / w->rate_per_s);
    if (t > env->stop_s) {
        w->open = 0;
        recorder_source_closed(env->tenv->rec);
        return;
    }
    sim_at(s, t, env->kind_arrival, i);
}

static void on_arrival(void *ctx, sim *s, const ev *e)
{
    workload_env *env = ctx;
    workload *w = &env->w[e->target];
    task_env *tenv = env->tenv;
    if (env->max_requests >= 0 && env->arrived >= (uint64_t) env->max_requests) {
        w->open = 0;
        recorder_source_closed(tenv->rec);
        return;
    }
    env->arrived++;
    w->generated++;
    double now = sim_now(s);
    uint32_t id = request_take(tenv->pool);
    request *r = &tenv->pool->r[id];
    r->arrival_s = now;
    r->remaining_s = dist_sample(&w->demand, w->demand_rng);
    r->service = w->service;
    recorder_arrival(tenv->rec, w->service, now);
    uint32_t target = lb_pick(env->lbs[w->lb], *tenv->tasks);
    if (target == REQUEST_NONE) {
        recorder_error(tenv->rec, w->service, 503, now);
        request_give(tenv->pool, id);
    } else {
        task_accept(tenv, &(*tenv->tasks)[target], id);
    }
    if (env->max_requests >= 0 && env->arrived >= (uint64_t) env->max_requests) {
        w->open = 0;
        recorder_source_closed(tenv->rec);
        return;
    }
    schedule_next(env, s, e->target);
}

void workload_start(workload_env *env, sim *s)
{
    env->kind_arrival = sim_kind(s, "workload.arrival", on_arrival, env);
    env->arrived = 0;
    for (uint32_t i = 0; i < env->n; i++) {
        env->w[i].open = 1;
        env->tenv->rec->open_sources++;
        schedule_next(env, s, i);
    }
    if (env->tenv->rec->open_sources == 0) recorder_idle(env->tenv->rec);
}

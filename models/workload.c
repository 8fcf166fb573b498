/* workload.c -- generating requests. Hot path: on_arrival runs once per
 * open-loop request: make the request, hand it to the client, find the next
 * arrival time. */
#include "workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/demand.h"
#include "sim/engine/xmalloc.h"

static int points_check(const char *text, char *expected, size_t len)
{
    double *t = NULL, *v = NULL;
    size_t n = 0;
    int rc = arrival_parse_points(text, &t, &v, &n, expected, len);
    free(t);
    free(v);
    return rc;
}

static int list_check(const char *text, char *expected, size_t len)
{
    double *v = NULL;
    size_t n = 0;
    int rc = arrival_parse_list(text, &v, &n, expected, len);
    free(v);
    return rc;
}

/* MMPP sojourn times must be > 0: a state left at once never holds. */
static int sojourn_check(const char *text, char *expected, size_t len)
{
    double *v = NULL;
    size_t n = 0;
    int rc = arrival_parse_list(text, &v, &n, expected, len);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!(v[i] > 0)) {
            snprintf(expected, len,
                     "a list of mean times > 0 separated by commas, e.g. \"300, 30\"");
            rc = -1;
        }
    free(v);
    return rc;
}

const param_def workload_params[] = {
    {"workloads.*.target", PT_REF, "", 0, 0, NULL, "load_balancers", PF_REQUIRED, NULL,
     "The load balancer the requests are sent to."},
    {"workloads.*.arrival", PT_ENUM, "", 0, 0, "poisson",
     "poisson|schedule|diurnal|mmpp|flash_crowd|trace|closed_loop", 0, NULL,
     "Where requests come from: poisson (rate_per_s), schedule, diurnal, mmpp, flash_crowd "
     "(non-homogeneous or modulated Poisson), trace (a recorded trace), closed_loop (users). "
     "Several workloads on one load balancer superpose."},
    {"workloads.*.rate_per_s", PT_REAL, "requests/s", 0, 1e9, "10", NULL, PF_MIN_EXCL, NULL,
     "poisson: the rate; diurnal: the mean rate; flash_crowd: the base rate."},
    {"workloads.*.schedule.points", PT_STR, "t_s:requests/s", 0, 0, "0:10", NULL, 0, points_check,
     "schedule: rate points \"t:rate, t:rate, ...\", t ascending from 0."},
    {"workloads.*.schedule.shape", PT_ENUM, "", 0, 0, "steps", "steps|linear", 0, NULL,
     "schedule: the rate holds until the next point (steps) or moves linearly to it."},
    {"workloads.*.schedule.repeat_s", PT_REAL, "s", 0, 1e9, "0", NULL, 0, NULL,
     "schedule: repeat the schedule with this period; 0 holds the last rate."},
    {"workloads.*.diurnal.amplitude", PT_REAL, "", 0, 1, "0.5", NULL, 0, NULL,
     "diurnal: relative swing of the daily sinusoid (0 flat, 1 down to zero)."},
    {"workloads.*.diurnal.peak_hour", PT_REAL, "h", 0, 24, "14", NULL, 0, NULL,
     "diurnal: hour of day (UTC, from run.start) of the daily peak."},
    {"workloads.*.diurnal.weekend_factor", PT_REAL, "", 0, 100, "1", NULL, 0, NULL,
     "diurnal: multiplies the rate on Saturdays and Sundays."},
    {"workloads.*.diurnal.noise_cv", PT_REAL, "", 0, 10, "0", NULL, 0, NULL,
     "diurnal: cv of a mean-1 lognormal factor redrawn every noise period; 0 for none."},
    {"workloads.*.diurnal.noise_period_s", PT_REAL, "s", 0, 1e9, "3600", NULL, PF_MIN_EXCL, NULL,
     "diurnal: how long each noise factor holds."},
    {"workloads.*.mmpp.rates_per_s", PT_STR, "requests/s", 0, 0, "5, 50", NULL, 0, list_check,
     "mmpp: arrival rate in each state (2 or more)."},
    {"workloads.*.mmpp.mean_sojourn_s", PT_STR, "s", 0, 0, "300, 30", NULL, 0, sojourn_check,
     "mmpp: mean time in each state; from a state the process moves to another chosen "
     "uniformly (with two states it alternates)."},
    {"workloads.*.flash.start_s", PT_REAL, "s", 0, 1e9, "600", NULL, 0, NULL,
     "flash_crowd: when the ramp starts."},
    {"workloads.*.flash.ramp_s", PT_REAL, "s", 0, 1e9, "60", NULL, 0, NULL,
     "flash_crowd: linear ramp from the base rate to the peak."},
    {"workloads.*.flash.hold_s", PT_REAL, "s", 0, 1e9, "300", NULL, 0, NULL,
     "flash_crowd: time at the peak."},
    {"workloads.*.flash.decay_s", PT_REAL, "s", 0, 1e9, "300", NULL, PF_MIN_EXCL, NULL,
     "flash_crowd: time constant of the exponential decay back to the base rate."},
    {"workloads.*.flash.peak_per_s", PT_REAL, "requests/s", 0, 1e9, "100", NULL, 0, NULL,
     "flash_crowd: the peak rate."},
    {"workloads.*.trace.file", PT_STR, "path", 0, 0, "", NULL, 0, NULL,
     "trace: the file (plain or .gz), relative to the scenario file."},
    {"workloads.*.trace.format", PT_ENUM, "", 0, 0, "counts", "counts|requests|alb|clf", 0, NULL,
     "trace: counts (t_seconds,requests per bin), requests (one row per request), alb (ALB "
     "access log), clf (Common or Combined Log Format: Apache, NGINX)."},
    {"workloads.*.trace.bin_s", PT_REAL, "s", 0, 1e9, "0", NULL, 0, NULL,
     "trace counts: bin width; 0 infers it from the first two rows."},
    {"workloads.*.trace.placement", PT_ENUM, "", 0, 0, "uniform", "uniform|poisson", 0, NULL,
     "trace counts: a bin's requests arrive at uniform times within it, exactly as many as "
     "counted (uniform), or a Poisson number with that mean (poisson)."},
    {"workloads.*.trace.time_column", PT_STR, "", 0, 0, "t_seconds", NULL, 0, NULL,
     "trace requests: the column of arrival times, in seconds."},
    {"workloads.*.trace.demand_column", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "trace requests: a column of service demands (seconds, times demand_scale); empty for "
     "none."},
    {"workloads.*.trace.class_column", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "trace requests: a column naming each request's class; empty for none."},
    {"workloads.*.trace.demand_scale", PT_REAL, "", 0, 1e9, "1", NULL, PF_MIN_EXCL, NULL,
     "trace: multiplies demand hints (0.001 for milliseconds)."},
    {"workloads.*.trace.rate_scale", PT_REAL, "", 0, 1e6, "1", NULL, PF_MIN_EXCL, NULL,
     "trace: scales the rate by k (more or fewer requests, same shape)."},
    {"workloads.*.trace.time_scale", PT_REAL, "", 0, 1e6, "1", NULL, PF_MIN_EXCL, NULL,
     "trace: trace seconds per simulated second (24 replays a day in an hour)."},
    {"workloads.*.trace.window_start_s", PT_REAL, "s", 0, 1e12, "0", NULL, 0, NULL,
     "trace: replay from this trace time (seconds from the trace's origin)."},
    {"workloads.*.trace.window_end_s", PT_REAL, "s", 0, 1e12, "0", NULL, 0, NULL,
     "trace: replay up to this trace time; 0 for the end of the trace."},
    {"workloads.*.trace.loop", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "trace: replay the window again and again."},
    {"workloads.*.trace.shift_s", PT_REAL, "s", 0, 1e12, "0", NULL, 0, NULL,
     "trace: simulated time at which the window starts."},
    {"workloads.*.users.count", PT_INT, "users", 1, 1000000, "10", NULL, 0, NULL,
     "closed_loop: virtual users; each sends a request, waits for it to end, thinks, repeats."},
    {"workloads.*.users.ramp_s", PT_REAL, "s", 0, 1e9, "0", NULL, 0, NULL,
     "closed_loop: users start evenly over this time (0: all at t=0)."},
    {"workloads.*.initial_requests", PT_INT, "requests", 0, 1e9, "0", NULL, 0, NULL,
     "Requests sent all at once at t=0 besides the arrival process: a known initial transient "
     "(a backlog that drains at the service rate minus the arrival rate) for studying warm-up "
     "detection."},
    {"workloads.*.memory_per_request_mib", PT_REAL, "MiB", 0, 1e6, "0", NULL, 0, NULL,
     "Memory a request holds in its task while in service (request classes set their own); "
     "with the task's memory_base_mib it is checked against the task's memory limit."},
    DEMAND_PARAMS("workloads.*.users.think", "a user's think time", "exponential", "1"),
    DEMAND_PARAMS("workloads.*.demand", "each request's service demand (CPU-s at one vCPU)",
                  "exponential", "0.1"),
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static int read_trace(workload *w, const params *p, const char *name, sim *s, ecs_err *e)
{
    char key[256], file[4096];
    snprintf(key, sizeof key, "workloads.%s.trace.file", name);
    demand_resolve_path(p, file, sizeof file, key);
    if (!file[0]) {
        param_loc at = params_where(p, "workloads.%s.arrival", name);
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "workloads.%s.trace.file: a trace workload needs a file", name);
    }
    trace_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.path = file;
    trace_format_parse(params_str(p, "workloads.%s.trace.format", name), &spec.format);
    spec.bin_s = params_real(p, "workloads.%s.trace.bin_s", name);
    spec.placement_poisson =
        strcmp(params_str(p, "workloads.%s.trace.placement", name), "poisson") == 0;
    spec.time_column = params_str(p, "workloads.%s.trace.time_column", name);
    spec.demand_column = params_str(p, "workloads.%s.trace.demand_column", name);
    spec.class_column = params_str(p, "workloads.%s.trace.class_column", name);
    spec.demand_scale = params_real(p, "workloads.%s.trace.demand_scale", name);
    spec.rate_scale = params_real(p, "workloads.%s.trace.rate_scale", name);
    spec.time_scale = params_real(p, "workloads.%s.trace.time_scale", name);
    spec.window_start_s = params_real(p, "workloads.%s.trace.window_start_s", name);
    double end = params_real(p, "workloads.%s.trace.window_end_s", name);
    spec.window_end_s = end > 0 ? end : INFINITY;
    spec.loop = params_bool(p, "workloads.%s.trace.loop", name);
    spec.shift_s = params_real(p, "workloads.%s.trace.shift_s", name);
    w->class_by_path = spec.format == TRACE_ALB || spec.format == TRACE_CLF;
    snprintf(key, sizeof key, "trace:%s", name);
    w->trace = trace_open(&spec, sim_rng(s, key), e);
    if (!w->trace) return e->code;
    int rc = trace_next(w->trace, &w->next, e);
    if (rc < 0) return rc;
    if (rc == 0) w->next.t_s = INFINITY;
    return ECS_OK;
}

static int read_synthetic(workload *w, const params *p, const char *name, const char *kind, sim *s,
                          double week_offset_s)
{
    char stream[160], expected[256];
    arrival_spec a;
    memset(&a, 0, sizeof a);
    double *t = NULL, *v = NULL, *rates = NULL, *sojourn = NULL;
    size_t n = 0, n_rates = 0, n_sojourn = 0;
    a.rate_per_s = params_real(p, "workloads.%s.rate_per_s", name);
    if (strcmp(kind, "schedule") == 0) {
        a.kind = ARRIVAL_SCHEDULE;
        arrival_parse_points(params_str(p, "workloads.%s.schedule.points", name), &t, &v, &n,
                             expected, sizeof expected);
        a.sched_t_s = t;
        a.sched_rate = v;
        a.sched_n = n;
        a.sched_linear = strcmp(params_str(p, "workloads.%s.schedule.shape", name), "linear") == 0;
        a.sched_repeat_s = params_real(p, "workloads.%s.schedule.repeat_s", name);
    } else if (strcmp(kind, "diurnal") == 0) {
        a.kind = ARRIVAL_DIURNAL;
        a.amplitude = params_real(p, "workloads.%s.diurnal.amplitude", name);
        a.peak_hour = params_real(p, "workloads.%s.diurnal.peak_hour", name);
        a.weekend_factor = params_real(p, "workloads.%s.diurnal.weekend_factor", name);
        a.noise_cv = params_real(p, "workloads.%s.diurnal.noise_cv", name);
        a.noise_period_s = params_real(p, "workloads.%s.diurnal.noise_period_s", name);
        a.week_offset_s = week_offset_s;
    } else if (strcmp(kind, "mmpp") == 0) {
        a.kind = ARRIVAL_MMPP;
        arrival_parse_list(params_str(p, "workloads.%s.mmpp.rates_per_s", name), &rates, &n_rates,
                           expected, sizeof expected);
        arrival_parse_list(params_str(p, "workloads.%s.mmpp.mean_sojourn_s", name), &sojourn,
                           &n_sojourn, expected, sizeof expected);
        if (n_rates != n_sojourn || n_rates < 2) {
            free(rates);
            free(sojourn);
            return -1;
        }
        a.mmpp_rate_per_s = rates;
        a.mmpp_sojourn_s = sojourn;
        a.mmpp_n = n_rates;
    } else if (strcmp(kind, "flash_crowd") == 0) {
        a.kind = ARRIVAL_FLASH;
        a.flash_start_s = params_real(p, "workloads.%s.flash.start_s", name);
        a.flash_ramp_s = params_real(p, "workloads.%s.flash.ramp_s", name);
        a.flash_hold_s = params_real(p, "workloads.%s.flash.hold_s", name);
        a.flash_decay_s = params_real(p, "workloads.%s.flash.decay_s", name);
        a.flash_peak_per_s = params_real(p, "workloads.%s.flash.peak_per_s", name);
    } else {
        a.kind = ARRIVAL_POISSON;
    }
    snprintf(stream, sizeof stream, "arrivals:%s", name);
    gsl_rng *arr = sim_rng(s, stream);
    snprintf(stream, sizeof stream, "modulation:%s", name);
    w->proc = arrival_new(&a, arr, sim_rng(s, stream));
    free(t);
    free(v);
    free(rates);
    free(sojourn);
    return 0;
}

int workload_read(workload *w, const params *p, const char *name, sim *s, double week_offset_s,
                  ecs_err *e)
{
    char stream[160];
    memset(w, 0, sizeof *w);
    w->name = name;
    w->lb_name = params_str(p, "workloads.%s.target", name);
    w->mem_mib = params_real(p, "workloads.%s.memory_per_request_mib", name);
    w->initial = (uint64_t) params_int(p, "workloads.%s.initial_requests", name);
    int rc = demand_read(&w->demand, p, e, "workloads.%s.demand", name);
    if (rc != ECS_OK) return rc;
    rc = demand_read(&w->think, p, e, "workloads.%s.users.think", name);
    if (rc != ECS_OK) return rc;
    snprintf(stream, sizeof stream, "demand:%s", name);
    w->demand_rng = sim_rng(s, stream);
    snprintf(stream, sizeof stream, "classes:%s", name);
    w->class_rng = sim_rng(s, stream);
    snprintf(stream, sizeof stream, "think:%s", name);
    w->think_rng = sim_rng(s, stream);
    const char *kind = params_str(p, "workloads.%s.arrival", name);
    if (strcmp(kind, "trace") == 0) {
        w->source = SOURCE_TRACE;
        return read_trace(w, p, name, s, e);
    }
    if (strcmp(kind, "closed_loop") == 0) {
        w->source = SOURCE_CLOSED_LOOP;
        w->users = (uint32_t) params_int(p, "workloads.%s.users.count", name);
        w->users_ramp_s = params_real(p, "workloads.%s.users.ramp_s", name);
        return ECS_OK;
    }
    w->source = SOURCE_SYNTHETIC;
    if (strcmp(kind, "schedule") == 0) {
        double *t = NULL, *v = NULL;
        size_t n = 0;
        char expected[256];
        arrival_parse_points(params_str(p, "workloads.%s.schedule.points", name), &t, &v, &n,
                             expected, sizeof expected);
        double repeat = params_real(p, "workloads.%s.schedule.repeat_s", name);
        double last = n ? t[n - 1] : 0;
        free(t);
        free(v);
        if (repeat > 0 && last > repeat) {
            param_loc at = params_where(p, "workloads.%s.schedule.repeat_s", name);
            return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                          "workloads.%s.schedule.repeat_s: expected at least the last point's "
                          "time (%g s), got %g",
                          name, last, repeat);
        }
    }
    if (read_synthetic(w, p, name, kind, s, week_offset_s) != 0) {
        param_loc at = params_where(p, "workloads.%s.mmpp.mean_sojourn_s", name);
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "workloads.%s.mmpp: expected as many rates as mean sojourn times, at "
                      "least 2",
                      name);
    }
    return ECS_OK;
}

void workload_fini(workload *w)
{
    arrival_free(w->proc);
    if (w->trace) trace_close(w->trace);
    if (w->cls_pick) gsl_ran_discrete_free(w->cls_pick);
    dist_fini(&w->demand);
    dist_fini(&w->think);
    memset(w, 0, sizeof *w);
}

void workload_bind_classes(workload_env *env)
{
    for (uint32_t i = 0; i < env->n; i++) {
        workload *w = &env->w[i];
        w->n_cls = 0;
        for (uint32_t c = 0; c < env->n_classes; c++) {
            if (env->classes[c].workload != i) continue;
            if (w->n_cls == 0) w->cls_first = (uint16_t) c;
            w->n_cls++;
        }
        if (w->n_cls == 0) continue;
        double *weights = xmalloc(w->n_cls * sizeof *weights);
        double sum = 0;
        for (uint16_t k = 0; k < w->n_cls; k++)
            sum += weights[k] = env->classes[w->cls_first + k].weight;
        if (sum <= 0)
            for (uint16_t k = 0; k < w->n_cls; k++) weights[k] = 1;
        w->cls_pick = gsl_ran_discrete_preproc(w->n_cls, weights);
        free(weights);
    }
}

/* The class of a new request: from the trace's key when there is one, else
 * drawn by weight; REQUEST_NO_CLASS when the workload has none or a logged
 * path matches none. */
static uint16_t pick_class(const workload_env *env, const workload *w, const trace_record *rec)
{
    if (w->n_cls == 0) return REQUEST_NO_CLASS;
    if (rec && rec->key[0]) {
        uint16_t best = REQUEST_NO_CLASS;
        size_t best_len = 0;
        for (uint16_t k = 0; k < w->n_cls; k++) {
            const req_class *c = &env->classes[w->cls_first + k];
            if (!w->class_by_path) {
                if (strcmp(c->name, rec->key) == 0) return (uint16_t) (w->cls_first + k);
                continue;
            }
            size_t n = strlen(c->match);
            if (n > 0 && n > best_len && strncmp(rec->key, c->match, n) == 0) {
                best = (uint16_t) (w->cls_first + k);
                best_len = n;
            }
        }
        return best;
    }
    return (uint16_t) (w->cls_first + gsl_ran_discrete(w->class_rng, w->cls_pick));
}

/* Makes and sends a new request of workload wi; 0 when the run's request
 * limit is reached. */
static int new_request(workload_env *env, uint32_t wi, uint32_t user, const trace_record *rec)
{
    if (env->max_requests >= 0 && env->arrived >= (uint64_t) env->max_requests) return 0;
    workload *w = &env->w[wi];
    env->arrived++;
    w->generated++;
    uint32_t id = request_take(env->tenv->pool);
    request *r = &env->tenv->pool->r[id];
    r->first_s = sim_now(env->tenv->s);
    r->service = w->service;
    r->workload = (uint16_t) wi;
    r->user = user;
    r->cls = pick_class(env, w, rec);
    r->mem_mib = (float) (r->cls != REQUEST_NO_CLASS ? env->classes[r->cls].mem_mib : w->mem_mib);
    if (rec && rec->demand_s >= 0)
        r->demand_s = rec->demand_s;
    else if (r->cls != REQUEST_NO_CLASS)
        r->demand_s = dist_sample(&env->classes[r->cls].demand, w->demand_rng);
    else
        r->demand_s = dist_sample(&w->demand, w->demand_rng);
    client_send_new(env->cenv, id);
    return 1;
}

static void close_source(workload_env *env, workload *w)
{
    if (!w->open) return;
    w->open = 0;
    recorder_source_closed(env->tenv->rec);
}

static void on_arrival(void *ctx, sim *s, const ev *e)
{
    workload_env *env = ctx;
    workload *w = &env->w[e->target];
    double next_s;
    if (w->source == SOURCE_TRACE) {
        trace_record rec = w->next;
        if (!new_request(env, e->target, REQUEST_NONE, &rec)) {
            close_source(env, w);
            return;
        }
        ecs_err err;
        err_clear(&err);
        int rc = trace_next(w->trace, &w->next, &err);
        if (rc < 0) {
            sim_fail(s, rc, "%s", err.msg);
            close_source(env, w);
            return;
        }
        next_s = rc == 0 ? INFINITY : w->next.t_s;
    } else {
        if (!new_request(env, e->target, REQUEST_NONE, NULL)) {
            close_source(env, w);
            return;
        }
        next_s = arrival_next(w->proc);
    }
    if (next_s > env->stop_s) {
        close_source(env, w);
        return;
    }
    sim_at(s, next_s < sim_now(s) ? sim_now(s) : next_s, env->kind_arrival, e->target);
}

static void user_stops(workload_env *env, workload *w)
{
    if (--w->users_active == 0) close_source(env, w);
}

static void on_user(void *ctx, sim *s, const ev *e)
{
    workload_env *env = ctx;
    uint32_t wi = env->user_workload[e->target];
    workload *w = &env->w[wi];
    if (sim_now(s) > env->stop_s || !new_request(env, wi, e->target, NULL)) user_stops(env, w);
}

void workload_request_done(void *ctx, uint16_t wi, uint32_t user)
{
    if (user == REQUEST_NONE) return;
    workload_env *env = ctx;
    workload *w = &env->w[wi];
    sim *s = env->tenv->s;
    double t = sim_now(s) + dist_sample(&w->think, w->think_rng);
    if (t > env->stop_s) {
        user_stops(env, w);
        return;
    }
    sim_at(s, t, env->kind_user, user);
}

/* A workload's initial_requests, all at t=0 (counted as an open source
 * until sent, so the run cannot go idle before them). */
static void on_initial(void *ctx, sim *s, const ev *e)
{
    (void) s;
    workload_env *env = ctx;
    for (uint64_t k = 0; k < env->w[e->target].initial; k++)
        if (!new_request(env, e->target, REQUEST_NONE, NULL)) break;
    recorder_source_closed(env->tenv->rec);
}

void workload_start(workload_env *env, sim *s)
{
    env->kind_arrival = sim_kind(s, "workload.arrival", on_arrival, env);
    env->kind_user = sim_kind(s, "workload.user", on_user, env);
    env->arrived = 0;
    uint32_t n_users = 0;
    for (uint32_t i = 0; i < env->n; i++)
        if (env->w[i].source == SOURCE_CLOSED_LOOP) n_users += env->w[i].users;
    env->user_workload = xmalloc((n_users ? n_users : 1) * sizeof *env->user_workload);
    uint32_t base = 0;
    for (uint32_t i = 0; i < env->n; i++) {
        workload *w = &env->w[i];
        w->open = 1;
        env->tenv->rec->open_sources++;
        double first = INFINITY;
        switch (w->source) {
        case SOURCE_CLOSED_LOOP:
            w->user_base = base;
            w->users_active = w->users;
            for (uint32_t k = 0; k < w->users; k++) {
                env->user_workload[base + k] = (uint16_t) i;
                sim_at(s, w->users_ramp_s * k / w->users, env->kind_user, base + k);
            }
            base += w->users;
            continue;
        case SOURCE_TRACE:
            first = w->next.t_s;
            break;
        case SOURCE_SYNTHETIC:
            first = arrival_next(w->proc);
            break;
        }
        if (first > env->stop_s)
            close_source(env, w);
        else
            sim_at(s, first, env->kind_arrival, i);
    }
    /* registered only when used, so every other run keeps its event kinds (and fingerprint) */
    uint32_t kind_initial = 0;
    for (uint32_t i = 0; i < env->n; i++) {
        if (env->w[i].initial == 0) continue;
        if (!kind_initial) kind_initial = sim_kind(s, "workload.initial", on_initial, env);
        env->tenv->rec->open_sources++;
        sim_at(s, 0, kind_initial, i);
    }
    if (env->tenv->rec->open_sources == 0 && env->tenv->rec->in_flight == 0)
        recorder_idle(env->tenv->rec);
}

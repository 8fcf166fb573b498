/* analyze.c -- the analytic companion (see analyze.h): a scenario's services
 * as queueing models, `ecsim analyze`, and the predictions beside every
 * run's simulated values. Owns the mapping from a scenario (workloads, load
 * balancer algorithm, task size) to a model; the formulas are in
 * models/queueing.c. */
#include "sim/analyze.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "models/arrival.h"
#include "models/demand.h"
#include "models/queueing.h"
#include "sim/engine/xmalloc.h"
#include "sim/run.h"
#include "sim/version.h"

/* ---- the demand mixture ---- */

/* P(S > x) for the service time S of a worker running alone: its demand
 * at min(1, vCPU) vCPU */
static double mix_survival(void *ctx, double x)
{
    const an_service *s = ctx;
    double speed = s->vcpu < 1 ? s->vcpu : 1, v = 0;
    for (int i = 0; i < s->n_demand; i++)
        v += s->demand_w[i] * dist_survival(&s->demand[i], x * speed);
    return v;
}

static void add_demand(an_service *s, const dist *d, double weight)
{
    s->demand = xrealloc(s->demand, (size_t) (s->n_demand + 1) * sizeof *s->demand);
    s->demand_w = xrealloc(s->demand_w, (size_t) (s->n_demand + 1) * sizeof *s->demand_w);
    s->demand[s->n_demand] = *d; /* owns the empirical tables now */
    s->demand_w[s->n_demand++] = weight;
}

static void note(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends "; what" to buf once. */
static void note(char *buf, size_t len, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (strstr(buf, what)) return;
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s", n ? "; " : "", what);
}

/* ---- one service's model with n tasks ---- */

typedef struct pred {
    double mean, p99, blocking;
    int approx; /* p99 from the exponential-tail approximation */
    char model[128];
} pred;

/* p99 of a wait (0 with 1 - pw, else exponential with mean wq / pw) plus
 * the demand */
static double approx_p99(an_service *s, double pw, double wq)
{
    if (wq < 0) wq = 0;
    return q_approx_response_quantile(pw, wq, mix_survival, s, 0.99, s->es + wq);
}

static pred predict(an_service *s, int n)
{
    pred r = {NAN, NAN, NAN, 0, ""};
    double cap = s->workers < s->vcpu ? s->workers : s->vcpu; /* vCPU a task's workers use */
    double mu = 1 / s->es;
    if (s->lambda * s->es >= n * cap) return r;
    const char *alg = s->algorithm;
    int shared = n == 1 || strcmp(alg, "least_outstanding_requests") == 0 ||
                 strcmp(alg, "join_shortest_queue") == 0 || strcmp(alg, "least_utilisation") == 0;
    int rr = strcmp(alg, "round_robin") == 0 || strcmp(alg, "weighted_round_robin") == 0;
    int ps = s->vcpu < s->workers; /* busy workers may share the task's vCPU */
    int whole = fabs(s->vcpu - round(s->vcpu)) < 1e-12;
    if (ps) {
        /* processor sharing among the workers: the birth-death chain per
         * task (one chain over every worker when they share one queue) */
        int tasks = shared ? 1 : n;
        int w = shared ? n * s->workers : s->workers;
        double v = shared ? n * s->vcpu : s->vcpu, lt = s->lambda / tasks;
        r.mean = q_bd_response(lt, mu, w, v);
        snprintf(r.model, sizeof r.model, "%s%d workers sharing %g vCPU: birth-death chain%s",
                 shared ? "" : "per task ", w, v, s->exponential && !rr ? "" : " (approx.)");
        int c = (int) floor(v) > 0 ? (int) floor(v) : 1;
        double alone = s->es / (s->vcpu < 1 ? s->vcpu : 1); /* one request's time in service */
        r.p99 = approx_p99(s, q_erlang_c(c, lt * s->es * c / v), r.mean - alone);
        r.approx = 1;
        return r;
    }
    if (shared) {
        int c = n * s->workers;
        if (n == 1 && s->workers == 1 && s->queue_limit >= 0 && s->exponential) {
            int k = (int) s->queue_limit + 1;
            r.mean = q_mm1k_response(s->lambda, mu, k);
            r.blocking = q_mm1k_blocking(s->lambda, mu, k);
            snprintf(r.model, sizeof r.model, "M/M/1/%d", k);
            return r; /* no p99 formula here */
        }
        if (s->exponential) {
            r.mean = q_mmc_response(s->lambda, mu, c);
            r.p99 = q_mmc_response_quantile(s->lambda, mu, c, 0.99);
            snprintf(r.model, sizeof r.model, "M/M/%d (Erlang C)%s", c,
                     n > 1 ? ", one queue for all tasks" : "");
        } else {
            r.mean = q_ac_response(s->lambda, s->es, 1, s->scv, c);
            r.p99 = approx_p99(s, q_erlang_c(c, s->lambda * s->es),
                               q_ac_wait(s->lambda, s->es, 1, s->scv, c));
            r.approx = 1;
            snprintf(r.model, sizeof r.model, "M/G/%d (Allen-Cunneen)%s", c,
                     n > 1 ? ", one queue for all tasks" : "");
        }
        return r;
    }
    double lt = s->lambda / n; /* each task's share */
    int w = s->workers;
    if (rr) {
        if (w == 1 && s->exponential) {
            r.mean = q_ekm1_response(n, s->lambda, mu);
            r.p99 = q_ekm1_response_quantile(n, s->lambda, mu, 0.99);
            snprintf(r.model, sizeof r.model, "E%d/M/1 per task", n);
        } else {
            r.mean = q_ac_response(lt, s->es, 1.0 / n, s->scv, w);
            r.p99 =
                approx_p99(s, q_erlang_c(w, lt * s->es), q_ac_wait(lt, s->es, 1.0 / n, s->scv, w));
            r.approx = 1;
            snprintf(r.model, sizeof r.model, "E%d/G/%d per task (Allen-Cunneen)", n, w);
        }
        return r;
    }
    if (strcmp(alg, "random") == 0 || strcmp(alg, "weighted_random") == 0) {
        if (s->exponential) {
            r.mean = q_mmc_response(lt, mu, w);
            r.p99 = q_mmc_response_quantile(lt, mu, w, 0.99);
            snprintf(r.model, sizeof r.model, "M/M/%d per task", w);
        } else if (w == 1) {
            r.mean = q_mg1_response(lt, s->es, s->scv);
            r.p99 = approx_p99(s, lt * s->es, r.mean - s->es);
            r.approx = 1;
            snprintf(r.model, sizeof r.model, "M/G/1 per task (Pollaczek-Khinchine)");
        } else {
            r.mean = q_ac_response(lt, s->es, 1, s->scv, w);
            r.p99 = approx_p99(s, q_erlang_c(w, lt * s->es), q_ac_wait(lt, s->es, 1, s->scv, w));
            r.approx = 1;
            snprintf(r.model, sizeof r.model, "M/G/%d per task (Allen-Cunneen)", w);
        }
        return r;
    }
    if (strcmp(alg, "power_of_two") == 0 && w == 1 && s->exponential && whole) {
        r.mean = q_pod_response(s->lambda * s->es / n, s->es, 2);
        snprintf(r.model, sizeof r.model, "power of two, mean field (many tasks)");
        return r;
    }
    snprintf(r.model, sizeof r.model, "no formula for %s with %d workers%s", alg, w,
             s->exponential ? "" : " and this demand");
    return r;
}

/* ---- reading the scenario ---- */

/* The mean rate of a workload, NAN (with why) when it has none to use. */
static double workload_rate(const params *p, const char *w, int *poisson, char *why, size_t len)
{
    const char *kind = params_str(p, "workloads.%s.arrival", w);
    *poisson = strcmp(kind, "poisson") == 0;
    if (*poisson) return params_real(p, "workloads.%s.rate_per_s", w);
    if (strcmp(kind, "diurnal") == 0) return params_real(p, "workloads.%s.rate_per_s", w);
    if (strcmp(kind, "mmpp") == 0) {
        double *r = NULL, *t = NULL;
        size_t nr = 0, nt = 0;
        char expected[128];
        double mean = NAN;
        if (arrival_parse_list(params_str(p, "workloads.%s.mmpp.rates_per_s", w), &r, &nr, expected,
                               sizeof expected) == 0 &&
            arrival_parse_list(params_str(p, "workloads.%s.mmpp.mean_sojourn_s", w), &t, &nt,
                               expected, sizeof expected) == 0 &&
            nr == nt && nr > 0) {
            /* states are left to one of the others uniformly: the chain's
             * stationary share of each is its mean sojourn over the sum */
            double num = 0, den = 0;
            for (size_t i = 0; i < nr; i++) {
                num += r[i] * t[i];
                den += t[i];
            }
            mean = num / den;
        }
        free(r);
        free(t);
        return mean;
    }
    note(why, len, "workload %s is %s: no mean rate to use", w, kind);
    return NAN;
}

/* The fewest tasks whose p99 meets the SLO, by the same model: more tasks
 * never raise the p99, so a doubling then a bisection. */
static void slo_search(const analysis *a, an_service *s, double cap)
{
    int lo = (int) floor(s->offered_vcpu / cap); /* the most tasks that cannot */
    if (lo < 0) lo = 0;
    int hi = lo + 1;
    for (;;) {
        pred r = predict(s, hi);
        if (isnan(r.p99)) return;
        if (r.p99 <= a->slo_p99_s) break;
        lo = hi;
        hi = 2 * hi;
        if (hi > 100000) return;
    }
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        pred r = predict(s, mid);
        if (!isnan(r.p99) && r.p99 <= a->slo_p99_s)
            hi = mid;
        else
            lo = mid;
    }
    s->slo_tasks = hi;
}

static int read_service(analysis *a, an_service *s, const params *p, const char *name, ecs_err *e)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->mean_s = s->p99_s = s->error_rate = NAN;
    s->slo_tasks = -1;
    const char *td = params_str(p, "services.%s.task_definition", name);
    const char *lbn = params_str(p, "services.%s.load_balancer", name);
    s->algorithm = params_str(p, "load_balancers.%s.algorithm", lbn);
    s->tasks = (int) params_int(p, "services.%s.desired_count", name);
    s->workers = (int) params_int(p, "task_definitions.%s.workers", td);
    s->vcpu = (double) params_int(p, "task_definitions.%s.cpu", td) / 1024.0;
    s->queue_limit = (long long) params_int(p, "task_definitions.%s.queue_limit", td);
    if (strcmp(params_str(p, "task_definitions.%s.cpu_mode", td), "share") == 0)
        note(a->assumptions, sizeof a->assumptions,
             "task definition %s has cpu_mode share (it may use idle host CPU)", td);
    if (s->queue_limit >= 0 && !(s->tasks == 1 && s->workers == 1))
        note(a->assumptions, sizeof a->assumptions,
             "service %s: queue_limit is not in the formula (only one single-worker task's is)",
             name);
    /* its share of its load balancer's traffic */
    double wsum = 0;
    for (size_t i = 0; i < params_count(p, "services"); i++) {
        const char *o = params_object(p, "services", i);
        if (strcmp(params_str(p, "services.%s.load_balancer", o), lbn) == 0)
            wsum += params_real(p, "services.%s.traffic_weight", o);
    }
    double share = wsum > 0 ? params_real(p, "services.%s.traffic_weight", name) / wsum : 0;
    s->poisson = 1;
    double lambda = 0, es = 0, es2 = 0;
    int any = 0;
    for (size_t i = 0; i < params_count(p, "workloads"); i++) {
        const char *w = params_object(p, "workloads", i);
        if (strcmp(params_str(p, "workloads.%s.target", w), lbn) != 0) continue;
        any = 1;
        int poisson;
        double rate = workload_rate(p, w, &poisson, s->why, sizeof s->why) * share;
        if (!poisson)
            note(a->assumptions, sizeof a->assumptions, "workload %s is not Poisson (%s)", w,
                 params_str(p, "workloads.%s.arrival", w));
        s->poisson &= poisson;
        if (params_int(p, "workloads.%s.client.retries", w) > 0 ||
            params_real(p, "workloads.%s.client.timeout_s", w) > 0)
            note(a->assumptions, sizeof a->assumptions,
                 "workload %s has client retries or timeouts", w);
        if (params_int(p, "workloads.%s.initial_requests", w) > 0)
            note(a->assumptions, sizeof a->assumptions,
                 "workload %s starts with a backlog (initial_requests)", w);
        lambda += rate;
        /* the demand: its request classes by weight, or its own */
        double cw = 0;
        for (size_t k = 0; k < params_count(p, "request_classes"); k++) {
            const char *c = params_object(p, "request_classes", k);
            if (strcmp(params_str(p, "request_classes.%s.workload", c), w) == 0)
                cw += params_real(p, "request_classes.%s.weight", c);
        }
        for (size_t k = 0; k < params_count(p, "request_classes") || cw == 0; k++) {
            dist d;
            double part;
            int rc;
            if (cw == 0) {
                rc = demand_read(&d, p, e, "workloads.%s.demand", w);
                part = rate;
            } else {
                const char *c = params_object(p, "request_classes", k);
                if (strcmp(params_str(p, "request_classes.%s.workload", c), w) != 0) continue;
                rc = demand_read(&d, p, e, "request_classes.%s.demand", c);
                part = rate * params_real(p, "request_classes.%s.weight", c) / cw;
            }
            if (rc != ECS_OK) return rc;
            add_demand(s, &d, part);
            if (cw == 0) break;
        }
    }
    if (!any) note(s->why, sizeof s->why, "no workload sends to load balancer %s", lbn);
    s->lambda = any && !(s->why[0]) ? lambda : NAN;
    double tot = 0;
    for (int i = 0; i < s->n_demand; i++) tot += s->demand_w[i];
    s->exponential = s->n_demand > 0;
    for (int i = 0; i < s->n_demand; i++) {
        s->demand_w[i] = tot > 0 ? s->demand_w[i] / tot : 1.0 / s->n_demand;
        double m = dist_mean(&s->demand[i]);
        es += s->demand_w[i] * m;
        es2 += s->demand_w[i] * m * m * (1 + dist_scv(&s->demand[i]));
        s->exponential &= s->demand[i].family == DIST_EXPONENTIAL &&
                          fabs(m - dist_mean(&s->demand[0])) <= 1e-12 * m;
    }
    s->es = es;
    s->scv = es > 0 ? es2 / (es * es) - 1 : NAN;
    double cap = s->workers < s->vcpu ? s->workers : s->vcpu;
    s->offered_vcpu = s->lambda * s->es;
    s->util = s->offered_vcpu / (s->tasks * cap);
    s->cpu_util_pct = 100 * s->offered_vcpu / (s->tasks * s->vcpu);
    s->max_tput = s->tasks * cap / s->es;
    s->saturated = s->util >= 1;
    if (isnan(s->lambda) || s->tasks == 0) {
        if (s->tasks == 0) note(s->why, sizeof s->why, "desired_count is 0");
        return ECS_OK;
    }
    if (s->saturated) {
        snprintf(s->model, sizeof s->model, "saturated: no steady state");
    } else {
        pred r = predict(s, s->tasks);
        s->mean_s = r.mean;
        s->p99_s = r.p99;
        s->error_rate = r.blocking;
        s->p99_approx = r.approx;
        snprintf(s->model, sizeof s->model, "%s", r.model);
    }
    if (a->slo_search) slo_search(a, s, cap);
    return ECS_OK;
}

analysis *analyze_build(const params *p, int slo_search, ecs_err *e)
{
    analysis *a = xcalloc(1, sizeof *a);
    a->slo_search = slo_search;
    a->slo_p99_s = params_real(p, "slo.p99_latency_s");
    a->n = (int) params_count(p, "services");
    a->s = xcalloc((size_t) (a->n ? a->n : 1), sizeof *a->s);
    if (params_count(p, "failures") > 0)
        note(a->assumptions, sizeof a->assumptions, "failures are injected");
    if (params_count(p, "deployments") > 0)
        note(a->assumptions, sizeof a->assumptions, "deployments roll tasks over");
    for (int i = 0; i < a->n; i++) {
        if (read_service(a, &a->s[i], p, params_object(p, "services", i), e) != ECS_OK) {
            a->n = i + 1;
            analyze_free(a);
            return NULL;
        }
    }
    return a;
}

void analyze_free(analysis *a)
{
    if (!a) return;
    for (int i = 0; i < a->n; i++) {
        for (int k = 0; k < a->s[i].n_demand; k++) dist_fini(&a->s[i].demand[k]);
        free(a->s[i].demand);
        free(a->s[i].demand_w);
    }
    free(a->s);
    free(a);
}

/* ---- summary.csv's predictions ---- */

int analyze_metric(void *ctx, const char *metric, double *value)
{
    const analysis *a = ctx;
    static const char *const what[] = {"mean_s", "p99_s", "cpu_util_pct"};
    *value = NAN;
    for (int k = 0; k < 3; k++) {
        if (strcmp(metric, what[k]) == 0) {
            /* the whole run: rate-weighted means, used over reserved CPU; a
             * p99 only for a single service (a mixture's quantile is not a
             * mean of quantiles) */
            double num = 0, den = 0, used = 0, reserved = 0;
            int ok = a->n > 0;
            for (int i = 0; i < a->n; i++) {
                const an_service *s = &a->s[i];
                num += s->lambda * s->mean_s;
                den += s->lambda;
                used += s->offered_vcpu;
                reserved += s->tasks * s->vcpu;
                ok &= !isnan(s->lambda);
            }
            if (k == 0 && ok) *value = num / den;
            if (k == 1 && a->n == 1) *value = a->s[0].p99_s;
            if (k == 2 && ok && reserved > 0) *value = 100 * used / reserved;
            return 1;
        }
        for (int i = 0; i < a->n; i++) {
            size_t nl = strlen(a->s[i].name);
            if (strncmp(metric, a->s[i].name, nl) != 0 || metric[nl] != '_' ||
                strcmp(metric + nl + 1, what[k]) != 0)
                continue;
            const an_service *s = &a->s[i];
            *value = k == 0 ? s->mean_s : k == 1 ? s->p99_s : s->cpu_util_pct;
            /* saturated: the busy workers' share of the reserved CPU, no latency */
            double cap = s->workers < s->vcpu ? s->workers : s->vcpu;
            if (s->saturated) *value = k == 2 ? 100 * cap / s->vcpu : NAN;
            return 1;
        }
    }
    return 0;
}

/* ---- ecsim analyze ---- */

static void print_ms(FILE *out, double v, int approx)
{
    if (isnan(v))
        fprintf(out, "%12s", "-");
    else
        fprintf(out, "%11.1f%s", 1e3 * v, approx ? "~" : " ");
}

void analyze_print(const analysis *a, const char *scenario, FILE *out)
{
    fprintf(out, "ecsim %s: analyze %s (queueing theory, no simulation)\n", ECSIM_VERSION,
            scenario);
    fprintf(out, "  %-12s %9s %9s %8s %10s %11s %12s %12s %9s\n", "service", "req/s", "load_vcpu",
            "util_%", "max_req/s", "tasks", "mean_ms", "p99_ms", "slo_tasks");
    for (int i = 0; i < a->n; i++) {
        const an_service *s = &a->s[i];
        if (isnan(s->lambda))
            fprintf(out, "  %-12s %9s %9s %8s %10.4g %11d", s->name, "-", "-", "-", s->max_tput,
                    s->tasks);
        else
            fprintf(out, "  %-12s %9.4g %9.4g %8.1f %10.4g %11d", s->name, s->lambda,
                    s->offered_vcpu, 100 * s->util, s->max_tput, s->tasks);
        print_ms(out, s->mean_s, 0);
        print_ms(out, s->p99_s, s->p99_approx);
        if (s->slo_tasks > 0)
            fprintf(out, " %9d\n", s->slo_tasks);
        else
            fprintf(out, " %9s\n", "-");
    }
    for (int i = 0; i < a->n; i++) {
        const an_service *s = &a->s[i];
        fprintf(out, "  %s: %s, %d x %d workers on %g vCPU; demand mean %.4g s, scv %.3g; %s\n",
                s->name, s->algorithm, s->tasks, s->workers, s->vcpu, s->es, s->scv,
                s->why[0] ? s->why : s->model);
        if (!isnan(s->error_rate))
            fprintf(out, "  %s: blocking (502) %.6g of requests\n", s->name, s->error_rate);
        if (s->saturated)
            fprintf(out,
                    "  WARNING: service %s is saturated: utilisation %.1f%% >= 100%% (%.4g req/s "
                    "offered, at most %.4g served): queues grow without bound; %s\n",
                    s->name, 100 * s->util, s->lambda, s->max_tput,
                    s->slo_tasks > 0 ? "see slo_tasks for the tasks it needs"
                                     : "it needs more tasks");
    }
    fprintf(out,
            "  slo_tasks: fewest tasks with p99 <= %g ms by the same model; ~ marks the "
            "exponential-tail approximation\n",
            1e3 * a->slo_p99_s);
    if (a->assumptions[0])
        fprintf(out, "  outside the formulas' assumptions: %s (simulate: ecsim run)\n",
                a->assumptions);
}

static const char usage_analyze[] =
    "usage: ecsim analyze FILE [--set PATH=VALUE ...]\n"
    "\n"
    "Queueing theory's answer for the scenario in FILE, without simulating: per\n"
    "service the arrival rate, offered load (vCPU), utilisation, maximum\n"
    "throughput, mean and p99 response time, and the fewest tasks meeting\n"
    "slo.p99_latency_s. A saturated service (utilisation >= 100%) is named.\n";

int analyze_main(int argc, char **argv, FILE *out, FILE *err)
{
    const char *file = NULL;
    const char **sets = xcalloc((size_t) argc + 1, sizeof *sets);
    int n_sets = 0, rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_analyze, out);
            free(sets);
            return 0;
        } else if (strcmp(a, "--set") == 0 || strncmp(a, "--set=", 6) == 0) {
            const char *v = a[5] == '=' ? a + 6 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) {
                fprintf(err, "ecsim: --set: expected a value\n(see ecsim --help)\n");
                rc = 2;
            } else {
                sets[n_sets++] = v;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(err, "ecsim: analyze: unknown option %s\n(see ecsim --help)\n", a);
            rc = 2;
        } else if (!file) {
            file = a;
        } else {
            fprintf(err,
                    "ecsim: analyze: one scenario file at a time, got another: %s\n"
                    "(see ecsim --help)\n",
                    a);
            rc = 2;
        }
    }
    if (rc == 0 && !file) {
        fprintf(err, "ecsim: analyze: expected a scenario FILE\n(see ecsim --help)\n");
        rc = 2;
    }
    if (rc == 0) {
        ecs_err e;
        err_clear(&e);
        params *p = run_load_params(file, sets, n_sets, &e);
        if (p && run_validate(p, &e) != ECS_OK) {
            params_free(p);
            p = NULL;
        }
        analysis *an = p ? analyze_build(p, 1, &e) : NULL;
        if (!an) {
            fprintf(err, "ecsim: %s\n", e.msg);
            rc = err_exit_code(e.code);
        } else {
            analyze_print(an, file, out);
        }
        analyze_free(an);
        params_free(p);
    }
    free(sets);
    return rc;
}

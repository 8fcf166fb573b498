/* analyze.h -- the analytic companion: queueing theory's answer for a
 * scenario, without simulating (`ecsim analyze FILE`), and the prediction
 * each `ecsim run` writes beside its simulated values (<metric>_analytic,
 * <metric>_analytic_diff in summary.csv).
 *
 * Per service: the arrival rate (the Poisson rates of the workloads on its
 * load balancer, split by traffic_weight), the demand's mean and squared
 * coefficient of variation (the mixture of its request classes), and the
 * servers (desired_count tasks of `workers` workers on cpu/1024 vCPU); from
 * them the offered load, the utilisation, the maximum throughput, and the
 * mean and p99 response time from the model the load balancer's algorithm
 * makes of it:
 *   - one task, or least_outstanding_requests, join_shortest_queue,
 *     least_utilisation: one queue in front of every worker, M/M/c (Erlang
 *     C) for exponential demand (exact for one task; for several it is the
 *     shared queue those algorithms approach), Allen-Cunneen M/G/c
 *     otherwise;
 *   - round_robin, weighted_round_robin: each task sees every n-th arrival
 *     (Erlang-n gaps): E_n/M/1 for single-worker tasks with exponential
 *     demand (exact), Allen-Cunneen GI/G/c with ca^2 = 1/n otherwise;
 *   - random, weighted_random: each task a Poisson stream of lambda/n: M/M/c
 *     (exact) or M/G/1 by Pollaczek-Khinchine or Allen-Cunneen M/G/c;
 *   - power_of_two: the mean field of Mitzenmacher (2001) for
 *     single-worker tasks and exponential demand (the limit of many tasks);
 *   - workers that share fewer vCPU than they are (processor sharing): the
 *     birth-death chain with death rate min(n, workers, vCPU) mu;
 *   - one single-worker task with a queue_limit and exponential demand:
 *     M/M/1/K, with its blocking probability as the error rate.
 * Where no closed form gives the p99, it comes from the exponential-tail
 * approximation (queueing.h), marked "~". The fewest tasks that meet
 * slo.p99_latency_s come from the same model. A saturated service
 * (utilisation >= 1) has no steady state: analyze says so, naming it.
 * The assumptions a scenario breaks (non-Poisson traffic, retries and
 * client timeouts, failures, deployments, a CPU share, ...) are listed:
 * there the simulation, not the formula, is the answer. */
#ifndef ECSIM_ANALYZE_H
#define ECSIM_ANALYZE_H

#include <stdio.h>

#include "sim/engine/dist.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

typedef struct an_service {
    const char *name;
    const char *algorithm;
    int tasks, workers;
    double vcpu;           /* per task, cpu / 1024 */
    long long queue_limit; /* -1 unlimited */
    double lambda;         /* requests/s, NAN when the traffic has no mean rate here */
    double es, scv;        /* demand at one vCPU: mean (s) and squared cv */
    int exponential;       /* the demand is exponential */
    dist *demand;          /* the mixture's parts */
    double *demand_w;      /* their probabilities */
    int n_demand;
    int poisson;          /* every workload on it is Poisson */
    double offered_vcpu;  /* lambda es */
    double util;          /* lambda es / (tasks min(workers, vcpu)) */
    double cpu_util_pct;  /* lambda es / (tasks vcpu): CPU used over reserved */
    double max_tput;      /* tasks min(workers, vcpu) / es */
    double mean_s, p99_s; /* NAN where no model applies */
    double error_rate;    /* M/M/1/K blocking, else NAN */
    int p99_approx;       /* the p99 is the exponential-tail approximation */
    int saturated;
    int slo_tasks;   /* fewest tasks meeting slo.p99_latency_s; -1 unknown */
    char model[128]; /* which formula */
    char why[256];   /* no prediction: why */
} an_service;

typedef struct analysis {
    an_service *s;
    int n;
    double slo_p99_s;
    int slo_search;        /* find slo_tasks (analyze does; a run's columns need not) */
    char assumptions[512]; /* what the scenario does that the formulas do not */
} analysis;

/* The analysis of a checked scenario. Cannot fail on a scenario
 * run_load_params accepted (a part it cannot model gets NAN and a reason);
 * returns NULL with e filled only when a demand file cannot be read. */
analysis *analyze_build(const params *p, int slo_search, ecs_err *e);
void analyze_free(analysis *a);

/* summary.csv's predictions (an est_analytic_fn, sim/estimate.h): mean_s,
 * p99_s and cpu_util_pct, for the whole run and per service. */
int analyze_metric(void *ctx, const char *metric, double *value);

/* Prints the analysis (the table `ecsim analyze` shows). */
void analyze_print(const analysis *a, const char *scenario, FILE *out);

/* `ecsim analyze FILE [--set PATH=VALUE ...]`. */
int analyze_main(int argc, char **argv, FILE *out, FILE *err);

#endif

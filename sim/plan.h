/* plan.h -- the capacity planner (`ecsim plan FILE --vary PATH=SPEC ...`).
 * Owns the feasibility rule (a configuration meets the scenario's SLO when
 * the upper end of the 95% interval of p99_s is within slo.p99_latency_s
 * and that of error_rate within slo.error_rate), the ranking of feasible
 * configurations by mean cost_usd, plan.csv and the answer printed. The
 * runs themselves are a sweep (sweep_run_table): the same --vary grid,
 * common random numbers and process pool, with sweep.csv and aggregate.csv
 * written beside plan.csv. */
#ifndef ECSIM_PLAN_H
#define ECSIM_PLAN_H

#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/run.h"

#define PLAN_DEFAULT_REPLICATIONS 5

typedef struct plan_opts {
    /* scenario, sets, seed as for one run; out_dir NULL means
     * results/<scenario name>-plan; quiet prints nothing */
    run_opts run;
    const char *const *vary; /* "PATH=SPEC", as for sweep; no slo.* path */
    int n_vary;
    int replications; /* >= 2: an interval needs two */
    int jobs;         /* pool size; 0: the number of online CPUs */
} plan_opts;

/* One configuration's verdict, as plan.csv has it. */
typedef struct plan_row {
    int config;       /* 1-based, the sweep's numbering */
    double cost[3];   /* cost_usd mean, 95% low, high */
    double p99[3];    /* p99_s */
    double err[3];    /* error_rate */
    int feasible;     /* p99[2] <= SLO and err[2] <= SLO (NAN: not feasible) */
    int rank;         /* 1 = cheapest feasible; 0 when not feasible */
    double shortfall; /* max of upper bound / SLO over the two: <= 1 when feasible */
} plan_row;

/* Sets feasible, shortfall and rank of n rows under the SLO: feasible rows
 * ranked by mean cost, then mean p99_s, then config. Returns how many are
 * feasible. */
int plan_rank(plan_row *rows, int n, double slo_p99_s, double slo_error_rate);

/* Checks everything before the disk is touched, runs the sweep into the
 * output directory, writes DIR/plan.csv whole and prints the answer on out
 * unless quiet. ECS_OK or an error code with e filled. */
int plan_run(const plan_opts *o, FILE *out, ecs_err *e);

/* `ecsim plan ARGS...` (argv without "plan"): exit status. */
int plan_main(int argc, char **argv, FILE *out, FILE *err);

#endif

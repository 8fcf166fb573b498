/* plan.h -- the capacity planner (`ecsim plan FILE --vary PATH=SPEC ...`).
 * Owns --slo and --minimize, the feasibility rule (every SLO term holds at
 * the pessimistic end of its 95% interval; by default the scenario's
 * p99_s <= slo.p99_latency_s and error_rate <= slo.error_rate), the ranking
 * of feasible configurations by the minimized metric, the confirmation of
 * the winner on fresh replications, plan.csv, frontier.csv and the answer
 * printed. The
 * runs themselves are a sweep (sweep_run_table): the same --vary grid,
 * common random numbers and process pool, with sweep.csv and aggregate.csv
 * written beside plan.csv. */
#ifndef ECSIM_PLAN_H
#define ECSIM_PLAN_H

#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/run.h"

#define PLAN_DEFAULT_REPLICATIONS 5
#define PLAN_MAX_SLO              16 /* --slo options at most */
#define PLAN_CONFIRM_TRIES        3  /* ranked configurations confirmation tries */
/* Confirmation replication k (1-based) of a plan under run seed `seed` uses
 * replicate_seed(seed, PLAN_CONFIRM_OFFSET + k): an index no sweep
 * replication takes (k <= REPLICATE_LIMIT) nor compare's independent side
 * (COMPARE_INDEPENDENT_OFFSET + k, k <= REPLICATE_LIMIT). */
#define PLAN_CONFIRM_OFFSET 3000000

/* One SLO term: metric (a summary.csv column) op bound. < and <= hold when
 * the upper end of the metric's 95% interval is below (or at) bound; > and
 * >= when the lower end is above (or at) it. */
typedef enum plan_op { PLAN_LT, PLAN_LE, PLAN_GT, PLAN_GE } plan_op;

typedef struct plan_slo {
    char metric[128];
    plan_op op;
    double bound;
} plan_slo;

typedef struct plan_opts {
    /* scenario, sets, seed as for one run; out_dir NULL means
     * results/<scenario name>-plan; quiet prints nothing */
    run_opts run;
    const char *const *vary; /* "PATH=SPEC", as for sweep; no slo.* path */
    int n_vary;
    const char *const *slo; /* "METRIC<VALUE" ... (plan_parse_slo); none:
                             * the scenario's slo.p99_latency_s, slo.error_rate */
    int n_slo;
    const char *minimize; /* metric (or cost, p99_latency); NULL: cost_usd */
    int replications;     /* >= 2: an interval needs two */
    int confirm;          /* fresh replications for confirmation: 0 none,
                           * < 0 as many as replications, else >= 2 */
    int jobs;             /* pool size; 0: the number of online CPUs */
    int no_prune;         /* evaluate every configuration (no monotonicity pruning) */
} plan_opts;

/* One configuration's verdict, as plan.csv has it. */
typedef struct plan_row {
    int config;                  /* 1-based, the sweep's numbering */
    double obj[3];               /* the minimized metric: mean, 95% low, high */
    double p99[3];               /* p99_s */
    double slo[PLAN_MAX_SLO][3]; /* each SLO term's metric */
    int feasible;                /* every SLO term holds at its CI bound */
    int rank;                    /* 1 = best feasible; 0 when not feasible */
    double shortfall;            /* the worst term's bound ratio: <= 1 when feasible */
    int confirmed;               /* -1 not tried, 0 failed, 1 held on fresh replications */
    int pruned;                  /* 0 evaluated; -1 below a failing configuration of its
                                  * line, +1 above its line's cheapest feasible one */
    int pruned_by;               /* that configuration (1-based) */
} plan_row;

/* Parses "METRIC<VALUE", "METRIC<=VALUE", "METRIC>VALUE", "METRIC>=VALUE"
 * (spaces allowed around the parts). METRIC is a summary.csv column or an
 * alias: p99_latency and p99_latency_s are p99_s, cost is cost_usd. Whether
 * the column exists is checked by plan_run. ECS_OK or ECS_EINPUT naming
 * --slo. */
int plan_parse_slo(const char *text, plan_slo *out, ecs_err *e);

/* The summary.csv column an alias names (cost, p99_latency...), or name. */
const char *plan_metric_name(const char *name);

/* Whether the SLO terms hold on these intervals (v[i] for slo[i]);
 * *shortfall (when not NULL) gets the worst bound ratio. */
int plan_slo_holds(const plan_slo *slo, int n_slo, const double (*v)[3], double *shortfall);

/* Sets feasible, shortfall and rank of n rows under the SLO terms: feasible
 * rows ranked by mean obj, then mean p99_s, then config. Returns how many
 * are feasible. */
int plan_rank(plan_row *rows, int n, const plan_slo *slo, int n_slo);

/* Marks the cost-latency Pareto frontier: on[i] = 1 when no row j has
 * obj mean <= and p99 mean <= row i's with one of them <. Rows with a NAN
 * mean are not on it. Returns how many are. */
int plan_frontier(const plan_row *rows, int n, int *on);

/* Checks everything before the disk is touched, runs the sweep into the
 * output directory, writes DIR/plan.csv whole and prints the answer on out
 * unless quiet. ECS_OK or an error code with e filled. */
int plan_run(const plan_opts *o, FILE *out, ecs_err *e);

/* `ecsim plan ARGS...` (argv without "plan"): exit status. */
int plan_main(int argc, char **argv, FILE *out, FILE *err);

#endif

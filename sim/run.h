/* run.h -- one run of one scenario, from file to result files.
 * Loads and checks the scenario (file, then --set), builds the cluster, runs
 * it, and writes timeseries.csv, events.csv, summary.csv and effective.yaml
 * into the output directory: all of them, or none if anything fails. */
#ifndef ECSIM_RUN_H
#define ECSIM_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/engine/param.h"
#include "sim/estimate.h"

extern const param_def run_params[];

typedef struct run_opts {
    const char *scenario;    /* path of the YAML file */
    const char *out_dir;     /* NULL: results/<scenario basename> */
    const char *const *sets; /* "path=value" overrides, in order */
    int n_sets;
    int seed_given;
    uint64_t seed;  /* overrides run.seed when seed_given */
    double until_s; /* INFINITY: no cap on simulated time */
    int check;      /* verify invariants after every event */
    int quiet;      /* no summary table on out */
    /* NULL, or who watches the run (the visualiser): it sees the world
     * between stretches of simulated time and never changes it (observe.h) */
    const struct run_observer *observer;
    /* one run's precision stopping and caps (sim/stopping.h) */
    const est_bound *precision; /* --precision METRIC=P%, n_precision of them */
    int n_precision;
    uint64_t max_events;     /* --max-events, 0 none */
    double max_wall_s;       /* --max-wall, 0 none */
    const char *request_log; /* --request-log FILE (sim/reqlog.h), NULL none */
    double request_log_rate; /* --request-log-rate, (0, 1]; 0 means 1 */
} run_opts;

/* What a run measured, for callers that want numbers rather than files
 * (tests, and later sweeps). */
typedef struct run_result {
    uint64_t fingerprint;
    uint64_t events;
    double end_s;
    uint64_t requests, completed, errors;
    double mean_s, p50_s, p95_s, p99_s;
    double cpu_util_pct;
    double cost_usd;
    char out_dir[4096];
} run_result;

/* Loads a scenario into a new params (file then sets, then defaults and
 * checks). Returns NULL with e filled on bad input. Caller frees. */
params *run_load_params(const char *scenario, const char *const *sets, int n_sets, ecs_err *e);

/* Checks what only building the cluster finds (instance types, a load
 * balancer with no service behind it) without running anything. */
int run_validate(const params *p, ecs_err *e);

/* The output directory used when run_opts.out_dir is NULL:
 * results/<scenario basename without extension>. */
void run_default_out_dir(const char *scenario, char *buf, size_t len);

/* Runs one scenario. Prints the summary table on out unless quiet. Returns
 * ECS_OK (res filled when not NULL) or an error code with e filled; on error
 * no output file is written and earlier results in the directory stay. */
int run_scenario(const run_opts *o, FILE *out, run_result *res, ecs_err *e);

#endif

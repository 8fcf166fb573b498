/* sweep.h -- parameter sweeps (`ecsim sweep FILE --vary PATH=SPEC ...`).
 * Owns the --vary expressions (ranges, lists, log ranges), the full grid or
 * a Latin hypercube sample of it, the local process pool that runs every
 * (configuration, replication) through run_scenario, the journal each
 * finished run is appended to (so a stopped sweep resumes), and the sorted
 * sweep.csv and aggregate.csv written whole at the end. Replication k of
 * every configuration uses replicate_seed(seed, k): common random numbers. */
#ifndef ECSIM_SWEEP_H
#define ECSIM_SWEEP_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/run.h"

#define SWEEP_MAX_VALUES  100000  /* values one --vary may expand to */
#define SWEEP_MAX_CONFIGS 1000000 /* configurations of a grid or --lhs */
#define SWEEP_MAX_JOBS    1024

/* One varied parameter: its path and the values, as text for --set. */
typedef struct sweep_dim {
    char *path;
    char **values;
    int n;
} sweep_dim;

typedef struct sweep_opts {
    /* scenario, sets, seed as for one run; out_dir NULL means
     * results/<scenario name>-sweep; quiet drops the progress lines */
    run_opts run;
    const char *const *vary; /* "PATH=SPEC" */
    int n_vary;
    int replications; /* >= 1 */
    int jobs;         /* pool size; 0: the number of online CPUs */
    int lhs;          /* 0: full grid; K: a Latin hypercube sample of K points */
    int resume;       /* run only what DIR/journal.csv lacks */
    int stop_after;   /* 0: no limit; N: stop once N runs are journaled */
    int keep_runs;    /* keep each run's files in DIR/runs/c<i>-r<k>/ */
    int seed_offset;  /* replication k runs on replicate_seed(seed, seed_offset + k) */
    int single;       /* no --vary is allowed: one configuration, the run's --sets */
    /* NULL: every configuration runs; else only configurations c with
     * only[c] != 0 run (the planner's pruning) and the results hold the
     * configurations whose replications are all journaled */
    const unsigned char *only;
} sweep_opts;

/* Parses "PATH=SPEC": A:B (integers, step 1), A:B:STEP, V1,V2,... (numbers
 * or words) or log:A:B:N (N points spaced evenly in log; rounded to integers
 * when PATH is an integer parameter). Does not check the values against the
 * registry (sweep_run does, as --set would). ECS_OK or ECS_EINPUT naming
 * --vary. Free with sweep_dim_free. */
int sweep_parse_vary(const char *text, sweep_dim *d, ecs_err *e);
void sweep_dim_free(sweep_dim *d);

/* A Latin hypercube sample of k points over dimensions of n_values[d]
 * values each: for each dimension the unit interval is cut into k strata,
 * each stratum is taken by exactly one point (a random permutation) at a
 * uniform position inside it, and the position picks the value index.
 * idx[i * n_dims + d] gets point i's index in dimension d. The stream is
 * "sweep.lhs" under seed, so a seed gives one sample. */
void sweep_lhs(const int *n_values, int n_dims, int k, uint64_t seed, int *idx);

/* Checks every option and every configuration's values (through the same
 * path as --set) before anything is written, then runs the sweep into the
 * output directory. Returns ECS_OK (also when --stop-after left it
 * incomplete, with a message on out) or an error code with e filled. */
int sweep_run(const sweep_opts *o, FILE *out, ecs_err *e);

/* What a finished sweep measured, per configuration, for experiments built
 * on sweeps (ecsim plan): the varied paths and values, and every metric's
 * mean and 95% interval as aggregate.csv has them (all NAN for a column
 * that is not numeric). */
typedef struct sweep_table {
    int n_configs, n_dims, reps;
    char **paths;  /* [d] */
    char **values; /* [c * n_dims + d] */
    int n_metrics;
    char **metrics; /* [m]: the runs' summary.csv columns */
    double *ci;     /* [(c * n_metrics + m) * 3 + i]: i 0 mean, 1 low, 2 high */
    int served;     /* an MPI worker rank: it ran items for rank 0 and has the
                     * configurations but no results (n_metrics 0) */
} sweep_table;

/* sweep_run, also filling t (when not NULL) once the results are written;
 * t is left empty (n_configs 0) when the sweep did not finish. Free with
 * sweep_table_free. */
int sweep_run_table(const sweep_opts *o, FILE *out, sweep_table *t, ecs_err *e);
void sweep_table_free(sweep_table *t);

/* The configurations o describes (t's paths and values; no metrics),
 * without running anything or touching the disk. */
int sweep_table_shape(const sweep_opts *o, sweep_table *t, ecs_err *e);

/* The index of metric name in t, or -1. */
int sweep_table_metric(const sweep_table *t, const char *name);

#endif

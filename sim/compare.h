/* compare.h -- `ecsim compare A.yaml B.yaml`: two configurations run with
 * common random numbers and their paired difference.
 * Owns the pairing of seeds (replication k of A and of B share a seed, so
 * the same arrivals and demands), the paired Student-t interval of B - A,
 * the variance reduction against independent seeds (estimated as
 * var(A) + var(B), and measured with R more replications of B on seeds of
 * their own), compare.csv and the comparison table. Each replication is an
 * ordinary run_scenario run into a scratch directory. */
#ifndef ECSIM_COMPARE_H
#define ECSIM_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/err.h"

#define COMPARE_DEFAULT_REPLICATIONS 10
#define COMPARE_MAX_METRICS          64
/* Replication k of B with an independent seed uses replicate_seed(seed,
 * COMPARE_INDEPENDENT_OFFSET + k): an index no replication of A takes (A's
 * are k <= REPLICATE_LIMIT), so its seed is as unrelated to A's as two
 * replications' seeds are. */
#define COMPARE_INDEPENDENT_OFFSET 1000000

typedef struct compare_opts {
    const char *scenario_a, *scenario_b;
    const char *out_dir;        /* NULL: results/<A's name>-vs-<B's name> */
    int replications;           /* R >= 2 */
    const char *const *metrics; /* --metric names; none: every numeric metric */
    int n_metrics;
    int seed_given;
    uint64_t seed; /* overrides A's run.seed, the base of every seed */
    int quiet;     /* no table */
} compare_opts;

/* One metric's comparison. NAN (and significant -1) where a replication
 * left the metric empty, or where a ratio has a zero denominator. */
typedef struct compare_stat {
    double mean_a, mean_b;
    double diff;                   /* mean of B_k - A_k */
    double ci_low, ci_high;        /* its 95% Student-t interval, R - 1 degrees of freedom */
    int significant;               /* 1: the interval excludes 0; 0: it does not */
    double var_paired;             /* sample variance of B_k - A_k */
    double var_unpaired;           /* var(A) + var(B): what independent seeds would give */
    double reduction;              /* var_unpaired / var_paired */
    double var_unpaired_empirical; /* sample variance of B'_k - A_k, B' on independent seeds */
    double reduction_empirical;    /* var_unpaired_empirical / var_paired */
} compare_stat;

/* The statistics of n >= 2 paired values a[k], b[k] and n values bi[k] of B
 * on independent seeds. */
compare_stat compare_stats(const double *a, const double *b, const double *bi, int n);

/* Checks, runs every replication, writes DIR/compare.csv whole and prints
 * the table on out unless quiet. On error nothing is written. */
int compare_run(const compare_opts *o, FILE *out, ecs_err *e);

/* `ecsim compare ARGS...` (argv without "compare"): exit status. */
int compare_main(int argc, char **argv, FILE *out, FILE *err);

#endif

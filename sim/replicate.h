/* replicate.h -- independent replications of one scenario and their
 * confidence intervals (`ecsim run FILE --replications R|auto`).
 * Owns the replication seeds, the rep-<k>/ result directories, the combined
 * summary.csv (mean, 95% Student-t interval and, with --precision, a
 * converged flag per metric) and the table printed after them. Each
 * replication is an ordinary run_scenario run. */
#ifndef ECSIM_REPLICATE_H
#define ECSIM_REPLICATE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/run.h"

#define REPLICATE_AUTO_MIN      5       /* auto mode starts with this many */
#define REPLICATE_DEFAULT_MAX   100     /* --max-replications default */
#define REPLICATE_LIMIT         1000000 /* most replications accepted at all */
#define REPLICATE_MAX_PRECISION 64      /* --precision options at most */

/* One --precision target: the relative half-width of metric's 95% interval
 * (half-width / |mean|) must be under rel (a fraction: 2% is 0.02). */
typedef struct replicate_precision {
    char metric[128];
    double rel;
} replicate_precision;

typedef struct replicate_opts {
    /* scenario, out_dir, sets, seed, until_s, check as for one run; quiet
     * silences the replication table (the runs themselves are always quiet) */
    run_opts run;
    int replications; /* fixed count R >= 1, or 0 with autorun */
    int autorun;      /* --replications auto */
    int max_replications;
    const replicate_precision *precision;
    int n_precision;
} replicate_opts;

typedef struct replicate_result {
    int replications; /* how many ran */
    int converged;    /* auto: every --precision target met (1 without targets) */
    char out_dir[4096];
} replicate_result;

/* The seed of replication k (1-based) under run seed `seed`: replication 1
 * keeps the run seed, so rep-1 is the plain run; replication k > 1 takes
 * rng_replication_seed(seed, k - 1) reduced to 53 bits (run.seed's range). */
uint64_t replicate_seed(uint64_t seed, int k);

/* Parses "METRIC=P%" (P in (0, 100]). Returns ECS_OK or ECS_EINPUT with a
 * message naming --precision. Whether METRIC exists is known only once a
 * run's summary.csv columns are. */
int replicate_parse_precision(const char *text, replicate_precision *out, ecs_err *e);

/* Checks the options that need no scenario (counts, --precision only with
 * auto, auto needing --precision). ECS_OK or ECS_EINPUT with e filled. */
int replicate_check_opts(const replicate_opts *o, ecs_err *e);

/* Runs the replications into a staging directory inside the output
 * directory, then moves rep-1 .. rep-n into place and commits summary.csv:
 * on any error (bad scenario, unknown metric, a failed run) nothing new
 * appears and earlier results stay. Prints the table on out unless quiet. */
int replicate_run(const replicate_opts *o, FILE *out, replicate_result *res, ecs_err *e);

/* One run's summary.csv read back (for other experiments: compare): the
 * column names and each value as the run wrote it. */
typedef struct replicate_row {
    int n;        /* columns */
    char **names; /* header */
    char **values;
} replicate_row;

/* Reads a one-row summary.csv a run just wrote. ECS_OK, or an error (a bad
 * shape is ECS_EINTERNAL: ecsim wrote it) with e filled. */
int replicate_read_row(const char *path, replicate_row *row, ecs_err *e);
void replicate_row_free(replicate_row *row);

/* A summary.csv column that identifies the run (seed, version, commit,
 * scenario, fingerprint) rather than measures it. */
int replicate_is_meta(const char *name);

/* A summary.csv cell as a number: 1 for a number or true/false (1/0, as
 * the combined summary averages them), 0 with *v NAN for an empty or text
 * cell. */
int replicate_cell_value(const char *s, double *v);

/* Mean and 95% Student-t interval of n values, as the combined summary.csv
 * computes them: all NAN when some value is NAN (or n is 0); low and high
 * NAN when n is 1. */
void replicate_interval(const double *x, int n, double *mean, double *low, double *high);

/* rm -rf dir (errors ignored: used to clean up what this process made). */
void replicate_rmtree(const char *dir);

/* The highest ancestor of dir (or dir itself) that does not exist yet, so a
 * failure can remove exactly what was created; "" when dir exists. */
void replicate_first_missing(const char *dir, char *out, size_t len);

#endif

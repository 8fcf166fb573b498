/* estimate.h -- steady-state estimates of a run's metrics: warm-up cut-off,
 * confidence interval, samples and convergence, from the run's time
 * batches (models/batches.h), and the summary.csv columns they add.
 *
 * Each metric that estimates a steady-state quantity (a mean or percentile
 * response time, an error rate, a utilisation; per service, per class and
 * for the whole run) gets, beside its column, `_ci_low`, `_ci_high`,
 * `_converged`, `_samples`, `_discarded` and `_warmup_s` (DESIGN.md's
 * column scheme). The warm-up (run.warmup) is cut per metric by MSER on
 * the metric's batch values (mser5, the default), at run.warmup_s only
 * (fixed) or not at all (none); the interval (run.ci_method) is by batch
 * means or overlapping batch means over the batches after the cut-off, at
 * confidence run.ci_level. Counts (requests, errors, ...) are exact counts
 * of the run and get no interval.
 *
 * A run without a steady state (a workload with a schedule, diurnal or
 * flash-crowd shape, a replayed trace, a deployment, a failure at a fixed
 * time) reports its metrics as the realised values of that run: no
 * warm-up detection and no interval (a batch-means interval assumes a
 * stationary process); replications give those intervals. */
#ifndef ECSIM_ESTIMATE_H
#define ECSIM_ESTIMATE_H

#include <stdint.h>
#include <stdio.h>

#include "models/batches.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"
#include "sim/engine/steady.h"

struct cluster;

/* run.warmup, run.ci_method, run.ci_batches, run.ci_level, run.ci_target:
 * appended to run_params (run.c) through this macro, so they sit with the
 * other run.* parameters. */
#define ESTIMATE_PARAMS                                                                            \
    {"run.warmup",                                                                                 \
     PT_ENUM,                                                                                      \
     "",                                                                                           \
     0,                                                                                            \
     0,                                                                                            \
     "mser5",                                                                                      \
     "mser5|fixed|none",                                                                           \
     0,                                                                                            \
     NULL,                                                                                         \
     "Warm-up removal per metric for summary.csv: mser5 (White's MSER on the metric's batch "      \
     "values, after run.warmup_s), fixed (run.warmup_s only) or none (run.warmup_s must be 0)."},  \
        {"run.ci_method",                                                                          \
         PT_ENUM,                                                                                  \
         "",                                                                                       \
         0,                                                                                        \
         0,                                                                                        \
         "batch_means",                                                                            \
         "batch_means|overlapping_batch_means|replications",                                       \
         0,                                                                                        \
         NULL,                                                                                     \
         "Confidence intervals of one run's metrics: batch_means, overlapping_batch_means "        \
         "(Meketon & Schmeiser), or replications (none in one run: --replications gives them)."},  \
        {"run.ci_batches",                                                                         \
         PT_INT,                                                                                   \
         "batches",                                                                                \
         5,                                                                                        \
         64,                                                                                       \
         "20",                                                                                     \
         NULL,                                                                                     \
         0,                                                                                        \
         NULL,                                                                                     \
         "Batches of batch means (and m = units / this for overlapping batch means); 10 to 30 "    \
         "keep the batch means nearly independent and the t quantile useful (Schmeiser 1982)."},   \
        {"run.ci_level",                                                                           \
         PT_REAL,                                                                                  \
         "",                                                                                       \
         0.5,                                                                                      \
         0.9999,                                                                                   \
         "0.95",                                                                                   \
         NULL,                                                                                     \
         0,                                                                                        \
         NULL,                                                                                     \
         "Confidence level of every interval in summary.csv (--precision publication sets "        \
         "0.99)."},                                                                                \
    {                                                                                              \
        "run.ci_target", PT_REAL, "", 0, 1, "0.05", NULL, PF_MIN_EXCL, NULL,                       \
            "A metric's _converged column is true when its interval's relative half-width is "     \
            "under this (a --precision bound replaces it for the metrics it names) and MSER "      \
            "found the warm-up in the run's first half."                                           \
    }

typedef enum { EST_WARMUP_MSER5, EST_WARMUP_FIXED, EST_WARMUP_NONE } est_warmup;

typedef struct est_cfg {
    est_warmup warmup;
    double warmup_s;
    int ci;               /* 1: intervals in one run (batch means or OBM); 0: none */
    steady_method method; /* when ci */
    int batches;
    double level;
    double target;     /* default relative half-width for _converged */
    double rate_floor; /* an error rate's half-width is judged against max(rate, this) */
    int transient;     /* the scenario has no steady state */
    char transient_why[160];
} est_cfg;

/* Reads run.* and slo.error_rate, and decides whether the scenario has a
 * steady state. ECS_OK, or ECS_EINPUT (run.warmup none with run.warmup_s
 * set) naming the place. */
int est_cfg_read(est_cfg *c, const params *p, ecs_err *e);

typedef enum { EM_RATIO, EM_MEAN, EM_QUANTILE } est_kind;

/* A summary.csv metric estimated from the batches. */
typedef struct est_metric {
    char name[192];
    est_kind kind;
    double q;      /* EM_QUANTILE */
    double scale;  /* EM_RATIO: 100 for percentages */
    int is_rate;   /* an error rate: rate_floor applies */
    int is_time;   /* a time-weighted ratio (utilisation): samples are seconds */
    uint32_t *ids; /* series in the steady_set */
    int n_ids;
} est_metric;

typedef struct est_table {
    est_metric *m;
    int n;
} est_table;

/* The metrics of a built cluster whose recorder has batches attached, in
 * summary.csv's names. */
void est_table_build(est_table *t, const struct cluster *c);
void est_table_free(est_table *t);
int est_table_find(const est_table *t, const char *name); /* index or -1 */

typedef struct estimate {
    double value;     /* the point estimate over the batches analysed */
    double low, high; /* NAN without an interval */
    double half;      /* larger distance from value to a bound; NAN without */
    double samples;   /* observations analysed (requests; seconds for utilisation) */
    double discarded; /* observations before the cut-off */
    double cut_s;     /* the warm-up cut-off, s */
    int cut;          /* batches cut by MSER */
    int late;         /* MSER found no settled part in the first half */
    int converged;
} estimate;

/* Estimates metric m from b. target: the relative half-width for
 * converged (the metric's --precision bound or cfg->target). end_s: the
 * run's end (the span of a utilisation's last batch). */
estimate est_metric_eval(const batches *b, const est_metric *m, const est_cfg *cfg, double target,
                         double end_s);

/* Whether an estimate meets a relative half-width bound: an interval
 * exists and half <= bound * max(|value|, floor), floor being rate_floor
 * for error rates and 0 otherwise (a metric that stays at zero with a zero
 * interval is met: it cannot keep a run alive). */
int est_meets(const estimate *x, const est_metric *m, const est_cfg *cfg, double bound);

/* One named --precision bound of a single run. */
typedef struct est_bound {
    char metric[128];
    double rel;
} est_bound;

/* What summary.csv gets beside the metrics, per run. */
typedef struct est_run_info {
    const char *stopped_by; /* duration, precision, max_events, max_wall_s, until */
    int reproducible;       /* 0 when a wall-clock cap cut the run */
} est_run_info;

/* Analytic predictions (analyze.h): 1 when `metric` has analytic columns
 * (the same metrics for every configuration of a scenario, so a sweep's
 * rows keep one set of columns), with *value the prediction or NAN where
 * no formula applies; 0 when the metric has none. */
typedef int (*est_analytic_fn)(void *ctx, const char *metric, double *value);

/* Rewrites a run's one-row summary (text of `len` bytes: header and values
 * as run.c wrote them) into out: each estimated metric's column gets the
 * steady-state estimate (unchanged when no batch was cut) and its columns
 * beside it, then `<metric>_analytic` and `<metric>_analytic_diff`
 * ((simulated - analytic) / analytic) where analytic() knows the metric;
 * after sim_end_s: steady_state, warmup_method, ci_method, ci_level,
 * stopped_by, reproducible. ECS_OK or ECS_EINTERNAL (an unreadable row). */
int est_write_summary(const char *text, size_t len, const batches *b, const est_table *t,
                      const est_cfg *cfg, const est_bound *bounds, int n_bounds, double end_s,
                      const est_run_info *info, est_analytic_fn analytic, void *actx, FILE *out,
                      ecs_err *e);

/* Whether a summary column is an interval column another one's metric
 * carries (ends in _ci_low, _ci_high or _converged after a name that is a
 * column too): replications, sweeps and comparisons compute their own. */
int est_is_interval_column(const char *name, const char *const *names, int n);
/* Whether a summary column is one of the estimate's companions (interval,
 * samples, discarded, warm-up, analytic) of another column. */
int est_is_companion_column(const char *name, const char *const *names, int n);

#endif

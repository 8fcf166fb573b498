/* stopping.h -- when a single run ends before its scenario says: once every
 * metric named by --precision is known to its relative half-width
 * (`ecsim run FILE --precision p99_s=5%`), or at a cap on the events
 * simulated or on wall-clock time. run.duration_s (and run.max_requests)
 * remain the cap on simulated time. Checked at every sample interval (the
 * recorder's sample hook), so it adds no event and changes nothing a run
 * without it would do. Stopping on precision or on the event cap ends the
 * arrivals there and lets in-flight requests finish as at run.duration_s
 * (run.drain); the wall-clock cap stops at once and the run is marked not
 * reproducible (summary.csv's reproducible column). */
#ifndef ECSIM_STOPPING_H
#define ECSIM_STOPPING_H

#include <stdint.h>

#include "sim/engine/err.h"
#include "sim/engine/sim.h"
#include "sim/estimate.h"

struct cluster;

typedef struct stop_opts {
    const est_bound *bounds; /* --precision METRIC=P% */
    int n_bounds;
    uint64_t max_events; /* 0: no cap */
    double max_wall_s;   /* 0: no cap */
} stop_opts;

typedef struct stopper {
    struct cluster *c;
    sim *s;
    const est_cfg *cfg;
    const est_table *t;
    stop_opts o;
    int *metric;  /* per bound: its index in t */
    double wall0; /* monotonic clock at the start */
    int drain;    /* run.drain */
    int done;     /* arrivals were stopped */
    const char *stopped_by;
    int reproducible;
    double stopped_s;             /* simulated time the stop was decided, or NAN */
    uint64_t samples, next_check; /* sample intervals seen; when to check next */
} stopper;

/* Checks the named metrics against t (each must be an estimated metric:
 * "did you mean" otherwise; a count has no interval) and that the scenario
 * has a steady state when bounds are given; then hooks the recorder's
 * samples. ECS_OK or ECS_EINPUT naming --precision. */
int stopper_init(stopper *st, struct cluster *c, sim *s, const est_cfg *cfg, const est_table *t,
                 const stop_opts *o, int drain, ecs_err *e);
void stopper_fini(stopper *st);

/* The estimate of bound i's metric now (for the table printed after a run). */
estimate stopper_eval(const stopper *st, int i, double end_s);

/* Everything a run needs for its steady-state columns: the configuration,
 * the batches (attached to the cluster's recorder), the metric table and
 * the stopper. begin: before the run (errors are input errors, found before
 * any output); summary: rewrites run.c's summary row into out
 * (est_write_summary; stopped_by overrides the stopper's, for --until);
 * end: always, after begin. */
typedef struct run_steady {
    est_cfg cfg;
    batches bt;
    est_table t;
    stopper st;
    int attached;
} run_steady;

int run_steady_begin(run_steady *rs, const params *p, struct cluster *c, sim *s, const stop_opts *o,
                     ecs_err *e);
int run_steady_summary(run_steady *rs, const char *text, size_t len, double end_s,
                       const char *stopped_by, est_analytic_fn analytic, void *actx, FILE *out,
                       ecs_err *e);
void run_steady_end(run_steady *rs);

/* The value summary.csv reports for metric (its steady-state estimate when
 * MSER cut batches), else fallback (the value over the whole window). */
double run_steady_value(const run_steady *rs, const char *metric, double end_s, double fallback);

/* Lines for the table after a run: each service's p99 and CPU with their
 * intervals and warm-up, how the run stopped, the --precision targets. */
void run_steady_print(const run_steady *rs, FILE *out, double end_s, const char *const *services,
                      int n_services);

#endif

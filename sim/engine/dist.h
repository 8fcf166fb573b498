/* dist.h -- the service-demand and think-time distributions.
 * A dist is a family and its derived sampling parameters, built once by
 * dist_make from a dist_spec and then sampled once per request from a
 * caller's GSL stream. Families with a free scale are given by their mean
 * (and, for the skewed ones, their coefficient of variation), so a sweep can
 * change the shape of demand without changing the offered load; the bounded
 * Pareto is given by its natural parameters and the empirical family by a
 * file. */
#ifndef ECSIM_DIST_H
#define ECSIM_DIST_H

#include <math.h>
#include <stddef.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "err.h"
#include "rng.h"

typedef enum {
    DIST_EXPONENTIAL,
    DIST_DETERMINISTIC,
    DIST_LOGNORMAL,
    DIST_GAMMA,
    DIST_WEIBULL,
    DIST_BOUNDED_PARETO,
    DIST_HYPEREXPONENTIAL,
    DIST_EMPIRICAL,
} dist_family;

/* The names in dist_family order, as a parameter registry's enum list. */
#define DIST_FAMILY_NAMES                                                                          \
    "exponential|deterministic|lognormal|gamma|weibull|bounded_pareto|hyperexponential|empirical"

/* What a user asks for. Each family reads only its own fields:
 *   exponential, deterministic    mean
 *   lognormal, gamma, weibull     mean, cv
 *   hyperexponential              mean, cv (>= 1)
 *   bounded_pareto                alpha, min, max
 *   empirical                     file
 * The empirical file is CSV with a header row, in one of two shapes:
 *   one column under any name that is not a number (say demand_s), one value
 *     >= 0 per row: a draw is one of the rows, each equally likely;
 *   the header low,high,weight, one bin per row with 0 <= low < high, bins
 *     ascending and not overlapping, weight >= 0: a draw picks a bin with
 *     probability proportional to its weight, then a point uniformly in
 *     [low, high). */
typedef struct dist_spec {
    dist_family family;
    double mean;      /* > 0, in the unit of what is sampled (seconds for demand) */
    double cv;        /* coefficient of variation: standard deviation / mean */
    double alpha;     /* bounded Pareto tail index, > 0 */
    double min, max;  /* bounded Pareto support, 0 < min < max */
    const char *file; /* empirical: path of the CSV, as messages should name it */
} dist_spec;

typedef struct dist {
    dist_family family;
    double mean; /* the distribution's true mean */
    double scv;  /* its true squared coefficient of variation */
    union {
        struct {
            double mu, sigma; /* of log X */
        } lognormal;
        struct {
            double shape, scale; /* GSL's a (shape) and b (scale) */
        } gamma;
        struct {
            double shape, scale; /* k and lambda: F(x) = 1 - exp(-(x/lambda)^k) */
        } weibull;
        struct {
            double alpha, min, max;
            double tail;      /* 1 - (min/max)^alpha: the mass an unbounded Pareto keeps */
            double neg_inv_a; /* -1/alpha */
        } pareto;
        struct {
            double p;            /* probability of phase 1 */
            double mean1, mean2; /* phase means: p*mean1 = (1-p)*mean2 = mean/2 */
        } hyper;
        struct {
            size_t n;                 /* values, or bins */
            double *x;                /* the values; for a histogram the bins' lows */
            double *high;             /* NULL for values; else the bins' highs */
            gsl_ran_discrete_t *pick; /* NULL for values; else the bins' weights */
        } empirical;
    } u;
} dist;

/* Fills d from s: checks the parameters (each family's own ranges, which a
 * registry holding one cv for every family cannot), derives the sampling
 * parameters and, for the empirical family, reads the whole file. A dist
 * from an empirical file owns its tables: release it with dist_fini, and do
 * not copy it (copies would share them).
 * Returns ECS_OK; ECS_EINPUT for a bad parameter or file content, with e
 * naming the family ("gamma: cv must be in (0, 5], got 7") or
 * file:line:column; ECS_EIO when the file cannot be read. On error d owns
 * nothing and dist_fini on it is a harmless no-op. */
int dist_make(dist *d, const dist_spec *s, ecs_err *e);

/* Frees what dist_make allocated; d then owns nothing. Cannot fail. */
void dist_fini(dist *d);

/* An exponential draw with the given mean (> 0, finite): the interarrival
 * times of Poisson sources. Inversion with log rather than
 * gsl_ran_exponential's log1p: the same distribution, at about half the
 * cost on the hottest line of a run. The uniform is never 0, so the result
 * is finite and > 0. */
static inline double dist_exponential(gsl_rng *r, double mean)
{
    return -mean * log(rng_uniform_pos(r));
}

/* dist_sample's other families. */
double dist__sample(const dist *d, gsl_rng *r);

/* One draw, >= 0 (> 0 for every family but empirical, whose file may hold
 * zeros). The hot path: no allocation, one or two uniforms per draw; the
 * exponential, the default demand, is inline. */
static inline double dist_sample(const dist *d, gsl_rng *r)
{
    if (d->family == DIST_EXPONENTIAL) return dist_exponential(r, d->mean);
    return dist__sample(d, r);
}

/* The true mean and squared coefficient of variation (closed forms, or the
 * file's exact moments), for the analytic companion and tests. */
double dist_mean(const dist *d);
double dist_scv(const dist *d);
/* P(X > x), for the analytic companion's response-time tails. */
double dist_survival(const dist *d, double x);

/* The names of DIST_FAMILY_NAMES. parse: 0 and *out set, or -1 for an
 * unknown name with *out untouched. */
const char *dist_family_name(dist_family f);
int dist_family_parse(const char *name, dist_family *out);

#endif

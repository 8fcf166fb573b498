/* dist.c -- sampling service demands and think times.
 * Every family is set by its mean (and, for the lognormal, its coefficient of
 * variation), so a sweep can change the shape of demand without changing the
 * offered load. dist_sample runs once per request: no allocation, and the
 * lognormal's log-space parameters are computed once in dist_init. */
#include "dist.h"

#include <assert.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>

static const char *const family_names[] = {
    [DIST_EXPONENTIAL] = "exponential",
    [DIST_DETERMINISTIC] = "deterministic",
    [DIST_LOGNORMAL] = "lognormal",
};

#define N_FAMILIES (sizeof family_names / sizeof family_names[0])

void dist_init(dist *d, dist_family family, double mean, double cv)
{
    assert(mean > 0 && "the parameter registry admits only positive means");
    d->family = family;
    d->mean = mean;
    d->cv = cv;
    d->mu = 0;
    d->sigma = 0;
    if (family == DIST_LOGNORMAL) {
        assert(cv > 0);
        /* Moment matching: E = exp(mu + s2/2) = mean, SCV = exp(s2) - 1 = cv^2. */
        double s2 = log1p(cv * cv);
        d->sigma = sqrt(s2);
        d->mu = log(mean) - s2 / 2;
    }
}

double dist_sample(const dist *d, gsl_rng *r)
{
    switch (d->family) {
    case DIST_EXPONENTIAL:
        return dist_exponential(r, d->mean);
    case DIST_DETERMINISTIC:
        return d->mean;
    case DIST_LOGNORMAL:
        return gsl_ran_lognormal(r, d->mu, d->sigma);
    }
    assert(0 && "unknown distribution family");
    return d->mean;
}

double dist_exponential(gsl_rng *r, double mean)
{
    /* Inversion with log rather than gsl_ran_exponential's log1p: the same
     * distribution, at about half the cost on the hottest line of a run.
     * gsl_rng_uniform_pos never returns 0, so the result is finite and > 0. */
    return -mean * log(gsl_rng_uniform_pos(r));
}

double dist_mean(const dist *d)
{
    return d->mean;
}

double dist_scv(const dist *d)
{
    switch (d->family) {
    case DIST_EXPONENTIAL:
        return 1;
    case DIST_DETERMINISTIC:
        return 0;
    case DIST_LOGNORMAL:
        return d->cv * d->cv;
    }
    assert(0 && "unknown distribution family");
    return NAN;
}

const char *dist_family_name(dist_family f)
{
    assert((size_t) f < N_FAMILIES);
    return family_names[f];
}

int dist_family_parse(const char *name, dist_family *out)
{
    for (size_t i = 0; i < N_FAMILIES; i++) {
        if (strcmp(name, family_names[i]) == 0) {
            *out = (dist_family) i;
            return 0;
        }
    }
    return -1;
}

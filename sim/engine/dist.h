/* dist.h -- the service-demand and think-time distributions.
 * A dist is a plain value (a family and its parameters, given as mean and
 * coefficient of variation so every family is set the same way); sampling
 * draws from a caller's GSL stream. */
#ifndef ECSIM_DIST_H
#define ECSIM_DIST_H

#include <gsl/gsl_rng.h>

typedef enum { DIST_EXPONENTIAL, DIST_DETERMINISTIC, DIST_LOGNORMAL } dist_family;

typedef struct dist {
    dist_family family;
    double mean;   /* in the unit of what it samples (seconds for demand) */
    double cv;     /* coefficient of variation; used by lognormal only */
    double mu, sigma; /* lognormal's log-space parameters, set by dist_init */
} dist;

/* Fills d; mean > 0, cv > 0 for lognormal (the registry checks ranges). */
void dist_init(dist *d, dist_family family, double mean, double cv);

double dist_sample(const dist *d, gsl_rng *r); /* > 0 for every family */

/* An exponential draw with the given mean (> 0, finite): the interarrival
 * times of Poisson sources. */
double dist_exponential(gsl_rng *r, double mean);

/* The distribution's true mean and squared coefficient of variation, for the
 * analytic companion and tests. */
double dist_mean(const dist *d);
double dist_scv(const dist *d);

/* "exponential", "deterministic", "lognormal" */
const char *dist_family_name(dist_family f);
int dist_family_parse(const char *name, dist_family *out); /* 0 ok, -1 unknown */

#endif

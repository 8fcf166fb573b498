/* stats.h -- streaming statistics that never store samples.
 * welford: count, mean, variance, min, max of observations (Welford's update,
 * numerically stable; mergeable with Chan's formula). timeavg: the
 * time-weighted average of a piecewise-constant quantity (busy workers, tasks
 * running), integrated exactly between changes. Both are plain values the
 * caller embeds; neither allocates. */
#ifndef ECSIM_STATS_H
#define ECSIM_STATS_H

#include <assert.h>
#include <stdint.h>

typedef struct welford {
    uint64_t n;
    double mean, m2;
    double min, max;
} welford;

void welford_init(welford *w);
void welford_add(welford *w, double x);
void welford_merge(welford *into, const welford *from);
double welford_mean(const welford *w);     /* NAN when n == 0 */
double welford_variance(const welford *w); /* sample variance; NAN when n < 2 */
double welford_stddev(const welford *w);

typedef struct timeavg {
    double start_s; /* when integration began (or was last reset) */
    double last_s;  /* time of the last change */
    double value;   /* current level */
    double area;    /* integral of value dt over [start_s, last_s] */
} timeavg;

void timeavg_init(timeavg *a, double t_s, double value);
/* The level becomes `value` at time t_s (t_s >= last change). Inline: a
 * task's CPU and memory levels change several times per request. */
static inline void timeavg_set(timeavg *a, double t_s, double value)
{
    assert(t_s >= a->last_s && "timeavg changes must come in time order");
    a->area += a->value * (t_s - a->last_s);
    a->last_s = t_s;
    a->value = value;
}

/* value += delta at t_s. */
static inline void timeavg_add(timeavg *a, double t_s, double delta)
{
    timeavg_set(a, t_s, a->value + delta);
}

/* Average over [start_s, t_s]; the current level when the span is empty. */
double timeavg_mean(const timeavg *a, double t_s);
/* Integral of the level over [start_s, t_s]. */
double timeavg_area(const timeavg *a, double t_s);
/* Starts a new averaging window at t_s, keeping the current level. */
void timeavg_reset(timeavg *a, double t_s);

#endif

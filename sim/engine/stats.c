/* stats.c -- Welford accumulators and time-weighted averages.
 * Both are updated on the hot path (a welford per completed request, a timeavg
 * per change of a level), so each update is a handful of flops and neither
 * stores samples. Welford's update keeps the variance exact to rounding even
 * when the mean is large against the spread (latencies measured from a large
 * clock offset), which the textbook sum-of-squares formula does not. */
#include "stats.h"

#include <assert.h>
#include <math.h>

void welford_init(welford *w)
{
    w->n = 0;
    w->mean = 0;
    w->m2 = 0;
    w->min = NAN; /* undefined until the first observation */
    w->max = NAN;
}

void welford_add(welford *w, double x)
{
    w->n++;
    double d = x - w->mean;
    w->mean += d / (double) w->n;
    w->m2 += d * (x - w->mean);
    if (w->n == 1) {
        w->min = w->max = x;
    } else {
        if (x < w->min) w->min = x;
        if (x > w->max) w->max = x;
    }
}

/* Chan, Golub and LeVeque's pairwise combination: exact for any split, so
 * per-replication or per-worker accumulators can be merged in any order. */
void welford_merge(welford *into, const welford *from)
{
    if (from->n == 0) return;
    if (into->n == 0) {
        *into = *from;
        return;
    }
    double na = (double) into->n, nb = (double) from->n, n = na + nb;
    double delta = from->mean - into->mean;
    into->mean += delta * (nb / n);
    into->m2 += from->m2 + delta * delta * (na * nb / n);
    into->n += from->n;
    if (from->min < into->min) into->min = from->min;
    if (from->max > into->max) into->max = from->max;
}

double welford_mean(const welford *w)
{
    return w->n ? w->mean : NAN;
}

double welford_variance(const welford *w)
{
    return w->n >= 2 ? w->m2 / (double) (w->n - 1) : NAN;
}

double welford_stddev(const welford *w)
{
    return sqrt(welford_variance(w));
}

void timeavg_init(timeavg *a, double t_s, double value)
{
    a->start_s = t_s;
    a->last_s = t_s;
    a->value = value;
    a->area = 0;
}

double timeavg_area(const timeavg *a, double t_s)
{
    assert(t_s >= a->last_s && "timeavg read before its last change");
    return a->area + a->value * (t_s - a->last_s);
}

double timeavg_mean(const timeavg *a, double t_s)
{
    double span = t_s - a->start_s;
    if (span <= 0) return a->value;
    return timeavg_area(a, t_s) / span;
}

void timeavg_reset(timeavg *a, double t_s)
{
    assert(t_s >= a->last_s && "timeavg reset before its last change");
    a->start_s = t_s;
    a->last_s = t_s;
    a->area = 0;
}

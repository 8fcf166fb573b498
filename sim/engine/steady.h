/* steady.h -- steady-state output analysis of one run: a time-batched
 * record of observations, warm-up detection by MSER, and confidence
 * intervals by batch means or overlapping batch means, for ratio estimators
 * (a mean response time is a sum of latencies over a count; a utilisation
 * is used over reserved CPU-seconds) and for quantiles.
 *
 * The record (steady_set) cuts simulated time into at most STEADY_UNITS
 * units of equal width from t0; every series registered with the set keeps
 * one accumulator per unit: a ratio series a numerator and a denominator,
 * a histogram series a bucket count per latency bucket (hist.h's layout,
 * kept only over the range of buckets the unit has touched) with its count
 * and sum. When an observation falls beyond the last unit, adjacent units
 * merge pairwise and the width doubles, so memory is fixed whatever the
 * run's length, and the unit count stays in [STEADY_UNITS/2, STEADY_UNITS]
 * once the run is long. Observations are keyed by the time they belong to
 * (a request's arrival), so a unit can still gain observations after its end.
 *
 * The analysis is separate from the record: each metric takes its series of
 * per-unit values, finds its own warm-up cut-off by MSER (White 1997: the
 * truncation point d minimising the squared standard error of the mean of
 * what is left, sum_{i>=d} (z_i - zbar_d)^2 / (n - d)^2, searched over the
 * first half), and then an interval from the units after it. Knows nothing
 * of clusters. */
#ifndef ECSIM_STEADY_H
#define ECSIM_STEADY_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"

#define STEADY_UNITS 128 /* units kept; a power of two */

/* One unit of a histogram series: counts of buckets lo .. lo+cap-1. */
typedef struct steady_bh {
    uint64_t n;
    double sum, min, max;
    uint32_t lo, cap;
    uint32_t *c; /* NULL until the first observation; 32 bits keep the hot
                    path's cache lines few (a unit holds 2^32 requests at most:
                    at 10^6 requests/s, over an hour's batch) */
} steady_bh;

typedef struct steady_set {
    double t0, w, inv_w; /* unit u covers [t0 + u w, t0 + (u+1) w) */
    /* the last unit looked up and the exact times [lo, hi) the arithmetic
     * below maps to it: most observations fall in the same unit as the one
     * before, and two comparisons find it */
    double cache_lo, cache_hi;
    uint32_t cache_u;
    uint32_t used; /* units touched: the highest index + 1 */
    uint32_t n_ratio, n_hist;
    double *num, *den; /* ratio series: [series * STEADY_UNITS + unit] */
    steady_bh *bh;     /* histogram series: [series * STEADY_UNITS + unit] */
    double *early_den; /* ratio series: denominator of observations before t0 */
    uint64_t *early_n; /* histogram series: observations before t0 */
} steady_set;

/* An empty record from t0 with unit width w0 > 0. Register every series
 * before the first observation. */
void steady_init(steady_set *s, double t0, double w0);
void steady_fini(steady_set *s);
uint32_t steady_add_ratio(steady_set *s); /* returns the series' id */
uint32_t steady_add_hist(steady_set *s);

/* Doubles the width (merging unit pairs) until t falls inside the record. */
void steady__widen(steady_set *s, double t);
/* Sets the cache to unit u's exact span under the arithmetic of steady_unit. */
void steady__cache(steady_set *s, uint32_t u);
void steady__bh_grow(steady_bh *h, uint32_t b);

/* The unit of time t, widening if needed; -1 before t0 (or NaN). */
static inline int steady_unit(steady_set *s, double t)
{
    if (t >= s->cache_lo && t < s->cache_hi) return (int) s->cache_u;
    if (!(t >= s->t0)) return -1;
    double x = (t - s->t0) * s->inv_w;
    if (x >= (double) STEADY_UNITS) {
        steady__widen(s, t);
        x = (t - s->t0) * s->inv_w;
    }
    uint32_t u = (uint32_t) x;
    if (u >= STEADY_UNITS)
        u = STEADY_UNITS - 1; /* rounding at the very edge */
    else
        steady__cache(s, u);
    if (u >= s->used) s->used = u + 1;
    return (int) u;
}

/* Hot path: num and den added to ratio series id in the unit of time t. */
static inline void steady_ratio_add(steady_set *s, uint32_t id, double t, double num, double den)
{
    int u = steady_unit(s, t);
    if (u < 0) {
        s->early_den[id] += den;
        return;
    }
    s->num[id * STEADY_UNITS + (uint32_t) u] += num;
    s->den[id * STEADY_UNITS + (uint32_t) u] += den;
}

/* Hot path: observation x (in hist bucket b = hist_bucket(x)) added to
 * histogram series id in the unit of time t. */
static inline void steady_hist_add(steady_set *s, uint32_t id, double t, double x, uint32_t b)
{
    int u = steady_unit(s, t);
    if (u < 0) {
        s->early_n[id]++;
        return;
    }
    steady_bh *h = &s->bh[id * STEADY_UNITS + (uint32_t) u];
    if (b - h->lo >= h->cap) steady__bh_grow(h, b); /* unsigned: b < lo wraps */
    h->c[b - h->lo]++;
    h->n++;
    h->sum += x;
    if (x < h->min) h->min = x;
    if (x > h->max) h->max = x;
}

/* ---- views of the record, for the analysis ---- */

/* The units' values of a ratio series, summed over several series (a
 * service's and the whole run's): num and den arrays of s->used entries
 * each, filled from `ids`. */
void steady_ratio_units(const steady_set *s, const uint32_t *ids, int n_ids, double *num,
                        double *den);
/* A histogram series' units merged over several series: out[u] is unit
 * u's (caller's array of s->used). Returns 0 when out holds copies the
 * caller releases with steady_bh_free, 1 when (a single series) out shares
 * the record's counts: read them only, release nothing. */
int steady_hist_units(const steady_set *s, const uint32_t *ids, int n_ids, steady_bh *out);
void steady_bh_free(steady_bh *h, int n);
/* The q-quantile of one unit as hist_quantile computes it (nearest rank,
 * the bucket's geometric midpoint clamped to [min, max]); NAN when empty. */
double steady_bh_quantile(const steady_bh *h, double q);

/* ---- warm-up ---- */

/* MSER on a series z_0 .. z_{n-1} with weights w_i >= 0 (NULL: all 1;
 * entries with weight 0 or z NaN are skipped): the statistic
 * sum_{i>=d} w_i (z_i - zbar_d)^2 / (sum_{i>=d} w_i)^2, zbar_d the
 * weighted mean of z_d .. z_{n-1}, over d in [0, n/2]; the cut is the least
 * d whose statistic is within STEADY_MSER_TOL of the minimum. Returns d;
 * *late (when not NULL) is set when the minimum itself lies in the last
 * tenth of the search range, the sign
 * (White, Cobb & Spratt 2000) that the series has not settled within the
 * run. With fewer than STEADY_MSER_MIN usable entries returns 0, *late 1. */
#define STEADY_MSER_MIN 10
/* Of the truncation points whose statistic is within this fraction of the
 * minimum, the least is taken (see steady.c). */
#define STEADY_MSER_TOL 0.2
int steady_mser(const double *z, const double *w, int n, int *late);

/* MSER-5 on raw observations x_0 .. x_{n-1}: means of consecutive batches
 * of five, then MSER; returns how many raw observations to discard (a
 * multiple of 5). */
size_t steady_mser5(const double *x, size_t n, int *late);

/* ---- intervals ---- */

typedef enum { STEADY_BATCH_MEANS, STEADY_OVERLAPPING_BATCH_MEANS } steady_method;

typedef struct steady_ci {
    double mean; /* the point estimate */
    double half; /* half-width; NAN when there is no interval */
    double low, high;
    double df;   /* degrees of freedom of the t quantile */
    int batches; /* batches used (BM), or n/m (OBM) */
} steady_ci;

/* Interval for the ratio R = sum(y) / sum(x) over n units (units with x 0
 * count as empty periods). Batch means: the units are grouped in order
 * into k batches as equal as they divide (min(k, n) of them), and the
 * variance of R-hat is estimated from the batch residuals y_j - R x_j
 * (the ratio estimator's delta method, as for regenerative cycles):
 * var = sum_j (y_j - R x_j)^2 / (k (k-1) xbar^2), with k-1 degrees of
 * freedom. Overlapping batch means (Meketon & Schmeiser 1984): batches of
 * m = n/k units starting at every unit, the same residuals, and
 * 1.5 (n/m - 1) degrees of freedom. level is the confidence (0.95). No
 * interval (half NAN) with fewer than STEADY_MIN_BATCHES batches or no
 * denominator; mean NAN when sum(x) is 0. */
#define STEADY_MIN_BATCHES 5
steady_ci steady_ratio_ci(const double *y, const double *x, int n, steady_method m, int k,
                          double level);

/* Interval for the q-quantile of the observations in units h[0 .. n-1]
 * (merged into *merged, which the caller provides: the point estimate is
 * hist_quantile(merged, q), as for a whole run). The interval comes from
 * the CDF at the estimate: per unit, the count at or below the estimate's
 * bucket over the unit's count is a ratio; its interval half-width e
 * (steady_ratio_ci) gives the bounds hist_quantile(merged, q -/+ e). */
steady_ci steady_quantile_ci(const steady_bh *h, int n, hist *merged, double q, steady_method m,
                             int k, double level);

#endif

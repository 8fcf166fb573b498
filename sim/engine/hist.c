/* hist.c -- the log-bucketed latency histogram (hist_add and the bucket
 * index are inline in hist.h). The touched range [lo, hi] bounds reset,
 * merge and quantile scans, which matter when a run resets its histograms at
 * the end of every sample interval. */
#include "hist.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* lo > hi marks an empty histogram, so reset and scans do nothing. */
#define EMPTY_LO HIST_BUCKETS

double hist_bucket_low(uint32_t b)
{
    assert(b < HIST_BUCKETS);
    int e = (int) (b >> HIST_SUB_BITS) + HIST_MIN_EXP;
    double m = 1 + (double) (b & ((1u << HIST_SUB_BITS) - 1)) / (1u << HIST_SUB_BITS);
    return ldexp(m, e);
}

double hist_bucket_high(uint32_t b)
{
    assert(b < HIST_BUCKETS);
    int e = (int) (b >> HIST_SUB_BITS) + HIST_MIN_EXP;
    double m = 1 + (double) ((b & ((1u << HIST_SUB_BITS) - 1)) + 1) / (1u << HIST_SUB_BITS);
    return ldexp(m, e);
}

void hist_init(hist *h)
{
    memset(h->counts, 0, sizeof h->counts);
    h->n = 0;
    h->sum = 0;
    h->min = INFINITY; /* identities for min and max, so add and merge need no branch on n */
    h->max = -INFINITY;
    h->lo = EMPTY_LO;
    h->hi = 0;
}

void hist_reset(hist *h)
{
    if (h->lo <= h->hi) memset(&h->counts[h->lo], 0, (h->hi - h->lo + 1) * sizeof h->counts[0]);
    h->n = 0;
    h->sum = 0;
    h->min = INFINITY;
    h->max = -INFINITY;
    h->lo = EMPTY_LO;
    h->hi = 0;
}

void hist_merge(hist *into, const hist *from)
{
    if (from->n == 0) return;
    for (uint32_t b = from->lo; b <= from->hi; b++) into->counts[b] += from->counts[b];
    into->n += from->n;
    into->sum += from->sum;
    if (from->min < into->min) into->min = from->min;
    if (from->max > into->max) into->max = from->max;
    if (from->lo < into->lo) into->lo = from->lo;
    if (from->hi > into->hi) into->hi = from->hi;
}

double hist_quantile(const hist *h, double q)
{
    assert(q >= 0 && q <= 1);
    if (h->n == 0) return NAN;
    uint64_t rank = (uint64_t) ceil(q * (double) h->n);
    if (rank < 1) rank = 1;
    if (rank > h->n) rank = h->n;

    uint32_t b = h->lo;
    for (uint64_t seen = h->counts[b]; seen < rank; seen += h->counts[b]) b++;

    double mid = sqrt(hist_bucket_low(b) * hist_bucket_high(b));
    /* The end buckets also hold the clamped values, and any bucket may hold
     * only values on one side of its midpoint: the exact extremes are better. */
    if (mid < h->min) return h->min;
    if (mid > h->max) return h->max;
    return mid;
}

double hist_mean(const hist *h)
{
    return h->n ? h->sum / (double) h->n : NAN;
}

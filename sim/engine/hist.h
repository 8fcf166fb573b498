/* hist.h -- a log-bucketed histogram for latency percentiles.
 * Buckets follow the binary representation of a double: 64 sub-buckets per
 * power of two, so a bucket spans a ratio of at most 1 + 1/64 and reporting
 * its geometric midpoint is within 0.8% of any value in it (the 1% bound the
 * issue asks for). Values from 2^-20 s (about 1 us) to 2^20 s (12 days) are
 * resolved; smaller ones count in the lowest bucket, larger in the highest
 * (and the exact min and max are kept). Histograms with the same layout merge
 * by adding counts. Fixed size: memory never grows with observations. */
#ifndef ECSIM_HIST_H
#define ECSIM_HIST_H

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define HIST_SUB_BITS 6
#define HIST_MIN_EXP  (-20)
#define HIST_MAX_EXP  20
#define HIST_BUCKETS  (((HIST_MAX_EXP) - (HIST_MIN_EXP)) << HIST_SUB_BITS)

typedef struct hist {
    uint64_t n;
    double min, max, sum;
    uint32_t lo, hi; /* lowest and highest bucket touched, for fast reset and scan */
    uint64_t counts[HIST_BUCKETS];
} hist;

void hist_init(hist *h);  /* empty */
void hist_reset(hist *h); /* empty again; O(buckets touched) */
void hist_merge(hist *into, const hist *from);
/* Adding x >= 0, inline below: hist_add(h, x), or hist_add_at(h, x, b) with
 * b = hist_bucket(x) already known, for one x added to several histograms. */

/* The q-quantile (0 <= q <= 1) by the nearest-rank rule: the smallest value
 * v with at least ceil(q*n) observations <= v, reported as its bucket's
 * geometric midpoint clamped to [min, max]. NAN when empty. */
double hist_quantile(const hist *h, double q);
double hist_mean(const hist *h); /* exact; NAN when empty */

/* Bucket layout, exposed for tests and for batching the histogram
 * (hist_bucket(x), x's bucket, is inline below). */
double hist_bucket_low(uint32_t b);  /* inclusive */
double hist_bucket_high(uint32_t b); /* exclusive */

/* hist_add runs several times per simulated request, so it and the bucket
 * index are inline: the index is read straight off the IEEE-754 bits (the
 * exponent and the top HIST_SUB_BITS mantissa bits) with a shift and a
 * subtraction; no log(), no loop. */
#define HIST__MANT_BITS 52
#define HIST__EXP_BIAS  1023
/* (bits >> (HIST__MANT_BITS - HIST_SUB_BITS)) is (biased exponent, top
 * mantissa bits) as one integer for a non-negative double; this is its
 * value at the first bucket, 2^HIST_MIN_EXP. */
#define HIST__BASE ((int64_t) (HIST__EXP_BIAS + HIST_MIN_EXP) << HIST_SUB_BITS)

static inline uint32_t hist_bucket(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits &= ~(1ULL << 63); /* -0.0 counts as 0 */
    int64_t b = (int64_t) (bits >> (HIST__MANT_BITS - HIST_SUB_BITS)) - HIST__BASE;
    /* Zero, subnormals and anything below 2^HIST_MIN_EXP go negative; large
     * values, inf and NaN overshoot. */
    if (b < 0) return 0;
    if (b >= HIST_BUCKETS) return HIST_BUCKETS - 1;
    return (uint32_t) b;
}

static inline void hist_add_at(hist *h, double x, uint32_t b)
{
    assert(x >= 0 && "latencies and durations are never negative");
    h->counts[b]++;
    h->n++;
    h->sum += x;
    if (x < h->min) h->min = x;
    if (x > h->max) h->max = x;
    if (b < h->lo) h->lo = b;
    if (b > h->hi) h->hi = b;
}

static inline void hist_add(hist *h, double x)
{
    hist_add_at(h, x, hist_bucket(x));
}

#endif

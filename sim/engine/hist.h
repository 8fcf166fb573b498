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

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_MIN_EXP (-20)
#define HIST_MAX_EXP 20
#define HIST_BUCKETS (((HIST_MAX_EXP) - (HIST_MIN_EXP)) << HIST_SUB_BITS)

typedef struct hist {
    uint64_t n;
    double min, max, sum;
    uint32_t lo, hi; /* lowest and highest bucket touched, for fast reset and scan */
    uint64_t counts[HIST_BUCKETS];
} hist;

void hist_init(hist *h);  /* empty */
void hist_reset(hist *h); /* empty again; O(buckets touched) */
void hist_add(hist *h, double x); /* x >= 0 */
void hist_merge(hist *into, const hist *from);

/* The q-quantile (0 <= q <= 1) by the nearest-rank rule: the smallest value
 * v with at least ceil(q*n) observations <= v, reported as its bucket's
 * geometric midpoint clamped to [min, max]. NAN when empty. */
double hist_quantile(const hist *h, double q);
double hist_mean(const hist *h); /* exact; NAN when empty */

/* Bucket layout, exposed for tests and for batching the histogram. */
uint32_t hist_bucket(double x);
double hist_bucket_low(uint32_t b);  /* inclusive */
double hist_bucket_high(uint32_t b); /* exclusive */

#endif

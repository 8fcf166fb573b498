/* gof.h -- goodness-of-fit tests for the statistical tests: does a sample
 * come from a given distribution? Kolmogorov-Smirnov for continuous
 * distributions (GSL has no Kolmogorov distribution, so its series is here,
 * checked in test_gof.c) and Pearson's chi-square for counts. Each returns
 * the statistic and its p-value; a test rejects when p < its stated level. */
#ifndef ECSIM_GOF_H
#define ECSIM_GOF_H

#include <stddef.h>

typedef struct gof_result {
    double stat; /* D for KS, X^2 for chi-square */
    double p;    /* P(a statistic at least this large | the hypothesis) */
} gof_result;

/* A continuous CDF under test; ctx is the caller's parameters. */
typedef double (*gof_cdf)(double x, const void *ctx);

/* P(K > x) for the Kolmogorov distribution, the limit law of sqrt(n) D_n:
 * 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2), or for small x, where that
 * alternating series converges slowly, 1 - sqrt(2 pi)/x sum_{k>=1}
 * exp(-(2k-1)^2 pi^2 / (8 x^2)). 1 for x <= 0. */
double gof_kolmogorov_q(double x);

/* One-sample KS test of x[0..n) (n >= 1; sorted in place) against cdf. The
 * p-value uses Stephens' finite-n correction, Q((sqrt(n) + 0.12 +
 * 0.11/sqrt(n)) D), accurate to a few percent of p for n >= 5. */
gof_result gof_ks(double *x, size_t n, gof_cdf cdf, const void *ctx);

/* Pearson's chi-square of observed counts in k cells against the cells'
 * probabilities (summing to 1, each > 0), with k - 1 - n_fitted degrees of
 * freedom (n_fitted: parameters estimated from the same data). Expected
 * counts below 5 make the chi-square law a poor approximation. */
gof_result gof_chisq(const size_t *observed, const double *prob, size_t k, size_t n_fitted);

/* Chi-square on k equiprobable cells: x[i] falls in cell floor(k cdf(x[i])),
 * each cell with probability 1/k under the hypothesis. */
gof_result gof_chisq_equiprobable(const double *x, size_t n, size_t k, gof_cdf cdf,
                                  const void *ctx);

#endif

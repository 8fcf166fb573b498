/* gof.c -- Kolmogorov-Smirnov and chi-square goodness of fit. The tests
 * call these on 10^4 to 10^5 draws, so sorting dominates; the series need
 * at most a handful of terms. */
#include "gof.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "sim/engine/xmalloc.h"

/* Below this the alternating series needs many terms and cancels, while the
 * theta-function form converges in two or three (its terms fall as
 * exp(-pi^2 k^2 / x^2)); 1.18 is where both take about as many. */
#define KOLMOGOROV_SWITCH 1.18

double gof_kolmogorov_q(double x)
{
    if (!(x > 0)) return 1;
    if (x < KOLMOGOROV_SWITCH) {
        /* P(K <= x) = sqrt(2 pi)/x sum exp(-(2k-1)^2 pi^2 / (8 x^2)). */
        double c = -M_PI * M_PI / (8 * x * x), sum = 0;
        for (int k = 1; k <= 100; k++) {
            double t = exp(c * (2 * k - 1) * (2 * k - 1));
            sum += t;
            if (t <= sum * 1e-17) break;
        }
        return 1 - sqrt(2 * M_PI) / x * sum;
    }
    /* P(K > x) = 2 sum (-1)^(k-1) exp(-2 k^2 x^2); at x >= 1.18 the second
     * term is already below 1e-5 of the first. */
    double sum = 0, sign = 1;
    for (int k = 1; k <= 100; k++) {
        double t = exp(-2.0 * k * k * x * x);
        sum += sign * t;
        sign = -sign;
        if (t <= fabs(sum) * 1e-17) break;
    }
    return 2 * sum;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

gof_result gof_ks(double *x, size_t n, gof_cdf cdf, const void *ctx)
{
    assert(n > 0);
    qsort(x, n, sizeof *x, cmp_double);
    double d = 0, fn = (double) n;
    for (size_t i = 0; i < n; i++) {
        double f = cdf(x[i], ctx);
        /* The empirical CDF jumps from i/n to (i+1)/n at x[i]. */
        double above = (double) (i + 1) / fn - f, below = f - (double) i / fn;
        if (above > d) d = above;
        if (below > d) d = below;
    }
    double rn = sqrt(fn);
    return (gof_result){d, gof_kolmogorov_q((rn + 0.12 + 0.11 / rn) * d)};
}

gof_result gof_chisq(const size_t *observed, const double *prob, size_t k, size_t n_fitted)
{
    assert(k >= 2 + n_fitted);
    double n = 0, x2 = 0;
    for (size_t i = 0; i < k; i++) n += (double) observed[i];
    for (size_t i = 0; i < k; i++) {
        assert(prob[i] > 0);
        double expect = n * prob[i], dev = (double) observed[i] - expect;
        x2 += dev * dev / expect;
    }
    return (gof_result){x2, gsl_cdf_chisq_Q(x2, (double) (k - 1 - n_fitted))};
}

gof_result gof_chisq_equiprobable(const double *x, size_t n, size_t k, gof_cdf cdf, const void *ctx)
{
    size_t *count = xcalloc(k, sizeof *count);
    double *prob = xmalloc(k * sizeof *prob);
    for (size_t i = 0; i < k; i++) prob[i] = 1.0 / (double) k;
    for (size_t i = 0; i < n; i++) {
        double u = cdf(x[i], ctx) * (double) k;
        /* F(x) = 1 (a draw at or past the top of the support) is the last cell. */
        size_t c = u >= (double) k ? k - 1 : u <= 0 ? 0 : (size_t) u;
        count[c]++;
    }
    gof_result r = gof_chisq(count, prob, k, 0);
    free(count);
    free(prob);
    return r;
}

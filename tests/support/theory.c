/* theory.c -- queueing formulas for the validation tests. */
#include "theory.h"

#include <math.h>
#include <gsl/gsl_cdf.h>

double theory_erlang_c(int c, double a)
{
    /* Erlang B by its stable recursion, then C from B */
    double b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    double rho = a / c;
    return b / (1.0 - rho + rho * b);
}

double theory_mmc_response(double lambda, double mu, int c)
{
    double a = lambda / mu;
    return theory_erlang_c(c, a) / (c * mu - lambda) + 1.0 / mu;
}

double theory_en_m1_sigma(int n, double lambda, double mu)
{
    /* f(s) = (lambda/(lambda+mu(1-s)))^n - s has one root in (0,1) when
     * lambda/n < mu; bisection is slow but certain */
    double lo = 0.0, hi = 1.0 - 1e-15;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        double f = pow(lambda / (lambda + mu * (1.0 - mid)), n) - mid;
        if (f > 0)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double theory_en_m1_response(int n, double lambda, double mu)
{
    return 1.0 / (mu * (1.0 - theory_en_m1_sigma(n, lambda, mu)));
}

double theory_md1_response(double lambda, double d)
{
    double rho = lambda * d;
    return d + rho * d / (2.0 * (1.0 - rho));
}

double theory_mm1k_blocking(double lambda, double mu, int k)
{
    double rho = lambda / mu;
    if (fabs(rho - 1.0) < 1e-12) return 1.0 / (k + 1);
    return (1.0 - rho) * pow(rho, k) / (1.0 - pow(rho, k + 1));
}

double theory_mm1k_response(double lambda, double mu, int k)
{
    double rho = lambda / mu;
    double l;
    if (fabs(rho - 1.0) < 1e-12)
        l = k / 2.0;
    else
        l = rho / (1.0 - rho) - (k + 1) * pow(rho, k + 1) / (1.0 - pow(rho, k + 1));
    return l / (lambda * (1.0 - theory_mm1k_blocking(lambda, mu, k)));
}

void theory_ci95(const double *x, size_t n, double *mean, double *half)
{
    double m = 0, m2 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        m += d / (double) (i + 1);
        m2 += d * (x[i] - m);
    }
    double sd = sqrt(m2 / (double) (n - 1));
    *mean = m;
    *half = gsl_cdf_tdist_Pinv(0.975, (double) (n - 1)) * sd / sqrt((double) n);
}

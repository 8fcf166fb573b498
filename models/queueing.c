/* queueing.c -- the analytic companion's closed forms (see queueing.h).
 * Erlang B by its stable recursion (no factorials), so hundreds of servers
 * are fine; roots and quantiles by bisection, slow but certain. */
#include "models/queueing.h"

#include <math.h>

double q_erlang_b(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return b;
}

double q_erlang_c(int c, double a)
{
    if (a >= c) return 1.0;
    double b = q_erlang_b(c, a), rho = a / c;
    return b / (1.0 - rho + rho * b);
}

double q_mmc_p0(double lambda, double mu, int c)
{
    double a = lambda / mu, term = 1.0, sum = 1.0;
    for (int n = 1; n < c; n++) {
        term *= a / n;
        sum += term;
    }
    term *= a / c; /* a^c / c! */
    return 1.0 / (sum + term / (1.0 - a / c));
}

double q_mmc_lq(double lambda, double mu, int c)
{
    double a = lambda / mu, rho = a / c;
    return q_erlang_c(c, a) * rho / (1.0 - rho);
}

double q_mmc_wq(double lambda, double mu, int c)
{
    return q_erlang_c(c, lambda / mu) / (c * mu - lambda);
}

double q_mmc_response(double lambda, double mu, int c)
{
    return q_mmc_wq(lambda, mu, c) + 1.0 / mu;
}

double q_mmc_response_tail(double lambda, double mu, int c, double t)
{
    if (t <= 0) return 1.0;
    double pw = q_erlang_c(c, lambda / mu), theta = c * mu - lambda;
    /* T = W + S: no wait with 1 - pw; else W ~ exp(theta), S ~ exp(mu) */
    double conv = fabs(theta - mu) < 1e-12 * mu
                      ? (1 + mu * t) * exp(-mu * t)
                      : (theta * exp(-mu * t) - mu * exp(-theta * t)) / (theta - mu);
    return (1 - pw) * exp(-mu * t) + pw * conv;
}

typedef struct mmc_ctx {
    double lambda, mu;
    int c;
} mmc_ctx;

static double mmc_tail(void *ctx, double t)
{
    const mmc_ctx *m = ctx;
    return q_mmc_response_tail(m->lambda, m->mu, m->c, t);
}

double q_mmc_response_quantile(double lambda, double mu, int c, double q)
{
    mmc_ctx m = {lambda, mu, c};
    return q_tail_quantile(mmc_tail, &m, q, q_mmc_response(lambda, mu, c));
}

double q_ekm1_sigma(int k, double lambda, double mu)
{
    /* f(s) = (lambda / (lambda + mu (1 - s)))^k - s is positive below the root
     * in (0, 1) and negative above it when lambda < k mu */
    double lo = 0.0, hi = 1.0 - 1e-15;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        double f = pow(lambda / (lambda + mu * (1.0 - mid)), k) - mid;
        if (f > 0)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double q_ekm1_response(int k, double lambda, double mu)
{
    return 1.0 / (mu * (1.0 - q_ekm1_sigma(k, lambda, mu)));
}

double q_ekm1_response_quantile(int k, double lambda, double mu, double q)
{
    return -log(1 - q) * q_ekm1_response(k, lambda, mu);
}

double q_mg1_response(double lambda, double es, double scv)
{
    double rho = lambda * es;
    if (rho >= 1) return INFINITY;
    return es + rho * es * (1 + scv) / (2 * (1 - rho));
}

double q_ac_wait(double lambda, double es, double scv_a, double scv_s, int c)
{
    if (lambda * es >= c) return INFINITY;
    return q_mmc_wq(lambda, 1 / es, c) * (scv_a + scv_s) / 2;
}

double q_ac_response(double lambda, double es, double scv_a, double scv_s, int c)
{
    return q_ac_wait(lambda, es, scv_a, scv_s, c) + es;
}

double q_mm1k_blocking(double lambda, double mu, int k)
{
    double rho = lambda / mu;
    if (fabs(rho - 1.0) < 1e-12) return 1.0 / (k + 1);
    return (1.0 - rho) * pow(rho, k) / (1.0 - pow(rho, k + 1));
}

double q_mm1k_response(double lambda, double mu, int k)
{
    double rho = lambda / mu, l;
    if (fabs(rho - 1.0) < 1e-12)
        l = k / 2.0;
    else
        l = rho / (1.0 - rho) - (k + 1) * pow(rho, k + 1) / (1.0 - pow(rho, k + 1));
    return l / (lambda * (1.0 - q_mm1k_blocking(lambda, mu, k)));
}

double q_bd_response(double lambda, double mu, int w, double v)
{
    double cap = w < v ? w : v; /* the most vCPU the busy workers use */
    if (lambda >= cap * mu) return INFINITY;
    /* p_n / p_0 = prod_{i<=n} lambda / d(i); beyond n0 = ceil(cap) every
     * death rate is cap mu, so the tail is geometric and summed in closed
     * form */
    int n0 = (int) ceil(cap);
    double r = lambda / (cap * mu), p = 1.0, norm = 1.0, mean = 0.0;
    for (int n = 1; n <= n0; n++) {
        double d = (n < cap ? n : cap) * mu;
        p *= lambda / d;
        norm += p;
        mean += n * p;
    }
    /* n > n0: p_n = p_n0 r^(n - n0) */
    norm += p * r / (1 - r);
    mean += p * (n0 * r / (1 - r) + r / ((1 - r) * (1 - r)));
    return mean / norm / lambda;
}

double q_pod_response(double rho, double es, int d)
{
    if (rho >= 1) return INFINITY;
    if (d == 1) return es / (1 - rho);
    double sum = 0, di = d; /* d^i */
    for (int i = 1; i < 64; i++) {
        double term = pow(rho, (di - d) / (d - 1));
        sum += term;
        if (term < 1e-17 * sum) break;
        di *= d;
    }
    return es * sum;
}

double q_approx_response_tail(double pw, double wq, q_survival_fn surv, void *ctx, double t)
{
    if (t <= 0) return 1.0;
    double tail = surv(ctx, t);
    if (pw <= 0 || wq <= 0) return tail;
    /* + pw * integral_0^t exp(-theta (t - s)) dF_S(s), F_S = 1 - surv, by the
     * midpoint rule over 4000 steps of the Stieltjes measure */
    double theta = pw / wq, acc = 0, f_prev = 1 - surv(ctx, 0);
    acc += f_prev * exp(-theta * t); /* an atom at 0 */
    enum { STEPS = 4000 };
    for (int i = 1; i <= STEPS; i++) {
        double s = t * i / STEPS, f = 1 - surv(ctx, s);
        acc += (f - f_prev) * exp(-theta * (t - (s - 0.5 * t / STEPS)));
        f_prev = f;
    }
    return tail + pw * acc;
}

double q_approx_response_quantile(double pw, double wq, q_survival_fn surv, void *ctx, double q,
                                  double mean)
{
    double target = 1 - q, theta = pw > 0 && wq > 0 ? pw / wq : 0;
    double h = (mean > 0 ? mean : 1) / 1000;
    for (int round = 0; round < 8; round++, h *= 10) {
        double f_prev = 1 - surv(ctx, 0), big_h = theta > 0 ? f_prev : 0; /* an atom at 0 */
        double decay = exp(-theta * h), half = exp(-theta * h / 2);
        double t_prev = 0, tail_prev = 1;
        for (int k = 1; k <= 200000; k++) {
            double t = k * h, f = 1 - surv(ctx, t);
            big_h = decay * big_h + half * (f - f_prev);
            f_prev = f;
            double tail = (1 - f) + (theta > 0 ? pw * big_h : 0);
            if (tail <= target) {
                /* linear between the grid points around the crossing */
                double x = tail_prev > tail ? (tail_prev - target) / (tail_prev - tail) : 1;
                return t_prev + x * (t - t_prev);
            }
            t_prev = t;
            tail_prev = tail;
        }
    }
    return INFINITY;
}

double q_tail_quantile(q_tail_fn tail, void *ctx, double q, double scale)
{
    double target = 1 - q, lo = 0, hi = scale > 0 ? scale : 1;
    for (int i = 0; i < 200 && tail(ctx, hi) > target; i++) {
        lo = hi;
        hi *= 2;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (tail(ctx, mid) > target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

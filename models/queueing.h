/* queueing.h -- the closed forms of ecsim's analytic companion (`ecsim
 * analyze`, and the *_analytic columns of summary.csv): Erlang B and C,
 * M/M/c with its response-time distribution, E_k/M/1 (round robin over k
 * single-worker servers), M/G/1 by Pollaczek-Khinchine, the Allen-Cunneen
 * approximation for GI/G/c, M/M/1/K, a birth-death chain for workers that
 * share fewer vCPU than they are, the power-of-d mean field, and an
 * exponential-tail approximation of a response time's tail for what has no
 * closed form. Rates are per second, times in seconds. Pure functions of
 * their arguments; nothing here knows a cluster.
 *
 * Sources: Gross, Shortle, Thompson & Harris, Fundamentals of Queueing
 * Theory (4th ed., 2008): M/M/c (sec. 2.3), M/M/1/K (2.4), M/G/1 (5.1),
 * GI/M/1 (6.3: the sojourn time is exponential with rate mu(1 - sigma));
 * Allen, Probability, Statistics and Queueing Theory (2nd ed., 1990), the
 * Allen-Cunneen approximation; Mitzenmacher, The power of two choices in
 * randomized load balancing (IEEE TPDS 12(10), 2001), the mean field. */
#ifndef ECSIM_QUEUEING_H
#define ECSIM_QUEUEING_H

/* Erlang B (loss) and Erlang C (probability of waiting) for c servers and
 * offered load a = lambda/mu; C is 1 when a >= c. */
double q_erlang_b(int c, double a);
double q_erlang_c(int c, double a);

/* M/M/c (lambda < c mu): probability the system is empty, mean number
 * waiting, mean wait, mean response (wait + service), the response time's
 * tail P(T > t) under FCFS, and its q-quantile. */
double q_mmc_p0(double lambda, double mu, int c);
double q_mmc_lq(double lambda, double mu, int c);
double q_mmc_wq(double lambda, double mu, int c);
double q_mmc_response(double lambda, double mu, int c);
double q_mmc_response_tail(double lambda, double mu, int c, double t);
double q_mmc_response_quantile(double lambda, double mu, int c, double q);

/* E_k/M/1 seen by each of k single-worker servers behind round robin fed by
 * Poisson(lambda): sigma is the root in (0, 1) of
 * sigma = (lambda / (lambda + mu (1 - sigma)))^k (needs lambda < k mu); the
 * response time is exponential with rate mu (1 - sigma). */
double q_ekm1_sigma(int k, double lambda, double mu);
double q_ekm1_response(int k, double lambda, double mu);
double q_ekm1_response_quantile(int k, double lambda, double mu, double q);

/* M/G/1 mean response by Pollaczek-Khinchine: E[S] + rho E[S] (1 + scv) /
 * (2 (1 - rho)), rho = lambda E[S]. */
double q_mg1_response(double lambda, double es, double scv);

/* Allen-Cunneen GI/G/c: the M/M/c wait times (ca^2 + cs^2) / 2, plus E[S]. */
double q_ac_response(double lambda, double es, double scv_a, double scv_s, int c);
double q_ac_wait(double lambda, double es, double scv_a, double scv_s, int c);

/* M/M/1/K (K in the system at most): blocking probability and the mean
 * response of those admitted. */
double q_mm1k_blocking(double lambda, double mu, int k);
double q_mm1k_response(double lambda, double mu, int k);

/* A task of w workers sharing v vCPU (v < w: processor sharing when more
 * than v are busy), exponential demand of rate mu at one vCPU: the
 * birth-death chain with death rate min(n, w, v) mu; mean response by
 * Little's law. INFINITY when lambda >= min(w, v) mu. */
double q_bd_response(double lambda, double mu, int w, double v);

/* Power of d choices over many single-worker servers at load rho < 1 (the
 * mean field, Mitzenmacher 2001): the fraction of servers holding at least
 * i requests is rho^((d^i - 1)/(d - 1)), so the mean response is
 * E[S] sum_{i>=1} rho^((d^i - d)/(d - 1)). d = 1 gives M/M/1. */
double q_pod_response(double rho, double es, int d);

/* The exponential-tail approximation of a response time T = W + S: the wait
 * is 0 with probability 1 - pw and else exponential with mean wq / pw (exact
 * for M/M/c), S has survival function surv. Returns P(T > t). */
typedef double (*q_survival_fn)(void *ctx, double x);
double q_approx_response_tail(double pw, double wq, q_survival_fn surv, void *ctx, double t);

/* The q-quantile of that approximation, marching the convolution forward
 * on a grid of mean/1000 steps (H(t+h) = e^(-theta h) H(t) + e^(-theta
 * h/2) (F(t+h) - F(t))) until the tail drops below 1 - q, then
 * interpolating: some 10^4 survival evaluations rather than a bisection of
 * integrals. mean is E[T], the grid's scale. */
double q_approx_response_quantile(double pw, double wq, q_survival_fn surv, void *ctx, double q,
                                  double mean);

/* The q-quantile of a decreasing tail function: the t with tail(t) = 1 - q,
 * by bracketing from `scale` and bisection to 1e-12 relative. */
typedef double (*q_tail_fn)(void *ctx, double t);
double q_tail_quantile(q_tail_fn tail, void *ctx, double q, double scale);

#endif

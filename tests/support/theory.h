/* theory.h -- closed forms the simulator is held to, and the confidence
 * interval the tests compare them with. */
#ifndef ECSIM_THEORY_H
#define ECSIM_THEORY_H

#include <stddef.h>

/* Erlang C: probability an arrival waits in M/M/c with offered load a = lambda/mu < c. */
double theory_erlang_c(int c, double a);
/* M/M/c mean response time (wait + service). */
double theory_mmc_response(double lambda, double mu, int c);
/* E_N/M/1 seen by one of N servers behind round robin fed by Poisson(lambda):
 * sigma is the root in (0,1) of sigma = (lambda / (lambda + mu (1 - sigma)))^N. */
double theory_en_m1_sigma(int n, double lambda, double mu);
double theory_en_m1_response(int n, double lambda, double mu);
/* M/D/1 mean response with service time d (Pollaczek-Khinchine). */
double theory_md1_response(double lambda, double d);
/* M/M/1/K, K the most requests in the system (one in service + K-1 waiting). */
double theory_mm1k_blocking(double lambda, double mu, int k);
double theory_mm1k_response(double lambda, double mu, int k);

/* Mean and 95% Student-t half-width of n values (n >= 2). */
void theory_ci95(const double *x, size_t n, double *mean, double *half);

#endif

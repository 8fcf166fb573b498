/* demand.h -- a distribution read from the registry under a prefix: the
 * service demand of a workload or a request class, a user's think time.
 * DEMAND_PARAMS(prefix, ...) writes the registry entries for one prefix, so
 * every place a distribution is set reads the same keys. */
#ifndef ECSIM_DEMAND_H
#define ECSIM_DEMAND_H

#include "sim/engine/dist.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

#define DEMAND_FAMILIES                                                                            \
    "exponential|deterministic|lognormal|gamma|weibull|bounded_pareto|hyperexponential|empirical"

/* The registry entries for a distribution under `prefix` ("workloads.*.demand"). */
#define DEMAND_PARAMS(prefix, what, def_family, def_mean)                                           \
    {prefix ".distribution",     PT_ENUM, "", 0, 0, def_family, DEMAND_FAMILIES, 0, NULL,           \
     "Distribution of " what "."},                                                                  \
        {prefix ".mean_s",                                                                          \
         PT_REAL,                                                                                   \
         "s",                                                                                       \
         0,                                                                                         \
         1e6,                                                                                       \
         def_mean,                                                                                  \
         NULL,                                                                                      \
         PF_MIN_EXCL,                                                                               \
         NULL,                                                                                      \
         "Mean of " what " (every family but bounded_pareto and empirical)."},                      \
        {prefix ".cv",                                                                              \
         PT_REAL,                                                                                   \
         "",                                                                                        \
         0,                                                                                         \
         100,                                                                                       \
         "1",                                                                                       \
         NULL,                                                                                      \
         PF_MIN_EXCL,                                                                               \
         NULL,                                                                                      \
         "Coefficient of variation of " what " (lognormal, gamma, weibull; hyperexponential "       \
         "needs cv >= 1)."},                                                                        \
        {prefix ".alpha", PT_REAL, "",          0,    100,                                          \
         "1.5",           NULL,    PF_MIN_EXCL, NULL, "Tail index of a bounded_pareto " what "."},  \
        {prefix ".min_s", PT_REAL, "s",         0,    1e6,                                          \
         "0.01",          NULL,    PF_MIN_EXCL, NULL, "Lower bound of a bounded_pareto " what "."}, \
        {prefix ".max_s",                                                                           \
         PT_REAL,                                                                                   \
         "s",                                                                                       \
         0,                                                                                         \
         1e9,                                                                                       \
         "10",                                                                                      \
         NULL,                                                                                      \
         PF_MIN_EXCL,                                                                               \
         NULL,                                                                                      \
         "Upper bound of a bounded_pareto " what "."},                                              \
    {                                                                                               \
        prefix ".file", PT_STR, "path", 0, 0, "", NULL, 0, NULL,                                    \
            "empirical " what                                                                       \
            ": a CSV of values, or a low,high,weight histogram; relative to the "                   \
            "scenario file."                                                                        \
    }

/* Fills d from "<prefix>.*" where prefix is printf-formatted. Returns ECS_OK
 * or an input error naming the place (a bad combination, a bad file). The
 * caller frees d with dist_fini. */
int demand_read(dist *d, const params *p, ecs_err *e, const char *prefix_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The path in a string parameter, resolved against the folder of the
 * scenario file that set it (a --set path is taken as it is). */
void demand_resolve_path(const params *p, char *out, size_t len, const char *path_param);

#endif

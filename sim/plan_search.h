/* plan_search.h -- the capacity planner's search of a --vary grid. Without
 * a monotone dimension every configuration runs (one sweep). When a
 * services.*.desired_count is varied, the configurations that differ only
 * there form a line, and each line is bisected for the fewest tasks that
 * meet the SLO, assuming more tasks of one size do not raise p99 nor lower
 * the minimized metric; the line's most-tasks configuration is run too, and
 * a line whose results contradict either is run whole. Each stage is one
 * sweep resumed into the same directory (common random numbers kept); under
 * mpirun every rank runs the same stages, with rank 0's decisions. */
#ifndef ECSIM_PLAN_SEARCH_H
#define ECSIM_PLAN_SEARCH_H

#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/plan.h"
#include "sim/sweep.h"

/* What a configuration must meet, and what is minimized (borrowed). */
typedef struct plan_goal {
    const plan_slo *slo;
    int n_slo;
    const char *minimize;
} plan_goal;

/* The varied dimension along which p99 does not rise (a service's
 * desired_count, every value a number), or -1. */
int plan_search_dim(const sweep_table *shape);

/* Runs the grid of so into *t (free with sweep_table_free): every
 * configuration when dim < 0, else the bisection and its check. pruned[c]
 * (-1 below a failing configuration of its line, +1 above its first
 * feasible one) and by[c] (that configuration, 1-based) say why c was not
 * run; *broken_lines counts the lines run whole. On an MPI worker rank t
 * comes back with `served` set and no results. */
int plan_search(const plan_goal *goal, const sweep_opts *so, FILE *out, const sweep_table *shape,
                int dim, sweep_table *t, int *pruned, int *by, int *broken_lines, ecs_err *e);

/* Every rank calls it at the same points: rank 0's value (without MPI, or
 * with one rank, value itself). */
int plan_share(int value);

#endif

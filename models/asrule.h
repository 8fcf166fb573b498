/* asrule.h -- Application Auto Scaling's arithmetic, as pure functions:
 * step adjustments and their bounds, PercentChangeInCapacity rounding,
 * target tracking's capacity and the min/max rules
 * (application-auto-scaling-step-scaling-policies.html,
 * application-auto-scaling-target-tracking.html). autoscale.c applies them
 * to services; tests check them directly. */
#ifndef ECSIM_ASRULE_H
#define ECSIM_ASRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A step adjustment: bounds relative to the alarm threshold, -INFINITY /
 * +INFINITY for a null bound. */
typedef struct asrule_step {
    double lower, upper;
    int64_t adjustment;
} asrule_step;

/* PercentChangeInCapacity rounding (application-auto-scaling-step-scaling-
 * policies.html): > 1 rounds down (12.7 -> 12), in (0, 1) is 1, in (-1, 0)
 * is -1, < -1 rounds towards zero (-6.67 -> -6); then a magnitude below
 * min_magnitude (> 0) is raised to it. */
int64_t asrule_percent_change(int64_t capacity, int64_t percent, int64_t min_magnitude);

/* The step whose interval holds `breach` (metric - threshold): above the
 * threshold lower <= breach < upper, below it lower < breach <= upper.
 * Returns its index, or -1. */
int asrule_find_step(const asrule_step *steps, uint32_t n, double breach, bool above);

/* Checks a step list (sorted by lower bound, as asrule_sort_steps
 * leaves it): 0, or -1 with why ("steps overlap: [0, 20) and [10, 30)"). */
void asrule_sort_steps(asrule_step *steps, uint32_t n);
int asrule_check_steps(const asrule_step *steps, uint32_t n, char *why, size_t len);

/* Target tracking's capacity (our reconstruction): ceil(running x metric /
 * target) when scaling out; when scaling in also ceil (AWS removes fewer:
 * "removing 1.5 instances" removes 1), or floor with floor_in; 1 from 0
 * running tasks. */
int64_t asrule_tt_capacity(uint32_t running, double metric, double target, bool out, bool floor_in);

/* The documented min/max rules: a scale-out result is at least min and at
 * most max and applies only when above `desired`; a scale-in result
 * likewise within [min, max] and only when below. Returns the new desired
 * count (== desired for no change). */
int64_t asrule_clamp(int64_t desired, int64_t proposal, int64_t min, int64_t max, bool out);

/* "[lo, hi]" of a step for messages, "-inf" / "inf" for a null bound. */
void asrule_step_text(const asrule_step *s, char *buf, size_t len);

#endif

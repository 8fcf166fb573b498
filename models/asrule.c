/* asrule.c -- Application Auto Scaling's arithmetic (see asrule.h). */
#include "models/asrule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t asrule_percent_change(int64_t capacity, int64_t percent, int64_t min_magnitude)
{
    double x = (double) capacity * (double) percent / 100.0;
    int64_t d;
    if (x > 1)
        d = (int64_t) floor(x);
    else if (x > 0)
        d = 1;
    else if (x == 0)
        d = 0;
    else if (x > -1)
        d = -1;
    else
        d = (int64_t) ceil(x);
    if (min_magnitude > 0 && d != 0 && llabs(d) < min_magnitude)
        d = d > 0 ? min_magnitude : -min_magnitude;
    return d;
}

int asrule_find_step(const asrule_step *steps, uint32_t n, double breach, bool above)
{
    for (uint32_t i = 0; i < n; i++) {
        const asrule_step *s = &steps[i];
        bool in = above ? (breach >= s->lower && breach < s->upper)
                        : (breach > s->lower && breach <= s->upper);
        /* an infinite bound holds every finite breach on its side */
        if (above && isinf(s->upper) && s->upper > 0 && breach >= s->lower) in = true;
        if (!above && isinf(s->lower) && s->lower < 0 && breach <= s->upper) in = true;
        if (in) return (int) i;
    }
    return -1;
}

static int by_lower(const void *a, const void *b)
{
    double x = ((const asrule_step *) a)->lower, y = ((const asrule_step *) b)->lower;
    return (x > y) - (x < y);
}

void asrule_sort_steps(asrule_step *steps, uint32_t n)
{
    qsort(steps, n, sizeof *steps, by_lower);
}

void asrule_step_text(const asrule_step *s, char *buf, size_t len)
{
    char lo[32], hi[32];
    if (isinf(s->lower))
        snprintf(lo, sizeof lo, "-inf");
    else
        snprintf(lo, sizeof lo, "%g", s->lower);
    if (isinf(s->upper))
        snprintf(hi, sizeof hi, "inf");
    else
        snprintf(hi, sizeof hi, "%g", s->upper);
    snprintf(buf, len, "[%s, %s]", lo, hi);
}

int asrule_check_steps(const asrule_step *steps, uint32_t n, char *why, size_t len)
{
    uint32_t null_lo = 0, null_hi = 0;
    char a[80], b[80];
    if (n == 0) {
        snprintf(why, len, "a step policy needs at least one step adjustment");
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        null_lo += isinf(steps[i].lower) != 0;
        null_hi += isinf(steps[i].upper) != 0;
        if (!(steps[i].lower < steps[i].upper)) {
            asrule_step_text(&steps[i], a, sizeof a);
            snprintf(why, len, "step %s: expected lower_bound < upper_bound", a);
            return -1;
        }
    }
    if (null_lo > 1 || null_hi > 1) {
        snprintf(why, len, "at most one step may have a null (none) %s bound; %u have",
                 null_lo > 1 ? "lower" : "upper", null_lo > 1 ? null_lo : null_hi);
        return -1;
    }
    for (uint32_t i = 1; i < n; i++) {
        asrule_step_text(&steps[i - 1], a, sizeof a);
        asrule_step_text(&steps[i], b, sizeof b);
        if (steps[i - 1].upper > steps[i].lower) {
            snprintf(why, len, "steps %s and %s overlap", a, b);
            return -1;
        }
        if (steps[i - 1].upper < steps[i].lower) {
            snprintf(why, len, "steps %s and %s leave a gap", a, b);
            return -1;
        }
    }
    return 0;
}

int64_t asrule_tt_capacity(uint32_t running, double metric, double target, bool out, bool floor_in)
{
    if (running == 0) return out ? 1 : 0;
    double x = (double) running * metric / target;
    /* 1e-9 keeps x = 4.000000000001 (rounding noise) from becoming 5 */
    return out || !floor_in ? (int64_t) ceil(x - 1e-9) : (int64_t) floor(x + 1e-9);
}

int64_t asrule_clamp(int64_t desired, int64_t proposal, int64_t min, int64_t max, bool out)
{
    int64_t r = proposal;
    if (r < min) r = min;
    if (max >= 0 && r > max) r = max;
    if (out) return r > desired ? r : desired;
    return r < desired ? r : desired;
}

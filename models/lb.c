/* lb.c -- target selection. Targets live in an array in registration order;
 * the round-robin cursor walks it, least-outstanding scans it (O(targets),
 * fine for the hundreds of targets one target group holds). */
#include "lb.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

struct lb {
    const char *name;
    lb_algorithm algorithm;
    gsl_rng *rng;
    uint32_t *targets;
    uint32_t n, cap;
    uint32_t cursor; /* next position for round robin, and where LOR ties start */
};

const param_def lb_params[] = {
    {"load_balancers.*.algorithm", PT_ENUM, "", 0, 0, "round_robin",
     "round_robin|least_outstanding_requests|random", 0, NULL,
     "How a target is chosen for each request: round_robin (ALB's default), "
     "least_outstanding_requests (ALB's; ties go round-robin), random (uniform)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

lb *lb_new(const params *p, const char *name, sim *s)
{
    lb *b = xcalloc(1, sizeof *b);
    b->name = name;
    const char *alg = params_str(p, "load_balancers.%s.algorithm", name);
    if (strcmp(alg, "least_outstanding_requests") == 0)
        b->algorithm = LB_LEAST_OUTSTANDING;
    else if (strcmp(alg, "random") == 0)
        b->algorithm = LB_RANDOM;
    else
        b->algorithm = LB_ROUND_ROBIN;
    char stream[160];
    snprintf(stream, sizeof stream, "lb:%s", name);
    b->rng = sim_rng(s, stream);
    return b;
}

void lb_free(lb *b)
{
    if (!b) return;
    free(b->targets);
    free(b);
}

const char *lb_name(const lb *b)
{
    return b->name;
}

lb_algorithm lb_get_algorithm(const lb *b)
{
    return b->algorithm;
}

uint32_t lb_target_count(const lb *b)
{
    return b->n;
}

void lb_register(lb *b, uint32_t task_id)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        b->targets = xrealloc(b->targets, b->cap * sizeof *b->targets);
    }
    b->targets[b->n++] = task_id;
}

int lb_deregister(lb *b, uint32_t task_id)
{
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->targets[i] != task_id) continue;
        memmove(&b->targets[i], &b->targets[i + 1], (b->n - i - 1) * sizeof *b->targets);
        b->n--;
        if (b->cursor > i) b->cursor--;
        if (b->cursor >= b->n) b->cursor = 0;
        return 0;
    }
    return -1;
}

uint32_t lb_pick(lb *b, const task *tasks)
{
    uint32_t n = b->n;
    if (n == 0) return REQUEST_NONE;
    switch (b->algorithm) {
    case LB_ROUND_ROBIN: {
        uint32_t i = b->cursor;
        b->cursor = i + 1 == n ? 0 : i + 1;
        return b->targets[i];
    }
    case LB_LEAST_OUTSTANDING: {
        uint32_t best = b->cursor, best_out = task_outstanding(&tasks[b->targets[best]]);
        for (uint32_t k = 1; k < n && best_out > 0; k++) {
            uint32_t i = b->cursor + k;
            if (i >= n) i -= n;
            uint32_t out = task_outstanding(&tasks[b->targets[i]]);
            if (out < best_out) {
                best = i;
                best_out = out;
            }
        }
        b->cursor = best + 1 == n ? 0 : best + 1;
        return b->targets[best];
    }
    case LB_RANDOM:
        return b->targets[gsl_rng_uniform_int(b->rng, n)];
    }
    return REQUEST_NONE;
}

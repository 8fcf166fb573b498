/* lbpick.c -- how a target group picks a target for a request (see
 * lb_int.h): ALB's round_robin (with slow start's weights),
 * least_outstanding_requests and weighted_random, and the algorithms of the
 * queueing literature and other balancers (random, join_shortest_queue,
 * power_of_two, least_utilisation, weighted_round_robin); lb.h's parameter
 * documentation says which real balancer does each. The common round-robin
 * pick is inline in lb_route and never comes here. */
#include "models/lb_int.h"

#include "models/request.h"
#include "models/task.h"

/* Round robin: the next healthy member in turn (all members when failing
 * open). A target in slow start earns its weight in credit each time the
 * cursor passes it and is picked once a whole pick is earned, so over one
 * turn of the cursor it gets w picks for each full target's one. */
static uint32_t pick_rr(lb *b, tgroup *g, int open)
{
    uint32_t n = g->n;
    if (g->n_full == n) { /* all healthy, none in slow start: O(1) */
        uint32_t i = g->cursor;
        g->cursor = i + 1 == n ? 0 : i + 1;
        return g->members[i];
    }
    /* weights matter only beside a full target (which ends every search
     * within one turn); with none, every healthy target counts as full */
    int weighted = !open && g->n_full > 0 && g->n_full < g->n_healthy;
    double now = weighted ? sim_now(b->env->s) : 0;
    for (;;) {
        uint32_t i = g->cursor;
        g->cursor = i + 1 == n ? 0 : i + 1;
        target *t = &b->t[g->members[i]];
        if (!open && t->state != LB_HEALTHY) continue;
        if (weighted && t->ss) {
            t->credit += lb_ss_weight(b, t, now);
            if (t->credit < 1) continue;
            t->credit -= 1;
        }
        return g->members[i];
    }
}

/* Least outstanding requests: the fewest attempts the load balancer waits
 * on, ties going to the first from the cursor. */
static uint32_t pick_lor(lb *b, tgroup *g, int open)
{
    uint32_t n = g->n, best = REQUEST_NONE, best_out = UINT32_MAX;
    for (uint32_t k = 0; k < n && best_out > 0; k++) {
        uint32_t i = g->cursor + k;
        if (i >= n) i -= n;
        uint32_t ti = g->members[i];
        if (!open && b->t[ti].state != LB_HEALTHY) continue;
        if (b->inflight[ti] < best_out) {
            best = i;
            best_out = b->inflight[ti];
        }
    }
    g->cursor = best + 1 == n ? 0 : best + 1;
    return g->members[best];
}

/* Uniform among the healthy members (all when failing open), by rejection
 * when some are not healthy: one draw when all are, as before health. */
static uint32_t pick_random(lb *b, tgroup *g, int open)
{
    uint32_t n = g->n;
    for (;;) {
        uint32_t i = (uint32_t) gsl_rng_uniform_int(b->rng, n);
        if (open || b->t[g->members[i]].state == LB_HEALTHY) return g->members[i];
    }
}

/* ---- the queueing literature's algorithms: they read the tasks' own
 * queues (what the server holds, whoever sent it: probes, other load
 * balancers, requests this one gave up on at the idle timeout), where
 * least_outstanding_requests counts what this load balancer waits on. ---- */

static inline const task *member_task(const lb *b, const tgroup *g, uint32_t i)
{
    return &(*b->env->tasks)[b->task_of[g->members[i]]];
}

/* A member the algorithm may pick: healthy, or any when failing open. */
static int usable(const lb *b, const tgroup *g, uint32_t i, int open)
{
    return open || b->t[g->members[i]].state == LB_HEALTHY;
}

/* The fewest requests at the task (per worker when per_worker), ties
 * uniformly at random: one pass, the k-th tie replacing the pick with
 * probability 1/k. */
static uint32_t pick_fewest(lb *b, tgroup *g, int open, int per_worker)
{
    uint32_t n = g->n, best = REQUEST_NONE, ties = 0;
    uint64_t best_out = 0, best_w = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (!usable(b, g, i, open)) continue;
        const task *t = member_task(b, g, i);
        uint64_t out = task_outstanding(t), w = per_worker ? t->def->workers : 1;
        /* out / w < best_out / best_w, without division */
        if (best == REQUEST_NONE || out * best_w < best_out * w) {
            best = i;
            best_out = out;
            best_w = w;
            ties = 1;
        } else if (out * best_w == best_out * w && gsl_rng_uniform_int(b->rng, ++ties) == 0) {
            best = i;
        }
    }
    return g->members[best];
}

/* A usable member uniformly at random (by rejection when some are not). */
static uint32_t random_member(lb *b, tgroup *g, int open)
{
    for (;;) {
        uint32_t i = (uint32_t) gsl_rng_uniform_int(b->rng, g->n);
        if (usable(b, g, i, open)) return i;
    }
}

/* Two distinct usable members at random, the one whose task holds fewer
 * requests (the first drawn on a tie). */
static uint32_t pick_two(lb *b, tgroup *g, int open)
{
    uint32_t usable_n = open ? g->n : g->n_healthy;
    uint32_t i = random_member(b, g, open);
    if (usable_n < 2) return g->members[i];
    uint32_t j;
    do j = random_member(b, g, open);
    while (j == i);
    return task_outstanding(member_task(b, g, j)) < task_outstanding(member_task(b, g, i))
               ? g->members[j]
               : g->members[i];
}

/* Smooth weighted round robin (NGINX's upstream weights): each pick adds
 * every usable member's weight (its task's CPU units) to its counter, takes
 * the largest counter (the first on a tie) and takes the sum of the weights
 * back from it. Over any W picks, W the sum of the weights, each member gets
 * exactly its weight, interleaved rather than in bursts. */
static uint32_t pick_wrr(lb *b, tgroup *g, int open)
{
    uint32_t best = REQUEST_NONE;
    int64_t total = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (!usable(b, g, i, open)) continue;
        target *t = &b->t[g->members[i]];
        int64_t w = member_task(b, g, i)->def->cpu_units;
        t->wrr_cur += w > 0 ? w : 1;
        total += w > 0 ? w : 1;
        if (best == REQUEST_NONE || t->wrr_cur > b->t[g->members[best]].wrr_cur) best = i;
    }
    b->t[g->members[best]].wrr_cur -= total;
    return g->members[best];
}

/* The rule's weighted forward among two or more target groups. */
tgroup *lbpick_group_weighted(lb *b)
{
    double u = gsl_rng_uniform(b->rules_rng) * b->total_weight;
    for (uint32_t i = 0; i + 1 < b->n_tgs; i++) {
        if (u < b->tgs[i].weight) return &b->tgs[i];
        u -= b->tgs[i].weight;
    }
    /* the last group with weight (rounding can leave u at the end) */
    uint32_t i = b->n_tgs - 1;
    while (i > 0 && b->tgs[i].weight <= 0) i--;
    return &b->tgs[i];
}

uint32_t lbpick_target(lb *b, tgroup *g)
{
    int open = g->n_healthy == 0; /* fail open: every registered target */
    switch (b->algorithm) {
    case LB_LEAST_OUTSTANDING:
        return pick_lor(b, g, open);
    case LB_WEIGHTED_RANDOM:
    case LB_RANDOM:
        return pick_random(b, g, open);
    case LB_JOIN_SHORTEST_QUEUE:
        return pick_fewest(b, g, open, 0);
    case LB_LEAST_UTILISATION:
        return pick_fewest(b, g, open, 1);
    case LB_POWER_OF_TWO:
        return pick_two(b, g, open);
    case LB_WEIGHTED_ROUND_ROBIN:
        return pick_wrr(b, g, open);
    case LB_ROUND_ROBIN:
    default:
        return pick_rr(b, g, open);
    }
}

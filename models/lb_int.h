/* lb_int.h -- the load balancer's records, shared by lb.c (registration,
 * health, slow start, deregistration, the idle timeout) and lbpick.c (how a
 * target group picks a target) and by no one else: everything outside
 * reads a load balancer through lb.h. */
#ifndef ECSIM_LB_INT_H
#define ECSIM_LB_INT_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/lb.h"

#define NO_NOTE 0xff

/* Why a deregistration completed, for events.csv. */
enum { DONE_IDLE, DONE_DRAINED, DONE_DELAY };

typedef struct target {
    uint32_t task;     /* REQUEST_NONE: a free record */
    uint64_t delay_ev; /* the pending deregistration delay, 0 when none */
    double credit;     /* weighted round robin: picks earned by a target in slow start */
    int64_t wrr_cur;   /* weighted_round_robin: the smooth algorithm's running counter */
    double ss_start_s; /* when slow start began */
    uint8_t state;     /* lb_state */
    uint8_t ss;        /* in slow start */
    uint8_t ok_run;    /* consecutive passed checks */
    uint8_t fail_run;  /* consecutive failed checks */
    uint8_t probe_out; /* a check is in flight (its record is not reused before it ends) */
    uint8_t ss_ok;     /* registered when its group had a healthy target out of slow start */
    uint8_t note_from; /* state before a change not yet told to the cluster, or NO_NOTE */
    uint8_t done_why;  /* DONE_* */
    uint32_t tg;       /* its target group */
    uint32_t next_free;
    int last_fail; /* status of the last failed check: 504 or 502 */
    uint32_t cut;  /* requests answered 502 when the deregistration delay ended */
    double reg_s;  /* registration time: checks fall at reg_s + k * interval */
    uint64_t k;    /* checks sent */
    uint64_t check_ev, ss_ev, done_ev, note_ev; /* pending timers, 0 when none */
} target;

typedef struct tgroup {
    uint16_t service;
    double weight;     /* the rule's weight */
    uint32_t *members; /* target records: registered, not draining, in registration order */
    uint32_t n, cap;
    uint32_t n_healthy; /* members healthy */
    uint32_t n_full;    /* members healthy and out of slow start */
    uint32_t cursor;    /* round robin: next position; least outstanding: where ties start */
} tgroup;

typedef struct idle_entry {
    uint32_t req, seq;
} idle_entry;

struct lb {
    const char *name;
    uint32_t idx;
    lb_env *env;
    lb_algorithm algorithm;
    gsl_rng *rng;       /* random and weighted_random picks: "lb:<name>" */
    gsl_rng *rules_rng; /* the weighted forward among target groups: "lb_rules:<name>" */
    int checks;         /* health checks on */
    double interval_s, timeout_s, demand_s;
    uint32_t healthy_threshold, unhealthy_threshold;
    double slow_start_s, delay_s, idle_s;
    tgroup *tgs;
    uint32_t n_tgs;
    double total_weight;
    target *t;
    uint32_t n_t, cap_t, free_t;
    /* the per-request counts by record, apart from the records so the hot
     * path reads a few dense words: */
    uint32_t *inflight;  /* attempts routed to it that the load balancer still waits on */
    uint32_t *task_of;   /* its task, REQUEST_NONE for a free record */
    uint64_t *routed;    /* attempts routed to it */
    uint32_t n_delaying; /* draining targets waiting for their delay */
    uint32_t *by_task;   /* task id -> record, REQUEST_NONE */
    uint32_t cap_by_task;
    idle_entry *ring; /* attempts in arrival order, for the idle timeout */
    uint32_t ring_cap, ring_head, ring_len;
    uint32_t seq;
    uint64_t idle_ev;
    uint64_t outstanding;
    uint64_t n_504, n_cut;
};

/* A target in slow start: its share of a full target's traffic, rising
 * linearly from 0 to 1 over slow_start_s. */
static inline double lb_ss_weight(const lb *b, const target *t, double now)
{
    double w = (now - t->ss_start_s) / b->slow_start_s;
    return w < 0 ? 0 : w > 1 ? 1 : w;
}

/* The target group a request goes to: the only one, or by the rule's
 * weights (stream "lb_rules:<name>"). */
tgroup *lbpick_group_weighted(lb *b);
static inline tgroup *lbpick_group(lb *b)
{
    return b->n_tgs == 1 ? &b->tgs[0] : lbpick_group_weighted(b);
}

/* A target record of group g (not empty) by the load balancer's algorithm;
 * every healthy member is a candidate, every member when none is (ALB fails
 * open). */
uint32_t lbpick_target(lb *b, tgroup *g);

#endif

/* evq.h -- the future event list: a binary heap of small value records.
 * Ordered by (time, seq): seq is taken from a per-queue counter at insertion,
 * so events at the same time leave in the order they were scheduled and a run
 * is a pure function of its inputs. Records are stored by value: pushing and
 * popping never allocate except when the heap array doubles. Cancellation is
 * lazy: a cancelled seq is remembered in a small hash set and skipped when it
 * reaches the top, so the hot path pays one branch while nothing is cancelled. */
#ifndef ECSIM_EVQ_H
#define ECSIM_EVQ_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ev {
    double t_s;      /* simulated time the event fires */
    uint64_t seq;    /* insertion order; also the event's handle */
    uint32_t kind;   /* index into the simulator's handler table */
    uint32_t target; /* the object the event is for (model-defined index) */
} ev;                /* 24 bytes: the heap moves these by value, so size is speed */

typedef struct evq {
    ev *heap;
    size_t len, cap;
    uint64_t next_seq;
    int top_dead;        /* heap[0] was popped: its place is a hole (evq.c) */
    int has_pend;        /* pend holds a pushed event not yet in the heap */
    ev pend;             /* (only while top_dead) */
    uint64_t *cancelled; /* open-addressing set of cancelled seqs (0 = empty) */
    size_t n_cancelled, cancel_cap;
} evq;

void evq_init(evq *q);
void evq_fini(evq *q);

/* Schedules an event and returns its seq (never 0), the handle evq_cancel takes. */
static inline uint64_t evq_push(evq *q, double t_s, uint32_t kind, uint32_t target);

/* Removes the earliest live event into *out; returns 0 when the queue is empty. */
int evq_pop(evq *q, ev *out);

/* Time of the earliest live event, or INFINITY when empty. */
double evq_peek_time(evq *q);

/* Cancels a pending event by its seq. The caller must know the event is still
 * pending (an owner keeps its timer's armed flag); cancelling twice or a seq
 * that was never issued is asserted. */
void evq_cancel(evq *q, uint64_t seq);

/* Live events (pushed, not yet popped or cancelled). */
size_t evq_len(const evq *q);

/* evq_push but for its commonest case, inline: the first event a handler
 * schedules waits beside the hole its own event left (evq.c). */
uint64_t evq__push(evq *q, double t_s, uint32_t kind, uint32_t target);

static inline uint64_t evq_push(evq *q, double t_s, uint32_t kind, uint32_t target)
{
    if (!q->top_dead || q->has_pend || isnan(t_s)) return evq__push(q, t_s, kind, target);
    q->pend = (ev){t_s, q->next_seq++, kind, target};
    q->has_pend = 1;
    return q->pend.seq;
}

/* sim_run's step, peek and pop in one call: the earliest live event into
 * *out if its time is <= until_s (returns 1); 0 when the queue is empty; -1
 * when the earliest is later than until_s (left in the queue). */
int evq__next(evq *q, double until_s, ev *out);

#endif

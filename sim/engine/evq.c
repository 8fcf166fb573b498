/* evq.c -- the binary heap behind the future event list.
 * Tuned for the common case of a simulation: a few hundred pending events,
 * one pop and one or two pushes per event, almost no cancellations. Records
 * move by value with the hole technique (one write per level).
 *
 * A pop hands the top out but leaves its place empty (top_dead), since the
 * handler it dispatches usually schedules an event or two: the first push
 * waits beside the hole (pend). A second push settles both: the earlier one
 * fills the hole from the root, the later one is appended and sifts up. In
 * a queueing run that is an arrival (due soon: it stops near the root) and
 * a completion (due late: it stops near the leaves), where filling the hole
 * with the completion and sifting the arrival up from a leaf would walk the
 * height of the heap twice. At the next pop a waiting event earlier than
 * both children of the hole is the next event and is handed out without
 * touching the heap; else it fills the hole, or, when no push came, the
 * last record does. The queue's contents, and so its pop order, are the
 * same as a plain heap's.
 *
 * Cancelled seqs sit in an open-addressing hash set that evq_pop consults
 * only while it is non-empty. */
#include "evq.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define EVQ_INITIAL_CAP 256

void evq_init(evq *q)
{
    memset(q, 0, sizeof *q);
    q->cap = EVQ_INITIAL_CAP;
    q->heap = xmalloc(q->cap * sizeof *q->heap);
    q->next_seq = 1;
}

void evq_fini(evq *q)
{
    free(q->heap);
    free(q->cancelled);
    memset(q, 0, sizeof *q);
}

static inline int before(const ev *a, const ev *b)
{
    return a->t_s < b->t_s || (a->t_s == b->t_s && a->seq < b->seq);
}

/* Sifts x down from the root of heap[0, n), whose root is free. Which
 * child is earlier is a coin toss the branch predictor loses, so it is
 * added as a 0 or 1 rather than branched on; equal times, which are rare,
 * take the (predictable) branch to compare seqs. */
static inline void sift_down(ev *h, size_t n, ev x)
{
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n) {
            double t0 = h[c].t_s, t1 = h[c + 1].t_s;
            if (t0 == t1)
                c += h[c + 1].seq < h[c].seq;
            else
                c += t1 < t0;
        }
        if (!before(&h[c], &x)) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

/* Appends e and sifts it up. */
static void sift_up(evq *q, ev e)
{
    if (q->len == q->cap) {
        q->cap *= 2;
        q->heap = xrealloc(q->heap, q->cap * sizeof *q->heap);
    }
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) >> 1;
        if (!before(&e, &q->heap[parent])) break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = e;
}

uint64_t evq__push(evq *q, double t_s, uint32_t kind, uint32_t target)
{
    assert(!isnan(t_s));
    ev e = {t_s, q->next_seq++, kind, target};
    if (!q->top_dead) {
        sift_up(q, e);
    } else if (!q->has_pend) {
        q->pend = e; /* waits beside the hole for the next pop or push */
        q->has_pend = 1;
    } else {
        /* two new events, one hole: the earlier fills it, the later is appended */
        q->top_dead = q->has_pend = 0;
        if (before(&e, &q->pend)) {
            sift_down(q->heap, q->len, e);
            sift_up(q, q->pend);
        } else {
            sift_down(q->heap, q->len, q->pend);
            sift_up(q, e);
        }
    }
    return e.seq;
}

/* Removes the top for good. */
static void remove_top(evq *q)
{
    size_t n = --q->len;
    if (n > 0) sift_down(q->heap, n, q->heap[n]);
}

/* The hole left by a pop is filled: by the waiting event if there is one,
 * else by the last record. */
static inline void settle(evq *q)
{
    if (!q->top_dead) return;
    q->top_dead = 0;
    if (q->has_pend) {
        q->has_pend = 0;
        sift_down(q->heap, q->len, q->pend);
    } else {
        remove_top(q);
    }
}

/* The cancelled set: linear probing on a power-of-two table, with
 * backward-shift deletion so no tombstones accumulate. */
static size_t slot_of(uint64_t seq, size_t cap)
{
    uint64_t h = seq * 0x9e3779b97f4a7c15ULL;
    return (size_t) (h >> 32) & (cap - 1);
}

static int cancelled_take(evq *q, uint64_t seq)
{
    size_t mask = q->cancel_cap - 1, i = slot_of(seq, q->cancel_cap);
    while (q->cancelled[i] != seq) {
        if (q->cancelled[i] == 0) return 0;
        i = (i + 1) & mask;
    }
    /* backward-shift delete */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (q->cancelled[j] == 0) break;
        size_t home = slot_of(q->cancelled[j], q->cancel_cap);
        /* move j into the hole at i if its home is not in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            q->cancelled[i] = q->cancelled[j];
            i = j;
        }
    }
    q->cancelled[i] = 0;
    q->n_cancelled--;
    return 1;
}

static void cancelled_insert(evq *q, uint64_t seq)
{
    if (2 * (q->n_cancelled + 1) > q->cancel_cap) {
        size_t old_cap = q->cancel_cap;
        uint64_t *old = q->cancelled;
        q->cancel_cap = old_cap ? old_cap * 2 : 64;
        q->cancelled = xcalloc(q->cancel_cap, sizeof *q->cancelled);
        q->n_cancelled = 0;
        for (size_t k = 0; k < old_cap; k++)
            if (old[k]) cancelled_insert(q, old[k]);
        free(old);
    }
    size_t mask = q->cancel_cap - 1, i = slot_of(seq, q->cancel_cap);
    while (q->cancelled[i] != 0) {
        assert(q->cancelled[i] != seq && "event cancelled twice");
        i = (i + 1) & mask;
    }
    q->cancelled[i] = seq;
    q->n_cancelled++;
}

int evq_pop(evq *q, ev *out)
{
    settle(q);
    while (q->len > 0) {
        if (q->n_cancelled == 0 || !cancelled_take(q, q->heap[0].seq)) {
            *out = q->heap[0];
            q->top_dead = 1;
            return 1;
        }
        remove_top(q);
    }
    return 0;
}

double evq_peek_time(evq *q)
{
    settle(q);
    while (q->len > 0) {
        if (q->n_cancelled == 0 || !cancelled_take(q, q->heap[0].seq)) return q->heap[0].t_s;
        remove_top(q);
    }
    return INFINITY;
}

int evq__next(evq *q, double until_s, ev *out)
{
    if (q->top_dead && q->has_pend) {
        const ev *p = &q->pend;
        size_t n = q->len;
        if (q->n_cancelled > 0 && cancelled_take(q, p->seq)) {
            q->has_pend = 0; /* cancelled before it reached the heap */
        } else if (p->t_s <= until_s && (n < 2 || before(p, &q->heap[1])) &&
                   (n < 3 || before(p, &q->heap[2]))) {
            /* before both children of the hole, so before everything: the
             * next event; the hole stays for the next push */
            *out = *p;
            q->has_pend = 0;
            return 1;
        }
    }
    settle(q);
    while (q->len > 0) {
        if (q->n_cancelled == 0 || !cancelled_take(q, q->heap[0].seq)) {
            if (q->heap[0].t_s > until_s) return -1;
            *out = q->heap[0];
            q->top_dead = 1;
            return 1;
        }
        remove_top(q);
    }
    return 0;
}

void evq_cancel(evq *q, uint64_t seq)
{
    assert(seq > 0 && seq < q->next_seq && "cancelling an event that was never scheduled");
    cancelled_insert(q, seq);
}

size_t evq_len(const evq *q)
{
    return q->len - (size_t) q->top_dead + (size_t) q->has_pend - q->n_cancelled;
}

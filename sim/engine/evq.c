/* evq.c -- the binary heap behind the future event list.
 * Tuned for the common case of a simulation: a few hundred pending events,
 * one pop and one or two pushes per event, almost no cancellations. Records
 * move by value with the hole technique (one write per level). Cancelled
 * seqs sit in an open-addressing hash set that evq_pop consults only while
 * it is non-empty. */
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

uint64_t evq_push(evq *q, double t_s, uint32_t kind, uint32_t target)
{
    assert(!isnan(t_s));
    if (q->len == q->cap) {
        q->cap *= 2;
        q->heap = xrealloc(q->heap, q->cap * sizeof *q->heap);
    }
    ev e = {t_s, q->next_seq++, kind, target};
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) >> 1;
        if (!before(&e, &q->heap[parent])) break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = e;
    return e.seq;
}

static void pop_top(evq *q, ev *out)
{
    *out = q->heap[0];
    ev last = q->heap[--q->len];
    size_t n = q->len, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c])) c++;
        if (!before(&q->heap[c], &last)) break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    q->heap[i] = last;
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
    while (q->len > 0) {
        pop_top(q, out);
        if (q->n_cancelled == 0 || !cancelled_take(q, out->seq)) return 1;
    }
    return 0;
}

double evq_peek_time(evq *q)
{
    while (q->len > 0) {
        if (q->n_cancelled == 0 || !cancelled_take(q, q->heap[0].seq)) return q->heap[0].t_s;
        ev dead;
        pop_top(q, &dead);
    }
    return INFINITY;
}

void evq_cancel(evq *q, uint64_t seq)
{
    assert(seq > 0 && seq < q->next_seq && "cancelling an event that was never scheduled");
    cancelled_insert(q, seq);
}

size_t evq_len(const evq *q)
{
    return q->len - q->n_cancelled;
}

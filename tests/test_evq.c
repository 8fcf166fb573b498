/* test_evq.c -- the event queue against a sorted-array oracle: random
 * times with many ties must come out in (time, insertion) order; cancelled
 * events never come out; the kernel's fingerprint is a function of the
 * event sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <math.h>

#include "sim/engine/evq.h"
#include "sim/engine/sim.h"

typedef struct {
    double t;
    uint64_t seq;
} oracle_ev;

static int by_time_seq(const void *a, const void *b)
{
    const oracle_ev *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void test_order_with_ties(void **state)
{
    (void) state;
    enum { N = 20000 };
    evq q;
    evq_init(&q);
    oracle_ev *o = malloc(N * sizeof *o);
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double t = (double) ((x >> 33) % 500); /* 500 distinct times: many ties */
        o[i].t = t;
        o[i].seq = evq_push(&q, t, (uint32_t) (i % 7), (uint32_t) i);
    }
    qsort(o, N, sizeof *o, by_time_seq);
    assert_int_equal(evq_len(&q), N);
    for (int i = 0; i < N; i++) {
        ev e;
        assert_true(evq_pop(&q, &e));
        assert_true(e.t_s == o[i].t);
        assert_int_equal(e.seq, o[i].seq);
    }
    ev e;
    assert_false(evq_pop(&q, &e));
    assert_true(isinf(evq_peek_time(&q)));
    free(o);
    evq_fini(&q);
}

static void test_interleaved_push_pop(void **state)
{
    (void) state;
    evq q;
    evq_init(&q);
    double now = 0;
    uint64_t x = 99;
    int popped = 0;
    evq_push(&q, 0.0, 0, 0);
    while (popped < 100000) {
        ev e;
        assert_true(evq_pop(&q, &e));
        assert_true(e.t_s >= now);
        now = e.t_s;
        popped++;
        for (int k = 0; k < 2 && evq_len(&q) < 1000; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            evq_push(&q, now + (double) ((x >> 40) % 100) / 10.0, 0, 0);
        }
    }
    evq_fini(&q);
}

static void test_cancel(void **state)
{
    (void) state;
    evq q;
    evq_init(&q);
    uint64_t h[1000];
    for (int i = 0; i < 1000; i++) h[i] = evq_push(&q, (double) (i % 10), 0, (uint32_t) i);
    for (int i = 0; i < 1000; i += 3) evq_cancel(&q, h[i]);
    assert_int_equal(evq_len(&q), 1000 - 334);
    int seen = 0;
    double last = -1;
    ev e;
    while (evq_pop(&q, &e)) {
        assert_true(e.target % 3 != 0);
        assert_true(e.t_s >= last);
        last = e.t_s;
        seen++;
    }
    assert_int_equal(seen, 666);
    /* cancelling the earliest event moves peek to the next one */
    uint64_t a = evq_push(&q, 1.0, 0, 1);
    evq_push(&q, 2.0, 0, 2);
    evq_cancel(&q, a);
    assert_true(evq_peek_time(&q) == 2.0);
    assert_int_equal(evq_len(&q), 1);
    evq_fini(&q);
}

typedef struct {
    int count;
    double times[8];
} recorder_ctx;

static void note(void *ctx, sim *s, const ev *e)
{
    recorder_ctx *r = ctx;
    (void) e;
    r->times[r->count++] = sim_now(s);
}

static uint64_t fingerprint_of(double t1, double t2)
{
    sim *s = sim_new(1);
    recorder_ctx r = {0, {0}};
    uint32_t k = sim_kind(s, "note", note, &r);
    sim_at(s, t1, k, 1);
    sim_at(s, t2, k, 2);
    ecs_err e;
    err_clear(&e);
    assert_int_equal(sim_run(s, INFINITY, &e), ECS_OK);
    uint64_t fp = s->fingerprint;
    assert_int_equal(s->n_events, 2);
    sim_free(s);
    return fp;
}

static void test_fingerprint(void **state)
{
    (void) state;
    assert_true(fingerprint_of(1.0, 2.0) == fingerprint_of(1.0, 2.0));
    assert_true(fingerprint_of(1.0, 2.0) != fingerprint_of(1.0, 2.5));
    assert_true(fingerprint_of(1.0, 2.0) != fingerprint_of(2.0, 1.0));
}

static void test_run_until(void **state)
{
    (void) state;
    sim *s = sim_new(1);
    recorder_ctx r = {0, {0}};
    uint32_t k = sim_kind(s, "note", note, &r);
    sim_at(s, 1.0, k, 0);
    sim_at(s, 5.0, k, 0);
    ecs_err e;
    err_clear(&e);
    assert_int_equal(sim_run(s, 3.0, &e), ECS_OK);
    assert_int_equal(r.count, 1);
    assert_true(sim_now(s) == 3.0); /* the clock stops at the cap */
    assert_int_equal(sim_run(s, INFINITY, &e), ECS_OK);
    assert_int_equal(r.count, 2);
    assert_true(sim_now(s) == 5.0);
    sim_free(s);
}

static void failing(void *ctx, sim *s, const ev *e)
{
    (void) ctx;
    (void) e;
    sim_fail(s, ECS_EINPUT, "trace.csv:7: bad row");
}

static void test_fail_stops_run(void **state)
{
    (void) state;
    sim *s = sim_new(1);
    uint32_t k = sim_kind(s, "fail", failing, NULL);
    sim_at(s, 1.0, k, 0);
    sim_at(s, 2.0, k, 0);
    ecs_err e;
    err_clear(&e);
    assert_int_equal(sim_run(s, INFINITY, &e), ECS_EINPUT);
    assert_string_equal(e.msg, "trace.csv:7: bad row");
    assert_int_equal(s->n_events, 1);
    sim_free(s);
}

/* The queue against a plain model (an unordered list of the live events,
 * searched for its (time, seq) minimum) under random pushes with many ties, pops, cancellations,
 * peeks and bounded steps: the popped order, the handles and the lengths agree. Pushes right after
 * a pop exercise the hole a popped event leaves for the next one scheduled (evq.c). */
typedef struct model_ev {
    double t;
    uint64_t seq;
    uint32_t target;
    int live;
} model_ev;

static int model_min(const model_ev *m, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (m[i].live &&
            (best < 0 || m[i].t < m[best].t || (m[i].t == m[best].t && m[i].seq < m[best].seq)))
            best = (int) i;
    return best;
}

static void test_against_model(void **state)
{
    (void) state;
    enum { OPS = 200000, CAP = OPS };
    model_ev *m = calloc(CAP, sizeof *m);
    size_t n = 0, live = 0, most = 0;
    evq q;
    evq_init(&q);
    uint64_t x = 12345;
    double now = 0;
    for (int op = 0; op < OPS; op++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned) (x >> 33) % 100;
        if (r < 45 || live == 0) { /* push, often at a time already used */
            double t = now + (double) ((x >> 20) % 8) * 0.5;
            uint64_t seq = evq_push(&q, t, 1, (uint32_t) op);
            m[n] = (model_ev){t, seq, (uint32_t) op, 1};
            n++;
            live++;
        } else if (r < 80) { /* pop, then usually schedule at once */
            ev e;
            int want = model_min(m, n);
            assert_int_equal(evq_pop(&q, &e), 1);
            assert_int_equal(e.target, m[want].target);
            assert_true(e.seq == m[want].seq && e.t_s == m[want].t);
            m[want] = m[--n];
            live--;
            now = e.t_s;
        } else if (r < 90) { /* cancel a pending event */
            size_t k = (size_t) ((x >> 10) % n);
            evq_cancel(&q, m[k].seq);
            m[k] = m[--n];
            live--;
        } else if (r < 95) { /* peek */
            int want = model_min(m, n);
            assert_true(evq_peek_time(&q) == m[want].t);
        } else { /* a bounded step: only what is due by `until` */
            double until = now + (double) ((x >> 12) % 4) * 0.5;
            int want = model_min(m, n);
            ev e;
            int rc = evq__next(&q, until, &e);
            if (m[want].t <= until) {
                assert_int_equal(rc, 1);
                assert_true(e.seq == m[want].seq);
                m[want] = m[--n];
                live--;
                now = e.t_s;
            } else {
                assert_int_equal(rc, -1);
            }
        }
        assert_int_equal(evq_len(&q), live);
        if (live > most) most = live;
    }
    printf("  model check: %d operations, up to %zu events pending\n", OPS, most);
    assert_true(most >= 64); /* deep enough for the heap's paths to matter */
    evq_fini(&q);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_with_ties), cmocka_unit_test(test_interleaved_push_pop),
        cmocka_unit_test(test_cancel),          cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_run_until),       cmocka_unit_test(test_fail_stops_run),
        cmocka_unit_test(test_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

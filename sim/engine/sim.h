/* sim.h -- the simulation kernel: clock, event queue, handler table, streams.
 * A sim owns its event queue, its named random streams and the table of event
 * kinds that models register ({name, handler, context}). sim_run pops events
 * in (time, seq) order and dispatches them; every event is folded into a
 * 64-bit determinism fingerprint. Nothing here knows about clusters; several
 * sims can live in one process (paired runs, tests, the visualiser). */
#ifndef ECSIM_SIM_H
#define ECSIM_SIM_H

#include <assert.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "err.h"
#include "evq.h"
#include "rng.h"

typedef struct sim sim;
typedef void (*sim_handler_fn)(void *ctx, sim *s, const ev *e);
/* Invariant check run after every event in --check mode: 0 if all hold, else
 * -1 with `why` filled. */
typedef int (*sim_check_fn)(void *ctx, const sim *s, char *why, size_t why_len);

#define SIM_MAX_KINDS 64

struct sim {
    double now_s;
    evq q;
    rng_set *rngs;
    uint64_t n_events;
    uint64_t fingerprint;
    uint32_t n_kinds;
    struct sim_kind {
        const char *name;
        sim_handler_fn fn;
        void *ctx;
    } kinds[SIM_MAX_KINDS];
    sim_check_fn check;
    void *check_ctx;
    int stop;    /* set by sim_stop: sim_run returns after this event */
    ecs_err err; /* a handler's error (sim_fail); ends the run */
};

/* Caller owns; sim_free releases the queue and every stream. */
sim *sim_new(uint64_t run_seed);
void sim_free(sim *s);

/* Registers an event kind and returns its index. Names appear in traces and
 * the fingerprint, so they must stay stable. */
uint32_t sim_kind(sim *s, const char *name, sim_handler_fn fn, void *ctx);

/* Schedules an event at absolute time t_s >= now (asserted) and returns its
 * handle for sim_cancel. Inline: handlers call it once or twice per event. */
static inline uint64_t sim_at(sim *s, double t_s, uint32_t kind, uint32_t target)
{
    assert(t_s >= s->now_s && "scheduling an event in the past");
    assert(kind < s->n_kinds);
    return evq_push(&s->q, t_s, kind, target);
}

void sim_cancel(sim *s, uint64_t handle);

gsl_rng *sim_rng(sim *s, const char *stream_name);

void sim_set_check(sim *s, sim_check_fn fn, void *ctx);

/* A handler met bad input mid-run (a broken trace row): the run stops after
 * this event and sim_run returns the error. */
void sim_fail(sim *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends the run after the current event (not an error). */
void sim_stop(sim *s);

/* Runs events with time <= until_s (INFINITY: until the queue is empty or
 * sim_stop). The clock ends at the last event's time, or at until_s when
 * events remain beyond it. Returns ECS_OK, or the code of sim_fail / a
 * failed --check invariant with e filled. */
int sim_run(sim *s, double until_s, ecs_err *e);

static inline double sim_now(const sim *s)
{
    return s->now_s;
}

#endif

/* observe.h -- watching a run while it happens, without changing it.
 * An observer (the visualiser, a test) is handed the world read-only between
 * stretches of simulated time it asks for, and each events.csv line as it is
 * written. The run is the same with or without one: the simulation advances
 * by sim_run to the times the observer names, and sim_run processes every
 * event with time <= the limit in (time, seq) order whatever the limits
 * are, so the events, the fingerprint and every output byte are unchanged
 * (tests/test_observe.c checks this). An observer never calls a model verb,
 * never schedules and never draws from a random stream. */
#ifndef ECSIM_OBSERVE_H
#define ECSIM_OBSERVE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/engine/param.h"
#include "sim/engine/sim.h"

struct cluster;

/* Where a run stands when the observer is asked what next. */
typedef struct observe_status {
    double now_s;    /* simulated time: every event at or before it has happened */
    double next_s;   /* time of the next pending event; INFINITY when none */
    uint64_t events; /* events so far */
    int ended;       /* no event will run any more (the queue is empty, the run stopped, or
                        the --until limit is reached): answering OBSERVE_RUN ends the run */
} observe_status;

typedef enum { OBSERVE_RUN, OBSERVE_QUIT } observe_action;

typedef struct run_observer {
    void *ctx;
    /* The world is built and its outputs are open; nothing has happened yet
     * (cluster_start follows). May be NULL. */
    void (*begin)(void *ctx, const struct cluster *c, const params *p, const char *scenario);
    /* What next: OBSERVE_RUN with *until_s, the simulated time to run to (at
     * most the run's --until; a time not after now_s runs nothing), or
     * OBSERVE_QUIT: the run is abandoned and writes no output file. */
    observe_action (*advance)(void *ctx, const struct cluster *c, const observe_status *st,
                              double *until_s);
    /* One events.csv line as the recorder writes it (no newline; the line
     * is not NUL-terminated). May be NULL. */
    void (*event_line)(void *ctx, const char *line, size_t len);
    /* The run is over: rc is its result (ECS_OK when the output files were
     * written into out_dir). The world is still there to be looked at. May
     * be NULL. */
    void (*finish)(void *ctx, const struct cluster *c, int rc, const char *out_dir);
} run_observer;

/* A stream that writes everything through to `real` (the same bytes, in the
 * same order) and hands each complete line to obs->event_line. Closing it
 * (observe_tee_close) flushes it into `real` and leaves `real` open. Aborts
 * if the C library cannot make the stream (out of memory). */
FILE *observe_tee(FILE *real, const run_observer *obs);
/* fclose(*tee) and *tee = NULL; a NULL *tee is a no-op. */
void observe_tee_close(FILE **tee);

/* sim_run(s, until_s, e), in the stretches obs->advance asks for. Returns
 * what sim_run would, or ECS_EINTR with e saying so when the observer quit
 * before the end. */
int observe_run(const run_observer *obs, struct cluster *c, sim *s, double until_s, ecs_err *e);

#endif

/* probe.h -- health-check probes: a small request sent through a task's
 * queue and CPU like any other (DESIGN.md: "Health checks are requests
 * through the task's queue and CPU with the check's timeout: an overloaded
 * task fails them, as a real one does"), whose result goes back to the one
 * who sent it. Load balancer target health checks (lb.c) and the ECS
 * container health check use it. A probe passes when the task answers 200
 * within the timeout; it fails on the timeout (the task keeps the probe
 * and works on it, as with a client that gave up), on a refusal (full
 * queue) or a reset (the task killed under it), and at once when the task
 * is not serving. Probes are not requests in the outputs: they count only
 * in the requests a task holds (the recorder's in_flight), and they use the
 * task's CPU. Owns nothing on the heap: the result's address rides in the
 * request record. */
#ifndef ECSIM_PROBE_H
#define ECSIM_PROBE_H

#include <stdint.h>

#include "models/request.h"
#include "models/task.h"
#include "sim/engine/sim.h"

/* A probe's result: 200 passed; 504 not answered within its timeout; 502
 * refused, reset, or the task was not serving. It may be called inside
 * probe_send (a refusal) or inside a task's completion (probe_answer), so
 * it must not start, stop or move tasks: defer such work to an event. */
typedef void (*probe_fn)(void *ctx, uint32_t cookie, int status);

#define PROBE_MAX_CLIENTS 8

typedef struct probe_env {
    task_env *tenv;
    uint32_t kind_timeout;
    uint16_t n_clients;
    probe_fn fn[PROBE_MAX_CLIENTS];
    void *ctx[PROBE_MAX_CLIENTS];
    uint64_t sent, passed, failed; /* probes, all time */
    uint32_t held;                 /* probes tasks hold now (answered or not) */
} probe_env;

/* Registers the timeout event with s. tenv may be initialised later (only
 * its address is kept). Cannot fail. */
void probe_env_init(probe_env *pe, sim *s, task_env *tenv);

/* Registers one user of probes (a load balancer's health checks, the ECS
 * agent's container checks) and returns the id probe_send takes. At most
 * PROBE_MAX_CLIENTS (asserted). */
uint16_t probe_client(probe_env *pe, probe_fn fn, void *ctx);

/* Sends a probe of demand_s CPU-seconds to task t, to be answered within
 * timeout_s (> 0); `fn` of `client` gets `cookie` and the status once. */
void probe_send(probe_env *pe, uint16_t client, task *t, double demand_s, double timeout_s,
                uint32_t cookie);

/* The tasks' answer function hands it every REQUEST_PROBE request it gets;
 * it reports the result (unless the probe had timed out) and gives the
 * request back. */
void probe_answer(probe_env *pe, uint32_t req, int status);

/* True while task t takes requests (RUNNING, or DEACTIVATING while it
 * drains): a probe or a request sent to any other is refused (502). */
static inline int probe_task_serving(const task *t)
{
    return t->state == TASK_RUNNING || t->state == TASK_DEACTIVATING;
}

#endif

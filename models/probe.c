/* probe.c -- sending probes into tasks and routing their results back.
 * A probe is a request record with REQUEST_PROBE: probe_client and
 * probe_cookie say where its result goes, timeout_ev is its timeout. It
 * counts in the recorder as something a task holds (in_flight, n_in, n_out:
 * the --check invariants stay true) but never as a request or an attempt. */
#include "probe.h"

#include <assert.h>

static void on_timeout(void *ctx, sim *s, const ev *e);

void probe_env_init(probe_env *pe, sim *s, task_env *tenv)
{
    pe->tenv = tenv;
    pe->n_clients = 0;
    pe->sent = pe->passed = pe->failed = 0;
    pe->held = 0;
    pe->kind_timeout = sim_kind(s, "probe.timeout", on_timeout, pe);
}

uint16_t probe_client(probe_env *pe, probe_fn fn, void *ctx)
{
    assert(pe->n_clients < PROBE_MAX_CLIENTS);
    pe->fn[pe->n_clients] = fn;
    pe->ctx[pe->n_clients] = ctx;
    return pe->n_clients++;
}

static void report(probe_env *pe, uint16_t client, uint32_t cookie, int status)
{
    if (status == 200)
        pe->passed++;
    else
        pe->failed++;
    pe->fn[client](pe->ctx[client], cookie, status);
}

void probe_send(probe_env *pe, uint16_t client, task *t, double demand_s, double timeout_s,
                uint32_t cookie)
{
    assert(client < pe->n_clients && timeout_s > 0);
    task_env *tenv = pe->tenv;
    pe->sent++;
    if (!probe_task_serving(t)) {
        report(pe, client, cookie, 502); /* connection refused */
        return;
    }
    sim *s = tenv->s;
    double now = sim_now(s);
    uint32_t id = request_take(tenv->pool);
    request *r = &tenv->pool->r[id];
    r->arrival_s = r->first_s = now;
    r->demand_s = r->remaining_s = demand_s;
    r->since_s = now;
    r->done_ev = 0;
    r->task = t->id;
    r->slot = 0;
    r->probe_cookie = cookie;
    r->probe_client = client;
    r->lb_seq = 0;
    r->mem_mib = 0;
    r->service = t->service;
    r->cls = REQUEST_NO_CLASS;
    r->attempt = 0;
    r->flags = REQUEST_PROBE;
    /* held by a task: counted where --check compares tasks with the recorder */
    svc_meter *m = &tenv->rec->svc[t->service];
    m->n_in++;
    m->in_flight++;
    tenv->rec->in_flight++;
    pe->held++;
    r->timeout_ev = sim_at(s, now + timeout_s, pe->kind_timeout, id);
    task_accept(tenv, t, id); /* a refusal comes back through probe_answer at once */
}

void probe_answer(probe_env *pe, uint32_t id, int status)
{
    task_env *tenv = pe->tenv;
    request *r = &tenv->pool->r[id];
    uint16_t svc = r->service, client = r->probe_client;
    uint32_t cookie = r->probe_cookie;
    int gone = (r->flags & REQUEST_GONE) != 0; /* timed out: already reported */
    if (!gone) sim_cancel(tenv->s, r->timeout_ev);
    request_give(tenv->pool, id);
    pe->held--;
    recorder_attempt_out(tenv->rec, svc);
    if (!gone) report(pe, client, cookie, status == 200 ? 200 : 502);
}

static void on_timeout(void *ctx, sim *s, const ev *e)
{
    (void) s;
    probe_env *pe = ctx;
    request *r = &pe->tenv->pool->r[e->target];
    r->timeout_ev = 0;
    /* the task keeps it (and drops it unserved if it is still queued) */
    r->flags |= REQUEST_GONE;
    report(pe, r->probe_client, r->probe_cookie, 504);
}

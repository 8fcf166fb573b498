/* sim.c -- the event loop: pop, advance the clock, fingerprint, dispatch.
 * The fingerprint folds (event number, time bits, kind, target) of every
 * event into 64 bits with a multiply-xorshift mix, so any change in the
 * order or timing of events changes it; golden tests pin it per scenario. */
#include "sim.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xmalloc.h"

sim *sim_new(uint64_t run_seed)
{
    sim *s = xcalloc(1, sizeof *s);
    evq_init(&s->q);
    s->rngs = rng_set_new(run_seed);
    s->fingerprint = 0xcbf29ce484222325ULL;
    err_clear(&s->err);
    return s;
}

void sim_free(sim *s)
{
    if (!s) return;
    evq_fini(&s->q);
    rng_set_free(s->rngs);
    free(s);
}

uint32_t sim_kind(sim *s, const char *name, sim_handler_fn fn, void *ctx)
{
    assert(s->n_kinds < SIM_MAX_KINDS);
    s->kinds[s->n_kinds] = (struct sim_kind){name, fn, ctx};
    return s->n_kinds++;
}

void sim_cancel(sim *s, uint64_t handle)
{
    evq_cancel(&s->q, handle);
}

gsl_rng *sim_rng(sim *s, const char *stream_name)
{
    return rng_stream(s->rngs, stream_name);
}

void sim_set_check(sim *s, sim_check_fn fn, void *ctx)
{
    s->check = fn;
    s->check_ctx = ctx;
}

void sim_fail(sim *s, int code, const char *fmt, ...)
{
    if (s->err.code == ECS_OK) {
        va_list ap;
        va_start(ap, fmt);
        s->err.code = code;
        vsnprintf(s->err.msg, sizeof s->err.msg, fmt, ap);
        va_end(ap);
    }
    s->stop = 1;
}

void sim_stop(sim *s)
{
    s->stop = 1;
}

static inline uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x;
    h *= 0x100000001b3ULL * 0x9e3779b97f4a7c15ULL | 1;
    return h ^ (h >> 29);
}

int sim_run(sim *s, double until_s, ecs_err *e)
{
    ev cur;
    s->stop = 0;
    while (!s->stop) {
        int got = evq__next(&s->q, until_s, &cur);
        if (got == 0) break;
        if (got < 0) {
            if (isfinite(until_s) && until_s > s->now_s) s->now_s = until_s;
            break;
        }
        s->now_s = cur.t_s;
        s->n_events++;
        uint64_t tbits;
        memcpy(&tbits, &cur.t_s, sizeof tbits);
        s->fingerprint = mix(s->fingerprint, s->n_events ^ tbits);
        s->fingerprint = mix(s->fingerprint, ((uint64_t) cur.kind << 32) | cur.target);
        s->kinds[cur.kind].fn(s->kinds[cur.kind].ctx, s, &cur);
        if (s->check) {
            char why[512];
            if (s->check(s->check_ctx, s, why, sizeof why) != 0) {
                return err_set(e, ECS_EINTERNAL,
                               "--check: invariant broken after event %llu (%s at t=%.9g s): %s",
                               (unsigned long long) s->n_events, s->kinds[cur.kind].name, cur.t_s,
                               why);
            }
        }
    }
    if (s->err.code != ECS_OK) {
        err_set(e, s->err.code, "%s", s->err.msg);
        return s->err.code;
    }
    return ECS_OK;
}

/* client.c -- attempts, timeouts, retries and outcomes, and the routing of
 * every answer a task gives. Without a timeout or retries (the default) the
 * hot path is a few branches more than a bare request: route, send, answer
 * (the load balancer stops waiting), record, give back. */
#include "client.h"

#include <math.h>
#include <string.h>

const param_def client_params[] = {
    {"workloads.*.client.timeout_s", PT_REAL, "s", 0, 1e9, "0", NULL, 0, NULL,
     "How long a client waits for an answer before giving up on the attempt; 0 waits for "
     "ever. The server is not told: the attempt goes on (wasted work) unless still queued."},
    {"workloads.*.client.retries", PT_INT, "attempts", 0, 100, "0", NULL, 0, NULL,
     "Retries of a failed or timed-out attempt (see retry_on) after the first try."},
    {"workloads.*.client.retry_on", PT_ENUM, "", 0, 0, "both", "errors|timeouts|both", 0, NULL,
     "What is retried: error answers (502, 503), timeouts, or both."},
    {"workloads.*.client.backoff_base_s", PT_REAL, "s", 0, 1e6, "0.1", NULL, 0, NULL,
     "Backoff before the first retry; it doubles with each retry (exponential backoff)."},
    {"workloads.*.client.backoff_max_s", PT_REAL, "s", 0, 1e6, "20", NULL, 0, NULL,
     "Cap on the backoff (the AWS SDKs cap at 20 s)."},
    {"workloads.*.client.jitter", PT_ENUM, "", 0, 0, "full", "none|full|equal", 0, NULL,
     "Jitter on the backoff b: none (b), full (uniform in [0, b]), equal (b/2 plus uniform in "
     "[0, b/2]), as in AWS's \"Exponential Backoff And Jitter\"."},
    {"workloads.*.client.retry_budget", PT_REAL, "retries/request", 0, 100, "0", NULL, 0, NULL,
     "Retry budget: each first try earns this many tokens, each retry spends one, so retries "
     "stay under this fraction of requests (Finagle's RetryBudget); 0 for no budget."},
    {"workloads.*.client.retry_budget_burst", PT_REAL, "retries", 0, 1e9, "10", NULL, 0, NULL,
     "Tokens of the retry budget at t=0 and its most."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

void client_cfg_read(client_cfg *c, const params *p, const char *w)
{
    c->timeout_s = params_real(p, "workloads.%s.client.timeout_s", w);
    c->retries = (uint32_t) params_int(p, "workloads.%s.client.retries", w);
    c->backoff_base_s = params_real(p, "workloads.%s.client.backoff_base_s", w);
    c->backoff_max_s = params_real(p, "workloads.%s.client.backoff_max_s", w);
    const char *j = params_str(p, "workloads.%s.client.jitter", w);
    c->jitter = strcmp(j, "none") == 0    ? CLIENT_JITTER_NONE
                : strcmp(j, "equal") == 0 ? CLIENT_JITTER_EQUAL
                                          : CLIENT_JITTER_FULL;
    const char *on = params_str(p, "workloads.%s.client.retry_on", w);
    c->retry_on = strcmp(on, "errors") == 0     ? CLIENT_RETRY_ERRORS
                  : strcmp(on, "timeouts") == 0 ? CLIENT_RETRY_TIMEOUTS
                                                : CLIENT_RETRY_BOTH;
    c->budget_ratio = params_real(p, "workloads.%s.client.retry_budget", w);
    c->budget_burst = params_real(p, "workloads.%s.client.retry_budget_burst", w);
}

static void on_timeout(void *ctx, sim *s, const ev *e);
static void on_retry(void *ctx, sim *s, const ev *e);
static void lb_answered(void *ctx, uint32_t id, int status);

void client_env_init(client_env *env, sim *s, task_env *tenv, lb **lbs, client *clients,
                     client_done_fn done, void *done_ctx)
{
    env->tenv = tenv;
    env->lbs = lbs;
    env->clients = clients;
    env->backing_off = 0;
    env->done = done;
    env->done_ctx = done_ctx;
    env->log = NULL;
    env->log_ctx = NULL;
    env->leave = NULL;
    env->leave_ctx = NULL;
    env->kind_timeout = sim_kind(s, "client.timeout", on_timeout, env);
    env->kind_retry = sim_kind(s, "client.retry", on_retry, env);
    tenv->answer = client_answer;
    tenv->answer_ctx = env;
    env->lbe.answer = lb_answered;
    env->lbe.answer_ctx = env;
}

/* One attempt of request id, now. */
static void send_attempt(client_env *env, uint32_t id)
{
    task_env *tenv = env->tenv;
    sim *s = tenv->s;
    double now = sim_now(s);
    request *r = &tenv->pool->r[id];
    client *cl = &env->clients[r->workload];
    r->arrival_s = now;
    r->start_s = -1; /* not in service yet */
    r->task = REQUEST_NONE;
    r->remaining_s = r->demand_s;
    r->flags = 0;
    r->timeout_ev = 0;
    /* the load balancer's rule picks the target group, so the service */
    uint32_t target = lb_route(env->lbs[cl->lb], tenv->pool, id);
    recorder_attempt_in(tenv->rec, r->service, r->attempt > 0, now);
    if (cl->cfg.timeout_s > 0)
        r->timeout_ev = sim_at(s, now + cl->cfg.timeout_s, env->kind_timeout, id);
    if (target == REQUEST_NONE) {
        client_answer(env, id, 503); /* no registered target */
        return;
    }
    task *t = &(*tenv->tasks)[target];
    if (!probe_task_serving(t)) {
        client_answer(env, id, 502); /* a target whose task has stopped refuses */
        return;
    }
    task_accept(tenv, t, id);
}

void client_send_new(client_env *env, uint32_t id)
{
    request *r = &env->tenv->pool->r[id];
    client *cl = &env->clients[r->workload];
    r->attempt = 0;
    if (cl->cfg.budget_ratio > 0) {
        cl->tokens += cl->cfg.budget_ratio;
        if (cl->tokens > cl->cfg.budget_burst) cl->tokens = cl->cfg.budget_burst;
    }
    send_attempt(env, id);
}

static int may_retry(const client *cl, const request *r, client_retry_on cause)
{
    if (r->attempt >= cl->cfg.retries) return 0;
    if (cl->cfg.retry_on != CLIENT_RETRY_BOTH && cl->cfg.retry_on != cause) return 0;
    return cl->cfg.budget_ratio <= 0 || cl->tokens >= 1.0;
}

static double backoff_s(client *cl, unsigned retry_k)
{
    double b = cl->cfg.backoff_base_s * ldexp(1.0, (int) retry_k - 1);
    if (b > cl->cfg.backoff_max_s) b = cl->cfg.backoff_max_s;
    switch (cl->cfg.jitter) {
    case CLIENT_JITTER_NONE:
        return b;
    case CLIENT_JITTER_EQUAL:
        return b / 2 + gsl_rng_uniform(cl->jitter_rng) * b / 2;
    case CLIENT_JITTER_FULL:
        return gsl_rng_uniform(cl->jitter_rng) * b;
    }
    return b;
}

/* A new attempt record for the retry of `old_id`, sent after the backoff. */
static void schedule_retry(client_env *env, uint32_t old_id)
{
    request_pool *pool = env->tenv->pool;
    uint32_t id = request_take(pool); /* may move the pool: index, not pointers */
    const request *old = &pool->r[old_id];
    request *r = &pool->r[id];
    r->first_s = old->first_s;
    r->demand_s = old->demand_s;
    r->service = old->service;
    r->workload = old->workload;
    r->cls = old->cls;
    r->user = old->user;
    r->mem_mib = old->mem_mib;
    r->attempt = (uint8_t) (old->attempt + 1);
    client *cl = &env->clients[r->workload];
    if (cl->cfg.budget_ratio > 0) cl->tokens -= 1.0;
    env->backing_off++;
    env->tenv->rec->open_sources++; /* a retry to come keeps the run (and sampling) going */
    sim *s = env->tenv->s;
    sim_at(s, sim_now(s) + backoff_s(cl, r->attempt), env->kind_retry, id);
}

static void on_retry(void *ctx, sim *s, const ev *e)
{
    (void) s;
    client_env *env = ctx;
    env->backing_off--;
    env->tenv->rec->open_sources--;
    send_attempt(env, e->target);
}

static inline __attribute__((always_inline)) void finish(client_env *env, const request *r, int ok,
                                                         int status)
{
    recorder_final(env->tenv->rec, r->service, r->cls, r->first_s, sim_now(env->tenv->s), ok,
                   r->attempt + 1u);
    if (env->log) env->log(env->log_ctx, r, sim_now(env->tenv->s), status);
    if (env->done && r->user != REQUEST_NONE) env->done(env->done_ctx, r->workload, r->user);
}

static void on_timeout(void *ctx, sim *s, const ev *e)
{
    (void) s;
    client_env *env = ctx;
    uint32_t id = e->target;
    request *r = &env->tenv->pool->r[id];
    r->timeout_ev = 0;
    r->flags |= REQUEST_GONE;
    recorder_timeout(env->tenv->rec, r->service, r->arrival_s);
    if (may_retry(&env->clients[r->workload], r, CLIENT_RETRY_TIMEOUTS))
        schedule_retry(env, id);
    else
        finish(env, &env->tenv->pool->r[id], 0, 0);
}

/* Nothing in flight and no arrival to come: the run is over, and the load
 * balancers' periodic timers must not keep its event queue alive. */
static inline void maybe_over(client_env *env)
{
    const recorder *rec = env->tenv->rec;
    if (rec->in_flight == 0 && rec->open_sources == 0) lb_env_quiesce(&env->lbe);
}

/* The load balancer answered an attempt itself (504, 502): an error answer
 * for the client, while the task keeps the request, read by nobody. */
static void lb_answered(void *ctx, uint32_t id, int status)
{
    client_env *env = ctx;
    task_env *tenv = env->tenv;
    request *r = &tenv->pool->r[id];
    if (r->flags & REQUEST_GONE) return; /* its client had left already */
    r->flags |= REQUEST_GONE;
    if (r->timeout_ev) sim_cancel(tenv->s, r->timeout_ev);
    r->timeout_ev = 0;
    recorder_attempt_error(tenv->rec, r->service, status, r->arrival_s);
    if (may_retry(&env->clients[r->workload], r, CLIENT_RETRY_ERRORS))
        schedule_retry(env, id);
    else
        finish(env, &tenv->pool->r[id], 0, status);
}

void client_answer(void *ctx, uint32_t id, int status)
{
    client_env *env = ctx;
    task_env *tenv = env->tenv;
    request *r = &tenv->pool->r[id];
    recorder *rec = tenv->rec;
    uint32_t svc = r->service;
    if (env->leave) env->leave(env->leave_ctx, r, sim_now(tenv->s));
    if (r->flags & REQUEST_PROBE) {
        probe_answer(&env->probes, id, status);
        maybe_over(env);
        return;
    }
    if (r->flags & REQUEST_AT_LB) lb_request_done(env->lbs[env->clients[r->workload].lb], r);
    if (r->flags & REQUEST_GONE) {
        /* the client left at its timeout, or the load balancer answered it:
         * nobody reads this answer */
        if (status == 200)
            recorder_late(rec, svc, r->arrival_s);
        else if (status == 499)
            recorder_dropped(rec, svc, r->arrival_s);
        request_give(tenv->pool, id);
        recorder_attempt_out(rec, svc);
        maybe_over(env);
        return;
    }
    if (r->timeout_ev) sim_cancel(tenv->s, r->timeout_ev);
    if (status == 200) {
        recorder_attempt_ok(rec, svc, r->cls, r->arrival_s, sim_now(tenv->s));
        finish(env, r, 1, 200);
    } else {
        recorder_attempt_error(rec, svc, status, r->arrival_s);
        if (may_retry(&env->clients[r->workload], r, CLIENT_RETRY_ERRORS))
            schedule_retry(env, id);
        else
            finish(env, &tenv->pool->r[id], 0, status);
    }
    request_give(tenv->pool, id);
    recorder_attempt_out(rec, svc);
    maybe_over(env);
}

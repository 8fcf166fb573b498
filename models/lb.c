/* lb.c -- the Application Load Balancer model (see lb.h for the rules).
 * Each load balancer keeps its target records in one array (reused through
 * a free list), their per-request counts in dense arrays beside it, and a
 * task id -> record map, so the per-request path reads a few words. A
 * target group keeps its registered, non-draining targets in registration
 * order; the round-robin cursor walks that array, at once when all are
 * healthy and out of slow start (O(1)), else skipping those that are not
 * healthy. Timers are events of kinds the lb_env registers once; their
 * target packs (load balancer, record) into 32 bits. The idle timeout needs
 * no event per request: attempts queue in arrival order (so their deadlines
 * are in order too), one timer waits for the oldest, and answered ones are
 * skipped lazily; the timer stops whenever nothing is outstanding. The
 * records are in lb_int.h; the algorithms that pick a target, in lbpick.c. */
#include "models/lb_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "sim/engine/xmalloc.h"

#define TBITS 20 /* record index bits in an event target; the rest is the lb index */
const param_def lb_params[] = {
    {"load_balancers.*.algorithm", PT_ENUM, "", 0, 0, "round_robin",
     "round_robin|least_outstanding_requests|weighted_random|random|join_shortest_queue|"
     "power_of_two|least_utilisation|weighted_round_robin",
     0, NULL,
     "How a target group picks a healthy target for each request: round_robin (ALB's default, "
     "in turn), least_outstanding_requests (ALB's: fewest requests in progress, ties in turn), "
     "weighted_random (ALB's: uniform at random; Automatic Target Weights' anomaly mitigation "
     "is not modelled), random (uniform at random, the queueing literature's). Not ALB's, from "
     "the queueing literature: join_shortest_queue (the target whose task holds the fewest "
     "requests, in service and queued whoever sent them, ties at random; Winston 1977; HAProxy "
     "balance leastconn and NGINX least_conn approach it from their own connection counts), "
     "power_of_two (two targets at random, the one whose task holds fewer; Mitzenmacher 2001; "
     "NGINX random two least_conn, HAProxy balance random(2), Envoy LEAST_REQUEST with its "
     "default choice_count 2), least_utilisation (the fewest requests per worker, ties at "
     "random: weighted least connections with capacity as the weight, as LVS wlc and HAProxy "
     "leastconn with server weights do), weighted_round_robin (in turn, each target as often as "
     "its task's CPU units: NGINX's smooth weighted round robin, as NGINX upstream weight=, "
     "HAProxy balance roundrobin with server weights and LVS wrr do; a 2-vCPU task gets twice "
     "the turns of a 1-vCPU one)."},
    {"load_balancers.*.health_check.enabled", PT_BOOL, "", 0, 0, "true", NULL, 0, NULL,
     "false turns health checks off, which ALB does not allow for instance and ip targets "
     "(ecsim's, for studies of pure dispatch): a registered target is healthy at once."},
    {"load_balancers.*.health_check.interval_s", PT_INT, "s", 5, 300, "30", NULL, 0, NULL,
     "HealthCheckIntervalSeconds: a health check is sent to each target this often, from its "
     "registration on, whatever the last one took."},
    {"load_balancers.*.health_check.timeout_s", PT_INT, "s", 2, 120, "5", NULL, 0, NULL,
     "HealthCheckTimeoutSeconds: a check not answered 200 within this fails (Target.Timeout); "
     "it must be less than the interval."},
    {"load_balancers.*.health_check.healthy_threshold", PT_INT, "checks", 2, 10, "5", NULL, 0, NULL,
     "HealthyThresholdCount: passed checks in a row that make an unhealthy target healthy (a "
     "newly registered target needs one)."},
    {"load_balancers.*.health_check.unhealthy_threshold", PT_INT, "checks", 2, 10, "2", NULL, 0,
     NULL, "UnhealthyThresholdCount: failed checks in a row that make a target unhealthy."},
    {"load_balancers.*.health_check.demand_s", PT_REAL, "CPU-s", 0, 60, "0.001", NULL, 0, NULL,
     "CPU-seconds (at one vCPU) a health check takes in the task: it waits in the task's queue "
     "like a request, so an overloaded task fails its checks."},
    {"load_balancers.*.slow_start_s", PT_INT, "s", 0, 900, "0", NULL, 0, NULL,
     "slow_start.duration_seconds: 0 (off) or 30 to 900. A target that turns healthy while its "
     "group has a healthy target out of slow start gets a weight rising linearly from 0 to 1 "
     "over this time (round_robin only, as ALB allows)."},
    {"load_balancers.*.deregistration_delay_s", PT_INT, "s", 0, 3600, "300", NULL, 0, NULL,
     "deregistration_delay.timeout_seconds: a deregistering (draining) target's requests may "
     "finish for this long; those still in flight then get 502."},
    {"load_balancers.*.idle_timeout_s", PT_INT, "s", 1, 4000, "60", NULL, 0, NULL,
     "idle_timeout.timeout_seconds: a request its target has not answered within this gets "
     "504 from the load balancer (the task goes on working on it)."},
    {"services.*.traffic_weight", PT_REAL, "", 0, 999, "1", NULL, 0, NULL,
     "The weight of this service's target group in its load balancer's forward rule: with "
     "several services behind one load balancer, each request goes to one by weight."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

const char *lb_state_name(lb_state st)
{
    static const char *const names[] = {"initial", "healthy", "unhealthy", "draining", "unused"};
    return names[st];
}

/* ---- events and names ---- */

static uint32_t enc(const lb *b, uint32_t ti)
{
    return b->idx << TBITS | ti;
}

static inline uint32_t rec_of(const lb *b, const target *t)
{
    return (uint32_t) (t - b->t);
}

static lb *dec(lb_env *env, uint32_t code, target **t)
{
    lb *b = env->lbs[code >> TBITS];
    *t = &b->t[code & ((1u << TBITS) - 1)];
    return b;
}

static void task_name(const lb *b, uint32_t task_id, char *buf, size_t len)
{
    if (b->env->name)
        b->env->name(b->env->name_ctx, task_id, buf, len);
    else
        snprintf(buf, len, "task %u", task_id);
}

static void log_change(const lb *b, const target *t, lb_state from, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* events.csv: "<from> -> <to>; <reason>" under kind target_health */
static void log_change(const lb *b, const target *t, lb_state from, const char *fmt, ...)
{
    char name[128], why[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    task_name(b, t->task, name, sizeof name);
    recorder_event(b->env->rec, sim_now(b->env->s), "target_health", name, "%s -> %s; %s",
                   lb_state_name(from), lb_state_name((lb_state) t->state), why);
}

/* Tells the cluster of a health change, from an event of its own. */
static void note(lb *b, target *t, lb_state from)
{
    if (!b->env->changed) return;
    if (t->note_ev == 0) {
        t->note_from = (uint8_t) from;
        t->note_ev =
            sim_at(b->env->s, sim_now(b->env->s), b->env->kind_notify, enc(b, rec_of(b, t)));
    }
}

static void on_note(void *ctx, sim *s, const ev *e)
{
    (void) s;
    lb_env *env = ctx;
    target *t;
    lb *b = dec(env, e->target, &t);
    t->note_ev = 0;
    lb_state from = (lb_state) t->note_from;
    t->note_from = NO_NOTE;
    if (from != (lb_state) t->state)
        env->changed(env->changed_ctx, b->idx, t->task, from, (lb_state) t->state);
}

/* ---- health and slow start ---- */

/* The target turns healthy: it enters slow start when the documented
 * conditions hold, else it takes a full share at once. */
static void become_healthy(lb *b, target *t)
{
    tgroup *g = &b->tgs[t->tg];
    double now = sim_now(b->env->s);
    t->state = LB_HEALTHY;
    g->n_healthy++;
    if (b->slow_start_s > 0 && t->ss_ok && g->n_full > 0) {
        t->ss = 1;
        t->ss_start_s = now;
        t->credit = 0;
        t->ss_ev = b->env->quiet ? 0
                                 : sim_at(b->env->s, now + b->slow_start_s, b->env->kind_ss_end,
                                          enc(b, rec_of(b, t)));
    } else {
        g->n_full++;
    }
}

/* The target stops being healthy (unhealthy or draining): it leaves slow
 * start, as ALB documents. */
static void leave_healthy(lb *b, target *t)
{
    tgroup *g = &b->tgs[t->tg];
    g->n_healthy--;
    if (t->ss) {
        t->ss = 0;
        if (t->ss_ev) sim_cancel(b->env->s, t->ss_ev);
        t->ss_ev = 0;
    } else {
        g->n_full--;
    }
}

static void on_ss_end(void *ctx, sim *s, const ev *e)
{
    (void) s;
    target *t;
    lb *b = dec(ctx, e->target, &t);
    t->ss_ev = 0;
    t->ss = 0;
    b->tgs[t->tg].n_full++;
}

static void free_record(lb *b, target *t)
{
    t->task = REQUEST_NONE;
    b->task_of[rec_of(b, t)] = REQUEST_NONE;
    if (t->probe_out) return; /* freed when its check ends */
    t->next_free = b->free_t;
    b->free_t = rec_of(b, t);
}

/* A health check's result (a probe_fn; the cookie names the record). It
 * may run inside a task's completion: it changes only the load balancer's
 * own state and leaves telling the cluster to an event. */
static void on_check_result(void *ctx, uint32_t cookie, int status)
{
    lb_env *env = ctx;
    target *t;
    lb *b = dec(env, cookie, &t);
    t->probe_out = 0;
    if (t->task == REQUEST_NONE) { /* deregistered while the check was out */
        free_record(b, t);
        return;
    }
    lb_state from = (lb_state) t->state;
    if (from == LB_DRAINING) return; /* results no longer matter */
    if (status == 200) {
        t->fail_run = 0;
        if (t->ok_run < 255) t->ok_run++;
        if (from == LB_INITIAL || (from == LB_UNHEALTHY && t->ok_run >= b->healthy_threshold)) {
            become_healthy(b, t);
            if (from == LB_INITIAL)
                log_change(b, t, from, "passed the initial health check%s",
                           t->ss ? "; slow start" : "");
            else
                log_change(b, t, from, "passed %u health checks in a row%s", t->ok_run,
                           t->ss ? "; slow start" : "");
            note(b, t, from);
        }
        return;
    }
    t->ok_run = 0;
    if (t->fail_run < 255) t->fail_run++;
    t->last_fail = status;
    if ((from == LB_INITIAL || from == LB_HEALTHY) && t->fail_run >= b->unhealthy_threshold) {
        if (from == LB_HEALTHY) leave_healthy(b, t);
        t->state = LB_UNHEALTHY;
        if (status == 504)
            log_change(b, t, from, "Target.Timeout: %u health checks in a row not answered in %g s",
                       t->fail_run, b->timeout_s);
        else
            log_change(b, t, from,
                       "Target.FailedHealthChecks: %u health checks in a row refused or reset",
                       t->fail_run);
        note(b, t, from);
    }
}

/* The run is over when no arrival can come and nothing is in flight. */
static int run_over(const lb_env *env)
{
    return env->rec->open_sources == 0 && env->rec->in_flight == 0;
}

static void on_check(void *ctx, sim *s, const ev *e)
{
    lb_env *env = ctx;
    target *t;
    lb *b = dec(env, e->target, &t);
    t->check_ev = 0;
    if (run_over(env)) {
        lb_env_quiesce(env);
        return;
    }
    t->k++;
    /* computed, not accumulated: reg_s + k * interval does not drift */
    t->check_ev = sim_at(s, t->reg_s + (double) t->k * b->interval_s, env->kind_check, e->target);
    if (t->probe_out) return; /* cannot happen while timeout < interval */
    t->probe_out = 1;
    probe_send(env->probes, env->probe_client, &(*env->tasks)[t->task], b->demand_s, b->timeout_s,
               e->target);
}

/* ---- deregistration ---- */

static void complete(lb *b, target *t)
{
    lb_env *env = b->env;
    if (t->delay_ev) {
        sim_cancel(env->s, t->delay_ev);
        b->n_delaying--;
    }
    t->delay_ev = 0;
    if (t->note_ev) sim_cancel(env->s, t->note_ev); /* superseded */
    t->note_ev = 0;
    t->state = LB_UNUSED;
    if (t->done_why == DONE_IDLE)
        log_change(b, t, LB_DRAINING,
                   "Target.NotRegistered: deregistration complete with no request in flight");
    else if (t->done_why == DONE_DRAINED)
        log_change(b, t, LB_DRAINING,
                   "Target.NotRegistered: deregistration complete when its last request was "
                   "answered");
    else
        log_change(b, t, LB_DRAINING,
                   "Target.NotRegistered: deregistration delay of %g s elapsed; %u requests in "
                   "flight answered 502",
                   b->delay_s, t->cut);
    uint32_t task_id = t->task;
    b->by_task[task_id] = REQUEST_NONE;
    free_record(b, t);
    if (env->changed) env->changed(env->changed_ctx, b->idx, task_id, LB_DRAINING, LB_UNUSED);
}

static void on_done(void *ctx, sim *s, const ev *e)
{
    (void) s;
    target *t;
    lb *b = dec(ctx, e->target, &t);
    t->done_ev = 0;
    complete(b, t);
}

/* Nothing is outstanding any more: no idle timer may outlive the run's
 * last answer. */
static void lb_idle_stop(lb *b)
{
    if (b->idle_ev) sim_cancel(b->env->s, b->idle_ev);
    b->idle_ev = 0;
    b->ring_head = b->ring_len = 0;
}

/* A draining target's last attempt was answered: its deregistration
 * completes, in an event of its own (this may run inside the task's
 * completion). */
static void drained(lb *b, target *t)
{
    sim_cancel(b->env->s, t->delay_ev);
    t->delay_ev = 0;
    b->n_delaying--;
    t->done_why = DONE_DRAINED;
    t->done_ev = sim_at(b->env->s, sim_now(b->env->s), b->env->kind_done, enc(b, rec_of(b, t)));
}

/* The load balancer stops waiting for attempt r on target t. */
static inline void stop_waiting(lb *b, uint32_t ti, request *r)
{
    r->flags &= (uint8_t) ~REQUEST_AT_LB;
    uint32_t left = --b->inflight[ti];
    if (--b->outstanding == 0) lb_idle_stop(b);
    if (b->n_delaying > 0 && left == 0 && b->t[ti].delay_ev != 0) drained(b, &b->t[ti]);
}

/* The deregistration delay ended with requests in flight: ALB answers them
 * 502 ("The deregistration delay period elapsed for a request being handled
 * by a target that was deregistered"). They are all in the task: a request
 * the load balancer waits on is served or queued there. */
static void on_delay(void *ctx, sim *s, const ev *e)
{
    (void) s;
    lb_env *env = ctx;
    target *t;
    lb *b = dec(env, e->target, &t);
    t->delay_ev = 0;
    b->n_delaying--;
    uint32_t ti = rec_of(b, t);
    const task *tk = &(*env->tasks)[t->task];
    request_pool *pool = env->tenv->pool;
    /* answers may grow the pool (retries): index, never hold pointers */
    for (uint32_t i = 0; i < tk->def->workers && b->inflight[ti] > 0; i++) {
        uint32_t id = tk->slots[i];
        if (id == REQUEST_NONE || !(pool->r[id].flags & REQUEST_AT_LB)) continue;
        stop_waiting(b, ti, &pool->r[id]);
        t->cut++;
        b->n_cut++;
        env->answer(env->answer_ctx, id, 502);
    }
    for (uint32_t id = tk->q_head; id != REQUEST_NONE && b->inflight[ti] > 0;
         id = pool->r[id].next) {
        if (!(pool->r[id].flags & REQUEST_AT_LB)) continue;
        stop_waiting(b, ti, &pool->r[id]);
        t->cut++;
        b->n_cut++;
        env->answer(env->answer_ctx, id, 502);
    }
    assert(b->inflight[ti] == 0);
    t->done_why = DONE_DELAY;
    complete(b, t);
}

/* ---- the idle timeout ---- */

static int idle_live(const request *r, const idle_entry *q)
{
    return (r->flags & REQUEST_AT_LB) && r->lb_seq == q->seq;
}

static void on_idle(void *ctx, sim *s, const ev *e)
{
    lb_env *env = ctx;
    lb *b = env->lbs[e->target];
    request_pool *pool = env->tenv->pool;
    double now = sim_now(s);
    b->idle_ev = 0;
    while (b->ring_len > 0) {
        idle_entry q = b->ring[b->ring_head];
        request *r = &pool->r[q.req];
        if (idle_live(r, &q) && r->arrival_s + b->idle_s > now) break;
        b->ring_head = b->ring_head + 1 == b->ring_cap ? 0 : b->ring_head + 1;
        b->ring_len--;
        if (!idle_live(r, &q)) continue;
        stop_waiting(b, b->by_task[r->task], r);
        b->n_504++;
        env->answer(env->answer_ctx, q.req, 504);
    }
    if (b->ring_len > 0 && !env->quiet) {
        const request *r = &pool->r[b->ring[b->ring_head].req];
        b->idle_ev = sim_at(s, r->arrival_s + b->idle_s, env->kind_idle, b->idx);
    }
}

static void ring_push(lb *b, request_pool *pool, uint32_t req, uint32_t seq)
{
    if (b->ring_len == b->ring_cap) {
        /* full: first drop answered ones from the front, so the queue spans
         * the oldest attempt still waited on rather than every attempt of
         * the last idle_s; grow only if that frees nothing */
        while (b->ring_len > 0) {
            const idle_entry *q = &b->ring[b->ring_head];
            if (idle_live(&pool->r[q->req], q)) break;
            b->ring_head = b->ring_head + 1 == b->ring_cap ? 0 : b->ring_head + 1;
            b->ring_len--;
        }
    }
    if (b->ring_len == b->ring_cap) {
        uint32_t cap = b->ring_cap ? 2 * b->ring_cap : 256;
        idle_entry *ring = xmalloc(cap * sizeof *ring);
        for (uint32_t i = 0; i < b->ring_len; i++) {
            uint32_t j = b->ring_head + i;
            ring[i] = b->ring[j >= b->ring_cap ? j - b->ring_cap : j];
        }
        free(b->ring);
        b->ring = ring;
        b->ring_cap = cap;
        b->ring_head = 0;
    }
    uint32_t tail = b->ring_head + b->ring_len;
    if (tail >= b->ring_cap) tail -= b->ring_cap;
    b->ring[tail] = (idle_entry){req, seq};
    b->ring_len++;
}

/* ---- the environment ---- */

void lb_env_init(lb_env *env, sim *s, task **tasks, task_env *tenv, probe_env *probes,
                 recorder *rec, lb **lbs)
{
    memset(env, 0, sizeof *env);
    env->s = s;
    env->tasks = tasks;
    env->tenv = tenv;
    env->probes = probes;
    env->rec = rec;
    env->lbs = lbs;
    env->probe_client = probe_client(probes, on_check_result, env);
    env->kind_check = sim_kind(s, "lb.health_check", on_check, env);
    env->kind_notify = sim_kind(s, "lb.target_health", on_note, env);
    env->kind_done = sim_kind(s, "lb.deregistered", on_done, env);
    env->kind_delay = sim_kind(s, "lb.deregistration_delay", on_delay, env);
    env->kind_ss_end = sim_kind(s, "lb.slow_start_end", on_ss_end, env);
    env->kind_idle = sim_kind(s, "lb.idle_timeout", on_idle, env);
}

void lb_env_quiesce(lb_env *env)
{
    if (env->quiet) return;
    env->quiet = 1;
    for (uint32_t i = 0; i < env->n_lbs; i++) {
        lb *b = env->lbs[i];
        if (b->idle_ev) sim_cancel(env->s, b->idle_ev);
        b->idle_ev = 0;
        for (uint32_t k = 0; k < b->n_t; k++) {
            target *t = &b->t[k];
            if (t->check_ev) sim_cancel(env->s, t->check_ev);
            if (t->ss_ev) sim_cancel(env->s, t->ss_ev);
            t->check_ev = t->ss_ev = 0;
        }
    }
}

/* ---- construction ---- */

static int bad(ecs_err *e, const params *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(ecs_err *e, const params *p, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    param_loc at = params_where(p, "%s", path);
    return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column, "%s: %s", path,
                  msg);
}

int lb_new(lb **out, const params *p, const char *name, lb_env *env, ecs_err *e)
{
    *out = NULL;
    char path[256];
    const char *alg = params_str(p, "load_balancers.%s.algorithm", name);
    double slow = (double) params_int(p, "load_balancers.%s.slow_start_s", name);
    double interval = (double) params_int(p, "load_balancers.%s.health_check.interval_s", name);
    double timeout = (double) params_int(p, "load_balancers.%s.health_check.timeout_s", name);
    if (slow > 0 && slow < 30) {
        snprintf(path, sizeof path, "load_balancers.%s.slow_start_s", name);
        return bad(e, p, path, "expected 0 (off) or an integer in [30, 900], got %g", slow);
    }
    if (slow > 0 && strcmp(alg, "round_robin") != 0) {
        snprintf(path, sizeof path, "load_balancers.%s.slow_start_s", name);
        return bad(e, p, path,
                   "slow start works with the round_robin algorithm only (ALB refuses it with "
                   "least_outstanding_requests and weighted_random), and algorithm is %s",
                   alg);
    }
    if (timeout >= interval) {
        snprintf(path, sizeof path, "load_balancers.%s.health_check.timeout_s", name);
        return bad(e, p, path, "must be less than health_check.interval_s (%g), got %g", interval,
                   timeout);
    }
    assert(env->n_lbs < (1u << (32 - TBITS)));
    lb *b = xcalloc(1, sizeof *b);
    b->name = name;
    b->env = env;
    b->idx = env->n_lbs;
    if (strcmp(alg, "least_outstanding_requests") == 0)
        b->algorithm = LB_LEAST_OUTSTANDING;
    else if (strcmp(alg, "weighted_random") == 0)
        b->algorithm = LB_WEIGHTED_RANDOM;
    else if (strcmp(alg, "random") == 0)
        b->algorithm = LB_RANDOM;
    else if (strcmp(alg, "join_shortest_queue") == 0)
        b->algorithm = LB_JOIN_SHORTEST_QUEUE;
    else if (strcmp(alg, "power_of_two") == 0)
        b->algorithm = LB_POWER_OF_TWO;
    else if (strcmp(alg, "least_utilisation") == 0)
        b->algorithm = LB_LEAST_UTILISATION;
    else if (strcmp(alg, "weighted_round_robin") == 0)
        b->algorithm = LB_WEIGHTED_ROUND_ROBIN;
    else
        b->algorithm = LB_ROUND_ROBIN;
    b->checks = params_bool(p, "load_balancers.%s.health_check.enabled", name);
    b->interval_s = interval;
    b->timeout_s = timeout;
    b->demand_s = params_real(p, "load_balancers.%s.health_check.demand_s", name);
    b->healthy_threshold =
        (uint32_t) params_int(p, "load_balancers.%s.health_check.healthy_threshold", name);
    b->unhealthy_threshold =
        (uint32_t) params_int(p, "load_balancers.%s.health_check.unhealthy_threshold", name);
    b->slow_start_s = slow;
    b->delay_s = (double) params_int(p, "load_balancers.%s.deregistration_delay_s", name);
    b->idle_s = (double) params_int(p, "load_balancers.%s.idle_timeout_s", name);
    char stream[160];
    snprintf(stream, sizeof stream, "lb:%s", name);
    b->rng = sim_rng(env->s, stream);
    snprintf(stream, sizeof stream, "lb_rules:%s", name);
    b->rules_rng = sim_rng(env->s, stream);
    b->free_t = REQUEST_NONE;
    env->lbs[env->n_lbs++] = b;
    *out = b;
    return ECS_OK;
}

void lb_free(lb *b)
{
    if (!b) return;
    for (uint32_t i = 0; i < b->n_tgs; i++) free(b->tgs[i].members);
    free(b->tgs);
    free(b->t);
    free(b->inflight);
    free(b->task_of);
    free(b->routed);
    free(b->by_task);
    free(b->ring);
    free(b);
}

const char *lb_name(const lb *b)
{
    return b->name;
}

uint32_t lb_index(const lb *b)
{
    return b->idx;
}

lb_algorithm lb_get_algorithm(const lb *b)
{
    return b->algorithm;
}

uint32_t lb_add_target_group(lb *b, uint16_t service, double weight)
{
    b->tgs = xrealloc(b->tgs, (b->n_tgs + 1) * sizeof *b->tgs);
    tgroup *g = &b->tgs[b->n_tgs];
    memset(g, 0, sizeof *g);
    g->service = service;
    g->weight = weight;
    b->total_weight += weight;
    return b->n_tgs++;
}

uint32_t lb_target_group_count(const lb *b)
{
    return b->n_tgs;
}

uint16_t lb_target_group_service(const lb *b, uint32_t tg)
{
    return b->tgs[tg].service;
}

uint32_t lb_target_count(const lb *b)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->n_tgs; i++) n += b->tgs[i].n;
    return n;
}

uint32_t lb_healthy_count(const lb *b)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->n_tgs; i++) n += b->tgs[i].n_healthy;
    return n;
}

uint32_t lb_service_healthy_count(const lb *b, uint16_t service)
{
    for (uint32_t i = 0; i < b->n_tgs; i++)
        if (b->tgs[i].service == service) return b->tgs[i].n_healthy;
    return 0;
}

/* ---- registration ---- */

static uint32_t record_of(const lb *b, uint32_t task_id)
{
    return task_id < b->cap_by_task ? b->by_task[task_id] : REQUEST_NONE;
}

int lb_register(lb *b, uint32_t task_id)
{
    lb_env *env = b->env;
    const task *tk = &(*env->tasks)[task_id];
    uint32_t tg = 0;
    while (tg < b->n_tgs && b->tgs[tg].service != tk->service) tg++;
    if (tg == b->n_tgs || record_of(b, task_id) != REQUEST_NONE) return -1;
    if (task_id >= b->cap_by_task) {
        uint32_t cap = b->cap_by_task ? b->cap_by_task : 64;
        while (cap <= task_id) cap *= 2;
        b->by_task = xrealloc(b->by_task, cap * sizeof *b->by_task);
        for (uint32_t i = b->cap_by_task; i < cap; i++) b->by_task[i] = REQUEST_NONE;
        b->cap_by_task = cap;
    }
    uint32_t ti = b->free_t;
    if (ti != REQUEST_NONE) {
        b->free_t = b->t[ti].next_free;
    } else {
        if (b->n_t == b->cap_t) {
            b->cap_t = b->cap_t ? 2 * b->cap_t : 16;
            b->t = xrealloc(b->t, b->cap_t * sizeof *b->t);
            b->inflight = xrealloc(b->inflight, b->cap_t * sizeof *b->inflight);
            b->task_of = xrealloc(b->task_of, b->cap_t * sizeof *b->task_of);
            b->routed = xrealloc(b->routed, b->cap_t * sizeof *b->routed);
        }
        ti = b->n_t++;
        assert(ti < (1u << TBITS));
    }
    tgroup *g = &b->tgs[tg];
    target *t = &b->t[ti];
    memset(t, 0, sizeof *t);
    t->task = task_id;
    b->task_of[ti] = task_id;
    b->inflight[ti] = 0;
    b->routed[ti] = 0;
    t->tg = tg;
    t->state = LB_INITIAL;
    t->note_from = NO_NOTE;
    t->reg_s = sim_now(env->s);
    /* targets registered into a group with no healthy target out of slow
     * start (an empty group, or one registration of many at t=0) do not
     * enter slow start */
    t->ss_ok = g->n_full > 0;
    b->by_task[task_id] = ti;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        g->members = xrealloc(g->members, g->cap * sizeof *g->members);
    }
    g->members[g->n++] = ti;
    char tgname[160];
    snprintf(tgname, sizeof tgname, "%s", env->rec->svc[g->service].name);
    log_change(b, t, LB_UNUSED,
               "Elb.RegistrationInProgress: registered with target group %s of load balancer %s",
               tgname, b->name);
    if (!b->checks) {
        become_healthy(b, t);
        log_change(b, t, LB_INITIAL, "health checks off%s", t->ss ? "; slow start" : "");
        note(b, t, LB_INITIAL);
    } else if (!env->quiet) {
        t->check_ev = sim_at(env->s, t->reg_s, env->kind_check, enc(b, ti));
    }
    return 0;
}

int lb_deregister_begin(lb *b, uint32_t task_id)
{
    lb_env *env = b->env;
    uint32_t ti = record_of(b, task_id);
    if (ti == REQUEST_NONE || b->t[ti].state == LB_DRAINING) return -1;
    target *t = &b->t[ti];
    tgroup *g = &b->tgs[t->tg];
    lb_state from = (lb_state) t->state;
    if (from == LB_HEALTHY) leave_healthy(b, t);
    uint32_t pos = 0;
    while (g->members[pos] != ti) pos++;
    memmove(&g->members[pos], &g->members[pos + 1], (g->n - pos - 1) * sizeof *g->members);
    g->n--;
    if (g->cursor > pos) g->cursor--;
    if (g->cursor >= g->n) g->cursor = 0;
    if (t->check_ev) sim_cancel(env->s, t->check_ev);
    t->check_ev = 0;
    if (t->note_ev) sim_cancel(env->s, t->note_ev); /* the cluster started this */
    t->note_ev = 0;
    t->state = LB_DRAINING;
    log_change(b, t, from, "Target.DeregistrationInProgress: %u requests in flight",
               b->inflight[ti]);
    uint32_t code = enc(b, ti);
    double now = sim_now(env->s);
    if (b->inflight[ti] == 0) {
        t->done_why = DONE_IDLE;
        t->done_ev = sim_at(env->s, now, env->kind_done, code);
    } else {
        t->delay_ev = sim_at(env->s, now + b->delay_s, env->kind_delay, code);
        b->n_delaying++;
    }
    return 0;
}

int lb_deregister(lb *b, uint32_t task_id)
{
    return lb_deregister_begin(b, task_id);
}

lb_state lb_target_state(const lb *b, uint32_t task_id)
{
    uint32_t ti = record_of(b, task_id);
    return ti == REQUEST_NONE ? LB_UNUSED : (lb_state) b->t[ti].state;
}

double lb_slow_start_weight(const lb *b, uint32_t task_id)
{
    uint32_t ti = record_of(b, task_id);
    if (ti == REQUEST_NONE || !b->t[ti].ss) return 1.0;
    return lb_ss_weight(b, &b->t[ti], sim_now(b->env->s));
}

uint64_t lb_target_routed(const lb *b, uint32_t task_id)
{
    uint32_t ti = record_of(b, task_id);
    return ti == REQUEST_NONE ? 0 : b->routed[ti];
}

uint64_t lb_idle_timeouts(const lb *b)
{
    return b->n_504;
}

uint64_t lb_drain_cut(const lb *b)
{
    return b->n_cut;
}

/* ---- the hot path ---- */

uint32_t lb_route(lb *b, request_pool *pool, uint32_t req)
{
    request *r = &pool->r[req];
    tgroup *g = lbpick_group(b);
    r->service = g->service;
    uint32_t n = g->n, ti;
    if (n == 0) return REQUEST_NONE;
    if (b->algorithm == LB_ROUND_ROBIN && g->n_full == n) {
        /* pick_rr's O(1) case, here so the common request makes no call */
        uint32_t i = g->cursor;
        g->cursor = i + 1 == n ? 0 : i + 1;
        ti = g->members[i];
    } else {
        ti = lbpick_target(b, g);
    }
    uint32_t task_id = b->task_of[ti];
    b->inflight[ti]++;
    b->routed[ti]++;
    b->outstanding++;
    r->flags |= REQUEST_AT_LB;
    r->lb_seq = ++b->seq;
    r->task = task_id;
    ring_push(b, pool, req, r->lb_seq);
    if (b->idle_ev == 0 && !b->env->quiet)
        b->idle_ev = sim_at(b->env->s, r->arrival_s + b->idle_s, b->env->kind_idle, b->idx);
    return task_id;
}

void lb_request_done(lb *b, request *r)
{
    stop_waiting(b, b->by_task[r->task], r);
}

uint32_t lb_next_target(const lb *b, uint32_t tg)
{
    if (tg >= b->n_tgs) return REQUEST_NONE;
    const tgroup *g = &b->tgs[tg];
    uint32_t n = g->n, best = REQUEST_NONE, best_out = UINT32_MAX;
    int open = g->n_healthy == 0;
    if (n == 0) return REQUEST_NONE;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = g->cursor + k;
        if (i >= n) i -= n;
        uint32_t ti = g->members[i];
        if (!open && b->t[ti].state != LB_HEALTHY) continue;
        if (b->algorithm == LB_ROUND_ROBIN) return b->task_of[ti];
        if (b->algorithm != LB_LEAST_OUTSTANDING) return REQUEST_NONE;
        if (b->inflight[ti] < best_out) {
            best = ti;
            best_out = b->inflight[ti];
        }
    }
    return best == REQUEST_NONE ? REQUEST_NONE : b->task_of[best];
}

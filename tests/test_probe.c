/* test_probe.c -- health-check probes (probe.h): a probe is a request through
 * the task's queue and CPU, as DESIGN.md pins ("Health checks are requests
 * through the task's queue and CPU with the check's timeout: an overloaded
 * task fails them, as a real one does"). It passes when answered 200 within
 * its timeout; it fails on the timeout (ALB's "HealthCheckTimeoutSeconds:
 * the amount of time during which no response from a target means a failed
 * health check", target-group-health-checks.html), on a refusal, a reset,
 * or a task that is not serving; its result comes back exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/probe.h"

#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

typedef struct result {
    double t_s;
    uint32_t cookie;
    int status;
} result;

typedef struct {
    sim *s;
    recorder rec;
    request_pool pool;
    task *tasks;
    task_env env;
    task_def def;
    probe_env pe;
    uint16_t client;
    result got[16];
    uint32_t n_got;
    uint32_t kind_inject, kind_probe;
    double inject_demand_s;
    uint32_t answered_200; /* client requests answered 200 */
} world;

static void on_result(void *ctx, uint32_t cookie, int status)
{
    world *w = ctx;
    assert_true(w->n_got < 16);
    w->got[w->n_got++] = (result){sim_now(w->s), cookie, status};
}

/* The tasks' answer function: probes to probe.c, requests recorded. */
static void answer(void *ctx, uint32_t id, int status)
{
    world *w = ctx;
    request *r = &w->pool.r[id];
    if (r->flags & REQUEST_PROBE) {
        probe_answer(&w->pe, id, status);
        return;
    }
    if (status == 200) w->answered_200++;
    request_give(&w->pool, id);
    recorder_attempt_out(&w->rec, 0);
}

static void inject(void *ctx, sim *s, const ev *e)
{
    (void) e;
    world *w = ctx;
    uint32_t id = request_take(&w->pool);
    request *r = &w->pool.r[id];
    memset(r, 0, sizeof *r);
    r->arrival_s = sim_now(s);
    r->remaining_s = w->inject_demand_s;
    r->cls = REQUEST_NO_CLASS;
    recorder_attempt_in(&w->rec, 0, 0, sim_now(s));
    task_accept(&w->env, &w->tasks[0], id);
}

/* target: the cookie; the demand and timeout are fixed per test */
static double probe_demand_s = 0.01, probe_timeout_s = 5;

static void send(void *ctx, sim *s, const ev *e)
{
    (void) s;
    world *w = ctx;
    probe_send(&w->pe, w->client, &w->tasks[0], probe_demand_s, probe_timeout_s, e->target);
}

static void world_init(world *w, uint32_t workers, int64_t queue_limit)
{
    static const char *names[] = {"svc"};
    memset(w, 0, sizeof *w);
    w->s = sim_new(1);
    recorder_init(&w->rec, w->s, names, 1, 0, 1e9);
    w->rec.open_sources = 1;
    request_pool_init(&w->pool);
    w->def = (task_def){.name = "td",
                        .cpu_units = 1024,
                        .memory_mib = 512,
                        .memory_base_mib = 0,
                        .workers = workers,
                        .queue_limit = queue_limit};
    w->tasks = calloc(1, sizeof *w->tasks);
    task_init(&w->tasks[0], 0, &w->def, 0, 0);
    task_env_init(&w->env, w->s, &w->pool, &w->rec, &w->tasks, answer, w);
    probe_env_init(&w->pe, w->s, &w->env);
    w->client = probe_client(&w->pe, on_result, w);
    task_set_running(&w->env, &w->tasks[0]);
    w->kind_inject = sim_kind(w->s, "inject", inject, w);
    w->kind_probe = sim_kind(w->s, "send_probe", send, w);
}

static void run(world *w)
{
    ecs_err e;
    err_clear(&e);
    assert_int_equal(sim_run(w->s, 1e6, &e), ECS_OK);
}

static void world_fini(world *w)
{
    /* nothing is left held: the recorder agrees with the tasks */
    assert_int_equal(w->pe.held, 0);
    assert_int_equal(w->rec.in_flight, 0);
    assert_int_equal(w->pool.live, 0);
    task_fini(&w->tasks[0]);
    free(w->tasks);
    recorder_fini(&w->rec);
    request_pool_fini(&w->pool);
    sim_free(w->s);
}

static void test_pass_on_idle_task(void **state)
{
    (void) state;
    world w;
    world_init(&w, 1, -1);
    sim_at(w.s, 1.0, w.kind_probe, 42);
    run(&w);
    assert_int_equal(w.n_got, 1);
    assert_int_equal(w.got[0].cookie, 42);
    assert_int_equal(w.got[0].status, 200);
    /* it took its demand of CPU at one vCPU: answered 0.01 s after sending */
    assert_near(w.got[0].t_s, 1.01, 1e-12);
    assert_int_equal(w.pe.passed, 1);
    /* not a request: the recorder counted no attempt */
    assert_int_equal(w.rec.svc[0].requests, 0);
    /* ... but its CPU: 0.01 vCPU-seconds used */
    assert_near(timeavg_area(&w.rec.svc[0].used_vcpu, 2.0), 0.01, 1e-12);
    world_fini(&w);
}

static void test_timeout_behind_long_request(void **state)
{
    (void) state;
    world w;
    world_init(&w, 1, -1);
    /* a 20 s request holds the only worker: the probe sent at 1 s waits
     * in the queue and fails at 6 s; the task reaches it at 20 s, finds its
     * sender gone and drops it unserved; no second result */
    w.inject_demand_s = 20;
    sim_at(w.s, 0, w.kind_inject, 0);
    sim_at(w.s, 1.0, w.kind_probe, 7);
    run(&w);
    assert_int_equal(w.n_got, 1);
    assert_int_equal(w.got[0].status, 504);
    assert_near(w.got[0].t_s, 6.0, 1e-12);
    assert_int_equal(w.answered_200, 1);
    assert_int_equal(w.pe.failed, 1);
    world_fini(&w);
}

static void test_timeout_in_service_answered_late(void **state)
{
    (void) state;
    world w;
    world_init(&w, 1, -1);
    /* a probe that needs 8 s of CPU is in service past its 5 s timeout:
     * it fails at 5 s and its late answer at 8 s is not reported */
    probe_demand_s = 8;
    sim_at(w.s, 0, w.kind_probe, 1);
    run(&w);
    probe_demand_s = 0.01;
    assert_int_equal(w.n_got, 1);
    assert_int_equal(w.got[0].status, 504);
    assert_near(w.got[0].t_s, 5.0, 1e-12);
    /* the task worked on it to the end */
    assert_near(timeavg_area(&w.rec.svc[0].used_vcpu, 10.0), 8.0, 1e-9);
    world_fini(&w);
}

static void test_refused_by_full_queue(void **state)
{
    (void) state;
    world w;
    world_init(&w, 1, 0);
    /* no queue: with the worker busy the probe is refused (502) at once */
    w.inject_demand_s = 2;
    sim_at(w.s, 0, w.kind_inject, 0);
    sim_at(w.s, 1.0, w.kind_probe, 3);
    run(&w);
    assert_int_equal(w.n_got, 1);
    assert_int_equal(w.got[0].status, 502);
    assert_near(w.got[0].t_s, 1.0, 1e-12);
    world_fini(&w);
}

static void test_task_not_serving(void **state)
{
    (void) state;
    world w;
    world_init(&w, 1, -1);
    w.tasks[0].state = TASK_STOPPED;
    sim_at(w.s, 1.0, w.kind_probe, 9);
    run(&w);
    assert_int_equal(w.n_got, 1);
    assert_int_equal(w.got[0].status, 502);
    assert_int_equal(w.pool.live, 0); /* nothing was sent into it */
    w.tasks[0].state = TASK_RUNNING;
    world_fini(&w);
}

static void test_overload_fails_probe(void **state)
{
    (void) state;
    world w;
    world_init(&w, 2, -1);
    /* two workers sharing one vCPU with two 3 s requests: a probe of 0.01 s
     * queues behind them (both workers busy) until 6 s, past its timeout */
    w.inject_demand_s = 3;
    sim_at(w.s, 0, w.kind_inject, 0);
    sim_at(w.s, 0, w.kind_inject, 1);
    sim_at(w.s, 0.5, w.kind_probe, 5);
    /* a probe once the task is idle again passes */
    sim_at(w.s, 10, w.kind_probe, 6);
    run(&w);
    assert_int_equal(w.n_got, 2);
    assert_int_equal(w.got[0].cookie, 5);
    assert_int_equal(w.got[0].status, 504);
    assert_int_equal(w.got[1].cookie, 6);
    assert_int_equal(w.got[1].status, 200);
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_on_idle_task),
        cmocka_unit_test(test_timeout_behind_long_request),
        cmocka_unit_test(test_timeout_in_service_answered_late),
        cmocka_unit_test(test_refused_by_full_queue),
        cmocka_unit_test(test_task_not_serving),
        cmocka_unit_test(test_overload_fails_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

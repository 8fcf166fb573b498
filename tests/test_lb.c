/* test_lb.c -- the Application Load Balancer model (lb.h) against the ALB
 * user guide, each test naming the page it follows:
 *   target-group-health-checks.html   (health checks, states, reason codes, fail open)
 *   edit-target-group-attributes.html (routing algorithms, slow start, deregistration delay)
 *   load-balancer-troubleshooting.html (503, 502, 504)
 *   load-balancer-listeners.html / rule-action-types.html (weighted forward to target groups)
 * Most tests drive one load balancer and a few tasks directly, with the
 * real clients (client.c) answering, and read events.csv exactly; the
 * weighted split between services and the bad-input errors go through a
 * whole run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/client.h"
#include "models/lb.h"
#include "sim/registry.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "support/testutil.h"

#define MAX_TASKS 4

typedef struct change {
    double t_s;
    uint32_t task;
    lb_state from, to;
} change;

typedef struct world {
    sim *s;
    params *p;
    recorder rec;
    request_pool pool;
    task *tasks;
    uint32_t n_tasks;
    task_def def[MAX_TASKS];
    task_env tenv;
    client_env cenv;
    client clients[1];
    lb *lbs[1];
    lb *b;
    char *ev_text;
    size_t ev_len;
    FILE *ev;
    change changes[64];
    uint32_t n_changes;
    uint32_t kind_inject, kind_register, kind_deregister;
    double demand_s[16384]; /* by inject target */
    uint32_t n_inject;
} world;

static void on_change(void *ctx, uint32_t lb_index, uint32_t task_id, lb_state from, lb_state to)
{
    world *w = ctx;
    assert_int_equal(lb_index, 0);
    assert_true(w->n_changes < 64);
    w->changes[w->n_changes++] = (change){sim_now(w->s), task_id, from, to};
}

static void name_of(void *ctx, uint32_t task_id, char *buf, size_t len)
{
    (void) ctx;
    snprintf(buf, len, "t%u", task_id);
}

static void inject(void *ctx, sim *s, const ev *e)
{
    world *w = ctx;
    uint32_t id = request_take(&w->pool);
    request *r = &w->pool.r[id];
    memset(r, 0, sizeof *r);
    r->first_s = sim_now(s);
    r->demand_s = w->demand_s[e->target];
    r->user = REQUEST_NONE;
    r->cls = REQUEST_NO_CLASS;
    client_send_new(&w->cenv, id);
}

static void do_register(void *ctx, sim *s, const ev *e)
{
    (void) s;
    world *w = ctx;
    assert_int_equal(lb_register(w->b, e->target), 0);
}

static void do_deregister(void *ctx, sim *s, const ev *e)
{
    (void) s;
    world *w = ctx;
    assert_int_equal(lb_deregister_begin(w->b, e->target), 0);
}

/* One load balancer "lb" (its parameters in `lb_yaml`, a YAML flow
 * mapping) with one target group for service "svc"; n tasks of `workers`
 * workers and `queue_limit`, running, not registered. */
static void world_init(world *w, const char *lb_yaml, uint32_t n, uint32_t workers,
                       int64_t queue_limit)
{
    static const char *names[] = {"svc"};
    memset(w, 0, sizeof *w);
    w->s = sim_new(1);
    w->p = params_new(ecsim_registry());
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "load_balancers: {lb: %s}\n", lb_yaml);
    ecs_err e;
    err_clear(&e);
    assert_int_equal(scenario_load_text(w->p, "lb.yaml", yaml, strlen(yaml), &e), ECS_OK);
    assert_int_equal(params_finish(w->p, &e), ECS_OK);
    recorder_init(&w->rec, w->s, names, 1, 0, 1e9);
    w->ev = open_memstream(&w->ev_text, &w->ev_len);
    recorder_attach(&w->rec, NULL, w->ev);
    w->rec.open_sources = 1; /* arrivals may come: the run is not over */
    request_pool_init(&w->pool);
    w->n_tasks = n;
    w->tasks = calloc(n, sizeof *w->tasks);
    for (uint32_t i = 0; i < n; i++) {
        w->def[i] = (task_def){.name = "td",
                               .cpu_units = 1024 * workers,
                               .memory_mib = 512,
                               .workers = workers,
                               .queue_limit = queue_limit};
        task_init(&w->tasks[i], i, &w->def[i], 0, 0);
    }
    probe_env_init(&w->cenv.probes, w->s, &w->tenv);
    lb_env_init(&w->cenv.lbe, w->s, &w->tasks, &w->tenv, &w->cenv.probes, &w->rec, w->lbs);
    w->cenv.lbe.changed = on_change;
    w->cenv.lbe.changed_ctx = w;
    w->cenv.lbe.name = name_of;
    assert_int_equal(lb_new(&w->b, w->p, "lb", &w->cenv.lbe, &e), ECS_OK);
    lb_add_target_group(w->b, 0, 1);
    task_env_init(&w->tenv, w->s, &w->pool, &w->rec, &w->tasks, NULL, NULL);
    for (uint32_t i = 0; i < n; i++) task_set_running(&w->tenv, &w->tasks[i]);
    w->clients[0].lb = 0; /* no timeout, no retries: the defaults */
    client_env_init(&w->cenv, w->s, &w->tenv, w->lbs, w->clients, NULL, NULL);
    w->kind_inject = sim_kind(w->s, "inject", inject, w);
    w->kind_register = sim_kind(w->s, "register", do_register, w);
    w->kind_deregister = sim_kind(w->s, "deregister", do_deregister, w);
}

static void at_request(world *w, double t_s, double demand_s)
{
    assert_true(w->n_inject < 16384);
    w->demand_s[w->n_inject] = demand_s;
    sim_at(w->s, t_s, w->kind_inject, w->n_inject++);
}

static void at_register(world *w, double t_s, uint32_t task_id)
{
    sim_at(w->s, t_s, w->kind_register, task_id);
}

static void at_deregister(world *w, double t_s, uint32_t task_id)
{
    sim_at(w->s, t_s, w->kind_deregister, task_id);
}

static void run_until(world *w, double t_s)
{
    ecs_err e;
    err_clear(&e);
    assert_int_equal(sim_run(w->s, t_s, &e), ECS_OK);
}

/* events.csv so far, without its header line */
static const char *events(world *w)
{
    fflush(w->ev);
    const char *nl = strchr(w->ev_text, '\n');
    return nl ? nl + 1 : "";
}

static void world_fini(world *w)
{
    for (uint32_t i = 0; i < w->n_tasks; i++) task_fini(&w->tasks[i]);
    free(w->tasks);
    lb_free(w->b);
    fclose(w->ev);
    free(w->ev_text);
    recorder_fini(&w->rec);
    request_pool_fini(&w->pool);
    params_free(w->p);
    sim_free(w->s);
}

static const svc_meter *meter(world *w)
{
    return &w->rec.svc[0];
}

/* target-group-health-checks.html: "After your target is registered, it
 * must pass one health check to be considered healthy." Reason codes:
 * initial is Elb.RegistrationInProgress; healthy has none. */
static void test_initial_healthy_after_one_check(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{}", 1, 1, -1);
    assert_int_equal(lb_register(w.b, 0), 0);
    assert_int_equal(lb_register(w.b, 0), -1); /* registered already */
    assert_int_equal(lb_target_state(w.b, 0), LB_INITIAL);
    run_until(&w, 0.0009);
    assert_int_equal(lb_target_state(w.b, 0), LB_INITIAL);
    run_until(&w, 0.5);
    assert_int_equal(lb_target_state(w.b, 0), LB_HEALTHY);
    assert_string_equal(events(&w),
                        "0,target_health,t0,unused -> initial; Elb.RegistrationInProgress: "
                        "registered with target group svc of load balancer lb\n"
                        "0.001,target_health,t0,initial -> healthy; passed the initial health "
                        "check\n");
    assert_int_equal(w.n_changes, 1);
    assert_true(w.changes[0].t_s == 0.001 && w.changes[0].from == LB_INITIAL &&
                w.changes[0].to == LB_HEALTHY);
    world_fini(&w);
}

/* target-group-health-checks.html: UnhealthyThresholdCount (default 2)
 * failed checks make a target unhealthy (Target.Timeout: "Request timed
 * out"); HealthyThresholdCount (default 5) passed checks make it healthy
 * again; checks fall every HealthCheckIntervalSeconds (30) whatever the
 * last one took; the timeout is HealthCheckTimeoutSeconds (5). */
static void test_failed_checks_and_recovery(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{idle_timeout_s: 4000}", 1, 1, -1);
    at_register(&w, 0, 0);
    /* a 100 s request holds the only worker from t=1 to t=101: the checks
     * of 30, 60 and 90 wait in the queue and time out at 35, 65, 95 */
    at_request(&w, 1, 100);
    run_until(&w, 64.9);
    assert_int_equal(lb_target_state(w.b, 0), LB_HEALTHY);
    run_until(&w, 65);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNHEALTHY);
    /* passes at 120, 150, 180, 210: still unhealthy; the fifth at 240 */
    run_until(&w, 240);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNHEALTHY);
    run_until(&w, 240.5);
    assert_int_equal(lb_target_state(w.b, 0), LB_HEALTHY);
    assert_string_equal(
        events(&w),
        "0,target_health,t0,unused -> initial; Elb.RegistrationInProgress: registered with "
        "target group svc of load balancer lb\n"
        "0.001,target_health,t0,initial -> healthy; passed the initial health check\n"
        "65,target_health,t0,healthy -> unhealthy; Target.Timeout: 2 health checks in a row "
        "not answered in 5 s\n"
        "240.001,target_health,t0,unhealthy -> healthy; passed 5 health checks in a row\n");
    assert_int_equal(w.n_changes, 3);
    assert_true(w.changes[1].t_s == 65 && w.changes[1].to == LB_UNHEALTHY);
    assert_true(w.changes[2].t_s == 240.001 && w.changes[2].to == LB_HEALTHY);
    world_fini(&w);
}

/* target-group-health-checks.html: Target.FailedHealthChecks, "the load
 * balancer received an error while establishing a connection to the
 * target": a task that is no longer serving refuses its checks. */
static void test_refused_checks(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{}", 1, 1, -1);
    at_register(&w, 0, 0);
    run_until(&w, 10);
    w.tasks[0].state = TASK_STOPPED; /* gone without deregistering */
    run_until(&w, 59.9);
    assert_int_equal(lb_target_state(w.b, 0), LB_HEALTHY);
    run_until(&w, 60);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNHEALTHY);
    assert_non_null(strstr(events(&w), "60,target_health,t0,healthy -> unhealthy; "
                                       "Target.FailedHealthChecks: 2 health checks in a row "
                                       "refused or reset\n"));
    /* a request sent to it now (fail open: it is the only target) is
     * refused, not 503 */
    at_request(&w, 61, 0.1);
    run_until(&w, 62);
    assert_int_equal(meter(&w)->err_502, 1);
    assert_int_equal(meter(&w)->err_503, 0);
    w.tasks[0].state = TASK_RUNNING;
    world_fini(&w);
}

/* target-group-health-checks.html: "Each load balancer node routes
 * requests only to the healthy targets". */
static void test_unhealthy_target_gets_no_requests(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{idle_timeout_s: 4000}", 2, 1, 0);
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    /* round robin sends the first request to t0: its only worker is busy
     * until 101 and it has no queue, so it refuses the checks of 30 and 60 */
    at_request(&w, 1, 100);
    for (int i = 0; i < 10; i++) at_request(&w, 70 + i, 0.01);
    run_until(&w, 90);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNHEALTHY);
    assert_int_equal(lb_target_state(w.b, 1), LB_HEALTHY);
    assert_int_equal(lb_target_routed(w.b, 1), 10);
    assert_int_equal(meter(&w)->err_502, 0);
    world_fini(&w);
}

/* target-group-health-checks.html: "If a target group contains only
 * unhealthy registered targets, the load balancer routes requests to all
 * those targets, regardless of their health status" (fail open). */
static void test_fail_open(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{idle_timeout_s: 4000}", 2, 1, 0);
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    at_request(&w, 1, 100); /* to t0 */
    at_request(&w, 1, 100); /* to t1: both refuse checks until 101 */
    for (int i = 0; i < 4; i++) at_request(&w, 110 + i, 0.01);
    run_until(&w, 105);
    assert_int_equal(lb_healthy_count(w.b), 0);
    run_until(&w, 115);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNHEALTHY);
    assert_int_equal(lb_target_state(w.b, 1), LB_UNHEALTHY);
    /* all four served, two each (round robin over all), none refused */
    assert_int_equal(lb_target_routed(w.b, 0), 3);
    assert_int_equal(lb_target_routed(w.b, 1), 3);
    assert_int_equal(meter(&w)->err_503, 0);
    assert_int_equal(meter(&w)->err_502, 0);
    world_fini(&w);
}

/* edit-target-group-attributes.html, Deregistration delay: "ELB stops
 * sending requests to targets that are deregistering"; "If a deregistering
 * target has no in-flight requests ... ELB immediately completes the
 * deregistration process"; reason Target.DeregistrationInProgress. */
static void test_draining_gets_no_requests(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{}", 2, 4, -1);
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    at_request(&w, 1, 50); /* to t0, answered at 51 */
    at_deregister(&w, 2, 0);
    for (int i = 0; i < 10; i++) at_request(&w, 3 + 0.1 * i, 0.01);
    run_until(&w, 50.9);
    assert_int_equal(lb_target_state(w.b, 0), LB_DRAINING);
    assert_int_equal(lb_target_routed(w.b, 0), 1); /* the one before draining */
    assert_int_equal(lb_target_routed(w.b, 1), 10);
    run_until(&w, 51);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNUSED);
    const char *text = events(&w);
    assert_non_null(strstr(text, "2,target_health,t0,healthy -> draining; "
                                 "Target.DeregistrationInProgress: 1 requests in flight\n"
                                 "51,target_health,t0,draining -> unused; Target.NotRegistered: "
                                 "deregistration complete when its last request was answered\n"));
    assert_int_equal(w.n_changes, 3); /* t0 and t1 healthy, t0 unused */
    assert_true(w.changes[2].t_s == 51 && w.changes[2].task == 0 &&
                w.changes[2].from == LB_DRAINING && w.changes[2].to == LB_UNUSED);
    assert_int_equal(lb_deregister_begin(w.b, 0), -1); /* not registered any more */
    world_fini(&w);
}

static void test_deregistration_idle_at_once(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{}", 1, 1, -1);
    at_register(&w, 0, 0);
    at_deregister(&w, 5, 0);
    run_until(&w, 6);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNUSED);
    assert_string_equal(
        events(&w),
        "0,target_health,t0,unused -> initial; Elb.RegistrationInProgress: registered with "
        "target group svc of load balancer lb\n"
        "0.001,target_health,t0,initial -> healthy; passed the initial health check\n"
        "5,target_health,t0,healthy -> draining; Target.DeregistrationInProgress: 0 requests in "
        "flight\n"
        "5,target_health,t0,draining -> unused; Target.NotRegistered: deregistration complete "
        "with no request in flight\n");
    assert_true(w.changes[1].t_s == 5 && w.changes[1].to == LB_UNUSED);
    /* registered again later: a new target, initial then healthy */
    assert_int_equal(lb_register(w.b, 0), 0);
    run_until(&w, 7);
    assert_int_equal(lb_target_state(w.b, 0), LB_HEALTHY);
    world_fini(&w);
}

/* edit-target-group-attributes.html: the deregistration delay (default
 * 300 s) bounds the wait; load-balancer-troubleshooting.html, HTTP 502:
 * "The deregistration delay period elapsed for a request being handled by
 * a target that was deregistered." */
static void test_deregistration_delay_cuts_requests(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{idle_timeout_s: 4000}", 2, 2, -1);
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    at_request(&w, 1, 1000); /* to t0 */
    at_deregister(&w, 10, 0);
    run_until(&w, 309.9);
    assert_int_equal(lb_target_state(w.b, 0), LB_DRAINING);
    assert_int_equal(meter(&w)->err_502, 0);
    run_until(&w, 310);
    assert_int_equal(lb_target_state(w.b, 0), LB_UNUSED);
    assert_int_equal(meter(&w)->err_502, 1);
    assert_int_equal(meter(&w)->final_failed, 1);
    assert_int_equal(lb_drain_cut(w.b), 1);
    assert_non_null(strstr(events(&w), "310,target_health,t0,draining -> unused; "
                                       "Target.NotRegistered: deregistration delay of 300 s "
                                       "elapsed; 1 requests in flight answered 502\n"));
    /* the task, not stopped here, still answers at 1001: wasted work */
    run_until(&w, 1002);
    assert_int_equal(meter(&w)->late, 1);
    world_fini(&w);
}

/* load-balancer-troubleshooting.html, HTTP 503: "The target groups for the
 * load balancer have no registered targets." A draining target is not one
 * that takes requests. */
static void test_503_without_targets(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{}", 1, 1, -1);
    at_request(&w, 1, 0.1);
    at_register(&w, 2, 0);
    at_request(&w, 3, 20);
    at_deregister(&w, 4, 0);
    at_request(&w, 5, 0.1);
    run_until(&w, 30);
    assert_int_equal(meter(&w)->err_503, 2);
    assert_int_equal(meter(&w)->attempts_ok, 1);
    world_fini(&w);
}

/* load-balancer-troubleshooting.html, HTTP 504: "The load balancer
 * established a connection to the target but the target did not respond
 * before the idle timeout period elapsed" (idle timeout 60 s). The task is
 * not told and works on. */
static void test_504_idle_timeout(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{}", 1, 2, -1);
    at_register(&w, 0, 0);
    at_request(&w, 0.5, 100);
    at_request(&w, 1, 1);
    run_until(&w, 60.4);
    assert_int_equal(lb_idle_timeouts(w.b), 0);
    run_until(&w, 60.5);
    assert_int_equal(lb_idle_timeouts(w.b), 1);
    assert_int_equal(meter(&w)->final_failed, 1);
    assert_int_equal(meter(&w)->final_ok, 1);
    assert_int_equal(meter(&w)->late, 0);
    run_until(&w, 101);
    assert_int_equal(meter(&w)->late, 1); /* answered after the 504: wasted */
    assert_int_equal(meter(&w)->in_flight, 0);
    /* the second worker kept answering the health checks */
    assert_int_equal(lb_target_state(w.b, 0), LB_HEALTHY);
    world_fini(&w);
}

/* edit-target-group-attributes.html, Slow start mode: "The load balancer
 * linearly increases the number of requests that it can send to a target
 * in slow start mode"; targets registered into an empty group in one
 * operation do not enter it; a new target enters it when "there is at
 * least one healthy target that is not in slow start mode". Round robin
 * with weights: a target of weight w gets w requests per turn for each
 * full target's one, so its share is w / (2 + w) beside two full ones. */
/* The expected requests to a target of weight w(t) beside two full ones
 * among those sent at 40 + 0.01 k in [lo, hi): each one's chance is
 * w / (2 + w) with w = (t - start) / dur clamped to [0, 1]. */
static double ss_expected(double lo, double hi, double start, double dur)
{
    double sum = 0;
    for (int k = 0; k < 20000; k++) {
        double t = 40 + 0.01 * k;
        if (t < lo || t >= hi) continue;
        double w = (t - start) / dur;
        w = w < 0 ? 0 : w > 1 ? 1 : w;
        sum += w / (2 + w);
    }
    return sum;
}

static void test_slow_start_ramp(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{slow_start_s: 100}", 3, 1, -1);
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    at_register(&w, 50, 2);
    for (int k = 0; k < 14000; k++) at_request(&w, 40 + 0.01 * k, 0.0001);
    /* windows between two sends (x.005), so no request straddles an edge */
    static const double edge[] = {40.005,  50.005,  60.005,  70.005,  95.005,
                                  105.005, 140.005, 150.005, 155.005, 165.005};
    uint64_t served[10];
    for (int i = 0; i < 10; i++) {
        run_until(&w, edge[i]);
        served[i] = lb_target_routed(w.b, 2);
    }
    /* before it is healthy it gets nothing; then its share follows the
     * ramp within two requests per window of 1000; after the ramp, a third */
    for (int i = 0; i < 10; i += 2) {
        double expect = ss_expected(edge[i], edge[i + 1], 50.001, 100);
        double got = (double) (served[i + 1] - served[i]);
        printf("  slow start: window [%g, %g): %g requests to the new target, expected %.2f\n",
               edge[i], edge[i + 1], got, expect);
        assert_true(fabs(got - expect) <= 2);
    }
    assert_int_equal(served[1] - served[0], 0);
    assert_true(fabs((double) (served[9] - served[8]) - 1000.0 / 3) <= 1);
    /* the two registered at t=0 into an empty group took no slow start */
    const char *text = events(&w);
    assert_non_null(strstr(text, "0.001,target_health,t0,initial -> healthy; passed the initial "
                                 "health check\n"));
    assert_non_null(strstr(text, "50.001,target_health,t2,initial -> healthy; passed the initial "
                                 "health check; slow start\n"));
    world_fini(&w);
}

/* weighted_round_robin, NGINX's smooth weighted round robin
 * (https://nginx.org/en/docs/http/ngx_http_upstream_module.html, server
 * weight=): with weights 1, 2, 1 (the tasks' CPU units 1024, 2048, 1024) the
 * picks go t1, t0, t2, t1 and repeat -- each target its weight in every
 * four, interleaved -- and a target not registered gets none. */
static void test_weighted_round_robin(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{algorithm: weighted_round_robin, health_check: {enabled: false}}", 3, 1, -1);
    w.def[1].cpu_units = 2048;
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    at_register(&w, 0, 2);
    static const uint32_t order[] = {1, 0, 2, 1};
    for (int i = 0; i < 4; i++) {
        at_request(&w, 1 + i, 0.01);
        run_until(&w, 1.5 + i);
        for (uint32_t k = 0; k < 3; k++) {
            uint32_t want = 0;
            for (int j = 0; j <= i; j++) want += order[j] == k;
            assert_int_equal(lb_target_routed(w.b, k), want);
        }
    }
    for (int i = 0; i < 36; i++) at_request(&w, 10 + i, 0.01);
    run_until(&w, 50);
    assert_int_equal(lb_target_routed(w.b, 0), 10);
    assert_int_equal(lb_target_routed(w.b, 1), 20);
    assert_int_equal(lb_target_routed(w.b, 2), 10);
    /* t2 leaves: the other two share the next 30 requests 1:2, all of them */
    at_deregister(&w, 60, 2);
    for (int i = 0; i < 30; i++) at_request(&w, 61 + i, 0.01);
    run_until(&w, 100);
    assert_int_equal(lb_target_routed(w.b, 0), 20);
    assert_int_equal(lb_target_routed(w.b, 1), 40);
    world_fini(&w);
}

/* edit-target-group-attributes.html, Routing algorithm: "The least
 * outstanding requests routing algorithm routes requests to the targets
 * with the lowest number of in progress requests" -- in progress at the
 * load balancer, which counts what it sent and has not heard back. */
static void test_least_outstanding(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{algorithm: least_outstanding_requests}", 2, 4, -1);
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    at_request(&w, 1, 10); /* to t0 (ties go in turn from the first) */
    for (int i = 0; i < 5; i++) at_request(&w, 2 + i, 0.1);
    run_until(&w, 7);
    assert_int_equal(lb_target_routed(w.b, 0), 1);
    assert_int_equal(lb_target_routed(w.b, 1), 5);
    /* once t0 is done, ties again: in turn */
    at_request(&w, 12, 0.1);
    at_request(&w, 13, 0.1);
    run_until(&w, 14);
    assert_int_equal(lb_target_routed(w.b, 0), 2);
    assert_int_equal(lb_target_routed(w.b, 1), 6);
    world_fini(&w);
}

/* edit-target-group-attributes.html, Routing algorithm: "The weighted
 * random routing algorithm routes requests evenly across healthy targets
 * in the target group, in a random order." Two healthy targets of three:
 * the unhealthy one gets none, the others each a binomial half. */
static void test_weighted_random_healthy_only(void **state)
{
    (void) state;
    world w;
    world_init(&w, "{algorithm: weighted_random}", 3, 4, -1);
    at_register(&w, 0, 0);
    at_register(&w, 0, 1);
    at_register(&w, 0, 2);
    run_until(&w, 0.5);
    w.tasks[2].state = TASK_STOPPED; /* refuses its checks of 30 and 60 */
    for (int i = 0; i < 2000; i++) at_request(&w, 61 + 0.01 * i, 0.001);
    run_until(&w, 90);
    assert_int_equal(lb_target_state(w.b, 2), LB_UNHEALTHY);
    assert_int_equal(lb_target_routed(w.b, 2), 0);
    double n0 = (double) lb_target_routed(w.b, 0), n1 = (double) lb_target_routed(w.b, 1);
    assert_true(n0 + n1 == 2000);
    /* within the 99.9% interval of Binomial(2000, 1/2): 3.29 sigma */
    assert_true(fabs(n0 - 1000) <= 3.29 * sqrt(2000 * 0.25));
    w.tasks[2].state = TASK_RUNNING;
    world_fini(&w);
}

/* Several services behind one load balancer: a forward action with several
 * target groups sends each request to one of them by weight ("Weighted
 * target groups", rule-action-types.html#forward-actions). Web has weight
 * 1 and api 3: web's share of N requests is Binomial(N, 1/4); the test
 * holds it to the 99.9% interval, and (negative control) rejects 0.3. */
static const char two_services_yaml[] =
    "run: {duration_s: 600}\n"
    "host_groups: {g: {instance_type: m5.xlarge, count: 2}}\n"
    "task_definitions: {t: {cpu: 1024, memory_mib: 512, workers: 4}}\n"
    "services:\n"
    "  web: {task_definition: t, desired_count: 2, load_balancer: lb}\n"
    "  api: {task_definition: t, desired_count: 2, load_balancer: lb, traffic_weight: 3}\n"
    "load_balancers: {lb: {algorithm: round_robin}}\n"
    "workloads: {w: {target: lb, rate_per_s: 50, demand: {mean_s: 0.01}}}\n";

static void test_weighted_split_between_services(void **state)
{
    (void) state;
    run_result res;
    char *err = NULL;
    char *summary = tu_run_text(two_services_yaml, NULL, 0, 1, &res, &err);
    if (!summary) fprintf(stderr, "%s\n", err);
    assert_non_null(summary);
    double n = tu_column(summary, "requests");
    double web = tu_column(summary, "web_requests"), api = tu_column(summary, "api_requests");
    assert_true(web + api == n && n > 25000);
    double sigma = sqrt(n * 0.25 * 0.75);
    printf("  weighted split: web %g of %g requests (expected %g, sigma %.1f)\n", web, n, n * 0.25,
           sigma);
    assert_true(fabs(web - n * 0.25) <= 3.29 * sigma);
    assert_true(fabs(web - n * 0.30) > 3.29 * sqrt(n * 0.3 * 0.7)); /* negative control */
    /* each service's requests were served by its own tasks */
    assert_true(tu_column(summary, "web_cpu_util_pct") > 0);
    assert_true(tu_column(summary, "api_cpu_util_pct") > tu_column(summary, "web_cpu_util_pct"));
    free(summary);
    free(err);
}

/* Health checks stop with the run: a drained run ends with its last
 * request (or a health check then in flight), never loops for ever. When
 * arrivals stop by run.max_requests with nothing in flight, the end waits
 * for the next health check (at most interval_s later): the recorder going
 * idle has no hook yet. */
static double end_of(const char *yaml, const char *set)
{
    run_result res;
    char *err = NULL;
    const char *sets[] = {set};
    char *summary = tu_run_text(yaml, set ? sets : NULL, set ? 1 : 0, 1, &res, &err);
    if (!summary) fprintf(stderr, "%s\n", err);
    assert_non_null(summary);
    free(summary);
    free(err);
    return res.end_s;
}

static void test_run_ends_with_last_request(void **state)
{
    (void) state;
    static const char by_duration[] =
        "run: {duration_s: 20}\n"
        "host_groups: {g: {instance_type: m5.large, count: 1}}\n"
        "task_definitions: {t: {cpu: 1024, memory_mib: 512}}\n"
        "services: {s: {task_definition: t, desired_count: 2, load_balancer: lb}}\n"
        "load_balancers: {lb: {health_check: {interval_s: 5, timeout_s: 2}}}\n"
        "workloads: {w: {target: lb, rate_per_s: 1,\n"
        "                demand: {distribution: deterministic, mean_s: 0.01}}}\n";
    const char *off = "load_balancers.lb.health_check.enabled=false";
    double on_s = end_of(by_duration, NULL), off_s = end_of(by_duration, off);
    assert_true(off_s < 20.02 && fabs(on_s - off_s) <= 0.0011);
    static const char by_count[] =
        "run: {duration_s: 1000, max_requests: 20}\n"
        "host_groups: {g: {instance_type: m5.large, count: 1}}\n"
        "task_definitions: {t: {cpu: 1024, memory_mib: 512}}\n"
        "services: {s: {task_definition: t, desired_count: 2, load_balancer: lb}}\n"
        "load_balancers: {lb: {health_check: {interval_s: 5, timeout_s: 2}}}\n"
        "workloads: {w: {target: lb, rate_per_s: 1,\n"
        "                demand: {distribution: deterministic, mean_s: 0.01}}}\n";
    on_s = end_of(by_count, NULL);
    off_s = end_of(by_count, off);
    assert_true(on_s >= off_s && on_s <= off_s + 5);
}

/* Values ALB refuses are input errors naming file:line:column, exit 2:
 * slow_start.duration_seconds is 0 or 30-900; "You can't enable slow start
 * mode when using the least outstanding requests or weighted random
 * routing algorithms" (edit-target-group-attributes.html). */
static void check_bad(const char *lb_lines, const char *want)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "host_groups:\n"
             "  g:\n"
             "    instance_type: m5.large\n"
             "task_definitions:\n"
             "  t:\n"
             "    cpu: 512\n"
             "services:\n"
             "  s:\n"
             "    task_definition: t\n"
             "    load_balancer: lb\n"
             "load_balancers:\n"
             "  lb:\n"
             "%s"
             "workloads:\n"
             "  w:\n"
             "    target: lb\n",
             lb_lines);
    char *dir = tu_mkdtemp();
    char *file = tu_write_file(dir, "s.yaml", yaml);
    char *out = NULL;
    if (asprintf(&out, "%s/out", dir) < 0) abort();
    tu_cli c = tu_run_cli((const char *[]){"run", file, "-q", "-o", out, NULL});
    char expect[1024];
    snprintf(expect, sizeof expect, "ecsim: %s:%s\n", file, want);
    if (strcmp(c.err, expect) != 0) printf("got: %s", c.err);
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, expect);
    assert_false(tu_exists(out)); /* no output written */
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(file);
    free(dir);
}

static void test_bad_input(void **state)
{
    (void) state;
    check_bad("    slow_start_s: 10\n",
              "13:19: load_balancers.lb.slow_start_s: expected 0 (off) or an integer in [30, "
              "900], got 10");
    check_bad("    algorithm: roundrobin\n",
              "13:16: load_balancers.lb.algorithm: expected one of round_robin, "
              "least_outstanding_requests, weighted_random, random, join_shortest_queue, "
              "power_of_two, least_utilisation, weighted_round_robin, got \"roundrobin\"; did you "
              "mean round_robin?");
    check_bad("    algorithm: least_outstanding_requests\n"
              "    slow_start_s: 60\n",
              "14:19: load_balancers.lb.slow_start_s: slow start works with the round_robin "
              "algorithm only (ALB refuses it with least_outstanding_requests and "
              "weighted_random), and algorithm is least_outstanding_requests");
    check_bad("    health_check: {interval_s: 10, timeout_s: 10}\n",
              "13:47: load_balancers.lb.health_check.timeout_s: must be less than "
              "health_check.interval_s (10), got 10");
    check_bad("    deregistration_delay_s: 3601\n",
              "13:29: load_balancers.lb.deregistration_delay_s: expected an integer in [0, 3600], "
              "got \"3601\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_healthy_after_one_check),
        cmocka_unit_test(test_failed_checks_and_recovery),
        cmocka_unit_test(test_refused_checks),
        cmocka_unit_test(test_unhealthy_target_gets_no_requests),
        cmocka_unit_test(test_fail_open),
        cmocka_unit_test(test_draining_gets_no_requests),
        cmocka_unit_test(test_deregistration_idle_at_once),
        cmocka_unit_test(test_deregistration_delay_cuts_requests),
        cmocka_unit_test(test_503_without_targets),
        cmocka_unit_test(test_504_idle_timeout),
        cmocka_unit_test(test_slow_start_ramp),
        cmocka_unit_test(test_least_outstanding),
        cmocka_unit_test(test_weighted_round_robin),
        cmocka_unit_test(test_weighted_random_healthy_only),
        cmocka_unit_test(test_weighted_split_between_services),
        cmocka_unit_test(test_run_ends_with_last_request),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

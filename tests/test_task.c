/* test_task.c -- serving inside a task, by the CPU model of DESIGN.md: a
 * busy worker runs at one vCPU while the task's cpu covers every busy worker;
 * beyond that the busy workers share the task's cpu equally (processor
 * sharing); requests wait FIFO for a worker; a full queue refuses (502). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "models/task.h"

/* cmocka 1.1.5 has no assert_double_equal */
#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

typedef struct {
    sim *s;
    recorder rec;
    request_pool pool;
    task *tasks;
    task_env env;
    task_def def;
    uint32_t kind_inject;
    double demand_s[16]; /* demand of the request injected with target i */
    double mem_mib;      /* memory each injected request holds */
    int stopped;         /* the task stopped itself */
    char reason[160];
    uint32_t n_injected;
} world;

/* Records the answer as the client would, and gives the request back. */
static void answer(void *ctx, uint32_t id, int status)
{
    world *w = ctx;
    request *r = &w->pool.r[id];
    if (status == 200)
        recorder_attempt_ok(&w->rec, 0, REQUEST_NO_CLASS, r->arrival_s, sim_now(w->s));
    else
        recorder_attempt_error(&w->rec, 0, status, r->arrival_s);
    request_give(&w->pool, id);
    recorder_attempt_out(&w->rec, 0);
}

static void inject(void *ctx, sim *s, const ev *e)
{
    world *w = ctx;
    uint32_t id = request_take(&w->pool);
    request *r = &w->pool.r[id];
    r->arrival_s = sim_now(s);
    r->remaining_s = w->demand_s[e->target];
    r->service = 0;
    r->flags = 0;
    r->mem_mib = (float) w->mem_mib;
    recorder_attempt_in(&w->rec, 0, 0, sim_now(s));
    task_accept(&w->env, &w->tasks[0], id);
}

static void world_init(world *w, int64_t cpu_units, uint32_t workers, int64_t queue_limit)
{
    static const char *names[] = {"svc"};
    memset(w, 0, sizeof *w);
    w->s = sim_new(1);
    recorder_init(&w->rec, w->s, names, 1, 0, 1e9);
    w->rec.open_sources = 1;
    request_pool_init(&w->pool);
    w->def = (task_def){.name = "td",
                        .cpu_units = cpu_units,
                        .memory_mib = 512,
                        .workers = workers,
                        .queue_limit = queue_limit};
    w->tasks = calloc(1, sizeof *w->tasks);
    task_init(&w->tasks[0], 0, &w->def, 0, 0);
    task_env_init(&w->env, w->s, &w->pool, &w->rec, &w->tasks, answer, w);
    task_set_running(&w->env, &w->tasks[0]);
    w->kind_inject = sim_kind(w->s, "inject", inject, w);
}

static void at(world *w, double t, double demand_s)
{
    w->demand_s[w->n_injected] = demand_s;
    sim_at(w->s, t, w->kind_inject, w->n_injected++);
}

static void run_until(world *w, double t_s)
{
    ecs_err e;
    err_clear(&e);
    assert_int_equal(sim_run(w->s, t_s, &e), ECS_OK);
}

static void run(world *w)
{
    ecs_err e;
    err_clear(&e);
    /* the recorder samples far in the future; stop before it */
    assert_int_equal(sim_run(w->s, 1e6, &e), ECS_OK);
}

static void world_fini(world *w)
{
    task_fini(&w->tasks[0]);
    free(w->tasks);
    recorder_fini(&w->rec);
    request_pool_fini(&w->pool);
    sim_free(w->s);
}

static const hist *latency(world *w)
{
    return &w->rec.svc[0].latency;
}

static void test_shared_cpu(void **state)
{
    (void) state;
    world w;
    /* 1 vCPU, two workers, two 1-second requests at once: each runs at half speed */
    world_init(&w, 1024, 2, -1);
    at(&w, 0, 1.0);
    at(&w, 0, 1.0);
    run(&w);
    assert_int_equal(latency(&w)->n, 2);
    assert_near(latency(&w)->min, 2.0, 1e-12);
    assert_near(latency(&w)->max, 2.0, 1e-12);
    world_fini(&w);
}

static void test_speed_changes_midway(void **state)
{
    (void) state;
    world w;
    /* A (1 s) alone for 0.5 s, then shares with B (1 s): A ends at 1.5 s;
     * B has 0.5 s left then and runs alone: it ends at 2.0 s */
    world_init(&w, 1024, 2, -1);
    at(&w, 0, 1.0);
    at(&w, 0.5, 1.0);
    run(&w);
    assert_int_equal(latency(&w)->n, 2);
    assert_near(latency(&w)->min, 1.5, 1e-12);
    assert_near(latency(&w)->max, 1.5, 1e-12);
    assert_near(latency(&w)->sum, 3.0, 1e-12);
    /* utilisation: 1 vCPU used for 2 s of the task's 1 vCPU reservation */
    assert_near(timeavg_area(&w.rec.svc[0].used_vcpu, 2.0), 2.0, 1e-12);
    world_fini(&w);
}

static void test_enough_cpu_runs_full_speed(void **state)
{
    (void) state;
    world w;
    world_init(&w, 2048, 2, -1);
    at(&w, 0, 1.0);
    at(&w, 0, 1.0);
    run(&w);
    assert_near(latency(&w)->max, 1.0, 1e-12);
    world_fini(&w);
}

static void test_half_vcpu_task(void **state)
{
    (void) state;
    world w;
    /* a 512-unit task runs its one worker at half a vCPU */
    world_init(&w, 512, 1, -1);
    at(&w, 0, 1.0);
    run(&w);
    assert_near(latency(&w)->max, 2.0, 1e-12);
    world_fini(&w);
}

static void test_fifo_queue(void **state)
{
    (void) state;
    world w;
    world_init(&w, 1024, 1, -1);
    at(&w, 0, 1.0);
    at(&w, 0, 1.0);
    at(&w, 0, 1.0);
    run(&w);
    /* responses 1, 2 and 3 s */
    assert_int_equal(latency(&w)->n, 3);
    assert_near(latency(&w)->sum, 6.0, 1e-12);
    assert_near(latency(&w)->max, 3.0, 1e-12);
    /* one vCPU busy for 3 s, idle after */
    assert_near(timeavg_area(&w.rec.svc[0].used_vcpu, 10.0), 3.0, 1e-12);
    world_fini(&w);
}

static void test_queue_limit_refuses(void **state)
{
    (void) state;
    world w;
    world_init(&w, 1024, 1, 1);
    at(&w, 0, 1.0);
    at(&w, 0, 1.0);
    at(&w, 0, 1.0); /* finds one in service, one waiting: refused */
    run(&w);
    assert_int_equal(w.rec.svc[0].attempts_ok, 2);
    assert_int_equal(w.rec.svc[0].err_502, 1);
    assert_int_equal(w.rec.svc[0].in_flight, 0);
    assert_int_equal(w.pool.live, 0);
    world_fini(&w);
}

static void note_stop(void *ctx, task *t, const char *reason)
{
    world *w = ctx;
    (void) t;
    w->stopped = 1;
    snprintf(w->reason, sizeof w->reason, "%s", reason);
}

/* Memory is a hard limit (DESIGN.md; ECS task_definition_parameters: memory
 * "If your container attempts to exceed the memory specified here, the
 * container is killed"): base 200 + 3 requests x 120 MiB > 512 MiB kills the
 * task with exit code 137, and every request in it gets 502. */
static void test_oom_kill(void **state)
{
    (void) state;
    world w;
    world_init(&w, 4096, 4, -1);
    w.def.memory_base_mib = 200;
    w.mem_mib = 120;
    w.env.stopped = note_stop;
    w.env.stopped_ctx = &w;
    task_fini(&w.tasks[0]);
    task_init(&w.tasks[0], 0, &w.def, 0, 0);
    w.rec.svc[0].running_tasks = 0;
    task_set_running(&w.env, &w.tasks[0]);
    at(&w, 0, 10.0);
    at(&w, 1, 10.0);
    run_until(&w, 2);
    assert_near(w.tasks[0].mem_used_mib, 440, 1e-9);
    assert_false(w.stopped);
    at(&w, 3, 10.0);
    run_until(&w, 4);
    assert_true(w.stopped);
    assert_int_equal(w.tasks[0].state, TASK_STOPPED);
    assert_int_equal(w.tasks[0].exit_code, 137);
    assert_int_equal(w.rec.svc[0].err_502, 3);
    assert_int_equal(w.rec.svc[0].oom_kills, 1);
    assert_int_equal(w.pool.live, 0);
    assert_non_null(strstr(w.reason, "OutOfMemoryError: Container killed due to memory usage"));
    assert_near(w.rec.svc[0].used_mib.value, 0, 1e-9);
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_cpu),
        cmocka_unit_test(test_speed_changes_midway),
        cmocka_unit_test(test_enough_cpu_runs_full_speed),
        cmocka_unit_test(test_half_vcpu_task),
        cmocka_unit_test(test_fifo_queue),
        cmocka_unit_test(test_oom_kill),
        cmocka_unit_test(test_queue_limit_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

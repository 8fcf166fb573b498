/* test_observe.c -- watching a run does not change it (sim/observe.h).
 * An observer that stops the run at every distinct event time, or in odd
 * stretches, and reads every host, task and load-balancer target between
 * stops, must leave summary.csv, timeseries.csv, events.csv and
 * effective.yaml byte-identical to a run nobody watched; it must see every
 * events.csv line as written; and an observer that quits must leave no
 * output file. These hold in both builds (the window's own byte-identity
 * test is in test_viz.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/observe.h"
#include "sim/run.h"
#include "support/testutil.h"

typedef struct nosy {
    int mode; /* 0: to every next event time; 1: stretches of `step` s */
    double step;
    double quit_at; /* quit once now >= this */
    uint64_t calls, reads, checksum;
    char *lines; /* every line handed over, each with "\n" */
    size_t len, cap;
    int began, finished, finish_rc;
} nosy;

static void n_begin(void *ctx, const struct cluster *c, const params *p, const char *scenario)
{
    (void) c;
    (void) p;
    (void) scenario;
    ((nosy *) ctx)->began++;
}

/* Reads everything a visualiser reads. */
static void read_world(nosy *n, const cluster *c)
{
    uint64_t h = n->checksum;
    for (uint32_t i = 0; i < c->n_hosts; i++)
        h = h * 31 + (uint64_t) c->hosts[i].state + (uint64_t) c->hosts[i].cpu_free_units;
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        h = h * 31 + t->state + t->busy + t->queued;
        const service *sv = &c->services[t->service];
        if (sv->lb < c->n_lbs) {
            h = h * 31 + (uint64_t) lb_target_state(c->lbs[sv->lb], t->id);
            h = h * 31 + lb_target_routed(c->lbs[sv->lb], t->id);
        }
    }
    for (uint32_t i = 0; i < c->n_lbs; i++)
        for (uint32_t g = 0; g < lb_target_group_count(c->lbs[i]); g++)
            h = h * 31 + lb_next_target(c->lbs[i], g);
    for (uint32_t k = 0; k < c->n_services; k++) h = h * 31 + c->rec.svc[k].n_in;
    n->checksum = h;
    n->reads++;
}

static observe_action n_advance(void *ctx, const struct cluster *c, const observe_status *st,
                                double *until_s)
{
    nosy *n = ctx;
    n->calls++;
    read_world(n, c);
    if (st->now_s >= n->quit_at) return OBSERVE_QUIT;
    *until_s = n->mode == 0 ? st->next_s : st->now_s + n->step;
    return OBSERVE_RUN;
}

static void n_line(void *ctx, const char *line, size_t len)
{
    nosy *n = ctx;
    if (n->len + len + 2 > n->cap) {
        n->cap = 2 * (n->len + len + 2);
        n->lines = realloc(n->lines, n->cap);
        assert_non_null(n->lines);
    }
    memcpy(n->lines + n->len, line, len);
    n->len += len;
    n->lines[n->len++] = '\n';
    n->lines[n->len] = 0;
}

static void n_finish(void *ctx, const struct cluster *c, int rc, const char *dir)
{
    (void) dir;
    nosy *n = ctx;
    read_world(n, c); /* the world is still there */
    n->finished++;
    n->finish_rc = rc;
}

static const char *const files[] = {"summary.csv", "timeseries.csv", "events.csv",
                                    "effective.yaml"};

/* Runs scenario with and without the observer and compares every file. */
static void same_bytes(const char *scenario, const char *const *sets, int n_sets, double until_s,
                       int mode, double step)
{
    char *plain = tu_mkdtemp(), *watched = tu_mkdtemp();
    run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = scenario;
    o.sets = sets;
    o.n_sets = n_sets;
    o.until_s = until_s;
    o.quiet = 1;
    ecs_err e;
    err_clear(&e);
    o.out_dir = plain;
    run_result r1, r2;
    int rc0 = run_scenario(&o, stdout, &r1, &e);
    if (rc0 != ECS_OK) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc0, ECS_OK);

    nosy n;
    memset(&n, 0, sizeof n);
    n.mode = mode;
    n.step = step;
    n.quit_at = INFINITY;
    run_observer obs = {&n, n_begin, n_advance, n_line, n_finish};
    o.observer = &obs;
    o.out_dir = watched;
    int rc = run_scenario(&o, stdout, &r2, &e);
    if (rc != ECS_OK) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, ECS_OK);
    assert_int_equal(n.began, 1);
    assert_int_equal(n.finished, 1);
    assert_int_equal(n.finish_rc, ECS_OK);
    assert_true(n.calls > 10);
    assert_true(r1.fingerprint == r2.fingerprint);
    assert_true(r1.events == r2.events);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p1[4200], p2[4200];
        snprintf(p1, sizeof p1, "%s/%s", plain, files[i]);
        snprintf(p2, sizeof p2, "%s/%s", watched, files[i]);
        size_t l1 = 0, l2 = 0;
        char *a = tu_read_file(p1, &l1), *b = tu_read_file(p2, &l2);
        assert_non_null(a);
        assert_non_null(b);
        if (l1 != l2 || memcmp(a, b, l1) != 0)
            fail_msg("%s: %s differs when the run is watched", scenario, files[i]);
        if (strcmp(files[i], "events.csv") == 0) {
            /* the observer saw every line, in order, as written */
            assert_int_equal(n.len, l1);
            assert_memory_equal(n.lines, a, l1);
        }
        free(a);
        free(b);
    }
    free(n.lines);
    tu_rmtree(plain);
    tu_rmtree(watched);
    free(plain);
    free(watched);
}

static void test_every_event_time(void **state)
{
    (void) state;
    const char *const short_run[] = {"run.duration_s=300", "run.warmup_s=60"};
    same_bytes("scenarios/quickstart.yaml", short_run, 2, INFINITY, 0, 0);
    same_bytes("scenarios/az-outage.yaml", NULL, 0, INFINITY, 0, 0);
    same_bytes("scenarios/seed-walkthrough.yaml", NULL, 0, INFINITY, 0, 0);
    same_bytes("scenarios/port-conflict.yaml", NULL, 0, INFINITY, 0, 0);
}

static void test_odd_stretches(void **state)
{
    (void) state;
    const char *const short_run[] = {"run.duration_s=300", "run.warmup_s=60"};
    same_bytes("scenarios/quickstart.yaml", short_run, 2, INFINITY, 1, 0.37);
    same_bytes("scenarios/rolling-deploy.yaml", NULL, 0, INFINITY, 1, 7.1);
    same_bytes("scenarios/flash-crowd.yaml", NULL, 0, INFINITY, 1, 13);
}

/* run.drain=false ends the run with a stop event; --until with events left */
static void test_stop_and_until(void **state)
{
    (void) state;
    const char *const no_drain[] = {"run.duration_s=120", "run.warmup_s=0", "run.drain=false"};
    same_bytes("scenarios/quickstart.yaml", no_drain, 3, INFINITY, 1, 0.9);
    same_bytes("scenarios/quickstart.yaml", no_drain, 3, INFINITY, 0, 0);
    same_bytes("scenarios/az-outage.yaml", NULL, 0, 700, 1, 3.3);
    same_bytes("scenarios/az-outage.yaml", NULL, 0, 700, 0, 0);
}

/* An observer that quits: ECS_EINTR, and no output file at all. */
static void test_quit_writes_nothing(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char out[4200];
    snprintf(out, sizeof out, "%s/results", dir);
    nosy n;
    memset(&n, 0, sizeof n);
    n.mode = 1;
    n.step = 5;
    n.quit_at = 100;
    run_observer obs = {&n, n_begin, n_advance, n_line, n_finish};
    run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = "scenarios/quickstart.yaml";
    o.out_dir = out;
    o.until_s = INFINITY;
    o.quiet = 1;
    o.observer = &obs;
    ecs_err e;
    err_clear(&e);
    assert_int_equal(run_scenario(&o, stdout, NULL, &e), ECS_EINTR);
    assert_non_null(strstr(e.msg, "no results written"));
    assert_int_equal(n.finished, 1);
    assert_int_equal(n.finish_rc, ECS_EINTR);
    assert_true(tu_count_entries(out) <= 0);
    free(n.lines);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_event_time),
        cmocka_unit_test(test_odd_stretches),
        cmocka_unit_test(test_stop_and_until),
        cmocka_unit_test(test_quit_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

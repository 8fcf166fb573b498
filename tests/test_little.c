/* test_little.c -- Little's law in --check mode (sim/little.h): it holds on
 * the scenarios (exactly over a drained run, within L's interval in the
 * steady state), it is reported, and it catches a broken count (the
 * negative control: one request-second too many in a service's sojourns). */
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
#include "sim/little.h"
#include "sim/run.h"
#include "support/testutil.h"

/* Every scenario with a retry storm, failures, a rolling deployment or a
 * closed loop keeps the law under --check. */
static void test_scenarios(void **state)
{
    (void) state;
    static const char *const files[] = {"scenarios/quickstart.yaml", "scenarios/retry-storm.yaml",
                                        "scenarios/az-outage.yaml", "scenarios/rolling-deploy.yaml",
                                        "scenarios/closed-loop.yaml"};
    char *dir = tu_mkdtemp();
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        tu_cli c = tu_run_cli((const char *[]){"run", files[i], "--check", "--set",
                                               "run.duration_s=1200", "-o", dir, NULL});
        if (c.rc != 0) fprintf(stderr, "%s: %s", files[i], c.err);
        assert_int_equal(c.rc, 0);
        const char *line =
            strstr(c.out, "Little's law (--check): L = lambda W exactly over the run");
        assert_non_null(line);
        printf("  %s: %.*s\n", files[i], (int) strcspn(line, "\n"), line);
        tu_cli_free(&c);
    }
    tu_rmtree(dir);
    free(dir);
}

/* Not drained (run.drain false): no exact check, the steady-state one
 * still. */
static void test_not_drained(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    tu_cli c = tu_run_cli((const char *[]){"run", "scenarios/quickstart.yaml", "--check", "--set",
                                           "run.drain=false", "--set", "run.duration_s=1200", "-o",
                                           dir, NULL});
    assert_int_equal(c.rc, 0);
    assert_null(strstr(c.out, "exactly over the run"));
    assert_non_null(strstr(c.out, "within L's 95% interval in the steady state"));
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(dir);
}

/* The negative control: the same run with one request-second added to a
 * service's sojourns fails the exact check, naming the service; the
 * untouched run passes. */
static void test_negative_control(void **state)
{
    (void) state;
    for (int broken = 0; broken <= 1; broken++) {
        ecs_err e;
        err_clear(&e);
        const char *sets[] = {"run.duration_s=600"};
        params *p = run_load_params("scenarios/quickstart.yaml", sets, 1, &e);
        assert_non_null(p);
        sim *s = sim_new(1);
        cluster c;
        cluster_cfg cfg = {600, -1, 0, 60, 0};
        assert_int_equal(cluster_build(&c, p, s, &cfg, &e), ECS_OK);
        little *l = little_new(&c, 60, 0.95);
        sim_set_check(s, little_check, l);
        cluster_start(&c);
        assert_int_equal(sim_run(s, INFINITY, &e), ECS_OK);
        if (broken) l->svc[0].sojourn += 1.0;
        int rc = little_finish(l, c.rec.in_flight == 0, &e);
        if (broken) {
            assert_int_equal(rc, ECS_EINTERNAL);
            printf("  %s\n", e.msg);
            assert_non_null(strstr(e.msg, "Little's law fails for service web over the run"));
        } else {
            assert_int_equal(rc, ECS_OK);
        }
        little_free(l);
        cluster_fini(&c);
        sim_free(s);
        params_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_not_drained),
        cmocka_unit_test(test_negative_control),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

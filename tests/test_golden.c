/* test_golden.c -- determinism fingerprints pinned for every scenario in
 * scenarios/. A run folds every event (number, time, kind, target) into a
 * 64-bit hash; any change in behaviour changes it. When a change is meant to
 * alter behaviour, update tests/golden/fingerprints.txt in the same commit
 * and say why there. A scenario without a pinned value fails too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run.h"
#include "support/testutil.h"

#define GOLDEN "tests/golden/fingerprints.txt"

/* The pinned "fingerprint events" of a scenario path, or -1 if none. */
static int pinned(const char *scenario, unsigned long long *fp, unsigned long long *events)
{
    FILE *f = fopen(GOLDEN, "r");
    assert_non_null(f);
    char line[512], name[256];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        if (sscanf(line, "%255s %llx %llu", name, fp, events) == 3 && strcmp(name, scenario) == 0) {
            found = 0;
            break;
        }
    }
    fclose(f);
    return found;
}

static void test_every_scenario_is_pinned(void **state)
{
    (void) state;
    glob_t g;
    assert_int_equal(glob("scenarios/*.yaml", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 2);
    char *dir = tu_mkdtemp();
    int failures = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        run_opts o;
        memset(&o, 0, sizeof o);
        o.scenario = g.gl_pathv[i];
        o.out_dir = dir;
        o.until_s = INFINITY;
        o.quiet = 1;
        run_result res;
        ecs_err e;
        err_clear(&e);
        int rc = run_scenario(&o, stdout, &res, &e);
        if (rc != ECS_OK) fprintf(stderr, "%s\n", e.msg);
        assert_int_equal(rc, ECS_OK);
        unsigned long long fp = 0, events = 0;
        if (pinned(o.scenario, &fp, &events) != 0) {
            printf("%s: no pinned fingerprint; add to " GOLDEN ":\n%s %016llx %llu\n", o.scenario,
                   o.scenario, (unsigned long long) res.fingerprint,
                   (unsigned long long) res.events);
            failures++;
        } else if (fp != res.fingerprint || events != res.events) {
            printf("%s: fingerprint %016llx after %llu events, pinned %016llx after %llu\n"
                   "(if the change of behaviour is intended, update " GOLDEN " and say why)\n",
                   o.scenario, (unsigned long long) res.fingerprint,
                   (unsigned long long) res.events, fp, events);
            failures++;
        }
    }
    globfree(&g);
    tu_rmtree(dir);
    free(dir);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_scenario_is_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

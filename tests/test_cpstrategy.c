/* test_cpstrategy.c -- capacity provider strategies as the ECS API
 * documents them (API_CapacityProviderStrategyItem.html, "weight"): "if you
 * specify a weight of 1 for capacityProviderA and a weight of 4 for
 * capacityProviderB, then for every one task that's run using
 * capacityProviderA, four tasks would use capacityProviderB"; "base ...
 * satisfied first"; only one provider may have a base; at least one weight
 * above 0; Fargate and Auto Scaling group providers do not mix
 * (fargate-capacity-providers.html). The order between multiples of the
 * total weight is ecsim's (AWS publishes the ratio only): see
 * cpstrategy.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "models/cpstrategy.h"

/* The documented example, 1..20 tasks: every 5 tasks, 1 on A and 4 on B. */
static void test_documented_ratio(void **state)
{
    (void) state;
    cps_strategy s;
    char why[512];
    assert_int_equal(cpstrategy_parse("A weight=1, B weight=4", &s, why, sizeof why), 0);
    /* A's count after n tasks, n = 1..20 (ecsim's order: B, B, A, B, B) */
    static const uint32_t want_a[20] = {0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4};
    for (uint32_t n = 1; n <= 20; n++) {
        uint32_t counts[CPS_MAX_ITEMS];
        cpstrategy_distribute(&s, n, counts);
        assert_int_equal(counts[0] + counts[1], n);
        assert_int_equal(counts[0], want_a[n - 1]);
        if (n % 5 == 0) {
            assert_int_equal(counts[0], n / 5);
            assert_int_equal(counts[1], 4 * n / 5);
        }
        /* never more than one task away from the documented share */
        double share_a = n / 5.0;
        assert_true(counts[0] <= share_a + 1 && counts[0] + 1 >= share_a);
    }
}

/* "Both have a weight of 1 ... the tasks will be split evenly"; with a base
 * of 2 on FARGATE, the first two go there, the rest split 1:3. */
static void test_base_then_weights(void **state)
{
    (void) state;
    cps_strategy s;
    char why[512];
    assert_int_equal(cpstrategy_parse("A weight=1, B weight=1", &s, why, sizeof why), 0);
    for (uint32_t n = 1; n <= 20; n++) {
        uint32_t k[CPS_MAX_ITEMS];
        cpstrategy_distribute(&s, n, k);
        assert_true(k[0] == (n + 1) / 2 && k[1] == n / 2);
    }
    assert_int_equal(
        cpstrategy_parse("FARGATE base=2 weight=1, FARGATE_SPOT weight=3", &s, why, sizeof why), 0);
    assert_int_equal(s.items[0].kind, CPS_FARGATE);
    assert_int_equal(s.items[1].kind, CPS_FARGATE_SPOT);
    for (uint32_t n = 1; n <= 20; n++) {
        uint32_t k[CPS_MAX_ITEMS];
        cpstrategy_distribute(&s, n, k);
        uint32_t base = n < 2 ? n : 2, above = n - base;
        assert_int_equal(k[0] + k[1], n);
        assert_true(k[0] >= base);
        if (above % 4 == 0) {
            assert_int_equal(k[0], base + above / 4);
            assert_int_equal(k[1], 3 * above / 4);
        }
    }
    /* a base with weight 0: after the base, everything on the other */
    assert_int_equal(cpstrategy_parse("FARGATE base=2, FARGATE_SPOT weight=1", &s, why, sizeof why),
                     0);
    uint32_t k[CPS_MAX_ITEMS];
    cpstrategy_distribute(&s, 20, k);
    assert_true(k[0] == 2 && k[1] == 18);
}

static void test_bad_strategies(void **state)
{
    (void) state;
    cps_strategy s;
    char why[512];
    assert_int_equal(cpstrategy_parse("A base=1 weight=1, B base=1 weight=1", &s, why, sizeof why),
                     -1);
    assert_non_null(strstr(why, "only one capacity provider has a base"));
    assert_int_equal(cpstrategy_parse("A, B", &s, why, sizeof why), -1);
    assert_non_null(strstr(why, "weight above 0"));
    assert_int_equal(cpstrategy_parse("FARGATE weight=1, asg weight=1", &s, why, sizeof why), -1);
    assert_non_null(strstr(why, "not both"));
    assert_int_equal(cpstrategy_parse("A weight=1001", &s, why, sizeof why), -1);
    assert_int_equal(cpstrategy_parse("A weight=1, A weight=2", &s, why, sizeof why), -1);
    assert_int_equal(
        cpstrategy_parse("a weight=1, b weight=1, c weight=1, d weight=1, e weight=1, f "
                         "weight=1, g weight=1",
                         &s, why, sizeof why),
        -1);
    /* one provider alone weighs 1 */
    assert_int_equal(cpstrategy_parse("FARGATE_SPOT", &s, why, sizeof why), 0);
    assert_int_equal(s.items[0].weight, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_ratio),
        cmocka_unit_test(test_base_then_weights),
        cmocka_unit_test(test_bad_strategies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

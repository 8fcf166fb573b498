/* test_alarm.c -- CloudWatch's N-of-M alarm evaluation with TreatMissingData
 * = missing, as models/alarm.c models it. The rules come from
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html
 * ("Datapoints to Alarm is the number of data points within the Evaluation
 * Periods that must be breaching"; they need not be consecutive; a new
 * alarm starts INSUFFICIENT_DATA) and
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 * ("missing - If all data points in the alarm evaluation range are missing,
 * the alarm transitions to INSUFFICIENT_DATA"; missing is the default). The
 * evaluation range's length (2 x M periods) is our modelling assumption. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "models/alarm.h"

/* The target-tracking AlarmHigh ECS gets: 3 of 3 one-minute datapoints
 * above the target (observed, not documented: aws/containers-roadmap#1208).
 * Datapoint k is evaluated at its publication, (k+1)*60 s (no delay here). */
static void test_three_of_three(void **state)
{
    (void) state;
    alarm a;
    char why[256];
    alarm_init(&a, "web-AlarmHigh", ALARM_GT, 70, 3, 3);
    assert_int_equal(a.state, ALARM_INSUFFICIENT_DATA);
    /* A first datapoint under the threshold: OK at once (1 non-breaching
     * datapoint makes 3 breaching ones impossible). */
    assert_int_equal(alarm_eval(&a, 40, 60, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_OK);
    assert_string_equal(why, "Threshold Crossed: 1 out of the last 3 datapoints [40.0] was not "
                             "greater than the threshold (70.0)");
    /* Load steps up in minute 1: datapoints 1, 2 breach, still OK (the one
     * at minute 0 is within the last 3). */
    assert_int_equal(alarm_eval(&a, 72.4, 120, why, sizeof why), 0);
    assert_int_equal(alarm_eval(&a, 75.0, 180, why, sizeof why), 0);
    assert_int_equal(a.state, ALARM_OK);
    /* The third breaching datapoint (minute 3), evaluated at 240 s: ALARM. */
    assert_int_equal(alarm_eval(&a, 80.1, 240, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_ALARM);
    assert_true(a.changed_s == 240);
    assert_string_equal(why, "Threshold Crossed: 3 out of the last 3 datapoints [80.1, 75.0, "
                             "72.4] were greater than the threshold (70.0)");
    /* Stays ALARM while breaching; one good datapoint ends it. */
    assert_int_equal(alarm_eval(&a, 90, 300, why, sizeof why), 0);
    assert_int_equal(alarm_eval(&a, 70, 360, why, sizeof why), 1); /* 70 is not > 70 */
    assert_int_equal(a.state, ALARM_OK);
    assert_int_equal(a.transitions, 3);
}

/* M out of N: "the breaching data points do not need to be consecutive". */
static void test_m_of_n_not_consecutive(void **state)
{
    (void) state;
    alarm a;
    char why[256];
    alarm_init(&a, "m-of-n", ALARM_GE, 10, 2, 4);
    double xs[] = {1, 10, 1, 1};
    for (unsigned i = 0; i < 4; i++) alarm_eval(&a, xs[i], 60.0 * (i + 1), why, sizeof why);
    assert_int_equal(a.state, ALARM_OK);
    /* The fifth: 10 again; in the last 4 (10, 1, 1, 10) two breach. */
    assert_int_equal(alarm_eval(&a, 10, 300, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_ALARM);
    assert_string_equal(why, "Threshold Crossed: 2 out of the last 4 datapoints [10.0, 10.0] "
                             "were greater than or equal to the threshold (10.0)");
    /* Then 1: the last 4 are (1, 10, 1, 1), one breaching: OK. */
    assert_int_equal(alarm_eval(&a, 1, 360, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_OK);
}

/* The 15-of-15 scale-in alarm below 0.9 x target: ALARM only after 15
 * consecutive low datapoints; one high datapoint makes it OK. */
static void test_fifteen_of_fifteen(void **state)
{
    (void) state;
    alarm a;
    char why[512];
    alarm_init(&a, "web-AlarmLow", ALARM_LT, 63, 15, 15);
    for (unsigned k = 0; k < 14; k++) {
        assert_int_equal(alarm_eval(&a, 20, 60.0 * (k + 1), why, sizeof why), 0);
        /* fewer than 15 datapoints, all breaching: not enough to decide */
        assert_int_equal(a.state, ALARM_INSUFFICIENT_DATA);
    }
    assert_int_equal(alarm_eval(&a, 20, 900, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_ALARM);
    assert_non_null(strstr(why, "15 out of the last 15 datapoints"));
    assert_non_null(strstr(why, "were less than the threshold (63.0)"));
    assert_int_equal(alarm_eval(&a, 64, 960, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_OK);
    /* 14 low datapoints after the high one: the high one is still among
     * the last 15, so no ALARM until the 15th. */
    for (unsigned k = 0; k < 14; k++) alarm_eval(&a, 20, 1020.0 + 60 * k, why, sizeof why);
    assert_int_equal(a.state, ALARM_OK);
    assert_int_equal(alarm_eval(&a, 20, 1860, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_ALARM);
}

/* missing: missing datapoints are not counted; all missing in the range ->
 * INSUFFICIENT_DATA; a gap shorter than the range leaves the state alone
 * when the datapoints present decide nothing new. */
static void test_missing(void **state)
{
    (void) state;
    alarm a;
    char why[256];
    alarm_init(&a, "missing", ALARM_GT, 50, 3, 3);
    assert_int_equal(a.range, 6);
    alarm_eval(&a, 60, 60, why, sizeof why);
    alarm_eval(&a, 60, 120, why, sizeof why);
    alarm_eval(&a, 60, 180, why, sizeof why);
    assert_int_equal(a.state, ALARM_ALARM);
    /* Missing datapoints: the most recent present ones in the range (6
     * periods) still breach, and no non-breaching one says OK. */
    for (unsigned k = 0; k < 5; k++) {
        assert_int_equal(alarm_eval(&a, NAN, 240.0 + 60 * k, why, sizeof why), 0);
        assert_int_equal(a.state, ALARM_ALARM);
    }
    /* The sixth missing one: all 6 periods of the range are missing. */
    assert_int_equal(alarm_eval(&a, NAN, 540, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_INSUFFICIENT_DATA);
    assert_string_equal(why, "Insufficient Data: no datapoints in the last 6 periods");
    /* A breaching datapoint after the gap: 1 of 3, not enough either way. */
    assert_int_equal(alarm_eval(&a, 70, 600, why, sizeof why), 0);
    assert_int_equal(a.state, ALARM_INSUFFICIENT_DATA);
    /* A good one decides OK. */
    assert_int_equal(alarm_eval(&a, 10, 660, why, sizeof why), 1);
    assert_int_equal(a.state, ALARM_OK);
    assert_true(isnan(alarm_datapoint(&a, 3)));
    assert_true(alarm_datapoint(&a, 0) == 10);
    assert_true(alarm_datapoint(&a, 1) == 70);
}

/* The comparison operators and the threshold can change (target tracking
 * rewrites its alarms when a policy's target changes). */
static void test_cmp_and_threshold(void **state)
{
    (void) state;
    alarm a;
    alarm_init(&a, "cmp", ALARM_LE, 5, 1, 1);
    assert_true(alarm_breaches(&a, 5));
    assert_false(alarm_breaches(&a, 5.01));
    assert_false(alarm_breaches(&a, NAN));
    a.cmp = ALARM_LT;
    assert_false(alarm_breaches(&a, 5));
    a.cmp = ALARM_GE;
    assert_true(alarm_breaches(&a, 5));
    alarm_set_threshold(&a, 6);
    assert_false(alarm_breaches(&a, 5));
    assert_string_equal(alarm_state_name(ALARM_OK), "OK");
    assert_string_equal(alarm_state_name(ALARM_ALARM), "ALARM");
    assert_string_equal(alarm_state_name(ALARM_INSUFFICIENT_DATA), "INSUFFICIENT_DATA");
    /* A reason buffer too small is cut, never overrun. */
    char tiny[12];
    memset(tiny, 'x', sizeof tiny);
    assert_int_equal(alarm_eval(&a, 9, 60, tiny, 8), 1);
    assert_int_equal(strlen(tiny), 7);
    assert_true(tiny[8] == 'x');
    /* Small values keep their digits (TargetResponseTime in seconds). */
    char why[256];
    alarm_init(&a, "latency", ALARM_GT, 0.25, 1, 1);
    assert_int_equal(alarm_eval(&a, 0.0123, 60, why, sizeof why), 1);
    assert_string_equal(why, "Threshold Crossed: 1 out of the last 1 datapoints [0.0123] was "
                             "not greater than the threshold (0.25)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_of_three),     cmocka_unit_test(test_m_of_n_not_consecutive),
        cmocka_unit_test(test_fifteen_of_fifteen), cmocka_unit_test(test_missing),
        cmocka_unit_test(test_cmp_and_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cost.c -- the cost report's arithmetic on hand-built cases, to the
 * cent (and tighter).
 *  - EC2 bills per second with a 60-second minimum per launch (EC2 On-Demand
 *    pricing page, "Per Second Billing"); Fargate bills "from the time you
 *    start to download your container image until the Amazon ECS Task ...
 *    terminates, rounded up to the nearest second", one-minute minimum
 *    (https://aws.amazon.com/fargate/pricing/).
 *  - An ALB bills each hour or partial hour plus LCU-hours; an LCU is 25
 *    new connections per second, 3,000 active connections per minute, 1 GB
 *    per hour (EC2/container/IP targets) or 1,000 rule evaluations per
 *    second, whichever dimension is largest; the first 10 rules are free
 *    (https://aws.amazon.com/elasticloadbalancing/pricing/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/costreport.h"
#include "models/prices.h"
#include "sim/run.h"
#include "support/testutil.h"

static cost_cfg cfg(void)
{
    cost_cfg c;
    memset(&c, 0, sizeof c);
    c.region = 0;
    assert_int_equal(prices_region(0, &c.prices), 0);
    c.requests_per_connection = 1;
    c.bytes_per_request = 0;
    c.rules = 1;
    c.include_lb = true;
    return c;
}

static host mk(double rate, int billing, double from, double until)
{
    host h;
    memset(&h, 0, sizeof h);
    h.usd_per_hour = rate;
    h.billing = (uint8_t) billing;
    h.launched_s = from;
    h.terminated_s = until;
    return h;
}

/* Per-second billing across an hour boundary, and the one-minute minimum. */
static void test_ec2_seconds(void **state)
{
    (void) state;
    cost_cfg c = cfg();
    cost_hour hours[3];
    memset(hours, 0, sizeof hours);
    /* an m5.large (0.096 USD/h) from 3000 s to 4500 s: 600 s in hour 0, 900 s in hour 1 */
    host h = mk(0.096, HOST_BILL_ON_DEMAND, 3000, 4500);
    costreport_add_host(&c, &h, 7200, hours, 3);
    assert_true(fabs(hours[0].ec2_od - 0.096 * 600 / 3600) < 1e-12); /* $0.016 */
    assert_true(fabs(hours[1].ec2_od - 0.096 * 900 / 3600) < 1e-12); /* $0.024 */
    assert_true(hours[2].ec2_od == 0);
    /* 30 s of a c5.4xlarge (0.68 USD/h) is billed as 60 s: $0.011333 */
    memset(hours, 0, sizeof hours);
    h = mk(0.68, HOST_BILL_ON_DEMAND, 100, 130);
    costreport_add_host(&c, &h, 7200, hours, 3);
    assert_true(fabs(hours[0].ec2_od - 0.68 * 60 / 3600) < 1e-12);
    assert_true(fabs(hours[0].ec2_od - 0.0113) < 0.005); /* to the cent */
}

/* A Fargate task of 1 vCPU and 2 GB for 45 s pays a minute; for 10 min, 600 s. */
static void test_fargate_seconds(void **state)
{
    (void) state;
    cost_cfg c = cfg();
    double rate = 1 * c.prices.fargate_vcpu_h + 2 * c.prices.fargate_gb_h; /* 0.04937 USD/h */
    assert_true(fabs(rate - (0.04048 + 2 * 0.004445)) < 1e-12);
    cost_hour hours[1];
    memset(hours, 0, sizeof hours);
    host h = mk(rate, HOST_BILL_FARGATE, 10, 55);
    h.cpu_units = 1024;
    h.memory_mib = 2048;
    costreport_add_host(&c, &h, 3600, hours, 1);
    assert_true(fabs(hours[0].fargate - rate * 60 / 3600) < 1e-12);
    memset(hours, 0, sizeof hours);
    h = mk(rate, HOST_BILL_FARGATE, 10, 610);
    costreport_add_host(&c, &h, 3600, hours, 1);
    assert_true(fabs(hours[0].fargate - 0.0082283) < 1e-6); /* 600 s: $0.0082283, $0.01 */
    /* the same task on FARGATE_SPOT: the Spot rate, and the On-Demand equivalent */
    double spot = 1 * c.prices.fargate_spot_vcpu_h + 2 * c.prices.fargate_spot_gb_h;
    memset(hours, 0, sizeof hours);
    h = mk(spot, HOST_BILL_FARGATE_SPOT, 10, 610);
    h.cpu_units = 1024;
    h.memory_mib = 2048;
    costreport_add_host(&c, &h, 3600, hours, 1);
    assert_true(fabs(hours[0].fargate_spot - spot * 600 / 3600) < 1e-12);
    assert_true(fabs(hours[0].od_equiv - rate * 600 / 3600) < 1e-12);
    /* a task stopped before its image pull (never launched) costs nothing */
    memset(hours, 0, sizeof hours);
    h = mk(rate, HOST_BILL_FARGATE, INFINITY, 30);
    costreport_add_host(&c, &h, 3600, hours, 1);
    assert_true(hours[0].fargate == 0);
}

/* LCUs: the largest of the four dimensions over an hour. */
static void test_lcus(void **state)
{
    (void) state;
    cost_cfg c = cfg();
    cost_lb_hour lh = {.attempts = 360000, .inflight_sum = 0, .samples = 0};
    /* 100 new connections/s = 4 LCU */
    assert_true(fabs(costreport_lcus(&c, &lh) - 4.0) < 1e-12);
    /* keep-alive of 10 requests per connection: 0.4 LCU */
    c.requests_per_connection = 10;
    assert_true(fabs(costreport_lcus(&c, &lh) - 0.4) < 1e-12);
    /* 2 GiB processed in the hour: 2 LCU */
    c.bytes_per_request = 2.0 * 1073741824.0 / 360000;
    assert_true(fabs(costreport_lcus(&c, &lh) - 2.0) < 1e-9);
    /* 6,000 active connections on average: 2 LCU; 15 rules: 5 paid x 100/s = 500/s = 0.5 */
    c.bytes_per_request = 0;
    lh.inflight_sum = 6000 * 60.0;
    lh.samples = 60;
    assert_true(fabs(costreport_lcus(&c, &lh) - 2.0) < 1e-12);
    lh.inflight_sum = 0;
    c.rules = 15;
    assert_true(fabs(costreport_lcus(&c, &lh) - 0.5) < 1e-12);
    /* 4 LCU-hours at $0.008 and the hour at $0.0225 in us-east-1: $0.0545 */
    c.rules = 1;
    c.requests_per_connection = 1;
    double usd = c.prices.alb_h + costreport_lcus(&c, &lh) * c.prices.alb_lcu_h;
    assert_true(fabs(usd - 0.0545) < 1e-12);
}

/* A whole run: cost.csv's total row equals summary.csv's cost_usd, and the
 * hosts bill as the catalogue says (two m5.large, 600 s, drain off). */
static void test_run_cost_csv(void **state)
{
    (void) state;
    const char *yaml = "run: {duration_s: 600, drain: false}\n"
                       "host_groups: {g: {instance_type: m5.large, count: 2}}\n"
                       "task_definitions: {t: {cpu: 1024, memory_mib: 1024, workers: 2}}\n"
                       "services: {s: {task_definition: t, desired_count: 2, load_balancer: lb}}\n"
                       "load_balancers: {lb: {}}\n"
                       "workloads: {w: {target: lb, rate_per_s: 10, demand: {distribution: "
                       "exponential, mean_s: 0.01}}}\n";
    run_result res;
    char *sum = tu_run_text(yaml, NULL, 0, 1, &res, NULL);
    assert_non_null(sum);
    double ec2 = tu_column(sum, "cost_ec2_usd"), lb = tu_column(sum, "cost_lb_usd");
    assert_true(fabs(ec2 - 2 * 0.096 * 600 / 3600) < 1e-9); /* $0.032 */
    assert_true(fabs(tu_column(sum, "cost_usd") - (ec2 + lb)) < 1e-9);
    assert_true(fabs(res.cost_usd - (ec2 + lb)) < 1e-9);
    /* the hour and about 6,000 attempts: 6000/3600/25 = 0.0667 LCU, or bytes */
    assert_true(lb >= 0.0225 && lb < 0.0225 + 0.01);
    free(sum);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ec2_seconds),
        cmocka_unit_test(test_fargate_seconds),
        cmocka_unit_test(test_lcus),
        cmocka_unit_test(test_run_cost_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

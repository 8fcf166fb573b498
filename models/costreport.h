/* costreport.h -- the cost report (cost.csv) and the cost columns of
 * summary.csv: what a run cost, by resource and by hour, what it would have
 * cost without Spot, and what its SLO violations are worth.
 *
 * Compute. Every billed resource is a host record (host.h): EC2 instances
 * On-Demand or Spot (spot.h), and one implicit capacity record per Fargate
 * or Fargate Spot task (fargate.h). All four bill per second with a
 * one-minute minimum (cost.h: EC2 "Per Second Billing"; Fargate "rounded up
 * to the nearest second" from the start of the image download, one-minute
 * minimum, https://aws.amazon.com/fargate/pricing/). A host's seconds are
 * split over the hours they fall in; the minimum's extra seconds are billed
 * in its launch hour. "On-Demand equivalent" prices each Spot host at its
 * type's On-Demand price and each Fargate Spot task at the Fargate price;
 * saved = equivalent - actual.
 *
 * Load balancers (https://aws.amazon.com/elasticloadbalancing/pricing/): an
 * ALB bills each hour or partial hour it exists (ecsim: each hour or
 * partial hour of run.duration_s, not the drain tail), plus LCU-hours; an hour's
 * LCUs are the largest of its four dimensions, each over that hour:
 *   new connections per second / 25,
 *   active connections per minute / 3,000,
 *   processed GB per hour / 1 (EC2, container and IP targets),
 *   rule evaluations per second / 1,000 (the first 10 rules are free).
 * ecsim counts attempts, not connections or bytes: new connections are
 * attempts / cost.lb_requests_per_connection, active connections are the
 * attempts in flight (sampled every run.sample_interval_s and averaged
 * over the hour), processed bytes are attempts x cost.lb_bytes_per_request,
 * rule evaluations are attempts x (cost.lb_rules - 10, at least 0). These
 * three are the planner's assumptions, documented as such.
 *
 * SLO violations are priced with the planner's own valuation:
 * slo.violation_usd_per_minute for each one-minute interval whose p99
 * exceeded slo.p99_latency_s, slo.error_usd_per_1k per thousand 5xx
 * answers. Both default to 0 (nothing is priced unless the planner says
 * what a bad minute costs). */
#ifndef ECSIM_COSTREPORT_H
#define ECSIM_COSTREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/host.h"
#include "models/prices.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;

#define COST_LCU_NEW_CONN_PER_S   25.0
#define COST_LCU_ACTIVE_CONN      3000.0
#define COST_LCU_GB_PER_H         1.0
#define COST_LCU_RULE_EVALS_PER_S 1000.0
#define COST_LCU_FREE_RULES       10

/* The planner's load balancer and SLO assumptions. */
typedef struct cost_cfg {
    double bytes_per_request;
    double requests_per_connection;
    int rules;
    bool include_lb;
    double violation_usd_per_minute;
    double error_usd_per_1k;
    int region;
    double duration_s; /* run.duration_s: the load balancers' life */
    price_set prices;
} cost_cfg;

/* One hour of a run. The resource costs are filled by costreport_finish. */
typedef struct cost_hour {
    double ec2_od, ec2_spot, fargate, fargate_spot; /* USD */
    double od_equiv;                                /* the same compute at On-Demand prices */
    double lb_hours, lb_lcu, lcus;                  /* USD, USD, LCU-hours (all load balancers) */
    uint64_t requests, errors_5xx;                  /* first tries; 5xx answers */
    uint32_t minutes_over_slo;
} cost_hour;

/* Per load balancer and hour, the counts its LCUs come from. */
typedef struct cost_lb_hour {
    uint64_t attempts;
    double inflight_sum; /* sum of the in-flight samples */
    uint32_t samples;
} cost_lb_hour;

typedef struct costreport {
    cost_cfg cfg;
    uint32_t n_lbs;
    cost_hour *hours;
    cost_lb_hour *lb; /* [hour * n_lbs + lb] */
    uint32_t n_hours, cap_hours;
    uint64_t seen_5xx;     /* all-time 5xx at the last sample */
    uint32_t seen_slo_min; /* minutes over the SLO at the last sample */
    double last_s;         /* time of the last sample */
    /* totals after costreport_finish */
    cost_hour total;
    double slo_usd, total_usd, usd_per_million;
} costreport;

extern const param_def cost_params[];

/* Reads cost.* and the SLO valuation; hooks the recorder's samples. Call
 * after the recorder is set up. Returns ECS_OK or an input error. */
int costreport_init(struct cluster *c, const params *p, ecs_err *e);

/* Seconds billed for a resource running from launched_s to end_s:
 * per second, at least 60 (cost_billed_s). */
double costreport_billed_s(double launched_s, double end_s);

/* The USD of host h from its launch to end_s, spread over hours[0, n):
 * adds to the slot of its billing kind and to od_equiv. */
void costreport_add_host(const cost_cfg *cfg, const host *h, double end_s, cost_hour *hours,
                         uint32_t n);

/* LCUs of one load balancer hour, as the pricing page defines them. */
double costreport_lcus(const cost_cfg *cfg, const cost_lb_hour *lh);

/* Closes the run at end_s: hourly compute, load balancers, SLO and totals. */
void costreport_finish(struct cluster *c, double end_s);

/* Writes cost.csv (costreport_finish first). */
void costreport_write(const struct cluster *c, FILE *fp);

/* EC2 instances (not Fargate records) ever in the run, and their hours run. */
uint32_t costreport_ec2_hosts(const struct cluster *c);
double costreport_ec2_host_hours(const struct cluster *c, double end_s);

/* The run's total (costreport_finish first): compute and load balancers. */
double costreport_total_usd(const struct cluster *c);

void costreport_fini(struct cluster *c);

#endif

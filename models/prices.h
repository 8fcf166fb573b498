/* prices.h -- the prices the cost report needs beyond the EC2 On-Demand
 * catalogue: Fargate and Fargate Spot per vCPU-hour and GB-hour, EC2 Spot
 * per instance type (with an interruption rate), and the Application Load
 * Balancer's hour and LCU-hour, per region. The data is models/prices.csv
 * compiled in (prices_data.c); models/instances.md gives each row's date
 * and source page, and says which rows are unconfirmed or illustrative. */
#ifndef ECSIM_PRICES_H
#define ECSIM_PRICES_H

#include "models/catalogue.h"

typedef struct price_set {
    double fargate_vcpu_h, fargate_gb_h;           /* FARGATE, Linux/x86, USD per hour */
    double fargate_spot_vcpu_h, fargate_spot_gb_h; /* FARGATE_SPOT */
    double alb_h, alb_lcu_h;                       /* ALB hour, LCU-hour */
} price_set;

/* The prices of `region` (a catalogue region index). Returns 0, or -1 when
 * the built-in list lacks a row (a build bug). */
int prices_region(int region, price_set *out);

/* The EC2 Spot price of type `name` in `region`, USD per hour, and (when
 * rate_per_h is not NULL) its interruptions per instance-hour; NAN and 0
 * when the list has no row for it. */
double prices_spot(const char *name, int region, double *rate_per_h);

#endif

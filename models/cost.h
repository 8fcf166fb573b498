/* cost.h -- what the hosts cost. EC2 bills Linux On-Demand instances per
 * second with a 60-second minimum per instance launch (EC2 pricing page,
 * "Per Second Billing"); a host costs its billed seconds times its price. */
#ifndef ECSIM_COST_H
#define ECSIM_COST_H

#include "models/host.h"

#define COST_MIN_BILLED_S 60.0

/* Seconds billed for a host running from launched_s to end_s. */
double cost_billed_s(double launched_s, double end_s);

/* USD for the hosts up to end_s. */
double cost_hosts_usd(const host *hosts, uint32_t n, double end_s);

/* Host-hours actually run (not billed) up to end_s. */
double cost_host_hours(const host *hosts, uint32_t n, double end_s);

#endif

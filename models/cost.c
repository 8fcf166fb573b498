/* cost.c -- per-second billing with the one-minute minimum. */
#include "cost.h"

double cost_billed_s(double launched_s, double end_s)
{
    double s = end_s - launched_s;
    if (s < 0) s = 0;
    return s < COST_MIN_BILLED_S ? COST_MIN_BILLED_S : s;
}

double cost_hosts_usd(const host *hosts, uint32_t n, double end_s)
{
    double usd = 0;
    for (uint32_t i = 0; i < n; i++) {
        double until = hosts[i].terminated_s < end_s ? hosts[i].terminated_s : end_s;
        usd += cost_billed_s(hosts[i].launched_s, until) * hosts[i].usd_per_hour / 3600.0;
    }
    return usd;
}

double cost_host_hours(const host *hosts, uint32_t n, double end_s)
{
    double s = 0;
    for (uint32_t i = 0; i < n; i++) {
        double until = hosts[i].terminated_s < end_s ? hosts[i].terminated_s : end_s;
        if (until > hosts[i].launched_s) s += until - hosts[i].launched_s;
    }
    return s / 3600.0;
}

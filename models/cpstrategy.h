/* cpstrategy.h -- a service's capacity provider strategy
 * (services.*.capacity_provider_strategy): providers with a base and a
 * weight, as CreateService takes them (API CapacityProviderStrategyItem):
 * "base: how many tasks, at a minimum, to run on the specified capacity
 * provider ... Only one capacity provider in a capacity provider strategy
 * can have a base defined"; "weight: the relative percentage of the total
 * number of tasks launched that should use the specified capacity provider
 * ... taken into consideration after the base value, if defined, is
 * satisfied"; "if you specify a weight of 1 for capacityProviderA and a
 * weight of 4 for capacityProviderB, then for every one task that's run
 * using capacityProviderA, four tasks would use capacityProviderB"; at most
 * 6 providers; weights 0..1000, base 0..100000; a provider of weight 0
 * places no task beyond its base. A strategy holds Fargate providers
 * (FARGATE, FARGATE_SPOT) or Auto Scaling group providers, never both
 * (fargate-capacity-providers.html).
 *
 * Which provider the next task goes to (AWS publishes the ratio, not the
 * order): the base provider while it has fewer than its base; then the
 * provider furthest below its weighted share of the tasks above the base
 * (share (n+1) x weight / total weight, less what it has), ties to the
 * larger weight, then to the earlier in the strategy. Every multiple of the
 * total weight then matches the documented ratio exactly.
 *
 * Fargate strategies and Auto Scaling group strategies run in any shape. A
 * service with a strategy of several Auto Scaling group providers (e.g. an
 * On-Demand group "od base=2 weight=1, spot weight=3") gets each new task's
 * provider by this rule from the provider of each of its tasks that the
 * service keeps (not stopping, not an older deployment's, not on a DRAINING
 * instance); the task remembers it (task.cp), runs only on that provider's
 * group, and when it fits nowhere there waits in PROVISIONING for that
 * provider, whose CapacityProviderReservation counts it (capprov.h). A
 * replacement is assigned the same way, so it goes where the rule puts the
 * next task given the tasks that stay (our reading: ECS documents the ratio,
 * not the replacement rule). Scale-in stops tasks by the placement
 * strategy's rule and does not look at providers (ECS documents no
 * rebalancing of providers on scale-in; our modelling assumption). A
 * strategy of one Auto Scaling group provider is services.*.capacity_provider. */
#ifndef ECSIM_CPSTRATEGY_H
#define ECSIM_CPSTRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/engine/err.h"
#include "sim/engine/param.h"

struct cluster;
struct service;

#define CPS_MAX_ITEMS 6

typedef enum { CPS_FARGATE, CPS_FARGATE_SPOT, CPS_ASG } cps_kind;

typedef struct cps_item {
    char name[64]; /* FARGATE, FARGATE_SPOT or a capacity_providers name */
    cps_kind kind;
    uint32_t base, weight;
} cps_item;

typedef struct cps_strategy {
    cps_item items[CPS_MAX_ITEMS];
    uint32_t n;
} cps_strategy;

extern const param_def cpstrategy_params[];

/* Parses "FARGATE base=2 weight=1, FARGATE_SPOT weight=3": comma-separated
 * providers, each a name and optional base=<n> and weight=<n> (weight
 * defaults to 1 when a strategy has one provider, else to 0, as ECS's 0).
 * Returns 0, or -1 with `expected` saying what was expected. */
int cpstrategy_parse(const char *text, cps_strategy *out, char *expected, size_t len);
int cpstrategy_check(const char *text, char *expected, size_t len);

/* The item the next task goes to, given each item's tasks now. */
uint32_t cpstrategy_next(const cps_strategy *s, const uint32_t *counts);

/* How n tasks are distributed: counts[i] for each item. */
void cpstrategy_distribute(const cps_strategy *s, uint32_t n, uint32_t *counts);

/* Reads every service's strategy (after capprov_init and fargate_init),
 * resolves the Auto Scaling group providers; an input error names
 * file:line:column. A service whose task definition has launch_type FARGATE
 * and no strategy gets "FARGATE weight=1". */
int cpstrategy_init(struct cluster *c, const params *p, ecs_err *e);

/* The service's strategy when it has several Auto Scaling group providers
 * (item k is c->waits[svc].cps[k]), NULL otherwise. */
const cps_strategy *cpstrategy_asg(const struct cluster *c, uint32_t svc);

/* The service's strategy when it runs on Fargate, NULL otherwise. */
const cps_strategy *cpstrategy_fargate(const struct cluster *c, uint32_t svc);

/* The provider kind sv's next task goes to, from its live tasks' providers. */
cps_kind cpstrategy_next_kind(const struct cluster *c, const struct service *sv);

void cpstrategy_fini(struct cluster *c);

#endif

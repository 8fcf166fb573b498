/* placement.h -- choosing a host for a task, as ECS places tasks on EC2
 * container instances (task-placement.html): first the instances that have
 * the task's CPU, memory, ports and (awsvpc) an ENI attachment free, then
 * those that satisfy its placement constraints (constraint.h), then the
 * strategy chain, up to 5 strategies (ECS's limit) applied in order, each
 * keeping the hosts it likes best (task-placement-strategies.html):
 *   binpack:cpu, binpack:memory  the least of that resource left;
 *   spread:<field>               the fewest of the service's tasks with the
 *                                host's value of the field: zone, host,
 *                                instance_type or attribute:<name>;
 *   random                       one at random.
 * Ties left at the end are broken by the caller's stream (the service's
 * placement stream), so a run stays a function of its seed. A task that fits
 * nowhere gets the reason ECS's service event gives, naming the closest
 * instance and what it lacks. placement_take and placement_give keep a
 * host's reservations (cpu, memory, static host port, ENI, task count). */
#ifndef ECSIM_PLACEMENT_H
#define ECSIM_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/constraint.h"
#include "models/host.h"
#include "models/netmode.h"
#include "models/task.h"

#define PLACEMENT_MAX_RULES 5 /* ECS: at most 5 strategies */

typedef enum {
    PLACE_BINPACK_CPU,
    PLACE_BINPACK_MEMORY,
    PLACE_SPREAD_ZONE, /* spread:zone = spread:attribute:ecs.availability-zone */
    PLACE_SPREAD_HOST, /* spread:host = spread:instanceId */
    PLACE_RANDOM,
    PLACE_SPREAD_INSTANCE_TYPE, /* spread:instance_type = spread:attribute:ecs.instance-type */
    PLACE_SPREAD_ATTRIBUTE      /* spread:attribute:<name>, the name in attrs[] */
} placement_rule;

typedef struct placement_chain {
    placement_rule rules[PLACEMENT_MAX_RULES];
    char attrs[PLACEMENT_MAX_RULES][HOST_ATTR_MAX + 1]; /* PLACE_SPREAD_ATTRIBUTE's name */
    int n;
} placement_chain;

/* Parses "spread:zone,binpack:memory": a comma-separated chain of at most 5
 * of binpack:cpu, binpack:memory, spread:zone, spread:host,
 * spread:instance_type, spread:attribute:<name>, random, with ECS's spellings
 * spread:attribute:ecs.availability-zone, spread:instanceId and
 * spread:attribute:ecs.instance-type as aliases. Returns 0, or -1 with
 * `expected` saying what was expected. placement_check is the registry's
 * check function. */
int placement_parse(const char *text, placement_chain *out, char *expected, size_t len);
int placement_check(const char *text, char *expected, size_t len);

/* What one task needs from a host. */
typedef struct placement_need {
    int64_t cpu_units;
    int64_t memory_mib;
    net_mode network_mode;             /* NET_AWSVPC takes an ENI attachment */
    uint16_t host_port;                /* the static host port it reserves, 0 none */
    const constraint_set *constraints; /* NULL for none */
} placement_need;

/* The need of a task of definition d under constraints cs (may be NULL):
 * its cpu, memory, network mode and netmode_static_port. */
void placement_need_init(placement_need *n, const task_def *d, const constraint_set *cs);

/* Why a host does not fit, as bits (0: it fits). */
enum {
    PLACE_MISFIT_CPU = 1 << 0,
    PLACE_MISFIT_MEMORY = 1 << 1,
    PLACE_MISFIT_PORT = 1 << 2,       /* the static host port is reserved already */
    PLACE_MISFIT_PORT_LIMIT = 1 << 3, /* HOST_MAX_PORTS reserved already */
    PLACE_MISFIT_ENI = 1 << 4,        /* no ENI attachment left */
    PLACE_MISFIT_DISTINCT = 1 << 5,   /* distinctInstance: the host runs a task of the service */
    PLACE_MISFIT_MEMBER_OF = 1 << 6,  /* a memberOf expression is false for the host */
    PLACE_MISFIT_INACTIVE = 1 << 7    /* not ACTIVE */
};

/* What keeps host h from taking a task with need n; svc_tasks_on_h is how
 * many of the service's tasks h runs (for distinctInstance). */
unsigned placement_misfits(const host *h, const placement_need *n, uint32_t svc_tasks_on_h);

/* Picks a host for one task of a service among the ACTIVE hosts that fit.
 * svc_tasks[h] is how many of the service's tasks host h runs (spread and
 * distinctInstance count them; NULL for none). Returns the host index, or -1
 * with `why` set to ECS's reason ("The closest matching container-instance
 * g-2 has insufficient CPU units available (...).", "... is already using a
 * port required by your task ...", "... encountered error \"RESOURCE:ENI\"
 * ...", "... encountered error \"MemberOf placement constraint
 * unsatisfied.\"", "Reason: No Container Instances were found in your
 * cluster."). Does not reserve anything: call placement_take. */
int placement_choose(const placement_chain *c, const placement_need *need, const host *hosts,
                     uint32_t n_hosts, const uint32_t *svc_tasks, gsl_rng *ties, char *why,
                     size_t why_len);

/* The same among the instances of Auto Scaling group `pool` only (a
 * capacity provider's tasks run on its group's instances); pool -1 is any
 * host, as placement_choose. */
int placement_choose_in(const placement_chain *c, const placement_need *need, const host *hosts,
                        uint32_t n_hosts, int32_t pool, const uint32_t *svc_tasks, gsl_rng *ties,
                        char *why, size_t why_len);

/* A task with need n is placed on h: its cpu, memory, static host port and
 * (awsvpc) ENI attachment are reserved and h->n_tasks counts it; give undoes
 * exactly that when the task stops. take requires placement_misfits(h, n, .)
 * to have no resource bit. */
void placement_take(host *h, const placement_need *n);
void placement_give(host *h, const placement_need *n);

#endif

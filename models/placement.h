/* placement.h -- choosing a host for a task: ECS placement strategies.
 * A chain of up to 5 strategies (ECS's limit) is applied in order, each
 * keeping the hosts it likes best among those that fit, as ECS documents
 * (task-placement-strategies.html): binpack on cpu or memory keeps the hosts
 * with the least of it left; spread by zone keeps the zones with the fewest
 * tasks of the service, spread by host the hosts with the fewest; random
 * keeps one at random. Ties left at the end are broken by the service's
 * placement stream, so a run stays a function of its seed. */
#ifndef ECSIM_PLACEMENT_H
#define ECSIM_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/host.h"

#define PLACEMENT_MAX_RULES 5

typedef enum {
    PLACE_BINPACK_CPU,
    PLACE_BINPACK_MEMORY,
    PLACE_SPREAD_ZONE,
    PLACE_SPREAD_HOST,
    PLACE_RANDOM
} placement_rule;

typedef struct placement_chain {
    placement_rule rules[PLACEMENT_MAX_RULES];
    int n;
} placement_chain;

/* Parses "spread:zone,binpack:memory" (words: binpack:cpu, binpack:memory,
 * spread:zone, spread:host, random). Returns 0, or -1 with `expected` saying
 * what was expected. Also the registry's check function. */
int placement_parse(const char *text, placement_chain *out, char *expected, size_t len);
int placement_check(const char *text, char *expected, size_t len);

/* Picks a host with room for cpu_units and memory_mib among the ACTIVE hosts.
 * svc_tasks[h] is how many of the service's tasks host h runs (for spread).
 * Returns the host index, or -1 with `why` set to the ECS-style reason (the
 * closest host's missing resource). */
int placement_choose(const placement_chain *c, const host *hosts, uint32_t n_hosts,
                     const uint32_t *svc_tasks, int64_t cpu_units, int64_t memory_mib,
                     gsl_rng *ties, char *why, size_t why_len);

#endif

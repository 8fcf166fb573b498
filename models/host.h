/* host.h -- EC2 container instances, built from the scenario's host groups.
 * Each host offers 1024 CPU units per vCPU and its instance type's memory
 * less what the OS and the ECS agent keep (cluster.reserved_memory_mib), as
 * a container instance registers them; placement reserves task cpu and
 * memory against that. Hosts are fixed in number in this slice; the price
 * comes from the instance catalogue for the scenario's region. */
#ifndef ECSIM_HOST_H
#define ECSIM_HOST_H

#include <stdint.h>

#include "models/catalogue.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

typedef enum { HOST_PENDING, HOST_ACTIVE, HOST_DRAINING, HOST_TERMINATED } host_state;

typedef struct host {
    uint32_t id;               /* index in the cluster's host array */
    uint32_t index_in_group;   /* 1-based, for its name "<group>-<k>" */
    const char *group;         /* host group name (borrowed from params) */
    char zone[32];             /* availability zone */
    const instance_type *type; /* borrowed from the catalogue */
    host_state state;
    int64_t cpu_units;      /* registered CPU units */
    int64_t memory_mib;     /* registered memory */
    int64_t cpu_free_units; /* not reserved by placed tasks */
    int64_t memory_free_mib;
    uint32_t n_tasks;    /* tasks placed on it */
    double usd_per_hour; /* on-demand price in the scenario's region */
    double launched_s;   /* when billing started */
} host;

extern const param_def host_params[];

/* Loads the catalogue (cluster.catalogue, or the built-in one) and builds the
 * hosts of every host group, all ACTIVE at t=0. On bad input returns
 * ECS_EINPUT/ECS_EIO with e naming the place (an unknown instance type gets
 * "did you mean"). The caller owns *cat_out and *hosts_out. */
int hosts_build(const params *p, catalogue **cat_out, host **hosts_out, uint32_t *n_out,
                ecs_err *e);

/* "<group>-<k>" */
void host_name(const host *h, char *buf, size_t len);

#endif

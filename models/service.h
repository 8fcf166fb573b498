/* service.h -- an ECS service: desired_count tasks of one task definition,
 * placed by a strategy chain and registered with a load balancer. This slice
 * places the tasks once, at t=0 (the cluster does it); keeping the count
 * through failures and scaling belongs to the service scheduler to come. */
#ifndef ECSIM_SERVICE_H
#define ECSIM_SERVICE_H

#include <stdint.h>

#include "models/placement.h"
#include "models/task.h"
#include "sim/engine/param.h"

typedef struct service {
    const char *name; /* borrowed from params */
    uint16_t id;      /* index in the cluster's service array */
    task_def def;     /* copy of its task definition */
    placement_chain placement;
    uint32_t desired;    /* desired_count */
    const char *lb_name; /* load balancer it registers with (borrowed) */
    uint32_t lb;         /* its index in the cluster */
    uint32_t placed;     /* tasks placed */
    uint32_t unplaced;   /* tasks that fit on no host */
} service;

extern const param_def service_params[];

/* Reads services.<name>.* and its task definition (params_finish has checked
 * ranges and references). Cannot fail. */
void service_read(service *sv, const params *p, const char *name, uint16_t id);

#endif

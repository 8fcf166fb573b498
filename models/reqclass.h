/* reqclass.h -- request classes: a workload's mix of endpoints.
 * request_classes.<name> belongs to one workload and has a weight (its share
 * of the workload's synthetic requests), its own service-demand distribution,
 * and a URL path prefix that maps logged requests (ALB and web server logs)
 * to it; a per-request CSV trace names the class in a column. */
#ifndef ECSIM_REQCLASS_H
#define ECSIM_REQCLASS_H

#include <stdint.h>

#include "sim/engine/dist.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

typedef struct req_class {
    const char *name;          /* borrowed from params */
    const char *workload_name; /* borrowed */
    uint16_t workload;         /* its index, resolved by the cluster */
    double weight;
    const char *match; /* URL path prefix, "" for none */
    double mem_mib;    /* memory a request holds in service */
    dist demand;
} req_class;

extern const param_def reqclass_params[];

/* Reads request_classes.<name>.*; caller frees with reqclass_fini. */
int reqclass_read(req_class *c, const params *p, const char *name, ecs_err *e);
void reqclass_fini(req_class *c);

#endif

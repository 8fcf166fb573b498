/* reqclass.c -- a request class's parameters. */
#include "reqclass.h"

#include "models/demand.h"

const param_def reqclass_params[] = {
    {"request_classes.*.workload", PT_REF, "", 0, 0, NULL, "workloads", PF_REQUIRED, NULL,
     "The workload whose requests this class is one kind of."},
    {"request_classes.*.weight", PT_REAL, "", 0, 1e9, "1", NULL, 0, NULL,
     "Share of the workload's synthetic requests (weights are normalised per workload)."},
    {"request_classes.*.match", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "URL path prefix of the logged requests (ALB, web server logs) that are this class; the "
     "longest matching prefix wins."},
    {"request_classes.*.memory_per_request_mib", PT_REAL, "MiB", 0, 1e6, "0", NULL, 0, NULL,
     "Memory a request of this class holds in its task while in service."},
    DEMAND_PARAMS("request_classes.*.demand", "this class's service demand (CPU-s at one vCPU)",
                  "exponential", "0.1"),
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

int reqclass_read(req_class *c, const params *p, const char *name, ecs_err *e)
{
    c->name = name;
    c->workload_name = params_str(p, "request_classes.%s.workload", name);
    c->workload = 0;
    c->weight = params_real(p, "request_classes.%s.weight", name);
    c->match = params_str(p, "request_classes.%s.match", name);
    c->mem_mib = params_real(p, "request_classes.%s.memory_per_request_mib", name);
    return demand_read(&c->demand, p, e, "request_classes.%s.demand", name);
}

void reqclass_fini(req_class *c)
{
    dist_fini(&c->demand);
}

/* service.c -- a service's parameters. */
#include "service.h"

const param_def service_params[] = {
    {"services.*.task_definition", PT_REF, "", 0, 0, NULL, "task_definitions", PF_REQUIRED, NULL,
     "The task definition the service runs."},
    {"services.*.desired_count", PT_INT, "tasks", 0, 10000, "1", NULL, 0, NULL,
     "Tasks the service keeps running (placed at t=0)."},
    {"services.*.placement_strategy", PT_STR, "", 0, 0, "spread:zone,spread:host", NULL, 0,
     placement_check,
     "Placement strategy chain, applied in order: binpack:cpu, binpack:memory, spread:zone, "
     "spread:host, random. The default is the ECS console's \"AZ balanced spread\"."},
    {"services.*.load_balancer", PT_REF, "", 0, 0, NULL, "load_balancers", PF_REQUIRED, NULL,
     "The load balancer whose target group the service's tasks register with."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

void service_read(service *sv, const params *p, const char *name, uint16_t id)
{
    char expected[256];
    sv->name = name;
    sv->id = id;
    task_def_read(&sv->def, p, params_str(p, "services.%s.task_definition", name));
    placement_parse(params_str(p, "services.%s.placement_strategy", name), &sv->placement, expected,
                    sizeof expected);
    sv->desired = (uint32_t) params_int(p, "services.%s.desired_count", name);
    sv->lb_name = params_str(p, "services.%s.load_balancer", name);
    sv->lb = 0;
    sv->placed = 0;
    sv->unplaced = 0;
}

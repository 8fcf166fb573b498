/* service.c -- a service's parameters and the deployment arithmetic. */
#include "service.h"

#include <string.h>

const param_def service_params[] = {
    {"services.*.task_definition", PT_REF, "", 0, 0, NULL, "task_definitions", PF_REQUIRED, NULL,
     "The task definition the service runs (at t=0; deployments.* change it later)."},
    {"services.*.desired_count", PT_INT, "tasks", 0, 10000, "1", NULL, 0, NULL,
     "Tasks the service keeps running; the service scheduler replaces any that stop."},
    {"services.*.placement_strategy", PT_STR, "", 0, 0, "spread:zone,spread:host", NULL, 0,
     placement_check,
     "placementStrategy: at most 5 of binpack:cpu, binpack:memory, spread:zone, spread:host, "
     "spread:instance_type, spread:attribute:<name>, random, applied in order (ECS's spellings "
     "spread:attribute:ecs.availability-zone, spread:instanceId are aliases). The default is "
     "how ECS's service scheduler places: the zone with the fewest of the service's tasks, "
     "then the instance with the fewest (API CreateService)."},
    {"services.*.load_balancer", PT_REF, "", 0, 0, NULL, "load_balancers", PF_REQUIRED, NULL,
     "The load balancer whose target group the service's tasks register with."},
    {"services.*.minimum_healthy_percent", PT_INT, "%", 0, 100, "100", NULL, 0, NULL,
     "deploymentConfiguration.minimumHealthyPercent: during a deployment or a replacement, "
     "at least ceil(desired x this / 100) tasks stay RUNNING and healthy."},
    {"services.*.maximum_percent", PT_INT, "%", 100, 1000, "200", NULL, 0, NULL,
     "deploymentConfiguration.maximumPercent: at most floor(desired x this / 100) tasks are "
     "PENDING, RUNNING or STOPPING at once."},
    {"services.*.health_check_grace_period_s", PT_REAL, "s", 0, 2147483647, "0", NULL, 0, NULL,
     "healthCheckGracePeriodSeconds: after a task turns RUNNING, the scheduler ignores failed "
     "load balancer and container health checks for this long."},
    {"services.*.circuit_breaker.enable", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "Deployment circuit breaker: a deployment fails once ceil(0.5 x desired), clamped to "
     "[10, 200], of its tasks have failed to start or failed health checks."},
    {"services.*.circuit_breaker.rollback", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "On a failed deployment, roll back to the last deployment that completed."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

void service_read(service *sv, const params *p, const char *name, uint16_t id, const task_def *defs,
                  uint32_t n_defs)
{
    char expected[256];
    memset(sv, 0, sizeof *sv);
    sv->name = name;
    sv->id = id;
    const char *def_name = params_str(p, "services.%s.task_definition", name);
    for (uint32_t i = 0; i < n_defs; i++)
        if (strcmp(defs[i].name, def_name) == 0) sv->def = &defs[i];
    sv->stable = sv->def;
    placement_parse(params_str(p, "services.%s.placement_strategy", name), &sv->placement, expected,
                    sizeof expected);
    constraint_parse(params_str(p, "services.%s.placement_constraints", name), &sv->constraints,
                     expected, sizeof expected);
    sv->desired = (uint32_t) params_int(p, "services.%s.desired_count", name);
    sv->lb_name = params_str(p, "services.%s.load_balancer", name);
    sv->min_healthy_pct = (int) params_int(p, "services.%s.minimum_healthy_percent", name);
    sv->max_pct = (int) params_int(p, "services.%s.maximum_percent", name);
    sv->grace_s = params_real(p, "services.%s.health_check_grace_period_s", name);
    sv->breaker = params_bool(p, "services.%s.circuit_breaker.enable", name);
    sv->rollback = params_bool(p, "services.%s.circuit_breaker.rollback", name);
}

uint32_t service_max_tasks(const service *sv)
{
    return (uint32_t) ((uint64_t) sv->desired * (uint64_t) sv->max_pct / 100);
}

uint32_t service_min_healthy(const service *sv)
{
    return (uint32_t) (((uint64_t) sv->desired * (uint64_t) sv->min_healthy_pct + 99) / 100);
}

uint32_t service_breaker_threshold(const service *sv)
{
    uint32_t t = (sv->desired + 1) / 2;
    return t < 10 ? 10 : t > 200 ? 200 : t;
}

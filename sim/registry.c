/* registry.c -- the list of parameter tables. A model's parameters appear
 * in `ecsim params` and effective.yaml in this order. */
#include "sim/registry.h"

#include "models/agent.h"
#include "models/asg.h"
#include "models/autoscale.h"
#include "models/capprov.h"
#include "models/client.h"
#include "models/costreport.h"
#include "models/cpstrategy.h"
#include "models/fargate.h"
#include "models/constraint.h"
#include "models/cw.h"
#include "models/failure.h"
#include "models/host.h"
#include "models/hpa.h"
#include "models/lb.h"
#include "models/netmode.h"
#include "models/reqclass.h"
#include "models/scheduler.h"
#include "models/service.h"
#include "models/spot.h"
#include "models/task.h"
#include "models/workload.h"
#include "sim/run.h"

static const param_def *const tables[] = {
    run_params,
    host_params,
    asg_params,
    task_def_params,
    netmode_params,
    agent_params,
    service_params,
    constraint_params,
    capprov_params,
    scheduler_params,
    failure_params,
    lb_params,
    workload_params,
    client_params,
    reqclass_params,
    autoscale_params,
    hpa_params,
    cw_params,
    spot_params,
    fargate_params,
    cpstrategy_params,
    cost_params,
    NULL,
};

static const param_registry registry = {tables};

const param_registry *ecsim_registry(void)
{
    return &registry;
}

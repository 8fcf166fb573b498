/* netmode.h -- a task definition's networking: the network mode and its one
 * port mapping, and what they hold on the container instance that runs the
 * task (task-networking.html, API PortMapping):
 *   bridge  the default on EC2 Linux; host_port > 0 is a static mapping that
 *           reserves that host port, so one such task per instance;
 *           host_port 0 is a dynamic mapping (an ephemeral port), no limit;
 *   host    the container port is the host port: always static;
 *   awsvpc  the task gets its own elastic network interface, so no host port
 *           is held, but an ENI attachment is (at most max_enis - 1 per
 *           instance: the primary interface is the instance's own).
 * Owns the parameters task_definitions.*.network_mode, container_port and
 * host_port, and the check that ties them together. */
#ifndef ECSIM_NETMODE_H
#define ECSIM_NETMODE_H

#include <stdint.h>

#include "sim/engine/err.h"
#include "sim/engine/param.h"

typedef enum { NET_BRIDGE, NET_HOST, NET_AWSVPC } net_mode;

typedef struct netmode {
    net_mode mode;
    uint16_t container_port;
    uint16_t host_port; /* as given: 0 = dynamic (bridge) or "same as container_port" */
} netmode;

extern const param_def netmode_params[];

/* Reads task_definitions.<name>.{network_mode,container_port,host_port}
 * (params_finish has checked each value's range). */
void netmode_read(netmode *n, const params *p, const char *taskdef);

/* What params cannot check one value at a time: in host and awsvpc mode
 * host_port must be 0 or equal container_port, as ECS's RegisterTaskDefinition
 * requires. ECS_OK, or ECS_EINPUT naming host_port's place. Checks every
 * task definition. */
int netmode_validate(const params *p, ecs_err *e);

/* The host port a task of this mapping reserves on its instance: host_port in
 * bridge mode (0: none, dynamic), container_port in host mode, 0 in awsvpc
 * mode (the port is on the task's own interface). */
uint16_t netmode_static_port(const netmode *n);

/* 1 when the task takes an ENI attachment of its instance (awsvpc). */
int netmode_uses_eni(const netmode *n);

const char *netmode_name(net_mode m); /* "bridge" */

#endif

/* netmode.c -- network mode and port mapping parameters of a task
 * definition, and the host resources they take (see netmode.h). */
#include "netmode.h"

#include <string.h>

const param_def netmode_params[] = {
    {"task_definitions.*.network_mode", PT_ENUM, "", 0, 0, "bridge", "bridge|host|awsvpc", 0, NULL,
     "networkMode: bridge (the default on EC2 Linux), host (container ports are host ports), "
     "or awsvpc (the task gets its own elastic network interface: at most the instance type's "
     "max_enis - 1 such tasks per instance; ENI trunking is not modelled)."},
    {"task_definitions.*.container_port", PT_INT, "port", 1, 65535, "80", NULL, 0, NULL,
     "portMappings containerPort of the task's one port mapping (the port the load balancer "
     "sends to)."},
    {"task_definitions.*.host_port", PT_INT, "port", 0, 65535, "0", NULL, 0, NULL,
     "portMappings hostPort. bridge: 0 is a dynamic host port (many tasks per instance), > 0 "
     "a static one that only one task per instance can hold; host and awsvpc: 0 or equal to "
     "container_port (host mode always holds container_port on the instance)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static net_mode mode_of(const char *word)
{
    if (strcmp(word, "host") == 0) return NET_HOST;
    if (strcmp(word, "awsvpc") == 0) return NET_AWSVPC;
    return NET_BRIDGE;
}

void netmode_read(netmode *n, const params *p, const char *taskdef)
{
    n->mode = mode_of(params_str(p, "task_definitions.%s.network_mode", taskdef));
    n->container_port = (uint16_t) params_int(p, "task_definitions.%s.container_port", taskdef);
    n->host_port = (uint16_t) params_int(p, "task_definitions.%s.host_port", taskdef);
}

int netmode_validate(const params *p, ecs_err *e)
{
    size_t n = params_count(p, "task_definitions");
    for (size_t i = 0; i < n; i++) {
        const char *name = params_object(p, "task_definitions", i);
        netmode m;
        netmode_read(&m, p, name);
        if (m.mode == NET_BRIDGE || m.host_port == 0 || m.host_port == m.container_port) continue;
        /* hostPort "can either be left blank or set to the same value as the
         * containerPort" in these modes (API PortMapping) */
        param_loc at = params_where(p, "task_definitions.%s.host_port", name);
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "task_definitions.%s.host_port: expected 0 or container_port (%u) in %s "
                      "network mode, got %u",
                      name, (unsigned) m.container_port, netmode_name(m.mode),
                      (unsigned) m.host_port);
    }
    return ECS_OK;
}

uint16_t netmode_static_port(const netmode *n)
{
    switch (n->mode) {
    case NET_BRIDGE:
        return n->host_port;
    case NET_HOST:
        return n->container_port;
    case NET_AWSVPC:
        return 0;
    }
    return 0;
}

int netmode_uses_eni(const netmode *n)
{
    return n->mode == NET_AWSVPC;
}

const char *netmode_name(net_mode m)
{
    static const char *const names[] = {"bridge", "host", "awsvpc"};
    return names[m];
}

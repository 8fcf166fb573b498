/* host.h -- EC2 container instances, built from the scenario's host groups.
 * Each host offers 1024 CPU units per vCPU and its instance type's memory
 * less what the OS and the ECS agent keep (cluster.reserved_memory_mib), as
 * a container instance registers them; placement reserves task cpu, memory,
 * static host ports and ENI attachments against that (placement_take). A
 * host's attributes are ECS's built-in ones (ecs.instance-type,
 * ecs.availability-zone, ecs.os-type) and its group's custom ones
 * (host_groups.*.attributes), which placement constraints and spread read.
 * The price comes from the instance catalogue for the scenario's region. */
#ifndef ECSIM_HOST_H
#define ECSIM_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "models/catalogue.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"

/* ECS keeps at most 100 reserved host ports per container instance
 * (service-event-messages.html, "Too many ports registered"); the agent's
 * own reserved ports (ECS_RESERVED_PORTS) are among them. */
#define HOST_MAX_PORTS 100

/* A custom attribute's name and value are 1 to 128 characters
 * (task-placement-constraints.html, "Custom attributes"). */
#define HOST_ATTR_MAX 128

typedef enum { HOST_PENDING, HOST_ACTIVE, HOST_DRAINING, HOST_TERMINATED } host_state;

/* What bills a host (costreport.h): an EC2 instance On-Demand or Spot, or
 * the implicit, right-sized capacity record of one Fargate task (fargate.h). */
typedef enum {
    HOST_BILL_ON_DEMAND,
    HOST_BILL_SPOT,
    HOST_BILL_FARGATE,
    HOST_BILL_FARGATE_SPOT
} host_billing;

typedef struct host {
    uint32_t id;               /* index in the cluster's host array */
    uint32_t index_in_group;   /* 1-based, for its name "<group>-<k>" */
    const char *group;         /* host group or Auto Scaling group name (borrowed from params) */
    char zone[32];             /* availability zone */
    const instance_type *type; /* borrowed from the catalogue */
    host_state state;
    int64_t cpu_units;      /* registered CPU units */
    int64_t memory_mib;     /* registered memory */
    int64_t cpu_free_units; /* not reserved by placed tasks */
    int64_t memory_free_mib;
    uint32_t n_tasks;               /* tasks placed on it */
    double usd_per_hour;            /* on-demand price in the scenario's region */
    double launched_s;              /* when billing started */
    double terminated_s;            /* when billing stopped (INFINITY while it runs) */
    const char *attributes;         /* custom "name=value, ..." (borrowed), "" for none */
    uint16_t n_ports;               /* reserved host ports in use */
    uint16_t task_enis;             /* ENIs attached for awsvpc tasks */
    uint16_t ports[HOST_MAX_PORTS]; /* reserved host ports, unordered */
    /* Auto Scaling group instances (asg.h); a host group's hosts have asg -1 */
    int32_t asg;         /* index of its Auto Scaling group, -1 for none */
    double in_service_s; /* registered with the cluster (-INFINITY: before t=0) */
    bool initial;        /* in service at t=0: no warm-up, no grace period */
    bool terminating;    /* the group is draining it to terminate it */
    bool lost;           /* failed or unreachable; the group has not replaced it yet */
    uint64_t asg_ev;     /* its pending boot or group health check, 0 when none */
    /* issue 10 (fargate.c, spot.c): host_init leaves it On-Demand */
    uint8_t billing;  /* a host_billing */
    uint64_t spot_ev; /* its pending Spot interruption notice or termination, 0 when none */
} host;

/* What every host of a run shares: the region's prices, the memory the OS
 * and the agent keep, the agent's reserved ports. */
typedef struct host_env {
    int region;           /* catalogue price column */
    double os_fraction;   /* cluster.os_memory_overhead_fraction */
    int64_t reserved_mib; /* cluster.reserved_memory_mib */
    int n_reserved;       /* cluster.reserved_ports */
    uint16_t reserved[HOST_MAX_PORTS];
} host_env;

extern const param_def host_params[];

/* Loads the catalogue (cluster.catalogue, or the built-in one) and builds the
 * hosts of every host group, all ACTIVE at t=0. On bad input returns
 * ECS_EINPUT/ECS_EIO with e naming the place (an unknown instance type gets
 * "did you mean"). The caller owns *cat_out and *hosts_out. */
int hosts_build(const params *p, catalogue **cat_out, host **hosts_out, uint32_t *n_out,
                ecs_err *e);

/* Reads the shared settings (after params_finish; the ports were checked). */
void host_env_read(host_env *env, const params *p);

/* Memory the agent registers for an instance of type it (may be <= 0 when
 * cluster.reserved_memory_mib leaves nothing). */
int64_t host_registered_mib(const host_env *env, const instance_type *it);

/* Sets up h as host `id`, the k-th (1-based) of `group`, of type it in
 * zone, with custom attributes (borrowed): ACTIVE, launched at t=0, no
 * tasks, not in an Auto Scaling group. Callers change what differs. */
void host_init(host *h, const host_env *env, uint32_t id, const char *group, uint32_t k,
               const char *zone, const instance_type *it, const char *attributes);

/* "<group>-<k>" */
void host_name(const host *h, char *buf, size_t len);

/* The value of attribute `name` on h: the built-in ecs.instance-type,
 * ecs.availability-zone and ecs.os-type ("linux"), or a custom one. Returns 1
 * with *val and *len set (not NUL-terminated; an attribute given without a
 * value has length 0), or 0 when h does not have it. */
int host_attr(const host *h, const char *name, const char **val, size_t *len);

/* Host ports: whether `port` is reserved on h; reserve it (0, or -1 when h
 * holds HOST_MAX_PORTS already); release it (it must be reserved). */
int host_port_used(const host *h, uint16_t port);
int host_port_take(host *h, uint16_t port);
void host_port_give(host *h, uint16_t port);

/* ENI attachments awsvpc tasks may use on h: the instance type's max_enis
 * less the primary interface (container-instance-eni.html). */
int host_task_eni_limit(const host *h);

/* Registry checks of host_groups.*.attributes ("stack=prod, team=a") and
 * cluster.reserved_ports ("22, 2375"). */
int host_attributes_check(const char *text, char *expected, size_t len);
int host_ports_check(const char *text, char *expected, size_t len);

/* 1 when name[0, len) is a valid attribute name: 1 to 128 letters, digits,
 * '-', '_', '.', '/' or '\'. */
int host_attr_name_ok(const char *name, size_t len);

#endif

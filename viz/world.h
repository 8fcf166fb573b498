/* world.h -- what the visualiser sees: a plain-data snapshot of the cluster.
 * world_read copies, through a small set of accessors in world.c (the only
 * viz code that reads models' fields), the hosts, live tasks, services, load
 * balancers and autoscaling state into flat arrays the drawing code reads.
 * Nothing here writes to the cluster. The snapshot holds what the models of
 * the build know; fields a model does not have yet read as "unknown" (-1,
 * VW_NONE, zero alarms) and are drawn as absent, so new autoscaling state
 * appears once its accessor is wired (see world.c, "wiring"). Arrays are
 * reused from frame to frame: reading a world allocates only when it grows. */
#ifndef ECSIM_VIZ_WORLD_H
#define ECSIM_VIZ_WORLD_H

#include <stdint.h>

#include "sim/engine/param.h"

struct cluster;

#define VW_NONE UINT32_MAX
#define VW_NAME 64

typedef enum {
    VW_HOST_BOOTING,     /* launched, not yet registered (instance warm-up) */
    VW_HOST_ACTIVE,      /* takes tasks */
    VW_HOST_DRAINING,    /* no new tasks; its tasks are being moved away */
    VW_HOST_UNREACHABLE, /* lost for now (an AZ outage): may come back */
    VW_HOST_TERMINATED   /* gone for good (failed or scaled in) */
} vw_host_state;

/* Task states: task_state's order (PROVISIONING .. STOPPED). */
enum { VW_TASK_STATES = 8 };

/* Target states: lb_state's order, and VW_TARGET_NONE when not registered. */
enum {
    VW_TARGET_INITIAL,
    VW_TARGET_HEALTHY,
    VW_TARGET_UNHEALTHY,
    VW_TARGET_DRAINING,
    VW_TARGET_NONE
};

typedef enum { VW_ALARM_INSUFFICIENT, VW_ALARM_OK, VW_ALARM_ALARM } vw_alarm_state;

typedef struct vw_host {
    char name[VW_NAME];
    char zone[32];
    char type[32];
    int state;                 /* vw_host_state */
    double cpu_units, mem_mib; /* registered capacity */
    double cpu_used, mem_used; /* reserved by its tasks */
    double since_s;            /* launch time */
    uint32_t n_tasks;          /* live tasks on it */
    int hidden;                /* not drawn (tests draw a wrong picture with it) */
} vw_host;

typedef struct vw_task {
    uint32_t id;      /* the cluster's task id */
    uint32_t host;    /* index in vw_world.hosts; VW_NONE while it waits for capacity */
    uint32_t service; /* index in vw_world.services */
    uint32_t ordinal; /* k in its name "<service>/<k>" */
    int state;        /* task_state (0 PROVISIONING .. 7 STOPPED) */
    int target;       /* VW_TARGET_* */
    double cpu_units, mem_mib;
    uint32_t workers, busy, queued;
    uint64_t served, routed; /* requests answered; attempts its load balancer sent it */
    double mem_used_mib;
    double since_s; /* in its state since */
    int hung;       /* stopped answering */
    int container;  /* container health: 0 unknown, 1 healthy, 2 unhealthy */
    int next;       /* its load balancer would send it the next request */
} vw_task;

typedef struct vw_service {
    char name[VW_NAME];
    uint32_t lb;                          /* index in vw_world.lbs */
    uint32_t desired;                     /* desired_count now */
    uint32_t running, starting, stopping; /* tasks RUNNING; before it; after it */
    uint32_t unplaced;                    /* wanted, placed nowhere (no task object) */
    uint32_t waiting;         /* in PROVISIONING waiting for capacity, without a task object */
    int min_tasks, max_tasks; /* autoscaling bounds; -1 unknown */
    uint64_t arrivals;        /* attempts that reached its load balancer, all time */
    uint64_t completed;       /* answered, all time */
    uint64_t in_flight;
    uint32_t slo_misses; /* unused for now */
} vw_service;

typedef struct vw_lb {
    char name[VW_NAME];
    char algorithm[32];
    uint32_t targets, healthy; /* registered (not draining), healthy */
    uint32_t next_task;        /* index in vw_world.tasks it would pick next (its first
                                  target group); VW_NONE */
    uint64_t routed;           /* attempts routed to live targets, all time */
} vw_lb;

typedef struct vw_alarm {
    char name[VW_NAME];
    int state; /* vw_alarm_state */
    double since_s;
} vw_alarm;

typedef struct vw_world {
    double now_s;
    double duration_s;   /* run.duration_s */
    double slo_p99_s;    /* slo.p99_latency_s */
    double interval_s;   /* run.sample_interval_s */
    char scenario[256];  /* its file name */
    uint32_t hosts_live; /* booting or active or draining */
    vw_host *hosts;
    uint32_t n_hosts, cap_hosts;
    vw_task *tasks; /* live tasks (not STOPPED), by host then id */
    uint32_t n_tasks, cap_tasks;
    vw_service *services;
    uint32_t n_services, cap_services;
    vw_lb *lbs;
    uint32_t n_lbs, cap_lbs;
    vw_alarm *alarms; /* from the model when wired (world.c); else from events.csv lines */
    uint32_t n_alarms, cap_alarms;
    int alarms_from_model;             /* else history.c copies the events.csv ones in */
    int asg_desired, asg_min, asg_max; /* cluster capacity; -1 unknown */
} vw_world;

void world_init(vw_world *w);
void world_fini(vw_world *w);

/* Fixed facts of the run: duration, SLO, sample interval, file name. */
void world_set_run(vw_world *w, const params *p, const char *scenario);

/* Copies the cluster's state now into w (arrays reused). The cluster is not
 * touched. Alarms already in w (from events) are kept unless the model
 * provides its own. */
void world_read(vw_world *w, const struct cluster *c, double now_s);

/* The recorder's histogram of the current sample interval's latencies of
 * service svc, and when that interval began (history.c turns two readings
 * into a window's percentiles). */
struct hist;
const struct hist *world_interval_latency(const struct cluster *c, uint32_t svc, double *since_s);

/* Names for legends and details. */
const char *world_task_state_name(int st);   /* "RUNNING" */
const char *world_target_state_name(int st); /* "healthy", "-" */
const char *world_host_state_name(int st);   /* "active" */
const char *world_alarm_state_name(int st);  /* "OK" */

/* A made-up world of n_hosts hosts in 3 zones and n_tasks tasks spread over
 * them in a mix of states, for `make bench` and tests (no cluster needed). */
void world_synthetic(vw_world *w, uint32_t n_hosts, uint32_t n_tasks);

#endif

/* hostcpu.h -- sharing a host's CPU among the tasks on it. A task with
 * task-level cpu (hard_cap) is limited to it, and since placement keeps the
 * host's reservations within its CPU it always gets what it can use. A task
 * with container-level cpu only (cpu_mode share) has a CFS share: when the
 * host has idle CPU it may use more than it reserved, and when the tasks
 * want more than the host has, the rest is divided among the share tasks
 * in proportion to their cpu units (weighted max-min fairness, as the Linux
 * scheduler divides CPU by cpu.shares; ECS documents container cpu as such
 * a share in its task definition parameters). */
#ifndef ECSIM_HOSTCPU_H
#define ECSIM_HOSTCPU_H

#include <stdint.h>

#include "models/task.h"

struct cluster;

/* Divides host h's CPU again after one of its tasks changed its busy
 * workers; moves the share tasks' speeds (and completions). */
void hostcpu_rebalance(struct cluster *c, uint32_t h);

/* task_env.cpu_changed: ctx is the cluster. */
void hostcpu_task_changed(void *cluster, task *t);

#endif

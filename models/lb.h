/* lb.h -- the load balancer: picks a target task for each request.
 * Owns its target list (the tasks registered in its target group) and each
 * algorithm's state: the round-robin cursor, the random stream. Algorithms:
 * round_robin (ALB's default), least_outstanding_requests (ALB's, ties
 * broken round-robin from the cursor), random. Hot path: lb_pick runs once
 * per request. */
#ifndef ECSIM_LB_H
#define ECSIM_LB_H

#include <stdint.h>

#include "models/task.h"
#include "sim/engine/param.h"
#include "sim/engine/sim.h"

typedef enum { LB_ROUND_ROBIN, LB_LEAST_OUTSTANDING, LB_RANDOM } lb_algorithm;

typedef struct lb lb;

extern const param_def lb_params[];

/* Reads load_balancers.<name>.*; its random stream is "lb:<name>". Caller
 * owns the result (lb_free). Cannot fail: params are already checked. */
lb *lb_new(const params *p, const char *name, sim *s);
void lb_free(lb *b);

const char *lb_name(const lb *b);
lb_algorithm lb_get_algorithm(const lb *b);
uint32_t lb_target_count(const lb *b);

/* Adds a task to the target group (it must not be there already). */
void lb_register(lb *b, uint32_t task_id);
/* Removes it; returns 0, or -1 when it was not registered. */
int lb_deregister(lb *b, uint32_t task_id);

/* The task to send the next request to, or REQUEST_NONE when the target
 * group is empty (the caller answers 503). */
uint32_t lb_pick(lb *b, const task *tasks);

#endif

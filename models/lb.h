/* lb.h -- Application Load Balancers: listener rules, target groups, target
 * health, and picking a target for each request, as the ALB user guide
 * documents them.
 *
 * A load balancer holds one target group per service behind it; its rule
 * forwards each request to one of them by weight (services.*.traffic_weight,
 * a weighted forward action). A target is a task, in one of ALB's target
 * states: initial (registered, not yet checked), healthy, unhealthy,
 * draining (deregistering), unused (gone). Health checks are probes
 * (probe.h) through the task's queue and CPU every interval; an initial
 * target turns healthy after one passed check, a healthy or initial one
 * unhealthy after unhealthy_threshold failed checks in a row, an unhealthy
 * one healthy again after healthy_threshold passed checks. Requests go to
 * healthy targets only; when a target group has none, it fails open to all
 * of its registered targets; with no registered target the answer is 503.
 * Slow start (round_robin only, as ALB allows) ramps a newly healthy
 * target's weight linearly. Deregistration drains: no new requests; it
 * completes when the target's in-flight requests are answered (at once if
 * none), at the latest after the deregistration delay, when requests still
 * in flight get 502. A request the target has not answered within the idle
 * timeout gets 504 (the task keeps working on it). Every state change goes
 * to events.csv (kind target_health) with ALB's reason code.
 *
 * Left out, as undocumented or beyond this model: Automatic Target Weights'
 * anomaly mitigation (weighted_random is uniform over healthy targets, as
 * with mitigation off; its detection thresholds and floor are not
 * documented); ALB's several nodes each checking on their own (one checker
 * here); the time registration takes (the first check goes out at once);
 * the 10 s connect timeout; sticky sessions; a completed deregistration
 * still shown as draining until the delay ends (here it is unused at once).
 *
 * Owns the target records, the target groups, each algorithm's state and
 * the idle-timeout queue. Hot path: lb_route and lb_request_done run once
 * per request each; round robin over healthy targets is O(1). */
#ifndef ECSIM_LB_H
#define ECSIM_LB_H

#include <stddef.h>
#include <stdint.h>

#include "models/probe.h"
#include "models/recorder.h"
#include "models/request.h"
#include "models/task.h"
#include "sim/engine/err.h"
#include "sim/engine/param.h"
#include "sim/engine/sim.h"

typedef enum {
    LB_ROUND_ROBIN,
    LB_LEAST_OUTSTANDING,
    LB_WEIGHTED_RANDOM,
    LB_RANDOM,
    LB_JOIN_SHORTEST_QUEUE, /* the queueing literature's, below: not ALB's */
    LB_POWER_OF_TWO,
    LB_LEAST_UTILISATION,
    LB_WEIGHTED_ROUND_ROBIN
} lb_algorithm;

/* ALB's target health states. */
typedef enum { LB_INITIAL, LB_HEALTHY, LB_UNHEALTHY, LB_DRAINING, LB_UNUSED } lb_state;

const char *lb_state_name(lb_state st); /* "initial", ... as ALB spells them */

typedef struct lb lb;

extern const param_def lb_params[];

/* A target's health changed (initial, healthy and unhealthy among
 * themselves), or its deregistration completed (to == LB_UNUSED: the task
 * may stop). Called from an event of its own, never inside a task's
 * completion, so the callee may start, stop or move tasks. */
typedef void (*lb_change_fn)(void *ctx, uint32_t lb_index, uint32_t task_id, lb_state from,
                             lb_state to);
/* The name of a task for events.csv ("web/3"). */
typedef void (*lb_name_fn)(void *ctx, uint32_t task_id, char *buf, size_t len);
/* The load balancer answers an attempt itself (504 at the idle timeout, 502
 * when the deregistration delay ends): the client records it, while the
 * task keeps the request (it is the client's to mark REQUEST_GONE). */
typedef void (*lb_answer_fn)(void *ctx, uint32_t req, int status);

/* What the load balancers of one cluster share: the event kinds, the world
 * they act on and the callbacks. Plain struct (embedded by its owner);
 * nothing in it is on the heap. Fields are lb.c's. */
typedef struct lb_env {
    sim *s;
    task **tasks; /* the cluster's task array (it may move) */
    task_env *tenv;
    probe_env *probes;
    recorder *rec;
    lb **lbs; /* the cluster's array; lb_new fills it in order */
    uint32_t n_lbs;
    uint16_t probe_client;
    uint32_t kind_check, kind_notify, kind_done, kind_delay, kind_ss_end, kind_idle;
    int quiet; /* the run is over: no timer is armed again */
    lb_change_fn changed;
    void *changed_ctx;
    lb_name_fn name;
    void *name_ctx;
    lb_answer_fn answer;
    void *answer_ctx;
} lb_env;

/* Registers the event kinds and the probe client. Only the addresses of
 * tasks, tenv, probes, rec and lbs (room for every load balancer) are kept:
 * they may be filled later. Cannot fail. */
void lb_env_init(lb_env *env, sim *s, task **tasks, task_env *tenv, probe_env *probes,
                 recorder *rec, lb **lbs);

/* The run is over (no arrival can come and nothing is in flight): cancels
 * every health check, slow-start and idle timer so the event queue drains.
 * client.c calls it when it sees the recorder go idle; a health check that
 * finds the run over calls it too. */
void lb_env_quiesce(lb_env *env);

/* Reads load_balancers.<name>.* into a new load balancer, appended to
 * env->lbs (its index is its place there). Returns ECS_OK, or ECS_EINPUT
 * with e naming file:line:column for what the registry's ranges cannot say
 * (slow_start_s between 1 and 29, slow start with another algorithm than
 * round_robin, a health check timeout not below its interval); then *out
 * is NULL and nothing is left to free. Caller owns *out (lb_free). */
int lb_new(lb **out, const params *p, const char *name, lb_env *env, ecs_err *e);
void lb_free(lb *b);

const char *lb_name(const lb *b);
uint32_t lb_index(const lb *b);
lb_algorithm lb_get_algorithm(const lb *b);

/* Adds a target group for `service` whose rule weight is `weight` (>= 0;
 * services.*.traffic_weight) and returns its index. One per service. */
uint32_t lb_add_target_group(lb *b, uint16_t service, double weight);
uint32_t lb_target_group_count(const lb *b);
uint16_t lb_target_group_service(const lb *b, uint32_t tg);

/* Targets registered (initial, healthy or unhealthy; not draining), over
 * all target groups, and those healthy. */
uint32_t lb_target_count(const lb *b);
uint32_t lb_healthy_count(const lb *b);
/* Healthy targets of the service's target group (RequestCountPerTarget's
 * divisor); 0 when the service has no group here. */
uint32_t lb_service_healthy_count(const lb *b, uint16_t service);

/* Registers a running task in its service's target group: state initial,
 * first health check at once. Returns 0, or -1 when the task's service has
 * no target group here or the task is registered (or draining) already. */
int lb_register(lb *b, uint32_t task_id);

/* Starts deregistering a task: draining, no new requests; the completion
 * (state unused, the change callback) follows in an event of its own, at
 * once when nothing is in flight. Returns 0, or -1 when the task is not
 * registered (or is draining already). */
int lb_deregister_begin(lb *b, uint32_t task_id);

/* ECS deregisters a task that stopped by itself: the same as
 * lb_deregister_begin (its requests were answered 502, so it completes at
 * once). Returns 0 or -1 likewise. */
int lb_deregister(lb *b, uint32_t task_id);

/* The task's target state here; LB_UNUSED when it is not registered. */
lb_state lb_target_state(const lb *b, uint32_t task_id);

/* Hot path. Routes attempt `req` (pool->r[req], arrival_s set): picks the
 * target group by the rule's weights and sets r->service to its service,
 * then picks a target. Returns the task id, after marking the request
 * REQUEST_AT_LB (lb_request_done must follow when the task answers); or
 * REQUEST_NONE when the group has no registered target (the caller answers
 * 503). The task may not be serving any more (the caller answers 502). */
uint32_t lb_route(lb *b, request_pool *pool, uint32_t req);

/* Hot path. The task answered an attempt marked REQUEST_AT_LB (any status):
 * the load balancer stops waiting for it. */
void lb_request_done(lb *b, request *r);

/* Attempts routed to a registered (or draining) task; 0 when it is not. */
uint64_t lb_target_routed(const lb *b, uint32_t task_id);

/* Statistics, all time: answers the load balancer gave itself. */
uint64_t lb_idle_timeouts(const lb *b); /* 504 */
uint64_t lb_drain_cut(const lb *b);     /* 502: in flight when the delay ended */
double lb_slow_start_weight(const lb *b, uint32_t task_id); /* 1 outside slow start */

/* For watching, never for routing: the task target group tg would pick next
 * if a request came now (round_robin: the next healthy member from the
 * cursor, slow-start credit aside; least_outstanding_requests: the fewest in
 * progress, ties from the cursor), or REQUEST_NONE when the group is empty
 * or the algorithm draws at random. Changes nothing. */
uint32_t lb_next_target(const lb *b, uint32_t tg);

#endif

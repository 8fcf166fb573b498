/* client.h -- clients: what happens to a request between its sender and the
 * load balancer. A client sends an attempt, waits for the answer up to its
 * timeout, and retries failed or timed-out attempts with exponential backoff
 * and jitter while its retry count and its retry budget allow (a token
 * bucket, as Finagle's RetryBudget and gRPC's retry throttling work). When
 * the client stops waiting, the server does not know: the attempt goes on
 * and its late answer is wasted work, unless it is still queued when a
 * worker picks it up, which then drops it (499). The client records every
 * attempt's and every request's outcome, and tells the sender (a closed-loop
 * user) when a request has ended. It also routes every answer a task gives:
 * a health-check probe's to probe.c, a request's to its load balancer (which
 * stops waiting for it) and then to the client; and it takes the answers
 * the load balancer gives itself (504 at the idle timeout, 502 when a
 * deregistration delay ends), which the client treats as error answers
 * while the task keeps the request. The load balancers' shared state and
 * the probes live here, beside the clients that use them. */
#ifndef ECSIM_CLIENT_H
#define ECSIM_CLIENT_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/lb.h"
#include "models/probe.h"
#include "models/task.h"
#include "sim/engine/param.h"
#include "sim/engine/sim.h"

typedef enum { CLIENT_JITTER_NONE, CLIENT_JITTER_FULL, CLIENT_JITTER_EQUAL } client_jitter;
typedef enum { CLIENT_RETRY_ERRORS, CLIENT_RETRY_TIMEOUTS, CLIENT_RETRY_BOTH } client_retry_on;

typedef struct client_cfg {
    double timeout_s;      /* 0: the client waits for ever */
    uint32_t retries;      /* attempts after the first */
    double backoff_base_s; /* the k-th retry waits base * 2^(k-1), capped */
    double backoff_max_s;
    client_jitter jitter;
    client_retry_on retry_on;
    double budget_ratio; /* tokens a first try earns; a retry costs one; 0: no budget */
    double budget_burst; /* the bucket's size and its tokens at t=0 */
} client_cfg;

extern const param_def client_params[];

/* Reads workloads.<name>.client.* */
void client_cfg_read(client_cfg *c, const params *p, const char *workload);

/* One workload's client. */
typedef struct client {
    client_cfg cfg;
    uint32_t lb;   /* load balancer its attempts go to */
    double tokens; /* retry budget left */
    gsl_rng *jitter_rng;
} client;

/* A closed-loop user's request ended (succeeded or failed for good): the
 * user may think and send the next. Open-loop requests (user REQUEST_NONE)
 * have nobody to tell, and no call is made for them. */
typedef void (*client_done_fn)(void *ctx, uint16_t workload, uint32_t user);

typedef struct client_env {
    task_env *tenv;
    lb **lbs;
    probe_env probes; /* health checks of every kind (probe_env_init before lb_env_init) */
    lb_env lbe;       /* what the load balancers share (lb_env_init before lb_new) */
    client *clients;  /* one per workload, indexed by request.workload */
    uint32_t kind_timeout, kind_retry;
    uint64_t backing_off; /* retries waiting for their backoff to end */
    client_done_fn done;
    void *done_ctx;
    /* told of every request as it ends, with its last attempt's status (0:
     * the client gave up at its timeout); NULL when nobody logs them */
    void (*log)(void *ctx, const request *r, double now_s, int status);
    void *log_ctx;
    /* told of every attempt (probes too) as its task (or the load balancer,
     * for 503) lets it go, for --check's Little's law; NULL otherwise */
    void (*leave)(void *ctx, const request *r, double now_s);
    void *leave_ctx;
} client_env;

/* Registers the timeout and retry events; installs client_answer as the
 * tasks' answer function and the load balancers' own answers (env->lbe,
 * initialised before, is left as it is but for its answer function). */
void client_env_init(client_env *env, sim *s, task_env *tenv, lb **lbs, client *clients,
                     client_done_fn done, void *done_ctx);

/* Sends the first attempt of a new request. The caller took `id` from the
 * pool and filled first_s (now), demand_s, service, workload, cls, user. */
void client_send_new(client_env *env, uint32_t id);

/* The tasks' answer function (a task_answer_fn with a client_env): probes
 * go to probe_answer, requests to their load balancer and client. When it
 * leaves nothing in flight and no arrival can come, the run is over and it
 * quiesces the load balancers (lb_env_quiesce). */
void client_answer(void *ctx, uint32_t id, int status);

#endif

/* request.h -- one request attempt in flight, and the pool it lives in.
 * Requests are the hot-path objects: one is taken per arrival and given back
 * when it is answered, so they come from a free list in one growable array
 * and are named by index (an array that grows may move). The pool grows with
 * the most requests in flight at once, never with requests simulated. */
#ifndef ECSIM_REQUEST_H
#define ECSIM_REQUEST_H

#include <stdint.h>

#define REQUEST_NONE UINT32_MAX

enum {
    REQUEST_GONE = 1 << 0,  /* nobody reads this attempt's answer: the client stopped waiting,
                               or the load balancer answered it itself (504, 502) */
    REQUEST_PROBE = 1 << 1, /* a health check (probe.h), not a client's request */
    REQUEST_AT_LB = 1 << 2  /* the load balancer still waits for the task's answer: it counts
                               in its target's outstanding requests and idle timeout (lb.h) */
};

typedef struct request {
    double arrival_s;    /* when this attempt reached the load balancer */
    double first_s;      /* when the client first sent the request (attempt 0) */
    double demand_s;     /* the request's CPU-seconds (kept for retries) */
    double remaining_s;  /* CPU-seconds (at one vCPU) of work left */
    double since_s;      /* when remaining_s was last brought up to date */
    double start_s;      /* when this attempt entered service, -1 before */
    uint64_t done_ev;    /* handle of its completion event while in service */
    uint64_t timeout_ev; /* handle of the client's (or the probe's) timeout, 0 if none pending */
    uint32_t task;       /* task serving or queueing it */
    uint32_t next;       /* next in the task's FIFO queue, or in the free list */
    uint32_t slot;       /* worker slot while in service */
    union {
        uint32_t user;         /* closed-loop user who sent it, REQUEST_NONE if open loop */
        uint32_t probe_cookie; /* REQUEST_PROBE: what the prober asked to get back */
    };
    uint32_t lb_seq;  /* the load balancer's number for this attempt (its idle-timeout queue) */
    float mem_mib;    /* memory it holds in its task while in service */
    uint16_t service; /* service it is for */
    union {
        uint16_t workload;     /* workload that sent it */
        uint16_t probe_client; /* REQUEST_PROBE: who sent it (probe_client) */
    };
    uint16_t cls;    /* request class, REQUEST_NO_CLASS if none */
    uint8_t attempt; /* 0 for the first try, k for the k-th retry */
    uint8_t flags;   /* REQUEST_* */
} request;

#define REQUEST_NO_CLASS UINT16_MAX

typedef struct request_pool {
    request *r;
    uint32_t cap;
    uint32_t free_head;
    uint32_t live; /* taken and not yet given back */
    uint32_t peak; /* most live at once */
} request_pool;

void request_pool_init(request_pool *p);
void request_pool_fini(request_pool *p);

/* Takes a request; its fields are the caller's to fill. Cannot fail. */
static inline uint32_t request_take(request_pool *p);
static inline void request_give(request_pool *p, uint32_t id);

/* Grows the pool (doubling); called by request_take when the free list is empty. */
void request_pool__grow(request_pool *p);

static inline uint32_t request_take(request_pool *p)
{
    if (p->free_head == REQUEST_NONE) request_pool__grow(p);
    uint32_t id = p->free_head;
    p->free_head = p->r[id].next;
    p->r[id].next = REQUEST_NONE;
    if (++p->live > p->peak) p->peak = p->live;
    return id;
}

static inline void request_give(request_pool *p, uint32_t id)
{
    p->r[id].next = p->free_head;
    p->free_head = id;
    p->live--;
}

#endif

/* request.c -- growing the request pool. Growth doubles the array and threads
 * the new slots onto the free list lowest index first, so the order in which
 * slots are reused (and so a run's behaviour) does not depend on the build. */
#include "request.h"

#include <stdlib.h>

#include "sim/engine/xmalloc.h"

#define REQUEST_POOL_INITIAL 1024

void request_pool_init(request_pool *p)
{
    p->r = NULL;
    p->cap = 0;
    p->free_head = REQUEST_NONE;
    p->live = 0;
    p->peak = 0;
}

void request_pool_fini(request_pool *p)
{
    free(p->r);
    request_pool_init(p);
}

void request_pool__grow(request_pool *p)
{
    uint32_t old = p->cap;
    uint32_t cap = old ? old * 2 : REQUEST_POOL_INITIAL;
    p->r = xrealloc(p->r, (size_t) cap * sizeof *p->r);
    for (uint32_t i = cap; i-- > old;) {
        p->r[i].next = p->free_head;
        p->free_head = i;
    }
    p->cap = cap;
}

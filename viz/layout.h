/* layout.h -- where everything goes on the picture, as a pure function of
 * the world snapshot and the picture's size (tests compute the same
 * positions to find hosts and tasks in a screenshot).
 *
 * Hosts are boxes grouped in one column per availability zone, in host
 * order, with one scale for all: a box is `scale` pixels wide per vCPU and
 * `scale` pixels high per 4 GiB of registered memory, so an instance twice
 * as big is twice as wide or tall. The scale is the largest that fits every
 * zone's boxes in the cluster area. A task is a block inside its host box,
 * as wide as its share of the host's CPU units and as high as its share of
 * the host's memory; a host's tasks stack from the bottom-left corner up and
 * to the right (a staircase), so how far the blocks reach to the right is the
 * CPU reserved and how far up is the memory reserved: binpack fills a box to
 * its right edge before the next, spread puts a block in each. Tasks that
 * wait for capacity, and tasks a service could not place, sit in the
 * waiting strip under the hosts. */
#ifndef ECSIM_VIZ_LAYOUT_H
#define ECSIM_VIZ_LAYOUT_H

#include <stdint.h>

#include "viz/canvas.h"
#include "viz/world.h"

#define VL_CHARTS 5 /* arrivals, latency, tasks, hosts, alarms */

typedef struct vl_zone {
    char name[32];
    cv_rect r; /* its column, the name on top */
} vl_zone;

typedef struct layout {
    int w, h;
    cv_rect header, side, cluster, waiting, charts, ticker;
    cv_rect chart[VL_CHARTS];
    double scale;     /* pixels per vCPU (and per 4 GiB) */
    int label_h;      /* height of the name above each host box; 0 when too small */
    int border;       /* host box border */
    cv_rect *lb;      /* per load balancer */
    cv_rect *host;    /* per host: the box (its label is above it) */
    cv_rect *task;    /* per task of the world: its block; w == 0 when not drawn */
    cv_rect unplaced; /* the first unplaced-task block in the waiting strip (w 0 if none) */
    vl_zone *zones;
    uint32_t n_zones, n_lbs, n_hosts, n_tasks;
    uint32_t cap_lbs, cap_hosts, cap_tasks, cap_zones;
} layout;

void layout_init(layout *l);
void layout_fini(layout *l);

/* Computes every position for world w on a width x height picture. */
void layout_compute(layout *l, const vw_world *w, int width, int height);

/* A point inside the area of r (its centre), for tests and flows. */
static inline void layout_centre(cv_rect r, int *x, int *y)
{
    *x = r.x + r.w / 2;
    *y = r.y + r.h / 2;
}

/* What is under the point (x, y): a task index, a host index or a load
 * balancer index (the others VW_NONE). Returns 1 when anything is. */
int layout_hit(const layout *l, const vw_world *w, int x, int y, uint32_t *task, uint32_t *host,
               uint32_t *lbi);

#endif

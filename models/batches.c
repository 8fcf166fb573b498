/* batches.c -- the series of a run's time batches (see batches.h). */
#include "models/batches.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

void batches_init(batches *b, uint32_t n_svc, double t0, double w0, int share_client)
{
    memset(b, 0, sizeof *b);
    b->share_client = share_client;
    steady_init(&b->set, t0, w0);
    b->n_svc = n_svc;
    size_t n = n_svc ? n_svc : 1;
    b->lat = xcalloc(n, sizeof *b->lat);
    b->clat = xcalloc(n, sizeof *b->clat);
    b->err = xcalloc(n, sizeof *b->err);
    b->cpu = xcalloc(n, sizeof *b->cpu);
    b->mem = xcalloc(n, sizeof *b->mem);
    b->last_s = xcalloc(n, sizeof *b->last_s);
    b->last_area = xcalloc(4 * n, sizeof *b->last_area);
    for (uint32_t i = 0; i < n_svc; i++) {
        b->lat[i] = steady_add_hist(&b->set);
        b->clat[i] = share_client ? b->lat[i] : steady_add_hist(&b->set);
        b->err[i] = steady_add_ratio(&b->set);
        b->cpu[i] = steady_add_ratio(&b->set);
        b->mem[i] = steady_add_ratio(&b->set);
    }
}

void batches_set_classes(batches *b, uint32_t n_cls)
{
    free(b->cls_lat);
    b->n_cls = n_cls;
    b->cls_lat = xcalloc(n_cls ? n_cls : 1, sizeof *b->cls_lat);
    for (uint32_t i = 0; i < n_cls; i++) b->cls_lat[i] = steady_add_hist(&b->set);
}

void batches_fini(batches *b)
{
    steady_fini(&b->set);
    free(b->lat);
    free(b->clat);
    free(b->err);
    free(b->cpu);
    free(b->mem);
    free(b->cls_lat);
    free(b->last_s);
    free(b->last_area);
    memset(b, 0, sizeof *b);
}

void batches_areas(batches *b, uint32_t svc, double now_s, double used, double reserved,
                   double used_mib, double reserved_mib)
{
    double *a = &b->last_area[4 * svc];
    double mid = (b->last_s[svc] + now_s) / 2;
    if (now_s > b->last_s[svc] && mid >= b->set.t0) {
        steady_ratio_add(&b->set, b->cpu[svc], mid, used - a[0], reserved - a[1]);
        steady_ratio_add(&b->set, b->mem[svc], mid, used_mib - a[2], reserved_mib - a[3]);
    }
    b->last_s[svc] = now_s;
    a[0] = used;
    a[1] = reserved;
    a[2] = used_mib;
    a[3] = reserved_mib;
}

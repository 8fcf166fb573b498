/* layout.c -- the picture's regions, the host boxes (zone columns, shelf
 * packing, one scale found by bisection) and the task staircases. Runs once
 * per frame: O(hosts x 40 bisection steps + tasks). */
#include "viz/layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

#define HEADER_H      26
#define ZONE_H        18 /* zone name above its column */
#define WAITING_H     22
#define TICKER_LINES  5
#define TICKER_LINE_H 15

void layout_init(layout *l)
{
    memset(l, 0, sizeof *l);
}

void layout_fini(layout *l)
{
    free(l->lb);
    free(l->host);
    free(l->task);
    free(l->zones);
    memset(l, 0, sizeof *l);
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double box_w(const vw_host *h, double s)
{
    return s * h->cpu_units / 1024.0;
}

static double box_h(const vw_host *h, double s)
{
    return s * h->mem_mib / 4096.0;
}

static int pad_of(double s)
{
    return clampi((int) (s * 0.08), 2, 10);
}

static int label_of(double s)
{
    return s >= 35 ? 14 : 0; /* a name fits above a box of 2 vCPU x 70 px */
}

static uint32_t zone_index(const layout *l, const char *zone)
{
    for (uint32_t z = 0; z < l->n_zones; z++)
        if (strcmp(l->zones[z].name, zone) == 0) return z;
    return VW_NONE;
}

/* Shelf-packs the hosts of zone z at scale s into a column of width cw from
 * (x0, y0); returns the height used. With place set, writes the boxes. */
static int pack_zone(layout *l, const vw_world *w, uint32_t z, double s, int x0, int y0, int cw,
                     int place)
{
    int pad = pad_of(s), lab = label_of(s);
    int x = 0, y = 0, row_h = 0;
    for (uint32_t i = 0; i < w->n_hosts; i++) {
        const vw_host *h = &w->hosts[i];
        if (zone_index(l, h->zone) != z) continue;
        int bw = (int) lround(box_w(h, s)), bh = (int) lround(box_h(h, s));
        if (bw < 3) bw = 3;
        if (bh < 3) bh = 3;
        int sw = bw + pad, sh = bh + lab + pad;
        if (x > 0 && x + sw > cw) {
            x = 0;
            y += row_h;
            row_h = 0;
        }
        if (place) l->host[i] = (cv_rect){x0 + x, y0 + y + lab, bw, bh};
        x += sw;
        if (sh > row_h) row_h = sh;
        if (sw > cw) return 1 << 30; /* one box wider than its column */
    }
    return y + row_h;
}

#define ZONE_GAP 10

/* Column rectangles: equal widths (way 0) or widths by host area (way 1),
 * each at least half an equal share. */
static void set_columns(layout *l, int way, const double *area, double total)
{
    cv_rect a = l->cluster;
    int n = (int) l->n_zones, avail = a.w - ZONE_GAP * (n - 1), x = a.x;
    double share_min = 0.5 / n, sum = 0;
    double share[64];
    for (int z = 0; z < n && z < 64; z++) {
        share[z] = way == 0 || !(total > 0) ? 1.0 / n : area[z] / total;
        if (share[z] < share_min) share[z] = share_min;
        sum += share[z];
    }
    for (int z = 0; z < n; z++) {
        int cw = z < 64 ? (int) (avail * share[z] / sum) : avail / n;
        if (z == n - 1) cw = a.x + a.w - x;
        l->zones[z].r = (cv_rect){x, a.y, cw, a.h};
        x += cw + ZONE_GAP;
    }
}

/* The largest scale at which every column fits (fits is monotone in s up
 * to shelf effects, which bisection tolerates). */
static double fit_scale(layout *l, const vw_world *w)
{
    int avail = l->cluster.h - ZONE_H;
    double lo = 0.25, hi = 400;
    for (int it = 0; it < 40; it++) {
        double mid = 0.5 * (lo + hi);
        int ok = 1;
        for (uint32_t z = 0; z < l->n_zones && ok; z++)
            ok = pack_zone(l, w, z, mid, 0, 0, l->zones[z].r.w, 0) <= avail;
        if (ok)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void place_hosts(layout *l, const vw_world *w)
{
    cv_rect a = l->cluster;
    l->n_zones = 0;
    for (uint32_t i = 0; i < w->n_hosts; i++) {
        if (zone_index(l, w->hosts[i].zone) != VW_NONE) continue;
        if (l->n_zones == l->cap_zones) {
            l->cap_zones = l->cap_zones ? 2 * l->cap_zones : 4;
            l->zones = xrealloc(l->zones, l->cap_zones * sizeof *l->zones);
        }
        vl_zone *zn = &l->zones[l->n_zones++];
        memset(zn, 0, sizeof *zn);
        memcpy(zn->name, w->hosts[i].zone, sizeof zn->name);
    }
    /* zones left to right by name */
    for (uint32_t i = 1; i < l->n_zones; i++)
        for (uint32_t j = i; j > 0 && strcmp(l->zones[j - 1].name, l->zones[j].name) > 0; j--) {
            vl_zone t = l->zones[j];
            l->zones[j] = l->zones[j - 1];
            l->zones[j - 1] = t;
        }
    if (l->n_zones == 0) return;
    /* two ways to share the width among zones, equally or by the area of
     * their hosts; the one that lets the boxes be bigger wins */
    double area[64] = {0}, total = 0;
    for (uint32_t i = 0; i < w->n_hosts; i++) {
        uint32_t z = zone_index(l, w->hosts[i].zone);
        double a1 = box_w(&w->hosts[i], 1) * box_h(&w->hosts[i], 1);
        if (z < 64) area[z] += a1;
        total += a1;
    }
    double best_s = -1;
    int best_way = 0;
    for (int way = 0; way < 2 && l->n_zones <= 64; way++) {
        if (way == 1 && !(total > 0)) break;
        set_columns(l, way, area, total);
        double sc = fit_scale(l, w);
        if (sc > best_s * 1.0001) {
            best_s = sc;
            best_way = way;
        }
    }
    set_columns(l, best_way, area, total);
    double lo = best_s > 0 ? best_s : fit_scale(l, w);
    l->scale = lo;
    l->label_h = label_of(lo);
    l->border = lo >= 20 ? 2 : 1;
    for (uint32_t z = 0; z < l->n_zones; z++)
        pack_zone(l, w, z, lo, l->zones[z].r.x, a.y + ZONE_H, l->zones[z].r.w, 1);
}

/* Blocks of each host's tasks, bottom-left upwards, by cumulative share so
 * neighbouring blocks meet without gaps. The world lists tasks by host. */
static void place_tasks(layout *l, const vw_world *w)
{
    uint32_t i = 0;
    while (i < w->n_tasks) {
        uint32_t h = w->tasks[i].host, j = i;
        while (j < w->n_tasks && w->tasks[j].host == h) j++;
        if (h == VW_NONE || h >= w->n_hosts) {
            for (uint32_t k = i; k < j; k++) l->task[k] = (cv_rect){0, 0, 0, 0};
            i = j;
            continue;
        }
        const vw_host *hs = &w->hosts[h];
        cv_rect b = l->host[h];
        int in = l->border + (l->scale >= 20 ? 1 : 0);
        cv_rect r = {b.x + in, b.y + in, b.w - 2 * in, b.h - 2 * in};
        double cpu = 0, mem = 0;
        for (uint32_t k = i; k < j; k++) {
            const vw_task *t = &w->tasks[k];
            double c0 = cpu / hs->cpu_units, m0 = mem / hs->mem_mib;
            cpu += t->cpu_units;
            mem += t->mem_mib;
            double c1 = cpu / hs->cpu_units, m1 = mem / hs->mem_mib;
            if (c1 > 1) c1 = 1;
            if (m1 > 1) m1 = 1;
            if (c0 > 1) c0 = 1;
            if (m0 > 1) m0 = 1;
            int x0 = r.x + (int) lround(c0 * r.w), x1 = r.x + (int) lround(c1 * r.w);
            int yb = r.y + r.h - (int) lround(m0 * r.h), yt = r.y + r.h - (int) lround(m1 * r.h);
            if (x1 <= x0) x1 = x0 + 1;
            if (yt >= yb) yt = yb - 1;
            l->task[k] = (cv_rect){x0, yt, x1 - x0, yb - yt};
        }
        i = j;
    }
}

/* Waiting tasks (no host) and unplaced ones: small blocks in a row. */
static void place_waiting(layout *l, const vw_world *w)
{
    cv_rect a = l->waiting;
    int bw = 14, bh = a.h - 8, x = a.x + 120; /* the strip's name first */
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        if (w->tasks[k].host != VW_NONE) continue;
        if (x + bw <= a.x + a.w - 40)
            l->task[k] = (cv_rect){x, a.y + 4, bw, bh};
        else
            l->task[k] = (cv_rect){0, 0, 0, 0};
        x += bw + 3;
    }
    l->unplaced = (cv_rect){x, a.y + 4, bw, bh};
}

void layout_compute(layout *l, const vw_world *w, int width, int height)
{
    l->w = width;
    l->h = height;
    if (w->n_lbs > l->cap_lbs) {
        l->cap_lbs = w->n_lbs;
        l->lb = xrealloc(l->lb, l->cap_lbs * sizeof *l->lb);
    }
    if (w->n_hosts > l->cap_hosts) {
        l->cap_hosts = w->n_hosts;
        l->host = xrealloc(l->host, l->cap_hosts * sizeof *l->host);
    }
    if (w->n_tasks > l->cap_tasks) {
        l->cap_tasks = w->n_tasks;
        l->task = xrealloc(l->task, l->cap_tasks * sizeof *l->task);
    }
    l->n_lbs = w->n_lbs;
    l->n_hosts = w->n_hosts;
    l->n_tasks = w->n_tasks;

    int ticker_h = TICKER_LINES * TICKER_LINE_H + 8;
    int charts_h = clampi(height * 22 / 100, 90, 190);
    int side_w = clampi(width * 17 / 100, 150, 250);
    l->header = (cv_rect){0, 0, width, HEADER_H};
    l->ticker = (cv_rect){0, height - ticker_h, width, ticker_h};
    l->charts = (cv_rect){0, l->ticker.y - charts_h, width, charts_h};
    int main_y = HEADER_H + 4, main_h = l->charts.y - 4 - main_y;
    l->side = (cv_rect){6, main_y, side_w, main_h};
    int cx = side_w + 40; /* room for the flows between the load balancers and the hosts */
    l->cluster = (cv_rect){cx, main_y, width - cx - 8, main_h - WAITING_H - 4};
    l->waiting = (cv_rect){cx, main_y + main_h - WAITING_H, width - cx - 8, WAITING_H};
    int cw = (width - 8 * (VL_CHARTS + 1)) / VL_CHARTS;
    for (int i = 0; i < VL_CHARTS; i++)
        l->chart[i] = (cv_rect){8 + i * (cw + 8), l->charts.y + 4, cw, charts_h - 8};

    /* load balancers: stacked in the side panel's top part */
    int lb_h = 92, y = main_y;
    for (uint32_t i = 0; i < w->n_lbs; i++) {
        int hh = lb_h;
        if (w->n_lbs * (uint32_t) (lb_h + 8) > (uint32_t) (main_h * 2 / 3))
            hh = (main_h * 2 / 3) / (int) w->n_lbs - 8;
        if (hh < 20) hh = 20;
        l->lb[i] = (cv_rect){l->side.x, y, l->side.w, hh};
        y += hh + 8;
    }
    place_hosts(l, w);
    place_tasks(l, w);
    place_waiting(l, w);
}

static int inside(cv_rect r, int x, int y)
{
    return r.w > 0 && x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

int layout_hit(const layout *l, const vw_world *w, int x, int y, uint32_t *task, uint32_t *host,
               uint32_t *lbi)
{
    *task = *host = *lbi = VW_NONE;
    for (uint32_t k = 0; k < l->n_tasks && k < w->n_tasks; k++)
        if (inside(l->task[k], x, y)) {
            *task = k;
            return 1;
        }
    for (uint32_t i = 0; i < l->n_hosts && i < w->n_hosts; i++)
        if (!w->hosts[i].hidden && inside(l->host[i], x, y)) {
            *host = i;
            return 1;
        }
    for (uint32_t i = 0; i < l->n_lbs; i++)
        if (inside(l->lb[i], x, y)) {
            *lbi = i;
            return 1;
        }
    return 0;
}

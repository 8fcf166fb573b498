/* watch.c -- the snapshot, history and sampling a run observer keeps. */
#include "viz/watch.h"

#include <math.h>
#include <string.h>

#include "models/cluster.h"
#include "viz/chart.h"

void watch_init(watch *wt)
{
    memset(wt, 0, sizeof *wt);
    world_init(&wt->world);
}

void watch_fini(watch *wt)
{
    if (wt->began) history_fini(&wt->hist);
    world_fini(&wt->world);
    memset(wt, 0, sizeof *wt);
}

double watch_spacing(double duration_s, double interval_s)
{
    double d = chart_nice_ceil(duration_s / 600);
    if (d < 0.1) d = 0.1;
    /* a whole number of samples per recorder interval (watch_samples) */
    if (interval_s > 0 && d < interval_s) d = interval_s / ceil(interval_s / d - 1e-9);
    if (interval_s > 0 && d > interval_s) d = interval_s * floor(d / interval_s + 1e-9);
    return d;
}

void watch_begin(watch *wt, const cluster *c, const params *p, const char *scenario)
{
    if (wt->began) history_fini(&wt->hist);
    world_fini(&wt->world);
    world_init(&wt->world);
    world_set_run(&wt->world, p, scenario);
    wt->dt = watch_spacing(wt->world.duration_s, wt->world.interval_s);
    history_init(&wt->hist, c->n_services, wt->dt);
    wt->c = c;
    wt->k = 0;
    wt->began = 1;
}

void watch_event_line(watch *wt, const char *line, size_t len)
{
    if (wt->began) history_event_line(&wt->hist, line, len);
}

void watch_refresh(watch *wt, double now_s)
{
    world_read(&wt->world, wt->c, now_s);
    history_alarms_to_world(&wt->hist, &wt->world);
}

/* Sample k is taken just before k * dt: every event before that time has
 * happened, none at it. The recorder starts its intervals at multiples of
 * the sample interval, which dt divides, so its interval histogram is reset
 * right after a sample and the difference of two samples' copies is the
 * window's whole distribution. */
static double sample_time(const watch *wt, uint64_t k)
{
    return k == 0 ? 0 : nextafter((double) k * wt->dt, -INFINITY);
}

double watch_samples(watch *wt, const observe_status *st)
{
    while (sample_time(wt, wt->k) <= st->now_s) {
        double t = (double) wt->k * wt->dt;
        /* a sample the run jumped past (its --until, or the end) is taken
         * with the world as it is */
        watch_refresh(wt, t < st->now_s ? st->now_s : t);
        wt->world.now_s = t < st->now_s ? st->now_s : t;
        history_sample(&wt->hist, &wt->world, wt->c);
        wt->k++;
        if (t < st->now_s) { /* on to the first one still ahead */
            uint64_t k2 = (uint64_t) floor(st->now_s / wt->dt) + 1;
            if (k2 > wt->k) wt->k = k2;
        }
    }
    return sample_time(wt, wt->k);
}

/* watch.h -- the visualiser's side of a run observer (sim/observe.h),
 * shared by the window and the headless renderer: it keeps the snapshot
 * and the history, takes a chart sample just before every multiple of the
 * sample spacing (the observer asks the run to stop there, so samples fall
 * at exact times whatever the frame rate) and feeds events.csv lines to the
 * ticker. */
#ifndef ECSIM_VIZ_WATCH_H
#define ECSIM_VIZ_WATCH_H

#include <stdint.h>

#include "sim/observe.h"
#include "viz/history.h"
#include "viz/world.h"

typedef struct watch {
    vw_world world;
    history hist;
    const struct cluster *c; /* the run being watched (read only); NULL outside a run */
    double dt;               /* chart sample spacing, s */
    uint64_t k;              /* the next sample is at k * dt */
    int began;
} watch;

void watch_init(watch *wt);
void watch_fini(watch *wt);

/* The observer's begin and event_line, for callers that wrap them. */
void watch_begin(watch *wt, const struct cluster *c, const params *p, const char *scenario);
void watch_event_line(watch *wt, const char *line, size_t len);

/* Takes every sample due at st->now_s and returns the time of the next
 * (so the caller runs no further than it before asking again). */
double watch_samples(watch *wt, const observe_status *st);

/* The snapshot brought up to now_s (world_read plus the alarms from events). */
void watch_refresh(watch *wt, double now_s);

/* The chart sample spacing for a run of duration_s whose recorder samples
 * every interval_s: 1, 2 or 5 times a power of ten near duration / 600, at
 * least 0.1 s, then made a divisor (or a multiple) of interval_s. */
double watch_spacing(double duration_s, double interval_s);

#endif

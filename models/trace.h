/* trace.h -- streamed replay of recorded request traces as arrivals.
 * Reads, as the simulation advances and never whole, one of four formats:
 * interval counts (CSV t_seconds,requests), per-request CSV (a time column,
 * optional demand and class columns named in the scenario), Elastic Load
 * Balancing access logs (ALB), and web server logs in the Common and
 * Combined Log Formats (Apache httpd, NGINX); plain or gzip (zlib). Applies
 * the scenario's transformations (window, loop, time scale, rate scale,
 * shift) and turns counts into arrival times within each bin. Yields
 * arrivals in simulated time, non-decreasing. A bad row is an input error
 * naming file:line:column and what was expected, whenever it is met. */
#ifndef ECSIM_TRACE_H
#define ECSIM_TRACE_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "sim/engine/err.h"

typedef enum { TRACE_COUNTS, TRACE_REQUESTS, TRACE_ALB, TRACE_CLF } trace_format;

typedef struct trace_spec {
    const char *path; /* already resolved against the scenario's folder */
    trace_format format;
    /* counts */
    double bin_s;          /* bin width; 0 = inferred from the first two rows */
    int placement_poisson; /* 0: exactly the count, uniform in the bin; 1: Poisson(count) */
    /* per-request CSV */
    const char *time_column;   /* default "t_seconds" */
    const char *demand_column; /* "" for none */
    const char *class_column;  /* "" for none */
    double demand_scale;       /* multiplies demand hints (e.g. 0.001 for ms); 1 */
    /* transformations, in this order: window (trace time), loop, time scale,
     * rate scale, shift (simulated time) */
    double window_start_s; /* trace seconds from the trace's origin; 0 */
    double window_end_s;   /* INFINITY for none */
    int loop;              /* replay the window again and again */
    double time_scale;     /* trace seconds per simulated second (24 = a day in an hour) */
    double rate_scale;     /* x k: counts scale exactly in expectation; per-request
                              rows are kept with probability k (k < 1) or
                              repeated floor(k) or floor(k)+1 times */
    double shift_s;        /* simulated time of the window's start */
} trace_spec;

typedef struct trace_record {
    double t_s;      /* simulated arrival time */
    double demand_s; /* a service-demand hint (seconds), or < 0 for none */
    int status;      /* recorded status code, 0 if none */
    char key[256];   /* class name (CSV class column), or the URL path (logs); "" none */
} trace_record;

typedef struct trace_reader trace_reader;

/* Opens the trace (reading only its first rows). The rng (borrowed) places
 * counts within bins and applies rate scaling; it may be NULL when only
 * trace_next_raw is used. NULL with e filled ("<path>: cannot read: ...",
 * or a bad header) on failure. */
trace_reader *trace_open(const trace_spec *spec, gsl_rng *rng, ecs_err *e);

/* The next arrival: 1 and *out filled; 0 at the end; ECS_EINPUT with e
 * naming "<path>:<line>:<column>: ..." for a bad row (non-numeric field, time
 * going backwards, missing column). */
int trace_next(trace_reader *r, trace_record *out, ecs_err *e);

void trace_close(trace_reader *r);

/* The rows as recorded, for `ecsim trace stats`: no placement, no
 * transformation, no rng draw. 1 with *t_s (trace seconds from the origin)
 * and *count (a counts row's requests; 1 for a request) filled; 0 at the
 * end; errors as trace_next. A reader is read with one verb or the other. */
int trace_next_raw(trace_reader *r, double *t_s, double *count, ecs_err *e);

/* A counts trace's bin width (given, or inferred at open); 0 otherwise. */
double trace_bin_width(const trace_reader *r);

/* Parses "counts|requests|alb|clf". 0 or -1. */
int trace_format_parse(const char *name, trace_format *out);

/* The name trace_format_parse takes. */
const char *trace_format_name(trace_format f);

#endif

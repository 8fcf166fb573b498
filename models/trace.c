/* trace.c -- the trace reader: a recorded trace streamed in as arrivals.
 * Owns the open file (zlib reads plain and gzip alike), one line buffer
 * (16 KiB, doubled only for a longer line, up to 1 MiB), a libcsv parser for
 * the CSV formats, and for logs a reorder heap of at most TRACE__REORDER_MAX
 * records: memory is bounded by the longest line and the reorder bound,
 * never by the trace's length. Layers, each pulling from the one below:
 * lines and rows (trace_csv.c, trace_logs.c) -> rows checked for order, in
 * trace time (here) -> the window, loop, placement within bins and rate
 * scale -> simulated time (here). Tuned for long per-request files: one
 * memchr per line, a field copied only when its column is wanted, and no
 * allocation per row. */
#include "models/trace.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "models/trace_int.h"
#include "sim/engine/xmalloc.h"

static const char *format_names[] = {"counts", "requests", "alb", "clf"};

int trace_format_parse(const char *name, trace_format *out)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, format_names[i]) == 0) {
            *out = (trace_format) i;
            return 0;
        }
    return -1;
}

const char *trace_format_name(trace_format f)
{
    return (unsigned) f < 4 ? format_names[f] : "?";
}

/* ---- rows, checked for order ---- */

/* v as written in a trace: the shortest of %.15g..%.17g that reads back. */
static const char *num(char buf[32], double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

static int next_row(trace_reader *r, trace__row *out, ecs_err *e)
{
    if (r->n_ahead > 0) {
        *out = r->ahead[0];
        r->ahead[0] = r->ahead[1];
        r->n_ahead--;
        return 1;
    }
    if (r->spec.format == TRACE_ALB || r->spec.format == TRACE_CLF)
        return trace__log_row(r, out, e);
    int rc = trace__csv_row(r, out, e);
    if (rc <= 0) return rc;
    if (r->have_prev) {
        int col = trace__field_column(r, r->col_idx[TRACE__COL_TIME]);
        char a[32], b[32], w[32];
        if (out->t < r->prev_t)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, col,
                          "%s: time goes backwards (%s after %s)", r->cols[TRACE__COL_TIME],
                          num(a, out->t), num(b, r->prev_t));
        if (r->spec.format == TRACE_COUNTS && r->bin_s > 0 &&
            out->t < r->prev_t + r->bin_s - 1e-9 * fmax(1, r->prev_t + r->bin_s))
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, col,
                          "%s: bins overlap (%s is less than one bin, %s s, after %s)",
                          r->cols[TRACE__COL_TIME], num(a, out->t), num(w, r->bin_s),
                          num(b, r->prev_t));
    }
    r->have_prev = 1;
    r->prev_t = out->t;
    return 1;
}

/* ---- open, rewind, close ---- */

static int check_spec(const trace_spec *s, ecs_err *e)
{
    const char *p = s->path;
    if ((unsigned) s->format > TRACE_CLF)
        return err_set(e, ECS_EINPUT, "%s: unknown trace format %d", p, (int) s->format);
    struct {
        const char *name;
        double v, lo;
        int excl;
    } c[] = {{"bin_s", s->bin_s, 0, 0},
             {"demand_scale", s->demand_scale, 0, 0},
             {"time_scale", s->time_scale, 0, 1},
             {"rate_scale", s->rate_scale, 0, 0},
             {"window_start_s", s->window_start_s, 0, 0},
             {"shift_s", s->shift_s, -INFINITY, 0}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (!isfinite(c[i].v) || c[i].v < c[i].lo || (c[i].excl && c[i].v <= c[i].lo))
            return err_set(e, ECS_EINPUT, "%s: %s: expected a finite number %s %g, got %g", p,
                           c[i].name, c[i].excl ? ">" : ">=", c[i].lo, c[i].v);
    if (isnan(s->window_end_s) || s->window_end_s <= s->window_start_s)
        return err_set(e, ECS_EINPUT, "%s: window_end_s (%g) must be after window_start_s (%g)", p,
                       s->window_end_s, s->window_start_s);
    return ECS_OK;
}

static void reset_input(trace_reader *r)
{
    r->len = r->pos = 0;
    r->eof = 0;
    r->line_no = 0;
    r->heap_n = 0;
    r->have_out = 0;
    r->src_eof = 0;
    r->have_prev = 0;
    r->n_ahead = 0;
}

/* Header (CSV), then for counts the bin width: given, or the distance
 * between the first two rows, which wait in `ahead` for next_row. */
static int start_input(trace_reader *r, ecs_err *e)
{
    if (r->spec.format == TRACE_ALB || r->spec.format == TRACE_CLF) return ECS_OK;
    int rc = trace__csv_header(r, e);
    if (rc < 0 || r->spec.format != TRACE_COUNTS || r->bin_s > 0) return rc;
    rc = next_row(r, &r->ahead[0], e);
    if (rc <= 0) return rc;
    rc = next_row(r, &r->ahead[1], e);
    if (rc < 0) return rc;
    if (rc == 0)
        return err_set(e, ECS_EINPUT,
                       "%s: a single row: cannot infer the bin width from it (give bin_s)",
                       r->path);
    char buf[32];
    if (r->ahead[1].t == r->ahead[0].t)
        return err_at(e, ECS_EINPUT, r->path, (int) r->line_no,
                      trace__field_column(r, r->col_idx[TRACE__COL_TIME]),
                      "%s: time does not advance (%s twice), so the bin width is unknown",
                      r->cols[TRACE__COL_TIME], num(buf, r->ahead[0].t));
    r->bin_s = r->ahead[1].t - r->ahead[0].t;
    r->n_ahead = 2;
    return ECS_OK;
}

trace_reader *trace_open(const trace_spec *spec, gsl_rng *rng, ecs_err *e)
{
    if (check_spec(spec, e) < 0) return NULL;
    errno = 0;
    gzFile gz = gzopen(spec->path, "rb");
    if (!gz) {
        err_set(e, ECS_EIO, "%s: cannot read: %s", spec->path,
                errno ? strerror(errno) : "out of memory");
        return NULL;
    }
    trace_reader *r = xcalloc(1, sizeof *r);
    r->gz = gz;
    r->rng = rng;
    r->spec = *spec;
    r->path = xstrdup(spec->path);
    int csv = spec->format == TRACE_COUNTS || spec->format == TRACE_REQUESTS;
    const char *tc = spec->time_column && spec->time_column[0] ? spec->time_column : "t_seconds";
    const char *dc =
        spec->format == TRACE_REQUESTS && spec->demand_column ? spec->demand_column : "";
    const char *cc = spec->format == TRACE_REQUESTS && spec->class_column ? spec->class_column : "";
    r->cols[TRACE__COL_TIME] = xstrdup(csv ? tc : "");
    r->cols[TRACE__COL_VALUE] = xstrdup(spec->format == TRACE_COUNTS ? "requests" : dc);
    r->cols[TRACE__COL_CLASS] = xstrdup(cc);
    r->spec.path = r->path;
    r->spec.time_column = r->cols[TRACE__COL_TIME];
    r->spec.demand_column = dc[0] ? r->cols[TRACE__COL_VALUE] : "";
    r->spec.class_column = r->cols[TRACE__COL_CLASS];
    r->cap = TRACE__LINE_BUF;
    r->buf = xmalloc(r->cap + 1);
    r->bin_s = spec->format == TRACE_COUNTS ? spec->bin_s : 0;
    r->last_out_s = -INFINITY;
    int rc = ECS_OK;
    if (csv) {
        csv_init(&r->csv, CSV_STRICT);
        /* libcsv's field buffer grows through the choke point too */
        csv_set_realloc_func(&r->csv, xrealloc);
        csv_set_free_func(&r->csv, free);
        r->csv_live = 1;
        rc = start_input(r, e);
    } else {
        /* an empty log is a mistake worth naming; the line read is given back */
        rc = trace__read_line(r, e);
        if (rc == 0) rc = err_set(e, ECS_EINPUT, "%s: empty file", r->path);
        r->pos = 0;
        r->line_no = 0;
    }
    if (rc < 0) {
        trace_close(r);
        return NULL;
    }
    return r;
}

void trace_close(trace_reader *r)
{
    if (!r) return;
    if (r->csv_live) csv_free(&r->csv);
    gzclose(r->gz);
    free(r->buf);
    free(r->heap);
    free(r->path);
    for (int c = 0; c < TRACE__NCOL; c++) free(r->cols[c]);
    free(r);
}

double trace_bin_width(const trace_reader *r)
{
    return r->bin_s;
}

/* ---- transformations ---- */

/* The end of one pass over the window: the next pass begins (1), or the
 * trace is over (0). A loop's period is the window's length; with no
 * window end, the trace's: the end of the last bin (counts), or the last
 * request plus the mean gap between requests, so the seam looks like the
 * rest (requests, logs). A loop ends when a pass has nothing in its window,
 * or after TRACE__EMPTY_PASSES_MAX passes in a row that drew no arrival (a tiny
 * rate_scale), so that trace_next cannot spin without end. */
static int end_pass(trace_reader *r, ecs_err *e)
{
    const trace_spec *s = &r->spec;
    if (!s->loop || r->raw) {
        r->done = 1;
        return 0;
    }
    if (r->pass == 0) {
        if (isfinite(s->window_end_s))
            r->period = s->window_end_s - s->window_start_s;
        else if (s->format == TRACE_COUNTS)
            r->period = r->pass_end - s->window_start_s;
        else if (r->pass_rows > 0)
            r->period =
                r->pass_last - s->window_start_s +
                (r->pass_rows > 1 ? (r->pass_last - r->pass_first) / (double) (r->pass_rows - 1)
                                  : 0);
    }
    r->empty_passes = r->pass_given ? 0 : r->empty_passes + 1;
    if (!(r->period > 0) || !(r->pass_mass > 0) || r->empty_passes >= TRACE__EMPTY_PASSES_MAX) {
        r->done = 1;
        return 0;
    }
    r->pass++;
    r->pass_mass = 0;
    r->pass_rows = 0;
    r->pass_given = 0;
    if (gzrewind(r->gz) != 0) return trace__read_fail(r, e);
    reset_input(r);
    int rc = start_input(r, e);
    return rc < 0 ? rc : 1;
}

/* Trace time to simulated time. Never earlier than the last arrival given,
 * so rounding at a loop's seam cannot reorder arrivals. */
static double sim_time(trace_reader *r, double t)
{
    const trace_spec *s = &r->spec;
    double v = s->shift_s + (t - s->window_start_s + (double) r->pass * r->period) / s->time_scale;
    if (v < r->last_out_s) v = r->last_out_s;
    r->last_out_s = v;
    return v;
}

/* How many arrivals a bin gets: exactly its scaled count (the fraction by a
 * Bernoulli draw, so the expectation is exact), or Poisson with that mean.
 * Above 1e9 the Poisson is drawn as its normal limit (skewness < 3e-5):
 * GSL's sampler is limited to unsigned int. */
static uint64_t bin_arrivals(trace_reader *r, double mass)
{
    if (mass <= 0) return 0;
    if (r->spec.placement_poisson) {
        if (mass <= 1e9) return gsl_ran_poisson(r->rng, mass);
        double n = nearbyint(mass + sqrt(mass) * gsl_ran_ugaussian(r->rng));
        return n > 0 ? (uint64_t) n : 0;
    }
    double n = floor(mass), frac = mass - n;
    if (frac > 0 && gsl_rng_uniform(r->rng) < frac) n += 1;
    return (uint64_t) n;
}

/* A bin the window starts inside: of its n points, Binomial(n, p) fall
 * before the window (p the share of the bin before it) and are dropped at
 * once; the rest are uniform on the part inside, so placement resumes
 * from u = p. Above 2^32 points the binomial is drawn as its normal limit,
 * as GSL's sampler takes an unsigned int. */
static void skip_before_window(trace_reader *r)
{
    double p = (r->spec.window_start_s - r->bin_a) / r->bin_s, n = (double) r->bin_left, k;
    if (n <= 4294967295.0)
        k = gsl_ran_binomial(r->rng, p, (unsigned) n);
    else
        k = fmin(n, fmax(0, nearbyint(n * p + sqrt(n * p * (1 - p)) * gsl_ran_ugaussian(r->rng))));
    r->bin_left -= (uint64_t) k;
    r->u_prev = p;
}

static void give(trace_reader *r, trace_record *out, double t, const trace__row *rw)
{
    out->t_s = sim_time(r, t);
    out->demand_s = rw ? rw->demand : -1;
    out->status = rw ? rw->status : 0;
    if (rw)
        memcpy(out->key, rw->key, strlen(rw->key) + 1);
    else
        out->key[0] = '\0';
}

/* Counts: the bin's n arrivals are n sorted uniform points, drawn one at a
 * time as successive minima (the next is the least of the m left, uniform
 * above the last: u + (1 - u)(1 - V^(1/m))), so no bin is ever held. */
static int next_counts(trace_reader *r, trace_record *out, ecs_err *e)
{
    const trace_spec *s = &r->spec;
    for (;;) {
        while (r->bin_left > 0) {
            double m = (double) r->bin_left--;
            r->u_prev += (1 - r->u_prev) * -expm1(log(gsl_rng_uniform_pos(r->rng)) / m);
            double end = r->bin_a + r->bin_s, t = r->bin_a + r->bin_s * r->u_prev;
            if (t >= end) t = nextafter(end, -INFINITY);
            if (t >= s->window_end_s) {
                r->bin_left = 0; /* the rest are later still */
                break;
            }
            r->pass_given++;
            give(r, out, t < s->window_start_s ? s->window_start_s : t, NULL);
            return 1;
        }
        trace__row rw;
        int rc = next_row(r, &rw, e);
        if (rc < 0) return rc;
        if (rc == 0 || rw.t >= s->window_end_s) {
            rc = end_pass(r, e);
            if (rc <= 0) return rc;
            continue;
        }
        r->pass_end = rw.t + r->bin_s;
        if (r->pass_end <= s->window_start_s) continue;
        double mass = s->rate_scale * rw.count;
        if (mass > 1e18)
            return err_at(e, ECS_EINPUT, r->path, (int) rw.line, 1,
                          "requests: %g arrivals in one bin (after rate_scale): too many", mass);
        r->pass_mass += mass;
        r->bin_a = rw.t;
        r->u_prev = 0;
        r->bin_left = bin_arrivals(r, mass);
        if (rw.t < s->window_start_s) skip_before_window(r);
    }
}

/* Per-request rows (CSV or logs): each kept row is given `copies` times:
 * floor(k), plus one with probability k - floor(k). */
static int next_requests(trace_reader *r, trace_record *out, ecs_err *e)
{
    const trace_spec *s = &r->spec;
    for (;;) {
        if (r->copies > 0) {
            r->copies--;
            r->pass_given++;
            give(r, out, r->pend.t, &r->pend);
            return 1;
        }
        int rc = next_row(r, &r->pend, e);
        if (rc < 0) return rc;
        if (rc == 0 || r->pend.t >= s->window_end_s) {
            rc = end_pass(r, e);
            if (rc <= 0) return rc;
            continue;
        }
        if (r->pend.t < s->window_start_s) continue;
        if (r->pass_rows++ == 0) r->pass_first = r->pend.t;
        r->pass_last = r->pend.t;
        r->pass_mass += s->rate_scale;
        double k = s->rate_scale, n = floor(k), frac = k - n;
        if (frac > 0 && gsl_rng_uniform(r->rng) < frac) n += 1;
        r->copies = (uint64_t) n;
    }
}

/* Keeps the first error so every later call repeats it. */
static int sticky(trace_reader *r, int rc, const ecs_err *inner, ecs_err *e)
{
    if (rc < 0) {
        r->rc = rc;
        r->err = *inner;
    }
    if (r->rc) return err_set(e, r->rc, "%s", r->err.msg);
    return rc;
}

int trace_next(trace_reader *r, trace_record *out, ecs_err *e)
{
    if (r->rc || r->done) return sticky(r, 0, NULL, e);
    assert(!r->raw && "trace_next after trace_next_raw");
    assert(r->rng && "trace_next needs the rng");
    ecs_err inner;
    err_clear(&inner);
    int rc = r->spec.format == TRACE_COUNTS ? next_counts(r, out, &inner)
                                            : next_requests(r, out, &inner);
    return sticky(r, rc, &inner, e);
}

int trace_next_raw(trace_reader *r, double *t_s, double *count, ecs_err *e)
{
    if (r->rc || r->done) return sticky(r, 0, NULL, e);
    r->raw = 1;
    ecs_err inner;
    err_clear(&inner);
    trace__row rw;
    int rc = next_row(r, &rw, &inner);
    if (rc == 1) {
        *t_s = rw.t;
        *count = rw.count;
    } else if (rc == 0) {
        r->done = 1;
    }
    return sticky(r, rc, &inner, e);
}

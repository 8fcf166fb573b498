/* arrival.c -- open-loop arrival processes, each exact in distribution.
 * Owns a process's copy of its parameters and its cursor (the last arrival,
 * the schedule segment, the hour and noise period, the MMPP state). Hot
 * path: arrival_next runs once per request, so it allocates nothing and its
 * bounds are tables built once in arrival_new.
 *
 * Non-homogeneous processes use thinning (Lewis and Shedler 1979) against a
 * piecewise-constant bound: candidates come at the piece's bound and each is
 * kept with probability rate/bound. A candidate past the piece's end is
 * dropped and generation restarts at the end with the next piece's bound,
 * which is exact because the Poisson process has no memory. The pieces are
 * schedule segments, clock hours cut at noise periods (diurnal) and flash
 * phases, so acceptance stays high (>= 85% for an hourly diurnal bound with
 * amplitude 0.5). The flash decay's excess over the base is sampled by
 * inversion instead, since its integral is finite and a thinning bound would
 * never reach zero. The MMPP races an arrival against the pending state
 * change. Piece boundaries come from integer cursors (segment and cycle, hour
 * and noise period) as start + k * period, never by accumulating, so a
 * boundary is never crossed twice or skipped through rounding. */
#include "arrival.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "sim/engine/dist.h"
#include "sim/engine/xmalloc.h"

#define HOUR_S 3600.0
#define DAY_S  86400.0
#define TWO_PI (2 * M_PI)

struct arrival_proc {
    arrival_kind kind;
    gsl_rng *arrivals, *modulation; /* borrowed */
    double t;                       /* last arrival, s (0 before the first) */
    int started;                    /* the first draws (noise, MMPP sojourn) are made */
    double rate;                    /* POISSON rate; DIURNAL mean; FLASH base; per s */
    double mean_gap;                /* POISSON: 1 / rate, divided once rather than per arrival */

    struct {                 /* SCHEDULE */
        double *t, *r, *cum; /* m points; cum[i] = integral of the rate over [0, t[i]] */
        size_t m;
        int linear;
        double period; /* > 0: periodic, and t[m-1] == period closes the cycle */
        size_t seg;    /* cursor segment [t[seg], t[seg+1]) (the last one open when not periodic) */
        int64_t cycle; /* cursor period */
        int idle;      /* periodic with every rate 0: no arrival ever */
    } sc;

    struct { /* DIURNAL */
        double amplitude;
        double peak_s;                /* clock second of the day of the peak */
        double offset_s;              /* clock time at t = 0, s since Monday 00:00 UTC */
        double day_factor[7];         /* Monday first */
        double hour_bound[168];       /* rate bound in each hour of the week, noise left out */
        double noise_mu, noise_sigma; /* log-space parameters of the noise factor */
        double noise_period_s;        /* 0: no noise */
        int64_t hour;    /* cursor clock hour, counted from the Monday 00:00 before t = 0 */
        int64_t noise_k; /* cursor noise period [k P, (k+1) P) */
        double noise;    /* its factor */
    } di;

    struct { /* MMPP */
        double *rate, *sojourn_s;
        size_t n;
        size_t state;
        double t_switch; /* when the current state ends */
        int idle;        /* every rate 0 */
    } mm;

    struct {                             /* FLASH */
        double start, ramp, hold, decay; /* s */
        double peak;                     /* per s */
        int phase;                       /* cursor: 0 base, 1 ramp, 2 hold, 3 decay and after */
        int excess;                      /* peak > base and decay > 0: invert the excess */
    } fl;
};

static double fmax2(double x, double y)
{
    return x > y ? x : y;
}

static int64_t floor_div(int64_t x, int64_t d)
{
    int64_t q = x / d;
    return (x % d != 0 && (x < 0) != (d < 0)) ? q - 1 : q;
}

static int day_of_week(int64_t day)
{
    return (int) (day - floor_div(day, 7) * 7);
}

/* ---- schedule ---- */

/* Copies the points into the cursor form: when periodic, the points before
 * the period plus a closing point at the period whose rate is where a linear
 * schedule heads (a given point at the period, else the first rate, so the
 * cycle is continuous). Points past the period are never reached. */
static void schedule_init(arrival_proc *a, const arrival_spec *s)
{
    assert(s->sched_n >= 1 && s->sched_t_s[0] == 0);
    assert(s->sched_repeat_s >= 0);
    double period = s->sched_repeat_s;
    size_t m = 0, cap = s->sched_n + 1;
    a->sc.t = xmalloc(cap * sizeof *a->sc.t);
    a->sc.r = xmalloc(cap * sizeof *a->sc.r);
    a->sc.cum = xmalloc(cap * sizeof *a->sc.cum);
    for (size_t i = 0; i < s->sched_n; i++) {
        assert(s->sched_rate[i] >= 0 && isfinite(s->sched_rate[i]));
        assert(i == 0 || s->sched_t_s[i] >= s->sched_t_s[i - 1]);
        if (period > 0 && s->sched_t_s[i] >= period) break;
        a->sc.t[m] = s->sched_t_s[i];
        a->sc.r[m] = s->sched_rate[i];
        m++;
    }
    if (period > 0) {
        size_t at = m;
        double close = s->sched_linear ? s->sched_rate[0] : a->sc.r[m - 1];
        if (s->sched_linear && at < s->sched_n && s->sched_t_s[at] == period)
            close = s->sched_rate[at];
        a->sc.t[m] = period;
        a->sc.r[m] = close;
        m++;
    }
    a->sc.m = m;
    a->sc.linear = s->sched_linear;
    a->sc.period = period;
    a->sc.cum[0] = 0;
    for (size_t i = 0; i + 1 < m; i++) {
        double dt = a->sc.t[i + 1] - a->sc.t[i];
        double mean = a->sc.linear ? (a->sc.r[i] + a->sc.r[i + 1]) / 2 : a->sc.r[i];
        a->sc.cum[i + 1] = a->sc.cum[i] + mean * dt;
    }
    a->sc.idle = period > 0 && a->sc.cum[m - 1] == 0;
}

/* True when segment i is the open-ended one after the last point. */
static int schedule_open(const arrival_proc *a, size_t i)
{
    return a->sc.period == 0 && i == a->sc.m - 1;
}

/* Rate at s seconds into a cycle, within segment i. */
static double schedule_rate_in(const arrival_proc *a, size_t i, double s)
{
    if (!a->sc.linear || schedule_open(a, i)) return a->sc.r[i];
    double t0 = a->sc.t[i], t1 = a->sc.t[i + 1];
    double f = t1 > t0 ? (s - t0) / (t1 - t0) : 0;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return a->sc.r[i] + (a->sc.r[i + 1] - a->sc.r[i]) * f;
}

/* The segment holding cycle offset s: the last point at or before s, so a
 * rate change is right-continuous and repeated times make a jump. */
static size_t schedule_find(const arrival_proc *a, double s)
{
    size_t lo = 0, hi = a->sc.period > 0 ? a->sc.m - 1 : a->sc.m; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->sc.t[mid] <= s)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Splits t >= 0 into a cycle and an offset in [0, period). */
static double schedule_offset(const arrival_proc *a, double t, double *cycles)
{
    if (a->sc.period == 0) {
        *cycles = 0;
        return t;
    }
    double k = floor(t / a->sc.period), s = t - k * a->sc.period;
    if (s >= a->sc.period) {
        k += 1;
        s = 0;
    } else if (s < 0) {
        s = 0;
    }
    *cycles = k;
    return s;
}

static double schedule_rate_at(const arrival_proc *a, double t)
{
    double k, s = schedule_offset(a, t, &k);
    return schedule_rate_in(a, schedule_find(a, s), s);
}

static double schedule_cumulative(const arrival_proc *a, double t)
{
    double k, s = schedule_offset(a, t, &k);
    size_t i = schedule_find(a, s);
    double mean = a->sc.linear && !schedule_open(a, i)
                      ? (a->sc.r[i] + schedule_rate_in(a, i, s)) / 2
                      : a->sc.r[i];
    double within = a->sc.cum[i] + mean * (s - a->sc.t[i]);
    return a->sc.period > 0 ? k * a->sc.cum[a->sc.m - 1] + within : within;
}

/* ---- diurnal ---- */

/* The largest cos(2 pi (h - peak) / 24) over the clock hour [h, h + 1]:
 * 1 when the peak is inside, else at an end (cosine has no interior maximum
 * on an arc that misses its peak). */
static double hour_max_cos(int h, double peak_hour)
{
    if (peak_hour >= h && peak_hour <= h + 1) return 1;
    return fmax2(cos(TWO_PI * (h - peak_hour) / 24), cos(TWO_PI * (h + 1 - peak_hour) / 24));
}

static double noise_draw(arrival_proc *a)
{
    return gsl_ran_lognormal(a->modulation, a->di.noise_mu, a->di.noise_sigma);
}

static void diurnal_init(arrival_proc *a, const arrival_spec *s)
{
    assert(s->rate_per_s >= 0 && s->amplitude >= 0 && s->amplitude <= 1);
    assert(s->peak_hour >= 0 && s->peak_hour < 24 && s->weekend_factor >= 0);
    assert(s->noise_cv >= 0 && (s->noise_cv == 0 || s->noise_period_s > 0));
    assert(isfinite(s->week_offset_s));
    a->di.amplitude = s->amplitude;
    a->di.peak_s = s->peak_hour * HOUR_S;
    a->di.offset_s = s->week_offset_s;
    for (int d = 0; d < 7; d++) a->di.day_factor[d] = d >= 5 ? s->weekend_factor : 1;
    for (int h = 0; h < 168; h++)
        a->di.hour_bound[h] = s->rate_per_s * a->di.day_factor[h / 24] *
                              (1 + s->amplitude * hour_max_cos(h % 24, s->peak_hour));
    a->di.hour = (int64_t) floor(s->week_offset_s / HOUR_S);
    a->di.noise_k = 0;
    a->di.noise = 1;
    a->di.noise_period_s = s->noise_cv > 0 ? s->noise_period_s : 0;
    if (s->noise_cv > 0) {
        /* Mean 1 and cv c: sigma^2 = log(1 + c^2), mu = -sigma^2 / 2. */
        double s2 = log1p(s->noise_cv * s->noise_cv);
        a->di.noise_sigma = sqrt(s2);
        a->di.noise_mu = -s2 / 2;
    }
}

/* Clock hour ends and noise period ends of the cursor, in simulated time. */
static double diurnal_hour_end(const arrival_proc *a)
{
    return (double) (a->di.hour + 1) * HOUR_S - a->di.offset_s;
}

static double diurnal_noise_end(const arrival_proc *a)
{
    return a->di.noise_period_s > 0 ? (double) (a->di.noise_k + 1) * a->di.noise_period_s
                                    : INFINITY;
}

static double diurnal_shape(const arrival_proc *a, double clock_s)
{
    return 1 + a->di.amplitude * cos(TWO_PI * (clock_s - a->di.peak_s) / DAY_S);
}

static double diurnal_rate_at(const arrival_proc *a, double t)
{
    double c = t + a->di.offset_s;
    int dow = day_of_week((int64_t) floor(c / DAY_S));
    return a->rate * a->di.day_factor[dow] * diurnal_shape(a, c);
}

/* Expected arrivals over the clock interval [c0, c1] inside clock day `day`:
 * mean W (L + A/w (sin(w (c1 - p)) - sin(w (c0 - p)))), the difference of
 * sines written as a product so short intervals keep their precision. */
static double diurnal_day_part(const arrival_proc *a, int64_t day, double c0, double c1)
{
    double w = TWO_PI / DAY_S;
    double mid = (c0 + c1) / 2 - a->di.peak_s, half = (c1 - c0) / 2;
    double wave = a->di.amplitude / w * 2 * cos(w * mid) * sin(w * half);
    return a->rate * a->di.day_factor[day_of_week(day)] * ((c1 - c0) + wave);
}

/* Whole clock days integrate the cosine to zero, so only the two partial
 * days need the sine terms; whole weeks fold into one product. */
static double diurnal_expected(const arrival_proc *a, double t0, double t1)
{
    double c0 = t0 + a->di.offset_s, c1 = t1 + a->di.offset_s;
    int64_t d0 = (int64_t) floor(c0 / DAY_S), d1 = (int64_t) floor(c1 / DAY_S);
    if (d0 == d1) return diurnal_day_part(a, d0, c0, c1);
    double sum = diurnal_day_part(a, d0, c0, (double) (d0 + 1) * DAY_S) +
                 diurnal_day_part(a, d1, (double) d1 * DAY_S, c1);
    int64_t first = d0 + 1, full = d1 - d0 - 1;
    double week = 0;
    for (int d = 0; d < 7; d++) week += a->di.day_factor[d];
    sum += (double) (full / 7) * a->rate * DAY_S * week;
    for (int64_t d = first + full / 7 * 7; d < d1; d++)
        sum += a->rate * DAY_S * a->di.day_factor[day_of_week(d)];
    return sum;
}

/* ---- flash ---- */

static double flash_decay_start(const arrival_proc *a)
{
    return a->fl.start + a->fl.ramp + a->fl.hold;
}

static double flash_rate_at(const arrival_proc *a, double t)
{
    double base = a->rate, peak = a->fl.peak, td = flash_decay_start(a);
    if (t < a->fl.start) return base;
    if (t < a->fl.start + a->fl.ramp) return base + (peak - base) * (t - a->fl.start) / a->fl.ramp;
    if (t < td) return peak;
    if (a->fl.decay <= 0) return base;
    return base + (peak - base) * exp(-(t - td) / a->fl.decay);
}

static double flash_cumulative(const arrival_proc *a, double t)
{
    double base = a->rate, peak = a->fl.peak, s = a->fl.start, r = a->fl.ramp;
    double td = flash_decay_start(a);
    if (t <= s) return base * t;
    if (t <= s + r) return base * t + (peak - base) * (t - s) * (t - s) / (2 * r);
    double at_hold = base * (s + r) + (peak - base) * r / 2;
    if (t <= td) return at_hold + peak * (t - s - r);
    double at_decay = at_hold + peak * a->fl.hold;
    double excess =
        a->fl.decay > 0 ? -(peak - base) * a->fl.decay * expm1(-(t - td) / a->fl.decay) : 0;
    return at_decay + base * (t - td) + excess;
}

/* After the decay starts, with peak > base: the rate is base plus an excess
 * D exp(-x/tau), x = t - td, whose integral from x on is M = D tau exp(-x/tau)
 * (finite). The next excess arrival solves integral = E, E ~ Exp(1), by
 * inversion: x' = x - tau log(1 - E/M), none when E >= M. The base arrivals
 * race it; both restart from t at every call (no memory). */
static double flash_tail(arrival_proc *a, double t)
{
    double base = a->rate, tau = a->fl.decay, td = flash_decay_start(a);
    double next = base > 0 ? t + dist_exponential(a->arrivals, 1.0 / base) : INFINITY;
    double x = t - td;
    double mass = (a->fl.peak - base) * tau * exp(-x / tau);
    double e = dist_exponential(a->arrivals, 1.0);
    if (e < mass) {
        double ex = td + x - tau * log1p(-e / mass);
        if (ex < next) next = ex;
    }
    return next;
}

/* ---- the thinning loop, shared by SCHEDULE, DIURNAL and FLASH ---- */

/* The cursor's piece: its end (simulated s) and a bound on the rate over it. */
static double piece(const arrival_proc *a, double *end)
{
    switch (a->kind) {
    case ARRIVAL_SCHEDULE: {
        size_t i = a->sc.seg;
        if (schedule_open(a, i)) {
            *end = INFINITY;
            return a->sc.r[i];
        }
        *end = (double) a->sc.cycle * a->sc.period + a->sc.t[i + 1];
        return a->sc.linear ? fmax2(a->sc.r[i], a->sc.r[i + 1]) : a->sc.r[i];
    }
    case ARRIVAL_DIURNAL: {
        double he = diurnal_hour_end(a), ne = diurnal_noise_end(a);
        *end = he < ne ? he : ne;
        int64_t h = a->di.hour - floor_div(a->di.hour, 168) * 168;
        return a->di.hour_bound[h] * a->di.noise;
    }
    case ARRIVAL_FLASH: {
        double base = a->rate, peak = a->fl.peak, s = a->fl.start;
        switch (a->fl.phase) {
        case 0:
            *end = s;
            return base;
        case 1:
            *end = s + a->fl.ramp;
            return fmax2(base, peak);
        case 2:
            *end = flash_decay_start(a);
            return peak;
        default:
            /* peak <= base (a dip) or no decay: the rate stays <= base */
            *end = INFINITY;
            return base;
        }
    }
    case ARRIVAL_POISSON:
    case ARRIVAL_MMPP:
        break;
    }
    assert(0 && "piece: not a thinned process");
    *end = INFINITY;
    return 0;
}

/* The rate at t, which lies in the cursor's piece. */
static double piece_rate(const arrival_proc *a, double t)
{
    switch (a->kind) {
    case ARRIVAL_SCHEDULE: {
        double base = (double) a->sc.cycle * a->sc.period;
        return schedule_rate_in(a, a->sc.seg, t - base);
    }
    case ARRIVAL_DIURNAL: {
        int dow = day_of_week(floor_div(a->di.hour, 24));
        double c = t + a->di.offset_s;
        return a->rate * a->di.day_factor[dow] * a->di.noise * diurnal_shape(a, c);
    }
    default:
        return flash_rate_at(a, t);
    }
}

/* Moves the cursor to the piece that starts where this one ends. */
static void piece_advance(arrival_proc *a)
{
    switch (a->kind) {
    case ARRIVAL_SCHEDULE:
        a->sc.seg++;
        if (a->sc.period > 0 && a->sc.seg == a->sc.m - 1) {
            a->sc.seg = 0;
            a->sc.cycle++;
        }
        break;
    case ARRIVAL_DIURNAL: {
        double he = diurnal_hour_end(a), ne = diurnal_noise_end(a);
        double end = he < ne ? he : ne;
        if (he <= end) a->di.hour++;
        if (ne <= end) {
            a->di.noise_k++;
            a->di.noise = noise_draw(a);
        }
        break;
    }
    default:
        a->fl.phase++;
        break;
    }
}

static double thin(arrival_proc *a)
{
    double t = a->t;
    for (;;) {
        if (a->kind == ARRIVAL_FLASH && a->fl.phase == 3 && a->fl.excess) return flash_tail(a, t);
        double end, bound = piece(a, &end);
        if (bound > 0) {
            double c = t + dist_exponential(a->arrivals, 1.0 / bound);
            if (c < end) {
                t = c;
                double r = piece_rate(a, t);
                assert(r <= bound * (1 + 1e-9) && "thinning bound below the rate");
                if (r >= bound || gsl_rng_uniform(a->arrivals) * bound < r) return t;
                continue;
            }
        } else if (end == INFINITY) {
            return INFINITY;
        }
        t = end;
        piece_advance(a);
    }
}

/* ---- MMPP ---- */

static void mmpp_enter(arrival_proc *a, size_t state, double t)
{
    a->mm.state = state;
    a->mm.t_switch =
        a->mm.n > 1 ? t + dist_exponential(a->modulation, a->mm.sojourn_s[state]) : INFINITY;
}

/* The next event is the earlier of an arrival at the state's rate and the
 * pending state change; an arrival drawn past the change is discarded and
 * redrawn in the new state, exact because the gaps have no memory. State
 * changes use only the modulation stream, so two configurations that differ
 * in rates see the same state path. */
static double mmpp_next(arrival_proc *a)
{
    if (a->mm.idle) return INFINITY;
    double t = a->t;
    for (;;) {
        double r = a->mm.rate[a->mm.state];
        double c = r > 0 ? t + dist_exponential(a->arrivals, 1.0 / r) : INFINITY;
        if (c < a->mm.t_switch) return c;
        t = a->mm.t_switch;
        /* With two states the next one is known: draw nothing. */
        size_t j = a->mm.n == 2
                       ? 0
                       : (size_t) gsl_rng_uniform_int(a->modulation, (unsigned long) (a->mm.n - 1));
        mmpp_enter(a, j < a->mm.state ? j : j + 1, t);
    }
}

/* Time-stationary mean rate. From each state the chain jumps to another
 * uniformly, so the jump chain's transition matrix is symmetric and its
 * stationary law uniform; time in state i is then proportional to the mean
 * sojourn s_i: pi_i = s_i / sum s_j and the mean rate is sum pi_i r_i. */
static double mmpp_mean_rate(const arrival_proc *a)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < a->mm.n; i++) {
        num += a->mm.sojourn_s[i] * a->mm.rate[i];
        den += a->mm.sojourn_s[i];
    }
    return num / den;
}

/* ---- the public verbs ---- */

arrival_proc *arrival_new(const arrival_spec *spec, gsl_rng *arrivals, gsl_rng *modulation)
{
    arrival_proc *a = xcalloc(1, sizeof *a);
    a->kind = spec->kind;
    a->arrivals = arrivals;
    a->modulation = modulation;
    a->t = 0;
    a->rate = spec->rate_per_s;
    switch (spec->kind) {
    case ARRIVAL_POISSON:
        assert(spec->rate_per_s >= 0 && isfinite(spec->rate_per_s));
        a->mean_gap = a->rate > 0 ? 1.0 / a->rate : INFINITY;
        break;
    case ARRIVAL_SCHEDULE:
        schedule_init(a, spec);
        break;
    case ARRIVAL_DIURNAL:
        diurnal_init(a, spec);
        break;
    case ARRIVAL_MMPP:
        assert(spec->mmpp_n >= 1);
        a->mm.n = spec->mmpp_n;
        a->mm.rate = xmalloc(spec->mmpp_n * sizeof *a->mm.rate);
        a->mm.sojourn_s = xmalloc(spec->mmpp_n * sizeof *a->mm.sojourn_s);
        a->mm.idle = 1;
        for (size_t i = 0; i < spec->mmpp_n; i++) {
            assert(spec->mmpp_rate_per_s[i] >= 0 && spec->mmpp_sojourn_s[i] > 0);
            a->mm.rate[i] = spec->mmpp_rate_per_s[i];
            a->mm.sojourn_s[i] = spec->mmpp_sojourn_s[i];
            if (a->mm.rate[i] > 0) a->mm.idle = 0;
        }
        break;
    case ARRIVAL_FLASH:
        assert(spec->rate_per_s >= 0 && spec->flash_peak_per_s >= 0);
        assert(spec->flash_start_s >= 0 && spec->flash_ramp_s >= 0 && spec->flash_hold_s >= 0 &&
               spec->flash_decay_s >= 0);
        a->fl.start = spec->flash_start_s;
        a->fl.ramp = spec->flash_ramp_s;
        a->fl.hold = spec->flash_hold_s;
        a->fl.decay = spec->flash_decay_s;
        a->fl.peak = spec->flash_peak_per_s;
        a->fl.excess = a->fl.peak > a->rate && a->fl.decay > 0;
        break;
    }
    return a;
}

void arrival_free(arrival_proc *a)
{
    if (!a) return;
    free(a->sc.t);
    free(a->sc.r);
    free(a->sc.cum);
    free(a->mm.rate);
    free(a->mm.sojourn_s);
    free(a);
}

/* The draws a process needs before its first gap, made on the first call so
 * that a process built only for its rate and integral (with NULL streams)
 * never touches a stream. */
static void start(arrival_proc *a)
{
    a->started = 1;
    if (a->kind == ARRIVAL_MMPP) mmpp_enter(a, 0, 0);
    if (a->kind == ARRIVAL_DIURNAL && a->di.noise_period_s > 0) a->di.noise = noise_draw(a);
}

double arrival_next(arrival_proc *a)
{
    double t;
    if (a->t == INFINITY) return INFINITY;
    if (!a->started) start(a);
    switch (a->kind) {
    case ARRIVAL_POISSON:
        /* The same arithmetic as the workload's earlier Poisson source, so
         * its runs keep their fingerprints. */
        t = a->rate > 0 ? a->t + dist_exponential(a->arrivals, a->mean_gap) : INFINITY;
        break;
    case ARRIVAL_MMPP:
        t = mmpp_next(a);
        break;
    case ARRIVAL_SCHEDULE:
        t = a->sc.idle ? INFINITY : thin(a);
        break;
    default:
        t = thin(a);
        break;
    }
    a->t = t;
    return t;
}

/* Rates and integrals treat the process as starting at t = 0: the rate is 0
 * before, and arrival_expected is Lambda(t1) - Lambda(t0) with Lambda the
 * integral from 0 (so it is signed when t1 < t0). */
double arrival_rate_at(const arrival_proc *a, double t_s)
{
    if (t_s < 0) return 0;
    switch (a->kind) {
    case ARRIVAL_POISSON:
        return a->rate;
    case ARRIVAL_SCHEDULE:
        return schedule_rate_at(a, t_s);
    case ARRIVAL_DIURNAL:
        return diurnal_rate_at(a, t_s);
    case ARRIVAL_MMPP:
        return mmpp_mean_rate(a);
    case ARRIVAL_FLASH:
        return flash_rate_at(a, t_s);
    }
    assert(0 && "unknown arrival kind");
    return NAN;
}

double arrival_expected(const arrival_proc *a, double t0_s, double t1_s)
{
    double t0 = t0_s > 0 ? t0_s : 0, t1 = t1_s > 0 ? t1_s : 0;
    switch (a->kind) {
    case ARRIVAL_POISSON:
        return a->rate * (t1 - t0);
    case ARRIVAL_SCHEDULE:
        return schedule_cumulative(a, t1) - schedule_cumulative(a, t0);
    case ARRIVAL_DIURNAL:
        return t1 >= t0 ? diurnal_expected(a, t0, t1) : -diurnal_expected(a, t1, t0);
    case ARRIVAL_MMPP:
        return mmpp_mean_rate(a) * (t1 - t0);
    case ARRIVAL_FLASH:
        return flash_cumulative(a, t1) - flash_cumulative(a, t0);
    }
    assert(0 && "unknown arrival kind");
    return NAN;
}

/* ---- parsing ---- */

#define POINTS_EXPECTED "a list of t:rate points with t ascending from 0"
#define POINTS_EXAMPLE  "e.g. \"0:10, 600:50\""
#define LIST_EXPECTED   "a list of numbers >= 0 separated by commas"
#define LIST_EXAMPLE    "e.g. \"50, 2\""

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* One finite decimal number (digits, a point, an exponent: what a scenario
 * writes; no hex, inf or nan) after optional blanks. 0 and *p past it, or -1. */
static int scan_number(const char **p, double *out)
{
    const char *s = skip_space(*p), *e = s;
    char buf[64];
    int digits = 0;
    while ((*e >= '0' && *e <= '9') || *e == '.' || *e == 'e' || *e == 'E' || *e == '+' ||
           *e == '-') {
        if (*e >= '0' && *e <= '9') digits = 1;
        e++;
    }
    size_t n = (size_t) (e - s);
    if (!digits || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end != '\0' || !isfinite(v)) return -1;
    *out = v;
    *p = e;
    return 0;
}

/* Appends one value to a growing array (cap doubles as it fills). */
static void push(double **v, size_t n, size_t *cap, double x)
{
    if (n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        *v = xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[n] = x;
}

int arrival_parse_points(const char *text, double **t_out, double **v_out, size_t *n_out,
                         char *expected, size_t len)
{
    double *t = NULL, *v = NULL;
    size_t n = 0, cap = 0, cap_v = 0;
    const char *p = text;
    char why[96] = "";
    *t_out = NULL;
    *v_out = NULL;
    *n_out = 0;
    for (;;) {
        double ti, vi;
        if (scan_number(&p, &ti) != 0) goto syntax;
        p = skip_space(p);
        if (*p++ != ':') goto syntax;
        if (scan_number(&p, &vi) != 0) goto syntax;
        if (n == 0 && ti != 0) {
            snprintf(why, sizeof why, " (the first point has t=%g)", ti);
            goto fail;
        }
        if (n > 0 && ti < t[n - 1]) {
            snprintf(why, sizeof why, " (t=%g comes after t=%g)", ti, t[n - 1]);
            goto fail;
        }
        if (vi < 0) {
            snprintf(why, sizeof why, " (point %zu has a negative rate)", n + 1);
            goto fail;
        }
        push(&t, n, &cap, ti);
        push(&v, n, &cap_v, vi);
        n++;
        p = skip_space(p);
        if (*p == '\0') break;
        if (*p++ != ',') {
            snprintf(why, sizeof why, " (point %zu is not t:rate)", n);
            goto fail;
        }
    }
    *t_out = t;
    *v_out = v;
    *n_out = n;
    return 0;
syntax:
    if (n > 0) snprintf(why, sizeof why, " (point %zu is not t:rate)", n + 1);
fail:
    free(t);
    free(v);
    snprintf(expected, len, POINTS_EXPECTED "%s, " POINTS_EXAMPLE, why);
    return -1;
}

int arrival_parse_list(const char *text, double **v_out, size_t *n_out, char *expected, size_t len)
{
    double *v = NULL;
    size_t n = 0, cap = 0;
    const char *p = text;
    char why[64] = "";
    *v_out = NULL;
    *n_out = 0;
    for (;;) {
        double x;
        if (scan_number(&p, &x) != 0) {
            if (n > 0) snprintf(why, sizeof why, " (item %zu is not a number)", n + 1);
            goto fail;
        }
        if (x < 0) {
            snprintf(why, sizeof why, " (item %zu is negative)", n + 1);
            goto fail;
        }
        push(&v, n, &cap, x);
        n++;
        p = skip_space(p);
        if (*p == '\0') break;
        if (*p++ != ',') {
            snprintf(why, sizeof why, " (item %zu is not a number)", n);
            goto fail;
        }
    }
    *v_out = v;
    *n_out = n;
    return 0;
fail:
    free(v);
    snprintf(expected, len, LIST_EXPECTED "%s, " LIST_EXAMPLE, why);
    return -1;
}

/* recorder.c -- sampling the time series and logging events.
 * Samples fall at k * interval_s (computed, never accumulated, so they do not
 * drift); the sampling event re-arms itself only while arrivals may still
 * come or requests are in flight, so a drained run's queue empties. */
#include "recorder.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

static void write_alarm(csvw *w, int8_t state)
{
    static const char *const names[] = {"INSUFFICIENT_DATA", "OK", "ALARM"};
    if (state < 0 || state > 2)
        csvw_str(w, "");
    else
        csvw_str(w, names[state]);
}

static void write_rows(recorder *r, double now_s)
{
    for (uint32_t i = 0; i < r->n_rows_hooks; i++) r->rows_hooks[i].fn(r->rows_hooks[i].ctx, now_s);
    for (uint32_t i = 0; i < r->n_svc; i++) {
        svc_meter *m = &r->svc[i];
        double used = timeavg_area(&m->used_vcpu, now_s);
        double reserved = timeavg_area(&m->reserved_vcpu, now_s);
        double du = used - m->i_used_area, dr = reserved - m->i_reserved_area;
        m->i_used_area = used;
        m->i_reserved_area = reserved;
        double used_mib = timeavg_area(&m->used_mib, now_s);
        double reserved_mib = timeavg_area(&m->reserved_mib, now_s);
        double dum = used_mib - m->i_used_mib_area, drm = reserved_mib - m->i_reserved_mib_area;
        m->i_used_mib_area = used_mib;
        m->i_reserved_mib_area = reserved_mib;
        if (r->bt) batches_areas(r->bt, i, now_s, used, reserved, used_mib, reserved_mib);
        if (r->timeseries.fp) {
            csvw *w = &r->timeseries;
            csvw_real(w, now_s);
            csvw_str(w, m->name);
            csvw_uint(w, m->i_requests);
            csvw_uint(w, m->i_retries);
            csvw_uint(w, m->i_completed);
            csvw_uint(w, m->i_errors);
            csvw_uint(w, m->i_timeouts);
            csvw_uint(w, m->in_flight);
            csvw_real(w, hist_quantile(&m->i_latency, 0.50));
            csvw_real(w, hist_quantile(&m->i_latency, 0.95));
            csvw_real(w, hist_quantile(&m->i_latency, 0.99));
            csvw_real(w, dr > 0 ? 100.0 * du / dr : NAN);
            csvw_real(w, drm > 0 ? 100.0 * dum / drm : NAN);
            csvw_uint(w, m->running_tasks);
            csvw_uint(w, m->desired_tasks);
            csvw_uint(w, r->hosts);
            csvw_uint(w, m->pending_tasks);
            csvw_real(w, m->cw_cpu_pct);
            csvw_real(w, m->cw_mem_pct);
            csvw_real(w, m->cw_req_per_target);
            write_alarm(w, m->alarm_high);
            write_alarm(w, m->alarm_low);
            csvw_uint(w, r->hosts_pending);
            csvw_uint(w, r->hosts_draining);
            csvw_uint(w, m->provisioning_tasks);
            csvw_real(w, m->capacity_reservation_pct);
            csvw_end(w);
        }
        m->i_requests = m->i_retries = m->i_completed = m->i_errors = m->i_timeouts = 0;
        hist_reset(&m->i_latency);
    }
    r->last_sample_s = now_s;
}

void recorder_listen_rows(recorder *r, void (*fn)(void *ctx, double now_s), void *ctx)
{
    assert(r->n_rows_hooks < RECORDER_MAX_HOOKS);
    r->rows_hooks[r->n_rows_hooks++] = (recorder_hook){fn, ctx};
}

static void on_sample(void *ctx, sim *s, const ev *e)
{
    (void) e;
    recorder *r = ctx;
    write_rows(r, sim_now(s));
    r->next_sample++;
    r->sample_ev = sim_at(s, (double) r->next_sample * r->interval_s, r->kind_sample, 0);
    if (r->after_sample.fn) r->after_sample.fn(r->after_sample.ctx, sim_now(s));
}

/* Utilisation over the measurement window needs the areas at its start. */
static void on_warmup_end(void *ctx, sim *s, const ev *e)
{
    (void) e;
    recorder *r = ctx;
    for (uint32_t i = 0; i < r->n_svc; i++) {
        svc_meter *m = &r->svc[i];
        m->w_used_area = timeavg_area(&m->used_vcpu, sim_now(s));
        m->w_reserved_area = timeavg_area(&m->reserved_vcpu, sim_now(s));
        m->w_used_mib_area = timeavg_area(&m->used_mib, sim_now(s));
        m->w_reserved_mib_area = timeavg_area(&m->reserved_mib, sim_now(s));
        if (r->bt)
            batches_areas(r->bt, i, sim_now(s), m->w_used_area, m->w_reserved_area,
                          m->w_used_mib_area, m->w_reserved_mib_area);
    }
}

void recorder_init(recorder *r, sim *s, const char *const *service_names, uint32_t n,
                   double warmup_s, double interval_s)
{
    r->svc = xcalloc(n, sizeof *r->svc);
    r->n_svc = n;
    r->cls = NULL;
    r->n_cls = 0;
    for (uint32_t i = 0; i < n; i++) {
        svc_meter *m = &r->svc[i];
        m->name = service_names[i];
        hist_init(&m->latency);
        hist_init(&m->client_latency);
        hist_init(&m->i_latency);
        timeavg_init(&m->used_vcpu, 0, 0);
        timeavg_init(&m->reserved_vcpu, 0, 0);
        timeavg_init(&m->used_mib, 0, 0);
        timeavg_init(&m->reserved_mib, 0, 0);
        m->cw_cpu_pct = m->cw_mem_pct = m->cw_req_per_target = NAN;
        m->alarm_high = m->alarm_low = -1;
        m->first_breach_s = m->first_scale_out_s = NAN;
        m->capacity_reservation_pct = NAN;
        m->minute_prev = xmalloc(sizeof *m->minute_prev);
        hist_init(m->minute_prev);
    }
    r->n_rows_hooks = 0;
    r->slo_p99_s = INFINITY;
    r->minute_end_s = 60;
    r->minutes_over_slo = 0;
    r->minute_diff = xmalloc(sizeof *r->minute_diff);
    r->minute_total = xmalloc(sizeof *r->minute_total);
    hist_init(r->minute_diff);
    hist_init(r->minute_total);
    r->warmup_s = warmup_s;
    r->interval_s = interval_s;
    r->next_sample = 1;
    r->last_sample_s = 0;
    r->open_sources = 0;
    r->hosts = 0;
    r->hosts_pending = r->hosts_draining = 0;
    r->n_events_logged = 0;
    csvw_init(&r->timeseries, NULL);
    csvw_init(&r->events, NULL);
    r->in_flight = 0;
    r->idle_fn = NULL;
    r->idle_ctx = NULL;
    r->bt = NULL;
    r->after_sample = (recorder_hook){NULL, NULL};
    r->sim = s;
    r->kind_sample = sim_kind(s, "recorder.sample", on_sample, r);
    r->sample_ev = sim_at(s, interval_s, r->kind_sample, 0);
    r->kind_warmup = sim_kind(s, "recorder.warmup_end", on_warmup_end, r);
    if (warmup_s > 0) sim_at(s, warmup_s, r->kind_warmup, 0);
}

void recorder_attach(recorder *r, FILE *timeseries, FILE *events)
{
    csvw_init(&r->timeseries, timeseries);
    csvw_init(&r->events, events);
    if (timeseries) {
        static const char *cols[] = {"t_s",
                                     "service",
                                     "requests",
                                     "retries",
                                     "completed",
                                     "errors",
                                     "timeouts",
                                     "in_flight",
                                     "p50_s",
                                     "p95_s",
                                     "p99_s",
                                     "cpu_util_pct",
                                     "mem_util_pct",
                                     "running_tasks",
                                     "desired_tasks",
                                     "hosts",
                                     "pending_tasks",
                                     "metric_cpu_pct",
                                     "metric_mem_pct",
                                     "metric_requests_per_target",
                                     "alarm_high",
                                     "alarm_low",
                                     "hosts_pending",
                                     "hosts_draining",
                                     "provisioning_tasks",
                                     "capacity_provider_reservation_pct"};
        for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) csvw_str(&r->timeseries, cols[i]);
        csvw_end(&r->timeseries);
    }
    if (events) {
        csvw_str(&r->events, "t_s");
        csvw_str(&r->events, "kind");
        csvw_str(&r->events, "object");
        csvw_str(&r->events, "detail");
        csvw_end(&r->events);
    }
}

void recorder_idle(recorder *r)
{
    if (r->sample_ev) sim_cancel(r->sim, r->sample_ev);
    r->sample_ev = 0;
    if (r->idle_fn) r->idle_fn(r->idle_ctx);
}

void recorder_source_closed(recorder *r)
{
    if (--r->open_sources == 0 && r->in_flight == 0) recorder_idle(r);
}

void recorder_set_classes(recorder *r, const char *const *class_names, uint32_t n)
{
    free(r->cls);
    r->cls = xcalloc(n ? n : 1, sizeof *r->cls);
    r->n_cls = n;
    for (uint32_t i = 0; i < n; i++) {
        r->cls[i].name = class_names[i];
        hist_init(&r->cls[i].latency);
    }
}

void recorder_timeout(recorder *r, uint32_t svc, double arrival_s)
{
    r->svc[svc].i_timeouts++;
    if (arrival_s >= r->warmup_s) r->svc[svc].timeouts++;
}

void recorder_late(recorder *r, uint32_t svc, double arrival_s)
{
    if (arrival_s >= r->warmup_s) r->svc[svc].late++;
}

void recorder_dropped(recorder *r, uint32_t svc, double arrival_s)
{
    if (arrival_s >= r->warmup_s) r->svc[svc].dropped++;
}

void recorder_fini(recorder *r)
{
    for (uint32_t i = 0; i < r->n_svc; i++) free(r->svc[i].minute_prev);
    free(r->minute_diff);
    free(r->minute_total);
    r->minute_diff = r->minute_total = NULL;
    free(r->svc);
    free(r->cls);
    r->cls = NULL;
    r->n_cls = 0;
    r->svc = NULL;
}

void recorder_task_running(recorder *r, uint32_t svc, double now_s, int delta, double vcpu,
                           double mib)
{
    svc_meter *m = &r->svc[svc];
    m->running_tasks = (uint32_t) ((int) m->running_tasks + delta);
    timeavg_add(&m->reserved_vcpu, now_s, delta * vcpu);
    timeavg_add(&m->reserved_mib, now_s, delta * mib);
}

void recorder_event(recorder *r, double now_s, const char *kind, const char *object,
                    const char *fmt, ...)
{
    r->n_events_logged++;
    if (!r->events.fp) return;
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    csvw_real(&r->events, now_s);
    csvw_str(&r->events, kind);
    csvw_str(&r->events, object);
    csvw_str(&r->events, detail);
    csvw_end(&r->events);
}

void recorder_flush(recorder *r, double now_s)
{
    if (now_s > r->last_sample_s) write_rows(r, now_s);
}

double recorder_cpu_util_pct(const recorder *r, uint32_t svc, double until_s)
{
    const svc_meter *m = &r->svc[svc];
    double du = timeavg_area(&m->used_vcpu, until_s) - m->w_used_area;
    double dr = timeavg_area(&m->reserved_vcpu, until_s) - m->w_reserved_area;
    return dr > 0 ? 100.0 * du / dr : NAN;
}

double recorder_mem_util_pct(const recorder *r, uint32_t svc, double until_s)
{
    const svc_meter *m = &r->svc[svc];
    double du = timeavg_area(&m->used_mib, until_s) - m->w_used_mib_area;
    double dr = timeavg_area(&m->reserved_mib, until_s) - m->w_reserved_mib_area;
    return dr > 0 ? 100.0 * du / dr : NAN;
}

/* d = a - prev, where prev is a copy of a taken earlier (a only grows);
 * then prev = a. The difference's exact extremes are unknown: its end
 * buckets' bounds stand in for them. */
static void minute_diff(hist *d, const hist *a, hist *prev)
{
    hist_reset(d);
    if (a->n > prev->n) {
        for (uint32_t b = a->lo; b <= a->hi; b++) {
            uint64_t c = a->counts[b] - prev->counts[b];
            if (!c) continue;
            d->counts[b] = c;
            if (b < d->lo) d->lo = b;
            if (b > d->hi) d->hi = b;
        }
        d->n = a->n - prev->n;
        d->sum = a->sum - prev->sum;
        d->min = hist_bucket_low(d->lo);
        d->max = hist_bucket_high(d->hi);
    }
    if (a->n) {
        memcpy(&prev->counts[a->lo], &a->counts[a->lo], (a->hi - a->lo + 1) * sizeof a->counts[0]);
        prev->n = a->n;
        prev->sum = a->sum;
        prev->lo = a->lo;
        prev->hi = a->hi;
    }
}

/* The minute that just ended: its answers' p99 (per service and all
 * together) against the SLO. Only answers to requests of the measurement
 * window are in `latency`, so minutes before the warm-up count nothing. */
static void minute_close(recorder *r)
{
    hist_reset(r->minute_total);
    for (uint32_t i = 0; i < r->n_svc; i++) {
        svc_meter *m = &r->svc[i];
        minute_diff(r->minute_diff, &m->latency, m->minute_prev);
        if (r->minute_diff->n == 0) continue;
        if (hist_quantile(r->minute_diff, 0.99) > r->slo_p99_s) m->minutes_over_slo++;
        hist_merge(r->minute_total, r->minute_diff);
    }
    if (r->minute_total->n && hist_quantile(r->minute_total, 0.99) > r->slo_p99_s)
        r->minutes_over_slo++;
}

void recorder_minute_roll(recorder *r, double now_s)
{
    minute_close(r);
    r->minute_end_s = (floor(now_s / 60) + 1) * 60;
}

void recorder_minute_finish(recorder *r)
{
    minute_close(r);
    r->minute_end_s = INFINITY;
}

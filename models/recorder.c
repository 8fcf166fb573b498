/* recorder.c -- sampling the time series and logging events.
 * Samples fall at k * interval_s (computed, never accumulated, so they do not
 * drift); the sampling event re-arms itself only while arrivals may still
 * come or requests are in flight, so a drained run's queue empties. */
#include "recorder.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "sim/engine/xmalloc.h"

static void write_rows(recorder *r, double now_s)
{
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
            csvw_end(w);
        }
        m->i_requests = m->i_retries = m->i_completed = m->i_errors = m->i_timeouts = 0;
        hist_reset(&m->i_latency);
    }
    r->last_sample_s = now_s;
}

static void on_sample(void *ctx, sim *s, const ev *e)
{
    (void) e;
    recorder *r = ctx;
    write_rows(r, sim_now(s));
    r->next_sample++;
    r->sample_ev = sim_at(s, (double) r->next_sample * r->interval_s, r->kind_sample, 0);
    if (r->sample_fn) r->sample_fn(r->sample_ctx, sim_now(s));
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
    }
    r->warmup_s = warmup_s;
    r->interval_s = interval_s;
    r->next_sample = 1;
    r->last_sample_s = 0;
    r->open_sources = 0;
    r->hosts = 0;
    r->n_events_logged = 0;
    csvw_init(&r->timeseries, NULL);
    csvw_init(&r->events, NULL);
    r->in_flight = 0;
    r->idle_fn = NULL;
    r->idle_ctx = NULL;
    r->bt = NULL;
    r->sample_fn = NULL;
    r->sample_ctx = NULL;
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
        static const char *cols[] = {
            "t_s",          "service",       "requests",      "retries",
            "completed",    "errors",        "timeouts",      "in_flight",
            "p50_s",        "p95_s",         "p99_s",         "cpu_util_pct",
            "mem_util_pct", "running_tasks", "desired_tasks", "hosts"};
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

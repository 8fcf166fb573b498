/* cw.c -- the CloudWatch datapoints of every service (see cw.h): samples
 * every metrics.sample_interval_s, a datapoint per period, its publication
 * after metrics.publish_delay_s, and the listeners (alarm evaluation) run at
 * each publication. Owns the per-service accumulators and the ring of
 * datapoints waiting for their publication. */
#include "cw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/engine/xmalloc.h"

const param_def cw_params[] = {
    {"metrics.period_s", PT_ENUM, "s", 0, 0, "60", "60|20", 0, NULL,
     "Period of the CloudWatch datapoints autoscaling reads: 60 (\"Amazon ECS sends metrics in "
     "1-minute intervals\", service-auto-scaling.html) or 20 (high-resolution metrics for ECS "
     "service auto scaling, announced in 2026)."},
    {"metrics.publish_delay_s", PT_REAL, "s", 0, 600, "60", NULL, 0, NULL,
     "Delay between the end of a period and its datapoint's publication, when alarms evaluate "
     "it (modelling assumption: CloudWatch does not document its ingestion delay; users report "
     "ECS scale-out 5-6 minutes after a load step with one-minute metrics, "
     "aws/containers-roadmap#2113)."},
    {"metrics.sample_interval_s", PT_REAL, "s", 1, 60, "20", NULL, 0, NULL,
     "ECS aggregates several samples into each datapoint (Average, Minimum, Maximum, Sum, "
     "SampleCount); one sample is taken every this many seconds, each the utilisation over its "
     "interval (modelling assumption: the sampling rate is not documented). Must divide "
     "metrics.period_s."},
    {"metrics.enabled", PT_BOOL, "", 0, 0, "false", NULL, 0, NULL,
     "Publish the datapoints (and show them in timeseries.csv) even when nothing reads them; "
     "they are always on when a service has autoscaling."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

/* Per service: the samples of the open period, the cumulative counters at
 * the last sample and period boundary, and the datapoints. */
struct cw_svc {
    /* samples of the open period */
    double cpu_sum, cpu_min, cpu_max, cpu_n;
    double mem_sum, mem_min, mem_max, mem_n;
    double healthy_sum, healthy_n;
    /* areas at the last sample */
    double used_vcpu, reserved_vcpu, used_mib, reserved_mib;
    /* counters at the last period boundary */
    uint64_t n_in, n_ok, n_5xx;
    double latency_sum;
    cw_datapoint *pending; /* ring * CW_N_METRICS: computed, not yet published */
    cw_datapoint last[CW_N_METRICS];
};

static const cw_datapoint missing = {NAN, NAN, NAN, NAN, 0};

static void on_sample(void *ctx, sim *s, const ev *e);
static void on_publish(void *ctx, sim *s, const ev *e);

int cw_init(cw *m, cluster *c, const params *p, ecs_err *e)
{
    /* listeners may have come first (cw_listen on the zeroed struct) */
    m->c = c;
    m->period_s = atof(params_str(p, "metrics.period_s"));
    m->delay_s = params_real(p, "metrics.publish_delay_s");
    m->sample_s = params_real(p, "metrics.sample_interval_s");
    m->enabled = m->enabled || params_bool(p, "metrics.enabled");
    double spp = m->period_s / m->sample_s;
    if (m->sample_s > m->period_s || fabs(spp - floor(spp + 0.5)) > 1e-9) {
        param_loc at = params_where(p, "metrics.sample_interval_s");
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "metrics.sample_interval_s: expected a divisor of metrics.period_s (%g s), "
                      "got %g",
                      m->period_s, m->sample_s);
    }
    m->samples_per_period = (uint32_t) floor(spp + 0.5);
    m->n_svc = c->n_services;
    m->ring = (uint32_t) ceil(m->delay_s / m->period_s) + 2;
    m->svc = xcalloc(m->n_svc ? m->n_svc : 1, sizeof *m->svc);
    for (uint32_t i = 0; i < m->n_svc; i++) {
        cw_svc *v = &m->svc[i];
        v->pending = xcalloc((size_t) m->ring * CW_N_METRICS, sizeof *v->pending);
        for (int k = 0; k < CW_N_METRICS; k++) v->last[k] = missing;
        v->cpu_min = v->mem_min = INFINITY;
        v->cpu_max = v->mem_max = -INFINITY;
    }
    m->publish_ev = xcalloc(m->ring, sizeof *m->publish_ev);
    return ECS_OK;
}

void cw_fini(cw *m)
{
    for (uint32_t i = 0; m->svc && i < m->n_svc; i++) free(m->svc[i].pending);
    free(m->svc);
    free(m->publish_ev);
    memset(m, 0, sizeof *m);
}

void cw_enable(cw *m)
{
    m->enabled = true;
}

int cw_listen(cw *m, cw_listener_fn fn, void *ctx)
{
    if (m->n_fn == CW_MAX_LISTENERS) return -1;
    m->fn[m->n_fn] = fn;
    m->fn_ctx[m->n_fn++] = ctx;
    m->enabled = true;
    return 0;
}

void cw_start(cw *m)
{
    if (!m->enabled || m->started) return;
    m->started = true;
    sim *s = m->c->s;
    /* registered only now, after every other kind: runs without metrics
     * keep their kind numbers, hence their fingerprints */
    m->kind_sample = sim_kind(s, "cw.sample", on_sample, m);
    m->kind_publish = sim_kind(s, "cw.publish", on_publish, m);
    m->next_sample = 1;
    m->sample_ev = sim_at(s, m->sample_s, m->kind_sample, 0);
}

void cw_quiesce(cw *m)
{
    if (!m->started) return;
    sim *s = m->c->s;
    if (m->sample_ev) sim_cancel(s, m->sample_ev);
    m->sample_ev = 0;
    for (uint32_t i = 0; i < m->ring; i++) {
        if (m->publish_ev[i]) sim_cancel(s, m->publish_ev[i]);
        m->publish_ev[i] = 0;
    }
}

static void add_sample(double x, double *sum, double *mn, double *mx, double *n)
{
    *sum += x;
    if (x < *mn) *mn = x;
    if (x > *mx) *mx = x;
    *n += 1;
}

static cw_datapoint from_samples(double sum, double mn, double mx, double n)
{
    if (n == 0) return missing;
    return (cw_datapoint){sum / n, mn, mx, sum, n};
}

/* One value published as a single sample (Sum-type ELB metrics). */
static cw_datapoint single(double x)
{
    return (cw_datapoint){x, x, x, x, 1};
}

/* A sample: the utilisation over the last sample interval, and the healthy
 * targets now. */
static void take_sample(cw *m, double now)
{
    cluster *c = m->c;
    for (uint32_t i = 0; i < m->n_svc; i++) {
        cw_svc *v = &m->svc[i];
        svc_meter *sm = &c->rec.svc[i];
        double used = timeavg_area(&sm->used_vcpu, now);
        double reserved = timeavg_area(&sm->reserved_vcpu, now);
        double used_mib = timeavg_area(&sm->used_mib, now);
        double reserved_mib = timeavg_area(&sm->reserved_mib, now);
        double dr = reserved - v->reserved_vcpu, drm = reserved_mib - v->reserved_mib;
        if (dr > 1e-12)
            add_sample(100.0 * (used - v->used_vcpu) / dr, &v->cpu_sum, &v->cpu_min, &v->cpu_max,
                       &v->cpu_n);
        if (drm > 1e-12)
            add_sample(100.0 * (used_mib - v->used_mib) / drm, &v->mem_sum, &v->mem_min,
                       &v->mem_max, &v->mem_n);
        v->used_vcpu = used;
        v->reserved_vcpu = reserved;
        v->used_mib = used_mib;
        v->reserved_mib = reserved_mib;
        const service *sv = &c->services[i];
        v->healthy_sum += lb_service_healthy_count(c->lbs[sv->lb], sv->id);
        v->healthy_n += 1;
    }
}

/* The end of period k: its datapoints, kept until their publication. */
static void close_period(cw *m, uint64_t k)
{
    cluster *c = m->c;
    uint32_t slot = (uint32_t) (k % m->ring);
    for (uint32_t i = 0; i < m->n_svc; i++) {
        cw_svc *v = &m->svc[i];
        const svc_meter *sm = &c->rec.svc[i];
        cw_datapoint *d = &v->pending[(size_t) slot * CW_N_METRICS];
        d[CW_CPU] = from_samples(v->cpu_sum, v->cpu_min, v->cpu_max, v->cpu_n);
        d[CW_MEM] = from_samples(v->mem_sum, v->mem_min, v->mem_max, v->mem_n);
        uint64_t req = sm->n_in - v->n_in, ok = sm->n_ok_all - v->n_ok;
        uint64_t err = sm->n_5xx_all - v->n_5xx;
        double healthy = v->healthy_n > 0 ? v->healthy_sum / v->healthy_n : 0;
        /* ELB publishes only when requests flow */
        d[CW_REQUESTS] = req ? single((double) req) : missing;
        d[CW_REQ_PER_TARGET] =
            req ? single(healthy > 0 ? (double) req / healthy : (double) req) : missing;
        d[CW_ELB_5XX] = err ? single((double) err) : missing;
        d[CW_RESPONSE_TIME] =
            ok ? (cw_datapoint){(sm->latency_sum_all - v->latency_sum) / (double) ok, NAN, NAN,
                                sm->latency_sum_all - v->latency_sum, (double) ok}
               : missing;
        v->n_in = sm->n_in;
        v->n_ok = sm->n_ok_all;
        v->n_5xx = sm->n_5xx_all;
        v->latency_sum = sm->latency_sum_all;
        v->cpu_sum = v->mem_sum = v->cpu_n = v->mem_n = v->healthy_sum = v->healthy_n = 0;
        v->cpu_min = v->mem_min = INFINITY;
        v->cpu_max = v->mem_max = -INFINITY;
    }
}

static void publish(cw *m, uint64_t k, double now)
{
    cluster *c = m->c;
    uint32_t slot = (uint32_t) (k % m->ring);
    for (uint32_t i = 0; i < m->n_svc; i++) {
        cw_svc *v = &m->svc[i];
        memcpy(v->last, &v->pending[(size_t) slot * CW_N_METRICS], sizeof v->last);
        svc_meter *sm = &c->rec.svc[i];
        sm->cw_cpu_pct = v->last[CW_CPU].avg;
        sm->cw_mem_pct = v->last[CW_MEM].avg;
        sm->cw_req_per_target = v->last[CW_REQ_PER_TARGET].sum;
    }
    m->published = k + 1;
    for (uint32_t i = 0; i < m->n_fn; i++) m->fn[i](m->fn_ctx[i], k, now);
}

static void on_sample(void *ctx, sim *s, const ev *e)
{
    (void) e;
    cw *m = ctx;
    double now = sim_now(s);
    take_sample(m, now);
    uint64_t j = m->next_sample++;
    if (j % m->samples_per_period == 0) {
        uint64_t k = j / m->samples_per_period - 1;
        close_period(m, k);
        uint32_t slot = (uint32_t) (k % m->ring);
        if (m->delay_s <= 0)
            publish(m, k, now);
        else
            m->publish_ev[slot] = sim_at(s, cw_publish_time(m, k), m->kind_publish, slot);
    }
    m->sample_ev = sim_at(s, (double) m->next_sample * m->sample_s, m->kind_sample, 0);
}

static void on_publish(void *ctx, sim *s, const ev *e)
{
    cw *m = ctx;
    uint32_t slot = e->target;
    m->publish_ev[slot] = 0;
    /* publications come in period order: the delay is the same for each */
    publish(m, m->published, sim_now(s));
}

cw_datapoint cw_last(const cw *m, uint32_t svc, cw_metric metric)
{
    if (!m->svc || svc >= m->n_svc) return missing;
    return m->svc[svc].last[metric];
}

double cw_stat_of(const cw_datapoint *d, cw_stat stat)
{
    if (d->count == 0) return NAN;
    switch (stat) {
    case CW_AVERAGE:
        return d->avg;
    case CW_MINIMUM:
        return d->min;
    case CW_MAXIMUM:
        return d->max;
    case CW_SUM:
        return d->sum;
    case CW_SAMPLE_COUNT:
        break;
    }
    return d->count;
}

uint64_t cw_period_of(const cw *m, double t_s)
{
    return t_s <= 0 ? 0 : (uint64_t) floor(t_s / m->period_s);
}

double cw_publish_time(const cw *m, uint64_t k)
{
    return (double) (k + 1) * m->period_s + m->delay_s;
}

const char *cw_metric_name(cw_metric metric)
{
    static const char *const names[] = {"CPUUtilization",        "MemoryUtilization",
                                        "RequestCountPerTarget", "RequestCount",
                                        "TargetResponseTime",    "HTTPCode_ELB_5XX_Count"};
    return (unsigned) metric < CW_N_METRICS ? names[metric] : "?";
}

const char *cw_stat_name(cw_stat stat)
{
    static const char *const names[] = {"Average", "Minimum", "Maximum", "Sum", "SampleCount"};
    return (unsigned) stat <= CW_SAMPLE_COUNT ? names[stat] : "?";
}

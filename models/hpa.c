/* hpa.c -- the Horizontal Pod Autoscaler's sync loop over ECS services (see
 * hpa.h): the metric window, the recommendation with tolerance and
 * not-ready tasks, stabilisation, behaviour policies and the min/max clamp,
 * following Kubernetes' replica calculator and its
 * normalizeDesiredReplicasWithBehaviors. Owns the per-service rings. */
#include "hpa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscale.h"
#include "models/cluster.h"
#include "sim/engine/xmalloc.h"

#define HPA "services.*.hpa."

const param_def hpa_params[] = {
    {"hpa.sync_period_s", PT_REAL, "s", 1, 600, "15", NULL, 0, NULL,
     "--horizontal-pod-autoscaler-sync-period: how often every HPA reads its metric and "
     "decides (Kubernetes default 15 s)."},
    {"hpa.metric_window_s", PT_REAL, "s", 1, 600, "30", NULL, 0, NULL,
     "The span the metric is averaged over at each sync (modelling assumption: metrics-server "
     "reports usage over a short window; ours is a multiple of the sync period, rounded up)."},
    {HPA "metric", PT_ENUM, "", 0, 0, "none", "none|cpu|memory|requests_per_target", 0, NULL,
     "The service scales by the HPA rules on this metric: cpu or memory (average use, % of "
     "the tasks' reservation), requests_per_target (requests/s per RUNNING task); none: no HPA."},
    {HPA "target", PT_REAL, "", 0, 1e9, "80", NULL, PF_MIN_EXCL, NULL,
     "The target value (averageUtilization, or requests/s per task); required with a metric."},
    {HPA "min_replicas", PT_INT, "tasks", 0, 10000, "1", NULL, 0, NULL, "minReplicas."},
    {HPA "max_replicas", PT_INT, "tasks", 0, 10000, "unlimited", NULL, PF_UNLIMITED, NULL,
     "maxReplicas (required with a metric)."},
    {HPA "tolerance", PT_REAL, "", 0, 1, "0.1", NULL, 0, NULL,
     "No change while |metric / target - 1| is at most this "
     "(--horizontal-pod-autoscaler-tolerance, default 0.1)."},
    {HPA "scale_up.stabilization_window_s", PT_REAL, "s", 0, 3600, "0", NULL, 0, NULL,
     "behavior.scaleUp.stabilizationWindowSeconds (default 0)."},
    {HPA "scale_up.select_policy", PT_ENUM, "", 0, 0, "Max", "Max|Min|Disabled", 0, NULL,
     "behavior.scaleUp.selectPolicy: the policy allowing the largest (Max) or smallest (Min) "
     "change, or no scale-up (Disabled)."},
    {HPA "scale_up.policies.*.type", PT_ENUM, "", 0, 0, NULL, "Pods|Percent", PF_REQUIRED, NULL,
     "A scale-up policy: at most value tasks (Pods) or value % (Percent) more per period_s. "
     "With none given: Percent 100 and Pods 4 per 15 s (the Kubernetes default)."},
    {HPA "scale_up.policies.*.value", PT_INT, "", 1, 1e6, NULL, NULL, PF_REQUIRED, NULL,
     "Tasks or percent."},
    {HPA "scale_up.policies.*.period_s", PT_REAL, "s", 1, 1800, "15", NULL, 0, NULL,
     "periodSeconds (at most 1800)."},
    {HPA "scale_down.stabilization_window_s", PT_REAL, "s", 0, 3600, "300", NULL, 0, NULL,
     "behavior.scaleDown.stabilizationWindowSeconds: the highest recommendation within it wins "
     "(--horizontal-pod-autoscaler-downscale-stabilization, default 300 s)."},
    {HPA "scale_down.select_policy", PT_ENUM, "", 0, 0, "Max", "Max|Min|Disabled", 0, NULL,
     "behavior.scaleDown.selectPolicy."},
    {HPA "scale_down.policies.*.type", PT_ENUM, "", 0, 0, NULL, "Pods|Percent", PF_REQUIRED, NULL,
     "A scale-down policy; with none given: Percent 100 per 15 s (the Kubernetes default)."},
    {HPA "scale_down.policies.*.value", PT_INT, "", 1, 1e6, NULL, NULL, PF_REQUIRED, NULL,
     "Tasks or percent."},
    {HPA "scale_down.policies.*.period_s", PT_REAL, "s", 1, 1800, "15", NULL, 0, NULL,
     "periodSeconds (at most 1800)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

/* ---- rings ---- */

void hpa_ring_init(hpa_ring *r, uint32_t cap)
{
    r->m = xcalloc(cap ? cap : 1, sizeof *r->m);
    r->cap = cap ? cap : 1;
    r->n = r->head = 0;
}

void hpa_ring_push(hpa_ring *r, double t_s, int64_t v)
{
    r->m[r->head] = (hpa_mark){t_s, v};
    r->head = (r->head + 1) % r->cap;
    if (r->n < r->cap) r->n++;
}

void hpa_ring_fini(hpa_ring *r)
{
    free(r->m);
    r->m = NULL;
    r->cap = r->n = r->head = 0;
}

static const hpa_mark *ring_at(const hpa_ring *r, uint32_t i) /* i = 0: the newest */
{
    return &r->m[(r->head + r->cap - 1 - i) % r->cap];
}

/* ---- the rules ---- */

int64_t hpa_recommend(int64_t current, uint32_t ready, uint32_t not_ready, double value,
                      double target, double tolerance)
{
    if (ready == 0 || isnan(value)) return current;
    double ratio = value / target;
    if (fabs(ratio - 1) <= tolerance) return current;
    if (ratio > 1 && not_ready > 0) {
        /* not-ready tasks at 0% of the target */
        double r2 = (double) ready * value / (target * (double) (ready + not_ready));
        if (r2 <= 1 + tolerance) return current;
        return (int64_t) ceil((double) (ready + not_ready) * r2 - 1e-9);
    }
    return (int64_t) ceil((double) ready * ratio - 1e-9);
}

int64_t hpa_stabilize(const hpa_ring *recs, double now_s, int64_t current, int64_t rec,
                      double up_window_s, double down_window_s)
{
    int64_t up = rec, down = rec;
    for (uint32_t i = 0; i < recs->n; i++) {
        const hpa_mark *m = ring_at(recs, i);
        if (m->t_s > now_s - up_window_s && m->v < up) up = m->v;
        if (m->t_s > now_s - down_window_s && m->v > down) down = m->v;
    }
    int64_t r = current;
    if (r < up) r = up;
    if (r > down) r = down;
    return r;
}

int64_t hpa_limit(const hpa_rules *r, const hpa_ring *events, double now_s, int64_t current,
                  bool up)
{
    if (r->select == HPA_SELECT_DISABLED) return current;
    bool pick_max = (r->select == HPA_SELECT_MAX) == up;
    int64_t result = pick_max ? INT64_MIN : INT64_MAX;
    for (uint32_t k = 0; k < r->n; k++) {
        const hpa_policy *pl = &r->pol[k];
        int64_t added = 0, deleted = 0;
        for (uint32_t i = 0; i < events->n; i++) {
            const hpa_mark *m = ring_at(events, i);
            if (!(m->t_s > now_s - pl->period_s)) continue;
            if (m->v > 0)
                added += m->v;
            else
                deleted -= m->v;
        }
        int64_t start = current - added + deleted, proposed;
        if (up)
            proposed = pl->type == HPA_PODS
                           ? start + pl->value
                           : (int64_t) ceil((double) start * (1 + (double) pl->value / 100));
        else
            proposed = pl->type == HPA_PODS
                           ? start - pl->value
                           : (int64_t) ((double) start * (1 - (double) pl->value / 100));
        if (pick_max ? proposed > result : proposed < result) result = proposed;
    }
    if (r->n == 0) return current;
    return result;
}

/* ---- reading ---- */

static int read_rules(hpa_rules *r, const params *p, const char *svc, const char *dir, bool up)
{
    char group[256];
    r->window_s = params_real(p, "services.%s.hpa.%s.stabilization_window_s", svc, dir);
    const char *sel = params_str(p, "services.%s.hpa.%s.select_policy", svc, dir);
    r->select = strcmp(sel, "Min") == 0        ? HPA_SELECT_MIN
                : strcmp(sel, "Disabled") == 0 ? HPA_SELECT_DISABLED
                                               : HPA_SELECT_MAX;
    snprintf(group, sizeof group, "services.%s.hpa.%s.policies", svc, dir);
    uint32_t n = (uint32_t) params_inner_count(p, group);
    if (n > HPA_MAX_POLICIES) return -1;
    r->n = n;
    for (uint32_t i = 0; i < n; i++) {
        const char *nm = params_inner_name(p, group, i);
        r->pol[i].type =
            strcmp(params_str(p, "%s.%s.type", group, nm), "Pods") == 0 ? HPA_PODS : HPA_PERCENT;
        r->pol[i].value = params_int(p, "%s.%s.value", group, nm);
        r->pol[i].period_s = params_real(p, "%s.%s.period_s", group, nm);
    }
    if (n == 0) { /* the Kubernetes defaults */
        r->pol[0] = (hpa_policy){HPA_PERCENT, 100, 15};
        r->n = 1;
        if (up) {
            r->pol[1] = (hpa_policy){HPA_PODS, 4, 15};
            r->n = 2;
        }
    }
    return 0;
}

static double max_period(const hpa_rules *r)
{
    double m = 0;
    for (uint32_t i = 0; i < r->n; i++)
        if (r->pol[i].period_s > m) m = r->pol[i].period_s;
    return m;
}

static void on_sync(void *ctx, sim *s, const ev *e);

int hpa_init(hpa *h, cluster *c, const params *p, ecs_err *e)
{
    memset(h, 0, sizeof *h);
    h->c = c;
    h->n = c->n_services;
    h->svc = xcalloc(h->n ? h->n : 1, sizeof *h->svc);
    h->running = xcalloc(h->n ? h->n : 1, sizeof *h->running);
    h->pending = xcalloc(h->n ? h->n : 1, sizeof *h->pending);
    h->sync_s = params_real(p, "hpa.sync_period_s");
    h->window_s = params_real(p, "hpa.metric_window_s");
    for (uint32_t i = 0; i < h->n; i++) {
        hpa_svc *v = &h->svc[i];
        const char *svc = c->services[i].name;
        const char *metric = params_str(p, "services.%s.hpa.metric", svc);
        if (strcmp(metric, "none") == 0) continue;
        param_loc at = params_where(p, "services.%s.hpa.metric", svc);
        const char *file = at.file ? at.file : "scenario";
        if (c->as.t && c->as.t[i].on)
            return err_at(e, ECS_EINPUT, file, at.line, at.column,
                          "services.%s.hpa: the service also has autoscaling policies or "
                          "scheduled actions; use one or the other",
                          svc);
        if (!params_is_set(p, "services.%s.hpa.target", svc))
            return err_at(e, ECS_EINPUT, file, at.line, at.column,
                          "services.%s.hpa.target: required with hpa.metric %s", svc, metric);
        v->min = params_int(p, "services.%s.hpa.min_replicas", svc);
        v->max = params_int(p, "services.%s.hpa.max_replicas", svc);
        if (v->max < 0)
            return err_at(e, ECS_EINPUT, file, at.line, at.column,
                          "services.%s.hpa.max_replicas: required with hpa.metric %s", svc, metric);
        if (v->min > v->max) {
            param_loc m = params_where(p, "services.%s.hpa.min_replicas", svc);
            return err_at(e, ECS_EINPUT, m.file ? m.file : file, m.line, m.column,
                          "services.%s.hpa.min_replicas: expected at most max_replicas (%lld), "
                          "got %lld",
                          svc, (long long) v->max, (long long) v->min);
        }
        if (read_rules(&v->up, p, svc, "scale_up", true) != 0 ||
            read_rules(&v->down, p, svc, "scale_down", false) != 0)
            return err_at(e, ECS_EINPUT, file, at.line, at.column,
                          "services.%s.hpa: at most %d policies per direction", svc,
                          HPA_MAX_POLICIES);
        v->on = true;
        h->any = true;
        v->metric = strcmp(metric, "cpu") == 0 ? 0 : strcmp(metric, "memory") == 0 ? 1 : 2;
        v->target = params_real(p, "services.%s.hpa.target", svc);
        v->tolerance = params_real(p, "services.%s.hpa.tolerance", svc);
        double w = v->up.window_s > v->down.window_s ? v->up.window_s : v->down.window_s;
        hpa_ring_init(&v->recs, (uint32_t) ceil(w / h->sync_s) + 2);
        double per =
            max_period(&v->up) > max_period(&v->down) ? max_period(&v->up) : max_period(&v->down);
        hpa_ring_init(&v->events, (uint32_t) ceil(per / h->sync_s) + 2);
        /* full, the ring's oldest reading is window_s old */
        v->snap_cap = (uint32_t) ceil(h->window_s / h->sync_s - 1e-9);
        if (v->snap_cap < 1) v->snap_cap = 1;
        v->snap = xcalloc(v->snap_cap, sizeof *v->snap);
        v->over_since_s = NAN;
    }
    return ECS_OK;
}

void hpa_fini(hpa *h)
{
    for (uint32_t i = 0; h->svc && i < h->n; i++) {
        hpa_ring_fini(&h->svc[i].recs);
        hpa_ring_fini(&h->svc[i].events);
        free(h->svc[i].snap);
    }
    free(h->svc);
    free(h->running);
    free(h->pending);
    memset(h, 0, sizeof *h);
}

void hpa_start(hpa *h)
{
    if (!h->any) return;
    h->kind_sync = sim_kind(h->c->s, "hpa.sync", on_sync, h);
    for (uint32_t i = 0; i < h->n; i++) {
        hpa_svc *v = &h->svc[i];
        if (!v->on) continue;
        memset(v->snap[0], 0, sizeof v->snap[0]); /* the areas at t = 0 */
        v->n_snap = 1;
        v->snap_head = 1 % v->snap_cap;
    }
    h->next_sync = 1;
    h->sync_ev = sim_at(h->c->s, h->sync_s, h->kind_sync, 0);
}

void hpa_quiesce(hpa *h)
{
    if (h->sync_ev) sim_cancel(h->c->s, h->sync_ev);
    h->sync_ev = 0;
}

static const char *metric_name(int m)
{
    return m == 0 ? "cpu" : m == 1 ? "memory" : "requests_per_target";
}

/* The metric over the window: the cumulative readings now against the
 * oldest kept (at most window_s ago). */
static double read_metric(hpa *h, hpa_svc *v, uint32_t si, double now)
{
    const svc_meter *m = &h->c->rec.svc[si];
    double cur[6] = {timeavg_area(&m->used_vcpu, now),
                     timeavg_area(&m->reserved_vcpu, now),
                     timeavg_area(&m->used_mib, now),
                     timeavg_area(&m->reserved_mib, now),
                     (double) m->n_in,
                     now};
    uint32_t oldest = v->n_snap < v->snap_cap ? 0 : v->snap_head;
    const double *old = v->snap[oldest];
    double val = NAN;
    if (v->metric == 0 && cur[1] - old[1] > 1e-12)
        val = 100.0 * (cur[0] - old[0]) / (cur[1] - old[1]);
    else if (v->metric == 1 && cur[3] - old[3] > 1e-12)
        val = 100.0 * (cur[2] - old[2]) / (cur[3] - old[3]);
    else if (v->metric == 2 && h->running[si] > 0 && cur[5] > old[5])
        val = (cur[4] - old[4]) / (cur[5] - old[5]) / h->running[si];
    memcpy(v->snap[v->snap_head], cur, sizeof cur);
    v->snap_head = (v->snap_head + 1) % v->snap_cap;
    if (v->n_snap < v->snap_cap) v->n_snap++;
    return val;
}

static void sync_one(hpa *h, uint32_t si, double now)
{
    cluster *c = h->c;
    hpa_svc *v = &h->svc[si];
    service *sv = &c->services[si];
    uint32_t ready = h->running[si], not_ready = h->pending[si];
    double value = read_metric(h, v, si, now);
    int64_t current = sv->desired;
    double ratio = value / v->target;
    if (!isnan(value) && ready > 0 && ratio > 1 + v->tolerance) {
        if (isnan(v->over_since_s)) v->over_since_s = now - h->window_s;
    } else {
        v->over_since_s = NAN;
    }
    int64_t rec = hpa_recommend(current, ready, not_ready, value, v->target, v->tolerance);
    int64_t stab = hpa_stabilize(&v->recs, now, current, rec, v->up.window_s, v->down.window_s);
    hpa_ring_push(&v->recs, now, rec);
    int64_t want = stab, limit = current;
    if (stab > current) {
        limit = hpa_limit(&v->up, &v->events, now, current, true);
        if (want > limit) want = limit;
    } else if (stab < current) {
        limit = hpa_limit(&v->down, &v->events, now, current, false);
        if (want < limit) want = limit;
    }
    int64_t fin = want;
    if (fin < v->min) fin = v->min;
    if (fin > v->max) fin = v->max;
    if (fin == current) return;
    char why[512];
    snprintf(why, sizeof why,
             "hpa %s %.4g vs target %g (ratio %.3f, tolerance %g; %u ready, %u not ready): "
             "recommendation %lld, stabilized %lld (windows up %g s, down %g s)%s%s",
             metric_name(v->metric), value, v->target, ratio, v->tolerance, ready, not_ready,
             (long long) rec, (long long) stab, v->up.window_s, v->down.window_s,
             want != stab ? ", limited by the behavior policies" : "",
             fin != want ? (fin == v->max ? ", capped at max_replicas" : ", raised to min_replicas")
                         : "");
    svc_meter *m = &c->rec.svc[si];
    if (fin > current && isnan(m->first_scale_out_s)) {
        m->first_scale_out_s = now;
        m->first_breach_s = v->over_since_s;
    }
    hpa_ring_push(&v->events, now, fin - current);
    autoscale_set_desired(c, sv, (uint32_t) fin, "hpa", why);
}

static void on_sync(void *ctx, sim *s, const ev *e)
{
    (void) e;
    hpa *h = ctx;
    double now = sim_now(s);
    autoscale_count_tasks(h->c, h->running, h->pending);
    for (uint32_t i = 0; i < h->n; i++)
        if (h->svc[i].on) sync_one(h, i, now);
    h->next_sync++;
    h->sync_ev = sim_at(s, (double) h->next_sync * h->sync_s, h->kind_sync, 0);
}

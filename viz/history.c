/* history.c -- chart samples, the ticker and alarm tracks (history.h). */
#include "viz/history.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/hist.h"
#include "sim/engine/xmalloc.h"

static size_t stride(const history *h)
{
    return (size_t) h->n_svc * VH_SVC_FIELDS + VH_FIELDS;
}

void history_init(history *h, uint32_t n_svc, double dt)
{
    memset(h, 0, sizeof *h);
    h->n_svc = n_svc;
    h->dt = dt;
    h->lat = xcalloc(n_svc ? n_svc : 1, sizeof *h->lat);
    for (uint32_t i = 0; i < n_svc; i++) h->lat[i].counts = xcalloc(HIST_BUCKETS, sizeof(uint64_t));
}

void history_reset(history *h)
{
    h->n = 0;
    h->n_lines = 0;
    h->n_scaling = 0;
    for (uint32_t i = 0; i < h->n_svc; i++) {
        memset(h->lat[i].counts, 0, HIST_BUCKETS * sizeof(uint64_t));
        h->lat[i].n = 0;
        h->lat[i].since_s = 0;
        h->lat[i].arrivals = 0;
    }
    for (uint32_t i = 0; i < h->n_alarms; i++) free(h->alarms[i].changes);
    h->n_alarms = 0;
}

void history_fini(history *h)
{
    history_reset(h);
    for (uint32_t i = 0; i < h->n_svc; i++) free(h->lat[i].counts);
    free(h->lat);
    free(h->t);
    free(h->v);
    free(h->alarms);
    memset(h, 0, sizeof *h);
}

/* Nearest-rank quantiles q[] of the counts cur - prev (prev NULL: cur). */
static void window_quantiles(const hist *cur, const uint64_t *prev, uint64_t n, const double *q,
                             double *out, int nq)
{
    for (int k = 0; k < nq; k++) out[k] = NAN;
    if (n == 0) return;
    uint64_t seen = 0;
    int k = 0;
    uint64_t rank = (uint64_t) ceil(q[0] * (double) n);
    if (rank < 1) rank = 1;
    for (uint32_t b = cur->lo; b <= cur->hi && k < nq; b++) {
        seen += cur->counts[b] - (prev ? prev[b] : 0);
        while (k < nq && seen >= rank) {
            out[k++] = sqrt(hist_bucket_low(b) * hist_bucket_high(b));
            if (k < nq) {
                rank = (uint64_t) ceil(q[k] * (double) n);
                if (rank < 1) rank = 1;
            }
        }
    }
}

void history_sample(history *h, const vw_world *w, const struct cluster *c)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 256;
        h->t = xrealloc(h->t, h->cap * sizeof *h->t);
        h->v = xrealloc(h->v, h->cap * stride(h) * sizeof *h->v);
    }
    size_t i = h->n++;
    float *v = &h->v[i * stride(h)];
    h->t[i] = w->now_s;
    double dt = i > 0 ? w->now_s - h->t[i - 1] : w->now_s;
    static const double q[2] = {0.50, 0.99};
    for (uint32_t k = 0; k < h->n_svc && k < w->n_services; k++) {
        const vw_service *sv = &w->services[k];
        vh_latency *L = &h->lat[k];
        float *f = &v[(size_t) k * VH_SVC_FIELDS];
        f[VH_ARRIVALS] = dt > 0 ? (float) ((double) (sv->arrivals - L->arrivals) / dt) : NAN;
        L->arrivals = sv->arrivals;
        double since;
        const hist *cur = world_interval_latency(c, k, &since);
        double pq[2];
        if (since == L->since_s && cur->n >= L->n) {
            window_quantiles(cur, L->counts, cur->n - L->n, q, pq, 2);
        } else { /* the recorder began a new interval since the last sample */
            window_quantiles(cur, NULL, cur->n, q, pq, 2);
            memset(L->counts, 0, HIST_BUCKETS * sizeof(uint64_t));
        }
        if (cur->n)
            memcpy(L->counts + cur->lo, cur->counts + cur->lo,
                   (size_t) (cur->hi - cur->lo + 1) * sizeof(uint64_t));
        L->n = cur->n;
        L->since_s = since;
        f[VH_P50] = (float) pq[0];
        f[VH_P99] = (float) pq[1];
        f[VH_RUNNING] = (float) sv->running;
        f[VH_DESIRED] = (float) sv->desired;
    }
    float *g = &v[(size_t) h->n_svc * VH_SVC_FIELDS];
    uint32_t booting = 0;
    for (uint32_t k = 0; k < w->n_hosts; k++) booting += w->hosts[k].state == VW_HOST_BOOTING;
    g[VH_HOSTS] = (float) w->hosts_live;
    g[VH_BOOTING] = (float) booting;
    g[VH_ASG_DESIRED] = w->asg_desired >= 0 ? (float) w->asg_desired : NAN;
    /* alarms the model reports (world.c) join the tracks */
    if (w->alarms_from_model) {
        for (uint32_t a = 0; a < w->n_alarms; a++) {
            const vw_alarm *wa = &w->alarms[a];
            uint32_t j = 0;
            while (j < h->n_alarms && strcmp(h->alarms[j].name, wa->name) != 0) j++;
            if (j == h->n_alarms) {
                if (h->n_alarms == h->cap_alarms) {
                    h->cap_alarms = h->cap_alarms ? 2 * h->cap_alarms : 4;
                    h->alarms = xrealloc(h->alarms, h->cap_alarms * sizeof *h->alarms);
                }
                memset(&h->alarms[j], 0, sizeof h->alarms[j]);
                memcpy(h->alarms[j].name, wa->name, VW_NAME);
                h->n_alarms++;
            }
            vh_alarm *ha = &h->alarms[j];
            if (ha->n == 0 || ha->changes[ha->n - 1].state != wa->state) {
                if (ha->n == ha->cap) {
                    ha->cap = ha->cap ? 2 * ha->cap : 8;
                    ha->changes = xrealloc(ha->changes, ha->cap * sizeof *ha->changes);
                }
                ha->changes[ha->n++] = (vh_change){w->now_s, wa->state};
            }
        }
    }
}

/* Splits one CSV line into up to n fields (quotes honoured, "" inside a
 * quoted field is a quote; a field longer than its buffer is cut); returns
 * how many. */
static int split_csv(const char *line, size_t len, char **out, const size_t *cap, int n)
{
    int f = 0;
    size_t i = 0;
    for (;;) {
        size_t o = 0;
        int q = i < len && line[i] == '"';
        if (q) i++;
        for (; i < len; i++) {
            char ch = line[i];
            if (q && ch == '"') {
                if (i + 1 < len && line[i + 1] == '"') {
                    i++;
                } else {
                    q = 0;
                    continue;
                }
            } else if (!q && ch == ',') {
                break;
            }
            if (o + 1 < cap[f]) out[f][o++] = ch;
        }
        out[f++][o] = 0;
        if (i >= len || f == n) return f;
        i++; /* the comma */
    }
}

int history_is_scaling(const char *kind)
{
    static const char *const words[] = {"scal", "desired", "alarm", "capacity", "asg", "autoscal"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(kind, words[i])) return 1;
    return 0;
}

/* The state an alarm line moves to: the word after "-> " ("OK -> ALARM:
 * Threshold Crossed ..."), else the last of the state words, or -1. */
static int alarm_state_in(const char *d)
{
    int st = -1;
    const char *arrow = strstr(d, "-> ");
    if (arrow) {
        arrow += 3;
        if (strncmp(arrow, "INSUFFICIENT_DATA", 17) == 0) return VW_ALARM_INSUFFICIENT;
        if (strncmp(arrow, "ALARM", 5) == 0) return VW_ALARM_ALARM;
        if (strncmp(arrow, "OK", 2) == 0) return VW_ALARM_OK;
    }
    for (const char *p = d; *p; p++) {
        if (p != d && (isalnum((unsigned char) p[-1]) || p[-1] == '_')) continue;
        static const struct {
            const char *w;
            int st;
        } words[] = {{"INSUFFICIENT_DATA", VW_ALARM_INSUFFICIENT},
                     {"ALARM", VW_ALARM_ALARM},
                     {"OK", VW_ALARM_OK}};
        for (size_t i = 0; i < 3; i++) {
            size_t n = strlen(words[i].w);
            if (strncmp(p, words[i].w, n) == 0 && !isalnum((unsigned char) p[n]) && p[n] != '_') {
                st = words[i].st;
                break;
            }
        }
    }
    return st;
}

static void alarm_change(history *h, const char *name, double t, int st)
{
    uint32_t j = 0;
    while (j < h->n_alarms && strcmp(h->alarms[j].name, name) != 0) j++;
    if (j == h->n_alarms) {
        if (h->n_alarms == h->cap_alarms) {
            h->cap_alarms = h->cap_alarms ? 2 * h->cap_alarms : 4;
            h->alarms = xrealloc(h->alarms, h->cap_alarms * sizeof *h->alarms);
        }
        memset(&h->alarms[j], 0, sizeof h->alarms[j]);
        snprintf(h->alarms[j].name, VW_NAME, "%s", name);
        h->n_alarms++;
    }
    vh_alarm *a = &h->alarms[j];
    if (a->n && a->changes[a->n - 1].state == st) return;
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 8;
        a->changes = xrealloc(a->changes, a->cap * sizeof *a->changes);
    }
    a->changes[a->n++] = (vh_change){t, st};
}

void history_event_line(history *h, const char *line, size_t len)
{
    if (len >= 4 && strncmp(line, "t_s,", 4) == 0) return; /* the header */
    vh_line *l = &h->ticker[h->n_lines % VH_TICKER];
    char tbuf[64] = "";
    char *out[4] = {tbuf, l->kind, l->object, l->detail};
    size_t cap[4] = {sizeof tbuf, sizeof l->kind, sizeof l->object, sizeof l->detail};
    int n = split_csv(line, len, out, cap, 4);
    if (n < 2) return;
    if (n < 3) l->object[0] = 0;
    if (n < 4) l->detail[0] = 0;
    l->t_s = strtod(tbuf, NULL);
    h->n_lines++;
    if (history_is_scaling(l->kind)) h->n_scaling++;
    if (strstr(l->kind, "alarm")) {
        int st = alarm_state_in(l->detail);
        if (st >= 0 && l->object[0]) alarm_change(h, l->object, l->t_s, st);
    }
}

const vh_line *history_line(const history *h, uint64_t k)
{
    if (k >= h->n_lines || k >= VH_TICKER) return NULL;
    return &h->ticker[(h->n_lines - 1 - k) % VH_TICKER];
}

int history_alarm_state(const vh_alarm *a, double t)
{
    int st = VW_ALARM_INSUFFICIENT;
    for (uint32_t i = 0; i < a->n && a->changes[i].t_s <= t; i++) st = a->changes[i].state;
    return st;
}

void history_alarms_to_world(const history *h, vw_world *w)
{
    if (h->n_alarms == 0 || w->alarms_from_model) return;
    if (h->n_alarms > w->cap_alarms) {
        w->cap_alarms = h->n_alarms;
        w->alarms = xrealloc(w->alarms, w->cap_alarms * sizeof *w->alarms);
    }
    for (uint32_t i = 0; i < h->n_alarms; i++) {
        const vh_alarm *a = &h->alarms[i];
        vw_alarm *v = &w->alarms[i];
        memcpy(v->name, a->name, VW_NAME);
        v->state = a->n ? a->changes[a->n - 1].state : VW_ALARM_INSUFFICIENT;
        v->since_s = a->n ? a->changes[a->n - 1].t_s : 0;
    }
    w->n_alarms = h->n_alarms;
}

void history_synthetic(history *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (h->n == h->cap) {
            h->cap = h->cap ? 2 * h->cap : 256;
            h->t = xrealloc(h->t, h->cap * sizeof *h->t);
            h->v = xrealloc(h->v, h->cap * stride(h) * sizeof *h->v);
        }
        size_t j = h->n++;
        double t = (double) j * h->dt, wave = 1 + 0.5 * sin(t / 300);
        float *v = &h->v[j * stride(h)];
        h->t[j] = t;
        for (uint32_t k = 0; k < h->n_svc; k++) {
            float *f = &v[(size_t) k * VH_SVC_FIELDS];
            f[VH_ARRIVALS] = (float) (1000 * wave);
            f[VH_P50] = (float) (0.02 * wave);
            f[VH_P99] = (float) (0.1 * wave * wave);
            f[VH_RUNNING] = (float) (2500 - 100 * (k + 1));
            f[VH_DESIRED] = 2500;
        }
        float *g = &v[(size_t) h->n_svc * VH_SVC_FIELDS];
        g[VH_HOSTS] = 500;
        g[VH_BOOTING] = j % 50 < 10 ? 3 : 0;
        g[VH_ASG_DESIRED] = NAN;
    }
}

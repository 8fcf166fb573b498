/* scene.c -- drawing one moment of a run (scene.h). The order is back to
 * front: regions, flows, hosts, tasks, load balancers, the waiting strip,
 * charts, ticker, then the window's overlays. Text is drawn only where it
 * fits, so 500 hosts draw as fast as 5 (make bench measures it). */
#include "viz/scene.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"
#include "viz/chart.h"

static const uint32_t task_rgb[VW_TASK_STATES] = {
    0x9aa3ad, /* PROVISIONING: grey, no capacity yet */
    0xe6c229, /* PENDING: yellow, pulling the image */
    0x9bd37a, /* ACTIVATING: light green */
    0x2e9d4e, /* RUNNING: green */
    0xf29e4c, /* DEACTIVATING: orange */
    0xe4572e, /* STOPPING: red-orange */
    0xa0522d, /* DEPROVISIONING: brown */
    0x444b55, /* STOPPED */
};

static const uint32_t target_rgb[VW_TARGET_NONE + 1] = {
    0x4fc3f7, /* initial: cyan */
    0xf5f7fa, /* healthy: white */
    0xff2d55, /* unhealthy: red */
    0xff9800, /* draining: orange */
    0x0d1014, /* not registered: a dark edge */
};

static const uint32_t host_rgb[VW_HOST_TERMINATED + 1] = {
    0x4fc3f7, /* booting */
    0x7d8ea3, /* active */
    0xffb74d, /* draining */
    0xff5c5c, /* unreachable */
    0x6b2b2b, /* terminated */
};

static const uint32_t alarm_rgb[3] = {0x5f6b7a, 0x2e9d4e, 0xe53935};

uint32_t scene_task_colour(int st)
{
    return st >= 0 && st < VW_TASK_STATES ? task_rgb[st] : 0xff00ff;
}

uint32_t scene_target_colour(int st)
{
    return st >= 0 && st <= VW_TARGET_NONE ? target_rgb[st] : 0xff00ff;
}

uint32_t scene_host_border(int st)
{
    return st >= 0 && st <= VW_HOST_TERMINATED ? host_rgb[st] : 0xff00ff;
}

static void fmt_time(char *buf, size_t len, double t)
{
    if (!isfinite(t) || t < 0) t = 0;
    long s = (long) floor(t + 1e-9);
    if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%02ld:%02ld", s / 60, s % 60);
}

/* ---- the cluster ---- */

static void draw_host(canvas *cv, const layout *l, const vw_host *h, cv_rect b)
{
    cv_fill(cv, b.x, b.y, b.w, b.h, SCENE_HOST_FILL);
    uint32_t border = scene_host_border(h->state);
    if (h->state == VW_HOST_BOOTING) {
        cv_dashed(cv, b.x, b.y, b.x + b.w - 1, b.y, 4, border);
        cv_dashed(cv, b.x, b.y + b.h - 1, b.x + b.w - 1, b.y + b.h - 1, 4, border);
        cv_dashed(cv, b.x, b.y, b.x, b.y + b.h - 1, 4, border);
        cv_dashed(cv, b.x + b.w - 1, b.y, b.x + b.w - 1, b.y + b.h - 1, 4, border);
    } else {
        cv_frame(cv, b.x, b.y, b.w, b.h, l->border, border);
    }
    if (h->state >= VW_HOST_UNREACHABLE) {
        cv_line(cv, b.x, b.y, b.x + b.w - 1, b.y + b.h - 1, border);
        cv_line(cv, b.x + b.w - 1, b.y, b.x, b.y + b.h - 1, border);
    }
    if (l->label_h > 0) {
        char buf[160];
        if (b.w >= 150)
            snprintf(buf, sizeof buf, "%s  %s  cpu %.0f%% mem %.0f%%", h->name, h->type,
                     h->cpu_units > 0 ? 100 * h->cpu_used / h->cpu_units : 0,
                     h->mem_mib > 0 ? 100 * h->mem_used / h->mem_mib : 0);
        else
            snprintf(buf, sizeof buf, "%s", h->name);
        cv_text_fit(cv, b.x, b.y - l->label_h, CV_FONT_SMALL,
                    h->state == VW_HOST_ACTIVE ? CH_TEXT : border, b.w, buf);
    }
    if (h->state != VW_HOST_ACTIVE && b.w >= 60 && b.h >= 20)
        cv_text(cv, b.x + b.w - 4, b.y + 3, CV_FONT_SMALL, border, CV_RIGHT,
                world_host_state_name(h->state));
}

static void draw_task(canvas *cv, const vw_world *w, const vw_task *t, cv_rect r)
{
    if (r.w <= 0 || r.h <= 0) return;
    uint32_t fill = scene_task_colour(t->state);
    cv_fill(cv, r.x, r.y, r.w, r.h, fill);
    int ot = r.w >= 24 && r.h >= 16 ? 2 : 1;
    if (r.w >= 4 && r.h >= 4) cv_frame(cv, r.x, r.y, r.w, r.h, ot, scene_target_colour(t->target));
    /* busy workers: the dark band along the bottom, filled from the left */
    if (r.h >= 6 && t->workers > 0 && t->state == 3) {
        int bh = r.h >= 30 ? 6 : r.h >= 12 ? 3 : 2;
        int iw = r.w - 2 * ot, by = r.y + r.h - ot - bh;
        int bw = (int) lround((double) iw *
                              (t->busy > t->workers ? 1.0 : (double) t->busy / t->workers));
        cv_fill(cv, r.x + ot, by, iw, bh, 0x1d5e30);
        cv_fill(cv, r.x + ot, by, bw, bh, 0x0b2614);
    }
    /* the queue: a red bar from the top-left, one pixel per waiting request */
    if (t->queued > 0 && r.h >= 6) {
        int iw = r.w - 2 * ot;
        int qw = (int) t->queued < iw ? (int) t->queued : iw;
        cv_fill(cv, r.x + ot, r.y + ot, qw < 2 ? 2 : qw, r.h >= 30 ? 4 : 2, 0xff3b30);
    }
    if (t->hung && r.w >= 6 && r.h >= 6) {
        cv_line(cv, r.x, r.y, r.x + r.w - 1, r.y + r.h - 1, 0xb040ff);
        cv_line(cv, r.x + r.w - 1, r.y, r.x, r.y + r.h - 1, 0xb040ff);
    }
    if (r.w >= 46 && r.h >= 30) {
        char buf[96];
        const vw_service *sv = &w->services[t->service];
        snprintf(buf, sizeof buf, "%s/%u", sv->name, t->ordinal);
        uint32_t ink = t->state == 1 || t->state == 2 ? 0x101010 : 0xffffff;
        cv_text_fit(cv, r.x + ot + 3, r.y + ot + 4, CV_FONT_SMALL, ink, r.w - 2 * ot - 6, buf);
        if (r.h >= 46) {
            if (t->state == 3)
                snprintf(buf, sizeof buf, "busy %u/%u  q %u", t->busy, t->workers, t->queued);
            else
                snprintf(buf, sizeof buf, "%s", world_task_state_name(t->state));
            cv_text_fit(cv, r.x + ot + 3, r.y + ot + 17, CV_FONT_SMALL, ink, r.w - 2 * ot - 6, buf);
        }
    }
}

static void lb_anchor(const layout *l, uint32_t i, int *x, int *y)
{
    *x = l->lb[i].x + l->lb[i].w;
    *y = l->lb[i].y + l->lb[i].h / 2;
}

static void draw_flows(canvas *cv, const layout *l, const vw_world *w)
{
    /* one line per registered target while they are few enough to read */
    int all = w->n_tasks <= 300;
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        const vw_task *t = &w->tasks[k];
        cv_rect r = l->task[k];
        uint32_t lbi = w->services[t->service].lb;
        if (r.w <= 0 || lbi == VW_NONE || lbi >= l->n_lbs) continue;
        if (t->host != VW_NONE && w->hosts[t->host].hidden) continue;
        int x0, y0, x1 = r.x, y1 = r.y + r.h / 2;
        lb_anchor(l, lbi, &x0, &y0);
        if (t->next) {
            cv_line(cv, x0, y0, x1, y1, SCENE_NEXT);
            cv_line(cv, x0, y0 + 1, x1, y1 + 1, SCENE_NEXT);
            continue;
        }
        if (!all) continue;
        switch (t->target) {
        case VW_TARGET_HEALTHY:
            cv_line_blend(cv, x0, y0, x1, y1, chart_palette(t->service), 70);
            break;
        case VW_TARGET_INITIAL:
            cv_line_blend(cv, x0, y0, x1, y1, scene_target_colour(t->target), 70);
            break;
        case VW_TARGET_UNHEALTHY:
        case VW_TARGET_DRAINING:
            cv_dashed(cv, x0, y0, x1, y1, 3, scene_target_colour(t->target));
            break;
        default:
            break;
        }
    }
}

static void draw_lbs(canvas *cv, const layout *l, const vw_world *w, const history *h)
{
    int lh = cv_font_height(cv, CV_FONT_SMALL);
    for (uint32_t i = 0; i < w->n_lbs && i < l->n_lbs; i++) {
        const vw_lb *b = &w->lbs[i];
        cv_rect r = l->lb[i];
        cv_fill(cv, r.x, r.y, r.w, r.h, 0x263040);
        cv_frame(cv, r.x, r.y, r.w, r.h, 2, 0x9fb3c8);
        int y = r.y + 4, x = r.x + 6, tw = r.w - 12;
        char buf[160];
        snprintf(buf, sizeof buf, "ALB %s", b->name);
        cv_text_fit(cv, x, y, CV_FONT_BOLD, CH_TEXT, tw, buf);
        y += lh + 3;
        if (y + lh > r.y + r.h) continue;
        cv_text_fit(cv, x, y, CV_FONT_SMALL, CH_DIM, tw, b->algorithm);
        y += lh;
        if (y + lh > r.y + r.h) continue;
        snprintf(buf, sizeof buf, "targets %u, healthy %u", b->targets, b->healthy);
        cv_text_fit(cv, x, y, CV_FONT_SMALL, b->healthy < b->targets ? 0xffb74d : CH_TEXT, tw, buf);
        y += lh;
        if (y + lh > r.y + r.h) continue;
        double rate = 0;
        if (h && h->n > 0)
            for (uint32_t k = 0; k < w->n_services && k < h->n_svc; k++)
                if (w->services[k].lb == i) {
                    float v = history_value(h, h->n - 1, k, VH_ARRIVALS);
                    if (isfinite(v)) rate += v;
                }
        snprintf(buf, sizeof buf, "%.0f requests/s", rate);
        cv_text_fit(cv, x, y, CV_FONT_SMALL, CH_TEXT, tw, buf);
        y += lh;
        if (y + lh > r.y + r.h) continue;
        if (b->next_task != VW_NONE && b->next_task < w->n_tasks) {
            const vw_task *t = &w->tasks[b->next_task];
            snprintf(buf, sizeof buf, "next -> %s/%u", w->services[t->service].name, t->ordinal);
            cv_text_fit(cv, x, y, CV_FONT_SMALL, SCENE_NEXT, tw, buf);
        }
    }
}

static void draw_legend(canvas *cv, const layout *l, const vw_world *w)
{
    int lh = cv_font_height(cv, CV_FONT_SMALL);
    int bottom = l->side.y + l->side.h;
    int top = l->n_lbs ? l->lb[l->n_lbs - 1].y + l->lb[l->n_lbs - 1].h + 14 : l->side.y;
    int need = (VW_TASK_STATES - 1 + 4 + 2) * lh + 10;
    if (bottom - top < need) return;
    int y = bottom - need, x = l->side.x;
    cv_text(cv, x, y, CV_FONT_SMALL, CH_DIM, CV_LEFT, "task (fill) / target (edge)");
    y += lh + 2;
    for (int st = 0; st < VW_TASK_STATES - 1; st++) {
        cv_fill(cv, x, y + 2, 14, lh - 4, task_rgb[st]);
        cv_text(cv, x + 20, y, CV_FONT_SMALL, CH_TEXT, CV_LEFT, world_task_state_name(st));
        y += lh;
    }
    for (int st = 0; st < VW_TARGET_NONE; st++) {
        cv_fill(cv, x, y + 2, 14, lh - 4, SCENE_HOST_FILL);
        cv_frame(cv, x, y + 2, 14, lh - 4, 2, target_rgb[st]);
        cv_text(cv, x + 20, y, CV_FONT_SMALL, CH_TEXT, CV_LEFT, world_target_state_name(st));
        y += lh;
    }
    cv_frame(cv, x - 2, y + 1, 18, lh - 2, 2, SCENE_NEXT);
    cv_text(cv, x + 20, y, CV_FONT_SMALL, CH_TEXT, CV_LEFT, "next target");
    y += lh;
    cv_fill(cv, x, y + 2, 14, 3, 0xff3b30);
    cv_fill(cv, x, y + lh - 5, 14, 3, 0x0b2614);
    cv_text(cv, x + 20, y, CV_FONT_SMALL, CH_TEXT, CV_LEFT, "queue / busy");
    (void) w;
}

static void draw_waiting(canvas *cv, const layout *l, const vw_world *w)
{
    cv_rect a = l->waiting;
    cv_fill(cv, a.x, a.y, a.w, a.h, 0x1a1f26);
    uint32_t unplaced = 0, waiting = 0;
    for (uint32_t k = 0; k < w->n_services; k++)
        unplaced += w->services[k].unplaced + w->services[k].waiting;
    for (uint32_t k = 0; k < w->n_tasks; k++) waiting += w->tasks[k].host == VW_NONE;
    cv_text(cv, a.x + 6, a.y + 4, CV_FONT_SMALL, waiting + unplaced ? 0xffb74d : CH_DIM, CV_LEFT,
            waiting + unplaced ? "waiting:" : "no task waiting");
    cv_rect u = l->unplaced;
    if (unplaced) {
        int x = u.x;
        for (uint32_t k = 0; k < w->n_services; k++) {
            const vw_service *sv = &w->services[k];
            /* waiting for capacity: grey PROVISIONING blocks */
            for (uint32_t i = 0; i < sv->waiting && i < 20 && x + u.w < a.x + a.w - 200; i++) {
                cv_fill(cv, x, u.y, u.w, u.h, scene_task_colour(0));
                x += u.w + 3;
            }
            if (sv->waiting)
                x += cv_textf(cv, x + 2, a.y + 4, CV_FONT_SMALL, 0xffb74d, CV_LEFT,
                              "%s: %u waiting for capacity", sv->name, sv->waiting) +
                     14;
            if (!sv->unplaced) continue;
            for (uint32_t i = 0; i < sv->unplaced && i < 20 && x + u.w < a.x + a.w - 200; i++) {
                cv_dashed(cv, x, u.y, x + u.w - 1, u.y, 2, 0x9aa3ad);
                cv_dashed(cv, x, u.y + u.h - 1, x + u.w - 1, u.y + u.h - 1, 2, 0x9aa3ad);
                cv_dashed(cv, x, u.y, x, u.y + u.h - 1, 2, 0x9aa3ad);
                cv_dashed(cv, x + u.w - 1, u.y, x + u.w - 1, u.y + u.h - 1, 2, 0x9aa3ad);
                x += u.w + 3;
            }
            x += cv_textf(cv, x + 2, a.y + 4, CV_FONT_SMALL, 0xffb74d, CV_LEFT, "%s: %u unplaced",
                          sv->name, sv->unplaced) +
                 14;
        }
    }
}

/* ---- charts ---- */

typedef struct scratch {
    double *buf;
    size_t used, cap;
} scratch;

static double *take(scratch *s, size_t n)
{
    if (s->used + n > s->cap) return NULL; /* sized up front */
    double *p = s->buf + s->used;
    s->used += n;
    return p;
}

static void draw_alarms(canvas *cv, cv_rect r, const vw_world *w, const history *h, double xmax)
{
    cv_fill(cv, r.x, r.y, r.w, r.h, CH_PANEL);
    cv_text(cv, r.x + 6, r.y + 3, CV_FONT_SMALL, CH_TEXT, CV_LEFT, "alarms");
    if (!h || h->n_alarms == 0) {
        cv_text(cv, r.x + r.w / 2, r.y + r.h / 2 - 6, CV_FONT_SMALL, CH_DIM, CV_CENTER,
                "no alarm in this run");
        return;
    }
    cv_rect a = chart_plot_area(r, 1);
    int lh = cv_font_height(cv, CV_FONT_SMALL);
    int rows = (int) h->n_alarms, row_h = a.h / (rows ? rows : 1);
    if (row_h > 22) row_h = 22;
    if (row_h < lh) {
        row_h = lh;
        rows = a.h / lh;
    }
    int name_w = 0; /* names over the bands, left */
    for (int i = 0; i < rows && i < (int) h->n_alarms; i++) {
        const vh_alarm *al = &h->alarms[i];
        int y = a.y + i * row_h;
        double t0 = 0;
        int st = VW_ALARM_INSUFFICIENT;
        for (uint32_t c = 0; c <= al->n; c++) {
            double t1 = c < al->n ? al->changes[c].t_s : w->now_s;
            if (t1 > w->now_s) t1 = w->now_s;
            int x0 = a.x + (int) lround(t0 / xmax * (a.w - 1));
            int x1 = a.x + (int) lround(t1 / xmax * (a.w - 1));
            if (x1 > x0) cv_fill(cv, x0, y + 1, x1 - x0, row_h - 2, alarm_rgb[st]);
            if (c < al->n) {
                st = al->changes[c].state;
                t0 = al->changes[c].t_s;
            }
        }
        cv_text_fit(cv, a.x + 2 + name_w, y + (row_h - lh) / 2, CV_FONT_SMALL, 0xffffff, a.w - 4,
                    al->name);
    }
    cv_frame(cv, a.x, a.y, a.w, a.h, 1, CH_AXIS);
    cv_text(cv, r.x + r.w - 4, r.y + 3, CV_FONT_SMALL, CH_DIM, CV_RIGHT, "OK ALARM");
}

static void draw_charts(canvas *cv, const layout *l, const vw_world *w, const history *h)
{
    double xmax = w->duration_s > w->now_s ? w->duration_s : w->now_s;
    if (!(xmax > 0)) xmax = 1;
    size_t n = h ? h->n : 0;
    uint32_t ns = h ? h->n_svc : 0;
    scratch sc = {NULL, 0, (size_t) (n + 1) * (4 + 2 * ns)};
    sc.buf = xmalloc(sc.cap * sizeof *sc.buf);
    double *t = take(&sc, n + 1);
    for (size_t i = 0; i < n; i++) t[i] = h->t[i];
    ch_series *ser = xcalloc(2 * ns + 4, sizeof *ser);

    /* arrivals */
    ch_spec sp = chart_spec("arrivals/s");
    sp.compact = 1;
    sp.xaxis = CH_X_TIME;
    sp.xmin = 0;
    sp.xmax = xmax;
    sp.vline = w->now_s;
    sp.legend = ns > 1;
    for (uint32_t k = 0; k < ns; k++) {
        double *y = take(&sc, n);
        for (size_t i = 0; i < n; i++) y[i] = history_value(h, i, k, VH_ARRIVALS);
        ser[k] = (ch_series){w->services[k].name,
                             chart_palette(k),
                             CH_LINE,
                             1,
                             t,
                             y,
                             n,
                             NULL,
                             NULL,
                             NULL,
                             NULL,
                             NULL};
    }
    sp.s = ser;
    sp.n = (int) ns;
    chart_draw(cv, l->chart[0], &sp);

    /* latency: p99 solid, p50 dashed, the SLO line */
    sc.used = n + 1;
    sp = chart_spec("latency ms  p99 / p50");
    sp.compact = 1;
    sp.xaxis = CH_X_TIME;
    sp.xmin = 0;
    sp.xmax = xmax;
    sp.vline = w->now_s;
    if (isfinite(w->slo_p99_s)) {
        sp.hline = 1000 * w->slo_p99_s;
        sp.hline_label = "SLO";
    }
    for (uint32_t k = 0; k < ns; k++) {
        double *y99 = take(&sc, n), *y50 = take(&sc, n);
        for (size_t i = 0; i < n; i++) {
            y99[i] = 1000.0 * history_value(h, i, k, VH_P99);
            y50[i] = 1000.0 * history_value(h, i, k, VH_P50);
        }
        ser[2 * k] = (ch_series){
            NULL, chart_palette(k), CH_LINE, 2, t, y99, n, NULL, NULL, NULL, NULL, NULL};
        ser[2 * k + 1] = (ch_series){
            NULL, chart_palette(k), CH_DASHED, 1, t, y50, n, NULL, NULL, NULL, NULL, NULL};
    }
    sp.s = ser;
    sp.n = (int) (2 * ns);
    chart_draw(cv, l->chart[1], &sp);

    /* tasks: running solid, desired dashed */
    sc.used = n + 1;
    sp = chart_spec("tasks  running / desired");
    if (ns == 1 && w->services[0].max_tasks >= 0) {
        sp.hline = w->services[0].max_tasks;
        sp.hline_label = "max";
        sp.hline_rgb = CH_DIM;
    }
    sp.compact = 1;
    sp.xaxis = CH_X_TIME;
    sp.xmin = 0;
    sp.xmax = xmax;
    sp.vline = w->now_s;
    for (uint32_t k = 0; k < ns; k++) {
        double *yr = take(&sc, n), *yd = take(&sc, n);
        for (size_t i = 0; i < n; i++) {
            yr[i] = history_value(h, i, k, VH_RUNNING);
            yd[i] = history_value(h, i, k, VH_DESIRED);
        }
        ser[2 * k] =
            (ch_series){NULL, chart_palette(k), CH_STEP, 2, t, yr, n, NULL, NULL, NULL, NULL, NULL};
        ser[2 * k + 1] =
            (ch_series){NULL, 0xffffff, CH_DASHED, 1, t, yd, n, NULL, NULL, NULL, NULL, NULL};
    }
    sp.s = ser;
    sp.n = (int) (2 * ns);
    chart_draw(cv, l->chart[2], &sp);

    /* hosts */
    sc.used = n + 1;
    sp = chart_spec("hosts  running / booting");
    sp.compact = 1;
    sp.xaxis = CH_X_TIME;
    sp.xmin = 0;
    sp.xmax = xmax;
    sp.vline = w->now_s;
    double *yh = take(&sc, n), *yb = take(&sc, n), *ya = take(&sc, n);
    for (size_t i = 0; i < n; i++) {
        yh[i] = history_value(h, i, ns, VH_HOSTS);
        yb[i] = history_value(h, i, ns, VH_BOOTING);
        ya[i] = history_value(h, i, ns, VH_ASG_DESIRED);
    }
    ser[0] = (ch_series){NULL, 0x7d8ea3, CH_STEP, 2, t, yh, n, NULL, NULL, NULL, NULL, NULL};
    ser[1] = (ch_series){NULL, 0x4fc3f7, CH_STEP, 1, t, yb, n, NULL, NULL, NULL, NULL, NULL};
    /* the Auto Scaling group's desired capacity, when known: dashed */
    ser[2] = (ch_series){NULL, 0xffffff, CH_DASHED, 1, t, ya, n, NULL, NULL, NULL, NULL, NULL};
    sp.s = ser;
    sp.n = 3;
    if (w->asg_max >= 0) {
        sp.hline = w->asg_max;
        sp.hline_label = "max";
        sp.hline_rgb = CH_DIM;
    }
    chart_draw(cv, l->chart[3], &sp);

    draw_alarms(cv, l->chart[4], w, h, xmax);
    free(ser);
    free(sc.buf);
}

static uint32_t kind_colour(const char *kind)
{
    if (history_is_scaling(kind)) return 0xffe14d;
    if (strstr(kind, "fail") || strstr(kind, "stopped") || strstr(kind, "unplaced") ||
        strstr(kind, "hung") || strstr(kind, "stuck") || strstr(kind, "throttl"))
        return 0xff7b72;
    if (strstr(kind, "placed") || strstr(kind, "steady") || strstr(kind, "recovered") ||
        strstr(kind, "completed"))
        return 0x7ee787;
    return CH_DIM;
}

static void draw_ticker(canvas *cv, const layout *l, const history *h)
{
    cv_rect a = l->ticker;
    cv_fill(cv, a.x, a.y, a.w, a.h, 0x0d1014);
    int lh = (a.h - 8) / 5;
    for (int i = 0; i < 5; i++) {
        const vh_line *e = h ? history_line(h, (uint64_t) (4 - i)) : NULL;
        if (!e) continue;
        int y = a.y + 4 + i * lh;
        char t[32];
        fmt_time(t, sizeof t, e->t_s);
        cv_text(cv, a.x + 8, y, CV_FONT_SMALL, CH_DIM, CV_LEFT, t);
        cv_text_fit(cv, a.x + 70, y, CV_FONT_SMALL, kind_colour(e->kind), 150, e->kind);
        cv_text_fit(cv, a.x + 225, y, CV_FONT_SMALL, CH_TEXT, 140, e->object);
        cv_text_fit(cv, a.x + 370, y, CV_FONT_SMALL, CH_TEXT, a.w - 380, e->detail);
    }
}

static void draw_header(canvas *cv, const layout *l, const vw_world *w, const history *h,
                        const scene_extra *x)
{
    cv_rect a = l->header;
    cv_fill(cv, a.x, a.y, a.w, a.h, 0x0d1014);
    char now[32], end[32], buf[512];
    fmt_time(now, sizeof now, w->now_s);
    fmt_time(end, sizeof end, w->duration_s);
    int px = 8;
    px += cv_text(cv, px, 4, CV_FONT_BOLD, CH_TEXT, CV_LEFT, w->scenario) + 16;
    px += cv_textf(cv, px, 4, CV_FONT_BOLD, SCENE_NEXT, CV_LEFT, "t = %s / %s", now, end) + 16;
    uint32_t running = 0, desired = 0;
    for (uint32_t k = 0; k < w->n_services; k++) {
        running += w->services[k].running;
        desired += w->services[k].desired;
    }
    double rate = 0, p99 = NAN;
    if (h && h->n)
        for (uint32_t k = 0; k < h->n_svc; k++) {
            float v = history_value(h, h->n - 1, k, VH_ARRIVALS),
                  q = history_value(h, h->n - 1, k, VH_P99);
            if (isfinite(v)) rate += v;
            if (isfinite(q) && !(q <= p99)) p99 = q;
        }
    snprintf(buf, sizeof buf, "hosts %u   tasks %u/%u running   %.0f req/s   p99 %s", w->hosts_live,
             running, desired, rate, isfinite(p99) ? "" : "-");
    if (isfinite(p99)) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%.0f ms", 1000 * p99);
    px += cv_text(cv, px, 5, CV_FONT_NORMAL, CH_TEXT, CV_LEFT, buf) + 16;
    if (x && x->status) cv_text(cv, a.w - 8, 5, CV_FONT_NORMAL, CH_TEXT, CV_RIGHT, x->status);
}

/* ---- the window's overlays ---- */

void scene_details(const vw_world *w, uint32_t ti, uint32_t hi, uint32_t li, char *buf, size_t len)
{
    buf[0] = 0;
    if (ti != VW_NONE && ti < w->n_tasks) {
        const vw_task *t = &w->tasks[ti];
        const vw_service *sv = &w->services[t->service];
        const char *hn = t->host != VW_NONE ? w->hosts[t->host].name : "(waiting for capacity)";
        static const char *const ch[] = {"unknown", "healthy", "unhealthy"};
        snprintf(buf, len,
                 "task %s/%u\nstate %s since %.1f s\ntarget %s, container %s%s\n"
                 "host %s\ncpu %.0f units, memory %.0f MiB (in use %.0f)\n"
                 "workers busy %u of %u, queued %u\nserved %llu, routed %llu%s",
                 sv->name, t->ordinal, world_task_state_name(t->state), t->since_s,
                 world_target_state_name(t->target), ch[t->container % 3], t->hung ? ", HUNG" : "",
                 hn, t->cpu_units, t->mem_mib, t->mem_used_mib, t->busy, t->workers, t->queued,
                 (unsigned long long) t->served, (unsigned long long) t->routed,
                 t->next ? "\nthe load balancer's next target" : "");
    } else if (hi != VW_NONE && hi < w->n_hosts) {
        const vw_host *h = &w->hosts[hi];
        snprintf(buf, len,
                 "host %s\n%s in %s, %s since %.1f s\ncpu %.0f of %.0f units reserved (%.0f%%)\n"
                 "memory %.0f of %.0f MiB reserved (%.0f%%)\ntasks %u",
                 h->name, h->type, h->zone, world_host_state_name(h->state), h->since_s,
                 h->cpu_used, h->cpu_units, h->cpu_units > 0 ? 100 * h->cpu_used / h->cpu_units : 0,
                 h->mem_used, h->mem_mib, h->mem_mib > 0 ? 100 * h->mem_used / h->mem_mib : 0,
                 h->n_tasks);
    } else if (li != VW_NONE && li < w->n_lbs) {
        const vw_lb *b = &w->lbs[li];
        char next[96] = "-";
        if (b->next_task != VW_NONE && b->next_task < w->n_tasks)
            snprintf(next, sizeof next, "%s/%u", w->services[w->tasks[b->next_task].service].name,
                     w->tasks[b->next_task].ordinal);
        snprintf(buf, len,
                 "load balancer %s\nalgorithm %s\ntargets %u registered, %u healthy\n"
                 "next target %s\nrouted %llu",
                 b->name, b->algorithm, b->targets, b->healthy, next,
                 (unsigned long long) b->routed);
    }
}

/* A translucent box of '\n'-separated lines, the first in bold; a '\t'
 * splits a line into two columns (the second starts after the widest
 * first). */
static void draw_box_lines(canvas *cv, int x, int y, const char *text, int anchor_right)
{
    int lh = cv_font_height(cv, CV_FONT_SMALL), n = 0, wmax = 0, col1 = 0, col2 = 0;
    char line[256];
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t k = e ? (size_t) (e - p) : strlen(p);
        snprintf(line, sizeof line, "%.*s", (int) k, p);
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = 0;
            int a = cv_text_width(cv, CV_FONT_SMALL, line),
                b = cv_text_width(cv, CV_FONT_SMALL, tab + 1);
            if (a > col1) col1 = a;
            if (b > col2) col2 = b;
        } else {
            int tw = cv_text_width(cv, CV_FONT_SMALL, line);
            if (tw > wmax) wmax = tw;
        }
        n++;
        p += k + (e ? 1 : 0);
    }
    if (col1 + 16 + col2 > wmax) wmax = col1 + 16 + col2;
    int bw = wmax + 16, bh = n * lh + 10;
    if (anchor_right) x -= bw;
    if (x + bw > canvas_width(cv)) x = canvas_width(cv) - bw - 2;
    if (y + bh > canvas_height(cv)) y = canvas_height(cv) - bh - 2;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    cv_blend(cv, x, y, bw, bh, 0x0d1014, 230);
    cv_frame(cv, x, y, bw, bh, 1, CH_AXIS);
    int ly = y + 5;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t k = e ? (size_t) (e - p) : strlen(p);
        snprintf(line, sizeof line, "%.*s", (int) k, p);
        cv_font f = ly == y + 5 ? CV_FONT_BOLD : CV_FONT_SMALL;
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = 0;
            cv_text(cv, x + 8 + col1 + 16, ly, f, CH_TEXT, CV_LEFT, tab + 1);
        }
        cv_text(cv, x + 8, ly, f, tab ? SCENE_NEXT : CH_TEXT, CV_LEFT, line);
        ly += lh;
        p += k + (e ? 1 : 0);
    }
}

static const char help_text[] = "ecsim view: keys\n"
                                "space\tpause / play\n"
                                "+  -\tfaster / slower (x0.1 ... x1000)\n"
                                "0  1\tas fast as possible; real time (x1)\n"
                                ".  or  ->\tstep to the next events.csv line\n"
                                "n\tstep to the next simulator event\n"
                                "j\tjump to the next scaling event\n"
                                "r\trestart the run from t = 0\n"
                                "p  or  F12\tscreenshot to PNG\n"
                                "mouse\thover a host, task or load balancer for details;\n"
                                "\tclick to pin them, click again to let go\n"
                                "h\tthis help\n"
                                "q  or  Esc\tquit (results are written only by a run that ends)";

static void draw_extra(canvas *cv, const layout *l, const vw_world *w, const scene_extra *x)
{
    for (int i = 0; i < x->n_dots; i++) {
        cv_disc(cv, x->dots[i].x, x->dots[i].y, 2, x->dots[i].rgb);
    }
    if (x->n_dots && x->dot_scale > 1) {
        char b[64];
        snprintf(b, sizeof b, "1 dot = %d requests", x->dot_scale);
        cv_text(cv, l->side.x, l->side.y + l->side.h - cv_font_height(cv, CV_FONT_SMALL),
                CV_FONT_SMALL, CH_DIM, CV_LEFT, b);
    }
    /* the hovered item is framed; its details follow the mouse or sit pinned */
    if (x->hover_task != VW_NONE && x->hover_task < l->n_tasks) {
        cv_rect r = l->task[x->hover_task];
        cv_frame(cv, r.x - 2, r.y - 2, r.w + 4, r.h + 4, 1, 0xffffff);
    } else if (x->hover_host != VW_NONE && x->hover_host < l->n_hosts) {
        cv_rect r = l->host[x->hover_host];
        cv_frame(cv, r.x - 2, r.y - 2, r.w + 4, r.h + 4, 1, 0xffffff);
    }
    char buf[1024];
    scene_details(w, x->hover_task, x->hover_host, x->hover_lb, buf, sizeof buf);
    if (buf[0]) {
        if (x->pinned)
            draw_box_lines(cv, l->cluster.x + l->cluster.w, l->cluster.y, buf, 1);
        else
            draw_box_lines(cv, x->mouse_x + 16, x->mouse_y + 16, buf, 0);
    }
    if (x->message && x->message[0]) {
        int tw = cv_text_width(cv, CV_FONT_NORMAL, x->message);
        int bx = l->cluster.x + (l->cluster.w - tw) / 2 - 10, by = l->cluster.y + 4;
        cv_blend(cv, bx, by, tw + 20, 24, 0x0d1014, 220);
        cv_text(cv, bx + 10, by + 4, CV_FONT_NORMAL, SCENE_NEXT, CV_LEFT, x->message);
    }
    if (x->help) {
        int cx = l->w / 2, cy = l->h / 2;
        draw_box_lines(cv, cx - 230, cy - 120, help_text, 0);
    }
}

void scene_draw(canvas *cv, layout *l, const vw_world *w, const history *h, const scene_extra *x)
{
    layout_compute(l, w, canvas_width(cv), canvas_height(cv));
    scene_draw_laid_out(cv, l, w, h, x);
}

void scene_draw_laid_out(canvas *cv, const layout *l, const vw_world *w, const history *h,
                         const scene_extra *x)
{
    cv_clear(cv, SCENE_BG);
    for (uint32_t z = 0; z < l->n_zones; z++) {
        cv_rect r = l->zones[z].r;
        cv_fill(cv, r.x, r.y, r.w, r.h, 0x171c23);
        cv_text_fit(cv, r.x + 4, r.y + 2, CV_FONT_BOLD, CH_DIM, r.w - 8, l->zones[z].name);
    }
    for (uint32_t i = 0; i < w->n_hosts; i++)
        if (!w->hosts[i].hidden) draw_host(cv, l, &w->hosts[i], l->host[i]);
    draw_flows(cv, l, w);
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        const vw_task *t = &w->tasks[k];
        if (t->host != VW_NONE && w->hosts[t->host].hidden) continue;
        draw_task(cv, w, t, l->task[k]);
    }
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        const vw_task *t = &w->tasks[k];
        cv_rect r = l->task[k];
        if (!t->next || r.w <= 0) continue;
        if (t->host != VW_NONE && w->hosts[t->host].hidden) continue;
        cv_frame(cv, r.x - 2, r.y - 2, r.w + 4, r.h + 4, 2, SCENE_NEXT);
    }
    draw_lbs(cv, l, w, h);
    draw_legend(cv, l, w);
    draw_waiting(cv, l, w);
    draw_charts(cv, l, w, h);
    draw_ticker(cv, l, h);
    draw_header(cv, l, w, h, x);
    if (x) draw_extra(cv, l, w, x);
}

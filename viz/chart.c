/* chart.c -- axes, ticks, series and legends (chart.h). */
#include "viz/chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

ch_spec chart_spec(const char *title)
{
    ch_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.title = title;
    sp.xmin = sp.xmax = sp.ymin = sp.ymax = NAN;
    sp.hline = NAN;
    sp.vline = NAN;
    sp.hline_rgb = CH_SLO;
    return sp;
}

uint32_t chart_palette(unsigned i)
{
    static const uint32_t pal[] = {0x4fc3f7, 0xffb74d, 0xba68c8, 0x81c784,
                                   0xf06292, 0xfff176, 0x4db6ac, 0xe57373};
    return pal[i % (sizeof pal / sizeof *pal)];
}

double chart_nice_ceil(double v)
{
    if (!(v > 0) || !isfinite(v)) return 1;
    double p = pow(10, floor(log10(v)));
    static const double m[] = {1, 2, 5, 10};
    for (int i = 0; i < 4; i++) /* a relative tolerance: 0.30000000000000004 is 0.3 */
        if (m[i] * p >= v * (1 - 1e-12)) return m[i] * p;
    return 10 * p;
}

cv_rect chart_plot_area(cv_rect r, int compact)
{
    if (compact) return (cv_rect){r.x + 38, r.y + 18, r.w - 38 - 6, r.h - 18 - 16};
    return (cv_rect){r.x + 70, r.y + 34, r.w - 70 - 20, r.h - 34 - 46};
}

static void data_extent(const ch_spec *sp, double *x0, double *x1, double *y0, double *y1)
{
    *x0 = INFINITY;
    *x1 = -INFINITY;
    *y0 = INFINITY;
    *y1 = -INFINITY;
    for (int k = 0; k < sp->n; k++) {
        const ch_series *s = &sp->s[k];
        for (size_t i = 0; i < s->n; i++) {
            double x = s->x[i], y = s->y[i];
            if (!isfinite(x)) continue;
            if (x < *x0) *x0 = x;
            if (x > *x1) *x1 = x;
            if (s->xlo && isfinite(s->xlo[i]) && s->xlo[i] < *x0) *x0 = s->xlo[i];
            if (s->xhi && isfinite(s->xhi[i]) && s->xhi[i] > *x1) *x1 = s->xhi[i];
            if (!isfinite(y)) continue;
            if (y < *y0) *y0 = y;
            if (y > *y1) *y1 = y;
            if (s->ylo && isfinite(s->ylo[i]) && s->ylo[i] < *y0) *y0 = s->ylo[i];
            if (s->yhi && isfinite(s->yhi[i]) && s->yhi[i] > *y1) *y1 = s->yhi[i];
        }
    }
    if (isfinite(sp->hline)) {
        if (sp->hline > *y1) *y1 = sp->hline;
        if (sp->hline < *y0) *y0 = sp->hline;
    }
}

void chart_ranges(const ch_spec *sp, double *xmin, double *xmax, double *ymin, double *ymax)
{
    double x0, x1, y0, y1;
    data_extent(sp, &x0, &x1, &y0, &y1);
    *xmin = isfinite(sp->xmin) ? sp->xmin : isfinite(x0) ? x0 : 0;
    *xmax = isfinite(sp->xmax) ? sp->xmax : isfinite(x1) ? x1 : 1;
    if (!(*xmax > *xmin)) *xmax = *xmin + 1;
    if (isfinite(sp->ymin))
        *ymin = sp->ymin;
    else
        *ymin = isfinite(y0) && y0 < 0 ? -chart_nice_ceil(-1.05 * y0) : 0;
    if (isfinite(sp->ymax))
        *ymax = sp->ymax;
    else
        *ymax = isfinite(y1) && y1 > 0 ? chart_nice_ceil(1.05 * y1) : 1;
    if (!(*ymax > *ymin)) *ymax = *ymin + 1;
}

/* A tick step: 1, 2 or 5 times a power of ten, near range / want. */
static double tick_step(double range, int want)
{
    return chart_nice_ceil(range / want);
}

static void fmt_num(char *buf, size_t len, double v, double step)
{
    if (fabs(v) < step * 1e-9) v = 0;
    if (fabs(v) >= 10000)
        snprintf(buf, len, "%.0fk", v / 1000);
    else if (step >= 1)
        snprintf(buf, len, "%.0f", v);
    else if (step >= 0.1)
        snprintf(buf, len, "%.1f", v);
    else if (step >= 0.01)
        snprintf(buf, len, "%.2f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

/* The unit of a time axis spanning `span` seconds: its size and suffix. */
static double time_unit(double span, const char **suffix)
{
    if (span <= 600) {
        *suffix = "s";
        return 1;
    }
    if (span <= 3 * 3600 + 1) {
        *suffix = "min";
        return 60;
    }
    *suffix = "h";
    return 3600;
}

typedef struct mapping {
    cv_rect a;
    double x0, x1, y0, y1;
} mapping;

static int map_x(const mapping *m, double x)
{
    return m->a.x + (int) lround((x - m->x0) / (m->x1 - m->x0) * (m->a.w - 1));
}

static int map_y(const mapping *m, double y)
{
    double v = (y - m->y0) / (m->y1 - m->y0);
    if (v < -0.02) v = -0.02; /* out-of-range values hug the frame */
    if (v > 1.02) v = 1.02;
    return m->a.y + m->a.h - 1 - (int) lround(v * (m->a.h - 1));
}

static void draw_series(canvas *cv, const mapping *m, const ch_series *s)
{
    int have = 0, px = 0, py = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = s->x[i], y = s->y[i];
        if (!isfinite(x) || !isfinite(y)) {
            have = 0;
            continue;
        }
        int X = map_x(m, x), Y = map_y(m, y);
        if (s->style == CH_POINTS) {
            if (s->ylo && s->yhi && isfinite(s->ylo[i]) && isfinite(s->yhi[i])) {
                int y0 = map_y(m, s->ylo[i]), y1 = map_y(m, s->yhi[i]);
                cv_line(cv, X, y0, X, y1, s->rgb);
                cv_line(cv, X - 3, y0, X + 3, y0, s->rgb);
                cv_line(cv, X - 3, y1, X + 3, y1, s->rgb);
            }
            if (s->xlo && s->xhi && isfinite(s->xlo[i]) && isfinite(s->xhi[i])) {
                int x0 = map_x(m, s->xlo[i]), x1 = map_x(m, s->xhi[i]);
                cv_line(cv, x0, Y, x1, Y, s->rgb);
                cv_line(cv, x0, Y - 3, x0, Y + 3, s->rgb);
                cv_line(cv, x1, Y - 3, x1, Y + 3, s->rgb);
            }
            cv_disc(cv, X, Y, 3, s->rgb);
            if (s->point_labels && s->point_labels[i])
                cv_text(cv, X + 6, Y - 14, CV_FONT_SMALL, CH_TEXT, CV_LEFT, s->point_labels[i]);
            continue;
        }
        if (have) {
            int thick = s->thick > 1 ? 2 : 1;
            for (int d = 0; d < thick; d++) {
                if (s->style == CH_STEP) {
                    cv_line(cv, px, py + d, X, py + d, s->rgb);
                    cv_line(cv, X, py + d, X, Y + d, s->rgb);
                } else if (s->style == CH_DASHED) {
                    cv_dashed(cv, px, py + d, X, Y + d, 4, s->rgb);
                } else {
                    cv_line(cv, px, py + d, X, Y + d, s->rgb);
                }
            }
        } else if (i + 1 >= s->n || !isfinite(s->y[i + 1])) {
            cv_fill(cv, X, Y, s->thick > 1 ? 2 : 1, s->thick > 1 ? 2 : 1, s->rgb); /* alone */
        }
        have = 1;
        px = X;
        py = Y;
    }
}

void chart_draw(canvas *cv, cv_rect r, const ch_spec *sp)
{
    mapping m;
    m.a = chart_plot_area(r, sp->compact);
    chart_ranges(sp, &m.x0, &m.x1, &m.y0, &m.y1);
    cv_fill(cv, r.x, r.y, r.w, r.h, sp->compact ? CH_PANEL : CH_BG);
    cv_font tf = sp->compact ? CV_FONT_SMALL : CV_FONT_TITLE;
    if (sp->title)
        cv_text(cv, sp->compact ? r.x + 6 : m.a.x, r.y + 3, tf, CH_TEXT, CV_LEFT, sp->title);
    if (m.a.w < 10 || m.a.h < 10) return;
    cv_font lf = CV_FONT_SMALL;
    int lh = cv_font_height(cv, lf);

    /* y grid and ticks */
    double ystep = tick_step(m.y1 - m.y0, sp->compact ? 3 : 5);
    for (double v = ceil(m.y0 / ystep - 1e-9) * ystep; v <= m.y1 + ystep * 1e-9; v += ystep) {
        int Y = map_y(&m, v);
        cv_line(cv, m.a.x, Y, m.a.x + m.a.w - 1, Y, CH_GRID);
        char b[32];
        fmt_num(b, sizeof b, v, ystep);
        cv_text(cv, m.a.x - 4, Y - lh / 2, lf, CH_DIM, CV_RIGHT, b);
    }
    /* x ticks */
    double unit = 1;
    const char *suffix = "";
    if (sp->xaxis == CH_X_TIME) unit = time_unit(m.x1 - m.x0, &suffix);
    double xstep = tick_step((m.x1 - m.x0) / unit, sp->compact ? 3 : 6) * unit;
    for (double v = ceil(m.x0 / xstep - 1e-9) * xstep; v <= m.x1 + xstep * 1e-9; v += xstep) {
        int X = map_x(&m, v);
        cv_line(cv, X, m.a.y, X, m.a.y + m.a.h - 1, CH_GRID);
        char b[48];
        fmt_num(b, sizeof b, v / unit, xstep / unit);
        if (sp->xaxis == CH_X_TIME && !sp->compact)
            snprintf(b + strlen(b), sizeof b - strlen(b), " %s", suffix);
        cv_text(cv, X, m.a.y + m.a.h + 2, lf, CH_DIM, CV_CENTER, b);
    }
    if (sp->xaxis == CH_X_TIME && sp->compact)
        cv_text(cv, r.x + r.w - 4, r.y + 3, lf, CH_DIM, CV_RIGHT, suffix);
    cv_frame(cv, m.a.x, m.a.y, m.a.w, m.a.h, 1, CH_AXIS);
    if (!sp->compact) {
        if (sp->xlabel)
            cv_text(cv, m.a.x + m.a.w / 2, m.a.y + m.a.h + lh + 6, CV_FONT_NORMAL, CH_TEXT,
                    CV_CENTER, sp->xlabel);
        if (sp->ylabel) cv_text(cv, r.x + 4, m.a.y - lh - 2, lf, CH_TEXT, CV_LEFT, sp->ylabel);
    }
    if (isfinite(sp->hline)) {
        int Y = map_y(&m, sp->hline);
        cv_dashed(cv, m.a.x, Y, m.a.x + m.a.w - 1, Y, 5, sp->hline_rgb);
        if (sp->hline_label)
            cv_text(cv, m.a.x + m.a.w - 4, Y - lh, lf, sp->hline_rgb, CV_RIGHT, sp->hline_label);
    }
    if (isfinite(sp->vline) && sp->vline >= m.x0 && sp->vline <= m.x1) {
        int X = map_x(&m, sp->vline);
        cv_dashed(cv, X, m.a.y, X, m.a.y + m.a.h - 1, 3, CH_AXIS);
    }
    for (int k = 0; k < sp->n; k++) draw_series(cv, &m, &sp->s[k]);
    if (sp->legend) {
        int x = sp->compact ? r.x + 6 + cv_text_width(cv, tf, sp->title ? sp->title : "") + 10
                            : m.a.x + 8;
        int y = sp->compact ? r.y + 3 : m.a.y + 6;
        for (int k = 0; k < sp->n; k++) {
            const ch_series *s = &sp->s[k];
            if (!s->label) continue;
            int tw = cv_text_width(cv, lf, s->label);
            if (sp->compact && x + tw + 14 > r.x + r.w - 20) break;
            if (!sp->compact && x + tw + 14 > m.a.x + m.a.w) {
                x = m.a.x + 8;
                y += lh + 2;
            }
            cv_fill(cv, x, y + lh / 2 - 2, 10, 4, s->rgb);
            x += 14;
            cv_text(cv, x, y, lf, CH_TEXT, CV_LEFT, s->label);
            x += tw + 10;
        }
    }
}

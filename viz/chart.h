/* chart.h -- line charts on a canvas: the live charts under the cluster and
 * `ecsim plot`'s PNG charts draw through here.
 *
 * Axes, so a reader (and a test) can tell where a value lands: the plot
 * area is the chart's rectangle less fixed margins (chart_plot_area). The y
 * axis runs from 0 (or, with negative data, from minus the nice ceiling of
 * 1.05 x the most negative value) to chart_nice_ceil of 1.05 x the largest
 * value shown (data, error bars and the reference line; the 5% keeps a line
 * off the frame), unless the spec fixes ymin or ymax; the x axis runs from xmin to xmax, by default
 * the data's extent. A value v lands on pixel row  area.y + area.h - 1 - round((v - ymin) / (ymax -
 * ymin) * (area.h - 1)), and x on column  area.x + round((x - xmin) / (xmax - xmin) * (area.w -
 * 1)). */
#ifndef ECSIM_VIZ_CHART_H
#define ECSIM_VIZ_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "viz/canvas.h"

typedef enum { CH_LINE, CH_DASHED, CH_STEP, CH_POINTS } ch_style;

typedef struct ch_series {
    const char *label;
    uint32_t rgb;
    int style; /* ch_style */
    int thick; /* 1 or 2 pixels */
    const double *x, *y;
    size_t n;
    const double *ylo, *yhi; /* error bars (CH_POINTS), or NULL */
    const double *xlo, *xhi;
    const char *const *point_labels; /* CH_POINTS: a label beside each point, or NULL */
} ch_series;

typedef enum { CH_X_PLAIN, CH_X_TIME } ch_xaxis;

typedef struct ch_spec {
    const char *title, *xlabel, *ylabel;
    double xmin, xmax, ymin, ymax; /* NAN: from the data as chart.h says */
    double hline;                  /* a reference line (an SLO), NAN for none */
    const char *hline_label;
    uint32_t hline_rgb;
    double vline; /* a vertical marker (now), NAN for none */
    const ch_series *s;
    int n;
    int compact; /* a small live chart: title inside, few ticks, no axis names */
    int xaxis;   /* ch_xaxis: CH_X_TIME labels seconds as s, min or h */
    int legend;  /* draw the series' labels */
} ch_spec;

/* A spec with every range NAN, no lines, nothing else. */
ch_spec chart_spec(const char *title);

/* The smallest of 1, 2, 5 times a power of ten that is >= v (v > 0). */
double chart_nice_ceil(double v);

/* The plot area inside r (r less the margins of a compact or a full chart). */
cv_rect chart_plot_area(cv_rect r, int compact);

/* The axis ranges chart_draw will use for the spec (after NAN defaults). */
void chart_ranges(const ch_spec *sp, double *xmin, double *xmax, double *ymin, double *ymax);

/* Draws the chart into r (background, grid, axes, ticks, series, legend). */
void chart_draw(canvas *cv, cv_rect r, const ch_spec *sp);

/* Colours charts and the cluster picture share. */
#define CH_BG    0x171b21u
#define CH_PANEL 0x20262eu
#define CH_GRID  0x323a45u
#define CH_AXIS  0x8b96a5u
#define CH_TEXT  0xd8dee9u
#define CH_DIM   0x8893a2u
#define CH_SLO   0xff5c5cu

/* The i-th series colour of a palette that stays apart on the dark
 * background. */
uint32_t chart_palette(unsigned i);

#endif

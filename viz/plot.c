/* plot.c -- `ecsim plot DIR`: PNG charts of results, without a display.
 * A run's directory (timeseries.csv, and summary.csv for the SLO and the
 * cost) gives latency.png, load.png, tasks.png, utilisation.png, cost.png
 * and, when timeseries.csv has alarm columns, alarms.png; a sweep's
 * directory (aggregate.csv) gives frontier.png, each configuration's mean
 * cost against its mean p99 with their 95% intervals, the configurations
 * no other beats on both joined by a line. Columns are found by name, so
 * columns added later are ignored until a chart wants them; a chart whose
 * columns are missing is an input error naming them. */
#include <SDL.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/engine/afile.h"
#include "sim/engine/xmalloc.h"
#include "viz/canvas.h"
#include "viz/chart.h"
#include "viz/table.h"
#include "viz/viz.h"

static const char usage_plot[] =
    "usage: ecsim plot DIR [-o OUTDIR] [--size WxH]\n"
    "\n"
    "Draws PNG charts of the results in DIR, without a display:\n"
    "  a run's directory (timeseries.csv):  latency.png (p50, p95, p99 against the\n"
    "    SLO), load.png (arrivals, completions and errors per second), tasks.png\n"
    "    (running and desired tasks, hosts), utilisation.png (CPU and memory),\n"
    "    cost.png (cost so far), and alarms.png when a service has alarms;\n"
    "  a sweep's directory (aggregate.csv):  frontier.png, mean cost against mean\n"
    "    p99 of each configuration with 95% intervals, the cost-latency frontier\n"
    "    joined.\n"
    "\n"
    "options:\n"
    "  -o, --out OUTDIR   where the PNG files go (default DIR/plots)\n"
    "  --size WxH         picture size (default 1000x600)\n"
    "  -h, --help         this help\n";

typedef struct plotter {
    const char *dir, *outdir;
    int w, h;
    canvas *cv;
    FILE *out;
    int written;
    ecs_err *e;
} plotter;

static int save(plotter *pl, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", pl->outdir, name);
    int rc = cv_save_png(pl->cv, path, pl->e);
    if (rc == ECS_OK) {
        fprintf(pl->out, "plot: %s\n", path);
        pl->written++;
    }
    return rc;
}

static int missing(ecs_err *e, const char *path, const char *col, const char *why)
{
    return err_set(e, ECS_EINPUT, "%s: no column \"%s\" (%s)", path, col, why);
}

static const char *const ts_need[] = {"t_s",           "service", "requests",
                                      "p50_s",         "p99_s",   "running_tasks",
                                      "desired_tasks", "hosts",   "cpu_util_pct"};
static const char ts_why[] = "expected the columns ecsim run writes: t_s, service, requests, "
                             "p50_s, p99_s, running_tasks, desired_tasks, hosts, cpu_util_pct, ...";
static const char *const ag_need[] = {"cost_usd", "p99_s"};
static const char ag_why[] =
    "expected a sweep's aggregate.csv with each metric's mean and interval";

static int check_columns(const table *t, const char *path, const char *const *need, size_t n,
                         const char *why, ecs_err *e)
{
    for (size_t i = 0; i < n; i++)
        if (table_col(t, need[i]) < 0) return missing(e, path, need[i], why);
    return ECS_OK;
}

/* Reads path and checks its columns, so a bad file is found before anything
 * is written. */
static int precheck(const char *path, const char *const *need, size_t n, const char *why,
                    ecs_err *e)
{
    table t;
    int rc = table_read(&t, path, e);
    if (rc == ECS_OK) {
        rc = check_columns(&t, path, need, n, why, e);
        table_free(&t);
    }
    return rc;
}

/* ---- a run ---- */

typedef struct svc_rows {
    char name[128];
    size_t *rows; /* its rows in time order */
    size_t n, cap;
} svc_rows;

/* Per-row series of column col for service s: values, or v / dt for rates. */
static double *column(const table *t, const svc_rows *s, int col, int per_s, int tcol)
{
    double *y = xmalloc((s->n ? s->n : 1) * sizeof *y);
    double prev = 0;
    for (size_t i = 0; i < s->n; i++) {
        double v = col >= 0 ? table_num(t, s->rows[i], col) : NAN;
        double tt = table_num(t, s->rows[i], tcol);
        if (per_s) v = tt > prev ? v / (tt - prev) : NAN;
        prev = tt;
        y[i] = v;
    }
    return y;
}

static double *scaled(double *y, size_t n, double k)
{
    for (size_t i = 0; i < n; i++) y[i] *= k;
    return y;
}

/* A chart over simulated time from 0 to xmax, with a legend. */
static ch_spec time_spec(const char *title, const char *ylabel, double xmax)
{
    ch_spec sp = chart_spec(title);
    sp.xaxis = CH_X_TIME;
    sp.xmin = 0;
    sp.xmax = xmax;
    sp.xlabel = "simulated time";
    sp.ylabel = ylabel;
    sp.legend = 1;
    return sp;
}

static int plot_run(plotter *pl, const char *ts_path)
{
    ecs_err *e = pl->e;
    table t;
    int rc = table_read(&t, ts_path, e);
    if (rc != ECS_OK) return rc;
    rc = check_columns(&t, ts_path, ts_need, sizeof ts_need / sizeof *ts_need, ts_why, e);
    if (rc != ECS_OK) {
        table_free(&t);
        return rc;
    }
    if (t.n_rows == 0) {
        rc = err_set(e, ECS_EINPUT, "%s: no rows (the run wrote no sample interval)", ts_path);
        table_free(&t);
        return rc;
    }
    int c_t = table_col(&t, "t_s"), c_svc = table_col(&t, "service");
    /* services in order of first appearance */
    svc_rows *sv = NULL;
    size_t ns = 0;
    for (size_t r = 0; r < t.n_rows; r++) {
        const char *name = table_str(&t, r, c_svc);
        size_t k = 0;
        while (k < ns && strcmp(sv[k].name, name) != 0) k++;
        if (k == ns) {
            sv = xrealloc(sv, (ns + 1) * sizeof *sv);
            memset(&sv[ns], 0, sizeof sv[ns]);
            snprintf(sv[ns].name, sizeof sv[ns].name, "%s", name);
            ns++;
        }
        if (sv[k].n == sv[k].cap) {
            sv[k].cap = sv[k].cap ? 2 * sv[k].cap : 64;
            sv[k].rows = xrealloc(sv[k].rows, sv[k].cap * sizeof *sv[k].rows);
        }
        sv[k].rows[sv[k].n++] = r;
    }
    /* the SLO and the cost, when summary.csv is there */
    double slo = NAN, cost = NAN;
    char sum_path[4200];
    snprintf(sum_path, sizeof sum_path, "%s/summary.csv", pl->dir);
    table sm;
    ecs_err se;
    err_clear(&se);
    if (table_read(&sm, sum_path, &se) == ECS_OK) {
        if (sm.n_rows) {
            slo = table_num(&sm, 0, table_col(&sm, "slo_p99_latency_s"));
            cost = table_num(&sm, 0, table_col(&sm, "cost_usd"));
        }
        table_free(&sm);
    }

    size_t max_series = 4 * ns + 8;
    ch_series *ser = xcalloc(max_series, sizeof *ser);
    double **own = xcalloc(16 * ns + 64, sizeof *own); /* arrays to free */
    size_t n_own = 0;
    char(*labels)[256] = xcalloc(max_series, sizeof *labels);
    cv_rect full = {0, 0, pl->w, pl->h};
    double xmax = 0;
    for (size_t r = 0; r < t.n_rows; r++) {
        double v = table_num(&t, r, c_t);
        if (v > xmax) xmax = v;
    }
#define OWN(p) (own[n_own++] = (p))
#define SERIES(i, lab, rgb_, style_, thick_, x_, y_, n_)                                           \
    do {                                                                                           \
        ser[i] =                                                                                   \
            (ch_series){NULL, rgb_, style_, thick_, x_, y_, n_, NULL, NULL, NULL, NULL, NULL};     \
        snprintf(labels[i], sizeof labels[i], "%s", lab);                                          \
        ser[i].label = labels[i];                                                                  \
    } while (0)
    double **x = xcalloc(ns ? ns : 1, sizeof *x);
    for (size_t k = 0; k < ns; k++) x[k] = OWN(column(&t, &sv[k], c_t, 0, c_t));
    char lab[200];

    /* latency */
    ch_spec sp = time_spec("Response time percentiles (successful requests, per sample interval)",
                           "ms", xmax);
    if (isfinite(slo)) {
        sp.hline = 1000 * slo;
        sp.hline_label = "SLO p99";
    }
    int n = 0, c95 = table_col(&t, "p95_s");
    for (size_t k = 0; k < ns; k++) {
        /* one service: a colour per percentile; several: a colour per service */
        uint32_t rgb = ns == 1 ? 0xffb74d : chart_palette((unsigned) k);
        uint32_t rgb95 = ns == 1 ? 0x4fc3f7 : rgb, rgb50 = ns == 1 ? 0x81c784 : rgb;
        snprintf(lab, sizeof lab, "%s p99", sv[k].name);
        SERIES(n, lab, rgb, CH_LINE, 2, x[k],
               OWN(scaled(column(&t, &sv[k], table_col(&t, "p99_s"), 0, c_t), sv[k].n, 1000)),
               sv[k].n);
        n++;
        if (c95 >= 0) {
            snprintf(lab, sizeof lab, "%s p95", sv[k].name);
            SERIES(n, lab, rgb95, CH_LINE, 1, x[k],
                   OWN(scaled(column(&t, &sv[k], c95, 0, c_t), sv[k].n, 1000)), sv[k].n);
            n++;
        }
        snprintf(lab, sizeof lab, "%s p50", sv[k].name);
        SERIES(n, lab, rgb50, CH_DASHED, 1, x[k],
               OWN(scaled(column(&t, &sv[k], table_col(&t, "p50_s"), 0, c_t), sv[k].n, 1000)),
               sv[k].n);
        n++;
    }
    sp.s = ser;
    sp.n = n;
    chart_draw(pl->cv, full, &sp);
    rc = save(pl, "latency.png");

    /* load */
    if (rc == ECS_OK) {
        sp = time_spec("Load: requests arriving, completed and failed per second", "per second",
                       xmax);
        n = 0;
        int cc = table_col(&t, "completed"), ce = table_col(&t, "errors");
        for (size_t k = 0; k < ns; k++) {
            uint32_t rgb = chart_palette((unsigned) k);
            snprintf(lab, sizeof lab, "%s arrivals/s", sv[k].name);
            SERIES(n, lab, rgb, CH_LINE, 2, x[k],
                   OWN(column(&t, &sv[k], table_col(&t, "requests"), 1, c_t)), sv[k].n);
            n++;
            if (cc >= 0) {
                snprintf(lab, sizeof lab, "%s completed/s", sv[k].name);
                SERIES(n, lab, rgb, CH_DASHED, 1, x[k], OWN(column(&t, &sv[k], cc, 1, c_t)),
                       sv[k].n);
                n++;
            }
            if (ce >= 0) {
                snprintf(lab, sizeof lab, "%s errors/s", sv[k].name);
                SERIES(n, lab, CH_SLO, CH_LINE, 1, x[k], OWN(column(&t, &sv[k], ce, 1, c_t)),
                       sv[k].n);
                n++;
            }
        }
        sp.s = ser;
        sp.n = n;
        chart_draw(pl->cv, full, &sp);
        rc = save(pl, "load.png");
    }

    /* tasks and hosts */
    if (rc == ECS_OK) {
        sp = time_spec("Tasks and hosts", "count", xmax);
        n = 0;
        int cp = table_col(&t, "pending_tasks"), cprov = table_col(&t, "provisioning_tasks");
        for (size_t k = 0; k < ns; k++) {
            uint32_t rgb = chart_palette((unsigned) k);
            snprintf(lab, sizeof lab, "%s running", sv[k].name);
            SERIES(n, lab, rgb, CH_STEP, 2, x[k],
                   OWN(column(&t, &sv[k], table_col(&t, "running_tasks"), 0, c_t)), sv[k].n);
            n++;
            snprintf(lab, sizeof lab, "%s desired", sv[k].name);
            SERIES(n, lab, 0xffffff, CH_DASHED, 1, x[k],
                   OWN(column(&t, &sv[k], table_col(&t, "desired_tasks"), 0, c_t)), sv[k].n);
            n++;
            if (cp >= 0) {
                snprintf(lab, sizeof lab, "%s pending", sv[k].name);
                SERIES(n, lab, 0xe6c229, CH_STEP, 1, x[k], OWN(column(&t, &sv[k], cp, 0, c_t)),
                       sv[k].n);
                n++;
            }
            if (cprov >= 0) {
                snprintf(lab, sizeof lab, "%s provisioning", sv[k].name);
                SERIES(n, lab, 0x9aa3ad, CH_STEP, 1, x[k], OWN(column(&t, &sv[k], cprov, 0, c_t)),
                       sv[k].n);
                n++;
            }
        }
        if (ns) {
            SERIES(n, "hosts", 0x7d8ea3, CH_STEP, 2, x[0],
                   OWN(column(&t, &sv[0], table_col(&t, "hosts"), 0, c_t)), sv[0].n);
            n++;
            int chp = table_col(&t, "hosts_pending");
            if (chp >= 0) {
                SERIES(n, "hosts pending", 0x4fc3f7, CH_STEP, 1, x[0],
                       OWN(column(&t, &sv[0], chp, 0, c_t)), sv[0].n);
                n++;
            }
        }
        sp.s = ser;
        sp.n = n;
        chart_draw(pl->cv, full, &sp);
        rc = save(pl, "tasks.png");
    }

    /* utilisation */
    if (rc == ECS_OK) {
        sp = time_spec("Utilisation of the tasks' reservations", "%", xmax);
        sp.ymin = 0;
        n = 0;
        int cm = table_col(&t, "mem_util_pct");
        for (size_t k = 0; k < ns; k++) {
            uint32_t rgb = chart_palette((unsigned) k);
            snprintf(lab, sizeof lab, "%s CPU", sv[k].name);
            SERIES(n, lab, rgb, CH_LINE, 2, x[k],
                   OWN(column(&t, &sv[k], table_col(&t, "cpu_util_pct"), 0, c_t)), sv[k].n);
            n++;
            if (cm >= 0) {
                snprintf(lab, sizeof lab, "%s memory", sv[k].name);
                SERIES(n, lab, rgb, CH_DASHED, 1, x[k], OWN(column(&t, &sv[k], cm, 0, c_t)),
                       sv[k].n);
                n++;
            }
        }
        sp.s = ser;
        sp.n = n;
        chart_draw(pl->cv, full, &sp);
        rc = save(pl, "utilisation.png");
    }

    /* cost so far: a cost column if the run writes one, else host-seconds
     * scaled to summary.csv's cost (exact when every host is of one type) */
    if (rc == ECS_OK && ns) {
        int ccost = table_col(&t, "cost_usd");
        double *y = OWN(column(&t, &sv[0], ccost >= 0 ? ccost : table_col(&t, "hosts"), 0, c_t));
        const char *unit = "USD";
        if (ccost < 0) {
            double area = 0, prev = 0;
            for (size_t i = 0; i < sv[0].n; i++) {
                double tt = x[0][i];
                area += (isfinite(y[i]) ? y[i] : 0) * (tt - prev) / 3600.0;
                prev = tt;
                y[i] = area;
            }
            if (isfinite(cost) && area > 0)
                scaled(y, sv[0].n, cost / area);
            else
                unit = "host-hours";
        }
        sp = time_spec(strcmp(unit, "USD") == 0 ? "Cost so far (USD)" : "Host-hours so far", unit,
                       xmax);
        SERIES(0, ccost >= 0 ? "cost_usd" : "hosts x time, scaled to summary.csv cost_usd",
               0x81c784, CH_LINE, 2, x[0], y, sv[0].n);
        sp.s = ser;
        sp.n = 1;
        chart_draw(pl->cv, full, &sp);
        rc = save(pl, "cost.png");
    }

    /* alarm columns (when the run writes them): one band per alarm */
    if (rc == ECS_OK && ns) {
        int cols[32], nc = 0;
        for (int k = 0; k < t.n_cols && nc < 32; k++)
            if (strstr(t.head[k], "alarm")) cols[nc++] = k;
        if (nc > 0) {
            sp = time_spec("Alarm states (0 INSUFFICIENT_DATA, 1 OK, 2 ALARM)", NULL, xmax);
            sp.ymin = 0;
            sp.ymax = 2.2;
            /* a series per alarm column and service, as many as fit */
            n = 0;
            for (size_t q = 0; q < ns; q++)
                for (int k = 0; k < nc && n < (int) max_series && n_own < 16 * ns + 60; k++) {
                    double *y = OWN(xmalloc((sv[q].n ? sv[q].n : 1) * sizeof *y));
                    int any = 0;
                    for (size_t i = 0; i < sv[q].n; i++) {
                        const char *c = table_str(&t, sv[q].rows[i], cols[k]);
                        if (strcmp(c, "ALARM") == 0)
                            y[i] = 2;
                        else if (strcmp(c, "OK") == 0)
                            y[i] = 1;
                        else if (strcmp(c, "INSUFFICIENT_DATA") == 0)
                            y[i] = 0;
                        else
                            y[i] = table_num(&t, sv[q].rows[i], cols[k]);
                        any |= isfinite(y[i]);
                    }
                    if (!any) continue; /* a service without that alarm */
                    snprintf(lab, sizeof lab, "%s %s", sv[q].name, t.head[cols[k]]);
                    SERIES(n, lab, chart_palette((unsigned) n), CH_STEP, 2, x[q], y, sv[q].n);
                    n++;
                }
            /* no service has an alarm (the columns are empty): no chart */
            if (n > 0) {
                sp.s = ser;
                sp.n = n;
                chart_draw(pl->cv, full, &sp);
                rc = save(pl, "alarms.png");
            }
        }
    }
#undef SERIES
#undef OWN
    for (size_t i = 0; i < n_own; i++) free(own[i]);
    free(own);
    free(x);
    free(labels);
    free(ser);
    for (size_t k = 0; k < ns; k++) free(sv[k].rows);
    free(sv);
    table_free(&t);
    return rc;
}

/* ---- a sweep ---- */

static int plot_sweep(plotter *pl, const char *path)
{
    ecs_err *e = pl->e;
    table t;
    int rc = table_read(&t, path, e);
    if (rc != ECS_OK) return rc;
    int cx = table_col(&t, "cost_usd"), cy = table_col(&t, "p99_s");
    rc = check_columns(&t, path, ag_need, 2, ag_why, e);
    if (rc != ECS_OK) {
        table_free(&t);
        return rc;
    }
    if (t.n_rows == 0) {
        rc = err_set(e, ECS_EINPUT, "%s: no configuration rows", path);
        table_free(&t);
        return rc;
    }
    int cxl = table_col(&t, "cost_usd_ci_low"), cxh = table_col(&t, "cost_usd_ci_high");
    int cyl = table_col(&t, "p99_s_ci_low"), cyh = table_col(&t, "p99_s_ci_high");
    int ccfg = table_col(&t, "config");
    size_t n = t.n_rows;
    double *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y);
    double *xl = xmalloc(n * sizeof *x), *xh = xmalloc(n * sizeof *x);
    double *yl = xmalloc(n * sizeof *x), *yh = xmalloc(n * sizeof *x);
    char **labs = xcalloc(n, sizeof *labs);
    for (size_t i = 0; i < n; i++) {
        x[i] = table_num(&t, i, cx);
        y[i] = 1000 * table_num(&t, i, cy);
        xl[i] = table_num(&t, i, cxl);
        xh[i] = table_num(&t, i, cxh);
        yl[i] = 1000 * table_num(&t, i, cyl);
        yh[i] = 1000 * table_num(&t, i, cyh);
        labs[i] = xasprintf("c%s", ccfg >= 0 ? table_str(&t, i, ccfg) : "?");
        /* configurations at the same point share one label */
        for (size_t j = 0; j < i; j++) {
            if (!labs[j] || fabs(x[j] - x[i]) > 1e-6 * fabs(x[i]) ||
                fabs(y[j] - y[i]) > 1e-6 * fabs(y[i]))
                continue;
            char *joined = xasprintf("%s,%s", labs[j], labs[i]);
            free(labs[j]);
            free(labs[i]);
            labs[j] = joined;
            labs[i] = NULL;
            break;
        }
    }
    /* the frontier: configurations no other has both cheaper (or as cheap)
     * and faster (or as fast) than, strictly better in one, by cost */
    double *fx = xmalloc(n * sizeof *fx), *fy = xmalloc(n * sizeof *fy);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        int dominated = 0;
        for (size_t j = 0; j < n && !dominated; j++)
            dominated = j != i && isfinite(x[j]) && isfinite(y[j]) && x[j] <= x[i] &&
                        y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]);
        if (!dominated) {
            size_t at = nf++;
            while (at > 0 && fx[at - 1] > x[i]) {
                fx[at] = fx[at - 1];
                fy[at] = fy[at - 1];
                at--;
            }
            fx[at] = x[i];
            fy[at] = y[i];
        }
    }
    ch_series s[2];
    s[0] = (ch_series){"frontier", 0x81c784, CH_LINE, 2, fx, fy, nf, NULL, NULL, NULL, NULL, NULL};
    s[1] = (ch_series){"configuration (mean, 95% CI)",
                       0x4fc3f7,
                       CH_POINTS,
                       1,
                       x,
                       y,
                       n,
                       cyl >= 0 ? yl : NULL,
                       cyh >= 0 ? yh : NULL,
                       cxl >= 0 ? xl : NULL,
                       cxh >= 0 ? xh : NULL,
                       (const char *const *) labs};
    ch_spec sp = chart_spec("Cost against p99 latency, per configuration");
    sp.xlabel = "cost (USD per run)";
    sp.ylabel = "p99 ms";
    sp.legend = 1;
    /* the costs with a tenth of their spread on each side */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double a = isfinite(xl[i]) ? xl[i] : x[i], b = isfinite(xh[i]) ? xh[i] : x[i];
        if (a < lo) lo = a;
        if (b > hi) hi = b;
    }
    if (isfinite(lo) && isfinite(hi)) {
        double pad = hi > lo ? 0.1 * (hi - lo) : 0.1 * fabs(hi) + 1e-9;
        sp.xmin = lo - pad;
        sp.xmax = hi + pad;
    }
    int cs = table_col(&t, "slo_p99_latency_s");
    if (cs >= 0 && isfinite(table_num(&t, 0, cs))) {
        sp.hline = 1000 * table_num(&t, 0, cs);
        sp.hline_label = "SLO p99";
    }
    sp.s = s;
    sp.n = 2;
    cv_rect full = {0, 0, pl->w, pl->h};
    chart_draw(pl->cv, full, &sp);
    rc = save(pl, "frontier.png");
    for (size_t i = 0; i < n; i++) free(labs[i]);
    free(labs);
    free(x);
    free(y);
    free(xl);
    free(xh);
    free(yl);
    free(yh);
    free(fx);
    free(fy);
    table_free(&t);
    return rc;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int viz_plot_main(int argc, char **argv, FILE *out, FILE *err)
{
    const char *dir = NULL, *outdir = NULL;
    int w = 1000, h = 600, rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v;
        int miss;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_plot, out);
            return 0;
        } else if ((v = viz_opt(argc, argv, &i, "--out", "-o", &miss))) {
            outdir = v;
        } else if ((v = viz_opt(argc, argv, &i, "--size", NULL, &miss))) {
            if (viz_parse_size(v, &w, &h) != 0)
                rc = viz_usage_error(err, "plot",
                                     "--size: expected WxH, each 320 to 8192, got \"%s\"", v);
        } else if (miss) {
            rc = viz_usage_error(err, "plot", "%s: expected a value", a);
        } else if (a[0] == '-' && a[1]) {
            rc = viz_usage_error(err, "plot", "plot: unknown option %s", a);
        } else if (!dir) {
            dir = a;
        } else {
            rc = viz_usage_error(err, "plot",
                                 "plot: one results directory at a time, got another: %s", a);
        }
    }
    if (rc == 0 && !dir) rc = viz_usage_error(err, "plot", "plot: expected a results DIR");
    if (rc != 0) return rc;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(err, "ecsim: plot: %s: %s\n", dir,
                stat(dir, &st) != 0 ? "no such results directory (run `ecsim run` or `ecsim "
                                      "sweep` first)"
                                    : "not a directory");
        return 2;
    }
    char ts[4200], ag[4200], def[4200];
    snprintf(ts, sizeof ts, "%s/timeseries.csv", dir);
    snprintf(ag, sizeof ag, "%s/aggregate.csv", dir);
    int have_ts = exists(ts), have_ag = exists(ag);
    if (!have_ts && !have_ag) {
        fprintf(err,
                "ecsim: plot: %s holds neither timeseries.csv (a run's results) nor "
                "aggregate.csv (a sweep's)\n",
                dir);
        return 2;
    }
    if (!outdir) {
        snprintf(def, sizeof def, "%s/plots", dir);
        outdir = def;
    }
    ecs_err e;
    err_clear(&e);
    if (viz_libs_init(&e) != ECS_OK) {
        fprintf(err, "ecsim: %s\n", e.msg);
        return err_exit_code(e.code);
    }
    plotter pl = {dir, outdir, w, h, NULL, out, 0, &e};
    int r = ECS_OK;
    if (have_ts) r = precheck(ts, ts_need, sizeof ts_need / sizeof *ts_need, ts_why, &e);
    if (r == ECS_OK && have_ag) r = precheck(ag, ag_need, 2, ag_why, &e);
    if (r == ECS_OK) r = afile_mkdirs(outdir, &e);
    if (r == ECS_OK) {
        pl.cv = canvas_new(w, h, &e);
        if (!pl.cv) r = e.code;
    }
    if (r == ECS_OK && have_ts) r = plot_run(&pl, ts);
    if (r == ECS_OK && have_ag) r = plot_sweep(&pl, ag);
    canvas_free(pl.cv);
    viz_libs_quit();
    if (r != ECS_OK) {
        fprintf(err, "ecsim: plot: %s\n", e.msg);
        return err_exit_code(r);
    }
    return 0;
}

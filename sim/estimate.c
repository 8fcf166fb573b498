/* estimate.c -- steady-state estimates from a run's batches and the
 * summary.csv columns beside each metric (see estimate.h).
 * Owns: which summary columns are estimated and from which series, the
 * per-metric warm-up cut, the interval, the convergence rule, and the
 * rewriting of run.c's summary row (read back with libcsv, so run.c keeps
 * writing its columns as it always has and new columns from other models
 * pass through untouched). */
#include "sim/estimate.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/engine/csvout.h"
#include "sim/engine/xmalloc.h"

/* ---- configuration ---- */

int est_cfg_read(est_cfg *c, const params *p, ecs_err *e)
{
    memset(c, 0, sizeof *c);
    const char *w = params_str(p, "run.warmup");
    c->warmup = strcmp(w, "fixed") == 0  ? EST_WARMUP_FIXED
                : strcmp(w, "none") == 0 ? EST_WARMUP_NONE
                                         : EST_WARMUP_MSER5;
    c->warmup_s = params_real(p, "run.warmup_s");
    const char *m = params_str(p, "run.ci_method");
    c->ci = strcmp(m, "replications") != 0;
    c->method = strcmp(m, "overlapping_batch_means") == 0 ? STEADY_OVERLAPPING_BATCH_MEANS
                                                          : STEADY_BATCH_MEANS;
    c->batches = (int) params_int(p, "run.ci_batches");
    c->level = params_real(p, "run.ci_level");
    c->target = params_real(p, "run.ci_target");
    c->rate_floor = params_real(p, "slo.error_rate");
    if (c->warmup == EST_WARMUP_NONE && c->warmup_s > 0) {
        param_loc at = params_where(p, "run.warmup");
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "run.warmup: none cuts no warm-up, but run.warmup_s is %g; use fixed, or "
                      "set run.warmup_s to 0",
                      c->warmup_s);
    }
    /* no steady state: a rate that follows the clock, a trace, a one-off event */
    for (size_t i = 0; i < params_count(p, "workloads") && !c->transient; i++) {
        const char *name = params_object(p, "workloads", i);
        const char *a = params_str(p, "workloads.%s.arrival", name);
        if (strcmp(a, "schedule") == 0 || strcmp(a, "diurnal") == 0 ||
            strcmp(a, "flash_crowd") == 0 || strcmp(a, "trace") == 0) {
            c->transient = 1;
            snprintf(c->transient_why, sizeof c->transient_why, "workload %s is %s", name, a);
        }
    }
    if (!c->transient && params_count(p, "deployments") > 0) {
        c->transient = 1;
        snprintf(c->transient_why, sizeof c->transient_why, "deployment %s",
                 params_object(p, "deployments", 0));
    }
    for (size_t i = 0; i < params_count(p, "failures") && !c->transient; i++) {
        const char *name = params_object(p, "failures", i);
        if (strcmp(params_str(p, "failures.%s.kind", name), "task_crash") != 0) {
            c->transient = 1;
            snprintf(c->transient_why, sizeof c->transient_why, "failure %s (%s)", name,
                     params_str(p, "failures.%s.kind", name));
        }
    }
    return ECS_OK;
}

/* ---- the metrics ---- */

static est_metric *add(est_table *t, est_kind kind, double q, double scale, const char *prefix,
                       const char *what)
{
    t->m = xrealloc(t->m, (size_t) (t->n + 1) * sizeof *t->m);
    est_metric *m = &t->m[t->n++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s%s", prefix, what);
    m->kind = kind;
    m->q = q;
    m->scale = scale;
    size_t len = strlen(m->name);
    m->is_rate = len >= 10 && strcmp(m->name + len - 10, "error_rate") == 0;
    m->is_time = len >= 8 && strcmp(m->name + len - 8, "util_pct") == 0;
    return m;
}

static void set_ids(est_metric *m, const uint32_t *series, uint32_t n)
{
    m->ids = xcalloc(n ? n : 1, sizeof *m->ids);
    m->n_ids = (int) n;
    memcpy(m->ids, series, n * sizeof *series);
}

/* The metrics of one group of services ("" prefix: all of them). */
static void add_group(est_table *t, const batches *b, const char *prefix, uint32_t from,
                      uint32_t to, int whole)
{
    uint32_t n = to - from;
    uint32_t *ids = xcalloc(n ? n : 1, sizeof *ids);
#define SERIES(field)                                                                              \
    for (uint32_t k = 0; k < n; k++) ids[k] = b->field[from + k]
    SERIES(err);
    set_ids(add(t, EM_RATIO, 0, 1, prefix, "error_rate"), ids, n);
    SERIES(lat);
    set_ids(add(t, EM_MEAN, 0, 1, prefix, "mean_s"), ids, n);
    static const double qs[] = {0.50, 0.95, 0.99, 0.999};
    static const char *const qn[] = {"p50_s", "p95_s", "p99_s", "p999_s"};
    for (int i = 0; i < (whole ? 4 : 3); i++)
        set_ids(add(t, EM_QUANTILE, qs[i], 1, prefix, qn[i]), ids, n);
    if (whole) {
        SERIES(clat);
        set_ids(add(t, EM_MEAN, 0, 1, prefix, "client_mean_s"), ids, n);
        set_ids(add(t, EM_QUANTILE, 0.99, 1, prefix, "client_p99_s"), ids, n);
    }
    SERIES(cpu);
    set_ids(add(t, EM_RATIO, 0, 100, prefix, "cpu_util_pct"), ids, n);
    SERIES(mem);
    set_ids(add(t, EM_RATIO, 0, 100, prefix, "mem_util_pct"), ids, n);
#undef SERIES
    free(ids);
}

void est_table_build(est_table *t, const struct cluster *c)
{
    memset(t, 0, sizeof *t);
    const batches *b = c->rec.bt;
    add_group(t, b, "", 0, c->n_services, 1);
    for (uint32_t k = 0; k < c->n_services; k++) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s_", c->services[k].name);
        add_group(t, b, prefix, k, k + 1, 0);
    }
    for (uint32_t k = 0; k < c->rec.n_cls && k < b->n_cls; k++) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "class_%s_", c->rec.cls[k].name);
        set_ids(add(t, EM_MEAN, 0, 1, prefix, "mean_s"), &b->cls_lat[k], 1);
        set_ids(add(t, EM_QUANTILE, 0.50, 1, prefix, "p50_s"), &b->cls_lat[k], 1);
        set_ids(add(t, EM_QUANTILE, 0.99, 1, prefix, "p99_s"), &b->cls_lat[k], 1);
    }
}

void est_table_free(est_table *t)
{
    for (int i = 0; i < t->n; i++) free(t->m[i].ids);
    free(t->m);
    memset(t, 0, sizeof *t);
}

int est_table_find(const est_table *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->m[i].name, name) == 0) return i;
    return -1;
}

/* ---- one metric ---- */

estimate est_metric_eval(const batches *b, const est_metric *m, const est_cfg *cfg, double target,
                         double end_s)
{
    estimate x;
    memset(&x, 0, sizeof x);
    x.value = x.low = x.high = x.half = NAN;
    const steady_set *s = &b->set;
    int n = (int) s->used;
    int cap = n > 0 ? n : 1;
    double *z = xmalloc((size_t) cap * sizeof *z), *w = xmalloc((size_t) cap * sizeof *w);
    double *num = NULL, *den = NULL;
    steady_bh *h = NULL;
    int shared = 0; /* h reads the record in place */
    double early = 0;
    if (m->kind == EM_RATIO) {
        num = xmalloc((size_t) cap * sizeof *num);
        den = xmalloc((size_t) cap * sizeof *den);
        steady_ratio_units(s, m->ids, m->n_ids, num, den);
        for (int u = 0; u < n; u++) {
            z[u] = den[u] > 0 ? num[u] / den[u] : NAN;
            w[u] = den[u];
        }
        for (int i = 0; i < m->n_ids; i++) early += s->early_den[m->ids[i]];
    } else {
        h = xmalloc((size_t) cap * sizeof *h);
        shared = steady_hist_units(s, m->ids, m->n_ids, h);
        num = xmalloc((size_t) cap * sizeof *num);
        den = xmalloc((size_t) cap * sizeof *den);
        for (int u = 0; u < n; u++) {
            num[u] = h[u].sum;
            den[u] = (double) h[u].n;
            w[u] = den[u];
            z[u] = h[u].n == 0          ? NAN
                   : m->kind == EM_MEAN ? h[u].sum / (double) h[u].n
                                        : steady_bh_quantile(&h[u], m->q);
        }
        for (int i = 0; i < m->n_ids; i++) early += (double) s->early_n[m->ids[i]];
    }
    int d = 0;
    x.late = 0;
    if (cfg->warmup == EST_WARMUP_MSER5 && !cfg->transient) {
        d = steady_mser(z, w, n, &x.late);
        /* too few batches to tell: nothing cut, and nothing to call settled */
    }
    x.cut = d;
    x.cut_s = d > 0 ? s->t0 + d * s->w : cfg->warmup_s;
    double before = early, after = 0;
    for (int u = 0; u < n; u++) {
        if (u < d)
            before += den[u];
        else
            after += den[u];
    }
    if (m->is_time) {
        double from = d > 0 ? x.cut_s : cfg->warmup_s;
        x.samples = end_s > from ? end_s - from : 0;
        x.discarded = from;
    } else {
        x.samples = after;
        x.discarded = before;
    }
    steady_ci ci = {NAN, NAN, NAN, NAN, NAN, 0};
    int k = cfg->ci && !cfg->transient ? cfg->batches : 0;
    if (m->kind == EM_QUANTILE) {
        hist *merged = xmalloc(sizeof *merged);
        ci = steady_quantile_ci(h + d, n - d, merged, m->q, cfg->method, k > 0 ? k : 1, cfg->level);
        free(merged);
    } else {
        ci = steady_ratio_ci(num + d, den + d, n - d, cfg->method, k > 0 ? k : 1, cfg->level);
        ci.mean *= m->scale;
        ci.half *= m->scale;
        ci.low *= m->scale;
        ci.high *= m->scale;
    }
    if (k > 0 && m->is_rate && ci.mean == 0 && after > 0) {
        /* no error in `after` requests: the interval is not [0, 0] but the
         * rule of three's [0, -ln(1 - level) / n] (Hanley & Lippman-Hand
         * 1983), so a run cannot call a rate known before it has seen
         * enough requests to bound it */
        ci.low = 0;
        ci.high = ci.half = -log(1 - cfg->level) / after;
    }
    x.value = ci.mean;
    if (k > 0) {
        x.low = ci.low;
        x.high = ci.high;
        x.half = ci.half;
    }
    x.converged = k > 0 && !x.late && est_meets(&x, m, cfg, target);
    free(z);
    free(w);
    free(num);
    free(den);
    if (h && !shared) steady_bh_free(h, n);
    free(h);
    return x;
}

int est_meets(const estimate *x, const est_metric *m, const est_cfg *cfg, double bound)
{
    if (isnan(x->half) || isnan(x->value)) return 0;
    double scale = fabs(x->value);
    if (m->is_rate && scale < cfg->rate_floor) scale = cfg->rate_floor;
    return x->half <= bound * scale;
}

/* ---- summary.csv ---- */

typedef struct row2 {
    char **f[2];
    int n[2], cap[2];
    int row;
} row2;

static void on_field(void *s, size_t len, void *ctx)
{
    row2 *r = ctx;
    if (r->row > 1) return;
    int k = r->row;
    if (r->n[k] == r->cap[k]) {
        r->cap[k] = r->cap[k] ? 2 * r->cap[k] : 128;
        r->f[k] = xrealloc(r->f[k], (size_t) r->cap[k] * sizeof *r->f[k]);
    }
    char *v = xmalloc(len + 1);
    if (len) memcpy(v, s, len);
    v[len] = '\0';
    r->f[k][r->n[k]++] = v;
}

static void on_row(int c, void *ctx)
{
    (void) c;
    ((row2 *) ctx)->row++;
}

static void row2_free(row2 *r)
{
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < r->n[k]; i++) free(r->f[k][i]);
        free(r->f[k]);
    }
}

static const char *warmup_name(est_warmup w)
{
    return w == EST_WARMUP_FIXED ? "fixed" : w == EST_WARMUP_NONE ? "none" : "mser5";
}

static void put_head(csvw *w, const char *name, const char *suffix)
{
    char col[320];
    snprintf(col, sizeof col, "%s%s", name, suffix);
    csvw_str(w, col);
}

int est_write_summary(const char *text, size_t len, const batches *b, const est_table *t,
                      const est_cfg *cfg, const est_bound *bounds, int n_bounds, double end_s,
                      const est_run_info *info, est_analytic_fn analytic, void *actx, FILE *out,
                      ecs_err *e)
{
    row2 r;
    memset(&r, 0, sizeof r);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return err_set(e, ECS_EINTERNAL, "summary: csv_init failed");
    int bad = csv_parse(&p, text, len, on_field, on_row, &r) != len;
    if (!bad) bad = csv_fini(&p, on_field, on_row, &r) != 0;
    csv_free(&p);
    if (bad || r.row != 2 || r.n[0] != r.n[1]) {
        row2_free(&r);
        return err_set(e, ECS_EINTERNAL, "summary: not a one-row table");
    }
    int n = r.n[0];
    int *mi = xcalloc((size_t) n, sizeof *mi);
    estimate *x = xcalloc((size_t) n, sizeof *x);
    double *an = xcalloc((size_t) n, sizeof *an);
    int *has_an = xcalloc((size_t) n, sizeof *has_an);
    for (int i = 0; i < n; i++) {
        mi[i] = est_table_find(t, r.f[0][i]);
        an[i] = NAN;
        if (mi[i] < 0) continue;
        if (analytic) has_an[i] = analytic(actx, r.f[0][i], &an[i]);
        double target = cfg->target;
        for (int j = 0; j < n_bounds; j++)
            if (strcmp(bounds[j].metric, r.f[0][i]) == 0) target = bounds[j].rel;
        x[i] = est_metric_eval(b, &t->m[mi[i]], cfg, target, end_s);
    }
    /* the SLO verdicts follow the values reported beside them */
    int c_p99 = -1, c_err = -1, c_slo_p99 = -1, c_slo_err = -1, c_p99_ok = -1, c_err_ok = -1;
    for (int i = 0; i < n; i++) {
        const char *h = r.f[0][i];
        if (strcmp(h, "p99_s") == 0) c_p99 = i;
        if (strcmp(h, "error_rate") == 0) c_err = i;
        if (strcmp(h, "slo_p99_latency_s") == 0) c_slo_p99 = i;
        if (strcmp(h, "slo_error_rate") == 0) c_slo_err = i;
        if (strcmp(h, "slo_p99_ok") == 0) c_p99_ok = i;
        if (strcmp(h, "slo_error_rate_ok") == 0) c_err_ok = i;
    }
    csvw w;
    csvw_init(&w, out);
    for (int i = 0; i < n; i++) {
        csvw_str(&w, r.f[0][i]);
        if (mi[i] >= 0) {
            static const char *const sfx[] = {"_ci_low",   "_ci_high",      "_converged",
                                              "_samples",  "_discarded",    "_warmup_s",
                                              "_analytic", "_analytic_diff"};
            int nsfx = has_an[i] ? 8 : 6;
            for (int k = 0; k < nsfx; k++) put_head(&w, r.f[0][i], sfx[k]);
        }
        if (strcmp(r.f[0][i], "sim_end_s") == 0) {
            static const char *const run_cols[] = {"steady_state", "warmup_method", "ci_method",
                                                   "ci_level",     "stopped_by",    "reproducible"};
            for (size_t k = 0; k < sizeof run_cols / sizeof *run_cols; k++)
                csvw_str(&w, run_cols[k]);
        }
    }
    csvw_end(&w);
    for (int i = 0; i < n; i++) {
        int ok_of = i == c_p99_ok ? c_p99 : i == c_err_ok ? c_err : -1;
        int bound = i == c_p99_ok ? c_slo_p99 : c_slo_err;
        if (mi[i] >= 0 && x[i].cut > 0) {
            csvw_real(&w, x[i].value);
        } else if (ok_of >= 0 && bound >= 0 && mi[ok_of] >= 0 && x[ok_of].cut > 0) {
            double v = x[ok_of].value, slo = strtod(r.f[1][bound], NULL);
            csvw_bool(&w, !isnan(v) && v <= slo);
        } else {
            csvw_str(&w, r.f[1][i]);
        }
        if (mi[i] >= 0) {
            const estimate *y = &x[i];
            csvw_real(&w, y->low);
            csvw_real(&w, y->high);
            csvw_bool(&w, y->converged);
            csvw_real(&w, y->samples);
            csvw_real(&w, y->discarded);
            csvw_real(&w, y->cut_s);
            if (has_an[i]) {
                double v = y->cut > 0 ? y->value : strtod(r.f[1][i], NULL);
                if (!r.f[1][i][0] && y->cut == 0) v = NAN;
                csvw_real(&w, an[i]);
                csvw_real(&w, an[i] != 0 ? (v - an[i]) / an[i] : NAN);
            }
        }
        if (strcmp(r.f[0][i], "sim_end_s") == 0) {
            csvw_bool(&w, !cfg->transient);
            csvw_str(&w, cfg->transient ? "fixed" : warmup_name(cfg->warmup));
            csvw_str(&w, !cfg->ci || cfg->transient          ? "none"
                         : cfg->method == STEADY_BATCH_MEANS ? "batch_means"
                                                             : "overlapping_batch_means");
            csvw_real(&w, cfg->level);
            csvw_str(&w, info && info->stopped_by ? info->stopped_by : "duration");
            csvw_bool(&w, info ? info->reproducible : 1);
        }
    }
    csvw_end(&w);
    free(mi);
    free(x);
    free(an);
    free(has_an);
    row2_free(&r);
    return ECS_OK;
}

/* ---- columns for the experiments that read summaries back ---- */

static int has_column(const char *name, size_t len, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0) return 1;
    return 0;
}

static int suffixed(const char *name, const char *const *sfx, size_t n_sfx,
                    const char *const *names, int n)
{
    size_t len = strlen(name);
    for (size_t k = 0; k < n_sfx; k++) {
        size_t sl = strlen(sfx[k]);
        if (len > sl && strcmp(name + len - sl, sfx[k]) == 0 &&
            has_column(name, len - sl, names, n))
            return 1;
    }
    return 0;
}

int est_is_interval_column(const char *name, const char *const *names, int n)
{
    static const char *const sfx[] = {"_ci_low", "_ci_high", "_converged"};
    return suffixed(name, sfx, 3, names, n);
}

int est_is_companion_column(const char *name, const char *const *names, int n)
{
    static const char *const sfx[] = {"_ci_low",    "_ci_high",  "_converged", "_samples",
                                      "_discarded", "_warmup_s", "_analytic",  "_analytic_diff"};
    return suffixed(name, sfx, 8, names, n);
}

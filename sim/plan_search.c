/* plan_search.c -- how the planner runs its grid (see plan_search.h): every
 * configuration, or a bisection per line of a varied desired_count with a
 * check of the monotonicity it assumes. Owns the lines, the stages and the
 * MPI sharing of rank 0's decisions. */
#include "sim/plan_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"
#ifdef ECSIM_MPI
#include "sim/sweep_mpi.h"
#endif

int plan_share(int value)
{
#ifdef ECSIM_MPI
    return sweep_mpi_share(value);
#else
    return value;
#endif
}

/* The varied dimension along which p99 does not rise: a service's
 * desired_count (more tasks of the same size behind the same load
 * balancer), every value a number. -1 when there is none. */
int plan_search_dim(const sweep_table *t)
{
    static const char suffix[] = ".desired_count";
    for (int d = 0; d < t->n_dims; d++) {
        const char *p = t->paths[d];
        size_t n = strlen(p), ns = sizeof suffix - 1;
        if (strncmp(p, "services.", 9) != 0 || n <= 9 + ns || strcmp(p + n - ns, suffix) != 0)
            continue;
        int numeric = 1;
        for (int c = 0; c < t->n_configs && numeric; c++) {
            char *end;
            const char *v = t->values[(size_t) c * (size_t) t->n_dims + (size_t) d];
            (void) strtod(v, &end);
            numeric = end != v && *end == '\0';
        }
        if (numeric) return d;
    }
    return -1;
}

/* A line: the configurations that differ only in the monotone dimension,
 * by its value ascending. */
typedef struct plan_lines {
    int n;
    int *start, *len; /* [line]: its span of order */
    int *order;       /* configurations, line after line */
} plan_lines;

typedef struct line_item {
    char *key; /* the other dimensions' values */
    double v;  /* the monotone dimension's */
    int c;
} line_item;

static int item_cmp(const void *pa, const void *pb)
{
    const line_item *a = pa, *b = pb;
    int k = strcmp(a->key, b->key);
    if (k) return k;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return (a->c > b->c) - (a->c < b->c);
}

static void lines_build(const sweep_table *t, int dim, plan_lines *l)
{
    int n = t->n_configs;
    line_item *it = xcalloc((size_t) n + 1, sizeof *it);
    for (int c = 0; c < n; c++) {
        size_t len = 1;
        for (int d = 0; d < t->n_dims; d++)
            len += strlen(t->values[(size_t) c * (size_t) t->n_dims + (size_t) d]) + 1;
        it[c].key = xcalloc(len, 1);
        for (int d = 0; d < t->n_dims; d++) {
            const char *v = t->values[(size_t) c * (size_t) t->n_dims + (size_t) d];
            if (d == dim) {
                it[c].v = strtod(v, NULL);
                continue;
            }
            strcat(it[c].key, v);
            strcat(it[c].key, "\x1f");
        }
        it[c].c = c;
    }
    qsort(it, (size_t) n, sizeof *it, item_cmp);
    l->order = xcalloc((size_t) n + 1, sizeof *l->order);
    l->start = xcalloc((size_t) n + 1, sizeof *l->start);
    l->len = xcalloc((size_t) n + 1, sizeof *l->len);
    l->n = 0;
    for (int i = 0; i < n; i++) {
        l->order[i] = it[i].c;
        if (i == 0 || strcmp(it[i].key, it[i - 1].key) != 0) l->start[l->n++] = i;
        l->len[l->n - 1]++;
    }
    for (int i = 0; i < n; i++) free(it[i].key);
    free(it);
}

static void lines_free(plan_lines *l)
{
    free(l->start);
    free(l->len);
    free(l->order);
}

/* mean, low, high of metric name for configuration c; NULL when t has no
 * complete result for it */
static const double *cell(const sweep_table *t, int c, const char *name)
{
    int m = t->served ? -1 : sweep_table_metric(t, name);
    if (m < 0) return NULL;
    const double *v = &t->ci[((size_t) c * (size_t) t->n_metrics + (size_t) m) * 3];
    return isnan(v[0]) ? NULL : v;
}

static int evaluated(const sweep_table *t, int c)
{
    return cell(t, c, "p99_s") != NULL;
}

static int feasible(const plan_goal *x, const sweep_table *t, int c)
{
    double v[PLAN_MAX_SLO][3];
    for (int i = 0; i < x->n_slo; i++) {
        const double *m = cell(t, c, x->slo[i].metric);
        if (!m) return 0;
        memcpy(v[i], m, sizeof v[i]);
    }
    return plan_slo_holds(x->slo, x->n_slo, (const double(*)[3]) v, NULL);
}

/* One more sweep over the configurations only[] marks (those already
 * journaled by an earlier stage are not run again). Under mpirun every
 * rank runs it, with rank 0's only[]. */
static int run_stage(const sweep_opts *base, unsigned char *only, int n, int stage, FILE *out,
                     sweep_table *t, ecs_err *e)
{
#ifdef ECSIM_MPI
    sweep_mpi_share_bytes(only, n);
#else
    (void) n;
#endif
    sweep_opts so = *base;
    so.only = only;
    so.resume = stage > 0;
    sweep_table_free(t);
    return sweep_run_table(&so, out, t, e);
}

int plan_search(const plan_goal *x, const sweep_opts *so, FILE *out, const sweep_table *shape,
                int dim, sweep_table *t, int *pruned, int *by, int *broken_lines, ecs_err *e)
{
    int n = shape->n_configs, stage = 0, rc = ECS_OK;
    unsigned char *only = xcalloc((size_t) n + 1, 1);
    memset(t, 0, sizeof *t);
    *broken_lines = 0;
    if (dim < 0) {
        memset(only, 1, (size_t) n);
        rc = run_stage(so, only, n, stage, out, t, e);
        free(only);
        return rc;
    }
    plan_lines l;
    lines_build(shape, dim, &l);
    int *lo = xcalloc((size_t) l.n + 1, sizeof *lo), *hi = xcalloc((size_t) l.n + 1, sizeof *hi);
    for (int i = 0; i < l.n; i++) hi[i] = l.len[i];
    /* bisection: lo..hi brackets the first feasible position */
    for (;;) {
        int add = 0;
        for (int i = 0; i < l.n && !t->served; i++) {
            while (lo[i] < hi[i]) {
                int mid = (lo[i] + hi[i]) / 2, c = l.order[l.start[i] + mid];
                if (!only[c]) {
                    only[c] = 1;
                    add++;
                    break;
                }
                if (feasible(x, t, c))
                    hi[i] = mid;
                else
                    lo[i] = mid + 1;
            }
        }
        if (!plan_share(add > 0)) break;
        rc = run_stage(so, only, n, stage++, out, t, e);
        if (rc != ECS_OK) break;
    }
    /* the check: the top of every line that has a feasible position below it */
    int add = 0;
    for (int i = 0; rc == ECS_OK && i < l.n && !t->served; i++) {
        int top = l.order[l.start[i] + l.len[i] - 1];
        if (lo[i] < l.len[i] - 1 && !only[top]) {
            only[top] = 1;
            add++;
        }
    }
    if (rc == ECS_OK && plan_share(add > 0)) rc = run_stage(so, only, n, stage++, out, t, e);
    add = 0;
    for (int i = 0; rc == ECS_OK && i < l.n && !t->served; i++) {
        int b = lo[i], bad = 0;
        for (int p = 0; p < l.len[i]; p++) {
            int c = l.order[l.start[i] + p];
            if (evaluated(t, c) && feasible(x, t, c) != (p >= b)) bad = 1;
        }
        if (b < l.len[i] - 1) {
            const double *ob = cell(t, l.order[l.start[i] + b], x->minimize),
                         *ot = cell(t, l.order[l.start[i] + l.len[i] - 1], x->minimize);
            if (ob && ot && ot[0] < ob[1]) bad = 1;
        }
        if (!bad) continue;
        (*broken_lines)++;
        lo[i] = -1; /* run whole: nothing pruned */
        for (int p = 0; p < l.len[i]; p++) {
            int c = l.order[l.start[i] + p];
            if (!only[c]) add++;
            only[c] = 1;
        }
    }
    if (rc == ECS_OK && plan_share(add > 0)) rc = run_stage(so, only, n, stage++, out, t, e);
    for (int i = 0; rc == ECS_OK && i < l.n && !t->served; i++) {
        if (lo[i] < 0) continue;
        for (int p = 0; p < l.len[i]; p++) {
            int c = l.order[l.start[i] + p];
            if (only[c]) continue;
            pruned[c] = p < lo[i] ? -1 : 1;
            by[c] = l.order[l.start[i] + (p < lo[i] ? lo[i] - 1 : lo[i])] + 1;
        }
    }
    free(lo);
    free(hi);
    lines_free(&l);
    free(only);
    return rc;
}

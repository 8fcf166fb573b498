/* plan.c -- the capacity planner: the cheapest configuration of a --vary
 * grid that meets the scenario's SLO with 95% confidence.
 * Owns: `ecsim plan`'s options, the feasibility rule and ranking, plan.csv
 * and the answer printed. Configurations run R replications each through
 * sweep_run_table, so replication k of every configuration shares a seed
 * (common random numbers) and the runs use the sweep's process pool, or the
 * ranks of an MPI job, as do the confirmation's fresh replications. When a
 * services.*.desired_count is varied, each line of it (the configurations
 * that differ only there) is bisected for the fewest tasks that meet the
 * SLO, assuming more tasks of one size do not raise p99 nor lower the
 * minimized metric; the line's top is run to check both, and a line that
 * contradicts either is run whole. A configuration is feasible when the
 * upper end of the 95% Student-t interval of p99_s is <= slo.p99_latency_s
 * and that of error_rate is <= slo.error_rate: "meets the SLO" must hold
 * even at the pessimistic end of what R replications can tell. */
#include "sim/plan.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/engine/afile.h"
#include "sim/engine/csvout.h"
#include "sim/engine/param.h"
#include "sim/engine/xmalloc.h"
#include "sim/compare.h"
#include "sim/plan_search.h"
#include "sim/replicate.h"
#include "sim/sweep.h"
#include "sim/version.h"

static const char usage_plan[] =
    "usage: ecsim plan FILE --vary PATH=SPEC [--vary ...] [options]\n"
    "\n"
    "Finds the configuration of the --vary grid with the lowest mean of the\n"
    "minimized metric (cost_usd by default) that meets the SLO with 95%\n"
    "confidence: a configuration runs R replications with common random\n"
    "numbers, and is feasible when every SLO term holds at the pessimistic end\n"
    "of its 95% interval (the upper end for < and <=, the lower for > and >=).\n"
    "Configurations that differ only in a services.*.desired_count are bisected\n"
    "for the fewest tasks meeting the SLO (the rest are pruned, with the reason in\n"
    "plan.csv); the most tasks are run too, and a line whose results contradict\n"
    "monotonicity is run whole.\n"
    "The SLO is the scenario's (p99_s <= slo.p99_latency_s, error_rate <=\n"
    "slo.error_rate) unless --slo is given. The winner is then re-run on fresh\n"
    "replications (seeds disjoint from the sweep's) to confirm the SLO; if it\n"
    "fails, the next-ranked feasible configuration is tried (at most 3 tries).\n"
    "Writes DIR/plan.csv (every configuration, ranked) and DIR/frontier.csv\n"
    "(the minimized metric vs p99_s Pareto frontier) beside the sweep's\n"
    "sweep.csv and aggregate.csv.\n"
    "\n"
    "SPEC: as for ecsim sweep (A:B, A:B:STEP, V1,V2,..., log:A:B:N).\n"
    "\n"
    "options:\n"
    "  --vary PATH=SPEC       vary a parameter (repeatable; the full grid)\n"
    "  --slo METRIC<VALUE     an SLO term (repeatable; also <=, >, >=); METRIC is a\n"
    "                         summary.csv column, or p99_latency (p99_s), cost\n"
    "                         (cost_usd); any --slo replaces the scenario's SLO\n"
    "  --minimize METRIC      what to minimize (default cost, i.e. cost_usd)\n"
    "  --replications R       replications per configuration (default 5, at least 2)\n"
    "  --confirm R            fresh replications to confirm with (default: R; 0: none)\n"
    "  --no-prune             run every configuration (by default, when a\n"
    "                         services.*.desired_count is varied, each line of it\n"
    "                         is bisected for the fewest tasks meeting the SLO)\n"
    "  -j, --jobs N           runs at once (default: the number of online CPUs)\n"
    "  -o, --out DIR          output directory (default results/<FILE's name>-plan)\n"
    "  --seed N, --set PATH=VALUE   as for ecsim run (--set slo.* changes the SLO)\n"
    "  -q, --quiet            print nothing\n"
    "  -h, --help             this help\n";

/* ---- SLO terms ---- */

const char *plan_metric_name(const char *name)
{
    if (strcmp(name, "p99_latency") == 0 || strcmp(name, "p99_latency_s") == 0) return "p99_s";
    if (strcmp(name, "cost") == 0) return "cost_usd";
    return name;
}

static const char *op_text(plan_op op)
{
    static const char *const t[] = {"<", "<=", ">", ">="};
    return t[op];
}

int plan_parse_slo(const char *text, plan_slo *out, ecs_err *e)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (*p == ' ') p++;
    size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
    const char *q = p + n;
    while (*q == ' ') q++;
    int ok = n > 0 && n < sizeof out->metric && (*q == '<' || *q == '>');
    if (ok) {
        int lt = *q == '<';
        q++;
        int eq = *q == '=';
        if (eq) q++;
        out->op = lt ? (eq ? PLAN_LE : PLAN_LT) : (eq ? PLAN_GE : PLAN_GT);
        char *end;
        errno = 0;
        out->bound = strtod(q, &end);
        while (*end == ' ') end++;
        ok = end != q && !*end && !errno && isfinite(out->bound);
    }
    if (!ok)
        return err_set(e, ECS_EINPUT,
                       "--slo: \"%s\": expected METRIC<VALUE, METRIC<=VALUE, METRIC>VALUE or "
                       "METRIC>=VALUE (e.g. 'p99_latency<0.2')",
                       text);
    char name[sizeof out->metric];
    memcpy(name, p, n);
    name[n] = '\0';
    snprintf(out->metric, sizeof out->metric, "%s", plan_metric_name(name));
    return ECS_OK;
}

/* how far an interval bound is from the SLO bound: <= 1 within it */
static double ratio(double upper, double slo)
{
    if (isnan(upper)) return INFINITY;
    if (slo > 0) return upper / slo;
    return upper > 0 ? INFINITY : 0;
}

int plan_slo_holds(const plan_slo *slo, int n_slo, const double (*v)[3], double *shortfall)
{
    int ok = 1;
    double worst = 0;
    for (int i = 0; i < n_slo; i++) {
        double b = slo[i].bound;
        int upper = slo[i].op == PLAN_LT || slo[i].op == PLAN_LE;
        double x = v[i][upper ? 2 : 1];
        int hold = !isnan(x) && (slo[i].op == PLAN_LT   ? x < b
                                 : slo[i].op == PLAN_LE ? x <= b
                                 : slo[i].op == PLAN_GT ? x > b
                                                        : x >= b);
        ok = ok && hold;
        double r = upper ? ratio(x, b) : isnan(x) ? INFINITY : ratio(b, x > 0 ? x : 0);
        if (upper == 0 && !isnan(x) && x <= 0 && b <= 0) r = hold ? 0 : INFINITY;
        worst = fmax(worst, r);
    }
    if (shortfall) *shortfall = worst;
    return ok;
}

/* ---- the verdict ---- */

/* a before b: lower mean obj, then lower mean p99_s, then lower config */
static int row_cmp(const void *pa, const void *pb)
{
    const plan_row *a = *(const plan_row *const *) pa, *b = *(const plan_row *const *) pb;
    if (a->obj[0] != b->obj[0]) return a->obj[0] < b->obj[0] ? -1 : 1;
    if (a->p99[0] != b->p99[0]) return a->p99[0] < b->p99[0] ? -1 : 1;
    return (a->config > b->config) - (a->config < b->config);
}

int plan_rank(plan_row *rows, int n, const plan_slo *slo, int n_slo)
{
    plan_row **f = xcalloc((size_t) n + 1, sizeof *f);
    int nf = 0;
    for (int i = 0; i < n; i++) {
        plan_row *r = &rows[i];
        r->feasible = plan_slo_holds(slo, n_slo, (const double(*)[3]) r->slo, &r->shortfall) &&
                      !isnan(r->obj[0]) && !isnan(r->p99[0]);
        r->rank = 0;
        if (r->feasible) f[nf++] = r;
    }
    qsort(f, (size_t) nf, sizeof *f, row_cmp);
    for (int i = 0; i < nf; i++) f[i]->rank = i + 1;
    free(f);
    return nf;
}

int plan_frontier(const plan_row *rows, int n, int *on)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        const plan_row *a = &rows[i];
        on[i] = !isnan(a->obj[0]) && !isnan(a->p99[0]);
        for (int j = 0; on[i] && j < n; j++) {
            const plan_row *b = &rows[j];
            if (isnan(b->obj[0]) || isnan(b->p99[0])) continue;
            if (b->obj[0] <= a->obj[0] && b->p99[0] <= a->p99[0] &&
                (b->obj[0] < a->obj[0] || b->p99[0] < a->p99[0]))
                on[i] = 0;
        }
        k += on[i];
    }
    return k;
}

/* ---- the run ---- */

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static void cfg_label(const sweep_table *t, int c, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int d = 0; d < t->n_dims && at < len; d++)
        at += (size_t) snprintf(buf + at, len - at, "%s%s=%s", d ? ", " : "", t->paths[d],
                                t->values[(size_t) c * (size_t) t->n_dims + (size_t) d]);
}

/* What plan_run works with: the SLO, the minimized metric, the columns. */
typedef struct plan_ctx {
    plan_slo slo[PLAN_MAX_SLO];
    int n_slo;
    int slo_given; /* from --slo, not the scenario */
    char minimize[128];
    uint64_t seed;
    int confirm;                 /* fresh replications per confirmation */
    int slo_extra[PLAN_MAX_SLO]; /* term i's metric not already obj or p99_s */
} plan_ctx;

static void csv_ci(csvw *w, const double v[3])
{
    for (int i = 0; i < 3; i++) csvw_real(w, v[i]);
}

static void csv_ci_head(csvw *w, const char *name)
{
    char b[160];
    csvw_str(w, name);
    snprintf(b, sizeof b, "%s_ci_low", name);
    csvw_str(w, b);
    snprintf(b, sizeof b, "%s_ci_high", name);
    csvw_str(w, b);
}

static void write_plan_csv(const plan_ctx *x, const sweep_table *t, const plan_row *rows, FILE *fp)
{
    csvw w;
    csvw_init(&w, fp);
    csvw_str(&w, "config");
    for (int d = 0; d < t->n_dims; d++) csvw_str(&w, t->paths[d]);
    csvw_str(&w, "replications");
    csv_ci_head(&w, x->minimize);
    if (strcmp(x->minimize, "p99_s") != 0) csv_ci_head(&w, "p99_s");
    for (int i = 0; i < x->n_slo; i++)
        if (x->slo_extra[i]) csv_ci_head(&w, x->slo[i].metric);
    csvw_str(&w, "feasible");
    csvw_str(&w, "rank");
    csvw_str(&w, "confirmed");
    csvw_str(&w, "pruned");
    csvw_end(&w);
    for (int c = 0; c < t->n_configs; c++) {
        const plan_row *r = &rows[c];
        csvw_int(&w, r->config);
        for (int d = 0; d < t->n_dims; d++)
            csvw_str(&w, t->values[(size_t) c * (size_t) t->n_dims + (size_t) d]);
        csvw_int(&w, r->pruned ? 0 : t->reps);
        csv_ci(&w, r->obj);
        if (strcmp(x->minimize, "p99_s") != 0) csv_ci(&w, r->p99);
        for (int i = 0; i < x->n_slo; i++)
            if (x->slo_extra[i]) csv_ci(&w, r->slo[i]);
        if (r->pruned)
            csvw_str(&w, r->pruned > 0 ? "true" : "false");
        else
            csvw_bool(&w, r->feasible);
        if (r->rank)
            csvw_int(&w, r->rank);
        else
            csvw_str(&w, "");
        if (r->confirmed >= 0)
            csvw_bool(&w, r->confirmed);
        else
            csvw_str(&w, "");
        if (r->pruned) {
            char why[96];
            snprintf(why, sizeof why,
                     r->pruned < 0 ? "fewer tasks than config %d (which fails)"
                                   : "more tasks than config %d (which meets the SLO for less)",
                     r->pruned_by);
            csvw_str(&w, why);
        } else {
            csvw_str(&w, "");
        }
        csvw_end(&w);
    }
}

static void write_frontier_csv(const plan_ctx *x, const sweep_table *t, const plan_row *rows,
                               const int *on, FILE *fp)
{
    csvw w;
    csvw_init(&w, fp);
    csvw_str(&w, "config");
    for (int d = 0; d < t->n_dims; d++) csvw_str(&w, t->paths[d]);
    csvw_str(&w, x->minimize);
    if (strcmp(x->minimize, "p99_s") != 0) csvw_str(&w, "p99_s");
    csvw_str(&w, "p99_s_ci_high");
    csvw_str(&w, "feasible");
    csvw_str(&w, "rank");
    csvw_end(&w);
    const plan_row **f = xcalloc((size_t) t->n_configs + 1, sizeof *f);
    int n = 0;
    for (int c = 0; c < t->n_configs; c++)
        if (on[c]) f[n++] = &rows[c];
    qsort(f, (size_t) n, sizeof *f, row_cmp);
    for (int i = 0; i < n; i++) {
        const plan_row *r = f[i];
        int c = r->config - 1;
        csvw_int(&w, r->config);
        for (int d = 0; d < t->n_dims; d++)
            csvw_str(&w, t->values[(size_t) c * (size_t) t->n_dims + (size_t) d]);
        csvw_real(&w, r->obj[0]);
        if (strcmp(x->minimize, "p99_s") != 0) csvw_real(&w, r->p99[0]);
        csvw_real(&w, r->p99[2]);
        csvw_bool(&w, r->feasible);
        if (r->rank)
            csvw_int(&w, r->rank);
        else
            csvw_str(&w, "");
        csvw_end(&w);
    }
    free(f);
}

static void print_ci(FILE *out, const char *name, const double v[3], int first)
{
    fprintf(out, "%s%s %.6g [%.6g, %.6g]", first ? "    " : ", ", name, v[0], v[1], v[2]);
}

static void print_values(const plan_ctx *x, const double obj[3], const double p99[3],
                         const double (*slo)[3], FILE *out)
{
    print_ci(out, x->minimize, obj, 1);
    if (strcmp(x->minimize, "p99_s") != 0) print_ci(out, "p99_s", p99, 0);
    for (int i = 0; i < x->n_slo; i++)
        if (x->slo_extra[i]) print_ci(out, x->slo[i].metric, slo[i], 0);
    fputc('\n', out);
}

static void print_row(const plan_ctx *x, const sweep_table *t, const plan_row *r, const char *what,
                      FILE *out)
{
    char label[2048];
    cfg_label(t, r->config - 1, label, sizeof label);
    fprintf(out, "  %s: config %d (%s)\n", what, r->config, label);
    print_values(x, r->obj, r->p99, (const double(*)[3]) r->slo, out);
}

/* ---- confirmation ---- */

/* One confirmation: R fresh replications of config c, run one at a time in
 * scratch, each term's interval in v, obj and p99 likewise. */
static int confirm_config(const plan_opts *o, const plan_ctx *x, const sweep_table *t, int c,
                          const char *scratch, double (*v)[3], double obj[3], double p99[3],
                          ecs_err *e)
{
    int n_sets = o->run.n_sets + t->n_dims;
    const char **sets = xcalloc((size_t) n_sets + 1, sizeof *sets);
    char **own = xcalloc((size_t) t->n_dims + 1, sizeof *own);
    for (int i = 0; i < o->run.n_sets; i++) sets[i] = o->run.sets[i];
    for (int d = 0; d < t->n_dims; d++) {
        const char *val = t->values[(size_t) c * (size_t) t->n_dims + (size_t) d];
        size_t len = strlen(t->paths[d]) + strlen(val) + 2;
        own[d] = xcalloc(len, 1);
        snprintf(own[d], len, "%s=%s", t->paths[d], val);
        sets[o->run.n_sets + d] = own[d];
    }
    /* one configuration through the sweep's pool (or MPI ranks), on seeds
     * disjoint from the sweep's */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/confirm-c%d", scratch, c + 1);
    sweep_opts so;
    memset(&so, 0, sizeof so);
    so.run = o->run;
    so.run.sets = sets;
    so.run.n_sets = n_sets;
    so.run.seed_given = 1;
    so.run.seed = x->seed;
    so.run.out_dir = dir;
    so.run.quiet = 1;
    so.replications = x->confirm;
    so.jobs = o->jobs;
    so.seed_offset = PLAN_CONFIRM_OFFSET;
    so.single = 1;
    sweep_table ct;
    int rc = sweep_run_table(&so, stderr, &ct, e);
    if (rc == ECS_OK && !ct.served) {
        int n_cols = x->n_slo + 2;
        for (int m = 0; m < n_cols; m++) {
            const char *name = m == 0 ? x->minimize : m == 1 ? "p99_s" : x->slo[m - 2].metric;
            double *dst = m == 0 ? obj : m == 1 ? p99 : v[m - 2];
            int at = sweep_table_metric(&ct, name);
            if (at < 0) {
                rc = err_set(e, ECS_EINTERNAL, "plan: the confirmation lacks %s", name);
                break;
            }
            memcpy(dst, &ct.ci[(size_t) at * 3], 3 * sizeof *dst);
        }
    }
    sweep_table_free(&ct);
    replicate_rmtree(dir);
    for (int d = 0; d < t->n_dims; d++) free(own[d]);
    free(own);
    free(sets);
    return rc;
}

/* ---- checking names before anything runs ---- */

/* A run capped at the start in scratch: the summary.csv columns this
 * scenario writes, to check --slo and --minimize names against. */
static int check_metrics(const plan_opts *o, const plan_ctx *x, const char *scratch, ecs_err *e)
{
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/probe", scratch);
    run_opts one = o->run;
    one.out_dir = dir;
    one.quiet = 1;
    one.until_s = 0;
    int rc = run_scenario(&one, stderr, NULL, e);
    if (rc != ECS_OK) return rc;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    replicate_row row;
    rc = replicate_read_row(path, &row, e);
    if (rc != ECS_OK) return rc;
    for (int m = -1; rc == ECS_OK && m < x->n_slo; m++) {
        const char *name = m < 0 ? x->minimize : x->slo[m].metric;
        int found = 0;
        for (int j = 0; j < row.n; j++) found |= strcmp(row.names[j], name) == 0;
        if (!found || replicate_is_meta(name))
            rc = err_set(e, ECS_EINPUT, "%s: %s: not a measured column of summary.csv%s",
                         m < 0 ? "--minimize" : "--slo", name,
                         found ? "" : " (e.g. p99_s, error_rate, cost_usd, cpu_util_pct)");
    }
    replicate_row_free(&row);
    replicate_rmtree(dir);
    return rc;
}

/* the path of "PATH=SPEC" starts with slo. */
static int varies_slo(const char *vary)
{
    return strncmp(vary, "slo.", 4) == 0;
}

static void print_slo(const plan_ctx *x, FILE *out)
{
    fprintf(out, "  SLO (%s, at the pessimistic end of the 95%% CI):",
            x->slo_given ? "--slo" : "the scenario's");
    for (int i = 0; i < x->n_slo; i++)
        fprintf(out, "%s %s %s %g", i ? "," : "", x->slo[i].metric, op_text(x->slo[i].op),
                x->slo[i].bound);
    fprintf(out, "; minimize %s\n", x->minimize);
}

/* An MPI worker rank after the grid: serves each confirmation sweep rank 0
 * asks for. */
static int serve_confirmations(const plan_opts *o, const plan_ctx *x, const sweep_table *t,
                               const char *scratch, ecs_err *e)
{
    double v[PLAN_MAX_SLO][3], obj[3], p99[3];
    for (int c; (c = plan_share(-1)) >= 0;)
        if (c < t->n_configs) confirm_config(o, x, t, c, scratch, v, obj, p99, e);
    return ECS_OK;
}

int plan_run(const plan_opts *o, FILE *out, ecs_err *e)
{
    if (o->replications < 2 || o->replications > REPLICATE_LIMIT)
        return err_set(e, ECS_EINPUT, "--replications: expected an integer in [2, %d]",
                       REPLICATE_LIMIT);
    if (o->confirm == 1 || o->confirm > REPLICATE_LIMIT)
        return err_set(e, ECS_EINPUT, "--confirm: expected 0 or an integer in [2, %d]",
                       REPLICATE_LIMIT);
    if (o->n_vary < 1)
        return err_set(e, ECS_EINPUT, "plan: expected at least one --vary PATH=SPEC");
    for (int i = 0; i < o->n_vary; i++)
        if (varies_slo(o->vary[i]))
            return err_set(e, ECS_EINPUT,
                           "--vary: %.*s: the SLO is what plan meets, not a parameter to vary "
                           "(use --set or --slo)",
                           (int) strcspn(o->vary[i], "="), o->vary[i]);
    if (o->n_slo > PLAN_MAX_SLO)
        return err_set(e, ECS_EINPUT, "--slo: at most %d terms", PLAN_MAX_SLO);
    plan_ctx *x = xcalloc(1, sizeof *x);
    for (int i = 0; i < o->n_slo; i++)
        if (plan_parse_slo(o->slo[i], &x->slo[i], e) != ECS_OK) {
            free(x);
            return e->code;
        }
    x->n_slo = o->n_slo;
    x->slo_given = o->n_slo > 0;
    if (o->minimize &&
        (!*o->minimize || strlen(o->minimize) >= sizeof x->minimize ||
         strspn(o->minimize, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
             strlen(o->minimize))) {
        free(x);
        return err_set(e, ECS_EINPUT, "--minimize: \"%s\": expected a metric name (e.g. cost)",
                       o->minimize);
    }
    snprintf(x->minimize, sizeof x->minimize, "%s",
             plan_metric_name(o->minimize ? o->minimize : "cost"));
    x->confirm = o->confirm < 0 ? o->replications : o->confirm;

    params *p = run_load_params(o->run.scenario, o->run.sets, o->run.n_sets, e);
    if (!p) {
        free(x);
        return e->code;
    }
    if (!x->slo_given) {
        x->n_slo = 2;
        snprintf(x->slo[0].metric, sizeof x->slo[0].metric, "p99_s");
        x->slo[0].op = PLAN_LE;
        x->slo[0].bound = params_real(p, "slo.p99_latency_s");
        snprintf(x->slo[1].metric, sizeof x->slo[1].metric, "error_rate");
        x->slo[1].op = PLAN_LE;
        x->slo[1].bound = params_real(p, "slo.error_rate");
    }
    x->seed = o->run.seed_given ? o->run.seed : (uint64_t) params_int(p, "run.seed");
    params_free(p);
    for (int i = 0; i < x->n_slo; i++) {
        x->slo_extra[i] =
            strcmp(x->slo[i].metric, x->minimize) != 0 && strcmp(x->slo[i].metric, "p99_s") != 0;
        for (int j = 0; j < i; j++)
            if (strcmp(x->slo[i].metric, x->slo[j].metric) == 0) x->slo_extra[i] = 0;
    }

    /* the probe and the confirmation runs go to a scratch directory outside
     * DIR, so that a bad --slo name leaves nothing behind */
    const char *tmp = getenv("TMPDIR");
    char scratch[4096];
    snprintf(scratch, sizeof scratch, "%s/ecsim-plan.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        free(x);
        return err_set(e, ECS_EIO, "%s: %s", scratch, strerror(errno));
    }
    int rc = check_metrics(o, x, scratch, e);
    if (rc != ECS_OK) {
        replicate_rmtree(scratch);
        free(x);
        return rc;
    }

    char dir[4096];
    if (o->run.out_dir)
        snprintf(dir, sizeof dir, "%s", o->run.out_dir);
    else {
        run_default_out_dir(o->run.scenario, dir, sizeof dir - 8);
        strcat(dir, "-plan");
    }
    sweep_opts so;
    memset(&so, 0, sizeof so);
    so.run = o->run;
    so.run.out_dir = dir;
    so.run.quiet = 1;
    so.vary = o->vary;
    so.n_vary = o->n_vary;
    so.replications = o->replications;
    so.jobs = o->jobs;
    sweep_table t, shape;
    memset(&t, 0, sizeof t);
    int *pruned = NULL, *by = NULL, dim = -1, broken = 0;
    double wall0 = wall_now();
    rc = sweep_table_shape(&so, &shape, e);
    if (rc == ECS_OK) {
        pruned = xcalloc((size_t) shape.n_configs + 1, sizeof *pruned);
        by = xcalloc((size_t) shape.n_configs + 1, sizeof *by);
        dim = o->no_prune ? -1 : plan_search_dim(&shape);
        plan_goal goal = {x->slo, x->n_slo, x->minimize};
        rc = plan_search(&goal, &so, out, &shape, dim, &t, pruned, by, &broken, e);
    }
    sweep_table_free(&shape);
    double wall_s = wall_now() - wall0;
    if (rc != ECS_OK) {
        plan_share(-1);
        free(pruned);
        free(by);
        sweep_table_free(&t);
        replicate_rmtree(scratch);
        free(x);
        return rc;
    }
    if (t.served) {
        rc = serve_confirmations(o, x, &t, scratch, e);
        free(pruned);
        free(by);
        sweep_table_free(&t);
        replicate_rmtree(scratch);
        free(x);
        return rc;
    }
    int mo = sweep_table_metric(&t, x->minimize), mp = sweep_table_metric(&t, "p99_s");
    int ms[PLAN_MAX_SLO];
    int missing = mo < 0 || mp < 0 || t.n_configs < 1;
    for (int i = 0; i < x->n_slo; i++) {
        ms[i] = sweep_table_metric(&t, x->slo[i].metric);
        missing |= ms[i] < 0;
    }
    if (missing) {
        plan_share(-1);
        free(pruned);
        free(by);
        sweep_table_free(&t);
        replicate_rmtree(scratch);
        free(x);
        return err_set(e, ECS_EINTERNAL, "plan: the runs' summaries lack a metric named");
    }
    plan_row *rows = xcalloc((size_t) t.n_configs, sizeof *rows);
    for (int c = 0; c < t.n_configs; c++) {
        const double *base = &t.ci[(size_t) c * (size_t) t.n_metrics * 3];
        rows[c].config = c + 1;
        rows[c].confirmed = -1;
        rows[c].pruned = pruned[c];
        rows[c].pruned_by = by[c];
        memcpy(rows[c].obj, base + (size_t) mo * 3, sizeof rows[c].obj);
        memcpy(rows[c].p99, base + (size_t) mp * 3, sizeof rows[c].p99);
        for (int i = 0; i < x->n_slo; i++)
            memcpy(rows[c].slo[i], base + (size_t) ms[i] * 3, sizeof rows[c].slo[i]);
    }
    int nf = plan_rank(rows, t.n_configs, x->slo, x->n_slo);

    /* confirmation: the ranked feasible configurations in order, at most
     * PLAN_CONFIRM_TRIES, each on the same fresh seeds */
    int tried[PLAN_CONFIRM_TRIES], n_tried = 0, answer = -1;
    double cv[PLAN_CONFIRM_TRIES][PLAN_MAX_SLO][3], cobj[PLAN_CONFIRM_TRIES][3],
        cp99[PLAN_CONFIRM_TRIES][3];
    for (int r = 1;
         x->confirm > 0 && rc == ECS_OK && answer < 0 && r <= nf && n_tried < PLAN_CONFIRM_TRIES;
         r++) {
        int c = 0;
        while (rows[c].rank != r) c++;
        plan_share(c);
        rc = confirm_config(o, x, &t, c, scratch, cv[n_tried], cobj[n_tried], cp99[n_tried], e);
        if (rc != ECS_OK) break;
        rows[c].confirmed =
            plan_slo_holds(x->slo, x->n_slo, (const double(*)[3]) cv[n_tried], NULL);
        if (rows[c].confirmed) answer = c;
        tried[n_tried++] = c;
    }
    plan_share(-1);
    replicate_rmtree(scratch);

    int *on = xcalloc((size_t) t.n_configs, sizeof *on);
    int n_front = plan_frontier(rows, t.n_configs, on);
    if (rc == ECS_OK) {
        afile *f = afile_open(dir, "plan.csv", e);
        rc = f ? ECS_OK : e->code;
        if (f) {
            write_plan_csv(x, &t, rows, afile_fp(f));
            rc = afile_commit(f, e);
        }
    }
    if (rc == ECS_OK) {
        afile *f = afile_open(dir, "frontier.csv", e);
        rc = f ? ECS_OK : e->code;
        if (f) {
            write_frontier_csv(x, &t, rows, on, afile_fp(f));
            rc = afile_commit(f, e);
        }
    }
    if (rc == ECS_OK && !o->run.quiet) {
        int cost = strcmp(x->minimize, "cost_usd") == 0;
        int n_pruned = 0, n_below = 0;
        for (int c = 0; c < t.n_configs; c++) {
            n_pruned += rows[c].pruned != 0;
            n_below += rows[c].pruned < 0;
        }
        int n_eval = t.n_configs - n_pruned;
        fprintf(out, "ecsim %s plan: %s, %d configurations x %d replications = %d runs in %.2f s\n",
                ECSIM_VERSION, o->run.scenario, n_eval, t.reps, n_eval * t.reps, wall_s);
        if (dim >= 0)
            fprintf(out,
                    "  pruned %d of %d configurations by monotonicity in %s (%d with fewer tasks "
                    "than a failing one, %d with more than a cheaper feasible one); %d %s "
                    "contradicted it and %s run whole\n",
                    n_pruned, t.n_configs, t.paths[dim], n_below, n_pruned - n_below, broken,
                    broken == 1 ? "line" : "lines", broken == 1 ? "was" : "were");
        print_slo(x, out);
        const plan_row *first = NULL, *second = NULL, *close = NULL;
        for (int c = 0; c < t.n_configs; c++) {
            const plan_row *r = &rows[c];
            if (r->rank == 1) first = r;
            if (r->rank == 2) second = r;
            if (r->pruned) continue;
            if (!close || r->shortfall < close->shortfall ||
                (r->shortfall == close->shortfall && r->obj[0] < close->obj[0]))
                close = r;
        }
        if (first) {
            fprintf(out, "  %d of %d configurations %smeet the SLO\n", nf, n_eval,
                    n_pruned ? "run " : "");
            print_row(x, &t, first, cost ? "cheapest" : "best", out);
            if (second)
                print_row(x, &t, second, "runner-up", out);
            else
                fprintf(out, "  runner-up: none\n");
            for (int i = 0; i < n_tried; i++) {
                const plan_row *r = &rows[tried[i]];
                fprintf(out,
                        "  confirmation %d: config %d (rank %d) %s the SLO on %d fresh "
                        "replications\n",
                        i + 1, r->config, r->rank, r->confirmed ? "holds" : "fails", x->confirm);
                print_values(x, cobj[i], cp99[i], (const double(*)[3]) cv[i], out);
            }
            if (answer >= 0) {
                char label[2048];
                cfg_label(&t, answer, label, sizeof label);
                fprintf(out, "  answer: config %d (%s)%s\n", answer + 1, label,
                        rows[answer].rank > 1 ? ", not the first ranked: it failed confirmation"
                                              : ", confirmed");
            } else if (x->confirm > 0) {
                fprintf(out,
                        "  answer: none confirmed in %d %s; config %d meets the SLO on the "
                        "sweep only\n",
                        n_tried, n_tried == 1 ? "try" : "tries", first->config);
            }
        } else {
            fprintf(out, "  no configuration meets the SLO with 95%% confidence\n");
            if (close) print_row(x, &t, close, "closest", out);
        }
        fprintf(out, "  frontier: %d of %d configurations (%s vs p99_s) in frontier.csv\n", n_front,
                t.n_configs, x->minimize);
        fprintf(out, "  results: %s/plan.csv (runs in sweep.csv, aggregate.csv)\n", dir);
    }
    free(on);
    free(rows);
    free(pruned);
    free(by);
    sweep_table_free(&t);
    free(x);
    return rc;
}

/* ---- the command line ---- */

static int usage_error(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line naming the option, then where to read more: exit status 2. */
static int usage_error(FILE *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ecsim: ", err);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fputs("\n(see ecsim plan --help)\n", err);
    return 2;
}

/* "--opt VALUE" or "--opt=VALUE"; NULL when a is not this option */
static const char *opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
                             int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(lng);
    *missing = 0;
    if (strncmp(a, lng, n) == 0 && a[n] == '=') return a + n + 1;
    if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
        if (*i + 1 >= argc) {
            *missing = 1;
            return NULL;
        }
        return argv[++*i];
    }
    return NULL;
}

static int parse_count(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-') return -1;
    *out = strtoull(s, &end, 10);
    return errno || *end ? -1 : 0;
}

static int plan_parse(int argc, char **argv, plan_opts *o, const char **sets, const char **vary,
                      const char **slo, FILE *out, FILE *err)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing;
        unsigned long long n = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_plan, out);
            return -1;
        } else if ((v = opt_value(argc, argv, &i, "--out", "-o", &missing))) {
            o->run.out_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--set", NULL, &missing))) {
            sets[o->run.n_sets++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--vary", NULL, &missing))) {
            vary[o->n_vary++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--slo", NULL, &missing))) {
            plan_slo one;
            ecs_err e;
            err_clear(&e);
            if (plan_parse_slo(v, &one, &e) != ECS_OK) return usage_error(err, "%s", e.msg);
            if (o->n_slo >= PLAN_MAX_SLO)
                return usage_error(err, "--slo: at most %d terms", PLAN_MAX_SLO);
            slo[o->n_slo++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--minimize", NULL, &missing))) {
            o->minimize = v;
        } else if ((v = opt_value(argc, argv, &i, "--confirm", NULL, &missing))) {
            if (parse_count(v, &n) != 0 || n == 1 || n > REPLICATE_LIMIT)
                return usage_error(err,
                                   "--confirm: expected 0 or an integer in [2, %d], got \"%s\"",
                                   REPLICATE_LIMIT, v);
            o->confirm = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--seed", NULL, &missing))) {
            if (parse_count(v, &n) != 0 || n > 9007199254740992ULL)
                return usage_error(err, "--seed: expected an integer in [0, 2^53], got \"%s\"", v);
            o->run.seed = n;
            o->run.seed_given = 1;
        } else if ((v = opt_value(argc, argv, &i, "--replications", NULL, &missing))) {
            if (parse_count(v, &n) != 0 || n < 2 || n > REPLICATE_LIMIT)
                return usage_error(err,
                                   "--replications: expected an integer in [2, %d], got \"%s\"",
                                   REPLICATE_LIMIT, v);
            o->replications = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--jobs", "-j", &missing))) {
            if (parse_count(v, &n) != 0 || n < 1 || n > SWEEP_MAX_JOBS)
                return usage_error(err, "-j: expected an integer in [1, %d], got \"%s\"",
                                   SWEEP_MAX_JOBS, v);
            o->jobs = (int) n;
        } else if (missing) {
            return usage_error(err, "%s: expected a value", a);
        } else if (strcmp(a, "--no-prune") == 0) {
            o->no_prune = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->run.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return usage_error(err, "plan: unknown option %s", a);
        } else if (!o->run.scenario) {
            o->run.scenario = a;
        } else {
            return usage_error(err, "plan: one scenario file at a time, got another: %s", a);
        }
    }
    if (!o->run.scenario) return usage_error(err, "plan: expected a scenario FILE");
    return 0;
}

int plan_main(int argc, char **argv, FILE *out, FILE *err)
{
    plan_opts o;
    memset(&o, 0, sizeof o);
    o.run.until_s = INFINITY;
    o.replications = PLAN_DEFAULT_REPLICATIONS;
    o.confirm = -1;
    const char **sets = xcalloc((size_t) argc + 1, sizeof *sets);
    const char **vary = xcalloc((size_t) argc + 1, sizeof *vary);
    const char **slo = xcalloc((size_t) argc + 1, sizeof *slo);
    int rc = plan_parse(argc, argv, &o, sets, vary, slo, out, err);
    if (rc == 0) {
        o.run.sets = sets;
        o.vary = vary;
        o.slo = slo;
        ecs_err e;
        err_clear(&e);
        if (plan_run(&o, out, &e) != ECS_OK) {
            fprintf(err, "ecsim: %s\n", e.msg);
            rc = err_exit_code(e.code);
        }
    }
    free(sets);
    free(vary);
    free(slo);
    return rc < 0 ? 0 : rc;
}

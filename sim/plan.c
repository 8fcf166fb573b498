/* plan.c -- the capacity planner: the cheapest configuration of a --vary
 * grid that meets the scenario's SLO with 95% confidence.
 * Owns: `ecsim plan`'s options, the feasibility rule and ranking, plan.csv
 * and the answer printed. Every configuration of the grid is evaluated (no
 * pruning): R replications each through sweep_run_table, so replication k
 * of every configuration shares a seed (common random numbers) and the
 * runs use the sweep's process pool. A configuration is feasible when the
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
#include "sim/replicate.h"
#include "sim/sweep.h"
#include "sim/version.h"

static const char usage_plan[] =
    "usage: ecsim plan FILE --vary PATH=SPEC [--vary ...] [options]\n"
    "\n"
    "Finds the cheapest configuration of the --vary grid that meets the\n"
    "scenario's SLO (slo.p99_latency_s, slo.error_rate) with 95% confidence:\n"
    "every configuration runs R replications with common random numbers, and\n"
    "is feasible when the upper end of the 95% interval of p99_s and of\n"
    "error_rate are within the SLO. Writes DIR/plan.csv (every configuration,\n"
    "feasible or not, ranked by mean cost_usd) beside the sweep's sweep.csv\n"
    "and aggregate.csv, and prints the winner and the runner-up.\n"
    "\n"
    "SPEC: as for ecsim sweep (A:B, A:B:STEP, V1,V2,..., log:A:B:N).\n"
    "\n"
    "options:\n"
    "  --vary PATH=SPEC       vary a parameter (repeatable; the full grid)\n"
    "  --replications R       replications per configuration (default 5, at least 2)\n"
    "  -j, --jobs N           runs at once (default: the number of online CPUs)\n"
    "  -o, --out DIR          output directory (default results/<FILE's name>-plan)\n"
    "  --seed N, --set PATH=VALUE   as for ecsim run (--set slo.* changes the SLO)\n"
    "  -q, --quiet            print nothing\n"
    "  -h, --help             this help\n";

/* ---- the verdict ---- */

static double ratio(double upper, double slo)
{
    if (isnan(upper)) return INFINITY;
    if (slo > 0) return upper / slo;
    return upper > 0 ? INFINITY : 0;
}

/* a before b: lower mean cost, then lower mean p99_s, then lower config */
static int row_cmp(const void *pa, const void *pb)
{
    const plan_row *a = *(const plan_row *const *) pa, *b = *(const plan_row *const *) pb;
    if (a->cost[0] != b->cost[0]) return a->cost[0] < b->cost[0] ? -1 : 1;
    if (a->p99[0] != b->p99[0]) return a->p99[0] < b->p99[0] ? -1 : 1;
    return (a->config > b->config) - (a->config < b->config);
}

int plan_rank(plan_row *rows, int n, double slo_p99_s, double slo_error_rate)
{
    plan_row **f = xcalloc((size_t) n + 1, sizeof *f);
    int nf = 0;
    for (int i = 0; i < n; i++) {
        plan_row *r = &rows[i];
        r->shortfall = fmax(ratio(r->p99[2], slo_p99_s), ratio(r->err[2], slo_error_rate));
        r->feasible = !isnan(r->p99[2]) && r->p99[2] <= slo_p99_s && !isnan(r->err[2]) &&
                      r->err[2] <= slo_error_rate && !isnan(r->cost[0]) && !isnan(r->p99[0]);
        r->rank = 0;
        if (r->feasible) f[nf++] = r;
    }
    qsort(f, (size_t) nf, sizeof *f, row_cmp);
    for (int i = 0; i < nf; i++) f[i]->rank = i + 1;
    free(f);
    return nf;
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

static void write_plan_csv(const sweep_table *t, const plan_row *rows, FILE *fp)
{
    csvw w;
    csvw_init(&w, fp);
    static const char *const head[] = {"replications",
                                       "cost_usd",
                                       "p99_s",
                                       "p99_s_ci_low",
                                       "p99_s_ci_high",
                                       "error_rate",
                                       "error_rate_ci_low",
                                       "error_rate_ci_high",
                                       "feasible",
                                       "rank"};
    csvw_str(&w, "config");
    for (int d = 0; d < t->n_dims; d++) csvw_str(&w, t->paths[d]);
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) csvw_str(&w, head[i]);
    csvw_end(&w);
    for (int c = 0; c < t->n_configs; c++) {
        const plan_row *r = &rows[c];
        csvw_int(&w, r->config);
        for (int d = 0; d < t->n_dims; d++)
            csvw_str(&w, t->values[(size_t) c * (size_t) t->n_dims + (size_t) d]);
        csvw_int(&w, t->reps);
        csvw_real(&w, r->cost[0]);
        for (int i = 0; i < 3; i++) csvw_real(&w, r->p99[i]);
        for (int i = 0; i < 3; i++) csvw_real(&w, r->err[i]);
        csvw_bool(&w, r->feasible);
        if (r->rank)
            csvw_int(&w, r->rank);
        else
            csvw_str(&w, "");
        csvw_end(&w);
    }
}

static void print_row(const sweep_table *t, const plan_row *r, const char *what, FILE *out)
{
    char label[2048];
    cfg_label(t, r->config - 1, label, sizeof label);
    fprintf(out, "  %s: config %d (%s)\n", what, r->config, label);
    fprintf(out,
            "    cost_usd %.6g, p99_s %.6g s, 95%% CI [%.6g, %.6g], error_rate %.6g (upper %.6g)\n",
            r->cost[0], r->p99[0], r->p99[1], r->p99[2], r->err[0], r->err[2]);
}

static void print_answer(const plan_opts *o, const sweep_table *t, const plan_row *rows, int nf,
                         double slo_p99, double slo_err, double wall_s, const char *dir, FILE *out)
{
    fprintf(out, "ecsim %s plan: %s, %d configurations x %d replications = %d runs in %.2f s\n",
            ECSIM_VERSION, o->run.scenario, t->n_configs, t->reps, t->n_configs * t->reps, wall_s);
    fprintf(out, "  SLO: p99_s <= %g s and error_rate <= %g at the upper end of the 95%% CI\n",
            slo_p99, slo_err);
    const plan_row *first = NULL, *second = NULL, *close = NULL;
    for (int c = 0; c < t->n_configs; c++) {
        const plan_row *r = &rows[c];
        if (r->rank == 1) first = r;
        if (r->rank == 2) second = r;
        if (!close || r->shortfall < close->shortfall ||
            (r->shortfall == close->shortfall && r->cost[0] < close->cost[0]))
            close = r;
    }
    if (first) {
        fprintf(out, "  %d of %d configurations meet the SLO\n", nf, t->n_configs);
        print_row(t, first, "cheapest", out);
        if (second)
            print_row(t, second, "runner-up", out);
        else
            fprintf(out, "  runner-up: none\n");
    } else {
        fprintf(out, "  no configuration meets the SLO with 95%% confidence\n");
        if (close) print_row(t, close, "closest", out);
    }
    fprintf(out, "  results: %s/plan.csv (runs in sweep.csv, aggregate.csv)\n", dir);
}

/* the path of "PATH=SPEC" starts with slo. */
static int varies_slo(const char *vary)
{
    return strncmp(vary, "slo.", 4) == 0;
}

int plan_run(const plan_opts *o, FILE *out, ecs_err *e)
{
    if (o->replications < 2 || o->replications > REPLICATE_LIMIT)
        return err_set(e, ECS_EINPUT, "--replications: expected an integer in [2, %d]",
                       REPLICATE_LIMIT);
    if (o->n_vary < 1)
        return err_set(e, ECS_EINPUT, "plan: expected at least one --vary PATH=SPEC");
    for (int i = 0; i < o->n_vary; i++)
        if (varies_slo(o->vary[i]))
            return err_set(e, ECS_EINPUT,
                           "--vary: %.*s: the SLO is what plan meets, not a parameter to vary "
                           "(use --set)",
                           (int) strcspn(o->vary[i], "="), o->vary[i]);
    params *p = run_load_params(o->run.scenario, o->run.sets, o->run.n_sets, e);
    if (!p) return e->code;
    double slo_p99 = params_real(p, "slo.p99_latency_s"),
           slo_err = params_real(p, "slo.error_rate");
    params_free(p);

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
    sweep_table t;
    double wall0 = wall_now();
    int rc = sweep_run_table(&so, out, &t, e);
    double wall_s = wall_now() - wall0;
    if (rc != ECS_OK) {
        sweep_table_free(&t);
        return rc;
    }
    int mc = sweep_table_metric(&t, "cost_usd"), mp = sweep_table_metric(&t, "p99_s"),
        me = sweep_table_metric(&t, "error_rate");
    if (mc < 0 || mp < 0 || me < 0 || t.n_configs < 1) {
        sweep_table_free(&t);
        return err_set(e, ECS_EINTERNAL,
                       "plan: the runs' summaries lack cost_usd, p99_s or "
                       "error_rate");
    }
    plan_row *rows = xcalloc((size_t) t.n_configs, sizeof *rows);
    for (int c = 0; c < t.n_configs; c++) {
        const double *base = &t.ci[(size_t) c * (size_t) t.n_metrics * 3];
        rows[c].config = c + 1;
        memcpy(rows[c].cost, base + (size_t) mc * 3, sizeof rows[c].cost);
        memcpy(rows[c].p99, base + (size_t) mp * 3, sizeof rows[c].p99);
        memcpy(rows[c].err, base + (size_t) me * 3, sizeof rows[c].err);
    }
    int nf = plan_rank(rows, t.n_configs, slo_p99, slo_err);
    afile *f = afile_open(dir, "plan.csv", e);
    rc = f ? ECS_OK : e->code;
    if (f) {
        write_plan_csv(&t, rows, afile_fp(f));
        rc = afile_commit(f, e);
    }
    if (rc == ECS_OK && !o->run.quiet)
        print_answer(o, &t, rows, nf, slo_p99, slo_err, wall_s, dir, out);
    free(rows);
    sweep_table_free(&t);
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
                      FILE *out, FILE *err)
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
    const char **sets = xcalloc((size_t) argc + 1, sizeof *sets);
    const char **vary = xcalloc((size_t) argc + 1, sizeof *vary);
    int rc = plan_parse(argc, argv, &o, sets, vary, out, err);
    if (rc == 0) {
        o.run.sets = sets;
        o.vary = vary;
        ecs_err e;
        err_clear(&e);
        if (plan_run(&o, out, &e) != ECS_OK) {
            fprintf(err, "ecsim: %s\n", e.msg);
            rc = err_exit_code(e.code);
        }
    }
    free(sets);
    free(vary);
    return rc < 0 ? 0 : rc;
}

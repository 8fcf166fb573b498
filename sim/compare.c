/* compare.c -- two configurations compared with common random numbers.
 * Owns: the seeds of a comparison (replication k of A and of B share
 * replicate_seed(seed, k); B's independent replications take seeds of their
 * own), the scratch directory the 3R runs go to, the paired Student-t
 * interval of B - A, the variance reduction (estimated and measured),
 * compare.csv and the table, and `ecsim compare`'s options.
 * Why pairing pays: every random stream is seeded from (seed, stream name)
 * (DESIGN.md), so A and B under one seed see the same arrivals and demands;
 * their outcomes move together, and var(B - A) = var(A) + var(B) -
 * 2 cov(A, B) is far below the var(A) + var(B) of independent runs. */
#include "sim/compare.h"

#include <errno.h>
#include <ftw.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/engine/afile.h"
#include "sim/engine/csvout.h"
#include "sim/engine/strdist.h"
#include "sim/engine/xmalloc.h"
#include "sim/replicate.h"
#include "sim/run.h"
#include "sim/version.h"

static const char usage_compare[] =
    "usage: ecsim compare A.yaml B.yaml [options]\n"
    "\n"
    "Runs R replications of scenarios A and B with common random numbers\n"
    "(replication k of both uses the same seed: the same arrivals and demands)\n"
    "and R more of B with independent seeds, then writes DIR/compare.csv: per\n"
    "metric the means, the paired difference B - A with its 95% confidence\n"
    "interval, whether it is significant, and the variance reduction that\n"
    "pairing gives over independent seeds.\n"
    "\n"
    "options:\n"
    "  --replications R  paired replications, R >= 2 (default 10)\n"
    "  --metric NAME     compare this summary.csv metric only (repeatable;\n"
    "                    default every numeric metric)\n"
    "  -o, --out DIR     output directory (default results/<A>-vs-<B>)\n"
    "  --seed N          base seed (default A's run.seed)\n"
    "  -q, --quiet       do not print the table\n"
    "  -h, --help        this help\n";

/* ---- statistics ---- */

static double mean_of(const double *x, int n)
{
    double s = 0;
    for (int k = 0; k < n; k++) s += x[k];
    return s / n;
}

/* Two passes: the squares about the mean lose nothing to cancellation when
 * the spread is small against the mean (latencies of 0.1 s varying by 1e-4). */
static double var_of(const double *x, int n)
{
    int constant = 1;
    for (int k = 1; constant && k < n; k++) constant = x[k] == x[0];
    /* exactly 0, not the rounding of a mean of equal values (0.2 ten times) */
    if (constant) return 0;
    double m = mean_of(x, n), ss = 0;
    for (int k = 0; k < n; k++) ss += (x[k] - m) * (x[k] - m);
    return ss / (n - 1);
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : NAN;
}

compare_stat compare_stats(const double *a, const double *b, const double *bi, int n)
{
    compare_stat s = {NAN, NAN, NAN, NAN, NAN, -1, NAN, NAN, NAN, NAN, NAN};
    for (int k = 0; k < n; k++)
        if (isnan(a[k]) || isnan(b[k]) || isnan(bi[k])) return s;
    double *d = xmalloc((size_t) n * sizeof *d), *du = xmalloc((size_t) n * sizeof *du);
    for (int k = 0; k < n; k++) {
        d[k] = b[k] - a[k];
        du[k] = bi[k] - a[k];
    }
    s.mean_a = mean_of(a, n);
    s.mean_b = mean_of(b, n);
    s.diff = mean_of(d, n);
    s.var_paired = var_of(d, n);
    double half = gsl_cdf_tdist_Pinv(0.975, (double) (n - 1)) * sqrt(s.var_paired / n);
    s.ci_low = s.diff - half;
    s.ci_high = s.diff + half;
    s.significant = s.ci_low > 0 || s.ci_high < 0;
    s.var_unpaired = var_of(a, n) + var_of(b, n);
    s.reduction = ratio(s.var_unpaired, s.var_paired);
    /* B' and A share no seed, so B'_k - A_k is a difference an unpaired
     * experiment would see: its sample variance checks the estimate above */
    s.var_unpaired_empirical = var_of(du, n);
    s.reduction_empirical = ratio(s.var_unpaired_empirical, s.var_paired);
    free(d);
    free(du);
    return s;
}

/* ---- the runs ---- */

enum { SIDE_A, SIDE_B, SIDE_BI, N_SIDES };
static const char *const side_name[N_SIDES] = {"a", "b", "b-independent"};

typedef struct runs {
    int r;
    replicate_row *rows[N_SIDES]; /* rows[side][k], k 0-based */
    int done[N_SIDES];
} runs;

static void runs_free(runs *x)
{
    for (int s = 0; s < N_SIDES; s++) {
        for (int k = 0; k < x->done[s]; k++) replicate_row_free(&x->rows[s][k]);
        free(x->rows[s]);
    }
}

static int col_of(const replicate_row *row, const char *name)
{
    for (int c = 0; c < row->n; c++)
        if (strcmp(row->names[c], name) == 0) return c;
    return -1;
}

/* A cell as a number: true/false as 1/0 (the fraction of replications in
 * which an SLO held), empty as NAN; *text set when it is neither. */
static double cell_value(const char *s, int *text)
{
    *text = 0;
    if (!*s) return NAN;
    if (strcmp(s, "true") == 0) return 1;
    if (strcmp(s, "false") == 0) return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || end == s) {
        *text = 1;
        return NAN;
    }
    return v;
}

/* Whether metric is a numeric column of every run so far. */
static int numeric_everywhere(const runs *x, const char *metric)
{
    if (replicate_is_meta(metric)) return 0;
    for (int s = 0; s < N_SIDES; s++)
        for (int k = 0; k < x->done[s]; k++) {
            const replicate_row *row = &x->rows[s][k];
            int c = col_of(row, metric), text;
            if (c < 0) return 0;
            cell_value(row->values[c], &text);
            if (text) return 0;
        }
    return 1;
}

/* Whether metric has a value in some run (time_to_first_scale_out_s is
 * empty in every run when nothing scales: nothing to compare). */
static int defined_anywhere(const runs *x, const char *metric)
{
    for (int s = 0; s < N_SIDES; s++)
        for (int k = 0; k < x->done[s]; k++) {
            const replicate_row *row = &x->rows[s][k];
            int c = col_of(row, metric), text;
            if (c >= 0 && !isnan(cell_value(row->values[c], &text))) return 1;
        }
    return 0;
}

static int check_named(const runs *x, const compare_opts *o, ecs_err *e)
{
    const replicate_row *a = &x->rows[SIDE_A][0], *b = &x->rows[SIDE_B][0];
    for (int i = 0; i < o->n_metrics; i++) {
        const char *m = o->metrics[i];
        if (col_of(a, m) < 0) {
            const char *near = strdist_closest(m, (const char *const *) a->names, (size_t) a->n);
            if (near)
                return err_set(e, ECS_EINPUT, "--metric: unknown metric \"%s\"; did you mean %s?",
                               m, near);
            return err_set(e, ECS_EINPUT,
                           "--metric: unknown metric \"%s\" (not a summary.csv column)", m);
        }
        if (col_of(b, m) < 0)
            return err_set(e, ECS_EINPUT, "--metric: %s: %s's summary.csv has no such column", m,
                           o->scenario_b);
        if (!numeric_everywhere(x, m))
            return err_set(e, ECS_EINPUT, "--metric: %s is not a numeric metric", m);
    }
    return ECS_OK;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb;
    (void) flag;
    (void) ftw;
    return remove(path);
}

static void rmtree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs one replication into scratch and keeps only its summary row: the
 * comparison needs nothing else, and 3R runs' events.csv add up. */
static int run_one(const char *scenario, uint64_t seed, const char *scratch, int side, int k,
                   FILE *out, replicate_row *row, ecs_err *e)
{
    char dir[4400], path[4500];
    snprintf(dir, sizeof dir, "%s/%s-%d", scratch, side_name[side], k);
    run_opts one;
    memset(&one, 0, sizeof one);
    one.scenario = scenario;
    one.out_dir = dir;
    one.seed_given = 1;
    one.seed = seed;
    one.until_s = INFINITY;
    one.quiet = 1;
    int rc = run_scenario(&one, out, NULL, e);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (rc == ECS_OK) rc = replicate_read_row(path, row, e);
    rmtree(dir);
    return rc;
}

/* Every input error that needs no run: the files, their parameters, the
 * cluster they build. Returns the base seed through *seed. */
static int check_inputs(const compare_opts *o, uint64_t *seed, ecs_err *e)
{
    if (o->replications < 2 || o->replications > REPLICATE_LIMIT)
        return err_set(e, ECS_EINPUT, "--replications: expected an integer in [2, %d], got %d",
                       REPLICATE_LIMIT, o->replications);
    for (int i = 0; i < o->n_metrics; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(o->metrics[i], o->metrics[j]) == 0)
                return err_set(e, ECS_EINPUT, "--metric: %s given twice", o->metrics[i]);
    const char *files[2] = {o->scenario_a, o->scenario_b};
    for (int i = 0; i < 2; i++) {
        params *p = run_load_params(files[i], NULL, 0, e);
        if (!p) return e->code;
        int rc = run_validate(p, e);
        if (i == 0) *seed = o->seed_given ? o->seed : (uint64_t) params_int(p, "run.seed");
        params_free(p);
        if (rc != ECS_OK) return rc;
    }
    return ECS_OK;
}

/* results/<A's name>-vs-<B's name> (each name cut to fit buf) */
static void default_dir(const compare_opts *o, char *buf, size_t len)
{
    char a[2000], b[2000];
    run_default_out_dir(o->scenario_a, a, sizeof a);
    run_default_out_dir(o->scenario_b, b, sizeof b);
    const char *bn = strrchr(b, '/');
    size_t la = strlen(a);
    if (la > len / 2) la = len / 2;
    snprintf(buf, len, "%.*s-vs-%.*s", (int) la, a, (int) (len / 2 - 8), bn ? bn + 1 : b);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* ---- results ---- */

typedef struct metric_row {
    const char *name; /* points into the first run's header */
    compare_stat st;
} metric_row;

static compare_stat stat_of(const runs *x, const char *metric)
{
    int n = x->r, text;
    double *v[N_SIDES];
    for (int s = 0; s < N_SIDES; s++) {
        v[s] = xmalloc((size_t) n * sizeof *v[s]);
        for (int k = 0; k < n; k++) {
            const replicate_row *row = &x->rows[s][k];
            v[s][k] = cell_value(row->values[col_of(row, metric)], &text);
        }
    }
    compare_stat st = compare_stats(v[SIDE_A], v[SIDE_B], v[SIDE_BI], n);
    for (int s = 0; s < N_SIDES; s++) free(v[s]);
    return st;
}

static void write_csv(FILE *fp, const metric_row *m, int n)
{
    csvw w;
    csvw_init(&w, fp);
    static const char *const head[] = {"metric",
                                       "mean_a",
                                       "mean_b",
                                       "diff",
                                       "diff_ci_low",
                                       "diff_ci_high",
                                       "significant",
                                       "var_paired",
                                       "var_unpaired",
                                       "variance_reduction",
                                       "var_unpaired_empirical",
                                       "variance_reduction_empirical"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) csvw_str(&w, head[i]);
    csvw_end(&w);
    for (int i = 0; i < n; i++) {
        const compare_stat *s = &m[i].st;
        csvw_str(&w, m[i].name);
        csvw_real(&w, s->mean_a);
        csvw_real(&w, s->mean_b);
        csvw_real(&w, s->diff);
        csvw_real(&w, s->ci_low);
        csvw_real(&w, s->ci_high);
        if (s->significant < 0)
            csvw_str(&w, "");
        else
            csvw_bool(&w, s->significant);
        csvw_real(&w, s->var_paired);
        csvw_real(&w, s->var_unpaired);
        csvw_real(&w, s->reduction);
        csvw_real(&w, s->var_unpaired_empirical);
        csvw_real(&w, s->reduction_empirical);
        csvw_end(&w);
    }
}

/* The reduction as "38.2x"; a paired variance of 0 (a metric pairing makes
 * identical, such as requests) as "exact". */
static void fmt_reduction(char *buf, size_t len, double red, double var_paired)
{
    if (!isnan(red))
        snprintf(buf, len, "%.1fx", red);
    else if (var_paired == 0)
        snprintf(buf, len, "exact");
    else
        snprintf(buf, len, "-");
}

static void print_table(FILE *out, const compare_opts *o, uint64_t seed, const metric_row *m, int n,
                        double wall_s, const char *dir)
{
    static const char *const headline[] = {"requests", "error_rate", "mean_s",       "p50_s",
                                           "p95_s",    "p99_s",      "cpu_util_pct", "cost_usd"};
    fprintf(out, "ecsim %s: compare A %s with B %s, seed %llu, %d paired replications\n",
            ECSIM_VERSION, o->scenario_a, o->scenario_b, (unsigned long long) seed,
            o->replications);
    fprintf(out, "  ran %d runs in %.2f s (%d of A, %d of B, %d of B on independent seeds)\n",
            3 * o->replications, wall_s, o->replications, o->replications, o->replications);
    fprintf(out, "  %-13s %11s %11s %11s  %-25s %4s  %s\n", "metric", "mean A", "mean B", "B - A",
            "95% CI of B - A", "sig", "var. reduction (measured)");
    for (int i = 0; i < n; i++) {
        int shown = o->n_metrics > 0;
        for (size_t h = 0; !shown && h < sizeof headline / sizeof *headline; h++)
            shown = strcmp(m[i].name, headline[h]) == 0;
        if (!shown) continue;
        const compare_stat *s = &m[i].st;
        char ci[64], r1[32], r2[32];
        snprintf(ci, sizeof ci, "[%.4g, %.4g]", s->ci_low, s->ci_high);
        fmt_reduction(r1, sizeof r1, s->reduction, s->var_paired);
        fmt_reduction(r2, sizeof r2, s->reduction_empirical, s->var_paired);
        fprintf(out, "  %-13s %11.5g %11.5g %11.4g  %-25s %4s  %s (%s)\n", m[i].name, s->mean_a,
                s->mean_b, s->diff, ci,
                s->significant < 0 ? "-"
                : s->significant   ? "yes"
                                   : "no",
                r1, r2);
    }
    fprintf(out, "  results: %s/compare.csv\n", dir);
}

int compare_run(const compare_opts *o, FILE *out, ecs_err *e)
{
    uint64_t seed = 0;
    int rc = check_inputs(o, &seed, e);
    if (rc != ECS_OK) return rc;

    /* the runs go to a scratch directory outside DIR, so that an error found
     * only after a run (an unknown --metric) leaves DIR untouched */
    const char *tmp = getenv("TMPDIR");
    char scratch[4096];
    snprintf(scratch, sizeof scratch, "%s/ecsim-compare.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) return err_set(e, ECS_EIO, "%s: %s", scratch, strerror(errno));

    runs x;
    memset(&x, 0, sizeof x);
    x.r = o->replications;
    for (int s = 0; s < N_SIDES; s++) x.rows[s] = xcalloc((size_t) x.r, sizeof *x.rows[s]);
    const char *scen[N_SIDES] = {o->scenario_a, o->scenario_b, o->scenario_b};
    double wall0 = wall_now();
    for (int k = 1; rc == ECS_OK && k <= x.r; k++) {
        for (int s = 0; rc == ECS_OK && s < N_SIDES; s++) {
            uint64_t sd = replicate_seed(seed, s == SIDE_BI ? COMPARE_INDEPENDENT_OFFSET + k : k);
            rc = run_one(scen[s], sd, scratch, s, k, out, &x.rows[s][k - 1], e);
            if (rc == ECS_OK) x.done[s]++;
        }
        /* the columns are known once A and B have each run */
        if (rc == ECS_OK && k == 1) rc = check_named(&x, o, e);
    }
    double wall_s = wall_now() - wall0;
    rmtree(scratch);

    char dir[4096];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        default_dir(o, dir, sizeof dir);

    metric_row *m = NULL;
    int n = 0;
    if (rc == ECS_OK) {
        /* named metrics in the order given; else A's numeric columns that B
         * has too, in A's order (per-service columns differ when the
         * services do) */
        const replicate_row *a = &x.rows[SIDE_A][0];
        int cap = o->n_metrics > 0 ? o->n_metrics : a->n;
        m = xcalloc((size_t) cap, sizeof *m);
        for (int i = 0; i < cap; i++) {
            const char *name = o->n_metrics > 0 ? o->metrics[i] : a->names[i];
            if (o->n_metrics == 0 && (!numeric_everywhere(&x, name) || !defined_anywhere(&x, name)))
                continue;
            /* a run's interval, samples or analytic value beside a metric is no
             * metric of its own to compare */
            if (o->n_metrics == 0 &&
                est_is_companion_column(name, (const char *const *) a->names, a->n))
                continue;
            m[n].name = name;
            m[n].st = stat_of(&x, name);
            n++;
        }
        rc = afile_mkdirs(dir, e);
    }
    if (rc == ECS_OK) {
        afile *f = afile_open(dir, "compare.csv", e);
        if (!f) {
            rc = e->code;
        } else {
            write_csv(afile_fp(f), m, n);
            rc = afile_commit(f, e);
        }
    }
    if (rc == ECS_OK && !o->quiet) print_table(out, o, seed, m, n, wall_s, dir);
    free(m);
    runs_free(&x);
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
    fputs("\n(see ecsim compare --help)\n", err);
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

int compare_main(int argc, char **argv, FILE *out, FILE *err)
{
    compare_opts o;
    memset(&o, 0, sizeof o);
    o.replications = COMPARE_DEFAULT_REPLICATIONS;
    const char *metrics[COMPARE_MAX_METRICS];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing;
        unsigned long long n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_compare, out);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--replications", NULL, &missing))) {
            if (parse_count(v, &n) != 0 || n < 2 || n > REPLICATE_LIMIT)
                return usage_error(err,
                                   "--replications: expected an integer in [2, %d], got \"%s\"",
                                   REPLICATE_LIMIT, v);
            o.replications = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--metric", NULL, &missing))) {
            if (o.n_metrics == COMPARE_MAX_METRICS)
                return usage_error(err, "--metric: at most %d metrics", COMPARE_MAX_METRICS);
            metrics[o.n_metrics++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--out", "-o", &missing))) {
            o.out_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--seed", NULL, &missing))) {
            if (parse_count(v, &n) != 0 || n > 9007199254740992ULL)
                return usage_error(err, "--seed: expected an integer in [0, 2^53], got \"%s\"", v);
            o.seed = n;
            o.seed_given = 1;
        } else if (missing) {
            return usage_error(err, "%s: expected a value", a);
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return usage_error(err, "compare: unknown option %s", a);
        } else if (!o.scenario_a) {
            o.scenario_a = a;
        } else if (!o.scenario_b) {
            o.scenario_b = a;
        } else {
            return usage_error(err, "compare: two scenario files, A and B, got a third: %s", a);
        }
    }
    if (!o.scenario_b) return usage_error(err, "compare: expected two scenario files, A and B");
    o.metrics = metrics;
    ecs_err e;
    err_clear(&e);
    if (compare_run(&o, out, &e) != ECS_OK) {
        fprintf(err, "ecsim: %s\n", e.msg);
        return err_exit_code(e.code);
    }
    return 0;
}

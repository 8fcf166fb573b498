/* replicate.c -- R independent replications of a scenario and the combined
 * summary.csv with 95% Student-t confidence intervals.
 * Owns: replication seeds, the staging directory the replications run in,
 * reading each replication's summary.csv back (so every metric a run
 * reports is covered without run.c exposing its internals), the interval
 * arithmetic, the --precision stopping rule, and the replication table.
 * Nothing new appears in the output directory until every replication has
 * run: the runs go to DIR/.replicate.tmp.PID/rep-<k>/, are moved to
 * DIR/rep-<k>/ at the end, and summary.csv is committed last through afile. */
#include "sim/replicate.h"

#include <csv.h>
#include <errno.h>
#include <ftw.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/engine/afile.h"
#include "sim/engine/csvout.h"
#include "sim/engine/rng.h"
#include "sim/engine/strdist.h"
#include "sim/engine/xmalloc.h"
#include "sim/estimate.h"
#include "sim/progress.h"
#include "sim/version.h"

/* run.seed's range is [0, 2^53] (it is stored exactly in a double) */
#define SEED_MASK ((UINT64_C(1) << 53) - 1)

uint64_t replicate_seed(uint64_t seed, int k)
{
    if (k <= 1) return seed;
    return rng_replication_seed(seed, (unsigned) (k - 1)) & SEED_MASK;
}

int replicate_parse_precision(const char *text, replicate_precision *out, ecs_err *e)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return err_set(e, ECS_EINPUT,
                       "--precision: expected METRIC=PERCENT%% (p99_s=2%%), got \"%s\"", text);
    size_t n = (size_t) (eq - text);
    if (n >= sizeof out->metric)
        return err_set(e, ECS_EINPUT, "--precision: metric name too long in \"%s\"", text);
    const char *num = eq + 1;
    size_t len = strlen(num);
    char *end = NULL;
    errno = 0;
    double pct = len >= 2 && num[len - 1] == '%' ? strtod(num, &end) : NAN;
    /* the percent sign is required: "2" could mean 2% or 200% */
    if (!end || end != num + len - 1 || errno || !isfinite(pct) || pct <= 0 || pct > 100)
        return err_set(e, ECS_EINPUT,
                       "--precision: %.*s: expected a percentage in (0%%, 100%%] like 2%%, got "
                       "\"%s\"",
                       (int) n, text, num);
    memcpy(out->metric, text, n);
    out->metric[n] = '\0';
    out->rel = pct / 100.0;
    return ECS_OK;
}

int replicate_check_opts(const replicate_opts *o, ecs_err *e)
{
    if (!o->autorun && o->n_precision > 0)
        return err_set(e, ECS_EINPUT, "--precision: needs --replications auto");
    if (!o->autorun && (o->replications < 1 || o->replications > REPLICATE_LIMIT))
        return err_set(e, ECS_EINPUT, "--replications: expected an integer in [1, %d] or auto",
                       REPLICATE_LIMIT);
    if (o->autorun && o->n_precision == 0)
        return err_set(e, ECS_EINPUT,
                       "--replications auto: needs at least one --precision METRIC=PERCENT%%");
    if (o->autorun &&
        (o->max_replications < REPLICATE_AUTO_MIN || o->max_replications > REPLICATE_LIMIT))
        return err_set(e, ECS_EINPUT, "--max-replications: expected an integer in [%d, %d]",
                       REPLICATE_AUTO_MIN, REPLICATE_LIMIT);
    return ECS_OK;
}

/* ---- one replication's summary.csv, read back ---- */

typedef struct csvrows {
    char **fields[2]; /* header row, value row */
    int n[2], cap[2];
    int row; /* rows completed */
} csvrows;

static void on_field(void *s, size_t len, void *ctx)
{
    csvrows *r = ctx;
    if (r->row > 1) {
        r->row++; /* a third row: reported as malformed */
        return;
    }
    int k = r->row;
    if (r->n[k] == r->cap[k]) {
        r->cap[k] = r->cap[k] ? 2 * r->cap[k] : 64;
        r->fields[k] = xrealloc(r->fields[k], (size_t) r->cap[k] * sizeof *r->fields[k]);
    }
    char *f = xmalloc(len + 1);
    if (len) memcpy(f, s, len);
    f[len] = '\0';
    r->fields[k][r->n[k]++] = f;
}

static void on_row(int c, void *ctx)
{
    (void) c;
    ((csvrows *) ctx)->row++;
}

static void csvrows_free(csvrows *r)
{
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < r->n[k]; i++) free(r->fields[k][i]);
        free(r->fields[k]);
    }
    memset(r, 0, sizeof *r);
}

/* Reads a one-row CSV (header and values). A run just wrote it, so a bad
 * shape is an internal error. */
static int read_summary(const char *path, csvrows *r, ecs_err *e)
{
    memset(r, 0, sizeof *r);
    FILE *fp = fopen(path, "rb");
    if (!fp) return err_set(e, ECS_EIO, "%s: %s", path, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(fp);
        return err_set(e, ECS_EINTERNAL, "%s: csv_init failed", path);
    }
    char buf[8192];
    size_t got;
    int bad = 0;
    while (!bad && (got = fread(buf, 1, sizeof buf, fp)) > 0)
        bad = csv_parse(&p, buf, got, on_field, on_row, r) != got;
    if (!bad) bad = csv_fini(&p, on_field, on_row, r) != 0;
    csv_free(&p);
    fclose(fp);
    if (bad || r->row != 2 || r->n[0] != r->n[1] || r->n[0] == 0) {
        csvrows_free(r);
        return err_set(e, ECS_EINTERNAL, "%s: not a one-row summary", path);
    }
    return ECS_OK;
}

/* ---- columns and statistics ---- */

enum { CELL_EMPTY, CELL_NUM, CELL_BOOL, CELL_TEXT };

static int cell_parse(const char *s, double *v)
{
    if (!*s) {
        *v = NAN;
        return CELL_EMPTY;
    }
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
        *v = s[0] == 't';
        return CELL_BOOL;
    }
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (*end || errno == EINVAL) {
        *v = NAN;
        return CELL_TEXT;
    }
    return CELL_NUM;
}

int replicate_cell_value(const char *s, double *v)
{
    int kind = cell_parse(s, v);
    if (kind == CELL_EMPTY || kind == CELL_TEXT) *v = NAN;
    return kind == CELL_NUM || kind == CELL_BOOL;
}

/* Columns the combined summary writes itself rather than averages. */
static int is_meta(const char *name)
{
    static const char *const meta[] = {"seed", "version", "commit", "scenario", "fingerprint"};
    for (size_t i = 0; i < sizeof meta / sizeof *meta; i++)
        if (strcmp(name, meta[i]) == 0) return 1;
    return 0;
}

typedef struct reps {
    int n_cols;
    char **head;  /* from replication 1 */
    char ***vals; /* vals[k][c], k 0-based */
    uint64_t *seeds;
    int n, cap;
} reps;

static void reps_free(reps *r)
{
    for (int k = 0; k < r->n; k++) {
        for (int c = 0; c < r->n_cols; c++) free(r->vals[k][c]);
        free(r->vals[k]);
    }
    for (int c = 0; c < r->n_cols; c++) free(r->head[c]);
    free(r->head);
    free(r->vals);
    free(r->seeds);
}

static int col_index(const reps *r, const char *name)
{
    for (int c = 0; c < r->n_cols; c++)
        if (strcmp(r->head[c], name) == 0) return c;
    return -1;
}

/* A run's own interval beside a metric (p99_s_ci_low): the combined
 * summary has the interval across replications in its place. */
static int is_interval(const reps *r, int c)
{
    return est_is_interval_column(r->head[c], (const char *const *) r->head, r->n_cols);
}

/* A text column: one of its cells is neither a number nor a boolean. */
static int col_is_text(const reps *r, int c)
{
    double v;
    if (is_meta(r->head[c])) return 1;
    for (int k = 0; k < r->n; k++)
        if (cell_parse(r->vals[k][c], &v) == CELL_TEXT) return 1;
    return 0;
}

typedef struct ci {
    double mean, low, high, half;
} ci;

/* Mean and 95% Student-t interval of column c over the replications. A
 * metric some replication left empty (no requests to take a p99 of) has no
 * mean: averaging only the others would be biased towards the replications
 * that had it. One replication has a mean but no interval. */
static ci ci_of(const double *x, int n)
{
    ci out = {NAN, NAN, NAN, NAN};
    double sum = 0;
    for (int k = 0; k < n; k++) {
        if (isnan(x[k])) return out;
        sum += x[k];
    }
    if (n < 1) return out;
    out.mean = sum / n;
    if (n < 2) return out;
    /* two passes: the sum of squares about the mean loses nothing to
     * cancellation when the spread is small against the mean */
    double ss = 0;
    for (int k = 0; k < n; k++) ss += (x[k] - out.mean) * (x[k] - out.mean);
    double sd = sqrt(ss / (n - 1));
    out.half = gsl_cdf_tdist_Pinv(0.975, (double) (n - 1)) * sd / sqrt((double) n);
    out.low = out.mean - out.half;
    out.high = out.mean + out.half;
    return out;
}

static ci col_ci(const reps *r, int c)
{
    double *x = xmalloc((size_t) (r->n ? r->n : 1) * sizeof *x);
    for (int k = 0; k < r->n; k++) replicate_cell_value(r->vals[k][c], &x[k]);
    ci out = ci_of(x, r->n);
    free(x);
    return out;
}

/* half-width / |mean|; 0 when both are 0 (a metric that never varies from
 * zero, such as error_rate with no errors, is known exactly) */
static double rel_half(ci x)
{
    if (isnan(x.half) || isnan(x.mean)) return INFINITY;
    if (x.half == 0) return 0;
    return x.mean == 0 ? INFINITY : x.half / fabs(x.mean);
}

static int precision_met(const reps *r, const replicate_precision *p)
{
    int c = col_index(r, p->metric);
    return c >= 0 && rel_half(col_ci(r, c)) < p->rel;
}

static int check_precision_metrics(const reps *r, const replicate_opts *o, ecs_err *e)
{
    for (int i = 0; i < o->n_precision; i++) {
        const char *m = o->precision[i].metric;
        int c = col_index(r, m);
        if (c < 0) {
            const char *near =
                strdist_closest(m, (const char *const *) r->head, (size_t) r->n_cols);
            if (near)
                return err_set(e, ECS_EINPUT,
                               "--precision: unknown metric \"%s\"; did you mean %s?", m, near);
            return err_set(e, ECS_EINPUT,
                           "--precision: unknown metric \"%s\" (not a summary.csv column)", m);
        }
        if (col_is_text(r, c))
            return err_set(e, ECS_EINPUT, "--precision: %s is not a numeric metric", m);
    }
    return ECS_OK;
}

static int add_rep(reps *r, csvrows *rows, uint64_t seed, const char *path, ecs_err *e)
{
    if (r->n == 0) {
        r->n_cols = rows->n[0];
        r->head = rows->fields[0];
        rows->fields[0] = NULL;
        rows->n[0] = 0;
    } else {
        int same = rows->n[0] == r->n_cols;
        for (int c = 0; same && c < r->n_cols; c++)
            same = strcmp(rows->fields[0][c], r->head[c]) == 0;
        if (!same)
            return err_set(e, ECS_EINTERNAL, "%s: columns differ from replication 1's", path);
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->vals = xrealloc(r->vals, (size_t) r->cap * sizeof *r->vals);
        r->seeds = xrealloc(r->seeds, (size_t) r->cap * sizeof *r->seeds);
    }
    r->vals[r->n] = rows->fields[1];
    r->seeds[r->n] = seed;
    rows->fields[1] = NULL;
    rows->n[1] = 0;
    r->n++;
    return ECS_OK;
}

/* ---- files and directories ---- */

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

static int path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* The highest ancestor of dir (or dir itself) that does not exist yet, so
 * that a failure can remove exactly what this run created; "" when dir
 * exists. */
static void first_missing(const char *dir, char *out, size_t len)
{
    snprintf(out, len, "%s", dir);
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/') out[--n] = '\0';
    if (path_exists(out)) {
        out[0] = '\0';
        return;
    }
    for (;;) {
        char *slash = strrchr(out, '/');
        if (!slash || slash == out) return;
        *slash = '\0';
        int exists = path_exists(out);
        *slash = '/';
        if (exists) return;
        *slash = '\0';
    }
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* ---- the combined summary.csv and the table ---- */

static int named_index(const replicate_opts *o, const char *metric)
{
    for (int i = 0; i < o->n_precision; i++)
        if (strcmp(o->precision[i].metric, metric) == 0) return i;
    return -1;
}

static void write_combined(FILE *fp, const replicate_opts *o, uint64_t seed, const reps *r)
{
    csvw w;
    csvw_init(&w, fp);
    static const char *const first[] = {"seed",     "version",      "commit",
                                        "scenario", "replications", "fingerprint"};
    for (size_t i = 0; i < sizeof first / sizeof *first; i++) csvw_str(&w, first[i]);
    for (int c = 0; c < r->n_cols; c++) {
        if (is_meta(r->head[c]) || is_interval(r, c)) continue;
        csvw_str(&w, r->head[c]);
        if (col_is_text(r, c)) continue;
        char name[512];
        snprintf(name, sizeof name, "%s_ci_low", r->head[c]);
        csvw_str(&w, name);
        snprintf(name, sizeof name, "%s_ci_high", r->head[c]);
        csvw_str(&w, name);
        if (o->autorun && named_index(o, r->head[c]) >= 0) {
            snprintf(name, sizeof name, "%s_converged", r->head[c]);
            csvw_str(&w, name);
        }
    }
    csvw_end(&w);

    /* the replications' fingerprints folded in order (FNV-1a over the 64-bit
     * words): one value that changes if any replication's event trace does */
    uint64_t fp64 = UINT64_C(0xcbf29ce484222325);
    int fcol = col_index(r, "fingerprint");
    for (int k = 0; fcol >= 0 && k < r->n; k++)
        fp64 = (fp64 ^ strtoull(r->vals[k][fcol], NULL, 16)) * UINT64_C(0x100000001b3);

    csvw_uint(&w, seed);
    csvw_str(&w, ECSIM_VERSION);
    csvw_str(&w, ecsim_commit());
    csvw_str(&w, o->run.scenario);
    csvw_int(&w, r->n);
    csvw_hex64(&w, fp64);
    for (int c = 0; c < r->n_cols; c++) {
        if (is_meta(r->head[c]) || is_interval(r, c)) continue;
        if (col_is_text(r, c)) {
            /* a text column is reported only when every replication agrees */
            int same = 1;
            for (int k = 1; same && k < r->n; k++) same = strcmp(r->vals[k][c], r->vals[0][c]) == 0;
            csvw_str(&w, same ? r->vals[0][c] : "");
            continue;
        }
        ci x = col_ci(r, c);
        csvw_real(&w, x.mean);
        csvw_real(&w, x.low);
        csvw_real(&w, x.high);
        int ni = o->autorun ? named_index(o, r->head[c]) : -1;
        if (ni >= 0) csvw_bool(&w, rel_half(x) < o->precision[ni].rel);
    }
    csvw_end(&w);
}

static void print_table(FILE *out, const replicate_opts *o, uint64_t seed, const reps *r,
                        double wall_s, const char *dir, int converged)
{
    fprintf(out, "ecsim %s: %s, seed %llu, %d replications%s\n", ECSIM_VERSION, o->run.scenario,
            (unsigned long long) seed, r->n, o->autorun ? " (auto)" : "");
    int ec = col_index(r, "sim_end_s");
    ci end = ec >= 0 ? col_ci(r, ec) : (ci){NAN, NAN, NAN, NAN};
    fprintf(out, "  simulated %d x %.0f s in %.2f s\n", r->n, end.mean, wall_s);
    fprintf(out, "  %-14s %14s   %-14s %9s\n", "metric", "mean", "± 95% half", "relative");
    static const char *const headline[] = {"requests", "error_rate",   "p50_s",   "p95_s",
                                           "p99_s",    "cpu_util_pct", "cost_usd"};
    for (size_t i = 0; i < sizeof headline / sizeof *headline; i++) {
        int c = col_index(r, headline[i]);
        if (c < 0) continue;
        ci x = col_ci(r, c);
        char rel[32] = "";
        double rh = rel_half(x);
        if (isfinite(rh)) snprintf(rel, sizeof rel, "%.2f%%", 100 * rh);
        fprintf(out, "  %-14s %14.6g   ± %-12.4g %9s\n", headline[i], x.mean, x.half, rel);
    }
    for (int i = 0; o->autorun && i < o->n_precision; i++) {
        const replicate_precision *p = &o->precision[i];
        double rh = rel_half(col_ci(r, col_index(r, p->metric)));
        fprintf(out, "  precision %s: ±%.2f%% %s %g%%: %s\n", p->metric, 100 * rh,
                rh < p->rel ? "<" : ">=", 100 * p->rel,
                rh < p->rel ? "converged" : "NOT converged");
    }
    if (o->autorun && !converged)
        fprintf(out, "  stopped at --max-replications %d before every target was met\n",
                o->max_replications);
    fprintf(out, "  results: %s/ (summary.csv, rep-1 .. rep-%d)\n", dir, r->n);
}

/* ---- the replications ---- */

int replicate_run(const replicate_opts *o, FILE *out, replicate_result *res, ecs_err *e)
{
    int rc = replicate_check_opts(o, e);
    if (rc != ECS_OK) return rc;

    /* the base seed, and every input error, before anything touches the disk */
    const run_opts *ro = &o->run;
    params *p = run_load_params(ro->scenario, ro->sets, ro->n_sets, e);
    if (!p) return e->code;
    rc = run_validate(p, e);
    uint64_t seed = ro->seed_given ? ro->seed : (uint64_t) params_int(p, "run.seed");
    params_free(p);
    if (rc != ECS_OK) return rc;

    char dir[4096], created[4096], staging[4200];
    if (ro->out_dir)
        snprintf(dir, sizeof dir, "%s", ro->out_dir);
    else {
        /* not a plain run's directory: its timeseries.csv beside a combined
         * summary.csv would read as if it belonged to it */
        run_default_out_dir(ro->scenario, dir, sizeof dir - 8);
        strcat(dir, "-reps");
    }
    first_missing(dir, created, sizeof created);
    snprintf(staging, sizeof staging, "%s/.replicate.tmp.%ld", dir, (long) getpid());
    if ((rc = afile_mkdirs(staging, e)) != ECS_OK) {
        if (created[0]) rmtree(created);
        return rc;
    }

    reps r;
    memset(&r, 0, sizeof r);
    int first = o->autorun ? REPLICATE_AUTO_MIN : o->replications;
    int limit = o->autorun ? o->max_replications : o->replications;
    int converged = 1;
    double wall0 = wall_now();
    /* Ctrl-C is noticed between replications (the one running finishes;
     * a second Ctrl-C kills at once) and leaves nothing new behind */
    progress_catch_sigint();
    progress *bar = progress_start(limit, 0, ro->quiet);
    for (int k = 1; rc == ECS_OK; k++) {
        if (progress_interrupted()) {
            rc = err_set(e, ECS_EINTR, "interrupted: %d of %d replications run; nothing written",
                         k - 1, limit);
            break;
        }
        char rep_dir[4400], path[4500];
        snprintf(rep_dir, sizeof rep_dir, "%s/rep-%d", staging, k);
        run_opts one = *ro;
        one.out_dir = rep_dir;
        one.seed_given = 1;
        one.seed = replicate_seed(seed, k);
        one.quiet = 1;
        rc = run_scenario(&one, out, NULL, e);
        csvrows rows;
        snprintf(path, sizeof path, "%s/summary.csv", rep_dir);
        if (rc == ECS_OK) rc = read_summary(path, &rows, e);
        if (rc == ECS_OK) {
            rc = add_rep(&r, &rows, one.seed, path, e);
            csvrows_free(&rows);
        }
        if (rc == ECS_OK && k == 1) rc = check_precision_metrics(&r, o, e);
        progress_tick(bar, k);
        if (rc != ECS_OK || k >= limit) break;
        if (k >= first) {
            if (!o->autorun) break;
            int all = 1;
            for (int i = 0; all && i < o->n_precision; i++)
                all = precision_met(&r, &o->precision[i]);
            if (all) break;
        }
    }
    progress_end(bar);
    progress_release_sigint();
    for (int i = 0; rc == ECS_OK && o->autorun && i < o->n_precision; i++)
        converged = converged && precision_met(&r, &o->precision[i]);
    double wall_s = wall_now() - wall0;

    afile *sf = NULL;
    if (rc == ECS_OK) sf = afile_open(dir, "summary.csv", e);
    if (sf) {
        write_combined(afile_fp(sf), o, seed, &r);
        /* earlier rep-<k> directories are moved aside into the staging
         * directory (removed with it) before the new ones take their names;
         * ones past the new count are from an earlier, longer experiment */
        for (int k = 1; rc == ECS_OK; k++) {
            char from[4400], to[4400], old[4400];
            snprintf(to, sizeof to, "%s/rep-%d", dir, k);
            snprintf(old, sizeof old, "%s/old-%d", staging, k);
            snprintf(from, sizeof from, "%s/rep-%d", staging, k);
            if (k > r.n && !path_exists(to)) break;
            if (path_exists(to) && rename(to, old) != 0)
                rc = err_set(e, ECS_EIO, "%s: %s", to, strerror(errno));
            else if (k <= r.n && rename(from, to) != 0)
                rc = err_set(e, ECS_EIO, "%s: %s", to, strerror(errno));
        }
        if (rc == ECS_OK)
            rc = afile_commit(sf, e);
        else
            afile_abort(sf);
    } else if (rc == ECS_OK) {
        rc = e->code;
    }
    rmtree(staging);
    if (rc != ECS_OK && created[0]) rmtree(created);
    if (rc == ECS_OK) {
        if (!ro->quiet) print_table(out, o, seed, &r, wall_s, dir, converged);
        if (res) {
            res->replications = r.n;
            res->converged = converged;
            snprintf(res->out_dir, sizeof res->out_dir, "%s", dir);
        }
    }
    reps_free(&r);
    return rc;
}

/* ---- one run's summary for other experiments ---- */

int replicate_read_row(const char *path, replicate_row *row, ecs_err *e)
{
    memset(row, 0, sizeof *row);
    csvrows r;
    int rc = read_summary(path, &r, e);
    if (rc != ECS_OK) return rc;
    /* the row takes the strings over, so r is not freed */
    row->n = r.n[0];
    row->names = r.fields[0];
    row->values = r.fields[1];
    return ECS_OK;
}

void replicate_row_free(replicate_row *row)
{
    for (int i = 0; i < row->n; i++) {
        free(row->names[i]);
        free(row->values[i]);
    }
    free(row->names);
    free(row->values);
    memset(row, 0, sizeof *row);
}

int replicate_is_meta(const char *name)
{
    return is_meta(name);
}

/* ---- pieces for sweeps ---- */

void replicate_interval(const double *x, int n, double *mean, double *low, double *high)
{
    ci c = ci_of(x, n);
    *mean = c.mean;
    *low = c.low;
    *high = c.high;
}

void replicate_rmtree(const char *dir)
{
    rmtree(dir);
}

void replicate_first_missing(const char *dir, char *out, size_t len)
{
    first_missing(dir, out, len);
}

/* sweep.c -- parameter sweeps over a local process pool.
 * Owns: --vary parsing and expansion, the grid and Latin hypercube designs,
 * checking every configuration through run_load_params before any output,
 * forking one child per run (each an ordinary run_scenario into its own
 * directory), the journal (DIR/journal.csv, one line appended by the parent
 * as each run ends, in whatever order they end), --resume and --stop-after,
 * and the results written whole at the end: sweep.csv sorted by
 * (configuration, replication), so every pool size gives the same bytes,
 * and aggregate.csv with each metric's mean and 95% interval.
 * Only the parent writes the journal and the results: children report
 * through their summary.csv and, on failure, a message on a pipe. */
#include "sim/sweep.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/engine/afile.h"
#include "sim/engine/csvout.h"
#include "sim/engine/param.h"
#include "sim/engine/rng.h"
#include "sim/engine/xmalloc.h"
#include "sim/progress.h"
#include "sim/registry.h"
#include "sim/replicate.h"
#ifdef ECSIM_MPI
#include "sim/sweep_mpi.h"
#endif

/* ---- --vary ---- */

static void dim_add(sweep_dim *d, const char *text, int *cap)
{
    if (d->n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        d->values = xrealloc(d->values, (size_t) *cap * sizeof *d->values);
    }
    d->values[d->n++] = xstrdup(text);
}

void sweep_dim_free(sweep_dim *d)
{
    for (int i = 0; i < d->n; i++) free(d->values[i]);
    free(d->values);
    free(d->path);
    memset(d, 0, sizeof *d);
}

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && !*end && !errno && isfinite(*v) ? 0 : -1;
}

/* Splits s at ':' into at most max parts (copied into buf); returns the
 * count, or -1 when there are more. */
static int split_colon(const char *s, char *buf, size_t len, char **parts, int max)
{
    snprintf(buf, len, "%s", s);
    int n = 0;
    for (char *p = buf;;) {
        if (n == max) return -1;
        parts[n++] = p;
        char *c = strchr(p, ':');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static const char spec_help[] = "expected A:B[:STEP], V1,V2,... or log:A:B:N";

static int vary_error(ecs_err *e, const sweep_dim *d, const char *spec, const char *what)
{
    return err_set(e, ECS_EINPUT, "--vary: %s: %s (%s), got \"%s\"", d->path, what, spec_help,
                   spec);
}

int sweep_parse_vary(const char *text, sweep_dim *d, ecs_err *e)
{
    memset(d, 0, sizeof *d);
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return err_set(e, ECS_EINPUT,
                       "--vary: expected PATH=SPEC (services.web.desired_count=2:12), got \"%s\"",
                       text);
    d->path = xmalloc((size_t) (eq - text) + 1);
    memcpy(d->path, text, (size_t) (eq - text));
    d->path[eq - text] = '\0';
    const char *spec = eq + 1;
    int cap = 0, rc = ECS_OK;
    char buf[1024], *parts[5], val[64];
    if (!*spec) {
        rc = vary_error(e, d, spec, "no values");
    } else if (strncmp(spec, "log:", 4) == 0) {
        /* log:A:B:N -- N points from A to B evenly spaced in log */
        double a, b, n;
        int np = split_colon(spec + 4, buf, sizeof buf, parts, 3);
        if (np != 3 || parse_num(parts[0], &a) || parse_num(parts[1], &b) ||
            parse_num(parts[2], &n))
            rc = vary_error(e, d, spec, "a log range needs three numbers");
        else if (a <= 0 || b <= 0)
            rc = vary_error(e, d, spec, "a log range needs A > 0 and B > 0");
        else if (n != floor(n) || n < 2 || n > SWEEP_MAX_VALUES)
            rc = vary_error(e, d, spec, "a log range needs an integer N >= 2 points");
        const param_def *def = param_registry_find(ecsim_registry(), d->path);
        int integer = def && def->type == PT_INT;
        for (int i = 0; rc == ECS_OK && i < (int) n; i++) {
            /* the end points exactly, not through exp(log(b)) */
            double x = i == 0 ? a : i == (int) n - 1 ? b : a * pow(b / a, i / (n - 1));
            if (integer) {
                snprintf(val, sizeof val, "%.0f", round(x));
                /* rounding can merge neighbours at the low end */
                if (d->n && strcmp(d->values[d->n - 1], val) == 0) continue;
            } else {
                snprintf(val, sizeof val, "%.6g", x);
            }
            dim_add(d, val, &cap);
        }
    } else if (strchr(spec, ':') && !strchr(spec, ',')) {
        /* A:B or A:B:STEP, both ends included */
        double a, b, step = 1;
        int np = split_colon(spec, buf, sizeof buf, parts, 3);
        if (np < 2 || parse_num(parts[0], &a) || parse_num(parts[1], &b) ||
            (np == 3 && parse_num(parts[2], &step)))
            rc = vary_error(e, d, spec, "a range needs two or three numbers");
        else if (step <= 0 || b < a)
            rc = vary_error(e, d, spec, "a range needs A <= B and STEP > 0");
        else if ((b - a) / step >= SWEEP_MAX_VALUES)
            rc = vary_error(e, d, spec, "too many values");
        /* a slack of 1e-9 steps so 0:1:0.1 ends at 1 despite rounding */
        int count = rc == ECS_OK ? (int) floor((b - a) / step + 1e-9) + 1 : 0;
        for (int i = 0; i < count; i++) {
            snprintf(val, sizeof val, "%.10g", a + i * step);
            dim_add(d, val, &cap);
        }
    } else {
        /* V1,V2,... */
        const char *p = spec;
        while (rc == ECS_OK) {
            const char *c = strchr(p, ',');
            size_t n = c ? (size_t) (c - p) : strlen(p);
            if (n == 0) {
                rc = vary_error(e, d, spec, "an empty value in the list");
                break;
            }
            if (d->n >= SWEEP_MAX_VALUES) {
                rc = vary_error(e, d, spec, "too many values");
                break;
            }
            char *item = xmalloc(n + 1);
            memcpy(item, p, n);
            item[n] = '\0';
            dim_add(d, item, &cap);
            free(item);
            if (!c) break;
            p = c + 1;
        }
    }
    if (rc != ECS_OK) sweep_dim_free(d);
    return rc;
}

/* ---- designs ---- */

void sweep_lhs(const int *n_values, int n_dims, int k, uint64_t seed, int *idx)
{
    rng_set *rs = rng_set_new(seed);
    gsl_rng *r = rng_stream(rs, "sweep.lhs");
    int *perm = xmalloc((size_t) k * sizeof *perm);
    for (int d = 0; d < n_dims; d++) {
        for (int i = 0; i < k; i++) perm[i] = i;
        for (int i = k - 1; i > 0; i--) {
            int j = (int) gsl_rng_uniform_int(r, (unsigned long) i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int i = 0; i < k; i++) {
            double u = (perm[i] + gsl_rng_uniform(r)) / k;
            int v = (int) floor(u * n_values[d]);
            idx[(size_t) i * (size_t) n_dims + (size_t) d] = v < n_values[d] ? v : n_values[d] - 1;
        }
    }
    free(perm);
    rng_set_free(rs);
}

/* ---- the sweep's state ---- */

typedef struct sweep {
    const sweep_opts *o;
    sweep_dim *dims;
    int n_dims;
    int n_configs;
    int *cidx; /* cidx[c * n_dims + d]: configuration c's value index in d */
    uint64_t seed;
    int reps;
    char dir[4096];
    char runs_dir[4200]; /* where the children write */
    /* the journal: metric names (its header past config,replication,seed)
     * and each finished run's values, at [c * reps + k - 1] */
    int n_names;
    char **names;
    char ***vals;
    int done;
    FILE *journal;
    progress *bar; /* NULL unless stderr is a terminal and not -q */
#ifdef ECSIM_MPI
    FILE *mpi_out; /* rank 0: where progress lines go */
#endif
} sweep;

/* Replication k's seed: the same for every configuration (common random
 * numbers), shifted by seed_offset for runs that must not share the sweep's
 * seeds (the planner's confirmation). */
static uint64_t sweep_seed(const sweep *s, int k)
{
    return replicate_seed(s->seed, s->o->seed_offset + k);
}

/* Whether configuration c is to run (sweep_opts.only). */
static int wanted(const sweep *s, int c)
{
    return !s->o->only || s->o->only[c];
}

/* Whether every replication of configuration c is journaled. */
static int cfg_complete(const sweep *s, int c)
{
    for (int k = 0; k < s->reps; k++)
        if (!s->vals[(size_t) c * (size_t) s->reps + (size_t) k]) return 0;
    return 1;
}

static const char *cfg_value(const sweep *s, int c, int d)
{
    return s->dims[d].values[s->cidx[(size_t) c * (size_t) s->n_dims + (size_t) d]];
}

/* "path=value, path=value" of configuration c, for messages */
static void cfg_label(const sweep *s, int c, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int d = 0; d < s->n_dims && at < len; d++)
        at += (size_t) snprintf(buf + at, len - at, "%s%s=%s", d ? ", " : "", s->dims[d].path,
                                cfg_value(s, c, d));
}

/* The sets of configuration c: the user's, then one per varied path, so a
 * --vary overrides a --set of the same path. Returns a new array of n_out
 * strings; the vary ones are allocated and freed by sets_free. */
static const char **cfg_sets(const sweep *s, int c, int *n_out)
{
    const run_opts *ro = &s->o->run;
    const char **sets = xcalloc((size_t) (ro->n_sets + s->n_dims) + 1, sizeof *sets);
    for (int i = 0; i < ro->n_sets; i++) sets[i] = ro->sets[i];
    for (int d = 0; d < s->n_dims; d++)
        sets[ro->n_sets + d] = xasprintf("%s=%s", s->dims[d].path, cfg_value(s, c, d));
    *n_out = ro->n_sets + s->n_dims;
    return sets;
}

static void sets_free(const sweep *s, const char **sets)
{
    for (int d = 0; d < s->n_dims; d++) free((char *) sets[s->o->run.n_sets + d]);
    free(sets);
}

/* Every configuration loaded and validated as a run would: a bad value is
 * reported before any output exists. An error from one of the varied
 * assignments names --vary rather than --set. */
static int check_configs(const sweep *s, ecs_err *e)
{
    const run_opts *ro = &s->o->run;
    for (int c = 0; c < s->n_configs; c++) {
        int n;
        const char **sets = cfg_sets(s, c, &n);
        ecs_err ce;
        err_clear(&ce);
        params *p = run_load_params(ro->scenario, sets, n, &ce);
        int rc = p ? run_validate(p, &ce) : ce.code;
        params_free(p);
        sets_free(s, sets);
        if (rc == ECS_OK) continue;
        if (strncmp(ce.msg, "--set: ", 7) == 0) return err_set(e, rc, "--vary: %s", ce.msg + 7);
        char label[2048];
        cfg_label(s, c, label, sizeof label);
        return err_set(e, rc, "--vary %s: %s", label, ce.msg);
    }
    return ECS_OK;
}

/* The definition a --resume must match: everything that decides which runs
 * there are and what they compute. */
static char *spec_text(const sweep *s)
{
    const sweep_opts *o = s->o;
    char *t = xasprintf("ecsim sweep\nscenario: %s\nseed: %llu\nreplications: %d\nlhs: %d\n",
                        o->run.scenario, (unsigned long long) s->seed, s->reps, o->lhs);
    if (o->seed_offset) {
        char *u = xasprintf("%sseed offset: %d\n", t, o->seed_offset);
        free(t);
        t = u;
    }
    for (int i = 0; i < o->run.n_sets; i++) {
        char *u = xasprintf("%sset: %s\n", t, o->run.sets[i]);
        free(t);
        t = u;
    }
    for (int c = 0; c < s->n_configs; c++) {
        char label[2048];
        cfg_label(s, c, label, sizeof label);
        char *u = xasprintf("%sconfig %d: %s\n", t, c + 1, label);
        free(t);
        t = u;
    }
    return t;
}

/* ---- the journal ---- */

typedef struct jread {
    char **f;
    int n, cap;
    char ***rows;
    int *widths;
    int n_rows, cap_rows;
} jread;

static void jr_field(void *data, size_t len, void *ctx)
{
    jread *j = ctx;
    if (j->n == j->cap) {
        j->cap = j->cap ? 2 * j->cap : 64;
        j->f = xrealloc(j->f, (size_t) j->cap * sizeof *j->f);
    }
    char *v = xmalloc(len + 1);
    if (len) memcpy(v, data, len);
    v[len] = '\0';
    j->f[j->n++] = v;
}

static void jr_row(int c, void *ctx)
{
    (void) c;
    jread *j = ctx;
    if (j->n_rows == j->cap_rows) {
        j->cap_rows = j->cap_rows ? 2 * j->cap_rows : 64;
        j->rows = xrealloc(j->rows, (size_t) j->cap_rows * sizeof *j->rows);
        j->widths = xrealloc(j->widths, (size_t) j->cap_rows * sizeof *j->widths);
    }
    j->rows[j->n_rows] = j->f;
    j->widths[j->n_rows++] = j->n;
    j->f = NULL;
    j->n = j->cap = 0;
}

static void free_strs(char **v, int n)
{
    for (int i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

static void jread_free(jread *j)
{
    for (int r = 0; r < j->n_rows; r++) free_strs(j->rows[r], j->widths[r]);
    free(j->rows);
    free(j->widths);
    free_strs(j->f, j->n);
}

/* Reads DIR/journal.csv back for --resume. A last line without its newline
 * was cut off mid-write: it is dropped (and truncated away, so appending
 * continues on a clean line) and that run runs again. */
static int journal_load(sweep *s, const char *path, ecs_err *e)
{
    size_t len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT) return ECS_OK; /* stopped before any run ended */
        return err_set(e, ECS_EIO, "%s: %s", path, strerror(errno));
    }
    char *text = NULL;
    size_t cap = 0, got;
    char buf[65536];
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (len + got + 1 > cap) {
            cap = 2 * (len + got + 1);
            text = xrealloc(text, cap);
        }
        memcpy(text + len, buf, got);
        len += got;
    }
    fclose(fp);
    while (len > 0 && text[len - 1] != '\n') len--;
    if (truncate(path, (off_t) len) != 0) {
        free(text);
        return err_set(e, ECS_EIO, "%s: %s", path, strerror(errno));
    }
    jread j;
    memset(&j, 0, sizeof j);
    struct csv_parser p;
    int rc = ECS_OK;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(text);
        return err_set(e, ECS_EINTERNAL, "csv_init failed");
    }
    if (csv_parse(&p, text, len, jr_field, jr_row, &j) != len ||
        csv_fini(&p, jr_field, jr_row, &j) != 0)
        rc = err_set(e, ECS_EINPUT, "%s: not a sweep journal (%s)", path,
                     csv_strerror(csv_error(&p)));
    csv_free(&p);
    free(text);
    if (rc == ECS_OK && j.n_rows > 0) {
        if (j.widths[0] < 4 || strcmp(j.rows[0][0], "config") != 0)
            rc = err_set(e, ECS_EINPUT, "%s: not a sweep journal (bad header)", path);
        if (rc == ECS_OK) {
            s->n_names = j.widths[0] - 3;
            s->names = xcalloc((size_t) s->n_names, sizeof *s->names);
            for (int i = 0; i < s->n_names; i++) s->names[i] = xstrdup(j.rows[0][i + 3]);
        }
        for (int r = 1; rc == ECS_OK && r < j.n_rows; r++) {
            char **f = j.rows[r];
            long c = j.widths[r] == j.widths[0] ? strtol(f[0], NULL, 10) : 0;
            long k = c ? strtol(f[1], NULL, 10) : 0;
            if (c < 1 || c > s->n_configs || k < 1 || k > s->reps ||
                strtoull(f[2], NULL, 10) != sweep_seed(s, (int) k)) {
                rc = err_set(e, ECS_EINPUT,
                             "%s: line %d: not a run of this sweep; start again without --resume",
                             path, r + 1);
                break;
            }
            size_t at = (size_t) (c - 1) * (size_t) s->reps + (size_t) (k - 1);
            if (s->vals[at]) continue; /* journaled twice: the first one stands */
            s->vals[at] = xcalloc((size_t) s->n_names, sizeof **s->vals);
            for (int i = 0; i < s->n_names; i++) s->vals[at][i] = xstrdup(f[i + 3]);
            s->done++;
        }
    }
    jread_free(&j);
    return rc;
}

/* Summary columns a sweep row leaves out: the row's own seed column says
 * the seed, and version, commit and scenario are the same in every row. */
static int dropped_column(const char *name)
{
    return replicate_is_meta(name) && strcmp(name, "fingerprint") != 0;
}

/* Appends configuration c, replication k to the journal (its header first
 * when it is the first line) and keeps the values. */
static int journal_add(sweep *s, int c, int k, const replicate_row *row, const char *path,
                       ecs_err *e)
{
    int n = 0;
    for (int i = 0; i < row->n; i++) n += !dropped_column(row->names[i]);
    csvw w;
    csvw_init(&w, s->journal);
    if (!s->names) {
        s->n_names = n;
        s->names = xcalloc((size_t) n, sizeof *s->names);
        n = 0;
        for (int i = 0; i < row->n; i++)
            if (!dropped_column(row->names[i])) s->names[n++] = xstrdup(row->names[i]);
        csvw_str(&w, "config");
        csvw_str(&w, "replication");
        csvw_str(&w, "seed");
        for (int i = 0; i < n; i++) csvw_str(&w, s->names[i]);
        csvw_end(&w);
    }
    char **v = xcalloc((size_t) s->n_names, sizeof *v);
    int m = 0, same = n == s->n_names;
    for (int i = 0; same && i < row->n; i++) {
        if (dropped_column(row->names[i])) continue;
        same = strcmp(row->names[i], s->names[m]) == 0;
        v[m++] = xstrdup(row->values[i]);
    }
    if (!same) {
        free_strs(v, s->n_names);
        return err_set(e, ECS_EINTERNAL, "%s: columns differ from the journal's", path);
    }
    csvw_int(&w, c + 1);
    csvw_int(&w, k);
    csvw_uint(&w, sweep_seed(s, k));
    for (int i = 0; i < s->n_names; i++) csvw_str(&w, v[i]);
    csvw_end(&w);
    /* flushed line by line: a sweep killed now loses only runs in flight */
    if (fflush(s->journal) != 0)
        return err_set(e, ECS_EIO, "%s/journal.csv: %s", s->dir, strerror(errno));
    s->vals[(size_t) c * (size_t) s->reps + (size_t) (k - 1)] = v;
    s->done++;
    return ECS_OK;
}

/* ---- the pool ---- */

typedef struct slot {
    pid_t pid;
    int fd; /* read end of the child's error pipe */
    int c, k;
    char dir[4400];
} slot;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* The child: one ordinary run, quiet; its message (if it fails) goes up the
 * pipe and its exit status says input (2) or internal (1) failure. Ctrl-C
 * at a terminal reaches the child too: it dies of it, as a run does. */
static void child_run(const sweep *s, const slot *sl, int fd)
{
    signal(SIGINT, SIG_DFL);
    int n;
    const char **sets = cfg_sets(s, sl->c, &n);
    run_opts one = s->o->run;
    one.sets = sets;
    one.n_sets = n;
    one.out_dir = sl->dir;
    one.seed_given = 1;
    one.seed = sweep_seed(s, sl->k);
    one.quiet = 1;
    ecs_err e;
    err_clear(&e);
    FILE *null = fopen("/dev/null", "w");
    int rc = run_scenario(&one, null ? null : stderr, NULL, &e);
    if (rc != ECS_OK) {
        ssize_t w = write(fd, e.msg, strlen(e.msg));
        (void) w;
    }
    /* _exit: the parent's stdio buffers (copied by fork) must not be
     * flushed twice, and no atexit handler belongs to the child */
    _exit(rc == ECS_OK ? 0 : err_exit_code(rc) == 2 ? 2 : 1);
}

static int pool_start(sweep *s, slot *sl, int c, int k, ecs_err *e)
{
    sl->c = c;
    sl->k = k;
    snprintf(sl->dir, sizeof sl->dir, "%s/c%d-r%d", s->runs_dir, c + 1, k);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return err_set(e, ECS_EINTERNAL, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return err_set(e, ECS_EINTERNAL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(s, sl, fds[1]);
    }
    close(fds[1]);
    sl->pid = pid;
    sl->fd = fds[0];
    return ECS_OK;
}

static void progress_line(const sweep *s, FILE *out, int c, int k, const replicate_row *row)
{
    const char *p99 = "", *req = "";
    for (int i = 0; i < row->n; i++) {
        if (strcmp(row->names[i], "p99_s") == 0) p99 = row->values[i];
        if (strcmp(row->names[i], "requests") == 0) req = row->values[i];
    }
    char label[2048];
    cfg_label(s, c, label, sizeof label);
    fprintf(out, "[%d/%d] config %d rep %d: requests %s, p99_s %s (%s)\n", s->done,
            s->n_configs * s->reps, c + 1, k, req, p99, label);
    fflush(out);
}

/* A child ended: its summary read back into the journal, its directory
 * removed unless kept. */
static int pool_finish(sweep *s, slot *sl, int status, FILE *out, ecs_err *e)
{
    char msg[1024];
    ssize_t got = read(sl->fd, msg, sizeof msg - 1);
    close(sl->fd);
    msg[got > 0 ? got : 0] = '\0';
    int rc = ECS_OK;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        int code = WIFEXITED(status) && WEXITSTATUS(status) == 2 ? ECS_EINPUT : ECS_EINTERNAL;
        char label[2048];
        cfg_label(s, sl->c, label, sizeof label);
        if (msg[0])
            rc = err_set(e, code, "sweep: config %d (%s) replication %d: %s", sl->c + 1, label,
                         sl->k, msg);
        else
            rc = err_set(e, code, "sweep: config %d (%s) replication %d: the run died (status %d)",
                         sl->c + 1, label, sl->k, status);
    } else {
        char path[4500];
        snprintf(path, sizeof path, "%s/summary.csv", sl->dir);
        replicate_row row;
        rc = replicate_read_row(path, &row, e);
        if (rc == ECS_OK) {
            rc = journal_add(s, sl->c, sl->k, &row, path, e);
            progress_clear(s->bar);
            if (rc == ECS_OK && !s->o->run.quiet) progress_line(s, out, sl->c, sl->k, &row);
            progress_tick(s->bar, s->done);
            replicate_row_free(&row);
        }
    }
    if (!s->o->keep_runs) replicate_rmtree(sl->dir);
    sl->pid = 0;
    return rc;
}

/* Ctrl-C: the runs in flight are killed and their partial directories
 * removed; one that had already ended well is journaled. */
static int pool_interrupt(sweep *s, slot *slots, int jobs, FILE *out, ecs_err *e)
{
    for (int i = 0; i < jobs; i++)
        if (slots[i].pid) kill(slots[i].pid, SIGKILL);
    for (int i = 0; i < jobs; i++) {
        if (!slots[i].pid) continue;
        int status;
        while (waitpid(slots[i].pid, &status, 0) < 0 && errno == EINTR) continue;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ecs_err ignored;
            err_clear(&ignored);
            pool_finish(s, &slots[i], status, out, &ignored);
        } else {
            close(slots[i].fd);
            slots[i].pid = 0;
        }
        replicate_rmtree(slots[i].dir);
    }
    progress_clear(s->bar);
    return err_set(e, ECS_EINTR, "interrupted: %d of %d runs journaled; run again with --resume",
                   s->done, s->n_configs * s->reps);
}

/* Runs what the journal lacks, at most jobs at a time, and at most
 * stop_after in all. Waits for every child it started, even after an
 * error, so none outlives the sweep; SIGINT stops it (pool_interrupt). */
static int pool_run(sweep *s, int jobs, FILE *out, ecs_err *e)
{
    slot *slots = xcalloc((size_t) jobs, sizeof *slots);
    int total = s->n_configs * s->reps, next = 0, started = 0, running = 0, rc = ECS_OK;
    int to_run = 0;
    for (int i = 0; i < total; i++) to_run += wanted(s, i / s->reps);
    progress_catch_sigint();
    s->bar = progress_start(to_run, s->done, s->o->run.quiet);
    for (;;) {
        if (rc == ECS_OK && progress_interrupted()) {
            rc = pool_interrupt(s, slots, jobs, out, e);
            break;
        }
        while (rc == ECS_OK && running < jobs &&
               (s->o->stop_after == 0 || started < s->o->stop_after)) {
            while (next < total && (s->vals[next] || !wanted(s, next / s->reps))) next++;
            if (next == total) break;
            int i = 0;
            while (slots[i].pid) i++;
            rc = pool_start(s, &slots[i], next / s->reps, next % s->reps + 1, e);
            if (rc != ECS_OK) break;
            next++;
            started++;
            running++;
        }
        if (running == 0) break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            rc = err_set(e, ECS_EINTERNAL, "waitpid: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < jobs; i++) {
            if (slots[i].pid != pid) continue;
            int r = pool_finish(s, &slots[i], status, out, e);
            if (rc == ECS_OK) rc = r;
            running--;
        }
    }
    progress_end(s->bar);
    s->bar = NULL;
    progress_release_sigint();
    free(slots);
    return rc;
}

#ifdef ECSIM_MPI
/* ---- MPI ranks (make MPI=1; the protocol is in sweep_mpi.c) ---- */

static int mpi_pending(void *ctx, int item)
{
    const sweep *s = ctx;
    return s->vals[item] == NULL && wanted(s, item / s->reps);
}

/* A worker rank: item run in this process, as a pool child runs it, into
 * s->runs_dir (this rank's own), and its summary row read back. */
static int mpi_run_item(void *ctx, int item, replicate_row *row, ecs_err *e)
{
    const sweep *s = ctx;
    slot sl;
    sl.c = item / s->reps;
    sl.k = item % s->reps + 1;
    snprintf(sl.dir, sizeof sl.dir, "%s/c%d-r%d", s->runs_dir, sl.c + 1, sl.k);
    int n;
    const char **sets = cfg_sets(s, sl.c, &n);
    run_opts one = s->o->run;
    one.sets = sets;
    one.n_sets = n;
    one.out_dir = sl.dir;
    one.seed_given = 1;
    one.seed = sweep_seed(s, sl.k);
    one.quiet = 1;
    ecs_err re;
    err_clear(&re);
    FILE *null = fopen("/dev/null", "w");
    int rc = run_scenario(&one, null ? null : stderr, NULL, &re);
    if (null) fclose(null);
    sets_free(s, sets);
    if (rc == ECS_OK) {
        char path[4500];
        snprintf(path, sizeof path, "%s/summary.csv", sl.dir);
        rc = replicate_read_row(path, row, &re);
    }
    if (rc != ECS_OK) {
        char label[2048];
        cfg_label(s, sl.c, label, sizeof label);
        err_set(e, rc, "sweep: config %d (%s) replication %d: %s", sl.c + 1, label, sl.k, re.msg);
    }
    if (!s->o->keep_runs) replicate_rmtree(sl.dir);
    return rc;
}

/* Rank 0: a worker's row journaled, as pool_finish does. */
static int mpi_add(void *ctx, int item, const replicate_row *row, ecs_err *e)
{
    sweep *s = ctx;
    int c = item / s->reps, k = item % s->reps + 1;
    if (s->vals[item]) return ECS_OK; /* handed out once: cannot happen */
    int rc = journal_add(s, c, k, row, "an MPI worker's summary.csv", e);
    if (rc == ECS_OK && !s->o->run.quiet) progress_line(s, s->mpi_out, c, k, row);
    return rc;
}

static sweep_mpi_ops mpi_ops(sweep *s)
{
    sweep_mpi_ops ops = {s,           s->n_configs * s->reps, s->o->stop_after,
                         mpi_pending, mpi_run_item,           mpi_add};
    return ops;
}

/* A worker rank's part of the sweep: its runs go under a directory of its
 * own (DIR/runs with --keep-runs, as the local pool keeps them), since the
 * output directory may not be on this machine. */
static int mpi_work(sweep *s, ecs_err *e)
{
    int rc = ECS_OK;
    if (s->o->keep_runs) {
        snprintf(s->runs_dir, sizeof s->runs_dir, "%s/runs", s->dir);
        rc = afile_mkdirs(s->runs_dir, e);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(s->runs_dir, sizeof s->runs_dir, "%s/ecsim-sweep.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(s->runs_dir)) rc = err_set(e, ECS_EIO, "%s: %s", s->runs_dir, strerror(errno));
    }
    size_t total = (size_t) s->n_configs * (size_t) s->reps;
    s->vals = xcalloc(total + 1, sizeof *s->vals);
    sweep_mpi_ops ops = mpi_ops(s);
    /* even when the directory failed: rank 0 waits for this rank's reports */
    ecs_err we;
    err_clear(&we);
    int wrc = sweep_mpi_work(&ops, &we);
    if (!s->o->keep_runs && rc == ECS_OK) replicate_rmtree(s->runs_dir);
    return rc != ECS_OK ? rc : wrc;
}
#endif

/* ---- results ---- */

/* A metric column is averaged when every cell is a number, true/false or
 * empty; the fingerprint identifies a run and is not. */
static int numeric_column(const sweep *s, int m)
{
    if (replicate_is_meta(s->names[m])) return 0;
    /* a run's own interval (p99_s_ci_low): the aggregate's is across replications */
    if (est_is_interval_column(s->names[m], (const char *const *) s->names, s->n_names)) return 0;
    size_t total = (size_t) s->n_configs * (size_t) s->reps;
    for (size_t r = 0; r < total; r++) {
        double v;
        if (s->vals[r] && s->vals[r][m][0] && !replicate_cell_value(s->vals[r][m], &v)) return 0;
    }
    return 1;
}

static int name_index(const sweep *s, const char *name)
{
    for (int m = 0; m < s->n_names; m++)
        if (strcmp(s->names[m], name) == 0) return m;
    return -1;
}

static void write_sweep_csv(const sweep *s, FILE *fp)
{
    csvw w;
    csvw_init(&w, fp);
    csvw_str(&w, "config");
    for (int d = 0; d < s->n_dims; d++) csvw_str(&w, s->dims[d].path);
    csvw_str(&w, "replication");
    csvw_str(&w, "seed");
    for (int m = 0; m < s->n_names; m++) csvw_str(&w, s->names[m]);
    csvw_end(&w);
    for (int c = 0; c < s->n_configs; c++) {
        for (int k = 1; k <= s->reps; k++) {
            char **v = s->vals[(size_t) c * (size_t) s->reps + (size_t) (k - 1)];
            if (!v) continue;
            csvw_int(&w, c + 1);
            for (int d = 0; d < s->n_dims; d++) csvw_str(&w, cfg_value(s, c, d));
            csvw_int(&w, k);
            csvw_uint(&w, sweep_seed(s, k));
            for (int m = 0; m < s->n_names; m++) csvw_str(&w, v[m]);
            csvw_end(&w);
        }
    }
}

/* mean, low, high of metric m over configuration c's replications */
static void cfg_ci(const sweep *s, int c, int m, double *x, double out[3])
{
    for (int k = 0; k < s->reps; k++)
        replicate_cell_value(s->vals[(size_t) c * (size_t) s->reps + (size_t) k][m], &x[k]);
    replicate_interval(x, s->reps, &out[0], &out[1], &out[2]);
}

static void write_aggregate_csv(const sweep *s, const int *numeric, FILE *fp)
{
    csvw w;
    csvw_init(&w, fp);
    csvw_str(&w, "config");
    for (int d = 0; d < s->n_dims; d++) csvw_str(&w, s->dims[d].path);
    csvw_str(&w, "replications");
    for (int m = 0; m < s->n_names; m++) {
        if (!numeric[m]) continue;
        char name[512];
        csvw_str(&w, s->names[m]);
        snprintf(name, sizeof name, "%s_ci_low", s->names[m]);
        csvw_str(&w, name);
        snprintf(name, sizeof name, "%s_ci_high", s->names[m]);
        csvw_str(&w, name);
    }
    csvw_end(&w);
    double *x = xmalloc((size_t) s->reps * sizeof *x), ci[3];
    for (int c = 0; c < s->n_configs; c++) {
        if (!cfg_complete(s, c)) continue;
        csvw_int(&w, c + 1);
        for (int d = 0; d < s->n_dims; d++) csvw_str(&w, cfg_value(s, c, d));
        csvw_int(&w, s->reps);
        for (int m = 0; m < s->n_names; m++) {
            if (!numeric[m]) continue;
            cfg_ci(s, c, m, x, ci);
            csvw_real(&w, ci[0]);
            csvw_real(&w, ci[1]);
            csvw_real(&w, ci[2]);
        }
        csvw_end(&w);
    }
    free(x);
}

/* The configuration with the lowest mean p99_s among those whose SLO held
 * in every replication (slo_p99_ok and slo_error_rate_ok averaging 1). */
static void print_best(const sweep *s, FILE *out)
{
    int p99 = name_index(s, "p99_s"), ok1 = name_index(s, "slo_p99_ok"),
        ok2 = name_index(s, "slo_error_rate_ok");
    if (p99 < 0 || ok1 < 0 || ok2 < 0) return;
    double *x = xmalloc((size_t) s->reps * sizeof *x), a[3], b[3], best[3] = {NAN, NAN, NAN};
    int at = -1;
    for (int c = 0; c < s->n_configs; c++) {
        if (!cfg_complete(s, c)) continue;
        cfg_ci(s, c, ok1, x, a);
        cfg_ci(s, c, ok2, x, b);
        if (!(a[0] == 1 && b[0] == 1)) continue;
        double p[3];
        cfg_ci(s, c, p99, x, p);
        if (isnan(p[0]) || (at >= 0 && !(p[0] < best[0]))) continue;
        at = c;
        memcpy(best, p, sizeof best);
    }
    free(x);
    if (at < 0) {
        fprintf(out, "  no configuration met the SLO in every replication\n");
        return;
    }
    char label[2048];
    cfg_label(s, at, label, sizeof label);
    fprintf(out, "  best meeting the SLO in every replication, by mean p99_s: config %d (%s)\n",
            at + 1, label);
    if (s->reps > 1)
        fprintf(out, "    p99_s %.6g s, 95%% CI [%.6g, %.6g]\n", best[0], best[1], best[2]);
    else
        fprintf(out, "    p99_s %.6g s (one replication: no interval)\n", best[0]);
}

static int write_results(const sweep *s, ecs_err *e)
{
    int *numeric = xcalloc((size_t) s->n_names + 1, sizeof *numeric);
    for (int m = 0; m < s->n_names; m++) numeric[m] = numeric_column(s, m);
    afile_set *files = afile_set_new(s->dir);
    FILE *sf = afile_set_open(files, "sweep.csv", e);
    FILE *af = sf ? afile_set_open(files, "aggregate.csv", e) : NULL;
    int rc = e->code;
    if (af) {
        write_sweep_csv(s, sf);
        write_aggregate_csv(s, numeric, af);
        rc = afile_set_commit(files, e);
    }
    afile_set_free(files);
    free(numeric);
    return rc;
}

/* ---- the sweep ---- */

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > SWEEP_MAX_JOBS ? SWEEP_MAX_JOBS : (int) n;
}

static int path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Options, --vary expressions, the design and every configuration's values,
 * all before the disk is touched. */
static int sweep_prepare(sweep *s, const sweep_opts *o, ecs_err *e)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    s->reps = o->replications;
    if (o->n_vary < 1 && !o->single)
        return err_set(e, ECS_EINPUT, "sweep: expected at least one --vary PATH=SPEC");
    if (o->replications < 1 || o->replications > REPLICATE_LIMIT)
        return err_set(e, ECS_EINPUT, "--replications: expected an integer in [1, %d]",
                       REPLICATE_LIMIT);
    s->dims = xcalloc((size_t) o->n_vary + 1, sizeof *s->dims);
    for (int i = 0; i < o->n_vary; i++) {
        int rc = sweep_parse_vary(o->vary[i], &s->dims[i], e);
        if (rc != ECS_OK) return rc;
        s->n_dims++;
        for (int j = 0; j < i; j++)
            if (strcmp(s->dims[j].path, s->dims[i].path) == 0)
                return err_set(e, ECS_EINPUT, "--vary: %s: varied twice", s->dims[i].path);
    }

    const run_opts *ro = &o->run;
    params *p = run_load_params(ro->scenario, ro->sets, ro->n_sets, e);
    if (!p) return e->code;
    int rc = run_validate(p, e);
    s->seed = ro->seed_given ? ro->seed : (uint64_t) params_int(p, "run.seed");
    params_free(p);
    if (rc != ECS_OK) return rc;

    if (o->lhs > 0) {
        if (o->lhs > SWEEP_MAX_CONFIGS)
            return err_set(e, ECS_EINPUT, "--lhs: expected an integer in [1, %d]",
                           SWEEP_MAX_CONFIGS);
        int *nv = xmalloc((size_t) s->n_dims * sizeof *nv);
        for (int d = 0; d < s->n_dims; d++) nv[d] = s->dims[d].n;
        s->n_configs = o->lhs;
        s->cidx = xmalloc((size_t) s->n_configs * (size_t) s->n_dims * sizeof *s->cidx);
        sweep_lhs(nv, s->n_dims, o->lhs, s->seed, s->cidx);
        free(nv);
    } else {
        double n = 1;
        for (int d = 0; d < s->n_dims; d++) n *= s->dims[d].n;
        if (n > SWEEP_MAX_CONFIGS)
            return err_set(e, ECS_EINPUT,
                           "--vary: the grid has %.0f configurations, more than %d; sample it "
                           "with --lhs K",
                           n, SWEEP_MAX_CONFIGS);
        s->n_configs = (int) n;
        s->cidx = xmalloc(((size_t) s->n_configs * (size_t) s->n_dims + 1) * sizeof *s->cidx);
        /* row-major: the first --vary changes slowest, the last fastest */
        for (int c = 0; c < s->n_configs; c++) {
            int rest = c;
            for (int d = s->n_dims - 1; d >= 0; d--) {
                s->cidx[(size_t) c * (size_t) s->n_dims + (size_t) d] = rest % s->dims[d].n;
                rest /= s->dims[d].n;
            }
        }
    }
    if ((double) s->n_configs * s->reps > 1e9)
        return err_set(e, ECS_EINPUT, "sweep: %d configurations x %d replications is too many",
                       s->n_configs, s->reps);
    return check_configs(s, e);
}

static void sweep_free(sweep *s)
{
    size_t total = (size_t) s->n_configs * (size_t) s->reps;
    for (size_t r = 0; s->vals && r < total; r++) free_strs(s->vals[r], s->n_names);
    free(s->vals);
    free_strs(s->names, s->n_names);
    for (int d = 0; d < s->n_dims; d++) sweep_dim_free(&s->dims[d]);
    free(s->dims);
    free(s->cidx);
    if (s->journal) fclose(s->journal);
}

/* Makes the output directory ready: a fresh sweep writes spec.txt and
 * starts an empty journal (removing an earlier sweep's results); --resume
 * checks spec.txt and reads the journal. */
static int open_dir(sweep *s, const char *spec, ecs_err *e)
{
    char path[4200];
    int rc = ECS_OK;
    snprintf(path, sizeof path, "%s/spec.txt", s->dir);
    if (s->o->resume) {
        char *old = NULL;
        FILE *fp = fopen(path, "rb");
        if (fp) {
            size_t cap = strlen(spec) + 2;
            old = xcalloc(cap + 1, 1);
            size_t got = fread(old, 1, cap, fp);
            old[got] = '\0';
            fclose(fp);
        }
        if (!old)
            rc =
                err_set(e, ECS_EINPUT, "--resume: %s has no sweep to resume (no spec.txt)", s->dir);
        else if (strcmp(old, spec) != 0)
            rc = err_set(e, ECS_EINPUT,
                         "--resume: %s holds another sweep (scenario, --set, --vary, --lhs, "
                         "--replications or seed differ)",
                         s->dir);
        free(old);
        snprintf(path, sizeof path, "%s/journal.csv", s->dir);
        if (rc == ECS_OK) rc = journal_load(s, path, e);
    } else {
        afile *f = afile_open(s->dir, "spec.txt", e);
        if (!f) return e->code;
        fputs(spec, afile_fp(f));
        if ((rc = afile_commit(f, e)) != ECS_OK) return rc;
        static const char *const stale[] = {"journal.csv", "sweep.csv", "aggregate.csv"};
        for (size_t i = 0; i < sizeof stale / sizeof *stale; i++) {
            snprintf(path, sizeof path, "%s/%s", s->dir, stale[i]);
            if (remove(path) != 0 && errno != ENOENT)
                return err_set(e, ECS_EIO, "%s: %s", path, strerror(errno));
        }
    }
    if (rc != ECS_OK) return rc;
    snprintf(path, sizeof path, "%s/journal.csv", s->dir);
    s->journal = fopen(path, "ab");
    if (!s->journal) return err_set(e, ECS_EIO, "%s: %s", path, strerror(errno));
    return ECS_OK;
}

/* Copies what a finished sweep measured into t (see sweep.h). */
/* The configurations of t, without results. */
static void fill_shape(const sweep *s, sweep_table *t)
{
    t->n_configs = s->n_configs;
    t->n_dims = s->n_dims;
    t->reps = s->reps;
    t->paths = xcalloc((size_t) s->n_dims + 1, sizeof *t->paths);
    for (int d = 0; d < s->n_dims; d++) t->paths[d] = xstrdup(s->dims[d].path);
    t->values = xcalloc((size_t) s->n_configs * (size_t) s->n_dims + 1, sizeof *t->values);
    for (int c = 0; c < s->n_configs; c++)
        for (int d = 0; d < s->n_dims; d++)
            t->values[(size_t) c * (size_t) s->n_dims + (size_t) d] = xstrdup(cfg_value(s, c, d));
}

static void fill_table(const sweep *s, sweep_table *t)
{
    fill_shape(s, t);
    t->n_metrics = s->n_names;
    t->metrics = xcalloc((size_t) s->n_names + 1, sizeof *t->metrics);
    for (int m = 0; m < s->n_names; m++) t->metrics[m] = xstrdup(s->names[m]);
    t->ci = xcalloc((size_t) s->n_configs * (size_t) s->n_names * 3 + 1, sizeof *t->ci);
    double *x = xmalloc((size_t) s->reps * sizeof *x);
    for (int m = 0; m < s->n_names; m++) {
        int num = numeric_column(s, m);
        for (int c = 0; c < s->n_configs; c++) {
            double *out = &t->ci[((size_t) c * (size_t) s->n_names + (size_t) m) * 3];
            if (num && cfg_complete(s, c))
                cfg_ci(s, c, m, x, out);
            else
                out[0] = out[1] = out[2] = NAN;
        }
    }
    free(x);
}

void sweep_table_free(sweep_table *t)
{
    for (int d = 0; t->paths && d < t->n_dims; d++) free(t->paths[d]);
    size_t nv = (size_t) t->n_configs * (size_t) t->n_dims;
    for (size_t i = 0; t->values && i < nv; i++) free(t->values[i]);
    for (int m = 0; t->metrics && m < t->n_metrics; m++) free(t->metrics[m]);
    free(t->paths);
    free(t->values);
    free(t->metrics);
    free(t->ci);
    memset(t, 0, sizeof *t);
}

int sweep_table_shape(const sweep_opts *o, sweep_table *t, ecs_err *e)
{
    sweep s;
    memset(t, 0, sizeof *t);
    int rc = sweep_prepare(&s, o, e);
    if (rc == ECS_OK) fill_shape(&s, t);
    sweep_free(&s);
    return rc;
}

int sweep_table_metric(const sweep_table *t, const char *name)
{
    for (int m = 0; m < t->n_metrics; m++)
        if (strcmp(t->metrics[m], name) == 0) return m;
    return -1;
}

int sweep_run(const sweep_opts *o, FILE *out, ecs_err *e)
{
    return sweep_run_table(o, out, NULL, e);
}

int sweep_run_table(const sweep_opts *o, FILE *out, sweep_table *t, ecs_err *e)
{
    sweep s;
    if (t) memset(t, 0, sizeof *t);
    int rc = sweep_prepare(&s, o, e);
    if (rc != ECS_OK) {
        sweep_free(&s);
        return rc;
    }
    int jobs = o->jobs > 0 ? o->jobs : online_cpus();
    if (o->run.out_dir)
        snprintf(s.dir, sizeof s.dir, "%s", o->run.out_dir);
    else {
        run_default_out_dir(o->run.scenario, s.dir, sizeof s.dir - 8);
        strcat(s.dir, "-sweep");
    }
#ifdef ECSIM_MPI
    /* under mpirun every rank prepares the same sweep; workers run items */
    sweep_mpi_role role = sweep_mpi_begin();
    if (role == SWEEP_MPI_WORKER) {
        rc = mpi_work(&s, e);
        if (rc == ECS_OK && t) {
            fill_shape(&s, t);
            t->served = 1;
        }
        sweep_free(&s);
        return rc;
    }
    if (role == SWEEP_MPI_COORDINATOR) jobs = sweep_mpi_workers();
#endif
    if (o->resume && !path_exists(s.dir)) {
        rc = err_set(e, ECS_EINPUT, "--resume: %s has no sweep to resume", s.dir);
        sweep_free(&s);
        return rc;
    }
    char created[4096];
    replicate_first_missing(s.dir, created, sizeof created);
    if (o->keep_runs)
        snprintf(s.runs_dir, sizeof s.runs_dir, "%s/runs", s.dir);
    else
        snprintf(s.runs_dir, sizeof s.runs_dir, "%s/.sweep.tmp.%ld", s.dir, (long) getpid());
    size_t total = (size_t) s.n_configs * (size_t) s.reps;
    s.vals = xcalloc(total, sizeof *s.vals);
    char *spec = spec_text(&s);
    rc = afile_mkdirs(s.runs_dir, e);
    if (rc == ECS_OK) rc = open_dir(&s, spec, e);
    free(spec);
    if (rc != ECS_OK) {
        /* nothing of this sweep is worth keeping: no run has ended yet */
        if (created[0]) replicate_rmtree(created);
        if (!o->keep_runs) replicate_rmtree(s.runs_dir);
        sweep_free(&s);
        return rc;
    }

    int before = s.done;
    double wall0 = wall_now();
#ifdef ECSIM_MPI
    if (role == SWEEP_MPI_COORDINATOR) {
        s.mpi_out = out;
        sweep_mpi_ops ops = mpi_ops(&s);
        rc = sweep_mpi_coordinate(&ops, e);
    } else
#endif
        rc = pool_run(&s, jobs, out, e);
    double wall_s = wall_now() - wall0;
    if (!o->keep_runs) replicate_rmtree(s.runs_dir);
    size_t wanted_runs = 0;
    for (size_t i = 0; i < total; i++)
        wanted_runs += (size_t) wanted(&s, (int) (i / (size_t) s.reps));
    if (rc == ECS_OK && (size_t) s.done < wanted_runs) {
        fprintf(out,
                "sweep incomplete: %d of %zu runs journaled in %s/journal.csv (stopped by "
                "--stop-after %d); run again with --resume to finish\n",
                s.done, wanted_runs, s.dir, o->stop_after);
    } else if (rc == ECS_OK) {
        rc = write_results(&s, e);
        if (rc == ECS_OK && t) fill_table(&s, t);
        if (rc == ECS_OK && !o->run.quiet) {
            fprintf(out,
                    "sweep: %d configurations x %d replications = %zu runs (%d run now, -j %d) "
                    "in %.2f s\n",
                    s.n_configs, s.reps, total, s.done - before, jobs, wall_s);
            print_best(&s, out);
            fprintf(out, "  results: %s/ (sweep.csv, aggregate.csv, journal.csv)\n", s.dir);
        }
    }
    sweep_free(&s);
    return rc;
}

/* dist.c -- sampling service demands and think times.
 * dist_make turns what a user asks for (a mean and a cv, a Pareto's natural
 * parameters, or a file) into each family's sampling parameters once, so
 * dist_sample, which runs once per request, is a switch and one GSL variate:
 * no allocation, no root finding, no logarithm that could be hoisted. The
 * empirical family reads its whole CSV here and owns the table it samples.
 *
 * The CSV reader is built for exact messages, not speed (it runs once per
 * scenario; a million values, 9 MB, load in about 0.15 s): it feeds libcsv
 * one byte at a time, so every field's line and column are known when
 * libcsv reports it. */
#include "dist.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "xmalloc.h"

static const char *const family_names[] = {
    [DIST_EXPONENTIAL] = "exponential",
    [DIST_DETERMINISTIC] = "deterministic",
    [DIST_LOGNORMAL] = "lognormal",
    [DIST_GAMMA] = "gamma",
    [DIST_WEIBULL] = "weibull",
    [DIST_BOUNDED_PARETO] = "bounded_pareto",
    [DIST_HYPEREXPONENTIAL] = "hyperexponential",
    [DIST_EMPIRICAL] = "empirical",
};

#define N_FAMILIES (sizeof family_names / sizeof family_names[0])

/* Gamma draws for shape a < 1 are a Gamma(a+1) draw times U^(1/a); with a
 * 32-bit uniform, U^(1/a) can underflow to 0 once 1/a > 33, so cv is held
 * to 5 (shape 1/25), where every draw is a positive double. Skew beyond
 * that is better modelled by the bounded Pareto or the hyperexponential. */
#define GAMMA_CV_MAX 5.0

/* Weibull shapes k from 0.05 to 1000 give cv from about 3.7e5 down to
 * 0.0013, so this cv range is always bracketed; below 0.01 use a
 * deterministic demand, above 100 nothing is measured that is not noise. */
#define WEIBULL_CV_MIN 0.01
#define WEIBULL_CV_MAX 100.0
#define WEIBULL_K_LO   0.05
#define WEIBULL_K_HI   1000.0

static int bad(ecs_err *e, dist_family f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(ecs_err *e, dist_family f, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, ECS_EINPUT, "%s: %s", family_names[f], msg);
}

static int positive(double x)
{
    return isfinite(x) && x > 0;
}

/* log(1 + cv^2) of a Weibull with shape k: lnG(1+2/k) - 2 lnG(1+1/k).
 * Strictly decreasing in k. */
static double weibull_log1p_scv(double k)
{
    return gsl_sf_lngamma(1 + 2 / k) - 2 * gsl_sf_lngamma(1 + 1 / k);
}

/* The shape with this cv, by bisection on log k: the function is monotone
 * and smooth, the bracket is fixed, and 100 halvings of a bracket 10 wide
 * reach the last bit of a double. Runs once per dist_make. */
static double weibull_shape(double cv)
{
    double target = log1p(cv * cv), lo = log(WEIBULL_K_LO), hi = log(WEIBULL_K_HI);
    for (int i = 0; i < 100; i++) {
        double mid = (lo + hi) / 2;
        if (weibull_log1p_scv(exp(mid)) > target)
            lo = mid;
        else
            hi = mid;
    }
    return exp((lo + hi) / 2);
}

/* (r^-d - 1) / d, and its limit -ln r at d = 0: expm1 keeps it exact for
 * the small d that an alpha near 1 or 2 gives. */
static double pow_m1_over(double ln_r, double d)
{
    return d == 0 ? -ln_r : expm1(-d * ln_r) / d;
}

/* E[X^j] of the bounded Pareto, with r = min/max:
 * min^j * alpha * (r^(alpha-j) - 1) / ((j - alpha) (1 - r^alpha)). */
static double pareto_moment(double alpha, double min, double max, int j)
{
    double ln_r = log(min / max);
    return pow(min, j) * alpha * pow_m1_over(ln_r, j - alpha) / -expm1(alpha * ln_r);
}

static int make_parametric(dist *d, const dist_spec *s, ecs_err *e)
{
    dist_family f = s->family;
    if (f != DIST_BOUNDED_PARETO && !positive(s->mean))
        return bad(e, f, "mean must be > 0 and finite, got %g", s->mean);
    d->mean = s->mean;
    double cv = s->cv, c2 = cv * cv;

    switch (f) {
    case DIST_EXPONENTIAL:
        d->scv = 1;
        return ECS_OK;
    case DIST_DETERMINISTIC:
        d->scv = 0;
        return ECS_OK;
    case DIST_LOGNORMAL: {
        if (!positive(cv)) return bad(e, f, "cv must be > 0 and finite, got %g", cv);
        /* Moment matching: E = exp(mu + s2/2) = mean, SCV = exp(s2) - 1. */
        double s2 = log1p(c2);
        d->u.lognormal.sigma = sqrt(s2);
        d->u.lognormal.mu = log(s->mean) - s2 / 2;
        d->scv = c2;
        return ECS_OK;
    }
    case DIST_GAMMA:
        if (!(cv > 0 && cv <= GAMMA_CV_MAX))
            return bad(e, f, "cv must be in (0, %g], got %g", GAMMA_CV_MAX, cv);
        /* Shape k, scale t: mean k t, SCV 1/k. */
        d->u.gamma.shape = 1 / c2;
        d->u.gamma.scale = s->mean * c2;
        d->scv = c2;
        return ECS_OK;
    case DIST_WEIBULL: {
        if (!(cv >= WEIBULL_CV_MIN && cv <= WEIBULL_CV_MAX))
            return bad(e, f, "cv must be in [%g, %g], got %g", WEIBULL_CV_MIN, WEIBULL_CV_MAX, cv);
        double k = weibull_shape(cv);
        d->u.weibull.shape = k;
        d->u.weibull.scale = s->mean / exp(gsl_sf_lngamma(1 + 1 / k));
        /* The SCV the solved shape really has (equal to cv^2 to rounding). */
        d->scv = expm1(weibull_log1p_scv(k));
        return ECS_OK;
    }
    case DIST_HYPEREXPONENTIAL: {
        if (!(cv >= 1 && isfinite(cv))) return bad(e, f, "cv must be >= 1 and finite, got %g", cv);
        /* Balanced means (p/l1 = (1-p)/l2), the usual two-moment fit:
         * p = (1 + sqrt((c2-1)/(c2+1))) / 2 gives SCV 1/(2p(1-p)) - 1 = c2. */
        double p = (1 + sqrt((c2 - 1) / (c2 + 1))) / 2;
        d->u.hyper.p = p;
        d->u.hyper.mean1 = s->mean / (2 * p);
        d->u.hyper.mean2 = s->mean / (2 * (1 - p));
        d->scv = c2;
        return ECS_OK;
    }
    case DIST_BOUNDED_PARETO: {
        double a = s->alpha, lo = s->min, hi = s->max;
        if (!positive(a)) return bad(e, f, "alpha must be > 0 and finite, got %g", a);
        if (!positive(lo)) return bad(e, f, "min must be > 0 and finite, got %g", lo);
        if (!(isfinite(hi) && hi > lo))
            return bad(e, f, "max must be finite and > min (%g), got %g", lo, hi);
        d->u.pareto.alpha = a;
        d->u.pareto.min = lo;
        d->u.pareto.max = hi;
        d->u.pareto.tail = -expm1(a * log(lo / hi));
        d->u.pareto.neg_inv_a = -1 / a;
        d->mean = pareto_moment(a, lo, hi, 1);
        d->scv = pareto_moment(a, lo, hi, 2) / (d->mean * d->mean) - 1;
        return ECS_OK;
    }
    case DIST_EMPIRICAL:
        break;
    }
    assert(0 && "not a parametric family");
    return ECS_EINTERNAL;
}

/* ---- The empirical file ------------------------------------------------ */

#define HIST_COLUMNS 3
static const char *const hist_names[HIST_COLUMNS] = {"low", "high", "weight"};

#define HEADER_HELP                                                                                \
    "expected a header: one column name (a list of values) or low,high,weight (a histogram)"

/* Longest field text quoted back in a message, and longest number read. */
#define ECHO_MAX   60
#define NUMBER_MAX 64

/* Everything libcsv's callbacks need; lives on make_empirical's stack. */
typedef struct loader {
    const char *path;
    ecs_err *e;
    int failed; /* an error is recorded; callbacks then do nothing */

    int line, col;  /* the byte being fed, 1-based */
    int prev_cr;    /* the last byte was '\r' (a following '\n' ends no line) */
    int field_open; /* a byte of the current field other than blank was fed */
    int field_line, field_col;

    size_t nf;                      /* fields of the open record so far */
    int pos_line[HIST_COLUMNS + 1]; /* where its first fields begin */
    int pos_col[HIST_COLUMNS + 1];  /* (the last slot: the first extra one) */
    double row[HIST_COLUMNS];       /* its numbers */
    int header_done, header_hist;   /* the header seen; and it is low,high,weight */
    int header_is_number;           /* its first field parses as a number */
    size_t ncols;                   /* 1 (values) or 3 (histogram) */
    char header[ECHO_MAX + 1];      /* the header as read, for messages */
    char value_name[ECHO_MAX + 1];  /* a values file's column name */

    double *x, *high, *w; /* values, or bins' lows, highs and weights */
    size_t n, cap;
} loader;

static void fail_at(loader *ld, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail_at(loader *ld, int line, int col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_at(ld->e, ECS_EINPUT, ld->path, line, col, "%s", msg);
    ld->failed = 1;
}

/* A finite decimal number >= 0. Hex floats, "inf" and "nan", which strtod
 * would take, are refused by the character set (which also catches a NUL
 * inside the field). ecsim never calls setlocale, so the point is '.'. */
static int parse_number(const char *s, size_t len, double *out)
{
    char buf[NUMBER_MAX];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (strspn(buf, "0123456789.eE+-") != len) return -1;
    char *end;
    double v = strtod(buf, &end);
    if (*end != '\0' || !isfinite(v) || v < 0) return -1;
    *out = v == 0 ? 0 : v; /* "-0" is 0, not -0.0 */
    return 0;
}

/* The field as text safe to quote in a message: cut at ECHO_MAX, with any
 * NUL shown as '?'. */
static void echo(char *dst, const char *s, size_t len)
{
    if (len > ECHO_MAX) len = ECHO_MAX;
    for (size_t i = 0; i < len; i++) dst[i] = s[i] ? s[i] : '?';
    dst[len] = '\0';
}

static void header_field(loader *ld, size_t i, const char *s, size_t len)
{
    size_t used = strlen(ld->header);
    char text[ECHO_MAX + 1];
    echo(text, s, len);
    snprintf(ld->header + used, sizeof ld->header - used, "%s%s", i ? "," : "", text);
    if (i == 0) {
        double v;
        ld->header_is_number = parse_number(s, len, &v) == 0;
        memcpy(ld->value_name, text, strlen(text) + 1);
        ld->header_hist = 1;
    }
    if (i >= HIST_COLUMNS || strlen(hist_names[i]) != len || memcmp(hist_names[i], s, len) != 0)
        ld->header_hist = 0;
}

static void on_field(void *s, size_t len, void *data)
{
    loader *ld = data;
    int line = ld->field_open ? ld->field_line : ld->line;
    int col = ld->field_open ? ld->field_col : ld->col;
    ld->field_open = 0;
    if (ld->failed) return;
    size_t i = ld->nf++;
    if (i <= HIST_COLUMNS) {
        ld->pos_line[i] = line;
        ld->pos_col[i] = col;
    }
    if (!ld->header_done) {
        header_field(ld, i, s, len);
        return;
    }
    if (i >= ld->ncols) {
        fail_at(ld, line, col, "too many fields: the header has %zu", ld->ncols);
        return;
    }
    if (parse_number(s, len, &ld->row[i])) {
        char text[ECHO_MAX + 1];
        echo(text, s, len);
        fail_at(ld, line, col, "column %s: expected a number >= 0, got \"%s\"",
                ld->ncols == 1 ? ld->value_name : hist_names[i], text);
    }
}

static void end_header(loader *ld)
{
    ld->header_done = 1;
    if (ld->nf == HIST_COLUMNS && ld->header_hist) {
        ld->ncols = HIST_COLUMNS;
    } else if (ld->nf == 1 && ld->value_name[0] && !ld->header_is_number) {
        ld->ncols = 1;
    } else {
        fail_at(ld, ld->pos_line[0], ld->pos_col[0], HEADER_HELP "; got \"%s\"", ld->header);
    }
}

static void add_row(loader *ld)
{
    if (ld->nf < ld->ncols) {
        fail_at(ld, ld->pos_line[0], ld->pos_col[0], "too few fields: expected %zu (%s), got %zu",
                ld->ncols, ld->ncols == 1 ? ld->value_name : "low,high,weight", ld->nf);
        return;
    }
    if (ld->ncols == HIST_COLUMNS) {
        double lo = ld->row[0], hi = ld->row[1];
        if (!(hi > lo)) {
            fail_at(ld, ld->pos_line[1], ld->pos_col[1], "bin [%g, %g): high must be > low", lo,
                    hi);
            return;
        }
        if (ld->n > 0 && lo < ld->high[ld->n - 1]) {
            fail_at(ld, ld->pos_line[0], ld->pos_col[0],
                    "bin [%g, %g) overlaps the previous bin [%g, %g); bins must ascend without "
                    "overlapping",
                    lo, hi, ld->x[ld->n - 1], ld->high[ld->n - 1]);
            return;
        }
    }
    /* gsl_rng_uniform_int draws from a 32-bit generator's range. */
    if (ld->n == UINT32_MAX) {
        fail_at(ld, ld->pos_line[0], ld->pos_col[0], "more than %lu rows",
                (unsigned long) UINT32_MAX);
        return;
    }
    if (ld->n == ld->cap) {
        ld->cap = ld->cap ? 2 * ld->cap : 256;
        ld->x = xrealloc(ld->x, ld->cap * sizeof *ld->x);
        if (ld->ncols == HIST_COLUMNS) {
            ld->high = xrealloc(ld->high, ld->cap * sizeof *ld->high);
            ld->w = xrealloc(ld->w, ld->cap * sizeof *ld->w);
        }
    }
    ld->x[ld->n] = ld->row[0];
    if (ld->ncols == HIST_COLUMNS) {
        ld->high[ld->n] = ld->row[1];
        ld->w[ld->n] = ld->row[2];
    }
    ld->n++;
}

static void on_row_end(int terminator, void *data)
{
    (void) terminator;
    loader *ld = data;
    if (!ld->failed) {
        if (ld->header_done)
            add_row(ld);
        else
            end_header(ld);
    }
    ld->nf = 0;
}

/* Feeds n bytes to libcsv one at a time, keeping line and column. */
static void feed(loader *ld, struct csv_parser *p, const char *buf, size_t n)
{
    for (size_t i = 0; i < n && !ld->failed; i++) {
        char c = buf[i];
        if (!ld->field_open && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            ld->field_open = 1;
            ld->field_line = ld->line;
            ld->field_col = ld->col;
        }
        if (csv_parse(p, &c, 1, on_field, on_row_end, ld) != 1 && !ld->failed)
            fail_at(ld, ld->line, ld->col,
                    "malformed CSV: stray quote (quote a field that holds quotes, and double "
                    "each quote inside it)");
        if (c == '\n' && ld->prev_cr) {
            ld->prev_cr = 0;
        } else if (c == '\n' || c == '\r') {
            ld->line++;
            ld->col = 1;
            ld->prev_cr = c == '\r';
        } else {
            ld->col++;
            ld->prev_cr = 0;
        }
    }
}

/* Reads the whole file into ld; 0, or an ECS_E* code with ld->e filled. */
static int read_file(loader *ld)
{
    FILE *f = fopen(ld->path, "rb");
    if (!f) return err_set(ld->e, ECS_EIO, "%s: cannot read: %s", ld->path, strerror(errno));

    struct csv_parser p;
    /* Strict: a stray quote is an error, not data. libcsv's buffer grows
     * through xrealloc. */
    int rc = csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    assert(rc == 0); /* fails only for a NULL parser */
    (void) rc;
    csv_set_realloc_func(&p, xrealloc);
    csv_set_free_func(&p, free);

    char buf[65536];
    size_t got, total = 0;
    while (!ld->failed && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        size_t skip = 0;
        /* Spreadsheets often start a UTF-8 CSV with a byte-order mark. */
        if (total == 0 && got >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) skip = 3;
        total += got;
        feed(ld, &p, buf + skip, got - skip);
    }
    int read_errno = ferror(f) ? errno : 0;
    fclose(f);
    if (read_errno && !ld->failed) {
        csv_free(&p);
        return err_set(ld->e, ECS_EIO, "%s: cannot read: %s", ld->path, strerror(read_errno));
    }
    if (!ld->failed && csv_fini(&p, on_field, on_row_end, ld) != 0 && !ld->failed)
        fail_at(ld, ld->field_line, ld->field_col,
                "malformed CSV: quoted field not closed before the end of the file");
    csv_free(&p);
    if (ld->failed) return ECS_EINPUT;
    if (!ld->header_done)
        return err_set(ld->e, ECS_EINPUT, "%s: empty file; " HEADER_HELP, ld->path);
    if (ld->n == 0)
        return err_set(ld->e, ECS_EINPUT, "%s: no %s after the header", ld->path,
                       ld->ncols == 1 ? "values" : "bins");
    return ECS_OK;
}

/* Moves the table into d and computes its exact moments. */
static int make_values(dist *d, loader *ld)
{
    size_t n = ld->n;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += ld->x[i];
    if (!(sum > 0)) return err_set(ld->e, ECS_EINPUT, "%s: every value is 0", ld->path);
    if (!isfinite(sum))
        return err_set(ld->e, ECS_EINPUT, "%s: numbers too large to average", ld->path);
    double mean = sum / (double) n, ss = 0;
    /* Two passes: the variance of the draw itself (each row 1/n), without
     * the cancellation of E[X^2] - mean^2. */
    for (size_t i = 0; i < n; i++) ss += (ld->x[i] - mean) * (ld->x[i] - mean);
    d->mean = mean;
    d->scv = ss / (double) n / (mean * mean);
    d->u.empirical.n = n;
    d->u.empirical.x = ld->x;
    ld->x = NULL;
    return ECS_OK;
}

static int make_histogram(dist *d, loader *ld)
{
    size_t n = ld->n;
    double wsum = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        wsum += ld->w[i];
        m += ld->w[i] * (ld->x[i] + ld->high[i]) / 2;
    }
    if (!(wsum > 0)) return err_set(ld->e, ECS_EINPUT, "%s: every bin has weight 0", ld->path);
    if (!isfinite(wsum) || !isfinite(m))
        return err_set(ld->e, ECS_EINPUT, "%s: numbers too large to average", ld->path);
    /* Every bin's midpoint is > 0 (high > low >= 0), so m > 0. */
    m /= wsum;
    /* Variance of a mixture of uniforms: each bin's spread about the mean
     * plus its own width^2/12. */
    double var = 0;
    for (size_t i = 0; i < n; i++) {
        double mid = (ld->x[i] + ld->high[i]) / 2, wid = ld->high[i] - ld->x[i];
        var += ld->w[i] * ((mid - m) * (mid - m) + wid * wid / 12);
    }
    gsl_ran_discrete_t *pick = gsl_ran_discrete_preproc(n, ld->w);
    if (!pick)
        return err_set(ld->e, ECS_EINTERNAL, "%s: GSL could not build the bin table", ld->path);
    d->mean = m;
    d->scv = var / wsum / (m * m);
    d->u.empirical.n = n;
    d->u.empirical.x = ld->x;
    d->u.empirical.high = ld->high;
    d->u.empirical.pick = pick;
    ld->x = ld->high = NULL;
    return ECS_OK;
}

static int make_empirical(dist *d, const dist_spec *s, ecs_err *e)
{
    if (!s->file || !s->file[0]) return bad(e, DIST_EMPIRICAL, "no file given");
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.path = s->file;
    ld.e = e;
    ld.line = ld.col = 1;
    int rc = read_file(&ld);
    if (rc == ECS_OK) rc = ld.ncols == 1 ? make_values(d, &ld) : make_histogram(d, &ld);
    free(ld.x);
    free(ld.high);
    free(ld.w);
    return rc;
}

/* ---- The public verbs -------------------------------------------------- */

int dist_make(dist *d, const dist_spec *s, ecs_err *e)
{
    memset(d, 0, sizeof *d);
    if ((size_t) s->family >= N_FAMILIES)
        return err_set(e, ECS_EINTERNAL, "unknown distribution family %d", (int) s->family);
    int rc = s->family == DIST_EMPIRICAL ? make_empirical(d, s, e) : make_parametric(d, s, e);
    if (rc != ECS_OK) {
        memset(d, 0, sizeof *d);
        return rc;
    }
    d->family = s->family;
    return ECS_OK;
}

void dist_fini(dist *d)
{
    if (d->family == DIST_EMPIRICAL) {
        free(d->u.empirical.x);
        free(d->u.empirical.high);
        if (d->u.empirical.pick) gsl_ran_discrete_free(d->u.empirical.pick);
    }
    memset(d, 0, sizeof *d);
}

double dist__sample(const dist *d, gsl_rng *r)
{
    switch (d->family) {
    case DIST_EXPONENTIAL:
        return dist_exponential(r, d->mean);
    case DIST_DETERMINISTIC:
        return d->mean;
    case DIST_LOGNORMAL:
        return gsl_ran_lognormal(r, d->u.lognormal.mu, d->u.lognormal.sigma);
    case DIST_GAMMA:
        return gsl_ran_gamma(r, d->u.gamma.shape, d->u.gamma.scale);
    case DIST_WEIBULL:
        return gsl_ran_weibull(r, d->u.weibull.scale, d->u.weibull.shape);
    case DIST_BOUNDED_PARETO:
        /* Inversion of F(x) = (1 - (min/x)^alpha) / tail; GSL has only the
         * unbounded Pareto. u in [0, 1) keeps 1 - u*tail in (0, 1]. */
        return d->u.pareto.min *
               pow(1 - gsl_rng_uniform(r) * d->u.pareto.tail, d->u.pareto.neg_inv_a);
    case DIST_HYPEREXPONENTIAL:
        return dist_exponential(r, gsl_rng_uniform(r) < d->u.hyper.p ? d->u.hyper.mean1
                                                                     : d->u.hyper.mean2);
    case DIST_EMPIRICAL: {
        if (!d->u.empirical.pick) return d->u.empirical.x[gsl_rng_uniform_int(r, d->u.empirical.n)];
        size_t b = gsl_ran_discrete(r, d->u.empirical.pick);
        double lo = d->u.empirical.x[b];
        return lo + (d->u.empirical.high[b] - lo) * gsl_rng_uniform(r);
    }
    }
    assert(0 && "unknown distribution family");
    return d->mean;
}

double dist_mean(const dist *d)
{
    return d->mean;
}

double dist_scv(const dist *d)
{
    return d->scv;
}

double dist_survival(const dist *d, double x)
{
    if (x < 0) return 1;
    switch (d->family) {
    case DIST_EXPONENTIAL:
        return exp(-x / d->mean);
    case DIST_DETERMINISTIC:
        return x < d->mean ? 1 : 0;
    case DIST_LOGNORMAL:
        return x <= 0 ? 1 : gsl_cdf_lognormal_Q(x, d->u.lognormal.mu, d->u.lognormal.sigma);
    case DIST_GAMMA:
        return gsl_cdf_gamma_Q(x, d->u.gamma.shape, d->u.gamma.scale);
    case DIST_WEIBULL:
        return gsl_cdf_weibull_Q(x, d->u.weibull.scale, d->u.weibull.shape);
    case DIST_BOUNDED_PARETO: {
        double lo = d->u.pareto.min, hi = d->u.pareto.max, a = d->u.pareto.alpha;
        if (x <= lo) return 1;
        if (x >= hi) return 0;
        return (pow(lo / x, a) - pow(lo / hi, a)) / d->u.pareto.tail;
    }
    case DIST_HYPEREXPONENTIAL:
        return d->u.hyper.p * exp(-x / d->u.hyper.mean1) +
               (1 - d->u.hyper.p) * exp(-x / d->u.hyper.mean2);
    case DIST_EMPIRICAL: {
        double above = 0;
        size_t n = d->u.empirical.n;
        for (size_t i = 0; i < n; i++) {
            double lo = d->u.empirical.x[i];
            if (!d->u.empirical.pick) {
                above += lo > x;
                continue;
            }
            double hi = d->u.empirical.high[i], p = gsl_ran_discrete_pdf(i, d->u.empirical.pick);
            above += p * (x <= lo ? 1 : x >= hi ? 0 : (hi - x) / (hi - lo));
        }
        return d->u.empirical.pick ? above : above / (double) n;
    }
    }
    return 0;
}

const char *dist_family_name(dist_family f)
{
    assert((size_t) f < N_FAMILIES);
    return family_names[f];
}

int dist_family_parse(const char *name, dist_family *out)
{
    for (size_t i = 0; i < N_FAMILIES; i++) {
        if (strcmp(name, family_names[i]) == 0) {
            *out = (dist_family) i;
            return 0;
        }
    }
    return -1;
}

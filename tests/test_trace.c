/* test_trace.c -- the trace reader and `ecsim trace stats`: every format
 * read exactly from the shipped samples (times, keys, demand hints,
 * statuses), gzip equal to plain, counts replayed bin for bin, placement
 * and rate scaling held to their distributions (pinned seeds, 0.001 per
 * test, each with a negative control that must be rejected), every
 * transformation, every file of the broken corpus with its exact message,
 * memory that does not grow with the trace, and the stats command's
 * numbers against oracles. Tests with ../shared/traces skip when absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/trace.h"
#include "models/trace_int.h"
#include "sim/engine/xmalloc.h"
#include "sim/trace_cmd.h"
#include "support/testutil.h"

#define SAMPLES "scenarios/traces/"
#define BAD     "tests/data/traces_bad/"
#define SHARED  "../shared/traces/"
#define Z999    3.2905 /* two-sided normal quantile at 0.001 */

static trace_spec spec_of(const char *path, trace_format f)
{
    trace_spec s;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.format = f;
    s.time_column = "t_seconds";
    s.demand_column = "";
    s.class_column = "";
    s.demand_scale = s.time_scale = s.rate_scale = 1;
    s.window_end_s = INFINITY;
    return s;
}

static gsl_rng *rng_seeded(unsigned long seed)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(g, seed);
    return g;
}

/* Reads up to max arrivals (all when the trace ends first); the trace must
 * not fail. Caller frees *out. */
static size_t read_all(const trace_spec *s, unsigned long seed, trace_record **out, size_t max)
{
    gsl_rng *g = rng_seeded(seed);
    ecs_err e;
    err_clear(&e);
    trace_reader *r = trace_open(s, g, &e);
    if (!r) fail_msg("%s", e.msg);
    size_t n = 0, cap = 1024;
    trace_record *v = xmalloc(cap * sizeof *v);
    int rc = 0;
    while (n < max && (rc = trace_next(r, &v[n], &e)) == 1)
        if (++n == cap) v = xrealloc(v, (cap *= 2) * sizeof *v);
    if (rc < 0) fail_msg("%s", e.msg);
    for (size_t i = 1; i < n; i++) assert_true(v[i].t_s >= v[i - 1].t_s);
    trace_close(r);
    gsl_rng_free(g);
    *out = v;
    return n;
}

/* The message trace_open or the first failing trace_next gives. */
static int first_error(const trace_spec *s, ecs_err *e)
{
    gsl_rng *g = rng_seeded(1);
    err_clear(e);
    trace_reader *r = trace_open(s, g, e);
    int rc = r ? 0 : e->code;
    trace_record rec;
    while (r && (rc = trace_next(r, &rec, e)) == 1) {
    }
    if (r && rc < 0) {
        /* sticky: the next call repeats it */
        ecs_err again;
        err_clear(&again);
        assert_int_equal(trace_next(r, &rec, &again), rc);
        assert_string_equal(again.msg, e->msg);
    }
    trace_close(r);
    gsl_rng_free(g);
    return rc;
}

static char *write_counts(const char *dir, const char *name, int bins, double w, int count)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0) abort();
    FILE *f = fopen(path, "w");
    fprintf(f, "t_seconds,requests\n");
    for (int i = 0; i < bins; i++) fprintf(f, "%.17g,%d\n", i * w, count);
    fclose(f);
    return path;
}

/* The sample's counts, read by hand (n bins of 60 s). */
static int sample_counts(int *c, int max)
{
    FILE *f = fopen(SAMPLES "sample_counts.csv", "r");
    assert_non_null(f);
    char line[128];
    int n = 0, t;
    assert_non_null(fgets(line, sizeof line, f));
    while (n < max && fscanf(f, "%d,%d", &t, &c[n]) == 2) {
        assert_int_equal(t, 60 * n);
        n++;
    }
    fclose(f);
    return n;
}

static double chisq_uniform(const double *u, size_t n, int cells)
{
    int *k = calloc((size_t) cells, sizeof *k);
    for (size_t i = 0; i < n; i++) {
        int c = (int) (u[i] * cells);
        k[c < cells ? c : cells - 1]++;
    }
    double e = (double) n / cells, x = 0;
    for (int c = 0; c < cells; c++) x += (k[c] - e) * (k[c] - e) / e;
    free(k);
    return gsl_cdf_chisq_Q(x, cells - 1);
}

static void test_format_names(void **state)
{
    (void) state;
    static const char *names[] = {"counts", "requests", "alb", "clf"};
    for (int i = 0; i < 4; i++) {
        trace_format f;
        assert_int_equal(trace_format_parse(names[i], &f), 0);
        assert_int_equal(f, i);
        assert_string_equal(trace_format_name(f), names[i]);
    }
    trace_format f = TRACE_ALB;
    assert_int_equal(trace_format_parse("csv", &f), -1);
    assert_int_equal(trace_format_parse(NULL, &f), -1);
    assert_int_equal(f, TRACE_ALB);
}

/* Uniform placement gives every bin exactly its count. */
static void test_counts_exact_replay(void **state)
{
    (void) state;
    int c[200];
    int bins = sample_counts(c, 200);
    assert_int_equal(bins, 120);
    trace_spec s = spec_of(SAMPLES "sample_counts.csv", TRACE_COUNTS);
    for (unsigned long seed = 1; seed <= 3; seed++) {
        trace_record *v;
        size_t n = read_all(&s, seed, &v, SIZE_MAX);
        int got[200] = {0};
        for (size_t i = 0; i < n; i++) {
            assert_true(v[i].t_s >= 0 && v[i].t_s < 7200);
            assert_true(v[i].demand_s < 0);
            assert_int_equal(v[i].status, 0);
            assert_string_equal(v[i].key, "");
            got[(int) floor(v[i].t_s / 60)]++;
        }
        for (int b = 0; b < bins; b++) assert_int_equal(got[b], c[b]);
        free(v);
    }
    /* the width given, not inferred: the same arrivals */
    s.bin_s = 60;
    trace_record *a, *b;
    size_t na = read_all(&s, 9, &a, SIZE_MAX), nb;
    s.bin_s = 0;
    nb = read_all(&s, 9, &b, SIZE_MAX);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) assert_true(a[i].t_s == b[i].t_s);
    free(a);
    free(b);
}

/* Positions within bins are uniform (chi-square, 20 cells); the control
 * (positions bent by u^1.1) must be rejected. */
static void test_counts_uniform_positions(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *path = write_counts(dir, "c.csv", 100, 60, 200);
    trace_spec s = spec_of(path, TRACE_COUNTS);
    trace_record *v;
    size_t n = read_all(&s, 7, &v, SIZE_MAX);
    assert_int_equal(n, 20000);
    double *u = xmalloc(n * sizeof *u), *bent = xmalloc(n * sizeof *bent);
    int per_bin[100] = {0};
    for (size_t i = 0; i < n; i++) {
        int b = (int) floor(v[i].t_s / 60);
        per_bin[b]++;
        u[i] = v[i].t_s / 60 - b;
        bent[i] = pow(u[i], 1.1);
    }
    for (int b = 0; b < 100; b++) assert_int_equal(per_bin[b], 200);
    double p = chisq_uniform(u, n, 20), p_bent = chisq_uniform(bent, n, 20);
    assert_true(p > 0.001);
    assert_true(p_bent < 0.001);
    free(u);
    free(bent);
    free(v);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

/* A window that cuts bins: the part of a bin inside it gets Binomial(n,
 * share) of its points, uniform there. Bins [0,60) and [60,120) of 200
 * each, window [45,75) looped 400 times: positions in a pass are uniform on
 * [0,30) (chi-square) and the first half holds Binomial(200, 1/4) per pass
 * (the total within the normal bounds); controls: bent positions and a
 * mean 5% off are rejected. */
static void test_counts_window_cut(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *path = write_counts(dir, "w.csv", 2, 60, 200);
    trace_spec s = spec_of(path, TRACE_COUNTS);
    s.window_start_s = 45;
    s.window_end_s = 75;
    s.loop = 1;
    trace_record *v;
    size_t n = read_all(&s, 13, &v, 40000);
    assert_int_equal(n, 40000);
    double passes = floor(v[n - 1].t_s / 30), first_half = 0;
    size_t m = 0;
    double *u = xmalloc(n * sizeof *u), *bent = xmalloc(n * sizeof *bent);
    for (size_t i = 0; i < n && v[i].t_s < passes * 30; i++, m++) {
        double pos = fmod(v[i].t_s, 30);
        u[m] = pos / 30;
        bent[m] = pow(u[m], 1.1);
        first_half += pos < 15;
    }
    assert_true(chisq_uniform(u, m, 20) > 0.001);
    assert_true(chisq_uniform(bent, m, 20) < 0.001);
    double mean = passes * 50, sd = sqrt(passes * 200 * 0.25 * 0.75);
    assert_true(fabs((first_half - mean) / sd) < Z999);
    assert_true(fabs((first_half - 1.05 * mean) / sd) > Z999);
    free(u);
    free(bent);
    free(v);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

/* Poisson placement: the bins' counts are Poisson(c): the dispersion
 * statistic sum (N - c)^2 / c is chi-square with one degree per bin
 * (two-sided at 0.001) and the total is within the normal bounds; controls:
 * uniform placement's exact counts fail the dispersion test, and a mean 5%
 * off fails the total. */
static void test_counts_poisson(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *path = write_counts(dir, "p.csv", 200, 10, 100);
    trace_spec s = spec_of(path, TRACE_COUNTS);
    s.bin_s = 10;
    for (int poisson = 1; poisson >= 0; poisson--) {
        s.placement_poisson = poisson;
        trace_record *v;
        size_t n = read_all(&s, 11, &v, SIZE_MAX);
        int k[200] = {0};
        for (size_t i = 0; i < n; i++) k[(int) floor(v[i].t_s / 10)]++;
        double d = 0;
        for (int b = 0; b < 200; b++) d += (k[b] - 100.0) * (k[b] - 100.0) / 100;
        double p = gsl_cdf_chisq_P(d, 200);
        int dispersion_ok = p > 0.0005 && p < 0.9995;
        double z = ((double) n - 20000) / sqrt(20000), z_off = ((double) n - 21000) / sqrt(21000);
        if (poisson) {
            assert_true(dispersion_ok);
            assert_true(fabs(z) < Z999);
            assert_true(fabs(z_off) > Z999);
        } else {
            assert_int_equal(n, 20000);
            assert_false(dispersion_ok);
        }
        free(v);
    }
    tu_rmtree(dir);
    free(path);
    free(dir);
}

static void test_requests_read(void **state)
{
    (void) state;
    trace_spec s = spec_of(SAMPLES "sample_requests.csv", TRACE_REQUESTS);
    s.demand_column = "demand_ms";
    s.demand_scale = 0.001;
    s.class_column = "endpoint";
    trace_record *v;
    size_t n = read_all(&s, 1, &v, SIZE_MAX);
    assert_int_equal(n, 301);
    /* every row against a hand parse of the file */
    FILE *f = fopen(SAMPLES "sample_requests.csv", "r");
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    for (size_t i = 0; i < n; i++) {
        assert_non_null(fgets(line, sizeof line, f));
        char *p = line, *q;
        double t = strtod(p, &q);
        p = q + 1;
        char ep[64];
        int quoted = *p == '"';
        size_t len = strcspn(p + quoted, quoted ? "\"" : ",");
        memcpy(ep, p + quoted, len);
        ep[len] = '\0';
        p += len + 2 * quoted + 1;
        double d = strtod(p, NULL);
        assert_true(fabs(v[i].t_s - t) < 1e-12);
        assert_true(fabs(v[i].demand_s - d * 0.001) < 1e-15);
        assert_string_equal(v[i].key, ep);
        assert_int_equal(v[i].status, 0);
    }
    fclose(f);
    /* the first rows, exactly: a quoted class, a comma inside a quoted
     * user agent that must not shift the columns */
    assert_true(v[0].t_s == 0.587 && v[0].demand_s == 95.2 * 0.001);
    assert_string_equal(v[0].key, "/api/search");
    assert_true(v[1].t_s == 1.189 && v[1].demand_s == 42.5 * 0.001);
    assert_true(v[2].t_s == 2.737);
    assert_string_equal(v[2].key, "/static/app.js");
    assert_true(v[3].t_s == 3.770);
    assert_string_equal(v[3].key, "/api/search");
    free(v);
    /* without demand and class columns: no hints, no keys */
    s = spec_of(SAMPLES "sample_requests.csv", TRACE_REQUESTS);
    n = read_all(&s, 1, &v, SIZE_MAX);
    assert_int_equal(n, 301);
    for (size_t i = 0; i < n; i++) assert_true(v[i].demand_s < 0 && v[i].key[0] == '\0');
    free(v);
}

static void check_alb(const trace_record *v, size_t n)
{
    assert_int_equal(n, 40);
    assert_true(v[0].t_s == 0);
    assert_true(v[0].demand_s == 0.004);
    assert_int_equal(v[0].status, 200);
    assert_string_equal(v[0].key, "/api/cart");
    assert_true(fabs(v[1].t_s - 5.165709) < 1e-9);
    assert_string_equal(v[1].key, "/api/search"); /* the query is dropped */
    assert_true(fabs(v[11].t_s - 16.630492) < 1e-9);
    assert_true(v[11].demand_s < 0); /* target_processing_time -1 */
    assert_int_equal(v[11].status, 502);
    assert_true(fabs(v[17].t_s - 33.665515) < 1e-9);
    assert_true(v[17].demand_s == 2.75); /* logged after later requests */
    assert_int_equal(v[23].status, 503);
    assert_string_equal(v[23].key, "/api/checkout");
    assert_int_equal(v[30].status, 400);
    assert_string_equal(v[30].key, ""); /* "- - - ": unparsable request */
    assert_true(fabs(v[39].t_s - 77.156351) < 1e-9);
    assert_string_equal(v[39].key, "/static/app.js");
}

static void test_alb_read_and_gzip(void **state)
{
    (void) state;
    trace_spec s = spec_of(SAMPLES "sample_alb.log", TRACE_ALB);
    trace_record *plain, *gz;
    size_t n = read_all(&s, 1, &plain, SIZE_MAX);
    check_alb(plain, n);
    s.path = SAMPLES "sample_alb.log.gz";
    size_t ngz = read_all(&s, 1, &gz, SIZE_MAX);
    assert_int_equal(ngz, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(gz[i].t_s == plain[i].t_s && gz[i].demand_s == plain[i].demand_s);
        assert_int_equal(gz[i].status, plain[i].status);
        assert_string_equal(gz[i].key, plain[i].key);
    }
    free(plain);
    free(gz);
    /* demand_scale applies to logged hints too */
    s.demand_scale = 2;
    n = read_all(&s, 1, &gz, SIZE_MAX);
    assert_true(gz[17].demand_s == 5.5 && gz[11].demand_s < 0);
    free(gz);
}

static void test_clf_read(void **state)
{
    (void) state;
    /* UTC seconds after the first request: the log mixes -0500 and +0100
     * and has lines written out of time order */
    static const int want_t[] = {0,  2,  3,  5,  5,  6,  11, 14, 19, 22, 22, 23, 23, 25, 28,
                                 30, 32, 34, 39, 40, 40, 40, 41, 41, 42, 44, 46, 51, 52, 53};
    trace_spec s = spec_of(SAMPLES "sample_clf.log", TRACE_CLF);
    trace_record *v;
    size_t n = read_all(&s, 1, &v, SIZE_MAX);
    assert_int_equal(n, 30);
    for (size_t i = 0; i < n; i++) {
        assert_true(v[i].t_s == want_t[i]);
        assert_true(v[i].demand_s < 0);
    }
    assert_string_equal(v[0].key, "/about/");
    assert_int_equal(v[7].status, 304);
    assert_string_equal(v[7].key, "/search"); /* "/search?q=ecs" */
    assert_int_equal(v[12].status, 404);
    assert_string_equal(v[12].key, "/old/page.html"); /* no protocol in the request */
    assert_string_equal(v[13].key, "/about/");        /* 25 s, logged after 30 s */
    assert_string_equal(v[18].key, "/products/42");
    assert_int_equal(v[19].status, 408);
    assert_string_equal(v[19].key, ""); /* request "-" */
    assert_int_equal(v[24].status, 201);
    assert_string_equal(v[24].key, "/cart/add");
    free(v);
}

static void test_log_lines(void **state)
{
    (void) state;
    trace__logrec rec;
    int col = 0;
    char why[256];
    const char *clf = "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif "
                      "HTTP/1.0\" 200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08\"";
    assert_int_equal(trace__parse_clf(clf, strlen(clf), &rec, &col, why, sizeof why), 0);
    assert_true(rec.t_us == INT64_C(971211336) * 1000000);
    assert_int_equal(rec.status, 200);
    assert_string_equal(rec.key, "/apache_pb.gif");
    const char *v6 = "2001:db8::1 - - [29/Feb/2000:12:00:00 +0000] \"GET "
                     "http://example.com/a/b?c=1 HTTP/1.0\" 200 -";
    assert_int_equal(trace__parse_clf(v6, strlen(v6), &rec, &col, why, sizeof why), 0);
    assert_true(rec.t_us == INT64_C(951825600) * 1000000);
    assert_string_equal(rec.key, "/a/b");
    const char *not_leap = "h - - [29/Feb/1900:12:00:00 +0000] \"GET / HTTP/1.0\" 200 1";
    assert_int_equal(trace__parse_clf(not_leap, strlen(not_leap), &rec, &col, why, sizeof why), -1);
    assert_int_equal(col, 7);
    /* an entry from before request_creation_time: the arrival is `time` */
    const char *old = "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 "
                      "192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "
                      "\"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.46.0\"";
    assert_int_equal(trace__parse_alb(old, strlen(old), &rec, &col, why, sizeof why), 0);
    assert_true(rec.t_us == INT64_C(1530570180186641));
    assert_true(rec.demand_s == 0.001);
    assert_string_equal(rec.key, "/");
    /* quotes escaped inside a quoted field */
    const char *esc = "https 2018-07-02T22:23:00Z app/x 1.2.3.4:5 - -1 -1 -1 503 - 34 366 "
                      "\"GET https://h:443/p HTTP/1.1\" \"say \\\"hi\\\" \" - -";
    assert_int_equal(trace__parse_alb(esc, strlen(esc), &rec, &col, why, sizeof why), 0);
    assert_true(rec.t_us == INT64_C(1530570180) * 1000000 && rec.demand_s < 0);
    assert_int_equal(rec.status, 503);
    char key[TRACE__KEY_MAX];
    trace__request_path("OPTIONS * HTTP/1.1", 18, key);
    assert_string_equal(key, "*");
    trace__request_path("GET https://h.example:443 HTTP/1.1", 34, key);
    assert_string_equal(key, "/");
    trace__request_path("GET /a#frag HTTP/1.1", 20, key);
    assert_string_equal(key, "/a");
    char longreq[600] = "GET /";
    memset(longreq + 5, 'x', 500);
    longreq[505] = '\0';
    trace__request_path(longreq, strlen(longreq), key);
    assert_int_equal(strlen(key), TRACE__KEY_MAX - 1);
}

static char *write_requests(const char *dir, const char *name, int rows, double gap)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0) abort();
    FILE *f = fopen(path, "w");
    fprintf(f, "t_seconds,demand_s\n");
    for (int i = 0; i < rows; i++) fprintf(f, "%.17g,%d\n", i * gap, i);
    fclose(f);
    return path;
}

static void test_window_scale_shift_loop(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *path = write_requests(dir, "r.csv", 10, 1); /* t = 0..9, demand = t */
    trace_spec s = spec_of(path, TRACE_REQUESTS);
    s.demand_column = "demand_s";
    trace_record *v;
    /* window [2.5, 7): rows 3..6; a day into an hour is time_scale 24; here 2 */
    s.window_start_s = 2.5;
    s.window_end_s = 7;
    s.time_scale = 2;
    s.shift_s = 100;
    size_t n = read_all(&s, 1, &v, SIZE_MAX);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_true(v[i].t_s == 100 + (3.0 + (double) i - 2.5) / 2);
        assert_true(v[i].demand_s == 3 + (double) i);
    }
    free(v);
    /* looped: the window again every 4.5 trace seconds */
    s.loop = 1;
    n = read_all(&s, 1, &v, 12);
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++) {
        double pass = (double) (i / 4), t = 3 + (double) (i % 4);
        assert_true(fabs(v[i].t_s - (100 + (t - 2.5 + 4.5 * pass) / 2)) < 1e-12);
        assert_true(v[i].demand_s == t);
    }
    free(v);
    /* looped without a window end: the period is the last row plus the mean
     * gap, so the seam looks like the rest */
    s = spec_of(path, TRACE_REQUESTS);
    s.loop = 1;
    n = read_all(&s, 1, &v, 35);
    assert_int_equal(n, 35);
    for (size_t i = 0; i < n; i++) assert_true(v[i].t_s == (double) i);
    free(v);
    /* counts: a window cuts bins, and a looped window repeats its bins */
    s = spec_of(SAMPLES "sample_counts.csv", TRACE_COUNTS);
    s.window_start_s = 30;
    s.window_end_s = 90;
    n = read_all(&s, 1, &v, SIZE_MAX);
    for (size_t i = 0; i < n; i++) assert_true(v[i].t_s >= 0 && v[i].t_s < 60);
    assert_true(n > 15 && n < 45); /* about half of 35 and half of 26 */
    free(v);
    int c[200];
    sample_counts(c, 200);
    s = spec_of(SAMPLES "sample_counts.csv", TRACE_COUNTS);
    s.window_end_s = 600;
    s.loop = 1;
    int total10 = 0;
    for (int b = 0; b < 10; b++) total10 += c[b];
    n = read_all(&s, 1, &v, (size_t) (3 * total10));
    assert_int_equal(n, 3 * total10);
    int got[30] = {0};
    for (size_t i = 0; i < n; i++) got[(int) floor(v[i].t_s / 60)]++;
    for (int b = 0; b < 30; b++) assert_int_equal(got[b], c[b % 10]);
    free(v);
    /* a loop with nothing in its window ends instead of spinning */
    s = spec_of(path, TRACE_REQUESTS);
    s.window_start_s = 50;
    s.loop = 1;
    n = read_all(&s, 1, &v, SIZE_MAX);
    assert_int_equal(n, 0);
    free(v);
    /* logs loop too: the origin stays the first pass's */
    s = spec_of(SAMPLES "sample_clf.log", TRACE_CLF);
    s.loop = 1;
    n = read_all(&s, 1, &v, 60);
    assert_int_equal(n, 60);
    assert_true(fabs(v[30].t_s - (53 + 53.0 / 29)) < 1e-9);
    assert_true(fabs(v[59].t_s - (53 + 53.0 / 29 + 53)) < 1e-9);
    free(v);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

/* Rate scale: per-request rows kept with probability k (k < 1) or given
 * floor(k) or floor(k)+1 times; counts scaled with the fraction drawn; the
 * totals within the normal bounds at 0.001, and 5% off rejected. */
static void test_rate_scale(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    const int rows = 40000;
    char *path = write_requests(dir, "r.csv", rows, 0.25);
    trace_spec s = spec_of(path, TRACE_REQUESTS);
    s.demand_column = "demand_s";
    static const double ks[] = {0.3, 2.5};
    for (int j = 0; j < 2; j++) {
        double k = ks[j];
        s.rate_scale = k;
        trace_record *v;
        size_t n = read_all(&s, 21 + (unsigned long) j, &v, SIZE_MAX);
        double fl = floor(k), fr = k - fl;
        double mean = rows * k, sd = sqrt(rows * fr * (1 - fr));
        assert_true(fabs(((double) n - mean) / sd) < Z999);
        assert_true(fabs(((double) n - 1.05 * mean) / sd) > Z999);
        /* copies of one row are adjacent, 2 or 3 of them for k = 2.5 */
        for (size_t i = 0; i < n;) {
            size_t m = 1;
            while (i + m < n && v[i + m].demand_s == v[i].demand_s) m++;
            assert_true(m == (size_t) fl || m == (size_t) fl + 1);
            assert_true(v[i].t_s == v[i].demand_s * 0.25);
            i += m;
        }
        free(v);
    }
    /* counts: every bin gets floor(kc) or ceil(kc) */
    int c[200];
    int bins = sample_counts(c, 200);
    trace_spec sc = spec_of(SAMPLES "sample_counts.csv", TRACE_COUNTS);
    sc.rate_scale = 1.5;
    trace_record *v;
    size_t n = read_all(&sc, 5, &v, SIZE_MAX);
    int got[200] = {0};
    for (size_t i = 0; i < n; i++) got[(int) floor(v[i].t_s / 60)]++;
    for (int b = 0; b < bins; b++)
        assert_true(got[b] == (int) floor(1.5 * c[b]) || got[b] == (int) ceil(1.5 * c[b]));
    free(v);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

static void test_broken_corpus(void **state)
{
    (void) state;
    static const struct {
        const char *file;
        trace_format f;
        const char *msg; /* after "tests/data/traces_bad/<file>" */
    } cases[] = {
        {"counts_nonnumeric.csv", TRACE_COUNTS,
         ":3:4: requests: expected a non-negative integer, got \"x\""},
        {"counts_negative.csv", TRACE_COUNTS,
         ":3:4: requests: expected a non-negative integer, got \"-3\""},
        {"counts_fraction.csv", TRACE_COUNTS,
         ":3:4: requests: expected a non-negative integer, got \"2.5\""},
        {"counts_backwards.csv", TRACE_COUNTS,
         ":5:1: t_seconds: time goes backwards (60 after 120)"},
        {"counts_overlap.csv", TRACE_COUNTS,
         ":4:1: t_seconds: bins overlap (90 is less than one bin, 60 s, after 60)"},
        {"counts_same_time.csv", TRACE_COUNTS,
         ":3:1: t_seconds: time does not advance (30 twice), so the bin width is unknown"},
        {"counts_one_row.csv", TRACE_COUNTS,
         ": a single row: cannot infer the bin width from it (give bin_s)"},
        {"counts_missing_column.csv", TRACE_COUNTS,
         ":1:1: missing column \"requests\" (have: t_seconds,count)"},
        {"requests_missing_column.csv", TRACE_REQUESTS,
         ":1:1: missing column \"latency_ms\" (have: t_seconds,size_bytes)"},
        {"requests_backwards.csv", TRACE_REQUESTS,
         ":9:1: t_seconds: time goes backwards (12.5 after 13)"},
        {"requests_truncated.csv", TRACE_REQUESTS,
         ":3:2: latency_ms: missing (the row has 1 field, the column is number 2)"},
        {"requests_bad_time.csv", TRACE_REQUESTS,
         ":3:1: t_seconds: expected a number of seconds in [0, 1e15], got \"2:30\""},
        {"requests_negative_time.csv", TRACE_REQUESTS,
         ":2:1: t_seconds: expected a number of seconds in [0, 1e15], got \"-1\""},
        {"requests_bad_demand.csv", TRACE_REQUESTS,
         ":3:3: latency_ms: expected a non-negative number (or nothing), got \"fast\""},
        {"requests_unterminated_quote.csv", TRACE_REQUESTS, ":3:3: unterminated quoted field"},
        {"requests_stray_quote.csv", TRACE_REQUESTS,
         ":3:4: malformed quoted field (a quote inside a field must be doubled, and a quoted "
         "field must end at a comma)"},
        {"requests_empty.csv", TRACE_REQUESTS,
         ": empty file (expected a header row naming t_seconds)"},
        {"requests_blank_lines.csv", TRACE_REQUESTS,
         ": no header row (expected one naming t_seconds)"},
        {"requests_corrupt.csv.gz", TRACE_REQUESTS, ": cannot read: invalid bit length repeat"},
        {"requests_truncated.csv.gz", TRACE_REQUESTS,
         ": cannot read after line 970: unexpected end of file (a truncated gzip file)"},
        {"alb_truncated.log", TRACE_ALB,
         ":2:120: received_bytes: missing (the line ends after 10 fields)"},
        {"alb_bad_time.log", TRACE_ALB,
         ":1:386: request_creation_time: expected an ISO 8601 UTC time like "
         "2018-07-02T22:23:00.186641Z, got \"2026-01-05T09:00:01.293945\""},
        {"alb_bad_type.log", TRACE_ALB,
         ":1:1: type: expected http, https, h2, grpcs, ws or wss, got \"ftp\""},
        {"alb_bad_demand.log", TRACE_ALB,
         ":1:101: target_processing_time: expected a number of seconds or -1, got \"fast\""},
        {"alb_bad_status.log", TRACE_ALB,
         ":1:113: elb_status_code: expected a status code or -, got \"OK\""},
        {"alb_unterminated_quote.log", TRACE_ALB, ":1:130: request: unterminated quoted field"},
        {"alb_out_of_order.log", TRACE_ALB,
         ":4:386: time: 1.293945 s earlier than a request already replayed; a log may be out of "
         "time order by at most 60 s (and 65536 requests): sort it by time"},
        {"clf_bad_time.log", TRACE_CLF,
         ":2:19: time: expected [dd/Mon/yyyy:hh:mm:ss +zzzz], got "
         "\"[10/Okt/2000:13:55:36 -0700]\""},
        {"clf_no_zone.log", TRACE_CLF,
         ":1:19: time: expected [dd/Mon/yyyy:hh:mm:ss +zzzz], got \"[10/Oct/2000:13:55:36]\""},
        {"clf_truncated.log", TRACE_CLF,
         ":2:77: status: missing (the line ends after the request)"},
        {"clf_bad_status.log", TRACE_CLF,
         ":1:78: status: expected a three-digit status code, got \"OK\""},
        {"clf_bad_bytes.log", TRACE_CLF, ":1:82: bytes: expected a byte count or -, got \"2kB\""},
        {"clf_no_request.log", TRACE_CLF, ":1:47: request: missing (the line ends after the time)"},
        {"clf_empty.log", TRACE_CLF, ": empty file"},
        {"clf_binary.log", TRACE_CLF,
         ":1:9: time: expected [dd/Mon/yyyy:hh:mm:ss +zzzz], got \"[?]\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[256], want[1024];
        snprintf(path, sizeof path, BAD "%s", cases[i].file);
        snprintf(want, sizeof want, "%s%s", path, cases[i].msg);
        trace_spec s = spec_of(path, cases[i].f);
        if (cases[i].f == TRACE_REQUESTS) s.demand_column = "latency_ms";
        ecs_err e;
        int rc = first_error(&s, &e);
        if (rc >= 0 || strcmp(e.msg, want) != 0)
            fail_msg("%s: rc %d\n got: %s\nwant: %s", cases[i].file, rc, e.msg, want);
        assert_int_equal(rc, strstr(cases[i].file, ".gz") ? ECS_EIO : ECS_EINPUT);
    }
}

static void test_open_errors(void **state)
{
    (void) state;
    trace_spec s = spec_of("tests/data/traces_bad/no_such_file.csv", TRACE_COUNTS);
    ecs_err e;
    err_clear(&e);
    assert_null(trace_open(&s, NULL, &e));
    assert_int_equal(e.code, ECS_EIO);
    assert_string_equal(e.msg,
                        "tests/data/traces_bad/no_such_file.csv: cannot read: No such file or "
                        "directory");
    s = spec_of(SAMPLES "sample_counts.csv", TRACE_COUNTS);
    s.time_scale = 0;
    err_clear(&e);
    assert_null(trace_open(&s, NULL, &e));
    assert_string_equal(e.msg, SAMPLES "sample_counts.csv: time_scale: expected a finite number "
                                       "> 0, got 0");
    s.time_scale = 1;
    s.window_end_s = 0;
    err_clear(&e);
    assert_null(trace_open(&s, NULL, &e));
    assert_int_equal(e.code, ECS_EINPUT);
    /* a time column of another name */
    s = spec_of(SAMPLES "sample_requests.csv", TRACE_REQUESTS);
    s.time_column = "when";
    err_clear(&e);
    assert_null(trace_open(&s, NULL, &e));
    assert_string_equal(e.msg, SAMPLES "sample_requests.csv:1:1: missing column \"when\" (have: "
                                       "t_seconds,endpoint,demand_ms,user_agent)");
}

/* A long per-request trace streams through without one allocation after
 * trace_open (the allocation hook aborts on any), whatever its length. */
static void test_constant_memory(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *path = NULL;
    if (asprintf(&path, "%s/big.csv", dir) < 0) abort();
    long rows = tu_long() ? 20000000 : 2000000;
    FILE *f = fopen(path, "w");
    fputs("t_seconds,latency_ms,endpoint\n", f);
    static const char *eps[] = {"/a", "/bb", "/ccc"};
    for (long i = 0; i < rows; i++)
        fprintf(f, "%ld.%03ld,%ld,%s\n", i / 1000, i % 1000, i % 97, eps[i % 3]);
    fclose(f);
    trace_spec s = spec_of(path, TRACE_REQUESTS);
    s.demand_column = "latency_ms";
    s.class_column = "endpoint";
    gsl_rng *g = rng_seeded(1);
    ecs_err e;
    err_clear(&e);
    trace_reader *r = trace_open(&s, g, &e);
    assert_non_null(r);
    xmalloc_fail_after(0);
    trace_record rec;
    long n = 0;
    int rc;
    while ((rc = trace_next(r, &rec, &e)) == 1) n++;
    xmalloc_fail_after(-1);
    assert_int_equal(rc, 0);
    assert_int_equal(n, rows);
    assert_true(fabs(rec.t_s - (double) (rows - 1) / 1000) < 1e-9);
    assert_string_equal(rec.key, eps[(rows - 1) % 3]);
    trace_close(r);
    gsl_rng_free(g);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

static char *stats_run(int *rc, char **err_out, const char *const *args)
{
    char *out = NULL, *err = NULL;
    size_t lo = 0, le = 0;
    FILE *fo = open_memstream(&out, &lo), *fe = open_memstream(&err, &le);
    int argc = 0;
    while (args[argc]) argc++;
    *rc = trace_cmd_main(argc, (char **) args, fo, fe);
    fclose(fo);
    fclose(fe);
    if (err_out)
        *err_out = err;
    else
        free(err);
    return out;
}

static void test_stats_samples(void **state)
{
    (void) state;
    int rc;
    char *out = stats_run(&rc, NULL, (const char *[]){"stats", SAMPLES "sample_counts.csv", NULL});
    assert_int_equal(rc, 0);
    assert_string_equal(
        out, "trace: " SAMPLES "sample_counts.csv (counts, 60 s bins)\n"
             "rows: 120\n"
             "duration_s: 7200\n"
             "requests: 4833\n"
             "mean_rate_per_s: 0.67125\n"
             "  bin_s       bins       peak peak_rate_per_s peak_to_mean dispersion\n"
             "      1          -          -               -            -          -  (finer than "
             "the trace's 60 s bins)\n"
             "     10          -          -               -            -          -  (finer than "
             "the trace's 60 s bins)\n"
             "     60        120        139         2.31667       3.4513     7.3603\n"
             "   3600          2       2775        0.770833       1.1484   106.3706\n"
             "busiest_hour_start_s: 2280\n"
             "busiest_hour_requests: 2855\n");
    free(out);
    out = stats_run(
        &rc, NULL,
        (const char *[]){"stats", "--format", "requests", SAMPLES "sample_requests.csv", NULL});
    assert_int_equal(rc, 0);
    assert_string_equal(out, "trace: " SAMPLES "sample_requests.csv (requests)\n"
                             "rows: 301\n"
                             "duration_s: 593.943\n"
                             "requests: 301\n"
                             "mean_rate_per_s: 0.506783\n"
                             "  bin_s       bins       peak peak_rate_per_s peak_to_mean "
                             "dispersion\n"
                             "      1        595          4               4       7.9070     "
                             "0.9276\n"
                             "     10         60         11             1.1       2.1927     "
                             "0.9831\n"
                             "     60         10         36             0.6       1.1960     "
                             "0.3651\n"
                             "   3600          1        301       0.0836111       1.0000          "
                             "-\n"
                             "busiest_hour_start_s: 0\n"
                             "busiest_hour_requests: 301\n");
    free(out);
    /* the format is guessed from the first line when not given */
    static const char *const guess[][2] = {{SAMPLES "sample_requests.csv", "(requests)"},
                                           {SAMPLES "sample_alb.log.gz", "(alb)"},
                                           {SAMPLES "sample_clf.log", "(clf)"}};
    for (int i = 0; i < 3; i++) {
        out = stats_run(&rc, NULL, (const char *[]){"stats", guess[i][0], "--rusage", NULL});
        assert_int_equal(rc, 0);
        assert_non_null(strstr(out, guess[i][1]));
        assert_non_null(strstr(out, "\npeak_rss_kib="));
        free(out);
    }
    out = stats_run(&rc, NULL, (const char *[]){"stats", SAMPLES "sample_alb.log", NULL});
    assert_non_null(strstr(out, "requests: 40\n"));
    assert_non_null(strstr(out, "duration_s: 77.156351\n"));
    free(out);
}

/* The busiest hour and the per-width numbers against a brute-force oracle
 * on a three-hour per-request trace with a burst. */
static void test_stats_oracle(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *path = NULL;
    if (asprintf(&path, "%s/burst.csv", dir) < 0) abort();
    enum { SECS = 3 * 3600 + 1234 };
    static int per_s[SECS];
    memset(per_s, 0, sizeof per_s);
    gsl_rng *g = rng_seeded(3);
    FILE *f = fopen(path, "w");
    fputs("t_seconds\n", f);
    long total = 0;
    for (int s = 17; s < SECS; s++) {
        double rate = s > 5000 && s < 6500 ? 3 : 0.4;
        int k = (int) gsl_ran_poisson(g, rate);
        for (int j = 0; j < k; j++) fprintf(f, "%d.%03d\n", s, 100 * j);
        per_s[s] = k;
        total += k;
    }
    fclose(f);
    gsl_rng_free(g);
    int first = 17, last = SECS - 1;
    while (per_s[first] == 0) first++;
    while (per_s[last] == 0) last--;
    long best = -1;
    int best_s = 0;
    for (int s = first; s + 3599 <= last; s++) {
        long sum = 0;
        for (int k = s; k < s + 3600; k++) sum += per_s[k];
        if (sum > best) best = sum, best_s = s;
    }
    int rc;
    char *out = stats_run(&rc, NULL, (const char *[]){"stats", path, NULL});
    assert_int_equal(rc, 0);
    char want[128];
    snprintf(want, sizeof want, "requests: %ld\n", total);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "busiest_hour_start_s: %d\nbusiest_hour_requests: %ld\n", best_s,
             best);
    assert_non_null(strstr(out, want));
    /* 10 s bins: peak and the index of dispersion by two passes */
    int b0 = first / 10, b1 = last / 10, nb = b1 - b0 + 1;
    double *c = calloc((size_t) nb, sizeof *c), mean = 0, var = 0, peak = 0;
    for (int s = first; s <= last; s++) c[s / 10 - b0] += per_s[s];
    for (int i = 0; i < nb; i++) mean += c[i] / nb, peak = fmax(peak, c[i]);
    for (int i = 0; i < nb; i++) var += (c[i] - mean) * (c[i] - mean) / (nb - 1);
    snprintf(want, sizeof want, "%7g %10d %10.0f %15.6g %12.4f %10.4f\n", 10.0, nb, peak, peak / 10,
             peak / mean, var / mean);
    assert_non_null(strstr(out, want));
    free(c);
    free(out);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

static void test_stats_errors(void **state)
{
    (void) state;
    static const struct {
        const char *args[6];
        int rc;
        const char *err;
    } cases[] = {
        {{"stats", BAD "no_such.csv", NULL},
         2,
         "ecsim: " BAD "no_such.csv: cannot read: No such file or directory\n"},
        {{"stats", BAD "counts_backwards.csv", NULL},
         2,
         "ecsim: " BAD "counts_backwards.csv:5:1: t_seconds: time goes backwards (60 after 120)\n"},
        {{"stats", BAD "counts_one_row.csv", "--bin-s", "0", NULL},
         2,
         "ecsim: --bin-s: expected a number of seconds > 0, got \"0\"\n"},
        {{"stats", SAMPLES "sample_counts.csv", "--format", "csv", NULL},
         2,
         "ecsim: --format: expected counts, requests, alb or clf, got \"csv\"\n"},
        {{"stats", "--time-column", NULL}, 2, "ecsim: --time-column: expected a value\n"},
        {{"stats", "--frobnicate", NULL},
         2,
         "ecsim: trace stats: unknown option --frobnicate (see ecsim trace --help)\n"},
        {{"stats", NULL}, 2, "ecsim: trace stats: expected a trace FILE\n"},
        {{"plot", NULL}, 2, "ecsim: trace: unknown subcommand \"plot\" (see ecsim trace --help)\n"},
        {{"stats", "a.csv", "b.csv", NULL},
         2,
         "ecsim: trace stats: one FILE at a time, got another: b.csv\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int rc;
        char *err;
        char *out = stats_run(&rc, &err, cases[i].args);
        assert_int_equal(rc, cases[i].rc);
        assert_string_equal(err, cases[i].err);
        assert_string_equal(out, "");
        free(out);
        free(err);
    }
    int rc;
    char *out = stats_run(&rc, NULL, (const char *[]){"--help", NULL});
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "usage: ecsim trace stats FILE"));
    free(out);
    /* a single counts row is fine once the width is given */
    out = stats_run(&rc, NULL,
                    (const char *[]){"stats", BAD "counts_one_row.csv", "--bin-s", "60", NULL});
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "requests: 5\n"));
    free(out);
}

/* ../shared/traces, when present: the README's totals and peaks. */
static void test_shared_traces(void **state)
{
    (void) state;
    const char *minute = SHARED "nasa_jul95_per_minute.csv";
    if (!tu_exists(minute)) {
        skip();
        return;
    }
    int rc;
    char *out = stats_run(&rc, NULL, (const char *[]){"stats", minute, NULL});
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "rows: 39693\n"));
    assert_non_null(strstr(out, "requests: 1891714\n"));
    assert_non_null(strstr(out, "     60      39693        405 "));
    free(out);
    const char *req = SHARED "nasa_aug95_0801_requests.csv";
    if (tu_exists(req)) {
        out = stats_run(&rc, NULL, (const char *[]){"stats", req, NULL});
        assert_int_equal(rc, 0);
        assert_non_null(strstr(out, "requests: 30969\n"));
        assert_non_null(strstr(out, "      1      46322         17 "));
        free(out);
    }
    const char *sec = SHARED "nasa_jul95_per_second_part1.csv.gz";
    if (tu_long() && tu_exists(sec)) {
        out = stats_run(&rc, NULL, (const char *[]){"stats", sec, NULL});
        assert_int_equal(rc, 0);
        assert_non_null(strstr(out, "requests: 1106031\n"));
        free(out);
    }
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_counts_exact_replay),
        cmocka_unit_test(test_counts_uniform_positions),
        cmocka_unit_test(test_counts_window_cut),
        cmocka_unit_test(test_counts_poisson),
        cmocka_unit_test(test_requests_read),
        cmocka_unit_test(test_alb_read_and_gzip),
        cmocka_unit_test(test_clf_read),
        cmocka_unit_test(test_log_lines),
        cmocka_unit_test(test_window_scale_shift_loop),
        cmocka_unit_test(test_rate_scale),
        cmocka_unit_test(test_broken_corpus),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_constant_memory),
        cmocka_unit_test(test_stats_samples),
        cmocka_unit_test(test_stats_oracle),
        cmocka_unit_test(test_stats_errors),
        cmocka_unit_test(test_shared_traces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_compare.c -- `ecsim compare A.yaml B.yaml`: the paired statistics
 * against hand arithmetic; two services of 2 and 3 tasks, where the gain in
 * mean response time is significant with the right sign and pairing cuts
 * the variance of the difference (estimated and measured); a scenario
 * compared with itself (a difference of exactly 0, variance 0); replication
 * k of A is replication k of `ecsim run A --replications R`; the same bytes
 * twice; bad input with its exact message, exit 2 and nothing written.
 * Seeds are pinned: if a statistical check fails, find the cause. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/compare.h"
#include "support/testutil.h"

/* One service behind a round-robin ALB, one-worker tasks, Poisson arrivals
 * at 6/s of exponential 0.1 s demands: with 2 tasks each is 30% busy, with
 * 3 tasks 20% ("%d" is desired_count). Health checks and the idle timeout
 * are off so that the two differ in the task count alone. */
static const char svc_yaml[] =
    "run: {duration_s: 600, warmup_s: 60, sample_interval_s: 100000}\n"
    "host_groups: {h: {instance_type: m5.4xlarge, count: 1}}\n"
    "task_definitions: {t: {cpu: 1024, memory_mib: 256, workers: 1}}\n"
    "services: {s: {task_definition: t, desired_count: %d, load_balancer: lb}}\n"
    "load_balancers: {lb: {algorithm: round_robin, idle_timeout_s: 4000,\n"
    "                      health_check: {enabled: false}}}\n"
    "workloads: {w: {target: lb, rate_per_s: 6,\n"
    "                demand: {distribution: exponential, mean_s: 0.1}}}\n";

static char *write_svc(const char *dir, const char *name, int tasks)
{
    char text[1024];
    snprintf(text, sizeof text, svc_yaml, tasks);
    return tu_write_file(dir, name, text);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

/* The cell of compare.csv in the row of `metric` and the column `col`, as
 * text (caller frees); NULL when there is no such row. Fields are plain:
 * compare.csv quotes nothing for these metric names. */
static char *cell(const char *csv, const char *metric, const char *col)
{
    const char *eol = strchr(csv, '\n');
    assert_non_null(eol);
    int want = -1, c = 0;
    for (const char *p = csv; p < eol; c++) {
        size_t n = strcspn(p, ",\n");
        if (strlen(col) == n && strncmp(p, col, n) == 0) want = c;
        p += n + (p[n] == ',');
        if (p[-1] != ',') break;
    }
    assert_true(want >= 0);
    size_t ml = strlen(metric);
    for (const char *line = eol + 1; *line; line = strchr(line, '\n') + 1) {
        if (strncmp(line, metric, ml) != 0 || line[ml] != ',') continue;
        const char *p = line;
        for (int i = 0; i < want; i++) p += strcspn(p, ",\n") + 1;
        size_t n = strcspn(p, ",\n");
        char *out = malloc(n + 1);
        memcpy(out, p, n);
        out[n] = '\0';
        return out;
    }
    return NULL;
}

static double num(const char *csv, const char *metric, const char *col)
{
    char *s = cell(csv, metric, col);
    assert_non_null(s);
    double v = *s ? strtod(s, NULL) : NAN;
    free(s);
    return v;
}

static void assert_cell(const char *csv, const char *metric, const char *col, const char *want)
{
    char *s = cell(csv, metric, col);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

/* d = b - a = {1, 2, 3}: mean 2, variance 1, half-width t(0.975, 2)/sqrt(3);
 * var(a) + var(b) = 1 + 4; bi - a = {4, -1, 0}: variance 7. */
static void test_stats_arithmetic(void **state)
{
    (void) state;
    const double a[] = {1, 2, 3}, b[] = {2, 4, 6}, bi[] = {5, 1, 3};
    compare_stat s = compare_stats(a, b, bi, 3);
    double half = gsl_cdf_tdist_Pinv(0.975, 2) / sqrt(3.0);
    assert_float_equal(s.mean_a, 2, 1e-12);
    assert_float_equal(s.mean_b, 4, 1e-12);
    assert_float_equal(s.diff, 2, 1e-12);
    assert_float_equal(s.ci_low, 2 - half, 1e-12);
    assert_float_equal(s.ci_high, 2 + half, 1e-12);
    assert_int_equal(s.significant, 0); /* half = 2.48 > 2 */
    assert_float_equal(s.var_paired, 1, 1e-12);
    assert_float_equal(s.var_unpaired, 5, 1e-12);
    assert_float_equal(s.reduction, 5, 1e-12);
    assert_float_equal(s.var_unpaired_empirical, 7, 1e-12);
    assert_float_equal(s.reduction_empirical, 7, 1e-12);

    /* a constant shift: variance exactly 0, so significant, ratio undefined */
    const double c[] = {0.2, 0.2, 0.2, 0.2}, d[] = {0.3, 0.3, 0.3, 0.3};
    s = compare_stats(c, d, d, 4);
    assert_true(s.var_paired == 0 && s.var_unpaired == 0);
    assert_int_equal(s.significant, 1);
    assert_true(isnan(s.reduction));

    /* an empty cell (no p99 without requests) leaves the metric empty */
    const double e[] = {1, NAN, 3};
    s = compare_stats(a, e, b, 3);
    assert_true(isnan(s.diff) && isnan(s.mean_a));
    assert_int_equal(s.significant, -1);
}

/* 2 tasks (A) against 3 (B), R = 10, seed 1. More tasks lower the mean
 * response (about 0.133 s to 0.118 s were it M/M/1 per task): the paired
 * interval must lie below 0. The factor 2: over base seeds 1 to 8 this
 * comparison's variance reduction in mean_s measured 3.0x to 9.3x as
 * var(A)+var(B) and 3.1x to 10.1x against B on independent seeds (5.8x and
 * 3.6x at seed 1), so > 2 holds with room for any seed while a broken
 * pairing (reduction about 1) fails it; it makes the paired 95% interval
 * more than sqrt(2) = 1.4 times narrower than an unpaired one. */
static void test_two_vs_three_tasks(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *a = write_svc(dir, "two.yaml", 2), *b = write_svc(dir, "three.yaml", 3);
    char *out = path_in(dir, "out");
    tu_cli c = tu_run_cli((const char *[]){"compare", a, b, "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.err, "");
    assert_non_null(strstr(c.out, "10 paired replications"));
    assert_non_null(strstr(c.out, "mean_s"));
    char *csvp = path_in(out, "compare.csv");
    char *csv = tu_read_file(csvp, NULL);
    assert_non_null(csv);
    static const char head[] = "metric,mean_a,mean_b,diff,diff_ci_low,diff_ci_high,significant,"
                               "var_paired,var_unpaired,variance_reduction,var_unpaired_empirical,"
                               "variance_reduction_empirical\n";
    assert_true(strncmp(csv, head, strlen(head)) == 0);
    assert_int_equal(tu_count_entries(out), 1); /* compare.csv alone */

    double ma = num(csv, "mean_s", "mean_a"), mb = num(csv, "mean_s", "mean_b");
    assert_true(ma > 0.11 && ma < 0.16);
    assert_true(mb > 0.10 && mb < ma);
    assert_float_equal(num(csv, "mean_s", "diff"), mb - ma, 1e-8);
    assert_true(num(csv, "mean_s", "diff_ci_high") < 0);
    assert_cell(csv, "mean_s", "significant", "true");
    assert_cell(csv, "p99_s", "significant", "true");
    assert_true(num(csv, "p99_s", "diff_ci_high") < 0);
    double vp = num(csv, "mean_s", "var_paired");
    assert_true(vp > 0);
    assert_true(num(csv, "mean_s", "variance_reduction") > 2);
    assert_true(num(csv, "mean_s", "variance_reduction_empirical") > 2);
    assert_float_equal(num(csv, "mean_s", "variance_reduction"),
                       num(csv, "mean_s", "var_unpaired") / vp, 1e-6);

    /* the same arrivals on both sides: every request counted in both */
    assert_float_equal(num(csv, "requests", "diff"), 0, 0);
    assert_float_equal(num(csv, "requests", "var_paired"), 0, 0);
    assert_true(num(csv, "requests", "var_unpaired") > 0);
    assert_cell(csv, "requests", "variance_reduction", "");
    assert_cell(csv, "tasks_running", "diff", "1");
    /* columns that identify a run are not compared */
    assert_null(cell(csv, "seed", "diff"));
    assert_null(cell(csv, "fingerprint", "diff"));

    /* replication k of A is replication k of `run --replications` */
    char *reps = path_in(dir, "reps");
    tu_cli r =
        tu_run_cli((const char *[]){"run", a, "--replications", "10", "-q", "-o", reps, NULL});
    assert_int_equal(r.rc, 0);
    char *sp = path_in(reps, "summary.csv");
    char *summary = tu_read_file(sp, NULL);
    assert_float_equal(tu_column(summary, "mean_s"), ma, 1e-12);
    assert_float_equal(tu_column(summary, "p99_s"), num(csv, "p99_s", "mean_a"), 1e-12);

    free(summary);
    free(sp);
    free(reps);
    tu_cli_free(&r);
    free(csv);
    free(csvp);
    tu_cli_free(&c);
    free(out);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}

/* A with itself: the same seeds give the same runs, so every difference is
 * exactly 0 with variance 0 and nothing is significant; the independent
 * replications of B still vary. */
static void test_identical(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *a = write_svc(dir, "two.yaml", 2);
    char *out = path_in(dir, "out");
    tu_cli c =
        tu_run_cli((const char *[]){"compare", a, a, "--replications", "4", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out, "");
    char *csvp = path_in(out, "compare.csv");
    char *csv = tu_read_file(csvp, NULL);
    assert_non_null(csv);
    int rows = 0;
    for (const char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char metric[128];
        size_t n = strcspn(line, ",");
        assert_true(n < sizeof metric);
        memcpy(metric, line, n);
        metric[n] = '\0';
        assert_cell(csv, metric, "diff", "0");
        assert_cell(csv, metric, "diff_ci_low", "0");
        assert_cell(csv, metric, "diff_ci_high", "0");
        assert_cell(csv, metric, "var_paired", "0");
        assert_cell(csv, metric, "significant", "false");
        rows++;
    }
    assert_true(rows > 20);
    assert_true(num(csv, "mean_s", "var_unpaired") > 0);
    assert_true(num(csv, "mean_s", "var_unpaired_empirical") > 0);
    free(csv);
    free(csvp);
    tu_cli_free(&c);
    free(out);
    free(a);
    tu_rmtree(dir);
    free(dir);
}

/* Twice, with the table and without: the same bytes; --metric keeps the
 * named rows in the order given. */
static void test_deterministic(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *a = write_svc(dir, "two.yaml", 2), *b = write_svc(dir, "three.yaml", 3);
    char *o1 = path_in(dir, "o1"), *o2 = path_in(dir, "o2");
    const char *const args1[] = {"compare", a,          b,       "--replications",
                                 "3",       "--metric", "p99_s", "--metric",
                                 "mean_s",  "-o",       o1,      NULL};
    const char *const args2[] = {"compare",  a,       b,          "--replications", "3",
                                 "--metric", "p99_s", "--metric", "mean_s",         "-q",
                                 "-o",       o2,      NULL};
    tu_cli c1 = tu_run_cli(args1), c2 = tu_run_cli(args2);
    assert_int_equal(c1.rc, 0);
    assert_int_equal(c2.rc, 0);
    char *p1 = path_in(o1, "compare.csv"), *p2 = path_in(o2, "compare.csv");
    size_t l1 = 0, l2 = 0;
    char *f1 = tu_read_file(p1, &l1), *f2 = tu_read_file(p2, &l2);
    assert_non_null(f1);
    assert_non_null(f2);
    assert_int_equal(l1, l2);
    assert_memory_equal(f1, f2, l1);
    const char *row2 = strchr(f1, '\n') + 1;
    assert_true(strncmp(row2, "p99_s,", 6) == 0);
    const char *row3 = strchr(row2, '\n') + 1;
    assert_true(strncmp(row3, "mean_s,", 7) == 0);
    assert_string_equal(strchr(row3, '\n') + 1, "");
    free(f1);
    free(f2);
    free(p1);
    free(p2);
    tu_cli_free(&c1);
    tu_cli_free(&c2);
    free(o1);
    free(o2);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}

/* args after "compare A B" (A and B written by the test unless the args
 * name others); exit 2, exactly `want` on stderr, no output directory. */
static void expect_bad(const char *first, const char *second, const char *const *extra,
                       const char *want)
{
    char *dir = tu_mkdtemp();
    char *a = write_svc(dir, "two.yaml", 2), *b = write_svc(dir, "three.yaml", 3);
    char *out = path_in(dir, "out");
    const char *args[32];
    int n = 0;
    args[n++] = "compare";
    if (first) args[n++] = strcmp(first, "A") == 0 ? a : first;
    if (second) args[n++] = strcmp(second, "B") == 0 ? b : second;
    for (int i = 0; extra && extra[i]; i++) args[n++] = extra[i];
    args[n++] = "-o";
    args[n++] = out;
    args[n] = NULL;
    tu_cli c = tu_run_cli(args);
    assert_int_equal(c.rc, 2);
    if (strcmp(c.err, want) != 0) fprintf(stderr, "got: %s", c.err);
    assert_string_equal(c.err, want);
    assert_string_equal(c.out, "");
    assert_false(tu_exists(out));
    tu_cli_free(&c);
    free(out);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}

static void test_bad_input(void **state)
{
    (void) state;
    expect_bad("/nonexistent/a.yaml", "B", NULL,
               "ecsim: /nonexistent/a.yaml: cannot read: No such file or directory\n");
    expect_bad("A", "/nonexistent/b.yaml", NULL,
               "ecsim: /nonexistent/b.yaml: cannot read: No such file or directory\n");
    expect_bad("A", "B", (const char *[]){"--replications", "1", NULL},
               "ecsim: --replications: expected an integer in [2, 1000000], got \"1\"\n"
               "(see ecsim compare --help)\n");
    expect_bad("A", "B", (const char *[]){"--replications", "ten", NULL},
               "ecsim: --replications: expected an integer in [2, 1000000], got \"ten\"\n"
               "(see ecsim compare --help)\n");
    /* found once A and B have run once, in the scratch directory */
    expect_bad("A", "B", (const char *[]){"--metric", "p99", NULL},
               "ecsim: --metric: unknown metric \"p99\"; did you mean p99_s?\n");
    expect_bad("A", "B", (const char *[]){"--metric", "scenario", NULL},
               "ecsim: --metric: scenario is not a numeric metric\n");
    expect_bad("A", "B", (const char *[]){"--metric", "mean_s", "--metric", "mean_s", NULL},
               "ecsim: --metric: mean_s given twice\n");
    expect_bad("A", NULL, NULL,
               "ecsim: compare: expected two scenario files, A and B\n"
               "(see ecsim compare --help)\n");
    expect_bad("A", "B", (const char *[]){"--frobnicate", NULL},
               "ecsim: compare: unknown option --frobnicate\n(see ecsim compare --help)\n");
}

static void test_help(void **state)
{
    (void) state;
    tu_cli c = tu_run_cli((const char *[]){"compare", "--help", NULL});
    assert_int_equal(c.rc, 0);
    assert_true(strncmp(c.out, "usage: ecsim compare A.yaml B.yaml", 34) == 0);
    tu_cli_free(&c);
    c = tu_run_cli((const char *[]){"--help", NULL});
    assert_non_null(strstr(c.out, "  compare A B "));
    tu_cli_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_arithmetic), cmocka_unit_test(test_two_vs_three_tasks),
        cmocka_unit_test(test_identical),        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_bad_input),        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_replicate.c -- `ecsim run FILE --replications R|auto`: replication
 * seeds, byte-identical outputs for one seed, the combined summary.csv's
 * intervals (recomputed from the rep-<k> summaries, and an M/M/1 mean inside
 * its 95% interval with a negative control outside it), the --precision
 * stopping rule (stops at the first count that meets the bound; an
 * unmeetable bound stops at --max-replications with converged false), and
 * bad usage: one message, exit 2, no output directory, earlier results kept.
 * Seeds are pinned: if a statistical check fails, find the bias. */
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

#include "sim/replicate.h"
#include "support/testutil.h"
#include "support/theory.h"

/* M/M/1 at rho 0.5: one one-worker task, lambda 5/s, mu 10/s, so the mean
 * response is 1 / (mu - lambda) = 0.2 s. No health checks and no idle
 * timeout, which queueing theory does not know (as in test_theory). */
#define MM1_LAMBDA 5.0
#define MM1_MU     10.0
static const char mm1_yaml[] =
    "run: {duration_s: 2000, warmup_s: 200, sample_interval_s: 100000}\n"
    "host_groups: {h: {instance_type: m5.4xlarge, count: 1}}\n"
    "task_definitions: {t: {cpu: 1024, memory_mib: 256, workers: 1}}\n"
    "services: {s: {task_definition: t, desired_count: 1, load_balancer: lb}}\n"
    "load_balancers: {lb: {algorithm: round_robin, idle_timeout_s: 4000,\n"
    "                      health_check: {enabled: false}}}\n"
    "workloads: {w: {target: lb, rate_per_s: 5,\n"
    "                demand: {distribution: exponential, mean_s: 0.1}}}\n";

static const char *const rep_files[] = {"summary.csv", "timeseries.csv", "events.csv",
                                        "effective.yaml"};

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

static char *rep_path(const char *dir, int k, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/rep-%d/%s", dir, k, name) < 0) abort();
    return p;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *fa = tu_read_file(a, &la), *fb = tu_read_file(b, &lb);
    assert_non_null(fa);
    assert_non_null(fb);
    assert_int_equal(la, lb);
    assert_memory_equal(fa, fb, la);
    free(fa);
    free(fb);
}

static double summary_column(const char *dir, const char *name)
{
    char *p = path_in(dir, "summary.csv");
    char *s = tu_read_file(p, NULL);
    assert_non_null(s);
    double v = tu_column(s, name);
    free(s);
    free(p);
    return v;
}

static void test_seeds(void **state)
{
    (void) state;
    assert_int_equal(replicate_seed(1, 1), 1);
    assert_int_equal(replicate_seed(42, 1), 42);
    uint64_t s[50];
    for (int k = 1; k <= 50; k++) {
        s[k - 1] = replicate_seed(1, k);
        assert_true(s[k - 1] <= (UINT64_C(1) << 53)); /* a valid run.seed */
        for (int j = 0; j < k - 1; j++) assert_true(s[j] != s[k - 1]);
    }
    assert_true(replicate_seed(2, 2) != replicate_seed(1, 2));
}

/* Two invocations, identical bytes in every file; rep-1 is the plain run. */
static void test_same_seed_same_bytes(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "q.yaml", mm1_yaml);
    char *a = path_in(dir, "a"), *b = path_in(dir, "b"), *plain = path_in(dir, "plain");
    tu_cli c1 = tu_run_cli((const char *[]){"run", scen, "--replications", "3", "-o", a, NULL});
    tu_cli c2 =
        tu_run_cli((const char *[]){"run", scen, "--replications", "3", "-q", "-o", b, NULL});
    tu_cli c3 = tu_run_cli((const char *[]){"run", scen, "-q", "-o", plain, NULL});
    assert_int_equal(c1.rc, 0);
    assert_int_equal(c2.rc, 0);
    assert_int_equal(c3.rc, 0);
    assert_string_equal(c2.out, "");
    assert_non_null(strstr(c1.out, "3 replications"));
    assert_non_null(strstr(c1.out, "p99_s"));
    assert_non_null(strstr(c1.out, "cost_usd"));
    assert_int_equal(tu_count_entries(a), 4); /* summary.csv, rep-1..3: no staging left */
    char *sa = path_in(a, "summary.csv"), *sb = path_in(b, "summary.csv");
    assert_same_file(sa, sb);
    for (int k = 1; k <= 3; k++)
        for (size_t i = 0; i < 4; i++) {
            char *pa = rep_path(a, k, rep_files[i]), *pb = rep_path(b, k, rep_files[i]);
            assert_same_file(pa, pb);
            free(pa);
            free(pb);
        }
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(rep_files[i], "effective.yaml") == 0) continue; /* records --seed */
        char *pa = rep_path(a, 1, rep_files[i]), *pp = path_in(plain, rep_files[i]);
        assert_same_file(pa, pp);
        free(pa);
        free(pp);
    }
    /* each replication's seed is recorded where it ran */
    char *y2 = rep_path(a, 2, "effective.yaml");
    char *fy = tu_read_file(y2, NULL);
    char want[64];
    snprintf(want, sizeof want, "# --seed %llu\n", (unsigned long long) replicate_seed(1, 2));
    assert_non_null(strstr(fy, want));
    free(fy);
    free(y2);
    char *head = tu_read_file(sa, NULL);
    assert_true(strncmp(head, "seed,version,commit,scenario,replications,fingerprint,", 54) == 0);
    assert_non_null(strstr(head, ",p99_s,p99_s_ci_low,p99_s_ci_high,"));
    assert_null(strstr(head, "_converged")); /* only with --precision */
    free(head);
    assert_true(summary_column(a, "replications") == 3);
    free(sa);
    free(sb);
    tu_cli_free(&c1);
    tu_cli_free(&c2);
    tu_cli_free(&c3);
    tu_rmtree(dir);
    free(a);
    free(b);
    free(plain);
    free(scen);
    free(dir);
}

/* The combined columns recomputed from the replications' own summaries,
 * and the M/M/1 mean response inside the 95% interval (the same interval
 * around the formula with mu 5% low must exclude it: the test can see a
 * 5% bias). */
static void test_ci_mm1(void **state)
{
    (void) state;
    enum { R = 10 };
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "q.yaml", mm1_yaml);
    char *out = path_in(dir, "out");
    tu_cli c =
        tu_run_cli((const char *[]){"run", scen, "--replications", "10", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    static const char *const cols[] = {"mean_s", "p99_s", "requests", "slo_p99_ok"};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        double x[R];
        for (int k = 1; k <= R; k++) {
            char *p = rep_path(out, k, "summary.csv");
            char *s = tu_read_file(p, NULL);
            x[k - 1] = tu_column(s, cols[i]);
            free(s);
            free(p);
        }
        double mean, half;
        theory_ci95(x, R, &mean, &half);
        char lo[64], hi[64];
        snprintf(lo, sizeof lo, "%s_ci_low", cols[i]);
        snprintf(hi, sizeof hi, "%s_ci_high", cols[i]);
        double tol = 1e-7 * fmax(1, fabs(mean)); /* %.9g in the file */
        assert_true(fabs(summary_column(out, cols[i]) - mean) <= tol);
        assert_true(fabs(summary_column(out, lo) - (mean - half)) <= tol);
        assert_true(fabs(summary_column(out, hi) - (mean + half)) <= tol);
    }
    /* a boolean column is the fraction of replications where it held */
    double ok = summary_column(out, "slo_p99_ok");
    assert_true(ok >= 0 && ok <= 1);

    double lo = summary_column(out, "mean_s_ci_low"), hi = summary_column(out, "mean_s_ci_high");
    double truth = 1 / (MM1_MU - MM1_LAMBDA), biased = 1 / (0.95 * MM1_MU - MM1_LAMBDA);
    assert_true(lo <= truth && truth <= hi);
    assert_false(lo <= biased && biased <= hi); /* negative control */
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(dir);
}

/* The relative half-width of column `name` over replications 1..n. */
static double rel_half_of(const char *dir, const char *name, int n)
{
    double x[200];
    assert_true(n <= 200);
    for (int k = 1; k <= n; k++) {
        char *p = rep_path(dir, k, "summary.csv");
        char *s = tu_read_file(p, NULL);
        x[k - 1] = tu_column(s, name);
        free(s);
        free(p);
    }
    double mean, half;
    theory_ci95(x, (size_t) n, &mean, &half);
    return half / fabs(mean);
}

static void test_auto_precision(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "q.yaml", mm1_yaml);
    char *out = path_in(dir, "out");

    /* a bound met at once: the minimum of 5 */
    tu_cli c = tu_run_cli((const char *[]){"run", scen, "--replications", "auto", "--precision",
                                           "requests=10%", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_true(summary_column(out, "replications") == 5);
    assert_true(summary_column(out, "requests_converged") == 1);
    tu_cli_free(&c);

    /* a bound that needs more than 5: it stops at the first count meeting it,
     * and an earlier, longer experiment's rep-<k> directories go */
    c = tu_run_cli((const char *[]){"run", scen, "--replications", "auto", "--precision",
                                    "mean_s=3%", "--precision", "p50_s=50%", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "precision mean_s"));
    int n = (int) summary_column(out, "replications");
    assert_true(n > 5 && n < 100);
    assert_true(summary_column(out, "mean_s_converged") == 1);
    assert_true(summary_column(out, "p50_s_converged") == 1);
    assert_true(rel_half_of(out, "mean_s", n) < 0.03);
    assert_false(rel_half_of(out, "mean_s", n - 1) < 0.03);
    assert_int_equal(tu_count_entries(out), n + 1);
    tu_cli_free(&c);
    char *sp = path_in(out, "summary.csv");
    char *summary = tu_read_file(sp, NULL);
    assert_null(strstr(summary, "p99_s_converged")); /* only the named metrics */
    free(summary);
    free(sp);

    /* a bound no count here can meet: --max-replications, converged false */
    c = tu_run_cli((const char *[]){"run", scen, "--replications", "auto", "--precision",
                                    "p99_s=0.01%", "--max-replications", "6", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "NOT converged"));
    assert_non_null(strstr(c.out, "--max-replications 6"));
    assert_true(summary_column(out, "replications") == 6);
    assert_true(summary_column(out, "p99_s_converged") == 0);
    assert_int_equal(tu_count_entries(out), 7); /* rep-7.. of the last experiment removed */
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(dir);
}

/* Bad usage: exit 2, one message, nothing on stdout, no output directory. */
static void expect_bad(const char *const *extra, const char *want)
{
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "q.yaml", mm1_yaml);
    char *out = path_in(dir, "out");
    const char *args[16] = {"run", scen, "-o", out};
    int n = 4;
    for (; *extra; extra++) args[n++] = *extra;
    args[n] = NULL;
    tu_cli c = tu_run_cli(args);
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.out, "");
    if (strcmp(c.err, want) != 0) fprintf(stderr, "got: %s", c.err);
    assert_string_equal(c.err, want);
    assert_false(tu_exists(out));
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(dir);
}

#define SEE "\n(see ecsim --help)\n"

static void test_bad_usage(void **state)
{
    (void) state;
    expect_bad((const char *[]){"--replications", "0", NULL},
               "ecsim: --replications: expected an integer in [1, 1000000] or auto, got \"0\"" SEE);
    expect_bad(
        (const char *[]){"--replications", "two", NULL},
        "ecsim: --replications: expected an integer in [1, 1000000] or auto, got \"two\"" SEE);
    /* without --replications, --precision is one run's (test_steady.c); with a fixed
     * count it means nothing */
    expect_bad((const char *[]){"--replications", "3", "--precision", "p99_s=2%", NULL},
               "ecsim: --precision: needs --replications auto" SEE);
    expect_bad((const char *[]){"--replications", "auto", "--precision", "publication", NULL},
               "ecsim: --precision publication: for one run; with --replications auto name the "
               "metrics (--precision mean_s=3%)" SEE);
    expect_bad((const char *[]){"--replications", "auto", NULL},
               "ecsim: --replications auto: needs at least one --precision METRIC=PERCENT%" SEE);
    expect_bad((const char *[]){"--replications", "auto", "--precision", "p99_s=2", NULL},
               "ecsim: --precision: p99_s: expected a percentage in (0%, 100%] like 2%, got "
               "\"2\"" SEE);
    expect_bad((const char *[]){"--replications", "auto", "--precision", "p99_s=-1%", NULL},
               "ecsim: --precision: p99_s: expected a percentage in (0%, 100%] like 2%, got "
               "\"-1%\"" SEE);
    expect_bad((const char *[]){"--replications", "auto", "--precision", "p99_s", NULL},
               "ecsim: --precision: expected METRIC=PERCENT% (p99_s=2%), got \"p99_s\"" SEE);
    expect_bad((const char *[]){"--replications", "auto", "--precision", "p99_s=2%",
                                "--max-replications", "4", NULL},
               "ecsim: --max-replications: expected an integer in [5, 1000000], got \"4\"" SEE);
    expect_bad((const char *[]){"--replications", "4", "--max-replications", "10", NULL},
               "ecsim: --max-replications: needs --replications auto" SEE);
    /* found only once a run's columns are known: still nothing written */
    expect_bad((const char *[]){"--replications", "auto", "--precision", "p99=2%", NULL},
               "ecsim: --precision: unknown metric \"p99\"; did you mean p99_s?\n");
    expect_bad((const char *[]){"--replications", "auto", "--precision", "version=2%", NULL},
               "ecsim: --precision: version is not a numeric metric\n");
    /* a bad scenario: the usual message, nothing written */
    expect_bad((const char *[]){"--replications", "3", "--set", "run.duration_s=-1", NULL},
               "ecsim: --set: run.duration_s: expected a number in (0, 1000000000], got \"-1\"\n");
}

/* A failure found after runs went to the staging directory leaves an earlier
 * experiment's files exactly as they were, and no staging directory. */
static void test_failure_keeps_earlier_results(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "q.yaml", mm1_yaml);
    char *out = path_in(dir, "out");
    tu_cli c =
        tu_run_cli((const char *[]){"run", scen, "--replications", "2", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    char *sp = path_in(out, "summary.csv");
    char *before = tu_read_file(sp, NULL);
    c = tu_run_cli((const char *[]){"run", scen, "--replications", "auto", "--precision",
                                    "p99_x=2%", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    tu_cli_free(&c);
    char *after = tu_read_file(sp, NULL);
    assert_string_equal(before, after);
    assert_int_equal(tu_count_entries(out), 3);
    free(before);
    free(after);
    free(sp);
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(dir);
}

static void test_help_lists_options(void **state)
{
    (void) state;
    tu_cli c = tu_run_cli((const char *[]){"run", "--help", NULL});
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "--replications R|auto"));
    assert_non_null(strstr(c.out, "--precision M=P%"));
    assert_non_null(strstr(c.out, "--max-replications N"));
    tu_cli_free(&c);
}

/* Coverage (make test-long): in 200 independent experiments of 10
 * replications each, the 95% interval of mean_s holds the true M/M/1 mean
 * 0.2 s in a fraction of them within [0.91, 0.985] (binomial around 0.95,
 * allowing for the small warm-up bias of finite runs). Seeds are pinned:
 * experiment e runs with --seed e. In make test a 20-experiment version
 * checks the plumbing and that coverage is not absurd. */
static void test_coverage(void **state)
{
    (void) state;
    int n = tu_long() ? 200 : 20, covered = 0;
    double truth = 1 / (MM1_MU - MM1_LAMBDA);
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "q.yaml", mm1_yaml);
    char *out = path_in(dir, "out");
    for (int e = 1; e <= n; e++) {
        char seed[32];
        snprintf(seed, sizeof seed, "%d", e);
        tu_cli c = tu_run_cli((const char *[]){"run", scen, "--replications", "10", "--seed", seed,
                                               "-q", "-o", out, NULL});
        assert_int_equal(c.rc, 0);
        tu_cli_free(&c);
        double lo = summary_column(out, "mean_s_ci_low"),
               hi = summary_column(out, "mean_s_ci_high");
        covered += lo <= truth && truth <= hi;
    }
    double frac = (double) covered / n;
    printf("  coverage: %d of %d intervals hold the true mean (%.3f)\n", covered, n, frac);
    if (n == 200)
        assert_true(frac >= 0.91 && frac <= 0.985);
    else
        assert_true(frac >= 0.75); /* 20 experiments: P(fewer than 15 covered) = 0.0003 */
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_ci_mm1),
        cmocka_unit_test(test_auto_precision),
        cmocka_unit_test(test_bad_usage),
        cmocka_unit_test(test_failure_keeps_earlier_results),
        cmocka_unit_test(test_help_lists_options),
        cmocka_unit_test(test_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

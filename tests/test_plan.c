/* test_plan.c -- `ecsim plan`: on a tiny scenario where one task misses
 * the SLO and three meet it, on two instance types of different prices,
 * the planner picks the cheapest feasible configuration (checked against
 * plan.csv's own rows), the same command writes the same bytes, an SLO
 * nothing meets says so and names the closest, and bad input exits 2 with
 * one message and no directory. plan_rank's ordering is checked directly.
 * Pruning by monotonicity finds the full grid's boundary with fewer runs,
 * and runs a line whole when its results contradict the assumption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/plan.h"
#include "support/testutil.h"

static const char tiny_yaml[] =
    "run: {duration_s: 60, warmup_s: 0, sample_interval_s: 100000}\n"
    "slo: {p99_latency_s: 0.5, error_rate: 0.01}\n"
    "host_groups: {h: {instance_type: m5.xlarge, count: 1}}\n"
    "task_definitions: {t: {cpu: 512, memory_mib: 256, workers: 1}}\n"
    "services: {s: {task_definition: t, desired_count: 1, load_balancer: lb}}\n"
    "load_balancers: {lb: {algorithm: round_robin, health_check: {enabled: false}}}\n"
    "workloads: {w: {target: lb, rate_per_s: 20,\n"
    "                demand: {distribution: exponential, mean_s: 0.025}}}\n";

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

/* plan.csv (no quoted fields here), split in place */
typedef struct table {
    char *text;
    char *cells[16][32];
    int n_cols, n_rows;
} table;

static void table_read(table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->text = tu_read_file(path, NULL);
    assert_non_null(t->text);
    for (char *line = strtok(t->text, "\n"); line; line = strtok(NULL, "\n")) {
        assert_true(t->n_rows < 16);
        int n = 0;
        for (char *f = line;; n++) {
            assert_true(n < 32);
            t->cells[t->n_rows][n] = f;
            char *comma = strchr(f, ',');
            if (!comma) break;
            *comma = '\0';
            f = comma + 1;
        }
        if (t->n_rows == 0) t->n_cols = n + 1;
        assert_int_equal(n + 1, t->n_cols);
        t->n_rows++;
    }
}

static const char *cell(const table *t, int row, const char *col)
{
    for (int c = 0; c < t->n_cols; c++)
        if (strcmp(t->cells[0][c], col) == 0) return t->cells[row][c];
    fail_msg("no column %s", col);
    return NULL;
}

static tu_cli plan_into(const char *scen, const char *out, const char *extra)
{
    return tu_run_cli((const char *[]){"plan", scen, "--vary", "services.s.desired_count=1,3",
                                       "--vary", "host_groups.h.instance_type=m5.large,m5.xlarge",
                                       "-j", "2", "-o", out, extra, NULL});
}

static void test_cheapest_feasible(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    tu_cli c = plan_into(scen, out, NULL);
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.err, "");
    char *p = path_in(out, "plan.csv");
    table t;
    table_read(&t, p);
    assert_int_equal(t.n_rows, 5);
    /* one task misses the SLO, three meet it, on either instance type */
    int best = -1, n_feasible = 0;
    double best_cost = INFINITY;
    for (int r = 1; r <= 4; r++) {
        int three = strcmp(cell(&t, r, "services.s.desired_count"), "3") == 0;
        assert_string_equal(cell(&t, r, "replications"), "5");
        assert_string_equal(cell(&t, r, "feasible"), three ? "true" : "false");
        double hi = strtod(cell(&t, r, "p99_s_ci_high"), NULL);
        if (three) {
            assert_true(hi <= 0.5);
            n_feasible++;
            double cost = strtod(cell(&t, r, "cost_usd"), NULL);
            if (cost < best_cost) best_cost = cost, best = r;
        } else {
            assert_true(hi > 0.5);
            assert_string_equal(cell(&t, r, "rank"), "");
        }
    }
    assert_int_equal(n_feasible, 2);
    /* the cheapest feasible row is rank 1 and is the m5.large one */
    assert_int_equal(best, 3);
    assert_string_equal(cell(&t, best, "rank"), "1");
    assert_string_equal(cell(&t, best, "host_groups.h.instance_type"), "m5.large");
    assert_string_equal(cell(&t, 4, "rank"), "2");
    assert_non_null(strstr(c.out, "2 of 4 configurations meet the SLO"));
    assert_non_null(strstr(c.out, "cheapest: config 3 (services.s.desired_count=3, "
                                  "host_groups.h.instance_type=m5.large)"));
    assert_non_null(strstr(c.out, "runner-up: config 4 ("));
    free(t.text);
    free(p);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

static void test_same_bytes(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    tu_cli c1 = plan_into(scen, a, "-q");
    tu_cli c2 = tu_run_cli((const char *[]){
        "plan", scen, "--vary", "services.s.desired_count=1,3", "--vary",
        "host_groups.h.instance_type=m5.large,m5.xlarge", "-j", "1", "-q", "-o", b, NULL});
    assert_int_equal(c1.rc, 0);
    assert_int_equal(c2.rc, 0);
    assert_string_equal(c1.out, ""); /* -q */
    static const char *const files[] = {"plan.csv", "frontier.csv"};
    for (int i = 0; i < 2; i++) {
        char *pa = path_in(a, files[i]), *pb = path_in(b, files[i]);
        size_t la = 0, lb = 0;
        char *fa = tu_read_file(pa, &la), *fb = tu_read_file(pb, &lb);
        assert_non_null(fa);
        assert_non_null(fb);
        assert_int_equal(la, lb);
        assert_memory_equal(fa, fb, la);
        free(fa);
        free(fb);
        free(pa);
        free(pb);
    }
    tu_cli_free(&c1);
    tu_cli_free(&c2);
    tu_rmtree(dir);
    free(scen);
    free(a);
    free(b);
    free(dir);
}

static void test_none_feasible(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    tu_cli c = plan_into(scen, out, "--set=slo.p99_latency_s=0.001");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "no configuration meets the SLO with 95% confidence"));
    /* closest: the lowest upper p99 bound over the SLO, then the lowest cost */
    assert_non_null(strstr(c.out, "closest: config 3 (services.s.desired_count=3, "
                                  "host_groups.h.instance_type=m5.large)"));
    char *p = path_in(out, "plan.csv");
    char *text = tu_read_file(p, NULL);
    assert_non_null(text);
    assert_null(strstr(text, "true"));
    free(text);
    free(p);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

static void expect_bad(const char *const *args, const char *msg)
{
    tu_cli c = tu_run_cli(args);
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.out, "");
    if (strncmp(c.err, msg, strlen(msg)) != 0) fail_msg("got \"%s\", want \"%s\"", c.err, msg);
    tu_cli_free(&c);
}

static void test_bad_input(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    expect_bad((const char *[]){"plan", scen, "--vary", "services.s.desired_count=1,3",
                                "--replications", "1", "-o", out, NULL},
               "ecsim: --replications: expected an integer in [2, 1000000], got \"1\"\n");
    expect_bad((const char *[]){"plan", scen, "-o", out, NULL},
               "ecsim: plan: expected at least one --vary PATH=SPEC\n");
    expect_bad(
        (const char *[]){"plan", scen, "--vary", "slo.p99_latency_s=0.1,0.2", "-o", out, NULL},
        "ecsim: --vary: slo.p99_latency_s: the SLO is what plan meets, not a parameter "
        "to vary (use --set or --slo)\n");
    expect_bad((const char *[]){"plan", scen, "--vary", "services.s.desired_count=1,3", "--slo",
                                "p99_latency=0.2", "-o", out, NULL},
               "ecsim: --slo: \"p99_latency=0.2\": expected METRIC<VALUE, METRIC<=VALUE, "
               "METRIC>VALUE or METRIC>=VALUE (e.g. 'p99_latency<0.2')\n");
    expect_bad((const char *[]){"plan", scen, "--vary", "services.s.desired_count=1,3", "--slo",
                                "p99_latency<abc", "-o", out, NULL},
               "ecsim: --slo: \"p99_latency<abc\": expected METRIC<VALUE");
    expect_bad((const char *[]){"plan", scen, "--vary", "services.s.desired_count=1,3", "--slo",
                                "p99_latncy<0.2", "-o", out, NULL},
               "ecsim: --slo: p99_latncy: not a measured column of summary.csv (e.g. p99_s, "
               "error_rate, cost_usd, cpu_util_pct)\n");
    expect_bad((const char *[]){"plan", scen, "--vary", "services.s.desired_count=1,3",
                                "--minimize", "seed", "-o", out, NULL},
               "ecsim: --minimize: seed: not a measured column of summary.csv\n");
    expect_bad(
        (const char *[]){"plan", scen, "--vary", "services.s.desird_count=1,3", "-o", out, NULL},
        "ecsim: --vary: services.s.desird_count: unknown parameter; did you mean "
        "services.s.desired_count?\n");
    assert_false(tu_exists(out));
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

static void test_rank(void **state)
{
    (void) state;
    plan_row r[4];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 4; i++) r[i].config = i + 1;
    plan_slo slo[2];
    ecs_err e;
    err_clear(&e);
    assert_int_equal(plan_parse_slo(" p99_latency <= 0.2 ", &slo[0], &e), ECS_OK);
    assert_string_equal(slo[0].metric, "p99_s");
    assert_int_equal(slo[0].op, PLAN_LE);
    assert_int_equal(plan_parse_slo("error_rate<=0", &slo[1], &e), ECS_OK);
    /* 1: cheap but too slow; 2 and 3 feasible at one cost, 3 faster; 4 dearer */
    double cost[] = {1, 2, 2, 3}, p99[] = {0.9, 0.15, 0.1, 0.05};
    for (int i = 0; i < 4; i++) {
        r[i].obj[0] = cost[i];
        r[i].p99[0] = p99[i];
        r[i].slo[0][0] = p99[i];
        r[i].slo[0][2] = p99[i] + 0.01;
    }
    assert_int_equal(plan_rank(r, 4, slo, 2), 3);
    assert_int_equal(r[0].feasible, 0);
    assert_int_equal(r[0].rank, 0);
    assert_int_equal(r[2].rank, 1);
    assert_int_equal(r[1].rank, 2);
    assert_int_equal(r[3].rank, 3);
    /* an error rate above a zero SLO, or an interval that is NAN, fails */
    r[2].slo[1][2] = 1e-9;
    r[3].slo[0][2] = NAN;
    assert_int_equal(plan_rank(r, 4, slo, 2), 1);
    assert_int_equal(r[1].rank, 1);
    assert_true(isinf(r[2].shortfall));
    /* > holds on the lower end of the interval; < is strict */
    plan_slo ge;
    assert_int_equal(plan_parse_slo("cpu_util_pct>50", &ge, &e), ECS_OK);
    assert_int_equal(ge.op, PLAN_GT);
    double v[1][3] = {{60, 49, 71}};
    assert_false(plan_slo_holds(&ge, 1, (const double(*)[3]) v, NULL));
    v[0][1] = 51;
    assert_true(plan_slo_holds(&ge, 1, (const double(*)[3]) v, NULL));
    assert_int_equal(plan_parse_slo("cpu_util_pct<71", &ge, &e), ECS_OK);
    assert_false(plan_slo_holds(&ge, 1, (const double(*)[3]) v, NULL));
    /* the frontier: 1 (cheapest), 3 (dominates 2), 4 (fastest) */
    int on[4];
    assert_int_equal(plan_frontier(r, 4, on), 3);
    assert_true(on[0] && !on[1] && on[2] && on[3]);
}

/* --slo replaces the scenario's SLO; --minimize picks what is ranked */
static void test_slo_override(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    /* the scenario's 0.5 s would pass three tasks; 0.001 s passes nothing */
    tu_cli c = plan_into(scen, out, "--slo=p99_latency<0.001");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "SLO (--slo, at the pessimistic end of the 95% CI): p99_s < "
                                  "0.001; minimize cost_usd\n"));
    assert_non_null(strstr(c.out, "no configuration meets the SLO with 95% confidence"));
    tu_cli_free(&c);
    /* a lower bound on utilisation, minimizing host_hours */
    tu_cli c2 = tu_run_cli((const char *[]){
        "plan", scen, "--vary", "services.s.desired_count=1,3", "--vary",
        "host_groups.h.instance_type=m5.large,m5.xlarge", "-j", "2", "-o", out, "--slo",
        "cpu_util_pct>=0", "--slo", "error_rate<0.5", "--minimize", "host_hours", NULL});
    assert_int_equal(c2.rc, 0);
    assert_string_equal(c2.err, "");
    assert_non_null(strstr(c2.out, "cpu_util_pct >= 0, error_rate < 0.5; minimize host_hours"));
    assert_non_null(strstr(c2.out, "4 of 4 configurations meet the SLO"));
    assert_non_null(strstr(c2.out, "best: config 3 ("));
    char *p = path_in(out, "plan.csv");
    table t;
    table_read(&t, p);
    assert_string_equal(cell(&t, 3, "rank"), "1");
    assert_non_null(cell(&t, 1, "host_hours_ci_high"));
    assert_non_null(cell(&t, 1, "cpu_util_pct_ci_low"));
    free(t.text);
    free(p);
    tu_cli_free(&c2);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

/* the winner re-run on fresh seeds; frontier.csv non-dominated with it */
static void test_confirm_frontier(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    tu_cli c = plan_into(scen, out, "--confirm=3");
    assert_int_equal(c.rc, 0);
    assert_non_null(
        strstr(c.out, "confirmation 1: config 3 (rank 1) holds the SLO on 3 fresh replications"));
    assert_non_null(strstr(c.out, "answer: config 3 (services.s.desired_count=3, "
                                  "host_groups.h.instance_type=m5.large), confirmed"));
    char *p = path_in(out, "plan.csv");
    table t;
    table_read(&t, p);
    assert_string_equal(cell(&t, 3, "confirmed"), "true");
    assert_string_equal(cell(&t, 4, "confirmed"), "");
    free(t.text);
    free(p);
    p = path_in(out, "frontier.csv");
    table_read(&t, p);
    assert_true(t.n_rows >= 2);
    int has_winner = 0;
    for (int i = 1; i < t.n_rows; i++) {
        has_winner |= strcmp(cell(&t, i, "config"), "3") == 0;
        double ci = strtod(cell(&t, i, "cost_usd"), NULL), pi = strtod(cell(&t, i, "p99_s"), NULL);
        for (int j = 1; j < t.n_rows; j++) {
            double cj = strtod(cell(&t, j, "cost_usd"), NULL),
                   pj = strtod(cell(&t, j, "p99_s"), NULL);
            assert_false(cj <= ci && pj <= pi && (cj < ci || pj < pi));
        }
        /* sorted by cost */
        if (i > 1) assert_true(strtod(cell(&t, i - 1, "cost_usd"), NULL) <= ci);
    }
    assert_true(has_winner);
    free(t.text);
    free(p);
    /* --confirm 0: no confirmation */
    tu_cli c2 = plan_into(scen, out, "--confirm=0");
    assert_int_equal(c2.rc, 0);
    assert_null(strstr(c2.out, "confirmation"));
    tu_cli_free(&c2);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

/* The smallest desired_count whose row is feasible (run or pruned as
 * feasible), or 0. */
static int boundary(const table *t)
{
    int best = 0;
    for (int r = 1; r < t->n_rows; r++) {
        int n = atoi(cell(t, r, "services.s.desired_count"));
        if (strcmp(cell(t, r, "feasible"), "true") == 0 && (!best || n < best)) best = n;
    }
    return best;
}

/* Pruning by monotonicity in desired_count: at 60 requests/s of 50 ms
 * (0.025 s at a half vCPU) the tasks below some count fail the SLO and
 * those above meet it. The pruned plan runs fewer configurations, finds
 * the same boundary as the full grid, and every pruned row names a run
 * configuration of its line that justifies it. Minimizing p99_s, more tasks
 * are better beyond the noise, which contradicts "more tasks cost no less":
 * the line is run whole and nothing is pruned. */
static void test_prune(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *a = path_in(dir, "a"), *b = path_in(dir, "b"), *m = path_in(dir, "m");
    const char *vary = "services.s.desired_count=1:8";
    tu_cli pr = tu_run_cli((const char *[]){"plan", scen, "--vary", vary, "--set",
                                            "workloads.w.rate_per_s=60", "-o", a, NULL});
    tu_cli full =
        tu_run_cli((const char *[]){"plan", scen, "--vary", vary, "--set",
                                    "workloads.w.rate_per_s=60", "--no-prune", "-o", b, NULL});
    assert_int_equal(pr.rc, 0);
    assert_int_equal(full.rc, 0);
    assert_non_null(strstr(pr.out, "by monotonicity in services.s.desired_count"));
    assert_null(strstr(full.out, "pruned"));
    char *pa = path_in(a, "plan.csv"), *pb = path_in(b, "plan.csv");
    table ta, tb;
    table_read(&ta, pa);
    table_read(&tb, pb);
    assert_int_equal(ta.n_rows, 9);
    assert_int_equal(tb.n_rows, 9);
    int n_pruned = 0, n_below = 0;
    for (int r = 1; r < ta.n_rows; r++) {
        const char *why = cell(&ta, r, "pruned");
        int n = atoi(cell(&ta, r, "services.s.desired_count"));
        assert_string_equal(cell(&tb, r, "pruned"), "");
        if (!*why) {
            assert_string_equal(cell(&ta, r, "replications"), "5");
            /* a run row matches the full grid's (same seeds) */
            assert_string_equal(cell(&ta, r, "p99_s"), cell(&tb, r, "p99_s"));
            continue;
        }
        n_pruned++;
        assert_string_equal(cell(&ta, r, "replications"), "0");
        int by = 0, fewer = strncmp(why, "fewer tasks than config ", 24) == 0;
        assert_true(fewer || strncmp(why, "more tasks than config ", 23) == 0);
        by = atoi(why + (fewer ? 24 : 23));
        assert_true(by >= 1 && by <= 8);
        /* the justifying row was run, and says what the pruned one assumes */
        assert_string_equal(cell(&ta, by, "pruned"), "");
        assert_string_equal(cell(&ta, by, "feasible"), fewer ? "false" : "true");
        int nb = atoi(cell(&ta, by, "services.s.desired_count"));
        assert_true(fewer ? nb > n : nb < n);
        assert_string_equal(cell(&ta, r, "feasible"), fewer ? "false" : "true");
        /* and the full grid agrees with the assumption */
        assert_string_equal(cell(&tb, r, "feasible"), fewer ? "false" : "true");
        n_below += fewer;
    }
    assert_true(n_pruned >= 3);
    assert_true(n_below >= 1);
    assert_true(boundary(&ta) > 1);
    assert_int_equal(boundary(&ta), boundary(&tb));
    free(ta.text);
    free(tb.text);

    tu_cli mp = tu_run_cli((const char *[]){"plan", scen, "--vary", vary, "--set",
                                            "workloads.w.rate_per_s=60", "--minimize", "p99_s",
                                            "-o", m, NULL});
    assert_int_equal(mp.rc, 0);
    assert_non_null(strstr(mp.out, "pruned 0 of 8 configurations"));
    assert_non_null(strstr(mp.out, "1 line contradicted it and was run whole"));
    tu_cli_free(&pr);
    tu_cli_free(&full);
    tu_cli_free(&mp);
    tu_rmtree(dir);
    free(pa);
    free(pb);
    free(scen);
    free(a);
    free(b);
    free(m);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cheapest_feasible),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_none_feasible),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_rank),
        cmocka_unit_test(test_slo_override),
        cmocka_unit_test(test_confirm_frontier),
        cmocka_unit_test(test_prune),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

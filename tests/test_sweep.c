/* test_sweep.c -- `ecsim sweep`: --vary expansion (ranges, lists, log
 * ranges), the grid's rows sorted by (configuration, replication), the
 * same bytes for pool sizes 1 and 2, a sweep stopped by --stop-after and
 * resumed giving the uninterrupted sweep's files, common random numbers
 * (configurations differing only in desired_count see the same requests in
 * each replication), the Latin hypercube hitting each stratum once per
 * dimension, and bad --vary: one exact message, exit 2, no directory.
 * The scenario is tiny (30 simulated seconds) so the file runs in well
 * under a second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sweep.h"
#include "support/testutil.h"

static const char tiny_yaml[] =
    "run: {duration_s: 30, warmup_s: 0, sample_interval_s: 100000}\n"
    "host_groups: {h: {instance_type: m5.2xlarge, count: 1}}\n"
    "task_definitions: {t: {cpu: 1024, memory_mib: 256, workers: 1}}\n"
    "services: {s: {task_definition: t, desired_count: 1, load_balancer: lb}}\n"
    "load_balancers: {lb: {algorithm: round_robin, health_check: {enabled: false}}}\n"
    "workloads: {w: {target: lb, rate_per_s: 20,\n"
    "                demand: {distribution: exponential, mean_s: 0.05}}}\n";

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
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

/* Rows of a CSV ecsim wrote (no quoted fields in these), split in place. */
typedef struct table {
    char *text;
    char **cells[256];
    int n_cols[256];
    int n_rows;
} table;

static void table_read(table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->text = tu_read_file(path, NULL);
    assert_non_null(t->text);
    for (char *line = strtok(t->text, "\n"); line; line = strtok(NULL, "\n")) {
        assert_true(t->n_rows < 256);
        char **c = calloc(512, sizeof *c);
        int n = 0;
        for (char *f = line;; n++) {
            c[n] = f;
            char *comma = strchr(f, ',');
            if (!comma) break;
            *comma = '\0';
            f = comma + 1;
        }
        t->cells[t->n_rows] = c;
        t->n_cols[t->n_rows++] = n + 1;
    }
}

static void table_free(table *t)
{
    for (int r = 0; r < t->n_rows; r++) free(t->cells[r]);
    free(t->text);
}

static const char *cell(const table *t, int row, const char *col)
{
    for (int c = 0; c < t->n_cols[0]; c++)
        if (strcmp(t->cells[0][c], col) == 0) return t->cells[row][c];
    fail_msg("no column %s", col);
    return NULL;
}

static void test_parse_vary(void **state)
{
    (void) state;
    sweep_dim d;
    ecs_err e;
    err_clear(&e);
    assert_int_equal(sweep_parse_vary("services.s.desired_count=2:5", &d, &e), ECS_OK);
    assert_string_equal(d.path, "services.s.desired_count");
    assert_int_equal(d.n, 4);
    assert_string_equal(d.values[0], "2");
    assert_string_equal(d.values[3], "5");
    sweep_dim_free(&d);
    /* the end is kept despite 0.1's rounding */
    assert_int_equal(sweep_parse_vary("run.duration_s=0.1:1:0.1", &d, &e), ECS_OK);
    assert_int_equal(d.n, 10);
    assert_string_equal(d.values[2], "0.3");
    assert_string_equal(d.values[9], "1");
    sweep_dim_free(&d);
    assert_int_equal(sweep_parse_vary("run.duration_s=log:1:1000:4", &d, &e), ECS_OK);
    assert_int_equal(d.n, 4);
    assert_string_equal(d.values[1], "10");
    assert_string_equal(d.values[3], "1000");
    sweep_dim_free(&d);
    /* an integer parameter: rounded, and 1.33 and 1.78 both round to 1 or 2 once */
    assert_int_equal(sweep_parse_vary("services.s.desired_count=log:1:10:5", &d, &e), ECS_OK);
    assert_int_equal(d.n, 5);
    const char *want[] = {"1", "2", "3", "6", "10"};
    for (int i = 0; i < 5; i++) assert_string_equal(d.values[i], want[i]);
    sweep_dim_free(&d);
    assert_int_equal(sweep_parse_vary("host_groups.h.instance_type=m5.large,c5.large", &d, &e),
                     ECS_OK);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.values[1], "c5.large");
    sweep_dim_free(&d);
}

/* A 2x2 grid with 3 replications: 12 rows sorted by (config, replication),
 * the first --vary changing slowest; 4 aggregate rows. */
static void test_grid_sorted(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    tu_cli c = tu_run_cli((const char *[]){"sweep", scen, "--vary", "services.s.desired_count=1:2",
                                           "--vary", "task_definitions.t.cpu=512,1024",
                                           "--replications", "3", "-j", "2", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "[12/12] config "));
    assert_non_null(strstr(c.out, "sweep: 4 configurations x 3 replications = 12 runs"));
    /* no run directories left, and nothing but the results */
    assert_int_equal(tu_count_entries(out), 4); /* spec.txt journal.csv sweep.csv aggregate.csv */
    table t;
    char *p = path_in(out, "sweep.csv");
    table_read(&t, p);
    assert_int_equal(t.n_rows, 13);
    static const char *const count[] = {"1", "1", "2", "2"}, *const cpu[] = {"512", "1024"};
    for (int r = 1; r <= 12; r++) {
        int cfg = (r - 1) / 3, k = (r - 1) % 3 + 1;
        char buf[16];
        snprintf(buf, sizeof buf, "%d", cfg + 1);
        assert_string_equal(cell(&t, r, "config"), buf);
        snprintf(buf, sizeof buf, "%d", k);
        assert_string_equal(cell(&t, r, "replication"), buf);
        assert_string_equal(cell(&t, r, "services.s.desired_count"), count[cfg]);
        assert_string_equal(cell(&t, r, "task_definitions.t.cpu"), cpu[cfg % 2]);
        /* replication k has one seed in every configuration */
        assert_string_equal(cell(&t, r, "seed"), cell(&t, k, "seed"));
    }
    assert_string_equal(cell(&t, 1, "seed"), "1");
    table_free(&t);
    free(p);
    p = path_in(out, "aggregate.csv");
    table_read(&t, p);
    assert_int_equal(t.n_rows, 5);
    assert_string_equal(cell(&t, 4, "replications"), "3");
    assert_non_null(cell(&t, 4, "p99_s_ci_high"));
    table_free(&t);
    free(p);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

static tu_cli sweep_into(const char *scen, const char *out, const char *jobs, const char *extra)
{
    return tu_run_cli((const char *[]){"sweep", scen, "--vary", "services.s.desired_count=1:2",
                                       "--vary", "task_definitions.t.workers=1,2", "--replications",
                                       "2", "-q", "-j", jobs, "-o", out, extra, NULL});
}

static void test_pool_sizes_same_bytes(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    tu_cli c1 = sweep_into(scen, a, "1", NULL);
    tu_cli c2 = sweep_into(scen, b, "2", NULL);
    assert_int_equal(c1.rc, 0);
    assert_int_equal(c2.rc, 0);
    assert_string_equal(c1.out, ""); /* -q */
    static const char *const files[] = {"sweep.csv", "aggregate.csv", "spec.txt"};
    for (int i = 0; i < 3; i++) {
        char *pa = path_in(a, files[i]), *pb = path_in(b, files[i]);
        assert_same_file(pa, pb);
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

static void test_stop_and_resume(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    tu_cli whole = sweep_into(scen, a, "2", NULL);
    assert_int_equal(whole.rc, 0);

    const char *stop[] = {"sweep",
                          scen,
                          "--vary",
                          "services.s.desired_count=1:2",
                          "--vary",
                          "task_definitions.t.workers=1,2",
                          "--replications",
                          "2",
                          "-q",
                          "-j",
                          "2",
                          "-o",
                          b,
                          "--stop-after",
                          "3",
                          NULL};
    tu_cli part = tu_run_cli(stop);
    assert_int_equal(part.rc, 0);
    char *msg = NULL;
    if (asprintf(&msg,
                 "sweep incomplete: 3 of 8 runs journaled in %s/journal.csv (stopped by "
                 "--stop-after 3); run again with --resume to finish\n",
                 b) < 0)
        abort();
    assert_string_equal(part.out, msg);
    char *sb = path_in(b, "sweep.csv"), *jb = path_in(b, "journal.csv");
    assert_false(tu_exists(sb));
    char *journal = tu_read_file(jb, NULL);
    int lines = 0;
    for (char *q = journal; *q; q++) lines += *q == '\n';
    assert_int_equal(lines, 4); /* header and 3 runs */
    free(journal);

    /* resumed with another stop: 3 more; then the rest with another pool */
    const char *more[] = {"sweep",
                          scen,
                          "--vary",
                          "services.s.desired_count=1:2",
                          "--vary",
                          "task_definitions.t.workers=1,2",
                          "--replications",
                          "2",
                          "-q",
                          "-j",
                          "2",
                          "-o",
                          b,
                          "--resume",
                          "--stop-after",
                          "3",
                          NULL};
    tu_cli mid = tu_run_cli(more);
    assert_int_equal(mid.rc, 0);
    assert_non_null(strstr(mid.out, "6 of 8 runs journaled"));
    tu_cli rest = sweep_into(scen, b, "1", "--resume");
    assert_int_equal(rest.rc, 0);
    char *sa = path_in(a, "sweep.csv"), *aa = path_in(a, "aggregate.csv"),
         *ab = path_in(b, "aggregate.csv");
    assert_same_file(sa, sb);
    assert_same_file(aa, ab);

    /* --resume of a different sweep is refused */
    tu_cli other = tu_run_cli((const char *[]){
        "sweep", scen, "--vary", "services.s.desired_count=1:3", "-o", b, "--resume", NULL});
    assert_int_equal(other.rc, 2);
    assert_non_null(strstr(other.err, "--resume: "));
    assert_non_null(strstr(other.err, "holds another sweep"));

    tu_cli_free(&whole);
    tu_cli_free(&part);
    tu_cli_free(&mid);
    tu_cli_free(&rest);
    tu_cli_free(&other);
    tu_rmtree(dir);
    free(msg);
    free(sa);
    free(sb);
    free(jb);
    free(aa);
    free(ab);
    free(scen);
    free(a);
    free(b);
    free(dir);
}

/* desired_count changes where requests go, not when they arrive: with
 * common random numbers each replication sees the same requests whatever
 * the count, while replications differ from one another. */
static void test_common_random_numbers(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    tu_cli c = tu_run_cli((const char *[]){"sweep", scen, "--vary", "services.s.desired_count=1,3",
                                           "--replications", "3", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    table t;
    char *p = path_in(out, "sweep.csv");
    table_read(&t, p);
    assert_int_equal(t.n_rows, 7);
    for (int k = 1; k <= 3; k++) {
        assert_string_equal(cell(&t, k, "requests"), cell(&t, 3 + k, "requests"));
        assert_string_not_equal(cell(&t, k, "p99_s"), cell(&t, 3 + k, "p99_s"));
    }
    assert_string_not_equal(cell(&t, 1, "requests"), cell(&t, 2, "requests"));
    table_free(&t);
    free(p);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

static void test_lhs(void **state)
{
    (void) state;
    enum { K = 7 };
    int nv[3] = {K, 2 * K, 3}, idx[K * 3], again[K * 3];
    sweep_lhs(nv, 3, K, 42, idx);
    sweep_lhs(nv, 3, K, 42, again);
    assert_memory_equal(idx, again, sizeof idx); /* one seed, one sample */
    int hit0[K] = {0}, hit1[K] = {0};
    for (int i = 0; i < K; i++) {
        hit0[idx[i * 3 + 0]]++;     /* K values: each value is a stratum */
        hit1[idx[i * 3 + 1] / 2]++; /* 2K values: a stratum is two values */
        assert_in_range(idx[i * 3 + 2], 0, 2);
    }
    for (int s = 0; s < K; s++) {
        assert_int_equal(hit0[s], 1);
        assert_int_equal(hit1[s], 1);
    }
    sweep_lhs(nv, 3, K, 43, again);
    assert_memory_not_equal(idx, again, sizeof idx);

    /* through the command line: 4 points over two 4-value lists */
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    tu_cli c = tu_run_cli((const char *[]){"sweep", scen, "--vary", "services.s.desired_count=1:4",
                                           "--vary", "task_definitions.t.workers=1,2,3,4", "--lhs",
                                           "4", "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    table t;
    char *p = path_in(out, "aggregate.csv");
    table_read(&t, p);
    assert_int_equal(t.n_rows, 5);
    int seen[2][5] = {{0}};
    for (int r = 1; r <= 4; r++) {
        seen[0][atoi(cell(&t, r, "services.s.desired_count"))]++;
        seen[1][atoi(cell(&t, r, "task_definitions.t.workers"))]++;
    }
    for (int v = 1; v <= 4; v++) {
        assert_int_equal(seen[0][v], 1);
        assert_int_equal(seen[1][v], 1);
    }
    table_free(&t);
    free(p);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

static void test_bad_vary(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "t.yaml", tiny_yaml);
    char *out = path_in(dir, "out");
    static const struct {
        const char *vary, *msg;
    } cases[] = {
        {"services.s.desird_count=1:3",
         "ecsim: --vary: services.s.desird_count: unknown parameter; did you mean "
         "services.s.desired_count?\n"},
        {"services.s.desired_count=1,20000",
         "ecsim: --vary: services.s.desired_count: expected an integer in [0, 10000], got "
         "\"20000\"\n"},
        {"services.s.desired_count=",
         "ecsim: --vary: services.s.desired_count: no values (expected A:B[:STEP], V1,V2,... or "
         "log:A:B:N), got \"\"\n"},
        {"services.s.desired_count=1,,2",
         "ecsim: --vary: services.s.desired_count: an empty value in the list (expected "
         "A:B[:STEP], V1,V2,... or log:A:B:N), got \"1,,2\"\n"},
        {"host_groups.h.instance_type=m5.large,m5.larg",
         "ecsim: --vary: host_groups.h.instance_type: unknown instance type \"m5.larg\"; did you "
         "mean m5.large?\n"},
        {"services.s.desired_count=4:2",
         "ecsim: --vary: services.s.desired_count: a range needs A <= B and STEP > 0 (expected "
         "A:B[:STEP], V1,V2,... or log:A:B:N), got \"4:2\"\n"},
        {"desired_count",
         "ecsim: --vary: expected PATH=SPEC (services.web.desired_count=2:12), got "
         "\"desired_count\"\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tu_cli c =
            tu_run_cli((const char *[]){"sweep", scen, "--vary", cases[i].vary, "-o", out, NULL});
        assert_int_equal(c.rc, 2);
        assert_string_equal(c.err, cases[i].msg);
        assert_string_equal(c.out, "");
        assert_false(tu_exists(out));
        tu_cli_free(&c);
    }
    tu_cli c = tu_run_cli((const char *[]){"sweep", scen, "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "ecsim: sweep: expected at least one --vary PATH=SPEC\n");
    assert_false(tu_exists(out));
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(scen);
    free(out);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_vary),
        cmocka_unit_test(test_grid_sorted),
        cmocka_unit_test(test_pool_sizes_same_bytes),
        cmocka_unit_test(test_stop_and_resume),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_lhs),
        cmocka_unit_test(test_bad_vary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

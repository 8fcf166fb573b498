/* test_cli.c -- the command line end to end: help and version, `make run`'s
 * scenario, determinism (two runs, identical bytes), and bad input: one
 * clear message naming the place, exit 2, and no output files written (an
 * earlier run's results left as they were). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/version.h"
#include "support/testutil.h"

static const char *const out_files[] = {"summary.csv", "timeseries.csv", "events.csv",
                                        "effective.yaml", "cost.csv"};

static const char small_yaml[] = "run:\n"
                                 "  duration_s: 600\n"
                                 "host_groups:\n"
                                 "  web:\n"
                                 "    instance_type: m5.large\n"
                                 "    count: 2\n"
                                 "task_definitions:\n"
                                 "  web:\n"
                                 "    cpu: 1024\n"
                                 "    memory_mib: 2048\n"
                                 "services:\n"
                                 "  web:\n"
                                 "    task_definition: web\n"
                                 "    desired_count: 3\n"
                                 "    load_balancer: web\n"
                                 "load_balancers:\n"
                                 "  web:\n"
                                 "    algorithm: round_robin\n"
                                 "workloads:\n"
                                 "  web:\n"
                                 "    target: web\n"
                                 "    rate_per_s: 20\n";

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

static void test_version_and_help(void **state)
{
    (void) state;
    tu_cli c = tu_run_cli((const char *[]){"--version", NULL});
    assert_int_equal(c.rc, 0);
    char want[256];
    snprintf(want, sizeof want, "ecsim %s (commit %s)\n", ECSIM_VERSION, ecsim_commit());
    assert_string_equal(c.out, want);
    tu_cli_free(&c);

    c = tu_run_cli((const char *[]){"--help", NULL});
    assert_int_equal(c.rc, 0);
    for (const char *const *w = (const char *const[]){"run FILE", "validate FILE", "params",
                                                      "--version", "exit status", NULL};
         *w; w++)
        assert_non_null(strstr(c.out, *w));
    tu_cli_free(&c);

    c = tu_run_cli((const char *[]){"run", "--help", NULL});
    assert_int_equal(c.rc, 0);
    for (const char *const *w = (const char *const[]){"--out", "--seed", "--set", "--until",
                                                      "--check", "--quiet", NULL};
         *w; w++)
        assert_non_null(strstr(c.out, *w));
    tu_cli_free(&c);

    c = tu_run_cli((const char *[]){"frobnicate", NULL});
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "ecsim: unknown command \"frobnicate\"\n(see ecsim --help)\n");
    tu_cli_free(&c);

    c = tu_run_cli((const char *[]){"run", "--bogus", "x.yaml", NULL});
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "ecsim: run: unknown option --bogus\n(see ecsim --help)\n");
    tu_cli_free(&c);
}

static void test_params_lists_everything(void **state)
{
    (void) state;
    tu_cli c = tu_run_cli((const char *[]){"params", NULL});
    assert_int_equal(c.rc, 0);
    for (const char *const *w =
             (const char *const[]){
                 "run.duration_s", "run.max_requests", "run.drain", "run.warmup_s", "run.seed",
                 "run.start", "slo.p99_latency_s", "slo.error_rate", "cluster.region",
                 "host_groups.*.instance_type", "task_definitions.*.cpu",
                 "task_definitions.*.queue_limit", "services.*.desired_count",
                 "services.*.placement_strategy", "load_balancers.*.algorithm",
                 "workloads.*.rate_per_s", "workloads.*.demand.distribution", NULL};
         *w; w++)
        assert_non_null(strstr(c.out, *w));
    tu_cli_free(&c);
}

/* The scenario `make run` runs, in a temporary directory. */
static void test_quickstart_end_to_end(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *out = path_in(dir, "q");
    tu_cli c = tu_run_cli((const char *[]){"run", "scenarios/quickstart.yaml", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.err, "");
    assert_non_null(strstr(c.out, "web"));
    assert_non_null(strstr(c.out, "p99_ms"));
    assert_non_null(strstr(c.out, "cost: $"));
    assert_non_null(strstr(c.out, "SLO"));
    for (size_t i = 0; i < 5; i++) {
        char *p = path_in(out, out_files[i]);
        assert_true(tu_exists(p));
        free(p);
    }
    assert_int_equal(tu_count_entries(out), 5); /* no temporary files left behind */
    char *summary_path = path_in(out, "summary.csv");
    char *summary = tu_read_file(summary_path, NULL);
    assert_true(strncmp(summary, "seed,version,commit,scenario,fingerprint,", 41) == 0);
    assert_non_null(strstr(summary, "web_p99_s"));
    assert_non_null(strstr(summary, "\n1,"));
    free(summary);
    free(summary_path);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(dir);
}

static void test_same_seed_same_bytes(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "small.yaml", small_yaml);
    char *a = path_in(dir, "a"), *b = path_in(dir, "b"), *d = path_in(dir, "d");
    tu_cli c1 = tu_run_cli((const char *[]){"run", scen, "-q", "-o", a, NULL});
    tu_cli c2 = tu_run_cli((const char *[]){"run", scen, "-q", "-o", b, NULL});
    tu_cli c3 = tu_run_cli((const char *[]){"run", scen, "-q", "-o", d, "--seed", "2", NULL});
    assert_int_equal(c1.rc, 0);
    assert_int_equal(c2.rc, 0);
    assert_int_equal(c3.rc, 0);
    for (size_t i = 0; i < 5; i++) {
        char *pa = path_in(a, out_files[i]), *pb = path_in(b, out_files[i]);
        size_t la, lb;
        char *fa = tu_read_file(pa, &la), *fb = tu_read_file(pb, &lb);
        assert_non_null(fa);
        assert_int_equal(la, lb);
        assert_memory_equal(fa, fb, la);
        free(fa);
        free(fb);
        free(pa);
        free(pb);
    }
    /* another seed: other arrivals, another fingerprint */
    char *pa = path_in(a, "timeseries.csv"), *pd = path_in(d, "timeseries.csv");
    char *fa = tu_read_file(pa, NULL), *fd = tu_read_file(pd, NULL);
    assert_string_not_equal(fa, fd);
    free(fa);
    free(fd);
    free(pa);
    free(pd);
    /* effective.yaml records the --seed */
    char *py = path_in(d, "effective.yaml");
    char *fy = tu_read_file(py, NULL);
    assert_non_null(strstr(fy, "# --seed 2\n"));
    assert_non_null(strstr(fy, "seed: 2\n"));
    free(fy);
    free(py);
    tu_cli_free(&c1);
    tu_cli_free(&c2);
    tu_cli_free(&c3);
    tu_rmtree(dir);
    free(a);
    free(b);
    free(d);
    free(scen);
    free(dir);
}

/* A bad-input case: the scenario text, extra args, the exact message. */
static void expect_bad(const char *yaml, const char *set, const char *want_err)
{
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "bad.yaml", yaml);
    char *out = path_in(dir, "out");
    tu_cli c = set ? tu_run_cli((const char *[]){"run", scen, "-q", "-o", out, "--set", set, NULL})
                   : tu_run_cli((const char *[]){"run", scen, "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    char *want = NULL;
    if (want_err) {
        /* want_err names the scenario file as "%s" */
        const char *hole = strstr(want_err, "%s");
        if (hole) {
            if (asprintf(&want, "%.*s%s%s", (int) (hole - want_err), want_err, scen, hole + 2) < 0)
                abort();
        } else {
            want = strdup(want_err);
        }
        assert_string_equal(c.err, want);
    } else {
        /* one line, naming the file and a line and column */
        if (asprintf(&want, "ecsim: %s:", scen) < 0) abort();
        assert_true(strncmp(c.err, want, strlen(want)) == 0);
        assert_true(strchr(c.err, '\n') == c.err + strlen(c.err) - 1);
    }
    assert_string_equal(c.out, "");
    assert_false(tu_exists(out)); /* no output directory, no partial files */
    free(want);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(dir);
}

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    char *r = NULL;
    if (asprintf(&r, "%.*s%s%s", (int) (at - text), text, to, at + strlen(from)) < 0) abort();
    return r;
}

static void test_bad_inputs(void **state)
{
    (void) state;
    char *y;
    y = replace(small_yaml, "desired_count: 3", "desired_count: two");
    expect_bad(y, NULL,
               "ecsim: %s:14:20: services.web.desired_count: expected an integer in [0, 10000], "
               "got \"two\"\n");
    free(y);
    y = replace(small_yaml, "desired_count: 3", "desird_count: 3");
    expect_bad(y, NULL,
               "ecsim: %s:14:5: services.web.desird_count: unknown parameter; did you mean "
               "services.web.desired_count?\n");
    free(y);
    y = replace(small_yaml, "instance_type: m5.large", "instance_type: m5.larg");
    expect_bad(y, NULL,
               "ecsim: %s:5:20: host_groups.web.instance_type: unknown instance type \"m5.larg\"; "
               "did you mean m5.large?\n");
    free(y);
    y = replace(small_yaml, "task_definition: web", "task_definition: api");
    expect_bad(y, NULL,
               "ecsim: %s:13:22: services.web.task_definition: no task_definitions named \"api\"; "
               "have: web\n");
    free(y);
    y = replace(small_yaml, "    target: web\n", "    target: web\n  api:\n    target: other\n");
    expect_bad(y, NULL,
               "ecsim: %s:23:13: workloads.api.target: no load_balancers named \"other\"; have: "
               "web\n");
    free(y);
    expect_bad(small_yaml, "services.web.desired_count=-1",
               "ecsim: --set: services.web.desired_count: expected an integer in [0, 10000], got "
               "\"-1\"\n");
    expect_bad(small_yaml, "run.warmup_s=900",
               "ecsim: --set: run.warmup_s: expected less than run.duration_s (600 s), got 900\n");
    y = replace(small_yaml, "    rate_per_s: 20\n", "    rate_per_s: 20\n   bad: [\n");
    expect_bad(y, NULL, NULL);
    free(y);
    /* placement: an unknown strategy, more than ECS's 5 strategies
     * (task-placement-strategies.html), a constraint that does not parse
     * (cluster-query-language.html), a port out of range or in conflict
     * with the network mode (API PortMapping), a built-in attribute name */
    y = replace(small_yaml, "desired_count: 3\n",
                "desired_count: 3\n    placement_strategy: binpack:disk\n");
    expect_bad(y, NULL,
               "ecsim: %s:15:25: services.web.placement_strategy: expected a comma-separated "
               "chain of at most 5 of binpack:cpu, binpack:memory, spread:zone, spread:host, "
               "spread:instance_type, spread:attribute:<name>, random (\"binpack:disk\" is none of "
               "them), got \"binpack:disk\"\n");
    free(y);
    y = replace(small_yaml, "desired_count: 3\n",
                "desired_count: 3\n    placement_strategy: "
                "spread:zone,spread:host,random,random,random,random\n");
    expect_bad(y, NULL,
               "ecsim: %s:15:25: services.web.placement_strategy: expected at most 5 strategies "
               "(ECS's limit), got \"spread:zone,spread:host,random,random,random,random\"\n");
    free(y);
    y = replace(small_yaml, "desired_count: 3\n",
                "desired_count: 3\n    placement_constraints: "
                "\"memberOf(attribute:ecs.instance-type ~= t3.*)\"\n");
    expect_bad(y, NULL,
               "ecsim: %s:15:28: services.web.placement_constraints: expected an operator (==, "
               "!=, =~, !~, in, not_in, exists, not_exists) after attribute:ecs.instance-type at "
               "character 38, got \"memberOf(attribute:ecs.instance-type ~= t3.*)\"\n");
    free(y);
    expect_bad(small_yaml, "services.web.placement_constraints=memberOf(attribute:stack == dev",
               "ecsim: --set: services.web.placement_constraints: expected and, or or ) to close "
               "memberOf( at the end, got \"memberOf(attribute:stack == dev\"\n");
    y = replace(small_yaml, "    memory_mib: 2048\n",
                "    memory_mib: 2048\n    host_port: 70000\n");
    expect_bad(y, NULL,
               "ecsim: %s:11:16: task_definitions.web.host_port: expected an integer in [0, "
               "65535], got \"70000\"\n");
    free(y);
    y = replace(small_yaml, "    memory_mib: 2048\n",
                "    memory_mib: 2048\n    network_mode: host\n    host_port: 8080\n");
    expect_bad(y, NULL,
               "ecsim: %s:12:16: task_definitions.web.host_port: expected 0 or container_port (80) "
               "in host network mode, got 8080\n");
    free(y);
    y = replace(small_yaml, "    count: 2\n",
                "    count: 2\n    attributes: ecs.instance-type=big\n");
    expect_bad(y, NULL,
               "ecsim: %s:7:17: host_groups.web.attributes: expected custom attributes "
               "\"name=value, name2=value2\" (entry 1: names starting ecs. are the built-in ones), "
               "got \"ecs.instance-type=big\"\n");
    free(y);
}

static void test_missing_file(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *out = path_in(dir, "out");
    tu_cli c = tu_run_cli((const char *[]){"run", "no/such/file.yaml", "-o", out, NULL});
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err,
                        "ecsim: no/such/file.yaml: cannot read: No such file or directory\n");
    assert_false(tu_exists(out));
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(dir);
}

/* A failed run leaves the previous results as they were. */
static void test_failure_keeps_previous_results(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "s.yaml", small_yaml);
    char *out = path_in(dir, "out");
    tu_cli c = tu_run_cli((const char *[]){"run", scen, "-q", "-o", out, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    char *sp = path_in(out, "summary.csv");
    char *before = tu_read_file(sp, NULL);
    c = tu_run_cli((const char *[]){"run", scen, "-q", "-o", out, "--set",
                                    "workloads.web.rate_per_s=0", NULL});
    assert_int_equal(c.rc, 2);
    char *after = tu_read_file(sp, NULL);
    assert_string_equal(before, after);
    assert_int_equal(tu_count_entries(out), 5);
    free(before);
    free(after);
    free(sp);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(out);
    free(scen);
    free(dir);
}

static void test_validate_round_trip(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    tu_cli c = tu_run_cli((const char *[]){"validate", "scenarios/quickstart.yaml", NULL});
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "desired_count: 4"));
    assert_non_null(strstr(c.out, "queue_limit: 100"));
    char *again = tu_write_file(dir, "again.yaml", c.out);
    tu_cli c2 = tu_run_cli((const char *[]){"validate", again, NULL});
    assert_int_equal(c2.rc, 0);
    /* the same scenario, but for the header line naming the file */
    const char *body1 = strchr(c.out, '\n'), *body2 = strchr(c2.out, '\n');
    assert_string_equal(body1, body2);
    tu_cli_free(&c);
    tu_cli_free(&c2);
    tu_rmtree(dir);
    free(again);
    free(dir);
}

static void test_check_mode(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "s.yaml", small_yaml);
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    tu_cli c = tu_run_cli((const char *[]){"run", scen, "-q", "-o", a, "--check", NULL});
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.err, "");
    tu_cli_free(&c);
    /* checking does not change what is simulated */
    c = tu_run_cli((const char *[]){"run", scen, "-q", "-o", b, NULL});
    char *pa = path_in(a, "summary.csv"), *pb = path_in(b, "summary.csv");
    char *fa = tu_read_file(pa, NULL), *fb = tu_read_file(pb, NULL);
    assert_string_equal(fa, fb);
    free(fa);
    free(fb);
    free(pa);
    free(pb);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(a);
    free(b);
    free(scen);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_params_lists_everything),
        cmocka_unit_test(test_quickstart_end_to_end),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_failure_keeps_previous_results),
        cmocka_unit_test(test_validate_round_trip),
        cmocka_unit_test(test_check_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

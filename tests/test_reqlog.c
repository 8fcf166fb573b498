/* test_reqlog.c -- the request log (sim/reqlog.h): one row per request with
 * its times, task, host, status and retries; sampling by a rate; the run's
 * other outputs unchanged by it; written whole or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/testutil.h"

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

typedef struct tally {
    long rows, ok, timeouts, errors, retried, bad;
    double latency_sum;
} tally;

/* Reads the log: each row's fields make sense together. */
static tally read_log(const char *path)
{
    tally t = {0, 0, 0, 0, 0, 0, 0};
    char *text = tu_read_file(path, NULL);
    assert_non_null(text);
    static const char head[] =
        "request,service,class,arrival_s,start_s,end_s,latency_s,task,host,status,retries\n";
    assert_true(strncmp(text, head, sizeof head - 1) == 0);
    for (char *line = strchr(text, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char f[11][64];
        int n = 0;
        const char *p = line;
        while (n < 11) {
            size_t len = strcspn(p, ",\n");
            snprintf(f[n++], sizeof f[0], "%.*s", (int) len, p);
            p += len;
            if (*p != ',') break;
            p++;
        }
        assert_int_equal(n, 11);
        double arrival = atof(f[3]), end = atof(f[5]), lat = atof(f[6]);
        t.rows++;
        /* times are printed to 9 significant digits (csvout.h): 1e-8 of the time */
        double eps = 1e-8 * (1 + end);
        if (fabs(end - arrival - lat) > eps) t.bad++;
        if (f[4][0] && (atof(f[4]) < arrival - eps || atof(f[4]) > end + eps)) t.bad++;
        if (strcmp(f[9], "200") == 0) {
            t.ok++;
            t.latency_sum += lat;
            if (!f[7][0] || !f[8][0] || !f[4][0]) t.bad++; /* served: by a task on a host */
        } else if (strcmp(f[9], "timeout") == 0) {
            t.timeouts++;
        } else {
            t.errors++;
        }
        if (atoi(f[10]) > 0) t.retried++;
    }
    free(text);
    return t;
}

/* Every request of the retry storm, once: the counts match summary.csv's
 * (completed, errors, and the requests that ended), the client's mean
 * response time is the log's, and the run is the same with or without. */
static void test_every_request(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp(), *a = path_in(dir, "a"), *b = path_in(dir, "b"),
         *log = path_in(dir, "req.csv");
    tu_cli c = tu_run_cli((const char *[]){"run", "scenarios/retry-storm.yaml", "-q", "-o", a,
                                           "--request-log", log, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    c = tu_run_cli((const char *[]){"run", "scenarios/retry-storm.yaml", "-q", "-o", b, NULL});
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    char *sa = path_in(a, "summary.csv"), *sb = path_in(b, "summary.csv");
    char *ta = tu_read_file(sa, NULL), *tb = tu_read_file(sb, NULL);
    assert_string_equal(ta, tb);
    tally t = read_log(log);
    printf("  %ld rows: %ld ok, %ld timeouts, %ld errors, %ld retried\n", t.rows, t.ok, t.timeouts,
           t.errors, t.retried);
    assert_int_equal(t.bad, 0);
    assert_true(t.ok == (long) tu_column(ta, "completed"));
    assert_true(t.timeouts + t.errors == (long) tu_column(ta, "errors"));
    assert_true(t.retried > 0 && t.timeouts > 0);
    /* no warm-up in this scenario: the log's mean is the client's */
    if (tu_column(ta, "client_mean_s_warmup_s") == 0)
        assert_true(fabs(t.latency_sum / t.ok - tu_column(ta, "client_mean_s")) <=
                    1e-6 * tu_column(ta, "client_mean_s"));
    free(ta);
    free(tb);
    free(sa);
    free(sb);
    tu_rmtree(dir);
    free(dir);
    free(a);
    free(b);
    free(log);
}

/* --request-log-rate 0.1 keeps about a tenth (binomial: within 5 sd), and
 * the same rows for the same seed. */
static void test_sampling(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp(), *o = path_in(dir, "o"), *all = path_in(dir, "all.csv"),
         *l1 = path_in(dir, "l1.csv"), *l2 = path_in(dir, "l2.csv");
    const char *args[] = {"run",
                          "scenarios/quickstart.yaml",
                          "-q",
                          "-o",
                          o,
                          "--set",
                          "run.duration_s=600",
                          "--request-log",
                          NULL,
                          NULL,
                          NULL,
                          NULL};
    args[8] = all;
    tu_cli c = tu_run_cli(args);
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    args[8] = l1;
    args[9] = "--request-log-rate";
    args[10] = "0.1";
    c = tu_run_cli(args);
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    args[8] = l2;
    c = tu_run_cli(args);
    assert_int_equal(c.rc, 0);
    tu_cli_free(&c);
    long n = read_log(all).rows, k = read_log(l1).rows;
    double sd = sqrt(n * 0.1 * 0.9);
    printf("  %ld of %ld kept at rate 0.1\n", k, n);
    assert_true(fabs(k - 0.1 * n) <= 5 * sd);
    char *x = tu_read_file(l1, NULL), *y = tu_read_file(l2, NULL);
    assert_string_equal(x, y);
    free(x);
    free(y);
    tu_rmtree(dir);
    free(dir);
    free(o);
    free(all);
    free(l1);
    free(l2);
}

/* A run that fails (a bad trace row met mid-run would; here a directory
 * that cannot be written) leaves no log; bad options are refused. */
static void test_whole_or_nothing(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp(), *o = path_in(dir, "o"), *log = path_in(dir, "nodir/req.csv");
    tu_cli c = tu_run_cli((const char *[]){"run", "scenarios/quickstart.yaml", "-q", "-o", o,
                                           "--request-log", log, NULL});
    assert_int_equal(c.rc, 2);
    assert_false(tu_exists(o));
    tu_cli_free(&c);
    free(log);
    log = path_in(dir, "req.csv");
    c = tu_run_cli((const char *[]){"run", "scenarios/quickstart.yaml", "-q", "-o", o, "--set",
                                    "run.duration_s=0", "--request-log", log, NULL});
    assert_int_equal(c.rc, 2); /* bad input: nothing at all */
    assert_false(tu_exists(log));
    assert_int_equal(tu_count_entries(dir), 0);
    tu_cli_free(&c);
    c = tu_run_cli(
        (const char *[]){"run", "scenarios/quickstart.yaml", "--request-log-rate", "0.5", NULL});
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "ecsim: --request-log-rate: needs --request-log FILE\n"
                               "(see ecsim --help)\n");
    tu_cli_free(&c);
    c = tu_run_cli((const char *[]){"run", "scenarios/quickstart.yaml", "--request-log", log,
                                    "--request-log-rate", "0", NULL});
    assert_int_equal(c.rc, 2);
    tu_cli_free(&c);
    tu_rmtree(dir);
    free(dir);
    free(o);
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_request),
        cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_whole_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

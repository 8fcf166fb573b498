/* test_interrupt.c -- Ctrl-C during `ecsim sweep`: the command line runs in
 * a forked child; once its journal holds a finished run the child gets
 * SIGINT and must exit 130 leaving the journal, no sweep.csv and no
 * temporary directory; --resume then finishes with the same bytes as an
 * uninterrupted sweep. The wait is a poll of the journal, not a timed
 * sleep. Also: --replications interrupted before it starts writes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli.h"
#include "support/testutil.h"

static const char tiny_yaml[] =
    "run: {duration_s: 20, warmup_s: 0, sample_interval_s: 100000}\n"
    "host_groups: {h: {instance_type: m5.2xlarge, count: 1}}\n"
    "task_definitions: {t: {cpu: 1024, memory_mib: 256, workers: 1}}\n"
    "services: {s: {task_definition: t, desired_count: 1, load_balancer: lb}}\n"
    "load_balancers: {lb: {algorithm: round_robin, health_check: {enabled: false}}}\n"
    "workloads: {w: {target: lb, rate_per_s: 200,\n"
    "                demand: {distribution: exponential, mean_s: 0.004}}}\n";

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

static int count_lines(const char *path)
{
    char *t = tu_read_file(path, NULL);
    int n = 0;
    for (char *q = t; q && *q; q++) n += *q == '\n';
    free(t);
    return n;
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

/* entries of dir whose name starts with prefix */
static int count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *de; (de = readdir(d));)
        n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

#define SWEEP_ARGS(scen, out, extra)                                                               \
    {                                                                                              \
        "ecsim", "sweep", scen, "--vary", "services.s.desired_count=1:50", "--replications", "2",  \
            "-q", "-j", "2", "-o", out, extra, NULL                                                \
    }

static void sigint_then_resume(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "tiny.yaml", tiny_yaml);
    char *a = path_in(dir, "whole"), *b = path_in(dir, "cut");

    /* the uninterrupted sweep */
    const char *whole[] = {"sweep",
                           scen,
                           "--vary",
                           "services.s.desired_count=1:50",
                           "--replications",
                           "2",
                           "-q",
                           "-j",
                           "2",
                           "-o",
                           a,
                           NULL};
    tu_cli w = tu_run_cli(whole);
    assert_int_equal(w.rc, 0);

    /* the same sweep in a child, interrupted once a run is journaled */
    char *journal = path_in(b, "journal.csv");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *argv[] = SWEEP_ARGS(scen, b, NULL);
        FILE *null = fopen("/dev/null", "w");
        _exit(cli_main(12, argv, null, null));
    }
    int status = 0, polls = 0;
    for (;;) {
        if (count_lines(journal) >= 2) break; /* header and one run */
        pid_t got = waitpid(pid, &status, WNOHANG);
        assert_int_equal(got, 0); /* the sweep must still be running */
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        assert_true(++polls < 20000);
    }
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);

    int lines = count_lines(journal);
    assert_true(lines >= 2);
    assert_true(lines < 101); /* not every run: the sweep was stopped */
    char *sb = path_in(b, "sweep.csv"), *ab = path_in(b, "aggregate.csv");
    assert_false(tu_exists(sb));
    assert_false(tu_exists(ab));
    assert_int_equal(count_prefixed(b, ".sweep.tmp"), 0);
    assert_int_equal(tu_count_entries(b), 2); /* spec.txt, journal.csv */

    /* resumed: the uninterrupted sweep's bytes */
    const char *resume[] = {"sweep",
                            scen,
                            "--vary",
                            "services.s.desired_count=1:50",
                            "--replications",
                            "2",
                            "-q",
                            "-j",
                            "2",
                            "-o",
                            b,
                            "--resume",
                            NULL};
    tu_cli r = tu_run_cli(resume);
    assert_int_equal(r.rc, 0);
    char *sa = path_in(a, "sweep.csv"), *aa = path_in(a, "aggregate.csv");
    assert_same_file(sa, sb);
    assert_same_file(aa, ab);
    assert_int_equal(count_prefixed(b, ".sweep.tmp"), 0);

    tu_cli_free(&w);
    tu_cli_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(scen);
    free(a);
    free(b);
    free(journal);
    free(sa);
    free(sb);
    free(aa);
    free(ab);
}

/* SIGINT during `run --replications 1000`, sent once replication 2 has
 * started: the exit is 130 and, the output directory being new, nothing
 * of it (no summary.csv, no staging directory) is left. */
static void sigint_replications(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "tiny.yaml", tiny_yaml);
    char *out = path_in(dir, "reps");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *argv[] = {"ecsim", "run", scen, "--replications", "1000", "-o", out, "-q", NULL};
        FILE *null = fopen("/dev/null", "w");
        _exit(cli_main(8, argv, null, null));
    }
    /* the staging directory exists once replications run */
    int status = 0, polls = 0;
    for (;;) {
        if (count_prefixed(out, ".replicate.tmp") == 1) {
            char *st = NULL;
            DIR *d = opendir(out);
            for (struct dirent *de; d && (de = readdir(d));)
                if (strncmp(de->d_name, ".replicate.tmp", 14) == 0)
                    if (asprintf(&st, "%s/%s/rep-2", out, de->d_name) < 0) abort();
            if (d) closedir(d);
            int ready = st && tu_exists(st);
            free(st);
            if (ready) break;
        }
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        assert_true(++polls < 20000);
    }
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    /* the output directory was created by this run: nothing of it is left */
    assert_false(tu_exists(out));
    tu_rmtree(dir);
    free(dir);
    free(scen);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sigint_then_resume),
        cmocka_unit_test(sigint_replications),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

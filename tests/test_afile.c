/* test_afile.c -- atomic output files: nothing at the final path until
 * commit, the previous file intact on abort, no temporary files left behind,
 * sets committed or dropped together, and I/O errors that name the path.
 * Each test works in its own mkdtemp directory under /tmp, removed after. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/engine/afile.h"
#include "sim/engine/xmalloc.h"

static int setup(void **state)
{
    char tmpl[] = "/tmp/ecsim_afile_XXXXXX";
    if (!mkdtemp(tmpl)) return -1;
    *state = xstrdup(tmpl);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove(path);
}

static int teardown(void **state)
{
    char *dir = *state;
    int rc = nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
    return rc;
}

static char *path_in(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

/* The whole file as a string, or NULL if it does not exist. */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return NULL;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return xstrdup(buf);
}

static void assert_content(const char *dir, const char *name, const char *want)
{
    char *p = path_in(dir, name);
    char *got = slurp(p);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(p);
}

static void assert_absent(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(errno, ENOENT);
    free(p);
}

/* Entries in dir, and how many of them are temporaries (".NAME.tmp.PID"). */
static int count_entries(const char *dir, int *n_tmp)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    *n_tmp = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        n++;
        if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp.")) (*n_tmp)++;
    }
    closedir(d);
    return n;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    ecs_err e;
    err_clear(&e);
    afile *f = afile_open(dir, name, &e);
    assert_non_null(f);
    fputs(text, afile_fp(f));
    assert_int_equal(afile_commit(f, &e), ECS_OK);
    assert_int_equal(e.code, ECS_OK);
}

static void test_commit(void **state)
{
    const char *dir = *state;
    ecs_err e;
    err_clear(&e);
    afile *f = afile_open(dir, "summary.csv", &e);
    assert_non_null(f);
    char *want_path = path_in(dir, "summary.csv");
    assert_string_equal(afile_path(f), want_path);
    fputs("a,b\n1,2\n", afile_fp(f));
    fflush(afile_fp(f));

    assert_absent(dir, "summary.csv"); /* only the temporary exists */
    int n_tmp, n = count_entries(dir, &n_tmp);
    assert_int_equal(n, 1);
    assert_int_equal(n_tmp, 1);

    assert_int_equal(afile_commit(f, &e), ECS_OK);
    assert_content(dir, "summary.csv", "a,b\n1,2\n");
    n = count_entries(dir, &n_tmp);
    assert_int_equal(n, 1);
    assert_int_equal(n_tmp, 0);
    free(want_path);
}

static void test_replace_keeps_old_until_commit(void **state)
{
    const char *dir = *state;
    write_file(dir, "out.csv", "old\n");
    ecs_err e;
    err_clear(&e);
    afile *f = afile_open(dir, "out.csv", &e);
    assert_non_null(f);
    fputs("new\n", afile_fp(f));
    fflush(afile_fp(f));
    assert_content(dir, "out.csv", "old\n");
    assert_int_equal(afile_commit(f, &e), ECS_OK);
    assert_content(dir, "out.csv", "new\n");
}

static void test_abort(void **state)
{
    const char *dir = *state;
    write_file(dir, "out.csv", "old\n");
    ecs_err e;
    err_clear(&e);
    afile *f = afile_open(dir, "out.csv", &e);
    assert_non_null(f);
    fputs("half a fi", afile_fp(f));
    afile_abort(f);
    assert_content(dir, "out.csv", "old\n");
    int n_tmp, n = count_entries(dir, &n_tmp);
    assert_int_equal(n, 1);
    assert_int_equal(n_tmp, 0);

    /* Aborting a file that never existed leaves nothing at all. */
    f = afile_open(dir, "new.csv", &e);
    assert_non_null(f);
    afile_abort(f);
    assert_absent(dir, "new.csv");
    assert_int_equal(count_entries(dir, &n_tmp), 1);
    afile_abort(NULL);
}

static void test_set_commit(void **state)
{
    const char *dir = *state;
    char *sub = path_in(dir, "results/quickstart");
    afile_set *s = afile_set_new(sub);
    assert_absent(dir, "results"); /* new does not touch the disk */

    ecs_err e;
    err_clear(&e);
    FILE *a = afile_set_open(s, "summary.csv", &e);
    FILE *b = afile_set_open(s, "events.csv", &e);
    assert_non_null(a);
    assert_non_null(b);
    fputs("summary\n", a);
    fputs("events\n", b);
    assert_absent(sub, "summary.csv");
    assert_absent(sub, "events.csv");
    assert_int_equal(afile_set_commit(s, &e), ECS_OK);
    assert_content(sub, "summary.csv", "summary\n");
    assert_content(sub, "events.csv", "events\n");
    int n_tmp;
    assert_int_equal(count_entries(sub, &n_tmp), 2);
    assert_int_equal(n_tmp, 0);
    afile_set_free(s);
    free(sub);
}

/* A set freed without commit (a failed run) leaves the old results. */
static void test_set_free_aborts(void **state)
{
    const char *dir = *state;
    write_file(dir, "summary.csv", "old\n");
    afile_set *s = afile_set_new(dir);
    ecs_err e;
    err_clear(&e);
    fputs("new\n", afile_set_open(s, "summary.csv", &e));
    fputs("new\n", afile_set_open(s, "events.csv", &e));
    assert_int_equal(e.code, ECS_OK);
    afile_set_free(s);
    assert_content(dir, "summary.csv", "old\n");
    assert_absent(dir, "events.csv");
    int n_tmp;
    assert_int_equal(count_entries(dir, &n_tmp), 1);
    assert_int_equal(n_tmp, 0);
    afile_set_free(NULL);
}

static void assert_io_error(const ecs_err *e, const char *path, int errnum)
{
    assert_int_equal(e->code, ECS_EIO);
    assert_non_null(strstr(e->msg, path));
    assert_non_null(strstr(e->msg, strerror(errnum)));
}

static void test_open_errors(void **state)
{
    const char *dir = *state;
    ecs_err e;

    /* The parent directory does not exist. */
    char *missing = path_in(dir, "no/such/dir");
    err_clear(&e);
    assert_null(afile_open(missing, "x.csv", &e));
    char *want = path_in(missing, "x.csv");
    assert_io_error(&e, want, ENOENT);
    free(want);

    /* The parent is a regular file: unwritable even for root. */
    write_file(dir, "plain", "x");
    char *under_file = path_in(dir, "plain");
    err_clear(&e);
    assert_null(afile_open(under_file, "x.csv", &e));
    want = path_in(under_file, "x.csv");
    assert_io_error(&e, want, ENOTDIR);
    free(want);

    /* A directory without write permission (root may write anyway). */
    char *ro = path_in(dir, "ro");
    assert_int_equal(mkdir(ro, 0555), 0);
    if (geteuid() != 0) {
        err_clear(&e);
        assert_null(afile_open(ro, "x.csv", &e));
        want = path_in(ro, "x.csv");
        assert_io_error(&e, want, EACCES);
        free(want);
    }

    int n_tmp;
    assert_int_equal(count_entries(dir, &n_tmp), 2);
    assert_int_equal(n_tmp, 0);
    free(missing);
    free(under_file);
    free(ro);
}

/* A commit whose rename fails (a directory sits at the final path) reports
 * the path and removes the temporary. */
static void test_commit_error(void **state)
{
    const char *dir = *state;
    char *blocker = path_in(dir, "out.csv");
    assert_int_equal(mkdir(blocker, 0777), 0);
    ecs_err e;
    err_clear(&e);
    afile *f = afile_open(dir, "out.csv", &e);
    assert_non_null(f);
    fputs("data\n", afile_fp(f));
    assert_int_equal(afile_commit(f, &e), ECS_EIO);
    assert_io_error(&e, blocker, EISDIR);
    int n_tmp;
    assert_int_equal(count_entries(dir, &n_tmp), 1);
    assert_int_equal(n_tmp, 0);
    free(blocker);
}

static void test_set_errors(void **state)
{
    const char *dir = *state;
    write_file(dir, "plain", "x");
    char *bad = path_in(dir, "plain/results");
    afile_set *s = afile_set_new(bad);
    ecs_err e;
    err_clear(&e);
    assert_null(afile_set_open(s, "summary.csv", &e));
    assert_io_error(&e, bad, ENOTDIR);
    assert_int_equal(afile_set_commit(s, &e), ECS_OK); /* nothing to commit */
    afile_set_free(s);
    free(bad);

    /* The second file cannot be renamed: the error names it, no temporaries
     * remain. */
    char *blocker = path_in(dir, "events.csv");
    assert_int_equal(mkdir(blocker, 0777), 0);
    s = afile_set_new(dir);
    err_clear(&e);
    fputs("s\n", afile_set_open(s, "summary.csv", &e));
    fputs("e\n", afile_set_open(s, "events.csv", &e));
    fputs("t\n", afile_set_open(s, "timeseries.csv", &e));
    assert_int_equal(afile_set_commit(s, &e), ECS_EIO);
    assert_io_error(&e, blocker, EISDIR);
    assert_absent(dir, "timeseries.csv");
    int n_tmp;
    count_entries(dir, &n_tmp);
    assert_int_equal(n_tmp, 0);
    afile_set_free(s);
    free(blocker);
}

static void test_mkdirs(void **state)
{
    const char *dir = *state;
    ecs_err e;
    err_clear(&e);
    char *deep = path_in(dir, "a/b//c/");
    assert_int_equal(afile_mkdirs(deep, &e), ECS_OK);
    assert_int_equal(afile_mkdirs(deep, &e), ECS_OK); /* already there */
    struct stat st;
    char *c = path_in(dir, "a/b/c");
    assert_int_equal(stat(c, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(e.code, ECS_OK);

    write_file(dir, "plain", "x");
    char *bad = path_in(dir, "plain/sub/subsub");
    char *where = path_in(dir, "plain");
    assert_int_equal(afile_mkdirs(bad, &e), ECS_EIO);
    assert_io_error(&e, where, ENOTDIR);
    assert_non_null(strstr(e.msg, bad)); /* the directory asked for, too */
    free(deep);
    free(c);
    free(bad);
    free(where);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_keeps_old_until_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_free_aborts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* testutil.h -- helpers the tests share: temporary directories, reading
 * files whole, writing scenario files, and running ecsim's command line in
 * process with its output captured. */
#ifndef ECSIM_TESTUTIL_H
#define ECSIM_TESTUTIL_H

#include <stddef.h>

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string after
 * tu_rmtree. Aborts on failure (a test cannot go on without it). */
char *tu_mkdtemp(void);
/* rm -rf dir */
void tu_rmtree(const char *dir);

/* The whole file as a NUL-terminated string (caller frees), or NULL. */
char *tu_read_file(const char *path, size_t *len_out);
/* Writes text to dir/name; returns the path (caller frees). */
char *tu_write_file(const char *dir, const char *name, const char *text);
int tu_exists(const char *path);
/* Number of entries in a directory (not . and ..); -1 if it does not exist. */
int tu_count_entries(const char *dir);

typedef struct tu_cli {
    int rc;
    char *out; /* what went to stdout (caller frees with tu_cli_free) */
    char *err; /* what went to stderr */
} tu_cli;

/* Runs cli_main with the given NULL-terminated argument list ("ecsim" is
 * prepended). */
tu_cli tu_run_cli(const char *const *args);
void tu_cli_free(tu_cli *c);

/* Runs a scenario given as text (written to a temporary directory, outputs
 * there too) with optional --set assignments and seed; fills *res. Returns
 * the run's summary.csv text (caller frees), or NULL when the run failed
 * (then *err_msg, if given, gets a copy of the message to free). */
struct run_result;
char *tu_run_text(const char *yaml, const char *const *sets, int n_sets, unsigned long long seed,
                  struct run_result *res, char **err_msg);
/* The value of a column of a one-row summary.csv (numbers, true/false). */
double tu_column(const char *summary, const char *name);

/* Long tests run only when ECSIM_LONG is set (make test-long). */
int tu_long(void);

#endif

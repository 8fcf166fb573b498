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

/* Long tests run only when ECSIM_LONG is set (make test-long). */
int tu_long(void);

#endif

/* evlog.h -- running a scenario given as text through the command line
 * (with --check) and reading back what it wrote: events.csv as records,
 * summary.csv and timeseries.csv whole, so a test can check a hand-computed
 * timeline event by event. */
#ifndef ECSIM_EVLOG_H
#define ECSIM_EVLOG_H

#include <stddef.h>

typedef struct evlog_event {
    double t_s;
    char kind[64];
    char object[96];
    char detail[1024];
} evlog_event;

typedef struct evlog {
    int rc;          /* the command's exit code */
    char *err;       /* its stderr */
    int out_exists;  /* the output directory was created */
    evlog_event *ev; /* events.csv, in order */
    size_t n;
    char *summary;    /* summary.csv, or NULL */
    char *timeseries; /* timeseries.csv, or NULL */
} evlog;

/* Runs `ecsim run <scenario> -o <tmp>/out -q --check [args...]` on the yaml
 * text; args is NULL-terminated (may be NULL). */
evlog evlog_run(const char *yaml, const char *const *args);
void evlog_free(evlog *r);

/* 1 when the run was refused as bad input the way ecsim must refuse it:
 * exit 2, one message naming s.yaml:line:column, the parameter `path` and
 * `what`, and no output directory; else 0, saying on stderr what it got. */
int evlog_bad_input(const evlog *r, const char *path, const char *what);

/* Events of a kind, and when given of an object and with `has` in the detail. */
size_t evlog_count(const evlog *r, const char *kind, const char *object, const char *has);
const evlog_event *evlog_first(const evlog *r, const char *kind, const char *object,
                               const char *has);
/* The i-th (from 0) such event, or NULL. */
const evlog_event *evlog_nth(const evlog *r, size_t i, const char *kind, const char *object,
                             const char *has);

/* timeseries.csv's value of `column` in the row of time t_s (to 1e-6) and
 * service; NAN when there is no such row or the cell is empty. */
double evlog_series(const evlog *r, double t_s, const char *service, const char *column);

#endif

/* reqlog.h -- the request log (`ecsim run FILE --request-log LOG.csv`): one
 * row per request as it ends, for a class to analyse raw data: its number,
 * service, class, when the client first sent it (arrival_s), when its last
 * attempt started service (start_s, empty if it never did), when it ended,
 * the response time the client saw, the task and host of its last attempt
 * (empty if none took it), the status (200, 502, 503, 504, or "timeout"
 * when the client gave up) and its retries. Streamed as the run goes;
 * --request-log-rate R keeps each request with probability R, decided by a
 * hash of the run's seed and the request's number (no random stream is
 * touched, so the run is the same with or without the log). The file is
 * written whole or not at all (sim/engine/afile.h), like a run's others. */
#ifndef ECSIM_REQLOG_H
#define ECSIM_REQLOG_H

#include <stdint.h>

#include "sim/engine/afile.h"
#include "sim/engine/csvout.h"
#include "sim/engine/err.h"

struct cluster;

typedef struct reqlog {
    afile *f;
    csvw w;
    const struct cluster *c;
    double rate;
    uint64_t seed, n; /* requests ended so far */
    uint64_t written;
    uint32_t *ordinal; /* per task: its number within its service (names "<svc>/<k>") */
    uint32_t n_ordinal, cap_ordinal;
    uint32_t *per_service;
} reqlog;

/* Opens path (under a temporary name) and writes the header. Returns NULL
 * with e filled when it cannot. */
reqlog *reqlog_open(const char *path, double rate, uint64_t seed, const struct cluster *c,
                    ecs_err *e);
/* Hooks the log into the cluster's clients. */
void reqlog_attach(reqlog *l, struct cluster *c);
/* Renames the file into place (ECS_OK), or removes it; frees l either way. */
int reqlog_commit(reqlog *l, ecs_err *e);
void reqlog_abort(reqlog *l);

#endif

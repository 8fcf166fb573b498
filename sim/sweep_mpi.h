/* sweep_mpi.h -- a sweep's runs spread over the ranks of an MPI job
 * (compiled only by `make MPI=1`, which defines ECSIM_MPI).
 * Every rank parses the same command line and prepares the same sweep;
 * rank 0 then coordinates (hands out work items, receives each finished
 * run's summary row, journals it and writes the results as the local pool
 * does) and every other rank runs the items it is handed. A work item is
 * c * replications + (k - 1) for configuration c, replication k. */
#ifndef ECSIM_SWEEP_MPI_H
#define ECSIM_SWEEP_MPI_H

#include "sim/engine/err.h"
#include "sim/replicate.h"

/* What the sweep supplies: the item count, --stop-after, and callbacks. */
typedef struct sweep_mpi_ops {
    void *ctx;
    int total;      /* work items */
    int stop_after; /* 0: no limit; N: hand out at most N items */
    /* rank 0: 1 when item still has to run (the journal lacks it) */
    int (*pending)(void *ctx, int item);
    /* a worker: runs item and reads its summary row; on failure e says
     * which configuration and replication failed and why */
    int (*run)(void *ctx, int item, replicate_row *row, ecs_err *e);
    /* rank 0: journals a finished item's row */
    int (*add)(void *ctx, int item, const replicate_row *row, ecs_err *e);
} sweep_mpi_ops;

typedef enum sweep_mpi_role {
    SWEEP_MPI_LOCAL,       /* one rank: the local process pool */
    SWEEP_MPI_COORDINATOR, /* rank 0 of several */
    SWEEP_MPI_WORKER       /* any other rank */
} sweep_mpi_role;

/* Initialises MPI on first use (finalised at exit) and says what this
 * process does in the sweep about to start. A coordinator must release
 * its workers, by sweep_mpi_coordinate or, when the sweep fails before it
 * starts, sweep_mpi_release (also called at exit). */
sweep_mpi_role sweep_mpi_begin(void);

/* The number of worker ranks (the job's size less one). */
int sweep_mpi_workers(void);

/* Rank 0: hands out every pending item (at most stop_after), one at a time
 * per worker as each reports, and journals each result through ops->add;
 * after the first error it hands out nothing more, waits for the items in
 * flight and returns that error. Releases the workers before returning. */
int sweep_mpi_coordinate(const sweep_mpi_ops *ops, ecs_err *e);

/* A worker: runs what rank 0 hands out until it is released. Returns
 * ECS_OK (failures of runs are reported to rank 0, which reports them). */
int sweep_mpi_work(const sweep_mpi_ops *ops, ecs_err *e);

/* Rank 0: tells workers still waiting that no work comes for this sweep. */
void sweep_mpi_release(void);

/* Every rank calls it at the same point: returns rank 0's value (so the
 * workers follow the coordinator's decision of which sweep comes next).
 * Without MPI, or with one rank, returns value. */
int sweep_mpi_share(int value);

/* The same for len bytes at data: every rank ends with rank 0's bytes. */
void sweep_mpi_share_bytes(void *data, int len);

#endif

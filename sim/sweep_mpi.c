/* sweep_mpi.c -- a sweep's runs over the ranks of an MPI job.
 * Owns: MPI's initialisation (on the first sweep) and finalisation (at
 * exit), the role of each rank, and the messages between rank 0 and the
 * workers: rank 0 sends an item (TAG_WORK) to each idle worker, a worker
 * answers with the item's result (TAG_RESULT: the item, a code, then the
 * summary row or the error message), and rank 0 ends the sweep for a worker
 * with TAG_STOP. Dynamic load balancing: a worker gets its next item when it
 * reports, so long and short runs mix. Rank 0 journals and writes; the
 * result rows are the strings each run's summary.csv holds, so the files
 * are those of the local pool, byte for byte. Built only with MPI=1. */
#include "sim/sweep_mpi.h"

#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

enum { TAG_WORK = 1, TAG_RESULT = 2, TAG_STOP = 3 };

static int mpi_up; /* MPI_Init done */
static int mpi_rank, mpi_size;
static int mpi_unreleased; /* rank 0: workers may be waiting for this sweep */

static void mpi_at_exit(void)
{
    sweep_mpi_release();
    int done = 0;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
}

sweep_mpi_role sweep_mpi_begin(void)
{
    if (!mpi_up) {
        int inited = 0;
        MPI_Initialized(&inited);
        if (!inited) MPI_Init(NULL, NULL);
        MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
        mpi_up = 1;
        atexit(mpi_at_exit);
    }
    if (mpi_size < 2) return SWEEP_MPI_LOCAL;
    if (mpi_rank != 0) return SWEEP_MPI_WORKER;
    mpi_unreleased = 1;
    return SWEEP_MPI_COORDINATOR;
}

int sweep_mpi_workers(void)
{
    return mpi_size > 1 ? mpi_size - 1 : 0;
}

static void send_stop(int rank)
{
    int32_t none = 0;
    MPI_Send(&none, 1, MPI_INT32_T, rank, TAG_STOP, MPI_COMM_WORLD);
}

void sweep_mpi_release(void)
{
    if (!mpi_unreleased) return;
    mpi_unreleased = 0;
    for (int r = 1; r < mpi_size; r++) send_stop(r);
}

/* ---- the result message ---- */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void buf_put(buf *b, const void *data, size_t len)
{
    if (b->n + len > b->cap) {
        while (b->n + len > b->cap) b->cap = b->cap ? 2 * b->cap : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
}

static void buf_int(buf *b, int v)
{
    int32_t x = v;
    buf_put(b, &x, sizeof x);
}

static void buf_str(buf *b, const char *s)
{
    buf_put(b, s, strlen(s) + 1);
}

/* A reader over a received message; any shortfall sets bad. */
typedef struct rd {
    const char *p;
    size_t n, at;
    int bad;
} rd;

static int rd_int(rd *r)
{
    int32_t x = 0;
    if (r->at + sizeof x > r->n) {
        r->bad = 1;
        return 0;
    }
    memcpy(&x, r->p + r->at, sizeof x);
    r->at += sizeof x;
    return x;
}

static char *rd_str(rd *r)
{
    const char *s = r->p + r->at;
    const char *z = r->at < r->n ? memchr(s, '\0', r->n - r->at) : NULL;
    if (!z) {
        r->bad = 1;
        return xstrdup("");
    }
    r->at += (size_t) (z - s) + 1;
    return xstrdup(s);
}

/* ---- rank 0 ---- */

/* Sends worker w the next pending item, if any is left and --stop-after
 * allows; 1 when it did. */
static int hand_out(const sweep_mpi_ops *ops, int w, int *next, int *started)
{
    if (ops->stop_after > 0 && *started >= ops->stop_after) return 0;
    while (*next < ops->total && !ops->pending(ops->ctx, *next)) (*next)++;
    if (*next == ops->total) return 0;
    int32_t item = *next;
    MPI_Send(&item, 1, MPI_INT32_T, w, TAG_WORK, MPI_COMM_WORLD);
    (*next)++;
    (*started)++;
    return 1;
}

/* Decodes one result and journals it; the run's own error when it failed. */
static int take_result(const sweep_mpi_ops *ops, const char *msg, size_t len, ecs_err *e)
{
    rd r = {msg, len, 0, 0};
    int item = rd_int(&r), code = rd_int(&r), rc;
    if (code != ECS_OK) {
        char *text = rd_str(&r);
        rc = err_set(e, code, "%s", text);
        free(text);
        return rc;
    }
    replicate_row row;
    memset(&row, 0, sizeof row);
    int n = rd_int(&r);
    if (!r.bad && n >= 0 && (size_t) n <= len) {
        row.names = xcalloc((size_t) n + 1, sizeof *row.names);
        row.values = xcalloc((size_t) n + 1, sizeof *row.values);
        for (; row.n < n && !r.bad; row.n++) {
            row.names[row.n] = rd_str(&r);
            row.values[row.n] = rd_str(&r);
        }
    }
    if (r.bad || n < 0 || item < 0 || item >= ops->total)
        rc = err_set(e, ECS_EINTERNAL, "sweep: a malformed result from an MPI worker");
    else
        rc = ops->add(ops->ctx, item, &row, e);
    replicate_row_free(&row);
    return rc;
}

int sweep_mpi_coordinate(const sweep_mpi_ops *ops, ecs_err *e)
{
    int next = 0, started = 0, busy = 0, rc = ECS_OK;
    for (int w = 1; w < mpi_size; w++) {
        if (hand_out(ops, w, &next, &started))
            busy++;
        else
            send_stop(w);
    }
    mpi_unreleased = 0;
    while (busy > 0) {
        MPI_Status st;
        int len = 0;
        MPI_Probe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_BYTE, &len);
        char *msg = xmalloc((size_t) len + 1);
        MPI_Recv(msg, len, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        busy--;
        int r = take_result(ops, msg, (size_t) len, e);
        free(msg);
        if (rc == ECS_OK) rc = r;
        if (rc == ECS_OK && hand_out(ops, st.MPI_SOURCE, &next, &started))
            busy++;
        else
            send_stop(st.MPI_SOURCE);
    }
    return rc;
}

/* ---- the workers ---- */

int sweep_mpi_work(const sweep_mpi_ops *ops, ecs_err *e)
{
    (void) e;
    for (;;) {
        int32_t item;
        MPI_Status st;
        MPI_Recv(&item, 1, MPI_INT32_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG != TAG_WORK) return ECS_OK;
        replicate_row row;
        memset(&row, 0, sizeof row);
        ecs_err re;
        err_clear(&re);
        int rc = ops->run(ops->ctx, item, &row, &re);
        buf b = {0};
        buf_int(&b, item);
        buf_int(&b, rc);
        if (rc == ECS_OK) {
            buf_int(&b, row.n);
            for (int i = 0; i < row.n; i++) {
                buf_str(&b, row.names[i]);
                buf_str(&b, row.values[i]);
            }
        } else {
            buf_str(&b, re.msg);
        }
        replicate_row_free(&row);
        MPI_Send(b.p, (int) b.n, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        free(b.p);
    }
}

int sweep_mpi_share(int value)
{
    if (!mpi_up || mpi_size < 2) return value;
    int32_t v = value;
    MPI_Bcast(&v, 1, MPI_INT32_T, 0, MPI_COMM_WORLD);
    return v;
}

void sweep_mpi_share_bytes(void *data, int len)
{
    if (!mpi_up || mpi_size < 2 || len <= 0) return;
    MPI_Bcast(data, len, MPI_BYTE, 0, MPI_COMM_WORLD);
}

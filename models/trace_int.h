/* trace_int.h -- the trace reader's insides, shared by its three files and
 * by nothing else: trace.c (the public verbs, row order, transformations),
 * trace_csv.c (lines through zlib, CSV rows through libcsv) and
 * trace_logs.c (ALB and CLF lines, and the reorder buffer that puts a log's
 * requests back in time order). The log-line parsers are pure functions of
 * one line, so the fuzzer and the tests reach them directly. */
#ifndef ECSIM_TRACE_INT_H
#define ECSIM_TRACE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <csv.h>
#include <gsl/gsl_rng.h>
#include <zlib.h>

#include "models/trace.h"
#include "sim/engine/err.h"

#define TRACE__KEY_MAX 256 /* bytes of trace_record.key, NUL included */

/* One access-log entry as the reader needs it. */
typedef struct trace__logrec {
    int64_t t_us;             /* arrival, microseconds since 1970-01-01T00:00:00Z */
    double demand_s;          /* target_processing_time (ALB); < 0 for none */
    int status;               /* status code the client got; 0 for "-" */
    int t_column;             /* 1-based column of the time field, for messages */
    char key[TRACE__KEY_MAX]; /* URL path, no query; "" when the request has none */
} trace__logrec;

/* Limits. Memory is bounded by the longest line and, for logs, the reorder
 * buffer; a log line may be up to TRACE__REORDER_US older than the newest
 * before it. */
#define TRACE__LINE_BUF         (1u << 14)        /* first size of the line buffer, bytes */
#define TRACE__LINE_MAX         (1u << 20)        /* the longest line: the buffer's cap */
#define TRACE__REORDER_US       INT64_C(60000000) /* 60 s, in microseconds */
#define TRACE__REORDER_MAX      65536             /* requests the reorder buffer holds */
#define TRACE__TIME_MAX_S       1e15              /* larger is a unit mistake, not a trace */
#define TRACE__FIELD_MAX        320               /* a wanted CSV field's longest value */
#define TRACE__EMPTY_PASSES_MAX 1000              /* a loop this long without arrivals ends */

/* The CSV columns a reader wants. */
enum {
    TRACE__COL_TIME,  /* the time column */
    TRACE__COL_VALUE, /* requests (counts) or the demand column */
    TRACE__COL_CLASS, /* the class column */
    TRACE__NCOL
};

/* One row of the trace as recorded, in trace time. */
typedef struct trace__row {
    double t;      /* seconds from the trace's origin */
    double count;  /* counts: requests in the bin; otherwise 1 */
    long line;     /* where it was read, for messages */
    double demand; /* seconds (already times demand_scale), < 0 none */
    int status;    /* 0 none */
    char key[TRACE__KEY_MAX];
} trace__row;

typedef struct trace__heap_ent {
    trace__logrec rec;
    uint64_t seq; /* reading order: equal times leave in the order they were logged */
} trace__heap_ent;

struct trace_reader {
    trace_spec spec; /* a copy; its strings point at the owned copies below */
    char *path, *cols[TRACE__NCOL];
    gsl_rng *rng; /* borrowed */
    gzFile gz;

    /* lines */
    char *buf;       /* cap + 1 bytes: room for a '\n' after any line */
    size_t cap;      /* TRACE__LINE_BUF, doubled for a longer line up to TRACE__LINE_MAX */
    size_t len, pos; /* bytes in buf; start of the next line */
    int eof;         /* gzread has nothing more */
    long line_no;    /* of the current line, 1-based */
    char *line;      /* the current line, without its end of line */
    size_t line_len;

    /* CSV */
    struct csv_parser csv;
    int csv_live;             /* csv_init done */
    int header;               /* parsing the header row */
    int col_idx[TRACE__NCOL]; /* field index of each wanted column, -1 none */
    int field_no;             /* fields seen in the current row */
    int row_done;
    char field[TRACE__NCOL][TRACE__FIELD_MAX + 1];
    size_t field_len[TRACE__NCOL]; /* true length (may exceed TRACE__FIELD_MAX) */
    int field_set[TRACE__NCOL];
    char have[512]; /* the header's names, for "missing column" */

    /* logs: a min-heap on (t_us, seq), so records a little out of order
     * leave in time order */
    trace__heap_ent *heap;
    size_t heap_n, heap_cap;
    uint64_t seq;
    int64_t max_seen_us, last_out_us, origin_us;
    int have_out, have_origin, src_eof;

    /* rows */
    double bin_s;  /* counts: bin width, given or inferred */
    int have_prev; /* a previous row in this pass */
    double prev_t;
    int n_ahead; /* counts: the first two rows, read at open for the width */
    trace__row ahead[2];

    /* transformation state */
    long pass;                    /* completed passes of a loop */
    double period;                /* trace seconds per pass; 0 until known */
    double pass_first, pass_last; /* first and last row time in the window this pass */
    double pass_end;              /* counts: end of the last bin this pass */
    double pass_mass;             /* expected arrivals this pass */
    uint64_t pass_rows;           /* rows in the window this pass */
    uint64_t pass_given;          /* arrivals given this pass */
    int empty_passes;             /* passes in a row that gave none */
    int done;
    uint64_t bin_left; /* counts: arrivals still to place in the current bin */
    double bin_a, u_prev;
    uint64_t copies; /* requests: copies of `pend` still to give */
    trace__row pend;
    double last_out_s; /* simulated time of the last arrival given */
    int raw;           /* trace_next_raw in use */

    int rc; /* a sticky error: every later call repeats it */
    ecs_err err;
};

/* trace_csv.c. Lines: 1 with r->line and r->line_len set (no end of line;
 * a byte is free after it), 0 at the end, or an error. */
int trace__read_line(trace_reader *r, ecs_err *e);
int trace__read_fail(trace_reader *r, ecs_err *e); /* zlib's error as ECS_EIO */
int trace__blank(const char *s, size_t n);         /* only spaces and tabs */
/* The 1-based column where field k of the current line starts. */
int trace__field_column(const trace_reader *r, int k);
/* The header row: the wanted columns found, or "missing column". */
int trace__csv_header(trace_reader *r, ecs_err *e);
/* The next data row, its fields checked: 1, 0 at the end, or an error. */
int trace__csv_row(trace_reader *r, trace__row *out, ecs_err *e);

/* trace_logs.c. The next log request in time order (the reorder buffer):
 * 1, 0 at the end, or an error. */
int trace__log_row(trace_reader *r, trace__row *out, ecs_err *e);

/* Parses one line (len bytes, no newline, not NUL-terminated, may hold any
 * byte). 0 and *out filled; or -1 with *column (1-based) and why ("field:
 * what was expected, got ...") filled. Cannot fail otherwise. */
int trace__parse_alb(const char *line, size_t len, trace__logrec *out, int *column, char *why,
                     size_t why_len);
int trace__parse_clf(const char *line, size_t len, trace__logrec *out, int *column, char *why,
                     size_t why_len);

/* The URL path of an HTTP request line ("GET https://h:443/p?q HTTP/1.1"
 * gives "/p"), cut to TRACE__KEY_MAX - 1 bytes; "" if the line has none. */
void trace__request_path(const char *req, size_t len, char key[TRACE__KEY_MAX]);

/* s[0..n) quoted for a message: printable ASCII as is, other bytes as '?',
 * at most 40 bytes then "...". Always NUL-terminates out. */
void trace__show(const char *s, size_t n, char *out, size_t out_len);

#endif

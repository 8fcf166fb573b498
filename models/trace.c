/* trace.c -- the trace reader: a recorded trace streamed in as arrivals.
 * Owns the open file (zlib reads plain and gzip alike), one line buffer
 * (64 KiB, doubled only for a longer line, up to 1 MiB), a libcsv parser for
 * the CSV formats, and for logs a reorder heap of at most REORDER_MAX
 * records: memory is bounded by the longest line and the reorder bound,
 * never by the trace's length. Layers, each pulling from the one below:
 * lines -> rows (CSV fields or a parsed log line, checked, in trace time)
 * -> the window, loop, placement within bins and rate scale -> simulated
 * time. Tuned for long per-request files: one memchr per line, a field
 * copied only when its column is wanted, and no allocation per row. */
#include "models/trace.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <csv.h>
#include <gsl/gsl_randist.h>
#include <zlib.h>

#include "models/trace_int.h"
#include "sim/engine/xmalloc.h"

#define LINE_BUF       (1u << 16)       /* the line buffer's first size, bytes */
#define LINE_MAX_BYTES (1u << 20)       /* ... grown to at most this: the longest line */
#define REORDER_US     INT64_C(60000000) /* logs may run this far out of time order (60 s) */
#define REORDER_MAX    65536            /* ... and hold at most this many requests meanwhile */
#define TIME_MAX_S     1e15             /* a larger time is a unit mistake, not a trace */
#define FIELD_MAX      320              /* a wanted CSV field's longest value, NUL excluded */
#define EMPTY_PASSES_MAX 1000           /* a loop this many passes without an arrival ends */

enum { COL_TIME, COL_VALUE, COL_CLASS, NCOL }; /* VALUE: requests (counts) or demand */

/* One row of the trace as recorded, in trace time. */
typedef struct row {
    double t;       /* seconds from the trace's origin */
    double count;   /* counts: requests in the bin; otherwise 1 */
    long line;      /* where it was read, for messages */
    double demand;  /* seconds (already times demand_scale), < 0 none */
    int status;     /* 0 none */
    char key[TRACE__KEY_MAX];
} row;

typedef struct heap_ent {
    trace__logrec rec;
    uint64_t seq; /* reading order: equal times leave in the order they were logged */
} heap_ent;

struct trace_reader {
    trace_spec spec; /* a copy; its strings point at the owned copies below */
    char *path, *cols[NCOL];
    gsl_rng *rng; /* borrowed */
    gzFile gz;

    /* lines */
    char *buf;             /* cap + 1 bytes: room for a '\n' after any line */
    size_t cap;            /* LINE_BUF, doubled for a longer line up to LINE_MAX_BYTES */
    size_t len, pos;       /* bytes in buf; start of the next line */
    int eof;               /* gzread has nothing more */
    long line_no;          /* of the current line, 1-based */
    char *line;            /* the current line, without its end of line */
    size_t line_len;

    /* CSV */
    struct csv_parser csv;
    int csv_live;          /* csv_init done */
    int header;            /* parsing the header row */
    int col_idx[NCOL];     /* field index of each wanted column, -1 none */
    int field_no;          /* fields seen in the current row */
    int row_done;
    char field[NCOL][FIELD_MAX + 1];
    size_t field_len[NCOL]; /* true length (may exceed FIELD_MAX) */
    int field_set[NCOL];
    char have[512];         /* the header's names, for "missing column" */

    /* logs: a min-heap on (t_us, seq), so records a little out of order
     * leave in time order */
    heap_ent *heap;
    size_t heap_n, heap_cap;
    uint64_t seq;
    int64_t max_seen_us, last_out_us, origin_us;
    int have_out, have_origin, src_eof;

    /* rows */
    double bin_s;           /* counts: bin width, given or inferred */
    int have_prev;          /* a previous row in this pass */
    double prev_t;
    int n_ahead;            /* counts: the first two rows, read at open for the width */
    row ahead[2];

    /* transformation state */
    long pass;              /* completed passes of a loop */
    double period;          /* trace seconds per pass; 0 until known */
    double pass_first, pass_last; /* first and last row time in the window this pass */
    double pass_end;        /* counts: end of the last bin this pass */
    double pass_mass;       /* expected arrivals this pass */
    uint64_t pass_rows;     /* rows in the window this pass */
    uint64_t pass_given;    /* arrivals given this pass */
    int empty_passes;       /* passes in a row that gave none */
    int done;
    uint64_t bin_left;      /* counts: arrivals still to place in the current bin */
    double bin_a, u_prev;
    uint64_t copies;        /* requests: copies of `pend` still to give */
    row pend;
    double last_out_s;      /* simulated time of the last arrival given */
    int raw;                /* trace_next_raw in use */

    int rc;                 /* a sticky error: every later call repeats it */
    ecs_err err;
};

static const char *format_names[] = {"counts", "requests", "alb", "clf"};

int trace_format_parse(const char *name, trace_format *out)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, format_names[i]) == 0) {
            *out = (trace_format) i;
            return 0;
        }
    return -1;
}

const char *trace_format_name(trace_format f)
{
    return (unsigned) f < 4 ? format_names[f] : "?";
}

/* ---- lines ---- */

static int read_fail(trace_reader *r, ecs_err *e)
{
    int zerr = Z_OK;
    const char *msg = gzerror(r->gz, &zerr);
    if (zerr == Z_ERRNO) msg = strerror(errno);
    if (zerr == Z_BUF_ERROR) msg = "unexpected end of file (a truncated gzip file)";
    size_t n = strlen(r->path); /* zlib prefixes the path; ours is enough */
    if (strncmp(msg, r->path, n) == 0 && strncmp(msg + n, ": ", 2) == 0) msg += n + 2;
    if (r->line_no > 0)
        return err_set(e, ECS_EIO, "%s: cannot read after line %ld: %s", r->path, r->line_no, msg);
    return err_set(e, ECS_EIO, "%s: cannot read: %s", r->path, msg);
}

/* The next line into r->line: 1, 0 at the end, or an error. */
static int read_line(trace_reader *r, ecs_err *e)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (nl || (r->eof && r->pos < r->len)) {
            size_t n = nl ? (size_t) (nl - start) : r->len - r->pos;
            r->pos += n + (nl != NULL);
            if (n > 0 && start[n - 1] == '\r') n--;
            r->line = start;
            r->line_len = n;
            r->line_no++;
            if (r->line_no == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
                r->line += 3; /* a UTF-8 byte order mark */
                r->line_len -= 3;
            }
            return 1;
        }
        if (r->eof) return 0;
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->len == r->cap) {
            if (r->cap == LINE_MAX_BYTES)
                return err_at(e, ECS_EINPUT, r->path, (int) r->line_no + 1, 1,
                              "line longer than %u bytes", LINE_MAX_BYTES);
            r->cap *= 2;
            r->buf = xrealloc(r->buf, r->cap + 1);
        }
        int got = gzread(r->gz, r->buf + r->len, (unsigned) (r->cap - r->len));
        if (got < 0) return read_fail(r, e);
        if (got == 0) {
            int zerr = Z_OK;
            gzerror(r->gz, &zerr);
            if (zerr != Z_OK) return read_fail(r, e);
            r->eof = 1;
        }
        r->len += (size_t) got;
    }
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

/* ---- CSV ---- */

/* The 1-based column where field k of the current line starts (quotes
 * respected, leading blanks skipped); one past the end if the row is short.
 * Only error messages need it, so it re-scans the line then. */
static int field_column(const trace_reader *r, int k)
{
    const char *s = r->line;
    size_t n = r->line_len, i = 0;
    for (int f = 0; f < k && i < n; i++) {
        if (s[i] == '"') {
            for (i++; i < n; i++)
                if (s[i] == '"' && !(i + 1 < n && s[i + 1] == '"' && ++i)) break;
        } else if (s[i] == ',') {
            f++;
        }
        if (f == k) {
            i++;
            break;
        }
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return (int) (i < n ? i : n) + 1;
}

static void on_field(void *s, size_t len, void *data)
{
    trace_reader *r = data;
    int k = r->field_no++;
    if (r->header) {
        if (!s) s = (void *) "";
        size_t h = strlen(r->have);
        if (h + len + 2 < sizeof r->have)
            snprintf(r->have + h, sizeof r->have - h, "%s%.*s", k ? "," : "", (int) len,
                     (const char *) s);
        else if (h + 4 < sizeof r->have && strcmp(r->have + h - 3, "...") != 0)
            strcat(r->have, ",...");
        for (int c = 0; c < NCOL; c++)
            if (r->col_idx[c] < 0 && r->cols[c][0] && strlen(r->cols[c]) == len &&
                memcmp(r->cols[c], s, len) == 0)
                r->col_idx[c] = k;
        return;
    }
    for (int c = 0; c < NCOL; c++) {
        if (r->col_idx[c] != k) continue;
        size_t n = len < FIELD_MAX ? len : FIELD_MAX;
        if (n) memcpy(r->field[c], s, n);
        r->field[c][n] = '\0';
        r->field_len[c] = len;
        r->field_set[c] = 1;
    }
}

static void on_row(int c, void *data)
{
    (void) c;
    ((trace_reader *) data)->row_done = 1;
}

/* The next non-blank line parsed into fields: 1, 0 at the end, or error. */
static int csv_line(trace_reader *r, ecs_err *e)
{
    for (;;) {
        int rc = read_line(r, e);
        if (rc <= 0) return rc;
        if (blank(r->line, r->line_len)) continue;
        r->field_no = 0;
        r->row_done = 0;
        memset(r->field_set, 0, sizeof r->field_set);
        r->line[r->line_len] = '\n'; /* the buffer has a spare byte after any line */
        size_t n = csv_parse(&r->csv, r->line, r->line_len + 1, on_field, on_row, r);
        if (n != r->line_len + 1)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, (int) n + 1,
                          "malformed quoted field (a quote inside a field must be doubled, and "
                          "a quoted field must end at a comma)");
        if (!r->row_done)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no,
                          field_column(r, r->field_no), "unterminated quoted field");
        return 1;
    }
}

static int read_header(trace_reader *r, ecs_err *e)
{
    r->header = 1;
    r->have[0] = '\0';
    for (int c = 0; c < NCOL; c++) r->col_idx[c] = -1;
    int rc = csv_line(r, e);
    r->header = 0;
    if (rc < 0) return rc;
    if (rc == 0) {
        if (r->line_no == 0)
            return err_set(e, ECS_EINPUT, "%s: empty file (expected a header row naming %s)",
                           r->path, r->cols[COL_TIME]);
        return err_set(e, ECS_EINPUT, "%s: no header row (expected one naming %s)", r->path,
                       r->cols[COL_TIME]);
    }
    for (int c = 0; c < NCOL; c++)
        if (r->cols[c][0] && r->col_idx[c] < 0)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, 1,
                          "missing column \"%s\" (have: %s)", r->cols[c], r->have);
    return ECS_OK;
}

static int bad_field(trace_reader *r, int c, const char *what, ecs_err *e)
{
    char shown[64];
    trace__show(r->field[c], r->field_len[c], shown, sizeof shown);
    return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, field_column(r, r->col_idx[c]),
                  "%s: expected %s, got \"%s\"", r->cols[c], what, shown);
}

/* A plain decimal number (no hex, inf or nan, which strtod would take). */
static int parse_number(const char *s, size_t n, double *out)
{
    if (n == 0 || n > FIELD_MAX) return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return -1;
    }
    char *end;
    *out = strtod(s, &end);
    return end != s + n || !isfinite(*out) ? -1 : 0;
}

static int csv_row(trace_reader *r, row *out, ecs_err *e)
{
    int rc = csv_line(r, e);
    if (rc <= 0) return rc;
    for (int c = 0; c < NCOL; c++)
        if (r->col_idx[c] >= 0 && !r->field_set[c])
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, (int) r->line_len + 1,
                          "%s: missing (the row has %d field%s, the column is number %d)",
                          r->cols[c], r->field_no, r->field_no == 1 ? "" : "s",
                          r->col_idx[c] + 1);
    out->line = r->line_no;
    double t;
    if (parse_number(r->field[COL_TIME], r->field_len[COL_TIME], &t) || t < 0 || t > TIME_MAX_S)
        return bad_field(r, COL_TIME, "a number of seconds in [0, 1e15]", e);
    out->t = t;
    out->count = 1;
    out->demand = -1;
    out->status = 0;
    out->key[0] = '\0';
    if (r->spec.format == TRACE_COUNTS) {
        const char *s = r->field[COL_VALUE];
        size_t n = r->field_len[COL_VALUE];
        double v = 0;
        int ok = n > 0 && n <= 16;
        for (size_t i = 0; ok && i < n; i++) {
            ok = s[i] >= '0' && s[i] <= '9';
            v = v * 10 + (s[i] - '0');
        }
        if (!ok || v > 9007199254740992.0)
            return bad_field(r, COL_VALUE, "a non-negative integer", e);
        out->count = v;
        return 1;
    }
    if (r->col_idx[COL_VALUE] >= 0 && r->field_len[COL_VALUE] > 0) {
        double d;
        if (parse_number(r->field[COL_VALUE], r->field_len[COL_VALUE], &d) || d < 0)
            return bad_field(r, COL_VALUE, "a non-negative number (or nothing)", e);
        out->demand = d * r->spec.demand_scale;
    }
    if (r->col_idx[COL_CLASS] >= 0) {
        if (r->field_len[COL_CLASS] >= TRACE__KEY_MAX)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no,
                          field_column(r, r->col_idx[COL_CLASS]), "%s: longer than %d bytes",
                          r->cols[COL_CLASS], TRACE__KEY_MAX - 1);
        memcpy(out->key, r->field[COL_CLASS], r->field_len[COL_CLASS] + 1);
    }
    return 1;
}

/* ---- logs ---- */

static int heap_less(const heap_ent *a, const heap_ent *b)
{
    return a->rec.t_us < b->rec.t_us || (a->rec.t_us == b->rec.t_us && a->seq < b->seq);
}

static void heap_push(trace_reader *r, const trace__logrec *rec)
{
    if (r->heap_n == r->heap_cap) {
        r->heap_cap = r->heap_cap ? 2 * r->heap_cap : 256;
        r->heap = xrealloc(r->heap, r->heap_cap * sizeof *r->heap);
    }
    size_t i = r->heap_n++;
    heap_ent x = {*rec, r->seq++};
    while (i > 0 && heap_less(&x, &r->heap[(i - 1) / 2])) {
        r->heap[i] = r->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->heap[i] = x;
}

static void heap_pop(trace_reader *r, trace__logrec *out)
{
    *out = r->heap[0].rec;
    heap_ent x = r->heap[--r->heap_n];
    size_t i = 0, n = r->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_less(&r->heap[c + 1], &r->heap[c])) c++;
        if (!heap_less(&r->heap[c], &x)) break;
        r->heap[i] = r->heap[c];
        i = c;
    }
    if (n) r->heap[i] = x;
}

/* The next log record in time order: lines are parsed into the heap until
 * its earliest record is more than REORDER_US older than the latest seen
 * (no later line may then precede it), the heap is full, or the file ends. */
static int log_row(trace_reader *r, row *out, ecs_err *e)
{
    for (;;) {
        if (r->heap_n > 0 && (r->src_eof || r->heap_n >= REORDER_MAX ||
                              r->heap[0].rec.t_us < r->max_seen_us - REORDER_US)) {
            trace__logrec rec;
            heap_pop(r, &rec);
            if (!r->have_origin) r->origin_us = rec.t_us, r->have_origin = 1;
            r->last_out_us = rec.t_us;
            r->have_out = 1;
            out->t = (double) (rec.t_us - r->origin_us) * 1e-6;
            out->count = 1;
            out->line = 0;
            out->demand = rec.demand_s >= 0 ? rec.demand_s * r->spec.demand_scale : -1;
            out->status = rec.status;
            memcpy(out->key, rec.key, sizeof out->key);
            return 1;
        }
        if (r->src_eof) return 0;
        int rc = read_line(r, e);
        if (rc < 0) return rc;
        if (rc == 0) {
            r->src_eof = 1;
            continue;
        }
        if (blank(r->line, r->line_len)) continue;
        trace__logrec rec;
        int col = 1;
        char why[256];
        rc = r->spec.format == TRACE_ALB
                 ? trace__parse_alb(r->line, r->line_len, &rec, &col, why, sizeof why)
                 : trace__parse_clf(r->line, r->line_len, &rec, &col, why, sizeof why);
        if (rc) return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, col, "%s", why);
        if (r->have_out && rec.t_us < r->last_out_us)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, rec.t_column,
                          "time: %.6f s earlier than a request already replayed; a log may be "
                          "out of time order by at most 60 s (and %d requests): sort it by time",
                          (double) (r->last_out_us - rec.t_us) * 1e-6, REORDER_MAX);
        if (r->heap_n == 0 || rec.t_us > r->max_seen_us) r->max_seen_us = rec.t_us;
        heap_push(r, &rec);
    }
}

/* ---- rows, checked for order ---- */

static int next_row(trace_reader *r, row *out, ecs_err *e)
{
    if (r->n_ahead > 0) {
        *out = r->ahead[0];
        r->ahead[0] = r->ahead[1];
        r->n_ahead--;
        return 1;
    }
    if (r->spec.format == TRACE_ALB || r->spec.format == TRACE_CLF) return log_row(r, out, e);
    int rc = csv_row(r, out, e);
    if (rc <= 0) return rc;
    if (r->have_prev) {
        int col = field_column(r, r->col_idx[COL_TIME]);
        if (out->t < r->prev_t)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, col,
                          "%s: time goes backwards (%.17g after %.17g)", r->cols[COL_TIME],
                          out->t, r->prev_t);
        if (r->spec.format == TRACE_COUNTS && r->bin_s > 0 &&
            out->t < r->prev_t + r->bin_s - 1e-9 * fmax(1, r->prev_t + r->bin_s))
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, col,
                          "%s: bins overlap (%.17g is less than one bin, %.17g s, after %.17g)",
                          r->cols[COL_TIME], out->t, r->bin_s, r->prev_t);
    }
    r->have_prev = 1;
    r->prev_t = out->t;
    return 1;
}

/* ---- open, rewind, close ---- */

static int check_spec(const trace_spec *s, ecs_err *e)
{
    const char *p = s->path;
    if ((unsigned) s->format > TRACE_CLF)
        return err_set(e, ECS_EINPUT, "%s: unknown trace format %d", p, (int) s->format);
    struct {
        const char *name;
        double v, lo;
        int excl;
    } c[] = {{"bin_s", s->bin_s, 0, 0},
             {"demand_scale", s->demand_scale, 0, 0},
             {"time_scale", s->time_scale, 0, 1},
             {"rate_scale", s->rate_scale, 0, 0},
             {"window_start_s", s->window_start_s, 0, 0},
             {"shift_s", s->shift_s, -INFINITY, 0}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (!isfinite(c[i].v) || c[i].v < c[i].lo || (c[i].excl && c[i].v <= c[i].lo))
            return err_set(e, ECS_EINPUT, "%s: %s: expected a finite number %s %g, got %g", p,
                           c[i].name, c[i].excl ? ">" : ">=", c[i].lo, c[i].v);
    if (isnan(s->window_end_s) || s->window_end_s <= s->window_start_s)
        return err_set(e, ECS_EINPUT, "%s: window_end_s (%g) must be after window_start_s (%g)",
                       p, s->window_end_s, s->window_start_s);
    return ECS_OK;
}

static void reset_input(trace_reader *r)
{
    r->len = r->pos = 0;
    r->eof = 0;
    r->line_no = 0;
    r->heap_n = 0;
    r->have_out = 0;
    r->src_eof = 0;
    r->have_prev = 0;
    r->n_ahead = 0;
}

/* Header (CSV), then for counts the bin width: given, or the distance
 * between the first two rows, which wait in `ahead` for next_row. */
static int start_input(trace_reader *r, ecs_err *e)
{
    if (r->spec.format == TRACE_ALB || r->spec.format == TRACE_CLF) return ECS_OK;
    int rc = read_header(r, e);
    if (rc < 0 || r->spec.format != TRACE_COUNTS || r->bin_s > 0) return rc;
    rc = next_row(r, &r->ahead[0], e);
    if (rc <= 0) return rc;
    rc = next_row(r, &r->ahead[1], e);
    if (rc < 0) return rc;
    if (rc == 0)
        return err_set(e, ECS_EINPUT,
                       "%s: a single row: cannot infer the bin width from it (give bin_s)",
                       r->path);
    if (r->ahead[1].t == r->ahead[0].t)
        return err_at(e, ECS_EINPUT, r->path, (int) r->line_no,
                      field_column(r, r->col_idx[COL_TIME]),
                      "%s: time does not advance (%.17g twice), so the bin width is unknown",
                      r->cols[COL_TIME], r->ahead[0].t);
    r->bin_s = r->ahead[1].t - r->ahead[0].t;
    r->n_ahead = 2;
    return ECS_OK;
}

trace_reader *trace_open(const trace_spec *spec, gsl_rng *rng, ecs_err *e)
{
    if (check_spec(spec, e) < 0) return NULL;
    errno = 0;
    gzFile gz = gzopen(spec->path, "rb");
    if (!gz) {
        err_set(e, ECS_EIO, "%s: cannot read: %s", spec->path,
                errno ? strerror(errno) : "out of memory");
        return NULL;
    }
    trace_reader *r = xcalloc(1, sizeof *r);
    r->gz = gz;
    r->rng = rng;
    r->spec = *spec;
    r->path = xstrdup(spec->path);
    int csv = spec->format == TRACE_COUNTS || spec->format == TRACE_REQUESTS;
    const char *tc = spec->time_column && spec->time_column[0] ? spec->time_column : "t_seconds";
    const char *dc = spec->format == TRACE_REQUESTS && spec->demand_column ? spec->demand_column
                                                                          : "";
    const char *cc = spec->format == TRACE_REQUESTS && spec->class_column ? spec->class_column
                                                                         : "";
    r->cols[COL_TIME] = xstrdup(csv ? tc : "");
    r->cols[COL_VALUE] = xstrdup(spec->format == TRACE_COUNTS ? "requests" : dc);
    r->cols[COL_CLASS] = xstrdup(cc);
    r->spec.path = r->path;
    r->spec.time_column = r->cols[COL_TIME];
    r->spec.demand_column = dc[0] ? r->cols[COL_VALUE] : "";
    r->spec.class_column = r->cols[COL_CLASS];
    r->cap = LINE_BUF;
    r->buf = xmalloc(r->cap + 1);
    r->bin_s = spec->format == TRACE_COUNTS ? spec->bin_s : 0;
    r->last_out_s = -INFINITY;
    int rc = ECS_OK;
    if (csv) {
        csv_init(&r->csv, CSV_STRICT);
        /* libcsv's field buffer grows through the choke point too */
        csv_set_realloc_func(&r->csv, xrealloc);
        csv_set_free_func(&r->csv, free);
        r->csv_live = 1;
        rc = start_input(r, e);
    } else {
        /* an empty log is a mistake worth naming; the line read is given back */
        rc = read_line(r, e);
        if (rc == 0) rc = err_set(e, ECS_EINPUT, "%s: empty file", r->path);
        r->pos = 0;
        r->line_no = 0;
    }
    if (rc < 0) {
        trace_close(r);
        return NULL;
    }
    return r;
}

void trace_close(trace_reader *r)
{
    if (!r) return;
    if (r->csv_live) csv_free(&r->csv);
    gzclose(r->gz);
    free(r->buf);
    free(r->heap);
    free(r->path);
    for (int c = 0; c < NCOL; c++) free(r->cols[c]);
    free(r);
}

double trace_bin_width(const trace_reader *r)
{
    return r->bin_s;
}

/* ---- transformations ---- */

/* The end of one pass over the window: the next pass begins (1), or the
 * trace is over (0). A loop's period is the window's length; with no
 * window end, the trace's: the end of the last bin (counts), or the last
 * request plus the mean gap between requests, so the seam looks like the
 * rest (requests, logs). A loop ends when a pass has nothing in its window,
 * or after EMPTY_PASSES_MAX passes in a row that drew no arrival (a tiny
 * rate_scale), so that trace_next cannot spin without end. */
static int end_pass(trace_reader *r, ecs_err *e)
{
    const trace_spec *s = &r->spec;
    if (!s->loop || r->raw) {
        r->done = 1;
        return 0;
    }
    if (r->pass == 0) {
        if (isfinite(s->window_end_s))
            r->period = s->window_end_s - s->window_start_s;
        else if (s->format == TRACE_COUNTS)
            r->period = r->pass_end - s->window_start_s;
        else if (r->pass_rows > 0)
            r->period = r->pass_last - s->window_start_s +
                        (r->pass_rows > 1 ? (r->pass_last - r->pass_first) /
                                                (double) (r->pass_rows - 1)
                                          : 0);
    }
    r->empty_passes = r->pass_given ? 0 : r->empty_passes + 1;
    if (!(r->period > 0) || !(r->pass_mass > 0) || r->empty_passes >= EMPTY_PASSES_MAX) {
        r->done = 1;
        return 0;
    }
    r->pass++;
    r->pass_mass = 0;
    r->pass_rows = 0;
    r->pass_given = 0;
    if (gzrewind(r->gz) != 0) return read_fail(r, e);
    reset_input(r);
    int rc = start_input(r, e);
    return rc < 0 ? rc : 1;
}

/* Trace time to simulated time. Never earlier than the last arrival given,
 * so rounding at a loop's seam cannot reorder arrivals. */
static double sim_time(trace_reader *r, double t)
{
    const trace_spec *s = &r->spec;
    double v = s->shift_s + (t - s->window_start_s + (double) r->pass * r->period) / s->time_scale;
    if (v < r->last_out_s) v = r->last_out_s;
    r->last_out_s = v;
    return v;
}

/* How many arrivals a bin gets: exactly its scaled count (the fraction by a
 * Bernoulli draw, so the expectation is exact), or Poisson with that mean.
 * Above 1e9 the Poisson is drawn as its normal limit (skewness < 3e-5):
 * GSL's sampler is limited to unsigned int. */
static uint64_t bin_arrivals(trace_reader *r, double mass)
{
    if (mass <= 0) return 0;
    if (r->spec.placement_poisson) {
        if (mass <= 1e9) return gsl_ran_poisson(r->rng, mass);
        double n = nearbyint(mass + sqrt(mass) * gsl_ran_ugaussian(r->rng));
        return n > 0 ? (uint64_t) n : 0;
    }
    double n = floor(mass), frac = mass - n;
    if (frac > 0 && gsl_rng_uniform(r->rng) < frac) n += 1;
    return (uint64_t) n;
}

/* A bin the window starts inside: of its n points, Binomial(n, p) fall
 * before the window (p the share of the bin before it) and are dropped at
 * once; the rest are uniform on the part inside, so placement resumes
 * from u = p. Above 2^32 points the binomial is drawn as its normal limit,
 * as GSL's sampler takes an unsigned int. */
static void skip_before_window(trace_reader *r)
{
    double p = (r->spec.window_start_s - r->bin_a) / r->bin_s, n = (double) r->bin_left, k;
    if (n <= 4294967295.0)
        k = gsl_ran_binomial(r->rng, p, (unsigned) n);
    else
        k = fmin(n, fmax(0, nearbyint(n * p + sqrt(n * p * (1 - p)) * gsl_ran_ugaussian(r->rng))));
    r->bin_left -= (uint64_t) k;
    r->u_prev = p;
}

static void give(trace_reader *r, trace_record *out, double t, const row *rw)
{
    out->t_s = sim_time(r, t);
    out->demand_s = rw ? rw->demand : -1;
    out->status = rw ? rw->status : 0;
    if (rw)
        memcpy(out->key, rw->key, strlen(rw->key) + 1);
    else
        out->key[0] = '\0';
}

/* Counts: the bin's n arrivals are n sorted uniform points, drawn one at a
 * time as successive minima (the next is the least of the m left, uniform
 * above the last: u + (1 - u)(1 - V^(1/m))), so no bin is ever held. */
static int next_counts(trace_reader *r, trace_record *out, ecs_err *e)
{
    const trace_spec *s = &r->spec;
    for (;;) {
        while (r->bin_left > 0) {
            double m = (double) r->bin_left--;
            r->u_prev += (1 - r->u_prev) * -expm1(log(gsl_rng_uniform_pos(r->rng)) / m);
            double end = r->bin_a + r->bin_s, t = r->bin_a + r->bin_s * r->u_prev;
            if (t >= end) t = nextafter(end, -INFINITY);
            if (t >= s->window_end_s) {
                r->bin_left = 0; /* the rest are later still */
                break;
            }
            r->pass_given++;
            give(r, out, t < s->window_start_s ? s->window_start_s : t, NULL);
            return 1;
        }
        row rw;
        int rc = next_row(r, &rw, e);
        if (rc < 0) return rc;
        if (rc == 0 || rw.t >= s->window_end_s) {
            rc = end_pass(r, e);
            if (rc <= 0) return rc;
            continue;
        }
        r->pass_end = rw.t + r->bin_s;
        if (r->pass_end <= s->window_start_s) continue;
        double mass = s->rate_scale * rw.count;
        if (mass > 1e18)
            return err_at(e, ECS_EINPUT, r->path, (int) rw.line, 1,
                          "requests: %.17g arrivals in one bin (after rate_scale): too many", mass);
        r->pass_mass += mass;
        r->bin_a = rw.t;
        r->u_prev = 0;
        r->bin_left = bin_arrivals(r, mass);
        if (rw.t < s->window_start_s) skip_before_window(r);
    }
}

/* Per-request rows (CSV or logs): each kept row is given `copies` times:
 * floor(k), plus one with probability k - floor(k). */
static int next_requests(trace_reader *r, trace_record *out, ecs_err *e)
{
    const trace_spec *s = &r->spec;
    for (;;) {
        if (r->copies > 0) {
            r->copies--;
            r->pass_given++;
            give(r, out, r->pend.t, &r->pend);
            return 1;
        }
        int rc = next_row(r, &r->pend, e);
        if (rc < 0) return rc;
        if (rc == 0 || r->pend.t >= s->window_end_s) {
            rc = end_pass(r, e);
            if (rc <= 0) return rc;
            continue;
        }
        if (r->pend.t < s->window_start_s) continue;
        if (r->pass_rows++ == 0) r->pass_first = r->pend.t;
        r->pass_last = r->pend.t;
        r->pass_mass += s->rate_scale;
        double k = s->rate_scale, n = floor(k), frac = k - n;
        if (frac > 0 && gsl_rng_uniform(r->rng) < frac) n += 1;
        r->copies = (uint64_t) n;
    }
}

/* Keeps the first error so every later call repeats it. */
static int sticky(trace_reader *r, int rc, const ecs_err *inner, ecs_err *e)
{
    if (rc < 0) {
        r->rc = rc;
        r->err = *inner;
    }
    if (r->rc) return err_set(e, r->rc, "%s", r->err.msg);
    return rc;
}

int trace_next(trace_reader *r, trace_record *out, ecs_err *e)
{
    if (r->rc || r->done) return sticky(r, 0, NULL, e);
    assert(!r->raw && "trace_next after trace_next_raw");
    ecs_err inner;
    err_clear(&inner);
    int rc = r->spec.format == TRACE_COUNTS ? next_counts(r, out, &inner)
                                             : next_requests(r, out, &inner);
    return sticky(r, rc, &inner, e);
}

int trace_next_raw(trace_reader *r, double *t_s, double *count, ecs_err *e)
{
    if (r->rc || r->done) return sticky(r, 0, NULL, e);
    r->raw = 1;
    ecs_err inner;
    err_clear(&inner);
    row rw;
    int rc = next_row(r, &rw, &inner);
    if (rc == 1) {
        *t_s = rw.t;
        *count = rw.count;
    } else if (rc == 0) {
        r->done = 1;
    }
    return sticky(r, rc, &inner, e);
}

/* trace_csv.c -- the trace reader's input: lines read through zlib (plain
 * and gzip alike) into one buffer that grows only for a longer line, and
 * CSV rows parsed by libcsv, one record per line, with only the wanted
 * columns' fields copied out. A bad field is reported with its column,
 * found by re-scanning the line only then. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/trace_int.h"
#include "sim/engine/xmalloc.h"

int trace__read_fail(trace_reader *r, ecs_err *e)
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
int trace__read_line(trace_reader *r, ecs_err *e)
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
            if (r->cap == TRACE__LINE_MAX)
                return err_at(e, ECS_EINPUT, r->path, (int) r->line_no + 1, 1,
                              "line longer than %u bytes", TRACE__LINE_MAX);
            r->cap *= 2;
            r->buf = xrealloc(r->buf, r->cap + 1);
        }
        int got = gzread(r->gz, r->buf + r->len, (unsigned) (r->cap - r->len));
        if (got < 0) return trace__read_fail(r, e);
        if (got == 0) {
            int zerr = Z_OK;
            gzerror(r->gz, &zerr);
            if (zerr != Z_OK) return trace__read_fail(r, e);
            r->eof = 1;
        }
        r->len += (size_t) got;
    }
}

int trace__blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

/* The 1-based column where field k of the current line starts (quotes
 * respected, leading blanks skipped); one past the end if the row is short.
 * Only error messages need it, so it re-scans the line then. */
int trace__field_column(const trace_reader *r, int k)
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
        for (int c = 0; c < TRACE__NCOL; c++)
            if (r->col_idx[c] < 0 && r->cols[c][0] && strlen(r->cols[c]) == len &&
                memcmp(r->cols[c], s, len) == 0)
                r->col_idx[c] = k;
        return;
    }
    for (int c = 0; c < TRACE__NCOL; c++) {
        if (r->col_idx[c] != k) continue;
        size_t n = len < TRACE__FIELD_MAX ? len : TRACE__FIELD_MAX;
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
        int rc = trace__read_line(r, e);
        if (rc <= 0) return rc;
        if (trace__blank(r->line, r->line_len)) continue;
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
                          trace__field_column(r, r->field_no), "unterminated quoted field");
        return 1;
    }
}

int trace__csv_header(trace_reader *r, ecs_err *e)
{
    r->header = 1;
    r->have[0] = '\0';
    for (int c = 0; c < TRACE__NCOL; c++) r->col_idx[c] = -1;
    int rc = csv_line(r, e);
    r->header = 0;
    if (rc < 0) return rc;
    if (rc == 0) {
        if (r->line_no == 0)
            return err_set(e, ECS_EINPUT, "%s: empty file (expected a header row naming %s)",
                           r->path, r->cols[TRACE__COL_TIME]);
        return err_set(e, ECS_EINPUT, "%s: no header row (expected one naming %s)", r->path,
                       r->cols[TRACE__COL_TIME]);
    }
    for (int c = 0; c < TRACE__NCOL; c++)
        if (r->cols[c][0] && r->col_idx[c] < 0)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, 1,
                          "missing column \"%s\" (have: %s)", r->cols[c], r->have);
    return ECS_OK;
}

static int bad_field(trace_reader *r, int c, const char *what, ecs_err *e)
{
    char shown[64];
    trace__show(r->field[c], r->field_len[c], shown, sizeof shown);
    return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, trace__field_column(r, r->col_idx[c]),
                  "%s: expected %s, got \"%s\"", r->cols[c], what, shown);
}

/* A plain decimal number (no hex, inf or nan, which strtod would take). */
static int parse_number(const char *s, size_t n, double *out)
{
    if (n == 0 || n > TRACE__FIELD_MAX) return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return -1;
    }
    char *end;
    *out = strtod(s, &end);
    return end != s + n || !isfinite(*out) ? -1 : 0;
}

int trace__csv_row(trace_reader *r, trace__row *out, ecs_err *e)
{
    int rc = csv_line(r, e);
    if (rc <= 0) return rc;
    for (int c = 0; c < TRACE__NCOL; c++)
        if (r->col_idx[c] >= 0 && !r->field_set[c])
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no, (int) r->line_len + 1,
                          "%s: missing (the row has %d field%s, the column is number %d)",
                          r->cols[c], r->field_no, r->field_no == 1 ? "" : "s", r->col_idx[c] + 1);
    out->line = r->line_no;
    double t;
    if (parse_number(r->field[TRACE__COL_TIME], r->field_len[TRACE__COL_TIME], &t) || t < 0 ||
        t > TRACE__TIME_MAX_S)
        return bad_field(r, TRACE__COL_TIME, "a number of seconds in [0, 1e15]", e);
    out->t = t;
    out->count = 1;
    out->demand = -1;
    out->status = 0;
    out->key[0] = '\0';
    if (r->spec.format == TRACE_COUNTS) {
        const char *s = r->field[TRACE__COL_VALUE];
        size_t n = r->field_len[TRACE__COL_VALUE];
        double v = 0;
        int ok = n > 0 && n <= 16;
        for (size_t i = 0; ok && i < n; i++) {
            ok = s[i] >= '0' && s[i] <= '9';
            v = v * 10 + (s[i] - '0');
        }
        if (!ok || v > 9007199254740992.0)
            return bad_field(r, TRACE__COL_VALUE, "a non-negative integer", e);
        out->count = v;
        return 1;
    }
    if (r->col_idx[TRACE__COL_VALUE] >= 0 && r->field_len[TRACE__COL_VALUE] > 0) {
        double d;
        if (parse_number(r->field[TRACE__COL_VALUE], r->field_len[TRACE__COL_VALUE], &d) || d < 0)
            return bad_field(r, TRACE__COL_VALUE, "a non-negative number (or nothing)", e);
        out->demand = d * r->spec.demand_scale;
    }
    if (r->col_idx[TRACE__COL_CLASS] >= 0) {
        if (r->field_len[TRACE__COL_CLASS] >= TRACE__KEY_MAX)
            return err_at(e, ECS_EINPUT, r->path, (int) r->line_no,
                          trace__field_column(r, r->col_idx[TRACE__COL_CLASS]),
                          "%s: longer than %d bytes", r->cols[TRACE__COL_CLASS],
                          TRACE__KEY_MAX - 1);
        memcpy(out->key, r->field[TRACE__COL_CLASS], r->field_len[TRACE__COL_CLASS] + 1);
    }
    return 1;
}

/* trace_int.h -- what the trace reader's files share, and nothing else may
 * use: the access-log line parsers of trace_logs.c, which trace.c drives.
 * They are pure functions of one line (no state, no allocation), so the
 * reader's buffers stay fixed and the fuzzer can reach them directly. */
#ifndef ECSIM_TRACE_INT_H
#define ECSIM_TRACE_INT_H

#include <stddef.h>
#include <stdint.h>

#define TRACE__KEY_MAX 256 /* bytes of trace_record.key, NUL included */

/* One access-log entry as the reader needs it. */
typedef struct trace__logrec {
    int64_t t_us;             /* arrival, microseconds since 1970-01-01T00:00:00Z */
    double demand_s;          /* target_processing_time (ALB); < 0 for none */
    int status;               /* status code the client got; 0 for "-" */
    int t_column;             /* 1-based column of the time field, for messages */
    char key[TRACE__KEY_MAX]; /* URL path, no query; "" when the request has none */
} trace__logrec;

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

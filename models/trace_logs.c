/* trace_logs.c -- access logs into arrival records, for the two log formats
 * a trace can be: Elastic Load Balancing's Application Load Balancer
 * entries (space-separated, some fields in double quotes, new fields only
 * ever appended) and the Common and Combined Log Formats of Apache httpd and
 * NGINX. The line parsers are pure functions of a line (no state, no
 * allocation, any byte accepted); a malformed line yields the field's name
 * and column. Times are integer microseconds since 1970, so a log's
 * microsecond stamps survive the subtraction of its origin exactly. Logs are
 * written when a response ends, so their arrival times run a little out of
 * order: the reorder buffer at the end of this file puts them back. */
#include "models/trace_int.h"

#include <stdio.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

/* ALB fields in the documented order; the reader uses 1, 2, 7, 9, 13, 22. */
static const char *const alb_names[] = {"type",
                                        "time",
                                        "elb",
                                        "client:port",
                                        "target:port",
                                        "request_processing_time",
                                        "target_processing_time",
                                        "response_processing_time",
                                        "elb_status_code",
                                        "target_status_code",
                                        "received_bytes",
                                        "sent_bytes",
                                        "request",
                                        "user_agent",
                                        "ssl_cipher",
                                        "ssl_protocol",
                                        "target_group_arn",
                                        "trace_id",
                                        "domain_name",
                                        "chosen_cert_arn",
                                        "matched_rule_priority",
                                        "request_creation_time"};
enum { ALB_NFIELDS = 22, ALB_REQUIRED = 13 };
enum { F_TYPE = 0, F_TIME = 1, F_TARGET_TIME = 6, F_STATUS = 8, F_REQUEST = 12, F_CREATED = 21 };

typedef struct span {
    size_t off, len; /* the field's bytes, without the quotes */
    int quoted;
} span;

void trace__show(const char *s, size_t n, char *out, size_t out_len)
{
    size_t j = 0, lim = n > 40 ? 40 : n;
    for (size_t i = 0; i < lim && j + 1 < out_len; i++) {
        unsigned char c = (unsigned char) s[i];
        out[j++] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
    }
    for (size_t i = 0; n > lim && i < 3 && j + 1 < out_len; i++) out[j++] = '.';
    if (out_len) out[j < out_len ? j : out_len - 1] = '\0';
}

static int fail(int *column, size_t col0, char *why, size_t why_len, const char *field,
                const char *what, const char *s, size_t n)
{
    char shown[64];
    trace__show(s, n, shown, sizeof shown);
    *column = (int) col0 + 1;
    if (s)
        snprintf(why, why_len, "%s: expected %s, got \"%s\"", field, what, shown);
    else
        snprintf(why, why_len, "%s: %s", field, what);
    return -1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
 * era arithmetic of Howard Hinnant's days_from_civil; exact for any year). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* n decimal digits at s into *v; 0 or -1. */
static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

static int civil_us(int y, int mo, int d, int h, int mi, int sec, int64_t *out)
{
    if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    int64_t s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    *out = s * 1000000;
    return 0;
}

/* "2018-07-02T22:23:00.186641Z": a fraction of 0 to 9 digits (beyond the
 * sixth truncated), UTC only, as Elastic Load Balancing writes. */
static int parse_iso(const char *s, size_t n, int64_t *out)
{
    int y, mo, d, h, mi, sec;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
        return -1;
    size_t i = 19;
    int64_t frac = 0, scale = 1000000;
    if (s[i] == '.') {
        size_t k = ++i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (i - k < 6) frac += (s[i] - '0') * (scale /= 10);
        if (i == k || i - k > 9) return -1;
    }
    if (i + 1 != n || s[i] != 'Z') return -1;
    if (civil_us(y, mo, d, h, mi, sec, out)) return -1;
    *out += frac;
    return 0;
}

/* "10/Oct/2000:13:55:36 -0700" (the bracketed part of a CLF line), to UTC. */
static int parse_clf_time(const char *s, size_t n, int64_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int y, mo = 0, d, h, mi, sec, oh, om;
    if (n != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' ||
        s[20] != ' ' || (s[21] != '+' && s[21] != '-') || digits(s, 2, &d) ||
        digits(s + 7, 4, &y) || digits(s + 12, 2, &h) || digits(s + 15, 2, &mi) ||
        digits(s + 18, 2, &sec) || digits(s + 22, 2, &oh) || digits(s + 24, 2, &om))
        return -1;
    for (int i = 0; i < 12; i++)
        if (memcmp(s + 3, months + 3 * i, 3) == 0) mo = i + 1;
    if (!mo || oh > 23 || om > 59 || civil_us(y, mo, d, h, mi, sec, out)) return -1;
    int64_t off_s = (int64_t) (oh * 3600 + om * 60) * (s[21] == '-' ? -1 : 1);
    *out -= off_s * 1000000; /* local time minus its offset is UTC */
    return 0;
}

/* A decimal number of seconds: [-]digits[.digits]. Enough for ALB's
 * processing times ("0.001", "-1"); exponents never occur there. */
static int parse_seconds(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && s[i] == '-') neg = 1, i++;
    double v = 0, scale = 1;
    size_t d0 = i;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
    int nd = (int) (i - d0);
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++) v += (s[i] - '0') * (scale /= 10);
    }
    if (nd == 0 || i != n || nd > 30) return -1;
    *out = neg ? -v : v;
    return 0;
}

static int parse_status(const char *s, size_t n, int *out)
{
    if (n == 1 && s[0] == '-') {
        *out = 0;
        return 0;
    }
    if (n != 3 || digits(s, 3, out) || *out < 100) return -1;
    return 0;
}

void trace__request_path(const char *req, size_t len, char key[TRACE__KEY_MAX])
{
    key[0] = '\0';
    size_t i = 0;
    while (i < len && req[i] != ' ') i++; /* the method */
    while (i < len && req[i] == ' ') i++;
    size_t u = i;
    while (i < len && req[i] != ' ') i++;
    const char *url = req + u;
    size_t n = i - u;
    if (n == 0 || (n == 1 && url[0] == '-')) return;
    for (size_t k = 0; k + 2 < n; k++) {
        if (url[k] == ':' && url[k + 1] == '/' && url[k + 2] == '/') {
            size_t h = k + 3;
            while (h < n && url[h] != '/' && url[h] != '?' && url[h] != '#') h++;
            if (h == n || url[h] != '/') {
                key[0] = '/', key[1] = '\0';
                return;
            }
            url += h, n -= h;
            break;
        }
        if (url[k] == '/' || url[k] == '?') break; /* a path, not a scheme */
    }
    size_t m = 0;
    while (m < n && url[m] != '?' && url[m] != '#') m++;
    if (m > TRACE__KEY_MAX - 1) m = TRACE__KEY_MAX - 1;
    memcpy(key, url, m);
    key[m] = '\0';
}

/* Splits an ALB line into up to ALB_NFIELDS fields. Returns the count, or
 * -1 with the error filled (an unterminated quote or a missing space). */
static int alb_split(const char *s, size_t n, span *f, int *column, char *why, size_t why_len)
{
    size_t i = 0;
    int nf = 0;
    while (i < n && nf < ALB_NFIELDS) {
        span *sp = &f[nf];
        if (s[i] == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"') j += (s[j] == '\\' && j + 1 < n) ? 2 : 1;
            if (j >= n)
                return fail(column, i, why, why_len, alb_names[nf], "unterminated quoted field",
                            NULL, 0);
            *sp = (span){i + 1, j - i - 1, 1};
            i = j + 1;
        } else {
            size_t j = i;
            while (j < n && s[j] != ' ') j++;
            *sp = (span){i, j - i, 0};
            i = j;
        }
        nf++;
        if (i < n) {
            if (s[i] != ' ')
                return fail(column, i, why, why_len, alb_names[nf - 1],
                            "a space after the closing quote", s + i, 1);
            i++;
        }
    }
    return nf;
}

int trace__parse_alb(const char *s, size_t n, trace__logrec *out, int *column, char *why,
                     size_t why_len)
{
    span f[ALB_NFIELDS];
    int nf = alb_split(s, n, f, column, why, why_len);
    if (nf < 0) return -1;
    if (nf < ALB_REQUIRED) {
        char what[64];
        snprintf(what, sizeof what, "missing (the line ends after %d fields)", nf);
        return fail(column, n, why, why_len, alb_names[nf], what, NULL, 0);
    }
    static const char *const types[] = {"http", "https", "h2", "grpcs", "ws", "wss"};
    const span *t = &f[F_TYPE];
    int ok = 0;
    for (size_t k = 0; k < sizeof types / sizeof *types; k++)
        ok |= strlen(types[k]) == t->len && memcmp(s + t->off, types[k], t->len) == 0;
    if (!ok || t->quoted)
        return fail(column, t->off, why, why_len, alb_names[F_TYPE],
                    "http, https, h2, grpcs, ws or wss", s + t->off, t->len);
    /* The arrival is request_creation_time (when the balancer received the
     * request); `time` is when it answered, so it is used only by entries
     * written before request_creation_time existed. */
    int tf = nf > F_CREATED && !(f[F_CREATED].len == 1 && s[f[F_CREATED].off] == '-') ? F_CREATED
                                                                                      : F_TIME;
    const span *ts = &f[tf];
    if (parse_iso(s + ts->off, ts->len, &out->t_us))
        return fail(column, ts->off - (size_t) ts->quoted, why, why_len, alb_names[tf],
                    "an ISO 8601 UTC time like 2018-07-02T22:23:00.186641Z", s + ts->off, ts->len);
    out->t_column = (int) ts->off + 1;
    const span *d = &f[F_TARGET_TIME];
    if (d->quoted || parse_seconds(s + d->off, d->len, &out->demand_s))
        return fail(column, d->off, why, why_len, alb_names[F_TARGET_TIME],
                    "a number of seconds or -1", s + d->off, d->len);
    if (out->demand_s < 0) out->demand_s = -1;
    const span *st = &f[F_STATUS];
    if (st->quoted || parse_status(s + st->off, st->len, &out->status))
        return fail(column, st->off, why, why_len, alb_names[F_STATUS], "a status code or -",
                    s + st->off, st->len);
    const span *rq = &f[F_REQUEST];
    if (!rq->quoted)
        return fail(column, rq->off, why, why_len, alb_names[F_REQUEST],
                    "a quoted request line like \"GET https://host:443/path HTTP/1.1\"",
                    s + rq->off, rq->len);
    trace__request_path(s + rq->off, rq->len, out->key);
    return 0;
}

int trace__parse_clf(const char *s, size_t n, trace__logrec *out, int *column, char *why,
                     size_t why_len)
{
    size_t i = 0;
    while (i < n && s[i] != ' ') i++;
    if (i == 0) return fail(column, 0, why, why_len, "host", "a client host", s, n);
    /* ident and authuser are skipped up to the bracket: authuser may hold
     * spaces in the wild, and neither is used. */
    while (i < n && s[i] != '[') i++;
    if (i == n)
        return fail(column, n, why, why_len, "time",
                    "missing (expected [dd/Mon/yyyy:hh:mm:ss +zzzz])", NULL, 0);
    size_t t0 = i + 1, t1 = t0;
    while (t1 < n && s[t1] != ']') t1++;
    if (t1 == n || parse_clf_time(s + t0, t1 - t0, &out->t_us))
        return fail(column, i, why, why_len, "time", "[dd/Mon/yyyy:hh:mm:ss +zzzz]", s + i,
                    (t1 < n ? t1 + 1 : n) - i);
    out->t_column = (int) i + 1;
    i = t1 + 1;
    if (i + 1 >= n || s[i] != ' ' || s[i + 1] != '"')
        return fail(column, i < n ? i + 1 : n, why, why_len, "request",
                    i + 1 >= n ? "missing (the line ends after the time)"
                               : "a quoted request line like \"GET /index.html HTTP/1.1\"",
                    NULL, 0);
    size_t r0 = i + 2, r1 = r0;
    while (r1 < n && s[r1] != '"') r1 += (s[r1] == '\\' && r1 + 1 < n) ? 2 : 1;
    if (r1 >= n) return fail(column, i + 1, why, why_len, "request", "unterminated quote", NULL, 0);
    trace__request_path(s + r0, r1 - r0, out->key);
    i = r1 + 1;
    size_t c0 = i + 1, c1 = c0;
    if (i >= n || s[i] != ' ')
        return fail(column, i, why, why_len, "status", "missing (the line ends after the request)",
                    NULL, 0);
    while (c1 < n && s[c1] != ' ') c1++;
    if (parse_status(s + c0, c1 - c0, &out->status) || out->status == 0)
        return fail(column, c0, why, why_len, "status", "a three-digit status code", s + c0,
                    c1 - c0);
    size_t b0 = c1 + 1, b1 = b0;
    if (c1 >= n)
        return fail(column, n, why, why_len, "bytes", "missing (the line ends after the status)",
                    NULL, 0);
    while (b1 < n && s[b1] != ' ') b1++;
    int bytes_ok = b1 > b0;
    for (size_t k = b0; k < b1; k++) bytes_ok &= (s[k] >= '0' && s[k] <= '9');
    if (!bytes_ok && !(b1 - b0 == 1 && s[b0] == '-'))
        return fail(column, b0, why, why_len, "bytes", "a byte count or -", s + b0, b1 - b0);
    out->demand_s = -1; /* the formats record no service time */
    return 0;
}

static int heap_less(const trace__heap_ent *a, const trace__heap_ent *b)
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
    trace__heap_ent x = {*rec, r->seq++};
    while (i > 0 && heap_less(&x, &r->heap[(i - 1) / 2])) {
        r->heap[i] = r->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->heap[i] = x;
}

static void heap_pop(trace_reader *r, trace__logrec *out)
{
    *out = r->heap[0].rec;
    trace__heap_ent x = r->heap[--r->heap_n];
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
 * its earliest record is more than TRACE__REORDER_US older than the latest seen
 * (no later line may then precede it), the heap is full, or the file ends. */
int trace__log_row(trace_reader *r, trace__row *out, ecs_err *e)
{
    for (;;) {
        if (r->heap_n > 0 && (r->src_eof || r->heap_n >= TRACE__REORDER_MAX ||
                              r->heap[0].rec.t_us < r->max_seen_us - TRACE__REORDER_US)) {
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
        int rc = trace__read_line(r, e);
        if (rc < 0) return rc;
        if (rc == 0) {
            r->src_eof = 1;
            continue;
        }
        if (trace__blank(r->line, r->line_len)) continue;
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
                          (double) (r->last_out_us - rec.t_us) * 1e-6, TRACE__REORDER_MAX);
        if (r->heap_n == 0 || rec.t_us > r->max_seen_us) r->max_seen_us = rec.t_us;
        heap_push(r, &rec);
    }
}

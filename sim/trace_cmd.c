/* trace_cmd.c -- `ecsim trace stats FILE`: a trace's shape before a run.
 * Reads the rows as recorded (trace_next_raw: no placement, no transform)
 * and counts them into bins of 1, 10, 60 and 3600 s aligned on the trace's
 * origin, as they stream past: per width only the open bin, a running
 * Welford mean and variance (a run of empty bins is merged in one step),
 * and the peak; for the busiest hour a ring of one hour of steps (at most
 * 3600). A counts trace is aggregated only to widths that are multiples of
 * its own bins: finer rates are not in the data. */
#include "sim/trace_cmd.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "models/trace.h"
#include "sim/engine/xmalloc.h"

static const char usage_trace[] =
    "usage: ecsim trace stats FILE [options]\n"
    "\n"
    "Reads a recorded trace once, streamed, and prints its duration, total\n"
    "requests, mean rate, and at bin widths of 1, 10, 60 and 3600 s the peak\n"
    "rate, the peak-to-mean ratio and the index of dispersion of the counts\n"
    "(variance / mean), then the busiest hour.\n"
    "\n"
    "options:\n"
    "  --format F          counts, requests, alb or clf (default: guessed from the\n"
    "                      first line)\n"
    "  --time-column NAME  the CSV column of times in seconds (default t_seconds)\n"
    "  --bin-s W           a counts trace's bin width (default: from the first rows)\n"
    "  --rusage            print peak memory (peak_rss_kib=) and CPU time at the end\n"
    "  -h, --help          this help\n";

enum { NWIDTH = 4 };
static const double widths[NWIDTH] = {1, 10, 60, 3600};

/* Counts in bins of one width. */
typedef struct wstat {
    double w; /* bin width, s */
    int on;   /* computed for this trace */
    int started;
    int64_t first, cur; /* bin indices from the origin */
    double cur_n;       /* requests in the open bin */
    double n, mean, m2; /* Welford over closed bins, empty ones included */
    double peak;        /* the fullest bin's requests */
    int64_t peak_bin;
} wstat;

/* The busiest hour: sums over a sliding hour, one step at a time. */
typedef struct hour {
    double step;  /* s; 0 when the trace's bins do not divide an hour */
    int64_t n;    /* steps per hour */
    double *ring; /* the last n steps' requests */
    int started;
    int64_t first, cur; /* step indices from the origin */
    double cur_n;
    int64_t pushed; /* steps pushed so far */
    double sum;     /* of the ring */
    double best;
    int64_t best_start; /* step index */
    int have_best;
} hour;

static void ws_merge(wstat *s, double k, double mean, double m2)
{
    double n = s->n + k, d = mean - s->mean;
    s->mean += d * k / n;
    s->m2 += m2 + d * d * s->n * k / n;
    s->n = n;
}

static void ws_close(wstat *s)
{
    ws_merge(s, 1, s->cur_n, 0);
    if (s->cur_n > s->peak) {
        s->peak = s->cur_n;
        s->peak_bin = s->cur;
    }
}

static void ws_add(wstat *s, int64_t b, double count)
{
    if (!s->started) {
        s->started = 1;
        s->first = s->cur = s->peak_bin = b;
    } else if (b != s->cur) {
        ws_close(s);
        if (b - s->cur > 1) ws_merge(s, (double) (b - s->cur - 1), 0, 0);
        s->cur = b;
        s->cur_n = 0;
    }
    s->cur_n += count;
}

static void hour_push(hour *h, double v)
{
    int64_t slot = h->pushed % h->n;
    h->sum += v - h->ring[slot];
    h->ring[slot] = v;
    h->pushed++;
    if (h->pushed >= h->n && (!h->have_best || h->sum > h->best)) {
        h->best = h->sum;
        h->best_start = h->first + h->pushed - h->n;
        h->have_best = 1;
    }
}

static void hour_add(hour *h, int64_t b, double count)
{
    if (!h->step) return;
    if (!h->started) {
        h->started = 1;
        h->first = h->cur = b;
    } else if (b != h->cur) {
        hour_push(h, h->cur_n);
        /* empty steps: after an hour of them the ring is all zeros and stays so */
        int64_t gap = b - h->cur - 1, k = gap < h->n ? gap : h->n;
        for (int64_t i = 0; i < k; i++) hour_push(h, 0);
        h->pushed += gap - k;
        h->cur = b;
        h->cur_n = 0;
    }
    h->cur_n += count;
}

static int bad(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(FILE *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ecsim: ", err);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fputc('\n', err);
    return 2;
}

/* The format from the first non-blank line: an ALB entry starts with its
 * type, a CLF line has a bracketed time and a quoted request, and a CSV
 * header with a "requests" column is a counts trace. Unreadable files are
 * left to trace_open to report. */
static trace_format guess_format(const char *path)
{
    trace_format f = TRACE_COUNTS;
    gzFile gz = gzopen(path, "rb");
    if (!gz) return f;
    char line[4096];
    while (gzgets(gz, line, sizeof line)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (strspn(line, " \t") == n) continue;
        static const char *const alb[] = {"http ", "https ", "h2 ", "grpcs ", "ws ", "wss "};
        int is_alb = 0;
        for (size_t i = 0; i < sizeof alb / sizeof *alb; i++)
            is_alb |= strncmp(line, alb[i], strlen(alb[i])) == 0;
        if (is_alb) {
            f = TRACE_ALB;
        } else if (strstr(line, " [") && strstr(line, "] \"")) {
            f = TRACE_CLF;
        } else {
            f = TRACE_REQUESTS;
            for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ","))
                if (strcmp(tok, "requests") == 0 || strcmp(tok, "\"requests\"") == 0)
                    f = TRACE_COUNTS;
        }
        break;
    }
    gzclose(gz);
    return f;
}

static void print_width(FILE *out, const wstat *s, double total, double bin_s)
{
    if (!s->on) {
        fprintf(out, "%7g %10s %10s %15s %12s %10s  (finer than the trace's %g s bins)\n", s->w,
                "-", "-", "-", "-", "-", bin_s);
        return;
    }
    char disp[32] = "-", ptm[32] = "-";
    if (s->n > 1 && s->mean > 0) snprintf(disp, sizeof disp, "%.4f", s->m2 / (s->n - 1) / s->mean);
    if (total > 0) snprintf(ptm, sizeof ptm, "%.4f", s->peak * s->n / total);
    fprintf(out, "%7g %10.0f %10.0f %15.6g %12s %10s\n", s->w, s->n, s->peak, s->peak / s->w, ptm,
            disp);
}

/* w is a whole multiple (1, 2, ...) of bin, allowing for rounding. */
static int multiple(double w, double bin)
{
    double q = w / bin;
    return q >= 1 - 1e-9 && fabs(q - nearbyint(q)) < 1e-9 * q;
}

static int stats(const trace_spec *spec, FILE *out, ecs_err *e)
{
    trace_reader *r = trace_open(spec, NULL, e);
    if (!r) return e->code;
    double bin = trace_bin_width(r);
    wstat ws[NWIDTH];
    memset(ws, 0, sizeof ws);
    for (int i = 0; i < NWIDTH; i++) {
        ws[i].w = widths[i];
        ws[i].on = bin == 0 || multiple(widths[i], bin);
    }
    hour h;
    memset(&h, 0, sizeof h);
    /* steps of the trace's bins, or of 1 s for requests and finer bins */
    h.step = bin > 1 ? bin : 1;
    if (multiple(3600, h.step) && (bin == 0 || multiple(h.step, bin))) {
        h.n = (int64_t) nearbyint(3600 / h.step);
        h.ring = xcalloc((size_t) h.n, sizeof *h.ring);
    } else {
        h.step = 0;
    }
    /* counts bins are placed by their start, allowing for its rounding;
     * request times are binned exactly */
    double eps = bin ? 1e-9 : 0;
    double t, count, total = 0, first = 0, last = 0;
    uint64_t rows = 0;
    int rc;
    while ((rc = trace_next_raw(r, &t, &count, e)) == 1) {
        if (rows++ == 0) first = t;
        last = t;
        total += count;
        for (int i = 0; i < NWIDTH; i++)
            if (ws[i].on) ws_add(&ws[i], (int64_t) floor(t / ws[i].w + eps), count);
        if (h.step) hour_add(&h, (int64_t) floor(t / h.step + eps), count);
    }
    trace_close(r);
    if (rc < 0) {
        free(h.ring);
        return rc;
    }
    double duration = rows ? last + bin - first : 0;
    fprintf(out, "trace: %s (%s", spec->path, trace_format_name(spec->format));
    if (bin) fprintf(out, ", %g s bins", bin);
    fprintf(out, ")\nrows: %llu\nduration_s: %.10g\nrequests: %.0f\n", (unsigned long long) rows,
            duration, total);
    if (duration > 0)
        fprintf(out, "mean_rate_per_s: %.6g\n", total / duration);
    else
        fprintf(out, "mean_rate_per_s: -\n");
    fprintf(out, "%7s %10s %10s %15s %12s %10s\n", "bin_s", "bins", "peak", "peak_rate_per_s",
            "peak_to_mean", "dispersion");
    for (int i = 0; i < NWIDTH; i++) {
        if (ws[i].started) ws_close(&ws[i]);
        if (rows || !ws[i].on) print_width(out, &ws[i], total, bin);
    }
    if (h.step && rows) {
        hour_push(&h, h.cur_n);
        if (!h.have_best) h.best = h.sum, h.best_start = h.first;
        fprintf(out, "busiest_hour_start_s: %.10g\nbusiest_hour_requests: %.0f\n",
                (double) h.best_start * h.step, h.best);
    } else if (!h.step) {
        fprintf(out, "busiest_hour: - (the trace's %g s bins do not divide an hour)\n", bin);
    }
    free(h.ring);
    return ECS_OK;
}

/* "--opt VALUE" or "--opt=VALUE"; NULL when argv[*i] is not this option,
 * or when it is but its value is missing (*missing set then). */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) == 0 && a[n] == '=') return a + n + 1;
    if (strcmp(a, name) != 0) return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int trace_cmd_main(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 1) return bad(err, "trace: expected a subcommand: stats (see ecsim trace --help)");
    if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
        fputs(usage_trace, out);
        return 0;
    }
    if (strcmp(argv[0], "stats") != 0)
        return bad(err, "trace: unknown subcommand \"%s\" (see ecsim trace --help)", argv[0]);
    trace_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.time_column = "t_seconds";
    spec.demand_column = "";
    spec.class_column = "";
    spec.demand_scale = spec.time_scale = spec.rate_scale = 1;
    spec.window_end_s = INFINITY;
    int have_format = 0, rusage = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_trace, out);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--format", &missing))) {
            if (trace_format_parse(v, &spec.format) != 0)
                return bad(err, "--format: expected counts, requests, alb or clf, got \"%s\"", v);
            have_format = 1;
        } else if ((v = opt_value(argc, argv, &i, "--time-column", &missing))) {
            spec.time_column = v;
        } else if ((v = opt_value(argc, argv, &i, "--bin-s", &missing))) {
            char *end;
            spec.bin_s = strtod(v, &end);
            if (!*v || *end || !isfinite(spec.bin_s) || spec.bin_s <= 0)
                return bad(err, "--bin-s: expected a number of seconds > 0, got \"%s\"", v);
        } else if (missing) {
            return bad(err, "%s: expected a value", a);
        } else if (strcmp(a, "--rusage") == 0) {
            rusage = 1;
        } else if (a[0] == '-' && a[1]) {
            return bad(err, "trace stats: unknown option %s (see ecsim trace --help)", a);
        } else if (!spec.path) {
            spec.path = a;
        } else {
            return bad(err, "trace stats: one FILE at a time, got another: %s", a);
        }
    }
    if (!spec.path) return bad(err, "trace stats: expected a trace FILE");
    if (!have_format) spec.format = guess_format(spec.path);
    ecs_err e;
    err_clear(&e);
    int rc = stats(&spec, out, &e);
    if (rc != ECS_OK) {
        bad(err, "%s", e.msg);
        return err_exit_code(rc);
    }
    if (rusage) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        fprintf(out, "peak_rss_kib=%ld\nuser_s=%.3f\n", ru.ru_maxrss,
                (double) ru.ru_utime.tv_sec + 1e-6 * (double) ru.ru_utime.tv_usec);
    }
    return 0;
}

/* fuzz_trace.c -- libFuzzer target for the trace readers (`make fuzz`).
 * Any byte string is a trace file, read as each of the four formats twice
 * (as recorded, and through a window, loop, rate scale and Poisson
 * placement), then summarised by `ecsim trace stats`, which reads the rows
 * raw. Each read must end or fail with a message, give arrivals in order,
 * and never crash, leak or read out of bounds. The input reaches zlib
 * through a memfd, by path, as a user's file would (gzip inputs are
 * inflated like any .gz trace). Reads stop after MAX_ARRIVALS (a one-line
 * counts file may ask for 10^15), and a looped read after MAX_LOOPED: a
 * window that holds a sliver of one bin yields an arrival every hundred
 * passes or so, each pass a rewind. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "models/trace.h"
#include "sim/trace_cmd.h"

#define MAX_ARRIVALS 4096 /* per read */
#define MAX_LOOPED   64   /* per looped read: each pass re-reads the file */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_through(const trace_spec *s, gsl_rng *g, int max)
{
    ecs_err e;
    err_clear(&e);
    trace_reader *r = trace_open(s, g, &e);
    if (!r) {
        if (e.msg[0] == '\0') __builtin_trap(); /* an error must say what is wrong */
        return;
    }
    trace_record rec;
    double last = -INFINITY;
    int rc = 1;
    for (int i = 0; i < max && rc == 1; i++) {
        rc = trace_next(r, &rec, &e);
        if (rc == 1) {
            if (!(rec.t_s >= last) || strnlen(rec.key, sizeof rec.key) == sizeof rec.key)
                __builtin_trap(); /* out of order, NaN, or an unterminated key */
            last = rec.t_s;
        }
    }
    if (rc < 0 && e.msg[0] == '\0') __builtin_trap();
    trace_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gsl_set_error_handler_off();
    int fd = memfd_create("trace", 0);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t) size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
    FILE *null = fopen("/dev/null", "w");
    for (int f = TRACE_COUNTS; f <= TRACE_CLF; f++) {
        trace_spec s;
        memset(&s, 0, sizeof s);
        s.path = path;
        s.format = (trace_format) f;
        s.time_column = "t_seconds";
        s.demand_column = "demand_ms";
        s.class_column = "endpoint";
        s.demand_scale = 0.001;
        s.time_scale = s.rate_scale = 1;
        s.window_end_s = INFINITY;
        gsl_rng_set(g, 1);
        read_through(&s, g, MAX_ARRIVALS);
        /* the transformations, and the columns absent */
        s.demand_column = s.class_column = "";
        s.window_start_s = 0.5;
        s.window_end_s = 90;
        s.loop = 1;
        s.rate_scale = 1.7;
        s.time_scale = 3;
        s.shift_s = 10;
        s.placement_poisson = 1;
        read_through(&s, g, MAX_LOOPED);
        char *argv[] = {"stats", path, "--format", (char *) trace_format_name(s.format), NULL};
        int rc = trace_cmd_main(4, argv, null, null);
        if (rc != 0 && rc != 2) __builtin_trap();
    }
    fclose(null);
    gsl_rng_free(g);
    close(fd);
    return 0;
}

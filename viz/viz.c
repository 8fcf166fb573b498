/* viz.c -- what the visualiser's commands share: option parsing helpers
 * and viz_snapshot, a run stopped at a given time with its picture data. */
#include "viz/viz.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "viz/watch.h"

const char *viz_opt(int argc, char **argv, int *i, const char *lng, const char *shrt, int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(lng);
    *missing = 0;
    if (strncmp(a, lng, n) == 0 && a[n] == '=') return a + n + 1;
    if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
        if (*i + 1 >= argc) {
            *missing = 1;
            return NULL;
        }
        return argv[++*i];
    }
    return NULL;
}

int viz_parse_size(const char *s, int *w, int *h)
{
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (errno || end == s || (*end != 'x' && *end != 'X')) return -1;
    const char *p = end + 1;
    long b = strtol(p, &end, 10);
    if (errno || end == p || *end || a < 320 || b < 320 || a > 8192 || b > 8192) return -1;
    *w = (int) a;
    *h = (int) b;
    return 0;
}

int viz_parse_real(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return errno || end == s || *end || !isfinite(*v) ? -1 : 0;
}

int viz_usage_error(FILE *err, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ecsim: ", err);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fprintf(err, "\n(see ecsim %s --help)\n", cmd);
    return 2;
}

/* ---- a run stopped at a time ---- */

typedef struct snap {
    watch *wt;
    double at_s;
    int quit; /* the observer ended the run */
} snap;

static void snap_begin(void *ctx, const struct cluster *c, const params *p, const char *scenario)
{
    snap *s = ctx;
    watch_begin(s->wt, c, p, scenario);
}

static void snap_line(void *ctx, const char *line, size_t len)
{
    snap *s = ctx;
    watch_event_line(s->wt, line, len);
}

static observe_action snap_advance(void *ctx, const struct cluster *c, const observe_status *st,
                                   double *until_s)
{
    (void) c;
    snap *s = ctx;
    double next = watch_samples(s->wt, st);
    if (st->now_s >= s->at_s || st->ended) {
        watch_refresh(s->wt, st->now_s);
        s->quit = 1;
        return OBSERVE_QUIT; /* nothing is written */
    }
    *until_s = next < s->at_s ? next : s->at_s;
    return OBSERVE_RUN;
}

static void snap_finish(void *ctx, const struct cluster *c, int rc, const char *dir)
{
    (void) c;
    (void) rc;
    (void) dir;
    snap *s = ctx;
    s->wt->c = NULL;
}

int viz_snapshot(const run_opts *o, double at_s, watch *wt, ecs_err *e)
{
    snap s = {wt, at_s, 0};
    run_observer obs = {&s, snap_begin, snap_advance, snap_line, snap_finish};
    run_opts ro = *o;
    ro.observer = &obs;
    ro.quiet = 1;
    int rc = run_scenario(&ro, stdout, NULL, e);
    /* the observer's quit is how a snapshot ends */
    if (rc == ECS_EINTR && s.quit) {
        err_clear(e);
        rc = ECS_OK;
    }
    return rc;
}

/* render.c -- `ecsim render`: the cluster picture at simulated times, as
 * PNG files, with no display. --at T stops the run at T and draws it;
 * --every S draws a frame at every multiple of S until the run ends;
 * --bench N draws the picture at T N times and reports frames per second
 * (make bench). The run's own result files are not written: a picture is
 * not a run's result, and a half-run must not leave results behind. */
#include <SDL.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/engine/afile.h"
#include "sim/engine/xmalloc.h"
#include "viz/canvas.h"
#include "viz/layout.h"
#include "viz/scene.h"
#include "viz/viz.h"
#include "viz/watch.h"

static const char usage_render[] =
    "usage: ecsim render FILE --at T [-o cluster.png]\n"
    "       ecsim render FILE --every S [-o DIR]\n"
    "       ecsim render FILE --at T --bench N\n"
    "       ecsim render --synthetic HOSTSxTASKS --bench N\n"
    "\n"
    "Draws the cluster of scenario FILE as `ecsim view` shows it, into PNG files,\n"
    "without a display: hosts by zone, task blocks, the load balancers, the charts\n"
    "and the last events.csv lines. The run's result files are not written.\n"
    "\n"
    "options:\n"
    "  --at T              the picture at simulated time T s (default -o:\n"
    "                      results/<FILE's name>/cluster-t<T>.png)\n"
    "  --every S           a frame at t = 0, S, 2S, ... until the run ends, into\n"
    "                      DIR/frame-00000.png, ... (default DIR: results/<name>/frames)\n"
    "  -o, --out PATH      the PNG (--at) or the directory of frames (--every)\n"
    "  --size WxH          picture size in pixels (default 1280x800)\n"
    "  --until T           with --every: stop at simulated time T\n"
    "  --bench N           draw the picture N times and print frames per second\n"
    "  --synthetic HxT     with --bench: a made-up world of H hosts and T tasks\n"
    "  --seed N, --set PATH=VALUE   as for ecsim run\n"
    "  -h, --help          this help\n";

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* "results/<basename>" as ecsim run names it. */
static void default_dir(const char *scenario, char *buf, size_t len)
{
    run_default_out_dir(scenario, buf, len);
}

static int ensure_parent(const char *path, ecs_err *e)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return ECS_OK;
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int) (slash - path), path);
    return afile_mkdirs(dir, e);
}

/* ---- --every: frames while the run goes ---- */

typedef struct frames {
    watch wt;
    canvas *cv;
    layout l;
    double every, next;
    uint64_t k;
    const char *dir;
    int quit, failed;
    ecs_err err;
    double last_t;
} frames;

static void fr_begin(void *ctx, const struct cluster *c, const params *p, const char *scenario)
{
    frames *f = ctx;
    watch_begin(&f->wt, c, p, scenario);
}

static void fr_line(void *ctx, const char *line, size_t len)
{
    frames *f = ctx;
    watch_event_line(&f->wt, line, len);
}

static int fr_draw(frames *f, double now)
{
    char path[4200];
    watch_refresh(&f->wt, now);
    scene_draw(f->cv, &f->l, &f->wt.world, &f->wt.hist, NULL);
    snprintf(path, sizeof path, "%s/frame-%05llu.png", f->dir, (unsigned long long) f->k);
    f->k++;
    f->last_t = now;
    return cv_save_png(f->cv, path, &f->err);
}

static observe_action fr_advance(void *ctx, const struct cluster *c, const observe_status *st,
                                 double *until_s)
{
    (void) c;
    frames *f = ctx;
    double ns = watch_samples(&f->wt, st);
    while (st->now_s >= f->next) {
        if (fr_draw(f, st->now_s) != ECS_OK) {
            f->failed = 1;
            return OBSERVE_QUIT;
        }
        f->next = (double) f->k * f->every;
    }
    if (st->ended) {
        f->quit = 1;
        return OBSERVE_QUIT;
    }
    *until_s = ns < f->next ? ns : f->next;
    return OBSERVE_RUN;
}

static void fr_finish(void *ctx, const struct cluster *c, int rc, const char *dir)
{
    (void) c;
    (void) rc;
    (void) dir;
    frames *f = ctx;
    f->wt.c = NULL;
}

static int render_every(const run_opts *o, double every, const char *dir, int w, int h, FILE *out,
                        FILE *err)
{
    ecs_err e;
    err_clear(&e);
    if (afile_mkdirs(dir, &e) != ECS_OK) {
        fprintf(err, "ecsim: %s\n", e.msg);
        return 2;
    }
    frames f;
    memset(&f, 0, sizeof f);
    watch_init(&f.wt);
    layout_init(&f.l);
    err_clear(&f.err);
    f.every = every;
    f.dir = dir;
    f.cv = canvas_new(w, h, &e);
    int rc = 0;
    if (!f.cv) {
        rc = err_exit_code(e.code);
        fprintf(err, "ecsim: %s\n", e.msg);
    } else {
        run_observer obs = {&f, fr_begin, fr_advance, fr_line, fr_finish};
        run_opts ro = *o;
        ro.observer = &obs;
        ro.quiet = 1;
        int r = run_scenario(&ro, out, NULL, &e);
        if (f.failed) {
            fprintf(err, "ecsim: %s\n", f.err.msg);
            rc = err_exit_code(f.err.code);
        } else if (r != ECS_OK && !(r == ECS_EINTR && f.quit)) {
            fprintf(err, "ecsim: %s\n", e.msg);
            rc = err_exit_code(r);
        } else {
            fprintf(out, "render: %llu frames of %dx%d in %s/ (t = 0 .. %g s every %g s)\n",
                    (unsigned long long) f.k, w, h, dir, f.last_t, every);
        }
    }
    canvas_free(f.cv);
    layout_fini(&f.l);
    watch_fini(&f.wt);
    return rc;
}

/* ---- --at and --bench ---- */

static int render_at(const run_opts *o, double at, const char *path, int w, int h, int bench,
                     const char *synthetic, FILE *out, FILE *err)
{
    ecs_err e;
    err_clear(&e);
    watch wt;
    watch_init(&wt);
    int rc = ECS_OK;
    if (synthetic) {
        unsigned nh = 0, nt = 0;
        if (sscanf(synthetic, "%ux%u", &nh, &nt) != 2 || nh < 1 || nh > 100000 || nt > 1000000) {
            watch_fini(&wt);
            return viz_usage_error(err, "render", "--synthetic: expected HOSTSxTASKS, got \"%s\"",
                                   synthetic);
        }
        world_synthetic(&wt.world, nh, nt);
        wt.world.duration_s = 3600;
        wt.world.slo_p99_s = 0.2;
        history_init(&wt.hist, wt.world.n_services, 6);
        wt.began = 1;
        history_synthetic(&wt.hist, 301); /* half an hour of made-up samples */
        wt.world.now_s = 1800;
    } else {
        rc = viz_snapshot(o, at, &wt, &e);
    }
    if (rc != ECS_OK) {
        fprintf(err, "ecsim: %s\n", e.msg);
        watch_fini(&wt);
        return err_exit_code(rc);
    }
    canvas *cv = canvas_new(w, h, &e);
    if (!cv) {
        fprintf(err, "ecsim: %s\n", e.msg);
        watch_fini(&wt);
        return err_exit_code(e.code);
    }
    layout l;
    layout_init(&l);
    int code = 0;
    scene_draw(cv, &l, &wt.world, &wt.hist, NULL); /* and the text cache is warm */
    if (bench > 0) {
        double t0 = wall_now();
        for (int i = 0; i < bench; i++) scene_draw(cv, &l, &wt.world, &wt.hist, NULL);
        double dt = wall_now() - t0;
        fprintf(out,
                "render: %d frames of %dx%d in %.3f s: %.1f frames/s (%u hosts, %u tasks, "
                "offscreen, software)\n",
                bench, w, h, dt, dt > 0 ? bench / dt : INFINITY, wt.world.n_hosts,
                wt.world.n_tasks);
    }
    if (path) {
        if (ensure_parent(path, &e) != ECS_OK || cv_save_png(cv, path, &e) != ECS_OK) {
            fprintf(err, "ecsim: %s\n", e.msg);
            code = err_exit_code(e.code);
        } else {
            fprintf(out, "render: %s (t = %g s%s)\n", path, wt.world.now_s,
                    !synthetic && wt.world.now_s < at ? ", where the run ended" : "");
        }
    }
    layout_fini(&l);
    canvas_free(cv);
    watch_fini(&wt);
    return code;
}

int viz_render_main(int argc, char **argv, FILE *out, FILE *err)
{
    run_opts o;
    memset(&o, 0, sizeof o);
    o.until_s = INFINITY;
    const char **sets = xcalloc((size_t) argc + 1, sizeof *sets);
    double at = NAN, every = NAN;
    const char *path = NULL, *synthetic = NULL;
    int w = 1280, h = 800, bench = 0, rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v;
        int missing;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_render, out);
            free(sets);
            return 0;
        } else if ((v = viz_opt(argc, argv, &i, "--at", NULL, &missing))) {
            if (viz_parse_real(v, &at) != 0 || at < 0)
                rc = viz_usage_error(err, "render", "--at: expected seconds >= 0, got \"%s\"", v);
        } else if ((v = viz_opt(argc, argv, &i, "--every", NULL, &missing))) {
            if (viz_parse_real(v, &every) != 0 || every <= 0)
                rc = viz_usage_error(err, "render", "--every: expected seconds > 0, got \"%s\"", v);
        } else if ((v = viz_opt(argc, argv, &i, "--until", NULL, &missing))) {
            if (viz_parse_real(v, &o.until_s) != 0 || o.until_s <= 0)
                rc = viz_usage_error(err, "render", "--until: expected seconds > 0, got \"%s\"", v);
        } else if ((v = viz_opt(argc, argv, &i, "--out", "-o", &missing))) {
            path = v;
        } else if ((v = viz_opt(argc, argv, &i, "--size", NULL, &missing))) {
            if (viz_parse_size(v, &w, &h) != 0)
                rc = viz_usage_error(err, "render",
                                     "--size: expected WxH, each 320 to 8192, got \"%s\"", v);
        } else if ((v = viz_opt(argc, argv, &i, "--bench", NULL, &missing))) {
            double n;
            if (viz_parse_real(v, &n) != 0 || n < 1 || n > 1e6 || n != floor(n))
                rc =
                    viz_usage_error(err, "render", "--bench: expected a count >= 1, got \"%s\"", v);
            bench = (int) n;
        } else if ((v = viz_opt(argc, argv, &i, "--synthetic", NULL, &missing))) {
            synthetic = v;
        } else if ((v = viz_opt(argc, argv, &i, "--set", NULL, &missing))) {
            sets[o.n_sets++] = v;
        } else if ((v = viz_opt(argc, argv, &i, "--seed", NULL, &missing))) {
            double s;
            if (viz_parse_real(v, &s) != 0 || s < 0 || s > 9007199254740992.0 || s != floor(s))
                rc = viz_usage_error(err, "render",
                                     "--seed: expected an integer in [0, 2^53], got \"%s\"", v);
            o.seed = (uint64_t) s;
            o.seed_given = 1;
        } else if (missing) {
            rc = viz_usage_error(err, "render", "%s: expected a value", a);
        } else if (a[0] == '-' && a[1]) {
            rc = viz_usage_error(err, "render", "render: unknown option %s", a);
        } else if (!o.scenario) {
            o.scenario = a;
        } else {
            rc = viz_usage_error(err, "render",
                                 "render: one scenario file at a time, got another: %s", a);
        }
    }
    if (rc == 0 && synthetic && !bench)
        rc = viz_usage_error(err, "render", "--synthetic: needs --bench N");
    if (rc == 0 && !synthetic && !o.scenario)
        rc = viz_usage_error(err, "render", "render: expected a scenario FILE");
    if (rc == 0 && !synthetic && isnan(at) && isnan(every))
        rc = viz_usage_error(err, "render", "render: expected --at T or --every S");
    if (rc == 0 && !isnan(at) && !isnan(every))
        rc = viz_usage_error(err, "render", "render: --at and --every exclude each other");
    if (rc == 0 && bench && !isnan(every))
        rc = viz_usage_error(err, "render", "--bench: goes with --at T (or --synthetic)");
    if (rc == 0) {
        ecs_err e;
        err_clear(&e);
        if (viz_libs_init(&e) != ECS_OK) {
            fprintf(err, "ecsim: %s\n", e.msg);
            rc = err_exit_code(e.code);
        }
    }
    if (rc == 0) {
        o.sets = sets;
        char def[4200];
        if (!isnan(every)) {
            if (!path) {
                default_dir(o.scenario, def, sizeof def - 16);
                strcat(def, "/frames");
                path = def;
            }
            rc = render_every(&o, every, path, w, h, out, err);
        } else {
            if (!path && !bench) {
                char d[4096];
                default_dir(o.scenario, d, sizeof d);
                snprintf(def, sizeof def, "%s/cluster-t%g.png", d, at);
                path = def;
            }
            rc = render_at(&o, isnan(at) ? 0 : at, path, w, h, bench, synthetic, out, err);
        }
        viz_libs_quit();
    }
    free(sets);
    return rc;
}

/* test_viz.c -- the visualiser: pictures, charts, the window.
 *
 * In a VIZ=0 build only the first test runs: view, render and plot say they
 * were built without the visualiser and exit 2. In the default build:
 * - the layout: boxes in their zone, sized by capacity, task blocks in their
 *   host's box as wide and high as their reservations;
 * - `ecsim render` of a fixed scenario and time against a golden picture,
 *   by pixel statistics (thresholds below), and a deliberately wrong
 *   picture (a host left out) must fail the same comparison;
 * - `ecsim render --every` writes one frame per step;
 * - the window under Xvfb (`xvfb-run`, installed by make test): it opens,
 *   draws N frames, and its screenshot shows the host boxes and task blocks
 *   where the layout puts them, by colour; watched to its end it writes the
 *   same files as `ecsim run`; its keys step, jump and restart;
 * - `ecsim plot` on a CSV made here: PNG size, and the line where the data
 *   put it; bad input: a clear message and exit 2.
 * Writing the golden again (after a deliberate change of the picture):
 *   ECSIM_UPDATE_GOLDEN=1 build/tests/test_viz
 * then look at tests/golden/viz/golden-t120.png before committing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/testutil.h"

#ifdef ECSIM_VIZ
#include <SDL.h>
#include <SDL_image.h>

#include "viz/canvas.h"
#include "viz/chart.h"
#include "viz/layout.h"
#include "viz/scene.h"
#include "viz/viz.h"
#include "viz/watch.h"
#endif

static void test_commands_exist_or_say_why(void **state)
{
    (void) state;
    static const char *const cmds[][4] = {{"view", "scenarios/quickstart.yaml", "--help", NULL},
                                          {"render", "--help", NULL, NULL},
                                          {"plot", "--help", NULL, NULL}};
    for (size_t i = 0; i < 3; i++) {
        tu_cli r = tu_run_cli(cmds[i]);
#ifdef ECSIM_VIZ
        assert_int_equal(r.rc, 0);
        assert_non_null(strstr(r.out, "usage: ecsim"));
#else
        assert_int_equal(r.rc, 2);
        assert_non_null(strstr(r.err, "built without the visualiser"));
#endif
        tu_cli_free(&r);
    }
}

#ifdef ECSIM_VIZ

#define GOLDEN_SCENARIO "tests/data/viz/golden.yaml"
#define GOLDEN_PNG      "tests/golden/viz/golden-t120.png"
#define GOLDEN_T        120.0
#define GW              960
#define GH              600

/* ---- helpers ---- */

/* Runs a shell command; its stdout and stderr into *out (caller frees). */
static int sh(const char *cmd, char **out)
{
    char full[8192];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 1024) buf = realloc(buf, cap *= 2);
    }
    buf[len] = 0;
    int st = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *ecsim_bin(void)
{
    const char *b = getenv("ECSIM_BIN");
    return b && *b ? b : "build/ecsim";
}

/* xvfb-run with a screen big enough for the window */
#define XVFB "xvfb-run -a -s '-screen 0 1400x1000x24' "

static SDL_Surface *load_rgb(const char *path)
{
    SDL_Surface *s = IMG_Load(path);
    if (!s) fail_msg("cannot load %s: %s", path, IMG_GetError());
    SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB888, 0);
    SDL_FreeSurface(s);
    assert_non_null(c);
    return c;
}

static uint32_t px(const SDL_Surface *s, int x, int y)
{
    if (x < 0 || y < 0 || x >= s->w || y >= s->h) return 0xff000000u;
    return ((const uint32_t *) ((const uint8_t *) s->pixels + (size_t) y * (size_t) s->pitch))[x] &
           0xffffff;
}

/* The share of a (2r+1)^2 patch around (x, y) that is exactly rgb. */
static double patch_share(const SDL_Surface *s, int x, int y, int r, uint32_t rgb)
{
    int hit = 0, n = 0;
    for (int j = -r; j <= r; j++)
        for (int i = -r; i <= r; i++, n++) hit += px(s, x + i, y + j) == rgb;
    return (double) hit / n;
}

/* The golden scenario's picture data at GOLDEN_T. */
static void golden_snapshot(watch *wt)
{
    run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = GOLDEN_SCENARIO;
    o.until_s = INFINITY;
    ecs_err e;
    err_clear(&e);
    watch_init(wt);
    int rc = viz_snapshot(&o, GOLDEN_T, wt, &e);
    if (rc != ECS_OK) fail_msg("%s", e.msg);
    assert_true(wt->world.now_s == GOLDEN_T);
}

static int setup(void **state)
{
    (void) state;
    ecs_err e;
    err_clear(&e);
    if (viz_libs_init(&e) != ECS_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void) state;
    viz_libs_quit();
    SDL_Quit();
    return 0;
}

/* ---- the layout ---- */

static int overlap(cv_rect a, cv_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static int within(cv_rect in, cv_rect out)
{
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w &&
           in.y + in.h <= out.y + out.h;
}

static void test_layout(void **state)
{
    (void) state;
    watch wt;
    golden_snapshot(&wt);
    const vw_world *w = &wt.world;
    layout l;
    layout_init(&l);
    layout_compute(&l, w, GW, GH);
    assert_int_equal(w->n_hosts, 4);
    const vw_host *big = NULL, *small = NULL;
    cv_rect rb = {0, 0, 0, 0}, rs = {0, 0, 0, 0};
    for (uint32_t i = 0; i < w->n_hosts; i++) {
        assert_true(within(l.host[i], l.cluster));
        for (uint32_t j = 0; j < i; j++) assert_false(overlap(l.host[i], l.host[j]));
        /* in its zone's column */
        int found = 0;
        for (uint32_t z = 0; z < l.n_zones; z++)
            if (strcmp(l.zones[z].name, w->hosts[i].zone) == 0) {
                assert_true(within(l.host[i], l.zones[z].r));
                found = 1;
            }
        assert_true(found);
        if (strcmp(w->hosts[i].type, "m5.xlarge") == 0) big = &w->hosts[i], rb = l.host[i];
        if (strcmp(w->hosts[i].name, "a-1") == 0) small = &w->hosts[i], rs = l.host[i];
    }
    assert_non_null(big);
    assert_non_null(small);
    /* one scale: width by CPU units, height by memory (rounding: 1 px) */
    assert_true(fabs(rb.w - rs.w * big->cpu_units / small->cpu_units) <= 1.5);
    assert_true(fabs(rb.h - rs.h * big->mem_mib / small->mem_mib) <= 1.5);
    /* blocks inside their host box; the staircase spans the reservations */
    for (uint32_t i = 0; i < w->n_hosts; i++) {
        int minx = 1 << 30, maxx = -1, miny = 1 << 30, maxy = -1, n = 0;
        for (uint32_t k = 0; k < w->n_tasks; k++) {
            if (w->tasks[k].host != i) continue;
            cv_rect r = l.task[k];
            assert_true(within(r, l.host[i]));
            for (uint32_t j = 0; j < k; j++)
                if (w->tasks[j].host == i) assert_false(overlap(r, l.task[j]));
            if (r.x < minx) minx = r.x;
            if (r.x + r.w > maxx) maxx = r.x + r.w;
            if (r.y < miny) miny = r.y;
            if (r.y + r.h > maxy) maxy = r.y + r.h;
            n++;
        }
        if (!n) continue;
        int in = l.border + 1, iw = l.host[i].w - 2 * in, ih = l.host[i].h - 2 * in;
        double cpu = (double) (maxx - minx) / iw, mem = (double) (maxy - miny) / ih;
        assert_true(fabs(cpu - w->hosts[i].cpu_used / w->hosts[i].cpu_units) <= 1.5 / iw);
        assert_true(fabs(mem - w->hosts[i].mem_used / w->hosts[i].mem_mib) <= 1.5 / ih);
        /* from the bottom-left corner */
        assert_int_equal(minx, l.host[i].x + in);
        assert_int_equal(maxy, l.host[i].y + in + ih);
    }
    layout_fini(&l);
    watch_fini(&wt);
}

/* ---- pictures against the golden ---- */

/* The comparison (thresholds chosen so another SDL_ttf or FreeType version,
 * which moves glyph edges, passes, and a missing host box, about 3% of the
 * picture, fails):
 * - at most 1.0% of the pixels may differ by more than 16 in a channel;
 * - for each colour the picture is made of (host fill, task states, target
 *   edges, the next-target frame), its pixel count may differ by at most 3%
 *   of the golden's count plus 40 pixels. */
#define MAX_DIFF_SHARE 0.010
#define CHANNEL_TOL    16
#define COUNT_TOL      0.03

typedef struct cmp_result {
    double diff_share;
    double worst_count; /* the largest relative count difference */
    uint32_t worst_rgb;
} cmp_result;

static int images_match(const SDL_Surface *a, const SDL_Surface *b, cmp_result *res)
{
    assert_int_equal(a->w, b->w);
    assert_int_equal(a->h, b->h);
    long diff = 0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            uint32_t p = px(a, x, y), q = px(b, x, y);
            int dr = abs((int) (p >> 16 & 255) - (int) (q >> 16 & 255));
            int dg = abs((int) (p >> 8 & 255) - (int) (q >> 8 & 255));
            int db = abs((int) (p & 255) - (int) (q & 255));
            diff += dr > CHANNEL_TOL || dg > CHANNEL_TOL || db > CHANNEL_TOL;
        }
    res->diff_share = (double) diff / ((double) a->w * a->h);
    uint32_t colours[] = {SCENE_HOST_FILL,
                          scene_task_colour(3),
                          scene_task_colour(1),
                          scene_target_colour(1),
                          scene_host_border(1),
                          scene_host_border(4),
                          SCENE_NEXT};
    res->worst_count = 0;
    res->worst_rgb = 0;
    int ok = res->diff_share <= MAX_DIFF_SHARE;
    for (size_t c = 0; c < sizeof colours / sizeof *colours; c++) {
        long na = 0, nb = 0;
        for (int y = 0; y < a->h; y++)
            for (int x = 0; x < a->w; x++) {
                na += px(a, x, y) == colours[c];
                nb += px(b, x, y) == colours[c];
            }
        double rel = nb > 0 ? fabs((double) (na - nb)) / (double) nb : (na > 0);
        if (rel > res->worst_count) {
            res->worst_count = rel;
            res->worst_rgb = colours[c];
        }
        if (labs(na - nb) > (long) (COUNT_TOL * (double) nb) + 40) ok = 0;
    }
    return ok;
}

static void test_render_golden(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char png[4200], args_at[32], size[32];
    snprintf(png, sizeof png, "%s/cluster.png", dir);
    snprintf(args_at, sizeof args_at, "%g", GOLDEN_T);
    snprintf(size, sizeof size, "%dx%d", GW, GH);
    const char *args[] = {"render", GOLDEN_SCENARIO, "--at", args_at, "--size", size, "-o", png,
                          NULL};
    tu_cli r = tu_run_cli(args);
    if (r.rc != 0) fail_msg("%s", r.err);
    tu_cli_free(&r);
    if (getenv("ECSIM_UPDATE_GOLDEN")) {
        char cmd[8400];
        snprintf(cmd, sizeof cmd, "mkdir -p tests/golden/viz && cp '%s' " GOLDEN_PNG, png);
        assert_int_equal(system(cmd), 0);
        fprintf(stderr, "wrote %s: look at it before committing it\n", GOLDEN_PNG);
    }
    if (!tu_exists(GOLDEN_PNG))
        fail_msg("%s is missing: ECSIM_UPDATE_GOLDEN=1 %s writes it", GOLDEN_PNG,
                 "build/tests/test_viz");
    SDL_Surface *got = load_rgb(png), *gold = load_rgb(GOLDEN_PNG);
    assert_int_equal(got->w, GW);
    assert_int_equal(got->h, GH);
    cmp_result c;
    int ok = images_match(got, gold, &c);
    if (!ok)
        fail_msg("render differs from %s: %.3f%% of pixels off (max %.1f%%), colour %06x count "
                 "off by %.1f%% (max %.0f%%)",
                 GOLDEN_PNG, 100 * c.diff_share, 100 * MAX_DIFF_SHARE, c.worst_rgb,
                 100 * c.worst_count, 100 * COUNT_TOL);

    /* the same picture with one host left out must fail the comparison */
    watch wt;
    golden_snapshot(&wt);
    ecs_err e;
    err_clear(&e);
    canvas *cv = canvas_new(GW, GH, &e);
    assert_non_null(cv);
    layout l;
    layout_init(&l);
    scene_draw(cv, &l, &wt.world, &wt.hist, NULL);
    /* drawn in process it is the command's picture exactly */
    SDL_Surface *mine = canvas_surface(cv);
    long same = 0;
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++) same += px(mine, x, y) == px(got, x, y);
    assert_int_equal(same, (long) GW * GH);
    uint32_t victim = VW_NONE;
    for (uint32_t i = 0; i < wt.world.n_hosts; i++)
        if (strcmp(wt.world.hosts[i].name, "a-2") == 0) victim = i;
    assert_true(victim != VW_NONE);
    wt.world.hosts[victim].hidden = 1;
    scene_draw(cv, &l, &wt.world, &wt.hist, NULL);
    cmp_result bad;
    int wrong_ok = images_match(mine, gold, &bad);
    fprintf(stderr,
            "golden: %.3f%% pixels off; without host a-2: %.3f%% off, colour %06x off by "
            "%.1f%%\n",
            100 * c.diff_share, 100 * bad.diff_share, bad.worst_rgb, 100 * bad.worst_count);
    assert_false(wrong_ok);
    layout_fini(&l);
    canvas_free(cv);
    watch_fini(&wt);
    SDL_FreeSurface(got);
    SDL_FreeSurface(gold);
    tu_rmtree(dir);
    free(dir);
}

static void test_render_every(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char frames[4200];
    snprintf(frames, sizeof frames, "%s/frames", dir);
    const char *args[] = {"render", GOLDEN_SCENARIO, "--every", "60", "--size", "640x400",
                          "-o",     frames,          NULL};
    tu_cli r = tu_run_cli(args);
    if (r.rc != 0) fail_msg("%s", r.err);
    /* t = 0, 60, ..., 300: the run drains a little past 300 s */
    assert_non_null(strstr(r.out, "render: 6 frames of 640x400"));
    tu_cli_free(&r);
    assert_int_equal(tu_count_entries(frames), 6);
    char f[4300];
    snprintf(f, sizeof f, "%s/frame-00005.png", frames);
    SDL_Surface *s = load_rgb(f);
    assert_int_equal(s->w, 640);
    assert_int_equal(s->h, 400);
    SDL_FreeSurface(s);
    /* nothing of the run's own results */
    assert_int_equal(tu_count_entries(dir), 1);
    tu_rmtree(dir);
    free(dir);
}

static void test_render_bad_input(void **state)
{
    (void) state;
    const char *a1[] = {"render", GOLDEN_SCENARIO, NULL};
    tu_cli r = tu_run_cli(a1);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "expected --at T or --every S"));
    tu_cli_free(&r);
    const char *a2[] = {"render", "tests/data/viz/no-such.yaml", "--at", "5", NULL};
    r = tu_run_cli(a2);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "no-such.yaml"));
    tu_cli_free(&r);
    const char *a3[] = {"render", GOLDEN_SCENARIO, "--at", "5", "--size", "10x10", NULL};
    r = tu_run_cli(a3);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--size"));
    tu_cli_free(&r);
}

/* ---- the window (under Xvfb) ---- */

static void need_xvfb(void)
{
    if (system("command -v xvfb-run >/dev/null 2>&1") != 0)
        fail_msg("xvfb-run is missing: `make test` installs xvfb (or apt-get install xvfb xauth)");
}

static void test_window_shows_the_layout(void **state)
{
    (void) state;
    need_xvfb();
    char *dir = tu_mkdtemp();
    char cmd[8192], *out = NULL;
    snprintf(cmd, sizeof cmd,
             XVFB "%s view " GOLDEN_SCENARIO " --at %g --paused --frames 12 --size %dx%d "
                  "--screenshot %s/shot.png -o %s/results",
             ecsim_bin(), GOLDEN_T, GW, GH, dir, dir);
    int rc = sh(cmd, &out);
    if (rc != 0) fail_msg("view exited %d: %s", rc, out);
    assert_non_null(strstr(out, "view: 12 frames,"));
    /* quit before the end: nothing written */
    assert_non_null(strstr(out, "no results written"));
    free(out);
    char shot[4300];
    snprintf(shot, sizeof shot, "%s/shot.png", dir);
    SDL_Surface *s = load_rgb(shot);
    assert_int_equal(s->w, GW);
    assert_int_equal(s->h, GH);

    /* where the layout puts things, the screenshot has their colours */
    watch wt;
    golden_snapshot(&wt);
    layout l;
    layout_init(&l);
    layout_compute(&l, &wt.world, GW, GH);
    int hosts_seen = 0, tasks_seen = 0;
    for (uint32_t i = 0; i < wt.world.n_hosts; i++) {
        const vw_host *h = &wt.world.hosts[i];
        cv_rect r = l.host[i];
        if (h->state != VW_HOST_ACTIVE) {
            /* the lost host: its border colour on its left edge */
            assert_true(patch_share(s, r.x, r.y + r.h / 2, 0, scene_host_border(h->state)) == 1);
            continue;
        }
        /* inside the box, above the staircase's top row: the box's fill
         * (a flow line may cross a patch: most of it is enough) */
        int in = l.border + 1;
        assert_true(patch_share(s, r.x + r.w - in - 6, r.y + in + 6, 3, SCENE_HOST_FILL) >= 0.6);
        /* the box's edge, half-way down its right side */
        assert_true(patch_share(s, r.x + r.w - 1, r.y + r.h / 2, 0, scene_host_border(h->state)) ==
                    1);
        hosts_seen++;
    }
    for (uint32_t k = 0; k < wt.world.n_tasks; k++) {
        const vw_task *t = &wt.world.tasks[k];
        cv_rect r = l.task[k];
        if (r.w < 12 || r.h < 12) continue;
        /* the fill by task state, right of any label and above the busy band */
        int share_ok = 0;
        for (int dy = 0; dy < 3 && !share_ok; dy++)
            share_ok = patch_share(s, r.x + r.w * 3 / 4, r.y + r.h * (2 + dy) / 6, 2,
                                   scene_task_colour(t->state)) >= 0.5;
        assert_true(share_ok);
        /* the outline by target state on the left edge, low (the flow line
         * ends at its middle) */
        uint32_t edge = px(s, r.x, r.y + r.h * 3 / 4);
        assert_true(edge == scene_target_colour(t->target) || (t->next && edge == SCENE_NEXT));
        tasks_seen++;
    }
    assert_int_equal(hosts_seen, 3);
    assert_true(tasks_seen >= 6);
    layout_fini(&l);
    watch_fini(&wt);
    SDL_FreeSurface(s);
    tu_rmtree(dir);
    free(dir);
}

static const char *const result_files[] = {"summary.csv", "timeseries.csv", "events.csv",
                                           "effective.yaml"};

static void test_window_writes_the_same_files(void **state)
{
    (void) state;
    need_xvfb();
    char *dir = tu_mkdtemp();
    char cmd[8192], *out = NULL;
    snprintf(cmd, sizeof cmd,
             XVFB "%s view scenarios/az-outage.yaml --speed max --exit-at-end -o %s/view",
             ecsim_bin(), dir);
    int rc = sh(cmd, &out);
    if (rc != 0) fail_msg("view exited %d: %s", rc, out);
    assert_non_null(strstr(out, "the run ended"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s run scenarios/az-outage.yaml -q -o %s/run", ecsim_bin(), dir);
    assert_int_equal(sh(cmd, NULL), 0);
    for (size_t i = 0; i < sizeof result_files / sizeof *result_files; i++) {
        char a[4300], b[4300];
        snprintf(a, sizeof a, "%s/view/%s", dir, result_files[i]);
        snprintf(b, sizeof b, "%s/run/%s", dir, result_files[i]);
        size_t la = 0, lb = 0;
        char *x = tu_read_file(a, &la), *y = tu_read_file(b, &lb);
        assert_non_null(x);
        assert_non_null(y);
        if (la != lb || memcmp(x, y, la) != 0)
            fail_msg("%s differs between ecsim view and ecsim run", result_files[i]);
        free(x);
        free(y);
    }
    tu_rmtree(dir);
    free(dir);
}

/* The time the window showed when it closed ("closed at t = X s"). */
static double closed_at(const char *out)
{
    const char *p = strstr(out, "closed at t = ");
    return p ? strtod(p + strlen("closed at t = "), NULL) : NAN;
}

static void test_window_keys(void **state)
{
    (void) state;
    need_xvfb();
    char *dir = tu_mkdtemp();
    char cmd[20000], *out = NULL;
    /* "." from t = 590: the next events.csv line is the host failure at 600
     * (scenarios/seed-walkthrough.yaml) */
    snprintf(cmd, sizeof cmd,
             XVFB "%s view scenarios/seed-walkthrough.yaml --at 590 --paused --keys period "
                  "--frames 20 -o %s/r",
             ecsim_bin(), dir);
    assert_int_equal(sh(cmd, &out), 0);
    assert_true(closed_at(out) == 600);
    free(out);
    /* "n": one event on, between 590 and the failure */
    snprintf(cmd, sizeof cmd,
             XVFB "%s view scenarios/seed-walkthrough.yaml --at 590 --paused --keys n "
                  "--frames 20 -o %s/r",
             ecsim_bin(), dir);
    assert_int_equal(sh(cmd, &out), 0);
    double t = closed_at(out);
    assert_true(t > 590 && t < 600);
    free(out);
    /* "j": no scaling event in this run, so it plays to the end (and the
     * files are written) */
    snprintf(cmd, sizeof cmd,
             XVFB "%s view scenarios/port-conflict.yaml --paused --keys j --frames 40 -o %s/r",
             ecsim_bin(), dir);
    assert_int_equal(sh(cmd, &out), 0);
    assert_non_null(strstr(out, "the run ended"));
    free(out);
    char f[4300];
    snprintf(f, sizeof f, "%s/r/events.csv", dir);
    assert_true(tu_exists(f));
    /* "r" restarts; "space" plays, "p" saves a screenshot in the working
     * directory, so run it in the temporary one */
    char cwd[4096], bin[4300];
    assert_non_null(getcwd(cwd, sizeof cwd));
    if (ecsim_bin()[0] == '/')
        snprintf(bin, sizeof bin, "%s", ecsim_bin());
    else
        snprintf(bin, sizeof bin, "%s/%s", cwd, ecsim_bin());
    snprintf(cmd, sizeof cmd,
             "cd %s && " XVFB "%s view %s/scenarios/quickstart.yaml --paused "
             "--keys r,wait,space,wait,p,h --frames 12 -o r",
             dir, bin, cwd);
    assert_int_equal(sh(cmd, &out), 0);
    assert_non_null(strstr(out, "view: restart"));
    assert_non_null(strstr(out, "view: screenshot ecsim-quickstart-t"));
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* The help overlay and the details of a hovered task: a screenshot with
 * them differs from one without only around them. */
static void test_window_help_and_details(void **state)
{
    (void) state;
    need_xvfb();
    watch wt;
    golden_snapshot(&wt);
    layout l;
    layout_init(&l);
    layout_compute(&l, &wt.world, GW, GH);
    /* the biggest task block: hover its middle */
    uint32_t best = VW_NONE;
    for (uint32_t k = 0; k < wt.world.n_tasks; k++)
        if (best == VW_NONE || l.task[k].w * l.task[k].h > l.task[best].w * l.task[best].h)
            best = k;
    assert_true(best != VW_NONE);
    int hx, hy;
    layout_centre(l.task[best], &hx, &hy);
    char *dir = tu_mkdtemp();
    static const char *const keys[] = {"wait", "h", NULL};
    char move[64];
    snprintf(move, sizeof move, "move:%d:%d", hx, hy);
    const char *keyset[] = {keys[0], keys[1], move};
    SDL_Surface *shot[3];
    for (int i = 0; i < 3; i++) {
        char cmd[8192], *out = NULL;
        snprintf(cmd, sizeof cmd,
                 XVFB "%s view " GOLDEN_SCENARIO " --at %g --paused --frames 6 --size %dx%d "
                      "--keys %s --screenshot %s/shot%d.png -o %s/r",
                 ecsim_bin(), GOLDEN_T, GW, GH, keyset[i], dir, i, dir);
        int rc = sh(cmd, &out);
        if (rc != 0) fail_msg("view exited %d: %s", rc, out);
        free(out);
        char f[4300];
        snprintf(f, sizeof f, "%s/shot%d.png", dir, i);
        shot[i] = load_rgb(f);
    }
    /* help: a box in the middle of the picture, nothing else changed */
    long in_box = 0, outside = 0;
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++) {
            if (px(shot[0], x, y) == px(shot[1], x, y)) continue;
            if (abs(x - GW / 2) <= 320 && abs(y - GH / 2) <= 220)
                in_box++;
            else
                outside++;
        }
    assert_true(in_box > 20000);
    assert_int_equal(outside, 0);
    /* details: a white frame around the task, a box below-right of the
     * mouse, nothing above-left of the task */
    cv_rect r = l.task[best];
    assert_true(px(shot[2], r.x - 2, r.y + r.h / 2) == 0xffffff);
    long near = 0, far = 0;
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++) {
            if (px(shot[0], x, y) == px(shot[2], x, y)) continue;
            if (x >= r.x - 3 && y >= r.y - 3)
                near++;
            else
                far++;
        }
    assert_true(near > 5000);
    assert_int_equal(far, 0);
    for (int i = 0; i < 3; i++) SDL_FreeSurface(shot[i]);
    layout_fini(&l);
    watch_fini(&wt);
    tu_rmtree(dir);
    free(dir);
}

/* ---- plot ---- */

static char *write_timeseries(const char *dir, int with_p99)
{
    char buf[8192];
    size_t n = 0;
    n += (size_t) snprintf(buf + n, sizeof buf - n,
                           "t_s,service,requests,p50_s,%srunning_tasks,desired_tasks,hosts,"
                           "cpu_util_pct\n",
                           with_p99 ? "p99_s," : "");
    for (int k = 1; k <= 10; k++) {
        int t = 60 * k;
        /* 10 requests/s up to t = 300, 20/s after */
        n += (size_t) snprintf(buf + n, sizeof buf - n, "%d,web,%d,0.02,%s4,4,2,50\n", t,
                               t <= 300 ? 600 : 1200, with_p99 ? "0.1," : "");
    }
    return tu_write_file(dir, "timeseries.csv", buf);
}

static void test_plot_known_csv(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    free(write_timeseries(dir, 1));
    const char *args[] = {"plot", dir, "--size", "800x500", NULL};
    tu_cli r = tu_run_cli(args);
    if (r.rc != 0) fail_msg("%s", r.err);
    static const char *const pngs[] = {"latency.png", "load.png", "tasks.png", "utilisation.png",
                                       "cost.png"};
    for (size_t i = 0; i < 5; i++) assert_non_null(strstr(r.out, pngs[i]));
    tu_cli_free(&r);
    char f[4300];
    snprintf(f, sizeof f, "%s/plots/load.png", dir);
    SDL_Surface *s = load_rgb(f);
    assert_int_equal(s->w, 800);
    assert_int_equal(s->h, 500);
    /* chart.h's axes: the plot area of a full chart; x from 0 to 600 s; y
     * from 0 to chart_nice_ceil(1.05 x 20) = 50 arrivals per second */
    cv_rect a = chart_plot_area((cv_rect){0, 0, 800, 500}, 0);
    assert_true(chart_nice_ceil(21) == 50);
    int x1 = a.x + (int) lround(180.0 / 600 * (a.w - 1)); /* in the 10/s half */
    int x2 = a.x + (int) lround(480.0 / 600 * (a.w - 1)); /* in the 20/s half */
    int y10 = a.y + a.h - 1 - (int) lround(10.0 / 50 * (a.h - 1));
    int y20 = a.y + a.h - 1 - (int) lround(20.0 / 50 * (a.h - 1));
    uint32_t line = chart_palette(0); /* the first service's arrivals */
    /* the line is two pixels thick, drawn at its row and the one below */
    assert_true(px(s, x1, y10) == line || px(s, x1, y10 + 1) == line);
    assert_true(px(s, x2, y20) == line || px(s, x2, y20 + 1) == line);
    assert_true(px(s, x1, y20) != line && px(s, x2, y10) != line);
    /* and in that column, nowhere else */
    for (int y = a.y; y < a.y + a.h; y++)
        if (px(s, x1, y) == line) assert_true(y == y10 || y == y10 + 1);
    SDL_FreeSurface(s);
    tu_rmtree(dir);
    free(dir);
}

static void test_plot_bad_input(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/no-such-run", dir);
    const char *a1[] = {"plot", missing, NULL};
    tu_cli r = tu_run_cli(a1);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "no such results directory"));
    tu_cli_free(&r);
    /* a directory with neither file */
    const char *a2[] = {"plot", dir, NULL};
    r = tu_run_cli(a2);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "neither timeseries.csv"));
    tu_cli_free(&r);
    /* a timeseries.csv without p99_s */
    free(write_timeseries(dir, 0));
    r = tu_run_cli(a2);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "no column \"p99_s\""));
    assert_int_equal(tu_count_entries(dir), 1); /* no plots/ */
    tu_cli_free(&r);
    /* an aggregate.csv without cost_usd */
    char sweep[4200];
    snprintf(sweep, sizeof sweep, "%s/sweep", dir);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", sweep);
    assert_int_equal(system(cmd), 0);
    free(tu_write_file(sweep, "aggregate.csv", "config,p99_s\n1,0.2\n"));
    const char *a3[] = {"plot", sweep, NULL};
    r = tu_run_cli(a3);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "no column \"cost_usd\""));
    tu_cli_free(&r);
    /* not CSV */
    free(tu_write_file(sweep, "aggregate.csv", "config,\"p99_s\n1,0.2\n"));
    r = tu_run_cli(a3);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "not CSV"));
    tu_cli_free(&r);
    tu_rmtree(dir);
    free(dir);
}

/* A sweep's aggregate: frontier.png. */
static void test_plot_frontier(void **state)
{
    (void) state;
    char *dir = tu_mkdtemp();
    free(tu_write_file(dir, "aggregate.csv",
                       "config,n,replications,cost_usd,cost_usd_ci_low,cost_usd_ci_high,p99_s,"
                       "p99_s_ci_low,p99_s_ci_high\n"
                       "1,2,3,1.0,0.9,1.1,0.5,0.4,0.6\n"
                       "2,3,3,1.5,1.4,1.6,0.2,0.15,0.25\n"
                       "3,4,3,2.0,1.9,2.1,0.3,0.25,0.35\n"));
    const char *args[] = {"plot", dir, "--size", "640x400", NULL};
    tu_cli r = tu_run_cli(args);
    if (r.rc != 0) fail_msg("%s", r.err);
    assert_non_null(strstr(r.out, "frontier.png"));
    tu_cli_free(&r);
    char f[4300];
    snprintf(f, sizeof f, "%s/plots/frontier.png", dir);
    SDL_Surface *s = load_rgb(f);
    assert_int_equal(s->w, 640);
    SDL_FreeSurface(s);
    tu_rmtree(dir);
    free(dir);
}

#endif /* ECSIM_VIZ */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands_exist_or_say_why),
#ifdef ECSIM_VIZ
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_render_golden),
        cmocka_unit_test(test_render_every),
        cmocka_unit_test(test_render_bad_input),
        cmocka_unit_test(test_window_shows_the_layout),
        cmocka_unit_test(test_window_writes_the_same_files),
        cmocka_unit_test(test_window_keys),
        cmocka_unit_test(test_window_help_and_details),
        cmocka_unit_test(test_plot_known_csv),
        cmocka_unit_test(test_plot_bad_input),
        cmocka_unit_test(test_plot_frontier),
#endif
    };
#ifdef ECSIM_VIZ
    return cmocka_run_group_tests(tests, setup, teardown);
#else
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}

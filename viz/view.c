/* view.c -- `ecsim view`: the run in a window, as it happens.
 * The window is a run observer (sim/observe.h): between frames it lets the
 * simulation run for (speed x wall time since the last frame) simulated
 * seconds, or one event, or until the next events.csv line, then reads the
 * world, draws the scene into its canvas (the same pixels `ecsim render`
 * saves) and copies it to the window surface. It never changes the world:
 * a run viewed to its end writes the same files as `ecsim run`. Requests
 * are shown as dots flying from the load balancer to the task that got
 * them: one per request while they are few, a sample when they are many
 * (routed counts per target, read every frame, decide where dots go; the
 * sampling draws from this file's own generator, never a simulation
 * stream). Quitting before the end, or restarting, writes nothing. */
#include <SDL.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/engine/xmalloc.h"
#include "viz/canvas.h"
#include "viz/chart.h"
#include "viz/layout.h"
#include "viz/scene.h"
#include "viz/viz.h"
#include "viz/watch.h"

static const char usage_view[] =
    "usage: ecsim view FILE [options]\n"
    "\n"
    "Runs scenario FILE in a window: hosts grouped by availability zone, tasks as\n"
    "blocks sized by CPU and memory (fill: task state; edge: target state), the\n"
    "load balancer sending requests, charts of arrivals, latency, tasks, hosts\n"
    "and alarms, and the last events.csv lines. A run watched to its end writes\n"
    "the same result files as `ecsim run`; quitting or restarting writes none.\n"
    "\n"
    "keys: space pause/play, + - speed, 0 as fast as possible, 1 real time,\n"
    "  . or -> next events.csv line, n next event, j next scaling event,\n"
    "  r restart, p screenshot, h help, q quit; mouse: hover or click for details\n"
    "\n"
    "options:\n"
    "  -o, --out DIR          result directory (default results/<FILE's name>)\n"
    "  --speed X|max          simulated seconds per second (0.1 .. 1000; default about\n"
    "                         a minute for the whole run), or as fast as possible\n"
    "  --at T                 run to simulated time T s at once, then show it\n"
    "  --paused               start paused\n"
    "  --size WxH             window size (default 1280x800)\n"
    "  --frames N             quit after N frames (tests, demos)\n"
    "  --screenshot PNG       with --frames: the window's last frame to PNG\n"
    "  --exit-at-end          close the window when the run ends\n"
    "  --keys K1,K2,...       press these keys, one per frame, before the user's (tests,\n"
    "                         demos): space plus minus 0 1 period right n j r p h q wait,\n"
    "                         move:X:Y (the mouse to a pixel), click:X:Y\n"
    "  --seed N, --set PATH=VALUE, --until T   as for ecsim run\n"
    "  -h, --help             this help\n";

static const double speeds[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, INFINITY};
#define N_SPEEDS ((int) (sizeof speeds / sizeof *speeds))

enum { STEP_NONE, STEP_EVENT, STEP_LINE, STEP_SCALING };

#define MAX_DOTS       1500
#define DOT_LIFE_S     0.6 /* wall seconds from the load balancer to the task */
#define DOTS_PER_FRAME 40

typedef struct dot {
    uint32_t task; /* cluster task id */
    uint32_t lbi;
    double age; /* wall seconds in flight */
    uint32_t rgb;
} dot;

typedef struct view {
    watch wt;
    canvas *cv;
    layout l;
    SDL_Window *win;
    int width, height;
    const char *scenario;
    FILE *out;
    /* pacing */
    int speed_i; /* index into speeds */
    int paused;
    double last_wall; /* wall time of the last frame */
    double target;    /* simulated time this frame runs to */
    double chunk;     /* as fast as possible: simulated seconds per frame */
    double sim_wall0; /* wall time the current stretch of simulation began */
    int step;
    uint64_t step_from;
    double step_to;
    /* options */
    double start_at;
    int start_paused, exit_at_end;
    long max_frames;
    const char *shot;
    const char *keys; /* --keys: key names still to press, one per frame */
    /* state */
    uint64_t frames;
    uint64_t frames_at_start; /* frames drawn before --at was reached */
    double wall_start;        /* when it was reached (0 before) */
    int quit, restart, ended, shot_failed, help_on;
    char end_note[512];
    char message[640];
    double message_until;
    /* hover and pinned details: by identity, resolved every frame */
    int mouse_x, mouse_y, hovering, pinned;
    uint32_t hover_task_id, hover_host, hover_lb;
    /* request dots */
    uint64_t *last_routed; /* by cluster task id */
    uint32_t cap_routed;
    int routed_known;
    dot *dots;
    int n_dots, dot_scale;
    scene_dot *sdots;
    uint32_t *index_of; /* cluster task id -> index in the world's tasks */
    uint32_t cap_index;
    uint64_t rng; /* xorshift64 for sampling dots: the view's own */
} view;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static double urand(view *v)
{
    v->rng ^= v->rng << 13;
    v->rng ^= v->rng >> 7;
    v->rng ^= v->rng << 17;
    return (double) (v->rng >> 11) * 0x1.0p-53;
}

static void say(view *v, const char *msg)
{
    snprintf(v->message, sizeof v->message, "%s", msg);
    v->message_until = wall_now() + 3;
}

/* The default speed: the whole run in about a minute. */
static int default_speed(double duration_s)
{
    double want = duration_s / 60;
    int best = 0;
    for (int i = 0; i < N_SPEEDS - 1; i++)
        if (fabs(log(speeds[i] / want)) < fabs(log(speeds[best] / want))) best = i;
    return best;
}

/* ---- request dots ---- */

static void grow_maps(view *v, uint32_t n_ids)
{
    if (n_ids > v->cap_routed) {
        uint32_t cap = n_ids > 2 * v->cap_routed ? n_ids : 2 * v->cap_routed;
        v->last_routed = xrealloc(v->last_routed, cap * sizeof *v->last_routed);
        for (uint32_t i = v->cap_routed; i < cap; i++) v->last_routed[i] = 0;
        v->index_of = xrealloc(v->index_of, cap * sizeof *v->index_of);
        v->cap_routed = cap;
    }
}

/* New dots for the requests routed since the last frame. */
static void spawn_dots(view *v, int moving)
{
    const vw_world *w = &v->wt.world;
    uint32_t max_id = 0;
    for (uint32_t k = 0; k < w->n_tasks; k++)
        if (w->tasks[k].id + 1 > max_id) max_id = w->tasks[k].id + 1;
    grow_maps(v, max_id);
    for (uint32_t i = 0; i < v->cap_routed; i++) v->index_of[i] = VW_NONE;
    uint64_t total = 0;
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        const vw_task *t = &w->tasks[k];
        v->index_of[t->id] = k;
        if (t->routed > v->last_routed[t->id]) total += t->routed - v->last_routed[t->id];
    }
    int scale = total > DOTS_PER_FRAME ? (int) ((total + DOTS_PER_FRAME - 1) / DOTS_PER_FRAME) : 1;
    if (moving && v->routed_known && total > 0) v->dot_scale = scale;
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        const vw_task *t = &w->tasks[k];
        uint64_t d = t->routed > v->last_routed[t->id] ? t->routed - v->last_routed[t->id] : 0;
        v->last_routed[t->id] = t->routed;
        if (!moving || !v->routed_known || d == 0) continue;
        uint32_t lbi = w->services[t->service].lb;
        if (lbi == VW_NONE) continue;
        /* d / scale dots, the remainder by chance */
        double want = (double) d / scale;
        int n = (int) want;
        if (urand(v) < want - n) n++;
        for (int i = 0; i < n && v->n_dots < MAX_DOTS; i++)
            v->dots[v->n_dots++] = (dot){t->id, lbi, -0.2 * urand(v), chart_palette(t->service)};
    }
    v->routed_known = 1;
}

/* Ages the dots by dt wall seconds and places them on the picture. */
static int place_dots(view *v, double dt)
{
    const vw_world *w = &v->wt.world;
    int n = 0, keep = 0;
    for (int i = 0; i < v->n_dots; i++) {
        dot *d = &v->dots[i];
        d->age += dt;
        uint32_t k = d->task < v->cap_routed ? v->index_of[d->task] : VW_NONE;
        if (d->age >= DOT_LIFE_S || k == VW_NONE || d->lbi >= v->l.n_lbs) continue;
        cv_rect r = k < v->l.n_tasks ? v->l.task[k] : (cv_rect){0, 0, 0, 0};
        if (r.w <= 0) continue;
        v->dots[keep++] = *d;
        if (d->age < 0) continue;
        double f = d->age / DOT_LIFE_S;
        int x0 = v->l.lb[d->lbi].x + v->l.lb[d->lbi].w,
            y0 = v->l.lb[d->lbi].y + v->l.lb[d->lbi].h / 2;
        int x1 = r.x + r.w / 2, y1 = r.y + r.h / 2;
        v->sdots[n++] =
            (scene_dot){x0 + (int) lround(f * (x1 - x0)), y0 + (int) lround(f * (y1 - y0)), d->rgb};
    }
    v->n_dots = keep;
    (void) w;
    return n;
}

/* ---- drawing a frame ---- */

static void resolve_hover(view *v, uint32_t *task, uint32_t *host, uint32_t *lbi)
{
    const vw_world *w = &v->wt.world;
    *task = *host = *lbi = VW_NONE;
    if (!v->hovering && !v->pinned) return;
    if (v->hover_task_id != VW_NONE) {
        if (v->hover_task_id < v->cap_routed) *task = v->index_of[v->hover_task_id];
        if (*task == VW_NONE || *task >= w->n_tasks) *task = VW_NONE;
    } else if (v->hover_host != VW_NONE && v->hover_host < w->n_hosts) {
        *host = v->hover_host;
    } else if (v->hover_lb != VW_NONE && v->hover_lb < w->n_lbs) {
        *lbi = v->hover_lb;
    }
}

static void status_text(view *v, char *buf, size_t len)
{
    if (v->ended)
        snprintf(buf, len, "run ended (r restart, q quit)");
    else if (v->step != STEP_NONE)
        snprintf(buf, len, "%s",
                 v->step == STEP_SCALING ? "jumping to the next scaling event..." : "stepping...");
    else if (v->paused)
        snprintf(buf, len, "PAUSED  (space plays, h help)");
    else if (isinf(speeds[v->speed_i]))
        snprintf(buf, len, "PLAYING as fast as possible  (h help)");
    else
        snprintf(buf, len, "PLAYING x%g  (h help)", speeds[v->speed_i]);
}

static int save_window(view *v, const char *path)
{
    ecs_err e;
    err_clear(&e);
    SDL_Surface *ws = SDL_GetWindowSurface(v->win);
    if (!ws || viz_save_surface_png(ws, path, &e) != ECS_OK) {
        fprintf(stderr, "ecsim: %s\n", ws ? e.msg : SDL_GetError());
        return -1;
    }
    return 0;
}

static void draw_frame(view *v, double now_s, int moving)
{
    double wall = wall_now(), dt = v->frames ? wall - v->last_wall : 0;
    if (dt > 0.1) dt = 0.1;
    v->last_wall = wall;
    if (v->wt.c) watch_refresh(&v->wt, now_s);
    spawn_dots(v, moving);
    scene_extra x;
    memset(&x, 0, sizeof x);
    char status[128];
    status_text(v, status, sizeof status);
    x.status = status;
    x.message = wall < v->message_until ? v->message : (v->ended ? v->end_note : NULL);
    x.mouse_x = v->mouse_x;
    x.mouse_y = v->mouse_y;
    x.pinned = v->pinned;
    x.help = v->help_on;
    /* the layout of this frame places the dots and resolves the hover */
    layout_compute(&v->l, &v->wt.world, canvas_width(v->cv), canvas_height(v->cv));
    x.n_dots = place_dots(v, moving ? dt : 0);
    x.dots = v->sdots;
    x.dot_scale = v->dot_scale;
    resolve_hover(v, &x.hover_task, &x.hover_host, &x.hover_lb);
    scene_draw_laid_out(v->cv, &v->l, &v->wt.world, &v->wt.hist, &x);
    SDL_Surface *ws = SDL_GetWindowSurface(v->win);
    if (ws) {
        SDL_BlitSurface(canvas_surface(v->cv), NULL, ws, NULL);
        SDL_UpdateWindowSurface(v->win);
    }
    v->frames++;
}

/* Waits until a 60th of a second after the last frame. */
static void pace(view *v)
{
    double left = v->last_wall + 1.0 / 60 - wall_now();
    if (left > 0) SDL_Delay((Uint32) (left * 1000));
}

/* ---- input ---- */

static void screenshot(view *v)
{
    char path[512];
    const char *ext = strrchr(v->wt.world.scenario, '.');
    int n = ext ? (int) (ext - v->wt.world.scenario) : (int) strlen(v->wt.world.scenario);
    snprintf(path, sizeof path, "ecsim-%.*s-t%.0f-%llu.png", n, v->wt.world.scenario,
             v->wt.world.now_s, (unsigned long long) v->frames);
    char msg[600];
    if (save_window(v, path) == 0) {
        snprintf(msg, sizeof msg, "screenshot saved: %s", path);
        fprintf(v->out, "view: screenshot %s\n", path);
    } else {
        snprintf(msg, sizeof msg, "screenshot failed: %s", SDL_GetError());
    }
    say(v, msg);
}

static void hover_at(view *v, int x, int y)
{
    uint32_t t, h, b;
    v->mouse_x = x;
    v->mouse_y = y;
    v->hovering = layout_hit(&v->l, &v->wt.world, x, y, &t, &h, &b);
    v->hover_task_id = t != VW_NONE ? v->wt.world.tasks[t].id : VW_NONE;
    v->hover_host = h;
    v->hover_lb = b;
}

static void resize(view *v, int w, int h)
{
    if (w < 320 || h < 320 || (w == v->width && h == v->height)) return;
    ecs_err e;
    err_clear(&e);
    canvas *cv = canvas_new(w, h, &e);
    if (!cv) return;
    canvas_free(v->cv);
    v->cv = cv;
    v->width = w;
    v->height = h;
}

/* --keys: the next scripted key press goes into SDL's queue as if typed. */
static void script_key(view *v)
{
    static const struct {
        const char *name;
        SDL_Keycode key;
    } names[] = {{"space", SDLK_SPACE}, {"plus", SDLK_PLUS},   {"minus", SDLK_MINUS},
                 {"0", SDLK_0},         {"1", SDLK_1},         {"period", SDLK_PERIOD},
                 {".", SDLK_PERIOD},    {"right", SDLK_RIGHT}, {"n", SDLK_n},
                 {"j", SDLK_j},         {"r", SDLK_r},         {"p", SDLK_p},
                 {"h", SDLK_h},         {"q", SDLK_q},         {"wait", SDLK_UNKNOWN}};
    if (!v->keys || !*v->keys) return;
    size_t n = strcspn(v->keys, ",");
    int mx, my;
    char what[8];
    if (sscanf(v->keys, "%7[a-z]:%d:%d", what, &mx, &my) == 3 &&
        (strcmp(what, "move") == 0 || strcmp(what, "click") == 0)) {
        /* the mouse: "move:X:Y" hovers, "click:X:Y" clicks */
        SDL_Event in;
        memset(&in, 0, sizeof in);
        if (what[0] == 'm') {
            in.type = SDL_MOUSEMOTION;
            in.motion.x = mx;
            in.motion.y = my;
        } else {
            in.type = SDL_MOUSEBUTTONDOWN;
            in.button.button = SDL_BUTTON_LEFT;
            in.button.x = mx;
            in.button.y = my;
        }
        SDL_PushEvent(&in);
        v->keys += n + (v->keys[n] == ',');
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (strlen(names[i].name) != n || strncmp(names[i].name, v->keys, n) != 0) continue;
        if (names[i].key != SDLK_UNKNOWN) {
            SDL_Event in;
            memset(&in, 0, sizeof in);
            in.type = SDL_KEYDOWN;
            in.key.keysym.sym = names[i].key;
            SDL_PushEvent(&in);
        }
        break;
    }
    v->keys += n + (v->keys[n] == ',');
}

/* Handles what the user did since the last frame. */
static void poll_input(view *v, const observe_status *st)
{
    SDL_Event in;
    if (v->ended || !st || st->now_s >= v->start_at) script_key(v); /* not while fast-forwarding */
    while (SDL_PollEvent(&in)) {
        switch (in.type) {
        case SDL_QUIT:
            v->quit = 1;
            break;
        case SDL_WINDOWEVENT:
            if (in.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
                resize(v, in.window.data1, in.window.data2);
            break;
        case SDL_MOUSEMOTION:
            if (!v->pinned) hover_at(v, in.motion.x, in.motion.y);
            v->mouse_x = in.motion.x;
            v->mouse_y = in.motion.y;
            break;
        case SDL_MOUSEBUTTONDOWN:
            hover_at(v, in.button.x, in.button.y);
            v->pinned = v->hovering && !v->pinned;
            break;
        case SDL_KEYDOWN: {
            SDL_Keycode k = in.key.keysym.sym;
            if (k == SDLK_q || k == SDLK_ESCAPE) {
                v->quit = 1;
            } else if (k == SDLK_SPACE) {
                v->paused = !v->paused;
                v->step = STEP_NONE;
            } else if (k == SDLK_PLUS || k == SDLK_EQUALS || k == SDLK_KP_PLUS || k == SDLK_UP) {
                if (v->speed_i < N_SPEEDS - 1) v->speed_i++;
            } else if (k == SDLK_MINUS || k == SDLK_KP_MINUS || k == SDLK_DOWN) {
                if (v->speed_i > 0) v->speed_i--;
            } else if (k == SDLK_0) {
                v->speed_i = N_SPEEDS - 1;
            } else if (k == SDLK_1) {
                v->speed_i = 3;
            } else if ((k == SDLK_PERIOD || k == SDLK_RIGHT) && !v->ended) {
                v->step = STEP_LINE;
                v->step_from = v->wt.hist.n_lines;
            } else if (k == SDLK_n && !v->ended) {
                v->step = STEP_EVENT;
                v->step_to = st ? st->next_s : INFINITY;
            } else if (k == SDLK_j && !v->ended) {
                v->step = STEP_SCALING;
                v->step_from = v->wt.hist.n_scaling;
            } else if (k == SDLK_r) {
                v->restart = 1;
            } else if (k == SDLK_p || k == SDLK_F12) {
                screenshot(v);
            } else if (k == SDLK_h || k == SDLK_F1) {
                v->help_on = !v->help_on;
            }
            break;
        }
        default:
            break;
        }
    }
}

/* ---- the observer ---- */

static void on_begin(void *ctx, const struct cluster *c, const params *p, const char *scenario)
{
    view *v = ctx;
    watch_begin(&v->wt, c, p, scenario);
    if (v->speed_i < 0) v->speed_i = default_speed(v->wt.world.duration_s);
    v->paused = v->start_paused;
    v->target = 0;
    v->chunk = v->wt.dt;
    v->step = STEP_NONE;
    v->ended = 0;
    v->routed_known = 0;
    v->n_dots = 0;
    for (uint32_t i = 0; i < v->cap_routed; i++) v->last_routed[i] = 0;
    v->end_note[0] = 0;
}

static void on_line(void *ctx, const char *line, size_t len)
{
    view *v = ctx;
    watch_event_line(&v->wt, line, len);
}

/* Frames until the user lets the run go on (or quits): returns 0 to run
 * on, -1 to stop. */
static int frames_until_go(view *v, const observe_status *st)
{
    if (v->wall_start == 0) {
        v->wall_start = wall_now();
        v->frames_at_start = v->frames;
    }
    for (;;) {
        poll_input(v, st);
        if (v->quit || v->restart) return -1;
        int moving = !v->paused && v->step == STEP_NONE;
        draw_frame(v, st->now_s, moving);
        if (v->max_frames > 0 && (long) v->frames >= v->max_frames) {
            if (v->shot && save_window(v, v->shot) != 0) v->shot_failed = 1;
            v->quit = 1;
            return -1;
        }
        pace(v);
        if (v->step != STEP_NONE || !v->paused) return 0;
    }
}

static observe_action on_advance(void *ctx, const struct cluster *c, const observe_status *st,
                                 double *until_s)
{
    (void) c;
    view *v = ctx;
    double ns = watch_samples(&v->wt, st);
    if (st->ended) {
        v->ended = 1;
        return OBSERVE_RUN; /* the run ends and writes its files; finish shows the end */
    }
    /* --at: straight there, a frame now and then to stay responsive */
    if (st->now_s < v->start_at) {
        *until_s = ns < v->start_at ? ns : v->start_at;
        if (wall_now() - v->last_wall > 0.25) {
            poll_input(v, st);
            if (v->quit || v->restart) return OBSERVE_QUIT;
            draw_frame(v, st->now_s, 0);
        }
        return OBSERVE_RUN;
    }
    /* stepping: run event by event until the step is done */
    if (v->step == STEP_EVENT && st->now_s >= v->step_to) v->step = STEP_NONE, v->paused = 1;
    if (v->step == STEP_LINE && v->wt.hist.n_lines > v->step_from)
        v->step = STEP_NONE, v->paused = 1;
    if (v->step == STEP_SCALING && v->wt.hist.n_scaling > v->step_from) {
        v->step = STEP_NONE;
        v->paused = 1;
        say(v, "a scaling event: see the ticker");
    }
    if (v->step != STEP_NONE) {
        if (wall_now() - v->last_wall > 1.0 / 30) {
            poll_input(v, st);
            if (v->quit || v->restart) return OBSERVE_QUIT;
            draw_frame(v, st->now_s, 0);
        }
        *until_s = ns < st->next_s ? ns : st->next_s;
        return OBSERVE_RUN;
    }
    if (!v->paused && st->now_s < v->target) {
        *until_s = ns < v->target ? ns : v->target;
        return OBSERVE_RUN;
    }
    /* a frame is due */
    if (isinf(speeds[v->speed_i]) && v->sim_wall0 > 0) {
        /* as fast as possible: about 12 ms of simulation per frame */
        double took = wall_now() - v->sim_wall0;
        double f = took > 0 ? 0.012 / took : 2;
        if (f > 2) f = 2;
        if (f < 0.5) f = 0.5;
        v->chunk *= f;
        if (v->chunk < 1e-3) v->chunk = 1e-3;
    }
    if (frames_until_go(v, st) != 0) return OBSERVE_QUIT;
    if (v->step != STEP_NONE) {
        *until_s = ns < st->next_s ? ns : st->next_s;
        return OBSERVE_RUN;
    }
    double wall_dt = 1.0 / 60;
    double adv = isinf(speeds[v->speed_i]) ? v->chunk : speeds[v->speed_i] * wall_dt;
    v->target = st->now_s + adv;
    v->sim_wall0 = wall_now();
    *until_s = ns < v->target ? ns : v->target;
    return OBSERVE_RUN;
}

static void on_finish(void *ctx, const struct cluster *c, int rc, const char *dir)
{
    (void) c;
    view *v = ctx;
    if (rc == ECS_OK) {
        snprintf(v->end_note, sizeof v->end_note, "the run ended at t = %.1f s; results in %s/",
                 v->wt.world.now_s, dir);
        fprintf(v->out, "view: the run ended at t = %g s; results in %s/\n", v->wt.world.now_s,
                dir);
        v->ended = 1;
        v->paused = 1;
        v->step = STEP_NONE;
        /* the end stays on screen until the user quits or restarts */
        observe_status st = {v->wt.world.now_s, INFINITY, 0, 1};
        while (!v->exit_at_end && !v->quit && !v->restart) {
            poll_input(v, &st);
            if (v->quit || v->restart) break;
            draw_frame(v, st.now_s, 0);
            if (v->max_frames > 0 && (long) v->frames >= v->max_frames) {
                if (v->shot && save_window(v, v->shot) != 0) v->shot_failed = 1;
                v->quit = 1;
                break;
            }
            pace(v);
        }
    }
    v->wt.c = NULL;
}

int viz_view_main(int argc, char **argv, FILE *out, FILE *err)
{
    run_opts o;
    memset(&o, 0, sizeof o);
    o.until_s = INFINITY;
    const char **sets = xcalloc((size_t) argc + 1, sizeof *sets);
    view v;
    memset(&v, 0, sizeof v);
    v.speed_i = -1;
    v.width = 1280;
    v.height = 800;
    v.out = out;
    v.rng = 0x9e3779b97f4a7c15ULL;
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i], *val;
        int missing;
        double x;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_view, out);
            free(sets);
            return 0;
        } else if ((val = viz_opt(argc, argv, &i, "--out", "-o", &missing))) {
            o.out_dir = val;
        } else if ((val = viz_opt(argc, argv, &i, "--set", NULL, &missing))) {
            sets[o.n_sets++] = val;
        } else if ((val = viz_opt(argc, argv, &i, "--seed", NULL, &missing))) {
            if (viz_parse_real(val, &x) != 0 || x < 0 || x > 9007199254740992.0 || x != floor(x))
                rc = viz_usage_error(err, "view",
                                     "--seed: expected an integer in [0, 2^53], got \"%s\"", val);
            o.seed = (uint64_t) x;
            o.seed_given = 1;
        } else if ((val = viz_opt(argc, argv, &i, "--until", NULL, &missing))) {
            if (viz_parse_real(val, &o.until_s) != 0 || o.until_s <= 0)
                rc = viz_usage_error(err, "view", "--until: expected seconds > 0, got \"%s\"", val);
        } else if ((val = viz_opt(argc, argv, &i, "--speed", NULL, &missing))) {
            if (strcmp(val, "max") == 0) {
                v.speed_i = N_SPEEDS - 1;
            } else if (viz_parse_real(val, &x) != 0 || x < 0.1 || x > 1000) {
                rc = viz_usage_error(err, "view",
                                     "--speed: expected 0.1 to 1000 or max, got \"%s\"", val);
            } else {
                v.speed_i = 0;
                for (int k = 0; k < N_SPEEDS - 1; k++)
                    if (fabs(log(speeds[k] / x)) < fabs(log(speeds[v.speed_i] / x))) v.speed_i = k;
            }
        } else if ((val = viz_opt(argc, argv, &i, "--at", NULL, &missing))) {
            if (viz_parse_real(val, &v.start_at) != 0 || v.start_at < 0)
                rc = viz_usage_error(err, "view", "--at: expected seconds >= 0, got \"%s\"", val);
        } else if ((val = viz_opt(argc, argv, &i, "--size", NULL, &missing))) {
            if (viz_parse_size(val, &v.width, &v.height) != 0)
                rc = viz_usage_error(err, "view",
                                     "--size: expected WxH, each 320 to 8192, got \"%s\"", val);
        } else if ((val = viz_opt(argc, argv, &i, "--frames", NULL, &missing))) {
            if (viz_parse_real(val, &x) != 0 || x < 1 || x > 1e9 || x != floor(x))
                rc = viz_usage_error(err, "view", "--frames: expected a count >= 1, got \"%s\"",
                                     val);
            v.max_frames = (long) x;
        } else if ((val = viz_opt(argc, argv, &i, "--screenshot", NULL, &missing))) {
            v.shot = val;
        } else if ((val = viz_opt(argc, argv, &i, "--keys", NULL, &missing))) {
            v.keys = val;
        } else if (missing) {
            rc = viz_usage_error(err, "view", "%s: expected a value", a);
        } else if (strcmp(a, "--paused") == 0) {
            v.start_paused = 1;
        } else if (strcmp(a, "--exit-at-end") == 0) {
            v.exit_at_end = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = viz_usage_error(err, "view", "view: unknown option %s", a);
        } else if (!o.scenario) {
            o.scenario = a;
        } else {
            rc = viz_usage_error(err, "view", "view: one scenario file at a time, got another: %s",
                                 a);
        }
    }
    if (rc == 0 && !o.scenario) rc = viz_usage_error(err, "view", "view: expected a scenario FILE");
    if (rc == 0 && v.shot && !v.max_frames)
        rc = viz_usage_error(err, "view", "--screenshot: needs --frames N");
    if (rc != 0) {
        free(sets);
        return rc;
    }
    o.sets = sets;
    ecs_err e;
    err_clear(&e);
    /* the scenario is checked before a window opens */
    params *p = run_load_params(o.scenario, sets, o.n_sets, &e);
    if (p && run_validate(p, &e) != ECS_OK) {
        params_free(p);
        p = NULL;
    }
    if (!p) {
        fprintf(err, "ecsim: %s\n", e.msg);
        free(sets);
        return err_exit_code(e.code);
    }
    params_free(p);
    /* the picture is drawn in software already: the window shows it with
     * the display's own framebuffer, not through an OpenGL texture (which
     * loads Mesa's driver and only adds a copy) */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(err,
                "ecsim: view: cannot open a window: %s (no display? `ecsim render` draws "
                "without one)\n",
                SDL_GetError());
        free(sets);
        return 2;
    }
    if (viz_libs_init(&e) != ECS_OK) {
        fprintf(err, "ecsim: %s\n", e.msg);
        SDL_Quit();
        free(sets);
        return err_exit_code(e.code);
    }
    char title[512];
    snprintf(title, sizeof title, "ecsim view: %s", o.scenario);
    v.win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, v.width,
                             v.height, SDL_WINDOW_SHOWN | SDL_WINDOW_RESIZABLE);
    v.cv = v.win ? canvas_new(v.width, v.height, &e) : NULL;
    if (!v.win || !v.cv) {
        fprintf(err, "ecsim: view: %s\n", v.win ? e.msg : SDL_GetError());
        if (v.win) SDL_DestroyWindow(v.win);
        viz_libs_quit();
        SDL_Quit();
        free(sets);
        return v.win ? err_exit_code(e.code) : 2;
    }
    watch_init(&v.wt);
    layout_init(&v.l);
    v.dots = xcalloc(MAX_DOTS, sizeof *v.dots);
    v.sdots = xcalloc(MAX_DOTS, sizeof *v.sdots);
    v.scenario = o.scenario;
    run_observer obs = {&v, on_begin, on_advance, on_line, on_finish};
    o.observer = &obs;
    o.quiet = 1;
    int code = 0;
    double wall0 = wall_now();
    for (;;) {
        v.restart = 0;
        err_clear(&e);
        int r = run_scenario(&o, out, NULL, &e);
        if (v.restart && !v.quit) {
            fprintf(out, "view: restart\n");
            v.start_at = 0; /* from t = 0, whatever --at said */
            continue;
        }
        if (r != ECS_OK && !(r == ECS_EINTR && v.quit)) {
            fprintf(err, "ecsim: %s\n", e.msg);
            code = err_exit_code(r);
        } else if (r != ECS_OK) {
            fprintf(out, "view: closed at t = %g s, before the run's end: no results written\n",
                    v.wt.world.now_s);
        }
        break;
    }
    if (v.shot_failed && code == 0) code = 2;
    if (v.shot && !v.shot_failed) fprintf(out, "view: screenshot %s\n", v.shot);
    /* the frame rate once the window shows the run (after --at) */
    double wall = wall_now() - (v.wall_start > 0 ? v.wall_start : wall0);
    uint64_t shown = v.frames - v.frames_at_start;
    fprintf(out, "view: %llu frames, %llu of them in %.1f s from t = %g s on (%.1f frames/s)\n",
            (unsigned long long) v.frames, (unsigned long long) shown, wall, v.start_at,
            wall > 0 ? (double) shown / wall : 0.0);
    free(v.dots);
    free(v.sdots);
    free(v.last_routed);
    free(v.index_of);
    layout_fini(&v.l);
    watch_fini(&v.wt);
    canvas_free(v.cv);
    SDL_DestroyWindow(v.win);
    viz_libs_quit();
    SDL_Quit();
    free(sets);
    return code;
}

/* scene.h -- the picture of a run at one moment: header, load balancers
 * and their flows, hosts and task blocks by zone, the waiting strip, the
 * charts and the event ticker, drawn from a world snapshot and its history.
 * `ecsim render` saves exactly this; the window adds what scene_extra
 * carries (hover, selection, request dots, help, status).
 *
 * Colours (chosen to be told apart on the dark background, and by tests):
 * task blocks are filled by task state, outlined by target state; host
 * boxes are filled SCENE_HOST_FILL with a border by host state; the target
 * the load balancer would pick next is framed SCENE_NEXT. */
#ifndef ECSIM_VIZ_SCENE_H
#define ECSIM_VIZ_SCENE_H

#include <stdint.h>

#include "viz/canvas.h"
#include "viz/history.h"
#include "viz/layout.h"
#include "viz/world.h"

#define SCENE_BG        0x12161bu
#define SCENE_HOST_FILL 0x2b3440u
#define SCENE_NEXT      0xffe14du

uint32_t scene_task_colour(int task_state);
uint32_t scene_target_colour(int target_state); /* the outline; VW_TARGET_NONE: a dark edge */
uint32_t scene_host_border(int host_state);

typedef struct scene_dot {
    int x, y;
    uint32_t rgb;
} scene_dot;

typedef struct scene_extra {
    const char *status;  /* right of the header: "paused", "x10", ... */
    const char *message; /* a transient line over the cluster ("screenshot saved ...") */
    uint32_t hover_task, hover_host, hover_lb; /* VW_NONE for none */
    int mouse_x, mouse_y;
    int pinned; /* the details stay in the corner (a click) */
    int help;   /* the help overlay */
    const scene_dot *dots;
    int n_dots;
    int dot_scale; /* requests per dot (1 when every request has its dot) */
} scene_extra;

/* Lays out and draws the whole picture on cv. extra may be NULL (render). */
void scene_draw(canvas *cv, layout *l, const vw_world *w, const history *h,
                const scene_extra *extra);
/* The same with l already computed for w and cv's size (layout_compute). */
void scene_draw_laid_out(canvas *cv, const layout *l, const vw_world *w, const history *h,
                         const scene_extra *extra);

/* The lines of the details box for a task, host or load balancer (the
 * others VW_NONE), into buf as '\n'-separated lines. */
void scene_details(const vw_world *w, uint32_t task, uint32_t host, uint32_t lbi, char *buf,
                   size_t len);

#endif

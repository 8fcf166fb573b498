/* canvas.h -- software drawing into an SDL surface: rectangles, lines,
 * translucent fills and text, and saving the picture as a PNG. Everything
 * the visualiser shows is drawn here, in the window and headless alike, so
 * `ecsim render` draws exactly the pixels the window shows and needs no
 * display. Text uses DejaVu Sans found through fontconfig (the Debian
 * package fonts-dejavu-core), rendered by SDL2_ttf and cached per string,
 * since a frame redraws mostly the same labels. Colours are 0xRRGGBB. */
#ifndef ECSIM_VIZ_CANVAS_H
#define ECSIM_VIZ_CANVAS_H

#include <stdint.h>

#include "sim/engine/err.h"

typedef struct SDL_Surface SDL_Surface;

typedef struct cv_rect {
    int x, y, w, h;
} cv_rect;

typedef enum { CV_FONT_SMALL, CV_FONT_NORMAL, CV_FONT_BOLD, CV_FONT_TITLE, CV_FONTS } cv_font;

typedef enum { CV_LEFT, CV_CENTER, CV_RIGHT } cv_align;

typedef struct canvas canvas;

/* Starts SDL's libraries the canvas needs (SDL_ttf, SDL_image) and finds the
 * fonts, before canvas_new. ECS_EIO with e filled when no font is found.
 * Counted: each successful call is undone by one viz_libs_quit. */
int viz_libs_init(ecs_err *e);
void viz_libs_quit(void);

/* A w x h canvas (caller owns; canvas_free). Returns NULL with e filled
 * when SDL cannot make the surface or open a font. */
canvas *canvas_new(int w, int h, ecs_err *e);
void canvas_free(canvas *cv);

int canvas_width(const canvas *cv);
int canvas_height(const canvas *cv);
SDL_Surface *canvas_surface(canvas *cv); /* 32-bit XRGB8888 */

/* Drawing; everything is clipped to the canvas. */
void cv_clear(canvas *cv, uint32_t rgb);
void cv_fill(canvas *cv, int x, int y, int w, int h, uint32_t rgb);
void cv_frame(canvas *cv, int x, int y, int w, int h, int thick, uint32_t rgb); /* outline */
void cv_blend(canvas *cv, int x, int y, int w, int h, uint32_t rgb, int alpha); /* 0..255 */
void cv_line(canvas *cv, int x0, int y0, int x1, int y1, uint32_t rgb);
void cv_line_blend(canvas *cv, int x0, int y0, int x1, int y1, uint32_t rgb, int alpha);
void cv_dashed(canvas *cv, int x0, int y0, int x1, int y1, int dash, uint32_t rgb);
void cv_disc(canvas *cv, int cx, int cy, int r, uint32_t rgb);

/* Text at (x, y) = its top, aligned on x; returns its width in pixels.
 * Clipped to clip when clip is not NULL. */
int cv_text(canvas *cv, int x, int y, cv_font f, uint32_t rgb, cv_align a, const char *s);
int cv_textf(canvas *cv, int x, int y, cv_font f, uint32_t rgb, cv_align a, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
int cv_text_width(canvas *cv, cv_font f, const char *s);
int cv_font_height(canvas *cv, cv_font f); /* line height */
/* Text cut to at most max_w pixels (ending in "..." when cut). */
int cv_text_fit(canvas *cv, int x, int y, cv_font f, uint32_t rgb, int max_w, const char *s);

/* Saves the picture as PNG: written under a temporary name and renamed
 * into place, so a reader never sees half a file. ECS_EIO on failure. */
int cv_save_png(canvas *cv, const char *path, ecs_err *e);
int viz_save_surface_png(SDL_Surface *s, const char *path, ecs_err *e);

/* The pixel at (x, y) as 0xRRGGBB (tests). */
uint32_t cv_pixel(const canvas *cv, int x, int y);

#endif

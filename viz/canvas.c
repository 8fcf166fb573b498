/* canvas.c -- the drawing primitives on a 32-bit software surface, the text
 * cache and PNG output. Rectangles go through SDL_FillRect (a row fill);
 * lines, translucent fills and discs are plotted here, directly into the
 * surface's pixels, clipped per pixel. Text surfaces are made once per
 * (font, colour, string) and kept in an open-addressing table that is
 * emptied when three quarters full: a frame draws a few hundred labels, most
 * of them the same as the frame before. */
#include "viz/canvas.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/engine/xmalloc.h"

#define CACHE_SIZE 4096 /* a power of two */

typedef struct text_entry {
    char *s; /* NULL: empty slot */
    uint64_t hash;
    SDL_Surface *surf;
} text_entry;

struct canvas {
    SDL_Surface *surf;
    TTF_Font *font[CV_FONTS];
    int line_h[CV_FONTS];
    text_entry *cache;
    uint32_t n_cached;
};

static char font_path[2][1024]; /* regular, bold */
static int libs_up;             /* viz_libs_init calls not yet undone */

/* The file of the best match for `pattern` through fontconfig, or -1. */
static int find_font(const char *pattern, char *out, size_t len)
{
    FcPattern *pat = FcNameParse((const FcChar8 *) pattern);
    if (!pat) return -1;
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *match = FcFontMatch(NULL, pat, &res);
    int rc = -1;
    FcChar8 *file = NULL;
    if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch && file) {
        snprintf(out, len, "%s", (const char *) file);
        rc = 0;
    }
    if (match) FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return rc;
}

int viz_libs_init(ecs_err *e)
{
    /* counted: a command run inside a test that holds them leaves them up */
    if (libs_up) {
        libs_up++;
        return ECS_OK;
    }
    if (!FcInit()) return err_set(e, ECS_EIO, "fontconfig could not be initialised");
    int found = find_font("DejaVu Sans:style=Book", font_path[0], sizeof font_path[0]) == 0 &&
                find_font("DejaVu Sans:style=Bold", font_path[1], sizeof font_path[1]) == 0;
    FcFini();
    if (!found)
        return err_set(e, ECS_EIO, "no font found through fontconfig (install fonts-dejavu-core)");
    if (TTF_Init() != 0) return err_set(e, ECS_EIO, "SDL_ttf: %s", TTF_GetError());
    if ((IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) == 0) {
        TTF_Quit();
        return err_set(e, ECS_EIO, "SDL_image cannot write PNG: %s", IMG_GetError());
    }
    libs_up = 1;
    return ECS_OK;
}

void viz_libs_quit(void)
{
    if (!libs_up || --libs_up > 0) return;
    IMG_Quit();
    TTF_Quit();
}

canvas *canvas_new(int w, int h, ecs_err *e)
{
    static const int size[CV_FONTS] = {11, 13, 13, 16};
    static const int bold[CV_FONTS] = {0, 0, 1, 1};
    canvas *cv = xcalloc(1, sizeof *cv);
    cv->surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
    if (!cv->surf) {
        err_set(e, ECS_EINTERNAL, "SDL cannot make a %dx%d surface: %s", w, h, SDL_GetError());
        free(cv);
        return NULL;
    }
    for (int i = 0; i < CV_FONTS; i++) {
        cv->font[i] = TTF_OpenFont(font_path[bold[i]], size[i]);
        if (!cv->font[i]) {
            err_set(e, ECS_EIO, "%s: %s", font_path[bold[i]], TTF_GetError());
            canvas_free(cv);
            return NULL;
        }
        cv->line_h[i] = TTF_FontLineSkip(cv->font[i]);
    }
    cv->cache = xcalloc(CACHE_SIZE, sizeof *cv->cache);
    return cv;
}

static void cache_clear(canvas *cv)
{
    for (uint32_t i = 0; i < CACHE_SIZE; i++) {
        if (!cv->cache[i].s) continue;
        free(cv->cache[i].s);
        SDL_FreeSurface(cv->cache[i].surf);
        cv->cache[i].s = NULL;
    }
    cv->n_cached = 0;
}

void canvas_free(canvas *cv)
{
    if (!cv) return;
    if (cv->cache) cache_clear(cv);
    free(cv->cache);
    for (int i = 0; i < CV_FONTS; i++)
        if (cv->font[i]) TTF_CloseFont(cv->font[i]);
    SDL_FreeSurface(cv->surf);
    free(cv);
}

int canvas_width(const canvas *cv)
{
    return cv->surf->w;
}

int canvas_height(const canvas *cv)
{
    return cv->surf->h;
}

SDL_Surface *canvas_surface(canvas *cv)
{
    return cv->surf;
}

static inline uint32_t px_of(uint32_t rgb)
{
    return rgb & 0xffffff; /* XRGB8888: the surface's pixels are 0x00RRGGBB */
}

static inline void plot(canvas *cv, int x, int y, uint32_t px)
{
    SDL_Surface *s = cv->surf;
    if ((unsigned) x >= (unsigned) s->w || (unsigned) y >= (unsigned) s->h) return;
    ((uint32_t *) ((uint8_t *) s->pixels + (size_t) y * (size_t) s->pitch))[x] = px;
}

static inline uint32_t mix(uint32_t dst, uint32_t src, int a)
{
    uint32_t r =
        (((src >> 16) & 255) * (uint32_t) a + ((dst >> 16) & 255) * (uint32_t) (255 - a)) / 255;
    uint32_t g =
        (((src >> 8) & 255) * (uint32_t) a + ((dst >> 8) & 255) * (uint32_t) (255 - a)) / 255;
    uint32_t b = ((src & 255) * (uint32_t) a + (dst & 255) * (uint32_t) (255 - a)) / 255;
    return r << 16 | g << 8 | b;
}

static inline void plot_blend(canvas *cv, int x, int y, uint32_t rgb, int a)
{
    SDL_Surface *s = cv->surf;
    if ((unsigned) x >= (unsigned) s->w || (unsigned) y >= (unsigned) s->h) return;
    uint32_t *p = (uint32_t *) ((uint8_t *) s->pixels + (size_t) y * (size_t) s->pitch) + x;
    *p = mix(*p, rgb, a);
}

void cv_clear(canvas *cv, uint32_t rgb)
{
    SDL_FillRect(cv->surf, NULL, px_of(rgb));
}

void cv_fill(canvas *cv, int x, int y, int w, int h, uint32_t rgb)
{
    if (w <= 0 || h <= 0) return;
    SDL_Rect r = {x, y, w, h};
    SDL_FillRect(cv->surf, &r, px_of(rgb));
}

void cv_frame(canvas *cv, int x, int y, int w, int h, int thick, uint32_t rgb)
{
    if (w <= 0 || h <= 0 || thick <= 0) return;
    if (2 * thick >= w || 2 * thick >= h) {
        cv_fill(cv, x, y, w, h, rgb);
        return;
    }
    cv_fill(cv, x, y, w, thick, rgb);
    cv_fill(cv, x, y + h - thick, w, thick, rgb);
    cv_fill(cv, x, y + thick, thick, h - 2 * thick, rgb);
    cv_fill(cv, x + w - thick, y + thick, thick, h - 2 * thick, rgb);
}

void cv_blend(canvas *cv, int x, int y, int w, int h, uint32_t rgb, int alpha)
{
    SDL_Surface *s = cv->surf;
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > s->w ? s->w : x + w, y1 = y + h > s->h ? s->h : y + h;
    for (int j = y0; j < y1; j++) {
        uint32_t *row = (uint32_t *) ((uint8_t *) s->pixels + (size_t) j * (size_t) s->pitch);
        for (int i = x0; i < x1; i++) row[i] = mix(row[i], rgb, alpha);
    }
}

/* Bresenham; mode 0 solid, 1 blended with alpha, 2 dashed with `dash`. */
static void line(canvas *cv, int x0, int y0, int x1, int y1, uint32_t rgb, int mode, int arg)
{
    /* lines far outside the canvas are skipped rather than walked */
    SDL_Surface *s = cv->surf;
    if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 >= s->w && x1 >= s->w) ||
        (y0 >= s->h && y1 >= s->h))
        return;
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy, k = 0;
    uint32_t px = px_of(rgb);
    for (;;) {
        if (mode == 0)
            plot(cv, x0, y0, px);
        else if (mode == 1)
            plot_blend(cv, x0, y0, rgb, arg);
        else if ((k / arg) % 2 == 0)
            plot(cv, x0, y0, px);
        k++;
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void cv_line(canvas *cv, int x0, int y0, int x1, int y1, uint32_t rgb)
{
    if (y0 == y1) {
        cv_fill(cv, x0 < x1 ? x0 : x1, y0, abs(x1 - x0) + 1, 1, rgb);
        return;
    }
    if (x0 == x1) {
        cv_fill(cv, x0, y0 < y1 ? y0 : y1, 1, abs(y1 - y0) + 1, rgb);
        return;
    }
    line(cv, x0, y0, x1, y1, rgb, 0, 0);
}

void cv_line_blend(canvas *cv, int x0, int y0, int x1, int y1, uint32_t rgb, int alpha)
{
    line(cv, x0, y0, x1, y1, rgb, 1, alpha);
}

void cv_dashed(canvas *cv, int x0, int y0, int x1, int y1, int dash, uint32_t rgb)
{
    line(cv, x0, y0, x1, y1, rgb, 2, dash > 0 ? dash : 4);
}

void cv_disc(canvas *cv, int cx, int cy, int r, uint32_t rgb)
{
    for (int j = -r; j <= r; j++) {
        int half = 0;
        while ((half + 1) * (half + 1) + j * j <= r * r) half++;
        cv_fill(cv, cx - half, cy + j, 2 * half + 1, 1, rgb);
    }
}

/* ---- text ---- */

static uint64_t hash_text(cv_font f, uint32_t rgb, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t) f << 32 | rgb);
    for (; *s; s++) h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
    return h ? h : 1;
}

/* The cached surface of a string, made on first use; NULL for "". */
static SDL_Surface *text_surface(canvas *cv, cv_font f, uint32_t rgb, const char *s)
{
    if (!*s) return NULL;
    uint64_t h = hash_text(f, rgb, s);
    uint32_t i = (uint32_t) h & (CACHE_SIZE - 1);
    for (;; i = (i + 1) & (CACHE_SIZE - 1)) {
        text_entry *t = &cv->cache[i];
        if (!t->s) break;
        /* the hash covers font and colour; the string is compared whole */
        if (t->hash == h && strcmp(t->s, s) == 0) return t->surf;
    }
    if (cv->n_cached >= CACHE_SIZE * 3 / 4) {
        cache_clear(cv);
        i = (uint32_t) h & (CACHE_SIZE - 1);
    }
    SDL_Color col = {(uint8_t) (rgb >> 16), (uint8_t) (rgb >> 8), (uint8_t) rgb, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(cv->font[f], s, col);
    if (!surf) return NULL;
    text_entry *t = &cv->cache[i];
    t->s = xstrdup(s);
    t->hash = h;
    t->surf = surf;
    cv->n_cached++;
    return surf;
}

int cv_text(canvas *cv, int x, int y, cv_font f, uint32_t rgb, cv_align a, const char *s)
{
    SDL_Surface *t = text_surface(cv, f, rgb, s);
    if (!t) return 0;
    SDL_Rect r = {x, y, t->w, t->h};
    if (a == CV_CENTER) r.x -= t->w / 2;
    if (a == CV_RIGHT) r.x -= t->w;
    SDL_BlitSurface(t, NULL, cv->surf, &r);
    return t->w;
}

int cv_textf(canvas *cv, int x, int y, cv_font f, uint32_t rgb, cv_align a, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cv_text(cv, x, y, f, rgb, a, buf);
}

int cv_text_width(canvas *cv, cv_font f, const char *s)
{
    int w = 0;
    if (*s && TTF_SizeUTF8(cv->font[f], s, &w, NULL) != 0) w = 0;
    return w;
}

int cv_font_height(canvas *cv, cv_font f)
{
    return cv->line_h[f];
}

int cv_text_fit(canvas *cv, int x, int y, cv_font f, uint32_t rgb, int max_w, const char *s)
{
    if (max_w <= 0) return 0;
    if (cv_text_width(cv, f, s) <= max_w) return cv_text(cv, x, y, f, rgb, CV_LEFT, s);
    char buf[256];
    size_t n = strlen(s);
    if (n > sizeof buf - 4) n = sizeof buf - 4;
    while (n > 0) {
        n--;
        /* do not cut a UTF-8 sequence in half */
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80) n--;
        snprintf(buf, sizeof buf, "%.*s...", (int) n, s);
        if (cv_text_width(cv, f, buf) <= max_w) return cv_text(cv, x, y, f, rgb, CV_LEFT, buf);
    }
    return 0;
}

/* ---- output ---- */

int viz_save_surface_png(SDL_Surface *s, const char *path, ecs_err *e)
{
    char tmp[4200];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp.%ld", (int) (slash - path), path, slash + 1,
                 (long) getpid());
    else
        snprintf(tmp, sizeof tmp, ".%s.tmp.%ld", path, (long) getpid());
    /* PNG without alpha: the picture is opaque */
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB24, 0);
    if (!rgb) return err_set(e, ECS_EINTERNAL, "SDL: %s", SDL_GetError());
    int bad = IMG_SavePNG(rgb, tmp) != 0;
    SDL_FreeSurface(rgb);
    if (bad) {
        unlink(tmp);
        return err_set(e, ECS_EIO, "cannot write %s: %s", path, IMG_GetError());
    }
    if (rename(tmp, path) != 0) {
        int errnum = errno;
        unlink(tmp);
        return err_set(e, ECS_EIO, "cannot write %s: %s", path, strerror(errnum));
    }
    return ECS_OK;
}

int cv_save_png(canvas *cv, const char *path, ecs_err *e)
{
    return viz_save_surface_png(cv->surf, path, e);
}

uint32_t cv_pixel(const canvas *cv, int x, int y)
{
    const SDL_Surface *s = cv->surf;
    if ((unsigned) x >= (unsigned) s->w || (unsigned) y >= (unsigned) s->h) return 0;
    return ((const uint32_t *) ((const uint8_t *) s->pixels + (size_t) y * (size_t) s->pitch))[x] &
           0xffffff;
}

/* progress.c -- the progress bar on stderr and the SIGINT flag (see
 * progress.h). The bar is drawn only on a terminal: "\r" and the ANSI
 * erase-to-end-of-line put each drawing over the last. */
#include "sim/progress.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/engine/xmalloc.h"

struct progress {
    int total, already, shown;
    double t0, last;
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

progress *progress_start(int total, int already, int quiet)
{
    if (quiet || total < 1 || !isatty(fileno(stderr))) return NULL;
    progress *p = xcalloc(1, sizeof *p);
    p->total = total;
    p->already = already;
    p->t0 = mono_now();
    p->last = -1;
    progress_tick(p, already);
    return p;
}

static void eta_text(double s, char *buf, size_t len)
{
    if (!(s >= 0) || s > 360000) {
        snprintf(buf, len, "--:--");
        return;
    }
    long t = (long) (s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void progress_tick(progress *p, int done)
{
    if (!p) return;
    double now = mono_now();
    if (done < p->total && p->last >= 0 && now - p->last < 0.1) return;
    p->last = now;
    double el = now - p->t0, rate = el > 0 ? (done - p->already) / el : 0;
    char eta[32];
    eta_text(rate > 0 ? (p->total - done) / rate : -1, eta, sizeof eta);
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int fill = (int) ((double) done / p->total * WIDTH);
    for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r[%s] %d/%d runs  %.1f runs/s  ETA %s\033[K", bar, done, p->total, rate, eta);
    fflush(stderr);
    p->shown = 1;
}

void progress_clear(progress *p)
{
    if (!p || !p->shown) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = 0;
    p->last = -1; /* the next tick draws */
}

void progress_end(progress *p)
{
    progress_clear(p);
    free(p);
}

/* ---- Ctrl-C ---- */

static volatile sig_atomic_t got_sigint;
static struct sigaction old_action;

static void on_sigint(int sig)
{
    (void) sig;
    got_sigint = 1;
}

void progress_catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    got_sigint = 0;
    sigaction(SIGINT, &sa, &old_action);
}

void progress_release_sigint(void)
{
    sigaction(SIGINT, &old_action, NULL);
}

int progress_interrupted(void)
{
    return got_sigint != 0;
}

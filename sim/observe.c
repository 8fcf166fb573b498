/* observe.c -- running a simulation in the stretches an observer asks for,
 * and the tee that shows it events.csv as it is written. The tee is a
 * fopencookie stream: the recorder writes to it exactly as to the file, and
 * its write function passes the bytes on unchanged before splitting them
 * into lines for the observer (a quoted field may hold a line break, so a
 * line ends only at a newline outside quotes). */
#include "sim/observe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

typedef struct tee {
    FILE *real;
    const run_observer *obs;
    char *line; /* the line being gathered */
    size_t len, cap;
    int quoted; /* inside a quoted field */
} tee;

static ssize_t tee_write(void *cookie, const char *buf, size_t size)
{
    tee *t = cookie;
    size_t wrote = fwrite(buf, 1, size, t->real);
    if (t->obs->event_line) {
        for (size_t i = 0; i < size; i++) {
            char ch = buf[i];
            if (ch == '"') t->quoted = !t->quoted;
            if (ch == '\n' && !t->quoted) {
                size_t n = t->len;
                if (n && t->line[n - 1] == '\r') n--;
                t->obs->event_line(t->obs->ctx, t->line, n);
                t->len = 0;
                continue;
            }
            if (t->len == t->cap) {
                t->cap = t->cap ? 2 * t->cap : 256;
                t->line = xrealloc(t->line, t->cap);
            }
            t->line[t->len++] = ch;
        }
    }
    /* a short write is reported to the recorder's stream as the file's */
    return wrote == size ? (ssize_t) size : -1;
}

static int tee_close(void *cookie)
{
    tee *t = cookie;
    free(t->line);
    free(t);
    return 0;
}

FILE *observe_tee(FILE *real, const run_observer *obs)
{
    tee *t = xcalloc(1, sizeof *t);
    t->real = real;
    t->obs = obs;
    cookie_io_functions_t io = {NULL, tee_write, NULL, tee_close};
    FILE *f = fopencookie(t, "w", io);
    if (!f) {
        fprintf(stderr, "ecsim: out of memory (fopencookie)\n");
        abort();
    }
    /* line-buffered: the observer sees each line as soon as it ends; the
     * file's own stream still buffers what reaches the disk */
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

void observe_tee_close(FILE **tee_fp)
{
    if (!*tee_fp) return;
    fclose(*tee_fp);
    *tee_fp = NULL;
}

int observe_run(const run_observer *obs, struct cluster *c, sim *s, double until_s, ecs_err *e)
{
    for (;;) {
        observe_status st;
        st.now_s = sim_now(s);
        st.next_s = evq_peek_time(&s->q);
        st.events = s->n_events;
        /* s->stop stays set after the sim_run it ended */
        st.ended = s->stop || st.next_s == INFINITY || st.next_s > until_s;
        double to = st.now_s;
        if (obs->advance(obs->ctx, c, &st, &to) == OBSERVE_QUIT)
            return err_set(e, ECS_EINTR,
                           "stopped at t=%.9g s before the run's end: no results written",
                           st.now_s);
        if (st.ended) return ECS_OK;
        if (isnan(to) || to < st.now_s) to = st.now_s;
        if (to > until_s) to = until_s;
        int rc = sim_run(s, to, e);
        if (rc != ECS_OK) return rc;
    }
}

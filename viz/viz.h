/* viz.h -- the visualiser's commands, called by the command line (cli.c):
 * `ecsim view FILE` (the live window), `ecsim render FILE` (PNG pictures of
 * the cluster at given times, no display needed) and `ecsim plot DIR` (PNG
 * charts of a run's or a sweep's results). Each returns the process exit
 * code (0 ok, 2 bad usage or input, 1 internal failure) and prints only to
 * out and err. Built only with VIZ=1 (the default); see viz/README.md. */
#ifndef ECSIM_VIZ_H
#define ECSIM_VIZ_H

#include <stdio.h>

#include "sim/engine/err.h"
#include "sim/run.h"

struct watch;

int viz_view_main(int argc, char **argv, FILE *out, FILE *err);
int viz_render_main(int argc, char **argv, FILE *out, FILE *err);
int viz_plot_main(int argc, char **argv, FILE *out, FILE *err);

/* Runs the scenario of o (its outputs are not written) to simulated time
 * at_s, or to its end if sooner, and leaves in wt the snapshot and history
 * there (wt->c is NULL afterwards: the cluster is gone, the copies stay).
 * wt must be watch_init'ed; caller watch_fini's it. Returns ECS_OK or the
 * run's error with e filled. */
int viz_snapshot(const run_opts *o, double at_s, struct watch *wt, ecs_err *e);

/* ---- shared by the commands (viz.c) ---- */

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]: the value (and *i moved past
 * it), or NULL when argv[*i] is not this option (*missing set when it is
 * but has no value). */
const char *viz_opt(int argc, char **argv, int *i, const char *lng, const char *shrt, int *missing);
/* "WxH" with 320 <= W, H <= 8192; 0 or -1. */
int viz_parse_size(const char *s, int *w, int *h);
/* A finite number; 0 or -1. */
int viz_parse_real(const char *s, double *v);
/* Prints "ecsim: <what>\n(see ecsim <cmd> --help)" and returns 2. */
int viz_usage_error(FILE *err, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

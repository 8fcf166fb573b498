/* plot.c -- placeholder */
#include "viz/viz.h"
int viz_plot_main(int argc, char **argv, FILE *out, FILE *err)
{
    (void) argc;
    (void) argv;
    (void) out;
    (void) err;
    return 2;
}

/* trace_cmd.h -- `ecsim trace stats FILE`: what a planner wants to know about
 * a recorded trace before replaying it (duration, total, mean and peak
 * rates at several bin widths, burstiness, the busiest hour), read in one
 * streamed pass in constant memory. */
#ifndef ECSIM_TRACE_CMD_H
#define ECSIM_TRACE_CMD_H

#include <stdio.h>

/* argv holds the words after `ecsim trace` (argv[0] is "stats", or -h).
 * Prints to out; on bad usage or bad input one "ecsim: ..." line to err.
 * Returns the exit code: 0, or 2 (bad usage, unreadable or bad trace). */
int trace_cmd_main(int argc, char **argv, FILE *out, FILE *err);

#endif

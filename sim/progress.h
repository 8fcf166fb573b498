/* progress.h -- feedback while many runs go by: a one-line progress bar on
 * stderr (runs done of total, runs per second, ETA) redrawn in place when
 * stderr is a terminal, and Ctrl-C caught as a flag so a sweep or a set of
 * replications can stop cleanly between runs.
 * Owns: the bar's state and drawing, the SIGINT handler (it only sets a
 * volatile sig_atomic_t; the experiments poll progress_interrupted). */
#ifndef ECSIM_PROGRESS_H
#define ECSIM_PROGRESS_H

typedef struct progress progress;

/* A bar for total runs of which already are done before this process
 * started (a --resume). NULL (every function accepts it and does nothing)
 * when quiet or when stderr is not a terminal. */
progress *progress_start(int total, int already, int quiet);
/* done runs of total now: redrawn at most ten times a second, and always
 * for the last run. */
void progress_tick(progress *p, int done);
/* Erases the bar so a line can be printed in its place; the next tick
 * draws it again. */
void progress_clear(progress *p);
/* Erases the bar and frees p. */
void progress_end(progress *p);

/* Installs the SIGINT handler (without SA_RESTART, so a blocking waitpid
 * returns EINTR; SA_RESETHAND, so a second Ctrl-C kills as usual) and
 * clears the flag. Calls do not nest. */
void progress_catch_sigint(void);
/* Puts back the handler progress_catch_sigint replaced. */
void progress_release_sigint(void);
/* 1 once SIGINT arrived after progress_catch_sigint. */
int progress_interrupted(void);

#endif

/* err.h -- input and environment errors, carried up to the command line.
 * A function that can fail on bad input returns an int (ECS_OK or a negative
 * ECS_E* code) and fills an ecs_err with one human-readable line that already
 * names where the problem is (file:line:column and the parameter path). Only
 * the command line prints it. Broken invariants are not errors: they assert. */
#ifndef ECSIM_ERR_H
#define ECSIM_ERR_H

enum {
    ECS_OK = 0,
    ECS_EINPUT = -1,    /* bad scenario, trace, option or value: exit 2 */
    ECS_EIO = -2,       /* a file could not be read or written: exit 2 */
    ECS_EINTERNAL = -3, /* a bug or a library failure: exit 1 */
    ECS_EINTR = -4      /* stopped by Ctrl-C (SIGINT): exit 130 */
};

typedef struct ecs_err {
    int code;       /* the ECS_E* code of the first error, ECS_OK if none */
    char msg[1024]; /* the whole message, without trailing newline */
} ecs_err;

void err_clear(ecs_err *e);

/* Records the message unless an earlier one is already recorded (the first
 * error is the one worth reading). Returns `code` so callers can write
 * `return err_set(e, ECS_EINPUT, "...")`. */
int err_set(ecs_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same with a "file:line:column: " prefix (line and column are 1-based;
 * a zero line leaves out line and column). */
int err_at(ecs_err *e, int code, const char *file, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* 2 for input errors, 1 for internal ones, 130 for ECS_EINTR, 0 for ECS_OK. */
int err_exit_code(int code);

#endif

/* err.c -- filling an ecs_err: the first error wins, later ones are dropped
 * because they are usually consequences of the first. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

void err_clear(ecs_err *e)
{
    e->code = ECS_OK;
    e->msg[0] = '\0';
}

static int vset(ecs_err *e, int code, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static int vset(ecs_err *e, int code, const char *prefix, const char *fmt, va_list ap)
{
    if (!e || e->code != ECS_OK) return code;
    e->code = code;
    int n = snprintf(e->msg, sizeof e->msg, "%s", prefix);
    if (n < 0) n = 0;
    if ((size_t) n < sizeof e->msg) vsnprintf(e->msg + n, sizeof e->msg - (size_t) n, fmt, ap);
    return code;
}

int err_set(ecs_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, "", fmt, ap);
    va_end(ap);
    return code;
}

int err_at(ecs_err *e, int code, const char *file, int line, int column, const char *fmt, ...)
{
    char prefix[512];
    if (line > 0)
        snprintf(prefix, sizeof prefix, "%s:%d:%d: ", file, line, column);
    else
        snprintf(prefix, sizeof prefix, "%s: ", file);
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, prefix, fmt, ap);
    va_end(ap);
    return code;
}

int err_exit_code(int code)
{
    if (code == ECS_OK) return 0;
    if (code == ECS_EINTR) return 130;
    return code == ECS_EINTERNAL ? 1 : 2;
}

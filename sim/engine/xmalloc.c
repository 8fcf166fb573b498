/* xmalloc.c -- allocation that never returns NULL, with a failure hook for
 * tests. An out-of-memory CLI has nothing better to do than say so and stop. */
#include "xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fail_after = -1;

static void *check(void *p, size_t size)
{
    if (fail_after == 0) {
        free(p);
        p = NULL;
    } else if (fail_after > 0) {
        fail_after--;
    }
    if (!p && size) {
        fprintf(stderr, "ecsim: out of memory (%zu bytes)\n", size);
        abort();
    }
    return p;
}

void *xmalloc(size_t size)
{
    return check(malloc(size ? size : 1), size ? size : 1);
}

void *xcalloc(size_t n, size_t size)
{
    size_t bytes = n * size;
    return check(calloc(n ? n : 1, size ? size : 1), bytes ? bytes : 1);
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    return check(p, size ? size : 1);
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    char *s = xmalloc((size_t) n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t) n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void xmalloc_fail_after(long n)
{
    fail_after = n;
}

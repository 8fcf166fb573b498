/* xmalloc.h -- the one allocation choke point.
 * Every allocation in ecsim goes through these verbs. Running out of memory
 * is not an input error a user can fix, so they abort with a message rather
 * than return NULL; tests can make the n-th allocation fail to check that
 * callers clean up (xmalloc_fail_after). */
#ifndef ECSIM_XMALLOC_H
#define ECSIM_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);             /* never NULL; aborts on OOM */
void *xcalloc(size_t n, size_t size);   /* zeroed; never NULL */
void *xrealloc(void *ptr, size_t size); /* never NULL */
char *xstrdup(const char *s);           /* never NULL */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Test hook: after `n` more successful allocations the next one aborts as
 * an OOM would (n < 0 turns the hook off). */
void xmalloc_fail_after(long n);

#endif

/* core/xalloc.h - allocation that never returns NULL: on out-of-memory it logs and aborts,
 * so callers do not check.      int *v = xcalloc(n, sizeof(*v)); ... free(v);            */
#ifndef SHOP_CORE_XALLOC_H
#define SHOP_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* xreallocarray: realloc to n * size bytes, aborting on overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

#endif

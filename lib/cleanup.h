/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup for function-local resources (see STYLE.md, Cleanup). */
#ifndef LIB_CLEANUP_H
#define LIB_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))

/* Hand a resource out of a cleanup-scoped variable. */
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) __t = (p); \
		(p) = NULL;              \
		__t;                     \
	})
#define TAKE_FD(fd)             \
	({                      \
		int __t = (fd); \
		(fd) = -1;      \
		__t;            \
	})

#endif

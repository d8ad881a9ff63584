/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's side of the gofer: one child process per sandbox. */
#ifndef OCI_GOFER_SPAWN_H
#define OCI_GOFER_SPAWN_H

#include <sys/types.h>

#include "gofer/gofer.h"
#include "lib/compiler.h"

/*
 * Start `runsk gofer --root=ROOT [--ro]` as a child that dies with runsk.
 * *sock is the Sentry's end of its connection (close-on-exec), *pid the
 * child. Returns 0 or -errno.
 */
int gofer_spawn(const char *root, bool ro, int *sock, pid_t *pid) __must_check;
/* The same, also serving binds[0..nbinds) as attach names bind0, bind1, ... */
int gofer_spawn_binds(const char *root, bool ro, const struct gofer_bind *binds, unsigned nbinds,
		      int *sock, pid_t *pid) __must_check;
/*
 * Collect the gofer after the Sentry has closed its end; one that does not
 * exit within a second is killed. Returns its wait status or -errno.
 */
int gofer_reap(pid_t pid);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control server (control.c): one host thread per sandbox that serves
 * the control socket (sentry.h: the protocol), creating the processes of
 * `runsk exec` and reporting their exits. Called by sentry_run only.
 *
 * Lock order: the server takes k->lock for the process tree, never while
 * it holds anything else.
 */
#ifndef SENTRY_KERNEL_CONTROL_H
#define SENTRY_KERNEL_CONTROL_H

#include "kernel.h"

struct control;
struct fs_struct;

/*
 * Serve listen_fd (taken over) for k on a new thread. New processes get
 * spec's capability sets (NULL: none of the bundle's) and a copy of root
 * (a reference is taken): the container's root file system and mounts,
 * as init first had them. Returns the server, or NULL (listen_fd closed,
 * exec unavailable) after a warning.
 */
struct control *control_start(struct kernel *k, int listen_fd, const struct sandbox_spec *spec,
			      struct fs_struct *root);
/*
 * Stop serving, after every task has exited: clients of exec'd processes
 * get their EXITED first. NULL-safe.
 */
void control_stop(struct control *c);

#endif

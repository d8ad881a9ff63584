/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the control server (control.h), between its two files: control.c
 * serves the socket (connections, packets, signals, exits, the proxy
 * list) and control_exec.c builds and starts the process of an EXEC
 * request. Both run on the server's one thread only, so the structs below
 * need no lock of their own; the process tree is under k->lock.
 */
#ifndef SENTRY_KERNEL_CONTROL_INTERNAL_H
#define SENTRY_KERNEL_CONTROL_INTERNAL_H

#include "kernel.h"
#include "wait.h"

#define CONTROL_MAX_CONNS 64

struct control;
struct file;
struct tty_console;

/* A client: one connection and, once it has exec'd, its process. */
struct control_conn {
	int fd;			     /* -1 once the client is gone (or the slot is free) */
	struct file *pidfd;	     /* the process, NULL before EXEC: a free slot has neither */
	struct wait_entry w;	     /* on the pidfd's queue: the exit wakes the server */
	struct tty_console *console; /* its terminal (-t), NULL without one */
	int proxy_pid;		     /* the client's host proxy (PROXY), 0: not told */
	struct control *ctl;
};

struct control {
	struct kernel *k;
	const struct sandbox_spec *spec;
	struct fs_struct *root; /* the container's root and mounts, as init got them */
	int listen_fd;
	int wake_fd;   /* eventfd: a process exited, or stop */
	bool stopping; /* atomic */
	pthread_t thread;
	u8 *buf; /* one packet */
	struct control_conn conns[CONTROL_MAX_CONNS];
};

/* Send one message without blocking (control.c); a failure is only logged. */
void control_send_msg(int fd, u32 type, s32 value);

/*
 * An EXEC packet of len bytes in ctl->buf with nfds fds (control_exec.c;
 * those it hands over it sets to -1, the rest stay the caller's): check
 * it, build its process for conn and start it, and answer STARTED, or
 * ERROR / ERROR_CWD. The process is then conn's (conn->pidfd, and
 * conn->console with a terminal) and its exit wakes the server.
 */
void control_conn_exec(struct control *ctl, struct control_conn *conn, size_t len, int *fds,
		       int nfds);

#endif

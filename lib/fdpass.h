/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One packet with file descriptors (SCM_RIGHTS) over an AF_UNIX socket:
 * the cmsg bookkeeping that runsk exec and the console socket (sending)
 * and the Sentry's control server (receiving) would each write again.
 */
#ifndef LIB_FDPASS_H
#define LIB_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#include "compiler.h"

#define FDPASS_MAX_FDS 8 /* fds one call passes, at most */

/*
 * Send len bytes of buf as one message carrying fds[0..nfds) (nfds <=
 * FDPASS_MAX_FDS; 0: none), with MSG_NOSIGNAL added to flags. Bytes sent,
 * or -errno (-EINVAL: too many fds). The fds stay the caller's.
 */
ssize_t fdpass_send(int sock, const void *buf, size_t len, const int *fds, int nfds,
		    int flags) __must_check;

/*
 * Receive one message of at most len bytes into buf, with MSG_CMSG_CLOEXEC
 * added to flags. The first maxfds (<= FDPASS_MAX_FDS) fds it carries go
 * to fds (*nfds of them, the caller's to close, even on -EMSGSIZE); any
 * beyond are closed. Its length, 0 at EOF, -EMSGSIZE if the data or the
 * fds were cut short (a packet to refuse whole), or -errno.
 */
ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds,
		    int flags) __must_check;

#endif

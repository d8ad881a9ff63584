/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible readiness ABI of Linux x86-64: poll and epoll event bits
 * (the same values in both), struct pollfd, pselect6's sigset argument,
 * and the pipe and eventfd constants that come with them.
 */
#ifndef ABI_LINUX_POLL_H
#define ABI_LINUX_POLL_H

#include <stddef.h>
#include "lib/compiler.h"

/* Event bits: poll's revents and epoll's events (EPOLL* has the same values). */
#define LINUX_POLLIN 0x001u
#define LINUX_POLLPRI 0x002u
#define LINUX_POLLOUT 0x004u
#define LINUX_POLLERR 0x008u
#define LINUX_POLLHUP 0x010u
#define LINUX_POLLNVAL 0x020u
#define LINUX_POLLRDNORM 0x040u
#define LINUX_POLLRDBAND 0x080u
#define LINUX_POLLWRNORM 0x100u
#define LINUX_POLLWRBAND 0x200u
#define LINUX_POLLMSG 0x400u
#define LINUX_POLLRDHUP 0x2000u

struct linux_pollfd {
	s32 fd;
	u16 events; /* short in the C ABI; the bits are what matter */
	u16 revents;
};
_Static_assert(sizeof(struct linux_pollfd) == 8, "struct pollfd size");
_Static_assert(offsetof(struct linux_pollfd, revents) == 6, "pollfd.revents offset");

/* pselect6's sixth argument points at this: the mask and its size. */
struct linux_sigset_argpack {
	u64 sigmask; /* guest address of a sigset_t, 0 for none */
	u64 size;
};
_Static_assert(sizeof(struct linux_sigset_argpack) == 16, "pselect6 argpack size");

/* Pipes: writes up to PIPE_BUF bytes are atomic; fcntl's pipe size commands. */
#define LINUX_PIPE_BUF 4096
#define LINUX_F_SETPIPE_SZ 1031
#define LINUX_F_GETPIPE_SZ 1032
#define LINUX_O_NOTIFICATION_PIPE 0200 /* O_EXCL, for pipe2 */

/* eventfd2 flags (EFD_CLOEXEC and EFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK). */
#define LINUX_EFD_SEMAPHORE 1
#define LINUX_EFD_NONBLOCK 04000
#define LINUX_EFD_CLOEXEC 02000000

#endif

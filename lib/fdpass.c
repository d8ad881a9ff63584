// SPDX-License-Identifier: Apache-2.0
/* Packets with file descriptors over AF_UNIX sockets (fdpass.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

ssize_t fdpass_send(int sock, const void *buf, size_t len, const int *fds, int nfds, int flags)
{
	/* The union aligns the buffer for struct cmsghdr, as CMSG_FIRSTHDR needs. */
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_FDS)];
		struct cmsghdr align;
	} ctl = {{0}};
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds < 0 || nfds > FDPASS_MAX_FDS)
		return -EINVAL;
	if (nfds) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	ssize_t n = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen =
				    CMSG_SPACE(sizeof(int) * MIN(maxfds, FDPASS_MAX_FDS))};
	ssize_t n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);

	*nfds = 0;
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		const char *p = (const char *)CMSG_DATA(cm);
		size_t cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < cnt; i++) {
			int got;
			/* CMSG_DATA need not be aligned for int. */
			memcpy(&got, p + i * sizeof(int), sizeof(got));
			if (*nfds < maxfds)
				fds[(*nfds)++] = got;
			else
				close(got);
		}
	}
	/* Cut short: refuse it whole rather than act on part of it. */
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EMSGSIZE;
	return n;
}

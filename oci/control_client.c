// SPDX-License-Identifier: Apache-2.0
/*
 * The runtime's side of a sandbox's control socket STATE/ID/control.sock
 * (sentry.h has the protocol): the sandbox process makes it before start
 * (oci_control_listen, state.h), runsk exec connects to it (exec.h) and
 * runsk ps asks it for the live exec proxies (oci_exec_proxies, cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "exec.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "state.h"

#define CONTROL_SOCK "control.sock"

/*
 * The socket's address reaches it through the state directory's fd, so
 * that a deep --root does not overflow sun_path (108 bytes).
 */
static int control_addr(const char *root, const char *id, struct sockaddr_un *a, int *dirfd)
{
	char dir[4200];
	int ret = oci_state_path(root, id, NULL, dir, sizeof(dir));

	if (ret)
		return ret;
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -errno;
	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/%s", *dirfd, CONTROL_SOCK);
	return 0;
}

/* Bind and listen (0600, replacing a stale one), or connect. */
static int control_open(int fd, int dirfd, const struct sockaddr_un *a, bool listening)
{
	if (!listening)
		return connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 ? -errno : 0;
	if (unlinkat(dirfd, CONTROL_SOCK, 0) < 0 && errno != ENOENT)
		return -errno;
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 ||
	    fchmodat(dirfd, CONTROL_SOCK, 0600, 0) < 0 || listen(fd, 16) < 0)
		return -errno;
	return 0;
}

/* The control socket of id, listening or connected: the fd, or -errno. */
static int control_socket(const char *root, const char *id, bool listening)
{
	struct sockaddr_un a;
	_cleanup_close_ int dirfd = -1;
	int ret = control_addr(root, id, &a, &dirfd);

	if (ret)
		return ret;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = control_open(fd, dirfd, &a, listening);
	return ret ? ret : TAKE_FD(fd);
}

int oci_control_listen(const char *root, const char *id)
{
	return control_socket(root, id, true);
}

int oci_control_connect(const char *root, const char *id)
{
	return control_socket(root, id, false);
}

void oci_control_send(int sock, u32 type, s32 value)
{
	struct sentry_control_msg m = {type, value};
	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		pr_debug("exec: cannot send message %u: %s", type, strerror(errno));
}

int oci_exec_proxies(const char *root, const char *id, int *pids, int max)
{
	_cleanup_close_ int sock = oci_control_connect(root, id);
	s32 buf[2 + SENTRY_CONTROL_MAX_PROXIES];

	if (sock < 0)
		return sock;
	oci_control_send(sock, SENTRY_CONTROL_LIST, 0);
	/* The reply is one packet: a message whose value is the count, then the pids. */
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	ssize_t n = poll(&pfd, 1, 5000) == 1 ? recv(sock, buf, sizeof(buf), 0) : -1;
	struct sentry_control_msg m = {0};
	if (n < (ssize_t)sizeof(m))
		return -EIO;
	memcpy(&m, buf, sizeof(m));
	if (m.type != SENTRY_CONTROL_LIST || m.value < 0 ||
	    n != (ssize_t)(sizeof(m) + m.value * sizeof(s32)))
		return -EIO;
	for (int j = 0; j < m.value && j < max; j++)
		pids[j] = buf[2 + j];
	return MIN(m.value, max);
}

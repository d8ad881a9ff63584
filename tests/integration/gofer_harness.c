// SPDX-License-Identifier: Apache-2.0
/* The gofer tests' scaffolding (gofer_harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer_harness.h"

static char scratch[64];

const char *scratch_make(void)
{
	strcpy(scratch, "/tmp/gofer-test.XXXXXX");
	assert_non_null(mkdtemp(scratch));
	return scratch;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void scratch_remove(void)
{
	if (scratch[0])
		nftw(scratch, rm_one, 64, FTW_DEPTH | FTW_PHYS);
	scratch[0] = 0;
}

const char *scratch_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", scratch, rel);
	return buf;
}

void host_write(const char *rel, const char *data)
{
	int fd = open(scratch_path(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), strlen(data));
	close(fd);
}

void host_mkdir(const char *rel)
{
	assert_int_equal(mkdir(scratch_path(rel), 0755), 0);
}

void host_rename(const char *from, const char *to)
{
	char a[4096];

	snprintf(a, sizeof(a), "%s", scratch_path(from));
	assert_int_equal(rename(a, scratch_path(to)), 0);
}

/* Fork a server with our socketpair's other end as its fd 3. */
static void start(struct server *s, char *const argv[])
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	*s = (struct server){.sock = sv[0]};
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		/* dup2 clears O_CLOEXEC on the copy. */
		if (dup2(sv[1], 3) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(sv[1]);
}

void server_start(struct server *s, char *const argv[])
{
	start(s, argv);
	s->aname = "/";
}

void gofer_start(struct server *s, const char *runsk, const char *rel, bool ro)
{
	char root[4200];
	char *argv[] = {(char *)runsk, "gofer", root, "--fd=3", ro ? "--ro" : NULL, NULL};

	snprintf(root, sizeof(root), "--root=%s", scratch_path(rel));
	start(s, argv);
	s->aname = "/";
}

bool diod_start(struct server *s, const char *rel)
{
	static char root[4096];
	/* -f foreground, -n no authentication, -N no user database (uid
	 * alone), -r/-w serve the client on fd 3, -c no config file. */
	char *argv[] = {"diod", "-f",	     "-n", "-N", "-r", "3",	 "-w", "3",
			"-c",	"/dev/null", "-e", root, "-L", "stderr", NULL};

	if (access("/usr/sbin/diod", X_OK) && access("/usr/bin/diod", X_OK))
		return false;
	snprintf(root, sizeof(root), "%s", scratch_path(rel));
	start(s, argv);
	s->aname = root;
	return true;
}

void server_connect(struct server *s)
{
	struct p9_qid qid;

	s->c = gofer_client_create(s->sock, 256 * 1024);
	assert_false(IS_ERR(s->c));
	s->sock = -1;
	assert_int_equal(gofer_attach(s->c, s->aname, 0, &s->root, &qid), 0);
	assert_int_equal(qid.type, P9_QTDIR);
}

int server_stop(struct server *s)
{
	int status = 0;

	gofer_client_destroy(s->c);
	s->c = NULL;
	if (s->sock >= 0)
		close(s->sock);
	s->sock = -1;
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);

		if (r == s->pid)
			return status;
		assert_int_equal(r, 0);
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	fail_msg("server %d did not exit when its socket closed", (int)s->pid);
	return status;
}

void raw_send_bytes(struct server *s, const void *buf, size_t len)
{
	/* The server may have closed already: that is for the test to see. */
	ssize_t __attribute__((unused)) n = send(s->sock, buf, len, MSG_NOSIGNAL);
}

void raw_send(struct server *s, const struct p9_msg *m)
{
	u8 buf[8192];
	ssize_t len = p9_encode(m, buf, sizeof(buf));

	assert_true(len > 0);
	raw_send_bytes(s, buf, len);
}

static bool read_exact(int fd, u8 *buf, size_t n)
{
	while (n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, 5000) != 1)
			return false;
		r = read(fd, buf, n);
		if (r <= 0)
			return false;
		buf += r;
		n -= r;
	}
	return true;
}

u8 *raw_recv(struct server *s, struct p9_msg *m)
{
	u8 hdr[4];
	u32 size;
	u8 *buf;

	if (!read_exact(s->sock, hdr, 4))
		return NULL;
	size = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (u32)hdr[3] << 24;
	assert_true(size >= P9_HDRSZ && size < (1U << 21));
	buf = malloc(size);
	assert_non_null(buf);
	memcpy(buf, hdr, 4);
	assert_true(read_exact(s->sock, buf + 4, size - 4));
	assert_int_equal(p9_decode(buf, size, m), 0);
	return buf;
}

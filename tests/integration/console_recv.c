// SPDX-License-Identifier: Apache-2.0
/*
 * console_recv SOCKET SECONDS STEP... -- CMD...: the receiving end of an
 * OCI --console-socket, as containerd's shim is, for oci.sh.
 *
 * Listens on the unix socket SOCKET, starts CMD (which should run
 * `runsk create/run --console-socket SOCKET`), takes the pty master it
 * sends (SCM_RIGHTS) and plays the steps on it:
 *   expect=TEXT  wait until the output so far contains TEXT
 *   send=TEXT    type TEXT (escapes: \n \r \\ \xHH, e.g. \x03 for ^C)
 *   winsz=RxC    resize the terminal to R rows and C columns
 *   pause=N      let N seconds pass (reading on)
 * then reads the output until the last slave closes, waits for CMD and
 * prints "name: <the message's text>" and everything read. Every wait
 * ends after SECONDS. SOCKET "-" plays a terminal emulator instead: CMD
 * gets a pty's slave as its stdio and controlling terminal (name: self). Exits 0 if every step passed and CMD exited 0, 2
 * on a usage error, 3 on a timeout (with what was read so far).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char out[1 << 16];
static size_t out_len;
static time_t deadline;

static int remaining_ms(void)
{
	time_t left = deadline - time(NULL);
	return left > 0 ? (int)left * 1000 : 0;
}

/* Read what the master has, waiting up to ms; -1 once the slave side is gone. */
static int pump(int m, int ms)
{
	struct pollfd p = {.fd = m, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return 0;
	ssize_t n = read(m, out + out_len, sizeof(out) - 1 - out_len);
	if (n <= 0)
		return -1; /* EIO: every slave closed */
	out_len += (size_t)n;
	out[out_len] = 0;
	return 0;
}

static size_t unescape(const char *s, char *buf)
{
	size_t n = 0;
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			buf[n++] = *s;
			continue;
		}
		s++;
		if (*s == 'n')
			buf[n++] = '\n';
		else if (*s == 'r')
			buf[n++] = '\r';
		else if (*s == 'x' && s[1] && s[2]) {
			char hex[3] = {s[1], s[2], 0};
			buf[n++] = (char)strtol(hex, NULL, 16);
			s += 2;
		} else
			buf[n++] = *s;
	}
	return n;
}

static int step(int m, const char *st)
{
	if (!strncmp(st, "expect=", 7)) {
		while (!strstr(out, st + 7)) {
			if (!remaining_ms() || pump(m, remaining_ms()) < 0) {
				fprintf(stderr, "console_recv: never saw \"%s\"\n", st + 7);
				return 3;
			}
		}
		return 0;
	}
	if (!strncmp(st, "send=", 5)) {
		char buf[1024];
		size_t n = unescape(st + 5, buf);
		return write(m, buf, n) == (ssize_t)n ? 0 : 3;
	}
	if (!strncmp(st, "pause=", 6)) {
		/* Reading on meanwhile: the guest must never block on a full pty. */
		for (time_t end = time(NULL) + atoi(st + 6); time(NULL) < end;)
			if (pump(m, 100) < 0)
				return 3;
		return 0;
	}
	if (!strncmp(st, "winsz=", 6)) {
		struct winsize ws = {0};
		if (sscanf(st + 6, "%hux%hu", &ws.ws_row, &ws.ws_col) != 2)
			return 2;
		return ioctl(m, TIOCSWINSZ, &ws) < 0 ? 3 : 0;
	}
	fprintf(stderr, "console_recv: unknown step %s\n", st);
	return 2;
}

/* Accept one connection on l and take the fd it sends; its text into name. */
static int receive(int l, char *name, size_t len)
{
	struct pollfd p = {.fd = l, .events = POLLIN};
	if (poll(&p, 1, remaining_ms()) <= 0)
		return -1;
	int c = accept(l, NULL, NULL);
	if (c < 0)
		return -1;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = name, .iov_len = len - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
	close(c);
	struct cmsghdr *cm = n < 0 ? NULL : CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	name[n] = 0;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/*
 * CMD starts with SIGINT and SIGQUIT at their defaults, as from a terminal:
 * oci.sh may run as a background job of a non-interactive shell, which
 * POSIX starts with both ignored, and the container would inherit that
 * (as under runc) and never see the ^C the test types.
 */
static void exec_cmd(char **cmd)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(cmd[0], cmd);
}

/* SOCKET "-": a pty of our own (24x80), its slave CMD's terminal. */
static int spawn_on_pty(char **cmd, pid_t *pid)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ioctl(m, TIOCSWINSZ, &ws) < 0)
		return -1;
	*pid = fork();
	if (*pid == 0) {
		int s = open(ptsname(m), O_RDWR);
		if (s < 0 || setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(126);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		exec_cmd(cmd);
		_exit(127);
	}
	return m;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int i = 3, status = 0, ret = 0;
	char name[256];

	if (argc < 5 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: console_recv SOCKET SECONDS STEP... -- CMD...\n");
		return 2;
	}
	deadline = time(NULL) + atoi(argv[2]);
	while (i < argc && strcmp(argv[i], "--"))
		i++;
	if (i + 1 >= argc)
		return 2;
	pid_t pid;
	int m;
	if (!strcmp(argv[1], "-")) {
		m = spawn_on_pty(argv + i + 1, &pid);
		strcpy(name, "self");
		if (m < 0)
			return 2;
		goto steps;
	}
	strcpy(sa.sun_path, argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0) {
		perror("console_recv: listen");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		exec_cmd(argv + i + 1);
		_exit(127);
	}
	m = receive(l, name, sizeof(name));
	if (m < 0) {
		fprintf(stderr, "console_recv: no terminal came\n");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 3;
	}
steps:
	for (int s = 3; s < i && !ret; s++)
		ret = step(m, argv[s]);
	while (!ret && pump(m, remaining_ms()) == 0)
		if (!remaining_ms())
			ret = 3;
	/* CMD ends by itself (create && start return at once, run when the container does). */
	for (int t = 0; t < 100 && waitpid(pid, &status, WNOHANG) == 0; t++)
		usleep(100000);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	printf("name: %s\n%s", name, out);
	if (ret == 3)
		fprintf(stderr, "console_recv: timed out\n");
	if (strcmp(argv[1], "-"))
		unlink(argv[1]);
	return ret ? ret : WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

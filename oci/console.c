// SPDX-License-Identifier: Apache-2.0
/*
 * The console socket (runc's docs/terminals.md): with process.terminal,
 * `create --console-socket PATH` makes a pty, connects to the unix socket
 * at PATH, sends the master with SCM_RIGHTS and keeps the slave for the
 * container. The receiver (containerd's shim, `ctr run -t`, a test's
 * console_recv) then owns the terminal: it writes the user's input to
 * the master and reads the output, and resizes it with TIOCSWINSZ.
 *
 * The socket is used before the container is recorded, so a bad path
 * is a one-line error with nothing left behind. `run` in the foreground
 * may instead use runsk's own stdin when it is a terminal (runc run -t
 * puts a pty of its own between them; runsk's Sentry has one inside).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "lib/cleanup.h"
#include "lib/fdpass.h"

/* The slave between oci_console_send and oci_console_attach (one per runsk). */
static int pending_slave = -1;

int oci_console_check(const char *cmd, const struct oci_spec *s, const char *socket)
{
	bool run = !strcmp(cmd, "run");

	if (socket && !s->terminal) {
		cli_err("runsk %s: --console-socket needs process.terminal true in config.json",
			cmd);
		return -1;
	}
	if (s->terminal && !socket && !run) {
		cli_err("runsk %s: process.terminal is true: give --console-socket to receive "
			"the terminal",
			cmd);
		return -1;
	}
	if (s->terminal && !socket && !isatty(0)) {
		cli_err("runsk %s: process.terminal is true but stdin is not a terminal: run it "
			"from one or give --console-socket",
			cmd);
		return -1;
	}
	return 0;
}

/* A new pty pair of rows x cols (0x0: unset); *master and *slave, or -errno. */
static int open_pty(u16 rows, u16 cols, int *master, int *slave)
{
	_cleanup_close_ int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[64];

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -errno;
	int ret = ptsname_r(m, name, sizeof(name));
	if (ret)
		return -ret;
	/* runc leaves an unset consoleSize to the receiver: the size stays 0x0. */
	struct winsize ws = {.ws_row = rows, .ws_col = cols};
	if ((ws.ws_row || ws.ws_col) && ioctl(m, TIOCSWINSZ, &ws) < 0)
		return -errno;
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return -errno;
	*master = TAKE_FD(m);
	return 0;
}

/* Connect to path and send fd with its name; -errno. */
static int send_fd(const char *path, int fd, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	ssize_t n = fdpass_send(sock, name, strlen(name), &fd, 1, 0);
	return n < 0 ? (int)n : 0;
}

int oci_console_open(const char *cmd, const char *path, u16 rows, u16 cols)
{
	int master = -1, slave = -1;
	int ret = open_pty(rows, cols, &master, &slave);

	if (ret) {
		cli_err("runsk %s: cannot make a pty for process.terminal: %s", cmd,
			strerror(-ret));
		return -1;
	}
	ret = send_fd(path, master, "/dev/ptmx");
	close(master);
	if (ret) {
		close(slave);
		cli_err("runsk %s: --console-socket %s: %s", cmd, path, strerror(-ret));
		return -1;
	}
	return slave;
}

int oci_console_send(const char *cmd, const char *path, const struct oci_spec *s)
{
	int slave = oci_console_open(cmd, path, s->console_height, s->console_width);

	if (slave < 0)
		return -1;
	pending_slave = slave;
	return 0;
}

int oci_console_attach(void)
{
	int fd = pending_slave;

	if (fd < 0)
		return 0;
	pending_slave = -1;
	for (int i = 0; i < 3; i++) {
		if (dup2(fd, i) < 0) {
			int err = -errno;
			close(fd);
			return err;
		}
	}
	close(fd);
	/*
	 * A new session with the pty as its terminal, as runc's init: a
	 * process group leader (a foreground `runsk run` from a shell) cannot
	 * start one, and then only misses the resize signals.
	 */
	if (setsid() >= 0 && ioctl(0, TIOCSCTTY, 0) < 0)
		return -errno;
	return 0;
}

void oci_console_drop(void)
{
	if (pending_slave >= 0)
		close(pending_slave);
	pending_slave = -1;
}

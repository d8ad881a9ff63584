// SPDX-License-Identifier: Apache-2.0
/*
 * runsk exec's host proxy (exec.h): the process runs in the container's
 * Sentry, which the sandbox process serves on the control socket
 * STATE/ID/control.sock (sentry.h has the protocol; the sandbox makes it
 * before start, mode 0600). As gVisor's runsc exec, a host process stands
 * for the guest process, a proxy: it lives exactly as long as the guest
 * process, passes on every signal sent to it (but SIGKILL, SIGSTOP and
 * SIGCHLD), and ends with its status. Its death by SIGKILL closes the
 * connection, which kills the guest process.
 * - Without --detach, runsk exec is the proxy: it exits with the
 *   process's status, 128 + signal if a signal killed it (as runc exec).
 * - With --detach, runsk exec forks the proxy, writes its pid to
 *   --pid-file and exits 0 once the process has started. The proxy, a
 *   child of the caller's subreaper (containerd's shim), drops its stdio
 *   (the process has its own copies) and at the end dies of the
 *   process's signal, or exits with its status: the shim's wait status
 *   is then the process's, as if it were the process.
 *
 * A terminal (--tty, or "terminal": true): with --console-socket S, the
 * proxy makes a host pty, sends its master over S (runc's protocol,
 * console.h) and passes its slave to the Sentry, which shows the process
 * a pty of its own on it (sentry/tty/console.c). The proxy is a session
 * leader with that slave as its controlling terminal, so that a resize
 * of the master reaches it as SIGWINCH, which it passes on: the Sentry
 * then resizes the process's pty. Without --console-socket, runsk exec in
 * the foreground gives its own terminal (stdin) instead, as `run` does.
 *
 * The proxy tells the Sentry its host pid (PROXY): `runsk ps` asks the
 * Sentry for the live ones (LIST), so the list has no stale entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "exec.h"
#include "lib/fdpass.h"
#include "lib/log.h"
#include "state.h"

/* Append s with its NUL to buf at *off (within SENTRY_CONTROL_MSG_MAX). */
static bool put_str(u8 *buf, size_t *off, const char *s)
{
	size_t n = strlen(s) + 1;
	if (n > SENTRY_CONTROL_MSG_MAX - *off)
		return false;
	memcpy(buf + *off, s, n);
	*off += n;
	return true;
}

/*
 * Send p's EXEC packet with our stdio, or the host terminal tty (>= 0)
 * instead. 0 or -errno (-E2BIG: too big).
 */
static int send_exec(int sock, const struct exec_proc *p, int tty)
{
	struct sentry_control_exec h = {.type = SENTRY_CONTROL_EXEC,
					.uid = p->uid,
					.gid = p->gid,
					.ngroups = p->ngids,
					.envc = p->nenv,
					.no_new_privs = p->no_new_privs,
					.umask = p->umask,
					.nrlimits = p->nrlimits,
					.oom_score_adj = p->oom_score_adj};
	size_t gsz = p->ngids * sizeof(u32), rsz = p->nrlimits * sizeof(*p->rlimits);
	size_t off = sizeof(h) + gsz + rsz;
	u8 *buf = malloc(SENTRY_CONTROL_MSG_MAX);
	bool fits = buf != NULL;
	int fds[3], nfds = 0;

	if (!buf)
		return -ENOMEM;
	h.flags = (tty >= 0 ? SENTRY_EXEC_TERMINAL : 0) | (p->caps_set ? SENTRY_EXEC_CAPS : 0) |
		  (p->umask_set ? SENTRY_EXEC_UMASK : 0) |
		  (p->oom_score_adj_set ? SENTRY_EXEC_OOM_SCORE_ADJ : 0);
	memcpy(h.caps, p->caps, sizeof(h.caps));
	memcpy(buf + sizeof(h), p->gids, gsz);
	if (rsz)
		memcpy(buf + sizeof(h) + gsz, p->rlimits, rsz);
	fits = put_str(buf, &off, p->cwd);
	for (; fits && p->args[h.argc]; h.argc++)
		fits = put_str(buf, &off, p->args[h.argc]);
	for (unsigned i = 0; fits && i < p->nenv; i++)
		fits = put_str(buf, &off, p->env[i]);
	h.strings = off - sizeof(h) - gsz - rsz;
	/* The process gets our stdio, those that are open, or the terminal. */
	for (int fd = 0; fd < 3 && tty < 0; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		fds[nfds++] = fd;
		h.stdio |= 1u << fd;
	}
	if (tty >= 0)
		fds[nfds++] = tty;
	memcpy(buf, &h, sizeof(h));
	ssize_t n = fits ? fdpass_send(sock, buf, off, fds, nfds, 0) : -E2BIG;
	int ret = n < 0 ? (int)n : 0;
	free(buf);
	return ret == -EMSGSIZE ? -E2BIG : ret;
}

/* Every signal the proxy passes on: all but SIGKILL, SIGSTOP and SIGCHLD. */
static void proxied_signals(sigset_t *set)
{
	sigemptyset(set);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaddset(set, sig);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(set, sig);
}

/* The proxy: pass signals on until the process exits. Its wait status. */
static int proxy(int sock, int sfd)
{
	struct pollfd pfd[2] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return SIGKILL;
		}
		struct signalfd_siginfo si;
		if (pfd[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si))
			oci_control_send(sock, SENTRY_CONTROL_SIGNAL, (s32)si.ssi_signo);
		if (!pfd[0].revents)
			continue;
		struct sentry_control_msg m;
		ssize_t n = recv(sock, &m, sizeof(m), 0);
		if (n == sizeof(m) && m.type == SENTRY_CONTROL_EXITED)
			return m.value;
		if (n <= 0)
			return SIGKILL; /* the sandbox is gone, and the process with it */
	}
}

/* Die as the process did: its signal (no core dump here), else its code. */
static void __attribute__((noreturn)) exit_like(int status)
{
	int sig = status & 0x7f;
	if (sig) {
		struct rlimit none = {0, 0};
		sigset_t set;
		setrlimit(RLIMIT_CORE, &none);
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	_exit((status >> 8) & 0xff);
}

/* STARTED's pid, or a one-line error and -1. */
static int await_start(int sock, const struct exec_proc *p)
{
	struct sentry_control_msg m;
	ssize_t n = recv(sock, &m, sizeof(m), 0);

	if (n == sizeof(m) && m.type == SENTRY_CONTROL_STARTED)
		return m.value;
	const char *what =
		n != sizeof(m) ? "the sandbox closed the connection" : strerror(-m.value);
	if (n == sizeof(m) && m.type == SENTRY_CONTROL_ERROR_CWD)
		cli_err("runsk exec: exec failed: unable to start container process: chdir to "
			"cwd (\"%s\") set in config.json failed: %s",
			p->cwd, what);
	else if (n == sizeof(m) && m.value == -ENOENT && !strchr(p->args[0], '/'))
		cli_err("runsk exec: exec failed: unable to start container process: exec: "
			"\"%s\": executable file not found in $PATH",
			p->args[0]);
	else
		cli_err("runsk exec: exec failed: unable to start container process: exec: "
			"\"%s\": %s",
			p->args[0], what);
	return -1;
}

/*
 * The terminal of p: the slave of a new host pty whose master went over
 * --console-socket, or our stdin. The fd (*own: ours to close), -2 for
 * none, or -1 after a one-line error. runc's checks, but that the
 * foreground may use a console socket too.
 */
static int exec_tty(const struct exec_proc *p, const struct exec_opts *o, bool *own)
{
	*own = false;
	if (!p->terminal && o->console_socket) {
		cli_err("runsk exec: exec failed: cannot use console socket if runc will not "
			"allocate tty (give --tty, or \"terminal\": true in --process)");
		return -1;
	}
	if (!p->terminal)
		return -2;
	if (o->console_socket) {
		*own = true;
		return oci_console_open("exec", o->console_socket, p->rows, p->cols);
	}
	if (o->detach) {
		cli_err("runsk exec: exec failed: cannot allocate tty if runc will detach without "
			"setting console socket");
		return -1;
	}
	if (!isatty(0)) {
		cli_err("runsk exec: exec failed: a terminal was asked for but stdin is not one: "
			"run it from one or give --console-socket");
		return -1;
	}
	return 0;
}

/*
 * Become a session leader whose controlling terminal is tty, so that a
 * resize of its master reaches us as SIGWINCH (passed on to the Sentry).
 * Then one SIGWINCH of our own: a resize before now is not lost.
 */
static void own_tty(int sock, int tty)
{
	if (setsid() < 0 || ioctl(tty, TIOCSCTTY, 0) < 0)
		pr_debug("exec: the terminal's resizes will not reach the process: %s",
			 strerror(errno));
	oci_control_send(sock, SENTRY_CONTROL_SIGNAL, SIGWINCH);
}

/* Run p in the container whose control socket is sock; runsk's exit status. */
int exec_run(int sock, const struct exec_proc *p, const struct exec_opts *o)
{
	bool own;
	int tty = exec_tty(p, o, &own);
	sigset_t set;

	if (tty == -1)
		return EXEC_FAILED;
	proxied_signals(&set);
	/* Blocked from now on: none is lost or acts on us before the proxy reads it. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int ret = sfd < 0 ? -errno : send_exec(sock, p, tty);

	if (ret) {
		cli_err("runsk exec: exec failed: %s",
			ret == -E2BIG ? "its args and env are too long (128 KiB at most)"
				      : strerror(-ret));
		goto out_failed;
	}
	if (await_start(sock, p) < 0)
		goto out_failed;
	pid_t proxy_pid = o->detach ? fork() : getpid();
	if (proxy_pid < 0) {
		cli_err("runsk exec: cannot fork the proxy: %s", strerror(errno));
		goto out_failed; /* closing sock kills the process */
	}
	if (proxy_pid == 0 || !o->detach) {
		/* The proxy: `runsk ps` lists it. */
		oci_control_send(sock, SENTRY_CONTROL_PROXY, getpid());
		if (own)
			own_tty(sock, tty);
	}
	if (own)
		close(tty);
	if (proxy_pid == 0) {
		/* The proxy holds none of the caller's pipes: the process has them. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; null >= 0 && fd < 3; fd++)
			dup2(null, fd);
		exit_like(proxy(sock, sfd));
	}
	if (o->pid_file && (ret = oci_write_pid_file(o->pid_file, proxy_pid))) {
		cli_err("runsk exec: --pid-file %s: %s", o->pid_file, strerror(-ret));
		if (o->detach)
			kill(proxy_pid, SIGKILL);
		return EXEC_FAILED;
	}
	if (o->detach)
		return 0;
	int status = proxy(sock, sfd);
	/* As runc exec: 128 + signal for a process a signal killed. */
	return status & 0x7f ? 128 + (status & 0x7f) : (status >> 8) & 0xff;

out_failed:
	if (own)
		close(tty);
	return EXEC_FAILED;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * The control server (control.h): `runsk exec` for a running sandbox.
 *
 * Design, as gVisor's runsc exec has it (a control server in the sandbox,
 * a host proxy per exec'd process):
 * - The sandbox process makes a listening AF_UNIX SOCK_SEQPACKET socket in
 *   the container's state directory before start (mode 0600) and hands it
 *   to sentry_run: the Sentry opens no host path for it after start.
 * - One thread serves it. It parses requests and builds processes but
 *   runs no guest code: each new process runs on its own task thread, as
 *   every task does. Packets keep message boundaries, so each request is
 *   one packet, checked whole (sizes, counts, NUL-terminated strings,
 *   the fds it says it carries) before anything is made; a bad one gets
 *   ERROR -EINVAL and the server goes on.
 * - An exec'd process is built like init, with no parent in the sandbox:
 *   the server reaps it (control_exec.c has how it is built).
 * - A connection holds at most one process. The client's disconnect
 *   before the exit kills it (SIGKILL), so the client, a host proxy, and
 *   the guest process live and die together; the server still reaps it.
 *   The stdio fds live in the process's fd table only: they close with it.
 * - A request with a terminal (runsk exec -t) carries a host terminal
 *   instead of stdio: the process gets a new Sentry pty on it as its fds
 *   0-2 and controlling terminal (sentry/tty/console.c, as init's
 *   console: one pump thread per terminal). The client passes SIGWINCH
 *   on when its host terminal is resized: the pty takes the host's new
 *   size and signals its foreground group, as TIOCSWINSZ on a master
 *   does. The terminal goes when the process is reaped, after its last
 *   output was written out and before the client hears of the exit.
 * - `runsk ps` asks for the host pids of the live proxies (LIST): each
 *   proxy tells its own (PROXY; the one that connected may have forked
 *   it, so SO_PEERCRED would not do). Kept with the connection, the list
 *   cannot hold stale pids, which files in the state directory could.
 * - When init exits, every process dies (kill_all_locked); the server is
 *   stopped only after every task has gone, and reports each exit first.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgroup_limits.h"
#include "control.h"
#include "control_internal.h"
#include "lib/fdpass.h"
#include "lib/log.h"
#include "oom.h"
#include "pidfd.h"
#include "process.h"
#include "signal.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"
#include "sentry/tty/tty.h"

void control_send_msg(int fd, u32 type, s32 value)
{
	struct sentry_control_msg m = {.type = type, .value = value};
	/* Never blocks the server: a client that does not read loses the message. */
	if (send(fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(m))
		pr_debug("control: fd %d: cannot send message %u: %s", fd, type, strerror(errno));
}

/* Done with conn's process: its terminal (its output written out, or given up on) and pidfd go. */
static void conn_drop_process(struct control_conn *conn)
{
	tty_console_destroy(conn->console);
	conn->console = NULL;
	if (conn->pidfd) {
		waitq_remove(&conn->w);
		file_put(conn->pidfd);
		conn->pidfd = NULL;
	}
	conn->proxy_pid = 0;
}

static void conn_close(struct control_conn *conn)
{
	conn_drop_process(conn);
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
}

/* LIST: the host pids of the proxies of live processes, one packet. */
static void send_list(struct control *ctl, int fd)
{
	s32 buf[2 + SENTRY_CONTROL_MAX_PROXIES];
	struct sentry_control_msg m = {.type = SENTRY_CONTROL_LIST};

	for (int i = 0; i < CONTROL_MAX_CONNS && m.value < SENTRY_CONTROL_MAX_PROXIES; i++) {
		struct control_conn *c = &ctl->conns[i];
		if (c->pidfd && c->fd >= 0 && c->proxy_pid > 0)
			buf[2 + m.value++] = c->proxy_pid;
	}
	memcpy(buf, &m, sizeof(m));
	size_t len = sizeof(m) + (size_t)m.value * sizeof(s32);
	if (send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
		pr_debug("control: fd %d: cannot send the list: %s", fd, strerror(errno));
}

/* Reap the exec'd processes that have exited and tell their clients. */
static void reap_exited(struct control *ctl)
{
	struct kernel *k = ctl->k;

	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		struct control_conn *conn = &ctl->conns[i];
		if (!conn->pidfd)
			continue;
		pthread_mutex_lock(&k->lock);
		struct thread_group *tg = pidfd_tg_locked(conn->pidfd);
		if (tg && !tg->zombie) {
			pthread_mutex_unlock(&k->lock);
			continue;
		}
		/* Only the server reaps it (it has no parent); NULL: gone with the sandbox. */
		int status = tg ? tg->exit_status : LINUX_SIGKILL;
		if (tg)
			tg_reap_locked(k, tg);
		pthread_mutex_unlock(&k->lock);
		/* Its output is out before the client hears of the exit. */
		conn_drop_process(conn);
		/*
		 * The connection stays open until the client closes it (conn_input
		 * then frees the slot): closing a unix socket with the client's
		 * messages unread (a SIGWINCH or PROXY sent while the process was
		 * exiting) would make the client's recv fail with ECONNRESET
		 * instead of returning EXITED, and the proxy report a kill.
		 */
		if (conn->fd >= 0)
			control_send_msg(conn->fd, SENTRY_CONTROL_EXITED, status);
	}
}

/* Signal conn's process as from outside the sandbox (SI_USER, pid 0). */
static void conn_signal(struct control *ctl, struct control_conn *conn, int sig)
{
	struct linux_siginfo info = {.signo = sig, .code = LINUX_SI_USER};

	if (!conn->pidfd || sig < 1 || sig > LINUX_NSIG)
		return; /* documented: signal requests get no reply */
	/* Its host terminal was resized: the pty says so to its foreground group. */
	if (sig == LINUX_SIGWINCH && conn->console) {
		tty_console_resize(conn->console);
		return;
	}
	pthread_mutex_lock(&ctl->k->lock);
	struct thread_group *tg = pidfd_tg_locked(conn->pidfd);
	if (tg && tg->nr_threads && signal_send_group_locked(tg, &info))
		pr_debug("control: cannot send signal %d to pid %d", sig, tg->tgid);
	pthread_mutex_unlock(&ctl->k->lock);
}

/* A packet, or the end, from conn's client. */
static void conn_input(struct control *ctl, struct control_conn *conn)
{
	int fds[3], nfds;
	ssize_t n = fdpass_recv(conn->fd, ctl->buf, SENTRY_CONTROL_MSG_MAX, fds, 3, &nfds,
				MSG_DONTWAIT);
	u32 type = 0;

	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n >= (ssize_t)sizeof(u32))
		memcpy(&type, ctl->buf, sizeof(type));
	if (n <= 0 && n != -EMSGSIZE) {
		/* Gone: its process must not outlive it (the server still reaps it). */
		conn_signal(ctl, conn, LINUX_SIGKILL);
		close(conn->fd);
		conn->fd = -1;
	} else if (n > 0 && type == SENTRY_CONTROL_EXEC) {
		control_conn_exec(ctl, conn, n, fds, nfds);
	} else if (n == sizeof(struct sentry_control_msg) && type == SENTRY_CONTROL_SIGNAL &&
		   !nfds) {
		struct sentry_control_msg m;
		memcpy(&m, ctl->buf, sizeof(m));
		conn_signal(ctl, conn, m.value);
	} else if (n == sizeof(struct sentry_control_msg) && type == SENTRY_CONTROL_PROXY &&
		   !nfds) {
		struct sentry_control_msg m;
		memcpy(&m, ctl->buf, sizeof(m));
		conn->proxy_pid = m.value > 0 ? m.value : 0;
	} else if (n == sizeof(struct sentry_control_msg) && type == SENTRY_CONTROL_LIST && !nfds) {
		send_list(ctl, conn->fd);
	} else if (n == sizeof(struct sentry_control_msg) && type == SENTRY_CONTROL_OOM && !nfds) {
		oom_send_counts(ctl->k, conn->fd);
	} else if (n == sizeof(struct sentry_control_msg) && !nfds &&
		   (type == SENTRY_CONTROL_PIDS_MAX || type == SENTRY_CONTROL_MEMORY_MAX)) {
		cgroup_limits_control(ctl->k, conn->fd, type,
				      ((struct sentry_control_msg *)ctl->buf)->value);
	} else {
		control_send_msg(conn->fd, SENTRY_CONTROL_ERROR, n == -EMSGSIZE ? -E2BIG : -EINVAL);
	}
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void accept_conn(struct control *ctl)
{
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	struct ucred peer;
	socklen_t plen = sizeof(peer);

	if (fd < 0)
		return;
	/* The directory is root's already (0700); this is belt and braces. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &plen) < 0 ||
	    (peer.uid != 0 && peer.uid != geteuid())) {
		control_send_msg(fd, SENTRY_CONTROL_ERROR, -EPERM);
		close(fd);
		return;
	}
	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		struct control_conn *conn = &ctl->conns[i];
		if (conn->fd < 0 && !conn->pidfd) {
			conn->fd = fd;
			conn->proxy_pid = 0;
			return;
		}
	}
	control_send_msg(fd, SENTRY_CONTROL_ERROR, -EAGAIN);
	close(fd);
}

static void *control_main(void *arg)
{
	struct control *ctl = arg;
	struct pollfd pfd[2 + CONTROL_MAX_CONNS];
	int slot[CONTROL_MAX_CONNS];

	for (;;) {
		int n = 2;
		pfd[0] = (struct pollfd){.fd = ctl->listen_fd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = ctl->wake_fd, .events = POLLIN};
		for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
			if (ctl->conns[i].fd < 0)
				continue;
			slot[n - 2] = i;
			pfd[n++] = (struct pollfd){.fd = ctl->conns[i].fd, .events = POLLIN};
		}
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents) {
			u64 v;
			ssize_t __unused r = read(ctl->wake_fd, &v, sizeof(v));
			reap_exited(ctl);
			if (__atomic_load_n(&ctl->stopping, __ATOMIC_SEQ_CST))
				break;
		}
		for (int j = 2; j < n; j++) {
			struct control_conn *conn = &ctl->conns[slot[j - 2]];
			/* Skip one closed by the reaping above. */
			if (pfd[j].revents && conn->fd == pfd[j].fd)
				conn_input(ctl, conn);
		}
		if (pfd[0].revents & POLLIN)
			accept_conn(ctl);
	}
	return NULL;
}

struct control *control_start(struct kernel *k, int listen_fd, const struct sandbox_spec *spec,
			      struct fs_struct *root)
{
	struct control *ctl = calloc(1, sizeof(*ctl));

	if (!ctl || !(ctl->buf = malloc(SENTRY_CONTROL_MSG_MAX)))
		goto out_free;
	ctl->k = k;
	ctl->spec = spec;
	ctl->listen_fd = listen_fd;
	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		ctl->conns[i] = (struct control_conn){.fd = -1, .ctl = ctl};
	ctl->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctl->wake_fd < 0)
		goto out_free;
	ctl->root = fs_struct_copy(root);
	if (!ctl->root)
		goto out_wake;
	if (pthread_create(&ctl->thread, NULL, control_main, ctl))
		goto out_root;
	return ctl;
out_root:
	fs_struct_put(ctl->root);
out_wake:
	close(ctl->wake_fd);
out_free:
	pr_warn("cannot serve the control socket: `runsk exec` will not reach this sandbox");
	if (ctl)
		free(ctl->buf);
	free(ctl);
	close(listen_fd);
	return NULL;
}

void control_stop(struct control *ctl)
{
	u64 one = 1;

	if (!ctl)
		return;
	__atomic_store_n(&ctl->stopping, true, __ATOMIC_SEQ_CST);
	ssize_t __unused w = write(ctl->wake_fd, &one, sizeof(one));
	pthread_join(ctl->thread, NULL);
	/* Every task is gone: the last reaping found every process. */
	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		conn_close(&ctl->conns[i]);
	close(ctl->listen_fd);
	close(ctl->wake_fd);
	fs_struct_put(ctl->root);
	free(ctl->buf);
	free(ctl);
}

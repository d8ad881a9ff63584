// SPDX-License-Identifier: Apache-2.0
/*
 * A terminal from the host shown to the guest as one of the Sentry's own
 * ptys: the container's console (OCI process.terminal: the slave of the
 * pty whose master went to --console-socket, or runsk's own terminal),
 * or an exec'd process's (runsk exec -t: the slave of the exec proxy's
 * pty, passed over the control socket, sentry/kernel/control.c).
 *
 * Why a Sentry pty and not the host tty passed through (hostfile.c):
 * job control is the guest's. The foreground process group, the session,
 * SIGTTIN/SIGTTOU and the signals a ^C, ^\ or ^Z raises all name guest
 * processes, which the host kernel cannot see: passed through, ^C would
 * signal runsk, and TIOCSPGRP of a guest pgid would mean nothing to the
 * host. gVisor keeps the job-control state in its Sentry too; here the
 * whole line discipline is the Sentry's (sentry/tty/ldisc.c), so that
 * echo, line editing and ISIG come from the same place as the job
 * control they drive, and the guest can open /dev/tty and see
 * /dev/pts/N in /proc/self/fd.
 *
 * So the host terminal is made raw (restored at the end) and a pump
 * thread moves bytes: host input into the pair as a master write would
 * (ldisc_receive, which raises the signals), the pair's output to the
 * host. The pump is a host thread, not a task: it waits in poll(2) on
 * the host fd and an eventfd that a wake callback on the pair's master
 * queue kicks. A resize of the host terminal reaches runsk as SIGWINCH
 * (the supervisor calls tty_console_resize), which sets the pair's size
 * and signals the foreground group, as TIOCSWINSZ on a master does.
 * An exec proxy gets the SIGWINCH of its own pty and passes it on; the
 * control server then calls tty_console_resize the same way.
 *
 * One pump thread per terminal, not one serving all: a terminal lives as
 * long as its process, and a thread per terminal keeps each one's
 * drain-at-exit and hang-up independent (a stalled reader of one
 * terminal cannot hold up another's output). Execs with a terminal are
 * few (kubectl exec -it), so the thread count stays small.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "lib/log.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "sentry/syscalls/sys_path.h"
#include "sentry/vfs/poll.h"
#include "tty_internal.h"

#define CONSOLE_CHUNK 4096
#define CONSOLE_DRAIN_MS 2000 /* how long the last output may wait for a reader */

struct tty_console {
	struct kernel *k;
	struct tty_pair *p; /* our reference: we are its master */
	int host_fd;	    /* a dup of the host terminal */
	int wake_fd;	    /* eventfd: the pair changed, or stop */
	bool stop;	    /* atomic: the sandbox is done */
	bool have_termios;
	struct termios saved; /* the host terminal's modes, restored at the end */
	struct wait_entry wake;
	pthread_t thread;
	bool started;
};

/* A wake callback: under the queue's lock, so only a non-blocking write. */
static bool console_kick(struct wait_entry *w, u32 key)
{
	struct tty_console *c = container_of(w, struct tty_console, wake);
	u64 one = 1;
	if (write(c->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so a wake-up is pending anyway. */
	}
	return true;
}

/* The signals ISIG raised go to the foreground group (pty_send_signals without a task). */
static void console_send_signals(struct tty_console *c, u64 sigs)
{
	pthread_mutex_lock(&tty_table_lock);
	int pgrp = c->p->pgrp;
	pthread_mutex_unlock(&tty_table_lock);
	for (int sig = 1; sig <= 64 && pgrp; sig++)
		if (sigs & (1ULL << (sig - 1)))
			tty_kill_pgrp(c->k, pgrp, sig);
}

/* Host input (at most the ring's room), as master_write takes it. */
static void console_input(struct tty_console *c, const u8 *buf, size_t len)
{
	struct tty_pair *p = c->p;

	pthread_mutex_lock(&p->lock);
	tty_ring_put(&p->in, buf, len);
	pty_pump_locked(p);
	u64 sigs = p->ld.signals;
	p->ld.signals = 0;
	pthread_mutex_unlock(&p->lock);
	waitq_wake_key(&p->slave_wq, LINUX_POLLIN | LINUX_POLLRDNORM);
	console_send_signals(c, sigs);
}

static size_t input_room(struct tty_console *c)
{
	pthread_mutex_lock(&c->p->lock);
	size_t room = tty_ring_room(&c->p->in);
	pthread_mutex_unlock(&c->p->lock);
	return MIN(room, (size_t)CONSOLE_CHUNK);
}

/* Take up to len bytes of the slave's output. */
static size_t take_output(struct tty_console *c, u8 *buf, size_t len)
{
	pthread_mutex_lock(&c->p->lock);
	size_t n = tty_ring_get(&c->p->out, buf, len);
	pthread_mutex_unlock(&c->p->lock);
	if (n)
		waitq_wake_key(&c->p->slave_wq, LINUX_POLLOUT | LINUX_POLLWRNORM);
	return n;
}

/* Write all of buf to the host, waiting at most ms for room each time; false if it cannot. */
static bool host_write_all(int fd, const u8 *buf, size_t len, int ms)
{
	while (len) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		if (poll(&pfd, 1, ms) <= 0 || (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)))
			return false;
		ssize_t n = write(fd, buf, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * The host side hung up (the console socket's master closed): the guest
 * sees its terminal hang up, as when a pty master closes.
 */
static void console_hangup(struct tty_console *c)
{
	pthread_mutex_lock(&c->p->lock);
	__atomic_store_n(&c->p->master_closed, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->p->lock);
	tty_hangup(c->k, c->p);
	pty_wake_all(c->p);
}

static void *console_pump(void *arg)
{
	struct tty_console *c = arg;
	bool host_gone = false;
	u8 buf[CONSOLE_CHUNK];

	for (;;) {
		bool stop = __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
		/* Output first: what the guest wrote before it exited must get out. */
		size_t n;
		while (!host_gone && (n = take_output(c, buf, sizeof(buf))))
			if (!host_write_all(c->host_fd, buf, n, stop ? CONSOLE_DRAIN_MS : -1))
				host_gone = true;
		if (stop)
			break;
		size_t room = host_gone ? 0 : input_room(c);
		struct pollfd pfd[2] = {{.fd = c->wake_fd, .events = POLLIN},
					{.fd = room ? c->host_fd : -1, .events = POLLIN}};
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		u64 v;
		if ((pfd[0].revents & POLLIN) && read(c->wake_fd, &v, sizeof(v)) < 0)
			continue;
		if (!(pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t r = read(c->host_fd, buf, room);
		if (r > 0) {
			console_input(c, buf, (size_t)r);
		} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
			pr_debug("console: the host terminal hung up");
			host_gone = true;
			console_hangup(c);
		}
	}
	return NULL;
}

/* Make the host terminal raw: the pair's line discipline does the work. */
static void host_make_raw(struct tty_console *c)
{
	if (tcgetattr(c->host_fd, &c->saved) < 0)
		return;
	c->have_termios = true;
	struct termios raw = c->saved;
	cfmakeraw(&raw);
	if (tcsetattr(c->host_fd, TCSANOW, &raw) < 0)
		pr_warn("console: cannot make the host terminal raw: %s", strerror(errno));
}

/* The pair's window size from the host terminal's; whether it changed. */
static bool console_size_from_host(struct tty_console *c)
{
	struct winsize hw;
	if (ioctl(c->host_fd, TIOCGWINSZ, &hw) < 0)
		return false;
	struct linux_winsize ws = {hw.ws_row, hw.ws_col, hw.ws_xpixel, hw.ws_ypixel};
	pthread_mutex_lock(&c->p->lock);
	bool changed = memcmp(&ws, &c->p->ws, sizeof(ws)) != 0;
	c->p->ws = ws;
	pthread_mutex_unlock(&c->p->lock);
	return changed;
}

void tty_console_resize(struct tty_console *c)
{
	if (c && console_size_from_host(c))
		console_send_signals(c, SIG_BIT(LINUX_SIGWINCH));
}

/*
 * Open /dev/pts/<index> in leader's tree, so that the guest's fds 0-2 have
 * the path ttyname(3) looks for. Falls back to nothing: the error.
 */
static int open_slave(struct task *leader, struct tty_pair *p, struct file **out)
{
	struct vfs_cred cred;
	struct path root, cwd;
	char name[32];

	task_vfs_cred(leader, &cred);
	fs_struct_paths(leader->fs, &root, &cwd);
	path_put(&cwd);
	snprintf(name, sizeof(name), "/dev/pts/%d", p->index);
	struct vfs_ctx ctx = {.cred = &cred, .root = root, .start = root};
	int ret = vfs_open(&ctx, name, O_RDWR | O_NOCTTY, 0, out);
	path_put(&root);
	return ret;
}

/* leader's session (it is a session leader) gets p as its controlling terminal, as TIOCSCTTY. */
static void set_ctty(struct task *leader, struct tty_pair *p)
{
	struct thread_group *tg = leader->tg;
	pthread_mutex_lock(&leader->k->lock);
	pthread_mutex_lock(&tty_table_lock);
	p->session = tg->sid;
	p->pgrp = tg->pgid;
	tg->no_ctty = false;
	pthread_mutex_unlock(&tty_table_lock);
	pthread_mutex_unlock(&leader->k->lock);
}

static int console_install(struct tty_console *c, struct task *leader)
{
	struct file *slave;
	int ret = open_slave(leader, c->p, &slave);
	if (ret) {
		pr_err("console: cannot open /dev/pts/%d in the sandbox: %s", c->p->index,
		       strerror(-ret));
		return ret;
	}
	for (int fd = 0; !ret && fd < 3; fd++)
		ret = fdtable_install(leader->files, fd, file_get(slave), false);
	file_put(slave);
	if (!ret)
		set_ctty(leader, c->p);
	return ret;
}

int tty_console_create(struct task *leader, int host_fd, struct tty_console **out)
{
	struct tty_console *c = calloc(1, sizeof(*c));
	struct vfs_cred cred;
	int ret;

	if (!c)
		return -ENOMEM;
	c->k = leader->k;
	c->host_fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->host_fd < 0 || c->wake_fd < 0) {
		ret = -errno;
		goto out_fds;
	}
	task_vfs_cred(leader, &cred);
	c->p = devpts_new_pair(&cred);
	if (IS_ERR(c->p)) {
		ret = PTR_ERR(c->p);
		c->p = NULL;
		goto out_fds;
	}
	c->p->locked = false; /* as after unlockpt */
	console_size_from_host(c);
	ret = console_install(c, leader);
	if (!ret) {
		host_make_raw(c);
		waitq_add_callback(&c->p->master_wq, &c->wake, console_kick, false);
		ret = -pthread_create(&c->thread, NULL, console_pump, c);
		if (ret)
			waitq_remove(&c->wake);
	}
	if (ret) {
		/* Undoes the rest; leader's files, if they have the slave, go with leader. */
		tty_console_destroy(c);
		return ret;
	}
	c->started = true;
	*out = c;
	return 0;

out_fds:
	if (c->host_fd >= 0)
		close(c->host_fd);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	free(c);
	return ret;
}

void tty_console_destroy(struct tty_console *c)
{
	if (!c)
		return;
	if (c->started) {
		__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
		u64 one = 1;
		if (write(c->wake_fd, &one, sizeof(one)) < 0)
			pr_debug("console: wake: %s", strerror(errno));
		pthread_join(c->thread, NULL);
		waitq_remove(&c->wake);
	}
	if (c->have_termios)
		tcsetattr(c->host_fd, TCSADRAIN, &c->saved);
	/* As the master's last close: the slave hangs up, /dev/pts/N goes. */
	pthread_mutex_lock(&c->p->lock);
	__atomic_store_n(&c->p->master_closed, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->p->lock);
	devpts_kill_node(c->p);
	pty_wake_all(c->p);
	tty_pair_put(c->p);
	close(c->host_fd);
	close(c->wake_fd);
	free(c);
}

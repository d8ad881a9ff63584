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
 * - An exec'd process is built like init (its own address space, fd
 *   table, signal table) with the container's root and mounts, the
 *   request's ids, groups, cwd, umask and resource limits, and its
 *   capability sets (the bundle's if it gives none), and is a session
 *   leader with no parent in the sandbox: as a process runc
 *   setns()es into a container's PID namespace, its ppid reads 0, init's
 *   wait4 never sees it, and the server reaps it (through a pidfd, whose
 *   exit wake-up reaches the server's eventfd). Its own children are
 *   reparented to init when it exits, as Linux does.
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
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "cred.h"
#include "lib/log.h"
#include "pidfd.h"
#include "process.h"
#include "signal.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"
#include "sentry/tty/tty.h"

#define CONTROL_MAX_CONNS 64

struct control;

/* A client: one connection and, once it has exec'd, its process. */
struct control_conn {
	int fd;			     /* -1 once the client is gone (or the slot is free) */
	struct file *pidfd;	     /* the process, NULL before EXEC: a free slot has neither */
	struct wait_entry w;	     /* on the pidfd's queue: the exit wakes the server */
	struct tty_console *console; /* its terminal (-t), NULL without one */
	int proxy_pid;		     /* the client's host proxy (PROXY), 0: not told */
	struct control *ctl;
};

struct control {
	struct kernel *k;
	const struct sandbox_spec *spec;
	struct fs_struct *root; /* the container's root and mounts, as init got them */
	int listen_fd;
	int wake_fd;   /* eventfd: a process exited, or stop */
	bool stopping; /* atomic */
	pthread_t thread;
	u8 *buf; /* one packet */
	struct control_conn conns[CONTROL_MAX_CONNS];
};

/* A checked EXEC request; the pointers point into the packet. */
struct exec_req {
	struct sentry_control_exec h;
	u32 gids[SENTRY_CONTROL_MAX_GROUPS];
	struct sandbox_rlimit rlimits[SENTRY_CONTROL_MAX_RLIMITS];
	const char *cwd;
	const char **argv, **envp; /* NULL-terminated, malloc'ed */
};

static void send_msg(int fd, u32 type, s32 value)
{
	struct sentry_control_msg m = {.type = type, .value = value};
	/* Never blocks the server: a client that does not read loses the message. */
	if (send(fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(m))
		pr_debug("control: fd %d: cannot send message %u: %s", fd, type, strerror(errno));
}

/* The pidfd's exit wake-up (under its queue lock): only poke the server. */
static bool exit_wake(struct wait_entry *w, u32 key)
{
	struct control_conn *conn = container_of(w, struct control_conn, w);
	u64 one = 1;
	ssize_t __unused n = write(conn->ctl->wake_fd, &one, sizeof(one));
	return true;
}

struct exit_poll_table {
	struct poll_table pt;
	struct control_conn *conn;
};

static void exit_qproc(struct poll_table *pt, struct file *f, struct waitq *q)
{
	struct exit_poll_table *ept = container_of(pt, struct exit_poll_table, pt);
	waitq_add_callback(q, &ept->conn->w, exit_wake, false);
}

static void conn_close(struct control_conn *conn)
{
	/* Its output written out (or given up on) before the client hears of the exit. */
	tty_console_destroy(conn->console);
	conn->console = NULL;
	if (conn->pidfd) {
		waitq_remove(&conn->w);
		file_put(conn->pidfd);
		conn->pidfd = NULL;
	}
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
	conn->proxy_pid = 0;
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
		tty_console_destroy(conn->console);
		conn->console = NULL;
		if (conn->fd >= 0)
			send_msg(conn->fd, SENTRY_CONTROL_EXITED, status);
		conn_close(conn);
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

/*
 * Check an EXEC packet of len bytes carrying nfds fds. 0 with r filled
 * (free r->argv and r->envp), or -EINVAL / -ENOMEM.
 */
static int exec_parse(const u8 *buf, size_t len, int nfds, struct exec_req *r)
{
	struct sentry_control_exec *h = &r->h;

	if (len < sizeof(*h))
		return -EINVAL;
	memcpy(h, buf, sizeof(*h));
	bool tty = h->flags & SENTRY_EXEC_TERMINAL;
	size_t gsz = (size_t)h->ngroups * sizeof(u32);
	size_t rsz = (size_t)h->nrlimits * sizeof(struct sandbox_rlimit);
	if (h->ngroups > SENTRY_CONTROL_MAX_GROUPS || h->argc < 1 ||
	    h->argc > SENTRY_CONTROL_MSG_MAX || h->envc > SENTRY_CONTROL_MSG_MAX ||
	    h->nrlimits > SENTRY_CONTROL_MAX_RLIMITS ||
	    (h->flags & ~(SENTRY_EXEC_TERMINAL | SENTRY_EXEC_CAPS | SENTRY_EXEC_UMASK)) ||
	    (h->stdio & ~7u) || (tty && h->stdio) ||
	    (tty ? 1 : __builtin_popcount(h->stdio)) != nfds ||
	    len != sizeof(*h) + gsz + rsz + h->strings)
		return -EINVAL;
	memcpy(r->gids, buf + sizeof(*h), gsz);
	memcpy(r->rlimits, buf + sizeof(*h) + gsz, rsz);
	for (u32 i = 0; i < h->nrlimits; i++)
		if (r->rlimits[i].resource < 0 || r->rlimits[i].resource >= LINUX_RLIM_NLIMITS ||
		    r->rlimits[i].soft > r->rlimits[i].hard)
			return -EINVAL;
	const char *s = (const char *)buf + sizeof(*h) + gsz + rsz;
	size_t n = h->strings, want = 1 + (size_t)h->argc + h->envc, found = 0;
	for (size_t i = 0; i < n; i++)
		found += s[i] == 0;
	/* Exactly the strings announced, the last one ending the packet. */
	if (!n || s[n - 1] || found != want || s[0] != '/')
		return -EINVAL;
	r->argv = calloc(h->argc + 1, sizeof(char *));
	r->envp = calloc(h->envc + 1, sizeof(char *));
	if (!r->argv || !r->envp)
		return -ENOMEM;
	r->cwd = s;
	s += strlen(s) + 1;
	for (u32 i = 0; i < h->argc; s += strlen(s) + 1)
		r->argv[i++] = s;
	for (u32 i = 0; i < h->envc; s += strlen(s) + 1)
		r->envp[i++] = s;
	return 0;
}

/*
 * The request's ids, groups and capability sets, else the bundle's sets
 * (as init's, sandbox_spec.c). As runc, the bundle's bounding set does not
 * limit the request's: runc sets them from outside the container. What
 * capset(2) and PR_CAP_AMBIENT_RAISE would refuse is left out: effective
 * beyond permitted, ambient beyond permitted and inheritable.
 */
static void exec_caps(struct cred *c, const u64 *caps)
{
	c->cap_bset = caps[0] & LINUX_CAP_FULL;
	c->cap_permitted = caps[2] & LINUX_CAP_FULL;
	c->cap_effective = caps[1] & c->cap_permitted;
	c->cap_inheritable = caps[3] & LINUX_CAP_FULL;
	c->cap_ambient = caps[4] & c->cap_permitted & c->cap_inheritable;
}

static int exec_creds(struct task *t, const struct exec_req *r, const struct sandbox_spec *spec)
{
	t->cred = cred_new_init(r->h.uid, r->h.gid);
	if (!t->cred)
		return -ENOMEM;
	if (r->h.ngroups) {
		struct group_info *g = groups_new(r->gids, r->h.ngroups);
		if (!g)
			return -ENOMEM;
		groups_put(t->cred->groups);
		t->cred->groups = g;
	}
	if (r->h.flags & SENTRY_EXEC_CAPS) {
		exec_caps(t->cred, r->h.caps);
	} else if (spec) {
		t->cred->cap_bset = spec->cap_bounding & LINUX_CAP_FULL;
		t->cred->cap_effective = spec->cap_effective & LINUX_CAP_FULL;
		t->cred->cap_permitted = spec->cap_permitted & LINUX_CAP_FULL;
		t->cred->cap_inheritable = spec->cap_inheritable & LINUX_CAP_FULL;
		t->cred->cap_ambient = spec->cap_ambient & LINUX_CAP_FULL;
	}
	t->uid = r->h.uid;
	t->gid = r->h.gid;
	/* The request's alone, as runc's exec: runsk exec sends the bundle's unless --process. */
	t->no_new_privs = r->h.no_new_privs;
	return 0;
}

/* The passed fds as stdio; each fds[i] handed over is set to -1. */
static int exec_stdio(struct task *t, u32 stdio, int *fds)
{
	int i = 0;

	t->files = fdtable_create();
	if (!t->files)
		return -ENOMEM;
	for (int fd = 0; fd < 3; fd++) {
		if (!(stdio & (1u << fd)))
			continue;
		int fl = fcntl(fds[i], F_GETFL);
		struct file *f = fl < 0 ? ERR_PTR(-EBADF) : hostfile_create(fds[i], fl);
		if (IS_ERR(f))
			return PTR_ERR(f);
		fds[i++] = -1; /* the file owns it now */
		int ret = fdtable_install(t->files, fd, f, false);
		if (ret)
			return ret;
	}
	return 0;
}

/* A copy of the container's root, its cwd at r->cwd (searched with t's credentials). */
static int exec_fs(struct task *t, struct fs_struct *root, const char *cwd, u32 umask)
{
	struct vfs_cred vc;
	struct path r = {0}, old = {0}, p = {0};

	t->fs = fs_struct_copy(root);
	if (!t->fs)
		return -ENOMEM;
	fs_struct_umask(t->fs, umask);
	cred_to_vfs(t->cred, &vc);
	fs_struct_paths(t->fs, &r, &old);
	struct vfs_ctx ctx = {.cred = &vc, .root = r, .start = r, .umask = 022};
	int ret = vfs_lookup(&ctx, cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (!ret)
		ret = vfs_chdir(t->fs, &p, &vc);
	path_put(&p);
	path_put(&r);
	path_put(&old);
	return ret;
}

/*
 * Make t the leader of a new process: no parent, its own session, the
 * bundle's resource limits. Refused once init is gone (every process is
 * then dying). A pidfd for it in *pidfd. -ESRCH, -EAGAIN, -ENOMEM.
 */
static int exec_register(struct kernel *k, struct task *t, const struct exec_req *r,
			 struct file **pidfd)
{
	struct thread_group *tg = NULL;
	int ret = 0;

	pthread_mutex_lock(&k->lock);
	struct thread_group *init = k->init;
	if (!init || init->zombie || !init->nr_threads || init->group_exiting ||
	    __atomic_load_n(&k->killed, __ATOMIC_SEQ_CST))
		ret = -ESRCH;
	int pid = ret ? ret : pid_alloc_locked(k);
	if (pid < 0)
		ret = pid;
	else if (!(tg = tg_alloc(k, pid)))
		ret = -ENOMEM;
	if (!ret) {
		tg->leader = t;
		tg->pgid = tg->sid = pid;
		tg->uid = t->uid;
		tg->exit_signal = 0; /* no parent to tell */
		memcpy(tg->rlimits, k->init_rlimits, sizeof(tg->rlimits));
		/* As runc: the request's limits over the container's (checked by exec_parse). */
		for (u32 i = 0; i < r->h.nrlimits; i++)
			tg->rlimits[r->rlimits[i].resource] =
				(struct linux_rlimit){r->rlimits[i].soft, r->rlimits[i].hard};
		list_add_tail(&tg->node, &k->groups);
		/* As process.c's attach_locked does for a new process's leader. */
		t->tid = pid;
		t->tg = tg;
		list_add_tail(&t->tg_node, &tg->threads);
		tg->nr_threads++;
		k->nr_tasks++;
		*pidfd = pidfd_create_locked(k, tg, 0);
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

/* Undo exec_register for a task that never ran; the caller frees t. */
static void exec_unregister(struct kernel *k, struct task *t)
{
	struct thread_group *tg = t->tg;

	pthread_mutex_lock(&k->lock);
	list_del(&t->tg_node);
	tg->nr_threads--;
	tg->leader = NULL;
	tg->zombie = true;
	tg_reap_locked(k, tg);
	/* init may have died meanwhile, leaving this the last task. */
	if (--k->nr_tasks == 0) {
		u64 one = 1;
		ssize_t __unused w = write(k->done_fd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&k->lock);
	t->tg = NULL;
}

/* A task set up here but never started: undo by hand, as sentry_run does. */
static void exec_task_free(struct task *t)
{
	fdtable_destroy(t->files);
	fs_struct_put(t->fs);
	mm_put(t->mm);
	sighand_put(t->sighand);
	cred_put(t->cred);
	free(t->fpstate);
	free(t);
}

/* Build, load and start r's process for conn. Its pid, or -errno (*cwd_failed: of the cwd). */
static int exec_spawn(struct control *ctl, struct control_conn *conn, const struct exec_req *r,
		      int *fds, bool *cwd_failed)
{
	struct kernel *k = ctl->k;
	struct task *t = task_alloc(k);
	struct file *pidfd = NULL;
	int ret = t ? exec_creds(t, r, ctl->spec) : -ENOMEM;

	if (!ret)
		ret = exec_stdio(t, r->h.stdio, fds);
	u32 umask = r->h.flags & SENTRY_EXEC_UMASK ? r->h.umask : 022;
	if (!ret && (ret = exec_fs(t, ctl->root, r->cwd, umask)))
		*cwd_failed = true;
	if (!ret && !(t->sighand = sighand_alloc()))
		ret = -ENOMEM;
	if (!ret) {
		t->mm = mm_create(k->mf, k->platform);
		if (IS_ERR(t->mm)) {
			ret = PTR_ERR(t->mm);
			t->mm = NULL;
		}
	}
	if (ret) {
		if (t)
			exec_task_free(t);
		return ret;
	}
	ret = exec_register(k, t, r, &pidfd);
	if (ret) {
		exec_task_free(t);
		return ret;
	}
	if (IS_ERR(pidfd)) {
		ret = PTR_ERR(pidfd);
		pidfd = NULL;
	}
	task_update_mm_limits(t);
	/* Its terminal: a new pty on the host one, its fds 0-2 and controlling tty. */
	if (!ret && (r->h.flags & SENTRY_EXEC_TERMINAL))
		ret = tty_console_create(t, fds[0], &conn->console);
	if (!ret)
		ret = exec_first(t, r->argv[0], r->argv, r->envp);
	if (!ret) {
		/* Watch for its exit before it can run, so that none is missed. */
		struct exit_poll_table ept = {.pt = {.qproc = exit_qproc}, .conn = conn};
		conn->pidfd = pidfd;
		vfs_poll(pidfd, &ept.pt);
		ret = task_start(t);
		if (ret) {
			waitq_remove(&conn->w);
			conn->pidfd = NULL;
		}
	}
	if (ret) {
		/* Before the task goes: the pty's fds are in its table. */
		tty_console_destroy(conn->console);
		conn->console = NULL;
		exec_unregister(k, t);
		exec_task_free(t);
		if (pidfd)
			file_put(pidfd);
		return ret;
	}
	return t->tid; /* read before anything could reap it: only this thread does */
}

/* Receive one packet and its fds (at most 3). Its length, 0 at EOF, or -errno. */
static ssize_t recv_packet(int fd, u8 *buf, int *fds, int *nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 3)];
	struct iovec iov = {.iov_base = buf, .iov_len = SENTRY_CONTROL_MSG_MAX};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*nfds = 0;
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		int *p = (int *)CMSG_DATA(cm);
		size_t cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < cnt; i++) {
			int got;
			memcpy(&got, p + i, sizeof(got));
			if (*nfds < 3)
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

static void conn_exec(struct control *ctl, struct control_conn *conn, size_t len, int *fds,
		      int nfds)
{
	struct exec_req *r = calloc(1, sizeof(*r));
	int ret = !r ? -ENOMEM : conn->pidfd ? -EBUSY : exec_parse(ctl->buf, len, nfds, r);
	bool cwd_failed = false;

	if (!ret)
		ret = exec_spawn(ctl, conn, r, fds, &cwd_failed);
	send_msg(conn->fd,
		 ret >= 0     ? SENTRY_CONTROL_STARTED
		 : cwd_failed ? SENTRY_CONTROL_ERROR_CWD
			      : SENTRY_CONTROL_ERROR,
		 ret);
	if (ret > 0)
		pr_debug("control: exec %s as pid %d", r->argv[0], ret);
	if (r) {
		free(r->argv);
		free(r->envp);
	}
	free(r);
}

/* A packet, or the end, from conn's client. */
static void conn_input(struct control *ctl, struct control_conn *conn)
{
	int fds[3], nfds;
	ssize_t n = recv_packet(conn->fd, ctl->buf, fds, &nfds);
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
		conn_exec(ctl, conn, n, fds, nfds);
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
	} else {
		send_msg(conn->fd, SENTRY_CONTROL_ERROR, n == -EMSGSIZE ? -E2BIG : -EINVAL);
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
		send_msg(fd, SENTRY_CONTROL_ERROR, -EPERM);
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
	send_msg(fd, SENTRY_CONTROL_ERROR, -EAGAIN);
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

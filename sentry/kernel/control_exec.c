// SPDX-License-Identifier: Apache-2.0
/*
 * The control server's EXEC (control_internal.h): a new process for
 * `runsk exec`, from a request checked whole before anything is made.
 *
 * An exec'd process is built like init (its own address space, fd table,
 * signal table) with the container's root and mounts, the request's ids,
 * groups, cwd, umask and resource limits, and its capability sets (the
 * bundle's if it gives none), and is a session leader with no parent in
 * the sandbox: as a process runc setns()es into a container's PID
 * namespace, its ppid reads 0, init's wait4 never sees it, and the server
 * reaps it (through a pidfd, whose exit wake-up reaches the server's
 * eventfd). Its own children are reparented to init when it exits, as
 * Linux does. The stdio fds live in the process's fd table only: they
 * close with it. With a terminal, the process gets a new Sentry pty on
 * the host one as its fds 0-2 and controlling terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control_internal.h"
#include "cred.h"
#include "lib/log.h"
#include "oom.h"
#include "seccomp.h"
#include "pidfd.h"
#include "process.h"
#include "signal.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"
#include "sentry/tty/tty.h"

/* A checked EXEC request; the pointers point into the packet. */
struct exec_req {
	struct sentry_control_exec h;
	u32 gids[SENTRY_CONTROL_MAX_GROUPS];
	struct sandbox_rlimit rlimits[SENTRY_CONTROL_MAX_RLIMITS];
	const char *cwd;
	const char **argv, **envp; /* NULL-terminated, malloc'ed */
};

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
	    (h->flags & ~(SENTRY_EXEC_TERMINAL | SENTRY_EXEC_CAPS | SENTRY_EXEC_UMASK |
			  SENTRY_EXEC_OOM_SCORE_ADJ)) ||
	    h->oom_score_adj < OOM_SCORE_ADJ_MIN || h->oom_score_adj > OOM_SCORE_ADJ_MAX ||
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
	/* runc's exec loads the container's seccomp profile too. */
	if (spec && spec->seccomp_len)
		return seccomp_install(t, spec->seccomp_prog, spec->seccomp_len,
				       spec->seccomp_flags);
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
		/* As runc writes it, privileged: the floor too (oom.h's oom_adj_set). */
		if (r->h.flags & SENTRY_EXEC_OOM_SCORE_ADJ)
			tg->oom_score_adj = tg->oom_score_adj_min = (short)r->h.oom_score_adj;
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
	seccomp_task_free(t);
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

void control_conn_exec(struct control *ctl, struct control_conn *conn, size_t len, int *fds,
		       int nfds)
{
	struct exec_req *r = calloc(1, sizeof(*r));
	int ret = !r ? -ENOMEM : conn->pidfd ? -EBUSY : exec_parse(ctl->buf, len, nfds, r);
	bool cwd_failed = false;

	if (!ret)
		ret = exec_spawn(ctl, conn, r, fds, &cwd_failed);
	control_send_msg(conn->fd,
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

// SPDX-License-Identifier: Apache-2.0
/*
 * seccomp for the guest (seccomp.h): filter chains, attaching with and
 * without TSYNC, and the verdict before each syscall.
 */
#include <errno.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "cred.h"
#include "lib/log.h"
#include "process.h"
#include "seccomp.h"
#include "seccomp_notify.h"
#include "sentry/vfs/file.h"
#include "signal.h"

/* Linux's MAX_INSNS_PER_PATH: a chain's instructions, 4 more per filter. */
#define MAX_INSNS_PER_PATH (1u << 15)
#define SECCOMP_DATA_WORDS (sizeof(struct seccomp_data) / 4)
/* The flags the Sentry has: not WAIT_KILLABLE_RECV (a listener's waits end on any signal). */
#define FILTER_FLAGS                                                                            \
	(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | \
	 SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH)
#define SYS_SECCOMP 1 /* si_code of a SECCOMP_RET_TRAP SIGSYS */

struct seccomp_filter {
	int refs; /* atomic: threads running it as their head, and the next link */
	bool log; /* SECCOMP_FILTER_FLAG_LOG */
	struct seccomp_listener *listener; /* NEW_LISTENER: a reference, or NULL */
	unsigned len;
	struct seccomp_filter *prev; /* a reference */
	struct cbpf_insn prog[];
};

static struct seccomp_filter *filter_get(struct seccomp_filter *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

static void filter_put(struct seccomp_filter *f)
{
	while (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct seccomp_filter *prev = f->prev;
		if (f->listener)
			seccomp_listener_orphan(f->listener);
		free(f);
		f = prev;
	}
}

/* The chain's verdict, newest filter first: the most severe action wins, the newest on a tie. */
static u32 run_filters(const struct seccomp_filter *f, const u32 *data,
		       const struct seccomp_filter **match)
{
	u32 ret = SECCOMP_RET_ALLOW;

	for (; f; f = f->prev) {
		u32 cur = cbpf_run(f->prog, data);
		/* Actions compare as signed: KILL_PROCESS (0x80000000) is the most severe. */
		if ((s32)(cur & SECCOMP_RET_ACTION_FULL) < (s32)(ret & SECCOMP_RET_ACTION_FULL)) {
			ret = cur;
			*match = f;
		}
	}
	return ret;
}

/* Die of SIGSYS as Linux's seccomp kill does: the process, or only this thread if others live. */
static void kill_task(struct task *t, bool whole_process)
{
	pthread_mutex_lock(&t->k->lock);
	if (whole_process || t->tg->nr_threads == 1)
		task_group_exit_locked(t, LINUX_SIGSYS);
	pthread_mutex_unlock(&t->k->lock);
	task_exit(t, LINUX_SIGSYS);
}

/* SECCOMP_RET_TRAP: SIGSYS describing the call, which did not run; rax as it came in. */
static void trap(struct task *t, int nr, u32 data)
{
	struct linux_siginfo info = {
		.signo = LINUX_SIGSYS, .errno_ = (s32)data, .code = SYS_SECCOMP};
	u64 call_addr = t->regs.rip;
	u32 arch = AUDIT_ARCH_X86_64;

	/* _sigsys: void *_call_addr; int _syscall; unsigned int _arch. */
	memcpy(info.raw, &call_addr, 8);
	memcpy(info.raw + 8, &nr, 4);
	memcpy(info.raw + 12, &arch, 4);
	signal_force(t, &info);
}

static bool strict_allows(int nr)
{
	/* SECCOMP_MODE_STRICT: read, write, _exit and sigreturn. */
	return nr == 0 || nr == 1 || nr == 60 || nr == 15;
}

bool seccomp_syscall_denied(struct task *t, const struct syscall_args *a, long *ret)
{
	int nr = (int)t->regs.orig_rax;

	if (__atomic_load_n(&t->seccomp.mode, __ATOMIC_ACQUIRE) == SECCOMP_MODE_STRICT) {
		if (strict_allows(nr))
			return false;
		pr_debug("tid %d: seccomp strict mode: syscall %d, SIGKILL", t->tid, nr);
		task_exit(t, LINUX_SIGKILL); /* this thread, as Linux's do_exit(SIGKILL) */
		*ret = -ENOSYS;
		return true;
	}

	union {
		struct seccomp_data d;
		u32 w[SECCOMP_DATA_WORDS];
	} sd = {.d = {.nr = nr, .arch = AUDIT_ARCH_X86_64, .instruction_pointer = t->regs.rip}};
	memcpy(sd.d.args, a->a, sizeof(sd.d.args));
	const struct seccomp_filter *match = NULL;
	u32 verdict =
		run_filters(__atomic_load_n(&t->seccomp.filter, __ATOMIC_ACQUIRE), sd.w, &match);
	u32 data = verdict & SECCOMP_RET_DATA;

	switch (verdict & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		return false;
	case SECCOMP_RET_LOG:
		pr_debug("tid %d: seccomp: syscall %d logged", t->tid, nr);
		return false;
	case SECCOMP_RET_ERRNO:
		*ret = -(long)MIN(data, 4095u); /* MAX_ERRNO */
		break;
	case SECCOMP_RET_TRAP:
		trap(t, nr, data);
		*ret = (long)t->regs.orig_rax; /* Linux's syscall_rollback */
		break;
	case SECCOMP_RET_USER_NOTIF:
		if (!match->listener) {
			*ret = -ENOSYS;
			break;
		}
		return !seccomp_listener_ask(match->listener, t, &sd.d, ret);
	case SECCOMP_RET_TRACE: /* no tracer */
		*ret = -ENOSYS;
		break;
	default: /* KILL_THREAD, KILL_PROCESS, and what Linux does not know either */
		pr_debug("tid %d: seccomp: syscall %d, SIGSYS kills it", t->tid, nr);
		kill_task(t, (verdict & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_KILL_THREAD);
		*ret = -ENOSYS;
		return true;
	}
	if (match && match->log)
		pr_debug("tid %d: seccomp: syscall %d, action %#x", t->tid, nr, verdict);
	return true;
}

/* Linux's seccomp_may_assign_mode. */
static bool may_assign_mode(const struct task *t, int mode)
{
	return t->seccomp.mode == SECCOMP_MODE_DISABLED || t->seccomp.mode == mode;
}

static long set_mode_strict(struct task *t)
{
	long ret = -EINVAL;

	pthread_mutex_lock(&t->k->lock);
	if (may_assign_mode(t, SECCOMP_MODE_STRICT)) {
		__atomic_store_n(&t->seccomp.mode, SECCOMP_MODE_STRICT, __ATOMIC_RELEASE);
		ret = 0;
	}
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* Is anc the chain f or a tail of it? */
static bool is_ancestor(const struct seccomp_filter *anc, const struct seccomp_filter *f)
{
	if (!anc)
		return true;
	for (; f; f = f->prev)
		if (f == anc)
			return true;
	return false;
}

/* TSYNC's precondition: each other thread runs no filter or a tail of t's chain. Its tid if not. */
static int can_sync_locked(const struct task *t)
{
	const struct task *u;

	list_for_each_entry(u, &t->tg->threads, tg_node)
	{
		if (u == t || u->seccomp.mode == SECCOMP_MODE_DISABLED)
			continue;
		if (u->seccomp.mode == SECCOMP_MODE_FILTER &&
		    is_ancestor(u->seccomp.filter, t->seccomp.filter))
			continue;
		return u->tid;
	}
	return 0;
}

static void sync_threads_locked(struct task *t)
{
	struct task *u;

	list_for_each_entry(u, &t->tg->threads, tg_node)
	{
		if (u == t || u->exiting)
			continue;
		/* The old head is a tail of the new chain: u may still be running it. */
		struct seccomp_filter *old = u->seccomp.filter;
		__atomic_store_n(&u->seccomp.filter, filter_get(t->seccomp.filter),
				 __ATOMIC_RELEASE);
		filter_put(old);
		if (t->no_new_privs)
			__atomic_store_n(&u->no_new_privs, true, __ATOMIC_RELAXED);
		__atomic_store_n(&u->seccomp.mode, SECCOMP_MODE_FILTER, __ATOMIC_RELEASE);
	}
}

/* Does t's chain have a listener whose file is open? (Linux's has_duplicate_listener) */
static bool has_listener(const struct task *t)
{
	for (const struct seccomp_filter *w = t->seccomp.filter; w; w = w->prev)
		if (w->listener && !seccomp_listener_closed(w->listener))
			return true;
	return false;
}

/* Make f (a new reference) t's newest filter; on failure f is t's to free still. */
static int attach_locked(struct task *t, struct seccomp_filter *f, unsigned flags)
{
	unsigned total = f->len;

	if (!may_assign_mode(t, SECCOMP_MODE_FILTER))
		return -EINVAL;
	if (f->listener && has_listener(t))
		return -EBUSY;
	for (const struct seccomp_filter *w = t->seccomp.filter; w; w = w->prev)
		total += w->len + 4;
	if (total > MAX_INSNS_PER_PATH)
		return -ENOMEM;
	if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
		int tid = can_sync_locked(t);
		if (tid)
			return (flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH) ? -ESRCH : tid;
	}
	f->log = flags & SECCOMP_FILTER_FLAG_LOG;
	f->prev = t->seccomp.filter; /* t's reference passes to the new link */
	__atomic_store_n(&t->seccomp.filter, f, __ATOMIC_RELEASE);
	__atomic_store_n(&t->seccomp.mode, SECCOMP_MODE_FILTER, __ATOMIC_RELEASE);
	if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		sync_threads_locked(t);
	return 0;
}

/* An unattached filter for len instructions, its program left for the caller to fill in. */
static struct seccomp_filter *filter_alloc(unsigned len)
{
	struct seccomp_filter *f = malloc(sizeof(*f) + len * sizeof(struct cbpf_insn));

	if (f)
		*f = (struct seccomp_filter){.refs = 1, .len = len};
	return f;
}

static int install(struct task *t, struct seccomp_filter *f, unsigned flags)
{
	pthread_mutex_lock(&t->k->lock);
	int ret = attach_locked(t, f, flags);
	pthread_mutex_unlock(&t->k->lock);
	if (ret) { /* never attached: nobody else has it */
		seccomp_listener_put(f->listener);
		free(f);
	}
	return ret;
}

/* NEW_LISTENER: the listener's fd (close-on-exec) comes first, as Linux reserves it first. */
static long install_with_listener(struct task *t, struct seccomp_filter *f, unsigned flags)
{
	struct file *lf;

	f->listener = seccomp_listener_new(&lf);
	if (!f->listener) {
		free(f);
		return -ENOMEM;
	}
	int fd = fdtable_alloc(t->files, 0, lf, true);
	if (fd < 0) {
		seccomp_listener_put(f->listener);
		free(f);
		return fd;
	}
	int ret = install(t, f, flags);
	/* On failure the fd goes again; its file's release drops the listener. */
	if (ret && fdtable_close(t->files, fd))
		pr_debug("seccomp: listener fd %d already closed by another thread", fd);
	return ret ? ret : fd;
}

/* Check f's program and attach f to t (both as seccomp(2) does); f is freed on failure. */
static long check_and_install(struct task *t, struct seccomp_filter *f, unsigned flags)
{
	int ret = cbpf_check(f->prog, f->len, SECCOMP_DATA_WORDS);

	if (ret) {
		free(f);
		return ret;
	}
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		return install_with_listener(t, f, flags);
	return install(t, f, flags);
}

/* struct sock_fprog. */
struct linux_sock_fprog {
	u16 len;
	u8 _pad[6];
	u64 filter;
};

static long set_mode_filter(struct task *t, unsigned flags, uaddr_t uargs)
{
	struct linux_sock_fprog fprog;

	if (flags & ~FILTER_FLAGS)
		return -EINVAL;
	/* A TSYNC failure's tid and a listener's fd would look alike. */
	if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
	    !(flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &fprog, uargs, sizeof(fprog)))
		return -EFAULT;
	if (fprog.len == 0 || fprog.len > CBPF_MAXINSNS)
		return -EINVAL;
	/* Filters may not make a set-ID program misbehave for its caller: no_new_privs or CAP_SYS_ADMIN. */
	if (!t->no_new_privs && !task_capable(t, LINUX_CAP_SYS_ADMIN))
		return -EACCES;
	struct seccomp_filter *f = filter_alloc(fprog.len);
	if (!f)
		return -ENOMEM;
	if (mm_copy_from_user(t->mm, f->prog, uaddr(fprog.filter),
			      fprog.len * sizeof(struct cbpf_insn))) {
		free(f);
		return -EFAULT;
	}
	return check_and_install(t, f, flags);
}

int seccomp_install(struct task *t, const void *prog, unsigned len, unsigned flags)
{
	/* No listener: nobody in the sandbox could hold its fd. */
	if (flags & ~FILTER_FLAGS || flags & SECCOMP_FILTER_FLAG_NEW_LISTENER || len == 0 ||
	    len > CBPF_MAXINSNS)
		return -EINVAL;
	struct seccomp_filter *f = filter_alloc(len);
	if (!f)
		return -ENOMEM;
	memcpy(f->prog, prog, len * sizeof(struct cbpf_insn));
	return (int)check_and_install(t, f, flags);
}

static long action_avail(struct task *t, uaddr_t uargs)
{
	u32 action;

	if (mm_copy_from_user(t->mm, &action, uargs, sizeof(action)))
		return -EFAULT;
	switch (action) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_USER_NOTIF:
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG:
	case SECCOMP_RET_ALLOW:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

long seccomp_do(struct task *t, unsigned op, unsigned flags, uaddr_t uargs)
{
	switch (op) {
	case SECCOMP_SET_MODE_STRICT:
		if (flags || uargs.addr)
			return -EINVAL;
		return set_mode_strict(t);
	case SECCOMP_SET_MODE_FILTER:
		return set_mode_filter(t, flags, uargs);
	case SECCOMP_GET_ACTION_AVAIL:
		if (flags)
			return -EINVAL;
		return action_avail(t, uargs);
	case SECCOMP_GET_NOTIF_SIZES: {
		struct seccomp_notif_sizes sz = {sizeof(struct seccomp_notif),
						 sizeof(struct seccomp_notif_resp),
						 sizeof(struct seccomp_data)};
		if (flags)
			return -EINVAL;
		return mm_copy_to_user(t->mm, uargs, &sz, sizeof(sz)) ? -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}

void seccomp_fork_locked(struct task *c, const struct task *p)
{
	c->seccomp.filter = filter_get(p->seccomp.filter);
	c->seccomp.mode = p->seccomp.mode;
	c->no_new_privs = p->no_new_privs; /* a TSYNC may have set it since clone copied it */
}

void seccomp_task_free(struct task *t)
{
	filter_put(t->seccomp.filter);
	t->seccomp.filter = NULL;
}

int seccomp_filter_count_locked(const struct task *t)
{
	int n = 0;

	for (const struct seccomp_filter *f = t->seccomp.filter; f; f = f->prev)
		n++;
	return n;
}

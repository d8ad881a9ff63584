// SPDX-License-Identifier: Apache-2.0
/*
 * signalfd (signalfd.h), after Linux's fs/signalfd.c: a read dequeues
 * the reader's pending signals in the mask, as many as fit, blocking only
 * for the first; poll reports POLLIN while one is pending.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#include "abi/linux/poll.h"
#include "anon_inode.h"
#include "poll.h"
#include "sentry/kernel/signal.h"
#include "signalfd.h"
#include "vfs.h"

/* struct signalfd_siginfo of <linux/signalfd.h> (Linux 6.1: no perf fields). */
struct linux_signalfd_siginfo {
	u32 ssi_signo;
	s32 ssi_errno;
	s32 ssi_code;
	u32 ssi_pid;
	u32 ssi_uid;
	s32 ssi_fd;
	u32 ssi_tid;
	u32 ssi_band;
	u32 ssi_overrun;
	u32 ssi_trapno;
	s32 ssi_status;
	s32 ssi_int;
	u64 ssi_ptr;
	u64 ssi_utime;
	u64 ssi_stime;
	u64 ssi_addr;
	u16 ssi_addr_lsb;
	u16 pad2;
	s32 ssi_syscall;
	u64 ssi_call_addr;
	u32 ssi_arch;
	u8 pad[28];
};
_Static_assert(sizeof(struct linux_signalfd_siginfo) == 128, "signalfd_siginfo size");
_Static_assert(offsetof(struct linux_signalfd_siginfo, ssi_ptr) == 48, "ssi_ptr offset");
_Static_assert(offsetof(struct linux_signalfd_siginfo, ssi_addr_lsb) == 80, "ssi_addr_lsb");
_Static_assert(offsetof(struct linux_signalfd_siginfo, ssi_arch) == 96, "ssi_arch offset");

struct signalfd {
	struct file base;
	u64 mask; /* atomic: the signals read; never SIGKILL or SIGSTOP */
};

/* Every signalfd's readers and pollers (signalfd.h says why one). */
static struct waitq signalfd_wq = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.entries = LIST_HEAD_INIT(signalfd_wq.entries),
};

static const struct file_ops signalfd_ops;

static struct signalfd *to_signalfd(struct file *f)
{
	return f->ops == &signalfd_ops ? container_of(f, struct signalfd, base) : NULL;
}

static u64 signalfd_mask(struct signalfd *s)
{
	return __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
}

void signalfd_notify(void)
{
	if (waitq_active(&signalfd_wq))
		waitq_wake_key(&signalfd_wq, LINUX_POLLIN);
}

/* Linux's siginfo_layout: which union member a siginfo carries. */
enum sil { SIL_KILL, SIL_TIMER, SIL_POLL, SIL_FAULT, SIL_CHLD, SIL_RT, SIL_SYS };

static enum sil siginfo_layout(int sig, int code)
{
	/* The highest si_code each signal defines for its own layout. */
	static const struct {
		u8 limit, layout;
	} filter[] = {
		[LINUX_SIGILL] = {11, SIL_FAULT}, [LINUX_SIGFPE] = {15, SIL_FAULT},
		[LINUX_SIGSEGV] = {9, SIL_FAULT}, [LINUX_SIGBUS] = {5, SIL_FAULT},
		[LINUX_SIGTRAP] = {6, SIL_FAULT}, [LINUX_SIGCHLD] = {6, SIL_CHLD},
		[LINUX_SIGIO] = {6, SIL_POLL},	  [LINUX_SIGSYS] = {2, SIL_SYS},
	};
	if (code > LINUX_SI_USER && code < LINUX_SI_KERNEL) {
		if (sig < (int)ARRAY_SIZE(filter) && filter[sig].limit && code <= filter[sig].limit)
			return filter[sig].layout;
		return code <= 6 /* NSIGPOLL */ ? SIL_POLL : SIL_KILL;
	}
	if (code == LINUX_SI_TIMER)
		return SIL_TIMER;
	if (code == LINUX_SI_SIGIO)
		return SIL_POLL;
	return code < 0 ? SIL_RT : SIL_KILL;
}

/* Linux's signalfd_copyinfo: the fields of info's layout, the rest zero. */
static void copyinfo(struct linux_signalfd_siginfo *o, const struct linux_siginfo *in)
{
	const u8 *raw = in->raw;
	memset(o, 0, sizeof(*o));
	o->ssi_signo = in->signo;
	o->ssi_errno = in->errno_;
	o->ssi_code = in->code;
	switch (siginfo_layout(in->signo, in->code)) {
	case SIL_KILL:
		o->ssi_pid = in->kill.pid;
		o->ssi_uid = in->kill.uid;
		break;
	case SIL_TIMER:
		o->ssi_tid = in->timer.tid;
		o->ssi_overrun = in->timer.overrun;
		o->ssi_ptr = in->timer.value;
		o->ssi_int = (s32)in->timer.value;
		break;
	case SIL_POLL:
		o->ssi_band = in->poll.band;
		o->ssi_fd = in->poll.fd;
		break;
	case SIL_FAULT:
		/* x86 has no si_trapno; si_addr_lsb (BUS_MCEERR_*) follows si_addr. */
		o->ssi_addr = in->fault.addr;
		if (in->signo == LINUX_SIGBUS && (in->code == 4 || in->code == 5))
			memcpy(&o->ssi_addr_lsb, raw + 8, sizeof(o->ssi_addr_lsb));
		break;
	case SIL_CHLD:
		o->ssi_pid = in->chld.pid;
		o->ssi_uid = in->chld.uid;
		o->ssi_status = in->chld.status;
		o->ssi_utime = in->chld.utime;
		o->ssi_stime = in->chld.stime;
		break;
	case SIL_RT:
		o->ssi_pid = in->kill.pid;
		o->ssi_uid = in->kill.uid;
		o->ssi_ptr = in->kill.value;
		o->ssi_int = (s32)in->kill.value;
		break;
	case SIL_SYS: {
		/* _sigsys: void *_call_addr; int _syscall; unsigned _arch. */
		s32 nr;
		memcpy(&o->ssi_call_addr, raw, 8);
		memcpy(&nr, raw + 8, 4);
		memcpy(&o->ssi_arch, raw + 12, 4);
		o->ssi_syscall = nr;
		break;
	}
	}
}

/* Take one signal of mask from t's pending sets (k->lock not held). 0 if none. */
static int dequeue(struct task *t, u64 mask, struct linux_siginfo *info)
{
	pthread_mutex_lock(&t->k->lock);
	int sig = signal_dequeue_locked(t, mask, info);
	if (sig)
		signal_recalc_locked(t);
	pthread_mutex_unlock(&t->k->lock);
	return sig;
}

/* Linux's signalfd_dequeue: one signal, waiting for it unless nonblock. */
static int dequeue_wait(struct task *t, struct signalfd *s, bool nonblock,
			struct linux_siginfo *info)
{
	int sig = dequeue(t, signalfd_mask(s), info);
	if (sig || nonblock)
		return sig ? sig : -EAGAIN;
	struct wait_entry w;
	waitq_add_key(&signalfd_wq, &w, t, LINUX_POLLIN);
	while (!(sig = dequeue(t, signalfd_mask(s), info))) {
		if (task_sleep(t, NULL)) {
			sig = -ERESTARTSYS;
			break;
		}
	}
	waitq_remove(&w);
	return sig;
}

static ssize_t signalfd_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct signalfd *s = to_signalfd(f);
	struct task *t = task_current();
	size_t count = len / sizeof(struct linux_signalfd_siginfo);
	bool nonblock = __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
	struct linux_siginfo info;
	ssize_t total = 0;
	int ret = 0;

	if (!count)
		return -EINVAL;
	if (!t)
		return -EAGAIN; /* not a task's thread: nobody's signals to read */
	for (; count; count--) {
		ret = dequeue_wait(t, s, nonblock, &info);
		if (ret <= 0)
			break;
		struct linux_signalfd_siginfo out;
		copyinfo(&out, &info);
		memcpy((u8 *)buf + total, &out, sizeof(out));
		total += sizeof(out);
		nonblock = true; /* only the first one is waited for */
	}
	return total ? total : ret;
}

static u32 signalfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *s = to_signalfd(f);
	struct task *t = task_current();

	poll_wait(f, &signalfd_wq, pt);
	if (!t)
		return 0;
	pthread_mutex_lock(&t->k->lock);
	u64 pending = (t->pending.set | t->tg->shared_pending.set) & signalfd_mask(s);
	pthread_mutex_unlock(&t->k->lock);
	return pending ? LINUX_POLLIN : 0;
}

static const struct file_ops signalfd_ops = {
	.read = signalfd_read,
	.llseek = anon_inode_llseek,
	.stat = anon_inode_stat,
	.poll = signalfd_poll,
	.anon_name = "[signalfd]",
};

struct file *signalfd_create(u64 mask, int flags)
{
	if (anon_inode_init())
		return ERR_PTR(-ENOMEM);
	struct file *f = file_alloc(sizeof(struct signalfd), &signalfd_ops);
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->flags = O_RDWR | (flags & O_NONBLOCK);
	f->mode = FMODE_READ | FMODE_WRITE | FMODE_STREAM;
	to_signalfd(f)->mask = mask & ~SIG_UNBLOCKABLE;
	return f;
}

int signalfd_set_mask(struct file *f, u64 mask)
{
	struct signalfd *s = to_signalfd(f);
	if (!s)
		return -EINVAL;
	__atomic_store_n(&s->mask, mask & ~SIG_UNBLOCKABLE, __ATOMIC_RELAXED);
	/* A signal pending already may now be in the mask. */
	signalfd_notify();
	return 0;
}

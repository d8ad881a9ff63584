// SPDX-License-Identifier: Apache-2.0
/*
 * Signal syscalls: dispositions, masks, sending (kill and friends),
 * waiting (sigsuspend, sigtimedwait, pause) and rt_sigreturn. Delivery
 * itself is sentry/kernel/signal.c's.
 */
#include <errno.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/sigframe.h"
#include "sentry/kernel/signal.h"
#include "syscalls.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
/*
 * The sa_flags bits x86-64 Linux knows; others are cleared so programs
 * can detect unsupported flags (SA_UNSUPPORTED, Linux 5.11).
 */
#define SA_KNOWN_FLAGS                                                                       \
	(0x1 /* NOCLDSTOP */ | 0x2 /* NOCLDWAIT */ | 0x4 /* SIGINFO */ |                     \
	 0x800 /* EXPOSE_TAGBITS */ | 0x04000000 /* RESTORER */ | 0x08000000 /* ONSTACK */ | \
	 0x10000000 /* RESTART */ | 0x40000000 /* NODEFER */ | 0x80000000 /* RESETHAND */)

static bool valid_signal(int sig)
{
	return sig >= 1 && sig <= LINUX_NSIG;
}

long sys_rt_sigaction(struct task *t, const struct syscall_args *a)
{
	int sig = arg_int(a, 0);
	struct linux_sigaction act;

	if (a->a[3] != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (!valid_signal(sig))
		return -EINVAL;
	if (a->a[1]) {
		if (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)
			return -EINVAL;
		if (mm_copy_from_user(t->mm, &act, arg_ptr(a, 1), sizeof(act)))
			return -EFAULT;
	}
	pthread_mutex_lock(&t->k->lock);
	struct linux_sigaction old = t->sighand->action[sig - 1];
	if (a->a[1]) {
		act.mask &= ~SIG_UNBLOCKABLE;
		act.flags &= SA_KNOWN_FLAGS;
		t->sighand->action[sig - 1] = act;
		/* POSIX: ignoring a pending signal discards it. */
		signal_discard_if_ignored_locked(t, sig);
	}
	pthread_mutex_unlock(&t->k->lock);
	if (a->a[2] && mm_copy_to_user(t->mm, arg_ptr(a, 2), &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(struct task *t, const struct syscall_args *a)
{
	int how = arg_int(a, 0);
	u64 set, old = t->sigmask;

	if (a->a[3] != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (a->a[1]) {
		if (mm_copy_from_user(t->mm, &set, arg_ptr(a, 1), sizeof(set)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			set |= old;
			break;
		case SIG_UNBLOCK:
			set = old & ~set;
			break;
		case SIG_SETMASK:
			break;
		default:
			return -EINVAL;
		}
		signal_set_mask(t, set);
	}
	if (a->a[2] && mm_copy_to_user(t->mm, arg_ptr(a, 2), &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(struct task *t, const struct syscall_args *a)
{
	if (a->a[1] > LINUX_SIGSET_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	u64 set = (t->pending.set | t->tg->shared_pending.set) & t->sigmask;
	pthread_mutex_unlock(&t->k->lock);
	return mm_copy_to_user(t->mm, arg_ptr(a, 0), &set, a->a[1]) ? -EFAULT : 0;
}

/* Sleep until a signal is taken; the caller returns -ERESTARTNOHAND. */
static void sleep_until_signal(struct task *t)
{
	while (!task_sleep(t, NULL))
		;
}

long sys_rt_sigsuspend(struct task *t, const struct syscall_args *a)
{
	u64 mask;
	if (a->a[1] != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &mask, arg_ptr(a, 0), sizeof(mask)))
		return -EFAULT;
	signal_set_temporary_mask(t, mask);
	sleep_until_signal(t);
	return -ERESTARTNOHAND;
}

long sys_pause(struct task *t, const struct syscall_args *a)
{
	sleep_until_signal(t);
	return -ERESTARTNOHAND;
}

long sys_rt_sigtimedwait(struct task *t, const struct syscall_args *a)
{
	struct kernel *k = t->k;
	struct linux_siginfo info;
	struct timespec deadline, *dl = NULL;
	bool poll_only = false;
	u64 set;
	int sig;

	if (a->a[3] != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &set, arg_ptr(a, 0), sizeof(set)))
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	if (a->a[2]) {
		struct linux_timespec ts;
		if (mm_copy_from_user(t->mm, &ts, arg_ptr(a, 2), sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
			return -EINVAL;
		struct timespec rel = {ts.tv_sec, ts.tv_nsec};
		poll_only = !ts.tv_sec && !ts.tv_nsec;
		deadline = deadline_after(&rel);
		dl = &deadline;
	}
	pthread_mutex_lock(&k->lock);
	sig = signal_dequeue_locked(t, set, &info);
	if (!sig && !poll_only) {
		/*
		 * Unblock what we wait for, so that sending it wakes us, but
		 * keep it "really blocked" (signal.c): a waited-for signal is
		 * queued for us even if its action is SIG_DFL, never ignored
		 * or fatal.
		 */
		u64 blocked = t->sigmask;
		t->real_blocked = blocked;
		signal_set_mask_locked(t, blocked & ~set);
		while (!sig) {
			pthread_mutex_unlock(&k->lock);
			int ret = task_sleep(t, dl);
			pthread_mutex_lock(&k->lock);
			sig = signal_dequeue_locked(t, set, &info);
			if (!sig && ret) {
				/* Another signal or a stop ends the wait with EINTR, as Linux. */
				sig = ret == -ETIMEDOUT ? -EAGAIN : -EINTR;
				break;
			}
		}
		t->real_blocked = 0;
		signal_set_mask_locked(t, blocked);
	}
	pthread_mutex_unlock(&k->lock);
	if (sig < 0)
		return sig;
	if (!sig)
		return -EAGAIN;
	if (a->a[1] && mm_copy_to_user(t->mm, arg_ptr(a, 1), &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

/*
 * May t send sig to target? Its own process, CAP_KILL, or a matching uid
 * (cred.c); and SIGCONT to any process of its session, whatever its
 * uid (Linux's check_kill_permission: job control across su).
 */
static bool may_signal(const struct task *t, const struct thread_group *target, int sig)
{
	if (sig == LINUX_SIGCONT && target->sid == t->tg->sid)
		return true;
	return cred_may_signal_locked(t, target);
}

/* Send to one process with permission checks; sig 0 checks only. */
static long kill_one_locked(struct task *t, struct thread_group *tg,
			    const struct linux_siginfo *info)
{
	/* The target is found before the signal number is checked, as Linux does. */
	if (!valid_signal(info->signo) && info->signo)
		return -EINVAL;
	if (!may_signal(t, tg, info->signo))
		return -EPERM;
	if (!info->signo)
		return 0;
	return signal_send_group_locked(tg, info);
}

static long kill_locked(struct task *t, int pid, const struct linux_siginfo *info)
{
	struct kernel *k = t->k;
	struct thread_group *tg;

	if (pid > 0) {
		tg = tg_lookup_locked(k, pid);
		return tg ? kill_one_locked(t, tg, info) : -ESRCH;
	}
	/* A group or everyone: success if any one was signalled. */
	long ret = -ESRCH;
	int pgid = pid == 0 ? t->tg->pgid : -pid;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (pid == -1) {
			/* Everyone but init and the caller's own process. */
			if (tg == k->init || tg == t->tg)
				continue;
		} else if (tg->pgid != pgid) {
			continue;
		}
		long r = kill_one_locked(t, tg, info);
		if (r == 0 || ret == -ESRCH)
			ret = r;
	}
	return ret;
}

long sys_kill(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0), sig = arg_int(a, 1);
	if (pid == INT32_MIN)
		return -ESRCH;
	struct linux_siginfo info = siginfo_user(t, sig, LINUX_SI_USER);
	pthread_mutex_lock(&t->k->lock);
	long ret = kill_locked(t, pid, &info);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

static long tkill_common(struct task *t, int tgid, int tid, const struct linux_siginfo *info)
{
	struct kernel *k = t->k;
	long ret;
	pthread_mutex_lock(&k->lock);
	struct task *target = task_lookup_locked(k, tid);
	if (!target || (tgid > 0 && target->tg->tgid != tgid))
		ret = -ESRCH;
	else if (info->signo && !valid_signal(info->signo))
		ret = -EINVAL;
	else if (!may_signal(t, target->tg, info->signo))
		ret = -EPERM;
	else
		ret = info->signo ? signal_send_thread_locked(target, info) : 0;
	pthread_mutex_unlock(&k->lock);
	return ret;
}

long sys_tkill(struct task *t, const struct syscall_args *a)
{
	int tid = arg_int(a, 0), sig = arg_int(a, 1);
	if (tid <= 0)
		return -EINVAL;
	struct linux_siginfo info = siginfo_user(t, sig, LINUX_SI_TKILL);
	return tkill_common(t, 0, tid, &info);
}

long sys_tgkill(struct task *t, const struct syscall_args *a)
{
	int tgid = arg_int(a, 0), tid = arg_int(a, 1), sig = arg_int(a, 2);
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	struct linux_siginfo info = siginfo_user(t, sig, LINUX_SI_TKILL);
	return tkill_common(t, tgid, tid, &info);
}

/* The siginfo of rt_(tg)sigqueueinfo, with Linux's rule against forging kernel codes. */
static long user_siginfo(struct task *t, int pid, int sig, uaddr_t uinfo,
			 struct linux_siginfo *info)
{
	if (sig && !valid_signal(sig))
		return -EINVAL;
	if (mm_copy_from_user(t->mm, info, uinfo, sizeof(*info)))
		return -EFAULT;
	if ((info->code >= 0 || info->code == LINUX_SI_TKILL) && pid != t->tg->tgid)
		return -EPERM;
	info->signo = sig;
	return 0;
}

long sys_rt_sigqueueinfo(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0), sig = arg_int(a, 1);
	struct linux_siginfo info;
	long ret = user_siginfo(t, pid, sig, arg_ptr(a, 2), &info);
	if (ret)
		return ret;
	pthread_mutex_lock(&t->k->lock);
	struct thread_group *tg = pid > 0 ? tg_lookup_locked(t->k, pid) : NULL;
	ret = tg ? kill_one_locked(t, tg, &info) : -ESRCH;
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

long sys_rt_tgsigqueueinfo(struct task *t, const struct syscall_args *a)
{
	int tgid = arg_int(a, 0), tid = arg_int(a, 1), sig = arg_int(a, 2);
	struct linux_siginfo info;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	long ret = user_siginfo(t, tgid, sig, arg_ptr(a, 3), &info);
	return ret ? ret : tkill_common(t, tgid, tid, &info);
}

long sys_rt_sigreturn(struct task *t, const struct syscall_args *a)
{
	u64 mask;
	if (sigframe_restore(t, &mask)) {
		struct linux_siginfo info = siginfo_kernel(LINUX_SIGSEGV, LINUX_SI_KERNEL, 0);
		signal_force(t, &info);
		return t->regs.rax;
	}
	signal_set_mask(t, mask);
	t->regs.orig_rax = (u64)-1; /* never restart what the frame resumes */
	return t->regs.rax;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * The task loop: switch into the guest, handle what stopped it, repeat.
 */
#include <errno.h>

#include "cred.h"
#include "kernel.h"
#include "oom.h"
#include "process.h"
#include "signal.h"
#include "abi/linux/sigframe.h"
#include "lib/log.h"
#include "sentry/vfs/fasync.h"

/* mm enforces the rlimits that concern memory; the kernel owns their values. */
void task_update_mm_limits(struct task *t)
{
	const struct linux_rlimit *r = t->tg->rlimits;
	struct mm_limits l = {
		.as = r[LINUX_RLIMIT_AS].cur,
		.data = r[LINUX_RLIMIT_DATA].cur,
		.data_max = r[LINUX_RLIMIT_DATA].max,
		.stack = r[LINUX_RLIMIT_STACK].cur,
		.memlock = r[LINUX_RLIMIT_MEMLOCK].cur,
		.memlock_max = r[LINUX_RLIMIT_MEMLOCK].max,
		.ipc_lock = task_capable(t, LINUX_CAP_IPC_LOCK),
	};
	mm_set_limits(t->mm, &l);
}

void task_release_cpu(struct task *t)
{
	if (t->ctx && t->ctx->p->ops->ctx_release)
		t->ctx->p->ops->ctx_release(t->ctx);
}

void task_exit(struct task *t, int wait_status)
{
	t->exiting = true;
	t->exit_status = wait_status;
}

void task_sigpipe(struct task *t)
{
	struct linux_siginfo info = siginfo_user(t, LINUX_SIGPIPE, LINUX_SI_USER);
	signal_send_thread(t, &info);
}

/* The signal, code and address Linux reports for an exception taken in user mode. */
static struct linux_siginfo exception_siginfo(const struct task *t, u32 vector)
{
	u64 rip = t->regs.rip;
	switch (vector) {
	case 0: /* #DE */
		return siginfo_kernel(LINUX_SIGFPE, LINUX_FPE_INTDIV, rip);
	case 16: /* #MF */
	case 19: /* #XM */
		return siginfo_kernel(LINUX_SIGFPE, 0, rip);
	case 1: /* #DB */
		return siginfo_kernel(LINUX_SIGTRAP, LINUX_TRAP_BRKPT, rip);
	case 3: /* #BP: int3 reports SI_KERNEL on x86-64 */
		return siginfo_kernel(LINUX_SIGTRAP, LINUX_SI_KERNEL, 0);
	case 6: /* #UD */
		return siginfo_kernel(LINUX_SIGILL, LINUX_ILL_ILLOPN, rip);
	case 12: /* #SS */
	case 17: /* #AC */
		return siginfo_kernel(LINUX_SIGBUS, LINUX_SI_KERNEL, 0);
	default: /* #GP, #OF, #BR, #NP and the rest */
		return siginfo_kernel(LINUX_SIGSEGV, LINUX_SI_KERNEL, 0);
	}
}

static void task_handle_fault(struct task *t, const struct platform_fault *f)
{
	struct profile *pr = &t->k->profile;
	u64 start = pr->on ? profile_now_ns() : 0;
	int ret = mm_handle_fault(t->mm, f->addr, f->write, f->exec);
	__atomic_fetch_add(&t->minflt, 1, __ATOMIC_RELAXED);
	if (start) {
		profile_add(&pr->faults, 1);
		profile_add(&pr->fault_ns, profile_now_ns() - start);
	}
	/*
	 * The memory file is full: the OOM killer frees memory and serves the
	 * fault, or a signal interrupted its wait (the guest faults again
	 * after it), or this process was killed.
	 */
	if (ret == -ENOMEM) {
		ret = oom_handle_fault(t, f->addr, f->write, f->exec);
		if (ret == -EINTR || ret == -ENOMEM)
			return;
	}
	if (ret == 0)
		return;
	pr_debug("tid %d: SIGSEGV at rip %#llx addr %#llx", t->tid, (unsigned long long)t->regs.rip,
		 (unsigned long long)f->addr);
	/* Linux's set_signal_archinfo: a kernel address reads as a protection fault. */
	t->trap.trapno = X86_TRAP_PF;
	t->trap.err = (f->error_code & X86_PF_ERROR_BITS) | X86_PF_USER;
	if (f->addr >= MM_TASK_SIZE)
		t->trap.err |= X86_PF_PROT;
	t->trap.cr2 = f->addr;
	struct linux_siginfo info;
	if (ret == -EIO) /* past the end of the object a shared mapping maps */
		info = siginfo_kernel(LINUX_SIGBUS, LINUX_BUS_ADRERR, f->addr);
	else
		info = siginfo_kernel(LINUX_SIGSEGV,
				      ret == -EACCES ? LINUX_SEGV_ACCERR : LINUX_SEGV_MAPERR,
				      f->addr);
	signal_force(t, &info);
}

static bool syscall_needs_signal_work(struct task *t)
{
	long r = (long)t->regs.rax;
	return task_signal_pending(t) || (r <= -ERESTARTSYS && r >= -ERESTART_RESTARTBLOCK);
}

int task_run(struct task *t)
{
	struct platform_fault fault;

	sched_host_attach(t);
	while (!t->exiting) {
		if (t->sigio)
			fasync_flush(t);
		/* Signals sent before the task ever ran, or after a fault or kick. */
		if (task_signal_pending(t)) {
			signal_deliver(t, false);
			if (t->exiting)
				break;
		}
		u64 start = t->k->profile.on ? profile_now_ns() : 0;
		enum platform_event ev =
			platform_switch(t->ctx, mm_platform_as(t->mm), &t->regs, &fault);
		if (start)
			profile_add(&t->k->profile.guest_ns, profile_now_ns() - start);
		switch (ev) {
		case PLATFORM_SYSCALL:
			syscall_dispatch(t);
			/* SIGIOs the call caused are pending when it returns, as on Linux. */
			if (t->sigio)
				fasync_flush(t);
			if (!t->exiting && syscall_needs_signal_work(t))
				signal_deliver(t, true);
			break;
		case PLATFORM_FAULT:
			task_handle_fault(t, &fault);
			break;
		case PLATFORM_EXCEPTION: {
			struct linux_siginfo info = exception_siginfo(t, fault.vector);
			t->trap.trapno = fault.vector;
			t->trap.err = fault.error_code;
			pr_debug("tid %d: exception %u at rip %#llx", t->tid, fault.vector,
				 (unsigned long long)t->regs.rip);
			signal_force(t, &info);
			break;
		}
		case PLATFORM_INTERRUPTED:
			t->ctx->p->ops->ctx_clear_interrupt(t->ctx);
			break;
		case PLATFORM_DEAD:
			pr_err("tid %d: the platform stopped this sandbox (see above)", t->tid);
			task_group_exit(t, LINUX_SIGKILL);
			break;
		}
	}
	sched_host_detach(t);
	return t->exit_status;
}

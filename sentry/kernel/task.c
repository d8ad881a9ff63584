// SPDX-License-Identifier: Apache-2.0
/*
 * The task loop: switch into the guest, handle what stopped it, repeat.
 */
#include <errno.h>
#include <signal.h>

#include "kernel.h"
#include "lib/log.h"

/* mm enforces the rlimits that concern memory; the kernel owns their values. */
void task_update_mm_limits(struct task *t)
{
	const struct linux_rlimit *r = t->k->rlimits;
	struct mm_limits l = {
		.as = r[LINUX_RLIMIT_AS].cur,
		.data = r[LINUX_RLIMIT_DATA].cur,
		.data_max = r[LINUX_RLIMIT_DATA].max,
		.stack = r[LINUX_RLIMIT_STACK].cur,
		.memlock = r[LINUX_RLIMIT_MEMLOCK].cur,
		.memlock_max = r[LINUX_RLIMIT_MEMLOCK].max,
		.ipc_lock = t->uid == 0,
	};
	mm_set_limits(t->mm, &l);
}

void task_exit(struct task *t, int wait_status)
{
	t->exiting = true;
	t->exit_status = wait_status;
}

void task_sigpipe(struct task *t)
{
	/* TODO(signals): deliver to a handler; until then only SIG_DFL acts. */
	if (t->sigactions[SIGPIPE - 1].handler == (u64)(uintptr_t)SIG_DFL)
		task_exit(t, SIGPIPE);
}

/* The signal Linux sends for an exception vector taken in user mode. */
static int exception_signal(u32 vector)
{
	switch (vector) {
	case 0:	 /* #DE */
	case 16: /* #MF */
	case 19: /* #XM */
		return SIGFPE;
	case 1: /* #DB */
	case 3: /* #BP */
		return SIGTRAP;
	case 6: /* #UD */
		return SIGILL;
	case 12: /* #SS */
	case 17: /* #AC */
		return SIGBUS;
	default: /* #GP, #OF, #BR, #NP and the rest */
		return SIGSEGV;
	}
}

/*
 * A synchronous signal the program cannot handle yet (delivery comes
 * with the signals work): it dies the way Linux kills it by default.
 */
static void task_force_signal(struct task *t, int sig, u64 addr)
{
	pr_debug("tid %d: killed by signal %d at rip %#llx addr %#llx", t->tid, sig,
		 (unsigned long long)t->regs.rip, (unsigned long long)addr);
	task_exit(t, sig);
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
	if (ret == 0)
		return;
	if (ret == -ENOMEM) {
		pr_warn_ratelimited("tid %d: out of memory at %#llx: SIGKILL", t->tid,
				    (unsigned long long)f->addr);
		task_exit(t, SIGKILL);
		return;
	}
	task_force_signal(t, SIGSEGV, f->addr);
}

int task_run(struct task *t)
{
	struct platform_fault fault;

	while (!t->exiting) {
		u64 start = t->k->profile.on ? profile_now_ns() : 0;
		enum platform_event ev =
			platform_switch(t->ctx, mm_platform_as(t->mm), &t->regs, &fault);
		if (start)
			profile_add(&t->k->profile.guest_ns, profile_now_ns() - start);
		switch (ev) {
		case PLATFORM_SYSCALL:
			syscall_dispatch(t);
			break;
		case PLATFORM_FAULT:
			task_handle_fault(t, &fault);
			break;
		case PLATFORM_EXCEPTION:
			task_force_signal(t, exception_signal(fault.vector), t->regs.rip);
			break;
		case PLATFORM_INTERRUPTED:
			t->ctx->p->ops->ctx_clear_interrupt(t->ctx);
			break;
		case PLATFORM_DEAD:
			pr_err("tid %d: the platform stopped this sandbox (see above)", t->tid);
			task_exit(t, SIGKILL);
			break;
		}
		int killed = __atomic_load_n(&t->k->killed, __ATOMIC_SEQ_CST);
		if (killed && !t->exiting)
			task_exit(t, killed);
	}
	return t->exit_status;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * The alternate signal stack: sigaltstack(2)'s rules (EINVAL, ENOMEM,
 * EPERM while on it, SS_DISABLE, SS_AUTODISARM, what it reports), that an
 * SA_ONSTACK handler runs on it (nested signals too) and sees it in
 * uc_stack, and that a SIGSEGV from an exhausted stack is handled there.
 *
 * Handlers only record what they see; checks and printing happen after
 * they return. Sizes are literal: glibc's MINSIGSTKSZ may be a sysconf
 * call, the kernel's is 2048. sigaltstack is called raw: musl's wrapper
 * checks the flags and size itself (and rejects SS_ONSTACK).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include "guest_test.h"

#define KMINSIGSTKSZ 2048
#define ALT_SIZE 65536
#define SS_AUTODISARM_LINUX (1U << 31)

#define HANDLER_ARGS int sig GUEST_UNUSED, siginfo_t *si GUEST_UNUSED, void *ucv GUEST_UNUSED

static char *alt;  /* ALT_SIZE bytes, the alternate stack */
static char *alt2; /* another one, for changing it inside a handler */

static bool on_alt(const void *p, const char *base)
{
	return (const char *)p >= base && (const char *)p < base + ALT_SIZE;
}

static long ksigaltstack(const stack_t *ss, stack_t *old)
{
	return syscall(SYS_sigaltstack, ss, old);
}

static long set_alt(void *sp, int flags, size_t size, stack_t *old)
{
	stack_t ss = {.ss_sp = sp, .ss_flags = flags, .ss_size = size};

	return ksigaltstack(&ss, old);
}

static stack_t get_alt(void)
{
	stack_t ss;

	memset(&ss, 0x55, sizeof(ss));
	if (ksigaltstack(NULL, &ss))
		check(false, "sigaltstack(NULL, &old)");
	return ss;
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		check(false, "sigaction(%d)", sig);
}

/* ---- The syscall's rules ---- */

static void test_rules(void)
{
	stack_t ss = get_alt();

	check(ss.ss_flags == SS_DISABLE && ss.ss_sp == NULL && ss.ss_size == 0,
	      "initially: SS_DISABLE, no stack");
	expect_err(set_alt(alt, 0, KMINSIGSTKSZ - 1, NULL), ENOMEM, "size MINSIGSTKSZ - 1");
	expect_err(set_alt(alt, 4, ALT_SIZE, NULL), EINVAL, "flags 4");
	expect_err(set_alt(alt, SS_ONSTACK | SS_DISABLE, ALT_SIZE, NULL), EINVAL,
		   "flags SS_ONSTACK | SS_DISABLE");
	expect_err(set_alt(alt, SS_AUTODISARM_LINUX | 4, ALT_SIZE, NULL), EINVAL,
		   "flags SS_AUTODISARM | 4");
	ss = get_alt();
	check(ss.ss_flags == SS_DISABLE, "failed calls change nothing");

	expect_ret(set_alt(alt, 0, KMINSIGSTKSZ, NULL), 0, "size MINSIGSTKSZ");
	expect_ret(set_alt(alt, 0, ALT_SIZE, &ss), 0, "set, returning the old setting");
	check(ss.ss_flags == 0 && ss.ss_sp == alt && ss.ss_size == KMINSIGSTKSZ,
	      "old setting: the previous stack");
	ss = get_alt();
	check(ss.ss_flags == 0 && ss.ss_sp == alt && ss.ss_size == ALT_SIZE,
	      "query: flags 0 (not on it), sp, size");

	/* SS_ONSTACK as the mode is accepted as 0, for old programs. */
	expect_ret(set_alt(alt, SS_ONSTACK, ALT_SIZE, NULL), 0, "flags SS_ONSTACK");
	ss = get_alt();
	check(ss.ss_flags == 0, "SS_ONSTACK setting reads back as 0 off the stack");

	/* SS_DISABLE ignores sp and size. */
	expect_ret(set_alt((void *)0x1234, SS_DISABLE, 5, NULL), 0, "SS_DISABLE with junk sp/size");
	ss = get_alt();
	check(ss.ss_flags == SS_DISABLE && ss.ss_sp == NULL && ss.ss_size == 0,
	      "disabled: sp and size read back as 0");

	expect_ret(set_alt(alt, SS_AUTODISARM_LINUX, ALT_SIZE, NULL), 0, "flags SS_AUTODISARM");
	ss = get_alt();
	check((unsigned)ss.ss_flags == SS_AUTODISARM_LINUX, "SS_AUTODISARM reads back");
	expect_ret(set_alt(NULL, SS_DISABLE, 0, NULL), 0, "SS_DISABLE");

	expect_err(ksigaltstack((void *)1, NULL), EFAULT, "sigaltstack(bad new)");
	expect_err(ksigaltstack(NULL, (void *)1), EFAULT, "sigaltstack(NULL, bad old)");
	expect_ret(ksigaltstack(NULL, NULL), 0, "sigaltstack(NULL, NULL)");
}

/* ---- Handlers on the alternate stack ---- */

struct seen {
	int calls;
	bool on_alt, on_alt2;
	int flags_inside; /* sigaltstack(NULL) inside */
	int set_inside;	  /* errno of changing it inside, or 0 */
	stack_t uc_stack;
	bool nested_on_alt, nested_below;
	char *local;
};

static struct seen seen, nested_seen;

static void nested_handler(HANDLER_ARGS)
{
	char here;

	nested_seen.calls++;
	nested_seen.on_alt = on_alt(&here, alt);
	nested_seen.on_alt2 = on_alt(&here, alt2);
	nested_seen.local = &here;
}

static void alt_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;
	char here;
	stack_t cur;

	seen.calls++;
	seen.local = &here;
	seen.on_alt = on_alt(&here, alt);
	seen.uc_stack = uc->uc_stack;
	ksigaltstack(NULL, &cur);
	seen.flags_inside = cur.ss_flags;
	seen.set_inside = set_alt(alt2, 0, ALT_SIZE, NULL) ? errno : 0;
	if (sig == SIGUSR1) {
		/* A nested SA_ONSTACK signal goes further down the same stack. */
		raise(SIGUSR2);
		seen.nested_below = nested_seen.local < &here;
	}
}

static void test_onstack(void)
{
	stack_t ss;

	set_handler(SIGUSR1, alt_handler, SA_ONSTACK);
	set_handler(SIGUSR2, nested_handler, SA_ONSTACK);

	/* Disabled: SA_ONSTACK handlers use the normal stack. */
	memset(&seen, 0, sizeof(seen));
	raise(SIGUSR1);
	check(seen.calls == 1 && !seen.on_alt, "no alternate stack: handler on the normal stack");
	check(seen.uc_stack.ss_flags == SS_DISABLE, "no alternate stack: uc_stack SS_DISABLE");
	expect_ret(set_alt(NULL, SS_DISABLE, 0, NULL), 0, "SS_DISABLE (after the handler)");

	expect_ret(set_alt(alt, 0, ALT_SIZE, NULL), 0, "set the alternate stack");
	memset(&seen, 0, sizeof(seen));
	memset(&nested_seen, 0, sizeof(nested_seen));
	raise(SIGUSR1);
	check(seen.calls == 1 && seen.on_alt, "SA_ONSTACK: handler runs on the alternate stack");
	check(seen.flags_inside == SS_ONSTACK, "inside: sigaltstack reports SS_ONSTACK");
	check(seen.set_inside == EPERM, "inside: changing it is EPERM");
	check(seen.uc_stack.ss_sp == alt && seen.uc_stack.ss_size == ALT_SIZE &&
		      seen.uc_stack.ss_flags == 0,
	      "uc_stack: the setting at delivery");
	check(nested_seen.calls == 1 && nested_seen.on_alt && seen.nested_below,
	      "nested SA_ONSTACK signal: further down the alternate stack");
	ss = get_alt();
	check(ss.ss_flags == 0 && ss.ss_sp == alt, "after return: off the stack, setting kept");

	/* A handler without SA_ONSTACK stays on the normal stack. */
	set_handler(SIGUSR1, alt_handler, 0);
	memset(&seen, 0, sizeof(seen));
	raise(SIGUSR1);
	check(seen.calls == 1 && !seen.on_alt, "without SA_ONSTACK: the normal stack");
	check(seen.flags_inside == 0, "without SA_ONSTACK: sigaltstack reports 0 inside");
	check(seen.set_inside == 0, "without SA_ONSTACK: changing it inside works");
	ss = get_alt();
	check(ss.ss_sp == alt, "rt_sigreturn restores the setting the frame saved");

	expect_ret(set_alt(NULL, SS_DISABLE, 0, NULL), 0, "SS_DISABLE");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static void test_autodisarm(void)
{
	stack_t ss;

	set_handler(SIGUSR1, alt_handler, SA_ONSTACK);
	set_handler(SIGUSR2, nested_handler, SA_ONSTACK);
	expect_ret(set_alt(alt, SS_AUTODISARM_LINUX, ALT_SIZE, NULL), 0, "set with SS_AUTODISARM");
	memset(&seen, 0, sizeof(seen));
	memset(&nested_seen, 0, sizeof(nested_seen));
	raise(SIGUSR1);
	check(seen.calls == 1 && seen.on_alt, "SS_AUTODISARM: handler on the alternate stack");
	check(seen.flags_inside == SS_DISABLE, "SS_AUTODISARM: disarmed inside (SS_DISABLE)");
	check(seen.set_inside == 0, "SS_AUTODISARM: a new stack can be set inside");
	check((unsigned)seen.uc_stack.ss_flags == SS_AUTODISARM_LINUX &&
		      seen.uc_stack.ss_sp == alt && seen.uc_stack.ss_size == ALT_SIZE,
	      "SS_AUTODISARM: uc_stack keeps the setting");
	check(nested_seen.calls == 1 && nested_seen.on_alt2,
	      "SS_AUTODISARM: nested signal uses the stack set inside");
	ss = get_alt();
	check((unsigned)ss.ss_flags == SS_AUTODISARM_LINUX && ss.ss_sp == alt &&
		      ss.ss_size == ALT_SIZE,
	      "SS_AUTODISARM: rearmed after return");
	expect_ret(set_alt(NULL, SS_DISABLE, 0, NULL), 0, "SS_DISABLE");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* ---- Stack overflow ---- */

static sigjmp_buf overflow_env;
static volatile int segv_calls, segv_code;
static volatile bool segv_on_alt, segv_addr_in_guard;
static char *guard;

static void segv_handler(HANDLER_ARGS)
{
	char here;

	segv_calls++;
	segv_code = si->si_code;
	segv_on_alt = on_alt(&here, alt);
	segv_addr_in_guard = (char *)si->si_addr >= guard && (char *)si->si_addr < guard + 4096;
	siglongjmp(overflow_env, 1);
}

/* Deeper than any stack here: the guard page stops it long before. */
static volatile int recurse_limit = 1 << 30;

__attribute__((noinline)) static int recurse(int n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	if (n >= recurse_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

static void recurse_entry(void)
{
	recurse(0);
}

/*
 * Run fn on the stack ending at top. fn never returns here: the SIGSEGV
 * handler siglongjmps back to the caller's sigsetjmp.
 */
static void run_on_stack(char *top, void (*fn)(void))
{
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "call *%1\n\t"
			 "ud2" ::"r"(top),
			 "r"(fn)
			 : "memory");
}

static void test_overflow(void)
{
	/* A small stack with an inaccessible page below it. */
	char *region =
		mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!check(region != MAP_FAILED, "mmap a 16 KiB stack and a guard page"))
		return;
	guard = region;
	mprotect(guard, 4096, PROT_NONE);
	set_handler(SIGSEGV, segv_handler, SA_ONSTACK);
	expect_ret(set_alt(alt, 0, ALT_SIZE, NULL), 0, "set the alternate stack");
	if (sigsetjmp(overflow_env, 1) == 0)
		run_on_stack(region + 5 * 4096, recurse_entry);
	check(segv_calls == 1, "stack overflow: SIGSEGV handled");
	check(segv_code == SEGV_ACCERR, "stack overflow: si_code SEGV_ACCERR (guard page)");
	check(segv_addr_in_guard, "stack overflow: si_addr in the guard page");
	check(segv_on_alt, "stack overflow: handler ran on the alternate stack");
	stack_t ss = get_alt();
	check(ss.ss_flags == 0, "after siglongjmp out: not on the alternate stack");
	expect_ret(set_alt(NULL, SS_DISABLE, 0, NULL), 0, "SS_DISABLE");
	signal(SIGSEGV, SIG_DFL);
	munmap(region, 5 * 4096);
}

int main(void)
{
	guest_start("sigaltstack");
	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	alt2 = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(alt != MAP_FAILED && alt2 != MAP_FAILED, "mmap two alternate stacks"))
		return guest_finish();
	test_rules();
	test_onstack();
	test_autodisarm();
	test_overflow();
	return guest_finish();
}

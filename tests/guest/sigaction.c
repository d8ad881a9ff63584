// SPDX-License-Identifier: Apache-2.0
/*
 * Signal dispositions and the signal mask, set and read back: rt_sigaction
 * and rt_sigprocmask through libc and raw. No signal is ever sent.
 *
 * The raw calls use the kernel's struct sigaction layout (handler, flags,
 * restorer, 64-bit mask), not libc's. glibc and musl refuse some signals
 * libc uses internally (32, 33, 34): the kernel does not, so those are
 * tested raw only.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#define SA_RESTORER_LINUX 0x04000000UL
#define SA_UNSUPPORTED_LINUX 0x00000400UL
#define KSIGSET_SIZE 8L

struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

static void handler_a(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

static void handler_b(int sig)
{
	(void)sig;
}

static void fake_restorer(void)
{
}

static long ksigaction(int sig, const struct ksigaction *act, struct ksigaction *old)
{
	return syscall(SYS_rt_sigaction, (long)sig, act, old, KSIGSET_SIZE);
}

static long ksigprocmask(int how, const uint64_t *set, uint64_t *old)
{
	return syscall(SYS_rt_sigprocmask, (long)how, set, old, KSIGSET_SIZE);
}

static void test_libc_sigaction(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler_a;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	expect_ret(sigaction(SIGUSR1, &sa, NULL), 0, "sigaction(SIGUSR1, SA_SIGINFO | SA_RESTART)");
	memset(&old, 0, sizeof(old));
	expect_ret(sigaction(SIGUSR1, NULL, &old), 0, "sigaction(SIGUSR1, get)");
	check(old.sa_sigaction == handler_a, "SIGUSR1: handler reads back");
	check((old.sa_flags & (SA_SIGINFO | SA_RESTART)) == (SA_SIGINFO | SA_RESTART),
	      "SIGUSR1: flags read back");
	check(sigismember(&old.sa_mask, SIGUSR2) == 1 && sigismember(&old.sa_mask, SIGTERM) == 0,
	      "SIGUSR1: sa_mask reads back");

	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	memset(&old, 0, sizeof(old));
	expect_ret(sigaction(SIGUSR1, &sa, &old), 0,
		   "sigaction(SIGUSR1, SIG_IGN) returning the old action");
	check(old.sa_sigaction == handler_a, "old action is the previous handler");
	sigaction(SIGUSR1, NULL, &old);
	check(old.sa_handler == SIG_IGN, "SIGUSR1: SIG_IGN reads back");

	expect_err(sigaction(0, &sa, NULL), EINVAL, "sigaction(0)");
	expect_err(sigaction(SIGKILL, &sa, NULL), EINVAL, "sigaction(SIGKILL, set)");
	expect_err(sigaction(SIGSTOP, &sa, NULL), EINVAL, "sigaction(SIGSTOP, set)");
	expect_ret(sigaction(SIGKILL, NULL, &old), 0, "sigaction(SIGKILL, get)");
	check(old.sa_handler == SIG_DFL, "SIGKILL: SIG_DFL");
}

static void test_raw_sigaction(void)
{
	struct ksigaction ka, old;
	unsigned long flags = SA_SIGINFO | SA_RESTART | SA_RESTORER_LINUX;

	memset(&ka, 0, sizeof(ka));
	ka.handler = (void *)handler_a;
	ka.flags = flags;
	ka.restorer = (void *)fake_restorer;
	ka.mask = bit(SIGINT) | bit(SIGRTMIN + 1);
	expect_ret(ksigaction(SIGUSR2, &ka, NULL), 0, "raw rt_sigaction(SIGUSR2, set)");
	memset(&old, 0, sizeof(old));
	expect_ret(ksigaction(SIGUSR2, NULL, &old), 0, "raw rt_sigaction(SIGUSR2, get)");
	check(old.handler == ka.handler && old.flags == flags && old.restorer == ka.restorer &&
		      old.mask == ka.mask,
	      "raw SIGUSR2: handler, flags, restorer and mask read back "
	      "exactly");

	/* SIGKILL and SIGSTOP can never be blocked: dropped from sa_mask. */
	ka.handler = (void *)handler_b;
	ka.flags = SA_RESTORER_LINUX;
	ka.mask = bit(SIGKILL) | bit(SIGSTOP) | bit(SIGHUP);
	memset(&old, 0, sizeof(old));
	expect_ret(ksigaction(SIGUSR2, &ka, &old), 0, "raw rt_sigaction(SIGUSR2, set and get old)");
	check(old.handler == (void *)handler_a && old.flags == flags,
	      "raw rt_sigaction: old action returned");
	ksigaction(SIGUSR2, NULL, &old);
	check(old.mask == bit(SIGHUP), "raw rt_sigaction: SIGKILL/SIGSTOP dropped from sa_mask");

	/* Unknown flag bits are cleared, so programs can probe for support. */
	ka.flags = SA_RESTORER_LINUX | SA_UNSUPPORTED_LINUX;
	ksigaction(SIGUSR2, &ka, NULL);
	ksigaction(SIGUSR2, NULL, &old);
	check(old.flags == SA_RESTORER_LINUX, "raw rt_sigaction: SA_UNSUPPORTED bit is cleared");

	ka.handler = (void *)handler_b;
	ka.flags = SA_RESTORER_LINUX;
	ka.mask = 0;
	expect_ret(ksigaction(32, &ka, NULL), 0, "raw rt_sigaction(32, set)");
	expect_ret(ksigaction(64, &ka, NULL), 0, "raw rt_sigaction(64, set)");
	ksigaction(64, NULL, &old);
	check(old.handler == (void *)handler_b, "raw signal 64: handler reads back");
	ka.handler = SIG_DFL;
	ksigaction(32, &ka, NULL);
	ksigaction(64, &ka, NULL);

	expect_err(ksigaction(0, &ka, NULL), EINVAL, "raw rt_sigaction(0)");
	expect_err(ksigaction(65, &ka, NULL), EINVAL, "raw rt_sigaction(65)");
	expect_err(ksigaction(-1, NULL, &old), EINVAL, "raw rt_sigaction(-1)");
	expect_err(ksigaction(SIGKILL, &ka, NULL), EINVAL, "raw rt_sigaction(SIGKILL, set)");
	expect_err(ksigaction(SIGSTOP, &ka, NULL), EINVAL, "raw rt_sigaction(SIGSTOP, set)");
	expect_ret(ksigaction(SIGKILL, NULL, &old), 0, "raw rt_sigaction(SIGKILL, get)");
	expect_err(syscall(SYS_rt_sigaction, (long)SIGUSR2, &ka, NULL, 4L), EINVAL,
		   "raw rt_sigaction(sigsetsize 4)");
	expect_ret(ksigaction(SIGUSR2, NULL, NULL), 0, "raw rt_sigaction(SIGUSR2, NULL, NULL)");
}

static void test_raw_sigprocmask(void)
{
	uint64_t orig = 0, cur = 0, set;

	if (!expect_ret(ksigprocmask(SIG_BLOCK, NULL, &orig), 0, "raw rt_sigprocmask(get)"))
		return;
	set = bit(SIGUSR1) | bit(SIGRTMIN + 2) | bit(64);
	expect_ret(ksigprocmask(SIG_BLOCK, &set, NULL), 0, "raw rt_sigprocmask(SIG_BLOCK)");
	ksigprocmask(SIG_BLOCK, NULL, &cur);
	check(cur == (orig | set), "SIG_BLOCK: the mask gains the signals");

	set = bit(SIGUSR1);
	expect_ret(ksigprocmask(SIG_UNBLOCK, &set, &cur), 0,
		   "raw rt_sigprocmask(SIG_UNBLOCK) returning the old mask");
	check(cur & bit(SIGUSR1), "SIG_UNBLOCK: old mask had SIGUSR1");
	ksigprocmask(SIG_BLOCK, NULL, &cur);
	check(!(cur & bit(SIGUSR1)) && (cur & bit(64)), "SIG_UNBLOCK: only SIGUSR1 left the mask");

	set = bit(SIGKILL) | bit(SIGSTOP) | bit(SIGTERM);
	expect_ret(ksigprocmask(SIG_SETMASK, &set, NULL), 0,
		   "raw rt_sigprocmask(SIG_SETMASK with SIGKILL, SIGSTOP)");
	ksigprocmask(SIG_BLOCK, NULL, &cur);
	check(cur == bit(SIGTERM), "SIGKILL and SIGSTOP cannot be blocked");

	expect_err(ksigprocmask(99, &set, NULL), EINVAL, "raw rt_sigprocmask(how 99)");
	expect_ret(ksigprocmask(99, NULL, &cur), 0,
		   "raw rt_sigprocmask(how 99, no new set): how is ignored");
	expect_err(syscall(SYS_rt_sigprocmask, (long)SIG_BLOCK, &set, NULL, 4L), EINVAL,
		   "raw rt_sigprocmask(sigsetsize 4)");
	expect_ret(ksigprocmask(SIG_SETMASK, &orig, NULL), 0, "raw rt_sigprocmask(restore)");
	ksigprocmask(SIG_BLOCK, NULL, &cur);
	check(cur == orig, "signal mask restored");
}

static void test_libc_sigprocmask(void)
{
	sigset_t set, old, now;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	expect_ret(sigprocmask(SIG_BLOCK, &set, &old), 0, "sigprocmask(SIG_BLOCK, SIGUSR2)");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR2) == 1, "sigprocmask: SIGUSR2 blocked");
	expect_ret(sigprocmask(SIG_SETMASK, &old, NULL), 0, "sigprocmask(SIG_SETMASK, old)");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR2) == sigismember(&old, SIGUSR2), "sigprocmask: restored");
	expect_err(sigprocmask(99, &set, NULL), EINVAL, "sigprocmask(how 99)");
}

int main(void)
{
	guest_start("sigaction");
	test_libc_sigaction();
	test_raw_sigaction();
	test_raw_sigprocmask();
	test_libc_sigprocmask();
	return guest_finish();
}

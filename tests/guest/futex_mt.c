// SPDX-License-Identifier: Apache-2.0
/*
 * futex(2) between threads: wake, requeue, WAKE_OP and waitv waking real
 * waiters, private and shared keys kept apart, bitsets, interrupted waits
 * (EINTR, and SA_RESTART's restart), PI lock hand-over, robust mutexes
 * whose owner dies, and CLONE_CHILD_CLEARTID (every pthread_join).
 *
 * Output is deterministic although the threads race: a waker never
 * assumes a waiter is asleep yet, it repeats its call until the call
 * reports the wake-up, which only a queued waiter can produce; counts are
 * summed over the repeats.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

enum {
	F_WAIT = 0,
	F_WAKE = 1,
	F_CMP_REQUEUE = 4,
	F_WAKE_OP = 5,
	F_LOCK_PI = 6,
	F_UNLOCK_PI = 7,
	F_TRYLOCK_PI = 8,
	F_WAIT_BITSET = 9,
	F_WAKE_BITSET = 10,
	F_PRIVATE = 128,
};
#define F_WAITERS 0x80000000u
#define F_TID_MASK 0x3fffffffu
#define NR_futex_waitv 449

struct waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

static long fx(void *uaddr, long op, long val, const void *ts_or_val2, void *uaddr2, long val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts_or_val2, uaddr2, val3);
}

static void ms_sleep(long ms)
{
	struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
	nanosleep(&ts, NULL);
}

/* Repeat f(arg) (a count of wake-ups) every ms until the sum reaches want, for up to 10 s. */
static long repeat_until(long (*f)(void *), void *arg, long want)
{
	long sum = 0;
	for (int i = 0; i < 10000 && sum < want; i++) {
		long n = f(arg);
		if (n < 0)
			return n;
		sum += n;
		if (sum < want)
			ms_sleep(1);
	}
	return sum;
}

static bool wait_flag(volatile int *flag)
{
	for (int i = 0; i < 10000 && !__atomic_load_n(flag, __ATOMIC_SEQ_CST); i++)
		ms_sleep(1);
	return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

static unsigned words[8] __attribute__((aligned(64)));

/* A thread blocked in one futex call; ret/err are what the call returned. */
struct call {
	pthread_t thread;
	unsigned *uaddr;
	long op, val, val3;
	const struct timespec *ts;
	long ret;
	int err;
};

static void *call_main(void *arg)
{
	struct call *c = arg;
	c->ret = fx(c->uaddr, c->op, c->val, c->ts, NULL, c->val3);
	c->err = errno;
	return NULL;
}

static void call_start(struct call *c)
{
	if (pthread_create(&c->thread, NULL, call_main, c))
		exit(2);
}

/* "0" for success, else the errno's name, once the call returned. */
static const char *call_join(struct call *c)
{
	pthread_join(c->thread, NULL);
	return c->ret == 0 ? "0" : c->ret == -1 ? guest_errno_name(c->err) : "unexpected";
}

static long wake1_private(void *a)
{
	return fx(a, F_WAKE | F_PRIVATE, 1, NULL, NULL, 0);
}

/* The waiters asleep on a private word that holds 0: requeued onto itself, none woken. */
static long count_waiters(void *a)
{
	return fx(a, F_CMP_REQUEUE | F_PRIVATE, 0, (void *)(long)INT32_MAX, a, 0);
}

static void test_wake(void)
{
	struct call c = {.uaddr = &words[0], .op = F_WAIT | F_PRIVATE, .val = 0};
	words[0] = 0;
	call_start(&c);
	expect_ret(repeat_until(wake1_private, &words[0], 1), 1, "WAKE a waiting thread");
	printf("WAIT woken: %s\n", call_join(&c));
}

static long shared_then_private(void *a)
{
	/* The shared key of a private word is another futex: never wakes a private waiter. */
	long n = fx(a, F_WAKE, 1, NULL, NULL, 0);
	if (n != 0)
		return -1000;
	return fx(a, F_WAKE | F_PRIVATE, 1, NULL, NULL, 0);
}

static long bitset_miss_then_hit(void *a)
{
	long n = fx(a, F_WAKE_BITSET | F_PRIVATE, 1, NULL, NULL, 0x3);
	if (n != 0)
		return -1000;
	return fx(a, F_WAKE_BITSET | F_PRIVATE, 1, NULL, NULL, 0x6);
}

static void test_keys_and_bitsets(void)
{
	struct call c = {.uaddr = &words[0], .op = F_WAIT | F_PRIVATE};
	words[0] = 0;
	call_start(&c);
	expect_ret(repeat_until(shared_then_private, &words[0], 1), 1,
		   "shared WAKE misses a private waiter, private WAKE gets it");
	printf("private WAIT woken: %s\n", call_join(&c));

	c = (struct call){.uaddr = &words[0], .op = F_WAIT_BITSET | F_PRIVATE, .val3 = 0x4};
	call_start(&c);
	expect_ret(repeat_until(bitset_miss_then_hit, &words[0], 1), 1,
		   "WAKE_BITSET 0x3 misses bitset 0x4, 0x6 gets it");
	printf("WAIT_BITSET woken: %s\n", call_join(&c));
}

static long requeue_all(void *a)
{
	unsigned *w = a;
	return fx(w, F_CMP_REQUEUE | F_PRIVATE, 0, (void *)100L, w + 1, 0);
}

static void test_requeue(void)
{
	struct call c[3];
	words[0] = words[1] = 0;
	for (int i = 0; i < 3; i++) {
		c[i] = (struct call){.uaddr = &words[0], .op = F_WAIT | F_PRIVATE};
		call_start(&c[i]);
	}
	expect_ret(repeat_until(requeue_all, words, 3), 3, "CMP_REQUEUE moves 3 waiters");
	expect_ret(fx(&words[0], F_WAKE | F_PRIVATE, 10, NULL, NULL, 0), 0,
		   "WAKE the old word: nobody left");
	expect_ret(fx(&words[1], F_WAKE | F_PRIVATE, 1, NULL, NULL, 0), 1,
		   "WAKE 1 on the new word");
	expect_ret(fx(&words[1], F_CMP_REQUEUE | F_PRIVATE, 1, (void *)10L, &words[0], 0), 2,
		   "CMP_REQUEUE back: wakes 1, moves 1");
	expect_ret(fx(&words[0], F_WAKE | F_PRIVATE, 10, NULL, NULL, 0), 1, "WAKE the last one");
	for (int i = 0; i < 3; i++)
		printf("requeued waiter %d: %s\n", i, call_join(&c[i]));
}

static long wake_op_both(void *a)
{
	unsigned *w = a;
	/* SET 0 if old == 0: the second word stays 0, true every time. */
	return fx(w, F_WAKE_OP | F_PRIVATE, 1, (void *)1L, w + 1, 0);
}

static void test_wake_op(void)
{
	struct call c1 = {.uaddr = &words[0], .op = F_WAIT | F_PRIVATE};
	struct call c2 = {.uaddr = &words[1], .op = F_WAIT | F_PRIVATE};
	words[0] = words[1] = 0;
	call_start(&c1);
	call_start(&c2);
	expect_ret(repeat_until(wake_op_both, words, 2), 2, "WAKE_OP wakes one on each word");
	printf("WAKE_OP waiters: %s %s\n", call_join(&c1), call_join(&c2));
}

static long waitv_ret;
static void *waitv_main(void *arg)
{
	struct waitv v[3] = {
		{0, (uintptr_t)&words[0], 2 | 128, 0},
		{0, (uintptr_t)&words[1], 2, 0},
		{0, (uintptr_t)&words[2], 2 | 128, 0},
	};
	(void)arg;
	waitv_ret = syscall(NR_futex_waitv, v, 3, 0, NULL, 0);
	return NULL;
}

static long wake1_shared(void *a)
{
	return fx(a, F_WAKE, 1, NULL, NULL, 0);
}

static void test_waitv(void)
{
	pthread_t th;
	words[0] = words[1] = words[2] = 0;
	if (pthread_create(&th, NULL, waitv_main, NULL))
		exit(2);
	expect_ret(repeat_until(wake1_shared, &words[1], 1), 1, "WAKE the second word of a waitv");
	pthread_join(th, NULL);
	expect_ret(waitv_ret, 1, "futex_waitv returns the woken index");
}

static volatile int sig_seen;
static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&sig_seen, 1, __ATOMIC_SEQ_CST);
}

/* Signal c's thread until its call returns (it must be EINTR or a wake). */
static void interrupt_until_done(struct call *c, volatile int *done)
{
	for (int i = 0; i < 1000 && !__atomic_load_n(done, __ATOMIC_SEQ_CST); i++) {
		pthread_kill(c->thread, SIGUSR1);
		ms_sleep(10);
	}
}

static volatile int intr_done;
static void *intr_main(void *arg)
{
	struct call *c = arg;
	c->ret = fx(c->uaddr, c->op, c->val, c->ts, NULL, c->val3);
	c->err = errno;
	__atomic_store_n(&intr_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct timespec ten_s = {10, 0};
	struct call c;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	words[0] = 0;
	/* Without SA_RESTART a handler ends the wait, timed or not. */
	for (int timed = 0; timed < 2; timed++) {
		c = (struct call){
			.uaddr = &words[0], .op = F_WAIT | F_PRIVATE, .ts = timed ? &ten_s : NULL};
		intr_done = 0;
		if (pthread_create(&c.thread, NULL, intr_main, &c))
			exit(2);
		interrupt_until_done(&c, &intr_done);
		printf("%s WAIT with a handler: %s\n", timed ? "timed" : "untimed", call_join(&c));
	}
	/* With SA_RESTART an untimed wait goes on after the handler: only a wake ends it. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	c = (struct call){.uaddr = &words[0], .op = F_WAIT | F_PRIVATE};
	sig_seen = 0;
	call_start(&c);
	/* Asleep for sure, so that the signal interrupts the wait and the restart is tested. */
	expect_ret(repeat_until(count_waiters, &words[0], 1), 1, "waiter asleep before the signal");
	pthread_kill(c.thread, SIGUSR1);
	check(wait_flag(&sig_seen), "SA_RESTART handler ran");
	expect_ret(repeat_until(wake1_private, &words[0], 1), 1, "WAKE after SA_RESTART handler");
	printf("untimed WAIT with an SA_RESTART handler: %s\n", call_join(&c));
	signal(SIGUSR1, SIG_DFL);
}

static volatile int pi_step;
static unsigned pi_tid, pi_seen;
static void *pi_main(void *arg)
{
	unsigned *w = arg;
	pi_tid = (unsigned)syscall(SYS_gettid);
	long r = fx(w, F_LOCK_PI | F_PRIVATE, 0, NULL, NULL, 0); /* blocks: main holds it */
	pi_seen = *w;
	__atomic_store_n(&pi_step, r == 0 ? 1 : -1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&pi_step, __ATOMIC_SEQ_CST) != 2)
		ms_sleep(1);
	r = fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0);
	__atomic_store_n(&pi_step, r == 0 ? 3 : -3, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_pi(void)
{
	unsigned *w = &words[4];
	unsigned me = (unsigned)syscall(SYS_gettid);
	pthread_t th;

	*w = 0;
	expect_ret(fx(w, F_LOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), 0, "LOCK_PI (main)");
	if (pthread_create(&th, NULL, pi_main, w))
		exit(2);
	for (int i = 0; i < 10000 && !(__atomic_load_n(w, __ATOMIC_SEQ_CST) & F_WAITERS); i++)
		ms_sleep(1);
	check(*w == (me | F_WAITERS), "a second locker sets FUTEX_WAITERS");
	struct timespec past;
	clock_gettime(CLOCK_REALTIME, &past);
	past.tv_sec--;
	expect_ret(fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), 0, "UNLOCK_PI hands over");
	wait_flag(&pi_step);
	expect_ret(pi_step, 1, "LOCK_PI (thread) returns owning the lock");
	check(pi_seen == (pi_tid | F_WAITERS), "the word names the new owner, WAITERS kept");
	expect_err(fx(w, F_TRYLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), EAGAIN, "TRYLOCK_PI held");
	/* LOCK_PI's timeout is an absolute CLOCK_REALTIME time. */
	expect_err(fx(w, F_LOCK_PI | F_PRIVATE, 0, &past, NULL, 0), ETIMEDOUT,
		   "LOCK_PI held, deadline passed");
	expect_err(fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), EPERM, "UNLOCK_PI not ours");
	__atomic_store_n(&pi_step, 2, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	expect_ret(pi_step, 3, "UNLOCK_PI (thread)");
	expect_ret(*w, 0, "PI word free");
}

static pthread_mutex_t robust;
static volatile int robust_held;
static void *robust_main(void *arg)
{
	long wait_ms = (long)arg;
	pthread_mutex_lock(&robust);
	__atomic_store_n(&robust_held, 1, __ATOMIC_SEQ_CST);
	ms_sleep(wait_ms); /* let main block on it, when it will */
	return NULL;	   /* exits holding it */
}

static void test_robust(int protocol, const char *what)
{
	pthread_mutexattr_t a;
	pthread_t th;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setprotocol(&a, protocol);
	pthread_mutex_init(&robust, &a);
	for (int blocked = 0; blocked < 2; blocked++) {
		robust_held = 0;
		if (pthread_create(&th, NULL, robust_main, (void *)(blocked ? 50L : 0L)))
			exit(2);
		wait_flag(&robust_held);
		if (!blocked)
			pthread_join(th, NULL);
		/* Blocked: the owner's death wakes us; otherwise we find OWNER_DIED. */
		expect_errnum(pthread_mutex_lock(&robust), EOWNERDEAD, "%s mutex, owner %s", what,
			      blocked ? "dies while we wait" : "died");
		expect_errnum(pthread_mutex_consistent(&robust), 0, "%s consistent", what);
		expect_errnum(pthread_mutex_unlock(&robust), 0, "%s unlock", what);
		if (blocked)
			pthread_join(th, NULL);
	}
	pthread_mutex_destroy(&robust);
}

int main(void)
{
	guest_start("futex_mt");
	test_wake();
	test_keys_and_bitsets();
	test_requeue();
	test_wake_op();
	test_waitv();
	test_signals();
	test_pi();
	test_robust(PTHREAD_PRIO_NONE, "robust");
	test_robust(PTHREAD_PRIO_INHERIT, "robust PI");
	/* Every pthread_join above waited for CLONE_CHILD_CLEARTID's wake. */
	return guest_finish();
}

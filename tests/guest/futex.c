// SPDX-License-Identifier: Apache-2.0
/*
 * futex(2), futex_waitv(2) and the robust-list calls, single-threaded:
 * every outcome that needs no second thread. The value checks (EAGAIN),
 * timeouts on both clocks, wakes with no waiters, FUTEX_WAKE_OP's
 * arithmetic and comparisons, the argument errors (EINVAL, EFAULT,
 * ENOSYS) in Linux's order, and the PI word protocol as one thread sees
 * it. futex_mt.c has the cases that need threads.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

/* Our own constants: musl's headers do not carry <linux/futex.h>. */
enum {
	F_WAIT = 0,
	F_WAKE = 1,
	F_FD = 2,
	F_REQUEUE = 3,
	F_CMP_REQUEUE = 4,
	F_WAKE_OP = 5,
	F_LOCK_PI = 6,
	F_UNLOCK_PI = 7,
	F_TRYLOCK_PI = 8,
	F_WAIT_BITSET = 9,
	F_WAKE_BITSET = 10,
	F_LOCK_PI2 = 13,
	F_PRIVATE = 128,
	F_CLOCK_REALTIME = 256,
};

#define F_WAITERS 0x80000000u
#define F_OWNER_DIED 0x40000000u
#define F_TID_MASK 0x3fffffffu

/* FUTEX_OP(op, oparg, cmp, cmparg) of <linux/futex.h>. */
#define FOP(op, oparg, cmp, cmparg)                                     \
	((((unsigned)(op)&0xf) << 28) | (((unsigned)(cmp)&0xf) << 24) | \
	 (((unsigned)(oparg)&0xfff) << 12) | ((unsigned)(cmparg)&0xfff))
enum { OP_SET, OP_ADD, OP_OR, OP_ANDN, OP_XOR };
#define OP_SHIFT 8
enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

#define NR_futex_waitv 449
#define FUTEX2_SIZE_U32 2
#define FUTEX2_PRIVATE 128

struct waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

struct robust_head {
	void *next;
	long futex_offset;
	void *pending;
};

static long fx(void *uaddr, long op, long val, const void *ts_or_val2, void *uaddr2, long val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts_or_val2, uaddr2, val3);
}

static struct timespec ts_from_now(clockid_t clock, long ns)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ns;
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_nsec -= 1000000000L;
		ts.tv_sec++;
	}
	return ts;
}

static void test_wait_wake(unsigned *w)
{
	struct timespec zero = {0, 0}, ms = {0, 1000000}, bad = {0, 1000000000L};

	*w = 7;
	expect_err(fx(w, F_WAIT | F_PRIVATE, 8, NULL, NULL, 0), EAGAIN,
		   "WAIT_PRIVATE value differs");
	expect_err(fx(w, F_WAIT, 8, NULL, NULL, 0), EAGAIN, "WAIT shared value differs");
	expect_err(fx(w, F_WAIT | F_PRIVATE, 7, &zero, NULL, 0), ETIMEDOUT, "WAIT timeout 0");
	expect_err(fx(w, F_WAIT | F_PRIVATE, 7, &ms, NULL, 0), ETIMEDOUT, "WAIT timeout 1ms");
	expect_err(fx(w, F_WAIT, 7, &ms, NULL, 0), ETIMEDOUT, "WAIT shared timeout 1ms");
	/* The value is checked before the timeout can expire. */
	expect_err(fx(w, F_WAIT | F_PRIVATE, 8, &zero, NULL, 0), EAGAIN, "WAIT differs, timeout 0");
	expect_err(fx(w, F_WAIT | F_PRIVATE, 7, &bad, NULL, 0), EINVAL, "WAIT tv_nsec 1e9");
	struct timespec neg = {-1, 0};
	expect_err(fx(w, F_WAIT | F_PRIVATE, 7, &neg, NULL, 0), EINVAL, "WAIT tv_sec -1");
	expect_err(fx(w, F_WAIT | F_PRIVATE, 7, (void *)8, NULL, 0), EFAULT, "WAIT bad timeout");
	expect_ret(fx(w, F_WAKE | F_PRIVATE, 1, NULL, NULL, 0), 0, "WAKE_PRIVATE no waiters");
	expect_ret(fx(w, F_WAKE, 1, NULL, NULL, 0), 0, "WAKE shared no waiters");
	expect_ret(fx(w, F_WAKE | F_PRIVATE, 0, NULL, NULL, 0), 0, "WAKE nr 0");
	expect_ret(fx(w, F_WAKE | F_PRIVATE, -1, NULL, NULL, 0), 0, "WAKE nr -1");
	/* FUTEX_CLOCK_REALTIME is for the absolute-deadline ops only. */
	expect_err(fx(w, F_WAKE | F_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS,
		   "WAKE|CLOCK_REALTIME");
}

static void test_bitset(unsigned *w)
{
	struct timespec past = {1, 0};

	*w = 3;
	expect_err(fx(w, F_WAIT_BITSET | F_PRIVATE, 3, NULL, NULL, 0), EINVAL,
		   "WAIT_BITSET bitset 0");
	expect_err(fx(w, F_WAKE_BITSET | F_PRIVATE, 1, NULL, NULL, 0), EINVAL,
		   "WAKE_BITSET bitset 0");
	expect_ret(fx(w, F_WAKE_BITSET | F_PRIVATE, 1, NULL, NULL, 1), 0, "WAKE_BITSET no waiters");
	expect_err(fx(w, F_WAIT_BITSET | F_PRIVATE, 4, NULL, NULL, -1L), EAGAIN,
		   "WAIT_BITSET value differs");
	/* Absolute deadlines: 1 s after the epoch or after boot has passed. */
	expect_err(fx(w, F_WAIT_BITSET | F_PRIVATE, 3, &past, NULL, -1L), ETIMEDOUT,
		   "WAIT_BITSET monotonic deadline passed");
	expect_err(fx(w, F_WAIT_BITSET | F_PRIVATE | F_CLOCK_REALTIME, 3, &past, NULL, -1L),
		   ETIMEDOUT, "WAIT_BITSET realtime deadline passed");
	struct timespec soon = ts_from_now(CLOCK_MONOTONIC, 5000000);
	expect_err(fx(w, F_WAIT_BITSET | F_PRIVATE, 3, &soon, NULL, -1L), ETIMEDOUT,
		   "WAIT_BITSET monotonic deadline in 5ms");
	soon = ts_from_now(CLOCK_REALTIME, 5000000);
	expect_err(fx(w, F_WAIT_BITSET | F_CLOCK_REALTIME, 3, &soon, NULL, -1L), ETIMEDOUT,
		   "WAIT_BITSET shared realtime deadline in 5ms");
}

static void test_wake_op(unsigned *w, unsigned *w2)
{
	static const struct {
		const char *what;
		unsigned op, before, after;
		long ret;
	} cases[] = {
		{"SET 5", FOP(OP_SET, 5, CMP_EQ, 0), 9, 5, 0},
		{"ADD 5", FOP(OP_ADD, 5, CMP_EQ, 9), 9, 14, 0},
		{"ADD -1", FOP(OP_ADD, -1, CMP_EQ, 0), 9, 8, 0},
		{"OR 6", FOP(OP_OR, 6, CMP_NE, 0), 9, 15, 0},
		{"ANDN 1", FOP(OP_ANDN, 1, CMP_LT, 10), 9, 8, 0},
		{"XOR 3", FOP(OP_XOR, 3, CMP_LE, 9), 9, 10, 0},
		{"SET 1<<4", FOP(OP_SET | OP_SHIFT, 4, CMP_GT, 8), 9, 16, 0},
		{"OR 1<<33 (masked to 1<<1)", FOP(OP_OR | OP_SHIFT, 33, CMP_GE, 9), 9, 11, 0},
		{"SET, cmp on negative old", FOP(OP_SET, 0, CMP_LT, 0), 0xfffffff0u, 0, 0},
		{"bad op", FOP(7, 5, CMP_EQ, 0), 9, 9, -ENOSYS},
		{"bad cmp (stored anyway)", FOP(OP_SET, 5, 9, 0), 9, 5, -ENOSYS},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		*w2 = cases[i].before;
		long r = fx(w, F_WAKE_OP | F_PRIVATE, 1, (void *)1L, w2, cases[i].op);
		if (cases[i].ret < 0)
			expect_err(r, (int)-cases[i].ret, "WAKE_OP %s", cases[i].what);
		else
			expect_ret(r, cases[i].ret, "WAKE_OP %s", cases[i].what);
		expect_ret(*w2, cases[i].after, "WAKE_OP %s: word2", cases[i].what);
	}
	*w2 = 1;
	expect_ret(fx(w, F_WAKE_OP, 1, (void *)1L, w2, FOP(OP_ADD, 1, CMP_EQ, 1)), 0,
		   "WAKE_OP shared");
	expect_ret(*w2, 2, "WAKE_OP shared: word2");
}

static void test_requeue(unsigned *w, unsigned *w2)
{
	*w = 4;
	expect_err(fx(w, F_CMP_REQUEUE | F_PRIVATE, 1, (void *)1L, w2, 5), EAGAIN,
		   "CMP_REQUEUE value differs");
	expect_ret(fx(w, F_CMP_REQUEUE | F_PRIVATE, 1, (void *)1L, w2, 4), 0,
		   "CMP_REQUEUE no waiters");
	expect_ret(fx(w, F_REQUEUE | F_PRIVATE, 1, (void *)1L, w2, 0), 0, "REQUEUE no waiters");
	expect_err(fx(w, F_REQUEUE | F_PRIVATE, -1, (void *)1L, w2, 0), EINVAL,
		   "REQUEUE nr_wake -1");
	expect_err(fx(w, F_CMP_REQUEUE | F_PRIVATE, 1, (void *)-1L, w2, 4), EINVAL,
		   "CMP_REQUEUE nr_requeue -1");
	expect_err(fx(w, F_CMP_REQUEUE | F_PRIVATE, 1, (void *)1L, (char *)w2 + 1, 4), EINVAL,
		   "CMP_REQUEUE misaligned uaddr2");
}

static void test_bad_args(unsigned *w, void *gone, unsigned *ro)
{
	char *mis = (char *)w + 2;
	void *kernel = (void *)0xffff800000000000UL;

	expect_err(fx(w, 99, 0, NULL, NULL, 0), ENOSYS, "op 99");
	expect_err(fx(w, F_FD, 0, NULL, NULL, 0), ENOSYS, "FUTEX_FD");
	expect_err(fx(mis, F_WAIT | F_PRIVATE, 0, NULL, NULL, 0), EINVAL, "WAIT misaligned");
	expect_err(fx(mis, F_WAKE | F_PRIVATE, 1, NULL, NULL, 0), EINVAL, "WAKE misaligned");
	expect_err(fx(mis, F_WAKE_OP | F_PRIVATE, 1, (void *)1L, w, 0), EINVAL,
		   "WAKE_OP misaligned");
	expect_err(fx(gone, F_WAIT | F_PRIVATE, 0, NULL, NULL, 0), EFAULT, "WAIT unmapped");
	expect_err(fx(NULL, F_WAIT | F_PRIVATE, 0, NULL, NULL, 0), EFAULT, "WAIT NULL");
	expect_err(fx(kernel, F_WAKE | F_PRIVATE, 1, NULL, NULL, 0), EFAULT,
		   "WAKE_PRIVATE kernel address");
	/* A private wake never touches memory; a shared one pins the page. */
	expect_ret(fx(gone, F_WAKE | F_PRIVATE, 1, NULL, NULL, 0), 0, "WAKE_PRIVATE unmapped");
	expect_err(fx(gone, F_WAKE, 1, NULL, NULL, 0), EFAULT, "WAKE shared unmapped");
	expect_err(fx(w, F_WAKE_OP | F_PRIVATE, 1, (void *)1L, gone, FOP(OP_SET, 1, CMP_EQ, 0)),
		   EFAULT, "WAKE_OP unmapped uaddr2");
	expect_err(fx(w, F_WAKE_OP | F_PRIVATE, 1, (void *)1L, ro, FOP(OP_SET, 1, CMP_EQ, 0)),
		   EFAULT, "WAKE_OP read-only uaddr2");
	expect_ret(*ro, 0, "WAKE_OP read-only uaddr2: unchanged");
	expect_err(fx(gone, F_CMP_REQUEUE | F_PRIVATE, 1, (void *)1L, w, 0), EFAULT,
		   "CMP_REQUEUE unmapped");
	expect_err(fx(ro, F_WAIT | F_PRIVATE, 1, NULL, NULL, 0), EAGAIN, "WAIT read-only word");
}

static void test_pi(unsigned *w)
{
	unsigned tid = (unsigned)syscall(SYS_gettid);

	*w = 0;
	expect_ret(fx(w, F_LOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), 0, "LOCK_PI free");
	check(*w == tid, "LOCK_PI free: word is our TID");
	expect_err(fx(w, F_LOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), EDEADLK, "LOCK_PI again");
	expect_err(fx(w, F_TRYLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), EDEADLK, "TRYLOCK_PI again");
	expect_ret(fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), 0, "UNLOCK_PI");
	expect_ret(*w, 0, "UNLOCK_PI: word");
	expect_err(fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), EPERM, "UNLOCK_PI free");
	expect_ret(fx(w, F_TRYLOCK_PI, 0, NULL, NULL, 0), 0, "TRYLOCK_PI shared free");
	check(*w == tid, "TRYLOCK_PI: word is our TID");
	expect_ret(fx(w, F_UNLOCK_PI, 0, NULL, NULL, 0), 0, "UNLOCK_PI shared");
	/* A lock whose owner died (robust list): the next locker takes it over. */
	*w = F_OWNER_DIED;
	struct timespec later = ts_from_now(CLOCK_REALTIME, 100000000);
	expect_ret(fx(w, F_LOCK_PI | F_PRIVATE, 0, &later, NULL, 0), 0, "LOCK_PI owner died");
	check(*w == (tid | F_OWNER_DIED), "LOCK_PI owner died: OWNER_DIED kept");
	expect_ret(fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), 0, "UNLOCK_PI owner died");
	expect_ret(*w, 0, "UNLOCK_PI owner died: word");
	*w = 0;
	expect_ret(fx(w, F_LOCK_PI2 | F_PRIVATE, 0, NULL, NULL, 0), 0, "LOCK_PI2 free");
	*w |= F_WAITERS; /* as if a waiter had come and gone */
	expect_ret(fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), 0, "UNLOCK_PI with WAITERS");
	expect_ret(*w, 0, "UNLOCK_PI with WAITERS: word");
	*w = tid ^ 1; /* someone else's */
	expect_err(fx(w, F_UNLOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), EPERM, "UNLOCK_PI not owner");
	/* A word naming no task (pid_max is far below): ESRCH, after WAITERS was set. */
	*w = 0x3ffffff0;
	expect_err(fx(w, F_LOCK_PI | F_PRIVATE, 0, NULL, NULL, 0), ESRCH, "LOCK_PI owner unknown");
	check(*w == (0x3ffffff0 | F_WAITERS), "LOCK_PI owner unknown: WAITERS set");
	expect_err(fx(w, F_TRYLOCK_PI, 0, NULL, NULL, 0), ESRCH, "TRYLOCK_PI owner unknown");
	/* PI and plain waits on one word do not mix, but with no waiters nothing tells. */
	*w = 0;
	expect_ret(fx(w, F_WAKE | F_PRIVATE, 1, NULL, NULL, 0), 0, "WAKE on PI word");
}

static long waitv(struct waitv *v, long n, long flags, const struct timespec *ts, long clock)
{
	return syscall(NR_futex_waitv, v, n, flags, ts, clock);
}

static void test_waitv(unsigned *w, unsigned *w2)
{
	struct waitv v[2];
	struct timespec past = {1, 0}, soon;
	const uint32_t u32p = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;

	*w = 1;
	*w2 = 2;
	v[0] = (struct waitv){1, (uintptr_t)w, u32p, 0};
	v[1] = (struct waitv){2, (uintptr_t)w2, FUTEX2_SIZE_U32, 0};
	expect_err(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), ETIMEDOUT, "waitv deadline passed");
	soon = ts_from_now(CLOCK_REALTIME, 5000000);
	expect_err(waitv(v, 2, 0, &soon, CLOCK_REALTIME), ETIMEDOUT,
		   "waitv realtime deadline in 5ms");
	v[1].val = 3;
	expect_err(waitv(v, 2, 0, NULL, 0), EAGAIN, "waitv second value differs");
	v[1].val = 2;
	expect_err(waitv(v, 2, 1, &past, CLOCK_MONOTONIC), EINVAL, "waitv flags 1");
	expect_err(waitv(v, 0, 0, &past, CLOCK_MONOTONIC), EINVAL, "waitv nr 0");
	expect_err(waitv(v, 129, 0, &past, CLOCK_MONOTONIC), EINVAL, "waitv nr 129");
	expect_err(waitv(NULL, 1, 0, &past, CLOCK_MONOTONIC), EINVAL, "waitv NULL");
	expect_err(waitv(v, 2, 0, &past, CLOCK_BOOTTIME), EINVAL, "waitv CLOCK_BOOTTIME");
	expect_err(waitv(v, 2, 0, (void *)8, CLOCK_MONOTONIC), EFAULT, "waitv bad timeout");
	expect_err(waitv((void *)8, 2, 0, &past, CLOCK_MONOTONIC), EFAULT, "waitv bad array");
	v[1].flags = FUTEX2_PRIVATE;
	expect_err(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), EINVAL, "waitv no size");
	v[1].flags = FUTEX2_SIZE_U32 | 4;
	expect_err(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), EINVAL, "waitv unknown flag");
	v[1].flags = FUTEX2_SIZE_U32;
	v[1].reserved = 1;
	expect_err(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), EINVAL, "waitv reserved");
	v[1].reserved = 0;
	v[1].uaddr += 1;
	expect_err(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), EINVAL, "waitv misaligned");
}

static void test_robust_list(void)
{
	struct robust_head head = {&head, 0, NULL}, *got = NULL;
	size_t len = 0;

	expect_ret(syscall(SYS_get_robust_list, 0, &got, &len), 0, "get_robust_list self");
	/* glibc registers a list at start-up, musl only with its first robust mutex. */
	check(len == sizeof(head), "get_robust_list: length 24");
	void *libc_head = got;
	expect_err(syscall(SYS_set_robust_list, &head, sizeof(head) - 1), EINVAL,
		   "set_robust_list len 23");
	expect_ret(syscall(SYS_set_robust_list, &head, sizeof(head)), 0, "set_robust_list");
	expect_ret(syscall(SYS_get_robust_list, 0, &got, &len), 0, "get_robust_list");
	check(got == &head, "get_robust_list: ours");
	expect_ret(syscall(SYS_get_robust_list, getpid(), &got, &len), 0,
		   "get_robust_list own pid");
	check(got == &head, "get_robust_list own pid: ours");
	expect_err(syscall(SYS_get_robust_list, 0, (void *)8, &len), EFAULT,
		   "get_robust_list bad head pointer");
	expect_err(syscall(SYS_get_robust_list, 0, &got, (void *)8), EFAULT,
		   "get_robust_list bad len pointer");
	expect_err(syscall(SYS_get_robust_list, 999999, &got, &len), ESRCH,
		   "get_robust_list no such pid");
	expect_ret(syscall(SYS_set_robust_list, libc_head, sizeof(head)), 0,
		   "set_robust_list back to libc's");
}

int main(void)
{
	guest_start("futex");
	unsigned *page =
		mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 2;
	void *gone = (char *)page + 4096;
	unsigned *ro = (unsigned *)((char *)page + 8192);
	if (munmap(gone, 4096) || mprotect(ro, 4096, PROT_READ))
		return 2;
	unsigned *w = page, *w2 = page + 1;

	test_wait_wake(w);
	test_bitset(w);
	test_wake_op(w, w2);
	test_requeue(w, w2);
	test_bad_args(w, gone, ro);
	test_pi(w);
	test_waitv(w, w2);
	test_robust_list();
	return guest_finish();
}

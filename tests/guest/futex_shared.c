// SPDX-License-Identifier: Apache-2.0
/*
 * Shared futexes are keyed by the memory under the address, not by the
 * address: a waiter on one mapping of MAP_SHARED memory is woken through
 * another mapping of the same page (an mremap alias, or the same page in
 * a forked child), while private futexes and private memory stay apart.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

enum { F_WAIT = 0, F_WAKE = 1, F_PRIVATE = 128 };

static long fx(void *uaddr, long op, long val, const void *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void ms_sleep(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

/*
 * Wake the shared futex at a until one waiter is woken (for up to 10 s),
 * checking on the way that the private futex at a and, if given, the
 * shared futex at miss have no waiter. Returns 1, or 0 if none woke.
 */
static long wake_until_one(unsigned *a, unsigned *miss)
{
	for (int i = 0; i < 10000; i++) {
		if (fx(a, F_WAKE | F_PRIVATE, 1, NULL) != 0)
			return -1;
		if (miss && fx(miss, F_WAKE, 1, NULL) != 0)
			return -2;
		long n = fx(a, F_WAKE, 1, NULL);
		if (n)
			return n;
		ms_sleep(1);
	}
	return 0;
}

static unsigned *wait_addr;
static long wait_ret;
static void *wait_main(void *arg)
{
	(void)arg;
	wait_ret = fx(wait_addr, F_WAIT, 0, NULL);
	return NULL;
}

/* A second mapping of the same shared page (mremap with old_size 0). */
static void test_alias(unsigned *shared)
{
	unsigned *alias = mremap(shared, 0, 4096, MREMAP_MAYMOVE);
	pthread_t th;

	if (!check(alias != MAP_FAILED && alias != shared, "mremap alias of a shared page"))
		return;
	alias[1] = 5;
	expect_ret(shared[1], 5, "the alias shares the memory");
	shared[0] = 0;
	wait_addr = &shared[0];
	if (pthread_create(&th, NULL, wait_main, NULL))
		exit(2);
	expect_ret(wake_until_one(&alias[0], NULL), 1, "WAKE through the alias");
	pthread_join(th, NULL);
	expect_ret(wait_ret, 0, "WAIT woken through the alias");
	munmap(alias, 4096);
}

/* The child waits on the shared page; the parent wakes it there, not on its private page. */
static void test_fork(unsigned *shared, unsigned *private_page)
{
	shared[0] = 0;
	*private_page = 0;
	pid_t pid = fork();
	if (pid == 0) {
		long r = fx(&shared[0], F_WAIT, 0, NULL);
		_exit(r == 0 ? 0 : 1);
	}
	if (!check(pid > 0, "fork"))
		return;
	expect_ret(wake_until_one(&shared[0], private_page), 1,
		   "WAKE the child's shared futex from the parent");
	int status;
	check(waitpid(pid, &status, 0) == pid, "waitpid");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's WAIT returned 0");
}

int main(void)
{
	guest_start("futex_shared");
	unsigned *shared =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned *private_page =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || private_page == MAP_FAILED)
		return 2;
	test_alias(shared);
	test_fork(shared, private_page);
	return guest_finish();
}

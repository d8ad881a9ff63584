// SPDX-License-Identifier: Apache-2.0
/*
 * Shared futexes between processes, beyond futex_shared.c: a memfd that
 * each process maps after fork at its own address is one futex word for
 * both, a forked child's private memory stays its own, and what rests on
 * shared futexes works through the libc: process-shared mutexes, condition
 * variables and sem_t semaphores (as sem_open(3)'s, which Python's
 * multiprocessing locks are) between two processes.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

enum { F_WAIT = 0, F_WAKE = 1 };

static long futex(volatile uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
	nanosleep(&ts, NULL);
}

/* Wake one waiter on w, retrying until one was there; the count woken. */
static long wake_one(volatile uint32_t *w)
{
	for (int i = 0; i < 5000; i++) {
		long n = futex(w, F_WAKE, 1, NULL);
		if (n != 0)
			return n;
		sleep_ms(1);
	}
	return 0;
}

/* A child that waits on w (value 0) for up to 10 s: exit 0 if woken. */
static pid_t spawn_waiter(volatile uint32_t *w)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = {10, 0};
		_exit(futex(w, F_WAIT, 0, &ts) == 0 ? 0 : 1);
	}
	return pid;
}

static int child_status(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_shared_anon(void)
{
	volatile uint32_t *w =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!check(w != MAP_FAILED, "mmap(MAP_SHARED|MAP_ANONYMOUS)"))
		return;
	*w = 0;
	pid_t pid = spawn_waiter(w + 1);
	expect_ret(wake_one(w + 1), 1, "FUTEX_WAKE of a MAP_SHARED word wakes a forked child");
	expect_ret(child_status(pid), 0, "the child's FUTEX_WAIT returns 0");
	munmap((void *)w, 4096);
}

/*
 * A memfd mapped after fork by each process at its own address (the child
 * maps a page first, so the addresses differ): still one futex.
 */
static void test_shared_file_other_address(void)
{
	int fd = memfd_create("futex", 0);
	if (!check(fd >= 0 && ftruncate(fd, 8192) == 0, "memfd_create and ftruncate"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		void *pad = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		volatile uint32_t *w = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		(void)pad;
		struct timespec ts = {10, 0};
		_exit(w != MAP_FAILED && futex(w + 1024 + 3, F_WAIT, 0, &ts) == 0 ? 0 : 1);
	}
	volatile uint32_t *w = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (check(w != MAP_FAILED, "mmap(MAP_SHARED) of a memfd"))
		expect_ret(wake_one(w + 1024 + 3), 1,
			   "FUTEX_WAKE through another mapping of the same file wakes the child");
	expect_ret(child_status(pid), 0, "the child's FUTEX_WAIT returns 0");
	close(fd);
}

/* After fork, private memory is each process's own: no wake crosses. */
static void test_private_stays_private(void)
{
	static volatile uint32_t word;
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = {0, 300000000};
		_exit(futex(&word, F_WAIT, 0, &ts) == -1 && errno == ETIMEDOUT ? 0 : 1);
	}
	long woken = 0;
	for (int i = 0; i < 100; i++) {
		woken += futex(&word, F_WAKE, 1, NULL);
		sleep_ms(1);
	}
	expect_ret(woken, 0, "FUTEX_WAKE of a private word after fork wakes no one");
	expect_ret(child_status(pid), 0, "the child's FUTEX_WAIT on its own copy times out");
}

struct shared_sync {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	long counter;
	int turn;
	sem_t ping, pong;
};

/* Two processes take a process-shared mutex in turn, and wait on a condvar. */
static void test_pshared_mutex_cond_sem(void)
{
	struct shared_sync *s =
		mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!check(s != MAP_FAILED, "mmap of the shared state"))
		return;
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->lock, &ma);
	pthread_cond_init(&s->cond, &ca);
	sem_init(&s->ping, 1, 0);
	sem_init(&s->pong, 1, 0);
	enum { ROUNDS = 200, ADDS = 20000 };

	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < ADDS; i++) {
			pthread_mutex_lock(&s->lock);
			s->counter++;
			pthread_mutex_unlock(&s->lock);
		}
		for (int i = 0; i < ROUNDS; i++) {
			sem_wait(&s->ping);
			sem_post(&s->pong);
		}
		pthread_mutex_lock(&s->lock);
		while (s->turn != 1)
			pthread_cond_wait(&s->cond, &s->lock);
		s->turn = 2;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		_exit(0);
	}
	for (int i = 0; i < ADDS; i++) {
		pthread_mutex_lock(&s->lock);
		s->counter++;
		pthread_mutex_unlock(&s->lock);
	}
	int rounds = 0;
	for (int i = 0; i < ROUNDS; i++) {
		sem_post(&s->ping);
		rounds += sem_wait(&s->pong) == 0;
	}
	expect_ret(rounds, ROUNDS, "sem_t (pshared) ping-pong rounds between processes");
	pthread_mutex_lock(&s->lock);
	s->turn = 1;
	pthread_cond_signal(&s->cond);
	while (s->turn != 2)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	check(true, "pthread_cond_t (pshared) hand-off between processes");
	expect_ret(child_status(pid), 0, "the child exits 0");
	expect_ret(s->counter, 2 * ADDS, "increments under a pshared mutex from both processes");
	munmap(s, sizeof(*s));
}

int main(void)
{
	guest_start("futex_pshared");
	test_shared_anon();
	test_shared_file_other_address();
	test_private_stays_private();
	test_pshared_mutex_cond_sem();
	return guest_finish();
}

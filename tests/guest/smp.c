// SPDX-License-Identifier: Apache-2.0
/*
 * Threads of one process changing its mappings while others use them:
 * once munmap or mprotect has returned in one thread, no thread may still
 * reach the old page through a stale translation (a TLB shoot-down on
 * every vCPU running the process). Also plain parallel work whose result
 * is checked. Run with `runsk do --cpus 2` by tests/integration/smp.sh,
 * and as an ordinary guest test.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "guest_test.h"

#define ROUNDS 40

static atomic_int phase; /* set by the changer once its call returned */
static volatile char *volatile page;
static __thread sigjmp_buf fault_jmp;
static __thread volatile int faulted;

static void on_segv(int sig GUEST_UNUSED)
{
	faulted = 1;
	siglongjmp(fault_jmp, 1);
}

/* Touch the page until it faults; count touches that came after the change returned. */
static void *user(void *arg)
{
	bool write = arg != NULL;
	long late = 0;

	faulted = 0;
	if (!sigsetjmp(fault_jmp, 1)) {
		for (;;) {
			int seen = atomic_load(&phase);
			if (write)
				page[0]++;
			else
				(void)page[0];
			if (seen)
				late++;
		}
	}
	return (void *)late;
}

/* One round: a thread uses the page; this one unmaps (or write-protects) it. */
static long round_trip(bool protect)
{
	pthread_t th;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page[0] = 1;
	atomic_store(&phase, 0);
	pthread_create(&th, NULL, user, protect ? (void *)1 : NULL);
	for (volatile int i = 0; i < 20000; i++)
		;
	if (protect)
		mprotect((void *)page, 4096, PROT_READ);
	else
		munmap((void *)page, 4096);
	atomic_store(&phase, 1);
	void *late;
	pthread_join(th, &late);
	if (protect)
		munmap((void *)page, 4096);
	return (long)late;
}

#define WORKERS 4
#define ADDS 20000
static atomic_long total;
static atomic_int map_failures;

static void *adder(void *arg GUEST_UNUSED)
{
	for (int i = 0; i < ADDS; i++) {
		atomic_fetch_add(&total, 1);
		if (i % 1000 == 0) {
			/* Mappings come and go in every thread at once. */
			char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				atomic_fetch_add(&map_failures, 1);
				continue;
			}
			p[0] = p[65535] = 1;
			if (munmap(p, 65536))
				atomic_fetch_add(&map_failures, 1);
		}
	}
	return NULL;
}

int main(void)
{
	guest_start("smp");
	struct sigaction sa = {.sa_handler = on_segv};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);

	long late = 0;
	for (int i = 0; i < ROUNDS; i++)
		late += round_trip(false);
	expect_ret(late, 0, "reads of a page after munmap returned in another thread");
	late = 0;
	for (int i = 0; i < ROUNDS; i++)
		late += round_trip(true);
	expect_ret(late, 0,
		   "writes to a page after mprotect(PROT_READ) returned in another thread");

	/* From here on a fault is a failure, not a round's end. */
	signal(SIGSEGV, SIG_DFL);
	pthread_t th[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, adder, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	expect_ret(atomic_load(&total), (long)WORKERS * ADDS, "atomic adds from %d threads",
		   WORKERS);
	expect_ret(atomic_load(&map_failures), 0, "failed mmap/munmap calls among them");
	return guest_finish();
}

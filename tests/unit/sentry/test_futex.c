// SPDX-License-Identifier: Apache-2.0
/*
 * Futexes without a VM: tasks are host threads sharing one mm over the
 * recording platform, so waits really sleep and wakes really wake. The
 * tests never assume a waiter is already queued: a waker repeats until it
 * reports the wake, which only a queued waiter can produce.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <cmocka.h>

#include "abi/linux/futex.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/futex_internal.h"

#include "tests/unit/mm/rec_platform.h"

#define BASE 0x100000ULL
#define ANY LINUX_FUTEX_BITSET_MATCH_ANY
#define WORD(i) uaddr(BASE + 4 * (i))

static struct task *task_new(struct mm *mm, int tid)
{
	struct task *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->mm = mm;
	t->tid = tid;
	task_sleep_init(t);
	return t;
}

static void task_del(struct task *t)
{
	pthread_cond_destroy(&t->sleep_cond);
	pthread_mutex_destroy(&t->sleep_lock);
	free(t);
}

static struct mm *setup_mm(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, BASE, 4 * P, PROT_READ | PROT_WRITE, MM_FIXED), BASE);
	return mm;
}

static void put32(struct mm *mm, uaddr_t a, u32 v)
{
	assert_int_equal(mm_copy_to_user(mm, a, &v, sizeof(v)), 0);
}

static u32 get32(struct mm *mm, uaddr_t a)
{
	u32 v;
	assert_int_equal(mm_copy_from_user(mm, &v, a, sizeof(v)), 0);
	return v;
}

static struct timespec in_ms(long ms)
{
	struct timespec rel = {ms / 1000, ms % 1000 * 1000000};
	return deadline_after(&rel);
}

/* A task blocked in a futex call on its own host thread. */
struct waiter {
	struct task *t;
	pthread_t thread;
	enum { W_WAIT, W_LOCK_PI, W_WAITV } kind;
	uaddr_t addr;
	bool shared;
	u32 val, bitset;
	struct futex_vec vec[3];
	unsigned nvec;
	int ret;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	struct timespec dl = in_ms(10000); /* a lost wake fails the test, not hangs it */
	switch (w->kind) {
	case W_WAIT:
		w->ret = futex_wait(w->t, w->addr, w->shared, w->val, w->bitset ? w->bitset : ANY,
				    &dl);
		break;
	case W_LOCK_PI:
		w->ret = futex_lock_pi(w->t, w->addr, w->shared, false, &dl);
		break;
	case W_WAITV:
		w->ret = futex_wait_multiple(w->t, w->vec, w->nvec, &dl);
		break;
	}
	return NULL;
}

static void waiter_start(struct waiter *w, struct mm *mm, int tid)
{
	w->t = task_new(mm, tid);
	assert_int_equal(pthread_create(&w->thread, NULL, waiter_main, w), 0);
}

static int waiter_join(struct waiter *w)
{
	pthread_join(w->thread, NULL);
	task_del(w->t);
	return w->ret;
}

/* Wake until one waiter was woken; fail after about 5 s. */
static void wake_until_one(struct task *t, uaddr_t a, bool shared, u32 bitset)
{
	for (int i = 0; i < 5000; i++) {
		long n = futex_wake(t, a, shared, 1, bitset);
		assert_true(n >= 0);
		if (n == 1)
			return;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	fail_msg("no waiter woken");
}

/* Wait until n waiters are queued on the word at a (the test sees the table). */
static void wait_queued(struct task *t, uaddr_t a, bool shared, int n)
{
	struct futex_key key;
	assert_int_equal(futex_key_get(t, a, shared, &key), 0);
	struct futex_bucket *b = futex_bucket_of(&key);
	for (int i = 0; i < 5000; i++) {
		struct futex_waiter *w;
		int found = 0;
		pthread_mutex_lock(&b->lock);
		list_for_each_entry(w, &b->waiters, node)
		{
			found += futex_key_eq(&w->key, &key);
		}
		pthread_mutex_unlock(&b->lock);
		if (found >= n)
			return;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	fail_msg("waiters did not queue");
}

static void test_futex_wait_checks_value_and_times_out(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	put32(mm, WORD(0), 5);
	assert_int_equal(futex_wait(t, WORD(0), false, 6, ANY, NULL), -EAGAIN);
	assert_int_equal(futex_wait(t, WORD(0), false, 5, 0, NULL), -EINVAL);
	assert_int_equal(futex_wait(t, uaddr(BASE + 2), false, 5, ANY, NULL), -EINVAL);
	assert_int_equal(futex_wait(t, uaddr(BASE + 8 * P), false, 5, ANY, NULL), -EFAULT);
	struct timespec dl = in_ms(2);
	assert_int_equal(futex_wait(t, WORD(0), false, 5, ANY, &dl), -ETIMEDOUT);
	assert_int_equal(futex_wait(t, WORD(0), true, 5, ANY, &dl), -ETIMEDOUT);
	/* A signal pending at the sleep interrupts the wait (the caller restarts it). */
	t->sigpending = 1;
	assert_int_equal(futex_wait(t, WORD(0), false, 5, ANY, NULL), -EINTR);
	t->sigpending = 0;
	/* Nothing was left queued: a wake finds no one. */
	assert_int_equal(futex_wake(t, WORD(0), false, 10, ANY), 0);
	/* A private wake of an unmapped word is 0; a shared one is EFAULT, as Linux. */
	assert_int_equal(futex_wake(t, uaddr(BASE + 8 * P), false, 1, ANY), 0);
	assert_int_equal(futex_wake(t, uaddr(BASE + 8 * P), true, 1, ANY), -EFAULT);
	task_del(t);
}

static void test_futex_wake_wakes_waiter(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	struct waiter w = {.kind = W_WAIT, .addr = WORD(0), .val = 0};
	waiter_start(&w, mm, 11);
	wake_until_one(t, WORD(0), false, ANY);
	assert_int_equal(waiter_join(&w), 0);
	task_del(t);
}

static void test_futex_private_and_shared_keys_differ(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	struct waiter w = {.kind = W_WAIT, .addr = WORD(0), .shared = true};
	waiter_start(&w, mm, 11);
	/* Until the shared wake gets it, private wakes of the same word find no one. */
	for (int i = 0; i < 5000; i++) {
		assert_int_equal(futex_wake(t, WORD(0), false, 1, ANY), 0);
		if (futex_wake(t, WORD(0), true, 1, ANY) == 1)
			break;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	assert_int_equal(waiter_join(&w), 0);
	task_del(t);
}

/*
 * Processes sharing MAP_SHARED memory meet on its words (sem_open's
 * semaphores, process-shared mutexes): the key is the shared object and
 * offset, not (mm, address), even where each maps it at another address.
 * In private memory a forked child's word is its own.
 */
static void test_futex_shared_memory_keys_cross_processes(void **state)
{
	struct mm *mm = setup_mm(state);
	const u64 shared_base = BASE + 16 * P;
	assert_int_equal(
		mm_map_anon(mm, shared_base, 2 * P, PROT_READ | PROT_WRITE, MM_FIXED | MM_SHARED),
		shared_base);
	put32(mm, WORD(0), 0);
	struct mm *child = mm_fork(mm);
	assert_false(IS_ERR(child));
	/* The child moves its second shared page elsewhere. */
	const u64 moved = BASE + 64 * P;
	assert_int_equal(
		mm_remap(child, shared_base + P, P, P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED, moved),
		moved);
	struct task *parent = task_new(mm, 10);

	struct waiter w = {.kind = W_WAIT, .addr = uaddr(moved + 8), .shared = true};
	waiter_start(&w, child, 11);
	wake_until_one(parent, uaddr(shared_base + P + 8), true, ANY);
	assert_int_equal(waiter_join(&w), 0);

	struct waiter wp = {.kind = W_WAIT, .addr = WORD(0), .shared = true};
	waiter_start(&wp, child, 12);
	wait_queued(wp.t, WORD(0), true, 1);
	assert_int_equal(futex_wake(parent, WORD(0), true, 1, ANY), 0);
	struct task *sibling = task_new(child, 13);
	wake_until_one(sibling, WORD(0), true, ANY);
	assert_int_equal(waiter_join(&wp), 0);

	task_del(sibling);
	task_del(parent);
	mm_destroy(child);
}

static void test_futex_bitset_filters_wakes(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	struct waiter w = {.kind = W_WAIT, .addr = WORD(0), .bitset = 0x4};
	waiter_start(&w, mm, 11);
	for (int i = 0; i < 5000; i++) {
		assert_int_equal(futex_wake(t, WORD(0), false, 1, 0x3), 0);
		if (futex_wake(t, WORD(0), false, 1, 0x6) == 1)
			break;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	assert_int_equal(waiter_join(&w), 0);
	assert_int_equal(futex_wake(t, WORD(0), false, 1, 0), -EINVAL);
	task_del(t);
}

static void test_futex_requeue_moves_waiters(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	struct waiter w[3];
	for (int i = 0; i < 3; i++) {
		w[i] = (struct waiter){.kind = W_WAIT, .addr = WORD(0)};
		waiter_start(&w[i], mm, 11 + i);
	}
	wait_queued(t, WORD(0), false, 3);
	assert_int_equal(futex_requeue(t, WORD(0), WORD(1), false, 0, 10, &(u32){1}), -EAGAIN);
	assert_int_equal(futex_requeue(t, WORD(0), WORD(1), false, -1, 10, NULL), -EINVAL);
	assert_int_equal(futex_requeue(t, WORD(0), WORD(1), false, 0, 0, NULL), 0);
	assert_int_equal(futex_requeue(t, WORD(0), WORD(1), false, 0, 10, &(u32){0}), 3);
	assert_int_equal(futex_wake(t, WORD(0), false, 10, ANY), 0);
	assert_int_equal(futex_wake(t, WORD(1), false, 1, ANY), 1);
	/* Requeue back, waking one on the way: nr_wake first, then the move. */
	assert_int_equal(futex_requeue(t, WORD(1), WORD(0), false, 1, 10, NULL), 2);
	assert_int_equal(futex_wake(t, WORD(1), false, 10, ANY), 0);
	assert_int_equal(futex_wake(t, WORD(0), false, 10, ANY), 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(waiter_join(&w[i]), 0);
	task_del(t);
}

static void test_futex_wake_op_wakes_both_words(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	struct waiter w1 = {.kind = W_WAIT, .addr = WORD(0)};
	struct waiter w2 = {.kind = W_WAIT, .addr = WORD(1)};
	waiter_start(&w1, mm, 11);
	waiter_start(&w2, mm, 12);
	/* SET 0, if old == 0: the second word stays 0, so its waiter stays valid. */
	const u32 op = (LINUX_FUTEX_OP_SET << 28) | (LINUX_FUTEX_OP_CMP_EQ << 24);
	long woken = 0;
	for (int i = 0; i < 5000 && woken < 2; i++) {
		long n = futex_wake_op(t, WORD(0), WORD(1), false, 1, 1, op);
		assert_true(n >= 0);
		woken += n;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	assert_int_equal(woken, 2);
	assert_int_equal(waiter_join(&w1), 0);
	assert_int_equal(waiter_join(&w2), 0);
	/* ADD 3 if old > 1 (false), with arithmetic checked on the word. */
	put32(mm, WORD(1), 1);
	const u32 add = (LINUX_FUTEX_OP_ADD << 28) | (LINUX_FUTEX_OP_CMP_GT << 24) | (3 << 12) | 1;
	assert_int_equal(futex_wake_op(t, WORD(0), WORD(1), false, 1, 1, add), 0);
	assert_int_equal(get32(mm, WORD(1)), 4);
	assert_int_equal(futex_wake_op(t, WORD(0), WORD(1), false, 1, 1, 7u << 28), -ENOSYS);
	task_del(t);
}

static void test_futex_waitv_returns_woken_index(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	put32(mm, WORD(2), 7);
	struct waiter w = {.kind = W_WAITV, .nvec = 3};
	w.vec[0] = (struct futex_vec){WORD(0), 0, false};
	w.vec[1] = (struct futex_vec){WORD(1), 0, true};
	w.vec[2] = (struct futex_vec){WORD(2), 7, false};
	assert_int_equal(futex_wait_multiple(t, w.vec, 3, &(struct timespec){0, 0}), -ETIMEDOUT);
	w.vec[2].val = 8;
	assert_int_equal(futex_wait_multiple(t, w.vec, 3, NULL), -EAGAIN);
	w.vec[2].val = 7;
	waiter_start(&w, mm, 11);
	wake_until_one(t, WORD(1), true, ANY);
	assert_int_equal(waiter_join(&w), 1);
	/* Nothing stays queued on the other words. */
	assert_int_equal(futex_wake(t, WORD(0), false, 10, ANY), 0);
	assert_int_equal(futex_wake(t, WORD(2), false, 10, ANY), 0);
	task_del(t);
}

static void test_futex_pi_lock_unlock_handoff(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 10);
	assert_int_equal(futex_lock_pi(t, WORD(0), false, false, NULL), 0);
	assert_int_equal(get32(mm, WORD(0)), 10);
	assert_int_equal(futex_lock_pi(t, WORD(0), false, true, NULL), -EDEADLK);
	struct waiter w = {.kind = W_LOCK_PI, .addr = WORD(0)};
	waiter_start(&w, mm, 11);
	wait_queued(t, WORD(0), false, 1);
	/* PI waiters refuse plain wakes; only the owner may unlock. */
	assert_int_equal(futex_wake(t, WORD(0), false, 1, ANY), -EINVAL);
	assert_int_equal(futex_unlock_pi(w.t, WORD(0), false), -EPERM);
	assert_int_equal(futex_unlock_pi(t, WORD(0), false), 0);
	assert_int_equal(waiter_join(&w), 0);
	assert_int_equal(get32(mm, WORD(0)), 11 | LINUX_FUTEX_WAITERS);
	/* The new owner unlocks it for real; the word is free again. */
	struct task *t11 = task_new(mm, 11);
	assert_int_equal(futex_unlock_pi(t11, WORD(0), false), 0);
	assert_int_equal(get32(mm, WORD(0)), 0);
	assert_int_equal(futex_lock_pi(t, WORD(0), false, true, NULL), 0);
	assert_int_equal(futex_lock_pi(t11, WORD(0), false, true, NULL), -EAGAIN);
	assert_int_equal(get32(mm, WORD(0)), 10 | LINUX_FUTEX_WAITERS);
	task_del(t11);
	task_del(t);
}

static void test_futex_exit_hands_pi_lock_on(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *owner = task_new(mm, 10);
	assert_int_equal(futex_lock_pi(owner, WORD(0), true, false, NULL), 0);
	struct waiter w = {.kind = W_LOCK_PI, .addr = WORD(0), .shared = true};
	waiter_start(&w, mm, 11);
	wait_queued(owner, WORD(0), true, 1);
	futex_exit_release(owner, false);
	assert_int_equal(waiter_join(&w), 0);
	assert_int_equal(get32(mm, WORD(0)), 11 | LINUX_FUTEX_WAITERS);
	task_del(owner);
}

/* A robust list in guest memory: head at page 1, entries at page 2, words at page 3. */
#define HEAD (BASE + P)
#define ENTRY(i) (BASE + 2 * P + 64 * (i))
#define OFF (long)P /* each entry's word lies one page further */

static void robust_list_build(struct mm *mm, const u64 *entries, int n, u64 pending)
{
	struct linux_robust_list_head h = {n ? entries[0] : HEAD, OFF, pending};
	assert_int_equal(mm_copy_to_user(mm, uaddr(HEAD), &h, sizeof(h)), 0);
	for (int i = 0; i < n; i++) {
		u64 next = i + 1 < n ? entries[i + 1] : HEAD;
		assert_int_equal(mm_copy_to_user(mm, uaddr(entries[i] & ~1ULL), &next, 8), 0);
	}
}

static void test_futex_exit_robust_list(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 20);
	const u64 e[3] = {ENTRY(0), ENTRY(1), ENTRY(2)};
	robust_list_build(mm, e, 3, ENTRY(3));
	put32(mm, uaddr(ENTRY(0) + OFF), 20 | LINUX_FUTEX_WAITERS); /* held, contended */
	put32(mm, uaddr(ENTRY(1) + OFF), 21);			    /* someone else's */
	put32(mm, uaddr(ENTRY(2) + OFF), 20);			    /* held */
	put32(mm, uaddr(ENTRY(3) + OFF), 0);			    /* pending, free */
	struct waiter w = {.kind = W_WAIT,
			   .addr = uaddr(ENTRY(0) + OFF),
			   .shared = true,
			   .val = 20 | LINUX_FUTEX_WAITERS};
	struct waiter wp = {.kind = W_WAIT, .addr = uaddr(ENTRY(3) + OFF), .shared = true};
	waiter_start(&w, mm, 30);
	waiter_start(&wp, mm, 31);
	wait_queued(t, w.addr, true, 1);
	wait_queued(t, wp.addr, true, 1);
	t->robust_list = HEAD;
	futex_exit_release(t, false);
	assert_int_equal(t->robust_list, 0);
	assert_int_equal(get32(mm, uaddr(ENTRY(0) + OFF)),
			 LINUX_FUTEX_OWNER_DIED | LINUX_FUTEX_WAITERS);
	assert_int_equal(get32(mm, uaddr(ENTRY(1) + OFF)), 21);
	assert_int_equal(get32(mm, uaddr(ENTRY(2) + OFF)), LINUX_FUTEX_OWNER_DIED);
	assert_int_equal(get32(mm, uaddr(ENTRY(3) + OFF)), 0);
	assert_int_equal(waiter_join(&w), 0);
	assert_int_equal(waiter_join(&wp),
			 0); /* list_op_pending's free word: woken, no OWNER_DIED */
	task_del(t);
}

static void test_futex_exit_robust_list_loop_ends(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 20);
	/* Two entries pointing at each other, never back to the head. */
	struct linux_robust_list_head h = {ENTRY(0), OFF, 0};
	u64 a = ENTRY(1), b = ENTRY(0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(HEAD), &h, sizeof(h)), 0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(ENTRY(0)), &a, 8), 0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(ENTRY(1)), &b, 8), 0);
	put32(mm, uaddr(ENTRY(0) + OFF), 20);
	t->robust_list = HEAD;
	futex_exit_release(t, false);
	assert_int_equal(get32(mm, uaddr(ENTRY(0) + OFF)), LINUX_FUTEX_OWNER_DIED);
	/* A list that leaves mapped memory just ends the walk. */
	h.next = BASE + 8 * P;
	assert_int_equal(mm_copy_to_user(mm, uaddr(HEAD), &h, sizeof(h)), 0);
	t->robust_list = HEAD;
	futex_exit_release(t, false);
	t->robust_list = BASE + 8 * P;
	futex_exit_release(t, false);
	task_del(t);
}

static void test_futex_exit_clears_child_tid(void **state)
{
	struct mm *mm = setup_mm(state);
	struct task *t = task_new(mm, 20);
	put32(mm, WORD(0), 20);
	/* The last user of the mm: nobody can wait, so the word is left alone. */
	t->clear_child_tid = WORD(0).addr;
	futex_exit_release(t, false);
	assert_int_equal(get32(mm, WORD(0)), 20);
	assert_int_equal(t->clear_child_tid, 0);
	struct waiter w = {.kind = W_WAIT, .addr = WORD(0), .shared = true, .val = 20};
	waiter_start(&w, mm, 21);
	wait_queued(t, WORD(0), true, 1);
	t->clear_child_tid = WORD(0).addr;
	futex_exit_release(t, true);
	assert_int_equal(get32(mm, WORD(0)), 0);
	assert_int_equal(waiter_join(&w), 0);
	task_del(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_futex_wait_checks_value_and_times_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_futex_wake_wakes_waiter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex_private_and_shared_keys_differ, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_futex_shared_memory_keys_cross_processes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex_bitset_filters_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex_requeue_moves_waiters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex_wake_op_wakes_both_words, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_futex_waitv_returns_woken_index, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_futex_pi_lock_unlock_handoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex_exit_hands_pi_lock_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex_exit_robust_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex_exit_robust_list_loop_ends, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_futex_exit_clears_child_tid, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Futexes, as Linux's futex(2) and futex_waitv(2): wait on a 32-bit word
 * of guest memory until another thread wakes the word, requeue waiters
 * from one word to another, PI locks with the TID-in-word protocol, and
 * what thread exit owes to futexes (robust lists, CLONE_CHILD_CLEARTID).
 *
 * Every function works on the calling task t's address space (t->mm)
 * and may block briefly on mm->lock; the waits block until woken.
 *
 * Keys: a private futex (FUTEX_PRIVATE_FLAG, shared == false) is the pair
 * (mm, address). A shared one in a MAP_SHARED mapping is the shared
 * memory object behind it and the offset in that object (Linux's inode
 * and page offset), so that processes mapping the same object meet
 * wherever each maps it (sem_open's semaphores in /dev/shm files,
 * process-shared mutexes in MAP_SHARED|MAP_ANONYMOUS memory after fork);
 * in private memory it is (mm, address) again, kept apart from the
 * private key of the same address as Linux does.
 *
 * Deadlines are absolute CLOCK_MONOTONIC times (what task_sleep takes);
 * NULL waits for ever. A wait interrupted by a signal returns -EINTR: the
 * syscall layer picks the restart code.
 *
 * Lock order: futex bucket locks (futex_internal.h) > k->lock (a PI
 * owner's lookup) > mm->lock, and bucket locks > task->sleep_lock. No
 * futex lock is held on return; callers must not hold k->lock.
 */
#ifndef SENTRY_KERNEL_FUTEX_H
#define SENTRY_KERNEL_FUTEX_H

#include <time.h>

#include "kernel.h"

/*
 * FUTEX_WAIT_BITSET: if *addr == val, sleep until a wake whose bitset
 * shares a bit with bitset. 0 when woken, -EAGAIN if the word differs,
 * -ETIMEDOUT, -EINTR, -EINVAL (bitset 0, misaligned), -EFAULT.
 */
int futex_wait(struct task *t, uaddr_t addr, bool shared, u32 val, u32 bitset,
	       const struct timespec *deadline) __must_check;

/*
 * FUTEX_WAKE_BITSET: wake up to nr waiters on addr whose bitset shares a
 * bit with bitset (as Linux, nr <= 0 wakes one). Returns the number woken,
 * or -EINVAL (bitset 0, misaligned, a PI waiter on the word), -EFAULT.
 */
long futex_wake(struct task *t, uaddr_t addr, bool shared, int nr, u32 bitset) __must_check;

/*
 * FUTEX_REQUEUE (cmpval NULL) and FUTEX_CMP_REQUEUE: wake up to nr_wake
 * waiters on addr and move up to nr_requeue more to addr2. Returns the
 * number woken plus moved, -EAGAIN if *addr != *cmpval, -EINVAL
 * (negative counts, misaligned, PI waiters), -EFAULT.
 */
long futex_requeue(struct task *t, uaddr_t addr, uaddr_t addr2, bool shared, int nr_wake,
		   int nr_requeue, const u32 *cmpval) __must_check;

/*
 * FUTEX_WAKE_OP: apply the operation encoded in op to *addr2, wake up to
 * nr_wake waiters on addr and, if the old value of *addr2 passes op's
 * comparison, up to nr_wake2 on addr2. Returns the number woken, -ENOSYS
 * (unknown operation or comparison; as Linux, *addr2 is already changed
 * when only the comparison is unknown), -EFAULT, -EINVAL.
 */
long futex_wake_op(struct task *t, uaddr_t addr, uaddr_t addr2, bool shared, int nr_wake,
		   int nr_wake2, u32 op) __must_check;

/* One word of futex_waitv: wait while *addr == val. */
struct futex_vec {
	uaddr_t addr;
	u32 val;
	bool shared;
};

/*
 * futex_waitv(2) on n (1..128) words: sleep until one of them is woken.
 * Returns the index of a woken word, -EAGAIN if a word differs from its
 * value, -ETIMEDOUT, -EINTR, -EINVAL, -EFAULT, -ENOMEM.
 */
int futex_wait_multiple(struct task *t, const struct futex_vec *v, unsigned n,
			const struct timespec *deadline) __must_check;

/*
 * FUTEX_LOCK_PI (trylock false) and FUTEX_TRYLOCK_PI: take the PI lock at
 * addr for t (the word holds the owner's TID, FUTEX_WAITERS and
 * FUTEX_OWNER_DIED). A free word (TID 0, also after its owner died) is
 * taken at once; otherwise FUTEX_WAITERS is set and t sleeps until the
 * owner's FUTEX_UNLOCK_PI (or exit) hands it the lock. There is no
 * priority to inherit in the Sentry, so none is. Returns 0 (t owns the
 * lock), -EDEADLK (t owns it already), -EAGAIN (trylock: held), -ESRCH
 * (the TID names no task and the word has no FUTEX_OWNER_DIED; an owner
 * still exiting is waited for first), -ETIMEDOUT, -EINTR, -EFAULT, -EINVAL.
 */
int futex_lock_pi(struct task *t, uaddr_t addr, bool shared, bool trylock,
		  const struct timespec *deadline) __must_check;

/*
 * FUTEX_UNLOCK_PI: release the PI lock at addr, which t must own
 * (-EPERM): hand it to the first waiter (the word becomes its TID |
 * FUTEX_WAITERS) or, with none, set the word to 0. 0, -EPERM, -EFAULT,
 * -EINVAL.
 */
int futex_unlock_pi(struct task *t, uaddr_t addr, bool shared) __must_check;

/*
 * What a thread owes to futexes when it exits (or execs): walk its
 * robust list (t->robust_list: Linux's robust_list_head, at most 2048
 * entries, list_op_pending last) marking each lock it holds
 * FUTEX_OWNER_DIED and waking one waiter of each; hand the PI locks it
 * holds to their waiters; then, if mm_shared (other tasks still use
 * t->mm, so someone can be waiting), write 0 to t->clear_child_tid and
 * wake one waiter there, as CLONE_CHILD_CLEARTID asks (pthread_join).
 * Clears t->robust_list and t->clear_child_tid. Runs on t's own thread,
 * before t->mm is released. Never fails: a bad guest list is ignored.
 */
void futex_exit_release(struct task *t, bool mm_shared);

#endif

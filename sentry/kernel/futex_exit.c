// SPDX-License-Identifier: Apache-2.0
/*
 * What a thread owes to futexes when it leaves: its robust list (locks it
 * still holds are marked FUTEX_OWNER_DIED and a waiter is woken to
 * recover them), its PI locks, and CLONE_CHILD_CLEARTID's word.
 *
 * The robust list is a guest data structure read with the checked copy
 * helpers: any fault, misaligned word or loop (more than 2048 entries)
 * ends the walk quietly, as in Linux.
 */
#include <errno.h>

#include "abi/linux/futex.h"
#include "futex_internal.h"

/* Wake one waiter of the shared futex at addr: all thread exit ever wakes. */
static void wake_one(struct task *t, uaddr_t addr)
{
	long n = futex_wake(t, addr, true, 1, LINUX_FUTEX_BITSET_MATCH_ANY);
	(void)n; /* nothing to do about a fault on the way out */
}

/*
 * The lock whose word is at addr, held by the dying t? Mark its owner
 * dead and wake a waiter (PI waiters get the lock in futex_pi_exit
 * instead). pending: the entry is list_op_pending. Returns 0, or -1 to
 * end the walk (bad word).
 */
static int handle_futex_death(struct task *t, uaddr_t addr, bool pi, bool pending)
{
	struct futex_key key;
	u32 uval, cur;

	/* Linux wakes with a shared key here; glibc's robust mutexes wait with one. */
	if (futex_key_get(t, addr, true, &key))
		return -1;
	struct futex_bucket *b = futex_bucket_of(&key);
	pthread_mutex_lock(&b->lock);
	for (;;) {
		if (futex_word_read(t->mm, addr, &uval))
			goto out_fault;
		/*
		 * Killed between releasing the word and waking, or a woken
		 * waiter killed before it took the word: the word is free and
		 * consistent, so just pass the wake-up on (no OWNER_DIED).
		 */
		if (pending && !pi && !uval) {
			pthread_mutex_unlock(&b->lock);
			wake_one(t, addr);
			return 0;
		}
		if ((uval & LINUX_FUTEX_TID_MASK) != (u32)t->tid)
			break;
		u32 mval = (uval & LINUX_FUTEX_WAITERS) | LINUX_FUTEX_OWNER_DIED;
		if (futex_word_cmpxchg(t->mm, addr, uval, mval, &cur))
			goto out_fault;
		if (cur != uval)
			continue;
		pthread_mutex_unlock(&b->lock);
		/* Wake even if OWNER_DIED was set already: a waiter may have died too. */
		if (!pi && (uval & LINUX_FUTEX_WAITERS))
			wake_one(t, addr);
		return 0;
	}
	pthread_mutex_unlock(&b->lock);
	return 0;
out_fault:
	pthread_mutex_unlock(&b->lock);
	return -1;
}

/* Read a robust-list pointer at addr: the entry, and bit 0 (a PI futex). */
static int fetch_robust_entry(struct task *t, u64 addr, u64 *entry, bool *pi)
{
	u64 v;
	if (mm_copy_from_user(t->mm, &v, uaddr(addr), sizeof(v)))
		return -EFAULT;
	*entry = v & ~1ULL;
	*pi = v & 1;
	return 0;
}

static void exit_robust_list(struct task *t)
{
	u64 head = t->robust_list, entry, next, pending;
	bool pi, next_pi, pending_pi;
	s64 off;
	unsigned limit = LINUX_ROBUST_LIST_LIMIT;

	if (fetch_robust_entry(t, head + offsetof(struct linux_robust_list_head, next), &entry,
			       &pi) ||
	    mm_copy_from_user(t->mm, &off,
			      uaddr(head + offsetof(struct linux_robust_list_head, futex_offset)),
			      sizeof(off)) ||
	    fetch_robust_entry(t, head + offsetof(struct linux_robust_list_head, list_op_pending),
			       &pending, &pending_pi))
		return;
	while (entry != head) {
		/* Fetch the next entry first: waking may let the list change. */
		int rc = fetch_robust_entry(t, entry, &next, &next_pi);
		/* The pending lock may be on the list already: handle it once. */
		if (entry != pending && handle_futex_death(t, uaddr(entry + (u64)off), pi, false))
			return;
		if (rc)
			return;
		entry = next;
		pi = next_pi;
		if (!--limit)
			break;
	}
	if (pending)
		(void)handle_futex_death(t, uaddr(pending + (u64)off), pending_pi, true);
}

void futex_exit_release(struct task *t, bool mm_shared)
{
	if (!t->mm)
		return;
	if (t->robust_list) {
		exit_robust_list(t);
		t->robust_list = 0;
	}
	futex_pi_exit(t);
	if (t->clear_child_tid && mm_shared) {
		u32 zero = 0;
		uaddr_t a = uaddr(t->clear_child_tid);
		/* A plain FUTEX_WAKE (shared key), as Linux's mm_release; glibc waits so. */
		if (!mm_copy_to_user(t->mm, a, &zero, sizeof(zero)))
			wake_one(t, a);
	}
	t->clear_child_tid = 0;
}

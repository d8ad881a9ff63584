// SPDX-License-Identifier: Apache-2.0
/*
 * PI futexes: FUTEX_LOCK_PI, FUTEX_TRYLOCK_PI and FUTEX_UNLOCK_PI with
 * Linux's word protocol (owner TID | FUTEX_WAITERS | FUTEX_OWNER_DIED),
 * and handing the locks of an exiting owner to their waiters.
 *
 * Linux attaches an rt_mutex to a contended PI word to boost the owner's
 * priority. The Sentry has no priorities to boost, so a contended PI lock
 * is a plain queue: waiters sleep in FIFO order and the unlocking owner
 * (or, at its exit, futex_pi_exit) writes the first waiter's TID into the
 * word and wakes it, which then returns owning the lock. Each PI waiter
 * records the TID it waits for, so an exiting owner finds its locks.
 */
#include <errno.h>

#include "abi/linux/futex.h"
#include "futex_internal.h"
#include "process.h"

int futex_pi_waiters;

enum pi_owner { PI_OWNER_LIVE, PI_OWNER_EXITING, PI_OWNER_NONE };

/*
 * What the TID in a PI word names: a live task, one on its way out (its
 * futex_exit_release may already have run, so waiting for it could be
 * for ever), or none. Takes k->lock (under the bucket lock: bucket locks
 * come before k->lock). A task outside any kernel (unit tests) sees
 * every owner live.
 */
static enum pi_owner pi_owner_state(struct task *t, u32 tid)
{
	struct kernel *k = t->k;
	enum pi_owner st = PI_OWNER_LIVE;

	if (!k)
		return st;
	pthread_mutex_lock(&k->lock);
	struct task *o = task_lookup_locked(k, (int)tid);
	if (!o)
		st = PI_OWNER_NONE;
	else if (__atomic_load_n(&o->exiting, __ATOMIC_SEQ_CST))
		st = PI_OWNER_EXITING;
	pthread_mutex_unlock(&k->lock);
	return st;
}

/* Every PI waiter on key now waits for owner. Bucket lock held. */
static void pi_set_owner_locked(struct futex_bucket *b, const struct futex_key *key, int owner)
{
	struct futex_waiter *w;
	list_for_each_entry(w, &b->waiters, node)
	{
		if (w->pi && futex_key_eq(&w->key, key))
			w->pi_owner = owner;
	}
}

/* w's task owns the lock now (its TID is in the word): wake it. Bucket lock held. */
static void pi_hand_over_locked(struct futex_bucket *b, struct futex_waiter *w)
{
	futex_wake_locked(w);
	pi_set_owner_locked(b, &w->key, w->t->tid);
}

/*
 * Take the PI word at addr for t, or prepare to wait for it. Returns 1
 * when t took it, 0 when *owner holds it (FUTEX_WAITERS is now set), or
 * -EBUSY when the owner is exiting (wait for it to be gone and retry, as
 * Linux's wait_for_owner_exiting), -EDEADLK, -ESRCH (the owner is gone
 * and did not mark the word OWNER_DIED), -EINVAL (non-PI waiters on the
 * word), -EFAULT. Bucket lock held.
 */
static int lock_pi_locked(struct task *t, struct futex_bucket *b, const struct futex_key *key,
			  uaddr_t addr, int *owner)
{
	u32 tid = (u32)t->tid, uval, cur, newval;
	struct futex_waiter *first = futex_first_waiter(b, key);

	if (first && !first->pi)
		return -EINVAL;
	for (;;) {
		if (futex_word_read(t->mm, addr, &uval))
			return -EFAULT;
		if ((uval & LINUX_FUTEX_TID_MASK) == tid)
			return -EDEADLK;
		if (!(uval & LINUX_FUTEX_TID_MASK)) {
			/* Free, or its owner died: take it, keeping OWNER_DIED for us to see. */
			newval = tid | (uval & LINUX_FUTEX_OWNER_DIED);
			if (first)
				newval |= LINUX_FUTEX_WAITERS;
		} else {
			/* Held: make the owner's unlock come to us. */
			newval = uval | LINUX_FUTEX_WAITERS;
		}
		if (newval != uval) {
			if (futex_word_cmpxchg(t->mm, addr, uval, newval, &cur))
				return -EFAULT;
			if (cur != uval)
				continue; /* the guest changed it: start over */
		}
		if (!(uval & LINUX_FUTEX_TID_MASK))
			return 1;
		*owner = (int)(uval & LINUX_FUTEX_TID_MASK);
		switch (pi_owner_state(t, (u32)*owner)) {
		case PI_OWNER_LIVE:
			return 0;
		case PI_OWNER_EXITING:
			return -EBUSY;
		default:
			/* Gone: unless the word changed meanwhile (retry), nobody will hand it on. */
			if (futex_word_read(t->mm, addr, &cur))
				return -EFAULT;
			if (cur != newval)
				continue;
			return -ESRCH;
		}
	}
}

int futex_lock_pi(struct task *t, uaddr_t addr, bool shared, bool trylock,
		  const struct timespec *deadline)
{
	struct futex_waiter w = {
		.bitset = LINUX_FUTEX_BITSET_MATCH_ANY,
		.pi = true,
		.uaddr = addr,
	};
	int ret = futex_key_get(t, addr, shared, &w.key);
	if (ret)
		return ret;
	struct futex_bucket *b = futex_bucket_of(&w.key);
	/* Counted before FUTEX_WAITERS can show: an owner exiting after that scans. */
	__atomic_fetch_add(&futex_pi_waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		pthread_mutex_lock(&b->lock);
		ret = lock_pi_locked(t, b, &w.key, addr, &w.pi_owner);
		if (ret != -EBUSY)
			break;
		pthread_mutex_unlock(&b->lock);
		/* The owner is exiting: give it a moment to finish, then look again. */
		struct timespec rel = {0, 1000000}, soon = deadline_after(&rel);
		if (task_sleep(t, &soon) == -EINTR) {
			__atomic_fetch_sub(&futex_pi_waiters, 1, __ATOMIC_SEQ_CST);
			return -EINTR;
		}
	}
	if (ret || trylock) {
		pthread_mutex_unlock(&b->lock);
		__atomic_fetch_sub(&futex_pi_waiters, 1, __ATOMIC_SEQ_CST);
		/* A failed trylock leaves FUTEX_WAITERS set, as Linux's does. */
		return ret == 1 ? 0 : ret ? ret : -EAGAIN;
	}
	futex_queue_locked(b, &w, t);
	pthread_mutex_unlock(&b->lock);
	/* Woken means handed the lock; a timeout or signal leaves it to others. */
	ret = futex_sleep(t, &w, deadline);
	__atomic_fetch_sub(&futex_pi_waiters, 1, __ATOMIC_SEQ_CST);
	return ret;
}

int futex_unlock_pi(struct task *t, uaddr_t addr, bool shared)
{
	struct futex_key key;
	u32 uval, cur, newval;
	int ret = futex_key_get(t, addr, shared, &key);
	if (ret)
		return ret;
	struct futex_bucket *b = futex_bucket_of(&key);
	pthread_mutex_lock(&b->lock);
	for (;;) {
		if ((ret = futex_word_read(t->mm, addr, &uval)))
			break;
		if ((uval & LINUX_FUTEX_TID_MASK) != (u32)t->tid) {
			ret = -EPERM;
			break;
		}
		struct futex_waiter *w = futex_first_waiter(b, &key);
		if (w && !w->pi) {
			ret = -EINVAL;
			break;
		}
		/* Hand over with WAITERS kept; OWNER_DIED is ours to drop, as Linux. */
		newval = w ? (u32)w->t->tid | LINUX_FUTEX_WAITERS : 0;
		if ((ret = futex_word_cmpxchg(t->mm, addr, uval, newval, &cur)))
			break;
		if (cur != uval)
			continue;
		if (w)
			pi_hand_over_locked(b, w);
		break;
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/*
 * The owner dead_tid of the lock w waits for exits: give the lock to w
 * if the word still names dead_tid (or no one, after the robust list
 * cleared it), keeping OWNER_DIED. Bucket lock held; w is still queued
 * on return only with its pi_owner changed, so scans make progress.
 */
static void pi_exit_hand_over_locked(struct futex_bucket *b, struct futex_waiter *w, int dead_tid)
{
	struct mm *mm = w->t->mm;
	u32 uval, cur, newval;

	for (;;) {
		if (futex_word_read(mm, w->uaddr, &uval))
			break;
		u32 owner = uval & LINUX_FUTEX_TID_MASK;
		if (owner && owner != (u32)dead_tid) {
			/* User space gave the lock to someone else: wait for them. */
			pi_set_owner_locked(b, &w->key, (int)owner);
			return;
		}
		newval = (u32)w->t->tid | LINUX_FUTEX_WAITERS | (uval & LINUX_FUTEX_OWNER_DIED);
		if (futex_word_cmpxchg(mm, w->uaddr, uval, newval, &cur))
			break;
		if (cur == uval) {
			pi_hand_over_locked(b, w);
			return;
		}
	}
	/* The word is gone: nobody will hand this lock on; leave the waiters to their timeouts. */
	pi_set_owner_locked(b, &w->key, 0);
}

void futex_pi_exit(struct task *t)
{
	/*
	 * Most sandboxes never contend a PI lock: skip the scan. The fence
	 * orders t->exiting, already set, before the load: a locker that
	 * counted itself after it either sees t exiting (and waits for it to
	 * be gone) or is seen here.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&futex_pi_waiters, __ATOMIC_SEQ_CST))
		return;
	for (unsigned i = 0; i < FUTEX_BUCKETS; i++) {
		struct futex_bucket *b = futex_bucket_nth(i);
		struct futex_waiter *w;
		pthread_mutex_lock(&b->lock);
	again:
		list_for_each_entry(w, &b->waiters, node)
		{
			if (w->pi && w->pi_owner == t->tid) {
				pi_exit_hand_over_locked(b, w, t->tid);
				goto again; /* the list changed */
			}
		}
		pthread_mutex_unlock(&b->lock);
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Futex internals shared by futex.c (keys, buckets, wait and wake),
 * futex_pi.c (PI locks) and futex_exit.c (robust lists, CLEARTID).
 *
 * A futex is found by its key in a bucket of a fixed hash table. Each
 * bucket has a lock and a list of waiters; a waiter lives on its task's
 * stack for the length of one wait.
 *
 * Waking: under the bucket lock the waker unlinks the waiter, sets its
 * woken flag and task_wake()s its task. The waiter sleeps until the flag
 * is set, and on its way out always takes the bucket lock once more
 * (futex_unqueue): that both resolves a wake racing with a timeout or a
 * signal (a wake that got there first wins, as in Linux) and guarantees
 * the waker has finished with the waiter and its task before the waiter's
 * stack frame and task can go away.
 *
 * Lock order: bucket lock (two at most, lower address first) > k->lock
 * (a PI owner's lookup) > mm->lock (reading and writing the futex word),
 * and bucket lock > task->sleep_lock (waking).
 */
#ifndef SENTRY_KERNEL_FUTEX_INTERNAL_H
#define SENTRY_KERNEL_FUTEX_INTERNAL_H

#include "futex.h"

enum futex_key_kind {
	FUTEX_KEY_PRIVATE,  /* FUTEX_PRIVATE_FLAG: (mm, address) */
	FUTEX_KEY_MMSHARED, /* shared op on private memory: (mm, address), as Linux */
	FUTEX_KEY_SHMEM,    /* MAP_SHARED memory: (shmem object, offset), Linux's (inode, pgoff) */
};

/*
 * What identifies a futex. Linux keeps private and shared keys of the
 * same private address apart (FUT_OFF_MMSHARED), so FUTEX_WAIT_PRIVATE is
 * not woken by a plain FUTEX_WAKE: kind keeps them apart here too. space
 * is compared, never dereferenced.
 */
struct futex_key {
	uintptr_t space;
	u64 addr;
	u32 kind;
};

/* Power of two. Linux sizes its table 256 per CPU; this is plenty for one sandbox. */
#define FUTEX_BUCKETS 1024

struct futex_bucket {
	pthread_mutex_t lock;
	struct list_head waiters; /* struct futex_waiter.node, FIFO */
};

struct futex_waiter {
	struct list_head node;
	struct futex_key key; /* changed by requeue, under both bucket locks */
	struct task *t;
	/*
	 * The bucket w is queued on: written under its lock (requeue moves
	 * it), read without one by futex_unqueue, which then checks it.
	 */
	struct futex_bucket *bucket;
	bool woken; /* unlinked by a waker: set under the bucket lock, read atomically */
	u32 bitset;
	/* LOCK_PI waiters: being woken hands them the lock. */
	bool pi;
	int pi_owner;  /* the TID that holds the lock it waits for */
	uaddr_t uaddr; /* the PI word, in t->mm */
};

/*
 * The key of the futex word at addr for t: -EINVAL if it is not 4-byte
 * aligned, -EFAULT outside the user half or, for a shared futex, if the
 * word cannot be read (Linux pins the page). May block (mm->lock).
 */
int futex_key_get(struct task *t, uaddr_t addr, bool shared, struct futex_key *key) __must_check;
struct futex_bucket *futex_bucket_of(const struct futex_key *key);
/* Bucket i (< FUTEX_BUCKETS) of the table, for scans. */
struct futex_bucket *futex_bucket_nth(unsigned i);
bool futex_key_eq(const struct futex_key *a, const struct futex_key *b);
/* Lock one bucket or two (the same one once), lower address first. */
void futex_lock2(struct futex_bucket *b1, struct futex_bucket *b2);
void futex_unlock2(struct futex_bucket *b1, struct futex_bucket *b2);

/* Queue w (key, bitset and PI fields already set) for t. Bucket lock held. */
void futex_queue_locked(struct futex_bucket *b, struct futex_waiter *w, struct task *t);
/* Unlink w, mark it woken and wake its task. Bucket lock held. */
void futex_wake_locked(struct futex_waiter *w);
/* The first waiter on key in b, or NULL. Bucket lock held. */
struct futex_waiter *futex_first_waiter(struct futex_bucket *b, const struct futex_key *key);
/*
 * Take w off its queue if no waker did. Returns true if it was still
 * queued, false if it had been woken. Takes the bucket lock.
 */
bool futex_unqueue(struct futex_waiter *w);
/*
 * Sleep until w is woken (0), the deadline passes (-ETIMEDOUT) or a
 * signal arrives (-EINTR); w is off its queue on return. A wake that
 * races with the timeout or the signal wins.
 */
int futex_sleep(struct task *t, struct futex_waiter *w, const struct timespec *deadline);

/*
 * The futex word, read and changed through mm. Each returns 0 or
 * -EFAULT. Callers hold the bucket lock of the word's key.
 *
 * TODO(mm): cmpxchg and op must be atomic against the guest's own
 * atomic instructions on the word, which needs an atomic operation on
 * the frame's host mapping that mm does not export yet. Until it does
 * they are a read then a write under the bucket lock: atomic against
 * every other futex operation in the Sentry, but a guest thread's
 * concurrent lock-prefixed update of the same word in between is lost.
 */
int futex_word_read(struct mm *mm, uaddr_t addr, u32 *val) __must_check;
/* If *addr == old, write new; *cur gets the value read either way. */
int futex_word_cmpxchg(struct mm *mm, uaddr_t addr, u32 old, u32 new, u32 *cur) __must_check;

/* PI waiters queued anywhere (atomic): lets thread exit skip the PI scan. */
extern int futex_pi_waiters;
/* Hand every PI lock t holds with waiters to its first waiter (t exits). */
void futex_pi_exit(struct task *t);

#endif

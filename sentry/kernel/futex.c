// SPDX-License-Identifier: Apache-2.0
/*
 * Futexes: keys, the bucket table, wait, wake, requeue, WAKE_OP and
 * waitv (see futex.h and futex_internal.h for the design).
 */
#include <errno.h>
#include <stdlib.h>

#include "abi/linux/futex.h"
#include "lib/log.h"
#include "futex_internal.h"

static struct futex_bucket buckets[FUTEX_BUCKETS];
static pthread_once_t buckets_once = PTHREAD_ONCE_INIT;

static void buckets_init(void)
{
	for (size_t i = 0; i < FUTEX_BUCKETS; i++) {
		pthread_mutex_init(&buckets[i].lock, NULL);
		list_init(&buckets[i].waiters);
	}
}

struct futex_bucket *futex_bucket_of(const struct futex_key *key)
{
	u64 h = key->space * 0x9e3779b97f4a7c15ULL ^ (key->addr >> 2) * 0xc2b2ae3d27d4eb4fULL;
	h ^= key->kind;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 29;
	pthread_once(&buckets_once, buckets_init);
	return &buckets[h & (FUTEX_BUCKETS - 1)];
}

struct futex_bucket *futex_bucket_nth(unsigned i)
{
	pthread_once(&buckets_once, buckets_init);
	return &buckets[i];
}

bool futex_key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr && a->kind == b->kind;
}

int futex_word_read(struct mm *mm, uaddr_t addr, u32 *val)
{
	return mm_copy_from_user(mm, val, addr, sizeof(*val)) ? -EFAULT : 0;
}

int futex_word_cmpxchg(struct mm *mm, uaddr_t addr, u32 old, u32 new, u32 *cur)
{
	/* Not atomic against the guest yet: see futex_internal.h. */
	int ret = futex_word_read(mm, addr, cur);
	if (ret || *cur != old)
		return ret;
	return mm_copy_to_user(mm, addr, &new, sizeof(new)) ? -EFAULT : 0;
}

/* The shared memory object and offset behind addr, if it is in MAP_SHARED memory. */
struct shared_word {
	u64 addr;
	struct shmem *shm;
	u64 off;
};

static int find_shared_word(void *arg, const struct mm_vma_info *v)
{
	struct shared_word *w = arg;
	if (v->end <= w->addr)
		return 0;
	/*
	 * Shared (VMA_SHARED, or VMA_MAYSHARE: a read-only MAP_SHARED file,
	 * whose pages are always the file's) and backed by an object. A
	 * private file mapping's pages become the process's own when
	 * written, so its key stays (mm, address).
	 */
	if (v->start <= w->addr && v->shared && v->shm) {
		w->shm = v->shm;
		w->off = v->shm_off + (w->addr - v->start);
	}
	return 1;
}

int futex_key_get(struct task *t, uaddr_t addr, bool shared, struct futex_key *key)
{
	if (addr.addr % sizeof(u32))
		return -EINVAL;
	if (!mm_access_ok(addr, sizeof(u32)))
		return -EFAULT;
	key->space = (uintptr_t)t->mm;
	key->addr = addr.addr;
	key->kind = FUTEX_KEY_PRIVATE;
	if (!shared)
		return 0;
	/*
	 * Linux pins the page for a shared key, so an unmapped word is EFAULT
	 * here even for FUTEX_WAKE.
	 */
	u32 v;
	if (futex_word_read(t->mm, addr, &v))
		return -EFAULT;
	struct shared_word w = {.addr = addr.addr};
	(void)mm_for_each_vma(t->mm, find_shared_word, &w);
	if (w.shm) {
		/*
		 * Compared, never dereferenced: a waiter whose object dies and
		 * whose address is reused can at worst be woken spuriously,
		 * which futex users must allow for anyway.
		 */
		key->space = (uintptr_t)w.shm;
		key->addr = w.off;
		key->kind = FUTEX_KEY_SHMEM;
		return 0;
	}
	key->kind = FUTEX_KEY_MMSHARED;
	return 0;
}

void futex_lock2(struct futex_bucket *b1, struct futex_bucket *b2)
{
	if (b1 > b2) {
		struct futex_bucket *b = b1;
		b1 = b2;
		b2 = b;
	}
	pthread_mutex_lock(&b1->lock);
	if (b2 != b1)
		pthread_mutex_lock(&b2->lock);
}

void futex_unlock2(struct futex_bucket *b1, struct futex_bucket *b2)
{
	pthread_mutex_unlock(&b1->lock);
	if (b2 != b1)
		pthread_mutex_unlock(&b2->lock);
}

void futex_queue_locked(struct futex_bucket *b, struct futex_waiter *w, struct task *t)
{
	w->t = t;
	w->woken = false;
	__atomic_store_n(&w->bucket, b, __ATOMIC_RELAXED);
	list_add_tail(&w->node, &b->waiters);
}

void futex_wake_locked(struct futex_waiter *w)
{
	list_del(&w->node);
	/*
	 * Flag before the wake-up, which the waiter's loop would otherwise
	 * sleep through. Touching w and its task after the flag is safe: the
	 * waiter takes this bucket's lock (futex_unqueue) before it returns.
	 */
	__atomic_store_n(&w->woken, true, __ATOMIC_RELEASE);
	task_wake(w->t);
}

struct futex_waiter *futex_first_waiter(struct futex_bucket *b, const struct futex_key *key)
{
	struct futex_waiter *w;
	list_for_each_entry(w, &b->waiters, node)
	{
		if (futex_key_eq(&w->key, key))
			return w;
	}
	return NULL;
}

bool futex_unqueue(struct futex_waiter *w)
{
	for (;;) {
		struct futex_bucket *b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
		pthread_mutex_lock(&b->lock);
		/* A requeue may have moved w while we waited for the lock. */
		if (b != __atomic_load_n(&w->bucket, __ATOMIC_RELAXED)) {
			pthread_mutex_unlock(&b->lock);
			continue;
		}
		bool queued = !w->woken;
		if (queued)
			list_del(&w->node);
		pthread_mutex_unlock(&b->lock);
		return queued;
	}
}

int futex_sleep(struct task *t, struct futex_waiter *w, const struct timespec *deadline)
{
	int ret = 0;
	while (!__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE)) {
		ret = task_sleep(t, deadline);
		if (ret)
			break;
	}
	/* Woken after all (even if a signal or the deadline came too): success. */
	if (!futex_unqueue(w))
		return 0;
	return ret;
}

int futex_wait(struct task *t, uaddr_t addr, bool shared, u32 val, u32 bitset,
	       const struct timespec *deadline)
{
	struct futex_waiter w = {.bitset = bitset};
	u32 cur;

	if (!bitset)
		return -EINVAL;
	int ret = futex_key_get(t, addr, shared, &w.key);
	if (ret)
		return ret;
	struct futex_bucket *b = futex_bucket_of(&w.key);
	/*
	 * Read the word and queue under the bucket lock: a waker changes the
	 * word before it takes the lock, so either we see its value or it
	 * sees us queued. That is the whole futex guarantee.
	 */
	pthread_mutex_lock(&b->lock);
	ret = futex_word_read(t->mm, addr, &cur);
	if (!ret && cur != val)
		ret = -EAGAIN;
	if (ret) {
		pthread_mutex_unlock(&b->lock);
		return ret;
	}
	futex_queue_locked(b, &w, t);
	pthread_mutex_unlock(&b->lock);
	return futex_sleep(t, &w, deadline);
}

/*
 * Wake up to nr (at least one) non-PI waiters on key whose bitset meets
 * bitset. Returns the number woken or -EINVAL if a PI waiter is found
 * (Linux refuses to mix the two kinds). Bucket lock held.
 */
static long wake_key_locked(struct futex_bucket *b, const struct futex_key *key, int nr, u32 bitset)
{
	struct futex_waiter *w, *next;
	long n = 0;

	list_for_each_entry_safe(w, next, &b->waiters, node)
	{
		if (!futex_key_eq(&w->key, key))
			continue;
		if (w->pi)
			return -EINVAL;
		if (!(w->bitset & bitset))
			continue;
		futex_wake_locked(w);
		if (++n >= nr)
			break;
	}
	return n;
}

long futex_wake(struct task *t, uaddr_t addr, bool shared, int nr, u32 bitset)
{
	struct futex_key key;

	if (!bitset)
		return -EINVAL;
	int ret = futex_key_get(t, addr, shared, &key);
	if (ret)
		return ret;
	struct futex_bucket *b = futex_bucket_of(&key);
	pthread_mutex_lock(&b->lock);
	long n = wake_key_locked(b, &key, nr, bitset);
	pthread_mutex_unlock(&b->lock);
	return n;
}

/* Move w from b1 to b2 and give it key2. Both bucket locks held. */
static void requeue_locked(struct futex_waiter *w, struct futex_bucket *b1, struct futex_bucket *b2,
			   const struct futex_key *key2)
{
	if (b1 != b2) {
		list_del(&w->node);
		list_add_tail(&w->node, &b2->waiters);
		__atomic_store_n(&w->bucket, b2, __ATOMIC_RELEASE);
	}
	w->key = *key2;
}

long futex_requeue(struct task *t, uaddr_t addr, uaddr_t addr2, bool shared, int nr_wake,
		   int nr_requeue, const u32 *cmpval)
{
	struct futex_key key1, key2;
	struct futex_waiter *w, *next;
	long n = 0, ret = 0;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	if ((ret = futex_key_get(t, addr, shared, &key1)) ||
	    (ret = futex_key_get(t, addr2, shared, &key2)))
		return ret;
	struct futex_bucket *b1 = futex_bucket_of(&key1), *b2 = futex_bucket_of(&key2);
	futex_lock2(b1, b2);
	if (cmpval) {
		u32 cur;
		ret = futex_word_read(t->mm, addr, &cur);
		if (!ret && cur != *cmpval)
			ret = -EAGAIN;
		if (ret)
			goto out_unlock;
	}
	list_for_each_entry_safe(w, next, &b1->waiters, node)
	{
		/* Linux's count: woken and moved together, nr_wake of them woken. */
		if (n - nr_wake >= nr_requeue)
			break;
		if (!futex_key_eq(&w->key, &key1))
			continue;
		if (w->pi) {
			ret = -EINVAL;
			break;
		}
		if (++n <= nr_wake)
			futex_wake_locked(w);
		else
			requeue_locked(w, b1, b2, &key2);
	}
out_unlock:
	futex_unlock2(b1, b2);
	return ret ? ret : n;
}

/*
 * Apply WAKE_OP's operation to *addr2 and evaluate its comparison on the
 * old value: 1 or 0, or -ENOSYS, -EFAULT. Both bucket locks held.
 */
static int wake_op_apply(struct mm *mm, uaddr_t addr2, u32 encoded)
{
	unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	/* oparg and cmparg are signed 12-bit fields. */
	s32 oparg = (s32)(encoded << 8) >> 20, cmparg = (s32)(encoded << 20) >> 20;
	u32 old, new;

	if (encoded & ((u32)LINUX_FUTEX_OP_OPARG_SHIFT << 28)) {
		if (oparg < 0 || oparg > 31) {
			/* Linux warns and masks rather than failing, so must we. */
			pr_warn_ratelimited("futex_wake_op: shift by %d masked to %d", oparg,
					    oparg & 31);
			oparg &= 31;
		}
		oparg = (s32)(1u << oparg);
	}
	if (op > LINUX_FUTEX_OP_XOR)
		return -ENOSYS;
	if (futex_word_read(mm, addr2, &old))
		return -EFAULT;
	switch (op) {
	case LINUX_FUTEX_OP_SET:
		new = (u32)oparg;
		break;
	case LINUX_FUTEX_OP_ADD:
		new = old + (u32)oparg;
		break;
	case LINUX_FUTEX_OP_OR:
		new = old | (u32)oparg;
		break;
	case LINUX_FUTEX_OP_ANDN:
		new = old & ~(u32)oparg;
		break;
	default:
		new = old ^ (u32)oparg;
		break;
	}
	/* Not atomic against the guest yet: see futex_internal.h. */
	if (mm_copy_to_user(mm, addr2, &new, sizeof(new)))
		return -EFAULT;
	s32 o = (s32)old;
	switch (cmp) {
	case LINUX_FUTEX_OP_CMP_EQ:
		return o == cmparg;
	case LINUX_FUTEX_OP_CMP_NE:
		return o != cmparg;
	case LINUX_FUTEX_OP_CMP_LT:
		return o < cmparg;
	case LINUX_FUTEX_OP_CMP_LE:
		return o <= cmparg;
	case LINUX_FUTEX_OP_CMP_GT:
		return o > cmparg;
	case LINUX_FUTEX_OP_CMP_GE:
		return o >= cmparg;
	default:
		return -ENOSYS; /* after the store, as Linux */
	}
}

long futex_wake_op(struct task *t, uaddr_t addr, uaddr_t addr2, bool shared, int nr_wake,
		   int nr_wake2, u32 op)
{
	struct futex_key key1, key2;
	long ret;

	if ((ret = futex_key_get(t, addr, shared, &key1)) ||
	    (ret = futex_key_get(t, addr2, shared, &key2)))
		return ret;
	struct futex_bucket *b1 = futex_bucket_of(&key1), *b2 = futex_bucket_of(&key2);
	futex_lock2(b1, b2);
	int op_ret = wake_op_apply(t->mm, addr2, op);
	if (op_ret < 0) {
		futex_unlock2(b1, b2);
		return op_ret;
	}
	ret = wake_key_locked(b1, &key1, nr_wake, LINUX_FUTEX_BITSET_MATCH_ANY);
	if (ret >= 0 && op_ret > 0) {
		long n2 = wake_key_locked(b2, &key2, nr_wake2, LINUX_FUTEX_BITSET_MATCH_ANY);
		ret = n2 < 0 ? n2 : ret + n2;
	}
	futex_unlock2(b1, b2);
	return ret;
}

/* Dequeue the first n waiters of ws: the index of the last that was woken, or -1. */
static int unqueue_multiple(struct futex_waiter *ws, unsigned n)
{
	int woken = -1;
	for (unsigned i = 0; i < n; i++)
		if (!futex_unqueue(&ws[i]))
			woken = (int)i;
	return woken;
}

static bool any_woken(struct futex_waiter *ws, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (__atomic_load_n(&ws[i].woken, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/*
 * Queue t on every word of v, checking each value as futex_wait does.
 * 0 when all are queued; 1 if a word queued earlier was woken before a
 * later one failed its check (*woken is its index: Linux reports it);
 * otherwise -EAGAIN or -EFAULT, with nothing left queued.
 */
static int queue_multiple(struct task *t, const struct futex_vec *v, struct futex_waiter *ws,
			  unsigned n, int *woken)
{
	for (unsigned i = 0; i < n; i++) {
		struct futex_bucket *b = futex_bucket_of(&ws[i].key);
		u32 cur;
		pthread_mutex_lock(&b->lock);
		int ret = futex_word_read(t->mm, v[i].addr, &cur);
		if (!ret && cur == v[i].val) {
			futex_queue_locked(b, &ws[i], t);
			pthread_mutex_unlock(&b->lock);
			continue;
		}
		pthread_mutex_unlock(&b->lock);
		*woken = unqueue_multiple(ws, i);
		if (*woken >= 0)
			return 1;
		return ret ? ret : -EAGAIN;
	}
	return 0;
}

int futex_wait_multiple(struct task *t, const struct futex_vec *v, unsigned n,
			const struct timespec *deadline)
{
	int ret = 0, woken;

	/* At most 128 words (FUTEX_WAITV_MAX, checked by the caller): 10 KiB. */
	struct futex_waiter *ws = calloc(n, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		ws[i].bitset = LINUX_FUTEX_BITSET_MATCH_ANY;
		if ((ret = futex_key_get(t, v[i].addr, v[i].shared, &ws[i].key)))
			goto out;
	}
	ret = queue_multiple(t, v, ws, n, &woken);
	if (ret) {
		if (ret > 0)
			ret = woken;
		goto out;
	}
	while (!any_woken(ws, n) && !(ret = task_sleep(t, deadline)))
		;
	woken = unqueue_multiple(ws, n);
	if (woken >= 0)
		ret = woken;
out:
	free(ws);
	return ret;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * File locks (sentry/vfs/locks.c) without a VM: files are bare struct
 * files on one fake inode, owners are arbitrary pointers, and blocking
 * tests run a fake task on its own host thread so waits really sleep.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "abi/linux/signal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/locks.h"
#include "sentry/vfs/vfs.h"

static const struct file_ops plain_ops;
static struct inode the_inode = {.refs = 1}; /* never freed: the test keeps a reference */
static int owner_a, owner_b;		     /* POSIX owners: only their addresses matter */

static struct file *file_new(void)
{
	struct file *f = file_alloc(sizeof(*f), &plain_ops);
	assert_non_null(f);
	f->inode = &the_inode;
	f->mode = FMODE_READ | FMODE_WRITE;
	return f;
}

static struct linux_flock fl_of(int type, s64 start, s64 len)
{
	return (struct linux_flock){
		.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
}

static int set(struct file *f, const void *owner, int type, s64 start, s64 len)
{
	struct linux_flock fl = fl_of(type, start, len);
	return vfs_lock_set(NULL, f, owner, 1, false, false, &fl);
}

/* What blocks a write lock of [start, start+len) for owner: "W 0+10 pid" or "U". */
static const char *blocking(struct file *f, const void *owner, s64 start, s64 len)
{
	static char s[64];
	struct linux_flock fl = fl_of(LINUX_F_WRLCK, start, len);
	assert_int_equal(vfs_lock_test(f, owner, false, &fl), 0);
	if (fl.l_type == LINUX_F_UNLCK)
		return "U";
	snprintf(s, sizeof(s), "%c %ld+%ld %d", fl.l_type == LINUX_F_WRLCK ? 'W' : 'R',
		 (long)fl.l_start, (long)fl.l_len, fl.l_pid);
	return s;
}

static void test_locks_split_merge(void **state)
{
	struct file *f = file_new();

	assert_int_equal(set(f, &owner_a, LINUX_F_WRLCK, 0, 100), 0);
	assert_int_equal(set(f, &owner_a, LINUX_F_UNLCK, 40, 20), 0);
	assert_string_equal(blocking(f, &owner_b, 0, 0), "W 0+40 1");
	assert_string_equal(blocking(f, &owner_b, 40, 20), "U");
	assert_string_equal(blocking(f, &owner_b, 40, 0), "W 60+40 1");
	assert_int_equal(set(f, &owner_a, LINUX_F_RDLCK, 30, 40), 0);
	assert_string_equal(blocking(f, &owner_b, 35, 1), "R 30+40 1");
	assert_int_equal(set(f, &owner_a, LINUX_F_WRLCK, 30, 40), 0);
	assert_int_equal(set(f, &owner_a, LINUX_F_WRLCK, 100, 0), 0);
	assert_string_equal(blocking(f, &owner_b, 0, 0), "W 0+0 1");
	assert_string_equal(blocking(f, &owner_a, 0, 0), "U");
	assert_int_equal(set(f, &owner_b, LINUX_F_RDLCK, 0, 1), -EAGAIN);
	locks_remove_posix(f, &owner_a);
	assert_string_equal(blocking(f, &owner_b, 0, 0), "U");
	file_put(f);
	assert_int_equal(the_inode.refs, 1);
}

static void test_locks_range_errors(void **state)
{
	struct file *f = file_new();
	struct linux_flock fl = fl_of(LINUX_F_WRLCK, INT64_MAX, 2);

	assert_int_equal(vfs_lock_set(NULL, f, &owner_a, 1, false, false, &fl), -EOVERFLOW);
	fl = fl_of(LINUX_F_WRLCK, 5, -6);
	assert_int_equal(vfs_lock_set(NULL, f, &owner_a, 1, false, false, &fl), -EINVAL);
	fl = fl_of(3, 0, 0);
	assert_int_equal(vfs_lock_set(NULL, f, &owner_a, 1, false, false, &fl), -EINVAL);
	fl = fl_of(LINUX_F_WRLCK, 0, 0);
	fl.l_whence = 3;
	assert_int_equal(vfs_lock_set(NULL, f, &owner_a, 1, false, false, &fl), -EINVAL);
	fl = fl_of(LINUX_F_WRLCK, 0, 0);
	fl.l_pid = 7;
	assert_int_equal(vfs_lock_set(NULL, f, &owner_a, 1, true, false, &fl), -EINVAL);
	f->mode = FMODE_READ;
	fl = fl_of(LINUX_F_WRLCK, 0, 0);
	assert_int_equal(vfs_lock_set(NULL, f, &owner_a, 1, false, false, &fl), -EBADF);
	file_put(f);
}

static void test_locks_ofd_and_flock(void **state)
{
	struct file *a = file_new(), *b = file_new();
	struct linux_flock fl = fl_of(LINUX_F_WRLCK, 0, 1);

	assert_int_equal(vfs_lock_set(NULL, a, NULL, 0, true, false, &fl), 0);
	assert_int_equal(vfs_lock_set(NULL, b, NULL, 0, true, false, &fl), -EAGAIN);
	assert_string_equal(blocking(b, &owner_a, 0, 0), "W 0+1 -1");
	locks_remove_posix(a, &owner_a); /* a POSIX close does not touch OFD locks */
	assert_string_equal(blocking(b, &owner_a, 0, 0), "W 0+1 -1");

	assert_int_equal(vfs_flock(NULL, a, LINUX_F_RDLCK, false), 0);
	assert_int_equal(vfs_flock(NULL, b, LINUX_F_RDLCK, false), 0);
	assert_int_equal(vfs_flock(NULL, b, LINUX_F_WRLCK, false), -EAGAIN);
	assert_int_equal(vfs_flock(NULL, a, LINUX_F_WRLCK, false), 0); /* b's went */
	assert_int_equal(vfs_flock(NULL, a, LINUX_F_WRLCK, false), 0);
	file_put(a); /* the last put drops the OFD and flock locks */
	assert_int_equal(vfs_flock(NULL, b, LINUX_F_WRLCK, false), 0);
	assert_string_equal(blocking(b, &owner_a, 0, 0), "U");
	file_put(b);
	assert_int_equal(the_inode.refs, 1);
}

struct waiter {
	struct task t;
	struct file *f;
	const void *owner;
	s64 start;
	int ret;
	bool done; /* atomic */
	pthread_t thread;
};

static void *waiter_run(void *arg)
{
	struct waiter *w = arg;
	struct linux_flock fl = fl_of(LINUX_F_WRLCK, w->start, 1);
	task_set_current(&w->t);
	w->ret = vfs_lock_set(&w->t, w->f, w->owner, 2, false, true, &fl);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void waiter_start(struct waiter *w, struct file *f, const void *owner, s64 start)
{
	memset(w, 0, sizeof(*w));
	task_sleep_init(&w->t);
	w->f = f;
	w->owner = owner;
	w->start = start;
	assert_int_equal(pthread_create(&w->thread, NULL, waiter_run, w), 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

static void test_locks_setlkw_wakes_and_deadlock(void **state)
{
	struct file *f = file_new();
	struct waiter w;

	assert_int_equal(set(f, &owner_a, LINUX_F_WRLCK, 0, 1), 0);
	waiter_start(&w, f, &owner_b, 0);
	sleep_ms(50);
	assert_false(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE));
	assert_int_equal(set(f, &owner_a, LINUX_F_UNLCK, 0, 1), 0);
	pthread_join(w.thread, NULL);
	assert_int_equal(w.ret, 0);
	assert_string_equal(blocking(f, &owner_a, 0, 0), "W 0+1 2");

	/* b holds byte 0; a holds byte 1 and waits for byte 0; b asks for byte 1. */
	assert_int_equal(set(f, &owner_a, LINUX_F_WRLCK, 1, 1), 0);
	waiter_start(&w, f, &owner_a, 0);
	sleep_ms(50);
	struct task tb = {0};
	task_sleep_init(&tb);
	struct linux_flock fl = fl_of(LINUX_F_WRLCK, 1, 1);
	assert_int_equal(vfs_lock_set(&tb, f, &owner_b, 2, false, true, &fl), -EDEADLK);
	locks_remove_owner(&owner_b);
	pthread_join(w.thread, NULL);
	assert_int_equal(w.ret, 0);
	locks_remove_owner(&owner_a);
	assert_string_equal(blocking(f, &owner_b, 0, 0), "U");
	file_put(f);
	assert_int_equal(the_inode.refs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks_split_merge),
		cmocka_unit_test(test_locks_range_errors),
		cmocka_unit_test(test_locks_ofd_and_flock),
		cmocka_unit_test(test_locks_setlkw_wakes_and_deadlock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Pipes, eventfds and the poll machinery (sentry/vfs/pipe.c, eventfd.c,
 * poll.c) without a VM: data goes through vfs_read/vfs_write with host
 * buffers, and blocking tests run a fake task on its own host thread
 * (task_current), so waits really sleep and writes really wake them.
 * Nothing assumes a sleeper is already asleep: each wake either finds it
 * queued or finds the condition already true.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "abi/linux/signal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/pipe.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"

static u8 big[128 * 1024];

static struct task *task_new(void)
{
	struct task *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	task_sleep_init(t);
	return t;
}

static void task_del(struct task *t)
{
	pthread_cond_destroy(&t->sleep_cond);
	pthread_mutex_destroy(&t->sleep_lock);
	free(t);
}

static void make_pipe(u32 flags, struct file *ends[2])
{
	assert_int_equal(pipe_create(flags, 1000, 1000, ends), 0);
}

static void put_ends(struct file *ends[2])
{
	file_put(ends[0]);
	file_put(ends[1]);
}

static void test_pipe_data_in_order(void **state)
{
	struct file *p[2];
	char buf[16] = {0};

	make_pipe(O_NONBLOCK, p);
	assert_int_equal(vfs_write(p[1], "hello", 5, NULL), 5);
	assert_int_equal(vfs_write(p[1], " world", 6, NULL), 6);
	assert_int_equal(vfs_read(p[0], buf, 3, NULL), 3);
	assert_int_equal(vfs_read(p[0], buf + 3, sizeof(buf) - 3, NULL), 8);
	assert_string_equal(buf, "hello world");
	assert_int_equal(vfs_read(p[0], buf, sizeof(buf), NULL), -EAGAIN);
	s64 pos = 0;
	assert_int_equal(vfs_read(p[0], buf, 1, &pos), -ESPIPE);
	assert_int_equal(vfs_write(p[1], buf, 1, &pos), -ESPIPE);
	put_ends(p);
}

static void test_pipe_capacity_by_pages(void **state)
{
	struct file *p[2];
	int n;

	make_pipe(O_NONBLOCK, p);
	for (n = 0; vfs_write(p[1], big, 1000, NULL) == 1000; n++)
		;
	/* Four 1000-byte writes share a page; a fifth does not fit whole. */
	assert_int_equal(n, 64);
	assert_int_equal(vfs_read(p[0], big, sizeof(big), NULL), 64000);
	put_ends(p);

	make_pipe(O_NONBLOCK, p);
	assert_int_equal(vfs_write(p[1], big, 70000, NULL), 65536);
	assert_int_equal(vfs_write(p[1], big, 1, NULL), -EAGAIN);
	put_ends(p);
}

static void test_pipe_pipe_buf_atomic(void **state)
{
	struct file *p[2];

	make_pipe(O_NONBLOCK, p);
	for (int i = 0; i < 15; i++)
		assert_int_equal(vfs_write(p[1], big, 4096, NULL), 4096);
	assert_int_equal(vfs_write(p[1], big, 3996, NULL), 3996);
	assert_int_equal(vfs_write(p[1], big, 200, NULL), -EAGAIN);
	assert_int_equal(vfs_write(p[1], big, 100, NULL), 100);
	assert_int_equal(vfs_write(p[1], big, 1, NULL), -EAGAIN);
	put_ends(p);
}

static void test_pipe_packets(void **state)
{
	struct file *p[2];
	char buf[16];

	make_pipe(O_NONBLOCK | O_DIRECT, p);
	assert_int_equal(vfs_write(p[1], "abc", 3, NULL), 3);
	assert_int_equal(vfs_write(p[1], "defgh", 5, NULL), 5);
	assert_int_equal(vfs_read(p[0], buf, sizeof(buf), NULL), 3);
	assert_int_equal(vfs_read(p[0], buf, 2, NULL), 2);
	assert_memory_equal(buf, "de", 2);
	assert_int_equal(vfs_read(p[0], buf, sizeof(buf), NULL), -EAGAIN);
	put_ends(p);
}

static void test_pipe_set_size(void **state)
{
	struct file *p[2];

	make_pipe(O_NONBLOCK, p);
	assert_int_equal(p[0]->ops->fcntl(p[0], LINUX_F_GETPIPE_SZ, 0), 65536);
	assert_int_equal(p[0]->ops->fcntl(p[0], LINUX_F_SETPIPE_SZ, 12288), 16384);
	assert_int_equal(p[1]->ops->fcntl(p[1], LINUX_F_SETPIPE_SZ, 0), 4096);
	assert_int_equal(vfs_write(p[1], big, 10000, NULL), 4096);
	assert_int_equal(p[0]->ops->fcntl(p[0], LINUX_F_SETPIPE_SZ, 1 << 20), 1 << 20);
	assert_int_equal(vfs_write(p[1], big, 8192, NULL), 8192);
	assert_int_equal(p[0]->ops->fcntl(p[0], LINUX_F_SETPIPE_SZ, 4096), -EBUSY);
	assert_int_equal(p[0]->ops->fcntl(p[0], LINUX_F_SETPIPE_SZ, 0x80000001u), -EINVAL);
	/* The data survives both resizes, in order. */
	memset(big, 0, sizeof(big));
	assert_int_equal(vfs_read(p[0], big, sizeof(big), NULL), 12288);
	put_ends(p);
}

static void test_pipe_poll_and_hangups(void **state)
{
	struct file *p[2];
	char c;

	make_pipe(O_NONBLOCK, p);
	assert_int_equal(vfs_poll(p[0], NULL), 0);
	assert_int_equal(vfs_poll(p[1], NULL), LINUX_POLLOUT | LINUX_POLLWRNORM);
	assert_int_equal(vfs_write(p[1], "x", 1, NULL), 1);
	assert_int_equal(vfs_poll(p[0], NULL), LINUX_POLLIN | LINUX_POLLRDNORM);
	file_put(p[1]);
	assert_int_equal(vfs_poll(p[0], NULL), LINUX_POLLIN | LINUX_POLLRDNORM | LINUX_POLLHUP);
	assert_int_equal(vfs_read(p[0], &c, 1, NULL), 1);
	assert_int_equal(vfs_read(p[0], &c, 1, NULL), 0);
	file_put(p[0]);

	make_pipe(0, p);
	file_put(p[0]);
	assert_int_equal(vfs_poll(p[1], NULL), LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLERR);
	assert_int_equal(vfs_write(p[1], "x", 1, NULL), -EPIPE);
	assert_int_equal(vfs_write(p[1], "x", 0, NULL), 0);
	file_put(p[1]);
}

static void test_pipe_no_task_cannot_block(void **state)
{
	struct file *p[2];
	char c;

	/* Unit tests run no task: a blocking read must not hang. */
	make_pipe(0, p);
	assert_null(task_current());
	assert_int_equal(vfs_read(p[0], &c, 1, NULL), -EAGAIN);
	put_ends(p);
}

/* A fake task doing one read or write on its own host thread. */
struct blocked {
	struct task *t;
	pthread_t thread;
	struct file *f;
	bool write;
	size_t len;
	ssize_t ret;
	char buf[8192];
};

static void *blocked_main(void *arg)
{
	struct blocked *b = arg;
	task_set_current(b->t);
	b->ret = b->write ? vfs_write(b->f, big, b->len, NULL)
			  : vfs_read(b->f, b->buf, b->len, NULL);
	return NULL;
}

static void blocked_start(struct blocked *b, struct file *f, bool write, size_t len)
{
	b->t = task_new();
	b->f = f;
	b->write = write;
	b->len = len;
	b->ret = 1234;
	assert_int_equal(pthread_create(&b->thread, NULL, blocked_main, b), 0);
}

static void blocked_join(struct blocked *b)
{
	assert_int_equal(pthread_join(b->thread, NULL), 0);
	task_del(b->t);
}

static void test_pipe_read_blocks_until_write(void **state)
{
	struct file *p[2];
	struct blocked b;

	make_pipe(0, p);
	blocked_start(&b, p[0], false, sizeof(b.buf));
	usleep(20000);
	assert_int_equal(b.ret, 1234);
	assert_int_equal(vfs_write(p[1], "ping", 4, NULL), 4);
	blocked_join(&b);
	assert_int_equal(b.ret, 4);
	assert_memory_equal(b.buf, "ping", 4);

	/* The last writer going away ends a blocked read with 0. */
	blocked_start(&b, p[0], false, 1);
	usleep(10000);
	file_put(p[1]);
	blocked_join(&b);
	assert_int_equal(b.ret, 0);
	file_put(p[0]);
}

static void test_pipe_write_blocks_until_room(void **state)
{
	struct file *p[2];
	struct blocked b;

	make_pipe(0, p);
	assert_int_equal(vfs_write(p[1], big, 65536, NULL), 65536);
	blocked_start(&b, p[1], true, 8192);
	usleep(20000);
	assert_int_equal(b.ret, 1234);
	/* Room comes a page at a time; the writer takes it until done. */
	assert_int_equal(vfs_read(p[0], big, 4096, NULL), 4096);
	assert_int_equal(vfs_read(p[0], big, 4096, NULL), 4096);
	blocked_join(&b);
	assert_int_equal(b.ret, 8192);

	/* The last reader going away ends a blocked write with EPIPE. */
	blocked_start(&b, p[1], true, 4096);
	usleep(10000);
	file_put(p[0]);
	blocked_join(&b);
	assert_int_equal(b.ret, -EPIPE);
	file_put(p[1]);
}

static void test_pipe_signal_interrupts_read(void **state)
{
	struct file *p[2];
	struct blocked b;

	make_pipe(0, p);
	blocked_start(&b, p[0], false, 1);
	usleep(10000);
	__atomic_store_n(&b.t->sigpending, 1, __ATOMIC_SEQ_CST);
	task_kick_sleep(b.t);
	blocked_join(&b);
	assert_int_equal(b.ret, -ERESTARTSYS);
	put_ends(p);
}

static void test_eventfd_counter(void **state)
{
	struct file *e = eventfd_create(3, O_NONBLOCK);
	u64 v;

	assert_false(IS_ERR(e));
	assert_int_equal(vfs_read(e, &v, 4, NULL), -EINVAL);
	assert_int_equal(vfs_read(e, &v, 8, NULL), 8);
	assert_int_equal(v, 3);
	assert_int_equal(vfs_read(e, &v, 8, NULL), -EAGAIN);
	assert_int_equal(vfs_poll(e, NULL), LINUX_POLLOUT);
	v = ~0ULL;
	assert_int_equal(vfs_write(e, &v, 8, NULL), -EINVAL);
	v = ~0ULL - 1;
	assert_int_equal(vfs_write(e, &v, 8, NULL), 8);
	assert_int_equal(vfs_poll(e, NULL), LINUX_POLLIN);
	v = 1;
	assert_int_equal(vfs_write(e, &v, 8, NULL), -EAGAIN);
	file_put(e);

	e = eventfd_create(2, O_NONBLOCK | LINUX_EFD_SEMAPHORE);
	assert_int_equal(vfs_read(e, &v, 8, NULL), 8);
	assert_int_equal(v, 1);
	assert_int_equal(vfs_read(e, &v, 8, NULL), 8);
	assert_int_equal(vfs_read(e, &v, 8, NULL), -EAGAIN);
	file_put(e);
}

static void test_eventfd_read_blocks_until_write(void **state)
{
	struct file *e = eventfd_create(0, 0);
	struct blocked b;
	u64 v = 5;

	blocked_start(&b, e, false, 8);
	usleep(10000);
	assert_int_equal(b.ret, 1234);
	assert_int_equal(vfs_write(e, &v, 8, NULL), 8);
	blocked_join(&b);
	assert_int_equal(b.ret, 8);
	memcpy(&v, b.buf, 8);
	assert_int_equal(v, 5);
	file_put(e);
}

/* A task in a poll-style wait on one file, on its own host thread. */
struct poller {
	struct task *t;
	pthread_t thread;
	struct file *f;
	u32 key;
	long timeout_ms;
	u32 mask;
	int sleeps;
};

static void *poller_main(void *arg)
{
	struct poller *pl = arg;
	struct poll_wqueues pw;
	struct timespec rel = {pl->timeout_ms / 1000, pl->timeout_ms % 1000 * 1000000};
	struct timespec deadline = deadline_after(&rel);

	task_set_current(pl->t);
	poll_wqueues_init(&pw, pl->t);
	pw.pt.key = pl->key;
	for (;;) {
		pl->mask = vfs_poll(pl->f, &pw.pt) & pl->key;
		poll_wqueues_stop(&pw);
		if (pl->mask)
			break;
		pl->sleeps++;
		if (poll_schedule(&pw, &deadline) == -ETIMEDOUT)
			break;
	}
	poll_wqueues_free(&pw);
	return NULL;
}

static void test_poll_woken_by_write(void **state)
{
	struct file *p[2];
	struct poller pl = {.key = LINUX_POLLIN | LINUX_POLLERR | LINUX_POLLHUP,
			    .timeout_ms = 10000};

	make_pipe(0, p);
	pl.t = task_new();
	pl.f = p[0];
	assert_int_equal(pthread_create(&pl.thread, NULL, poller_main, &pl), 0);
	usleep(20000);
	assert_int_equal(vfs_write(p[1], "x", 1, NULL), 1);
	assert_int_equal(pthread_join(pl.thread, NULL), 0);
	assert_int_equal(pl.mask, LINUX_POLLIN);
	task_del(pl.t);
	put_ends(p);
}

static void test_poll_times_out(void **state)
{
	struct file *p[2];
	struct poller pl = {.key = LINUX_POLLIN, .timeout_ms = 30};

	make_pipe(0, p);
	pl.t = task_new();
	pl.f = p[0];
	assert_int_equal(pthread_create(&pl.thread, NULL, poller_main, &pl), 0);
	assert_int_equal(pthread_join(pl.thread, NULL), 0);
	assert_int_equal(pl.mask, 0);
	task_del(pl.t);
	put_ends(p);
}

/* A file that cannot wake pollers (like a host fd): readable after a while. */
static struct timespec ready_at;

static u32 slow_poll(struct file *f, struct poll_table *pt)
{
	struct timespec now;
	poll_cannot_wake(pt);
	clock_gettime(CLOCK_MONOTONIC, &now);
	bool ready = now.tv_sec > ready_at.tv_sec ||
		     (now.tv_sec == ready_at.tv_sec && now.tv_nsec >= ready_at.tv_nsec);
	return ready ? LINUX_POLLIN : 0;
}

static const struct file_ops slow_ops = {.poll = slow_poll};

static void test_poll_repolls_files_that_cannot_wake(void **state)
{
	struct poller pl = {.key = LINUX_POLLIN, .timeout_ms = 10000};
	struct file *f = file_alloc(sizeof(*f), &slow_ops);

	ready_at = deadline_after(&(struct timespec){0, 50000000});
	pl.t = task_new();
	pl.f = f;
	assert_int_equal(pthread_create(&pl.thread, NULL, poller_main, &pl), 0);
	assert_int_equal(pthread_join(pl.thread, NULL), 0);
	assert_int_equal(pl.mask, LINUX_POLLIN);
	/* Looked again every POLL_REPOLL_NS, not once at the 10 s deadline. */
	assert_true(pl.sleeps >= 2);
	task_del(pl.t);
	file_put(f);
}

static void test_poll_default_mask(void **state)
{
	static const struct file_ops none = {0};
	struct file *f = file_alloc(sizeof(*f), &none);
	assert_int_equal(vfs_poll(f, NULL), POLL_DEFAULT_MASK);
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_data_in_order),
		cmocka_unit_test(test_pipe_capacity_by_pages),
		cmocka_unit_test(test_pipe_pipe_buf_atomic),
		cmocka_unit_test(test_pipe_packets),
		cmocka_unit_test(test_pipe_set_size),
		cmocka_unit_test(test_pipe_poll_and_hangups),
		cmocka_unit_test(test_pipe_no_task_cannot_block),
		cmocka_unit_test(test_pipe_read_blocks_until_write),
		cmocka_unit_test(test_pipe_write_blocks_until_room),
		cmocka_unit_test(test_pipe_signal_interrupts_read),
		cmocka_unit_test(test_eventfd_counter),
		cmocka_unit_test(test_eventfd_read_blocks_until_write),
		cmocka_unit_test(test_poll_woken_by_write),
		cmocka_unit_test(test_poll_times_out),
		cmocka_unit_test(test_poll_repolls_files_that_cannot_wake),
		cmocka_unit_test(test_poll_default_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

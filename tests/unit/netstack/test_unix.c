// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX socketpairs (netstack/unix*.c) without a VM or a task: data
 * through the socket file's read/write and the provider's sendmsg/recvmsg
 * with kernel buffers. With no task, every wait is -EAGAIN, so these are
 * the nonblocking paths: stream gluing, record boundaries, a full buffer,
 * poll masks, shutdown, and files in flight freed with the queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netstack/socket.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"

static u8 big[256 * 1024];

static void make_pair(int type, struct socket *s[2])
{
	assert_int_equal(socket_create_pair(NULL, LINUX_AF_UNIX, type, 0, O_NONBLOCK, s), 0);
}

static void put_pair(struct socket *s[2])
{
	file_put(&s[0]->file);
	file_put(&s[1]->file);
}

static void test_unix_stream_glues_writes(void **state)
{
	struct socket *s[2];
	char buf[16] = {0};
	make_pair(LINUX_SOCK_STREAM, s);
	assert_int_equal(vfs_write(&s[0]->file, "abc", 3, NULL), 3);
	assert_int_equal(vfs_write(&s[0]->file, "de", 2, NULL), 2);
	assert_int_equal(vfs_read(&s[1]->file, buf, sizeof(buf), NULL), 5);
	assert_memory_equal(buf, "abcde", 5);
	assert_int_equal(vfs_read(&s[1]->file, buf, sizeof(buf), NULL), -EAGAIN);
	put_pair(s);
}

static void test_unix_dgram_keeps_boundaries(void **state)
{
	struct socket *s[2];
	char buf[16] = {0};
	make_pair(LINUX_SOCK_DGRAM, s);
	assert_int_equal(vfs_write(&s[0]->file, "abc", 3, NULL), 3);
	assert_int_equal(vfs_write(&s[0]->file, "de", 2, NULL), 2);
	assert_int_equal(vfs_read(&s[1]->file, buf, 2, NULL), 2);
	assert_int_equal(vfs_read(&s[1]->file, buf, sizeof(buf), NULL), 2);
	assert_memory_equal(buf, "de", 2);
	put_pair(s);
}

static void test_unix_stream_full_then_drained(void **state)
{
	struct socket *s[2];
	long total = 0, n;
	make_pair(LINUX_SOCK_STREAM, s);
	assert_true(vfs_poll(&s[0]->file, NULL) & LINUX_POLLOUT);
	while ((n = vfs_write(&s[0]->file, big, sizeof(big), NULL)) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	assert_false(vfs_poll(&s[0]->file, NULL) & LINUX_POLLOUT);
	assert_true(vfs_poll(&s[1]->file, NULL) & LINUX_POLLIN);
	long got = 0;
	while ((n = vfs_read(&s[1]->file, big, sizeof(big), NULL)) > 0)
		got += n;
	assert_int_equal(got, total);
	assert_true(vfs_poll(&s[0]->file, NULL) & LINUX_POLLOUT);
	put_pair(s);
}

static void test_unix_shutdown_and_close(void **state)
{
	struct socket *s[2];
	char c;
	make_pair(LINUX_SOCK_STREAM, s);
	assert_int_equal(s[0]->ops->shutdown(s[0], LINUX_SHUT_WR), 0);
	assert_int_equal(vfs_read(&s[1]->file, &c, 1, NULL), 0);
	assert_true(vfs_poll(&s[1]->file, NULL) & LINUX_POLLRDHUP);
	assert_int_equal(vfs_write(&s[0]->file, "x", 1, NULL), -EPIPE);
	file_put(&s[0]->file);
	assert_true(vfs_poll(&s[1]->file, NULL) & LINUX_POLLHUP);
	assert_int_equal(vfs_write(&s[1]->file, "x", 1, NULL), -EPIPE);
	file_put(&s[1]->file);
}

static int released;

static void counting_release(struct file *f)
{
	released++;
}

static const struct file_ops counting_ops = {.release = counting_release};

/* Send f (reference consumed) over s with one byte of data. */
static void send_file(struct socket *s, struct file *f)
{
	struct scm scm = {.nfiles = 1, .files = {f}};
	struct linux_iovec kiov;
	struct sock_msg m = {.scm = &scm};
	msg_iter_init_kernel(&m.iter, &kiov, "F", 1);
	assert_int_equal(s->ops->sendmsg(s, &m, LINUX_MSG_DONTWAIT), 1);
	assert_int_equal(scm.nfiles, 0); /* the message took it */
}

static void test_unix_files_in_flight_freed(void **state)
{
	struct socket *s[2];
	released = 0;
	make_pair(LINUX_SOCK_STREAM, s);
	send_file(s[0], file_alloc(sizeof(struct file), &counting_ops));
	assert_int_equal(released, 0);
	/* The receiver goes with the file still queued: it is dropped. */
	put_pair(s);
	assert_int_equal(released, 1);
}

static void test_unix_files_received(void **state)
{
	struct socket *s[2];
	struct scm got = {0};
	struct linux_iovec kiov;
	char c;
	struct sock_msg m = {.scm = &got};
	released = 0;
	make_pair(LINUX_SOCK_DGRAM, s);
	send_file(s[0], file_alloc(sizeof(struct file), &counting_ops));
	msg_iter_init_kernel(&m.iter, &kiov, &c, 1);
	assert_int_equal(s[1]->ops->recvmsg(s[1], &m, LINUX_MSG_DONTWAIT), 1);
	assert_int_equal(got.nfiles, 1);
	put_pair(s);
	assert_int_equal(released, 0);
	scm_release(&got);
	assert_int_equal(released, 1);
}

static void test_unix_socket_in_flight_to_its_peer(void **state)
{
	struct socket *s[2];
	make_pair(LINUX_SOCK_STREAM, s);
	/*
	 * s[0] waits in s[1]'s queue: closing s[0] keeps it, closing s[1]
	 * drops it from the queue, which releases s[0] (unix_lock is not held).
	 */
	send_file(s[0], file_get(&s[0]->file));
	put_pair(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix_stream_glues_writes),
		cmocka_unit_test(test_unix_dgram_keeps_boundaries),
		cmocka_unit_test(test_unix_stream_full_then_drained),
		cmocka_unit_test(test_unix_shutdown_and_close),
		cmocka_unit_test(test_unix_files_in_flight_freed),
		cmocka_unit_test(test_unix_files_received),
		cmocka_unit_test(test_unix_socket_in_flight_to_its_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

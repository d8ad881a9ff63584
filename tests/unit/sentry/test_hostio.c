// SPDX-License-Identifier: Apache-2.0
/*
 * hostio (sentry/vfs/hostio.c) against the host's real io_uring: stream
 * and positioned I/O on a host file, and stream writes that a storm of
 * host signals hits while each comes from a fresh thread.
 *
 * The storm is what the platform's kicks do to a Sentry thread: io_uring
 * starts a thread's first io-wq worker inside the submit, thread creation
 * fails while a signal is pending, and after a few tries io-wq cancels
 * the request unrun. hostio must send it again, not return -ECANCELED,
 * and close each thread's ring when the thread ends.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sentry/vfs/file.h"

/* Fresh threads, each one first write: enough that an unretried cancel shows. */
#define WRITERS 2000

static int tmpfile_fd(void)
{
	char path[] = "/tmp/test_hostio.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void test_hostio_stream_and_positioned(void **state)
{
	(void)state;
	int fd = tmpfile_fd();
	assert_int_equal(hostio_write(fd, "hello ", 6, NULL), 6);
	assert_int_equal(hostio_write(fd, "world", 5, NULL), 5);
	/* Stream I/O moved the descriptor's offset; positioned I/O does not. */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 11);
	s64 pos = 6;
	assert_int_equal(hostio_write(fd, "WORLD", 5, &pos), 5);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 11);

	char buf[16] = {0};
	pos = 0;
	assert_int_equal(hostio_read(fd, buf, sizeof(buf), &pos), 11);
	assert_memory_equal(buf, "hello WORLD", 11);
	pos = 11;
	assert_int_equal(hostio_read(fd, buf, sizeof(buf), &pos), 0); /* end of file */
	assert_int_equal(hostio_read(-1, buf, 1, NULL), -EBADF);
	close(fd);
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void on_storm(int sig)
{
	(void)sig;
}

/* The storm signals writer while armed; lock guards both. */
struct storm {
	int fd;
	int sig;
	pthread_mutex_t lock;
	pthread_t writer;
	bool armed;
	ssize_t result;
	int done; /* atomic: the writer has its result */
	int stop; /* atomic */
};

static void *storm_main(void *arg)
{
	struct storm *s = arg;
	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&s->lock);
		if (s->armed) /* an exited writer not yet joined is still valid */
			pthread_kill(s->writer, s->sig);
		pthread_mutex_unlock(&s->lock);
		/* Dense, not constant: a signal always pending starves the retries. */
		usleep(20);
	}
	return NULL;
}

static void *writer_main(void *arg)
{
	struct storm *s = arg;
	s->result = hostio_write(s->fd, "x\n", 2, NULL);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_hostio_write_survives_a_signal_storm(void **state)
{
	(void)state;
	struct storm s = {
		.fd = tmpfile_fd(), .sig = SIGRTMIN + 1, .lock = PTHREAD_MUTEX_INITIALIZER};
	struct sigaction sa = {.sa_handler = on_storm, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(s.sig, &sa, NULL), 0);

	int fds_before = open_fds();
	pthread_t storm;
	assert_int_equal(pthread_create(&storm, NULL, storm_main, &s), 0);
	int short_or_failed = 0;
	for (int i = 0; i < WRITERS; i++) {
		__atomic_store_n(&s.done, 0, __ATOMIC_SEQ_CST);
		pthread_mutex_lock(&s.lock);
		assert_int_equal(pthread_create(&s.writer, NULL, writer_main, &s), 0);
		s.armed = true;
		pthread_mutex_unlock(&s.lock);
		while (!__atomic_load_n(&s.done, __ATOMIC_SEQ_CST))
			sched_yield();
		/* Disarmed before the join: a joined thread must not be signalled. */
		pthread_mutex_lock(&s.lock);
		s.armed = false;
		pthread_mutex_unlock(&s.lock);
		pthread_join(s.writer, NULL);
		if (s.result != 2) {
			print_error("writer %d: hostio_write returned %zd\n", i, s.result);
			short_or_failed++;
		}
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(storm, NULL);
	assert_int_equal(short_or_failed, 0);
	/* Each writer's ring was closed when its thread ended. */
	assert_int_equal(open_fds(), fds_before);

	struct stat st;
	assert_int_equal(fstat(s.fd, &st), 0);
	assert_int_equal(st.st_size, 2 * WRITERS);
	close(s.fd);
	signal(s.sig, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostio_stream_and_positioned),
		cmocka_unit_test(test_hostio_write_survives_a_signal_storm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Blocking pipes, eventfds and polls, woken by a second thread: a read
 * waits for a write, a write for room, poll and select for either; two
 * writers' records of at most PIPE_BUF bytes never interleave; a
 * signal ends a wait with EINTR (no SA_RESTART) or restarts it; ppoll and
 * pselect take a signal their mask unblocks, then block it again.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static char big[70000];

static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

struct action {
	int fd;
	bool write;
	size_t len;
	long delay_ms;
	pthread_t thread;
	long ret;
};

/* After a delay, one read or write on another thread. */
static void *act(void *arg)
{
	struct action *a = arg;
	static char sink[70000];
	sleep_ms(a->delay_ms);
	a->ret = a->write ? write(a->fd, big, a->len) : read(a->fd, sink, a->len);
	return NULL;
}

static void later(struct action *a, int fd, bool write, size_t len, long delay_ms)
{
	*a = (struct action){.fd = fd, .write = write, .len = len, .delay_ms = delay_ms};
	pthread_create(&a->thread, NULL, act, a);
}

static long done(struct action *a)
{
	pthread_join(a->thread, NULL);
	return a->ret;
}

static void test_pipe_blocking(void)
{
	int fds[2];
	struct action a;
	char buf[16];

	pipe(fds);
	later(&a, fds[1], true, 5, 30);
	expect_ret(read(fds[0], buf, sizeof(buf)), 5, "read blocks until another thread writes");
	expect_ret(done(&a), 5, "...that write");

	static char page[4096];
	later(&a, fds[1], true, sizeof(big), 0);
	long got = 0, r;
	sleep_ms(30);
	while (got < (long)sizeof(big) && (r = read(fds[0], page, sizeof(page))) > 0)
		got += r;
	expect_ret(got, sizeof(big), "a write larger than the pipe: read it all");
	expect_ret(done(&a), sizeof(big), "...the blocked write returns all of it");
	close(fds[1]);
	expect_ret(read(fds[0], buf, sizeof(buf)), 0, "read after the writer closed: 0");
	close(fds[0]);
}

static void *close_later(void *arg)
{
	sleep_ms(30);
	close((int)(long)arg);
	return NULL;
}

static void test_poll_blocking(void)
{
	int fds[2];
	struct action a;
	char c;

	pipe(fds);
	struct pollfd p = {fds[0], POLLIN, 0};
	later(&a, fds[1], true, 1, 30);
	expect_ret(poll(&p, 1, 5000), 1, "poll waits for another thread's write");
	expect_ret(p.revents, POLLIN, "...POLLIN");
	done(&a);
	read(fds[0], &c, 1);

	fd_set r;
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	later(&a, fds[1], true, 1, 30);
	expect_ret(select(fds[0] + 1, &r, NULL, NULL, NULL), 1, "select waits for a write");
	done(&a);
	read(fds[0], &c, 1);

	pthread_t t;
	p = (struct pollfd){fds[0], POLLIN, 0};
	pthread_create(&t, NULL, close_later, (void *)(long)fds[1]);
	expect_ret(poll(&p, 1, 5000), 1, "poll wakes when the writer closes");
	expect_ret(p.revents, POLLHUP, "...with POLLHUP");
	pthread_join(t, NULL);
	close(fds[0]);
}

struct writer {
	int fd;
	char c;
	pthread_t thread;
};

#define RECORD 1000
#define RECORDS 200

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char rec[RECORD];
	memset(rec, w->c, sizeof(rec));
	for (int i = 0; i < RECORDS; i++)
		if (write(w->fd, rec, sizeof(rec)) != sizeof(rec))
			break;
	return NULL;
}

/* Writes of at most PIPE_BUF bytes never interleave, however two writers race. */
static void test_two_writers(void)
{
	static char all[2 * RECORDS * RECORD];
	struct writer w[2];
	int fds[2];
	long got = 0, r;

	pipe(fds);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct writer){.fd = fds[1], .c = (char)('a' + i)};
		pthread_create(&w[i].thread, NULL, writer_main, &w[i]);
	}
	while (got < (long)sizeof(all) && (r = read(fds[0], all + got, 4096)) > 0)
		got += r;
	for (int i = 0; i < 2; i++)
		pthread_join(w[i].thread, NULL);
	expect_ret(got, sizeof(all), "two writers, %d records of %d bytes each: all read", RECORDS,
		   RECORD);
	int whole = 0, count[2] = {0, 0};
	for (long off = 0; off < got; off += RECORD) {
		char c = all[off];
		bool same = (c == 'a' || c == 'b');
		for (int j = 1; j < RECORD && same; j++)
			same = all[off + j] == c;
		if (same) {
			whole++;
			count[c - 'a']++;
		}
	}
	expect_ret(whole, 2 * RECORDS, "...every record in one piece");
	check(count[0] == RECORDS && count[1] == RECORDS, "...%d from each writer", RECORDS);
	close(fds[0]);
	close(fds[1]);
}

static void test_eventfd_blocking(void)
{
	int fd = eventfd(0, 0);
	struct action a;
	uint64_t v = 0;

	memset(big, 0, 8);
	big[0] = 3;
	later(&a, fd, true, 8, 30);
	expect_ret(read(fd, &v, 8), 8, "eventfd read waits for a write");
	expect_ret(v, 3, "...and gets its value");
	done(&a);

	v = UINT64_MAX - 1;
	write(fd, &v, 8);
	later(&a, fd, false, 8, 30);
	v = 1;
	expect_ret(write(fd, &v, 8), 8, "eventfd write at the limit waits for a read");
	expect_ret(done(&a), 8, "...that read");
	expect_ret(read(fd, &v, 8), 8, "read what the blocked write added");
	expect_ret(v, 1, "...1");
	close(fd);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

/* SIGUSR1 to a thread every 20 ms until told to stop: a wait cannot miss it. */
struct kicker {
	pthread_t target, thread;
	volatile bool stop;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;
	while (!k->stop) {
		sleep_ms(20);
		pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

static void kick_start(struct kicker *k)
{
	k->target = pthread_self();
	k->stop = false;
	pthread_create(&k->thread, NULL, kick, k);
}

static void kick_stop(struct kicker *k)
{
	k->stop = true;
	pthread_join(k->thread, NULL);
}

static void test_signals(void)
{
	int fds[2];
	char c;
	struct kicker k;
	struct sigaction sa = {.sa_handler = on_usr1};

	pipe(fds);
	sigaction(SIGUSR1, &sa, NULL);
	kick_start(&k);
	expect_err(read(fds[0], &c, 1), EINTR, "a signal ends a blocked read: EINTR");
	struct pollfd p = {fds[0], POLLIN, 0};
	expect_err(poll(&p, 1, 5000), EINTR, "a signal ends poll: EINTR");
	kick_stop(&k);

	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	struct action a;
	later(&a, fds[1], true, 1, 100);
	kick_start(&k);
	expect_ret(read(fds[0], &c, 1), 1, "SA_RESTART: the read restarts and gets the data");
	expect_err(poll(&p, 1, 5000), EINTR, "SA_RESTART: poll still fails with EINTR");
	kick_stop(&k);
	done(&a);
	close(fds[0]);
	close(fds[1]);
}

/* The pselect pattern: a signal blocked outside the wait is taken inside it. */
static void test_wait_with_mask(void)
{
	int fds[2];
	sigset_t usr1, empty, now;
	struct sigaction sa = {.sa_handler = on_usr1};

	pipe(fds);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	handled = 0;
	raise(SIGUSR1);
	check(handled == 0, "SIGUSR1 blocked: pending, not handled");
	struct pollfd p = {fds[0], POLLIN, 0};
	expect_err(ppoll(&p, 1, NULL, &empty), EINTR, "ppoll with it unblocked: EINTR");
	check(handled == 1, "...the handler ran once");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR1), "...and SIGUSR1 is blocked again after it");

	handled = 0;
	raise(SIGUSR1);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	expect_err(pselect(fds[0] + 1, &r, NULL, NULL, NULL, &empty), EINTR,
		   "pselect with it unblocked: EINTR");
	check(handled == 1, "...the handler ran once");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR1), "...and SIGUSR1 is blocked again after it");

	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	guest_start("pipe_block");
	test_pipe_blocking();
	test_poll_blocking();
	test_two_writers();
	test_eventfd_blocking();
	test_signals();
	test_wait_with_mask();
	return guest_finish();
}

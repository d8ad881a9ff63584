// SPDX-License-Identifier: Apache-2.0
/*
 * A thread blocked reading stdin (a pipe nobody writes) must not stop the
 * rest of the process, and a signal must end its read: EINTR without
 * SA_RESTART; with SA_RESTART the read goes on. Exiting with the reader
 * still blocked ends the process at once.
 *
 * Not a difftest program: it needs stdin to be a pipe whose writer stays
 * open, which tests/integration/stdin.sh sets up, natively and under runsk.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "guest_test.h"

static volatile int handled, read_done;
static ssize_t read_ret;
static int read_errno;

static void on_signal(int sig GUEST_UNUSED)
{
	handled++;
}

static void *reader(void *arg GUEST_UNUSED)
{
	char c;
	read_ret = read(0, &c, 1);
	read_errno = errno;
	__atomic_store_n(&read_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Start a reader, let it block, signal it; returns whether its read ended. */
static bool signal_blocked_reader(int flags, pthread_t *th)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = flags};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	handled = 0;
	read_done = 0;
	pthread_create(th, NULL, reader, NULL);
	pause_ms(300);
	check(!read_done, "a reader of an empty stdin pipe blocks");
	/* This thread got here while the other waits: the wait holds no vCPU. */
	pthread_kill(*th, SIGUSR1);
	for (int i = 0; i < 100 && !handled; i++)
		pause_ms(10);
	check(handled == 1, "the signal's handler ran while the reader waits");
	pause_ms(300);
	return read_done;
}

int main(void)
{
	pthread_t th;

	guest_start("stdin_block");
	bool ended = signal_blocked_reader(0, &th);
	check(ended, "a signal without SA_RESTART ends the read");
	if (ended) {
		pthread_join(th, NULL);
		errno = read_errno;
		expect_err(read_ret, EINTR, "the interrupted read");
	}
	ended = signal_blocked_reader(SA_RESTART, &th);
	check(!ended, "after an SA_RESTART handler the read goes on");
	/* The reader is still blocked: exit_group must end it too. */
	return guest_finish();
}

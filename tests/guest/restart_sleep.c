// SPDX-License-Identifier: Apache-2.0
/*
 * Sleeps a signal interrupts, as Linux's restart_block does them: stopped
 * by SIGSTOP and continued by SIGCONT (no handler runs), nanosleep,
 * relative and absolute clock_nanosleep, poll and a timed FUTEX_WAIT go on
 * through restart_syscall to the end time they had, not their whole
 * timeout again, and not EINTR. With a handler they return EINTR, SA_RESTART
 * or not (signal(7)), nanosleep with the time left in rem. A
 * restart_syscall with nothing to restart is EINTR.
 *
 * Timing: each sleep is 2 s, stopped at about 0.3 s for about 0.5 s. A
 * right sleep ends at 2 s; one that started again ends at 2.8 s or later.
 * The bounds allow 0.6 s of lateness, for slow (emulated) machines.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "guest_test.h"

#define FUTEX_WAIT_PRIVATE_OP 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG; musl has no linux/futex.h */
#define SLEEP_NS 2000000000LL
#define LATE_NS 600000000LL

enum { ACT_STOP_CONT, ACT_HANDLER, ACT_STOP_CONT_HANDLED };

static volatile sig_atomic_t handled;

static void on_sig(int sig)
{
	(void)sig;
	handled++;
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	return (struct timespec){ns / 1000000000LL, ns % 1000000000LL};
}

/* Each sleep: returns 0, or the errno; *rem_ns is what it said was left (or -1). */
static int do_nanosleep(int64_t *rem_ns)
{
	struct timespec req = ns_ts(SLEEP_NS), rem = {99, 0};
	int r = nanosleep(&req, &rem) ? errno : 0;
	*rem_ns = rem.tv_sec == 99 ? -1 : rem.tv_sec * 1000000000LL + rem.tv_nsec;
	return r;
}

static int do_clock_rel(int64_t *rem_ns)
{
	struct timespec req = ns_ts(SLEEP_NS), rem = {99, 0};
	int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	*rem_ns = rem.tv_sec == 99 ? -1 : rem.tv_sec * 1000000000LL + rem.tv_nsec;
	return r;
}

static int do_clock_abs(int64_t *rem_ns)
{
	struct timespec req = ns_ts(now_ns(CLOCK_MONOTONIC) + SLEEP_NS);
	*rem_ns = -1;
	return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL);
}

static int do_poll(int64_t *rem_ns)
{
	*rem_ns = -1;
	int r = poll(NULL, 0, (int)(SLEEP_NS / 1000000));
	return r < 0 ? errno : r;
}

static int do_futex(int64_t *rem_ns)
{
	static uint32_t word;
	struct timespec to = ns_ts(SLEEP_NS);
	*rem_ns = -1;
	long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE_OP, 0, &to, NULL, 0);
	return r < 0 ? (errno == ETIMEDOUT ? 0 : errno) : (int)r;
}

struct sleeper {
	const char *name;
	int (*fn)(int64_t *rem_ns);
};

static const struct sleeper sleepers[] = {
	{"nanosleep", do_nanosleep},
	{"clock_nanosleep relative", do_clock_rel},
	{"clock_nanosleep absolute", do_clock_abs},
	{"poll", do_poll},
	{"futex wait", do_futex},
};

/* What the child reports: the sleep's result, its length and rem. */
struct report {
	int err;
	int handled;
	int64_t elapsed, rem;
};

static void child(const struct sleeper *s, int act, int ready, int rep)
{
	struct sigaction sa = {.sa_handler = on_sig, .sa_flags = SA_RESTART};
	if (act == ACT_HANDLER)
		sigaction(SIGUSR1, &sa, NULL);
	if (act == ACT_STOP_CONT_HANDLED)
		sigaction(SIGCONT, &sa, NULL);
	struct report r;
	int64_t start = now_ns(CLOCK_MONOTONIC);
	write(ready, "r", 1);
	r.err = s->fn(&r.rem);
	r.elapsed = now_ns(CLOCK_MONOTONIC) - start;
	r.handled = handled;
	write(rep, &r, sizeof(r));
	_exit(0);
}

static void nap_ms(int ms)
{
	struct timespec ts = ns_ts(ms * 1000000LL);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void run(const struct sleeper *s, int act)
{
	int ready[2], rep[2];
	pipe(ready);
	pipe(rep);
	pid_t c = fork();
	if (c == 0)
		child(s, act, ready[1], rep[1]);
	char b;
	read(ready[0], &b, 1);
	nap_ms(300);
	if (act == ACT_HANDLER) {
		kill(c, SIGUSR1);
	} else {
		int st;
		kill(c, SIGSTOP);
		waitpid(c, &st, WUNTRACED);
		nap_ms(500);
		kill(c, SIGCONT);
	}
	struct report r = {-1, 0, 0, 0};
	read(rep[0], &r, sizeof(r));
	int st;
	waitpid(c, &st, 0);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(rep[i]);
	}

	const char *how = act == ACT_HANDLER		 ? "handled SIGUSR1 (SA_RESTART)"
			  : act == ACT_STOP_CONT_HANDLED ? "stop, handled SIGCONT"
							 : "stop and continue";
	if (act == ACT_STOP_CONT) {
		check(r.err == 0, "%s, %s: %s", s->name, how,
		      r.err ? guest_errno_name(r.err) : "0");
		check(r.elapsed >= SLEEP_NS && r.elapsed < SLEEP_NS + LATE_NS,
		      "%s, %s: sleeps to its first end time (%s)", s->name, how,
		      r.elapsed < SLEEP_NS	       ? "early"
		      : r.elapsed < SLEEP_NS + LATE_NS ? "ok"
						       : "late");
	} else {
		/* EINTR, after about 0.3 s (0.8 s with the stop). */
		check(r.err == EINTR && r.handled == 1, "%s, %s: %s", s->name, how,
		      r.err ? guest_errno_name(r.err) : "0");
		check(r.elapsed < SLEEP_NS, "%s, %s: returns early", s->name, how);
	}
	/* rem: the time left when the signal came (also when the sleep then went on). */
	if (r.rem >= 0 || s->fn == do_nanosleep || s->fn == do_clock_rel) {
		bool ok = r.rem > 0 && r.rem < SLEEP_NS;
		check(ok, "%s, %s: rem written with the time left", s->name, how);
	}
}

int main(void)
{
	guest_start("restart_sleep");
	for (size_t i = 0; i < sizeof(sleepers) / sizeof(sleepers[0]); i++)
		run(&sleepers[i], ACT_STOP_CONT);
	run(&sleepers[0], ACT_HANDLER);
	run(&sleepers[1], ACT_HANDLER);
	run(&sleepers[2], ACT_HANDLER);
	run(&sleepers[3], ACT_HANDLER);
	run(&sleepers[4], ACT_HANDLER);
	run(&sleepers[0], ACT_STOP_CONT_HANDLED);

	errno = 0;
	expect_err(syscall(SYS_restart_syscall), EINTR, "restart_syscall with nothing to restart");
	return guest_finish();
}

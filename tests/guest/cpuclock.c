// SPDX-License-Identifier: Apache-2.0
/*
 * CPU-time clocks of other processes and threads: clock_getcpuclockid and
 * pthread_getcpuclockid make Linux's dynamic clock ids (~pid << 3 |
 * per-thread << 2 | type), which clock_gettime, clock_getres,
 * clock_nanosleep and timer_create take as Linux's pid_for_clock says:
 * any process (a zombie too, until reaped), only threads of one's own
 * process, EINVAL otherwise (ESRCH from clock_getcpuclockid). A child's
 * clock agrees with what the child reads on its own, and with the
 * utime + stime of its /proc/PID/stat.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "guest_test.h"

#define PROCESS_CLOCK(pid, type) ((clockid_t)((~(unsigned)(pid) << 3) | (type)))
#define THREAD_CLOCK(tid, type) ((clockid_t)((~(unsigned)(tid) << 3) | 4 | (type)))
#define CPUCLOCK_PROF 0
#define CPUCLOCK_SCHED 2

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spin until this process has used ns more CPU time. */
static void burn(int64_t ns)
{
	int64_t end = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + ns;
	while (clock_ns(CLOCK_PROCESS_CPUTIME_ID) < end)
		;
}

/*
 * A child that burns CPU each time it reads a command byte: 'b' burns
 * 300 ms, 'B' 1 s (to drive a timer or a sleep on its clock), and each
 * answers with the child's own CPU time; 'x' exits.
 */
static pid_t start_child(int *cmd, int *ans)
{
	int c2p[2], p2c[2];
	pipe(c2p);
	pipe(p2c);
	pid_t c = fork();
	if (c == 0) {
		char op;
		while (read(p2c[0], &op, 1) == 1 && op != 'x') {
			burn(op == 'b' ? 300000000LL : 1000000000LL);
			int64_t now = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
			write(c2p[1], &now, sizeof(now));
		}
		_exit(0);
	}
	close(c2p[1]);
	close(p2c[0]);
	*cmd = p2c[1];
	*ans = c2p[0];
	return c;
}

/* utime + stime of /proc/pid/stat, in ns (USER_HZ = 100); -1 if unreadable. */
static int64_t proc_stat_cpu(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	/* After ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (int64_t)(ut + st) * 10000000LL;
}

/* glibc says ESRCH; musl passes on the kernel's EINVAL. */
static bool getcpuclockid_fails(pid_t pid)
{
	clockid_t cc;
	int r = clock_getcpuclockid(pid, &cc);
	return r == ESRCH || r == EINVAL;
}

static volatile pid_t thread_tid;
static volatile int thread_gettime = -1;

static void *thread_fn(void *arg)
{
	volatile int *stop = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct timespec ts;
	/* The calling thread may name its process's clock by its own ID (clock_gettime only). */
	thread_gettime = clock_gettime(PROCESS_CLOCK(tid, CPUCLOCK_SCHED), &ts) ? errno : 0;
	thread_tid = tid;
	while (!*stop)
		;
	return NULL;
}

static void own_threads(void)
{
	pthread_t th;
	static volatile int stop;
	clockid_t tc;
	pthread_create(&th, NULL, thread_fn, (void *)&stop);
	expect_errnum(pthread_getcpuclockid(th, &tc), 0, "pthread_getcpuclockid(other thread)");
	struct timespec ts, nap = {0, 100000000};
	nanosleep(&nap, NULL);
	check(clock_gettime(tc, &ts) == 0 && (ts.tv_sec || ts.tv_nsec),
	      "clock_gettime(other thread's clock) counts its CPU time");
	expect_ret(clock_getres(tc, &ts), 0, "clock_getres(other thread's clock)");
	/* Sleeping on another thread's CPU clock: it spins, so the sleep ends. */
	struct timespec req = {0, 20000000};
	expect_errnum(clock_nanosleep(tc, 0, &req, NULL), 0,
		      "clock_nanosleep(other thread's clock)");
	/* The caller's own thread clock cannot advance while it sleeps. */
	pthread_getcpuclockid(pthread_self(), &tc);
	expect_errnum(clock_nanosleep(tc, 0, &req, NULL), EINVAL, "clock_nanosleep(own thread)");
	expect_errnum(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EINVAL,
		      "clock_nanosleep(CLOCK_THREAD_CPUTIME_ID)");
	expect_errnum(clock_nanosleep(THREAD_CLOCK(0, CPUCLOCK_SCHED), 0, &req, NULL), EINVAL,
		      "clock_nanosleep(thread clock of pid 0)");

	/* A process clock named by a thread's ID: only that thread's clock_gettime takes it. */
	while (!thread_tid)
		sched_yield();
	pid_t tid = thread_tid;
	expect_errnum(thread_gettime, 0, "clock_gettime(process clock of the caller's thread ID)");
	if (check(tid > 0, "the thread's ID")) {
		clockid_t pc = PROCESS_CLOCK(tid, CPUCLOCK_SCHED);
		expect_err(clock_gettime(pc, &ts), EINVAL,
			   "clock_gettime(process clock of another thread's ID)");
		expect_err(clock_getres(pc, &ts), EINVAL,
			   "clock_getres(process clock of own thread ID)");
		timer_t tm;
		expect_err(timer_create(pc, NULL, &tm), EINVAL,
			   "timer_create(process clock of own thread ID)");
		expect_ret(clock_gettime(THREAD_CLOCK(tid, CPUCLOCK_SCHED), &ts), 0,
			   "clock_gettime(thread clock of own thread)");
	}
	stop = 1;
	pthread_join(th, NULL);
}

static void other_process(void)
{
	int cmd, ans;
	pid_t c = start_child(&cmd, &ans);
	clockid_t cc;
	struct timespec ts;
	int64_t own;

	expect_errnum(clock_getcpuclockid(c, &cc), 0, "clock_getcpuclockid(child)");
	check(cc == PROCESS_CLOCK(c, CPUCLOCK_SCHED), "clock id is Linux's encoding");
	expect_ret(clock_getres(cc, &ts), 0, "clock_getres(child)");
	check(ts.tv_sec == 0 && ts.tv_nsec == 1, "child clock resolution 1 ns");

	write(cmd, "b", 1);
	read(ans, &own, sizeof(own));
	int64_t seen = clock_ns(cc), prof = clock_ns(PROCESS_CLOCK(c, CPUCLOCK_PROF));
	check(seen >= own && seen < own + 200000000LL, "child's clock agrees with the child's own");
	/* PROF is utime + stime, which Linux samples on the tick: near, not above. */
	check(prof > own - 200000000LL && prof < own + 200000000LL, "child's PROF clock too");
	int64_t ps = proc_stat_cpu(c);
	check(ps >= 0 && ps > seen / 2 && ps < seen + 200000000LL,
	      "/proc/child/stat utime+stime agrees with its clock");

	/* A timer on the child's clock, a signal for us. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	timer_t tm;
	if (expect_ret(timer_create(cc, &ev, &tm), 0, "timer_create(child's clock)")) {
		struct itimerspec its = {.it_value = {0, 200000000}};
		expect_ret(timer_settime(tm, 0, &its, NULL), 0, "timer_settime(child's clock)");
		struct itimerspec cur;
		timer_gettime(tm, &cur);
		check(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
			      cur.it_value.tv_nsec <= 200000000,
		      "timer_gettime: the child's CPU time to go");
		struct timespec wait = {1, 0};
		check(sigtimedwait(&usr1, NULL, &wait) == -1 && errno == EAGAIN,
		      "no expiry while the child does not run");
		write(cmd, "B", 1);
		wait.tv_sec = 30;
		expect_ret(sigtimedwait(&usr1, NULL, &wait), SIGUSR1, "expiry as the child runs");
		read(ans, &own, sizeof(own));
		timer_delete(tm);
	}

	/* Sleep until the child has used 200 ms more CPU. */
	int64_t before = clock_ns(cc);
	write(cmd, "B", 1);
	struct timespec req = {0, 200000000};
	expect_errnum(clock_nanosleep(cc, 0, &req, NULL), 0, "clock_nanosleep(child's clock)");
	check(clock_ns(cc) >= before + 200000000LL, "slept until the child ran 200 ms");
	read(ans, &own, sizeof(own));

	/* Another process's threads are not ours to read. */
	expect_err(clock_gettime(THREAD_CLOCK(c, CPUCLOCK_SCHED), &ts), EINVAL,
		   "clock_gettime(thread clock of another process)");

	/* A zombie's clock still reads (its final time); a reaped one is gone. */
	write(cmd, "x", 1);
	siginfo_t si;
	waitid(P_PID, c, &si, WEXITED | WNOWAIT);
	int64_t z = clock_ns(cc);
	check(z >= own, "zombie's clock: its final CPU time");
	waitpid(c, NULL, 0);
	expect_err(clock_gettime(cc, &ts), EINVAL, "clock_gettime(reaped child)");
	check(getcpuclockid_fails(c), "clock_getcpuclockid(reaped child) fails");
	close(cmd);
	close(ans);
}

int main(void)
{
	guest_start("cpuclock");
	clockid_t cc;
	struct timespec ts;
	expect_errnum(clock_getcpuclockid(0, &cc), 0, "clock_getcpuclockid(0)");
	expect_ret(clock_gettime(cc, &ts), 0, "clock_gettime(own process clock)");
	expect_errnum(clock_getcpuclockid(getpid(), &cc), 0, "clock_getcpuclockid(getpid())");
	expect_err(clock_gettime(PROCESS_CLOCK(0, 3), &ts), EINVAL, "clock type 3");
	expect_err(clock_getres(THREAD_CLOCK(0, 3), &ts), EINVAL, "thread clock type 3");
	expect_err(clock_gettime(PROCESS_CLOCK(4000000, CPUCLOCK_SCHED), &ts), EINVAL,
		   "clock_gettime(no such process)");
	check(getcpuclockid_fails(4000000), "clock_getcpuclockid(no such process) fails");
	own_threads();
	other_process();
	return guest_finish();
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Waiting for signals: sigwaitinfo/sigtimedwait (rt_sigtimedwait) and
 * the signals they wait for. A waited-for signal that was blocked stays
 * "really blocked" while the waiter sleeps: it is queued for the waiter
 * even when its action is SIG_DFL (fatal, or ignored like SIGCHLD), in a
 * child process and in PID 1 (runsk runs this program as init) alike;
 * one that was not blocked keeps its default action. timer_create with
 * SIGEV_THREAD depends on it (glibc and musl wait for the timer signal in
 * a helper thread). Also sigtimedwait's timeouts and errors, and POSIX's
 * rule that ignoring a pending signal discards it even when blocked.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

static void unblock(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

/* A thread that sends sig to the process after a while (the waiter is asleep by then). */
struct later {
	int sig;
	long ms;
};

static void *kill_later(void *arg)
{
	struct later *l = arg;
	sleep_ms(l->ms);
	kill(getpid(), l->sig);
	return NULL;
}

/* sigwaitinfo for a blocked SIG_DFL signal sent while we sleep, in this process. */
static void wait_blocked_default_here(int sig, const char *name)
{
	struct later l = {sig, 50};
	pthread_t th;
	siginfo_t si;
	sigset_t set;

	signal(sig, SIG_DFL);
	block(sig);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_create(&th, NULL, kill_later, &l);
	int got = sigwaitinfo(&set, &si);
	pthread_join(th, NULL);
	check(got == sig, "sigwaitinfo(%s, SIG_DFL, blocked), sent while asleep", name);
	check(got == sig && si.si_code == SI_USER && si.si_pid == getpid(),
	      "  its siginfo: SI_USER from us");
	unblock(sig);
}

/*
 * The same in a child, which the parent signals while it sleeps. blocked:
 * whether the child blocks sig first (if not, the default action runs).
 */
static void wait_default_in_child(int sig, const char *name, bool blocked)
{
	int p[2];
	char c;
	if (pipe(p))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t set;
		siginfo_t si;
		signal(sig, SIG_DFL);
		if (blocked)
			block(sig);
		sigemptyset(&set);
		sigaddset(&set, sig);
		(void)!write(p[1], "r", 1);
		int got = sigwaitinfo(&set, &si);
		_exit(got == sig && si.si_code == SI_USER && si.si_pid == getppid() ? 0 : 1);
	}
	(void)!read(p[0], &c, 1);
	sleep_ms(50);
	kill(pid, sig);
	const char *end = guest_child_end(pid);
	char want[32];
	snprintf(want, sizeof(want), blocked ? "exit 0" : "signal %d", sig);
	check(!strcmp(end, want), "child sigwaitinfo(%s, SIG_DFL, %s): %s", name,
	      blocked ? "blocked" : "not blocked", end);
	close(p[0]);
	close(p[1]);
}

/* sigwaitinfo(SIGCHLD) with SIGCHLD's default (ignore) action: the child's exit is seen. */
static void wait_sigchld(void)
{
	sigset_t set;
	siginfo_t si;
	signal(SIGCHLD, SIG_DFL);
	block(SIGCHLD);
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(50);
		_exit(7);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	int got = sigwaitinfo(&set, &si);
	expect_ret(got, SIGCHLD, "sigwaitinfo(SIGCHLD, SIG_DFL) for a child's exit");
	check(got == SIGCHLD && si.si_code == CLD_EXITED && si.si_pid == pid && si.si_status == 7,
	      "  its siginfo: CLD_EXITED, the child, status 7");
	waitpid(pid, NULL, 0);
	unblock(SIGCHLD);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void timedwait_answers(void)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts;

	block(SIGUSR1);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);

	ts = (struct timespec){0, 0};
	expect_err(sigtimedwait(&set, &si, &ts), EAGAIN, "sigtimedwait({0,0}), none pending");
	ts = (struct timespec){0, 20000000};
	expect_err(sigtimedwait(&set, &si, &ts), EAGAIN, "sigtimedwait(20 ms), none sent");
	ts = (struct timespec){0, 1000000000};
	expect_err(sigtimedwait(&set, &si, &ts), EINVAL, "sigtimedwait(tv_nsec 1e9)");
	ts = (struct timespec){-1, 0};
	expect_err(sigtimedwait(&set, &si, &ts), EINVAL, "sigtimedwait(tv_sec -1)");
	ts = (struct timespec){0, -1};
	expect_err(sigtimedwait(&set, &si, &ts), EINVAL, "sigtimedwait(tv_nsec -1)");
	expect_err(syscall(SYS_rt_sigtimedwait, &set, &si, NULL, 4L), EINVAL,
		   "rt_sigtimedwait(sigsetsize 4)");
	expect_err(syscall(SYS_rt_sigtimedwait, (void *)8, &si, NULL, 8L), EFAULT,
		   "rt_sigtimedwait(bad set)");

	/* Pending already: taken at once, even with a zero timeout. */
	raise(SIGUSR1);
	ts = (struct timespec){0, 0};
	expect_ret(sigtimedwait(&set, &si, &ts), SIGUSR1, "sigtimedwait({0,0}), SIGUSR1 pending");
	ts = (struct timespec){0, 0};
	expect_err(sigtimedwait(&set, &si, &ts), EAGAIN, "  then none left");

	/*
	 * Another signal with a handler ends the wait: EINTR, and the handler
	 * ran. Raw: musl's sigtimedwait retries after EINTR.
	 */
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, NULL);
	ts = (struct timespec){5, 0};
	expect_err(syscall(SYS_rt_sigtimedwait, &set, &si, &ts, 8L), EINTR,
		   "rt_sigtimedwait(5 s), SIGALRM handled");
	check(alarms == 1, "  the SIGALRM handler ran once");
	signal(SIGALRM, SIG_DFL);

	/* Real-time signals queue, in order, with their values. */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	block(SIGRTMIN + 2);
	sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = 11});
	sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = 22});
	int a = sigwaitinfo(&set, &si) == SIGRTMIN + 2 ? si.si_value.sival_int : -1;
	int b = sigwaitinfo(&set, &si) == SIGRTMIN + 2 ? si.si_value.sival_int : -1;
	check(a == 11 && b == 22 && si.si_code == SI_QUEUE,
	      "sigwaitinfo(SIGRTMIN+2) twice: values 11 then 22, SI_QUEUE");
	unblock(SIGRTMIN + 2);
	unblock(SIGUSR1);
}

/* POSIX: setting SIG_IGN (or SIG_DFL where it ignores) discards a pending signal, blocked or not. */
static void ignore_discards(void)
{
	sigset_t pend;

	block(SIGUSR2);
	signal(SIGUSR2, SIG_DFL);
	raise(SIGUSR2);
	sigpending(&pend);
	check(sigismember(&pend, SIGUSR2), "blocked SIGUSR2 raised: pending");
	signal(SIGUSR2, SIG_IGN);
	sigpending(&pend);
	check(!sigismember(&pend, SIGUSR2), "  SIG_IGN set: discarded");
	signal(SIGUSR2, SIG_DFL);
	unblock(SIGUSR2);

	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGWINCH, &sa, NULL);
	block(SIGWINCH);
	raise(SIGWINCH);
	sigpending(&pend);
	check(sigismember(&pend, SIGWINCH), "blocked SIGWINCH (handled) raised: pending");
	signal(SIGWINCH, SIG_DFL);
	sigpending(&pend);
	check(!sigismember(&pend, SIGWINCH), "  SIG_DFL (ignore) set: discarded");
	unblock(SIGWINCH);
}

static sem_t timer_sem;
static volatile int timer_value;

static void timer_thread(union sigval v)
{
	timer_value = v.sival_int;
	sem_post(&timer_sem);
}

/* timer_create(SIGEV_THREAD): the libc's helper thread runs our function. */
static bool sigev_thread_fires(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD,
			      .sigev_notify_function = timer_thread,
			      .sigev_value = {.sival_int = 42}};
	struct itimerspec its = {{0, 0}, {0, 20000000}};
	timer_t tid;
	struct timespec dl;

	sem_init(&timer_sem, 0, 0);
	timer_value = 0;
	if (timer_create(CLOCK_MONOTONIC, &ev, &tid))
		return false;
	timer_settime(tid, 0, &its, NULL);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	int r;
	while ((r = sem_timedwait(&timer_sem, &dl)) && errno == EINTR)
		;
	timer_delete(tid);
	return !r && timer_value == 42;
}

int main(void)
{
	guest_start("sigwait");

	wait_blocked_default_here(SIGUSR1, "SIGUSR1");
	wait_blocked_default_here(SIGRTMIN + 1, "SIGRTMIN+1");
	wait_default_in_child(SIGUSR1, "SIGUSR1", true);
	wait_default_in_child(SIGRTMIN + 1, "SIGRTMIN+1", true);
	wait_default_in_child(SIGUSR1, "SIGUSR1", false);
	wait_sigchld();
	timedwait_answers();
	ignore_discards();

	check(sigev_thread_fires(), "timer_create(SIGEV_THREAD): its thread ran with the value");
	pid_t pid = fork();
	if (pid == 0)
		_exit(sigev_thread_fires() ? 0 : 1);
	const char *end = guest_child_end(pid);
	check(!strcmp(end, "exit 0"), "child timer_create(SIGEV_THREAD): %s", end);

	return guest_finish();
}

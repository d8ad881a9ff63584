// SPDX-License-Identifier: Apache-2.0
/*
 * seccomp(2) and prctl(PR_SET_SECCOMP): strict mode, filters in classic
 * BPF (the instruction set, the checks a program must pass), every
 * action, chains of filters and their precedence, inheritance across
 * fork and execve, TSYNC, and /proc/self/status.
 *
 * A filter cannot be taken off again, so each case runs in a child. The
 * ABI's constants are in seccomp_abi.h.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <ucontext.h>

#include "guest_test.h"
#include "seccomp_abi.h"

/* "nr == which → action, else allow". */
static long filter_nr(unsigned flags, long which, uint32_t action)
{
	struct insn p[] = {
		I(LD_ABS, 0, 0, OFF_NR),
		I(JEQ_K, 0, 1, (uint32_t)which),
		I(RET_K, 0, 0, action),
		I(RET_K, 0, 0, RET_ALLOW),
	};
	return seccomp_load(flags, p, 4);
}

static void no_core(void)
{
	struct rlimit r = {0, 0};
	setrlimit(RLIMIT_CORE, &r);
}

/* Run fn in a child; "<what>: <how it ended>" must be want. */
static void in_child(void (*fn)(void), const char *want, const char *what)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		no_core();
		fn();
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, want, what);
}

static int status_field(const char *name)
{
	char line[256];
	int v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ':')
			v = atoi(line + strlen(name) + 1);
	fclose(f);
	return v;
}

static void test_probes(void)
{
	static const uint32_t known[] = {RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP, RET_ERRNO,
					 RET_TRACE,	   RET_LOG,	    RET_ALLOW};
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		uint32_t a = known[i];
		expect_ret(seccomp_call(GET_ACTION_AVAIL, 0, &a), 0, "GET_ACTION_AVAIL %#x",
			   known[i]);
	}
	uint32_t bogus = 0x12340000;
	expect_err(seccomp_call(GET_ACTION_AVAIL, 0, &bogus), EOPNOTSUPP,
		   "GET_ACTION_AVAIL unknown");
	expect_err(seccomp_call(GET_ACTION_AVAIL, 1, &bogus), EINVAL, "GET_ACTION_AVAIL flags");
	expect_err(seccomp_call(GET_ACTION_AVAIL, 0, (void *)8), EFAULT,
		   "GET_ACTION_AVAIL bad pointer");
	expect_err(seccomp_call(99, 0, NULL), EINVAL, "seccomp op 99");
	expect_err(seccomp_call(SET_MODE_STRICT, 1, NULL), EINVAL, "SET_MODE_STRICT flags");
	expect_err(seccomp_call(SET_MODE_STRICT, 0, &bogus), EINVAL, "SET_MODE_STRICT args");
	expect_err(seccomp_call(SET_MODE_FILTER, 1u << 12, NULL), EINVAL,
		   "SET_MODE_FILTER unknown flag");
	expect_err(seccomp_call(SET_MODE_FILTER, 0, NULL), EFAULT, "SET_MODE_FILTER NULL");
	expect_err(seccomp_call(SET_MODE_FILTER, 0, (void *)8), EFAULT,
		   "SET_MODE_FILTER bad pointer");
	expect_ret(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0, "PR_GET_SECCOMP unfiltered");
	expect_err(prctl(PR_SET_SECCOMP, 7, 0, 0, 0), EINVAL, "PR_SET_SECCOMP mode 7");
	check(status_field("Seccomp") == 0, "status Seccomp: %d", status_field("Seccomp"));
}

/* Programs the checker must refuse: none is ever attached. */
static void bad_programs(void)
{
	struct insn ok_ret = I(RET_K, 0, 0, RET_ALLOW);
	struct {
		const char *what;
		struct insn p[4];
		unsigned short n;
	} bad[] = {
		{"no RET at the end", {I(LD_ABS, 0, 0, OFF_NR)}, 1},
		{"load past seccomp_data", {I(LD_ABS, 0, 0, 64), ok_ret}, 2},
		{"unaligned load", {I(LD_ABS, 0, 0, 2), ok_ret}, 2},
		{"byte load", {I(LD_B_ABS, 0, 0, 0), ok_ret}, 2},
		{"MOD", {I(ALU_MOD_K, 0, 0, 3), ok_ret}, 2},
		{"LSH by 32", {I(ALU_LSH_K, 0, 0, 32), ok_ret}, 2},
		{"read of an unwritten cell", {I(LD_MEM, 0, 0, 3), ok_ret}, 2},
		{"cell 16", {I(ST, 0, 0, 16), ok_ret}, 2},
		{"JA past the end", {I(JA, 0, 0, 1), ok_ret}, 2},
		{"JEQ past the end", {I(JEQ_K, 0, 2, 0), ok_ret}, 2},
		{"unknown opcode", {I(0xffff, 0, 0, 0), ok_ret}, 2},
		{"cell written on one path only",
		 {I(JEQ_K, 1, 0, 0), I(ST, 0, 0, 1), I(LD_MEM, 0, 0, 1), ok_ret},
		 4},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_err(seccomp_load(0, bad[i].p, bad[i].n), EINVAL, "filter with %s",
			   bad[i].what);
	struct insn one = ok_ret;
	expect_err(seccomp_load(0, &one, 0), EINVAL, "filter of 0 instructions");
	static struct insn big[4097];
	for (unsigned i = 0; i < 4097; i++)
		big[i] = ok_ret;
	expect_err(seccomp_load(0, big, 4097), EINVAL, "filter of 4097 instructions");
	expect_ret(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0, "PR_GET_SECCOMP after refusals");
}

static void unprivileged(void)
{
	if (setresuid(65534, 65534, 65534)) {
		check(0, "setresuid: %s", guest_errno_name(errno));
		return;
	}
	expect_err(filter_nr(0, SYS_getppid, RET_ALLOW), EACCES, "filter without no_new_privs");
	expect_ret(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0, "PR_SET_NO_NEW_PRIVS");
	expect_ret(filter_nr(0, SYS_getppid, RET_ALLOW), 0, "filter with no_new_privs");
}

static void errno_action(void)
{
	expect_ret(filter_nr(0, SYS_getpid, RET_ERRNO | 77), 0, "ERRNO filter");
	expect_err(syscall(SYS_getpid), 77, "getpid under ERRNO 77");
	check(syscall(SYS_getppid) > 0, "getppid unfiltered: ok");
	expect_ret(filter_nr(0, SYS_getuid, RET_ERRNO | 5000), 0, "ERRNO 5000 filter");
	expect_err(syscall(SYS_getuid), 4095, "ERRNO 5000 becomes 4095");
	expect_ret(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2, "PR_GET_SECCOMP");
	check(status_field("Seccomp") == 2, "status Seccomp: %d", status_field("Seccomp"));
	check(status_field("Seccomp_filters") == 2, "status Seccomp_filters: %d",
	      status_field("Seccomp_filters"));
	expect_err(seccomp_call(SET_MODE_STRICT, 0, NULL), EINVAL, "strict mode over filters");

	/* Inherited by a child. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		long r = syscall(SYS_getpid);
		_exit(r == -1 && errno == 77 ? 0 : 1);
	}
	guest_expect_child(pid, "exit 0", "child's getpid under ERRNO");
}

/* Arguments, arch and the instruction set, with results the program computes. */
static void arithmetic(void)
{
	struct insn p[] = {
		/* 0 */ I(LD_ABS, 0, 0, OFF_ARCH),
		/* 1 */ I(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
		/* 2 */ I(RET_K, 0, 0, RET_KILL_PROCESS),
		/* 3 */ I(LD_ABS, 0, 0, OFF_NR),
		/* 4 */ I(JEQ_K, 0, 12, SYS_getpgid),
		/* getpgid(x): ERRNO with (((x * 3 + 5) << 1) ^ len) & 0xff, via M[2] and X */
		/* 5 */ I(LD_ABS, 0, 0, OFF_ARG(0)),
		/* 6 */ I(ALU_MUL_K, 0, 0, 3),
		/* 7 */ I(ALU_ADD_K, 0, 0, 5),
		/* 8 */ I(ALU_LSH_K, 0, 0, 1),
		/* 9 */ I(ST, 0, 0, 2),
		/* 10 */ I(LD_LEN, 0, 0, 0),
		/* 11 */ I(TAX, 0, 0, 0),
		/* 12 */ I(LD_MEM, 0, 0, 2),
		/* 13 */ I(ALU_XOR_X, 0, 0, 0),
		/* 14 */ I(ALU_AND_K, 0, 0, 0xff),
		/* 15 */ I(ALU_OR_K, 0, 0, RET_ERRNO),
		/* 16 */ I(RET_A, 0, 0, 0),
		/* 17: kill(a0, a1) with a0's high word set: ERRNO 9 */
		/* 17 */ I(LD_ABS, 0, 0, OFF_NR),
		/* 18 */ I(JEQ_K, 0, 7, SYS_kill),
		/* 19 */ I(LD_ABS, 0, 0, OFF_ARG(0) + 4),
		/* 20 */ I(JSET_K, 0, 5, 0x1),
		/* 21: X = 1, A = X, A = -A: 0xffffffff > 0xfffffffe */
		/* 21 */ I(LDX_IMM, 0, 0, 1),
		/* 22 */ I(TXA, 0, 0, 0),
		/* 23 */ I(ALU_NEG, 0, 0, 0),
		/* 24 */ I(JGT_K, 0, 1, 0xfffffffe),
		/* 25 */ I(RET_K, 0, 0, RET_ERRNO | 9),
		/* 26 */ I(RET_K, 0, 0, RET_ALLOW),
	};
	expect_ret(seccomp_load(0, p, sizeof(p) / sizeof(p[0])), 0, "arithmetic filter");
	expect_err(syscall(SYS_getpgid, 10L), ((10 * 3 + 5) << 1 ^ 64) & 0xff,
		   "getpgid(10): computed errno");
	expect_err(syscall(SYS_getpgid, 100L), ((100 * 3 + 5) << 1 ^ 64) & 0xff,
		   "getpgid(100): computed errno");
	expect_err(syscall(SYS_kill, (long)(0x100000000L | 1), 0L), 9,
		   "kill(high word set): ERRNO 9");
	expect_ret(syscall(SYS_kill, (long)getpid(), 0L), 0, "kill(self, 0) allowed");
}

/* DIV by an X of 0 ends the program with 0: SECCOMP_RET_KILL_THREAD. */
static void div_by_zero(void)
{
	struct insn p[] = {
		I(LD_ABS, 0, 0, OFF_NR), I(JEQ_K, 0, 3, SYS_getppid), I(LDX_IMM, 0, 0, 0),
		I(ALU_DIV_X, 0, 0, 0),	 I(RET_A, 0, 0, 0),	      I(RET_K, 0, 0, RET_ALLOW),
	};
	if (seccomp_load(0, p, 6) == 0)
		syscall(SYS_getppid);
}

static void precedence(void)
{
	filter_nr(0, SYS_getuid, RET_ERRNO | 11);
	filter_nr(0, SYS_getuid, RET_ERRNO | 22);
	expect_err(syscall(SYS_getuid), 22, "two ERRNOs: the newest filter's");
	filter_nr(0, SYS_getuid, RET_ALLOW);
	expect_err(syscall(SYS_getuid), 22, "ALLOW does not override ERRNO");
	filter_nr(0, SYS_getuid, RET_TRACE);
	expect_err(syscall(SYS_getuid), 22, "ERRNO beats TRACE");
	filter_nr(0, SYS_getgid, RET_TRACE);
	expect_err(syscall(SYS_getgid), ENOSYS, "TRACE without a tracer");
	filter_nr(0, SYS_getegid, RET_USER_NOTIF);
	expect_err(syscall(SYS_getegid), ENOSYS, "USER_NOTIF without a listener");
	filter_nr(0, SYS_geteuid, RET_LOG);
	check(syscall(SYS_geteuid) >= 0, "LOG: the call runs");
	filter_nr(FLAG_LOG, SYS_getppid, RET_ERRNO | 3);
	expect_err(syscall(SYS_getppid), 3, "ERRNO with FLAG_LOG");
}

static void kill_process(void)
{
	filter_nr(0, SYS_getppid, RET_KILL_PROCESS);
	syscall(SYS_getppid);
	printf("FAIL getppid under KILL_PROCESS returned\n");
}

static void kill_thread_alone(void)
{
	filter_nr(0, SYS_getppid, RET_KILL_THREAD);
	syscall(SYS_getppid);
	printf("FAIL getppid under KILL_THREAD returned\n");
}

static void unknown_action(void)
{
	filter_nr(0, SYS_getppid, 0x00010000);
	syscall(SYS_getppid);
	printf("FAIL getppid under an unknown action returned\n");
}

static volatile pid_t victim_tid;

static void *call_getppid(void *arg)
{
	victim_tid = (pid_t)syscall(SYS_gettid);
	syscall(SYS_getppid);
	*(int *)arg = 1; /* not reached: the thread is killed */
	return NULL;
}

/*
 * KILL_THREAD with another thread alive ends only the caller. The thread
 * dies without pthread_exit, which musl's pthread_join would wait for:
 * watch its tid instead.
 */
static void kill_thread_of_two(void)
{
	static int reached;
	pthread_t th;
	filter_nr(0, SYS_getppid, RET_KILL_THREAD);
	if (pthread_create(&th, NULL, call_getppid, &reached)) {
		check(0, "pthread_create failed");
		return;
	}
	int gone = 0;
	for (int i = 0; i < 10000 && !gone; i++) {
		pid_t tid = victim_tid;
		gone = tid && syscall(SYS_tgkill, (long)getpid(), (long)tid, 0L) && errno == ESRCH;
		if (!gone)
			usleep(1000);
	}
	check(gone && !reached, "KILL_THREAD: that thread dies, the other goes on%s",
	      gone && !reached ? "" : " (not)");
}

static volatile long trap_rax, trap_ok;

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t call_addr;
	int nr;
	unsigned arch;
	memcpy(&call_addr, (char *)si + 16, 8);
	memcpy(&nr, (char *)si + 24, 4);
	memcpy(&arch, (char *)si + 28, 4);
	trap_ok = sig == SIGSYS && si->si_code == 1 && si->si_errno == 0x42 && nr == SYS_getppid &&
		  arch == AUDIT_ARCH_X86_64 &&
		  call_addr == (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	trap_rax = uc->uc_mcontext.gregs[REG_RAX];
	uc->uc_mcontext.gregs[REG_RAX] = 4242; /* what the call returns */
}

static void trap_action(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigaction(SIGSYS, &sa, NULL);
	filter_nr(0, SYS_getppid, RET_TRAP | 0x42);
	expect_ret(syscall(SYS_getppid), 4242, "TRAP: the handler's rax is the result");
	check(trap_ok, "TRAP siginfo: SIGSYS, SYS_SECCOMP, data, nr, arch, call address%s",
	      trap_ok ? "" : " wrong");
	expect_ret(trap_rax, SYS_getppid, "TRAP: rax in the handler is the syscall number");
}

static void trap_blocked(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSYS);
	sigprocmask(SIG_BLOCK, &s, NULL);
	filter_nr(0, SYS_getppid, RET_TRAP);
	syscall(SYS_getppid);
	printf("FAIL TRAP with SIGSYS blocked returned\n");
}

static void trap_ignored(void)
{
	signal(SIGSYS, SIG_IGN);
	filter_nr(0, SYS_getppid, RET_TRAP);
	syscall(SYS_getppid);
	printf("FAIL TRAP with SIGSYS ignored returned\n");
}

static void strict_then_getpid(void)
{
	if (seccomp_call(SET_MODE_STRICT, 0, NULL))
		_exit(50);
	static const char msg[] = "strict mode: write allowed\n";
	if (write(1, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		syscall(SYS_exit, 51);
	syscall(SYS_getpid);
	syscall(SYS_exit, 52);
}

static void strict_exit(void)
{
	if (prctl(PR_SET_SECCOMP, 1 /* SECCOMP_MODE_STRICT */, 0, 0, 0))
		_exit(50);
	syscall(SYS_exit, 3); /* exit_group is not allowed: _exit is */
}

static void strict_exit_group(void)
{
	if (seccomp_call(SET_MODE_STRICT, 0, NULL))
		_exit(50);
	syscall(SYS_exit_group, 3);
}

/* TSYNC: a waiting thread gets the caller's filter and no_new_privs. */
static int pipe_go[2], pipe_done[2];
static volatile pid_t other_tid;

static void *tsync_thread(void *arg)
{
	char c;
	other_tid = (pid_t)syscall(SYS_gettid);
	if (arg)
		filter_nr(0, SYS_getgid, RET_ERRNO | 1); /* diverge */
	if (write(pipe_done[1], "r", 1) != 1 || read(pipe_go[0], &c, 1) != 1)
		return NULL;
	long r = syscall(SYS_getppid);
	int e = errno;
	long nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	char out[2] = {r == -1 && e == 33 ? 'y' : 'n', nnp == 1 ? 'y' : 'n'};
	if (write(pipe_done[1], out, 2) != 2)
		return NULL;
	return NULL;
}

static void tsync(void)
{
	pthread_t th;
	char c, out[2] = {0};
	if (pipe(pipe_go) || pipe(pipe_done) || pthread_create(&th, NULL, tsync_thread, NULL) ||
	    read(pipe_done[0], &c, 1) != 1) {
		check(0, "tsync setup");
		return;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	expect_ret(filter_nr(FLAG_TSYNC, SYS_getppid, RET_ERRNO | 33), 0, "TSYNC filter");
	if (write(pipe_go[1], "g", 1) != 1 || read(pipe_done[0], out, 2) != 2)
		check(0, "tsync handshake");
	pthread_join(th, NULL);
	check(out[0] == 'y', "TSYNC: the other thread runs the filter%s",
	      out[0] == 'y' ? "" : " (not)");
	check(out[1] == 'y', "TSYNC: the other thread has no_new_privs%s",
	      out[1] == 'y' ? "" : " (not)");
}

static void tsync_diverged(void)
{
	pthread_t th;
	char c;
	if (pipe(pipe_go) || pipe(pipe_done) || pthread_create(&th, NULL, tsync_thread, "x") ||
	    read(pipe_done[0], &c, 1) != 1) {
		check(0, "tsync setup");
		return;
	}
	long r = filter_nr(FLAG_TSYNC, SYS_getppid, RET_ERRNO | 33);
	check(r == other_tid, "TSYNC with a diverged thread: its tid%s",
	      r == other_tid ? "" : " (not)");
	expect_err(filter_nr(FLAG_TSYNC | FLAG_TSYNC_ESRCH, SYS_getppid, RET_ERRNO | 33), ESRCH,
		   "TSYNC_ESRCH with a diverged thread");
	check(syscall(SYS_getppid) > 0, "the failed TSYNC attached nothing: ok");
	if (write(pipe_go[1], "g", 1) != 1)
		check(0, "tsync handshake");
	pthread_join(th, NULL);
}

/* Without TSYNC a filter is the caller's; a thread made after it inherits it. */
static void *getppid_errno(void *arg)
{
	long r = syscall(SYS_getppid);
	*(int *)arg = r == -1 ? errno : 0;
	return NULL;
}

static void thread_inherits(void)
{
	pthread_t th;
	int e = -1;
	filter_nr(0, SYS_getppid, RET_ERRNO | 44);
	if (pthread_create(&th, NULL, getppid_errno, &e) == 0)
		pthread_join(th, NULL);
	expect_ret(e, 44, "a new thread inherits the filter");
}

static char self_path[PATH_MAX];

static void exec_keeps(void)
{
	filter_nr(0, SYS_getpid, RET_ERRNO | 77);
	char *argv[] = {self_path, "exec-check", NULL};
	execv(self_path, argv);
	printf("FAIL execv: %s\n", guest_errno_name(errno));
}

int main(int argc, char **argv)
{
	guest_start("seccomp");
	if (argc > 1 && !strcmp(argv[1], "exec-check")) {
		long r = syscall(SYS_getpid);
		return r == -1 && errno == 77 ? 0 : 1;
	}
	if (!realpath(argv[0], self_path))
		check(0, "realpath: %s", guest_errno_name(errno));

	test_probes();
	in_child(bad_programs, "exit 0", "refused programs");
	in_child(unprivileged, "exit 0", "unprivileged");
	in_child(errno_action, "exit 0", "ERRNO");
	in_child(arithmetic, "exit 0", "arithmetic");
	in_child(div_by_zero, "signal 31", "DIV by X = 0 kills");
	in_child(precedence, "exit 0", "precedence");
	in_child(kill_process, "signal 31", "KILL_PROCESS");
	in_child(kill_thread_alone, "signal 31", "KILL_THREAD, one thread");
	in_child(unknown_action, "signal 31", "an unknown action kills");
	in_child(kill_thread_of_two, "exit 0", "KILL_THREAD, two threads");
	in_child(trap_action, "exit 0", "TRAP");
	in_child(trap_blocked, "signal 31", "TRAP with SIGSYS blocked");
	in_child(trap_ignored, "signal 31", "TRAP with SIGSYS ignored");
	in_child(strict_then_getpid, "signal 9", "strict mode: getpid");
	in_child(strict_exit, "exit 3", "strict mode: _exit");
	in_child(strict_exit_group, "signal 9", "strict mode: exit_group");
	in_child(tsync, "exit 0", "TSYNC");
	in_child(tsync_diverged, "exit 0", "TSYNC diverged");
	in_child(thread_inherits, "exit 0", "thread inherits");
	in_child(exec_keeps, "exit 0", "filters survive execve");
	return guest_finish();
}

// SPDX-License-Identifier: Apache-2.0
/*
 * System V semaphores: semget, semop, semtimedop and semctl, including
 * blocking against a second process, SEM_UNDO at exit, EINTR by a
 * signal (even with SA_RESTART: semop is never restarted), IPC_RMID
 * waking sleepers with EIDRM, and permission failures as uid 65534.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>

#include "guest_test.h"

#define NOBODY 65534
#define KEY 0x5e4a1001

static int semctl4(int id, int num, int cmd, long arg)
{
	return (int)syscall(SYS_semctl, id, num, cmd, arg);
}

static int op1(int id, unsigned short num, short op, short flg)
{
	struct sembuf sb = {num, op, flg};
	return semop(id, &sb, 1);
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Wait (up to 5 s) until count (GETNCNT or GETZCNT) of sem num reaches want. */
static bool wait_count(int id, int num, int cmd, int want)
{
	for (int i = 0; i < 500; i++) {
		if (semctl4(id, num, cmd, 0) == want)
			return true;
		msleep(10);
	}
	return false;
}

/*
 * fork, with the child's own failure count. The child reports only
 * failures: its lines would race with the parent's once it is woken.
 */
static pid_t fork_child(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		guest_quiet = true;
	}
	return pid;
}

static void test_get(void)
{
	semctl(semget(KEY, 0, 0), 0, IPC_RMID); /* left over from an earlier run */
	expect_err(semget(IPC_PRIVATE, 0, 0600), EINVAL, "semget(nsems 0)");
	expect_err(semget(IPC_PRIVATE, 32001, 0600), EINVAL, "semget(nsems 32001)");
	expect_err(semget(IPC_PRIVATE, -1, 0600), EINVAL, "semget(nsems -1)");
	expect_err(semget(KEY, 1, 0600), ENOENT, "semget(key, no IPC_CREAT)");
	int id = semget(KEY, 2, IPC_CREAT | IPC_EXCL | 0600);
	check(id >= 0, "semget(key, IPC_CREAT|IPC_EXCL)");
	expect_err(semget(KEY, 2, IPC_CREAT | IPC_EXCL | 0600), EEXIST, "semget again, IPC_EXCL");
	check(semget(KEY, 2, IPC_CREAT | 0600) == id, "semget again, IPC_CREAT: same id");
	check(semget(KEY, 0, 0) == id, "semget(key, nsems 0): same id");
	expect_err(semget(KEY, 3, 0), EINVAL, "semget(key, more nsems)");
	int id2 = semget(IPC_PRIVATE, 1, 0600);
	check(id2 >= 0 && id2 != id, "semget(IPC_PRIVATE): a new set");
	expect_ret(semctl(id, 0, IPC_RMID), 0, "semctl(IPC_RMID)");
	expect_err(semctl(id, 0, GETVAL), EINVAL, "GETVAL after IPC_RMID");
	expect_err(semctl(id, 0, IPC_RMID), EINVAL, "IPC_RMID again");
	expect_err(semget(KEY, 2, 0), ENOENT, "semget(key) after IPC_RMID");
	expect_err(semctl(-1, 0, GETVAL), EINVAL, "semctl(id -1)");
	expect_err(semctl(id2, 0, 99), EINVAL, "semctl(bad cmd)");
	semctl(id2, 0, IPC_RMID);
}

static void test_ctl(void)
{
	int id = semget(IPC_PRIVATE, 3, 0640);
	struct semid_ds ds;
	unsigned short vals[3] = {1, 2, 3}, got[3] = {0};

	expect_ret(semctl4(id, 1, SETVAL, 7), 0, "SETVAL 7");
	expect_ret(semctl4(id, 1, GETVAL, 0), 7, "GETVAL");
	check(semctl4(id, 1, GETPID, 0) == getpid(), "GETPID after SETVAL is ours");
	expect_ret(semctl4(id, 0, GETPID, 0), 0, "GETPID of an untouched semaphore");
	expect_err(semctl4(id, 1, SETVAL, 32768), ERANGE, "SETVAL 32768");
	expect_err(semctl4(id, 1, SETVAL, -1), ERANGE, "SETVAL -1");
	expect_ret(semctl4(id, 1, SETVAL, 32767), 0, "SETVAL 32767");
	expect_err(semctl4(id, 3, GETVAL, 0), EINVAL, "GETVAL(semnum 3 of 3)");
	expect_err(semctl4(id, -1, SETVAL, 1), EINVAL, "SETVAL(semnum -1)");
	expect_ret(semctl(id, 0, SETALL, vals), 0, "SETALL");
	expect_ret(semctl(id, 0, GETALL, got), 0, "GETALL");
	check(got[0] == 1 && got[1] == 2 && got[2] == 3, "GETALL values");
	vals[2] = 40000;
	expect_err(semctl(id, 0, SETALL, vals), ERANGE, "SETALL(40000)");
	expect_err(semctl4(id, 0, GETALL, 8), EFAULT, "GETALL(bad pointer)");
	expect_ret(semctl(id, 0, IPC_STAT, &ds), 0, "IPC_STAT");
	check(ds.sem_nsems == 3, "IPC_STAT sem_nsems 3");
	check((ds.sem_perm.mode & 0777) == 0640, "IPC_STAT mode 0640");
	check(ds.sem_perm.uid == getuid() && ds.sem_perm.cuid == getuid(), "IPC_STAT uid, cuid");
	check(ds.sem_otime == 0, "IPC_STAT sem_otime 0 before any semop");
	check(ds.sem_ctime != 0, "IPC_STAT sem_ctime set");
	ds.sem_perm.mode = 0604;
	expect_ret(semctl(id, 0, IPC_SET, &ds), 0, "IPC_SET mode 0604");
	semctl(id, 0, IPC_STAT, &ds);
	check((ds.sem_perm.mode & 0777) == 0604, "IPC_STAT after IPC_SET: 0604");
	expect_err(semctl4(id, 0, IPC_STAT, 8), EFAULT, "IPC_STAT(bad pointer)");

	struct seminfo si;
	check(semctl(0, 0, IPC_INFO, &si) >= 0, "IPC_INFO");
	check(si.semmsl == 32000 && si.semopm == 500 && si.semvmx == 32767 && si.semmni == 32000,
	      "IPC_INFO limits");
	int max = semctl(0, 0, SEM_INFO, &si);
	check(max >= 0 && si.semusz >= 1 && si.semaem >= 3, "SEM_INFO counts our set");
	int idx = id % 32768;
	check(semctl(idx, 0, SEM_STAT, &ds) == id, "SEM_STAT(index) returns the id");
	check(semctl(idx, 0, SEM_STAT_ANY, &ds) == id, "SEM_STAT_ANY(index) returns the id");
	semctl(id, 0, IPC_RMID);
}

static void test_op(void)
{
	int id = semget(IPC_PRIVATE, 2, 0600);
	struct sembuf sb[2];
	struct timespec ts = {0, 50 * 1000000L};

	expect_err(semop(id, sb, 0), EINVAL, "semop(nsops 0)");
	static struct sembuf many[501];
	expect_err(semop(id, many, 501), E2BIG, "semop(nsops 501)");
	expect_err(op1(id, 2, 1, 0), EFBIG, "semop(sem_num 2 of 2)");
	expect_err(semop(id, (struct sembuf *)8, 1), EFAULT, "semop(bad pointer)");
	expect_err(op1(id, 0, -1, IPC_NOWAIT), EAGAIN, "semop(-1 on 0, IPC_NOWAIT)");
	expect_ret(op1(id, 0, 2, 0), 0, "semop(+2)");
	expect_ret(semctl4(id, 0, GETVAL, 0), 2, "value 2");
	check(semctl4(id, 0, GETPID, 0) == getpid(), "GETPID after semop is ours");
	expect_err(op1(id, 0, 0, IPC_NOWAIT), EAGAIN, "semop(wait for zero on 2, IPC_NOWAIT)");
	expect_ret(op1(id, 1, 0, 0), 0, "semop(wait for zero on 0)");
	/* All or nothing: the second op would block, so the first is not done. */
	sb[0] = (struct sembuf){0, -1, 0};
	sb[1] = (struct sembuf){1, -1, IPC_NOWAIT};
	expect_err(semop(id, sb, 2), EAGAIN, "semop([0: -1, 1: -1 NOWAIT])");
	expect_ret(semctl4(id, 0, GETVAL, 0), 2, "sem 0 untouched");
	sb[1] = (struct sembuf){1, 5, 0};
	expect_ret(semop(id, sb, 2), 0, "semop([0: -1, 1: +5])");
	check(semctl4(id, 0, GETVAL, 0) == 1 && semctl4(id, 1, GETVAL, 0) == 5, "values 1, 5");
	/* Two ops on one semaphore apply in order. */
	sb[0] = (struct sembuf){0, 3, 0};
	sb[1] = (struct sembuf){0, -4, IPC_NOWAIT};
	expect_ret(semop(id, sb, 2), 0, "semop([0: +3, 0: -4])");
	expect_ret(semctl4(id, 0, GETVAL, 0), 0, "value 0");
	semctl4(id, 0, SETVAL, 32767);
	expect_err(op1(id, 0, 1, 0), ERANGE, "semop past 32767");
	semctl4(id, 0, SETVAL, 0);
	expect_err(semtimedop(id, &(struct sembuf){0, -1, 0}, 1, &ts), EAGAIN,
		   "semtimedop(50 ms) times out");
	ts.tv_nsec = 1000000000L;
	expect_err(semtimedop(id, &(struct sembuf){0, -1, 0}, 1, &ts), EINVAL,
		   "semtimedop(tv_nsec 1e9)");
	expect_err(semtimedop(id, &(struct sembuf){0, -1, 0}, 1, (struct timespec *)8), EFAULT,
		   "semtimedop(bad timeout)");
	struct semid_ds ds;
	semctl(id, 0, IPC_STAT, &ds);
	check(ds.sem_otime != 0, "sem_otime set by semop");
	semctl(id, 0, IPC_RMID);
}

static void test_block(void)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	pid_t pid = fork_child();
	if (pid == 0) {
		expect_ret(op1(id, 0, -2, 0), 0, "child: semop(-2) after waiting");
		exit(guest_failures);
	}
	check(wait_count(id, 0, GETNCNT, 1), "GETNCNT 1 while the child waits");
	expect_ret(semctl4(id, 0, GETZCNT, 0), 0, "GETZCNT 0");
	expect_ret(op1(id, 0, 1, 0), 0, "semop(+1): not enough yet");
	msleep(20);
	expect_ret(semctl4(id, 0, GETNCNT, 0), 1, "child still waits");
	expect_ret(op1(id, 0, 1, 0), 0, "semop(+1)");
	guest_expect_child(pid, "exit 0", "waiter");
	expect_ret(semctl4(id, 0, GETVAL, 0), 0, "value 0 after the waiter took 2");
	check(semctl4(id, 0, GETPID, 0) == pid, "GETPID is the waiter's");

	/* Wait for zero. */
	semctl4(id, 0, SETVAL, 1);
	pid = fork_child();
	if (pid == 0) {
		expect_ret(op1(id, 0, 0, 0), 0, "child: wait for zero");
		exit(guest_failures);
	}
	check(wait_count(id, 0, GETZCNT, 1), "GETZCNT 1 while the child waits for zero");
	expect_ret(op1(id, 0, -1, 0), 0, "semop(-1) to zero");
	guest_expect_child(pid, "exit 0", "zero waiter");

	/* IPC_RMID wakes sleepers with EIDRM. */
	pid = fork_child();
	if (pid == 0) {
		expect_err(op1(id, 0, -1, 0), EIDRM, "child: semop on a removed set");
		exit(guest_failures);
	}
	check(wait_count(id, 0, GETNCNT, 1), "GETNCNT 1 before IPC_RMID");
	semctl(id, 0, IPC_RMID);
	guest_expect_child(pid, "exit 0", "sleeper of a removed set");
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_eintr(void)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigaction(SIGUSR1, &sa, NULL);
	pid_t pid = fork_child();
	if (pid == 0) {
		expect_err(op1(id, 0, -1, 0), EINTR, "child: semop interrupted (SA_RESTART)");
		exit(guest_failures);
	}
	check(wait_count(id, 0, GETNCNT, 1), "child waits");
	kill(pid, SIGUSR1);
	guest_expect_child(pid, "exit 0", "interrupted semop");
	expect_ret(semctl4(id, 0, GETNCNT, 0), 0, "GETNCNT 0 after the interrupt");
	semctl(id, 0, IPC_RMID);
}

static void test_undo(void)
{
	int id = semget(IPC_PRIVATE, 2, 0600);
	semctl4(id, 0, SETVAL, 5);
	pid_t pid = fork_child();
	if (pid == 0) {
		expect_ret(op1(id, 0, -2, SEM_UNDO), 0, "child: semop(-2, SEM_UNDO)");
		expect_ret(op1(id, 1, 3, SEM_UNDO), 0, "child: semop(+3 on sem 1, SEM_UNDO)");
		expect_ret(op1(id, 1, 1, 0), 0, "child: semop(+1 on sem 1, no undo)");
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "SEM_UNDO child");
	expect_ret(semctl4(id, 0, GETVAL, 0), 5, "sem 0 back to 5 after the exit");
	expect_ret(semctl4(id, 1, GETVAL, 0), 1, "sem 1 keeps the +1 without undo");
	check(semctl4(id, 0, GETPID, 0) == pid, "GETPID: the exiting process");

	/* SETVAL clears the adjustments. */
	pid = fork_child();
	if (pid == 0) {
		expect_ret(op1(id, 0, 1, SEM_UNDO), 0, "child: semop(+1, SEM_UNDO)");
		semctl4(id, 0, SETVAL, 9);
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "SETVAL child");
	expect_ret(semctl4(id, 0, GETVAL, 0), 9, "SETVAL dropped the undo");

	/* An exit that undoes a decrement wakes a waiter. */
	semctl4(id, 0, SETVAL, 1);
	pid = fork_child();
	if (pid == 0) {
		op1(id, 0, -1, SEM_UNDO);
		msleep(100);
		exit(0);
	}
	pid_t w = fork_child();
	if (w == 0) {
		msleep(30);
		expect_ret(op1(id, 0, -1, 0), 0, "waiter woken by the undo at exit");
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "holder");
	guest_expect_child(w, "exit 0", "waiter of the undo");
	/* SETVAL between two undone ops: only the later one is undone. */
	pid = fork_child();
	if (pid == 0) {
		op1(id, 1, 2, SEM_UNDO);
		semctl4(id, 1, SETVAL, 32767);
		op1(id, 1, -32767, SEM_UNDO);
		exit(0);
	}
	guest_expect_child(pid, "exit 0", "SETVAL-between child");
	expect_ret(semctl4(id, 1, GETVAL, 0), 32767, "undo applied to the later adjustment");
	semctl(id, 0, IPC_RMID);
}

static void *undo_thread(void *arg)
{
	int id = *(int *)arg;
	op1(id, 0, 2, SEM_UNDO);
	return NULL;
}

/* Threads share their process's adjustments (CLONE_SYSVSEM): all undone at its exit. */
static void test_undo_threads(void)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	pid_t pid = fork_child();
	if (pid == 0) {
		pthread_t th;
		pthread_create(&th, NULL, undo_thread, &id);
		pthread_join(th, NULL);
		op1(id, 0, 3, SEM_UNDO);
		exit(semctl4(id, 0, GETVAL, 0) == 5 ? 0 : 1);
	}
	guest_expect_child(pid, "exit 0", "threads adding 2 and 3 with SEM_UNDO");
	expect_ret(semctl4(id, 0, GETVAL, 0), 0, "both undone at the process's exit");
	semctl(id, 0, IPC_RMID);
}

static void test_perm(void)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	int id2 = semget(IPC_PRIVATE, 1, 0644);
	pid_t pid = fork_child();
	if (pid == 0) {
		guest_quiet = false; /* the parent only waits: no race */
		if (setgid(NOBODY) || setuid(NOBODY)) {
			printf("FAIL setuid(65534)\n");
			exit(1);
		}
		struct semid_ds ds;
		expect_err(semctl4(id, 0, GETVAL, 0), EACCES, "uid 65534: GETVAL on 0600");
		expect_err(op1(id, 0, 1, 0), EACCES, "uid 65534: semop on 0600");
		expect_err(semctl(id, 0, IPC_STAT, &ds), EACCES, "uid 65534: IPC_STAT on 0600");
		check(semctl(id % 32768, 0, SEM_STAT_ANY, &ds) == id, "uid 65534: SEM_STAT_ANY");
		expect_err(semctl(id, 0, IPC_RMID), EPERM, "uid 65534: IPC_RMID of root's");
		expect_ret(semctl4(id2, 0, GETVAL, 0), 0, "uid 65534: GETVAL on 0644");
		expect_ret(op1(id2, 0, 0, 0), 0, "uid 65534: wait-for-zero on 0644 (read)");
		expect_err(op1(id2, 0, 1, 0), EACCES, "uid 65534: semop(+1) on 0644");
		expect_err(semctl4(id2, 0, SETVAL, 1), EACCES, "uid 65534: SETVAL on 0644");
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "uid 65534 child");
	semctl(id, 0, IPC_RMID);
	semctl(id2, 0, IPC_RMID);
}

int main(void)
{
	guest_start("sysv_sem");
	test_get();
	test_ctl();
	test_op();
	test_block();
	test_eintr();
	test_undo();
	test_undo_threads();
	test_perm();
	return guest_finish();
}

// SPDX-License-Identifier: Apache-2.0
/*
 * System V shared memory: shmget, shmat, shmdt and shmctl. Attach counts
 * across fork, exit, munmap splits and shmdt; IPC_RMID while attached;
 * SHM_RDONLY, SHM_RND, SHM_REMAP; data shared between processes;
 * permissions as uid 65534.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

#include "guest_test.h"

#define NOBODY 65534
#define KEY 0x5e4a1003
#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

static pid_t fork_child(void)
{
	pid_t pid = fork();
	if (pid == 0)
		guest_failures = 0;
	return pid;
}

static long nattch(int id)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds))
		return -errno;
	return (long)ds.shm_nattch;
}

static void test_get(void)
{
	shmctl(shmget(KEY, 0, 0), IPC_RMID, NULL);
	expect_err(shmget(IPC_PRIVATE, 0, 0600), EINVAL, "shmget(size 0)");
	expect_err(shmget(KEY, 4096, 0600), ENOENT, "shmget(key, no IPC_CREAT)");
	int id = shmget(KEY, 10000, IPC_CREAT | IPC_EXCL | 0600);
	check(id >= 0, "shmget(key, 10000, IPC_CREAT|IPC_EXCL)");
	expect_err(shmget(KEY, 4096, IPC_CREAT | IPC_EXCL), EEXIST, "shmget again, IPC_EXCL");
	check(shmget(KEY, 4096, 0) == id, "shmget(key, smaller size): same id");
	check(shmget(KEY, 0, 0) == id, "shmget(key, size 0): same id");
	expect_err(shmget(KEY, 10001, 0), EINVAL, "shmget(key, larger size)");
	struct shmid_ds ds;
	expect_ret(shmctl(id, IPC_STAT, &ds), 0, "IPC_STAT");
	check(ds.shm_segsz == 10000 && ds.shm_nattch == 0 && ds.shm_cpid == getpid(),
	      "IPC_STAT: segsz 10000, nattch 0, cpid");
	check((ds.shm_perm.mode & 0777) == 0600 && ds.shm_perm.__key == KEY, "IPC_STAT mode, key");
	ds.shm_perm.mode = 0640;
	expect_ret(shmctl(id, IPC_SET, &ds), 0, "IPC_SET mode 0640");
	shmctl(id, IPC_STAT, &ds);
	check((ds.shm_perm.mode & 0777) == 0640, "mode 0640 after IPC_SET");
	struct shminfo si;
	check(shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0, "IPC_INFO");
	check(si.shmmni == 4096 && si.shmmin == 1 && si.shmmax == 18446744073692774399UL,
	      "IPC_INFO limits");
	struct shm_info info;
	check(shmctl(0, SHM_INFO, (struct shmid_ds *)&info) >= 0 && info.used_ids >= 1,
	      "SHM_INFO counts our segment");
	check(shmctl(id % 32768, SHM_STAT, &ds) == id, "SHM_STAT(index) returns the id");
	expect_ret(shmctl(id, IPC_RMID, NULL), 0, "IPC_RMID");
	expect_err(shmctl(id, IPC_STAT, &ds), EINVAL, "IPC_STAT after IPC_RMID");
	expect_err(shmctl(-1, IPC_STAT, &ds), EINVAL, "shmctl(id -1)");
	expect_err(shmctl(0, 99, &ds), EINVAL, "shmctl(bad cmd)");
}

static void test_attach(void)
{
	int id = shmget(IPC_PRIVATE, 3 * 4096, 0600);
	char *p = shmat(id, NULL, 0);
	check(p != (void *)-1, "shmat(NULL)");
	expect_ret(nattch(id), 1, "nattch after shmat");
	p[0] = 'a';
	p[3 * 4096 - 1] = 'z';
	char *q = shmat(id, NULL, SHM_RDONLY);
	check(q != (void *)-1 && q != p, "second shmat(SHM_RDONLY)");
	check(q[0] == 'a' && q[3 * 4096 - 1] == 'z', "the same memory through both");
	expect_ret(nattch(id), 2, "nattch 2");
	expect_err(mprotect(q, 4096, PROT_READ | PROT_WRITE), EACCES,
		   "mprotect(write) of an SHM_RDONLY attach");

	pid_t pid = fork_child();
	if (pid == 0) {
		expect_ret(nattch(id), 4, "child: nattch 4 after fork");
		p[1] = 'b';
		expect_ret(shmdt(p), 0, "child: shmdt");
		expect_ret(nattch(id), 3, "child: nattch 3");
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "fork child");
	expect_ret(nattch(id), 2, "nattch 2 after the child exits");
	check(p[1] == 'b', "the child's write is seen");
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_lpid == pid && ds.shm_atime != 0 && ds.shm_dtime != 0,
	      "IPC_STAT: lpid of the child, atime, dtime");

	/* munmap of the middle page splits the VMA: Linux counts each VMA. */
	expect_ret(munmap(p + 4096, 4096), 0, "munmap of the middle page");
	expect_ret(nattch(id), 3, "nattch 3 (two VMAs of one attach)");
	expect_err(shmdt(p + 4096), EINVAL, "shmdt(unmapped middle)");
	expect_err(shmdt(p + 1), EINVAL, "shmdt(unaligned)");
	expect_err(shmdt(p + 2 * 4096), EINVAL, "shmdt(a fragment not at offset 0's place)");
	expect_ret(shmdt(p), 0, "shmdt detaches both fragments");
	expect_ret(nattch(id), 1, "nattch 1");
	expect_err(shmdt(p), EINVAL, "shmdt again");

	/* At an address: SHM_RND, SHM_REMAP, overlap. */
	char *want = mmap(NULL, 8 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(want, 8 * 4096);
	check(shmat(id, want, 0) == want, "shmat(addr)");
	expect_err((long)shmat(id, want, 0), EINVAL, "shmat over an attach, no SHM_REMAP");
	check(shmat(id, want, SHM_REMAP) == want, "shmat(addr, SHM_REMAP)");
	expect_err((long)shmat(id, want + 4 * 4096 + 1, 0), EINVAL, "shmat(unaligned addr)");
	check(shmat(id, want + 4 * 4096 + 1, SHM_RND) == want + 4 * 4096, "shmat(SHM_RND)");
	expect_err((long)shmat(id, NULL, SHM_REMAP), EINVAL, "shmat(NULL, SHM_REMAP)");
	check(want[0] == 'a', "data at the fixed attach");
	expect_ret(nattch(id), 3, "nattch 3");
	shmdt(want);
	shmdt(want + 4 * 4096);
	shmdt(q);
	expect_ret(nattch(id), 0, "nattch 0");
	expect_err((long)shmat(-1, NULL, 0), EINVAL, "shmat(id -1)");

	/* IPC_RMID while attached: gone at the last detach. */
	p = shmat(id, NULL, 0);
	expect_ret(shmctl(id, IPC_RMID, NULL), 0, "IPC_RMID while attached");
	shmctl(id, IPC_STAT, &ds);
	check((ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.__key == 0,
	      "SHM_DEST set, key now IPC_PRIVATE");
	check(p[0] == 'a', "memory still there");
	char *r = shmat(id, NULL, 0);
	check(r != (void *)-1, "shmat of a removed, still attached segment");
	shmdt(r);
	expect_ret(shmdt(p), 0, "last shmdt");
	expect_err(shmctl(id, IPC_STAT, &ds), EINVAL, "segment gone after the last detach");

	/* Exit detaches. */
	id = shmget(IPC_PRIVATE, 4096, 0600);
	pid = fork_child();
	if (pid == 0) {
		shmat(id, NULL, 0);
		shmat(id, NULL, 0);
		exit(nattch(id) == 2 ? 0 : 1);
	}
	guest_expect_child(pid, "exit 0", "child attaching twice");
	expect_ret(nattch(id), 0, "nattch 0 after its exit");
	shmctl(id, IPC_RMID, NULL);
}

static sigjmp_buf jb;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static void test_rdonly(void)
{
	int id = shmget(IPC_PRIVATE, 4096, 0600);
	volatile char *p = shmat(id, NULL, SHM_RDONLY);
	struct sigaction sa = {.sa_handler = on_segv};
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(jb, 1)) {
		p[0] = 1;
		check(false, "write to an SHM_RDONLY attach faults");
	} else {
		check(true, "write to an SHM_RDONLY attach faults");
	}
	signal(SIGSEGV, SIG_DFL);
	shmdt((void *)p);
	shmctl(id, IPC_RMID, NULL);
}

/* execve drops the old address space: its attaches go. */
static void test_exec(const char *self)
{
	int id = shmget(IPC_PRIVATE, 4096, 0600);
	char ids[16];
	snprintf(ids, sizeof(ids), "%d", id);
	pid_t pid = fork_child();
	if (pid == 0) {
		shmat(id, NULL, 0);
		execl(self, self, "nattch", ids, (char *)NULL);
		exit(127);
	}
	guest_expect_child(pid, "exit 0", "exec'd child");
	shmctl(id, IPC_RMID, NULL);
}

static void test_perm(void)
{
	int id = shmget(IPC_PRIVATE, 4096, 0600);
	int id2 = shmget(IPC_PRIVATE, 4096, 0644);
	pid_t pid = fork_child();
	if (pid == 0) {
		if (setgid(NOBODY) || setuid(NOBODY)) {
			printf("FAIL setuid(65534)\n");
			exit(1);
		}
		struct shmid_ds ds;
		expect_err((long)shmat(id, NULL, SHM_RDONLY), EACCES, "uid 65534: shmat 0600");
		expect_err(shmctl(id, IPC_STAT, &ds), EACCES, "uid 65534: IPC_STAT 0600");
		expect_err(shmctl(id, IPC_RMID, NULL), EPERM, "uid 65534: IPC_RMID");
		expect_err((long)shmat(id2, NULL, 0), EACCES, "uid 65534: shmat(rw) 0644");
		void *p = shmat(id2, NULL, SHM_RDONLY);
		check(p != (void *)-1, "uid 65534: shmat(SHM_RDONLY) 0644");
		expect_err((long)shmat(id2, NULL, SHM_RDONLY | SHM_EXEC), EACCES,
			   "uid 65534: shmat(SHM_EXEC) 0644");
		expect_err(shmctl(id2, SHM_LOCK, NULL), EPERM, "uid 65534: SHM_LOCK not owner");
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "uid 65534 child");
	expect_ret(shmctl(id, SHM_LOCK, NULL), 0, "root: SHM_LOCK");
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_perm.mode & SHM_LOCKED, "SHM_LOCKED in mode");
	expect_ret(shmctl(id, SHM_UNLOCK, NULL), 0, "root: SHM_UNLOCK");
	shmctl(id, IPC_RMID, NULL);
	shmctl(id2, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "nattch")) {
		/* The exec'd child of test_exec: the attach made before execve is gone. */
		expect_ret(nattch(atoi(argv[2])), 0, "after execve: nattch 0");
		return guest_failures;
	}
	guest_start("sysv_shm");
	test_get();
	test_attach();
	test_rdonly();
	test_exec("/proc/self/exe");
	test_perm();
	return guest_finish();
}

// SPDX-License-Identifier: Apache-2.0
/*
 * The small syscalls: getrandom, prlimit64 (get), sched_getaffinity,
 * sched_yield, getcwd, readlink(at) of /proc/self/exe, arch_prctl
 * (FS and GS base), set_tid_address, set_robust_list and rseq.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

/* From the kernel's uapi headers, which static musl builds may lack. */
#define ARCH_SET_GS_LINUX 0x1001
#define ARCH_SET_FS_LINUX 0x1002
#define ARCH_GET_FS_LINUX 0x1003
#define ARCH_GET_GS_LINUX 0x1004
#define RSEQ_SIG_GUEST 0x53053053
#define RSEQ_FLAG_UNREGISTER_LINUX 1
#define NON_CANONICAL 0x8000000000000000UL

struct rlimit64_linux {
	uint64_t cur, max;
};

static void test_getrandom(void)
{
	unsigned char a[64], b[64], big[4096];
	static const unsigned char zero[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	expect_ret(getrandom(a, sizeof(a), 0), sizeof(a), "getrandom(64)");
	expect_ret(syscall(SYS_getrandom, b, sizeof(b), 0L), sizeof(b), "raw getrandom(64)");
	check(memcmp(a, zero, sizeof(a)) != 0, "getrandom: bytes not all zero");
	check(memcmp(a, b, sizeof(a)) != 0, "getrandom: two calls differ");
	expect_ret(getrandom(a, sizeof(a), GRND_NONBLOCK), sizeof(a),
		   "getrandom(64, GRND_NONBLOCK)");
	expect_ret(syscall(SYS_getrandom, big, sizeof(big), 0L), sizeof(big),
		   "raw getrandom(4096)");
	check(getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK) > 0,
	      "getrandom(16, GRND_RANDOM | GRND_NONBLOCK): some bytes");
	expect_ret(syscall(SYS_getrandom, a, 0L, 0L), 0, "getrandom(0 bytes)");
	expect_err(syscall(SYS_getrandom, a, 16L, 0x100L), EINVAL, "getrandom(unknown flag)");
}

static void check_limit(int res, const char *name)
{
	struct rlimit64_linux raw = {0, 0}, raw_pid = {0, 0};
	struct rlimit lib;

	if (!expect_ret(syscall(SYS_prlimit64, 0L, (long)res, NULL, &raw), 0,
			"prlimit64(0, %s, get)", name))
		return;
	check(raw.cur <= raw.max, "prlimit64(%s): cur <= max", name);
	expect_ret(syscall(SYS_prlimit64, (long)getpid(), (long)res, NULL, &raw_pid), 0,
		   "prlimit64(getpid(), %s, get)", name);
	check(raw_pid.cur == raw.cur && raw_pid.max == raw.max,
	      "prlimit64(getpid(), %s): same as pid 0", name);
	if (expect_ret(getrlimit(res, &lib), 0, "getrlimit(%s)", name))
		check(lib.rlim_cur == raw.cur && lib.rlim_max == raw.max,
		      "getrlimit(%s): matches prlimit64", name);
}

static void test_prlimit(void)
{
	struct rlimit64_linux r;

	check_limit(RLIMIT_STACK, "RLIMIT_STACK");
	check_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE");
	if (syscall(SYS_prlimit64, 0L, (long)RLIMIT_NOFILE, NULL, &r) == 0)
		check(r.cur >= 3, "RLIMIT_NOFILE: room for stdio");
	expect_err(syscall(SYS_prlimit64, 0L, 1000L, NULL, &r), EINVAL, "prlimit64(resource 1000)");
}

static void test_sched(void)
{
	unsigned char mask[128];
	cpu_set_t set;
	long n;
	size_t i;
	bool any = false;

	memset(mask, 0, sizeof(mask));
	n = syscall(SYS_sched_getaffinity, 0L, (long)sizeof(mask), mask);
	check(n > 0 && n <= (long)sizeof(mask) && n % 8 == 0,
	      "raw sched_getaffinity: returns a size in whole longs");
	for (i = 0; n > 0 && i < (size_t)n; i++)
		any |= mask[i] != 0;
	check(any, "raw sched_getaffinity: at least one CPU");
	CPU_ZERO(&set);
	if (expect_ret(sched_getaffinity(0, sizeof(set), &set), 0, "sched_getaffinity"))
		check(CPU_COUNT(&set) > 0, "sched_getaffinity: non-empty set");
	check(syscall(SYS_sched_getaffinity, (long)getpid(), (long)sizeof(mask), mask) == n,
	      "sched_getaffinity(getpid()): same as pid 0");
	expect_err(syscall(SYS_sched_getaffinity, 0L, 4L, mask), EINVAL,
		   "sched_getaffinity(4-byte mask)");
	expect_err(syscall(SYS_sched_getaffinity, (long)INT_MAX, 128L, mask), ESRCH,
		   "sched_getaffinity(nonexistent pid)");
	expect_ret(sched_yield(), 0, "sched_yield");
	expect_ret(syscall(SYS_sched_yield), 0, "raw sched_yield");
}

static void test_getcwd(void)
{
	char buf[PATH_MAX], raw[PATH_MAX];
	long n;

	if (!check(getcwd(buf, sizeof(buf)) != NULL, "getcwd"))
		return;
	check(buf[0] == '/', "getcwd: absolute path");
	n = syscall(SYS_getcwd, raw, (long)sizeof(raw));
	check(n == (long)strlen(buf) + 1, "raw getcwd: returns length + 1");
	check(n > 0 && strcmp(buf, raw) == 0, "raw getcwd: matches libc getcwd");
	expect_err(syscall(SYS_getcwd, raw, 1L), ERANGE, "getcwd(size 1)");
	expect_err(syscall(SYS_getcwd, raw, 0L), ERANGE, "getcwd(size 0)");
	if (n > 0) {
		check(syscall(SYS_getcwd, raw, n) == n, "getcwd(exactly length + 1): fits");
		expect_err(syscall(SYS_getcwd, raw, n - 1), ERANGE,
			   "getcwd(length, no room for NUL)");
	}
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void test_readlink(const char *argv0)
{
	char buf[PATH_MAX], raw[PATH_MAX], small[4];
	ssize_t n;
	long r;

	memset(buf, 0, sizeof(buf));
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (!check(n > 0, "readlink(/proc/self/exe)"))
		return;
	check(buf[0] == '/', "readlink(/proc/self/exe): absolute path");
	check(strcmp(base_name(buf), base_name(argv0)) == 0,
	      "readlink(/proc/self/exe): basename is argv[0]'s basename");

	memset(raw, 0, sizeof(raw));
	r = syscall(SYS_readlinkat, (long)AT_FDCWD, "/proc/self/exe", raw, (long)sizeof(raw));
	check(r == n && memcmp(buf, raw, n) == 0,
	      "raw readlinkat(AT_FDCWD, /proc/self/exe): matches readlink");
	memset(raw, 0, sizeof(raw));
	r = syscall(SYS_readlink, "/proc/self/exe", raw, (long)sizeof(raw));
	check(r == n && memcmp(buf, raw, n) == 0, "raw readlink(/proc/self/exe): matches readlink");
	r = syscall(SYS_readlink, "/proc/self/exe", small, (long)sizeof(small));
	check(r == (long)sizeof(small) && memcmp(small, buf, sizeof(small)) == 0,
	      "readlink(/proc/self/exe, 4-byte buffer): truncated to 4");
	expect_err(syscall(SYS_readlink, "/proc/self/exe", raw, 0L), EINVAL,
		   "readlink(/proc/self/exe, size 0)");
}

/* A syscall that touches neither errno nor anything else through %fs. */
static inline long raw_syscall2(long nr, long a, long b)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static __thread int tls_var = 7;
static uint64_t fake_tcb[32] __attribute__((aligned(64)));
static uint64_t gs_block[4] __attribute__((aligned(64)));

/*
 * libc keeps its thread pointer (errno, the stack protector canary) in the
 * FS base, so between the SET_FS and the restore only raw syscalls run and
 * the fake TCB starts as a copy of the head of the real one with its self
 * pointer fixed.
 */
static void test_arch_prctl_fs(void)
{
	uint64_t old_fs = 0, got_fs = 0, seen_self = 0, seen_mark = 0;
	long r_set, r_get, r_restore;

	if (!expect_ret(syscall(SYS_arch_prctl, (long)ARCH_GET_FS_LINUX, &old_fs), 0,
			"arch_prctl(ARCH_GET_FS)"))
		return;
	check(old_fs != 0, "ARCH_GET_FS: a thread pointer is set");
	/* The self pointer at 0 and the canary at 0x28, for glibc and musl. */
	memcpy(fake_tcb, (void *)old_fs, 64);
	fake_tcb[0] = (uintptr_t)fake_tcb;
	fake_tcb[31] = 0x5eedf00dUL;

	r_set = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS_LINUX, (long)fake_tcb);
	asm volatile("mov %%fs:0, %0" : "=r"(seen_self) : : "memory");
	asm volatile("mov %%fs:248, %0" : "=r"(seen_mark) : : "memory");
	r_get = raw_syscall2(SYS_arch_prctl, ARCH_GET_FS_LINUX, (long)&got_fs);
	r_restore = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS_LINUX, (long)old_fs);

	check(r_set == 0, "arch_prctl(ARCH_SET_FS, new block): 0");
	check(seen_self == (uintptr_t)fake_tcb && seen_mark == 0x5eedf00dUL,
	      "ARCH_SET_FS: %%fs-relative loads read the new block");
	check(r_get == 0 && got_fs == (uintptr_t)fake_tcb, "ARCH_GET_FS: returns the new base");
	check(r_restore == 0, "arch_prctl(ARCH_SET_FS, original): 0");
	got_fs = 0;
	syscall(SYS_arch_prctl, (long)ARCH_GET_FS_LINUX, &got_fs);
	check(got_fs == old_fs, "ARCH_GET_FS: original base restored");
	tls_var += 35;
	check(tls_var == 42, "TLS variable works after the restore");
	expect_err(syscall(SYS_arch_prctl, (long)ARCH_SET_FS_LINUX, NON_CANONICAL), EPERM,
		   "arch_prctl(ARCH_SET_FS, non-canonical)");
}

static void test_arch_prctl_gs(void)
{
	uint64_t old_gs = 1, got_gs = 0, seen = 0;

	if (!expect_ret(syscall(SYS_arch_prctl, (long)ARCH_GET_GS_LINUX, &old_gs), 0,
			"arch_prctl(ARCH_GET_GS)"))
		return;
	gs_block[0] = 0x6a5b4c3d2e1fUL;
	expect_ret(syscall(SYS_arch_prctl, (long)ARCH_SET_GS_LINUX, gs_block), 0,
		   "arch_prctl(ARCH_SET_GS, block)");
	asm volatile("mov %%gs:0, %0" : "=r"(seen) : : "memory");
	check(seen == gs_block[0], "ARCH_SET_GS: %%gs-relative load reads it");
	syscall(SYS_arch_prctl, (long)ARCH_GET_GS_LINUX, &got_gs);
	check(got_gs == (uintptr_t)gs_block, "ARCH_GET_GS: returns the new base");
	expect_ret(syscall(SYS_arch_prctl, (long)ARCH_SET_GS_LINUX, old_gs), 0,
		   "arch_prctl(ARCH_SET_GS, original)");
	got_gs = 1;
	syscall(SYS_arch_prctl, (long)ARCH_GET_GS_LINUX, &got_gs);
	check(got_gs == old_gs, "ARCH_GET_GS: original base restored");
	expect_err(syscall(SYS_arch_prctl, (long)ARCH_SET_GS_LINUX, NON_CANONICAL), EPERM,
		   "arch_prctl(ARCH_SET_GS, non-canonical)");
	expect_err(syscall(SYS_arch_prctl, 0x9999L, 0L), EINVAL, "arch_prctl(unknown code)");
}

static int clear_tid_word;

struct robust_head_linux {
	void *next;
	long futex_offset;
	void *pending;
};

static struct robust_head_linux robust_head;

struct rseq_area {
	uint32_t cpu_id_start;
	uint32_t cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
	uint32_t pad[3];
} __attribute__((aligned(32)));

static struct rseq_area rseq_area;

static void test_thread_setup(void)
{
	long r, err;

	check(syscall(SYS_set_tid_address, &clear_tid_word) == syscall(SYS_gettid),
	      "set_tid_address: returns the tid");

	robust_head.next = &robust_head; /* an empty list */
	expect_ret(syscall(SYS_set_robust_list, &robust_head, (long)sizeof(robust_head)), 0,
		   "set_robust_list(empty list)");
	expect_err(syscall(SYS_set_robust_list, &robust_head, (long)sizeof(robust_head) - 1),
		   EINVAL, "set_robust_list(wrong size)");

	/*
	 * A fresh area: ENOSYS in the sandbox (no rseq), EINVAL natively when
	 * libc already registered one (glibc), 0 when it did not (musl), then
	 * unregistered again.
	 */
	rseq_area.cpu_id = (uint32_t)-1;
	r = syscall(SYS_rseq, &rseq_area, (long)sizeof(rseq_area), 0L, (long)RSEQ_SIG_GUEST);
	err = r == -1 ? errno : 0;
	if (r == 0)
		r = syscall(SYS_rseq, &rseq_area, (long)sizeof(rseq_area),
			    (long)RSEQ_FLAG_UNREGISTER_LINUX, (long)RSEQ_SIG_GUEST);
	if (r == 0 || err == ENOSYS || err == EINVAL || err == EBUSY)
		printf("rseq: ok\n");
	else
		check(false, "rseq(fresh area): %s", guest_errno_name(err));
}

int main(int argc, char **argv)
{
	guest_start("misc");
	test_getrandom();
	test_prlimit();
	test_sched();
	test_getcwd();
	test_readlink(argc > 0 ? argv[0] : "");
	test_arch_prctl_fs();
	test_arch_prctl_gs();
	test_thread_setup();
	return guest_finish();
}

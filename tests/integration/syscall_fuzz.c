// SPDX-License-Identifier: Apache-2.0
/*
 * syscall_fuzz SEED ITERATIONS [v]: a hostile guest. Each iteration a
 * deterministic PRNG picks one of the syscalls the Sentry implements and
 * arguments from a mix of interesting values (0, -1, huge numbers, fds
 * 0-3 and 1023, aligned and misaligned pointers into its own buffers, a
 * PROT_NONE page, unmapped, kernel and non-canonical addresses) and makes
 * the call raw. Results are ignored: the only check is that the program
 * survives. At the end it prints "fuzz: N calls, survived" and exits 0;
 * with "v" it first prints every call, to turn a seed into a reproducer.
 *
 * It must survive natively too (that is what shows the program is sane),
 * so it keeps the calls from destroying it in uninteresting ways:
 *  - it runs on a stack of its own; the buffers it hands out are the
 *    process stack below main (never used again), a heap buffer at the
 *    end of brk and a scratch region at a fixed address, so a write of any
 *    length into them harms nothing it needs;
 *  - calls that change mappings get ranges inside the scratch region (or
 *    the always-empty region next to it, or kernel/non-canonical/wrapping
 *    ranges the kernel must reject); whatever they map elsewhere is
 *    unmapped at once, brk is put back after each call;
 *  - struct arguments holding pointers (iovecs, rseq, timespecs for
 *    sleeps, rlimits) are built fresh from safe values; paths come from a
 *    pool of names or from buffers whose string is checked (relative, no
 *    "..");
 *  - calls that would kill, block or blind it are turned into harmless
 *    neighbours (ARCH_SET_FS is undone at once, PR_SET_SECCOMP,
 *    PR_SET_TSC, F_NOTIFY, F_SETLEASE, F_OFD_SETLKW, sleeps on CPU clocks,
 *    lowering RLIMIT_CPU/FSIZE, ...);
 *  - it works in a directory "fz" it creates in its cwd, with files of
 *    its own as fds 0-2 and its real stdout kept as fd 777, and every 500
 *    calls it puts the scratch region, fds, cwd and umask back.
 * Run it natively only as an unprivileged user in a scratch directory.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef uint64_t u64;

#define PAGE 4096UL
#define USER_END 0x800000000000UL /* first address above the lower half */
#define SCRATCH 0x5a0000000000UL
#define SCRATCH_PAGES 64
#define SCRATCH_END (SCRATCH + SCRATCH_PAGES * PAGE)
#define EMPTY 0x100000000000UL /* never mapped: ranges here are safe */
#define EMPTY_END (EMPTY + 256 * PAGE)
#define STACK_BUF_PAGES 16
#define HEAP_BUF_SIZE (16 * PAGE)
#define EXEC_STACK_SIZE (256 * 1024)
#define OUT_FD 777
#define MAX_FD 1024
#define RESET_EVERY 500
#define IOV_MAX_LINUX 1024

enum arg {
	A_NONE,
	A_FD,
	A_BUF,	 /* a pointer the kernel may read or write */
	A_LEN,	 /* a size or offset */
	A_INT,	 /* any number */
	A_FLAGS, /* a few random bits */
	A_MODE,
	A_PATH,
	A_ADDR, /* start of an address range that the next A_LEN sizes */
	A_ANY,	/* a number or a pointer */
	A_IOV,	/* an iovec array, followed by its count */
	A_TS,	/* a timespec to sleep for */
	A_RLIM, /* a new rlimit */
	A_PID,
	A_CLOCK,
	A_SIG,
	A_IOCTL,
	A_FCNTL,
	A_PRCTL,
	A_ARCH,
	A_PROT,
	A_MADV,
	A_RSEQ,
	A_WHENCE,
	A_BRK,
};

struct call {
	long nr;
	const char *name;
	enum arg args[6];
};

/* The implemented syscalls of sentry/syscalls/syscalls.def, less exit and
 * exit_group; then some numbers nothing implements. */
static const struct call calls[] = {
	{0, "read", {A_FD, A_BUF, A_LEN}},
	{1, "write", {A_FD, A_BUF, A_LEN}},
	{2, "open", {A_PATH, A_FLAGS, A_MODE}},
	{3, "close", {A_FD}},
	{4, "stat", {A_PATH, A_BUF}},
	{5, "fstat", {A_FD, A_BUF}},
	{6, "lstat", {A_PATH, A_BUF}},
	{8, "lseek", {A_FD, A_LEN, A_WHENCE}},
	{9, "mmap", {A_ADDR, A_LEN, A_PROT, A_FLAGS, A_FD, A_LEN}},
	{10, "mprotect", {A_ADDR, A_LEN, A_PROT}},
	{11, "munmap", {A_ADDR, A_LEN}},
	{12, "brk", {A_BRK}},
	{13, "rt_sigaction", {A_SIG, A_BUF, A_BUF, A_LEN}},
	{14, "rt_sigprocmask", {A_INT, A_BUF, A_BUF, A_LEN}},
	{16, "ioctl", {A_FD, A_IOCTL, A_ANY}},
	{17, "pread64", {A_FD, A_BUF, A_LEN, A_LEN}},
	{18, "pwrite64", {A_FD, A_BUF, A_LEN, A_LEN}},
	{19, "readv", {A_FD, A_IOV, A_INT}},
	{20, "writev", {A_FD, A_IOV, A_INT}},
	{21, "access", {A_PATH, A_MODE}},
	{24, "sched_yield", {A_NONE}},
	{25, "mremap", {A_ADDR, A_LEN, A_LEN, A_FLAGS, A_ADDR}},
	{26, "msync", {A_ADDR, A_LEN, A_FLAGS}},
	{27, "mincore", {A_ADDR, A_LEN, A_BUF}},
	{28, "madvise", {A_ADDR, A_LEN, A_MADV}},
	{32, "dup", {A_FD}},
	{33, "dup2", {A_FD, A_FD}},
	{35, "nanosleep", {A_TS, A_BUF}},
	{39, "getpid", {A_NONE}},
	{63, "uname", {A_BUF}},
	{72, "fcntl", {A_FD, A_FCNTL, A_ANY}},
	{74, "fsync", {A_FD}},
	{75, "fdatasync", {A_FD}},
	{76, "truncate", {A_PATH, A_LEN}},
	{77, "ftruncate", {A_FD, A_LEN}},
	{78, "getdents", {A_FD, A_BUF, A_LEN}},
	{79, "getcwd", {A_BUF, A_LEN}},
	{80, "chdir", {A_PATH}},
	{81, "fchdir", {A_FD}},
	{82, "rename", {A_PATH, A_PATH}},
	{83, "mkdir", {A_PATH, A_MODE}},
	{84, "rmdir", {A_PATH}},
	{85, "creat", {A_PATH, A_MODE}},
	{86, "link", {A_PATH, A_PATH}},
	{87, "unlink", {A_PATH}},
	{88, "symlink", {A_PATH, A_PATH}},
	{89, "readlink", {A_PATH, A_BUF, A_LEN}},
	{90, "chmod", {A_PATH, A_MODE}},
	{91, "fchmod", {A_FD, A_MODE}},
	{92, "chown", {A_PATH, A_INT, A_INT}},
	{93, "fchown", {A_FD, A_INT, A_INT}},
	{94, "lchown", {A_PATH, A_INT, A_INT}},
	{95, "umask", {A_MODE}},
	{96, "gettimeofday", {A_BUF, A_BUF}},
	{97, "getrlimit", {A_INT, A_BUF}},
	{102, "getuid", {A_NONE}},
	{104, "getgid", {A_NONE}},
	{107, "geteuid", {A_NONE}},
	{108, "getegid", {A_NONE}},
	{110, "getppid", {A_NONE}},
	{132, "utime", {A_PATH, A_BUF}},
	{149, "mlock", {A_ADDR, A_LEN}},
	{150, "munlock", {A_ADDR, A_LEN}},
	{151, "mlockall", {A_FLAGS}},
	{152, "munlockall", {A_NONE}},
	{157, "prctl", {A_PRCTL, A_ANY, A_ANY, A_ANY, A_ANY}},
	{158, "arch_prctl", {A_ARCH, A_ANY}},
	{162, "sync", {A_NONE}},
	{186, "gettid", {A_NONE}},
	{201, "time", {A_BUF}},
	{204, "sched_getaffinity", {A_PID, A_LEN, A_BUF}},
	{217, "getdents64", {A_FD, A_BUF, A_LEN}},
	{218, "set_tid_address", {A_BUF}},
	{228, "clock_gettime", {A_CLOCK, A_BUF}},
	{229, "clock_getres", {A_CLOCK, A_BUF}},
	{230, "clock_nanosleep", {A_CLOCK, A_FLAGS, A_TS, A_BUF}},
	{235, "utimes", {A_PATH, A_BUF}},
	{257, "openat", {A_FD, A_PATH, A_FLAGS, A_MODE}},
	{258, "mkdirat", {A_FD, A_PATH, A_MODE}},
	{260, "fchownat", {A_FD, A_PATH, A_INT, A_INT, A_FLAGS}},
	{261, "futimesat", {A_FD, A_PATH, A_BUF}},
	{262, "newfstatat", {A_FD, A_PATH, A_BUF, A_FLAGS}},
	{263, "unlinkat", {A_FD, A_PATH, A_FLAGS}},
	{264, "renameat", {A_FD, A_PATH, A_FD, A_PATH}},
	{265, "linkat", {A_FD, A_PATH, A_FD, A_PATH, A_FLAGS}},
	{266, "symlinkat", {A_PATH, A_FD, A_PATH}},
	{267, "readlinkat", {A_FD, A_PATH, A_BUF, A_LEN}},
	{268, "fchmodat", {A_FD, A_PATH, A_MODE}},
	{269, "faccessat", {A_FD, A_PATH, A_MODE}},
	{273, "set_robust_list", {A_BUF, A_LEN}},
	{280, "utimensat", {A_FD, A_PATH, A_BUF, A_FLAGS}},
	{292, "dup3", {A_FD, A_FD, A_FLAGS}},
	{302, "prlimit64", {A_PID, A_INT, A_RLIM, A_BUF}},
	{306, "syncfs", {A_FD}},
	{316, "renameat2", {A_FD, A_PATH, A_FD, A_PATH, A_FLAGS}},
	{318, "getrandom", {A_BUF, A_LEN, A_FLAGS}},
	{324, "membarrier", {A_INT, A_FLAGS, A_INT}},
	{325, "mlock2", {A_ADDR, A_LEN, A_FLAGS}},
	{332, "statx", {A_FD, A_PATH, A_FLAGS, A_FLAGS, A_BUF}},
	{334, "rseq", {A_RSEQ, A_LEN, A_FLAGS, A_INT}},
	{437, "openat2", {A_FD, A_PATH, A_BUF, A_LEN}},
	{439, "faccessat2", {A_FD, A_PATH, A_MODE, A_FLAGS}},
	/* Unassigned on x86-64 (Linux looks at the low 32 bits only). */
	{400, "nosys400", {A_ANY, A_ANY, A_ANY}},
	{511, "nosys511", {A_ANY, A_ANY, A_ANY}},
	{100000, "nosys100000", {A_ANY}},
	{0x7fffffff, "nosys0x7fffffff", {A_ANY}},
	{-1, "nosys-1", {A_ANY}},
	{0x100000000 + 400, "nosys0x100000190", {A_ANY}},
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static long sc(long nr, u64 a, u64 b, u64 c, u64 d, u64 e, u64 f)
{
	register u64 r10 __asm__("r10") = d;
	register u64 r8 __asm__("r8") = e;
	register u64 r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static u64 rng_state;

static u64 rnd(void)
{
	/* splitmix64 */
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 pick(u64 n)
{
	return rnd() % n;
}

static u64 pick_of(const u64 *v, size_t n)
{
	return v[pick(n)];
}
#define PICK(...)                                        \
	({                                               \
		static const u64 v_[] = {__VA_ARGS__};   \
		pick_of(v_, sizeof(v_) / sizeof(v_[0])); \
	})

/* What the fuzzer owns. */
static u64 stack_buf; /* STACK_BUF_PAGES of the process stack below main */
static u64 stack_top; /* main's frame: the stack is readable up to here */
static u64 heap_buf;  /* HEAP_BUF_SIZE at the end of brk */
static u64 brk0;      /* brk is put back here */
static u64 saved_fs;  /* for undoing ARCH_SET_FS */
static u64 saved_rlim[16][2];
static struct iovec *iov; /* IOV_MAX_LINUX entries, a guard page after */
static struct {
	long sec, nsec;
} sleep_ts;
static u64 new_rlim[2];
static u64 rseq_area[4] __attribute__((aligned(32)));
static char workdir[4096];
static unsigned char fd_used[MAX_FD];
static long last_fd = 3;
static int verbose;

static char long_name[300];
static char long_path[5000];
static char abs_path[4200];
static const char *path_pool[] = {
	"f0",
	"f1",
	"d0",
	"d0/f0",
	"d0/d1",
	"s0",
	"s1",
	".",
	"",
	"d0/",
	"f0/",
	"nonexistent",
	"/",
	"/tmp",
	"/dev/null",
	"/dev/zero",
	"/dev/full",
	"/dev/urandom",
	"/proc/self/exe",
	long_name,
	long_path,
	workdir,
	abs_path,
};
#define NPATHS (sizeof(path_pool) / sizeof(path_pool[0]))
#define NSHORT_NAMES 3 /* the first ones: no '/', safe to misalign */

static u64 misalign(void)
{
	if (pick(2))
		return 0;
	return PICK(1, 7, 8, 15, 2048, 4088, 4095);
}

static u64 gen_bad_ptr(void)
{
	switch (pick(20)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 0x1000;
	case 3:
		return EMPTY + misalign();
	case 4:
		return SCRATCH + 16 * PAGE + misalign(); /* PROT_NONE at reset */
	case 5:
		return SCRATCH + 18 * PAGE; /* a hole at reset */
	case 6:
		return 0x7ffffffff000UL;
	case 7:
		return 0x7fffffffffffUL;
	case 8:
		return USER_END;
	case 9:
		return 0xffff800000000000UL;
	case 10:
		return 0xffffffff81000000UL;
	case 11:
		return 0xffffffffff600000UL; /* vsyscall */
	case 12:
		return -1UL;
	case 13:
		return -PAGE;
	case 14:
		return 0x8000000000000000UL;
	case 15:
		return 0xdead000000000000UL;
	case 16:
		return SCRATCH_END; /* just past the scratch region */
	default:
		return rnd();
	}
}

static u64 gen_buf(void)
{
	switch (pick(8)) {
	case 0:
	case 1:
		return SCRATCH + pick(SCRATCH_PAGES) * PAGE + misalign();
	case 2:
		return SCRATCH + (pick(SCRATCH_PAGES) + 1) * PAGE - 1 - pick(64);
	case 3:
		return stack_buf + pick(STACK_BUF_PAGES) * PAGE + misalign();
	case 4:
		return heap_buf + pick(HEAP_BUF_SIZE / PAGE) * PAGE + misalign();
	case 5:
		return heap_buf + HEAP_BUF_SIZE - 1 - pick(64);
	default:
		return gen_bad_ptr();
	}
}

static u64 gen_len(void)
{
	switch (pick(4)) {
	case 0:
		return pick(4097);
	case 1:
		return rnd();
	default:
		return PICK(0, 1, 2, 7, 8, 16, 24, 32, 64, 128, 4095, 4096, 4097, 8192, 65536,
			    1UL << 20, 0x7fffffffUL, 0x80000000UL, 0xffffffffUL, 1UL << 32,
			    1UL << 40, 1UL << 47, 0x7fffffffffffffffUL, -1UL, -2UL, -PAGE);
	}
}

static u64 gen_int(void)
{
	switch (pick(4)) {
	case 0:
		return pick(32);
	case 1:
		return pick(2) ? rnd() : rnd() & 0xffff;
	default:
		return PICK(0, 1, 2, 3, 8, 64, 65, 255, 0x7fffffffUL, 0x80000000UL, 0xffffffffUL,
			    1UL << 32, -1UL, -2UL, 0x8000000000000000UL);
	}
}

static u64 gen_flags(void)
{
	switch (pick(10)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		return -1UL;
	default: {
		u64 f = 0;
		for (u64 k = pick(4) + 1; k; k--)
			f |= 1UL << pick(32);
		return f;
	}
	}
}

static u64 gen_mode(void)
{
	return PICK(0, 0777, 0644, 0755, 0700, 07777, 0170777, 0xffffffffUL, -1UL);
}

static u64 gen_fd(void)
{
	if (pick(3) == 0)
		return last_fd;
	return PICK(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1023, 1024, 65536, -1UL,
		    -100UL /* AT_FDCWD */, 0x7fffffffUL, 0x100000003UL);
}

static u64 gen_any(void)
{
	return pick(2) ? gen_int() : gen_buf();
}

/* A NUL-terminated string at p whose bytes up to the NUL lie within
 * [p, end), is relative and has no "..". */
static int path_is_safe(u64 p, u64 end)
{
	const char *s = (const char *)p;
	size_t n = end - p > 4096 ? 4096 : end - p;
	size_t len = strnlen(s, n);
	if (len == n)
		return 0;
	return s[0] != '/' && !memmem(s, len, "..", 2);
}

static u64 gen_path(void)
{
	u64 p;
	switch (pick(6)) {
	case 0:
	case 1:
	case 2:
		return (u64)path_pool[pick(NPATHS)];
	case 3:
		return (u64)path_pool[pick(NSHORT_NAMES)] + pick(2);
	case 4:
		return gen_bad_ptr();
	default:
		/* Whatever earlier calls left in the stack or heap buffer. */
		if (pick(2)) {
			p = stack_buf + pick(STACK_BUF_PAGES) * PAGE + misalign();
			if (path_is_safe(p, stack_top))
				return p;
		} else {
			p = heap_buf + pick(HEAP_BUF_SIZE / PAGE) * PAGE + misalign();
			if (path_is_safe(p, heap_buf + HEAP_BUF_SIZE))
				return p;
		}
		return (u64)path_pool[0];
	}
}

static u64 gen_iov(u64 *count)
{
	*count = pick(4) ? pick(9) : PICK(0, 1024, 1025, 0x7fffffff, -1UL, 1UL << 32);
	if (pick(8) == 0)
		return gen_bad_ptr();
	u64 n = *count > IOV_MAX_LINUX ? IOV_MAX_LINUX : *count;
	struct iovec *v = iov + IOV_MAX_LINUX - n; /* the guard page follows */
	for (u64 i = 0; i < n; i++) {
		v[i].iov_base = (void *)gen_buf();
		v[i].iov_len = pick(2) ? pick(8193) : gen_len();
	}
	return (u64)v;
}

static u64 gen_ts(int absolute)
{
	if (pick(6) == 0)
		return gen_bad_ptr();
	sleep_ts.sec = 0;
	sleep_ts.nsec = pick(200000);
	switch (pick(8)) {
	case 0:
		sleep_ts.nsec = PICK(-1UL, 1000000000, 999999999, 0x8000000000000000UL);
		break;
	case 1:
		sleep_ts.sec = -1;
		break;
	case 2:
		sleep_ts.nsec = 0;
		break;
	}
	if (absolute && sleep_ts.sec == 0)
		sleep_ts.sec = pick(2); /* long past on every clock */
	return (u64)&sleep_ts;
}

/* A range for the calls that change mappings: inside the scratch region
 * or the empty region, or one the kernel must refuse (outside the lower
 * half, or wrapping around). Anything else is moved into the scratch. */
static void fix_range(u64 *addr, u64 *len)
{
	if (*addr >= USER_END || *addr + *len < *addr)
		return;
	if (*addr >= EMPTY && *addr < EMPTY_END) {
		if (*len > EMPTY_END - *addr)
			*len = EMPTY_END - *addr;
		return;
	}
	if (*addr < SCRATCH || *addr >= SCRATCH_END)
		*addr = SCRATCH + pick(SCRATCH_PAGES) * PAGE + (pick(8) ? 0 : misalign());
	if (*len > SCRATCH_END - *addr)
		*len = SCRATCH_END - *addr;
}

static void unmap_outside_scratch(u64 addr, u64 len)
{
	len = (len + PAGE - 1) & ~(PAGE - 1);
	if (addr >= USER_END || len == 0 || addr + len < addr)
		return;
	if (addr < SCRATCH)
		sc(SYS_munmap, addr, (addr + len < SCRATCH ? addr + len : SCRATCH) - addr, 0, 0, 0,
		   0);
	if (addr + len > SCRATCH_END) {
		u64 from = addr > SCRATCH_END ? addr : SCRATCH_END;
		sc(SYS_munmap, from, addr + len - from, 0, 0, 0, 0);
	}
}

static void gen_args(const struct call *c, u64 a[6])
{
	for (int i = 0; i < 6; i++) {
		switch (c->args[i]) {
		case A_NONE:
			a[i] = pick(4) ? 0 : rnd();
			break;
		case A_FD:
			a[i] = gen_fd();
			break;
		case A_BUF:
			a[i] = gen_buf();
			break;
		case A_LEN:
			a[i] = gen_len();
			break;
		case A_INT:
		case A_WHENCE:
			a[i] = c->args[i] == A_WHENCE && pick(2) ? pick(6) : gen_int();
			break;
		case A_FLAGS:
			a[i] = gen_flags();
			break;
		case A_MODE:
			a[i] = gen_mode();
			break;
		case A_PATH:
			a[i] = gen_path();
			break;
		case A_ADDR:
			a[i] = pick(4) ? SCRATCH + pick(SCRATCH_PAGES) * PAGE : gen_buf();
			break;
		case A_ANY:
			a[i] = gen_any();
			break;
		case A_IOV:
			a[i] = gen_iov(&a[i + 1]);
			i++;
			break;
		case A_TS:
			a[i] = gen_ts(0);
			break;
		case A_RLIM:
			a[i] = pick(3) ? (u64)new_rlim : gen_bad_ptr();
			break;
		case A_PID:
			a[i] = PICK(0, 0, 1, -1UL, 0x7fffffff, 0x80000000UL, 1UL << 32);
			if (a[i] == 1)
				a[i] = sc(SYS_getpid, 0, 0, 0, 0, 0, 0);
			break;
		case A_CLOCK:
			a[i] = pick(4) ? pick(13) : gen_int();
			break;
		case A_SIG:
			a[i] = pick(4) ? pick(66) : gen_int();
			break;
		case A_IOCTL:
			a[i] = pick(4) ? gen_int()
				       : PICK(0x5401, 0x5402, 0x5403, 0x5404, 0x540f, 0x5410,
					      0x5413, 0x5414, 0x541b, 0x5421, 0x5450, 0x5451,
					      0x5452, 0x80086601, 0x40086602, 0x80087601);
			break;
		case A_FCNTL:
			a[i] = pick(6) ? PICK(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 36, 37,
					      1024, 1025, 1030, 1031, 1032, 1033, 1034)
				       : gen_int();
			break;
		case A_PRCTL:
			a[i] = pick(6) ? pick(80) : PICK(0x53564d41, 0x59616d61, -1UL, 1UL << 32);
			break;
		case A_ARCH:
			a[i] = pick(6) ? PICK(0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012,
					      0x1021, 0x1022, 0x1023, 0x1024, 0x1025, 0x2001,
					      0x2002, 0x2003, 0x3001, 0x4001, 0x5005)
				       : gen_int();
			break;
		case A_PROT:
			a[i] = pick(4) ? pick(8) : gen_flags();
			break;
		case A_MADV:
			a[i] = pick(6) ? pick(27) : PICK(100, 101, -1UL, 1UL << 32);
			break;
		case A_RSEQ:
			a[i] = pick(2) ? (u64)rseq_area + PICK(0, 0, 0, 1, 8, 16) : gen_bad_ptr();
			break;
		case A_BRK:
			a[i] = pick(2) ? brk0 + (pick(2) ? pick(1 << 20) : gen_len()) : gen_buf();
			break;
		}
	}
}

static void fill_new_rlim(u64 resource)
{
	u64 r = resource < 16 ? resource : 0;
	new_rlim[0] = pick(2) ? saved_rlim[r][0] : gen_len();
	new_rlim[1] = saved_rlim[r][1];
	/* A lower hard limit may be for good; not for the ones we need. */
	if (pick(8) == 0 && resource != 2 && resource != 7 && resource != 9)
		new_rlim[1] = gen_len();
	/* Lowering these may kill at once (SIGXCPU, SIGXFSZ). */
	if (resource == 0 || resource == 1 || resource == 15) {
		new_rlim[0] = -1UL;
		new_rlim[1] = -1UL;
	}
}

/* Turn what would kill, block or blind the fuzzer into a harmless
 * neighbour, and keep changes to mappings inside the scratch region. */
static void fix_args(long nr, u64 a[6])
{
	switch (nr) {
	case SYS_mmap:
		if ((a[3] & MAP_FIXED) && !(a[3] & MAP_FIXED_NOREPLACE) && a[1] <= 0x7ffffffff000UL)
			fix_range(&a[0], &a[1]);
		if (a[1] > (4UL << 20))
			a[3] &= ~(u64)(MAP_POPULATE | MAP_LOCKED);
		break;
	case SYS_mprotect:
	case SYS_munmap:
	case SYS_madvise:
		fix_range(&a[0], &a[1]);
		break;
	case SYS_mremap:
		fix_range(&a[0], &a[1]);
		if (a[3] & MREMAP_FIXED)
			fix_range(&a[4], &a[2]);
		break;
	case SYS_clock_nanosleep:
		/* CPU clocks of this process never advance while it sleeps. */
		if ((int)a[0] == 2 || (int)a[0] < -1)
			a[0] = 1;
		a[2] = gen_ts(a[1] & 1 /* TIMER_ABSTIME */);
		break;
	case SYS_fcntl:
		if (a[1] == 1026 /* F_NOTIFY */ || a[1] == 1024 /* F_SETLEASE */)
			a[1] = 1025; /* F_GETLEASE */
		if (a[1] == 38 /* F_OFD_SETLKW: blocks on our own locks */)
			a[1] = 37;
		break;
	case SYS_prctl:
		if (a[0] == 22 /* SECCOMP */ || a[0] == 26 /* TSC */ || a[0] == 35 /* MM */ ||
		    a[0] == 59 /* SYSCALL_USER_DISPATCH */ || a[0] == 75 || a[0] == 76)
			a[0] = 3; /* PR_GET_DUMPABLE */
		if (a[0] == 29 /* PR_SET_TIMERSLACK: a huge slack stretches sleeps */)
			a[1] %= 1000000;
		break;
	case SYS_arch_prctl:
		if (a[0] >= 0x5001 && a[0] <= 0x5004) /* shadow stack */
			a[0] = 0x5005;
		break;
	case SYS_prlimit64:
		if (a[2] == (u64)new_rlim)
			fill_new_rlim(a[1]);
		break;
	case SYS_rseq:
		/* A registered area the kernel cannot write kills the task. */
		if (!(a[2] & 1) && a[0] < USER_END &&
		    (a[0] < (u64)rseq_area || a[0] >= (u64)rseq_area + sizeof(rseq_area)))
			a[0] = (u64)rseq_area;
		memset(rseq_area, 0, sizeof(rseq_area));
		break;
	}
}

static void note_fd(long r)
{
	if (r >= 3 && r < MAX_FD && r != OUT_FD) {
		fd_used[r] = 1;
		last_fd = r;
	}
}

/* Undo what must not outlive the call. */
static void after_call(long nr, const u64 a[6], long r)
{
	int failed = (unsigned long)r >= -4095UL;
	switch (nr) {
	case SYS_open:
	case SYS_creat:
	case SYS_openat:
	case SYS_openat2:
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
	case SYS_fcntl:
		if (!failed)
			note_fd(r);
		break;
	case SYS_mmap:
		if (!failed)
			unmap_outside_scratch(r, a[1]);
		break;
	case SYS_mremap:
		if (!failed)
			unmap_outside_scratch(r, a[2]);
		break;
	case SYS_brk:
		sc(SYS_brk, brk0, 0, 0, 0, 0, 0);
		break;
	case SYS_mlockall:
		sc(SYS_munlockall, 0, 0, 0, 0, 0, 0);
		break;
	case SYS_prlimit64:
		if (a[2] && a[1] < 16)
			sc(SYS_prlimit64, 0, a[1], (u64)saved_rlim[a[1]], 0, 0, 0);
		break;
	case SYS_rseq:
		if (!failed && !(a[2] & 1))
			sc(SYS_rseq, a[0], a[1], 1, a[3], 0, 0);
		break;
	case SYS_arch_prctl:
		if (a[0] == 0x1012 /* ARCH_SET_CPUID */)
			sc(SYS_arch_prctl, 0x1012, 1, 0, 0, 0, 0);
		break;
	}
}

/* arch_prctl(ARCH_SET_FS) moves the TLS: put it back before any C code
 * can use it. */
static long call_set_fs(u64 a1)
{
	long r = sc(SYS_arch_prctl, 0x1002, a1, 0, 0, 0, 0);
	sc(SYS_arch_prctl, 0x1002, saved_fs, 0, 0, 0, 0);
	return r;
}

static void out(const char *s)
{
	sc(SYS_write, OUT_FD, (u64)s, strlen(s), 0, 0, 0);
}

static void die(const char *what)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "syscall_fuzz: %s\n", what);
	out(buf);
	sc(SYS_exit_group, 2, 0, 0, 0, 0, 0);
}

static void map_scratch(u64 first, u64 pages, u64 prot, u64 flags)
{
	long r = sc(SYS_mmap, SCRATCH + first * PAGE, pages * PAGE, prot,
		    MAP_ANONYMOUS | MAP_FIXED | flags, -1UL, 0);
	if (r != (long)(SCRATCH + first * PAGE))
		die("cannot map the scratch region");
}

/* mkdir -p workdir; cd workdir. */
static void make_workdir(void)
{
	for (char *p = workdir + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		sc(SYS_mkdir, (u64)workdir, 0755, 0, 0, 0, 0);
		*p = c;
		if (!c)
			break;
	}
	if (sc(SYS_chdir, (u64)workdir, 0, 0, 0, 0, 0))
		die("cannot make the work directory again");
}

/* Put back the scratch region, fds 0-2, cwd, umask and brk. */
static void reset(void)
{
	sc(SYS_munmap, SCRATCH, SCRATCH_END - SCRATCH, 0, 0, 0, 0);
	sc(SYS_munmap, EMPTY, EMPTY_END - EMPTY, 0, 0, 0, 0);
	map_scratch(0, 16, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	map_scratch(16, 1, PROT_NONE, MAP_PRIVATE);
	/* 17-19: a hole */
	map_scratch(20, 16, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	map_scratch(36, 1, PROT_READ, MAP_PRIVATE);
	/* 37-39: a hole */
	map_scratch(40, 8, PROT_READ | PROT_WRITE, MAP_SHARED);
	/* No PROT_EXEC: PR_SET_MDWE may forbid it. */
	map_scratch(48, 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_GROWSDOWN);

	for (int fd = 3; fd < MAX_FD; fd++) {
		if (fd_used[fd])
			sc(SYS_close, fd, 0, 0, 0, 0, 0);
		fd_used[fd] = 0;
	}
	last_fd = 3;
	sc(SYS_umask, 022, 0, 0, 0, 0, 0);
	sc(SYS_chmod, (u64)workdir, 0755, 0, 0, 0, 0);
	if (sc(SYS_chdir, (u64)workdir, 0, 0, 0, 0, 0))
		make_workdir(); /* renamed away, with cwd "/" or "/tmp" */
	static const char *const stdio[3] = {"zin", "zout", "zerr"};
	for (int fd = 0; fd < 3; fd++) {
		sc(SYS_unlink, (u64)stdio[fd], 0, 0, 0, 0, 0);
		long r = sc(SYS_open, (u64)stdio[fd], (fd ? O_WRONLY : O_RDONLY) | O_CREAT, 0644, 0,
			    0, 0);
		if (r < 0)
			die("cannot open the stdio files");
		if (r != fd) {
			sc(SYS_dup2, r, fd, 0, 0, 0, 0);
			sc(SYS_close, r, 0, 0, 0, 0, 0);
		}
	}
	sc(SYS_truncate, (u64) "f0", 0, 0, 0, 0, 0);
	sc(SYS_truncate, (u64) "f1", 0, 0, 0, 0, 0);
	sc(SYS_brk, brk0, 0, 0, 0, 0, 0);
}

static void print_call(long i, const struct call *c, const u64 a[6])
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%ld %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", i, c->name, a[0],
		 a[1], a[2], a[3], a[4], a[5]);
	out(buf);
}

static long iterations;

static void __attribute__((noreturn)) fuzz(void)
{
	char buf[128];
	long i;

	for (i = 0; i < iterations; i++) {
		if (i % RESET_EVERY == 0)
			reset();
		const struct call *c = &calls[pick(NCALLS)];
		u64 a[6];
		gen_args(c, a);
		fix_args(c->nr, a);
		if (verbose)
			print_call(i, c, a);
		long r;
		if (c->nr == SYS_arch_prctl && a[0] == 0x1002)
			r = call_set_fs(a[1]);
		else
			r = sc(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		after_call(c->nr, a, r);
	}
	snprintf(buf, sizeof(buf), "fuzz: %ld calls, survived\n", i);
	out(buf);
	sc(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

static void __attribute__((noreturn)) run_on_stack(u64 top, void (*fn)(void))
{
	__asm__ volatile("mov %0, %%rsp\n\tcall *%1\n\tud2" : : "r"(top), "r"(fn) : "memory");
	__builtin_unreachable();
}

/* Map the stack buffer's pages now: reading them must not fault. */
static void __attribute__((noinline)) touch_stack(void)
{
	volatile char big[(STACK_BUF_PAGES + 2) * PAGE];
	for (size_t i = 0; i < sizeof(big); i += PAGE)
		big[i] = 's';
}

static void setup(void)
{
	if (sc(SYS_dup2, 1, OUT_FD, 0, 0, 0, 0) != OUT_FD) {
		fputs("syscall_fuzz: cannot keep stdout as fd 777\n", stderr);
		exit(2);
	}
	/* Nothing inherited besides stdio may be touched. */
	if (sc(SYS_close_range, 3, OUT_FD - 1, 0, 0, 0, 0) < 0)
		for (int fd = 3; fd < 256; fd++)
			sc(SYS_close, fd, 0, 0, 0, 0, 0);
	sc(SYS_mkdir, (u64) "fz", 0755, 0, 0, 0, 0);
	if (chdir("fz") || !getcwd(workdir, sizeof(workdir) - 8))
		die("cannot make and enter the directory fz");
	snprintf(abs_path, sizeof(abs_path), "%s/f0", workdir);
	memset(long_name, 'n', sizeof(long_name) - 1);
	for (size_t i = 0; i + 2 < sizeof(long_path); i += 2)
		memcpy(long_path + i, "a/", 2);

	for (int r = 0; r < 16; r++)
		sc(SYS_prlimit64, 0, r, 0, (u64)saved_rlim[r], 0, 0);
	sc(SYS_arch_prctl, 0x1003, (u64)&saved_fs, 0, 0, 0, 0);

	long m = sc(SYS_mmap, 0, 4 * PAGE + PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1UL, 0);
	if ((unsigned long)m >= -4095UL || sc(SYS_mprotect, m + 4 * PAGE, PAGE, PROT_NONE, 0, 0, 0))
		die("cannot map the iovec array");
	iov = (struct iovec *)m;

	u64 cur = sc(SYS_brk, 0, 0, 0, 0, 0, 0);
	heap_buf = (cur + PAGE - 1) & ~(PAGE - 1);
	brk0 = heap_buf + HEAP_BUF_SIZE;
	if ((u64)sc(SYS_brk, brk0, 0, 0, 0, 0, 0) != brk0)
		die("cannot grow brk");
	memset((void *)heap_buf, 'h', HEAP_BUF_SIZE);
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s SEED ITERATIONS [v]\n", argv[0]);
		return 2;
	}
	rng_state = strtoull(argv[1], NULL, 0);
	iterations = strtol(argv[2], NULL, 0);
	verbose = argc == 4;
	setup();
	touch_stack();

	/* From here on the stack below this frame, and this frame, are only
	 * buffers: the fuzzer runs on a stack of its own and never returns. */
	volatile char here;
	stack_top = (u64)&here & ~(PAGE - 1);
	stack_buf = stack_top - STACK_BUF_PAGES * PAGE;
	long s = sc(SYS_mmap, 0, EXEC_STACK_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1UL, 0);
	if ((unsigned long)s >= -4095UL)
		die("cannot map a stack");
	run_on_stack(s + EXEC_STACK_SIZE, fuzz);
}

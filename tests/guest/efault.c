// SPDX-License-Identifier: Apache-2.0
/*
 * Bad pointers: every supported syscall that takes a pointer is given wild
 * ones and must answer EFAULT (or whatever Linux answers: a read from
 * /dev/null never touches the buffer, so only an address outside user
 * space fails there; the tty ioctls on a non-tty fail with ENOTTY first).
 * All calls are raw syscalls: libc wrappers may check or copy arguments.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define PAGE 4096UL
#define ARCH_GET_FS_LINUX 0x1003
#define ARCH_GET_GS_LINUX 0x1004

enum kind {
	K_LOW,	    /* (void *)1: user range, page 0 never mapped */
	K_KERNEL,   /* the kernel half */
	K_NONCANON, /* non-canonical */
	K_NONE,	    /* a PROT_NONE page */
	K_UNMAPPED, /* a page that was unmapped */
	K_RDONLY,   /* a read-only page: bad only when the kernel writes */
	NKINDS,
};

static const char *const kind_name[NKINDS] = {
	[K_LOW] = "0x1",
	[K_KERNEL] = "kernel address",
	[K_NONCANON] = "non-canonical address",
	[K_NONE] = "PROT_NONE page",
	[K_UNMAPPED] = "unmapped page",
	[K_RDONLY] = "read-only page",
};

static void *kind_ptr[NKINDS];

static bool kind_in_user_range(enum kind k)
{
	return k != K_KERNEL && k != K_NONCANON;
}

enum expect {
	EXP_EFAULT,		/* EFAULT for every kind */
	EXP_EFAULT_UNLESS_USER, /* 0 if the address is in user space */
	EXP_ENOTTY,		/* the fd is checked first */
};

struct efault_case {
	const char *name;
	long (*call)(void *p);
	bool kernel_writes; /* false: a read-only page is a valid input */
	enum expect expect;
};

static struct stat st_buf;
static char path_buf[256];

/* Kernel reads user memory through p. */
static long c_write(void *p)
{
	return syscall(SYS_write, 1L, p, 10L);
}

static long c_writev_iov(void *p)
{
	return syscall(SYS_writev, 1L, p, 1L);
}

static long c_writev_base(void *p)
{
	struct iovec iov = {.iov_base = p, .iov_len = 10};

	return syscall(SYS_writev, 1L, &iov, 1L);
}

static long c_nanosleep(void *p)
{
	return syscall(SYS_nanosleep, p, NULL);
}

static long c_clock_nanosleep(void *p)
{
	return syscall(SYS_clock_nanosleep, (long)CLOCK_MONOTONIC, 0L, p, NULL);
}

static long c_sigaction_act(void *p)
{
	return syscall(SYS_rt_sigaction, (long)SIGUSR1, p, NULL, 8L);
}

static long c_sigprocmask_set(void *p)
{
	return syscall(SYS_rt_sigprocmask, (long)SIG_BLOCK, p, NULL, 8L);
}

static long c_prlimit_new(void *p)
{
	return syscall(SYS_prlimit64, 0L, (long)RLIMIT_NOFILE, p, NULL);
}

static long c_readlink_path(void *p)
{
	return syscall(SYS_readlink, p, path_buf, (long)sizeof(path_buf));
}

static long c_readlinkat_path(void *p)
{
	return syscall(SYS_readlinkat, (long)AT_FDCWD, p, path_buf, (long)sizeof(path_buf));
}

static long c_fstatat_path(void *p)
{
	return syscall(SYS_newfstatat, 1L, p, &st_buf, (long)AT_EMPTY_PATH);
}

/* Kernel writes user memory through p. */
static long c_read(void *p)
{
	return syscall(SYS_read, 0L, p, 10L);
}

static long c_pread(void *p)
{
	return syscall(SYS_pread64, 0L, p, 10L, 0L);
}

static long c_readv_base(void *p)
{
	struct iovec iov = {.iov_base = p, .iov_len = 10};

	return syscall(SYS_readv, 0L, &iov, 1L);
}

static long c_uname(void *p)
{
	return syscall(SYS_uname, p);
}

static long c_clock_gettime(void *p)
{
	return syscall(SYS_clock_gettime, (long)CLOCK_MONOTONIC, p);
}

static long c_clock_getres(void *p)
{
	return syscall(SYS_clock_getres, (long)CLOCK_MONOTONIC, p);
}

static long c_gettimeofday(void *p)
{
	return syscall(SYS_gettimeofday, p, NULL);
}

static long c_gettimeofday_tz(void *p)
{
	return syscall(SYS_gettimeofday, NULL, p);
}

static long c_time(void *p)
{
	return syscall(SYS_time, p);
}

static long c_getrandom(void *p)
{
	return syscall(SYS_getrandom, p, 16L, 0L);
}

static long c_prlimit_old(void *p)
{
	return syscall(SYS_prlimit64, 0L, (long)RLIMIT_STACK, NULL, p);
}

static long c_getaffinity(void *p)
{
	return syscall(SYS_sched_getaffinity, 0L, 128L, p);
}

static long c_getcwd(void *p)
{
	return syscall(SYS_getcwd, p, 4096L);
}

static long c_readlink_buf(void *p)
{
	return syscall(SYS_readlink, "/proc/self/exe", p, 100L);
}

static long c_fstat(void *p)
{
	return syscall(SYS_fstat, 1L, p);
}

static long c_fstatat_buf(void *p)
{
	return syscall(SYS_newfstatat, 1L, "", p, (long)AT_EMPTY_PATH);
}

static long c_sigaction_old(void *p)
{
	return syscall(SYS_rt_sigaction, (long)SIGUSR1, NULL, p, 8L);
}

static long c_sigprocmask_old(void *p)
{
	return syscall(SYS_rt_sigprocmask, (long)SIG_BLOCK, NULL, p, 8L);
}

static long c_get_fs(void *p)
{
	return syscall(SYS_arch_prctl, (long)ARCH_GET_FS_LINUX, p);
}

static long c_get_gs(void *p)
{
	return syscall(SYS_arch_prctl, (long)ARCH_GET_GS_LINUX, p);
}

static long c_tcgets(void *p)
{
	return syscall(SYS_ioctl, 1L, (long)TCGETS, p);
}

static long c_tiocgwinsz(void *p)
{
	return syscall(SYS_ioctl, 1L, (long)TIOCGWINSZ, p);
}

static const struct efault_case cases[] = {
	{"write(stdout, 10 bytes)", c_write, false, EXP_EFAULT},
	{"writev(stdout, iov array)", c_writev_iov, false, EXP_EFAULT},
	{"writev(stdout, iov_base)", c_writev_base, false, EXP_EFAULT},
	{"nanosleep(req)", c_nanosleep, false, EXP_EFAULT},
	{"clock_nanosleep(req)", c_clock_nanosleep, false, EXP_EFAULT},
	{"rt_sigaction(act)", c_sigaction_act, false, EXP_EFAULT},
	{"rt_sigprocmask(set)", c_sigprocmask_set, false, EXP_EFAULT},
	{"prlimit64(new limit)", c_prlimit_new, false, EXP_EFAULT},
	{"readlink(path)", c_readlink_path, false, EXP_EFAULT},
	{"readlinkat(path)", c_readlinkat_path, false, EXP_EFAULT},
	{"newfstatat(path)", c_fstatat_path, false, EXP_EFAULT},

	{"read(/dev/null)", c_read, true, EXP_EFAULT_UNLESS_USER},
	{"pread64(/dev/null)", c_pread, true, EXP_EFAULT_UNLESS_USER},
	{"readv(/dev/null, iov_base)", c_readv_base, true, EXP_EFAULT_UNLESS_USER},
	{"uname", c_uname, true, EXP_EFAULT},
	{"clock_gettime", c_clock_gettime, true, EXP_EFAULT},
	{"clock_getres", c_clock_getres, true, EXP_EFAULT},
	{"gettimeofday(tv)", c_gettimeofday, true, EXP_EFAULT},
	{"gettimeofday(tz)", c_gettimeofday_tz, true, EXP_EFAULT},
	{"time", c_time, true, EXP_EFAULT},
	{"getrandom", c_getrandom, true, EXP_EFAULT},
	{"prlimit64(old limit)", c_prlimit_old, true, EXP_EFAULT},
	{"sched_getaffinity", c_getaffinity, true, EXP_EFAULT},
	{"getcwd", c_getcwd, true, EXP_EFAULT},
	{"readlink(buf)", c_readlink_buf, true, EXP_EFAULT},
	{"fstat(stdout)", c_fstat, true, EXP_EFAULT},
	{"newfstatat(stdout, AT_EMPTY_PATH, statbuf)", c_fstatat_buf, true, EXP_EFAULT},
	{"rt_sigaction(oldact)", c_sigaction_old, true, EXP_EFAULT},
	{"rt_sigprocmask(oldset)", c_sigprocmask_old, true, EXP_EFAULT},
	{"arch_prctl(ARCH_GET_FS)", c_get_fs, true, EXP_EFAULT},
	{"arch_prctl(ARCH_GET_GS)", c_get_gs, true, EXP_EFAULT},
	{"ioctl(stdout, TCGETS)", c_tcgets, true, EXP_ENOTTY},
	{"ioctl(stdout, TIOCGWINSZ)", c_tiocgwinsz, true, EXP_ENOTTY},
};

static bool setup_pointers(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!check(p != MAP_FAILED, "mmap(3 pages) for bad pointers"))
		return false;
	kind_ptr[K_LOW] = (void *)1;
	kind_ptr[K_KERNEL] = (void *)0xffff800000000000UL;
	kind_ptr[K_NONCANON] = (void *)0x8000000000000000UL;
	kind_ptr[K_NONE] = p;
	kind_ptr[K_UNMAPPED] = p + PAGE;
	kind_ptr[K_RDONLY] = p + 2 * PAGE;
	return check(mprotect(p, PAGE, PROT_NONE) == 0 && munmap(p + PAGE, PAGE) == 0 &&
			     mprotect(p + 2 * PAGE, PAGE, PROT_READ) == 0,
		     "PROT_NONE, unmapped and read-only pages set up");
}

static void run_case(const struct efault_case *c)
{
	int k;

	for (k = 0; k < NKINDS; k++) {
		if (k == K_RDONLY && !c->kernel_writes)
			continue;
		fflush(stdout);
		long ret = c->call(kind_ptr[k]);

		switch (c->expect) {
		case EXP_EFAULT:
			expect_err(ret, EFAULT, "%s <- %s", c->name, kind_name[k]);
			break;
		case EXP_EFAULT_UNLESS_USER:
			if (kind_in_user_range(k))
				expect_ret(ret, 0, "%s <- %s", c->name, kind_name[k]);
			else
				expect_err(ret, EFAULT, "%s <- %s", c->name, kind_name[k]);
			break;
		case EXP_ENOTTY:
			expect_err(ret, ENOTTY, "%s <- %s", c->name, kind_name[k]);
			break;
		}
	}
}

/* Zero-length transfers never touch the buffer. */
static void test_zero_length(void)
{
	int k;

	for (k = 0; k < NKINDS; k++) {
		if (!kind_in_user_range(k))
			continue;
		expect_ret(syscall(SYS_write, 1L, kind_ptr[k], 0L), 0,
			   "write(stdout, 0 bytes) <- %s", kind_name[k]);
		expect_ret(syscall(SYS_getrandom, kind_ptr[k], 0L, 0L), 0,
			   "getrandom(0 bytes) <- %s", kind_name[k]);
	}
}

static bool stdout_is_pipe(void)
{
	struct stat st;

	return fstat(1, &st) == 0 && S_ISFIFO(st.st_mode);
}

/*
 * pwrite64 on stdout: a pipe says ESPIPE before looking at the buffer, a
 * file EFAULT. The read-only page is a valid source: not tried, as that
 * would overwrite the start of the captured output.
 */
static void test_pwrite(void)
{
	bool pipe_out = stdout_is_pipe(), ok = true;
	int k;

	guest_quiet = true;
	for (k = 0; k < NKINDS; k++) {
		if (k == K_RDONLY)
			continue;
		long ret = syscall(SYS_pwrite64, 1L, kind_ptr[k], 10L, 0L);

		if (pipe_out)
			ok &= expect_err(ret, ESPIPE, "(pipe) pwrite64 <- %s", kind_name[k]);
		else
			ok &= expect_err(ret, EFAULT, "(file) pwrite64 <- %s", kind_name[k]);
	}
	guest_quiet = false;
	if (ok)
		puts("pwrite64(stdout) <- bad pointers: as for a pipe or a "
		     "file");
}

/*
 * A write whose source runs into a PROT_NONE page: a regular file takes
 * the bytes before the fault and returns a short count; a pipe copies a
 * page at a time and fails with EFAULT having written nothing. For the
 * pipe, the same bytes are then written normally so stdout matches.
 */
static void test_straddle_write(char *edge)
{
	bool pipe_out = stdout_is_pipe(), ok;
	long ret;

	memcpy(edge, "partial\n", 8);
	fflush(stdout);
	ret = syscall(SYS_write, 1L, edge, 16L);
	guest_quiet = true;
	if (pipe_out) {
		ok = expect_err(ret, EFAULT, "(pipe) write(8 good + 8 bad)");
		if (ok)
			ok = write(1, edge, 8) == 8;
	} else {
		ok = expect_ret(ret, 8, "(file) write(8 good + 8 bad)");
	}
	guest_quiet = false;
	if (ok)
		puts("write(stdout, 8 good + 8 bad bytes): as for a pipe or a "
		     "file");
}

/*
 * A buffer that starts 8 bytes before a PROT_NONE page: getrandom fills
 * what it can and returns the short count; a struct that straddles the
 * boundary is EFAULT.
 */
static void test_straddle(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *edge;

	if (!check(p != MAP_FAILED, "mmap(2 pages) for straddling buffers"))
		return;
	mprotect(p + PAGE, PAGE, PROT_NONE);
	edge = p + PAGE - 8;
	test_straddle_write(edge);
	expect_ret(syscall(SYS_getrandom, edge, 16L, 0L), 8,
		   "getrandom(8 good + 8 bad bytes): short count");
	expect_ret(syscall(SYS_read, 0L, edge, 16L), 0, "read(/dev/null, 8 good + 8 bad bytes)");
	expect_err(syscall(SYS_clock_gettime, (long)CLOCK_MONOTONIC, edge), EFAULT,
		   "clock_gettime(timespec across the boundary)");
	expect_err(syscall(SYS_uname, edge), EFAULT, "uname(utsname across the boundary)");
	expect_err(syscall(SYS_fstat, 1L, edge), EFAULT, "fstat(stat across the boundary)");
	munmap(p, 2 * PAGE);
}

int main(void)
{
	size_t i;

	guest_start("efault");
	if (!setup_pointers())
		return guest_finish();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_zero_length();
	test_pwrite();
	test_straddle();
	return guest_finish();
}

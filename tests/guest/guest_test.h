// SPDX-License-Identifier: Apache-2.0
/*
 * Helpers shared by the guest differential test programs.
 *
 * Each program runs natively and under `runsk do`; difftest.sh compares
 * the exit statuses and the stdout bytes. So every line printed here must
 * be the same on any Linux machine and on every run: print the name of a
 * check and the outcome Linux gives ("write(bad ptr): EFAULT"), never a
 * pid, an address, a time or a host-specific string.
 *
 * A passing check prints "<what>: <outcome>"; a failing one prints
 * "FAIL <what>: ..." with what was seen, and guest_finish() then returns 1.
 *
 * syscall(2) is variadic: pass every negative or 64-bit argument as a long
 * (-1L, (long)off), or the upper half of the register is left zero and
 * the kernel sees 0xffffffff instead of -1.
 *
 * stdout is line buffered (guest_start), so output made with printf and
 * output made with raw write(2) on fd 1 interleave in program order.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define GUEST_UNUSED __attribute__((unused))
#define GUEST_PRINTF(a, b) __attribute__((format(printf, a, b)))

static int guest_failures GUEST_UNUSED;

/*
 * When set, passing checks print nothing (failures still do). For checks
 * whose expected outcome depends on the host (e.g. stdout a pipe or a
 * file): run them quietly and print one line that is the same either way.
 */
static bool guest_quiet GUEST_UNUSED;

/* Symbolic name of an errno value; our own table so glibc and musl agree. */
static GUEST_UNUSED const char *guest_errno_name(int e)
{
	static char other[32];

	switch (e) {
	case 0:
		return "0";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ESRCH:
		return "ESRCH";
	case EINTR:
		return "EINTR";
	case EIO:
		return "EIO";
	case EBADF:
		return "EBADF";
	case EAGAIN:
		return "EAGAIN";
	case ENOMEM:
		return "ENOMEM";
	case EACCES:
		return "EACCES";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case EEXIST:
		return "EEXIST";
	case ENOTDIR:
		return "ENOTDIR";
	case EISDIR:
		return "EISDIR";
	case EINVAL:
		return "EINVAL";
	case ENOTTY:
		return "ENOTTY";
	case ESPIPE:
		return "ESPIPE";
	case ERANGE:
		return "ERANGE";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	case ENOSYS:
		return "ENOSYS";
	case EOVERFLOW:
		return "EOVERFLOW";
	case ELOOP:
		return "ELOOP";
	case EXDEV:
		return "EXDEV";
	case ENOTEMPTY:
		return "ENOTEMPTY";
	case ENXIO:
		return "ENXIO";
	case ENOSPC:
		return "ENOSPC";
	case EFBIG:
		return "EFBIG";
	case E2BIG:
		return "E2BIG";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EMLINK:
		return "EMLINK";
	case ETXTBSY:
		return "ETXTBSY";
	default:
		snprintf(other, sizeof(other), "errno %d", e);
		return other;
	}
}

/* Call first: line-buffer stdout and print a header line. */
static GUEST_UNUSED void guest_start(const char *name)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== %s\n", name);
}

static GUEST_UNUSED GUEST_PRINTF(4, 0) void guest_vreport(bool ok, const char *outcome,
							  const char *detail, const char *fmt,
							  va_list ap)
{
	if (ok && guest_quiet)
		return;
	if (!ok) {
		guest_failures++;
		fputs("FAIL ", stdout);
	}
	vprintf(fmt, ap);
	if (ok)
		printf(": %s\n", outcome);
	else
		printf(": %s\n", detail);
}

/* Pass if @ok; "<what>: ok" or "FAIL <what>: check failed". */
static GUEST_UNUSED GUEST_PRINTF(2, 3) bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vreport(ok, "ok", "check failed", fmt, ap);
	va_end(ap);
	return ok;
}

/*
 * Pass if @ret == @want. Reads errno on entry, so it may be called directly
 * on a syscall's result: expect_ret(syscall(SYS_write, ...), 5, "write").
 */
static GUEST_UNUSED GUEST_PRINTF(3, 4) bool expect_ret(long ret, long want, const char *fmt, ...)
{
	int err = errno;
	char outcome[48], detail[96];
	va_list ap;
	bool ok = ret == want;

	snprintf(outcome, sizeof(outcome), "%ld", want);
	if (ret == -1)
		snprintf(detail, sizeof(detail), "got -1 (%s), want %ld", guest_errno_name(err),
			 want);
	else
		snprintf(detail, sizeof(detail), "got %ld, want %ld", ret, want);
	va_start(ap, fmt);
	guest_vreport(ok, outcome, detail, fmt, ap);
	va_end(ap);
	return ok;
}

/* Pass if @ret == -1 and errno == @want_errno (errno is read on entry). */
static GUEST_UNUSED GUEST_PRINTF(3, 4) bool expect_err(long ret, int want_errno, const char *fmt,
						       ...)
{
	int err = errno;
	char detail[96];
	va_list ap;
	bool ok = ret == -1 && err == want_errno;

	if (ret == -1)
		snprintf(detail, sizeof(detail), "got %s, want %s", guest_errno_name(err),
			 guest_errno_name(want_errno));
	else
		snprintf(detail, sizeof(detail), "got %ld, want %s", ret,
			 guest_errno_name(want_errno));
	va_start(ap, fmt);
	guest_vreport(ok, guest_errno_name(want_errno), detail, fmt, ap);
	va_end(ap);
	return ok;
}

/*
 * Pass if a function that returns an error number (clock_nanosleep,
 * pthread_*) returned @want (0 or an errno value).
 */
static GUEST_UNUSED GUEST_PRINTF(3, 4) bool expect_errnum(int ret, int want, const char *fmt, ...)
{
	char detail[96];
	va_list ap;

	snprintf(detail, sizeof(detail), "got %s, want %s", guest_errno_name(ret),
		 guest_errno_name(want));
	va_start(ap, fmt);
	guest_vreport(ret == want, guest_errno_name(want), detail, fmt, ap);
	va_end(ap);
	return ret == want;
}

/*
 * dir/name, for tests working in a scratch directory. Two static buffers
 * are used in turn, so a call may take two such paths; one stays valid
 * until the second call after it (copy one that must live longer).
 */
static GUEST_UNUSED const char *guest_path_in(const char *dir, const char *name)
{
	static char path[2][128];
	static int i;
	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

/*
 * Wait for child pid (through EINTR: a signal may come meanwhile) and say
 * how it ended: "exit N", "signal N", or what went wrong. The string is
 * static: use it before the next call.
 */
static GUEST_UNUSED const char *guest_child_end(pid_t pid)
{
	static char s[32];
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid)
		snprintf(s, sizeof(s), "waitpid %s", guest_errno_name(errno));
	else if (WIFEXITED(st))
		snprintf(s, sizeof(s), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(s, sizeof(s), "signal %d", WTERMSIG(st));
	else
		snprintf(s, sizeof(s), "status %#x", st);
	return s;
}

/* Pass if child pid ends as want ("exit 0"): "<what>: exit 0". */
static GUEST_UNUSED void guest_expect_child(pid_t pid, const char *want, const char *what)
{
	const char *end = guest_child_end(pid);
	check(!strcmp(end, want), "%s: %s", what, end);
}

/* Call last: return value is the exit status (0 all passed, 1 otherwise). */
/*
 * Residency of n 4 KiB pages at p as "1010" (mincore), or the errno name.
 * The string is static: use it before the next call.
 */
static GUEST_UNUSED const char *guest_resident(void *p, long n)
{
	static char s[65];
	unsigned char v[64];

	if (n > 64 || syscall(SYS_mincore, p, n * 4096L, v))
		return n > 64 ? "EINVAL" : guest_errno_name(errno);
	for (long i = 0; i < n; i++)
		s[i] = '0' + (v[i] & 1);
	s[n] = 0;
	return s;
}

static GUEST_UNUSED int guest_finish(void)
{
	if (guest_failures) {
		printf("FAIL: %d check(s) failed\n", guest_failures);
		fflush(stdout);
		return 1;
	}
	printf("PASS\n");
	fflush(stdout);
	return 0;
}

#endif /* GUEST_TEST_H */

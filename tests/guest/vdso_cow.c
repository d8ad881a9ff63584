// SPDX-License-Identifier: Apache-2.0
/*
 * The vDSO text is private to each process, as Linux's (a special mapping
 * that may be made writable and is then copied on write): a process that
 * writes to it changes only its own copy, a forked child inherits the
 * copy and its own writes stay its own, and a new program gets the
 * pristine text again. The Sentry maps one set of frames into every
 * process, so a write that reached them would show in the fresh exec.
 *
 * Newer kernels may refuse to make the vDSO writable at all (sealed
 * system mappings: EINVAL or EPERM); then only the fresh exec is checked,
 * and the write checks run quietly, so the output is the same either way.
 */
#include <errno.h>
#define _GNU_SOURCE
#include <elf.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

/* A byte of e_ident's padding: zero in every vDSO, read by nobody. */
#define PAD_BYTE 15

static volatile unsigned char *vdso_text(void)
{
	return (volatile unsigned char *)getauxval(AT_SYSINFO_EHDR);
}

/* Run as "fresh" by the exec below: the new program's text is untouched. */
static int fresh(void)
{
	volatile unsigned char *v = vdso_text();
	if (!v)
		return 2;
	return v[PAD_BYTE] == 0 && !memcmp((const void *)v, ELFMAG, SELFMAG) ? 0 : 1;
}

static void test_write_and_fork(volatile unsigned char *v)
{
	long page = sysconf(_SC_PAGESIZE);
	struct timespec ts;

	check(v[PAD_BYTE] == 0, "vdso padding byte: 0");
	int ret = mprotect((void *)v, page, PROT_READ | PROT_WRITE | PROT_EXEC);
	if (ret) {
		check(errno == EINVAL || errno == EPERM || errno == EACCES,
		      "vdso text written: private to the writer");
		return;
	}
	guest_quiet = true;
	v[PAD_BYTE] = 0x5a;
	check(v[PAD_BYTE] == 0x5a, "write to the vdso text: reads back");

	pid_t pid = fork();
	if (pid == 0) {
		int ok = v[PAD_BYTE] == 0x5a;
		v[PAD_BYTE] = 0x33;
		_exit(ok && v[PAD_BYTE] == 0x33 ? 0 : 1);
	}
	int status = -1;
	check(waitpid(pid, &status, 0) == pid, "waitpid");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child: inherits the written text, writes its own");
	check(v[PAD_BYTE] == 0x5a, "parent: keeps its own copy after the child's write");

	expect_ret(mprotect((void *)v, page, PROT_READ | PROT_EXEC), 0, "mprotect(vdso, r-x)");
	/* The vDSO still works with one of its pages copied. */
	expect_ret(clock_gettime(CLOCK_MONOTONIC, &ts), 0, "clock_gettime after the copy");
	guest_quiet = false;
	check(true, "vdso text written: private to the writer");
}

static void test_fresh_exec(const char *self)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl(self, self, "fresh", (char *)NULL);
		_exit(3);
	}
	int status = -1;
	check(waitpid(pid, &status, 0) == pid, "waitpid(exec)");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "new program: pristine vdso text (status %d)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "fresh"))
		return fresh();
	guest_start("vdso_cow");
	volatile unsigned char *v = vdso_text();
	if (check(v != NULL, "AT_SYSINFO_EHDR: present")) {
		test_write_and_fork(v);
		test_fresh_exec(argv[0]);
	}
	return guest_finish();
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Address-space layout randomisation and personality(2). The program
 * execs itself a few times, each copy reporting where its stack, heap
 * (brk), an anonymous mapping, the vDSO and its own code are; the
 * addresses must change between runs (the code only if the program is
 * position independent), and stay put once personality(ADDR_NO_RANDOMIZE)
 * is set, which children and execve inherit. Only "differ" / "same" is
 * printed, never an address.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "guest_test.h"

enum { STACK, BRK, MMAP, VDSO, CODE, NADDR };
static const char *const names[NADDR] = {"stack", "brk", "mmap", "vdso", "code"};

static void report(int fd)
{
	int local;
	unsigned long a[NADDR] = {
		(unsigned long)&local,
		(unsigned long)sbrk(0),
		(unsigned long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
		getauxval(AT_SYSINFO_EHDR),
		(unsigned long)&report,
	};
	(void)!write(fd, a, sizeof(a));
}

/* Run a copy of ourselves that reports into a; 0 on success. */
static int run_copy(unsigned long a[NADDR])
{
	int p[2];
	if (pipe(p))
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char fd[16];
		snprintf(fd, sizeof(fd), "%d", p[1]);
		close(p[0]);
		execl("/proc/self/exe", "aslr", "report", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = read(p[0], a, NADDR * sizeof(a[0]));
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return n == (ssize_t)(NADDR * sizeof(a[0])) && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

/* The program is position independent: e_type ET_DYN. */
static bool self_is_pie(void)
{
	Elf64_Ehdr eh;
	int fd = open("/proc/self/exe", O_RDONLY);
	bool pie = fd >= 0 && read(fd, &eh, sizeof(eh)) == sizeof(eh) && eh.e_type == ET_DYN;
	if (fd >= 0)
		close(fd);
	return pie;
}

static void compare(const char *when, bool want_random)
{
	enum { RUNS = 3 };
	unsigned long a[RUNS][NADDR];
	for (int r = 0; r < RUNS; r++)
		if (run_copy(a[r])) {
			printf("FAIL %s: a copy of the program did not report\n", when);
			guest_failures++;
			return;
		}
	bool pie = self_is_pie();
	for (int i = 0; i < NADDR; i++) {
		bool same = a[0][i] == a[1][i] && a[1][i] == a[2][i];
		bool want_same = !want_random || (i == CODE && !pie);
		check(same == want_same, "%s: %s %s", when, names[i],
		      want_same ? "the same in every run" : "differs between runs");
	}
}

static void test_personality(void)
{
	expect_ret(personality(0xffffffff), 0, "personality(0xffffffff): the default, PER_LINUX");
	expect_ret(personality(PER_LINUX32), 0, "personality(PER_LINUX32) returns the old value");
	struct utsname u;
	uname(&u);
	check(!strcmp(u.machine, "i686"), "  uname's machine is i686");
	expect_ret(personality(0xffffffff), PER_LINUX32, "  personality(0xffffffff) reads it");
	char buf[32] = "";
	int fd = open("/proc/self/personality", O_RDONLY);
	if (fd >= 0) {
		(void)!read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	check(!strcmp(buf, "00000008\n"), "  /proc/self/personality: 00000008");
	expect_ret(personality(PER_LINUX), PER_LINUX32, "personality(PER_LINUX) back");
	uname(&u);
	check(!strcmp(u.machine, "x86_64"), "  uname's machine is x86_64");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "report")) {
		report(atoi(argv[2]));
		return 0;
	}
	guest_start("aslr");
	char buf[8] = "";
	int fd = open("/proc/sys/kernel/randomize_va_space", O_RDONLY);
	if (fd >= 0) {
		(void)!read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (strcmp(buf, "2\n")) {
		/* A host with ASLR turned off cannot be the oracle for this test. */
		printf("randomize_va_space is not 2 here: nothing to compare\nPASS\n");
		return 0;
	}
	test_personality();
	compare("randomised", true);
	personality(ADDR_NO_RANDOMIZE);
	compare("ADDR_NO_RANDOMIZE", false);
	expect_ret(personality(0xffffffff), ADDR_NO_RANDOMIZE,
		   "personality kept ADDR_NO_RANDOMIZE");
	return guest_finish();
}

// SPDX-License-Identifier: Apache-2.0
/*
 * File capabilities: execve of a file with security.capability grants
 * what Linux's cap_bprm_creds_from_file computes (pP' = (X & fP) | (pI &
 * fI), pE' = fE ? pP' : 0) with AT_SECURE, to a non-root user.
 *
 * As root, the program copies itself to a fresh directory under /tmp,
 * writes a VFS_CAP_REVISION_2 value with setxattr, and runs the copy
 * ("report": print the capability sets and AT_SECURE) as nobody in
 * several ways: effective or not, with no_new_privs, with the bounding
 * set lacking the capability (execve fails with EPERM), through the
 * inheritable set after PR_SET_KEEPCAPS, and without the attribute.
 * Not root: nothing to check (the same line either way).
 */
#include "fs_test.h"

#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/xattr.h>

/* Linux's uapi values, ours so that every libc builds it (musl has no linux/ headers). */
#define CAP_NET_BIND_SERVICE 10
#define CAPS_VERSION_3 0x20080522
#define VFS_CAP_REVISION_2 0x02000000u
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001u

struct caps_header {
	unsigned version;
	int pid;
};

struct caps_data {
	unsigned effective, permitted, inheritable;
};

#define NOBODY 65534
#define BIT (1u << CAP_NET_BIND_SERVICE)

static char prog[PATH_MAX + 16];

static int report(void)
{
	struct caps_header h = {CAPS_VERSION_3, 0};
	struct caps_data d[2];
	if (syscall(SYS_capget, &h, d)) {
		printf("capget: %s\n", guest_errno_name(errno));
		return 1;
	}
	printf("  uid %u: permitted %#x effective %#x inheritable %#x AT_SECURE %lu\n", getuid(),
	       d[0].permitted, d[0].effective, d[0].inheritable, getauxval(AT_SECURE));
	return 0;
}

/* Copy this program to prog; 0 or -1. */
static int copy_self(const char *argv0)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY);
	if (in < 0)
		in = open(argv0, O_RDONLY);
	int out = open(prog, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in < 0 || out < 0 || n < 0 ? -1 : 0;
}

static int set_caps(unsigned magic, unsigned permitted, unsigned inheritable)
{
	unsigned v[5] = {magic, permitted, inheritable, 0, 0};
	return setxattr(prog, "security.capability", v, sizeof(v), 0);
}

enum how { PLAIN, NO_NEW_PRIVS, NO_BOUND, KEEPCAPS_INHERIT };

/* Run prog as nobody, prepared as how; its report goes to stdout. */
static void run(const char *what, enum how how)
{
	printf("%s\n", what);
	pid_t pid = fork();
	if (pid == 0) {
		if (how == NO_BOUND && prctl(PR_CAPBSET_DROP, CAP_NET_BIND_SERVICE, 0, 0, 0))
			_exit(10);
		if (how == KEEPCAPS_INHERIT && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
			_exit(11);
		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(12);
		if (how == NO_NEW_PRIVS && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(13);
		if (how == KEEPCAPS_INHERIT) {
			/* Kept in permitted across setuid: put it in inheritable too. */
			struct caps_header h = {CAPS_VERSION_3, 0};
			struct caps_data d[2] = {{0, BIT, BIT}, {0, 0, 0}};
			if (syscall(SYS_capset, &h, d))
				_exit(14);
		}
		char *argv[] = {prog, "report", NULL};
		execv(prog, argv);
		printf("  execve: %s\n", guest_errno_name(errno));
		_exit(0);
	}
	guest_expect_child(pid, "exit 0", "  child");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "report"))
		return report();
	guest_start("filecaps");
	if (getuid() != 0) {
		printf("not root: nothing to check\n");
		return guest_finish();
	}
	fs_test_enter("filecaps");
	snprintf(prog, sizeof(prog), "%s/capprog", fs_test_dir);
	if (!check(copy_self(argv[0]) == 0, "copy of this program") ||
	    !check(chmod(fs_test_dir, 0755) == 0, "its directory readable by all")) {
		fs_test_leave();
		return guest_finish();
	}

	run("no file capabilities:", PLAIN);
	expect_ret(set_caps(VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, BIT, 0), 0,
		   "set cap_net_bind_service=ep");
	run("cap_net_bind_service=ep:", PLAIN);
	run("cap_net_bind_service=ep with no_new_privs:", NO_NEW_PRIVS);
	run("cap_net_bind_service=ep, not in the bounding set:", NO_BOUND);
	expect_ret(set_caps(VFS_CAP_REVISION_2, BIT, 0), 0, "set cap_net_bind_service=p");
	run("cap_net_bind_service=p:", PLAIN);
	expect_ret(set_caps(VFS_CAP_REVISION_2, 0, BIT), 0, "set cap_net_bind_service=i");
	run("cap_net_bind_service=i, the caller's inheritable set empty:", PLAIN);
	run("cap_net_bind_service=i, kept and made inheritable:", KEEPCAPS_INHERIT);
	expect_ret(removexattr(prog, "security.capability"), 0, "remove security.capability");
	run("removed again:", PLAIN);

	fs_test_leave();
	return guest_finish();
}

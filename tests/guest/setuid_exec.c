// SPDX-License-Identifier: Apache-2.0
/*
 * execve of set-user-ID and set-group-ID programs: the ids, capabilities,
 * AT_SECURE, dumpability and personality the new program starts with, as
 * capabilities(7) and execve(2) say, and no_new_privs keeping the bits
 * from taking effect. The program copies itself, makes the copy set-ID
 * for another user and runs it from children of various identities; the
 * copy prints what it got. Needs root (it skips otherwise).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guest_test.h"

#define NOBODY 65534

/* capget's ABI (linux/capability.h, which musl lacks). */
struct cap_header {
	unsigned version;
	int pid;
};
struct cap_data {
	unsigned effective, permitted, inheritable;
};
#define CAP_VERSION_3 0x20080522

static char copy[64];

/* The copy's report: one line, the same on any Linux. */
static int report(void)
{
	struct cap_header h = {CAP_VERSION_3, 0};
	struct cap_data d[2] = {{0}};
	syscall(SYS_capget, &h, d);
	unsigned long long eff = d[0].effective | (unsigned long long)d[1].effective << 32;
	printf("  runs as uid %d euid %d gid %d egid %d, AT_SECURE %lu, dumpable %d, "
	       "effective caps %s, personality %#x\n",
	       (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid(), getauxval(AT_SECURE),
	       (int)prctl(PR_GET_DUMPABLE),
	       eff == 0	   ? "none"
	       : (eff & 1) ? "root's"
			   : "some",
	       personality(0xffffffff));
	return 0;
}

/* Run the copy from a child that first takes on uid/gid and no_new_privs as asked. */
static void run(const char *what, int uid, int gid, bool nnp, unsigned pers)
{
	printf("%s:\n", what);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (pers)
			personality(pers);
		if (gid >= 0 && setresgid(gid, gid, gid))
			_exit(2);
		if (uid >= 0 && setresuid(uid, uid, uid))
			_exit(3);
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(4);
		execl(copy, copy, "report", (char *)NULL);
		printf("  execl: %s\n", guest_errno_name(errno));
		_exit(5);
	}
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "  exit 0");
}

static int make_copy(void)
{
	int in = open("/proc/self/exe", O_RDONLY);
	int out = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0755);
	char buf[65536];
	ssize_t n;
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	return close(out);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "report"))
		return report();
	guest_start("setuid_exec");
	if (geteuid() != 0) {
		printf("not root: skipped\nPASS\n");
		return 0;
	}
	/* Under /tmp: the sandbox's tmpfs, and the VM's own root natively; both honour set-ID bits. */
	snprintf(copy, sizeof(copy), "/tmp/setuid_exec.%d", getpid());
	if (make_copy()) {
		printf("FAIL copying the program: %s\n", guest_errno_name(errno));
		return 1;
	}

	run("a plain program, as root", -1, -1, false, 0);
	expect_ret(chown(copy, NOBODY, NOBODY), 0, "chown 65534:65534");
	expect_ret(chmod(copy, 04755), 0, "chmod 04755 (set-user-ID)");
	run("set-user-ID 65534, run by root", -1, -1, false, 0);
	run("set-user-ID 65534, run by root with ADDR_NO_RANDOMIZE", -1, -1, false,
	    ADDR_NO_RANDOMIZE);
	expect_ret(chmod(copy, 02755), 0, "chmod 02755 (set-group-ID)");
	run("set-group-ID 65534, run by uid 1000 gid 1000", 1000, 1000, false, 0);
	expect_ret(chmod(copy, 02745), 0, "chmod 02745 (set-group-ID without group execute)");
	run("  then by uid 1000 gid 1000: no effect", 1000, 1000, false, 0);
	expect_ret(chown(copy, 0, 0), 0, "chown 0:0");
	expect_ret(chmod(copy, 04755), 0, "chmod 04755 (set-user-ID root)");
	run("set-user-ID root, run by uid 1000", 1000, 1000, false, 0);
	run("set-user-ID root, run by uid 1000 with no_new_privs", 1000, 1000, true, 0);
	run("set-user-ID root, run by root", -1, -1, false, 0);
	unlink(copy);
	return guest_finish();
}

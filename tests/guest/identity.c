// SPDX-License-Identifier: Apache-2.0
/*
 * Who am I: uname, getpid/gettid/getppid and the user and group ids,
 * through libc and through the raw syscalls. Only relations between the
 * values are printed, never the values.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest_test.h"

static void test_uname(void)
{
	struct utsname u, r;

	memset(&u, 0, sizeof(u));
	if (!expect_ret(uname(&u), 0, "uname"))
		return;
	check(strcmp(u.sysname, "Linux") == 0, "uname: sysname is \"Linux\"");
	check(strcmp(u.machine, "x86_64") == 0, "uname: machine is \"x86_64\"");
	check(isdigit((unsigned char)u.release[0]) && strchr(u.release, '.') != NULL,
	      "uname: release looks like N.N...");
	check(u.version[0] != '\0', "uname: version is not empty");
	check(u.nodename[0] != '\0', "uname: nodename is not empty");
	check(memchr(u.nodename, '\0', sizeof(u.nodename)) &&
		      memchr(u.domainname, '\0', sizeof(u.domainname)),
	      "uname: fields are NUL-terminated");

	memset(&r, 0, sizeof(r));
	expect_ret(syscall(SYS_uname, &r), 0, "raw uname");
	check(memcmp(&u, &r, sizeof(u)) == 0, "raw uname matches libc uname");
}

static void test_ids(void)
{
	long pid = getpid(), tid = syscall(SYS_gettid), ppid = getppid();
	long uid = getuid(), euid = geteuid(), gid = getgid(), egid = getegid();

	check(pid > 0, "getpid: positive");
	check(syscall(SYS_getpid) == pid, "raw getpid matches libc getpid");
	check(tid == pid, "gettid == getpid in a single-threaded process");
	check(ppid >= 0, "getppid: not negative");
	check(ppid != pid, "getppid != getpid");
	check(syscall(SYS_getppid) == ppid, "raw getppid matches libc getppid");

	check(uid >= 0 && gid >= 0, "getuid, getgid: not negative");
	check(uid == euid, "getuid == geteuid");
	check(gid == egid, "getgid == getegid");
	check(syscall(SYS_getuid) == uid && syscall(SYS_geteuid) == euid,
	      "raw getuid/geteuid match libc");
	check(syscall(SYS_getgid) == gid && syscall(SYS_getegid) == egid,
	      "raw getgid/getegid match libc");
	check(getpid() == pid && getuid() == uid, "getpid/getuid are stable across calls");
}

int main(void)
{
	guest_start("identity");
	test_uname();
	test_ids();
	return guest_finish();
}

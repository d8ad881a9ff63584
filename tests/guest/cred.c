// SPDX-License-Identifier: Apache-2.0
/*
 * Credentials: the set*id rules, setgroups/getgroups, setfsuid, capget and
 * capset, prctl's bounding set, ambient set, keepcaps and securebits, the
 * capability transitions of uid changes and execve, and their effect on
 * file permission checks, kill(2) and /proc/self/status. Each scenario
 * runs in a child (dropping privileges is for good); ids are changed
 * with raw syscalls, as glibc's wrappers change every thread's.
 *
 * Needs root with CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_KILL and
 * CAP_DAC_OVERRIDE; otherwise (natively and then in the sandbox, which
 * starts as the same user) it prints one line and passes. Capability
 * masks are never printed: the host's root may lack some capabilities.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guest_test.h"

#define V1 0x19980330u
#define V2 0x20071026u
#define V3 0x20080522u

#define C_CHOWN 0
#define C_DAC_OVERRIDE 1
#define C_DAC_READ_SEARCH 2
#define C_FOWNER 3
#define C_FSETID 4
#define C_KILL 5
#define C_SETGID 6
#define C_SETUID 7
#define C_SETPCAP 8
#define C_LINUX_IMMUTABLE 9
#define C_NET_BIND_SERVICE 10
#define C_NET_RAW 13
#define C_MKNOD 27
#define C_MAC_OVERRIDE 32
#define BIT(c) (1ULL << (c))
#define FS_SET                                                                         \
	(BIT(C_CHOWN) | BIT(C_DAC_OVERRIDE) | BIT(C_DAC_READ_SEARCH) | BIT(C_FOWNER) | \
	 BIT(C_FSETID) | BIT(C_LINUX_IMMUTABLE) | BIT(C_MKNOD) | BIT(C_MAC_OVERRIDE))

#define P_CAPBSET_READ 23
#define P_CAPBSET_DROP 24
#define P_GET_KEEPCAPS 7
#define P_SET_KEEPCAPS 8
#define P_GET_SECUREBITS 27
#define P_SET_SECUREBITS 28
#define P_CAP_AMBIENT 47
#define AMB_IS_SET 1
#define AMB_RAISE 2
#define AMB_LOWER 3
#define AMB_CLEAR_ALL 4
#define SECBIT_NOROOT 0x1
#define SECBIT_KEEP_CAPS 0x10
#define SECBIT_KEEP_CAPS_LOCKED 0x20

struct cap_hdr {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t eff, prm, inh;
};
struct caps {
	uint64_t eff, prm, inh;
};

static const char *self_path;

static long prctl5(long op, long a2, long a3, long a4, long a5)
{
	return syscall(SYS_prctl, op, a2, a3, a4, a5);
}

static int get_caps(int pid, struct caps *c)
{
	struct cap_hdr h = {V3, pid};
	struct cap_data d[2];
	int ret = syscall(SYS_capget, &h, d);
	c->eff = d[0].eff | (uint64_t)d[1].eff << 32;
	c->prm = d[0].prm | (uint64_t)d[1].prm << 32;
	c->inh = d[0].inh | (uint64_t)d[1].inh << 32;
	return ret;
}

static struct caps caps_now(void)
{
	struct caps c = {0};
	if (get_caps(0, &c))
		check(false, "capget(self)");
	return c;
}

static long set_caps(int pid, const struct caps *c)
{
	struct cap_hdr h = {V3, pid};
	struct cap_data d[2] = {{(uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh},
				{c->eff >> 32, c->prm >> 32, c->inh >> 32}};
	return syscall(SYS_capset, &h, d);
}

static void expect_resuid(unsigned r, unsigned e, unsigned s, const char *what)
{
	unsigned gr = 9, ge = 9, gs = 9;
	syscall(SYS_getresuid, &gr, &ge, &gs);
	check(gr == r && ge == e && gs == s, "%s: getresuid %u %u %u", what, r, e, s);
}

static void expect_resgid(unsigned r, unsigned e, unsigned s, const char *what)
{
	unsigned gr = 9, ge = 9, gs = 9;
	syscall(SYS_getresgid, &gr, &ge, &gs);
	check(gr == r && ge == e && gs == s, "%s: getresgid %u %u %u", what, r, e, s);
}

/* The current fsuid: setfsuid(-1) changes nothing and returns it. */
static long fsuid_now(void)
{
	return syscall(SYS_setfsuid, -1L);
}

/* The /proc/self/status line starting with key, without the key ("" if none). */
static const char *status_line(const char *key, char *buf, size_t size)
{
	static char text[8192];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	if (fd >= 0)
		close(fd);
	buf[0] = 0;
	if (n <= 0)
		return buf;
	text[n] = 0;
	size_t klen = strlen(key);
	for (char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen))
			continue;
		size_t len = strcspn(p + klen, "\n");
		snprintf(buf, size, "%.*s", (int)len, p + klen);
		break;
	}
	return buf;
}

/* Run fn in a child and check that it passed. */
static void in_child(void (*fn)(void), const char *name)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child passed", name);
}

static void t_set_ids(void)
{
	expect_ret(syscall(SYS_setgroups, 0L, NULL), 0, "setgroups(0)");
	expect_resuid(0, 0, 0, "start");
	expect_resgid(0, 0, 0, "start");
	expect_err(syscall(SYS_setuid, -1L), EINVAL, "setuid(-1)");
	expect_err(syscall(SYS_setgid, -1L), EINVAL, "setgid(-1)");
	expect_ret(syscall(SYS_setresuid, -1L, -1L, -1L), 0, "setresuid(-1,-1,-1)");

	/* Root keeps its permitted set while one id is 0; the effective set follows euid. */
	struct caps start = caps_now();
	expect_ret(syscall(SYS_setresuid, 1000L, 1001L, 0L), 0, "setresuid(1000,1001,0)");
	expect_resuid(1000, 1001, 0, "after setresuid");
	check(syscall(SYS_getuid) == 1000 && syscall(SYS_geteuid) == 1001, "getuid, geteuid");
	struct caps c = caps_now();
	check(c.eff == 0 && c.prm == start.prm, "euid non-zero: effective empty, permitted kept");
	expect_ret(prctl5(PR_GET_DUMPABLE, 0, 0, 0, 0), 0, "no longer dumpable");
	char line[128];
	check(!strcmp(status_line("Uid:", line, sizeof(line)), "\t1000\t1001\t0\t1001"),
	      "/proc/self/status Uid: real, effective, saved, fs");
	check(!strcmp(status_line("CapEff:", line, sizeof(line)), "\t0000000000000000"),
	      "/proc/self/status CapEff: empty");
	expect_err(syscall(SYS_setresuid, 5L, -1L, -1L), EPERM, "setresuid(5,..) without caps");
	expect_ret(syscall(SYS_setresuid, -1L, 0L, -1L), 0, "setresuid(-1,0,-1): saved uid 0");
	c = caps_now();
	check(c.eff == c.prm && c.prm == start.prm, "euid back to 0: effective = permitted");
	expect_ret(syscall(SYS_setresuid, 0L, 0L, 0L), 0, "setresuid(0,0,0)");
	expect_resuid(0, 0, 0, "round trip");

	/* setreuid: the saved uid follows when the real uid is set. */
	expect_ret(syscall(SYS_setreuid, 1000L, 2000L), 0, "setreuid(1000,2000)");
	expect_resuid(1000, 2000, 2000, "setreuid");
	c = caps_now();
	check(c.eff == 0 && c.prm == 0, "no uid 0 left: all capabilities dropped");
	expect_ret(syscall(SYS_setreuid, 2000L, 1000L), 0, "setreuid(2000,1000): swap");
	expect_resuid(2000, 1000, 1000, "swap");
	expect_ret(syscall(SYS_setreuid, -1L, 2000L), 0, "setreuid(-1,2000): euid to ruid");
	expect_resuid(2000, 2000, 1000, "saved uid kept");
	expect_err(syscall(SYS_setreuid, 3000L, -1L), EPERM, "setreuid(3000,-1)");
	expect_err(syscall(SYS_setreuid, -1L, 3000L), EPERM, "setreuid(-1,3000)");
	expect_ret(syscall(SYS_setuid, 1000L), 0, "setuid(saved uid)");
	expect_resuid(2000, 1000, 1000, "setuid unprivileged sets euid only");
	expect_err(syscall(SYS_setuid, 0L), EPERM, "setuid(0) after dropping");
	expect_err(syscall(SYS_setresuid, -1L, 0L, -1L), EPERM,
		   "setresuid(-1,0,-1) after dropping");
	expect_err(syscall(SYS_setreuid, 0L, -1L), EPERM, "setreuid(0,-1) after dropping");

	/* Group ids: CAP_SETGID survives the uid change? No: it went with the rest. */
	expect_err(syscall(SYS_setgid, 5L), EPERM, "setgid(5) without CAP_SETGID");
	unsigned g = 7;
	expect_err(syscall(SYS_setgroups, 1L, &g), EPERM, "setgroups without CAP_SETGID");
	struct caps up = {BIT(C_SETUID), BIT(C_SETUID), 0};
	expect_err(set_caps(0, &up), EPERM, "capset raising a dropped capability");
}

static void t_gids(void)
{
	expect_ret(syscall(SYS_setregid, 10L, 20L), 0, "setregid(10,20)");
	expect_resgid(10, 20, 20, "setregid");
	check(syscall(SYS_getgid) == 10 && syscall(SYS_getegid) == 20, "getgid, getegid");
	expect_ret(syscall(SYS_setgid, 30L), 0, "setgid(30) with CAP_SETGID");
	expect_resgid(30, 30, 30, "setgid");
	expect_ret(syscall(SYS_setresgid, 1L, 2L, 3L), 0, "setresgid(1,2,3)");
	expect_resgid(1, 2, 3, "setresgid");
	char line[128];
	check(!strcmp(status_line("Gid:", line, sizeof(line)), "\t1\t2\t3\t2"),
	      "/proc/self/status Gid:");
	expect_ret(syscall(SYS_setfsgid, 5L), 2, "setfsgid(5) returns the old fsgid");
	expect_ret(syscall(SYS_setfsgid, -1L), 5, "setfsgid(-1) returns the fsgid");
	/* Without CAP_SETGID (and uid 0 kept): only the current ids. */
	struct caps c = caps_now();
	c.eff &= ~BIT(C_SETGID);
	expect_ret(set_caps(0, &c), 0, "capset: drop CAP_SETGID from effective");
	expect_err(syscall(SYS_setgid, 9L), EPERM, "setgid(9)");
	expect_ret(syscall(SYS_setgid, 3L), 0, "setgid(saved gid)");
	expect_resgid(1, 3, 3, "setgid unprivileged");
	expect_err(syscall(SYS_setregid, 9L, -1L), EPERM, "setregid(9,-1)");
	expect_ret(syscall(SYS_setfsgid, 9L), 3, "setfsgid(9) refused, old fsgid");
	expect_ret(syscall(SYS_setfsgid, -1L), 3, "fsgid unchanged");
}

static void t_groups(void)
{
	unsigned set[3] = {30, 10, 20}, got[4] = {0};
	expect_ret(syscall(SYS_setgroups, 3L, set), 0, "setgroups(3)");
	expect_ret(syscall(SYS_getgroups, 0L, NULL), 3, "getgroups(0): the count");
	expect_err(syscall(SYS_getgroups, 2L, got), EINVAL, "getgroups(2): too small");
	expect_err(syscall(SYS_getgroups, -1L, got), EINVAL, "getgroups(-1)");
	expect_ret(syscall(SYS_getgroups, 4L, got), 3, "getgroups(4)");
	printf("getgroups order: %u %u %u\n", got[0], got[1], got[2]);
	char line[128];
	printf("/proc/self/status Groups:[%s]\n", status_line("Groups:", line, sizeof(line)));
	unsigned bad = (unsigned)-1;
	expect_err(syscall(SYS_setgroups, 1L, &bad), EINVAL, "setgroups({-1})");
	expect_err(syscall(SYS_setgroups, -1L, set), EINVAL, "setgroups(-1)");
	expect_err(syscall(SYS_setgroups, 65537L, set), EINVAL, "setgroups(NGROUPS_MAX+1)");
	expect_err(syscall(SYS_setgroups, 2L, (void *)8), EFAULT, "setgroups(bad pointer)");
	expect_err(syscall(SYS_getgroups, 3L, (void *)8), EFAULT, "getgroups(bad pointer)");
	expect_ret(syscall(SYS_setgroups, 0L, NULL), 0, "setgroups(0)");
	expect_ret(syscall(SYS_getgroups, 0L, NULL), 0, "getgroups: none");
}

static void t_fsuid(void)
{
	struct caps start = caps_now();
	expect_ret(syscall(SYS_setfsuid, 1000L), 0, "setfsuid(1000) returns the old fsuid 0");
	expect_ret(fsuid_now(), 1000, "setfsuid(-1) returns 1000");
	struct caps c = caps_now();
	check(c.eff == (start.prm & ~FS_SET) && c.prm == start.prm,
	      "fsuid non-zero: the file-system capabilities leave the effective set");
	expect_ret(syscall(SYS_setfsuid, 2000L), 1000, "setfsuid(2000) with CAP_SETUID");
	expect_ret(syscall(SYS_setfsuid, 0L), 2000, "setfsuid(0)");
	c = caps_now();
	check(c.eff == start.prm, "fsuid 0 again: they come back");
	expect_ret(syscall(SYS_setresuid, 1000L, 1000L, 1000L), 0, "drop to 1000");
	expect_ret(fsuid_now(), 1000, "fsuid follows euid");
	expect_ret(syscall(SYS_setfsuid, 0L), 1000, "setfsuid(0) unprivileged: refused");
	expect_ret(fsuid_now(), 1000, "fsuid still 1000");
}

static void t_keepcaps(void)
{
	struct caps start = caps_now();
	expect_ret(prctl5(P_GET_KEEPCAPS, 0, 0, 0, 0), 0, "PR_GET_KEEPCAPS");
	expect_err(prctl5(P_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL, "PR_SET_KEEPCAPS(2)");
	expect_ret(prctl5(P_SET_KEEPCAPS, 1, 0, 0, 0), 0, "PR_SET_KEEPCAPS(1)");
	expect_ret(prctl5(P_GET_KEEPCAPS, 0, 0, 0, 0), 1, "PR_GET_KEEPCAPS after set");
	expect_ret(prctl5(P_GET_SECUREBITS, 0, 0, 0, 0), SECBIT_KEEP_CAPS,
		   "PR_GET_SECUREBITS: SECBIT_KEEP_CAPS");
	expect_ret(syscall(SYS_setresuid, 1000L, 1000L, 1000L), 0, "setresuid(1000,1000,1000)");
	struct caps c = caps_now();
	check(c.prm == start.prm && c.eff == 0, "keepcaps: permitted kept, effective empty");
	c.eff = c.prm;
	expect_ret(set_caps(0, &c), 0, "capset: effective = permitted");
	expect_ret(syscall(SYS_setuid, 0L), 0, "setuid(0) with CAP_SETUID again");
	expect_resuid(0, 0, 0, "regained");
	c = caps_now();
	check(c.eff == start.prm, "euid 0: effective = permitted");
}

static void t_capget(void)
{
	struct cap_hdr h = {0x12345678, 0};
	struct cap_data d[2];
	expect_ret(syscall(SYS_capget, &h, NULL), 0, "capget(bad version, NULL)");
	check(h.version == V3, "capget writes back the preferred version");
	h.version = 1;
	expect_err(syscall(SYS_capget, &h, d), EINVAL, "capget(bad version, data)");
	check(h.version == V3, "version written back");
	h.version = 7;
	expect_err(syscall(SYS_capset, &h, d), EINVAL, "capset(bad version)");
	check(h.version == V3, "capset writes back the version too");
	expect_err(syscall(SYS_capget, NULL, d), EFAULT, "capget(NULL header)");

	struct caps all = caps_now();
	memset(d, 0xa5, sizeof(d));
	h = (struct cap_hdr){V1, 0};
	expect_ret(syscall(SYS_capget, &h, d), 0, "capget v1");
	check(d[0].prm == (uint32_t)all.prm && d[1].prm == 0xa5a5a5a5, "v1 fills one word");
	h = (struct cap_hdr){V2, 0};
	expect_ret(syscall(SYS_capget, &h, d), 0, "capget v2");
	check(d[1].prm == (uint32_t)(all.prm >> 32), "v2 fills two words");
	h = (struct cap_hdr){V3, -1};
	expect_err(syscall(SYS_capget, &h, d), EINVAL, "capget(pid -1)");
	h = (struct cap_hdr){V3, 0x3fffffff};
	expect_err(syscall(SYS_capget, &h, d), ESRCH, "capget(no such pid)");
	struct caps c;
	expect_ret(get_caps(getppid(), &c), 0, "capget(parent)");
	check(c.prm == all.prm, "parent's permitted set");
	expect_err(set_caps(getppid(), &all), EPERM, "capset(parent): only the caller");
	expect_ret(set_caps(getpid(), &all), 0, "capset(own tid)");

	c = all;
	c.eff |= BIT(C_SETUID);
	c.prm &= ~BIT(C_SETUID);
	expect_err(set_caps(0, &c), EPERM, "capset: effective not in permitted");
	c.eff &= ~BIT(C_SETUID);
	expect_ret(set_caps(0, &c), 0, "capset: drop CAP_SETUID from permitted");
	c.prm |= BIT(C_SETUID);
	expect_err(set_caps(0, &c), EPERM, "capset: raise a non-permitted capability");
	c = caps_now();
	check(!(c.prm & BIT(C_SETUID)), "CAP_SETUID gone");
	expect_err(syscall(SYS_setuid, 1000L), EPERM, "setuid(1000) without CAP_SETUID");
	c.inh = BIT(C_NET_BIND_SERVICE);
	expect_ret(set_caps(0, &c), 0, "capset: inheritable from permitted");
	c.eff &= ~BIT(C_SETPCAP);
	expect_ret(set_caps(0, &c), 0, "capset: drop CAP_SETPCAP from effective");
	c.inh |= BIT(C_SETUID);
	expect_err(set_caps(0, &c), EPERM, "capset: inheritable outside permitted without SETPCAP");
}

static void t_bounding(void)
{
	expect_ret(prctl5(P_CAPBSET_READ, C_NET_RAW, 0, 0, 0), 1, "PR_CAPBSET_READ(NET_RAW)");
	expect_err(prctl5(P_CAPBSET_READ, 999, 0, 0, 0), EINVAL, "PR_CAPBSET_READ(999)");
	expect_err(prctl5(P_CAPBSET_DROP, 999, 0, 0, 0), EINVAL, "PR_CAPBSET_DROP(999)");
	expect_ret(prctl5(P_CAPBSET_DROP, C_NET_RAW, 0, 0, 0), 0, "PR_CAPBSET_DROP(NET_RAW)");
	expect_ret(prctl5(P_CAPBSET_READ, C_NET_RAW, 0, 0, 0), 0, "dropped");
	struct caps c = caps_now();
	check(c.prm & BIT(C_NET_RAW), "still permitted");
	c.inh = BIT(C_NET_RAW);
	expect_err(set_caps(0, &c), EPERM, "capset: inheritable outside the bounding set");
	c.inh = 0;
	c.eff &= ~BIT(C_SETPCAP);
	expect_ret(set_caps(0, &c), 0, "capset: drop CAP_SETPCAP");
	expect_err(prctl5(P_CAPBSET_DROP, C_MKNOD, 0, 0, 0), EPERM,
		   "PR_CAPBSET_DROP without SETPCAP");
	expect_err(prctl5(P_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0), EPERM,
		   "PR_SET_SECUREBITS without SETPCAP");
}

static void t_ambient(void)
{
	long nb = C_NET_BIND_SERVICE;
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_IS_SET, nb, 0, 0), 0, "ambient IS_SET");
	expect_err(prctl5(P_CAP_AMBIENT, AMB_RAISE, nb, 0, 0), EPERM, "RAISE: not inheritable");
	struct caps c = caps_now();
	c.inh = BIT(nb);
	expect_ret(set_caps(0, &c), 0, "capset inheritable");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_RAISE, nb, 0, 0), 0, "RAISE");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_IS_SET, nb, 0, 0), 1, "IS_SET after RAISE");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_LOWER, nb, 0, 0), 0, "LOWER");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_IS_SET, nb, 0, 0), 0, "IS_SET after LOWER");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_RAISE, nb, 0, 0), 0, "RAISE again");
	expect_err(prctl5(P_CAP_AMBIENT, AMB_CLEAR_ALL, 1, 0, 0), EINVAL, "CLEAR_ALL(1)");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_CLEAR_ALL, 0, 0, 0), 0, "CLEAR_ALL");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_IS_SET, nb, 0, 0), 0, "IS_SET after CLEAR_ALL");
	expect_err(prctl5(P_CAP_AMBIENT, AMB_IS_SET, 999, 0, 0), EINVAL, "IS_SET(999)");
	expect_err(prctl5(P_CAP_AMBIENT, AMB_IS_SET, nb, 1, 0), EINVAL, "IS_SET with arg4");
	expect_err(prctl5(P_CAP_AMBIENT, 99, nb, 0, 0), EINVAL, "ambient op 99");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_RAISE, nb, 0, 0), 0, "RAISE");
	c.inh = 0;
	expect_ret(set_caps(0, &c), 0, "capset: inheritable emptied");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_IS_SET, nb, 0, 0), 0, "ambient lowered with it");
}

static void t_securebits(void)
{
	expect_ret(prctl5(P_GET_SECUREBITS, 0, 0, 0, 0), 0, "PR_GET_SECUREBITS");
	expect_err(prctl5(P_SET_SECUREBITS, 1L << 20, 0, 0, 0), EPERM, "unknown securebit");
	expect_ret(prctl5(P_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), 0,
		   "SECBIT_KEEP_CAPS, locked");
	expect_ret(prctl5(P_GET_KEEPCAPS, 0, 0, 0, 0), 1, "PR_GET_KEEPCAPS");
	expect_err(prctl5(P_SET_KEEPCAPS, 0, 0, 0, 0), EPERM, "PR_SET_KEEPCAPS(0): locked");
	expect_err(prctl5(P_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0), EPERM, "unlock refused");
	expect_err(prctl5(P_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), EPERM,
		   "changing a locked bit refused");
}

static char tmpfile_path[64];

static void t_files(void)
{
	int fd;
	expect_ret(syscall(SYS_setresuid, -1L, 1000L, -1L), 0, "euid 1000");
	expect_err(open(tmpfile_path, O_RDONLY), EACCES, "open 0600 root file as euid 1000");
	expect_ret(syscall(SYS_setresuid, -1L, 0L, -1L), 0, "euid 0");
	fd = open(tmpfile_path, O_RDONLY);
	check(fd >= 0, "open as root again");
	close(fd);
	expect_ret(syscall(SYS_setfsuid, 1000L), 0, "fsuid 1000");
	expect_err(open(tmpfile_path, O_RDONLY), EACCES, "open as fsuid 1000");
	expect_ret(syscall(SYS_setfsuid, 0L), 1000, "fsuid 0");
	/* access() asks with the real uid, AT_EACCESS with the effective one. */
	expect_ret(syscall(SYS_setresuid, 1000L, 0L, 0L), 0, "ruid 1000, euid 0");
	expect_err(access(tmpfile_path, R_OK), EACCES, "access as ruid 1000");
	expect_ret(faccessat(AT_FDCWD, tmpfile_path, R_OK, AT_EACCESS), 0, "AT_EACCESS as euid 0");
	fd = open(tmpfile_path, O_RDONLY);
	check(fd >= 0, "open as euid 0");
	close(fd);
	/* Group access through a supplementary group. */
	expect_ret(chmod(tmpfile_path, 0040), 0, "chmod 0040");
	expect_ret(chown(tmpfile_path, 0, 4242), 0, "chown :4242");
	unsigned g = 4242;
	expect_ret(syscall(SYS_setgroups, 1L, &g), 0, "setgroups({4242})");
	expect_ret(syscall(SYS_setresuid, 1000L, 1000L, 1000L), 0, "drop to 1000");
	fd = open(tmpfile_path, O_RDONLY);
	check(fd >= 0, "open through a supplementary group");
	close(fd);
	expect_err(open(tmpfile_path, O_WRONLY), EACCES, "write refused by mode");
	/* /tmp is 1777 on most hosts (sticky: EPERM), 0755 in a bare initramfs (EACCES). */
	struct stat st;
	int want = 0;
	if (stat("/tmp", &st) == 0 && (st.st_mode & 01002) == 01002)
		want = EPERM;
	else if (stat("/tmp", &st) == 0 && !(st.st_mode & 0002))
		want = EACCES;
	long r = want ? unlink(tmpfile_path) : -1;
	check(!want || (r == -1 && errno == want), "unlink another user's file in /tmp: refused");
}

static int kill_pipe[2], kill_ready[2];

static void t_kill(void)
{
	if (pipe(kill_pipe) || pipe(kill_ready)) {
		check(false, "pipe");
		return;
	}
	fflush(stdout);
	pid_t g = fork();
	if (g == 0) {
		char ch;
		close(kill_pipe[1]); /* so that the parent's close ends the read */
		if (syscall(SYS_setresuid, 2000L, 2000L, 2000L))
			_exit(3);
		if (write(kill_ready[1], "r", 1) != 1)
			_exit(4);
		ssize_t __attribute__((unused)) n = read(kill_pipe[0], &ch, 1);
		_exit(0);
	}
	char ch;
	check(read(kill_ready[0], &ch, 1) == 1, "target is uid 2000");
	expect_ret(syscall(SYS_setresuid, 1000L, 1000L, 0L), 0, "setresuid(1000,1000,0)");
	expect_err(kill(g, 0), EPERM, "kill(uid 2000) as uid 1000");
	expect_err(kill(getppid(), 0), EPERM, "kill(root parent) as uid 1000");
	expect_ret(kill(getpid(), 0), 0, "kill(self)");
	expect_ret(syscall(SYS_setresuid, -1L, 0L, -1L), 0, "euid 0");
	expect_ret(kill(g, 0), 0, "kill with CAP_KILL");
	expect_ret(syscall(SYS_setresuid, 2000L, 1000L, 0L), 0, "setresuid(2000,1000,0)");
	expect_ret(kill(g, 0), 0, "kill: the real uid matches");
	expect_err(syscall(SYS_setresuid, 3000L, 1000L, 0L), EPERM,
		   "setresuid(3000,..) as euid 1000");
	expect_ret(syscall(SYS_setresuid, -1L, 0L, -1L), 0, "euid 0");
	expect_ret(syscall(SYS_setresuid, 3000L, 1000L, 0L), 0, "setresuid(3000,1000,0)");
	expect_err(kill(g, 0), EPERM, "kill: no uid matches");
	close(kill_pipe[1]);
	int st = -1;
	waitpid(g, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "target exited");
}

static long thread_uid, thread_euid, thread_tid;
static int thread_go[2], thread_done[2];

static void *setuid_thread(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	long r = syscall(SYS_setuid, 1000L);
	thread_uid = r ? -1 : syscall(SYS_getuid);
	thread_euid = syscall(SYS_geteuid);
	char ch = 'x';
	if (write(thread_done[1], &ch, 1) != 1 || read(thread_go[0], &ch, 1) != 1)
		thread_uid = -2;
	return NULL;
}

static void t_threads(void)
{
	pthread_t th;
	char ch;
	if (pipe(thread_go) || pipe(thread_done)) {
		check(false, "pipe");
		return;
	}
	expect_errnum(pthread_create(&th, NULL, setuid_thread, NULL), 0, "pthread_create");
	check(read(thread_done[0], &ch, 1) == 1, "thread ran setuid");
	check(thread_uid == 1000 && thread_euid == 1000, "thread: uid and euid 1000");
	check(syscall(SYS_getuid) == 0 && syscall(SYS_geteuid) == 0,
	      "main thread: still uid 0 (raw setuid is per thread)");
	struct caps mine = caps_now(), its = {0};
	expect_ret(get_caps(thread_tid, &its), 0, "capget(thread)");
	check(its.prm == 0 && its.eff == 0 && mine.eff == mine.prm && mine.prm,
	      "thread lost its capabilities, the main thread did not");
	struct caps c = mine;
	expect_err(set_caps(thread_tid, &c), EPERM, "capset(other thread)");
	ch = 'g';
	check(write(thread_go[1], &ch, 1) == 1, "release thread");
	pthread_join(th, NULL);
}

/* Re-executed with a mode: check what execve did to the creds. */
static int exec_mode(const char *mode)
{
	struct caps c = caps_now();
	printf("-- after execve (%s)\n", mode);
	expect_ret(prctl5(P_GET_KEEPCAPS, 0, 0, 0, 0), 0, "keepcaps cleared by execve");
	expect_ret(prctl5(PR_GET_DUMPABLE, 0, 0, 0, 0), strcmp(mode, "mixed") != 0, "dumpable");
	if (!strcmp(mode, "root")) {
		check(syscall(SYS_getuid) == 0, "uid 0");
		check(c.eff == c.prm && !(c.prm & BIT(C_NET_RAW)) && (c.prm & BIT(C_SETUID)),
		      "root: permitted = bounding set (NET_RAW dropped), effective = permitted");
	} else if (!strcmp(mode, "noroot")) {
		check(syscall(SYS_getuid) == 0, "uid 0");
		check(c.prm == 0 && c.eff == 0, "SECBIT_NOROOT: no capabilities");
	} else if (!strcmp(mode, "ambient")) {
		expect_resuid(1000, 1000, 1000, "uid 1000");
		check(c.prm == BIT(C_NET_BIND_SERVICE) && c.eff == c.prm &&
			      c.inh == BIT(C_NET_BIND_SERVICE),
		      "non-root: permitted = effective = ambient");
		expect_ret(prctl5(P_CAP_AMBIENT, AMB_IS_SET, C_NET_BIND_SERVICE, 0, 0), 1,
			   "ambient kept");
	} else if (!strcmp(mode, "mixed")) {
		expect_resuid(1000, 0, 0, "ruid 1000, euid 0");
		check(c.eff == c.prm && (c.prm & BIT(C_SETUID)),
		      "euid 0: full permitted and effective");
	} else if (!strcmp(mode, "plain")) {
		expect_resuid(1000, 1000, 1000, "uid 1000");
		check(c.prm == 0 && c.eff == 0, "non-root without ambient: no capabilities");
	} else {
		check(false, "unknown mode %s", mode);
	}
	fflush(stdout);
	return guest_failures ? 1 : 0;
}

static void reexec(const char *mode)
{
	fflush(stdout);
	char *argv[] = {(char *)self_path, (char *)mode, NULL};
	execv(self_path, argv);
	check(false, "execv %s: %s", mode, guest_errno_name(errno));
	fflush(stdout);
	_exit(1);
}

static void t_exec_root(void)
{
	expect_ret(prctl5(P_CAPBSET_DROP, C_NET_RAW, 0, 0, 0), 0, "drop NET_RAW from bounding");
	expect_ret(prctl5(P_SET_KEEPCAPS, 1, 0, 0, 0), 0, "keepcaps");
	reexec("root");
}

static void t_exec_noroot(void)
{
	expect_ret(prctl5(P_SET_SECUREBITS, SECBIT_NOROOT, 0, 0, 0), 0, "SECBIT_NOROOT");
	reexec("noroot");
}

static void t_exec_ambient(void)
{
	expect_ret(prctl5(P_SET_KEEPCAPS, 1, 0, 0, 0), 0, "keepcaps");
	expect_ret(syscall(SYS_setresuid, 1000L, 1000L, 1000L), 0, "setresuid(1000,...)");
	struct caps c = caps_now();
	c.inh = BIT(C_NET_BIND_SERVICE);
	expect_ret(set_caps(0, &c), 0, "capset inheritable");
	expect_ret(prctl5(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND_SERVICE, 0, 0), 0, "ambient raise");
	reexec("ambient");
}

static void t_exec_mixed(void)
{
	expect_ret(syscall(SYS_setresuid, 1000L, 0L, 0L), 0, "setresuid(1000,0,0)");
	reexec("mixed");
}

static void t_exec_plain(void)
{
	expect_ret(prctl5(P_SET_KEEPCAPS, 1, 0, 0, 0), 0, "keepcaps");
	expect_ret(syscall(SYS_setresuid, 1000L, 1000L, 1000L), 0, "setresuid(1000,...)");
	reexec("plain");
}

/* Is the test able to run: root holding what it changes? */
static bool privileged(void)
{
	struct caps c = {0};
	uint64_t need = BIT(C_SETUID) | BIT(C_SETGID) | BIT(C_SETPCAP) | BIT(C_KILL) |
			BIT(C_DAC_OVERRIDE) | BIT(C_NET_RAW) | BIT(C_NET_BIND_SERVICE);
	return getuid() == 0 && get_caps(0, &c) == 0 && (c.eff & need) == need &&
	       prctl5(P_GET_SECUREBITS, 0, 0, 0, 0) == 0;
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		return exec_mode(argv[1]);
	guest_start("cred");
	if (!privileged()) {
		printf("not root with full capabilities: skipped\n");
		return guest_finish();
	}
	umask(022);
	snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/cred-test-%d", (int)getpid());
	int fd = open(tmpfile_path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	check(fd >= 0 && write(fd, "x", 1) == 1, "create a 0600 file as root");
	close(fd);

	in_child(t_set_ids, "set*uid");
	in_child(t_gids, "set*gid");
	in_child(t_groups, "groups");
	in_child(t_fsuid, "setfsuid");
	in_child(t_keepcaps, "keepcaps");
	in_child(t_capget, "capget/capset");
	in_child(t_bounding, "bounding set");
	in_child(t_ambient, "ambient");
	in_child(t_securebits, "securebits");
	in_child(t_files, "file permissions");
	in_child(t_kill, "kill permissions");
	in_child(t_threads, "threads");
	in_child(t_exec_root, "execve as root");
	in_child(t_exec_noroot, "execve with SECBIT_NOROOT");
	in_child(t_exec_ambient, "execve with ambient caps");
	in_child(t_exec_mixed, "execve as ruid 1000, euid 0");
	in_child(t_exec_plain, "execve as uid 1000");
	unlink(tmpfile_path);
	return guest_finish();
}

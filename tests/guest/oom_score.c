// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/oom_score_adj, oom_adj and oom_score: reading and writing
 * them (kstrtoint's text, the ranges, the legacy scale), inheritance
 * across fork and execve, the floor below which a writer needs
 * CAP_SYS_RESOURCE (EACCES), a zombie's and a reaped process's files, and
 * oom_score's range for adj 0, 1000 and -1000.
 *
 * Needs root with CAP_SYS_RESOURCE to set values below 0 and reset the
 * floor; without it the program prints one "skipped" line.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "guest_test.h"

#define V3 0x20080522
#define CAP_SYS_RESOURCE 24

struct cap_hdr {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t eff, prm, inh;
};

/* Write text to path: the byte count or -1 with errno. */
static long put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long ret = write(fd, text, strlen(text));
	int err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* The number in path, or -1000000 - errno. */
static long get_fd(int fd)
{
	char buf[32];
	long n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -1000000 - errno;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static long get(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1000000 - errno;
	long v = get_fd(fd);
	close(fd);
	return v;
}

#define ADJ "/proc/self/oom_score_adj"
#define LEGACY "/proc/self/oom_adj"
#define SCORE "/proc/self/oom_score"

static void set_adj(const char *v)
{
	if (put(ADJ, v) < 0)
		check(false, "write %s to oom_score_adj: %s", v, guest_errno_name(errno));
}

static void parsing(void)
{
	expect_ret(put(ADJ, "500"), 3, "write 500");
	expect_ret(get(ADJ), 500, "oom_score_adj after 500");
	expect_ret(get(LEGACY), 8, "oom_adj after 500 (500 * 17 / 1000)");
	expect_ret(put(ADJ, "  300\n"), 6, "write '  300\\n'");
	expect_ret(get(ADJ), 300, "oom_score_adj after '  300\\n'");
	expect_ret(put(ADJ, "0x10"), 4, "write 0x10");
	expect_ret(get(ADJ), 16, "oom_score_adj after 0x10");
	expect_ret(put(ADJ, "+7"), 2, "write +7");
	expect_ret(get(ADJ), 7, "oom_score_adj after +7");
	/* A shell's "echo 42 > file": O_CREAT | O_TRUNC, the size ignored as Linux's proc_setattr. */
	int fd = open(ADJ, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	expect_ret(write(fd, "42\n", 3), 3, "write 42 through O_CREAT | O_TRUNC");
	close(fd);
	expect_ret(get(ADJ), 42, "oom_score_adj after the shell-style write");
	expect_ret(truncate(ADJ, 0), 0, "truncate(oom_score_adj, 0)");
	expect_ret(get(ADJ), 42, "oom_score_adj after truncate");
	expect_err(put(ADJ, "1001"), EINVAL, "write 1001");
	expect_err(put(ADJ, "-1001"), EINVAL, "write -1001");
	expect_err(put(ADJ, "abc"), EINVAL, "write abc");
	expect_err(put(ADJ, "12 34"), EINVAL, "write '12 34'");
	expect_err(put(ADJ, "+-5"), EINVAL, "write +-5");
	expect_err(put(ADJ, "99999999999"), ERANGE, "write 99999999999");
	/* Only the first 12 bytes count: the rest of a long write is not taken. */
	expect_ret(put(ADJ, "20          xyz"), 12, "write '20' and 13 more bytes");
	expect_ret(get(ADJ), 20, "oom_score_adj after the long write");
	expect_ret(get(ADJ), 20, "oom_score_adj unchanged by the rejected writes");

	/* The legacy file: -16..15 or -17, scaled by 1000 / 17, 15 as 1000. */
	expect_ret(put(LEGACY, "15"), 2, "oom_adj write 15");
	expect_ret(get(ADJ), 1000, "oom_score_adj after oom_adj 15");
	expect_ret(get(LEGACY), 15, "oom_adj after 15");
	expect_ret(put(LEGACY, "3"), 1, "oom_adj write 3");
	expect_ret(get(ADJ), 176, "oom_score_adj after oom_adj 3");
	expect_ret(get(LEGACY), 2, "oom_adj after oom_adj 3");
	expect_err(put(LEGACY, "16"), EINVAL, "oom_adj write 16");
	expect_err(put(LEGACY, "-18"), EINVAL, "oom_adj write -18");
	expect_ret(put(LEGACY, "-17"), 3, "oom_adj write -17");
	expect_ret(get(ADJ), -1000, "oom_score_adj after oom_adj -17");
	expect_ret(get(LEGACY), -17, "oom_adj after -17");
	set_adj("0");
}

static void scores(void)
{
	set_adj("0");
	long s = get(SCORE);
	check(s >= 0 && s <= 2000, "oom_score with adj 0 in 0..2000");
	set_adj("1000");
	s = get(SCORE);
	check(s >= 1300 && s <= 2000, "oom_score with adj 1000 in 1300..2000");
	set_adj("-1000");
	expect_ret(get(SCORE), 0, "oom_score with adj -1000");
	set_adj("0");
}

/* Child mode: exit 0 if our oom_score_adj is argv[2]. */
static int exec_child(const char *want)
{
	return get(ADJ) == strtol(want, NULL, 10) ? 0 : 1;
}

static void inheritance(const char *self)
{
	set_adj("700");
	pid_t pid = fork();
	if (pid == 0)
		_exit(get(ADJ) == 700 ? 0 : 1);
	guest_expect_child(pid, "exit 0", "fork keeps oom_score_adj 700");
	pid = fork();
	if (pid == 0) {
		execl(self, self, "--child", "700", (char *)NULL);
		_exit(2);
	}
	guest_expect_child(pid, "exit 0", "execve keeps oom_score_adj 700");
	set_adj("0");
}

static bool has_sys_resource(void)
{
	struct cap_hdr h = {V3, 0};
	struct cap_data d[2];
	return !syscall(SYS_capget, &h, d) && (d[0].eff & (1u << CAP_SYS_RESOURCE));
}

static int drop_sys_resource(void)
{
	struct cap_hdr h = {V3, 0};
	struct cap_data d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].eff &= ~(1u << CAP_SYS_RESOURCE);
	return (int)syscall(SYS_capset, &h, d);
}

/* Without CAP_SYS_RESOURCE: lowering is refused only below the floor. */
static void floor_checks(void)
{
	set_adj("0"); /* floor 0: written with CAP_SYS_RESOURCE */
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		expect_ret(drop_sys_resource(), 0, "capset: drop CAP_SYS_RESOURCE");
		expect_ret(put(ADJ, "300"), 3, "unprivileged: raise to 300");
		expect_ret(put(ADJ, "100"), 3, "unprivileged: lower to 100 (floor 0)");
		expect_ret(put(ADJ, "0"), 1, "unprivileged: lower to 0 (the floor)");
		expect_err(put(ADJ, "-1"), EACCES, "unprivileged: lower to -1");
		/* oom_adj compares with the value itself, not the floor. */
		expect_ret(put(ADJ, "600"), 3, "unprivileged: raise to 600");
		expect_err(put(LEGACY, "8"), EACCES, "unprivileged: oom_adj 8 (470) below 600");
		expect_ret(put(LEGACY, "15"), 2, "unprivileged: oom_adj 15 (1000)");
		expect_ret(get(ADJ), 1000, "unprivileged: oom_score_adj after oom_adj 15");
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "unprivileged writer");

	/* A privileged writer sets the floor: 500 stays the floor for its children. */
	set_adj("500");
	pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		expect_ret(drop_sys_resource(), 0, "capset: drop CAP_SYS_RESOURCE");
		expect_err(put(ADJ, "400"), EACCES, "unprivileged: lower to 400 (floor 500)");
		expect_ret(put(ADJ, "500"), 3, "unprivileged: 500 (the floor)");
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "unprivileged writer with floor 500");
	set_adj("0");
}

/* Another process's files: written by its parent; a zombie's; a reaped one's. */
static void others(void)
{
	char path[64];
	int fds[2];
	if (pipe(fds))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(fds[1]);
		read(fds[0], &c, 1);
		_exit(get(ADJ) == 250 ? 0 : 1);
	}
	close(fds[0]);
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	expect_ret(put(path, "250"), 3, "write the child's oom_score_adj");
	write(fds[1], "x", 1);
	close(fds[1]);

	/* Wait for the zombie without reaping it. */
	siginfo_t si;
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	check(si.si_status == 0, "the child saw 250");
	int fd = open(path, O_RDONLY);
	expect_ret(get_fd(fd), 250, "a zombie's oom_score_adj");
	snprintf(path, sizeof(path), "/proc/%d/oom_score", (int)pid);
	expect_ret(get(path), 0, "a zombie's oom_score");
	guest_child_end(pid);
	expect_ret(get_fd(fd), -1000000 - ESRCH, "a reaped process's oom_score_adj (-ESRCH)");
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--child"))
		return exec_child(argv[2]);
	guest_start("oom_score");
	if (geteuid() != 0 || !has_sys_resource()) {
		printf("oom_score: skipped (no CAP_SYS_RESOURCE)\n");
		return guest_finish();
	}
	parsing();
	scores();
	inheritance(argv[0]);
	floor_checks();
	others();
	return guest_finish();
}

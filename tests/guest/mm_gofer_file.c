// SPDX-License-Identifier: Apache-2.0
/*
 * mm_shared_file.c's checks on a file of the root file system instead of
 * /tmp: under runsk a gofer file (goferfs, under the overlay or alone with
 * --overlay2=none), whose pages live in the Sentry's page cache and go
 * back to the host file. Also: MAP_SHARED with PROT_WRITE of an O_RDONLY
 * descriptor is EACCES; a page wholly past the end is SIGBUS; what a
 * shared mapping wrote is read back through a fresh open after msync, and
 * after munmap and close.
 *
 *   mm_gofer_file            the checks, in a directory made under the cwd
 *   mm_gofer_file put FILE   store "mapped\n" into FILE (made 4 KiB long)
 *                            through a shared mapping and exit without
 *                            msync or munmap: exit writes it back (for a
 *                            by-hand look at the host file)
 */
#define MM_SHARED_FILE_NO_MAIN
#include "mm_shared_file.c"

/* Make and enter a fresh directory under the cwd (not /tmp: a tmpfs under runsk). */
static void enter_here(void)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) ||
	    snprintf(fs_test_dir, sizeof(fs_test_dir), "%s/mm_gofer_file.XXXXXX", cwd) >=
		    (int)sizeof(fs_test_dir) ||
	    !mkdtemp(fs_test_dir) || chdir(fs_test_dir) != 0) {
		printf("FAIL cannot make and enter a directory under the cwd: %s\n",
		       guest_errno_name(errno));
		exit(1);
	}
}

static void test_checks(void)
{
	int fd = make_file();
	int ro = open("data", O_RDONLY);
	expect_err((long)map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES,
		   "mmap(MAP_SHARED, PROT_WRITE, O_RDONLY fd)");
	char *p = map(PAGE, PROT_READ, MAP_PRIVATE, ro, 0);
	if (check(p != MAP_FAILED, "mmap(MAP_PRIVATE) of an O_RDONLY fd"))
		munmap(p, PAGE);
	close(ro);

	/* A file of a page and a half, mapped over three pages. */
	expect_ret(ftruncate(fd, PAGE + PAGE / 2), 0, "ftruncate(1.5 pages)");
	p = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (check(p != MAP_FAILED, "mmap 3 pages of it")) {
		expect_ret(touch(p + PAGE + 10), fbyte(PAGE + 10), "inside the last page");
		expect_ret(touch(p + PAGE + PAGE / 2 + 1), 0, "past the end in the last page: 0");
		check(sigbus_at(p + 2 * PAGE), "a page wholly past the end: SIGBUS BUS_ADRERR");
		munmap(p, 3 * PAGE);
	}

	/* msync, then a fresh open reads what the mapping wrote. */
	p = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (check(p != MAP_FAILED, "mmap for msync")) {
		memcpy(p + 100, "synced", 6);
		expect_ret(syscall(SYS_msync, p, PAGE, (long)MS_SYNC), 0, "msync(MS_SYNC)");
		int fd2 = open("data", O_RDONLY);
		char buf[6] = {0};
		expect_ret(pread(fd2, buf, 6, 100), 6, "pread through a fresh open");
		check(!memcmp(buf, "synced", 6), "it reads what the mapping wrote");
		close(fd2);
		memcpy(p + 200, "unmapped", 8);
		munmap(p, PAGE);
	}
	close(fd);
	fd = open("data", O_RDONLY);
	char buf[8] = {0};
	expect_ret(pread(fd, buf, 8, 200), 8, "pread after munmap and close, fresh open");
	check(!memcmp(buf, "unmapped", 8), "it reads what the mapping wrote before munmap");
	/* read(2) of a file with a page cache: whole, in one call, across cached and not. */
	static char big[2 * PAGE];
	expect_ret(pread(fd, big, sizeof(big), 0), PAGE + PAGE / 2,
		   "pread of it all: short at the end");
	check(!memcmp(big + 100, "synced", 6) && (unsigned char)big[PAGE + 7] == fbyte(PAGE + 7),
	      "and right");
	close(fd);
}

static int put(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, PAGE))
		return 1;
	char *p = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 2;
	close(fd);
	memcpy(p, "mapped\n", 7);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "put"))
		return put(argv[2]);
	struct sigaction sa = {0};
	guest_start("mm_gofer_file");
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	enter_here();
	int fd = make_file();
	test_coherent(fd);
	test_fork(fd);
	test_private(fd);
	test_truncate(fd);
	close(fd);
	fd = make_file();
	test_punch(fd);
	close(fd);
	test_checks();
	fs_test_leave();
	return guest_finish();
}

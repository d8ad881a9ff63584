// SPDX-License-Identifier: Apache-2.0
/*
 * read and write at the edges of the guest's buffer: a buffer that runs
 * into a PROT_NONE page (the partial count), an unmapped one (EFAULT and
 * the position unmoved), a fresh anonymous buffer across a page boundary,
 * short reads at the end of a host file (our own binary, read through the
 * gofer), and a write from a MAP_PRIVATE mapping of the file written.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_test.h"

#define PG 4096L

/* The host file, read with pread into a plain buffer, to compare with. */
static char ref[3 * PG];

static void host_file_reads(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	struct stat st;
	if (!check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 4 * PG, "open own binary"))
		return;
	expect_ret(pread(fd, ref, sizeof(ref), 0), sizeof(ref), "pread 3 pages");

	/* Page two of the buffer is PROT_NONE: what fits before it. */
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(p + PG, PG, PROT_NONE);
	expect_ret(read(fd, p + PG - 100, 200), 100, "read into a PROT_NONE second page");
	expect_ret(lseek(fd, 0, SEEK_CUR), 100, "position after the partial read");
	check(memcmp(p + PG - 100, ref, 100) == 0, "partial read data");
	expect_err(read(fd, p + PG, 200), EFAULT, "read into a PROT_NONE page");
	expect_ret(lseek(fd, 0, SEEK_CUR), 100, "position after EFAULT");
	munmap(p, 2 * PG);
	expect_err(read(fd, p, 200), EFAULT, "read into an unmapped buffer");
	expect_ret(lseek(fd, 0, SEEK_CUR), 100, "position after the unmapped read");

	/* Never touched: the read faults both pages in. */
	char *q = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_ret(pread(fd, q + PG - 1000, 2 * PG, 0), 2 * PG,
		   "pread across a page, fresh buffer");
	check(memcmp(q + PG - 1000, ref, 2 * PG) == 0, "fresh buffer data");
	munmap(q, 3 * PG);

	/* Short at the end of the file, 0 past it. */
	char buf[PG];
	expect_ret(pread(fd, buf, PG, st.st_size - 10), 10, "pread across the end");
	expect_ret(pread(fd, buf, PG, st.st_size), 0, "pread at the end");
	expect_ret(pread(fd, buf, PG, st.st_size + PG), 0, "pread past the end");
	close(fd);
}

static void writes(void)
{
	char name[] = "io_edges.tmp";
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (!check(fd >= 0, "create a file"))
		return;
	unlink(name);
	char pat[2 * PG];
	for (long i = 0; i < 2 * PG; i++)
		pat[i] = (char)(i * 7 + 3);
	expect_ret(write(fd, pat, sizeof(pat)), sizeof(pat), "write 2 pages");

	/* From a private mapping of the same file, to a place past it. */
	char *m = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	if (check(m != MAP_FAILED, "mmap private")) {
		expect_ret(pwrite(fd, m, 2 * PG, 2 * PG), 2 * PG, "pwrite from the file's mapping");
		expect_ret(pwrite(fd, m + 100, 500, 100), 500, "pwrite a mapping onto itself");
		char back[2 * PG];
		expect_ret(pread(fd, back, sizeof(back), 2 * PG), sizeof(back), "read back");
		check(memcmp(back, pat, sizeof(back)) == 0, "written data");
		expect_ret(pread(fd, back, sizeof(back), 0), sizeof(back), "read front");
		check(memcmp(back, pat, sizeof(back)) == 0, "unchanged data");
		munmap(m, 2 * PG);
	}

	/* A source running into PROT_NONE: what came before it is written. */
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'x', PG);
	mprotect(p + PG, PG, PROT_NONE);
	expect_ret(pwrite(fd, p + PG - 100, 200, 0), 100, "pwrite from a PROT_NONE second page");
	expect_err(pwrite(fd, p + PG, 200, 0), EFAULT, "pwrite from a PROT_NONE page");
	munmap(p, 2 * PG);
	expect_err(write(fd, p, 10), EFAULT, "write from an unmapped buffer");
	expect_ret(lseek(fd, 0, SEEK_CUR), 2 * PG, "position after EFAULT");
	close(fd);
}

int main(void)
{
	guest_start("io_edges");
	host_file_reads();
	writes();
	return guest_finish();
}

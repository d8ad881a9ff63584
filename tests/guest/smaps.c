// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/self/smaps and smaps_rollup: the sizes of mappings this program
 * makes, which are the same on any Linux: Rss grows by exactly the pages
 * touched of a fresh private mapping (private dirty, anonymous) when all
 * are (the Sentry maps a fault's neighbours in fresh memory at once, so a
 * partly touched mapping is only bounded by its size there); a shared
 * anonymous mapping's pages are not anonymous; after fork the untouched
 * private pages are shared with the child (Pss halved) until the child
 * writes one; mlock shows as Locked; smaps_rollup sums the blocks, and
 * status's VmRSS is the sum of its parts.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>

#include "guest_test.h"

#define PG 4096UL

struct block {
	unsigned long size, rss, pss, pss_dirty, sc, sd, pc, pd, anon, locked, swap;
};

static char text[1 << 20];

static bool slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	size_t off = 0;
	ssize_t n;
	if (fd < 0)
		return false;
	while ((n = read(fd, text + off, sizeof(text) - 1 - off)) > 0)
		off += n;
	close(fd);
	text[off] = 0;
	return true;
}

static unsigned long field(const char *blk, const char *name)
{
	const char *p = strstr(blk, name);
	return p ? strtoul(p + strlen(name), NULL, 10) : ~0UL;
}

static void parse(const char *blk, struct block *b)
{
	b->size = field(blk, "\nSize:");
	b->rss = field(blk, "\nRss:");
	b->pss = field(blk, "\nPss:");
	b->pss_dirty = field(blk, "\nPss_Dirty:");
	b->sc = field(blk, "\nShared_Clean:");
	b->sd = field(blk, "\nShared_Dirty:");
	b->pc = field(blk, "\nPrivate_Clean:");
	b->pd = field(blk, "\nPrivate_Dirty:");
	b->anon = field(blk, "\nAnonymous:");
	b->locked = field(blk, "\nLocked:");
	b->swap = field(blk, "\nSwap:");
}

/* The smaps block of the VMA starting at p. */
static bool block_of(void *p, struct block *b)
{
	char head[32];
	if (!slurp("/proc/self/smaps"))
		return false;
	snprintf(head, sizeof(head), "%lx-", (unsigned long)p);
	char *s = strstr(text, head);
	if (!s || (s != text && s[-1] != '\n'))
		return false;
	char *end = strstr(s, "VmFlags:");
	if (end)
		*end = 0;
	parse(s, b);
	return true;
}

static void show(const char *what, void *p)
{
	struct block b;
	if (!block_of(p, &b)) {
		printf("FAIL %s: no smaps block\n", what);
		guest_failures++;
		return;
	}
	printf("%s: Size %lu Rss %lu Pss %lu Pss_Dirty %lu Shared %lu/%lu Private %lu/%lu "
	       "Anonymous %lu Locked %lu Swap %lu\n",
	       what, b.size, b.rss, b.pss, b.pss_dirty, b.sc, b.sd, b.pc, b.pd, b.anon, b.locked,
	       b.swap);
}

static void reap(pid_t pid)
{
	int st = -1;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exits 0");
}

static void touch(char *p, int n)
{
	for (int i = 0; i < n; i++)
		p[i * PG] = 1;
}

static void test_private(void)
{
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("fresh private mapping", p);
	touch(p, 8);
	show("eight pages written", p);
	/* A read of an untouched page maps no page of its own on Linux (the zero page). */
	int fds[2], back[2];
	pipe(fds);
	pipe(back);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(fds[0], &c, 1);
		p[0] = 2; /* copy one page */
		write(back[1], "x", 1);
		read(fds[0], &c, 1);
		_exit(0);
	}
	show("after fork, shared with the child", p);
	char c;
	write(fds[1], "x", 1);
	read(back[0], &c, 1);
	show("after the child wrote a page", p);
	write(fds[1], "x", 1);
	reap(pid);
	show("child gone", p);
	munmap(p, 8 * PG);

	struct block b;
	p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch(p, 3);
	check(block_of(p, &b) && b.rss >= 12 && b.rss <= 64 && b.rss == b.pd && b.rss == b.anon,
	      "three of sixteen pages written: Rss between 12 and 64 kB, private dirty, anonymous");
	munmap(p, 16 * PG);
}

static void test_shared(void)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	touch(p, 4);
	show("shared anonymous, four pages written", p);
	int fds[2], back[2];
	pipe(fds);
	pipe(back);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		volatile char sum = 0;
		for (int i = 0; i < 4; i++)
			sum += p[i * PG];
		write(back[1], "x", 1);
		read(fds[0], &c, 1);
		_exit(sum == 4 ? 0 : 1);
	}
	char c;
	read(back[0], &c, 1);
	show("shared anonymous, the child read them", p);
	write(fds[1], "x", 1);
	reap(pid);
	munmap(p, 4 * PG);
}

static void test_locked(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(mlock(p, 2 * PG) == 0, "mlock"))
		return;
	show("mlocked two pages", p);
	munmap(p, 2 * PG);
}

/* smaps_rollup: the blocks' sums; status: VmRSS is RssAnon + RssFile + RssShmem. */
static void test_rollup(void)
{
	unsigned long rss = 0, pss = 0, anon = 0;
	struct block r;
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch(p, 8);
	if (!check(slurp("/proc/self/smaps"), "read smaps"))
		return;
	for (char *s = text; (s = strstr(s, "\nRss:")); s++) {
		rss += strtoul(s + 5, NULL, 10);
		anon += field(s, "\nAnonymous:");
		pss += field(s, "\nPss:");
	}
	if (!check(slurp("/proc/self/smaps_rollup"), "read smaps_rollup"))
		return;
	check(strstr(text, "[rollup]\n") != NULL, "smaps_rollup names [rollup]");
	parse(text, &r);
	unsigned long pa = field(text, "\nPss_Anon:"), pf = field(text, "\nPss_File:"),
		      ps = field(text, "\nPss_Shmem:");
	/* Our own faults between the two reads are at most the buffers' pages. */
	check(r.rss >= rss && r.rss - rss <= 8, "rollup Rss is the sum of the blocks' (%s)",
	      r.rss == rss ? "equal" : "within 8 kB");
	check(r.anon >= anon && r.anon - anon <= 8, "rollup Anonymous is the sum of the blocks'");
	check(r.pss <= r.rss && r.pss + 2 >= pa + pf + ps && pa + pf + ps <= r.pss,
	      "rollup Pss = Pss_Anon + Pss_File + Pss_Shmem");
	check(pss <= r.pss + 8, "rollup Pss covers the blocks'");
	check(r.pd + r.pc + r.sd + r.sc == r.rss, "rollup Rss = shared + private");
	if (!check(slurp("/proc/self/status"), "read status"))
		return;
	unsigned long vm = field(text, "\nVmRSS:"), ra = field(text, "\nRssAnon:"),
		      rf = field(text, "\nRssFile:"), rs = field(text, "\nRssShmem:");
	check(vm == ra + rf + rs && vm >= 32, "status VmRSS = RssAnon + RssFile + RssShmem");
	munmap(p, 8 * PG);
}

int main(void)
{
	guest_start("smaps");
	test_private();
	test_shared();
	test_locked();
	test_rollup();
	return guest_finish();
}

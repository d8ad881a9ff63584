// SPDX-License-Identifier: Apache-2.0
/*
 * inotify events of data moved without read(2) and write(2): splice,
 * tee, vmsplice, sendfile and copy_file_range, between watched regular
 * files and named FIFOs, and anonymous pipes. Linux queues
 * IN_ACCESS on the source and IN_MODIFY on the destination once a call
 * has moved data, and nothing when it moved none.
 *
 * Kernels differ, and runsk follows the newer ones: sendfile and
 * copy_file_range have long queued both, but 6.1's file-to-file copy
 * also queued an IN_MODIFY of its own write first (6.18's does not; the
 * change between is not pinned down here, so accepted before 6.18); a
 * splice into a regular file had IN_MODIFY from that write; splice's
 * other events came in 6.4 (file to pipe, commit 983652c69199) and 6.5
 * (pipe to pipe, tee, vmsplice). The runsk VM's kernel is 6.1: a line
 * whose events are the old kernel's is accepted there (and said on
 * stderr) and printed as the new kernel's, so both runs print the same.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest_test.h"

#define DATA_LEN (100 * 1024) /* more than one 64 KiB chunk of a direct copy */

static int ifd;		/* the instance, non-blocking, watching each file for ACCESS and MODIFY */
static bool old_kernel; /* before 6.5 */
static bool old_copy_kernel; /* before 6.18 */
static char dir[128];
static char data[DATA_LEN];

/*
 * Each file is watched itself, not through the directory: Linux 6.18
 * gives a directory's watch no events of a FIFO's I/O, the FIFO's own
 * watch does.
 */
static const char *const names[] = {"src", "dst", "fifo1", "fifo2"};
static int wds[4];

static const char *wd_name(int wd)
{
	for (int i = 0; i < 4; i++)
		if (wds[i] == wd)
			return names[i];
	return "?";
}

/* The queued events as "MODIFY dst, ACCESS src" (empty: none). */
static void events(char *out, size_t size)
{
	char buf[4096] __attribute__((aligned(8)));
	size_t n = 0;
	out[0] = '\0';
	for (;;) {
		ssize_t r = read(ifd, buf, sizeof(buf));
		if (r <= 0) {
			if (r < 0 && errno != EAGAIN)
				check(false, "read events: %s", guest_errno_name(errno));
			return;
		}
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			const char *m = e->mask == IN_ACCESS   ? "ACCESS"
					: e->mask == IN_MODIFY ? "MODIFY"
							       : "OTHER";
			n += snprintf(out + n, n < size ? size - n : 0, "%s%s %s", n ? ", " : "", m,
				      wd_name(e->wd));
			p += sizeof(*e) + e->len;
		}
	}
}

/*
 * Print what the last call queued, which must be want; or, on a kernel
 * before 6.5 (before 6.18 for sendfile and copy_file_range), may be old
 * instead (NULL: no older behaviour).
 */
static void expect_events(const char *what, const char *want, const char *old)
{
	char got[512];
	events(got, sizeof(got));
	bool copy = !strncmp(what, "sendfile", 8) || !strncmp(what, "copy_file_range", 15);
	bool old_ok = copy ? old_copy_kernel : old_kernel;
	if (!strcmp(got, want) || (old_ok && old && !strcmp(got, old))) {
		if (strcmp(got, want))
			fprintf(stderr, "%s: [%s], the old kernel's\n", what, got);
		printf("%s: [%s]\n", what, want);
	} else {
		check(false, "%s: [%s], want [%s]", what, got, want);
	}
}

static void path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static int open_in(const char *name, int flags)
{
	char p[192];
	path(p, sizeof(p), name);
	int fd = open(p, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		check(false, "open %s: %s", name, guest_errno_name(errno));
	return fd;
}

static void expect_len(ssize_t r, ssize_t want, const char *what)
{
	if (r != want)
		check(false, "%s: %zd (%s), want %zd", what, r,
		      r < 0 ? guest_errno_name(errno) : "", want);
}

static void test_splice(int src, int dst, int fifo1, int fifo2)
{
	int p[2];
	check(pipe(p) == 0, "pipe");

	loff_t off = 0;
	expect_len(splice(src, &off, p[1], NULL, 4096, 0), 4096, "splice file to pipe");
	expect_events("splice file to pipe", "ACCESS src", "");
	expect_len(splice(p[0], NULL, dst, NULL, 4096, 0), 4096, "splice pipe to file");
	expect_events("splice pipe to file", "MODIFY dst", NULL);

	off = DATA_LEN;
	expect_len(splice(src, &off, p[1], NULL, 4096, 0), 0, "splice at EOF");
	expect_events("splice at EOF", "", NULL);

	/* The pipe buffers of FIFOs: the events are on the FIFOs' names. */
	off = 0;
	expect_len(splice(src, &off, fifo1, NULL, 100, 0), 100, "splice file to fifo");
	expect_events("splice file to fifo", "MODIFY fifo1, ACCESS src", "");
	expect_len(tee(fifo1, fifo2, 60, 0), 60, "tee fifo to fifo");
	expect_events("tee fifo to fifo", "ACCESS fifo1, MODIFY fifo2", "");
	expect_len(splice(fifo2, NULL, fifo1, NULL, 60, 0), 60, "splice fifo to fifo");
	expect_events("splice fifo to fifo", "MODIFY fifo1, ACCESS fifo2", "");
	off = 0;
	expect_len(splice(fifo1, NULL, dst, &off, 160, 0), 160, "splice fifo to file");
	expect_events("splice fifo to file", "MODIFY dst, ACCESS fifo1", "MODIFY dst");

	/* A failing splice queues nothing. */
	off = 0;
	expect_len(splice(src, &off, dst, NULL, 10, 0), -1, "splice file to file");
	expect_events("splice file to file (EINVAL)", "", NULL);
	expect_len(splice(fifo1, NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK), -1, "splice empty fifo");
	expect_events("splice empty fifo (EAGAIN)", "", NULL);
	close(p[0]);
	close(p[1]);
}

static void test_vmsplice(int fifo1)
{
	char buf[64];
	memset(buf, 'v', sizeof(buf));
	struct iovec iov = {buf, sizeof(buf)};
	expect_len(vmsplice(fifo1, &iov, 1, 0), 64, "vmsplice to fifo");
	expect_events("vmsplice to fifo", "MODIFY fifo1", "");

	/* A FIFO open for both is written to: read through a read-only end. */
	int rd = open_in("fifo1", O_RDONLY | O_NONBLOCK);
	expect_events("open fifo1", "", NULL);
	expect_len(vmsplice(rd, &iov, 1, 0), 64, "vmsplice from fifo");
	expect_events("vmsplice from fifo", "ACCESS fifo1", "");
	close(rd);
	events(buf, sizeof(buf));
}

static void test_sendfile(int src, int dst, int fifo1)
{
	int p[2];
	check(pipe(p) == 0, "pipe");

	off_t off = 0;
	lseek(dst, 0, SEEK_SET);
	expect_len(sendfile(dst, src, &off, DATA_LEN), DATA_LEN, "sendfile file to file");
	/* 6.1's write into dst queued one MODIFY, the call another after src's ACCESS. */
	expect_events("sendfile file to file", "ACCESS src, MODIFY dst",
		      "MODIFY dst, ACCESS src, MODIFY dst");
	off = 0;
	expect_len(sendfile(p[1], src, &off, 100), 100, "sendfile file to pipe");
	expect_events("sendfile file to pipe", "ACCESS src", NULL);
	off = 0;
	expect_len(sendfile(fifo1, src, &off, 100), 100, "sendfile file to fifo");
	expect_events("sendfile file to fifo", "ACCESS src, MODIFY fifo1", NULL);
	off = DATA_LEN;
	expect_len(sendfile(dst, src, &off, 100), 0, "sendfile at EOF");
	expect_events("sendfile at EOF", "", NULL);
	char buf[128];
	expect_len(read(fifo1, buf, sizeof(buf)), 100, "read fifo1");
	events(buf, sizeof(buf));
	close(p[0]);
	close(p[1]);
}

static void test_copy_file_range(int src, int dst)
{
	loff_t in = 0, out = 0;
	expect_len(copy_file_range(src, &in, dst, &out, DATA_LEN, 0), DATA_LEN, "copy_file_range");
	expect_events("copy_file_range", "ACCESS src, MODIFY dst",
		      "MODIFY dst, ACCESS src, MODIFY dst");
	in = DATA_LEN;
	expect_len(copy_file_range(src, &in, dst, &out, 100, 0), 0, "copy_file_range at EOF");
	expect_events("copy_file_range at EOF", "", NULL);
}

int main(void)
{
	struct utsname u;
	int major = 0, minor = 0;
	guest_start("inotify_splice");
	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2) {
		old_kernel = major < 6 || (major == 6 && minor < 5);
		old_copy_kernel = major < 6 || (major == 6 && minor < 18);
	}
	snprintf(dir, sizeof(dir), "/tmp/inotify-splice.%d", (int)getpid());
	check(mkdir(dir, 0755) == 0, "mkdir");
	char p1[192], p2[192];
	path(p1, sizeof(p1), "fifo1");
	path(p2, sizeof(p2), "fifo2");
	check(mkfifo(p1, 0644) == 0 && mkfifo(p2, 0644) == 0, "mkfifo");

	memset(data, 'x', sizeof(data));
	int src = open_in("src", O_RDWR | O_CREAT);
	expect_len(write(src, data, sizeof(data)), DATA_LEN, "write src");
	int dst = open_in("dst", O_RDWR | O_CREAT);
	/* Open for both, so neither end waits for a peer. */
	int fifo1 = open_in("fifo1", O_RDWR | O_NONBLOCK);
	int fifo2 = open_in("fifo2", O_RDWR | O_NONBLOCK);

	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	for (int i = 0; i < 4; i++) {
		path(p1, sizeof(p1), names[i]);
		wds[i] = inotify_add_watch(ifd, p1, IN_ACCESS | IN_MODIFY);
		if (wds[i] < 0)
			check(false, "watch %s: %s", names[i], guest_errno_name(errno));
	}

	test_splice(src, dst, fifo1, fifo2);
	test_vmsplice(fifo1);
	test_sendfile(src, dst, fifo1);
	test_copy_file_range(src, dst);

	close(ifd);
	close(src);
	close(dst);
	close(fifo1);
	close(fifo2);
	for (int i = 0; i < 4; i++) {
		path(p1, sizeof(p1), names[i]);
		unlink(p1);
	}
	rmdir(dir);
	return guest_finish();
}

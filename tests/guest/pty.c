// SPDX-License-Identifier: Apache-2.0
/*
 * Pseudo-terminals without job control: posix_openpt, the slave lock,
 * ptsname and /dev/pts, isatty and ttyname, the default termios,
 * canonical line editing and its echoes, output processing, raw mode
 * with VMIN/VTIME, the window size, poll, TIOCGPTPEER, and what each
 * side sees when the other closes. No pty number is printed: natively
 * the host's devpts hands them out.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new master, unlocked unless asked; its slave's path in name. */
static int open_master(char *name, size_t size, bool unlock)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0)
		return -1;
	if (grantpt(m) || (unlock && unlockpt(m)) || ptsname_r(m, name, size)) {
		close(m);
		return -1;
	}
	return m;
}

/* Everything the master can read now (nonblocking), NUL-terminated. */
static ssize_t drain(int m, char *buf, size_t size)
{
	int fl = fcntl(m, F_GETFL);
	fcntl(m, F_SETFL, fl | O_NONBLOCK);
	ssize_t n = 0, r;
	while ((size_t)n < size - 1 && (r = read(m, buf + n, size - 1 - n)) > 0)
		n += r;
	fcntl(m, F_SETFL, fl);
	buf[n] = 0;
	return n;
}

/*
 * drain, waiting up to 2 s for at least want bytes: Linux hands a pty's
 * echo to the master's side asynchronously (a work item), so on a slow,
 * loaded machine it may come after the slave's read returned.
 */
static ssize_t drain_at_least(int m, char *buf, size_t size, size_t want)
{
	ssize_t n = drain(m, buf, size);
	for (int waited = 0; (size_t)n < want && waited < 2000; waited += 50) {
		struct pollfd pfd = {.fd = m, .events = POLLIN};
		poll(&pfd, 1, 50);
		n += drain(m, buf + n, size - n);
	}
	return n;
}

/* Print s with control characters escaped, for comparing echoes. */
static const char *esc(const char *s, ssize_t len)
{
	static char out[512];
	size_t o = 0;
	for (ssize_t i = 0; i < len && o < sizeof(out) - 5; i++) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = c;
		else
			o += snprintf(out + o, sizeof(out) - o, "\\%03o", c);
	}
	out[o] = 0;
	return out;
}

static bool listed(const char *name)
{
	const char *num = name + strlen("/dev/pts/");
	DIR *d = opendir("/dev/pts");
	bool found = false;
	struct dirent *e;
	while (d && (e = readdir(d)))
		found |= strcmp(e->d_name, num) == 0;
	if (d)
		closedir(d);
	return found;
}

static void test_pair(void)
{
	char name[64], buf[64];
	int m = open_master(name, sizeof(name), false);
	if (!check(m >= 0, "posix_openpt, grantpt, ptsname"))
		return;
	check(strncmp(name, "/dev/pts/", 9) == 0, "ptsname is under /dev/pts");
	unsigned n = ~0u;
	expect_ret(ioctl(m, TIOCGPTN, &n), 0, "TIOCGPTN");
	snprintf(buf, sizeof(buf), "/dev/pts/%u", n);
	check(strcmp(buf, name) == 0, "TIOCGPTN names ptsname");
	int lock = 0;
	expect_ret(ioctl(m, TIOCGPTLCK, &lock), 0, "TIOCGPTLCK");
	expect_ret(lock, 1, "locked after open");
	expect_err(open(name, O_RDWR | O_NOCTTY), EIO, "open locked slave");
	expect_ret(unlockpt(m), 0, "unlockpt");
	ioctl(m, TIOCGPTLCK, &lock);
	expect_ret(lock, 0, "unlocked");

	struct stat st;
	expect_ret(stat(name, &st), 0, "stat slave");
	check(S_ISCHR(st.st_mode), "slave is a character device");
	/* 0620 with the usual mode=620 mount option, 0600 without. */
	check((st.st_mode & 07777) == 0620 || (st.st_mode & 07777) == 0600, "slave mode");
	check(st.st_uid == getuid(), "slave owned by the opener");
	expect_ret(major(st.st_rdev), 136, "slave major");
	check(minor(st.st_rdev) == n, "slave minor is its index");
	check(listed(name), "listed in /dev/pts");
	expect_ret(stat("/dev/pts/ptmx", &st), 0, "stat /dev/pts/ptmx");
	expect_ret(major(st.st_rdev) * 1000 + minor(st.st_rdev), 5002, "/dev/pts/ptmx is 5:2");
	expect_ret(stat("/dev/ptmx", &st), 0, "stat /dev/ptmx");
	expect_ret(major(st.st_rdev) * 1000 + minor(st.st_rdev), 5002, "/dev/ptmx is 5:2");

	int s = open(name, O_RDWR | O_NOCTTY);
	if (!check(s >= 0, "open slave"))
		return;
	expect_ret(isatty(s), 1, "isatty(slave)");
	expect_ret(isatty(m), 1, "isatty(master)");
	const char *tn = ttyname(s);
	check(tn && strcmp(tn, name) == 0, "ttyname(slave) is ptsname");
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", s);
	ssize_t l = readlink(link, buf, sizeof(buf) - 1);
	buf[l > 0 ? l : 0] = 0;
	check(strcmp(buf, name) == 0, "/proc/self/fd link names the slave");
	expect_err(ioctl(s, TIOCGPTN, &n), ENOTTY, "TIOCGPTN on the slave");

	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	check(peer >= 0, "TIOCGPTPEER");
	tn = peer >= 0 ? ttyname(peer) : NULL;
	check(tn && strcmp(tn, name) == 0, "ttyname(peer) is ptsname");
	close(peer);

	close(s);
	close(m);
	check(!listed(name), "gone from /dev/pts after close");
	expect_err(stat(name, &st), ENOENT, "stat slave after close");
}

static void test_termios_defaults(int s)
{
	struct termios t;
	expect_ret(tcgetattr(s, &t), 0, "tcgetattr");
	check((t.c_lflag & (ICANON | ECHO | ISIG | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN)) ==
		      (ICANON | ECHO | ISIG | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN),
	      "c_lflag defaults");
	check((t.c_iflag & (ICRNL | IXON)) == (ICRNL | IXON), "c_iflag defaults");
	check((t.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR), "c_oflag defaults");
	expect_ret(t.c_cflag & CSIZE, CS8, "CS8");
	expect_ret(t.c_cc[VINTR], 3, "VINTR");
	expect_ret(t.c_cc[VQUIT], 034, "VQUIT");
	expect_ret(t.c_cc[VERASE], 0177, "VERASE");
	expect_ret(t.c_cc[VKILL], 025, "VKILL");
	expect_ret(t.c_cc[VEOF], 4, "VEOF");
	expect_ret(t.c_cc[VMIN], 1, "VMIN");
	expect_ret(t.c_cc[VWERASE], 027, "VWERASE");
	expect_ret(t.c_cc[VLNEXT], 026, "VLNEXT");
	expect_ret(cfgetospeed(&t), B38400, "speed");
}

/* Write in to the master; the slave reads want; the master reads echo. */
static void canon_case(int m, int s, const char *what, const char *in, const char *want,
		       const char *echo)
{
	char buf[256], e[256];
	write(m, in, strlen(in));
	ssize_t n = read(s, buf, sizeof(buf));
	bool ok = n == (ssize_t)strlen(want) && memcmp(buf, want, n) == 0;
	if (!check(ok, "%s: read", what))
		printf("  got %s\n", esc(buf, n));
	n = drain_at_least(m, e, sizeof(e), strlen(echo));
	if (!check(strcmp(e, echo) == 0, "%s: echo", what))
		printf("  got %s\n", esc(e, n));
}

static void test_canonical(void)
{
	char name[64], buf[64];
	int m = open_master(name, sizeof(name), true);
	int s = open(name, O_RDWR | O_NOCTTY);
	if (!check(m >= 0 && s >= 0, "pair for canonical mode"))
		return;
	test_termios_defaults(s);
	canon_case(m, s, "line", "hello\n", "hello\n", "hello\r\n");
	canon_case(m, s, "CR to NL", "cr\r", "cr\n", "cr\r\n");
	canon_case(m, s, "VERASE", "abx\177c\n", "abc\n", "abx\b \bc\r\n");
	canon_case(m, s, "VKILL", "junk\025ok\n", "ok\n", "junk\b \b\b \b\b \b\b \bok\r\n");
	canon_case(m, s, "VWERASE", "one two\027three\n", "one three\n",
		   "one two\b \b\b \b\b \bthree\r\n");
	canon_case(m, s, "VLNEXT", "a\026\003b\n", "a\003b\n", "a^\b^Cb\r\n");
	canon_case(m, s, "control echo", "\001\n", "\001\n", "^A\r\n");
	canon_case(m, s, "erase a control char", "x\001\177\n", "x\n", "x^A\b \b\b \b\r\n");
	canon_case(m, s, "VEOF ends a line", "abc\004", "abc", "abc");
	canon_case(m, s, "VEOF alone", "\004", "", "");

	/* A read shorter than the line leaves the rest for the next. */
	write(m, "abcdef\n", 7);
	expect_ret(read(s, buf, 3), 3, "short read of a line");
	expect_ret(read(s, buf, sizeof(buf)), 4, "rest of the line");
	/* Lines come one per read. */
	write(m, "l1\nl2\n", 6);
	expect_ret(read(s, buf, sizeof(buf)), 3, "first of two lines");
	int avail = -1;
	expect_ret(ioctl(s, FIONREAD, &avail), 0, "FIONREAD");
	expect_ret(avail, 3, "FIONREAD counts the second line");
	expect_ret(read(s, buf, sizeof(buf)), 3, "second of two lines");
	/* An incomplete line is not readable. */
	write(m, "part", 4);
	struct pollfd pfd = {s, POLLIN, 0};
	expect_ret(poll(&pfd, 1, 0), 0, "poll: partial line not readable");
	ioctl(s, FIONREAD, &avail);
	expect_ret(avail, 0, "FIONREAD of a partial line");
	write(m, "\n", 1);
	expect_ret(poll(&pfd, 1, 1000), 1, "poll: line readable");
	expect_ret(read(s, buf, sizeof(buf)), 5, "line completed");
	drain(m, buf, sizeof(buf));

	/* Output processing: ONLCR on what the slave writes. */
	write(s, "a\nb", 3);
	ssize_t n = drain(m, buf, sizeof(buf));
	check(strcmp(buf, "a\r\nb") == 0, "ONLCR on output: %s", esc(buf, n));
	pfd = (struct pollfd){m, POLLOUT, 0};
	expect_ret(poll(&pfd, 1, 0), 1, "poll: master writable");

	/* ECHO off, ECHONL on. */
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag &= ~ECHO;
	t.c_lflag |= ECHONL;
	tcsetattr(s, TCSANOW, &t);
	canon_case(m, s, "ECHONL", "quiet\n", "quiet\n", "\r\n");
	t.c_lflag &= ~ECHONL;
	t.c_iflag |= IGNCR;
	tcsetattr(s, TCSANOW, &t);
	canon_case(m, s, "IGNCR", "a\rb\n", "ab\n", "");
	t.c_iflag &= ~(IGNCR | ICRNL);
	t.c_iflag |= INLCR;
	t.c_cc[VEOL] = ';';
	tcsetattr(s, TCSANOW, &t);
	canon_case(m, s, "INLCR and VEOL", "x\ny;", "x\ry;", "");
	t.c_iflag &= ~INLCR;
	tcsetattr(s, TCSANOW, &t);
	write(m, "dropped\n", 8);
	expect_ret(tcflush(s, TCIFLUSH), 0, "TCIFLUSH");
	write(m, "kept\n", 5);
	expect_ret(read(s, buf, sizeof(buf)), 5, "read after TCIFLUSH");
	close(s);
	close(m);
}

struct delayed {
	int fd;
	const char *data;
	long ms;
};

static void *write_later(void *arg)
{
	struct delayed *d = arg;
	sleep_ms(d->ms);
	write(d->fd, d->data, strlen(d->data));
	return NULL;
}

static void test_raw(void)
{
	char name[64], buf[64];
	int m = open_master(name, sizeof(name), true);
	int s = open(name, O_RDWR | O_NOCTTY);
	if (!check(m >= 0 && s >= 0, "pair for raw mode"))
		return;
	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	expect_ret(tcsetattr(s, TCSANOW, &t), 0, "cfmakeraw");
	write(m, "q\r\003", 3);
	ssize_t n = read(s, buf, sizeof(buf));
	check(n == 3 && memcmp(buf, "q\r\003", 3) == 0, "raw read: bytes as written");
	expect_ret(drain(m, buf, sizeof(buf)), 0, "raw: no echo");
	write(s, "x\n", 2);
	n = drain(m, buf, sizeof(buf));
	check(n == 2 && memcmp(buf, "x\n", 2) == 0, "raw: no output processing");

	t.c_cc[VMIN] = 0;
	tcsetattr(s, TCSANOW, &t);
	expect_ret(read(s, buf, sizeof(buf)), 0, "VMIN 0 VTIME 0: empty read returns 0");
	write(m, "ab", 2);
	expect_ret(read(s, buf, sizeof(buf)), 2, "VMIN 0 VTIME 0: what is there");

	t.c_cc[VTIME] = 2;
	tcsetattr(s, TCSANOW, &t);
	long t0 = now_ms();
	expect_ret(read(s, buf, sizeof(buf)), 0, "VMIN 0 VTIME 2: times out with 0");
	long dt = now_ms() - t0;
	check(dt >= 150 && dt < 2000, "VMIN 0 VTIME 2: waited about 0.2s");
	pthread_t th;
	struct delayed d = {m, "z", 50};
	pthread_create(&th, NULL, write_later, &d);
	expect_ret(read(s, buf, sizeof(buf)), 1, "VMIN 0 VTIME 2: a byte in time");
	pthread_join(th, NULL);

	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	write(m, "12", 2);
	d = (struct delayed){m, "3", 100};
	pthread_create(&th, NULL, write_later, &d);
	expect_ret(read(s, buf, sizeof(buf)), 3, "VMIN 3: waits for the third byte");
	pthread_join(th, NULL);
	write(m, "12345", 5);
	expect_ret(read(s, buf, 2), 2, "VMIN 3, read of 2: returns 2");
	expect_ret(read(s, buf, sizeof(buf)), 3, "VMIN 3: the rest");

	t.c_cc[VTIME] = 2;
	tcsetattr(s, TCSANOW, &t);
	write(m, "1", 1);
	t0 = now_ms();
	expect_ret(read(s, buf, sizeof(buf)), 1, "VMIN 3 VTIME 2: inter-byte timeout");
	dt = now_ms() - t0;
	check(dt >= 150 && dt < 2000, "VMIN 3 VTIME 2: waited about 0.2s");

	struct pollfd pfd = {s, POLLIN, 0};
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	write(m, "1", 1);
	expect_ret(poll(&pfd, 1, 0), 0, "poll, VMIN 3: one byte is not enough");
	write(m, "23", 2);
	expect_ret(poll(&pfd, 1, 0), 1, "poll, VMIN 3: three bytes are");
	expect_ret(read(s, buf, sizeof(buf)), 3, "read them");

	/* Back to canonical: what was typed raw is one line. */
	write(m, "raw", 3);
	poll(&pfd, 1, 1000); /* the ldisc has them (Linux hands input over asynchronously) */
	t.c_lflag |= ICANON;
	tcsetattr(s, TCSANOW, &t);
	expect_ret(read(s, buf, sizeof(buf)), 3, "raw input becomes a line");
	close(s);
	close(m);
}

static void test_winsize(void)
{
	char name[64];
	int m = open_master(name, sizeof(name), true);
	int s = open(name, O_RDWR | O_NOCTTY);
	if (!check(m >= 0 && s >= 0, "pair for the window size"))
		return;
	struct winsize ws = {0};
	expect_ret(ioctl(s, TIOCGWINSZ, &ws), 0, "TIOCGWINSZ");
	check(ws.ws_row == 0 && ws.ws_col == 0, "a new pty is 0x0");
	ws = (struct winsize){.ws_row = 24, .ws_col = 80, .ws_xpixel = 1, .ws_ypixel = 2};
	expect_ret(ioctl(m, TIOCSWINSZ, &ws), 0, "TIOCSWINSZ on the master");
	struct winsize got = {0};
	ioctl(s, TIOCGWINSZ, &got);
	check(got.ws_row == 24 && got.ws_col == 80 && got.ws_xpixel == 1 && got.ws_ypixel == 2,
	      "the slave sees it");
	got = (struct winsize){0};
	ioctl(m, TIOCGWINSZ, &got);
	check(got.ws_row == 24 && got.ws_col == 80, "the master too");
	expect_err(ioctl(s, TIOCGWINSZ, (void *)8), EFAULT, "TIOCGWINSZ to a bad pointer");
	expect_err(ioctl(s, 0x54ff, 0), ENOTTY, "an unknown ioctl");
	expect_err(ioctl(s, TCFLSH, 7), EINVAL, "TCFLSH 7");
	int v = -1;
	expect_ret(ioctl(s, TIOCGETD, &v), 0, "TIOCGETD");
	expect_ret(v, N_TTY, "line discipline");
	expect_ret(ioctl(s, TIOCOUTQ, &v), 0, "TIOCOUTQ");
	expect_ret(v, 0, "nothing queued");
	expect_ret(ioctl(s, TIOCEXCL), 0, "TIOCEXCL");
	expect_ret(ioctl(s, TIOCGEXCL, &v), 0, "TIOCGEXCL");
	expect_ret(v, 1, "exclusive");
	expect_ret(ioctl(s, TIOCNXCL), 0, "TIOCNXCL");
	ioctl(s, TIOCGEXCL, &v);
	expect_ret(v, 0, "not exclusive");

	/* Packet mode: each read of the master starts with TIOCPKT_DATA. */
	char buf[16];
	v = 1;
	expect_ret(ioctl(m, TIOCPKT, &v), 0, "TIOCPKT");
	write(s, "x", 1);
	check(read(m, buf, sizeof(buf)) == 2 && buf[0] == TIOCPKT_DATA && buf[1] == 'x',
	      "packet read");
	v = 0;
	ioctl(m, TIOCPKT, &v);

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, got_ev;
	epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev);
	expect_ret(epoll_wait(ep, &got_ev, 1, 0), 0, "epoll: master has nothing");
	struct delayed d = {s, "late", 50};
	pthread_t th;
	pthread_create(&th, NULL, write_later, &d);
	expect_ret(epoll_wait(ep, &got_ev, 1, 2000), 1, "epoll: woken by a slave write");
	pthread_join(th, NULL);
	close(ep);
	close(s);
	close(m);

	char name2[64];
	m = open_master(name2, sizeof(name2), false);
	expect_err(ioctl(m, TIOCGPTPEER, O_RDWR), EIO, "TIOCGPTPEER while locked");
	close(m);
}

static void *read_slave(void *arg)
{
	char buf[16];
	int fd = *(int *)arg;
	long r = read(fd, buf, sizeof(buf));
	*(int *)arg = r < 0 ? -errno : (int)r;
	return NULL;
}

static void test_close(void)
{
	char name[64], buf[64];
	int m = open_master(name, sizeof(name), true);
	if (!check(m >= 0, "pair for closing"))
		return;
	struct pollfd pfd = {m, POLLIN, 0};
	poll(&pfd, 1, 0);
	check(!(pfd.revents & POLLHUP), "no POLLHUP before a slave opens");
	fcntl(m, F_SETFL, O_NONBLOCK);
	expect_err(read(m, buf, sizeof(buf)), EAGAIN, "master read before a slave opens");
	fcntl(m, F_SETFL, 0);

	int s = open(name, O_RDWR | O_NOCTTY);
	poll(&pfd, 1, 0);
	check(!(pfd.revents & POLLHUP), "no POLLHUP with a slave");
	write(s, "bye", 3);
	close(s);
	poll(&pfd, 1, 0);
	check(pfd.revents & POLLHUP, "POLLHUP after the slave closed");
	check(pfd.revents & POLLIN, "POLLIN for what is left");
	expect_ret(read(m, buf, sizeof(buf)), 3, "master reads what is left");
	expect_err(read(m, buf, sizeof(buf)), EIO, "then EIO");

	/* The slave opens again; then the master goes. */
	s = open(name, O_RDWR | O_NOCTTY);
	check(s >= 0, "slave opens again");
	write(m, "unread\n", 7);
	close(m);
	pfd = (struct pollfd){s, POLLIN | POLLOUT, 0};
	poll(&pfd, 1, 0);
	check((pfd.revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)) ==
		      (POLLIN | POLLOUT | POLLHUP | POLLERR),
	      "slave polls hung up");
	expect_ret(read(s, buf, sizeof(buf)), 0, "slave read after hangup: EOF");
	expect_err(write(s, "x", 1), EIO, "slave write after hangup");
	expect_err(tcgetattr(s, (struct termios *)buf), EIO, "tcgetattr after hangup");
	check(!listed(name), "node gone while the slave is open");
	close(s);

	/* A read waiting when the master closes. */
	m = open_master(name, sizeof(name), true);
	s = open(name, O_RDWR | O_NOCTTY);
	int arg = s;
	pthread_t th;
	pthread_create(&th, NULL, read_slave, &arg);
	sleep_ms(100);
	close(m);
	pthread_join(th, NULL);
	check(arg == -EIO, "waiting slave read when the master closes: EIO");
	close(s);

	/* /dev/tty with no controlling terminal. */
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		_exit(open("/dev/tty", O_RDWR) < 0 && errno == ENXIO ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "/dev/tty without one: ENXIO");
}

int main(void)
{
	guest_start("pty");
	test_pair();
	test_canonical();
	test_raw();
	test_winsize();
	test_close();
	return guest_finish();
}

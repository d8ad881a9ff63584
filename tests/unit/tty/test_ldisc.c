// SPDX-License-Identifier: Apache-2.0
/*
 * The line discipline (sentry/tty/ldisc.c) alone: canonical editing and
 * its echoes, signal characters, input mapping, output processing, the
 * full-buffer rules and the VMIN/VTIME decisions, each against what
 * Linux's n_tty does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "abi/linux/signal.h"
#include "sentry/tty/ldisc.h"

static u8 outbuf[8192];
static struct tty_ring out;
static struct ldisc ld;

static int setup(void **state)
{
	(void)state;
	out = (struct tty_ring){.buf = outbuf, .size = sizeof(outbuf)};
	ldisc_init(&ld, &out);
	return 0;
}

static void feed(const char *s)
{
	assert_int_equal(ldisc_receive(&ld, (const u8 *)s, strlen(s)), strlen(s));
}

/* The next read is exactly want (a NUL-free string). */
static void expect_read(const char *want)
{
	u8 buf[8192];
	size_t n = ldisc_read(&ld, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

/* The output so far is exactly want; it is consumed. */
static void expect_out(const char *want)
{
	u8 buf[8192];
	size_t n = tty_ring_get(&out, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_ring_wraps(void **state)
{
	u8 b[4], got[4];
	struct tty_ring r = {.buf = b, .size = sizeof(b)};
	(void)state;
	assert_int_equal(tty_ring_put(&r, (const u8 *)"abc", 3), 3);
	assert_int_equal(tty_ring_get(&r, got, 2), 2);
	assert_int_equal(tty_ring_put(&r, (const u8 *)"defg", 4), 3);
	assert_int_equal(tty_ring_room(&r), 0);
	assert_int_equal(tty_ring_get(&r, got, 4), 4);
	assert_memory_equal(got, "cdef", 4);
}

static void test_ldisc_canon_line_and_echo(void **state)
{
	(void)state;
	feed("hel");
	assert_false(ldisc_readable(&ld, false));
	assert_int_equal(ldisc_inq(&ld), 0);
	feed("lo\r");
	assert_true(ldisc_readable(&ld, false));
	assert_int_equal(ldisc_inq(&ld), 6);
	expect_read("hello\n");
	expect_out("hello\r\n");
	assert_false(ldisc_readable(&ld, false));
}

static void test_ldisc_canon_one_line_per_read(void **state)
{
	(void)state;
	feed("a\nbc\n");
	expect_read("a\n");
	expect_read("bc\n");
	u8 buf[2];
	feed("xyz\n");
	assert_int_equal(ldisc_read(&ld, buf, 2), 2);
	expect_read("z\n");
}

static void test_ldisc_erase_kill_werase(void **state)
{
	(void)state;
	feed("abx\177c\n");
	expect_read("abc\n");
	expect_out("abx\b \bc\r\n");
	feed("junk\025ok\n");
	expect_read("ok\n");
	expect_out("junk\b \b\b \b\b \b\b \bok\r\n");
	feed("one two_2 \027x\n");
	expect_read("one x\n");
	expect_out("one two_2 \b \b\b \b\b \b\b \b\b \b\b \bx\r\n");
	/* Nothing to erase: no echo. */
	feed("\177");
	expect_out("");
}

static void test_ldisc_kill_without_echoke(void **state)
{
	(void)state;
	struct linux_termios t = ld.termios;
	t.c_lflag &= ~LINUX_ECHOKE;
	ldisc_set_termios(&ld, &t);
	feed("ab\025c\n");
	expect_read("c\n");
	expect_out("ab^U\r\nc\r\n");
}

static void test_ldisc_eof(void **state)
{
	(void)state;
	feed("abc\004");
	assert_int_equal(ldisc_inq(&ld), 3);
	expect_read("abc");
	feed("\004");
	assert_true(ldisc_readable(&ld, false));
	expect_read("");
	assert_false(ldisc_readable(&ld, false));
	expect_out("abc");
}

static void test_ldisc_lnext_and_control_echo(void **state)
{
	(void)state;
	feed("a\026\003\026\177\001\n");
	assert_int_equal(ld.signals, 0);
	expect_read("a\003\177\001\n");
	expect_out("a^\b^C^\b^?^A\r\n");
}

static void test_ldisc_signal_chars(void **state)
{
	(void)state;
	feed("partial\003");
	assert_int_equal(ld.signals, 1ULL << (LINUX_SIGINT - 1));
	assert_false(ldisc_readable(&ld, false));
	/* The partial line and its echo are flushed; ^C is echoed after. */
	expect_out("^C");
	feed("\034\032");
	assert_int_equal(ld.signals, (1ULL << (LINUX_SIGINT - 1)) | (1ULL << (LINUX_SIGQUIT - 1)) |
					     (1ULL << (LINUX_SIGTSTP - 1)));
	/* Each signal character flushes the output, the echo of the one before too. */
	expect_out("^Z");

	struct linux_termios t = ld.termios;
	t.c_lflag |= LINUX_NOFLSH;
	t.c_lflag &= ~LINUX_ECHO;
	ldisc_set_termios(&ld, &t);
	feed("kept\003\n");
	expect_read("kept\n");
	expect_out("");
	t.c_lflag &= ~LINUX_ISIG;
	ldisc_set_termios(&ld, &t);
	ld.signals = 0;
	feed("\003\n");
	assert_int_equal(ld.signals, 0);
	expect_read("\003\n");
}

static void test_ldisc_input_mapping(void **state)
{
	(void)state;
	struct linux_termios t = ld.termios;
	t.c_lflag &= ~LINUX_ECHO;
	t.c_iflag |= LINUX_IGNCR;
	ldisc_set_termios(&ld, &t);
	feed("a\rb\n");
	expect_read("ab\n");
	t.c_iflag &= ~(LINUX_IGNCR | LINUX_ICRNL);
	t.c_iflag |= LINUX_INLCR;
	t.c_cc[LINUX_VEOL] = ';';
	ldisc_set_termios(&ld, &t);
	feed("x\ny;");
	expect_read("x\ry;");
	t.c_lflag |= LINUX_ECHONL;
	t.c_iflag &= ~LINUX_INLCR;
	ldisc_set_termios(&ld, &t);
	feed("q\n");
	expect_read("q\n");
	expect_out("\r\n");
}

static void test_ldisc_flow_control(void **state)
{
	(void)state;
	feed("\023");
	assert_true(ld.stopped);
	assert_int_equal(ldisc_write(&ld, (const u8 *)"x", 1), 0);
	feed("\021");
	assert_false(ld.stopped);
	assert_int_equal(ldisc_write(&ld, (const u8 *)"x", 1), 1);
	expect_out("x");
}

static void test_ldisc_output_processing(void **state)
{
	(void)state;
	assert_int_equal(ldisc_write(&ld, (const u8 *)"a\tb\n", 4), 4);
	expect_out("a\tb\r\n");
	struct linux_termios t = ld.termios;
	t.c_oflag |= LINUX_XTABS | LINUX_OLCUC;
	ldisc_set_termios(&ld, &t);
	assert_int_equal(ldisc_write(&ld, (const u8 *)"ab\tc", 4), 4);
	expect_out("AB      C");
	t.c_oflag &= ~LINUX_OPOST;
	ldisc_set_termios(&ld, &t);
	assert_int_equal(ldisc_write(&ld, (const u8 *)"a\n", 2), 2);
	expect_out("a\n");
}

static void test_ldisc_output_full(void **state)
{
	u8 small[3];
	struct tty_ring r = {.buf = small, .size = sizeof(small)};
	(void)state;
	ld.out = &r;
	/* "a\n" needs 3 bytes: it fits; the next \n's "\r\n" does not. */
	assert_int_equal(ldisc_write(&ld, (const u8 *)"a\n\n", 3), 2);
	assert_int_equal(r.len, 3);
	ld.out = &out;
}

static void test_ldisc_raw_mode(void **state)
{
	(void)state;
	struct linux_termios t = ld.termios;
	t.c_lflag &= ~(LINUX_ICANON | LINUX_ECHO | LINUX_ISIG);
	t.c_iflag &= ~LINUX_ICRNL;
	ldisc_set_termios(&ld, &t);
	feed("a\r\003");
	assert_true(ldisc_readable(&ld, false));
	assert_int_equal(ldisc_inq(&ld), 3);
	expect_read("a\r\003");
	expect_out("");
}

static void test_ldisc_raw_full_buffer_stops(void **state)
{
	static u8 big[5000];
	(void)state;
	struct linux_termios t = ld.termios;
	t.c_lflag &= ~(LINUX_ICANON | LINUX_ECHO);
	ldisc_set_termios(&ld, &t);
	memset(big, 'x', sizeof(big));
	assert_int_equal(ldisc_receive(&ld, big, sizeof(big)), LDISC_BUF_SIZE - 1);
	assert_false(ldisc_has_room(&ld));
}

static void test_ldisc_canon_overflow_keeps_newline(void **state)
{
	static u8 big[5000];
	u8 buf[8192];
	(void)state;
	struct linux_termios t = ld.termios;
	t.c_lflag &= ~LINUX_ECHO;
	ldisc_set_termios(&ld, &t);
	memset(big, 'x', sizeof(big));
	/* A line longer than the buffer: characters past it are dropped. */
	assert_int_equal(ldisc_receive(&ld, big, sizeof(big)), sizeof(big));
	feed("\n");
	size_t n = ldisc_read(&ld, buf, sizeof(buf));
	assert_int_equal(n, LDISC_BUF_SIZE);
	assert_int_equal(buf[n - 1], '\n');
}

static void test_ldisc_mode_switch(void **state)
{
	(void)state;
	struct linux_termios t = ld.termios;
	t.c_lflag &= ~LINUX_ECHO;
	ldisc_set_termios(&ld, &t);
	feed("ab");
	t.c_lflag &= ~LINUX_ICANON;
	ldisc_set_termios(&ld, &t);
	assert_true(ldisc_readable(&ld, false));
	feed("c");
	t.c_lflag |= LINUX_ICANON;
	ldisc_set_termios(&ld, &t);
	/* What was typed raw becomes one line. */
	expect_read("abc");
}

static void test_ldisc_vmin_vtime(void **state)
{
	u64 timeout;
	(void)state;
	struct linux_termios t = ld.termios;
	t.c_lflag &= ~LINUX_ICANON;
	t.c_cc[LINUX_VMIN] = 0;
	t.c_cc[LINUX_VTIME] = 0;
	ldisc_set_termios(&ld, &t);
	/* VMIN 0, VTIME 0: a poll, never waits. */
	assert_true(ldisc_read_done(&ld, 0, 10, &timeout));
	/* VMIN 0, VTIME 5: waits 0.5s for the first byte, one is enough. */
	ld.termios.c_cc[LINUX_VTIME] = 5;
	assert_false(ldisc_read_done(&ld, 0, 10, &timeout));
	assert_int_equal(timeout, 500000000ULL);
	assert_true(ldisc_read_done(&ld, 1, 10, &timeout));
	assert_false(ldisc_timer_per_byte(&ld));
	/* VMIN 3, VTIME 0: waits without limit for 3 bytes, or the buffer's size. */
	ld.termios.c_cc[LINUX_VMIN] = 3;
	ld.termios.c_cc[LINUX_VTIME] = 0;
	assert_false(ldisc_read_done(&ld, 0, 10, &timeout));
	assert_int_equal(timeout, 0);
	assert_false(ldisc_read_done(&ld, 2, 10, &timeout));
	assert_int_equal(timeout, 0);
	assert_true(ldisc_read_done(&ld, 3, 10, &timeout));
	assert_true(ldisc_read_done(&ld, 2, 2, &timeout));
	/* VMIN 3, VTIME 2: no timer before the first byte, 0.2s between bytes. */
	ld.termios.c_cc[LINUX_VTIME] = 2;
	assert_false(ldisc_read_done(&ld, 0, 10, &timeout));
	assert_int_equal(timeout, 0);
	assert_false(ldisc_read_done(&ld, 1, 10, &timeout));
	assert_int_equal(timeout, 200000000ULL);
	assert_true(ldisc_timer_per_byte(&ld));
	/* poll wants VMIN bytes only when VTIME is 0. */
	feed("ab");
	assert_true(ldisc_readable(&ld, true));
	ld.termios.c_cc[LINUX_VTIME] = 0;
	assert_false(ldisc_readable(&ld, true));
	assert_true(ldisc_readable(&ld, false));
}

static void test_ldisc_erase_tab(void **state)
{
	(void)state;
	feed("ab\t\177\n");
	expect_read("ab\n");
	/* The tab went to column 8; erasing it backs up 6 columns to 2. */
	expect_out("ab\t\b\b\b\b\b\b\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ring_wraps, setup),
		cmocka_unit_test_setup(test_ldisc_canon_line_and_echo, setup),
		cmocka_unit_test_setup(test_ldisc_canon_one_line_per_read, setup),
		cmocka_unit_test_setup(test_ldisc_erase_kill_werase, setup),
		cmocka_unit_test_setup(test_ldisc_kill_without_echoke, setup),
		cmocka_unit_test_setup(test_ldisc_eof, setup),
		cmocka_unit_test_setup(test_ldisc_lnext_and_control_echo, setup),
		cmocka_unit_test_setup(test_ldisc_signal_chars, setup),
		cmocka_unit_test_setup(test_ldisc_input_mapping, setup),
		cmocka_unit_test_setup(test_ldisc_flow_control, setup),
		cmocka_unit_test_setup(test_ldisc_output_processing, setup),
		cmocka_unit_test_setup(test_ldisc_output_full, setup),
		cmocka_unit_test_setup(test_ldisc_raw_mode, setup),
		cmocka_unit_test_setup(test_ldisc_raw_full_buffer_stops, setup),
		cmocka_unit_test_setup(test_ldisc_canon_overflow_keeps_newline, setup),
		cmocka_unit_test_setup(test_ldisc_mode_switch, setup),
		cmocka_unit_test_setup(test_ldisc_vmin_vtime, setup),
		cmocka_unit_test_setup(test_ldisc_erase_tab, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

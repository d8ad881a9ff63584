// SPDX-License-Identifier: Apache-2.0
/*
 * The line discipline, after Linux's drivers/tty/n_tty.c (see ldisc.h):
 * the order in which a received character is examined (flow control,
 * signal characters, CR/NL mapping, editing, line ends), the echoes, and
 * the read rules are n_tty's, since programs depend on all of them.
 *
 * Not done: PARMRK and parity, IUTF8 multibyte erase, ECHOPRT, FLUSHO,
 * EXTPROC, IMAXBEL. A c_cc entry of 0 (_POSIX_VDISABLE) disables it.
 */
#include <ctype.h>
#include <string.h>

#include "ldisc.h"
#include "abi/linux/signal.h"

size_t tty_ring_put(struct tty_ring *r, const u8 *buf, size_t len)
{
	size_t n = MIN(len, r->size - r->len);
	size_t at = (r->head + r->len) % r->size;
	size_t first = MIN(n, r->size - at);
	memcpy(r->buf + at, buf, first);
	memcpy(r->buf, buf + first, n - first);
	r->len += n;
	return n;
}

size_t tty_ring_get(struct tty_ring *r, u8 *buf, size_t len)
{
	size_t n = MIN(len, r->len);
	size_t first = MIN(n, r->size - r->head);
	if (buf) {
		memcpy(buf, r->buf + r->head, first);
		memcpy(buf + first, r->buf, n - first);
	}
	r->head = (r->head + n) % r->size;
	r->len -= n;
	return n;
}

#define MASK(i) ((i) & (LDISC_BUF_SIZE - 1))

static bool bit_test(const u64 *map, size_t i)
{
	return map[MASK(i) / 64] & (1ULL << (MASK(i) % 64));
}

static void bit_set(u64 *map, size_t i, bool on)
{
	if (on)
		map[MASK(i) / 64] |= 1ULL << (MASK(i) % 64);
	else
		map[MASK(i) / 64] &= ~(1ULL << (MASK(i) % 64));
}

#define L(ld, f) ((ld)->termios.c_lflag & LINUX_##f)
#define I(ld, f) ((ld)->termios.c_iflag & LINUX_##f)
#define O(ld, f) ((ld)->termios.c_oflag & LINUX_##f)
#define CC(ld, v) ((ld)->termios.c_cc[LINUX_##v])

/* The kernel's iscntrl: C0, DEL and C1. */
static bool is_cntrl(u8 c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
}

/* c is the special character v (0 disables one, as _POSIX_VDISABLE). */
static bool is_char(const struct ldisc *ld, u8 c, int v)
{
	return ld->termios.c_cc[v] && c == ld->termios.c_cc[v];
}

/* Linux's tty_std_termios, with the pty slave's c_cflag. */
static const struct linux_termios std_termios = {
	.c_iflag = LINUX_ICRNL | LINUX_IXON,
	.c_oflag = LINUX_OPOST | LINUX_ONLCR,
	.c_cflag = LINUX_B38400 | LINUX_CS8 | LINUX_CREAD,
	.c_lflag = LINUX_ISIG | LINUX_ICANON | LINUX_ECHO | LINUX_ECHOE | LINUX_ECHOK |
		   LINUX_ECHOCTL | LINUX_ECHOKE | LINUX_IEXTEN,
	.c_cc = {003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0},
};

void ldisc_init(struct ldisc *ld, struct tty_ring *out)
{
	memset(ld, 0, sizeof(*ld));
	ld->termios = std_termios;
	ld->out = out;
}

/*
 * One character of output through OPOST (n_tty's do_output_char).
 * Returns false, changing nothing, if the ring lacks room for it.
 */
static bool opost_char(struct ldisc *ld, u8 c)
{
	u8 seq[8];
	size_t n = 0, col = ld->column;

	if (!O(ld, OPOST)) {
		return tty_ring_put(ld->out, &c, 1) == 1;
	}
	switch (c) {
	case '\n':
		if (O(ld, ONLRET))
			col = 0;
		if (O(ld, ONLCR)) {
			seq[n++] = '\r';
			col = 0;
		}
		seq[n++] = '\n';
		break;
	case '\r':
		if (O(ld, ONOCR) && col == 0)
			return true;
		if (O(ld, OCRNL)) {
			c = '\n';
			if (O(ld, ONLRET))
				col = 0;
		} else {
			col = 0;
		}
		seq[n++] = c;
		break;
	case '\t': {
		size_t spaces = 8 - (col & 7);
		col += spaces;
		if ((ld->termios.c_oflag & LINUX_TABDLY) == LINUX_XTABS)
			while (n < spaces)
				seq[n++] = ' ';
		else
			seq[n++] = '\t';
		break;
	}
	case '\b':
		if (col > 0)
			col--;
		seq[n++] = c;
		break;
	default:
		if (!is_cntrl(c)) {
			if (O(ld, OLCUC))
				c = toupper(c);
			col++;
		}
		seq[n++] = c;
		break;
	}
	if (tty_ring_room(ld->out) < n)
		return false;
	tty_ring_put(ld->out, seq, n);
	ld->column = col;
	return true;
}

/* An echo: dropped if the output is full, as Linux's echo buffer may lose them. */
static void echo_raw(struct ldisc *ld, u8 c)
{
	opost_char(ld, c);
}

/* Echo c, a control character as ^X with ECHOCTL (n_tty's echo_char). */
static void echo_char(struct ldisc *ld, u8 c)
{
	if (L(ld, ECHOCTL) && is_cntrl(c) && c != '\t') {
		echo_raw(ld, '^');
		echo_raw(ld, c ^ 0100);
	} else {
		echo_raw(ld, c);
	}
}

static void put_char(struct ldisc *ld, u8 c)
{
	ld->buf[MASK(ld->read_head)] = c;
	bit_set(ld->delim, ld->read_head, false);
	bit_set(ld->eof, ld->read_head, false);
	ld->read_head++;
}

/* End the line being edited with c (eof: c is VEOF, never returned). */
static void end_line(struct ldisc *ld, u8 c, bool eof)
{
	size_t at = ld->read_head;
	put_char(ld, c);
	bit_set(ld->delim, at, true);
	bit_set(ld->eof, at, eof);
	ld->canon_head = ld->read_head;
}

/* Backspace over the tab just erased: back to its column (echo_erase_tab). */
static void erase_tab(struct ldisc *ld)
{
	size_t cols = 0;
	bool after_tab = false;
	for (size_t i = ld->read_head; i != ld->canon_head;) {
		u8 c = ld->buf[MASK(--i)];
		if (c == '\t') {
			after_tab = true;
			break;
		}
		cols += is_cntrl(c) ? (L(ld, ECHOCTL) ? 2 : 0) : 1;
	}
	if (!after_tab)
		cols += ld->canon_column;
	size_t bs = 8 - (cols & 7);
	while (bs-- && ld->column > 0)
		echo_raw(ld, '\b');
}

static void echo_erase(struct ldisc *ld, u8 c, bool erase_only)
{
	if (erase_only && !L(ld, ECHOE)) {
		echo_char(ld, CC(ld, VERASE));
	} else if (c == '\t') {
		erase_tab(ld);
	} else {
		int times = (is_cntrl(c) && L(ld, ECHOCTL)) + (!is_cntrl(c) || L(ld, ECHOCTL));
		while (times--) {
			echo_raw(ld, '\b');
			echo_raw(ld, ' ');
			echo_raw(ld, '\b');
		}
	}
}

/* VERASE, VWERASE, VKILL (n_tty's eraser). */
static void eraser(struct ldisc *ld, u8 c)
{
	enum { ERASE, WERASE, KILL } kind;

	if (ld->read_head == ld->canon_head)
		return;
	if (is_char(ld, c, LINUX_VERASE)) {
		kind = ERASE;
	} else if (is_char(ld, c, LINUX_VWERASE)) {
		kind = WERASE;
	} else {
		if (!L(ld, ECHO)) {
			ld->read_head = ld->canon_head;
			return;
		}
		if (!L(ld, ECHOK) || !L(ld, ECHOKE) || !L(ld, ECHOE)) {
			ld->read_head = ld->canon_head;
			echo_char(ld, c);
			if (L(ld, ECHOK))
				echo_raw(ld, '\n');
			return;
		}
		kind = KILL;
	}
	size_t alnums = 0;
	while (ld->read_head != ld->canon_head) {
		u8 e = ld->buf[MASK(ld->read_head - 1)];
		if (kind == WERASE) {
			/* BSD's ALTWERASE, as Linux: a word is alphanumerics and '_'. */
			if (isalnum(e) || e == '_')
				alnums++;
			else if (alnums)
				break;
		}
		ld->read_head--;
		if (L(ld, ECHO))
			echo_erase(ld, e, kind == ERASE);
		if (kind == ERASE)
			break;
	}
}

/* ISIG: raise sig for the owner, flush unless NOFLSH, echo the character. */
static void signal_char(struct ldisc *ld, int sig, u8 c)
{
	ld->signals |= 1ULL << (sig - 1);
	if (!L(ld, NOFLSH)) {
		ldisc_flush_input(ld);
		tty_ring_clear(ld->out);
	}
	if (I(ld, IXON))
		ld->stopped = false;
	if (L(ld, ECHO))
		echo_char(ld, c);
}

/* Characters that are special only in canonical mode; true if c was one. */
static bool canon_char(struct ldisc *ld, u8 c)
{
	if (is_char(ld, c, LINUX_VERASE) || is_char(ld, c, LINUX_VKILL) ||
	    (is_char(ld, c, LINUX_VWERASE) && L(ld, IEXTEN))) {
		eraser(ld, c);
		return true;
	}
	if (is_char(ld, c, LINUX_VLNEXT) && L(ld, IEXTEN)) {
		ld->lnext = true;
		if (L(ld, ECHO) && L(ld, ECHOCTL)) {
			echo_raw(ld, '^');
			echo_raw(ld, '\b');
		}
		return true;
	}
	if (is_char(ld, c, LINUX_VREPRINT) && L(ld, ECHO) && L(ld, IEXTEN)) {
		echo_char(ld, c);
		echo_raw(ld, '\n');
		for (size_t i = ld->canon_head; i != ld->read_head; i++)
			echo_char(ld, ld->buf[MASK(i)]);
		return true;
	}
	if (c == '\n') {
		if (L(ld, ECHO) || L(ld, ECHONL))
			echo_raw(ld, '\n');
		end_line(ld, c, false);
		return true;
	}
	if (is_char(ld, c, LINUX_VEOF)) {
		end_line(ld, 0, true);
		return true;
	}
	if (is_char(ld, c, LINUX_VEOL) || (is_char(ld, c, LINUX_VEOL2) && L(ld, IEXTEN))) {
		if (L(ld, ECHO)) {
			if (ld->canon_head == ld->read_head)
				ld->canon_column = ld->column;
			echo_char(ld, c);
		}
		end_line(ld, c, false);
		return true;
	}
	return false;
}

/* A character taken as it is (n_tty_receive_char). */
static void normal_char(struct ldisc *ld, u8 c)
{
	if (L(ld, ECHO)) {
		if (c == '\n') {
			echo_raw(ld, '\n');
		} else {
			if (ld->canon_head == ld->read_head)
				ld->canon_column = ld->column;
			echo_char(ld, c);
		}
	}
	put_char(ld, c);
}

static void receive_char(struct ldisc *ld, u8 c)
{
	if (I(ld, ISTRIP))
		c &= 0x7f;
	if (I(ld, IUCLC) && L(ld, IEXTEN))
		c = tolower(c);
	if (ld->lnext) {
		ld->lnext = false;
		normal_char(ld, c);
		return;
	}
	if (I(ld, IXON)) {
		if (is_char(ld, c, LINUX_VSTOP)) {
			ld->stopped = true;
			return;
		}
		if (is_char(ld, c, LINUX_VSTART)) {
			ld->stopped = false;
			return;
		}
	}
	if (L(ld, ISIG)) {
		static const struct {
			int v, sig;
		} sigs[] = {{LINUX_VINTR, LINUX_SIGINT},
			    {LINUX_VQUIT, LINUX_SIGQUIT},
			    {LINUX_VSUSP, LINUX_SIGTSTP}};
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
			if (is_char(ld, c, sigs[i].v)) {
				signal_char(ld, sigs[i].sig, c);
				return;
			}
		}
	}
	if (ld->stopped && I(ld, IXON) && I(ld, IXANY))
		ld->stopped = false;
	if (c == '\r') {
		if (I(ld, IGNCR))
			return;
		if (I(ld, ICRNL))
			c = '\n';
	} else if (c == '\n' && I(ld, INLCR)) {
		c = '\r';
	}
	if (L(ld, ICANON) && canon_char(ld, c))
		return;
	normal_char(ld, c);
}

size_t ldisc_receive(struct ldisc *ld, const u8 *buf, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++) {
		long room = LDISC_BUF_SIZE - (long)(ld->read_head - ld->read_tail) - 1;
		if (room <= 0) {
			/*
			 * A full buffer with no complete line would never empty:
			 * the last character is overwritten so that a line end
			 * still gets in (n_tty's overflow handling).
			 */
			bool overflow = L(ld, ICANON) && ld->canon_head == ld->read_tail;
			if (!overflow)
				break;
			if (room < 0)
				ld->read_head--;
		}
		receive_char(ld, buf[i]);
	}
	return i;
}

void ldisc_set_termios(struct ldisc *ld, const struct linux_termios *t)
{
	bool canon_changed = (ld->termios.c_lflag ^ t->c_lflag) & LINUX_ICANON;
	ld->termios = *t;
	if (!canon_changed)
		return;
	memset(ld->delim, 0, sizeof(ld->delim));
	memset(ld->eof, 0, sizeof(ld->eof));
	if (!L(ld, ICANON) || ld->read_head == ld->read_tail) {
		ld->canon_head = ld->read_tail;
	} else {
		/* What was typed becomes one line. */
		bit_set(ld->delim, ld->read_head - 1, true);
		ld->canon_head = ld->read_head;
	}
	ld->lnext = false;
}

bool ldisc_readable(const struct ldisc *ld, bool poll)
{
	if (L(ld, ICANON))
		return ld->canon_head != ld->read_tail;
	/* poll waits for VMIN bytes when there is no VTIME (input_available_p). */
	size_t amt = poll && !CC(ld, VTIME) && CC(ld, VMIN) ? CC(ld, VMIN) : 1;
	return ld->read_head - ld->read_tail >= amt;
}

size_t ldisc_read(struct ldisc *ld, u8 *buf, size_t len)
{
	size_t n = 0;
	if (!L(ld, ICANON)) {
		while (n < len && ld->read_tail != ld->read_head)
			buf[n++] = ld->buf[MASK(ld->read_tail++)];
		return n;
	}
	while (n < len && ld->read_tail != ld->canon_head) {
		size_t at = ld->read_tail++;
		if (!bit_test(ld->delim, at)) {
			buf[n++] = ld->buf[MASK(at)];
			continue;
		}
		bit_set(ld->delim, at, false);
		if (!bit_test(ld->eof, at))
			buf[n++] = ld->buf[MASK(at)];
		bit_set(ld->eof, at, false);
		break;
	}
	return n;
}

size_t ldisc_inq(const struct ldisc *ld)
{
	if (!L(ld, ICANON))
		return ld->read_head - ld->read_tail;
	size_t n = 0;
	for (size_t i = ld->read_tail; i != ld->canon_head; i++)
		n += !bit_test(ld->eof, i) || !bit_test(ld->delim, i);
	return n;
}

bool ldisc_has_room(const struct ldisc *ld)
{
	return ld->read_head - ld->read_tail < LDISC_BUF_SIZE - 1 ||
	       (L(ld, ICANON) && ld->canon_head == ld->read_tail);
}

void ldisc_flush_input(struct ldisc *ld)
{
	ld->read_tail = ld->canon_head = ld->read_head;
	memset(ld->delim, 0, sizeof(ld->delim));
	memset(ld->eof, 0, sizeof(ld->eof));
	ld->lnext = false;
}

size_t ldisc_write(struct ldisc *ld, const u8 *buf, size_t len)
{
	size_t i;
	if (ld->stopped)
		return 0;
	for (i = 0; i < len; i++)
		if (!opost_char(ld, buf[i]))
			break;
	return i;
}

bool ldisc_read_done(const struct ldisc *ld, size_t copied, size_t len, u64 *timeout_ns)
{
	size_t min = CC(ld, VMIN);
	u64 time = (u64)CC(ld, VTIME) * 100000000ULL;

	*timeout_ns = 0;
	if (copied >= len)
		return true;
	if (!min) {
		/* VMIN 0: one byte will do; VTIME 0 does not wait at all. */
		*timeout_ns = time;
		return copied > 0 || !time;
	}
	if (copied >= min)
		return true;
	if (copied)
		*timeout_ns = time; /* the inter-byte timer, once a byte came */
	return false;
}

bool ldisc_timer_per_byte(const struct ldisc *ld)
{
	return CC(ld, VMIN) > 0;
}

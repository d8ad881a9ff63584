/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The line discipline (Linux's n_tty) as a pure module: no VFS, no
 * tasks, no locks, so it can be unit-tested alone. Its owner (pty.c)
 * serialises every call with its own lock.
 *
 * Input (what the master writes, for the slave to read) goes through
 * ldisc_receive: input flags, signal characters, and in canonical mode
 * line editing; echoes go to the output ring. Output (what the slave
 * writes, for the master to read) goes through ldisc_write: OPOST
 * processing into the same ring.
 *
 * The input buffer is Linux's read_buf: N_TTY_BUF_SIZE bytes where
 * [read_tail, canon_head) are complete lines (canonical mode) and
 * [canon_head, read_head) the line being edited. Counters only grow;
 * an index is a counter modulo the size. In noncanonical mode all of
 * [read_tail, read_head) is readable.
 */
#ifndef SENTRY_TTY_LDISC_H
#define SENTRY_TTY_LDISC_H

#include "lib/compiler.h"
#include "termios.h"

/* A byte FIFO of a fixed size (buf is the owner's). */
struct tty_ring {
	u8 *buf;
	size_t size;
	size_t head; /* where the next byte is read */
	size_t len;
};

/* Store up to len bytes; returns how many fitted. */
size_t tty_ring_put(struct tty_ring *r, const u8 *buf, size_t len);
/* Take up to len bytes into buf (NULL: drop them); returns how many. */
size_t tty_ring_get(struct tty_ring *r, u8 *buf, size_t len);
static inline size_t tty_ring_room(const struct tty_ring *r)
{
	return r->size - r->len;
}
static inline void tty_ring_clear(struct tty_ring *r)
{
	r->head = r->len = 0;
}

#define LDISC_BUF_SIZE 4096

struct ldisc {
	struct linux_termios termios;
	u8 buf[LDISC_BUF_SIZE];
	u64 delim[LDISC_BUF_SIZE / 64]; /* a slot that ends a line */
	u64 eof[LDISC_BUF_SIZE / 64];	/* that line end is VEOF: not returned */
	size_t read_tail, canon_head, read_head;
	bool lnext;	      /* the next character is literal (VLNEXT) */
	bool stopped;	      /* output stopped by VSTOP or TCOOFF */
	size_t column;	      /* the output column, for tabs */
	size_t canon_column;  /* where the line being edited started */
	struct tty_ring *out; /* echoes and processed output go here */
	/* Signals ISIG raised (1 << (sig - 1)), for the owner to send and clear. */
	u64 signals;
};

/* Set up ld with Linux's tty_std_termios of a pty slave; out is where output goes. */
void ldisc_init(struct ldisc *ld, struct tty_ring *out);

/*
 * New termios (TCSETS): switching ICANON makes what is buffered one line
 * (to canonical) or plain bytes (to raw), as n_tty_set_termios does.
 */
void ldisc_set_termios(struct ldisc *ld, const struct linux_termios *t);

/*
 * Process input bytes from buf. Returns how many were taken: it stops
 * when the buffer is full (canonical mode with no complete line drops
 * characters instead, so a newline still gets in, as Linux does).
 */
size_t ldisc_receive(struct ldisc *ld, const u8 *buf, size_t len);

/*
 * Whether a read would return now: a complete line, or any byte (raw
 * mode). For poll, raw mode with VMIN > 0 and no VTIME needs VMIN bytes.
 */
bool ldisc_readable(const struct ldisc *ld, bool poll);

/*
 * Take readable input into buf. Canonical mode: at most one line, with
 * its delimiter but without a VEOF (0 bytes for an EOF at a line start:
 * end of file). Raw mode: what is there. Returns the bytes copied.
 */
size_t ldisc_read(struct ldisc *ld, u8 *buf, size_t len);

/* FIONREAD: the bytes a read could take (canonical: in complete lines, no VEOFs). */
size_t ldisc_inq(const struct ldisc *ld);

/* Whether input may be taken now (the buffer has room). */
bool ldisc_has_room(const struct ldisc *ld);

/* Drop all input (TCIFLUSH, a signal character without NOFLSH). */
void ldisc_flush_input(struct ldisc *ld);

/*
 * Output: process up to len bytes into the output ring (OPOST). Returns
 * how many were taken; fewer when the ring fills or output is stopped.
 */
size_t ldisc_write(struct ldisc *ld, const u8 *buf, size_t len);

/*
 * Noncanonical reads (VMIN, VTIME), as n_tty_read decides them. After
 * copied bytes of a read of len, returns true if the read is done;
 * otherwise it waits, and *timeout_ns says for how long (0: no limit).
 * The timer is VTIME: with VMIN 0 it runs from the start of the read;
 * with VMIN > 0 it starts again at each byte (none before the first).
 */
bool ldisc_read_done(const struct ldisc *ld, size_t copied, size_t len, u64 *timeout_ns);

/* Whether the VTIME timer restarts when a byte comes (VMIN > 0), for the caller's deadline. */
bool ldisc_timer_per_byte(const struct ldisc *ld);

#endif

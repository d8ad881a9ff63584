// SPDX-License-Identifier: Apache-2.0
/*
 * Terminal ioctls (Linux's tty_io.c, tty_ioctl.c, n_tty_ioctl_helper and
 * pty_unix98_ioctl). On a master, the termios and window ioctls act on
 * its slave, as Linux's tty_pair_get_tty does; the ptmx ones (TIOCGPTN
 * and the like) are the master's alone and ENOTTY on a slave.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/signal.h"
#include "sentry/syscalls/sys_path.h"
#include "tty_internal.h"

#define LINUX_PARENB 0000400u
#define TTY_SPEED 38400

static int get_int(struct task *t, uaddr_t arg, int *val)
{
	return mm_copy_from_user(t->mm, val, arg, sizeof(*val)) ? -EFAULT : 0;
}

static long put_int(struct task *t, uaddr_t arg, int val)
{
	return mm_copy_to_user(t->mm, arg, &val, sizeof(val)) ? -EFAULT : 0;
}

static long tcgets(struct task *t, struct tty_pair *p, uaddr_t arg, bool two)
{
	struct linux_termios2 tio = {.c_ispeed = TTY_SPEED, .c_ospeed = TTY_SPEED};
	pthread_mutex_lock(&p->lock);
	tio.t = p->ld.termios;
	pthread_mutex_unlock(&p->lock);
	size_t size = two ? sizeof(tio) : sizeof(tio.t);
	return mm_copy_to_user(t->mm, arg, &tio, size) ? -EFAULT : 0;
}

/* TCSETS* (set_termios): flush drops pending input first (TCSETSF). */
static long tcsets(struct task *t, struct tty_pair *p, uaddr_t arg, bool two, bool flush)
{
	struct linux_termios2 tio;
	long ret = tty_check_change(t, p, LINUX_SIGTTOU);
	if (ret)
		return ret;
	if (mm_copy_from_user(t->mm, &tio, arg, two ? sizeof(tio) : sizeof(tio.t)))
		return -EFAULT;
	/* pty_set_termios: a pty is always 8 bits, no parity, receiving. */
	tio.t.c_cflag = (tio.t.c_cflag & ~(LINUX_CSIZE | LINUX_PARENB)) | LINUX_CS8 | LINUX_CREAD;
	pthread_mutex_lock(&p->lock);
	if (flush) {
		ldisc_flush_input(&p->ld);
		tty_ring_clear(&p->in);
	}
	ldisc_set_termios(&p->ld, &tio.t);
	pty_pump_locked(p);
	pthread_mutex_unlock(&p->lock);
	pty_wake_all(p);
	return 0;
}

static long tiocswinsz(struct task *t, struct tty_pair *p, uaddr_t arg)
{
	struct linux_winsize ws;
	if (mm_copy_from_user(t->mm, &ws, arg, sizeof(ws)))
		return -EFAULT;
	pthread_mutex_lock(&p->lock);
	bool changed = memcmp(&ws, &p->ws, sizeof(ws)) != 0;
	p->ws = ws;
	pthread_mutex_unlock(&p->lock);
	/* tty_do_resize: the foreground group hears of a change. */
	if (changed)
		pty_send_signals(t, p, SIG_BIT(LINUX_SIGWINCH));
	return 0;
}

/* TCFLSH: a master's input is the slave's output, and the other way round. */
static long tcflsh(struct task *t, struct tty_pair *p, bool master, int how)
{
	if (how < LINUX_TCIFLUSH || how > LINUX_TCIOFLUSH)
		return -EINVAL;
	bool in = how != LINUX_TCOFLUSH, out = how != LINUX_TCIFLUSH;
	if (master) {
		bool t_ = in;
		in = out;
		out = t_;
	} else {
		long ret = tty_check_change(t, p, LINUX_SIGTTOU);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&p->lock);
	if (in) {
		ldisc_flush_input(&p->ld);
		tty_ring_clear(&p->in);
	}
	if (out)
		tty_ring_clear(&p->out);
	pthread_mutex_unlock(&p->lock);
	pty_wake_all(p);
	return 0;
}

static long tcxonc(struct task *t, struct tty_pair *p, bool master, int how)
{
	if (how < LINUX_TCOOFF || how > LINUX_TCION)
		return -EINVAL;
	if (master)
		return 0; /* a master's output is never held back here */
	long ret = tty_check_change(t, p, LINUX_SIGTTOU);
	if (ret)
		return ret;
	pthread_mutex_lock(&p->lock);
	if (how == LINUX_TCOOFF || how == LINUX_TCOON) {
		p->ld.stopped = how == LINUX_TCOOFF;
	} else {
		/* Send VSTOP or VSTART to the other end. */
		u8 c = p->ld.termios.c_cc[how == LINUX_TCIOFF ? LINUX_VSTOP : LINUX_VSTART];
		if (c)
			tty_ring_put(&p->out, &c, 1);
	}
	pthread_mutex_unlock(&p->lock);
	pty_wake_all(p);
	return 0;
}

/*
 * dev.tty.legacy_tiocsti: whether TIOCSTI works without CAP_SYS_ADMIN.
 * On, as Linux 6.1 (before the knob) and CONFIG_LEGACY_TIOCSTI's default.
 */
#define TTY_LEGACY_TIOCSTI true

/*
 * TIOCSTI (Linux's tiocsti): a byte as if typed at the terminal, into
 * one's own controlling terminal only unless CAP_SYS_ADMIN. On a master
 * it is the master's own input, which is what the master reads: a
 * master is never a controlling terminal.
 */
static long tiocsti(struct task *t, struct tty_pair *p, bool master, uaddr_t arg)
{
	bool admin = task_capable(t, LINUX_CAP_SYS_ADMIN);
	if (!TTY_LEGACY_TIOCSTI && !admin)
		return -EIO;
	if (!admin) {
		struct tty_pair *ctty = tty_get_ctty(t);
		bool mine = ctty == p && !master;
		tty_pair_put(ctty);
		if (!mine)
			return -EPERM;
	}
	u8 c;
	if (mm_copy_from_user(t->mm, &c, arg, 1))
		return -EFAULT;
	pthread_mutex_lock(&p->lock);
	if (master)
		tty_ring_put(&p->out, &c, 1);
	else
		ldisc_receive(&p->ld, &c, 1); /* a full buffer drops it, as Linux's */
	u64 sigs = p->ld.signals;
	p->ld.signals = 0;
	pthread_mutex_unlock(&p->lock);
	pty_wake_all(p);
	pty_send_signals(t, p, sigs);
	return 0;
}

/* TIOCGPTPEER: open the slave, found next to the master, as a new fd. */
static long tiocgptpeer(struct task *t, struct file *f, struct tty_pair *p, int flags)
{
	struct path path;
	struct vfs_cred c;
	struct file *slave;

	flags &= O_ACCMODE | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	long ret = devpts_slave_path(t, f, p, &path);
	if (ret)
		return ret;
	task_vfs_cred(t, &c);
	struct vfs_ctx ctx = {.cred = &c, .root = path, .start = path};
	ret = vfs_open_path(&ctx, &path, flags, &slave);
	path_put(&path);
	if (ret)
		return ret;
	return fdtable_alloc(t->files, 0, slave, flags & O_CLOEXEC);
}

/* The ptmx ioctls; -ENOIOCTLCMD-like 1 for others. */
static long master_ioctl(struct task *t, struct file *f, struct tty_pair *p, unsigned cmd,
			 uaddr_t arg)
{
	int val;
	long ret;

	switch (cmd) {
	case LINUX_TIOCGPTN:
		return put_int(t, arg, p->index);
	case LINUX_TIOCSPTLCK:
	case LINUX_TIOCPKT:
		if ((ret = get_int(t, arg, &val)))
			return ret;
		pthread_mutex_lock(&p->lock);
		if (cmd == LINUX_TIOCSPTLCK)
			p->locked = val != 0;
		else
			p->packet = val != 0;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case LINUX_TIOCGPTLCK:
	case LINUX_TIOCGPKT:
		pthread_mutex_lock(&p->lock);
		val = cmd == LINUX_TIOCGPTLCK ? p->locked : p->packet;
		pthread_mutex_unlock(&p->lock);
		return put_int(t, arg, val);
	case LINUX_TIOCGPTPEER:
		return tiocgptpeer(t, f, p, (int)arg.addr);
	}
	return 1;
}

long tty_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	struct tty_pair *p = tty_file_pair(f);
	bool master = tty_file_is_master(f);
	int val;
	long ret;

	if (master && (ret = master_ioctl(t, f, p, cmd, arg)) != 1)
		return ret;
	/* hung_up_tty_ioctl */
	if (!master &&
	    (__atomic_load_n(&p->master_closed, __ATOMIC_ACQUIRE) || tty_file_hung_up(f)))
		return cmd == LINUX_TIOCSPGRP ? -ENOTTY : -EIO;
	switch (cmd) {
	case LINUX_TCGETS:
	case LINUX_TCGETS2:
		return tcgets(t, p, arg, cmd == LINUX_TCGETS2);
	case LINUX_TCSETS:
	case LINUX_TCSETSW:
	case LINUX_TCSETS2:
	case LINUX_TCSETSW2:
		return tcsets(t, p, arg, cmd == LINUX_TCSETS2 || cmd == LINUX_TCSETSW2, false);
	case LINUX_TCSETSF:
	case LINUX_TCSETSF2:
		return tcsets(t, p, arg, cmd == LINUX_TCSETSF2, true);
	case LINUX_TIOCGWINSZ: {
		pthread_mutex_lock(&p->lock);
		struct linux_winsize ws = p->ws;
		pthread_mutex_unlock(&p->lock);
		return mm_copy_to_user(t->mm, arg, &ws, sizeof(ws)) ? -EFAULT : 0;
	}
	case LINUX_TIOCSWINSZ:
		return tiocswinsz(t, p, arg);
	case LINUX_FIONREAD:
		pthread_mutex_lock(&p->lock);
		val = master ? (int)p->out.len : (int)ldisc_inq(&p->ld);
		pthread_mutex_unlock(&p->lock);
		return put_int(t, arg, val);
	case LINUX_TIOCOUTQ:
		/* pty_chars_in_buffer: nothing waits in a pty's driver. */
		return put_int(t, arg, 0);
	case LINUX_TCFLSH:
		return tcflsh(t, p, master, (int)arg.addr);
	case LINUX_TCXONC:
		return tcxonc(t, p, master, (int)arg.addr);
	case LINUX_TCSBRK:
	case LINUX_TCSBRKP:
		return 0; /* nothing to drain, no line to break */
	case LINUX_TIOCEXCL:
	case LINUX_TIOCNXCL:
		/* A master is never opened again: only the slave's flag matters. */
		pthread_mutex_lock(&p->lock);
		if (!master)
			p->excl = cmd == LINUX_TIOCEXCL;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case LINUX_TIOCGEXCL:
		pthread_mutex_lock(&p->lock);
		val = !master && p->excl;
		pthread_mutex_unlock(&p->lock);
		return put_int(t, arg, val);
	case LINUX_TIOCSTI:
		return tiocsti(t, p, master, arg);
	case LINUX_TIOCGETD:
		return put_int(t, arg, 0); /* N_TTY */
	case LINUX_TIOCSETD:
		if ((ret = get_int(t, arg, &val)))
			return ret;
		return val == 0 ? 0 : -EINVAL;
	case LINUX_TIOCSCTTY:
	case LINUX_TIOCNOTTY:
	case LINUX_TIOCGPGRP:
	case LINUX_TIOCSPGRP:
	case LINUX_TIOCGSID:
		return ctty_ioctl(t, f, p, master, cmd, arg);
	}
	return -ENOTTY;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Pty pairs (Linux's drivers/tty/pty.c with n_tty on the slave): the
 * files of /dev/ptmx (the master), /dev/pts/N (the slave) and /dev/tty
 * (a slave reached through the caller's session). The master writes
 * into the slave's line discipline and reads what the slave wrote, after
 * output processing, and the echoes.
 *
 * Closing the master hangs the slave up: its reads return end of file
 * (EIO for a read that was waiting), writes EIO, and the session leader
 * gets SIGHUP. Once every slave file is closed (not before one opened),
 * the master reads what is left and then EIO, and polls POLLHUP.
 *
 * vhangup(2) hangs up the slave files open at the time (Linux swaps
 * their file operations for hung_up_tty_fops): each slave file records
 * the pair's hangup count when it opens, and one that differs later is
 * hung up for good. Opening the slave again gives a working file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "abi/linux/capability.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/signal.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/syscalls/sys_path.h"
#include "sentry/vfs/poll.h"
#include "tty_internal.h"

/* An open file of either side. */
struct tty_file {
	struct tty_pair *p;
	bool master;
	u32 hangups; /* p->hangups when a slave file opened: vhangup hung it up if they differ */
};

struct tty_pair *tty_pair_get(struct tty_pair *p)
{
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

struct tty_pair *tty_pair_tryget(struct tty_pair *p)
{
	int refs = __atomic_load_n(&p->refs, __ATOMIC_RELAXED);
	do {
		if (!refs)
			return NULL;
	} while (!__atomic_compare_exchange_n(&p->refs, &refs, refs + 1, false, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return p;
}

void tty_pair_put(struct tty_pair *p)
{
	if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	devpts_remove_pair(p);
	inode_put(p->inode);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct tty_pair *tty_file_pair(struct file *f)
{
	return ((struct tty_file *)f->private_data)->p;
}

bool tty_file_is_master(struct file *f)
{
	return ((struct tty_file *)f->private_data)->master;
}

bool tty_file_hung_up(struct file *f)
{
	struct tty_file *tf = f->private_data;
	return !tf->master && tf->hangups != __atomic_load_n(&tf->p->hangups, __ATOMIC_ACQUIRE);
}

static bool nonblock(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

void pty_pump_locked(struct tty_pair *p)
{
	while (p->in.len) {
		size_t chunk = MIN(p->in.len, p->in.size - p->in.head);
		size_t n = ldisc_receive(&p->ld, p->in.buf + p->in.head, chunk);
		tty_ring_get(&p->in, NULL, n);
		if (n < chunk)
			break;
	}
}

void pty_wake_all(struct tty_pair *p)
{
	waitq_wake_all(&p->master_wq);
	waitq_wake_all(&p->slave_wq);
}

void pty_send_signals(struct task *t, struct tty_pair *p, u64 sigs)
{
	if (!sigs || !t)
		return;
	pthread_mutex_lock(&tty_table_lock);
	int pgrp = p->pgrp;
	pthread_mutex_unlock(&tty_table_lock);
	for (int sig = 1; sig <= 64; sig++)
		if (pgrp && (sigs & (1ULL << (sig - 1))))
			tty_kill_pgrp(t->k, pgrp, sig);
}

/*
 * Sleep on q with p->lock held (dropped while asleep) until woken, a
 * signal, or deadline (NULL: none). As task_sleep: 0, -EINTR, -ETIMEDOUT;
 * -EAGAIN on a thread with no task.
 */
static int pty_sleep(struct tty_pair *p, struct waitq *q, const struct timespec *deadline)
{
	struct task *t = task_current();
	struct wait_entry w;
	if (!t)
		return -EAGAIN;
	waitq_add(q, &w, t);
	pthread_mutex_unlock(&p->lock);
	int ret = task_sleep(t, deadline);
	pthread_mutex_lock(&p->lock);
	waitq_remove(&w);
	return ret;
}

static struct tty_file *tty_file_alloc(struct file *f, struct tty_pair *p, bool master)
{
	struct tty_file *tf = calloc(1, sizeof(*tf));
	if (!tf)
		return NULL;
	tf->p = p;
	tf->master = master;
	f->private_data = tf;
	f->mode |= FMODE_STREAM | FMODE_GATHER;
	return tf;
}

static int ptmx_open(struct inode *inode, struct file *f)
{
	struct task *t = task_current();
	struct vfs_cred c = {0};
	if (t)
		task_vfs_cred(t, &c);
	struct tty_pair *p = devpts_new_pair(&c);
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (!tty_file_alloc(f, p, true)) {
		tty_pair_put(p);
		return -ENOMEM;
	}
	return 0;
}

int pty_slave_attach(struct tty_pair *p, struct file *f)
{
	struct task *t = task_current();
	pthread_mutex_lock(&p->lock);
	int ret = p->locked || p->master_closed ? -EIO : 0;
	/* TIOCEXCL: only CAP_SYS_ADMIN opens it again. */
	if (!ret && p->excl && !(t && task_capable(t, LINUX_CAP_SYS_ADMIN)))
		ret = -EBUSY;
	u32 hangups = p->hangups;
	if (!ret) {
		p->slaves++;
		p->slave_closed = false;
	}
	pthread_mutex_unlock(&p->lock);
	if (ret)
		return ret;
	struct tty_file *tf = tty_file_alloc(f, tty_pair_get(p), false);
	if (tf)
		tf->hangups = hangups;
	if (!tf) {
		pthread_mutex_lock(&p->lock);
		p->slaves--;
		pthread_mutex_unlock(&p->lock);
		tty_pair_put(p);
		return -ENOMEM;
	}
	return 0;
}

static int pts_open(struct inode *inode, struct file *f)
{
	pthread_mutex_lock(&tty_table_lock);
	struct tty_pair *p = devpts_lookup_locked((int)linux_dev_minor(inode->rdev));
	/* A node that outlived its pair (an old dentry) opens nothing. */
	if (p && p->inode != inode)
		p = NULL;
	if (p)
		p = tty_pair_tryget(p);
	pthread_mutex_unlock(&tty_table_lock);
	if (!p)
		return -EIO;
	int ret = pty_slave_attach(p, f);
	struct task *t = task_current();
	if (!ret && t && !(f->flags & O_NOCTTY))
		tty_open_ctty(t, p);
	tty_pair_put(p);
	return ret;
}

/* /dev/tty: the caller's controlling terminal, ENXIO without one. */
static int ctty_open(struct inode *inode, struct file *f)
{
	struct task *t = task_current();
	struct tty_pair *p = t ? tty_get_ctty(t) : NULL;
	if (!p)
		return -ENXIO;
	int ret = pty_slave_attach(p, f);
	tty_pair_put(p);
	return ret;
}

static void tty_release(struct file *f)
{
	struct tty_file *tf = f->private_data;
	if (!tf)
		return;
	struct tty_pair *p = tf->p;
	pthread_mutex_lock(&p->lock);
	if (tf->master)
		__atomic_store_n(&p->master_closed, true, __ATOMIC_RELEASE);
	else if (!--p->slaves)
		p->slave_closed = true;
	pthread_mutex_unlock(&p->lock);
	if (tf->master) {
		struct task *t = task_current();
		if (t)
			tty_hangup(t->k, p);
		devpts_kill_node(p);
	}
	pty_wake_all(p);
	free(tf);
	tty_pair_put(p);
}

/* The master writes: into the ldisc, through the holding ring. */
static ssize_t master_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct tty_pair *p = tty_file_pair(f);
	size_t done = 0;
	ssize_t err = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		done += tty_ring_put(&p->in, (const u8 *)buf + done, len - done);
		pty_pump_locked(p);
		if (done == len)
			break;
		if (nonblock(f)) {
			err = -EAGAIN;
			break;
		}
		waitq_wake_key(&p->slave_wq, LINUX_POLLIN | LINUX_POLLRDNORM);
		if (p->ld.signals) {
			/* A ^C must not wait for the rest of a long write to go in. */
			u64 sigs = p->ld.signals;
			p->ld.signals = 0;
			pthread_mutex_unlock(&p->lock);
			pty_send_signals(task_current(), p, sigs);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		int ret = pty_sleep(p, &p->master_wq, NULL);
		if (ret == -EINTR || ret == -EAGAIN) {
			err = ret == -EINTR ? -ERESTARTSYS : ret;
			break;
		}
	}
	u64 sigs = p->ld.signals;
	p->ld.signals = 0;
	bool echoed = p->out.len > 0;
	pthread_mutex_unlock(&p->lock);
	waitq_wake_key(&p->slave_wq, LINUX_POLLIN | LINUX_POLLRDNORM);
	if (echoed)
		waitq_wake_key(&p->master_wq, LINUX_POLLIN | LINUX_POLLRDNORM);
	pty_send_signals(task_current(), p, sigs);
	return done ? (ssize_t)done : err;
}

/* The master reads the slave's output: what is there, as a raw tty with VMIN 1. */
static ssize_t master_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct tty_pair *p = tty_file_pair(f);
	ssize_t ret;

	if (!len)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->out.len && p->packet) {
			/* TIOCPKT: a TIOCPKT_DATA byte (0) before the data. */
			*(u8 *)buf = 0;
			ret = 1 + tty_ring_get(&p->out, (u8 *)buf + 1, len - 1);
			break;
		}
		if (p->out.len) {
			ret = tty_ring_get(&p->out, buf, len);
			break;
		}
		if (p->slave_closed) {
			ret = -EIO;
			break;
		}
		if (nonblock(f)) {
			ret = -EAGAIN;
			break;
		}
		ret = pty_sleep(p, &p->master_wq, NULL);
		if (ret) {
			ret = ret == -EINTR ? -ERESTARTSYS : ret;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (ret > 0)
		waitq_wake_key(&p->slave_wq, LINUX_POLLOUT | LINUX_POLLWRNORM);
	return ret;
}

/* Where a noncanonical read gives up: now + ns. */
static struct timespec deadline_in(u64 ns)
{
	struct timespec rel = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
	return deadline_after(&rel);
}

/* The slave reads (n_tty_read), under p->lock. */
static ssize_t slave_read_locked(struct tty_pair *p, struct file *f, u8 *buf, size_t len)
{
	struct timespec deadline;
	bool have_deadline = false, waited = false;
	size_t copied = 0;
	u64 timeout;

	for (;;) {
		if (p->master_closed)
			return copied ? (ssize_t)copied : waited ? -EIO : 0;
		if (tty_file_hung_up(f))
			return copied; /* n_tty_read's tty_hung_up_p: end of file, even if it waited */
		size_t n = 0;
		if (ldisc_readable(&p->ld, false)) {
			n = ldisc_read(&p->ld, buf + copied, len - copied);
			copied += n;
			pty_pump_locked(p);
			waitq_wake_key(&p->master_wq, LINUX_POLLOUT | LINUX_POLLWRNORM |
							      LINUX_POLLIN | LINUX_POLLRDNORM);
			if (p->ld.termios.c_lflag & LINUX_ICANON)
				return copied;
		}
		if (p->ld.termios.c_lflag & LINUX_ICANON) {
			timeout = 0;
		} else if (ldisc_read_done(&p->ld, copied, len, &timeout)) {
			return copied;
		}
		if (timeout && (!have_deadline || (n && ldisc_timer_per_byte(&p->ld)))) {
			deadline = deadline_in(timeout);
			have_deadline = true;
		}
		if (nonblock(f))
			return copied ? (ssize_t)copied : -EAGAIN;
		int ret = pty_sleep(p, &p->slave_wq, have_deadline ? &deadline : NULL);
		waited = true;
		if (ret == -ETIMEDOUT)
			return copied;
		if (ret)
			return copied ? (ssize_t)copied : ret == -EINTR ? -ERESTARTSYS : ret;
	}
}

static ssize_t slave_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct tty_pair *p = tty_file_pair(f);
	struct task *t = task_current();

	if (tty_file_hung_up(f))
		return 0; /* hung_up_tty_read */
	if (t) {
		int ret = tty_check_change(t, p, LINUX_SIGTTIN);
		if (ret)
			return ret;
	}
	if (!len)
		return 0;
	pthread_mutex_lock(&p->lock);
	ssize_t ret = slave_read_locked(p, f, buf, len);
	/* Input taken from the holding ring may have raised signals and echoes. */
	u64 sigs = p->ld.signals;
	p->ld.signals = 0;
	pthread_mutex_unlock(&p->lock);
	pty_send_signals(t, p, sigs);
	return ret;
}

/* The slave writes: through OPOST into what the master reads. */
static ssize_t slave_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct tty_pair *p = tty_file_pair(f);
	struct task *t = task_current();
	size_t done = 0;
	ssize_t err = 0;

	if (tty_file_hung_up(f))
		return -EIO; /* hung_up_tty_write */
	pthread_mutex_lock(&p->lock);
	bool tostop = p->ld.termios.c_lflag & LINUX_TOSTOP;
	pthread_mutex_unlock(&p->lock);
	if (t && tostop) {
		int ret = tty_check_change(t, p, LINUX_SIGTTOU);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->master_closed || tty_file_hung_up(f)) {
			err = -EIO;
			break;
		}
		size_t n = ldisc_write(&p->ld, (const u8 *)buf + done, len - done);
		done += n;
		if (n)
			waitq_wake_key(&p->master_wq, LINUX_POLLIN | LINUX_POLLRDNORM);
		if (done == len)
			break;
		if (nonblock(f)) {
			err = -EAGAIN;
			break;
		}
		int ret = pty_sleep(p, &p->slave_wq, NULL);
		if (ret == -EINTR || ret == -EAGAIN) {
			err = ret == -EINTR ? -ERESTARTSYS : ret;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return done ? (ssize_t)done : err;
}

static u32 master_poll(struct file *f, struct poll_table *pt)
{
	struct tty_pair *p = tty_file_pair(f);
	u32 mask = 0;

	poll_wait(f, &p->master_wq, pt);
	pthread_mutex_lock(&p->lock);
	if (p->out.len)
		mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
	if (p->slave_closed)
		mask |= LINUX_POLLHUP;
	if (tty_ring_room(&p->in))
		mask |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	pthread_mutex_unlock(&p->lock);
	return mask;
}

static u32 slave_poll(struct file *f, struct poll_table *pt)
{
	struct tty_pair *p = tty_file_pair(f);
	u32 mask = 0;

	poll_wait(f, &p->slave_wq, pt);
	pthread_mutex_lock(&p->lock);
	if (p->master_closed || tty_file_hung_up(f)) {
		/* hung_up_tty_poll */
		mask = LINUX_POLLIN | LINUX_POLLOUT | LINUX_POLLERR | LINUX_POLLHUP |
		       LINUX_POLLRDNORM | LINUX_POLLWRNORM;
	} else {
		if (ldisc_readable(&p->ld, true))
			mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
		if (tty_ring_room(&p->out) && !p->ld.stopped)
			mask |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	}
	pthread_mutex_unlock(&p->lock);
	return mask;
}

const struct file_ops ptmx_fops = {
	.fasync = true,
	.open = ptmx_open,
	.read = master_read,
	.write = master_write,
	.ioctl = tty_ioctl,
	.poll = master_poll,
	.release = tty_release,
};

const struct file_ops pts_fops = {
	.fasync = true,
	.open = pts_open,
	.read = slave_read,
	.write = slave_write,
	.ioctl = tty_ioctl,
	.poll = slave_poll,
	.release = tty_release,
};

const struct file_ops ctty_fops = {
	.fasync = true,
	.open = ctty_open,
	.read = slave_read,
	.write = slave_write,
	.ioctl = tty_ioctl,
	.poll = slave_poll,
	.release = tty_release,
};

const struct file_ops *tty_chrdev_ops(u64 rdev)
{
	u32 major = linux_dev_major(rdev), minor = linux_dev_minor(rdev);
	if (major == 5 && minor == 0)
		return &ctty_fops;
	if (major == 5 && minor == 2)
		return &ptmx_fops;
	if (major == PTY_SLAVE_MAJOR && minor < PTY_MAX)
		return &pts_fops;
	return NULL;
}

/*
 * Linux's __tty_hangup of the slave, for vhangup: the slave files open
 * now are hung up, the input not yet read is dropped (the ldisc's
 * hangup), and the session loses its terminal, its leader getting SIGHUP
 * and SIGCONT. The master keeps reading what the slave wrote, and sees
 * the slave closed only when the hung-up files are closed (Linux's
 * pty_close does nothing while the tty's count says files remain).
 * p->lock not held.
 */
static void pty_vhangup(struct kernel *k, struct tty_pair *p)
{
	pthread_mutex_lock(&p->lock);
	__atomic_add_fetch(&p->hangups, 1, __ATOMIC_RELEASE);
	tty_ring_clear(&p->in);
	ldisc_flush_input(&p->ld);
	pthread_mutex_unlock(&p->lock);
	tty_hangup(k, p);
	pty_wake_all(p);
}

/*
 * vhangup(2): hang up the caller's controlling terminal (Linux's
 * tty_vhangup_self). Here, as the pty is the only kind of terminal the
 * sandbox has (the host console is one too, console.c).
 */
long sys_vhangup(struct task *t, const struct syscall_args *a)
{
	if (!task_capable(t, LINUX_CAP_SYS_TTY_CONFIG))
		return -EPERM;
	struct tty_pair *p = tty_get_ctty(t);
	if (p)
		pty_vhangup(t->k, p);
	tty_pair_put(p);
	return 0;
}

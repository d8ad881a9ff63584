/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to sentry/tty/: a pty pair, its table, and the functions the
 * files share. See tty.h for the lock order.
 */
#ifndef SENTRY_TTY_TTY_INTERNAL_H
#define SENTRY_TTY_TTY_INTERNAL_H

#include <pthread.h>

#include "abi/linux/capability.h"
#include "ldisc.h"
#include "sentry/kernel/wait.h"
#include "tty.h"

#define PTY_MAX 4096	   /* /proc/sys/kernel/pty/max */
#define PTY_IN_SIZE 65536  /* master writes not yet taken by the ldisc (tty_buffer's limit) */
#define PTY_OUT_SIZE 65536 /* slave output the master has not read */
#define PTY_SLAVE_MAJOR 136
#define TTY_GID 5 /* devpts nodes' group, as the usual gid=5 mount option */

/*
 * A master and its slave. Linux has two tty_structs linked; one pair
 * does here, as every termios and window ioctl on a master acts on its
 * slave anyway.
 */
struct tty_pair {
	int refs; /* atomic: each open file of either side */
	int index;
	struct inode *inode; /* /dev/pts/<index> */

	pthread_mutex_t lock; /* guards what follows, up to session */
	struct ldisc ld;      /* the slave's input and output processing */
	struct tty_ring in;   /* master -> ldisc, waiting for room there */
	struct tty_ring out;  /* slave -> master reader */
	int slaves;	      /* open slave files (also /dev/tty ones) */
	bool slave_closed;    /* the last slave file closed: master reads EIO, polls POLLHUP */
	bool master_closed; /* hung up: the slave reads EOF, writes EIO (devpts reads it atomically) */
	u32 hangups;	    /* vhangups (atomic): older slave files are hung up (pty.c) */
	bool locked;	    /* TIOCSPTLCK: the slave cannot be opened */
	bool packet;	    /* TIOCPKT */
	bool excl;	    /* TIOCEXCL */
	struct linux_winsize ws;
	struct waitq master_wq, slave_wq;

	/* Under tty_table_lock (ctty.c): the session it controls and its foreground group. */
	int session, pgrp;

	u8 inbuf[PTY_IN_SIZE], outbuf[PTY_OUT_SIZE];
};

/* The table of pairs by index, and each pair's session and pgrp. A leaf lock. */
extern pthread_mutex_t tty_table_lock;

/* pty.c */
extern const struct file_ops ptmx_fops, pts_fops, ctty_fops;
struct tty_pair *tty_pair_get(struct tty_pair *p);
/* A reference to p found in the table, or NULL if its last one is going (table lock held). */
struct tty_pair *tty_pair_tryget(struct tty_pair *p);
void tty_pair_put(struct tty_pair *p);
/* The pair of a file of any of the three kinds, and whether it is the master. */
struct tty_pair *tty_file_pair(struct file *f);
bool tty_file_is_master(struct file *f);
/* A slave file that vhangup hung up: reads 0, writes and ioctls EIO, for good. */
bool tty_file_hung_up(struct file *f);
/* Take a slave open of p (file f): -EIO if it is locked or hung up. */
int pty_slave_attach(struct tty_pair *p, struct file *f);
/* With p->lock held: move master input into the ldisc as it has room. */
void pty_pump_locked(struct tty_pair *p);
/* After p changed (p->lock not held): wake both sides' readers and writers. */
void pty_wake_all(struct tty_pair *p);
/* Send the signals ISIG raised (p->lock not held). */
void pty_send_signals(struct task *t, struct tty_pair *p, u64 sigs);

/* devpts.c */
/* A new pair at the lowest free index with its /dev/pts node owned by c. */
struct tty_pair *devpts_new_pair(const struct vfs_cred *c);
/* Remove p from the table (its last reference went). */
void devpts_remove_pair(struct tty_pair *p);
/* The master closed: /dev/pts/<index> goes away. */
void devpts_kill_node(struct tty_pair *p);
/* Under tty_table_lock: the pair at index, or NULL. */
struct tty_pair *devpts_lookup_locked(int index);
/* Under tty_table_lock: the pair sid's session controls, or NULL. */
struct tty_pair *tty_find_session_locked(int sid);
/* A new reference to the devpts mount and the slave's dentry, for TIOCGPTPEER. */
int devpts_slave_path(struct task *t, struct file *master, struct tty_pair *p,
		      struct path *out) __must_check;

/* tty_ioctl.c */
long tty_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg);

/* ctty.c: controlling terminal and job control, the tiocsctty family. */
/*
 * A read (SIGTTIN) or a change (SIGTTOU) by t on p: 0 if allowed, -EIO,
 * or -ERESTARTSYS after stopping t's background group with sig.
 */
int tty_check_change(struct task *t, struct tty_pair *p, int sig);
/*
 * A slave opened without O_NOCTTY becomes the controlling terminal of a
 * session leader that has none, if no session has it (Linux's
 * tty_open_proc_set_tty). Takes k->lock.
 */
void tty_open_ctty(struct task *t, struct tty_pair *p);
/* Signal sig to process group pgrp (takes k->lock). */
void tty_kill_pgrp(struct kernel *k, int pgrp, int sig);
/* The master closed: the session leader gets SIGHUP and SIGCONT, the session loses p. */
void tty_hangup(struct kernel *k, struct tty_pair *p);
/* The pair t's session controls, a new reference, or NULL. */
struct tty_pair *tty_get_ctty(struct task *t);
long ctty_ioctl(struct task *t, struct file *f, struct tty_pair *p, bool master, unsigned cmd,
		uaddr_t arg);

#endif

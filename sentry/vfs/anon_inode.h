/* SPDX-License-Identifier: Apache-2.0 */
/*
 * anon_inodefs (anon_inode.c): the one anonymous inode that eventfds,
 * timerfds, signalfds, epolls and pidfds all stand on, as Linux's
 * fs/anon_inodes.c gives them one shared inode: fstat of any of them
 * reports the same st_dev and st_ino, mode 0600 with no file type.
 *
 * Takes no lock of its own after the first anon_inode_init().
 */
#ifndef SENTRY_VFS_ANON_INODE_H
#define SENTRY_VFS_ANON_INODE_H

#include "file.h"

/*
 * Make the anon_inodefs super block and its inode number on first use;
 * thread-safe, and cheap once done. A file kind calls it before it
 * creates a file whose ops use anon_inode_stat. Returns 0 or -ENOMEM.
 */
int anon_inode_init(void) __must_check;
/*
 * A .stat op for any anon_inodefs file: the shared inode's attributes.
 * Only for files made after anon_inode_init() returned 0. Returns 0.
 */
int anon_inode_stat(struct file *f, struct kstat *st);
/* A .llseek op: Linux's noop_llseek, the position is 0 and stays so. */
s64 anon_inode_llseek(struct file *f, s64 off, int whence);

#endif

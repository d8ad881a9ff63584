/* SPDX-License-Identifier: Apache-2.0 */
/*
 * goferfs: the VFS file system whose files the gofer serves over 9P2000.L
 * (gofer/client.h), as gVisor's gofer file system is for runsc.
 *
 * Each inode is one gofer file and keeps a walked fid for it; an inode
 * cache per super block, keyed by qid.path, gives hard links and repeated
 * lookups one struct inode while it is alive. Open regular files do their
 * data I/O on the host descriptor the gofer donates, through io_uring
 * (hostio); with no descriptor (a server such as diod) they fall back to
 * Tread/Twrite.
 *
 * Caching policy: the sandbox is the only writer of the tree, gVisor's
 * default ("exclusive"). Attributes are fetched once, when an inode is
 * made, and then kept in struct inode and changed by the sandbox's own
 * operations (writes, setattr, links, renames); a directory's listing is
 * read ahead in big chunks and kept until the sandbox changes that
 * directory. Nothing is revalidated against the host: changes made by
 * others behind the gofer's back are not seen while an inode is cached.
 * The one exception is what the sandbox cannot compute itself: after its
 * own writes, truncates or directory changes, the next stat fetches the
 * file's block count (and a directory's size and link count) once. A
 * regular file's page cache, made by mmap, is trusted the same way: it
 * is kept after the last close and munmap, idle and bounded, until the
 * sandbox changes the file or the inode goes (cache.c).
 *
 * Lock order: vfs_lock > inode->lock > the inode cache's lock (a leaf).
 * Directory listings are guarded by vfs_lock, everything else in an
 * inode by its lock. Calls into the client may block; they are made with
 * vfs_lock held for directory operations (the VFS holds it) and with
 * inode->lock held for setattr, stat and writes (so that an O_APPEND
 * write, a write that extends the file and a truncate are each atomic
 * with respect to the cached size).
 */
#ifndef SENTRY_VFS_GOFERFS_GOFERFS_H
#define SENTRY_VFS_GOFERFS_GOFERFS_H

#include "sentry/vfs/vfs.h"

struct gofer_client;

/* Every change (create, write access, setattr, link, rename...) is -EROFS. */
#define GOFERFS_RDONLY 0x1u

/*
 * Mount the tree aname served over c, attaching as root: files the
 * sandbox creates are then given to their creator's fsuid with one more
 * setattr. The client stays the caller's and must outlive the super
 * block. The root is a directory, or a regular file (a single file's
 * bind mount: sb->root is then a file's dentry). Returns a super block
 * with one reference, or ERR_PTR (the server's -errno, -ENOTDIR if aname
 * is neither, -ENOMEM, -EIO for a reply that makes no sense). May block.
 */
/*
 * Give memory back: drop the least recently used idle page cache (one the
 * Sentry keeps after its file's last close, cache.c). For the memory
 * file's reclaimer (memfile_set_reclaim); true if one went.
 */
bool goferfs_cache_reclaim(void);

struct super_block *goferfs_mount(struct gofer_client *c, const char *aname,
				  unsigned flags) __must_check;

#endif

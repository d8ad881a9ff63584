/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest address spaces: VMAs, demand paging, brk, and the only doors
 * through which the Sentry reads or writes guest memory.
 *
 * Lock order: mm->lock > platform as->lock > memfile->lock,
 * mm->lock > a shared memory object's lock (shmem.h) > memfile->lock, and
 * mm->lock > every lock a mapped file's ops take (struct mm_file below).
 * Every function takes mm->lock itself unless it says otherwise.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include <stddef.h>
#include "lib/compiler.h"
#include "mm/memfile.h"
#include "mm/shmem.h"
#include "platform/platform.h"

/* A guest virtual address: never dereference it, go through mm_copy_*. */
typedef struct {
	u64 addr;
} uaddr_t;

static inline uaddr_t uaddr(u64 a)
{
	return (uaddr_t){a};
}

/* The user address space ends here, as on Linux x86-64 (TASK_SIZE_MAX). */
#define MM_TASK_SIZE 0x7ffffffff000ULL
#define MM_MMAP_MIN_ADDR 0x10000ULL

struct mm;

/* A new, empty address space. Returns ERR_PTR on failure. */
struct mm *mm_create(struct memfile *mf, struct platform *p);
/*
 * fork(2)'s copy of src, as Linux's dup_mmap: the same VMAs, break, limits
 * and membarrier registrations. Private pages are shared copy-on-write
 * (read-only in both address spaces until the first write copies them),
 * shared memory stays shared, MADV_DONTFORK ranges are left out and
 * MADV_WIPEONFORK ranges are empty in the child. Nothing is locked in the
 * child (no VMA_LOCKED, no mlockall(MCL_FUTURE), locked_vm 0). The caller
 * owns the new mm. Returns it or ERR_PTR(-ENOMEM). src's pages become
 * read-only when it next enters user code (see fork.c about threads).
 */
struct mm *mm_fork(struct mm *src) __must_check;
void mm_destroy(struct mm *mm);
/* Reference counting for tasks sharing an mm (CLONE_VM): the last put destroys it. */
struct mm *mm_get(struct mm *mm);
void mm_put(struct mm *mm);
struct platform_as *mm_platform_as(struct mm *mm);

/*
 * What execve leaves an address space holding while it lives (Linux's
 * mm->exe_file and its denial of writes to the program): mm_fork calls
 * dup for the child's address space, the last mm_put calls put.
 */
struct mm_exe_hold {
	void (*dup)(struct mm_exe_hold *h);
	void (*put)(struct mm_exe_hold *h);
};
/* Give mm the hold h (a reference the caller passes on); a fresh mm has none. */
void mm_set_exe_hold(struct mm *mm, struct mm_exe_hold *h);
/*
 * --debug-check-mm: abort, naming the syscall after which it was found,
 * if mm's VMA set is broken (vma_set_check). Takes mm->lock.
 */
void mm_check(struct mm *mm, const char *after);

/*
 * The resource limits mm enforces (bytes; ~0 = none), and whether the
 * caller may exceed RLIMIT_MEMLOCK (CAP_IPC_LOCK). Until set, nothing is
 * limited except the stack, which mm_map_stack bounds by its size.
 */
struct mm_limits {
	u64 as, data, stack, memlock, memlock_max, data_max;
	bool ipc_lock;
};
void mm_set_limits(struct mm *mm, const struct mm_limits *l);

/* mmap flags mm understands (the syscall layer maps MAP_* onto these). */
#define MM_FIXED 1
#define MM_FIXED_NOREPLACE 2
#define MM_POPULATE 4
#define MM_GROWSDOWN 8
#define MM_LOCKED 16
#define MM_SHARED 32
/*
 * The mapping can never be made writable: Linux's mapping without
 * VM_MAYWRITE. With MM_SHARED it is what Linux makes of MAP_SHARED when
 * the file is not open for writing: private pages (VM_MAYSHARE without
 * VM_SHARED). PROT_WRITE with it, now or by mprotect, is -EACCES.
 */
#define MM_NOWRITE 64

/*
 * Map anonymous memory: private, or with MM_SHARED (MAP_SHARED) a new
 * shared object of len bytes that every address space forked from this
 * one sees with its writes, as Linux's /dev/zero shmem (MM_SHARED with
 * MM_NOWRITE: private zero pages, /dev/zero's MAP_SHARED when not open
 * for writing). addr is a hint unless MM_FIXED*. Returns the address, or
 * -ENOMEM (no room / RLIMIT_AS / RLIMIT_DATA), -EEXIST (NOREPLACE),
 * -EINVAL (also MM_SHARED with MM_GROWSDOWN), -EACCES (MM_NOWRITE with
 * PROT_WRITE), -EPERM or -EAGAIN (MM_LOCKED or mlockall(MCL_FUTURE) over
 * RLIMIT_MEMLOCK).
 */
long mm_map_anon(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags) __must_check;

/*
 * A file as mm sees it: an object its owner (the Sentry's VFS) wraps in
 * an ops table, so that mm knows nothing of files. mm only reads it.
 *
 * Each VMA that maps it holds a reference, kept right as VMAs are split,
 * merged, moved, forked and unmapped. The ops run with mm->lock held, on
 * whichever task's thread faults (lock order: mm->lock > all they take),
 * and must not touch guest memory (no mm_copy_*): they would deadlock.
 *
 * id: objects with the same non-NULL id are the same open file, whose
 * VMAs may merge as Linux merges two mmaps of one struct file; with a
 * NULL id an object is only itself.
 *
 * shm: the shared memory object holding the file's data (a tmpfs file,
 * or the page cache of a gofer file: shmem.h), whose frames mappings map
 * directly, or NULL: pages are read through ops. Set by the owner before mapping, held by it (each VMA
 * takes its own reference); read and size are then never called.
 */
struct mm_file;
struct mm_file_ops {
	void (*get)(struct mm_file *file);
	/* The last put frees the object; it may block. */
	void (*put)(struct mm_file *file);
	/*
	 * Read up to len bytes at byte offset off into buf, Sentry memory (a
	 * frame's host mapping). Returns the count, short only at the end of
	 * the file (0 at or past it), or -errno: -EINTR if a signal cut the
	 * read short (the faulting access is retried once it is handled),
	 * -ENOMEM, anything else an I/O error (SIGBUS). May block.
	 */
	long (*read)(struct mm_file *file, void *buf, size_t len, u64 off);
	/* The file's size in bytes now, or -errno. May block. */
	s64 (*size)(struct mm_file *file);
	/*
	 * Optional: the file's path as /proc/<pid>/maps shows it, with its
	 * NUL, in buf, and its device and inode numbers. Returns the length
	 * without the NUL, or -errno (no name shown). NULL: no name shown.
	 */
	long (*name)(struct mm_file *file, char *buf, size_t size, u64 *dev, u64 *ino);
};
struct mm_file {
	const struct mm_file_ops *ops;
	const void *id;
	struct shmem *shm;
};

/*
 * Map len bytes of file from byte offset off (page-aligned) at addr, as
 * Linux's mmap(2) of a file once the file itself has been checked. A
 * page is read on first touch (with a few neighbours within the VMA and
 * the file) into a private frame: writes stay in this address space and
 * fork shares the frames copy-on-write, as anonymous memory. The bytes
 * past the end of the file in its last page read as zero; touching a
 * page wholly past it is -EIO (SIGBUS, BUS_ADRERR), as Linux.
 *
 * Deviation from Linux, for a file without file->shm (only a gofer file
 * without a host descriptor now): a page is a snapshot of the file taken
 * at first touch, not a copy-on-write view of a page cache, so later
 * changes to the file are not seen in it (Linux shows them until the page
 * is written). MADV_DONTNEED drops the snapshot; the next touch reads again.
 *
 * flags: as mm_map_anon but MM_GROWSDOWN (-EINVAL). MM_SHARED needs
 * MM_NOWRITE (-ENODEV without) unless file->shm is set: mm cannot keep a
 * mapping that may write to the file coherent with it otherwise.
 *
 * A file with file->shm is mapped as Linux maps shmem: MM_SHARED without
 * MM_NOWRITE maps the object's frames themselves (writes are the file's,
 * seen by read(2) and every mapping at once); otherwise its frames are
 * mapped copy-on-write, so the mapping sees the file's later changes to
 * pages it has not written. A page at or past the end of the file (which
 * may shrink: shmem_resize takes such pages out of the mapping) is -EIO.
 *
 * Each VMA takes its own reference to file; the caller keeps its own.
 * Returns the address or -errno as mm_map_anon, plus -EOVERFLOW (off +
 * len wraps), -ENODEV (file->shm in another memory file than mm's).
 */
long mm_map_file(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags, struct mm_file *file,
		 u64 off) __must_check;
int mm_unmap(struct mm *mm, u64 addr, u64 len) __must_check;
/*
 * mprotect(2): 0, -EINVAL, -ENOMEM (a hole, or RLIMIT_DATA when memory
 * becomes writable). As Linux, the VMAs before a hole keep their new
 * protection when -ENOMEM is returned.
 */
int mm_protect(struct mm *mm, u64 addr, u64 len, u32 prot) __must_check;
/*
 * mprotect(2) with PROT_GROWSDOWN or PROT_GROWSUP (one of the MM_PROT_GROWS*
 * in grows). GROWSDOWN extends the change down to the start of the first
 * VMA ending above addr, which must be MAP_GROWSDOWN (-EINVAL); x86-64 has
 * no VMA that grows up, so GROWSUP is -EINVAL once a VMA holds addr.
 */
#define MM_PROT_GROWSDOWN 1
#define MM_PROT_GROWSUP 2
int mm_protect_grows(struct mm *mm, u64 addr, u64 len, u32 prot, u32 grows) __must_check;

/* mremap(2) flags: the Linux values. */
#define MM_REMAP_MAYMOVE 1
#define MM_REMAP_FIXED 2
#define MM_REMAP_DONTUNMAP 4
/*
 * mremap(2): shrink, grow in place, or move the frames (not their
 * contents) to a new range. A zero old_len with MM_REMAP_MAYMOVE maps the
 * same shared memory or MAP_SHARED file a second time (-EINVAL for private
 * memory). Shared memory or a file grown past its end faults with -EIO
 * (SIGBUS) there, as Linux.
 * Returns the new address or -EINVAL, -EFAULT (not one VMA), -ENOMEM,
 * -EAGAIN (RLIMIT_MEMLOCK).
 */
long mm_remap(struct mm *mm, u64 addr, u64 old_len, u64 new_len, u32 flags,
	      u64 new_addr) __must_check;

/*
 * madvise(2) with a Linux MADV_* value: 0, -EINVAL, -ENOMEM (hole).
 * MADV_REMOVE punches the object of a shared mapping (shmem_punch_store):
 * also -EACCES (a private or never-writable mapping), -EOPNOTSUPP (a
 * mapping whose store cannot punch).
 */
int mm_advise(struct mm *mm, u64 start, u64 len, int advice) __must_check;
/*
 * mincore(2): write one byte per page of [start, start+len) to vec: 1 if
 * a frame backs the page, its shared object holds one, or it lies inside
 * the file it maps (the file system holds that data: Linux's page cache).
 * 0, -EINVAL, -ENOMEM (unmapped), -EFAULT (vec).
 */
int mm_mincore(struct mm *mm, u64 start, u64 len, uaddr_t vec) __must_check;
/*
 * msync(2): the checks, and for MS_SYNC or MS_ASYNC the write-back of the
 * dirty pages of every cache (a gofer file's, shmem.h) a shared mapping in
 * the range maps; other mappings have nothing to write back (private
 * pages never do, tmpfs keeps its data in the frames mapped). 0, -EINVAL,
 * -ENOMEM, -EBUSY, or the store's error for MS_SYNC (-EIO...).
 */
int mm_sync(struct mm *mm, u64 start, u64 len, int flags) __must_check;

/* mlock2(2) flag and mlockall(2) flags: the Linux values. */
#define MM_LOCK_ONFAULT 1
#define MM_MCL_CURRENT 1
#define MM_MCL_FUTURE 2
#define MM_MCL_ONFAULT 4
/*
 * mlock/mlock2/munlock/mlockall/munlockall, accounted against
 * RLIMIT_MEMLOCK unless mm_limits.ipc_lock. Locked pages are populated
 * (unless ONFAULT). 0, -EINVAL, -ENOMEM, -EPERM.
 */
int mm_lock(struct mm *mm, u64 start, u64 len, u32 flags) __must_check;
int mm_unlock(struct mm *mm, u64 start, u64 len) __must_check;
int mm_lock_all(struct mm *mm, u32 flags) __must_check;
int mm_unlock_all(struct mm *mm) __must_check;

/*
 * membarrier(2) state of this address space: bits the syscall layer
 * defines, opaque to mm, reset by a new mm (exec) and inherited by
 * mm_fork. ORs bits in and returns the new state (bits 0 reads it).
 */
u32 mm_membarrier_register(struct mm *mm, u32 bits);

/* Set the program break's floor (end of the loaded image). */
void mm_brk_init(struct mm *mm, u64 start);
/* Where top-down allocation of mmap addresses starts (exec's layout; before any mapping). */
void mm_set_mmap_base(struct mm *mm, u64 base);
/* Linux brk(2): returns the new break, or the old one on failure. */
u64 mm_brk(struct mm *mm, u64 newbrk);

/*
 * Map the stack: a MAP_GROWSDOWN VMA ending at top, created at Linux's
 * initial size and grown on demand by faults below it (RLIMIT_STACK, which
 * is size until mm_set_limits says otherwise, and the stack guard gap).
 */
int mm_map_stack(struct mm *mm, u64 top, u64 size) __must_check;

/*
 * Resolve a user page fault. Returns 0 if the access may be retried,
 * -EFAULT if no VMA covers addr (SEGV_MAPERR), -EACCES if the VMA forbids
 * the access (SEGV_ACCERR), -EIO if addr lies past the end of the shared
 * object or file its VMA maps, or the file cannot be read (SIGBUS,
 * BUS_ADRERR), -ENOMEM when memory is exhausted. May block reading a file.
 */
int mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec) __must_check;

/*
 * Copy between the Sentry and guest memory. They fault pages in as the
 * guest would, follow protections, cross page and VMA boundaries, and
 * return 0 or -EFAULT (nothing is partially reported yet).
 */
int mm_copy_from_user(struct mm *mm, void *dst, uaddr_t src, size_t len) __must_check;
int mm_copy_to_user(struct mm *mm, uaddr_t dst, const void *src, size_t len) __must_check;
/* As above, but copy up to the first bad byte and return the count copied. */
size_t mm_copy_from_user_partial(struct mm *mm, void *dst, uaddr_t src, size_t len);
size_t mm_copy_to_user_partial(struct mm *mm, uaddr_t dst, const void *src, size_t len);
/*
 * Fill guest memory [dst, dst + len) in place, without a bounce buffer:
 * fill is called on runs of it that are contiguous in the Sentry's view
 * (pages faulted in as for a write), with mm->lock held, so it must not
 * block nor take a lock that any thread holds while it takes mm->lock. It
 * returns the bytes it wrote (short: stop) or -errno. Stops at the first
 * page out of reach or when the memory file is full (no OOM wait under
 * the lock): the caller goes on by other means. Returns the bytes
 * filled, or fill's error if none were.
 */
typedef ssize_t (*mm_fill_fn)(void *arg, void *buf, size_t len);
ssize_t mm_fill_user(struct mm *mm, uaddr_t dst, size_t len, mm_fill_fn fill, void *arg);
/* Whether [addr, addr+len) lies in the user half (Linux's access_ok). */
static inline bool mm_access_ok(uaddr_t a, u64 len)
{
	return a.addr + len >= a.addr && a.addr + len <= MM_TASK_SIZE;
}
/* Like mm_copy_to_user but ignores write protection (program loading). */
int mm_poke(struct mm *mm, uaddr_t dst, const void *src, size_t len) __must_check;
/* Zero guest memory. */
int mm_clear_user(struct mm *mm, uaddr_t dst, size_t len) __must_check;
/*
 * Copy a NUL-terminated string of at most max bytes including the NUL.
 * Returns its length, -EFAULT, or -ENAMETOOLONG.
 */
long mm_strncpy_from_user(struct mm *mm, char *dst, uaddr_t src, size_t max) __must_check;
/*
 * What mm does when a page it faults in for the Sentry finds the memory
 * file full (the Sentry's OOM killer, oom.h): for a copy above, and for
 * MAP_POPULATE, MAP_LOCKED, mlock, mlockall and MADV_POPULATE_*. Called
 * with no lock of mm held, attempt counting from 0 for that page or
 * range; 0 tries again, an error fails the copy (or ends populating).
 * NULL (the default): fail at once. Set once at start.
 */
typedef int (*mm_oom_fn)(struct mm *mm, u64 addr, unsigned int attempt);
void mm_set_oom_handler(mm_oom_fn fn);

/*
 * Where execve left the program's arguments, environment and initial
 * stack pointer (Linux's mm->arg_start and friends), for /proc/<pid>/
 * cmdline, environ and stat. Zero until the loader sets them; mm_fork
 * copies them.
 */
struct mm_exec_info {
	u64 arg_start, arg_end, env_start, env_end, start_stack;
};
void mm_set_exec_info(struct mm *mm, const struct mm_exec_info *info);
void mm_get_exec_info(struct mm *mm, struct mm_exec_info *info);

/* One VMA as /proc/<pid>/maps describes it. */
struct mm_vma_info {
	u64 start, end;
	u32 prot;    /* PROT_* */
	bool shared; /* MAP_SHARED, even when made private (Linux's VM_MAYSHARE) */
	u32 kind;    /* MM_VMA_* */
	u64 off;     /* byte offset of start in the file, 0 for anything else */
	/* The mapped file, borrowed for the callback (its ops may be called); or NULL. */
	struct mm_file *file;
	/* The shared memory object behind the pages (borrowed), start's offset in it; or NULL. */
	struct shmem *shm;
	u64 shm_off;
};
#define MM_VMA_ANON 0
#define MM_VMA_HEAP 1	 /* the program break's memory */
#define MM_VMA_STACK 2	 /* the main thread's stack (mm_map_stack) */
#define MM_VMA_SPECIAL 3 /* the Sentry's own frames (mm_map_frames) */

/*
 * Call fn(arg, v) for every VMA in address order, holding mm->lock, until
 * fn returns non-zero, which is then returned (0 after the last VMA). fn
 * must not call into mm or touch guest memory (it would deadlock); it may
 * call v->file's ops, which run under mm->lock as they do for faults.
 */
int mm_for_each_vma(struct mm *mm, int (*fn)(void *arg, const struct mm_vma_info *v), void *arg);

/* Resident pages of this address space, for accounting. */
u64 mm_rss_pages(struct mm *mm);
/* Pages mapped (total_vm), mapped private writable (data_vm), locked. */
void mm_vm_pages(struct mm *mm, u64 *total, u64 *data, u64 *locked);

/*
 * Map n existing memory-file frames at [addr, addr + n pages) with prot:
 * pages the Sentry owns and shares between address spaces (the vDSO's
 * vvar page). addr is a hint unless MM_FIXED_NOREPLACE (the only flag
 * accepted); a hint that does not fit goes top-down below the mmap base.
 * Each frame gains a reference, dropped when its page is unmapped; the
 * pages are present at once (no fault). The VMA can never be made
 * writable (mm_protect gives -EACCES, as Linux for its special mappings),
 * so no process can write to frames others share. Returns the address,
 * or -ENOMEM, -EEXIST, -EINVAL.
 */
long mm_map_frames(struct mm *mm, u64 addr, const u64 *frames, size_t n, u32 prot,
		   u32 flags) __must_check;

#endif

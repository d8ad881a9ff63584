/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's vDSO (vdso.c, built into the Sentry) and the time parameters
 * behind it (the vvar page, vvar.h), kept current by a timekeeper thread.
 *
 * One per Sentry process, which runs one sandbox: the first vdso_map()
 * sets it up in that sandbox's memory file and starts the timekeeper; it
 * lives until the process exits. The timekeeper writes the vvar page
 * through its own mapping of the memory file, so it stays safe after the
 * sandbox's memfile_destroy().
 *
 * Lock order: the vDSO's setup lock > mm->lock.
 */
#ifndef SENTRY_VDSO_VDSO_H
#define SENTRY_VDSO_VDSO_H

#include <time.h>

#include "lib/compiler.h"
#include "mm/mm.h"

/*
 * Map [vvar][vdso] into mm, top-down below its mmap base as Linux places
 * them: the vvar page read-only and shared by every process of the
 * sandbox, the vDSO text read-execute and private to mm (written like a
 * file's private mapping, so a process that makes it writable changes only
 * its own copy, as on Linux). Sets *ehdr to the vDSO's ELF header, the
 * AT_SYSINFO_EHDR value. ncpus bounds what getcpu reports.
 * May block (first call: set-up); takes mm->lock.
 * Returns 0, or -ENOMEM, or -EBUSY if called with a second memory file.
 */
int vdso_map(struct mm *mm, struct memfile *mf, unsigned ncpus, u64 *ehdr) __must_check;

/*
 * Set up now what the first vdso_map would: the timekeeper takes its first
 * 2 ms to measure the TSC's rate, which the vDSO needs to serve any time
 * without a syscall, and the sandbox's own start-up (platform, loader) can
 * cover them. A failure is left for vdso_map to report.
 */
void vdso_prepare(struct memfile *mf, unsigned ncpus);

/*
 * The time the vDSO gives for clock id, from the same parameters, so a
 * syscall answered with it agrees with the vDSO to the nanosecond.
 * Returns 0, or -EAGAIN when id is not served from the TSC (not set up,
 * TSC not usable, CPU-time or unknown clock): use the host clock then.
 * Any thread; lock-free.
 */
int vdso_clock_gettime(int id, struct timespec *ts);

#endif

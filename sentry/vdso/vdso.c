// SPDX-License-Identifier: Apache-2.0
/*
 * The guest's vDSO: time without a VM exit. Freestanding code, linked by
 * vdso.lds into a small ELF shared object that the Sentry maps into every
 * process (AT_SYSINFO_EHDR), with the vvar page just below it.
 *
 * The exports are Linux's x86-64 vDSO ABI, version LINUX_2.6: the
 * __vdso_* functions and their unprefixed weak aliases. Each returns what
 * the syscall would (0 or -errno, the time for time()), and makes the real
 * syscall for what it cannot serve: CPU-time and unknown clocks, stale or
 * disabled parameters, or a Sentry that keeps the sequence count busy.
 *
 * No data or bss: the only memory it reads is the vvar page and the
 * caller's arguments, so the text can be shared and needs no relocation.
 */
#include "vvar.h"

struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct kernel_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct kernel_timezone {
	int tz_minuteswest;
	int tz_dsttime;
};

#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229

/* Defined by vdso.lds one page below the text: RIP-relative, no relocation. */
extern const volatile struct vvar vvar_page __attribute__((visibility("hidden")));

#define barrier() __asm__ __volatile__("" ::: "memory")

static long syscall2(long nr, long a, long b)
{
	long ret;
	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b)
			     : "rcx", "r11", "memory");
	return ret;
}

/* rdtsc after the loads before it: not speculated ahead of the seq read. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Read clock id from the vvar page. Returns 0, or -1 if the caller must
 * make the syscall.
 */
static int vvar_read(unsigned id, uint64_t *sec, uint64_t *nsec)
{
	const volatile struct vvar *vv = &vvar_page;

	if (id >= VVAR_NCLOCKS)
		return -1;
	for (int tries = 0; tries < VVAR_MAX_TRIES; tries++) {
		uint32_t seq = vv->seq;
		if (seq & 1) {
			__asm__ __volatile__("pause");
			continue;
		}
		barrier();
		uint32_t flags = vv->flags, mask = vv->clock_mask;
		uint64_t max_delta = vv->max_delta;
		struct vvar_clock c = {
			.tsc_base = vv->clock[id].tsc_base,
			.sec = vv->clock[id].sec,
			.snsec = vv->clock[id].snsec,
			.mult = vv->clock[id].mult,
			.shift = vv->clock[id].shift,
		};
		uint64_t tsc = rdtsc_ordered();
		barrier();
		if (vv->seq != seq)
			continue;
		if (!(flags & VVAR_TSC_OK) || !(mask & (1u << id)))
			return -1;
		return vvar_clock_read(&c, max_delta, tsc, sec, nsec);
	}
	return -1;
}

int __vdso_clock_gettime(int clock, struct kernel_timespec *ts);
int __vdso_clock_gettime(int clock, struct kernel_timespec *ts)
{
	uint64_t sec, nsec;

	/* Negative ids are CPU-time clocks of a pid or thread. */
	if (clock < 0 || vvar_read((unsigned)clock, &sec, &nsec))
		return syscall2(NR_clock_gettime, clock, (long)ts);
	ts->tv_sec = (int64_t)sec;
	ts->tv_nsec = (int64_t)nsec;
	return 0;
}

int __vdso_gettimeofday(struct kernel_timeval *tv, struct kernel_timezone *tz);
int __vdso_gettimeofday(struct kernel_timeval *tv, struct kernel_timezone *tz)
{
	uint64_t sec, nsec;

	if (tv) {
		if (vvar_read(VVAR_CLOCK_REALTIME, &sec, &nsec))
			return syscall2(NR_gettimeofday, (long)tv, (long)tz);
		tv->tv_sec = (int64_t)sec;
		tv->tv_usec = (int64_t)(nsec / 1000);
	}
	if (tz) {
		/* The Sentry's timezone is UTC, as the syscall reports. */
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

long __vdso_time(long *t);
long __vdso_time(long *t)
{
	uint64_t sec, nsec;

	if (vvar_read(VVAR_CLOCK_REALTIME, &sec, &nsec))
		return syscall2(NR_time, (long)t, 0);
	if (t)
		*t = (long)sec;
	return (long)sec;
}

int __vdso_clock_getres(int clock, struct kernel_timespec *res);
int __vdso_clock_getres(int clock, struct kernel_timespec *res)
{
	const volatile struct vvar *vv = &vvar_page;
	uint32_t ns;

	if (clock < 0 || clock >= VVAR_NCLOCKS || !(vv->flags & VVAR_TSC_OK) ||
	    !(vv->clock_mask & (1u << clock)))
		return syscall2(NR_clock_getres, clock, (long)res);
	if (clock == VVAR_CLOCK_REALTIME_COARSE || clock == VVAR_CLOCK_MONOTONIC_COARSE)
		ns = vv->coarse_res_ns;
	else
		ns = vv->hres_res_ns;
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = ns;
	}
	return 0;
}

/*
 * The vCPU this thread runs on, from TSC_AUX (the Sentry sets it to the
 * vCPU number), or 0 where rdtscp is missing; node 0. Never the syscall,
 * as on Linux. The number is a hint: the thread may move right after.
 */
int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused);
int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused __attribute__((unused)))
{
	const volatile struct vvar *vv = &vvar_page;
	uint32_t aux = 0, lo, hi;

	if (vv->flags & VVAR_RDTSCP)
		__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	if ((aux & 0xfff) >= vv->ncpus)
		aux = 0;
	if (cpu)
		*cpu = aux & 0xfff;
	if (node)
		*node = 0;
	return 0;
}

int clock_gettime(int clock, struct kernel_timespec *ts)
	__attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct kernel_timeval *tv, struct kernel_timezone *tz)
	__attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *t) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int clock, struct kernel_timespec *res)
	__attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned *cpu, unsigned *node, void *unused)
	__attribute__((weak, alias("__vdso_getcpu")));

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vvar page: the time parameters the Sentry publishes and the vDSO
 * reads, one read-only page mapped just below the vDSO text in every guest
 * process. This header is shared by the freestanding vDSO (vdso.c) and the
 * Sentry (timekeeper.c), so it includes nothing but freestanding headers.
 *
 * Every served clock is a line in the TSC:
 *
 *   ns(tsc) = sec * 1e9 + (snsec + (tsc - tsc_base) * mult) >> shift
 *
 * with tsc - tsc_base clamped at 0 (a TSC read a little before the sample,
 * on another CPU, gives the sample's time, as Linux's vDSO does) and at most
 * max_delta (beyond it the parameters are stale: use the syscall). The
 * Sentry writes under a sequence count: seq is odd while it writes.
 * The vDSO treats the page as data it need not trust: every loop is
 * bounded and bad values give wrong times, never a hang or a fault.
 */
#ifndef SENTRY_VDSO_VVAR_H
#define SENTRY_VDSO_VVAR_H

#include <stddef.h>
#include <stdint.h>

#define VVAR_NSEC_PER_SEC 1000000000ULL

/* Linux clock ids (include/uapi/linux/time.h); the vvar array is indexed by them. */
#define VVAR_CLOCK_REALTIME 0
#define VVAR_CLOCK_MONOTONIC 1
#define VVAR_CLOCK_MONOTONIC_RAW 4
#define VVAR_CLOCK_REALTIME_COARSE 5
#define VVAR_CLOCK_MONOTONIC_COARSE 6
#define VVAR_CLOCK_BOOTTIME 7
#define VVAR_CLOCK_TAI 11
#define VVAR_NCLOCKS 12

/* flags */
#define VVAR_TSC_OK 1u /* the clocks may be read from the TSC */
#define VVAR_RDTSCP 2u /* rdtscp works; TSC_AUX = vCPU number (getcpu) */

/* Reads retried this many times while the Sentry writes, then the syscall. */
#define VVAR_MAX_TRIES 1000

struct vvar_clock {
	uint64_t tsc_base; /* TSC at which the base was taken */
	uint64_t sec;	   /* base: whole seconds */
	uint64_t snsec;	   /* base: nanoseconds << shift, < 1e9 << shift */
	uint32_t mult;	   /* nanoseconds per TSC tick << shift */
	uint32_t shift;
};

struct vvar {
	uint32_t seq; /* sequence count: odd while the Sentry writes */
	uint32_t flags;
	uint32_t clock_mask;	/* bit n set: clock id n is served from clock[n] */
	uint32_t ncpus;		/* getcpu: numbers at or above are not ours */
	uint64_t max_delta;	/* TSC ticks a base stays valid for */
	uint32_t hres_res_ns;	/* clock_getres of the TSC-based clocks */
	uint32_t coarse_res_ns; /* clock_getres of the coarse clocks */
	struct vvar_clock clock[VVAR_NCLOCKS];
};

_Static_assert(sizeof(struct vvar_clock) == 32, "vvar_clock is 32 bytes");
_Static_assert(offsetof(struct vvar, max_delta) == 16, "vvar header");
_Static_assert(offsetof(struct vvar, clock) == 32, "vvar clocks at 32");
_Static_assert(sizeof(struct vvar) <= 4096, "vvar fits one page");

#define VVAR_SERVED_MASK                                                         \
	((1u << VVAR_CLOCK_REALTIME) | (1u << VVAR_CLOCK_MONOTONIC) |            \
	 (1u << VVAR_CLOCK_MONOTONIC_RAW) | (1u << VVAR_CLOCK_REALTIME_COARSE) | \
	 (1u << VVAR_CLOCK_MONOTONIC_COARSE) | (1u << VVAR_CLOCK_BOOTTIME) |     \
	 (1u << VVAR_CLOCK_TAI))

/*
 * The time of c at tsc, split in seconds and nanoseconds. Returns 0, or -1
 * when tsc is more than max_delta past the base (the caller falls back to
 * the syscall). Pure arithmetic on a snapshot: the vDSO and the Sentry both
 * use it, so they agree to the nanosecond.
 */
static inline int vvar_clock_read(const struct vvar_clock *c, uint64_t max_delta, uint64_t tsc,
				  uint64_t *sec, uint64_t *nsec)
{
	uint64_t delta = tsc > c->tsc_base ? tsc - c->tsc_base : 0;
	if (delta > max_delta)
		return -1;
	/* max_delta * mult + snsec < 2^64: the Sentry sizes max_delta for that. */
	uint64_t ns = (c->snsec + delta * c->mult) >> (c->shift & 63);
	*sec = c->sec + ns / VVAR_NSEC_PER_SEC;
	*nsec = ns % VVAR_NSEC_PER_SEC;
	return 0;
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations of the vDSO module: the embedded image and the
 * timekeeper's arithmetic (pure functions, unit-tested).
 */
#ifndef SENTRY_VDSO_INTERNAL_H
#define SENTRY_VDSO_INTERNAL_H

#include "lib/compiler.h"
#include "vdso.h"
#include "vvar.h"

/* The vDSO shared object, embedded by the generated vdso_image.S. */
extern const u8 vdso_image_start[], vdso_image_end[];

/* One host clock reading and the TSC it corresponds to. */
struct tk_sample {
	u64 tsc;
	u64 ns; /* the host clock, nanoseconds since its epoch */
};

/* A TSC rate must keep mult below this, so slewing (x 3/2) fits 32 bits. */
#define TK_MULT_LIMIT (1ULL << 31)
/* Bases stay usable this long without an update (Linux clocksources: 600 s). */
#define TK_MAX_IDLE_SEC 600
/* Larger differences between the vDSO and the host clock are stepped. */
#define TK_STEP_NS (10 * 1000 * 1000ULL)

/*
 * The largest shift for a TSC that ticks dtsc times in dns nanoseconds
 * such that mult fits TK_MULT_LIMIT and TK_MAX_IDLE_SEC of ticks times
 * 3/2 mult stays below 2^63. Returns 0..32.
 */
u32 tk_pick_shift(u64 dtsc, u64 dns);

/* mult for the rate between two samples: (dns << shift) / dtsc, capped. */
u32 tk_rate(const struct tk_sample *a, const struct tk_sample *b, u32 shift);

/* The clock c at tsc, in nanoseconds << c->shift (no staleness limit). */
unsigned __int128 tk_predict(const struct vvar_clock *c, u64 tsc);

/*
 * Fit c to the host sample s so that, from s.tsc on, it runs at rate
 * (mult units) and meets the host clock again horizon ticks later. The
 * clock stays continuous at s.tsc (no jump, so it never goes back) unless
 * it is more than TK_STEP_NS behind the host, or ahead of it and
 * step_back is allowed (REALTIME, TAI: the host's time was set): then it
 * is stepped to the host time. A fresh c (mult 0) is set to s.
 * Returns the difference host - vDSO at s.tsc, in nanoseconds.
 */
s64 tk_fit(struct vvar_clock *c, const struct tk_sample *s, u32 rate, u32 shift, u64 horizon,
	   bool step_back);

/* The max_delta for the clocks of v: the largest delta whose product fits. */
u64 tk_max_delta(const struct vvar *v);

/*
 * Start the timekeeper for the vvar page at page (the Sentry's mapping of
 * it): fills it at once (syscall fallback until the TSC is calibrated, a
 * few milliseconds later) and refreshes it every second. Returns 0 or a
 * negative errno.
 */
int tk_start(struct vvar *page, unsigned ncpus) __must_check;

#endif

// SPDX-License-Identifier: Apache-2.0
/* Bounded spinning (spin.h). */
#include <sched.h>
#include <time.h>

#include "spin.h"

/* Iterations between two looks at the clock: a vDSO call costs some pauses. */
#define SPIN_CLOCK_EVERY 64

int spin_host_cpus(void)
{
	cpu_set_t cpus;
	return sched_getaffinity(0, sizeof(cpus), &cpus) ? 1 : CPU_COUNT(&cpus);
}

static s64 now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (s64)t.tv_sec * 1000000000LL + t.tv_nsec;
}

bool spin_until(bool (*done)(void *arg), void *arg, s64 max_ns)
{
	s64 end = now_ns() + max_ns;
	for (unsigned i = 1;; i++) {
		if (done(arg))
			return true;
		__builtin_ia32_pause();
		if (i % SPIN_CLOCK_EVERY == 0 && now_ns() >= end)
			return false;
	}
}

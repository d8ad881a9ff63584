// SPDX-License-Identifier: Apache-2.0
/*
 * The timekeeper: keeps the vvar page's clocks on the host's.
 *
 * Each served clock is a line in the TSC (vvar.h). The Sentry samples the
 * host clock with the TSC that brackets it most tightly, and every second
 * re-fits each line so that it stays continuous where it is re-fitted
 * (never a jump back) and meets the host clock again a second later: the
 * small rate changes absorb the host's NTP adjustments and our measuring
 * error, as Linux's timekeeper slews. Why not a one-off calibration from
 * an invariant TSC: the host's clocks are not a fixed multiple of the TSC
 * (NTP changes their rate by up to 500 ppm, REALTIME is set, BOOTTIME jumps
 * after suspend), and a fixed fit drifts from them by up to ~2 ms an hour
 * (0.5 ppm calibration error alone), while syscalls answered from the host
 * clock must agree with the vDSO to the microsecond to stay monotonic when
 * a program mixes them. A stalled timekeeper is safe: after TK_MAX_IDLE_SEC
 * without an update the vDSO falls back to the syscall.
 *
 * Start-up costs nothing: the vvar page says "use the syscall" until the
 * first rate is measured, 2 ms after the platform is up (vdso_prepare),
 * before most programs start. The intervals then grow tenfold, so that a
 * rate measured over one interval is good for the next to a microsecond
 * or two (a sample is bracketed to ~100 ns: 50 ppm over 2 ms, applied for
 * 8 ms; 12 ppm over 8 ms, for 90 ms; and so on).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "vdso_internal.h"

#define NSEC_PER_MSEC 1000000ULL
#define SAMPLE_TRIES 5
/* A monotonic error this large means the TSC is not a clock here. */
#define TK_BROKEN_NS (50 * NSEC_PER_MSEC)

/* Update intervals: the first ones short, to measure the rate quickly. */
static const unsigned tk_interval_ms[] = {2, 10, 100, 1000};

struct timekeeper {
	struct vvar *page;  /* the guest-visible page (Sentry's mapping) */
	struct vvar master; /* the same, which guests cannot write */
	struct tk_sample prev_mono, prev_raw;
	u32 shift;
};

static struct timekeeper tk;
static bool tk_running; /* atomic: vdso_clock_gettime may read tk.master */

/* ---- arithmetic (unit-tested) ---- */

u32 tk_pick_shift(u64 dtsc, u64 dns)
{
	if (!dtsc || !dns)
		return 0;
	unsigned __int128 idle =
		(unsigned __int128)TK_MAX_IDLE_SEC * VVAR_NSEC_PER_SEC * dtsc / dns;
	for (u32 shift = 32; shift > 0; shift--) {
		unsigned __int128 mult = ((unsigned __int128)dns << shift) / dtsc;
		if (mult >= TK_MULT_LIMIT)
			continue;
		if (idle * (mult * 3 / 2 + 1) < ((unsigned __int128)1 << 63))
			return shift;
	}
	return 0;
}

u32 tk_rate(const struct tk_sample *a, const struct tk_sample *b, u32 shift)
{
	if (b->tsc <= a->tsc || b->ns < a->ns)
		return 0;
	unsigned __int128 mult = ((unsigned __int128)(b->ns - a->ns) << shift) / (b->tsc - a->tsc);
	return mult < TK_MULT_LIMIT ? (u32)mult : (u32)(TK_MULT_LIMIT - 1);
}

unsigned __int128 tk_predict(const struct vvar_clock *c, u64 tsc)
{
	u64 delta = tsc > c->tsc_base ? tsc - c->tsc_base : 0;
	return (((unsigned __int128)c->sec * VVAR_NSEC_PER_SEC) << c->shift) + c->snsec +
	       (unsigned __int128)delta * c->mult;
}

s64 tk_fit(struct vvar_clock *c, const struct tk_sample *s, u32 rate, u32 shift, u64 horizon,
	   bool step_back)
{
	unsigned __int128 host = (unsigned __int128)s->ns << shift, base = host;
	__int128 step = (__int128)TK_STEP_NS << shift;
	u32 mult = rate;
	s64 err = 0;

	if (c->mult && c->shift == shift) {
		unsigned __int128 ours = tk_predict(c, s->tsc);
		__int128 e = (__int128)(host - ours);
		err = (s64)(e / ((__int128)1 << shift));
		if (e <= step && (!step_back || e >= -step)) {
			/* Continuous here; catch up over the next horizon ticks. */
			__int128 m = (__int128)rate + e / (__int128)(horizon ? horizon : 1);
			m = MAX(m, (__int128)rate / 2);
			m = MIN(m, (__int128)rate * 3 / 2);
			base = ours;
			mult = (u32)m;
		}
	}
	unsigned __int128 unit = (unsigned __int128)VVAR_NSEC_PER_SEC << shift;
	c->tsc_base = s->tsc;
	c->sec = (u64)(base / unit);
	c->snsec = (u64)(base % unit);
	c->mult = mult;
	c->shift = shift;
	return err;
}

u64 tk_max_delta(const struct vvar *v)
{
	u32 max_mult = 1;
	for (unsigned id = 0; id < VVAR_NCLOCKS; id++)
		if (v->clock_mask & (1u << id))
			max_mult = MAX(max_mult, v->clock[id].mult);
	return (1ULL << 63) / max_mult;
}

/* ---- sampling and publishing ---- */

static inline u64 rdtsc_ordered(void)
{
	u32 lo, hi;
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((u64)hi << 32) | lo;
}

/* The host clock id and the TSC at the same moment, best of a few tries. */
static void tk_sample(clockid_t id, struct tk_sample *s)
{
	u64 best = UINT64_MAX;
	for (int i = 0; i < SAMPLE_TRIES; i++) {
		struct timespec ts;
		u64 t0 = rdtsc_ordered();
		clock_gettime(id, &ts);
		u64 t1 = rdtsc_ordered();
		if (t1 >= t0 && t1 - t0 < best) {
			best = t1 - t0;
			s->tsc = t0 + (t1 - t0) / 2;
			s->ns = (u64)ts.tv_sec * VVAR_NSEC_PER_SEC + (u64)ts.tv_nsec;
		}
	}
}

/* Copy src into dst under dst's sequence count. The timekeeper is the only writer. */
static void vvar_write(struct vvar *dst, const struct vvar *src)
{
	u32 seq = __atomic_load_n(&dst->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((u8 *)dst + sizeof(dst->seq), (const u8 *)src + sizeof(src->seq),
	       sizeof(*src) - sizeof(src->seq));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&dst->seq, seq + 2, __ATOMIC_RELAXED);
}

/* Make next the parameters the Sentry and the guests read. */
static void tk_publish(const struct vvar *next)
{
	vvar_write(&tk.master, next);
	vvar_write(tk.page, next);
}

static u32 cpuid_edx(u32 leaf)
{
	u32 eax = leaf, ebx, ecx = 0, edx;
	__asm__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return edx;
}

/*
 * Whether the TSC ticks at a constant rate, in every power state, in step
 * on every CPU: CPUID's invariant TSC bit (Linux's nonstop_tsc), or the
 * host kernel itself keeps time with it.
 */
static bool tsc_is_reliable(void)
{
	u32 max = 0x80000000, ebx, ecx = 0, edx;
	__asm__("cpuid" : "+a"(max), "=b"(ebx), "+c"(ecx), "=d"(edx));
	if (max >= 0x80000007 && (cpuid_edx(0x80000007) & (1u << 8)))
		return true;
	char cs[32] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (f) {
		if (!fgets(cs, sizeof(cs), f))
			cs[0] = 0;
		fclose(f);
	}
	return strcmp(cs, "tsc\n") == 0;
}

static bool has_rdtscp(void)
{
	u32 max = 0x80000000, ebx, ecx = 0, edx;
	__asm__("cpuid" : "+a"(max), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return max >= 0x80000001 && (cpuid_edx(0x80000001) & (1u << 27));
}

/*
 * Re-fit every clock to fresh host samples; next_ms is when the next update
 * comes. Returns false when the TSC turned out not to be a clock.
 */
static bool tk_update(unsigned next_ms)
{
	struct tk_sample mono, raw, real, boot, tai;
	struct vvar next = tk.master, *m = &next; /* only this thread writes tk.master */

	tk_sample(CLOCK_MONOTONIC, &mono);
	tk_sample(CLOCK_MONOTONIC_RAW, &raw);
	tk_sample(CLOCK_REALTIME, &real);
	tk_sample(CLOCK_BOOTTIME, &boot);
	tk_sample(CLOCK_TAI, &tai);
	if (!tk.shift)
		tk.shift = tk_pick_shift(mono.tsc - tk.prev_mono.tsc, mono.ns - tk.prev_mono.ns);
	u32 rate = tk_rate(&tk.prev_mono, &mono, tk.shift);
	u32 raw_rate = tk_rate(&tk.prev_raw, &raw, tk.shift);
	if (!tk.shift || !rate || !raw_rate) {
		pr_warn("vdso: the TSC does not advance with the host clock; guest time via "
			"syscalls");
		return false;
	}
	/* Ticks until the next update, from the rate just measured. */
	u64 horizon = (u64)(((unsigned __int128)next_ms * NSEC_PER_MSEC << tk.shift) / rate);

	s64 err = tk_fit(&m->clock[VVAR_CLOCK_MONOTONIC], &mono, rate, tk.shift, horizon, false);
	tk_fit(&m->clock[VVAR_CLOCK_MONOTONIC_RAW], &raw, raw_rate, tk.shift, horizon, false);
	tk_fit(&m->clock[VVAR_CLOCK_REALTIME], &real, rate, tk.shift, horizon, true);
	tk_fit(&m->clock[VVAR_CLOCK_BOOTTIME], &boot, rate, tk.shift, horizon, false);
	tk_fit(&m->clock[VVAR_CLOCK_TAI], &tai, rate, tk.shift, horizon, true);
	/* The coarse clocks are the precise ones, as in gVisor's vDSO. */
	m->clock[VVAR_CLOCK_REALTIME_COARSE] = m->clock[VVAR_CLOCK_REALTIME];
	m->clock[VVAR_CLOCK_MONOTONIC_COARSE] = m->clock[VVAR_CLOCK_MONOTONIC];
	if (err > (s64)TK_BROKEN_NS || err < -(s64)TK_BROKEN_NS) {
		pr_warn("vdso: the TSC drifted %lld ns from CLOCK_MONOTONIC in one update; guest "
			"time via syscalls",
			(long long)err);
		return false;
	}
	m->max_delta = tk_max_delta(m);
	m->flags |= VVAR_TSC_OK;
	tk_publish(m);
	pr_debug("vdso: shift %u mult %u raw %u error %lld ns", tk.shift, rate, raw_rate,
		 (long long)err);
	tk.prev_mono = mono;
	tk.prev_raw = raw;
	return true;
}

static void tk_disable(void)
{
	struct vvar next = tk.master;
	next.flags &= ~VVAR_TSC_OK;
	tk_publish(&next);
}

static void *tk_main(void *arg)
{
	for (unsigned i = 0;; i++) {
		unsigned ms = tk_interval_ms[MIN(i, ARRAY_SIZE(tk_interval_ms) - 1)];
		unsigned next = tk_interval_ms[MIN(i + 1, ARRAY_SIZE(tk_interval_ms) - 1)];
		struct timespec d = {ms / 1000, (long)(ms % 1000) * (long)NSEC_PER_MSEC};
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d) == EINTR)
			;
		if (!tk_update(next)) {
			tk_disable();
			return NULL;
		}
	}
}

static u32 res_ns(clockid_t id)
{
	struct timespec r;
	if (clock_getres(id, &r) || r.tv_sec || r.tv_nsec <= 0)
		return 1;
	return (u32)r.tv_nsec;
}

int tk_start(struct vvar *page, unsigned ncpus)
{
	struct vvar next = {0}, *m = &next;

	tk.page = page;
	m->clock_mask = VVAR_SERVED_MASK;
	m->ncpus = ncpus ? ncpus : 1;
	m->hres_res_ns = res_ns(CLOCK_MONOTONIC);
	m->coarse_res_ns = res_ns(CLOCK_MONOTONIC_COARSE);
	m->flags = has_rdtscp() ? VVAR_RDTSCP : 0;
	tk_publish(m);
	__atomic_store_n(&tk_running, true, __ATOMIC_RELEASE);
	if (!tsc_is_reliable()) {
		pr_debug("vdso: the host's TSC is not invariant; guest time via syscalls");
		return 0;
	}
	tk_sample(CLOCK_MONOTONIC, &tk.prev_mono);
	tk_sample(CLOCK_MONOTONIC_RAW, &tk.prev_raw);

	/* No signal for runsk may land on this thread: the stop signals go to signalfd. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	int ret = -pthread_create(&th, &attr, tk_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		pr_warn("vdso: cannot start the timekeeper (%s); guest time via syscalls",
			strerror(-ret));
	return 0;
}

int vdso_clock_gettime(int id, struct timespec *ts)
{
	const volatile struct vvar *v = &tk.master;

	if (id < 0 || id >= VVAR_NCLOCKS || !__atomic_load_n(&tk_running, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	for (int tries = 0; tries < VVAR_MAX_TRIES; tries++) {
		u32 seq = __atomic_load_n(&v->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		struct vvar_clock c = {v->clock[id].tsc_base, v->clock[id].sec, v->clock[id].snsec,
				       v->clock[id].mult, v->clock[id].shift};
		u32 flags = v->flags, mask = v->clock_mask;
		u64 max_delta = v->max_delta, sec, nsec;
		u64 tsc = rdtsc_ordered();
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&v->seq, __ATOMIC_RELAXED) != seq)
			continue;
		if (!(flags & VVAR_TSC_OK) || !(mask & (1u << id)) ||
		    vvar_clock_read(&c, max_delta, tsc, &sec, &nsec))
			return -EAGAIN;
		ts->tv_sec = (time_t)sec;
		ts->tv_nsec = (long)nsec;
		return 0;
	}
	return -EAGAIN;
}

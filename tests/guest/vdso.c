// SPDX-License-Identifier: Apache-2.0
/*
 * The vDSO: found through AT_SYSINFO_EHDR, a valid ELF shared object whose
 * dynamic section exports Linux's x86-64 time functions at version
 * LINUX_2.6 (what static glibc and musl look up), and whose functions
 * agree with the raw syscalls. Then libc's clock_gettime (which uses the
 * vDSO) must stay monotonic over many calls, alone and mixed with the
 * syscall. Only facts every Linux shares are printed, never times.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <sched.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define NSEC_PER_SEC 1000000000LL
#define SLACK_NS (5 * 1000000LL)	 /* "agree": within 5 ms */
#define COARSE_SLACK_NS (15 * 1000000LL) /* a 10 ms tick and the slack */
#define MANY 100000

typedef int (*cgt_fn)(long clock, struct timespec *ts);
typedef int (*gtod_fn)(struct timeval *tv, void *tz);
typedef long (*time_fn)(long *t);
typedef int (*getcpu_fn)(unsigned *cpu, unsigned *node, void *cache);

struct vdso {
	uintptr_t load; /* address minus p_vaddr */
	const Elf64_Sym *symtab;
	const char *strtab;
	const Elf64_Half *versym;
	const Elf64_Verdef *verdef;
	size_t nsyms;
};

static const char *const exports[] = {
	"__vdso_clock_gettime",
	"__vdso_gettimeofday",
	"__vdso_time",
	"__vdso_getcpu",
	"__vdso_clock_getres",
	"clock_gettime",
	"gettimeofday",
	"time",
	"getcpu",
	"clock_getres",
};

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * NSEC_PER_SEC + t->tv_nsec;
}

static int64_t raw_ns(long clock)
{
	struct timespec t;

	syscall(SYS_clock_gettime, clock, &t);
	return ts_ns(&t);
}

/* Symbols in a GNU hash table: past the highest bucket, walk its chain. */
static size_t gnu_hash_nsyms(const uint32_t *h)
{
	uint32_t nbuckets = h[0], symoffset = h[1], bloom = h[2];
	const uint32_t *buckets = h + 4 + bloom * 2, *chain = buckets + nbuckets;
	uint32_t last = 0;

	for (uint32_t i = 0; i < nbuckets; i++)
		if (buckets[i] > last)
			last = buckets[i];
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1))
		last++;
	return last + 1;
}

static bool vdso_parse(const Elf64_Ehdr *eh, struct vdso *v)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	int loads = 0;
	bool rel = false, hash = false;

	check(!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
		      eh->e_type == ET_DYN && eh->e_machine == EM_X86_64,
	      "vdso: an ELF64 x86-64 shared object");
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !loads++)
			v->load = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)((const char *)eh + ph[i].p_offset);
	}
	check(loads == 1, "vdso: one PT_LOAD");
	if (!check(dyn != NULL, "vdso: PT_DYNAMIC present"))
		return false;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = v->load + dyn->d_un.d_ptr;
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			v->symtab = (const Elf64_Sym *)p;
			break;
		case DT_STRTAB:
			v->strtab = (const char *)p;
			break;
		case DT_VERSYM:
			v->versym = (const Elf64_Half *)p;
			break;
		case DT_VERDEF:
			v->verdef = (const Elf64_Verdef *)p;
			break;
		case DT_HASH:
			v->nsyms = ((const uint32_t *)p)[1];
			hash = true;
			break;
		case DT_GNU_HASH:
			if (!v->nsyms)
				v->nsyms = gnu_hash_nsyms((const uint32_t *)p);
			hash = true;
			break;
		case DT_REL:
		case DT_RELA:
		case DT_JMPREL:
		case DT_TEXTREL:
			rel = true;
			break;
		}
	}
	check(v->symtab && v->strtab, "vdso: DT_SYMTAB and DT_STRTAB");
	check(hash, "vdso: DT_HASH or DT_GNU_HASH");
	check(v->versym && v->verdef, "vdso: DT_VERSYM and DT_VERDEF");
	check(!rel, "vdso: no relocations");
	return v->symtab && v->strtab && v->versym && v->verdef && hash;
}

/* The name of version index ndx, from the version definitions. */
static const char *vdso_version(const struct vdso *v, unsigned ndx)
{
	const Elf64_Verdef *d = v->verdef;

	for (;;) {
		if (!(d->vd_flags & VER_FLG_BASE) && (d->vd_ndx & 0x7fff) == ndx) {
			const Elf64_Verdaux *a =
				(const Elf64_Verdaux *)((const char *)d + d->vd_aux);
			return v->strtab + a->vda_name;
		}
		if (!d->vd_next)
			return "";
		d = (const Elf64_Verdef *)((const char *)d + d->vd_next);
	}
}

/* The address of name; report says whether to check and print what it is. */
static void *vdso_sym(const struct vdso *v, const char *name, bool report)
{
	for (size_t i = 1; i < v->nsyms; i++) {
		const Elf64_Sym *s = &v->symtab[i];
		if (strcmp(v->strtab + s->st_name, name))
			continue;
		bool prefixed = !strncmp(name, "__vdso_", 7);
		if (!report)
			return (void *)(v->load + s->st_value);
		check(ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_shndx != SHN_UNDEF,
		      "vdso: %s is a defined function", name);
		check(ELF64_ST_BIND(s->st_info) == (prefixed ? STB_GLOBAL : STB_WEAK),
		      "vdso: %s is %s", name, prefixed ? "global" : "weak");
		check(!strcmp(vdso_version(v, v->versym[i] & 0x7fff), "LINUX_2.6"),
		      "vdso: %s@LINUX_2.6", name);
		return (void *)(v->load + s->st_value);
	}
	if (report)
		check(false, "vdso: exports %s", name);
	return NULL;
}

/* The vDSO's clock_gettime lies between two raw syscalls (with slack). */
static void test_vdso_clock(cgt_fn cgt, long clock, const char *name, int64_t slack)
{
	struct timespec t;
	int64_t before = raw_ns(clock);
	int ret = cgt(clock, &t);
	int64_t after = raw_ns(clock);

	if (expect_ret(ret, 0, "__vdso_clock_gettime(%s)", name))
		check(ts_ns(&t) >= before - slack && ts_ns(&t) <= after + slack && t.tv_nsec >= 0 &&
			      t.tv_nsec < NSEC_PER_SEC,
		      "__vdso_clock_gettime(%s): agrees with the syscall", name);
}

static void test_vdso_calls(const struct vdso *v)
{
	cgt_fn cgt = (cgt_fn)vdso_sym(v, "__vdso_clock_gettime", false);
	cgt_fn getres = (cgt_fn)vdso_sym(v, "__vdso_clock_getres", false);
	gtod_fn gtod = (gtod_fn)vdso_sym(v, "__vdso_gettimeofday", false);
	time_fn vtime = (time_fn)vdso_sym(v, "__vdso_time", false);
	getcpu_fn getcpu = (getcpu_fn)vdso_sym(v, "__vdso_getcpu", false);
	struct timespec t, r;
	struct timeval tv;

	if (!cgt || !getres || !gtod || !vtime || !getcpu)
		return;

	test_vdso_clock(cgt, CLOCK_REALTIME, "CLOCK_REALTIME", SLACK_NS);
	test_vdso_clock(cgt, CLOCK_MONOTONIC, "CLOCK_MONOTONIC", SLACK_NS);
	test_vdso_clock(cgt, CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW", SLACK_NS);
	test_vdso_clock(cgt, CLOCK_BOOTTIME, "CLOCK_BOOTTIME", SLACK_NS);
	test_vdso_clock(cgt, CLOCK_TAI, "CLOCK_TAI", SLACK_NS);
	/* The coarse clocks lag the precise ones by up to a tick (10 ms at HZ=100). */
	test_vdso_clock(cgt, CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE", COARSE_SLACK_NS);
	test_vdso_clock(cgt, CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE", COARSE_SLACK_NS);
	expect_ret(cgt(CLOCK_PROCESS_CPUTIME_ID, &t), 0,
		   "__vdso_clock_gettime(CLOCK_PROCESS_CPUTIME_ID): falls back to the syscall");
	expect_ret(cgt(1000, &t), -EINVAL, "__vdso_clock_gettime(clock 1000)");
	expect_ret(cgt(-1000000, &t), -EINVAL, "__vdso_clock_gettime(clock -1000000)");

	static const long res_clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE};
	for (size_t i = 0; i < 3; i++) {
		memset(&t, 0xff, sizeof(t));
		memset(&r, 0xee, sizeof(r));
		int ret = getres(res_clocks[i], &t);
		syscall(SYS_clock_getres, res_clocks[i], &r);
		check(ret == 0 && t.tv_sec == r.tv_sec && t.tv_nsec == r.tv_nsec,
		      "__vdso_clock_getres(clock %ld): the syscall's resolution", res_clocks[i]);
	}
	expect_ret(getres(CLOCK_MONOTONIC, NULL), 0, "__vdso_clock_getres(CLOCK_MONOTONIC, NULL)");
	expect_ret(getres(1000, &t), -EINVAL, "__vdso_clock_getres(clock 1000)");

	int64_t before = raw_ns(CLOCK_REALTIME);
	int ret = gtod(&tv, NULL);
	int64_t after = raw_ns(CLOCK_REALTIME);
	int64_t us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	if (expect_ret(ret, 0, "__vdso_gettimeofday"))
		check(us >= (before - SLACK_NS) / 1000 && us <= (after + SLACK_NS) / 1000 &&
			      tv.tv_usec >= 0 && tv.tv_usec < 1000000,
		      "__vdso_gettimeofday: agrees with the syscall");
	expect_ret(gtod(NULL, NULL), 0, "__vdso_gettimeofday(NULL, NULL)");

	long tt = 0, t1 = vtime(&tt), t2 = syscall(SYS_time, NULL);
	check(t1 == tt && t2 - t1 >= 0 && t2 - t1 <= 1, "__vdso_time: agrees with the syscall");
	check(vtime(NULL) > 1577836800L, "__vdso_time(NULL): after 2020");

	unsigned cpu = ~0u, node = ~0u;
	cpu_set_t set;
	expect_ret(getcpu(&cpu, &node, NULL), 0, "__vdso_getcpu");
	check(cpu < CPU_SETSIZE &&
		      (sched_getaffinity(0, sizeof(set), &set) || CPU_ISSET(cpu, &set)),
	      "__vdso_getcpu: a CPU this thread may run on");
	expect_ret(getcpu(NULL, NULL, NULL), 0, "__vdso_getcpu(NULL, NULL)");
}

static void test_libc_monotonic(void)
{
	struct timespec t;
	int64_t prev = 0, now;
	bool ok = true, mixed = true;

	for (int i = 0; i < MANY; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		now = ts_ns(&t);
		ok &= now >= prev;
		prev = now;
	}
	check(ok, "clock_gettime(CLOCK_MONOTONIC): non-decreasing over %d libc calls", MANY);
	for (int i = 0; i < 2000; i++) {
		if (i & 1)
			clock_gettime(CLOCK_MONOTONIC, &t);
		else
			syscall(SYS_clock_gettime, (long)CLOCK_MONOTONIC, &t);
		now = ts_ns(&t);
		mixed &= now >= prev;
		prev = now;
	}
	check(mixed, "clock_gettime(CLOCK_MONOTONIC): non-decreasing, libc and raw mixed");

	struct timespec l, r0, r1;
	syscall(SYS_clock_gettime, (long)CLOCK_REALTIME, &r0);
	clock_gettime(CLOCK_REALTIME, &l);
	syscall(SYS_clock_gettime, (long)CLOCK_REALTIME, &r1);
	check(ts_ns(&l) >= ts_ns(&r0) - SLACK_NS && ts_ns(&l) <= ts_ns(&r1) + SLACK_NS,
	      "clock_gettime(CLOCK_REALTIME): libc agrees with the syscall");

	/*
	 * time() reads the coarse clock, which lags the precise one by up to a
	 * tick: just after a second boundary it may still say the last second.
	 */
	struct timeval tv;
	gettimeofday(&tv, NULL);
	long secs = time(NULL);
	check(secs - tv.tv_sec >= -1 && secs - tv.tv_sec <= 1, "time and gettimeofday agree");
}

int main(void)
{
	struct vdso v = {0};

	guest_start("vdso");
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
	if (check(ehdr != 0, "AT_SYSINFO_EHDR: present") &&
	    vdso_parse((const Elf64_Ehdr *)ehdr, &v)) {
		for (size_t i = 0; i < sizeof(exports) / sizeof(exports[0]); i++)
			vdso_sym(&v, exports[i], true);
		test_vdso_calls(&v);
	}
	test_libc_monotonic();
	return guest_finish();
}

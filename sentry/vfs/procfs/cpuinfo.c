// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/cpuinfo: one block per vCPU of the sandbox, from the host's CPUID
 * (what the guest's own CPUID shows, KVM passing it through), with the
 * flags the guest cannot use taken out: virtualisation and host power
 * management, and instruction sets whose register state the guest's XCR0
 * does not enable. Names and order are Linux's (capability word order).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"

#define XCR0_AVX 0x6ULL	    /* SSE and AVX state */
#define XCR0_AVX512 0xe6ULL /* opmask, ZMM_Hi256, Hi16_ZMM with AVX */
#define XCR0_AMX 0x60000ULL /* XTILECFG, XTILEDATA */

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static struct cpuid_regs cpuid(u32 leaf, u32 sub)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(sub));
	return r;
}

/* Names of the 32 bits of one CPUID register; NULL for bits Linux does not show. */
struct flag_word {
	u32 leaf, sub;
	int reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	const char *names[32];
};

static const struct flag_word flag_words[] = {
	{1, 0, 3, {"fpu",  "vme",   "de",   "pse",     "tsc",  "msr", "pae",  "mce",
		   "cx8",  "apic",  NULL,   "sep",     "mtrr", "pge", "mca",  "cmov",
		   "pat",  "pse36", "pn",   "clflush", NULL,   "dts", "acpi", "mmx",
		   "fxsr", "sse",   "sse2", "ss",      "ht",   "tm",  "ia64", "pbe"}},
	{0x80000001,
	 0,
	 3,
	 {[11] = "syscall",
	  [19] = "mp",
	  [20] = "nx",
	  [22] = "mmxext",
	  [25] = "fxsr_opt",
	  [26] = "pdpe1gb",
	  [27] = "rdtscp",
	  [29] = "lm",
	  [30] = "3dnowext",
	  [31] = "3dnow"}},
	{1, 0, 2, {"pni",    "pclmulqdq", "dtes64", "monitor", "ds_cpl",
		   "vmx",    "smx",	  "est",    "tm2",     "ssse3",
		   "cid",    "sdbg",	  "fma",    "cx16",    "xtpr",
		   "pdcm",   NULL,	  "pcid",   "dca",     "sse4_1",
		   "sse4_2", "x2apic",	  "movbe",  "popcnt",  "tsc_deadline_timer",
		   "aes",    "xsave",	  NULL,	    "avx",     "f16c",
		   "rdrand", "hypervisor"}},
	{0x80000001, 0, 2, {"lahf_lm",	  "cmp_legacy",	 "svm",
			    "extapic",	  "cr8_legacy",	 "abm",
			    "sse4a",	  "misalignsse", "3dnowprefetch",
			    "osvw",	  "ibs",	 "xop",
			    "skinit",	  "wdt",	 NULL,
			    "lwp",	  "fma4",	 "tce",
			    NULL,	  "nodeid_msr",	 NULL,
			    "tbm",	  "topoext",	 "perfctr_core",
			    "perfctr_nb", NULL,		 "bpext",
			    "ptsc",	  "perfctr_llc", "mwaitx"}},
	{7, 0, 1, {"fsgsbase", "tsc_adjust", "sgx",	 "bmi1",       "hle",	   "avx2",
		   NULL,       "smep",	     "bmi2",	 "erms",       "invpcid",  "rtm",
		   "cqm",      NULL,	     "mpx",	 "rdt_a",      "avx512f",  "avx512dq",
		   "rdseed",   "adx",	     "smap",	 "avx512ifma", NULL,	   "clflushopt",
		   "clwb",     "intel_pt",   "avx512pf", "avx512er",   "avx512cd", "sha_ni",
		   "avx512bw", "avx512vl"}},
	{0xd, 1, 0, {"xsaveopt", "xsavec", "xgetbv1", "xsaves"}},
	{7, 1, 0, {[4] = "avx_vnni", [5] = "avx512_bf16"}},
	{0x80000008,
	 0,
	 1,
	 {[0] = "clzero", [1] = "irperf", [2] = "xsaveerptr", [4] = "rdpru", [9] = "wbnoinvd"}},
	{6, 0, 0, {[2] = "arat"}},
	{7,
	 0,
	 2,
	 {[1] = "avx512vbmi",
	  [2] = "umip",
	  [3] = "pku",
	  [4] = "ospke",
	  [5] = "waitpkg",
	  [6] = "avx512_vbmi2",
	  [8] = "gfni",
	  [9] = "vaes",
	  [10] = "vpclmulqdq",
	  [11] = "avx512_vnni",
	  [12] = "avx512_bitalg",
	  [13] = "tme",
	  [14] = "avx512_vpopcntdq",
	  [16] = "la57",
	  [22] = "rdpid",
	  [24] = "bus_lock_detect",
	  [25] = "cldemote",
	  [27] = "movdiri",
	  [28] = "movdir64b",
	  [29] = "enqcmd",
	  [30] = "sgx_lc"}},
	{7,
	 0,
	 3,
	 {[2] = "avx512_4vnniw",
	  [3] = "avx512_4fmaps",
	  [4] = "fsrm",
	  [8] = "avx512_vp2intersect",
	  [10] = "md_clear",
	  [14] = "serialize",
	  [16] = "tsxldtrk",
	  [18] = "pconfig",
	  [19] = "arch_lbr",
	  [20] = "ibt",
	  [22] = "amx_bf16",
	  [23] = "avx512_fp16",
	  [24] = "amx_tile",
	  [25] = "amx_int8",
	  [28] = "flush_l1d",
	  [29] = "arch_capabilities"}},
};

/* Host features a guest of ours never has: KVM hides them, or ring0 does not enable them. */
static const char *const hidden[] = {
	"vmx",		"svm",	      "smx",	     "monitor", "mwaitx", "ds_cpl", "est",
	"tm",		"tm2",	      "pbe",	     "acpi",	"ds",	  "dtes64", "pdcm",
	"xtpr",		"dts",	      "pku",	     "ospke",	"sgx",	  "sgx_lc", "intel_pt",
	"pconfig",	"arch_lbr",   "tme",	     "waitpkg", "skinit", "ibs",    "wdt",
	"perfctr_core", "perfctr_nb", "perfctr_llc", "irperf",	"la57",
};

static bool flag_usable(const char *name, u64 xcr0)
{
	for (size_t i = 0; i < ARRAY_SIZE(hidden); i++)
		if (strcmp(hidden[i], name) == 0)
			return false;
	if ((xcr0 & XCR0_AVX512) != XCR0_AVX512 &&
	    (strncmp(name, "avx512", 6) == 0 || strcmp(name, "avx_vnni") == 0))
		return false;
	if ((xcr0 & XCR0_AVX) != XCR0_AVX &&
	    (strncmp(name, "avx", 3) == 0 || !strcmp(name, "fma") || !strcmp(name, "f16c") ||
	     !strcmp(name, "vaes") || !strcmp(name, "vpclmulqdq")))
		return false;
	if ((xcr0 & XCR0_AMX) != XCR0_AMX && strncmp(name, "amx", 3) == 0)
		return false;
	return true;
}

static void put_flags(struct seq *s, u64 xcr0, u32 max_leaf, u32 max_ext)
{
	seq_puts(s, "flags\t\t:");
	for (size_t w = 0; w < ARRAY_SIZE(flag_words); w++) {
		const struct flag_word *fw = &flag_words[w];
		u32 max = fw->leaf >= 0x80000000 ? max_ext : max_leaf;
		if (fw->leaf > max)
			continue;
		struct cpuid_regs r = cpuid(fw->leaf, fw->sub);
		u32 v = fw->reg == 0 ? r.eax : fw->reg == 1 ? r.ebx : fw->reg == 2 ? r.ecx : r.edx;
		if (fw->leaf == 1 && fw->reg == 2)
			v |= 1u << 31; /* KVM tells its guests they run on a hypervisor */
		for (int b = 0; b < 32; b++)
			if ((v & (1u << b)) && fw->names[b] && flag_usable(fw->names[b], xcr0))
				seq_printf(s, " %s", fw->names[b]);
		/* Linux's synthetic word follows the first extended one. */
		if (w == 1) {
			bool invariant =
				max_ext >= 0x80000007 && (cpuid(0x80000007, 0).edx & 0x100);
			seq_puts(s, invariant ? " constant_tsc nonstop_tsc cpuid" : " cpuid");
		}
	}
	seq_putc(s, '\n');
}

/* The TSC's rate, measured once against CLOCK_MONOTONIC_RAW (no CPUID leaf gives it on AMD). */
static u64 tsc_khz;
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;

static u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void tsc_measure(void)
{
	u64 t0 = now_ns(), c0 = __builtin_ia32_rdtsc(), t1;
	while ((t1 = now_ns()) - t0 < 2000000)
		;
	u64 c1 = __builtin_ia32_rdtsc();
	tsc_khz = (c1 - c0) * 1000000ULL / (t1 - t0);
}

static u32 cache_kb(bool intel, u32 max_leaf, u32 max_ext)
{
	u32 best = 0;
	if (intel && max_leaf >= 4) {
		for (u32 i = 0; i < 16; i++) {
			struct cpuid_regs r = cpuid(4, i);
			if (!(r.eax & 0x1f))
				break;
			u32 ways = (r.ebx >> 22) + 1, parts = ((r.ebx >> 12) & 0x3ff) + 1;
			u32 line = (r.ebx & 0xfff) + 1, sets = r.ecx + 1;
			best = MAX(best, (u32)((u64)ways * parts * line * sets / 1024));
		}
		return best;
	}
	return max_ext >= 0x80000006 ? cpuid(0x80000006, 0).ecx >> 16 : 0;
}

int proc_show_cpuinfo(struct seq *s, struct proc_inode *pi)
{
	struct kernel *k = proc_kernel(pi);
	u64 xcr0 = k->platform ? k->platform->xcr0 : 0;
	struct cpuid_regs r0 = cpuid(0, 0), r1 = cpuid(1, 0);
	u32 max_ext = cpuid(0x80000000, 0).eax;
	char vendor[13], model[49] = "";

	memcpy(vendor, &r0.ebx, 4);
	memcpy(vendor + 4, &r0.edx, 4);
	memcpy(vendor + 8, &r0.ecx, 4);
	vendor[12] = 0;
	if (max_ext >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			struct cpuid_regs r = cpuid(0x80000002 + i, 0);
			memcpy(model + 16 * i, &r, 16);
		}
		model[48] = 0;
	}
	const char *name = model;
	while (*name == ' ')
		name++;
	u32 family = (r1.eax >> 8) & 0xf, mdl = (r1.eax >> 4) & 0xf;
	if (family == 0xf)
		family += (r1.eax >> 20) & 0xff;
	if (family >= 6)
		mdl += ((r1.eax >> 16) & 0xf) << 4;
	u32 clflush = ((r1.ebx >> 8) & 0xff) * 8;
	struct cpuid_regs asz =
		max_ext >= 0x80000008 ? cpuid(0x80000008, 0) : (struct cpuid_regs){0};
	bool intel = strcmp(vendor, "GenuineIntel") == 0;
	u32 cache = cache_kb(intel, r0.eax, max_ext);
	pthread_once(&tsc_once, tsc_measure);

	for (unsigned cpu = 0; cpu < k->ncpus; cpu++) {
		seq_printf(s,
			   "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			   "model name\t: %s\nstepping\t: %u\n",
			   cpu, vendor, family, mdl, *name ? name : "unknown", r1.eax & 0xf);
		seq_printf(s, "cpu MHz\t\t: %llu.%03llu\n", (unsigned long long)(tsc_khz / 1000),
			   (unsigned long long)(tsc_khz % 1000));
		if (cache)
			seq_printf(s, "cache size\t: %u KB\n", cache);
		seq_printf(s,
			   "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
			   "apicid\t\t: %u\ninitial apicid\t: %u\nfpu\t\t: yes\n"
			   "fpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n",
			   k->ncpus, cpu, k->ncpus, cpu, cpu, r0.eax);
		put_flags(s, xcr0, r0.eax, max_ext);
		seq_printf(s,
			   "bugs\t\t:\nbogomips\t: %llu.%02llu\nclflush size\t: %u\n"
			   "cache_alignment\t: %u\n",
			   (unsigned long long)(tsc_khz * 2 / 1000),
			   (unsigned long long)(tsc_khz * 2 / 10 % 100), clflush, clflush);
		if (asz.eax)
			seq_printf(s, "address sizes\t: %u bits physical, %u bits virtual\n",
				   asz.eax & 0xff, (asz.eax >> 8) & 0xff);
		seq_puts(s, "power management:\n\n");
	}
	return 0;
}

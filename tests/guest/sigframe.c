// SPDX-License-Identifier: Apache-2.0
/*
 * Signal delivery and the signal frame: what a handler receives (siginfo,
 * the ucontext and its layout, an aligned stack, the mask), what it may
 * change in the ucontext (registers, FP registers, the mask to return
 * to), and that FP/SSE/AVX state survives a handler that clobbers it.
 * Also the mask rules (sa_mask, SA_NODEFER, nesting), SA_RESETHAND, a
 * handler that leaves with siglongjmp, and the frames Linux refuses (no
 * SA_RESTORER, no room on the stack, an unreadable frame at
 * rt_sigreturn), which kill a forked child with SIGSEGV. (Not an FP
 * state with reserved MXCSR bits: whether XRSTOR faults on them differs
 * between CPUs and emulators; the unit test covers it.)
 *
 * Handlers only record what they see; the checks and printing happen
 * after they return, so the output order is fixed.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#define KSIGSET_SIZE 8L
#define XSTATE_MAGIC1 0x46505853u
#define XSTATE_MAGIC2 0x46505845u
#define UC_FP_XSTATE 0x1ul
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_RZ 0x7f80u /* round toward zero */
#define FCW_DEFAULT 0x37fu
#define FCW_DOUBLE 0x27fu /* 53-bit precision */

/* Every handler takes the SA_SIGINFO arguments; most ignore some. */
#define HANDLER_ARGS int sig GUEST_UNUSED, siginfo_t *si GUEST_UNUSED, void *ucv GUEST_UNUSED

/* The kernel's struct sigaction, to read back the restorer libc installed. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* The FXSAVE region of the frame's XSAVE image (our own layout, not libc's). */
struct fxregs {
	uint16_t cwd, swd, twd, fop;
	uint64_t rip, rdp;
	uint32_t mxcsr, mxcsr_mask;
	uint32_t st_space[32];
	uint8_t xmm[16][16];
	uint32_t padding[12];
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t sw_padding[7];
};
_Static_assert(sizeof(struct fxregs) == 512, "fxregs size");

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags,
			const int *mask_sigs)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	for (; mask_sigs && *mask_sigs; mask_sigs++)
		sigaddset(&sa.sa_mask, *mask_sigs);
	if (sigaction(sig, &sa, NULL))
		check(false, "sigaction(%d)", sig);
}

static void set_default(int sig)
{
	signal(sig, SIG_DFL);
}

static sigset_t current_mask(void)
{
	sigset_t s;

	sigprocmask(SIG_BLOCK, NULL, &s);
	return s;
}

/* ---- siginfo, layout, alignment ---- */

struct probe {
	unsigned long entry_rsp; /* rsp at the handler's first instruction */
	int sig, got_signo, got_code, got_errno;
	pid_t got_pid;
	uid_t got_uid;
	long uc_offset, si_offset;
	unsigned long uc_flags;
	unsigned long ret_addr;
	unsigned long saved_rsp, saved_rip;
	int uc_mask_usr1, uc_mask_usr2, cur_mask_usr1, cur_mask_usr2, cur_mask_alrm;
	int fp_aligned, fp_magic1, fp_magic2, fp_sizes;
};

static struct probe probe;
/* Set by probe_entry; not static: the assembly stores to it. */
unsigned long probe_rsp;

void probe_entry(int sig, siginfo_t *si, void *uc);
void probe_c(int sig, siginfo_t *si, void *uc);

/* Record rsp exactly as the handler is entered, then run the C part. */
__asm__(".pushsection .text\n"
	".globl probe_entry\n"
	".type probe_entry, @function\n"
	"probe_entry:\n"
	"\tmovq %rsp, probe_rsp(%rip)\n"
	"\tjmp probe_c\n"
	".size probe_entry, . - probe_entry\n"
	".popsection\n");

void probe_c(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const struct fxregs *fx = (const void *)uc->uc_mcontext.fpregs;
	sigset_t cur = current_mask();

	probe.entry_rsp = probe_rsp;
	probe.sig = sig;
	probe.got_signo = si->si_signo;
	probe.got_code = si->si_code;
	probe.got_errno = si->si_errno;
	probe.got_pid = si->si_pid;
	probe.got_uid = si->si_uid;
	probe.uc_offset = (long)((char *)ucv - (char *)probe_rsp);
	probe.si_offset = (long)((char *)si - (char *)probe_rsp);
	probe.uc_flags = uc->uc_flags;
	probe.ret_addr = *(unsigned long *)probe_rsp;
	probe.saved_rsp = (unsigned long)uc->uc_mcontext.gregs[REG_RSP];
	probe.saved_rip = (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
	probe.uc_mask_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
	probe.uc_mask_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
	probe.cur_mask_usr1 = sigismember(&cur, SIGUSR1);
	probe.cur_mask_usr2 = sigismember(&cur, SIGUSR2);
	probe.cur_mask_alrm = sigismember(&cur, SIGALRM);
	probe.fp_aligned = fx && (uintptr_t)fx % 64 == 0;
	if (fx && fx->magic1 == XSTATE_MAGIC1) {
		uint32_t magic2;

		probe.fp_magic1 = 1;
		memcpy(&magic2, (const char *)fx + fx->xstate_size, sizeof(magic2));
		probe.fp_magic2 = magic2 == XSTATE_MAGIC2;
		probe.fp_sizes = fx->extended_size == fx->xstate_size + 4 && fx->xstate_size >= 576;
	}
}

static void test_siginfo_and_layout(void)
{
	static const int mask_alrm[] = {SIGALRM, 0};
	struct ksigaction ka;
	sigset_t block, old;

	set_handler(SIGUSR1, probe_entry, 0, mask_alrm);
	syscall(SYS_rt_sigaction, (long)SIGUSR1, NULL, &ka, KSIGSET_SIZE);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);

	memset(&probe, 0, sizeof(probe));
	expect_ret(raise(SIGUSR1), 0, "raise(SIGUSR1)");
	check(probe.sig == SIGUSR1 && probe.got_signo == SIGUSR1, "handler: signo and si_signo");
	check(probe.got_code == SI_TKILL, "raise: si_code SI_TKILL");
	check(probe.got_errno == 0, "raise: si_errno 0");
	check(probe.got_pid == getpid(), "raise: si_pid is the sender");
	check(probe.got_uid == getuid(), "raise: si_uid is the sender's uid");
	check((probe.entry_rsp + 8) % 16 == 0, "handler entry: (rsp + 8) %% 16 == 0");
	check(probe.ret_addr == (unsigned long)ka.restorer,
	      "handler entry: return address is sa_restorer");
	check(probe.uc_offset == 8, "ucontext at rsp + 8");
	check(probe.si_offset == 8 + 304, "siginfo at rsp + 312");
	check(probe.saved_rsp >= probe.entry_rsp + 440 + 128,
	      "frame below the interrupted rsp and its red zone");
	check((probe.uc_flags & UC_FP_XSTATE) != 0, "uc_flags: UC_FP_XSTATE");
	check(probe.fp_aligned, "fpstate 64-byte aligned");
	check(probe.fp_magic1 && probe.fp_magic2 && probe.fp_sizes,
	      "fpstate: XSTATE_MAGIC1, sizes and XSTATE_MAGIC2");
	check(probe.uc_mask_usr2 == 1 && probe.uc_mask_usr1 == 0,
	      "uc_sigmask is the mask before delivery");
	check(probe.cur_mask_usr1 == 1, "inside: the signal itself is blocked");
	check(probe.cur_mask_alrm == 1, "inside: sa_mask is blocked");
	check(probe.cur_mask_usr2 == 1, "inside: the old mask stays blocked");
	sigset_t now = current_mask();
	check(sigismember(&now, SIGUSR1) == 0 && sigismember(&now, SIGALRM) == 0 &&
		      sigismember(&now, SIGUSR2) == 1,
	      "after return: the mask before delivery");

	memset(&probe, 0, sizeof(probe));
	expect_ret(kill(getpid(), SIGUSR1), 0, "kill(getpid(), SIGUSR1)");
	check(probe.got_code == SI_USER && probe.got_pid == getpid() && probe.got_uid == getuid(),
	      "kill: si_code SI_USER, si_pid, si_uid");

	sigprocmask(SIG_SETMASK, &old, NULL);
	set_default(SIGUSR1);
}

/* ---- The trap a frame reports ---- */

#define PF_PROT 1
#define PF_WRITE 2
#define PF_USER 4

static volatile long trap_no, trap_err, trap_cr2, trap_code, trap_skip;
static char *trap_page;

/* Records the frame's trap, then lets the access or instruction go on. */
static void trap_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;

	trap_no = uc->uc_mcontext.gregs[REG_TRAPNO];
	trap_err = uc->uc_mcontext.gregs[REG_ERR];
	trap_cr2 = uc->uc_mcontext.gregs[REG_CR2];
	trap_code = si->si_code;
	if (trap_skip)
		uc->uc_mcontext.gregs[REG_RIP] += trap_skip;
	else
		mprotect(trap_page, 4096, PROT_READ | PROT_WRITE);
}

/*
 * sigcontext's trapno, err and cr2 are the thread's last trap, as the CPU
 * reported it (Linux's thread.trap_nr, error_code, cr2): a write fault
 * says so in err, as libsigsegv and garbage collectors read it; an `int n`
 * through a gate ring 3 may not use is #GP with the gate in err; and a
 * later signal that is no trap reports the same trap again.
 */
static void test_trap_info(void)
{
	trap_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(trap_page != MAP_FAILED, "mmap(PROT_READ)"))
		return;
	set_handler(SIGSEGV, trap_handler, 0, NULL);
	set_handler(SIGUSR1, trap_handler, 0, NULL);
	volatile char *p = trap_page;

	(void)p[0]; /* present, read-only */
	p[100] = 1;
	check(trap_no == 14 && trap_code == SEGV_ACCERR,
	      "write to a read-only page: #PF, SEGV_ACCERR");
	check(trap_err == (PF_PROT | PF_WRITE | PF_USER), "write fault: err %#lx, P|W|U", trap_err);
	check(trap_cr2 == (long)(trap_page + 100), "write fault: cr2 is the address");

	mprotect(trap_page, 4096, PROT_NONE);
	(void)p[200];
	check(trap_no == 14 && !(trap_err & PF_WRITE) && (trap_err & PF_USER),
	      "read of a PROT_NONE page: #PF, err %#lx without W", trap_err);
	check(trap_cr2 == (long)(trap_page + 200), "read fault: cr2 is the address");

	trap_skip = 2;
	__asm__ volatile("int $0x81" ::: "memory");
	check(trap_no == 13 && trap_code == SI_KERNEL, "int $0x81: #GP, SI_KERNEL");
	/* The gate's selector, n * 8 + 2; QEMU's TCG says n * 16 + 2 (it scales the index twice). */
	check(trap_err == 0x81 * 8 + 2 || trap_err == 0x81 * 16 + 2,
	      "int $0x81: err %#lx, the gate's selector", trap_err);
	check(trap_cr2 == (long)(trap_page + 200), "int $0x81: cr2 is still the last fault's");

	trap_skip = 1;
	__asm__ volatile("hlt" ::: "memory");
	check(trap_no == 13 && trap_err == 0, "hlt in user mode: #GP(0)");

	trap_no = trap_err = -1;
	trap_skip = 0;
	raise(SIGUSR1);
	check(trap_no == 13 && trap_err == 0, "a signal after a trap: the frame reports that trap");
	set_default(SIGSEGV);
	set_default(SIGUSR1);
	munmap(trap_page, 4096);
}

/* ---- Editing the ucontext ---- */

static volatile int ill_count;
static volatile int ill_code, ill_trapno, ill_addr_ok;

static void ill_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;

	ill_count++;
	ill_code = si->si_code;
	ill_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
	ill_addr_ok = si->si_addr == (void *)uc->uc_mcontext.gregs[REG_RIP];
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip the ud2 */
	uc->uc_mcontext.gregs[REG_RAX] = 42;
	uc->uc_mcontext.gregs[REG_R12] = 0x1234;
}

static volatile int mask_edit_count;

static void mask_edit_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;

	mask_edit_count++;
	sigaddset(&uc->uc_sigmask, SIGUSR2);
}

static void test_edit_ucontext(void)
{
	long rax = 1, r12 = 2;

	set_handler(SIGILL, ill_handler, 0, NULL);
	__asm__ volatile("mov %[in12], %%r12\n\t"
			 "ud2\n\t"
			 "mov %%r12, %[out12]"
			 : "+a"(rax), [out12] "=r"(r12)
			 : [in12] "r"(5L)
			 : "r12", "memory");
	check(ill_count == 1, "ud2: SIGILL handler ran once");
	check(ill_code == ILL_ILLOPN, "ud2: si_code ILL_ILLOPN");
	check(ill_trapno == 6, "ud2: REG_TRAPNO 6 (#UD)");
	check(ill_addr_ok, "ud2: si_addr is the faulting rip");
	check(rax == 42, "handler set REG_RAX: the interrupted code sees it");
	check(r12 == 0x1234, "handler set REG_R12: the interrupted code sees it");
	set_default(SIGILL);

	/* The mask rt_sigreturn restores is the frame's uc_sigmask. */
	set_handler(SIGUSR1, mask_edit_handler, 0, NULL);
	sigset_t old = current_mask();
	raise(SIGUSR1);
	sigset_t now = current_mask();
	check(mask_edit_count == 1 && sigismember(&now, SIGUSR2) == 1,
	      "handler added SIGUSR2 to uc_sigmask: blocked after return");
	sigprocmask(SIG_SETMASK, &old, NULL);
	set_default(SIGUSR1);
}

/* ---- FP, SSE and AVX state ---- */

static volatile unsigned fp_in_mxcsr, fp_in_fcw;
static volatile int fp_avx;

static void fp_clobber_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;
	struct fxregs *fx = (void *)uc->uc_mcontext.fpregs;
	unsigned mxcsr = 0;
	unsigned short fcw = 0;

	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	fp_in_mxcsr = mxcsr;
	fp_in_fcw = fcw;
	/* Clobber everything the interrupted code had. */
	mxcsr = MXCSR_DEFAULT | 0x2000; /* round down */
	fcw = 0x7f;
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" ::"m"(mxcsr), "m"(fcw));
	__asm__ volatile("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\t"
			 "pxor %%xmm2, %%xmm2\n\tpxor %%xmm7, %%xmm7\n\t"
			 "pxor %%xmm8, %%xmm8\n\tpxor %%xmm15, %%xmm15" ::
				 : "xmm0", "xmm1", "xmm2", "xmm7", "xmm8", "xmm15");
	if (fp_avx)
		__asm__ volatile("vzeroall" ::: "memory");
	/* Edit xmm3 in the frame: the interrupted code gets the new value. */
	if (fx)
		memset(fx->xmm[3], 0xab, 16);
}

static bool have_avx(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
		return false;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* Load xmm0-15 from pat, send SIGUSR1 to ourselves, store them to out. */
static void sse_round_trip(const uint8_t (*pat)[16], uint8_t (*out)[16], unsigned *mxcsr_out,
			   unsigned short *fcw_out)
{
	unsigned mxcsr_in = MXCSR_RZ;
	unsigned short fcw_in = FCW_DOUBLE;
	long pid = getpid(), tid = syscall(SYS_gettid), ret;

	__asm__ volatile("ldmxcsr %[mi]\n\tfldcw %[fi]\n\t"
			 "movdqu 0(%[p]), %%xmm0\n\tmovdqu 16(%[p]), %%xmm1\n\t"
			 "movdqu 32(%[p]), %%xmm2\n\tmovdqu 48(%[p]), %%xmm3\n\t"
			 "movdqu 64(%[p]), %%xmm4\n\tmovdqu 80(%[p]), %%xmm5\n\t"
			 "movdqu 96(%[p]), %%xmm6\n\tmovdqu 112(%[p]), %%xmm7\n\t"
			 "movdqu 128(%[p]), %%xmm8\n\tmovdqu 144(%[p]), %%xmm9\n\t"
			 "movdqu 160(%[p]), %%xmm10\n\tmovdqu 176(%[p]), %%xmm11\n\t"
			 "movdqu 192(%[p]), %%xmm12\n\tmovdqu 208(%[p]), %%xmm13\n\t"
			 "movdqu 224(%[p]), %%xmm14\n\tmovdqu 240(%[p]), %%xmm15\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm0, 0(%[o])\n\tmovdqu %%xmm1, 16(%[o])\n\t"
			 "movdqu %%xmm2, 32(%[o])\n\tmovdqu %%xmm3, 48(%[o])\n\t"
			 "movdqu %%xmm4, 64(%[o])\n\tmovdqu %%xmm5, 80(%[o])\n\t"
			 "movdqu %%xmm6, 96(%[o])\n\tmovdqu %%xmm7, 112(%[o])\n\t"
			 "movdqu %%xmm8, 128(%[o])\n\tmovdqu %%xmm9, 144(%[o])\n\t"
			 "movdqu %%xmm10, 160(%[o])\n\tmovdqu %%xmm11, 176(%[o])\n\t"
			 "movdqu %%xmm12, 192(%[o])\n\tmovdqu %%xmm13, 208(%[o])\n\t"
			 "movdqu %%xmm14, 224(%[o])\n\tmovdqu %%xmm15, 240(%[o])\n\t"
			 "stmxcsr %[mo]\n\tfnstcw %[fo]\n\t"
			 "ldmxcsr %[md]\n\tfldcw %[fd]"
			 : "=a"(ret), [mo] "=m"(*mxcsr_out), [fo] "=m"(*fcw_out)
			 : "a"((long)SYS_tgkill), "D"(pid), "S"(tid),
			   "d"((long)SIGUSR1), [p] "r"(pat), [o] "r"(out), [mi] "m"(mxcsr_in),
			   [fi] "m"(fcw_in), [md] "m"((unsigned){MXCSR_DEFAULT}),
			   [fd] "m"((unsigned short){FCW_DEFAULT})
			 : "rcx", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			   "xmm13", "xmm14", "xmm15");
	(void)ret;
}

/* Load ymm0-15 from pat, send SIGUSR1 to ourselves, store them to out. */
__attribute__((target("avx"))) static void avx_round_trip(const uint8_t (*pat)[32],
							  uint8_t (*out)[32])
{
	long pid = getpid(), tid = syscall(SYS_gettid), ret;

	__asm__ volatile("vmovdqu 0(%[p]), %%ymm0\n\tvmovdqu 32(%[p]), %%ymm1\n\t"
			 "vmovdqu 64(%[p]), %%ymm2\n\tvmovdqu 96(%[p]), %%ymm3\n\t"
			 "vmovdqu 128(%[p]), %%ymm4\n\tvmovdqu 160(%[p]), %%ymm5\n\t"
			 "vmovdqu 192(%[p]), %%ymm6\n\tvmovdqu 224(%[p]), %%ymm7\n\t"
			 "vmovdqu 256(%[p]), %%ymm8\n\tvmovdqu 288(%[p]), %%ymm9\n\t"
			 "vmovdqu 320(%[p]), %%ymm10\n\tvmovdqu 352(%[p]), %%ymm11\n\t"
			 "vmovdqu 384(%[p]), %%ymm12\n\tvmovdqu 416(%[p]), %%ymm13\n\t"
			 "vmovdqu 448(%[p]), %%ymm14\n\tvmovdqu 480(%[p]), %%ymm15\n\t"
			 "syscall\n\t"
			 "vmovdqu %%ymm0, 0(%[o])\n\tvmovdqu %%ymm1, 32(%[o])\n\t"
			 "vmovdqu %%ymm2, 64(%[o])\n\tvmovdqu %%ymm3, 96(%[o])\n\t"
			 "vmovdqu %%ymm4, 128(%[o])\n\tvmovdqu %%ymm5, 160(%[o])\n\t"
			 "vmovdqu %%ymm6, 192(%[o])\n\tvmovdqu %%ymm7, 224(%[o])\n\t"
			 "vmovdqu %%ymm8, 256(%[o])\n\tvmovdqu %%ymm9, 288(%[o])\n\t"
			 "vmovdqu %%ymm10, 320(%[o])\n\tvmovdqu %%ymm11, 352(%[o])\n\t"
			 "vmovdqu %%ymm12, 384(%[o])\n\tvmovdqu %%ymm13, 416(%[o])\n\t"
			 "vmovdqu %%ymm14, 448(%[o])\n\tvmovdqu %%ymm15, 480(%[o])\n\t"
			 "vzeroupper"
			 : "=a"(ret)
			 : "a"((long)SYS_tgkill), "D"(pid), "S"(tid),
			   "d"((long)SIGUSR1), [p] "r"(pat), [o] "r"(out)
			 : "rcx", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			   "xmm13", "xmm14", "xmm15");
	(void)ret;
}

static void test_fp_survives(void)
{
	uint8_t pat[16][16], out[16][16];
	unsigned mxcsr = 0;
	unsigned short fcw = 0;
	bool ok = true;

	fp_avx = have_avx();
	set_handler(SIGUSR1, fp_clobber_handler, 0, NULL);
	for (int r = 0; r < 16; r++)
		for (int i = 0; i < 16; i++)
			pat[r][i] = (uint8_t)(r * 16 + i + 1);
	memset(out, 0, sizeof(out));
	sse_round_trip(pat, out, &mxcsr, &fcw);
	check(fp_in_mxcsr == MXCSR_DEFAULT, "handler starts with MXCSR 0x1f80");
	check(fp_in_fcw == FCW_DEFAULT, "handler starts with the x87 control word 0x37f");
	check(mxcsr == MXCSR_RZ, "MXCSR survives the handler");
	check(fcw == FCW_DOUBLE, "x87 control word survives the handler");
	for (int r = 0; r < 16; r++)
		if (r != 3 && memcmp(out[r], pat[r], 16))
			ok = false;
	check(ok, "xmm0-15 survive a handler that clobbers them");
	uint8_t ab[16];
	memset(ab, 0xab, sizeof(ab));
	check(!memcmp(out[3], ab, 16), "xmm3 edited in the frame's fpstate is restored");

	/* The upper halves: the XSAVE extended area. Same output without AVX. */
	if (fp_avx) {
		uint8_t ypat[16][32], yout[16][32];

		for (int r = 0; r < 16; r++)
			for (int i = 0; i < 32; i++)
				ypat[r][i] = (uint8_t)(0x80 + r * 7 + i);
		memset(yout, 0, sizeof(yout));
		avx_round_trip(ypat, yout);
		ok = true;
		for (int r = 0; r < 16; r++) {
			if (memcmp(yout[r] + 16, ypat[r] + 16, 16))
				ok = false;
			if (r != 3 && memcmp(yout[r], ypat[r], 16))
				ok = false;
		}
	}
	check(ok, "ymm0-15 survive a handler that runs vzeroall");
	set_default(SIGUSR1);
}

/* ---- Masks, nesting, SA_NODEFER, SA_RESETHAND ---- */

static volatile int depth, max_depth, calls;
static volatile int order[8], norder;
static volatile int inner_saw_outer_blocked;

static void record(int sig)
{
	if (norder < 8)
		order[norder++] = sig;
}

static void reenter_handler(HANDLER_ARGS)
{
	depth++;
	calls++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls == 1)
		raise(sig);
	depth--;
}

static void outer_handler(HANDLER_ARGS)
{
	record(sig);
	raise(SIGUSR2); /* not blocked: runs nested, now */
	raise(SIGALRM); /* in sa_mask: runs after we return */
	record(-sig);
}

static void inner_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;

	record(sig);
	if (sig == SIGUSR2)
		inner_saw_outer_blocked = sigismember(&uc->uc_sigmask, SIGUSR1);
}

static void test_masks_and_nesting(void)
{
	static const int mask_alrm[] = {SIGALRM, 0};

	/* Without SA_NODEFER the signal waits until the handler returns. */
	set_handler(SIGUSR1, reenter_handler, 0, NULL);
	depth = max_depth = calls = 0;
	raise(SIGUSR1);
	check(calls == 2 && max_depth == 1, "raise in own handler: deferred until it returns");

	set_handler(SIGUSR1, reenter_handler, SA_NODEFER, NULL);
	depth = max_depth = calls = 0;
	raise(SIGUSR1);
	check(calls == 2 && max_depth == 2, "SA_NODEFER: raise in own handler nests");
	sigset_t now = current_mask();
	check(sigismember(&now, SIGUSR1) == 0, "SA_NODEFER: mask restored after nesting");

	/* Nesting a different signal; sa_mask defers another. */
	set_handler(SIGUSR1, outer_handler, 0, mask_alrm);
	set_handler(SIGUSR2, inner_handler, 0, NULL);
	set_handler(SIGALRM, inner_handler, 0, NULL);
	norder = 0;
	raise(SIGUSR1);
	check(norder == 4 && order[0] == SIGUSR1 && order[1] == SIGUSR2 && order[2] == -SIGUSR1 &&
		      order[3] == SIGALRM,
	      "nested SIGUSR2 runs inside, sa_mask'd SIGALRM after");
	check(inner_saw_outer_blocked == 1, "nested handler's uc_sigmask has the outer signal");
	set_default(SIGUSR1);
	set_default(SIGUSR2);
	set_default(SIGALRM);
}

static volatile int resethand_calls;

static void resethand_handler(HANDLER_ARGS)
{
	resethand_calls++;
}

static void test_resethand(void)
{
	struct sigaction old;

	set_handler(SIGUSR1, resethand_handler, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	check(resethand_calls == 1, "SA_RESETHAND: the handler ran");
	check(old.sa_handler == SIG_DFL, "SA_RESETHAND: the action is SIG_DFL afterwards");
	/* Still SIG_DFL for the next one: ignore it to stay alive. */
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	check(resethand_calls == 1, "SA_RESETHAND: ran only once");
	set_default(SIGUSR1);
}

/* ---- Leaving with siglongjmp ---- */

static sigjmp_buf jump_env;
static volatile int jumped;

static void jump_handler(HANDLER_ARGS)
{
	jumped++;
	siglongjmp(jump_env, 1);
}

static void test_siglongjmp(void)
{
	set_handler(SIGUSR1, jump_handler, 0, NULL);
	for (int i = 0; i < 3; i++) {
		if (sigsetjmp(jump_env, 1) == 0) {
			raise(SIGUSR1);
			check(false, "siglongjmp: raise returned");
		}
	}
	sigset_t now = current_mask();
	check(jumped == 3, "a handler that siglongjmps out, three times");
	check(sigismember(&now, SIGUSR1) == 0, "siglongjmp restored the mask");
	set_default(SIGUSR1);
}

/* ---- A ucontext without FP state; frames Linux refuses ---- */

static volatile int fp_drop_calls;

static void fp_drop_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;

	fp_drop_calls++;
	uc->uc_mcontext.fpregs = NULL;
}

static void test_null_fpregs(void)
{
	uint8_t pat[16][16], out[16][16], zero[16];
	unsigned mxcsr = 0;
	unsigned short fcw = 0;
	bool ok = true;

	set_handler(SIGUSR1, fp_drop_handler, 0, NULL);
	memset(pat, 0x5c, sizeof(pat));
	memset(zero, 0, sizeof(zero));
	sse_round_trip(pat, out, &mxcsr, &fcw);
	for (int r = 0; r < 16; r++)
		if (memcmp(out[r], zero, 16))
			ok = false;
	check(fp_drop_calls == 1 && ok && mxcsr == MXCSR_DEFAULT && fcw == FCW_DEFAULT,
	      "fpregs set to NULL: rt_sigreturn resets the FP state");
	set_default(SIGUSR1);
}

/* Each child must die by SIGSEGV before returning. */
static void child_no_restorer(void)
{
	struct ksigaction ka = {.handler = (void *)fp_drop_handler, .flags = SA_SIGINFO};

	syscall(SYS_rt_sigaction, (long)SIGUSR1, &ka, NULL, KSIGSET_SIZE);
	raise(SIGUSR1);
}

static void child_bad_stack(void)
{
	long pid = getpid(), tid = syscall(SYS_gettid);

	set_handler(SIGUSR1, fp_drop_handler, 0, NULL);
	/* No stack to put the frame on. */
	__asm__ volatile("mov $0x1000, %%rsp\n\tsyscall\n\tud2" ::"a"((long)SYS_tgkill), "D"(pid),
			 "S"(tid), "d"((long)SIGUSR1)
			 : "memory");
}

static void child_bad_sigreturn(void)
{
	/* rt_sigreturn with an unreadable frame. */
	__asm__ volatile("mov $0x1000, %%rsp\n\tsyscall\n\tud2" ::"a"((long)SYS_rt_sigreturn)
			 : "memory");
}

static void expect_sigsegv(void (*fn)(void), const char *what)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	if (pid < 0) {
		check(false, "fork for %s", what);
		return;
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "%s: killed by SIGSEGV", what);
}

static void test_fatal_frames(void)
{
	expect_sigsegv(child_no_restorer, "handler without SA_RESTORER");
	expect_sigsegv(child_bad_stack, "no room for the frame");
	expect_sigsegv(child_bad_sigreturn, "rt_sigreturn with an unreadable frame");
}

int main(void)
{
	guest_start("sigframe");
	test_siginfo_and_layout();
	test_edit_ucontext();
	test_trap_info();
	test_fp_survives();
	test_masks_and_nesting();
	test_resethand();
	test_siglongjmp();
	test_null_fpregs();
	test_fatal_frames();
	return guest_finish();
}

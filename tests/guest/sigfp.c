// SPDX-License-Identifier: Apache-2.0
/*
 * FP/SSE state around signal handlers, on the paths sigframe.c leaves
 * out: a signal that interrupts a thread spinning in user code (sent by
 * another thread), one raised by a fault (ud2), a handler that edits
 * MXCSR and an XMM register in the frame, a handler that forks, and many
 * deliveries in a row. Each checks that the interrupted code gets its
 * registers back (or the edited ones) and that the handler starts with
 * the default MXCSR.
 *
 * Handlers only record what they see; the checks and printing happen
 * after they return, so the output order is fixed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_RZ 0x7f80u     /* round toward zero */
#define MXCSR_EDITED 0xdf80u /* round down, flush to zero */

#define HANDLER_ARGS int sig GUEST_UNUSED, siginfo_t *si GUEST_UNUSED, void *ucv GUEST_UNUSED

/* The FXSAVE region of the frame's XSAVE image (our own layout, not libc's). */
struct fxregs {
	uint16_t cwd, swd, twd, fop;
	uint64_t rip, rdp;
	uint32_t mxcsr, mxcsr_mask;
	uint32_t st_space[32];
	uint8_t xmm[16][16];
};

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = {.sa_sigaction = fn, .sa_flags = SA_SIGINFO};

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		check(false, "sigaction(%d)", sig);
}

static void set_default(int sig)
{
	signal(sig, SIG_DFL);
}

/* What a handler saw on entry, and a clobber of every XMM register and MXCSR. */
static volatile unsigned handler_mxcsr;
static volatile int handler_calls;

static void clobber_fp(void)
{
	unsigned mxcsr = 0, rd = MXCSR_DEFAULT | 0x2000;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	handler_mxcsr = mxcsr;
	__asm__ volatile("ldmxcsr %0\n\t"
			 "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\t"
			 "pcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\t"
			 "pcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
			 "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
			 "pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm9, %%xmm9\n\t"
			 "pcmpeqd %%xmm10, %%xmm10\n\tpcmpeqd %%xmm11, %%xmm11\n\t"
			 "pcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\t"
			 "pcmpeqd %%xmm14, %%xmm14\n\tpcmpeqd %%xmm15, %%xmm15" ::"m"(rd)
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void clobber_handler(HANDLER_ARGS)
{
	handler_calls++;
	clobber_fp();
}

#define LOAD_XMM(p)                                                    \
	"movdqu 0(" p "), %%xmm0\n\tmovdqu 16(" p "), %%xmm1\n\t"      \
	"movdqu 32(" p "), %%xmm2\n\tmovdqu 48(" p "), %%xmm3\n\t"     \
	"movdqu 64(" p "), %%xmm4\n\tmovdqu 80(" p "), %%xmm5\n\t"     \
	"movdqu 96(" p "), %%xmm6\n\tmovdqu 112(" p "), %%xmm7\n\t"    \
	"movdqu 128(" p "), %%xmm8\n\tmovdqu 144(" p "), %%xmm9\n\t"   \
	"movdqu 160(" p "), %%xmm10\n\tmovdqu 176(" p "), %%xmm11\n\t" \
	"movdqu 192(" p "), %%xmm12\n\tmovdqu 208(" p "), %%xmm13\n\t" \
	"movdqu 224(" p "), %%xmm14\n\tmovdqu 240(" p "), %%xmm15\n\t"
#define STORE_XMM(p)                                                   \
	"movdqu %%xmm0, 0(" p ")\n\tmovdqu %%xmm1, 16(" p ")\n\t"      \
	"movdqu %%xmm2, 32(" p ")\n\tmovdqu %%xmm3, 48(" p ")\n\t"     \
	"movdqu %%xmm4, 64(" p ")\n\tmovdqu %%xmm5, 80(" p ")\n\t"     \
	"movdqu %%xmm6, 96(" p ")\n\tmovdqu %%xmm7, 112(" p ")\n\t"    \
	"movdqu %%xmm8, 128(" p ")\n\tmovdqu %%xmm9, 144(" p ")\n\t"   \
	"movdqu %%xmm10, 160(" p ")\n\tmovdqu %%xmm11, 176(" p ")\n\t" \
	"movdqu %%xmm12, 192(" p ")\n\tmovdqu %%xmm13, 208(" p ")\n\t" \
	"movdqu %%xmm14, 224(" p ")\n\tmovdqu %%xmm15, 240(" p ")\n\t"
#define XMM_CLOBBERS                                                                             \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", \
		"xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static void fill(uint8_t (*pat)[16], unsigned seed)
{
	for (int r = 0; r < 16; r++)
		for (int b = 0; b < 16; b++)
			pat[r][b] = (uint8_t)(seed * 31 + r * 17 + b);
}

/* ---- A signal from another thread, while the target spins in user code ---- */

static volatile int spin_ready, spin_stop;
static uint8_t spin_pat[16][16], spin_out[16][16];
static unsigned spin_mxcsr;
static volatile pid_t spin_tid;

static void stop_handler(HANDLER_ARGS)
{
	handler_calls++;
	clobber_fp();
	spin_stop = 1;
}

static void *spinner(void *arg)
{
	unsigned rz = MXCSR_RZ;

	(void)arg;
	spin_tid = (pid_t)syscall(SYS_gettid);
	/* No call and no syscall between the loads and the stores: only a signal can intrude. */
	__asm__ volatile("ldmxcsr %[rz]\n\t" LOAD_XMM(
				 "%[p]") "movl $1, %[ready]\n"
					 "1:\tpause\n\tcmpl $0, %[stop]\n\tje 1b\n\t" STORE_XMM(
						 "%[o]") "stmxcsr %[m]"
			 : [ready] "=m"(spin_ready), [m] "=m"(spin_mxcsr)
			 : [rz] "m"(rz), [p] "r"(spin_pat), [o] "r"(spin_out), [stop] "m"(spin_stop)
			 : "memory", XMM_CLOBBERS);
	return NULL;
}

static void test_interrupt_spinning_thread(void)
{
	pthread_t th;

	set_handler(SIGUSR1, stop_handler);
	handler_calls = 0;
	fill(spin_pat, 1);
	if (pthread_create(&th, NULL, spinner, NULL)) {
		check(false, "pthread_create");
		return;
	}
	while (!spin_ready)
		usleep(1000);
	syscall(SYS_tgkill, (long)getpid(), (long)spin_tid, (long)SIGUSR1);
	pthread_join(th, NULL);
	check(handler_calls == 1, "signal to a spinning thread: the handler ran once");
	check(handler_mxcsr == MXCSR_DEFAULT, "spinning thread: handler starts with MXCSR 0x1f80");
	check(!memcmp(spin_pat, spin_out, sizeof(spin_out)),
	      "spinning thread: xmm0-15 survive the handler");
	check(spin_mxcsr == MXCSR_RZ, "spinning thread: MXCSR survives the handler");
	set_default(SIGUSR1);
}

/* ---- A fault signal whose handler edits the frame's FP state ---- */

static void ud2_edit_handler(HANDLER_ARGS)
{
	ucontext_t *uc = ucv;
	struct fxregs *fx = (struct fxregs *)uc->uc_mcontext.fpregs;

	handler_calls++;
	clobber_fp();
	fx->mxcsr = MXCSR_EDITED;
	memset(fx->xmm[5], 0x3c, 16);
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* past the ud2 */
}

static void test_fault_edit(void)
{
	uint8_t pat[16][16], out[16][16];
	unsigned rz = MXCSR_RZ, mxcsr = 0;

	set_handler(SIGILL, ud2_edit_handler);
	handler_calls = 0;
	fill(pat, 2);
	__asm__ volatile(
		"ldmxcsr %[rz]\n\t" LOAD_XMM("%[p]") "ud2\n\t" STORE_XMM("%[o]") "stmxcsr %[m]"
		: [m] "=m"(mxcsr)
		: [rz] "m"(rz), [p] "r"(pat), [o] "r"(out)
		: "memory", XMM_CLOBBERS);
	/* The rest of the state must be what ud2 interrupted. */
	memset(pat[5], 0x3c, 16);
	check(handler_calls == 1, "ud2: the SIGILL handler ran once");
	check(handler_mxcsr == MXCSR_DEFAULT, "ud2: handler starts with MXCSR 0x1f80");
	check(!memcmp(pat, out, sizeof(out)), "ud2: xmm registers are the frame's, xmm5 edited");
	check(mxcsr == MXCSR_EDITED, "ud2: MXCSR edited in the frame is restored");
	set_default(SIGILL);
	/* Back to the ABI's MXCSR for the rest of the program. */
	unsigned def = MXCSR_DEFAULT;
	__asm__ volatile("ldmxcsr %0" ::"m"(def));
}

/* ---- Many deliveries in a row, each around its own register values ---- */

static void round_trip(const uint8_t (*pat)[16], uint8_t (*out)[16], unsigned *mxcsr_out)
{
	long pid = getpid(), tid = syscall(SYS_gettid);
	unsigned rz = MXCSR_RZ, mxcsr = 0;
	long nr = SYS_tgkill;

	/* tgkill straight from asm, so that no libc code touches the registers. */
	__asm__ volatile(
		"ldmxcsr %[rz]\n\t" LOAD_XMM("%[p]") "syscall\n\t" STORE_XMM("%[o]") "stmxcsr %[m]"
		: [m] "=m"(mxcsr), "+a"(nr)
		: [rz] "m"(rz), [p] "r"(pat), [o] "r"(out), "D"(pid), "S"(tid), "d"((long)SIGUSR1)
		: "rcx", "r11", "memory", XMM_CLOBBERS);
	*mxcsr_out = mxcsr;
	unsigned def = MXCSR_DEFAULT;
	__asm__ volatile("ldmxcsr %0" ::"m"(def));
}

static void test_many(void)
{
	uint8_t pat[16][16], out[16][16];
	unsigned mxcsr;
	int bad = 0, n = 500;

	set_handler(SIGUSR1, clobber_handler);
	handler_calls = 0;
	for (int i = 0; i < n; i++) {
		fill(pat, 100 + i);
		round_trip(pat, out, &mxcsr);
		if (memcmp(pat, out, sizeof(out)) || mxcsr != MXCSR_RZ ||
		    handler_mxcsr != MXCSR_DEFAULT)
			bad++;
	}
	check(handler_calls == n && bad == 0, "%d signals in a row: every one restores the state",
	      n);
	set_default(SIGUSR1);
}

/* ---- A handler that forks: both return to the interrupted state ---- */

static void fork_handler(HANDLER_ARGS)
{
	handler_calls++;
	clobber_fp();
	pid_t pid = fork();
	if (pid == 0)
		return; /* the child returns from the handler too */
	if (pid > 0) {
		int status = 0;
		waitpid(pid, &status, 0);
		handler_calls += WIFEXITED(status) && WEXITSTATUS(status) == 42 ? 10 : 100;
	}
}

static void test_fork_in_handler(void)
{
	uint8_t pat[16][16], out[16][16];
	unsigned mxcsr;

	set_handler(SIGUSR1, fork_handler);
	handler_calls = 0;
	fill(pat, 3);
	fflush(stdout);
	round_trip(pat, out, &mxcsr);
	if (handler_calls == 1) {
		/* The child: it exits 42 if its state came back too. */
		_exit(!memcmp(pat, out, sizeof(out)) && mxcsr == MXCSR_RZ ? 42 : 1);
	}
	check(handler_calls == 11, "fork in a handler: the child got its state back");
	check(!memcmp(pat, out, sizeof(out)) && mxcsr == MXCSR_RZ,
	      "fork in a handler: the parent got its state back");
	set_default(SIGUSR1);
}

int main(void)
{
	guest_start("sigfp");
	test_interrupt_spinning_thread();
	test_fault_edit();
	test_many();
	test_fork_in_handler();
	return guest_finish();
}

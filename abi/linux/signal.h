/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible signal ABI of Linux x86-64: siginfo, stack_t, the
 * ucontext and sigcontext of a signal frame, and the restart codes
 * interrupted syscalls return inside the Sentry (never seen by the guest).
 */
#ifndef ABI_LINUX_SIGNAL_H
#define ABI_LINUX_SIGNAL_H

#include <stddef.h>
#include "lib/compiler.h"

#define LINUX_SIGHUP 1
#define LINUX_SIGINT 2
#define LINUX_SIGQUIT 3
#define LINUX_SIGILL 4
#define LINUX_SIGTRAP 5
#define LINUX_SIGABRT 6
#define LINUX_SIGBUS 7
#define LINUX_SIGFPE 8
/* LINUX_SIGKILL 9 is in abi.h */
#define LINUX_SIGUSR1 10
#define LINUX_SIGSEGV 11
#define LINUX_SIGUSR2 12
#define LINUX_SIGPIPE 13
#define LINUX_SIGALRM 14
#define LINUX_SIGTERM 15
#define LINUX_SIGSTKFLT 16
#define LINUX_SIGCHLD 17
#define LINUX_SIGCONT 18
/* LINUX_SIGSTOP 19 is in abi.h */
#define LINUX_SIGTSTP 20
#define LINUX_SIGTTIN 21
#define LINUX_SIGTTOU 22
#define LINUX_SIGURG 23
#define LINUX_SIGXCPU 24
#define LINUX_SIGXFSZ 25
#define LINUX_SIGVTALRM 26
#define LINUX_SIGPROF 27
#define LINUX_SIGWINCH 28
#define LINUX_SIGIO 29
#define LINUX_SIGPWR 30
#define LINUX_SIGSYS 31
#define LINUX_SIGRTMIN 32

#define LINUX_SIG_DFL 0ULL
#define LINUX_SIG_IGN 1ULL

#define LINUX_SA_NOCLDSTOP 0x1u
#define LINUX_SA_NOCLDWAIT 0x2u
#define LINUX_SA_SIGINFO 0x4u
#define LINUX_SA_RESTORER 0x04000000u
#define LINUX_SA_ONSTACK 0x08000000u
#define LINUX_SA_RESTART 0x10000000u
#define LINUX_SA_NODEFER 0x40000000u
#define LINUX_SA_RESETHAND 0x80000000u

/* si_code values. */
#define LINUX_SI_USER 0
#define LINUX_SI_KERNEL 0x80
#define LINUX_SI_QUEUE (-1)
#define LINUX_SI_TIMER (-2)
#define LINUX_SI_MESGQ (-3)
#define LINUX_SI_ASYNCIO (-4)
#define LINUX_SI_SIGIO (-5)
#define LINUX_SI_TKILL (-6)
#define LINUX_SEGV_MAPERR 1
#define LINUX_SEGV_ACCERR 2
#define LINUX_BUS_ADRERR 2
#define LINUX_ILL_ILLOPN 2
#define LINUX_FPE_INTDIV 1
#define LINUX_TRAP_BRKPT 1
#define LINUX_CLD_EXITED 1
#define LINUX_CLD_KILLED 2
#define LINUX_CLD_DUMPED 3
#define LINUX_CLD_TRAPPED 4
#define LINUX_CLD_STOPPED 5
#define LINUX_CLD_CONTINUED 6

/*
 * siginfo_t: 128 bytes. The union's members used by the Sentry; the
 * layout follows the kernel's (si_signo, si_errno, si_code, 4 bytes of
 * padding, then the union at offset 16).
 */
struct linux_siginfo {
	s32 signo;
	s32 errno_;
	s32 code;
	s32 _pad;
	union {
		struct { /* kill, tkill, sigqueue */
			s32 pid;
			u32 uid;
			u64 value; /* sigval (sigqueue) */
		} kill;
		struct { /* POSIX timers */
			s32 tid;
			s32 overrun;
			u64 value;
		} timer;
		struct { /* SIGCHLD */
			s32 pid;
			u32 uid;
			s32 status;
			s32 _pad;
			s64 utime, stime;
		} chld;
		struct { /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
			u64 addr;
		} fault;
		struct { /* SIGPOLL */
			s64 band;
			s32 fd;
		} poll;
		u8 raw[112];
	};
};
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo size");
_Static_assert(offsetof(struct linux_siginfo, chld.status) == 24, "si_status offset");
_Static_assert(offsetof(struct linux_siginfo, fault.addr) == 16, "si_addr offset");

/* stack_t for sigaltstack. */
struct linux_stack {
	u64 sp;
	s32 flags;
	s32 _pad;
	u64 size;
};
_Static_assert(sizeof(struct linux_stack) == 24, "stack_t size");
#define LINUX_SS_ONSTACK 1
#define LINUX_SS_DISABLE 2
#define LINUX_SS_AUTODISARM (1u << 31)
#define LINUX_MINSIGSTKSZ 2048

/* struct sigcontext (x86-64), as in a signal frame's ucontext. */
struct linux_sigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	u64 eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate; /* guest address of the XSAVE-format area, 0 if none */
	u64 reserved1[8];
};
_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext size");

struct linux_ucontext {
	u64 flags;
	u64 link;
	struct linux_stack stack;
	struct linux_sigcontext mcontext;
	u64 sigmask;
};
_Static_assert(offsetof(struct linux_ucontext, mcontext) == 40, "uc_mcontext offset");
_Static_assert(offsetof(struct linux_ucontext, sigmask) == 296, "uc_sigmask offset");

/*
 * Restart codes: a syscall interrupted by a signal returns one of these
 * to the signal code, which turns it into EINTR or a restart depending on
 * the handler, as Linux's do_signal does. The guest never sees them.
 */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

#endif

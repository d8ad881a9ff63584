// SPDX-License-Identifier: Apache-2.0
/*
 * Linux x86-64's layout of a new process (arch/x86/mm/mmap.c,
 * fs/binfmt_elf.c): the stack at the top of the user half, moved down by
 * up to 16 GiB (22 bits of pages) and a few KiB more within the page;
 * mmap_base below the stack's rlimit (clamped to [128 MiB, 5/6 of the
 * space]), its guard gap and the stack's random range, moved down by up to
 * 1 TiB (28 bits of pages); a PIE at two thirds of the space plus the same
 * 28 random bits; the break up to 32 MiB past the program. Random bits
 * come from the host's getrandom, never from anything the guest can see.
 */
#include <string.h>
#include <sys/random.h>

#include "kernel.h"
#include "layout.h"
#include "lib/log.h"

#define STACK_RND_PAGES (1ULL << 22)   /* STACK_RND_MASK + 1 */
#define MMAP_RND_PAGES (1ULL << 28)    /* 1 << mmap_rnd_bits */
#define BRK_RND_RANGE (32ULL << 20)    /* arch_randomize_brk's 0x02000000 */
#define STACK_ALIGN_RND 8192	       /* arch_align_stack */
#define STACK_GUARD_GAP (256ULL << 12) /* stack_guard_gap: 256 pages */
#define GAP_MIN (128ULL << 20)
#define GAP_MAX (MM_TASK_SIZE / 6 * 5)
/* ELF_ET_DYN_BASE: 2/3 of the space, page aligned (0x555555554000). */
#define ET_DYN_BASE (((MM_TASK_SIZE / 3) * 2) & ~(PAGE_SIZE - 1))

/* n random words for one layout, all zero (no randomisation) if getrandom fails. */
static void random_words(u64 *w, size_t n)
{
	/* One call: getrandom from the urandom pool does not fail once seeded. */
	if (getrandom(w, n * sizeof(*w), 0) != (ssize_t)(n * sizeof(*w))) {
		pr_warn_ratelimited("getrandom failed: this process's layout is not randomised");
		memset(w, 0, n * sizeof(*w));
	}
}

void exec_layout(const struct task *t, u32 personality, struct exec_layout *l)
{
	bool rnd = RANDOMIZE_VA_SPACE && !(personality & LINUX_ADDR_NO_RANDOMIZE);
	enum { STACK, SP, MMAP, PIE, BRK, NWORDS };
	u64 r[NWORDS] = {0};
	if (rnd)
		random_words(r, NWORDS);

	l->stack_top = MM_TASK_SIZE - (r[STACK] % STACK_RND_PAGES) * PAGE_SIZE;
	l->sp_offset = ALIGN_UP(r[SP] % STACK_ALIGN_RND, 16);

	/* mmap_base leaves room for the stack to grow to its limit, and its random range. */
	u64 gap = task_rlimit(t, LINUX_RLIMIT_STACK);
	gap = gap == LINUX_RLIM_INFINITY ? GAP_MAX : gap;
	gap += STACK_GUARD_GAP + (rnd ? STACK_RND_PAGES * PAGE_SIZE : 0);
	gap = MIN(MAX(gap, GAP_MIN), GAP_MAX);
	l->mmap_base =
		ALIGN_DOWN(MM_TASK_SIZE - gap - (r[MMAP] % MMAP_RND_PAGES) * PAGE_SIZE, PAGE_SIZE);

	l->et_dyn_base = ET_DYN_BASE + (r[PIE] % MMAP_RND_PAGES) * PAGE_SIZE;
	l->brk_offset =
		RANDOMIZE_VA_SPACE > 1 ? (r[BRK] % (BRK_RND_RANGE / PAGE_SIZE)) * PAGE_SIZE : 0;
}

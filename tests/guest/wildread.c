// SPDX-License-Identifier: Apache-2.0
/*
 * Hostile: loads from address 0x10, which is never mapped (#PF); in
 * assembly, as the compiler may treat a C null-page load as undefined.
 * Must be killed by SIGSEGV; a shell reports status 139.
 */
#include <stdio.h>

int main(void)
{
	printf("== wildread\nwildread: loading from address 0x10\n");
	fflush(stdout);
	asm volatile("movl 0x10, %%eax" ::: "eax", "memory");
	printf("FAIL wildread: still running\n");
	return 1;
}

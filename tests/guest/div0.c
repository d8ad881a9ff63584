// SPDX-License-Identifier: Apache-2.0
/*
 * Hostile: an integer division by zero (#DE), done with inline assembly so
 * the compiler can neither fold nor remove it.
 * Must be killed by SIGFPE; a shell reports status 136.
 */
#include <stdio.h>

int main(void)
{
	unsigned int quotient, divisor = 0;

	printf("== div0\ndiv0: dividing by zero\n");
	fflush(stdout);
	asm volatile("xor %%edx, %%edx\n\t"
		     "divl %1"
		     : "=a"(quotient)
		     : "r"(divisor), "a"(1u)
		     : "rdx", "cc");
	printf("FAIL div0: still running (%u)\n", quotient);
	return 1;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Spins in a tight loop forever, making no syscalls. Not a guest test on
 * its own: an integration test runs it under runsk, waits for the
 * "spin: spinning" line, sends SIGTERM to runsk and checks that the
 * sandbox goes away.
 */
#include <stdio.h>

int main(void)
{
	printf("spin: spinning\n");
	fflush(stdout);
	for (;;)
		asm volatile("" ::: "memory");
}

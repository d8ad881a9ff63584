// SPDX-License-Identifier: Apache-2.0
/*
 * true — exits 0 at once; `runsk do true` measures start-up and tear-down
 * (VM creation, ELF load, first faults, exit) with as little else as possible.
 * Built static like every workload, so native exec pays no dynamic loader
 * either.
 */
int main(void)
{
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * overlay_self.sh's data, the same natively and in the sandbox:
 *   overlay_self_data gen MIB    MIB MiB of a pattern in which every 8-byte
 *                                word says its offset, on stdout
 *   overlay_self_data mmap FILE  check FILE holds that pattern through a
 *                                shared mapping, then write a word into
 *                                each MiB through it, msync, and read the
 *                                words back with pread; prints "mmap ok MIB"
 * Exit 0 when all is as expected, 1 with a line saying what was not.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1UL << 20)
#define MARK 0x5eedf11e5eedf11eULL

static uint64_t word_at(uint64_t off)
{
	return (off * 0x9e3779b97f4a7c15ULL) ^ 0x0123456789abcdefULL;
}

static int gen(unsigned long mib)
{
	static uint64_t buf[MIB / 8];

	for (unsigned long m = 0; m < mib; m++) {
		for (size_t i = 0; i < MIB / 8; i++)
			buf[i] = word_at(m * MIB + i * 8);
		if (fwrite(buf, 1, MIB, stdout) != MIB) {
			perror("overlay_self_data: write");
			return 1;
		}
	}
	return fflush(stdout) ? 1 : 0;
}

static int check_mmap(const char *path)
{
	int fd = open(path, O_RDWR);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0 || st.st_size % MIB) {
		fprintf(stderr, "overlay_self_data: %s: not a file of whole MiB\n", path);
		return 1;
	}
	size_t len = st.st_size;
	uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("overlay_self_data: mmap");
		return 1;
	}
	for (size_t i = 0; i < len / 8; i++) {
		if (p[i] != word_at(i * 8)) {
			fprintf(stderr, "overlay_self_data: mmap: word at %zu is wrong\n", i * 8);
			return 1;
		}
	}
	for (size_t off = 8; off < len; off += MIB)
		p[off / 8] = MARK ^ off;
	if (msync(p, len, MS_SYNC) < 0 || munmap(p, len) < 0) {
		perror("overlay_self_data: msync");
		return 1;
	}
	for (size_t off = 8; off < len; off += MIB) {
		uint64_t w;
		if (pread(fd, &w, 8, off) != 8 || w != (MARK ^ off)) {
			fprintf(stderr,
				"overlay_self_data: a store through the mapping at %zu "
				"is not in the file\n",
				off);
			return 1;
		}
	}
	close(fd);
	printf("mmap ok %zu\n", len / MIB);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "gen"))
		return gen(strtoul(argv[2], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "mmap"))
		return check_mmap(argv[2]);
	fprintf(stderr, "usage: overlay_self_data gen MIB | mmap FILE\n");
	return 2;
}
